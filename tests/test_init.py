"""`txplan init [DIR]`: a clinic that checks, builds its charts and its site as soon as it is made."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

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
    text = (made / "pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(text)
    assert project["tool"]["txplan"] == {}
    assert project["project"]["dependencies"] == ["txplan>=0.1.0"]
    uncommented = "\n".join(line.removeprefix("# ") if line.startswith("# ") and " = " in line.split("#")[1] else line
                            for line in text.splitlines())
    policy = tomllib.loads(uncommented)["tool"]["txplan"]
    defaults = Policy().model_dump(mode="json")
    assert policy == {key: value for key, value in defaults.items() if not isinstance(value, dict)}
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
