"""Helpers shared by the ``test_docx_*`` modules (this module holds no tests).

A chart test lays out a temporary clinic (the repository's templates and
reference document, the fixture plans from ``fixtures/docx``, a pyproject.toml
naming the clinic), builds it, and reads the DOCX back with python-docx or as
raw XML.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from conftest import make_clinic
from docx import Document
from docx.oxml.ns import qn
from docx.table import _Cell

from txplan.chart import build_chart
from txplan.check import CheckedPlan, check_project
from txplan.instruments import Better, custom_instrument
from txplan.model import Measure
from txplan.policy import Policy, load_policy
from txplan.progress import MeasureStatus, measure_status
from txplan.render.docx import DocxRenderer, chart_docx
from txplan.rules import instrument_for

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docx"
PLAN = (FIXTURES / "plan.md").read_text(encoding="utf-8")  # moderate risk, interpersonal goal, rich narrative
LOW_RISK_PLAN = (FIXTURES / "plan-low-risk.md").read_text(encoding="utf-8")  # draft, low risk, no homework
CLINIC = "Harbor Street Counseling"
POLICY = f'[tool.txplan]\nclinic = "{CLINIC}"\noptional_elements = ["homework"]\n'


def docx_clinic(root: Path, plans: Mapping[str, str], policy: str = POLICY, reference: bool = True) -> Path:
    """A clinic for the chart tests: the repository's templates, its chart.docx unless ``reference`` is false, and
    the policy naming the clinic."""
    return make_clinic(root, plans, pyproject=policy, reference=reference)


def run_build(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``python build.py docx`` in the clinic, as a clinician or CI would run it."""
    return subprocess.run([sys.executable, str(REPO / "build.py"), "docx", *arguments], cwd=root,
                          capture_output=True, text=True, timeout=300, check=False)


def built_clinic(root: Path, plans: Mapping[str, str]) -> Path:
    """A clinic with these plans whose charts ``python build.py docx`` has just written, without errors."""
    docx_clinic(root, plans)
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    return root


def chart_file(root: Path, stem: str) -> Path:
    return root / "build" / "docx" / f"{stem}.docx"


def checked_plan(root: Path, name: str) -> CheckedPlan:
    """The checked plan ``plans/<name>`` of a clinic, for rendering in-process."""
    result = check_project(root, [root / "plans" / name])
    checked = result.plans[0]
    assert checked.ok, [str(d) for d in checked.diagnostics]
    return checked


def render_plan(root: Path, text: str, policy: str = POLICY) -> Any:
    """The chart of one plan, rendered in-process in a new clinic at ``root`` and opened with python-docx."""
    docx_clinic(root, {"c-0001.md": text}, policy)
    return open_chart(chart_docx(checked_plan(root, "c-0001.md"), load_policy(root)[0], root / "templates" / "chart.docx"))


def with_narrative(checked: CheckedPlan, markdown: str) -> CheckedPlan:
    assert checked.document is not None
    return dataclasses.replace(checked, document=dataclasses.replace(checked.document, body=markdown))


def open_chart(data: bytes | Path) -> Any:
    return Document(str(data)) if isinstance(data, Path) else Document(BytesIO(data))


def part_text(data: bytes | Path, name: str) -> str:
    """One part of the package as text, e.g. ``word/document.xml``."""
    source = data if isinstance(data, Path) else BytesIO(data)
    with zipfile.ZipFile(source) as archive:
        return archive.read(name).decode("utf-8")


def headings(document: Any) -> list[tuple[int, str]]:
    """(level, text) of every heading paragraph of the body, in order."""
    found = []
    for paragraph in document.paragraphs:
        name = paragraph.style.name if paragraph.style is not None else ""
        if name.startswith("Heading "):
            found.append((int(name.split()[1]), paragraph.text))
    return found


def paragraph_texts(document: Any) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def table_rows(document: Any) -> list[list[list[str]]]:
    """Every table of the body as rows of cell texts (a spanning cell appears once)."""
    return [[[_Cell(tc, table).text for tc in tr.tc_lst] for tr in table._tbl.tr_lst] for table in document.tables]


@dataclasses.dataclass
class NarrativeRenderer:
    """Renders the fixture plan in-process with a given narrative, for tests of the Markdown conversion."""

    renderer: DocxRenderer
    policy: Policy
    checked: CheckedPlan

    @classmethod
    def in_clinic(cls, root: Path) -> NarrativeRenderer:
        docx_clinic(root, {"c-0042.md": PLAN})
        checked = checked_plan(root, "c-0042.md")
        return cls(DocxRenderer(root / "templates" / "chart.docx"), load_policy(root)[0], checked)

    def chart(self, markdown: str) -> bytes:
        return self.renderer.render(build_chart(with_narrative(self.checked, markdown), self.policy))

    def blocks(self, markdown: str) -> list[Any]:
        """The body elements (w:p, w:tbl) the narrative became."""
        children = list(open_chart(self.chart(markdown)).element.body)
        texts = [block_text(child) for child in children]
        return children[texts.index("Clinical narrative") + 1: texts.index("Signatures")]


def block_text(element: Any) -> str:
    """The text of a paragraph or table element (lxml's itertext does not suit python-docx's elements)."""
    return "".join(text.text or "" for text in element.iter(qn("w:t")))


ADULT = date(1990, 5, 1)  # the default date of birth of ``status_for``


def status_for(instrument: str, baseline: float, target: float, scores: Sequence[tuple[str, float] | tuple[str, float, int]],
               range_: tuple[float, float] | None = None, dob: date | None = ADULT) -> MeasureStatus:
    """The status of a measure built from these numbers: scores as ``(date, score)`` or ``(date, score, item9)``; a
    custom instrument is lower-is-better on ``range_``."""
    measure = Measure.model_validate({
        "instrument": instrument, "baseline": baseline, "target": target, "every": "2 weeks",
        "scores": [dict(zip(("date", "score", "item9"), entry, strict=False)) for entry in scores],
        **({"range": list(range_)} if range_ else {})})
    known = instrument_for(measure)  # the chart's own lookup: a known name in any case, else the stated range
    return measure_status(measure, known or custom_instrument(instrument, 0, 100, Better.LOWER), dob)
