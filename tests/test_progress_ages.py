"""Cutoffs by the client's age on each score's date: the ORS judges adults against 25, adolescents (13 to 17)
against 28 and children (6 to 12, the CORS) against 32; the status sentence and the graph name the cutoff used."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import edit
from docx_helpers import PLAN, paragraph_texts, render_plan, status_for

from txplan.progress import birthday
from txplan.progress_chart import progress_figure

TEEN = date(2011, 3, 17)  # 15 in November 2026


@pytest.mark.parametrize(("dob", "label", "value", "ages"), [
    (date(1990, 5, 1), "adult clinical cutoff", 25, "18 and over"),
    (TEEN, "adolescent clinical cutoff", 28, "13 to 17"),
    (date(2016, 5, 1), "child clinical cutoff", 32, "6 to 12"),
])
def test_the_cutoff_is_the_one_for_the_clients_age(dob: date, label: str, value: int, ages: str) -> None:
    status = status_for("ORS", 18, 30, [("2026-11-25", 26)], dob=dob)
    expected = "above" if value < 26 else "below"
    assert status.sentences()[-1] == f"{expected.capitalize()} the {label} of {value} (ages {ages})."
    assert [(cutoff.label, side) for cutoff, side in status.cutoffs] == [(label, expected)]


def test_the_age_is_taken_on_the_latest_scores_date() -> None:
    # 17 on November 2, 18 on November 3, 2026
    dob = date(2008, 11, 3)
    assert status_for("ORS", 18, 30, [("2026-11-02", 26)], dob=dob).cutoffs[0][0].value == 28
    assert status_for("ORS", 18, 30, [("2026-11-02", 22), ("2026-11-03", 26)], dob=dob).cutoffs[0][0].value == 25


def test_a_graph_across_a_birthday_draws_each_cutoff_over_its_own_days() -> None:
    dob = date(2008, 11, 10)  # turns 18 on November 10, 2026
    status = status_for("ORS", 18, 30, [("2026-11-02", 22), ("2026-11-23", 26)], dob=dob)
    periods = [(c.value, first, last) for c, first, last in status.cutoff_periods(date(2026, 10, 26))]
    assert periods == [(25, date(2026, 11, 10), date(2026, 11, 23)), (28, date(2026, 10, 26), date(2026, 11, 9))]
    legend = [t.get_text() for t in progress_figure(status, date(2026, 10, 26)).axes[0].get_legend().get_texts()]
    assert {"Adult clinical cutoff (25)", "Adolescent clinical cutoff (28)"} <= set(legend)


def test_a_29_february_birthday_falls_on_1_march_in_other_years() -> None:
    assert birthday(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)


def test_the_graph_names_the_adolescent_cutoff_in_its_legend_and_margin() -> None:
    figure = progress_figure(status_for("ORS", 18, 27, [("2026-11-25", 24)], dob=TEEN), date(2026, 10, 12))
    axes = figure.axes[0]
    assert "Adolescent clinical cutoff (28)" in [t.get_text() for t in axes.get_legend().get_texts()]
    assert "adolescent\nclinical cutoff\n28" in [t.get_text() for t in axes.texts]


def test_the_chart_judges_an_adolescent_by_the_adolescent_cutoff(tmp_path: Path) -> None:
    text = edit(PLAN, ("  dob: 1988-03-14", "  dob: 2011-03-17"), (
        "      - instrument: PDSS\n        range: [0, 28]\n        better: lower\n        baseline: 16\n        target: 7\n",
        "      - instrument: ORS\n        baseline: 18\n        target: 29\n        scores:\n"
        "          - { date: 2026-11-16, score: 26 }\n"))
    texts = paragraph_texts(render_plan(tmp_path, text))
    sentence = next(t for t in texts if t.startswith("Latest ORS score"))
    assert sentence.endswith("Below the adolescent clinical cutoff of 28 (ages 13 to 17).")
