"""A closed plan's chart: the identification says when it closed instead of when it is reviewed, and a
"Discharge summary" section after the discharge criteria gives the date, reason, criteria met, final scores,
referrals and the summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import edit
from docx_helpers import PLAN, headings, paragraph_texts, render_plan, table_rows

CLOSURE = """closure:
  date: 2026-11-20
  reason: Goals met; ended by mutual agreement
  criteria_met: some
  referrals: [Primary care follow-up in three months]
  summary: |
    Six sessions of CBT; the PHQ-9 fell to **15**.

    Jordan keeps the relapse-prevention card.
"""
CLOSED = (("status: active\n", "status: closed\n"), ("discharge:\n", f"{CLOSURE}discharge:\n"))


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return render_plan(tmp_path_factory.mktemp("closed"), edit(PLAN, *CLOSED))


def test_a_closed_plan_shows_its_closing_date_and_no_review_date(closed: Any) -> None:
    identification = table_rows(closed)[0]
    assert ["Effective date", "November 2, 2026", "Closed on", "November 20, 2026"] in identification
    assert not any("Review date" in cell for row in identification for cell in row)
    assert ["Status", "Closed"] in identification


def test_the_discharge_summary_follows_the_discharge_criteria(closed: Any) -> None:
    top = [text for level, text in headings(closed) if level == 1]
    assert top[top.index("Discharge criteria") + 1] == "Discharge summary"
    found = headings(closed)
    start = found.index((1, "Discharge summary"))
    assert found[start + 1:start + 4] == [(2, "Final scores"), (2, "Referrals"), (2, "Summary")]


def test_the_discharge_summary_says_when_why_and_what_was_met(closed: Any) -> None:
    texts = paragraph_texts(closed)
    start = texts.index("Discharge summary")
    assert texts[start + 1:start + 4] == ["Closed on: November 20, 2026", "Reason: Goals met; ended by mutual agreement",
                                          "Discharge criteria met: Some"]
    assert "Primary care follow-up in three months" in texts
    assert "Six sessions of CBT; the PHQ-9 fell to 15." in texts  # the summary is Markdown
    assert "Jordan keeps the relapse-prevention card." in texts


def test_the_final_scores_table_has_every_measure(closed: Any) -> None:
    final = next(table for table in table_rows(closed) if table[0] == ["Instrument", "Baseline", "Final score", "Target"])
    assert final[1:] == [["PHQ-9", "17", "15 on November 16, 2026", "9 or lower: Not met"],
                         ["PDSS", "16", "Not measured", "7 or lower: Not measured"]]


def test_no_referrals_are_said_plainly(tmp_path: Path) -> None:
    text = edit(PLAN, *CLOSED, ("  referrals: [Primary care follow-up in three months]\n", ""))
    texts = paragraph_texts(render_plan(tmp_path, text))
    assert texts[texts.index("Referrals") + 1] == "None."


def test_an_active_plan_has_no_discharge_summary_and_keeps_its_review_date(tmp_path: Path) -> None:
    document = render_plan(tmp_path, PLAN)
    assert (1, "Discharge summary") not in headings(document)
    assert ["Effective date", "November 2, 2026", "Review date", "January 31, 2027"] in table_rows(document)[0]
