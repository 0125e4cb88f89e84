"""What one progress graph costs, against the least matplotlib can do at the same size.

The chart of every plan with scores carries a matplotlib graph (issue 7 asks for matplotlib at
print resolution). This measures, warm and in one process, txplan's graphs and matplotlib's floor:
one line on default axes, the same 6.5 x 3.4 in at 200 dpi, encoded to PNG the way txplan encodes
its graphs. The floor is the least a matplotlib graph of that size costs on this machine; the
target (issue 13) is one graph at no more than 1.3x the floor.

Two graphs are timed: the typical one, as ``benchmarks/generate.py`` writes it for every plan (a
PHQ-9 baseline and one score), and a busy one (eight PHQ-9 scores, four of them with item 9 above
0: nine value labels, four red rings, four legend entries), since every score adds text to draw.
For reference it also times the floor written by matplotlib's own ``savefig`` PNG encoder.

The machine is shared, so the draws are interleaved round by round (a busy neighbour slows them
alike) and each figure is the best round: CPU time, not wall time.

    python -m benchmarks.graph [--renders 10] [--rounds 8]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from txplan.instruments import INSTRUMENTS_BY_NAME
from txplan.model import Measure
from txplan.progress import measure_status
from txplan.progress_chart import DPI, HEIGHT_IN, WIDTH_IN, png_of, progress_png

__all__ = ["GraphTimings", "graph_timings"]

START = date(2026, 10, 1)


def _phq9_graph(baseline: int, scores: list[dict[str, object]]) -> Callable[[], None]:
    measure = Measure.model_validate({"instrument": "PHQ-9", "baseline": baseline, "target": 9, "every": "week",
                                      "scores": scores})
    status = measure_status(measure, INSTRUMENTS_BY_NAME["PHQ-9"])

    def draw() -> None:
        progress_png(status, START)

    return draw


def typical_graph() -> Callable[[], None]:
    return _phq9_graph(18, [{"date": START + timedelta(days=14), "score": 16}])


def busy_graph() -> Callable[[], None]:
    return _phq9_graph(22, [{"date": START + timedelta(weeks=week + 1), "score": 21 - week, "item9": week % 2}
                            for week in range(8)])


def _floor_figure() -> Figure:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.add_subplot().plot([1, 2], [18, 16])
    return figure


def matplotlib_floor() -> None:
    png_of(_floor_figure())


def matplotlib_floor_own_png() -> None:
    _floor_figure().savefig(BytesIO(), format="png")


@dataclass(frozen=True)
class GraphTimings:
    """CPU ms per graph."""

    typical: float
    busy: float
    floor: float
    floor_own_png: float


def graph_timings(renders: int = 10, rounds: int = 8) -> GraphTimings:
    """Each draw's CPU ms per render, best of ``rounds`` rounds after one warm-up render; every round runs each draw
    ``renders`` times, one draw after the other."""
    draws = (typical_graph(), busy_graph(), matplotlib_floor, matplotlib_floor_own_png)
    best = [float("inf")] * len(draws)
    for draw in draws:
        draw()
    for _ in range(rounds):
        for index, draw in enumerate(draws):
            started = time.process_time()
            for _ in range(renders):
                draw()
            best[index] = min(best[index], (time.process_time() - started) * 1000 / renders)
    return GraphTimings(*best)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time progress graphs against matplotlib's floor.")
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8)
    arguments = parser.parse_args()
    timings = graph_timings(arguments.renders, arguments.rounds)
    print(f"txplan progress graph, typical (one score): {timings.typical:.1f} CPU ms, "
          f"{timings.typical / timings.floor:.2f}x the floor (target <= 1.3x)\n"
          f"txplan progress graph, busy (eight scores, item 9 rings): {timings.busy:.1f} CPU ms, "
          f"{timings.busy / timings.floor:.2f}x the floor\n"
          f"matplotlib floor (one line, same size, txplan's encoder): {timings.floor:.1f} CPU ms\n"
          f"matplotlib floor with savefig's own PNG: {timings.floor_own_png:.1f} CPU ms")


if __name__ == "__main__":
    main()
