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
"""

from __future__ import annotations

import re
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

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32

Pos = tuple[int, int]
KeyPath = tuple[str | int, ...]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _RefusedMany(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics


def load_document(path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one file; on failure return the diagnostics instead."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [make(display, (1, 1), "TX002",
                               f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [make(display, (1, 1), "TX001", f"cannot read file: {exc.strerror}")]
    return parse_document(raw, display)


def parse_document(raw: bytes, display: str) -> tuple[Document | None, list[Diagnostic]]:
    try:
        text = _decode(raw, display)
        front, body, body_line = _split(text, display)
        data, positions = _build(front, display)
    except _Refused as refused:
        return None, [refused.diagnostic]
    except _RefusedMany as refused:
        return None, refused.diagnostics
    return Document(display, data, positions, body, body_line), []


def _decode(raw: bytes, display: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _Refused(make(display, (line, col), "TX001",
                            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8")) from None
    text = text.replace("\r\n", "\n")
    bad = _CONTROL.search(text)
    if bad:
        raise _Refused(make(display, _offset_pos(text, bad.start()), "TX011",
                            f"control character U+{ord(bad.group()):04X} is not allowed"))
    return text


def _offset_pos(text: str, offset: int) -> Pos:
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
    rest = text[start + closing.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    body_line = text.count("\n", 0, start + closing.end()) + 2
    return front, body, body_line


def _events(front: str, display: str) -> Iterator[Event]:
    try:
        yield from _YAML.parse(front)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 2, mark.column + 1) if mark else (1, 1)
        lines = front.split("\n")
        if mark and mark.line < len(lines) and lines[mark.line][mark.column:mark.column + 1] == "\t":
            raise _Refused(make(display, pos, "TX009", "tab character; indent YAML with spaces")) from None
        problem = (exc.problem or "invalid YAML").strip()
        raise _Refused(make(display, pos, "TX005", problem)) from None
    except YAMLError as exc:
        raise _Refused(make(display, (1, 1), "TX005", str(exc).splitlines()[0])) from None


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
    return construct(ScalarNode(tag, event.value, event.start_mark, event.end_mark))


class _Frame:
    __slots__ = ("container", "key", "path")

    def __init__(self, container: dict[str, Any] | list[Any], path: KeyPath) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None


def _build(front: str, display: str) -> tuple[dict[str, Any], Positions]:
    positions = Positions()
    refusals: list[Diagnostic] = []
    stack: list[_Frame] = []
    root: Any = None

    def pos(event: Event) -> Pos:
        return event.start_mark.line + 2, event.start_mark.column + 1

    def place(value: Any, event: Event) -> KeyPath | None:
        """Put a value in the open container; return its path, or None for a mapping key."""
        nonlocal root
        if not stack:
            root = value
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
            positions.values[path] = pos(event)
            return path
        if frame.key is None:
            if not isinstance(value, str | int | float | bool) or value is None:
                raise _Refused(make(display, pos(event), "TX005", "keys must be plain words"))
            key = str(value)
            path = (*frame.path, key)
            if key in frame.container:
                raise _Refused(make(display, pos(event), "TX006",
                                    f"duplicate key `{key}` (first at line {positions.keys[path][0]})"))
            positions.keys[path] = pos(event)
            frame.key = key
            return None
        path = (*frame.path, frame.key)
        frame.container[frame.key] = value
        positions.values[path] = pos(event)
        frame.key = None
        return path

    for event in _events(front, display):
        if isinstance(event, AliasEvent):
            refusals.append(make(display, pos(event), "TX007", f"alias `*{event.anchor}` is not allowed"))
            place(None, event)
            continue
        if isinstance(event, NodeEvent) and event.anchor is not None:
            refusals.append(make(display, pos(event), "TX007", f"anchor `&{event.anchor}` is not allowed"))
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag is not None:
            refusals.append(make(display, pos(event), "TX008", f"tag `{event.tag}` is not allowed"))
        if isinstance(event, ScalarEvent):
            place(_scalar(event), event)
        elif isinstance(event, CollectionStartEvent):
            if stack and isinstance(stack[-1].container, dict) and stack[-1].key is None:
                raise _Refused(make(display, pos(event), "TX005", "keys must be plain words"))
            if len(stack) >= MAX_DEPTH:
                raise _Refused(make(display, pos(event), "TX012",
                                    f"nesting deeper than {MAX_DEPTH} levels"))
            container: dict[str, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
            path = place(container, event)
            stack.append(_Frame(container, path or ()))
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            stack.pop()
    if refusals:
        raise _RefusedMany(refusals)
    if root is None:
        raise _Refused(make(display, (1, 1), "TX010", "the front matter is empty"))
    if not isinstance(root, dict):
        raise _Refused(make(display, (2, 1), "TX010", "the front matter must be `key: value` pairs"))
    return root, positions
