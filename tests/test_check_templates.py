"""Templates: the files themselves (TX401-TX404 and their schema) and plan items that use them (TX220-TX223).

Template edits apply to tests/fixtures/check/template.md, checked as templates/interventions/zz-test.md
(`focus` required, `when` defaulted; the body is line 15). Plan edits apply to valid-plan.md, whose skills
item `use: problem-solving` is on line 54 (value at column 12).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import (
    FIXTURE_TEMPLATES,
    TEMPLATE,
    TODAY,
    CheckEdit,
    CheckPlan,
    Clinic,
    Found,
    diagnostics_of,
    edit,
    edited_plan,
    edited_template,
    found_in,
)

from txplan.check import check_project

CheckTemplate = Callable[..., list[Found]]

SKILL = "    - use: problem-solving\n"  # line 54
BODY = "{{ client.first_name }} will practise {{ focus }} {{ when }} with {{ clinician.name }}."  # line 15


@pytest.fixture
def check_template(clinic: Clinic) -> CheckTemplate:
    """Check one template text as templates/interventions/<name>; returns that file's diagnostics."""

    def run(text: str, name: str = "zz-test.md") -> list[Found]:
        root = clinic(templates={name: text}, library=())
        return found_in(root, f"templates/interventions/{name}")

    return run


def use_zz(with_: str | None) -> str:
    """The valid plan with its skills item replaced by one that uses zz-test (`with` on line 55)."""
    item = "    - use: zz-test\n" + (f"      with: {with_}\n" if with_ is not None else "")
    return edited_plan((SKILL, item))


# -- the template files -------------------------------------------------------------------------------

def test_the_fixture_template_checks_clean(check_template: CheckTemplate) -> None:
    assert check_template(TEMPLATE) == []


def test_every_repository_template_checks_clean(clinic: Clinic) -> None:
    assert found_in(clinic()) == []


def test_an_id_that_differs_from_the_file_name_is_tx401_at_the_id(check_template: CheckTemplate) -> None:
    assert check_template(TEMPLATE, "zz-tests.md") == [("TX401", 2, 5)]


def test_a_jinja_syntax_error_is_tx402_on_its_line(check_template: CheckTemplate) -> None:
    text = edited_template(("with {{ clinician.name }}.", "with {{ clinician.name }.\n\nMore text."))
    assert check_template(text) == [("TX402", 15, 1)]


def test_an_unclosed_block_is_tx402_on_the_line_that_opens_it(check_template: CheckTemplate) -> None:
    text = edited_template(("with {{ clinician.name }}.", "with {{ clinician.name }}.\n\n{% if focus %}\nno endif\nmore"))
    assert check_template(text) == [("TX402", 17, 1)]


def test_an_undeclared_name_in_the_body_is_tx403_where_it_is_used(check_template: CheckTemplate) -> None:
    text = edited_template(("with {{ clinician.name }}.", "with {{ clinician.name }}.\nThen {{ frequncy }} again."))
    assert check_template(text) == [("TX403", 16, 9)]


def test_each_undeclared_name_is_reported(check_template: CheckTemplate) -> None:
    text = edited_template(("{{ client.first_name }} will", "{{ patient }} will"),
                           ("with {{ clinician.name }}.", "with {{ therapist }}."))
    assert check_template(text) == [("TX403", 15, 4), ("TX403", 15, 60)]


def test_names_set_inside_the_template_are_not_undeclared(check_template: CheckTemplate) -> None:
    text = edited_template(("with {{ clinician.name }}.", "with {{ clinician.name }}.\n{% set n = 3 %}{{ n }} times."))
    assert check_template(text) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("{% include 'other.md' %}", ("TX405", 16, 4)),
    ("{% import 'macros.md' as m %}", ("TX405", 16, 4)),
    ("{{ focus.__class__ }}", ("TX405", 16, 10)),
    ("{{ focus['__len__'] }}", ("TX405", 16, 11)),
], ids=["include", "import", "dunder attribute", "dunder item"])
def test_a_body_that_reaches_outside_the_sandbox_is_tx405(check_template: CheckTemplate, body: str, expected: Found) -> None:
    text = edited_template((BODY, f"{BODY}\n{body}"))
    assert check_template(text) == [expected]


@pytest.mark.parametrize("body", ["{{ 100 / 0 }}", "{{ 'x' * 10**6 }}", "{{ focus | int + 'a' }}"],
                         ids=["division by zero", "too long", "type error"])
def test_a_body_that_fails_with_example_values_is_tx406_on_its_line(check_template: CheckTemplate, body: str) -> None:
    text = edited_template((BODY, f"{BODY}\n\n{body}"))
    assert check_template(text) == [("TX406", 17, 1)]


def test_a_parameter_both_required_and_defaulted_is_tx404(check_template: CheckTemplate) -> None:
    text = edited_template(("    required: true\n", "    required: true\n    default: breathing\n"))
    assert check_template(text) == [("TX404", 9, 5)]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("element: skills", "element: evaluation", ("TX105", 4, 10)),
    ("element: skills", "element: frequency", ("TX105", 4, 10)),
    ("id: zz-test", "id: ZZ_test", ("TX108", 2, 5)),
    ("title: Test template\n", "", ("TX101", 1, 1)),
    ("modalities: [CBT]", "modalities: []", ("TX107", 5, 13)),
    ("    default: every day", "    defualt: every day", ("TX102", 13, 5)),
    ("    required: true", "    required: yes please", ("TX103", 10, 15)),
    ("    description: When the client practises\n", "", ("TX101", 11, 3)),
], ids=["element evaluation", "element frequency", "id shape", "no title", "no modality", "param key typo",
        "required not a bool", "param without description"])
def test_template_front_matter_follows_the_format(check_template: CheckTemplate, old: str, new: str,
                                                  expected: Found) -> None:
    name = "ZZ_test.md" if new.startswith("id:") else "zz-test.md"
    assert check_template(edited_template((old, new)), name) == [expected]


@pytest.mark.parametrize("element", ["techniques", "homework", "psychoeducation", "skills", "emotional_processing",
                                     "relationships", "crisis"])
def test_a_template_may_serve_any_item_element_and_crisis(check_template: CheckTemplate, element: str) -> None:
    assert check_template(edited_template(("element: skills", f"element: {element}"))) == []


def test_a_broken_template_does_not_stop_the_other_files_being_checked(clinic: Clinic) -> None:
    broken = edited_template(("{{ client.first_name }} will", "{{ client.first_name } will"))
    root = clinic({"plan.md": edited_plan()}, templates={"zz-test.md": broken, "zz-other.md": TEMPLATE}, library=())
    assert [(d.path, d.code) for d in diagnostics_of(root)] == [
        ("plans/plan.md", "TX220"), ("plans/plan.md", "TX220"), ("plans/plan.md", "TX220"),
        ("templates/interventions/zz-other.md", "TX401"), ("templates/interventions/zz-test.md", "TX402")]


# -- plan items that use templates -------------------------------------------------------------------

def test_using_the_template_with_its_required_parameter_is_fine(check_plan: CheckPlan) -> None:
    assert check_plan(use_zz("{ focus: slow breathing }"), templates={"zz-test.md": TEMPLATE}) == []


def test_an_unknown_template_is_tx220_at_use(check_edit: CheckEdit) -> None:
    assert check_edit((SKILL, "    - use: problem-solvin\n")) == [("TX220", 54, 12)]


def test_an_unknown_template_in_feedback_is_tx220(check_edit: CheckEdit) -> None:
    edit = ("      - text: Session Rating Scale at the end of every session.", "      - use: session-rating-scale")
    assert check_edit(edit) == [("TX220", 66, 14)]


def test_a_broken_template_is_unknown_to_the_plans_that_use_it(check_plan: CheckPlan) -> None:
    broken = edited_template(("{{ client.first_name }} will", "{{ client.first_name } will"))
    assert check_plan(use_zz("{ focus: breathing }"), templates={"zz-test.md": broken}) == [("TX220", 54, 12)]


def test_a_plan_using_a_broken_template_is_told_the_template_has_errors(clinic: Clinic) -> None:
    broken = edited_template(("{{ client.first_name }} will", "{{ client.first_name } will"))
    root = clinic({"plan.md": use_zz("{ focus: breathing }")}, templates={"zz-test.md": broken})
    messages = [d.message for d in diagnostics_of(root) if d.code == "TX220"]
    assert messages == ["template `zz-test` has errors of its own (see its file); fix it before using it"]


def test_an_unknown_template_id_that_is_not_a_name_is_not_repeated(check_edit: CheckEdit, clinic: Clinic) -> None:
    root = clinic({"plan.md": edited_plan((SKILL, "    - use: Jordan Rivera 555-0142\n"))})
    messages = [d.message for d in diagnostics_of(root) if d.code == "TX220"]
    assert messages == ["no template (not shown: it is not a field name) in templates/interventions/"]


def test_an_unknown_parameter_is_tx221_at_its_key(check_edit: CheckEdit) -> None:
    edit = ("    - use: thought-record\n", "    - use: thought-record\n      with: { frequncy: daily, focus: evenings }\n")
    assert check_edit(edit) == [("TX221", 49, 15)]


def test_each_unknown_parameter_is_reported(check_edit: CheckEdit) -> None:
    with_ = "      with:\n        frequncy: daily\n        focs: evenings\n"
    edit = ("    - use: thought-record\n", f"    - use: thought-record\n{with_}")
    assert check_edit(edit) == [("TX221", 50, 9), ("TX221", 51, 9)]


def test_a_missing_required_parameter_is_tx222_at_use(check_plan: CheckPlan) -> None:
    assert check_plan(use_zz(None), templates={"zz-test.md": TEMPLATE}) == [("TX222", 54, 12)]
    assert check_plan(use_zz("{ when: daily }"), templates={"zz-test.md": TEMPLATE}) == [("TX222", 54, 12)]


def test_a_missing_required_parameter_of_a_repository_template_is_tx222(check_edit: CheckEdit) -> None:
    assert check_edit(('      with: { activities: "walks, calling a friend" }\n', "")) == [("TX222", 38, 12)]


def test_a_defaulted_parameter_may_be_left_out_or_given(check_plan: CheckPlan) -> None:
    assert check_plan(use_zz("{ focus: breathing, when: twice a day }"), templates={"zz-test.md": TEMPLATE}) == []


# Each body renders with the example value `[focus]` that the template check uses, and fails with the plan's value.
@pytest.mark.parametrize(("body", "value"), [
    ("{% for step in focus %}{{ step }}{% endfor %}", "3"),
    ("{{ focus.upper() }}", "3"),
    ("{{ 100 / (focus | length) }}", '""'),
    ('{{ "x" * (focus | int) }}', "200000"),
], ids=["loop over a number", "method of a number", "division by zero", "output too long"])
def test_a_template_that_fails_to_render_with_the_plans_values_is_tx223_at_use(check_plan: CheckPlan, body: str,
                                                                               value: str) -> None:
    template = edited_template((BODY, f"{body} {{{{ when }}}}"))
    assert check_plan(use_zz(f"{{ focus: {value} }}"), templates={"zz-test.md": template}) == [("TX223", 54, 12)]


def test_a_parameter_value_is_printed_as_written_not_run_as_a_template(clinic: Clinic) -> None:
    root = clinic({"plan.md": use_zz('{ focus: "{{ 7 * 7 }}" }')}, templates={"zz-test.md": TEMPLATE},
                  library=FIXTURE_TEMPLATES)
    checked = check_project(root, today=TODAY).plans[0]
    assert checked.diagnostics == []
    assert checked.rendered[("interventions", "skills", 0)] == \
        "Test will practise {{ 7 * 7 }} every day with Test Clinician, LCSW."


def test_a_render_failure_is_reported_in_the_same_run_as_other_errors(check_plan: CheckPlan) -> None:
    template = edited_template((BODY, "{{ focus.upper() }}"))
    text = edit(use_zz("{ focus: 3 }"), ("  review: 2027-01-15", "  review: 2027-06-30"))
    assert check_plan(text, templates={"zz-test.md": template}) == [("TX205", 12, 11), ("TX223", 54, 12)]


def test_a_missing_required_parameter_is_not_also_a_render_failure(check_plan: CheckPlan) -> None:
    template = edited_template((BODY, "{{ focus.upper() }}"))
    assert check_plan(use_zz(None), templates={"zz-test.md": template}) == [("TX222", 54, 12)]
