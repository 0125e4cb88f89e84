"""Signing and verifying through OpenSSH's ``ssh-keygen -Y``, the tool git uses to sign commits with SSH keys.

txplan holds no cryptography of its own: ``ssh-keygen -Y sign`` makes an SSH
signature (namespace ``txplan``, so it cannot be replayed as a git or file
signature) and ``ssh-keygen -Y verify`` checks it against the clinic's
allowed-signers file, in the format ``ssh-keygen`` documents
(``principal key-type key``, one signer per line).

The signing key is the one given with ``--key``, or git's ``user.signingkey``
(a key file, or ``key::`` followed by a public key whose private half is in the
SSH agent), exactly as ``git commit -S`` finds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import EXIT_ERRORS, EXIT_USAGE, TxplanError

__all__ = ["MISSING", "NAMESPACE", "SigningError", "SshKeygenMissing", "allowed_signers_problem", "installed",
           "key_from_git", "require_ssh_keygen", "sign", "verify"]

NAMESPACE = "txplan"
TIMEOUT_SECONDS = 60
INSTALL_HINT = ("install OpenSSH 8.2 or later (Debian/Ubuntu: sudo apt-get install openssh-client; "
                "it is built into macOS and Windows 10 and later)")


MISSING = "does not exist"
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


class SshKeygenMissing(TxplanError):
    exit_code = EXIT_USAGE


class SigningError(TxplanError):
    exit_code = EXIT_ERRORS


def installed() -> bool:
    """Whether ssh-keygen can be run: without it ``check`` reports the records unverified (TX705) rather than
    stopping, while ``sign``, which cannot do its work, refuses (``require_ssh_keygen``)."""
    return shutil.which("ssh-keygen") is not None


def require_ssh_keygen() -> str:
    """ssh-keygen's path, or ``SshKeygenMissing`` (exit 2) saying how to install it."""
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SshKeygenMissing(f"sign: ssh-keygen is not installed; {INSTALL_HINT}")
    return found


def allowed_signers_problem(path: Path) -> str | None:
    """Why ssh-keygen cannot read the allowed-signers file at ``path`` (``MISSING`` when there is none), or None.
    Without this every signature would merely fail to verify, and each record would read as altered."""
    try:
        with path.open("rb") as file:
            start = file.read(len(_BYTE_ORDER_MARK))
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except OSError:
        return "cannot be read (not a file, or not readable by this user)"
    if start == _BYTE_ORDER_MARK:
        return "starts with a byte-order mark, which ssh-keygen cannot read (save it as UTF-8 without one)"
    return None


def key_from_git(cwd: Path) -> str | None:
    """git's ``user.signingkey`` for the repository at ``cwd`` (or the user's), if one is set."""
    try:
        done = subprocess.run(["git", "config", "--get", "user.signingkey"], cwd=cwd, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


@contextmanager
def _key_file(key: str) -> Iterator[Path]:
    """A key as ``ssh-keygen -f`` takes it: a file as it is, ``key::<public key>`` written to a private temporary
    file (the agent then holds the private half), ``~`` expanded."""
    if not key.startswith("key::"):
        yield Path(os.path.expanduser(key))
        return
    with tempfile.TemporaryDirectory(prefix="txplan-key-") as folder:
        public = Path(folder) / "key.pub"
        public.write_text(key.removeprefix("key::").strip() + "\n", encoding="utf-8")
        yield public


def sign(payload: bytes, key: str) -> str:
    """The armored SSH signature of ``payload`` with ``key``; ``SigningError`` (one line) when ssh-keygen cannot."""
    with _key_file(key) as path:
        if not path.is_file():
            raise SigningError(f"sign: no key file at {path}; give --key or set git's user.signingkey")
        try:
            done = subprocess.run([require_ssh_keygen(), "-Y", "sign", "-n", NAMESPACE, "-f", str(path)], input=payload,
                                  capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SigningError(f"sign: ssh-keygen did not run ({type(exc).__name__})") from None
    signature = done.stdout.decode("ascii", "replace").replace("\r\n", "\n")  # as the sidecar's YAML will hold it
    if done.returncode != 0 or "BEGIN SSH SIGNATURE" not in signature:
        raise SigningError("sign: ssh-keygen could not sign with that key (a passphrase it was not given, a key "
                           "the agent does not hold, or not an SSH private key)")
    return signature


def verify(payload: bytes, signature: str, principal: str, allowed_signers: Path, at: datetime) -> bool:
    """Whether ``signature`` over ``payload`` was made by a key the allowed-signers file lists for ``principal``,
    valid at ``at`` (UTC).

    ``at`` is when the record says it was signed, a time the signature itself covers, so a key whose
    ``valid-before`` has passed since still proves what it signed while it was valid, as git checks SSH-signed
    commits at their own date. A time after now is checked as now, so a key not valid yet proves nothing.
    """
    if not allowed_signers.is_file():
        return False
    with tempfile.TemporaryDirectory(prefix="txplan-verify-") as folder:
        signature_file = Path(folder) / "signature"
        signature_file.write_text(signature, encoding="ascii", errors="replace")
        try:
            done = subprocess.run([require_ssh_keygen(), "-Y", "verify", "-n", NAMESPACE, "-f", str(allowed_signers),
                                   "-I", principal, "-s", str(signature_file), "-O", f"verify-time={_ssh_time(at)}"],
                                  input=payload, capture_output=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


def _ssh_time(at: datetime) -> str:
    """``at`` (UTC, naive) or now, whichever is earlier, as ssh-keygen's verify-time takes it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return min(at, now).strftime("%Y%m%d%H%M%SZ")
