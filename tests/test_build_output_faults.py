"""Output failures are reported, never tracebacks; one build at a time per clinic; the state is validated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import default_sigint

from benchmarks.generate import generate
from txplan.build.lock import OutputFolderError
from txplan.build.pipeline import ChartState, build_charts
from txplan.build.state import STATE_FILE

REPO = Path(__file__).resolve().parent.parent


def txplan(root: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False, **options)  # type: ignore[call-overload, no-any-return]


def charts(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "docx").glob("*.docx"))}


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A generated clinic of three plans, not built yet."""
    return generate(tmp_path / "clinic", plans=3)


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr


# -- the build folder and the state ------------------------------------------------------------------------------

def test_build_as_a_regular_file_is_one_clear_error(fresh: Path) -> None:
    (fresh / "build").write_text("", encoding="utf-8")
    done = txplan(fresh, "docx")
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["txplan: cannot use build/ for outputs: it is not a folder; "
                                        "it must be a folder this user can write"]


def test_a_state_that_cannot_be_saved_is_one_error_and_the_earlier_state_stays(fresh: Path) -> None:
    assert txplan(fresh, "docx").returncode == 0
    state = fresh / STATE_FILE
    earlier = state.read_bytes()
    (fresh / "plans" / "c-00000.md").write_text((fresh / "plans" / "c-00001.md").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    state.unlink()
    state.mkdir()  # a folder where the state goes: saving it fails
    (state / "keep").write_bytes(earlier)
    done = txplan(fresh, "docx")
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("txplan: cannot save the build state build/.txplan-state.json: ")
    assert (state / "keep").read_bytes() == earlier


def test_a_file_size_limit_is_a_tx601_per_chart_not_a_crash(fresh: Path) -> None:
    done = subprocess.run(f"ulimit -f 8 && exec {sys.executable} {REPO / 'build.py'} docx --jobs 1", shell=True,
                          cwd=fresh, capture_output=True, text=True, timeout=300, check=False)
    no_traceback(done)
    assert done.returncode == 1
    assert "plans/c-00000.md:1:1: error TX601 cannot write c-00000.docx: File too large" in done.stderr
    assert not list((fresh / "build" / "docx").glob(".*.tmp"))


@pytest.mark.parametrize("command", ["site", "docx", "fhir"])
def test_build_is_private_whichever_command_creates_it(fresh: Path, command: str) -> None:
    txplan(fresh, command)
    assert oct((fresh / "build").stat().st_mode & 0o777) == "0o700"


@pytest.mark.parametrize("jobs", ["0", "-1", "65", "100000", "many"])
def test_an_absurd_job_count_is_a_usage_error(fresh: Path, jobs: str) -> None:
    done = txplan(fresh, "docx", "--jobs", jobs)
    assert done.returncode == 2
    assert "--jobs" in done.stderr
    assert not (fresh / "build").exists()


# -- Ctrl-C -----------------------------------------------------------------------------------------------------

def test_ctrl_c_prints_one_line_and_exits_130(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=40)
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "docx", "--jobs", "2"], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=default_sigint)
    deadline = time.monotonic() + 120
    while not list((root / "build" / "docx").glob("*.docx")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines() == ["txplan: interrupted; charts already written are complete, the rest were not started"]
    assert not list((root / "build" / "docx").glob(".*.tmp"))
    assert txplan(root, "docx").returncode == 0


# -- one build at a time ----------------------------------------------------------------------------------------

def test_two_builds_started_together_both_end_with_whole_charts(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=12)
    command = [sys.executable, str(REPO / "build.py"), "docx", "--jobs", "2"]
    first = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = [p.communicate(timeout=300)[1] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert all("Traceback" not in o for o in outputs)
    assert sum("waiting for it to finish" in o for o in outputs) <= 1
    written = charts(root)
    assert len(written) == 12
    assert {o.state for o in build_charts(root, jobs=1).outcomes} == {ChartState.UNCHANGED}
    assert not list((root / "build").rglob(".*.tmp"))


def test_a_second_build_waits_for_the_first_and_its_temp_files_survive(fresh: Path) -> None:
    from txplan.build.lock import clinic_lock

    with clinic_lock(fresh):  # the first build, in this process
        (fresh / "build" / "docx").mkdir(mode=0o700)
        live_temp = fresh / "build" / "docx" / ".c-00000.docx.0123456789ab.tmp"
        live_temp.write_bytes(b"being written by the first build")
        waiting = subprocess.Popen([sys.executable, str(REPO / "build.py"), "docx"], cwd=fresh,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert waiting.stderr is not None
        first_line = waiting.stderr.readline()  # written as soon as it finds the lock taken
        assert first_line == "txplan: another build of this clinic is running; waiting for it to finish\n"
        assert waiting.poll() is None
        assert live_temp.read_bytes() == b"being written by the first build"
    rest = waiting.stderr.read()
    assert waiting.wait(timeout=300) == 0, rest
    assert len(charts(fresh)) == 3
    assert not live_temp.exists()  # the second build, holding the lock, cleans up what no live build owns


# -- the state is input ------------------------------------------------------------------------------------------

def forge(root: Path, change: dict[str, object]) -> None:
    state = root / STATE_FILE
    payload = json.loads(state.read_bytes())
    entry = payload["plans"]["plans/c-00000.md"]
    entry.update(change)
    state.write_text(json.dumps(payload), encoding="utf-8")


@pytest.mark.parametrize("change", [
    {"diagnostics": [{"path": "plans/c-00000.md", "line": 1, "col": 1, "code": "TX999", "message": "made up"}]},
    {"diagnostics": [{"path": "plans/c-00000.md", "line": 1, "col": 1, "code": "TX201",
                      "message": "\x1b]0;owned\x07\x1b[2J fake"}]},
    {"diagnostics": [{"path": "plans/other.md", "line": 1, "col": 1, "code": "TX201", "message": "elsewhere"}]},
    {"key": 42},
    {"outputs": {"docx": {"size": 10, "digest": "not a digest"}}},
    {"outputs": {"exe": {"size": 10, "digest": "0" * 64}}},
    {"objectives": [{"objective_id": "O1", "text_hash": "x", "line": 0, "col": 1}]},
], ids=["unknown code", "escape codes", "another path", "key of the wrong kind", "digest", "output kind", "objective"])
def test_a_forged_state_is_ignored_with_one_warning_and_nothing_is_replayed(fresh: Path, change: dict[str, object]) -> None:
    assert txplan(fresh, "docx").returncode == 0
    forge(fresh, change)
    done = txplan(fresh, "docx")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "build/.txplan-state.json:1:1: warning TX604 the build state was not written by this txplan as it is now; "
        "it is ignored and every chart is built again")
    assert "built 3 chart(s)" in done.stderr
    assert "made up" not in done.stderr and "\x1b" not in done.stderr and "elsewhere" not in done.stderr


@pytest.mark.parametrize("path", ["../../etc/passwd.md", "plans/../x.md", "/plans/x.md", "plans/.hidden.md", "plans/x.txt"])
def test_a_state_naming_a_file_outside_plans_is_ignored(fresh: Path, path: str) -> None:
    assert txplan(fresh, "docx").returncode == 0
    state = fresh / STATE_FILE
    payload = json.loads(state.read_bytes())
    payload["plans"][path] = payload["plans"]["plans/c-00000.md"]
    state.write_text(json.dumps(payload), encoding="utf-8")
    done = txplan(fresh, "docx")
    assert "warning TX604" in done.stderr
    assert "built 3 chart(s)" in done.stderr


def test_a_chart_swapped_for_another_of_the_same_size_and_time_is_rebuilt(tmp_path: Path) -> None:
    root = generate(tmp_path / "clinic", plans=2)
    assert txplan(root, "docx").returncode == 0
    ours, other = root / "build" / "docx" / "c-00000.docx", root / "build" / "docx" / "c-00001.docx"
    stat = ours.stat()
    swapped = other.read_bytes()[: stat.st_size].ljust(stat.st_size, b"\0")
    ours.write_bytes(swapped)
    os.utime(ours, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = build_charts(root, jobs=1)
    assert {o.plan: o.state for o in report.outcomes}["plans/c-00000.md"] is ChartState.WRITTEN
    assert ours.read_bytes() != swapped


def test_a_chart_that_cannot_be_made_is_tx603_and_the_others_build(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import txplan.build.pipeline

    assert not build_charts(fresh, jobs=1).has_errors
    before = charts(fresh)
    real_build_chart = txplan.build.pipeline.build_chart
    failed: list[str] = []

    def build_chart(checked: Any, *args: Any) -> Any:
        if checked.path == "plans/c-00001.md":
            failed.append(checked.path)
            raise ZeroDivisionError("a value the message must not show")
        return real_build_chart(checked, *args)

    monkeypatch.setattr(txplan.build.pipeline, "build_chart", build_chart)
    report = build_charts(fresh, jobs=1, force=True)
    assert failed == ["plans/c-00001.md"]  # the fault fired
    assert [(d.path, d.line, d.col, d.code) for d in report.diagnostics] == [("plans/c-00001.md", 1, 1, "TX603")]
    assert "ZeroDivisionError" in report.diagnostics[0].message and "must not show" not in report.diagnostics[0].message
    assert {o.plan: o.state for o in report.outcomes}["plans/c-00001.md"] is ChartState.FAILED
    assert charts(fresh)["c-00001.docx"] == before["c-00001.docx"]
    monkeypatch.undo()
    assert {o.plan: o.state for o in build_charts(fresh, jobs=1).outcomes}["plans/c-00001.md"] is ChartState.WRITTEN


def test_a_read_only_build_folder_is_one_error_line_and_nothing_changes(fresh: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, whom a read-only mode does not stop, so the file system's refusal is simulated for every
    file opened: the first is the build lock, and the build stops there, before any output is touched."""
    import errno

    assert not build_charts(fresh, jobs=1).has_errors
    before = charts(fresh)
    state = (fresh / STATE_FILE).read_bytes()
    refused: list[str] = []
    real_open = os.open

    def read_only(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refused.append(str(path))
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputFolderError, match=r"^cannot use build/ for outputs: read-only file system; "):
        build_charts(fresh, jobs=1, force=True)
    assert refused and refused[0].endswith(".txplan.lock")  # the fault fired, at the lock
    monkeypatch.undo()
    assert charts(fresh) == before and (fresh / STATE_FILE).read_bytes() == state


def test_start_up_cleanup_removes_only_txplans_own_temporary_files(fresh: Path) -> None:
    """A killed build's temp files go; another program's `.report.tmp` under build/ (or in a sub-folder of it that
    is not txplan's) was deleted too."""
    ours = [fresh / "build" / "docx" / "team" / ".c-1.docx.0123456789ab.tmp",
            fresh / "build" / ".txplan-state.json.a1b2c3d4e5f6.tmp"]
    theirs = [fresh / "build" / ".report.tmp", fresh / "build" / "exports" / ".draft-letter.0123456789ab.tmp",
              fresh / "build" / "docx" / ".notes.tmp"]
    for path in ours + theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    assert txplan(fresh, "docx").returncode == 0
    assert [p for p in ours if p.exists()] == []
    assert [p for p in theirs if not p.exists()] == []
