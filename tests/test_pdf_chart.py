"""`txplan pdf`: the DOCX chart through LibreOffice headless as a tagged PDF/A-2b, many charts per LibreOffice
process, and a clear exit 2 (changing nothing) where LibreOffice is not installed."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import example_clinic

REPO = Path(__file__).resolve().parent.parent
SOFFICE = shutil.which("soffice")
PLANS = ("c-1001-low-risk-depression.md", "c-1003-high-risk-safety-plan.md", "c-1004-ptsd-draft.md")


def txplan(root: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path is not None else None
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=root, capture_output=True, text=True,
                          timeout=600, check=False, env=env)


@pytest.fixture
def pdf_clinic(tmp_path: Path) -> Path:
    return example_clinic(tmp_path / "clinic", PLANS)


@pytest.fixture
def counted_soffice(tmp_path: Path) -> tuple[str, Path]:
    """A PATH whose soffice logs each start (one line per process) and then runs the real LibreOffice."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is missing: ./scripts/test installs it")
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "soffice.log"
    wrapper = folder / "soffice"
    wrapper.write_text(f'#!/bin/sh\necho started >> "{log}"\nexec "{SOFFICE}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}", log


def starts(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_pdf_charts_are_tagged_pdf_a_2b_private_and_say_what_the_docx_says(pdf_clinic: Path,
                                                                          counted_soffice: tuple[str, Path]) -> None:
    path, log = counted_soffice
    done = txplan(pdf_clinic, "pdf", "--jobs", "2", path=path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith("built 3 chart(s), 3 PDF chart(s), 0 unchanged")
    assert starts(log) == 2  # three charts, two LibreOffice processes
    folder = pdf_clinic / "build" / "pdf"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in PLANS:
        pdf = folder / name.replace(".md", ".pdf")
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
        data = pdf.read_bytes()
        assert re.search(rb"pdfaid:part>2<", data) and re.search(rb"pdfaid:conformance>B<", data)
        assert b"/StructTreeRoot" in data  # tagged: a structure tree for assistive technology
    text = subprocess.run(["pdftotext", "-layout", str(folder / "c-1003-high-risk-safety-plan.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for expected in ("Treatment plan", "Theo Fictive", "Crisis management and safety planning", "Page 1 of"):
        assert expected in text
    again = txplan(pdf_clinic, "pdf", path=path)
    assert again.returncode == 0
    assert "built 0 chart(s), 0 PDF chart(s), 6 unchanged" in again.stderr
    assert starts(log) == 2  # nothing converted again


def test_a_changed_plan_gets_a_new_pdf_and_only_it(pdf_clinic: Path, counted_soffice: tuple[str, Path]) -> None:
    path, log = counted_soffice
    assert txplan(pdf_clinic, "pdf", "--jobs", "1", path=path).returncode == 0
    plan = pdf_clinic / "plans" / PLANS[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\nAn added sentence for the PDF.\n", encoding="utf-8")
    done = txplan(pdf_clinic, "pdf", path=path)
    assert "built 1 chart(s), 1 PDF chart(s), 4 unchanged" in done.stderr
    assert starts(log) == 2
    text = subprocess.run(["pdftotext", str(pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "An added sentence for the PDF." in text


def test_without_libreoffice_pdf_exits_2_with_one_line_and_changes_nothing(pdf_clinic: Path, tmp_path: Path) -> None:
    assert txplan(pdf_clinic, "docx").returncode == 0
    before = {p: p.read_bytes() for p in (pdf_clinic / "build").rglob("*") if p.is_file()}
    empty = tmp_path / "empty-path"
    empty.mkdir()
    done = txplan(pdf_clinic, "pdf", path=str(empty))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "txplan: pdf: LibreOffice is not installed (no soffice on PATH); install LibreOffice (Debian/Ubuntu: "
        "sudo apt-get install libreoffice-writer; macOS: brew install --cask libreoffice; Windows: libreoffice.org) "
        "and run txplan pdf again"]
    assert {p: p.read_bytes() for p in (pdf_clinic / "build").rglob("*") if p.is_file()} == before


def test_a_chart_libreoffice_cannot_convert_is_tx605_and_keeps_the_earlier_pdf(pdf_clinic: Path, tmp_path: Path,
                                                                               counted_soffice: tuple[str, Path]) -> None:
    path, _ = counted_soffice
    assert txplan(pdf_clinic, "pdf", path=path).returncode == 0
    earlier = (pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")).read_bytes()
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "soffice").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # starts, converts nothing
    (broken / "soffice").chmod(0o755)
    plan = pdf_clinic / "plans" / PLANS[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    done = txplan(pdf_clinic, "pdf", path=f"{broken}{os.pathsep}{os.environ['PATH']}")
    assert done.returncode == 1
    assert f"plans/{PLANS[0]}:1:1: error TX605 LibreOffice could not convert the chart to PDF" in done.stderr
    assert "Traceback" not in done.stderr
    assert (pdf_clinic / "build" / "pdf" / PLANS[0].replace(".md", ".pdf")).read_bytes() == earlier
    assert txplan(pdf_clinic, "pdf", path=path).returncode == 0  # tried again, and made, by the next build
