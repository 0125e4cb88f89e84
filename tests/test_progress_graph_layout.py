"""Progress graphs a clinician can read: value labels cross no target or cutoff line and no other label,
alliance scales (SRS, CSRS) show the top of their range, where their scores gather, and the legend fits on the
figure under the date label however many entries it has."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from docx_helpers import status_for
from matplotlib.text import Annotation

from txplan.progress import MeasureStatus
from txplan.progress_chart import progress_figure

TEEN = date(2011, 3, 17)
CASES = {  # the example clinic's crowded graphs, and a few more
    "SRS near its cutoff": status_for("SRS", 33, 37, [("2026-11-09", 35), ("2026-11-16", 36), ("2026-11-23", 37.5)]),
    "ORS of an adolescent": status_for("ORS", 18, 28, [("2026-10-28", 19), ("2026-11-11", 23), ("2026-11-25", 24)],
                                       dob=TEEN),
    "ORS around 25": status_for("ORS", 21, 28, [("2026-10-26", 22), ("2026-11-09", 24.5), ("2026-11-23", 26)]),
    "GAD-7 on its cutoff": status_for("GAD-7", 14, 10, [("2026-11-02", 11), ("2026-11-09", 10), ("2026-11-16", 9)]),
    "PCL-5 in its cutoff range": status_for("PCL-5", 40, 31, [("2026-11-02", 34), ("2026-11-16", 32)]),
}


def drawn(status: MeasureStatus) -> tuple[Any, list[Any], list[float]]:
    """The axes, the value labels' boxes and the horizontal lines' heights, in display pixels."""
    figure = progress_figure(status, date(2026, 10, 19))
    axes = figure.axes[0]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [a.get_window_extent(renderer) for a in axes.texts if isinstance(a, Annotation)]
    heights = [status.target, *(y for c, _, _ in status.cutoff_periods(date(2026, 10, 19)) for y in (c.value, c.high))]
    lines = [float(axes.transData.transform((0, y))[1]) for y in heights]
    return axes, boxes, lines


@pytest.mark.parametrize("name", list(CASES))
def test_value_labels_cross_no_line(name: str) -> None:
    _, boxes, lines = drawn(CASES[name])
    assert boxes
    crossed = [(round(box.y0), round(line), round(box.y1)) for box in boxes for line in lines if box.y0 < line < box.y1]
    assert crossed == []


@pytest.mark.parametrize("name", list(CASES))
def test_value_labels_do_not_overlap(name: str) -> None:
    _, boxes, _ = drawn(CASES[name])
    overlapping = [(i, j) for i, one in enumerate(boxes) for j, other in enumerate(boxes[i + 1:], i + 1)
                   if one.overlaps(other)]
    assert overlapping == []


def test_the_srs_axis_shows_20_to_40() -> None:
    axes, _, _ = drawn(CASES["SRS near its cutoff"])
    assert axes.get_ylim() == (20, 40)
    assert [tick.get_text() for tick in axes.get_yticklabels()] == ["20", "25", "30", "35", "40"]


def test_the_alliance_axis_grows_to_show_a_low_score() -> None:
    axes, _, _ = drawn(status_for("SRS", 33, 37, [("2026-11-09", 14)]))
    assert axes.get_ylim() == (10, 40)


def test_other_scales_keep_their_full_range() -> None:
    axes, _, _ = drawn(CASES["ORS around 25"])
    assert axes.get_ylim() == (0, 40)


@pytest.mark.parametrize("status", [
    CASES["ORS of an adolescent"],
    status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 2), ("2026-11-16", 14)]),  # four entries: one line
    status_for("ORS", 18, 30, [("2026-11-02", 22), ("2026-11-23", 26)], dob=date(2008, 11, 10)),  # turns 18: five
], ids=["three entries", "four entries", "five entries"])
def test_the_legend_fits_the_figure_under_the_date_label(status: MeasureStatus) -> None:
    figure = progress_figure(status, date(2026, 10, 19))
    figure.canvas.draw()  # places the date label under the tick labels
    axes = figure.axes[0]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = axes.get_legend().get_window_extent(renderer)
    assert figure.bbox.x0 <= legend.x0 and legend.x1 <= figure.bbox.x1 and figure.bbox.y0 <= legend.y0
    assert legend.y1 < axes.xaxis.label.get_window_extent(renderer).y0


@pytest.mark.parametrize("high", [180, 10000, 100000])
def test_the_axis_title_stays_on_the_figure_for_a_long_name_and_wide_scores(high: int) -> None:
    """Custom scales: "Difficulties in Emotion Regulation Scale (DERS-36) score" ran off the bottom of the axis and
    five-digit scores pushed the axis title off the figure's left edge. The title above names the instrument."""
    name = "Difficulties in Emotion Regulation Scale (DERS-36)"
    status = status_for(name, high * 0.7, high * 0.4, [("2026-11-02", high * 0.6), ("2026-11-16", high * 0.5)],
                        range_=(0, high))
    figure = progress_figure(status, date(2026, 10, 19))
    figure.canvas.draw()  # as the PNG is drawn: the axis title is placed beside the score labels then
    axes = figure.axes[0]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    label = axes.yaxis.label
    box = label.get_window_extent(renderer)
    assert label.get_text() == "Score\n(lower is better)"
    assert box.x0 >= 0 and box.y0 >= 0 and box.y1 <= figure.bbox.height


@pytest.mark.parametrize(("high", "labels"), [
    (0.7, ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]),
    (1, ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
    (0.0001, ["0", "0.00002", "0.00004", "0.00006", "0.00008", "0.0001"]),
])
def test_score_labels_of_a_small_custom_range_are_exact(high: float, labels: list[str]) -> None:
    """Ticks were computed in floats: 0.6000000000000001 and 0.30000000000000004 were printed, and a range up to
    0.0001 had the one tick 0."""
    status = status_for("Proportion of days", high * 0.8, high * 0.2, [("2026-11-02", high * 0.5)], range_=(0, high))
    axes = progress_figure(status, date(2026, 10, 19)).axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == labels
