"""Fuzz the checker: mutated plans and templates end in diagnostics or a valid result, never an exception;
and what the checker accepts, every output builds.

Mutations: delete, duplicate and swap lines (which deletes and duplicates
keys), retype values, re-key and re-indent lines, insert odd Unicode (no
surrogates), raw bytes or Jinja fragments, and cut the file at a random byte.

Output fuzzing rewrites the plan's text values (as double-quoted YAML, so escapes such as ``\\u0000``
are in play) and its narrative: every plan that still checks clean must give a chart (DOCX) and a FHIR
bundle, and every template that checks clean must give its site pages.

CI runs a modest number of examples. For a long session outside CI:

    TXPLAN_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -q -p no:cacheprovider
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from txplan.chart import build_chart
from txplan.check import check_project
from txplan.diagnostics import CODES, Diagnostic
from txplan.export.fhir import bundle_json, plan_bundle
from txplan.phi import scan_identifiers
from txplan.policy import Policy
from txplan.render.docx import DocxRenderer, graphs_in
from txplan.render.html import html_page
from txplan.resources import example_plan as example_plan_text
from txplan.site.pages import generate_site
from txplan.templates import RenderError, example_context, load_library, load_template

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
EXAMPLES = int(os.environ.get("TXPLAN_FUZZ_EXAMPLES", "150"))
USED_TEMPLATES = ("behavioral-activation", "thought-record", "problem-solving", "assertive-communication",
                  "safety-plan-review")
FUZZED_TEMPLATE = "thought-record"

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)

RETYPES = (
    "[]", "{}", "[a, b]", "{a: 1}", "12", "-1", "0", "1e999", ".nan", "-.inf", "true", "null", "~", '""', "' '",
    '"{{ 7*7 }}"', "2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01", "&a x", "*a", "!!str x",
    "!!python/object/apply:os.system ['true']", "|\n  block text", ">-\n  folded", "'quoted: yes'", "9" * 5000,
    "[[[[[[[[]]]]]]]]", "{a: {b: {c: [1, {d: e}]}}}", "x\ty", "- item", "? complex", "<script>alert(1)</script>",
    "123-45-6789", "O1", "[O1, O1, O9]", "P1", "-0x1F", "0o17", "1_000", "+.5", "'", '"', "{", "[", "}", "]",
)
KEYS = ("id", "name", "use", "with", "for", "text", "homwork", "client", "objectives", "goals", "scores", "range",
        "better", "every", "status", "__class__", "Jordan Rivera", "1", "true", "null", "<<", "? ")
JINJA = (
    "{{", "}}", "{%", "%}", "{#", "#}", "{{ focus }}", "{{ frequency }}", "{% for x in focus %}", "{% endfor %}",
    "{% if focus %}", "{% endif %}", "{{ client.first_name }}", "{{ client.__class__ }}", "{{ focus|upper }}",
    "{{ 'a' * 10**9 }}", "{{ frequency * 100000 }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% raw %}", "{% endraw %}", "{{ range(10) }}", "{% set x = focus ~ focus %}{{ x }}", "{{ 1/0 }}",
    "{{ focus.format(focus) }}", "{{ '%s' % focus }}", "{{ focus[0] }}", "{{ clinician['name'] }}",
    "{% include 'x' %}", "{{ self }}", "{{ loop.index }}", "{{ focus|join(', ') }}", "{{ (focus ~ 'x')|wordwrap(2) }}",
    "{% filter upper %}", "{% endfilter %}", "{{ caller() }}", "{{ focus|int + 1 }}", "{{ focus|attr('x') }}",
)


@dataclass(frozen=True)
class Mutation:
    kind: str
    a: int
    b: int
    payload: str


unicode_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),  # surrogates cannot be encoded as UTF-8
    min_size=1, max_size=12,
)
payloads = st.one_of(unicode_text, st.sampled_from(RETYPES), st.sampled_from(KEYS), st.sampled_from(JINJA),
                     st.sampled_from(("\x00", "\x1b", "\x85", "\u2028", "\ufeff", "\ufffe", "\t", "\r", "\r\n", "---",
                                      "\u202e", "\U0001f600", "e\u0301", "\u00a0", "#", ": ", "- ")))
mutations = st.builds(
    Mutation,
    kind=st.sampled_from(("delete", "duplicate", "swap", "retype", "rekey", "indent", "insert", "insert_line",
                          "cut", "bytes")),
    a=st.integers(min_value=0, max_value=10_000),
    b=st.integers(min_value=0, max_value=10_000),
    payload=payloads,
)


def mutate(text: str, steps: list[Mutation]) -> bytes:
    """Apply the mutations in order; byte-level ones (cut, bytes) produce arbitrary bytes."""
    raw: bytes | None = None
    for step in steps:
        if raw is not None:  # after a byte-level step, stay at byte level
            raw = _mutate_bytes(raw, step)
            continue
        if step.kind in ("cut", "bytes"):
            raw = _mutate_bytes(text.encode("utf-8"), step)
            continue
        text = _mutate_text(text, step)
    return raw if raw is not None else text.encode("utf-8")


def _mutate_bytes(raw: bytes, step: Mutation) -> bytes:
    at = step.a % (len(raw) + 1)
    if step.kind == "cut":
        return raw[:at]
    blob = bytes([step.b % 256, (step.b // 256) % 256])[: 1 + step.b % 2]
    return raw[:at] + blob + raw[at:]


def _mutate_text(text: str, step: Mutation) -> str:
    lines = text.split("\n")
    i, j = step.a % len(lines), step.b % len(lines)
    line = lines[i]
    if step.kind == "delete":
        del lines[i]
    elif step.kind == "duplicate":
        lines.insert(i, line)
    elif step.kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif step.kind == "retype" and ":" in line:
        key, _, _ = line.partition(":")
        lines[i] = f"{key}: {step.payload}"
    elif step.kind == "rekey" and ":" in line:
        key, _, value = line.partition(":")
        indent = key[: len(key) - len(key.lstrip(" -"))]
        lines[i] = f"{indent}{step.payload}:{value}"
    elif step.kind == "indent":
        stripped = line.lstrip(" ")
        lines[i] = " " * (step.b % 9) + stripped
    elif step.kind == "insert":
        at = step.b % (len(line) + 1)
        lines[i] = line[:at] + step.payload + line[at:]
    else:  # insert_line, or a retype/rekey on a line without a key
        lines.insert(i, step.payload)
    return "\n".join(lines)


def assert_sane(diagnostics: list[Diagnostic], raw: bytes) -> None:
    """Every diagnostic has a known code and a position inside the file."""
    lines = raw.count(b"\n") + raw.count(b"\r") + 1
    for diagnostic in diagnostics:
        assert diagnostic.code in CODES
        assert 1 <= diagnostic.line <= lines + 1, diagnostic.format()
        assert diagnostic.col >= 1, diagnostic.format()
        assert "\n" not in diagnostic.message


@pytest.fixture(scope="module")
def fuzz_clinic() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="txplan-fuzz-"))
    (root / "plans").mkdir()
    folder = root / "templates" / "interventions"
    folder.mkdir(parents=True)
    for template_id in USED_TEMPLATES:
        shutil.copy(REPO / "templates" / "interventions" / f"{template_id}.md", folder)
    shutil.copy(REPO / "pyproject.toml", root)
    yield root
    shutil.rmtree(root, ignore_errors=True)


EXAMPLE_PLAN = example_plan_text()
TEMPLATE_TEXT = (REPO / "templates" / "interventions" / f"{FUZZED_TEMPLATE}.md").read_text(encoding="utf-8")


def example_plan() -> str:
    return EXAMPLE_PLAN


def template_text() -> str:
    return TEMPLATE_TEXT


def test_the_unmutated_inputs_are_valid(fuzz_clinic: Path) -> None:
    (fuzz_clinic / "plans" / "fuzz.md").write_text(example_plan(), encoding="utf-8")
    result = check_project(fuzz_clinic, today=TODAY)
    assert not result.has_errors, [d.format() for d in result.diagnostics]


@FUZZ_SETTINGS
@given(steps=st.lists(mutations, min_size=1, max_size=6))
def test_mutated_plans_end_in_diagnostics_or_a_valid_result(fuzz_clinic: Path, steps: list[Mutation]) -> None:
    raw = mutate(example_plan(), steps)
    (fuzz_clinic / "plans" / "fuzz.md").write_bytes(raw)
    result = check_project(fuzz_clinic, today=TODAY)
    assert_sane([d for d in result.diagnostics if d.path == "plans/fuzz.md"], raw)
    checked = result.plans[0]
    if checked.document is not None:
        assert_sane(scan_identifiers(checked.document.text, checked.path), raw)
    if checked.ok:
        assert checked.plan is not None and checked.rendered
    else:
        assert checked.diagnostics


@FUZZ_SETTINGS
@given(steps=st.lists(mutations, min_size=1, max_size=6))
def test_mutated_templates_end_in_diagnostics_or_a_valid_result(fuzz_clinic: Path, steps: list[Mutation]) -> None:
    raw = mutate(template_text(), steps)
    target = fuzz_clinic / "templates" / "interventions" / f"{FUZZED_TEMPLATE}.md"
    (fuzz_clinic / "plans" / "fuzz.md").write_text(example_plan(), encoding="utf-8")
    try:
        target.write_bytes(raw)
        display = f"templates/interventions/{FUZZED_TEMPLATE}.md"
        template, diagnostics = load_template(target, display)
        assert_sane(diagnostics, raw)
        if template is not None:
            for params in ({}, {"frequency": "{{ 7*7 }}", "focus": "x" * 1000}, {"frequency": 3, "focus": True}):
                try:
                    assert isinstance(template.render(params, example_context()), str)
                except RenderError as exc:
                    assert str(exc)
        result = check_project(fuzz_clinic, today=TODAY)
        assert_sane([d for d in result.diagnostics if d.path == display], raw)
    finally:
        target.write_text(TEMPLATE_TEXT, encoding="utf-8")


# -- what checks clean, builds ---------------------------------------------------------------------------

PLAN_TEXT_KEYS = ("name", "pronouns", "supervisor", "statement", "measure", "description", "summary", "rationale",
                  "instrument", "text", "phone", "by")
TEMPLATE_TEXT_KEYS = ("title", "summary", "description", "default")
ODD_VALUES = (
    "$\\frac{$", "$x^2$ and $", "x" * 300, "=HYPERLINK(\"http://x\")", "]]><w:t>&amp;", "\u202eevil", "{{ 7*7 }}",
    "\x00", "\x1b[31m", "\ufffe", "\x85", "\t tab", "line\nbreak", "\\", "'\"", "  double  spaces  ", "\U0001f600",
    "e\u0301", "\u2028", "*", "# heading", "- item", "[link](javascript:alert(1))", "<script>x</script>",
)
odd_values = st.sampled_from(ODD_VALUES)
text_values = st.one_of(odd_values, st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300),
                        odd_values, st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=300))
OUTPUT_PLAN = EXAMPLE_PLAN.replace(  # a custom instrument with a score, so that a progress graph is drawn with its name
    "        every: month\n", "        every: month\n        scores:\n          - { date: 2026-11-20, score: 12 }\n", 1)


Edit = tuple[int, str]
edits = st.lists(st.tuples(st.integers(min_value=-1, max_value=100), text_values), min_size=1, max_size=3)


def rewrite_values(text: str, changes: list[Edit], keys: tuple[str, ...]) -> str:
    """Each change replaces one text value (chosen among the lines holding one of ``keys``) with the given
    text, written as a double-quoted YAML scalar; index -1 appends it to the Markdown body instead."""
    lines = text.split("\n")
    targets = [i for i, line in enumerate(lines) if line.lstrip(" -").split(":", 1)[0] in keys]
    for index, value in changes:
        if index < 0:
            lines.append(value)
            continue
        i = targets[index % len(targets)]
        key, _, _ = lines[i].partition(":")
        lines[i] = f"{key}: {json.dumps(value, ensure_ascii=False)}"  # JSON escapes C0 controls, as YAML reads them
    return "\n".join(lines)


FUZZ_POLICY = Policy(clinic="Fuzz Clinic")


@pytest.fixture(scope="module")
def renderer() -> DocxRenderer:
    return DocxRenderer(REPO / "templates" / "chart.docx")


@pytest.fixture(scope="module")
def base_graphs(fuzz_clinic: Path, renderer: DocxRenderer) -> dict[str, bytes]:
    """The base plan's two graphs, drawn once: an example redraws only a graph whose data it changed."""
    (fuzz_clinic / "plans" / "fuzz.md").write_text(OUTPUT_PLAN, encoding="utf-8")
    return graphs_in(renderer.render(build_chart(check_project(fuzz_clinic, today=TODAY).plans[0], FUZZ_POLICY)))


@pytest.fixture(scope="module")
def drawn_svgs() -> dict[str, str]:
    """SVG graphs kept by key across examples, as the live preview keeps them."""
    return {}


def test_the_output_base_plan_is_valid_and_draws_a_graph_of_its_own_instrument(
        fuzz_clinic: Path, base_graphs: dict[str, bytes]) -> None:
    (fuzz_clinic / "plans" / "fuzz.md").write_text(OUTPUT_PLAN, encoding="utf-8")
    checked = check_project(fuzz_clinic, today=TODAY).plans[0]
    assert checked.ok and checked.plan is not None
    assert checked.plan.interventions.evaluation is not None
    assert [m.instrument for m in checked.plan.interventions.evaluation.measures if m.scores] == ["PHQ-9", "PDSS"]
    assert len(base_graphs) == 2


@FUZZ_SETTINGS
@given(changes=edits)
def test_every_plan_that_checks_clean_gives_a_chart_an_html_chart_and_a_fhir_bundle(
        fuzz_clinic: Path, renderer: DocxRenderer, base_graphs: dict[str, bytes], drawn_svgs: dict[str, str],
        changes: list[Edit]) -> None:
    (fuzz_clinic / "plans" / "fuzz.md").write_text(rewrite_values(OUTPUT_PLAN, changes, PLAN_TEXT_KEYS), encoding="utf-8")
    checked = check_project(fuzz_clinic, today=TODAY).plans[0]
    if not checked.ok:
        assert any(d.is_error for d in checked.diagnostics)
        return
    content = build_chart(checked, FUZZ_POLICY)
    Document(BytesIO(renderer.render(content, graphs=base_graphs)))  # python-docx reads back what was written
    assert "<main>" in html_page(content, drawn=drawn_svgs)
    assert json.loads(bundle_json(plan_bundle(checked)))["resourceType"] == "Bundle"


@FUZZ_SETTINGS
@given(changes=edits)
def test_every_library_that_checks_clean_gives_its_site_pages(fuzz_clinic: Path, changes: list[Edit]) -> None:
    target = fuzz_clinic / "templates" / "interventions" / f"{FUZZED_TEMPLATE}.md"
    try:
        target.write_text(rewrite_values(template_text(), changes, TEMPLATE_TEXT_KEYS), encoding="utf-8")
        library = load_library(fuzz_clinic)
        if not library.diagnostics:
            assert generate_site(library).pages
    finally:
        target.write_text(TEMPLATE_TEXT, encoding="utf-8")
