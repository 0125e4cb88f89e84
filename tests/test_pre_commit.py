"""The pre-commit hook: `txplan check` given the files a commit changes, as pre-commit passes them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_TEMPLATES, REPO, TEMPLATE, VALID_PLAN, edit, edited_plan, make_clinic, position_of
from ruamel.yaml import YAML

from txplan.scaffold import HOOK, hook_config

LOAD = YAML(typ="safe", pure=True).load


def hook_run(clinic: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    """The hook's entry with the files pre-commit would pass: those its `files` pattern matches (pre-commit uses
    Python's re.search), in the clinic's root. `txplan` is this checkout's, run through the interpreter."""
    passed = [name for name in files if re.search(HOOK["files"], name)]
    program, *arguments = HOOK["entry"].split()
    assert program == "txplan"
    return subprocess.run([sys.executable, "-m", "txplan", *arguments, *passed], cwd=clinic, capture_output=True,
                          text=True, timeout=120, check=False)


def txplan_check(clinic: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txplan", "check", *files], cwd=clinic, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    clinic = make_clinic(tmp_path / "clinic", {"good.md": VALID_PLAN}, library=FIXTURE_TEMPLATES,
                         templates={"zz-test.md": TEMPLATE})
    (clinic / "README.md").write_text("# Our clinic\n", encoding="utf-8")
    (clinic / "plans" / "notes.txt").write_text("not a plan\n", encoding="utf-8")
    return clinic


def test_the_repository_ships_the_hook_that_init_writes() -> None:
    shipped = LOAD((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert shipped == [{**HOOK, "language": "python"}]
    config = LOAD(hook_config())
    assert config == {"repos": [{"repo": "local", "hooks": [{**HOOK, "language": "system"}]}]}


def test_the_hook_passes_plans_their_signatures_and_templates_only() -> None:
    pattern = re.compile(HOOK["files"])
    assert all(pattern.search(name) for name in ("plans/c-0042.md", "plans/team-a/c-7.md", "plans/c-0042.md.signatures",
                                                 "templates/interventions/thought-record.md"))
    assert not any(pattern.search(name) for name in ("README.md", "templates/chart.docx", "pyproject.toml",
                                                     "templates/interventions/old/x.md", "docs/plans/x.md"))


def test_a_commit_of_clean_files_passes(office: Path) -> None:
    done = hook_run(office, ["README.md", "plans/good.md", "templates/interventions/zz-test.md", "plans/notes.txt"])
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith("checked 1 plan(s) and 6 template(s): 0 error(s)")


def test_a_commit_with_a_broken_plan_fails_at_its_line(office: Path) -> None:
    broken = edited_plan(("  level: low", "  level: severe"))
    (office / "plans" / "bad.md").write_text(broken, encoding="utf-8")
    done = hook_run(office, ["plans/bad.md", "README.md"])
    assert done.returncode == 1
    line, col = position_of(broken, "severe")
    assert f"plans/bad.md:{line}:{col}: error TX105 " in done.stderr
    assert "plans/good.md" not in done.stderr and "checked 1 plan(s)" in done.stderr


def test_a_commit_with_only_a_broken_template_fails_at_its_line(office: Path) -> None:
    template = office / "templates" / "interventions" / "zz-test.md"
    broken = edit(TEMPLATE, ("element: skills", "element: skils"))
    template.write_text(broken, encoding="utf-8")
    done = hook_run(office, ["templates/interventions/zz-test.md"])
    assert done.returncode == 1
    line, col = position_of(broken, "skils")
    assert f"templates/interventions/zz-test.md:{line}:{col}: error TX105 " in done.stderr
    assert "checked 0 plan(s)" in done.stderr  # a template alone does not check every plan


def test_a_changed_signature_record_checks_its_plan(office: Path) -> None:
    (office / "plans" / "good.md.signatures").write_text("not a record\n", encoding="utf-8")
    done = hook_run(office, ["plans/good.md.signatures"])
    assert "checked 1 plan(s)" in done.stderr
    assert "plans/good.md.signatures:" in done.stderr


def test_check_ignores_other_files_with_a_note_each(office: Path) -> None:
    done = txplan_check(office, "README.md", "plans/notes.txt", "templates/interventions/zz-test.md")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "txplan: README.md: not a plan or an intervention template; ignored",
        "txplan: plans/notes.txt: not a plan or an intervention template; ignored"]
    assert "checked 0 plan(s) and 6 template(s)" in done.stderr


def test_json_output_stays_clean_when_files_are_ignored(office: Path) -> None:
    done = txplan_check(office, "--format", "json", "README.md", "plans/good.md")
    assert done.returncode == 0
    assert done.stdout == "[]\n"
    assert "README.md: not a plan" in done.stderr


@pytest.mark.parametrize(("name", "message"), [("plans/missing.md", "no such file"), ("missing.txt", "no such file"),
                                               ("plans", "a folder")])
def test_a_path_that_is_not_a_file_is_still_a_usage_error(office: Path, name: str, message: str) -> None:
    done = txplan_check(office, name)
    assert done.returncode == 2
    assert done.stderr == f"txplan: {name}: {message}" + (
        "; name files, or none to check every plan\n" if message == "a folder" else "\n")


def test_outside_plans_a_plan_shaped_file_is_ignored_by_check(office: Path) -> None:
    (office / "drafts").mkdir()
    (office / "drafts" / "new.md").write_text(VALID_PLAN, encoding="utf-8")
    done = txplan_check(office, "drafts/new.md")
    assert done.returncode == 0
    assert done.stderr.startswith("txplan: drafts/new.md: not a plan or an intervention template; ignored\n")


@pytest.mark.parametrize("name", ["plans/.archive/old.md", "plans/.old.md", "plans/.archive/old.md.signatures"])
def test_a_hidden_plan_the_hook_passes_is_ignored_as_a_full_check_ignores_it(office: Path, name: str) -> None:
    """The reviewer's case: the hook's pattern passes plans/.archive/old.md, which a full check skips (hidden), but
    `txplan check plans/.archive/old.md` refused it with exit 2, blocking the commit."""
    (office / name).parent.mkdir(parents=True, exist_ok=True)
    (office / name).write_text("---\nnot: a plan\n---\n", encoding="utf-8")
    done = hook_run(office, [name, "plans/good.md"])
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"txplan: {name}: a hidden name in plans/, which txplan skips; ignored",
                                        "checked 1 plan(s) and 6 template(s): 0 error(s), 0 warning(s)"]
    assert txplan_check(office).returncode == 0
