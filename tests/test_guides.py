"""The plan format reference and the template guide: every key in words, shown on the site and in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures.site.helpers import REPO, built, page, plain, site_clinic, text_of

from txplan.cli import build_parser
from txplan.fields import NOTES, POLICY_NOTES, TEMPLATE_NOTES, field_model, written_fields
from txplan.guides import NOWRAP, plan_format_page, template_guide_page
from txplan.model import Plan
from txplan.policy import Policy
from txplan.templates import MAX_OUTPUT_CHARS, MAX_STEPS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(site_clinic(tmp_path_factory.mktemp("guides")))


@pytest.mark.parametrize("model", [*NOTES, *TEMPLATE_NOTES], ids=lambda m: m.__name__)
def test_every_key_of_every_model_has_words_and_nothing_else_does(model: type) -> None:
    notes = {**NOTES, **TEMPLATE_NOTES}[model]
    assert set(notes) == {key for key, _ in written_fields(model)}


def test_every_model_a_plan_holds_has_words_and_so_does_every_policy_key() -> None:
    reached, pending = set(), [Plan]
    while pending:
        model = pending.pop()
        reached.add(model)
        pending += [inner for _, info in written_fields(model) if (inner := field_model(info)) and inner not in reached]
    assert reached == set(NOTES)
    assert set(Policy.model_fields) <= set(POLICY_NOTES)


def test_the_reference_has_a_row_for_every_key_of_every_model() -> None:
    text = plan_format_page()
    for model, notes in NOTES.items():
        for key, note in notes.items():
            if model.__name__ != "Interventions":
                assert f'| <code style="{NOWRAP}">{key}</code> |' in text and note.text in text, (model.__name__, key)


def test_the_reference_lists_the_policy_with_its_defaults() -> None:
    text = plan_format_page()
    assert '| `review_interval_days` | `90` |' in text
    assert '| `crisis_lines` | `[{ name = "988 Suicide & Crisis Lifeline", phone = "988" }]` |' in text


def test_the_template_guide_states_the_sandbox_limits_from_the_code() -> None:
    text = template_guide_page()
    assert f"{MAX_STEPS:,} steps" in text and f"{MAX_OUTPUT_CHARS:,} characters" in text
    assert "- `client.first_name`:" in text and "- `clinician.name`:" in text


@pytest.mark.parametrize(("path", "title", "words"), [
    ("plan-format", "Plan format", "### `problems[].goals[].objectives[]`"),
    ("templates", "Writing templates", "## The sandbox"),
])
def test_both_guides_are_pages_of_the_site(site: Path, path: str, title: str, words: str) -> None:
    html = page(site, path)
    assert f"<title>{title} - " in html
    assert plain(words.lstrip("# ").replace("`", "")) in text_of(html)
    assert f'href="../{path}/"' in page(site, "") or f'href="{path}/"' in page(site, "")


def test_the_guides_link_only_to_pages_that_exist_on_the_site_and_in_docs() -> None:
    for text in (plan_format_page(), template_guide_page()):
        links = set(re.findall(r"\]\(([^)#]+)", text))
        assert links <= {"diagnostics.md", "templates.md", "plan-format.md"}, links
        assert all((REPO / "docs" / link).is_file() for link in links)


def test_every_command_is_in_the_readme_commands_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert re.search(rf"^\| `(python build\.py|txplan) {name}\b", table, re.MULTILINE), name
