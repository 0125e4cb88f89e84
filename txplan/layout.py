"""Where things are in a clinic: its root, its folders, and where each plan's outputs go.

Every path txplan reads or writes is named here once. A clinic is the folder
holding a ``pyproject.toml`` with a ``[tool.txplan]`` table; commands find it
by walking up from where they were started, as git and ruff find theirs.

A plan's identity is its path under ``plans/`` (``plans/team-a/c-0042.md``),
and each output mirrors that path under its own folder
(``build/docx/team-a/c-0042.docx``). Two plan files therefore never share a
chart, and a chart can always be traced back to the one file it came from.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from .diagnostics import Diagnostic, make
from .errors import EXIT_USAGE, TxplanError
from .frontmatter import read_bounded

__all__ = [
    "BUILD",
    "DOCX",
    "FHIR",
    "HTML",
    "INTERVENTIONS",
    "LOCK_FILE",
    "MKDOCS",
    "OUTPUTS",
    "PDF",
    "PLANS",
    "PLAN_SUFFIX",
    "PYPROJECT",
    "REFERENCE_DOCX",
    "SITE",
    "STATE_FILE",
    "TEMPLATES",
    "UNREADABLE_FOLDER",
    "NotAClinic",
    "Output",
    "OutputFolder",
    "PlanDiscovery",
    "PlanOutsideClinic",
    "PlansUnreadable",
    "chart_folder_clash",
    "discover_plans",
    "find_root",
    "is_clinic",
    "output_path",
    "plan_name",
    "plan_path",
    "under_plans",
]

PYPROJECT = "pyproject.toml"
MKDOCS = "mkdocs.yml"
PLANS = PurePosixPath("plans")
PLAN_SUFFIX = ".md"
TEMPLATES = PurePosixPath("templates")
INTERVENTIONS = TEMPLATES / "interventions"
REFERENCE_DOCX = TEMPLATES / "chart.docx"
BUILD = PurePosixPath("build")
DOCX = BUILD / "docx"
FHIR = BUILD / "fhir"
HTML = BUILD / "html"
PDF = BUILD / "pdf"
SITE = BUILD / "site"
STATE_FILE = BUILD / ".txplan-state.json"
LOCK_FILE = BUILD / ".txplan.lock"


class Output(StrEnum):
    """The per-plan outputs a build can write."""

    DOCX = "docx"
    HTML = "html"
    PDF = "pdf"
    FHIR = "fhir"


@dataclass(frozen=True)
class OutputFolder:
    folder: PurePosixPath
    suffix: str
    noun: str  # what the build's summary calls one file


OUTPUTS: dict[Output, OutputFolder] = {
    Output.DOCX: OutputFolder(DOCX, ".docx", "chart"),
    Output.HTML: OutputFolder(HTML, ".html", "HTML chart"),
    Output.PDF: OutputFolder(PDF, ".pdf", "PDF chart"),
    Output.FHIR: OutputFolder(FHIR, ".json", "FHIR bundle"),
}


UNREADABLE_FOLDER = "TX013"  # a folder under plans/ that could not be read: the plans found are not all there are


class NotAClinic(TxplanError):
    """No ``pyproject.toml`` with a ``[tool.txplan]`` table here or in any folder above."""

    exit_code = EXIT_USAGE


class PlanOutsideClinic(TxplanError):
    """A plan named on the command line that is not a Markdown file inside the clinic's plans/."""

    exit_code = EXIT_USAGE


class PlansUnreadable(TxplanError):
    """The clinic's plans/ folder is missing or cannot be listed: nothing may be judged deleted."""

    exit_code = EXIT_USAGE


def is_clinic(folder: Path) -> bool:
    """Whether ``folder`` holds a pyproject.toml with a ``[tool.txplan]`` table (an empty table is enough).

    A pyproject.toml that is not valid TOML still marks a clinic when it has the table's header line,
    so that the policy check can report the TOML error at its place instead of txplan looking elsewhere.
    """
    raw, _ = read_bounded(folder / PYPROJECT, PYPROJECT)  # a FIFO there must not hang root discovery
    if raw is None:
        return False
    text = raw.decode("utf-8", errors="replace")
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return any(line.strip().replace(" ", "") == "[tool.txplan]" for line in text.splitlines())
    return isinstance(tool, dict) and isinstance(tool.get("txplan"), dict)


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that is a clinic."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if is_clinic(folder):
            return folder
    raise NotAClinic(f"not inside a clinic (no {PYPROJECT} with [tool.txplan] in {start} or any folder above it); "
                     f"run txplan in the clinic's folder or name it with -C DIR")


def under_plans(root: Path, path: Path) -> PurePosixPath | None:
    """``path`` (absolute) relative to the clinic's plans/, or None when it lies elsewhere.

    As written first: a plan in a sub-folder that links to another volume keeps the name it has under plans/.
    Then with its folders resolved: a clinic reached through a symbolic link (or typed from one) is still the
    clinic. The file itself is never resolved, so a plan that is a link keeps its own name. A path with `..` is
    only taken resolved, as the system opens it: `plans/link/../x.md` is the file beside wherever `link` leads,
    not plans/x.md.
    """
    plans = root / PLANS
    as_written = [] if ".." in path.parts else [(Path(os.path.abspath(plans)), Path(os.path.abspath(path)))]
    for base, candidate in (*as_written,
                            (Path(os.path.realpath(plans)), Path(os.path.realpath(path.parent)) / path.name)):
        try:
            return PurePosixPath(candidate.relative_to(base).as_posix())
        except ValueError:
            continue
    return None


def plan_path(root: Path, given: Path, cwd: Path) -> str:
    """The plan's identity (``plans/x.md``) for a path typed on the command line, relative to ``cwd``.

    Anything but a visible ``*.md`` file inside plans/ is refused: its chart could not be named without colliding
    with a plan's.
    """
    typed = given if given.is_absolute() else cwd / given
    relative = under_plans(root, typed)
    if relative is None:
        raise PlanOutsideClinic(f"{given}: plans must be files inside the clinic's {PLANS}/ folder "
                                f"({root / PLANS})")
    if relative.suffix != PLAN_SUFFIX or any(part.startswith(".") for part in relative.parts):
        raise PlanOutsideClinic(f"{given}: plans are visible Markdown files (*{PLAN_SUFFIX}) inside {PLANS}/")
    if not typed.is_file():
        raise PlanOutsideClinic(f"{given}: no such plan file")
    return (PLANS / relative).as_posix()


def plan_name(plan: str) -> str:
    """A plan's name: its path under plans/ without the suffix (``team-a/c-0042``), which outputs and exported
    identifiers are made from; the file stem for a file checked from elsewhere (it has no outputs)."""
    path = PurePosixPath(plan)
    try:
        return path.relative_to(PLANS).with_suffix("").as_posix()
    except ValueError:
        return path.stem


def chart_folder_clash(root: Path, plan: str) -> str | None:
    """The plan whose outputs are files where ``plan``'s outputs need a folder, if there is one.

    ``plans/a.md`` makes ``build/docx/a.docx``, so the chart of ``plans/a.docx/b.md`` (``build/docx/a.docx/b.docx``)
    could never be written beside it: a sub-folder must not be named like another plan's output.
    """
    suffixes = {where.suffix for where in OUTPUTS.values()}
    for folder in PurePosixPath(plan_name(plan)).parents:
        if folder.suffix in suffixes and (root / PLANS / folder.with_suffix(PLAN_SUFFIX)).is_file():
            return (PLANS / folder.with_suffix(PLAN_SUFFIX)).as_posix()
    return None


def output_path(root: Path, kind: Output, plan: str) -> Path:
    """Where the ``kind`` output of ``plan`` (``plans/a/b.md``) goes: ``build/docx/a/b.docx``. Raises
    ``ValueError`` for a file outside plans/, which has no outputs."""
    PurePosixPath(plan).relative_to(PLANS)
    where = OUTPUTS[kind]
    return root / where.folder / f"{plan_name(plan)}{where.suffix}"


@dataclass
class PlanDiscovery:
    """The plans found under plans/, and folders that could not be read (errors, each at its folder).

    Only a ``complete`` discovery may be used to decide that a plan was deleted.
    """

    paths: list[Path] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


def discover_plans(root: Path) -> PlanDiscovery:
    """Every visible ``*.md`` file under plans/, sub-folders included, in a stable order.

    Hidden files and folders (editor swap files, ``.git``) are skipped. Folders reached through symbolic links
    are read once each, so a link loop ends. A plans/ folder that is missing or cannot be listed raises
    ``PlansUnreadable``: a missing volume must never look like a clinic whose plans were all deleted.
    """
    top = root / PLANS
    if not top.is_dir():
        raise PlansUnreadable(f"the clinic has no readable {PLANS}/ folder ({top}); create it, or mount the volume "
                              f"it links to; nothing was built or removed")
    discovery = PlanDiscovery()
    seen: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        if where == top:
            raise PlansUnreadable(f"cannot list {PLANS}/: {error.strerror or 'error'}; nothing was built or removed")
        shown = (PLANS / where.relative_to(top).as_posix()).as_posix()
        discovery.problems.append(make(shown, (1, 1), UNREADABLE_FOLDER, f"cannot read this folder: {error.strerror or 'error'}"))

    for folder, folders, files in os.walk(top, onerror=unreadable, followlinks=True):
        here = Path(folder)
        identity = _identity(here)
        if identity is None or identity in seen:
            folders.clear()
            continue
        seen.add(identity)
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        visible = [name for name in sorted(files) if not name.startswith(".")]
        discovery.paths.extend(here / name for name in visible if name.endswith(PLAN_SUFFIX))
        discovery.problems.extend(_dangling_link(top, here / name) for name in visible
                                  if not name.endswith(PLAN_SUFFIX) and _leads_nowhere(here / name))
    discovery.paths.sort(key=lambda p: p.relative_to(top).parts)
    return discovery


def _leads_nowhere(path: Path) -> bool:
    return path.is_symlink() and not path.exists()


def _dangling_link(top: Path, link: Path) -> Diagnostic:
    """A link in plans/ whose target is gone may be a sub-folder on a volume that is not mounted: its plans are
    unknown, not deleted, so the discovery is incomplete and no chart is removed."""
    shown = (PLANS / link.relative_to(top).as_posix()).as_posix()
    return make(shown, (1, 1), UNREADABLE_FOLDER, "a symbolic link that leads nowhere (a volume not mounted?); "
                                        "mount it or remove the link")


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        info = folder.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino
