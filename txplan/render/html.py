"""The HTML renderer: one self-contained, accessible page per chart.

For clients and staff who read charts with a screen reader, in a browser, or
on a phone: a DOCX or a PDF converted by LibreOffice loses the graphs' text
alternatives, an HTML page keeps them.

- **Self-contained, private**: styles inline, graphs as inline SVG, no script,
  no font, no image or anything else fetched; a Content-Security-Policy of
  ``default-src 'none'`` makes the browser refuse any request the page might
  still try. Links in Markdown are kept only for http(s), mailto and tel (a
  click navigates away; nothing loads by itself), images show their alt text.
- **Semantic**: the chart title is the page's ``h1`` and sections nest as
  ``section`` elements with ``h2``-``h6`` headings; tables have header cells
  with scopes; the safety plan is a table whose step names are row headers.
- **Graphs**: SVG with ``role="img"``, a ``title`` and a ``desc`` (the same
  alternative text the DOCX carries), followed by the scores as a table.
- **Print**: a print style sheet keeps tables, graphs and the signature block
  whole on a page.

Everything written is escaped; Markdown is rendered by markdown-it with raw
HTML disabled (it is shown as text), as in the DOCX.
"""

from __future__ import annotations

import html
from collections.abc import MutableMapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ..chart.content import (
    BulletList,
    ChartContent,
    Form,
    Graph,
    Heading,
    Markdown,
    Paragraph,
    Section,
    SignatureBlock,
    Style,
    Table,
)
from ..instruments import score_text
from ..progress import long_date
from .graphs import graph_svg
from .markdown import LIST_LEVELS, LIST_MARKERS, MAX_HEADING, chart_tokens
from .walker import BlockWalker

__all__ = ["CONTENT_SECURITY_POLICY", "CSS", "html_page", "render_html", "render_markdown"]


def _list_css() -> str:
    """Nested lists marked by depth as in the DOCX (numbers 1., a., i., bullets \u2022, \u25e6, \u25aa, repeating; a
    list deeper than the last level looks like it), so "see step 2b" finds a 2b in every output."""
    rules = []
    for depth in range(LIST_LEVELS):
        number, bullet = LIST_MARKERS[depth % len(LIST_MARKERS)]
        outer = ":is(ol, ul) " * depth
        rules.append(f"{outer}ol {{ list-style-type: {number}; }}\n{outer}ul {{ list-style-type: {bullet}; }}\n")
    return "".join(rules)


CSS = """
:root { color-scheme: light; --text: #1e2730; --muted: #4a5562; --rule: #c3cdd8; --tint: #eaf0f5; --navy: #1f3a5f; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--text); background: #fff;
  overflow-wrap: break-word; }
.furniture { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem 1.5rem; padding: 0.5rem 1.5rem;
  font-size: 0.875rem; color: var(--muted); border-bottom: 1px solid var(--rule); }
footer.furniture { border-bottom: 0; border-top: 1px solid var(--rule); margin-top: 2rem; }
.furniture .address { display: block; }
.furniture .notice { max-width: 40rem; }
.draft { color: #8a1c1c; font-weight: bold; letter-spacing: 0.08em; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
h1 { font-size: 2rem; color: var(--navy); margin: 0.5rem 0 0; }
.subtitle { color: var(--muted); margin: 0 0 1.5rem; }
h2 { font-size: 1.35rem; color: var(--navy); border-bottom: 1px solid var(--rule); padding-bottom: 0.2rem;
  margin: 2rem 0 0.6rem; }
h3 { font-size: 1.15rem; color: var(--navy); margin: 1.4rem 0 0.4rem; }
h4, h5, h6 { font-size: 1rem; margin: 1rem 0 0.3rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
th, td { border: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: var(--tint); }
th[scope="row"] { font-weight: bold; background: #f6f8fa; }
caption { text-align: left; font-weight: bold; padding: 0.2rem 0; }
.label { font-weight: bold; margin: 0.6rem 0 0.2rem; }
.quote { font-style: italic; color: var(--muted); border-left: 3px solid var(--rule); padding-left: 0.8rem; }
.note { font-style: italic; color: var(--muted); }
.details { font-size: 0.875rem; color: var(--muted); margin-top: -0.3rem; }
.cell-lines { white-space: pre-line; }
.long-words { overflow-wrap: anywhere; }
figure.graph { margin: 1rem 0; }
figure.graph svg { width: 100%; height: auto; max-width: 40rem; }
figure.graph table { width: auto; min-width: min(18rem, 100%); }
.signature { display: grid; grid-template-columns: 3fr 1fr; gap: 0 2rem; margin-top: 2.2rem; }
.signature .line { border-bottom: 1px solid var(--text); height: 1.5rem; }
.signature .caption { font-size: 0.875rem; color: var(--muted); }
.signed { margin-top: 1.2rem; font-weight: bold; }
a { color: #1f5c99; }
pre, code { font-family: "Liberation Mono", "Courier New", monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: 0.5rem; }
blockquote { margin: 0.5rem 0; padding-left: 0.8rem; border-left: 3px solid var(--rule); color: var(--muted); }
.table-scroll { overflow-x: auto; margin: 0.5rem 0 1rem; }
.table-scroll > table { margin: 0; }
.table-scroll:focus-visible { outline: 2px solid var(--navy); outline-offset: 2px; }
@media (max-width: 40rem) {
  main { padding: 0.75rem 0.75rem 1.5rem; }
  .furniture { padding: 0.5rem 0.75rem; }
  table { font-size: 0.85rem; }
  th, td { padding: 0.2rem 0.3rem; }
  ol, ul { padding-left: 1.1rem; }
}
@media (max-width: 22rem) {
  th, td { overflow-wrap: anywhere; }
}
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  table, figure, tr, .signatures { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  a { color: inherit; }
  .table-scroll { overflow: visible; }
  .table-scroll > table { table-layout: fixed; }
  .table-scroll th, .table-scroll td { overflow-wrap: anywhere; }
}
""" + _list_css()

# Everything the page might load is refused by the browser itself; inline styles and the inline SVG are the page.
_LONG_WORD = 24  # characters; longer than any word or date a chart's narrow columns hold

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_html(content: ChartContent) -> bytes:
    """The chart as one HTML page (UTF-8); the same content always gives the same bytes."""
    return html_page(content).encode("utf-8")


def html_page(content: ChartContent, *, policy: str = CONTENT_SECURITY_POLICY, head: str = "", before: str = "",
              after: str = "", drawn: MutableMapping[str, str] | None = None) -> str:
    """The page, with room for a host to add to it: the live preview adds its own policy, a script in
    ``head``, its diagnostics ``before`` the chart, and keeps drawn graphs in ``drawn``."""
    furniture = content.furniture
    body = _Body(drawn)
    body.blocks(content.blocks)
    draft = f'<strong class="draft">{_text(furniture.mark)}</strong>' if furniture.mark else ""
    address = f'<span class="address">{_text(furniture.address)}</span>' if furniture.address else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_text(policy)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_text(content.metadata.title)}</title>\n<style>{CSS}</style>\n{head}</head>\n<body>\n"
        f'<header class="furniture"><span>{_text(furniture.clinic)}{address}</span>{draft}'
        f'<span class="notice">{_text(furniture.notice)}</span></header>\n{before}'
        f"<main>\n{''.join(body.parts)}</main>\n{after}"
        f'<footer class="furniture"><span>{_text(furniture.footer)}</span></footer>\n'
        "</body>\n</html>\n"
    )


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _heading(level: int) -> int:
    """A content level (1 for a top section) as an HTML heading: the chart's title is the page's only h1."""
    return min(level + 1, MAX_HEADING)


class _Body(BlockWalker):
    """Collects the page's main content."""

    def __init__(self, drawn: MutableMapping[str, str] | None) -> None:
        self.parts: list[str] = []
        self.graphs = 0
        self.drawn = drawn

    def section(self, section: Section) -> None:
        level = _heading(section.level)
        self.parts.append(f"<section>\n<h{level}>{_text(section.title)}</h{level}>\n")
        self.blocks(section.blocks)
        self.parts.append("</section>\n")

    def heading(self, heading: Heading) -> None:
        level = _heading(heading.level)
        self.parts.append(f"<h{level}>{_text(heading.text)}</h{level}>\n")

    def paragraph(self, paragraph: Paragraph) -> None:
        runs = "".join(f"<strong>{_text(run.text)}</strong>" if run.bold else _text(run.text) for run in paragraph.runs)
        if paragraph.style is Style.TITLE:
            self.parts.append(f"<h1>{runs}</h1>\n")
        elif paragraph.style is Style.BODY:
            self.parts.append(f"<p>{runs}</p>\n")
        else:
            self.parts.append(f'<p class="{paragraph.style.value}">{runs}</p>\n')

    def bullets(self, bullets: BulletList) -> None:
        self.parts.append(_list(bullets.items))

    def table(self, table: Table) -> None:
        columns = len(table.widths)
        rows: list[str] = []
        if table.header is not None:
            heads = "".join(f'<th scope="col">{_cell(text)}</th>' for text in table.header)
            rows.append(f"<thead><tr>{heads}</tr></thead>")
        body = []
        for row in table.rows:
            cells: list[str] = []
            for column, text in enumerate(row):
                span = columns - len(row) + 1 if column == len(row) - 1 and len(row) < columns else 1
                colspan = f' colspan="{span}"' if span > 1 else ""
                if column in table.label_columns:
                    cells.append(f'<th scope="row"{colspan}>{_cell(text)}</th>')
                else:
                    cells.append(f"<td{colspan}>{_cell(text)}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        rows.append(f"<tbody>{''.join(body)}</tbody>")
        self.parts.append(f"<table>{''.join(rows)}</table>\n")

    def form(self, form: Form) -> None:
        rows = []
        for row in form.rows:
            label = f'<th scope="row">{_text(row.label)}</th>' if row.label else "<td></td>"
            rows.append(f'<tr>{label}<td><p class="label">{_text(row.title)}</p>{_list(row.entries)}</td></tr>')
        self.parts.append(f'<table class="form"><tbody>{"".join(rows)}</tbody></table>\n')

    def markdown(self, markdown: Markdown) -> None:
        self.parts.append(render_markdown(markdown.source, _heading(markdown.top_heading)))

    def graph(self, graph: Graph) -> None:
        self.graphs += 1
        ident = f"graph-{self.graphs}"
        svg = _label_svg(graph_svg(graph, self.drawn), ident, graph)
        name = _text(graph.status.instrument.name)
        rows = "".join(f"<tr><td>{_text(long_date(entry.date))}</td><td>{score_text(entry.score)}</td></tr>"
                       for entry in graph.status.scores)
        scores = (f"<table><caption>{name} scores</caption><thead><tr><th scope=\"col\">Date</th>"
                  f"<th scope=\"col\">Score</th></tr></thead><tbody>{rows}</tbody></table>")
        self.parts.append(f'<figure class="graph">\n{svg}\n{scores}\n</figure>\n')

    def signatures(self, block: SignatureBlock) -> None:
        people = []
        for signer in block.signers:
            if signer.signed:
                people.append(f'<p class="signed">{_text(signer.signed)}</p>')
                continue
            caption = f"{signer.name}, {signer.role}" if signer.name else signer.role.capitalize()
            note = f'<p class="details">{_text(signer.note)}</p>' if signer.note else ""
            people.append(f'<div class="signature"><div class="line"></div><div class="line"></div>'
                          f'<div class="caption">{_text(caption)}</div><div class="caption">Date</div></div>{note}')
        digest = f'<p class="details">Plan content digest: {_text(block.digest)}</p>' if block.digest else ""
        self.parts.append(f'<div class="signatures"><p>{_text(block.statement)}</p>{"".join(people)}{digest}</div>\n')


def _label_svg(svg: str, ident: str, graph: Graph) -> str:
    """matplotlib's SVG with a role, a title and a description for assistive technology."""
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end].replace("<svg ", f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" ', 1)
    labels = (f'<title id="{ident}-title">{_text(graph.status.instrument.name)} progress</title>'
              f'<desc id="{ident}-desc">{_text(graph.description)}</desc>')
    return opening + labels + svg[opening_end:]


def _cell(text: str) -> str:
    """Cell text; a line break in it (an instrument's name over its scale) stays a line break.

    A cell holding a very long word (a web address as a measure) may break it anywhere, or it would widen the table
    past the page; only that cell, so the narrow columns (ids, dates) keep their words whole.
    """
    classes = " ".join(name for name, wanted in (("cell-lines", "\n" in text),
                                                 ("long-words", _has_long_word(text))) if wanted)
    return f'<span class="{classes}">{_text(text)}</span>' if classes else _text(text)


def _has_long_word(text: str) -> bool:
    return any(len(word) > _LONG_WORD for word in text.split())


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_text(item)}</li>" for item in items) + "</ul>\n"


# --- Markdown ------------------------------------------------------------------------------------------


def _link_open(renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    """Links reach here only to allowed addresses (see ``render.markdown``); none may learn where it came from."""
    return f'<a href="{escapeHtml(str(tokens[index].attrGet("href")))}" rel="noreferrer noopener">'


def _cell_open(renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    """A narrative table's cell holding a very long word may break it anywhere, as the chart's own cells do."""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is not None and following.type == "inline" and _has_long_word(following.content):
        tokens[index].attrJoin("class", "long-words")
    return str(renderer.renderToken(tokens, index, options, env))


_SCROLL_REGION = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">'


def _table_open(renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    """A Markdown table may have more columns than the page is wide: it scrolls sideways in a region of its own that
    the keyboard can reach and a screen reader names, and the page itself never does."""
    return _SCROLL_REGION + str(renderer.renderToken(tokens, index, options, env))


def _table_close(renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    return f"{renderer.renderToken(tokens, index, options, env)}</div>\n"


_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_MARKDOWN.add_render_rule("link_open", _link_open)
_MARKDOWN.add_render_rule("td_open", _cell_open)
_MARKDOWN.add_render_rule("th_open", _cell_open)
_MARKDOWN.add_render_rule("table_open", _table_open)
_MARKDOWN.add_render_rule("table_close", _table_close)


def render_markdown(source: str, top_heading: int) -> str:
    """Markdown as HTML; its highest heading becomes ``top_heading`` so the page's outline stays unbroken."""
    tokens = chart_tokens(source, top_heading)
    return str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))
