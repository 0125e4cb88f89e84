"""Goals have no target date of their own; the chart prints the latest target date of a goal's objectives as the
date the goal is expected by, under the goal's words."""

from __future__ import annotations

from pathlib import Path

from conftest import edit
from docx_helpers import PLAN, paragraph_texts, render_plan


def test_each_goal_is_expected_by_its_latest_objective(tmp_path: Path) -> None:
    texts = paragraph_texts(render_plan(tmp_path, PLAN))  # O1 by January 15, O2 by January 31, 2027
    goal = texts.index("\u201cFeel like myself again and get back to my friends\u201d")
    assert texts[goal + 1] == "Expected by January 31, 2027, the latest target date of its objectives."


def test_the_order_objectives_are_written_in_does_not_matter(tmp_path: Path) -> None:
    text = edit(PLAN, ("            target_date: 2027-01-31", "            target_date: 2027-01-10"))
    texts = paragraph_texts(render_plan(tmp_path, text))
    assert "Expected by January 15, 2027, the latest target date of its objectives." in texts
