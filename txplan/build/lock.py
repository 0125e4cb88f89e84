"""One build at a time per clinic: an operating-system file lock under build/.

Two builds writing the same charts and state would each be atomic file by
file, yet together they could leave a state that describes neither, and the
start-up cleanup of one would remove the other's half-written temporary files.
Every command that writes under build/ holds this lock while it does.

The lock is ``filelock``'s: fcntl/flock on POSIX, msvcrt on Windows, released
by the operating system when the process ends, so a killed build never leaves
a stale lock behind (a leftover lock *file* is harmless).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import EXIT_ERRORS, EXIT_USAGE, TxplanError
from ..layout import BUILD, LOCK_FILE
from .writer import private_folder

__all__ = ["LOCK_WAIT_SECONDS", "BuildLocked", "OutputFolderError", "clinic_lock"]

LOCK_WAIT_SECONDS = 600.0


class BuildLocked(TxplanError):
    """Another build of the same clinic held the lock for longer than we were willing to wait."""

    exit_code = EXIT_USAGE


class OutputFolderError(TxplanError):
    """build/ cannot be created or used (a file in its place, a read-only disk, no permission)."""

    exit_code = EXIT_ERRORS


@contextmanager
def clinic_lock(root: Path, *, wait: float = LOCK_WAIT_SECONDS,
                on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the clinic's build lock; ``on_wait`` is called once when another build holds it and we wait."""
    try:
        private_folder(root / BUILD)
        if not (root / BUILD).is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder")
        lock = FileLock(root / LOCK_FILE, mode=0o600)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait()
            lock.acquire(timeout=wait)
    except Timeout:
        raise BuildLocked(f"another txplan build of this clinic held {LOCK_FILE} for {wait:.0f} s; "
                          f"wait for it to finish, then build again") from None
    except OSError as exc:
        raise OutputFolderError(f"cannot use {BUILD}/ for outputs: {(exc.strerror or 'error').lower()}; "
                                f"it must be a folder this user can write") from None
    try:
        yield
    finally:
        lock.release()
