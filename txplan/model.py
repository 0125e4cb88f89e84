"""The plan model: the shape of a plan's front matter, as pydantic v2 models.

Models are strict (text is not silently turned into numbers, nor numbers into
text) and forbid unknown keys, so typos surface as errors. Rules that relate
one field to another (dates, links, elements required by the plan's facts)
live in ``rules``; this module only knows shapes.

Validation errors raised here with a ``TX...`` type carry their diagnostic code
straight through to the checker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .elements import ITEM_ELEMENTS

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
Text = Annotated[str, Field(min_length=1)]
Date = Annotated[date, Field(strict=False)]
Score = int | float


def _number_as_text(value: Any) -> Any:
    """Phone numbers such as ``988`` are written bare in YAML; read them as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Phone = Annotated[str, BeforeValidator(_number_as_text), Field(min_length=1)]

EVERY_PATTERN = re.compile(r"^(?:(session|week|month)|([1-9][0-9]*) (sessions?|weeks?|months?))$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Client(Strict):
    id: Id
    name: Text
    dob: Date
    pronouns: str | None = None
    strengths: list[Text] = Field(min_length=1)
    preferences: list[Text] = []

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


class Clinician(Strict):
    name: Text
    supervisor: str | None = None


class Dates(Strict):
    effective: Date
    review: Date


class Diagnosis(Strict):
    code: Text
    description: Text


class Risk(Strict):
    level: Literal["none", "low", "moderate", "high"]
    summary: Text


class Objective(Strict):
    id: Id
    statement: Text
    measure: Text
    target_date: Date


class Goal(Strict):
    id: Id
    statement: Text
    interpersonal: bool = False
    objectives: list[Objective] = Field(min_length=1)


class Problem(Strict):
    id: Id
    statement: Text
    evidenced_by: list[Text] = Field(min_length=1)
    goals: list[Goal] = Field(min_length=1)


class Approach(Strict):
    modality: Text
    rationale: Text


class Usable(Strict):
    """Something written either as a template use (``use`` + ``with``) or as ``text``."""

    use: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    text: str | None = None

    @field_validator("with_")
    @classmethod
    def _params_are_scalars(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, param in value.items():
            if isinstance(param, dict | list) or param is None:
                raise PydanticCustomError(
                    "TX103", "parameter `{name}` must be text or a number", {"name": name})
        return value

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Usable:
        if (self.use is None) == (self.text is None):
            raise PydanticCustomError("TX109", "give exactly one of `use` or `text`")
        if self.text is not None and self.with_:
            raise PydanticCustomError("TX109", "`with` goes only with `use`")
        return self


class Item(Usable):
    for_: list[Id] = Field(alias="for", min_length=1)
    by: str | None = None


class Frequency(Strict):
    schedule: Literal["weekly", "twice-weekly", "biweekly", "monthly"]
    minutes: int = Field(ge=15, le=240)
    weeks: int = Field(ge=1, le=104)
    format: Literal["individual", "group", "family", "couples"]
    setting: Literal["in-person", "telehealth", "hybrid"]


class Contact(Strict):
    name: Text
    phone: Phone | None = None


class Crisis(Strict):
    """The Stanley-Brown parts default to empty so a missing part is a TX210, not a TX101."""

    warning_signs: list[Text] = []
    coping_strategies: list[Text] = []
    social_distractions: list[Text] = []
    support_contacts: list[Contact] = []
    professional_contacts: list[Contact] = []
    means_safety: list[Text] = []
    reasons_for_living: list[Text] = []


class ScoreEntry(Strict):
    date: Date
    score: Score


class Measure(Strict):
    instrument: Text
    range: list[Score] | None = Field(None, min_length=2, max_length=2)
    better: Literal["lower", "higher"] | None = None
    baseline: Score
    target: Score
    every: str
    scores: list[ScoreEntry] = []

    @field_validator("every")
    @classmethod
    def _every_shape(cls, value: str) -> str:
        if not EVERY_PATTERN.match(value):
            raise PydanticCustomError(
                "TX108", "`every` reads like `session`, `2 weeks` or `month`")
        return value

    @field_validator("range")
    @classmethod
    def _range_ordered(cls, value: list[Score] | None) -> list[Score] | None:
        if value is not None and value[0] >= value[1]:
            raise PydanticCustomError("TX108", "`range` is `[lowest, highest]`")
        return value


class Feedback(Usable):
    pass


class Evaluation(Strict):
    measures: list[Measure] = Field(min_length=1)
    feedback: list[Feedback] = Field(min_length=1)


class Interventions(Strict):
    approaches: list[Approach] | None = Field(None, min_length=1)
    techniques: list[Item] | None = Field(None, min_length=1)
    frequency: Frequency | None = None
    homework: list[Item] | None = Field(None, min_length=1)
    psychoeducation: list[Item] | None = Field(None, min_length=1)
    skills: list[Item] | None = Field(None, min_length=1)
    emotional_processing: list[Item] | None = Field(None, min_length=1)
    relationships: list[Item] | None = Field(None, min_length=1)
    crisis: Crisis | None = None
    evaluation: Evaluation | None = None

    def items(self, key: str) -> list[Item]:
        """The intervention items of an element written as a list of items."""
        value = getattr(self, key)
        return list(value) if isinstance(value, list) and key != "approaches" else []


class Plan(Strict):
    client: Client
    clinician: Clinician
    status: Literal["draft", "active", "closed"] = "active"
    dates: Dates
    participation: Text
    diagnoses: list[Diagnosis] = Field(min_length=1)
    risk: Risk
    problems: list[Problem] = Field(min_length=1)
    interventions: Interventions
    discharge: list[Text] = Field(min_length=1)

    def objectives(self) -> list[Objective]:
        return [o for p in self.problems for g in p.goals for o in g.objectives]

    def has_interpersonal_goal(self) -> bool:
        return any(g.interpersonal for p in self.problems for g in p.goals)

    def usables(self) -> Iterator[tuple[tuple[str | int, ...], Usable]]:
        """Every template-or-text entry with its path: intervention items, then feedback."""
        for key in ITEM_ELEMENTS:
            for index, item in enumerate(self.interventions.items(key)):
                yield ("interventions", key, index), item
        if self.interventions.evaluation is not None:
            for index, entry in enumerate(self.interventions.evaluation.feedback):
                yield ("interventions", "evaluation", "feedback", index), entry
