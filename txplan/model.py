"""The plan model: the shape of a plan's front matter, as pydantic v2 models.

Models are strict (text is not silently turned into numbers, nor numbers into
text) and forbid unknown keys, so typos surface as errors. Rules that relate
one field to another (dates, links, elements required by the plan's facts)
live in ``rules``; this module only knows shapes.

Validation errors raised here with a ``TX...`` type carry their diagnostic code
straight through to the checker.

Bounds keep hostile input from reaching the rules as values they cannot handle:
dates are ``YYYY-MM-DD`` between 1900 and 2199 (date arithmetic stays in
range), scores are finite and within a billion, text is not blank, and no list
holds more than ``MAX_ENTRIES`` entries (a 10,000-objective plan gets one
diagnostic, not ten thousand).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .cadence import ScheduleName, parse_every
from .elements import ELEMENTS, Shape
from .frontmatter import ISOLATES, KeyPath
from .safety import RiskLevel

__all__ = [
    "FIRST_YEAR",
    "ID_PATTERN",
    "LAST_YEAR",
    "MAX_ENTRIES",
    "MAX_SCORE",
    "Approach",
    "Client",
    "Clinician",
    "Closure",
    "Contact",
    "Crisis",
    "Date",
    "Dates",
    "Diagnosis",
    "Evaluation",
    "Feedback",
    "Formats",
    "Frequency",
    "Goal",
    "Id",
    "Interventions",
    "Item",
    "Measure",
    "Objective",
    "ParamArgument",
    "Phone",
    "Plan",
    "Problem",
    "Risk",
    "Score",
    "ScoreEntry",
    "Screening",
    "SessionFormat",
    "Strict",
    "Text",
    "Usable",
]

MAX_ENTRIES = 200
MAX_SCORE = 1_000_000_000
FIRST_YEAR, LAST_YEAR = 1900, 2199
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("TX101", "is empty")
    return value


def _iso_date(value: Any) -> date:
    """Only ``YYYY-MM-DD`` text that names a real day in 1900-2199: no numbers as timestamps."""
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _ISO_DATE.match(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("TX104", "must be a real date written YYYY-MM-DD") from None
    else:
        raise PydanticCustomError("TX104", "must be a real date written YYYY-MM-DD")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise PydanticCustomError("TX104", "must be a date between {first} and {last}",
                                  {"first": FIRST_YEAR, "last": LAST_YEAR})
    return parsed


def _number(value: Any) -> Any:
    """A score: a finite int or float within +-MAX_SCORE (not true/false, not text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("TX103", "must be a number")
    if isinstance(value, int):
        value = int(value)  # a score written `07` is the number 7 (see frontmatter.WrittenInt)
    elif isinstance(value, float):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("TX103", "must be a finite number")
    if abs(value) > MAX_SCORE:
        raise PydanticCustomError("TX106", "must be between -{limit} and {limit}", {"limit": f"{MAX_SCORE:,}"})
    return value


ID_PATTERN = r"^[A-Za-z0-9_-]+$"  # ids are shown in messages and names; nothing else typed there is
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_not_blank)]
Date = Annotated[date, BeforeValidator(_iso_date)]
Score = Annotated[int | float, BeforeValidator(_number)]


def _number_as_text(value: Any) -> Any:
    """Phone numbers such as ``988``, ``07700900123`` or ``555.0140`` are written bare in YAML; read them as the
    text written (``frontmatter.WrittenInt``, ``WrittenFloat``), leading zero, plus and trailing zero included."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(getattr(value, "written", value))
    return value


Phone = Annotated[str, BeforeValidator(_number_as_text, json_schema_input_type=str | int | float), Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Client(Strict):
    id: Id
    name: Text
    dob: Date
    pronouns: str | None = None
    strengths: list[Text] = Field(min_length=1, max_length=MAX_ENTRIES)
    preferences: list[Text] = Field([], max_length=MAX_ENTRIES)

    @property
    def first_name(self) -> str:
        """The name's first word, without direction isolates: splitting "\u2068Amal Mansour\u2069" would leave
        one open, and an isolate left open carries the rest of a sentence with it."""
        return (ISOLATES.sub("", self.name).split() or [self.name])[0]


class Clinician(Strict):
    name: Text
    supervisor: str | None = None


class Dates(Strict):
    effective: Date
    review: Date


class Diagnosis(Strict):
    code: Text
    description: Text


class Screening(Strict):
    """The suicide-risk screen the risk level rests on: which instrument, and when."""

    instrument: Text
    date: Date


class Risk(Strict):
    level: RiskLevel
    summary: Text
    screening: Screening | None = None
    reassess: str | None = None  # the `every` grammar, optionally after "every": `every session`, `2 weeks`

    @field_validator("reassess")
    @classmethod
    def _reassess_shape(cls, value: str | None) -> str | None:
        if value is not None and parse_every(value, every_word=True) is None:
            raise PydanticCustomError("TX108", "`reassess` reads like `every session`, `every 2 weeks` or `month`")
        return value


class Objective(Strict):
    id: Id
    statement: Text
    measure: Text
    target_date: Date


class Goal(Strict):
    id: Id
    statement: Text
    interpersonal: bool = False
    objectives: list[Objective] = Field(min_length=1, max_length=MAX_ENTRIES)


class Problem(Strict):
    id: Id
    statement: Text
    evidenced_by: list[Text] = Field(min_length=1, max_length=MAX_ENTRIES)
    goals: list[Goal] = Field(min_length=1, max_length=MAX_ENTRIES)


class Approach(Strict):
    modality: Text
    rationale: Text


def _param_value(value: Any) -> Any:
    """A template parameter: text, a number or true/false, never a list, a mapping or empty."""
    if value is None:  # most often `{ a: x, y }`, where the comma made `y` a key of its own
        raise PydanticCustomError("TX103", "has no value; inside `{ }`, put text that holds a comma in quotes")
    if isinstance(value, dict | list):
        raise PydanticCustomError("TX103", "must be text or a number")
    return value


ParamArgument = Annotated[Any, BeforeValidator(_param_value, json_schema_input_type=str | int | float | bool)]


class Usable(Strict):
    """Something written either as a template use (``use`` + ``with``) or as ``text``."""

    use: str | None = None
    with_: dict[str, ParamArgument] = Field(default_factory=dict, alias="with", max_length=MAX_ENTRIES)
    text: str | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Usable:
        if (self.use is None) == (self.text is None):
            raise PydanticCustomError("TX109", "give exactly one of `use` or `text`")
        if self.text is not None and self.with_:
            raise PydanticCustomError("TX109", "`with` goes only with `use`")
        return self


class Item(Usable):
    for_: list[Id] = Field(alias="for", min_length=1, max_length=MAX_ENTRIES)
    by: str | None = None


SessionFormat = Literal["individual", "group", "family", "couples"]


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("TX108", "names a format twice")
    return values


def _one_or_many(value: Any) -> str:
    """Which form of `format` was written, so that an error is reported for that form only."""
    return "many" if isinstance(value, list) else "one"


Formats = Annotated[
    Annotated[SessionFormat, Tag("one")]
    | Annotated[list[SessionFormat], Field(min_length=1, max_length=4), AfterValidator(_distinct), Tag("many")],
    Discriminator(_one_or_many),
]


class Frequency(Strict):
    schedule: ScheduleName
    minutes: int = Field(ge=15, le=240)
    weeks: int = Field(ge=1, le=104)
    format: Formats
    setting: Literal["in-person", "telehealth", "hybrid"]

    @property
    def formats(self) -> tuple[str, ...]:
        """The session formats, one or several (individual sessions with monthly family sessions)."""
        return (self.format,) if isinstance(self.format, str) else tuple(self.format)


class Contact(Strict):
    name: Text
    phone: Phone | None = None


class Crisis(Strict):
    """The Stanley-Brown parts default to empty so a missing part is a TX210, not a TX101."""

    warning_signs: list[Text] = Field([], max_length=MAX_ENTRIES)
    coping_strategies: list[Text] = Field([], max_length=MAX_ENTRIES)
    social_distractions: list[Text] = Field([], max_length=MAX_ENTRIES)
    support_contacts: list[Contact] = Field([], max_length=MAX_ENTRIES)
    professional_contacts: list[Contact] = Field([], max_length=MAX_ENTRIES)
    means_safety: list[Text] = Field([], max_length=MAX_ENTRIES)
    reasons_for_living: list[Text] = Field([], max_length=MAX_ENTRIES)
    items: list[Item] = Field([], max_length=MAX_ENTRIES)  # crisis work: lethal-means counselling, CAMS, ...


class ScoreEntry(Strict):
    date: Date
    score: Score
    item9: int | None = Field(None, ge=0, le=3)  # PHQ-9 item 9, the question on thoughts of death or self-harm


class Measure(Strict):
    instrument: Text
    range: list[Score] | None = Field(None, min_length=2, max_length=2)
    better: Literal["lower", "higher"] | None = None
    baseline: Score
    target: Score
    every: str
    scores: list[ScoreEntry] = Field([], max_length=MAX_ENTRIES)

    @field_validator("every")
    @classmethod
    def _every_shape(cls, value: str) -> str:
        if parse_every(value) is None:
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
    measures: list[Measure] = Field(min_length=1, max_length=MAX_ENTRIES)
    feedback: list[Feedback] = Field(min_length=1, max_length=MAX_ENTRIES)


class Interventions(Strict):
    approaches: list[Approach] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    techniques: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    frequency: Frequency | None = None
    homework: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    psychoeducation: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    skills: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    emotional_processing: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    relationships: list[Item] | None = Field(None, min_length=1, max_length=MAX_ENTRIES)
    crisis: Crisis | None = None
    evaluation: Evaluation | None = None

    def items(self, key: str) -> list[Item]:
        """The intervention items of an element: its list of items, or the crisis element's ``items``."""
        value = getattr(self, key)
        if isinstance(value, Crisis):
            return list(value.items)
        return list(value) if isinstance(value, list) and key != "approaches" else []


class Closure(Strict):
    """How a closed plan ended: the discharge summary."""

    date: Date
    reason: Text
    criteria_met: Literal["all", "some", "none"]
    referrals: list[Text] = Field([], max_length=MAX_ENTRIES)
    summary: Text  # Markdown


class Plan(Strict):
    client: Client
    clinician: Clinician
    status: Literal["draft", "active", "closed"] = "active"
    dates: Dates
    participation: Text
    diagnoses: list[Diagnosis] = Field(min_length=1, max_length=MAX_ENTRIES)
    risk: Risk
    problems: list[Problem] = Field(min_length=1, max_length=MAX_ENTRIES)
    interventions: Interventions
    discharge: list[Text] = Field(min_length=1, max_length=MAX_ENTRIES)
    closure: Closure | None = None

    def objectives(self) -> list[Objective]:
        return [o for p in self.problems for g in p.goals for o in g.objectives]

    def has_interpersonal_goal(self) -> bool:
        return any(g.interpersonal for p in self.problems for g in p.goals)

    def item_entries(self) -> Iterator[tuple[KeyPath, str, Item]]:
        """Every intervention item with its path and the element it is written under, in the elements' order
        (the crisis element's ``items`` in its place)."""
        for element in ELEMENTS:
            base: KeyPath = ("interventions", element.key, "items") if element.shape is Shape.CRISIS else (
                "interventions", element.key)
            for index, item in enumerate(self.interventions.items(element.key)):
                yield (*base, index), element.key, item

    def usables(self) -> Iterator[tuple[KeyPath, Usable]]:
        """Every template-or-text entry with its path: intervention items, then feedback."""
        for path, _, item in self.item_entries():
            yield path, item
        if self.interventions.evaluation is not None:
            for index, entry in enumerate(self.interventions.evaluation.feedback):
                yield ("interventions", "evaluation", "feedback", index), entry
