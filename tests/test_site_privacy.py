"""The site is internal: no page, stylesheet or script makes the browser fetch anything from another site
(no Google Fonts, no CDN, no analytics), and a configuration or template that would is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ada_url import URL
from fixtures.site.helpers import MINIMAL_MKDOCS, built, page, repo_clinic, site_clinic
from hypothesis import given, settings
from hypothesis import strategies as st

from txplan.site import SiteError
from txplan.site.guard import SiteAddress, page_problems

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


def snippets_from(folder: str) -> str:
    return f"markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [{folder}]\n"


@pytest.mark.parametrize(("mkdocs_extra", "setting"), [
    ("extra_javascript:\n  - https://cdn.example.com/widget.js\n", "`extra_javascript` lists https://cdn.example.com/widget.js"),
    ("extra_css:\n  - //cdn.example.com/style.css\n", "`extra_css` lists //cdn.example.com/style.css"),
    ("extra_css:\n  - /\\cdn.example.com/style.css\n", "`extra_css` lists /\\cdn.example.com/style.css"),
    ("extra:\n  analytics:\n    provider: google\n    property: G-XXXXXXX\n", "`extra.analytics`"),
    ("repo_url: https://github.com/clinic/library\n", "`repo_url`"),
    ("  font:\n    text: Inter\n", "`theme.font`"),
    ("  logo: https://cdn.example.com/logo.png\n", "`theme.logo` lists https://cdn.example.com/logo.png"),
    ("  favicon: //cdn.example.com/favicon.ico\n", "`theme.favicon` lists //cdn.example.com/favicon.ico"),
    (snippets_from("templates") + "      url_download: true\n", "`url_download: true`"),
    (snippets_from("templates") + "      restrict_base_path: false\n", "`restrict_base_path: false`"),
    (snippets_from("docs"), "reads from `docs` (`base_path`), which is outside"),
], ids=["cdn script", "cdn stylesheet", "backslash stylesheet", "analytics", "repo_url", "font", "logo", "favicon",
        "snippet download", "snippets unrestricted", "snippets from docs"])
def test_configuration_that_would_call_another_site_is_refused_naming_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mkdocs_extra: str, setting: str) -> None:
    """Settings under `theme:` are indented and follow the minimal file's `theme:` block."""
    root = site_clinic(tmp_path, MINIMAL_MKDOCS.read_text(encoding="utf-8") + mkdocs_extra)
    (root / "docs").mkdir()
    monkeypatch.chdir(root)  # snippets read relative to where the command runs
    with pytest.raises(SiteError, match=r"mkdocs\.yml: .*" + re.escape(setting) + ".*calls nothing off-site"):
        built(root)


def test_snippets_from_the_template_library_are_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mkdocs_yml = MINIMAL_MKDOCS.read_text(encoding="utf-8") + snippets_from("templates")
    root = site_clinic(tmp_path, mkdocs_yml)
    monkeypatch.chdir(root)
    assert "Thought record" in page(built(root), "interventions/thought-record")


def test_a_template_image_from_another_site_is_removed_and_the_site_builds(tmp_path: Path) -> None:
    body = "{{ client.first_name }} reads it.\n\n![handout](https://example.com/handout.png) ![b](/\\example.com/b.png)\n"
    root = site_clinic(tmp_path, templates={"zz-handout.md": HANDOUT + body})
    handout = page(built(root), "interventions/zz-handout")
    assert '<img alt="handout">' in handout and '<img alt="b">' in handout
    assert re.findall(r"<img[^>]*example\.com", handout) == []


HANDOUT = """---
id: zz-handout
title: Handout
element: psychoeducation
modalities: [CBT]
summary: Read the handout.
---
"""

SITE = SiteAddress.of(None, "interventions/x/")


@pytest.mark.parametrize(("markup", "problem"), [
    ('<img src="/\\evil.example/x.png">', "<img src> would make the browser fetch /\\evil.example/x.png"),
    ('<img src=" //evil.example/x.png">', "<img src> would make the browser fetch //evil.example/x.png"),
    ('<img src="\x01\\\\evil.example\\x.png">', "<img src> would make the browser fetch"),
    ('<img src="https:evil.example/x.png">', "<img src> would make the browser fetch https:evil.example/x.png"),
    ('<img src="HTTP://evil.example/x.png">', "<img src> would make the browser fetch HTTP://evil.example/x.png"),
    ('<img srcset="a.png 1x, //evil.example/b.png 2x">', "<img srcset> would make the browser fetch //evil.example/b.png"),
    ('<source srcset="//evil.example/b.png">', "<source srcset> would make the browser fetch"),
    ('<script src="https://cdn.example.com/a.js"></script>', "<script src> would make the browser fetch"),
    ('<link rel="preconnect" href="//fonts.gstatic.com">', "<link href> would make the browser fetch //fonts.gstatic.com"),
    ('<style>@import "https://evil.example/c.css";</style>', "<style> would make the browser fetch https://evil.example/c.css"),
    ("<style>p { background: u\\72l(//evil.example/bg.png) }</style>",
     "<style> would make the browser fetch //evil.example/bg.png"),
    ('<p style="background: image-set(\'//evil.example/i.png\' 1x)">', "<p style> would make the browser fetch"),
    ('<meta http-equiv="refresh" content="0; URL=\'//evil.example/\'">',
     "<meta content> would make the browser fetch //evil.example/"),
    ('<form action="//evil.example/x"></form>', "<form action> would make the browser fetch"),
    ('<button formaction="https://evil.example/x">', "<button formaction> would make the browser fetch"),
    ('<a href="#" ping="https://evil.example/p">p</a>', "<a ping> would make the browser fetch"),
    ('<base href="//evil.example/">', "<base href> would make the browser fetch"),
    ('<object data="//evil.example/o"></object>', "<object data> would make the browser fetch"),
    ('<video poster="//evil.example/p.png"></video>', "<video poster> would make the browser fetch"),
    ('<svg><use xlink:href="//evil.example/s.svg#a"/></svg>', "<use xlink:href> would make the browser fetch"),
    ('<svg><image href="//evil.example/s.png"/></svg>', "<image href> would make the browser fetch"),
    ('<iframe srcdoc="&lt;img src=//evil.example/z&gt;"></iframe>', "<iframe srcdoc>: <img src> would make the browser fetch"),
    ('<a href=" Java&#x09;Script:alert(1)">j</a>', "<a href> would run a script"),
    ('<iframe src="vbscript:x"></iframe>', "<iframe src> would run a script"),
    ('<img src=x onerror="alert(1)">', "<img onerror> would run a script (an inline event handler)"),
    ('<pre class="mermaid">graph</pre>', "<pre class=mermaid> would make the browser fetch https://unpkg.com/mermaid"),
    ('<a data-md-component="source" href="https://github.com/a/b">',
     "<a data-md-component=source> would make the browser fetch the repository host's API"),
], ids=lambda value: value[:40])
def test_page_problems_reads_addresses_as_a_browser_does(markup: str, problem: str) -> None:
    found = page_problems(markup, SITE)
    assert len(found) == 1 and found[0].startswith(problem)


def test_links_images_on_the_site_and_data_are_not_problems() -> None:
    markup = ('<a href="https://example.org/paper">paper</a><a href="mailto:a@example.org">mail</a>'
              '<svg xmlns="http://www.w3.org/2000/svg"></svg><img src="../../assets/x.png"><img src="/y.png">'
              '<img src="http://txplan.invalid/z.png"><img src="data:image/png;base64,AA"><style>p { content: "//" }</style>'
              '<link rel="stylesheet" href="../assets/stylesheets/main.css"><meta http-equiv="refresh" content="0; url=../y/">')
    assert page_problems(markup, SITE) == []


def test_the_sites_own_address_is_not_off_site(tmp_path: Path) -> None:
    """With site_url set, Material links each page to its canonical address on the clinic's own host."""
    mkdocs_yml = MINIMAL_MKDOCS.read_text(encoding="utf-8") + "site_url: https://library.clinic.internal/\n"
    site = built(site_clinic(tmp_path, mkdocs_yml))
    assert 'href="https://library.clinic.internal/interventions/thought-record/"' in page(site, "interventions/thought-record")


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("ab.:/\\?#% \t\n\x01@"), max_size=12))
def test_path_relative_addresses_judged_without_parsing_agree_with_the_url_parser(address: str) -> None:
    """The page check skips ada for addresses with no scheme and no host; that shortcut must change no verdict."""
    try:
        resolved = [URL(address, base) for base in SITE.bases]
    except ValueError:
        resolved = []
    on_site = bool(resolved) and all(url.protocol in {"http:", "https:"} and url.host == SITE.host for url in resolved)
    assert SITE.is_site_file(address) == on_site
    assert SITE.runs_script(address) is False
