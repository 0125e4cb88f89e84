"""``txplan sign``: sign a plan as its clinician or supervisor, or record a client's or guardian's signature.

Clinicians and supervisors sign with their own SSH key. Clients and guardians
have no key: the clinician (or supervisor) who witnessed them sign records
how (in person, on paper, through the portal) and signs that record with
their own key. Either way the record names a digest of the plan's content as
it is now, and is refused unless the key verifies, for the person the role
names, against the clinic's allowed-signers file: a signature that would fail
``check`` is never written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..check import check_project
from ..errors import EXIT_ERRORS, TxplanError
from ..model import Plan
from .records import Method, Record, Role, content_digest, load_sidecar, sidecar_path, write_sidecar
from .ssh import key_from_git, sign, verify
from .verify import expected_signers

__all__ = ["SignRefused", "sign_plan"]


class SignRefused(TxplanError):
    """The plan cannot be signed as asked; the message says why in one line, naming no plan value."""

    exit_code = EXIT_ERRORS


def sign_plan(root: Path, plan_path: str, role: Role, *, key: str | None = None, name: str | None = None,
              method: Method | None = None, now: datetime | None = None) -> Record:
    """Sign (or record a witnessed signature of) the plan at ``plan_path`` and write it beside the plan."""
    result = check_project(root, [root / plan_path])
    checked = result.plans[0]
    if checked.plan is None or checked.document is None or result.has_errors:
        raise SignRefused(f"sign: {plan_path} has errors; run txplan check, fix them, then sign")
    plan = checked.plan
    if plan.status != "active":
        raise SignRefused(f"sign: {plan_path} is {'a draft, not for signature' if plan.status == 'draft' else 'closed'}; "
                          "only an active plan is signed")
    people = expected_signers(plan, result.policy)
    if role not in people:
        raise SignRefused(f"sign: {plan_path} names no {role.value}")
    signer_name = _name(plan, role, name, people)
    principal = _principal(role, people)
    if role.witnessed and method is None:
        raise SignRefused(f"sign: say how the {role.value} signed with --method in-person, paper or portal")
    key = key or key_from_git(root)
    if key is None:
        raise SignRefused("sign: no signing key; give --key KEY or set git's user.signingkey, as for signed commits")
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    unsigned = Record(role=role, name=signer_name, signer=principal, signed=stamp,
                      digest=content_digest(checked.document.text), method=method if role.witnessed else None,
                      signature="-")
    record = unsigned.model_copy(update={"signature": sign(unsigned.payload(), key)})
    allowed = root / result.policy.allowed_signers
    if not verify(record.payload(), record.signature, principal, allowed):
        raise SignRefused(f"sign: that key is not in {result.policy.allowed_signers} for {principal}; "
                          "nothing was signed")
    sidecar = sidecar_path(root / plan_path)
    earlier, problems = load_sidecar(sidecar, plan_path + ".signatures")
    if problems:
        raise SignRefused(f"sign: {sidecar.name} cannot be read (run txplan check); nothing was signed")
    kept = [r.record for r in earlier if not _same_signer(r.record, record)]
    write_sidecar(sidecar, [*kept, record])
    return record


def _name(plan: Plan, role: Role, given: str | None, people: dict[Role, tuple[str | None, str | None]]) -> str:
    """The signer's name as printed: the plan's own for its people; a guardian's, which the plan does not hold,
    from --name."""
    planned = people[role][0]
    if planned is None:
        if not given or not given.strip():
            raise SignRefused(f"sign: give the {role.value}'s name with --name")
        return given.strip()
    if given is not None and given.strip() != planned:
        raise SignRefused(f"sign: --name differs from the {role.value}'s name in the plan; leave it out")
    return planned


def _principal(role: Role, people: dict[Role, tuple[str | None, str | None]]) -> str:
    """Whose key signs: the role's own person, or for a client or guardian the plan's clinician as witness."""
    signer_role = Role.CLINICIAN if role.witnessed else role
    _, principal = people[signer_role]
    if principal is None:
        raise SignRefused(f"sign: the plan's {signer_role.value} has no principal in [tool.txplan.signers]; add "
                          "their name as the plan writes it, with the principal of their line in the "
                          "allowed-signers file")
    return principal


def _same_signer(earlier: Record, new: Record) -> bool:
    """A new signature replaces the same person's earlier one (a guardian is told apart by name)."""
    return earlier.role is new.role and (new.role is not Role.GUARDIAN or earlier.name == new.name)
