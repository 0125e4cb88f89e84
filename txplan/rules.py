"""The checker's rules: what a well-formed plan must also satisfy.

Each rule is a small function from a plan (and its positions) to diagnostics,
and names the top-level sections it reads. ``check_rules`` runs every rule
whose sections are valid, so a typo in `interventions` does not hide a date
error: every problem that can be found is reported in one run.

``copied_objectives`` is the one rule across plans; it works on hashes of
objective texts so that the build state can keep them without keeping PHI.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .cadence import every_in_text, parse_every
from .diagnostics import Diagnostic, did_you_mean, make
from .elements import ELEMENTS, ELEMENTS_BY_KEY, STANLEY_BROWN_STEPS, Element, Shape, When
from .frontmatter import ISOLATES, Document, KeyPath, shown_key
from .instruments import (
    INSTRUMENTS_BY_NAME,
    Better,
    Instrument,
    age_on,
    custom_instrument,
    instrument_named,
    known_instrument,
    score_text,
)
from .model import ID_PATTERN, Contact, Crisis, Measure, Objective, Plan, Usable
from .policy import Policy
from .progress import risk_item_recorded
from .safety import DEFAULT_CRISIS_LINE, PHONE_RULE, dialable, phone_digits, risk_at_or_above, says_nothing
from .templates import Library

__all__ = [
    "CARRIES_NUMBER",
    "ICD10_CM",
    "MAY",
    "MEASURABLE",
    "NO_HARM_CONTRACT",
    "RULES",
    "STAFF_SUBJECT",
    "VAGUE_VERBS",
    "Context",
    "ObjectiveText",
    "ObjectiveTexts",
    "Rule",
    "check_rules",
    "closure_recorded",
    "copied_objectives",
    "crisis_line_listed",
    "dates_in_order",
    "diagnosis_codes",
    "element_required",
    "instrument_for",
    "measure_ages",
    "measures_valid",
    "objective_measures",
    "objective_paths",
    "objective_subjects",
    "objective_texts",
    "objective_wording",
    "objectives_served",
    "required_elements",
    "risk_follow_up",
    "risk_item_answered",
    "safety_plan_complete",
    "safety_plan_reachable",
    "scores_after_birth",
    "shown_id",
    "template_elements",
    "template_uses",
    "unique_ids",
]

ICD10_CM = re.compile(r"^[A-Z][0-9]{2}(?:\.[A-Z0-9]{1,4})?$")

# A count is a number; "each", "every", "per" and "all" alone are not ("feel less anxious each day").
_COUNT_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen"
                r"|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|hundred|dozen|once|twice|thrice|half")
_FREQUENCY_WORDS = r"daily|weekly|biweekly|fortnightly|monthly|nightly|hourly|times"
_MONTHS = r"january|february|march|april|june|july|august|september|october|november|december"
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
MEASURABLE = re.compile(rf"\d|\b(?:{_COUNT_WORDS}|{_FREQUENCY_WORDS}|{_MONTHS}|{_DAYS})\b", re.IGNORECASE)
CARRIES_NUMBER = re.compile(rf"\d|\b(?:{_COUNT_WORDS})\b", re.IGNORECASE)
VAGUE_VERBS = re.compile(r"\b(improve[sd]?|understand[s]?|explore[sd]?|feel(?:s)? better|tolerate[sd]?)\b",
                         re.IGNORECASE)
MAY = re.compile(r"\bmay\b", re.IGNORECASE)
# "May" the month ("by May 2027", "before the end of May") is a date, not the modal verb.
_MONTH_MAY = re.compile(r"(?:\b(?:by|in|until|before|after|since|from|of|during|mid|early|late)\s+)May\b|\bMay\s+\d")


def _says_may(statement: str, names: set[str]) -> bool:
    """Whether the statement uses the modal "may"; the month May does not count, nor a client named May."""
    months = [m.span() for m in _MONTH_MAY.finditer(statement)]
    named = "may" in names
    return any(not any(a <= m.start() < b for a, b in months) and not (named and m.group(0) == "May")
               for m in MAY.finditer(statement))


def _measurable(statement: str) -> bool:
    """A number, a frequency word or a month name; "May" counts only where it is the month."""
    return bool(MEASURABLE.search(statement) or _MONTH_MAY.search(statement))


# The subject of "... will": staff rather than the client.
_STAFF = (r"(?:the |this |a |our )?(?:therapist|clinician|counsell?or|staff|provider|writer|psychologist|psychiatrist|"
          r"social worker|case manager|care coordinator|treatment team|team|clinic|program)s?")
STAFF_SUBJECT = re.compile(rf"^{_STAFF}(?:(?:,| and| or) {_STAFF})*$", re.IGNORECASE)
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof"})
# A promise not to self-harm in place of a plan: "will be safe", "will contract for safety", "no-harm contract", and a
# small grammar of refusals: "will not / won't / agrees not to / promises not to" + "attempt suicide / kill himself /
# harm / hurt / self-harm / engage in self-harm", and "will refrain from" + "self-harm / harming herself / suicide
# attempts". Acts on suicidal or self-harm urges count; other urges ("will not act on urges to check the stove", an
# exposure objective) and a behaviour about self-harm ("will reduce self-harm urges from daily to weekly") do not.
_SELF = r"(?:(?:him|her|them|my|your|our)sel(?:f|ves)|oneself)"
_SELF_HARM = r"self[- ]?(?:harm|injur(?:e|y))"
_URGES = (rf"act on (?:(?:suicidal|{_SELF_HARM}) (?:thoughts|urges|impulses)|(?:thoughts|urges|impulses) to "
          rf"(?:{_SELF_HARM}|die|(?:kill|harm|hurt) {_SELF}))")
# "will not harm for 12 weeks": harm or hurt with no object is the client's own; with one ("harm him", "hurt the
# friendship") it is about someone or something else.
_HARM_ALONE = (r"(?:harm|hurt)(?=\s*(?:$|[,.;:)]|\b(?:for|during|until|again|in|while|before|after|between|over|"
               r"this|at|on|from|through|any\s+more|anymore)\b))")
_REFUSE = (r"(?:will not|will never|won['\u2019]?t|(?:agrees?|agreed|promises?|promised|commits?|committed|pledges?) "
           r"(?:not to|to not|never to))(?: ever| again)?")
_ACT = (rf"(?:(?:try|attempt) to )?(?:attempt suicide|commit suicide|(?:engage in )?{_SELF_HARM}|{_URGES}"
        rf"|(?:kill|harm|hurt|injure|cut) {_SELF}|{_HARM_ALONE})")
_REFRAIN = r"(?:will|agrees? to|promises? to|commits? to) (?:refrain|abstain) from"
_ACTING = (r"(?:attempting suicide|suicide attempts?|suicidal (?:acts|behaviou?rs?)"
           r"|(?:engaging in )?self[- ]?(?:harm(?:ing)?|injur(?:y|ing))|self[- ]?injurious behaviou?rs?"
           rf"|(?:killing|harming|hurting|injuring|cutting) {_SELF})")
NO_HARM_CONTRACT = re.compile(
    r"\bcontract(?:s|ed|ing)? for safety\b|\b(?:safety|no[- ](?:harm|suicide|self[- ]harm)) (?:contract|agreement|pact)\b"
    rf"|\b{_REFUSE} {_ACT}\b|\b{_REFRAIN} {_ACTING}\b",
    re.IGNORECASE)
# "... will stay safe" is a contract only when the client is the one who promises it: "her children will be safe
# from her ex-partner" (a domestic-violence plan) is not.
_STAYS_SAFE = re.compile(r"\bwill (?:be|remain|stay|keep (?:him|her|them|my)sel(?:f|ves)) safe\b", re.IGNORECASE)
_CLIENT_WORDS = frozenset({"client", "the client", "i", "he", "she", "they", "patient", "the patient"})


_WILL = re.compile(r"(?<=\s)will\b", re.IGNORECASE)  # one character of lookbehind: linear on any run of spaces


def _subject(statement: str) -> str:
    """The words before the first "will", or "" when the statement has no "will"."""
    match = _WILL.search(statement)
    return " ".join(statement[:match.start()].split()) if match else ""


def _name_words(name: str) -> list[str]:
    """A name's words, without titles or credentials: "Dr. Sam Sample, PsyD" gives "sam", "sample"."""
    return [w.casefold() for w in ISOLATES.sub("", name).split(",")[0].replace(".", " ").split()
            if w.casefold() not in _TITLES]


def _name_forms(name: str) -> set[str]:
    """How a person may be named in a sentence: first name, last name, or both ("sam", "sample", "sam sample")."""
    words = _name_words(name)
    return {" ".join(words[:1]), " ".join(words[-1:]), " ".join(words)} - {""}


@dataclass(frozen=True)
class Context:
    plan: Plan
    document: Document
    policy: Policy
    library: Library
    today: date

    def at(self, path: KeyPath, code: str, message: str) -> Diagnostic:
        return make(self.document.path, self.document.positions.of_value(path), code, message)

    def at_key(self, path: KeyPath, code: str, message: str) -> Diagnostic:
        return make(self.document.path, self.document.positions.of_key(path), code, message)


Rule = Callable[[Context], Iterator[Diagnostic]]


def objective_paths(plan: Plan) -> Iterator[tuple[KeyPath, Objective]]:
    for p, problem in enumerate(plan.problems):
        for g, goal in enumerate(problem.goals):
            for o, objective in enumerate(goal.objectives):
                yield ("problems", p, "goals", g, "objectives", o), objective


def unique_ids(ctx: Context) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for path, item_id in _all_ids(ctx.plan):
        if item_id in seen:
            yield ctx.at((*path, "id"), "TX203", f"id `{item_id}` is already used on line {seen[item_id]}")
        else:
            seen[item_id] = ctx.document.positions.of_value((*path, "id"))[0]


def _all_ids(plan: Plan) -> Iterator[tuple[KeyPath, str]]:
    for p, problem in enumerate(plan.problems):
        yield ("problems", p), problem.id
        for g, goal in enumerate(problem.goals):
            yield ("problems", p, "goals", g), goal.id
            for o, objective in enumerate(goal.objectives):
                yield ("problems", p, "goals", g, "objectives", o), objective.id


def objectives_served(ctx: Context) -> Iterator[Diagnostic]:
    known = {objective.id for _, objective in objective_paths(ctx.plan)}
    served: set[str] = set()
    for path, item in ctx.plan.usables():
        for index, objective_id in enumerate(getattr(item, "for_", ())):
            served.add(objective_id)
            if objective_id not in known:
                yield ctx.at((*path, "for", index), "TX202",
                             f"`for` names `{objective_id}`, which is not an objective of this plan")
    for path, objective in objective_paths(ctx.plan):
        if objective.id not in served:
            yield ctx.at_key((*path, "id"), "TX201",
                             f"objective {objective.id} is not served by any intervention; name it in an item's `for`")


def dates_in_order(ctx: Context) -> Iterator[Diagnostic]:
    dates = ctx.plan.dates
    if dates.review <= dates.effective:
        yield ctx.at(("dates", "review"), "TX204", "dates.review must be after dates.effective")
    elif dates.review > dates.effective + timedelta(days=ctx.policy.review_interval_days):
        days = (dates.review - dates.effective).days
        yield ctx.at(("dates", "review"), "TX205",
                     f"dates.review is {days} days after dates.effective; the clinic policy allows "
                     f"{ctx.policy.review_interval_days}")
    for path, objective in objective_paths(ctx.plan):
        if objective.target_date <= dates.effective:
            yield ctx.at((*path, "target_date"), "TX206",
                         f"target_date of {objective.id} must be after dates.effective")
    dob = ctx.plan.client.dob
    if dob >= ctx.today or dob >= dates.effective:
        yield ctx.at(("client", "dob"), "TX207", "client.dob must be in the past and before dates.effective")


def diagnosis_codes(ctx: Context) -> Iterator[Diagnostic]:
    for index, diagnosis in enumerate(ctx.plan.diagnoses):
        if not ICD10_CM.match(diagnosis.code):
            yield ctx.at(("diagnoses", index, "code"), "TX208",
                         "diagnosis code must look like F33.1: a capital letter, two digits, "
                         "then optionally a dot and 1-4 letters or digits")


def element_required(element: Element, plan: Plan, policy: Policy) -> bool:
    """Whether the plan must have this element, given its facts and the clinic policy."""
    if element.when is When.INTERPERSONAL:
        return plan.has_interpersonal_goal()
    if element.when is When.RISK:
        return risk_at_or_above(plan.risk.level, policy.crisis_required_at)
    return element.key not in policy.optional_elements


def required_elements(ctx: Context) -> Iterator[Diagnostic]:
    for element in ELEMENTS:
        if getattr(ctx.plan.interventions, element.key) is None and element_required(element, ctx.plan, ctx.policy):
            reason = {
                When.ALWAYS: "every plan needs it",
                When.INTERPERSONAL: "a goal is marked interpersonal",
                When.RISK: f"risk level is {ctx.plan.risk.level}",
            }[element.when]
            # at the element's key when it is written but empty (`skills:`), else at `interventions:`
            yield ctx.at_key(("interventions", element.key), "TX209",
                             f"interventions.{element.key} ({element.title.lower()}) is missing; {reason}")


def safety_plan_complete(ctx: Context) -> Iterator[Diagnostic]:
    crisis = ctx.plan.interventions.crisis
    if crisis is None:
        return
    base: KeyPath = ("interventions", "crisis")
    for key, title in STANLEY_BROWN_STEPS:
        if not getattr(crisis, key):
            yield ctx.at_key((*base, key), "TX210", f"crisis.{key} is empty: {title.lower()}")
    if crisis.professional_contacts and not any(c.phone for c in crisis.professional_contacts):
        yield ctx.at_key((*base, "professional_contacts"), "TX211",
                         f"no professional contact has a phone; add one, such as the {DEFAULT_CRISIS_LINE.name} "
                         f"({DEFAULT_CRISIS_LINE.phone})")


def _contacts(crisis: Crisis) -> Iterator[tuple[KeyPath, str, Contact]]:
    base: KeyPath = ("interventions", "crisis")
    for key in ("support_contacts", "professional_contacts"):
        for index, contact in enumerate(getattr(crisis, key)):
            yield (*base, key, index), key, contact


def safety_plan_reachable(ctx: Context) -> Iterator[Diagnostic]:
    """Phones a client can dial, support contacts with one, and safety-plan steps whose entries say something."""
    crisis = ctx.plan.interventions.crisis
    if crisis is None:
        return
    for path, key, contact in _contacts(crisis):
        if contact.phone is not None and not dialable(contact.phone):
            yield ctx.at((*path, "phone"), "TX216", f"crisis.{key}[{path[-1]}].phone must be a phone number a client "
                                                    f"can dial: {PHONE_RULE}")
        elif contact.phone is None and key == "support_contacts":
            yield ctx.at(path, "TX306", f"crisis.support_contacts[{path[-1]}] has no phone; in a crisis the client "
                                        "should not have to look the number up")
    yield from _empty_entries(ctx, crisis)


_STEP_TITLES = dict(STANLEY_BROWN_STEPS)


def _step_entries(crisis: Crisis) -> Iterator[tuple[KeyPath, str, str]]:
    """Every entry of every Stanley-Brown step with its path and step key; a contact by its name."""
    for key, _ in STANLEY_BROWN_STEPS:
        for index, entry in enumerate(getattr(crisis, key)):
            path: KeyPath = ("interventions", "crisis", key, index)
            if isinstance(entry, Contact):
                yield (*path, "name"), key, entry.name
            else:
                yield path, key, entry


def _empty_entries(ctx: Context, crisis: Crisis) -> Iterator[Diagnostic]:
    """TX307: a safety-plan entry that is a placeholder ("none", "n/a", "not assessed"). The client reads the plan in
    a crisis, so each step is written with them, in their words; lethal means say what was asked and agreed."""
    for path, key, entry in _step_entries(crisis):
        if not says_nothing(entry):
            continue
        advice = ("record what was asked about lethal means (firearms, medications) and what was agreed"
                  if key == "means_safety" else
                  f"the client reads a safety plan in a crisis, so write this step ({_STEP_TITLES[key].lower()}) "
                  "with them, in their own words")
        name = f"crisis.{key}[{path[3]}]" + (".name" if path[-1] == "name" else "")
        yield ctx.at(path, "TX307", f"{name} says nothing; {advice}")


def crisis_line_listed(ctx: Context) -> Iterator[Diagnostic]:
    """When the crisis element is required, a 24-hour line (988 or one of the policy's) is a professional contact."""
    crisis = ctx.plan.interventions.crisis
    phones = [c.phone for c in crisis.professional_contacts if c.phone is not None] if crisis is not None else []
    if not phones or not element_required(ELEMENTS_BY_KEY["crisis"], ctx.plan, ctx.policy):
        return  # no phone at all is already a TX211
    lines = {phone_digits(line.phone) for line in (DEFAULT_CRISIS_LINE, *ctx.policy.crisis_lines)}
    if not any(phone_digits(phone) in lines for phone in phones):
        names = ", ".join(f"{line.name} ({line.phone})" for line in ctx.policy.crisis_lines)
        yield ctx.at_key(("interventions", "crisis", "professional_contacts"), "TX217",
                         f"risk level {ctx.plan.risk.level} requires a safety plan, and its professional contacts "
                         f"need a 24-hour crisis line: {DEFAULT_CRISIS_LINE.phone} or one of the clinic's crisis "
                         f"lines ({names})")


def risk_follow_up(ctx: Context) -> Iterator[Diagnostic]:
    """At or above the crisis level, the screening the risk rests on and when risk is assessed again."""
    risk = ctx.plan.risk
    if risk_at_or_above(risk.level, ctx.policy.crisis_required_at):
        at = f"risk level {risk.level} is at or above the clinic's crisis level ({ctx.policy.crisis_required_at})"
        if risk.screening is None:
            yield ctx.at_key(("risk", "screening"), "TX308",
                             f"{at}; record the screening it rests on: `screening: {{instrument: ..., date: ...}}`")
        if risk.reassess is None:
            yield ctx.at_key(("risk", "reassess"), "TX309", f"{at}; say how often risk is reassessed: "
                                                             "`reassess: every session`")
    if risk.screening is None:
        return
    where: KeyPath = ("risk", "screening", "date")
    if risk.screening.date > ctx.today:
        yield ctx.at(where, "TX219", "risk.screening.date is after today")
    days = (ctx.plan.dates.effective - risk.screening.date).days
    if days > ctx.policy.review_interval_days:
        yield ctx.at(where, "TX310", f"the screening is {days} days older than dates.effective; the clinic's "
                                     f"review interval is {ctx.policy.review_interval_days} days: screen again")


def instrument_for(measure: Measure) -> Instrument | None:
    """The instrument behind a measure: a known one (its name in any case), or one the plan defines with `range`."""
    known = known_instrument(measure.instrument)
    if known is not None:
        return known
    if measure.range is None:
        return None
    return custom_instrument(measure.instrument, measure.range[0], measure.range[1],
                             Better(measure.better or "lower"))


def _unknown_instrument(name: str) -> str:
    """The advice for an instrument txplan does not know. A near miss of a known one (`PHQ9`) is most likely that
    one misspelt: giving it a `range` would make a custom instrument of it and lose the known one's bands and
    cutoffs, so the known name is offered first. The name typed is not repeated (it is plan text)."""
    hint = did_you_mean(name, INSTRUMENTS_BY_NAME)
    custom = "give its `range: [min, max]` (and `better: higher` when higher scores are better)"
    if hint:
        return f"instrument is not one txplan knows{hint} If it is another instrument, {custom}"
    return f"instrument is not one txplan knows ({', '.join(INSTRUMENTS_BY_NAME)}); {custom}"


def measures_valid(ctx: Context) -> Iterator[Diagnostic]:
    evaluation = ctx.plan.interventions.evaluation
    if evaluation is None:
        return
    for index, measure in enumerate(evaluation.measures):
        path: KeyPath = ("interventions", "evaluation", "measures", index)
        yield from _measure_diagnostics(ctx, path, measure)


def _measure_diagnostics(ctx: Context, path: KeyPath, measure: Measure) -> Iterator[Diagnostic]:
    instrument = instrument_for(measure)
    if instrument is None:
        yield ctx.at((*path, "instrument"), "TX214", _unknown_instrument(measure.instrument))
        return
    if known_instrument(measure.instrument) is not None:
        if measure.range is not None and tuple(measure.range) != (instrument.low, instrument.high):
            yield ctx.at((*path, "range"), "TX215",
                         f"{instrument.name} ranges {instrument.range_text()}; remove `range`")
        if measure.better is not None and measure.better != instrument.better.value:
            yield ctx.at((*path, "better"), "TX215",
                         f"for {instrument.name}, {instrument.better.value} scores are better; remove `better`")
    scored: list[tuple[KeyPath, float]] = [((*path, "baseline"), measure.baseline), ((*path, "target"), measure.target)]
    scored += [((*path, "scores", i, "score"), s.score) for i, s in enumerate(measure.scores)]
    for where, score in scored:
        if not instrument.in_range(score):
            yield ctx.at(where, "TX212",
                         f"{where[-1]} {score_text(score)} is outside {instrument.name}'s range "
                         f"{instrument.range_text()}")
        elif not instrument.precise_enough(score):
            yield ctx.at(where, "TX314",
                         f"{where[-1]} {score_text(score)}: {instrument.name} scores are {instrument.precision()}")
    # a score outside the range is already a TX212; comparing it to the other would only repeat that
    in_range = instrument.in_range(measure.baseline) and instrument.in_range(measure.target)
    if in_range and not instrument.improves(measure.baseline, measure.target):
        side = "below" if instrument.better is Better.LOWER else "above"
        yield ctx.at((*path, "target"), "TX213",
                     f"target must be {side} the baseline ({instrument.better.value} {instrument.name} scores are better)")
    yield from _score_entries(ctx, path, measure, instrument)


def _score_entries(ctx: Context, path: KeyPath, measure: Measure, instrument: Instrument) -> Iterator[Diagnostic]:
    """Scores are not dated in the future, and ``item9`` belongs to the instrument that has an item 9."""
    for index, entry in enumerate(measure.scores):
        where: KeyPath = (*path, "scores", index)
        if entry.date > ctx.today:
            yield ctx.at((*where, "date"), "TX219", f"scores[{index}].date is after today: a score is recorded "
                                                    "once it has been given")
        if entry.item9 is not None and instrument.risk_item is None:
            holders = ", ".join(i.name for i in INSTRUMENTS_BY_NAME.values() if i.risk_item is not None)
            yield ctx.at_key((*where, "item9"), "TX218",
                             f"scores[{index}].item9 is recorded only for {holders}; this measure's instrument has "
                             "no item 9")
        elif entry.item9 is not None and instrument.in_range(entry.score):
            yield from _risk_item_in_total(ctx, (*where, "item9"), entry.score, entry.item9, instrument)


def _risk_item_in_total(ctx: Context, where: KeyPath, score: float, answer: int,
                        instrument: Instrument) -> Iterator[Diagnostic]:
    """The risk item is one of the items summed into the score: it cannot exceed the score, and the other items
    cannot make up more than their own maximum (PHQ-9 27 with item 9 at 0 would need 27 from eight items of 0-3)."""
    rest = instrument.rest_of_total()
    name = f"{where[-3]}[{where[-2]}]"
    if answer > score:
        yield ctx.at(where, "TX226", f"{name}.item9 {answer} is more than the {instrument.name} score {score_text(score)} it is "
                                     "part of; one of them is a typo")
    elif score - answer > rest:
        yield ctx.at(where, "TX226", f"{name}.item9 {answer} with a {instrument.name} score of {score_text(score)} would "
                                     f"need {score_text(score - answer)} from the other items, which add up to at most "
                                     f"{score_text(rest)}")


def _measures(plan: Plan) -> Iterator[tuple[KeyPath, Measure, Instrument]]:
    """The plan's measures with their paths and instruments (measures without a usable instrument are skipped)."""
    evaluation = plan.interventions.evaluation
    for index, measure in enumerate(evaluation.measures if evaluation is not None else ()):
        instrument = instrument_for(measure)
        if instrument is not None:
            yield ("interventions", "evaluation", "measures", index), measure, instrument


def risk_item_answered(ctx: Context) -> Iterator[Diagnostic]:
    """PHQ-9 item 9 above 0 on the most recent score that records it, in a plan that records no risk. A later score
    that leaves item 9 blank does not clear an earlier answer above 0; the message says which score it was."""
    if ctx.plan.risk.level != "none":
        return
    for path, measure, instrument in _measures(ctx.plan):
        recorded = risk_item_recorded(measure.scores)
        if instrument.risk_item is None or recorded is None or not measure.scores[recorded].item9:
            continue
        latest = max(range(len(measure.scores)), key=lambda i: (measure.scores[i].date, i))
        which = (f"the latest {instrument.name}" if recorded == latest else
                 f"{instrument.name} scores[{recorded}] (the most recent score that records it; the latest, "
                 f"scores[{latest}], leaves it blank)")
        yield ctx.at((*path, "scores", recorded, "item9"), "TX312",
                     f"{instrument.risk_item.name} of {which} is above 0 while risk.level is none; any answer above 0 "
                     "calls for a risk assessment")


def measure_ages(ctx: Context) -> Iterator[Diagnostic]:
    """An instrument made for some ages, used for a client outside them on the plan's effective date."""
    age = age_on(ctx.plan.client.dob, ctx.plan.dates.effective)
    for path, _, instrument in _measures(ctx.plan):
        if instrument.ages is not None and age not in instrument.ages:
            instead = f"; {instrument.instead}" if instrument.instead else ""
            yield ctx.at((*path, "instrument"), "TX313",
                         f"{instrument.name} is made for {instrument.ages.describe()}, and the client's age on "
                         f"dates.effective is outside that{instead}")


def scores_after_birth(ctx: Context) -> Iterator[Diagnostic]:
    """A score dated before the client's date of birth: a typo that would put a point decades before the plan."""
    for path, measure, _ in _measures(ctx.plan):
        for index, entry in enumerate(measure.scores):
            if entry.date < ctx.plan.client.dob:
                yield ctx.at((*path, "scores", index, "date"), "TX227", f"scores[{index}].date is before client.dob")


def template_uses(ctx: Context) -> Iterator[Diagnostic]:
    for path, item in ctx.plan.usables():
        if item.use is None:
            continue
        template = ctx.library.get(item.use)
        if template is None:
            if item.use in ctx.library.broken:
                yield ctx.at((*path, "use"), "TX220",
                             f"template `{item.use}` has errors of its own (see its file); fix it before using it")
            else:
                yield ctx.at((*path, "use"), "TX220", f"no template {shown_key(item.use)} in templates/interventions/"
                                                      f"{did_you_mean(item.use, [*ctx.library.templates, *ctx.library.broken])}")
            continue
        for name in template.unknown_params(item.with_):
            yield ctx.at_key((*path, "with", name), "TX221",
                             f"template `{template.id}` has no parameter {shown_key(name)}"
                             f" (it has: {', '.join(template.meta.params) or 'none'})")
        for name in template.missing_params(item.with_):
            yield ctx.at((*path, "use"), "TX222", f"template `{template.id}` needs `with: {{{name}: ...}}`")


def _element_name(key: str) -> str:
    return f"`{key}` ({ELEMENTS_BY_KEY[key].title.lower()})"


def template_elements(ctx: Context) -> Iterator[Diagnostic]:
    """A template is used under the element it is written for; crisis templates under ``crisis.items``."""
    entries: list[tuple[KeyPath, str, Usable]] = list(ctx.plan.item_entries())
    if ctx.plan.interventions.evaluation is not None:
        entries += [(("interventions", "evaluation", "feedback", i), "evaluation", entry)
                    for i, entry in enumerate(ctx.plan.interventions.evaluation.feedback)]
    for path, key, item in entries:
        template = ctx.library.get(item.use) if item.use is not None else None
        if template is None or template.meta.element == key:
            continue
        declared = template.meta.element
        home = ("interventions.crisis.items, where the chart shows crisis work with the safety plan"
                if ELEMENTS_BY_KEY[declared].shape is Shape.CRISIS else f"interventions.{declared}")
        yield ctx.at((*path, "use"), "TX311",
                     f"template `{template.id}` is written for {_element_name(declared)} but is used under "
                     f"{_element_name(key)}; move the item to {home}, or write it as `text`")


_CLAUSE_START = re.compile(r"[,;:.]|\b(?:that|so|and|but|because|while|when|until|if|or)\b", re.IGNORECASE)


def _is_no_harm_contract(statement: str, client: set[str]) -> bool:
    """A promise not to self-harm, or the client's own promise to stay safe: the subject of that "will", the words
    since the clause began, is the client ("her children will be safe" is somebody else's safety)."""
    if NO_HARM_CONTRACT.search(statement):
        return True
    for promise in _STAYS_SAFE.finditer(statement):
        subject = " ".join(_name_words(_CLAUSE_START.split(statement[:promise.start()])[-1]))
        if subject in client or subject in _CLIENT_WORDS:
            return True
    return False


def _client_names(plan: Plan) -> set[str]:
    """How the client may be named in an objective; none when the client section did not validate (the rules that
    read only the objectives still run then)."""
    client = getattr(plan, "client", None)
    return _name_forms(client.name) | {client.first_name.casefold()} if client is not None else set()


def objective_wording(ctx: Context) -> Iterator[Diagnostic]:
    client = _client_names(ctx.plan)
    for path, objective in objective_paths(ctx.plan):
        statement = objective.statement
        where: KeyPath = (*path, "statement")
        if not _measurable(statement):
            yield ctx.at(where, "TX301", "objective has no number, frequency or date to measure it by")
        vague = VAGUE_VERBS.search(statement)
        if vague and not CARRIES_NUMBER.search(statement):  # "tolerate ... for 10 minutes" is measured
            yield ctx.at(where, "TX302",
                         f"objective uses the vague verb \"{vague.group(0).lower()}\"; name an observable behaviour")
        if _says_may(statement, client):
            yield ctx.at(where, "TX303", "objective says \"may\"; objectives say what the client \"will\" do")
        if _is_no_harm_contract(statement, client):
            yield ctx.at(where, "TX318", f"objective {objective.id} is a no-harm contract; plan safety in "
                                         "interventions.crisis (the safety plan) and make the objective a behaviour")


def objective_subjects(ctx: Context) -> Iterator[Diagnostic]:
    """Objectives say what the client will do; the therapist's part belongs in the intervention items."""
    staff = _name_forms(ctx.plan.clinician.name) - _name_forms(ctx.plan.client.name)
    for path, objective in objective_paths(ctx.plan):
        subject = _subject(objective.statement)
        if subject and (STAFF_SUBJECT.match(subject) or " ".join(_name_words(subject)) in staff):
            yield ctx.at((*path, "statement"), "TX317",
                         f"objective {objective.id} says what staff will do; write what the client will do, and put "
                         "the therapist's work in the intervention items that serve it")


def objective_measures(ctx: Context) -> Iterator[Diagnostic]:
    """An objective's measure names instruments the plan measures, on the schedule the measure gives."""
    measures = list(_measures(ctx.plan))
    measured = {instrument.name.casefold() for _, _, instrument in measures}
    frequency = ctx.plan.interventions.frequency
    schedule = frequency.schedule if frequency is not None else None
    for path, objective in objective_paths(ctx.plan):
        text = objective.measure
        where: KeyPath = (*path, "measure")
        for name in INSTRUMENTS_BY_NAME:
            if name.casefold() not in measured and instrument_named(text, name) is not None:
                yield ctx.at(where, "TX315", f"objective {objective.id}'s measure names {name}, which is not among "
                                             "interventions.evaluation.measures")
        for measure_path, measure, instrument in measures:
            named = instrument_named(text, instrument.name)
            written = every_in_text(text[named:]) if named is not None else None
            given = parse_every(measure.every)
            if written is not None and given is not None and written[0].days(schedule) != given.days(schedule):
                yield ctx.at(where, "TX316",
                             f"objective {objective.id}'s measure gives its instrument {written[0].text()} "
                             f"({written[0].days(schedule)} days), but measures[{measure_path[-1]}].every says "
                             f"{given.text()} ({given.days(schedule)} days)")


_NO_CLOSURE = ("a closed plan needs `closure:` (date, reason, criteria_met, summary, referrals) for its discharge "
               "summary")


def closure_recorded(ctx: Context) -> Iterator[Diagnostic]:
    """A closed plan says how it ended; a plan that is not closed has no closure. An empty ``closure:`` (the key
    with no value) says nothing, so it is the same as none: TX224 at the key, or TX319 on a plan not closed. A
    closure of the wrong shape is left out of the model and has its own error already."""
    plan = ctx.plan
    closure = plan.closure
    written = "closure" in ctx.document.data
    if plan.status == "closed" and closure is None and ctx.document.data.get("closure") is None:
        yield ctx.at_key(("closure",), "TX224", _NO_CLOSURE) if written else ctx.at(("status",), "TX224", _NO_CLOSURE)
    if not written:
        return
    if plan.status != "closed":
        yield ctx.at_key(("closure",), "TX319", f"closure is written but status is {plan.status}; set "
                                                "`status: closed` or remove closure")
    if closure is None:
        return
    if closure.date < plan.dates.effective:
        yield ctx.at(("closure", "date"), "TX225", "closure.date must not be before dates.effective")
    if closure.date > ctx.today:
        yield ctx.at(("closure", "date"), "TX219", "closure.date is after today: record the closure when it happens")


RULES: tuple[tuple[Rule, frozenset[str]], ...] = (
    (unique_ids, frozenset({"problems"})),
    (objectives_served, frozenset({"problems", "interventions"})),
    (dates_in_order, frozenset({"dates", "problems", "client"})),
    (diagnosis_codes, frozenset({"diagnoses"})),
    (required_elements, frozenset({"interventions", "problems", "risk"})),
    (safety_plan_complete, frozenset({"interventions"})),
    (safety_plan_reachable, frozenset({"interventions"})),
    (crisis_line_listed, frozenset({"interventions", "problems", "risk"})),
    (risk_follow_up, frozenset({"risk", "dates"})),
    (measures_valid, frozenset({"interventions"})),
    (risk_item_answered, frozenset({"interventions", "risk"})),
    (measure_ages, frozenset({"interventions", "client", "dates"})),
    (scores_after_birth, frozenset({"interventions", "client"})),
    (template_uses, frozenset({"interventions"})),
    (template_elements, frozenset({"interventions"})),
    (objective_wording, frozenset({"problems"})),
    (objective_subjects, frozenset({"problems", "clinician", "client"})),
    (objective_measures, frozenset({"problems", "interventions"})),
    (closure_recorded, frozenset({"status", "dates"})),
)


def check_rules(plan: Plan, document: Document, policy: Policy, library: Library, today: date,
                valid_sections: Collection[str] | None = None) -> list[Diagnostic]:
    """Run the rules; with ``valid_sections``, only those whose sections all validated."""
    ctx = Context(plan, document, policy, library, today)
    return [d for rule, needs in RULES
            if valid_sections is None or needs <= set(valid_sections)
            for d in rule(ctx)]


@dataclass(frozen=True)
class ObjectiveText:
    """An objective's text as a hash, with where it sits: enough to flag copies across plans."""

    objective_id: str
    text_hash: str
    line: int
    col: int


ObjectiveTexts = tuple[str, Sequence[ObjectiveText]]  # a plan's client id and its objectives' texts


def objective_texts(document: Document) -> tuple[str, list[ObjectiveText]]:
    """Who the plan is for and its objective texts, read leniently so that plans with errors count too.

    The client is a digest of ``client.id``: only its identity matters here, the build state keeps it, and
    in a plan with errors the id may be anything typed there (a name and a date of birth)."""
    data = document.data
    client = data.get("client")
    client_id = hashlib.sha256(str(client.get("id", "")).encode()).hexdigest() if isinstance(client, dict) else ""
    texts: list[ObjectiveText] = []
    for p, problem in _dicts(data.get("problems")):
        for g, goal in _dicts(problem.get("goals")):
            for o, objective in _dicts(goal.get("objectives")):
                statement = objective.get("statement")
                if isinstance(statement, str):
                    where = document.positions.of_value(("problems", p, "goals", g, "objectives", o, "statement"))
                    texts.append(ObjectiveText(shown_id(objective.get("id")), _text_hash(statement), *where))
    return client_id, texts


def shown_id(value: object) -> str:
    """An id as messages and the build state may hold it: only one of the format's shape. In a plan with errors
    an id may be anything typed there (a name and a date of birth); it is then withheld (``""``)."""
    return value if isinstance(value, str) and re.match(ID_PATTERN, value) else ""


def _dicts(value: object) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _text_hash(statement: str) -> str:
    """Objectives match whatever their case and spacing."""
    return hashlib.sha256(" ".join(statement.split()).casefold().encode()).hexdigest()


def copied_objectives(plans: Mapping[str, ObjectiveTexts], report: Collection[str]) -> list[Diagnostic]:
    """TX304 for the plans in ``report``: objective text word for word in another client's plan."""
    clients: dict[str, set[str]] = {}
    for client_id, texts in plans.values():
        for text in texts:
            clients.setdefault(text.text_hash, set()).add(client_id)
    found: list[Diagnostic] = []
    for path in report:
        client_id, texts = plans[path]
        for text in texts:
            others = clients[text.text_hash] - {client_id}
            if others:
                objective = f"objective {text.objective_id}" if text.objective_id else "this objective"
                found.append(make(path, (text.line, text.col), "TX304",
                                  f"{objective} is word for word the same as one in "
                                  f"{len(others)} other client plan(s); write it for this client"))
    return found
