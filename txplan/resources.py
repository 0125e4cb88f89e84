"""What txplan ships for a clinic: the starter template library, the default chart look and the example plan.

There is one copy of each in the repository. The starter is the example clinic's own ``templates/`` folder (its
intervention library and ``chart.docx``, made by ``scripts/make_chart_reference.py``): setuptools copies it into
the wheel as ``txplan/starter/`` (``package-dir`` in pyproject.toml), and run from a source checkout txplan reads
the repository's ``templates/`` directly. The example plan is package data in ``txplan/data/``; the site's plan
format page, ``txplan new``, ``txplan init`` and the tests all read that one file.
"""

from __future__ import annotations

from pathlib import Path

from .errors import TxplanError
from .layout import INTERVENTIONS, REFERENCE_DOCX, TEMPLATES

__all__ = ["EXAMPLE_PLAN_FILE", "MissingResource", "default_reference_path", "example_plan", "starter_folder",
           "starter_interventions"]

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED_STARTER = _PACKAGE / "starter"  # in a wheel: the repository's templates/, copied at build time
_SOURCE_STARTER = _PACKAGE.parent / TEMPLATES  # in a source checkout: the example clinic's templates/ itself
EXAMPLE_PLAN_FILE = _PACKAGE / "data" / "example-plan.md"


class MissingResource(TxplanError):
    """A file txplan ships is missing: the installation is broken."""


def starter_folder() -> Path:
    """The folder a new clinic's ``templates/`` is copied from (``interventions/`` and ``chart.docx``)."""
    for folder in (_INSTALLED_STARTER, _SOURCE_STARTER):
        if (folder / INTERVENTIONS.name).is_dir():
            return folder
    raise MissingResource(f"txplan's starter template library is missing from {_INSTALLED_STARTER}; "
                          "reinstall txplan")


def starter_interventions() -> Path:
    return starter_folder() / INTERVENTIONS.name


def default_reference_path() -> Path:
    """The reference document a chart takes its look from when the clinic has no templates/chart.docx."""
    return starter_folder() / REFERENCE_DOCX.name


def example_plan() -> str:
    """The fictional example plan: complete, commented, and valid against the starter library."""
    try:
        return EXAMPLE_PLAN_FILE.read_text(encoding="utf-8")
    except OSError:
        raise MissingResource(f"txplan's example plan is missing ({EXAMPLE_PLAN_FILE}); reinstall txplan") from None
