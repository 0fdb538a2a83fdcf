"""Sections of the book's own chapters that a study can lack: the ``% sop:requires`` markers.

A chapter section that shows a table the study may not have says so in the chapter source, on a
MyST comment line directly under its heading::

    ## Falling into poverty
    % sop:requires reasons

When `sop book` copies the book sources for a study (`rebuild.build_book`), every section whose
requirement the study does not meet is dropped, from its heading to the next heading of the same
or a higher level, so the study's book has no heading over nothing and keeps real headings (with
their anchors, numbers and entries in the page's table of contents) for every section it shows.
A marker under a chapter's title (``#``) applies to the whole chapter: when it is not met, the
chapter becomes a one-paragraph page saying what the study would need.

A requirement is a list of words separated by spaces, all of which must hold; a word may be a
choice, ``a|b``, of which one must hold. A word is a table of the data contract (``reasons``,
``livestock`` ...: the study has it) or one of the named conditions of `CONDITIONS`.

Only the compendium's own chapter sources are read this way; nothing from a study is parsed as
Markdown. Headings and markers inside fenced blocks (code cells, directives) are not sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from .study import Study

__all__ = [
    "CONDITIONS",
    "MARKER",
    "Section",
    "drop_sections",
    "missing_page",
    "parse_sections",
    "prepare_chapter",
    "requirement_met",
    "describe",
]

#: The marker line: a MyST comment directly under a heading (blank lines between are allowed).
MARKER = re.compile(r"^%\s*sop:requires\s+(?P<what>\S.*?)\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_LABEL = re.compile(r"^\(\s*[^()\s]+\s*\)=\s*$")  # a MyST target line, `(sec-name)=`
_FENCE = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,}|:{3,})")


def _paper(study: Study) -> bool:
    from .published import paper_folder

    return paper_folder(study) is not None


def _replica(study: Study) -> bool:
    from .figstyle import is_replica

    return is_replica(study)


def _community_view(study: Study) -> bool:
    from .communities import has_location_columns

    return has_location_columns(study)


def _breeds(study: Study) -> bool:
    from .intensification import has_breeds

    return has_breeds(study)


def _milk(study: Study) -> bool:
    return study.has("production") and bool((study.table("production")["product"].astype(str) == "milk").any())


# Named conditions a marker may use besides table names: name -> (test, what a study needs for it).
# (a plain comment: the API page would print the functions' memory addresses)
CONDITIONS: dict[str, tuple[Callable[[Study], bool], str]] = {
    "paper": (_paper, "a folder of published tables named by the `paper:` key of `study.yml`"),
    "synthetic-replica": (_replica, "to be a synthetic replica of a published study (`synthetic:` and `paper:`)"),
    "community-view": (_community_view, "a `communities.csv` with altitude and distance-to-market columns"),
    "breeds": (_breeds, "a `livestock.csv` that names the breed of the animals"),
    "milk": (_milk, "a `production.csv` that records milk"),
}


def _check_word(word: str) -> None:
    from . import schema

    if word not in CONDITIONS and word not in schema.TABLES:
        raise ValueError(f"'% sop:requires' names '{word}', which is neither a table nor a condition")


def _word_met(word: str, study: Study) -> bool:
    if word in CONDITIONS:
        return bool(CONDITIONS[word][0](study))
    return study.has(word)


def requirement_met(requirement: str, study: Study) -> bool:
    """Whether a study meets a marker's requirement.

    Parameters
    ----------
    requirement : str
        The text after ``sop:requires``: words separated by spaces (all needed), each word a
        table name or a name of `CONDITIONS`, or a choice of them written ``a|b``.
    study : Study
        A loaded study.

    Returns
    -------
    bool
        True when every word holds.

    Raises
    ------
    ValueError
        For a word that is neither a table of the contract nor a condition (a mistake in a chapter).
    """
    words = [[w for w in word.split("|") if w] for word in requirement.split()]
    for w in (w for choice in words for w in choice):
        _check_word(w)
    return all(any(_word_met(w, study) for w in choice) for choice in words)


def _word_text(word: str) -> str:
    if word in CONDITIONS:
        return CONDITIONS[word][1]
    from . import schema

    spec = schema.TABLES.get(word)
    return f"`{spec.filename if spec else word + '.csv'}`"


def describe(requirement: str) -> str:
    """What a requirement asks of a study, in words (library text, Markdown).

    Parameters
    ----------
    requirement : str
        As in `requirement_met`.

    Returns
    -------
    str
        For example "`reasons.csv`, or a `communities.csv` with altitude and distance-to-market columns".
    """
    parts = []
    for word in requirement.split():
        choices = [_word_text(w) for w in word.split("|") if w]
        parts.append(" or ".join(choices))
    return " and ".join(parts)


@dataclass(frozen=True)
class Section:
    """A heading of a chapter source and the lines it spans.

    Attributes
    ----------
    level : int
        1 for ``#`` ... 6.
    title : str
        The heading's text.
    start : int
        First line of the section (its target label line, if any, else its heading), 0-based.
    end : int
        One past its last line (the next heading of the same or a higher level, or the end).
    requires : str or None
        The requirement of its marker, if it has one.
    """

    level: int
    title: str
    start: int
    end: int
    requires: str | None


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line, level, title) of every heading outside fenced blocks; front matter skipped."""
    out = []
    fence: str | None = None
    i = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        i = next((j + 1 for j in range(1, len(lines)) if lines[j].strip() == "---"), len(lines))
    for n in range(i, len(lines)):
        line = lines[n]
        m = _FENCE.match(line)
        if fence is not None:
            if (
                m
                and m.group("fence")[0] == fence[0]
                and len(m.group("fence")) >= len(fence)
                and not line.strip(m.group("fence")[0] + " \t")
            ):
                fence = None
            continue
        if m:
            fence = m.group("fence")
            continue
        h = _HEADING.match(line)
        if h:
            out.append((n, len(h.group("hashes")), h.group("title")))
    return out


def parse_sections(text: str) -> list[Section]:
    """Every section of a chapter source, in order, with the requirement of its marker.

    Parameters
    ----------
    text : str
        A MyST chapter (our own source).

    Returns
    -------
    list of Section
        One per heading outside fenced blocks.
    """
    lines = text.splitlines()
    heads = _headings(lines)
    out = []
    for k, (n, level, title) in enumerate(heads):
        start = n
        while start > 0 and _LABEL.match(lines[start - 1].strip()):
            start -= 1
        end = next((m for m, lv, _ in heads[k + 1 :] if lv <= level), len(lines))
        if end < len(lines):  # the next section's own label lines are not ours
            while end - 1 > n and _LABEL.match(lines[end - 1].strip()):
                end -= 1
        requires = None
        for line in lines[n + 1 : end]:
            if not line.strip():
                continue
            m = MARKER.match(line.strip())
            requires = m.group("what") if m else None
            break
        out.append(Section(level, title, start, end, requires))
    return out


def drop_sections(text: str, met: Callable[[str], bool]) -> tuple[str, list[Section]]:
    """Remove every section whose marker's requirement is not met.

    Parameters
    ----------
    text : str
        A MyST chapter (our own source).
    met : callable
        Called with a marker's requirement; True when the study meets it.

    Returns
    -------
    text : str
        The chapter without those sections (their headings, prose and code cells).
    dropped : list of Section
        The sections removed (a section inside a removed one is not listed again).
    """
    lines = text.splitlines(keepends=True)
    keep = [True] * len(lines)
    dropped: list[Section] = []
    for s in parse_sections(text):
        if s.requires is None or not keep[s.start]:
            continue
        if not met(s.requires):
            dropped.append(s)
            for i in range(s.start, s.end):
                keep[i] = False
    return "".join(line for line, k in zip(lines, keep) if k), dropped


_PARAMETERS = re.compile(r"^```\{code-cell\}[^\n]*\n:tags: \[parameters\]\n.*?^```[ \t]*$\n?", re.M | re.S)


def missing_page(title: str, requirement: str, source: str = "") -> str:
    """The one-paragraph page that replaces a chapter a study has nothing for.

    Parameters
    ----------
    title : str
        The chapter's title (from our own source).
    requirement : str
        The requirement of the marker under the title.
    source : str
        The chapter's source: its front matter and its ``parameters`` cell (hidden) are kept, so
        the page stays a notebook that runs on the study like every other chapter.

    Returns
    -------
    str
        The page: front matter, title, one paragraph, the hidden parameters cell.
    """
    lines = source.splitlines(keepends=True)
    front = ""
    if lines and lines[0].strip() == "---":
        end = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), None)
        if end is not None:
            front = "".join(lines[: end + 1]) + "\n"
    m = _PARAMETERS.search(source)
    params = "\n" + m.group(0).replace(":tags: [parameters]", ":tags: [parameters, remove-cell]", 1) if m else ""
    return (
        f"{front}# {title}\n\n"
        f"This chapter needs {describe(requirement)}, which this study does not have, so it has "
        "nothing to show here. Add what it needs to the study folder, as "
        "{doc}`the data appendix <appendix-data>` describes, and build the book again.\n"
        f"{params}"
    )


def prepare_chapter(text: str, study: Study) -> tuple[str, list[Section]]:
    """A chapter source as the study's book shows it: unmet sections dropped, or the missing page.

    Parameters
    ----------
    text : str
        A MyST chapter (our own source).
    study : Study
        The study the book is built for.

    Returns
    -------
    text : str
        The text to build (unchanged when every marker is met).
    dropped : list of Section
        The sections removed (the chapter's own section when the whole chapter was replaced).
    """
    new, dropped = drop_sections(text, lambda requirement: requirement_met(requirement, study))
    whole = [s for s in dropped if s.level == 1]
    if whole:
        return missing_page(whole[0].title, whole[0].requires or "", text), dropped
    return new, dropped
