"""Time the template site build against a bare MkDocs build of the same pages.

A temporary clinic gets the repository's templates and mkdocs.yml plus N synthetic templates.
``build_site`` (load and check the library, generate the pages, build with the txplan plugin) is
timed against ``mkdocs build`` of the very same pages already written to a plain docs folder, with
the same mkdocs.yml less the plugin. The ratio is txplan's overhead; the target is at most 1.2x.

    python -m benchmarks.site_build [--templates 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from txplan.layout import INTERVENTIONS, MKDOCS
from txplan.site.pages import generate_site
from txplan.site.plugin import PLUGIN_NAME, build_site, checked_library

from .generate import synthetic_template

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.2


def synthetic_clinic(folder: Path, count: int) -> Path:
    templates = folder / INTERVENTIONS
    shutil.copytree(REPO / INTERVENTIONS, templates)
    shutil.copy(REPO / MKDOCS, folder / MKDOCS)
    for index in range(count):
        (templates / f"synthetic-{index:04d}.md").write_text(synthetic_template(index), encoding="utf-8")
    return folder


def bare_clinic(clinic: Path, folder: Path) -> Path:
    """The generated pages as plain files, and the clinic's mkdocs.yml with their nav and without txplan."""
    site = generate_site(checked_library(clinic))
    docs = folder / "docs"
    for page in site.pages:
        path = docs / page.src_uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.content, encoding="utf-8")
    config: dict[str, Any] = yaml.safe_load((clinic / MKDOCS).read_text(encoding="utf-8"))
    config.pop("exclude_docs", None)
    config["plugins"] = [p for p in config.get("plugins", ["search"]) if p != PLUGIN_NAME]
    config["theme"]["font"] = False
    config |= {"docs_dir": str(docs), "nav": site.nav, "strict": True}
    config_file = folder / MKDOCS
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return config_file


def milliseconds(step: Callable[[], None]) -> float:
    """CPU time of this process: both builds are single-threaded, and CPU time is not inflated by whatever
    else the machine is running, as wall time on a shared machine is."""
    start = time.process_time()
    step()
    return (time.process_time() - start) * 1000


def best_of(runs: int, bare: Callable[[], None], txplan: Callable[[], None]) -> tuple[float, float]:
    """The fastest run of each build, taken in turns so that both see the same conditions."""
    timings = [(milliseconds(bare), milliseconds(txplan)) for _ in range(runs)]
    return min(t[0] for t in timings), min(t[1] for t in timings)


def site_timings(templates: int, runs: int = 3) -> tuple[float, float, int]:
    """Best CPU ms of a bare mkdocs build and of txplan's site build over the same pages, and the page count."""
    with tempfile.TemporaryDirectory(prefix="txplan-bench-") as scratch:
        work = Path(scratch)
        clinic = synthetic_clinic(work / "clinic", templates)
        bare_config = bare_clinic(clinic, work / "bare")
        bare_ms, txplan_ms = best_of(runs, lambda: build(load_config(str(bare_config), site_dir=str(work / "bare-site"))),
                                     lambda: build_site(clinic, work / "txplan-site"))
        return bare_ms, txplan_ms, len(list((work / "txplan-site").rglob("index.html")))


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the template site build against a bare MkDocs build.")
    parser.add_argument("--templates", type=int, default=1000, help="synthetic templates to add (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build; the best is reported (default 3)")
    args = parser.parse_args()
    bare_ms, txplan_ms, pages = site_timings(args.templates, args.runs)
    ratio = txplan_ms / bare_ms
    print(f"{args.templates} synthetic templates + the repository's, {pages} pages, best of {args.runs} runs\n")
    print("| build | CPU ms | ratio |\n| --- | ---: | ---: |")
    print(f"| bare `mkdocs build` of the generated pages | {bare_ms:,.0f} | 1.00 |")
    print(f"| txplan `build_site` | {txplan_ms:,.0f} | {ratio:.2f} |")
    print(f"\ntarget: at most {TARGET_RATIO}x the bare build: {'met' if ratio <= TARGET_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
