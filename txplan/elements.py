"""The ten intervention elements, defined once.

The checker decides which are required from ``when``; the chart writes their
headings and "not indicated" lines from ``title`` and ``not_indicated``; the
site prints ``guidance``. Order is the order of the spec and of the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ELEMENTS",
    "ELEMENTS_BY_KEY",
    "ITEM_ELEMENTS",
    "STANLEY_BROWN_STEPS",
    "TEMPLATE_ELEMENTS",
    "Element",
    "Shape",
    "When",
]


class When(StrEnum):
    ALWAYS = "always"
    INTERPERSONAL = "when any goal is interpersonal"
    RISK = "when risk is at or above the policy level"


class Shape(StrEnum):
    """How the element is written in a plan."""

    ITEMS = "items"  # a list of intervention items (use/text, for, by)
    APPROACHES = "approaches"
    FREQUENCY = "frequency"
    CRISIS = "crisis"
    EVALUATION = "evaluation"


@dataclass(frozen=True)
class Element:
    key: str
    title: str
    when: When
    shape: Shape
    guidance: str
    not_indicated: str = ""


ELEMENTS: tuple[Element, ...] = (
    Element(
        "approaches", "Therapeutic approaches and modalities", When.ALWAYS, Shape.APPROACHES,
        "Name each modality the treatment draws on (CBT, DBT, ACT, psychodynamic, ...) and "
        "why it suits this client: the evidence for the presenting problem, the client's "
        "preferences, what has helped before.",
    ),
    Element(
        "techniques", "Specific techniques and activities", When.ALWAYS, Shape.ITEMS,
        "The concrete methods used in session: cognitive restructuring, exposure, "
        "role-play, guided imagery, chair work. Link each to the objectives it serves.",
    ),
    Element(
        "frequency", "Frequency and duration of sessions", When.ALWAYS, Shape.FREQUENCY,
        "How often the client is seen, for how long, in what format and setting, and for "
        "how many weeks before the plan is reviewed. Payers check this against the "
        "sessions billed.",
    ),
    Element(
        "homework", "Homework assignments", When.ALWAYS, Shape.ITEMS,
        "What the client practises between sessions: records, behavioural experiments, "
        "exposure practice, reading. Say how often, so it can be reviewed next session.",
    ),
    Element(
        "psychoeducation", "Psychoeducation", When.ALWAYS, Shape.ITEMS,
        "What the client will learn about the condition, how it is maintained, and how "
        "treatment works, in plain language and with handouts where they help.",
    ),
    Element(
        "skills", "Skill-building", When.ALWAYS, Shape.ITEMS,
        "Skills taught and rehearsed: emotion regulation, distress tolerance, problem "
        "solving, relaxation, assertiveness. Name the skill and how practice is tracked.",
    ),
    Element(
        "emotional_processing", "Emotional exploration and processing", When.ALWAYS, Shape.ITEMS,
        "How the therapy helps the client notice, name, allow and make sense of emotions: "
        "emotion naming, chair work, expressive writing, exploring relational patterns.",
    ),
    Element(
        "relationships", "Relationship-focused interventions", When.INTERPERSONAL, Shape.ITEMS,
        "Work on the client's relationships: communication and assertiveness, "
        "interpersonal inventory, family or couples sessions. Required when any goal is "
        "marked `interpersonal: true`.",
        not_indicated="Not indicated: no interpersonal goals.",
    ),
    Element(
        "crisis", "Crisis management and safety planning", When.RISK, Shape.CRISIS,
        "A safety plan in the Stanley-Brown form, written with the client in their own "
        "words: warning signs, internal coping strategies, people and places that distract, "
        "people to ask for help, professionals and crisis lines (988 in the US), and making "
        "the environment safe. Often closed with reasons for living. The crisis work around "
        "the plan (safety-plan review, lethal-means counselling, CAMS) is written as items "
        "under `items`. Required when the risk level is at or above the clinic's policy level; "
        "complete whenever present.",
        not_indicated="Not indicated: risk level below the clinic's threshold for a safety plan.",
    ),
    Element(
        "evaluation", "Evaluation and feedback", When.ALWAYS, Shape.EVALUATION,
        "How progress is measured: standardized instruments with a baseline, a target and a "
        "schedule (PHQ-9, GAD-7, PCL-5, ORS, SRS or others with their range), and how the "
        "client gives feedback on the work (session ratings, collaborative reviews).",
    ),
)

ELEMENTS_BY_KEY: dict[str, Element] = {e.key: e for e in ELEMENTS}

ITEM_ELEMENTS: tuple[str, ...] = tuple(e.key for e in ELEMENTS if e.shape is Shape.ITEMS)

# Templates may serve any element written as items, and the crisis element, whose own `items`
# (safety-plan review, lethal-means counselling) follow its structured safety plan.
TEMPLATE_ELEMENTS: tuple[str, ...] = (*ITEM_ELEMENTS, "crisis")

STANLEY_BROWN_STEPS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "Warning signs that a crisis may be developing"),
    ("coping_strategies", "Internal coping strategies, without contacting anyone"),
    ("social_distractions", "People and social settings that provide distraction"),
    ("support_contacts", "People to ask for help"),
    ("professional_contacts", "Professionals and agencies to contact in a crisis"),
    ("means_safety", "Making the environment safe"),
)
