"""Build orchestration: check → render → write, incrementally and in parallel.

A chart is rebuilt only when something it depends on changed: the plan file,
each template it uses, the reference chart.docx, the clinic policy, or the
txplan version. A rebuilt chart takes the progress graphs of its earlier file
(when the state recorded that file) whose scores did not change: a graph is
most of a chart's cost. Plans are independent, so they are checked and
rendered across processes; the renderer is deterministic, so the bytes do not
depend on how many.

Nothing good is lost: a plan with errors keeps its last chart (reported as
stale), a chart that cannot be written is reported against its plan while the
others build, and every file (charts and the state) is replaced atomically.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .chart import build_chart
from .check import CheckedPlan, display_path
from .check import check_plan as run_checks
from .diagnostics import Diagnostic, make
from .frontmatter import read_bounded
from .history import ChangeSet, changes_since_last_review, plan_revisions
from .layout import BUILD, DOCX, REFERENCE_DOCX, STATE_FILE, discover_plans, output_path, plan_path
from .lock import OutputFolderError, clinic_lock
from .policy import Policy, load_policy
from .rules import copied_objectives, objective_texts
from .state import BuildState, PlanEntry, digest, load_state
from .templates import Library, load_library
from .writer import TEMP_SUFFIX, private_folder, sync_folder, write_atomic

if TYPE_CHECKING:
    from .render.docx import DocxRenderer

Progress = Callable[[str, int], None]  # called with each finished plan and the number of plans


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


@dataclass
class BuildReport:
    outcomes: list[ChartOutcome]
    diagnostics: list[Diagnostic]
    seconds: float
    template_count: int

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def count(self, state: ChartState) -> int:
        return sum(o.state is state for o in self.outcomes)

    def summary(self) -> str:
        """One line for logs and CI: what was built, kept and refused."""
        plans = {o.plan for o in self.outcomes}
        with_errors = len({d.path for d in self.diagnostics if d.is_error and d.path in plans})
        parts = [f"built {self.count(ChartState.WRITTEN)} chart(s)", f"{self.count(ChartState.UNCHANGED)} unchanged",
                 f"{with_errors} plan(s) with errors"]
        if self.count(ChartState.STALE):
            parts.append(f"{self.count(ChartState.STALE)} stale chart(s) kept")
        if self.count(ChartState.FAILED):
            parts.append(f"{self.count(ChartState.FAILED)} chart(s) could not be written")
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

    def key(self, plan_hash: str, uses: Iterable[str]) -> str:
        used = [f"{u}={self.template_hashes.get(u, '-')}" for u in sorted(set(uses))]
        return digest(self.fingerprint, plan_hash, *used)


@dataclass(frozen=True)
class Job:
    source: Path
    path: str
    plan_hash: str
    earlier_digest: str = ""  # of its chart as the state recorded it: graphs are reused from a file with it


@dataclass(frozen=True)
class JobResult:
    entry: PlanEntry
    state: ChartState
    failure: Diagnostic | None = None


def gather_inputs(root: Path, today: date | None = None) -> tuple[Inputs, list[Diagnostic]]:
    policy, policy_diagnostics = load_policy(root)
    library = load_library(root)
    reference = root / REFERENCE_DOCX
    reference_bytes = reference.read_bytes() if reference.is_file() else b""
    fingerprint = digest(__version__, policy.model_dump_json(), reference_bytes)
    inputs = Inputs(root, policy, library, today or date.today(), reference if reference_bytes else None,
                    fingerprint, library.fingerprints, plan_revisions(root))
    return inputs, policy_diagnostics + library.diagnostics


def file_digest(path: Path) -> str:
    """An input's fingerprint, read with the loader's bounds; a file it refuses fingerprints as refused."""
    raw, _ = read_bounded(path, path.name)
    return digest(raw) if raw is not None else "refused"


def chart_path(root: Path, plan: str) -> Path:
    """``build/docx/<path under plans/>.docx``: one chart per plan file, never shared."""
    return output_path(root, DOCX, plan, ".docx")


def build_charts(root: Path, plans: Sequence[Path] | None = None, *, jobs: int | None = None, force: bool = False,
                 today: date | None = None, progress: Progress | None = None,
                 on_wait: Callable[[], None] | None = None) -> BuildReport:
    """Check every plan (or the given ones, which must lie in plans/) and bring their charts up to date.

    Holds the clinic's build lock throughout (``on_wait`` is called if another build holds it). Raises
    ``PlanOutsideClinic`` for a plan outside plans/, ``PlansUnreadable`` when plans/ cannot be listed, and
    ``OutputFolderError`` when build/ or the state cannot be written; charts that could not be written are
    reported per plan (TX601) instead.
    """
    started = time.monotonic()
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
        results = _bring_up_to_date(inputs, state, named, jobs, progress, project_diagnostics)
        outcomes = [ChartOutcome(path, chart_path(root, path), r.state) for path, r in results.items()]
        kept = state.plans  # plans not looked at this time keep their entries
        if discovery is not None and discovery.complete:
            outcomes += _remove_orphans(root, state, set(results))
            kept = {}
        new_state = BuildState({**kept, **{p: r.entry for p, r in results.items()}})
        _save_state(root, new_state, any(r.state is ChartState.WRITTEN for r in results.values()))
    diagnostics = project_diagnostics + [d for r in results.values() for d in r.entry.diagnostics]
    diagnostics += [r.failure for r in results.values() if r.failure is not None]
    texts = {path: (entry.client_id, entry.objectives) for path, entry in new_state.plans.items()}
    diagnostics += copied_objectives(texts, list(results))
    return BuildReport(sorted(outcomes, key=lambda o: o.plan), sorted(diagnostics), time.monotonic() - started,
                       len(inputs.library.templates))


def _bring_up_to_date(inputs: Inputs, state: BuildState, paths: Sequence[str], jobs: int | None,
                      progress: Progress | None, project_diagnostics: list[Diagnostic]) -> dict[str, JobResult]:
    """Reuse the state's entry for every plan whose inputs and chart are unchanged; build the others."""
    root = inputs.root
    tick = (lambda path: progress(path, len(paths))) if progress else None
    jobs_to_run: list[Job] = []
    results: dict[str, JobResult] = {}
    for path in paths:
        source = root / path
        plan_hash = digest(file_digest(source), inputs.revisions.get(path, ""))
        cached = state.plans.get(path)
        current = cached is not None and _chart_current(root, path, cached)
        if cached is not None and current and cached.key == inputs.key(plan_hash, cached.uses):
            results[path] = JobResult(cached, _state_without_work(root, path, cached))
            if tick:
                tick(path)
        else:
            earlier = cached.chart_digest if cached is not None and cached.ok and current else ""
            jobs_to_run.append(Job(source, path, plan_hash, earlier))
    if jobs_to_run:
        reference_problem = _prepare_workers(inputs)
        if reference_problem is not None:
            project_diagnostics.append(reference_problem)
    for done in _run(inputs, jobs_to_run, jobs or os.cpu_count() or 1, tick):
        results[done.entry_path] = done.result
    return results


def _chart_current(root: Path, path: str, entry: PlanEntry) -> bool:
    """A cached entry stands when its chart (if any) is the very file this build state wrote: same size and the
    same digest. Size and time alone would trust a chart swapped for another of the same size."""
    if not entry.ok:
        return True
    chart = chart_path(root, path)
    try:
        if chart.stat().st_size != entry.chart_size:
            return False
        return digest(chart.read_bytes()) == entry.chart_digest
    except OSError:
        return False


def _state_without_work(root: Path, path: str, entry: PlanEntry) -> ChartState:
    if entry.ok:
        return ChartState.UNCHANGED
    return ChartState.STALE if chart_path(root, path).exists() else ChartState.SKIPPED


@dataclass(frozen=True)
class _Done:
    entry_path: str
    result: JobResult


def _run(inputs: Inputs, jobs_to_run: list[Job], jobs: int, tick: Callable[[str], None] | None) -> list[_Done]:
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
    """Keep the inputs and make the renderer once; an unusable reference document is reported."""
    from .render.docx import ChartReferenceError, DocxRenderer

    _WORKER["inputs"] = inputs
    try:
        _WORKER["renderer"] = DocxRenderer(inputs.reference)
    except ChartReferenceError as exc:
        _WORKER["renderer"] = None
        return make(REFERENCE_DOCX.as_posix(), (1, 1), "TX602", str(exc))
    return None


def _build_one(job: Job) -> JobResult:
    inputs: Inputs = _WORKER["inputs"]
    checked = run_checks(job.source, job.path, inputs.policy, inputs.library, inputs.today)
    uses = _template_uses(checked)
    client_id, objectives = objective_texts(checked.document) if checked.document else ("", [])
    entry = PlanEntry(key=inputs.key(job.plan_hash, uses), uses=uses, ok=checked.ok, client_id=client_id,
                      diagnostics=checked.diagnostics, objectives=objectives)
    output = chart_path(inputs.root, job.path)
    renderer: DocxRenderer | None = _WORKER["renderer"]
    if not checked.ok or renderer is None:
        if renderer is None:
            entry.key = ""  # not built: never mistaken for up to date
        return JobResult(entry, ChartState.STALE if output.exists() else ChartState.SKIPPED)
    try:
        graphs = _earlier_graphs(output, job.earlier_digest) if job.earlier_digest else {}
        chart = renderer.render(build_chart(checked, inputs.policy, _history(inputs, job.path, checked)), graphs)
    except Exception as exc:  # a checked plan must always render; if one does not, report it, never crash the build
        entry.ok, entry.key = False, ""
        failure = make(job.path, (1, 1), "TX603", f"the chart could not be made ({type(exc).__name__} inside txplan); "
                                                  f"any earlier chart was kept")
        return JobResult(entry, ChartState.FAILED, failure)
    try:
        private_folder(output.parent)
        write_atomic(output, chart, sync=False)  # synced once per build
        stat = output.stat()
    except OSError as exc:
        entry.ok, entry.key = False, ""
        failure = make(job.path, (1, 1), "TX601", f"cannot write {output.name}: {exc.strerror or type(exc).__name__}")
        return JobResult(entry, ChartState.FAILED, failure)
    entry.chart_size, entry.chart_mtime_ns, entry.chart_digest = stat.st_size, stat.st_mtime_ns, digest(chart)
    return JobResult(entry, ChartState.WRITTEN)


def _earlier_graphs(chart: Path, recorded: str) -> dict[str, bytes]:
    """The graphs of the chart this build state wrote, only while the file still has those very bytes."""
    from .render.docx import graphs_in

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
    """Charts of plans whose file was deleted go too. Only charts this build state made are touched, only after
    plans/ was read completely, and only when the plan's own file is really gone."""
    removed: list[ChartOutcome] = []
    for path in sorted(set(state.plans) - current):
        output = chart_path(root, path)
        if os.path.lexists(root / path) or not output.exists():
            continue
        try:
            output.unlink()
        except OSError:
            continue  # left in place; it will be tried again on the next build
        removed.append(ChartOutcome(path, output, ChartState.REMOVED))
    return removed


def _remove_interrupted_writes(root: Path) -> None:
    """Temporary files of a build that was killed mid-write (the outputs themselves are intact). Runs under the
    build lock, so no live build owns them."""
    for folder, folders, files in os.walk(root / BUILD):
        folders[:] = [f for f in folders if not f.startswith(".")]
        for name in files:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))


def _save_state(root: Path, state: BuildState, wrote_charts: bool) -> None:
    """Flush the charts written by this build, then record them: the state never runs ahead of the charts.
    A state that cannot be saved leaves the earlier one in place (the next build redoes this one's work)."""
    try:
        if wrote_charts:
            sync_folder(root / DOCX)
        target = root / STATE_FILE
        private_folder(target.parent)
        write_atomic(target, state.to_bytes())
    except OSError as exc:
        raise OutputFolderError(f"cannot save the build state {STATE_FILE}: {exc.strerror or 'error'}; "
                                f"the charts written are complete, and the next build checks them again") from None
