"""Build orchestration: check → render charts → write them, keeping good outputs safe.

A chart is written only for a plan that passed the check. A plan that fails
keeps whatever chart an earlier good build left (reported as stale), and a
chart that cannot be written is reported against its plan while the others
still build.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .check import CheckedPlan, CheckResult
from .diagnostics import Diagnostic, make

BUILD_DIR = Path("build")
DOCX_DIR = BUILD_DIR / "docx"
SITE_DIR = BUILD_DIR / "site"
REFERENCE_DOCX = Path("templates") / "chart.docx"


class ChartState(StrEnum):
    WRITTEN = "written"
    STALE = "stale"  # the plan has errors; an earlier chart was left in place
    SKIPPED = "skipped"  # the plan has errors and there is no earlier chart
    FAILED = "failed"  # the chart could not be written


@dataclass(frozen=True)
class ChartOutcome:
    plan: str
    output: Path
    state: ChartState
    diagnostic: Diagnostic | None = None


def chart_path(root: Path, checked: CheckedPlan) -> Path:
    return root / DOCX_DIR / f"{checked.source.stem}.docx"


def write_charts(result: CheckResult) -> list[ChartOutcome]:
    """Write a chart for every valid plan of a checked clinic."""
    from .chart import ChartRenderer
    from .writer import write_atomic

    reference = result.root / REFERENCE_DOCX
    renderer = ChartRenderer(result.policy, reference if reference.is_file() else None)
    outcomes: list[ChartOutcome] = []
    for checked in result.plans:
        output = chart_path(result.root, checked)
        if not checked.ok:
            state = ChartState.STALE if output.exists() else ChartState.SKIPPED
            outcomes.append(ChartOutcome(checked.path, output, state))
            continue
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(output, renderer.render(checked))
        except OSError as exc:
            problem = make(checked.path, (1, 1), "TX601",
                           f"cannot write {output.name}: {exc.strerror or exc}")
            outcomes.append(ChartOutcome(checked.path, output, ChartState.FAILED, problem))
            continue
        outcomes.append(ChartOutcome(checked.path, output, ChartState.WRITTEN))
    return outcomes
