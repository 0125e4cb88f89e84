"""Check a clinic: load → validate → rules → render template items.

This is the stage every command runs first. It returns data (plans, rendered
items, diagnostics) and never prints; the CLI decides what to show.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from .diagnostics import Diagnostic, make
from .frontmatter import Document, KeyPath, Pos, load_document
from .layout import (
    INTERVENTIONS,
    PLAN_SUFFIX,
    PLANS,
    PlanOutsideClinic,
    PlansUnreadable,
    chart_folder_clash,
    discover_plans,
    plan_path,
    under_plans,
)
from .model import Plan
from .phi import scan_identifiers
from .policy import Policy, load_policy
from .rules import ObjectiveTexts, check_rules, copied_objectives, objective_texts
from .signatures.records import SIDECAR_SUFFIX, load_sidecar, sidecar_path
from .signatures.verify import Signature, signature_states, signers_file_findings
from .skeleton import placeholder_findings
from .templates import Library, RenderError, load_library
from .validation import validation_diagnostics

__all__ = [
    "CheckResult",
    "CheckTargets",
    "CheckedPlan",
    "check_plan",
    "check_project",
    "check_signatures",
    "check_targets",
    "clinic_copies",
    "display_path",
    "flag_copied_objectives",
    "partial_plan",
    "render_context",
    "render_items",
]


@dataclass
class CheckedPlan:
    source: Path
    path: str
    document: Document | None = None
    plan: Plan | None = None
    rendered: dict[KeyPath, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)  # as the chart shows them; set when checked in a clinic
    unfilled: set[Pos] = field(default_factory=set)  # where values still hold a placeholder (TX110)

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
    today: date  # the day the plans were judged on: the clinic's, or the one asked for

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = list(self.project_diagnostics)
        for checked in self.plans:
            found.extend(checked.diagnostics)
        return sorted(found)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass
class CheckTargets:
    """What the paths given to ``check`` name: the plans to check, and the files that are neither plans nor
    templates, ignored so that a hook can pass every changed file. A template needs no entry: every check checks
    the whole library, since one template's problem (a duplicate id) can involve another."""

    plans: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # files under a hidden name in plans/, which no check reads


def check_targets(root: Path, given: Sequence[Path], cwd: Path) -> CheckTargets:
    """Sort the paths typed after ``check`` (relative to ``cwd``). A plan's signature records name their plan.

    Raises ``PlanOutsideClinic`` for a path that does not exist or is a folder, for a file outside the clinic
    (a plan must lie in its plans/: ``layout.plan_path``), and for a plan txplan could not name: a typo must not
    pass as "nothing to check". Files of the clinic that are neither plans nor templates are ignored (a pre-commit
    hook passes every file it is given), and so are files in plans/ under a hidden name (``.archive/old.md``),
    which a check of every plan skips too: the hook's pattern passes them, and must not block their commit.
    """
    targets = CheckTargets()
    clinic = Path(os.path.realpath(root))
    templates_folder = Path(os.path.realpath(root / INTERVENTIONS))
    for path in given:
        typed = path if path.is_absolute() else cwd / path
        real = Path(os.path.realpath(typed.parent)) / typed.name
        _refuse_what_is_no_file(path, real)
        relative = under_plans(root, typed)
        in_plans = relative is not None
        if relative is not None and any(part.startswith(".") for part in relative.parts):
            targets.hidden.append(path.as_posix())
        elif in_plans and real.name.endswith(PLAN_SUFFIX + SIDECAR_SUFFIX):  # a plan's signatures: check the plan
            targets.plans.append(root / plan_path(root, typed.with_name(real.name.removesuffix(SIDECAR_SUFFIX)), cwd))
        elif in_plans and real.suffix == PLAN_SUFFIX:
            targets.plans.append(root / plan_path(root, typed, cwd))
        elif real.parent == templates_folder and real.suffix == PLAN_SUFFIX:
            continue  # a template: the library is checked whole
        elif real.is_relative_to(clinic):
            targets.ignored.append(path.as_posix())
        else:
            plan_path(root, typed, cwd)  # another clinic's file, or no one's: refused, naming the rule
    return targets


def _refuse_what_is_no_file(path: Path, real: Path) -> None:
    """``PlanOutsideClinic`` for a path named to ``check`` that is not a regular file: missing, a folder, or one
    that cannot be looked at (a folder above without search permission, a name too long), which Path.is_file
    raises as a bare OSError."""
    try:
        mode = real.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise PlanOutsideClinic(f"{path}: no such file") from None
    except OSError as exc:
        raise PlanOutsideClinic(f"{path}: cannot be looked at ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(mode):
        raise PlanOutsideClinic(f"{path}: a folder; name files, or none to check every plan")
    if not stat.S_ISREG(mode):
        raise PlanOutsideClinic(f"{path}: not a regular file")


def display_path(path: Path, root: Path) -> str:
    """How diagnostics name a file: ``plans/...`` for a plan (see ``layout.under_plans``), else relative to the
    clinic's root when inside it (folders resolved, the file itself not), else as given."""
    relative = under_plans(root, path.absolute())
    if relative is not None:
        return (PLANS / relative).as_posix()
    absolute = Path(os.path.realpath(path.absolute().parent)) / path.name
    try:
        return absolute.relative_to(os.path.realpath(root)).as_posix()
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
    """Check the policy, the template library and the plans (all of plans/ by default).

    Raises ``PlansUnreadable`` when all plans are asked for and plans/ cannot be read.
    """
    policy, policy_diagnostics = load_policy(root)
    today = today or policy.today()
    library = load_library(root)
    folder_problems: list[Diagnostic] = []
    if plan_paths is None:
        discovery = discover_plans(root)
        paths, folder_problems = discovery.paths, discovery.problems
    else:
        paths = list(plan_paths)
    plans = [check_plan(p, display_path(p, root), policy, library, today, root) for p in paths]
    flag_copied_objectives(root, plans)
    signers = signers_file_findings(root, policy, paths)
    return CheckResult(root, policy, library, plans, policy_diagnostics + signers + library.diagnostics + folder_problems,
                       today)


def flag_copied_objectives(root: Path, plans: list[CheckedPlan]) -> None:
    """TX304 for each plan checked, against every plan of the clinic."""
    known = {c.path: objective_texts(c.document) for c in plans if c.document is not None}
    by_path = {c.path: c for c in plans}
    for diagnostic in clinic_copies(root, known, list(known)):
        checked = by_path[diagnostic.path]
        if (diagnostic.line, diagnostic.col) not in checked.unfilled:
            checked.diagnostics.append(diagnostic)


def clinic_copies(root: Path, known: Mapping[str, ObjectiveTexts], report: Collection[str]) -> list[Diagnostic]:
    """The one TX304 driver: copied objectives of the plans in ``report`` compared with every plan under plans/,
    those not in ``known`` read from disk, so a check of one plan and a build of one plan find the same copies."""
    texts = {path: known[path] for path in report if path in known}
    try:
        others = discover_plans(root).paths
    except PlansUnreadable:  # plans named one by one in a folder without plans/: no other client to compare with
        others = []
    for other in others:
        path = display_path(other, root)
        if path in known:
            texts[path] = known[path]
        elif path not in texts:  # only plans that exist now: a state may remember deleted ones
            document, _ = load_document(other, path)
            if document is not None:
                texts[path] = objective_texts(document)
    return copied_objectives(texts, report)


def check_plan(source: Path, path: str, policy: Policy, library: Library, today: date,
               root: Path | None = None) -> CheckedPlan:
    """Check one plan: load, validate, rules, template items and, with the clinic's ``root`` (where the
    allowed-signers file is), its signatures; then its placeholders (see ``skeleton``)."""
    checked = _checked(source, path, policy, library, today, root)
    clash = chart_folder_clash(root, path) if root is not None else None
    if clash is not None:
        checked.diagnostics.append(make(path, (1, 1), "TX014", f"its folder is named like the chart of {clash}, so "
                                                              "it can get no chart; rename the folder"))
    if checked.document is not None:
        found, checked.unfilled = placeholder_findings(checked.document)
        if found:  # each unfilled value is reported once, as the placeholder it is
            kept = [d for d in checked.diagnostics if (d.line, d.col) not in checked.unfilled]
            checked.diagnostics = kept + found
    return checked


def _checked(source: Path, path: str, policy: Policy, library: Library, today: date, root: Path | None) -> CheckedPlan:
    checked = CheckedPlan(source, path)
    document, diagnostics = load_document(source, path)
    checked.diagnostics.extend(diagnostics)
    if document is None:
        return checked
    checked.document = document
    checked.diagnostics.extend(scan_identifiers(document.text, path))
    try:
        plan = Plan.model_validate(document.data)
    except ValidationError as exc:
        checked.diagnostics.extend(validation_diagnostics(exc, document, Plan))
        partial, valid_sections = partial_plan(document.data, exc)
        checked.diagnostics.extend(check_rules(partial, document, policy, library, today, valid_sections))
        return checked
    checked.plan = plan
    checked.diagnostics.extend(check_rules(plan, document, policy, library, today))
    # rendered whatever the rules found, so that a TX223 shows up in the same run as the other errors
    checked.rendered = render_items(checked, library)
    if root is not None:
        check_signatures(checked, policy, root)
    return checked


def check_signatures(checked: CheckedPlan, policy: Policy, root: Path) -> None:
    """The records beside the plan verified, and the signatures its chart shows; findings at the records."""
    assert checked.plan is not None and checked.document is not None
    records, problems = load_sidecar(sidecar_path(checked.source), checked.path + SIDECAR_SUFFIX)
    checked.diagnostics.extend(problems)
    checked.signatures, found = signature_states(checked.plan, checked.document.text, records, policy, root,
                                                 checked.path, checked.path + SIDECAR_SUFFIX)
    checked.diagnostics.extend(found)


def _section_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    annotation: Any = info.annotation  # never None for a declared field, whatever pydantic's stubs allow
    return TypeAdapter(annotation)


_SECTION_ADAPTERS: dict[str, TypeAdapter[Any]] = {name: _section_adapter(info) for name, info in Plan.model_fields.items()}


def partial_plan(data: dict[str, Any], error: ValidationError) -> tuple[Plan, set[str]]:
    """The plan's sections that did validate, so the rules that read only them can still run."""
    broken = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
    valid = {name: _SECTION_ADAPTERS[name].validate_python(data[name])
             for name in Plan.model_fields if name in data and name not in broken}
    return Plan.model_construct(**valid), set(valid)


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
