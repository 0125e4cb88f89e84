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
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import EXIT_USAGE, TxplanError

__all__ = ["EXPORT_FILTER", "LibreOfficeMissing", "convert_to_pdf", "find_soffice"]

# writer_pdf_Export options (LibreOffice 7.4+ takes them as JSON): PDF/A-2b (SelectPdfVersion 2) with a structure
# tree (UseTaggedPDF), so screen readers and archive checkers get what they look for.
EXPORT_FILTER = "pdf:writer_pdf_Export:" + json.dumps({
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
}, separators=(",", ":"))
SECONDS_PER_FILE, SECONDS_TO_START = 20, 60
_MAC_APP = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: sudo apt-get install libreoffice-writer; "
                "macOS: brew install --cask libreoffice; Windows: libreoffice.org) and run txplan pdf again")


class LibreOfficeMissing(TxplanError):
    exit_code = EXIT_USAGE


def find_soffice() -> Path:
    """LibreOffice's command-line program, from PATH or its usual place on a Mac."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    if _MAC_APP.is_file():
        return _MAC_APP
    raise LibreOfficeMissing(f"pdf: LibreOffice is not installed (no soffice on PATH); {INSTALL_HINT}")


def convert_to_pdf(documents: Sequence[bytes], jobs: int = 1) -> list[bytes | None]:
    """Each DOCX as PDF bytes, in order; ``None`` for a document LibreOffice could not convert."""
    if not documents:
        return []
    soffice = find_soffice()
    batches = max(1, min(jobs, len(documents)))
    with tempfile.TemporaryDirectory(prefix="txplan-pdf-") as scratch:
        os.chmod(scratch, 0o700)
        work = Path(scratch)
        names = [f"{index:05d}" for index in range(len(documents))]
        for name, data in zip(names, documents, strict=True):
            source = work / "in" / f"{name}.docx"
            source.parent.mkdir(mode=0o700, exist_ok=True)
            source.write_bytes(data)
        groups = [names[batch::batches] for batch in range(batches)]
        with ThreadPoolExecutor(max_workers=batches) as pool:
            list(pool.map(lambda item: _convert_batch(soffice, work, *item), enumerate(groups)))
        return [_read(work / "out" / f"{name}.pdf") for name in names]


def _convert_batch(soffice: Path, work: Path, batch: int, names: Sequence[str]) -> None:
    """One LibreOffice process for a list of files; whatever it fails to write is missing afterwards."""
    if not names:
        return
    profile = work / f"profile-{batch}"
    command = [str(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", EXPORT_FILTER, "--outdir", str(work / "out"),
               *(str(work / "in" / f"{name}.docx") for name in names)]
    timeout = SECONDS_TO_START + SECONDS_PER_FILE * len(names)
    try:
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout, check=False, env={**os.environ, "HOME": str(work)})
    except (OSError, subprocess.SubprocessError):
        return


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"%PDF-") else None
