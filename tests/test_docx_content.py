"""What a chart holds, read back with python-docx from charts built by ``python build.py docx``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docx_helpers import (
    CLINIC,
    LOW_RISK_PLAN,
    PLAN,
    built_clinic,
    chart_file,
    headings,
    open_chart,
    paragraph_texts,
    part_text,
    table_rows,
)

from txplan.chart.wording import NOT_INCLUDED, frequency_sentence
from txplan.elements import ELEMENTS, ELEMENTS_BY_KEY, STANLEY_BROWN_STEPS
from txplan.model import Frequency
from txplan.policy import DEFAULT_NOTICE


@pytest.fixture(scope="module")
def built_charts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_clinic(tmp_path_factory.mktemp("content"), {"c-0042.md": PLAN, "c-0107.md": LOW_RISK_PLAN})


@pytest.fixture(scope="module")
def chart(built_charts: Path) -> Any:
    return open_chart(chart_file(built_charts, "c-0042"))


@pytest.fixture(scope="module")
def low_risk(built_charts: Path) -> Any:
    return open_chart(chart_file(built_charts, "c-0107"))


def test_sections_and_elements_come_in_chart_order(chart: Any) -> None:
    found = headings(chart)
    assert [text for level, text in found if level == 1] == [
        "Identification", "Diagnoses and risk", "Strengths, preferences and participation",
        "Problems, goals and objectives", "Interventions", "Discharge criteria", "Clinical narrative", "Signatures"]
    interventions = found.index((1, "Interventions"))
    elements = [text for level, text in found[interventions:] if level == 2][: len(ELEMENTS)]
    assert elements == [element.title for element in ELEMENTS]


def test_title_names_the_client(chart: Any) -> None:
    texts = paragraph_texts(chart)
    assert texts[:2] == ["Treatment plan", "Jordan Rivera \u00b7 effective November 2, 2026"]


def test_identification_table(chart: Any) -> None:
    rows = table_rows(chart)[0]
    assert rows == [
        ["Client", "Jordan Rivera", "Chart id", "C-0042"],
        ["Date of birth", "March 14, 1988", "Pronouns", "they/them"],
        ["Clinician", "Avery Chen, LCSW", "Supervisor", "Dr. Sam Ortiz, PhD"],
        ["Effective date", "November 2, 2026", "Review date", "January 31, 2027"],
        ["Status", "Active"],
    ]


def test_missing_optional_identity_fields_are_stated(low_risk: Any) -> None:
    rows = table_rows(low_risk)[0]
    assert rows[1][2:] == ["Pronouns", "Not stated"]
    assert rows[2][2:] == ["Supervisor", "None"]


def test_diagnoses_risk_and_strengths(chart: Any) -> None:
    assert ["F33.1", "Major depressive disorder, recurrent, moderate"] in table_rows(chart)[1]
    texts = paragraph_texts(chart)
    assert "Risk level: Moderate" in texts
    assert "Passive ideation, no plan or intent; screened with C-SSRS." in texts
    assert "Curious, reflective, keeps a journal" in texts
    assert "Plan written together in session 2; client chose goal wording." in texts


def test_problems_goals_and_labelled_objectives(chart: Any) -> None:
    found = headings(chart)
    assert (2, "Problem P1: Low mood and withdrawal") in found
    assert (3, "Goal G1 (interpersonal)") in found
    assert "\u201cFeel like myself again and get back to my friends\u201d" in paragraph_texts(chart)
    objectives = next(rows for rows in table_rows(chart) if rows[0][0] == "Id")
    assert objectives[0] == ["Id", "Objective", "Measure", "Target date"]
    assert [row[0] for row in objectives[1:]] == ["O1", "O2"]
    assert objectives[2][3] == "January 31, 2027"


def test_items_show_the_objectives_they_serve_and_who_is_responsible(chart: Any) -> None:
    texts = paragraph_texts(chart)
    assert "Serves: O1 \u00b7 Responsible: Avery Chen, LCSW" in texts
    assert "Serves: O1, O2 \u00b7 Responsible: Avery Chen, LCSW" in texts
    assert "Serves: O2 \u00b7 Responsible: Jordan Rivera, with Avery Chen" in texts


def test_template_items_are_rendered_markdown(chart: Any) -> None:
    texts = paragraph_texts(chart)
    assert "Define the problem in specific, concrete terms." in texts  # a numbered list from problem-solving
    assert any(text.startswith("Jordan will complete a thought record three times a week") for text in texts)


def test_approach_and_frequency(chart: Any, low_risk: Any) -> None:
    assert "CBT: Strong evidence base for recurrent depression" in paragraph_texts(chart)
    assert "Weekly individual sessions of 50 minutes, by telehealth, for 16 weeks." in paragraph_texts(chart)
    assert ("Individual sessions of 45 minutes every two weeks, in person and by telehealth, for 12 weeks."
            in paragraph_texts(low_risk))


@pytest.mark.parametrize(("schedule", "setting", "weeks", "sentence"), [
    ("weekly", "in-person", 16, "Weekly individual sessions of 50 minutes, in person, for 16 weeks."),
    ("twice-weekly", "telehealth", 8, "Twice-weekly individual sessions of 50 minutes, by telehealth, for 8 weeks."),
    ("biweekly", "hybrid", 1, "Individual sessions of 50 minutes every two weeks, in person and by telehealth, for 1 week."),
    ("monthly", "in-person", 24, "Monthly individual sessions of 50 minutes, in person, for 24 weeks."),
])
def test_frequency_sentence(schedule: str, setting: str, weeks: int, sentence: str) -> None:
    frequency = Frequency.model_validate(
        {"schedule": schedule, "minutes": 50, "weeks": weeks, "format": "individual", "setting": setting})
    assert frequency_sentence(frequency) == sentence


@pytest.mark.parametrize(("formats", "sentence"), [
    (["family"], "Weekly family sessions of 50 minutes, in person, for 12 weeks."),
    (["individual", "family"], "Weekly individual and family sessions of 50 minutes, in person, for 12 weeks."),
    (["individual", "couples", "group"],
     "Weekly individual, couples and group sessions of 50 minutes, in person, for 12 weeks."),
])
def test_frequency_sentence_names_every_format(formats: list[str], sentence: str) -> None:
    frequency = Frequency.model_validate(
        {"schedule": "weekly", "minutes": 50, "weeks": 12, "format": formats, "setting": "in-person"})
    assert frequency_sentence(frequency) == sentence


def test_absent_elements_say_why(low_risk: Any) -> None:
    texts = paragraph_texts(low_risk)
    assert "Not indicated: no interpersonal goals." in texts
    assert ELEMENTS_BY_KEY["crisis"].not_indicated in texts
    assert NOT_INCLUDED == "Not included: optional under clinic policy."
    homework = texts.index(ELEMENTS_BY_KEY["homework"].title)
    assert texts[homework + 1] == NOT_INCLUDED


def test_safety_plan_is_laid_out_as_the_stanley_brown_form(chart: Any) -> None:
    safety_plan = next(rows for rows in table_rows(chart) if rows[0][0] == "Step 1")
    assert [row[0] for row in safety_plan] == [f"Step {n}" for n in range(1, 7)] + [""]
    for row, (_, title) in zip(safety_plan, STANLEY_BROWN_STEPS, strict=False):
        assert row[1].startswith(title)
    assert "Maya Rivera: 555-0142" in safety_plan[3][1]
    assert "988 Suicide & Crisis Lifeline: 988" in safety_plan[4][1]
    assert safety_plan[-1][1] == "Reasons for living\nMy niece"


def test_measures_table_and_feedback(chart: Any) -> None:
    measures = next(rows for rows in table_rows(chart) if rows[0][0] == "Instrument")
    assert measures[0] == ["Instrument", "Baseline", "Target", "Schedule", "Latest score"]
    assert measures[1] == ["PHQ-9: depression\nScale 0\u201327, lower is better", "17", "9 or lower", "Every 2 weeks",
                           "15 on November 16, 2026 (moderately severe)"]
    assert measures[2] == ["PDSS\nScale 0\u201328, lower is better", "16", "7 or lower", "Every month", "Not yet measured"]
    assert "Session Rating Scale at the end of every session." in paragraph_texts(chart)


def test_discharge_and_narrative(chart: Any) -> None:
    texts = paragraph_texts(chart)
    assert "PHQ-9 below 10 for two consecutive measurements" in texts
    assert (2, "Presenting concerns") in headings(chart)  # the narrative's top heading sits under its section
    assert (3, "History") in headings(chart)


def test_signature_block(chart: Any, low_risk: Any) -> None:
    texts = paragraph_texts(chart)
    signatures = texts[texts.index("Signatures"):]
    captions = [text for text in signatures if text.endswith("\tDate")]
    assert captions == ["Jordan Rivera, client\tDate", "Avery Chen, LCSW, clinician\tDate",
                        "Dr. Sam Ortiz, PhD, clinical supervisor\tDate"]
    assert signatures.count("\t\t\t") == 3  # signature and date lines, drawn by tab leaders
    assert re.fullmatch(r"Plan content digest: [0-9a-f]{12}", signatures[-1])  # matches a printout to the repository
    assert "Signatures" not in paragraph_texts(low_risk)  # a draft is not for signature


def test_header_names_the_clinic_and_marks_drafts(chart: Any, low_risk: Any) -> None:
    active = chart.sections[0].header.paragraphs[-1].text
    draft = low_risk.sections[0].header.paragraphs[-1].text
    assert active == f"{CLINIC}\t\t{DEFAULT_NOTICE}"
    assert draft == f"{CLINIC}\tDRAFT, not for signature\t{DEFAULT_NOTICE}"


def test_footer_has_client_and_real_page_fields(built_charts: Path) -> None:
    footer = part_text(chart_file(built_charts, "c-0042"), "word/footer1.xml")
    assert "Jordan Rivera \u00b7 Chart C-0042" in footer
    assert "Page </w:t>" in footer and " of </w:t>" in footer
    for field in ("PAGE", "NUMPAGES"):
        assert f'<w:instrText xml:space="preserve"> {field} </w:instrText>' in footer
    assert footer.count('w:fldCharType="begin"') == footer.count('w:fldCharType="end"') == 2
