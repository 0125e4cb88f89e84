"""Load a Markdown file's YAML front matter as plain data, with positions.

ruamel.yaml parses the front matter (its libyaml-based parser when
ruamel.yaml.clib is installed, its pure-Python one otherwise) and this module
builds plain dicts, lists and scalars from the parser's events, recording the
line and column of every key, value and list item. Building from events rather
than from ruamel's round-trip objects is what keeps ``check`` fast (about 8x
for a typical plan) while keeping exact positions, and it lets anchors,
aliases and explicit tags be refused before anything is expanded.

Dates stay strings here; the model parses them, so that ``2026-02-30`` is
reported at its own position like any other invalid value.

Hostile or broken input is refused with a diagnostic, never an exception:
files above ``MAX_FILE_BYTES`` (read with a bound, so a device or a growing
file cannot stall a run), anything but a regular file, bytes that are not
UTF-8, control characters (raw, or made by a double-quoted value's escapes),
nesting deeper than ``MAX_DEPTH``, anchors, aliases and tags (the first
``MAX_REFUSALS`` of them are listed, not every one of a bomb's thousands).
Messages name keys and tokens, never values; a YAML syntax error is described
in txplan's words, since the parser's own text quotes what it found.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from ruamel.yaml.nodes import ScalarNode

from .diagnostics import Diagnostic, make

__all__ = [
    "ISOLATES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_REFUSALS",
    "Document",
    "KeyPath",
    "Pos",
    "Positions",
    "WrittenFloat",
    "WrittenInt",
    "forbidden_character",
    "is_field_name",
    "load_document",
    "offset_position",
    "parse_document",
    "read_bounded",
    "shown_key",
]

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_REFUSALS = 20

Pos = tuple[int, int]
KeyPath = tuple[str | int, ...]

# C0 controls except tab and line breaks, DEL, C1 controls (NEL included), the two
# non-characters YAML refuses, and lone surrogates (never in decoded UTF-8, but a template
# can make one). None of them can be stored in a DOCX (XML) or written as UTF-8 JSON, or means
# anything in a plan. They are refused anywhere in a file.
_ANYWHERE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# The bidirectional embeddings and overrides (U+202A-202E) make text display in an order other
# than the one it is stored in. In a value they run past it and reverse the chart's own words
# around it (a client's name turned the chart's subtitle and footer around), so they are refused
# wherever a value comes from: the front matter, a policy value, a template's rendered text. In
# the narrative Markdown each paragraph, heading or cell is its own bidirectional paragraph, so
# an override there reorders only the clinician's own sentence; it is allowed. The isolates
# (U+2066-2069) exist to keep a name's direction from spilling into the text around it, and
# names copied from messaging apps carry them: they are allowed in values when each one opened
# is closed (U+2069) on its line; an unclosed one would take the rest of the line with it. The
# marks (U+200E/F) are allowed everywhere.
_BIDI_FORCING = "\u202a-\u202e"
_IN_FILE = re.compile(f"[{_ANYWHERE}]")
_CONTROL = re.compile(f"[{_ANYWHERE}{_BIDI_FORCING}]")
ISOLATES = re.compile("[\u2066-\u2069]")
_CLOSE_ISOLATE = "\u2069"
# Line and paragraph separators (U+2028/9) are refused only in the front matter, where YAML
# would count them as line breaks and shift positions.
_SEPARATOR = re.compile("[\u2028\u2029]")
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,39}$")  # every key of the format looks like this
_YAML = YAML(typ="safe")
_RESOLVER = _YAML.resolver
_CONSTRUCTOR = _YAML.constructor
_CONSTRUCT = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
}


@dataclass
class Positions:
    """Where each key and value of the front matter sits in the file (1-based)."""

    keys: dict[KeyPath, Pos] = field(default_factory=dict)
    values: dict[KeyPath, Pos] = field(default_factory=dict)
    start: Pos = (1, 1)

    def of_value(self, path: KeyPath) -> Pos:
        """The value at ``path``, or the key of its nearest existing ancestor.

        Pointing at the ancestor's key is what an editor user expects for a
        missing field: the ``client:`` line when ``client.name`` is absent.
        """
        if path in self.values:
            return self.values[path]
        return self._nearest_ancestor(path)

    def of_key(self, path: KeyPath) -> Pos:
        if path in self.keys:
            return self.keys[path]
        return self.of_value(path)

    def _nearest_ancestor(self, path: KeyPath) -> Pos:
        for cut in range(len(path) - 1, 0, -1):
            prefix = path[:cut]
            if prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return self.start


@dataclass
class Document:
    """A parsed file: front-matter data with positions, and the Markdown body."""

    path: str
    data: dict[str, Any]
    positions: Positions
    body: str
    body_line: int
    text: str = ""  # the whole decoded file, line breaks normalised to "\n"


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _RefusedMany(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics


def is_field_name(key: str) -> bool:
    """Whether a key looks like a key of the format: lowercase letters, digits, `_` and `-`."""
    return bool(_FIELD_NAME.match(key))


def forbidden_character(text: str) -> re.Match[str] | None:
    """The first character that no value of a plan, template or policy, nor rendered text, may hold (TX011), if
    any: a control character, an embedding or override, or an isolate not closed on its line."""
    return _CONTROL.search(text) or _unclosed_isolate(text)


def _unclosed_isolate(text: str) -> re.Match[str] | None:
    """The first isolate that is not paired on its line: an opening one (U+2066-2068) left open at the line's end,
    or a closing one (U+2069) with nothing open."""
    opened: list[re.Match[str]] = []
    line_end = -1
    for found in ISOLATES.finditer(text):
        if found.start() > line_end:  # a new line: whatever the last one left open is unclosed
            if opened:
                return opened[0]
            newline = text.find("\n", found.start())
            line_end = len(text) if newline < 0 else newline
        if found.group() != _CLOSE_ISOLATE:
            opened.append(found)
        elif opened:
            opened.pop()
        else:
            return found
    return opened[0] if opened else None


def shown_key(key: str) -> str:
    """A key as a message may show it: field-name-like keys verbatim, anything else withheld.

    A key with capitals, spaces or punctuation is usually a value typed in the
    wrong place (``Jordan Rivera: ...``, ``Maya: 555-0142``), and values are
    never echoed.
    """
    return f"`{key}`" if is_field_name(key) else "(not shown: it is not a field name)"


def _too_large(display: str, size: int) -> Diagnostic:
    return make(display, (1, 1), "TX002", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")


def load_document(path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one file; on failure return the diagnostics instead."""
    raw, refused = read_bounded(path, display)
    if raw is None:
        return None, refused
    return parse_document(raw, display)


def read_bounded(path: Path, display: str) -> tuple[bytes | None, list[Diagnostic]]:
    """A file's bytes, only if it is a regular file within the size limit: a FIFO or a link to
    /dev/zero must not block or exhaust whatever reads it (the checker, or the build hashing inputs)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, [make(display, (1, 1), "TX001", "not a regular file")]
        if info.st_size > MAX_FILE_BYTES:
            return None, [_too_large(display, info.st_size)]
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [make(display, (1, 1), "TX001", f"cannot read file: {exc.strerror or 'error'}")]
    if len(raw) > MAX_FILE_BYTES:  # grew after stat
        return None, [_too_large(display, len(raw))]
    return raw, []


def parse_document(raw: bytes, display: str) -> tuple[Document | None, list[Diagnostic]]:
    if len(raw) > MAX_FILE_BYTES:
        return None, [_too_large(display, len(raw))]
    try:
        text = _decode(raw, display)
        front, body, body_line = _split(text, display)
        data, positions = _build(front, display)
    except _Refused as refused:
        return None, [refused.diagnostic]
    except _RefusedMany as refused:
        return None, refused.diagnostics
    return Document(display, data, positions, body, body_line, text), []


def _decode(raw: bytes, display: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _Refused(make(display, (line, col), "TX001",
                            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8")) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _IN_FILE.search(text)
    if bad:
        raise _Refused(make(display, offset_position(text, bad.start()), "TX011",
                            f"control character U+{ord(bad.group()):04X} is not allowed"))
    return text


def offset_position(text: str, offset: int) -> Pos:
    """The 1-based line and column of a character offset into ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _split(text: str, display: str) -> tuple[str, str, int]:
    if not text.strip():
        raise _Refused(make(display, (1, 1), "TX003", "file is empty"))
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != "---":
        raise _Refused(make(display, (1, 1), "TX003",
                            "the first line must be `---`, opening the front matter"))
    closing = re.search(r"^---[ \t]*$", text[first_end + 1:], re.MULTILINE) if first_end >= 0 else None
    if closing is None:
        raise _Refused(make(display, (1, 1), "TX004",
                            "no closing `---` line after the front matter opened here"))
    start = first_end + 1
    front = text[start:start + closing.start()]
    separator = _SEPARATOR.search(front)
    if separator:
        raise _Refused(make(display, offset_position(text, start + separator.start()), "TX011",
                            f"line separator U+{ord(separator.group()):04X} is not allowed in the front matter"))
    override = forbidden_character(front)
    if override:
        raise _Refused(make(display, offset_position(text, start + override.start()), "TX011",
                            f"control character U+{ord(override.group()):04X} is not allowed in the front matter"))
    rest = text[start + closing.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    body_line = text.count("\n", 0, start + closing.end()) + 2
    return front, body, body_line


def _events(front: str, display: str) -> Iterator[Event]:
    last: Event | None = None
    try:
        for last in _YAML.parse(front):
            yield last
    except MarkedYAMLError as exc:
        raise _Refused(_runaway_quote(last, exc, display) or _syntax_error(exc, front.split("\n"), display)) from None
    except YAMLError as exc:
        offset = getattr(exc, "position", None)
        pos = offset_position(front, offset) if isinstance(offset, int) else (0, 1)
        raise _Refused(make(display, (pos[0] + 1, pos[1]), "TX005", "the front matter is not valid YAML")) from None
    except (ValueError, RecursionError, MemoryError):
        raise _Refused(make(display, (1, 1), "TX005", "the front matter is not valid YAML")) from None


@dataclass(frozen=True)
class _Problem:
    """A YAML syntax error as txplan describes it: found by words of the parser's problem text (libyaml's or
    ruamel's own parser's) and, when given, of its context text; ``at_start`` places it where the parser began
    what failed (the opening quote of a value never closed, the line with no `: `) rather than where it gave up."""

    problem: str
    hint: str
    context: str = ""
    at_start: bool = False


_UNCLOSED_QUOTE = "a quoted value is not closed; the quote opens here"
_INDENT = "a line indented differently from the keys around it; the keys of one mapping start in the same column"
_NO_DASH = "a list entry without `- `, or a line that does not line up with the entries of the list above it"
# First match wins. The parser's own text is never shown: ruamel quotes the character it found, and whatever a
# parser quotes may be part of a value.
_YAML_PROBLEMS: tuple[_Problem, ...] = (
    _Problem("could not find expected ':'", "a list entry without `- `, or a line that is not `key: value`; "
             "a list entry starts with `- `", "simple key", at_start=True),
    _Problem("found unexpected end of stream", _UNCLOSED_QUOTE, "quoted scalar", at_start=True),
    _Problem("found unexpected document", "a quoted value is not closed before the `---` line; the quote opens here",
             "quoted scalar", at_start=True),
    _Problem("did not find expected '-' indicator", _NO_DASH),
    _Problem("expected <block end>", _NO_DASH, "block collection"),
    _Problem("did not find expected key", _INDENT),
    _Problem("expected <block end>", _INDENT),
    _Problem("sequence entries are not allowed", "a `- ` list entry where a value was expected"),
    _Problem("mapping keys are not allowed", "a `? ` complex key, which plans do not use"),
    _Problem("found unexpected end of stream", "a quoted value is not closed"),
    _Problem("found unexpected document", "a quoted value is not closed before the `---` line"),
    _Problem("that cannot start any token", "a value starts with a character YAML reserves (`@`, `` ` ``, `%`); "
             "quote the value"),
    _Problem("unknown escape character", "an unknown escape in a double-quoted value; write `\\\\` for a backslash"),
    _Problem("escape sequence", "an incomplete `\\x`, `\\u` or `\\U` escape in a double-quoted value"),
    _Problem("hexdecimal number", "an incomplete `\\x`, `\\u` or `\\U` escape in a double-quoted value"),
    _Problem("invalid unicode character escape", "an escape that names no character"),
    _Problem("expected ',' or ']'", "a `[` list that is not closed"),
    _Problem("expected ',' or '}'", "a `{` mapping that is not closed"),
    _Problem("expected the node content", "a value is missing"),
    _Problem("expected node content", "a value is missing"),
    _Problem("alphabetic or numeric character", "an anchor, alias or tag without a name"),
    _Problem("comment or line break", "text after a closed value on the same line"),
    _Problem("chomping or indentation indicators", "`|` or `>` followed by something other than `-`, `+` or a digit"),
    _Problem("indentation indicator", "`|` or `>` with an indentation of 0"),
    _Problem("tab character", "a tab character where YAML expects spaces"),
    _Problem("directive", "a YAML directive (`%YAML`, `%TAG`); plans do not use them"),
    _Problem("yaml document", "a YAML directive (`%YAML`, `%TAG`); plans do not use them"),
    _Problem("document start", "a `...` or `%` line inside the front matter, which is one YAML document"),
    _Problem("expected '>'", "a `!<...>` tag that is not closed"),
)
_COLON_IN_VALUE = "`: ` inside a value; put the value in quotes (`name: \"Follow-up: weekly\"`)"
_COLON_AFTER_INDENT = ("a key indented more than the key above it, so YAML reads it as more of that key's value; "
                       "the keys of one mapping start in the same column")


def _runaway_quote(last: Event | None, exc: MarkedYAMLError, display: str) -> Diagnostic | None:
    """A quote left open on its line is closed by the next quote YAML finds, often many lines down (`"walks,`), and
    the error comes after it: when the value just read is quoted and runs over lines, the open quote is the cause."""
    if not (isinstance(last, ScalarEvent) and last.style in ("'", '"') and exc.problem_mark is not None):
        return None
    start, end = last.start_mark, last.end_mark
    if end.line == start.line or exc.problem_mark.line < end.line:
        return None
    return make(display, (start.line + 2, start.column + 1), "TX005",
                f"{_UNCLOSED_QUOTE} (YAML read on to line {end.line + 2} looking for its end)")


def _syntax_error(exc: MarkedYAMLError, lines: list[str], display: str) -> Diagnostic:
    """The error at the place of its usual cause, with a hint in plain words (see ``_YAML_PROBLEMS``)."""
    problem, context = (exc.problem or "").lower(), (exc.context or "").lower()
    found = next((p for p in _YAML_PROBLEMS if p.problem in problem and p.context in context), None)
    mark = exc.context_mark if found is not None and found.at_start and exc.context_mark else exc.problem_mark
    mark = mark or exc.context_mark
    if mark is None:
        return make(display, (1, 1), "TX005", found.hint if found else "the front matter is not valid YAML")
    pos = (mark.line + 2, mark.column + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    if line[mark.column:mark.column + 1] == "\t":
        return make(display, pos, "TX009", "tab character; indent YAML with spaces")
    if "mapping values are not allowed" in problem:
        return make(display, pos, "TX005", _colon_cause(line, mark.column))
    return make(display, pos, "TX005", found.hint if found else "the front matter is not valid YAML")


def _colon_cause(line: str, column: int) -> str:
    """A `: ` YAML did not expect: after another `: ` on its line it sits inside a value (`name: Jordan: R`); as the
    line's first `: ` it ends a key that is indented too far and so continues the value above it."""
    return _COLON_IN_VALUE if ": " in line[:column] or line[:column].rstrip().endswith(":") else _COLON_AFTER_INDENT


# ruamel's resolver keys its implicit types by first character; text starting with any
# other character is a string, which spares the resolver for most values.
_TYPED_FIRST_CHARS = frozenset(k for k in _RESOLVER.versioned_resolver if k)


def _scalar(event: ScalarEvent) -> Any:
    if event.style or (event.value and event.value[0] not in _TYPED_FIRST_CHARS):
        return event.value  # quoted, block or plainly textual
    tag = str(_RESOLVER.resolve(ScalarNode, event.value, (True, False)))
    construct = _CONSTRUCT.get(tag)
    if construct is None:
        return event.value
    try:
        value = construct(ScalarNode(tag, event.value, event.start_mark, event.end_mark))
    except (ValueError, OverflowError):  # e.g. an integer of more than 4,300 digits: keep it as text
        return event.value
    kind = _WRITTEN.get(type(value))
    if kind is None or str(value) == event.value:
        return value
    number = kind(value)
    number.written = event.value
    return number


class WrittenInt(int):
    """An integer YAML read from text that says more than the number: ``07700900123``, ``+442079460000``.

    A phone number written bare is such an integer; the field that holds phones reads ``written`` back, so the
    leading zero or plus the clinician typed is what the chart prints. Everywhere else it is the number.
    """

    written: str


class WrittenFloat(float):
    """A decimal YAML read from text that says more than the number: the phone ``555.0140`` (555.014)."""

    written: str


_WRITTEN: dict[type, type[WrittenInt] | type[WrittenFloat]] = {int: WrittenInt, float: WrittenFloat}


class _Frame:
    __slots__ = ("container", "key", "path")

    def __init__(self, container: dict[str, Any] | list[Any], path: KeyPath) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None


def _token(text: object) -> str:
    """An anchor or tag name as a message shows it: short form, cut at 60 characters."""
    shown = str(text)
    if shown.startswith("tag:yaml.org,2002:"):
        shown = "!!" + shown[len("tag:yaml.org,2002:"):]
    return shown if len(shown) <= 60 else shown[:57] + "..."


class _Builder:
    """Builds plain data from parser events, recording positions and refusals."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.positions = Positions()
        self.refusals: list[Diagnostic] = []
        self.stack: list[_Frame] = []
        self.root: Any = None

    @staticmethod
    def pos(event: Event) -> Pos:
        return event.start_mark.line + 2, event.start_mark.column + 1

    def fail(self, event: Event, code: str, message: str) -> _Refused:
        return _Refused(make(self.display, self.pos(event), code, message))

    def refuse(self, event: Event, code: str, message: str) -> None:
        """Record a refusal and go on, so every one is reported (up to MAX_REFUSALS)."""
        if len(self.refusals) < MAX_REFUSALS:
            self.refusals.append(make(self.display, self.pos(event), code, message))
        elif len(self.refusals) == MAX_REFUSALS:
            self.refusals.append(make(self.display, self.pos(event), code,
                                      f"more anchors, aliases or tags follow; only the first {MAX_REFUSALS} are listed"))

    def check_escapes(self, event: ScalarEvent) -> None:
        """A double-quoted scalar's escapes (``"\\0"``, ``"\\x1b"``, ``"\\uFFFE"``) can make the characters the
        raw text may not hold; the value YAML built is held to the same rule (TX011, at the value)."""
        bad = forbidden_character(event.value) if event.style == '"' else None
        if bad is not None:
            raise self.fail(event, "TX011", f"control character U+{ord(bad.group()):04X} (written as an escape) is not allowed")

    def expecting_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].container, dict) and self.stack[-1].key is None

    def place(self, value: Any, event: Event) -> KeyPath | None:
        """Put a value in the open container; return its path, or None for a mapping key."""
        if not self.stack:
            self.root = value
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            path: KeyPath = (*frame.path, len(frame.container))
            frame.container.append(value)
            self.positions.values[path] = self.pos(event)
            return path
        if frame.key is None:
            if not isinstance(value, str | int | float | bool) or value is None:
                raise self.fail(event, "TX005", "keys must be plain words")
            key = str(value)
            path = (*frame.path, key)
            if key in frame.container:
                raise self.fail(event, "TX006",
                                f"duplicate key {shown_key(key)} (first at line {self.positions.keys[path][0]})")
            self.positions.keys[path] = self.pos(event)
            frame.key = key
            return None
        path = (*frame.path, frame.key)
        frame.container[frame.key] = value
        self.positions.values[path] = self.pos(event)
        frame.key = None
        return path

    def feed(self, event: Event) -> None:
        if isinstance(event, AliasEvent):
            self.refuse(event, "TX007", f"alias `*{_token(event.anchor)}` is not allowed")
            if self.expecting_key():
                raise self.fail(event, "TX005", "keys must be plain words")
            self.place(None, event)
            return
        if isinstance(event, NodeEvent) and event.anchor is not None:
            self.refuse(event, "TX007", f"anchor `&{_token(event.anchor)}` is not allowed")
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag is not None:
            self.refuse(event, "TX008", f"tag `{_token(event.tag)}` is not allowed")
        if isinstance(event, ScalarEvent):
            self.check_escapes(event)
            self.place(_scalar(event), event)
        elif isinstance(event, CollectionStartEvent):
            if self.expecting_key():
                raise self.fail(event, "TX005", "keys must be plain words")
            if len(self.stack) >= MAX_DEPTH:
                raise self.fail(event, "TX012", f"nesting deeper than {MAX_DEPTH} levels")
            container: dict[str, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
            path = self.place(container, event)
            self.stack.append(_Frame(container, path or ()))
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            self.stack.pop()


def _build(front: str, display: str) -> tuple[dict[str, Any], Positions]:
    builder = _Builder(display)
    try:
        for event in _events(front, display):
            builder.feed(event)
    except _Refused as refused:
        raise _RefusedMany([*builder.refusals, refused.diagnostic]) from None
    if builder.refusals:
        raise _RefusedMany(builder.refusals)
    root = builder.root
    if root is None:
        raise _Refused(make(display, (1, 1), "TX010", "the front matter is empty"))
    if not isinstance(root, dict):
        raise _Refused(make(display, (2, 1), "TX010", "the front matter must be `key: value` pairs"))
    return root, builder.positions
