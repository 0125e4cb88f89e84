"""Facts are defined once, as data; every model or table that re-lists one is pinned to it here, so that adding a
fact in one place and forgetting the other fails a test instead of silently dropping text from a chart."""

from __future__ import annotations

import typing
from typing import Any

from txplan import cadence, safety
from txplan.cadence import SCHEDULES
from txplan.chart.build import SIGNATURE_ROLES
from txplan.elements import ELEMENTS, ITEM_ELEMENTS, STANLEY_BROWN_STEPS, Shape
from txplan.layout import OUTPUTS, Output
from txplan.model import Crisis, Frequency, Interventions, Item, Risk
from txplan.policy import Policy
from txplan.signatures.records import Role


def literal_values(annotation: Any) -> list[str]:
    """The values of a Literal, found through Optional and other wrappers."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [value for arg in typing.get_args(annotation) for value in literal_values(arg)]


def test_the_interventions_model_has_exactly_the_ten_elements_in_their_order() -> None:
    assert list(Interventions.model_fields) == [element.key for element in ELEMENTS]


def test_every_element_written_as_items_is_a_list_of_items_in_the_model() -> None:
    for element in ELEMENTS:
        annotation = Interventions.model_fields[element.key].annotation
        is_items = list[Item] in typing.get_args(annotation)
        assert is_items == (element.shape is Shape.ITEMS), element.key
    assert tuple(e.key for e in ELEMENTS if e.shape is Shape.ITEMS) == ITEM_ELEMENTS


def test_the_crisis_model_holds_the_six_stanley_brown_steps_in_their_order() -> None:
    fields = list(Crisis.model_fields)
    assert fields[: len(STANLEY_BROWN_STEPS)] == [key for key, _ in STANLEY_BROWN_STEPS]
    assert fields[len(STANLEY_BROWN_STEPS):] == ["reasons_for_living", "items"]  # the form's close, and crisis work


def test_schedules_come_from_the_one_schedule_table() -> None:
    assert literal_values(Frequency.model_fields["schedule"].annotation) == [s.name for s in SCHEDULES]
    assert list(cadence.SCHEDULES_BY_NAME) == [s.name for s in SCHEDULES]


def test_risk_levels_come_from_the_one_risk_table() -> None:
    assert literal_values(Risk.model_fields["level"].annotation) == list(safety.RISK_LEVELS)
    assert literal_values(Policy.model_fields["crisis_required_at"].annotation) == list(safety.RISK_LEVELS)


def test_every_signing_role_has_its_wording_on_the_chart() -> None:
    assert set(SIGNATURE_ROLES) == set(Role)


def test_every_output_has_its_folder_and_name() -> None:
    assert set(OUTPUTS) == set(Output)
    assert len({o.folder for o in OUTPUTS.values()}) == len(OUTPUTS)  # no two outputs share a folder
