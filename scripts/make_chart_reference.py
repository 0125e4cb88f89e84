"""Build templates/chart.docx, the reference document for charts: the example clinic's, and the look txplan
ships (the wheel carries it, ``txplan init`` copies it, and charts take it when a clinic has none).

Like pandoc's ``--reference-doc``, a chart takes its styles, list definitions,
page size, margins and header art from this file and ignores its body. This
script makes a quiet, readable one: Liberation Sans (metric-compatible with
Arial, which Word substitutes through the font table), navy headings, light
table rules, US Letter with one-inch margins. The output is reproducible, so
re-running the script changes nothing unless the script changed.

Run from the repository root::

    python scripts/make_chart_reference.py [OUTPUT]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches

from txplan.render.docx.package import blank_reference, package_bytes, prepare_base
from txplan.render.docx.styles import (
    ELEMENT_NOTE,
    FOOTER,
    HEADER,
    HYPERLINK,
    ITEM_DETAILS,
    LIST_PARAGRAPH,
    QUOTE,
    SIGNATURE_CAPTION,
    SIGNATURE_LINE,
    SIGNATURE_SIGNED,
    SOURCE_CODE,
    SUBTITLE,
    TABLE,
    TABLE_HEADING,
    TABLE_TEXT,
    TITLE,
    VERBATIM,
    StyleSpec,
    apply_look,
    heading_style,
)

OUTPUT = Path("templates") / "chart.docx"
SANS, MONO = "Liberation Sans", "Liberation Mono"
NAVY, SLATE, GREY, RULE, TINT = "1F3A5F", "33414F", "5A6570", "C3CDD8", "EAF0F5"
TEXT = "222A33"

P, C = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER
LOOK: tuple[StyleSpec, ...] = (
    StyleSpec("Normal", P, size=10, color=TEXT, space_before=0, space_after=6),
    StyleSpec(TITLE, P, size=22, bold=True, italic=False, color=NAVY, space_before=0, space_after=2),
    StyleSpec(SUBTITLE, P, size=11, bold=False, italic=False, color=GREY, space_before=0, space_after=14),
    StyleSpec(heading_style(1), P, size=13, bold=True, italic=False, color=NAVY, space_before=18, space_after=6),
    StyleSpec(heading_style(2), P, size=11.5, bold=True, italic=False, color=NAVY, space_before=12, space_after=4),
    StyleSpec(heading_style(3), P, size=10.5, bold=True, italic=False, color=SLATE, space_before=10, space_after=3),
    StyleSpec(heading_style(4), P, size=10, bold=True, italic=True, color=SLATE, space_before=8, space_after=2),
    StyleSpec(heading_style(5), P, size=10, bold=True, italic=False, color=SLATE, space_before=6, space_after=2),
    StyleSpec(heading_style(6), P, size=10, bold=False, italic=True, color=SLATE, space_before=6, space_after=2),
    StyleSpec(LIST_PARAGRAPH, P, space_before=0, space_after=6),
    StyleSpec(QUOTE, P, size=10, italic=True, color=SLATE, space_before=2, space_after=8),
    StyleSpec(SOURCE_CODE, P, size=8.5, font=MONO, color=TEXT, space_before=2, space_after=8),
    StyleSpec(TABLE_TEXT, P, size=9.5, space_before=0, space_after=0),
    StyleSpec(TABLE_HEADING, P, size=9.5, bold=True, color=SLATE, space_before=0, space_after=0),
    StyleSpec(ITEM_DETAILS, P, size=8.5, color=GREY, space_before=0, space_after=12),
    StyleSpec(ELEMENT_NOTE, P, italic=True, color=GREY),
    StyleSpec(HEADER, P, size=8, color=GREY, space_after=0),
    StyleSpec(FOOTER, P, size=8, color=GREY, space_after=0),
    StyleSpec(SIGNATURE_LINE, P, space_before=30, space_after=0),
    StyleSpec(SIGNATURE_CAPTION, P, size=8.5, color=GREY, space_after=4),
    StyleSpec(SIGNATURE_SIGNED, P, size=10, bold=True, color=SLATE, space_before=14, space_after=4),
    StyleSpec(HYPERLINK, C, underline=True, color="1F5C99"),
    StyleSpec(VERBATIM, C, size=9, font=MONO),
)

BORDERS: dict[str, tuple[str, str, int] | None] = {  # style -> (side, colour, size in eighths of a point)
    TITLE: None,
    heading_style(1): ("bottom", RULE, 6),
    HEADER: ("bottom", RULE, 4),
    FOOTER: ("top", RULE, 4),
    QUOTE: ("left", RULE, 12),
}

# Elements a pBdr follows inside w:pPr (schema order); everything else comes after it.
PBDR_PREDECESSORS = frozenset(qn(f"w:{tag}") for tag in (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers"))

PPR_AFTER_CONTEXTUAL = ("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")

TABLE_STYLE = f"""<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="ChartTable">
  <w:name w:val="{TABLE}"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:tblPr>
    <w:tblBorders>
      {"".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>'
               for side in ("top", "left", "bottom", "right", "insideH", "insideV"))}
    </w:tblBorders>
    <w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="45" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{TINT}"/></w:tcPr>
  </w:tblStylePr>
</w:style>"""

FONTS = {SANS: ("Arial", "020B0604020202020204", "swiss", "variable"),
         MONO: ("Courier New", "02070309020205020404", "modern", "fixed")}


def build() -> bytes:
    document = blank_reference()
    _page_setup(document)
    prepare_base(document)
    _replace_table_style(document)
    for spec in LOOK:
        apply_look(document.styles[spec.name], spec)
    _use_font_everywhere(document, SANS)
    _quote_and_code_indents(document)
    for name, border in BORDERS.items():
        _set_border(document.styles[name].element, border)
    _declare_fonts(document)
    return package_bytes(document)


def _page_setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    section.header_distance = section.footer_distance = Inches(0.5)


def _replace_table_style(document: Any) -> None:
    """python-docx cannot write conditional (header-row) table formatting, so the style is XML."""
    old = document.styles[TABLE].element
    old.addnext(parse_xml(TABLE_STYLE))
    old.getparent().remove(old)


def _use_font_everywhere(document: Any, font: str) -> None:
    """Set the document font and drop theme-font references, which would otherwise win over it."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if run_defaults.find(qn("w:rFonts")) is None:
        run_defaults.insert(0, parse_xml(f'<w:rFonts {nsdecls("w")}/>'))
    for fonts in styles.iter(qn("w:rFonts")):
        for name in list(fonts.attrib):
            if name.endswith("Theme"):
                del fonts.attrib[name]
    fonts = run_defaults.find(qn("w:rFonts"))
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{script}"), font)
    language = run_defaults.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "en-US")


def _quote_and_code_indents(document: Any) -> None:
    document.styles[QUOTE].paragraph_format.left_indent = Inches(0.2)
    document.styles[QUOTE].paragraph_format.right_indent = Inches(0.2)
    document.styles[SOURCE_CODE].paragraph_format.left_indent = Inches(0.2)
    document.styles[SOURCE_CODE].paragraph_format.line_spacing = 1.0
    document.styles["Normal"].paragraph_format.line_spacing = 1.15
    document.styles[TITLE].paragraph_format.line_spacing = 1.0
    document.styles[TABLE_TEXT].paragraph_format.line_spacing = 1.05
    document.styles[TABLE_HEADING].paragraph_format.line_spacing = 1.05
    _contextual_spacing(document.styles[LIST_PARAGRAPH].element)


def _contextual_spacing(style: Any) -> None:
    """No space between items of one list, the style's space after the last item."""
    properties = style.get_or_add_pPr()
    if properties.find(qn("w:contextualSpacing")) is None:
        properties.insert_element_before(parse_xml(f'<w:contextualSpacing {nsdecls("w")}/>'), *PPR_AFTER_CONTEXTUAL)


def _set_border(style: Any, border: tuple[str, str, int] | None) -> None:
    """A rule on one side of a paragraph style, replacing any border the style had (None: no border)."""
    properties = style.get_or_add_pPr()
    for old in properties.findall(qn("w:pBdr")):
        properties.remove(old)
    if border is None:
        return
    side, colour, size = border
    element = parse_xml(f'<w:pBdr {nsdecls("w")}><w:{side} w:val="single" w:sz="{size}" w:space="4" '
                        f'w:color="{colour}"/></w:pBdr>')
    earlier = [child for child in properties if child.tag in PBDR_PREDECESSORS]
    properties.insert(properties.index(earlier[-1]) + 1 if earlier else 0, element)


def _declare_fonts(document: Any) -> None:
    """Tell Word what to substitute on machines without the Liberation fonts."""
    old_part = document.part.part_related_by(RT.FONT_TABLE)  # python-docx keeps this part as bytes
    table = parse_xml(old_part.blob)
    for name, (alternative, panose, family, pitch) in FONTS.items():
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                table.remove(old)
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alternative}"/>'
            f'<w:panose1 w:val="{panose}"/><w:charset w:val="00"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'))
    new_part = Part(old_part.partname, old_part.content_type, serialize_part_xml(table), old_part.package)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == RT.FONT_TABLE:
            document.part.drop_rel(rel_id)
    document.part.relate_to(new_part, RT.FONT_TABLE)


def main(argv: list[str]) -> int:
    output = Path(argv[0]) if argv else OUTPUT
    output.write_bytes(build())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
