"""Renderers: each output format walks a chart's content blocks (``txplan.chart.content``)."""

__all__: list[str] = []
