"""Crisis work written under `interventions.crisis.items` (safety-plan review, lethal-means counselling, CAMS) is
printed in the crisis element, right after the safety plan, so the chart shows it together."""

from __future__ import annotations

from pathlib import Path

from conftest import edit
from docx_helpers import PLAN, block_text, headings, paragraph_texts, render_plan

ITEMS = """    reasons_for_living: [My niece]
    items:
      - use: safety-plan-review
        with: { cadence: at the start of every session }
        for: [O2]
      - text: Call Jordan the day after any missed session.
        for: [O1]
        by: Clinic front desk
"""


def test_crisis_items_follow_the_safety_plan_in_the_crisis_element(tmp_path: Path) -> None:
    document = render_plan(tmp_path, edit(PLAN, ("    reasons_for_living: [My niece]\n", ITEMS)))
    found = headings(document)
    crisis = found.index((2, "Crisis management and safety planning"))
    assert found[crisis + 1:crisis + 3] == [(3, "Crisis interventions"), (2, "Evaluation and feedback")]
    texts = paragraph_texts(document)
    start = texts.index("Crisis interventions")
    assert texts[start + 1].startswith("Avery Chen, LCSW and Jordan will review Jordan's written safety plan at the start "
                                       "of every session")
    assert "Serves: O2 \u00b7 Responsible: Avery Chen, LCSW" in texts[start:]
    assert texts[texts.index("Call Jordan the day after any missed session."):][1] == (
        "Serves: O1 \u00b7 Responsible: Clinic front desk")
    blocks = [block_text(child) for child in document.element.body]
    form = next(i for i, text in enumerate(blocks) if text.startswith("Step 1Warning signs"))
    assert blocks[form + 1] == "Crisis interventions"  # right after the safety plan form


def test_a_safety_plan_without_items_has_no_crisis_interventions_heading(tmp_path: Path) -> None:
    assert (3, "Crisis interventions") not in headings(render_plan(tmp_path, PLAN))
