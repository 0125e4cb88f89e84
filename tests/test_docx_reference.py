"""The reference document: styles, page setup and header art come from it; its body and history do not."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Inches
from docx_helpers import PLAN, REPO, checked_plan, docx_clinic, open_chart, paragraph_texts, part_text

from txplan.policy import Policy
from txplan.render.docx import ChartReferenceError, DocxRenderer, chart_docx
from txplan.render.docx.oxml import NUMBERED_LIST_NAME
from txplan.render.docx.package import package_bytes
from txplan.resources import default_reference_path

POLICY = Policy(clinic="Harbor Street Counseling")


def render_with(tmp_path: Path, reference: Path | None) -> Any:
    root = docx_clinic(tmp_path / "clinic", {"c-0042.md": PLAN}, reference=False)
    return open_chart(chart_docx(checked_plan(root, "c-0042.md"), POLICY, reference))


def save(document: Any, path: Path) -> Path:
    document.save(str(path))
    return path


def clinic_reference(tmp_path: Path) -> Path:
    """A reference a clinic might make in Word: letterhead, narrow margins, a serif body, a sample body text."""
    document = Document()
    document.add_paragraph("SAMPLE BODY TEXT THAT MUST NOT APPEAR")
    section = document.sections[0]
    section.left_margin = section.right_margin = Inches(0.75)
    section.header.paragraphs[0].text = "Harbor Street Counseling \u00b7 12 Harbor Street"
    document.styles["Normal"].font.name = "DejaVu Serif"
    document.core_properties.author = "Front desk PC"
    document.core_properties.comments = "draft letterhead"
    return save(document, tmp_path / "reference.docx")


def test_committed_reference_is_what_the_generator_makes() -> None:
    generator: dict[str, Callable[[], bytes]] = runpy.run_path(str(REPO / "scripts" / "make_chart_reference.py"))
    assert generator["build"]() == (REPO / "templates" / "chart.docx").read_bytes()


def test_committed_reference_sets_letter_paper_and_one_inch_margins() -> None:
    section = Document(str(REPO / "templates" / "chart.docx")).sections[0]
    assert (section.page_width, section.page_height) == (Inches(8.5), Inches(11))
    assert {section.left_margin, section.right_margin, section.top_margin, section.bottom_margin} == {Inches(1)}


def test_without_a_reference_a_chart_takes_the_shipped_look(tmp_path: Path) -> None:
    root = docx_clinic(tmp_path / "clinic", {"c-0042.md": PLAN}, reference=False)
    checked = checked_plan(root, "c-0042.md")
    built_in = chart_docx(checked, POLICY, None)
    assert built_in == chart_docx(checked, POLICY, default_reference_path())
    assert default_reference_path().read_bytes() == (REPO / "templates" / "chart.docx").read_bytes()
    chart = open_chart(built_in)
    assert "Treatment plan" in paragraph_texts(chart)
    assert chart.sections[0].left_margin == Inches(1)


def test_a_clinic_reference_gives_its_look_but_not_its_body(tmp_path: Path) -> None:
    chart = render_with(tmp_path, clinic_reference(tmp_path))
    assert "SAMPLE BODY TEXT THAT MUST NOT APPEAR" not in paragraph_texts(chart)
    assert chart.sections[0].left_margin == Inches(0.75)
    assert chart.styles["Normal"].font.name == "DejaVu Serif"
    header = [p.text for p in chart.sections[0].header.paragraphs]
    assert header[0] == "Harbor Street Counseling \u00b7 12 Harbor Street"  # the letterhead stays
    assert header[-1].endswith("Confidential: protected health information")
    assert chart.core_properties.author == ""  # neither the reference's author nor the plan's clinician
    assert chart.core_properties.comments == ""


def test_a_reference_without_numbering_still_gets_lists(tmp_path: Path) -> None:
    document = Document()
    numbering = next(rel_id for rel_id, rel in document.part.rels.items() if rel.reltype == RT.NUMBERING)
    document.part.drop_rel(numbering)
    chart = render_with(tmp_path, save(document, tmp_path / "plain.docx"))
    assert chart.element.body.xpath(".//w:numPr")
    assert NUMBERED_LIST_NAME in part_text(package_bytes(chart), "word/numbering.xml")


def test_list_definitions_in_the_reference_are_reused(tmp_path: Path) -> None:
    reference = REPO / "templates" / "chart.docx"
    numbering = part_text(package_bytes(render_with(tmp_path, reference)), "word/numbering.xml")
    assert numbering.count(f'w:val="{NUMBERED_LIST_NAME}"') == 1


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_an_unusable_reference_is_reported(tmp_path: Path, content: bytes) -> None:
    reference = tmp_path / "chart.docx"
    reference.write_bytes(content)
    with pytest.raises(ChartReferenceError, match="not a usable Word document"):
        DocxRenderer(reference)
