"""The example clinic's plans (plans/) check clean and show what each is there to show."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from txplan.check import CheckedPlan, CheckResult, check_project
from txplan.instruments import INSTRUMENTS_BY_NAME, age_on
from txplan.model import Plan

EXAMPLES = sorted((REPO / "plans").glob("*.md"))


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return check_project(REPO)


def plan(result: CheckResult, stem: str) -> Plan:
    checked: CheckedPlan = next(c for c in result.plans if Path(c.path).stem == stem)
    assert checked.plan is not None
    return checked.plan


def test_there_are_at_least_five_example_plans() -> None:
    assert len(EXAMPLES) >= 5


CHANGED_AFTER_SIGNING = "plans/c-1003-high-risk-safety-plan.md"  # on purpose: scripts/sign_examples.py


def test_every_example_plan_and_template_checks_without_errors_and_warns_only_of_the_plan_changed_after_signing(
        result: CheckResult) -> None:
    assert [(d.path, d.code) for d in result.diagnostics] == [(f"{CHANGED_AFTER_SIGNING}.signatures", "TX701")] * 3
    assert all(c.ok for c in result.plans)


def test_the_active_examples_are_signed_and_one_was_signed_at_an_earlier_version(result: CheckResult) -> None:
    for checked in result.plans:
        assert checked.plan is not None
        if checked.plan.status == "active":
            assert checked.signatures and all(s.record is not None for s in checked.signatures)
            assert all(s.current for s in checked.signatures) == (checked.path != CHANGED_AFTER_SIGNING)


def test_every_example_uses_templates_and_text_items_and_names_who_is_responsible(result: CheckResult) -> None:
    for checked in result.plans:
        assert checked.plan is not None
        usables = [item for _, item in checked.plan.usables()]
        assert any(item.use for item in usables), checked.path
        assert any(item.text for item in usables), checked.path
        assert any(getattr(item, "by", None) for item in usables), checked.path


def test_every_example_is_fictional(result: CheckResult) -> None:
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        phones = [word.strip('",}') for word in text.split() if word.strip('",}').startswith("555-")]
        assert all(p.startswith("555-01") for p in phones), path


def test_low_risk_depression_needs_no_safety_plan(result: CheckResult) -> None:
    low = plan(result, "c-1001-low-risk-depression")
    assert low.risk.level == "low"
    assert low.interventions.crisis is None
    measure = low.interventions.evaluation.measures[0]  # type: ignore[union-attr]
    assert measure.instrument == "PHQ-9" and len(measure.scores) >= 2


def test_interpersonal_plan_has_relationship_work(result: CheckResult) -> None:
    interpersonal = plan(result, "c-1002-interpersonal")
    assert interpersonal.has_interpersonal_goal()
    uses = {item.use for item in interpersonal.interventions.items("relationships")}
    assert {"interpersonal-inventory", "couples-soft-startup"} <= uses
    instruments = {m.instrument for m in interpersonal.interventions.evaluation.measures}  # type: ignore[union-attr]
    assert {"GAD-7", "ORS", "SRS"} <= instruments


def test_interpersonal_plan_uses_the_role_play_and_journaling_templates_the_requirement_names(result: CheckResult) -> None:
    """Role-play (relationships) and journaling (homework), added to the library for issue 16, in a real plan."""
    interpersonal = plan(result, "c-1002-interpersonal")
    assert "relationship-role-play" in {item.use for item in interpersonal.interventions.items("relationships")}
    assert "reflective-journaling" in {item.use for item in interpersonal.interventions.items("homework")}


def test_high_risk_plan_has_a_complete_stanley_brown_safety_plan(result: CheckResult) -> None:
    high = plan(result, "c-1003-high-risk-safety-plan")
    assert high.risk.level == "high"
    crisis = high.interventions.crisis
    assert crisis is not None
    assert all([crisis.warning_signs, crisis.coping_strategies, crisis.social_distractions, crisis.support_contacts,
                crisis.professional_contacts, crisis.means_safety, crisis.reasons_for_living])
    assert "988" in {c.phone for c in crisis.professional_contacts}
    assert {"safety-plan-review", "lethal-means-counseling"} <= {item.use for item in crisis.items}
    assert high.risk.screening is not None and high.risk.reassess == "every session"


def test_ptsd_plan_is_a_draft_with_pcl5_and_a_custom_instrument(result: CheckResult) -> None:
    ptsd = plan(result, "c-1004-ptsd-draft")
    assert ptsd.status == "draft"
    measures = ptsd.interventions.evaluation.measures  # type: ignore[union-attr]
    assert "PCL-5" in {m.instrument for m in measures}
    custom = [m for m in measures if m.instrument not in INSTRUMENTS_BY_NAME]
    assert custom and all(m.range is not None and m.better is not None for m in custom)


def test_the_examples_show_the_fields_of_v1_1(result: CheckResult) -> None:
    """One adolescent ORS, PHQ-9 scores with item 9, one closed plan with its closure, and a list of formats."""
    adolescent = plan(result, "c-1005-adolescent-ocd-family")
    measures = adolescent.interventions.evaluation.measures  # type: ignore[union-attr]
    ors = next(m for m in measures if m.instrument == "ORS")
    assert all(13 <= age_on(adolescent.client.dob, s.date) <= 17 for s in ors.scores) and ors.scores
    for stem in ("c-1001-low-risk-depression", "c-1003-high-risk-safety-plan"):
        phq9 = next(m for m in plan(result, stem).interventions.evaluation.measures  # type: ignore[union-attr]
                    if m.instrument == "PHQ-9")
        assert any(s.item9 for s in phq9.scores), stem
    closed = plan(result, "c-1006-panic-closed")
    assert closed.status == "closed" and closed.closure is not None and closed.closure.criteria_met == "all"
    assert plan(result, "c-1002-interpersonal").interventions.frequency.formats == (  # type: ignore[union-attr]
        "individual", "couples")
