"""What a page of the library site may load and run, judged as a browser would.

Two jobs, one set of rules:

- ``page_problems`` reads a finished page (theme included) with lxml's HTML parser and lists everything that
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]  # no stubs
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
# An address with no colon has no scheme, and one that starts with neither a slash, a backslash, a space nor a
# control character names no host: it resolves under the page's own address (WHATWG's path-relative case).
_PATH_RELATIVE = re.compile(r"[^/\\\x00-\x20:][^:]*\Z")
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
        """Whether test holds for address resolved under both schemes. Every test here holds for the page's own
        address, so a path-relative address (most of a page's) passes without parsing."""
        if _PATH_RELATIVE.match(address):
            return True
        resolved = self._resolved(address)
        return resolved is not None and all(test(url) for url in resolved)

    def runs_script(self, address: str) -> bool:
        if _PATH_RELATIVE.match(address):
            return False
        resolved = self._resolved(address)
        return resolved is not None and any(url.protocol in SCRIPT_SCHEMES for url in resolved)

    def is_safe_link(self, address: str) -> bool:
        """A link a reader may follow: http(s), mailto, or relative (which resolves to the site's own scheme)."""
        return self._all(address, lambda url: url.protocol in LINK_SCHEMES)


# -- finished pages ----------------------------------------------------------------------------------------


def page_problems(html: str, address: SiteAddress) -> list[str]:
    """Everything in the page that would fetch from another site or run a script from an address or handler."""
    if not html.strip():
        return []
    root = lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    problems: list[str] = []
    for element in root.iter():
        if isinstance(element.tag, str) and (element.attrib or element.tag == "style"):  # not a comment
            problems += _element_problems(element.tag.lower(), element, address)
    return problems


_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def _element_problems(tag: str, element: lxml.html.HtmlElement, address: SiteAddress) -> list[str]:
    attributes = element.attrib
    problems = []
    for name, value in attributes.items():
        name = str(name).lower()
        if name in _JUDGED or name.startswith("on"):
            problems += _attribute_problems(tag, name, str(value), attributes, address)
    if tag == "style":
        problems += _load_problems(_css_addresses(element.text or ""), "<style>", address)
    for (where, name, token), fetched in MATERIAL_FETCHES.items():
        value = str(attributes.get(name, ""))
        if token in value and where in (tag, "*") and token in value.split():
            problems.append(f"<{tag} {name}={token}> would make the browser fetch {fetched}")
    return problems


_JUDGED = LOADED | LOADED_LISTS | {"href", "data", "style", "content", "srcdoc"}  # the others are never addresses


def _attribute_problems(tag: str, name: str, value: str, values: Mapping[str, str], address: SiteAddress) -> list[str]:
    where = f"<{tag} {name}>"
    if name.startswith("on"):
        return [f"{where} would run a script (an inline event handler)"]
    if name in LOADED or (name == "href" and tag not in LINKS) or (name == "data" and tag == "object"):
        return _load_problems([value], where, address)
    if name in LOADED_LISTS:
        return _load_problems(_candidates(value), where, address)
    if name == "style":
        return _load_problems(_css_addresses(value, declarations=True), where, address)
    if name == "content" and str(values.get("http-equiv", "")).lower() == "refresh":
        match = _REFRESH.match(value)
        return _load_problems([match.group("url").removesuffix(match.group("quote")) if match else value], where, address)
    if name == "srcdoc":
        return [f"{where}: {problem}" for problem in page_problems(value, address)]
    if name == "href" and address.runs_script(value):
        return [f"{where} would run a script ({_shown(value)})"]
    return []


def _load_problems(addresses: Iterable[str], where: str, address: SiteAddress) -> list[str]:
    problems = []
    for value in addresses:
        if address.runs_script(value):
            problems.append(f"{where} would run a script ({_shown(value)})")
        elif not address.loads_on_site(value):
            problems.append(f"{where} would make the browser fetch {_shown(value)}")
    return problems


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
