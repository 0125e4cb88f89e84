"""`check --format github` and `--format sarif`: the diagnostics in the shapes CI and code-scanning tools read.

The SARIF log is validated against the OASIS SARIF 2.1.0 schema (tests/fixtures/sarif/, see its README).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FIXTURE_TEMPLATES, Clinic, edited_plan, position_of

from txplan import __version__
from txplan import diagnostics as diagnostics_module
from txplan.diagnostics import CODES, Diagnostic, format_github, format_sarif

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
# One error (an unknown risk level) and one warning (an objective that says what the therapist will do).
PLAN = edited_plan(("  level: low", "  level: severe"),
                   ("Test will complete 3 planned activities", "Therapist will complete 3 Qv7731 activities"))
LEVEL = position_of(PLAN, "severe")
OBJECTIVE = position_of(PLAN, "Therapist will")
HOSTILE = Diagnostic("plans/a\nb::error file=x,c%.md", 3, 4, "TX201", "100% sure\r\n::warning file=y::forged\x1b[2J")


def check(clinic: Clinic, fmt: str) -> subprocess.CompletedProcess[str]:
    root = clinic({"plan.md": PLAN}, library=FIXTURE_TEMPLATES)
    return subprocess.run([sys.executable, "-m", "txplan", "check", "--format", fmt], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)


def valid_sarif(text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_github_format_writes_one_annotation_per_diagnostic(clinic: Clinic) -> None:
    done = check(clinic, "github")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"::error file=plans/plan.md,line={LEVEL[0]},col={LEVEL[1]},title=TX105::risk.level must be 'none', 'low', "
        "'moderate' or 'high'",
        f"::warning file=plans/plan.md,line={OBJECTIVE[0]},col={OBJECTIVE[1]},title=TX317::objective O1 says what staff "
        "will do; write what the client will do, and put the therapist's work in the intervention items that serve it",
    ]
    assert "Qv7731" not in done.stdout  # the objective's text stays in the plan


def test_github_format_escapes_what_would_end_a_property_or_the_line() -> None:
    """A file name or message cannot forge a second annotation or a property: `%`, CR and LF are escaped as the
    runner expects, and in properties `:` and `,` too; ESC is shown as an escape rather than sent to the log."""
    [line] = format_github([HOSTILE]).splitlines()
    assert line == ("::error file=plans/a%0Ab%3A%3Aerror file=x%2Cc%25.md,line=3,col=4,title=TX201::"
                    "100%25 sure%0D%0A::warning file=y::forged\\x1b[2J")


def test_sarif_format_is_a_valid_sarif_2_1_0_log(clinic: Clinic) -> None:
    done = check(clinic, "sarif")
    assert done.returncode == 1
    [run] = valid_sarif(done.stdout)["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("txplan", __version__)
    assert [rule["id"] for rule in driver["rules"]] == ["TX105", "TX317"]
    for rule in driver["rules"]:
        code = CODES[rule["id"]]
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == code.explanation
        assert code.fix in rule["help"]["text"] and code.example in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == code.severity.value
    assert driver["rules"][0]["name"] == "value-not-allowed"
    located = [(r["ruleId"], r["ruleIndex"], r["level"], r["locations"][0]["physicalLocation"]) for r in run["results"]]
    assert located == [
        ("TX105", 0, "error", {"artifactLocation": {"uri": "plans/plan.md", "uriBaseId": "%SRCROOT%"},
                               "region": {"startLine": LEVEL[0], "startColumn": LEVEL[1]}}),
        ("TX317", 1, "warning", {"artifactLocation": {"uri": "plans/plan.md", "uriBaseId": "%SRCROOT%"},
                                 "region": {"startLine": OBJECTIVE[0], "startColumn": OBJECTIVE[1]}}),
    ]
    assert run["results"][0]["message"]["text"] == "risk.level must be 'none', 'low', 'moderate' or 'high'"
    assert "Qv7731" not in done.stdout and "Test Client" not in done.stdout


def test_sarif_for_a_clean_clinic_has_no_rules_and_no_results(clinic: Clinic) -> None:
    [run] = valid_sarif(format_sarif([]))["runs"]
    assert (run["tool"]["driver"]["rules"], run["results"]) == ([], [])


def test_sarif_keeps_a_hostile_file_name_inside_its_uri() -> None:
    [run] = valid_sarif(format_sarif([HOSTILE]))["runs"]
    [result] = run["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "plans/a%0Ab%3A%3Aerror%20file%3Dx%2Cc%25.md")
    assert result["message"]["text"] == HOSTILE.message  # JSON carries it as data, escaped in ASCII
    assert "\x1b" not in format_sarif([HOSTILE]) and "\r" not in format_sarif([HOSTILE])


def test_sarif_rules_link_to_the_diagnostics_page_when_txplan_declares_it(monkeypatch: pytest.MonkeyPatch) -> None:
    page = "https://docs.example.org/txplan/diagnostics/"
    monkeypatch.setattr(diagnostics_module, "diagnostics_page", lambda: page)
    [run] = valid_sarif(format_sarif([HOSTILE]))["runs"]
    assert run["tool"]["driver"]["rules"][0]["helpUri"] == f"{page}#tx201"
