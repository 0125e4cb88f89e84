"""Clinic policy (TX501): `[tool.txplan]` in pyproject.toml, reported in pyproject.toml; defaults apply meanwhile.

The policy's effects on plans are pinned where they act: review_interval_days in test_check_dates.py,
crisis_required_at and optional_elements in test_check_elements.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE_TEMPLATES, VALID_PLAN, Clinic, diagnostics_of, edited_plan

from txplan.policy import Policy, load_policy

PROJECT = '[project]\nname = "riverside-clinic"\nversion = "1.0"\n\n'  # the [tool.txplan] header then sits on line 5


def policy_findings(clinic: Clinic, pyproject: str | None) -> list[tuple[str, str, int, int]]:
    """Every diagnostic, with its file, of a clinic with the valid plan and this pyproject.toml (None: no file)."""
    root = clinic({"plan.md": VALID_PLAN}, pyproject=pyproject, library=FIXTURE_TEMPLATES)
    return [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root)]


@pytest.mark.parametrize("table", [
    'review_interval_days = "ninety"',
    "review_interval_days = 0",
    "review_interval_days = 1000",
    'crisis_required_at = "severe"',
    'optional_elements = ["homwork"]',
    'optional_elements = "homework"',
    "clinic = 42",
    "reveiw_interval_days = 90",
], ids=["interval as text", "interval 0", "interval above 730", "unknown risk level", "unknown element",
        "elements as text", "clinic as number", "unknown key"])
def test_an_invalid_policy_is_tx501_in_pyproject_toml(clinic: Clinic, table: str) -> None:
    assert policy_findings(clinic, f"{PROJECT}[tool.txplan]\n{table}\n") == [("pyproject.toml", "TX501", 5, 1)]


def test_each_invalid_key_is_reported(clinic: Clinic) -> None:
    table = 'review_interval_days = "ninety"\ncrisis_required_at = "severe"\n'
    assert policy_findings(clinic, f"[tool.txplan]\n{table}") == [("pyproject.toml", "TX501", 1, 1)] * 2


def test_pyproject_that_is_not_toml_is_tx501(clinic: Clinic) -> None:
    assert policy_findings(clinic, "[tool.txplan\nclinic = 'x'\n") == [("pyproject.toml", "TX501", 1, 1)]


def test_an_invalid_policy_falls_back_to_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.txplan]\nreview_interval_days = "ninety"\n', encoding="utf-8")
    policy, found = load_policy(tmp_path)
    assert policy == Policy()
    assert [d.code for d in found] == ["TX501"]


def test_the_default_policy_applies_when_the_plan_is_checked_despite_a_bad_policy(clinic: Clinic) -> None:
    # the default 90-day interval still refuses a review 133 days out
    pyproject = '[tool.txplan]\nreview_interval_days = "ninety"\n'
    root = clinic({"plan.md": edited_plan(("  review: 2027-01-15", "  review: 2027-03-15"))}, pyproject=pyproject,
                  library=FIXTURE_TEMPLATES)
    assert [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root)] == [
        ("plans/plan.md", "TX205", 12, 11), ("pyproject.toml", "TX501", 1, 1)]


@pytest.mark.parametrize("pyproject", [
    None,
    PROJECT,
    "[tool.txplan]\n",
    '[tool.txplan]\nclinic = "Riverside Counseling Collective"\nreview_interval_days = 90\n'
    'crisis_required_at = "moderate"\noptional_elements = []\n',
    '[tool.ruff]\nline-length = 100\n\n[tool.txplan]\nreview_interval_days = 365\ncrisis_required_at = "high"\n'
    'optional_elements = ["homework", "emotional_processing"]\n',
], ids=["no pyproject", "no table", "empty table", "every key", "other tools too"])
def test_a_valid_policy_or_none_checks_clean(clinic: Clinic, pyproject: str | None) -> None:
    assert policy_findings(clinic, pyproject) == []


def test_the_repository_policy_is_valid() -> None:
    policy, found = load_policy(Path(__file__).resolve().parent.parent)
    assert found == []
    assert policy.review_interval_days == 90
    assert policy.crisis_required_at == "moderate"
