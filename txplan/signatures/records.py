"""Signature records: what each signature says, where the records live, and what exactly is signed.

**Where.** A plan's signatures live in a sidecar next to it, ``plans/c-0042.md``
having ``plans/c-0042.md.signatures``: in the same folder, so it is exactly as
private as the plan (never published, git-ignored or committed with it, copied
with it), and never inside the plan file itself. Signing therefore never
rewrites what the clinician wrote: a tool that edits YAML front matter would
drop comments and reflow text, and every signature would then show the plan as
changed. The sidecar is a front-matter document (YAML between ``---`` lines,
then a note for whoever opens it), read by the same loader as plans, so a
broken record is reported at its line.

**What is signed.** Each record names the plan's content by a digest
(``content_digest``): SHA-256 over the plan file's text with line endings made
``\\n``, trailing white space cut from every line and trailing blank lines
dropped, so that an editor re-saving the file does not unsign it, while any
other change (a word, a date, a YAML comment) does. The SSH signature covers
the record itself (role, name, signer, time, method, that digest and the chart
it belongs to, the plan's ``client.id``), so none of them can be altered, and a
record copied into another client's sidecar names the wrong chart.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from io import StringIO
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from ..build.writer import write_atomic
from ..diagnostics import Diagnostic
from ..frontmatter import KeyPath, Positions, forbidden_character, load_document
from ..model import Id
from ..validation import validation_diagnostics

__all__ = [
    "SIDECAR_SUFFIX",
    "SIGNED_FORMAT",
    "Method",
    "Principal",
    "Record",
    "Role",
    "Sidecar",
    "SignedRecord",
    "SignerName",
    "Unsigned",
    "content_digest",
    "load_sidecar",
    "name_key",
    "same_name",
    "sidecar_path",
    "write_sidecar",
]

SIDECAR_SUFFIX = ".signatures"
PAYLOAD_HEADER = b"txplan signature record 2\n"  # 2: the chart is part of the record
DIGEST_PREFIX = "sha256:"
_NOTE = ("Signatures of the plan beside this file, written by `txplan sign`. Each one covers a digest of the plan's "
         "text and the record itself: editing a record makes its signature fail, and editing the plan shows every "
         "signature as given to an earlier version.\n")


class Role(StrEnum):
    CLINICIAN = "clinician"
    SUPERVISOR = "supervisor"
    CLIENT = "client"
    GUARDIAN = "guardian"

    @property
    def witnessed(self) -> bool:
        """Clients and guardians have no key: the clinician who saw them sign records it and signs the record."""
        return self in (Role.CLIENT, Role.GUARDIAN)


class Method(StrEnum):
    IN_PERSON = "in-person"
    PAPER = "paper"
    PORTAL = "portal"


def content_digest(text: str) -> str:
    """The digest a signature binds to: the text with line endings, trailing spaces and trailing blank lines
    normalized away (``text`` is the decoded file; a byte-order mark is not part of it)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    normalized = "\n".join(line.rstrip(" \t") for line in lines).rstrip("\n") + "\n"  # linear, unlike a regex
    return DIGEST_PREFIX + hashlib.sha256(normalized.encode("utf-8")).hexdigest()


_PRINCIPAL = re.compile(r"^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$")  # email-like: principals hold no spaces or commas


def _principal(value: str) -> str:
    if not _PRINCIPAL.match(value):
        raise PydanticCustomError("TX108", "must be an email-like principal such as `morgan.ellis@clinic.example` "
                                           "(no spaces or commas), as in the allowed-signers file")
    return value


Principal = Annotated[str, AfterValidator(_principal)]

MAX_NAME = 200
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")  # plan text may hold these; a name on one printed line may not
_DIRECTION_MARKS = frozenset("\u200e\u200f")  # LRM and RLM: a name in a right-to-left script may need them


def _one_line(value: str) -> str:
    """A name is printed on the chart's signature line: the characters no plan text may hold (TX011) are refused,
    and so are tabs and line breaks, which plan text may hold but a name on one line may not, and invisible format
    characters (a zero-width space), which would make one person two: the same name seen, another name compared."""
    if (forbidden_character(value) is not None or _LINE_BREAK.search(value) or not value.strip()
            or any(unicodedata.category(c) == "Cf" and c not in _DIRECTION_MARKS for c in value)):
        raise PydanticCustomError("TX108", "must be a name on one line, without control or invisible characters")
    return value


def name_key(name: str) -> str:
    """A name as names are compared: in Unicode's composed form (NFC), since a macOS terminal types the decomposed
    `a` + accent that another keyboard types as one character, and both are the same person's name."""
    return unicodedata.normalize("NFC", name)


def same_name(first: str, second: str) -> bool:
    return name_key(first) == name_key(second)


SignerName = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_one_line)]

_ARMOR = re.compile(r"-----BEGIN SSH SIGNATURE-----\n(?:[A-Za-z0-9+/]{1,76}={0,2}\n)+-----END SSH SIGNATURE-----\n?")


def _armored(value: str) -> str:
    """Exactly what ``ssh-keygen -Y sign`` writes, and nothing else: ``ssh-keygen -Y verify`` reads the armor and
    ignores what follows, so text after it would pass unseen and be carried into the FHIR export."""
    if not _ARMOR.fullmatch(value):
        raise PydanticCustomError("TX108", "must be the armored SSH signature `ssh-keygen -Y sign` writes, and "
                                           "nothing else: a BEGIN SSH SIGNATURE line, lines of base64, an END SSH "
                                           "SIGNATURE line")
    return value


ArmoredSignature = Annotated[str, Field(max_length=10_000), AfterValidator(_armored)]

SIGNED_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _a_real_time(value: str) -> str:
    """A signing time that is a time: `2026-02-30T25:61:61Z` has the shape and would break every chart printing it."""
    try:
        datetime.strptime(value, SIGNED_FORMAT)
    except ValueError:
        raise PydanticCustomError("TX108", "must be a real UTC time such as `2026-11-09T14:30:00Z`") from None
    return value


SignedTime = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"), AfterValidator(_a_real_time)]


class Unsigned(BaseModel):
    """What a signature says, before it is signed: every field of a record but the signature itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    chart: Id  # the plan's client.id: a record copied to another client's plan names the wrong chart
    name: SignerName  # as printed on the chart
    signer: Principal  # the key's principal: the signer's own, or for a client or guardian the witness's
    signed: SignedTime  # UTC, to the second
    digest: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    method: Method | None = None  # how a client or guardian signed

    def payload(self) -> bytes:
        """The bytes the SSH signature covers: every field but the signature, in a fixed form."""
        fields = self.model_dump(mode="json", exclude={"signature"}, exclude_none=True)
        return PAYLOAD_HEADER + json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class Record(Unsigned):
    """One signature, or one witnessed signature, as the sidecar holds it."""

    signature: ArmoredSignature

    @property
    def time(self) -> datetime:
        return datetime.strptime(self.signed, SIGNED_FORMAT)


class Sidecar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signatures: list[Record] = Field(default_factory=list, max_length=200)


@dataclass(frozen=True)
class SignedRecord:
    """A record as read, with where it sits in the sidecar (for diagnostics located at the record)."""

    record: Record
    index: int
    position: tuple[int, int]


def sidecar_path(plan: Path) -> Path:
    return plan.with_name(plan.name + SIDECAR_SUFFIX)


def load_sidecar(path: Path, display: str) -> tuple[list[SignedRecord], list[Diagnostic]]:
    """The records beside a plan (none when there is no sidecar), or the diagnostics of a broken one."""
    if not path.exists():
        return [], []
    document, diagnostics = load_document(path, display)
    if document is None:
        return [], diagnostics
    try:
        sidecar = Sidecar.model_validate(document.data)
    except ValidationError as exc:
        return [], validation_diagnostics(exc, document, Sidecar)
    return [SignedRecord(record, index, _at(document.positions, ("signatures", index)))
            for index, record in enumerate(sidecar.signatures)], []


def _at(positions: Positions, path: KeyPath) -> tuple[int, int]:
    return positions.of_value(path)


def write_sidecar(path: Path, records: list[Record]) -> None:
    """The sidecar with these records, atomically and as private as a chart (0600): fields in the record's own
    order, the armored signature as a block of its lines."""
    yaml = YAML()  # the round-trip dumper keeps the fields' order
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    buffer = StringIO()
    yaml.dump({"signatures": [_plain(r) for r in records]}, buffer)
    write_atomic(path, f"---\n{buffer.getvalue()}---\n{_NOTE}".encode())


def _plain(record: Record) -> dict[str, Any]:
    fields = record.model_dump(mode="json", exclude_none=True)
    fields["signature"] = LiteralScalarString(record.signature)
    return fields
