"""TX305: real-looking identifiers (SSN, MRN) in a plan are flagged at their position, without repeating them.

``check`` will call ``phi.scan_identifiers(document.text, path)`` for every
plan it loads; until that hook is in ``check.py`` these tests call the scanner
on the loaded document directly, the way the hook will.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import position_of

from txplan.diagnostics import CODES, Severity
from txplan.frontmatter import load_document
from txplan.phi import scan_identifiers
from txplan.resources import example_plan

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "bad_inputs"
EXAMPLE = example_plan()


def scan_plan(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    """Load the plan as check does, scan it as the hook will; (line, col, message) of each finding."""
    path = tmp_path / "plans" / "c.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    document, diagnostics = load_document(path, "plans/c.md")
    assert document is not None and not diagnostics
    found = scan_identifiers(document.text, "plans/c.md")
    assert all(d.code == "TX305" and d.path == "plans/c.md" for d in found)
    return [(d.line, d.col, d.message) for d in found]


def test_tx305_is_a_documented_warning() -> None:
    code = CODES["TX305"]
    assert code.severity is Severity.WARNING
    assert code.explanation and code.example and code.fix


def test_an_ssn_in_the_narrative_is_flagged_at_its_position_without_echoing_it(tmp_path: Path) -> None:
    text = EXAMPLE + "\nThe referral letter lists SSN 123-45-6789 on page 2.\n"
    line = text.count("\n", 0, text.index("123-45-6789")) + 1
    found = scan_plan(tmp_path, text)
    assert [(f[0], f[1]) for f in found] == [(line, 31)]
    assert "Social Security" in found[0][2]
    assert "6789" not in found[0][2] and "123" not in found[0][2]


def test_an_ssn_in_the_front_matter_is_flagged(tmp_path: Path) -> None:
    text = EXAMPLE.replace("pronouns: they/them", "pronouns: they/them 078-05-1120", 1)
    assert [(f[0], f[1]) for f in scan_plan(tmp_path, text)] == [position_of(text, "078-05-1120")]


@pytest.mark.parametrize("written", [
    "MRN 20481736", "MRN: 20481736", "MRN#20481736", "mrn # 20481736", "Medical record number: 4481736",
    "medical record no. 4481736", "MRN:1234567890123",
])
def test_a_medical_record_number_is_flagged(tmp_path: Path, written: str) -> None:
    text = EXAMPLE + f"\nPrevious admission ({written}) at County General.\n"
    line = text.count("\n", 0, text.index(written)) + 1
    found = scan_plan(tmp_path, text)
    assert [(f[0], f[1]) for f in found] == [(line, len("Previous admission (") + 1)]
    assert "medical record" in found[0][2]
    assert not any(ch.isdigit() for ch in found[0][2])


@pytest.mark.parametrize("written", [
    "000-12-3456", "666-12-3456", "987-65-4321", "123-00-4567", "123-45-0000",  # never issued: obviously fake
    "2026-11-02", "555-0142", "1-800-273-8255", "123-45-67890", "1234-56-7890", "F33.1",  # not SSN-shaped
    "MRN 12345", "MRN pending", "C-0042",  # too short, no number, a chart number
])
def test_fake_and_other_numbers_are_not_flagged(tmp_path: Path, written: str) -> None:
    assert scan_plan(tmp_path, EXAMPLE + f"\nNoted: {written}.\n") == []


def test_every_identifier_is_reported_once_in_file_order(tmp_path: Path) -> None:
    text = EXAMPLE + "\nSSN 123-45-6789, MRN 20481736, and again 219-09-9999.\n"
    found = scan_plan(tmp_path, text)
    assert len(found) == 3
    assert [f[1] for f in found] == sorted(f[1] for f in found)


def test_positions_count_lines_after_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    path.write_bytes((EXAMPLE + "\nSSN 123-45-6789\n").replace("\n", "\r\n").encode())
    document, _ = load_document(path, "c.md")
    assert document is not None
    found = scan_identifiers(document.text, "c.md")
    assert [(d.line, d.col) for d in found] == [(EXAMPLE.count("\n") + 2, 5)]


def test_the_repository_examples_and_templates_raise_no_false_alarms() -> None:
    paths = [*sorted((REPO / "templates" / "interventions").glob("*.md")), *sorted((CORPUS / "plans").glob("*.md"))]
    assert len(paths) > 50
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert scan_identifiers(text, path.name) == [], path.name
