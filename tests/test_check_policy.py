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


WHOLE = "must be a whole number"


@pytest.mark.parametrize(("table", "message"), [
    ('review_interval_days = "ninety"', f"review_interval_days {WHOLE}"),
    ('review_interval_days = "120"', f"review_interval_days {WHOLE}"),
    ("review_interval_days = 120.0", f"review_interval_days {WHOLE}"),
    ("review_interval_days = true", f"review_interval_days {WHOLE}"),
    ("sign_within_days = \"14\"", f"sign_within_days {WHOLE}"),
    ("review_interval_days = 0", "review_interval_days must be at least 1"),
    ("review_interval_days = 1000", "review_interval_days must be at most 730"),
    ('crisis_required_at = "severe"', "crisis_required_at must be 'none', 'low', 'moderate' or 'high'"),
    ('optional_elements = ["homwork"]', "optional_elements must name only elements of the format: approaches, "
                                        "techniques, frequency, homework, psychoeducation, skills, emotional_processing, "
                                        "relationships, crisis, evaluation"),
    ('optional_elements = "homework"', "optional_elements must be a list"),
    ("clinic = 42", "clinic must be text"),
    ("reveiw_interval_days = 90", "unknown key `reveiw_interval_days`; did you mean `review_interval_days`?"),
    ("confidentiality_notce = 'x'", "unknown key `confidentiality_notce`; did you mean `confidentiality_notice`?"),
    ('address = "1 River Road\\u0000"', "address has control character U+0000, which is not allowed"),
    (f"confidentiality_notice = '{'x' * 601}'", "confidentiality_notice is longer than 600 characters"),
    ('crisis_lines = [{ name = "Line", phone = "call us" }]', "crisis_lines[0].phone must be a phone number"),
], ids=["interval as text", "interval as a number in quotes", "interval with a decimal point", "interval as true",
        "sign_within_days in quotes", "interval 0", "interval above 730", "unknown risk level", "unknown element",
        "elements as text", "clinic as number", "unknown key", "notice misspelt", "control character in address",
        "notice too long", "crisis line that cannot be dialled"])
def test_an_invalid_policy_is_tx501_at_the_key(clinic: Clinic, table: str, message: str) -> None:
    root = clinic({"plan.md": VALID_PLAN}, pyproject=f"{PROJECT}[tool.txplan]\n{table}\n", library=FIXTURE_TEMPLATES)
    [found] = diagnostics_of(root)
    assert (found.path, found.code, found.line, found.col) == ("pyproject.toml", "TX501", 6, 1)
    assert found.message.startswith(f"[tool.txplan] {message}")


def test_each_invalid_key_is_reported_at_its_own_line_and_column(clinic: Clinic) -> None:
    table = '# the clinic rules\n  review_interval_days = "ninety"\n\ncrisis_required_at = "severe"   # see docs\n'
    assert policy_findings(clinic, f"[tool.txplan]\n{table}") == [("pyproject.toml", "TX501", 3, 3),
                                                                  ("pyproject.toml", "TX501", 5, 1)]


@pytest.mark.parametrize(("pyproject", "message"), [
    ('[tool.txplan]\nclinic = "x"\n\n[tool.txplan.signers]\n"Avery Example, LCSW" = "avery example"\n',
     "signers.<key> must be an email-like principal"),
    ('[tool.txplan]\n[tool.txplan.signers]\n"Avery Example, LCSW" = 3\n', "signers.<key> must be text"),
    ('[tool.txplan]\nsigners."Avery Example, LCSW" = 3\n', "signers.<key> must be text"),
    ('[tool.txplan.signers]\n"Avery Example, LCSW" = 3\n', "signers.<key> must be text"),
    ('[tool.ruff]\nline-length = 1\n\n[tool.txplan]\nclinic = "x"\n\n[tool.ruff.lint]\nselect = []\n\n'
     '[tool.txplan.signers]\n"Avery Example, LCSW" = 3\n', "signers.<key> must be text"),
], ids=["not a principal", "not text", "dotted key", "sub-table only", "tables out of order"])
def test_a_bad_signer_in_the_sub_table_is_tx501_at_its_line(clinic: Clinic, pyproject: str, message: str) -> None:
    root = clinic({"plan.md": VALID_PLAN}, pyproject=pyproject, library=FIXTURE_TEMPLATES)
    [found] = diagnostics_of(root)
    assert (found.code, found.line, found.col) == ("TX501", pyproject.count("\n"), 1)
    assert found.message.startswith(f"[tool.txplan] {message}")


def test_an_unknown_key_in_a_sub_table_is_tx501_at_that_header(clinic: Clinic) -> None:
    assert policy_findings(clinic, '[tool.txplan]\nclinic = "x"\n\n[tool.txplan.sigers]\n"A" = "a@b"\n') == [
        ("pyproject.toml", "TX501", 4, 1)]


@pytest.mark.parametrize(("pyproject", "position"), [
    ("[tool.txplan\nclinic = 'x'\n", (1, 13)),
    ('[tool.txplan]\nclinic = "Riverside\nreview_interval_days = 90\n', (2, 20)),
    ("[tool.txplan]\nreview_interval_days = 90 90\n", (2, 27)),
    ('[tool.txplan]\nclinic = "a"\nclinic = "b"\n', (3, 13)),
    ("[tool.txplan]\noptional_elements = [\n", (2, 1)),
], ids=["header not closed", "string not closed", "two values", "key twice", "array not closed"])
def test_pyproject_that_is_not_toml_is_tx501_at_the_parsers_position(clinic: Clinic, pyproject: str,
                                                                     position: tuple[int, int]) -> None:
    root = clinic({"plan.md": VALID_PLAN}, pyproject=pyproject, library=FIXTURE_TEMPLATES)
    [found] = diagnostics_of(root)
    assert (found.code, found.line, found.col) == ("TX501", *position)
    assert found.message == "pyproject.toml is not valid TOML; the problem is at this position"


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
        ("plans/plan.md", "TX205", 12, 11), ("pyproject.toml", "TX501", 2, 1)]


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
