"""Tables as field teams keep them: CSV, Excel workbooks, SPSS and Stata files.

Every table of the contract (`schema.TABLES`) may be given as ``NAME.csv``, ``NAME.xlsx``
(its first sheet), ``NAME.sav`` (SPSS) or ``NAME.dta`` (Stata), or as a sheet named after
the table in one workbook ``study.xlsx``, where several sheets whose names begin with
``households`` (one per village) are stacked. Whatever the format, a table is handed to the
validator in one shape, `TableText`: a DataFrame of text cells (blanks as ``""``), indexed by
row number with the header as row 1, and a `locate` function that says where a cell is as
the program the team uses shows it.

Cells are rendered as the CSV equivalent would hold them, so that one study saved in any of
the formats gives identical text: whole numbers without ``.0``, other numbers with the
shortest text that reads back to the same value (``repr``; for Stata ``float`` storage, the
shortest text of the 32-bit value), dates as ISO 8601, and blanks, NaN and missing values
(SPSS system- and user-missing, Stata ``.`` and ``.a``-``.z``) as ``""``.

Value labels (SPSS, Stata): a labelled variable becomes its labels, except in the columns the
contract declares as numbers (stages, whole numbers, numbers, 0/1 flags), which keep their
codes. So a stage column labelled ``1 = Food`` keeps ``1`` (the contract's stage number), a
``reason`` column labelled ``3 = health`` becomes ``health`` (the contract's reason code) and
a ``community`` column labelled ``1 = Kabuchai`` becomes ``Kabuchai``. A code that has no
label stays a number.

Nothing here evaluates a cell: formulas in workbooks give their cached values
(``data_only=True``), and every file is bounded in size, rows and columns (`Limits`).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import schema

__all__ = [
    "FORMATS",
    "WORKBOOK",
    "Limits",
    "Issue",
    "Location",
    "Source",
    "TableText",
    "CsvDialect",
    "find_table",
    "read_source",
    "read_table",
    "read_csv_table",
    "dialect_from_meta",
    "detect_dialect",
    "stage_codes",
    "column_letter",
]

# The extensions a table may have, in the order they are looked for.
FORMATS = (".csv", ".xlsx", ".sav", ".dta")
# The one workbook that may hold every table, one sheet per table.
WORKBOOK = "study.xlsx"
# Excel's own limits: nothing beyond them is a sheet Excel made.
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384

_OTHER_FORMATS = {
    ".xls": "an Excel 97-2003 workbook, which is not read",
    ".xlsm": "a macro-enabled workbook, which is not read",
    ".xlsb": "a binary Excel workbook, which is not read",
    ".ods": "an OpenDocument spreadsheet, which is not read",
    ".numbers": "a Numbers spreadsheet, which is not read",
    ".json": "a JSON file, which is not read as a table",
    ".tsv": "a tab-separated file, which is read only as NAME.csv with `csv: {delimiter: \"\\t\"}`",
    ".txt": "a text file, which is read only as NAME.csv",
    ".zsav": "a compressed SPSS file, which is not read",
    ".por": "an SPSS portable file, which is not read",
}


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
        return f"{self.file}, sheet {self.sheet}" if self.sheet else self.file

    @property
    def column_label(self) -> str | None:
        if self.column is None:
            return None
        return f"{self.letter} ({self.column})" if self.letter else self.column

    def issue(self, message: str) -> Issue:
        """An `Issue` at this location (sheet in the file part, letter and name in the column)."""
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
    """Spreadsheet letter of the 0-based column `i` (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- finding a table


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError:
        return []


def _workbook_sheets(path: Path, issues: list[Issue], limits: Limits) -> list[str] | None:
    if not _size_ok(path, WORKBOOK, issues, limits) or not _zip_ok(path, WORKBOOK, issues, limits):
        return None
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [ws.title for ws in wb.worksheets]
        finally:
            wb.close()
    except Exception as e:  # an untrusted file: any failure to parse it is the user's to fix
        issues.append(Issue(WORKBOOK, None, None, _unreadable("an Excel workbook (.xlsx)", e)))
        return None


def _sheets_for(name: str, sheets: list[str]) -> list[str]:
    """Sheets of study.xlsx that hold table `name` (case and surrounding spaces ignored)."""
    key = name.casefold()
    if name == "households":
        return [s for s in sheets if s.strip().casefold().startswith(key)]
    return [s for s in sheets if s.strip().casefold() == key]


def find_table(folder: str | Path, name: str, limits: Limits = Limits()) -> tuple[Source | None, list[Issue]]:
    """Find where table `name` of a study folder is given.

    Parameters
    ----------
    folder : path
        The study folder.
    name : str
        The table's name in the contract (``households``, ``sample`` ...).
    limits : Limits
        Bounds on study.xlsx, opened to list its sheets.

    Returns
    -------
    (Source or None, list of Issue)
        The source, or None when the table is absent or given twice. Issues name a table given
        in two places, a folder where a file is expected, and a file that is there under another
        extension or spelling (``households.xls``, ``Households.csv``). An absent table with no
        such file gives no issue: the caller knows whether it is required.
    """
    folder = Path(folder)
    issues: list[Issue] = []
    found: list[Source] = []
    for ext in FORMATS:
        p = folder / f"{name}{ext}"
        if p.is_dir():
            issues.append(Issue(p.name, None, None, "is a folder, not a file."))
        elif p.is_file():
            found.append(Source(name, p, ext[1:]))
    book = folder / WORKBOOK
    if book.is_file():
        sheets = _workbook_sheets(book, issues, limits)
        held = _sheets_for(name, sheets or [])
        if held:
            found.append(Source(name, book, "xlsx", tuple(held)))
    if len(found) > 1:
        where = [f"{s.path.name} (sheet{'s' if len(s.sheets) > 1 else ''} {', '.join(s.sheets)})"
                 if s.sheets else s.path.name for s in found]
        issues.append(Issue(found[0].path.name if not found[0].sheets else WORKBOOK, None, None,
                            f"the {name} table is given more than once: in {' and '.join(where)}; "
                            "keep one and remove or rename the others."))
        return None, issues
    if found:
        return found[0], issues
    wanted = {f"{name}{ext}" for ext in FORMATS}
    for entry in _listing(folder):
        stem, dot, ext = entry.rpartition(".")
        if not dot or stem.casefold().strip() != name.casefold() or entry in wanted:
            continue
        if f".{ext.casefold()}" in FORMATS:
            msg = f"the {name} table is read from {name}.{ext.casefold()}: rename {entry} to {name}.{ext.casefold()}."
        else:
            what = _OTHER_FORMATS.get(f".{ext.casefold()}", "a file of a kind that is not read").replace("NAME", name)
            msg = (f"{entry} is {what}; save the table as {name}.xlsx (Excel Workbook), {name}.csv "
                   f"(CSV UTF-8), {name}.sav or {name}.dta.")
        issues.append(Issue(entry, None, None, msg))
    return None, issues


# --------------------------------------------------------------------------- bounds


def _size_ok(path: Path, label: str, issues: list[Issue], limits: Limits) -> bool:
    size = path.stat().st_size
    if size > limits.file_bytes:
        issues.append(Issue(label, None, None, f"is {size / 2**20:,.1f} MB, more than the {limits.file_bytes / 2**20:,.0f} MB "
                            "a table file may have; split it or remove what the study does not need."))
        return False
    return True


def _zip_ok(path: Path, label: str, issues: list[Issue], limits: Limits) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        issues.append(Issue(label, None, None, "is not an Excel workbook (.xlsx): it may be password-protected or an "
                            "older .xls file renamed; open it and save it as 'Excel Workbook (.xlsx)'."))
        return False
    if total > limits.unzipped_bytes:
        issues.append(Issue(label, None, None, f"expands to {total / 2**20:,.0f} MB, more than the "
                            f"{limits.unzipped_bytes / 2**20:,.0f} MB a workbook may hold."))
        return False
    return True


def _too_big(label: str, rows: int, cols: int, limits: Limits) -> Issue | None:
    if rows > limits.rows:
        return Issue(label, None, None, f"has more than {limits.rows:,} rows, more than a table may have.")
    if cols > limits.columns:
        return Issue(label, None, None, f"has {cols:,} columns, more than the {limits.columns:,} a table may have.")
    return None


def _unreadable(what: str, e: Exception) -> str:
    detail = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
    return f"cannot be read as {what}: {detail}."


# --------------------------------------------------------------------------- cells as text


def _number_text(x: float) -> str:
    if x != x:  # NaN
        return ""
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 2**53:
        return str(int(x))
    return repr(float(x))


def _cell_text(v) -> str:
    """One workbook cell as the CSV equivalent would hold it."""
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
        return _number_text(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    return str(v)


def _column_text(values: np.ndarray, float32: bool = False) -> np.ndarray:
    """A column of an SPSS/Stata frame as text, rendered once per distinct value."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str).astype(object)
    if values.dtype.kind == "f":
        codes, uniq = pd.factorize(values, use_na_sentinel=False)
        if float32:
            text = [("" if u != u else _number_text(float(u)) if u == int(u) else str(np.float32(u))) for u in uniq]
        else:
            text = [_number_text(float(u)) for u in uniq]
        return np.asarray(text, dtype=object)[codes]
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # object columns: strings, dates (few distinct kinds)
        out[i] = "" if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else _cell_text(v)
    return out


def _frame(rows_by_column: list[np.ndarray], header: list[str], index: np.ndarray) -> pd.DataFrame:
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


def _drop_empty(cols: list[np.ndarray], header: list[str], index: np.ndarray):
    """Drop nameless columns with no value and rows whose every cell is blank (as for CSV)."""
    keep = [i for i, (h, c) in enumerate(zip(header, cols)) if h != "" or (c != "").any()]
    cols, header = [cols[i] for i in keep], [header[i] for i in keep]
    if cols and len(index):
        filled = np.logical_or.reduce([np.strings.strip(c.astype(str)) != "" for c in cols])
        cols, index = [c[filled] for c in cols], index[filled]
    return cols, header, keep, index


def _spreadsheet_locate(file: str, bounds: list[tuple[int, int, str | None]], header_cols: dict[str, int]):
    """locate() for sheets stacked as one: bounds = (first key, offset, sheet) per sheet."""
    firsts = np.array([b[0] for b in bounds])

    def locate(row: int | None, column: str | None = None) -> Location:
        letter = column_letter(header_cols[column]) if column in header_cols else None
        if row is None:
            return Location(file, ", ".join(b[2] for b in bounds if b[2]) or None, None, column, letter)
        k = max(int(np.searchsorted(firsts, row, side="right")) - 1, 0)
        first, offset, sheet = bounds[k]
        return Location(file, sheet, int(row) - offset, column, letter)

    return locate


# --------------------------------------------------------------------------- workbooks


def _sheet_cells(ws, label: str, limits: Limits, issues: list[Issue]):
    """(header, columns, row numbers) of one sheet, blank rows left out; None if refused."""
    ws.reset_dimensions()  # a wrong <dimension> would otherwise cut the data silently
    header: list[str] | None = None
    rows: list[tuple] = []
    numbers: list[int] = []
    width = 0
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > _EXCEL_ROWS:
            issues.append(Issue(label, None, None, f"has more than {_EXCEL_ROWS:,} rows, more than Excel allows."))
            return None
        if header is None:
            header = [_cell_text(v).strip() for v in row]
            continue
        if not any(v is not None and v != "" for v in row):
            continue
        rows.append(row)
        numbers.append(n)
        width = max(width, len(row))
        if len(rows) > limits.rows or width > limits.columns:
            issues.append(_too_big(label, len(rows), width, limits))
            return None
    header = header or []
    while header and header[-1] == "" and len(header) > width:
        header.pop()
    width = max(width, len(header))
    if width > limits.columns:
        issues.append(_too_big(label, 0, width, limits))
        return None
    header += [""] * (width - len(header))
    cols = [np.full(len(rows), "", dtype=object) for _ in range(width)]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                cols[c][r] = _cell_text(v)
    return header, cols, np.asarray(numbers, dtype=np.int64)


def _read_workbook(source: Source, label: str, limits: Limits, issues: list[Issue]) -> TableText | None:
    import openpyxl

    if not _size_ok(source.path, label, issues, limits) or not _zip_ok(source.path, label, issues, limits):
        return None
    try:
        wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as e:  # untrusted file
        issues.append(Issue(label, None, None, _unreadable("an Excel workbook (.xlsx)", e)))
        return None
    try:
        sheets = list(source.sheets) or ([wb.worksheets[0].title] if wb.worksheets else [])
        if not sheets:
            issues.append(Issue(label, None, None, "the workbook has no sheet."))
            return None
        parts = []
        for title in sheets:
            where = f"{label}, sheet {title}"
            try:
                got = _sheet_cells(wb[title], where, limits, issues)
            except Exception as e:  # untrusted file
                issues.append(Issue(where, None, None, _unreadable("a sheet", e)))
                return None
            if got is None:
                return None
            parts.append((title, *got))
    finally:
        wb.close()
    return _stack(source, label, parts, issues)


def _stack(source: Source, label: str, parts: list, issues: list[Issue]) -> TableText | None:
    """One TableText from one sheet, or from village sheets with the same header."""
    title0, header0, *_ = parts[0]
    ok = True
    for title, header, *_ in parts[1:]:
        if header != header0:
            ok = False
            missing = [h for h in header0 if h not in header]
            extra = [h for h in header if h not in header0]
            what = []
            if missing:
                what.append("lacks " + ", ".join(f"'{h}'" for h in missing))
            if extra:
                what.append("has " + ", ".join(f"'{h}'" for h in extra) + " in addition")
            if not what:
                what.append("has the same columns in another order")
            issues.append(Issue(f"{label}, sheet {title}", 1, None,
                                f"its header differs from sheet {title0}'s: it {' and '.join(what)}. "
                                "Stacked village sheets need the same header."))
    if not ok:
        return None
    bounds, cols_all, index_all = [], None, []
    offset = 0
    for title, header, cols, numbers in parts:
        bounds.append((offset + 2, offset, title))
        index_all.append(numbers + offset)
        cols_all = cols if cols_all is None else [np.concatenate([a, b]) for a, b in zip(cols_all, cols)]
        offset += (int(numbers[-1]) if len(numbers) else 1) - 1
    index = np.concatenate(index_all) if index_all else np.empty(0, dtype=np.int64)
    cols, header, kept, index = _drop_empty(cols_all, header0, index)
    frame = _frame(cols, header, index)
    positions = {c: kept[i] for i, c in enumerate(frame.columns)}
    sheet_names = ", ".join(p[0] for p in parts)
    return TableText(source.name, label, sheet_names, frame, header,
                     _spreadsheet_locate(label, bounds, positions))


# --------------------------------------------------------------------------- SPSS and Stata


def _numeric_kind(name: str) -> Callable[[str], bool]:
    """Whether a column of table `name` is a number in the contract (its codes are kept)."""
    spec = schema.TABLES.get(name)
    if spec is None:
        return lambda column: False
    fixed = {c.name for c in spec.columns if c.kind != "string"}
    patterns = [re.compile(re.escape(c.name).replace(re.escape("{year}"), r"\d+"))
                for c in spec.per_year if c.kind != "string"]
    return lambda column: column in fixed or any(p.fullmatch(column) for p in patterns)


def _labelled(text: np.ndarray, labels: dict) -> np.ndarray:
    """Cells whose code has a value label become the label; other codes stay as they are."""
    mapping = {(_number_text(float(k)) if not isinstance(k, str) else k): str(v) for k, v in labels.items()}
    s = pd.Series(text, dtype=object)
    return s.map(mapping).fillna(s).to_numpy(dtype=object)


def _read_stats(source: Source, label: str, limits: Limits, issues: list[Issue]) -> TableText | None:
    import pyreadstat

    read = pyreadstat.read_sav if source.kind == "sav" else pyreadstat.read_dta
    what = "an SPSS data file (.sav)" if source.kind == "sav" else "a Stata data file (.dta)"
    if not _size_ok(source.path, label, issues, limits):
        return None
    try:
        _empty, meta = read(str(source.path), metadataonly=True)
        big = _too_big(label, meta.number_rows or 0, meta.number_columns or 0, limits)
        if big:
            issues.append(big)
            return None
        df, meta = read(str(source.path), row_limit=limits.rows + 1, user_missing=False)
    except Exception as e:  # untrusted file: pyreadstat raises its own errors for a broken one
        issues.append(Issue(label, None, None, _unreadable(what, e)))
        return None
    if len(df) > limits.rows:
        issues.append(_too_big(label, len(df), 0, limits))
        return None
    numeric = _numeric_kind(source.name)
    types = getattr(meta, "readstat_variable_types", {}) or {}
    labels = {c: v for c, v in (meta.variable_value_labels or {}).items() if c in df.columns}
    header = [str(c).strip() for c in df.columns]
    cols = []
    for c in df.columns:
        text = _column_text(df[c].to_numpy(), float32=types.get(c) == "float")
        if c in labels and not numeric(str(c).strip()):
            text = _labelled(text, labels[c])
        cols.append(text)
    index = np.arange(2, len(df) + 2, dtype=np.int64)
    cols, header, kept, index = _drop_empty(cols, header, index)
    frame = _frame(cols, header, index)

    def locate(row: int | None, column: str | None = None) -> Location:
        # SPSS's Data View and Stata's browser number records from 1 and show no header row
        return Location(label, None, None if row is None else int(row) - 1, column)

    return TableText(source.name, label, None, frame, header, locate, labels)


# --------------------------------------------------------------------------- CSV dialects

_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_DECIMAL_COMMA = re.compile(r"\s*[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?\s*")
_COMMA_NUMBER = re.compile(r"\s*[+-]?\d+,\d+\s*")
_PLAIN_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def dialect_from_meta(meta: dict) -> tuple[CsvDialect, list[Issue]]:
    """The CSV dialect study.yml declares under ``csv:`` (fields left None when not declared).

    Parameters
    ----------
    meta : dict
        study.yml as read by `yaml.safe_load`.

    Returns
    -------
    (CsvDialect, list of Issue)
        Issues (file ``study.yml``, column ``csv``) for a value that is not allowed.
    """
    spec = meta.get("csv") if isinstance(meta, dict) else None
    if spec is None:
        return CsvDialect(), []
    issues: list[Issue] = []
    if not isinstance(spec, dict):
        return CsvDialect(), [Issue("study.yml", None, "csv", 'csv must be a mapping, e.g. csv: {delimiter: ";", decimal: ","}.')]
    unknown = [str(k) for k in spec if k not in ("delimiter", "decimal")]
    if unknown:
        issues.append(Issue("study.yml", None, "csv", f"csv has unknown keys {', '.join(unknown)}: only delimiter and decimal."))
    delim, dec = spec.get("delimiter"), spec.get("decimal")
    if delim is not None and delim not in _DELIMITERS:
        issues.append(Issue("study.yml", None, "csv", f"csv delimiter {delim!r} is not one of , ; | or a tab (\"\\t\")."))
        delim = None
    if dec is not None and dec not in (".", ","):
        issues.append(Issue("study.yml", None, "csv", f"csv decimal {dec!r} must be \".\" or \",\"."))
        dec = None
    if delim is not None and delim == dec:
        issues.append(Issue("study.yml", None, "csv", "csv delimiter and decimal cannot be the same character."))
        dec = None
    return CsvDialect(delim, dec), issues


def _first_record(text: str, delimiter: str) -> list[str]:
    import csv
    import io

    try:
        return next(csv.reader(io.StringIO(text[: 1 << 16]), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def detect_dialect(text: str, label: str, dialect: CsvDialect = CsvDialect()) -> list[Issue]:
    """Hints for a CSV whose delimiter or decimal mark differs from what study.yml declares.

    Only what study.yml does not declare is looked at: the delimiter (when ``csv.delimiter`` is
    absent) from the header, and decimal commas (when ``csv.decimal`` is absent) in columns whose
    every filled cell is a number.

    Parameters
    ----------
    text : str
        The file's text (decoded).
    label : str
        The file's name, for the issues.
    dialect : CsvDialect
        What study.yml declares (None fields: not declared).

    Returns
    -------
    list of Issue
        One for a delimiter that is not a comma, one per column holding decimal commas (with the
        first row where one is).
    """
    issues: list[Issue] = []
    delimiter = dialect.delimiter
    if delimiter is None:
        delimiter = ","
        if len(_first_record(text, ",")) <= 1:
            counts = {d: len(_first_record(text, d)) for d in _DELIMITERS if d != ","}
            best = max(counts, key=lambda d: counts[d])
            if counts[best] > 1:
                shown = "\\t" if best == "\t" else best
                issues.append(Issue(label, 1, None,
                                    f"the columns are separated by {_DELIMITERS[best]}; add `csv: {{delimiter: \"{shown}\"}}` "
                                    "to study.yml or save the file as 'CSV UTF-8 (comma delimited)'."))
                delimiter = best
    if dialect.decimal is None:
        frame = _parse_csv(text, delimiter)
        if frame is not None:
            for column in frame.columns:
                row = _decimal_comma_row(frame[column])
                if row is not None:
                    issues.append(Issue(label, row, str(column),
                                        f"decimal commas in column {column} (row {row}): add `decimal: \",\"` under "
                                        "`csv:` in study.yml (e.g. `csv: {delimiter: \";\", decimal: \",\"}`) or save "
                                        "the numbers with decimal points."))
    return issues


def _decimal_comma_row(cells: pd.Series) -> int | None:
    """First row of a decimal comma in a column whose filled cells are all numbers written so."""
    codes, uniq = pd.factorize(cells)
    uniq = np.asarray(uniq, dtype=object)
    comma = np.array([bool(_COMMA_NUMBER.fullmatch(u)) for u in uniq], dtype=bool)
    if not comma.any():
        return None
    ok = comma | np.array([u.strip() == "" or bool(_PLAIN_INTEGER.fullmatch(u)) for u in uniq], dtype=bool)
    if not ok.all():
        return None
    return int(cells.index[np.argmax(comma[codes])])


def _parse_csv(text: str, delimiter: str, nrows: int | None = None) -> pd.DataFrame | None:
    import io

    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_filter=False,
                         skip_blank_lines=False, index_col=False, nrows=nrows, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    df.columns = [f"{i}" for i in range(len(df.columns))] if df.columns.duplicated().any() else df.columns
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    return df


def _decimal_points(cells: np.ndarray) -> np.ndarray:
    """Decimal commas turned into points, in cells that are numbers written so (once per value)."""
    codes, uniq = pd.factorize(cells)
    fixed = np.asarray([u.replace(",", ".") if _DECIMAL_COMMA.fullmatch(u) else u for u in uniq], dtype=object)
    return fixed[codes] if len(uniq) else cells


def read_csv_table(path: str | Path, name: str, dialect: CsvDialect = CsvDialect(), label: str | None = None,
                   limits: Limits = Limits()) -> tuple[TableText | None, list[Issue]]:
    """Read a CSV file with the dialect study.yml declares (comma and point when it declares none).

    When the dialect is not declared, `detect_dialect` hints are added: with a delimiter hint
    the table is not read (every column would be wrong); a decimal-comma hint comes with the
    table as written.

    Parameters
    ----------
    path : path
        The CSV file.
    name : str
        The table's name in the contract.
    dialect : CsvDialect
        Delimiter and decimal mark; None fields are not declared (comma, point).
    label : str, optional
        The file's name in issues (default: the file name).
    limits : Limits
        Bounds on the file.

    Returns
    -------
    (TableText or None, list of Issue)
    """
    path = Path(path)
    label = label or path.name
    issues: list[Issue] = []
    if not _size_ok(path, label, issues, limits):
        return None, issues
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        return None, [Issue(label, None, None, "the file is empty: it needs a header row and one row per record.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, [Issue(label, line, None, "is not UTF-8 text; export the spreadsheet as 'CSV UTF-8'.")]
    hints = detect_dialect(text, label, dialect)
    if dialect.delimiter is None and any(h.row == 1 and h.column is None for h in hints):
        return None, hints
    issues += hints
    delimiter = dialect.delimiter or ","
    header = [h.strip() for h in _first_record(text, delimiter)]
    frame = _parse_csv(text, delimiter, nrows=limits.rows + 1)
    if frame is None:
        issues.append(Issue(label, None, None, "cannot be read as CSV: a row has more cells than the header, "
                            "or a quotation mark is never closed."))
        return None, issues
    big = _too_big(label, len(frame), max(len(frame.columns), len(header)), limits)
    if big:
        return None, issues + [big]
    header += [""] * (len(frame.columns) - len(header))
    cols = [frame.iloc[:, i].to_numpy(dtype=object) for i in range(len(frame.columns))]
    if dialect.decimal == ",":
        cols = [_decimal_points(c) for c in cols]
    cols, header, kept, index = _drop_empty(cols, header, frame.index.to_numpy())
    out = _frame(cols, header, index)
    positions = {c: kept[i] for i, c in enumerate(out.columns)}
    return TableText(name, label, None, out, header, _spreadsheet_locate(label, [(2, 0, None)], positions)), issues


# --------------------------------------------------------------------------- reading a table


def read_source(source: Source, dialect: CsvDialect = CsvDialect(),
                limits: Limits = Limits()) -> tuple[TableText | None, list[Issue]]:
    """Read a table where `find_table` found it.

    Parameters
    ----------
    source : Source
        From `find_table`.
    dialect : CsvDialect
        For a CSV file (`dialect_from_meta`).
    limits : Limits
        Bounds on the file.

    Returns
    -------
    (TableText or None, list of Issue)
    """
    label = source.path.name
    if source.kind == "csv":
        return read_csv_table(source.path, source.name, dialect, label, limits)
    issues: list[Issue] = []
    if source.kind == "xlsx":
        table = _read_workbook(source, label, limits, issues)
    else:
        table = _read_stats(source, label, limits, issues)
    return table, issues


def read_table(folder: str | Path, name: str, dialect: CsvDialect = CsvDialect(),
               limits: Limits = Limits()) -> tuple[TableText | None, list[Issue]]:
    """Find table `name` in a study folder and read it as text (`find_table`, then `read_source`).

    Returns
    -------
    (TableText or None, list of Issue)
        None with no issue when the study does not give the table at all.
    """
    source, issues = find_table(folder, name, limits)
    if source is None:
        return None, issues
    table, more = read_source(source, dialect, limits)
    return table, issues + more


# --------------------------------------------------------------------------- stage names


def _stage_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def stage_codes(cells: pd.Series, stages: list[str]) -> tuple[pd.Series, pd.Series]:
    """Stage numbers of cells holding a stage number or a stage's name as the ladder writes it.

    Names are compared after Unicode NFC normalisation, ignoring case and surrounding spaces;
    a name two stages share is not accepted. A number is returned as it is (range and whole-
    number checks are the validator's).

    Parameters
    ----------
    cells : pandas.Series
        Text cells of a stage column (blanks ``""``).
    stages : list of str
        The ladder, lowest stage first (stage 1 = ``stages[0]``).

    Returns
    -------
    (numbers, bad)
        `numbers`: float Series (NaN for a blank or bad cell); `bad`: bool Series, True for a
        filled cell that is neither a number nor a stage's name. Both have `cells`' index.
    """
    codes, uniq = pd.factorize(cells.astype(object).to_numpy())
    keys = [_stage_key(str(u)) for u in uniq]
    ladder: dict[str, float] = {}
    shared = set()
    for i, s in enumerate(stages, start=1):
        k = _stage_key(s)
        if k in ladder:
            shared.add(k)
        ladder.setdefault(k, float(i))
    num = pd.to_numeric(pd.Series(keys, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    named = np.array([ladder.get(k, np.nan) if k not in shared else np.nan for k in keys], dtype=float)
    value = np.where(np.isnan(num), named, num)
    blank = np.array([k == "" for k in keys], dtype=bool)
    bad = ~blank & np.isnan(value)
    numbers = pd.Series(value[codes] if len(uniq) else np.empty(0), index=cells.index, dtype=float)
    return numbers, pd.Series(bad[codes] if len(uniq) else np.empty(0, bool), index=cells.index, dtype=bool)
