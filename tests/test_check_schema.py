"""The shape of the data (TX101-TX109): each edit to the valid plan → one diagnostic at line:col.

Line numbers refer to tests/fixtures/check/valid-plan.md. A missing field is reported at the key of
its parent (or at the item of a list it belongs to); a wrong value at the value itself.
"""

from __future__ import annotations

import pytest
from conftest import CheckEdit, Clinic, Found, diagnostics_of, edited_plan

# -- TX101 required field is missing ---------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    # a missing field of a mapping → the mapping's key (`client:` on line 2)
    ("  name: Test Client\n", "", ("TX101", 2, 1)),
    ("  dob: 1990-05-01\n", "", ("TX101", 2, 1)),
    ("  strengths:\n    - Keeps appointments\n", "", ("TX101", 2, 1)),
    ("  review: 2027-01-15\n", "", ("TX101", 10, 1)),
    ("    minutes: 50\n", "", ("TX101", 41, 3)),
    # a missing field of a list item → the item (the objective starts at `id` on line 29, column 13)
    ("            target_date: 2027-01-10\n", "", ("TX101", 29, 13)),
    ("    evidenced_by:\n      - PHQ-9 of 16 at intake\n", "", ("TX101", 21, 5)),
    ("      rationale: Evidence base for depression\n", "", ("TX101", 35, 7)),
    ("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving", ("TX101", 54, 7)),
    ("        every: 2 weeks\n", "", ("TX101", 61, 9)),
    # a missing top-level field → the start of the front matter
    ("participation: Plan written with the client in session 2.\n", "", ("TX101", 1, 1)),
    ("discharge:\n  - PHQ-9 below 10 twice in a row\n", "", ("TX101", 1, 1)),
], ids=["client.name", "client.dob", "client.strengths", "dates.review", "frequency.minutes", "target_date",
        "evidenced_by", "rationale", "item for", "measure every", "participation", "discharge"])
def test_a_missing_required_field_is_tx101(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_a_missing_evaluation_feedback_is_tx101_at_evaluation(check_edit: CheckEdit) -> None:
    found = check_edit(("    feedback:\n      - text: Session Rating Scale at the end of every session.\n", ""))
    assert found == [("TX101", 59, 3)]


def test_a_key_with_no_value_is_a_wrong_type_where_the_value_would_be(check_edit: CheckEdit) -> None:
    # `name:` holds null, not text: reported at the end of `name:` (line 4, column 8)
    assert check_edit(("  name: Test Client", "  name:")) == [("TX103", 4, 8)]


@pytest.mark.parametrize("blank", ["''", '"   "'], ids=["empty", "spaces"])
def test_blank_text_is_tx101_at_the_value(check_edit: CheckEdit, blank: str) -> None:
    assert check_edit(("  name: Test Client", f"  name: {blank}")) == [("TX101", 4, 9)]


# -- TX102 unknown key ----------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  homework:", "  homwork:", ("TX102", 47, 3)),
    ("  name: Test Client\n", "  name: Test Client\n  nickname: T\n", ("TX102", 5, 3)),
    ("    weeks: 12\n", "    weeks: 12\n    sessions: 12\n", ("TX102", 45, 5)),
    ("      for: [O1]\n  frequency:", "      for: [O1]\n      who: Clinician\n  frequency:", ("TX102", 41, 7)),
    ("        every: 2 weeks\n", "        every: 2 weeks\n        cutoff: 10\n", ("TX102", 65, 9)),
    ("      - text: Session Rating Scale at the end of every session.",
     "      - text: Session Rating Scale at the end of every session.\n        for: [O1]", ("TX102", 67, 9)),
], ids=["element typo", "client", "frequency", "item", "measure", "feedback has no for"])
def test_an_unknown_key_is_tx102_at_the_key(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_a_misspelt_top_level_key_is_tx102_and_the_real_key_is_then_missing(check_edit: CheckEdit) -> None:
    assert check_edit(("discharge:", "dischrge:")) == [("TX101", 1, 1), ("TX102", 67, 1)]


# -- TX103 wrong type -----------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  strengths:\n    - Keeps appointments", "  strengths: Keeps appointments", ("TX103", 6, 14)),
    ("    minutes: 50", '    minutes: "50"', ("TX103", 43, 14)),
    ("    minutes: 50", "    minutes: 50.5", ("TX103", 43, 14)),
    ("        baseline: 16", "        baseline: sixteen", ("TX103", 62, 19)),
    ("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: O1", ("TX103", 55, 12)),
    ("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: [1]", ("TX103", 55, 13)),
    ("        statement: Get back to my usual routine\n",
     "        statement: Get back to my usual routine\n        interpersonal: yes please\n", ("TX103", 28, 24)),
    ("clinician:\n  name: Test Clinician, LCSW", "clinician: Test Clinician, LCSW", ("TX103", 8, 12)),
    ("  - code: F32.1", "  - code: 29632", ("TX103", 15, 11)),
], ids=["text for list", "quoted number", "fraction for whole number", "text for score", "text for list of ids",
        "number for id", "text for true/false", "text for mapping", "number for text"])
def test_a_value_of_the_wrong_kind_is_tx103_at_the_value(check_edit: CheckEdit, old: str, new: str,
                                                          expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_a_template_parameter_that_is_a_list_is_tx103_at_the_parameters_value(check_edit: CheckEdit) -> None:
    edit = ('      with: { activities: "walks, calling a friend" }', "      with: { activities: [walks, calls] }")
    assert check_edit(edit) == [("TX103", 39, 27)]


def test_a_template_parameter_with_no_value_is_tx103(check_edit: CheckEdit) -> None:
    # a comma inside `{...}` starts a new key: `a friend` becomes a parameter with no value, which is
    # reported where its value would be (the closing brace, column 43)
    edit = ('      with: { activities: "walks, calling a friend" }', "      with: { activities: walks, a friend }")
    assert check_edit(edit) == [("TX103", 39, 43)]


# -- TX104 invalid date ---------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  effective: 2026-11-02", "  effective: 2026-02-30", ("TX104", 11, 14)),
    ("  effective: 2026-11-02", "  effective: 02/11/2026", ("TX104", 11, 14)),
    ("  effective: 2026-11-02", "  effective: next Monday", ("TX104", 11, 14)),
    ("  dob: 1990-05-01", "  dob: 1990-13-01", ("TX104", 5, 8)),
    ("            target_date: 2027-01-10", "            target_date: 2027-1-10", ("TX104", 32, 26)),
], ids=["not on the calendar", "not ISO", "words", "month 13", "no leading zero"])
def test_an_invalid_date_is_tx104_at_the_value(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_a_leap_day_in_a_leap_year_is_a_date(check_edit: CheckEdit) -> None:
    assert check_edit(("  dob: 1990-05-01", "  dob: 1992-02-29")) == []


# -- TX105 value not allowed ----------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    schedule: weekly", "    schedule: fortnightly", ("TX105", 42, 15)),
    ("    format: individual", "    format: solo", ("TX105", 45, 13)),
    ("    setting: in-person", "    setting: office", ("TX105", 46, 14)),
    ("  level: low", "  level: severe", ("TX105", 18, 10)),
    ("dates:\n", "status: archived\ndates:\n", ("TX105", 10, 9)),
    ("        every: 2 weeks\n", "        every: 2 weeks\n        better: smaller\n", ("TX105", 65, 17)),
], ids=["schedule", "format", "setting", "risk level", "status", "better"])
def test_a_value_outside_the_allowed_set_is_tx105(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


@pytest.mark.parametrize("status", ["draft", "active", "closed"])
def test_every_status_of_the_format_is_allowed(check_edit: CheckEdit, status: str) -> None:
    closure = "closure: {date: 2026-11-09, reason: Goals met, criteria_met: all, summary: Done.}\n"
    extra = closure if status == "closed" else ""  # a closed plan records its closure: test_check_closure.py
    assert check_edit(("dates:\n", f"status: {status}\n{extra}dates:\n")) == []


# -- TX106 number out of bounds -------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    minutes: 50", "    minutes: 14", ("TX106", 43, 14)),
    ("    minutes: 50", "    minutes: 241", ("TX106", 43, 14)),
    ("    weeks: 12", "    weeks: 0", ("TX106", 44, 12)),
    ("    weeks: 12", "    weeks: 105", ("TX106", 44, 12)),
], ids=["minutes below 15", "minutes above 240", "weeks below 1", "weeks above 104"])
def test_a_number_outside_its_bounds_is_tx106(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


@pytest.mark.parametrize(("old", "new"), [
    ("    minutes: 50", "    minutes: 15"), ("    minutes: 50", "    minutes: 240"),
    ("    weeks: 12", "    weeks: 1"), ("    weeks: 12", "    weeks: 104"),
])
def test_the_bounds_themselves_are_allowed(check_edit: CheckEdit, old: str, new: str) -> None:
    assert check_edit((old, new)) == []


# -- TX107 list is empty --------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  strengths:\n    - Keeps appointments", "  strengths: []", ("TX107", 6, 14)),
    ("    evidenced_by:\n      - PHQ-9 of 16 at intake", "    evidenced_by: []", ("TX107", 23, 19)),
    ("discharge:\n  - PHQ-9 below 10 twice in a row", "discharge: []", ("TX107", 67, 12)),
    ("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: []", ("TX107", 55, 12)),
    ("  approaches:\n    - modality: CBT\n      rationale: Evidence base for depression", "  approaches: []",
     ("TX107", 34, 15)),
    ("  skills:\n    - use: problem-solving\n      for: [O1]", "  skills: []", ("TX107", 53, 11)),
    ("    feedback:\n      - text: Session Rating Scale at the end of every session.", "    feedback: []",
     ("TX107", 65, 15)),
], ids=["strengths", "evidenced_by", "discharge", "for", "approaches", "an item element", "feedback"])
def test_an_empty_required_list_is_tx107(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_an_empty_list_of_measures_is_tx107(check_edit: CheckEdit) -> None:
    old = "    measures:\n      - instrument: PHQ-9\n        baseline: 16\n        target: 9\n        every: 2 weeks\n"
    assert check_edit((old, "    measures: []\n")) == [("TX107", 60, 15)]


def test_optional_lists_may_be_empty(check_edit: CheckEdit) -> None:
    assert check_edit(("  strengths:\n", "  preferences: []\n  strengths:\n")) == []


# -- TX108 malformed value ------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  id: T-0001", "  id: T 0001", ("TX108", 3, 7)),
    ("  - id: P1", "  - id: P.1", ("TX108", 21, 9)),
    ("          - id: O1", "          - id: O#1", ("TX108", 29, 17)),
    ("        every: 2 weeks", "        every: fortnightly", ("TX108", 64, 16)),
    ("        every: 2 weeks", "        every: 0 weeks", ("TX108", 64, 16)),
    ("        every: 2 weeks", "        every: 2 days", ("TX108", 64, 16)),
    ("      - instrument: PHQ-9\n", "      - instrument: PHQ-9\n        range: [27, 0]\n", ("TX108", 62, 16)),
    ("      - instrument: PHQ-9\n", "      - instrument: PHQ-9\n        range: [0, 9, 27]\n", ("TX108", 62, 16)),
    ("      - instrument: PHQ-9\n", "      - instrument: PHQ-9\n        range: [27]\n", ("TX108", 62, 16)),
], ids=["client id with a space", "problem id with a dot", "objective id with #", "every in words", "every 0",
        "every in days", "range reversed", "range of three", "range of one"])
def test_a_malformed_value_is_tx108(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


@pytest.mark.parametrize("every", ["session", "3 sessions", "week", "1 week", "4 weeks", "month", "2 months"])
def test_every_shape_of_every_is_accepted(check_edit: CheckEdit, every: str) -> None:
    assert check_edit(("        every: 2 weeks", f"        every: {every}")) == []


# -- TX109 exactly one of use or text ---------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    - use: problem-solving\n", "    - use: problem-solving\n      text: Solve problems.\n", ("TX109", 54, 7)),
    ("    - use: problem-solving\n", "    - by: Test Clinician\n", ("TX109", 54, 7)),
    ("    - text: The cycle of inactivity and low mood.\n",
     "    - text: The cycle of inactivity and low mood.\n      with: { topic: mood }\n", ("TX109", 51, 7)),
    ("      - text: Session Rating Scale at the end of every session.", "      - {}", ("TX109", 66, 9)),
], ids=["both", "neither", "with beside text", "feedback with neither"])
def test_an_item_needs_exactly_one_of_use_or_text(check_edit: CheckEdit, old: str, new: str, expected: Found) -> None:
    assert check_edit((old, new)) == [expected]


def test_every_schema_error_in_a_plan_is_reported_in_one_run(check_edit: CheckEdit) -> None:
    found = check_edit(("  name: Test Client\n", ""), ("    minutes: 50", "    minutes: 5"), ("  homework:", "  homwork:"),
                       ("  level: low", "  level: severe"))
    assert found == [("TX101", 2, 1), ("TX105", 17, 10), ("TX106", 42, 14), ("TX102", 46, 3)]


def test_an_unquoted_comma_in_a_flow_mapping_is_explained(clinic: Clinic) -> None:
    """`{ activities: walks, calling a friend }` makes `calling a friend` a key with no value."""
    plan = edited_plan(('with: { activities: "walks, calling a friend" }', "with: { activities: walks, calling a friend }"))
    root = clinic({"plan.md": plan})
    found = [(d.code, d.line, d.col, d.message) for d in diagnostics_of(root)]
    # YAML places the missing value where the next token starts: the closing brace, on the same line
    assert found == [("TX103", 39, 51, "interventions.techniques[0].with.<key> has no value; "
                                       "inside `{ }`, put text that holds a comma in quotes")]
