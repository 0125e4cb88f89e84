"""Write an output file so that readers see either the old file or the new one, never half of it.

Charts hold protected health information: the temporary file is created with
the final mode from the start (never world-readable, not even for a moment),
then renamed over the target in one step.

A single file is synced before its rename. A build writing hundreds of charts
instead passes ``sync=False`` and calls ``sync_folder`` once at the end: the
rename is still atomic (a killed build leaves the old file or the new one),
and one flush replaces hundreds of fsyncs, which cost as much as rendering
the chart itself on the machines measured.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "is_temporary", "private_folder", "sync_folder", "write_atomic"]

TEMP_SUFFIX = ".tmp"  # temporary files are ".<name>.<random>.tmp" beside their target
_RANDOM_BYTES = 6
_TEMPORARY = re.compile(rf"\..+\.[0-9a-f]{{{2 * _RANDOM_BYTES}}}{re.escape(TEMP_SUFFIX)}", re.DOTALL)


def is_temporary(name: str) -> bool:
    """Whether a file name is one ``write_atomic`` gives its temporary files, and so may be cleaned up after a
    build that was killed; another program's ``.draft.tmp`` is not."""
    return _TEMPORARY.fullmatch(name) is not None


def write_atomic(path: Path, data: bytes, mode: int = 0o600, *, sync: bool = True) -> None:
    """Replace ``path`` with ``data``; on any failure the old file is untouched and OSError is raised."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(_RANDOM_BYTES)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if sync:
                os.fsync(stream.fileno())
        os.chmod(temp, mode)  # the umask may have narrowed the mode given to os.open
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if sync:
        sync_folder(path.parent, everything=False)


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) readable by the owner only: chart names are plan names."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
    return folder


def sync_folder(folder: Path, *, everything: bool = True) -> None:
    """Make the folder's renames durable; with ``everything``, flush all written data first."""
    if everything:
        os.sync()
    _sync_directory(folder)


def _sync_directory(folder: Path) -> None:
    """Persist the rename itself; not every platform can open a directory, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
