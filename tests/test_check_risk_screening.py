"""`risk.screening` and `risk.reassess`: warned when missing at or above the crisis level (TX308, TX309), a
screening older than the review interval is stale (TX310), and one dated after today is an error (TX219).

tests/fixtures/check/high-risk-plan.md has both on lines 20 and 21; `risk:` is on line 17. TODAY is
2026-11-10 and the plans take effect on 2026-11-02.
"""

from __future__ import annotations

import pytest
from conftest import HIGH_RISK_PLAN, CheckEdit, CheckPlan, edit, position_of

SCREENING = "  screening: { instrument: C-SSRS, date: 2026-10-30 }\n"
REASSESS = "  reassess: every session\n"
RISK = (17, 1)  # the `risk:` key


@pytest.mark.parametrize("level", ["moderate", "high"])
def test_no_screening_at_or_above_the_crisis_level_is_tx308_at_risk(check_plan: CheckPlan, level: str) -> None:
    text = edit(HIGH_RISK_PLAN, (SCREENING, ""), ("  level: high", f"  level: {level}"))
    assert check_plan(text) == [("TX308", *RISK)]


def test_no_reassessment_schedule_at_or_above_the_crisis_level_is_tx309_at_risk(check_plan: CheckPlan) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (REASSESS, ""))) == [("TX309", *RISK)]


def test_both_missing_are_both_reported(check_plan: CheckPlan) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (SCREENING + REASSESS, ""))) == [("TX308", *RISK), ("TX309", *RISK)]


def test_below_the_crisis_level_both_are_optional(check_edit: CheckEdit) -> None:
    assert check_edit() == []  # the valid plan: risk low, neither field


def test_the_policy_level_decides(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (SCREENING + REASSESS, ""), ("  level: high", "  level: moderate"))
    policy = '[tool.txplan]\ncrisis_required_at = "high"\n'
    assert check_plan(text, pyproject=policy) == []


@pytest.mark.parametrize("reassess", ["every session", "session", "every 2 weeks", "2 weeks", "month", "every month",
                                      "3 sessions"])
def test_reassess_reads_the_every_grammar_with_or_without_every(check_plan: CheckPlan, reassess: str) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (REASSESS, f"  reassess: {reassess}\n"))) == []


@pytest.mark.parametrize("reassess", ["weekly", "every other week", "as needed", "every"])
def test_reassess_in_another_shape_is_tx108_at_the_value(check_plan: CheckPlan, reassess: str) -> None:
    text = edit(HIGH_RISK_PLAN, (REASSESS, f"  reassess: {reassess}\n"))
    assert check_plan(text) == [("TX108", 21, 13)]


def test_a_screening_older_than_the_review_interval_is_stale_tx310_at_its_date(check_plan: CheckPlan) -> None:
    # 90 days before 2026-11-02 is 2026-08-04
    assert check_plan(edit(HIGH_RISK_PLAN, ("date: 2026-10-30", "date: 2026-08-04"))) == []
    text = edit(HIGH_RISK_PLAN, ("date: 2026-10-30", "date: 2026-08-03"))
    assert check_plan(text) == [("TX310", *position_of(text, "2026-08-03"))]
    assert check_plan(text, pyproject="[tool.txplan]\nreview_interval_days = 120\n") == []


def test_a_stale_screening_is_warned_at_any_risk_level(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("date: 2026-10-30", "date: 2025-10-30"), ("  level: high", "  level: low"))
    assert check_plan(text) == [("TX310", *position_of(text, "2025-10-30"))]


def test_a_screening_dated_after_today_is_tx219(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("date: 2026-10-30", "date: 2026-11-11"))
    assert check_plan(text) == [("TX219", *position_of(text, "2026-11-11"))]


@pytest.mark.parametrize(("screening", "code", "needle"), [
    ("{ instrument: C-SSRS }", "TX101", "screening:"),  # a missing field: at its parent's key
    ("{ date: 2026-10-30 }", "TX101", "screening:"),
    ("{ instrument: C-SSRS, date: 2026-13-01 }", "TX104", "2026-13-01"),
    ("{ instrument: C-SSRS, date: 2026-10-30, score: 3 }", "TX102", "score"),
    ("C-SSRS", "TX103", "C-SSRS\n"),
])
def test_a_screening_of_the_wrong_shape_is_reported_at_its_field(check_plan: CheckPlan, screening: str, code: str,
                                                                 needle: str) -> None:
    text = edit(HIGH_RISK_PLAN, (SCREENING, f"  screening: {screening}\n"))
    assert check_plan(text) == [(code, *position_of(text, needle))]
