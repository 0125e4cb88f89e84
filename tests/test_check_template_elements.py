"""A template is used under the element it is written for (TX311), with crisis templates under
`interventions.crisis.items`, where the chart shows them with the safety plan.

The fixture template (`zz-test`, tests/fixtures/check/template.md) is declared for `skills`; the valid plan's
skills item is on lines 54-55 and its feedback on line 66.
"""

from __future__ import annotations

import pytest
from conftest import (
    HIGH_RISK_PLAN,
    TEMPLATE,
    CheckPlan,
    Clinic,
    diagnostics_of,
    edit,
    edited_plan,
    edited_template,
    position_of,
)

ZZ = {"zz-test.md": TEMPLATE}
CRISIS_TEMPLATE = {"zz-test.md": edited_template(("element: skills", "element: crisis"))}
USE_ZZ = "use: zz-test\n      with: { focus: slow breathing }"
SKILLS_ITEM = "    - use: problem-solving\n      for: [O1]\n"


def use_at(text: str, template: str) -> tuple[int, int]:
    line, col = position_of(text, f"use: {template}")
    return line, col + len("use: ")


def test_a_template_under_its_own_element_is_fine(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan((SKILLS_ITEM, f"    - {USE_ZZ}\n      for: [O1]\n")), templates=ZZ) == []


@pytest.mark.parametrize("element", ["techniques", "homework"])
def test_a_template_under_another_element_is_tx311_at_its_use(check_plan: CheckPlan, element: str) -> None:
    anchor = {"techniques": "  techniques:\n", "homework": "  homework:\n"}[element]
    text = edited_plan((anchor, f"{anchor}    - {USE_ZZ}\n      for: [O1]\n"))
    assert check_plan(text, templates=ZZ) == [("TX311", *use_at(text, "zz-test"))]


def test_the_message_names_both_elements(clinic: Clinic) -> None:
    text = edited_plan(("  homework:\n", f"  homework:\n    - {USE_ZZ}\n      for: [O1]\n"))
    (found,) = diagnostics_of(clinic({"plan.md": text}, templates=ZZ, library=("behavioral-activation", "thought-record",
                                                                                 "problem-solving")))
    assert "written for `skills` (skill-building)" in found.message
    assert "used under `homework` (homework assignments)" in found.message
    assert "move the item to interventions.skills" in found.message


def test_a_template_used_as_feedback_names_the_evaluation_element(clinic: Clinic) -> None:
    feedback = "      - text: Session Rating Scale at the end of every session."
    text = edited_plan((feedback, "      - use: emotion-naming"))
    (found,) = diagnostics_of(clinic({"plan.md": text}, library=("behavioral-activation", "thought-record",
                                                                  "problem-solving", "emotion-naming")))
    assert (found.code, found.line, found.col) == ("TX311", *use_at(text, "emotion-naming"))
    assert "used under `evaluation` (evaluation and feedback)" in found.message


def test_a_crisis_template_under_another_element_points_to_crisis_items(clinic: Clinic) -> None:
    text = edited_plan((SKILLS_ITEM, f"    - {USE_ZZ}\n      for: [O1]\n"))
    (found,) = diagnostics_of(clinic({"plan.md": text}, templates=CRISIS_TEMPLATE,
                                     library=("behavioral-activation", "thought-record")))
    assert (found.code, found.line, found.col) == ("TX311", *use_at(text, "zz-test"))
    assert "move the item to interventions.crisis.items" in found.message


def test_a_crisis_template_under_crisis_items_is_fine_and_serves_its_objectives(check_plan: CheckPlan) -> None:
    items = f"    items:\n      - {USE_ZZ.replace(chr(10), chr(10) + '  ')}\n        for: [O1]\n"
    text = edit(HIGH_RISK_PLAN, ("    reasons_for_living: [My niece]\n", f"    reasons_for_living: [My niece]\n{items}"))
    assert check_plan(text, templates=CRISIS_TEMPLATE) == []
    unserved = edit(text, ("        for: [O1]\n", "        for: [O9]\n"))
    assert check_plan(unserved, templates=CRISIS_TEMPLATE) == [("TX202", *position_of(unserved, "O9"))]


def test_a_text_item_is_never_tx311(check_plan: CheckPlan) -> None:
    items = "    items:\n      - text: Review the safety plan at the start of each session.\n        for: [O1]\n"
    text = edit(HIGH_RISK_PLAN, ("    reasons_for_living: [My niece]\n", f"    reasons_for_living: [My niece]\n{items}"))
    assert check_plan(text) == []
