"""Measurement-based care: where a measure stands, computed from its scores.

Pure data and wording, no plotting and no I/O, so that the chart, the site or an
export all say the same thing about a client's progress. Every clinical fact
(bands, cutoffs by age, reliable change, response, remission, the PHQ-9's item 9)
is read from the instrument table in ``instruments``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .instruments import Better, Cutoff, Instrument, age_on, percent, score_text, written_decimals
from .model import Measure, ScoreEntry

__all__ = [
    "MONTHS",
    "MeasureStatus",
    "birthday",
    "cutoff_sentence",
    "long_date",
    "measure_status",
    "points",
    "risk_item_recorded",
]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def long_date(day: date) -> str:
    """``November 2, 2026``: unambiguous to a US reader and independent of the machine's locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def points(value: float, decimals: int | None = None) -> str:
    return "1 point" if value == 1 else f"{score_text(value, decimals)} points"


def birthday(dob: date, age: int) -> date:
    """The day a client born on ``dob`` turns ``age`` (1 March for a 29 February birthday in other years)."""
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:
        return date(dob.year + age, 3, 1)


def risk_item_recorded(scores: Sequence[ScoreEntry]) -> int | None:
    """The index of the most recent score that records the risk item (``item9``), by date and, on one day, the last
    written; None when no score records it. Item 9 is judged by this score, not by the latest score: a later score
    that leaves item 9 blank says nothing about it, so an earlier answer above 0 still stands, unless that later
    score is a total of 0 (then item 9 was 0 too, and None is returned)."""
    recorded = [i for i, entry in enumerate(scores) if entry.item9 is not None]
    latest = max(recorded, key=lambda i: (scores[i].date, i), default=None)
    if latest is not None and any(entry.score == 0 and (entry.date, i) > (scores[latest].date, latest)
                                  for i, entry in enumerate(scores)):
        return None  # a later total of 0 says every item, item 9 included, was 0 then
    return latest


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
    cutoffs: tuple[tuple[Cutoff, str], ...]  # each cutoff for the client's age at the latest score, with its side
    dob: date | None = None  # the client's, for cutoffs by age; None: only the cutoffs for any age

    @property
    def latest(self) -> ScoreEntry | None:
        return self.scores[-1] if self.scores else None

    @property
    def improved(self) -> bool | None:
        """Whether the latest score is better than the baseline (None: no score, or no change)."""
        if not self.change:
            return None
        return (self.change < 0) == (self.instrument.better is Better.LOWER)

    @property
    def reliable(self) -> bool | None:
        """Whether the change reaches the instrument's reliable-change threshold (None: no change, or no threshold)."""
        threshold = self.instrument.reliable_change
        if not self.change or threshold is None:
            return None
        return abs(self.change) >= threshold

    @property
    def risk_answers(self) -> tuple[ScoreEntry, ...]:
        """The scores whose risk item (PHQ-9 item 9) was answered above 0, by date."""
        return tuple(entry for entry in self.scores if entry.item9)

    @property
    def latest_risk_entry(self) -> ScoreEntry | None:
        """The most recent score that records the risk item (None: no risk item, or no score records it)."""
        index = risk_item_recorded(self.scores) if self.instrument.risk_item is not None else None
        return None if index is None else self.scores[index]

    def cutoff_periods(self, start: date) -> tuple[tuple[Cutoff, date, date], ...]:
        """Each cutoff with the first and last day from ``start`` to the latest score on which it applies, by the
        client's age on each day (an adolescent who turns 18 moves from the adolescent to the adult cutoff)."""
        latest = self.latest
        if latest is None:
            return ()
        periods: list[tuple[Cutoff, date, date]] = []
        for cutoff in self.instrument.cutoffs:
            if cutoff.ages is None:
                periods.append((cutoff, start, latest.date))
            elif self.dob is not None:
                first = max(start, birthday(self.dob, cutoff.ages.low))
                last = latest.date if cutoff.ages.high is None else min(
                    latest.date, birthday(self.dob, cutoff.ages.high + 1) - timedelta(days=1))
                if first <= last:
                    periods.append((cutoff, first, last))
        return tuple(periods)

    def target_text(self) -> str:
        return f"{score_text(self.target)} or {self.instrument.better.value}"

    def sentences(self) -> list[str]:
        """The status in words, one fact a sentence: latest score and band, change, target, then the
        instrument's own criteria (response, remission, cutoffs)."""
        latest = self.latest
        if latest is None:
            return [f"No {self.instrument.name} scores recorded yet."]
        band = f", in the {self.band} band" if self.band else ""
        return [
            f"Latest {self.instrument.name} score {score_text(latest.score)} on {long_date(latest.date)}{band}.",
            self._change_sentence(),
            f"Target of {self.target_text()} {'met' if self.target_met else 'not met yet'}.",
            *self._criteria_sentences(),
            *(cutoff_sentence(cutoff, side) for cutoff, side in self.cutoffs),
            *self._risk_item_sentences(),
        ]

    def summary(self) -> str:
        """The series in one sentence, for alt text: first and last score with dates, baseline and target."""
        first, latest = self.scores[0], self.scores[-1]
        name = self.instrument.name
        series = (f"{name} score {score_text(latest.score)} on {long_date(latest.date)}" if len(self.scores) == 1 else
                  f"{name} scores from {score_text(first.score)} on {long_date(first.date)} to "
                  f"{score_text(latest.score)} on {long_date(latest.date)} ({len(self.scores)} scores)")
        band = f"; latest in the {self.band} band" if self.band else ""
        item = self.instrument.risk_item
        answers = len(self.risk_answers)
        risk = f"; {item.name} above 0 on {answers} score{'s' if answers > 1 else ''}" if item and answers else ""
        return f"{series}; baseline {score_text(self.baseline)}; target {self.target_text()}{band}{risk}."

    def _change_sentence(self) -> str:
        if not self.change:
            return f"No change from the baseline of {score_text(self.baseline)}."
        size = abs(self.change)
        share = f" ({percent(size / abs(self.baseline))})" if self.baseline else ""
        places = written_decimals(self.baseline, self.scores[-1].score)  # the float difference carries noise
        return (f"{'Down' if self.change < 0 else 'Up'} {points(size, places)}{share} from the baseline of "
                f"{score_text(self.baseline)}, {self._verdict()}.")

    def _verdict(self) -> str:
        """What the change means: only a change of at least the reliable-change threshold is called an improvement
        or a worsening, and an improvement is never announced without the risk item that is still above 0."""
        threshold = self.instrument.reliable_change
        if threshold is None:
            direction = "better" if self.improved else "worse"
            return f"in the {direction} direction (no reliable-change threshold is set for {self.instrument.name})"
        if not self.reliable:
            return f"no reliable change (that takes {points(threshold)})"
        if not self.improved:
            return f"a reliable worsening ({points(threshold)} or more)"
        verdict = f"a reliable improvement ({points(threshold)} or more)"
        item = self.instrument.risk_item
        entry = self.latest_risk_entry
        if item is not None and entry is not None and entry.item9:
            still = ("is still above 0" if entry is self.latest else
                     f"was above 0 on {long_date(entry.date)}, the most recent score that records it")
            verdict += f" in the total score, while {item.name} {still}"
        return verdict

    def _risk_item_sentences(self) -> list[str]:
        """Every answer above 0 on the risk item (PHQ-9 item 9), with its date, and that each needs follow-up."""
        item = self.instrument.risk_item
        if item is None or not self.risk_answers:
            return []
        answers = "; ".join(f"{entry.item9} ({item.answer(entry.item9 or 0)}) on {long_date(entry.date)}"
                            for entry in self.risk_answers)
        entry, now = self.latest_risk_entry, ""
        if entry is not None and entry.item9 == 0:  # an answer above 0 since then would be the one listed last
            where = ("the latest score" if entry is self.latest else
                     f"the most recent score that records it, {long_date(entry.date)},")
            now = f" On {where} it was 0 ({item.answer(0)})."
        return [f"{_capital(item.name)}, {item.asks}, was answered above 0: {answers}; "
                f"any answer above 0 needs a risk follow-up.{now}"]

    def _criteria_sentences(self) -> list[str]:
        found: list[str] = []
        fraction = self.instrument.response
        if self.response is not None and self.response_at is not None and fraction is not None:
            reduction = percent(fraction)
            found.append(f"Response: yes, at least a {reduction} reduction from the baseline." if self.response else
                         f"Response: not yet; that needs a {reduction} reduction from the baseline, to "
                         f"{score_text(self.response_at)} or lower.")
        below = self.instrument.remission
        if self.remission is not None and below is not None:
            found.append(f"Remission: {'yes' if self.remission else 'not yet'} (a score below {score_text(below)}).")
        return found


def cutoff_sentence(cutoff: Cutoff, side: str) -> str:
    """``Below the adolescent clinical cutoff of 28 (ages 13 to 17).``: the cutoff used is always named."""
    ages = f" ({cutoff.ages.describe()})" if cutoff.ages is not None else ""
    return f"{side.capitalize()} the {cutoff.label}{' range' if cutoff.upper is not None else ''} of {cutoff.span()}{ages}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def measure_status(measure: Measure, instrument: Instrument, dob: date | None = None) -> MeasureStatus:
    """Where ``measure`` stands by its scores, judged by ``instrument``'s direction, bands and criteria, and by
    the cutoffs for the client's age (from ``dob``) on the day of the latest score."""
    scores = tuple(sorted(measure.scores, key=lambda entry: entry.date))
    if not scores:
        return MeasureStatus(instrument, measure.baseline, measure.target, (), "", None, None, None,
                             instrument.response_score(measure.baseline), None, (), dob)
    score = scores[-1].score
    threshold = instrument.response_score(measure.baseline)
    age = None if dob is None else age_on(dob, scores[-1].date)
    return MeasureStatus(
        instrument, measure.baseline, measure.target, scores,
        band=instrument.band(score),
        change=score - measure.baseline,
        target_met=instrument.met(score, measure.target),
        response=None if threshold is None else score <= threshold,
        response_at=threshold,
        remission=None if instrument.remission is None else score < instrument.remission,
        cutoffs=tuple((cutoff, cutoff.side(score)) for cutoff in instrument.cutoffs_at(age)),
        dob=dob,
    )
