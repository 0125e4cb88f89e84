"""`txplan init [DIR]`: a clinic that checks, builds its charts and its site as soon as it is made."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, disk_fills_on, without_permission_bypass

from txplan.cli import main
from txplan.policy import Policy
from txplan.resources import example_plan
from txplan.scaffold import EXAMPLE_PLAN_NAME
from txplan.schema import schema_text

TEMPLATES = sorted(p.name for p in (REPO / "templates" / "interventions").glob("*.md"))
CLINIC_FILES = {
    "pyproject.toml", "mkdocs.yml", "build.py", ".gitignore", "README.md", ".pre-commit-config.yaml",
    "templates/chart.docx", ".remarkrc.json", "package.json", ".vscode/extensions.json",
    "schemas/plan.schema.json", "schemas/template.schema.json",
}


def txplan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "txplan", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic made by `txplan init c` in an empty folder."""
    where = tmp_path_factory.mktemp("init")
    done = txplan(where, "init", "c")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"created a clinic in {where / 'c'} ({len(CLINIC_FILES) + 1 + len(TEMPLATES)} files; "
                                  f"plans/{EXAMPLE_PLAN_NAME} is a fictional example)\n")
    return where / "c"


def test_init_writes_every_file_a_clinic_needs(made: Path) -> None:
    expected = CLINIC_FILES | {f"plans/{EXAMPLE_PLAN_NAME}"} | {f"templates/interventions/{t}" for t in TEMPLATES}
    assert files_under(made) == expected
    assert (made / "templates" / "chart.docx").read_bytes() == (REPO / "templates" / "chart.docx").read_bytes()
    assert (made / "plans" / EXAMPLE_PLAN_NAME).read_text(encoding="utf-8") == example_plan()
    assert stat.S_IMODE((made / "plans").stat().st_mode) == 0o700
    assert stat.S_IMODE((made / "plans" / EXAMPLE_PLAN_NAME).stat().st_mode) == 0o600


def test_right_after_init_txplan_checks_and_builds_the_charts_and_the_site(tmp_path: Path, made: Path) -> None:
    clinic = tmp_path / "c"
    shutil.copytree(made, clinic)
    done = txplan(clinic)
    assert done.returncode == 0, done.stderr
    assert (clinic / "build" / "docx" / "c-0042-example.docx").is_file()
    assert (clinic / "build" / "site" / "index.html").is_file()
    assert (clinic / "build" / "site" / "interventions" / "thought-record" / "index.html").is_file()
    checked = txplan(clinic, "check")
    assert checked.returncode == 0 and " 0 error(s)" in checked.stderr, checked.stderr


def test_the_example_plan_says_it_is_fictional(made: Path) -> None:
    text = (made / "plans" / EXAMPLE_PLAN_NAME).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("# A FICTIONAL EXAMPLE")
    assert "*Fictional example: not a real client.*" in text
    assert "**fictional example**" in (made / "README.md").read_text(encoding="utf-8")


def test_the_policy_lists_every_key_with_its_default_commented_out(made: Path) -> None:
    """All but the clinic's own FHIR namespace, which is set from the start (ids would change when it is set)."""
    text = (made / "pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(text)
    assert list(project["tool"]["txplan"]) == ["fhir_namespace"]
    assert project["project"]["dependencies"] == ["txplan>=0.1.0"]
    uncommented = "\n".join(line.removeprefix("# ") if line.startswith("# ") and " = " in line.split("#")[1] else line
                            for line in text.splitlines())
    policy = tomllib.loads(uncommented)["tool"]["txplan"]
    defaults = Policy().model_dump(mode="json")
    assert policy == {key: value for key, value in defaults.items() if not isinstance(value, dict)} | {
        "fhir_namespace": project["tool"]["txplan"]["fhir_namespace"]}
    assert "# [tool.txplan.signers]" in text


def test_a_new_plan_in_a_new_clinic_lists_its_placeholders(tmp_path: Path, made: Path) -> None:
    clinic = tmp_path / "c"
    shutil.copytree(made, clinic)
    assert txplan(clinic, "new", "C-0043").returncode == 0
    done = txplan(clinic, "check")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if " error " in line]
    assert errors and all(line.startswith("plans/c-0043.md:") and " error TX110 " in line for line in errors)


def test_the_schemas_and_the_editor_settings_that_apply_them(made: Path) -> None:
    assert (made / "schemas" / "plan.schema.json").read_text(encoding="utf-8") == schema_text("plan")
    assert (made / "schemas" / "template.schema.json").read_text(encoding="utf-8") == schema_text("template")
    remark = json.loads((made / ".remarkrc.json").read_text(encoding="utf-8"))
    assert remark["plugins"][0] == "remark-frontmatter"
    rule, options = remark["plugins"][1]
    assert rule == "remark-lint-frontmatter-schema"
    assert options["schemas"] == {"./schemas/plan.schema.json": ["./plans/**/*.md"],
                                  "./schemas/template.schema.json": ["./templates/interventions/*.md"]}
    packages = json.loads((made / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    assert {"remark-cli", "remark-frontmatter", "remark-lint-frontmatter-schema"} <= set(packages)
    recommended = json.loads((made / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert recommended == {"recommendations": ["unifiedjs.vscode-remark"]}


def test_gitignore_keeps_the_build_out_of_git(tmp_path: Path, made: Path) -> None:
    clinic = tmp_path / "c"
    shutil.copytree(made, clinic)
    assert txplan(clinic).returncode == 0
    subprocess.run(["git", "init", "-q"], cwd=clinic, check=True)
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=clinic, capture_output=True,
                            text=True, check=True).stdout
    assert "build/" not in listed
    assert f"plans/{EXAMPLE_PLAN_NAME}" in listed and "templates/chart.docx" in listed


def test_init_never_overwrites_and_writes_nothing_when_anything_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ours\n", encoding="utf-8")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / EXAMPLE_PLAN_NAME).write_text("ours too\n", encoding="utf-8")
    done = txplan(tmp_path, "init")
    assert done.returncode == 2
    assert done.stderr == (f"txplan: {tmp_path}: README.md, plans/{EXAMPLE_PLAN_NAME} already exist(s); txplan init "
                           "never overwrites a file (run it in an empty folder, or move these away)\n")
    assert files_under(tmp_path) == {"README.md", f"plans/{EXAMPLE_PLAN_NAME}"}
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "ours\n"


def test_init_twice_is_refused(made: Path) -> None:
    before = files_under(made)
    done = txplan(made.parent, "init", "c")
    assert done.returncode == 2 and "already exist(s)" in done.stderr and "and 85 more" in done.stderr
    assert files_under(made) == before


def test_empty_gives_a_clinic_without_templates_or_example_that_still_builds(tmp_path: Path) -> None:
    done = txplan(tmp_path, "init", "--empty", "bare")
    assert done.returncode == 0, done.stderr
    clinic = tmp_path / "bare"
    assert files_under(clinic) == CLINIC_FILES
    assert (clinic / "templates" / "interventions").is_dir() and (clinic / "plans").is_dir()
    built = txplan(clinic)
    assert built.returncode == 0, built.stderr
    assert (clinic / "build" / "site" / "index.html").is_file()


def test_init_needs_no_clinic_and_dash_c_names_where(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    done = txplan(tmp_path, "-C", "elsewhere", "init", "new-clinic")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "elsewhere" / "new-clinic" / "pyproject.toml").is_file()


def tree(root: Path) -> dict[str, bytes | int | str]:
    """Every path under ``root``: a file's bytes, a folder's mode, a link's target; what a run must leave as it
    found it."""
    return {p.relative_to(root).as_posix(): str(p.readlink()) if p.is_symlink() else p.read_bytes() if p.is_file()
            else stat.S_IMODE(p.stat().st_mode) for p in sorted(root.rglob("*"))}


def init_here(where: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`txplan init ARGS` run in this process from ``where`` (so a failure can be injected): exit status, stderr."""
    monkeypatch.chdir(where)
    status = main(["init", *args])
    return status, capsys.readouterr().err


def test_a_file_where_init_makes_a_folder_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    """The reviewer's case: `.vscode` was a file, init wrote nine files, then stopped with a traceback."""
    (tmp_path / ".vscode").write_text("ours\n", encoding="utf-8")
    done = txplan(tmp_path, "init", ".")
    assert done.returncode == 2
    assert done.stderr == (f"txplan: {tmp_path}: .vscode is not a folder; txplan init makes folders there and never "
                           "overwrites a file (move it away)\n")
    assert tree(tmp_path) == {".vscode": b"ours\n"}
    (tmp_path / ".vscode").unlink()
    assert txplan(tmp_path, "init", ".").returncode == 0  # and once it is moved away, init runs


@pytest.mark.parametrize(("in_the_way", "folder", "empty"), [
    ("schemas", ".", False), ("templates", ".", False), ("plans", ".", False),
    ("templates/interventions", ".", False), ("templates/interventions", ".", True), (".vscode", "sub", False),
])
def test_a_file_at_any_depth_where_a_folder_goes_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], in_the_way: str,
        folder: str, empty: bool) -> None:
    clinic = tmp_path / folder
    (clinic / in_the_way).parent.mkdir(parents=True, exist_ok=True)
    (clinic / in_the_way).write_text("ours\n", encoding="utf-8")
    before = tree(tmp_path)
    status, err = init_here(tmp_path, monkeypatch, capsys, *(["--empty"] if empty else []), folder)
    assert (status, err) == (2, f"txplan: {clinic}: {in_the_way} is not a folder; txplan init makes folders there "
                                "and never overwrites a file (move it away)\n")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("folder", ["afile", "afile/below", "dangling"])
def test_a_clinic_folder_that_is_a_file_or_a_broken_link_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: str) -> None:
    (tmp_path / "afile").write_text("ours\n", encoding="utf-8")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    before = tree(tmp_path)
    status, err = init_here(tmp_path, monkeypatch, capsys, folder)
    blocker = tmp_path / folder.split("/")[0]
    assert (status, err) == (2, f"txplan: {blocker}: not a folder; txplan init makes the clinic's folder there "
                                "(move it away)\n")
    assert tree(tmp_path) == before and (tmp_path / "dangling").is_symlink()


def _ours(root: Path) -> None:
    """What a clinic's folder held before init: a plan in plans/, a note beside it."""
    (root / "plans").mkdir(parents=True, mode=0o700)
    (root / "plans" / "c-0001.md").write_text("ours\n", encoding="utf-8")
    (root / "notes.txt").write_text("ours too\n", encoding="utf-8")


@pytest.mark.parametrize("fail_at", [0, 7, 40, "last"])
def test_a_write_that_fails_half_way_takes_back_what_init_made_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fail_at: int | str) -> None:
    """The disk fills while the n-th file is written, after part of it: that file, the files before it and the
    folders init made are removed; the folder's own files and folders are as they were."""
    root = tmp_path / "c"
    _ours(root)
    before = tree(tmp_path)
    count = len(CLINIC_FILES) + 1 + len(TEMPLATES)
    failing = count - 1 if fail_at == "last" else int(fail_at)
    opened = disk_fills_on(monkeypatch, failing)
    status, err = init_here(tmp_path, monkeypatch, capsys, "c")
    monkeypatch.undo()
    assert len(opened) == failing + 1
    assert status == 2
    assert re.fullmatch(rf"txplan: {re.escape(str(root))}/\S+: No space left on device; txplan init removed what it "
                        r"had made; run it again once that is fixed\n", err), err
    assert tree(tmp_path) == before
    assert txplan(tmp_path, "init", "c").returncode == 0  # nothing left behind stands in the way


def test_a_folder_that_cannot_be_made_takes_back_what_init_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "new" / "c"  # init makes new/ and c/ too, and takes them back
    real_mkdir = Path.mkdir

    def mkdir(self: Path, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        if self.name == "schemas":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real_mkdir(self, mode, parents, exist_ok)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    status, err = init_here(tmp_path, monkeypatch, capsys, "new/c")
    assert (status, err) == (2, f"txplan: {root / 'schemas'}: Permission denied; txplan init removed what it had made; "
                                "run it again once that is fixed\n")
    assert tree(tmp_path) == {}


def test_an_existing_plans_and_build_folder_open_to_others_are_made_private(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir(mode=0o755)
    (tmp_path / "build").mkdir(mode=0o755)
    os.chmod(tmp_path / "plans", 0o755)  # whatever the umask
    os.chmod(tmp_path / "build", 0o750)
    done = txplan(tmp_path, "init", ".")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("txplan: plans/ was open to others (755); made it private (700), as it holds PHI\n"
                                  "txplan: build/ was open to others (750); made it private (700), as it holds PHI\n"
                                  "created a clinic in ")
    assert stat.S_IMODE((tmp_path / "plans").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "build").stat().st_mode) == 0o700


def test_a_private_plans_folder_is_left_as_it_is_without_a_note(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir(mode=0o700)
    done = txplan(tmp_path, "init", "--empty", ".")
    assert done.returncode == 0 and done.stderr.startswith("created a clinic in "), done.stderr
    assert stat.S_IMODE((tmp_path / "plans").stat().st_mode) == 0o700


@pytest.mark.parametrize(("inside", "typed"), [
    ("plans", "plans/team-b"), ("build", "build/new"), ("templates", "templates/interventions/x"),
    ("plans", "link-to-plans/team-b"),
])
def test_init_inside_a_clinics_plans_build_or_templates_is_refused(tmp_path: Path, inside: str, typed: str) -> None:
    """The reviewer's case: `txplan init plans/team-b` in a clinic exited 0, and the outer clinic then took the new
    one's README, example plan and templates for plans. A link into the clinic's plans/ is the same folder."""
    outer = tmp_path / "outer"
    assert txplan(tmp_path, "init", "--empty", "outer").returncode == 0
    (tmp_path / "link-to-plans").symlink_to(outer / "plans")
    before = tree(tmp_path)
    done = txplan(outer if not typed.startswith("link") else tmp_path, "init", typed)
    base = outer if not typed.startswith("link") else tmp_path
    assert done.returncode == 2
    assert done.stderr == (f"txplan: {base / typed}: inside the {inside}/ folder of the clinic in {outer}; a clinic "
                           "there would become part of that one (make it elsewhere)\n")
    assert tree(tmp_path) == before
    assert txplan(outer, "init", "--empty", "elsewhere").returncode == 0  # a clinic beside them is fine


def test_init_where_a_path_cannot_be_looked_at_is_one_line(tmp_path: Path) -> None:
    """The reviewer's cases: a parent folder without search permission, a name over 255 bytes; Path.exists raised
    them as a traceback."""
    (tmp_path / "closed").mkdir(mode=0o600)
    command = without_permission_bypass([sys.executable, "-m", "txplan", "init", "closed/c"])
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert (done.returncode, done.stderr) == (2, f"txplan: {tmp_path / 'closed/c'}: cannot be looked at (Permission "
                                                 "denied); nothing was written\n")
    long_name = "a" * 300
    done = txplan(tmp_path, "init", long_name)
    assert (done.returncode, done.stderr) == (2, f"txplan: {tmp_path / long_name}: cannot be looked at (File name "
                                                 "too long); nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["closed"]
