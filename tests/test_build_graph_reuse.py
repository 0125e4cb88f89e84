"""Rebuilds reuse progress graphs: a chart rebuilt for another reason (a template, the narrative, the
reference document) takes its earlier graph when the scores behind it are unchanged, with the bytes a
fresh build gives. Only charts the build state wrote are read; ``--force`` draws everything again."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zipfile import ZipFile

import pytest

from benchmarks.generate import generate
from txplan import progress_chart
from txplan.chart import earlier_graphs
from txplan.pipeline import ChartState, build_charts
from txplan.progress import MeasureStatus

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    return generate(tmp_path / "clinic", plans=4)  # one PHQ-9 graph per plan


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The instrument of every graph matplotlib draws."""
    calls: list[str] = []
    real = progress_chart.progress_png

    def counted(status: MeasureStatus, start: date) -> bytes:
        calls.append(status.instrument.name)
        return real(status, start)

    monkeypatch.setattr(progress_chart, "progress_png", counted)
    return calls


def build(root: Path, force: bool = False) -> dict[str, ChartState]:
    return {o.plan: o.state for o in build_charts(root, jobs=1, force=force).outcomes}


def charts(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "docx").glob("*.docx"))}


def append_to(plan: Path, text: str) -> None:
    plan.write_text(plan.read_text() + text)


def test_a_template_change_rebuilds_charts_without_drawing_their_graphs(clinic: Path, drawn: list[str]) -> None:
    build(clinic)
    assert drawn == ["PHQ-9"] * 4
    for template in ("behavioral-activation", "thought-record"):  # used by every plan
        append_to(clinic / "templates" / "interventions" / f"{template}.md", "\nReviewed at the next session.\n")
    assert set(build(clinic).values()) == {ChartState.WRITTEN}
    assert len(drawn) == 4
    reused = charts(clinic)
    build(clinic, force=True)
    assert len(drawn) == 8  # --force draws every graph again...
    assert charts(clinic) == reused  # ...and gets the very bytes the reused graphs gave


def test_a_new_score_draws_that_plans_graph_again(clinic: Path, drawn: list[str]) -> None:
    build(clinic)
    plan = clinic / "plans" / "c-00001.md"
    plan.write_text(re.sub(r"score: (\d+) }", lambda m: f"score: {int(m[1]) - 1} }}", plan.read_text()))
    states = build(clinic)
    assert states["plans/c-00001.md"] is ChartState.WRITTEN
    assert len(drawn) == 5


def test_a_narrative_edit_keeps_the_graph(clinic: Path, drawn: list[str]) -> None:
    build(clinic)
    append_to(clinic / "plans" / "c-00002.md", "\nA further note from the review session.\n")
    assert build(clinic)["plans/c-00002.md"] is ChartState.WRITTEN
    assert len(drawn) == 4


def test_a_chart_changed_outside_the_build_is_not_a_source_of_graphs(clinic: Path, drawn: list[str]) -> None:
    build(clinic)
    chart = clinic / "build" / "docx" / "c-00003.docx"
    (key, true_graph), = earlier_graphs(chart).items()
    (other_graph,) = earlier_graphs(clinic / "build" / "docx" / "c-00000.docx").values()
    with_picture(chart, other_graph)  # same picture name and key, someone else's pixels
    append_to(clinic / "plans" / "c-00003.md", "\nA further note from the review session.\n")
    assert build(clinic)["plans/c-00003.md"] is ChartState.WRITTEN
    assert len(drawn) == 5
    assert earlier_graphs(chart) == {key: true_graph}


def with_picture(chart: Path, png: bytes) -> None:
    """Rewrite a chart with its one picture replaced."""
    with ZipFile(chart) as package:
        members = {info.filename: package.read(info) for info in package.infolist()}
    with ZipFile(chart, "w") as package:
        for name, data in members.items():
            package.writestr(name, png if name.startswith("word/media/") else data)


def test_earlier_graphs_are_read_by_key_and_an_unreadable_chart_gives_none(clinic: Path, tmp_path: Path) -> None:
    build(clinic)
    graphs = earlier_graphs(clinic / "build" / "docx" / "c-00000.docx")
    assert len(graphs) == 1
    assert all(len(key) == 32 and png.startswith(PNG_SIGNATURE) for key, png in graphs.items())
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert earlier_graphs(broken) == {}
    assert earlier_graphs(tmp_path / "missing.docx") == {}
