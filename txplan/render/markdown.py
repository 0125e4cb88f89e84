"""The Markdown a chart holds (narratives, template bodies), parsed once the same way for every renderer.

What a reader may see of it is decided here, not in each renderer, so the DOCX and the HTML chart cannot drift:

- raw HTML is text, shown as typed;
- headings are shifted so the Markdown's highest one sits at the level the chart gives it (capped at 6);
- images are never fetched: their alt text is shown in its place;
- a link stays a link only for web, mail and phone addresses; any other target keeps just its text;
- a link with no visible text shows its address, so a reader (and a screen reader) can tell where it leads.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["LINK_SCHEMES", "MAX_HEADING", "chart_tokens"]

LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
MAX_HEADING = 6

_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def chart_tokens(source: str, top_heading: int) -> list[Token]:
    """The block tokens of ``source`` with the rules above applied; inline content is in each token's children."""
    tokens = _PARSER.parse(source)
    _shift_headings(tokens, top_heading)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _readable_inline(token.children)
    return tokens


def _shift_headings(tokens: Sequence[Token], top_heading: int) -> None:
    levels = [int(token.tag[1:]) for token in tokens if token.type == "heading_open"]
    shift = top_heading - min(levels, default=1)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(max(int(token.tag[1:]) + shift, 1), MAX_HEADING)}"


def _readable_inline(children: Sequence[Token]) -> list[Token]:
    """Images as their alt text, links kept only to allowed addresses, and an empty link labelled by its address."""
    kept: list[Token] = []
    open_links: list[tuple[Token | None, int]] = []  # the kept opening token (None when dropped), where it sits
    for token in children:
        if token.type == "image":
            kept.append(_text(f"[image: {token.content}]" if token.content else "[image]"))
        elif token.type == "link_open":
            allowed = str(token.attrGet("href") or "").lower().startswith(LINK_SCHEMES)
            open_links.append((token if allowed else None, len(kept)))
            if allowed:
                kept.append(token)
        elif token.type == "link_close":
            opening, start = open_links.pop()
            if opening is not None:
                if not any(t.content.strip() for t in kept[start + 1:]):
                    kept[start + 1:] = [_text(str(opening.attrGet("href")))]
                kept.append(token)
        else:
            kept.append(token)
    return kept


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
