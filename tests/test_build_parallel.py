"""Parallel builds give the same bytes whatever the number of jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate

REPO = Path(__file__).resolve().parent.parent


def build(root: Path, jobs: int) -> dict[str, bytes]:
    run = subprocess.run([sys.executable, str(REPO / "build.py"), "docx", "--jobs", str(jobs)],
                         cwd=root, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "built 8 chart(s), 0 unchanged, 0 plan(s) with errors in" in run.stderr
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "docx").glob("*.docx"))}


def test_jobs_1_and_jobs_2_write_identical_bytes(tmp_path: Path) -> None:
    one = build(generate(tmp_path / "one", plans=8), jobs=1)
    two = build(generate(tmp_path / "two", plans=8), jobs=2)
    assert len(one) == 8
    assert one == two
