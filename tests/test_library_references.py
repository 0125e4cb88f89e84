"""Every reference in the template library has the shape of a citation a reader can find.

A reference is written in APA style: author(s) as "Surname, I. I." joined by ", " and ", & " (with
"(Ed.)" or "(Eds.)" for an edited book), the year in parentheses, the title, then either a journal
with volume, optional issue and page range, or a publisher (docs/library-coverage.md, "References").
The test cannot tell whether a work exists; it catches the malformed entries that make a citation
impossible to look up: no author initials, no year, no source, no pages.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import REPO

from txplan.templates import load_library

_PARTICLE = r"(?:(?:van|von|de|der|den|du|la|le) )*"
_SURNAME = r"[A-Z][A-Za-z'\u2019-]*(?: [A-Z][A-Za-z'\u2019-]*)*"  # O'Brien, Bennett-Levy, Murray Latin
_AUTHOR = rf"{_PARTICLE}{_SURNAME}, [A-Z]\.(?:[ -]?[A-Z]\.)*"
_AUTHORS = rf"{_AUTHOR}(?:, {_AUTHOR})*(?:, & {_AUTHOR})?"
_PAGES = r"[A-Za-z]?\d+(?:\u2013[A-Za-z]?\d+)?"  # a range takes an en dash; e11290 and S264 are page numbers too
_JOURNAL = rf"(?P<journal>[A-Z][^.()]*?), (?P<volume>\d+)(?:\((?P<issue>[^)]+)\))?, (?P<pages>{_PAGES})"
_PUBLISHER = r"(?P<publisher>(?:[A-Z]\. )*[A-Z][^.,()0-9]*)"
REFERENCE = re.compile(
    rf"(?P<authors>{_AUTHORS})(?: \(Eds?\.\)\.)? \((?P<year>\d{{4}})\)\. "
    rf"(?P<title>[A-Z0-9].+?)(?:\. |(?<=[?!]) )(?:{_JOURNAL}|{_PUBLISHER})\."
)


def reference_problem(reference: str) -> str | None:
    """Why the reference is not a well-formed citation, or None when it is."""
    match = REFERENCE.fullmatch(reference)
    if match is None:
        return "not 'Surname, I. (year). Title. Journal, volume(issue), pages.' or '... Title. Publisher.'"
    if not 1800 <= int(match["year"]) <= date.today().year:
        return f"year {match['year']} is not a plausible year of publication"
    return None


REFERENCES = [(template.id, reference) for template in sorted(load_library(REPO).templates.values(), key=lambda t: t.id)
              for reference in template.meta.references]


@pytest.mark.parametrize(("template_id", "reference"), REFERENCES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(REFERENCES)])
def test_every_reference_in_the_library_is_a_well_formed_citation(template_id: str, reference: str) -> None:
    assert reference_problem(reference) is None, f"{template_id}: {reference}"


def test_references_are_not_repeated_within_a_template() -> None:
    for template in load_library(REPO).templates.values():
        assert len(set(template.meta.references)) == len(template.meta.references), template.id


@pytest.mark.parametrize("reference", [
    "Linehan, M. M. (2015). DBT Skills Training Manual (2nd ed.). Guilford Press.",
    "Bennett-Levy, J., & Westbrook, D. (Eds.). (2004). Oxford Guide to Behavioural Experiments. Oxford University Press.",
    "White, M., & Epston, D. (1990). Narrative Means to Therapeutic Ends. W. W. Norton.",
    "Redding, R. E. (2008). How useful are they? Professional Psychology: Research and Practice, 39(5), 537\u2013545.",
    "Barber, C. W. (2014). A research agenda. American Journal of Preventive Medicine, 47(3 Suppl 2), S264\u2013S272.",
    "Kip, A., & Morina, N. (2023). An updated meta-analysis. Journal of Anxiety Disorders, 99, 102772.",
])
def test_well_formed_citations_pass(reference: str) -> None:
    assert reference_problem(reference) is None


@pytest.mark.parametrize("reference", [
    "Najavits (2002). Seeking Safety. Guilford Press.",                                      # no initials
    "Najavits, L. M. 2002. Seeking Safety. Guilford Press.",                                 # year not in parentheses
    "Najavits, L. M. (2002). Seeking Safety.",                                              # no publisher
    "Najavits, L. M. (2002). Guilford Press.",                                              # no title
    "Miller, W. R. & Rose, G. S. (2015). Decisional balance. Behav Cogn Psychother, 43(2), 129\u2013141.",  # "&" without comma
    "Johnson, R. M. (2011). The CALM Project. Archives of Suicide Research, 15(3).",       # no pages
    "Johnson, R. M. (2011). The CALM Project. Archives of Suicide Research, 15(3), 259-264.",  # hyphen, not en dash
    "Johnson, R. M. (2111). The CALM Project. Archives of Suicide Research, 15(3), 259\u2013264.",  # year in the future
    "Training mental healthcare providers (2011). Archives of Suicide Research, 15(3), 259\u2013264.",  # no author
])
def test_malformed_citations_are_caught(reference: str) -> None:
    assert reference_problem(reference) is not None
