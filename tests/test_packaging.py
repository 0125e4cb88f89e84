"""The wheel carries txplan and what a new clinic needs, from the one copy of each file in the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

from txplan.resources import default_reference_path, example_plan, starter_interventions


def test_every_package_of_the_source_tree_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages (one is mapped to templates/), so a new sub-package must be added there."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "txplan").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | {"txplan.starter"}
    assert setuptools["package-dir"] == {"txplan.starter": "templates"}


def test_from_a_source_checkout_the_starter_is_the_example_clinics_own_templates() -> None:
    assert starter_interventions() == REPO / "templates" / "interventions"
    assert default_reference_path() == REPO / "templates" / "chart.docx"
    assert example_plan().startswith("---\n# A FICTIONAL EXAMPLE")


# -- the wheel, installed as a clinic installs it ---------------------------------------------------------

SOURCES = ("pyproject.toml", "README.md", "txplan", "templates")  # what a build of the wheel reads


@dataclass(frozen=True)
class Installed:
    """txplan installed from its wheel into a fresh virtual environment, and a folder far from any source tree."""

    bin: Path
    work: Path

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        environment["PATH"] = f"{self.bin}{os.pathsep}{environment.get('PATH', '')}"
        return subprocess.run(list(args), cwd=cwd, env=environment, capture_output=True, text=True, timeout=600,
                              check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the sources (so no earlier build output is packed), install it with pip
    into a new venv, whose site-packages see neither this checkout nor the editable install."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("txplan-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    tool = Installed(venv / "bin", tmp_path_factory.mktemp("work"))
    done = tool.run(tool.work, str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel))
    assert done.returncode == 0, done.stderr
    return tool


def test_the_installed_tool_runs_from_its_own_environment(installed: Installed) -> None:
    done = installed.run(installed.work, "python", "-c", "import txplan.resources as r; print(r.starter_folder())")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed.bin.parent)
    assert not Path(done.stdout.strip()).is_relative_to(REPO)


def test_from_the_wheel_alone_init_then_txplan_builds_charts_and_site(installed: Installed) -> None:
    made = installed.run(installed.work, "txplan", "init", "c")
    assert made.returncode == 0, made.stderr
    clinic = installed.work / "c"
    assert len(list((clinic / "templates" / "interventions").glob("*.md"))) == len(
        list((REPO / "templates" / "interventions").glob("*.md")))
    built = installed.run(clinic, "txplan")
    assert built.returncode == 0, built.stderr
    assert (clinic / "build" / "docx" / "c-0042-example.docx").is_file()
    assert (clinic / "build" / "site" / "plan-format" / "index.html").is_file()
    assert installed.run(clinic, "python", "build.py", "check").returncode == 0

    new = installed.run(clinic, "txplan", "new", "C-0043")
    assert new.returncode == 0, new.stderr
    checked = installed.run(clinic, "txplan", "check")
    assert checked.returncode == 1
    assert "plans/c-0043.md:6:9: error TX110 placeholder not filled: write `client.name`" in checked.stderr

    schema = installed.run(installed.work, "txplan", "schema", "plan")
    assert schema.returncode == 0 and json.loads(schema.stdout)["$schema"].endswith("2020-12/schema")

    hook = installed.run(clinic, "txplan", "check", "plans/c-0042-example.md", "templates/interventions/pmr.md")
    assert hook.returncode == 0, hook.stderr
