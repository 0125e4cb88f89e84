"""Nothing from plans/ ever reaches the site: the build never opens or lists plans/, a marker planted in a
plan appears in no built file, and every configuration that could read plans/ is refused."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import VALID_PLAN, edit
from fixtures.site.helpers import built, site_clinic

from txplan.site import SiteError, build_site

WATCHED_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})
_watched: list[tuple[Path, list[str]]] = []  # (folder, touches) while a test watches; the audit hook stays installed


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _watched or event not in WATCHED_EVENTS or not args or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = Path(os.fsdecode(args[0])).resolve()
    for folder, touches in _watched:
        if path == folder or folder in path.parents:
            touches.append(f"{event} {path}")


sys.addaudithook(_audit)


@contextmanager
def touches_of(folder: Path) -> Iterator[list[str]]:
    """Every open or listing of a path in folder while the block runs (Python's audit events)."""
    entry = (folder.resolve(), list[str]())
    _watched.append(entry)
    try:
        yield entry[1]
    finally:
        _watched.remove(entry)


def plan_with(marker: str) -> str:
    return edit(VALID_PLAN, ("name: Test Client", f"name: {marker} Client"), ("Keeps appointments", f"Keeps {marker}"))


def test_a_marker_planted_in_a_plan_appears_nowhere_in_the_site_and_plans_are_never_touched(tmp_path: Path) -> None:
    marker = f"PHI-MARKER-{uuid.uuid4().hex}"
    root = site_clinic(tmp_path, plans={"c-0001.md": plan_with(marker)})
    (root / "docs").mkdir()
    (root / "docs" / "about.md").write_text("# About\n\nOur library.\n", encoding="utf-8")
    with touches_of(root / "plans") as touches:
        site = built(root)
    assert touches == []
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 50
    assert [p for p in files if marker.encode() in p.read_bytes() or marker in p.name] == []


def link_in_docs(target: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / "docs").mkdir()
        (root / "docs" / "linked").symlink_to(root / target)

    return setup


def shared_folder_in_plans(root: Path) -> None:
    (root / "plans" / "shared").mkdir()


BASE = "site_name: Clinic\ntheme:\n  name: material\n"
SNIPPETS = "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [.]\n"
REFUSED: dict[str, tuple[str, Callable[[Path], None] | None, str]] = {
    "docs_dir is plans": (BASE + "docs_dir: plans\n", None, "plans/"),
    "docs_dir inside plans": (BASE + "docs_dir: plans/shared\n", shared_folder_in_plans, "plans/"),
    "docs_dir holds plans": (BASE + "docs_dir: .\n", None, "docs_dir"),  # MkDocs itself refuses a docs_dir above mkdocs.yml
    "a docs link to plans": (BASE, link_in_docs("plans"), "plans/"),
    "a docs link to a plan": (BASE, link_in_docs("plans/c-0001.md"), "plans/"),
    "a docs link to the clinic root": (BASE, link_in_docs("."), "plans/"),
    "theme override in plans": (BASE + "  custom_dir: plans\n", None, "plans/"),
    "snippets from the clinic root": (BASE + SNIPPETS, None, "plans/"),
}


@pytest.mark.parametrize(("mkdocs_yml", "setup", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_configurations_that_could_read_plans_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mkdocs_yml: str, setup: Callable[[Path], None] | None,
        message: str) -> None:
    root = site_clinic(tmp_path / "clinic", mkdocs_yml, plans={"c-0001.md": VALID_PLAN})
    monkeypatch.chdir(root)  # the command runs in the clinic, and snippets read relative to it
    if setup is not None:
        setup(root)
    with touches_of(root / "plans") as touches, pytest.raises(SiteError, match=message):
        build_site(root, tmp_path / "site")
    assert [t for t in touches if t.startswith("open")] == []


def test_the_watch_sees_opening_and_listing_plans(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, plans={"c-0001.md": VALID_PLAN})
    with touches_of(root / "plans") as touches:
        os.listdir(root / "plans")
        (root / "plans" / "c-0001.md").read_bytes()
    assert [t.split()[0] for t in touches] == ["os.listdir", "open"]


@pytest.mark.parametrize("target", ["plans", "plans/shared", ".", "templates"])
def test_a_site_dir_that_is_holds_or_lies_in_plans_or_templates_is_refused_and_nothing_is_deleted(
        tmp_path: Path, target: str) -> None:
    """Seen: build/site linked to plans/ and the build emptied it, deleting every plan."""
    root = site_clinic(tmp_path, plans={"c-0001.md": VALID_PLAN})
    shared_folder_in_plans(root)
    (root / "plans" / "shared" / "c-0002.md").write_text(VALID_PLAN, encoding="utf-8")
    (root / "build").mkdir()
    (root / "build" / "site").symlink_to(root / target)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if "build" not in p.parts)
    with pytest.raises(SiteError, match=r"site_dir .* is, holds or lies in (plans|templates)/ .* would delete"):
        build_site(root, root / "build" / "site")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if "build" not in p.parts) == before


def test_a_plan_hard_linked_into_the_docs_folder_is_refused_without_opening_plans(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, plans={"c-0001.md": VALID_PLAN})
    (root / "docs").mkdir()
    os.link(root / "plans" / "c-0001.md", root / "docs" / "notes.md")
    refused = pytest.raises(SiteError, match=r"docs/notes\.md is a hard link to a file in plans/")
    with touches_of(root / "plans") as touches, refused:
        built(root)
    assert [t for t in touches if t.startswith("open")] == []


def test_a_hard_linked_docs_file_that_is_no_plan_builds(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, plans={"c-0001.md": VALID_PLAN})
    (root / "docs").mkdir()
    (root / "rooms.md").write_text("# Rooms\n\nRoom 2 has the sand tray.\n", encoding="utf-8")
    os.link(root / "rooms.md", root / "docs" / "rooms.md")
    assert (built(root) / "rooms" / "index.html").is_file()


@pytest.mark.parametrize("target", ["build", "elsewhere"])
def test_a_site_dir_linked_to_the_charts_or_anywhere_else_is_refused_and_nothing_is_deleted(
        tmp_path: Path, target: str) -> None:
    """Seen: build/site linked to build/ and `txplan site` emptied it, every chart with it; linked elsewhere, it
    deleted another folder's files."""
    root = site_clinic(tmp_path, plans={"c-0001.md": VALID_PLAN})
    (root / "build" / "docx").mkdir(parents=True)
    (root / "build" / "docx" / "c-0001.docx").write_bytes(b"a chart")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("someone's notes", encoding="utf-8")
    (root / "build" / "site").symlink_to(root / "build" if target == "build" else tmp_path / "elsewhere")
    expected = r"is, holds or lies in build/docx/" if target == "build" else r"is a symbolic link: .* would delete"
    with pytest.raises(SiteError, match=expected):
        build_site(root, root / "build" / "site")
    assert (root / "build" / "docx" / "c-0001.docx").read_bytes() == b"a chart"
    assert (tmp_path / "elsewhere" / "notes.txt").is_file()
