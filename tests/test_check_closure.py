"""A closed plan records its closure (TX224 without it), dated from the effective date (TX225) to today (TX219);
`closure:` on a plan that is not closed is a warning (TX319). TODAY is 2026-11-10; the valid plan takes effect
on 2026-11-02, and `status:` is added as line 10, before `dates:`.
"""

from __future__ import annotations

import pytest
from conftest import CheckEdit, edited_plan, position_of

CLOSURE = """closure:
  date: 2026-11-09
  reason: Goals met
  criteria_met: some
  referrals: [Primary care follow-up]
  summary: |
    Six sessions; **PHQ-9** from 16 to 8.
"""


def closed(closure: str = CLOSURE, status: str = "closed") -> tuple[str, str]:
    return "dates:\n", f"status: {status}\n{closure}dates:\n"


def test_a_closed_plan_with_its_closure_is_fine(check_edit: CheckEdit) -> None:
    assert check_edit(closed()) == []


def test_referrals_are_optional(check_edit: CheckEdit) -> None:
    assert check_edit(closed(CLOSURE.replace("  referrals: [Primary care follow-up]\n", ""))) == []


def test_a_closed_plan_without_closure_is_tx224_at_status(check_edit: CheckEdit) -> None:
    assert check_edit(closed("")) == [("TX224", 10, 9)]


@pytest.mark.parametrize("empty", ["closure:\n", "closure: ~\n", "closure: null\n"])
def test_an_empty_closure_on_a_closed_plan_is_tx224_at_the_closure_key(check_edit: CheckEdit, empty: str) -> None:
    """`closure:` with no value built clean, with no discharge summary: it is the same as no closure."""
    assert check_edit(closed(empty)) == [("TX224", 11, 1)]


def test_an_empty_closure_on_an_active_plan_is_tx319(check_edit: CheckEdit) -> None:
    assert check_edit(closed("closure:\n", status="active")) == [("TX319", 11, 1)]


@pytest.mark.parametrize("status", ["active", "draft"])
def test_closure_on_a_plan_that_is_not_closed_is_tx319_at_closure(check_edit: CheckEdit, status: str) -> None:
    assert check_edit(closed(status=status)) == [("TX319", 11, 1)]


def test_a_closure_before_the_effective_date_is_tx225(check_edit: CheckEdit) -> None:
    change = closed(CLOSURE.replace("2026-11-09", "2026-11-01"))
    assert check_edit(change) == [("TX225", *position_of(edited_plan(change), "2026-11-01"))]


def test_a_closure_on_the_effective_date_is_fine(check_edit: CheckEdit) -> None:
    assert check_edit(closed(CLOSURE.replace("2026-11-09", "2026-11-02"))) == []


def test_a_closure_after_today_is_tx219(check_edit: CheckEdit) -> None:
    change = closed(CLOSURE.replace("2026-11-09", "2026-11-11"))
    assert check_edit(change) == [("TX219", *position_of(edited_plan(change), "2026-11-11"))]


@pytest.mark.parametrize(("old", "new", "code", "needle"), [
    ("  criteria_met: some\n", "  criteria_met: most\n", "TX105", "most"),
    ("  criteria_met: some\n", "", "TX101", "closure:"),
    ("  summary: |\n    Six sessions; **PHQ-9** from 16 to 8.\n", "", "TX101", "closure:"),
    ("  reason: Goals met\n", "  reason: Goals met\n  outcome: good\n", "TX102", "outcome"),
    ("  referrals: [Primary care follow-up]\n", "  referrals: Primary care follow-up\n", "TX103", "Primary care"),
], ids=["criteria not all/some/none", "no criteria_met", "no summary", "unknown key", "referrals as text"])
def test_a_closure_of_the_wrong_shape_is_reported_without_a_tx224(check_edit: CheckEdit, old: str, new: str,
                                                                  code: str, needle: str) -> None:
    change = closed(CLOSURE.replace(old, new))
    assert check_edit(change) == [(code, *position_of(edited_plan(change), needle))]
