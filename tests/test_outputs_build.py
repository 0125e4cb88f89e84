"""What `check` accepts, every output builds (issue 11, section 5).

Each case was seen passing `check` and then crashing `docx` with a traceback (state not saved, the site
never built, the same crash on every run). Now either the checker refuses the value at its position, or
the output renders it safely. The property tests in test_fuzz.py search for more such values.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import (
    FIXTURE_TEMPLATES,
    REPO,
    TEMPLATE,
    VALID_PLAN,
    CheckPlan,
    edit,
    edited_plan,
    edited_template,
    make_clinic,
    position_of,
)
from docx_helpers import open_chart

from txplan.render.docx import ChartReferenceError, DocxRenderer

CUSTOM_MEASURE = ("        every: 2 weeks\n",
                  "        every: 2 weeks\n"
                  "      - instrument: {name}\n"
                  "        range: [0, 28]\n"
                  "        baseline: 16\n"
                  "        target: 7\n"
                  "        every: month\n"
                  "        scores:\n"
                  "          - {{ date: 2026-11-20, score: 12 }}\n")


def custom_instrument(name: str) -> tuple[str, str]:
    return CUSTOM_MEASURE[0], CUSTOM_MEASURE[1].format(name=name)


def clinic_with(root: Path, plans: dict[str, str], **options: object) -> Path:
    make_clinic(root, plans, library=FIXTURE_TEMPLATES, **options)  # type: ignore[arg-type]
    shutil.copyfile(REPO / "build.py", root / "build.py")
    return root


def run(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "build.py", *arguments], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


# -- limits of the outputs: rendered safely ------------------------------------------------------------


def test_a_clinician_name_over_255_characters_builds_and_stays_out_of_the_metadata(tmp_path: Path) -> None:
    """python-docx refuses core properties over 255 characters; the chart's metadata holds no plan value."""
    name = "Avery Example, LCSW, " + "Licensed Clinical Social Worker " * 10
    root = clinic_with(tmp_path / "clinic", {"plan.md": edited_plan(("name: Test Clinician, LCSW", f"name: {name}"))})
    assert run(root, "check").returncode == 0
    assert run(root, "docx").returncode == 0
    assert run(root, "fhir").returncode == 0
    chart = root / "build" / "docx" / "plan.docx"
    with zipfile.ZipFile(chart) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "Avery" not in core and "T-0001" not in core and "2026" not in core
    assert open_chart(chart).core_properties.author == ""


@pytest.mark.parametrize("name", ["PDSS $\\frac{$", "A $^$ B", "cost $5 and $6", "$x^2$"])
def test_a_custom_instrument_name_with_dollar_signs_is_drawn_as_text(tmp_path: Path, name: str) -> None:
    """Matplotlib would parse `$...$` as TeX: a parse error crashed the build, and valid TeX was drawn as math."""
    root = clinic_with(tmp_path / "clinic", {"plan.md": edited_plan(custom_instrument(json.dumps(name)))})
    assert run(root, "docx").returncode == 0
    with zipfile.ZipFile(root / "build" / "docx" / "plan.docx") as archive:
        assert len([n for n in archive.namelist() if n.startswith("word/media/")]) == 1  # the custom graph


# -- limits of the outputs: refused by the checker at the value ----------------------------------------


@pytest.mark.parametrize("escape", ["\\0", "\\x00", "\\x1b", "\\uFFFE", "\\uffff", "\\x85", "\\N", "\\x7f", "\\a"])
@pytest.mark.parametrize("field", ["client", "clinician", "instrument"])
def test_yaml_escapes_that_make_control_characters_are_refused_at_the_value(
        check_plan: CheckPlan, escape: str, field: str) -> None:
    value = f'"Name{escape}x"'
    replacement = {"client": ("name: Test Client", f"name: {value}"),
                   "clinician": ("name: Test Clinician, LCSW", f"name: {value}"),
                   "instrument": custom_instrument(value)}[field]
    text = edited_plan(replacement)
    assert check_plan(text) == [("TX011", *position_of(text, value))]


def test_escapes_of_allowed_characters_still_load(check_plan: CheckPlan) -> None:
    assert check_plan(edited_plan(("name: Test Client", 'name: "Test\\tClient \\u00e9\\u2713"'))) == []


@pytest.mark.parametrize(("old", "new"), [
    ("title: Test template", 'title: "Test\\x1b]0;title\\x07"'),
    ("description: When the client practises", 'description: "When\\0"'),
    ("default: every day", 'default: "every\\uFFFEday"'),
])
def test_yaml_escapes_in_a_template_are_refused_at_the_value(tmp_path: Path, old: str, new: str) -> None:
    text = edited_template((old, new))
    root = clinic_with(tmp_path / "clinic", {}, templates={"zz-test.md": text})
    done = run(root, "check", "--format", "json")
    found = [(d["path"], d["code"], d["line"], d["col"]) for d in json.loads(done.stdout)]
    assert found == [("templates/interventions/zz-test.md", "TX011", *position_of(text, new.split(": ", 1)[1]))]


def test_a_clinic_name_with_a_toml_escape_for_a_control_character_is_refused(tmp_path: Path) -> None:
    root = clinic_with(tmp_path / "clinic", {"plan.md": VALID_PLAN},
                       pyproject='[tool.txplan]\nclinic = "Harbor\\u0000Street"\n')
    done = run(root, "docx")
    assert done.returncode == 1
    assert "pyproject.toml:2:1: error TX501 [tool.txplan] clinic has control character U+0000, which is not " \
           "allowed" in done.stderr


def test_a_toml_syntax_error_is_located_without_quoting_the_file(tmp_path: Path) -> None:
    root = clinic_with(tmp_path / "clinic", {"plan.md": VALID_PLAN},
                       pyproject='[tool.txplan]\nclinic = "Harbor\x1bStreet"\n')
    done = run(root, "check")
    assert "pyproject.toml:2:17: error TX501 pyproject.toml is not valid TOML; the problem is at this position" in done.stderr
    assert "x1b" not in done.stderr and "\x1b" not in done.stderr


# -- what a template renders must fit every output ----------------------------------------------------

SURROGATE_BODY = '{{ "\\ud800" }}'
PLAN_SURROGATE_BODY = '{% if focus == "sleep" %}{{ "\\ud800" }}{% endif %}{{ focus }}'


@pytest.mark.parametrize("body", [SURROGATE_BODY, '{{ "a\\x00b" }}', "{{ '\\x1b' ~ focus }}"])
def test_a_template_that_renders_a_character_no_output_can_hold_fails_the_check(tmp_path: Path, body: str) -> None:
    text = edit(TEMPLATE, ("{{ client.first_name }} will practise", body + " {{ client.first_name }} will practise"))
    root = clinic_with(tmp_path / "clinic", {"plan.md": VALID_PLAN}, templates={"zz-test.md": text})
    done = run(root, "check", "--format", "json")
    found = [(d["code"], d["line"]) for d in json.loads(done.stdout) if d["path"].endswith("zz-test.md")]
    assert found == [("TX406", position_of(text, body)[0])]
    assert "a character charts cannot hold or that reorders the chart's own text" in done.stdout


def test_a_template_that_renders_a_lone_surrogate_for_a_plans_value_fails_that_plan(tmp_path: Path) -> None:
    """`{{ "\\ud800" }}` once passed the check and crashed both `docx` (XML) and `fhir` (UTF-8)."""
    template = edit(TEMPLATE, ("{{ client.first_name }} will practise {{ focus }}", PLAN_SURROGATE_BODY))
    plan = edited_plan(("  techniques:\n", "  techniques:\n    - use: zz-test\n      with: { focus: sleep }\n"
                                           "      for: [O1]\n"))
    root = clinic_with(tmp_path / "clinic", {"plan.md": plan}, templates={"zz-test.md": template})
    line, col = position_of(plan, "zz-test")
    for command in ("docx", "fhir"):
        done = run(root, command)
        assert done.returncode == 1
        assert f"plans/plan.md:{line}:{col}: error TX223 template `zz-test` failed: the output holds U+D800, a " \
               "character charts cannot hold" in done.stderr
    assert not (root / "build" / "docx" / "plan.docx").exists() and not (root / "build" / "fhir" / "plan.json").exists()


# -- the reference document ------------------------------------------------------------------------------


def test_a_broken_reference_is_named_by_the_kind_of_failure_not_by_what_the_parser_quotes(tmp_path: Path) -> None:
    reference = tmp_path / "chart.docx"
    with zipfile.ZipFile(reference, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><Qv7731mark")
    with pytest.raises(ChartReferenceError) as failure:
        DocxRenderer(reference)
    assert "not a usable Word document" in str(failure.value)
    assert "Qv7731mark" not in str(failure.value)


@pytest.mark.parametrize("command", ["docx", "html", "fhir"])
def test_a_policy_with_errors_makes_no_output_and_keeps_the_earlier_ones(tmp_path: Path, command: str) -> None:
    """A misspelt key once made every chart again with the default header: the clinic's name blank, its own
    confidentiality notice replaced by the generic one."""
    policy = '[tool.txplan]\nclinic = "Harbor Recovery Program"\nconfidentiality_notice = "42 CFR Part 2 protected"\n'
    root = clinic_with(tmp_path / "clinic", {"plan.md": VALID_PLAN}, pyproject=policy)
    assert run(root, command).returncode == 0
    (output,) = (p for p in (root / "build").rglob("plan.*") if p.is_file())
    before = output.read_bytes()
    (root / "pyproject.toml").write_text(policy + "review_interval_day = 120\n", encoding="utf-8")
    done = run(root, command, "--force")
    assert done.returncode == 1
    assert "pyproject.toml:4:1: error TX501 [tool.txplan] unknown key `review_interval_day`" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("built 0 ")
    assert "1 stale" in done.stderr.splitlines()[-1]
    assert output.read_bytes() == before
    (root / "pyproject.toml").write_text(policy, encoding="utf-8")
    assert run(root, command).returncode == 0
    assert output.read_bytes() == before
