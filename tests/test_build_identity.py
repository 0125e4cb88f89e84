"""No chart lost, overwritten or crossed with another client's: a chart belongs to exactly one plan file, is
removed only when that file was deleted from a plans/ folder read in full, and a missing plans/ removes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate
from txplan.build.pipeline import ChartState, build_charts
from txplan.layout import Output, PlansUnreadable

REPO = Path(__file__).resolve().parent.parent


def docx(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "docx", *args], cwd=root, capture_output=True,
                          text=True, timeout=300, check=False)


def charts(root: Path) -> dict[str, bytes]:
    folder = root / "build" / "docx"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.docx")) if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A generated clinic of three plans whose charts were just built."""
    root = generate(tmp_path / "clinic", plans=3)
    assert not build_charts(root, jobs=1).has_errors
    return root


def test_plans_in_sub_folders_are_plans_and_their_charts_mirror_the_folders(built: Path) -> None:
    (built / "plans" / "archive").mkdir()
    (built / "plans" / "c-00000.md").rename(built / "plans" / "archive" / "c-00000.md")
    (built / "plans" / "team" / "a").mkdir(parents=True)
    (built / "plans" / "team" / "a" / "c-00001.md").write_bytes((built / "plans" / "c-00001.md").read_bytes())
    report = build_charts(built, jobs=1)
    assert {o.plan: o.state for o in report.outcomes} == {
        "plans/archive/c-00000.md": ChartState.WRITTEN,
        "plans/c-00000.md": ChartState.REMOVED,
        "plans/c-00001.md": ChartState.UNCHANGED,
        "plans/c-00002.md": ChartState.UNCHANGED,
        "plans/team/a/c-00001.md": ChartState.WRITTEN,
    }
    assert sorted(charts(built)) == ["archive/c-00000.docx", "c-00001.docx", "c-00002.docx", "team/a/c-00001.docx"]
    assert oct((built / "build" / "docx" / "team" / "a").stat().st_mode & 0o777) == "0o700"


def test_two_plan_files_with_one_stem_never_share_a_chart(built: Path) -> None:
    before = charts(built)["c-00001.docx"]
    (built / "plans" / "old").mkdir()
    (built / "plans" / "old" / "c-00001.md").write_bytes((built / "plans" / "c-00002.md").read_bytes())
    assert docx(built, "plans/old/c-00001.md").returncode == 0
    assert charts(built)["c-00001.docx"] == before  # the top-level plan's chart is untouched
    full = docx(built)
    assert full.returncode == 0, full.stderr
    assert "removed" not in full.stderr
    assert charts(built)["c-00001.docx"] == before
    assert "old/c-00001.docx" in charts(built)


def test_a_plan_elsewhere_with_a_charts_stem_is_refused_and_changes_nothing(built: Path, tmp_path: Path) -> None:
    before = charts(built)
    stranger = tmp_path / "elsewhere" / "c-00001.md"
    stranger.parent.mkdir()
    stranger.write_bytes((built / "plans" / "c-00002.md").read_bytes())
    done = docx(built, str(stranger))
    assert done.returncode == 2
    assert "plans must be files inside the clinic's plans/ folder" in done.stderr
    assert charts(built) == before
    assert docx(built).returncode == 0
    assert charts(built) == before


def test_a_plan_that_newly_fails_keeps_its_chart_whatever_else_is_built(built: Path) -> None:
    before = charts(built)["c-00000.docx"]
    plan = built / "plans" / "c-00000.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("level: ", "level: severe-", 1), encoding="utf-8")
    (built / "plans" / "sub").mkdir()
    (built / "plans" / "sub" / "c-00000.md").write_bytes((built / "plans" / "c-00001.md").read_bytes())
    assert docx(built, "plans/sub/c-00000.md").returncode == 0
    full = docx(built)
    assert full.returncode == 1
    assert "stale chart(s) kept" in full.stderr and "removed" not in full.stderr
    assert charts(built)["c-00000.docx"] == before


@pytest.mark.parametrize("fault", ["missing", "dangling link", "a file"])
def test_a_missing_plans_folder_is_an_error_and_removes_nothing(built: Path, tmp_path: Path, fault: str) -> None:
    before = charts(built)
    plans = built / "plans"
    plans.rename(tmp_path / "unmounted")
    if fault == "dangling link":
        plans.symlink_to(tmp_path / "volume-not-mounted" / "plans")
    elif fault == "a file":
        plans.write_text("", encoding="utf-8")
    done = docx(built)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"txplan: the clinic has no readable plans/ folder ({plans}); create it, or "
                                        f"mount the volume it links to; nothing was built or removed"]
    assert charts(built) == before
    with pytest.raises(PlansUnreadable):
        build_charts(built, jobs=1)


def test_a_plans_folder_reached_through_a_link_builds_under_the_same_names(built: Path, tmp_path: Path) -> None:
    before = charts(built)
    (built / "plans").rename(tmp_path / "volume")
    (built / "plans").symlink_to(tmp_path / "volume")
    report = build_charts(built, jobs=1)
    assert {o.state for o in report.outcomes} == {ChartState.UNCHANGED}
    assert charts(built) == before


def test_a_sub_folder_linked_to_another_volume_keeps_its_plans_names(built: Path, tmp_path: Path) -> None:
    share = tmp_path / "nas" / "team-b"
    share.mkdir(parents=True)
    (built / "plans" / "c-00002.md").rename(share / "c-00002.md")
    (built / "plans" / "team-b").symlink_to(share)
    full = docx(built)
    assert full.returncode == 0, full.stderr
    assert "team-b/c-00002.docx" in charts(built)
    named = docx(built, "plans/team-b/c-00002.md")  # by name, as typed
    assert named.returncode == 0, named.stderr
    checked = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "plans/team-b/c-00002.md"],
                             cwd=built, capture_output=True, text=True, timeout=300, check=False)
    assert checked.returncode == 0, checked.stderr


def test_a_sub_folder_link_that_leads_nowhere_removes_no_chart(built: Path, tmp_path: Path) -> None:
    share = tmp_path / "nas" / "team-b"
    share.mkdir(parents=True)
    (built / "plans" / "c-00002.md").rename(share / "c-00002.md")
    (built / "plans" / "team-b").symlink_to(share)
    assert docx(built).returncode == 0
    before = charts(built)
    share.rename(tmp_path / "nas" / "unmounted")
    report = build_charts(built, jobs=1)
    assert [(d.path, d.line, d.col, d.code) for d in report.diagnostics] == [("plans/team-b", 1, 1, "TX013")]
    assert "leads nowhere" in report.diagnostics[0].message
    assert charts(built) == before


def test_an_unreadable_sub_folder_is_reported_and_no_chart_is_removed(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (built / "plans" / "locked").mkdir()
    (built / "plans" / "c-00002.md").unlink()
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # the tests run as root, whom permissions do not stop
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    report = build_charts(built, jobs=1)
    assert [(d.path, d.line, d.col, d.code) for d in report.diagnostics] == [("plans/locked", 1, 1, "TX013")]
    assert "cannot read this folder: Permission denied" in report.diagnostics[0].message
    assert "c-00002.docx" in charts(built)
    monkeypatch.undo()
    assert {o.plan: o.state for o in build_charts(built, jobs=1).outcomes}["plans/c-00002.md"] is ChartState.REMOVED


def test_a_deleted_plan_loses_its_chart_on_the_next_full_build(built: Path) -> None:
    (built / "plans" / "c-00001.md").unlink()
    done = docx(built)
    assert done.returncode == 0
    assert "1 removed" in done.stderr
    assert sorted(charts(built)) == ["c-00000.docx", "c-00002.docx"]


@pytest.mark.parametrize("named", [False, True], ids=["full build", "named build"])
def test_a_plan_that_failed_and_was_then_deleted_loses_its_stale_chart(built: Path, named: bool) -> None:
    plan = built / "plans" / "c-00001.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("level: ", "level: severe-", 1), encoding="utf-8")
    assert docx(built, *(["plans/c-00001.md"] if named else [])).returncode == 1
    assert "c-00001.docx" in charts(built)  # kept, reported stale
    plan.unlink()
    done = docx(built)
    assert done.returncode == 0, done.stderr
    assert "1 removed" in done.stderr
    assert sorted(charts(built)) == ["c-00000.docx", "c-00002.docx"]


def test_an_output_not_asked_for_after_a_change_is_removed_with_its_plan(built: Path) -> None:
    assert not build_charts(built, outputs={Output.HTML}, jobs=1).has_errors
    plan = built / "plans" / "c-00001.md"
    plan.write_text(plan.read_text(encoding="utf-8") + "\nA later note.\n", encoding="utf-8")
    assert not build_charts(built, jobs=1).has_errors  # the DOCX only: the HTML is now of an earlier version
    plan.unlink()
    report = build_charts(built, jobs=1)
    assert {(o.plan, o.kind) for o in report.outcomes if o.state is ChartState.REMOVED} == {
        ("plans/c-00001.md", Output.DOCX), ("plans/c-00001.md", Output.HTML)}
    assert not (built / "build" / "html" / "c-00001.html").exists()


def test_a_file_put_where_a_deleted_plans_chart_was_is_left_alone(built: Path) -> None:
    chart = built / "build" / "docx" / "c-00001.docx"
    chart.write_bytes(b"a document someone saved here")
    (built / "plans" / "c-00001.md").unlink()
    build_charts(built, jobs=1)
    assert chart.read_bytes() == b"a document someone saved here"


def test_a_build_of_named_plans_never_removes_a_chart(built: Path) -> None:
    (built / "plans" / "c-00001.md").unlink()
    assert docx(built, "plans/c-00000.md").returncode == 0
    assert sorted(charts(built)) == ["c-00000.docx", "c-00001.docx", "c-00002.docx"]


def test_hidden_files_in_plans_are_not_plans(built: Path) -> None:
    (built / "plans" / ".c-00000.md.swp.md").write_text("not a plan", encoding="utf-8")
    (built / "plans" / ".drafts").mkdir()
    (built / "plans" / ".drafts" / "x.md").write_text("not a plan", encoding="utf-8")
    assert not build_charts(built, jobs=1).has_errors


@pytest.mark.parametrize("suffix", [".docx", ".json"])
def test_a_folder_named_like_another_plans_chart_is_tx014_and_that_chart_is_kept(built: Path, suffix: str) -> None:
    """plans/c-00001.md makes build/docx/c-00001.docx (and build/fhir/c-00001.json): a folder plans/c-00001.docx/
    would need a folder where that chart is a file. Its plans are refused, by check too; once the other plan is
    deleted they get their charts in the same build that removes its chart."""
    folder = built / "plans" / f"c-00001{suffix}"
    folder.mkdir()
    (folder / "follow-up.md").write_bytes((built / "plans" / "c-00002.md").read_bytes())
    before = charts(built)["c-00001.docx"]
    done = docx(built)
    assert done.returncode == 1
    assert (f"plans/c-00001{suffix}/follow-up.md:1:1: error TX014 its folder is named like the chart of "
            "plans/c-00001.md, so it can get no chart; rename the folder") in done.stderr
    assert "TX601" not in done.stderr and charts(built)["c-00001.docx"] == before
    checked = subprocess.run([sys.executable, str(REPO / "build.py"), "check"], cwd=built, capture_output=True,
                             text=True, timeout=300, check=False)
    assert f"plans/c-00001{suffix}/follow-up.md:1:1: error TX014" in checked.stderr
    (built / "plans" / "c-00001.md").unlink()
    done = docx(built)
    assert done.returncode == 0, done.stderr
    assert f"c-00001{suffix}/follow-up.docx" in charts(built) and "c-00001.docx" not in charts(built)


def test_a_path_through_a_link_and_dot_dot_is_the_file_the_system_opens(built: Path) -> None:
    """`plans/link/../c-00001.md` with `link -> ../other/sub` is other/c-00001.md to the system; txplan once built
    (and would have signed) plans/c-00001.md instead."""
    (built / "other" / "sub").mkdir(parents=True)
    (built / "other" / "c-00001.md").write_text("---\nclient: 1\n---\n", encoding="utf-8")
    (built / "plans" / "link").symlink_to(Path("..") / "other" / "sub")
    before = charts(built)
    done = docx(built, "plans/link/../c-00001.md")
    assert done.returncode == 2
    assert done.stderr.startswith("txplan: plans/link/../c-00001.md: plans must be files inside the clinic's plans/")
    assert charts(built) == before
