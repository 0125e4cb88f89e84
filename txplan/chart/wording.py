"""The chart's wording: sentences and cell texts made from plan fields, shared by every renderer."""

from __future__ import annotations

from ..elements import Element
from ..history import Change
from ..instruments import INSTRUMENTS_BY_NAME, Instrument
from ..model import Contact, Frequency, Measure, Plan
from ..policy import Policy
from ..progress import MeasureStatus, long_date, measure_status
from ..rules import element_required, instrument_for

__all__ = [
    "CONFIDENTIAL",
    "DOCUMENT_SUBJECT",
    "DOCUMENT_TITLE",
    "DRAFT_MARK",
    "NOT_INCLUDED",
    "absence_note",
    "change_row",
    "contact_text",
    "frequency_sentence",
    "instrument_description",
    "latest_score_text",
    "status_of",
]

NOT_INCLUDED = "Not included: optional under clinic policy."
CONFIDENTIAL = "Confidential: protected health information"
DRAFT_MARK = "DRAFT, not for signature"
DOCUMENT_TITLE = "Treatment plan"
DOCUMENT_SUBJECT = "Psychotherapy treatment plan"

SCHEDULES = {  # schedule -> (adjective before "sessions", phrase after the length)
    "weekly": ("Weekly", ""),
    "twice-weekly": ("Twice-weekly", ""),
    "biweekly": ("", " every two weeks"),
    "monthly": ("Monthly", ""),
}
SETTINGS = {"in-person": "in person", "telehealth": "by telehealth", "hybrid": "in person and by telehealth"}


def frequency_sentence(frequency: Frequency) -> str:
    adjective, after = SCHEDULES[frequency.schedule]
    sessions = f"{frequency.format} sessions of {frequency.minutes} minutes{after}"
    text = f"{adjective} {sessions}" if adjective else sessions
    weeks = "1 week" if frequency.weeks == 1 else f"{frequency.weeks} weeks"
    return f"{text[0].upper()}{text[1:]}, {SETTINGS[frequency.setting]}, for {weeks}."


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
    name = f"{instrument.name}: {instrument.measures}" if measure.instrument in INSTRUMENTS_BY_NAME else instrument.name
    return f"{name}\nScale {instrument.low:g}\u2013{instrument.high:g}, {instrument.better.value} is better"


def status_of(measure: Measure) -> MeasureStatus:
    return measure_status(measure, _instrument(measure))


def latest_score_text(measure: Measure) -> str:
    status = status_of(measure)
    if status.latest is None:
        return "Not yet measured"
    text = f"{status.latest.score:g} on {long_date(status.latest.date)}" + (f" ({status.band})" if status.band else "")
    return text + ("; target met" if status.target_met else "")


def change_row(change: Change) -> tuple[str, str, str]:
    day = change.date.isoformat() if change.date is not None else "Not committed"
    return day, f"{change.subject} ({change.kind.value})", change.detail


def contact_text(contact: Contact) -> str:
    return f"{contact.name}: {contact.phone}" if contact.phone else contact.name
