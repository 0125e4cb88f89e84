"""Reproducible charts: the same inputs give the same bytes, and nothing about the build leaks in."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from docx_helpers import (
    LOW_RISK_PLAN,
    PLAN,
    NarrativeRenderer,
    built_clinic,
    chart_file,
    open_chart,
    part_text,
    run_build,
)

from txplan.render.docx.package import ZIP_DATE


@pytest.fixture(scope="module")
def built_charts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_clinic(tmp_path_factory.mktemp("determinism"), {"c-0042.md": PLAN, "c-0107.md": LOW_RISK_PLAN})


@pytest.fixture(scope="module")
def chart(built_charts: Path) -> bytes:
    return chart_file(built_charts, "c-0042").read_bytes()


def test_rebuilding_gives_identical_bytes(built_charts: Path, chart: bytes) -> None:
    other = chart_file(built_charts, "c-0107").read_bytes()
    result = run_build(built_charts, "--force", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert chart_file(built_charts, "c-0042").read_bytes() == chart
    assert chart_file(built_charts, "c-0107").read_bytes() == other


def test_a_chart_does_not_depend_on_what_was_rendered_before(tmp_path: Path) -> None:
    narrative = NarrativeRenderer.in_clinic(tmp_path)
    first = narrative.chart("1. One\n\n[link](https://example.org)\n")
    narrative.chart("- many\n- lists\n\n1. and\n\n[links](https://example.com)\n")
    assert narrative.chart("1. One\n\n[link](https://example.org)\n") == first


def test_zip_entries_have_a_fixed_date_order_and_compression(chart: bytes) -> None:
    with zipfile.ZipFile(BytesIO(chart)) as archive:
        entries = archive.infolist()
    assert entries[0].filename == "[Content_Types].xml"
    assert {entry.date_time for entry in entries} == {ZIP_DATE}
    assert {entry.compress_type for entry in entries} == {zipfile.ZIP_DEFLATED}
    assert len({entry.filename for entry in entries}) == len(entries)


def test_core_properties_hold_no_plan_values(chart: bytes) -> None:
    properties = open_chart(chart).core_properties
    assert (properties.title, properties.subject) == ("Treatment plan", "Psychotherapy treatment plan")
    assert properties.revision == 1
    assert properties.author == properties.last_modified_by == ""
    assert properties.created is properties.modified is properties.last_printed is None
    assert (properties.keywords, properties.comments, properties.category) == ("", "", "")
    core = part_text(chart, "docProps/core.xml")
    for value in ("Jordan", "C-0042", "Avery", "2026"):  # names, chart id, dates: plan values stay in the chart
        assert value not in core


def test_nothing_of_the_machine_or_python_docx_is_left(chart: bytes) -> None:
    with zipfile.ZipFile(BytesIO(chart)) as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(name) for name in names)
    assert not [name for name in names if "customXml" in name or "thumbnail" in name or "stylesWithEffects" in name]
    assert b"python-docx" not in everything
    assert b"rsid" not in part_text(chart, "word/settings.xml").encode()
    app = part_text(chart, "docProps/app.xml")
    assert "<Application>txplan</Application>" in app
    for leftover in ("Microsoft", "Template", "Company", "TotalTime", "AppVersion"):
        assert leftover not in app
