"""Display plumbing for the book's chapters: glue, tables, figures and notes.

Chapters compute with the library and hand results to MyST-NB through these helpers:

* `glue_text(name, value, spec)` glues a pre-formatted string (never a numpy scalar, whose
  format specs warn under numpy 2) for `` {glue:text}`name` `` in the prose;
* `glue_figure(name, fig)` renders a matplotlib figure to PNG once, deterministically, and
  glues it for a `{glue:figure}` directive; `show_figure(fig)` displays one in place;
* `table(df, caption)` shows a DataFrame as an HTML table with a caption and a plain-text
  form (what nbval compares and what a screen reader or terminal shows);
* `requires(study, "livestock", "Tables 6, 8 and 9")` shows one short note, instead of an
  error, when a study lacks an optional table, and tells the chapter's code to skip it (the
  section's heading and prose go with the ``% sop:requires`` marker under it: `sections`);
* `markdown(template, **values)` and `note(template, **values)` show Markdown written by the
  chapter with study values filled in, escaped (`safetext.md`); `paper_says` shows the
  paper's own findings in a labelled box, only for a study that declares the paper.

Study text is never pasted into Markdown or HTML unescaped: table captions and cells are
HTML-escaped, glued text is shown by `{glue:text}` as plain text, and chapters pass study
values as keyword values, never inside an f-string (a test reads the chapters to keep it so).
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import safetext
from .safetext import MD, md
from .study import Study

if TYPE_CHECKING:  # annotations only
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "fmt",
    "glue_text",
    "png_bytes",
    "glue_figure",
    "show_figure",
    "BookTable",
    "table",
    "InteractiveTable",
    "interactive_table",
    "markdown",
    "note",
    "requires",
    "is_paper_study",
    "paper_says",
]

from .figstyle import DPI  # one fact: the book's PNG resolution (figstyle sizes the figures for it)


def fmt(value: Any, spec: str = ".1f", missing: str = "n/a") -> str:
    """Format a number as text; NaN, ``<NA>`` and None give `missing`.

    Parameters
    ----------
    value : object
        A number (Python or numpy), a missing value, or anything `format` accepts.
    spec : str
        A format spec (``.1f``, ``,d``) or a template with one ``{...}`` field (``{:.0f}%``).
    missing : str
        The text for a missing value.

    Returns
    -------
    str
        The formatted text.

    Examples
    --------
    >>> fmt(12.345), fmt(1234, ",d"), fmt(float("nan")), fmt(0.5, "{:.0%}")
    ('12.3', '1,234', 'n/a', '50%')
    """
    if value is None:
        return missing
    try:
        if isinstance(value, (float, np.floating)) and math.isnan(float(value)):
            return missing
        if pd.isna(value):
            return missing
    except (TypeError, ValueError):
        pass
    if isinstance(value, (np.integer,)):
        value = int(value)
    elif isinstance(value, (np.floating,)):
        value = float(value)
    if "{" in spec:
        return spec.format(value)
    return format(value, spec)


def glue_text(name: str, value: Any, spec: str = ".1f", missing: str = "n/a") -> str:
    """Glue `value` as formatted text for ``{glue:text}`` in a chapter's prose.

    Parameters
    ----------
    name : str
        The glue key the chapter's prose refers to.
    value : object
        A number, formatted with `fmt`, or text used as it is.
    spec : str
        The format spec for a number.
    missing : str
        The text for a missing value.

    Returns
    -------
    str
        The text glued.
    """
    from myst_nb import glue

    text = value if isinstance(value, str) else fmt(value, spec, missing)
    glue(name, text, display=False)
    return text


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without a timestamp or software tag (so the output is reproducible).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    bytes
        The PNG file.
    """
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        # long study names can leave constrained layout no room; the figure is still drawn
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def glue_figure(name: str, fig: Figure, dpi: int = DPI) -> None:
    """Glue a figure for a ``{glue:figure}`` directive (not displayed where it is computed).

    Parameters
    ----------
    name : str
        The glue key.
    fig : matplotlib.figure.Figure
        The figure, saved as PNG (`png_bytes`).
    dpi : int
        Resolution in dots per inch.
    """
    from IPython.display import Image
    from myst_nb import glue

    glue(name, Image(data=png_bytes(fig, dpi), format="png"), display=False)


def show_figure(fig: Figure, dpi: int = DPI) -> None:
    """Display a figure in place, as PNG (a code cell's ``mystnb.figure`` metadata sets caption and name).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, saved as PNG (`png_bytes`).
    dpi : int
        Resolution in dots per inch.
    """
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig, dpi), format="png"))


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


_ROW = re.compile(r"\s*<tr[^>]*>.*?</tr>", re.S)
_TH = re.compile(r"<th[^>]*>(.*?)</th>", re.S)


def _merge_index_names(html: str, nlevels: int) -> str:
    """Move the index names that pandas prints in a header row of their own (the names, then
    empty cells) into the empty leading cells of the header row above, and drop that row."""
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    if head is None:
        return html
    rows = _ROW.findall(head.group(1))
    if len(rows) < 2:
        return html
    names, above = _TH.findall(rows[-1]), _TH.findall(rows[-2])
    if len(names) < nlevels or any(c.strip() for c in names[nlevels:]) or not any(c.strip() for c in names[:nlevels]):
        return html
    if len(above) < nlevels or any(c.strip() for c in above[:nlevels]):
        return html
    merged = rows[-2]
    for name in names[:nlevels]:
        merged = merged.replace("<th></th>", f'<th class="sop-index-name">{name}</th>', 1)
    body = "".join(rows[:-2]) + merged + "\n  "
    return html[: head.start(1)] + body + html[head.end(1) :]


class BookTable:
    """A DataFrame with a caption: HTML (with <caption>) in the book, aligned text elsewhere."""

    def __init__(
        self,
        df: pd.DataFrame,
        caption: str = "",
        formats: dict | str | None = "{:.1f}",
        uid: str | None = None,
        index: bool = True,
        na_rep: str = "",
        code: bool = False,
    ):
        self.df = df
        self.code = code
        self.caption = caption
        self.formats = formats
        self.uid = uid or _slug(caption or "table")
        self.index = index
        self.na_rep = na_rep

    def _formatted(self) -> pd.DataFrame:
        out = self.df.astype(object)
        for j, col in enumerate(self.df.columns):
            spec = self.formats.get(col) if isinstance(self.formats, dict) else self.formats
            s = self.df.iloc[:, j]
            if spec is None or not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                out.iloc[:, j] = [self.na_rep if _isna(v) else v for v in s]
                continue
            if pd.api.types.is_integer_dtype(s) and (spec == "{:.1f}" or not isinstance(self.formats, dict)):
                spec = "{:,}"
            out.iloc[:, j] = [self.na_rep if _isna(v) else spec.format(v) for v in s]
        return out

    def _repr_html_(self) -> str:
        f = self._formatted()
        html = f.to_html(
            index=self.index,
            na_rep=self.na_rep,
            escape=True,
            border=0,
            classes=["sop-table", "table"],
            table_id=f"tbl-{self.uid}",
        )
        if self.index:
            html = _merge_index_names(html, self.df.index.nlevels)
        if self.code:  # library text written for Markdown: `name` becomes code, after escaping
            html = re.sub(r"`([^`<>\n]+)`", r"<code>\1</code>", html)
        if self.caption:
            cap = safetext.html(self.caption)
            html = html.replace(
                ">\n", f'>\n  <caption style="text-align: left; caption-side: top;">{cap}</caption>\n', 1
            )
        return html

    def __repr__(self) -> str:
        body = self._formatted().to_string(index=self.index)
        return f"{self.caption}\n{body}" if self.caption else body


def table(
    df: pd.DataFrame,
    caption: str = "",
    formats: dict | str | None = "{:.1f}",
    uid: str | None = None,
    index: bool = True,
    code: bool = False,
) -> BookTable:
    """A captioned table for display in a chapter (see `BookTable`).

    ``code=True`` shows the Markdown code spans of library-written cells (the data contract's
    column names, written between backticks) as code rather than literal backticks; never use it
    for a study's own text.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; study text in it is escaped when shown.
    caption : str
        The caption (numbered by the book).
    formats : dict, str or None
        A format for every number (``{:.1f}``), a dict of column to format, or ``None`` for none.
    uid : str, optional
        The table's id, for references to it; ``None`` for one made from the caption.
    index : bool
        Whether the index is shown.
    code : bool
        Show the Markdown code spans of library-written cells as code.

    Returns
    -------
    BookTable
        HTML in the book, aligned text elsewhere.
    """
    return BookTable(df, caption, formats, uid, index, code=code)


class InteractiveTable(BookTable):
    """A `BookTable` that a reader can sort and filter (itables, offline), with a static fallback.

    With itables installed the HTML holds the DataTables library itself (itables' offline mode:
    nothing is fetched from a CDN when the page is read) and, shown until the script runs and
    whenever JavaScript is off, the whole table as plain HTML. Without itables it is the
    `BookTable` HTML. Cells are shown as `formats` gives them, so sorting follows the values
    (numbers stay numbers when `formats` is None for their column).
    """

    def _interactive_html(self) -> str | None:
        try:
            import itables
            from itables import javascript
            from itables import options as itables_options
        except ImportError:  # the [book] extra is not installed: the static table is the table
            return None
        df = self.df.copy()
        for j, col in enumerate(df.columns):  # text columns as shown in the static table
            if not pd.api.types.is_numeric_dtype(df.iloc[:, j]) or pd.api.types.is_bool_dtype(df.iloc[:, j]):
                df[col] = [self.na_rep if _isna(v) else str(v) for v in df.iloc[:, j]]
        bundle = javascript.generate_init_offline_itables_html(itables_options.dt_bundle)
        bundle = bundle.split("<noscript>")[0].rsplit("<div", 1)[0]  # not its notebook-trust message
        table = itables.to_html_datatable(
            df,
            table_id=f"itbl-{self.uid}",
            connected=False,
            maxBytes=0,  # never downsample: every cell is in the page
            showIndex=self.index,
            column_filters="footer",
            classes="display compact sop-itable",
            lengthMenu=[10, 25, 100, -1],
            pageLength=25,
        )
        # itables' own fallback previews a few rows: put the whole static table in its place
        fallback = re.compile(
            rf'(<div id="itbl-{re.escape(self.uid)}_fallback">).*?(</div><script>document\.getElementById)', re.S
        )
        static = super()._repr_html_()
        table, n = fallback.subn(lambda m: m.group(1) + static + m.group(2), table, count=1)
        if n != 1:  # an itables whose HTML this code does not know: keep the static table alone
            return None
        head = f'<p class="sop-itable-caption">{safetext.html(self.caption)}</p>' if self.caption else ""
        return f'<div class="sop-itable-box">{bundle}{head}{table}</div>'

    def _repr_html_(self) -> str:
        return self._interactive_html() or super()._repr_html_()


def interactive_table(
    df: pd.DataFrame,
    caption: str = "",
    formats: dict | str | None = None,
    uid: str | None = None,
    index: bool = False,
) -> InteractiveTable:
    """A captioned table a reader can sort and filter, static when itables is missing.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; study text in it is escaped when shown.
    caption : str
        The caption (numbered by the book).
    formats : dict, str or None
        A format for every number, a dict of column to format, or ``None`` to keep numbers as
        numbers (so that sorting follows their values).
    uid : str, optional
        The table's id, for references to it; ``None`` for one made from the caption.
    index : bool
        Whether the index is shown.

    Returns
    -------
    InteractiveTable
        Sortable and filterable HTML (itables in its offline mode) over the static table.
    """
    return InteractiveTable(df, caption, formats, uid, index)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)[:40]
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "table"


def markdown(template: str, /, **values: Any) -> None:
    """Display Markdown written by a chapter, with study `values` escaped (see `safetext.md`).

    The book renders output Markdown as MyST. `template` is library text: with `values` its
    ``{name}`` fields are filled, every value shown literally; an `MD` from a helper of this
    module is shown as it is. Empty text displays nothing.

    Parameters
    ----------
    template : str
        The chapter's Markdown, with ``{name}`` fields when `values` are given.
    **values : object
        Study text and numbers for the fields, escaped.
    """
    from IPython.display import Markdown, display

    text = md(template, **values)
    if text.strip():
        display(Markdown(str(text)))


_KINDS = frozenset(
    {"note", "tip", "important", "warning", "caution", "attention", "danger", "error", "hint", "seealso"}
)


def note(template: str, /, kind: str = "note", title: str | None = None, **values: Any) -> None:
    """Display a MyST admonition (note, tip, important ...): `template` and `title` as in `markdown`.

    Parameters
    ----------
    template : str
        The admonition's body.
    kind : str
        The admonition: note, tip, important, warning ...
    title : str, optional
        A title; ``None`` for the kind's own heading.
    **values : object
        Study text and numbers for the fields of `template` and `title`, escaped.

    Raises
    ------
    ValueError
        For an unknown `kind`.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown admonition kind {kind!r}")
    body = md(template, **values)
    head = f"````{{admonition}} {md(title, **values)}\n:class: {kind}\n" if title else f"````{{{kind}}}\n"
    markdown(MD(f"{head}{body}\n````"))


def requires(study: Study, table_name: str, enables: str) -> bool:
    """True if the study has the optional table; otherwise show one short note saying what it enables.

    Parameters
    ----------
    study : Study
        A loaded study.
    table_name : str
        The optional table (``reasons``, ``assets`` ...).
    enables : str
        What the table makes possible, for the note ("the reasons for escape").

    Returns
    -------
    bool
        Whether the chapter can show the section.
    """
    if study.has(table_name):
        return True
    from . import schema

    spec = schema.TABLES.get(table_name)
    fname = spec.filename if spec else f"{table_name}.csv"
    note(
        "This study has no {fname}, so {enables} cannot be shown here. Add that optional table "
        "to the study folder (see the data appendix) to enable this section.",
        kind="note",
        fname=MD(f"`{fname}`"),
        enables=enables,
    )
    return False


def is_paper_study(study: Study) -> bool:
    """True for a study that declares a published paper to compare with (``paper:`` in study.yml).

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    bool
        ``True`` for the replica of the paper's study.
    """
    return bool(study.meta.get("paper"))


def paper_says(study: Study, text: str, title: str = "What the paper found") -> None:
    """Show the paper's own finding (attributed, paraphrased) only when the study is the paper's.

    Chapters run on any study; the paper's findings belong next to the replica of the paper's
    study, never next to another study's tables.

    Parameters
    ----------
    study : Study
        A loaded study.
    text : str
        The finding, library text (not study text).
    title : str
        The admonition's title.
    """
    if is_paper_study(study):
        note(MD(" ".join(text.split())), kind="tip", title=title)
