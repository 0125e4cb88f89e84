"""Export a checked plan as a FHIR R4 transaction Bundle (see docs/fhir.md).

The bundle is plain JSON-ready data; ``fhir.resources`` (R4B models, whose
CarePlan and Goal match R4) validates it in the tests but is not needed at
run time. Every resource id is a UUIDv5 of what the resource stands for, and
every entry is a ``PUT`` to that id, so exporting the same plan again updates
the resources on the server instead of duplicating them.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..cadence import SCHEDULES_BY_NAME
from ..check import CheckedPlan
from ..elements import ELEMENTS_BY_KEY
from ..errors import TxplanError
from ..instruments import Better, instrument_named, score_text
from ..layout import plan_name
from ..model import Frequency, Item, Measure, Objective, Plan
from ..policy import PUBLIC_FHIR_NAMESPACE
from ..render.markdown import LIST_LEVELS, LIST_MARKERS, chart_tokens, list_start
from ..rules import instrument_for
from ..signatures.records import Role

__all__ = [
    "ACTIVITY_STATUS",
    "AUTHOR",
    "BETWEEN_SESSIONS",
    "CAREPLAN_CATEGORY",
    "CAREPLAN_STATUS",
    "CHART_ID_SYSTEM",
    "COAUTHOR",
    "GOAL_STATUS",
    "ICD10_CM",
    "IDENTIFIER_TYPE",
    "ID_NAMESPACE",
    "PARTICIPANT_TYPE",
    "SIGNATURE_TYPE",
    "SSH_SIGNATURE",
    "UCUM",
    "WITNESS",
    "XHTML",
    "NotExportable",
    "Reference",
    "Resource",
    "activity_detail",
    "bundle_json",
    "careplan_resource",
    "condition_resources",
    "goal_resources",
    "goal_target_detail",
    "intervention_items",
    "markdown_text",
    "narrative_div",
    "patient_resource",
    "period_end",
    "plan_bundle",
    "practitioner_resource",
    "provenance_resources",
    "reference",
    "resource_id",
    "session_timing",
    "transaction",
]

ID_NAMESPACE = PUBLIC_FHIR_NAMESPACE  # for a clinic without a namespace of its own (policy fhir_namespace)
CHART_ID_SYSTEM = "urn:txplan:chart-id"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
UCUM = "http://unitsofmeasure.org"
XHTML = "http://www.w3.org/1999/xhtml"

CAREPLAN_STATUS = {"draft": "draft", "active": "active", "closed": "completed"}
GOAL_STATUS = {"draft": "proposed", "active": "active", "closed": "completed"}
ACTIVITY_STATUS = {"draft": "not-started", "active": "scheduled", "closed": "completed"}
# Homework happens between sessions at its own pace (stated in its text), so it gets no session timing.
BETWEEN_SESSIONS = frozenset({"homework"})

Resource = dict[str, Any]
Reference = dict[str, str]

_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # renders chart_tokens only; never parses
_NARRATIVE_TOP_HEADING = 2  # as in the chart, where the narrative sits under its heading 1, "Clinical narrative"


class NotExportable(TxplanError):
    """The plan has errors; only a plan that checks clean is exported."""


def resource_id(namespace: uuid.UUID, *parts: str) -> str:
    """A stable id: the same plan facts give the same id on every export. Under a clinic's own secret namespace
    (policy ``fhir_namespace``) nobody who sees only the id, in a FHIR server's request log, can work out the chart
    number or the diagnosis it was made from by trying them all."""
    return str(uuid.uuid5(namespace, "\x1f".join(parts)))


def reference(resource: Resource) -> Reference:
    return {"reference": f"urn:uuid:{resource['id']}"}


def plan_bundle(checked: CheckedPlan, namespace: uuid.UUID = ID_NAMESPACE) -> dict[str, Any]:
    """The plan as a FHIR ``transaction`` Bundle: Patient, Practitioner, Conditions, Goals, CarePlan."""
    plan = checked.plan
    if plan is None or not checked.ok:
        raise NotExportable(f"{checked.path} has errors and cannot be exported")
    plan_key = (plan.client.id, plan_name(checked.path))  # the stem for a plan directly in plans/
    patient = patient_resource(plan, namespace)
    practitioner = practitioner_resource(plan, namespace)
    conditions = condition_resources(plan, reference(patient), namespace)
    goals = goal_resources(plan, plan_key, reference(patient), [reference(c) for c in conditions], namespace)
    careplan = careplan_resource(checked, plan_key, reference(patient), practitioner, conditions, goals, namespace)
    provenances = provenance_resources(checked, plan_key, careplan, reference(patient), reference(practitioner),
                                       namespace)
    return transaction([patient, practitioner, *conditions, *goals.values(), careplan, *provenances])


SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
AUTHOR, COAUTHOR, WITNESS = ("1.2.840.10065.1.12.1.1", "Author's Signature"), \
    ("1.2.840.10065.1.12.1.2", "Co-Author's Signature"), ("1.2.840.10065.1.12.1.7", "Witness Signature")
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SSH_SIGNATURE = "application/x-ssh-signature"  # the armored output of ssh-keygen -Y sign (PROTOCOL.sshsig)


def provenance_resources(checked: CheckedPlan, plan_key: tuple[str, str], careplan: Resource, patient: Reference,
                         clinician: Reference, namespace: uuid.UUID = ID_NAMESPACE) -> list[Resource]:
    """One Provenance per signature that covers the plan as it is now: who signed, in which role, when, and the
    SSH signature itself; a client's or guardian's carries the witnessing clinician's signature as well."""
    found: list[Resource] = []
    for signature in checked.signatures:
        record = signature.record
        if record is None or not signature.current:
            continue
        who = {Role.CLINICIAN: clinician, Role.CLIENT: patient}.get(record.role, {"display": record.name})
        kind = AUTHOR if record.role is Role.CLINICIAN else COAUTHOR
        signed = [_signature(kind, record.signed, who, record.signature if not record.role.witnessed else None)]
        if record.role.witnessed:
            signed.append(_signature(WITNESS, record.signed, {"display": signature.witness or record.signer},
                                     record.signature))
        found.append({
            "resourceType": "Provenance",
            "id": resource_id(namespace, *plan_key, "Provenance", record.role.value, record.name),
            "target": [reference(careplan)],
            "recorded": record.signed,
            "agent": [{"type": {"coding": [{"system": PARTICIPANT_TYPE,
                                            "code": "author" if record.role is Role.CLINICIAN else "attester"}]},
                       "role": [{"text": record.role.value}], "who": who}],
            "signature": signed,
        })
    return found


def _signature(kind: tuple[str, str], when: str, who: Reference, armored: str | None) -> Resource:
    signature: Resource = {"type": [{"system": SIGNATURE_TYPE, "code": kind[0], "display": kind[1]}], "when": when,
                           "who": who}
    if armored is not None:
        signature["sigFormat"] = SSH_SIGNATURE
        signature["data"] = base64.b64encode(armored.encode("ascii")).decode("ascii")
    return signature


def transaction(resources: list[Resource]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{r['id']}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }


def patient_resource(plan: Plan, namespace: uuid.UUID = ID_NAMESPACE) -> Resource:
    """The client; the name is kept as written (as ``text``) rather than guessing given and family names."""
    client = plan.client
    return {
        "resourceType": "Patient",
        "id": resource_id(namespace, client.id, "Patient"),
        "identifier": [{
            "use": "usual",
            "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR"}], "text": "Chart number"},
            "system": CHART_ID_SYSTEM,
            "value": client.id,
        }],
        "name": [{"text": client.name}],
        "birthDate": client.dob.isoformat(),
    }


def practitioner_resource(plan: Plan, namespace: uuid.UUID = ID_NAMESPACE) -> Resource:
    """Keyed by the clinician's name alone, so one clinician is one Practitioner across the caseload."""
    name = plan.clinician.name
    return {
        "resourceType": "Practitioner",
        "id": resource_id(namespace, "Practitioner", " ".join(name.split()).casefold()),
        "name": [{"text": name}],
    }


def condition_resources(plan: Plan, patient: Reference, namespace: uuid.UUID = ID_NAMESPACE) -> list[Resource]:
    """One Condition per diagnosis, keyed by chart id and code (shared by the client's plans; a repeated code counts up).

    No clinicalStatus: a plan records the diagnosis it treats, not whether the condition is still active.
    """
    seen: dict[str, int] = {}
    conditions: list[Resource] = []
    for diagnosis in plan.diagnoses:
        seen[diagnosis.code] = seen.get(diagnosis.code, 0) + 1
        local = diagnosis.code if seen[diagnosis.code] == 1 else f"{diagnosis.code}#{seen[diagnosis.code]}"
        conditions.append({
            "resourceType": "Condition",
            "id": resource_id(namespace, plan.client.id, "Condition", local),
            "code": {"coding": [{"system": ICD10_CM, "code": diagnosis.code}], "text": diagnosis.description},
            "subject": patient,
        })
    return conditions


def goal_resources(plan: Plan, plan_key: tuple[str, str], patient: Reference,
                   conditions: list[Reference], namespace: uuid.UUID = ID_NAMESPACE) -> dict[str, Resource]:
    """One Goal per objective (by objective id), carrying the client's own goal wording as a note."""
    measures = plan.interventions.evaluation.measures if plan.interventions.evaluation else []
    goals: dict[str, Resource] = {}
    for problem in plan.problems:
        for goal in problem.goals:
            for objective in goal.objectives:
                goals[objective.id] = {
                    "resourceType": "Goal",
                    "id": resource_id(namespace, *plan_key, "Goal", objective.id),
                    "lifecycleStatus": GOAL_STATUS[plan.status],
                    "description": {"text": objective.statement},
                    "subject": patient,
                    "startDate": plan.dates.effective.isoformat(),
                    "target": [{
                        "measure": {"text": objective.measure},
                        "detailString": goal_target_detail(objective, measures),
                        "dueDate": objective.target_date.isoformat(),
                    }],
                    "addresses": conditions,
                    "note": [{"text": f"Goal {goal.id} in the client's words: {goal.statement}"}],
                }
    return goals


def goal_target_detail(objective: Objective, measures: list[Measure]) -> str:
    """The target value: the instrument target when the objective is measured by a plan instrument, else the statement."""
    for measure in measures:
        instrument = instrument_for(measure)
        if instrument is not None and instrument_named(objective.measure, instrument.name) is not None:
            side = "at or above" if instrument.better is Better.HIGHER else "at or below"
            return f"{instrument.name} {side} {score_text(measure.target)} (baseline {score_text(measure.baseline)})"
    return objective.statement


def careplan_resource(checked: CheckedPlan, plan_key: tuple[str, str], patient: Reference, practitioner: Resource,
                      conditions: list[Resource], goals: dict[str, Resource],
                      namespace: uuid.UUID = ID_NAMESPACE) -> Resource:
    plan = checked.plan
    assert plan is not None and checked.document is not None
    return {
        "resourceType": "CarePlan",
        "id": resource_id(namespace, *plan_key, "CarePlan"),
        "text": {"status": "generated", "div": narrative_div(checked.document.body, plan)},
        "status": CAREPLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [{"coding": [{"system": CAREPLAN_CATEGORY, "code": "assess-plan"}]}],
        "title": "Psychotherapy treatment plan",
        "subject": patient,
        "period": {"start": plan.dates.effective.isoformat(), "end": period_end(plan).isoformat()},
        "author": reference(practitioner),
        "addresses": [reference(c) for c in conditions],
        "goal": [reference(g) for g in goals.values()],
        "activity": [
            {"detail": activity_detail(key, item, checked.rendered[path], plan, reference(practitioner), goals)}
            for path, key, item in intervention_items(plan)
        ],
    }


def period_end(plan: Plan) -> date:
    """A closed plan ended on its closure date; any other runs to its review date."""
    return plan.closure.date if plan.status == "closed" and plan.closure is not None else plan.dates.review


def intervention_items(plan: Plan) -> Iterator[tuple[tuple[str | int, ...], str, Item]]:
    """Every intervention item, in element order, with its path into ``CheckedPlan.rendered``."""
    yield from plan.item_entries()


def activity_detail(key: str, item: Item, rendered: str, plan: Plan, clinician: Reference,
                    goals: dict[str, Resource]) -> Resource:
    detail: Resource = {
        "code": {"text": ELEMENTS_BY_KEY[key].title},
        "status": ACTIVITY_STATUS[plan.status],
        "description": markdown_text(rendered),
        "goal": [reference(goals[objective_id]) for objective_id in item.for_],
        "performer": [{"display": item.by} if item.by else clinician],
    }
    frequency = plan.interventions.frequency
    if frequency is not None and key not in BETWEEN_SESSIONS:
        detail["scheduledTiming"] = session_timing(frequency)
    return detail


def session_timing(frequency: Frequency) -> Resource:
    count, period, unit = SCHEDULES_BY_NAME[frequency.schedule].timing
    return {"repeat": {
        "frequency": count,
        "period": period,
        "periodUnit": unit,
        "duration": frequency.minutes,
        "durationUnit": "min",
        "boundsDuration": {"value": frequency.weeks, "unit": "wk", "system": UCUM, "code": "wk"},
    }}


def narrative_div(markdown: str, plan: Plan) -> str:
    """The plan's narrative as FHIR XHTML, read by the chart's rules (``render.markdown``): raw HTML escaped, images as
    their alt text, links only to web, mail and phone addresses, an empty link labelled by its address."""
    tokens = chart_tokens(markdown, _NARRATIVE_TOP_HEADING)
    html = str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})).strip()
    if not html:
        html = (f"<p>Psychotherapy treatment plan, effective {plan.dates.effective.isoformat()}, "
                f"review by {plan.dates.review.isoformat()}.</p>")
    return f'<div xmlns="{XHTML}">{html}</div>'


def markdown_text(markdown: str) -> str:
    """Markdown as plain text: inline markup dropped; paragraphs, list markers and code kept."""
    blocks: list[tuple[str, bool]] = []  # (text, inside a list)
    lists: list[int | None] = []  # per open list: next number, or None for bullets
    marker = ""
    for token in chart_tokens(markdown, _NARRATIVE_TOP_HEADING):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(list_start(token) if token.type == "ordered_list_open" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            marker = _list_marker(lists)
        elif token.type == "inline" and (marker or _inline_text(token)):  # an empty table cell says nothing
            blocks.append(("  " * max(len(lists) - 1, 0) + marker + _inline_text(token), bool(lists)))
            marker = ""
        elif token.type in ("fence", "code_block"):
            blocks.append((token.content.rstrip("\n"), bool(lists)))
    text = ""
    for index, (block, in_list) in enumerate(blocks):
        if index:
            text += "\n" if in_list and blocks[index - 1][1] else "\n\n"
        text += block
    return text


def _list_marker(lists: list[int | None]) -> str:
    """The next item's marker, numbered 1., a., i. by depth as the charts number it (``LIST_MARKERS``; a list deeper
    than ``LIST_LEVELS`` looks like the last level)."""
    number = lists[-1] if lists else None
    if number is None:
        return "- "
    lists[-1] = number + 1
    depth = min(len(lists), LIST_LEVELS) - 1
    style = LIST_MARKERS[depth % len(LIST_MARKERS)][0]
    return f"{_NUMERALS[style](number)}. "


def _letters(number: int) -> str:
    """a..z, then aa, ab, ... as Word and CSS letter a list past its 26th item (0 is "0" in both)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters or str(number)


def _roman(number: int) -> str:
    """Lower-case Roman numerals; CSS and Word show a number they cannot write so (0, 4000 on) in digits."""
    if not 0 < number < 4000:
        return str(number)
    numeral = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        numeral += letters * count
    return numeral


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"),
          (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_NUMERALS: dict[str, Callable[[int], str]] = {"decimal": str, "lower-alpha": _letters, "lower-roman": _roman}


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def bundle_json(bundle: dict[str, Any]) -> bytes:
    """Deterministic JSON (sorted keys, 2-space indent, trailing newline), so unchanged plans give unchanged files."""
    return (json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
