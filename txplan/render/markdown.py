"""The Markdown a chart holds (narratives, template bodies), parsed once the same way for every renderer.

What a reader may see of it is decided here, not in each renderer, so the DOCX and the HTML chart cannot drift:

- raw HTML is text, shown as typed;
- headings are shifted so the Markdown's highest one sits at the level the chart gives it (capped at 6);
- images are never fetched: their alt text is shown in its place;
- a link stays a link only for web, mail and phone addresses; any other target keeps just its text;
- a link with no visible text shows its address, so a reader (and a screen reader) can tell where it leads;
- Markdown nested deeper than ``MAX_DEPTH`` levels keeps every word: from that depth on, each line of the container
  is shown as a line of text, a fenced code block's lines exactly as typed (markdown-it's own limit,
  ``maxNesting``, silently drops the rest of the document);
- there are no link reference definitions: a line such as ``[Client]: yes`` in a transcript is shown as typed, so a
  reference-style link shows its literal text (markdown-it would drop the line and link any ``[Client]`` to it);
- a table row with more cells than its header keeps them: the table is widened to its widest row, the header and
  shorter rows padded with empty cells (markdown-it drops the extra cells).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import MAX_AUTOCOMPLETED_CELLS, escapedSplit, getLine, table
from markdown_it.token import Token

__all__ = ["LINK_SCHEMES", "LIST_LEVELS", "LIST_MARKERS", "MAX_DEPTH", "MAX_HEADING", "chart_tokens", "list_start"]

LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
MAX_HEADING = 6
LIST_LEVELS = 9  # Word's list levels; a list nested deeper looks like the last level
# How a list at each depth (counting numbered and bullet lists alike) is marked, repeating: numbers 1., a., i.;
# bullets as CSS names them (disc, circle, square are the DOCX's \u2022, \u25e6, \u25aa).
LIST_MARKERS = (("decimal", "disc"), ("lower-alpha", "circle"), ("lower-roman", "square"))
MAX_DEPTH = 40  # block levels (a list level counts two: the list and its item); 20 lists, or 40 quotes, deep
_FENCE = re.compile(r"`{3,}|~{3,}")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # what a backslash makes literal in CommonMark


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
    inline.content, inline.map, inline.children = "\\\n".join(_code_as_typed(lines)), [start, stop], []
    state.push("paragraph_close", "p", -1)
    state.line = stop
    return True


def _code_as_typed(lines: Sequence[str]) -> list[str]:
    """The non-empty ``lines``, a fenced code block's (fences included) escaped so the inline parser shows them as
    typed: read as Markdown, a fence became a code span swallowing the line breaks, and a backslash was doubled."""
    kept: list[str] = []
    fence = ""
    for line in filter(None, lines):
        marker = _FENCE.match(line)
        if fence or marker:
            kept.append(_PUNCTUATION.sub(r"\\\1", line))
            if not fence and marker:
                fence = marker.group()
            elif fence and len(line) >= len(fence) and set(line) == {fence[0]}:
                fence = ""
        else:
            kept.append(line)
    return kept


def _wide_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's GFM table, widened to its widest row so a row's cells past the header's are kept, not dropped.

    The padding is bounded as markdown-it bounds its own (``MAX_AUTOCOMPLETED_CELLS``): a row that would pass it
    ends the table there, and the rows after it are read as the text that follows the table.
    """
    if silent:
        return table(state, start, end, silent)
    first = len(state.tokens)
    if not table(state, start, end, silent):
        return False
    rows = [token.map[0] for token in state.tokens[first:] if token.type == "tr_open" and token.map]
    cells = [_row_cells(state, line) for line in rows]
    kept = _rows_within_padding(cells)
    if kept < len(rows):  # parse again, ending the table before the row that would pass the bound
        del state.tokens[first:]
        table(state, start, rows[kept], silent)
    state.tokens[first:] = _widened(state.tokens[first:], cells[:kept])
    return True


def _row_cells(state: StateBlock, line: int) -> list[str]:
    """The cells of a table row as markdown-it splits them (escaped pipes kept, outer pipes dropped)."""
    cells = escapedSplit(mdTrim(getLine(state, line)))
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return [mdTrim(cell) for cell in cells]


def _rows_within_padding(cells: Sequence[Sequence[str]]) -> int:
    """How many of the rows can be widened to their widest with at most ``MAX_AUTOCOMPLETED_CELLS`` empty cells."""
    widest = written = 0
    for count, row in enumerate(cells):
        widest, written = max(widest, len(row)), written + len(row)
        if widest * (count + 1) - written > MAX_AUTOCOMPLETED_CELLS:
            return count
    return len(cells)


def _widened(tokens: Sequence[Token], cells: Sequence[Sequence[str]]) -> list[Token]:
    """The table in ``tokens`` with each row's cells past the header's appended, then empty ones up to the widest."""
    widest, header = max(len(row) for row in cells), len(cells[0])
    widened: list[Token] = []
    row = -1
    for token in tokens:
        if token.type == "tr_open":
            row += 1
        elif token.type == "tr_close":
            opening, inline, closing = widened[-3:]
            for text in [*cells[row][header:], *[""] * (widest - max(len(cells[row]), header))]:
                widened += [opening.copy(attrs={}), inline.copy(content=text, children=[]), closing.copy()]
        widened.append(token)
    return widened


_PARSER = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_DEPTH + 2}).enable("table").disable("reference")
_PARSER.block.ruler.at("table", _wide_table, {"alt": ["paragraph", "reference"]})
_PARSER.block.ruler.before("table", "deep_lines", _deep_lines)


def chart_tokens(source: str, top_heading: int) -> list[Token]:
    """The block tokens of ``source`` with the rules above applied; inline content is in each token's children."""
    tokens = _PARSER.parse(source)
    _shift_headings(tokens, top_heading)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _readable_inline(token.children)
    return tokens


def list_start(token: Token) -> int:
    """The first number of an ordered list; 0 is a start of its own (``or 1`` read it as the default, 1)."""
    start = token.attrGet("start")
    return 1 if start is None else int(start)


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
