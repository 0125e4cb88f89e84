"""Generate a realistic synthetic clinic for benchmarks: N plans (2-4 pages each) and the library.

All content is fictional and seeded, so two runs with the same arguments
produce the same clinic. Usage:

    python -m benchmarks.generate /tmp/clinic --plans 1000 [--extra-templates 0]
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from txplan.elements import ITEM_ELEMENTS

REPO = Path(__file__).resolve().parent.parent

FIRST = ["Jordan", "Riley", "Casey", "Morgan", "Avery", "Quinn", "Skyler", "Emerson", "Rowan", "Hayden", "Sage", "Reese"]
LAST = ["Rivera", "Nguyen", "Okafor", "Lindqvist", "Haddad", "Moreau", "Castillo", "Brennan", "Kowalski", "Achebe"]
CLINICIANS = ["Avery Chen, LCSW", "Dana Whitfield, PhD", "Luis Ortega, LMFT", "Priya Raman, LPC"]
DIAGNOSES = [("F33.1", "Major depressive disorder, recurrent, moderate"), ("F41.1", "Generalized anxiety disorder"),
             ("F43.10", "Post-traumatic stress disorder, unspecified"), ("F42.2", "Mixed obsessional thoughts and acts")]
MODALITIES = ["CBT", "DBT", "ACT", "IPT", "Psychodynamic", "Emotion-Focused", "Family Systems", "Mindfulness-Based"]
ACTIVITIES = ["walking with a friend", "choir practice", "cooking a new recipe", "gardening", "visiting the library",
              "swimming", "calling a sibling", "woodworking", "volunteering at the food bank", "a pottery class"]
SENTENCES = [
    "The client describes a gradual loss of interest in activities that used to bring satisfaction.",
    "Sleep has been irregular, with early waking most days of the week.",
    "They report that work pressure rose sharply after a reorganisation in the spring.",
    "Family members have noticed more irritability and withdrawal at weekends.",
    "Past treatment with a counsellor helped for a while, and the client remembers the skills in part.",
    "The client values honesty, humour and being useful to others.",
    "Avoidance of social plans has grown, and the client worries about being a burden.",
    "Concentration lapses have made reading, a long-standing pleasure, feel like a chore.",
    "The client is motivated to change and came to the first session with written questions.",
    "Appetite is reduced; weight is stable according to the client's report.",
]


def plan_text(index: int, rng: random.Random, effective: date) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    first = name.split()[0]
    code, description = rng.choice(DIAGNOSES)
    interpersonal = rng.random() < 0.4
    risk = rng.choice(["low", "low", "moderate", "high"])
    baseline = rng.randint(12, 24)
    crisis = "" if risk == "low" else f"""
  crisis:
    warning_signs: [Staying in bed past noon, Skipping meals]
    coping_strategies: [Walk around the block, Listen to a favourite album]
    social_distractions: [Visit the community centre, Call a cousin]
    support_contacts:
      - {{ name: Sam Example, phone: 555-01{index % 100:02d} }}
    professional_contacts:
      - {{ name: 988 Suicide & Crisis Lifeline, phone: "988" }}
    means_safety: [Medications kept by a family member]
    reasons_for_living: [A younger sibling]"""
    relationships = """
  relationships:
    - use: assertive-communication
      for: [O1]""" if interpersonal else ""
    narrative = "\n\n".join(
        f"## {heading}\n\n" + " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(5, 9)))
        + "\n\n" + "\n".join(f"- {rng.choice(SENTENCES)}" for _ in range(rng.randint(2, 5)))
        for heading in ("Presenting concerns", "History", "Strengths and resources", "Formulation", "Plan rationale")
    )
    return f"""---
client:
  id: C-{index:05d}
  name: {name}
  dob: {1950 + index % 50}-0{1 + index % 9}-1{index % 9}
  strengths:
    - Keeps appointments and follows through on plans
dates:
  effective: {effective.isoformat()}
  review: {(effective + timedelta(days=84)).isoformat()}
clinician:
  name: {rng.choice(CLINICIANS)}
participation: Goals written together in session {rng.randint(1, 3)}; wording chosen by the client.
diagnoses:
  - code: {code}
    description: {description}
risk:
  level: {risk}
  summary: Screened with the C-SSRS at intake; documented in the assessment.
  screening: {{ instrument: C-SSRS, date: {(effective - timedelta(days=7)).isoformat()} }}
  reassess: every session
problems:
  - id: P1
    statement: Low mood and withdrawal affecting work and friendships
    evidenced_by: [PHQ-9 of {baseline} at intake, Cancelled most social plans since spring]
    goals:
      - id: G1
        statement: Get back to the things I used to enjoy (client {index})
        interpersonal: {str(interpersonal).lower()}
        objectives:
          - id: O1
            statement: {first} will complete 3 planned activities each week (plan {index})
            measure: Weekly activity log reviewed in session
            target_date: {(effective + timedelta(days=60)).isoformat()}
          - id: O2
            statement: {first} will reduce PHQ-9 from {baseline} to below 10 by week 12 (plan {index})
            measure: PHQ-9 every 2 weeks
            target_date: {(effective + timedelta(days=84)).isoformat()}
interventions:
  approaches:
    - modality: CBT
      rationale: Strong evidence for depression; the client prefers a structured approach.
  techniques:
    - use: behavioral-activation
      with: {{ activities: "{rng.choice(ACTIVITIES)}, {rng.choice(ACTIVITIES)}" }}
      for: [O1]
  frequency:
    schedule: weekly
    minutes: 50
    weeks: 12
    format: individual
    setting: {rng.choice(["in-person", "telehealth", "hybrid"])}
  homework:
    - use: thought-record
      with: {{ frequency: "three times a week" }}
      for: [O2]
  psychoeducation:
    - text: Explain the cycle of **inactivity and low mood**, with the CBT model handout.
      for: [O1, O2]
  skills:
    - use: problem-solving
      for: [O1]
  emotional_processing:
    - text: Name and rate emotions at the start of each session.
      for: [O2]{relationships}{crisis}
  evaluation:
    measures:
      - instrument: PHQ-9
        baseline: {baseline}
        target: 9
        every: 2 weeks
        scores:
          - {{ date: {(effective + timedelta(days=14)).isoformat()}, score: {baseline - 2} }}
    feedback:
      - text: Session Rating Scale at the end of every session.
discharge:
  - PHQ-9 below 10 for two consecutive measurements
---
{narrative}
"""


def synthetic_template(index: int) -> str:
    """A valid template; every third one has a required parameter, so placeholders are exercised too."""
    required = "\n  focus:\n    description: What the practice is about\n    required: true" if index % 3 == 0 else ""
    focus = ", about {{ focus }}" if index % 3 == 0 else ""
    return f"""---
id: synthetic-{index:04d}
title: Synthetic practice {index}
element: {ITEM_ELEMENTS[index % len(ITEM_ELEMENTS)]}
modalities: [{MODALITIES[index % len(MODALITIES)]}, {MODALITIES[(index + 3) % len(MODALITIES)]}]
tags: [synthetic, tag-{index % 40}]
summary: "A generated template, number {index}, for timing the site at scale."
params:
  frequency:
    description: How often the practice happens
    default: daily{required}
references:
  - "Author, A. (2020). A Book About Practice {index}. Publisher."
---
{{{{ client.first_name }}}} will do practice {index} {{{{ frequency }}}}{focus}, with {{{{ clinician.name }}}}.

- Progress is noted in a log and reviewed each session.
"""


def generate(target: Path, plans: int, extra_templates: int = 0, seed: int = 7) -> Path:
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    (target / "plans").mkdir(parents=True)
    shutil.copytree(REPO / "templates", target / "templates")
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    if (REPO / "mkdocs.yml").is_file():
        shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    for index in range(extra_templates):
        (target / "templates" / "interventions" / f"synthetic-{index:04d}.md").write_text(synthetic_template(index))
    start = date(2026, 10, 1)
    for index in range(plans):
        effective = start + timedelta(days=index % 40)
        (target / "plans" / f"c-{index:05d}.md").write_text(plan_text(index, rng, effective))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", type=Path)
    parser.add_argument("--plans", type=int, default=100)
    parser.add_argument("--extra-templates", type=int, default=0)
    args = parser.parse_args()
    generate(args.target, args.plans, args.extra_templates)


if __name__ == "__main__":
    main()
