"""What every renderer is: a walk over a chart's content blocks, one method per kind of block.

A renderer subclasses ``BlockWalker`` and writes each method; leaving one out is a ``TypeError`` the moment the
renderer is made, so a new kind of block can never be skipped in silence by one output format.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from ..chart.content import (
    Block,
    BulletList,
    Form,
    Graph,
    Heading,
    Markdown,
    Paragraph,
    Section,
    SignatureBlock,
    Table,
)

__all__ = ["BlockWalker"]


class BlockWalker(ABC):
    def blocks(self, blocks: Iterable[Block]) -> None:
        for block in blocks:
            match block:
                case Section():
                    self.section(block)
                case Heading():
                    self.heading(block)
                case Paragraph():
                    self.paragraph(block)
                case BulletList():
                    self.bullets(block)
                case Table():
                    self.table(block)
                case Form():
                    self.form(block)
                case Markdown():
                    self.markdown(block)
                case Graph():
                    self.graph(block)
                case SignatureBlock():
                    self.signatures(block)

    @abstractmethod
    def section(self, section: Section) -> None: ...

    @abstractmethod
    def heading(self, heading: Heading) -> None: ...

    @abstractmethod
    def paragraph(self, paragraph: Paragraph) -> None: ...

    @abstractmethod
    def bullets(self, bullets: BulletList) -> None: ...

    @abstractmethod
    def table(self, table: Table) -> None: ...

    @abstractmethod
    def form(self, form: Form) -> None: ...

    @abstractmethod
    def markdown(self, markdown: Markdown) -> None: ...

    @abstractmethod
    def graph(self, graph: Graph) -> None: ...

    @abstractmethod
    def signatures(self, block: SignatureBlock) -> None: ...
