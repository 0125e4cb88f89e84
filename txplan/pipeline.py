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

import os
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
from .check import CheckedPlan, discover_plans, display_path
from .check import check_plan as run_checks
from .diagnostics import Diagnostic, make
from .frontmatter import read_bounded
from .history import ChangeSet, changes_since_last_review, plan_revisions
from .policy import Policy, load_policy
from .rules import copied_objectives, objective_texts
from .state import STATE_FILE, BuildState, PlanEntry, digest, load_state
from .templates import Library, load_library

if TYPE_CHECKING:
    from .chart import ChartRenderer

BUILD_DIR = Path("build")
DOCX_DIR = BUILD_DIR / "docx"
SITE_DIR = BUILD_DIR / "site"
REFERENCE_DOCX = Path("templates") / "chart.docx"

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


def chart_path(root: Path, plan_path: str) -> Path:
    return root / DOCX_DIR / f"{Path(plan_path).stem}.docx"


def build_charts(root: Path, plans: Sequence[Path] | None = None, *, jobs: int | None = None, force: bool = False,
                 today: date | None = None, progress: Progress | None = None) -> BuildReport:
    """Check every plan (or the given ones) and bring their charts up to date."""
    started = time.monotonic()
    _remove_interrupted_writes(root)
    inputs, project_diagnostics = gather_inputs(root, today)
    state = BuildState() if force else load_state(root)
    sources = list(plans) if plans is not None else discover_plans(root)
    tick = (lambda path: progress(path, len(sources))) if progress else None
    jobs_to_run: list[Job] = []
    results: dict[str, JobResult] = {}
    for source in sources:
        path = display_path(source, root)
        plan_hash = digest(file_digest(source), inputs.revisions.get(path, ""))
        cached = state.plans.get(path)
        if cached is not None and cached.key == inputs.key(plan_hash, cached.uses) and _chart_current(root, path, cached):
            results[path] = JobResult(cached, _state_without_work(root, path, cached))
            if tick:
                tick(path)
        else:
            earlier = cached.chart_digest if cached is not None and cached.ok and _chart_current(root, path, cached) else ""
            jobs_to_run.append(Job(source, path, plan_hash, earlier))
    if jobs_to_run:
        reference_problem = _prepare_workers(inputs)
        if reference_problem is not None:
            project_diagnostics.append(reference_problem)
    for result in _run(inputs, jobs_to_run, jobs or os.cpu_count() or 1, tick):
        results[result.entry_path] = result.result
    outcomes = [ChartOutcome(path, chart_path(root, path), r.state) for path, r in results.items()]
    if plans is None:
        outcomes += _remove_orphans(root, state, set(results))
    new_state = BuildState({**(state.plans if plans is not None else {}), **{p: r.entry for p, r in results.items()}})
    _save_state(root, new_state, any(r.state is ChartState.WRITTEN for r in results.values()))
    diagnostics = project_diagnostics + [d for r in results.values() for d in r.entry.diagnostics]
    diagnostics += [r.failure for r in results.values() if r.failure is not None]
    texts = {path: (entry.client_id, entry.objectives) for path, entry in new_state.plans.items()}
    diagnostics += copied_objectives(texts, list(results))
    return BuildReport(sorted(outcomes, key=lambda o: o.plan), sorted(diagnostics), time.monotonic() - started,
                       len(inputs.library.templates))


def _chart_current(root: Path, path: str, entry: PlanEntry) -> bool:
    """A cached entry stands when its chart (if any) is the very file this build state wrote."""
    if not entry.ok:
        return True
    try:
        stat = chart_path(root, path).stat()
    except OSError:
        return False
    return stat.st_size == entry.chart_size and stat.st_mtime_ns == entry.chart_mtime_ns


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
    # Forked workers inherit _WORKER, renderer included: the reference document is parsed once.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
        futures = {pool.submit(_build_one, job): job for job in jobs_to_run}
        return [_report(_Done(futures[f].path, f.result()), tick) for f in as_completed(futures)]


def _report(done: _Done, tick: Callable[[str], None] | None) -> _Done:
    if tick:
        tick(done.entry_path)
    return done


_WORKER: dict[str, Any] = {}


def _prepare_workers(inputs: Inputs) -> Diagnostic | None:
    """Keep the inputs and make the renderer once; an unusable reference document is reported."""
    from .chart import ChartReferenceError, ChartRenderer

    _WORKER["inputs"] = inputs
    try:
        _WORKER["renderer"] = ChartRenderer(inputs.policy, inputs.reference)
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
    renderer: ChartRenderer | None = _WORKER["renderer"]
    if not checked.ok or renderer is None:
        if renderer is None:
            entry.key = ""  # not built: never mistaken for up to date
        return JobResult(entry, ChartState.STALE if output.exists() else ChartState.SKIPPED)
    from .writer import private_folder, write_atomic

    try:
        private_folder(output.parent)
        graphs = _earlier_graphs(output, job.earlier_digest) if job.earlier_digest else {}
        chart = renderer.render(checked, _history(inputs, job.path, checked), graphs)
        write_atomic(output, chart, sync=False)  # synced once per build
        stat = output.stat()
    except OSError as exc:
        entry.ok = False
        failure = make(job.path, (1, 1), "TX601", f"cannot write {output.name}: {exc.strerror or exc}")
        return JobResult(entry, ChartState.FAILED, failure)
    entry.chart_size, entry.chart_mtime_ns, entry.chart_digest = stat.st_size, stat.st_mtime_ns, digest(chart)
    return JobResult(entry, ChartState.WRITTEN)


def _earlier_graphs(chart: Path, recorded: str) -> dict[str, bytes]:
    """The graphs of the chart this build state wrote, only while the file still has those very bytes."""
    from .chart import graphs_in

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
    """Charts of plans that no longer exist go too; only charts this build state made are touched."""
    removed: list[ChartOutcome] = []
    for path in sorted(set(state.plans) - current):
        output = chart_path(root, path)
        if output.exists():
            output.unlink()
            removed.append(ChartOutcome(path, output, ChartState.REMOVED))
    return removed


def _remove_interrupted_writes(root: Path) -> None:
    """Temporary files of a build that was killed mid-write (the charts themselves are intact)."""
    for folder in (root / BUILD_DIR, root / DOCX_DIR):
        for temp in folder.glob(".*.tmp"):
            temp.unlink(missing_ok=True)


def _save_state(root: Path, state: BuildState, wrote_charts: bool) -> None:
    """Flush the charts written by this build, then record them: the state never runs ahead of the charts."""
    from .writer import private_folder, sync_folder, write_atomic

    if wrote_charts:
        sync_folder(root / DOCX_DIR)

    target = root / STATE_FILE
    private_folder(target.parent)
    write_atomic(target, state.to_bytes())
