"""The pages of the template library site, generated from the template library and txplan's tables.

Everything here is plain Markdown (tables and fenced code are the only extensions used, and MkDocs
always enables both), so the pages build under any mkdocs.yml a clinic writes.

Text written by template authors reaches the pages through one door: ``ShownTemplate`` wraps every
field of a template's front matter in ``AuthorText`` once, and a page can only use a field through one
of its views, each escaped for where it lands (literal text in Markdown, Markdown prose with no raw
HTML, HTML for the navigation and page metadata, code). ``str()`` gives the literal-text view, so a
field used without thinking is shown as text, never as markup. The plugin then sanitizes the HTML of
every generated page (``guard.sanitized``), which polices what Markdown prose may link to.
"""

from __future__ import annotations

import html
import json
import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le
from markdown.extensions.toc import slugify  # type: ignore[import-untyped, unused-ignore]  # no stubs
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..elements import ELEMENTS, ELEMENTS_BY_KEY, ITEM_ELEMENTS, STANLEY_BROWN_STEPS, Element, Shape
from ..guides import (
    DIAGNOSTICS,
    NOWRAP,
    PLAN_FORMAT,
    TEMPLATE_GUIDE,
    fenced,
    plan_format_page,
    template_guide_page,
)
from ..instruments import INSTRUMENTS, Band, score_text
from ..model import Approach, Crisis, Frequency
from ..reference import diagnostics_reference
from ..skeleton import placeholder
from ..templates import Library, RenderError, Template, example_context

__all__ = [
    "AuthorText", "GeneratedSite", "NavItem", "ShownParam", "ShownTemplate", "SitePage", "generate_site",
    "placeholder", "template_uri", "use_snippet",
]

# An entry of MkDocs' `nav`: a page's path (titled by the page), or {title: path or list of entries}.
NavItem = Union[str, dict[str, Union[str, list["NavItem"]]]]  # noqa: UP007 (a recursive alias needs the string form)

HOME = "index.md"
ELEMENTS_INDEX = "elements/index.md"
MODALITIES = "modalities.md"
TAGS = "tags.md"
EXAMPLE_OBJECTIVE = "O1"


# -- template text as the pages show it -------------------------------------------------------------------

# ASCII punctuation is where Markdown and its extensions find meaning (`[`, `*`, `|`, `~~`, `==`, `$`, `:emoji:`,
# `\[math\]`, `1/2`), so each such character is written as a character reference, which every Markdown
# extension leaves alone. `-` and `_` are backslash-escaped instead: heading ids are made from the text with
# references dropped, and these two belong in an id (`sleep-hygiene`).
_KEPT_IN_IDS = "-_"


def _literal_char(char: str) -> str:
    if char in _KEPT_IN_IDS:
        return "\\" + char
    return html.escape(char) if char in "&<>" else f"&#{ord(char)};"


_LITERAL = {ord(c): _literal_char(c) for c in string.punctuation}


@dataclass(frozen=True)
class AuthorText:
    """Text a template's author wrote, shown only through views escaped for where it lands.

    ``str()`` and f-strings give ``text``, the safe default: a field used without choosing a view still
    reads as literal text and can never become markup.
    """

    raw: str

    def __str__(self) -> str:
        return self.text

    @property
    def line(self) -> str:
        """The text on one line: titles, tags and names never span lines."""
        return " ".join(self.raw.split())

    @property
    def text(self) -> str:
        """Literal text inside Markdown: no Markdown, no HTML, whatever extensions the clinic enables."""
        return self.line.translate(_LITERAL)

    @property
    def prose(self) -> str:
        """Markdown as the author wrote it, raw HTML shown as text; links and images are policed in the HTML."""
        return html.escape(self.raw, quote=False)

    @property
    def cell(self) -> str:
        """Prose inside a Markdown table cell."""
        return " ".join(self.prose.split()).replace("|", "\\|")

    @property
    def html(self) -> str:
        """Literal text for HTML: navigation titles and page metadata, which MkDocs and Material insert as HTML."""
        return html.escape(self.line)

    @property
    def slug(self) -> str:
        """The heading id MkDocs gives a heading of this text."""
        return str(slugify(self.line, "-"))


@dataclass(frozen=True)
class ShownParam:
    name: AuthorText
    description: AuthorText
    required: bool
    default: AuthorText | None


@dataclass(frozen=True)
class ShownTemplate:
    """A template as the site shows it: every front-matter field wrapped in ``AuthorText`` here and only here.

    ``template`` stays for what the pages show as code (the body, the snippet) and for rendering the example.
    """

    template: Template
    title: AuthorText
    summary: AuthorText
    element: Element
    modalities: tuple[AuthorText, ...]
    tags: tuple[AuthorText, ...]
    params: tuple[ShownParam, ...]
    references: tuple[AuthorText, ...]

    @classmethod
    def of(cls, template: Template) -> ShownTemplate:
        meta = template.meta
        params = tuple(ShownParam(AuthorText(name), AuthorText(p.description), p.required,
                                  None if p.default is None else AuthorText(str(p.default)))
                       for name, p in meta.params.items())
        return cls(template, AuthorText(meta.title), AuthorText(meta.summary), ELEMENTS_BY_KEY[meta.element],
                   _wrapped(meta.modalities), _wrapped(meta.tags), params, _wrapped(meta.references))


def _wrapped(texts: Iterable[str]) -> tuple[AuthorText, ...]:
    return tuple(AuthorText(t) for t in texts)


# -- the site ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePage:
    src_uri: str
    content: str


@dataclass(frozen=True)
class GeneratedSite:
    pages: tuple[SitePage, ...]
    nav: list[NavItem]


def generate_site(library: Library) -> GeneratedSite:
    """Every generated page and the navigation over them, from one pass over the library."""
    shown = sorted((ShownTemplate.of(t) for t in library.templates.values()),
                   key=lambda s: (s.title.raw.casefold(), s.template.id))
    by_element = _grouped(shown, lambda s: [AuthorText(s.element.key)])
    pages = [
        SitePage(HOME, home_page(shown)),
        SitePage(ELEMENTS_INDEX, elements_index_page(by_element)),
        *(SitePage(element_uri(e), element_page(e, by_element.get(e.key, []))) for e in ELEMENTS),
        *(SitePage(template_uri(s.template), template_page(s)) for s in shown),
        SitePage(MODALITIES, grouped_page("Templates by modality", "modality", _grouped(shown, lambda s: s.modalities))),
        SitePage(TAGS, grouped_page("Templates by tag", "tag", _grouped(shown, lambda s: s.tags))),
        SitePage(PLAN_FORMAT, plan_format_page()),
        SitePage(TEMPLATE_GUIDE, template_guide_page()),
        SitePage(DIAGNOSTICS, diagnostics_reference()),
    ]
    return GeneratedSite(tuple(pages), site_nav(by_element))


def site_nav(by_element: dict[str, list[ShownTemplate]]) -> list[NavItem]:
    """Home, then each element with its templates under it, then the indexes and references.

    MkDocs and Material insert navigation titles into every page as HTML, so a template's title goes in escaped.
    """
    elements: list[NavItem] = [{"Overview": ELEMENTS_INDEX}]
    for element in ELEMENTS:
        members = by_element.get(element.key, [])
        if members:
            children: list[NavItem] = [{"About": element_uri(element)}]
            children += [{s.title.html: template_uri(s.template)} for s in members]
            elements.append({element.title: children})
        else:
            elements.append({element.title: element_uri(element)})
    return [
        {"Home": HOME},
        {"Elements": elements},
        {"Modalities": MODALITIES},
        {"Tags": TAGS},
        {"Plan format": PLAN_FORMAT},
        {"Writing templates": TEMPLATE_GUIDE},
        {"Diagnostic codes": DIAGNOSTICS},
    ]


def template_uri(template: Template) -> str:
    return f"interventions/{template.id}.md"


def element_uri(element: Element) -> str:
    return f"elements/{element.key}.md"


# -- pages ---------------------------------------------------------------------------------------------


def home_page(shown: list[ShownTemplate]) -> str:
    lines = [
        "# Intervention template library",
        "",
        f"The clinic's {len(shown)} intervention templates, one page each. A template is a "
        "reviewed, evidence-based wording of an intervention that a plan reuses by its id instead of "
        "writing it out again; txplan fills in the client's name and the plan's parameters when it "
        "writes the chart.",
        "",
        "## Use a template in a plan",
        "",
        "In the plan's front matter, under the element the intervention serves, write an item with "
        "`use:` (the template id), `with:` (values for its parameters; required ones must be given, "
        "the others have defaults) and `for:` (the objectives it serves):",
        "",
    ]
    showcase = next((s for s in shown if s.template.missing_params({})), shown[0] if shown else None)
    if showcase is not None:
        nested = _indented(use_snippet(showcase.template), "    ")
        lines += [fenced(f"interventions:\n  {item_key(showcase.template)}:\n{nested}", "yaml"), ""]
        lines += [f"Every template page has this snippet, ready to paste; this one is "
                  f"[{showcase.title.text}]({template_uri(showcase.template)}).", ""]
    lines += [
        "## Find a template",
        "",
        f"- [By element]({ELEMENTS_INDEX}): the ten parts of a plan's interventions, with guidance for each.",
        f"- [By modality]({MODALITIES}) and [by tag]({TAGS}).",
        "- Search (top of the page) matches titles, summaries and tags.",
        "",
        f"The [plan format]({PLAN_FORMAT}) page is the complete reference of a plan, with an example; "
        f"[writing templates]({TEMPLATE_GUIDE}) explains how a template is made and checked; "
        f"[diagnostic codes]({DIAGNOSTICS}) explains every message `txplan check` prints.",
        "",
        "This site is generated from `templates/interventions/` at every build: edit a template, not "
        "these pages. Plans are never read, so no client information can appear here.",
    ]
    return _page(lines)


def template_page(shown: ShownTemplate) -> str:
    template = shown.template
    lines = [
        # Material writes `title` into <title> as it is, but a title from the heading through `striptags`, which
        # decodes the escaping again; `description` and `tags` go into a <meta> tag and search results as HTML.
        _front_matter(title=shown.title.html, tags=[t.html for t in shown.tags], description=shown.summary.html),
        f"# {shown.title.text}",
        "",
        shown.summary.prose,
        "",
        f"- **Element:** [{shown.element.title}](../{element_uri(shown.element)})",
        f"- **Modalities:** {_links(shown.modalities, MODALITIES)}",
        f"- **Tags:** {_links(shown.tags, TAGS) or 'none'}",
        f"- **Source:** {_code(template.path)}",
        "",
        "## Use it in a plan",
        "",
        paste_hint(template),
        "",
        fenced(use_snippet(template), "yaml"),
        "",
        "## Parameters",
        "",
        *parameters_table(shown.params),
        "",
        "## Example",
        "",
        "Rendered with the defaults, a fictional client and placeholders for required parameters:",
        "",
        *example_rendering(template),
        "",
        "## Template source",
        "",
        fenced(template.body, "jinja"),
    ]
    if shown.references:
        lines += ["", "## References", "", *(f"- {' '.join(r.prose.split())}" for r in shown.references)]
    return _page(lines)


def item_key(template: Template) -> str:
    """The plan key the template's item goes under: its element's list, or the crisis element's ``items``."""
    element = template.meta.element
    return element if element in ITEM_ELEMENTS else f"{element}.items"


def paste_hint(template: Template) -> str:
    key = item_key(template)
    if key == template.meta.element:
        return f"Paste under `interventions.{key}` and point `for` at the objectives it serves:"
    return (f"Paste under `interventions.{key}`, next to the safety plan, and point `for` at the objectives it "
            "serves:")


def parameters_table(params: tuple[ShownParam, ...]) -> list[str]:
    if not params:
        return ["This template takes no parameters."]
    rows = [
        f"| {_identifier(p.name)} | {p.description.text} | {'yes' if p.required else 'no'} | "
        f"{'—' if p.default is None else _code(p.default.line)} |"
        for p in params
    ]
    return ["| name | description | required | default |", "| --- | --- | --- | --- |", *rows]


def example_rendering(template: Template) -> list[str]:
    placeholders = {name: placeholder(name) for name in template.missing_params({})}
    try:
        rendered = template.render(placeholders, example_context())
    except RenderError as exc:
        return [f"*The example could not be rendered: {AuthorText(str(exc))}*"]
    return [_blockquote(AuthorText(rendered).prose)]


def use_snippet(template: Template) -> str:
    """The plan item that uses the template: required parameters get placeholders, the rest keep their defaults."""
    lines = [f"- use: {template.id}"]
    required = template.missing_params({})
    if required:
        lines.append("  with:")
        lines += [f"    {name}: {json.dumps(placeholder(name), ensure_ascii=False)}" for name in required]
    lines.append(f"  for: [{EXAMPLE_OBJECTIVE}]")
    return "\n".join(lines)


def elements_index_page(by_element: dict[str, list[ShownTemplate]]) -> str:
    rows = [
        f"| [{e.title}]({element_uri(e).removeprefix('elements/')}) | `{e.key}` | {e.when.value} | "
        f"{len(by_element.get(e.key, []))} |"
        for e in ELEMENTS
    ]
    lines = [
        "# Intervention elements",
        "",
        "Every plan's `interventions` covers these ten elements, in this order; each page has the guidance "
        "for writing it and the templates that serve it.",
        "",
        "| element | plan key | required | templates |",
        "| --- | --- | --- | --- |",
        *rows,
    ]
    return _page(lines)


def element_page(element: Element, shown: list[ShownTemplate]) -> str:
    lines = [
        f"# {element.title}",
        "",
        f"Plan key: `interventions.{element.key}`. Required: {element.when.value}.",
        "",
        element.guidance,
        "",
        *_SHAPE_DETAILS[element.shape](),
    ]
    if shown:
        lines += ["", "## Templates", "", *template_table(shown, "../")]
    return _page(lines)


def template_table(shown: Iterable[ShownTemplate], prefix: str) -> list[str]:
    rows = [f"| [{s.title.text}]({prefix}{template_uri(s.template)}) | {s.summary.cell} | "
            f"{', '.join(m.text for m in s.modalities)} |" for s in shown]
    return ["| template | summary | modalities |", "| --- | --- | --- |", *rows]


def grouped_page(title: str, noun: str, groups: dict[str, list[ShownTemplate]]) -> str:
    keys = sorted(groups, key=str.casefold)
    names = {key: AuthorText(key) for key in keys}
    lines = [
        f"# {title}",
        "",
        " · ".join(f"[{names[k].text}](#{names[k].slug}) ({len(groups[k])})" for k in keys) or f"No template names a {noun} yet.",
    ]
    for key in keys:
        lines += ["", f"## {names[key].text}", "", *template_table(groups[key], "")]
    return _page(lines)


# -- structured elements ---------------------------------------------------------------------------------


def items_details() -> list[str]:
    return [
        "## How to write it",
        "",
        "A list of items: `use:` a template below (with `with:` for its parameters) or `text:` in your "
        f"own words, and `for:` the objectives the item serves. See the [plan format](../{PLAN_FORMAT}).",
    ]


def fields_details(model: type[BaseModel]) -> list[str]:
    rows = [f"| `{name}` | {'yes' if info.is_required() else 'no'} | {field_rule(info)} |"
            for name, info in model.model_fields.items()]
    return ["## Fields", "", "| field | required | allowed values |", "| --- | --- | --- |", *rows]


def field_rule(info: FieldInfo) -> str:
    if get_origin(info.annotation) is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in get_args(info.annotation))
    choices = _literal_in(info.annotation)
    if choices:  # `format`: one value or a list of them
        return "one of " + ", ".join(f"`{choice}`" for choice in choices) + ", or a list of them"
    low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    if low is not None and high is not None:
        return f"a number from {low} to {high}"
    return "text"


def _literal_in(annotation: object) -> tuple[object, ...]:
    """The choices of the first ``Literal`` inside a union or ``Annotated`` type, if any."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    return next((found for arg in get_args(annotation) if (found := _literal_in(arg))), ())


def crisis_details() -> list[str]:
    step_keys = {key for key, _ in STANLEY_BROWN_STEPS}
    extras = [name for name in Crisis.model_fields if name not in step_keys]
    return [
        "## The six steps",
        "",
        *(f"{number}. {title}: `{key}`" for number, (key, title) in enumerate(STANLEY_BROWN_STEPS, 1)),
        "",
        "Optional: " + ", ".join(f"`{name}`" for name in extras) + ".",
        "",
        "The safety plan is written in these keys, not as a list of items. The templates below support the work "
        "around it and go in the element's own list of items, `interventions.crisis.items`, so the chart shows "
        "them with the safety plan.",
    ]


def evaluation_details() -> list[str]:
    rows = [f"| {i.name} | {i.measures} | {_span(i.low, i.high)} | {i.better.value} | "
            f"{_bands(i.bands) or '—'} | {i.cutoff or '—'} |" for i in INSTRUMENTS]
    return [
        "## Instruments txplan knows",
        "",
        "| instrument | measures | range | better | bands | notes |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Any other instrument can be used when the plan states its `range` and, if higher is better, `better: higher`.",
    ]


_SHAPE_DETAILS = {
    Shape.ITEMS: items_details,
    Shape.APPROACHES: lambda: fields_details(Approach),
    Shape.FREQUENCY: lambda: fields_details(Frequency),
    Shape.CRISIS: crisis_details,
    Shape.EVALUATION: evaluation_details,
}


# -- helpers ---------------------------------------------------------------------------------------------


def _grouped(shown: Iterable[ShownTemplate], keys_of: Callable[[ShownTemplate], Iterable[AuthorText]]
             ) -> dict[str, list[ShownTemplate]]:
    groups: dict[str, list[ShownTemplate]] = defaultdict(list)
    for entry in shown:
        for key in keys_of(entry):
            groups[key.raw].append(entry)
    return dict(groups)


def _links(names: Iterable[AuthorText], page: str) -> str:
    return ", ".join(f"[{n.text}](../{page}#{n.slug})" for n in names)


def _bands(bands: tuple[Band, ...]) -> str:
    return ", ".join(f"{_span(b.low, b.high)} {b.label}" for b in bands)


def _span(low: float, high: float) -> str:
    return f"{score_text(low)}\N{EN DASH}{score_text(high)}"


def _front_matter(**fields: Any) -> str:
    body = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in fields.items())
    return f"---\n{body}---\n"


def _identifier(name: AuthorText) -> str:
    """A parameter name as code that never breaks mid-word (Material lets code wrap anywhere in narrow columns)."""
    return f'<code style="{NOWRAP}">{name.html}</code>'


def _code(text: str) -> str:
    ticks = "`" * (_longest_backtick_run(text) + 1)
    return f"{ticks} {text} {ticks}" if "`" in text else f"`{text}`"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().split("\n"))


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line for line in text.split("\n"))


def _page(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
