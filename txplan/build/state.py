"""The incremental-build state under build/: what each chart was built from.

The state records, per plan, a key over everything its chart depends on and
the check's findings, so that an unchanged plan is neither re-checked nor
re-rendered. Objective texts are kept only as hashes (the state lives beside
the charts but is not itself a record of care).

The state is input like any other file: it is validated when read. Anything
unexpected (a code txplan does not have, a path outside plans/, a message with
control characters, a field of the wrong kind) means it is ignored as a whole,
with one warning (TX604), and every chart is built again; nothing in it is
replayed. A missing state, or one written by another txplan version, simply
means a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from .. import __version__
from ..diagnostics import CODES, Diagnostic, make
from ..layout import PLAN_SUFFIX, PLANS, STATE_FILE, Output
from ..rules import ObjectiveText, shown_id
from ..signatures.records import SIDECAR_SUFFIX

__all__ = ["FORMAT", "BuildState", "OutputRecord", "PlanEntry", "digest", "load_state"]

FORMAT = 5  # 4: a record per output (DOCX, HTML, PDF, FHIR), each checked by its digest on every build; 5: stale ones
_HEX = re.compile(r"^[0-9a-f]{64}$")
_OUTPUT_KINDS = frozenset(kind.value for kind in Output)
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class OutputRecord:
    """One output file as this build state wrote it: it counts as current, and a chart's graphs are reused, only
    while the file still has these very bytes."""

    size: int
    digest: str


@dataclass
class PlanEntry:
    key: str
    uses: list[str]
    ok: bool
    client_id: str
    diagnostics: list[Diagnostic]
    objectives: list[ObjectiveText]
    outputs: dict[str, OutputRecord] = field(default_factory=dict)  # current ones, by ``layout.Output`` value
    # files it wrote for an earlier version of the plan, still on disk (the plan failed since, or that output was
    # not asked for): never current, but removed with the plan when it is deleted
    stale: dict[str, OutputRecord] = field(default_factory=dict)

    def record(self, kind: str, record: OutputRecord) -> None:
        """An output made (or found current) for this version of the plan: it is no longer stale."""
        self.outputs[kind] = record
        self.stale.pop(kind, None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BuildState:
    plans: dict[str, PlanEntry] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        payload = {"format": FORMAT, "version": __version__,
                   "plans": {k: v.to_json() for k, v in sorted(self.plans.items())}}
        return (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode()


_ENTRIES: TypeAdapter[dict[str, PlanEntry]] = TypeAdapter(dict[str, PlanEntry], config=ConfigDict(strict=True))


class _Damaged(ValueError):
    pass


def load_state(root: Path) -> tuple[BuildState, Diagnostic | None]:
    """The previous build's state; empty when it is missing or from another version, empty with a TX604 warning
    when it is damaged in any way."""
    path = root / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return BuildState(), None
    except OSError:
        return BuildState(), _damaged()
    try:
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise _Damaged("not an object")
        if payload.get("format") != FORMAT or payload.get("version") != __version__:
            return BuildState(), None  # written by another txplan: expected after an upgrade
        plans = _ENTRIES.validate_json(json.dumps(payload.get("plans")))  # strict, as JSON: no coercion
        for path_key, entry in plans.items():
            _check_entry(path_key, entry)
    except (ValueError, ValidationError, RecursionError):  # JSONDecodeError and _Damaged are ValueErrors
        return BuildState(), _damaged()
    return BuildState(plans), None


def _damaged() -> Diagnostic:
    return make(STATE_FILE.as_posix(), (1, 1), "TX604", "the build state was not written by this txplan as it is now; "
                                                       "it is ignored and every chart is built again")


def _check_entry(path: str, entry: PlanEntry) -> None:
    """What the build relies on: the path names a plan file under plans/, findings are txplan's own codes at
    that plan with printable messages, digests are digests."""
    relative = PurePosixPath(path)
    if (relative.parts[:1] != (PLANS.as_posix(),) or len(relative.parts) < 2 or relative.suffix != PLAN_SUFFIX
            or any(part in ("", ".", "..") or part.startswith(".") for part in relative.parts)
            or path != relative.as_posix() or _UNPRINTABLE.search(path)):
        raise _Damaged("plan path")
    for diagnostic in entry.diagnostics:
        if (diagnostic.code not in CODES or diagnostic.path not in (path, path + SIDECAR_SUFFIX) or diagnostic.line < 1
                or diagnostic.col < 1
                or _UNPRINTABLE.search(diagnostic.message)):
            raise _Damaged("diagnostic")
    if entry.key and not _HEX.match(entry.key):
        raise _Damaged("key")
    if any(kind not in _OUTPUT_KINDS or not _HEX.match(record.digest) or record.size < 0
           for records in (entry.outputs, entry.stale) for kind, record in records.items()):
        raise _Damaged("output record")
    if any(not _HEX.match(o.text_hash) or o.line < 1 or o.col < 1 or o.objective_id != shown_id(o.objective_id)
           for o in entry.objectives):
        raise _Damaged("objective")
