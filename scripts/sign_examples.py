"""Sign the example clinic's active plans, as its (fictional) staff would with ``txplan sign``.

Every key is a throwaway made here and dropped afterwards: the repository keeps only the public halves, in
``signers/allowed_signers``, which is all that checking a signature needs. Run from the repository root after
changing an example plan (every signature of that plan then shows as given to an earlier version), or the
signature records' format::

    python scripts/sign_examples.py

C-1003 is signed at an earlier version of itself (without its narrative's last paragraph), so that the example
clinic shows a plan changed after signing: its chart says so, and ``txplan check`` warns (TX701, TX704).
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path

from txplan.check import check_project
from txplan.signatures.records import Method, Role, sidecar_path
from txplan.signatures.sign import sign_plan

ROOT = Path(__file__).resolve().parent.parent
CHANGED_AFTER_SIGNING = "plans/c-1003-high-risk-safety-plan.md"
GUARDIANS = {"plans/c-1005-adolescent-ocd-family.md": ("Marta Placeholder", "Luis Placeholder")}  # the plan's parents


def main() -> None:
    result = check_project(ROOT)
    policy = result.policy
    staff = sorted(policy.signers)
    with tempfile.TemporaryDirectory(prefix="txplan-example-keys-") as folder:
        keys = {}
        lines = []
        for index, name in enumerate(staff):
            key = Path(folder) / f"key-{index}"
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key)], check=True)
            keys[name] = str(key)
            public = Path(f"{key}.pub").read_text(encoding="utf-8").strip()
            lines.append(f"{policy.signers[name]} {public}\n")
        allowed = ROOT / policy.allowed_signers
        allowed.parent.mkdir(exist_ok=True)
        allowed.write_text("".join(lines), encoding="utf-8")
        for checked in result.plans:
            plan = checked.plan
            if plan is None or plan.status != "active":
                continue
            source = ROOT / checked.path
            sidecar_path(source).unlink(missing_ok=True)  # its records were made with keys dropped since
            current = source.read_text(encoding="utf-8")
            if checked.path == CHANGED_AFTER_SIGNING:  # the version the client and clinicians signed
                source.write_text(current[: current.rstrip().rindex("\n\n")] + "\n", encoding="utf-8")
            try:
                when = datetime.combine(plan.dates.effective, time(16, 0), tzinfo=UTC)
                sign_plan(ROOT, checked.path, Role.CLINICIAN, key=keys[plan.clinician.name], now=when)
                if plan.clinician.supervisor:
                    sign_plan(ROOT, checked.path, Role.SUPERVISOR, key=keys[plan.clinician.supervisor], now=when)
                sign_plan(ROOT, checked.path, Role.CLIENT, key=keys[plan.clinician.name], method=Method.IN_PERSON,
                          now=when)
                for guardian in GUARDIANS.get(checked.path, ()):
                    sign_plan(ROOT, checked.path, Role.GUARDIAN, key=keys[plan.clinician.name],
                              name=guardian, method=Method.IN_PERSON, now=when)
            finally:
                source.write_text(current, encoding="utf-8")
            print(f"signed {checked.path}")


if __name__ == "__main__":
    main()
