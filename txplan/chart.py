"""The chart: one DOCX per valid plan, for the client's record and for auditors.

``ChartRenderer`` prepares a clean base document once (the clinic's reference
document, or python-docx's default template, with its body, leftovers and
machine-specific metadata removed, and the styles and list definitions the
chart needs added) and then renders each plan into a fresh copy of it.

The output is reproducible to the byte: core properties come from the plan,
zip entries have a fixed date, order and compression, and every generated id
(relationships, numbering instances, pictures) is a counter over the content.

Some content comes from outside the plan's text: the clinic's crisis lines
(policy), progress graphs with the status in words for measures with scores
(``progress``, drawn by ``progress_chart``), and, when the caller passes one, the
changes since the last review from git (``history``). A closed plan ends with a
discharge summary instead of a review date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr
from zipfile import ZIP_DEFLATED, BadZipFile, ZipFile, ZipInfo

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.image.image import Image as DocxImage
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.parts.numbering import NumberingPart
from docx.shared import Emu, Twips

from . import __version__
from .cadence import SCHEDULES_BY_NAME
from .check import CheckedPlan
from .elements import ELEMENTS, STANLEY_BROWN_STEPS, Element, Shape
from .frontmatter import KeyPath
from .history import Change, ChangeSet
from .instruments import INSTRUMENTS_BY_NAME, Instrument
from .markdown_docx import (
    LIST_PARAGRAPH,
    MARKDOWN_STYLES,
    QUOTE,
    SUBTITLE,
    TABLE_HEADING,
    TABLE_TEXT,
    TITLE,
    W_P,
    W_PPR,
    W_R,
    DocxWriter,
    StyleSpec,
    SubElement,
    ensure_list_definitions,
    ensure_styles,
    heading_style,
    next_num_id,
    style_ids,
)
from .model import Approach, Closure, Contact, Crisis, Evaluation, Frequency, Goal, Item, Measure, Plan, Problem, Risk
from .policy import Policy
from .progress import MeasureStatus, long_date, measure_status
from .rules import element_required, instrument_for
from .safety import CrisisLine

HEADER, FOOTER = "Header", "Footer"
ITEM_DETAILS, ELEMENT_NOTE = "Item Details", "Element Note"
SIGNATURE_LINE, SIGNATURE_CAPTION = "Signature Line", "Signature Caption"

CHART_STYLES: tuple[StyleSpec, ...] = (
    StyleSpec(HEADER, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=8),
    StyleSpec(FOOTER, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=8),
    StyleSpec(ITEM_DETAILS, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=9, color="5A6570", space_after=10),
    StyleSpec(ELEMENT_NOTE, WD_STYLE_TYPE.PARAGRAPH, "Normal", italic=True, color="5A6570"),
    StyleSpec(SIGNATURE_LINE, WD_STYLE_TYPE.PARAGRAPH, "Normal", space_before=28, space_after=0, keep_with_next=True),
    StyleSpec(SIGNATURE_CAPTION, WD_STYLE_TYPE.PARAGRAPH, "Normal", size=9, space_after=6, keep_with_next=True),
)

NOT_INCLUDED = "Not included: optional under clinic policy."
CONFIDENTIAL = "Confidential: protected health information"
DOCUMENT_TITLE = "Treatment plan"
DOCUMENT_SUBJECT = "Psychotherapy treatment plan"
APPLICATION = "txplan"

EMU_PER_TWIP = 635
W_DRAWING = qn("w:drawing")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPH_NAME = "txplan-graph-"  # + graph_key: the picture's name (wp:docPr/@name), how a rebuild finds its graph
DEFAULT_CONTENT_TYPES = {"png": CT.PNG}  # by extension, as Word writes them; any other part gets an Override

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6
SIGNATURE_SPLIT = 0.62  # the signature line ends here (fraction of the text width); the date line follows

SETTINGS = {"in-person": "in person", "telehealth": "by telehealth", "hybrid": "in person and by telehealth"}

# Relationships worth keeping from a reference document; anything else it relates (comments,
# custom XML, thumbnails, body images, template paths) is dropped unless the kept XML refers to it.
STRUCTURAL_RELATIONSHIPS = frozenset({
    RT.STYLES, RT.NUMBERING, RT.SETTINGS, RT.WEB_SETTINGS, RT.FONT_TABLE, RT.THEME, RT.FOOTNOTES, RT.ENDNOTES})
PACKAGE_RELATIONSHIPS = frozenset({RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES})
MACHINE_SETTINGS = frozenset({"rsids", "attachedTemplate", "docId", "savePreviewPicture", "mailMerge", "proofState",
                              "documentProtection", "writeProtection"})
BUILT_IN_STYLES = frozenset({"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid",
                             "Title", "Subtitle", "Quote", "List Paragraph", "Header", "Footer",
                             *(heading_style(level) for level in range(1, 7))})

APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>" + APPLICATION.encode() + b"</Application><DocSecurity>0</DocSecurity></Properties>"
)


class ChartReferenceError(ValueError):
    """The clinic's reference document cannot be used."""


class ChartRenderer:
    """Renders checked plans to DOCX bytes on a base prepared once from the reference document."""

    def __init__(self, policy: Policy, reference: Path | None) -> None:
        self.policy = policy
        document = _open_reference(reference) if reference is not None else default_reference()
        self._list_ids = prepare_base(document)
        self._base = package_bytes(document)
        self._styles = style_ids(document)
        self._text_width = text_width(document)
        self._first_num = next_num_id(document.part.numbering_part.element)

    def render(self, checked: CheckedPlan, history: ChangeSet | None = None,
               graphs: Mapping[str, bytes] | None = None) -> bytes:
        """The complete chart of one valid plan, with its changes since the last review when it has a history
        in git; the same plan and history always give the same bytes. ``graphs`` are progress graphs already
        drawn, by ``graph_key`` (see ``graphs_in``); any other is drawn."""
        if checked.plan is None or checked.document is None or not checked.ok:
            raise ValueError(f"{checked.path}: only a plan without errors gets a chart")
        document = Document(BytesIO(self._base))
        writer = DocxWriter(self._styles, document.part, document.part.numbering_part.element, self._list_ids,
                            self._text_width, self._first_num)
        chart = _Chart(writer, document.element.body, checked.plan, checked.rendered, self.policy, history,
                       graphs or {})
        chart.page_furniture(page_stories(document))
        chart.write(checked.document.body)
        set_core_properties(document)
        return package_bytes(document)


def graph_key(status: MeasureStatus, start: dt.date) -> str:
    """Everything a progress graph's bytes depend on: its data, and the code and libraries that draw and
    encode it (``progress_chart``). A chart rebuilt for another reason than its scores takes its earlier
    graph when the key is the same.

    Only the light parts of matplotlib and Pillow are imported, for their versions: a rebuild whose
    graphs are all reused never loads the drawing stack (about half a second per process).
    """
    import matplotlib
    import PIL
    from matplotlib.ft2font import __freetype_version__
    from PIL import Image, features

    drawn_by = (__version__, matplotlib.__version__, __freetype_version__, PIL.__version__, features.version("zlib"),
                getattr(getattr(Image, "core", None), "zlib_ng_version", ""))  # newer Pillow may encode with zlib-ng
    drawn = (status.instrument, status.baseline, status.target,
             [(s.date.isoformat(), s.score, s.item9) for s in status.scores], start.isoformat(),
             [(c, first.isoformat(), last.isoformat()) for c, first, last in
              status.cutoff_periods(min(start, *(s.date for s in status.scores[:1])))],
             )  # the instrument table's own dataclasses and the cutoffs for the client's age; never a library's repr
    return hashlib.sha256(repr((drawn_by, drawn)).encode()).hexdigest()[:32]


def _draw(status: MeasureStatus, start: dt.date) -> bytes:
    from .progress_chart import progress_png  # matplotlib's drawing stack, loaded only to draw

    return progress_png(status, start)


def graphs_in(package: bytes) -> dict[str, bytes]:
    """The progress graphs of a chart written earlier, by graph key; none when it cannot be read.

    Reuse only saves drawing time, so a package that fails to read in any way (zip, zlib, XML) just
    means drawing again, and only PNG data is taken.
    """
    try:
        with ZipFile(BytesIO(package)) as archive:
            body = parse_xml(archive.read("word/document.xml"))
            targets = {r.get("Id"): r.get("Target", "") for r in parse_xml(archive.read("word/_rels/document.xml.rels"))}
            graphs: dict[str, bytes] = {}
            for drawing in body.iter(W_DRAWING):
                name = next(drawing.iter(qn("wp:docPr"))).get("name", "")
                blip = next(drawing.iter(qn("a:blip")), None)
                target = targets.get(blip.get(qn("r:embed"))) if blip is not None else None
                if name.startswith(GRAPH_NAME) and target:
                    graphs[name.removeprefix(GRAPH_NAME)] = archive.read(f"word/{target}")
    except Exception:  # zipfile, zlib and lxml each fail in their own ways on a damaged file
        return {}
    return {key: png for key, png in graphs.items() if png.startswith(PNG_SIGNATURE)}


def _open_reference(reference: Path) -> Any:
    try:
        return Document(str(reference))
    except (OSError, KeyError, ValueError, SyntaxError, BadZipFile, PackageNotFoundError) as exc:  # lxml raises SyntaxError
        # named by the kind of failure: lxml's and zipfile's own text quotes what they found in the file
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ChartReferenceError(f"{reference}: not a usable Word document ({detail})") from exc


# --- the base document ---------------------------------------------------------------------------------


def default_reference() -> Any:
    """python-docx's default template, cut down to the styles a chart uses (its styles part is 400 kB)."""
    document = Document()
    prune_styles(document, BUILT_IN_STYLES)
    return document


def prune_styles(document: Any, keep: Iterable[str]) -> None:
    """Remove every style not in ``keep``, except defaults and the styles the kept ones build on."""
    styles = {style.style_id: style for style in document.styles}
    names = set(keep)
    wanted = [style.style_id for style in styles.values() if style.name in names or style.element.default]
    kept: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in styles:
            continue
        kept.add(style_id)
        wanted.extend(styles[style_id].element.xpath("./w:basedOn/@w:val | ./w:next/@w:val | ./w:link/@w:val"))
    for style_id, style in styles.items():
        if style_id not in kept:
            style.element.getparent().remove(style.element)


def prepare_base(document: Any) -> tuple[int, int]:
    """Turn a reference document into a base: its look without its content or its history.

    Returns the abstract numbering ids of the bullet and numbered list definitions.
    """
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for name in list(body.sectPr.attrib):
        del body.sectPr.attrib[name]  # rsid revision marks
    settings = document.part.part_related_by(RT.SETTINGS)
    _clean_settings(settings.element)
    _drop_unreferenced(document.part, STRUCTURAL_RELATIONSHIPS)
    _drop_unreferenced(settings, frozenset())
    _replace_package_properties(document)
    ensure_styles(document, (*MARKDOWN_STYLES, *CHART_STYLES))
    _indent_lists_by_numbering(document)
    _set_tab_stops(document, text_width(document))
    return ensure_list_definitions(_numbering_part(document).element)


def text_width(document: Any) -> int:
    """Width between the margins, in twips."""
    section = document.sections[-1]
    sizes = (section.page_width, section.left_margin, section.right_margin)
    if None in sizes:
        raise ChartReferenceError("the reference document does not set its page size and margins")
    return int((sizes[0] - sizes[1] - sizes[2]) / 635)


def _clean_settings(settings: Any) -> None:
    for child in list(settings):
        if child.xpath("local-name()") in MACHINE_SETTINGS:
            settings.remove(child)


def _drop_unreferenced(part: Any, keep: frozenset[str]) -> None:
    referenced = set(part.element.xpath("//@r:id | //@r:embed | //@r:link"))
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype not in keep and rel_id not in referenced:
            del part.rels[rel_id]


def _replace_package_properties(document: Any) -> None:
    """Fresh core properties and a minimal app.xml: nothing of the machine or person that made the reference."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype not in PACKAGE_RELATIONSHIPS:
            del package.rels[rel_id]
    app = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, APP_XML, package)
    package.relate_to(app, RT.EXTENDED_PROPERTIES)
    core = document.core_properties._element
    for child in list(core):
        core.remove(child)


def _numbering_part(document: Any) -> Any:
    """The numbering part; python-docx cannot create one, so add an empty one when the reference has none."""
    try:
        return document.part.numbering_part
    except NotImplementedError:
        blob = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
        part = NumberingPart.load(PackURI("/word/numbering.xml"), CT.WML_NUMBERING, blob, document.part.package)
        document.part.relate_to(part, RT.NUMBERING)
        return part


def _indent_lists_by_numbering(document: Any) -> None:
    """Word lets a paragraph style's indent override a list level's, so list items take theirs from the list."""
    style = document.styles[LIST_PARAGRAPH].element
    for indent in style.findall(f"{qn('w:pPr')}/{qn('w:ind')}"):
        indent.getparent().remove(indent)


def _set_tab_stops(document: Any, width: int) -> None:
    """Header, footer and signature tab stops follow the page's text width, whatever the reference's margins."""
    split = int(width * SIGNATURE_SPLIT)
    gap = int(width * (SIGNATURE_SPLIT + 0.05))
    center, right, left = WD_TAB_ALIGNMENT.CENTER, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_ALIGNMENT.LEFT
    blank, line = WD_TAB_LEADER.SPACES, WD_TAB_LEADER.LINES
    page_line = ((width // 2, center, blank), (width, right, blank))
    stops = {
        HEADER: page_line,
        FOOTER: page_line,
        SIGNATURE_LINE: ((split, right, line), (gap, left, blank), (width, right, line)),
        SIGNATURE_CAPTION: ((gap, left, blank),),
    }
    for name, positions in stops.items():
        tab_stops = document.styles[name].paragraph_format.tab_stops
        tab_stops.clear_all()
        for position, alignment, leader in positions:
            tab_stops.add_tab_stop(Twips(position), alignment, leader)


# --- metadata and packaging ----------------------------------------------------------------------------


def set_core_properties(document: Any) -> None:
    """What kind of document this is, and nothing from the plan. Metadata is what file managers, search
    indexes and document servers show and copy without opening the chart, so no plan value goes there: not
    the clinician (an author name also broke python-docx's 255-character limit), not the plan's dates (a
    date of service is PHI). No date at all, rather than a made-up one, so a rebuild changes nothing."""
    properties = document.core_properties
    properties.title = DOCUMENT_TITLE
    properties.subject = DOCUMENT_SUBJECT
    properties.revision = 1


def package_bytes(document: Any) -> bytes:
    """The package as a zip with fixed entry dates, order and compression (python-docx stamps the time)."""
    package = document.part.package
    parts = list(package.iter_parts())
    entries: list[tuple[str, bytes]] = [("[Content_Types].xml", _content_types(parts)), ("_rels/.rels", package.rels.xml)]
    for part in parts:
        entries.append((part.partname.membername, part.blob))
        if len(part.rels):
            entries.append((part.partname.rels_uri.membername, part.rels.xml))
    buffer = BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for name, data in entries:
            info = ZipInfo(name, ZIP_DATE)
            info.create_system = 0
            info.compress_type = ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=ZIP_LEVEL)
    return buffer.getvalue()


def _content_types(parts: Sequence[Any]) -> bytes:
    by_default = [part for part in parts if DEFAULT_CONTENT_TYPES.get(part.partname.ext) == part.content_type]
    defaults = "".join(f'<Default Extension="{ext}" ContentType="{DEFAULT_CONTENT_TYPES[ext]}"/>'
                       for ext in sorted({part.partname.ext for part in by_default}))
    overrides = "".join(f"<Override PartName={quoteattr(part.partname)} ContentType={quoteattr(part.content_type)}/>"
                        for part in parts if part not in by_default)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{CT.OPC_RELATIONSHIPS}"/>'
            f'<Default Extension="xml" ContentType="{CT.XML}"/>{defaults}{overrides}</Types>').encode()


# --- wording -------------------------------------------------------------------------------------------


def frequency_sentence(frequency: Frequency) -> str:
    """``Weekly individual and family sessions of 60 minutes, in person, for 13 weeks.``"""
    schedule = SCHEDULES_BY_NAME[frequency.schedule]
    sessions = f"{and_list(frequency.formats)} sessions of {frequency.minutes} minutes{schedule.after}"
    text = f"{schedule.adjective} {sessions}" if schedule.adjective else sessions
    weeks = "1 week" if frequency.weeks == 1 else f"{frequency.weeks} weeks"
    return f"{text[0].upper()}{text[1:]}, {SETTINGS[frequency.setting]}, for {weeks}."


def and_list(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def crisis_lines_text(lines: Sequence[CrisisLine]) -> str:
    return "; ".join(f"{line.name}: {line.phone}" for line in lines)


def screening_text(risk: Risk) -> str:
    screening = risk.screening
    return "Not recorded" if screening is None else f"{screening.instrument} on {long_date(screening.date)}"


def reassess_text(risk: Risk) -> str:
    return "Not scheduled" if risk.reassess is None else _capital(
        risk.reassess if risk.reassess.startswith("every ") else f"every {risk.reassess}")


def expected_date(goal: Goal) -> str:
    """A goal has no target date of its own; it is expected when its last objective is."""
    return long_date(max(objective.target_date for objective in goal.objectives))


def criteria_text(closure: Closure) -> str:
    return {"all": "All", "some": "Some", "none": "None"}[closure.criteria_met]


def final_score_row(status: MeasureStatus) -> tuple[str, str, str, str]:
    """Instrument, baseline, final score with its date, and whether the target was met."""
    latest = status.latest
    final = "Not measured" if latest is None else f"{latest.score:g} on {long_date(latest.date)}"
    met = "Not measured" if status.target_met is None else ("Met" if status.target_met else "Not met")
    return status.instrument.name, f"{status.baseline:g}", final, f"{status.target_text()}: {met}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def absence_note(element: Element, plan: Plan, policy: Policy) -> str:
    """Why a valid plan lacks an element: the plan's facts do not call for it, or the clinic made it optional."""
    if element.not_indicated and not element_required(element, plan, policy):
        return element.not_indicated
    return NOT_INCLUDED


def _instrument(measure: Measure) -> Instrument:
    instrument = instrument_for(measure)
    if instrument is None:
        raise ValueError(f"{measure.instrument} has no range; the plan was not checked")
    return instrument


def instrument_description(measure: Measure) -> str:
    """Name and what it measures (for instruments txplan knows), then its scale on a second line."""
    instrument = _instrument(measure)
    name = f"{instrument.name}: {instrument.measures}" if measure.instrument in INSTRUMENTS_BY_NAME else instrument.name
    return f"{name}\nScale {instrument.low:g}\u2013{instrument.high:g}, {instrument.better.value} is better"


def status_of(measure: Measure, plan: Plan) -> MeasureStatus:
    """The measure's status, judged by the cutoffs for the client's age."""
    return measure_status(measure, _instrument(measure), plan.client.dob)


def latest_score_text(status: MeasureStatus) -> str:
    if status.latest is None:
        return "Not yet measured"
    text = f"{status.latest.score:g} on {long_date(status.latest.date)}" + (f" ({status.band})" if status.band else "")
    return text + ("; target met" if status.target_met else "")


def change_row(change: Change) -> tuple[str, str, str]:
    day = change.date.isoformat() if change.date is not None else "Not committed"
    return day, f"{change.subject} ({change.kind.value})", change.detail


def contact_text(contact: Contact) -> str:
    return f"{contact.name}: {contact.phone}" if contact.phone else contact.name


# --- the document --------------------------------------------------------------------------------------


@dataclass
class _Chart:
    """Writes the sections of one chart, in the order an auditor reads them, into the document body."""

    writer: DocxWriter
    body: Any
    plan: Plan
    rendered: dict[KeyPath, str]
    policy: Policy
    history: ChangeSet | None = None
    graphs: Mapping[str, bytes] = field(default_factory=dict)

    def write(self, narrative: str) -> None:
        self._title()
        self._identification()
        self._diagnoses_and_risk()
        self._strengths_and_participation()
        self._problems()
        self._interventions()
        self._heading("Discharge criteria", 1)
        self.writer.plain_list(self.body, self.plan.discharge)
        if self.plan.status == "closed" and self.plan.closure is not None:
            self._discharge_summary(self.plan.closure)
        if self.history is not None:
            self._history(self.history)
        self._narrative(narrative)
        self._signatures()

    def page_furniture(self, stories: Iterable[tuple[Any, Any]]) -> None:
        """Header: clinic, DRAFT, confidentiality. Footer: client and "Page X of Y" as fields."""
        client = f"{self.plan.client.name} \u00b7 Chart {self.plan.client.id}"
        for header, footer in stories:
            line = self.writer.paragraph(header, HEADER, f"{self.policy.clinic}\t")
            if self.plan.status == "draft":
                self.writer.run(line, "DRAFT", bold=True)
            self.writer.run(line, f"\t{CONFIDENTIAL}")
            page = self.writer.paragraph(footer, FOOTER, f"{client}\t\tPage ")
            self.writer.field(page, "PAGE")
            self.writer.run(page, " of ")
            self.writer.field(page, "NUMPAGES")

    # helpers

    def _heading(self, text: str, level: int) -> None:
        self.writer.paragraph(self.body, heading_style(level), text)

    def _paragraph(self, text: str, style: str | None = None, keep_next: bool = False) -> None:
        self.writer.paragraph(self.body, style, text, keep_next=keep_next)

    def _labelled(self, label: str, value: str) -> None:
        p = self.writer.paragraph(self.body)
        self.writer.run(p, f"{label}: ", bold=True)
        self.writer.run(p, value)

    def _widths(self, fractions: Sequence[float]) -> list[int]:
        return [int(self.writer.text_width * fraction) for fraction in fractions]

    def _table(self, header: Sequence[str] | None, rows: Sequence[Sequence[str]], fractions: Sequence[float],
               label_columns: Iterable[int] = ()) -> None:
        """A table of plain text, kept on one page; widths are fractions of the text width, and a row with
        fewer cells than columns lets its last cell span the rest."""
        widths = self._widths(fractions)
        labels = set(label_columns)
        table = self.writer.table(self.body, widths, header is not None)
        all_rows = [(header, True), *((row, False) for row in rows)] if header is not None else [(r, False) for r in rows]
        for index, (texts, is_header) in enumerate(all_rows):
            row = self.writer.row(table, is_header)
            keep_next = index < len(all_rows) - 1
            for column, text in enumerate(texts):
                width = widths[column] if column < len(texts) - 1 else sum(widths[column:])
                cell = self.writer.cell(row, width, span=len(widths) - len(texts) + 1 if column == len(texts) - 1 else 1)
                style = TABLE_HEADING if is_header or column in labels else TABLE_TEXT
                self.writer.paragraph(cell, style, text, keep_next=keep_next)

    # sections

    def _title(self) -> None:
        self._paragraph(DOCUMENT_TITLE, TITLE)
        self._paragraph(f"{self.plan.client.name} \u00b7 effective {long_date(self.plan.dates.effective)}", SUBTITLE)

    def _identification(self) -> None:
        plan = self.plan
        self._heading("Identification", 1)
        self._table(None, [
            ("Client", plan.client.name, "Chart id", plan.client.id),
            ("Date of birth", long_date(plan.client.dob), "Pronouns", plan.client.pronouns or "Not stated"),
            ("Clinician", plan.clinician.name, "Supervisor", plan.clinician.supervisor or "None"),
            ("Effective date", long_date(plan.dates.effective), *self._review_or_closure()),
            ("Status", plan.status.capitalize()),
        ], (0.19, 0.31, 0.17, 0.33), label_columns=(0, 2))

    def _review_or_closure(self) -> tuple[str, str]:
        """A closed plan is not reviewed again: it shows when it closed instead."""
        closure = self.plan.closure
        if self.plan.status == "closed" and closure is not None:
            return "Closed on", long_date(closure.date)
        return "Review date", long_date(self.plan.dates.review)

    def _diagnoses_and_risk(self) -> None:
        self._heading("Diagnoses and risk", 1)
        self._heading("Diagnoses", 2)
        self._table(("Code", "Diagnosis"), [(d.code, d.description) for d in self.plan.diagnoses], (0.15, 0.85))
        self._heading("Risk", 2)
        risk = self.plan.risk
        self._labelled("Risk level", risk.level.capitalize())
        self._paragraph(risk.summary)
        self._labelled("Screening", screening_text(risk))
        self._labelled("Risk reassessed", reassess_text(risk))
        self._labelled("Crisis lines, at any hour", crisis_lines_text(self.policy.crisis_lines))

    def _strengths_and_participation(self) -> None:
        client = self.plan.client
        self._heading("Strengths, preferences and participation", 1)
        self._heading("Strengths", 2)
        self.writer.plain_list(self.body, client.strengths)
        self._heading("Preferences", 2)
        if client.preferences:
            self.writer.plain_list(self.body, client.preferences)
        else:
            self._paragraph("None recorded.", ELEMENT_NOTE)
        self._heading("Client participation", 2)
        self._paragraph(self.plan.participation)

    def _problems(self) -> None:
        self._heading("Problems, goals and objectives", 1)
        for problem in self.plan.problems:
            self._problem(problem)

    def _problem(self, problem: Problem) -> None:
        self._heading(f"Problem {problem.id}: {problem.statement}", 2)
        self._paragraph("Evidenced by", TABLE_HEADING, keep_next=True)
        self.writer.plain_list(self.body, problem.evidenced_by)
        for goal in problem.goals:
            self._goal(goal)

    def _goal(self, goal: Goal) -> None:
        self._heading(f"Goal {goal.id}" + (" (interpersonal)" if goal.interpersonal else ""), 3)
        self._paragraph(f"\u201c{goal.statement}\u201d", QUOTE, keep_next=True)  # with its objectives
        self._paragraph(f"Expected by {expected_date(goal)}, the latest target date of its objectives.", ITEM_DETAILS,
                        keep_next=True)
        rows = [(o.id, o.statement, o.measure, long_date(o.target_date)) for o in goal.objectives]
        self._table(("Id", "Objective", "Measure", "Target date"), rows, (0.07, 0.45, 0.27, 0.21))

    def _interventions(self) -> None:
        self._heading("Interventions", 1)
        writers: dict[Shape, Callable[[Any, Element], None]] = {
            Shape.ITEMS: self._items,
            Shape.APPROACHES: self._approaches,
            Shape.FREQUENCY: self._frequency,
            Shape.CRISIS: self._crisis,
            Shape.EVALUATION: self._evaluation,
        }
        for element in ELEMENTS:
            self._heading(element.title, 2)
            value = getattr(self.plan.interventions, element.key)
            if value is None:
                self._paragraph(absence_note(element, self.plan, self.policy), ELEMENT_NOTE)
            else:
                writers[element.shape](value, element)

    def _items(self, items: list[Item], element: Element) -> None:
        self._item_list(items, ("interventions", element.key))

    def _item_list(self, items: Sequence[Item], base: KeyPath) -> None:
        for index, item in enumerate(items):
            self.writer.markdown(self.body, self.rendered[(*base, index)], 3)
            details = f"Serves: {', '.join(item.for_)} \u00b7 Responsible: {item.by or self.plan.clinician.name}"
            self._paragraph(details, ITEM_DETAILS)

    def _approaches(self, approaches: list[Approach], element: Element) -> None:
        for approach in approaches:
            self._labelled(approach.modality, approach.rationale)

    def _frequency(self, frequency: Frequency, element: Element) -> None:
        self._paragraph(frequency_sentence(frequency))

    def _crisis(self, crisis: Crisis, element: Element) -> None:
        """The safety plan, then the crisis work around it (lethal-means counselling, CAMS, ...), together."""
        self._safety_plan(crisis)
        if crisis.items:
            self._heading("Crisis interventions", 3)
            self._item_list(crisis.items, ("interventions", element.key, "items"))

    def _safety_plan(self, crisis: Crisis) -> None:
        """The Stanley-Brown form: six numbered steps, then the reasons for living."""
        steps = [(f"Step {number}", title, _crisis_entries(getattr(crisis, key)))
                 for number, (key, title) in enumerate(STANLEY_BROWN_STEPS, 1)]
        if crisis.reasons_for_living:
            steps.append(("", "Reasons for living", list(crisis.reasons_for_living)))
        widths = self._widths((0.12, 0.88))
        table = self.writer.table(self.body, widths, header=False)
        for index, (label, title, entries) in enumerate(steps):
            keep_next = index < len(steps) - 1  # the form stays on one page
            row = self.writer.row(table)
            self.writer.paragraph(self.writer.cell(row, widths[0]), TABLE_HEADING, label, keep_next=keep_next)
            body = self.writer.cell(row, widths[1])
            self.writer.paragraph(body, TABLE_HEADING, title, keep_next=True)
            self.writer.plain_list(body, entries)

    def _evaluation(self, evaluation: Evaluation, element: Element) -> None:
        self._heading("Measures", 3)
        statuses = [status_of(m, self.plan) for m in evaluation.measures]
        rows = [(instrument_description(m), f"{m.baseline:g}", status.target_text(), f"Every {m.every}",
                 latest_score_text(status)) for m, status in zip(evaluation.measures, statuses, strict=True)]
        self._table(("Instrument", "Baseline", "Target", "Schedule", "Latest score"), rows, (0.29, 0.12, 0.13, 0.16, 0.30))
        self._progress([m for m in evaluation.measures if m.scores])
        self._heading("Feedback", 3)
        for index in range(len(evaluation.feedback)):
            self.writer.markdown(self.body, self.rendered[("interventions", "evaluation", "feedback", index)], 4)

    def _progress(self, scored: Sequence[Measure]) -> None:
        """A graph and the status in words for each measure with scores (measurement-based care)."""
        if not scored:
            return
        self._heading("Progress", 3)
        for measure in scored:
            status = status_of(measure, self.plan)
            key = graph_key(status, self.plan.dates.effective)
            png = self.graphs.get(key) or _draw(status, self.plan.dates.effective)
            self._picture(png, f"Line graph of {status.summary()}", GRAPH_NAME + key)
            self._paragraph(" ".join(status.sentences()))

    def _picture(self, png: bytes, description: str, name: str) -> None:
        """An inline picture through python-docx's image parts at its own print size (pixels over dpi), no
        wider than the text, with alt text (``wp:docPr/@descr``) for screen readers; it keeps with the
        paragraph after it."""
        width = min(DocxImage.from_blob(png).width, self.writer.text_width * EMU_PER_TWIP)
        inline = self.writer.part.new_pic_inline(BytesIO(png), width=Emu(width))
        inline.docPr.set("name", name)
        inline.docPr.set("descr", description)
        run = SubElement(self.writer.paragraph(self.body, keep_next=True), W_R)
        SubElement(run, W_DRAWING).append(inline)

    def _discharge_summary(self, closure: Closure) -> None:
        """How a closed plan ended: when and why, which criteria were met, the final scores, referrals, summary."""
        self._heading("Discharge summary", 1)
        self._labelled("Closed on", long_date(closure.date))
        self._labelled("Reason", closure.reason)
        self._labelled("Discharge criteria met", criteria_text(closure))
        evaluation = self.plan.interventions.evaluation
        if evaluation is not None:
            self._heading("Final scores", 2)
            rows = [final_score_row(status_of(m, self.plan)) for m in evaluation.measures]
            self._table(("Instrument", "Baseline", "Final score", "Target"), rows, (0.22, 0.14, 0.34, 0.30))
        self._heading("Referrals", 2)
        if closure.referrals:
            self.writer.plain_list(self.body, closure.referrals)
        else:
            self._paragraph("None.", ELEMENT_NOTE)
        self._heading("Summary", 2)
        self.writer.markdown(self.body, closure.summary, 3)

    def _history(self, changes: ChangeSet) -> None:
        """Objectives and interventions added, removed or changed since the last review, from git."""
        self._heading("Changes since last review", 1)
        self._paragraph(changes.intro())
        if changes.note:
            self._paragraph(changes.note, ELEMENT_NOTE)
            return
        for title, entries in (("Objectives", changes.objectives), ("Interventions", changes.interventions)):
            self._heading(title, 2)
            if entries:
                self._table(("Date", "Change", "Details"), [change_row(c) for c in entries], (0.17, 0.33, 0.50))
            else:
                self._paragraph(f"No {title.lower()} added, removed or changed.", ELEMENT_NOTE)

    def _narrative(self, narrative: str) -> None:
        self._heading("Clinical narrative", 1)
        if narrative.strip():
            self.writer.markdown(self.body, narrative, 2)
        else:
            self._paragraph("No narrative written.", ELEMENT_NOTE)

    def _signatures(self) -> None:
        self._heading("Signatures", 1)
        statement = "By signing, the client and clinician confirm that they wrote this plan together."
        self._paragraph(statement, keep_next=True)  # the block stays on one page
        signers = [(self.plan.client.name, "client"), (self.plan.clinician.name, "clinician")]
        if self.plan.clinician.supervisor:
            signers.append((self.plan.clinician.supervisor, "clinical supervisor"))
        for name, role in signers:
            self._paragraph("\t\t\t", SIGNATURE_LINE)
            self._paragraph(f"{name}, {role}\tDate", SIGNATURE_CAPTION)


def _crisis_entries(entries: Sequence[str | Contact]) -> list[str]:
    return [contact_text(entry) if isinstance(entry, Contact) else entry for entry in entries]


def page_stories(document: Any) -> Iterator[tuple[Any, Any]]:
    """Header and footer elements the first section shows (default, and first-page or even-page when used),
    each emptied of the blank paragraph a new one starts with."""
    section = document.sections[0]
    pairs = [(section.header, section.footer)]
    if section.different_first_page_header_footer:
        pairs.append((section.first_page_header, section.first_page_footer))
    if document.settings.odd_and_even_pages_header_footer:
        pairs.append((section.even_page_header, section.even_page_footer))
    for header, footer in pairs:
        yield _without_blank_end(header._element), _without_blank_end(footer._element)


def _without_blank_end(story: Any) -> Any:
    paragraphs = story.findall(W_P)
    if paragraphs and all(child.tag == W_PPR for child in paragraphs[-1]):
        story.remove(paragraphs[-1])
    return story
