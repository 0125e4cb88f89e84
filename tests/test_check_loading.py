"""The file and its YAML (TX001-TX012): each defect is refused at the line:col where it sits."""

from __future__ import annotations

import pytest
from conftest import VALID_PLAN, CheckPlan, Clinic, diagnostics_of, edited_plan, found_in
from ruamel.yaml import YAML

from txplan import frontmatter
from txplan.frontmatter import MAX_DEPTH, MAX_FILE_BYTES

COLON_IN_VALUE = "`: ` inside a value; put the value in quotes (`name: \"Follow-up: weekly\"`)"
UNCLOSED_QUOTE = "a quoted value is not closed; the quote opens here"
INDENTED_TOO_FAR = ("a key indented more than the key above it, so YAML reads it as more of that key's value; the keys "
                    "of one mapping start in the same column")
INDENTED_TOO_LITTLE = "a line indented differently from the keys around it; the keys of one mapping start in the same column"
NOT_AN_ENTRY = "a list entry without `- `, or a line that is not `key: value`; a list entry starts with `- `"
NOT_LINED_UP = "a list entry without `- `, or a line that does not line up with the entries of the list above it"
STRENGTH = "    - Keeps appointments\n"  # line 7, the client's only strength


def test_the_valid_fixture_plan_checks_clean(check_plan: CheckPlan) -> None:
    assert check_plan(VALID_PLAN) == []


def test_bytes_that_are_not_utf8_are_tx001_at_the_bad_byte(check_plan: CheckPlan) -> None:
    # line 4 is `  name: Test Client`; a Windows-1252 é (0xe9) replaces the `i` of Client, column 16
    raw = VALID_PLAN.encode("utf-8").replace(b"Test Client", b"Test Cl\xe9ent")
    assert check_plan(raw) == [("TX001", 4, 16)]


def test_a_utf8_byte_order_mark_is_accepted(check_plan: CheckPlan) -> None:
    assert check_plan(b"\xef\xbb\xbf" + VALID_PLAN.encode("utf-8")) == []


def test_a_plan_that_cannot_be_read_is_tx001(clinic: Clinic) -> None:
    root = clinic()
    (root / "plans" / "gone.md").symlink_to(root / "nowhere.md")  # a link whose plan was moved away
    assert found_in(root) == [("TX001", 1, 1)]


def test_a_file_over_the_size_limit_is_tx002_before_it_is_parsed(check_plan: CheckPlan) -> None:
    padding = "\n" + "x" * (MAX_FILE_BYTES + 1) + "\n"
    assert check_plan(VALID_PLAN + padding) == [("TX002", 1, 1)]


@pytest.mark.parametrize("text", ["# Presenting concerns\n\nNo front matter.\n", "", "\n\n  \n"],
                         ids=["heading first", "empty", "blank"])
def test_a_file_without_front_matter_is_tx003(check_plan: CheckPlan, text: str) -> None:
    assert check_plan(text) == [("TX003", 1, 1)]


def test_front_matter_after_a_blank_first_line_is_tx003(check_plan: CheckPlan) -> None:
    assert check_plan("\n" + VALID_PLAN) == [("TX003", 1, 1)]


def test_front_matter_never_closed_is_tx004_at_the_opening_line(check_plan: CheckPlan) -> None:
    unclosed = VALID_PLAN.replace("\n---\n## Narrative", "\n## Narrative")
    assert unclosed != VALID_PLAN
    assert check_plan(unclosed) == [("TX004", 1, 1)]


def test_a_yaml_syntax_error_is_tx005_where_the_parser_stops(check_plan: CheckPlan) -> None:
    # `  name: Test: Client`: the second `: ` is at column 13 of line 4
    assert check_plan(edited_plan(("  name: Test Client", "  name: Test: Client"))) == [("TX005", 4, 13)]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  name: Test Client", "  name: Qv7731 Test: Client", COLON_IN_VALUE),
    ("  - PHQ-9 below 10 twice in a row", '  - "Qv7731 PHQ-9 below 10', UNCLOSED_QUOTE),
    ("  name: Test Client", '  name: "Qv7731 Test\\q Client"',
     "an unknown escape in a double-quoted value; write `\\\\` for a backslash"),
    ("  name: Test Client", '  name: "Qv7731\\ud800"', "an escape that names no character"),
    ("  name: Test Client", "  name: @Qv7731",
     "a value starts with a character YAML reserves (`@`, `` ` ``, `%`); quote the value"),
    ("      for: [O1]\n  frequency:", "      for: [O1, Qv7731\n  frequency:", "a `[` list that is not closed"),
])
def test_a_yaml_syntax_error_is_described_in_txplans_words_without_the_value(
        clinic: Clinic, old: str, new: str, message: str) -> None:
    """ruamel's own parser quotes the character it found, and anything a parser quotes may be part of a value."""
    diagnostics = diagnostics_of(clinic({"plan.md": edited_plan((old, new))}))
    assert [(d.code, d.message) for d in diagnostics] == [("TX005", message)]


@pytest.fixture(params=["libyaml", "pure Python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both of ruamel's parsers: libyaml's (with ruamel.yaml.clib, the usual one) and its own, whose texts differ."""
    if request.param == "pure Python":
        monkeypatch.setattr(frontmatter, "_YAML", YAML(typ="safe", pure=True))


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  name: Test Client", "  name: Test: Client", ("TX005", 4, 13, COLON_IN_VALUE)),
    ("  name: Test Client", "\tname: Test Client", ("TX009", 4, 1, "tab character; indent YAML with spaces")),
    ("  name: Test Client", "   name: Test Client", ("TX005", 4, 8, INDENTED_TOO_FAR)),
    ("  name: Test Client", " name: Test Client", ("TX005", 4, 2, INDENTED_TOO_LITTLE)),
    ("  name: Test Client", '  name: "Test Client', ("TX005", 4, 9, f"{UNCLOSED_QUOTE} (YAML read on to line 39 looking "
                                                                   "for its end)")),
    ("  name: Test Client", "  name: 'Test Client", ("TX005", 4, 9, UNCLOSED_QUOTE)),
    (STRENGTH, f"{STRENGTH}    Curious\n", ("TX005", 8, 5, NOT_AN_ENTRY)),
    (STRENGTH, f"{STRENGTH}    Curious: yes\n", ("TX005", 8, 5, NOT_LINED_UP)),
], ids=["colon in a value", "tab", "indented too far", "indented too little", "quote closed lines later",
        "unclosed single quote", "list entry without a dash", "mapping line in a list"])
def test_the_usual_yaml_mistakes_get_a_hint_at_their_cause(clinic: Clinic, old: str, new: str,
                                                           expected: tuple[str, int, int, str]) -> None:
    """Each usual cause of a YAML syntax error is reported where the clinician has to act (the value's colon,
    the opening quote, the line without `- `), in plain words, with either of ruamel's parsers."""
    diagnostics = diagnostics_of(clinic({"plan.md": edited_plan((old, new))}))
    assert [(d.code, d.line, d.col, d.message) for d in diagnostics] == [expected]


def test_an_unclosed_flow_list_is_tx005(check_plan: CheckPlan) -> None:
    found = check_plan(edited_plan(("      for: [O1]\n  frequency:", "      for: [O1\n  frequency:")))
    assert [code for code, _, _ in found] == ["TX005"]


def test_a_mapping_as_a_key_is_tx005(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("  name: Test Client", "  ? {a: b}\n  : Test Client"))) == [("TX005", 4, 5)]


def test_a_duplicate_key_is_tx006_at_the_second_key(check_plan: CheckPlan) -> None:
    text = edited_plan(("  name: Test Client\n", "  name: Test Client\n  name: Other Name\n"))
    assert check_plan(text) == [("TX006", 5, 3)]


def test_a_duplicate_element_under_interventions_is_tx006(check_plan: CheckPlan) -> None:
    text = edited_plan(("  skills:\n", "  homework:\n    - text: Read the handout.\n      for: [O1]\n  skills:\n"))
    assert check_plan(text) == [("TX006", 53, 3)]


def test_an_anchor_and_its_alias_are_each_tx007(check_plan: CheckPlan) -> None:
    text = edited_plan(
        ("      for: [O1]\n  frequency:", "      for: &all [O1]\n  frequency:"),  # line 40
        ("    - use: thought-record\n      for: [O1]", "    - use: thought-record\n      for: *all"),  # line 49
    )
    assert check_plan(text) == [("TX007", 40, 12), ("TX007", 49, 12)]


@pytest.mark.parametrize("tag", ["!!str", "!!python/object/apply:os.system", "!custom"])
def test_an_explicit_tag_is_tx008(check_plan: CheckPlan, tag: str) -> None:
    assert check_plan(edited_plan(("  name: Test Client", f"  name: {tag} Test Client"))) == [("TX008", 4, 9)]


def test_a_tag_on_a_collection_is_tx008(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("  strengths:\n", "  strengths: !!seq\n"))) == [("TX008", 6, 14)]


def test_a_tab_used_for_indentation_is_tx009(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("  name: Test Client", "\tname: Test Client"))) == [("TX009", 4, 1)]


@pytest.mark.parametrize(("front", "pos"), [("- a list\n- of items\n", (2, 1)), ("just words\n", (2, 1)), ("", (1, 1))],
                         ids=["list", "scalar", "empty"])
def test_front_matter_that_is_not_a_mapping_is_tx010(check_plan: CheckPlan, front: str, pos: tuple[int, int]) -> None:
    assert check_plan(f"---\n{front}---\n# Body\n") == [("TX010", *pos)]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\u202e", "\u202a", "\u2066", "\u2069"])
def test_a_control_character_is_tx011_where_it_sits(check_plan: CheckPlan, char: str) -> None:
    assert check_plan(edited_plan(("Test Client", f"Test{char}Client"))) == [("TX011", 4, 13)]


def test_a_control_character_in_the_narrative_is_also_tx011(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("Short narrative.", "Short\x00narrative."))) == [("TX011", 72, 6)]


@pytest.mark.parametrize("char", ["\u202e", "\u2067"])
def test_a_bidi_override_in_the_narrative_is_allowed(check_plan: CheckPlan, char: str) -> None:
    """Each narrative paragraph is displayed on its own, so an override there reorders only that sentence."""
    assert check_plan(edited_plan(("Short narrative.", f"Short {char}narrative."))) == []


def test_an_isolate_closed_on_its_line_is_allowed_in_a_name(check_plan: CheckPlan) -> None:
    """Names copied from messaging apps come wrapped in isolates (FSI ... PDI), which keep their direction to
    themselves; only an isolate left open (or a close with nothing open) could spill into the chart's words."""
    assert check_plan(edited_plan(("Test Client", "Test \u2068\u0623\u0645\u0644\u2069 Client"))) == []
    assert check_plan(edited_plan(("Test Client", "\u2067Test\u2068 Cl\u2069ient\u2069"))) == []


def test_right_to_left_marks_are_allowed_in_a_name(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("Test Client", "Test \u05d3\u05e0\u05d4\u200f\u200e"))) == []


def test_windows_line_endings_are_accepted(check_plan: CheckPlan) -> None:
    assert check_plan(VALID_PLAN.replace("\n", "\r\n").encode("utf-8")) == []


def test_nesting_deeper_than_the_limit_is_tx012_at_the_first_level_too_deep(check_plan: CheckPlan) -> None:
    # `    - ` puts the first `[` at column 7 of line 7; the list sits at depth 3 (front matter, client,
    # strengths), so the bracket that opens level MAX_DEPTH + 1 is the (MAX_DEPTH - 2)th.
    deep = "[" * (MAX_DEPTH + 8) + "]" * (MAX_DEPTH + 8)
    text = edited_plan(("    - Keeps appointments", f"    - {deep}"))
    assert check_plan(text) == [("TX012", 7, 7 + MAX_DEPTH - 3)]


def test_nesting_at_the_limit_is_not_tx012(check_plan: CheckPlan) -> None:
    shallow = "[" * (MAX_DEPTH - 3) + "x" + "]" * (MAX_DEPTH - 3)
    found = check_plan(edited_plan(("    - Keeps appointments", f"    - {shallow}")))
    assert "TX012" not in [code for code, _, _ in found]


def test_every_refused_anchor_alias_and_tag_in_a_file_is_reported(check_plan: CheckPlan) -> None:
    text = edited_plan(("  name: Test Client", "  name: !!str Test Client"),
                       ("  - code: F32.1", "  - code: &c F32.1"))
    assert check_plan(text) == [("TX008", 4, 9), ("TX007", 15, 11)]


def test_each_broken_file_is_reported_in_one_run(clinic: Clinic) -> None:
    root = clinic({"a.md": "no front matter\n", "b.md": "---\nclient: x\n", "c.md": VALID_PLAN})
    assert [(d.path, d.code, d.line, d.col) for d in diagnostics_of(root)] == [
        ("plans/a.md", "TX003", 1, 1), ("plans/b.md", "TX004", 1, 1)]
