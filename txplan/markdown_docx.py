"""Markdown to WordprocessingML, through markdown-it-py's token stream.

Item texts and the plan narrative are CommonMark with tables. markdown-it-py
parses them (no hand-rolled parser); this module walks its tokens and writes
WordprocessingML with the document's styles. ``DocxWriter`` is also the small
builder the chart writes its own paragraphs and tables with.

Decisions worth knowing:

- Every list, nested or not, gets its own numbering instance (``w:num``)
  pointing at a shared abstract definition with a ``startOverride``, as pandoc
  does, so that each numbered list starts at its own first number.
- Raw HTML is written as literal text. Nothing in a plan is interpreted as markup
  that Word or LibreOffice would act on.
- Links become real hyperlinks only for http(s), mailto and tel addresses; any
  other target (relative paths, anchors) is meaningless in a chart, so only the
  link text is kept. Images are never fetched or embedded; their alt text is shown.
- Elements are built with lxml directly, in schema order, with style ids
  resolved once per reference document: python-docx's proxies look styles up by
  scanning and re-find each child's place on every insertion, which made a chart
  ten times slower to build.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from markdown_it import MarkdownIt
from markdown_it.token import Token

MARKDOWN = MarkdownIt("commonmark").enable("table")

LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_TAB_OR_NEWLINE = re.compile("([\t\n])")

# Names of the styles a chart uses; ``ensure_styles`` adds any the reference document lacks.
TITLE, SUBTITLE = "Title", "Subtitle"
LIST_PARAGRAPH, QUOTE, SOURCE_CODE = "List Paragraph", "Quote", "Source Code"
TABLE_TEXT, TABLE_HEADING, TABLE = "Table Text", "Table Heading", "Chart Table"
HYPERLINK, VERBATIM = "Hyperlink", "Verbatim Char"
MAX_HEADING = 6

# Lists: the abstract definitions are found by name, so a clinic's reference document can restyle them.
BULLET_LIST_NAME, NUMBERED_LIST_NAME = "txplan bullet", "txplan numbered"
LIST_LEVELS = 9
LIST_INDENT_TWIPS = 360
SPACE_AFTER_TABLE_TWIPS = 120  # Word has no spacing below a table; the next body paragraph keeps it off
_BULLETS = ("\u2022", "\u25e6", "\u25aa")
_NUMBER_FORMATS = ("decimal", "lowerLetter", "lowerRoman")


def _w(tag: str) -> str:
    return qn(f"w:{tag}")


W_P, W_PPR, W_PSTYLE, W_KEEP_NEXT, W_NUMPR, W_ILVL, W_NUMID, W_SPACING, W_IND, W_JC = map(
    _w, ("p", "pPr", "pStyle", "keepNext", "numPr", "ilvl", "numId", "spacing", "ind", "jc"))
W_R, W_RPR, W_RSTYLE, W_B, W_I, W_T, W_TAB, W_BR = map(_w, ("r", "rPr", "rStyle", "b", "i", "t", "tab", "br"))
W_TBL, W_TBLPR, W_TBLSTYLE, W_TBLW, W_TBLLAYOUT, W_TBLLOOK, W_TBLGRID, W_GRIDCOL = map(
    _w, ("tbl", "tblPr", "tblStyle", "tblW", "tblLayout", "tblLook", "tblGrid", "gridCol"))
W_TR, W_TRPR, W_CANT_SPLIT, W_TBL_HEADER, W_TC, W_TCPR, W_TCW, W_GRIDSPAN = map(
    _w, ("tr", "trPr", "cantSplit", "tblHeader", "tc", "tcPr", "tcW", "gridSpan"))
W_NUM, W_ABSTRACT_NUM, W_ABSTRACT_NUM_ID, W_LVL_OVERRIDE, W_START_OVERRIDE, W_NUMID_MAC = map(
    _w, ("num", "abstractNum", "abstractNumId", "lvlOverride", "startOverride", "numIdMacAtCleanup"))
W_HYPERLINK, W_SECTPR, W_FLDCHAR, W_INSTRTEXT, W_NAME = map(_w, ("hyperlink", "sectPr", "fldChar", "instrText", "name"))
W_VAL, W_W, W_TYPE, W_LEFT, W_BEFORE, W_HISTORY, W_FLDCHARTYPE = map(
    _w, ("val", "w", "type", "left", "before", "history", "fldCharType"))
R_ID = qn("r:id")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def heading_style(level: int) -> str:
    return f"Heading {min(max(level, 1), MAX_HEADING)}"


@dataclass(frozen=True)
class StyleSpec:
    """A style a chart needs, and how it looks when the reference document does not define it."""

    name: str
    kind: WD_STYLE_TYPE
    based_on: str | None = None
    size: float | None = None
    bold: bool | None = None
    italic: bool | None = None
    underline: bool | None = None
    color: str | None = None
    font: str | None = None
    space_before: float | None = None
    space_after: float | None = None
    keep_with_next: bool | None = None


MARKDOWN_STYLES: tuple[StyleSpec, ...] = (
    StyleSpec(LIST_PARAGRAPH, WD_STYLE_TYPE.PARAGRAPH, "Normal", space_after=2),
    StyleSpec(QUOTE, WD_STYLE_TYPE.PARAGRAPH, "Normal", italic=True, color="4A5560"),
    StyleSpec(SOURCE_CODE, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=9, font="Liberation Mono", space_after=6),
    StyleSpec(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH, "Normal", space_before=0, space_after=0),
    StyleSpec(TABLE_HEADING, WD_STYLE_TYPE.PARAGRAPH, TABLE_TEXT, bold=True),
    StyleSpec(HYPERLINK, WD_STYLE_TYPE.CHARACTER, None, underline=True, color="1F5C99"),
    StyleSpec(VERBATIM, WD_STYLE_TYPE.CHARACTER, None, size=9, font="Liberation Mono"),
    StyleSpec(TABLE, WD_STYLE_TYPE.TABLE, "Table Grid"),
    *(StyleSpec(heading_style(level), WD_STYLE_TYPE.PARAGRAPH, "Normal", bold=True, keep_with_next=True)
      for level in range(1, MAX_HEADING + 1)),
)


def ensure_styles(document: Any, specs: Iterable[StyleSpec]) -> None:
    """Add each style the document lacks, so rendering never depends on what a reference defines."""
    styles = document.styles
    present = {style.name for style in styles}
    for spec in specs:
        if spec.name in present:
            continue
        style = styles.add_style(spec.name, spec.kind)
        present.add(spec.name)
        if spec.based_on in present:
            style.base_style = styles[spec.based_on]
        if spec.kind is not WD_STYLE_TYPE.TABLE:
            apply_look(style, spec)


def apply_look(style: Any, spec: StyleSpec) -> None:
    font = style.font
    for attribute in ("bold", "italic", "underline"):
        if getattr(spec, attribute) is not None:
            setattr(font, attribute, getattr(spec, attribute))
    if spec.size is not None:
        font.size = Pt(spec.size)
    if spec.color is not None:
        font.color.rgb = RGBColor.from_string(spec.color)
    if spec.font is not None:
        font.name = spec.font
    if spec.kind is WD_STYLE_TYPE.PARAGRAPH:
        paragraph = style.paragraph_format
        if spec.space_before is not None:
            paragraph.space_before = Pt(spec.space_before)
        if spec.space_after is not None:
            paragraph.space_after = Pt(spec.space_after)
        if spec.keep_with_next is not None:
            paragraph.keep_with_next = spec.keep_with_next


def style_ids(document: Any) -> dict[str, str]:
    """Style ids by style name, read once per reference document."""
    return {style.name: style.style_id for style in document.styles}


def ensure_list_definitions(numbering: Any) -> tuple[int, int]:
    """The abstract numbering ids for bullet and numbered lists, adding txplan's own when missing."""
    abstracts = numbering.findall(W_ABSTRACT_NUM)
    ids = [int(abstract.get(_w("abstractNumId"))) for abstract in abstracts]
    by_name = {name.get(W_VAL): abstract_id for abstract, abstract_id in zip(abstracts, ids, strict=True)
               for name in abstract.findall(W_NAME)}
    found: list[int] = []
    for name, ordered in ((BULLET_LIST_NAME, False), (NUMBERED_LIST_NAME, True)):
        if name not in by_name:
            by_name[name] = max(ids, default=-1) + 1
            ids.append(by_name[name])
            _insert_abstract_num(numbering, _abstract_num(by_name[name], name, ordered))
        found.append(by_name[name])
    return found[0], found[1]


def next_num_id(numbering: Any) -> int:
    return max((int(num.get(_w("numId"))) for num in numbering.findall(W_NUM)), default=0) + 1


def _insert_abstract_num(numbering: Any, abstract: Any) -> None:
    """abstractNum elements precede every num element in numbering.xml."""
    first_num = numbering.find(W_NUM)
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)


def _abstract_num(abstract_id: int, name: str, ordered: bool) -> Any:
    levels = "".join(_level_xml(level, ordered) for level in range(LIST_LEVELS))
    return parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="hybridMultilevel"/><w:name w:val="{name}"/>{levels}</w:abstractNum>')


def _level_xml(level: int, ordered: bool) -> str:
    number_format = _NUMBER_FORMATS[level % 3] if ordered else "bullet"
    text = f"%{level + 1}." if ordered else _BULLETS[level % 3]
    return (f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{number_format}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{list_indent(level)}" w:hanging="{LIST_INDENT_TWIPS}"/></w:pPr></w:lvl>')


def list_indent(level: int) -> int:
    """Left indent in twips of the text of a list item at ``level`` (0-based)."""
    return LIST_INDENT_TWIPS * (level + 1)


def SubElement(parent: Any, tag: str, attributes: dict[str, str] | None = None) -> Any:
    """lxml's SubElement, through the parent so that python-docx's element classes apply."""
    child = parent.makeelement(tag, attributes or {})
    parent.append(child)
    return child


def append_block(container: Any, block: Any) -> Any:
    """Append a paragraph or table to a body, cell, header or footer; a body's sectPr stays last."""
    last = next(container.iterchildren(reversed=True), None)  # len() and [-1] walk every child in lxml
    if last is not None and last.tag == W_SECTPR:
        last.addprevious(block)
    else:
        container.append(block)
    return block


def set_text(run: Any, text: str) -> None:
    """Text of a run, with tabs and line breaks as their own elements and characters XML cannot hold removed."""
    text = _XML_INVALID.sub("", text)
    for piece in _TAB_OR_NEWLINE.split(text) if ("\t" in text or "\n" in text) else (text,):
        if piece == "\t":
            SubElement(run, W_TAB)
        elif piece == "\n":
            SubElement(run, W_BR)
        elif piece:
            element = SubElement(run, W_T)
            element.text = piece
            if piece[0] == " " or piece[-1] == " ":
                element.set(XML_SPACE, "preserve")


@dataclass
class DocxWriter:
    """Builds the blocks of one document: styles, list instances and hyperlinks all belong to it."""

    styles: Mapping[str, str]
    part: Any  # the document part, which owns hyperlink relationships
    numbering: Any
    list_ids: tuple[int, int]
    text_width: int
    next_num: int

    def paragraph(self, container: Any, style: str | None = None, text: str = "", *, keep_next: bool = False,
                  numbered: tuple[int, int] | None = None, space_before: int | None = None,
                  indent: int | None = None) -> Any:
        """A paragraph: ``numbered`` is (numId, level) of a list item; spacing and indent are in twips."""
        p = append_block(container, container.makeelement(W_P, {}))
        if style is not None or keep_next or numbered is not None or space_before is not None or indent is not None:
            properties = SubElement(p, W_PPR)  # children in schema order
            if style is not None:
                SubElement(properties, W_PSTYLE, {W_VAL: self.styles[style]})
            if keep_next:
                SubElement(properties, W_KEEP_NEXT)
            if numbered is not None:
                numbering = SubElement(properties, W_NUMPR)
                SubElement(numbering, W_ILVL, {W_VAL: str(numbered[1])})
                SubElement(numbering, W_NUMID, {W_VAL: str(numbered[0])})
            if space_before is not None:
                SubElement(properties, W_SPACING, {W_BEFORE: str(space_before)})
            if indent is not None:
                SubElement(properties, W_IND, {W_LEFT: str(indent)})
        if text:
            self.run(p, text)
        return p

    def run(self, parent: Any, text: str, *, style: str | None = None, bold: bool = False, italic: bool = False) -> Any:
        """A run appended to a paragraph or hyperlink."""
        run = SubElement(parent, W_R)
        if style is not None or bold or italic:
            properties = SubElement(run, W_RPR)
            if style is not None:
                SubElement(properties, W_RSTYLE, {W_VAL: self.styles[style]})
            if bold:
                SubElement(properties, W_B)
            if italic:
                SubElement(properties, W_I)
        set_text(run, text)
        return run

    def field(self, p: Any, instruction: str) -> None:
        """A real Word field (begin, instruction, separate, result, end) that Word and LibreOffice update."""
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "begin"})
        code = SubElement(SubElement(p, W_R), W_INSTRTEXT, {XML_SPACE: "preserve"})
        code.text = f" {instruction} "
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "separate"})
        self.run(p, "1")  # shown until the field is updated, which both programs do for PAGE and NUMPAGES
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "end"})

    def hyperlink(self, p: Any, href: str) -> Any:
        """A hyperlink element for ``href``; its runs are added by the caller."""
        relationship = self.part.relate_to(href, RT.HYPERLINK, is_external=True)
        return SubElement(p, W_HYPERLINK, {R_ID: relationship, W_HISTORY: "1"})

    def start_list(self, ordered: bool, level: int, start: int = 1) -> int:
        """A fresh numbering instance, so this list counts from ``start`` whatever came before."""
        num_id = self.next_num
        self.next_num += 1
        num = self.numbering.makeelement(W_NUM, {_w("numId"): str(num_id)})
        SubElement(num, W_ABSTRACT_NUM_ID, {W_VAL: str(self.list_ids[ordered])})
        if ordered:
            override = SubElement(num, W_LVL_OVERRIDE, {W_ILVL: str(level)})
            SubElement(override, W_START_OVERRIDE, {W_VAL: str(start)})
        cleanup = self.numbering.find(W_NUMID_MAC)
        if cleanup is None:
            self.numbering.append(num)
        else:
            cleanup.addprevious(num)
        return num_id

    def plain_list(self, container: Any, texts: Sequence[str]) -> None:
        """A bullet list of plain-text entries (plan fields are text, not Markdown)."""
        num_id = self.start_list(False, 0)
        for text in texts:
            self.paragraph(container, LIST_PARAGRAPH, text, numbered=(num_id, 0))

    def table(self, container: Any, widths: Sequence[int], header: bool, fixed: bool = True) -> Any:
        """A table in the chart's table style; add rows with ``row`` and cells with ``cell``."""
        table = append_block(container, container.makeelement(W_TBL, {}))
        properties = SubElement(table, W_TBLPR)
        SubElement(properties, W_TBLSTYLE, {W_VAL: self.styles[TABLE]})
        SubElement(properties, W_TBLW, {W_W: str(sum(widths)) if fixed else "0", W_TYPE: "dxa" if fixed else "auto"})
        if fixed:
            SubElement(properties, W_TBLLAYOUT, {W_TYPE: "fixed"})
        SubElement(properties, W_TBLLOOK, _table_look(header))
        grid = SubElement(table, W_TBLGRID)
        for width in widths:
            SubElement(grid, W_GRIDCOL, {W_W: str(width)})
        return table

    def row(self, table: Any, header: bool = False) -> Any:
        """A row that never splits across pages; a header row repeats on every page the table spans."""
        row = SubElement(table, W_TR)
        properties = SubElement(row, W_TRPR)
        SubElement(properties, W_CANT_SPLIT)
        if header:
            SubElement(properties, W_TBL_HEADER)
        return row

    def cell(self, row: Any, width: int, span: int = 1) -> Any:
        """An empty cell: give it at least one paragraph."""
        cell = SubElement(row, W_TC)
        properties = SubElement(cell, W_TCPR)
        SubElement(properties, W_TCW, {W_W: str(width), W_TYPE: "dxa"})
        if span > 1:
            SubElement(properties, W_GRIDSPAN, {W_VAL: str(span)})
        return cell

    def markdown(self, container: Any, source: str, top_heading: int) -> None:
        """Render Markdown; its highest heading becomes ``top_heading`` so the outline stays unbroken."""
        tokens = MARKDOWN.parse(source)
        _Blocks(self, container, _heading_shift(tokens, top_heading)).write(tokens)


def _table_look(header: bool) -> dict[str, str]:
    """Header-row formatting of the table style only where the first row really is a header."""
    flags = {"firstRow": header, "lastRow": False, "firstColumn": False, "lastColumn": False,
             "noHBand": True, "noVBand": True}
    look = {_w(name): "1" if on else "0" for name, on in flags.items()}
    look[W_VAL] = f"{(0x20 if header else 0) | 0x200 | 0x400:04X}"
    return look


def _heading_shift(tokens: Sequence[Token], top_heading: int) -> int:
    levels = [int(token.tag[1:]) for token in tokens if token.type == "heading_open"]
    return top_heading - min(levels, default=1)


@dataclass
class _OpenList:
    num_id: int
    level: int


class _Blocks:
    """Walks block tokens, keeping track of open lists and block quotes."""

    def __init__(self, writer: DocxWriter, container: Any, heading_shift: int) -> None:
        self.writer = writer
        self.container = container
        self.heading_shift = heading_shift
        self.lists: list[_OpenList] = []
        self.quotes = 0
        self.item_needs_marker = False
        self.after_table = False

    def write(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            handler = _BLOCK_HANDLERS.get(tokens[index].type)
            index = handler(self, tokens, index) if handler else index + 1

    def _block_paragraph(self, style: str | None, text: str = "") -> Any:
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
        level = int(tokens[index].tag[1:]) + self.heading_shift
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
        start = int(token.attrGet("start") or 1) if ordered else 1
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

    def _literal_html(self, tokens: Sequence[Token], index: int) -> int:
        self._block_paragraph(None, tokens[index].content.rstrip("\n"))
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
        columns = max(len(row) for row in rows)
        width = self.writer.text_width // columns
        table = self.writer.table(self.container, [width] * columns, header_rows > 0, fixed=False)
        for row_index, cells in enumerate(rows):
            header = row_index < header_rows
            row = self.writer.row(table, header)
            for token, align in cells + [(Token("inline", "", 0), "")] * (columns - len(cells)):
                p = self.writer.paragraph(self.writer.cell(row, width), TABLE_HEADING if header else TABLE_TEXT,
                                          keep_next=header)
                if align in ("center", "right"):
                    p[0].append(p.makeelement(W_JC, {W_VAL: align}))
                _Inline(self.writer, p).write(token.children or [])


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
    "html_block": _Blocks._literal_html,
    "hr": _Blocks._rule,
    "table_open": _Blocks._table,
}
"""What each block token does; tokens not named here (closing tags, inline) are stepped over."""


class _Inline:
    """Writes the inline tokens of one paragraph as runs, tracking emphasis and the open link."""

    def __init__(self, writer: DocxWriter, paragraph: Any) -> None:
        self.writer = writer
        self.paragraph = paragraph
        self.target: Any = paragraph
        self.bold = 0
        self.italic = 0

    def write(self, children: Iterable[Token]) -> None:
        for token in children:
            kind = token.type
            if kind in ("text", "html_inline"):
                self._run(token.content)
            elif kind == "softbreak":
                self._run(" ")
            elif kind == "hardbreak":
                self._run("\n")
            elif kind == "code_inline":
                self._run(token.content, VERBATIM)
            elif kind == "image":
                self._run(f"[image: {token.content}]" if token.content else "[image]")
            elif kind in ("strong_open", "strong_close"):
                self.bold += 1 if kind == "strong_open" else -1
            elif kind in ("em_open", "em_close"):
                self.italic += 1 if kind == "em_open" else -1
            elif kind == "link_open":
                self._open_link(str(token.attrGet("href") or ""))
            elif kind == "link_close":
                self.target = self.paragraph

    def _run(self, text: str, style: str | None = None) -> None:
        in_link = self.target is not self.paragraph
        self.writer.run(self.target, text, style=style or (HYPERLINK if in_link else None),
                        bold=self.bold > 0, italic=self.italic > 0)

    def _open_link(self, href: str) -> None:
        if href.lower().startswith(LINK_SCHEMES):
            self.target = self.writer.hyperlink(self.paragraph, href)
