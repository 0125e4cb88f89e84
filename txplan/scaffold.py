"""``txplan init``: a new clinic folder that checks, builds and publishes as soon as it is made.

What it writes, and from where:

- ``pyproject.toml``: txplan as the clinic's one dependency and every policy key, commented out with its
  default, generated from the ``Policy`` model (a key added there appears here by itself);
- ``plans/c-0042-example.md``: the fictional example plan (``resources``), unless ``--empty``;
- ``templates/``: the starter library and the chart's reference document (``resources``);
- ``mkdocs.yml``, ``build.py``, ``.gitignore``, ``README.md``: package data in ``txplan/data/clinic/``;
- ``.pre-commit-config.yaml``: txplan's ``txplan-check`` hook (``HOOK``, also the repository's
  ``.pre-commit-hooks.yaml``), run by the txplan installed on the machine;
- ``schemas/``: ``txplan schema plan`` and ``template``; ``.remarkrc.json``, ``package.json`` and
  ``.vscode/extensions.json`` apply them to front matter in VS Code through remark's front-matter schema rule
  (the YAML language server does not read front matter in Markdown files).

Nothing is overwritten: every path is checked before anything is written (a file where a folder goes is refused
too), and each file is then created with ``O_EXCL``, so a file that appears in between is not lost either. A
clinic is made whole or not at all: when a folder or a file cannot be written (a full disk, no permission, a
file that appeared in between), what this run had made is removed again, so ``init`` can simply be run again.

``plans/`` is private from the start (0700). When the folder already had a ``plans/`` or a ``build/`` that others
could enter, init narrows it to 0700 and says so: both hold protected health information, and a clinic made by
init should not depend on how a folder happened to be made before it. Only the folders change (one that others
cannot enter keeps what is inside it from them); a clinic that shares plans through a group widens them again
on purpose, after init.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML

from . import __version__
from .errors import EXIT_USAGE, TxplanError
from .fields import POLICY_NOTES
from .layout import BUILD, INTERVENTIONS, MKDOCS, PLANS, PYPROJECT, REFERENCE_DOCX, TEMPLATES, NotAClinic, find_root
from .policy import Policy
from .resources import MissingResource, default_reference_path, example_plan, starter_interventions
from .schema import SCHEMAS, schema_text
from .skeleton import PRIVATE, FileExists, WriteFailed, create_new

__all__ = ["EXAMPLE_PLAN_NAME", "HOOK", "Clinic", "InitRefused", "hook_config", "init_clinic", "policy_table",
           "toml_value"]

_DATA = Path(__file__).resolve().parent / "data" / "clinic"
EXAMPLE_PLAN_NAME = "c-0042-example.md"
SCHEMA_FOLDER = PurePosixPath("schemas")
SHOWN_CONFLICTS = 5
# A clinic's folders whose every file the clinic reads (plans, templates) or owns (its outputs): a clinic made
# inside one would become part of the other.
_ENCLOSING = (PLANS, BUILD, TEMPLATES)
_ABSENT = (errno.ENOENT, errno.ENOTDIR)

# The pre-commit hook, once: the repository's .pre-commit-hooks.yaml is this with `language: python` (pre-commit
# installs txplan from its repository), a new clinic's .pre-commit-config.yaml this with `language: system`
# (the txplan installed with pipx or uv runs it). A test keeps the two equal.
HOOK: dict[str, Any] = {
    "id": "txplan-check",
    "name": "txplan check",
    "description": "Check treatment plans and intervention templates",
    "entry": "txplan check",
    "files": r"^(plans/.+\.md(\.signatures)?|templates/interventions/[^/]+\.md)$",
    "require_serial": True,
}

REMARK_PACKAGES = {"remark-cli": "^12.0.1", "remark-frontmatter": "^5.0.0", "remark-lint-frontmatter-schema": "^3.15.4"}


class InitRefused(TxplanError):
    """The folder cannot hold a new clinic: it lies inside another clinic's own folders, or cannot be looked at."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Clinic:
    root: Path
    written: list[str]  # paths relative to the root, in the order written
    example: bool  # whether the example plan was written
    notes: list[str]  # sentences for the user, safe to print: folders that were made private


def init_clinic(root: Path, *, empty: bool = False) -> Clinic:
    """Make a clinic in ``root`` (created if missing). Raises ``FileExists`` naming every path in the way before
    writing anything, and ``WriteFailed`` (after removing what it had made) when a write fails."""
    files = _clinic_files(empty)
    folders = _folders(files)
    _refuse_what_is_in_the_way(root, files, folders)
    contents = {name: make() for name, make in files.items()}  # all read before anything is written
    made: list[Path] = []
    path = root
    try:
        for path in [*_missing_above(root), *(root / folder for folder in folders)]:
            if not path.is_dir():
                path.mkdir(mode=PRIVATE if path == root / PLANS else 0o777)  # plans hold PHI: private from the start
                made.append(path)
        for name, content in contents.items():
            path = root / name
            create_new(path, content, name)
            made.append(path)
    except BaseException as exc:
        left = _remove(made)
        if isinstance(exc, OSError):
            undone = (f"txplan init removed what it had made except {left} path(s)" if left else
                      "txplan init removed what it had made; run it again once that is fixed")
            raise WriteFailed(f"{path}: {exc.strerror or type(exc).__name__}; {undone}") from None
        raise
    return Clinic(root, list(files), not empty, _make_private(root))


def _folders(files: dict[str, Callable[[], str | bytes]]) -> list[PurePosixPath]:
    """Every folder inside the clinic that init writes into, parents before their children."""
    wanted = {PLANS, INTERVENTIONS} | {parent for name in files for parent in PurePosixPath(name).parents}
    return sorted(wanted - {PurePosixPath(".")}, key=lambda folder: (len(folder.parts), folder.as_posix()))


def _refuse_what_is_in_the_way(root: Path, files: dict[str, Callable[[], str | bytes]],
                               folders: list[PurePosixPath]) -> None:
    """``FileExists`` before anything is written: a file (or a broken link) where a folder goes, or any file of
    the clinic already there; ``InitRefused`` for a folder inside another clinic's plans/, build/ or templates/."""
    _refuse_inside_a_clinic(root)
    above = next((path for path in (root, *root.parents) if _present(path)), None)
    if above is not None and not above.is_dir():
        raise FileExists(f"{above}: not a folder; txplan init makes the clinic's folder there (move it away)")
    blocked = [folder.as_posix() for folder in folders if _present(root / folder) and not (root / folder).is_dir()]
    if blocked:
        verb, pronoun = ("is", "it") if len(blocked) == 1 else ("are", "them")
        raise FileExists(f"{root}: {_listed(blocked)} {verb} not a folder; txplan init makes folders there and never "
                         f"overwrites a file (move {pronoun} away)")
    existing = [name for name in files if _present(root / name)]
    if existing:
        raise FileExists(f"{root}: {_listed(existing)} already exist(s); txplan init never overwrites a file (run "
                         "it in an empty folder, or move these away)")


def _refuse_inside_a_clinic(root: Path) -> None:
    """The reviewer's case: `txplan init plans/team-b` in a clinic made the outer clinic take the new one's README,
    example plan and templates for plans. The folder is judged as typed and with its links resolved, so a link
    into another clinic's plans/ is refused too."""
    for folder in dict.fromkeys((Path(os.path.abspath(root)), Path(os.path.realpath(root)))):
        try:
            clinic = find_root(folder)
        except NotAClinic:
            continue
        inside = folder.relative_to(clinic).parts[:1]
        if inside and PurePosixPath(inside[0]) in _ENCLOSING:
            raise InitRefused(f"{root}: inside the {inside[0]}/ folder of the clinic in {clinic}; a clinic there "
                              f"would become part of that one (make it elsewhere)")


def _present(path: Path) -> bool:
    """Whether anything (a broken link too) is at ``path``; ``InitRefused`` when that cannot be known (a folder
    above that cannot be searched, a name too long), which Path.exists raises as a bare OSError."""
    try:
        path.lstat()
    except OSError as exc:
        if exc.errno in _ABSENT:
            return False
        raise InitRefused(f"{path}: cannot be looked at ({exc.strerror or type(exc).__name__}); nothing was "
                          "written") from None
    return True


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN_CONFLICTS} more" if len(names) > SHOWN_CONFLICTS else ""
    return f"{', '.join(names[:SHOWN_CONFLICTS])}{more}"


def _missing_above(root: Path) -> list[Path]:
    """The clinic's folder and those above it that do not exist yet, outermost first."""
    return [path for path in reversed((root, *root.parents)) if not _present(path)]


def _remove(made: list[Path]) -> int:
    """Undo a failed init: remove what it made, newest first; returns how many could not be removed (a folder
    someone else wrote into meanwhile is left, with what is in it)."""
    left = 0
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            left += 1
    return left


def _make_private(root: Path) -> list[str]:
    """Narrow an existing ``plans/`` or ``build/`` that others can enter to 0700; what was done, in words."""
    notes = []
    for folder in (PLANS, BUILD):
        try:
            mode = stat.S_IMODE((root / folder).stat().st_mode)
        except OSError:
            continue  # no build/ yet: the first build makes it 0700
        if not mode & 0o077:
            continue
        try:
            (root / folder).chmod(PRIVATE)
        except OSError:
            notes.append(f"{folder}/ is open to others ({mode:o}) and could not be made private: `chmod 700 {folder}`")
        else:
            notes.append(f"{folder}/ was open to others ({mode:o}); made it private (700), as it holds PHI")
    return notes


def _clinic_files(empty: bool) -> dict[str, Callable[[], str | bytes]]:
    """Every file of a new clinic by its path, each made when written (the library is read once per file)."""
    files: dict[str, Callable[[], str | bytes]] = {
        PYPROJECT: policy_table,
        MKDOCS: lambda: _data("mkdocs.yml"),
        "build.py": lambda: _data("build.py"),
        ".gitignore": lambda: _data("gitignore"),
        "README.md": lambda: _data("README.md"),
        ".pre-commit-config.yaml": hook_config,
        REFERENCE_DOCX.as_posix(): default_reference_path().read_bytes,
        ".remarkrc.json": _remark_config,
        "package.json": _package_json,
        ".vscode/extensions.json": lambda: _json({"recommendations": ["unifiedjs.vscode-remark"]}),
    }
    files.update({(SCHEMA_FOLDER / f"{kind}.schema.json").as_posix(): _schema(kind) for kind in SCHEMAS})
    if not empty:
        files[(PLANS / EXAMPLE_PLAN_NAME).as_posix()] = example_plan
        for template in sorted(starter_interventions().glob("*.md")):
            files[(INTERVENTIONS / template.name).as_posix()] = _reader(template)
    return files


def policy_table() -> str:
    """pyproject.toml: txplan as the dependency, and ``[tool.txplan]`` with each key's default, commented out."""
    defaults = Policy().model_dump(mode="json")
    lines = [
        "# This folder is a txplan clinic: `txplan` checks plans/, writes charts to build/ and the template",
        "# site to build/site/ (see README.md). It is not a Python package: nothing here is installed.",
        "[project]",
        'name = "clinic"',
        'version = "0"',
        'requires-python = ">=3.11"',
        f'dependencies = ["txplan>={__version__}"]',
        "",
        "[tool.setuptools]",
        "packages = []   # `pip install .` installs txplan and nothing else",
        "",
        "# The clinic's policy. Every key is optional; each line shows the default. Remove the `# ` to change one.",
        "[tool.txplan]",
    ]
    for key, value in defaults.items():
        if isinstance(value, dict):
            lines.append(f"# [tool.txplan.{key}]   # {POLICY_NOTES.get(key, '')}".rstrip(" #"))
            continue
        # a namespace of the clinic's own from the start: ids exported before it was set would change with it
        setting = f'fhir_namespace = "{uuid.uuid4()}"' if key == "fhir_namespace" else f"# {key} = {toml_value(value)}"
        note = POLICY_NOTES.get(key)
        lines.append(f"{setting:<48}  # {note}" if note else setting)
    return "\n".join(lines) + "\n"


def hook_config() -> str:
    """.pre-commit-config.yaml: txplan's hook, run by the txplan on the machine."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the hook's own order
    out = io.StringIO()
    yaml.dump({"repos": [{"repo": "local", "hooks": [{**HOOK, "language": "system"}]}]}, out)
    return ("# `pre-commit install` once; then every commit runs `txplan check` on the plans and templates it\n"
            "# changes. The hook is txplan's `txplan-check` (see .pre-commit-hooks.yaml in txplan's repository),\n"
            "# run here by the txplan installed on this machine, so it checks with the version you build with.\n"
            + out.getvalue())


def toml_value(value: Any) -> str:
    """A policy default (JSON-ready) as TOML: JSON's strings, numbers and lists are TOML's; objects become inline tables."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _schema(kind: str) -> Callable[[], str]:
    return lambda: schema_text(kind)


def _reader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _data(name: str) -> str:
    try:
        return (_DATA / name).read_text(encoding="utf-8")
    except OSError:
        raise MissingResource(f"txplan's clinic file {name} is missing from {_DATA}; reinstall txplan") from None


def _json(value: Any) -> str:
    return json.dumps(value, indent=2) + "\n"


def _remark_config() -> str:
    schemas = {f"./{SCHEMA_FOLDER}/plan.schema.json": [f"./{PLANS}/**/*.md"],
               f"./{SCHEMA_FOLDER}/template.schema.json": [f"./{INTERVENTIONS}/*.md"]}
    # ajv, under the rule, knows draft 07; the 2020-12 schemas use nothing draft 07 lacks, so it is told not to
    # look up the dialect's meta-schema rather than refuse them
    options = {"schemas": schemas, "ajvOptions": {"validateSchema": False}}
    return _json({"plugins": ["remark-frontmatter", ["remark-lint-frontmatter-schema", options]]})


def _package_json() -> str:
    return _json({"private": True,
                  "description": "Optional: checks of plan front matter as you type (VS Code's remark extension)",
                  "devDependencies": REMARK_PACKAGES})

