"""The repository's own mkdocs.yml builds strictly, through build_site, the `txplan site` command and plain
`mkdocs build --strict`, and navigation.prune keeps each page's navigation to its own branch."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.site.helpers import REPO, built, page, repo_clinic, require_entry_point

from txplan.site import build_site
from txplan.site.pages import generate_site
from txplan.templates import load_library


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(repo_clinic(tmp_path_factory.mktemp("clinic")))


def test_build_site_builds_the_repository_itself_strictly(tmp_path: Path) -> None:
    require_entry_point()
    build_site(REPO, tmp_path / "site")
    assert (tmp_path / "site" / "interventions" / "thought-record" / "index.html").is_file()


def test_plain_mkdocs_build_strict_passes_with_the_repository_config(tmp_path: Path) -> None:
    require_entry_point()
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(tmp_path / "x")]
    result = subprocess.run(mkdocs, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "x" / "interventions" / "thought-record" / "index.html").is_file()


def test_the_site_command_builds_into_build_site(tmp_path: Path) -> None:
    root = repo_clinic(tmp_path)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    result = subprocess.run([sys.executable, "-m", "txplan", "site"], cwd=root, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "built the template site in build/site/"
    assert (root / "build" / "site" / "index.html").is_file()


def test_navigation_is_pruned_to_the_current_branch(repo_site: Path) -> None:
    """On a homework template's page, the nav links to homework templates but not to other elements' templates."""
    linked = set(re.findall(r'href="\.\./([a-z0-9-]+)/"', page(repo_site, "interventions/thought-record")))
    by_element = {t.id: t.meta.element for t in load_library(REPO).templates.values()}
    assert {"sleep-diary", "activity-monitoring"} <= linked
    assert {by_element[i] for i in linked if i in by_element} == {"homework"}


def test_every_generated_page_is_in_the_navigation() -> None:
    site = generate_site(load_library(REPO))
    assert {p.src_uri for p in site.pages} == set(nav_paths(site.nav))


def nav_paths(entries: list[object]) -> list[str]:
    paths: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                paths += nav_paths(value) if isinstance(value, list) else [value]
    return paths
