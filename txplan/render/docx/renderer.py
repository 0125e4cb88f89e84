"""The DOCX renderer: walks a chart's content blocks and writes WordprocessingML.

``DocxRenderer`` prepares a clean base document once (``package``) and renders
each chart's content into a fresh copy of it through ``DocxWriter`` (``oxml``)
and the Markdown walker (``markdown``). The output is reproducible to the
byte: every generated id (relationships, numbering instances, pictures) is a
counter over the content, and the package is written with fixed dates.

Progress graphs are PNG pictures drawn by matplotlib (``progress_chart``),
named by a key over everything their bytes depend on, so that a chart rebuilt
for another reason than its scores takes its earlier graph instead of drawing
it again (``graphs_in`` reads them back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.image.image import Image as DocxImage
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu

from ...chart.content import (
    BulletList,
    ChartContent,
    Form,
    Furniture,
    Graph,
    Heading,
    Markdown,
    Paragraph,
    Section,
    SignatureBlock,
    Style,
    Table,
)
from ..graphs import graph_key, graph_png
from ..walker import BlockWalker
from .markdown import write_markdown
from .oxml import W_DRAWING, W_R, DocxWriter, SubElement, next_num_id, short_row
from .package import (
    GRAPH_NAME,
    default_reference,
    open_reference,
    package_bytes,
    page_stories,
    prepare_base,
    set_core_properties,
    text_width,
)
from .styles import (
    ELEMENT_NOTE,
    FOOTER,
    HEADER,
    ITEM_DETAILS,
    QUOTE,
    SIGNATURE_CAPTION,
    SIGNATURE_LINE,
    SIGNATURE_SIGNED,
    SUBTITLE,
    TABLE_HEADING,
    TABLE_TEXT,
    TITLE,
    heading_style,
    style_ids,
)

__all__ = ["DocxRenderer"]

EMU_PER_TWIP = 635
PARAGRAPH_STYLES: dict[Style, str | None] = {
    Style.BODY: None,
    Style.TITLE: TITLE,
    Style.SUBTITLE: SUBTITLE,
    Style.LABEL: TABLE_HEADING,
    Style.QUOTE: QUOTE,
    Style.NOTE: ELEMENT_NOTE,
    Style.DETAILS: ITEM_DETAILS,
}


class DocxRenderer:
    """Renders chart content to DOCX bytes on a base prepared once from the clinic's reference document."""

    def __init__(self, reference: Path | None) -> None:
        document = open_reference(reference) if reference is not None else default_reference()
        self._list_ids = prepare_base(document)
        self._base = package_bytes(document)
        self._styles = style_ids(document)
        self._text_width = text_width(document)
        self._first_num = next_num_id(document.part.numbering_part.element)

    def render(self, content: ChartContent, graphs: Mapping[str, bytes] | None = None) -> bytes:
        """The chart as a DOCX package; the same content always gives the same bytes. ``graphs`` are progress
        graphs already drawn, by ``graph_key`` (see ``package.graphs_in``); any other is drawn."""
        document = Document(BytesIO(self._base))
        writer = DocxWriter(self._styles, document.part, document.part.numbering_part.element, self._list_ids,
                            self._text_width, self._first_num)
        _furniture(writer, content.furniture, page_stories(document))
        _Body(writer, document.element.body, graphs or {}).blocks(content.blocks)
        set_core_properties(document, content.metadata)
        return package_bytes(document)


# The header's first line holds the clinic's name at the left, DRAFT at the centre tab and the notice ending at the
# right tab. At the header's 8 pt, about 110 characters fill a 6.5-inch line; a notice much over half of that would
# run into the centre and wrap under the name, so it gets full-width lines of its own (42 CFR Part 2's notice).
_NOTICE_BESIDE_NAME = 60
_NAME_LINE = 100


def _notice_beside_name(furniture: Furniture) -> bool:
    return (len(furniture.notice) <= _NOTICE_BESIDE_NAME
            and len(furniture.clinic) + len(furniture.mark) + len(furniture.notice) <= _NAME_LINE)


def _furniture(writer: DocxWriter, furniture: Furniture,
               stories: Iterable[tuple[BaseOxmlElement, BaseOxmlElement]]) -> None:
    """Header: clinic, DRAFT, confidentiality notice; the clinic's address under its name; a long notice on
    full-width lines under them. Footer: client and "Page X of Y" as fields."""
    beside = _notice_beside_name(furniture)
    for header, footer in stories:
        line = writer.paragraph(header, HEADER, f"{furniture.clinic}\t")
        if furniture.mark:
            writer.run(line, furniture.mark, bold=True)
        if beside:
            writer.run(line, f"\t{furniture.notice}")
        if furniture.address:
            writer.paragraph(header, HEADER, furniture.address)
        if not beside:
            writer.paragraph(header, HEADER, furniture.notice)
        page = writer.paragraph(footer, FOOTER, f"{furniture.footer}\t\tPage ")
        writer.field(page, "PAGE")
        writer.run(page, " of ")
        writer.field(page, "NUMPAGES")


class _Body(BlockWalker):
    """Writes blocks into the document body."""

    def __init__(self, writer: DocxWriter, body: BaseOxmlElement, graphs: Mapping[str, bytes]) -> None:
        self.writer = writer
        self.body = body
        self.graphs = graphs

    def section(self, section: Section) -> None:
        self.writer.paragraph(self.body, heading_style(section.level), section.title)
        self.blocks(section.blocks)

    def heading(self, heading: Heading) -> None:
        self.writer.paragraph(self.body, heading_style(heading.level), heading.text)

    def paragraph(self, paragraph: Paragraph) -> None:
        p = self.writer.paragraph(self.body, PARAGRAPH_STYLES[paragraph.style], keep_next=paragraph.keep_with_next)
        for run in paragraph.runs:
            if run.text:
                self.writer.run(p, run.text, bold=run.bold)

    def bullets(self, bullets: BulletList) -> None:
        self.writer.plain_list(self.body, bullets.items)

    def _widths(self, fractions: Sequence[float]) -> list[int]:
        return [int(self.writer.text_width * fraction) for fraction in fractions]

    def table(self, table: Table) -> None:
        """A table of plain text, kept on one page (a row too long for that splits rather than being cut); a row with
        fewer cells than columns lets its last cell span the rest."""
        widths = self._widths(table.widths)
        element = self.writer.table(self.body, widths, table.header is not None)
        rows = [(table.header, True)] if table.header is not None else []
        rows += [(row, False) for row in table.rows]
        for index, (texts, is_header) in enumerate(rows):
            cell_widths = [sum(widths[c:]) if c == len(texts) - 1 else widths[c] for c in range(len(texts))]
            whole = short_row([(width, [text]) for width, text in zip(cell_widths, texts, strict=True)])
            row = self.writer.row(element, is_header, whole=whole)
            keep_next = index < len(rows) - 1
            for column, (text, width) in enumerate(zip(texts, cell_widths, strict=True)):
                last = column == len(texts) - 1
                cell = self.writer.cell(row, width, span=len(widths) - len(texts) + 1 if last else 1)
                style = TABLE_HEADING if is_header or column in table.label_columns else TABLE_TEXT
                self.writer.paragraph(cell, style, text, keep_next=keep_next)

    def form(self, form: Form) -> None:
        """Numbered steps, each a title over its entries; the form stays on one page."""
        widths = self._widths(form.widths)
        element = self.writer.table(self.body, widths, header=False)
        for index, step in enumerate(form.rows):
            keep_next = index < len(form.rows) - 1
            row = self.writer.row(element, whole=short_row([(widths[0], [step.label]),
                                                             (widths[1], [step.title, *step.entries])]))
            self.writer.paragraph(self.writer.cell(row, widths[0]), TABLE_HEADING, step.label, keep_next=keep_next)
            cell = self.writer.cell(row, widths[1])
            self.writer.paragraph(cell, TABLE_HEADING, step.title, keep_next=True)
            self.writer.plain_list(cell, step.entries)

    def markdown(self, markdown: Markdown) -> None:
        write_markdown(self.writer, self.body, markdown.source, markdown.top_heading)

    def graph(self, graph: Graph) -> None:
        """An inline picture through python-docx's image parts at its own print size (pixels over dpi), no
        wider than the text, with alt text (``wp:docPr/@descr``) for screen readers; it keeps with the
        paragraph after it."""
        key = graph_key(graph.status, graph.start)
        png = self.graphs.get(key) or graph_png(graph)
        width = min(DocxImage.from_blob(png).width, self.writer.text_width * EMU_PER_TWIP)
        inline = self.writer.part.new_pic_inline(BytesIO(png), width=Emu(width))
        inline.docPr.set("name", GRAPH_NAME + key)
        inline.docPr.set("descr", graph.description)
        run = SubElement(self.writer.paragraph(self.body, keep_next=True), W_R)
        SubElement(run, W_DRAWING).append(inline)

    def signatures(self, block: SignatureBlock) -> None:
        """Signed roles as a sentence each; the others a line and date to sign by hand. The block stays on one page."""
        self.writer.paragraph(self.body, None, block.statement, keep_next=True)
        for signer in block.signers:
            if signer.signed:
                self.writer.paragraph(self.body, SIGNATURE_SIGNED, signer.signed, keep_next=True)
                continue
            self.writer.paragraph(self.body, SIGNATURE_LINE, "\t\t\t")
            caption = f"{signer.name}, {signer.role}" if signer.name else signer.role.capitalize()
            self.writer.paragraph(self.body, SIGNATURE_CAPTION, f"{caption}\tDate")
            if signer.note:
                self.writer.paragraph(self.body, ITEM_DETAILS, signer.note, keep_next=True)
        if block.digest:
            self.writer.paragraph(self.body, ITEM_DETAILS, f"Plan content digest: {block.digest}")
