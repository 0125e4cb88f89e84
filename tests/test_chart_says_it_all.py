"""Every output says every word of a plan, and the same thing: Markdown nested past markdown-it's limit, a table row
taller than a page, scores too large for six significant digits, nested numbered lists, wide tables.

Each test reads what a reader gets: the DOCX through python-docx, the HTML page (in Chromium where layout matters),
the PDF's text as LibreOffice printed it, the FHIR bundle's JSON.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx_helpers import PLAN, docx_clinic, status_for
from docx_helpers import table_rows as docx_table_rows
from playwright.sync_api import Browser
from test_html_chart import WCAG_AA, require_axe

from txplan.build.pipeline import build_charts
from txplan.chart.wording import final_score_row
from txplan.instruments import score_text
from txplan.layout import Output
from txplan.render.markdown import MAX_DEPTH, chart_tokens

DEEP = 12  # list levels: 24 block levels, past markdown-it's default limit of 20
DEEP_LIST = "".join("  " * level + f"- level{level}\n" for level in range(DEEP))
TALL_CELL = " ".join(f"word{n}" for n in range(2500)) + " LASTWORD"
WIDE = 20  # columns
WIDE_TABLE = ("| " + " | ".join(f"week{n}" for n in range(WIDE)) + " |\n|" + "---|" * WIDE + "\n| "
              + " | ".join(f"PHQ{n}" for n in range(WIDE)) + " |\n")
# A transcript CommonMark reads as link reference definitions: each line vanished, and "[Clinician]" linked to one
TRANSCRIPT = '[Clinician]: "Any thoughts of ending your life?"\n\n[Client]: yes\n\n[Clinician]: plan?\n\n' \
    '[Client]: <no> "not now"\n'
TRANSCRIPT_LINES = ['[Clinician]: "Any thoughts of ending your life?"', "[Client]: yes", "[Clinician]: plan?",
                    '[Client]: <no> "not now"']
RAGGED_TABLE = "| Date | Note |\n| --- | --- |\n| Nov 3 | Calm | Disclosed self-harm urges |\n| Nov 10 |\n"
NARRATIVE = (f"\n## Deep list\n\n{DEEP_LIST}\nDisclosed a plan after the list; safety plan updated.\n\n"
             "## Later section\n\nStill here.\n\n"
             f"## Tall row\n\n| Note | By |\n|---|---|\n| {TALL_CELL} | clinician |\n\n"
             f"## Scores by week\n\n{WIDE_TABLE}\n"
             "## Steps\n\n1. Safety steps\n2. Exposure\n   1. Imaginal\n   2. In vivo (see 2b)\n\n"
             f"## Session 4 excerpt\n\n{TRANSCRIPT}\n## Ragged table\n\n{RAGGED_TABLE}")
STEPS = """      - instrument: Steps per week
        range: [0, 2000000]
        better: higher
        baseline: 123456
        target: 1234567
        every: month
        scores:
          - { date: 2026-11-02, score: 999999.5 }
          - { date: 2026-11-16, score: 1234500 }
"""


def _plan() -> str:
    start, end = PLAN.index("      - instrument: PDSS"), PLAN.index("    feedback:")
    plan = PLAN[:start] + STEPS + PLAN[end:]
    return plan.replace("measure: Weekly activity log reviewed in session", "measure: Steps per week from the phone") \
        + NARRATIVE


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[Output, Path]:
    """One plan's DOCX, HTML, PDF (LibreOffice) and FHIR bundle, built as `txplan` builds them."""
    root = docx_clinic(tmp_path_factory.mktemp("clinic"), {"c-0042.md": _plan()})
    report = build_charts(root, outputs=set(Output), jobs=1)
    assert not report.has_errors, [o for o in report.outcomes]
    folders = {Output.DOCX: "docx", Output.HTML: "html", Output.PDF: "pdf", Output.FHIR: "fhir"}
    suffixes = {Output.DOCX: ".docx", Output.HTML: ".html", Output.PDF: ".pdf", Output.FHIR: ".json"}
    return {output: root / "build" / folders[output] / f"c-0042{suffixes[output]}" for output in Output}


def docx_text(path: Path) -> str:
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def html_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout


def fhir_bundle(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def careplan(path: Path) -> dict[str, Any]:
    return next(e["resource"] for e in fhir_bundle(path)["entry"] if e["resource"]["resourceType"] == "CarePlan")


def output_texts(outputs: dict[Output, Path]) -> dict[str, str]:
    """What a reader gets of the narrative from each output: DOCX, HTML and PDF text, the FHIR CarePlan's div."""
    narrative = html.unescape(re.sub(r"<[^>]+>", " ", careplan(outputs[Output.FHIR])["text"]["div"]))
    return {"docx": docx_text(outputs[Output.DOCX]), "html": html_text(outputs[Output.HTML]),
            "pdf": pdf_text(outputs[Output.PDF]), "fhir": narrative}


def test_markdown_nested_past_the_parser_limit_loses_no_word_in_any_output(outputs: dict[Output, Path]) -> None:
    """markdown-it stops parsing at its nesting limit and drops the rest of the narrative; it must all be shown."""
    for name, text in output_texts(outputs).items():
        for word in [*(f"level{level}" for level in range(DEEP)), "Disclosed a plan after the list", "Later section",
                     "Still here", "Imaginal"]:
            assert word in text, (name, word)


def test_a_code_block_past_the_nesting_limit_keeps_its_lines_as_typed() -> None:
    """Read as Markdown, the fences became a code span that swallowed the line breaks and doubled the backslash."""
    indent = "  " * (MAX_DEPTH // 2 + 2)
    code = ["```", "a \\", "code *x* line", "```"]
    source = "".join("  " * level + f"- w{level}\n" for level in range(MAX_DEPTH // 2 + 2)) + "\n"
    source += "".join(f"{indent}{line}\n" for line in [*code, "*after*"])
    deepest = [token for token in chart_tokens(source, 2) if token.type == "inline"][-1].children or []
    lines = "".join("\n" if child.type == "hardbreak" else child.content for child in deepest).split("\n")
    assert lines[-5:] == [*code, "after"]


@pytest.mark.parametrize("container", ["- ", "> ", "1. ", "> - "])
@pytest.mark.parametrize("depth", [1, MAX_DEPTH // 2, MAX_DEPTH, MAX_DEPTH + 1, 3 * MAX_DEPTH])
def test_no_nesting_loses_a_word_of_the_markdown_every_renderer_reads(container: str, depth: int) -> None:
    source = "".join(" " * (len(container) * level) + container + f"w{level}\n" for level in range(depth))
    source += "\nAFTER\n\n# Heading after\n"
    if container.startswith(">"):
        source = container * depth + "deepest\n\nAFTER\n\n# Heading after\n"
    tokens = chart_tokens(source, 2)
    text = " ".join(token.content for token in tokens if token.type == "inline")
    expected = ["deepest"] if container.startswith(">") else [f"w{level}" for level in range(depth)]
    assert all(word in text for word in [*expected, "AFTER", "Heading after"])


def test_a_transcript_is_printed_as_typed_in_every_output(outputs: dict[Output, Path]) -> None:
    """`[Client]: yes` is a CommonMark link reference definition: markdown-it dropped it from every output, and
    printed `[Clinician]: "Any thoughts…"` as a link "Clinician" to the later `[Clinician]: plan?`."""
    for name, text in output_texts(outputs).items():
        for line in TRANSCRIPT_LINES:
            assert line in text, (name, line)


def test_a_table_row_with_more_cells_than_its_header_keeps_them_in_every_output(outputs: dict[Output, Path]) -> None:
    """markdown-it drops a row's cells past the header's; the table is widened to its widest row instead."""
    for name, text in output_texts(outputs).items():
        assert "Disclosed self-harm urges" in text, name
    table = next(rows for rows in docx_table_rows(Document(str(outputs[Output.DOCX]))) if rows[0][:2] == ["Date", "Note"])
    assert table == [["Date", "Note", ""], ["Nov 3", "Calm", "Disclosed self-harm urges"], ["Nov 10", "", ""]]
    page = outputs[Output.HTML].read_text(encoding="utf-8")
    assert "<tr>\n<td>Nov 3</td>\n<td>Calm</td>\n<td>Disclosed self-harm urges</td>\n</tr>" in page


def test_a_table_too_wide_to_pad_keeps_its_rows_as_text() -> None:
    """Widening is bounded as markdown-it bounds its own padding: the row that would pass the bound ends the table."""
    source = "| a |\n|---|\n" + "| x |\n" * 300 + "| " + " | ".join(f"c{n}" for n in range(300)) + " |\n"
    tokens = chart_tokens(source, 2)
    cells = [token.content for token in tokens if token.type == "inline"]
    assert [token.type for token in tokens].count("td_open") == 300 and "c299" in cells[-1]


def test_a_table_row_taller_than_a_page_is_printed_to_its_last_word(outputs: dict[Output, Path]) -> None:
    """A row that may not split and is taller than a page was cut by LibreOffice; the chart's own rows stay whole."""
    assert "LASTWORD" in pdf_text(outputs[Output.PDF])
    document = Document(str(outputs[Output.DOCX]))
    tall = next(row for table in document.tables for row in table.rows if "LASTWORD" in row.cells[0].text)
    assert not tall._tr.xpath("./w:trPr/w:cantSplit")
    objectives = next(table for table in document.tables if table.rows[0].cells[0].text == "Id")
    assert all(row._tr.xpath("./w:trPr/w:cantSplit") for row in objectives.rows)


def test_large_scores_and_targets_are_printed_exactly_everywhere(outputs: dict[Output, Path]) -> None:
    """`:g` printed 1234567 as 1.23457e+06 and 1234500 as 1.2345e+06: a target not met read as met."""
    rows = [" | ".join(row) for table in docx_table_rows(Document(str(outputs[Output.DOCX]))) for row in table]
    assert any("| 123456 | 1234567 or higher | Every month | 1234500 on November 16, 2026" in row for row in rows)
    words = docx_text(outputs[Output.DOCX])
    assert "Latest Steps per week score 1234500 on November 16, 2026." in words
    assert "Up 1111044 points" in words and "Target of 1234567 or higher not met yet." in words
    html = outputs[Output.HTML].read_text(encoding="utf-8")
    assert "<td>999999.5</td>" in html and "<td>1234500</td>" in html
    pdf = pdf_text(outputs[Output.PDF])
    for text in (words, html, pdf):
        assert "e+0" not in text
    goals = [e["resource"] for e in fhir_bundle(outputs[Output.FHIR])["entry"] if e["resource"]["resourceType"] == "Goal"]
    details = [t["detailString"] for goal in goals for t in goal["target"] if "detailString" in t]
    assert "Steps per week at or above 1234567 (baseline 123456)" in details


def test_the_discharge_summary_prints_final_scores_exactly() -> None:
    status = status_for("Steps", 1234567, 123456, [("2026-11-16", 123457.25)], range_=(0, 2000000))
    assert final_score_row(status) == ("Steps", "1234567", "123457.25 on November 16, 2026", "123456 or lower: Not met")
    assert "Down 1111109.75 points" in " ".join(status.sentences())


@pytest.mark.parametrize(("value", "text"), [(1234567, "1234567"), (1234567.0, "1234567"), (999999.5, "999999.5"),
                                             (1e9, "1000000000"), (0.00001, "0.00001"), (-0.0, "0"), (7.5, "7.5")])
def test_a_score_is_printed_as_written(value: float, text: str) -> None:
    assert score_text(value) == text


def test_nested_numbered_lists_read_1_a_i_in_the_html_as_in_the_docx(browser: Browser,
                                                                     outputs: dict[Output, Path]) -> None:
    page = browser.new_page()
    page.goto(outputs[Output.HTML].as_uri())
    styles = page.evaluate("""() => { const deepest = [...document.querySelectorAll('ol')].map(ol => {
        let depth = 0; for (let e = ol.parentElement; e; e = e.parentElement) if (e.matches('ol, ul')) depth++;
        return [depth, getComputedStyle(ol).listStyleType]; }); return deepest; }""")
    page.close()
    assert [1, "lower-alpha"] in styles
    assert re.search(r"a\.\s+Imaginal\s+b\.\s+In vivo", pdf_text(outputs[Output.PDF]))


def test_a_wide_narrative_table_scrolls_in_its_own_region_and_prints_whole(browser: Browser,
                                                                             outputs: dict[Output, Path]) -> None:
    """20 columns made the page wider than the window, and printing dropped the columns past the page's edge."""
    context = browser.new_context(viewport={"width": 1000, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(outputs[Output.HTML].as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") == 1000
    region = page.locator("[role=region]", has_text="week19")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # it scrolls, and the keyboard can reach it
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
    page.add_script_tag(content=require_axe())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 900})  # about a Letter page's printable width
    assert region.evaluate("r => r.querySelector('table').getBoundingClientRect().right <= r.getBoundingClientRect().right")
    context.close()
