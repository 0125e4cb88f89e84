"""The DOCX package: the base document made once from the clinic's reference, metadata, and the zip.

``open_base`` turns the clinic's reference document (or python-docx's default
template) into a clean base: its body, leftovers and machine-specific metadata
removed, and the styles and list definitions the chart needs added.
``package_bytes`` writes a package reproducibly to the byte: zip entries have
a fixed date, order and compression, and core properties come from the chart's
own metadata. ``graphs_in`` reads back the progress graphs of an earlier chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr
from zipfile import ZIP_DEFLATED, BadZipFile, ZipFile, ZipInfo

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.parts.numbering import NumberingPart
from docx.shared import Twips

from ...chart.content import Metadata
from ...errors import TxplanError
from ...resources import default_reference_path
from .oxml import W_DRAWING, W_P, W_PPR, ensure_list_definitions
from .styles import (
    BUILT_IN_STYLES,
    CHART_STYLES,
    FOOTER,
    HEADER,
    LIST_PARAGRAPH,
    MARKDOWN_STYLES,
    SIGNATURE_CAPTION,
    SIGNATURE_LINE,
    ensure_styles,
)

__all__ = [
    "GRAPH_NAME",
    "SIGNATURE_SPLIT",
    "ChartReferenceError",
    "blank_reference",
    "default_reference",
    "graphs_in",
    "open_reference",
    "package_bytes",
    "page_stories",
    "prepare_base",
    "prune_styles",
    "set_core_properties",
    "text_width",
]

APPLICATION = "txplan"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPH_NAME = "txplan-graph-"  # + graph_key: the picture's name (wp:docPr/@name), how a rebuild finds its graph
DEFAULT_CONTENT_TYPES = {"png": CT.PNG}  # by extension, as Word writes them; any other part gets an Override

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6
SIGNATURE_SPLIT = 0.62  # the signature line ends here (fraction of the text width); the date line follows

# Relationships worth keeping from a reference document; anything else it relates (comments,
# custom XML, thumbnails, body images, template paths) is dropped unless the kept XML refers to it.
STRUCTURAL_RELATIONSHIPS = frozenset({
    RT.STYLES, RT.NUMBERING, RT.SETTINGS, RT.WEB_SETTINGS, RT.FONT_TABLE, RT.THEME, RT.FOOTNOTES, RT.ENDNOTES})
PACKAGE_RELATIONSHIPS = frozenset({RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES})
MACHINE_SETTINGS = frozenset({"rsids", "attachedTemplate", "docId", "savePreviewPicture", "mailMerge", "proofState",
                              "documentProtection", "writeProtection"})

APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>" + APPLICATION.encode() + b"</Application><DocSecurity>0</DocSecurity></Properties>"
)


class ChartReferenceError(TxplanError):
    """The clinic's reference document cannot be used."""



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


def open_reference(reference: Path) -> DocxDocument:
    try:
        return Document(str(reference))
    except (OSError, KeyError, ValueError, SyntaxError, BadZipFile, PackageNotFoundError) as exc:  # lxml raises SyntaxError
        # named by the kind of failure: lxml's and zipfile's own text quotes what they found in the file
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ChartReferenceError(f"{reference}: not a usable Word document ({detail})") from exc



# --- the base document ---------------------------------------------------------------------------------


def default_reference() -> DocxDocument:
    """The look of a chart when the clinic has no reference document: the one txplan ships (see ``resources``),
    which ``txplan init`` also copies into a new clinic's templates/chart.docx."""
    return open_reference(default_reference_path())


def blank_reference() -> DocxDocument:
    """python-docx's default template, cut down to the styles a chart uses (its styles part is 400 kB): what
    ``scripts/make_chart_reference.py`` builds the shipped look on."""
    document = Document()
    prune_styles(document, BUILT_IN_STYLES)
    return document


def prune_styles(document: DocxDocument, keep: Iterable[str]) -> None:
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


def prepare_base(document: DocxDocument) -> tuple[int, int]:
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
    assert isinstance(settings, XmlPart)
    _clean_settings(settings.element)
    _drop_unreferenced(document.part, STRUCTURAL_RELATIONSHIPS)
    _drop_unreferenced(settings, frozenset())
    _replace_package_properties(document)
    ensure_styles(document, (*MARKDOWN_STYLES, *CHART_STYLES))
    _indent_lists_by_numbering(document)
    _set_tab_stops(document, text_width(document))
    return ensure_list_definitions(_numbering_part(document).element)


def text_width(document: DocxDocument) -> int:
    """Width between the margins, in twips."""
    section = document.sections[-1]
    width, left, right = section.page_width, section.left_margin, section.right_margin
    if width is None or left is None or right is None:
        raise ChartReferenceError("the reference document does not set its page size and margins")
    return int((width - left - right) / 635)


def _clean_settings(settings: BaseOxmlElement) -> None:
    for child in list(settings):
        if child.xpath("local-name()") in MACHINE_SETTINGS:
            settings.remove(child)


def _drop_unreferenced(part: XmlPart, keep: frozenset[str]) -> None:
    referenced = set(part.element.xpath("//@r:id | //@r:embed | //@r:link"))
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype not in keep and rel_id not in referenced:
            del part.rels[rel_id]


def _replace_package_properties(document: DocxDocument) -> None:
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


def _numbering_part(document: DocxDocument) -> NumberingPart:
    """The numbering part; python-docx cannot create one, so add an empty one when the reference has none."""
    try:
        existing = document.part.numbering_part
    except NotImplementedError:
        blob = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
        part: NumberingPart = NumberingPart.load(PackURI("/word/numbering.xml"), CT.WML_NUMBERING, blob,
                                                 document.part.package)
        document.part.relate_to(part, RT.NUMBERING)
        return part
    assert isinstance(existing, NumberingPart)
    return existing


def _indent_lists_by_numbering(document: DocxDocument) -> None:
    """Word lets a paragraph style's indent override a list level's, so list items take theirs from the list."""
    style = document.styles[LIST_PARAGRAPH].element
    for indent in style.findall(f"{qn('w:pPr')}/{qn('w:ind')}"):
        indent.getparent().remove(indent)


def _set_tab_stops(document: DocxDocument, width: int) -> None:
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


def set_core_properties(document: DocxDocument, metadata: Metadata) -> None:
    """The chart's metadata (see ``Metadata``): no date at all rather than a made-up one, so a rebuild changes
    nothing."""
    properties = document.core_properties
    properties.title = metadata.title
    properties.subject = metadata.subject
    properties.revision = 1


def package_bytes(document: DocxDocument) -> bytes:
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


def page_stories(document: DocxDocument) -> Iterator[tuple[BaseOxmlElement, BaseOxmlElement]]:
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


def _without_blank_end(story: BaseOxmlElement) -> BaseOxmlElement:
    paragraphs = story.findall(W_P)
    if paragraphs and all(child.tag == W_PPR for child in paragraphs[-1]):
        story.remove(paragraphs[-1])
    return story
