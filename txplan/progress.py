"""Measurement-based care: where a measure stands, computed from its scores.

Pure data and wording, no plotting and no I/O, so that the chart, the site or an
export all say the same thing about a client's progress. Every clinical fact
(bands, cutoffs, response and remission) is read from the instrument table in
``instruments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .instruments import Better, Cutoff, Instrument, percent
from .model import Measure, ScoreEntry

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def long_date(day: date) -> str:
    """``November 2, 2026``: unambiguous to a US reader and independent of the machine's locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def points(value: float) -> str:
    return "1 point" if value == 1 else f"{value:g} points"


@dataclass(frozen=True)
class MeasureStatus:
    """One measure's progress. Fields that need a score are None until the first score is recorded;
    ``response`` and ``remission`` are also None for instruments that do not define them."""

    instrument: Instrument
    baseline: float
    target: float
    scores: tuple[ScoreEntry, ...]  # by date; entries of one day keep the order they were written in
    band: str  # of the latest score; "" when the instrument has no bands
    change: float | None  # latest minus baseline
    target_met: bool | None
    response: bool | None
    response_at: float | None  # the highest score that counts as a response from this baseline
    remission: bool | None
    cutoffs: tuple[tuple[Cutoff, str], ...]  # each cutoff with the side the latest score is on

    @property
    def latest(self) -> ScoreEntry | None:
        return self.scores[-1] if self.scores else None

    @property
    def improved(self) -> bool | None:
        """Whether the latest score is better than the baseline (None: no score, or no change)."""
        if not self.change:
            return None
        return (self.change < 0) == (self.instrument.better is Better.LOWER)

    def target_text(self) -> str:
        return f"{self.target:g} or {self.instrument.better.value}"

    def sentences(self) -> list[str]:
        """The status in words, one fact a sentence: latest score and band, change, target, then the
        instrument's own criteria (response, remission, cutoffs)."""
        latest = self.latest
        if latest is None:
            return [f"No {self.instrument.name} scores recorded yet."]
        band = f", in the {self.band} band" if self.band else ""
        return [
            f"Latest {self.instrument.name} score {latest.score:g} on {long_date(latest.date)}{band}.",
            self._change_sentence(),
            f"Target of {self.target_text()} {'met' if self.target_met else 'not met yet'}.",
            *self._criteria_sentences(),
            *(f"{side.capitalize()} the {cutoff.label}{' range' if cutoff.upper is not None else ''} of {cutoff.span()}."
              for cutoff, side in self.cutoffs),
        ]

    def summary(self) -> str:
        """The series in one sentence, for alt text: first and last score with dates, baseline and target."""
        first, latest = self.scores[0], self.scores[-1]
        name = self.instrument.name
        series = (f"{name} score {latest.score:g} on {long_date(latest.date)}" if len(self.scores) == 1 else
                  f"{name} scores from {first.score:g} on {long_date(first.date)} to {latest.score:g} on "
                  f"{long_date(latest.date)} ({len(self.scores)} scores)")
        band = f"; latest in the {self.band} band" if self.band else ""
        return f"{series}; baseline {self.baseline:g}; target {self.target_text()}{band}."

    def _change_sentence(self) -> str:
        if not self.change:
            return f"No change from the baseline of {self.baseline:g}."
        size = abs(self.change)
        share = f" ({percent(size / abs(self.baseline))})" if self.baseline else ""
        verdict = "an improvement" if self.improved else "a worsening"
        return f"{'Down' if self.change < 0 else 'Up'} {points(size)}{share} from the baseline of {self.baseline:g}, {verdict}."

    def _criteria_sentences(self) -> list[str]:
        found: list[str] = []
        fraction = self.instrument.response
        if self.response is not None and self.response_at is not None and fraction is not None:
            reduction = percent(fraction)
            found.append(f"Response: yes, at least a {reduction} reduction from the baseline." if self.response else
                         f"Response: not yet; that needs a {reduction} reduction from the baseline, to "
                         f"{self.response_at:g} or lower.")
        if self.remission is not None:
            found.append(f"Remission: {'yes' if self.remission else 'not yet'} (a score below "
                         f"{self.instrument.remission:g}).")
        return found


def measure_status(measure: Measure, instrument: Instrument) -> MeasureStatus:
    """Where ``measure`` stands by its scores, judged by ``instrument``'s direction, bands and criteria."""
    scores = tuple(sorted(measure.scores, key=lambda entry: entry.date))
    if not scores:
        return MeasureStatus(instrument, measure.baseline, measure.target, (), "", None, None, None,
                             instrument.response_score(measure.baseline), None, ())
    score = scores[-1].score
    threshold = instrument.response_score(measure.baseline)
    return MeasureStatus(
        instrument, measure.baseline, measure.target, scores,
        band=instrument.band(score),
        change=score - measure.baseline,
        target_met=instrument.met(score, measure.target),
        response=None if threshold is None else score <= threshold,
        response_at=threshold,
        remission=None if instrument.remission is None else score < instrument.remission,
        cutoffs=tuple((cutoff, cutoff.side(score)) for cutoff in instrument.cutoffs),
    )
