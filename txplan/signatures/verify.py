"""Which signatures a plan needs, and what its records prove: checked on every ``check``.

For each record beside the plan:

- the signature must verify with ``ssh-keygen -Y verify`` for the record's
  signer in the clinic's allowed-signers file (TX702, an error);
- the signer must be the person the role names: the plan's clinician or
  supervisor, mapped to a principal by the policy's ``[tool.txplan.signers]``
  table; a client's or guardian's record must be witnessed by the plan's
  clinician or supervisor (TX703, an error);
- the content digest must be the plan's as it is now; otherwise the plan
  changed after that person signed (TX701, a warning, so charts still build,
  and the chart shows the signature as given to an earlier version).

Once a clinic signs electronically (it has an allowed-signers file), an active
plan missing a signature the policy requires (``signatures_required``, plus the
guardian's when the client is under 18 on the effective date and the
supervisor's when one is named) is a warning (TX704). A clinic without one signs
on the chart's lines by hand, which txplan cannot see, so it is not warned.
Drafts are not for signature; a closed plan's chart has lines for signing its
discharge summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, make
from ..instruments import age_on
from ..model import Plan
from ..policy import Policy
from .records import Record, Role, SignedRecord, content_digest
from .ssh import verify

__all__ = ["ADULT_AGE", "Signature", "expected_signers", "required_roles", "signature_states"]

ADULT_AGE = 18


def required_roles(plan: Plan, policy: Policy) -> tuple[Role, ...]:
    """The roles whose signatures make this plan signed, in the order the chart lists them."""
    wanted = set(policy.signatures_required)
    if age_on(plan.client.dob, plan.dates.effective) < ADULT_AGE:
        wanted.add(Role.GUARDIAN)
    if plan.clinician.supervisor:
        wanted.add(Role.SUPERVISOR)
    else:
        wanted.discard(Role.SUPERVISOR)
    return tuple(role for role in Role if role in wanted)


def expected_signers(plan: Plan, policy: Policy) -> dict[Role, tuple[str | None, str | None]]:
    """For each role the plan has a person for: their name as the plan writes it, and their key's principal."""
    people: dict[Role, tuple[str | None, str | None]] = {
        Role.CLINICIAN: (plan.clinician.name, policy.signers.get(plan.clinician.name)),
        Role.CLIENT: (plan.client.name, None),
        Role.GUARDIAN: (None, None),  # the plan does not name the guardian; the record does
    }
    if plan.clinician.supervisor:
        people[Role.SUPERVISOR] = (plan.clinician.supervisor, policy.signers.get(plan.clinician.supervisor))
    return people


@dataclass(frozen=True)
class Signature:
    """One role's signature as the chart shows it: ``record`` is None for a line to sign by hand."""

    role: Role
    name: str
    record: Record | None = None
    witness: str | None = None  # the witnessing clinician's or supervisor's name
    current: bool = True  # False: given to an earlier version of the plan


def signature_states(plan: Plan, text: str, records: Sequence[SignedRecord], policy: Policy, root: Path,
                     plan_path: str, sidecar_display: str) -> tuple[list[Signature], list[Diagnostic]]:
    """What each record proves, and each required signature's state; diagnostics at the records (and the plan)."""
    digest = content_digest(text)
    people = expected_signers(plan, policy)
    staff = {principal: name for role in (Role.CLINICIAN, Role.SUPERVISOR)
             for name, principal in [people.get(role, (None, None))] if principal is not None and name is not None}
    found: list[Diagnostic] = []
    valid: dict[Role, Signature] = {}
    for signed in records:
        problem = _problem(signed.record, people, staff, root / policy.allowed_signers)
        if problem is not None:
            found.append(make(sidecar_display, signed.position, *problem))
            continue
        record = signed.record
        current = record.digest == digest
        if not current:
            found.append(make(sidecar_display, signed.position, "TX701",
                              f"the plan changed after the {record.role.value} signed it on {record.day}; sign again"))
        witness = staff.get(record.signer) if record.role.witnessed else None
        valid[record.role] = Signature(record.role, record.name, record, witness, current)
    shown: list[Signature] = []
    signing = (root / policy.allowed_signers).is_file()  # the clinic signs electronically; without it, by hand
    for role in required_roles(plan, policy) if plan.status != "draft" else ():
        signature = valid.get(role) or Signature(role, people.get(role, (None, None))[0] or "")
        shown.append(signature)
        if signing and plan.status == "active" and signature.record is None:  # an outdated one is a TX701
            found.append(make(plan_path, (1, 1), "TX704", f"the plan has no current {role.value} signature; "
                                                          f"sign it with `txplan sign {plan_path} --role {role.value}`"))
    shown += [s for role, s in valid.items() if s not in shown]
    return shown, found


def _problem(record: Record, people: dict[Role, tuple[str | None, str | None]], staff: dict[str, str],
             allowed_signers: Path) -> tuple[str, str] | None:
    """The code and message of what is wrong with a record, or None when it proves what it says."""
    if record.role not in people:
        return "TX703", f"a {record.role.value} signed, but the plan names no {record.role.value}"
    name, principal = people[record.role]
    if record.role.witnessed:
        if record.signer not in staff:
            return "TX703", (f"the {record.role.value}'s signature was witnessed with a key that is not the plan's "
                             f"clinician's or supervisor's")
        if record.method is None:
            return "TX703", f"the {record.role.value}'s record does not say how the signature was given (`method`)"
    elif record.signer != principal or record.name != name:
        return "TX703", (f"the {record.role.value}'s signature is not from the plan's {record.role.value} as "
                         f"[tool.txplan.signers] maps them")
    if not verify(record.payload(), record.signature, record.signer, allowed_signers):
        return "TX702", (f"the {record.role.value}'s signature does not verify against the allowed-signers file; "
                         f"the record was altered, or its key is not allowed for its signer")
    return None
