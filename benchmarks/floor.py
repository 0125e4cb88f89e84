"""The python-docx floor: write the same content as txplan's charts with nothing else in the way.

Reads a JSON list of documents (paragraphs with their style ids, and tables of cell text, as
extracted from txplan's own charts by build_bench.py, and the same pictures as PNG bytes) and writes
one DOCX per document with bare python-docx in one process, looking each style up once. This is
the least work any python-docx based writer can do for the same output, which is what the
benchmark compares txplan against. The floor draws no graphs: its pictures come ready-made, so
plotting counts as part of txplan's work.

    python -m benchmarks.floor content.json out_dir/
"""

from __future__ import annotations

import base64
import json
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
from docx.shared import Inches
from docx.styles.style import BaseStyle


def write_all(content: list[dict[str, Any]], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for number, document in enumerate(content):
        (out_dir / f"{number:05d}.docx").write_bytes(write_one(document))


def write_one(document: dict[str, Any]) -> bytes:
    doc = docx.Document()
    styles: dict[str, BaseStyle] = {}
    for block in document["blocks"]:
        if block["kind"] == "p":
            style = block["style"]
            if style not in styles:
                styles[style] = doc.styles[style] if style in (s.name for s in doc.styles) else doc.styles["Normal"]
            doc.add_paragraph(block["text"], style=styles[style])
        else:
            rows = block["rows"]
            table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for cells, row in zip(rows, table.rows, strict=False):
                for text, cell in zip(cells, row.cells, strict=False):
                    cell.text = text
    for picture in document.get("pictures", []):
        doc.add_picture(BytesIO(base64.b64decode(picture)), width=Inches(6.5))
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    write_all(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
