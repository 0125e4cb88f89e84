"""Safety facts, defined once: the risk levels, the crisis line a chart prints by default, and what a
phone number a client in crisis can dial looks like.

The plan model's type for ``risk.level`` and the policy's ``crisis_required_at`` are built from
``RISK_LEVELS``; the policy's default ``crisis_lines`` is ``DEFAULT_CRISIS_LINE``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_CRISIS_LINE",
    "MAX_PHONE_DIGITS",
    "MIN_PHONE_DIGITS",
    "PHONE_RULE",
    "RISK_LEVELS",
    "CrisisLine",
    "RiskLevel",
    "dialable",
    "phone_digits",
    "risk_at_or_above",
    "says_nothing",
]

RISK_LEVELS: tuple[str, ...] = ("none", "low", "moderate", "high")  # in order of increasing risk

if TYPE_CHECKING:
    RiskLevel = str
else:  # built from the table, so the model, the policy and the JSON Schema list exactly these levels
    RiskLevel = Literal[RISK_LEVELS]


def risk_at_or_above(level: str, threshold: str) -> bool:
    return RISK_LEVELS.index(level) >= RISK_LEVELS.index(threshold)


MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 15  # 988 and 911 to the longest international number (E.164)
_PHONE = re.compile(r"^\+?[0-9() .-]+$")
PHONE_RULE = (f"digits with spaces, ( ) - or . between them and an optional leading +, "
              f"{MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits")


def phone_digits(phone: str) -> str:
    return "".join(c for c in phone if c.isascii() and c.isdigit())


def dialable(phone: str) -> bool:
    """Digits with the usual separators (spaces, ``( ) - .``) and an optional leading ``+``; 3 to 15 digits."""
    return bool(_PHONE.match(phone)) and MIN_PHONE_DIGITS <= len(phone_digits(phone)) <= MAX_PHONE_DIGITS


class CrisisLine(BaseModel):
    """A 24-hour crisis line: printed on every chart, and one of them belongs in every required safety plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    phone: str

    @field_validator("phone")
    @classmethod
    def _dialable(cls, value: str) -> str:
        if not dialable(value):
            raise ValueError(f"must be a phone number: {PHONE_RULE}")
        return value


# The US national line since July 2022 (call or text), which replaced 1-800-273-8255.
DEFAULT_CRISIS_LINE = CrisisLine(name="988 Suicide & Crisis Lifeline", phone="988")


# Entries that fill a safety-plan step without saying anything: placeholders, deferrals and "see elsewhere", compared
# without case and with every run of characters other than letters read as one space ("N/A." is "n a", "-" and "?"
# are ""). Kept to phrases that carry nothing on their own: "no access" or "no firearms" say something and are not here.
_SAYS_NOTHING = frozenset({
    "", "none", "none needed", "none required", "none identified", "none reported", "none known", "not needed",
    "not required", "nothing", "nothing needed", "na", "n a", "not applicable", "no", "nil", "x", "nk", "n k",
    "unknown", "not known", "not assessed", "not asked", "not discussed", "not done", "not completed", "discussed",
    "reviewed", "deferred", "pending", "later", "tbd", "tba", "to be done", "to be determined", "to be discussed",
    "to be added", "to be completed", "to follow", "see above", "as above", "see notes", "see note", "see chart",
    "same", "ditto",
})


def says_nothing(entry: str) -> bool:
    """Whether a safety-plan entry is a placeholder ("none", "N/A", "not assessed", "deferred") rather than something
    agreed with the client. Letters and digits of every script count as words (أمي, 王芳, "911")."""
    return " ".join(re.sub(r"[\W_]+", " ", entry.casefold()).split()) in _SAYS_NOTHING
