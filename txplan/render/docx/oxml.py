"""WordprocessingML elements, built directly with lxml in schema order.

The layer under the DOCX renderer, in the spirit of python-docx's own oxml
package: ``DocxWriter`` makes paragraphs, runs, fields, hyperlinks, list
instances and tables, with style ids resolved once per reference document.
python-docx's proxy objects look styles up by scanning and re-find each
child's place on every insertion, which made a chart ten times slower to build.

Every list, nested or not, gets its own numbering instance (``w:num``)
pointing at a shared abstract definition with a ``startOverride``, as pandoc
does, so that each numbered list starts at its own first number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement

from ..markdown import LIST_LEVELS, LIST_MARKERS
from .styles import LIST_PARAGRAPH, TABLE

__all__ = [
    "LIST_LEVELS",
    "W_DRAWING",
    "W_JC",
    "W_P",
    "W_PPR",
    "W_R",
    "W_SECTPR",
    "W_VAL",
    "DocxWriter",
    "SubElement",
    "append_block",
    "ensure_list_definitions",
    "list_indent",
    "next_num_id",
    "set_text",
    "short_row",
]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_TAB_OR_NEWLINE = re.compile("([\t\n])")

# Lists: the abstract definitions are found by name, so a clinic's reference document can restyle them.
BULLET_LIST_NAME, NUMBERED_LIST_NAME = "txplan bullet", "txplan numbered"
LIST_INDENT_TWIPS = 360
# The markers by depth are the chart's (render.markdown.LIST_MARKERS, in CSS's names), so the HTML marks alike.
_NUMBER_FORMATS = tuple({"decimal": "decimal", "lower-alpha": "lowerLetter", "lower-roman": "lowerRoman"}[number]
                        for number, _ in LIST_MARKERS)
_BULLETS = tuple({"disc": "\u2022", "circle": "\u25e6", "square": "\u25aa"}[bullet] for _, bullet in LIST_MARKERS)
# Rows kept whole: a row must be well under a page (about 45 lines of table text), or a word processor cuts it.
_WHOLE_ROW_LINES = 15
_TWIPS_PER_CHARACTER = 100  # table text averages narrower (about 5 pt a character), so lines are overestimated
_CELL_MARGINS_TWIPS = 216


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
W_DRAWING = qn("w:drawing")


def ensure_list_definitions(numbering: BaseOxmlElement) -> tuple[int, int]:
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


def short_row(cells: Sequence[tuple[int, Sequence[str]]]) -> bool:
    """Whether a row of cells (width in twips, its paragraphs) is short enough to keep on one page.

    A row that may not split and is taller than a page is cut by LibreOffice: the end of its text is missing from
    the PDF. So only a row whose every cell wraps to at most ``_WHOLE_ROW_LINES`` lines (estimated from its width)
    is kept whole; a longer one splits across pages, and every word of it is printed.
    """
    for width, paragraphs in cells:
        per_line = max((width - _CELL_MARGINS_TWIPS) // _TWIPS_PER_CHARACTER, 1)
        lines = (line for text in paragraphs for line in text.split("\n"))
        if sum(-(-max(len(line), 1) // per_line) for line in lines) > _WHOLE_ROW_LINES:
            return False
    return True


def next_num_id(numbering: BaseOxmlElement) -> int:
    return max((int(num.get(_w("numId"))) for num in numbering.findall(W_NUM)), default=0) + 1


def _insert_abstract_num(numbering: BaseOxmlElement, abstract: BaseOxmlElement) -> None:
    """abstractNum elements precede every num element in numbering.xml."""
    first_num = numbering.find(W_NUM)
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)


def _abstract_num(abstract_id: int, name: str, ordered: bool) -> BaseOxmlElement:
    levels = "".join(_level_xml(level, ordered) for level in range(LIST_LEVELS))
    return parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="hybridMultilevel"/><w:name w:val="{name}"/>{levels}</w:abstractNum>')


def _level_xml(level: int, ordered: bool) -> str:
    number_format = _NUMBER_FORMATS[level % len(LIST_MARKERS)] if ordered else "bullet"
    text = f"%{level + 1}." if ordered else _BULLETS[level % len(LIST_MARKERS)]
    return (f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{number_format}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{list_indent(level)}" w:hanging="{LIST_INDENT_TWIPS}"/></w:pPr></w:lvl>')


def list_indent(level: int) -> int:
    """Left indent in twips of the text of a list item at ``level`` (0-based)."""
    return LIST_INDENT_TWIPS * (level + 1)


def SubElement(parent: BaseOxmlElement, tag: str, attributes: dict[str, str] | None = None) -> BaseOxmlElement:
    """lxml's SubElement, through the parent so that python-docx's element classes apply."""
    child: BaseOxmlElement = parent.makeelement(tag, attributes or {})
    parent.append(child)
    return child


def append_block(container: BaseOxmlElement, block: BaseOxmlElement) -> BaseOxmlElement:
    """Append a paragraph or table to a body, cell, header or footer; a body's sectPr stays last."""
    last = next(container.iterchildren(reversed=True), None)  # len() and [-1] walk every child in lxml
    if last is not None and last.tag == W_SECTPR:
        last.addprevious(block)
    else:
        container.append(block)
    return block


def set_text(run: BaseOxmlElement, text: str) -> None:
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
    numbering: BaseOxmlElement
    list_ids: tuple[int, int]
    text_width: int
    next_num: int

    def paragraph(self, container: BaseOxmlElement, style: str | None = None, text: str = "", *, keep_next: bool = False,
                  numbered: tuple[int, int] | None = None, space_before: int | None = None,
                  indent: int | None = None) -> BaseOxmlElement:
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

    def run(self, parent: BaseOxmlElement, text: str, *, style: str | None = None, bold: bool = False,
            italic: bool = False) -> BaseOxmlElement:
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

    def field(self, p: BaseOxmlElement, instruction: str) -> None:
        """A real Word field (begin, instruction, separate, result, end) that Word and LibreOffice update."""
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "begin"})
        code = SubElement(SubElement(p, W_R), W_INSTRTEXT, {XML_SPACE: "preserve"})
        code.text = f" {instruction} "
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "separate"})
        self.run(p, "1")  # shown until the field is updated, which both programs do for PAGE and NUMPAGES
        SubElement(SubElement(p, W_R), W_FLDCHAR, {W_FLDCHARTYPE: "end"})

    def hyperlink(self, p: BaseOxmlElement, href: str) -> BaseOxmlElement:
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

    def plain_list(self, container: BaseOxmlElement, texts: Sequence[str]) -> None:
        """A bullet list of plain-text entries (plan fields are text, not Markdown)."""
        num_id = self.start_list(False, 0)
        for text in texts:
            self.paragraph(container, LIST_PARAGRAPH, text, numbered=(num_id, 0))

    def table(self, container: BaseOxmlElement, widths: Sequence[int], header: bool, fixed: bool = True) -> BaseOxmlElement:
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

    def row(self, table: BaseOxmlElement, header: bool = False, whole: bool = True) -> BaseOxmlElement:
        """A row kept on one page when ``whole`` (see ``short_row``); a header row repeats on every page the table
        spans."""
        row = SubElement(table, W_TR)
        properties = SubElement(row, W_TRPR)
        if whole:
            SubElement(properties, W_CANT_SPLIT)
        if header:
            SubElement(properties, W_TBL_HEADER)
        return row

    def cell(self, row: BaseOxmlElement, width: int, span: int = 1) -> BaseOxmlElement:
        """An empty cell: give it at least one paragraph."""
        cell = SubElement(row, W_TC)
        properties = SubElement(cell, W_TCPR)
        SubElement(properties, W_TCW, {W_W: str(width), W_TYPE: "dxa"})
        if span > 1:
            SubElement(properties, W_GRIDSPAN, {W_VAL: str(span)})
        return cell


def _table_look(header: bool) -> dict[str, str]:
    """Header-row formatting of the table style only where the first row really is a header."""
    flags = {"firstRow": header, "lastRow": False, "firstColumn": False, "lastColumn": False,
             "noHBand": True, "noVBand": True}
    look = {_w(name): "1" if on else "0" for name, on in flags.items()}
    look[W_VAL] = f"{(0x20 if header else 0) | 0x200 | 0x400:04X}"
    return look

