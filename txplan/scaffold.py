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

Nothing is overwritten: every path is checked before anything is written, and each file is then created with
``O_EXCL``, so a file that appears in between is not lost either.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML

from . import __version__
from .fields import POLICY_NOTES
from .layout import INTERVENTIONS, MKDOCS, PLANS, PYPROJECT, REFERENCE_DOCX
from .policy import Policy
from .resources import MissingResource, default_reference_path, example_plan, starter_interventions
from .schema import SCHEMAS, schema_text
from .skeleton import FileExists, create_new

__all__ = ["EXAMPLE_PLAN_NAME", "HOOK", "Clinic", "hook_config", "init_clinic", "policy_table", "toml_value"]

_DATA = Path(__file__).resolve().parent / "data" / "clinic"
EXAMPLE_PLAN_NAME = "c-0042-example.md"
SCHEMA_FOLDER = PurePosixPath("schemas")
SHOWN_CONFLICTS = 5

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


@dataclass(frozen=True)
class Clinic:
    root: Path
    written: list[str]  # paths relative to the root, in the order written
    example: bool  # whether the example plan was written


def init_clinic(root: Path, *, empty: bool = False) -> Clinic:
    """Make a clinic in ``root`` (created if missing). Raises ``FileExists`` naming every path already there,
    before writing anything."""
    files = _clinic_files(empty)
    existing = [name for name in files if (root / name).exists() or (root / name).is_symlink()]
    if existing:
        more = f" and {len(existing) - SHOWN_CONFLICTS} more" if len(existing) > SHOWN_CONFLICTS else ""
        raise FileExists(f"{root}: {', '.join(existing[:SHOWN_CONFLICTS])}{more} already exist(s); txplan init "
                         "never overwrites a file (run it in an empty folder, or move these away)")
    contents = {name: make() for name, make in files.items()}  # all read before anything is written
    (root / PLANS).mkdir(mode=0o700, parents=True, exist_ok=True)  # plans hold PHI: private from the start
    (root / INTERVENTIONS).mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        create_new(root / name, content, name)
    return Clinic(root, list(files), not empty)


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
        setting = f"# {key} = {toml_value(value)}"
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

