"""The safety plan (TX210, TX211): all six Stanley-Brown parts, and a professional contact with a phone.

Edits apply to tests/fixtures/check/high-risk-plan.md, whose `crisis:` key is on line 61 (column 3).
"""

from __future__ import annotations

import pytest
from conftest import HIGH_RISK_PLAN, CheckPlan, edit

from txplan.elements import STANLEY_BROWN_STEPS

PARTS = {
    "warning_signs": ("    warning_signs: [Staying in bed past noon]\n", 62),
    "coping_strategies": ("    coping_strategies: [Walk the dog around the block]\n", 63),
    "social_distractions": ("    social_distractions: [Go to the library café]\n", 64),
    "support_contacts": ("    support_contacts:\n      - { name: Sam Test, phone: 555-0142 }\n", 65),
    "professional_contacts": ("    professional_contacts:\n      - { name: 988 Suicide & Crisis Lifeline, phone: 988 }\n", 67),
    "means_safety": ("    means_safety: [Medications kept by partner]\n", 69),
}
PROFESSIONAL = "      - { name: 988 Suicide & Crisis Lifeline, phone: 988 }"  # line 68


def test_the_fixture_safety_plan_is_complete(check_plan: CheckPlan) -> None:
    assert [key for key, _ in STANLEY_BROWN_STEPS] == list(PARTS)
    assert check_plan(HIGH_RISK_PLAN) == []


@pytest.mark.parametrize("part", list(PARTS))
def test_a_missing_part_is_tx210_at_crisis(check_plan: CheckPlan, part: str) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (PARTS[part][0], ""))) == [("TX210", 61, 3)]


@pytest.mark.parametrize("part", list(PARTS))
def test_an_empty_part_is_tx210_at_its_key(check_plan: CheckPlan, part: str) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (PARTS[part][0], f"    {part}: []\n"))) == [("TX210", PARTS[part][1], 5)]


def test_a_safety_plan_with_only_warning_signs_reports_each_missing_part(check_plan: CheckPlan) -> None:
    block = HIGH_RISK_PLAN[HIGH_RISK_PLAN.index("    coping_strategies:"):HIGH_RISK_PLAN.index("  evaluation:\n")]
    assert check_plan(edit(HIGH_RISK_PLAN, (block, ""))) == [("TX210", 61, 3)] * 5


def test_reasons_for_living_are_optional(check_plan: CheckPlan) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, ("    reasons_for_living: [My niece]\n", ""))) == []


def test_a_safety_plan_at_low_risk_must_still_be_complete(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("  level: high", "  level: low"), (PARTS["means_safety"][0], ""))
    assert check_plan(text) == [("TX210", 61, 3)]


def test_no_professional_contact_with_a_phone_is_tx211_at_professional_contacts(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, "      - { name: Dr. Lee Test }\n      - { name: County crisis team }"))
    assert check_plan(text) == [("TX211", 67, 5)]


def test_one_professional_contact_with_a_phone_is_enough_when_the_plan_needs_no_crisis_line(check_plan: CheckPlan) -> None:
    contacts = "      - { name: Dr. Lee Test }\n      - { name: County crisis team, phone: 555-0199 }"
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, contacts), ("  level: high", "  level: low"))
    assert check_plan(text) == []  # at high risk it must also be a crisis line: test_check_crisis_lines.py


def test_a_bare_988_is_read_as_a_phone_number(check_plan: CheckPlan) -> None:
    assert 'phone: 988 }' in HIGH_RISK_PLAN
    assert check_plan(edit(HIGH_RISK_PLAN, ("phone: 988 }", 'phone: "988" }'))) == []


def test_a_support_contact_without_a_phone_is_only_a_warning(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("      - { name: Sam Test, phone: 555-0142 }", "      - { name: Sam Test }"))
    assert check_plan(text) == [("TX306", 66, 9)]  # see test_check_crisis_lines.py


def test_a_contact_needs_a_name(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("      - { name: Sam Test, phone: 555-0142 }", "      - { phone: 555-0142 }"))
    assert check_plan(text) == [("TX101", 66, 9)]


def test_a_part_written_as_text_instead_of_a_list_is_tx103(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("means_safety: [Medications kept by partner]", "means_safety: Medications kept by partner"))
    assert check_plan(text) == [("TX103", 69, 19)]


def test_an_unknown_part_is_tx102(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, ("    reasons_for_living: [My niece]", "    reasons_to_live: [My niece]"))
    assert check_plan(text) == [("TX102", 70, 5)]
