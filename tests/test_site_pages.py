"""The generated pages: one per template with everything a clinician needs, the element, modality and tag
indexes, the plan format with a valid example, the diagnostic codes; built from a minimal mkdocs.yml that
lists no plugin at all, so txplan adds its pages, navigation and search itself."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import make_clinic
from fixtures.site.helpers import MINIMAL_MKDOCS, REPO, built, page, plain, site_clinic, text_of

from txplan.check import check_project
from txplan.diagnostics import CODES
from txplan.elements import ELEMENTS, ELEMENTS_BY_KEY, STANLEY_BROWN_STEPS
from txplan.guides import CLOSURE_EXAMPLE, V1_1_FIELDS
from txplan.instruments import INSTRUMENTS
from txplan.model import Frequency
from txplan.resources import example_plan
from txplan.site import SiteError, build_site
from txplan.site.pages import placeholder, use_snippet
from txplan.templates import Template, load_library

LIBRARY = load_library(REPO)
TEMPLATES = sorted(LIBRARY.templates.values(), key=lambda t: t.id)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(site_clinic(tmp_path_factory.mktemp("clinic")))


def span(low: float, high: float) -> str:
    return f"{low:g}\N{EN DASH}{high:g}"


def template_text(site: Path, template: Template) -> str:
    return text_of(page(site, f"interventions/{template.id}"))


def test_the_repository_library_loads_cleanly() -> None:
    assert LIBRARY.diagnostics == [] and len(TEMPLATES) >= 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_every_template_page_has_summary_metadata_parameters_source_example_references_and_snippet(
        site: Path, template: Template) -> None:
    text = template_text(site, template)
    meta = template.meta
    element = ELEMENTS_BY_KEY[meta.element]
    assert meta.title in text and meta.summary in text and element.title in text
    assert all(m in text for m in meta.modalities) and all(t in text for t in meta.tags)
    assert "name description required default" in text
    for name, param in meta.params.items():
        row = f"{name} {param.description} {'yes' if param.required else 'no'}"
        assert row + ("" if param.default is None else f" {param.default}") in text
    assert plain(template.body) in text
    assert all(plain(r) in text for r in meta.references)
    assert plain(use_snippet(template)) in text and f"- use: {template.id}" in text and "for: [O1]" in text


def test_required_parameters_get_visible_placeholders_in_the_example_and_the_snippet(site: Path) -> None:
    template = LIBRARY.templates["behavioral-activation"]
    text = template_text(site, template)
    assert f"Activities: {placeholder('activities')}." in text  # the rendered example
    assert f'with: activities: "{placeholder("activities")}"' in text  # the snippet
    assert "Jordan and Avery Chen, LCSW will use behavioral activation" in text  # the fictional client


def test_optional_parameters_keep_their_defaults_and_stay_out_of_the_snippet(site: Path) -> None:
    text = template_text(site, LIBRARY.templates["thought-record"])
    assert "Jordan will complete a thought record daily, focusing on moments when mood drops." in text
    assert "- use: thought-record for: [O1]" in text


def test_element_pages_give_every_elements_guidance_and_templates(site: Path) -> None:
    overview = text_of(page(site, "elements"))
    for element in ELEMENTS:
        assert element.title in overview and element.when.value in overview
        text = text_of(page(site, f"elements/{element.key}"))
        assert plain(element.guidance) in text
        assert all(t.meta.title in text for t in TEMPLATES if t.meta.element == element.key)


def test_frequency_page_lists_its_fields_and_allowed_values(site: Path) -> None:
    text = text_of(page(site, "elements/frequency"))
    assert "schedule yes one of weekly, twice-weekly, biweekly, monthly" in text
    for name, info in Frequency.model_fields.items():
        assert name in text
        bounds = [m for m in info.metadata if hasattr(m, "ge") or hasattr(m, "le")]
        if bounds:
            assert f"from {bounds[0].ge} to {bounds[1].le}" in text


def test_crisis_page_lists_the_six_stanley_brown_steps_in_order(site: Path) -> None:
    text = text_of(page(site, "elements/crisis"))
    positions = [text.index(f"{title}: {key}") for key, title in STANLEY_BROWN_STEPS]
    assert positions == sorted(positions) and len(positions) == 6


def test_evaluation_page_lists_instruments_with_range_direction_and_bands(site: Path) -> None:
    text = text_of(page(site, "elements/evaluation"))
    for instrument in INSTRUMENTS:
        row = f"{instrument.name} {instrument.measures} {span(instrument.low, instrument.high)} {instrument.better.value}"
        assert row in text
        assert all(f"{span(b.low, b.high)} {b.label}" in text for b in instrument.bands)


def test_modality_and_tag_pages_list_every_template_under_each_of_its_modalities_and_tags(site: Path) -> None:
    modalities, tags = html.unescape(page(site, "modalities")), html.unescape(page(site, "tags"))
    for template in TEMPLATES:
        link = f'href="../interventions/{template.id}/"'
        assert all(f">{m}</h2>" in modalities for m in template.meta.modalities) and link in modalities
        assert all(f">{t}</h2>" in tags for t in template.meta.tags) and link in tags


def test_home_page_explains_the_library_with_a_yaml_example(site: Path) -> None:
    text = text_of(page(site, ""))
    assert f"{len(TEMPLATES)} intervention templates" in text
    assert "interventions: techniques: - use: behavioral-activation" in text


def test_diagnostic_codes_page_lists_every_code(site: Path) -> None:
    text = text_of(page(site, "diagnostics"))
    assert all(plain(f"{c.code} {c.severity.value} {c.title}") in text for c in CODES.values())


def test_plan_format_page_shows_the_complete_example(site: Path) -> None:
    text = text_of(page(site, "plan-format"))
    assert plain(example_plan()) in text
    assert all(e.key in text for e in ELEMENTS)


def test_the_example_plan_passes_every_check(tmp_path: Path) -> None:
    root = make_clinic(tmp_path, {"example.md": example_plan()})
    found = check_project(root, None, today=date(2026, 11, 20)).diagnostics  # after its latest score
    assert [d.format() for d in found] == []


def test_plan_format_page_shows_the_closure_and_every_field_added_in_v1_1(site: Path) -> None:
    text = text_of(page(site, "plan-format"))
    assert plain(CLOSURE_EXAMPLE) in text
    for name, _, codes in V1_1_FIELDS:
        assert name in text and all(code in text for code in codes)


def test_search_index_holds_titles_summaries_and_tags(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_location = {doc["location"]: doc for doc in index["docs"]}
    for template in TEMPLATES:
        doc = by_location[f"interventions/{template.id}/"]
        assert doc["title"] == template.meta.title
        assert doc.get("tags", []) == template.meta.tags
        assert template.meta.summary.split(",")[0] in doc["text"]


def test_pages_follow_the_templates_at_build_time(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, templates={"zz-new.md": NEW_TEMPLATE})
    text = text_of(page(built(root), "interventions/zz-new"))
    assert "A brand-new practice" in text and "Practise &lt;b&gt; the new thing" not in text
    assert "Practise <b> the new thing" in text  # author HTML is shown as text, never as markup
    assert f'topic: "{placeholder("topic")}"' in text


NEW_TEMPLATE = """---
id: zz-new
title: A brand-new practice
element: skills
modalities: [CBT]
tags: [testing]
summary: "Practise <b> the new thing."
params:
  topic:
    description: What to practise
    required: true
---
{{ client.first_name }} will practise {{ topic }}.
"""


def test_a_template_that_cannot_render_with_the_placeholders_says_so_on_its_page(tmp_path: Path) -> None:
    """The checker renders with its own example values; a body that fails only on the site's placeholders still builds."""
    picky = NEW_TEMPLATE.replace("practise {{ topic }}", 'practise {{ topic if topic.startswith("[") else topic + 1 }}')
    root = site_clinic(tmp_path, templates={"zz-new.md": picky})
    assert "The example could not be rendered: operation on a value of the wrong type (TypeError)" in text_of(
        page(built(root), "interventions/zz-new"))


def test_a_template_with_errors_stops_the_build_and_names_the_file(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, templates={"zz-new.md": NEW_TEMPLATE.replace("element: skills", "element: nowhere")})
    with pytest.raises(SiteError, match=r"templates/interventions/zz-new\.md:\d+:\d+: error TX105"):
        built(root)


def test_clinic_pages_are_kept_under_more_and_generated_paths_win(tmp_path: Path) -> None:
    root = site_clinic(tmp_path)
    (root / "docs").mkdir()
    (root / "docs" / "house-rules.md").write_text("# House rules\n\nBook rooms a day ahead.\n", encoding="utf-8")
    (root / "docs" / "index.md").write_text("# Stale home\n", encoding="utf-8")
    site = built(root)
    assert "Book rooms a day ahead." in text_of(page(site, "house-rules"))
    assert 'href="house-rules/"' in page(site, "") and re.search(r">\s*More\s*<", page(site, ""))
    assert "Stale home" not in page(site, "")


def test_a_clinic_nav_is_kept_after_txplans_navigation(tmp_path: Path) -> None:
    root = site_clinic(tmp_path, MINIMAL_MKDOCS.read_text(encoding="utf-8") + "nav:\n  - Rooms: rooms.md\n")
    (root / "docs").mkdir()
    (root / "docs" / "rooms.md").write_text("# Rooms\n\nRoom 2 has the sand tray.\n", encoding="utf-8")
    home = page(built(root), "")
    assert home.index('href="elements/"') < home.index('href="rooms/"')


@pytest.mark.parametrize(("mkdocs_yml", "message"), [
    (None, "mkdocs.yml"),
    ("site_name: [unclosed\n", "parsing the configuration file"),
    ("site_name: Plain\ntheme:\n  name: mkdocs\n", "theme: material"),
    ("theme:\n  name: material\n", "site_name"),
])
def test_a_bad_mkdocs_yml_is_a_site_error(tmp_path: Path, mkdocs_yml: str | None, message: str) -> None:
    root = make_clinic(tmp_path)
    if mkdocs_yml is not None:
        (root / "mkdocs.yml").write_text(mkdocs_yml, encoding="utf-8")
    with pytest.raises(SiteError, match=message):
        build_site(root, root / "build" / "site")


def test_a_mkdocs_warning_fails_the_build_with_the_warning_as_message(tmp_path: Path) -> None:
    root = site_clinic(tmp_path)
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("# Notes\n\nSee [the policy](policy.md).\n", encoding="utf-8")
    with pytest.raises(SiteError, match=r"policy\.md"):
        built(root)
