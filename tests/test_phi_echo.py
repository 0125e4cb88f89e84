"""PHI is never echoed, and nothing printed can act on the terminal (issue 11, section 2).

A family of templates fails on a plan's own values in every way a render can fail (an undefined key, a
format key, a type error, ...), over values of every shape that defeated the old blanking of values in
exception text (line breaks, tabs, backslashes, quotes, double spaces, over 200 characters, Unicode), each
holding one marker. The real command line then builds, checks and reports on the clinic, and the marker
must reach no output stream and no file under build/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURE_TEMPLATES, REPO, VALID_PLAN, edit, edited_plan, make_clinic

MARKER = "Qv7731mark"
SHAPES = (
    MARKER,
    f"first line\n{MARKER}\nthird line",
    f"{MARKER}\twith a tab",
    f"back\\slash {MARKER} \\n \\x41",
    f"it's \"{MARKER}\" 'quoted'",
    f"{MARKER}  double  spaces   inside ",
    MARKER + " long" * 60,
    "long " * 60 + MARKER,
    f"\u00e9 \u00fc {MARKER} \u2713 \U0001f600 \u200f",  # a right-to-left mark (the overrides are TX011)
    f"{{{MARKER}}} %({MARKER})s",  # a format key, for the bodies that use the value as a format string
)
# Each body fails only on a plan's own value: the check's trial render gives `[focus]`, which it skips.
PROBES = {
    "undefined-key": "{{ client[focus] }}",
    "undefined-attribute": "{{ focus|attr(focus) }}",
    "undefined-in-map": "{{ [client]|map(attribute=focus)|join }}",
    "format-key": "{{ focus.format_map({}) }}",
    "printf-key": "{{ focus % {'x': 1} }}",
    "division": "{{ focus|length // 0 }}",
    "type": "{{ focus + 1 }}",
    "value": "{{ focus.index(focus ~ '!') }}",
    "name-as-key": "{{ clinician[client.name] }}",
}
PROBE_TEMPLATE = """---
id: probe-{name}
title: Probe {name}
element: skills
modalities: [CBT]
summary: Fails on a plan's own value.
params:
  focus:
    description: Anything
    required: true
---
{{% if focus != '[focus]' %}}{body}{{% endif %}}
"""


def probe_items() -> str:
    """One technique per probe and shape, the value as a double-quoted YAML scalar (escapes and all)."""
    return "".join(f"    - use: probe-{name}\n      with: {{ focus: {json.dumps(shape, ensure_ascii=False)} }}\n"
                   f"      for: [O1]\n" for name in PROBES for shape in SHAPES)


def phi_clinic(root: Path) -> Path:
    templates = {f"probe-{name}.md": PROBE_TEMPLATE.format(name=name, body=body) for name, body in PROBES.items()}
    plans = {
        "ok.md": VALID_PLAN,  # builds, so that there is a chart, a bundle and a build state to search
        "probes.md": edited_plan(("name: Test Client", f"name: {json.dumps(SHAPES[1])}"),
                                 ("  techniques:\n", "  techniques:\n" + probe_items())),
        "bad-id.md": edited_plan(("id: T-0001", f"id: {MARKER} 1991-06-14"), ("name: Test Client", f"name: {MARKER}")),
    }
    make_clinic(root, plans, templates=templates, library=FIXTURE_TEMPLATES,
                pyproject='[tool.txplan]\nclinic = "Test Clinic"\n')
    shutil.copyfile(REPO / "build.py", root / "build.py")
    shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def run(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", *arguments], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False)


def build_contents(build: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under build/, and every entry of each zip (a DOCX is compressed), by name."""
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield path.as_posix(), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{path.as_posix()}!{name}", archive.read(name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    root = phi_clinic(tmp_path_factory.mktemp("phi") / "clinic")
    commands = {"build": (), "check": ("check",), "json": ("check", "--format", "json"), "fhir": ("fhir",),
                "status": ("status",), "status-csv": ("status", "--format", "csv"),
                "status-json": ("status", "--format", "json")}
    return root, {name: run(root, *arguments) for name, arguments in commands.items()}


def test_every_probe_fails_on_the_plan_and_says_how(runs: tuple[Path, dict[str, subprocess.CompletedProcess[str]]]) -> None:
    _, done = runs
    found = json.loads(done["json"].stdout)
    failed = [d for d in found if d["code"] == "TX223" and d["path"] == "plans/probes.md"]
    assert {d["message"].split("`")[1] for d in failed} == {f"probe-{name}" for name in PROBES}
    messages = {d["message"] for d in failed}
    assert "template `probe-undefined-key` failed: undefined name, attribute or item (UndefinedError) " \
           "(line 1 of the template body)" in messages
    assert any("division by zero (ZeroDivisionError)" in m for m in messages)
    assert any("missing key (KeyError)" in m for m in messages)


def test_the_marker_reaches_no_output_and_no_file(runs: tuple[Path, dict[str, subprocess.CompletedProcess[str]]]) -> None:
    root, done = runs
    for name, result in done.items():
        assert "Traceback" not in result.stderr, (name, result.stderr)
        assert MARKER not in result.stdout and MARKER not in result.stderr, (name, result.stdout, result.stderr)
    assert (root / "build" / "docx" / "ok.docx").is_file() and (root / "build" / "fhir" / "ok.json").is_file()
    assert (root / "build" / "site" / "index.html").is_file()
    contents = dict(build_contents(root / "build"))
    assert any(name.endswith(".txplan-state.json") for name in contents)
    assert [name for name, data in contents.items() if MARKER.encode() in data] == []


def test_status_withholds_an_invalid_chart_id_like_a_name(
        runs: tuple[Path, dict[str, subprocess.CompletedProcess[str]]]) -> None:
    _, done = runs
    rows = {row["client_id"]: row for row in json.loads(done["status-json"].stdout)}
    assert set(rows) == {"T-0001", "plans/bad-id.md"}  # probes.md and ok.md share the fixture's chart id
    assert rows["plans/bad-id.md"]["errors"] >= 1
    assert "plans/bad-id.md" in done["status"].stdout


# -- nothing printed acts on the terminal ------------------------------------------------------------


def test_a_file_name_cannot_forge_diagnostic_lines_or_send_escapes(tmp_path: Path) -> None:
    forged = "x.md\nok.md:1:1: error TX101 forged\x1b]0;title\x07\u202e"
    root = make_clinic(tmp_path / "clinic", {f"evil{forged}.md": "", "ok.md": VALID_PLAN}, library=FIXTURE_TEMPLATES)
    shutil.copyfile(REPO / "build.py", root / "build.py")
    done = run(root, "check")
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and lines[1].startswith("checked 2 plan(s)"), done.stderr
    assert lines[0] == ("plans/evilx.md\\nok.md:1:1: error TX101 forged\\x1b]0;title\\x07\\u202e.md:1:1: "
                        "error TX003 file is empty")
    status = run(root, "status")
    assert "\x1b" not in status.stdout and "\x07" not in status.stdout and "\u202e" not in status.stdout
    assert len(status.stdout.splitlines()) == 3  # the header and one line per plan
    for arguments, field in ((("check", "--format", "json"), "path"), (("status", "--format", "json"), "client_id")):
        printed = run(root, *arguments).stdout
        assert printed.isascii() and all(c >= " " for c in printed.replace("\n", ""))  # JSON escapes them all
        assert f"plans/evil{forged}.md" in [entry[field] for entry in json.loads(printed)]  # and keeps the name whole


def test_a_bidi_override_in_a_plan_value_is_refused_and_never_printed(tmp_path: Path) -> None:
    plan = edit(VALID_PLAN, ("name: Test Clinician, LCSW", "name: \"Test \u202eClinician\""))
    root = make_clinic(tmp_path / "clinic", {"plan.md": plan}, library=FIXTURE_TEMPLATES)
    shutil.copyfile(REPO / "build.py", root / "build.py")
    checked = run(root, "check")
    assert "plans/plan.md:" in checked.stderr and "error TX011 control character U+202E" in checked.stderr
    for command in ("check", "status", "docx"):
        done = run(root, command)
        assert "\u202e" not in done.stdout + done.stderr and "Clinician" not in done.stderr


@pytest.mark.parametrize("written", [f'"O1 {MARKER}\\n dob 1988-03-14"', f"{{{MARKER}: 1988-03-14}}"])
def test_an_objective_id_that_is_not_an_id_is_withheld_from_tx304_and_the_build_state(tmp_path: Path,
                                                                                       written: str) -> None:
    """A copied objective (TX304) named its id as typed; in a plan with errors the id may be a name and a date of
    birth. Such an id is withheld from every message and from build/.txplan-state.json."""
    copied = edit(VALID_PLAN, ("  id: T-0001", "  id: T-0002"), ("          - id: O1\n", f"          - id: {written}\n"))
    root = make_clinic(tmp_path / "clinic", {"a.md": VALID_PLAN, "b.md": copied}, library=FIXTURE_TEMPLATES)
    shutil.copyfile(REPO / "build.py", root / "build.py")
    for arguments in (("docx",), ("check", "--format", "json"), ("check",)):
        done = run(root, *arguments)
        assert "TX304" in done.stdout + done.stderr and "this objective is word for word" in done.stdout + done.stderr
        assert MARKER not in done.stdout + done.stderr
    assert [name for name, data in build_contents(root / "build") if MARKER.encode() in data] == []
