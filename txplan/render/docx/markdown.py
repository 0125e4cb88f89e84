"""Markdown to WordprocessingML, through markdown-it-py's token stream.

Item texts and the plan narrative are CommonMark with tables. ``render.markdown`` parses them
and decides what a reader may see (raw HTML as text, images as their alt text, links only to
web, mail and phone addresses); this module walks those tokens and writes them with
``DocxWriter``. Nothing in a plan is interpreted as markup that Word or LibreOffice would act on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from markdown_it.token import Token

from ..markdown import chart_tokens, list_start
from .oxml import LIST_LEVELS, W_JC, W_SECTPR, W_VAL, DocxWriter, list_indent, short_row
from .styles import HYPERLINK, LIST_PARAGRAPH, QUOTE, SOURCE_CODE, TABLE_HEADING, TABLE_TEXT, VERBATIM, heading_style

__all__ = ["write_markdown"]

SPACE_AFTER_TABLE_TWIPS = 120  # Word has no spacing below a table; the next body paragraph keeps it off


def write_markdown(writer: DocxWriter, container: BaseOxmlElement, source: str, top_heading: int) -> None:
    """Render Markdown into ``container``; its highest heading becomes ``top_heading`` so the outline stays unbroken."""
    _Blocks(writer, container).write(chart_tokens(source, top_heading))


@dataclass
class _OpenList:
    num_id: int
    level: int


class _Blocks:
    """Walks block tokens, keeping track of open lists and block quotes."""

    def __init__(self, writer: DocxWriter, container: BaseOxmlElement) -> None:
        self.writer = writer
        self.container = container
        self.lists: list[_OpenList] = []
        self.quotes = 0
        self.item_needs_marker = False
        self.after_table = False

    def write(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            handler = _BLOCK_HANDLERS.get(tokens[index].type)
            index = handler(self, tokens, index) if handler else index + 1

    def _block_paragraph(self, style: str | None, text: str = "") -> BaseOxmlElement:
        """A paragraph placed in the current list item or quote, numbered when it opens a list item."""
        space = SPACE_AFTER_TABLE_TWIPS if self.after_table and style is None else None
        self.after_table = False
        if not self.lists:
            return self.writer.paragraph(self.container, style or (QUOTE if self.quotes else None), text, space_before=space)
        current = self.lists[-1]
        style = style or LIST_PARAGRAPH
        if self.item_needs_marker:
            self.item_needs_marker = False
            return self.writer.paragraph(self.container, style, text, numbered=(current.num_id, current.level),
                                         space_before=space)
        return self.writer.paragraph(self.container, style, text, space_before=space, indent=list_indent(current.level))

    def _heading(self, tokens: Sequence[Token], index: int) -> int:
        level = int(tokens[index].tag[1:])
        _Inline(self.writer, self._block_paragraph(heading_style(level))).write(tokens[index + 1].children or [])
        return index + 3

    def _text_paragraph(self, tokens: Sequence[Token], index: int) -> int:
        _Inline(self.writer, self._block_paragraph(None)).write(tokens[index + 1].children or [])
        return index + 3

    def _open_list(self, tokens: Sequence[Token], index: int) -> int:
        if self.item_needs_marker:  # a list opening a list item: keep the outer item's marker
            self._block_paragraph(None)
        token = tokens[index]
        ordered = token.type == "ordered_list_open"
        level = min(len(self.lists), LIST_LEVELS - 1)
        start = list_start(token) if ordered else 1
        self.lists.append(_OpenList(self.writer.start_list(ordered, level, start), level))
        return index + 1

    def _close_list(self, tokens: Sequence[Token], index: int) -> int:
        self.lists.pop()
        return index + 1

    def _open_item(self, tokens: Sequence[Token], index: int) -> int:
        self.item_needs_marker = True
        return index + 1

    def _close_item(self, tokens: Sequence[Token], index: int) -> int:
        if self.item_needs_marker:  # an empty item still shows its marker
            self._block_paragraph(None)
        return index + 1

    def _open_quote(self, tokens: Sequence[Token], index: int) -> int:
        self.quotes += 1
        return index + 1

    def _close_quote(self, tokens: Sequence[Token], index: int) -> int:
        self.quotes -= 1
        return index + 1

    def _code(self, tokens: Sequence[Token], index: int) -> int:
        self._block_paragraph(SOURCE_CODE, tokens[index].content.rstrip("\n"))
        return index + 1

    def _rule(self, tokens: Sequence[Token], index: int) -> int:
        p = self.writer.paragraph(self.container)
        p.append(parse_xml(f'<w:pPr {nsdecls("w")}><w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" '
                           f'w:color="A0A8B0"/></w:pBdr></w:pPr>'))
        return index + 1

    def _table(self, tokens: Sequence[Token], index: int) -> int:
        rows: list[list[tuple[Token, str]]] = []
        header_rows = 0
        align = ""
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "thead_close":
                header_rows = len(rows)
            elif token.type in ("th_open", "td_open"):
                align = str(token.attrGet("style") or "").removeprefix("text-align:")
            elif token.type == "inline":
                rows[-1].append((token, align))
            index += 1
        self._fill_table(rows, header_rows)
        self.after_table = True
        return index + 1

    def _fill_table(self, rows: list[list[tuple[Token, str]]], header_rows: int) -> None:
        if _last_block(self.container) == qn("w:tbl"):  # Word and LibreOffice join adjacent tables into one
            self.writer.paragraph(self.container)
        columns = max(len(row) for row in rows)
        width = self.writer.text_width // columns
        table = self.writer.table(self.container, [width] * columns, header_rows > 0, fixed=False)
        for row_index, cells in enumerate(rows):
            header = row_index < header_rows
            row = self.writer.row(table, header, whole=short_row([(width, [token.content]) for token, _ in cells]))
            for token, align in cells + [(Token("inline", "", 0), "")] * (columns - len(cells)):
                p = self.writer.paragraph(self.writer.cell(row, width), TABLE_HEADING if header else TABLE_TEXT,
                                          keep_next=header)
                if align in ("center", "right"):
                    p[0].append(p.makeelement(W_JC, {W_VAL: align}))
                _Inline(self.writer, p).write(token.children or [])


def _last_block(container: BaseOxmlElement) -> str | None:
    """The tag of the last paragraph or table in ``container`` (a body's closing sectPr is not one)."""
    last = next(container.iterchildren(reversed=True), None)
    if last is not None and last.tag == W_SECTPR:
        last = last.getprevious()
    return None if last is None else str(last.tag)


_BLOCK_HANDLERS: dict[str, Callable[[_Blocks, Sequence[Token], int], int]] = {
    "heading_open": _Blocks._heading,
    "paragraph_open": _Blocks._text_paragraph,
    "bullet_list_open": _Blocks._open_list,
    "ordered_list_open": _Blocks._open_list,
    "bullet_list_close": _Blocks._close_list,
    "ordered_list_close": _Blocks._close_list,
    "list_item_open": _Blocks._open_item,
    "list_item_close": _Blocks._close_item,
    "blockquote_open": _Blocks._open_quote,
    "blockquote_close": _Blocks._close_quote,
    "fence": _Blocks._code,
    "code_block": _Blocks._code,
    "hr": _Blocks._rule,
    "table_open": _Blocks._table,
}
"""What each block token does; tokens not named here (closing tags, inline) are stepped over."""


class _Inline:
    """Writes the inline tokens of one paragraph as runs, tracking emphasis and the open link."""

    def __init__(self, writer: DocxWriter, paragraph: BaseOxmlElement) -> None:
        self.writer = writer
        self.paragraph = paragraph
        self.target: BaseOxmlElement = paragraph
        self.bold = 0
        self.italic = 0

    def write(self, children: Iterable[Token]) -> None:
        for token in children:
            kind = token.type
            if kind == "text":
                self._run(token.content)
            elif kind == "softbreak":
                self._run(" ")
            elif kind == "hardbreak":
                self._run("\n")
            elif kind == "code_inline":
                self._run(token.content, VERBATIM)
            elif kind in ("strong_open", "strong_close"):
                self.bold += 1 if kind == "strong_open" else -1
            elif kind in ("em_open", "em_close"):
                self.italic += 1 if kind == "em_open" else -1
            elif kind == "link_open":
                self.target = self.writer.hyperlink(self.paragraph, str(token.attrGet("href")))
            elif kind == "link_close":
                self.target = self.paragraph

    def _run(self, text: str, style: str | None = None) -> None:
        in_link = self.target is not self.paragraph
        self.writer.run(self.target, text, style=style or (HYPERLINK if in_link else None),
                        bold=self.bold > 0, italic=self.italic > 0)
