"""Measurement-based care in the chart: a progress graph and the status in words for every measure with scores.

The status is computed by ``txplan.progress`` (unit-tested here on crafted score series); the graph is drawn
by ``txplan.progress_chart`` and embedded as a picture with alt text, reproducibly to the byte.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx_helpers import LOW_RISK_PLAN, REPO, built_clinic, chart_file, checked_plan, headings, open_chart, status_for
from PIL import Image
from test_docx_libreoffice import pdf_text, to_pdf

from txplan.instruments import INSTRUMENTS_BY_NAME, Ages
from txplan.policy import load_policy
from txplan.progress_chart import progress_png
from txplan.render.docx import chart_docx

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "progress"
SCORED_PLAN = (FIXTURES / "scored-plan.md").read_text(encoding="utf-8")  # PHQ-9 and ORS with scores, WSAS without
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NS = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
PHQ9_WORDS = ("Latest PHQ-9 score 11 on November 23, 2026, in the moderate band. Down 6 points (35\u00a0%) from the "
              "baseline of 17, a reliable improvement (5 points or more). Target of 9 or lower not met yet. "
              "Response: not yet; that needs a 50\u00a0% reduction from the baseline, to 8.5 or lower. "
              "Remission: not yet (a score below 5).")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_clinic(tmp_path_factory.mktemp("progress"), {"c-0300.md": SCORED_PLAN, "c-0107.md": LOW_RISK_PLAN})


@pytest.fixture(scope="module")
def chart(clinic: Path) -> bytes:
    return chart_file(clinic, "c-0300").read_bytes()


def render(root: Path, name: str) -> bytes:
    return chart_docx(checked_plan(root, name), load_policy(root)[0], root / "templates" / "chart.docx")


def pictures(data: bytes) -> list[Any]:
    return open_chart(data).element.body.xpath(".//wp:inline")


def media(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("word/media/")}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


# --- the chart -----------------------------------------------------------------------------------------


def test_each_scored_measure_gets_a_png_picture_with_alt_text(chart: bytes) -> None:
    found = pictures(chart)
    descriptions = [inline.find("wp:docPr", NS).get("descr") for inline in found]
    assert len(descriptions) == 2  # PHQ-9 and ORS; WSAS has no scores
    assert descriptions[0] == ("Line graph of PHQ-9 scores from 17 on November 2, 2026 to 11 on November 23, 2026 "
                               "(4 scores); baseline 17; target 9 or lower; latest in the moderate band.")
    assert "ORS" in descriptions[1] and "target 28 or higher" in descriptions[1]
    images = media(chart)
    assert len(images) == 2 and all(blob.startswith(PNG_SIGNATURE) for blob in images.values())
    document = open_chart(chart)
    for inline in found:
        relationship = inline.xpath(".//a:blip/@r:embed")[0]
        assert document.part.related_parts[relationship].content_type == "image/png"


def test_pictures_fit_the_text_width_at_print_resolution(chart: bytes) -> None:
    document = open_chart(chart)
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for inline in pictures(chart):
        assert int(inline.find("wp:extent", NS).get("cx")) <= text_width
    image = document.part.related_parts[pictures(chart)[0].xpath(".//a:blip/@r:embed")[0]].image
    assert image.horz_dpi == 200 and image.px_width == 1300  # 6.5 in at 200 dpi


def test_progress_comes_after_the_measures_table_in_evaluation(chart: bytes) -> None:
    found = headings(open_chart(chart))
    evaluation = found.index((2, "Evaluation and feedback"))
    assert found[evaluation + 1:evaluation + 4] == [(3, "Measures"), (3, "Progress"), (3, "Feedback")]
    texts = [p.text for p in open_chart(chart).paragraphs]
    assert PHQ9_WORDS in texts
    assert texts.index(PHQ9_WORDS) < texts.index("Feedback")


def test_the_measures_table_reads_the_latest_score_by_date(chart: bytes) -> None:
    rows = [[cell.text for cell in row.cells] for table in open_chart(chart).tables for row in table.rows]
    phq9 = next(row for row in rows if row[0].startswith("PHQ-9"))
    assert phq9[4] == "11 on November 23, 2026 (moderate)"


def test_rendering_gives_identical_bytes_in_and_across_processes(clinic: Path, chart: bytes) -> None:
    first = render(clinic, "c-0300.md")
    assert render(clinic, "c-0300.md") == first
    assert first == chart  # the build wrote it in another process


def test_graphs_are_reproducible_and_carry_no_metadata() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-16", 15), ("2026-11-23", 11)])
    png = progress_png(status, date(2026, 11, 2))
    assert png == progress_png(status, date(2026, 11, 2))
    assert png.startswith(PNG_SIGNATURE)
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(png_chunks(png))
    assert Image.open(BytesIO(png)).mode == "RGB"  # opaque: no alpha channel to encode for a white page


GRAPH_SCRIPT = """
import sys
from datetime import date
from txplan.instruments import INSTRUMENTS_BY_NAME
from txplan.model import Measure
from txplan.progress import measure_status
from txplan.progress_chart import progress_png
measure = Measure(instrument="GAD-7", baseline=14, target=7, every="week",
                  scores=[{"date": date(2026, 11, 16), "score": 12}, {"date": date(2026, 11, 30), "score": 9}])
sys.stdout.buffer.write(progress_png(measure_status(measure, INSTRUMENTS_BY_NAME["GAD-7"]), date(2026, 11, 2)))
"""


def test_graphs_do_not_depend_on_the_machines_matplotlib_settings(tmp_path: Path) -> None:
    settings = tmp_path / "matplotlibrc"
    settings.write_text("lines.linewidth: 5\nfont.family: serif\naxes.facecolor: black\nsavefig.facecolor: red\n"
                        "axes.spines.left: False\ntext.antialiased: False\n", encoding="utf-8")

    def draw(**environment: str) -> bytes:
        done = subprocess.run([sys.executable, "-c", GRAPH_SCRIPT], cwd=REPO, capture_output=True, timeout=120,
                              check=True, env={**os.environ, **environment})
        return done.stdout

    plain = draw()
    assert plain.startswith(PNG_SIGNATURE)
    assert draw(MATPLOTLIBRC=str(settings)) == plain


def png_chunks(png: bytes) -> list[bytes]:
    chunks, index = [], len(PNG_SIGNATURE)
    while index < len(png):
        length = int.from_bytes(png[index:index + 4], "big")
        chunks.append(png[index + 4:index + 8])
        index += 12 + length
    return chunks


def test_a_plan_without_scores_has_no_picture(clinic: Path) -> None:
    data = chart_file(clinic, "c-0107").read_bytes()
    assert pictures(data) == [] and media(data) == {}
    assert (3, "Progress") not in headings(open_chart(data))


def test_matplotlib_is_loaded_only_to_draw_scores(clinic: Path) -> None:
    """Checking plans (even scored ones) and charting unscored ones never import matplotlib."""
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from txplan.check import check_project\nfrom txplan.policy import load_policy\n"
        "from txplan.render.docx import chart_docx\n"
        f"root = Path({str(clinic)!r})\n"
        "result = check_project(root)\nassert not result.has_errors\n"
        "unscored = next(c for c in result.plans if c.path.endswith('c-0107.md'))\n"
        "chart_docx(unscored, load_policy(root)[0])\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_libreoffice_prints_the_status_sentence(chart: bytes, tmp_path: Path) -> None:
    source = tmp_path / "c-0300.docx"
    source.write_bytes(chart)
    to_pdf([source], tmp_path, tmp_path / "profile")
    assert PHQ9_WORDS.replace("\u00a0", " ") in flat(pdf_text(tmp_path / "c-0300.pdf"))


# --- the status in words -------------------------------------------------------------------------------


@pytest.mark.parametrize(("baseline", "latest", "band", "met", "response", "remission"), [
    (20, 10, "moderate", False, True, False),  # exactly half the baseline is a response
    (20, 11, "moderate", False, False, False),
    (16, 9, "mild", True, False, False),  # target met (at or below) without a response
    (16, 5, "mild", True, True, False),  # 5 is not below 5: no remission yet
    (16, 4, "minimal", True, True, True),
    (10, 14, "moderate", False, False, False),  # worse than the baseline
])
def test_phq9_band_target_response_and_remission(baseline: float, latest: float, band: str, met: bool,
                                                 response: bool, remission: bool) -> None:
    status = status_for("PHQ-9", baseline, 9, [("2026-11-16", 13), ("2026-12-14", latest)])
    assert (status.band, status.target_met, status.response, status.remission) == (band, met, response, remission)
    assert status.change == latest - baseline
    assert status.response_at == baseline / 2


def test_latest_score_is_the_newest_by_date_whatever_the_order_written() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-23", 11), ("2026-11-02", 17), ("2026-11-16", 13)])
    assert status.latest is not None and (status.latest.date, status.latest.score) == (date(2026, 11, 23), 11)
    assert [entry.score for entry in status.scores] == [17, 13, 11]


def test_sentences_say_latest_change_target_response_and_remission() -> None:
    status = status_for("PHQ-9", 17, 9, [("2026-11-16", 15), ("2026-11-23", 11)])
    assert " ".join(status.sentences()) == PHQ9_WORDS
    reached = status_for("PHQ-9", 17, 9, [("2026-12-14", 4)])
    assert reached.sentences()[2:] == ["Target of 9 or lower met.",
                                       "Response: yes, at least a 50\u00a0% reduction from the baseline.",
                                       "Remission: yes (a score below 5)."]


def test_worsening_and_no_change_are_said_plainly() -> None:
    worse = status_for("GAD-7", 10, 5, [("2026-11-16", 14)])
    assert worse.improved is False
    assert worse.sentences()[1] == "Up 4 points (40\u00a0%) from the baseline of 10, a reliable worsening (4 points or more)."
    same = status_for("GAD-7", 10, 5, [("2026-11-16", 10)])
    assert same.improved is None and same.sentences()[1] == "No change from the baseline of 10."


def test_higher_is_better_instruments_and_their_cutoffs() -> None:
    ors = status_for("ORS", 19, 28, [("2026-11-09", 21.5), ("2026-11-23", 26)])
    assert (ors.improved, ors.target_met, ors.response, ors.remission, ors.band) == (True, False, None, None, "")
    assert ors.sentences() == ["Latest ORS score 26 on November 23, 2026.",
                               "Up 7 points (37\u00a0%) from the baseline of 19, a reliable improvement (5 points or more).",
                               "Target of 28 or higher not met yet.",
                               "Above the adult clinical cutoff of 25 (ages 18 and over)."]
    srs = status_for("SRS", 33, 37, [("2026-11-09", 35)])
    assert srs.sentences()[-1] == "Below the alliance cutoff of 36."
    pcl5 = status_for("PCL-5", 52, 30, [("2026-11-09", 32)])
    assert pcl5.sentences()[-1] == "Within the provisional cutoff range of 31\u201333."


def test_a_custom_instrument_has_no_bands_cutoffs_or_criteria() -> None:
    status = status_for("WSAS", 24, 10, [("2026-11-09", 18)], range_=(0, 40))
    assert (status.band, status.cutoffs, status.response, status.remission) == ("", (), None, None)
    assert status.sentences() == ["Latest WSAS score 18 on November 9, 2026.",
                                  "Down 6 points (25\u00a0%) from the baseline of 24, in the better direction (no "
                                  "reliable-change threshold is set for WSAS).",
                                  "Target of 10 or lower not met yet."]


def test_a_measure_without_scores_says_so() -> None:
    status = status_for("PHQ-9", 17, 9, [])
    assert status.latest is None and status.change is None and status.target_met is None
    assert status.sentences() == ["No PHQ-9 scores recorded yet."]


def test_the_instrument_table_holds_cutoffs_and_change_criteria_as_numbers() -> None:
    table = INSTRUMENTS_BY_NAME
    assert [(c.value, c.label, c.ages) for c in table["ORS"].cutoffs] == [
        (25, "adult clinical cutoff", Ages(18)), (28, "adolescent clinical cutoff", Ages(13, 17)),
        (32, "child clinical cutoff", Ages(6, 12))]
    assert {name: i.reliable_change for name, i in table.items()} == {
        "PHQ-9": 5, "GAD-7": 4, "PCL-5": 10, "ORS": 5, "SRS": None, "CSRS": None}
    assert [c.value for c in table["SRS"].cutoffs] == [36]
    assert [(c.value, c.upper) for c in table["PCL-5"].cutoffs] == [(31, 33)] and table["PCL-5"].bands == ()
    assert (table["PHQ-9"].response, table["PHQ-9"].remission) == (0.5, 5)
    assert [(b.low, b.high) for b in table["GAD-7"].bands] == [(0, 4), (5, 9), (10, 14), (15, 21)]
    assert table["PCL-5"].cutoff == "provisional cutoff 31\u201333; reliable change: 10 points"  # written from the numbers
