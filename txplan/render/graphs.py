"""Progress graphs shared by the renderers: each graph's key, and drawing it in the format a renderer needs.

A graph's key covers everything its bytes depend on: its data, and the code and
libraries that draw and encode it (``progress_chart``). A chart rebuilt for
another reason than its scores takes its earlier graph when the key is the same
(the DOCX build reads it back from the earlier file; the live preview keeps the
SVG in memory), because drawing is most of a chart's cost.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
from collections.abc import MutableMapping
from pathlib import Path

from .. import __version__
from ..chart.content import Graph
from ..progress import MeasureStatus

__all__ = ["graph_key", "graph_png", "graph_svg"]


def graph_key(status: MeasureStatus, start: dt.date) -> str:
    """Everything a progress graph's bytes depend on.

    Only the light parts of matplotlib and Pillow are imported, for their versions: a rebuild whose
    graphs are all reused never loads the drawing stack (about half a second per process).
    """
    import matplotlib
    import PIL
    from matplotlib.ft2font import __freetype_version__
    from PIL import Image, features

    drawn_by = (__version__, _drawing_code(), matplotlib.__version__, __freetype_version__, PIL.__version__,
                features.version("zlib"),
                getattr(getattr(Image, "core", None), "zlib_ng_version", ""))  # newer Pillow may encode with zlib-ng
    drawn = (status.instrument, status.baseline, status.target,
             [(s.date.isoformat(), s.score, s.item9) for s in status.scores], start.isoformat(),
             [(c, first.isoformat(), last.isoformat()) for c, first, last in
              status.cutoff_periods(min(start, *(s.date for s in status.scores[:1])))],
             )  # the instrument table's own dataclasses and the cutoffs for the client's age; never a library's repr
    return hashlib.sha256(repr((drawn_by, drawn)).encode()).hexdigest()[:32]


@functools.cache
def _drawing_code() -> str:
    """A digest of the module that draws graphs, read without importing it (importing loads matplotlib's drawing
    stack): a change to how graphs are drawn makes every graph be drawn again, whatever txplan's version says."""
    spec = importlib.util.find_spec("txplan.progress_chart")
    origin = spec.origin if spec is not None else None
    return hashlib.sha256(Path(origin).read_bytes()).hexdigest() if origin else ""


def graph_png(graph: Graph) -> bytes:
    from ..progress_chart import progress_png  # matplotlib's drawing stack, loaded only to draw

    return progress_png(graph.status, graph.start)


def graph_svg(graph: Graph, drawn: MutableMapping[str, str] | None = None) -> str:
    """The graph as SVG markup; ``drawn`` keeps SVGs by key across renders (the live preview passes one)."""
    from ..progress_chart import progress_svg  # matplotlib's drawing stack, loaded only to draw

    if drawn is None:
        return progress_svg(graph.status, graph.start)
    key = graph_key(graph.status, graph.start)
    if key not in drawn:
        drawn[key] = progress_svg(graph.status, graph.start)
    return drawn[key]
