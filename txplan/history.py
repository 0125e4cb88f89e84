"""Revision history from git: what changed in a plan since its last review.

Plans live in git, so the history of a plan file is the history of the plan.
Everything here asks git itself (``git log``, ``git cat-file``), never reads
``.git``; outside a repository, for an untracked plan, or without git there is
simply no history.

History follows the first-parent line of the checked-out branch: the versions
of the plan as they came into force on that branch (a merged branch counts as
of its merge commit). A rename starts a new history.

The baseline rule. A plan's ``dates.review`` is its next review date, so a
review is recorded by the commit that moves it. The versions since then (the
*current review cycle*) share the current ``dates.review``; the baseline is the
newest commit whose ``dates.review`` differs from the plan being charted, that
is the plan as it stood just before its last review. When no commit has a
different review date (no review yet), the baseline is the plan as first
committed. Changes are the net difference between the baseline and the plan
being charted, each dated by the commit from which it has stood as it is now
(None: in the working tree, not committed yet).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from enum import StrEnum
from itertools import takewhile
from pathlib import Path

from pydantic import ValidationError

from .elements import ELEMENTS_BY_KEY, TEMPLATE_ELEMENTS
from .frontmatter import parse_document
from .instruments import score_text
from .layout import PLANS
from .model import Item, Plan

__all__ = [
    "GIT_TIMEOUT_SECONDS",
    "Change",
    "ChangeSet",
    "Kind",
    "Revision",
    "changes_since_last_review",
    "plan_revisions",
]

GIT_TIMEOUT_SECONDS = 60
_NO_BLOB = "0" * 40
_TEXT_SHOWN = 80  # characters of a text item that name it in the list of changes


def _git(root: Path, *arguments: str, stdin: bytes | None = None) -> bytes | None:
    """Output of one git command in ``root``; None when git is missing, fails, or ``root`` is not in a repository."""
    command = ["git", "--literal-pathspecs", "--no-pager", "-C", str(root), "-c", "core.quotePath=false", *arguments]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, timeout=GIT_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def plan_revisions(root: Path) -> dict[str, str]:
    """Each plan's path (``plans/x.md``) with the latest commit that changed it, from one ``git log`` for the
    whole folder: a fingerprint of the plan's history (a commit names all its ancestors), for build keys."""
    output = _git(root, "log", "--first-parent", "-z", "--relative", "--name-only", "--format=%x01%H", "--", PLANS.as_posix())
    if output is None:
        return {}
    latest: dict[str, str] = {}
    commit = ""
    for token in output.decode("utf-8", "surrogateescape").split("\0"):
        if token.startswith("\x01"):
            commit = token[1:]
        elif token.strip():
            latest.setdefault(token.removeprefix("\n"), commit)  # newest first: the first commit seen is the latest
    return latest


# --- versions of one plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """One committed version of a plan: its commit, the commit date, and the ``dates.review`` it had."""

    commit: str
    date: date
    review: str  # ISO date as written in that version; "" when it cannot be read


@dataclass(frozen=True)
class _Version:
    revision: Revision
    plan: Plan | None  # None: that version is not a valid plan


def _versions(root: Path, plan_path: str) -> list[_Version]:
    """Every committed version of the plan, newest first: one ``git log`` and one ``git cat-file`` in all."""
    log = _git(root, "log", "--first-parent", "--raw", "--no-abbrev", "--no-renames", "--format=%x01%H %cs", "--",
               plan_path)
    if not log:
        return []
    commits = list(_commits_with_blobs(log.decode("utf-8", "replace")))
    contents = _blobs(root, [blob for _, _, blob in commits])
    if contents is None or len(contents) != len(commits):
        return []
    return [_version(commit, day, raw, plan_path) for (commit, day, _), raw in zip(commits, contents, strict=True)]


def _commits_with_blobs(log: str) -> Iterator[tuple[str, date, str]]:
    """(commit, commit date, blob of the plan) from ``git log --raw``; commits that deleted the plan are skipped."""
    commit, day = "", date.min
    for line in log.splitlines():
        if line.startswith("\x01"):
            commit, _, stamp = line[1:].partition(" ")
            day = _commit_day(stamp)
        elif line.startswith(":"):
            blob = line.split("\t", 1)[0].split()[3]
            if blob != _NO_BLOB:
                yield commit, day, blob


_GIT_DAY = re.compile(r"(-?[0-9]+)-([0-9]{2})-([0-9]{2})")


def _commit_day(stamp: str) -> date:
    """A commit date as ``git log --format=%cs`` prints it. A commit's date is whatever its author's clock or
    tools wrote, and git prints years past 9999 (``10000-01-01``) that Python's dates cannot hold: such a
    date reads as the nearest one that can be held, and one that cannot be read at all as the earliest, so
    history is still listed and a stray commit never stops a build."""
    match = _GIT_DAY.fullmatch(stamp.strip())
    if match is None:
        return date.min
    year, month, day = (int(part) for part in match.groups())
    if year > MAXYEAR:
        return date.max
    if year < MINYEAR:
        return date.min
    try:
        return date(year, month, day)
    except ValueError:
        return date.min


def _blobs(root: Path, blobs: Sequence[str]) -> list[bytes] | None:
    """The contents of the blobs, in order, from one ``git cat-file --batch``; None if any is missing
    (a shallow or partial clone)."""
    output = _git(root, "cat-file", "--batch", stdin="".join(f"{blob}\n" for blob in blobs).encode())
    if output is None:
        return None
    contents: list[bytes] = []
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()  # "<oid> blob <size>", or "<oid> missing"
        if len(header) != 3:
            return None
        size = int(header[2])
        contents.append(output[header_end + 1:header_end + 1 + size])
        position = header_end + 1 + size + 1  # the content is followed by a newline
    return contents


def _version(commit: str, day: date, raw: bytes, plan_path: str) -> _Version:
    document, _ = parse_document(raw, plan_path)
    if document is None:
        return _Version(Revision(commit, day, ""), None)
    dates = document.data.get("dates")
    review = str(dates.get("review", "")) if isinstance(dates, dict) else ""  # a date or text, read leniently
    try:
        plan = Plan.model_validate(document.data)
    except ValidationError:
        plan = None
    return _Version(Revision(commit, day, review), plan)


# --- what changed --------------------------------------------------------------------------------------


class Kind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One objective or intervention added, removed or changed; ``date`` is the commit date from which it has
    been as it is now (None: not committed yet)."""

    kind: Kind
    subject: str  # "Objective O3", "Homework assignments: thought-record"
    detail: str  # the fields of what was added or removed, or "field: old → new" for each changed field
    date: date | None


@dataclass(frozen=True)
class ChangeSet:
    """The changes to a plan since its last review. ``review`` is the commit that recorded that review (moved
    ``dates.review`` to its current value); None when no review is recorded (``first_cycle``) or when the new
    review date is not committed yet."""

    since: Revision  # the baseline: the version compared with
    review: Revision | None
    first_cycle: bool
    objectives: tuple[Change, ...] = ()
    interventions: tuple[Change, ...] = ()
    note: str = ""  # why changes could not be listed, when they could not

    def intro(self) -> str:
        """One sentence saying what the plan is compared with. Versions are named by the date they were committed,
        which is what a reader of the chart can place; a commit hash means nothing in a client's record."""
        when = self.since.date.isoformat()
        since = f"the version committed on {when}"
        if self.first_cycle:
            return f"No review is recorded in this plan's history yet; compared with the plan as first committed on {when}."
        if self.review is None:
            return f"The review date has changed since the last commit; compared with {since}."
        return (f"Last review committed on {self.review.date.isoformat()}; compared with {since}, the plan as it "
                "stood before that review.")


@dataclass(frozen=True)
class _Entry:
    """Something a review may change, with the fields that make it what it is."""

    subject: str
    fields: tuple[tuple[str, str], ...]


_Key = tuple[str, ...]
_Snapshot = dict[_Key, _Entry]


def changes_since_last_review(root: Path, plan_path: str, plan: Plan) -> ChangeSet | None:
    """What changed in ``plan`` (the version being charted) since its last review, by the baseline rule in the
    module docstring; None when the plan has no history in git."""
    versions = _versions(root, plan_path)
    if not versions:
        return None
    review = plan.dates.review.isoformat()
    cycle = list(takewhile(lambda version: version.revision.review == review, versions))
    first_cycle = len(cycle) == len(versions)
    window = versions[:-1] if first_cycle else cycle  # the versions newer than the baseline
    baseline = versions[len(window)]
    recorded = None if first_cycle or not cycle else cycle[-1].revision
    if baseline.plan is None:
        note = (f"The version committed on {baseline.revision.date.isoformat()} is not a valid plan, so the changes "
                "since then cannot be listed.")
        return ChangeSet(baseline.revision, recorded, first_cycle, note=note)
    changes = _diff(_snapshot(baseline.plan), _snapshot(plan), [_snapshot_of(v) for v in window], window)
    return ChangeSet(baseline.revision, recorded, first_cycle,
                     objectives=tuple(c for key, c in changes if key[0] == "objectives"),
                     interventions=tuple(c for key, c in changes if key[0] != "objectives"))


def _snapshot_of(version: _Version) -> _Snapshot | None:
    return None if version.plan is None else _snapshot(version.plan)


def _diff(before: _Snapshot, now: _Snapshot, window: list[_Snapshot | None], versions: list[_Version]
          ) -> list[tuple[_Key, Change]]:
    """The net changes from ``before`` to ``now``, in the plan's order (removed entries last), each dated."""
    found: list[tuple[_Key, Change]] = []
    for key in [*now, *(key for key in before if key not in now)]:
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        day = _since(key, new, window, versions)
        if old is None and new is not None:
            found.append((key, Change(Kind.ADDED, new.subject, _describe(new), day)))
        elif new is None and old is not None:
            found.append((key, Change(Kind.REMOVED, old.subject, _describe(old), day)))
        elif old is not None and new is not None:
            found.append((key, Change(Kind.CHANGED, new.subject, _compare(old, new), day)))
    return found


def _since(key: _Key, value: _Entry | None, window: list[_Snapshot | None], versions: list[_Version]) -> date | None:
    """The date of the oldest of the newest consecutive versions in which ``key`` already had ``value``."""
    day: date | None = None
    for snapshot, version in zip(window, versions, strict=True):
        if snapshot is None or snapshot.get(key) != value:
            break
        day = version.revision.date
    return day


def _describe(entry: _Entry) -> str:
    return "; ".join(f"{name}: {value}" for name, value in entry.fields if value)


def _compare(old: _Entry, new: _Entry) -> str:
    before = dict(old.fields)
    return "; ".join(f"{name}: {before.get(name) or 'none'} \u2192 {value or 'none'}"
                     for name, value in new.fields if before.get(name) != value)


# --- what a review looks at ----------------------------------------------------------------------------


def _snapshot(plan: Plan) -> _Snapshot:
    """Objectives by id; approaches by modality; items by element and template id or text (the nth use of the
    same template in one element is its own entry); frequency; measures by instrument (scores are progress,
    not changes to the plan)."""
    entries: _Snapshot = {}
    for objective in plan.objectives():
        entries["objectives", objective.id] = _Entry(f"Objective {objective.id}", (
            ("statement", objective.statement), ("measure", objective.measure),
            ("target date", objective.target_date.isoformat())))
    interventions = plan.interventions
    for approach in interventions.approaches or []:
        entries["approaches", approach.modality] = _Entry(_subject("approaches", approach.modality),
                                                          (("rationale", approach.rationale),))
    for key in TEMPLATE_ELEMENTS:  # the elements that hold items, the crisis element's `items` among them
        entries.update(_items(key, interventions.items(key)))
    if interventions.frequency is not None:
        entries["frequency",] = _Entry(ELEMENTS_BY_KEY["frequency"].title, tuple(
            (name, ", ".join(value) if isinstance(value, list) else str(value))
            for name, value in interventions.frequency.model_dump().items()))
    for measure in interventions.evaluation.measures if interventions.evaluation else []:
        entries["evaluation", measure.instrument] = _Entry(_subject("evaluation", f"{measure.instrument}"), (
            ("baseline", score_text(measure.baseline)), ("target", score_text(measure.target)), ("every", measure.every)))
    return entries


def _items(element: str, items: Sequence[Item]) -> Iterator[tuple[_Key, _Entry]]:
    seen: dict[str, int] = {}
    for item in items:
        name = item.use if item.use is not None else " ".join((item.text or "").split())
        seen[name] = seen.get(name, 0) + 1
        shown = name if item.use is not None else f"\u201c{_shorten(name)}\u201d"
        parameters = ", ".join(f"{key}={value}" for key, value in sorted(item.with_.items()))
        yield (element, name, str(seen[name])), _Entry(_subject(element, shown), (
            ("parameters", parameters), ("serves", ", ".join(item.for_)), ("responsible", item.by or "")))


def _subject(element: str, name: str) -> str:
    return f"{ELEMENTS_BY_KEY[element].title}: {name}"


def _shorten(text: str) -> str:
    return text if len(text) <= _TEXT_SHOWN else text[:_TEXT_SHOWN - 1].rstrip() + "\u2026"

