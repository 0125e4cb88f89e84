"""A real consumer: LibreOffice opens the charts and prints them to PDF, and the PDF text has what a chart needs.

These tests need ``soffice`` (LibreOffice) and ``pdftotext`` (poppler-utils). They fail, rather than
skip, when either is missing: a chart nobody has opened in a word processor is not a tested chart.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx_helpers import LOW_RISK_PLAN, PLAN, chart_file, docx_clinic, run_build

from txplan.elements import ELEMENTS, STANLEY_BROWN_STEPS

TOOLS = {"soffice": "LibreOffice (apt-get install libreoffice-writer)",
         "pdftotext": "poppler-utils (apt-get install poppler-utils)",
         "pdffonts": "poppler-utils (apt-get install poppler-utils)"}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed; install {TOOLS[name]} to run the LibreOffice chart tests")
    return path


def to_pdf(charts: list[Path], out: Path, profile: Path) -> None:
    """Convert with a private LibreOffice profile, so parallel test runs do not share (and lock) one."""
    command = [tool("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
               "--outdir", str(out), *map(str, charts)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    missing = [chart.stem for chart in charts if not (out / f"{chart.stem}.pdf").is_file()]
    assert result.returncode == 0 and not missing, f"LibreOffice could not convert {missing}: {result.stderr}"


def pdf_text(pdf: Path) -> str:
    result = subprocess.run([tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60,
                            check=True)
    return result.stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = docx_clinic(tmp_path_factory.mktemp("libreoffice"), {"c-0042.md": PLAN, "c-0107.md": LOW_RISK_PLAN})
    build = run_build(root)
    assert build.returncode == 0, build.stderr
    charts = [chart_file(root, "c-0042"), chart_file(root, "c-0107")]
    out = tmp_path_factory.mktemp("pdf")
    to_pdf(charts, out, tmp_path_factory.mktemp("profile"))
    return {chart.stem: pdf_text(out / f"{chart.stem}.pdf") for chart in charts}


def flat(text: str) -> str:
    """PDF text with runs of spaces collapsed, so a table row reads as one line."""
    return re.sub(r"[ \t]+", " ", text)


def test_every_element_heading_is_printed(printed: dict[str, str]) -> None:
    for text in printed.values():
        for element in ELEMENTS:
            assert element.title in text


def test_client_objectives_and_tables_are_printed(printed: dict[str, str]) -> None:
    text = flat(printed["c-0042"])
    assert "Jordan Rivera" in text
    assert re.search(r"^O1 Jordan will schedule and", text, re.M)
    assert re.search(r"^O2 Jordan will reduce PHQ-9", text, re.M)
    assert "F33.1 Major depressive disorder, recurrent, moderate" in text
    assert "Weekly individual sessions of 50 minutes, by telehealth, for 16 weeks." in text
    assert "Serves: O1" in text
    for _, title in STANLEY_BROWN_STEPS:
        assert title in text


def test_page_numbers_are_live_fields(printed: dict[str, str]) -> None:
    text = flat(printed["c-0042"])
    pages = len(re.findall(r"Page \d+ of \d+", text))
    assert pages > 1
    assert "Page 1 of " in text
    assert f"Page {pages} of {pages}" in text


def test_header_shows_clinic_confidentiality_and_draft(printed: dict[str, str]) -> None:
    assert "Confidential: protected health information" in printed["c-0042"]
    assert "DRAFT" not in printed["c-0042"]
    assert "DRAFT" in printed["c-0107"]


def test_numbered_lists_restart(printed: dict[str, str]) -> None:
    text = printed["c-0042"]
    assert re.search(r"^\s*3\.\s+Sleep moved later", text, re.M)
    assert re.search(r"^\s*1\.\s+Review the activity log", text, re.M)  # the second list starts at 1 again
    assert re.search(r"^\s*2\.\s+Repeat the PHQ-9", text, re.M)


def test_raw_html_is_printed_as_typed(printed: dict[str, str]) -> None:
    assert "<script>alert(1)</script>" in printed["c-0042"]


def test_a_clinic_without_a_reference_prints_the_shipped_look(tmp_path: Path) -> None:
    """Regression (issue 15): python-docx's own default look wrapped the header's notice onto a second line and
    broke "Supervisor" as "Superviso / r" in the identification table; the shipped reference document fits."""
    root = docx_clinic(tmp_path / "clinic", {"c-0042.md": PLAN}, reference=False)
    build = run_build(root)
    assert build.returncode == 0, build.stderr
    to_pdf([chart_file(root, "c-0042")], tmp_path / "pdf", tmp_path / "profile")
    text = pdf_text(tmp_path / "pdf" / "c-0042.pdf")
    first_page = text.split("\f")[0]
    assert "Confidential: protected health information" in first_page
    assert re.search(r"\bSupervisor\b", first_page)
    assert "LiberationSans" in subprocess.run([tool("pdffonts"), str(tmp_path / "pdf" / "c-0042.pdf")],
                                               capture_output=True, text=True, timeout=60, check=True).stdout
