"""PHQ-9 item 9 in the chart: every answer above 0 is named in the status sentence with its date, an improvement
in the total is never announced without it, the graph rings those scores in red, and the alt text counts them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import edit
from docx_helpers import PLAN, paragraph_texts, render_plan, status_for

from txplan.export.status import latest_item9
from txplan.model import Evaluation, Interventions, Measure, Plan
from txplan.progress_chart import RISK_COLOR, progress_figure

ASKS = "Item 9, thoughts of being better off dead or of hurting oneself, was answered above 0: "


def test_answers_above_0_are_listed_with_their_dates() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 2), ("2026-11-09", 15, 0), ("2026-11-16", 14, 1)])
    assert status.sentences()[-1] == (f"{ASKS}2 (on more than half the days) on November 2, 2026; 1 (on several days) "
                                      "on November 16, 2026; any answer above 0 needs a risk follow-up.")


def test_a_latest_answer_of_0_is_said_after_the_earlier_ones() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 3), ("2026-11-16", 14, 0)])
    assert status.sentences()[-1].endswith("needs a risk follow-up. On the latest score it was 0 (not at all).")


def test_no_answer_above_0_adds_nothing() -> None:
    assert not any("Item 9" in s for s in status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 0)]).sentences())
    assert not any("Item 9" in s for s in status_for("PHQ-9", 17, 9, [("2026-11-02", 16)]).sentences())


def test_an_improvement_is_not_announced_without_item_9() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-16", 11, 1)])
    assert status.sentences()[1] == ("Down 6 points (35\u00a0%) from the baseline of 17, a reliable improvement "
                                     "(5 points or more) in the total score, while item 9 is still above 0.")
    assert status_for("PHQ-9", 17, 9, [("2026-11-16", 11, 0)]).sentences()[1].endswith("(5 points or more).")


def test_an_improvement_is_not_announced_when_a_later_score_leaves_item_9_blank() -> None:
    """Item 9 is judged by the most recent score that records it, and the sentence names that score's date."""
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 15, 2), ("2026-11-16", 11)])
    assert status.sentences()[1] == ("Down 6 points (35\u00a0%) from the baseline of 17, a reliable improvement "
                                     "(5 points or more) in the total score, while item 9 was above 0 on November 2, "
                                     "2026, the most recent score that records it.")


def test_a_0_on_an_earlier_score_is_said_with_its_date_when_the_latest_leaves_item_9_blank() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 3), ("2026-11-09", 15, 0), ("2026-11-16", 14)])
    assert status.sentences()[-1].endswith("needs a risk follow-up. On the most recent score that records it, "
                                           "November 9, 2026, it was 0 (not at all).")
    assert status.sentences()[1].endswith("(that takes 5 points).")


def test_the_caseload_status_lists_item_9_from_the_most_recent_score_that_records_it() -> None:
    measure = Measure.model_validate({"instrument": "PHQ-9", "baseline": 17, "target": 9, "every": "2 weeks", "scores": [
        {"date": "2026-11-02", "score": 15, "item9": 2}, {"date": "2026-11-16", "score": 11}]})
    plan = Plan.model_construct(interventions=Interventions.model_construct(
        evaluation=Evaluation.model_construct(measures=[measure])))
    assert latest_item9(plan) == 2


def test_the_alt_text_counts_the_answers_above_0() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 2), ("2026-11-16", 14, 1)])
    assert status.summary().endswith("; item 9 above 0 on 2 scores.")


def test_the_graph_rings_the_scores_with_item_9_above_0() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-02", 16, 2), ("2026-11-09", 15, 0), ("2026-11-16", 14, 1)])
    axes = progress_figure(status, date(2026, 10, 26)).axes[0]
    rings = [line for line in axes.get_lines() if line.get_label() == "Item 9 above 0"]
    assert len(rings) == 1 and rings[0].get_markeredgecolor() == RISK_COLOR
    assert list(rings[0].get_ydata()) == [16, 14]
    assert "Item 9 above 0" in [t.get_text() for t in axes.get_legend().get_texts()]


def test_the_chart_prints_item_9_under_the_graph(tmp_path: Path) -> None:
    text = edit(PLAN, ("          - { date: 2026-11-16, score: 15 }", "          - { date: 2026-11-16, score: 15, item9: 1 }"))
    sentence = next(t for t in paragraph_texts(render_plan(tmp_path, text)) if t.startswith("Latest PHQ-9 score"))
    assert sentence.endswith(f"{ASKS}1 (on several days) on November 16, 2026; any answer above 0 needs a risk follow-up.")
