"""`txplan new ID [--from PLAN]`: a draft whose placeholders `check` lists, one error each, at its place."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    FIXTURE_TEMPLATES,
    TODAY,
    VALID_PLAN,
    disk_fills_on,
    edited_plan,
    found_in,
    make_clinic,
    position_of,
)

from txplan.check import check_project
from txplan.cli import main
from txplan.frontmatter import parse_document
from txplan.resources import example_plan
from txplan.skeleton import CLOSE, OPEN, PLACEHOLDER

EXAMPLE_TEMPLATES = (*FIXTURE_TEMPLATES, "assertive-communication", "safety-plan-review")

# What a clinician would write in place of each placeholder of a blank plan, by the key on its line.
FILLED = {
    "name": "Test Client", "dob": "1990-05-01", "effective": "2026-11-02", "review": "2027-01-15",
    "target_date": "2027-01-10", "code": "F32.1", "level": "low", "minutes": "50", "weeks": "12",
    "schedule": "weekly", "format": "individual", "setting": "in-person", "instrument": "PHQ-9", "baseline": "16",
    "target": "8", "every": "2 weeks", "phone": "555-0142",
    "statement": "Test will complete 3 planned activities each week", "measure": "Weekly activity log",
}
FILLED_TEXT = "Written for this client"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txplan", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def placeholders_in(text: str) -> list[tuple[int, int]]:
    """Where the placeholders of a plan are, comments left out: (line, col) of each opening mark."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        code = line.split(" # ")[0] if not line.lstrip().startswith("#") else ""
        found += [(number, match.start() + 1) for match in PLACEHOLDER.finditer(code)]
    return found


def filled(text: str) -> str:
    """The blank plan with each placeholder replaced as a clinician would (by the key on its line)."""
    lines = []
    for line in text.split("\n"):
        match = PLACEHOLDER.search(line.split(" # ")[0])
        if match and not line.lstrip().startswith("#"):
            key = line.split(":")[0].strip(" -") if ":" in line[: match.start()] else ""
            line = line[: match.start()] + FILLED.get(key, FILLED_TEXT) + line[match.end():]
        lines.append(line)
    return "\n".join(lines)


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for child in value.values() for s in strings(child)]
    if isinstance(value, list):
        return [s for child in value for s in strings(child)]
    return [value] if isinstance(value, str) else []


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A office with the templates the example plan uses and no plans."""
    return make_clinic(tmp_path / "clinic", library=EXAMPLE_TEMPLATES)


def test_new_writes_a_private_draft_and_check_lists_each_placeholder_at_its_place(office: Path) -> None:
    done = run(office, "new", "C-0043")
    assert done.returncode == 0, done.stderr
    plan = office / "plans" / "c-0043.md"
    text = plan.read_text(encoding="utf-8")
    expected = placeholders_in(text)
    assert done.stderr == (f"wrote plans/c-0043.md: a draft with {len(expected)} placeholder(s) to fill; "
                           "`txplan check plans/c-0043.md` lists them\n")
    assert stat.S_IMODE(plan.stat().st_mode) == 0o600
    assert "  id: C-0043 " in text and "status: draft " in text
    assert sorted(found_in(office)) == sorted(("TX110", line, col) for line, col in expected)
    assert len(expected) > 40


def test_every_key_of_a_blank_plan_says_what_it_holds(office: Path) -> None:
    assert run(office, "new", "C-0043").returncode == 0
    front = (office / "plans" / "c-0043.md").read_text(encoding="utf-8").split("---\n")[1]
    keyed = [line for line in front.split("\n") if re.match(r"^ *(- )?[a-z_]+:", line)]
    assert keyed and all(" # " in line for line in keyed)


def test_a_blank_plan_filled_in_checks_clean(office: Path) -> None:
    """Its shape is a valid plan: once every placeholder is written, nothing is left to report."""
    assert run(office, "new", "C-0043").returncode == 0
    plan = office / "plans" / "c-0043.md"
    plan.write_text(filled(plan.read_text(encoding="utf-8")), encoding="utf-8")
    assert found_in(office) == []


def test_the_command_line_check_prints_the_to_do_list_and_exits_1(office: Path) -> None:
    assert run(office, "new", "C-0043").returncode == 0
    done = run(office, "check")
    assert done.returncode == 1
    assert "plans/c-0043.md:6:9: error TX110 placeholder not filled: write `client.name` for this client" in done.stderr
    assert "error TX110 placeholder not filled in the narrative" in done.stderr


def test_a_placeholder_inside_a_value_is_located_at_its_own_column(check_plan: Any) -> None:
    text = edited_plan(("Keeps appointments", f"Keeps appointments and {OPEN}another strength{CLOSE}"))
    assert check_plan(text) == [("TX110", *position_of(text, OPEN))]


def test_a_snippet_pasted_from_the_site_with_its_placeholder_is_reported_once(check_plan: Any) -> None:
    text = edited_plan(('with: { activities: "walks, calling a friend" }', f'with: {{ activities: "{OPEN}activities{CLOSE}" }}'))
    assert check_plan(text) == [("TX110", *position_of(text, OPEN))]


def test_a_placeholder_in_the_narrative_is_reported(check_plan: Any) -> None:
    text = VALID_PLAN + f"\nSeen with {OPEN}who came{CLOSE} at intake.\n"
    assert check_plan(text) == [("TX110", *position_of(text, OPEN))]


def test_a_placeholder_for_a_typed_value_is_reported_as_a_placeholder_only(check_plan: Any) -> None:
    """Without the placeholder rule this is a TX104 (not a date): the to-do list says what to do instead."""
    text = edited_plan(("  dob: 1990-05-01", f"  dob: {OPEN}YYYY-MM-DD{CLOSE}"))
    assert check_plan(text) == [("TX110", *position_of(text, OPEN))]


def test_two_blank_plans_are_not_copies_of_each_other(office: Path) -> None:
    assert run(office, "new", "C-0043").returncode == 0
    assert run(office, "new", "C-0044").returncode == 0
    assert {code for code, _, _ in found_in(office)} == {"TX110"}


def test_from_takes_the_shape_without_the_other_clients_details(office: Path) -> None:
    source = office / "example.md"
    source.write_text(example_plan(), encoding="utf-8")
    done = run(office, "new", "C-0044", "--from", "example.md")
    assert done.returncode == 0, done.stderr
    text = (office / "plans" / "c-0044.md").read_text(encoding="utf-8")
    made, _ = parse_document(text.encode(), "plans/c-0044.md")
    theirs, _ = parse_document(example_plan().encode(), "example.md")
    assert made is not None and theirs is not None
    data = made.data
    # kept: ids, links, templates and their parameter names, instruments, the clinic's crisis line
    objectives = data["problems"][0]["goals"][0]["objectives"]
    assert [o["id"] for o in objectives] == ["O1", "O2"]
    assert data["interventions"]["techniques"][0]["use"] == "behavioral-activation"
    assert list(data["interventions"]["techniques"][0]["with"]) == ["activities"]
    assert data["interventions"]["crisis"]["items"][0] == {"use": "safety-plan-review", "for": ["O2"]}
    assert data["interventions"]["evaluation"]["measures"][1]["range"] == [0, 28]
    assert {"name": "988 Suicide & Crisis Lifeline", "phone": "988"} in data["interventions"]["crisis"]["professional_contacts"]
    assert (data["client"]["id"], data["status"]) == ("C-0044", "draft")
    assert "scores" not in data["interventions"]["evaluation"]["measures"][0]
    # dropped: every other value, and the narrative
    kept = {"C-0042", "active", "behavioral-activation", "thought-record", "problem-solving", "assertive-communication",
            "safety-plan-review", "P1", "G1", "O1", "O2", "PHQ-9", "PDSS", "lower", "988 Suicide & Crisis Lifeline",
            "988", "walking with a friend, choir practice", "three times a week"}
    theirs_values = set(strings(theirs.data)) - kept
    assert theirs_values and not theirs_values & set(strings(data))
    assert "walking with a friend" not in text and "three times a week" not in text
    narrative = {line for line in theirs.body.split("\n") if line.strip()} - {"## Presenting concerns"}
    assert not narrative & set(made.body.split("\n"))
    result = check_project(office, today=TODAY)
    assert {d.code for d in result.diagnostics} == {"TX110"}


def test_new_never_overwrites_a_file(office: Path) -> None:
    plan = office / "plans" / "c-0043.md"
    plan.write_text(VALID_PLAN, encoding="utf-8")
    done = run(office, "new", "C-0043")
    assert done.returncode == 2
    assert done.stderr == "txplan: plans/c-0043.md: already exists; txplan never overwrites a file\n"
    assert plan.read_text(encoding="utf-8") == VALID_PLAN


@pytest.mark.parametrize("plan_id", ["C 43", "../c-0043", "c/0043", ""])
def test_an_id_that_is_not_a_chart_number_is_a_usage_error(office: Path, plan_id: str) -> None:
    done = run(office, "new", plan_id)
    assert done.returncode == 2
    assert "is not a chart number" in done.stderr
    assert list((office / "plans").iterdir()) == []


def test_from_a_plan_that_does_not_load_writes_nothing(office: Path) -> None:
    (office / "broken.md").write_text("---\nclient: [\n---\n", encoding="utf-8")
    done = run(office, "new", "C-0045", "--from", "broken.md")
    assert done.returncode == 1
    assert "broken.md: its front matter cannot be read" in done.stderr and "Traceback" not in done.stderr
    assert list((office / "plans").iterdir()) == []


def test_placeholders_keep_a_plan_from_building(office: Path) -> None:
    assert run(office, "new", "C-0043").returncode == 0
    done = run(office, "docx")
    assert done.returncode == 1
    assert not (office / "build" / "docx" / "c-0043.docx").exists()


def test_a_plan_that_cannot_be_written_is_one_line_and_leaves_no_half_file(
        office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The disk fills half-way through the draft: one line, exit 2, and no half plan that a second `new` would
    refuse to overwrite."""
    disk_fills_on(monkeypatch, 0)
    monkeypatch.chdir(office)
    assert main(["new", "C-0043"]) == 2
    assert capsys.readouterr().err == "txplan: plans/c-0043.md: No space left on device; nothing was written\n"
    monkeypatch.undo()
    assert list((office / "plans").iterdir()) == []
    assert run(office, "new", "C-0043").returncode == 0
