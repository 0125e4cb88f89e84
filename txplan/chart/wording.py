"""The chart's wording: sentences and cell texts made from plan fields, shared by every renderer."""

from __future__ import annotations

from collections.abc import Sequence

from ..cadence import SCHEDULES_BY_NAME
from ..elements import Element
from ..history import Change
from ..instruments import Instrument, known_instrument, score_text
from ..model import Closure, Contact, Frequency, Goal, Measure, Plan, Risk
from ..policy import Policy
from ..progress import MeasureStatus, long_date, measure_status
from ..rules import element_required, instrument_for
from ..safety import CrisisLine

__all__ = [
    "DOCUMENT_SUBJECT",
    "DOCUMENT_TITLE",
    "DRAFT_MARK",
    "NOT_INCLUDED",
    "absence_note",
    "and_list",
    "capital",
    "change_row",
    "contact_text",
    "crisis_lines_text",
    "criteria_text",
    "expected_date",
    "final_score_row",
    "frequency_sentence",
    "instrument_description",
    "latest_score_text",
    "reassess_text",
    "screening_text",
    "status_of",
]

NOT_INCLUDED = "Not included: optional under clinic policy."
DRAFT_MARK = "DRAFT, not for signature"
DOCUMENT_TITLE = "Treatment plan"
DOCUMENT_SUBJECT = "Psychotherapy treatment plan"

SETTINGS = {"in-person": "in person", "telehealth": "by telehealth", "hybrid": "in person and by telehealth"}


def frequency_sentence(frequency: Frequency) -> str:
    """``Weekly individual and family sessions of 60 minutes, in person, for 13 weeks.``"""
    schedule = SCHEDULES_BY_NAME[frequency.schedule]
    sessions = f"{and_list(frequency.formats)} sessions of {frequency.minutes} minutes{schedule.after}"
    text = f"{schedule.adjective} {sessions}" if schedule.adjective else sessions
    weeks = "1 week" if frequency.weeks == 1 else f"{frequency.weeks} weeks"
    return f"{text[0].upper()}{text[1:]}, {SETTINGS[frequency.setting]}, for {weeks}."


def and_list(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def crisis_lines_text(lines: Sequence[CrisisLine]) -> str:
    return "; ".join(f"{line.name}: {line.phone}" for line in lines)


def screening_text(risk: Risk) -> str:
    screening = risk.screening
    return "Not recorded" if screening is None else f"{screening.instrument} on {long_date(screening.date)}"


def reassess_text(risk: Risk) -> str:
    return "Not scheduled" if risk.reassess is None else capital(
        risk.reassess if risk.reassess.startswith("every ") else f"every {risk.reassess}")


def expected_date(goal: Goal) -> str:
    """A goal has no target date of its own; it is expected when its last objective is."""
    return long_date(max(objective.target_date for objective in goal.objectives))


def criteria_text(closure: Closure) -> str:
    return {"all": "All", "some": "Some", "none": "None"}[closure.criteria_met]


def final_score_row(status: MeasureStatus) -> tuple[str, str, str, str]:
    """Instrument, baseline, final score with its date, and whether the target was met."""
    latest = status.latest
    final = "Not measured" if latest is None else f"{score_text(latest.score)} on {long_date(latest.date)}"
    met = "Not measured" if status.target_met is None else ("Met" if status.target_met else "Not met")
    return status.instrument.name, score_text(status.baseline), final, f"{status.target_text()}: {met}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def absence_note(element: Element, plan: Plan, policy: Policy) -> str:
    """Why a valid plan lacks an element: the plan's facts do not call for it, or the clinic made it optional."""
    if element.not_indicated and not element_required(element, plan, policy):
        return element.not_indicated
    return NOT_INCLUDED


def _instrument(measure: Measure) -> Instrument:
    instrument = instrument_for(measure)
    if instrument is None:
        raise ValueError(f"{measure.instrument} has no range; the plan was not checked")
    return instrument


def instrument_description(measure: Measure) -> str:
    """Name and what it measures (for instruments txplan knows), then its scale on a second line."""
    instrument = _instrument(measure)
    name = f"{instrument.name}: {instrument.measures}" if known_instrument(measure.instrument) else instrument.name
    return f"{name}\nScale {score_text(instrument.low)}\u2013{score_text(instrument.high)}, {instrument.better.value} is better"


def status_of(measure: Measure, plan: Plan) -> MeasureStatus:
    """The measure's status, judged by the cutoffs for the client's age."""
    return measure_status(measure, _instrument(measure), plan.client.dob)


def latest_score_text(status: MeasureStatus) -> str:
    if status.latest is None:
        return "Not yet measured"
    text = f"{score_text(status.latest.score)} on {long_date(status.latest.date)}" + (f" ({status.band})" if status.band else "")
    return text + ("; target met" if status.target_met else "")


def change_row(change: Change) -> tuple[str, str, str]:
    day = change.date.isoformat() if change.date is not None else "Not committed"
    return day, f"{change.subject} ({change.kind.value})", change.detail


def contact_text(contact: Contact) -> str:
    return f"{contact.name}: {contact.phone}" if contact.phone else contact.name
