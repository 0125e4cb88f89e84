"""A safety plan a client can use in a crisis: dialable phones (TX216), a 24-hour crisis line when the crisis
element is required (TX217), support contacts with a phone (TX306), safety-plan steps whose entries say something
(TX307), and the clinic's `crisis_lines` policy.

Edits apply to tests/fixtures/check/high-risk-plan.md (risk high; support contact on line 66, professional
contact on line 68, means safety on line 69).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURE_TEMPLATES, HIGH_RISK_PLAN, CheckPlan, Clinic, diagnostics_of, edit, position_of

from txplan.diagnostics import Diagnostic
from txplan.policy import Policy, load_policy
from txplan.safety import DEFAULT_CRISIS_LINE, dialable

SUPPORT = "      - { name: Sam Test, phone: 555-0142 }"
PROFESSIONAL = "      - { name: 988 Suicide & Crisis Lifeline, phone: 988 }"
MEANS = "    means_safety: [Medications kept by partner]"
OFFICE = "      - { name: Dr. Lee Test, phone: 555-0100 }"
CLINIC_LINE = '[tool.txplan]\ncrisis_lines = [{ name = "County crisis line", phone = "555-0199" }]\n'


def at(text: str, needle: str, code: str) -> tuple[str, int, int]:
    return (code, *position_of(text, needle))


def found(clinic: Clinic, text: str) -> list[Diagnostic]:
    return diagnostics_of(clinic({"plan.md": text}, library=FIXTURE_TEMPLATES))


# -- TX216 phones are dialable -----------------------------------------------------------------------

@pytest.mark.parametrize("phone", ['"call me"', "555-CALL", '"ask at the front desk"', '"12"', '"+1 (555) 0100 ext 4"',
                                   '"1234567890123456"', '"++1 555 0100"', '"555 0100 +"'])
def test_a_phone_that_cannot_be_dialled_is_tx216_at_the_value(check_plan: CheckPlan, phone: str) -> None:
    text = edit(HIGH_RISK_PLAN, (SUPPORT, f"      - {{ name: Sam Test, phone: {phone} }}"))
    assert check_plan(text) == [at(text, phone, "TX216")]


def test_a_professional_phone_that_cannot_be_dialled_is_tx216(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, f'{PROFESSIONAL}\n      - {{ name: Dr. Lee Test, phone: "call me" }}'))
    assert check_plan(text) == [at(text, '"call me"', "TX216")]


@pytest.mark.parametrize("phone", ["988", "911", "555-0142", "(555) 010-0142", "+1 555 010 0142", "+44 20 7946 0958",
                                   "555.010.0142", "123456789012345"])
def test_digits_with_the_usual_separators_are_dialable(phone: str) -> None:
    assert dialable(phone)


def test_the_message_names_the_rule_and_not_the_value(clinic: Clinic) -> None:
    text = edit(HIGH_RISK_PLAN, (SUPPORT, '      - { name: Sam Test, phone: "ring Sam" }'))
    (diagnostic,) = found(clinic, text)
    assert diagnostic.code == "TX216" and "ring" not in diagnostic.message and "3 to 15 digits" in diagnostic.message


# -- TX217 a 24-hour crisis line when the crisis element is required ---------------------------------

def test_a_required_safety_plan_without_a_crisis_line_is_tx217_at_professional_contacts(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, OFFICE))
    assert check_plan(text) == [at(text, "professional_contacts:", "TX217")]


@pytest.mark.parametrize(("phone", "crisis_line"), [('"988"', True), ("988", True), ('"+1 988"', False)])
def test_988_is_the_crisis_line_as_it_is_dialled(check_plan: CheckPlan, phone: str, crisis_line: bool) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, f"{OFFICE}\n      - {{ name: Lifeline, phone: {phone} }}"))
    assert check_plan(text) == ([] if crisis_line else [at(text, "professional_contacts:", "TX217")])


def test_a_clinic_crisis_line_counts_and_988_still_does(check_plan: CheckPlan) -> None:
    county = edit(HIGH_RISK_PLAN, (PROFESSIONAL, "      - { name: County crisis team, phone: (555) 0199 }"))
    assert check_plan(county, pyproject=CLINIC_LINE) == []
    assert check_plan(county) == [at(county, "professional_contacts:", "TX217")]  # not a line of the default policy
    assert check_plan(HIGH_RISK_PLAN, pyproject=CLINIC_LINE) == []


def test_no_crisis_line_is_needed_when_the_crisis_element_is_not_required(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, OFFICE), ("  level: high", "  level: low"))
    assert check_plan(text) == []


def test_no_professional_phone_at_all_is_one_tx211_not_also_tx217(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (PROFESSIONAL, "      - { name: Dr. Lee Test }"))
    assert check_plan(text) == [at(text, "professional_contacts:", "TX211")]


# -- TX306 and TX307: warnings that say why -----------------------------------------------------------

def test_a_support_contact_without_a_phone_is_tx306_at_the_contact(clinic: Clinic) -> None:
    text = edit(HIGH_RISK_PLAN, (SUPPORT, "      - { name: Sam Test }"))
    (diagnostic,) = found(clinic, text)
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == at(text, "{ name: Sam Test }", "TX306")
    assert "look the number up" in diagnostic.message and "Sam" not in diagnostic.message


@pytest.mark.parametrize("entry", ["none", "None needed", "N/A", "n/a.", "NA", "nothing", "not applicable", "-",
                                   "Not assessed", "Not discussed", "Deferred", "nil", "TBD", "To be determined",
                                   "unknown", "Pending", "?", "NONE.", " n / a "])
def test_a_means_safety_entry_that_says_nothing_is_tx307_at_the_entry(check_plan: CheckPlan, entry: str) -> None:
    text = edit(HIGH_RISK_PLAN, (MEANS, f'    means_safety: [Medications kept by partner, "{entry}"]'))
    assert check_plan(text) == [at(text, f'"{entry}"', "TX307")]


@pytest.mark.parametrize(("line", "step", "entry"), [
    ("    warning_signs: [Staying in bed past noon]", "warning_signs", "none"),
    ("    coping_strategies: [Walk the dog around the block]", "coping_strategies", "n/a"),
    ("    social_distractions: [Go to the library café]", "social_distractions", "Not discussed"),
], ids=["warning signs", "coping strategies", "social distractions"])
def test_an_entry_of_any_step_that_says_nothing_is_tx307_at_the_entry(clinic: Clinic, line: str, step: str,
                                                                       entry: str) -> None:
    """`warning_signs: [none]` and `coping_strategies: [n/a]` were clean: every step is the client's own words."""
    text = edit(HIGH_RISK_PLAN, (line, f"    {step}: [{entry}]"))
    (diagnostic,) = found(clinic, text)
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == at(text, f"{entry}]", "TX307")
    assert diagnostic.message.startswith(f"crisis.{step}[0] says nothing; the client reads a safety plan in a crisis")
    assert "in their own words" in diagnostic.message


@pytest.mark.parametrize(("old", "new", "needle"), [
    (SUPPORT, "      - { name: none, phone: 555-0142 }", "none, phone"),
    (PROFESSIONAL, f"{PROFESSIONAL}\n      - {{ name: TBD, phone: 555-0100 }}", "TBD"),
], ids=["support contact", "professional contact"])
def test_a_contact_whose_name_says_nothing_is_tx307_at_the_name(check_plan: CheckPlan, old: str, new: str,
                                                                needle: str) -> None:
    text = edit(HIGH_RISK_PLAN, (old, new))
    assert check_plan(text) == [at(text, needle, "TX307")]


@pytest.mark.parametrize("entry", ["No access to firearms", "None of the above apply at home", "Nobody"])
def test_an_entry_that_says_something_is_fine_whatever_its_first_word(check_plan: CheckPlan, entry: str) -> None:
    text = edit(HIGH_RISK_PLAN, (MEANS, f"    means_safety: [{entry}]"))
    assert check_plan(text) == []


def test_a_means_safety_entry_that_records_an_agreement_is_fine(check_plan: CheckPlan) -> None:
    text = edit(HIGH_RISK_PLAN, (MEANS, "    means_safety: [No firearms at home (asked client and partner)]"))
    assert check_plan(text) == []


# -- the clinic's crisis lines ------------------------------------------------------------------------

def test_the_default_crisis_line_is_988() -> None:
    assert Policy().crisis_lines == (DEFAULT_CRISIS_LINE,)
    assert (DEFAULT_CRISIS_LINE.name, DEFAULT_CRISIS_LINE.phone) == ("988 Suicide & Crisis Lifeline", "988")


@pytest.mark.parametrize("table", [
    'crisis_lines = [{ name = "County line", phone = "call us" }]',
    "crisis_lines = []",
    'crisis_lines = [{ name = "County line" }]',
    'crisis_lines = [{ name = "County line", phone = "555-0199", hours = "24/7" }]',
    'crisis_lines = "988"',
], ids=["phone not dialable", "empty", "no phone", "unknown key", "text"])
def test_invalid_crisis_lines_are_tx501(clinic: Clinic, table: str) -> None:
    root = clinic({}, pyproject=f"[tool.txplan]\n{table}\n", library=())
    assert [(d.path, d.code, d.line) for d in diagnostics_of(root)] == [("pyproject.toml", "TX501", 2)]  # at the key
    assert load_policy(root)[0] == Policy()


@pytest.mark.parametrize("name", ["\u0623\u0645\u064a", "\u738b\u82b3", "\u041c\u0430\u043c\u0430", "911"])
def test_a_contact_named_in_another_script_or_by_a_number_says_something(check_plan: CheckPlan, name: str) -> None:
    """Placeholders were found by their ASCII letters only, so an Arabic, Chinese or Cyrillic name (and "911")
    read as an empty entry."""
    assert check_plan(edit(HIGH_RISK_PLAN, (SUPPORT, f"      - {{ name: \"{name}\", phone: 555-0142 }}"))) == []
