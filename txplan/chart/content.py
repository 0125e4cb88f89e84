"""What a chart says, with no format: an ordered tree of blocks that every renderer walks.

The chart's wording (headings, sentences, table cells, the order an auditor
reads them in) is decided once, in ``txplan.chart.build``, and held here as
plain frozen data. Each output format is a renderer that walks these blocks
(``txplan.render.docx``, ``txplan.render.html``), so adding a format never
means re-deciding what a chart says, and two formats cannot say different
things.

Blocks carry text, never markup: a renderer escapes what it writes. The one
exception is ``Markdown``, whose source a renderer parses with markdown-it
(raw HTML is never passed through).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ..progress import MeasureStatus

__all__ = [
    "Block",
    "BulletList",
    "ChartContent",
    "Form",
    "FormRow",
    "Furniture",
    "Graph",
    "Heading",
    "Markdown",
    "Metadata",
    "Paragraph",
    "Run",
    "Section",
    "SignatureBlock",
    "Signer",
    "Style",
    "Table",
]


class Style(StrEnum):
    """What a paragraph is, for a renderer to give it a look: never how it looks."""

    BODY = "body"
    TITLE = "title"
    SUBTITLE = "subtitle"
    LABEL = "label"  # a short bold caption above what it names ("Evidenced by")
    QUOTE = "quote"  # the client's own words
    NOTE = "note"  # why something is absent ("Not indicated: ...")
    DETAILS = "details"  # small print under an intervention item


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: Style = Style.BODY
    keep_with_next: bool = False  # a print renderer keeps it on the page of what follows

    @classmethod
    def of(cls, text: str, style: Style = Style.BODY, *, keep_with_next: bool = False) -> Paragraph:
        return cls((Run(text),), style, keep_with_next)

    @classmethod
    def labelled(cls, label: str, value: str) -> Paragraph:
        """``Label: value`` with the label in bold."""
        return cls((Run(f"{label}: ", bold=True), Run(value)))

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """A heading that does not open a section of its own (a section's heading is its title)."""

    text: str
    level: int


@dataclass(frozen=True)
class BulletList:
    """Plain-text entries (plan fields are text, not Markdown)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """Plain-text cells. ``widths`` are fractions of the text width; a row with fewer cells than columns lets
    its last cell span the rest. ``label_columns`` hold labels of the cells beside them (a key-value table)."""

    header: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    label_columns: frozenset[int] = frozenset()


@dataclass(frozen=True)
class FormRow:
    label: str  # "Step 1", or "" for a row without a number
    title: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Form:
    """A printed form of numbered steps, each a title over a list (the Stanley-Brown safety plan)."""

    rows: tuple[FormRow, ...]
    widths: tuple[float, float]


@dataclass(frozen=True)
class Markdown:
    """Text the clinician or a template wrote in Markdown; its highest heading becomes ``top_heading``."""

    source: str
    top_heading: int


@dataclass(frozen=True)
class Graph:
    """A progress graph of one measure; ``description`` is its text alternative, which every renderer keeps."""

    status: MeasureStatus
    start: date
    description: str


@dataclass(frozen=True)
class Signer:
    """One person's place in the signature block: ``signed`` says how they signed electronically; empty, the
    renderer draws a line to sign by hand, with ``note`` under it when there is something to say."""

    name: str
    role: str
    signed: str = ""
    note: str = ""


@dataclass(frozen=True)
class SignatureBlock:
    statement: str
    signers: tuple[Signer, ...]
    digest: str = ""  # what the signatures cover, so a printout can be matched to the repository


@dataclass(frozen=True)
class Section:
    """A titled part of the chart and what it holds; sections nest."""

    title: str
    level: int
    blocks: tuple[Block, ...] = ()


Block = Section | Heading | Paragraph | BulletList | Table | Form | Markdown | Graph | SignatureBlock


@dataclass(frozen=True)
class Furniture:
    """What every page shows: the clinic, its address and the confidentiality notice above, the client below."""

    clinic: str
    notice: str
    footer: str
    mark: str = ""  # printed boldly between them: a draft's
    address: str = ""  # the clinic's address line, under its name


@dataclass(frozen=True)
class Metadata:
    """A document's own properties: what kind of document it is, and nothing from the plan. File managers,
    search indexes and document servers show and copy metadata without opening the chart, so no plan value goes
    there (not the clinician, not the plan's dates: a date of service is PHI)."""

    title: str
    subject: str


@dataclass(frozen=True)
class ChartContent:
    furniture: Furniture
    metadata: Metadata
    blocks: tuple[Block, ...] = field(default_factory=tuple)
