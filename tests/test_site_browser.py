"""In a real browser (headless Chromium): search finds a template, its page shows the parameters table and
the YAML snippet, and nothing is requested from anywhere but the local server; and a library of hostile
templates (script in every field, script links, off-site images in every form) builds into pages that run
none of it and request nothing off-site, every page of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.site.helpers import PWNED, built, hostile_clinic, repo_clinic, served
from playwright.sync_api import Browser, Page, Route, expect

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(built(repo_clinic(tmp_path_factory.mktemp("clinic")))) as url:
        yield url


@pytest.fixture
def tab(browser: Browser, site_url: str) -> Iterator[tuple[Page, list[str]]]:
    """A page, and every URL it requested that is not on the local server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    off_site: list[str] = []
    page.on("request", lambda request: off_site.append(request.url) if not request.url.startswith(site_url) else None)
    yield page, off_site
    context.close()


def test_search_finds_the_thought_record_and_its_page_has_parameters_and_snippet(
        tab: tuple[Page, list[str]], site_url: str, tmp_path: Path) -> None:
    page, off_site = tab
    page.goto(site_url)
    page.get_by_role("textbox", name="Search").click()  # Material's search box in the header
    page.keyboard.type("thought record")
    result = page.locator(".md-search-result__item a", has_text="Thought record").first
    expect(result).to_be_visible()
    result.click()

    expect(page).to_have_url(re.compile(re.escape(f"{site_url}interventions/thought-record/") + r"(\?h=.*)?$"))
    expect(page.locator("h1")).to_have_text("Thought record")
    table = page.locator("article table", has=page.locator("th", has_text="description"))
    expect(table.locator("thead")).to_contain_text("name")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("frequency")
    expect(table).to_contain_text("moments when mood drops")
    snippet = page.locator("article pre code.language-yaml")
    expect(snippet).to_contain_text("- use: thought-record")
    expect(snippet).to_contain_text("for: [O1]")

    page.screenshot(path=str(tmp_path / "template-page.png"))
    assert off_site == []


def test_search_matches_tags_and_summaries(tab: tuple[Page, list[str]], site_url: str) -> None:
    page, off_site = tab
    page.goto(site_url)
    page.get_by_role("textbox", name="Search").click()
    page.keyboard.type("insomnia")  # a tag, not in any title
    expect(page.locator(".md-search-result__item", has_text="Sleep diary").first).to_be_visible()
    page.get_by_role("textbox", name="Search").fill("automatic thought")  # words of the thought record's summary
    expect(page.locator(".md-search-result__item", has_text="Thought record").first).to_be_visible()
    assert off_site == []


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = built(hostile_clinic(tmp_path_factory.mktemp("hostile")))
    with served(site) as url:
        yield url, site


def test_hostile_templates_run_no_script_and_call_nothing_off_site_on_any_page(
        browser: Browser, hostile_site: tuple[str, Path], tmp_path: Path) -> None:
    site_url, site = hostile_site
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 20 and "interventions/zz-hostile-1/index.html" in pages
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    attempted: list[str] = []

    def only_the_site(route: Route) -> None:
        if route.request.url.startswith(site_url):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    ran: dict[str, list[str]] = {}
    for path in pages:
        page.goto(site_url + path, wait_until="networkidle")  # Material's script has run and fetched what it would
        state = page.evaluate("() => [String(window.__pwned ?? ''), document.title]")
        if state[0] or state[1] == PWNED:
            ran[path] = state

    page.goto(site_url)  # search results show titles and tags as HTML
    page.get_by_role("textbox", name="Search").click()
    page.keyboard.type("hostile")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    state = page.evaluate("() => [String(window.__pwned ?? ''), document.title]")
    if state[0] or state[1] == PWNED:
        ran["search"] = state

    page.goto(site_url + "interventions/zz-hostile-1/")
    expect(page.locator("article h1")).to_contain_text("Hostile 1 </title><img src=x onerror=")  # shown as text
    page.screenshot(path=str(tmp_path / "hostile-template-page.png"))
    context.close()
    assert attempted == []
    assert ran == {}
