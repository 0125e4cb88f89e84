"""Did you mean: a misspelt name is reported at its place with the known name it is closest to.

Only names txplan knows are ever suggested (instrument names, template ids, keys of the format, element keys,
policy keys); what was typed is not repeated, since it may be plan text. Policy keys are pinned in
test_check_policy.py.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, TEMPLATE, Clinic, diagnostics_of, edit, edited_plan, position_of

from txplan.diagnostics import Diagnostic, did_you_mean

INSTRUMENT = "      - instrument: PHQ-9"  # line 61
HOMEWORK_USE = "    - use: thought-record"  # line 48


def plan_findings(clinic: Clinic, text: str) -> list[Diagnostic]:
    root = clinic({"plan.md": text}, library=FIXTURE_TEMPLATES)
    return [d for d in diagnostics_of(root) if d.path == "plans/plan.md"]


@pytest.mark.parametrize("typed", ["PHQ9", "PHQ 9", "Phq9"])  # `phq-9` is the PHQ-9 (test_check_measures.py)
def test_a_misspelt_known_instrument_is_offered_before_a_range(clinic: Clinic, typed: str) -> None:
    """Giving `PHQ9` a range would make it a custom instrument and drop the PHQ-9's bands: the name comes first."""
    text = edited_plan((INSTRUMENT, f"      - instrument: {typed}"))
    [found] = plan_findings(clinic, text)
    assert (found.code, found.line, found.col) == ("TX214", *position_of(text, typed))
    assert "did you mean `PHQ-9`? If it is another instrument, give its `range: [min, max]`" in found.message
    assert typed not in found.message


def test_an_instrument_near_no_known_one_is_asked_for_its_range(clinic: Clinic) -> None:
    [found] = plan_findings(clinic, edited_plan((INSTRUMENT, "      - instrument: WHO-5")))
    assert found.code == "TX214"
    assert "did you mean" not in found.message
    assert "PHQ-9, GAD-7" in found.message and "give its `range: [min, max]`" in found.message
    assert "WHO-5" not in found.message


def test_a_misspelt_template_id_is_offered_the_template(clinic: Clinic) -> None:
    text = edited_plan((HOMEWORK_USE, "    - use: thougth-record"))
    [found] = plan_findings(clinic, text)
    assert (found.code, found.line, found.col) == ("TX220", *position_of(text, "thougth-record"))
    assert found.message == ("no template `thougth-record` in templates/interventions/; "
                             "did you mean `thought-record`?")


def test_a_template_id_near_no_template_gets_no_guess(clinic: Clinic) -> None:
    [found] = plan_findings(clinic, edited_plan((HOMEWORK_USE, "    - use: genogram")))
    assert found.message == "no template `genogram` in templates/interventions/"


@pytest.mark.parametrize(("typed", "meant"), [("homwork", "homework"), ("emotional-processing", "emotional_processing"),
                                              ("Skills", "skills")])
def test_a_misspelt_element_under_interventions_is_offered_the_element(clinic: Clinic, typed: str, meant: str) -> None:
    text = edited_plan(("  homework:\n", f"  {typed}:\n"))
    unknown = [d for d in plan_findings(clinic, text) if d.code == "TX102"]
    assert [(d.line, d.col) for d in unknown] == [position_of(text, typed)]
    assert unknown[0].message.endswith(f"; did you mean `{meant}`?")


def test_a_template_whose_element_is_misspelt_is_offered_the_element(clinic: Clinic) -> None:
    text = edit(TEMPLATE, ("element: skills", "element: skils"))
    root = clinic(templates={"zz-test.md": text}, library=())
    [found] = diagnostics_of(root)
    assert (found.code, found.line, found.col) == ("TX105", *position_of(text, "skils"))
    assert found.message.endswith("; did you mean `skills`?")


@pytest.mark.parametrize(("typed", "known", "expected"), [
    ("PHQ9", ["PHQ-9", "GAD-7"], "; did you mean `PHQ-9`?"),
    ("reveiw_interval_days", ["review_interval_days", "clinic"], "; did you mean `review_interval_days`?"),
    ("Jordan Rivera", ["homework", "skills"], ""),
    ("---", ["homework"], ""),
    ("homework", [], ""),
])
def test_did_you_mean_suggests_only_a_known_name(typed: str, known: list[str], expected: str) -> None:
    assert did_you_mean(typed, known) == expected
