"""How often things happen, defined once: session schedules and the `every` grammar.

The schedule table is the one place that knows a schedule's name, how many days lie between its
sessions, its FHIR timing and how the chart says it; the plan model's type for
``frequency.schedule`` is built from the names here. The `every` grammar (``session``, ``2 weeks``,
``month``) is read here for measures, for ``risk.reassess`` (which may also start with "every") and
for the schedules clinicians write into an objective's measure ("PHQ-9 every 2 weeks").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

__all__ = [
    "DEFAULT_SESSION_DAYS",
    "SCHEDULES",
    "SCHEDULES_BY_NAME",
    "Every",
    "ScheduleName",
    "every_in_text",
    "interval_days",
    "parse_every",
]


@dataclass(frozen=True)
class Schedule:
    """A session schedule. ``days`` is the time between sessions (twice-weekly rounds 3.5 up), ``timing`` is
    FHIR's Timing.repeat (sessions, per period, period unit in UCUM), ``adjective`` and ``after`` are the words
    the chart puts before "sessions" and after the session length."""

    name: str
    days: int
    timing: tuple[int, int, str]
    adjective: str
    after: str = ""


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("weekly", 7, (1, 1, "wk"), "Weekly"),
    Schedule("twice-weekly", 4, (2, 1, "wk"), "Twice-weekly"),
    Schedule("biweekly", 14, (1, 2, "wk"), "", " every two weeks"),
    Schedule("monthly", 30, (1, 1, "mo"), "Monthly"),
)
SCHEDULES_BY_NAME: dict[str, Schedule] = {s.name: s for s in SCHEDULES}
DEFAULT_SESSION_DAYS = SCHEDULES_BY_NAME["weekly"].days  # `every: session` in a plan without a frequency

if TYPE_CHECKING:
    ScheduleName = str
else:  # built from the table, so the model, the JSON Schema and the site list exactly these names
    ScheduleName = Literal[tuple(s.name for s in SCHEDULES)]

UNIT_DAYS = {"week": 7, "month": 30}
_UNITS = r"(session|week|month)"
_EVERY = re.compile(rf"^(?:every )?(?:{_UNITS}|([1-9][0-9]*) {_UNITS}s?)$")
# In free text: "every 2 weeks", "every session", "each week", "weekly", "fortnightly", "monthly".
_IN_TEXT = re.compile(rf"\b(?:(?:every|each) (?:([1-9][0-9]*) )?{_UNITS}s?|(weekly|biweekly|fortnightly|monthly))\b",
                      re.IGNORECASE)
_ADVERBS = {"weekly": (1, "week"), "biweekly": (2, "week"), "fortnightly": (2, "week"), "monthly": (1, "month")}


@dataclass(frozen=True)
class Every:
    """``count`` sessions, weeks or months."""

    count: int
    unit: str  # session | week | month

    def days(self, schedule: str | None) -> int:
        """Days between two occasions: a session follows the plan's schedule, a week is 7 days, a month 30."""
        if self.unit == "session":
            per = SCHEDULES_BY_NAME[schedule].days if schedule is not None else DEFAULT_SESSION_DAYS
            return self.count * per
        return self.count * UNIT_DAYS[self.unit]

    def text(self) -> str:
        """``every session``, ``every 2 weeks``."""
        return f"every {self.unit}" if self.count == 1 else f"every {self.count} {self.unit}s"


def parse_every(text: str, *, every_word: bool = False) -> Every | None:
    """``session``, ``week``, ``month`` or ``N sessions|weeks|months`` (singular or plural); with
    ``every_word``, optionally after "every" (``every session``), as ``risk.reassess`` is written."""
    match = _EVERY.match(text)
    if match is None or (text.startswith("every ") and not every_word):
        return None
    if match.group(1):
        return Every(1, match.group(1))
    return Every(int(match.group(2)), match.group(3))


def every_in_text(text: str) -> tuple[Every, int, int] | None:
    """The first schedule written in free text ("PHQ-9 every 2 weeks", "ORS each session", "GAD-7 monthly")
    with its start and end offsets; None when the text names none."""
    match = _IN_TEXT.search(text)
    if match is None:
        return None
    if match.group(3):
        count, unit = _ADVERBS[match.group(3).lower()]
        return Every(count, unit), match.start(), match.end()
    return Every(int(match.group(1) or 1), match.group(2).lower()), match.start(), match.end()


def interval_days(every: str, schedule: str | None) -> int:
    """Days allowed between two occasions of a valid `every` (measures) or `reassess` value."""
    parsed = parse_every(every, every_word=True)
    if parsed is None:
        raise ValueError("`every` cannot be read")
    return parsed.days(schedule)
