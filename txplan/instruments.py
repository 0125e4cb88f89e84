"""Standardized instruments txplan knows, defined once.

The checker validates ranges and direction from this table; the chart, its
progress graphs and the site describe instruments from it, and ``progress``
computes bands, cutoffs, response and remission from it. Any other instrument
is accepted when the plan states its range (and direction, default
lower-is-better); it has no bands, cutoffs or change criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Better(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Cutoff:
    """A clinical cutoff: one score (ORS 25) or, where the literature gives a range, ``value`` to ``upper``
    (PCL-5 31-33). ``note`` says what being on the wrong side of it means, when the label alone does not."""

    value: float
    label: str
    upper: float | None = None
    note: str = ""

    @property
    def high(self) -> float:
        return self.value if self.upper is None else self.upper

    def span(self) -> str:
        return f"{self.value:g}" if self.upper is None else f"{self.value:g}\u2013{self.upper:g}"

    def side(self, score: float) -> str:
        """Where a score lies: ``below``, ``above``, or ``at`` the cutoff (``within`` a range of cutoffs)."""
        if score < self.value:
            return "below"
        if score > self.high:
            return "above"
        return "at" if self.upper is None else "within"

    def describe(self) -> str:
        return f"{self.label} {self.span()}" + (f": {self.note}" if self.note else "")


@dataclass(frozen=True)
class Instrument:
    """One instrument. ``response`` and ``remission`` are for lower-is-better scales: a response is a
    reduction of at least that fraction of the baseline, remission a score below that value."""

    name: str
    measures: str
    low: float
    high: float
    better: Better
    bands: tuple[Band, ...] = ()
    cutoffs: tuple[Cutoff, ...] = ()
    response: float | None = None
    remission: float | None = None

    def in_range(self, score: float) -> bool:
        return self.low <= score <= self.high

    def improves(self, baseline: float, target: float) -> bool:
        """A target is an improvement when it lies on the better side of the baseline."""
        return target < baseline if self.better is Better.LOWER else target > baseline

    def met(self, score: float, target: float) -> bool:
        """Reaching the target means at or below it (at or above when higher is better)."""
        return score <= target if self.better is Better.LOWER else score >= target

    def band(self, score: float) -> str:
        return next((b.label for b in self.bands if b.low <= score <= b.high), "")

    def response_score(self, baseline: float) -> float | None:
        """The highest score that counts as a response from this baseline."""
        return None if self.response is None else baseline * (1 - self.response)

    @property
    def cutoff(self) -> str:
        """Cutoffs and change criteria in words, for tables (the site's notes column); written from the numbers."""
        notes = [c.describe() for c in self.cutoffs]
        if self.response is not None:
            notes.append(f"response: at least {percent(self.response)} reduction")
        if self.remission is not None:
            notes.append(f"remission: below {self.remission:g}")
        return "; ".join(notes)


def percent(fraction: float) -> str:
    """``50 %``, with a no-break space so the sign never starts a line."""
    return f"{fraction * 100:.0f}\u00a0%"


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "PHQ-9", "depression", 0, 27, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
         Band(15, 19, "moderately severe"), Band(20, 27, "severe")),
        response=0.5, remission=5,
    ),
    Instrument(
        "GAD-7", "anxiety", 0, 21, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
        (Cutoff(10, "usual screening cutoff"),),
    ),
    Instrument("PCL-5", "PTSD symptoms", 0, 80, Better.LOWER, cutoffs=(Cutoff(31, "provisional cutoff", upper=33),)),
    Instrument("ORS", "outcome (Outcome Rating Scale)", 0, 40, Better.HIGHER,
               cutoffs=(Cutoff(25, "adult clinical cutoff"),)),
    Instrument("SRS", "therapeutic alliance (Session Rating Scale)", 0, 40, Better.HIGHER,
               cutoffs=(Cutoff(36, "alliance cutoff", note="below it flags a possible alliance problem"),)),
)

INSTRUMENTS_BY_NAME: dict[str, Instrument] = {i.name: i for i in INSTRUMENTS}


def custom_instrument(name: str, low: float, high: float, better: Better) -> Instrument:
    return Instrument(name, "as stated in the plan", low, high, better)
