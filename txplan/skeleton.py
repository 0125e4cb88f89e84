"""Blank plans with placeholders, and finding the placeholders a plan still holds.

``txplan new`` writes a draft whose every value to be written is a placeholder: what goes there between single
angle quotation marks (U+2039 and U+203A, as the site's snippets show required parameters), with a comment
saying what the key holds (from ``fields.NOTES``). ``check`` reports each placeholder as an error at its place
(TX110) until it is replaced, so the checker is the clinician's to-do list; the other findings a placeholder
causes at the same place (a date that is not a date, an unknown template) are left out, so each spot is
reported once, in words that say what to do.

A blank plan is built from the model (every required key, the ten elements, the safety plan's steps). With
``--from`` it takes the shape of another plan instead: the same keys, the same number of problems, goals,
objectives, items and list entries, and only what is not client data: ids of problems, goals and objectives,
template ids and parameter names, the objectives each item serves, instruments with their range and
direction, and the clinic's crisis lines. Every other value (names, dates, narrative, scores, any free text)
becomes a placeholder; scores and a closure are dropped.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .diagnostics import Diagnostic, make
from .elements import ELEMENTS, STANLEY_BROWN_STEPS
from .errors import EXIT_USAGE, TxplanError
from .fields import field_model, note_for, type_words, written_fields
from .frontmatter import Document, KeyPath, Pos, is_field_name, load_document, parse_document
from .layout import PLAN_SUFFIX, PLANS
from .model import (
    Contact,
    Crisis,
    Feedback,
    Goal,
    Interventions,
    Item,
    Measure,
    Objective,
    Plan,
    Problem,
)
from .policy import load_policy
from .safety import CrisisLine, phone_digits

__all__ = ["PLACEHOLDER", "FileExists", "NewPlan", "WriteFailed", "blank_plan", "create_new", "new_plan",
           "placeholder", "placeholder_findings", "shaped_plan"]

OPEN, CLOSE = "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}", "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
PLACEHOLDER = re.compile(f"{OPEN}[^\n{OPEN}{CLOSE}]{{1,200}}{CLOSE}")
COMMENT_COLUMN = 44
_PLAN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HEADER = (f"# A new plan, a draft. Replace every {OPEN}...{CLOSE} with this client's details; `txplan check` lists "
          "the ones left.\n# Delete an element (relationships, crisis) only when the plan's facts do not require it.\n")
NARRATIVE = f"## Presenting concerns\n\n{OPEN}what brings the client to treatment, history and context{CLOSE}\n"

# Optional keys a blank plan still shows, because most plans need them or must decide about them.
_OFFERED = frozenset({
    (Plan, "status"), (Goal, "interpersonal"), (Item, "text"), (Feedback, "text"), (Contact, "phone"),
    *((Interventions, element.key) for element in ELEMENTS),
    *((Crisis, key) for key, _ in STANLEY_BROWN_STEPS),
})
# What a blank plan fills in instead of a placeholder: ids the items can point at, and a draft status.
_FILLED: dict[tuple[type[BaseModel], str], Any] = {
    (Plan, "status"): "draft", (Problem, "id"): "P1", (Goal, "id"): "G1", (Goal, "interpersonal"): False,
    (Objective, "id"): "O1", (Item, "for"): ["O1"],
}
# What a plan made --from another keeps: structure and library references, never the other client's data.
_KEPT = frozenset({
    (Problem, "id"), (Goal, "id"), (Objective, "id"), (Goal, "interpersonal"),
    (Item, "use"), (Item, "for"), (Feedback, "use"),
    (Measure, "instrument"), (Measure, "range"), (Measure, "better"),
})
_DROPPED = frozenset({(Plan, "closure"), (Measure, "scores")})
_FLOW_KEYS = frozenset({"for", "range"})


class FileExists(TxplanError):
    """txplan never overwrites a file it was asked to create."""

    exit_code = EXIT_USAGE


class BadPlanId(TxplanError):
    exit_code = EXIT_USAGE


class SourceUnreadable(TxplanError):
    """The plan named by ``--from`` could not be read as a plan."""


class WriteFailed(TxplanError):
    """A file or folder txplan was asked to create could not be written (a full disk, no permission)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class NewPlan:
    path: str  # as diagnostics name it: plans/<id>.md
    placeholders: int


def new_plan(root: Path, plan_id: str, source: Path | None = None) -> NewPlan:
    """Write ``plans/<id>.md`` (the id in lower case, as the example clinic names its plans): a blank draft, or
    one in the shape of ``source``. Never overwrites a file (``FileExists``)."""
    if not _PLAN_ID.match(plan_id):
        raise BadPlanId(f"{plan_id!r} is not a chart number: use letters, digits, `-` and `_` (such as C-0043)")
    policy, _ = load_policy(root)
    if source is None:
        text = blank_plan(plan_id, policy.crisis_lines)
    else:
        document, problems = load_document(source, source.name)
        if document is None:
            raise SourceUnreadable(f"{source}: its front matter cannot be read ({len(problems)} problem(s)); "
                                   f"`txplan check {source}` shows them")
        text = shaped_plan(plan_id, document.data, policy.crisis_lines)
    relative = (PLANS / f"{plan_id.lower()}{PLAN_SUFFIX}").as_posix()
    try:
        create_new(root / relative, text, relative)
    except OSError as exc:
        raise WriteFailed(f"{relative}: {exc.strerror or type(exc).__name__}; nothing was written") from None
    written, _ = parse_document(text.encode(), relative)
    assert written is not None, "txplan writes plans it can read"
    return NewPlan(relative, len(placeholder_findings(written)[0]))


def create_new(path: Path, content: str | bytes, shown: str) -> None:
    """Create ``path`` with ``content`` (text is written as UTF-8 with LF line ends), readable by its owner only
    (a plan will hold a client's details); refused with ``FileExists`` naming ``shown`` when anything is there
    already, checked by the system call itself, so no race can lose a file. A write that fails removes the file
    again, so a later run is not refused by half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FileExists(f"{shown}: already exists; txplan never overwrites a file") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content.encode() if isinstance(content, str) else content)
    except BaseException:
        path.unlink(missing_ok=True)  # created here, so not someone else's: no half-written file is left behind
        raise


def placeholder(ask: str) -> str:
    """``ask`` between single angle quotation marks: a value to be written, in a blank plan and in the site's
    snippets."""
    return f"{OPEN}{ask}{CLOSE}"


# -- writing blank plans ---------------------------------------------------------------------------------


def blank_plan(plan_id: str, crisis_lines: tuple[CrisisLine, ...]) -> str:
    """A draft plan for chart number ``plan_id``: every required key, a placeholder wherever a value is needed."""
    data = _blank(Plan)
    data["client"]["id"] = plan_id
    data["interventions"]["crisis"]["professional_contacts"] = _crisis_contacts(crisis_lines)
    return _document(data, NARRATIVE)


def shaped_plan(plan_id: str, source: dict[str, Any], crisis_lines: tuple[CrisisLine, ...]) -> str:
    """A draft plan for ``plan_id`` in the shape of ``source`` (another plan's front matter), without its data."""
    data = _shaped(Plan, source, _kept_contact(crisis_lines))
    data["client"] = {**data.get("client", {}), "id": plan_id}
    data["status"] = "draft"
    return _document(data, NARRATIVE)


def _blank(model: type[BaseModel]) -> dict[str, Any]:
    blank: dict[str, Any] = {}
    for key, info in written_fields(model):
        if (model, key) in _FILLED:
            blank[key] = _FILLED[model, key]
        elif info.is_required() or (model, key) in _OFFERED:
            inner = field_model(info)
            if inner is None:
                blank[key] = [_ask(model, key, info)] if get_origin(info.annotation) is list else _ask(model, key, info)
            else:
                blank[key] = [_blank(inner)] if _is_list(info) else _blank(inner)
    return blank


def _shaped(model: type[BaseModel], source: dict[str, Any], keep_contact: Callable[[Any], bool]) -> dict[str, Any]:
    fields = dict(written_fields(model))
    shaped: dict[str, Any] = {}
    for key, value in source.items():
        info = fields.get(key)
        if info is None or (model, key) in _DROPPED:
            continue  # a key the format does not know, or history of the other client
        shaped[key] = _shaped_value(model, key, info, value, keep_contact)
    return shaped


def _shaped_value(model: type[BaseModel], key: str, info: FieldInfo, value: Any,
                  keep_contact: Callable[[Any], bool]) -> Any:
    if (model, key) in _KEPT:
        return value
    if key == "with" and isinstance(value, dict):
        return {name: placeholder(f"{name}") for name in value if isinstance(name, str) and is_field_name(name)}
    inner = field_model(info)
    if inner is not None and isinstance(value, list):
        return [entry if inner is Contact and keep_contact(entry) else _shaped(inner, entry, keep_contact)
                for entry in value if isinstance(entry, dict)]
    if inner is not None and isinstance(value, dict):
        return _shaped(inner, value, keep_contact)
    if isinstance(value, list):
        return [_ask(model, key, info) for _ in value]
    return _ask(model, key, info)


def _ask(model: type[BaseModel], key: str, info: FieldInfo) -> str:
    """The placeholder of a value: the choices of a fixed set, the shape of a date or number, or what to write."""
    choices = _choices(info.annotation)
    if choices:
        return placeholder(" | ".join(choices))
    words = type_words(info)
    if words.startswith("date"):
        return placeholder("YYYY-MM-DD")
    if "number" in words:
        return placeholder(words.removeprefix("list of ").removeprefix("whole ").replace("number from ", ""))
    return placeholder(note_for(model, key).ask or key.replace("_", " "))


def _choices(annotation: Any) -> list[str]:
    """The values of the first ``Literal`` in an annotation (through unions, lists and ``Annotated``)."""
    if get_origin(annotation) is Literal:
        return [str(choice) for choice in get_args(annotation)]
    return next((found for arg in get_args(annotation) if (found := _choices(arg))), [])


def _is_list(info: FieldInfo) -> bool:
    return any(get_origin(arg) is list for arg in (info.annotation, *get_args(info.annotation)))


def _crisis_contacts(lines: tuple[CrisisLine, ...]) -> list[dict[str, str]]:
    return [{"name": line.name, "phone": line.phone} for line in lines]


def _kept_contact(lines: tuple[CrisisLine, ...]) -> Callable[[Any], bool]:
    """A contact that is one of the clinic's crisis lines is kept as it is: it is not the other client's data."""
    numbers = {phone_digits(line.phone) for line in lines}

    def kept(entry: Any) -> bool:
        phone = entry.get("phone") if isinstance(entry, dict) else None
        return phone is not None and phone_digits(str(phone)) in numbers and set(entry) <= {"name", "phone"}

    return kept


# -- YAML with a comment on every key --------------------------------------------------------------------


def _document(data: dict[str, Any], narrative: str) -> str:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # one value per line: a placeholder is never folded
    out = io.StringIO()
    yaml.dump(_commented(Plan, data), out)
    return f"---\n{HEADER}{out.getvalue()}---\n{narrative}"


def _commented(model: type[BaseModel], data: dict[str, Any]) -> CommentedMap:
    fields = dict(written_fields(model))
    mapping = CommentedMap()
    for key, value in data.items():
        info = fields[key]
        inner = field_model(info)
        if isinstance(value, dict) and inner is not None:
            mapping[key] = _commented(inner, value)
        elif isinstance(value, list):
            sequence = CommentedSeq([_commented(inner, v) if isinstance(v, dict) and inner is not None else v
                                     for v in value])
            if key in _FLOW_KEYS:
                sequence.fa.set_flow_style()
            mapping[key] = sequence
        else:
            mapping[key] = value
        mapping.yaml_add_eol_comment(f"# {_comment(model, key)}", key, column=COMMENT_COLUMN)
    return mapping


def _comment(model: type[BaseModel], key: str) -> str:
    """The key's note, after "required" or "optional" where the model alone decides (the rules decide when an
    element or a safety-plan step is needed, and an item takes `use` or `text`: their notes say so)."""
    note = note_for(model, key).text.replace("`", "")
    if model in (Interventions, Crisis) or key in ("use", "text"):
        return note
    needed = "required" if dict(written_fields(model))[key].is_required() else "optional"
    return f"{needed}: {note}"


# -- finding placeholders in a plan ----------------------------------------------------------------------


def placeholder_findings(document: Document) -> tuple[list[Diagnostic], set[Pos]]:
    """TX110 at each placeholder still in the plan, and the positions of the values that hold one (where other
    findings would only repeat that the value is not written yet)."""
    found: list[Diagnostic] = []
    values: set[Pos] = set()
    lines = document.text.split("\n")
    for path, text in _strings(document.data, ()):
        start = document.positions.of_value(path)
        values.add(start)
        for match in PLACEHOLDER.finditer(text):
            found.append(make(document.path, _exact(lines, start, match.group()), "TX110",
                              f"placeholder not filled: write {_shown_path(path)} for this client"))
    for offset, line in enumerate(document.body.split("\n")):
        for match in PLACEHOLDER.finditer(line):
            found.append(make(document.path, (document.body_line + offset, match.start() + 1), "TX110",
                              "placeholder not filled in the narrative: write it for this client"))
    return found, values


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, (*path, index))
    elif isinstance(value, str) and PLACEHOLDER.search(value):
        yield path, value


def _exact(lines: list[str], start: Pos, placeholder_text: str) -> Pos:
    """The placeholder's own column when it stands on the value's first line, else the value's start."""
    line, col = start
    if line <= len(lines):
        found = lines[line - 1].find(placeholder_text, col - 1)
        if found >= 0:
            return line, found + 1
    return start


def _shown_path(path: KeyPath) -> str:
    """``problems[0].goals[0].statement``: keys that look like field names, list positions; anything else withheld."""
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f"[{part}]"
        elif is_field_name(part):
            shown += f".{part}" if shown else part
        else:
            shown += ".(a key not shown)"
    return f"`{shown}`"

