"""Which signatures a plan needs, and what its records prove: checked on every ``check``.

For each record beside the plan:

- the signature must verify with ``ssh-keygen -Y verify`` for the record's
  signer in the clinic's allowed-signers file (TX702, an error);
- the record must name this plan's chart (its ``client.id``), so one copied
  from another client's sidecar is refused; the signer must be the person the
  role names: the plan's clinician or supervisor, mapped to a principal by the
  policy's ``[tool.txplan.signers]`` table (a supervisor who is not the
  clinician), or the client as the plan names them; a client's or guardian's
  record must be witnessed by the plan's clinician or supervisor, and a
  guardian's is only for a plan that needs one (TX703, an error);
- the content digest must be the plan's as it is now; otherwise the plan
  changed after that person signed (TX701, a warning, so charts still build,
  and the chart shows the signature as given to an earlier version). Such a
  record is judged by the version it signed, not by the names the plan has now.

An allowed-signers file ssh-keygen cannot read is reported once, at the policy
(TX706), and its records count as unverified rather than altered.

Without ssh-keygen no record can be verified: each sidecar gets one warning
(TX705) at its first record, and the chart shows none of its signatures.

Once a clinic signs electronically (it has an allowed-signers file), an active
plan missing a signature the policy requires (``signatures_required``, plus the
guardian's when the client is under 18 on the effective date and the
supervisor's when one is named) is a warning (TX704). A clinic without one signs
on the chart's lines by hand, which txplan cannot see, so it is not warned.
Drafts are not for signature; a closed plan's chart has lines for signing its
discharge summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..diagnostics import Diagnostic, make
from ..instruments import age_on
from ..model import Plan
from ..policy import PYPROJECT, Policy, key_position
from .records import Record, Role, SignedRecord, content_digest, name_key, same_name, sidecar_path
from .ssh import MISSING, allowed_signers_problem, installed, verify

__all__ = ["ADULT_AGE", "NO_GUARDIAN", "Signature", "expected_signers", "required_roles", "signature_states",
           "signers_file_findings", "supervised_by_self"]

ADULT_AGE = 18
NO_GUARDIAN = ("the client is 18 or older on the plan's effective date and the policy's `signatures_required` does "
               "not name guardian")


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
    """For each role the plan has a person for: their name as the plan writes it, and their key's principal. A
    guardian only when one is needed (``required_roles``); the plan does not name them, their record does."""
    people: dict[Role, tuple[str | None, str | None]] = {
        Role.CLINICIAN: (plan.clinician.name, policy.signers.get(plan.clinician.name)),
        Role.CLIENT: (plan.client.name, None),
    }
    if Role.GUARDIAN in required_roles(plan, policy):
        people[Role.GUARDIAN] = (None, None)
    if plan.clinician.supervisor:
        people[Role.SUPERVISOR] = (plan.clinician.supervisor, policy.signers.get(plan.clinician.supervisor))
    return people


@dataclass(frozen=True)
class Signature:
    """One person's signature as the chart shows it: ``record`` is None for a line to sign by hand."""

    role: Role
    name: str
    record: Record | None = None
    witness: str | None = None  # the witnessing clinician's or supervisor's name
    current: bool = True  # False: given to an earlier version of the plan
    unverified: bool = False  # a line to sign, though the role has records: none could be verified (TX705, TX706)


@dataclass(frozen=True)
class _Expected:
    """What the records of one plan must agree with."""

    chart: str  # the plan's client.id
    people: dict[Role, tuple[str | None, str | None]]
    staff: dict[str, str]  # principal -> name, of the plan's clinician and supervisor: who may witness


def signature_states(plan: Plan, text: str, records: Sequence[SignedRecord], policy: Policy, root: Path,
                     plan_path: str, sidecar_display: str) -> tuple[list[Signature], list[Diagnostic]]:
    """What each record proves, and each required signature's state; diagnostics at the records (and the plan)."""
    people = expected_signers(plan, policy)
    staff = {principal: name for role in (Role.CLINICIAN, Role.SUPERVISOR)
             for name, principal in [people.get(role, (None, None))] if principal is not None and name is not None}
    chosen, unverified, found = _proven(records, _Expected(plan.client.id, people, staff), content_digest(text),
                                        root / policy.allowed_signers, sidecar_display, policy.local_day)
    valid = [Signature(s.record.role, s.record.name, s.record,
                       staff.get(s.record.signer) if s.record.role.witnessed else None, current)
             for s, current in chosen.values()]
    shown: list[Signature] = []
    signing = (root / policy.allowed_signers).is_file()  # the clinic signs electronically; without it, by hand
    for role in required_roles(plan, policy) if plan.status != "draft" else ():
        theirs = [s for s in valid if s.role is role] or [Signature(role, people.get(role, (None, None))[0] or "",
                                                                    unverified=role in unverified)]
        shown += theirs
        if signing and plan.status == "active" and theirs[0].record is None and role not in unverified:
            found.append(make(plan_path, (1, 1), "TX704", _how_to_sign(plan_path, role, people)))
    shown += [s for s in valid if s not in shown]
    return shown, found


def signers_file_findings(root: Path, policy: Policy, plans: Iterable[Path]) -> list[Diagnostic]:
    """One error, at the policy's ``allowed_signers`` (else at pyproject.toml's start), when ssh-keygen cannot read
    the allowed-signers file, rather than every record reading as altered (TX702); the records then count as
    unverified. A file that does not exist is a finding only once a plan has signatures: a clinic that signs on
    paper has none, though its policy may name the usual path, as the example clinic's does."""
    problem = allowed_signers_problem(root / policy.allowed_signers)
    if problem is None or (problem == MISSING and not any(sidecar_path(p).exists() for p in plans)):
        return []
    where = key_position(root, ("allowed_signers",)) or (1, 1)
    return [make(PYPROJECT, where, "TX706", f"the allowed-signers file {policy.allowed_signers} {problem}; no "
                                            "signature can be verified until it is fixed, and the charts show none")]


_Chosen = dict[tuple[Role, str], tuple[SignedRecord, bool]]  # per person: their record, and whether it is current


def _proven(records: Sequence[SignedRecord], expected: _Expected, digest: str, allowed_signers: Path,
            sidecar_display: str, local_day: Callable[[datetime], date]) -> tuple[_Chosen, set[Role], list[Diagnostic]]:
    """The records that prove a signature, one per person; the roles whose records could not be verified (no
    ssh-keygen); and the findings at the records."""
    found: list[Diagnostic] = []
    chosen: _Chosen = {}
    unverified: set[Role] = set()
    checkable = installed() if records else True
    readable = allowed_signers_problem(allowed_signers) is None if records else True  # else: signers_file_findings
    for signed in records:
        record = signed.record
        current = record.digest == digest
        problem = _mismatch(record, expected, current)
        if problem is None and checkable and readable and not verify(record.payload(), record.signature,
                                                                     record.signer, allowed_signers, record.time):
            problem = "TX702", (f"the {record.role.value}'s signature does not verify against the allowed-signers "
                                f"file; the record was altered, or its key is not allowed for its signer")
        if problem is not None:
            found.append(make(sidecar_display, signed.position, *problem))
        elif not (checkable and readable):
            unverified.add(record.role)
        else:
            _choose(chosen, signed, current)
    if not checkable:
        found.append(make(sidecar_display, records[0].position, "TX705",
                          "signatures not verified: ssh-keygen is not installed; the chart shows none of them"))
    found += [make(sidecar_display, signed.position, "TX701",
                   f"the plan changed after the {signed.record.role.value} signed it on "
                   f"{local_day(signed.record.time).isoformat()}; sign again")
              for signed, current in chosen.values() if not current]
    return chosen, unverified, found


def _choose(chosen: _Chosen, signed: SignedRecord, current: bool) -> None:
    """Keep one record per person (role and name: guardians are told apart by name). ``sign`` replaces a person's
    record, but a merge of two branches can leave two: the one for this version wins, then the later one."""
    key = (signed.record.role, name_key(signed.record.name))
    earlier = chosen.get(key)
    if earlier is None or (current, signed.record.signed) >= (earlier[1], earlier[0].record.signed):
        chosen[key] = (signed, current)


def _mismatch(record: Record, expected: _Expected, current: bool) -> tuple[str, str] | None:
    """TX703 and what is wrong when a record is not from the person its role names on this plan, else None.

    A record for another chart is refused whatever it signed. A record for an earlier version of this chart is
    judged by that version, which may have named another client or clinician: it is only stale (TX701), never
    held to the names the plan has now, so correcting a name or handing a plan over warns instead of blocking."""
    role = record.role.value
    if record.chart != expected.chart:
        return "TX703", (f"the {role}'s record is for another chart: its `chart` is not this plan's `client.id` "
                         f"(a record copied from another plan's signatures)")
    if not current:
        return None
    if record.role not in expected.people:
        return "TX703", f"a {role} signed, but " + (NO_GUARDIAN if record.role is Role.GUARDIAN
                                                    else f"the plan names no {role}")
    name, principal = expected.people[record.role]
    if record.role.witnessed:
        if name is not None and not same_name(record.name, name):
            return "TX703", f"the {role}'s record names someone other than the plan's {role}"
        if record.signer not in expected.staff:
            return "TX703", (f"the {role}'s signature was witnessed with a key that is not the plan's clinician's or "
                             f"supervisor's")
        if record.method is None:
            return "TX703", f"the {role}'s record does not say how the signature was given (`method`)"
    elif record.signer != principal or name is None or not same_name(record.name, name):
        return "TX703", f"the {role}'s signature is not from the plan's {role} as [tool.txplan.signers] maps them"
    elif record.role is Role.SUPERVISOR and supervised_by_self(expected.people):
        return "TX703", ("the supervisor's signature is the clinician's own: the plan names its clinician as "
                         "supervisor, and a co-signature must come from someone else")
    return None


def _how_to_sign(plan_path: str, role: Role, people: dict[Role, tuple[str | None, str | None]]) -> str:
    """TX704's advice: the command that signs, or, when the plan names its clinician as supervisor, that no
    command can (`sign` refuses a co-signature by the clinician)."""
    if role is Role.SUPERVISOR and supervised_by_self(people):
        return ("the plan has no supervisor signature, and its supervisor is its clinician: name the supervisor "
                "who co-signs in clinician.supervisor")
    return f"the plan has no current {role.value} signature; sign it with `txplan sign {plan_path} --role {role.value}`"


def supervised_by_self(people: dict[Role, tuple[str | None, str | None]]) -> bool:
    """Whether the plan's supervisor is its clinician: the same name, or names the policy maps to one principal.
    A co-signature is a second person's; the same key signing twice is one."""
    clinician, clinician_key = people[Role.CLINICIAN]
    supervisor, supervisor_key = people.get(Role.SUPERVISOR, (None, None))
    if clinician is None or supervisor is None:
        return False
    return same_name(clinician, supervisor) or (clinician_key is not None and clinician_key == supervisor_key)
