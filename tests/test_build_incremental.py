"""Incremental builds: a chart is rebuilt exactly when something it depends on changed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from txplan import __version__
from txplan.build.pipeline import ChartState, build_charts
from txplan.build.state import FORMAT, STATE_FILE
from txplan.diagnostics import JUDGED_AGAINST_TODAY


@pytest.fixture
def generated_clinic(tmp_path: Path) -> Path:
    return generate(tmp_path / "clinic", plans=6)


def states(root: Path, **kwargs: object) -> dict[str, ChartState]:
    report = build_charts(root, jobs=1, **kwargs)  # type: ignore[arg-type]
    return {o.plan: o.state for o in report.outcomes}


def charts(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "docx").glob("*.docx"))}


def test_first_build_writes_every_chart(generated_clinic: Path) -> None:
    assert set(states(generated_clinic).values()) == {ChartState.WRITTEN}
    assert len(charts(generated_clinic)) == 6


def test_noop_rebuild_does_no_chart_work(generated_clinic: Path) -> None:
    states(generated_clinic)
    mtimes = {p: p.stat().st_mtime_ns for p in (generated_clinic / "build" / "docx").iterdir()}
    assert set(states(generated_clinic).values()) == {ChartState.UNCHANGED}
    assert {p: p.stat().st_mtime_ns for p in (generated_clinic / "build" / "docx").iterdir()} == mtimes


def test_changing_one_template_rebuilds_exactly_the_plans_that_use_it(generated_clinic: Path) -> None:
    states(generated_clinic)
    users = {f"plans/{p.name}" for p in (generated_clinic / "plans").iterdir() if "assertive-communication" in p.read_text()}
    assert 0 < len(users) < 6
    template = generated_clinic / "templates" / "interventions" / "assertive-communication.md"
    template.write_text(template.read_text() + "\nPractice is reviewed at the next session.\n")
    rebuilt = {plan for plan, state in states(generated_clinic).items() if state is ChartState.WRITTEN}
    assert rebuilt == users


def test_changing_one_plan_rebuilds_only_that_plan(generated_clinic: Path) -> None:
    states(generated_clinic)
    plan = generated_clinic / "plans" / "c-00002.md"
    plan.write_text(plan.read_text() + "\nA further note from the review session.\n")
    result = states(generated_clinic)
    assert [p for p, s in result.items() if s is ChartState.WRITTEN] == ["plans/c-00002.md"]


def test_a_build_reads_each_template_once(generated_clinic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library fingerprints the bytes it loads, rather than reading every file again to hash it."""
    folder = generated_clinic / "templates" / "interventions"
    opened: list[str] = []
    real_open = Path.open

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.parent == folder:
            opened.append(path.name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counted)  # read_bytes and read_text open through it too
    states(generated_clinic)
    assert sorted(opened) == sorted(p.name for p in folder.glob("*.md"))


@pytest.mark.parametrize("change", ["policy", "reference", "force"])
def test_shared_inputs_rebuild_everything(generated_clinic: Path, change: str) -> None:
    states(generated_clinic)
    if change == "policy":
        pyproject = generated_clinic / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace("Riverside Counseling Collective", "Harbor Family Clinic"))
    elif change == "reference":
        reference = generated_clinic / "templates" / "chart.docx"
        reference.write_bytes(reference.read_bytes() + b"\0")
    assert set(states(generated_clinic, force=change == "force").values()) == {ChartState.WRITTEN}


MALFORMED_ENTRY = json.dumps({"format": FORMAT, "version": __version__, "plans": {"x": 1}}).encode()


@pytest.mark.parametrize("content", [b"", b"{not json", MALFORMED_ENTRY, b"\xff\xfe"])
def test_corrupt_state_means_a_full_rebuild(generated_clinic: Path, content: bytes) -> None:
    states(generated_clinic)
    (generated_clinic / STATE_FILE).write_bytes(content)
    assert set(states(generated_clinic).values()) == {ChartState.WRITTEN}


def test_a_state_of_an_earlier_format_means_a_full_rebuild(generated_clinic: Path) -> None:
    states(generated_clinic)
    state = json.loads((generated_clinic / STATE_FILE).read_text())
    for entry in state["plans"].values():
        record = entry.pop("outputs")["docx"]  # what format 3 recorded
        entry["chart_size"], entry["chart_digest"] = record["size"], record["digest"]
    (generated_clinic / STATE_FILE).write_text(json.dumps(state | {"format": 3}))
    assert set(states(generated_clinic).values()) == {ChartState.WRITTEN}


def test_missing_chart_is_rebuilt(generated_clinic: Path) -> None:
    states(generated_clinic)
    (generated_clinic / "build" / "docx" / "c-00001.docx").unlink()
    assert states(generated_clinic)["plans/c-00001.md"] is ChartState.WRITTEN


def test_removing_a_plan_removes_its_chart(generated_clinic: Path) -> None:
    states(generated_clinic)
    (generated_clinic / "plans" / "c-00003.md").unlink()
    assert states(generated_clinic)["plans/c-00003.md"] is ChartState.REMOVED
    assert "c-00003.docx" not in charts(generated_clinic)
    assert len(charts(generated_clinic)) == 5


def test_plan_that_newly_fails_keeps_its_chart_and_is_reported_stale(generated_clinic: Path) -> None:
    states(generated_clinic)
    before = charts(generated_clinic)["c-00004.docx"]
    plan = generated_clinic / "plans" / "c-00004.md"
    plan.write_text(plan.read_text().replace("homework:", "homwork:"))
    report = build_charts(generated_clinic, jobs=1)
    assert {o.plan: o.state for o in report.outcomes}["plans/c-00004.md"] is ChartState.STALE
    assert charts(generated_clinic)["c-00004.docx"] == before
    assert [(d.path, d.code) for d in report.diagnostics if d.is_error] == [("plans/c-00004.md", "TX102")]
    assert "1 stale chart(s) kept" in report.summary()
    # the stale state and the error survive a no-op rebuild too
    again = build_charts(generated_clinic, jobs=1)
    assert {o.plan: o.state for o in again.outcomes}["plans/c-00004.md"] is ChartState.STALE
    assert [d.code for d in again.diagnostics if d.is_error] == ["TX102"]


def test_plan_with_unknown_template_is_rebuilt_when_the_template_appears(generated_clinic: Path) -> None:
    plan = generated_clinic / "plans" / "c-00000.md"
    plan.write_text(plan.read_text().replace("use: problem-solving", "use: problem-solving-steps"))
    assert states(generated_clinic)["plans/c-00000.md"] is ChartState.SKIPPED
    library = generated_clinic / "templates" / "interventions"
    (library / "problem-solving-steps.md").write_text(
        (library / "problem-solving.md").read_text().replace("id: problem-solving", "id: problem-solving-steps"))
    assert states(generated_clinic)["plans/c-00000.md"] is ChartState.WRITTEN


def test_a_date_after_today_is_judged_again_on_a_later_day(generated_clinic: Path) -> None:
    """A stored check result saying "after today" is not reused: a day later the plan may be valid, and builds."""
    text = (generated_clinic / "plans" / "c-00002.md").read_text(encoding="utf-8")
    screened = date.fromisoformat(text[text.index("screening: {"):].split("date: ", 1)[1][:10])
    early = build_charts(generated_clinic, jobs=1, today=screened - timedelta(days=1))
    assert "plans/c-00002.md" in {d.path for d in early.diagnostics if d.code == "TX219"}
    assert {d.code for d in early.diagnostics} <= JUDGED_AGAINST_TODAY
    assert states(generated_clinic, today=date.today())["plans/c-00002.md"] is ChartState.WRITTEN
    assert "c-00002.docx" in charts(generated_clinic)
