"""The DOCX renderer and the small oxml layer under it (styles, elements, Markdown, package)."""

from __future__ import annotations

from pathlib import Path

from ...chart import build_chart
from ...check import CheckedPlan
from ...history import ChangeSet
from ...policy import Policy
from .package import ChartReferenceError, graphs_in
from .renderer import DocxRenderer

__all__ = ["ChartReferenceError", "DocxRenderer", "chart_docx", "graphs_in"]


def chart_docx(checked: CheckedPlan, policy: Policy, reference: Path | None = None,
               history: ChangeSet | None = None) -> bytes:
    """One plan's chart as DOCX bytes, in one call (a build renders many with one ``DocxRenderer``)."""
    return DocxRenderer(reference).render(build_chart(checked, policy, history))
