"""PDF charts: the DOCX converted by LibreOffice headless, tagged, as PDF/A-2b.

LibreOffice is optional: only the ``pdf`` command needs it, and without it that
command stops before anything is built (``LibreOfficeMissing``, exit 2) with a
line saying how to install it.

Starting LibreOffice costs most of a conversion (about 0.9 s a file when each
file gets its own process), so many charts go through one process: the files of
a build are split into at most ``jobs`` batches, each converted by one
``soffice`` with its own throw-away user profile (two instances sharing a
profile refuse to start). Inputs are copied into a private temporary folder
under neutral names, so two plans with the same file name in different folders
cannot meet there, and nothing of the clinic's folder layout reaches
LibreOffice.

Everything LibreOffice writes is a client's chart or made from one, so it stays
private and never outlives the conversion: each ``soffice`` runs with umask 077,
its home and temporary folders inside the 0700 scratch folder, in a process group
of its own. ``soffice`` hands over to ``soffice.bin``, which a killed ``soffice``
leaves running; so the whole group is ended and waited for (after a timeout, an
interrupt or any error) before the scratch folder is removed, and none of it can
write a chart there afterwards.

A batch is timed by its progress, not its size: LibreOffice converts its files
one after another, so it gets ``SECONDS_TO_START`` plus ``SECONDS_PER_FILE`` for
its first PDF and ``SECONDS_PER_FILE`` for each next one. A hung LibreOffice is
stopped within that, however long the batch, while a long batch that keeps
converting is never cut short. The figures are measured in docs/charts.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from pathlib import Path

from ..errors import EXIT_USAGE, TxplanError

__all__ = ["EXPORT_FILTER", "SECONDS_PER_FILE", "SECONDS_TO_START", "LibreOfficeMissing", "PdfFailure",
           "convert_to_pdf", "find_soffice"]

# writer_pdf_Export options (LibreOffice 7.4+ takes them as JSON): PDF/A-2b (SelectPdfVersion 2) with a structure
# tree (UseTaggedPDF), so screen readers and archive checkers get what they look for.
EXPORT_FILTER = "pdf:writer_pdf_Export:" + json.dumps({
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
}, separators=(",", ":"))
# LibreOffice's start (about 1.1 s here, more on a cold machine), and the longest wait for the next PDF of a batch
# (the largest chart a plan can make, 600 pages, takes 7.1 s here): see docs/charts.md.
SECONDS_TO_START, SECONDS_PER_FILE = 60.0, 30.0
_SECONDS_TO_STOP = 2.0  # the grace between asking a LibreOffice to stop (SIGTERM) and killing it (SIGKILL)
_POLL_SECONDS = 0.1
_MAC_APP = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: sudo apt-get install libreoffice-writer; "
                "macOS: brew install --cask libreoffice; Windows: libreoffice.org) and run txplan pdf again")


class LibreOfficeMissing(TxplanError):
    exit_code = EXIT_USAGE


class PdfFailure(Enum):
    """Why a chart got no PDF, in words fit for its TX605."""

    REFUSED = "LibreOffice could not convert the chart to PDF"
    TIMED_OUT = "LibreOffice timed out (it stopped making progress) before converting the chart to PDF"


def find_soffice() -> Path:
    """LibreOffice's command-line program, from PATH or its usual place on a Mac."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    if _MAC_APP.is_file():
        return _MAC_APP
    raise LibreOfficeMissing(f"pdf: LibreOffice is not installed (no soffice on PATH); {INSTALL_HINT}")


def convert_to_pdf(documents: Sequence[bytes], jobs: int = 1) -> list[bytes | PdfFailure]:
    """Each DOCX as PDF bytes, in order, or why LibreOffice gave none.

    Returns only once every LibreOffice it started has ended, so nothing writes into the scratch folder after it
    is removed; a folder that cannot be removed completely is left (it is 0700) rather than raised over.
    """
    if not documents:
        return []
    soffice = find_soffice()
    batches = max(1, min(jobs, len(documents)))
    work = Path(tempfile.mkdtemp(prefix="txplan-pdf-"))  # 0700
    try:
        names = _write_inputs(work, documents)
        groups = [names[batch::batches] for batch in range(batches)]
        stalled = _convert_batches(soffice, work, groups)
        return [_read(work / "out" / f"{name}.pdf")
                or (PdfFailure.TIMED_OUT if name in stalled else PdfFailure.REFUSED) for name in names]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_inputs(work: Path, documents: Sequence[bytes]) -> list[str]:
    """The DOCX files under neutral names, 0600 in 0700 folders, and the private folders LibreOffice writes to."""
    for folder in ("in", "out", "tmp"):
        (work / folder).mkdir(mode=0o700)
    names = [f"{index:05d}" for index in range(len(documents))]
    for name, data in zip(names, documents, strict=True):
        descriptor = os.open(work / "in" / f"{name}.docx", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "wb") as handle:
            handle.write(data)
    return names


def _convert_batches(soffice: Path, work: Path, groups: Sequence[Sequence[str]]) -> set[str]:
    """Run the batches side by side; the names of those whose LibreOffice timed out.

    An interrupt or an error here sets ``stop``, so every LibreOffice is ended at once rather than when its batch
    would have finished (Ctrl-C does not reach them: they run in process groups of their own).
    """
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=len(groups))
    try:
        futures = [pool.submit(_convert_batch, soffice, work, batch, names, stop) for batch, names in enumerate(groups)]
        return {name for future, names in zip(futures, groups, strict=True) if not future.result() for name in names}
    finally:
        stop.set()
        pool.shutdown(wait=True)


def _convert_batch(soffice: Path, work: Path, batch: int, names: Sequence[str], stop: threading.Event) -> bool:
    """One LibreOffice process for a list of files; False when it timed out. Whatever it did not write is missing
    afterwards."""
    profile = work / f"profile-{batch}"
    command = [str(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", EXPORT_FILTER, "--outdir", str(work / "out"),
               *(str(work / "in" / f"{name}.docx") for name in names)]
    private = str(work / "tmp")  # LibreOffice's own temporary files (lu*.tmp) follow TMPDIR
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True, umask=0o077,
                                   env={**os.environ, "HOME": str(work), "TMPDIR": private, "TMP": private,
                                        "TEMP": private})
    except OSError:
        return True
    try:
        return _wait_while_converting(process, [work / "out" / f"{name}.pdf" for name in names], stop)
    finally:
        _end_group(process)


def _wait_while_converting(process: subprocess.Popen[bytes], outputs: Sequence[Path], stop: threading.Event) -> bool:
    """Wait for LibreOffice while it makes progress; False once it has gone too long without a new PDF, or when the
    conversion is given up (``stop``)."""
    converted, deadline = 0, time.monotonic() + SECONDS_TO_START + SECONDS_PER_FILE
    while process.poll() is None:
        if stop.wait(_POLL_SECONDS):
            return False
        now = sum(path.exists() for path in outputs)
        if now > converted:
            converted, deadline = now, time.monotonic() + SECONDS_PER_FILE
        elif time.monotonic() > deadline:
            return False
    return True


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """End LibreOffice and every process it started, and wait until they are gone: asked first (SIGTERM), killed
    (SIGKILL) if still there after a short grace. Windows has no process groups to signal; soffice itself is
    killed there."""
    if sys.platform == "win32":
        process.kill()
        process.wait()
        return
    for number in (signal.SIGTERM, signal.SIGKILL):
        if not _signal_group(process.pid, number) or _group_gone(process, _SECONDS_TO_STOP):
            return


def _group_gone(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether the process group empties within ``seconds``; soffice itself is reaped on the way, or it would stay
    in the group as a zombie."""
    deadline = time.monotonic() + seconds
    while True:
        process.poll()
        if not _signal_group(process.pid, 0):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL_SECONDS / 5)


def _signal_group(group: int, number: int) -> bool:
    """Send a signal to every process of the group (0 only asks whether any is left); False when none is."""
    try:
        os.killpg(group, number)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _read(path: Path) -> bytes | None:
    """The PDF LibreOffice wrote, whole (from ``%PDF-`` to ``%%EOF``), or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") else None
