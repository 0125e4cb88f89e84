"""JSON Schemas (draft 2020-12) of a plan's and a template's front matter, generated from the pydantic models.

Editors and other tools use them for completion and early warnings; ``txplan check`` stays the judge, since the
cross-field rules (links, dates, required elements, wording) are not expressible in a schema. The schemas are
never written by hand: pydantic describes the models, including ``additionalProperties: false`` for every one
(they all forbid unknown keys, so a typo such as ``homwork`` is refused), and the few validators that accept
more than their type (a phone written ``988``, a template parameter) declare their input type in the model.
Dates are strings in a file, as txplan and YAML 1.2 read them: ``{"type": "string", "format": "date"}``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .fields import NOTES, TEMPLATE_NOTES
from .model import Plan
from .templates import TemplateMeta

__all__ = ["DIALECT", "SCHEMAS", "schema_for", "schema_text"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# name on the command line -> (model, title, what it describes)
SCHEMAS: dict[str, tuple[type[BaseModel], str, str]] = {
    "plan": (Plan, "txplan treatment plan",
             "The YAML front matter of a plan under plans/. `txplan check` also applies the rules a schema cannot "
             "express (links between ids, dates, required elements, objective wording)."),
    "template": (TemplateMeta, "txplan intervention template",
                 "The YAML front matter of an intervention template under templates/interventions/."),
}


def schema_for(name: str) -> dict[str, Any]:
    """The schema of ``name`` (a key of ``SCHEMAS``) as a JSON-ready dict, each key described in the words of
    the plan format reference (``fields``), which editors show when the key is hovered or completed."""
    model, title, description = SCHEMAS[name]
    schema = model.model_json_schema(mode="validation")
    notes = {m.__name__: n for m, n in (*NOTES.items(), *TEMPLATE_NOTES.items())}
    for definition in (schema, *schema.get("$defs", {}).values()):
        for key, words in notes.get(definition.get("title", ""), {}).items():
            definition["properties"][key]["description"] = words.text
    return {"$schema": DIALECT, **schema, "title": title, "description": description}


def schema_text(name: str) -> str:
    return json.dumps(schema_for(name), indent=2, ensure_ascii=False) + "\n"

