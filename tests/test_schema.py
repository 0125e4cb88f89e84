"""`txplan schema plan|template`: JSON Schemas of the front matter, checked with a real validator (jsonschema)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO, TEMPLATE, VALID_PLAN, edit, edited_plan
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from txplan.frontmatter import parse_document
from txplan.resources import example_plan
from txplan.schema import DIALECT, schema_for

PLAN_SCHEMA = Draft202012Validator(schema_for("plan"))
TEMPLATE_SCHEMA = Draft202012Validator(schema_for("template"))

EXAMPLES = {
    "the spec's example plan": example_plan(),
    **{path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "plans").glob("*.md"))},
    **{path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*-plan.md"))},
}


def front_matter(text: str) -> dict[str, Any]:
    """The front matter as txplan (and any YAML 1.2 reader) sees it: dates are strings."""
    document, diagnostics = parse_document(text.encode(), "plan.md")
    assert document is not None and not diagnostics
    return document.data


def problems(validator: Draft202012Validator, text: str) -> list[tuple[str, str]]:
    """(where, what) of each schema error: the JSON path of the value and the keyword that refused it, inside the
    `anyOf` of an optional section (jsonschema's ``best_match`` picks the branch an editor would report)."""
    found = (best_match([error]) for error in validator.iter_errors(front_matter(text)))
    return sorted((error.json_path, str(error.validator)) for error in found if error is not None)


def run_schema(kind: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txplan", "schema", kind], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize("kind", ["plan", "template"])
def test_the_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = schema_for(kind)
    assert schema["$schema"] == DIALECT
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", ["plan", "template"])
def test_every_object_refuses_unknown_keys(kind: str) -> None:
    schema = schema_for(kind)
    objects = [d for d in (schema, *schema["$defs"].values()) if "properties" in d]
    assert objects and all(d["additionalProperties"] is False for d in objects)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_valid_example_plan_is_accepted(name: str) -> None:
    assert problems(PLAN_SCHEMA, EXAMPLES[name]) == []


def test_dates_are_accepted_as_yaml_gives_them() -> None:
    text = example_plan()
    assert "  effective: 2026-11-02 " in text
    assert front_matter(text)["dates"]["effective"] == "2026-11-02"
    assert problems(PLAN_SCHEMA, text) == []


def test_a_bare_phone_number_is_accepted_as_txplan_reads_it() -> None:
    assert 'phone: "988"' in example_plan()
    assert problems(PLAN_SCHEMA, example_plan().replace('phone: "988"', "phone: 988")) == []


@pytest.mark.parametrize(("edits", "expected"), [
    ((("  homework:", "  homwork:"),), [("$.interventions", "additionalProperties")]),
    ((("  name: Test Client\n", ""),), [("$.client", "required")]),
    ((("  review: 2027-01-15", "  review: [2027-01-15]"),), [("$.dates.review", "type")]),
    ((("    schedule: weekly", "    schedule: fortnightly"),), [("$.interventions.frequency.schedule", "enum")]),
    ((("    minutes: 50", '    minutes: "50"'),), [("$.interventions.frequency.minutes", "type")]),
    ((("{ activities: ", "{ activities: [a], x: "),), [("$.interventions.techniques[0].with.activities", "anyOf")]),
])
def test_the_usual_mistakes_are_refused(edits: tuple[tuple[str, str], ...], expected: list[tuple[str, str]]) -> None:
    assert problems(PLAN_SCHEMA, edited_plan(*edits)) == expected


def test_every_template_of_the_library_is_accepted() -> None:
    for path in sorted((REPO / "templates" / "interventions").glob("*.md")):
        assert problems(TEMPLATE_SCHEMA, path.read_text(encoding="utf-8")) == [], path.name


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("element: skills", "element: homewrok", [("$.element", "enum")]),
    ("title: ", "titel: ", [("$", "additionalProperties"), ("$", "required")]),
])
def test_template_mistakes_are_refused(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert problems(TEMPLATE_SCHEMA, edit(TEMPLATE, (old, new))) == expected


def test_the_command_prints_the_schema_anywhere(tmp_path: Path) -> None:
    """No clinic is needed (an editor's setup script may run it anywhere); stdout is the schema alone."""
    for kind in ("plan", "template"):
        done = run_schema(kind, tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == schema_for(kind)
        assert done.stderr == ""


def test_an_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    done = run_schema("plans", tmp_path)
    assert done.returncode == 2
    assert "invalid choice: 'plans'" in done.stderr


def test_the_valid_fixture_plan_is_the_one_the_edits_start_from() -> None:
    assert problems(PLAN_SCHEMA, VALID_PLAN) == []
