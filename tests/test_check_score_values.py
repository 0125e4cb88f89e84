"""Scores as the instruments give them: whole numbers for the PHQ-9, GAD-7 and PCL-5, one decimal for the ORS,
SRS and CSRS (TX314); never dated after today (TX219); and instruments used for the ages they are made for
(TX313, by the client's age on the effective date).

Edits change the valid plan's PHQ-9 measure (line 61; baseline on line 62, target on 63). TODAY is 2026-11-10.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURE_TEMPLATES, REPO, CheckEdit, edited_plan, make_clinic, position_of

MEASURE = "      - instrument: PHQ-9\n        baseline: 16\n        target: 9\n"
EVERY = "        every: 2 weeks\n"
DOB = "  dob: 1990-05-01"


def measure(instrument: str, baseline: float, target: float) -> tuple[str, str]:
    return MEASURE, f"      - instrument: {instrument}\n        baseline: {baseline}\n        target: {target}\n"


def scores(*entries: str) -> tuple[str, str]:
    return EVERY, EVERY + "        scores:\n" + "".join(f"          - {{ {entry} }}\n" for entry in entries)


def value_at(text: str, needle: str, key: str) -> tuple[int, int]:
    """The position of ``key``'s value inside the unique ``needle``."""
    line, col = position_of(text, needle)
    return line, col + needle.index(key) + len(key) + 2


# -- TX314 scores as precise as the instrument is scored ---------------------------------------------

@pytest.mark.parametrize("instrument", ["PHQ-9", "GAD-7", "PCL-5"])
def test_a_fractional_score_of_a_summed_instrument_is_tx314(check_edit: CheckEdit, instrument: str) -> None:
    changes = (measure(instrument, 16, 9), scores("date: 2026-11-09, score: 12.5"))
    assert check_edit(*changes) == [("TX314", *value_at(edited_plan(*changes), "score: 12.5", "score"))]


@pytest.mark.parametrize(("needle", "key"), [("baseline: 15.5", "baseline"), ("target: 8.5", "target")])
def test_a_fractional_baseline_or_target_is_tx314_too(check_edit: CheckEdit, needle: str, key: str) -> None:
    change = measure("PHQ-9", 15.5 if key == "baseline" else 16, 8.5 if key == "target" else 9)
    assert check_edit(change) == [("TX314", *value_at(edited_plan(change), needle, key))]


@pytest.mark.parametrize("instrument", ["ORS", "SRS"])
def test_alliance_and_outcome_scales_take_one_decimal(check_edit: CheckEdit, instrument: str) -> None:
    assert check_edit(measure(instrument, 21.5, 36.2), scores("date: 2026-11-09, score: 24.7")) == []
    changes = (measure(instrument, 21.5, 36.2), scores("date: 2026-11-09, score: 24.75"))
    assert check_edit(*changes) == [("TX314", *value_at(edited_plan(*changes), "score: 24.75", "score"))]


def test_a_custom_instrument_takes_any_decimals(check_edit: CheckEdit) -> None:
    change = (MEASURE, "      - instrument: WSAS\n        range: [0, 40]\n        baseline: 16.25\n        target: 9\n")
    assert check_edit(change) == []


# -- TX219 no score from the future -------------------------------------------------------------------

def test_a_score_dated_after_today_is_tx219_at_its_date(check_edit: CheckEdit) -> None:
    assert check_edit(scores("date: 2026-11-10, score: 14")) == []  # today itself is fine
    change = scores("date: 2026-11-09, score: 14", "date: 2026-11-11, score: 12")
    assert check_edit(change) == [("TX219", *position_of(edited_plan(change), "2026-11-11"))]


def test_today_is_the_clinics_day_whatever_the_machines_time_zone(tmp_path: Path) -> None:
    """A score given today in a clinic at UTC+14 was 'after today' (TX219) on a machine at UTC-10, and fine on one
    at UTC+14: a plan passed on one machine and failed on another. Today is the day in the policy's timezone."""
    zone = "Pacific/Kiritimati"
    today = datetime.now(ZoneInfo(zone)).date().isoformat()
    plan = edited_plan(scores(f"date: {today}, score: 12"))
    root = make_clinic(tmp_path / "clinic", {"plan.md": plan}, library=FIXTURE_TEMPLATES,
                       pyproject=f'[tool.txplan]\ntimezone = "{zone}"\nreview_interval_days = 730\n')
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "check"], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "TZ": "America/Adak"})
    assert "TX219" not in done.stderr, done.stderr


# -- TX227 no score from before the client was born -----------------------------------------------------

def test_a_score_dated_before_the_clients_birth_is_tx227_at_its_date(check_edit: CheckEdit) -> None:
    """The fixture's client was born 1990-05-01; a score of 1900 would be drawn a century before the plan."""
    assert check_edit(scores("date: 1990-05-01, score: 14")) == []  # the day of birth itself is not refused
    change = scores("date: 1900-01-01, score: 14", "date: 2026-11-09, score: 12")
    assert check_edit(change) == [("TX227", *position_of(edited_plan(change), "1900-01-01"))]


# -- TX313 the ages an instrument is made for ---------------------------------------------------------

@pytest.mark.parametrize(("instrument", "dob", "warned"), [
    ("SRS", "2016-05-01", True),  # 10 on the effective date: children complete the CSRS
    ("SRS", "2013-11-02", False),  # 13 that very day
    ("SRS", "2013-11-03", True),  # 13 the day after
    ("CSRS", "1990-05-01", True),  # an adult
    ("CSRS", "2016-05-01", False),
    ("ORS", "2016-05-01", False),  # the ORS is for 6 and over (children complete the CORS, recorded as ORS)
    ("ORS", "2021-05-01", True),  # 5
])
def test_an_instrument_outside_its_ages_is_tx313_at_the_instrument(check_edit: CheckEdit, instrument: str, dob: str,
                                                                  warned: bool) -> None:
    changes = (measure(instrument, 30, 38), (DOB, f"  dob: {dob}"))
    expected = [("TX313", *value_at(edited_plan(*changes), f"instrument: {instrument}", "instrument"))]
    assert check_edit(*changes) == (expected if warned else [])


def test_instruments_without_an_age_range_are_never_warned(check_edit: CheckEdit) -> None:
    assert check_edit((DOB, "  dob: 2016-05-01")) == []  # the PHQ-9 for a 10-year-old: not judged here
