"""Build orchestration: check, then bring each plan's outputs up to date, incrementally and in parallel.

A plan's outputs (the DOCX chart, the HTML chart, the PDF made from the DOCX,
the FHIR bundle) are rebuilt only when something they depend on changed: the
plan file, each template it uses, the reference chart.docx, the clinic policy,
or the txplan version, or when the file on disk is no longer the one this
build state wrote. Every output is rendered from the same checked plan, and the
charts from the same content (``txplan.chart``), so the formats cannot disagree.

A rebuilt DOCX takes the progress graphs of its earlier file (when the state
recorded that file) whose scores did not change: a graph is most of a chart's
cost. Plans are independent, so they are checked and rendered across
processes; renderers are deterministic, so the bytes do not depend on how
many. PDFs are converted afterwards, many per LibreOffice process.

Nothing good is lost: a plan with errors keeps its last outputs (reported as
stale), an output that cannot be made or written is reported against its plan
while the others build, and every file (outputs and the state) is replaced
atomically.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..chart import ChartContent, build_chart
from ..check import CheckedPlan, clinic_copies, display_path
from ..check import check_plan as run_checks
from ..diagnostics import JUDGED_AGAINST_TODAY, Diagnostic, make
from ..frontmatter import read_bounded
from ..history import ChangeSet, changes_since_last_review, plan_revisions
from ..layout import (
    BUILD,
    OUTPUTS,
    REFERENCE_DOCX,
    STATE_FILE,
    Output,
    chart_folder_clash,
    discover_plans,
    output_path,
    plan_path,
)
from ..policy import Policy, load_policy
from ..rules import objective_texts
from ..signatures.records import SIDECAR_SUFFIX, sidecar_path
from ..signatures.ssh import installed
from ..signatures.verify import signers_file_findings
from ..templates import Library, load_library
from .lock import OutputFolderError, clinic_lock
from .state import BuildState, OutputRecord, PlanEntry, digest, load_state
from .writer import is_temporary, private_folder, sync_folder, write_atomic

if TYPE_CHECKING:
    from ..render.docx import DocxRenderer

__all__ = ["BuildReport", "ChartOutcome", "ChartState", "build_charts", "chart_path"]

Progress = Callable[[str, int], None]  # called with each finished plan and the number of plans
DOCX_ONLY = frozenset({Output.DOCX})


class ChartState(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    STALE = "stale"  # the plan has errors; an earlier chart was left in place
    SKIPPED = "skipped"  # the plan has errors and there is no earlier chart
    FAILED = "failed"  # the chart could not be written
    REMOVED = "removed"  # the plan is gone, so is its chart


@dataclass(frozen=True)
class ChartOutcome:
    plan: str
    output: Path
    state: ChartState
    kind: Output = Output.DOCX


@dataclass
class BuildReport:
    outcomes: list[ChartOutcome]
    diagnostics: list[Diagnostic]
    seconds: float
    template_count: int
    kinds: tuple[Output, ...] = (Output.DOCX,)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def count(self, state: ChartState, kind: Output | None = None) -> int:
        return sum(o.state is state and (kind is None or o.kind is kind) for o in self.outcomes)

    def summary(self) -> str:
        """One line for logs and CI: what was built, kept and refused."""
        plans = {o.plan for o in self.outcomes}
        with_errors = len({plan for d in self.diagnostics if d.is_error
                           and (plan := d.path.removesuffix(SIDECAR_SUFFIX)) in plans})
        built = ", ".join(f"{self.count(ChartState.WRITTEN, kind)} {OUTPUTS[kind].noun}(s)" for kind in self.kinds)
        parts = [f"built {built}", f"{self.count(ChartState.UNCHANGED)} unchanged", f"{with_errors} plan(s) with errors"]
        if self.count(ChartState.STALE):
            parts.append(f"{self.count(ChartState.STALE)} stale output(s) kept" if len(self.kinds) > 1 else
                         f"{self.count(ChartState.STALE)} stale {OUTPUTS[self.kinds[0]].noun}(s) kept")
        if self.count(ChartState.FAILED):
            parts.append(f"{self.count(ChartState.FAILED)} output(s) could not be made or written")
        if self.count(ChartState.REMOVED):
            parts.append(f"{self.count(ChartState.REMOVED)} removed")
        return f"{', '.join(parts)} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class Inputs:
    """Everything shared by every plan's build, with the fingerprints the keys are made of."""

    root: Path
    policy: Policy
    library: Library
    today: date
    reference: Path | None
    fingerprint: str  # version, policy and reference document together
    template_hashes: dict[str, str] = field(default_factory=dict)
    revisions: dict[str, str] = field(default_factory=dict)  # plan path -> its latest commit, for the history section
    # False when the clinic's policy has errors: its defaults stand in for the check, but no output is made, as each
    # would carry the wrong clinic name, notice and rules; earlier ones are kept, stale
    policy_usable: bool = True

    def key(self, plan_hash: str, uses: Iterable[str]) -> str:
        used = [f"{u}={self.template_hashes.get(u, '-')}" for u in sorted(set(uses))]
        return digest(self.fingerprint, plan_hash, *used)


@dataclass(frozen=True)
class Job:
    source: Path
    path: str
    plan_hash: str
    kinds: tuple[Output, ...]  # what to render in the worker (PDFs are converted afterwards, in batches)
    kept: dict[str, OutputRecord] = field(default_factory=dict)  # outputs still current, carried into the new entry
    # every output file of this plan this build state wrote, current or stale, still as written: what it does not
    # make again stays recorded as stale (to be removed with the plan); a DOCX among them lends its graphs
    earlier: dict[str, OutputRecord] = field(default_factory=dict)


@dataclass
class JobResult:
    entry: PlanEntry
    states: dict[Output, ChartState]
    failures: list[Diagnostic] = field(default_factory=list)


def gather_inputs(root: Path, today: date | None = None) -> tuple[Inputs, list[Diagnostic]]:
    policy, policy_diagnostics = load_policy(root)
    library = load_library(root)
    reference = root / REFERENCE_DOCX
    reference_bytes = reference.read_bytes() if reference.is_file() else b""
    signers = root / policy.allowed_signers
    # signatures are shown only once verified: a chart built without ssh-keygen is built again once it is installed
    fingerprint = digest(__version__, policy.model_dump_json(), reference_bytes, file_digest(signers),
                         f"ssh-keygen={installed()}")
    inputs = Inputs(root, policy, library, today or policy.today(), reference if reference_bytes else None,
                    fingerprint, library.fingerprints, plan_revisions(root),
                    policy_usable=not any(d.is_error for d in policy_diagnostics))
    return inputs, policy_diagnostics + library.diagnostics


def file_digest(path: Path) -> str:
    """An input's fingerprint, read with the loader's bounds; a file it refuses fingerprints as refused."""
    raw, _ = read_bounded(path, path.name)
    return digest(raw) if raw is not None else "refused"


def chart_path(root: Path, plan: str, kind: Output = Output.DOCX) -> Path:
    """``build/docx/<path under plans/>.docx`` (or the folder and suffix of ``kind``): one per plan file, never
    shared."""
    return output_path(root, kind, plan)


def build_charts(root: Path, plans: Sequence[Path] | None = None, *, outputs: Collection[Output] = DOCX_ONLY,
                 jobs: int | None = None, force: bool = False, today: date | None = None,
                 progress: Progress | None = None, on_wait: Callable[[], None] | None = None) -> BuildReport:
    """Check every plan (or the given ones, which must lie in plans/) and bring the requested outputs up to date.

    Holds the clinic's build lock throughout (``on_wait`` is called if another build holds it). Raises
    ``PlanOutsideClinic`` for a plan outside plans/, ``PlansUnreadable`` when plans/ cannot be listed,
    ``LibreOfficeMissing`` when PDFs are asked for without LibreOffice (before anything is touched), and
    ``OutputFolderError`` when build/ or the state cannot be written; outputs that could not be made or written
    are reported per plan (TX601, TX603, TX605) instead.
    """
    started = time.monotonic()
    kinds = _with_prerequisites(outputs)
    if Output.PDF in kinds:
        from ..render.pdf import find_soffice

        find_soffice()
    named = [plan_path(root, source, root) for source in plans] if plans is not None else None
    with clinic_lock(root, on_wait=on_wait):
        _remove_interrupted_writes(root)
        inputs, project_diagnostics = gather_inputs(root, today)
        state, state_problem = (BuildState(), None) if force else load_state(root)
        if state_problem is not None:
            project_diagnostics.append(state_problem)
        discovery = discover_plans(root) if named is None else None
        if discovery is not None:
            project_diagnostics += discovery.problems
            named = [display_path(source, root) for source in discovery.paths]
        assert named is not None
        project_diagnostics += signers_file_findings(root, inputs.policy, [root / path for path in named])
        kept = state.plans  # plans not looked at this time keep their entries
        removed: list[ChartOutcome] = []
        if discovery is not None and discovery.complete:  # first, so a plan may take over a deleted plan's name
            removed, kept = _remove_orphans(root, state, set(named)), {}
        results = _bring_up_to_date(inputs, state, named, kinds, jobs, progress, project_diagnostics)
        if Output.PDF in kinds:
            _convert_pdfs(root, results, jobs)
        _settle_states(root, results, kinds)
        outcomes = removed + [ChartOutcome(path, chart_path(root, path, kind), result.states[kind], kind)
                              for path, result in results.items() for kind in kinds]
        new_state = BuildState({**kept, **{p: r.entry for p, r in results.items()}})
        _save_state(root, new_state, {kind for r in results.values() for kind, s in r.states.items()
                                      if s is ChartState.WRITTEN})
    diagnostics = project_diagnostics + [d for r in results.values() for d in (*r.entry.diagnostics, *r.failures)]
    texts = {path: (entry.client_id, entry.objectives) for path, entry in new_state.plans.items()}
    diagnostics += clinic_copies(root, texts, list(results))
    return BuildReport(sorted(outcomes, key=lambda o: (o.plan, list(Output).index(o.kind))), sorted(diagnostics),
                       time.monotonic() - started, len(inputs.library.templates), kinds)


def _with_prerequisites(outputs: Collection[Output]) -> tuple[Output, ...]:
    """The outputs to bring up to date, in a fixed order; a PDF is made from the DOCX, so it needs one."""
    wanted = set(outputs) | ({Output.DOCX} if Output.PDF in outputs else set())
    return tuple(kind for kind in Output if kind in wanted)


def _bring_up_to_date(inputs: Inputs, state: BuildState, paths: Sequence[str], kinds: tuple[Output, ...],
                      jobs: int | None, progress: Progress | None,
                      project_diagnostics: list[Diagnostic]) -> dict[str, JobResult]:
    """Reuse the state's entry for every plan whose inputs and outputs are unchanged; build what is missing."""
    root = inputs.root
    tick = (lambda path: progress(path, len(paths))) if progress else None
    jobs_to_run: list[Job] = []
    results: dict[str, JobResult] = {}
    for path in paths:
        source = root / path
        plan_hash = digest(file_digest(source), file_digest(sidecar_path(source)), inputs.revisions.get(path, ""),
                           chart_folder_clash(root, path) or "")  # TX014 comes and goes with another plan
        cached = state.plans.get(path)
        reusable = cached is not None and cached.key == inputs.key(plan_hash, cached.uses) and _still_true(cached)
        current = _ours(root, path, cached.outputs) if cached is not None and reusable else {}
        if cached is not None and reusable and (not cached.ok or all(k.value in current for k in kinds)):
            results[path] = JobResult(cached, {kind: _state_without_work(root, path, cached, kind) for kind in kinds})
            if tick:
                tick(path)
            continue
        earlier = _ours(root, path, {**cached.stale, **cached.outputs}) if cached is not None else {}
        to_render = tuple(kind for kind in kinds if kind.value not in current and kind is not Output.PDF)
        jobs_to_run.append(Job(source, path, plan_hash, to_render, current, earlier))
    if jobs_to_run:
        reference_problem = _prepare_workers(inputs)
        if reference_problem is not None:
            project_diagnostics.append(reference_problem)
    for done in _run(jobs_to_run, jobs or os.cpu_count() or 1, tick):
        results[done.entry_path] = done.result
    return results


def _still_true(entry: PlanEntry) -> bool:
    """Whether the stored check result holds today too: a date found to be after today may not be any more."""
    return not any(d.code in JUDGED_AGAINST_TODAY for d in entry.diagnostics)


def _settle_states(root: Path, results: dict[str, JobResult], kinds: tuple[Output, ...]) -> None:
    """Give each requested output not made this time its state (see ``_state_without_work``)."""
    for path, result in results.items():
        for kind in kinds:
            if kind not in result.states:
                result.states[kind] = _state_without_work(root, path, result.entry, kind)


def _ours(root: Path, path: str, records: dict[str, OutputRecord]) -> dict[str, OutputRecord]:
    """The recorded outputs whose files are still the very bytes this build state wrote: same size and the same
    digest. Size and time alone would trust a file swapped for another of the same size."""
    return {kind: record for kind, record in records.items()
            if _matches(chart_path(root, path, Output(kind)), record)}


def _matches(path: Path, record: OutputRecord) -> bool:
    try:
        if path.stat().st_size != record.size:
            return False
        return digest(path.read_bytes()) == record.digest
    except OSError:
        return False


def _state_without_work(root: Path, path: str, entry: PlanEntry, kind: Output) -> ChartState:
    """An output not made this time: unchanged when current, else stale (an earlier file kept) or skipped."""
    if entry.ok and kind.value in entry.outputs:
        return ChartState.UNCHANGED
    return ChartState.STALE if chart_path(root, path, kind).exists() else ChartState.SKIPPED


@dataclass(frozen=True)
class _Done:
    entry_path: str
    result: JobResult


def _run(jobs_to_run: list[Job], jobs: int, tick: Callable[[str], None] | None) -> list[_Done]:
    if jobs <= 1 or len(jobs_to_run) <= 1:
        return [_report(_Done(job.path, _build_one(job)), tick) for job in jobs_to_run]
    # Forked workers inherit _WORKER, renderer included: the reference document is parsed once. They ignore
    # Ctrl-C: the parent stops handing out plans, lets the running ones finish, and reports the interruption.
    with ProcessPoolExecutor(max_workers=min(jobs, len(jobs_to_run)), mp_context=get_context("fork"),
                             initializer=_ignore_interrupts) as pool:
        futures = {pool.submit(_build_one, job): job for job in jobs_to_run}
        try:
            return [_report(_Done(futures[f].path, f.result()), tick) for f in as_completed(futures)]
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _report(done: _Done, tick: Callable[[str], None] | None) -> _Done:
    if tick:
        tick(done.entry_path)
    return done


_WORKER: dict[str, Any] = {}


def _prepare_workers(inputs: Inputs) -> Diagnostic | None:
    """Keep the inputs and make the DOCX renderer once, or none when no output may be made (a policy with errors,
    already reported; an unusable reference document, reported here)."""
    from ..render.docx import ChartReferenceError, DocxRenderer

    _WORKER["inputs"] = inputs
    _WORKER["renderer"] = None
    if not inputs.policy_usable:
        return None
    try:
        _WORKER["renderer"] = DocxRenderer(inputs.reference)
    except ChartReferenceError as exc:
        return make(REFERENCE_DOCX.as_posix(), (1, 1), "TX602", str(exc))
    return None


def _build_one(job: Job) -> JobResult:
    """Check one plan and render the outputs it lacks; every failure is a diagnostic against the plan."""
    inputs: Inputs = _WORKER["inputs"]
    checked = run_checks(job.source, job.path, inputs.policy, inputs.library, inputs.today, inputs.root)
    uses = _template_uses(checked)
    client_id, objectives = objective_texts(checked.document) if checked.document else ("", [])
    entry = PlanEntry(key=inputs.key(job.plan_hash, uses), uses=uses, ok=checked.ok, client_id=client_id,
                      diagnostics=checked.diagnostics, objectives=objectives, stale=dict(job.earlier))
    result = JobResult(entry, {})
    renderer: DocxRenderer | None = _WORKER["renderer"]
    if not checked.ok or renderer is None:
        if renderer is None:
            entry.key = ""  # not made: never mistaken for up to date
        return result  # every output it has stays as it is: stale
    for kind, record in job.kept.items():
        entry.record(kind, record)
    made = _Renderings(inputs, job, checked, renderer)
    for kind in job.kinds:
        _make_one(result, job, kind, made)
    return result


class _Renderings:
    """What one plan's outputs are made from, each made once: the chart content is shared by DOCX and HTML."""

    def __init__(self, inputs: Inputs, job: Job, checked: CheckedPlan, renderer: DocxRenderer) -> None:
        self.inputs, self.job, self.checked, self.renderer = inputs, job, checked, renderer
        self._content: ChartContent | None = None

    @property
    def content(self) -> ChartContent:
        if self._content is None:
            history = _history(self.inputs, self.job.path, self.checked)
            self._content = build_chart(self.checked, self.inputs.policy, history)
        return self._content

    def make(self, kind: Output) -> bytes:
        if kind is Output.DOCX:
            output = chart_path(self.inputs.root, self.job.path)
            earlier = self.job.earlier.get(Output.DOCX.value)
            graphs = _earlier_graphs(output, earlier.digest) if earlier is not None else {}
            return self.renderer.render(self.content, graphs)
        if kind is Output.HTML:
            from ..render.html import render_html

            return render_html(self.content)
        if kind is Output.FHIR:
            from ..export.fhir import bundle_json, plan_bundle

            return bundle_json(plan_bundle(self.checked, self.inputs.policy.fhir_ids))
        raise ValueError(f"{kind} is not made per plan")


def _make_one(result: JobResult, job: Job, kind: Output, made: _Renderings) -> None:
    entry = result.entry
    try:
        data = made.make(kind)
    except Exception as exc:  # a checked plan must always render; if one does not, report it, never crash the build
        _failed(result, make(job.path, (1, 1), "TX603", f"the {OUTPUTS[kind].noun} could not be made "
                                                        f"({type(exc).__name__} inside txplan); any earlier one was kept"),
                kind)
        return
    record = _write(result, job, kind, data)
    if record is not None:
        entry.record(kind.value, record)
        result.states[kind] = ChartState.WRITTEN


def _write(result: JobResult, job: Job, kind: Output, data: bytes) -> OutputRecord | None:
    output = chart_path(_WORKER["inputs"].root, job.path, kind)
    try:
        private_folder(output.parent)
        write_atomic(output, data, sync=False)  # synced once per build
    except OSError as exc:
        _failed(result, make(job.path, (1, 1), "TX601", f"cannot write {output.name}: "
                                                        f"{exc.strerror or type(exc).__name__}"), kind)
        return None
    return OutputRecord(len(data), digest(data))


def _failed(result: JobResult, failure: Diagnostic, kind: Output) -> None:
    """An output that failed: reported, and the entry never taken for current, so the next build tries again."""
    result.entry.ok, result.entry.key = False, ""
    result.failures.append(failure)
    result.states[kind] = ChartState.FAILED


def _convert_pdfs(root: Path, results: dict[str, JobResult], jobs: int | None) -> None:
    """PDFs of the plans whose DOCX is current and whose PDF is not, many per LibreOffice process."""
    from ..render.pdf import PdfFailure, convert_to_pdf

    wanted: list[tuple[str, JobResult, bytes]] = []
    for path, result in results.items():
        entry = result.entry
        docx = entry.outputs.get(Output.DOCX.value)
        if Output.PDF in result.states or not entry.ok or docx is None:
            continue
        try:
            data = chart_path(root, path).read_bytes()
        except OSError:
            continue
        if digest(data) == docx.digest:
            wanted.append((path, result, data))
    if not wanted:
        return
    pdfs = convert_to_pdf([data for _, _, data in wanted], jobs or os.cpu_count() or 1)
    for (path, result, _), pdf in zip(wanted, pdfs, strict=True):
        if isinstance(pdf, PdfFailure):
            _failed(result, make(path, (1, 1), "TX605", f"{pdf.value}; any earlier PDF was kept"), Output.PDF)
            continue
        output = chart_path(root, path, Output.PDF)
        try:
            private_folder(output.parent)
            write_atomic(output, pdf, sync=False)
        except OSError as exc:
            _failed(result, make(path, (1, 1), "TX601", f"cannot write {output.name}: "
                                                        f"{exc.strerror or type(exc).__name__}"), Output.PDF)
            continue
        result.entry.record(Output.PDF.value, OutputRecord(len(pdf), digest(pdf)))
        result.states[Output.PDF] = ChartState.WRITTEN


def _earlier_graphs(chart: Path, recorded: str) -> dict[str, bytes]:
    """The graphs of the chart this build state wrote, only while the file still has those very bytes."""
    from ..render.docx import graphs_in

    try:
        package = chart.read_bytes()
    except OSError:
        return {}
    return graphs_in(package) if digest(package) == recorded else {}


def _history(inputs: Inputs, path: str, checked: CheckedPlan) -> ChangeSet | None:
    """Changes since the last review, for plans git knows about (two git calls, only when rebuilding)."""
    if checked.plan is None or not inputs.revisions.get(path):
        return None
    return changes_since_last_review(inputs.root, path, checked.plan)


def _template_uses(checked: CheckedPlan) -> list[str]:
    """Template ids a plan names, read from its raw data so that even a plan with errors
    is rebuilt when a template it asks for appears or changes."""
    if checked.document is None:
        return []
    interventions = checked.document.data.get("interventions")
    if not isinstance(interventions, dict):
        return []
    lists = [v for v in interventions.values() if isinstance(v, list)]
    evaluation = interventions.get("evaluation")
    if isinstance(evaluation, dict) and isinstance(evaluation.get("feedback"), list):
        lists.append(evaluation["feedback"])
    return sorted({str(i["use"]) for items in lists for i in items if isinstance(i, dict) and "use" in i})


def _remove_orphans(root: Path, state: BuildState, current: set[str]) -> list[ChartOutcome]:
    """Outputs of plans whose file was deleted go too, current or stale. Only files this build state wrote, still
    with the bytes it wrote, are touched, only after plans/ was read completely, and only when the plan's own file
    is really gone."""
    removed: list[ChartOutcome] = []
    for path in sorted(set(state.plans) - current):
        if os.path.lexists(root / path):
            continue
        entry = state.plans[path]
        for kind, record in sorted({**entry.stale, **entry.outputs}.items()):
            output = chart_path(root, path, Output(kind))
            if not _matches(output, record):
                continue  # gone already, or no longer the file this build state wrote: left in place
            try:
                output.unlink()
            except OSError:
                continue  # left in place; the state forgets it either way
            removed.append(ChartOutcome(path, output, ChartState.REMOVED, Output(kind)))
    return removed


def _remove_interrupted_writes(root: Path) -> None:
    """Temporary files of a build that was killed mid-write (the outputs themselves are intact). Runs under the
    build lock, so no live build owns them. Only txplan's own temporary names, only in build/ itself (the state
    file's) and the output folders, never through a link: whatever else lives under build/ is not txplan's."""
    for top, recurse in ((root / BUILD, False), *((root / where.folder, True) for where in OUTPUTS.values())):
        for folder, folders, files in os.walk(top):
            folders[:] = [f for f in folders if recurse and not f.startswith(".")]
            for name in filter(is_temporary, files):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))


def _save_state(root: Path, state: BuildState, written: set[Output]) -> None:
    """Flush the outputs written by this build, then record them: the state never runs ahead of the files.
    A state that cannot be saved leaves the earlier one in place (the next build redoes this one's work)."""
    try:
        if written:
            os.sync()  # one flush for every output written without its own fsync
            for kind in written:
                sync_folder(root / OUTPUTS[kind].folder, everything=False)
        target = root / STATE_FILE
        private_folder(target.parent)
        write_atomic(target, state.to_bytes())
    except OSError as exc:
        raise OutputFolderError(f"cannot save the build state {STATE_FILE}: {exc.strerror or 'error'}; "
                                f"the outputs written are complete, and the next build checks them again") from None
