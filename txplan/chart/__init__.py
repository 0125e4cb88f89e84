"""A chart's content: what a chart says, built once per plan, format-free (see ``content`` and ``build``)."""

from .build import build_chart
from .content import ChartContent

__all__ = ["ChartContent", "build_chart"]
