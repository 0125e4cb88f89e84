"""The intervention template library: load, check and render templates.

Templates are written by many hands, so their bodies run in Jinja's sandbox
with ``StrictUndefined``, with bounded ranges, bounded repetition and a cap on
output size. Parameter values are passed as data and never parsed as
templates, so a value containing ``{{ }}`` is printed as written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .diagnostics import Diagnostic, make
from .elements import TEMPLATE_ELEMENTS
from .frontmatter import Document, load_document
from .model import Strict, Text
from .validation import validation_diagnostics

TEMPLATE_DIR = Path("templates") / "interventions"
CONTEXT_NAMES = frozenset({"client", "clinician"})
MAX_OUTPUT_CHARS = 100_000
MAX_RENDER_SECONDS = 2.0
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
    element: str
    modalities: list[Text] = Field(min_length=1)
    tags: list[Text] = []
    summary: Text
    params: dict[str, Param] = {}
    references: list[Text] = []

    @field_validator("element")
    @classmethod
    def _known_element(cls, value: str) -> str:
        if value not in TEMPLATE_ELEMENTS:
            raise PydanticCustomError(
                "TX105", "element must be one of {allowed}", {"allowed": ", ".join(TEMPLATE_ELEMENTS)})
        return value


class RenderError(Exception):
    """A template failed to render; the message is safe to show (no plan text)."""


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus bounds on ``*`` and ``**`` so one expression cannot eat memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) \
                        and len(seq) * count > MAX_OUTPUT_CHARS:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


ENVIRONMENT = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass
class Template:
    meta: TemplateMeta
    body: str
    body_line: int
    path: str

    @property
    def id(self) -> str:
        return self.meta.id

    @cached_property
    def compiled(self) -> jinja2.Template:
        return ENVIRONMENT.from_string(self.body)

    def missing_params(self, given: Mapping[str, Any]) -> list[str]:
        return [n for n, p in self.meta.params.items() if p.required and n not in given]

    def unknown_params(self, given: Mapping[str, Any]) -> list[str]:
        return [n for n in given if n not in self.meta.params]

    def render(self, params: Mapping[str, Any], context: Mapping[str, Any]) -> str:
        """Render with defaults filled in; bounded in time and size."""
        values = {n: p.default for n, p in self.meta.params.items() if p.default is not None}
        values.update(params)
        try:
            return _bounded("".join(_limited(self.compiled.generate({**values, **context}))))
        except RenderError:
            raise
        except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, AttributeError,
                RecursionError, MemoryError) as exc:
            raise RenderError(f"{type(exc).__name__}: {str(exc)[:120]}") from None


def _limited(chunks: Iterator[str]) -> Iterator[str]:
    deadline = time.monotonic() + MAX_RENDER_SECONDS
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise RenderError(f"output longer than {MAX_OUTPUT_CHARS:,} characters")
        if time.monotonic() > deadline:
            raise RenderError(f"rendering took longer than {MAX_RENDER_SECONDS} s")
        yield chunk


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

    def get(self, template_id: str) -> Template | None:
        return self.templates.get(template_id)


def load_library(root: Path) -> Library:
    """Load and check every template under templates/interventions/."""
    library = Library()
    folder = root / TEMPLATE_DIR
    if not folder.is_dir():
        return library
    for path in sorted(folder.glob("*.md")):
        display = path.relative_to(root).as_posix()
        template, diagnostics = load_template(path, display)
        library.diagnostics.extend(diagnostics)
        if template is not None and not diagnostics:
            library.templates[template.id] = template
    return library


def load_template(path: Path, display: str) -> tuple[Template | None, list[Diagnostic]]:
    document, diagnostics = load_document(path, display)
    if document is None:
        return None, diagnostics
    try:
        template_meta = TemplateMeta.model_validate(document.data)
    except ValidationError as exc:
        return None, validation_diagnostics(exc, document, TemplateMeta)
    template = Template(template_meta, document.body, document.body_line, display)
    return template, _check_template(template, path.stem, document)


def _check_template(template: Template, stem: str, document: Document) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if template.id != stem:
        found.append(make(template.path, document.positions.of_value(("id",)), "TX401",
                          f"id `{template.id}` does not match the file name `{stem}.md`"))
    try:
        tree = ENVIRONMENT.parse(template.body)
    except jinja2.TemplateSyntaxError as exc:
        line = template.body_line + (exc.lineno or 1) - 1
        found.append(make(template.path, (line, 1), "TX402", exc.message or "syntax error"))
        return found
    allowed = CONTEXT_NAMES | set(template.meta.params)
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        found.append(make(template.path, _name_position(template, tree, name), "TX403",
                          f"`{name}` is neither a declared parameter nor `client`/`clinician`"))
    return found


def _name_position(template: Template, tree: nodes.Template, name: str) -> tuple[int, int]:
    lineno = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
    lines = template.body.split("\n")
    text = lines[lineno - 1] if lineno <= len(lines) else ""
    return template.body_line + lineno - 1, max(text.find(name), 0) + 1
