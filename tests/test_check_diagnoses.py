"""Diagnosis codes (TX208): ICD-10-CM shaped, reported at the code's value."""

from __future__ import annotations

import pytest
from conftest import CheckEdit

CODE = "  - code: F32.1"  # line 15, value at column 11


@pytest.mark.parametrize("code", ['"296.32"', "f32.1", "F3.1", "F321", "F32.", "F32.12345", "'32.1'", "FF2.1", "F32-1", "DSM-5"],
                         ids=["ICD-9 quoted", "lower case", "one digit", "no dot", "bare dot", "five after dot",
                              "no letter", "two letters", "hyphen", "words"])
def test_a_code_without_the_icd10cm_shape_is_tx208(check_edit: CheckEdit, code: str) -> None:
    assert check_edit((CODE, f"  - code: {code}")) == [("TX208", 15, 11)]


@pytest.mark.parametrize("code", ["F32", "F32.1", "F43.10", "F10.10", "Z63.0", "T74.11XA", "G47.00", "F41.A"])
def test_icd10cm_shaped_codes_are_accepted(check_edit: CheckEdit, code: str) -> None:
    assert check_edit((CODE, f"  - code: {code}")) == []


def test_only_the_bad_code_among_several_is_reported(check_edit: CheckEdit) -> None:
    found = check_edit(("    description: Major depressive disorder, single episode, moderate\n",
                        "    description: Major depressive disorder, single episode, moderate\n"
                        "  - code: 300.02\n    description: Generalized anxiety disorder\n"
                        "  - code: F41\n    description: Other anxiety disorders\n"))
    # an unquoted 300.02 is a YAML number, so it is the wrong kind of value before its shape is checked
    assert found == [("TX103", 17, 11)]
    found = check_edit(("    description: Major depressive disorder, single episode, moderate\n",
                        "    description: Major depressive disorder, single episode, moderate\n"
                        "  - code: F41\n    description: Other anxiety disorders\n"
                        "  - code: '300.02'\n    description: Generalized anxiety disorder\n"))
    assert found == [("TX208", 19, 11)]
