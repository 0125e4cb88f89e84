"""FHIR export: every example plan gives a Bundle that fhir.resources (R4B) accepts, the mapping is right
field by field, and ids are stable so a re-export updates instead of duplicating."""

from __future__ import annotations

import json
import stat
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import make_clinic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from txplan.build.pipeline import ChartState, build_charts
from txplan.check import CheckedPlan, check_project
from txplan.export.fhir import (
    CAREPLAN_CATEGORY,
    CHART_ID_SYSTEM,
    ICD10_CM,
    ID_NAMESPACE,
    NotExportable,
    bundle_json,
    markdown_text,
    plan_bundle,
    resource_id,
)
from txplan.layout import Output
from txplan.policy import load_policy
from txplan.resources import EXAMPLE_PLAN_FILE
from txplan.scaffold import init_clinic

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"
EXAMPLE = EXAMPLE_PLAN_FILE  # the spec's example plan, mapped field by field below
TODAY = date(2027, 1, 10)
XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"

PLANS = sorted((REPO / "plans").glob("*.md")) + sorted(FIXTURES.glob("*.md")) + [EXAMPLE]

Resource = dict[str, Any]


def checked_plan(path: Path, root: Path = REPO) -> CheckedPlan:
    checked = check_project(root, [path], today=TODAY).plans[0]
    assert checked.ok, [str(d) for d in checked.diagnostics if d.is_error]
    return checked


def resources(bundle: dict[str, Any], kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def only(bundle: dict[str, Any], kind: str) -> Resource:
    (resource,) = resources(bundle, kind)
    return resource


def ref(resource: Resource) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def references(value: Any) -> Iterator[str]:
    """Every ``reference`` string anywhere in a resource."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for child in value.values():
            yield from references(child)
    elif isinstance(value, list):
        for child in value:
            yield from references(child)


def ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]


@pytest.fixture(scope="module")
def example() -> CheckedPlan:
    return checked_plan(EXAMPLE)


@pytest.fixture(scope="module")
def bundle(example: CheckedPlan) -> dict[str, Any]:
    return plan_bundle(example)


def test_there_are_example_plans_to_export() -> None:
    assert len(PLANS) >= 4


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_example_plan_exports_a_bundle_fhir_resources_accepts(path: Path) -> None:
    bundle = plan_bundle(checked_plan(path))
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert json.loads(model.model_dump_json()) == resource  # nothing dropped, renamed or coerced
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    assert set(references(bundle)) <= set(full_urls)
    div = ET.fromstring(only(bundle, "CarePlan")["text"]["div"])
    assert div.tag == XHTML_DIV
    assert "".join(div.itertext()).strip()


def test_patient(bundle: dict[str, Any]) -> None:
    patient = only(bundle, "Patient")
    (identifier,) = patient["identifier"]
    assert (identifier["system"], identifier["value"]) == (CHART_ID_SYSTEM, "C-0042")
    assert identifier["type"]["coding"][0]["code"] == "MR"
    assert patient["name"] == [{"text": "Jordan Rivera"}]
    assert patient["birthDate"] == "1988-03-14"


def test_practitioner_is_the_clinician(bundle: dict[str, Any]) -> None:
    assert only(bundle, "Practitioner")["name"] == [{"text": "Avery Chen, LCSW"}]


def test_one_condition_per_diagnosis_with_icd10_cm_code(bundle: dict[str, Any]) -> None:
    patient = only(bundle, "Patient")
    (condition,) = resources(bundle, "Condition")
    assert condition["code"]["coding"] == [{"system": ICD10_CM, "code": "F33.1"}]
    assert condition["code"]["text"] == "Major depressive disorder, recurrent, moderate"
    assert condition["subject"] == ref(patient)


def test_one_goal_per_objective(bundle: dict[str, Any]) -> None:
    patient = only(bundle, "Patient")
    condition = only(bundle, "Condition")
    goals = resources(bundle, "Goal")
    assert [g["description"]["text"] for g in goals] == [
        "Jordan will schedule and complete 3 valued activities each week",
        "Jordan will reduce PHQ-9 from 17 to below 10",
    ]
    assert [g["target"][0]["dueDate"] for g in goals] == ["2027-01-15", "2027-01-31"]
    assert [g["target"][0]["measure"]["text"] for g in goals] == [
        "Weekly activity log reviewed in session", "PHQ-9 every 2 weeks"]
    for goal in goals:
        assert goal["lifecycleStatus"] == "active"
        assert goal["startDate"] == "2026-11-02"
        assert goal["subject"] == ref(patient)
        assert goal["addresses"] == [ref(condition)]
        assert goal["note"] == [{"text": "Goal G1 in the client's words: Feel like myself again and get back to my friends"}]


def test_goal_target_detail_uses_the_instrument_target_when_the_objective_is_measured_by_one(
        bundle: dict[str, Any]) -> None:
    o1, o2 = resources(bundle, "Goal")
    assert o1["target"][0]["detailString"] == "Jordan will schedule and complete 3 valued activities each week"
    assert o2["target"][0]["detailString"] == "PHQ-9 at or below 9 (baseline 17)"


def test_careplan(bundle: dict[str, Any]) -> None:
    careplan = only(bundle, "CarePlan")
    assert careplan["status"] == "active"
    assert careplan["intent"] == "plan"
    assert careplan["category"] == [{"coding": [{"system": CAREPLAN_CATEGORY, "code": "assess-plan"}]}]
    assert careplan["subject"] == ref(only(bundle, "Patient"))
    assert careplan["period"] == {"start": "2026-11-02", "end": "2027-01-31"}  # to the review date
    assert careplan["author"] == ref(only(bundle, "Practitioner"))
    assert careplan["addresses"] == [ref(c) for c in resources(bundle, "Condition")]
    assert careplan["goal"] == [ref(g) for g in resources(bundle, "Goal")]


def test_a_closed_plan_ends_on_its_closure_date() -> None:
    careplan = only(plan_bundle(checked_plan(FIXTURES / "c-0077-closed.md")), "CarePlan")
    assert careplan["period"] == {"start": "2026-06-01", "end": "2026-08-21"}


def test_one_activity_per_intervention_item_with_its_goals(example: CheckedPlan, bundle: dict[str, Any]) -> None:
    assert example.plan is not None
    items = list(example.plan.item_entries())
    activities = [a["detail"] for a in only(bundle, "CarePlan")["activity"]]
    assert len(activities) == len(items) == 7
    o1, o2 = (ref(g) for g in resources(bundle, "Goal"))
    assert [a["goal"] for a in activities] == [[o1], [o2], [o1, o2], [o1], [o2], [o1], [o2]]
    assert [a["code"]["text"] for a in activities] == [
        "Specific techniques and activities", "Homework assignments", "Psychoeducation", "Skill-building",
        "Emotional exploration and processing", "Relationship-focused interventions",
        "Crisis management and safety planning"]
    assert {a["status"] for a in activities} == {"scheduled"}
    assert all(a["performer"] == [ref(only(bundle, "Practitioner"))] for a in activities)


def test_activity_description_is_the_rendered_item_as_plain_text(bundle: dict[str, Any]) -> None:
    techniques = only(bundle, "CarePlan")["activity"][0]["detail"]["description"]
    assert techniques.startswith("Jordan and Avery Chen, LCSW will use behavioral activation")
    assert "\n- Activities: walking with a friend, choir practice.\n" in techniques


def test_in_session_activities_follow_the_session_schedule_and_homework_does_not(bundle: dict[str, Any]) -> None:
    activities = [a["detail"] for a in only(bundle, "CarePlan")["activity"]]
    repeat = activities[0]["scheduledTiming"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 1, "wk")
    assert (repeat["duration"], repeat["durationUnit"]) == (50, "min")
    assert repeat["boundsDuration"]["value"] == 16
    assert "scheduledTiming" not in activities[1]  # homework


def test_narrative_is_xhtml_of_the_plan_body(bundle: dict[str, Any]) -> None:
    text = only(bundle, "CarePlan")["text"]
    assert text["status"] == "generated"
    assert text["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    div = ET.fromstring(text["div"])
    assert div.find("{http://www.w3.org/1999/xhtml}h2") is not None
    assert "Presenting concerns" in "".join(div.itertext())


@pytest.mark.parametrize(("path", "careplan", "goal", "activity"), [
    (EXAMPLE, "active", "active", "scheduled"),
    (FIXTURES / "c-0077-closed.md", "completed", "completed", "completed"),
    (FIXTURES / "c-0091-draft.md", "draft", "proposed", "not-started"),
], ids=lambda value: value.name if isinstance(value, Path) else None)
def test_statuses_follow_the_plan_status(path: Path, careplan: str, goal: str, activity: str) -> None:
    bundle = plan_bundle(checked_plan(path))
    assert only(bundle, "CarePlan")["status"] == careplan
    assert {g["lifecycleStatus"] for g in resources(bundle, "Goal")} == {goal}
    assert {a["detail"]["status"] for a in only(bundle, "CarePlan")["activity"]} == {activity}


def test_by_names_the_performer_and_biweekly_is_every_two_weeks() -> None:
    bundle = plan_bundle(checked_plan(FIXTURES / "c-0077-closed.md"))
    activities = [a["detail"] for a in only(bundle, "CarePlan")["activity"]]
    assert activities[2]["performer"] == [{"display": "Sam's partner"}]
    assert activities[0]["scheduledTiming"]["repeat"]["period"] == 2
    assert [c["code"]["coding"][0]["code"] for c in resources(bundle, "Condition")] == ["F43.10", "F10.10"]


def test_raw_html_in_the_narrative_is_escaped() -> None:
    div = only(plan_bundle(checked_plan(FIXTURES / "c-0077-closed.md")), "CarePlan")["text"]["div"]
    assert "<script" not in div and "<em>" not in div
    assert "&lt;script&gt;" in div
    element = ET.fromstring(div)
    assert element.find(".//{http://www.w3.org/1999/xhtml}table") is not None


@pytest.mark.parametrize("image", ["![scan](https://example.org/x.png)", "![](//example.org/x.png)",
                                   "![a](/\\example.org/x.png)", "![a](data:image/png;base64,AAAA)"])
def test_the_narrative_loads_no_image_from_anywhere(tmp_path: Path, image: str) -> None:
    edited = tmp_path / EXAMPLE.name
    edited.write_text(EXAMPLE.read_text(encoding="utf-8") + f"\nA picture: {image}\n", encoding="utf-8")
    div = only(plan_bundle(checked_plan(edited)), "CarePlan")["text"]["div"]
    assert "<img" not in div and "example.org" not in div and "data:" not in div
    assert "A picture: [image" in div


def test_the_narrative_links_as_the_chart_does(tmp_path: Path) -> None:
    """The narrative had its own Markdown parser: relative and data: links stayed live and an empty link was empty."""
    edited = tmp_path / EXAMPLE.name
    edited.write_text(EXAMPLE.read_text(encoding="utf-8") + "\nSee [intake notes](../intake/C-1001.md), "
                      "[scan](data:image/png;base64,AAAA) and [](https://example.org/x).\n", encoding="utf-8")
    div = only(plan_bundle(checked_plan(edited)), "CarePlan")["text"]["div"]
    assert "See intake notes, scan and <a href=\"https://example.org/x\">https://example.org/x</a>." in div
    assert "intake/C-1001.md" not in div and "data:" not in div


def test_markdown_text_follows_the_chart_rules() -> None:
    assert markdown_text("[](https://example.org/x) ![scan](https://example.org/s.png)") == \
        "https://example.org/x [image: scan]"


def test_a_plan_without_narrative_still_gets_a_summary() -> None:
    div = only(plan_bundle(checked_plan(FIXTURES / "c-0091-draft.md")), "CarePlan")["text"]["div"]
    assert "effective 2026-12-01, review by 2027-02-15" in div


def test_markdown_text_keeps_structure_and_drops_inline_markup() -> None:
    markdown = "Do **this** and [that](https://example.org).\n\n1. one\n2. two\n   - nested `code`\n\nEnd."
    assert markdown_text(markdown) == "Do this and that.\n\n1. one\n2. two\n  - nested code\n\nEnd."


def test_markdown_text_numbers_nested_lists_as_the_charts_do() -> None:
    """Nested numbered lists read 1., a., i. by depth in the DOCX and HTML; the FHIR text said 1., 1., 1."""
    markdown = "".join("   " * level + f"1. s{level}\n" + "   " * level + f"2. t{level}\n" for level in range(10))
    lines = markdown_text(markdown).split("\n")
    assert [line.split()[0] for line in lines[0:20:2]] == ["1.", "a.", "i.", "1.", "a.", "i.", "1.", "a.", "i.", "i."]
    assert markdown_text("Steps:\n\n0. first\n\n   27. deep\n   28. deeper\n") == \
        "Steps:\n\n0. first\n  aa. deep\n  ab. deeper"


def test_markdown_text_keeps_transcript_lines_and_extra_table_cells() -> None:
    text = markdown_text("[Client]: yes\n\n[Clinician]: plan?\n\n| Date | Note |\n|---|---|\n| Nov 3 | Calm | Urges |\n")
    assert text == "[Client]: yes\n\n[Clinician]: plan?\n\nDate\n\nNote\n\nNov 3\n\nCalm\n\nUrges"


def test_re_export_gives_identical_ids_and_bytes(example: CheckedPlan, bundle: dict[str, Any]) -> None:
    again = plan_bundle(checked_plan(EXAMPLE))
    assert ids(again) == ids(bundle)
    assert bundle_json(again) == bundle_json(bundle)


def test_ids_survive_edits_to_the_plan(tmp_path: Path, bundle: dict[str, Any]) -> None:
    edited = tmp_path / EXAMPLE.name
    text = EXAMPLE.read_text(encoding="utf-8")
    edited.write_text(text.replace("review: 2027-01-31", "review: 2027-01-30")
                      .replace("Free narrative", "Edited narrative"), encoding="utf-8")
    assert ids(plan_bundle(checked_plan(edited))) == ids(bundle)


def test_one_clinician_is_one_practitioner_across_clients(bundle: dict[str, Any]) -> None:
    other = plan_bundle(checked_plan(FIXTURES / "c-0077-closed.md"))  # same clinician, another client
    assert only(other, "Practitioner")["id"] == only(bundle, "Practitioner")["id"]
    assert only(other, "Patient")["id"] != only(bundle, "Patient")["id"]
    assert not (set(ids(other)) - {only(other, "Practitioner")["id"]}) & set(ids(bundle))


def test_a_repeated_diagnosis_code_still_gets_its_own_condition(tmp_path: Path) -> None:
    twice = tmp_path / EXAMPLE.name
    twice.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "    description: Major depressive disorder, recurrent, moderate\n",
        "    description: Major depressive disorder, recurrent, moderate\n"
        "  - code: F33.1\n    description: Written twice by mistake\n"), encoding="utf-8")
    bundle = plan_bundle(checked_plan(twice))
    Bundle.model_validate(bundle)
    assert len({c["id"] for c in resources(bundle, "Condition")}) == 2


def test_a_plan_with_errors_is_not_exported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text(EXAMPLE.read_text(encoding="utf-8").replace("for: [O2]", "for: [O9]"), encoding="utf-8")
    checked = check_project(REPO, [broken], today=TODAY).plans[0]
    with pytest.raises(NotExportable):
        plan_bundle(checked)


def test_the_fhir_build_writes_private_deterministic_json_for_valid_plans_only_and_incrementally(tmp_path: Path) -> None:
    good = EXAMPLE.read_text(encoding="utf-8")
    root = make_clinic(tmp_path, {"c-0042.md": good, "broken.md": good.replace("for: [O2]", "for: [O9]")})
    stale = root / "build" / "fhir" / "broken.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("earlier export\n", encoding="utf-8")

    report = build_charts(root, outputs={Output.FHIR}, jobs=1, today=TODAY)

    output = root / "build" / "fhir" / "c-0042.json"
    assert {o.plan: (o.output, o.state) for o in report.outcomes} == {
        "plans/broken.md": (stale, ChartState.STALE), "plans/c-0042.md": (output, ChartState.WRITTEN)}
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    text = output.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    Bundle.model_validate(data)
    assert stale.read_text(encoding="utf-8") == "earlier export\n"
    again = build_charts(root, outputs={Output.FHIR}, jobs=1, today=TODAY)
    assert {o.plan: o.state for o in again.outcomes}["plans/c-0042.md"] is ChartState.UNCHANGED
    assert output.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in output.parent.iterdir()) == ["broken.json", "c-0042.json"]  # no temp files left


def test_crisis_items_become_activities_of_the_crisis_element(tmp_path: Path, bundle: dict[str, Any]) -> None:
    with_items = tmp_path / EXAMPLE.name
    with_items.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "    items:                       # optional: crisis work, as items (templates of element crisis)\n",
        "    items:\n      - text: Review the safety plan each session.\n        for: [O2]\n", 1), encoding="utf-8")
    activities = only(plan_bundle(checked_plan(with_items)), "CarePlan")["activity"]
    assert len(activities) == len(only(bundle, "CarePlan")["activity"]) + 1
    crisis = [a["detail"]["description"] for a in activities
              if a["detail"]["code"]["text"] == "Crisis management and safety planning"]
    assert len(crisis) == 2  # the new item, then the example's own (safety-plan-review)
    assert crisis[0] == "Review the safety plan each session."


def test_a_clinics_own_namespace_makes_ids_nobody_can_trace_back_to_a_chart_or_a_diagnosis(
        example: CheckedPlan, bundle: dict[str, Any]) -> None:
    """Under txplan's public namespace anyone can compute a Patient's id from a chart number, and a Condition's from
    the chart number and an ICD-10 code, so a FHIR server's request log gives both away. A clinic's own namespace
    (policy fhir_namespace, which `txplan init` writes) makes every id its own; ids stay stable under it."""
    public = {resource["resourceType"]: resource["id"] for resource in (e["resource"] for e in bundle["entry"])}
    assert public["Patient"] == resource_id(ID_NAMESPACE, example.plan.client.id, "Patient")  # type: ignore[union-attr]
    own = uuid.UUID("6f1c3e0a-9b7d-4c2e-8a51-3d0f7b2c9e44")
    mine = plan_bundle(example, own)
    assert set(ids(mine)).isdisjoint(ids(bundle))
    assert ids(plan_bundle(example, own)) == ids(mine)
    assert all(entry["request"]["url"].endswith(entry["resource"]["id"]) for entry in mine["entry"])


def test_init_gives_each_clinic_a_namespace_of_its_own(tmp_path: Path) -> None:
    namespaces = set()
    for name in ("a", "b"):
        init_clinic(tmp_path / name, empty=True)
        policy, problems = load_policy(tmp_path / name)
        assert problems == [] and policy.fhir_namespace is not None
        namespaces.add(policy.fhir_ids)
    assert len(namespaces) == 2
