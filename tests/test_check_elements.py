"""Required intervention elements (TX209), from the plan's facts and the clinic policy.

A missing element is reported at `interventions:` (line 33, column 1); an element written with no value
(`skills:`) at its own key.
"""

from __future__ import annotations

import pytest
from conftest import HIGH_RISK_PLAN, VALID_PLAN, CheckEdit, CheckPlan, Found, edit

from txplan.elements import ELEMENTS, When

# Each always-required element, as written in the valid plan, so that a test can remove it.
ALWAYS = {
    "approaches": "  approaches:\n    - modality: CBT\n      rationale: Evidence base for depression\n",
    "techniques": "  techniques:\n    - use: behavioral-activation\n      with: { activities: \"walks, calling a friend\" }\n"
                  "      for: [O1]\n",
    "frequency": "  frequency:\n    schedule: weekly\n    minutes: 50\n    weeks: 12\n    format: individual\n"
                 "    setting: in-person\n",
    "homework": "  homework:\n    - use: thought-record\n      for: [O1]\n",
    "psychoeducation": "  psychoeducation:\n    - text: The cycle of inactivity and low mood.\n      for: [O1]\n",
    "skills": "  skills:\n    - use: problem-solving\n      for: [O1]\n",
    "emotional_processing": "  emotional_processing:\n    - text: Name and rate emotions at the start of each session.\n"
                            "      for: [O1]\n",
    "evaluation": "  evaluation:\n    measures:\n      - instrument: PHQ-9\n        baseline: 16\n        target: 9\n"
                  "        every: 2 weeks\n    feedback:\n      - text: Session Rating Scale at the end of every session.\n",
}
# Keeps O1 served when the element that is removed is the one carrying it.
SPARE_ITEM = ("  psychoeducation:\n", "  psychoeducation:\n    - text: A spare item.\n      for: [O1]\n")
INTERPERSONAL = ("        statement: Get back to my usual routine\n",
                 "        statement: Get back to my usual routine\n        interpersonal: true\n")
RELATIONSHIPS = ("  evaluation:\n", "  relationships:\n    - use: dear-man\n      for: [O1]\n  evaluation:\n")
CRISIS_BLOCK = HIGH_RISK_PLAN[HIGH_RISK_PLAN.index("  crisis:\n"):HIGH_RISK_PLAN.index("  evaluation:\n")]
NO_CRISIS = (CRISIS_BLOCK, "")


def without(key: str) -> tuple[str, str]:
    return ALWAYS[key], ""


def risk(level: str) -> tuple[str, str]:
    return "  level: high", f"  level: {level}"


def test_the_fixture_holds_every_always_required_element() -> None:
    assert list(ALWAYS) == [e.key for e in ELEMENTS if e.when is When.ALWAYS]
    assert [key for key, block in ALWAYS.items() if VALID_PLAN.count(block) == 1] == list(ALWAYS)


@pytest.mark.parametrize("key", [k for k in ALWAYS if k != "psychoeducation"])
def test_each_always_required_element_missing_is_tx209_at_interventions(check_edit: CheckEdit, key: str) -> None:
    assert check_edit(without(key), SPARE_ITEM) == [("TX209", 33, 1)]


def test_psychoeducation_missing_is_tx209(check_edit: CheckEdit) -> None:
    assert check_edit(without("psychoeducation")) == [("TX209", 33, 1)]


def test_an_element_written_with_no_value_is_tx209_at_its_own_key(check_edit: CheckEdit) -> None:
    assert check_edit((ALWAYS["skills"], "  skills:\n")) == [("TX209", 53, 3)]


def test_every_missing_element_is_reported(check_edit: CheckEdit) -> None:
    found = check_edit(without("homework"), without("skills"), without("frequency"))
    assert found == [("TX209", 33, 1)] * 3


# -- relationships: required when any goal is interpersonal -----------------------------------------

def test_an_interpersonal_goal_without_relationships_is_tx209(check_edit: CheckEdit) -> None:
    # the added `interpersonal: true` line moves `interventions:` to line 34
    assert check_edit(INTERPERSONAL) == [("TX209", 34, 1)]


def test_an_interpersonal_goal_with_relationships_is_fine(check_edit: CheckEdit) -> None:
    assert check_edit(INTERPERSONAL, RELATIONSHIPS) == []


def test_relationships_are_optional_without_an_interpersonal_goal(check_edit: CheckEdit) -> None:
    assert check_edit(("        statement: Get back to my usual routine\n",
                       "        statement: Get back to my usual routine\n        interpersonal: false\n")) == []
    assert check_edit(RELATIONSHIPS) == []


# -- crisis: required at or above the policy level (default moderate) -------------------------------

@pytest.mark.parametrize("level", ["moderate", "high"])
def test_crisis_missing_at_or_above_moderate_is_tx209(check_plan: CheckPlan, level: str) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, NO_CRISIS, risk(level))) == [("TX209", 35, 1)]


@pytest.mark.parametrize("level", ["none", "low"])
def test_crisis_is_optional_below_moderate(check_plan: CheckPlan, level: str) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, NO_CRISIS, risk(level))) == []


def test_a_crisis_element_written_with_no_value_is_tx209_at_its_key(check_plan: CheckPlan) -> None:
    assert check_plan(edit(HIGH_RISK_PLAN, (CRISIS_BLOCK, "  crisis:\n"))) == [("TX209", 61, 3)]


@pytest.mark.parametrize(("level", "expected"), [("moderate", []), ("high", [("TX209", 35, 1)])])
def test_crisis_required_at_high_leaves_moderate_risk_without_a_safety_plan(check_plan: CheckPlan, level: str,
                                                                           expected: list[Found]) -> None:
    policy = '[tool.txplan]\ncrisis_required_at = "high"\n'
    assert check_plan(edit(HIGH_RISK_PLAN, NO_CRISIS, risk(level)), pyproject=policy) == expected


@pytest.mark.parametrize(("threshold", "level", "expected"), [
    ("low", "low", [("TX209", 35, 1)]),
    ("low", "none", []),
    ("none", "none", [("TX209", 35, 1)]),
])
def test_a_lower_policy_level_requires_crisis_at_lower_risk(check_plan: CheckPlan, threshold: str, level: str,
                                                            expected: list[Found]) -> None:
    policy = f'[tool.txplan]\ncrisis_required_at = "{threshold}"\n'
    assert check_plan(edit(HIGH_RISK_PLAN, NO_CRISIS, risk(level)), pyproject=policy) == expected


# -- optional_elements: a clinic may require less, never fewer than the plan's facts demand ---------

def test_an_optional_element_may_be_left_out(check_edit: CheckEdit) -> None:
    policy = '[tool.txplan]\noptional_elements = ["homework", "emotional_processing"]\n'
    assert check_edit(without("homework"), without("emotional_processing"), pyproject=policy) == []


def test_elements_not_listed_as_optional_are_still_required(check_edit: CheckEdit) -> None:
    policy = '[tool.txplan]\noptional_elements = ["homework"]\n'
    assert check_edit(without("homework"), without("skills"), SPARE_ITEM, pyproject=policy) == [("TX209", 33, 1)]


def test_optional_relationships_are_still_required_by_an_interpersonal_goal(check_edit: CheckEdit) -> None:
    policy = '[tool.txplan]\noptional_elements = ["relationships"]\n'
    assert check_edit(INTERPERSONAL, pyproject=policy) == [("TX209", 34, 1)]


def test_optional_crisis_is_still_required_at_high_risk(check_plan: CheckPlan) -> None:
    policy = '[tool.txplan]\noptional_elements = ["crisis"]\n'
    assert check_plan(edit(HIGH_RISK_PLAN, NO_CRISIS), pyproject=policy) == [("TX209", 35, 1)]


def test_an_optional_crisis_that_is_written_must_still_be_complete(check_plan: CheckPlan) -> None:
    policy = '[tool.txplan]\noptional_elements = ["crisis"]\n'
    text = edit(HIGH_RISK_PLAN, risk("low"), ("    means_safety: [Medications kept by partner]\n", ""))
    assert check_plan(text, pyproject=policy) == [("TX210", 61, 3)]
