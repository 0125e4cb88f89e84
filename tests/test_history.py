"""Revision history from git: the changes to a plan since its last review, and the history fingerprints for
incremental builds. Each test makes its own repository with commits at fixed dates."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY, VALID_PLAN, edit, make_clinic
from docx_helpers import headings, open_chart, paragraph_texts, table_rows

from txplan import history
from txplan.check import check_project
from txplan.history import Change, ChangeSet, Kind, changes_since_last_review, plan_revisions
from txplan.model import Plan
from txplan.policy import load_policy
from txplan.render.docx import chart_docx

PLAN = "plans/plan.md"
LIBRARY = ("behavioral-activation", "problem-solving", "thought-record")

# Within the first review cycle: O1's target date moves.
TWEAK = (("target_date: 2027-01-10", "target_date: 2027-01-12"),)
# The review: new dates, O1 retargeted, O2 added, a homework swapped, a technique's parameters and an item's `for` changed.
REVIEW = (
    ("effective: 2026-11-02", "effective: 2027-01-15"),
    ("review: 2027-01-15", "review: 2027-04-10"),
    ("target_date: 2027-01-12", "target_date: 2027-03-31"),
    ("            target_date: 2027-03-31\n",
     "            target_date: 2027-03-31\n"
     "          - id: O2\n"
     "            statement: Test will call a friend twice a week\n"
     "            measure: Self-report in session\n"
     "            target_date: 2027-03-15\n"),
    ('activities: "walks, calling a friend"', 'activities: "walks, choir"'),
    ("  homework:\n    - use: thought-record\n      for: [O1]\n",
     "  homework:\n    - text: Keep a daily activity log.\n      for: [O1, O2]\n"),
    ("    - text: The cycle of inactivity and low mood.\n      for: [O1]",
     "    - text: The cycle of inactivity and low mood.\n      for: [O1, O2]"),
)
# After the review: O2 reworded.
REWORD = (("Test will call a friend twice a week", "Test will call a friend three times a week"),)


class Repo:
    """A clinic in a git repository, committed to at fixed dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.text = edit(VALID_PLAN)
        make_clinic(root, {"plan.md": self.text}, library=LIBRARY)
        self.git("init", "-q")

    def git(self, *arguments: str, day: str = "2026-11-02") -> str:
        stamp = day if day.startswith("@") else f"{day}T12:00:00+00:00"  # "@<seconds> +0000": any instant git takes
        env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_AUTHOR_DATE": stamp,
               "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_COMMITTER_DATE": stamp,
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        done = subprocess.run(["git", "-C", str(self.root), *arguments], env=env, capture_output=True, text=True,
                              check=True, timeout=60)
        return done.stdout.strip()

    def write(self, *replacements: tuple[str, str], name: str = "plan.md") -> None:
        self.text = edit(self.text, *replacements)
        (self.root / "plans" / name).write_text(self.text, encoding="utf-8")

    def commit(self, day: str, *replacements: tuple[str, str]) -> str:
        self.write(*replacements)
        self.git("add", "templates", PLAN, day=day)
        self.git("commit", "-q", "-m", f"plan as of {day}", day=day)
        return self.git("rev-parse", "HEAD")

    def plan(self) -> Plan:
        checked = check_project(self.root, [self.root / PLAN], today=TODAY).plans[0]
        assert checked.ok and checked.plan is not None, [str(d) for d in checked.diagnostics]
        return checked.plan

    def changes(self) -> ChangeSet | None:
        return changes_since_last_review(self.root, PLAN, self.plan())


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "clinic")


@pytest.fixture
def reviewed(repo: Repo) -> Repo:
    """First commit, a tweak in the first cycle, the review, then a reword after it."""
    repo.commit("2026-11-02")
    repo.commit("2026-12-01", *TWEAK)
    repo.commit("2027-01-15", *REVIEW)
    repo.commit("2027-02-01", *REWORD)
    return repo


def kinds(changes: tuple[Change, ...]) -> list[tuple[Kind, str, date | None]]:
    return [(change.kind, change.subject, change.date) for change in changes]


# --- the change set ------------------------------------------------------------------------------------


def test_baseline_is_the_plan_just_before_the_last_review(reviewed: Repo) -> None:
    changes = reviewed.changes()
    assert changes is not None and not changes.first_cycle
    assert (changes.since.date, changes.since.review) == (date(2026, 12, 1), "2027-01-15")
    assert changes.review is not None and (changes.review.date, changes.review.review) == (date(2027, 1, 15), "2027-04-10")
    assert changes.intro() == ("Last review committed on 2027-01-15; compared with the version committed on "
                               "2026-12-01, the plan as it stood before that review.")


def test_versions_are_named_by_date_never_by_commit_hash(reviewed: Repo) -> None:
    """A commit hash means nothing in a client's record; dates do."""
    changes = reviewed.changes()
    assert changes is not None
    texts = [changes.intro(), changes.note]
    assert not any(changes.since.commit[:7] in text or (changes.review and changes.review.commit[:7] in text)
                   for text in texts)
    assert "commit " not in changes.intro()


def test_objectives_added_and_changed_with_the_dates_they_took_their_current_form(reviewed: Repo) -> None:
    changes = reviewed.changes()
    assert changes is not None
    assert kinds(changes.objectives) == [(Kind.CHANGED, "Objective O1", date(2027, 1, 15)),
                                         (Kind.ADDED, "Objective O2", date(2027, 2, 1))]
    # compared with the version before the review, not the first one: the tweak of 2026-12-01 is not a change
    assert changes.objectives[0].detail == "target date: 2027-01-12 \u2192 2027-03-31"
    assert "statement: Test will call a friend three times a week" in changes.objectives[1].detail


def test_intervention_items_added_removed_and_changed(reviewed: Repo) -> None:
    changes = reviewed.changes()
    assert changes is not None
    assert kinds(changes.interventions) == [
        (Kind.CHANGED, "Specific techniques and activities: behavioral-activation", date(2027, 1, 15)),
        (Kind.ADDED, "Homework assignments: \u201cKeep a daily activity log.\u201d", date(2027, 1, 15)),
        (Kind.CHANGED, "Psychoeducation: \u201cThe cycle of inactivity and low mood.\u201d", date(2027, 1, 15)),
        (Kind.REMOVED, "Homework assignments: thought-record", date(2027, 1, 15)),
    ]
    details = [change.detail for change in changes.interventions]
    assert details[0] == "parameters: activities=walks, calling a friend \u2192 activities=walks, choir"
    assert details[2] == "serves: O1 \u2192 O1, O2"
    assert details[3] == "serves: O1"


def test_a_change_not_yet_committed_has_no_date(reviewed: Repo) -> None:
    reviewed.write(("measure: Self-report in session", "measure: Call log"))
    changes = reviewed.changes()
    assert changes is not None
    assert kinds(changes.objectives)[1] == (Kind.ADDED, "Objective O2", None)


def test_a_new_review_date_in_the_working_tree_compares_with_the_last_commit(reviewed: Repo) -> None:
    reviewed.write(("review: 2027-04-10", "review: 2027-04-12"))
    changes = reviewed.changes()
    assert changes is not None and changes.review is None and not changes.first_cycle
    assert changes.since.date == date(2027, 2, 1) and changes.objectives == () and changes.interventions == ()
    assert "review date has changed since the last commit" in changes.intro()


def test_before_any_review_the_baseline_is_the_first_commit(repo: Repo) -> None:
    first = repo.commit("2026-11-02")
    repo.commit("2026-12-01", *TWEAK)
    changes = repo.changes()
    assert changes is not None and changes.first_cycle and changes.review is None
    assert changes.since.commit == first
    assert changes.intro().startswith("No review is recorded in this plan's history yet; compared with the plan as first "
                                      "committed on 2026-11-02")
    assert kinds(changes.objectives) == [(Kind.CHANGED, "Objective O1", date(2026, 12, 1))]
    assert changes.interventions == ()


def test_a_baseline_that_is_not_a_valid_plan_is_noted_not_diffed(repo: Repo) -> None:
    repo.commit("2026-11-02")
    repo.commit("2026-12-01", ("modality: CBT", "modality: ''"))  # invalid: empty modality
    repo.commit("2027-01-15", ("modality: ''", "modality: CBT"), *TWEAK, *REVIEW)
    changes = repo.changes()
    assert changes is not None and changes.since.date == date(2026, 12, 1)
    assert changes.note == ("The version committed on 2026-12-01 is not a valid plan, so the changes since then cannot "
                            "be listed.")
    assert changes.objectives == () and changes.interventions == ()


def test_no_history_outside_git_or_for_an_untracked_plan(repo: Repo, tmp_path: Path) -> None:
    assert changes_since_last_review(repo.root, PLAN, repo.plan()) is None  # repository without commits
    outside = make_clinic(tmp_path / "outside", {"plan.md": VALID_PLAN}, library=LIBRARY)
    assert changes_since_last_review(outside, PLAN, repo.plan()) is None
    repo.commit("2026-11-02")
    (repo.root / "plans" / "other.md").write_text(VALID_PLAN, encoding="utf-8")
    assert changes_since_last_review(repo.root, "plans/other.md", repo.plan()) is None


def test_no_history_without_git(reviewed: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = reviewed.plan()
    monkeypatch.setenv("PATH", "")
    assert changes_since_last_review(reviewed.root, PLAN, plan) is None
    assert plan_revisions(reviewed.root) == {}


# --- the chart -----------------------------------------------------------------------------------------


def render(repo: Repo, changes: ChangeSet | None) -> bytes:
    checked = check_project(repo.root, [repo.root / PLAN], today=TODAY).plans[0]
    return chart_docx(checked, load_policy(repo.root)[0], None, changes)


def test_the_chart_lists_the_changes_after_discharge_and_before_the_narrative(reviewed: Repo) -> None:
    chart = open_chart(render(reviewed, reviewed.changes()))
    sections = [text for level, text in headings(chart) if level == 1]
    at = sections.index("Changes since last review")
    assert sections[at - 1:at + 2] == ["Discharge criteria", "Changes since last review", "Clinical narrative"]
    rows = [row for table in table_rows(chart) for row in table]
    assert ["2027-01-15", "Objective O1 (changed)", "target date: 2027-01-12 \u2192 2027-03-31"] in rows
    assert ["2027-01-15", "Homework assignments: thought-record (removed)", "serves: O1"] in rows
    assert any(row[:2] == ["2027-02-01", "Objective O2 (added)"] for row in rows)
    assert any(text.startswith("Last review committed on 2027-01-15") for text in paragraph_texts(chart))


def test_commits_dated_beyond_what_a_date_can_hold_are_listed_at_the_nearest_date(repo: Repo) -> None:
    """A wrong clock, or a crafted commit, can date a commit after the year 9999 (git prints ``10000-01-02``);
    the history is still listed, and the chart still built."""
    repo.commit("2026-11-02")
    repo.commit("@253402387200 +0000", *TWEAK)  # 10000-01-02
    assert repo.git("log", "-1", "--format=%cs") == "10000-01-02"
    changes = repo.changes()
    assert changes is not None
    assert kinds(changes.objectives) == [(Kind.CHANGED, "Objective O1", date.max)]
    rows = [row for table in table_rows(open_chart(render(repo, changes))) for row in table]
    assert any(row[:2] == ["9999-12-31", "Objective O1 (changed)"] for row in rows)


def test_no_section_without_history(repo: Repo) -> None:
    chart = open_chart(render(repo, changes_since_last_review(repo.root, PLAN, repo.plan())))
    assert "Changes since last review" not in [text for _, text in headings(chart)]


def test_a_review_without_changes_says_so(repo: Repo) -> None:
    repo.commit("2026-11-02")
    repo.commit("2027-01-15", ("review: 2027-01-15", "review: 2027-01-20"))
    chart = open_chart(render(repo, repo.changes()))
    texts = paragraph_texts(chart)
    assert "No objectives added, removed or changed." in texts and "No interventions added, removed or changed." in texts


# --- fingerprints for the build ------------------------------------------------------------------------


def test_plan_revisions_outside_git_is_empty(tmp_path: Path) -> None:
    assert plan_revisions(make_clinic(tmp_path / "outside", {"plan.md": VALID_PLAN}, library=LIBRARY)) == {}


def test_plan_revisions_fingerprints_each_tracked_plan_with_one_git_call(reviewed: Repo,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    other = reviewed.root / "plans" / "other.md"
    other.write_text(edit(VALID_PLAN, ("T-0001", "T-0002")), encoding="utf-8")
    reviewed.git("add", "plans/other.md", day="2027-02-02")
    reviewed.git("commit", "-q", "-m", "other", day="2027-02-02")
    (reviewed.root / "plans" / "untracked.md").write_text(VALID_PLAN, encoding="utf-8")
    calls = count_calls(monkeypatch)
    revisions = plan_revisions(reviewed.root)
    assert len(calls) == 1
    assert revisions == {PLAN: reviewed.git("rev-list", "-1", "HEAD", "--", PLAN),
                         "plans/other.md": reviewed.git("rev-parse", "HEAD")}
    latest = reviewed.commit("2027-02-03", ("measure: Self-report in session", "measure: Call log"))
    assert plan_revisions(reviewed.root) == {**revisions, PLAN: latest}  # only the changed plan's fingerprint moves


def count_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run

    def counting(command: list[str], **options: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        return run(command, **options)

    monkeypatch.setattr(history.subprocess, "run", counting)
    return calls
