"""The one place where text from a study becomes markup.

A study folder is untrusted data: a region, a stage name, a reason label or study.yml's
``description`` may hold Markdown, HTML, MyST roles, Jinja2 ``{{ ... }}``, TeX ``$...$`` or a
spreadsheet formula. Every string that comes from a study goes through one of these functions
before it reaches Markdown, HTML, matplotlib text, LaTeX or a CSV cell a spreadsheet will open,
so that it is shown exactly as written and never interpreted.

* `markdown` -- inert text for MyST Markdown (every ASCII punctuation mark backslash-escaped,
  which CommonMark guarantees to render literally; line breaks folded to spaces);
* `html` -- inert text for HTML (``html.escape`` with quotes);
* `mpl` -- inert text for matplotlib (``$`` escaped, so no mathtext is parsed);
* `latex` -- inert text for LaTeX;
* `csv_cell` -- a text cell neutralised against spreadsheet formula injection (OWASP);
* `md` -- library-authored Markdown with study values filled in, each escaped with `markdown`
  (the result is an `MD`, Markdown known to be safe to render; `md_join` joins such pieces).

Matplotlib text needs no escaping in the book's figures: `plots` and `logit_report` draw with
``text.parse_math`` off (`MPL_RC`), so ``$`` is an ordinary character there.

Text written by the library itself (sentences, headings, numbers) needs none of this; it is
only study text inside it that does.
"""

from __future__ import annotations

import html as _html
import numbers
import re
import string
import unicodedata
from collections.abc import Callable, Iterable

__all__ = [
    "clean",
    "markdown",
    "html",
    "mpl",
    "latex",
    "csv_cell",
    "FORMULA_PREFIXES",
    "MD",
    "md",
    "md_join",
    "MPL_RC",
    "plain_mpl",
]

# Characters that are never part of a name a person meant to write: C0/C1 controls (tab and
# line breaks aside, which are folded to spaces), zero-width and bidirectional controls.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_PUNCT = frozenset(string.punctuation)
_MD_ESCAPE = {ord(c): "\\" + c for c in string.punctuation}


def clean(text: object) -> str:
    """NFC-normalised text with invisible and control characters removed, line breaks as spaces.

    Parameters
    ----------
    text : object
        Anything; ``None`` gives empty text, other objects their `str`.

    Returns
    -------
    str
        One line of visible text.
    """
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    s = _INVISIBLE.sub("", s)
    return re.sub(r"[\t\r\n\u2028\u2029]+", " ", s)


def markdown(text: object) -> str:
    """`text` as inert MyST Markdown: shown literally, never parsed as markup, roles or templates.

    Parameters
    ----------
    text : object
        Study text (anything; see `clean`).

    Returns
    -------
    str
        Every Markdown punctuation character escaped, runs of spaces collapsed.
    """
    s = clean(text).translate(_MD_ESCAPE)
    # a run of spaces cannot start an indented code block inside a line, but keep it tidy
    return re.sub(r" {2,}", " ", s)


def html(text: object) -> str:
    """`text` as inert HTML (element content or a quoted attribute value).

    Parameters
    ----------
    text : object
        Study text (anything; see `clean`).

    Returns
    -------
    str
        ``& < > " '`` as character references.

    Examples
    --------
    >>> html('<b class="x">A & B</b>')
    '&lt;b class=&quot;x&quot;&gt;A &amp; B&lt;/b&gt;'
    """
    return _html.escape(clean(text), quote=True)


def mpl(text: object) -> str:
    """`text` for a matplotlib label or title: ``$`` escaped, so mathtext is never parsed.

    For figures drawn with mathtext on; under `MPL_RC` (the book's figures) pass study text as
    it is, since there the escapes would be shown.

    Parameters
    ----------
    text : object
        Study text (anything; see `clean`).

    Returns
    -------
    str
        Backslashes doubled and dollar signs escaped.
    """
    return clean(text).replace("\\", "\\\\").replace("$", r"\$")


_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
}


def latex(text: object) -> str:
    """`text` as inert LaTeX: every special character replaced by its command.

    Parameters
    ----------
    text : object
        Study text (anything; see `clean`).

    Returns
    -------
    str
        Safe in LaTeX text mode.
    """
    return "".join(_LATEX.get(c, c) for c in clean(text))


# OWASP's CSV-injection guidance: a cell starting with one of these is read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: object) -> object:
    """A text cell safe to open in a spreadsheet: a leading formula character gets a ``'`` before it.

    Numbers (and anything that is not a ``str``) are returned unchanged, so ``-1.5`` stays a number.

    Parameters
    ----------
    text : object
        One cell.

    Returns
    -------
    object
        The cell, prefixed when it is text starting with one of `FORMULA_PREFIXES`.

    Examples
    --------
    >>> csv_cell("=1+1"), csv_cell(-1.5), csv_cell("Puno")
    ("'=1+1", -1.5, 'Puno')
    """
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


# rcParams under which matplotlib never parses text as mathtext or TeX: study names may hold ``$``.
MPL_RC = {"text.parse_math": False, "text.usetex": False}


def plain_mpl(fn: Callable) -> Callable:
    """Decorator: run a figure function with `MPL_RC`, so every text it draws is shown literally.

    Matplotlib reads ``text.parse_math`` when a text is created, so labels, titles, tick labels
    and legends made inside `fn` stay plain even when the figure is saved later.

    Parameters
    ----------
    fn : Callable
        A function that draws a figure.

    Returns
    -------
    Callable
        The wrapped function.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib as mpl

        with mpl.rc_context(MPL_RC):
            return fn(*args, **kwargs)

    return wrapper


class MD(str):
    """Markdown that is safe to render: written by the library, study values inside it escaped.

    Only `md` and `md_join` make one; a value that is already an `MD` is not escaped twice.
    """

    __slots__ = ()


def _inert(value: object) -> object:
    if isinstance(value, MD):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value  # a number cannot carry markup, and keeps its format spec ("{n:,}")
    return MD(markdown(value))


def md(template: str, /, *args: object, **values: object) -> MD:
    """Fill library-authored Markdown `template` with values, each escaped with `markdown`.

    Parameters
    ----------
    template : str
        Markdown written by the library or a chapter (never by a study). With values, its
        ``{name}`` fields are filled by `str.format` (literal braces then need doubling); without
        values it is returned as it is, so MyST roles such as ``{cite:p}`` keep working.
    *args, **values
        Values for the fields. Strings (and anything that is not a number or an `MD`) are
        escaped with `markdown`; numbers keep their format spec; `MD` pieces pass unchanged.

    Returns
    -------
    MD
        The Markdown, in which every value appears literally when rendered.
    """
    if not args and not values:
        return MD(template)
    return MD(str(template).format(*(_inert(a) for a in args), **{k: _inert(v) for k, v in values.items()}))


def md_join(sep: str, items: Iterable[object]) -> MD:
    """Join pieces with library-authored `sep`; pieces that are not `MD` are escaped first.

    Parameters
    ----------
    sep : str
        The separator, library text (not escaped).
    items : iterable of object
        Study text, numbers or `MD`.

    Returns
    -------
    MD
        Markdown safe to show.
    """
    return MD(str(sep).join(str(_inert(i)) for i in items))
