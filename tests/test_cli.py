"""`python build.py check`, run as a user runs it: a subprocess in a clinic directory.

Exit status 0 (no errors, warnings allowed), 1 (errors), 2 (usage error); diagnostics on stderr as
`path:line:col: severity CODE message`, or a JSON list on stdout with `--format json`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import (
    REPO,
    TEMPLATE,
    VALID_PLAN,
    default_sigint,
    edit,
    edited_plan,
    edited_template,
    make_clinic,
    position_of,
    without_permission_bypass,
)

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning) (?P<code>TX\d{3}) (?P<message>.+)$")
EXAMPLE = "c-1001-low-risk-depression.md"
SUMMARY = re.compile(r"^checked (\d+) plan\(s\) and (\d+) template\(s\): (\d+) error\(s\), (\d+) warning\(s\)$")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def clinic_dir(tmp_path: Path, plans: Mapping[str, str | bytes] | None = None, **options: object) -> Path:
    """A clinic as a user has one: build.py, the repository's templates and policy, and the given plans."""
    root = make_clinic(tmp_path / "clinic", plans, **options)  # type: ignore[arg-type]
    shutil.copyfile(REPO / "build.py", root / "build.py")
    if "pyproject" not in options:
        (root / "pyproject.toml").write_text('[tool.txplan]\nclinic = "Test Clinic"\nreview_interval_days = 90\n',
                                             encoding="utf-8")
    return root


def diagnostic_lines(stderr: str) -> list[re.Match[str]]:
    """The diagnostic lines of stderr; every other line must be the summary."""
    lines = stderr.splitlines()
    assert lines and SUMMARY.match(lines[-1]), stderr
    matches = [LINE.match(line) for line in lines[:-1]]
    assert all(matches), stderr
    return [m for m in matches if m is not None]


def found(stderr: str) -> list[tuple[str, str, int, int]]:
    return [(m["path"], m["code"], int(m["line"]), int(m["col"])) for m in diagnostic_lines(stderr)]


# -- exit 0 ------------------------------------------------------------------------------------------

def test_the_example_clinic_checks_clean_but_for_the_plan_changed_after_signing() -> None:
    done = run(REPO, "check")
    assert done.returncode == 0, done.stderr
    assert {(path, code) for path, code, _, _ in found(done.stderr)} == {
        ("plans/c-1003-high-risk-safety-plan.md.signatures", "TX701")}  # on purpose: docs/signatures.md
    counts = SUMMARY.match(done.stderr.splitlines()[-1])
    assert counts is not None and int(counts[1]) >= 5 and counts[3] == "0" and counts[4] == "3"


def test_a_clinic_with_no_plans_checks_clean(tmp_path: Path) -> None:
    done = run(clinic_dir(tmp_path), "check")
    assert done.returncode == 0, done.stderr
    assert found(done.stderr) == []


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    weak = edited_plan(("Test will complete 3 planned activities each week", "Test may go out more"))
    done = run(clinic_dir(tmp_path, {"weak.md": weak}), "check")
    assert done.returncode == 0, done.stderr
    assert found(done.stderr) == [("plans/weak.md", "TX301", 30, 24), ("plans/weak.md", "TX303", 30, 24)]
    assert [m["severity"] for m in diagnostic_lines(done.stderr)] == ["warning", "warning"]
    assert done.stderr.splitlines()[-1].endswith("0 error(s), 2 warning(s)")


# -- exit 1 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "code", "at"), [
    ("  review: 2027-01-04", "  review: 2027-06-30", "TX205", "2027-06-30"),
    ("    schedule: weekly", "    schedule: fortnightly", "TX105", "fortnightly"),
    ("      for: [O1, O4]", "      for: [O1, O9]", "TX202", "O9"),
    ("  homework:", "  homwork:", "TX102", "homwork"),
], ids=["review too late", "bad schedule", "unknown objective", "misspelt element"])
def test_an_example_plan_with_one_defect_exits_1_and_names_file_line_and_column(
        tmp_path: Path, old: str, new: str, code: str, at: str) -> None:
    text = edit((REPO / "plans" / EXAMPLE).read_text(encoding="utf-8"), (old, new))
    root = clinic_dir(tmp_path, {EXAMPLE: text})
    done = run(root, "check")
    assert done.returncode == 1
    line, col = position_of(text, at)
    assert (f"plans/{EXAMPLE}", code, line, col) in found(done.stderr)
    assert f"plans/{EXAMPLE}:{line}:{col}: error {code} " in done.stderr


def test_every_error_of_every_file_is_reported_in_one_run(tmp_path: Path) -> None:
    two_errors = edited_plan(("  level: low", "  level: severe"), ("    minutes: 50", "    minutes: 5"))
    rule_errors = edited_plan(("  review: 2027-01-15", "  review: 2026-10-01"), ("  - code: F32.1", "  - code: f32.1"))
    broken_template = edited_template(("{{ client.first_name }} will", "{{ client.first_name } will"))
    root = clinic_dir(tmp_path, {"a.md": two_errors, "b.md": rule_errors, "c.md": "no front matter\n", "d.md": VALID_PLAN},
                      templates={"zz-test.md": broken_template})
    done = run(root, "check")
    assert done.returncode == 1
    assert found(done.stderr) == [
        ("plans/a.md", "TX105", 18, 10), ("plans/a.md", "TX106", 43, 14),
        ("plans/b.md", "TX204", 12, 11), ("plans/b.md", "TX208", 15, 11),
        ("plans/c.md", "TX003", 1, 1),
        ("templates/interventions/zz-test.md", "TX402", 15, 1),
    ]
    assert done.stderr.splitlines()[-1].endswith("6 error(s), 0 warning(s)")


def test_a_broken_template_alone_exits_1(tmp_path: Path) -> None:
    misnamed = edit(TEMPLATE, ("id: zz-test", "id: zz-tests"))
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN}, templates={"zz-test.md": misnamed})
    done = run(root, "check")
    assert done.returncode == 1
    assert found(done.stderr) == [("templates/interventions/zz-test.md", "TX401", 2, 5)]


def test_a_broken_policy_exits_1(tmp_path: Path) -> None:
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN}, pyproject='[tool.txplan]\nreview_interval_days = "ninety"\n')
    done = run(root, "check")
    assert done.returncode == 1
    assert found(done.stderr) == [("pyproject.toml", "TX501", 2, 1)]


# -- naming plans ------------------------------------------------------------------------------------

def test_checking_named_plans_reports_only_those_plans(tmp_path: Path) -> None:
    bad = edited_plan(("  level: low", "  level: severe"))
    root = clinic_dir(tmp_path, {"good.md": VALID_PLAN, "bad.md": bad})
    good_only = run(root, "check", "plans/good.md")
    assert good_only.returncode == 0, good_only.stderr
    assert SUMMARY.match(good_only.stderr.splitlines()[-1])[1] == "1"  # type: ignore[index]
    both = run(root, "check", "plans/good.md", "plans/bad.md")
    assert both.returncode == 1
    assert found(both.stderr) == [("plans/bad.md", "TX105", 18, 10)]


# -- exit 2: usage errors -------------------------------------------------------------------------------

def test_a_missing_plan_path_is_a_usage_error(tmp_path: Path) -> None:
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    done = run(root, "check", "plans/no-such-plan.md")
    assert done.returncode == 2
    assert "plans/no-such-plan.md" in done.stderr
    assert not LINE.match(done.stderr.splitlines()[-1])


@pytest.mark.parametrize("command", ["docx", "html", "fhir"])
def test_a_plan_outside_plans_is_a_usage_error_that_names_the_rule(tmp_path: Path, command: str) -> None:
    """For the outputs only: `check` ignores such a file with a note (tests/test_pre_commit.py)."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    (root / "drafts").mkdir()
    (root / "drafts" / "new.md").write_text(VALID_PLAN, encoding="utf-8")
    done = run(root, command, "drafts/new.md")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"txplan: drafts/new.md: plans must be files inside the clinic's plans/ folder ({root / 'plans'})"]
    assert not (root / "build" / "docx").exists()


@pytest.mark.parametrize("command", ["check", "docx", "pdf"])
def test_a_plan_outside_the_clinic_is_a_usage_error_for_every_command(tmp_path: Path, command: str) -> None:
    """A file of another folder can be neither checked nor built as this clinic's plan (`check` ignores only the
    clinic's own files that are not plans, as a pre-commit hook passes them)."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    stranger = tmp_path / "elsewhere" / "plan.md"
    stranger.parent.mkdir()
    stranger.write_text(VALID_PLAN, encoding="utf-8")
    done = run(root, command, str(stranger))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"txplan: {stranger}: plans must be files inside the clinic's plans/ folder ({root / 'plans'})"]
    assert not (root / "build").exists()


def test_a_folder_named_as_a_plan_is_a_usage_error(tmp_path: Path) -> None:
    done = run(clinic_dir(tmp_path, {"plan.md": VALID_PLAN}), "check", "plans")
    assert done.returncode == 2


@pytest.mark.parametrize("args", [["check", "--bogus"], ["check", "--format", "xml"], ["no-such-command"]],
                         ids=["unknown option", "unknown format", "unknown command"])
def test_bad_arguments_are_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    done = run(clinic_dir(tmp_path), *args)
    assert done.returncode == 2
    assert "usage:" in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["check", "-h"]])
def test_help_exits_0_and_describes_the_command(tmp_path: Path, args: list[str]) -> None:
    done = run(clinic_dir(tmp_path), *args)
    assert done.returncode == 0
    assert "usage:" in done.stdout
    assert "check" in done.stdout


def test_check_help_explains_the_exit_status_and_format(tmp_path: Path) -> None:
    done = run(clinic_dir(tmp_path), "check", "--help")
    text = " ".join(done.stdout.split())
    assert "--format" in text and "PLAN" in text
    assert re.search(r"exit status: 0 .*, 1 .*, 2 ", text, re.IGNORECASE), text


# -- JSON ----------------------------------------------------------------------------------------------

def test_json_format_prints_the_same_diagnostics_on_stdout(tmp_path: Path) -> None:
    plans = {"a.md": edited_plan(("  level: low", "  level: severe")),
             "b.md": edited_plan(("Test will complete 3 planned activities each week", "Test will go out more"))}
    root = clinic_dir(tmp_path, plans)
    done = run(root, "check", "--format", "json")
    assert done.returncode == 1
    records = json.loads(done.stdout)
    assert records == [
        {"path": "plans/a.md", "line": 18, "col": 10, "code": "TX105", "severity": "error", "message": records[0]["message"]},
        {"path": "plans/b.md", "line": 30, "col": 24, "code": "TX301", "severity": "warning", "message": records[1]["message"]},
    ]
    assert all(isinstance(r["message"], str) and r["message"] for r in records)
    text = run(root, "check")
    assert [m["message"] for m in diagnostic_lines(text.stderr)] == [r["message"] for r in records]


def test_json_format_of_a_clean_clinic_is_an_empty_list_and_exit_0(tmp_path: Path) -> None:
    done = run(clinic_dir(tmp_path, {"plan.md": VALID_PLAN}), "check", "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == []


# -- the same program by every name -----------------------------------------------------------------------

def test_python_m_txplan_is_the_same_program(tmp_path: Path) -> None:
    root = clinic_dir(tmp_path, {"a.md": edited_plan(("  level: low", "  level: severe"))})
    by_module = subprocess.run([sys.executable, "-m", "txplan", "check"], cwd=root, capture_output=True, text=True,
                               timeout=120, check=False)
    by_script = run(root, "check")
    assert by_script.returncode == by_module.returncode == 1
    assert by_module.stderr == by_script.stderr
    assert found(by_script.stderr) == [("plans/a.md", "TX105", 18, 10)]


# -- paths and streams that fail: one line, exit 2 ----------------------------------------------------------

LONG_NAME = "a" * 300  # over the 255 bytes a file name may have


def test_dash_c_and_check_on_a_path_that_cannot_be_looked_at_are_one_line(tmp_path: Path) -> None:
    """The reviewer's cases: a folder above without search permission, a name too long; Path.is_dir and is_file
    raised them as tracebacks (Python 3.11)."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    (root / "plans" / "locked").mkdir(mode=0o600)
    (tmp_path / "closed").mkdir(mode=0o600)
    for cwd, args, said in [
        (tmp_path, ["-C", "closed/c", "check"], "-C closed/c: cannot be looked at (Permission denied)"),
        (root, ["check", "plans/locked/x.md"], "plans/locked/x.md: cannot be looked at (Permission denied)"),
    ]:
        done = subprocess.run(without_permission_bypass([sys.executable, str(root / "build.py"), *args]), cwd=cwd,
                              capture_output=True, text=True, timeout=120, check=False)
        assert (done.returncode, done.stderr) == (2, f"txplan: {said}\n"), args
    for args, said in [(["-C", LONG_NAME, "check"], f"-C {LONG_NAME}"), (["check", LONG_NAME], LONG_NAME)]:
        done = run(root, *args)
        assert (done.returncode, done.stderr) == (2, f"txplan: {said}: cannot be looked at (File name too long)\n")


@pytest.mark.parametrize("args", [["schema", "plan"], ["check", "--format", "sarif"], ["check", "--format", "json"],
                                  ["status"]])
def test_output_that_cannot_be_written_is_one_line(tmp_path: Path, args: list[str]) -> None:
    """The reviewer's case: `txplan schema plan > /dev/full` (a full disk) ended in a traceback."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run([sys.executable, "build.py", *args], cwd=root, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (2, "txplan: cannot write the output: No space left on device\n")


def test_a_current_folder_that_was_deleted_is_one_line(tmp_path: Path) -> None:
    """The reviewer's case: run from a folder deleted meanwhile, even with an absolute -C, Path.cwd raised."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); sys.argv[1:] = ['-C', {str(root)!r}, "
              "'check']; from txplan.entry import run; run()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (done.returncode, done.stderr) == (2, "txplan: the current folder cannot be used (No such file or "
                                                 "directory): was it deleted? cd to a folder that exists\n")


# -- Ctrl-C from the very start ---------------------------------------------------------------------------


def test_every_entry_point_starts_through_the_one_that_handles_ctrl_c() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"txplan": "txplan.entry:run"}
    for entry in (REPO / "build.py", REPO / "txplan" / "__main__.py", REPO / "txplan" / "data" / "clinic" / "build.py"):
        assert "from txplan.entry import run" in entry.read_text(encoding="utf-8"), entry


@pytest.mark.parametrize("program", [["build.py"], ["-m", "txplan"]])
def test_ctrl_c_while_the_program_starts_is_one_line_and_130(tmp_path: Path, program: list[str]) -> None:
    """The reviewer's case: Ctrl-C in the first half second (modules still importing, before main's own handler)
    printed a KeyboardInterrupt traceback and exited -2. Sent at several moments of the start; each run is
    interrupted (one line, 130) or, once the check is done, finishes normally. The interpreter's own start (the
    first few hundredths of a second) is beyond any program's reach."""
    root = clinic_dir(tmp_path, {"plan.md": VALID_PLAN})
    for delay in (0.15, 0.25, 0.35, 0.5, 0.7, 1.0):
        started = subprocess.Popen([sys.executable, *program, "check"], cwd=root, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=default_sigint)
        time.sleep(delay)
        started.send_signal(signal.SIGINT)
        err = started.communicate(timeout=120)[1]
        assert "Traceback" not in err and "Exception ignored" not in err, (delay, err)
        if started.returncode == 130:
            assert len(err.splitlines()) == 1 and err.startswith("txplan: interrupted"), (delay, err)
        else:
            assert started.returncode == 0 and err.startswith("checked 1 plan(s)"), (delay, started.returncode, err)
