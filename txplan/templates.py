"""The intervention template library: load, check and render templates.

Templates are written by many hands (clinical directors, contributors), so a
template body is untrusted code and runs in a hardened Jinja sandbox:

- ``ImmutableSandboxedEnvironment``: no ``_``-attributes, no internals, no
  mutation of lists or dicts; ``StrictUndefined`` makes unknown names errors.
- No globals: ``range``, ``cycler``, ``lipsum``, ``joiner``, ``namespace`` and
  ``dict`` are undeclared names (TX403); no loader, and ``include``, ``import``
  and ``extends`` are refused before rendering (TX405).
- Every render has a budget (``_Budget``): wall time, steps (loop iterations,
  calls, filters, operators) and characters produced anywhere, buffers
  included. The compiled tree is instrumented for it: each ``for`` iterates
  through a counting filter, each output and each ``~`` is measured.
- No single operation may build a value above ``MAX_OUTPUT_CHARS`` characters
  (or an integer above ``MAX_INT_BITS`` bits): ``*``, ``**``, ``%``, ``+``, every
  filter and every call is checked before (for the known expanders: join,
  replace, indent, wordwrap, format, ...) and after it runs. Methods of
  built-in types are limited to a list of harmless ones.

Parameter values are passed as data and never parsed as templates, so a value
containing ``{{ }}`` is printed as written. A render failure is reported by its
kind and the line of the body, never with an exception's text (which quotes the
values), and output no chart can hold (a lone surrogate, NUL) is a failure too.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import inspect
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .diagnostics import Diagnostic, did_you_mean, make
from .elements import TEMPLATE_ELEMENTS
from .errors import TxplanError
from .frontmatter import Document, forbidden_character, parse_document, read_bounded
from .layout import INTERVENTIONS
from .model import MAX_ENTRIES, Strict, Text
from .validation import validation_diagnostics

__all__ = [
    "CONTEXT_NAMES",
    "ENVIRONMENT",
    "FORBIDDEN_NAMES",
    "MAX_INT_BITS",
    "MAX_OUTPUT_CHARS",
    "MAX_POWER",
    "MAX_RENDER_SECONDS",
    "MAX_STEPS",
    "MAX_WORK_CHARS",
    "Library",
    "Param",
    "ParamValue",
    "Piece",
    "RenderError",
    "Template",
    "TemplateMeta",
    "compile_body",
    "example_context",
    "load_library",
    "load_template",
]

CONTEXT_NAMES = frozenset({"client", "clinician"})
FORBIDDEN_NAMES = frozenset({"self"})  # Jinja's own reference to the template object
MAX_OUTPUT_CHARS = 100_000
MAX_WORK_CHARS = 10 * MAX_OUTPUT_CHARS  # characters produced anywhere in one render, buffers included
MAX_RENDER_SECONDS = 2.0
MAX_STEPS = 1_000_000  # loop iterations, calls, filters and operators in one render
MAX_INT_BITS = 4096
MAX_POWER = 64
ParamValue = str | int | float | bool


class Param(Strict):
    description: Text
    default: ParamValue | None = None
    required: bool = False

    @model_validator(mode="after")
    def _required_or_default(self) -> Param:
        if self.required and self.default is not None:
            raise PydanticCustomError("TX404", "a parameter is either `required` or has a `default`")
        return self


class TemplateMeta(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: Text
    element: str = Field(json_schema_extra={"enum": list(TEMPLATE_ELEMENTS)})
    modalities: list[Text] = Field(min_length=1, max_length=MAX_ENTRIES)
    tags: list[Text] = Field([], max_length=MAX_ENTRIES)
    summary: Text
    params: dict[str, Param] = Field({}, max_length=MAX_ENTRIES)
    references: list[Text] = Field([], max_length=MAX_ENTRIES)

    @field_validator("element")
    @classmethod
    def _known_element(cls, value: str) -> str:
        if value not in TEMPLATE_ELEMENTS:
            raise PydanticCustomError("TX105", "element must be one of {allowed}{hint}",
                                      {"allowed": ", ".join(TEMPLATE_ELEMENTS), "hint": did_you_mean(value, TEMPLATE_ELEMENTS)})
        return value


class RenderError(TxplanError):
    """A template failed to render. ``reason`` is written by txplan from what it knows (the kind of failure,
    a limit), never taken from an exception's text, which quotes the values a template was given; ``line``
    is the line of the template body (1-based) where it failed, when known. ``str()`` gives both.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return self.reason if self.line is None else f"{self.reason} (line {self.line} of the template body)"


class _Refused(SecurityError):
    """An operation the budget or the size guards refuse. txplan writes these messages, from limits and
    method names, never from values, so they are shown as they are."""


# -- the render budget ---------------------------------------------------------


class _Budget:
    """Time, steps and characters one render may spend."""

    __slots__ = ("chars", "deadline", "steps")

    def __init__(self, seconds: float = MAX_RENDER_SECONDS) -> None:
        self.deadline = time.monotonic() + seconds
        self.steps = 0
        self.chars = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Refused(f"more than {MAX_STEPS:,} steps (loop iterations, calls, filters)")
        if time.monotonic() > self.deadline:
            raise _Refused(f"rendering took longer than {MAX_RENDER_SECONDS:g} s")

    def produce(self, count: int) -> None:
        self.chars += count
        if self.chars > MAX_WORK_CHARS:
            raise _Refused(f"produced more than {MAX_WORK_CHARS:,} characters")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("txplan_render_budget", default=None)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()


# -- sizes ---------------------------------------------------------------------

_CONTAINERS = (list, tuple, set, frozenset)


def _size(value: Any, limit: int = MAX_OUTPUT_CHARS) -> int:
    """Characters of text plus entries of containers, counted until ``limit`` is passed."""
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, _CONTAINERS):
            total += len(item)
            if total <= limit:
                pending.extend(item)
        elif isinstance(item, dict):
            total += len(item)
            if total <= limit:
                pending.extend(item.keys())
                pending.extend(item.values())
        else:
            total += 1
        if total > limit:
            break
    return total


def _check_value(value: Any) -> Any:
    """Refuse a value no template needs: text or data above the size limit, huge integers."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise _Refused(f"number larger than {MAX_INT_BITS} bits")
    elif isinstance(value, (str, dict, *_CONTAINERS)) and _size(value) > MAX_OUTPUT_CHARS:
        raise _Refused(f"value larger than {MAX_OUTPUT_CHARS:,} characters")
    return value


def _refuse_over(estimate: int, what: str) -> None:
    if estimate > MAX_OUTPUT_CHARS:
        raise _Refused(f"{what} would be longer than {MAX_OUTPUT_CHARS:,} characters")


def _width(value: Any) -> int:
    """A width-like argument, refused when it is a number too large to be meant."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if abs(value) > MAX_OUTPUT_CHARS:
            raise _Refused(f"width or count larger than {MAX_OUTPUT_CHARS:,}")
        return abs(value)
    if isinstance(value, float) and math.isfinite(value):
        return _width(int(value))
    return len(value) if isinstance(value, str) else 0


def _materialized(value: Any) -> Any:
    """An iterator (``map``, ``select``, ``batch``, ... return generators) as a list, so it can be
    measured and still be used; anything else as it is."""
    return _items(value) if isinstance(value, Iterator) else value


def _items(value: Any) -> list[Any]:
    """An iterable as a list (generators from filters are finite and already bounded)."""
    if isinstance(value, (str, dict, *_CONTAINERS)):
        return list(value)
    if isinstance(value, Iterable):
        items: list[Any] = []
        for item in value:
            items.append(item)
            if len(items) > MAX_OUTPUT_CHARS:
                raise _Refused(f"more than {MAX_OUTPUT_CHARS:,} items")
        return items
    return []


# One printf field, read as Python reads it: `%`, an optional `(key)`, flags, width, precision, length and
# the conversion. The format can be a plan's value, so the pattern is linear: every part is optional and
# possessive, so it matches at every `%` without ever backtracking, and each match resumes the scan where
# the last one ended (a required conversion letter once made `%` and 20,000 zeros take 15 s).
_PRINTF = re.compile(r"%(?:\(([^)]*+)\)?+)?+[-#0 +]*+(\*|\d++)?+(?:\.(\*|\d*+))?+[hlL]?+[a-zA-Z%]?+")


def _printf_estimate(fmt: str, args: Any) -> None:
    """``fmt % args``: refuse widths, precisions and repeated fields that would explode."""
    values = list(args.values()) if isinstance(args, dict) else list(args) if isinstance(args, tuple) else [args]
    largest = max((_size(v) for v in values), default=0)
    total = len(fmt)
    for match in _PRINTF.finditer(fmt):
        key, *numbers = match.groups()
        if key is not None and "(" in key:  # Python nests parentheses in keys; the pattern would misread them
            raise _Refused("a `%(...)` key holding `(` is not allowed")
        total += largest
        for number in numbers:
            if number == "*":
                for value in values:
                    _width(value)
                total += MAX_OUTPUT_CHARS // 10
            elif number:
                total += int(number) if len(number) <= 6 else MAX_OUTPUT_CHARS + 1
    _refuse_over(total, "formatted text")


def _format_estimate(fmt: str, args: Iterable[Any]) -> None:
    """``fmt.format(...)``: the same for ``{}`` fields; nested fields in a spec are refused."""
    largest = max((_size(v) for v in args), default=0)
    total = len(fmt)
    for _, name, spec, _ in Formatter().parse(fmt):
        if name is None:
            continue
        if spec and "{" in spec:
            raise _Refused("nested fields in a format spec are not allowed")
        total += largest
        for number in re.findall(r"\d+", spec or ""):
            total += int(number) if len(number) <= 6 else MAX_OUTPUT_CHARS + 1
    _refuse_over(total, "formatted text")


def _replace_estimate(text: Any, old: Any, new: Any, count: Any = None) -> None:
    text, old, new = str(text), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    _refuse_over(len(text) + hits * max(len(new) - len(old), 0), "replaced text")


def _join_estimate(items: list[Any], separator: Any) -> None:
    _refuse_over(_size(items) + len(str(separator)) * len(items), "joined text")


# -- filters -------------------------------------------------------------------

_WIDTH_ARGS: dict[str, tuple[str, ...]] = {
    "center": ("width",),
    "indent": ("width",),
    "wordwrap": ("width",),
    "truncate": ("length", "leeway"),
    "batch": ("linecount",),
    "slice": ("slices",),
    "tojson": ("indent",),
    "round": ("precision",),
    "urlize": ("trim_url_limit",),
}


def _filter_estimate(name: str, bound: inspect.BoundArguments) -> None:
    """Refuse, before running it, a filter call whose output would pass the size limit."""
    args = bound.arguments
    for width in _WIDTH_ARGS.get(name, ()):
        if args.get(width) is not None:
            _width(args[width])
    if name == "join":
        _join_estimate(_items(args.get("value")), args.get("d", ""))
    elif name == "replace":
        _replace_estimate(args.get("s"), args.get("old"), args.get("new"), args.get("count"))
    elif name == "indent":
        text = str(args.get("s", ""))
        _refuse_over(len(text) + (text.count("\n") + 1) * _width(args.get("width", 4)), "indented text")
    elif name == "wordwrap":
        text = str(args.get("s", ""))
        wrap = args.get("wrapstring") or "\n"
        _refuse_over(len(text) + (len(text) + 1) * len(str(wrap)), "wrapped text")
    elif name == "urlize":
        text = str(args.get("value", ""))
        extra = len(str(args.get("target") or "")) + len(str(args.get("rel") or "")) + 64
        _refuse_over(2 * len(text) + (len(text.split()) + 1) * extra, "linked text")
    elif name == "format":
        _printf_estimate(str(args.get("value", "")), tuple(args.get("args", ())) or dict(args.get("kwargs", {})))
    elif name == "sum" and not isinstance(args.get("start", 0), int | float):
        raise _Refused("`sum` adds numbers only")
    elif name == "tojson" and isinstance(args.get("indent"), int) and args["indent"] > 16:
        raise _Refused("`tojson` indent above 16")


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    try:
        signature: inspect.Signature | None = inspect.signature(func)
    except (TypeError, ValueError):
        signature = None

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        args = tuple(_materialized(value) for value in args)
        kwargs = {key: _materialized(value) for key, value in kwargs.items()}
        for value in (*args, *kwargs.values()):
            _check_value(value)
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                bound = None
            if bound is not None:
                _filter_estimate(name, bound)
        return _check_value(func(*args, **kwargs))

    return guarded


@pass_context
def _each(context: Context, iterable: Any) -> Iterator[Any]:
    """Wraps the iterable of every ``for``: one step per iteration."""
    for item in iterable:
        _tick()
        yield item


@pass_context
def _out(context: Context, value: Any) -> Any:
    """Wraps every output: counts the characters, wherever they end up (buffers included)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()
        budget.produce(len(str(value)))
    return value


@pass_context
def _concat(context: Context, parts: list[Any]) -> str:
    """``a ~ b ~ ...``, measured before it is built."""
    _tick()
    texts: list[str] = []
    total = 0
    for part in parts:
        text = str(part)
        total += len(text)
        _refuse_over(total, "joined text")
        texts.append(text)
    return "".join(texts)


_GUARDS = {"_txplan_each": _each, "_txplan_out": _out, "_txplan_concat": _concat}


class _Instrument(NodeTransformer):
    """Rewrites a parsed body so that loops, outputs and ``~`` go through the budget."""

    @staticmethod
    def _filter(node: nodes.Node, name: str) -> nodes.Filter:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)  # transforms the children in place
        node.iter = self._filter(node.iter, "_txplan_each")
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [self._filter(child, "_txplan_out") for child in node.nodes]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._filter(nodes.List(node.nodes, lineno=node.lineno), "_txplan_concat")


# -- the sandbox ---------------------------------------------------------------

_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "capitalize", "casefold", "center", "count", "endswith", "find", "format", "format_map", "index",
        "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
        "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace",
        "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper", "zfill",
    }),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}
_BUILTIN_OWNERS = (str, bytes, bytearray, int, float, complex, list, tuple, dict, set, frozenset)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with a budget, size limits and no globals."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
            if abs(right) > MAX_POWER:
                raise _Refused("exponent too large")
            if isinstance(left, int) and isinstance(right, int) and right > 0 \
                    and left.bit_length() * right > MAX_INT_BITS:
                raise _Refused(f"number larger than {MAX_INT_BITS} bits")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and not isinstance(count, bool):
                    _refuse_over(_size(seq) * max(count, 0), "repetition")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _Refused(f"number larger than {MAX_INT_BITS} bits")
        if operator == "%" and isinstance(left, str):
            _printf_estimate(left, right)
        return _check_value(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        args = tuple(_materialized(value) for value in args)
        kwargs = {key: _materialized(value) for key, value in kwargs.items()}
        for value in (*args, *kwargs.values()):
            _check_value(value)
        name = getattr(__obj, "__name__", "")
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, _BUILTIN_OWNERS):
            allowed = next((names for kind, names in _SAFE_METHODS.items() if isinstance(owner, kind)), frozenset())
            if name not in allowed:
                raise _Refused(f"method `{name}` is not available in templates")
            if isinstance(owner, str):
                _check_str_method(owner, name, args, kwargs)
        return _check_value(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)


def _check_str_method(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if name == "join" and args:
        _join_estimate(_items(args[0]), owner)
    elif name == "replace" and len(args) >= 2:
        _replace_estimate(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count"))
    elif name in ("center", "ljust", "rjust", "zfill") and args:
        _width(args[0])
    elif name == "format":
        _format_estimate(owner, [*args, *kwargs.values()])
    elif name == "format_map" and args and isinstance(args[0], dict):
        _format_estimate(owner, list(args[0].values()))


def _environment() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.globals.clear()
    env.filters = {name: _guard_filter(name, func) for name, func in env.filters.items()}
    env.filters.update(_GUARDS)
    return env


ENVIRONMENT = _environment()


def compile_body(body: str) -> jinja2.Template:
    """Parse, instrument and compile a template body."""
    tree = ENVIRONMENT.parse(body)
    tree = _Instrument().visit(tree)
    tree.set_environment(ENVIRONMENT)
    return ENVIRONMENT.from_string(tree)


Piece = str | tuple[str, ...]  # literal text, or the name (and attribute) a plain body prints


@dataclass
class Template:
    meta: TemplateMeta
    body: str
    body_line: int
    path: str
    pieces: tuple[Piece, ...] | None = None  # set by the checks when the body is plain substitution

    @property
    def id(self) -> str:
        return self.meta.id

    @cached_property
    def compiled(self) -> jinja2.Template:
        """The instrumented body. Render through ``render``, which sets the budget."""
        return compile_body(self.body)

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for worker processes: the compiled body is rebuilt on first use."""
        state = dict(self.__dict__)
        state.pop("compiled", None)
        return state

    def missing_params(self, given: Mapping[str, Any]) -> list[str]:
        return [n for n, p in self.meta.params.items() if p.required and n not in given]

    def unknown_params(self, given: Mapping[str, Any]) -> list[str]:
        return [n for n in given if n not in self.meta.params]

    def render(self, params: Mapping[str, Any], context: Mapping[str, Any]) -> str:
        """Render with defaults filled in; bounded in time, steps and size.

        Any failure is a ``RenderError`` that names the kind of failure, never the values given.
        """
        values: dict[str, Any] = {n: p.default for n, p in self.meta.params.items() if p.default is not None}
        values.update(params)
        text = _substitute(self.pieces, {**values, **context}) if self.pieces is not None else None
        return _writable(text if text is not None else self._render_compiled(values, context))

    def _render_compiled(self, values: dict[str, Any], context: Mapping[str, Any]) -> str:
        budget = _Budget()
        token = _BUDGET.set(budget)
        try:
            return _bounded("".join(_limited(self.compiled.generate({**values, **context}), budget)))
        except RenderError:
            raise
        except Exception as exc:  # any failure of an untrusted body is the template's, never a crash
            raise RenderError(_describe(exc), _failing_line(exc)) from None
        finally:
            _BUDGET.reset(token)


def _substitute(pieces: Iterable[Piece], values: Mapping[str, Any]) -> str | None:
    """A plain body filled in without Jinja, as Jinja would print it; ``None`` when a value is missing or not
    a scalar, so that the compiled body reports it.

    Most of a library is plain, and compiling each body costs milliseconds: a site of a thousand templates
    spent most of its overhead over a bare MkDocs build compiling bodies only to substitute names.
    """
    out: list[str] = []
    size = 0
    for piece in pieces:
        value: Any = piece
        if isinstance(piece, tuple):
            value = values.get(piece[0])
            for attribute in piece[1:]:
                value = value.get(attribute) if isinstance(value, dict) else None
            if not isinstance(value, _SCALARS):
                return None
        try:
            text = str(value)
        except ValueError:  # an int too long to print in decimal: the compiled body reports it
            return None
        size += len(text)
        if size > MAX_OUTPUT_CHARS:
            raise RenderError(f"output longer than {MAX_OUTPUT_CHARS:,} characters")
        out.append(text)
    return "".join(out)


_SCALARS = (str, int, float)  # bool is an int


# What a failure is called in a message, by the exception's type, first match wins. An exception's own
# text is never shown: Jinja and Python quote the values involved (`'dict object' has no attribute
# 'xe/xem (out to sister only)'`, `KeyError: 'name'` from a value used as a format string), and no amount
# of blanking after the fact finds a value that was cut, re-quoted or re-spaced.
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (jinja2.UndefinedError, "undefined name, attribute or item"),
    (SecurityError, "operation not allowed in the template sandbox"),
    (ZeroDivisionError, "division by zero"),
    (OverflowError, "number too large"),
    (RecursionError, "calls nested too deeply"),
    (MemoryError, "out of memory"),
    (UnicodeError, "text that cannot be encoded"),
    (KeyError, "missing key"),
    (IndexError, "index out of range"),
    (TypeError, "operation on a value of the wrong type"),
    (ValueError, "operation on an unsuitable value"),
    (AttributeError, "missing attribute"),
    (jinja2.TemplateError, "template error"),
)


def _describe(exc: BaseException) -> str:
    """The kind of failure, in words and by exception type; a refusal by txplan's own guards, as written."""
    if isinstance(exc, _Refused):
        return str(exc)
    kind = next((words for kind, words in _FAILURES if isinstance(exc, kind)), "unexpected error")
    return f"{kind} ({type(exc).__name__})"


def _failing_line(exc: BaseException) -> int | None:
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _limited(chunks: Iterator[str], budget: _Budget) -> Iterator[str]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise RenderError(f"output longer than {MAX_OUTPUT_CHARS:,} characters")
        if time.monotonic() > budget.deadline:
            raise RenderError(f"rendering took longer than {MAX_RENDER_SECONDS:g} s")
        yield chunk


def _writable(text: str) -> str:
    """Output every format can hold. A body can make characters no file may hold (`{{ "\\ud800" }}`, a
    NUL from `"\\x00"`); refused here, by the rule plans and templates themselves are held to, they fail
    the check (TX406, TX223) instead of the chart or the FHIR export."""
    bad = forbidden_character(text)
    if bad is not None:
        raise RenderError(f"the output holds U+{ord(bad.group()):04X}, a character charts cannot hold or that "
                          "reorders the chart's own text")
    return text


def _bounded(text: str) -> str:
    if len(text) > MAX_OUTPUT_CHARS:
        raise RenderError(f"output longer than {MAX_OUTPUT_CHARS:,} characters")
    return text


def example_context() -> dict[str, Any]:
    """A fictional client for examples and for checking templates before any plan uses them."""
    return {
        "client": {"name": "Jordan Rivera", "first_name": "Jordan", "pronouns": "they/them"},
        "clinician": {"name": "Avery Chen, LCSW"},
    }


@dataclass
class Library:
    templates: dict[str, Template] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # file stems of templates left out for their errors
    fingerprints: dict[str, str] = field(default_factory=dict)  # file stem -> digest of the bytes loaded

    def get(self, template_id: str) -> Template | None:
        return self.templates.get(template_id)


def load_library(root: Path) -> Library:
    """Load and check every template under templates/interventions/."""
    library = Library()
    folder = root / INTERVENTIONS
    if not folder.is_dir():
        return library
    for path in sorted(folder.glob("*.md")):
        display = path.relative_to(root).as_posix()
        template, diagnostics, library.fingerprints[path.stem] = _read_template(path, display)
        library.diagnostics.extend(diagnostics)
        if template is not None and not diagnostics:
            library.templates[template.id] = template
        elif any(d.is_error for d in diagnostics):
            library.broken.add(path.stem)
    return library


def load_template(path: Path, display: str) -> tuple[Template | None, list[Diagnostic]]:
    template, diagnostics, _ = _read_template(path, display)
    return template, diagnostics


def _read_template(path: Path, display: str) -> tuple[Template | None, list[Diagnostic], str]:
    """The template, its diagnostics, and a fingerprint of the very bytes loaded ("refused" for a file the
    loader refuses), so that a build reads each template once."""
    raw, refused = read_bounded(path, display)
    if raw is None:
        return None, refused, "refused"
    template, diagnostics = _template_from(raw, path.stem, display)
    return template, diagnostics, hashlib.sha256(raw).hexdigest()


def _template_from(raw: bytes, stem: str, display: str) -> tuple[Template | None, list[Diagnostic]]:
    document, diagnostics = parse_document(raw, display)
    if document is None:
        return None, diagnostics
    try:
        template_meta = TemplateMeta.model_validate(document.data)
    except ValidationError as exc:
        return None, validation_diagnostics(exc, document, TemplateMeta)
    template = Template(template_meta, document.body, document.body_line, display)
    return template, _check_template(template, stem, document)


def _check_template(template: Template, stem: str, document: Document) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if template.id != stem:
        found.append(make(template.path, document.positions.of_value(("id",)), "TX401",
                          f"id `{template.id}` does not match the file name `{stem}.md`"))
    try:
        tree = ENVIRONMENT.parse(template.body)
        found += _forbidden(template, tree)
        found += _undeclared(template, tree)
    except jinja2.TemplateSyntaxError as exc:
        return [*found, _syntax_error(template, exc)]
    except (RecursionError, MemoryError):
        return [*found, make(template.path, (template.body_line, 1), "TX402", "the body nests too deeply")]
    if found:
        return found
    template.pieces = _plain_pieces(tree)
    if template.pieces is not None:
        return found
    try:
        template.compiled  # noqa: B018 - compiling finds unknown filters and tests
    except jinja2.TemplateSyntaxError as exc:
        return [_syntax_error(template, exc)]
    except (RecursionError, MemoryError):
        return [make(template.path, (template.body_line, 1), "TX402", "the body nests too deeply")]
    return _trial_render(template)


_CONTEXT_ATTRIBUTES = {"client": frozenset({"name", "first_name", "pronouns"}), "clinician": frozenset({"name"})}


def _plain_pieces(tree: nodes.Template) -> tuple[Piece, ...] | None:
    """The body as literal text and printed names when it is text with ``{{ name }}`` and
    ``{{ client.first_name }}`` only: nothing that can fail at render but a missing value.

    Names were checked already; such a body needs no trial render and no compiling (most of a
    library is like this, and compiling every body would slow ``check`` and the site).
    """
    pieces: list[Piece] = []
    for output in tree.body:
        if not isinstance(output, nodes.Output):
            return None
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                pieces.append(node.data)
            elif isinstance(node, nodes.Name):
                pieces.append((node.name,))
            elif (isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name)
                  and node.attr in _CONTEXT_ATTRIBUTES.get(node.node.name, ())):
                pieces.append((node.node.name, node.attr))
            else:
                return None
    return tuple(pieces)


def _syntax_error(template: Template, exc: jinja2.TemplateSyntaxError) -> Diagnostic:
    line = template.body_line + (exc.lineno or 1) - 1
    return make(template.path, (line, 1), "TX402", (exc.message or "syntax error").split("\n")[0][:200])


def _forbidden(template: Template, tree: nodes.Template) -> list[Diagnostic]:
    """Tags that reach for other files, and ``_`` names that reach for Python internals."""
    found: list[Diagnostic] = []
    for tag in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = {"Include": "include", "Import": "import", "FromImport": "from", "Extends": "extends"}[type(tag).__name__]
        found.append(make(template.path, _position(template, tag.lineno, word), "TX405",
                          f"`{{% {word} %}}` is not allowed: a template cannot read other files"))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const):
            name = node.args[0].value
        if isinstance(name, str) and name.startswith("_"):
            shown = name if len(name) <= 40 else name[:37] + "..."
            found.append(make(template.path, _position(template, node.lineno, name), "TX405",
                              f"`{shown}` is not allowed: names starting with `_` reach Python internals"))
    return found


def _undeclared(template: Template, tree: nodes.Template) -> list[Diagnostic]:
    allowed = CONTEXT_NAMES | set(template.meta.params)
    names = meta.find_undeclared_variables(tree) - allowed
    names |= {n.name for n in tree.find_all(nodes.Name) if n.name in FORBIDDEN_NAMES and n.ctx == "load"}
    return [make(template.path, _name_position(template, tree, name), "TX403",
                 f"`{name}` is neither a declared parameter nor `client`/`clinician`")
            for name in sorted(names)]


def _trial_render(template: Template) -> list[Diagnostic]:
    """Render once with the fictional client and example values, as a plan would."""
    examples = {n: f"[{n}]" for n, p in template.meta.params.items() if p.required}
    try:
        template.render(examples, example_context())
    except RenderError as exc:
        line = template.body_line + (exc.line or 1) - 1
        return [make(template.path, (line, 1), "TX406", f"rendering with example values fails: {exc.reason}")]
    return []


def _position(template: Template, lineno: int, word: str) -> tuple[int, int]:
    lines = template.body.split("\n")
    text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    return template.body_line + lineno - 1, max(text.find(word), 0) + 1


def _name_position(template: Template, tree: nodes.Template, name: str) -> tuple[int, int]:
    lineno = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
    return _position(template, lineno, name)
