"""Spot real-looking identifiers in a plan: Social Security and medical record numbers.

Plans hold a chart number (``client.id``) and fictional or clinical text; a
number shaped like an SSN or an MRN almost always means a real identifier was
pasted in (from an intake form, a referral letter, an EHR screen). Such a
finding is a warning (TX305) at the number's line and column, and the message
never repeats the number: diagnostics end up in terminals, CI logs and editor
panes, which are not the chart.

The scan runs on the whole decoded file, front matter and narrative alike.
SSNs with an area number that is never issued (000, 666, 900-999), a group of
00 or a serial of 0000 are skipped: they are obviously fake, and 9xx numbers
are how test data is usually written.
"""

from __future__ import annotations

import re

from .diagnostics import Diagnostic, make

__all__ = [
    "scan_identifiers",
]

# Both patterns run on every plan, whatever is in it, so they are linear in the text: every repetition
# is possessive (``*+``, ``++``: it never gives back what it took), and each part starts with characters
# the part before cannot take, so there is only one way to match. (The MRN pattern once had two
# ``[ \t]*`` around an optional ``:``; `MRN` and 40,000 spaces took half a minute to try every split.)
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_MRN = re.compile(
    r"\b(?:MRN|medical[ \t]++record[ \t]++(?:number|no\.?+|#))"
    r"[ \t]*+(?:[:#][ \t]*+)?+(?:no\.?+[ \t]*+)?+\d{6,}+",
    re.IGNORECASE,
)
_KINDS = (
    (_SSN, "a Social Security number"),
    (_MRN, "a medical record number"),
)


def scan_identifiers(text: str, path: str) -> list[Diagnostic]:
    """One TX305 warning per real-looking identifier in ``text``, in file order."""
    found: list[Diagnostic] = []
    for pattern, kind in _KINDS:
        for match in pattern.finditer(text):
            found.append(make(path, _position(text, match.start()), "TX305",
                              f"this looks like {kind}; keep real identifiers out of plans "
                              f"(the number is not repeated here)"))
    return sorted(found)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
