"""An objective's `measure` agrees with the plan's measures: an instrument it names is measured (TX315), on the
schedule the measure's `every` gives (TX316). Both are warnings at the objective's measure (line 31, column 22).

The valid plan measures the PHQ-9 every 2 weeks (`every` on line 64) with weekly sessions.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, CheckEdit, Clinic, diagnostics_of, edited_plan

MEASURE = "            measure: Weekly activity log"
AT = (31, 22)


def measured_by(text: str) -> tuple[str, str]:
    return MEASURE, f"            measure: {text}"


@pytest.mark.parametrize("text", ["GAD-7 every 2 weeks", "ORS at each session", "gad-7 score", "PCL-5"])
def test_an_instrument_the_plan_does_not_measure_is_tx315(check_edit: CheckEdit, text: str) -> None:
    assert check_edit(measured_by(text)) == [("TX315", *AT)]


@pytest.mark.parametrize("text", ["PHQ-9 every 2 weeks", "phq-9", "Self-report", "PHQ-9 item 9 and GAD-like worry log",
                                  "C-SSRS at intake", "PHQ-90 log"])
def test_instruments_the_plan_measures_or_unknown_names_are_fine(check_edit: CheckEdit, text: str) -> None:
    assert check_edit(measured_by(text)) == []


@pytest.mark.parametrize("text", ["PHQ-9 every month", "PHQ-9 every week", "PHQ-9 weekly", "PHQ-9 monthly",
                                  "PHQ-9 every session", "PHQ-9 every 4 weeks"])
def test_a_schedule_that_contradicts_every_is_tx316(check_edit: CheckEdit, text: str) -> None:
    assert check_edit(measured_by(text)) == [("TX316", *AT)]


@pytest.mark.parametrize(("text", "every"), [
    ("PHQ-9 every 2 weeks", "2 weeks"),
    ("PHQ-9 biweekly", "2 weeks"),
    ("PHQ-9 every fortnight or so", "2 weeks"),  # no schedule the checker can read: nothing to compare
    ("PHQ-9 every session", "session"),
    ("PHQ-9 every session", "week"),  # weekly sessions: the same interval
    ("PHQ-9 monthly", "month"),
    ("PHQ-9 each month", "1 month"),
])
def test_a_schedule_that_agrees_with_every_is_fine(check_edit: CheckEdit, text: str, every: str) -> None:
    assert check_edit(measured_by(text), ("        every: 2 weeks", f"        every: {every}")) == []


def test_sessions_follow_the_plans_schedule(check_edit: CheckEdit) -> None:
    biweekly = ("    schedule: weekly", "    schedule: biweekly")
    assert check_edit(measured_by("PHQ-9 every session"), biweekly) == []  # a session every 2 weeks
    assert check_edit(measured_by("PHQ-9 every session")) == [("TX316", *AT)]


def test_the_message_says_both_schedules_in_days_without_the_instruments_name(clinic: Clinic) -> None:
    text = edited_plan(measured_by("PHQ-9 every month"))
    (found,) = diagnostics_of(clinic({"plan.md": text}, library=FIXTURE_TEMPLATES))
    assert found.message == ("objective O1's measure gives its instrument every month (30 days), but "
                             "measures[0].every says every 2 weeks (14 days)")
