"""No input makes the checker slow (issue 11, section 4).

Every pattern that runs on a plan's or a template's text is linear. Each case here is a plan of nearly
the 1 MB limit whose one long line is shaped to make a backtracking pattern try every split: `MRN` and a
megabyte of spaces once took hours (34 s for 40,000 spaces). ``python build.py check`` runs as a user runs
it, with a generous timeout instead of a timed assertion: a quadratic pattern would not finish in it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_TEMPLATES, REPO, VALID_PLAN, edited_plan, make_clinic

from txplan.frontmatter import MAX_FILE_BYTES

TIMEOUT_SECONDS = 60  # each case takes about a second; a quadratic scan of a megabyte takes hours
PRINTF_TEMPLATE = """---
id: printf
title: Printf
element: skills
modalities: [CBT]
summary: Uses a plan's value as a printf format.
params:
  focus:
    description: Anything
    required: true
---
{% if focus != '[focus]' %}{{ focus % {'x': 1} }}{% endif %}
"""
ROOM = MAX_FILE_BYTES - len(VALID_PLAN.encode()) - 200  # what is left for the hostile line


def filled(start: str, unit: str, end: str = "") -> str:
    return start + unit * ((ROOM - len(start) - len(end)) // len(unit)) + end


NARRATIVE = {  # appended to the plan as its narrative: the SSN and MRN scan reads the whole file
    "mrn-spaces": filled("MRN", " "),
    "mrn-colon-spaces": filled("MRN:", " ", "no"),
    "mrn-tabs": filled("x MRN", "\t", "x"),
    "medical-record-spaces": filled("medical", " ", "record"),
    "medical-record-number-spaces": filled("medical record number", " "),
    "mrn-repeated": filled("", "MRN "),
    "digits": filled("", "1"),
    "dashes": filled("", "-"),
    "ssn-prefixes": filled("", "123-45-"),
    "digit-dash": filled("", "12-"),
}
STATEMENT = {  # as an objective's statement: the objective wording rules read it
    "by-spaces": filled("Test will walk by", " ", "x"),
    "may-spaces": filled("Test may walk in May", " ", "x"),
    "feel-spaces": filled("Test will feel", " ", "x"),
    "words": filled("Test will ", "may improve by "),
}


def hostile_plans() -> dict[str, str]:
    plans = {f"narrative-{name}.md": VALID_PLAN + "\n" + line + "\n" for name, line in NARRATIVE.items()}
    plans |= {f"statement-{name}.md": edited_plan(("statement: Test will complete 3 planned activities each week",
                                                   f"statement: {json.dumps(line)}"))
              for name, line in STATEMENT.items()}
    plans["front-matter-marker.md"] = edited_plan(("dates:\n", f"{filled('---', ' ', 'x')}\ndates:\n"))
    for name, unit in (("percent-zeros", "0"), ("percent-keys", "%(")):
        value = filled("%", unit)
        plans[f"printf-{name}.md"] = edited_plan(
            ("  techniques:\n", f"  techniques:\n    - use: printf\n      with: {{ focus: {json.dumps(value)} }}\n"
                                "      for: [O1]\n"))
    return plans


PLANS = hostile_plans()


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_megabyte_line_is_checked_in_linear_time(tmp_path: Path, name: str) -> None:
    text = PLANS[name]
    assert MAX_FILE_BYTES - 1000 < len(text.encode()) <= MAX_FILE_BYTES
    root = make_clinic(tmp_path / "clinic", {name: text}, templates={"printf.md": PRINTF_TEMPLATE},
                       library=FIXTURE_TEMPLATES)
    shutil.copyfile(REPO / "build.py", root / "build.py")
    done = subprocess.run([sys.executable, "build.py", "check", "--format", "json"], cwd=root, capture_output=True,
                          text=True, timeout=TIMEOUT_SECONDS, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1)
    assert isinstance(json.loads(done.stdout), list)
