"""Charts are written atomically with mode 0600, and a plan that breaks keeps its last good chart."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx_helpers import PLAN, chart_file, make_clinic, run_build

from txplan.build.writer import write_atomic


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable, to show the mode does not depend on it."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_has_mode_0600(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "chart.docx"
    write_atomic(target, b"chart")
    assert target.read_bytes() == b"chart"
    assert mode_of(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["chart.docx"]


def test_replacing_a_file_keeps_mode_0600(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "chart.docx"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_atomic(target, b"new")
    assert (target.read_bytes(), mode_of(target)) == (b"new", 0o600)


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               failing: str) -> None:
    target = tmp_path / "chart.docx"
    target.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.docx"]


def test_an_unwritable_folder_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing" / "chart.docx", b"new")


def test_built_charts_are_private(tmp_path: Path) -> None:
    root = make_clinic(tmp_path, {"c-0042.md": PLAN})
    assert run_build(root).returncode == 0
    assert mode_of(chart_file(root, "c-0042")) == 0o600


def test_a_plan_that_breaks_keeps_its_earlier_chart(tmp_path: Path) -> None:
    root = make_clinic(tmp_path, {"c-0042.md": PLAN})
    first = run_build(root)
    assert first.returncode == 0, first.stderr
    chart = chart_file(root, "c-0042")
    before = (chart.read_bytes(), chart.stat().st_mtime_ns)
    plan = root / "plans" / "c-0042.md"
    plan.write_text(PLAN.replace("  review: 2027-01-31", "  review: 2026-10-01"), encoding="utf-8")
    second = run_build(root)
    assert second.returncode == 1
    assert "TX204" in second.stderr
    assert (chart.read_bytes(), chart.stat().st_mtime_ns) == before
    assert sorted(p.name for p in chart.parent.iterdir()) == ["c-0042.docx"]
