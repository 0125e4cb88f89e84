"""Rebuilds reuse progress graphs: a chart rebuilt for another reason (a template, the narrative, the
reference document) takes its earlier graph when the scores behind it are unchanged, with the bytes a
fresh build gives. Only charts the build state wrote are read; ``--force`` draws everything again."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from zipfile import ZipFile

import pytest

from benchmarks.generate import generate
from txplan import progress_chart
from txplan.build.pipeline import ChartState, build_charts
from txplan.build.state import STATE_FILE
from txplan.progress import MeasureStatus
from txplan.render.docx import graphs_in

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def generated_clinic(tmp_path: Path) -> Path:
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


def test_a_template_change_rebuilds_charts_without_drawing_their_graphs(generated_clinic: Path, drawn: list[str]) -> None:
    build(generated_clinic)
    assert drawn == ["PHQ-9"] * 4
    for template in ("behavioral-activation", "thought-record"):  # used by every plan
        append_to(generated_clinic / "templates" / "interventions" / f"{template}.md", "\nReviewed at the next session.\n")
    assert set(build(generated_clinic).values()) == {ChartState.WRITTEN}
    assert len(drawn) == 4
    reused = charts(generated_clinic)
    build(generated_clinic, force=True)
    assert len(drawn) == 8  # --force draws every graph again...
    assert charts(generated_clinic) == reused  # ...and gets the very bytes the reused graphs gave


def test_a_rebuild_that_reuses_every_graph_never_loads_matplotlibs_drawing_stack(generated_clinic: Path) -> None:
    build(generated_clinic)
    append_to(generated_clinic / "templates" / "interventions" / "thought-record.md", "\nReviewed at the next session.\n")
    script = ("import sys\nfrom pathlib import Path\nfrom txplan.build.pipeline import build_charts\n"
              f"report = build_charts(Path({str(generated_clinic)!r}), jobs=1)\n"
              "print(*sorted({o.state.value for o in report.outcomes}), 'matplotlib.figure' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["written", "False"]  # every plan uses the template: all rebuilt, none drawn


def test_a_new_score_draws_that_plans_graph_again(generated_clinic: Path, drawn: list[str]) -> None:
    build(generated_clinic)
    plan = generated_clinic / "plans" / "c-00001.md"
    plan.write_text(re.sub(r"score: (\d+) }", lambda m: f"score: {int(m[1]) - 1} }}", plan.read_text()))
    states = build(generated_clinic)
    assert states["plans/c-00001.md"] is ChartState.WRITTEN
    assert len(drawn) == 5


def test_a_narrative_edit_keeps_the_graph(generated_clinic: Path, drawn: list[str]) -> None:
    build(generated_clinic)
    append_to(generated_clinic / "plans" / "c-00002.md", "\nA further note from the review session.\n")
    assert build(generated_clinic)["plans/c-00002.md"] is ChartState.WRITTEN
    assert len(drawn) == 4


def test_a_chart_changed_outside_the_build_is_not_a_source_of_graphs(generated_clinic: Path, drawn: list[str]) -> None:
    build(generated_clinic)
    chart = generated_clinic / "build" / "docx" / "c-00003.docx"
    (key, true_graph), = graphs_in(chart.read_bytes()).items()
    (other_graph,) = graphs_in((generated_clinic / "build" / "docx" / "c-00000.docx").read_bytes()).values()
    with_picture(chart, other_graph)  # same picture name and key, someone else's pixels
    append_to(generated_clinic / "plans" / "c-00003.md", "\nA further note from the review session.\n")
    assert build(generated_clinic)["plans/c-00003.md"] is ChartState.WRITTEN
    assert len(drawn) == 5
    assert graphs_in(chart.read_bytes()) == {key: true_graph}


def with_picture(chart: Path, png: bytes) -> None:
    """Rewrite a chart with its one picture replaced."""
    with ZipFile(chart) as package:
        members = {info.filename: package.read(info) for info in package.infolist()}
    with ZipFile(chart, "w") as package:
        for name, data in members.items():
            package.writestr(name, png if name.startswith("word/media/") else data)


def test_a_damaged_chart_with_its_recorded_size_and_time_is_drawn_again(generated_clinic: Path, drawn: list[str]) -> None:
    build(generated_clinic)
    chart = generated_clinic / "build" / "docx" / "c-00001.docx"
    before = chart.stat()
    data = bytearray(chart.read_bytes())
    data[len(data) // 2] ^= 0xFF  # bit rot: same size, and the time is put back
    chart.write_bytes(bytes(data))
    os.utime(chart, ns=(before.st_atime_ns, before.st_mtime_ns))
    append_to(generated_clinic / "plans" / "c-00001.md", "\nA further note from the review session.\n")
    assert build(generated_clinic)["plans/c-00001.md"] is ChartState.WRITTEN
    assert len(drawn) == 5


def test_a_chart_replaced_with_its_recorded_size_and_time_is_not_a_source_of_graphs(generated_clinic: Path,
                                                                                     drawn: list[str]) -> None:
    """Only the digest tells this chart from the one the build wrote: its picture is someone else's."""
    build(generated_clinic)
    chart = generated_clinic / "build" / "docx" / "c-00003.docx"
    (key, true_graph), = graphs_in(chart.read_bytes()).items()
    (other_graph,) = graphs_in((generated_clinic / "build" / "docx" / "c-00000.docx").read_bytes()).values()
    with_picture(chart, other_graph)
    state = json.loads((generated_clinic / STATE_FILE).read_text())
    entry = state["plans"]["plans/c-00003.md"]
    entry["outputs"]["docx"]["size"] = chart.stat().st_size  # what the state recorded, but for the digest
    (generated_clinic / STATE_FILE).write_text(json.dumps(state))
    append_to(generated_clinic / "plans" / "c-00003.md", "\nA further note from the review session.\n")
    assert build(generated_clinic)["plans/c-00003.md"] is ChartState.WRITTEN
    assert len(drawn) == 5
    assert graphs_in(chart.read_bytes()) == {key: true_graph}


def test_graphs_are_read_by_key_and_a_damaged_package_gives_none(generated_clinic: Path) -> None:
    build(generated_clinic)
    package = (generated_clinic / "build" / "docx" / "c-00000.docx").read_bytes()
    graphs = graphs_in(package)
    assert len(graphs) == 1
    assert all(len(key) == 32 and png.startswith(PNG_SIGNATURE) for key, png in graphs.items())
    for cut in (len(package) // 3, len(package) // 2, len(package) - 30):
        damaged = bytearray(package)
        damaged[cut:cut + 8] = b"\xff" * 8
        assert graphs_in(bytes(damaged)) in ({}, graphs)  # never an exception, never someone else's picture
    assert graphs_in(b"PK\x03\x04 not a zip") == {}


def test_a_change_to_the_drawing_code_draws_every_graph_again(generated_clinic: Path, drawn: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The key covers progress_chart.py itself, not only txplan's version, which a change to the drawing may not
    bump."""
    from txplan.render import graphs

    build(generated_clinic)
    assert graphs._drawing_code() == hashlib.sha256(Path(progress_chart.__file__).read_bytes()).hexdigest()
    drawn.clear()
    append_to(generated_clinic / "templates" / "interventions" / "thought-record.md", "\nReviewed again.\n")
    monkeypatch.setattr(graphs, "_drawing_code", lambda: "the drawing code after an edit")
    build(generated_clinic)
    assert len(drawn) == len(list((generated_clinic / "plans").glob("*.md")))  # every plan here has one graph
