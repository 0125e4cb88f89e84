"""`txplan new ID [--from PLAN]`: a draft whose placeholders `check` lists, one error each, at its place."""

from __future__ import annotations

import copy
import json
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    FIXTURE_TEMPLATES,
    TODAY,
    VALID_PLAN,
    disk_fills_on,
    edit,
    edited_plan,
    found_in,
    make_clinic,
    position_of,
)

from txplan.check import check_project
from txplan.cli import main
from txplan.frontmatter import parse_document
from txplan.policy import Policy
from txplan.resources import example_plan
from txplan.skeleton import CLOSE, OPEN, PLACEHOLDER, shaped_plan

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
    assert PLACEHOLDER.fullmatch(data["interventions"]["evaluation"]["measures"][1]["instrument"])  # PDSS: custom
    assert {"name": "988 Suicide & Crisis Lifeline", "phone": "988"} in data["interventions"]["crisis"]["professional_contacts"]
    assert (data["client"]["id"], data["status"]) == ("C-0044", "draft")
    assert "scores" not in data["interventions"]["evaluation"]["measures"][0]
    # dropped: every other value, and the narrative
    kept = {"C-0042", "active", "behavioral-activation", "thought-record", "problem-solving", "assertive-communication",
            "safety-plan-review", "P1", "G1", "O1", "O2", "PHQ-9", "lower", "988 Suicide & Crisis Lifeline",
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


@pytest.mark.parametrize("plan_id", ["C 43", "../c-0043", "c/0043", "", "C-9\n"])
def test_an_id_that_is_not_a_chart_number_is_a_usage_error(office: Path, plan_id: str) -> None:
    done = run(office, "new", plan_id)
    assert done.returncode == 2
    assert "is not a chart number" in done.stderr
    assert list((office / "plans").iterdir()) == []


def test_a_new_plans_folder_is_private(office: Path) -> None:
    """A clinic without plans/ (removed, or cloned without it): `new` makes it 0700, as init does, whatever the
    umask; it holds PHI."""
    (office / "plans").rmdir()
    done = subprocess.run(["sh", "-c", f"umask 022 && exec {sys.executable} -m txplan new C-0043"], cwd=office,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((office / "plans").stat().st_mode) == 0o700
    assert stat.S_IMODE((office / "plans" / "c-0043.md").stat().st_mode) == 0o600


@pytest.mark.parametrize(("source", "content", "said"), [
    ("broken.md", "---\nclient: [\n---\n", ":3:1: error TX005 a value is missing"),
    ("../outside.md", "---\n- Dana Rivera\n---\n", ":2:1: error TX010 the front matter must be `key: value` pairs"),
    ("missing.md", None, ":1:1: error TX001 cannot read file: No such file or directory"),
])
def test_from_a_plan_that_does_not_load_says_why_and_writes_nothing(office: Path, source: str, content: str | None,
                                                                    said: str) -> None:
    """The reviewer's case: the message sent the user to `txplan check SOURCE`, which refuses a file outside
    plans/, and exited 1. Now the problem itself, with its code and place and never a value; exit 2."""
    if content is not None:
        (office / source).write_text(content, encoding="utf-8")
    done = run(office, "new", "C-0045", "--from", source)
    assert done.returncode == 2
    assert done.stderr.startswith(f"txplan: --from {office / source}{said}"), done.stderr
    assert done.stderr.endswith("; nothing was written\n") and done.stderr.count("\n") == 1
    assert "Dana" not in done.stderr and "txplan check" not in done.stderr
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


# What a source may hold where the format expects something else: text, a number, nothing, true, a list, a mapping.
WRONG_SHAPES: tuple[Any, ...] = ("Dana Rivera", 1990, None, True, ["Dana Rivera"], {"dana": "Rivera"})


def example_data() -> dict[str, Any]:
    document, _ = parse_document(example_plan().encode(), "example.md")
    assert document is not None
    return document.data


def with_value(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    place = changed
    for part in path[:-1]:
        place = place[part]
    place[path[-1]] = value
    return changed


def paths_in(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key and list position of a plan's front matter, at every depth."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield (*path, key)
        yield from paths_in(child, (*path, key))


def assert_only_placeholders_and_none_of_the_source(office: Path, plans: int) -> None:
    """Each draft checks with nothing but placeholders to fill, and holds no word of the source's wrong values."""
    written = sorted((office / "plans").glob("*.md"))
    assert len(written) == plans
    for plan in written:
        text = plan.read_text(encoding="utf-8")
        assert "Dana" not in text and "Rivera" not in text, plan.name
    result = check_project(office, today=TODAY)
    assert {d.code for d in result.diagnostics} == {"TX110"}


def test_from_a_source_whose_sections_have_the_wrong_shape_gives_a_draft_not_a_traceback(
        office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each top-level key of the source as text, a number, null, true, a list and a mapping of unknown keys (the
    reviewer's `client: Dana Rivera` and `client: [Dana]` among them): a draft and one line, every time."""
    data = example_data()
    monkeypatch.chdir(office)
    cases = [(key, value) for key in data for value in WRONG_SHAPES]
    for number, (key, value) in enumerate(cases):
        source = office / f"source-{number}.md"
        source.write_text(f"---\n{json.dumps(with_value(data, (key,), value))}\n---\nDana's story\n", encoding="utf-8")
        assert main(["new", f"C-{number}", "--from", source.name]) == 0, (key, value)
        err = capsys.readouterr().err
        assert err.startswith(f"wrote plans/c-{number}.md: a draft with ") and err.count("\n") == 1, (key, value)
    assert_only_placeholders_and_none_of_the_source(office, len(cases))


def test_from_a_source_with_a_wrong_shape_at_any_depth_gives_a_draft_that_checks(office: Path) -> None:
    """Every key and list entry of the example plan, at every depth below the top, replaced by text, a list or a
    mapping of unknown keys (text, a number, null and true take turns as the one value)."""
    data = example_data()
    library = (office / "templates" / "interventions").glob("*.md")
    templates = {path.stem: frozenset(["activities", "frequency"]) for path in library}
    nested = [path for path in paths_in(data) if len(path) > 1]
    number = 0
    for index, path in enumerate(nested):
        for value in (WRONG_SHAPES[index % 4], WRONG_SHAPES[4], WRONG_SHAPES[5]):
            text = shaped_plan(f"C-{number}", with_value(data, path, value), Policy().crisis_lines, templates)
            (office / "plans" / f"c-{number}.md").write_text(text, encoding="utf-8")
            number += 1
    assert_only_placeholders_and_none_of_the_source(office, number)


def test_from_renumbers_ids_and_keeps_only_what_comes_from_txplans_or_the_clinics_tables(office: Path) -> None:
    """The reviewer's source: ids, `for` entries, a custom instrument, a template parameter and a crisis line's
    name that hold the client's details. None of them reaches the draft; the links between them do."""
    source = edit(
        example_plan(),
        ("  - id: P1", "  - id: Dana-Rivera-P1"),
        ("      - id: G1", "      - id: Dana-Rivera-DOB-1990-05-01"),
        ("          - id: O1", "          - id: Dana-walks"),
        ("          - id: O2", "          - id: A-Rivera"),
        ('      with: { activities: "walking with a friend, choir practice" }\n      for: [O1]',
         '      with: { activities: "walks", dana_mom: "yes" }\n'
         '      for: [A-Rivera, Dana hates her stepfather, Dana-walks, A-Rivera]'),
        ("    - use: thought-record\n      with: { frequency: \"three times a week\" }\n      for: [O2]",
         "    - use: dana-rivera-special\n      with: { dana: x }\n      for: [A-Rivera]"),
        ("      for: [O1, O2]", "      for: [Dana hates her stepfather]"),
        ("    - use: problem-solving\n      for: [O1]", "    - use: problem-solving\n      for: [Dana-walks]"),
        ("      for: [O2]\n  relationships", "      for: [A-Rivera]\n  relationships"),
        ("    - use: assertive-communication\n      for: [O1]", "    - use: assertive-communication\n      for: [Dana-walks]"),
        ("        for: [O2]", "        for: [A-Rivera]"),
        ("      - { name: 988 Suicide & Crisis Lifeline, phone: \"988\" }",
         "      - { name: Dana's counsellor on the 988 line, phone: \"988\" }"),
        ("      - instrument: PDSS ", "      - instrument: Dana mood diary at Rivera home "),
    )
    (office / "source.md").write_text(source, encoding="utf-8")
    done = run(office, "new", "C-0099", "--from", "source.md")
    assert done.returncode == 0, done.stderr
    text = (office / "plans" / "c-0099.md").read_text(encoding="utf-8")
    assert not re.search("Dana|Rivera|stepfather|1990", text)
    made, _ = parse_document(text.encode(), "plans/c-0099.md")
    assert made is not None
    problem = made.data["problems"][0]
    objectives = problem["goals"][0]["objectives"]
    assert (problem["id"], problem["goals"][0]["id"], [o["id"] for o in objectives]) == ("P1", "G1", ["O1", "O2"])
    items = made.data["interventions"]
    # `for` follows each objective to its new id, once each; a reference to no objective is left out
    assert items["techniques"][0]["for"] == ["O2", "O1"]
    assert list(items["techniques"][0]["with"]) == ["activities"]  # the template's own parameter only
    other = items["homework"][0]  # a template the clinic does not have: its id and parameters are not kept
    assert PLACEHOLDER.fullmatch(other["use"]) and "with" not in other and other["for"] == ["O2"]
    assert len(items["psychoeducation"][0]["for"]) == 1 and PLACEHOLDER.fullmatch(items["psychoeducation"][0]["for"][0])
    assert [items[key][0]["for"] for key in ("skills", "emotional_processing", "relationships")] == [["O1"], ["O2"], ["O1"]]
    assert items["crisis"]["items"][0]["for"] == ["O2"]
    assert items["crisis"]["professional_contacts"][0] == {"name": "988 Suicide & Crisis Lifeline", "phone": "988"}
    custom = items["evaluation"]["measures"][1]
    assert PLACEHOLDER.fullmatch(custom["instrument"]) and (custom["range"], custom["better"]) == ([0, 28], "lower")
    assert {d.code for d in check_project(office, today=TODAY).diagnostics} == {"TX110"}
