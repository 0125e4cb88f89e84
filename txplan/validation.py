"""Turn pydantic validation errors into located diagnostics.

Messages name the field and what it should be, never the offending value
beyond a key name: a plan's values are protected health information.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .diagnostics import CODES, Diagnostic, did_you_mean, make
from .frontmatter import Document, KeyPath, is_field_name, shown_key

__all__ = [
    "validation_diagnostics",
]

_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping of `key: value` pairs",
    "model_type": "a mapping of `key: value` pairs",
    "model_attributes_type": "a mapping of `key: value` pairs",
    "none_required": "empty",
    "finite_number": "a finite number",
}

_BOUNDS = {
    "greater_than_equal": "at least {ge}",
    "less_than_equal": "at most {le}",
    "greater_than": "more than {gt}",
    "less_than": "less than {lt}",
}


def validation_diagnostics(exc: ValidationError, document: Document, model: type[BaseModel] | None = None) -> list[Diagnostic]:
    """One diagnostic per distinct location, in file order."""
    seen: set[KeyPath] = set()
    found: list[Diagnostic] = []
    for error in exc.errors():
        path = _data_path(tuple(error["loc"]), document.data, error["type"])
        if path in seen:  # a union reports each of its branches; one line is enough
            continue
        seen.add(path)
        found.append(_diagnostic(error, path, document, model))
    return sorted(found)


def _data_path(loc: KeyPath, data: Any, kind: str) -> KeyPath:
    """The part of a pydantic location that names keys and items of the file.

    A union adds its member's name to the location (``baseline.int``,
    ``format.many.1``); such a step is dropped, so the diagnostic points at the
    value (or the list entry inside it) and names the field. A missing key is
    kept as the last step: it names the field to add.
    """
    current = data
    kept: list[str | int] = []
    for depth, part in enumerate(loc):
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
            kept.append(part)
        elif depth == len(loc) - 1 and kind in ("missing", "extra_forbidden") and isinstance(current, dict):
            return (*kept, part)
        elif isinstance(part, str) and not isinstance(current, dict):
            continue  # a union member's name: lists and scalars have no keys
        else:
            break
    return tuple(kept)


def _joined(name: str, message: str) -> str:
    return f"{name} {message}" if message.startswith(("must ", "is ", "has ")) else f"{name}: {message}"


def _field(path: KeyPath) -> str:
    """``a.b[0].c``; a key that is not field-name-like (a value typed as a key) shows as ``<key>``."""
    parts = (f"[{p}]" if isinstance(p, int) else p if is_field_name(p) else "<key>" for p in path)
    return ".".join(parts).replace(".[", "[") or "front matter"


def _diagnostic(error: ErrorDetails, path: KeyPath, document: Document, model: type[BaseModel] | None) -> Diagnostic:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    where = document.positions
    name = _field(path)
    if kind in CODES:  # raised by our own validators with a TX code as their type
        return make(document.path, where.of_value(path), kind, _joined(name, error["msg"]))
    if kind == "missing":
        return make(document.path, where.of_value(path), "TX101", f"{name} is required")
    if kind == "extra_forbidden":
        return make(document.path, where.of_key(path), "TX102", _unknown_key_message(path, model))
    if kind.startswith("date"):
        return make(document.path, where.of_value(path), "TX104", f"{name} must be a real date written YYYY-MM-DD")
    if kind in ("literal_error", "enum"):
        expected_values = ctx.get("expected", "one of the allowed values")
        return make(document.path, where.of_value(path), "TX105", f"{name} must be {expected_values}")
    if kind in _BOUNDS:
        return make(document.path, where.of_value(path), "TX106", f"{name} must be {_BOUNDS[kind].format(**ctx)}")
    if kind == "too_short" and ctx.get("min_length") == 1:
        return make(document.path, where.of_value(path), "TX107", f"{name} needs at least one entry")
    if kind == "string_too_short":
        return make(document.path, where.of_value(path), "TX101", f"{name} is empty")
    if kind == "string_too_long":
        return make(document.path, where.of_value(path), "TX108", f"{name} is longer than {ctx['max_length']} characters")
    if kind in ("too_short", "too_long", "string_pattern_mismatch"):
        return make(document.path, where.of_value(path), "TX108", f"{name}: {_shape_hint(kind, ctx)}")
    if kind == "value_error":  # a ValueError of txplan's own validators, whose texts name rules, never values
        return make(document.path, where.of_value(path), "TX108", _joined(name, str(ctx.get("error", "is malformed"))))
    expected = _KINDS.get(kind, "a value of another kind")
    return make(document.path, where.of_value(path), "TX103", f"{name} must be {expected}")


_PATTERNS = {
    r"^[A-Za-z0-9_-]+$": "letters, digits, `-` and `_` only",
    r"^[a-z0-9-]+$": "lowercase letters, digits and `-` only",
}


def _shape_hint(kind: str, ctx: dict[str, Any]) -> str:
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return _PATTERNS.get(pattern, f"must match the pattern {pattern}")
    if kind == "too_long" and "max_length" in ctx:
        actual = ctx.get("actual_length")
        count = f"has {actual:,} entries" if isinstance(actual, int) else "has too many entries"
        return f"{count}; the limit is {ctx['max_length']:,}"
    if "min_length" in ctx and "max_length" not in ctx:
        return f"needs at least {ctx['min_length']} entries"
    return "has the wrong number of entries"


def _unknown_key_message(path: KeyPath, model: type[BaseModel] | None) -> str:
    key = str(path[-1])
    allowed = _allowed_keys(path[:-1], model)
    hint = did_you_mean(key, allowed) or (f"; allowed: {', '.join(allowed)}" if allowed else "")
    return f"unknown key {shown_key(key)}{hint}"


def _allowed_keys(path: KeyPath, model: type[BaseModel] | None) -> list[str]:
    """The keys the model accepts at ``path``, followed through nested models."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if current is None or not hasattr(current, "model_fields"):
            return []
        info = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        if info is None:
            return []
        current = _model_in(info.annotation)
    if current is None or not hasattr(current, "model_fields"):
        return []
    return [f.alias or n for n, f in current.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside ``X``, ``list[X]`` or ``X | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
