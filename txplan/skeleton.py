"""Blank plans with placeholders, and finding the placeholders a plan still holds.

``txplan new`` writes a draft whose every value to be written is a placeholder: what goes there between single
angle quotation marks (U+2039 and U+203A, as the site's snippets show required parameters), with a comment
saying what the key holds (from ``fields.NOTES``). ``check`` reports each placeholder as an error at its place
(TX110) until it is replaced, so the checker is the clinician's to-do list; the other findings a placeholder
causes at the same place (a date that is not a date, an unknown template) are left out, so each spot is
reported once, in words that say what to do.

A blank plan is built from the model (every required key, the ten elements, the safety plan's steps). With
``--from`` it takes the shape of another plan instead: the same keys, the same number of problems, goals,
objectives, items and list entries, and only what txplan can tell is not client data, because it comes from
txplan's or the clinic's own tables: the templates of the clinic's library with the parameter names each
declares, instruments txplan knows, a range and direction (numbers and a choice), true/false, and a contact
whose phone is one of the clinic's crisis lines (written as the policy names it). Problems, goals and objectives
are numbered anew (P1, G1, O1, ...) and each item's ``for`` follows its objectives to their new ids; a reference
to no objective of the source is left out. Every other value (names, dates, narrative, scores, ids the source
chose, a custom instrument's name, any free text) becomes a placeholder; scores and a closure are dropped.

A source is whatever a file holds, so no value is trusted to have its shape: a value of the wrong shape (text
where a section goes, a list where text goes) becomes what a blank plan has there, and an entry of a list that
is not a mapping becomes a blank entry. Only front matter that cannot be read as keys and values is refused.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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
from .instruments import known_instrument
from .layout import PLAN_SUFFIX, PLANS
from .model import (
    MAX_SCORE,
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
from .templates import load_library

__all__ = ["PLACEHOLDER", "PRIVATE", "FileExists", "NewPlan", "WriteFailed", "blank_plan", "create_new", "new_plan",
           "placeholder", "placeholder_findings", "shaped_plan"]

OPEN, CLOSE = "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}", "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
PLACEHOLDER = re.compile(f"{OPEN}[^\n{OPEN}{CLOSE}]{{1,200}}{CLOSE}")
COMMENT_COLUMN = 44
PRIVATE = 0o700
_PLAN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fullmatch: `$` would let a final newline through
HEADER = (f"# A new plan, a draft. Replace every {OPEN}...{CLOSE} with this client's details; `txplan check` lists "
          "the ones left.\n# Delete an element (relationships, crisis) only when the plan's facts do not require it.\n")
NARRATIVE = f"## Presenting concerns\n\n{OPEN}what brings the client to treatment, history and context{CLOSE}\n"

# Optional keys a blank plan still shows, because most plans need them or must decide about them.
_OFFERED = frozenset({
    (Plan, "status"), (Goal, "interpersonal"), (Item, "text"), (Feedback, "text"), (Contact, "phone"),
    *((Interventions, element.key) for element in ELEMENTS),
    *((Crisis, key) for key, _ in STANLEY_BROWN_STEPS),
})
# What a blank plan fills in instead of a placeholder: a draft status, and an item serving the first objective.
_FILLED: dict[tuple[type[BaseModel], str], Any] = {
    (Plan, "status"): "draft", (Goal, "interpersonal"): False, (Item, "for"): ["O1"],
}
# The models with ids, numbered in the order they are written: P1, P2, ... G1, ... O1, ...
_NUMBERED: dict[type[BaseModel], str] = {Problem: "P", Goal: "G", Objective: "O"}
_DROPPED = frozenset({(Plan, "closure"), (Measure, "scores")})
_FLOW_KEYS = frozenset({"for", "range"})
_OMIT = object()  # a key the draft leaves out


class FileExists(TxplanError):
    """txplan never overwrites a file it was asked to create."""

    exit_code = EXIT_USAGE


class BadPlanId(TxplanError):
    exit_code = EXIT_USAGE


class SourceUnreadable(TxplanError):
    """The plan named by ``--from`` could not be read as a plan: the command cannot run as asked."""

    exit_code = EXIT_USAGE


class WriteFailed(TxplanError):
    """A file or folder txplan was asked to create could not be written (a full disk, no permission)."""

    exit_code = EXIT_USAGE


@dataclass
class _Shaping:
    """What a plan made ``--from`` another may take from it, and the numbering as it goes."""

    crisis_lines: dict[str, CrisisLine]  # by the digits of their phone
    templates: Mapping[str, frozenset[str]]  # the clinic's template ids -> the parameter names each declares
    objectives: dict[str, str] = field(default_factory=dict)  # the source's objective ids -> the new ones
    counts: dict[type[BaseModel], int] = field(default_factory=dict)

    def number(self, model: type[BaseModel], source_id: Any = None) -> str:
        """The next id of a problem, goal or objective; an objective's source id is remembered for ``for``."""
        self.counts[model] = self.counts.get(model, 0) + 1
        new = f"{_NUMBERED[model]}{self.counts[model]}"
        if model is Objective and isinstance(source_id, str):
            self.objectives.setdefault(source_id, new)
        return new

    def crisis_line(self, entry: Any) -> dict[str, str] | None:
        """A contact whose phone is one of the clinic's crisis lines, as the policy writes it; else None."""
        phone = entry.get("phone") if isinstance(entry, dict) else None
        if isinstance(phone, bool) or not isinstance(phone, str | int):
            return None
        line = self.crisis_lines.get(phone_digits(str(phone)))
        return None if line is None else _contact(line)


def _is_range(value: Any) -> bool:
    """``[lowest, highest]`` as the model takes it: two finite scores, in order."""
    if not (isinstance(value, list) and len(value) == 2):
        return False
    scores = all(isinstance(bound, int | float) and not isinstance(bound, bool) and math.isfinite(bound)
                 and abs(bound) <= MAX_SCORE for bound in value)
    return scores and value[0] < value[1]


# What a plan made --from another keeps as it is, when it has this shape: values from txplan's or the clinic's
# own tables, numbers and choices, never the other client's words.
_KEPT: dict[tuple[type[BaseModel], str], Callable[[Any, _Shaping], bool]] = {
    (Goal, "interpersonal"): lambda value, _: isinstance(value, bool),
    (Item, "use"): lambda value, shaping: isinstance(value, str) and value in shaping.templates,
    (Feedback, "use"): lambda value, shaping: isinstance(value, str) and value in shaping.templates,
    (Measure, "instrument"): lambda value, _: isinstance(value, str) and known_instrument(value) is not None,
    (Measure, "range"): lambda value, _: _is_range(value),
    (Measure, "better"): lambda value, _: isinstance(value, str) and value in ("lower", "higher"),
}


@dataclass(frozen=True)
class NewPlan:
    path: str  # as diagnostics name it: plans/<id>.md
    placeholders: int


def new_plan(root: Path, plan_id: str, source: Path | None = None) -> NewPlan:
    """Write ``plans/<id>.md`` (the id in lower case, as the example clinic names its plans): a blank draft, or
    one in the shape of ``source``. Never overwrites a file (``FileExists``)."""
    if not _PLAN_ID.fullmatch(plan_id):
        raise BadPlanId(f"{plan_id!r} is not a chart number: use letters, digits, `-` and `_` (such as C-0043)")
    policy, _ = load_policy(root)
    if source is None:
        text = blank_plan(plan_id, policy.crisis_lines)
    else:
        document, problems = load_document(source, str(source))
        if document is None:
            raise SourceUnreadable(_why_unreadable(problems))
        text = shaped_plan(plan_id, document.data, policy.crisis_lines, _library_params(root))
    relative = (PLANS / f"{plan_id.lower()}{PLAN_SUFFIX}").as_posix()
    try:
        create_new(root / relative, text, relative)
    except OSError as exc:
        raise WriteFailed(f"{relative}: {exc.strerror or type(exc).__name__}; nothing was written") from None
    written, _ = parse_document(text.encode(), relative)
    assert written is not None, "txplan writes plans it can read"
    return NewPlan(relative, len(placeholder_findings(written)[0]))


def _why_unreadable(problems: list[Diagnostic]) -> str:
    """What is wrong with a ``--from`` source, said at once: ``check`` refuses a file outside plans/ (and ignores
    one elsewhere in the clinic), so pointing there would lead nowhere. The first finding, as check writes it (a
    code, a place and a message that never holds a value), and how many more there are."""
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return f"--from {problems[0].format()}{more}; nothing was written"


def create_new(path: Path, content: str | bytes, shown: str) -> None:
    """Create ``path`` with ``content`` (text is written as UTF-8 with LF line ends), readable by its owner only
    (a plan will hold a client's details); refused with ``FileExists`` naming ``shown`` when anything is there
    already, checked by the system call itself, so no race can lose a file. A write that fails removes the file
    again, so a later run is not refused by half a file. A folder it makes for the file is private (0700), as
    init makes plans/: ``txplan new`` in a clinic without plans/ makes it."""
    path.parent.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
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
    data = _blank(Plan, _first_id)
    data["client"]["id"] = plan_id
    data["interventions"]["crisis"]["professional_contacts"] = _crisis_contacts(crisis_lines)
    return _document(data, NARRATIVE)


def shaped_plan(plan_id: str, source: Mapping[str, Any], crisis_lines: tuple[CrisisLine, ...],
                templates: Mapping[str, frozenset[str]]) -> str:
    """A draft plan for ``plan_id`` in the shape of ``source`` (another plan's front matter), without its data.
    ``templates``: the clinic's template ids, each with the parameter names it declares."""
    shaping = _Shaping({phone_digits(line.phone): line for line in crisis_lines}, templates)
    data = _shaped(Plan, {**source, "status": "draft"}, shaping)  # a status in its place, whatever the source has
    data["client"]["id"] = plan_id
    data["status"] = "draft"
    return _document(data, NARRATIVE)


def _library_params(root: Path) -> dict[str, frozenset[str]]:
    """The clinic's templates by id, each with its parameter names (none known for one that does not load)."""
    library = load_library(root)
    return {**{stem: frozenset() for stem in library.broken},
            **{template_id: frozenset(template.meta.params) for template_id, template in library.templates.items()}}


def _first_id(model: type[BaseModel]) -> str:
    return f"{_NUMBERED[model]}1"


def _blank(model: type[BaseModel], number: Callable[[type[BaseModel]], str]) -> dict[str, Any]:
    """Every key a blank plan writes for ``model``; ``number`` gives the ids of problems, goals and objectives."""
    blank: dict[str, Any] = {}
    for key, info in written_fields(model):
        value = _blank_value(model, key, info, number)
        if value is not _OMIT:
            blank[key] = value
    return blank


def _blank_value(model: type[BaseModel], key: str, info: FieldInfo,
                 number: Callable[[type[BaseModel]], str]) -> Any:
    """What a blank plan writes at ``key``, or ``_OMIT`` for an optional key it leaves out."""
    if key == "id" and model in _NUMBERED:
        return number(model)
    if (model, key) in _FILLED:
        return _FILLED[model, key]
    if not (info.is_required() or (model, key) in _OFFERED):
        return _OMIT
    inner = field_model(info)
    if inner is None:
        return [_ask(model, key, info)] if get_origin(info.annotation) is list else _ask(model, key, info)
    return [_blank(inner, number)] if _is_list(info) else _blank(inner, number)


def _shaped(model: type[BaseModel], source: Mapping[Any, Any], shaping: _Shaping) -> dict[str, Any]:
    """``source``'s keys that the format knows, in the model's order (problems are numbered before the items
    that name their objectives), each shaped; a required key the source lacks is written as a blank plan has it,
    and a problem, goal or objective always gets its new id. A mapping with no key the format knows here is no
    shape to follow: it gives a blank entry."""
    fields = written_fields(model)
    if not any(key in source for key, _ in fields):
        return _blank(model, shaping.number)
    shaped: dict[str, Any] = {}
    for key, info in fields:
        value: Any
        if key == "id" and model in _NUMBERED:
            value = shaping.number(model, source.get(key))
        elif (model, key) in _DROPPED:  # closure and scores: the other client's history
            continue
        elif key in source:
            value = _shaped_value(model, key, info, source, shaping)
        else:
            value = _blank_value(model, key, info, shaping.number) if info.is_required() else _OMIT
        if value is not _OMIT:
            shaped[key] = value
    return shaped


def _shaped_value(model: type[BaseModel], key: str, info: FieldInfo, source: Mapping[Any, Any],
                  shaping: _Shaping) -> Any:
    """The value at ``key``: kept when ``_KEPT`` allows it, else shaped by what the field holds; a value of the
    wrong shape becomes what a blank plan has there."""
    value = source[key]
    keep = _KEPT.get((model, key))
    if keep is not None and keep(value, shaping):
        return value
    if (model, key) == (Item, "for"):
        return _served(value, shaping) or [_ask(model, key, info)]
    if key == "with":
        return _parameters(source.get("use"), value, shaping)
    inner = field_model(info)
    if inner is None:
        return _placeholders(model, key, info, value)
    if isinstance(value, list) and _is_list(info):
        return [_entry(inner, entry, shaping) for entry in value]
    if isinstance(value, dict) and not _is_list(info):
        return _shaped(inner, value, shaping)
    return _blank_value(model, key, info, shaping.number)


def _entry(model: type[BaseModel], entry: Any, shaping: _Shaping) -> dict[str, Any]:
    """One entry of a list of mappings: a clinic crisis line as the policy has it, or the entry shaped, or a blank
    one in place of an entry that is not a mapping."""
    line = shaping.crisis_line(entry) if model is Contact else None
    if line is not None:
        return line
    return _shaped(model, entry if isinstance(entry, dict) else {}, shaping)


def _served(value: Any, shaping: _Shaping) -> list[str]:
    """An item's ``for`` in the new ids, each once; references to no objective of the source are left out."""
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(shaping.objectives[ref] for ref in value
                              if isinstance(ref, str) and ref in shaping.objectives))


def _parameters(use: Any, value: Any, shaping: _Shaping) -> Any:
    """``with``: a placeholder for each parameter the template declares; ``_OMIT`` when none is left."""
    declared = shaping.templates.get(use, frozenset()) if isinstance(use, str) else frozenset()
    if not isinstance(value, dict):
        return _OMIT
    kept = {name: placeholder(name) for name in value if isinstance(name, str) and name in declared}
    return kept or _OMIT


def _placeholders(model: type[BaseModel], key: str, info: FieldInfo, value: Any) -> Any:
    """A value that is not kept: one placeholder, or one for each entry of a list where the field takes a list."""
    ask = _ask(model, key, info)
    if isinstance(value, list) and _takes_list(info.annotation):
        return [ask for _ in value]
    return [ask] if get_origin(info.annotation) is list else ask


def _ask(model: type[BaseModel], key: str, info: FieldInfo) -> str:
    """The placeholder of a value: the choices of a fixed set, the shape of a date or number, or what to write."""
    choices = ["true", "false"] if info.annotation is bool else _choices(info.annotation)
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


def _takes_list(annotation: Any) -> bool:
    """Whether an annotation accepts a list anywhere (``format``: one format, or a list of them)."""
    return get_origin(annotation) is list or any(_takes_list(arg) for arg in get_args(annotation))


def _crisis_contacts(lines: tuple[CrisisLine, ...]) -> list[dict[str, str]]:
    return [_contact(line) for line in lines]


def _contact(line: CrisisLine) -> dict[str, str]:
    return {"name": line.name, "phone": line.phone}


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

