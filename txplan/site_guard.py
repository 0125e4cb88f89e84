"""What a page of the library site may load and run, judged as a browser would.

Two jobs, one set of rules:

- ``page_problems`` reads a finished page (theme included) with an HTML parser and lists everything that
  would make the browser fetch from another site or run a script from an address: ``src``, ``srcset``,
  ``<link href>``, ``poster``, ``<object data>``, form actions, ``ping``, ``<base>``, meta refresh, CSS
  ``url()``, ``image-set()`` and ``@import`` in ``<style>`` and ``style=``, SVG ``href``, ``srcdoc``, inline
  event handlers, ``javascript:`` addresses, and the few page elements that make Material's own script
  fetch (a Mermaid diagram, a repository widget). The plugin refuses any page that has one.
- ``sanitized`` cleans the HTML of a page txplan generated, where template authors' text lands: an
  allowlist of tags and attributes (nh3, the Ammonia sanitizer), links only to http(s), mailto and
  relative addresses, images only from the site itself.

Addresses are resolved by ada (the WHATWG URL parser that Node.js uses), so ``/\\host/x.png``,
``//host``, ``HTTPS:``, ``java\\nscript:`` and leading control characters mean here what they mean to a
browser. An address is resolved against the page's own address under both ``http:`` and ``https:`` (a
site may be served either way, and ``http:host`` means another site only under ``https:``), and it is on
the site only when both resolutions are. CSS is read by tinycss2, which decodes CSS escapes
(``\\75 rl(``) as a browser does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
import tinycss2  # type: ignore[import-untyped]  # no stubs
from ada_url import URL

__all__ = ["SiteAddress", "page_problems", "sanitized"]

STAND_IN_ORIGIN = "http://txplan.invalid/"  # the site's address when mkdocs.yml gives no site_url
SCHEMES = ("http:", "https:")
NO_NETWORK = frozenset({"data:", "about:", "blob:"})  # loaded without a request to any host
SCRIPT_SCHEMES = frozenset({"javascript:", "vbscript:"})
LINK_SCHEMES = frozenset({"http:", "https:", "mailto:"})

# Attributes whose address the browser fetches by itself, on any element (a conservative superset).
LOADED = frozenset({"src", "lowsrc", "dynsrc", "poster", "background", "codebase", "manifest", "action", "formaction",
                    "ping", "xlink:href"})
LOADED_LISTS = frozenset({"srcset", "imagesrcset"})  # comma-separated candidates with descriptors
LINKS = frozenset({"a", "area"})  # their href is followed only when the reader clicks
# Elements of a page that make Material's own script fetch from another site, and what it fetches.
MATERIAL_FETCHES: dict[tuple[str, str, str], str] = {
    ("pre", "class", "mermaid"): "https://unpkg.com/mermaid (Material loads it for a Mermaid diagram)",
    ("*", "data-md-component", "source"): "the repository host's API (Material's repository widget)",
}
_REFRESH = re.compile(r"\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(?P<quote>['\"]?)(?P<url>.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SiteAddress:
    """A page's own address, to resolve the addresses in it as the browser will."""

    bases: tuple[str, ...]
    host: str

    @classmethod
    def of(cls, site_url: str | None, page_url: str) -> SiteAddress:
        """``site_url`` from mkdocs.yml (or a stand-in host) and the page's URL relative to it."""
        site = URL(site_url or STAND_IN_ORIGIN)
        bases = tuple(URL(page_url, f"{scheme}//{site.host}{site.pathname}").href for scheme in SCHEMES)
        return cls(bases, site.host)

    def _resolved(self, address: str) -> list[URL] | None:
        try:
            return [URL(address, base) for base in self.bases]
        except ValueError:  # the browser would not load it either; callers treat it as suspect
            return None

    def loads_on_site(self, address: str) -> bool:
        """Whether fetching ``address`` stays on the site or needs no network at all (``data:``)."""
        return self._all(address, lambda url: url.protocol in NO_NETWORK or self._on_site(url))

    def is_site_file(self, address: str) -> bool:
        """Whether ``address`` is a file of the site itself: what template text may show as an image."""
        return self._all(address, self._on_site)

    def _on_site(self, url: URL) -> bool:
        return url.protocol in SCHEMES and url.host == self.host

    def _all(self, address: str, test: Callable[[URL], bool]) -> bool:
        resolved = self._resolved(address)
        return resolved is not None and all(test(url) for url in resolved)

    def runs_script(self, address: str) -> bool:
        resolved = self._resolved(address)
        return resolved is not None and any(url.protocol in SCRIPT_SCHEMES for url in resolved)

    def is_safe_link(self, address: str) -> bool:
        """A link a reader may follow: http(s), mailto, or relative (which resolves to the site's own scheme)."""
        return self._all(address, lambda url: url.protocol in LINK_SCHEMES)


# -- finished pages ----------------------------------------------------------------------------------------


def page_problems(html: str, address: SiteAddress) -> list[str]:
    """Everything in the page that would fetch from another site or run a script from an address or handler."""
    scanner = _Scanner(address)
    scanner.feed(html)
    scanner.close()
    return scanner.problems


class _Scanner(HTMLParser):
    """Walks every start tag and style sheet of a page (the standard library's HTML tokenizer)."""

    def __init__(self, address: SiteAddress) -> None:
        super().__init__(convert_charrefs=True)
        self.address = address
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            self._judge_attribute(tag, name, value, values)
        for (where, name, token), fetched in MATERIAL_FETCHES.items():
            if where in (tag, "*") and token in values.get(name, "").split():
                self.problems.append(f"<{tag} {name}={token}> would make the browser fetch {fetched}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._judge_loads(_css_addresses(data), "<style>")

    def _judge_attribute(self, tag: str, name: str, value: str, values: dict[str, str]) -> None:
        where = f"<{tag} {name}>"
        if name.startswith("on"):
            self.problems.append(f"{where} would run a script (an inline event handler)")
        elif name in LOADED or (name == "href" and tag not in LINKS) or (name == "data" and tag == "object"):
            self._judge_loads([value], where)
        elif name in LOADED_LISTS:
            self._judge_loads(_candidates(value), where)
        elif name == "style":
            self._judge_loads(_css_addresses(value, declarations=True), where)
        elif name == "content" and values.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH.match(value)
            self._judge_loads([match.group("url").removesuffix(match.group("quote")) if match else value], where)
        elif name == "srcdoc":
            self.problems += [f"{where}: {problem}" for problem in page_problems(value, self.address)]
        elif name in {"href", "xlink:href"} and self.address.runs_script(value):
            self.problems.append(f"{where} would run a script ({_shown(value)})")

    def _judge_loads(self, addresses: Iterable[str], where: str) -> None:
        for value in addresses:
            if self.address.runs_script(value):
                self.problems.append(f"{where} would run a script ({_shown(value)})")
            elif not self.address.loads_on_site(value):
                self.problems.append(f"{where} would make the browser fetch {_shown(value)}")


def _candidates(srcset: str) -> list[str]:
    """Every piece of a srcset between whitespace and commas. The addresses are among them, and a descriptor
    (``2x``, ``300w``) or a piece of an address cut at a comma is judged too: never wrongly allowed, at worst
    wrongly refused."""
    return [piece for piece in re.split(r"[\s,]+", srcset) if piece]


def _css_addresses(css: str, *, declarations: bool = False) -> Iterator[str]:
    """Addresses a style sheet or ``style`` attribute fetches: url tokens, strings given to a function
    (``url("...")``, ``image-set("..." 1x)``, ``src()``) and ``@import`` strings."""
    tokens = tinycss2.parse_blocks_contents(css) if declarations else tinycss2.parse_component_value_list(css)
    yield from _token_addresses(tokens, in_function=False)


def _token_addresses(tokens: Iterable[object], *, in_function: bool) -> Iterator[str]:
    importing = False
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "url" or (kind == "string" and (in_function or importing)):
            yield str(getattr(token, "value", ""))
        if kind == "at-keyword":
            importing = str(getattr(token, "lower_value", "")) == "import"
        elif kind in {";", "{} block"}:
            importing = False
        for attribute in ("arguments", "content", "value", "prelude"):
            nested = getattr(token, attribute, None)
            if isinstance(nested, list):
                yield from _token_addresses(nested, in_function=in_function or kind == "function")


def _shown(address: str) -> str:
    """An address for a message, on one line and cut short (it comes from the clinic's own pages and config)."""
    line = " ".join(address.split())
    return line if len(line) <= 80 else line[:77] + "..."


# -- generated pages ---------------------------------------------------------------------------------------

# What Markdown, Material and the common extensions produce in a page's content, and nothing that runs or loads.
_TAGS = frozenset(nh3.ALLOWED_TAGS) | {"input", "label"}  # task lists' disabled checkboxes
_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "style"},
    "code": {"style"},
    "span": {"data-linenos"},
    "input": {"type", "checked", "disabled"},
}
_STYLE_PROPERTIES = {"text-align", "white-space"}  # table column alignment and txplan's unbreakable names


def sanitized(content: str, address: SiteAddress) -> str:
    """A generated page's content with nothing that runs, loads from another site or calls Material's fetches."""
    return str(nh3.clean(content, tags=set(_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
                         attribute_filter=_attribute_filter(address), url_schemes=set(s.rstrip(":") for s in LINK_SCHEMES),
                         link_rel=None, strip_comments=True, filter_style_properties=set(_STYLE_PROPERTIES)))


def _attribute_filter(address: SiteAddress) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, name: str, value: str) -> str | None:
        if name == "href":
            return value if address.is_safe_link(value) else None
        if name == "src":
            return value if address.is_site_file(value) else None
        if name == "title":  # Material shows titles as tooltips, inserted as HTML
            return None if any(c in value for c in "<&") else value
        if name == "class":
            fetching = {token for (_, attribute, token) in MATERIAL_FETCHES if attribute == "class"}
            return " ".join(c for c in value.split() if c not in fetching) or None
        return value

    return keep
