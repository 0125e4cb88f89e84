"""Shared helpers for the checker tests.

Most tests start from ``fixtures/check/valid-plan.md`` (a small plan that checks clean), apply one
edit to it, and assert which diagnostic the edit causes and at which ``line:col``.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from txplan.check import check_project
from txplan.diagnostics import Diagnostic

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, which ./scripts/test installs; Playwright drives it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "check"
VALID_PLAN_PATH = FIXTURES / "valid-plan.md"
VALID_PLAN = VALID_PLAN_PATH.read_text(encoding="utf-8")
# The valid plan at risk level high, with a complete safety plan (lines 59-68).
HIGH_RISK_PLAN = (FIXTURES / "high-risk-plan.md").read_text(encoding="utf-8")
# A valid template, checked as templates/interventions/zz-test.md; `focus` is required, `when` has a default.
TEMPLATE = (FIXTURES / "template.md").read_text(encoding="utf-8")
# A fixed "today", so that date rules do not depend on when the tests run.
TODAY = date(2026, 11, 10)

Found = tuple[str, int, int]
MINIMAL_POLICY = "[tool.txplan]\n"


def default_sigint() -> None:
    """``preexec_fn`` for a child that must stop on SIGINT: a runner or a background shell may have started the
    tests with SIGINT ignored, and children inherit that, so a test sending SIGINT would wait forever."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def without_permission_bypass(command: list[str]) -> list[str]:
    """``command`` with file permissions applying to it: as root, through setpriv without the capabilities that
    override them (a folder without search permission is then as closed to it as to any user)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be made to apply")
    dropped = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--bounding-set={dropped}", f"--inh-caps={dropped}", *command]


def edit(text: str, *replacements: tuple[str, str]) -> str:
    """Apply each ``(old, new)`` replacement; ``old`` must occur exactly once, so an edit never misses silently."""
    for old, new in replacements:
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in the text being edited"
        text = text.replace(old, new)
    return text


def edited_plan(*replacements: tuple[str, str]) -> str:
    """The valid fixture plan with the given edits applied."""
    return edit(VALID_PLAN, *replacements)


def edited_template(*replacements: tuple[str, str]) -> str:
    """The valid fixture template with the given edits applied."""
    return edit(TEMPLATE, *replacements)


def line_of(text: str, needle: str) -> int:
    """The 1-based line on which ``needle`` (which must be unique) occurs."""
    assert text.count(needle) == 1, f"{needle!r} is not unique"
    return text[: text.index(needle)].count("\n") + 1


def position_of(text: str, needle: str) -> tuple[int, int]:
    """The 1-based ``(line, col)`` of the start of ``needle`` (which must be unique)."""
    line = line_of(text, needle)
    start = text.index(needle)
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


# The repository templates that the fixture plans and the edits in the tests use; checking a plan
# against these alone keeps each test fast (the full library is used by the example and CLI tests).
FIXTURE_TEMPLATES = ("behavioral-activation", "dear-man", "emotion-naming", "problem-solving", "thought-record")


def make_clinic(
    root: Path,
    plans: Mapping[str, str | bytes] | None = None,
    *,
    pyproject: str | None = None,
    templates: Mapping[str, str | bytes] | None = None,
    library: Iterable[str] | None = None,
    reference: bool = False,
    build_py: bool = False,
) -> Path:
    """Lay out a clinic in ``root``: the given plans, the repository's templates (those named in ``library``,
    or all), extra ``templates`` by file name, and a pyproject.toml (an empty ``[tool.txplan]`` table, which is
    what makes the folder a clinic, unless ``pyproject`` is given); with ``reference``, the repository's
    templates/chart.docx, and with ``build_py`` its build.py, as a clinic has them."""
    folder = root / "templates" / "interventions"
    folder.mkdir(parents=True)
    source = REPO / "templates" / "interventions"
    for path in sorted(source.glob("*.md")) if library is None else [source / f"{name}.md" for name in library]:
        shutil.copyfile(path, folder / path.name)
    for name, content in (templates or {}).items():
        _write(folder / name, content)
    (root / "plans").mkdir(exist_ok=True)
    for name, content in (plans or {}).items():
        _write(root / "plans" / name, content)
    (root / "pyproject.toml").write_text(MINIMAL_POLICY if pyproject is None else pyproject, encoding="utf-8")
    if reference:
        shutil.copyfile(REPO / "templates" / "chart.docx", root / "templates" / "chart.docx")
    if build_py:
        shutil.copyfile(REPO / "build.py", root / "build.py")
    return root


def example_clinic(root: Path, plans: Iterable[str] | None = None) -> Path:
    """A copy of the repository's example clinic at ``root``: its policy, signers and templates, and its plans
    (those named, or all) with their signatures."""
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "signers", root / "signers")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "plans").mkdir()
    for path in sorted((REPO / "plans").iterdir()):
        if plans is None or path.name.split(".md")[0] + ".md" in plans:
            shutil.copy(path, root / "plans" / path.name)
    return root


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def diagnostics_of(root: Path, plan_paths: list[Path] | None = None) -> list[Diagnostic]:
    return check_project(root, plan_paths, today=TODAY).diagnostics


def found_in(root: Path, path: str | None = None) -> list[Found]:
    """The ``(code, line, col)`` of every diagnostic of the clinic (only those of ``path`` when given)."""
    return [(d.code, d.line, d.col) for d in diagnostics_of(root) if path is None or d.path == path]


Clinic = Callable[..., Path]
CheckPlan = Callable[..., list[Found]]
CheckEdit = Callable[..., list[Found]]


@pytest.fixture
def clinic(tmp_path: Path) -> Clinic:
    """Build a temporary clinic: ``clinic({"a.md": text}, pyproject=..., templates={...})`` → its root."""

    built: list[Path] = []

    def build(plans: Mapping[str, str | bytes] | None = None, **options: object) -> Path:
        root = tmp_path / f"clinic{len(built) + 1}"  # a fresh clinic on every call
        root.mkdir()
        built.append(root)
        return make_clinic(root, plans, **options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def check_plan(clinic: Clinic) -> CheckPlan:
    """Check one plan text in a temporary clinic; returns ``(code, line, col)`` for that plan's diagnostics."""

    def run(text: str | bytes, *, pyproject: str | None = None, templates: Mapping[str, str] | None = None) -> list[Found]:
        root = clinic({"plan.md": text}, pyproject=pyproject, templates=templates, library=FIXTURE_TEMPLATES)
        return found_in(root, "plans/plan.md")

    return run


@pytest.fixture
def check_edit(check_plan: CheckPlan) -> CheckEdit:
    """Check the valid fixture plan after the given ``(old, new)`` edits."""

    def run(*replacements: tuple[str, str], pyproject: str | None = None) -> list[Found]:
        return check_plan(edited_plan(*replacements), pyproject=pyproject)

    return run


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (./scripts/test does) to run the browser tests")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, for the tests that look at pages as a reader's browser does."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(require_chromium()), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class _HalfWritten:
    """A file handle on a disk that fills: half the bytes are written, then ENOSPC."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __enter__(self) -> _HalfWritten:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def disk_fills_on(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[int]:
    """Make the ``nth`` file (from 0) that txplan writes through ``os.fdopen`` fail half-way with ENOSPC, as a disk
    that fills; the returned list grows by one descriptor per file opened."""
    real, opened = os.fdopen, []

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real(fd, *args, **kwargs)
        opened.append(fd)
        return _HalfWritten(handle) if len(opened) - 1 == nth else handle

    monkeypatch.setattr(os, "fdopen", fdopen)
    return opened
