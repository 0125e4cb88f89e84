"""The chart's risk section: level and summary, the screening and how often risk is reassessed, and the clinic's
24-hour crisis lines, which every chart prints whether or not the plan needs a safety plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import edit
from docx_helpers import LOW_RISK_PLAN, PLAN, POLICY, paragraph_texts, render_plan, table_rows

from txplan.elements import ELEMENTS_BY_KEY

SUMMARY = "  summary: Passive ideation, no plan or intent; screened with C-SSRS.\n"
FOLLOW_UP = SUMMARY + "  screening: { instrument: C-SSRS, date: 2026-10-28 }\n  reassess: every 2 weeks\n"
COUNTY = '\ncrisis_lines = [{ name = "County crisis line", phone = "555-0199" }, { name = "988 Lifeline", phone = "988" }]\n'


def risk_section(document: Any) -> list[str]:
    texts = paragraph_texts(document)
    return texts[texts.index("Risk") + 1:texts.index("Strengths, preferences and participation")]


def test_screening_and_reassessment_are_printed_with_the_risk(tmp_path: Path) -> None:
    found = risk_section(render_plan(tmp_path, edit(PLAN, (SUMMARY, FOLLOW_UP))))
    assert found == ["Risk level: Moderate", "Passive ideation, no plan or intent; screened with C-SSRS.",
                     "Screening: C-SSRS on October 28, 2026", "Risk reassessed: Every 2 weeks",
                     "Crisis lines, at any hour: 988 Suicide & Crisis Lifeline: 988"]


def test_missing_screening_and_reassessment_are_said_not_hidden(tmp_path: Path) -> None:
    found = risk_section(render_plan(tmp_path, PLAN))
    assert "Screening: Not recorded" in found and "Risk reassessed: Not scheduled" in found


def test_the_crisis_lines_are_printed_even_when_no_safety_plan_is_indicated(tmp_path: Path) -> None:
    document = render_plan(tmp_path, LOW_RISK_PLAN)
    assert ELEMENTS_BY_KEY["crisis"].not_indicated in paragraph_texts(document)
    assert "Crisis lines, at any hour: 988 Suicide & Crisis Lifeline: 988" in risk_section(document)


def test_the_clinics_own_crisis_lines_replace_the_default(tmp_path: Path) -> None:
    found = risk_section(render_plan(tmp_path, LOW_RISK_PLAN, POLICY + COUNTY))
    assert found[-1] == "Crisis lines, at any hour: County crisis line: 555-0199; 988 Lifeline: 988"


def test_a_phone_written_bare_is_printed_as_written_with_its_leading_zero_or_plus(tmp_path: Path) -> None:
    """YAML reads `07700900123` and `+442079460000` as numbers; the safety plan must not drop their first digit."""
    text = edit(PLAN, ("{ name: Maya Rivera, phone: 555-0142 }",
                       "{ name: Maya Rivera, phone: 07700900123 }\n      - { name: Office, phone: 555.0140 }"),
                ('phone: "988" }', 'phone: "988" }\n      - { name: Out-of-hours team, phone: +442079460000 }'))
    cells = [cell for table in table_rows(render_plan(tmp_path, text)) for row in table for cell in row]
    assert any("Maya Rivera: 07700900123" in cell for cell in cells)
    assert any("Out-of-hours team: +442079460000" in cell for cell in cells)
    assert any("Office: 555.0140" in cell for cell in cells)  # a decimal to YAML, and its last 0 kept
