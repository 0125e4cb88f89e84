"""The generated references (diagnostic codes, library coverage) are up to date, and every code in the
table is pinned by a test."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from txplan.coverage import NAMED
from txplan.diagnostics import CODES
from txplan.guides import plan_format_page, template_guide_page
from txplan.reference import diagnostics_reference, library_coverage
from txplan.templates import load_library

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def test_docs_diagnostics_md_is_the_generated_reference() -> None:
    committed = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == diagnostics_reference(), "regenerate it: python -m txplan.reference"


def test_docs_library_coverage_md_is_the_generated_page() -> None:
    committed = (REPO / "docs" / "library-coverage.md").read_text(encoding="utf-8")
    assert committed == library_coverage(load_library(REPO)), "regenerate it: python -m txplan.reference"


def test_the_coverage_page_has_a_row_for_every_named_approach_and_technique() -> None:
    page = library_coverage(load_library(REPO))
    rows = re.findall(r"^\| (?!named in|---)(.+?) \| .+ \|$", page, re.MULTILINE)
    assert rows == [named.name for named in NAMED]
    assert "**none**" not in page


def test_the_reference_lists_every_code_once() -> None:
    listed = re.findall(r"^## (TX\d{3})$", diagnostics_reference(), re.MULTILINE)
    assert listed == sorted(CODES)


def _codes_in_tests() -> set[str]:
    """Codes written in a test module other than this one (which names them all through CODES)."""
    found: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        if path.resolve() != Path(__file__).resolve():
            found |= set(re.findall(r"\bTX\d{3}\b", path.read_text(encoding="utf-8")))
    return found


_CODES_IN_TESTS = _codes_in_tests()


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_appears_in_a_test(code: str) -> None:
    assert code in _CODES_IN_TESTS, f"no test under tests/ mentions {code}"


@pytest.mark.parametrize(("name", "page"), [("plan-format.md", plan_format_page), ("templates.md", template_guide_page)])
def test_the_guides_in_docs_are_the_generated_pages(name: str, page: Callable[[], str]) -> None:
    committed = (REPO / "docs" / name).read_text(encoding="utf-8")
    assert committed == page(), "regenerate it: python -m txplan.reference"
