"""Objectives say what the client will do: staff-oriented objectives (TX317) and no-harm contracts (TX318) are
warnings that point to the intervention items and the safety plan. Both are reported at the statement's value
(line 30, column 24); the valid plan's clinician is "Test Clinician, LCSW" and its client "Test Client".
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, CheckEdit, Clinic, diagnostics_of, edited_plan

STATEMENT = "Test will complete 3 planned activities each week"
AT = (30, 24)


def say(statement: str) -> tuple[str, str]:
    return STATEMENT, statement


def test_the_issues_examples_are_also_not_measurable(check_edit: CheckEdit) -> None:
    assert check_edit(say("Therapist will teach coping skills every session")) == [("TX301", *AT), ("TX317", *AT)]
    assert check_edit(say("Client will contract for safety")) == [("TX301", *AT), ("TX318", *AT)]


@pytest.mark.parametrize("statement", [
    "Therapist will teach 2 coping skills every session",
    "The clinician will review 3 thought records a week",
    "Staff will check in with the client 2 times a week",
    "Counselor and case manager will call the client weekly",
    "This writer will provide 12 sessions of CBT",
    "Clinician will see Test weekly",
    "Dr. Clinician will see the client weekly",
    "Test Clinician will see the client weekly",
])
def test_a_staff_oriented_objective_is_tx317(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == [("TX317", *AT)]


@pytest.mark.parametrize("statement", [
    STATEMENT,
    "Test and the therapist will review 3 thought records a week",  # shared work, the client included
    "Test will tell the therapist about 2 worries each session",
    "Test's family will attend 2 family sessions a month",
])
def test_client_oriented_objectives_are_fine(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == []


def test_a_client_who_shares_the_clinicians_first_name_is_not_staff(check_edit: CheckEdit) -> None:
    same = ("  name: Test Clinician, LCSW", "  name: Test Smith, LCSW")
    assert check_edit(same, say("Test will complete 3 planned activities each week")) == []


@pytest.mark.parametrize("statement", [
    "Test will be safe 7 days a week",
    "Test will contract for safety at 1 session a week",
    "Test will sign a no-harm contract by week 2",
    "Test will keep herself safe for 4 weeks",
    "Test agrees not to harm herself for 12 weeks",
    "Test will not hurt himself for 12 weeks",
    "Test will complete a no-suicide contract by week 1",
])
def test_a_no_harm_contract_is_tx318(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == [("TX318", *AT)]


@pytest.mark.parametrize("statement", [
    "Test will use 2 steps of the safety plan when urges rise above 5",
    "Test will feel safe in crowds on 3 outings a week",
    "Test will review the safety plan with the clinician weekly",
])
def test_safety_work_as_a_behaviour_is_fine(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == []


# The refusal grammar: "will not / won't / will refrain from / agrees not to / promises not to" + the act.
@pytest.mark.parametrize("statement", [
    "Test will not attempt suicide for 12 weeks",
    "Test will refrain from self-harm for 12 weeks",
    "Test will not engage in self-harm for 12 weeks",
    "Test won't kill himself for 12 weeks",
    "Test won\u2019t hurt herself for 12 weeks",
    "Test will not kill themselves for 12 weeks",
    "Test will never harm myself again for 12 weeks",
    "Test will not self-harm for 12 weeks",
    "Test will not harm for 12 weeks",
    "Test will not hurt for 12 weeks",
    "Test agrees not to attempt suicide for 12 weeks",
    "Test promises not to self harm for 12 weeks",
    "Test promises not to kill herself for 12 weeks",
    "Test will refrain from harming herself for 12 weeks",
    "Test will refrain from suicide attempts for 12 weeks",
    "Test will refrain from engaging in self-harm for 12 weeks",
    "Test will not act on suicidal urges for 12 weeks",
    "Test will not try to kill himself for 12 weeks",
])
def test_a_promise_not_to_self_harm_in_any_wording_is_tx318(check_edit: CheckEdit, statement: str) -> None:
    assert check_edit(say(statement)) == [("TX318", *AT)]


@pytest.mark.parametrize("statement", [
    "Test will reduce self-harm urges from daily to weekly as tracked in a log",
    "Test will use 3 coping skills instead of self-harm each week",
    "Test will identify 3 triggers for self-harm by week 4",
    "Test will notice 2 urges to harm herself a week and use the safety plan",
    "Test will not act on urges to check the stove in 3 exposures a week",
    "Test will refrain from avoidance on 3 days a week",
    "Test will not miss more than 1 session a month",
])
def test_an_objective_about_self_harm_or_refusing_something_else_is_not_a_contract(check_edit: CheckEdit,
                                                                                   statement: str) -> None:
    assert check_edit(say(statement)) == []


def test_the_messages_point_to_the_interventions_and_the_safety_plan(clinic: Clinic) -> None:
    plans = {"staff.md": edited_plan(say("Therapist will teach coping skills every session")),
             "contract.md": edited_plan(say("Test will contract for safety at each session")).replace("T-0001", "T-0002")}
    found = {d.code: d.message for d in diagnostics_of(clinic(plans, library=FIXTURE_TEMPLATES))}
    assert "put the therapist's work in the intervention items" in found["TX317"]
    assert "interventions.crisis (the safety plan)" in found["TX318"]
