"""Caseload review status over the fixture caseload in fixtures/status/, as of a fixed day."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from txplan.check import check_project
from txplan.export.status import (
    RED,
    RESET,
    StatusRow,
    caseload,
    filter_rows,
    format_csv,
    format_json,
    format_rows,
    format_table,
    interval_days,
)
from txplan.model import Frequency

REPO = Path(__file__).resolve().parent.parent
CASELOAD = sorted((Path(__file__).resolve().parent / "fixtures" / "status").glob("*.md"))
TODAY = date(2027, 3, 1)
NAMES = ("Robin Vale", "Casey Lund", "Morgan Ash", "Jamie Holt", "Drew Quinn")
COLUMNS = ["client_id", "clinician", "status", "review", "days_to_review", "overdue", "objectives_past_target",
           "stale_measures", "risk", "high_risk", "item9", "unsigned", "unsigned_days", "signing_overdue", "unverified",
           "errors"]


def rows_on(today: date) -> list[StatusRow]:
    return caseload(check_project(REPO, CASELOAD, today=today), today)


@pytest.fixture(scope="module")
def rows() -> list[StatusRow]:
    return rows_on(TODAY)


@pytest.fixture(scope="module")
def by_id(rows: list[StatusRow]) -> dict[str, StatusRow]:
    return {row.client_id: row for row in rows}


def client_ids(rows: list[StatusRow]) -> list[str]:
    return [row.client_id for row in rows]


def test_one_row_per_plan_most_urgent_first(rows: list[StatusRow]) -> None:
    assert client_ids(rows) == ["S-105", "S-102", "S-101", "S-104", "S-103"]


def test_days_until_review(by_id: dict[str, StatusRow]) -> None:
    assert {k: r.days_to_review for k, r in by_id.items()} == {
        "S-101": 30, "S-102": -9, "S-103": -91, "S-104": 91, "S-105": None}


def test_overdue_only_when_the_review_date_passed_and_the_plan_is_not_closed(by_id: dict[str, StatusRow]) -> None:
    assert [k for k, r in by_id.items() if r.overdue] == ["S-102"]
    assert by_id["S-103"].days_to_review is not None and by_id["S-103"].days_to_review < 0


def test_objectives_past_their_target_date(by_id: dict[str, StatusRow]) -> None:
    assert by_id["S-101"].objectives_past_target == ("O2",)
    assert by_id["S-102"].objectives_past_target == ("O1",)
    assert by_id["S-103"].objectives_past_target == ()  # closed: nothing to chase
    assert by_id["S-104"].objectives_past_target == ()


def test_stale_measures(by_id: dict[str, StatusRow]) -> None:
    assert by_id["S-101"].stale_measures == ("GAD-7",)  # monthly, never scored since 2027-01-04
    assert by_id["S-102"].stale_measures == ("ORS",)  # every session twice a week (4 days), last 5 days ago
    assert by_id["S-103"].stale_measures == ()  # closed
    assert by_id["S-104"].stale_measures == ()  # starts next week


@pytest.mark.parametrize(("today", "stale"), [(date(2027, 3, 6), ("GAD-7",)), (date(2027, 3, 7), ("PHQ-9", "GAD-7"))])
def test_a_measure_is_stale_only_after_its_full_interval(today: date, stale: tuple[str, ...]) -> None:
    s101 = next(r for r in rows_on(today) if r.client_id == "S-101")  # PHQ-9 every 2 weeks, last on 2027-02-20
    assert s101.stale_measures == stale


def frequency(schedule: str) -> Frequency:
    return Frequency.model_validate(
        {"schedule": schedule, "minutes": 50, "weeks": 12, "format": "individual", "setting": "in-person"})


@pytest.mark.parametrize(("every", "schedule", "days"), [
    ("session", "weekly", 7), ("session", "twice-weekly", 4), ("session", "biweekly", 14), ("session", "monthly", 30),
    ("session", None, 7), ("3 sessions", "twice-weekly", 12), ("week", "monthly", 7), ("2 weeks", None, 14),
    ("month", None, 30), ("2 months", "weekly", 60),
])
def test_interval_days(every: str, schedule: str | None, days: int) -> None:
    assert interval_days(every, frequency(schedule) if schedule else None) == days


def test_high_risk_flag(by_id: dict[str, StatusRow]) -> None:
    assert [k for k, r in by_id.items() if r.high_risk] == ["S-102"]


def test_plans_whose_latest_phq9_item9_is_above_0_are_listed(by_id: dict[str, StatusRow]) -> None:
    """S-102's latest PHQ-9 has item 9 at 2; S-101's was 1 once and is 0 on its latest score."""
    assert {k: r.item9 for k, r in by_id.items() if r.item9} == {"S-102": 2}
    assert by_id["S-101"].item9 is None


def test_a_plan_that_does_not_validate_gets_a_row_noting_its_errors(by_id: dict[str, StatusRow]) -> None:
    row = by_id["S-105"]
    assert row.errors == 1 and row.status is None and row.review is None
    assert (row.clinician, row.risk) == ("Blake Morgan, LMFT", "low")
    assert all(r.errors == 0 for k, r in by_id.items() if k != "S-105")


def test_filter_by_clinician_matches_any_part_of_the_name_case_insensitively(rows: list[StatusRow]) -> None:
    assert client_ids(filter_rows(rows, "blake", None)) == ["S-105", "S-102", "S-104"]
    assert client_ids(filter_rows(rows, "Avery Chen, LCSW", None)) == ["S-101", "S-103"]
    assert filter_rows(rows, "nobody", None) == []


def test_filter_due_within_keeps_overdue_and_unknown_drops_closed(rows: list[StatusRow]) -> None:
    assert client_ids(filter_rows(rows, None, 30)) == ["S-105", "S-102", "S-101"]
    assert client_ids(filter_rows(rows, None, 29)) == ["S-105", "S-102"]
    assert client_ids(filter_rows(rows, "avery", 30)) == ["S-101"]
    assert filter_rows(rows, None, None) == rows


def test_csv_shape(rows: list[StatusRow]) -> None:
    table = list(csv.DictReader(io.StringIO(format_csv(rows, names=False))))
    assert list(table[0]) == COLUMNS
    assert [r["client_id"] for r in table] == client_ids(rows)
    assert table[1] == {"client_id": "S-102", "clinician": "Blake Morgan, LMFT", "status": "active",
                        "review": "2027-02-20", "days_to_review": "-9", "overdue": "true",
                        "objectives_past_target": "O1", "stale_measures": "ORS", "risk": "high",
                        "high_risk": "true", "item9": "2", "unsigned": "clinician client", "unsigned_days": "90",
                        "signing_overdue": "true", "unverified": "",
                        "errors": "0"}  # the repository's clinic signs electronically
    assert table[0]["status"] == table[0]["days_to_review"] == ""


def test_json_shape(rows: list[StatusRow]) -> None:
    data = json.loads(format_json(rows, names=False))
    assert [list(r) for r in data] == [COLUMNS] * len(rows)
    assert data[2] == {"client_id": "S-101", "clinician": "Avery Chen, LCSW", "status": "active",
                       "review": "2027-03-31", "days_to_review": 30, "overdue": False,
                       "objectives_past_target": ["O2"], "stale_measures": ["GAD-7"], "risk": "low",
                       "high_risk": False, "item9": None, "unsigned": ["clinician", "client"], "unsigned_days": 56,
                       "signing_overdue": True, "unverified": [], "errors": 0}
    assert data[0]["review"] is None and data[0]["days_to_review"] is None and data[0]["status"] is None


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_names_are_hidden_unless_asked_for(rows: list[StatusRow], fmt: str) -> None:
    hidden = format_rows(rows, fmt)
    shown = format_rows(rows, fmt, names=True)
    assert not any(name in hidden for name in NAMES)
    assert all(name in shown for name in NAMES)


def test_names_column_comes_after_the_chart_id(rows: list[StatusRow]) -> None:
    header = format_csv(rows, names=True).splitlines()[0].split(",")
    assert header[:2] == ["client_id", "client_name"]
    assert list(json.loads(format_json(rows, names=True))[0])[:2] == ["client_id", "client_name"]
    assert format_table(rows, color=False, names=True).splitlines()[0].split()[:2] == ["client", "name"]


def test_table_colors_overdue_rows_only_when_asked(rows: list[StatusRow]) -> None:
    plain = format_table(rows, color=False, names=False)
    colored = format_table(rows, color=True, names=False)
    assert "\x1b" not in plain
    lines = colored.splitlines()
    red = [line for line in lines if line.startswith(RED)]
    assert len(red) == 1 and red[0].endswith(RESET) and "S-102" in red[0]
    assert [line.removeprefix(RED).removesuffix(RESET) for line in lines] == plain.splitlines()


def test_table_is_aligned_with_one_line_per_row(rows: list[StatusRow]) -> None:
    lines = format_table(rows, color=False, names=False).splitlines()
    assert len(lines) == len(rows) + 1
    assert lines[0].split()[:3] == ["client", "clinician", "status"]
    column = lines[0].index("review")
    assert [line[column:column + 10] for line in lines[1:]] == ["-         ", "2027-02-20", "2027-03-31", "2027-05-31",
                                                                 "2026-11-30"]


HOSTILE = StatusRow(client_id="-C1", client_name='=HYPERLINK("http://x.example","open")', clinician="@SUM(A1)\x1b[2J",
                    status="active", review=date(2027, 3, 1), days_to_review=-5, objectives_past_target=("O1",),
                    stale_measures=("+cmd|' /C calc'!A0", "PHQ-9"), risk="low", errors=0)


def test_csv_cells_that_start_like_a_formula_are_neutralized() -> None:
    """OWASP's guidance on CSV injection: a leading quote, so a spreadsheet shows the text instead of running it."""
    header, row = csv.reader(io.StringIO(format_csv([HOSTILE], names=True)))
    cells = dict(zip(header, row, strict=True))
    assert cells["client_id"] == "'-C1"
    assert cells["client_name"] == '\'=HYPERLINK("http://x.example","open")'
    assert cells["clinician"] == "'@SUM(A1)\\x1b[2J"  # and the escape shown, not sent
    assert cells["stale_measures"] == "'+cmd|' /C calc'!A0 PHQ-9"
    assert cells["days_to_review"] == "-5"  # a number txplan computed stays a number
    assert cells["objectives_past_target"] == "O1"


@pytest.mark.parametrize("start", ["\t", "\r"])
def test_csv_cells_starting_with_a_tab_or_carriage_return_are_neutralized_and_escaped(start: str) -> None:
    row = dataclasses.replace(HOSTILE, clinician=f"{start}=1+1")
    _, cells = csv.reader(io.StringIO(format_csv([row], names=False)))
    assert cells[1] == "'" + {"\t": "\\t", "\r": "\\r"}[start] + "=1+1"


def test_table_and_json_send_no_control_or_bidi_character() -> None:
    row = dataclasses.replace(HOSTILE, clinician="Avery \u202eChen\u00e9\x9b31m\nforged line")
    table = format_table([row], color=False, names=True)
    assert len(table.splitlines()) == 2
    assert "Avery \\u202eChen\u00e9\\x9b31m\\nforged line" in table
    text = format_json([row], names=True)
    assert text.isascii() and json.loads(text)[0]["clinician"] == row.clinician


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_format_rows_dispatches(rows: list[StatusRow], fmt: str) -> None:
    expected = {"table": format_table(rows, color=True, names=True), "csv": format_csv(rows, names=True),
                "json": format_json(rows, names=True)}[fmt]
    assert format_rows(rows, fmt, color=True, names=True) == expected


def test_status_of_the_example_clinic_against_a_fixed_today() -> None:
    """The repository's own caseload, as `python build.py status` prints it on 2026-12-15."""
    repo = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, str(repo / "build.py"), "status", "--today", "2026-12-15", "--format", "csv"],
                         cwd=repo, capture_output=True, text=True, check=True)
    rows = {row["client_id"]: row for row in csv.DictReader(io.StringIO(run.stdout))}
    assert list(rows) == ["C-1003", "C-1001", "C-1005", "C-1002", "C-1004", "C-1006"]  # most urgent first
    assert (rows["C-1003"]["days_to_review"], rows["C-1003"]["overdue"], rows["C-1003"]["high_risk"]) == ("-8", "true", "true")
    assert rows["C-1001"]["days_to_review"] == "20" and rows["C-1001"]["objectives_past_target"] == "O1"
    assert rows["C-1004"]["status"] == "draft" and rows["C-1006"]["status"] == "closed"
    assert {k: r["item9"] for k, r in rows.items() if r["item9"]} == {"C-1003": "1"}  # C-1001's latest item 9 is 0
    assert "name" not in run.stdout.splitlines()[0].split(",")  # chart ids only, never names
    # C-1003 was signed at an earlier version: its signatures do not count, 36 days after it took effect
    assert {k: (r["unsigned"], r["unsigned_days"], r["signing_overdue"]) for k, r in rows.items() if r["unsigned"]} == {
        "C-1003": ("clinician supervisor client", "36", "true")}


def test_unsigned_plans_are_listed_with_their_days_only_in_a_clinic_that_signs(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "plans").mkdir()
    shutil.copy(CASELOAD[0], root / "plans" / CASELOAD[0].name)
    (root / "pyproject.toml").write_text("[tool.txplan]\nsign_within_days = 30\n", encoding="utf-8")
    result = check_project(root, today=TODAY)
    assert caseload(result, TODAY)[0].unsigned == ()  # signed by hand, as far as txplan can know
    (root / "signers").mkdir()
    (root / "signers" / "allowed_signers").write_text("", encoding="utf-8")
    row = caseload(check_project(root, today=TODAY), TODAY)[0]
    assert row.unsigned == ("clinician", "client")
    assert row.unsigned_days == (TODAY - result.plans[0].plan.dates.effective).days  # type: ignore[union-attr]
    assert row.signing_overdue == (row.unsigned_days > 30)


def test_a_folder_of_plans_that_cannot_be_read_makes_status_say_the_caseload_is_incomplete(tmp_path: Path) -> None:
    """plans/team-b linked to a share that is not mounted: its clients were left out of the table in silence."""
    root = tmp_path / "clinic"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "plans").mkdir()
    shutil.copy(CASELOAD[0], root / "plans" / CASELOAD[0].name)
    (root / "plans" / "team-b").symlink_to(tmp_path / "share-not-mounted")
    (root / "pyproject.toml").write_text("[tool.txplan]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "status", "--today", TODAY.isoformat()], cwd=root,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "plans/team-b:1:1: error TX013 a symbolic link that leads nowhere (a volume not mounted?); mount it or remove "
        "the link",
        "status: the caseload is incomplete: the plans in the folders above could not be read"]
    assert caseload(check_project(root, today=TODAY), TODAY)[0].client_id in done.stdout  # the plans read are listed
