"""Template text is text everywhere the site shows it: a library of hostile templates builds into pages with no
inline handler, no script link and no off-site image, and every field reads as the author typed it in the
page, the navigation, <title>, the page metadata and the search index. (test_site_browser.py loads the same
pages in Chromium and checks that nothing runs.)"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from ada_url import URL
from fixtures.site.helpers import built, handler, hostile_clinic, page
from hypothesis import given, settings
from hypothesis import strategies as st

from txplan.site.pages import AuthorText

HOSTILE_PAGE = "interventions/zz-hostile-1"
TITLE = "Hostile 1 " + handler("title")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(hostile_clinic(tmp_path_factory.mktemp("hostile")))


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.title += data if self._in_title else ""


def tags_of(page_html: str) -> _Tags:
    parsed = _Tags()
    parsed.feed(page_html)
    return parsed


SCRIPT_ADDRESS = re.compile(r"[\x00-\x20]*(java|vb)script:", re.IGNORECASE)  # tabs, newlines dropped
ADDRESSES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "ping", "xlink:href"}


def off_site(address: str) -> bool:
    """Whether a browser would fetch address from another host (WHATWG URL rules, by ada)."""
    try:
        return URL(address, "https://site.invalid/a/b/").host not in {"", "site.invalid"}
    except ValueError:
        return False


def test_no_page_has_an_inline_handler_a_script_link_or_an_image_from_another_site(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    found = []
    for path in pages:
        for tag, attrs in tags_of(path.read_text(encoding="utf-8")).tags:
            found += [f"{path.relative_to(site)}: <{tag} {name}>" for name in attrs if name.startswith("on")]
            found += [f"{path.relative_to(site)}: <{tag} {name}={value}>" for name, value in attrs.items()
                      if name in ADDRESSES and (SCRIPT_ADDRESS.match(re.sub(r"[\t\n\r]", "", value))
                                                or (tag != "a" and off_site(value)))]
    assert found == []


def test_the_title_reads_as_typed_in_the_heading_the_title_bar_and_the_navigation_of_every_page(site: Path) -> None:
    hostile = page(site, HOSTILE_PAGE)
    parsed = tags_of(hostile)
    assert parsed.title == f"{TITLE} - Hostile clinic"
    assert html.escape(TITLE, quote=False) in hostile  # the <h1>, as text
    pages = list(site.rglob("*.html"))
    in_nav = [p for p in pages if html.escape(TITLE) in p.read_text(encoding="utf-8")]
    assert len(in_nav) == len(pages)  # the minimal theme puts the whole navigation into every page


def test_metadata_and_search_index_hold_the_fields_escaped(site: Path) -> None:
    meta = {attrs.get("name"): attrs.get("content") for tag, attrs in tags_of(page(site, HOSTILE_PAGE)).tags if tag == "meta"}
    assert meta["description"] is not None and meta["description"].startswith("Hostile summary " + handler("summary"))
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    doc = next(d for d in index["docs"] if d["location"] == "interventions/zz-hostile-1/")
    assert html.unescape(doc["title"]) == TITLE and "<" not in doc["title"]  # Material shows titles and tags as HTML
    assert [html.unescape(t) for t in doc["tags"]][:2] == ["hostile", handler("tag")]
    assert all("<" not in t for t in doc["tags"])


def test_every_field_reads_as_typed_on_the_template_page(site: Path) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", " ", page(site, HOSTILE_PAGE)))
    for field in ("modality", "tag", "param", "param-description", "default", "reference", "summary", "body"):
        assert handler(field) in text, field


def test_links_keep_only_http_mailto_and_relative_targets_and_images_only_from_the_site(site: Path) -> None:
    article = page(site, HOSTILE_PAGE).split('<article class="md-content__inner md-typeset">')[1].split("</article>")[0]
    tags = tags_of(article).tags
    links = {attrs["href"] for tag, attrs in tags if tag == "a" and "href" in attrs}
    images = [attrs.get("src") for tag, attrs in tags if tag == "img"]
    assert {h for h in links if re.match(r"[a-z]+:", h)} == {"https://example.org/paper", "https://example.org"}
    assert [s for s in images if s and off_site(s)] == [] and "../../ok.png" in images  # the only image from the site itself
    assert "mermaid" not in article.replace("```mermaid", "")


LITERAL_EXTENSIONS = ["tables", "attr_list", "md_in_html", "def_list", "footnotes", "abbr", "pymdownx.magiclink",
                      "pymdownx.emoji", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark", "pymdownx.keys",
                      "pymdownx.arithmatex", "pymdownx.critic", "pymdownx.betterem", "pymdownx.smartsymbols"]
PUNCTUATED = st.text(st.sampled_from("<>&\"'`*_{}[]()#+-.!|~^=:$@%/\\;,? aZ1\n\t"), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(PUNCTUATED)
def test_the_literal_view_renders_as_exactly_the_text_under_every_extension(raw: str) -> None:
    """Titles, tags, modalities, parameter names and descriptions go through this view: whatever the author typed,
    under any extension a clinic might enable, the page shows those characters and no markup."""
    shown = AuthorText(raw)
    if not shown.line:
        return
    rendered = markdown.markdown(f"| a |\n| --- |\n| {shown.text} |\n\n## {shown.text}\n\n{shown.text}",
                                 extensions=LITERAL_EXTENSIONS)
    tags = {tag for tag, _ in tags_of(rendered).tags}
    assert tags <= {"table", "thead", "tbody", "tr", "th", "td", "h2", "p"}, rendered
    for cell in re.findall(r"<(td|h2|p)>(.*?)</\1>", rendered, re.DOTALL):
        assert html.unescape(cell[1]).strip() == shown.line.strip()
