"""Progress: a bar with counts and the current file on a terminal, one summary line otherwise."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from benchmarks.generate import generate
from txplan.build.pipeline import BuildReport, ChartOutcome, ChartState
from txplan.diagnostics import make

REPO = Path(__file__).resolve().parent.parent


def test_a_terminal_gets_a_progress_bar_with_counts_and_the_current_plan(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=3)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "docx", "--jobs", "1"], cwd=root,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=120) == 0
    text = output.decode(errors="replace")
    assert "3/3" in text and "plans/c-00002.md" in text
    assert "built 3 chart(s), 0 unchanged, 0 plan(s) with errors in" in text


def test_without_a_terminal_only_the_summary_line_is_printed(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=3)
    run = subprocess.run([sys.executable, str(REPO / "build.py"), "docx"], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1].startswith("built 3 chart(s), 0 unchanged, 0 plan(s) with errors in")
    assert len(run.stderr.splitlines()) == 1


def test_the_summary_counts_a_plan_whose_signatures_have_errors_once() -> None:
    outcomes = [ChartOutcome(plan, Path("x"), ChartState.STALE) for plan in ("plans/a.md", "plans/b.md")]
    diagnostics = [make("plans/a.md.signatures", (2, 1), "TX703", "signature does not verify"),
                   make("plans/a.md", (3, 1), "TX101", "missing"), make("pyproject.toml", (1, 1), "TX501", "policy")]
    summary = BuildReport(outcomes, diagnostics, 0.0, 0).summary()
    assert summary.startswith("built 0 chart(s), 0 unchanged, 1 plan(s) with errors, 2 stale chart(s) kept")
    only_signatures = BuildReport(outcomes, diagnostics[:1], 0.0, 0).summary()
    assert "1 plan(s) with errors" in only_signatures
