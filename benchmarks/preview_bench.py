"""Live preview benchmark: from saving a plan to the preview page holding the new text.

    python -m benchmarks.preview_bench [--edits 20]

Serves the preview of the example plan C-1002 (three measures with scores, so three progress graphs) in this
process, as ``txplan preview`` does, then repeatedly appends a sentence to the plan's narrative and asks the
server for the page until it holds that sentence. Each figure is wall time from the write to the first page
with the new text (the browser's own reload adds one more request). Target (issue 13): median at most 0.5 s.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from txplan.preview import Preview, _Server

REPO = Path(__file__).resolve().parent.parent
PLAN = "c-1002-interpersonal.md"


def page(server: _Server) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", urllib.parse.urlsplit(server.address).path)
    body = connection.getresponse().read().decode("utf-8")
    connection.close()
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="txplan-preview-bench-") as folder:
        root = Path(folder) / "clinic"
        shutil.copytree(REPO / "templates", root / "templates")
        (root / "plans").mkdir()
        shutil.copy(REPO / "plans" / PLAN, root / "plans" / PLAN)
        shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
        preview = Preview(root, f"plans/{PLAN}")
        started = time.perf_counter()
        preview.page(preview.start)
        first = time.perf_counter() - started
        server = _Server(("127.0.0.1", 0), preview)
        for target in (server.serve_forever, preview.watch):
            threading.Thread(target=target, daemon=True).start()
        plan = root / "plans" / PLAN
        seconds: list[float] = []
        for edit in range(args.edits):
            sentence = f"Edit number {edit} of the benchmark."
            time.sleep(0.2)  # a clinician types between saves
            written = time.perf_counter()
            plan.write_text(plan.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
            while sentence not in page(server):
                time.sleep(0.005)
            seconds.append(time.perf_counter() - written)
        preview.stop()
        server.shutdown()
    print(f"| measurement ({PLAN}, 3 scored measures) | seconds |")
    print("| --- | ---: |")
    print(f"| first render (three graphs drawn) | {first:.3f} |")
    print(f"| save to page with the new text, median of {args.edits} | {statistics.median(seconds):.3f} |")
    print(f"| save to page with the new text, slowest | {max(seconds):.3f} |")


if __name__ == "__main__":
    main()
