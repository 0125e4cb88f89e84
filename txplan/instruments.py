"""Standardized instruments txplan knows, defined once.

The checker validates ranges, direction, whole-number scores, the ages an
instrument is made for and the PHQ-9's item 9 from this table; the chart, its
progress graphs and the site describe instruments from it, and ``progress``
computes bands, cutoffs (by the client's age), reliable change, response and
remission from it. Any other instrument is accepted when the plan states its
range (and direction, default lower-is-better); it has no bands, cutoffs or
change criteria.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "INSTRUMENTS",
    "INSTRUMENTS_BY_NAME",
    "Ages",
    "Band",
    "Better",
    "Cutoff",
    "Instrument",
    "RiskItem",
    "age_on",
    "custom_instrument",
    "instrument_named",
    "known_instrument",
    "percent",
    "score_text",
    "written_decimals",
]


class Better(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


def age_on(dob: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Ages:
    """Ages ``low`` to ``high`` in whole years, both included; no ``high``: and over."""

    low: int
    high: int | None = None

    def __contains__(self, age: int) -> bool:
        return self.low <= age and (self.high is None or age <= self.high)

    def describe(self) -> str:
        return f"ages {self.low} and over" if self.high is None else f"ages {self.low} to {self.high}"


@dataclass(frozen=True)
class Cutoff:
    """A clinical cutoff: one score (ORS 25) or, where the literature gives a range, ``value`` to ``upper``
    (PCL-5 31-33). ``note`` says what being on the wrong side of it means, when the label alone does not;
    ``ages`` limits it to clients of those ages (the ORS has one cutoff for adults, one for adolescents and
    one for children)."""

    value: float
    label: str
    upper: float | None = None
    note: str = ""
    ages: Ages | None = None

    @property
    def high(self) -> float:
        return self.value if self.upper is None else self.upper

    def span(self) -> str:
        return score_text(self.value) if self.upper is None else f"{score_text(self.value)}\u2013{score_text(self.upper)}"

    def side(self, score: float) -> str:
        """Where a score lies: ``below``, ``above``, or ``at`` the cutoff (``within`` a range of cutoffs)."""
        if score < self.value:
            return "below"
        if score > self.high:
            return "above"
        return "at" if self.upper is None else "within"

    def applies_at(self, age: int | None) -> bool:
        """Whether the cutoff applies to a client of this age (None: age unknown, only cutoffs for any age)."""
        return self.ages is None or (age is not None and age in self.ages)

    def describe(self) -> str:
        ages = f" ({self.ages.describe()})" if self.ages is not None else ""
        return f"{self.label} {self.span()}{ages}" + (f": {self.note}" if self.note else "")


@dataclass(frozen=True)
class RiskItem:
    """An item of an instrument that asks about suicide risk and is recorded on its own (the PHQ-9's item 9):
    what it asks, and the meaning of each answer from 0 up."""

    name: str
    asks: str
    answers: tuple[str, ...]

    def answer(self, value: int) -> str:
        return self.answers[value]

    @property
    def top(self) -> int:
        """The highest answer (3 for the PHQ-9's item 9)."""
        return len(self.answers) - 1


@dataclass(frozen=True)
class Instrument:
    """One instrument. ``response`` and ``remission`` are for lower-is-better scales: a response is a
    reduction of at least that fraction of the baseline, remission a score below that value.
    ``reliable_change`` is the smallest change in points that counts as a real change rather than
    measurement noise; ``decimals`` how many decimal places a score may have (None: any); ``ages`` whom the
    instrument is made for (None: not limited here); ``view`` the part of the scale a graph shows at least
    (alliance scores gather near the top); ``risk_item`` the item recorded on its own (``item9``)."""

    name: str
    measures: str
    low: float
    high: float
    better: Better
    bands: tuple[Band, ...] = ()
    cutoffs: tuple[Cutoff, ...] = ()
    response: float | None = None
    remission: float | None = None
    reliable_change: float | None = None
    decimals: int | None = None
    ages: Ages | None = None
    view: tuple[float, float] | None = None
    risk_item: RiskItem | None = None
    instead: str = ""  # the version to use outside ``ages``

    def in_range(self, score: float) -> bool:
        return self.low <= score <= self.high

    def improves(self, baseline: float, target: float) -> bool:
        """A target is an improvement when it lies on the better side of the baseline."""
        return target < baseline if self.better is Better.LOWER else target > baseline

    def range_text(self) -> str:
        """The range as messages give it, "0 to 27": with a dash, a negative range read "-10--0.5"."""
        return f"{score_text(self.low)} to {score_text(self.high)}"

    def met(self, score: float, target: float) -> bool:
        """Reaching the target means at or below it (at or above when higher is better)."""
        return score <= target if self.better is Better.LOWER else score >= target

    def rest_of_total(self) -> float:
        """The most the items other than the risk item can add to the total (24 for the PHQ-9: 8 items of 0-3)."""
        return self.high - (self.risk_item.top if self.risk_item is not None else 0)

    def band(self, score: float) -> str:
        return next((b.label for b in self.bands if b.low <= score <= b.high), "")

    def response_score(self, baseline: float) -> float | None:
        """The highest score that counts as a response from this baseline."""
        return None if self.response is None else baseline * (1 - self.response)

    def cutoffs_at(self, age: int | None) -> tuple[Cutoff, ...]:
        """The cutoffs that apply to a client of this age."""
        return tuple(c for c in self.cutoffs if c.applies_at(age))

    def precise_enough(self, score: float) -> bool:
        """Whether the score has no more decimal places than the instrument's scoring gives."""
        return self.decimals is None or round(score, self.decimals) == score

    def precision(self) -> str:
        return "whole numbers" if self.decimals == 0 else f"at most {self.decimals} decimal place(s)"

    @property
    def cutoff(self) -> str:
        """Cutoffs and change criteria in words, for tables (the site's notes column); written from the numbers."""
        notes = [c.describe() for c in self.cutoffs]
        if self.reliable_change is not None:
            notes.append(f"reliable change: {score_text(self.reliable_change)} points")
        if self.response is not None:
            notes.append(f"response: at least {percent(self.response)} reduction")
        if self.remission is not None:
            notes.append(f"remission: below {score_text(self.remission)}")
        if self.ages is not None:
            notes.append(f"for {self.ages.describe()}" + (f"; {self.instead}" if self.instead else ""))
        if self.risk_item is not None:
            notes.append(f"{self.risk_item.name} ({self.risk_item.asks}) recorded as item9")
        return "; ".join(notes)


def score_text(value: float, decimals: int | None = None) -> str:
    """A score, baseline, target, change or cutoff as a reader compares it with another: exact, never rounded to six
    digits nor in exponent form (``:g`` printed a target of 1234567 as 1.23457e+06, so a score of 1234500 looked
    met), whole numbers without a decimal point (1234567), others with the decimals they have (999999.5, 0.00001).
    ``decimals``: round to that many places first, for a computed value (a change) whose float carries noise."""
    exact = Decimal(repr(float(value) if decimals is None else round(value, decimals)))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f")


def written_decimals(*values: float) -> int:
    """The most decimal places any of ``values`` has as written: a difference of them needs no more."""
    return max((max(-int(Decimal(repr(float(v))).normalize().as_tuple().exponent), 0) for v in values), default=0)


def percent(fraction: float) -> str:
    """``50 %``, with a no-break space so the sign never starts a line."""
    return f"{fraction * 100:.0f}\u00a0%"


ADULTS, ADOLESCENTS, CHILDREN = Ages(18), Ages(13, 17), Ages(6, 12)
ALLIANCE_VIEW = (20.0, 40.0)  # alliance ratings gather between 30 and 40; below 20 the axis grows to fit

PHQ9_ITEM9 = RiskItem(
    "item 9", "thoughts of being better off dead or of hurting oneself",
    ("not at all", "on several days", "on more than half the days", "nearly every day"),
)

INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "PHQ-9", "depression", 0, 27, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
         Band(15, 19, "moderately severe"), Band(20, 27, "severe")),
        response=0.5, remission=5, reliable_change=5, decimals=0, risk_item=PHQ9_ITEM9,
    ),
    Instrument(
        "GAD-7", "anxiety", 0, 21, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
        (Cutoff(10, "usual screening cutoff"),), reliable_change=4, decimals=0,
    ),
    Instrument("PCL-5", "PTSD symptoms", 0, 80, Better.LOWER, cutoffs=(Cutoff(31, "provisional cutoff", upper=33),),
               reliable_change=10, decimals=0),
    Instrument("ORS", "outcome (Outcome Rating Scale)", 0, 40, Better.HIGHER,
               cutoffs=(Cutoff(25, "adult clinical cutoff", ages=ADULTS),
                        Cutoff(28, "adolescent clinical cutoff", ages=ADOLESCENTS),
                        Cutoff(32, "child clinical cutoff", ages=CHILDREN,
                               note="children complete the ORS's child version, the CORS, recorded as ORS")),
               reliable_change=5, decimals=1, ages=Ages(CHILDREN.low)),
    Instrument("SRS", "therapeutic alliance (Session Rating Scale)", 0, 40, Better.HIGHER,
               cutoffs=(Cutoff(36, "alliance cutoff", note="below it flags a possible alliance problem"),),
               decimals=1, ages=Ages(ADOLESCENTS.low), view=ALLIANCE_VIEW,
               instead="children 6 to 12 complete the CSRS"),
    Instrument("CSRS", "therapeutic alliance (Child Session Rating Scale)", 0, 40, Better.HIGHER,
               decimals=1, ages=CHILDREN, view=ALLIANCE_VIEW, instead="from 13 the SRS"),
)

INSTRUMENTS_BY_NAME: dict[str, Instrument] = {i.name: i for i in INSTRUMENTS}
_BY_FOLDED_NAME: dict[str, Instrument] = {i.name.casefold(): i for i in INSTRUMENTS}


def known_instrument(name: str) -> Instrument | None:
    """The instrument txplan knows by this name, in any case and with any surrounding space (``ors`` is the ORS).
    Every lookup goes through here: a known instrument written in another case must keep its direction, range,
    bands and cutoffs, not become a custom scale that reads a real decline as progress."""
    return _BY_FOLDED_NAME.get(name.strip().casefold())


def custom_instrument(name: str, low: float, high: float, better: Better) -> Instrument:
    return Instrument(name, "as stated in the plan", low, high, better)


def instrument_named(text: str, name: str) -> int | None:
    """Where ``text`` names the instrument (as a whole word, any case: "PHQ-9 every 2 weeks"): the offset just
    after the name, or None."""
    match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE)
    return None if match is None else match.end()
