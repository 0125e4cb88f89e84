"""The generated diagnostics reference is up to date, and every code in the table is pinned by a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from txplan.diagnostics import CODES
from txplan.reference import diagnostics_reference

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def test_docs_diagnostics_md_is_the_generated_reference() -> None:
    committed = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == diagnostics_reference(), "regenerate it: python -m txplan.reference"


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
