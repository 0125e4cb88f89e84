"""The site is internal: no page, stylesheet or script makes the browser fetch anything from another site
(no Google Fonts, no CDN, no analytics), and a configuration or template that would is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures.site.helpers import MINIMAL_MKDOCS, built, page, repo_clinic, site_clinic

from txplan.site import SiteError, off_site_loads

OFF_SITE = r"""["']?\s*(?:https?:)?//"""
OFF_SITE_LOADS = [
    re.compile(rf"""\b(?:src|srcset)\s*=\s*{OFF_SITE}""", re.IGNORECASE),
    re.compile(rf"""<(?:link|script)\b[^>]*\bhref\s*=\s*{OFF_SITE}""", re.IGNORECASE),
    re.compile(rf"""@import\s+(?:url\()?\s*{OFF_SITE}""", re.IGNORECASE),
    re.compile(rf"""\burl\(\s*{OFF_SITE}"""),
    re.compile(r"fonts\.googleapis|fonts\.gstatic"),
]


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(repo_clinic(tmp_path_factory.mktemp("clinic")))


@pytest.fixture(scope="module")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a mkdocs.yml that says nothing about fonts or privacy."""
    return built(site_clinic(tmp_path_factory.mktemp("clinic")))


@pytest.fixture(params=["repo_site", "minimal_site"])
def site(request: pytest.FixtureRequest) -> Path:
    built_site: Path = request.getfixturevalue(request.param)
    return built_site


def test_no_built_file_loads_anything_from_another_site(site: Path) -> None:
    files = [p for p in site.rglob("*") if p.suffix in {".html", ".css", ".js"}]
    assert len(files) > 60
    found = {f"{p.relative_to(site)}: {m.group()}" for p in files for pattern in OFF_SITE_LOADS
             for m in pattern.finditer(p.read_text(encoding="utf-8", errors="replace"))}
    assert sorted(found) == []


def test_the_repository_site_has_no_links_to_other_sites_at_all(repo_site: Path) -> None:
    """Not even plain links: references are printed as text, and mkdocs.yml turns Material's "made with" link off."""
    pages = list(repo_site.rglob("*.html"))
    assert [p for p in pages if re.search(r"""href\s*=\s*["']?(?:https?:)?//""", p.read_text(encoding="utf-8"))] == []


@pytest.mark.parametrize(("mkdocs_extra", "template_body"), [
    ("extra_javascript:\n  - https://cdn.example.com/widget.js\n", None),
    ("extra_css:\n  - https://cdn.example.com/style.css\n", None),
    ("extra:\n  analytics:\n    provider: google\n    property: G-XXXXXXX\n", None),
    ("", "{{ client.first_name }} reads the handout.\n\n![handout](https://example.com/handout.png)\n"),
], ids=["cdn script", "cdn stylesheet", "analytics", "image in a template"])
def test_anything_that_would_load_from_another_site_stops_the_build(
        tmp_path: Path, mkdocs_extra: str, template_body: str | None) -> None:
    templates = {"zz-handout.md": HANDOUT + template_body} if template_body else {}
    root = site_clinic(tmp_path, MINIMAL_MKDOCS.read_text(encoding="utf-8") + mkdocs_extra, templates=templates)
    with pytest.raises(SiteError, match=r"would make the browser fetch (https:)?//"):
        built(root)


HANDOUT = """---
id: zz-handout
title: Handout
element: psychoeducation
modalities: [CBT]
summary: Read the handout.
---
"""


def test_off_site_loads_finds_requests_but_not_links() -> None:
    page = ('<a href="https://example.org/paper">paper</a><svg xmlns="http://www.w3.org/2000/svg"></svg>'
            '<script src="https://cdn.example.com/a.js"></script><link rel="preconnect" href="//fonts.gstatic.com">'
            '<img alt="x" src=https://example.com/p.png><style>@import url("https://example.com/c.css");'
            ' p { background: url( https://example.com/bg.png) }</style>')
    assert off_site_loads(page) == ["https://cdn.example.com/a.js", "//fonts.gstatic.com", "https://example.com/p.png",
                                    "https://example.com/c.css", "https://example.com/bg.png"]
    assert off_site_loads(page, "https://example.com/") == ["https://cdn.example.com/a.js", "//fonts.gstatic.com"]


def test_the_sites_own_address_is_not_off_site(tmp_path: Path) -> None:
    """With site_url set, Material links each page to its canonical address on the clinic's own host."""
    mkdocs_yml = MINIMAL_MKDOCS.read_text(encoding="utf-8") + "site_url: https://library.clinic.internal/\n"
    site = built(site_clinic(tmp_path, mkdocs_yml))
    assert 'href="https://library.clinic.internal/interventions/thought-record/"' in page(site, "interventions/thought-record")
