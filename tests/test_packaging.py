"""The wheel carries txplan and what a new clinic needs, from the one copy of each file in the repository."""

from __future__ import annotations

import tomllib

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
