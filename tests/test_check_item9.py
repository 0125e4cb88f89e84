"""PHQ-9 item 9 (`item9`, 0..3): only on the PHQ-9 (TX218), within 0..3 (TX106) and a whole number (TX103);
above 0 on the most recent score that records it while the plan records no risk, a warning (TX312); no more than
the score it is part of, nor so low that the other eight items cannot make up the rest (TX226).

Edits give the valid plan's PHQ-9 measure (line 61) scores; TODAY is 2026-11-10.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, CheckEdit, Clinic, diagnostics_of, edited_plan, position_of

EVERY = "        every: 2 weeks\n"
NO_RISK = ("  level: low", "  level: none")


def scores(*entries: str) -> tuple[str, str]:
    return EVERY, EVERY + "        scores:\n" + "".join(f"          - {{ {entry} }}\n" for entry in entries)


@pytest.mark.parametrize("answer", [0, 1, 2, 3])
def test_item9_from_0_to_3_is_accepted(check_edit: CheckEdit, answer: int) -> None:
    assert check_edit(scores(f"date: 2026-11-09, score: 14, item9: {answer}")) == []


def value_at(text: str, key: str) -> tuple[int, int]:
    """The position of the value after ``key: `` (``key`` must occur once)."""
    line, col = position_of(text, f"{key}: ")
    return line, col + len(key) + 2


@pytest.mark.parametrize(("value", "code"), [("4", "TX106"), ("-1", "TX106"), ("1.5", "TX103"), ("yes", "TX103"),
                                             ("true", "TX103"), ('"2"', "TX103")])
def test_item9_outside_0_to_3_or_not_a_whole_number_is_an_error_at_the_value(check_edit: CheckEdit, value: str,
                                                                            code: str) -> None:
    change = scores(f"date: 2026-11-09, score: 14, item9: {value}")
    assert check_edit(change) == [(code, *value_at(edited_plan(change), "item9"))]


@pytest.mark.parametrize("instrument", ["GAD-7", "PCL-5"])
def test_item9_on_another_instrument_is_tx218_at_the_key(check_edit: CheckEdit, instrument: str) -> None:
    changes = (scores("date: 2026-11-09, score: 14, item9: 1"), ("instrument: PHQ-9", f"instrument: {instrument}"))
    assert check_edit(*changes) == [("TX218", *position_of(edited_plan(*changes), "item9"))]


def test_item9_on_a_custom_instrument_is_tx218(check_edit: CheckEdit) -> None:
    change = scores("date: 2026-11-09, score: 14, item9: 0")
    found = check_edit(change, ("instrument: PHQ-9", "instrument: PHQ-8\n        range: [0, 24]"))
    assert [code for code, *_ in found] == ["TX218"]


def test_item9_above_0_on_the_latest_score_with_no_risk_is_tx312_at_that_value(check_edit: CheckEdit) -> None:
    change = scores("date: 2026-11-02, score: 15, item9: 0", "date: 2026-11-09, score: 14, item9: 2")
    text = edited_plan(change, NO_RISK)
    assert check_edit(change, NO_RISK) == [("TX312", *position_of(text, "2 }"))]


def test_the_latest_is_by_date_not_by_order_written(check_edit: CheckEdit) -> None:
    change = scores("date: 2026-11-09, score: 14, item9: 0", "date: 2026-11-02, score: 15, item9: 2")
    assert check_edit(change, NO_RISK) == []  # the positive answer is the older one


def test_a_recorded_risk_level_makes_it_no_warning(check_edit: CheckEdit) -> None:
    assert check_edit(scores("date: 2026-11-09, score: 14, item9: 1")) == []  # risk low


def test_an_older_answer_since_gone_to_0_with_no_risk_is_no_warning(check_edit: CheckEdit) -> None:
    change = scores("date: 2026-11-02, score: 15, item9: 1", "date: 2026-11-09, score: 14, item9: 0")
    assert check_edit(change, NO_RISK) == []


def test_a_later_score_without_item9_does_not_hide_an_earlier_answer_above_0(clinic: Clinic) -> None:
    """Item 9 is judged by the most recent score that records it: a later score that leaves it blank says nothing."""
    change = scores("date: 2026-11-02, score: 15, item9: 2", "date: 2026-11-09, score: 11")
    text = edited_plan(change, NO_RISK)
    (found,) = [d for d in diagnostics_of(clinic({"plan.md": text}, library=FIXTURE_TEMPLATES))
                if d.path == "plans/plan.md"]
    assert (found.code, found.line, found.col) == ("TX312", *position_of(text, "2 }"))
    assert "scores[0] (the most recent score that records it; the latest, scores[1], leaves it blank)" in found.message


def test_a_later_total_of_0_says_item9_was_0_too(check_edit: CheckEdit) -> None:
    """A PHQ-9 of 0 is nine answers of 0: an earlier item 9 above 0 no longer stands."""
    assert check_edit(scores("date: 2026-11-02, score: 15, item9: 2", "date: 2026-11-09, score: 0"), NO_RISK) == []


# -- TX226: item 9 is one of the items summed into the score -------------------------------------------

@pytest.mark.parametrize(("score", "answer"), [(1, 3), (0, 1), (2, 3)])
def test_item9_above_the_score_it_is_part_of_is_tx226_at_item9(check_edit: CheckEdit, score: int, answer: int) -> None:
    change = scores(f"date: 2026-11-09, score: {score}, item9: {answer}")
    assert check_edit(change) == [("TX226", *value_at(edited_plan(change), "item9"))]


@pytest.mark.parametrize(("score", "answer"), [(27, 0), (26, 1), (25, 0)])
def test_a_score_the_other_eight_items_cannot_reach_is_tx226(check_edit: CheckEdit, score: int, answer: int) -> None:
    """The other eight items add at most 24: 27 needs item 9 at 3, 25 at least 1."""
    change = scores(f"date: 2026-11-09, score: {score}, item9: {answer}")
    assert check_edit(change) == [("TX226", *value_at(edited_plan(change), "item9"))]


@pytest.mark.parametrize(("score", "answer"), [(3, 3), (0, 0), (24, 0), (27, 3), (25, 1)])
def test_item9_that_fits_the_score_is_fine(check_edit: CheckEdit, score: int, answer: int) -> None:
    assert check_edit(scores(f"date: 2026-11-09, score: {score}, item9: {answer}")) == []


def test_a_score_outside_the_range_is_only_tx212(check_edit: CheckEdit) -> None:
    change = scores("date: 2026-11-09, score: 30, item9: 0")
    assert [code for code, *_ in check_edit(change)] == ["TX212"]


def test_tx226_names_the_numbers_and_the_instrument(clinic: Clinic) -> None:
    text = edited_plan(scores("date: 2026-11-09, score: 1, item9: 3"))
    (found,) = [d for d in diagnostics_of(clinic({"plan.md": text}, library=FIXTURE_TEMPLATES))
                if d.path == "plans/plan.md"]
    assert found.message == "scores[0].item9 3 is more than the PHQ-9 score 1 it is part of; one of them is a typo"
