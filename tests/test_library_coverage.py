"""The library serves every approach and technique the requirement names, under the element it names it for.

The table is txplan/coverage.py; these tests keep the repository's library covering it, check the
matching rules the table relies on, and check that the templates serving a row are on the site's
element and modality pages.
"""

from __future__ import annotations

import pytest
from conftest import REPO, Clinic, edited_template

from txplan.coverage import NAMED, Named, serving_templates
from txplan.elements import ELEMENTS, ELEMENTS_BY_KEY, TEMPLATE_ELEMENTS, Shape
from txplan.site.pages import MODALITIES, GeneratedSite, element_uri, generate_site, template_uri
from txplan.templates import Template, load_library

LIBRARY = load_library(REPO)
TEMPLATES = sorted(LIBRARY.templates.values(), key=lambda t: t.id)


def _row_id(named: Named) -> str:
    return f"{named.element}:{named.name}"


@pytest.mark.parametrize("named", NAMED, ids=_row_id)
def test_every_named_approach_and_technique_has_a_template_under_its_element(named: Named) -> None:
    assert serving_templates(named, TEMPLATES), f"no template names {named.name!r} under {named.element}"


def test_the_repository_library_loads_without_problems() -> None:
    assert LIBRARY.diagnostics == []


def test_every_row_is_under_an_element_a_template_can_serve() -> None:
    for named in NAMED:
        assert named.element in TEMPLATE_ELEMENTS or ELEMENTS_BY_KEY[named.element].shape is Shape.APPROACHES, named


def test_every_element_that_holds_templates_or_approaches_has_rows() -> None:
    """The table covers each element the requirement gives examples for and a template can serve."""
    servable = [e.key for e in ELEMENTS if e.key in TEMPLATE_ELEMENTS or e.shape is Shape.APPROACHES]
    assert sorted({named.element for named in NAMED}) == sorted(servable)


def test_rows_are_not_repeated() -> None:
    keys = [(named.element, named.name) for named in NAMED]
    assert len(keys) == len(set(keys))


# -- the matching rules --------------------------------------------------------------------------------


def _library_of(clinic: Clinic, *replacements: tuple[str, str]) -> list[Template]:
    root = clinic(templates={"zz-test.md": edited_template(*replacements)}, library=())
    return list(load_library(root).templates.values())


PSYCHODRAMA = next(named for named in NAMED if named.name == "psychodrama")
ART_THERAPY = next(named for named in NAMED if named.name == "art therapy")
HUMANISTIC = next(named for named in NAMED if named.name == "humanistic therapy")


def test_a_template_names_a_technique_in_its_title_modalities_tags_or_summary(clinic: Clinic) -> None:
    for field, named_there in [
        (("title: Test template", "title: Psychodrama warm-up"), True),
        (("modalities: [CBT]", "modalities: [Psychodrama]"), True),
        (("modalities: [CBT]", "modalities: [CBT]\ntags: [psychodrama]"), True),
        (("summary: A small", "summary: A psychodrama"), True),
        (("title: Test template", "title: Test template"), False),
    ]:
        templates = _library_of(clinic, ("element: skills", "element: emotional_processing"), field)
        assert bool(serving_templates(PSYCHODRAMA, templates)) is named_there, field


def test_a_technique_is_served_only_under_the_element_it_is_named_for(clinic: Clinic) -> None:
    templates = _library_of(clinic, ("title: Test template", "title: Psychodrama warm-up"))  # element: skills
    assert serving_templates(PSYCHODRAMA, templates) == []


def test_an_approach_is_served_by_a_template_of_any_element(clinic: Clinic) -> None:
    templates = _library_of(clinic, ("modalities: [CBT]", "modalities: [Humanistic]"))  # element: skills
    assert [t.id for t in serving_templates(HUMANISTIC, templates)] == ["zz-test"]


def test_terms_match_whole_words_with_hyphens_and_spaces_alike(clinic: Clinic) -> None:
    element = ("element: skills", "element: techniques")
    start = _library_of(clinic, element, ("summary: A small", "summary: A start-up"))
    assert serving_templates(ART_THERAPY, start) == []  # "art" inside "start" names nothing
    hyphenated = _library_of(clinic, element, ("title: Test template", "title: Art-based collage"))
    assert [t.id for t in serving_templates(ART_THERAPY, hyphenated)] == ["zz-test"]


# -- on the site ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> GeneratedSite:
    return generate_site(LIBRARY)


def _page(site: GeneratedSite, uri: str) -> str:
    return next(page.content for page in site.pages if page.src_uri == uri)


@pytest.mark.parametrize("named", NAMED, ids=_row_id)
def test_templates_serving_a_row_are_on_their_element_and_modality_pages(site: GeneratedSite, named: Named) -> None:
    modalities = _page(site, MODALITIES)
    for template in serving_templates(named, TEMPLATES):
        link = template_uri(template)
        assert f"(../{link})" in _page(site, element_uri(ELEMENTS_BY_KEY[template.meta.element])), template.id
        assert f"({link})" in modalities, template.id
