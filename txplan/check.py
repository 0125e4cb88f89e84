"""Check a clinic: load → validate → rules → render template items.

This is the stage every command runs first. It returns data (plans, rendered
items, diagnostics) and never prints; the CLI decides what to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic, make
from .frontmatter import Document, KeyPath, load_document
from .model import Plan
from .policy import Policy, load_policy
from .rules import check_rules, objective_paths
from .templates import Library, RenderError, load_library
from .validation import validation_diagnostics

PLAN_DIR = Path("plans")


@dataclass
class CheckedPlan:
    source: Path
    path: str
    document: Document | None = None
    plan: Plan | None = None
    rendered: dict[KeyPath, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(d.is_error for d in self.diagnostics)


@dataclass
class CheckResult:
    root: Path
    policy: Policy
    library: Library
    plans: list[CheckedPlan]
    project_diagnostics: list[Diagnostic]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = list(self.project_diagnostics)
        for checked in self.plans:
            found.extend(checked.diagnostics)
        return sorted(found)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def discover_plans(root: Path) -> list[Path]:
    folder = root / PLAN_DIR
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def render_context(plan: Plan) -> dict[str, Any]:
    """What a template body may see of the plan: names only, as the spec lists."""
    return {
        "client": {"name": plan.client.name, "first_name": plan.client.first_name,
                   "pronouns": plan.client.pronouns or ""},
        "clinician": {"name": plan.clinician.name},
    }


def check_project(root: Path, plan_paths: Sequence[Path] | None = None, today: date | None = None) -> CheckResult:
    """Check the policy, the template library and the plans (all of plans/ by default)."""
    today = today or date.today()
    policy, policy_diagnostics = load_policy(root)
    library = load_library(root)
    paths = list(plan_paths) if plan_paths is not None else discover_plans(root)
    plans = [check_plan(p, display_path(p, root), policy, library, today) for p in paths]
    # the other plans of the clinic, for TX304; compared resolved, as `plans/a.md` and `/clinic/plans/a.md` are one file
    checked_now = {p.resolve() for p in paths}
    others = [p for p in discover_plans(root) if p.resolve() not in checked_now] if plan_paths is not None else []
    # plans of this run that failed validation still hold objectives that others may have copied
    unvalidated = [_statements_in(c.document.data) for c in plans if c.plan is None and c.document is not None]
    flag_copied_objectives(plans, [_statements_of(p) for p in others] + unvalidated)
    return CheckResult(root, policy, library, plans, policy_diagnostics + library.diagnostics)


def check_plan(source: Path, path: str, policy: Policy, library: Library, today: date) -> CheckedPlan:
    checked = CheckedPlan(source, path)
    document, diagnostics = load_document(source, path)
    checked.diagnostics.extend(diagnostics)
    if document is None:
        return checked
    checked.document = document
    try:
        plan = Plan.model_validate(document.data)
    except ValidationError as exc:
        checked.diagnostics.extend(validation_diagnostics(exc, document, Plan))
        return checked
    checked.plan = plan
    checked.diagnostics.extend(check_rules(plan, document, policy, library, today))
    # rendered whatever the rules found, so that a TX223 shows up in the same run as the other errors
    checked.rendered = render_items(checked, library)
    return checked


def render_items(checked: CheckedPlan, library: Library) -> dict[KeyPath, str]:
    """Render every template item to Markdown; a failure is a TX223 on that item."""
    assert checked.plan is not None and checked.document is not None
    context = render_context(checked.plan)
    rendered: dict[KeyPath, str] = {}
    for path, item in checked.plan.usables():
        if item.text is not None:
            rendered[path] = item.text
            continue
        template = library.get(item.use or "")
        if template is None or template.missing_params(item.with_):
            continue  # already a TX220 or TX222; rendering could only repeat it
        try:
            rendered[path] = template.render(item.with_, context)
        except RenderError as exc:
            checked.diagnostics.append(make(checked.path, checked.document.positions.of_value((*path, "use")),
                                            "TX223", f"template `{template.id}` failed: {exc}"))
    return rendered


def _normalise(statement: str) -> str:
    return re.sub(r"\s+", " ", statement).strip().casefold()


def _statements_of(source: Path) -> tuple[str, set[str]]:
    """Client id and objective statements of a plan outside this run, read leniently."""
    document, _ = load_document(source, source.name)
    return _statements_in(document.data) if document is not None else ("", set())


def _statements_in(data: dict[str, Any]) -> tuple[str, set[str]]:
    """Client id and objective statements of front matter that may not be a valid plan."""
    client = data.get("client")
    client_id = str(client.get("id", "")) if isinstance(client, dict) else ""
    statements: set[str] = set()
    for problem in _dicts(data.get("problems")):
        for goal in _dicts(problem.get("goals")):
            for objective in _dicts(goal.get("objectives")):
                if isinstance(objective.get("statement"), str):
                    statements.add(_normalise(objective["statement"]))
    return client_id, statements


def _dicts(value: object) -> Iterable[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def flag_copied_objectives(plans: list[CheckedPlan], others: list[tuple[str, set[str]]]) -> None:
    """Warn (TX304) on an objective whose text appears verbatim in another client's plan."""
    owners: dict[str, set[str]] = {}
    for client_id, statements in others:
        for statement in statements:
            owners.setdefault(statement, set()).add(client_id)
    for checked in plans:
        if checked.plan is not None:
            for _, objective in objective_paths(checked.plan):
                owners.setdefault(_normalise(objective.statement), set()).add(checked.plan.client.id)
    for checked in plans:
        if checked.plan is None or checked.document is None:
            continue
        for path, objective in objective_paths(checked.plan):
            clients = owners[_normalise(objective.statement)] - {checked.plan.client.id}
            if clients:
                checked.diagnostics.append(make(
                    checked.path, checked.document.positions.of_value((*path, "statement")), "TX304",
                    f"objective {objective.id} is word for word the same as one in {len(clients)} other "
                    f"client plan(s); write it for this client"))
