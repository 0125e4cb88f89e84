"""``txplan sign``: sign a plan as its clinician or supervisor, or record a client's or guardian's signature.

Clinicians and supervisors sign with their own SSH key. Clients and guardians
have no key: the clinician (or supervisor) who witnessed them sign records
how (in person, on paper, through the portal) and signs that record with
their own key. Either way the record names a digest of the plan's content as
it is now, and is refused unless the key verifies, for the person the role
names, against the clinic's allowed-signers file: a signature that would fail
``check`` is never written.

Two people signing the same plan at once each read the sidecar, add their
record and write it back; the clinic's lock (``build.lock``) is held around
that read and write, so neither loses the other's record.
"""

from __future__ import annotations

import contextlib
import glob
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from ..build.lock import clinic_lock
from ..build.writer import TEMP_SUFFIX
from ..check import check_project
from ..errors import EXIT_ERRORS, TxplanError
from ..model import Plan
from ..policy import Policy
from .records import (
    MAX_NAME,
    SIDECAR_SUFFIX,
    SIGNED_FORMAT,
    Method,
    Record,
    Role,
    Unsigned,
    content_digest,
    load_sidecar,
    name_key,
    same_name,
    sidecar_path,
    write_sidecar,
)
from .ssh import SigningError, key_from_git, require_ssh_keygen, sign, verify
from .verify import NO_GUARDIAN, expected_signers, supervised_by_self

__all__ = ["SignRefused", "sign_plan"]

_RECORD_VERDICTS = frozenset({"TX702", "TX703"})  # errors of records the sidecar holds, which signing again replaces
_NAME_RULE = f"--name must be a name on one line, at most {MAX_NAME} characters, without control or invisible characters"


class SignRefused(TxplanError):
    """The plan cannot be signed as asked; the message says why in one line, naming no plan value."""

    exit_code = EXIT_ERRORS


def sign_plan(root: Path, plan_path: str, role: Role, *, key: str | None = None, name: str | None = None,
              method: Method | None = None, now: datetime | None = None,
              on_wait: Callable[[], None] | None = None) -> Record:
    """Sign (or record a witnessed signature of) the plan at ``plan_path`` and write it beside the plan;
    ``on_wait`` is called once when a build holds the clinic's lock, so the record waits to be written."""
    require_ssh_keygen()  # exit 2 before anything else: nothing can be signed without it
    plan, text, policy = _signable(root, plan_path)
    people = expected_signers(plan, policy)
    if role not in people:
        raise SignRefused(f"sign: {plan_path} needs no guardian: {NO_GUARDIAN}" if role is Role.GUARDIAN
                          else f"sign: {plan_path} names no {role.value}")
    signer_name = _name(role, name, people)
    principal = _principal(role, people)
    if role.witnessed and method is None:
        raise SignRefused(f"sign: say how the {role.value} signed with --method in-person, paper or portal")
    key = key or key_from_git(root)
    if key is None:
        raise SignRefused("sign: no signing key; give --key KEY or set git's user.signingkey, as for signed commits")
    unsigned = _unsigned({"role": role, "chart": plan.client.id, "name": signer_name, "signer": principal,
                          "signed": (now or datetime.now(UTC)).strftime(SIGNED_FORMAT),
                          "digest": content_digest(text),
                          "method": method if role.witnessed else None})
    record = _signed(unsigned, key)
    if not verify(record.payload(), record.signature, principal, root / policy.allowed_signers, record.time):
        raise SignRefused(f"sign: that key is not in {policy.allowed_signers} for {principal}; "
                          "nothing was signed")
    _add_record(root, plan_path, record, on_wait)
    return record


def _signable(root: Path, plan_path: str) -> tuple[Plan, str, Policy]:
    """The active plan to sign, its text and the policy. Refused when the plan has errors or its signatures file
    cannot be read; errors of the records that file holds (a revoked key's TX702) are no reason: signing again is
    how such a record is replaced."""
    result = check_project(root, [root / plan_path])
    checked = result.plans[0]
    errors = [d for d in result.diagnostics if d.is_error]
    if checked.plan is None or checked.document is None or any(d.path != checked.path + SIDECAR_SUFFIX for d in errors):
        raise SignRefused(f"sign: {plan_path} has errors; run txplan check, fix them, then sign")
    if any(d.code not in _RECORD_VERDICTS for d in errors):  # the file itself is broken: say so before signing
        raise _unreadable(sidecar_path(root / plan_path))
    plan = checked.plan
    if plan.status != "active":
        raise SignRefused(f"sign: {plan_path} is {'a draft, not for signature' if plan.status == 'draft' else 'closed'}; "
                          "only an active plan is signed")
    return plan, checked.document.text, result.policy


def _unsigned(fields: dict[str, object]) -> Unsigned:
    """The record to sign. Only ``--name`` comes from the command line unchecked; the rest is the checked plan's and
    the policy's. A refusal names the field, never the value (a name typed in the wrong place may be anything)."""
    try:
        return Unsigned.model_validate(fields)
    except ValidationError as exc:
        wrong = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        if wrong == ["name"]:
            raise SignRefused(f"sign: {_NAME_RULE}; nothing was signed") from None
        raise SignRefused(f"sign: the record's {', '.join(wrong)} is not valid; nothing was signed") from None


def _signed(unsigned: Unsigned, key: str) -> Record:
    """The record with ssh-keygen's signature of it, held to the shape every sidecar's records are checked for."""
    try:
        return Record.model_validate({**unsigned.model_dump(), "signature": sign(unsigned.payload(), key)})
    except ValidationError:
        raise SigningError("sign: ssh-keygen wrote a signature that is not an armored SSH signature; "
                           "nothing was signed") from None


def _add_record(root: Path, plan_path: str, record: Record, on_wait: Callable[[], None] | None) -> None:
    """Read the sidecar, replace the signer's earlier record, write it back: under the clinic's lock, so that two
    signers at once each keep the other's record."""
    sidecar = sidecar_path(root / plan_path)
    with clinic_lock(root, on_wait=on_wait):
        _remove_interrupted_writes(sidecar)
        earlier, problems = load_sidecar(sidecar, plan_path + SIDECAR_SUFFIX)
        if problems:
            raise _unreadable(sidecar)
        kept = [r.record for r in earlier if not _same_signer(r.record, record)]
        write_sidecar(sidecar, [*kept, record])


def _unreadable(sidecar: Path) -> SignRefused:
    return SignRefused(f"sign: {sidecar.name} cannot be read (run txplan check); nothing was signed")


def _remove_interrupted_writes(sidecar: Path) -> None:
    """A sign killed mid-write leaves its temporary file (``write_atomic``'s) beside the plan: private and hidden,
    but ``git add plans/`` would take it. Under the lock no other sign is writing this sidecar, so it is left over."""
    pattern = f".{glob.escape(sidecar.name)}.{'[0-9a-f]' * 12}{TEMP_SUFFIX}"
    for leftover in sidecar.parent.glob(pattern):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _name(role: Role, given: str | None, people: dict[Role, tuple[str | None, str | None]]) -> str:
    """The signer's name as printed: the plan's own for its people; a guardian's, which the plan does not hold,
    from --name."""
    planned = people[role][0]
    if planned is None:
        if not given or not given.strip():
            raise SignRefused(f"sign: give the {role.value}'s name with --name")
        return name_key(given.strip())
    if given is not None and not same_name(given.strip(), planned):
        raise SignRefused(f"sign: --name differs from the {role.value}'s name in the plan; leave it out")
    return planned


def _principal(role: Role, people: dict[Role, tuple[str | None, str | None]]) -> str:
    """Whose key signs: the role's own person, or for a client or guardian the plan's clinician as witness."""
    if role is Role.SUPERVISOR and supervised_by_self(people):
        raise SignRefused("sign: the plan's supervisor is its clinician; a co-signature must come from someone "
                          "else, so name the clinical supervisor in the plan")
    signer_role = Role.CLINICIAN if role.witnessed else role
    _, principal = people[signer_role]
    if principal is None:
        raise SignRefused(f"sign: the plan's {signer_role.value} has no principal in [tool.txplan.signers]; add "
                          "their name as the plan writes it, with the principal of their line in the "
                          "allowed-signers file")
    return principal


def _same_signer(earlier: Record, new: Record) -> bool:
    """A new signature replaces the same person's earlier one (a guardian is told apart by name)."""
    return earlier.role is new.role and (new.role is not Role.GUARDIAN or same_name(earlier.name, new.name))
