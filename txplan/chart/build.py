"""Build a chart's content from a checked plan: every section, in the order an auditor reads them.

This is where a chart's wording lives. The result (``ChartContent``) is
format-free; ``txplan.render`` turns it into DOCX, HTML and, through DOCX,
PDF. Two parts come from outside the plan's own text: progress graphs with the
status in words for measures with scores (``progress``), and the changes since
the last review from git (``history``), when the caller passes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..check import CheckedPlan
from ..elements import ELEMENTS, STANLEY_BROWN_STEPS, Element, Shape
from ..frontmatter import KeyPath
from ..history import ChangeSet
from ..instruments import score_text
from ..model import Approach, Closure, Contact, Crisis, Evaluation, Frequency, Goal, Item, Measure, Plan, Problem
from ..policy import Policy
from ..progress import long_date
from ..signatures.records import Method, Role, content_digest
from ..signatures.verify import Signature, expected_signers, required_roles
from .content import (
    Block,
    BulletList,
    ChartContent,
    Form,
    FormRow,
    Furniture,
    Graph,
    Markdown,
    Metadata,
    Paragraph,
    Section,
    SignatureBlock,
    Signer,
    Style,
    Table,
)
from .wording import (
    DOCUMENT_SUBJECT,
    DOCUMENT_TITLE,
    DRAFT_MARK,
    absence_note,
    change_row,
    contact_text,
    crisis_lines_text,
    criteria_text,
    expected_date,
    final_score_row,
    frequency_sentence,
    instrument_description,
    latest_score_text,
    reassess_text,
    screening_text,
    status_of,
)

__all__ = ["build_chart"]


def build_chart(checked: CheckedPlan, policy: Policy, history: ChangeSet | None = None) -> ChartContent:
    """The content of the chart of one valid plan; the same plan and history always give the same content."""
    if checked.plan is None or checked.document is None or not checked.ok:
        raise ValueError(f"{checked.path}: only a plan without errors gets a chart")
    plan = checked.plan
    sections = _Sections(plan, checked.rendered, policy)
    blocks: list[Block] = [*sections.title(), sections.identification(), sections.diagnoses_and_risk(),
                           sections.strengths_and_participation(), sections.problems(), sections.interventions(),
                           Section("Discharge criteria", 1, (BulletList(tuple(plan.discharge)),))]
    if plan.status == "closed" and plan.closure is not None:
        blocks.append(sections.discharge_summary(plan.closure))
    if history is not None:
        blocks.append(_history(history))
    blocks.append(_narrative(checked.document.body))
    signatures = _signatures(plan, policy, checked.signatures, checked.document.text)
    if signatures is not None:
        blocks.append(signatures)
    return ChartContent(_furniture(plan, policy), _metadata(plan), tuple(blocks))


def _furniture(plan: Plan, policy: Policy) -> Furniture:
    return Furniture(policy.clinic, policy.confidentiality_notice, f"{plan.client.name} \u00b7 Chart {plan.client.id}",
                     DRAFT_MARK if plan.status == "draft" else "", policy.address)


def _metadata(plan: Plan) -> Metadata:
    return Metadata(DOCUMENT_TITLE, DOCUMENT_SUBJECT)


class _Sections:
    """The sections written from the plan's own fields and rendered items."""

    def __init__(self, plan: Plan, rendered: Mapping[KeyPath, str], policy: Policy) -> None:
        self.plan = plan
        self.rendered = rendered
        self.policy = policy

    def title(self) -> tuple[Paragraph, Paragraph]:
        effective = f"{self.plan.client.name} \u00b7 effective {long_date(self.plan.dates.effective)}"
        return Paragraph.of(DOCUMENT_TITLE, Style.TITLE), Paragraph.of(effective, Style.SUBTITLE)

    def identification(self) -> Section:
        plan = self.plan
        rows = (
            ("Client", plan.client.name, "Chart id", plan.client.id),
            ("Date of birth", long_date(plan.client.dob), "Pronouns", plan.client.pronouns or "Not stated"),
            ("Clinician", plan.clinician.name, "Supervisor", plan.clinician.supervisor or "None"),
            ("Effective date", long_date(plan.dates.effective), *self._review_or_closure()),
            ("Status", plan.status.capitalize()),
        )
        return Section("Identification", 1, (Table(None, rows, (0.19, 0.31, 0.17, 0.33), frozenset({0, 2})),))

    def _review_or_closure(self) -> tuple[str, str]:
        """A closed plan is not reviewed again: it shows when it closed instead."""
        closure = self.plan.closure
        if self.plan.status == "closed" and closure is not None:
            return "Closed on", long_date(closure.date)
        return "Review date", long_date(self.plan.dates.review)

    def diagnoses_and_risk(self) -> Section:
        diagnoses = Table(("Code", "Diagnosis"), tuple((d.code, d.description) for d in self.plan.diagnoses), (0.15, 0.85))
        risk = self.plan.risk
        return Section("Diagnoses and risk", 1, (
            Section("Diagnoses", 2, (diagnoses,)),
            Section("Risk", 2, (
                Paragraph.labelled("Risk level", risk.level.capitalize()),
                Paragraph.of(risk.summary),
                Paragraph.labelled("Screening", screening_text(risk)),
                Paragraph.labelled("Risk reassessed", reassess_text(risk)),
                Paragraph.labelled("Crisis lines, at any hour", crisis_lines_text(self.policy.crisis_lines)),
            )),
        ))

    def strengths_and_participation(self) -> Section:
        client = self.plan.client
        preferences: Block = (BulletList(tuple(client.preferences)) if client.preferences
                              else Paragraph.of("None recorded.", Style.NOTE))
        return Section("Strengths, preferences and participation", 1, (
            Section("Strengths", 2, (BulletList(tuple(client.strengths)),)),
            Section("Preferences", 2, (preferences,)),
            Section("Client participation", 2, (Paragraph.of(self.plan.participation),)),
        ))

    def problems(self) -> Section:
        return Section("Problems, goals and objectives", 1, tuple(self._problem(p) for p in self.plan.problems))

    def _problem(self, problem: Problem) -> Section:
        return Section(f"Problem {problem.id}: {problem.statement}", 2, (
            Paragraph.of("Evidenced by", Style.LABEL, keep_with_next=True),
            BulletList(tuple(problem.evidenced_by)),
            *(self._goal(goal) for goal in problem.goals),
        ))

    @staticmethod
    def _goal(goal: Goal) -> Section:
        rows = tuple((o.id, o.statement, o.measure, long_date(o.target_date)) for o in goal.objectives)
        return Section(f"Goal {goal.id}" + (" (interpersonal)" if goal.interpersonal else ""), 3, (
            Paragraph.of(f"\u201c{goal.statement}\u201d", Style.QUOTE, keep_with_next=True),  # with its objectives
            Paragraph.of(f"Expected by {expected_date(goal)}, the latest target date of its objectives.", Style.DETAILS,
                         keep_with_next=True),
            Table(("Id", "Objective", "Measure", "Target date"), rows, (0.07, 0.45, 0.27, 0.21)),
        ))

    def interventions(self) -> Section:
        writers: dict[Shape, Callable[[Any, Element], Iterator[Block]]] = {
            Shape.ITEMS: self._items,
            Shape.APPROACHES: self._approaches,
            Shape.FREQUENCY: self._frequency,
            Shape.CRISIS: self._crisis,
            Shape.EVALUATION: self._evaluation,
        }
        elements: list[Block] = []
        for element in ELEMENTS:
            value = getattr(self.plan.interventions, element.key)
            blocks = ((Paragraph.of(absence_note(element, self.plan, self.policy), Style.NOTE),) if value is None
                      else tuple(writers[element.shape](value, element)))
            elements.append(Section(element.title, 2, blocks))
        return Section("Interventions", 1, tuple(elements))

    def _items(self, items: list[Item], element: Element) -> Iterator[Block]:
        return self._item_list(items, ("interventions", element.key))

    def _item_list(self, items: Sequence[Item], base: KeyPath) -> Iterator[Block]:
        for index, item in enumerate(items):
            yield Markdown(self.rendered[(*base, index)], 3)
            details = f"Serves: {', '.join(item.for_)} \u00b7 Responsible: {item.by or self.plan.clinician.name}"
            yield Paragraph.of(details, Style.DETAILS)

    @staticmethod
    def _approaches(approaches: list[Approach], element: Element) -> Iterator[Block]:
        for approach in approaches:
            yield Paragraph.labelled(approach.modality, approach.rationale)

    @staticmethod
    def _frequency(frequency: Frequency, element: Element) -> Iterator[Block]:
        yield Paragraph.of(frequency_sentence(frequency))

    def _crisis(self, crisis: Crisis, element: Element) -> Iterator[Block]:
        """The safety plan, then the crisis work around it (lethal-means counselling, CAMS, ...), together."""
        yield _safety_plan(crisis)
        if crisis.items:
            yield Section("Crisis interventions", 3, tuple(self._item_list(crisis.items,
                                                                           ("interventions", element.key, "items"))))

    def _evaluation(self, evaluation: Evaluation, element: Element) -> Iterator[Block]:
        statuses = [status_of(m, self.plan) for m in evaluation.measures]
        rows = tuple((instrument_description(m), score_text(m.baseline), status.target_text(), f"Every {m.every}",
                      latest_score_text(status)) for m, status in zip(evaluation.measures, statuses, strict=True))
        yield Section("Measures", 3, (
            Table(("Instrument", "Baseline", "Target", "Schedule", "Latest score"), rows, (0.29, 0.12, 0.13, 0.16, 0.30)),))
        scored = [m for m in evaluation.measures if m.scores]
        if scored:
            yield Section("Progress", 3, tuple(self._progress(scored)))
        yield Section("Feedback", 3, tuple(Markdown(self.rendered[("interventions", "evaluation", "feedback", index)], 4)
                                           for index in range(len(evaluation.feedback))))

    def _progress(self, scored: Sequence[Measure]) -> Iterator[Block]:
        """A graph and the status in words for each measure with scores (measurement-based care)."""
        for measure in scored:
            status = status_of(measure, self.plan)
            yield Graph(status, self.plan.dates.effective, f"Line graph of {status.summary()}")
            yield Paragraph.of(" ".join(status.sentences()))


    def discharge_summary(self, closure: Closure) -> Section:
        """How a closed plan ended: when and why, which criteria were met, the final scores, referrals, summary."""
        blocks: list[Block] = [Paragraph.labelled("Closed on", long_date(closure.date)),
                               Paragraph.labelled("Reason", closure.reason),
                               Paragraph.labelled("Discharge criteria met", criteria_text(closure))]
        evaluation = self.plan.interventions.evaluation
        if evaluation is not None:
            rows = tuple(final_score_row(status_of(m, self.plan)) for m in evaluation.measures)
            blocks.append(Section("Final scores", 2, (
                Table(("Instrument", "Baseline", "Final score", "Target"), rows, (0.22, 0.14, 0.34, 0.30)),)))
        referrals: Block = (BulletList(tuple(closure.referrals)) if closure.referrals
                            else Paragraph.of("None.", Style.NOTE))
        blocks += [Section("Referrals", 2, (referrals,)), Section("Summary", 2, (Markdown(closure.summary, 3),))]
        return Section("Discharge summary", 1, tuple(blocks))


def _safety_plan(crisis: Crisis) -> Form:
    """The Stanley-Brown form: six numbered steps, then the reasons for living."""
    rows = [FormRow(f"Step {number}", title, _crisis_entries(getattr(crisis, key)))
            for number, (key, title) in enumerate(STANLEY_BROWN_STEPS, 1)]
    if crisis.reasons_for_living:
        rows.append(FormRow("", "Reasons for living", tuple(crisis.reasons_for_living)))
    return Form(tuple(rows), (0.12, 0.88))


def _crisis_entries(entries: Sequence[str | Contact]) -> tuple[str, ...]:
    return tuple(contact_text(entry) if isinstance(entry, Contact) else entry for entry in entries)


def _history(changes: ChangeSet) -> Section:
    """Objectives and interventions added, removed or changed since the last review, from git."""
    blocks: list[Block] = [Paragraph.of(changes.intro())]
    if changes.note:
        blocks.append(Paragraph.of(changes.note, Style.NOTE))
    else:
        for title, entries in (("Objectives", changes.objectives), ("Interventions", changes.interventions)):
            inner: Block = (Table(("Date", "Change", "Details"), tuple(change_row(c) for c in entries), (0.17, 0.33, 0.50))
                            if entries else Paragraph.of(f"No {title.lower()} added, removed or changed.", Style.NOTE))
            blocks.append(Section(title, 2, (inner,)))
    return Section("Changes since last review", 1, tuple(blocks))


def _narrative(narrative: str) -> Section:
    body: Block = Markdown(narrative, 2) if narrative.strip() else Paragraph.of("No narrative written.", Style.NOTE)
    return Section("Clinical narrative", 1, (body,))


SIGNATURE_ROLES = {Role.CLIENT: "client", Role.GUARDIAN: "parent or guardian", Role.CLINICIAN: "clinician",
                   Role.SUPERVISOR: "clinical supervisor"}  # in the order the block lists them
METHODS = {Method.IN_PERSON: "in person", Method.PAPER: "on paper", Method.PORTAL: "through the client portal"}
DIGEST_SHOWN = 12  # hex digits of the content digest printed, enough to match a printout to the repository


def _signatures(plan: Plan, policy: Policy, signatures: Sequence[Signature], text: str) -> Section | None:
    """How the plan is signed, as it is: electronic signatures with their date and what they cover, a line to
    sign by hand for each one missing. Drafts have none; a closed plan's block signs its discharge summary."""
    if plan.status == "draft":
        return None
    shown = list(signatures) or [Signature(role, expected_signers(plan, policy).get(role, (None, None))[0] or "")
                                 for role in required_roles(plan, policy)]
    if plan.status == "closed":
        statement = "By signing, the clinician confirms the discharge summary."
        shown = [s for s in shown if not s.role.witnessed]
    else:
        statement = "By signing, the client and clinician confirm that they wrote this plan together."
    order = list(SIGNATURE_ROLES)
    signers = tuple(_signer(s, policy) for s in sorted(shown, key=lambda s: order.index(s.role)))
    digest = content_digest(text).removeprefix("sha256:")[:DIGEST_SHOWN]
    return Section("Signatures", 1, (SignatureBlock(statement, signers, digest),))


def _signer(signature: Signature, policy: Policy) -> Signer:
    role = SIGNATURE_ROLES[signature.role]
    record = signature.record
    if record is None:
        return Signer(signature.name, role)
    covered = record.digest.removeprefix("sha256:")[:DIGEST_SHOWN]
    how = ""
    if record.method is not None:
        how = f", given {METHODS[record.method]}" + (f" and witnessed by {signature.witness}" if signature.witness else "")
    said = f"Signed electronically by {record.name} ({role}) on {long_date(policy.local_day(record.time))}{how}"
    if not signature.current:
        return Signer(signature.name, role, note=f"{said} for an earlier version of this plan (content {covered}); "
                                                 "not valid for this version.")
    return Signer(signature.name, role, signed=f"{said}. Content {covered}.")
