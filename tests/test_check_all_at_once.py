"""Every error in one run: a shape error in one section does not hide rule errors in the others."""

from __future__ import annotations

from conftest import CheckEdit

REVIEW = "  review: 2027-01-15"  # line 12, value at column 11
CODE = "  - code: F32.1"  # line 15, value at column 11
HOMEWORK = "  homework:"  # line 47, key at column 3


def test_a_typo_in_interventions_does_not_hide_date_or_diagnosis_errors(check_edit: CheckEdit) -> None:
    found = check_edit((REVIEW, "  review: 2026-10-01"), (CODE, "  - code: F3X"), (HOMEWORK, "  homwork:"))
    assert found == [("TX204", 12, 11), ("TX208", 15, 11), ("TX102", 47, 3)]


def test_rules_that_read_a_broken_section_stay_silent(check_edit: CheckEdit) -> None:
    # `problems` is broken (an objective without its measure), so links, ids and wording are not judged there,
    # while the diagnosis rule, which reads only `diagnoses`, still runs
    found = check_edit(("            measure: Weekly activity log\n", ""), (CODE, "  - code: F3X"))
    assert found == [("TX208", 15, 11), ("TX101", 29, 13)]
