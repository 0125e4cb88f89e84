"""`frequency.format` takes one value or a list (individual sessions with family or couples sessions): each a
format of the list, none twice, at least one. The valid plan's `format: individual` is on line 45, value at
column 13.
"""

from __future__ import annotations

import pytest
from conftest import CheckEdit, edited_plan, position_of

from txplan.model import Frequency

FORMAT = "    format: individual"


def formats(value: str) -> tuple[str, str]:
    return FORMAT, f"    format: {value}"


@pytest.mark.parametrize("value", ["individual", "[individual, family]", "[couples]", "[individual, group, family, couples]"])
def test_one_format_or_a_list_is_accepted(check_edit: CheckEdit, value: str) -> None:
    assert check_edit(formats(value)) == []


def test_the_model_gives_the_formats_as_a_tuple_either_way() -> None:
    common = {"schedule": "weekly", "minutes": 50, "weeks": 12, "setting": "hybrid"}
    assert Frequency.model_validate({**common, "format": "family"}).formats == ("family",)
    assert Frequency.model_validate({**common, "format": ["individual", "family"]}).formats == ("individual", "family")


@pytest.mark.parametrize(("value", "code", "needle"), [
    ("[individual, solo]", "TX105", "solo"),
    ("[individual, individual]", "TX108", "[individual, individual]"),
    ("[]", "TX107", "[]"),
    ("[individual, [family]]", "TX105", "[family]"),
    ("solo", "TX105", "solo"),
], ids=["unknown format in a list", "twice", "empty", "nested", "unknown format"])
def test_a_wrong_format_is_reported_at_its_value(check_edit: CheckEdit, value: str, code: str, needle: str) -> None:
    text = edited_plan(formats(value))
    line, col = position_of(text, f"format: {value}")
    expected_col = col + len("format: ") + value.index(needle) if needle != value else col + len("format: ")
    assert check_edit(formats(value)) == [(code, line, expected_col)]
