"""Pieces every computed sentence shares: lists and ties in words, the periods the text talks
about, how it names each movement category, and the replica's "synthetic" marker.

`stagesofprogress.narrative` (movements, regions) and `stagesofprogress.findings` (reasons,
models, holdings, conclusions) build on them; `narrative` re-exports them for the chapters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from . import safetext
from .display import glue_text
from .safetext import MD, md, md_join

if TYPE_CHECKING:  # annotations only
    from .study import Study

__all__ = [
    "CATEGORY_PHRASES",
    "SYNTHETIC_MARK",
    "glue_unpinned_mark",
    "join",
    "main_periods",
    "md_list",
    "published_periods",
    "replica_note",
    "unpinned",
    "unpublished_periods",
]


SYNTHETIC_MARK = "synthetic: not from the paper"


def _is_replica(study: Study) -> bool:
    """A synthetic study that declares a paper: its numbers stand beside published ones."""
    from .figstyle import is_replica

    return is_replica(study)


def unpinned(study: Study, template: str, /, **values: object) -> MD:
    """Markdown of a result that the study's paper does not determine, marked on a replica.

    Parameters
    ----------
    study : Study
        A loaded study.
    template : str
        A `safetext.md` template.
    **values
        Its values (escaped as in `safetext.md`).

    Returns
    -------
    MD
        On a synthetic study that declares a paper (the replica), the text prefixed with the
        visible marker `SYNTHETIC_MARK` and followed by a sentence saying that the number shows
        how the replica was generated, not a finding; on any other study the text unmarked
        (there it is the study's own finding).
    """
    text = md(template, **values)
    if not _is_replica(study):
        return text
    return md(
        "*[{mark}]* {text} The paper publishes nothing that fixes these numbers: on the replica they show how "
        "the data were generated, not a finding.",
        mark=SYNTHETIC_MARK,
        text=text,
    )


def replica_note(study: Study, template: str, /, **values: object) -> MD:
    """A sentence shown only on the replica, for saying which numbers the paper does not determine.

    Parameters
    ----------
    study : Study
        A loaded study.
    template : str
        A `safetext.md` template.
    **values
        Its values (escaped as in `safetext.md`).

    Returns
    -------
    MD
        The sentence marked `SYNTHETIC_MARK` on the replica; empty Markdown elsewhere.
    """
    if not _is_replica(study):
        return MD("")
    return md("*[{mark}]* {text}", mark=SYNTHETIC_MARK, text=md(template, **values))


def published_periods(study: Study) -> list[tuple[int, int]]:
    """The study's periods whose movements the paper it declares prints (its Table 3 rows).

    Read from the transcription of the paper (``table3.csv`` of the study's `paper:` folder), so
    what counts as pinned by the paper is never typed into the library.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    list of tuple of (int, int)
        In the order of `Study.periods`; empty for a study that declares no paper.
    """
    from .beside import published_table3
    from .layouts import period_name
    from .published import paper_folder

    folder = paper_folder(study)
    if folder is None:
        return []
    periods = study.periods()
    printed = set(published_table3(folder, periods).index.get_level_values(0)) if periods else set()
    return [p for p in periods if period_name(*p) in printed]


def unpublished_periods(study: Study) -> list[tuple[int, int]]:
    """On the replica, the periods whose movements the paper does not print (empty elsewhere).

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    list of tuple of (int, int)
        The study's periods (`Study.periods`) missing from `published_periods`; always empty on a
        study that is not the replica, where every period is the study's own finding.
    """
    if not _is_replica(study):
        return []
    printed = set(published_periods(study))
    return [p for p in study.periods() if p not in printed]


def glue_unpinned_mark(study: Study, name: str = "unpinned_mark", note: str = "") -> str:
    """Glue the replica's marker for prose about results the paper does not determine.

    Parameters
    ----------
    study : Study
        A loaded study.
    name : str
        The glue name.
    note : str
        Words to follow the marker.

    Returns
    -------
    str
        The glued text: ``"[synthetic: not from the paper] " + note`` on the replica; elsewhere
        a blank (a space, so the glue is never empty).
    """
    return glue_text(name, f"[{SYNTHETIC_MARK}] {note}".strip() if _is_replica(study) else " ")


def join(items: Iterable[str]) -> str:
    """Plain-text list: ``a, b and c``.

    Parameters
    ----------
    items : iterable of str
        The items (a list or tuple).

    Returns
    -------
    str
        Empty text for no item, the item for one.
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def md_list(items: Iterable[object]) -> MD:
    """A Markdown list in prose, ``a, b and c``: items that are not `MD` are escaped.

    Parameters
    ----------
    items : iterable of object
        Study text, numbers, or `MD` already escaped.

    Returns
    -------
    MD
        Markdown safe to show.
    """
    items = [safetext._inert(i) for i in items]
    if len(items) <= 1:
        return md_join("", items)
    return md("{head} and {last}", head=md_join(", ", items[:-1]), last=items[-1])


def _ties(values: pd.Series, tol: float = 1e-9) -> list:
    """Labels of the largest value of `values` (all of them when several are equal)."""
    v = values.dropna()
    if v.empty:
        return []
    top = v.max()
    return [k for k, x in v.items() if abs(x - top) <= tol]


def main_periods(study: Study) -> dict[str, tuple[int, int]]:
    """The two periods the prose talks about, the long one and the short one.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to tuple of (int, int)
        ``long``: the first time point to the survey; ``short``: the last earlier time point to
        the survey (equal to ``long`` with two time points).
    """
    tp = study.time_points
    return {"long": (tp[0], tp[-1]), "short": (tp[-2], tp[-1])}


#: How a sentence names the households of each movement category.
CATEGORY_PHRASES = {
    "escaped": "households that escaped poverty",
    "became_poor": "households that became poor",
    "remained_poor": "households that remained poor",
    "remained_not_poor": "households that remained not poor",
}
