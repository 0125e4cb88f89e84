"""`txplan html`: one self-contained, accessible HTML chart per plan, read in a real browser (headless Chromium)
with axe-core checking WCAG 2.1 AA, every off-site request recorded, and the page's structure as a screen reader
meets it."""

from __future__ import annotations

import itertools
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import example_clinic
from playwright.sync_api import Browser

from txplan.build.pipeline import ChartState, build_charts
from txplan.layout import Output

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EXAMPLES = sorted(p.stem for p in (REPO / "plans").glob("*.md"))


@pytest.fixture(scope="module")
def example_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example clinic's HTML charts, built by the command a user runs."""
    root = example_clinic(tmp_path_factory.mktemp("clinic") / "clinic")
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "html"], cwd=root, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"built {len(EXAMPLES)} HTML chart(s), 0 unchanged")
    return root / "build" / "html"


def require_axe() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}; ./scripts/test installs it (npm install --prefix .cache/axe axe-core)")
    return AXE.read_text(encoding="utf-8")


def test_every_chart_is_private_and_self_contained(example_html: Path) -> None:
    for name in EXAMPLES:
        page = example_html / f"{name}.html"
        assert stat.S_IMODE(page.stat().st_mode) == 0o600
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<link" not in text and "<img" not in text
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text.replace('href="https://', "")), name
    assert stat.S_IMODE(example_html.stat().st_mode) == 0o700


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_wcag_21_aa_violations_and_no_request_leaves_the_file(browser: Browser, example_html: Path, name: str) -> None:
    axe = require_axe()
    requested: list[str] = []
    plain = browser.new_context()  # the page's own Content-Security-Policy in force
    page = plain.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.goto((example_html / f"{name}.html").as_uri())
    assert requested == [(example_html / f"{name}.html").as_uri()]
    plain.close()
    audited = browser.new_context(bypass_csp=True)  # the page refuses inline scripts, axe's included
    page = audited.new_page()
    page.goto((example_html / f"{name}.html").as_uri())
    page.add_script_tag(content=axe)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    audited.close()
    assert result["passes"], "axe ran no rule"
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []


def test_the_outline_tables_and_graphs_read_as_a_screen_reader_meets_them(browser: Browser, example_html: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto((example_html / "c-1003-high-risk-safety-plan.html").as_uri())
    headings = page.evaluate("() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => [h.tagName, h.textContent])")
    assert headings[0] == ["H1", "Treatment plan"]
    assert ["H2", "Identification"] in headings and ["H3", "Crisis management and safety planning"] in headings
    levels = [int(tag[1]) for tag, _ in headings]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))  # no level skipped on the way down
    assert page.get_by_role("rowheader", name="Step 5").count() == 1
    assert page.get_by_role("columnheader", name="Target date").count() >= 1
    graph = page.get_by_role("img", name="PHQ-9 progress")
    assert graph.count() == 1
    description: Any = graph.evaluate("svg => svg.querySelector('desc').textContent")
    assert description.startswith("Line graph of PHQ-9 scores from 21 on November 16, 2026 to 19 on November 23, 2026")
    scores = page.get_by_role("table", name="PHQ-9 scores")
    assert scores.get_by_role("row").count() == 3  # a header and the two scores
    context.close()


def test_html_charts_are_deterministic_and_incremental(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "plans").mkdir()
    shutil.copy(REPO / "plans" / "c-1001-low-risk-depression.md", root / "plans" / "a.md")
    (root / "pyproject.toml").write_text("[tool.txplan]\n", encoding="utf-8")
    first = build_charts(root, outputs={Output.HTML}, jobs=1)
    page = root / "build" / "html" / "a.html"
    written = page.read_bytes()
    assert {o.state for o in first.outcomes} == {ChartState.WRITTEN}
    assert {o.state for o in build_charts(root, outputs={Output.HTML}, jobs=1).outcomes} == {ChartState.UNCHANGED}
    assert build_charts(root, outputs={Output.HTML}, jobs=1, force=True).outcomes[0].state is ChartState.WRITTEN
    assert page.read_bytes() == written


def test_markup_in_a_plan_is_text_and_links_keep_only_safe_targets(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "plans").mkdir()
    plan = (REPO / "plans" / "c-1001-low-risk-depression.md").read_text(encoding="utf-8")
    hostile = ("\n<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
               "[js](javascript:alert(3)) [web](https://example.org/) ![scan](https://example.org/x.png) "
               "[](https://empty.example/)\n")
    (root / "plans" / "a.md").write_text(plan + hostile, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.txplan]\n", encoding="utf-8")
    assert not build_charts(root, outputs={Output.HTML}, jobs=1).has_errors
    text = (root / "build" / "html" / "a.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text and "<img" not in text
    assert "href=\"javascript" not in text and "[js](javascript:alert(3))" in text  # shown as the text it is
    assert '<a href="https://example.org/" rel="noreferrer noopener">web</a>' in text
    assert "[image: scan]" in text and "x.png" not in text
    assert '<a href="https://empty.example/" rel="noreferrer noopener">https://empty.example/</a>' in text


@pytest.mark.parametrize("width", [375, 320])
def test_every_chart_fits_a_phone_without_scrolling_sideways(browser: Browser, example_html: Path, width: int) -> None:
    """Staff read charts on phones: at 375 px (most phones) and 320 px (the narrowest still sold) every table fits
    the window. At 375 px no word is broken inside: the tables only get tighter; below 22rem a cell's words may
    break anywhere rather than push the page sideways."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    whole_words = "() => [...document.querySelectorAll('th')].every(th => { const r = document.createRange(); " \
                  "r.selectNodeContents(th); return th.textContent.includes(' ') || r.getClientRects().length === 1; })"
    for name in EXAMPLES:
        page.goto((example_html / f"{name}.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") == width, name
        if width == 375:
            assert page.evaluate(whole_words), name  # a one-word header ("Baseline") on one line
    context.close()


def html_chart(folder: Path, plan: str) -> Path:
    """The HTML chart of ``plan``, built by `txplan` in a clinic of its own under ``folder``."""
    root = folder / "clinic"
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "plans").mkdir()
    (root / "plans" / "a.md").write_text(plan, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.txplan]\n", encoding="utf-8")
    assert not build_charts(root, outputs={Output.HTML}, jobs=1).has_errors
    return root / "build" / "html" / "a.html"


@pytest.fixture(scope="module")
def deep_list_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = (REPO / "plans" / "c-1001-low-risk-depression.md").read_text(encoding="utf-8")
    return html_chart(tmp_path_factory.mktemp("deep"), plan + "\n" + "".join(
        "  " * level + f"- Step {level} of the session plan\n" for level in range(12)))


@pytest.mark.parametrize("width", [375, 320])
def test_a_list_nested_12_deep_fits_a_phone_without_scrolling_sideways(browser: Browser, deep_list_chart: Path,
                                                                      width: int) -> None:
    """Each level's default 40 px indent pushed a list 8 or 9 levels deep past a phone's width."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(deep_list_chart.as_uri())
    assert page.get_by_text("Step 11 of the session plan", exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == width
    context.close()


def test_long_words_and_empty_links_keep_the_page_readable(browser: Browser, tmp_path: Path) -> None:
    """A web address as a measure and in a narrative table, a long unbroken word and a link with no text: the page
    keeps the window's width,
    the narrow columns keep their words whole, and axe still finds nothing (an empty link has no accessible name)."""
    plan = (REPO / "plans" / "c-1001-low-risk-depression.md").read_text(encoding="utf-8")
    address = "https://measures.example.org/" + "a" * 120 + "/weekly-log"
    plan = plan.replace("measure: Weekly activity schedule with completion ticks, reviewed at the start of each session",
                        f"measure: {address}", 1)
    assert address in plan
    narrative_table = f"\n| Measure | Kept by |\n|---|---|\n| {address.replace('measures', 'log')} | client |\n"
    chart = html_chart(tmp_path, plan + "\n" + "x" * 600 + " [](https://empty.example/)\n" + narrative_table)
    context = browser.new_context(viewport={"width": 800, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(chart.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") == 800
    lines_of = "cell => { const r = document.createRange(); r.selectNodeContents(cell); return r.getClientRects().length; }"
    assert page.locator("td", has_text=re.compile(r"^O1$")).first.evaluate(lines_of) == 1  # not O / 1
    assert page.locator("td", has_text=address).evaluate(lines_of) > 1  # the address wraps in its own cell
    page.add_script_tag(content=require_axe())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    context.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
