"""Markdown in a chart: inline formatting, links, raw HTML, tables, quotes, code, rules and headings."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx_helpers import NarrativeRenderer, block_text, open_chart, part_text

from txplan.render.docx.markdown import SPACE_AFTER_TABLE_TWIPS
from txplan.render.docx.oxml import set_text


@pytest.fixture(scope="module")
def narrative(tmp_path_factory: pytest.TempPathFactory) -> NarrativeRenderer:
    return NarrativeRenderer.in_clinic(tmp_path_factory.mktemp("markdown"))


def style_of(block: Any) -> str:
    styles = block.xpath("./w:pPr/w:pStyle/@w:val")
    return str(styles[0]) if styles else ""


def runs(block: Any) -> list[tuple[str, set[str]]]:
    """(text, formatting) of each run: formatting names the rPr children and character style."""
    found = []
    for run in block.iter(qn("w:r")):
        formatting = {child.tag.split("}")[1] for child in run.xpath("./w:rPr/*")}
        formatting |= set(run.xpath("./w:rPr/w:rStyle/@w:val"))
        found.append(("".join(run.xpath("./w:t/text()")), formatting))
    return found


def test_raw_html_is_literal_text(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("<script>alert(1)</script>\n\nInline <b>bold?</b> stays as typed.\n")
    assert [block_text(block) for block in blocks] == ["<script>alert(1)</script>", "Inline <b>bold?</b> stays as typed."]
    assert all("b" not in formatting for _, formatting in runs(blocks[1]))


def test_links_are_real_hyperlinks(narrative: NarrativeRenderer) -> None:
    source = "See [988 Lifeline](https://988lifeline.org) or [mail us](mailto:intake@example.org).\n"
    chart = narrative.chart(source)
    document = open_chart(chart)
    (block,) = narrative.blocks(source)
    links = block.xpath(".//w:hyperlink")
    assert [block_text(link) for link in links] == ["988 Lifeline", "mail us"]
    targets = {rel_id: document.part.rels[rel_id] for rel_id in (link.get(qn("r:id")) for link in links)}
    assert [(rel.target_ref, rel.is_external) for rel in targets.values()] == [
        ("https://988lifeline.org", True), ("mailto:intake@example.org", True)]
    assert all("Hyperlink" in formatting for _, formatting in runs(links[0]))
    assert 'TargetMode="External"' in part_text(chart, "word/_rels/document.xml.rels")


def test_links_without_a_web_address_keep_only_their_text(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("See [intake notes](notes/intake.md) and [x](javascript:alert(1)).\n")
    assert not blocks[0].xpath(".//w:hyperlink")
    assert block_text(blocks[0]) == "See intake notes and [x](javascript:alert(1))."


def test_a_link_with_no_text_shows_its_address(narrative: NarrativeRenderer) -> None:
    (block,) = narrative.blocks("Call [](tel:988) or see [ ](https://empty.example/).\n")
    assert [block_text(link) for link in block.xpath(".//w:hyperlink")] == ["tel:988", "https://empty.example/"]


def test_emphasis_code_and_breaks(narrative: NarrativeRenderer) -> None:
    (block,) = narrative.blocks("Some **bold** and *italic* and `code`,\nthen a soft break and a hard one  \nhere.\n")
    found = runs(block)
    assert ("bold", {"b"}) in found
    assert ("italic", {"i"}) in found
    assert ("code", {"rStyle", "VerbatimChar"}) in found
    assert block.text == "Some bold and italic and code, then a soft break and a hard one\nhere."


def test_headings_hang_under_the_narrative_section(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("### Deep start\n\n#### Deeper\n\n### Back\n")
    assert [(style_of(b), block_text(b)) for b in blocks] == [
        ("Heading2", "Deep start"), ("Heading3", "Deeper"), ("Heading2", "Back")]


def test_tables_keep_header_cells_and_alignment(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("| Measure | Intake |\n| --- | ---: |\n| PHQ-9 | 17 |\n\nAfter the table.\n")
    table, after = blocks
    rows = table.xpath("./w:tr")
    assert [[block_text(cell) for cell in row.xpath("./w:tc")] for row in rows] == [["Measure", "Intake"], ["PHQ-9", "17"]]
    assert rows[0].xpath("./w:trPr/w:tblHeader") and not rows[1].xpath("./w:trPr/w:tblHeader")
    assert rows[1].xpath("./w:tc[2]/w:p/w:pPr/w:jc/@w:val") == ["right"]
    assert table.xpath("./w:tblPr/w:tblStyle/@w:val") == ["ChartTable"]
    assert after.xpath("./w:pPr/w:spacing/@w:before") == [str(SPACE_AFTER_TABLE_TWIPS)]


def test_tables_one_after_the_other_stay_two_tables(narrative: NarrativeRenderer) -> None:
    """Back-to-back w:tbl elements are one table to Word and LibreOffice; an empty paragraph keeps them apart."""
    source = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n| x | y | z |\n| --- | --- | --- |\n| 3 | 4 | 5 |\n"
    first, gap, second = narrative.blocks(source)
    assert [first.tag, gap.tag, second.tag] == [qn("w:tbl"), qn("w:p"), qn("w:tbl")] and block_text(gap) == ""
    assert narrative.chart(source) == narrative.chart(source)


def test_a_list_numbered_from_0_starts_at_0(narrative: NarrativeRenderer) -> None:
    """`int(start or 1)` read the start 0 as the default and numbered the list from 1, unlike the HTML chart."""
    assert 'w:startOverride w:val="0"' in part_text(narrative.chart("Steps:\n\n0. zero\n1. one\n"), "word/numbering.xml")


def test_quotes_code_blocks_and_rules(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("> Quoted words\n\n```\nline one\n\tline two\n```\n\n---\n\nEnd.\n")
    quote, code, rule, end = blocks
    assert (style_of(quote), block_text(quote)) == ("Quote", "Quoted words")
    assert style_of(code) == "SourceCode" and block_text(code) == "line oneline two"
    assert len(code.xpath(".//w:br")) == 1 and len(code.xpath(".//w:tab")) == 1
    assert rule.xpath("./w:pPr/w:pBdr/w:bottom") and block_text(rule) == ""
    assert block_text(end) == "End."


def test_images_are_described_not_fetched(narrative: NarrativeRenderer) -> None:
    source = "![Genogram drawn in session](https://example.org/genogram.png)\n"
    assert [block_text(block) for block in narrative.blocks(source)] == ["[image: Genogram drawn in session]"]
    chart = narrative.chart(source)
    assert "genogram.png" not in part_text(chart, "word/_rels/document.xml.rels")
    # the fixture plan has PHQ-9 scores: its progress graph is the only picture in the package
    with zipfile.ZipFile(io.BytesIO(chart)) as archive:
        assert [n for n in archive.namelist() if n.startswith("word/media/")] == ["word/media/image1.png"]


def test_text_that_xml_cannot_hold_is_dropped() -> None:
    run = OxmlElement("w:r")
    set_text(run, "a\x0bb\tc  ")
    assert [child.tag.split("}")[1] for child in run] == ["t", "tab", "t"]
    assert [t.text for t in run.iter(qn("w:t"))] == ["ab", "c  "]
    assert run[-1].get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
