"""Reading a CSV table of a study as text that cannot mislead the checks.

* Every row is counted: a row with more cells than the header is an error (all such rows
  are reported, summarised after `MAX_ROWS_PER_CHECK`); pandas would otherwise use the
  first column as an index or drop the extra cells. A row with fewer cells is read with
  blank cells at its end, and reported as a warning.
* The first column is never an index (`index_col=False`).
* Cells are stripped and NFC-normalised once per distinct value, before any grouping or
  duplicate check, so `Baños` typed as one or two code points is one name.
* Invisible and control characters (zero-width spaces, NUL and other C0/C1 controls,
  bidirectional controls) are reported with file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .csvdialect import _decimal_hints
from .problem import Problem, report_rows, rows_of
from .studyfile import MAX_CSV_BYTES, read_bytes

__all__ = ["FORBIDDEN", "Cells", "check_text", "header_of", "invisible", "read_table"]

# Characters no cell may hold: C0 controls except tab/LF/CR, DEL, C1 controls, soft hyphen,
# zero-width and invisible format characters, bidirectional controls, BOM, line separators.
_INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
FORBIDDEN = re.compile(f"[{_INVISIBLE}]")
# In names and codes (the contract's text columns) tabs and line breaks are refused as well.
FORBIDDEN_IN_NAMES = re.compile(f"[{_INVISIBLE}\t\n\r]")

_TEXT = np.dtypes.StringDType()
_DECIMAL_COMMA = re.compile(r"\s*[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?\s*")
_IS_NFC = np.frompyfunc(unicodedata.is_normalized, 2, 1)

# The csv module refuses cells above 128 KiB by default; the file size bound is the limit here.
csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES))


def invisible(text: str, names: bool = False) -> str | None:
    """A description of the first forbidden (invisible or control) character of `text`.

    Parameters
    ----------
    text : str
        A cell or a column name.
    names : bool
        Use the stricter set for names (column names, regions, communities).

    Returns
    -------
    str or None
        For example ``U+200B ZERO WIDTH SPACE``; ``None`` when there is none.
    """
    m = (FORBIDDEN_IN_NAMES if names else FORBIDDEN).search(text)
    if not m:
        return None
    ch = m.group()
    name = unicodedata.name(ch, "")
    if not name:
        name = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL"}.get(ch, "control character")
    return f"U+{ord(ch):04X} {name}"


def _to_numbers(values: np.ndarray) -> np.ndarray:
    """Float value of every stripped text; NaN where blank or not a number (as `pd.to_numeric`)."""
    out = np.full(len(values), np.nan)
    filled = values != ""
    if filled.any():
        out[filled] = pd.to_numeric(
            pd.Series(np.asarray(values[filled], dtype=object), dtype=object), errors="coerce"
        ).to_numpy(dtype=float, na_value=np.nan)
    return out


class Cells:
    """A CSV table read as text, indexed by spreadsheet row; each column's cells stripped once.

    A column is handled as codes into its distinct values (one hash pass in C): stripping,
    NFC normalisation, blank tests and numeric conversion run once per distinct value.
    """

    def __init__(self, df: pd.DataFrame, header: list[str] | None = None):
        self.df = df
        self.header = header or [str(c) for c in df.columns]  # as written (duplicates not renamed)
        self.rownums = df.index.to_numpy()
        self._coded: dict[str, tuple[np.ndarray, np.ndarray, bool]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._series: dict[str, pd.Series] = {}
        self._raw: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def columns(self) -> pd.Index:
        """The column names, as pandas renamed them (duplicates get ``.1``)."""
        return self.df.columns

    def __len__(self) -> int:
        return len(self.df)

    def coded(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A column as codes into its distinct values: cell i holds the stripped, NFC text ``values[codes[i]]``.

        Parameters
        ----------
        name : str
            The column.

        Returns
        -------
        codes : numpy.ndarray
            One integer per row.
        values : numpy.ndarray
            The distinct values (numpy strings), each once.
        """
        if name not in self._coded:
            codes, uniq = self.raw(name)
            raw = np.asarray(uniq, dtype=object).astype(_TEXT)
            values = np.strings.strip(raw)
            if len(values):
                obj = np.asarray(values, dtype=object)
                todo = ~_IS_NFC("NFC", obj).astype(bool)
                if todo.any():
                    obj = obj.copy()
                    obj[todo] = [unicodedata.normalize("NFC", v) for v in obj[todo]]
                    values = obj.astype(_TEXT)
            changed = bool((values != raw).any())
            if changed:  # ' a' and 'a' (or NFC and NFD spellings) are the same value
                c2, u2 = pd.factorize(np.asarray(values, dtype=object))
                codes, values = c2[codes], np.asarray(u2, dtype=object).astype(_TEXT)
            self._coded[name] = (codes, values, changed)
        codes, values, _changed = self._coded[name]
        return codes, values

    def raw(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A column's cells as written, factorized once and shared by the checks.

        Parameters
        ----------
        name : str
            The column.

        Returns
        -------
        codes : numpy.ndarray
            One integer per row.
        values : numpy.ndarray
            The distinct cells as written (objects).
        """
        if name not in self._raw:
            codes, uniq = pd.factorize(self.df[name].to_numpy(dtype=object))
            self._raw[name] = (codes, np.asarray(uniq, dtype=object))
        return self._raw[name]

    def subset(self, keep: np.ndarray) -> Cells:
        """The rows selected by `keep`, reusing the work already done on each column.

        Parameters
        ----------
        keep : numpy.ndarray
            One boolean per row.

        Returns
        -------
        Cells
            A new table of the kept rows, with their spreadsheet row numbers.
        """
        out = Cells(self.df[keep], self.header)
        out._coded = {k: (c[keep], v, ch) for k, (c, v, ch) in self._coded.items()}
        out._raw = {k: (c[keep], u) for k, (c, u) in self._raw.items()}
        return out

    def blank(self, name: str) -> np.ndarray:
        """Which cells of a column are blank once stripped.

        Parameters
        ----------
        name : str
            The column.

        Returns
        -------
        numpy.ndarray
            One boolean per row.
        """
        codes, values = self.coded(name)
        return (values == "")[codes]

    def text(self, name: str, row: int) -> str:
        """Stripped text of the cell in spreadsheet row `row`.

        Parameters
        ----------
        name : str
            The column.
        row : int
            The spreadsheet row number (the header is row 1).

        Returns
        -------
        str
            The cell's text.
        """
        codes, values = self.coded(name)
        return str(values[codes[np.searchsorted(self.rownums, row)]])

    def numbers(self, name: str) -> np.ndarray:
        """A column's cells as numbers (computed once per distinct value).

        Parameters
        ----------
        name : str
            The column.

        Returns
        -------
        numpy.ndarray
            Floats, NaN where a cell is blank or not a number.
        """
        if name not in self._numbers:
            codes, values = self.coded(name)
            self._numbers[name] = _to_numbers(values)[codes]
        return self._numbers[name]

    def series(self, name: str) -> pd.Series:
        """The stripped cells as a pandas text column (the original one when nothing needed stripping).

        Parameters
        ----------
        name : str
            The column.

        Returns
        -------
        pandas.Series
            Indexed by spreadsheet row.
        """
        if name not in self._series:
            self.coded(name)
            codes, values, changed = self._coded[name]
            if not changed:
                self._series[name] = self.df[name]
            else:
                self._series[name] = pd.Series(
                    np.asarray(values, dtype=object)[codes], index=self.df.index, name=name, dtype="str"
                )
        return self._series[name]


def header_of(text: str, delimiter: str = ",") -> list[str]:
    """Column names exactly as written in the header (pandas renames duplicates to ``x.1``).

    Parameters
    ----------
    text : str
        The decoded file; only its first 64 KiB are read.
    delimiter : str
        The field delimiter.

    Returns
    -------
    list of str
        Names stripped of spaces; empty when there is no header or it cannot be parsed.
    """
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(text[: 1 << 16]), delimiter=delimiter))]
    except (StopIteration, csv.Error):
        return []


def _cell_counts(text: str, fname: str, problems: list[Problem], delimiter: str = ",") -> np.ndarray | None:
    """Number of cells of every record (record 0 = the header), or None after a problem."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return np.fromiter(map(len, reader), dtype=np.int64)
    except csv.Error as e:
        problems.append(Problem(fname, reader.line_num or None, None, f"cannot be read as CSV: {e}."))
        return None


def _ragged(counts: np.ndarray, fname: str, problems: list[Problem]) -> bool:
    """Report rows with more cells than the header (errors); True when there is one."""
    n = counts[0]
    if n == 0:  # an empty first row: reported as a missing header by the column checks
        return False
    rownums = np.arange(1, len(counts) + 1)
    long = counts > n
    long[0] = False
    if long.any():
        report_rows(
            problems,
            fname,
            None,
            rows_of(long, rownums),
            lambda r: f"has {counts[r - 1]} cells but the header has {n} columns.",
            "more cells than the header has columns (is a column name missing from the header?)",
        )
    return bool(long.any())


def _short_rows(counts: np.ndarray, cells: Cells, fname: str, problems: list[Problem]) -> None:
    """Warn about rows with fewer cells than the header (read as blank cells at the end)."""
    n = counts[0]
    if n == 0:
        return
    short = np.zeros(len(counts), dtype=bool)
    short[1:] = (counts[1:] > 0) & (counts[1:] < n)
    kept = np.zeros(len(counts) + 1, dtype=bool)
    rows = cells.rownums[cells.rownums <= len(counts)]
    kept[rows] = True  # rows that are not entirely blank
    rownums = np.arange(1, len(counts) + 1)
    short &= kept[1:]
    if short.any():
        report_rows(
            problems,
            fname,
            None,
            rows_of(short, rownums),
            lambda r: (
                f"has {counts[r - 1]} cells but the header has {n} columns; the missing cells at "
                "the end are read as blank."
            ),
            "fewer cells than the header has columns",
            severity="warning",
        )


def _parse(raw: bytes, text: str, fname: str, problems: list[Problem], delimiter: str = ",") -> pd.DataFrame | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(
                io.BytesIO(raw),
                sep=delimiter,
                encoding="utf-8-sig",
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
            )
    except pd.errors.ParserError as e:
        msg = str(e)
        if re.search(r"Expected (\d+) fields", msg):
            counts = _cell_counts(text, fname, problems, delimiter)
            if counts is not None and not _ragged(counts, fname, problems):
                problems.append(Problem(fname, None, None, f"cannot be read as CSV: {msg}"))
        elif m2 := re.search(r"EOF inside string starting at row (\d+)", msg):
            problems.append(
                Problem(
                    fname,
                    int(m2.group(1)) + 1,
                    None,
                    'a quotation mark (") opens a cell here that is never closed, '
                    "so the rest of the file reads as one cell.",
                )
            )
        else:
            problems.append(Problem(fname, None, None, f"cannot be read as CSV: {msg.strip()}"))
    except pd.errors.EmptyDataError:
        problems.append(Problem(fname, None, None, "the file is empty: it needs a header row and one row per record."))
    except (ValueError, OverflowError, MemoryError) as e:
        problems.append(Problem(fname, None, None, f"cannot be read as CSV: {e}"))
    return None


def _decode(raw: bytes, fname: str, problems: list[Problem]) -> str | None:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        problems.append(Problem(fname, None, None, "is UTF-16 text, not UTF-8; export the spreadsheet as 'CSV UTF-8'."))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(fname, line, None, "is not UTF-8 text; export the spreadsheet as 'CSV UTF-8'."))
        return None


def _decimal_points(column: pd.Series) -> pd.Series:
    """Decimal commas turned into points in cells that are numbers written so (once per value)."""
    codes, uniq = pd.factorize(column.to_numpy(dtype=object))
    if not len(uniq):
        return column
    fixed = np.asarray([_DECIMAL_COMMA.fullmatch(u) and u.replace(",", ".") or u for u in uniq], dtype=object)
    return pd.Series(fixed[codes], index=column.index, name=column.name, dtype=column.dtype)


def read_table(
    folder: Path, fname: str, problems: list[Problem], delimiter: str | None = None, decimal: str | None = None
) -> Cells | None:
    """The table `folder/fname` as `Cells` (spreadsheet row numbers), or None after its problems.

    With ``decimal=","`` cells that are numbers written with a decimal comma read as numbers;
    when the decimal mark is not declared, a column of such numbers gets a warning saying what
    to declare. Reading is bounded (`MAX_CSV_BYTES`).

    Parameters
    ----------
    folder : pathlib.Path
        The study folder.
    fname : str
        The file's name inside it.
    problems : list of Problem
        Every problem found (empty file, encoding, ragged rows ...) is appended here.
    delimiter : str, optional
        study.yml's ``csv: delimiter``; ``None`` for a comma.
    decimal : str, optional
        study.yml's ``csv: decimal``; ``None`` when not declared (a decimal point).

    Returns
    -------
    Cells or None
        The table; ``None`` when it cannot be read (the reasons are in `problems`).
    """
    delimiter = delimiter or ","
    raw = read_bytes(folder, fname, MAX_CSV_BYTES, problems)
    if raw is None:
        return None
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        problems.append(Problem(fname, None, None, "the file is empty: it needs a header row and one row per record."))
        return None
    text = _decode(raw, fname, problems)
    if text is None:
        return None
    counts = _cell_counts(text, fname, problems, delimiter)
    if counts is None:
        return None
    if not len(counts) or counts[0] == 0 or not any(header_of(text, delimiter)):
        problems.append(Problem(fname, 1, None, "the first row is empty; it must hold the column names (the header)."))
        return None
    df = _parse(raw, text, fname, problems, delimiter)
    if df is None or _ragged(counts, fname, problems):
        return None
    header = header_of(text, delimiter)
    if decimal == ",":
        df = df.apply(_decimal_points)
    elif decimal is None and len(header) > 1:
        for i in _decimal_hints(df, fname):
            problems.append(Problem(i.file, i.row, i.column, i.message, "warning"))
    df.columns = _stripped_names(df.columns)
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")  # spreadsheet rows: the header is row 1
    cells = _without_blanks(df, header)
    _short_rows(counts, cells, fname, problems)
    return cells


def _stripped_names(columns) -> list[str]:
    """Column names stripped; ' a' and 'a' are the same name once stripped, so renamed like pandas does."""
    names: list[str] = []
    for c in (str(c).strip() for c in columns):
        base, k = c, 0
        while c in names:
            k += 1
            c = f"{base}.{k}"
        names.append(c)
    return names


def _without_blanks(df: pd.DataFrame, header: list[str]) -> Cells:
    """The cells without spreadsheet padding: trailing columns with neither a name nor a value, and
    rows where every cell is blank (spreadsheet exports often end with some)."""
    cells = Cells(df, header)  # missing trailing cells of a short row read as "" (na_filter=False)
    if len(header) == len(df.columns):
        empty = [i for i, h in enumerate(header) if h == "" and cells.blank(df.columns[i]).all()]
        if empty:
            df = df[[c for i, c in enumerate(df.columns) if i not in empty]]
            header = [h for i, h in enumerate(header) if i not in empty]
            cells = Cells(df, header)
    if len(df) and len(df.columns):
        blank = np.logical_and.reduce([cells.blank(c) for c in df.columns])
        if blank.any():
            cells = cells.subset(~blank)
    return cells


def check_text(cells: Cells, fname: str, name_columns: set[str], problems: list[Problem]) -> None:
    """Report every cell (and header name) holding an invisible or control character.

    Parameters
    ----------
    cells : Cells
        The table as read.
    fname : str
        The file's name, for the problems.
    name_columns : set of str
        Columns holding names, checked with the stricter set of characters.
    problems : list of Problem
        Appended to, one problem per column (the rows listed, up to the limit).
    """
    for i, h in enumerate(cells.header):
        what = invisible(h, names=True)
        if what:
            problems.append(
                Problem(
                    fname,
                    1,
                    None,
                    f"the name of column {i + 1} contains an invisible or control "
                    f"character ({what}); retype the column name.",
                )
            )
    for name in cells.columns:
        codes, uniq = cells.raw(name)
        if not len(uniq):
            continue
        rx = FORBIDDEN_IN_NAMES if name in name_columns else FORBIDDEN
        # one search over the distinct cells joined by a space (allowed in both sets, and each
        # set matches single characters, so joining neither makes nor hides a match)
        if not rx.search(" ".join(map(str, uniq))):
            continue
        hit = np.fromiter((rx.search(str(u)) is not None for u in uniq), dtype=bool, count=len(uniq))
        what = {i: invisible(str(uniq[i]), names=name in name_columns) for i in np.flatnonzero(hit)}
        mask = hit[codes]
        report_rows(
            problems,
            fname,
            name,
            rows_of(mask, cells.rownums),
            lambda r, codes=codes, what=what, name=name: (
                f"the cell contains an invisible or control character ({what[codes[np.searchsorted(cells.rownums, r)]]}); "
                "delete it and retype the text."
            ),
            "an invisible or control character",
        )
