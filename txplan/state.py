"""The incremental-build state under build/: what each chart was built from.

The state records, per plan, a key over everything its chart depends on and
the check's findings, so that an unchanged plan is neither re-checked nor
re-rendered. Objective texts are kept only as hashes (the state lives beside
the charts but is not itself a record of care). A missing, corrupt or
foreign-version state simply means a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic
from .rules import ObjectiveText

STATE_FILE = Path("build") / ".txplan-state.json"
FORMAT = 2  # 2: charts' digests, which graph reuse checks


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class PlanEntry:
    key: str
    uses: list[str]
    ok: bool
    client_id: str
    diagnostics: list[Diagnostic]
    objectives: list[ObjectiveText]
    chart_size: int = -1
    chart_mtime_ns: int = -1
    chart_digest: str = ""  # of the bytes written: graphs are reused only from that very file

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["diagnostics"] = [asdict(d) for d in self.diagnostics]
        data["objectives"] = [asdict(o) for o in self.objectives]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanEntry:
        return cls(
            key=str(data["key"]),
            uses=[str(u) for u in data["uses"]],
            ok=bool(data["ok"]),
            client_id=str(data["client_id"]),
            diagnostics=[Diagnostic(**d) for d in data["diagnostics"]],
            objectives=[ObjectiveText(**o) for o in data["objectives"]],
            chart_size=int(data["chart_size"]),
            chart_mtime_ns=int(data["chart_mtime_ns"]),
            chart_digest=str(data["chart_digest"]),
        )


@dataclass
class BuildState:
    plans: dict[str, PlanEntry] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        payload = {"format": FORMAT, "version": __version__,
                   "plans": {k: v.to_json() for k, v in sorted(self.plans.items())}}
        return (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode()


def load_state(root: Path) -> BuildState:
    """The previous build's state, or an empty one when it is missing or unreadable."""
    try:
        payload = json.loads((root / STATE_FILE).read_bytes())
        if payload.get("format") != FORMAT or payload.get("version") != __version__:
            return BuildState()
        return BuildState({str(k): PlanEntry.from_json(v) for k, v in payload["plans"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return BuildState()
