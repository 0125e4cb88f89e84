"""The clinic's two guides: the plan format reference and the template-authoring guide.

Each is prose written once (``txplan/data/docs/``) with its facts filled in from the tables they describe:
every key with its type, default and meaning from the models and ``fields``, the elements, the instruments,
the policy's defaults, the sandbox's limits. The template site shows them (``txplan.site.pages``), and
``python -m txplan.reference`` writes them to ``docs/`` for readers of the repository, where a test keeps them
current. They link only to each other and to the diagnostic codes, pages that exist in both places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .elements import ELEMENTS, TEMPLATE_ELEMENTS
from .fields import NOTES, POLICY_NOTES, TEMPLATE_NOTES, Note, field_model, type_words, written_fields
from .instruments import INSTRUMENTS, score_text
from .model import MAX_ENTRIES, Contact, Feedback, Interventions, Item, Plan
from .policy import Policy
from .resources import MissingResource, example_plan
from .scaffold import toml_value
from .templates import MAX_OUTPUT_CHARS, MAX_RENDER_SECONDS, MAX_STEPS, Param, TemplateMeta, example_context

__all__ = ["CLOSURE_EXAMPLE", "DIAGNOSTICS", "NOWRAP", "PLAN_FORMAT", "TEMPLATE_GUIDE", "V1_1_FIELDS", "fenced",
           "plan_format_page", "template_guide_page"]

PLAN_FORMAT = "plan-format.md"
TEMPLATE_GUIDE = "templates.md"
DIAGNOSTICS = "diagnostics.md"
NOWRAP = "white-space: nowrap"  # the one inline style the generated pages use (and the sanitizer keeps)
_SOURCES = Path(__file__).resolve().parent / "data" / "docs"
_MARKER = re.compile(r"<!-- txplan: ([a-z0-9.-]+) -->")

# How a closed plan records its ending (the chart's discharge summary); fictional.
CLOSURE_EXAMPLE = """\
status: closed
closure:                         # required when status is closed
  date: 2027-01-29               # from dates.effective to today
  reason: Discharge criteria met # free text
  criteria_met: all              # all | some | none
  referrals:                     # optional
    - Primary care follow-up in three months
  summary: |                     # Markdown: course, final scores, what the client takes forward
    Twelve sessions of CBT; PHQ-9 from 17 to 6.
"""

# The fields v1.1 added, each with the codes that guard it.
V1_1_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("risk.screening", "the screening the risk level rests on: `{instrument, date}`; missing at or above the "
     "crisis level is a warning, older than the review interval is stale", ("TX308", "TX310", "TX219")),
    ("risk.reassess", "how often risk is assessed again, in the `every` grammar or `every session`",
     ("TX309", "TX108")),
    ("frequency.format", "one format or a list, such as `[individual, family]`", ("TX105", "TX108")),
    ("crisis.*_contacts[].phone", "digits with spaces, `( ) - .` and an optional leading `+`, 3 to 15 digits; a required "
     "safety plan lists 988 or one of the clinic's `crisis_lines`", ("TX216", "TX217", "TX306", "TX307")),
    ("crisis.items", "crisis work written as items: templates declared `element: crisis` belong here",
     ("TX311",)),
    ("scores[].item9", "the PHQ-9's item 9 (thoughts of being better off dead or of self-harm), 0 to 3",
     ("TX218", "TX312")),
    ("closure", "how a closed plan ended: its date, reason, which discharge criteria were met, referrals and a "
     "summary; required when `status: closed`", ("TX224", "TX225", "TX319")),
)

# Models a plan has in several places, headed by what they are.
_SHARED: dict[type[BaseModel], tuple[str, str]] = {
    Item: ("Intervention items", "Each entry of `interventions.<element>` and of `interventions.crisis.items`."),
    Contact: ("Contacts", "Each entry of `interventions.crisis.support_contacts` and `professional_contacts`."),
    Feedback: ("Feedback", "Each entry of `interventions.evaluation.feedback`: written like an item, without `for`."),
}

# What a template body sees besides its parameters (``check.render_context``), in words.
CONTEXT_NOTES: dict[str, str] = {
    "client.name": "the client's name as the plan writes it",
    "client.first_name": "its first word, for sentences such as \"Jordan will ...\"",
    "client.pronouns": "the client's pronouns, empty text when the plan gives none",
    "clinician.name": "the treating clinician's name and credentials",
}


def plan_format_page() -> str:
    return _filled("plan-format.md", {
        "example": lambda: fenced(example_plan(), "yaml"),
        "max-entries": lambda: f"{MAX_ENTRIES:,}",
        "keys": _plan_keys,
        "elements": _elements_table,
        "instruments": _instruments,
        "closure": lambda: fenced(CLOSURE_EXAMPLE, "yaml"),
        "v1.1": _v1_1_table,
        "policy": _policy_table,
    })


def template_guide_page() -> str:
    return _filled("templates.md", {
        "template-keys": lambda: "\n".join(_key_table(TemplateMeta, TEMPLATE_NOTES[TemplateMeta])),
        "param-keys": lambda: "\n".join(_key_table(Param, TEMPLATE_NOTES[Param])),
        "context": _context_list,
        "limits": lambda: (f"at most {MAX_RENDER_SECONDS:g} seconds, {MAX_STEPS:,} steps (loop turns, calls, filters "
                           f"and operators) and {MAX_OUTPUT_CHARS:,} characters of output"),
        "template-elements": lambda: ", ".join(f"`{key}`" for key in TEMPLATE_ELEMENTS),
    })


def fenced(text: str, language: str) -> str:
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


# -- filling the prose -----------------------------------------------------------------------------------


def _filled(name: str, parts: dict[str, Callable[[], str]]) -> str:
    """The prose with each ``<!-- txplan: part -->`` replaced; a marker without a part, or a part without a
    marker, is a mistake in txplan, so it fails loudly rather than leave a gap in the page."""
    try:
        prose = (_SOURCES / name).read_text(encoding="utf-8")
    except OSError:
        raise MissingResource(f"txplan's guide {name} is missing from {_SOURCES}; reinstall txplan") from None
    markers = set(_MARKER.findall(prose))
    if markers != set(parts):
        raise AssertionError(f"{name}: markers {sorted(markers)} do not match the parts {sorted(parts)}")
    title, rest = _MARKER.sub(lambda match: parts[match.group(1)](), prose).split("\n", 1)
    return (f"{title}\n\n<!-- Generated by `python -m txplan.reference` from txplan/data/docs/{name} and txplan's "
            f"tables. Do not edit. -->\n{rest}")


def _plan_keys() -> str:
    lines: list[str] = []
    for model, where in _models_in_order():
        if model is Interventions:
            continue  # the elements have their own section
        heading, said = _SHARED.get(model, (where, ""))
        lines += ["", f"### {heading}", "", *([said, ""] if said else []), *_key_table(model, NOTES[model])]
    return "\n".join(lines).strip()


def _models_in_order(model: type[BaseModel] = Plan, where: str = "",
                     seen: set[type[BaseModel]] | None = None) -> Iterator[tuple[type[BaseModel], str]]:
    """Each model once, in the order a plan's keys are read, with where a plan first has it
    (`problems[].goals[]`)."""
    seen = set() if seen is None else seen
    seen.add(model)
    yield model, f"`{where}`" if where else "The plan"
    for key, info in written_fields(model):
        inner = field_model(info)
        if inner is not None and inner not in seen:
            path = f"{where}.{key}" if where else key
            yield from _models_in_order(inner, f"{path}[]" if _is_list(info) else path, seen)


def _is_list(info: FieldInfo) -> bool:
    return type_words(info).startswith("list")


def _key_table(model: type[BaseModel], notes: dict[str, Note]) -> list[str]:
    rows = [f'| <code style="{NOWRAP}">{key}</code> | {type_words(info)} | {_needed(info)} | {notes[key].text} |'
            for key, info in written_fields(model)]
    return ["| key | type | required | what it holds |", "| --- | --- | --- | --- |", *rows]


def _needed(info: FieldInfo) -> str:
    if info.is_required():
        return "yes"
    default: Any = info.get_default(call_default_factory=True)
    if default in (None, [], {}, PydanticUndefined):
        return "no"
    shown = str(default).lower() if isinstance(default, bool) else default
    return f"no (default `{shown}`)"


def _elements_table() -> str:
    rows = [f"| `{e.key}` | {e.title} | {e.when.value} |" for e in ELEMENTS]
    return "\n".join(["| key | element | required |", "| --- | --- | --- |", *rows])


def _instruments() -> str:
    rows = [f"| {i.name} | {i.measures} | {score_text(i.low)} to {score_text(i.high)} | {i.better.value} |" for i in INSTRUMENTS]
    return "\n".join(["txplan knows these instruments:", "", "| instrument | measures | range | better |",
                      "| --- | --- | --- | --- |", *rows])


def _v1_1_table() -> str:
    rows = [f"| `{name}` | {text} | {', '.join(f'[{c}]({DIAGNOSTICS}#{c.lower()})' for c in codes)} |"
            for name, text, codes in V1_1_FIELDS]
    return "\n".join(["| field | what it holds | diagnostics |", "| --- | --- | --- |", *rows])


def _policy_table() -> str:
    defaults = Policy().model_dump(mode="json")
    rows = [f"| `{key}` | `{toml_value(value)}` | {POLICY_NOTES.get(key, '')} |" for key, value in defaults.items()]
    return "\n".join(["| key | default | what it sets |", "| --- | --- | --- |", *rows])


def _context_list() -> str:
    names = [f"{part}.{key}" for part, values in example_context().items() for key in values]
    if set(names) != set(CONTEXT_NOTES):
        raise AssertionError(f"the template context {names} and its notes {sorted(CONTEXT_NOTES)} differ")
    return "\n".join(f"- `{name}`: {CONTEXT_NOTES[name]}" for name in names)
