"""Rendering templates: plain bodies are filled in without compiling, exactly as Jinja would print them.

A plain body (text, ``{{ name }}`` and ``{{ client.first_name }}``) skips Jinja's compiler; anything
else, and any plain body missing a value, goes through the compiled, budgeted path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from txplan.templates import MAX_OUTPUT_CHARS, RenderError, Template, example_context, load_library, load_template

HEADER = "---\nid: t\ntitle: T\nelement: skills\nmodalities: [CBT]\nsummary: S\nparams:\n" \
         "  focus: {description: what, required: true}\n  when: {description: when, default: daily}\n---\n"


def template_of(tmp_path: Path, body: str) -> Template:
    path = tmp_path / "t.md"
    path.write_text(HEADER + body, encoding="utf-8")
    template, diagnostics = load_template(path, "templates/interventions/t.md")
    assert template is not None and diagnostics == []
    return template


def compiled_text(template: Template, params: dict[str, Any]) -> str:
    """What the compiled body gives for the same values: the reference the plain path must match."""
    values = {n: p.default for n, p in template.meta.params.items() if p.default is not None} | params
    return template.compiled.render({**values, **example_context()})


def test_every_plain_template_of_the_example_library_renders_as_jinja_does() -> None:
    library = load_library(REPO)
    plain = [t for t in library.templates.values() if t.pieces is not None]
    assert len(plain) > len(library.templates) / 2  # most of a library is plain
    for template in plain:
        params = {name: f"[{name}]" for name in template.missing_params({})}
        assert template.render(params, example_context()) == compiled_text(template, params), template.id


@pytest.mark.parametrize("body", [
    "{{ client.first_name }} will practise {{ focus }} {{ when }}.\n\nWith {{ clinician.name }}.\n",
    "{{- focus -}}   \n  {{ when }}{# a note for authors #}",
    "{% raw %}{{ focus }}{% endraw %} and {{ focus }}",
    "Only text, no names at all.\n",
])
def test_plain_bodies_match_jinja(tmp_path: Path, body: str) -> None:
    template = template_of(tmp_path, body)
    assert template.pieces is not None
    for params in ({"focus": "sleep"}, {"focus": 3}, {"focus": 2.5, "when": True}, {"focus": "{{ when }}"}):
        assert template.render(params, example_context()) == compiled_text(template, params)


@pytest.mark.parametrize("body", [
    "{{ focus | upper }}",
    "{% if focus %}{{ focus }}{% endif %}",
    "{{ 'text' }}",
    "{{ client['first_name'] }}",
])
def test_bodies_with_logic_are_compiled(tmp_path: Path, body: str) -> None:
    template = template_of(tmp_path, body)
    assert template.pieces is None
    assert template.render({"focus": "sleep"}, example_context()) == compiled_text(template, {"focus": "sleep"})


def test_a_missing_value_fails_as_the_compiled_body_does(tmp_path: Path) -> None:
    template = template_of(tmp_path, "Practise {{ focus }}.")
    with pytest.raises(RenderError, match=r"undefined name, attribute or item \(UndefinedError\)"):
        template.render({}, example_context())


def test_a_list_value_is_printed_by_jinja(tmp_path: Path) -> None:
    template = template_of(tmp_path, "Practise {{ focus }}.")
    assert template.render({"focus": ["a", "b"]}, example_context()) == "Practise ['a', 'b']."


def test_plain_output_is_bounded_as_it_grows(tmp_path: Path) -> None:
    template = template_of(tmp_path, "{{ focus }}" * 20)
    with pytest.raises(RenderError, match="output longer than"):
        template.render({"focus": "x" * (MAX_OUTPUT_CHARS // 10)}, example_context())


def test_an_integer_too_long_to_print_is_a_render_error(tmp_path: Path) -> None:
    template = template_of(tmp_path, "Practise {{ focus }}.")
    with pytest.raises(RenderError):
        template.render({"focus": 10 ** 5000}, example_context())  # Python refuses to print it in decimal
