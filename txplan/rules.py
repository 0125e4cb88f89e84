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

from .diagnostics import Diagnostic, make
from .elements import ELEMENTS, STANLEY_BROWN_STEPS, Element, When
from .frontmatter import Document, KeyPath, shown_key
from .instruments import INSTRUMENTS_BY_NAME, Better, Instrument, custom_instrument
from .model import Measure, Objective, Plan
from .policy import Policy, risk_at_or_above
from .templates import Library

ICD10_CM = re.compile(r"^[A-Z][0-9]{2}(?:\.[A-Z0-9]{1,4})?$")

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|once|twice|daily|weekly|monthly|"
    r"nightly|every|each|per|times|half|all"
)
_MONTHS = r"january|february|march|april|june|july|august|september|october|november|december"
MEASURABLE = re.compile(rf"\d|\b(?:{_NUMBER_WORDS}|{_MONTHS})\b", re.IGNORECASE)
VAGUE_VERBS = re.compile(r"\b(improve[sd]?|understand[s]?|explore[sd]?|feel(?:s)? better|tolerate[sd]?)\b",
                         re.IGNORECASE)
MAY = re.compile(r"\bmay\b", re.IGNORECASE)
# "May" the month ("by May 2027", "before the end of May") is a date, not the modal verb.
_MONTH_MAY = re.compile(r"(?:\b(?:by|in|until|before|after|since|from|of|during|mid|early|late)\s+)May\b|\bMay\s+\d")


def _says_may(statement: str) -> bool:
    """Whether the statement uses the modal "may"; the month May does not count."""
    months = [m.span() for m in _MONTH_MAY.finditer(statement)]
    return any(not any(a <= m.start() < b for a, b in months) for m in MAY.finditer(statement))


def _measurable(statement: str) -> bool:
    """A number, a frequency word or a month name; "May" counts only where it is the month."""
    return bool(MEASURABLE.search(statement) or _MONTH_MAY.search(statement))


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
                         "no professional contact has a phone; add one, such as 988 (Suicide & Crisis Lifeline)")


def instrument_for(measure: Measure) -> Instrument | None:
    """The instrument behind a measure: a known one, or one the plan defines with `range`."""
    known = INSTRUMENTS_BY_NAME.get(measure.instrument)
    if known is not None:
        return known
    if measure.range is None:
        return None
    return custom_instrument(measure.instrument, measure.range[0], measure.range[1],
                             Better(measure.better or "lower"))


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
        yield ctx.at((*path, "instrument"), "TX214",
                     f"{measure.instrument} is not a known instrument; give its `range: [min, max]`")
        return
    if measure.instrument in INSTRUMENTS_BY_NAME:
        if measure.range is not None and tuple(measure.range) != (instrument.low, instrument.high):
            yield ctx.at((*path, "range"), "TX215",
                         f"{instrument.name} ranges {instrument.low:g}-{instrument.high:g}; remove `range`")
        if measure.better is not None and measure.better != instrument.better.value:
            yield ctx.at((*path, "better"), "TX215",
                         f"for {instrument.name}, {instrument.better.value} scores are better; remove `better`")
    scored: list[tuple[KeyPath, float]] = [((*path, "baseline"), measure.baseline), ((*path, "target"), measure.target)]
    scored += [((*path, "scores", i, "score"), s.score) for i, s in enumerate(measure.scores)]
    for where, score in scored:
        if not instrument.in_range(score):
            yield ctx.at(where, "TX212",
                         f"{where[-1]} {score:g} is outside {instrument.name}'s range "
                         f"{instrument.low:g}-{instrument.high:g}")
    # a score outside the range is already a TX212; comparing it to the other would only repeat that
    in_range = instrument.in_range(measure.baseline) and instrument.in_range(measure.target)
    if in_range and not instrument.improves(measure.baseline, measure.target):
        side = "below" if instrument.better is Better.LOWER else "above"
        yield ctx.at((*path, "target"), "TX213",
                     f"target must be {side} the baseline ({instrument.better.value} {instrument.name} scores are better)")


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
                yield ctx.at((*path, "use"), "TX220", f"no template {shown_key(item.use)} in templates/interventions/")
            continue
        for name in template.unknown_params(item.with_):
            yield ctx.at_key((*path, "with", name), "TX221",
                             f"template `{template.id}` has no parameter {shown_key(name)}"
                             f" (it has: {', '.join(template.meta.params) or 'none'})")
        for name in template.missing_params(item.with_):
            yield ctx.at((*path, "use"), "TX222", f"template `{template.id}` needs `with: {{{name}: ...}}`")


def objective_wording(ctx: Context) -> Iterator[Diagnostic]:
    for path, objective in objective_paths(ctx.plan):
        statement = objective.statement
        where: KeyPath = (*path, "statement")
        if not _measurable(statement):
            yield ctx.at(where, "TX301", "objective has no number, frequency or date to measure it by")
        vague = VAGUE_VERBS.search(statement)
        if vague:
            yield ctx.at(where, "TX302",
                         f"objective uses the vague verb \"{vague.group(0).lower()}\"; name an observable behaviour")
        if _says_may(statement):
            yield ctx.at(where, "TX303", "objective says \"may\"; objectives say what the client \"will\" do")


RULES: tuple[tuple[Rule, frozenset[str]], ...] = (
    (unique_ids, frozenset({"problems"})),
    (objectives_served, frozenset({"problems", "interventions"})),
    (dates_in_order, frozenset({"dates", "problems", "client"})),
    (diagnosis_codes, frozenset({"diagnoses"})),
    (required_elements, frozenset({"interventions", "problems", "risk"})),
    (safety_plan_complete, frozenset({"interventions"})),
    (measures_valid, frozenset({"interventions"})),
    (template_uses, frozenset({"interventions"})),
    (objective_wording, frozenset({"problems"})),
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
                    texts.append(ObjectiveText(str(objective.get("id", "")), _text_hash(statement), *where))
    return client_id, texts


def _dicts(value: object) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _text_hash(statement: str) -> str:
    """Objectives match whatever their case and spacing."""
    return hashlib.sha256(" ".join(statement.split()).casefold().encode()).hexdigest()


def copied_objectives(plans: Mapping[str, tuple[str, Sequence[ObjectiveText]]], report: Collection[str]) -> list[Diagnostic]:
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
                found.append(make(path, (text.line, text.col), "TX304",
                                  f"objective {text.objective_id} is word for word the same as one in "
                                  f"{len(others)} other client plan(s); write it for this client"))
    return found
