"""Ids and links (TX201-TX203): ids are unique, every objective is served, every `for` names an objective."""

from __future__ import annotations

import pytest
from conftest import CheckEdit, Found

HOMEWORK_FOR = "    - use: thought-record\n      for: [O1]"  # lines 48-49
SKILL_FOR = "    - use: problem-solving\n      for: [O1]"  # lines 54-55

# A second objective under G1, on lines 33-36 (its `id` key at 33:13); nothing serves it yet.
ADD_O2 = ("            target_date: 2027-01-10\n",
          "            target_date: 2027-01-10\n"
          "          - id: O2\n"
          "            statement: Test will call a friend 2 times a week\n"
          "            measure: Call log\n"
          "            target_date: 2027-01-10\n")


def test_an_objective_no_item_serves_is_tx201_at_its_id_key(check_edit: CheckEdit) -> None:
    assert check_edit(ADD_O2) == [("TX201", 33, 13)]


def test_naming_the_objective_in_any_item_serves_it(check_edit: CheckEdit) -> None:
    assert check_edit(ADD_O2, (HOMEWORK_FOR, "    - use: thought-record\n      for: [O1, O2]")) == []


def test_an_objective_left_unserved_when_its_only_item_goes_is_tx201(check_edit: CheckEdit) -> None:
    # O1 is named by every item; point them all elsewhere and O1 is unserved, and each `for` is a TX202
    found = check_edit(ADD_O2, *((f"      for: [O1]{after}", f"      for: [O2]{after}") for after in (
        "\n  frequency:", "\n  psychoeducation:", "\n  skills:", "\n  emotional_processing:", "\n  evaluation:")))
    assert found == [("TX201", 29, 13)]


def test_a_for_naming_an_unknown_objective_is_tx202_at_that_id(check_edit: CheckEdit) -> None:
    found = check_edit(("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: [O1, O9]"))
    assert found == [("TX202", 55, 17)]


def test_a_for_naming_a_goal_or_problem_is_tx202(check_edit: CheckEdit) -> None:
    found = check_edit(("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: [G1, P1, O1]"))
    assert found == [("TX202", 55, 13), ("TX202", 55, 17)]


def test_a_for_written_as_a_block_list_points_at_the_bad_entry(check_edit: CheckEdit) -> None:
    found = check_edit((SKILL_FOR, "    - use: problem-solving\n      for:\n        - O1\n        - O7"))
    assert found == [("TX202", 57, 11)]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("      - id: G1", "      - id: P1", ("TX203", 26, 13)),
    ("          - id: O1", "          - id: G1", ("TX203", 29, 17)),
    ("          - id: O1", "          - id: P1", ("TX203", 29, 17)),
], ids=["goal reuses a problem id", "objective reuses a goal id", "objective reuses a problem id"])
def test_an_id_used_twice_is_tx203_at_the_second_use(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    found = check_edit((old, new))
    assert expected in found
    assert [f for f in found if f[0] == "TX203"] == [expected]


def test_two_objectives_with_the_same_id_are_tx203_at_the_second(check_edit: CheckEdit) -> None:
    add_second_o1 = (ADD_O2[0], ADD_O2[1].replace("- id: O2", "- id: O1"))
    assert check_edit(add_second_o1) == [("TX203", 33, 17)]


def test_ids_are_case_sensitive(check_edit: CheckEdit) -> None:
    add_o1_lower = (ADD_O2[0], ADD_O2[1].replace("- id: O2", "- id: o1"))
    assert check_edit(add_o1_lower, (HOMEWORK_FOR, "    - use: thought-record\n      for: [O1, o1]")) == []
