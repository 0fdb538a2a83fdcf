"""Table cells as text, and where they are: the shape every field-file reader returns.

`TableText` is a table read from any format as text cells indexed by row number (header =
row 1), with `locate` saying where a cell is as the team's program shows it. The rendering
rules that make one study saved as CSV, XLSX, SAV or DTA give identical cells are here
(`cell_text`, `column_text`), with the bounds every reader enforces (`Limits`).
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Limits",
    "Issue",
    "Location",
    "TableText",
    "Source",
    "CsvDialect",
    "column_letter",
    "size_ok",
    "zip_ok",
    "too_big",
    "unreadable",
    "number_text",
    "cell_text",
    "column_text",
    "text_frame",
    "drop_empty",
    "spreadsheet_locate",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on what one table file may hold; a file past any of them is refused."""

    file_bytes: int = 200 * 2**20
    unzipped_bytes: int = 1 * 2**30  # an .xlsx is a zip: bound what it expands to
    rows: int = 1_000_000
    columns: int = 1_000


@dataclass(frozen=True, order=True)
class Issue:
    """A problem found while finding or reading a table (fields as `study.Problem`)."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"  # or "warning": reported, the table is still read


@dataclass(frozen=True)
class Location:
    """Where a cell is, as the team's program shows it.

    `row` is the spreadsheet row (header = row 1) for CSV and workbooks, the case number of
    SPSS's Data View and the observation number of Stata's browser for `.sav`/`.dta`.
    `letter` is the spreadsheet column letter (CSV and workbooks only).
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    letter: str | None = None

    @property
    def file_label(self) -> str:
        """The file as a problem names it: ``study.xlsx, sheet households`` for a sheet, else the file."""
        return f"{self.file}, sheet {self.sheet}" if self.sheet else self.file

    @property
    def column_label(self) -> str | None:
        """The column as a problem names it: its letter and name (``C (stage_1979)``), or None for a whole row."""
        if self.column is None:
            return None
        return f"{self.letter} ({self.column})" if self.letter else self.column

    def issue(self, message: str) -> Issue:
        """An `Issue` at this location (sheet in the file part, letter and name in the column).

        Parameters
        ----------
        message : str
            What is wrong, as a sentence.

        Returns
        -------
        Issue
            The issue to report.
        """
        return Issue(self.file_label, self.row, self.column_label, message)

    def __str__(self) -> str:
        parts = [self.file_label]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column_label}")
        return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class TableText:
    """One table read as text, whatever file it came from.

    Attributes
    ----------
    name : str
        The table's name in the contract (``households``, ``sample`` ...).
    source_file : str
        The file it was read from, relative to the study folder.
    sheet : str or None
        The sheet read (several joined by ``", "`` when village sheets are stacked).
    frame : pandas.DataFrame
        Every cell as text (dtype str, blanks ``""``); columns named as in the header (stripped;
        a repeated name gets ``.1``, ``.2`` as pandas does; a nameless one ``Unnamed: i``); index
        = row number with the header as row 1. Rows with every cell blank are left out (their
        numbers too). Stacked sheets are numbered as if they were one sheet, header once.
    header : list of str
        The column names as written (stripped, repeats kept).
    locate : callable
        ``locate(row, column=None) -> Location`` for a row of `frame`'s index and a column of
        `frame`.
    value_labels : dict
        SPSS/Stata value labels by column (code -> label), as the file declares them; empty for
        CSV and workbooks.
    """

    name: str
    source_file: str
    sheet: str | None
    frame: pd.DataFrame
    header: list[str]
    locate: Callable[..., Location]
    value_labels: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """Where a table was found: a file, and for a workbook the sheets that hold it."""

    name: str
    path: Path
    kind: str  # "csv", "xlsx", "sav", "dta"
    sheets: tuple[str, ...] = ()  # workbook sheets (empty: the first sheet of NAME.xlsx)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file separates cells and writes decimals (study.yml ``csv:``).

    None means study.yml does not say: a comma and a decimal point are assumed, and
    `detect_dialect` looks for signs of another dialect.
    """

    delimiter: str | None = None
    decimal: str | None = None


def column_letter(i: int) -> str:
    """Spreadsheet letter of the 0-based column `i` (0 -> A, 26 -> AA).

    Parameters
    ----------
    i : int
        The column's position, from 0.

    Returns
    -------
    str
        Upper-case letters.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- bounds


def size_ok(path: Path, label: str, issues: list[Issue], limits: Limits) -> bool:
    """Whether a file is within `limits.file_bytes`; an issue is added when it is not.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    label : str
        The file as the issue names it.
    issues : list of Issue
        Appended to.
    limits : Limits
        The bounds.

    Returns
    -------
    bool
        ``False`` for a file that is too large.
    """
    size = path.stat().st_size
    if size > limits.file_bytes:
        issues.append(
            Issue(
                label,
                None,
                None,
                f"is {size / 2**20:,.1f} MB, more than the {limits.file_bytes / 2**20:,.0f} MB "
                "a table file may have; split it or remove what the study does not need.",
            )
        )
        return False
    return True


def zip_ok(path: Path, label: str, issues: list[Issue], limits: Limits) -> bool:
    """Whether a workbook is a zip that expands within `limits.unzipped_bytes`; an issue when not.

    Parameters
    ----------
    path : pathlib.Path
        The .xlsx file.
    label : str
        The file as the issue names it.
    issues : list of Issue
        Appended to.
    limits : Limits
        The bounds.

    Returns
    -------
    bool
        ``False`` for a file that is not a zip (a password-protected or renamed .xls) or too large
        once expanded.
    """
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        issues.append(
            Issue(
                label,
                None,
                None,
                "is not an Excel workbook (.xlsx): it may be password-protected or an "
                "older .xls file renamed; open it and save it as 'Excel Workbook (.xlsx)'.",
            )
        )
        return False
    if total > limits.unzipped_bytes:
        issues.append(
            Issue(
                label,
                None,
                None,
                f"expands to {total / 2**20:,.0f} MB, more than the "
                f"{limits.unzipped_bytes / 2**20:,.0f} MB a workbook may hold.",
            )
        )
        return False
    return True


def too_big(label: str, rows: int, cols: int, limits: Limits) -> Issue | None:
    """The issue for a table past the row or column limit.

    Parameters
    ----------
    label : str
        The table as the issue names it.
    rows, cols : int
        Its size.
    limits : Limits
        The bounds.

    Returns
    -------
    Issue or None
        ``None`` when the table is within the limits.
    """
    if rows > limits.rows:
        return Issue(label, None, None, f"has more than {limits.rows:,} rows, more than a table may have.")
    if cols > limits.columns:
        return Issue(label, None, None, f"has {cols:,} columns, more than the {limits.columns:,} a table may have.")
    return None


def unreadable(what: str, e: Exception) -> str:
    """A one-line message for a file a reader failed on (the reader's first line, bounded).

    Parameters
    ----------
    what : str
        What the file was read as ("an SPSS file").
    e : Exception
        The reader's error.

    Returns
    -------
    str
        ``cannot be read as <what>: <detail>.``, the detail at most 200 characters.
    """
    detail = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
    return f"cannot be read as {what}: {detail}."


# --------------------------------------------------------------------------- cells as text


def number_text(x: float) -> str:
    """A number as the CSV holds it: whole numbers without ``.0``, others by `repr` (round-trip).

    Parameters
    ----------
    x : float
        The number.

    Returns
    -------
    str
        Empty text for NaN, ``inf``/``-inf`` for infinities.

    Examples
    --------
    >>> number_text(3.0), number_text(0.1), number_text(float("nan"))
    ('3', '0.1', '')
    """
    if x != x:  # NaN
        return ""
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 2**53:
        return str(int(x))
    return repr(float(x))


def cell_text(v: object) -> str:
    """One workbook cell as the CSV equivalent would hold it.

    Parameters
    ----------
    v : object
        A cell value as openpyxl gives it: None, text, bool, number, date, time or duration.

    Returns
    -------
    str
        Empty text for an empty cell; ``TRUE``/``FALSE`` for booleans; ISO dates (a date without
        its midnight time).
    """
    t = type(v)
    if v is None:
        return ""
    if t is str:
        return v
    if t is bool:
        return "TRUE" if v else "FALSE"  # as Excel shows and exports it
    if t is int:
        return str(v)
    if t is float:
        return number_text(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    return str(v)


def column_text(values: np.ndarray, float32: bool = False) -> np.ndarray:
    """A column of an SPSS/Stata frame as text, rendered once per distinct value.

    Parameters
    ----------
    values : numpy.ndarray
        The column (integers, floats or objects).
    float32 : bool
        The column was stored as 32-bit floats: show the shortest text of the 32-bit value
        (0.28, not 0.2800000011920929).

    Returns
    -------
    numpy.ndarray
        Text (objects), one per value; empty text where missing.
    """
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str).astype(object)
    if values.dtype.kind == "f":
        codes, uniq = pd.factorize(values, use_na_sentinel=False)
        if float32:
            # the shortest text of the 32-bit value: Stata shows a float 0.28 as 0.28, not 0.2800000011920929
            text = [
                number_text(float(u))
                if not np.isfinite(u) or (u == np.floor(u) and abs(u) < 2**24)
                else str(np.float32(u))
                for u in uniq
            ]
        else:
            text = [number_text(float(u)) for u in uniq]
        return np.asarray(text, dtype=object)[codes]
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # object columns: strings, dates (few distinct kinds)
        out[i] = "" if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else cell_text(v)
    return out


def text_frame(rows_by_column: list[np.ndarray], header: list[str], index: np.ndarray) -> pd.DataFrame:
    """The frame of a `TableText`: text columns named after `header` (repeats and blanks renamed).

    Parameters
    ----------
    rows_by_column : list of numpy.ndarray
        One array of cell texts per column.
    header : list of str
        The column names as written.
    index : numpy.ndarray
        The rows' numbers as the source counts them.

    Returns
    -------
    pandas.DataFrame
        Text columns, index named ``row``; a blank name becomes ``Unnamed: i``, a repeat ``x.1``.
    """
    names: list[str] = []
    for i, h in enumerate(header):
        c = h if h else f"Unnamed: {i}"
        base, k = c, 0
        while c in names:
            k += 1
            c = f"{base}.{k}"
        names.append(c)
    data = {n: pd.Series(col, index=index, dtype="str") for n, col in zip(names, rows_by_column)}
    df = pd.DataFrame(data, index=pd.Index(index, name="row"))
    df.columns = names
    return df


def drop_empty(
    cols: list[np.ndarray], header: list[str], index: np.ndarray
) -> tuple[list[np.ndarray], list[str], list[int], np.ndarray]:
    """Drop nameless columns with no value and rows whose every cell is blank (as for CSV).

    Parameters
    ----------
    cols : list of numpy.ndarray
        The columns' cells.
    header : list of str
        The column names.
    index : numpy.ndarray
        The rows' numbers.

    Returns
    -------
    cols : list of numpy.ndarray
        The columns kept, with the rows kept.
    header : list of str
        Their names.
    keep : list of int
        The positions of the columns kept.
    index : numpy.ndarray
        The numbers of the rows kept.
    """
    keep = [i for i, (h, c) in enumerate(zip(header, cols)) if h != "" or (np.strings.strip(c.astype(str)) != "").any()]
    cols, header = [cols[i] for i in keep], [header[i] for i in keep]
    if cols and len(index):
        filled = np.logical_or.reduce([np.strings.strip(c.astype(str)) != "" for c in cols])
        cols, index = [c[filled] for c in cols], index[filled]
    return cols, header, keep, index


def spreadsheet_locate(
    file: str, bounds: list[tuple[int, int, str | None]], header_cols: dict[str, int]
) -> Callable[..., Location]:
    """A locate function for sheets stacked as one table, giving each row its own sheet and row.

    Parameters
    ----------
    file : str
        The workbook's name.
    bounds : list of tuple of (int, int, str or None)
        Per sheet: the first row key of the stacked table, the offset to subtract, the sheet's name.
    header_cols : dict of str to int
        Column name to its 0-based position, for the letters.

    Returns
    -------
    Callable
        ``locate(row, column=None)`` giving the `Location`; with ``row=None`` the location names
        every sheet.
    """
    firsts = np.array([b[0] for b in bounds])

    def locate(row: int | None, column: str | None = None) -> Location:
        letter = column_letter(header_cols[column]) if column in header_cols else None
        if row is None:
            return Location(file, ", ".join(b[2] for b in bounds if b[2]) or None, None, column, letter)
        k = max(int(np.searchsorted(firsts, row, side="right")) - 1, 0)
        first, offset, sheet = bounds[k]
        return Location(file, sheet, int(row) - offset, column, letter)

    return locate
