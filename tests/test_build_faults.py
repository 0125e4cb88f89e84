"""Faults lose nothing: a killed build leaves old or new charts, never torn ones; one bad output
does not stop the others."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from benchmarks.generate import generate
from txplan.build.pipeline import ChartState, build_charts

REPO = Path(__file__).resolve().parent.parent


def charts(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "docx").glob("*.docx"))}


def rename_clinic(root: Path, name: str) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index('clinic = "') + len('clinic = "')
    pyproject.write_text(text[:start] + name + text[text.index('"', start):])


def test_unwritable_chart_is_reported_against_its_plan_and_others_still_build(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=3)
    (root / "build" / "docx" / "c-00001.docx").mkdir(parents=True)  # a folder where the chart should go
    report = build_charts(root, jobs=1)
    assert {o.plan: o.state for o in report.outcomes} == {
        "plans/c-00000.md": ChartState.WRITTEN,
        "plans/c-00001.md": ChartState.FAILED,
        "plans/c-00002.md": ChartState.WRITTEN,
    }
    assert [(d.path, d.line, d.col, d.code) for d in report.diagnostics] == [("plans/c-00001.md", 1, 1, "TX601")]
    assert report.has_errors


def test_cli_exits_1_when_a_chart_cannot_be_written(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=2)
    (root / "build" / "docx" / "c-00000.docx").mkdir(parents=True)
    run = subprocess.run([sys.executable, str(REPO / "build.py"), "docx"], cwd=root, capture_output=True, text=True)
    assert run.returncode == 1
    assert "plans/c-00000.md:1:1: error TX601 cannot write c-00000.docx" in run.stderr
    assert "Traceback" not in run.stderr
    assert (root / "build" / "docx" / "c-00001.docx").is_file()


def test_sigkill_mid_build_leaves_each_chart_old_or_new_and_the_next_build_recovers(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=24)
    assert build_charts(root, jobs=2).has_errors is False
    old = charts(root)
    rename_clinic(root, "Harbor Family Clinic")
    rng = random.Random(1)
    for _attempt in range(4):
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "docx", "--force", "--jobs", "2"],
                                   cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, 2.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        leftovers = [p.name for p in (root / "build" / "docx").iterdir() if not p.name.endswith(".docx")]
        for name, data in charts(root).items():
            assert zipfile.ZipFile(root / "build" / "docx" / name).testzip() is None
            assert data == old[name] or b"Harbor Family Clinic" in _headers_xml(root / "build" / "docx" / name)
        assert set(charts(root)) == set(old), leftovers
    report = build_charts(root, jobs=2)
    assert not report.has_errors
    assert sorted(p.name for p in (root / "build" / "docx").iterdir()) == sorted(old)
    assert all(b"Harbor Family Clinic" in _headers_xml(root / "build" / "docx" / n) for n in old)
    assert report.count(ChartState.WRITTEN) + report.count(ChartState.UNCHANGED) == 24


def _headers_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"".join(archive.read(n) for n in archive.namelist() if n.startswith("word/header"))


def test_charts_are_private_to_their_owner(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=1)
    build_charts(root, jobs=1)
    assert (root / "build" / "docx" / "c-00000.docx").stat().st_mode & 0o777 == 0o600


def test_unusable_reference_document_is_reported_and_earlier_charts_are_kept(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=2)
    build_charts(root, jobs=1)
    before = charts(root)
    (root / "templates" / "chart.docx").write_bytes(b"not a word document")
    run = subprocess.run([sys.executable, str(REPO / "build.py"), "docx"], cwd=root, capture_output=True, text=True)
    assert run.returncode == 1
    assert "templates/chart.docx:1:1: error TX602" in run.stderr
    assert "Traceback" not in run.stderr
    assert charts(root) == before
    (root / "templates" / "chart.docx").write_bytes((REPO / "templates" / "chart.docx").read_bytes())
    assert build_charts(root, jobs=1).count(ChartState.WRITTEN) == 2


def test_build_folders_are_private_to_their_owner(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=1)
    build_charts(root, jobs=1)
    assert [(root / d).stat().st_mode & 0o777 for d in ("build", "build/docx")] == [0o700, 0o700]


def test_a_fifo_among_plans_or_templates_is_reported_and_does_not_block_the_build(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=1)
    os.mkfifo(root / "plans" / "c-99999.md")
    os.mkfifo(root / "templates" / "interventions" / "stuck.md")
    run = subprocess.run([sys.executable, str(REPO / "build.py"), "docx"], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1
    assert "plans/c-99999.md:1:1: error TX001 not a regular file" in run.stderr
    assert "templates/interventions/stuck.md:1:1: error TX001 not a regular file" in run.stderr
    assert (root / "build" / "docx" / "c-00000.docx").is_file()
