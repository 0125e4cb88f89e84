"""Caseload review status: which plans need attention, as of a given day (see docs/status.md).

One row per plan: review date and days until it, objectives past their target
date, measures not scored within their schedule, high risk, the PHQ-9's latest
item 9 when it is above 0, and errors. Rows show chart ids, never client names,
unless a caller asks for names.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .. import cadence
from ..check import CheckedPlan, CheckResult
from ..diagnostics import printable
from ..instruments import known_instrument
from ..model import Frequency, Id, Measure, Plan
from ..progress import risk_item_recorded
from ..safety import RISK_LEVELS

__all__ = [
    "FORMATS",
    "RED",
    "RESET",
    "TABLE_HEADERS",
    "StatusRow",
    "caseload",
    "columns",
    "filter_rows",
    "format_csv",
    "format_json",
    "format_rows",
    "format_table",
    "interval_days",
    "last_scored",
    "latest_item9",
    "objectives_past_target",
    "record",
    "stale_measures",
    "status_row",
    "unloaded_row",
]

FORMATS = ("table", "csv", "json")

RED, RESET = "\x1b[31m", "\x1b[0m"
TABLE_HEADERS = {"client_id": "client", "client_name": "name", "days_to_review": "days",
                 "objectives_past_target": "past target", "stale_measures": "stale measures", "high_risk": "high risk",
                 "item9": "item 9", "unsigned_days": "days unsigned", "signing_overdue": "signing overdue"}


@dataclass(frozen=True)
class StatusRow:
    """One plan's review status. ``client_id`` is the plan's file path when the plan holds no valid chart id."""

    client_id: str
    client_name: str | None
    clinician: str | None
    status: str | None  # None: the plan did not load
    review: date | None
    days_to_review: int | None  # negative: overdue
    objectives_past_target: tuple[str, ...] = ()
    stale_measures: tuple[str, ...] = ()
    risk: str | None = None
    item9: int | None = None  # the PHQ-9's item 9 on its latest score, when above 0
    unsigned: tuple[str, ...] = ()  # roles whose signature is missing or for an earlier version (clinics that sign)
    unsigned_days: int | None = None  # days since the effective date, while any signature is missing
    signing_overdue: bool = False  # unsigned for longer than the policy's sign_within_days
    unverified: tuple[str, ...] = ()  # roles whose records could not be verified (no ssh-keygen): neither signed nor not
    errors: int = 0

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def overdue(self) -> bool:
        """A review date in the past; a closed plan is never overdue."""
        return not self.closed and self.days_to_review is not None and self.days_to_review < 0

    @property
    def high_risk(self) -> bool:
        """High risk always requires the crisis (safety) plan, so these are the crisis plans to keep in view."""
        return self.risk == "high"


def caseload(result: CheckResult, today: date) -> list[StatusRow]:
    """A row for every plan of a checked clinic, most urgent first: unreadable, then by review date, closed last."""
    signing = (result.root / result.policy.allowed_signers).is_file()  # see signatures.verify
    sign_within = result.policy.sign_within_days if signing else None
    rows = [status_row(checked, today, sign_within) for checked in result.plans]
    return sorted(rows, key=_urgency)


def _urgency(row: StatusRow) -> tuple[bool, int, str]:
    days = row.days_to_review if row.days_to_review is not None else -(10**9)
    return row.closed, days, row.client_id


def status_row(checked: CheckedPlan, today: date, sign_within: int | None = None) -> StatusRow:
    """One plan's row; ``sign_within`` is the policy's days to sign in a clinic that signs electronically
    (None: it signs by hand, and unsigned plans are not listed)."""
    errors = sum(d.is_error for d in checked.diagnostics)
    plan = checked.plan
    if plan is None:
        return unloaded_row(checked, errors)
    attention = plan.status != "closed"
    waiting = [s for s in checked.signatures if s.record is None or not s.current] \
        if sign_within is not None and plan.status == "active" else []
    unsigned = tuple(s.role.value for s in waiting if not s.unverified)
    days = (today - plan.dates.effective).days if unsigned else None
    return StatusRow(
        client_id=plan.client.id,
        client_name=plan.client.name,
        clinician=plan.clinician.name,
        status=plan.status,
        review=plan.dates.review,
        days_to_review=(plan.dates.review - today).days,
        objectives_past_target=objectives_past_target(plan, today) if attention else (),
        stale_measures=stale_measures(plan, today) if attention else (),
        risk=plan.risk.level,
        item9=latest_item9(plan) if attention else None,
        unsigned=unsigned,
        unsigned_days=days,
        signing_overdue=days is not None and sign_within is not None and days > sign_within,
        unverified=tuple(s.role.value for s in waiting if s.unverified),
        errors=errors,
    )


def latest_item9(plan: Plan) -> int | None:
    """The highest answer above 0 to a risk item (the PHQ-9's item 9) on the most recent score of its measure that
    records it (a later score that leaves it blank does not clear it); None when every such answer is 0 or none is
    recorded. An earlier answer above 0 that has since gone to 0 is not listed."""
    evaluation = plan.interventions.evaluation
    measures = [m for m in evaluation.measures if _has_risk_item(m)] if evaluation is not None else []
    answers = [m.scores[i].item9 or 0 for m in measures if (i := risk_item_recorded(m.scores)) is not None]
    return max(answers, default=0) or None


def _has_risk_item(measure: Measure) -> bool:
    known = known_instrument(measure.instrument)
    return known is not None and known.risk_item is not None


def unloaded_row(checked: CheckedPlan, errors: int) -> StatusRow:
    """A plan that did not validate: what can be read of who it is for, and its error count."""
    data = checked.document.data if checked.document is not None else {}
    return StatusRow(
        client_id=_chart_id(data) or checked.path,
        client_name=_text_at(data, "client", "name"),
        clinician=_text_at(data, "clinician", "name"),
        status=None,
        review=None,
        days_to_review=None,
        risk=_risk_level(data),  # a high-risk plan stays flagged even while it has errors
        errors=errors,
    )


def _text_at(data: dict[str, Any], section: str, key: str) -> str | None:
    """A text value read leniently from front matter that did not validate."""
    part = data.get(section)
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, str) and value else None


_ID = TypeAdapter(Id)


def _chart_id(data: dict[str, Any]) -> str | None:
    """``client.id`` of a plan that did not validate, only when it is a chart id (``[A-Za-z0-9_-]``). Anything
    else there is likely a name or a date of birth typed in its place (``Dana Example 1991-06-14``), and is
    withheld like names are."""
    value = _text_at(data, "client", "id")
    try:
        return _ID.validate_python(value) if value is not None else None
    except ValidationError:
        return None


def _risk_level(data: dict[str, Any]) -> str | None:
    level = _text_at(data, "risk", "level")
    return level if level in RISK_LEVELS else None


def objectives_past_target(plan: Plan, today: date) -> tuple[str, ...]:
    return tuple(o.id for o in plan.objectives() if o.target_date < today)


def stale_measures(plan: Plan, today: date) -> tuple[str, ...]:
    """Instruments whose latest score (or the effective date, before any) is older than their schedule allows."""
    evaluation = plan.interventions.evaluation
    if evaluation is None:
        return ()
    frequency = plan.interventions.frequency
    return tuple(m.instrument for m in evaluation.measures
                 if (today - last_scored(m, plan.dates.effective)).days > interval_days(m.every, frequency))


def last_scored(measure: Measure, effective: date) -> date:
    return max((s.date for s in measure.scores), default=effective)


def interval_days(every: str, frequency: Frequency | None) -> int:
    """Days allowed between scores: `session` follows the plan's schedule (weekly without one), a week is 7
    days, a month 30 (``cadence``)."""
    return cadence.interval_days(every, frequency.schedule if frequency is not None else None)


def filter_rows(rows: Sequence[StatusRow], clinician: str | None, due_within: int | None) -> list[StatusRow]:
    """Rows of a clinician (case-insensitive, any part of the name) and/or with a review due within N days.

    ``due_within`` keeps overdue plans and plans that did not load (their review date is unknown), and drops
    closed plans.
    """
    return [row for row in rows if _clinician_matches(row, clinician) and _due_within(row, due_within)]


def _clinician_matches(row: StatusRow, clinician: str | None) -> bool:
    return clinician is None or (row.clinician is not None and clinician.casefold() in row.clinician.casefold())


def _due_within(row: StatusRow, days: int | None) -> bool:
    if days is None:
        return True
    return not row.closed and (row.days_to_review is None or row.days_to_review <= days)


def record(row: StatusRow, *, names: bool) -> dict[str, Any]:
    """The row as ordered, JSON-ready fields; the client name only when asked for."""
    fields: dict[str, Any] = {"client_id": row.client_id}
    if names:
        fields["client_name"] = row.client_name
    fields.update(
        clinician=row.clinician,
        status=row.status,
        review=row.review.isoformat() if row.review else None,
        days_to_review=row.days_to_review,
        overdue=row.overdue,
        objectives_past_target=list(row.objectives_past_target),
        stale_measures=list(row.stale_measures),
        risk=row.risk,
        high_risk=row.high_risk,
        item9=row.item9,
        unsigned=list(row.unsigned),
        unsigned_days=row.unsigned_days,
        signing_overdue=row.signing_overdue,
        unverified=list(row.unverified),
        errors=row.errors,
    )
    return fields


def format_json(rows: Sequence[StatusRow], *, names: bool) -> str:
    """JSON in ASCII: every other character as a ``\\u`` escape, so no control or bidi character of a plan
    reaches a terminal the output is printed on."""
    return json.dumps([record(r, names=names) for r in rows], indent=2) + "\n"


def format_csv(rows: Sequence[StatusRow], *, names: bool) -> str:
    """CSV with a header row; lists are space-separated, booleans `true`/`false`, missing values empty.
    Text that a spreadsheet would run as a formula is neutralized (see ``_csv_text``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(names=names))
    for row in rows:
        writer.writerow(_csv_value(v) for v in record(row, names=names).values())
    return out.getvalue()


def columns(*, names: bool) -> list[str]:
    """The field names of ``record``, taken from it so that headers never drift from the fields."""
    return list(record(StatusRow("", None, None, None, None, None), names=names))


def _csv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _csv_text(" ".join(value))
    if isinstance(value, str):
        return _csv_text(value)
    return "" if value is None else str(value)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(text: str) -> str:
    """Text from a plan as a CSV cell: a cell starting like a formula (``=HYPERLINK(...)``) gets a leading
    ``'``, as the OWASP guidance on CSV injection says, and characters a terminal acts on are escaped. Numbers
    txplan computes (a negative ``days_to_review``) stay numbers."""
    return printable("'" + text if text.startswith(_FORMULA_STARTS) else text)


def format_table(rows: Sequence[StatusRow], *, color: bool, names: bool) -> str:
    """An aligned text table; overdue rows in red when ``color`` (ANSI codes never appear otherwise)."""
    header = [TABLE_HEADERS.get(k, k) for k in columns(names=names)]
    cells = [[_table_value(v) for v in record(row, names=names).values()] for row in rows]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    lines = [_table_line(header, widths)]
    for row, line in zip(rows, cells, strict=True):
        text = _table_line(line, widths)
        lines.append(f"{RED}{text}{RESET}" if color and row.overdue else text)
    return "\n".join(lines) + "\n"


def _table_line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _table_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return printable(", ".join(value)) or "-"
    return "-" if value is None else printable(str(value))


_FORMATTERS: dict[str, Callable[[Sequence[StatusRow], bool, bool], str]] = {
    "table": lambda rows, color, names: format_table(rows, color=color, names=names),
    "csv": lambda rows, color, names: format_csv(rows, names=names),
    "json": lambda rows, color, names: format_json(rows, names=names),
}


def format_rows(rows: Sequence[StatusRow], fmt: str, *, color: bool = False, names: bool = False) -> str:
    """Format rows as ``table``, ``csv`` or ``json`` (one of ``FORMATS``); ``color`` applies to the table only."""
    return _FORMATTERS[fmt](rows, color, names)
