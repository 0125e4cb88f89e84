"""The bad-input corpus: every case ends in a clear diagnostic (or passes, for valid edge cases), fast, without a traceback.

Cases live in tests/bad_inputs/ (files plus expected.toml). Large inputs are
generated here at run time. Each case is checked through ``check_project`` in
a fresh clinic; a handful also go through ``python build.py check`` as a
subprocess, asserting the exit status, the printed ``path:line:col: error
CODE`` and that nothing resembling a traceback reaches stderr.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import line_of, make_clinic

from txplan.check import CheckResult, check_project
from txplan.diagnostics import Diagnostic
from txplan.frontmatter import MAX_FILE_BYTES
from txplan.model import MAX_ENTRIES
from txplan.resources import example_plan
from txplan.templates import example_context

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "bad_inputs"
EXAMPLE = example_plan()  # the spec's example plan: the base every plan case is derived from
TODAY = date(2026, 11, 20)
USED_TEMPLATES = ("behavioral-activation", "thought-record", "problem-solving", "assertive-communication",
                  "safety-plan-review")
SECONDS = 10.0  # every case, generated ones included, finishes well inside this


@dataclass(frozen=True)
class Case:
    file: str
    code: str
    why: str
    line: int | None = None
    col: int | None = None
    rendered: str | None = None
    message_includes: str | None = None
    message_excludes: str | None = None

    @property
    def name(self) -> str:
        return self.file.split("/", 1)[1]

    @property
    def display(self) -> str:
        """Where the checker reports the file once it is placed in a clinic."""
        return f"plans/{self.name}" if self.file.startswith("plans/") else f"templates/interventions/{self.name}"


def load_cases() -> list[Case]:
    with (CORPUS / "expected.toml").open("rb") as handle:
        return [Case(**entry) for entry in tomllib.load(handle)["case"]]


CASES = load_cases()


def corpus_clinic(root: Path, templates: tuple[str, ...] | None = USED_TEMPLATES) -> Path:
    """A clinic for the corpus: the repository's policy and build.py, and its templates (all, or only the ones the
    example plan uses)."""
    return make_clinic(root, pyproject=(REPO / "pyproject.toml").read_text(encoding="utf-8"), library=templates,
                       build_py=True)


def place(case: Case, clinic: Path) -> None:
    shutil.copy(CORPUS / case.file, clinic / case.display)


def timed_check(clinic: Path) -> tuple[CheckResult, float]:
    start = time.monotonic()
    result = check_project(clinic, today=TODAY)
    return result, time.monotonic() - start


def found_at(diagnostics: list[Diagnostic], path: str, code: str, line: int | None, col: int | None) -> bool:
    return any(d.path == path and d.code == code and (line is None or d.line == line) and (col is None or d.col == col)
               for d in diagnostics)


def shown(result: CheckResult) -> str:
    return "\n".join(d.format() for d in result.diagnostics)


# -- the corpus ------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_plans_templates_and_valid_edges() -> None:
    assert len(CASES) >= 45
    assert all((CORPUS / c.file).is_file() for c in CASES)
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.md")}
    assert on_disk == {c.file for c in CASES}, "every file in the corpus has exactly one manifest entry"
    assert sum(c.file.startswith("templates/") for c in CASES) >= 20
    assert sum(c.code == "PASS" for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_corpus_case(case: Case, tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path)
    place(case, clinic)
    result, seconds = timed_check(clinic)
    assert seconds < SECONDS, f"{case.file} took {seconds:.1f} s"
    if case.code == "PASS":
        assert not result.has_errors, shown(result)
        if case.rendered is not None and case.file.startswith("templates/"):
            template = result.library.get(Path(case.name).stem)
            assert template is not None
            assert case.rendered in template.render({}, example_context())
        elif case.rendered is not None:
            texts = [text for checked in result.plans for text in checked.rendered.values()]
            assert any(case.rendered in text for text in texts), texts
        return
    assert result.has_errors
    assert found_at(result.diagnostics, case.display, case.code, case.line, case.col), (
        f"expected {case.display}:{case.line}:{case.col} {case.code} ({case.why}); got:\n{shown(result)}")
    messages = [d.message for d in result.diagnostics if d.path == case.display and d.code == case.code]
    if case.message_includes is not None:
        assert any(case.message_includes in m for m in messages), messages
    if case.message_excludes is not None:
        assert all(case.message_excludes not in m for m in messages), messages


def test_a_parameter_value_with_jinja_syntax_renders_literally(tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path)
    (clinic / "plans" / "c.md").write_text(
        EXAMPLE.replace('with: { frequency: "three times a week" }', 'with: { frequency: "{{ 7*7 }} {% if 1 %}x{% endif %}" }'),
        encoding="utf-8")
    result = check_project(clinic, today=TODAY)
    assert not result.has_errors, shown(result)
    homework = result.plans[0].rendered[("interventions", "homework", 0)]
    assert "{{ 7*7 }} {% if 1 %}x{% endif %}" in homework
    assert "49" not in homework


# -- generated cases -----------------------------------------------------------------


def check_one_plan(tmp_path: Path, content: bytes) -> tuple[CheckResult, float, list[Diagnostic]]:
    clinic = corpus_clinic(tmp_path)
    (clinic / "plans" / "big.md").write_bytes(content)
    result, seconds = timed_check(clinic)
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    return result, seconds, [d for d in result.diagnostics if d.path == "plans/big.md"]


def test_a_50_mb_file_is_refused_by_its_size(tmp_path: Path) -> None:
    content = b"---\nclient: x\n---\n" + b"a" * (50 * 1024 * 1024)
    _, _, found = check_one_plan(tmp_path, content)
    assert [(d.code, d.line, d.col) for d in found] == [("TX002", 1, 1)]
    assert f"{MAX_FILE_BYTES:,}" in found[0].message


def test_a_1_mb_single_line_is_refused_by_its_size(tmp_path: Path) -> None:
    _, _, found = check_one_plan(tmp_path, (EXAMPLE + "x" * 1_000_000).encode())
    assert [(d.code, d.line, d.col) for d in found] == [("TX002", 1, 1)]


def test_a_single_line_just_under_the_limit_is_clean(tmp_path: Path) -> None:
    content = (EXAMPLE + "x" * (MAX_FILE_BYTES - len(EXAMPLE.encode()) - 1) + "\n").encode()
    assert len(content) == MAX_FILE_BYTES
    result, _, _ = check_one_plan(tmp_path, content)
    assert not result.has_errors, shown(result)


def test_a_10000_deep_nested_list_is_refused_by_its_depth(tmp_path: Path) -> None:
    content = EXAMPLE.replace("  pronouns: they/them", "  pronouns: " + "[" * 10_000 + "]" * 10_000, 1).encode()
    _, _, found = check_one_plan(tmp_path, content)
    assert [(d.code, d.line) for d in found] == [("TX012", line_of(EXAMPLE, "  pronouns: they/them"))]


def test_a_deep_block_style_nesting_is_refused_by_its_depth(tmp_path: Path) -> None:
    nested = "".join("  " * depth + "-\n" for depth in range(1, 300))
    content = EXAMPLE.replace("  pronouns: they/them            # optional\n", "  pronouns:\n" + nested, 1).encode()
    _, _, found = check_one_plan(tmp_path, content)
    assert [d.code for d in found] == ["TX012"]


def test_10000_objectives_finish_fast_with_one_sensible_diagnostic(tmp_path: Path) -> None:
    objectives = "".join(
        f"          - {{id: X{i}, statement: walk {i}, measure: log, target_date: 2027-01-15}}\n"
        for i in range(10_000))
    content = EXAMPLE.replace("        objectives:\n", "        objectives:\n" + objectives, 1).encode()
    _, seconds, found = check_one_plan(tmp_path, content)
    errors = [d for d in found if d.is_error]
    first_entry = line_of(EXAMPLE, "        objectives:") + 1  # the list, where its first entry starts
    assert [(d.code, d.line) for d in errors] == [("TX108", first_entry)]
    assert f"the limit is {MAX_ENTRIES}" in errors[0].message
    assert seconds < 5


def test_the_full_billion_laughs_is_refused_without_expanding(tmp_path: Path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 10)}]" for i in range(1, 9)]
    content = ("---\n" + "\n".join(levels) + "\n---\n").encode()
    _, _, found = check_one_plan(tmp_path, content)
    assert {d.code for d in found} == {"TX007"}
    assert len(found) == 21  # the first 20 and one "more follow" line, not 89
    assert (found[0].line, found[0].col) == (2, 4)


def test_a_hundred_thousand_aliases_are_reported_in_21_lines(tmp_path: Path) -> None:
    content = ("---\nx: &x 1\ny: [" + ", ".join(["*x"] * 100_000) + "]\n---\n").encode()
    _, _, found = check_one_plan(tmp_path, content)
    assert len(found) == 21 and {d.code for d in found} == {"TX007"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_fifo_or_a_device_is_not_read(tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path)
    os.mkfifo(clinic / "plans" / "fifo.md")  # opening it for reading would block forever
    (clinic / "plans" / "zero.md").symlink_to("/dev/zero")  # reading it would never end
    (clinic / "plans" / "folder.md").mkdir()  # a folder, read like any sub-folder of plans/ (here: empty)
    result, seconds = timed_check(clinic)
    assert seconds < SECONDS
    found = {(d.path.rsplit("/", 1)[-1], d.code, d.line, d.col) for d in result.diagnostics}
    assert found == {("fifo.md", "TX001", 1, 1), ("zero.md", "TX001", 1, 1)}


# -- the command line ------------------------------------------------------------------

CLI_CASES = ["plans/empty.md", "plans/python-object-tag.md", "plans/date-feb-30.md", "plans/use-path-traversal.md",
             "plans/billion-laughs-small.md", "templates/attack-mro.md", "templates/attack-repeat-billion.md",
             "templates/attack-nested-loops.md"]


def run_cli(clinic: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", "check"], cwd=clinic, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.mark.parametrize("file", CLI_CASES)
def test_cli_reports_the_case_and_exits_1(file: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.file == file)
    clinic = corpus_clinic(tmp_path, templates=None)
    place(case, clinic)
    (clinic / "plans" / "valid.md").write_text(EXAMPLE, encoding="utf-8")
    run = run_cli(clinic)
    assert run.returncode == 1, run.stderr
    position = f"{case.line}:{case.col}" if case.col is not None else f"{case.line}:"
    assert f"{case.display}:{position}" in run.stderr and f"error {case.code}" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and "Error:" not in run.stderr.replace("error ", "")
    assert run.stdout == ""


def test_cli_refuses_a_50_mb_plan_and_exits_1(tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path, templates=None)
    (clinic / "plans" / "big.md").write_bytes(b"---\n" + b"x" * (50 * 1024 * 1024))
    run = run_cli(clinic)
    assert run.returncode == 1
    assert "plans/big.md:1:1: error TX002" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_passes_a_valid_edge_case(tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path, templates=None)
    place(next(c for c in CASES if c.file == "plans/jinja-in-param.md"), clinic)
    run = run_cli(clinic)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


# -- PHI: messages never echo a value ---------------------------------------------------

MARKER = "Zqxv7731Marker"
PHI_TEMPLATE = """---
id: phi-probe
title: PHI probe
element: homework
modalities: [CBT]
summary: Fails only on a plan's own value, so the failure message must withhold it.
params:
  focus:
    description: Anything
    required: true
---
{{ client.first_name }} will practise {{ client[focus] if focus != '[focus]' else focus }}.
"""


def phi_plans() -> dict[str, str]:
    """Plans with the marker in the narrative and in values that cause errors (one file per way to fail)."""
    narrative = f"\n## Presenting concerns\n\n{MARKER} told us about her sister {MARKER}.\n"

    def plan(*edits: tuple[str, str]) -> str:
        text = EXAMPLE
        for old, new in edits:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        return text + narrative

    return {
        "values.md": plan(
            ("name: Jordan Rivera", f"name: [{MARKER}]"),
            ("dob: 1988-03-14", f"dob: 1988-02-30 {MARKER}"),
            ("effective: 2026-11-02", f"effective: '{MARKER}'"),
            ("level: moderate", f"level: {MARKER}"),
            ("every: month", f"every: {MARKER}"),
            ("minutes: 50", f"minutes: {MARKER}"),
            ("interpersonal: true", f"interpersonal: {MARKER}"),
            ("  pronouns: they/them", f"  {MARKER} Rivera: lives with aunt\n  pronouns: they/them"),
            ("participation: >-", f"participation: {{{MARKER}: 1}}\nx_note: >-"),
            ("    - modality: CBT", f"    - modality: CBT\n      {MARKER}: note"),
            ('{ frequency: "three times a week" }', f'{{ frequency: {{{MARKER}: 1}} }}'),
            ("  summary: Passive ideation", f"  summary: ''\n  note: {MARKER}\n  x: Passive ideation"),
        ),
        "dates.md": plan(("review: 2027-01-31", f"review: 2027-01-31T{MARKER}"),
                         ("  - code: F33.1", f"  - code: {MARKER}")),
        "duplicate.md": plan(("  pronouns: they/them", f"  {MARKER}: a\n  {MARKER}: b\n  pronouns: they/them")),
        "blank.md": plan(("name: Jordan Rivera", "name: ' '"),
                         ("  - PHQ-9 below 10", f"  - {MARKER}\n  - ''\n  - PHQ-9 below 10")),
        "yaml.md": plan(("name: Jordan Rivera", f'name: "{MARKER} Rivera')),
        "control.md": plan(("name: Jordan Rivera", f"name: {MARKER}\x07Rivera")),
        "template.md": plan(("    - use: problem-solving", f"    - use: phi-probe\n      with: {{focus: {MARKER}}}")),
    }


def test_diagnostics_never_echo_plan_values(tmp_path: Path) -> None:
    clinic = corpus_clinic(tmp_path, templates=None)
    (clinic / "templates" / "interventions" / "phi-probe.md").write_text(PHI_TEMPLATE, encoding="utf-8")
    for name, text in phi_plans().items():
        (clinic / "plans" / name).write_text(text, encoding="utf-8")
    result = check_project(clinic, today=TODAY)
    codes = {(d.path, d.code) for d in result.diagnostics}
    expected: set[tuple[str, Any]] = {
        ("plans/values.md", "TX103"), ("plans/values.md", "TX102"),
        ("plans/dates.md", "TX104"), ("plans/duplicate.md", "TX006"), ("plans/blank.md", "TX101"),
        ("plans/yaml.md", "TX005"), ("plans/control.md", "TX011"), ("plans/template.md", "TX223"),
    }
    assert expected <= codes, shown(result)
    assert MARKER not in shown(result)
    run = run_cli(clinic)
    assert run.returncode == 1
    assert MARKER not in run.stderr and MARKER not in run.stdout
    for code in ("TX101", "TX102", "TX103", "TX104", "TX105", "TX108", "TX006", "TX005", "TX011", "TX223"):
        assert f"error {code}" in run.stderr, f"{code} missing:\n{run.stderr}"
    assert "Traceback" not in run.stderr


def test_key_names_that_look_like_field_names_are_shown(tmp_path: Path) -> None:
    """The documented exception: a mistyped field name is the offending token and is shown."""
    clinic = corpus_clinic(tmp_path)
    (clinic / "plans" / "c.md").write_text(EXAMPLE.replace("  homework:  ", "  homwork:   ", 1), encoding="utf-8")
    result = check_project(clinic, today=TODAY)
    assert any(d.code == "TX102" and "`homwork`" in d.message and "`homework`" in d.message for d in result.diagnostics)


@pytest.fixture(autouse=True)
def _no_stray_output(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Library code never prints."""
    yield
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
