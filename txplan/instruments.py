"""Standardized instruments txplan knows, defined once.

The checker validates ranges and direction from this table, the chart and the
site describe instruments from it. Any other instrument is accepted when the
plan states its range (and direction, default lower-is-better).
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
class Instrument:
    name: str
    measures: str
    low: float
    high: float
    better: Better
    bands: tuple[Band, ...] = ()
    cutoff: str = ""

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


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "PHQ-9", "depression", 0, 27, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
         Band(15, 19, "moderately severe"), Band(20, 27, "severe")),
        "response: at least 50 % reduction; remission: below 5",
    ),
    Instrument(
        "GAD-7", "anxiety", 0, 21, Better.LOWER,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
         Band(15, 21, "severe")),
        "10 is the usual screening cutoff",
    ),
    Instrument("PCL-5", "PTSD symptoms", 0, 80, Better.LOWER, (), "provisional cutoff 31-33"),
    Instrument("ORS", "outcome (Outcome Rating Scale)", 0, 40, Better.HIGHER, (),
               "adult clinical cutoff 25"),
    Instrument("SRS", "therapeutic alliance (Session Rating Scale)", 0, 40, Better.HIGHER, (),
               "below 36 flags a possible alliance problem"),
)

INSTRUMENTS_BY_NAME: dict[str, Instrument] = {i.name: i for i in INSTRUMENTS}


def custom_instrument(name: str, low: float, high: float, better: Better) -> Instrument:
    return Instrument(name, "as stated in the plan", low, high, better)
