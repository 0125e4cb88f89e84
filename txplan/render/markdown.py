"""The Markdown a chart holds (narratives, template bodies), parsed once the same way for every renderer.

What a reader may see of it is decided here, not in each renderer, so the DOCX and the HTML chart cannot drift:

- raw HTML is text, shown as typed;
- headings are shifted so the Markdown's highest one sits at the level the chart gives it (capped at 6);
- images are never fetched: their alt text is shown in its place;
- a link stays a link only for web, mail and phone addresses; any other target keeps just its text;
- a link with no visible text shows its address, so a reader (and a screen reader) can tell where it leads;
- Markdown nested deeper than ``MAX_DEPTH`` levels keeps every word: from that depth on, each line of the container
  is shown as a line of text. (markdown-it's own limit, ``maxNesting``, silently drops the rest of the document.)
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

__all__ = ["LINK_SCHEMES", "LIST_LEVELS", "LIST_MARKERS", "MAX_DEPTH", "MAX_HEADING", "chart_tokens"]

LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
MAX_HEADING = 6
LIST_LEVELS = 9  # Word's list levels; a list nested deeper looks like the last level
# How a list at each depth (counting numbered and bullet lists alike) is marked, repeating: numbers 1., a., i.;
# bullets as CSS names them (disc, circle, square are the DOCX's \u2022, \u25e6, \u25aa).
LIST_MARKERS = (("decimal", "disc"), ("lower-alpha", "circle"), ("lower-roman", "square"))
MAX_DEPTH = 40  # block levels (a list level counts two: the list and its item); 20 lists, or 40 quotes, deep


def _deep_lines(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """At ``MAX_DEPTH`` levels, the rest of this container as one paragraph, a line of text per source line.

    Runs before every other block rule (and never silently: it is in no rule's alternatives). A container opens at
    most two levels (a list and its item), so no container's content is ever parsed at ``maxNesting``
    (``MAX_DEPTH`` + 2), where markdown-it would skip the rest of the document.
    """
    if state.level < MAX_DEPTH:
        return False
    stop = start
    while stop < end and (state.isEmpty(stop) or state.sCount[stop] >= state.blkIndent):
        stop += 1
    lines = [line.strip() for line in state.getLines(start, stop, state.blkIndent, False).split("\n")]
    state.push("paragraph_open", "p", 1).map = [start, stop]
    inline = state.push("inline", "", 0)
    inline.content, inline.map, inline.children = "\\\n".join(line for line in lines if line), [start, stop], []
    state.push("paragraph_close", "p", -1)
    state.line = stop
    return True


_PARSER = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_DEPTH + 2}).enable("table")
_PARSER.block.ruler.before("table", "deep_lines", _deep_lines)


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
