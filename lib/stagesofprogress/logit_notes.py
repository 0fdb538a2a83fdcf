"""The notes under each model's table: what the estimation dropped, left out or could not do.

`diagnostics_frame` gives them tidy (the rows of ``logit_notes.csv``): every dropped variable
with its reason in Stata's words, perfectly predicted observations, listwise deletions, events
against parameters, separation, and whether the data support the model at all.
`diagnostics_block` shows them under the table in the book (HTML and Markdown, study text
escaped through `stagesofprogress.safetext`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .logistic import LogitResult

if TYPE_CHECKING:  # annotations only
    from .models import ModelFit

__all__ = [
    "MODEL",
    "DEFAULT_NOTES_TITLE",
    "DiagnosticsBlock",
    "diagnostics_frame",
    "diagnostics_block",
    "diagnostics_html",
    "diagnostics_markdown",
    "diagnostics_html_text",
    "diagnostics_markdown_text",
]

#: The variable name of a note about the whole model (not one of its terms).
MODEL = "(model)"


def diagnostics_frame(model: ModelFit | Mapping[str, LogitResult] | LogitResult) -> pd.DataFrame:
    """Tidy diagnostics of a model: group, variable, kind, message, value (in the fit's order).

    Parameters
    ----------
    model : ModelFit, Mapping of str to LogitResult, or LogitResult
        A fitted model of `models`, fits by group, or one fit (its group is then empty text).

    Returns
    -------
    pandas.DataFrame
        One row per note: dropped variables, perfectly predicted observations, deletions,
        separation and warnings.
    """
    if callable(getattr(model, "diagnostics", None)):
        return model.diagnostics().drop(columns=["model"])
    items = model.items() if isinstance(model, Mapping) else [("", model)]
    parts = []
    for g, r in items:
        d = r.diagnostics
        d.insert(0, "group", g)
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


def _note_lines(model, labels: Mapping[str, str] | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group, [(css class, plain text)])]: unsupported first, then the record in order."""
    labels = dict(labels if labels is not None else getattr(model, "labels", {}) or {})
    d = diagnostics_frame(model)
    # the per-variable listwise rows (kept in logit_notes.csv) repeat the model row naming them
    d = d[~((d["kind"] == "listwise_deletion") & (d["variable"] != MODEL))]
    out = []
    for g in pd.unique(d["group"]):
        part = d[d["group"] == g]
        lines = []
        for kind, var, msg in zip(part["kind"], part["variable"], part["message"]):
            text = str(msg)
            label = labels.get(var, var)
            if var != MODEL and label != var:
                text = f"{label}: {text}"
            lines.append(("unsupported" if kind == "unsupported" else kind, text))
        lines.sort(key=lambda line: line[0] != "unsupported")  # stable: the rest keep their order
        out.append((str(g), lines))
    return out


class DiagnosticsBlock:
    """What happened to a model, displayable in a notebook (HTML, Markdown or plain text)."""

    def __init__(self, model, labels: Mapping[str, str] | None = None, title: str | None = None):
        self.groups = _note_lines(model, labels)
        self.title = title

    def _repr_html_(self) -> str:
        return diagnostics_html_text(self.groups, self.title)

    def _repr_markdown_(self) -> str:
        return diagnostics_markdown_text(self.groups, self.title)

    def __repr__(self) -> str:
        lines = [self.title] if self.title else []
        for g, notes in self.groups:
            lines.append(f"{g}:" if g else "Model:")
            lines += [f"  - {text}" for _, text in notes]
        return "\n".join(lines)


def diagnostics_block(
    model: ModelFit | Mapping[str, LogitResult] | LogitResult,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> DiagnosticsBlock:
    """The book's block under a model's table: what happened to each group's fit, in Stata's words.

    For each group: why it is not shown when the data cannot support it, then every dropped
    variable, perfectly predicted observations, listwise deletions, events per parameter,
    separation and fit warnings. Study text (groups, labels, variable names) is escaped with
    `safetext`. ``display()`` it in a notebook, or use `diagnostics_html` / `diagnostics_markdown`.

    Parameters
    ----------
    model : ModelFit, Mapping of str to LogitResult, or LogitResult
        A fitted model of `models` (its variable labels are used), fits by group, or one fit.
    labels : Mapping of str to str, optional
        Variable labels, overriding the model's.
    title : str, optional
        The block's heading; ``None`` for the default one.

    Returns
    -------
    DiagnosticsBlock
        Displayable as HTML, Markdown or plain text.
    """
    return DiagnosticsBlock(model, labels=labels, title=title)


def diagnostics_html(
    model: ModelFit | Mapping[str, LogitResult] | LogitResult,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """`diagnostics_block` as self-contained HTML (inline CSS, no scripts); same input, same bytes.

    Parameters
    ----------
    model : ModelFit, Mapping of str to LogitResult, or LogitResult
        As for `diagnostics_block`.
    labels : Mapping of str to str, optional
        Variable labels.
    title : str, optional
        The block's heading.

    Returns
    -------
    str
        An HTML fragment with study text escaped.
    """
    return DiagnosticsBlock(model, labels, title)._repr_html_()


def diagnostics_markdown(
    model: ModelFit | Mapping[str, LogitResult] | LogitResult,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """`diagnostics_block` as inert Markdown (study text escaped for MyST).

    Parameters
    ----------
    model : ModelFit, Mapping of str to LogitResult, or LogitResult
        As for `diagnostics_block`.
    labels : Mapping of str to str, optional
        Variable labels.
    title : str, optional
        The block's heading.

    Returns
    -------
    str
        Markdown ending in a newline.
    """
    return DiagnosticsBlock(model, labels, title)._repr_markdown_()


_NOTES_CSS = (
    "<style>div.sop-logit-notes{font-size:0.85em;margin:0.3em 0 1em 0;}"
    "div.sop-logit-notes ul{margin:0.1em 0 0.4em 0;}"
    "div.sop-logit-notes li.unsupported{font-weight:bold;}</style>"
)
DEFAULT_NOTES_TITLE = "Notes on the estimation (in Stata's words where Stata has them)"


def diagnostics_html_text(groups: list[tuple[str, list[tuple[str, str]]]], title: str | None = None) -> str:
    """The HTML of a diagnostics block from its note lines (study text escaped here).

    Parameters
    ----------
    groups : list of tuple of (str, list of tuple of (str, str))
        Group name (empty text for a single model) and its notes, each a CSS class and a sentence;
        class ``unsupported`` is shown as "Not shown: ...".
    title : str, optional
        The heading; ``None`` for the default one.

    Returns
    -------
    str
        An HTML fragment with its own inline CSS.
    """
    from . import safetext

    out = [
        _NOTES_CSS,
        '<div class="sop-logit-notes">',
        f"<p><strong>{safetext.html(title or DEFAULT_NOTES_TITLE)}</strong></p>",
    ]
    for g, notes in groups:
        if g:
            out.append(f"<p>{safetext.html(g)}</p>")
        out.append("<ul>")
        for cls, text in notes:
            prefix = "Not shown: " if cls == "unsupported" else ""
            out.append(f'<li class="{safetext.html(cls)}">{prefix}{safetext.html(text)}</li>')
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out)


def diagnostics_markdown_text(groups: list[tuple[str, list[tuple[str, str]]]], title: str | None = None) -> str:
    """The Markdown of a diagnostics block from its note lines (study text escaped for MyST).

    Parameters
    ----------
    groups : list of tuple of (str, list of tuple of (str, str))
        Group name and its notes, each a kind and a sentence, as for `diagnostics_html_text`.
    title : str, optional
        The bold heading; ``None`` for the default one.

    Returns
    -------
    str
        A bulleted list per group, ending in a newline.
    """
    from . import safetext

    out = [f"**{safetext.markdown(title or DEFAULT_NOTES_TITLE)}**", ""]
    for g, notes in groups:
        if g:
            out += [safetext.markdown(g), ""]
        for cls, text in notes:
            line = safetext.markdown(text)
            out.append(f"- **Not shown: {line}**" if cls == "unsupported" else f"- {line}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
