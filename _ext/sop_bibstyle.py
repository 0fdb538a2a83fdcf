"""One citation style in the text and the bibliography: author-year.

The chapters cite with sphinxcontrib-bibtex's ``author_year`` reference style ("Kristjanson et
al. (2007)"), but pybtex's ``plain`` style labels the bibliography with numbers ("[1]"), so a
reader could not match a citation with its entry. This extension registers a pybtex formatting
style, ``sopauthoryear``: the ``plain`` entries (sorted by author, year, title) labelled
"Kristjanson et al., 2007", with a, b, ... after the year where two entries would get the same
label. Select it with ``bibtex_default_style: sopauthoryear``.
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

NAME = "sopauthoryear"


def _surname(person) -> str:
    return " ".join(person.prelast_names + person.last_names) or " ".join(person.first_names)


def author_year(entry) -> str:
    """'Surname, year', 'Surname and Surname, year' or 'Surname et al., year' for a pybtex entry."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("institution") or entry.key
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels, made unique with a letter after the year (2004a, 2004b)."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        counts = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if counts[label] > 1:
                suffix = ascii_lowercase[seen[label] % 26]
                seen[label] += 1
                yield label + suffix
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = NAME


def setup(app):
    register_plugin("pybtex.style.labels", NAME, AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
