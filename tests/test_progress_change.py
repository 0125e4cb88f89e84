"""A change is called an improvement or a worsening only when it reaches the instrument's reliable-change threshold
(PHQ-9 5, GAD-7 4, PCL-5 10, ORS 5 points); below it the status says "no reliable change", and an instrument
without a threshold only gets a direction."""

from __future__ import annotations

import pytest
from docx_helpers import status_for


@pytest.mark.parametrize(("instrument", "baseline", "target", "threshold"), [
    ("PHQ-9", 17, 9, 5), ("GAD-7", 15, 7, 4), ("PCL-5", 52, 30, 10),
])
def test_below_the_threshold_is_no_reliable_change(instrument: str, baseline: int, target: int, threshold: int) -> None:
    below = status_for(instrument, baseline, target, [("2026-11-16", baseline - threshold + 1)])
    assert below.reliable is False and below.sentences()[1].endswith(f"no reliable change (that takes {threshold} points).")
    at = status_for(instrument, baseline, target, [("2026-11-16", baseline - threshold)])
    assert at.reliable is True and at.sentences()[1].endswith(f"a reliable improvement ({threshold} points or more).")
    worse = status_for(instrument, baseline, target, [("2026-11-16", baseline + threshold)])
    assert worse.sentences()[1].endswith(f"a reliable worsening ({threshold} points or more).")


def test_the_ors_threshold_is_5_points_up() -> None:
    assert status_for("ORS", 19, 28, [("2026-11-16", 23.5)]).sentences()[1] == (
        "Up 4.5 points (24\u00a0%) from the baseline of 19, no reliable change (that takes 5 points).")
    assert status_for("ORS", 19, 28, [("2026-11-16", 24)]).sentences()[1] == (
        "Up 5 points (26\u00a0%) from the baseline of 19, a reliable improvement (5 points or more).")


@pytest.mark.parametrize("typed", ["ors", " Ors "])
def test_a_fall_on_the_ors_typed_in_lower_case_is_a_worsening(typed: str) -> None:
    """`ors` with a range was a custom lower-is-better scale, and a real decline was charted as progress."""
    status = status_for(typed, 30, 35, [("2026-11-09", 24), ("2026-11-23", 18)], range_=(0, 40))
    assert status.instrument.name == "ORS" and status.improved is False
    assert status.sentences()[1] == ("Down 12 points (40\u00a0%) from the baseline of 30, a reliable worsening "
                                     "(5 points or more).")


@pytest.mark.parametrize(("instrument", "range_", "better_or_worse"), [("SRS", None, "better"), ("PDSS", (0, 28), "better")])
def test_without_a_threshold_only_the_direction_is_said(instrument: str, range_: tuple[float, float] | None,
                                                       better_or_worse: str) -> None:
    baseline, latest = (33, 36) if instrument == "SRS" else (17, 9)
    status = status_for(instrument, baseline, 37 if instrument == "SRS" else 7, [("2026-11-16", latest)], range_)
    assert status.reliable is None
    assert status.sentences()[1].endswith(
        f"in the {better_or_worse} direction (no reliable-change threshold is set for {instrument}).")
    assert "improvement" not in " ".join(status.sentences())
