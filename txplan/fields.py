"""Every key of a plan in words: what it holds, and what a blank plan asks for in its place.

One table, by model and field, read by the plan format reference (``plan_reference``), the comments and
placeholders of the skeleton ``txplan new`` writes (``skeleton``), and the descriptions in ``txplan schema``.
The elements and the safety plan's steps are described by their own tables (``elements``), not here. A test
keeps this table and the models equal: a field added to a model without words here fails it.

``type_words`` says in words what type a field takes, read from its annotation, so the reference cannot drift
from the model either.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .elements import ELEMENTS, STANLEY_BROWN_STEPS
from .model import (
    Approach,
    Client,
    Clinician,
    Closure,
    Contact,
    Crisis,
    Dates,
    Diagnosis,
    Evaluation,
    Feedback,
    Frequency,
    Goal,
    Interventions,
    Item,
    Measure,
    Objective,
    Plan,
    Problem,
    Risk,
    ScoreEntry,
    Screening,
)
from .templates import Param, TemplateMeta

__all__ = ["MODELS", "NOTES", "POLICY_NOTES", "TEMPLATE_NOTES", "Note", "field_model", "note_for", "type_words",
           "written_fields"]


@dataclass(frozen=True)
class Note:
    """What a key holds (``text``, Markdown) and, for free text, the placeholder a blank plan shows (``ask``)."""

    text: str
    ask: str = ""


_ITEM_FOR = Note("the ids of the objectives this item serves; at least one, each defined under `problems`",
                 "the id of an objective it serves")
_ITEM_BY = Note("who delivers it, when that is not the plan's clinician (a co-therapist, a parent)")
_USE = Note("the id of a template in templates/interventions/; give `use` or `text`, not both",
            "a template id from templates/interventions/")
_WITH = Note("values for the template's parameters: text, numbers or true/false; required ones must be given")
_TEXT = Note("the item in your own words (Markdown), instead of a template", "what is done, in your own words")

NOTES: dict[type[BaseModel], dict[str, Note]] = {
    Plan: {
        "client": Note("who the plan is for"),
        "clinician": Note("who writes and delivers the plan"),
        "status": Note("`draft` while it is being written, `active` once in effect, `closed` when treatment ended"),
        "dates": Note("when the plan takes effect and when it is reviewed"),
        "participation": Note("how the client took part in writing the plan (auditors look for it)",
                              "how the client took part in writing this plan"),
        "diagnoses": Note("the diagnoses the plan treats"),
        "risk": Note("the suicide and self-harm risk the plan rests on"),
        "problems": Note("the problems treatment addresses, each with its goals and measurable objectives"),
        "interventions": Note("the ten intervention elements (see the table of elements)"),
        "discharge": Note("when treatment can end: the criteria a discharge is judged by",
                          "when treatment can end"),
        "closure": Note("how a closed plan ended: the discharge summary; required when `status` is `closed`"),
    },
    Client: {
        "id": Note("the chart number: letters, digits, `-` and `_`"),
        "name": Note("the client's name as the chart prints it; templates use its first word", "client's full name"),
        "dob": Note("date of birth"),
        "pronouns": Note("as the client gives them; templates may use them", "pronouns"),
        "strengths": Note("what the plan builds on", "a strength the plan builds on"),
        "preferences": Note("how the client wants to be treated: times, setting, language", "a preference"),
    },
    Clinician: {
        "name": Note("the treating clinician, with credentials, as the chart prints it and as the signers table "
                     "names them", "clinician's name and credentials"),
        "supervisor": Note("the supervising clinician, when there is one; then they sign too", "supervisor's name"),
    },
    Dates: {
        "effective": Note("the day the plan takes effect"),
        "review": Note("the day it is reviewed: after `effective`, at most the policy's `review_interval_days` later"),
    },
    Diagnosis: {
        "code": Note("ICD-10-CM: a letter, two digits, then optionally `.` and one to four letters or digits",
                     "ICD-10-CM code"),
        "description": Note("the diagnosis in words", "diagnosis in words"),
    },
    Risk: {
        "level": Note("the current suicide and self-harm risk; at or above the policy's `crisis_required_at` "
                      "(default `moderate`) the plan needs a complete safety plan"),
        "summary": Note("what the level rests on: ideation, plan, intent, history, protective factors",
                        "what the risk level rests on"),
        "screening": Note("the screening the level rests on; warned when missing at or above the crisis level"),
        "reassess": Note("how often risk is assessed again (`every session`, `every 2 weeks`); warned when missing "
                         "at or above the crisis level", "every session, every 2 weeks, ..."),
    },
    Screening: {
        "instrument": Note("the screening instrument, such as C-SSRS or ASQ", "screening instrument"),
        "date": Note("when it was given; stale when older than the review interval before `dates.effective`"),
    },
    Problem: {
        "id": Note("unique within the plan, such as `P1`"),
        "statement": Note("the problem in plain words", "the problem in plain words"),
        "evidenced_by": Note("observable behaviours and scores that show it", "an observable sign of the problem"),
        "goals": Note("what the client wants to reach"),
    },
    Goal: {
        "id": Note("unique within the plan, such as `G1`"),
        "statement": Note("the goal, in the client's words where possible", "the goal, in the client's words"),
        "interpersonal": Note("`true` when the goal concerns relationships: the relationships element is then "
                              "required"),
        "objectives": Note("measurable steps toward the goal"),
    },
    Objective: {
        "id": Note("unique within the plan, such as `O1`; items name it in `for`"),
        "statement": Note("what the client will do, how much or how often, in words a count or date can check "
                          "(warned otherwise)", "what the client will do, how often"),
        "measure": Note("how progress is measured; an instrument named here must be among the measures",
                        "how progress is measured"),
        "target_date": Note("when it should be reached: after `dates.effective`"),
    },
    Interventions: {e.key: Note(f"{e.title}: required {e.when.value}") for e in ELEMENTS},
    Approach: {
        "modality": Note("the therapeutic approach, such as CBT, DBT, ACT", "modality"),
        "rationale": Note("why it suits this client", "why it suits this client"),
    },
    Item: {"use": _USE, "with": _WITH, "text": _TEXT, "for": _ITEM_FOR, "by": _ITEM_BY},
    Feedback: {"use": _USE, "with": _WITH,
               "text": Note("how the client gives feedback, such as a session rating scale",
                            "how the client gives feedback")},
    Frequency: {
        "schedule": Note("how often sessions take place"),
        "minutes": Note("length of a session"),
        "weeks": Note("planned length of treatment"),
        "format": Note("one format or a list, such as `[individual, family]`"),
        "setting": Note("where sessions take place"),
    },
    Crisis: {
        **{key: Note(f"Stanley-Brown step: {title.lower()}", title.lower()) for key, title in STANLEY_BROWN_STEPS},
        "reasons_for_living": Note("what the client names as reasons for living", "a reason for living"),
        "items": Note("crisis work written as items: templates declared `element: crisis` (safety-plan review, "
                      "lethal-means counselling)"),
    },
    Contact: {
        "name": Note("who to call: a person, a service, a crisis line", "name"),
        "phone": Note("digits with spaces, `( ) - .` and an optional leading `+`, 3 to 15 digits", "phone"),
    },
    Evaluation: {
        "measures": Note("the instruments progress is measured with"),
        "feedback": Note("how the client gives feedback on the work; written like items, without `for`"),
    },
    Measure: {
        "instrument": Note("PHQ-9, GAD-7, PCL-5, ORS, SRS or CSRS (txplan knows their range and direction), or "
                           "any other with `range` and `better`", "instrument, such as PHQ-9"),
        "range": Note("`[lowest, highest]`: needed for an instrument txplan does not know"),
        "better": Note("whether lower or higher scores are better: needed for an unknown instrument where higher "
                       "is better (default `lower`)"),
        "baseline": Note("the score at the start"),
        "target": Note("the score that counts as reached; strictly better than the baseline"),
        "every": Note("how often it is given: `session`, `N sessions`, `week`, `N weeks`, `month`, `N months`",
                      "session, 2 weeks, month, ..."),
        "scores": Note("the scores so far, plotted on the chart"),
    },
    ScoreEntry: {
        "date": Note("when it was given; not after today"),
        "score": Note("the score, within the instrument's range"),
        "item9": Note("the PHQ-9's item 9 (thoughts of death or self-harm), 0 to 3; only for the PHQ-9"),
    },
    Closure: {
        "date": Note("the day treatment ended: from `dates.effective` to today"),
        "reason": Note("why treatment ended", "why treatment ended"),
        "criteria_met": Note("which discharge criteria were met"),
        "referrals": Note("where the client was referred on", "a referral"),
        "summary": Note("the discharge summary (Markdown): course, final scores, what the client takes forward",
                        "the discharge summary"),
    },
}

MODELS: tuple[type[BaseModel], ...] = tuple(NOTES)

# A template's front matter, in the words of the template-authoring guide.
TEMPLATE_NOTES: dict[type[BaseModel], dict[str, Note]] = {
    TemplateMeta: {
        "id": Note("the template's id, which plans `use`; the file is `<id>.md` (TX401)"),
        "title": Note("the name the site and its navigation show"),
        "element": Note("the plan element it serves (see *Which element*)"),
        "modalities": Note("the therapeutic approaches it belongs to: the site lists templates by modality"),
        "tags": Note("words to find it by: problems, populations, settings"),
        "summary": Note("one or two sentences saying what the intervention is; shown on the site and in search"),
        "params": Note("its parameters, by name (below)"),
        "references": Note("the sources it follows, in APA style"),
    },
    Param: {
        "description": Note("what the value is, as the site's parameter table shows it"),
        "default": Note("the value used when a plan gives none"),
        "required": Note("`true` when every plan that uses the template must give a value"),
    },
}

# The clinic's policy, `[tool.txplan]`: the reference page's table and the comments `txplan init` writes.
POLICY_NOTES: dict[str, str] = {
    "clinic": "the clinic's name, printed in every chart's header",
    "review_interval_days": "longest time from a plan's effective date to its review (1 to 730)",
    "crisis_required_at": "risk level from which a plan needs a safety plan: none, low, moderate, high",
    "optional_elements": "element keys this clinic does not require (never relationships or crisis when a plan's "
                         "facts call for them)",
    "crisis_lines": "24-hour lines printed on every chart; a required safety plan lists one of them",
    "allowed_signers": "who may sign: principals and their SSH public keys (ssh-keygen's allowed-signers format)",
    "signatures_required": "who signs an active plan, plus a guardian for a minor and a named supervisor",
    "sign_within_days": "days after the effective date by which `txplan status` expects the signatures",
    "signers": "each name as plans print it = its principal in allowed_signers",
    # the chart header's keys (issue 15, added to the policy on another branch): words ready for them
    "confidentiality_notice": "the notice in every chart's header (a substance-use program uses 42 CFR Part 2's)",
    "address": "the clinic's address line in every chart's header",
    "timezone": "the clinic's IANA time zone (`America/Chicago`): what \"today\" is for the checks, and the day "
                "each signature is printed with",
    "fhir_namespace": "a random UUID of this clinic's: FHIR resource ids made in it cannot be traced back to a "
                      "chart number or a diagnosis (`txplan init` writes one)",
}


def note_for(model: type[BaseModel], name: str) -> Note:
    return NOTES[model][name]


def field_model(info: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds, directly, in a list or as an optional value (``problems`` -> ``Problem``)."""
    found = [arg for arg in _members(info.annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
    return found[0] if found else None


_PATTERNS = {"^[A-Za-z0-9_-]+$": "id (letters, digits, `-` and `_`)",
             "^[a-z0-9-]+$": "id (lower-case letters, digits and `-`)"}


def written_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """A model's fields by the key a plan writes (``with`` and ``for``, not ``with_`` and ``for_``)."""
    return [(info.alias or name, info) for name, info in model.model_fields.items()]


def type_words(info: FieldInfo) -> str:
    """The field's type in words, from its annotation and constraints: `text`, `a date`, `1 to 104`, ..."""
    return _words(info.annotation, info.metadata)


def _words(annotation: Any, metadata: list[Any]) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        flat = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return _words(inner, [*metadata, *flat])
    if origin in (Union, types.UnionType):
        return _union_words([arg for arg in get_args(annotation) if arg is not type(None)], metadata)
    if origin is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in get_args(annotation))
    if origin is list:
        return _list_words(get_args(annotation)[0], metadata)
    if origin is dict:
        value = get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return "mapping of names to mappings"
        return "mapping of parameter names to text, numbers or `true`/`false`"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    if annotation is date:
        return "date `YYYY-MM-DD`"
    if annotation is bool:
        return "`true` or `false`"
    if annotation in (int, float):
        low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
        high = next((m.le for m in metadata if isinstance(m, Le)), None)
        whole = "whole number" if annotation is int else "number"
        return f"{whole} from {low} to {high}" if low is not None and high is not None else whole
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    if pattern is not None:
        return _PATTERNS.get(pattern, f"text matching `{pattern}`")
    return "text"


def _union_words(options: list[Any], metadata: list[Any]) -> str:
    if set(options) == {int, float}:
        return "number"
    if set(options) == {str, int, float, bool}:
        return "text, a number or `true`/`false`"
    shown = [_words(arg, metadata) for arg in options]
    if len(shown) == 2 and shown[1].startswith(f"list of {shown[0]}"):  # `format`: one value or a list
        return f"{shown[0]}, or a list of them"
    return " or ".join(dict.fromkeys(shown))


def _list_words(member: Any, metadata: list[Any]) -> str:
    low = next((m.min_length for m in metadata if isinstance(m, MinLen)), 0)
    high = next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)
    words = _words(member, [])
    if low == high:
        return f"{low} {words}s"
    plural = {"text": "texts", "number": "numbers", "mapping": "mappings"}.get(words, words.replace("id (", "ids ("))
    return f"list of {plural}, at least {low}" if low else f"list of {plural}"


def _members(annotation: Any) -> list[Any]:
    """The types an annotation is built from, through Annotated, unions and lists."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    return [member for arg in get_args(annotation) for member in _members(arg)]

