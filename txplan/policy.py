"""Clinic policy from ``[tool.txplan]`` in the clinic's pyproject.toml.

tomllib (the standard library's TOML 1.0 parser) reads the policy; tomlkit, which keeps a file's layout as written,
finds where each key sits, so that a typo or a wrong value is reported at its own line and column with the messages
plan front matter gets (a did-you-mean for an unknown key, the kind or bounds a value needs). Numbers must be
written as numbers: a policy is a clinic's rule, and `review_interval_days = "120"` or `= true` is a mistake to
show, not a value to guess at.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Item, Key, Table

from .diagnostics import Diagnostic, make
from .elements import ELEMENTS_BY_KEY
from .frontmatter import Document, KeyPath, Pos, Positions, forbidden_character, offset_position, read_bounded
from .safety import DEFAULT_CRISIS_LINE, CrisisLine, RiskLevel
from .signatures.records import Principal, Role
from .validation import validation_diagnostics

__all__ = ["DEFAULT_NOTICE", "PUBLIC_FHIR_NAMESPACE", "PYPROJECT", "TABLE", "Policy", "key_position", "load_policy"]

PYPROJECT = "pyproject.toml"
TABLE: KeyPath = ("tool", "txplan")
DEFAULT_NOTICE = "Confidential: protected health information"
MAX_HEADER_TEXT = 600  # characters of the notice or the address; 42 CFR 2.32's full notice is about 550
_TOML_POSITION = re.compile(r"\(at line ([0-9]+), column ([0-9]+)\)")
_MARK = re.compile("\x00([0-9]+)\x00")  # NUL cannot occur in TOML text, so a mark is never taken for the clinic's


# Fixed forever: changing it would change every id exported without a namespace of the clinic's own.
PUBLIC_FHIR_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:txplan:fhir")
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "Factory"})


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic: str = ""
    address: str = Field("", max_length=MAX_HEADER_TEXT)  # the clinic's address line, under its name on every page
    confidentiality_notice: str = Field(DEFAULT_NOTICE, max_length=MAX_HEADER_TEXT)  # in every page's header
    review_interval_days: StrictInt = Field(90, ge=1, le=730)
    crisis_required_at: RiskLevel = "moderate"
    optional_elements: tuple[str, ...] = ()
    crisis_lines: tuple[CrisisLine, ...] = (DEFAULT_CRISIS_LINE,)  # printed on every chart
    allowed_signers: str = "signers/allowed_signers"  # ssh-keygen's allowed-signers file, from the clinic's root
    signatures_required: tuple[Role, ...] = (Role.CLINICIAN, Role.CLIENT)  # plus guardian and supervisor by the facts
    sign_within_days: StrictInt = Field(14, ge=0, le=365)
    signers: dict[str, Principal] = Field(default_factory=dict)  # a name as plans write it -> its key's principal
    fhir_namespace: uuid.UUID | None = None  # the clinic's own secret for FHIR resource ids (docs/fhir.md)
    timezone: str = "UTC"  # the clinic's IANA time zone: the day a signature was given, as the clinic lived it

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A zone of the IANA database; not `localtime`, which is whatever this machine is set to, so that every
        machine builds the same chart."""
        try:
            if value in _MACHINE_ZONES:
                raise ValueError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError("TX501", "must be an IANA time zone such as `America/Chicago` or `UTC`") from None
        return value

    def today(self) -> date:
        """Today in the clinic: what "after today" (TX219, TX207) and the caseload's days are judged by, the same on
        every machine whatever its own time zone."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    def local_day(self, moment: datetime) -> date:
        """The clinic's calendar day of ``moment`` (UTC, as signature records hold it): signed at 10 pm in New
        York is that day there, not the next day in UTC."""
        return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(self.timezone)).date()

    @property
    def fhir_ids(self) -> uuid.UUID:
        """The namespace FHIR resource ids are made in: the clinic's own, or txplan's public one."""
        return self.fhir_namespace or PUBLIC_FHIR_NAMESPACE

    @field_validator("clinic", "address", "confidentiality_notice")
    @classmethod
    def _printable(cls, value: str) -> str:
        """The clinic's name, address and notice head every chart page; TOML escapes (``\\u0000``) can make
        characters a DOCX cannot hold, so they are held to the rule of plan text (TX011)."""
        bad = forbidden_character(value)
        if bad is not None:
            raise PydanticCustomError("TX501", "has control character U+{code}, which is not allowed",
                                      {"code": f"{ord(bad.group()):04X}"})
        return value

    @field_validator("optional_elements")
    @classmethod
    def _known_elements(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(v not in ELEMENTS_BY_KEY for v in value):
            raise PydanticCustomError("TX501", "must name only elements of the format: {known}",
                                      {"known": ", ".join(ELEMENTS_BY_KEY)})
        return value

    @field_validator("crisis_lines")
    @classmethod
    def _some_crisis_line(cls, value: tuple[CrisisLine, ...]) -> tuple[CrisisLine, ...]:
        if not value:
            raise PydanticCustomError("TX501", "needs at least one line, such as the {line}",
                                      {"line": DEFAULT_CRISIS_LINE.name})
        return value


def load_policy(root: Path) -> tuple[Policy, list[Diagnostic]]:
    """Read the policy; a broken one is reported, each problem at its key, and the defaults are used."""
    path = root / PYPROJECT
    if not path.exists():
        return Policy(), []
    raw, refused = read_bounded(path, PYPROJECT)
    if raw is None:
        return Policy(), refused
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    try:
        table = tomllib.loads(text).get("tool", {}).get("txplan", {})
    except tomllib.TOMLDecodeError as exc:
        return Policy(), [make(PYPROJECT, _toml_error_position(exc, text), "TX501",
                               "pyproject.toml is not valid TOML; the problem is at this position")]
    try:
        return Policy.model_validate(table), []
    except ValidationError as exc:
        positions = _positions(text)
        document = Document(PYPROJECT, table, Positions(positions, positions, positions.get((), (1, 1))), "", 0, text)
        return Policy(), [_in_table(d) for d in validation_diagnostics(exc, document, Policy)]


def key_position(root: Path, path: KeyPath) -> Pos | None:
    """Where a key of ``[tool.txplan]`` is written in the clinic's pyproject.toml (None when it is not): a finding
    about what a setting names, such as a file it points to, is reported at the setting."""
    file = root / PYPROJECT
    if not file.is_file():
        return None
    return _positions(file.read_text("utf-8", errors="replace").replace("\r\n", "\n")).get(path)


def _in_table(diagnostic: Diagnostic) -> Diagnostic:
    """A finding of the model's validation, as a policy finding: code TX501, the message naming the table."""
    return make(diagnostic.path, (diagnostic.line, diagnostic.col), "TX501", f"[tool.txplan] {diagnostic.message}")


def _toml_error_position(exc: tomllib.TOMLDecodeError, text: str) -> Pos:
    """Where TOML failed, read from tomllib's message (Python 3.11 has no attributes for it); the message itself
    is not shown, since it quotes what it found (``Illegal character '\\x1b'``, a key's name)."""
    found = _TOML_POSITION.search(str(exc))
    if found:
        return int(found.group(1)), int(found.group(2))
    return max(text.count("\n"), 1), 1  # "at end of document"


def _positions(text: str) -> dict[KeyPath, Pos]:
    """Where each key under ``[tool.txplan]`` is written (its table's header for a table), by paths relative to it.

    tomlkit keeps the file as written: rendering the parsed file gives its text back. Each key is given a mark
    just before its indentation, the file is rendered once, and each mark's offset is where its key starts.
    The result is used only if, marks taken out, the rendering equals the file: then every mark is exactly in
    place. A key whose place is not found (inside an array, say) is reported at the nearest key around it.
    """
    try:
        document = tomlkit.parse(text)
    except (TOMLKitError, ValueError):
        return {}
    marks = _Marks()
    marks.walk(document.body, ())
    rendered = document.as_string()
    if _MARK.sub("", rendered) != text:
        return {}
    found: dict[KeyPath, Pos] = {}
    shift = 0
    for mark in _MARK.finditer(rendered):
        path, indent = marks.placed[int(mark.group(1))]
        offset = mark.start() - shift + indent
        shift += len(mark.group())
        if path[:len(TABLE)] == TABLE:
            found.setdefault(path[len(TABLE):], offset_position(text, offset))
    for path, pos in list(found.items()):  # a table written only through dotted keys (`a.b = 1`) is at its first key
        for cut in range(1, len(path)):
            found.setdefault(path[:cut], pos)
    return found


class _Marks:
    """Numbered marks put before keys' indentation in a tomlkit document, and the key each stands for."""

    def __init__(self) -> None:
        self.placed: list[tuple[KeyPath, int]] = []  # the key's path and the length of its own indentation

    def put(self, item: Item, path: KeyPath) -> None:
        self.placed.append((path, len(item.trivia.indent)))
        item.trivia.indent = f"\x00{len(self.placed) - 1}\x00{item.trivia.indent}"

    def walk(self, body: list[tuple[Key | None, Item]], path: KeyPath) -> None:
        for key, item in body:
            if key is None:  # whitespace and comments
                continue
            here = (*path, key.key)
            if isinstance(item, AoT):  # [[tool.txplan.x]]: each table of the array is at its own header
                for index, table in enumerate(item.body):
                    self.put(table, (*here, index))
                    self.walk(table.value.body, (*here, index))
                continue
            if not (isinstance(item, Table) and item.is_super_table()):  # `[tool]` in `[tool.txplan]` has no place
                self.put(item, here)
            if isinstance(item, Table | InlineTable):
                self.walk(item.value.body, here)
