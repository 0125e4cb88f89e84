"""Clinic policy from ``[tool.txplan]`` in the clinic's pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .diagnostics import Diagnostic, make
from .elements import ELEMENTS_BY_KEY
from .frontmatter import forbidden_character
from .safety import DEFAULT_CRISIS_LINE, CrisisLine, RiskLevel
from .signatures.records import Principal, Role

_TOML_POSITION = re.compile(r"\(at line ([0-9]+), column ([0-9]+)\)")


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic: str = ""
    review_interval_days: int = Field(90, ge=1, le=730)
    crisis_required_at: RiskLevel = "moderate"
    optional_elements: tuple[str, ...] = ()
    crisis_lines: tuple[CrisisLine, ...] = (DEFAULT_CRISIS_LINE,)  # printed on every chart
    allowed_signers: str = "signers/allowed_signers"  # ssh-keygen's allowed-signers file, from the clinic's root
    signatures_required: tuple[Role, ...] = (Role.CLINICIAN, Role.CLIENT)  # plus guardian and supervisor by the facts
    sign_within_days: int = Field(14, ge=0, le=365)
    signers: dict[str, Principal] = Field(default_factory=dict)  # a name as plans write it -> its key's principal

    @field_validator("clinic")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        """The clinic's name heads every chart page; TOML escapes (``\\u0000``) can make characters a DOCX
        cannot hold, so they are held to the rule of plan text (TX011)."""
        bad = forbidden_character(value)
        if bad is not None:
            raise ValueError(f"control character U+{ord(bad.group()):04X} is not allowed")
        return value

    @field_validator("optional_elements")
    @classmethod
    def _known_elements(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in ELEMENTS_BY_KEY]
        if unknown:
            raise ValueError(f"unknown element(s) {', '.join(unknown)}")
        return value

    @field_validator("crisis_lines")
    @classmethod
    def _some_crisis_line(cls, value: tuple[CrisisLine, ...]) -> tuple[CrisisLine, ...]:
        if not value:
            raise ValueError(f"needs at least one line, such as the {DEFAULT_CRISIS_LINE.name}")
        return value


def _where(exc: tomllib.TOMLDecodeError) -> str:
    """Where TOML failed, read from tomllib's message; the message itself is not shown, since it quotes
    what it found (``Illegal character '\\x1b'``)."""
    found = _TOML_POSITION.search(str(exc))
    return f" (line {found.group(1)}, column {found.group(2)})" if found else ""


def _table_line(text: str) -> int:
    """The line of the ``[tool.txplan]`` header, so policy errors point somewhere useful."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().replace(" ", "") == "[tool.txplan]":
            return number
    return 1


def load_policy(root: Path) -> tuple[Policy, list[Diagnostic]]:
    """Read the policy; a broken one is reported and the defaults are used."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return Policy(), []
    text = path.read_text("utf-8", errors="replace")
    try:
        table = tomllib.loads(text).get("tool", {}).get("txplan", {})
    except tomllib.TOMLDecodeError as exc:
        return Policy(), [make("pyproject.toml", (1, 1), "TX501", f"pyproject.toml is not valid TOML{_where(exc)}")]
    try:
        return Policy.model_validate(table), []
    except ValidationError as exc:
        line = _table_line(text)
        return Policy(), [
            make("pyproject.toml", (line, 1), "TX501",
                 f"[tool.txplan] {'.'.join(map(str, e['loc']))}: {e['msg']}")
            for e in exc.errors()
        ]
