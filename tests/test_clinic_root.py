"""Finding the clinic: every command walks up to the nearest pyproject.toml with [tool.txplan], as git and
ruff find their roots; `-C DIR` names it; outside any clinic a command exits 2 instead of succeeding on nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, VALID_PLAN, edited_plan, make_clinic

NOT_A_CLINIC = "txplan: not inside a clinic (no pyproject.toml with [tool.txplan] in"


def txplan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed program as a user types it, from any folder (not the clinic's build.py)."""
    return subprocess.run([sys.executable, "-m", "txplan", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture
def rooted_clinic(tmp_path: Path) -> Path:
    """A clinic with one valid plan and one plan with an error (TX105 at 18:10), under tmp/clinic."""
    return make_clinic(tmp_path / "clinic", {"good.md": VALID_PLAN, "bad.md": edited_plan(("  level: low", "  level: severe"))},
                       library=("behavioral-activation", "dear-man", "emotion-naming", "problem-solving", "thought-record"))


@pytest.mark.parametrize("command", ["check", "docx", "fhir", "site", "status"])
def test_outside_any_clinic_every_command_exits_2(tmp_path: Path, command: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = txplan(empty, command)
    assert done.returncode == 2
    assert done.stderr.startswith(NOT_A_CLINIC)
    assert len(done.stderr.splitlines()) == 1
    assert list(empty.iterdir()) == []


def test_a_pyproject_without_the_table_is_not_a_clinic(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "not-a-clinic"\n', encoding="utf-8")
    done = txplan(tmp_path, "check")
    assert done.returncode == 2
    assert done.stderr.startswith(NOT_A_CLINIC)


def test_check_from_inside_plans_finds_the_clinic(rooted_clinic: Path) -> None:
    done = txplan(rooted_clinic / "plans", "check")
    assert done.returncode == 1
    assert "plans/bad.md:18:10: error TX105" in done.stderr
    assert "checked 2 plan(s)" in done.stderr


def test_docx_from_inside_plans_writes_to_the_clinics_build_folder(rooted_clinic: Path) -> None:
    done = txplan(rooted_clinic / "plans", "docx")
    assert done.returncode == 1, done.stderr
    assert (rooted_clinic / "build" / "docx" / "good.docx").is_file()
    assert not (rooted_clinic / "plans" / "build").exists()


def test_paths_are_relative_to_where_they_were_typed(rooted_clinic: Path) -> None:
    done = txplan(rooted_clinic / "plans", "check", "bad.md")
    assert done.returncode == 1
    assert "plans/bad.md:18:10: error TX105" in done.stderr
    assert "checked 1 plan(s)" in done.stderr


def test_dash_c_names_the_clinic_before_or_after_the_command(rooted_clinic: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["-C", str(rooted_clinic), "check"], ["check", "-C", str(rooted_clinic)]):
        done = txplan(elsewhere, *args)
        assert done.returncode == 1, done.stderr
        assert "plans/bad.md:18:10: error TX105" in done.stderr


def test_dash_c_with_a_relative_plan_path_reads_it_from_where_it_was_typed(rooted_clinic: Path) -> None:
    done = txplan(rooted_clinic.parent, "-C", "clinic", "check", "clinic/plans/good.md")
    assert done.returncode == 0, done.stderr
    assert "checked 1 plan(s)" in done.stderr


def test_dash_c_outside_any_clinic_exits_2(tmp_path: Path) -> None:
    done = txplan(REPO, "-C", str(tmp_path), "check")
    assert done.returncode == 2
    assert done.stderr.startswith(NOT_A_CLINIC)


@pytest.mark.parametrize("command", ["check", "docx", "init"])
def test_dash_c_naming_no_folder_exits_2_and_never_falls_back_to_the_clinic_above(rooted_clinic: Path,
                                                                                  command: str) -> None:
    (rooted_clinic / "plans" / "a-file").write_text("", encoding="utf-8")
    for missing in ("plans/typo", "plans/a-file"):
        done = txplan(rooted_clinic, "-C", missing, command)
        assert done.returncode == 2
        assert done.stderr == f"txplan: -C {missing}: no such folder\n"
    assert not (rooted_clinic / "build").exists()


def test_the_nearest_clinic_wins(rooted_clinic: Path) -> None:
    inner = make_clinic(rooted_clinic / "templates" / "inner", {"only.md": VALID_PLAN}, library=("behavioral-activation",))
    done = txplan(inner / "plans", "check")
    assert "checked 1 plan(s)" in done.stderr


def test_a_clinic_whose_pyproject_is_not_valid_toml_is_still_found_and_reported(rooted_clinic: Path) -> None:
    (rooted_clinic / "pyproject.toml").write_text("[tool.txplan]\nclinic = \n", encoding="utf-8")
    done = txplan(rooted_clinic / "plans", "check")
    assert "pyproject.toml:2:10: error TX501" in done.stderr  # where the value is missing


def test_every_command_takes_dash_c_in_its_help(rooted_clinic: Path) -> None:
    for command in ("check", "docx", "site", "serve", "fhir", "status"):
        done = txplan(rooted_clinic, command, "--help")
        assert done.returncode == 0
        assert "-C DIR" in done.stdout


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_pyproject_that_is_not_a_regular_file_is_passed_over_without_hanging(rooted_clinic: Path, kind: str) -> None:
    """A FIFO named pyproject.toml in a folder between here and the clinic made every command wait for a writer;
    a link to /dev/zero read without end."""
    here = rooted_clinic / "notes"
    here.mkdir()
    if kind == "fifo":
        os.mkfifo(here / "pyproject.toml")
    else:
        (here / "pyproject.toml").symlink_to("/dev/zero")
    done = txplan(here, "check")  # the clinic above is found; its bad plan is the only error
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == "checked 2 plan(s) and 5 template(s): 1 error(s), 0 warning(s)"
