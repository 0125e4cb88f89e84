"""The approaches and techniques the requirement names, element by element, as one table.

The requirement txplan grew from describes each intervention element with examples: the approaches
and techniques a clinic's template library is expected to hold. ``NAMED`` records every one of them
once, under the element the requirement lists it for, with the words that name it in a template.
``tests/test_library_coverage.py`` checks that the library serves every row, so coverage cannot
quietly regress, and ``python -m txplan.reference`` writes docs/library-coverage.md from it.

Two decisions, recorded in docs/library-coverage.md as well:

- The approaches element is written in a plan as modalities with a rationale, not as template items,
  so an approach is served by a template of any element that names it.
- Examples that the requirement gives for the structured elements (frequency and duration, evaluation
  and feedback, the crisis plan's contacts) are fields of the plan, not templates, and are not rows.
  The requirement also lists psychoeducation among the techniques; it is its own element, and the
  psychoeducation rows stand for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .elements import ELEMENTS_BY_KEY, Shape
from .templates import Template

__all__ = ["NAMED", "Named", "serving_templates"]


@dataclass(frozen=True)
class Named:
    """One approach or technique the requirement names, and how a template names it."""

    name: str  # as the requirement words it
    element: str  # key of the element the requirement lists it under
    terms: tuple[str, ...]  # words or phrases, any of which names it in a template

    @property
    def any_element(self) -> bool:
        """Approaches are plan modalities, not items: a template of any element can serve one."""
        return ELEMENTS_BY_KEY[self.element].shape is Shape.APPROACHES


NAMED: tuple[Named, ...] = (
    # Therapeutic approaches and modalities
    Named("cognitive-behavioral therapy (CBT)", "approaches", ("cbt", "cognitive behavioral", "cognitive behavioural")),
    Named("psychodynamic therapy", "approaches", ("psychodynamic",)),
    Named("humanistic therapy", "approaches", ("humanistic",)),
    Named("mindfulness-based interventions", "approaches", ("mindfulness based",)),
    Named("internal family systems therapy", "approaches", ("internal family systems",)),
    # Specific techniques and activities
    Named("cognitive restructuring", "techniques", ("cognitive restructuring",)),
    Named("relaxation techniques", "techniques", ("relaxation",)),
    Named("visualization exercises", "techniques", ("visualization", "visualisation")),
    Named("role-playing", "techniques", ("role play", "role playing")),
    Named("journaling", "techniques", ("journaling", "journal")),
    Named("guided imagery", "techniques", ("guided imagery",)),
    Named("art therapy", "techniques", ("art therapy", "art based")),
    Named("mindfulness exercises", "techniques", ("mindfulness", "mindful")),
    Named("exposure-based interventions", "techniques", ("exposure",)),
    # Homework assignments
    Named("self-reflection exercises", "homework", ("self reflection",)),
    Named("behavioral experiments", "homework", ("behavioral experiment", "behavioural experiment")),
    Named("practicing new coping skills", "homework", ("coping skills",)),
    Named("journaling", "homework", ("journaling", "journal")),
    Named("reading relevant materials", "homework", ("reading", "bibliotherapy")),
    # Psychoeducation
    Named("the client's diagnosis", "psychoeducation",
          ("depression", "anxiety", "ptsd", "bipolar", "psychosis", "insomnia", "condition")),
    Named("the mechanisms underlying the difficulties", "psychoeducation",
          ("cycle", "kept going", "keeps", "maintained", "what emotions are for")),
    Named("coping strategies and skills", "psychoeducation", ("coping",)),
    Named("communication skills", "psychoeducation", ("communication",)),
    Named("self-care practices", "psychoeducation", ("self care",)),
    Named("stress management techniques", "psychoeducation", ("stress",)),
    Named("resources for self-help", "psychoeducation", ("self help",)),
    # Skill-building
    Named("assertiveness training", "skills", ("assertiveness", "assertive")),
    Named("emotion regulation skills", "skills", ("emotion regulation",)),
    Named("problem-solving skills", "skills", ("problem solving",)),
    Named("communication skills", "skills", ("communication",)),
    Named("stress management techniques", "skills", ("stress management",)),
    # Emotional exploration and processing
    Named("exploring and verbalizing emotions", "emotional_processing",
          ("naming", "exploring", "express", "expression", "voice")),
    Named("emotion regulation techniques", "emotional_processing", ("emotion regulation",)),
    Named("imagery", "emotional_processing", ("imagery",)),
    Named("narrative techniques", "emotional_processing", ("narrative",)),
    Named("gestalt therapy", "emotional_processing", ("gestalt",)),
    Named("psychodrama", "emotional_processing", ("psychodrama",)),
    # Relationship-focused interventions
    Named("role-playing", "relationships", ("role play", "role playing")),
    Named("communication exercises", "relationships", ("communication",)),
    Named("exploring attachment patterns", "relationships", ("attachment",)),
    Named("addressing family dynamics", "relationships", ("family",)),
    Named("conflict resolution strategies", "relationships", ("conflict resolution",)),
    # Crisis management and safety planning
    Named("steps to take in a crisis", "crisis", ("crisis",)),
    Named("safety planning", "crisis", ("safety plan", "safety planning")),
    Named("managing potential risks", "crisis", ("suicide risk", "lethal means")),
)


def _words(text: str) -> str:
    """Lower case, every run of other characters one space, padded: "Role-play" and "role play" match."""
    return f" {re.sub(r'[^a-z0-9]+', ' ', text.casefold()).strip()} "


def _names(template: Template, terms: Iterable[str]) -> bool:
    meta = template.meta
    text = _words(" ".join([meta.title, *meta.modalities, *meta.tags, meta.summary]))
    return any(_words(term) in text for term in terms)


def serving_templates(named: Named, templates: Iterable[Template]) -> list[Template]:
    """The templates whose title, modalities, tags or summary name it, under its element."""
    return [t for t in templates
            if (named.any_element or t.meta.element == named.element) and _names(t, named.terms)]
