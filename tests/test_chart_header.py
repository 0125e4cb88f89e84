"""The chart's header: the clinic's name and address and its confidentiality notice (policy keys `address` and
`confidentiality_notice`), in the DOCX (so in the PDF) and the HTML chart. A notice too long for the name's line
(42 CFR Part 2's) gets full-width lines of its own instead of wrapping from the right tab under the name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx_helpers import CLINIC, LOW_RISK_PLAN, PLAN, POLICY, checked_plan, docx_clinic, render_plan

from txplan.chart import build_chart
from txplan.policy import DEFAULT_NOTICE, load_policy
from txplan.render.docx import chart_docx
from txplan.render.html import html_page

ADDRESS = "1200 River Road, Suite 4, Springfield, OR 97477 \u00b7 (541) 555-0100"
PART_2 = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."  # 42 CFR 2.32's short form
LONG_NOTICE = (f"{PART_2} This record is protected by federal confidentiality rules for substance use disorder "
               "records; a general authorization to release medical information does not permit its disclosure.")
DRAFT = "DRAFT, not for signature"


def policy(**keys: str) -> str:
    return POLICY + "".join(f'{key} = "{value}"\n' for key, value in keys.items())


def header_texts(document: Any) -> list[str]:
    return [paragraph.text for paragraph in document.sections[0].header.paragraphs]


@pytest.mark.parametrize(("plan", "keys", "expected"), [
    (PLAN, {}, [f"{CLINIC}\t\t{DEFAULT_NOTICE}"]),
    (PLAN, {"address": ADDRESS}, [f"{CLINIC}\t\t{DEFAULT_NOTICE}", ADDRESS]),
    (PLAN, {"confidentiality_notice": "Confidential"}, [f"{CLINIC}\t\tConfidential"]),
    (PLAN, {"confidentiality_notice": PART_2}, [f"{CLINIC}\t", PART_2]),
    (LOW_RISK_PLAN, {"address": ADDRESS, "confidentiality_notice": LONG_NOTICE}, [f"{CLINIC}\t{DRAFT}", ADDRESS,
                                                                                   LONG_NOTICE]),
], ids=["default", "address", "short notice", "part 2 short form", "draft, address and long notice"])
def test_the_docx_header_holds_the_address_and_the_notice(tmp_path: Path, plan: str, keys: dict[str, str],
                                                          expected: list[str]) -> None:
    assert header_texts(render_plan(tmp_path, plan, policy(**keys))) == expected


def test_the_html_header_holds_the_address_and_the_notice(tmp_path: Path) -> None:
    root = docx_clinic(tmp_path, {"c-0001.md": PLAN}, policy(address=ADDRESS, confidentiality_notice=LONG_NOTICE))
    page = html_page(build_chart(checked_plan(root, "c-0001.md"), load_policy(root)[0]))
    header = page[page.index("<header"):page.index("</header>")]
    assert f'<span>{CLINIC}<span class="address">{ADDRESS}</span></span>' in header
    assert f'<span class="notice">{LONG_NOTICE}</span>' in header


def test_a_long_notice_and_the_address_print_in_full_on_every_pdf_page(tmp_path: Path) -> None:
    """LibreOffice lays the header out as a reader sees it: every page carries the whole notice and the address."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is missing: ./scripts/test installs it")
    root = docx_clinic(tmp_path / "clinic", {"c-0001.md": PLAN}, policy(address=ADDRESS,
                                                                          confidentiality_notice=LONG_NOTICE))
    docx = tmp_path / "c-0001.docx"
    docx.write_bytes(chart_docx(checked_plan(root, "c-0001.md"), load_policy(root)[0], root / "templates" / "chart.docx"))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], capture_output=True, check=True, timeout=300)
    pages = subprocess.run(["pdftotext", str(tmp_path / "c-0001.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    assert len(pages) > 1
    for page in pages:
        words = " ".join(page.split())
        assert ADDRESS in words and LONG_NOTICE in words
