"""Markdown lists in a chart: nesting, and every list numbering on its own (pandoc's w:num per list)."""

from __future__ import annotations

from typing import Any

import pytest
from docx.oxml.ns import qn
from docx_helpers import NarrativeRenderer, block_text, open_chart

from txplan.render.docx.oxml import BULLET_LIST_NAME, NUMBERED_LIST_NAME, list_indent


@pytest.fixture(scope="module")
def narrative(tmp_path_factory: pytest.TempPathFactory) -> NarrativeRenderer:
    return NarrativeRenderer.in_clinic(tmp_path_factory.mktemp("lists"))


def numbered(blocks: list[Any]) -> list[tuple[str, int, int]]:
    """(text, level, numId) of every list item paragraph."""
    found = []
    for block in blocks:
        levels = block.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
        if levels:
            found.append((block_text(block), int(levels[0]), int(block.xpath("./w:pPr/w:numPr/w:numId/@w:val")[0])))
    return found


def list_definitions(chart: bytes) -> tuple[dict[int, Any], dict[str, int]]:
    """num elements by numId, and abstract numbering ids by name."""
    numbering = open_chart(chart).part.numbering_part.element
    nums = {int(num.get(qn("w:numId"))): num for num in numbering.findall(qn("w:num"))}
    abstracts = {name.get(qn("w:val")): int(abstract.get(qn("w:abstractNumId")))
                 for abstract in numbering.findall(qn("w:abstractNum")) for name in abstract.findall(qn("w:name"))}
    return nums, abstracts


def test_lists_nest_three_levels(narrative: NarrativeRenderer) -> None:
    items = numbered(narrative.blocks("- Family\n  - Cousin Maya\n    - Weekly phone calls\n  - Partner\n- Friends\n"))
    assert [(text, level) for text, level, _ in items] == [
        ("Family", 0), ("Cousin Maya", 1), ("Weekly phone calls", 2), ("Partner", 1), ("Friends", 0)]


def test_every_list_gets_its_own_numbering_instance(narrative: NarrativeRenderer) -> None:
    source = "1. One\n2. Two\n\nBetween the lists.\n\n1. Uno\n2. Dos\n"
    chart = narrative.chart(source)
    items = numbered(narrative.blocks(source))
    first = {num for text, _, num in items if text in ("One", "Two")}
    second = {num for text, _, num in items if text in ("Uno", "Dos")}
    assert len(first) == len(second) == 1 and first != second
    nums, abstracts = list_definitions(chart)
    for num_id in first | second:
        num = nums[num_id]
        assert int(num.xpath("./w:abstractNumId/@w:val")[0]) == abstracts[NUMBERED_LIST_NAME]
        assert num.xpath("./w:lvlOverride[@w:ilvl='0']/w:startOverride/@w:val") == ["1"]


def test_a_list_starting_elsewhere_keeps_its_start(narrative: NarrativeRenderer) -> None:
    source = "4. Four\n5. Five\n"
    (_, _, num_id), _ = numbered(narrative.blocks(source))
    nums, _ = list_definitions(narrative.chart(source))
    assert nums[num_id].xpath("./w:lvlOverride/w:startOverride/@w:val") == ["4"]


def test_a_nested_numbered_list_restarts_at_its_own_level(narrative: NarrativeRenderer) -> None:
    source = "1. First\n   1. Sub one\n   2. Sub two\n2. Second\n   1. Sub again\n"
    items = numbered(narrative.blocks(source))
    nums, _ = list_definitions(narrative.chart(source))
    sub_lists = {num for text, level, num in items if level == 1}
    assert len(sub_lists) == 2  # "Sub again" starts over rather than continuing at 3
    for num_id in sub_lists:
        assert nums[num_id].xpath("./w:lvlOverride[@w:ilvl='1']/w:startOverride/@w:val") == ["1"]


def test_bullets_use_the_bullet_definition(narrative: NarrativeRenderer) -> None:
    source = "- Alpha\n- Beta\n"
    (_, _, num_id), _ = numbered(narrative.blocks(source))
    nums, abstracts = list_definitions(narrative.chart(source))
    assert int(nums[num_id].xpath("./w:abstractNumId/@w:val")[0]) == abstracts[BULLET_LIST_NAME]


def test_later_paragraphs_of_an_item_are_indented_not_numbered(narrative: NarrativeRenderer) -> None:
    blocks = narrative.blocks("- First paragraph\n\n  Second paragraph\n- Next item\n")
    texts = [block_text(block) for block in blocks]
    second = blocks[texts.index("Second paragraph")]
    assert not second.xpath("./w:pPr/w:numPr")
    assert second.xpath("./w:pPr/w:ind/@w:left") == [str(list_indent(0))]
    assert [text for text, _, _ in numbered(blocks)] == ["First paragraph", "Next item"]


def test_an_empty_item_keeps_its_marker(narrative: NarrativeRenderer) -> None:
    assert [level for _, level, _ in numbered(narrative.blocks("- \n- Filled\n"))] == [0, 0]


def test_fixture_plan_lists_number_separately(narrative: NarrativeRenderer) -> None:
    """The fixture narrative has a three-item list, then a two-item one that must start at 1 again."""
    assert narrative.checked.document is not None
    items = numbered(narrative.blocks(narrative.checked.document.body))
    history = {num for text, _, num in items if text == "Onset after a move in March"}
    review = {num for text, _, num in items if text == "Review the activity log"}
    assert history and review and history != review
