"""Dates (TX204-TX207), reported at the offending date's value. Today is fixed at conftest.TODAY (2026-11-10)."""

from __future__ import annotations

import pytest
from conftest import TODAY, CheckEdit

REVIEW = "  review: 2027-01-15"  # line 12, value at column 11; effective is 2026-11-02


@pytest.mark.parametrize("review", ["2026-11-02", "2026-11-01", "2025-01-01"], ids=["same day", "day before", "a year before"])
def test_a_review_not_after_the_effective_date_is_tx204(check_edit: CheckEdit, review: str) -> None:
    assert check_edit((REVIEW, f"  review: {review}")) == [("TX204", 12, 11)]


def test_a_review_the_day_after_the_effective_date_is_fine(check_edit: CheckEdit) -> None:
    assert check_edit((REVIEW, "  review: 2026-11-03")) == []


def test_a_review_90_days_after_the_effective_date_is_fine_by_default(check_edit: CheckEdit) -> None:
    assert check_edit((REVIEW, "  review: 2027-01-31")) == []


@pytest.mark.parametrize("review", ["2027-02-01", "2027-11-02"], ids=["91 days", "a year"])
def test_a_review_beyond_the_default_90_days_is_tx205(check_edit: CheckEdit, review: str) -> None:
    assert check_edit((REVIEW, f"  review: {review}")) == [("TX205", 12, 11)]


def test_the_review_interval_comes_from_the_clinic_policy(check_edit: CheckEdit) -> None:
    policy = "[tool.txplan]\nreview_interval_days = 30\n"
    assert check_edit((REVIEW, "  review: 2026-12-02"), pyproject=policy) == []
    assert check_edit((REVIEW, "  review: 2026-12-03"), pyproject=policy) == [("TX205", 12, 11)]


def test_a_longer_policy_interval_allows_a_later_review(check_edit: CheckEdit) -> None:
    policy = "[tool.txplan]\nreview_interval_days = 365\n"
    assert check_edit((REVIEW, "  review: 2027-11-02"), pyproject=policy) == []


@pytest.mark.parametrize("target", ["2026-11-02", "2026-10-01"], ids=["on the effective date", "before it"])
def test_a_target_date_not_after_the_effective_date_is_tx206(check_edit: CheckEdit, target: str) -> None:
    found = check_edit(("            target_date: 2027-01-10", f"            target_date: {target}"))
    assert found == [("TX206", 32, 26)]


def test_a_target_date_after_the_review_date_is_allowed(check_edit: CheckEdit) -> None:
    # long-term objectives may run past the first review
    assert check_edit(("            target_date: 2027-01-10", "            target_date: 2027-06-30")) == []


@pytest.mark.parametrize("dob", ["2026-11-02", "2026-11-05", TODAY.isoformat(), "2031-01-01"],
                         ids=["on the effective date", "after it", "today", "in the future"])
def test_a_birth_date_not_before_the_effective_date_or_not_past_is_tx207(check_edit: CheckEdit, dob: str) -> None:
    assert check_edit(("  dob: 1990-05-01", f"  dob: {dob}")) == [("TX207", 5, 8)]


def test_a_birth_date_in_the_past_before_the_effective_date_is_fine(check_edit: CheckEdit) -> None:
    assert check_edit(("  dob: 1990-05-01", "  dob: 2026-11-01")) == []


def test_a_birth_date_after_today_is_tx207_even_when_before_the_effective_date(check_edit: CheckEdit) -> None:
    # the plan takes effect in 2027; a dob of 2026-12-01 is before that, but it has not happened yet
    found = check_edit(("  effective: 2026-11-02", "  effective: 2027-01-02"), (REVIEW, "  review: 2027-02-15"),
                       ("            target_date: 2027-01-10", "            target_date: 2027-02-10"),
                       ("  dob: 1990-05-01", "  dob: 2026-12-01"))
    assert found == [("TX207", 5, 8)]


def test_every_date_problem_in_a_plan_is_reported_in_one_run(check_edit: CheckEdit) -> None:
    found = check_edit((REVIEW, "  review: 2026-10-01"), ("  dob: 1990-05-01", "  dob: 2030-01-01"),
                       ("            target_date: 2027-01-10", "            target_date: 2026-10-10"))
    assert found == [("TX207", 5, 8), ("TX204", 12, 11), ("TX206", 32, 26)]
