"""Objective wording (warnings TX301-TX304), reported at the statement's value (line 30, column 24).

Staff-oriented objectives and no-harm contracts (TX317, TX318) are in test_check_objective_roles.py.

Warnings never make a plan fail: `check` still exits 0 (see test_cli.py).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, TODAY, VALID_PLAN, CheckEdit, Clinic, diagnostics_of, edit, edited_plan, found_in

from txplan.build.pipeline import build_charts

STATEMENT = "Test will complete 3 planned activities each week"  # line 30, column 24


def say(statement: str) -> tuple[str, str]:
    return STATEMENT, statement


@pytest.mark.parametrize("statement", [
    "Test will go out more",
    "Test will be more active",
    "Test will get back to choir",
    # "each", "every", "per" and "all" say how often, not how much: alone they measure nothing
    "Test will feel less anxious each day",
    "Test will attend choir each week",
    "Test will be calmer every day",
    "Test will worry less per day",
    "Test will practise all the skills",
])
def test_a_statement_without_number_frequency_or_date_is_tx301(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == [("TX301", 30, 24)]


@pytest.mark.parametrize("statement", [
    "Test will walk 3 times a week",
    "Test will walk twice a week",
    "Test will walk daily",
    "Test will call a friend every Sunday",
    "Test will call a friend on Fridays",
    "Test will attend choir each week, 4 weeks in a row",
    "Test will return to choir by 2027-01-10",
    "Test will return to choir by December",
    "Test will return to choir by May 2027",
    "Test will return to choir before the end of May",
])
def test_a_number_frequency_or_date_makes_it_measurable(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == []


@pytest.mark.parametrize(("statement", "verb"), [
    ("Test will improve mood by December", "improve"),
    ("Test will understand the cycle of depression weekly", "understand"),
    ("Test will explore values each week by March", "explore"),
    ("Test will feel better by January", "feel better"),
    ("Test will tolerate distress daily", "tolerate"),
    ("Test IMPROVES sleep by the end of March", "improves"),
])
def test_a_vague_verb_is_tx302(clinic: Clinic, statement: str, verb: str) -> None:
    root = clinic({"plan.md": edited_plan(say(statement))}, library=FIXTURE_TEMPLATES)
    diagnostics = diagnostics_of(root)
    assert [(d.code, d.line, d.col) for d in diagnostics] == [("TX302", 30, 24)]
    assert f'"{verb}"' in diagnostics[0].message


@pytest.mark.parametrize("statement", [
    "Test will tolerate touching the table for 10 minutes 5 days a week",
    "Test will improve her PHQ-9 from 16 to 9",
    "Test will explore two values with a worksheet by March",
])
def test_a_vague_verb_with_a_number_is_not_tx302(check_edit: CheckEdit, statement: str) -> None:
    """The number says what is observed: how long, how often, from what score to what score."""
    assert check_edit(say(statement)) == []


def test_a_vague_verb_without_a_number_is_both_tx301_and_tx302(check_edit: CheckEdit) -> None:
    assert check_edit(say("Test will feel better")) == [("TX301", 30, 24), ("TX302", 30, 24)]


@pytest.mark.parametrize("statement", [
    "Test may complete 3 planned activities each week",
    "Test will complete 3 activities each week and May call a friend",
])
def test_may_instead_of_will_is_tx303(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == [("TX303", 30, 24)]


@pytest.mark.parametrize("statement", [
    "Test will complete 3 activities each week by May 2027",
    "Test will complete 3 activities each week until May",
    "Test will complete 3 activities each week, starting in May",
])
def test_the_month_of_may_is_not_tx303(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == []


def test_every_wording_warning_of_one_objective_is_reported(check_edit: CheckEdit) -> None:
    assert check_edit(say("Test may feel better")) == [("TX301", 30, 24), ("TX302", 30, 24), ("TX303", 30, 24)]


def test_a_block_scalar_statement_is_reported_where_its_text_starts(check_edit: CheckEdit) -> None:
    found = check_edit((f"statement: {STATEMENT}", "statement: >-\n              Test will go out more"))
    assert found == [("TX301", 30, 24)]


# -- TX304 objective copied from another client's plan ------------------------------------------------

OTHER_CLIENT = ("  id: T-0001", "  id: T-0002")


def test_an_objective_copied_from_another_clients_plan_is_tx304_in_both(clinic: Clinic) -> None:
    root = clinic({"a.md": VALID_PLAN, "b.md": edited_plan(OTHER_CLIENT)})
    assert [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root)] == [
        ("plans/a.md", "TX304", 30, 24), ("plans/b.md", "TX304", 30, 24)]


def test_copies_differing_only_in_case_and_spacing_are_tx304(clinic: Clinic) -> None:
    copy = edited_plan(OTHER_CLIENT, say("test will  complete 3 planned activities EACH week"))
    root = clinic({"a.md": VALID_PLAN, "b.md": copy})
    assert found_in(root, "plans/b.md") == [("TX304", 30, 24)]


def test_an_objective_repeated_in_two_plans_of_the_same_client_is_not_tx304(clinic: Clinic) -> None:
    root = clinic({"a-2025.md": VALID_PLAN, "a-2026.md": VALID_PLAN})
    assert found_in(root) == []


def test_a_different_objective_is_not_tx304(clinic: Clinic) -> None:
    root = clinic({"a.md": VALID_PLAN, "b.md": edited_plan(OTHER_CLIENT, say("Test will walk the dog 4 times a week"))})
    assert found_in(root) == []


def test_checking_one_plan_still_compares_it_with_the_other_plans(clinic: Clinic) -> None:
    root = clinic({"a.md": VALID_PLAN, "b.md": edited_plan(OTHER_CLIENT)})
    only_b = diagnostics_of(root, [root / "plans" / "b.md"])
    assert [(d.path, d.code, d.line, d.col) for d in only_b] == [("plans/b.md", "TX304", 30, 24)]


def test_a_copy_in_a_plan_that_has_errors_is_still_found(clinic: Clinic) -> None:
    broken = edit(edited_plan(OTHER_CLIENT), ("  level: low", "  level: severe"))
    root = clinic({"a.md": VALID_PLAN, "b.md": broken})
    only_a = diagnostics_of(root, [root / "plans" / "a.md"])
    assert [(d.path, d.code, d.line, d.col) for d in only_a] == [("plans/a.md", "TX304", 30, 24)]


def test_a_copy_in_a_plan_that_has_errors_is_found_in_both_plans_when_checking_every_plan(clinic: Clinic) -> None:
    broken = edit(edited_plan(OTHER_CLIENT), ("  level: low", "  level: severe"))
    root = clinic({"a.md": VALID_PLAN, "b.md": broken})
    assert [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root)] == [
        ("plans/a.md", "TX304", 30, 24), ("plans/b.md", "TX105", 18, 10), ("plans/b.md", "TX304", 30, 24)]


def test_building_one_plan_on_a_fresh_clinic_finds_the_copies_checking_it_finds(clinic: Clinic) -> None:
    root = clinic({"a.md": VALID_PLAN, "b.md": edited_plan(OTHER_CLIENT)})
    checked = [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root, [root / "plans" / "b.md"])]
    built = build_charts(root, [root / "plans" / "b.md"], jobs=1, today=TODAY).diagnostics
    assert [(d.path, d.code, d.line, d.col) for d in built] == checked == [("plans/b.md", "TX304", 30, 24)]


def test_a_deleted_plan_no_longer_counts_as_the_original(clinic: Clinic) -> None:
    root = clinic({"a.md": VALID_PLAN, "b.md": edited_plan(OTHER_CLIENT)})
    build_charts(root, jobs=1, today=TODAY)
    (root / "plans" / "a.md").unlink()
    assert build_charts(root, [root / "plans" / "b.md"], jobs=1, today=TODAY).diagnostics == []


# -- false positives an independent review found ---------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "Test will walk for twenty minutes on 4 days a week",
    "Test will journal fortnightly and bring the journal to session",
    "Test will attend thirty of the next thirty-five school days",
])
def test_number_words_past_ten_and_fortnightly_measure(check_edit: CheckEdit, statement: str) -> None:
    assert "TX301" not in [code for code, _, _ in check_edit(say(statement))]


@pytest.mark.parametrize("statement", [
    "Test will touch the knife for 5 minutes without asking for reassurance that she will not harm him",
    "Test will say no to 2 requests a week, learning that saying no will not kill the friendship",
    "Test will rehearse the escape plan weekly so that her children will be safe from her ex-partner",
])
def test_harm_to_others_and_others_safety_is_not_a_no_harm_contract(check_edit: CheckEdit, statement: str) -> None:
    assert "TX318" not in [code for code, _, _ in check_edit(say(statement))]


@pytest.mark.parametrize("statement", ["Test will stay safe for 12 weeks", "Client will remain safe until 2027-01-10"])
def test_a_client_promising_to_stay_safe_is_still_a_no_harm_contract(check_edit: CheckEdit, statement: str) -> None:
    assert "TX318" in [code for code, _, _ in check_edit(say(statement))]


def test_a_client_named_may_is_not_the_modal_may(check_edit: CheckEdit) -> None:
    named = ("  name: Test Client", "  name: May Client")
    assert check_edit(named, say("May will walk for 20 minutes 4 days a week")) == []
    assert [code for code, _, _ in check_edit(named, say("May may walk for 20 minutes 4 days a week"))] == ["TX303"]
