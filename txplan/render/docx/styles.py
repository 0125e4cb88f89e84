"""The styles a chart uses, by name, and how each looks when the clinic's reference document lacks it.

Like pandoc's ``--reference-doc``, a chart takes its look from the clinic's
``templates/chart.docx``; every style a renderer names is listed here, so a
reference document that lacks one still gives a readable chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt, RGBColor
from docx.styles.style import BaseStyle, CharacterStyle, ParagraphStyle

__all__ = [
    "BUILT_IN_STYLES",
    "CHART_STYLES",
    "ELEMENT_NOTE",
    "FOOTER",
    "HEADER",
    "HYPERLINK",
    "ITEM_DETAILS",
    "LIST_PARAGRAPH",
    "MARKDOWN_STYLES",
    "MAX_HEADING",
    "QUOTE",
    "SIGNATURE_CAPTION",
    "SIGNATURE_LINE",
    "SIGNATURE_SIGNED",
    "SOURCE_CODE",
    "SUBTITLE",
    "TABLE",
    "TABLE_HEADING",
    "TABLE_TEXT",
    "TITLE",
    "VERBATIM",
    "StyleSpec",
    "apply_look",
    "ensure_styles",
    "heading_style",
    "style_ids",
]

# Names of the styles a chart uses; ``ensure_styles`` adds any the reference document lacks.
TITLE, SUBTITLE = "Title", "Subtitle"
LIST_PARAGRAPH, QUOTE, SOURCE_CODE = "List Paragraph", "Quote", "Source Code"
TABLE_TEXT, TABLE_HEADING, TABLE = "Table Text", "Table Heading", "Chart Table"
HYPERLINK, VERBATIM = "Hyperlink", "Verbatim Char"
MAX_HEADING = 6
HEADER, FOOTER = "Header", "Footer"
ITEM_DETAILS, ELEMENT_NOTE = "Item Details", "Element Note"
SIGNATURE_LINE, SIGNATURE_CAPTION = "Signature Line", "Signature Caption"
SIGNATURE_SIGNED = "Signature Signed"  # a signature given electronically, in words


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


CHART_STYLES: tuple[StyleSpec, ...] = (
    StyleSpec(HEADER, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=8),
    StyleSpec(FOOTER, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=8),
    StyleSpec(ITEM_DETAILS, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=9, color="5A6570", space_after=10),
    StyleSpec(ELEMENT_NOTE, WD_STYLE_TYPE.PARAGRAPH, "Normal", italic=True, color="5A6570"),
    StyleSpec(SIGNATURE_LINE, WD_STYLE_TYPE.PARAGRAPH, "Normal", space_before=28, space_after=0, keep_with_next=True),
    StyleSpec(SIGNATURE_CAPTION, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=9, space_after=6, keep_with_next=True),
    StyleSpec(SIGNATURE_SIGNED, WD_STYLE_TYPE.PARAGRAPH, "Normal", space_before=14, space_after=6, keep_with_next=True),
)

BUILT_IN_STYLES = frozenset({"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid",
                             "Title", "Subtitle", "Quote", "List Paragraph", "Header", "Footer",
                             *(heading_style(level) for level in range(1, 7))})


def ensure_styles(document: DocxDocument, specs: Iterable[StyleSpec]) -> None:
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


def apply_look(style: BaseStyle, spec: StyleSpec) -> None:
    """A character or paragraph style's look from its spec (python-docx gives both a font; a paragraph style also
    a paragraph format)."""
    assert isinstance(style, CharacterStyle)  # ParagraphStyle is a CharacterStyle
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
    if isinstance(style, ParagraphStyle):
        paragraph = style.paragraph_format
        if spec.space_before is not None:
            paragraph.space_before = Pt(spec.space_before)
        if spec.space_after is not None:
            paragraph.space_after = Pt(spec.space_after)
        if spec.keep_with_next is not None:
            paragraph.keep_with_next = spec.keep_with_next


def style_ids(document: DocxDocument) -> dict[str, str]:
    """Style ids by style name, read once per reference document."""
    return {style.name: style.style_id for style in document.styles}

