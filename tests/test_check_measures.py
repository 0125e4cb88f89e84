"""Measures (TX212-TX215): scores within the instrument's range, targets that improve on the baseline.

The valid plan's measure is PHQ-9, baseline 16 (line 62, value at column 19), target 9 (line 63, column 17).
"""

from __future__ import annotations

import pytest
from conftest import CheckEdit, Clinic, Found, diagnostics_of, edited_plan

INSTRUMENT = "      - instrument: PHQ-9\n"  # line 61, value at column 21
BASELINE = "        baseline: 16"
TARGET = "        target: 9"
SCORES = ("        every: 2 weeks\n", "        every: 2 weeks\n        scores:\n"
          "          - { date: 2026-11-03, score: 15 }\n          - { date: 2026-11-09, score: 12 }\n")


def measure(instrument: str, baseline: float, target: float, extra: str = "") -> tuple[str, str]:
    """Replace the PHQ-9 measure's first three lines (61-63) with another instrument's."""
    return (f"{INSTRUMENT}{BASELINE}\n{TARGET}\n",
            f"      - instrument: {instrument}\n{extra}        baseline: {baseline}\n        target: {target}\n")


# -- TX212 score outside the instrument's range -----------------------------------------------------

@pytest.mark.parametrize(("edit", "expected"), [
    ((BASELINE, "        baseline: 28"), ("TX212", 62, 19)),
    ((BASELINE, "        baseline: -1"), ("TX212", 62, 19)),
    ((TARGET, "        target: -2"), ("TX212", 63, 17)),
], ids=["baseline above 27", "baseline below 0", "target below 0"])
def test_a_phq9_score_outside_0_to_27_is_tx212(check_edit: CheckEdit, edit: tuple[str, str], expected: Found) -> None:
    assert check_edit(edit) == [expected]


def test_a_recorded_score_outside_the_range_is_tx212_at_that_score(check_edit: CheckEdit) -> None:
    # scores on lines 66 and 67; `score:` values at column 40
    found = check_edit(SCORES, ("score: 12 }", "score: 30 }"))
    assert found == [("TX212", 67, 40)]


@pytest.mark.parametrize(("instrument", "low", "high", "extra"), [
    ("PHQ-9", 0, 27, ""), ("GAD-7", 0, 21, ""), ("PCL-5", 0, 80, ""), ("ORS", 0, 40, ""), ("SRS", 0, 40, ""),
    ("PDSS", 0, 28, "        range: [0, 28]\n"), ("WHO-5", 0, 100, "        range: [0, 100]\n        better: higher\n"),
])
def test_each_instrument_has_its_own_range(check_edit: CheckEdit, instrument: str, low: int, high: int, extra: str) -> None:
    higher = instrument in ("ORS", "SRS", "WHO-5")
    lines = len(extra.splitlines())
    # the range's ends are scores; one past either end is not
    assert check_edit(measure(instrument, high if not higher else low, low if not higher else high, extra)) == []
    baseline_line, target_line = 62 + lines, 63 + lines
    if higher:
        assert check_edit(measure(instrument, low - 1, high, extra)) == [("TX212", baseline_line, 19)]
        assert check_edit(measure(instrument, low, high + 1, extra)) == [("TX212", target_line, 17)]
    else:
        assert check_edit(measure(instrument, high + 1, low, extra)) == [("TX212", baseline_line, 19)]
        assert check_edit(measure(instrument, high, low - 1, extra)) == [("TX212", target_line, 17)]


def test_fractional_scores_are_allowed(check_edit: CheckEdit) -> None:
    assert check_edit(measure("ORS", 21.5, 28.3)) == []


# -- TX213 target is not an improvement ------------------------------------------------------------

@pytest.mark.parametrize("target", [16, 20], ids=["equal", "worse"])
def test_a_lower_is_better_target_not_below_the_baseline_is_tx213_at_the_target(check_edit: CheckEdit, target: int) -> None:
    assert check_edit((TARGET, f"        target: {target}")) == [("TX213", 63, 17)]


@pytest.mark.parametrize("instrument", ["ORS", "SRS"])
def test_a_higher_is_better_target_not_above_the_baseline_is_tx213(check_edit: CheckEdit, instrument: str) -> None:
    assert check_edit(measure(instrument, 30, 25)) == [("TX213", 63, 17)]
    assert check_edit(measure(instrument, 25, 30)) == []


def test_a_custom_instrument_follows_its_stated_direction(check_edit: CheckEdit) -> None:
    higher = "        range: [0, 25]\n        better: higher\n"
    assert check_edit(measure("WHO-5", 9, 15, higher)) == []
    assert check_edit(measure("WHO-5", 15, 9, higher)) == [("TX213", 65, 17)]


def test_a_custom_instrument_is_lower_is_better_by_default(check_edit: CheckEdit) -> None:
    assert check_edit(measure("PDSS", 16, 7, "        range: [0, 28]\n")) == []
    assert check_edit(measure("PDSS", 7, 16, "        range: [0, 28]\n")) == [("TX213", 64, 17)]


def test_a_target_outside_the_range_is_only_tx212(check_edit: CheckEdit) -> None:
    # the target 30 is out of PHQ-9's range and also "worse" than 16; the range error says it all
    assert check_edit((TARGET, "        target: 30")) == [("TX212", 63, 17)]


# -- TX214 custom instrument has no range -----------------------------------------------------------

def test_an_unknown_instrument_without_a_range_is_tx214_at_its_name(check_edit: CheckEdit) -> None:
    assert check_edit(measure("PDSS", 16, 7)) == [("TX214", 61, 21)]


def test_an_unknown_instrument_with_only_a_direction_is_tx214(check_edit: CheckEdit) -> None:
    assert check_edit(measure("WHO-5", 9, 15, "        better: higher\n")) == [("TX214", 61, 21)]


def test_instrument_names_are_spelt_as_the_table_spells_them(check_edit: CheckEdit) -> None:
    # `phq9` is not PHQ-9: it is an unknown instrument, which needs its range (test_check_did_you_mean.py)
    assert check_edit(measure("phq9", 16, 9)) == [("TX214", 61, 21)]


# -- a known instrument in any case is that instrument ----------------------------------------------

@pytest.mark.parametrize("typed", ["ors", "Ors", "'  ORS '"])
def test_a_known_instrument_in_another_case_keeps_its_direction(check_edit: CheckEdit, typed: str) -> None:
    """`ors` with a range was a custom lower-is-better scale, so a fall from 30 to 20 (a real decline) was a target."""
    with_range = "        range: [0, 40]\n"
    assert check_edit(measure(typed, 30, 20, with_range)) == [("TX213", 64, 17)]
    assert check_edit(measure(typed, 20, 30, with_range)) == []


@pytest.mark.parametrize(("typed", "baseline", "target", "extra", "expected"), [
    ("ors", 9, 16, "        range: [0, 10]\n", [("TX215", 62, 16)]),
    ("gad-7", 16, 9, "        better: higher\n", [("TX215", 62, 17)]),
    ("pcl-5", 90, 9, "", [("TX212", 62, 19)]),
], ids=["ors range", "gad-7 direction", "pcl-5 range 0-80"])
def test_a_known_instrument_in_another_case_keeps_its_range(check_edit: CheckEdit, typed: str, baseline: int,
                                                             target: int, extra: str, expected: list[Found]) -> None:
    assert check_edit(measure(typed, baseline, target, extra)) == expected


def test_a_phq9_in_lower_case_keeps_its_item_9(check_edit: CheckEdit) -> None:
    """`phq-9` with a range lost its item 9: an item9 there was TX218, as if the measure had none."""
    scored = ("        every: 2 weeks\n", "        every: 2 weeks\n        scores:\n"
              "          - { date: 2026-11-03, score: 15, item9: 1 }\n")
    assert check_edit(measure("phq-9", 16, 9, "        range: [0, 27]\n"), scored) == []


# -- TX215 range or direction contradicts a known instrument -----------------------------------------

@pytest.mark.parametrize(("extra", "expected"), [
    ("        range: [0, 30]\n", ("TX215", 62, 16)),
    ("        range: [1, 27]\n", ("TX215", 62, 16)),
    ("        better: higher\n", ("TX215", 62, 17)),
], ids=["wrong top", "wrong bottom", "wrong direction"])
def test_a_range_or_direction_that_contradicts_phq9_is_tx215(check_edit: CheckEdit, extra: str, expected: Found) -> None:
    assert check_edit(measure("PHQ-9", 16, 9, extra)) == [expected]


def test_restating_a_known_instrument_correctly_is_allowed(check_edit: CheckEdit) -> None:
    assert check_edit(measure("PHQ-9", 16, 9, "        range: [0, 27]\n        better: lower\n")) == []
    assert check_edit(measure("ORS", 20, 30, "        better: higher\n")) == []


def test_a_wrong_range_and_direction_are_both_reported(check_edit: CheckEdit) -> None:
    found = check_edit(measure("SRS", 30, 38, "        range: [0, 10]\n        better: lower\n"))
    assert found == [("TX215", 62, 16), ("TX215", 63, 17)]


def test_every_measure_problem_is_reported_in_one_run(check_edit: CheckEdit) -> None:
    second = ("    feedback:\n", "      - instrument: GAD-7\n        baseline: 25\n        target: 5\n        every: month\n"
                                 "      - instrument: K10\n        baseline: 30\n        target: 20\n        every: month\n"
                                 "    feedback:\n")
    assert check_edit((TARGET, "        target: 18"), second) == [("TX213", 63, 17), ("TX212", 66, 19), ("TX214", 69, 21)]


def test_a_negative_range_reads_plainly_in_the_message(clinic: Clinic) -> None:
    """"outside X's range -10--0.5" read as a typo; the range is given as "-10 to -0.5"."""
    negative = "        range: [-10, -0.5]\n"
    root = clinic({"plan.md": edited_plan(measure("Mood shift", -8, -9, negative),
                                          (BASELINE.replace("16", "-8"), "        baseline: -20"))})
    messages = [d.message for d in diagnostics_of(root) if d.code == "TX212"]
    assert messages and all("range -10 to -0.5" in message for message in messages), messages
