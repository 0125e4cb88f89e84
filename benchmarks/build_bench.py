"""Build benchmark: one table, from one run, on one generated clinic.

    python -m benchmarks.build_bench [--plans 1000] [--pandoc-sample 200]

Every row is measured as wall time of a separate process (start-up included), on the same
generated content, so that the ratios compare like with like:

- txplan's full build with one job and with every core;
- the floor: bare python-docx writing the same paragraphs and tables (benchmarks/floor.py);
- pandoc (the pypandoc_binary wheel) turning the same narratives into DOCX, one process per file,
  one at a time and two at a time, as a clinic would otherwise script it;
- a no-op rebuild and a rebuild after one template changed;
- ``check`` alone;
- the template site against a bare ``mkdocs build`` of the same pages (benchmarks/site_build.py);
- one progress graph against matplotlib's own floor at the same size (benchmarks/graph.py), and the
  same plans built with their score histories removed, so that the cost of the graphs shows.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docx

from benchmarks.generate import generate
from benchmarks.graph import graph_timings

REPO = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, str(REPO / "build.py")]


def timed(command: Sequence[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def chart_content(path: Path) -> dict[str, Any]:
    """Paragraphs (with style ids) and tables of a chart, in body order, for the floor to rewrite."""
    document = docx.Document(str(path))
    blocks: list[dict[str, Any]] = [{"kind": "p", "style": p.style.name if p.style is not None else "Normal",
                                     "text": p.text} for p in document.paragraphs]
    blocks += [{"kind": "t", "rows": [[c.text for c in row.cells] for row in table.rows]} for table in document.tables]
    pictures = [base64.b64encode(part.blob).decode() for part in document.part.package.iter_parts()
                if part.partname.startswith("/word/media/")]
    return {"blocks": blocks, "pictures": pictures}


def pandoc_all(narratives: list[Path], out_dir: Path, parallel: int) -> float:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    out_dir.mkdir(parents=True, exist_ok=True)

    def convert(source: Path) -> None:
        subprocess.run([pandoc, "-f", "markdown", "-t", "docx", "-o", str(out_dir / f"{source.stem}.docx"), str(source)],
                       check=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(convert, narratives))
    return time.perf_counter() - started


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def run(plans: int, pandoc_sample: int, work: Path) -> list[tuple[str, float, str]]:
    clinic = generate(work / "clinic", plans=plans)
    rows: list[tuple[str, float, str]] = []

    def per_plan(seconds: float, count: int = plans) -> float:
        return seconds * 1000 / count

    check = timed([*BUILD, "check"], clinic)
    rows.append(("check alone, ms per plan", per_plan(check), ""))
    one_job = timed([*BUILD, "docx", "--force", "--jobs", "1"], clinic)
    rows.append(("full build, --jobs 1, ms per plan", per_plan(one_job), ""))
    all_jobs = timed([*BUILD, "docx", "--force"], clinic)
    rows.append((f"full build, --jobs {os.cpu_count()}, ms per plan", per_plan(all_jobs),
                 f"{one_job / all_jobs:.2f}x faster than one job (target >= 1.7x on 2 cores)"))
    noop = timed([*BUILD, "docx"], clinic)
    rows.append(("no-op rebuild, total ms", noop * 1000, f"{noop / all_jobs:.1%} of the full build (target < 2%)"))
    template = clinic / "templates" / "interventions" / "assertive-communication.md"
    template.write_text(template.read_text() + "\nReviewed at the next session.\n")
    changed = timed([*BUILD, "docx"], clinic)
    users = sum("assertive-communication" in p.read_text() for p in (clinic / "plans").glob("*.md"))
    rows.append((f"one template changed ({users} plans use it), total ms", changed * 1000, ""))

    content = [chart_content(p) for p in sorted((clinic / "build" / "docx").glob("*.docx"))]
    (work / "content.json").write_text(json.dumps(content))
    floor = timed([sys.executable, "-m", "benchmarks.floor", str(work / "content.json"), str(work / "floor")], REPO)
    rows.append(("python-docx floor, one process, ms per plan", per_plan(floor),
                 f"txplan --jobs 1 is {one_job / floor:.2f}x the floor (target <= 1.3x)"))

    narratives = _narratives(clinic, work / "narratives", pandoc_sample)
    sequential = per_plan(pandoc_all(narratives, work / "pandoc1", 1), len(narratives))
    two = pandoc_all(narratives, work / "pandoc2", 2)
    rows.append((f"pandoc, one process per file, sequential ({len(narratives)} files), ms per plan", sequential,
                 f"txplan --jobs 1 is {sequential / per_plan(one_job):.2f}x as fast (target >= 3x)"))
    rows.append(("pandoc, one process per file, two at a time, ms per plan", per_plan(two, len(narratives)), ""))

    bare = without_scores(clinic, work / "no-scores")
    no_graphs = per_plan(timed([*BUILD, "docx", "--force", "--jobs", "1"], bare))
    rows.append(("full build, --jobs 1, same plans without score histories (no graphs), ms per plan", no_graphs,
                 f"{sequential / no_graphs:.2f}x as fast as pandoc"))
    graphs = graph_timings()
    rows.append(("one progress graph (matplotlib, 6.5 x 3.4 in at 200 dpi), CPU ms", graphs.typical,
                 f"{graphs.typical / graphs.floor:.2f}x the floor (target <= 1.3x)"))
    rows.append(("matplotlib floor: one line on default axes, same size, CPU ms", graphs.floor,
                 f"pandoc / 3 = {sequential / 3:.1f} ms is the whole budget per plan"))
    return rows


def without_scores(clinic: Path, target: Path) -> Path:
    """A copy of the clinic whose plans have no score histories, hence no progress graphs to draw."""
    shutil.copytree(clinic, target, ignore=shutil.ignore_patterns("build"))
    for plan in (target / "plans").glob("*.md"):
        text, removed = re.subn(r"\n +scores:\n( +- \{[^\n]*\}\n)+", "\n", plan.read_text())
        if not removed:
            raise SystemExit(f"{plan.name}: no score history found; benchmarks/generate.py changed its format")
        plan.write_text(text)
    return target


def _narratives(clinic: Path, folder: Path, count: int) -> list[Path]:
    """The Markdown after each plan's front matter, as pandoc would be given it."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for plan in sorted((clinic / "plans").glob("*.md"))[:count]:
        body = plan.read_text().split("\n---\n", 1)[1]
        target = folder / plan.name
        target.write_text(body)
        out.append(target)
    return out


def site_rows(templates: int) -> list[tuple[str, float, str]]:
    from benchmarks.site_build import site_timings

    bare, txplan, pages = site_timings(templates, runs=3)  # one run of each swings by 10 % on a shared machine
    return [(f"bare mkdocs build of the same {pages} pages, CPU ms, best of 3", bare, ""),
            (f"txplan site, {templates} extra templates, CPU ms, best of 3", txplan,
             f"{txplan / bare:.2f}x the bare build (target <= 1.2x)")]


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark txplan's build against the python-docx floor and pandoc.")
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--pandoc-sample", type=int, default=200, help="narratives converted by pandoc (default 200)")
    parser.add_argument("--templates", type=int, default=1000, help="templates in the site benchmark (default 1000)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="txplan-bench-"))
    try:
        rows = run(args.plans, args.pandoc_sample, work) + site_rows(args.templates)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {machine()}")
    print(f"clinic: {args.plans} generated plans\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measurement'.ljust(width)} | {'value':>9} | note |")
    print(f"| {'-' * width} | {'-' * 9}: | --- |")
    for name, value, note in rows:
        print(f"| {name.ljust(width)} | {value:9.1f} | {note} |")


if __name__ == "__main__":
    main()
