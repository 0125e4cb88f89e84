"""PDF benchmark: converting many charts per LibreOffice process against one process per file.

    python -m benchmarks.pdf_bench [--charts 200]

Generates a clinic, builds its DOCX charts once, then times (wall clock) converting them all to PDF:

- one ``soffice`` process per file, one at a time, as a clinic would otherwise script it;
- txplan's converter (``txplan.render.pdf.convert_to_pdf``) with one batch and with two batches (two processes
  side by side).

Target (issue 13): txplan's conversion of 200 charts takes at most half the time of one process per file.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.generate import generate
from txplan.build.pipeline import build_charts
from txplan.render.pdf import EXPORT_FILTER, convert_to_pdf, find_soffice


def one_process_per_file(charts: list[Path], scratch: Path) -> float:
    soffice = find_soffice()
    started = time.perf_counter()
    for index, chart in enumerate(charts):
        profile = scratch / f"profile-{index}"
        subprocess.run([str(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", EXPORT_FILTER, "--outdir", str(scratch / "out"), str(chart)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(profile, ignore_errors=True)
    return time.perf_counter() - started


def batched(charts: list[Path], jobs: int) -> float:
    documents = [chart.read_bytes() for chart in charts]
    started = time.perf_counter()
    converted = convert_to_pdf(documents, jobs)
    seconds = time.perf_counter() - started
    assert all(isinstance(pdf, bytes) for pdf in converted)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--charts", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="txplan-pdf-bench-") as folder:
        root = generate(Path(folder) / "clinic", plans=args.charts)
        build_charts(root)
        charts = sorted((root / "build" / "docx").glob("*.docx"))
        per_file = one_process_per_file(charts, Path(folder))
        one_batch = batched(charts, 1)
        two_batches = batched(charts, 2)
    n = len(charts)
    print(f"| measurement ({n} charts) | seconds | s per chart | vs one process per file |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in (("one soffice process per file", per_file), ("txplan, one batch", one_batch),
                          ("txplan, two batches (--jobs 2)", two_batches)):
        print(f"| {name} | {seconds:.1f} | {seconds / n:.2f} | {seconds / per_file:.2f}x |")


if __name__ == "__main__":
    main()
