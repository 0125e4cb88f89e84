"""What one progress graph costs, against the least matplotlib can do at the same size.

The chart of every plan with scores carries a matplotlib graph (issue 7 asks for matplotlib at
print resolution). This measures, warm and in one process, txplan's graph of a generated PHQ-9
history and matplotlib's floor: one line on default axes, the same 6.5 x 3.4 in at 200 dpi, encoded
to PNG the way txplan encodes its graphs. The floor is the least a matplotlib graph of that size
costs on this machine.

    python -m benchmarks.graph [--renders 20]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from txplan.instruments import INSTRUMENTS_BY_NAME
from txplan.model import Measure
from txplan.progress import measure_status
from txplan.progress_chart import DPI, HEIGHT_IN, WIDTH_IN, png_of, progress_png


def txplan_graph() -> None:
    measure = Measure(instrument="PHQ-9", baseline=18, target=9, every="2 weeks",
                      scores=[{"date": date(2026, 10, 15), "score": 16}])
    progress_png(measure_status(measure, INSTRUMENTS_BY_NAME["PHQ-9"]), date(2026, 10, 1))


def matplotlib_floor() -> None:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.add_subplot().plot([1, 2], [18, 16])
    png_of(figure)


def milliseconds_each(draw: Callable[[], None], renders: int) -> float:
    """CPU ms per render after one warm-up render, best of three rounds."""
    draw()
    rounds = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(renders):
            draw()
        rounds.append((time.process_time() - start) * 1000 / renders)
    return min(rounds)


def graph_timings(renders: int = 20) -> tuple[float, float]:
    return milliseconds_each(txplan_graph, renders), milliseconds_each(matplotlib_floor, renders)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time one progress graph against matplotlib's floor.")
    parser.add_argument("--renders", type=int, default=20)
    graph, floor = graph_timings(parser.parse_args().renders)
    print(f"txplan progress graph: {graph:.1f} CPU ms\nmatplotlib floor (one line, same size): {floor:.1f} CPU ms")


if __name__ == "__main__":
    main()
