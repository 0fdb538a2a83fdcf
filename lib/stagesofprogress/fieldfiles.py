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

import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .csvdialect import DEFAULT_DIALECT, DEFAULT_LIMITS, detect_dialect, dialect_from_meta, read_csv_table
from .fieldtext import (
    CsvDialect,
    Issue,
    Limits,
    Location,
    Source,
    TableText,
    cell_text,
    column_letter,
    column_text,
    drop_empty,
    number_text,
    size_ok,
    spreadsheet_locate,
    text_frame,
    too_big,
    unreadable,
    zip_ok,
)

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
    "read_tables",
    "missing_issue",
    "workbook_sheets",
    "read_csv_table",
    "dialect_from_meta",
    "detect_dialect",
    "stage_codes",
    "stage_label_mismatches",
    "column_letter",
]

# The extensions a table may have, in the order they are looked for.
FORMATS = (".csv", ".xlsx", ".sav", ".dta")
# The one workbook that may hold every table, one sheet per table.
WORKBOOK = "study.xlsx"
# Excel's own row limit: nothing beyond it is a sheet Excel made.
_EXCEL_ROWS = 1_048_576

_OTHER_FORMATS = {
    ".xls": "an Excel 97-2003 workbook, which is not read",
    ".xlsm": "a macro-enabled workbook, which is not read",
    ".xlsb": "a binary Excel workbook, which is not read",
    ".ods": "an OpenDocument spreadsheet, which is not read",
    ".numbers": "a Numbers spreadsheet, which is not read",
    ".json": "a JSON file, which is not read as a table",
    ".tsv": 'a tab-separated file, which is read only as NAME.csv with `csv: {delimiter: "\\t"}`',
    ".txt": "a text file, which is read only as NAME.csv",
    ".zsav": "a compressed SPSS file, which is not read",
    ".por": "an SPSS portable file, which is not read",
}


# --------------------------------------------------------------------------- finding a table


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError:
        return []


def _workbook_sheets(path: Path, issues: list[Issue], limits: Limits) -> list[str] | None:
    if not size_ok(path, WORKBOOK, issues, limits) or not zip_ok(path, WORKBOOK, issues, limits):
        return None
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [ws.title for ws in wb.worksheets]
        finally:
            wb.close()
    except Exception as e:  # an untrusted file: any failure to parse it is the user's to fix
        issues.append(Issue(WORKBOOK, None, None, unreadable("an Excel workbook (.xlsx)", e)))
        return None


def _sheets_for(name: str, sheets: list[str]) -> list[str]:
    """Sheets of study.xlsx that hold table `name` (case and surrounding spaces ignored)."""
    key = name.casefold()
    if name == "households":
        return [s for s in sheets if s.strip().casefold().startswith(key)]
    return [s for s in sheets if s.strip().casefold() == key]


def workbook_sheets(folder: str | Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[str] | None, list[Issue]]:
    """Names of the sheets of the folder's study.xlsx.

    Parameters
    ----------
    folder : str or pathlib.Path
        The study folder.
    limits : Limits
        Bounds on the workbook.

    Returns
    -------
    sheets : list of str or None
        The sheet names in workbook order; ``None`` when there is no study.xlsx or it cannot be read.
    issues : list of Issue
        Why it cannot be read, if so.
    """
    book = Path(folder) / WORKBOOK
    issues: list[Issue] = []
    if not book.is_file():
        return None, issues
    return _workbook_sheets(book, issues, limits), issues


def find_table(
    folder: str | Path, name: str, limits: Limits = DEFAULT_LIMITS, sheets: list[str] | None | object = ...
) -> tuple[Source | None, list[Issue]]:
    """Find where table `name` of a study folder is given.

    Parameters
    ----------
    folder : path
        The study folder.
    name : str
        The table's name in the contract (``households``, ``sample`` ...).
    limits : Limits
        Bounds on study.xlsx, opened to list its sheets.
    sheets : list of str or None, optional
        The sheets of study.xlsx as `workbook_sheets` gives them, when already listed (its
        issues are then the caller's); by default study.xlsx is opened here.

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
            issues.append(Issue(p.name, None, None, "is not a file."))
        elif p.is_file():
            found.append(Source(name, p, ext[1:]))
    if sheets is ...:
        sheets, more = workbook_sheets(folder, limits)
        issues += more
    held = _sheets_for(name, sheets or [])
    if held:
        found.append(Source(name, folder / WORKBOOK, "xlsx", tuple(held)))
    if len(found) > 1:
        where = [
            f"{s.path.name} (sheet{'s' if len(s.sheets) > 1 else ''} {', '.join(s.sheets)})"
            if s.sheets
            else s.path.name
            for s in found
        ]
        issues.append(
            Issue(
                found[0].path.name if not found[0].sheets else WORKBOOK,
                None,
                None,
                f"the {name} table is given more than once: in {' and '.join(where)}; "
                "keep one and remove or rename the others.",
            )
        )
        return None, issues
    if found:
        return found[0], issues
    wanted = {f"{name}{ext}" for ext in FORMATS}
    for entry in _listing(folder):
        stem, dot, ext = entry.rpartition(".")
        if not dot or stem.casefold().strip() != name.casefold() or entry in wanted:
            continue
        if f".{ext.casefold()}" in FORMATS:
            msg = f"the {name} table is read from {name}.{ext.casefold()}: rename this file {name}.{ext.casefold()}."
        else:
            what = _OTHER_FORMATS.get(f".{ext.casefold()}", "a file of a kind that is not read").replace("NAME", name)
            msg = (
                f"the {name} table cannot be read from this file: it is {what}; save it as {name}.xlsx "
                f"(Excel Workbook), {name}.csv (CSV UTF-8), {name}.sav or {name}.dta."
            )
        issues.append(Issue(entry, None, None, msg))
    return None, issues


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
            header = [cell_text(v).strip() for v in row]
            continue
        k = len(row)  # formatted but empty cells at the end of a row are not columns
        while k and (row[k - 1] is None or row[k - 1] == ""):
            k -= 1
        if not k:
            continue
        rows.append(row[:k])
        numbers.append(n)
        width = max(width, k)
        if len(rows) > limits.rows or width > limits.columns:
            issues.append(too_big(label, len(rows), width, limits))
            return None
    header = header or []
    while header and header[-1] == "" and len(header) > width:
        header.pop()
    width = max(width, len(header))
    if width > limits.columns:
        issues.append(too_big(label, 0, width, limits))
        return None
    header += [""] * (width - len(header))
    cols = [np.full(len(rows), "", dtype=object) for _ in range(width)]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                cols[c][r] = cell_text(v)
    return header, cols, np.asarray(numbers, dtype=np.int64)


def _read_workbook(source: Source, label: str, limits: Limits, issues: list[Issue]) -> TableText | None:
    import openpyxl

    if not size_ok(source.path, label, issues, limits) or not zip_ok(source.path, label, issues, limits):
        return None
    try:
        wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as e:  # untrusted file
        issues.append(Issue(label, None, None, unreadable("an Excel workbook (.xlsx)", e)))
        return None
    try:
        sheets = list(source.sheets) or ([wb.worksheets[0].title] if wb.worksheets else [])
        if not sheets:
            issues.append(Issue(label, None, None, "the workbook has no sheet."))
            return None
        if not source.sheets and len(wb.worksheets) > 1:
            others = ", ".join(ws.title for ws in wb.worksheets[1:4]) + (", ..." if len(wb.worksheets) > 4 else "")
            issues.append(
                Issue(
                    label,
                    None,
                    None,
                    f"has {len(wb.worksheets)} sheets; only the first, {sheets[0]}, is "
                    f"read as the {source.name} table (not {others}). Put each table in its own file, "
                    "or in a sheet named after it in study.xlsx.",
                    "warning",
                )
            )
        parts = []
        for title in sheets:
            where = f"{label}, sheet {title}"
            try:
                got = _sheet_cells(wb[title], where, limits, issues)
            except Exception as e:  # untrusted file
                issues.append(Issue(where, None, None, unreadable("a sheet", e)))
                return None
            if got is None:
                return None
            try:
                issues.extend(_unsaved_formulas(wb[title], where, source.name, got[0]))
            except Exception as e:  # untrusted file: its XML read once more, for formulas
                issues.append(Issue(where, None, None, unreadable("a sheet", e)))
                return None
            parts.append((title, *got))
    finally:
        wb.close()
    return _stack(source, label, parts, issues)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _required(name: str) -> Callable[[str], bool]:
    """Whether a column of table `name` is one the contract requires (per-year stages included)."""
    spec = schema.TABLES.get(name)
    if spec is None:
        return lambda column: False
    fixed = {c.name for c in spec.columns if c.required}
    years = [
        re.compile(re.escape(c.name).replace(re.escape("{year}"), r"\d+") + "$") for c in spec.per_year if c.required
    ]
    return lambda column: column in fixed or any(p.match(column) for p in years)


def _unsaved_formulas(ws, where: str, name: str, header: list[str]) -> list[Issue]:
    """Cells of a sheet that hold a formula without a saved value (read as blanks by openpyxl).

    A workbook written by a program other than Excel (a script, a converter) may store formulas
    without the value Excel would have computed and saved beside them; `data_only=True` then
    reads the cell as empty. The sheet's XML is scanned once for ``<f>`` elements (nothing is
    evaluated); each such cell without a ``<v>`` value is reported: an error in a column the
    contract requires, a warning elsewhere.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.xml.functions import iterparse

    with ws._get_source() as src:  # the sheet's XML in the workbook's zip (size already bounded)
        data = src.read()
    if not _FORMULA_TAG.search(data):
        return []
    cells: dict[str, list[int]] = {}  # column letters -> rows, in sheet order
    for _, el in iterparse(io.BytesIO(data)):
        if el.tag.rsplit("}", 1)[-1] != "c":
            continue
        kids = {child.tag.rsplit("}", 1)[-1]: child for child in el}
        v = kids.get("v")
        # no value, or an empty one that is not a saved empty text (t="str"): what openpyxl writes
        if "f" in kids and (v is None or (not v.text and el.get("t") != "str")):
            try:
                letters, row = coordinate_from_string(el.get("r") or "")
            except ValueError:
                continue
            cells.setdefault(letters, []).append(int(row))
        el.clear()
    required = _required(name)
    out: list[Issue] = []
    for letters, rows in sorted(cells.items(), key=lambda kv: (len(kv[0]), kv[0])):
        col = column_index_from_string(letters)
        column = header[col - 1] if 0 < col <= len(header) else ""
        shown = ", ".join(f"{letters}{r}" for r in rows[:5]) + (f" and {len(rows) - 5:,} more" if len(rows) > 5 else "")
        many = len(rows) > 1
        out.append(
            Issue(
                where,
                rows[0],
                f"{letters} ({column})" if column else letters,
                f"{'cells' if many else 'cell'} {shown} {'hold formulas' if many else 'holds a formula'} with no "
                f"saved value, so {'they read' if many else 'it reads'} as empty (the workbook was not last "
                "saved by a spreadsheet program). Open it in Excel or LibreOffice and save it, which stores "
                "the values, or type the values in.",
                "error" if required(column) and rows[-1] > 1 else "warning",
            )
        )
    return out


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
            issues.append(
                Issue(
                    f"{label}, sheet {title}",
                    1,
                    None,
                    f"its header differs from sheet {title0}'s: it {' and '.join(what)}. "
                    "Stacked village sheets need the same header.",
                )
            )
    if not ok:
        return None
    bounds, cols_all, index_all = [], None, []
    offset = 0
    for title, _header, cols, numbers in parts:
        bounds.append((offset + 2, offset, title))
        index_all.append(numbers + offset)
        cols_all = cols if cols_all is None else [np.concatenate([a, b]) for a, b in zip(cols_all, cols)]
        offset += (int(numbers[-1]) if len(numbers) else 1) - 1
    index = np.concatenate(index_all) if index_all else np.empty(0, dtype=np.int64)
    cols, header, kept, index = drop_empty(cols_all, header0, index)
    frame = text_frame(cols, header, index)
    positions = {c: kept[i] for i, c in enumerate(frame.columns)}
    sheet_names = ", ".join(p[0] for p in parts)
    return TableText(source.name, label, sheet_names, frame, header, spreadsheet_locate(label, bounds, positions))


# --------------------------------------------------------------------------- SPSS and Stata


def _numeric_kind(name: str) -> Callable[[str], bool]:
    """Whether a column of table `name` is a number in the contract (its codes are kept)."""
    spec = schema.TABLES.get(name)
    if spec is None:
        return lambda column: False
    fixed = {c.name for c in spec.columns if c.kind != "string"}
    patterns = [
        re.compile(re.escape(c.name).replace(re.escape("{year}"), r"\d+")) for c in spec.per_year if c.kind != "string"
    ]
    return lambda column: column in fixed or any(p.fullmatch(column) for p in patterns)


def _labelled(text: np.ndarray, labels: dict) -> np.ndarray:
    """Cells whose code has a value label become the label; other codes stay as they are."""
    mapping = {(number_text(float(k)) if not isinstance(k, str) else k): str(v) for k, v in labels.items()}
    s = pd.Series(text, dtype=object)
    return s.map(mapping).fillna(s).to_numpy(dtype=object)


def _read_stats(source: Source, label: str, limits: Limits, issues: list[Issue]) -> TableText | None:
    import pyreadstat

    read = pyreadstat.read_sav if source.kind == "sav" else pyreadstat.read_dta
    what = "an SPSS data file (.sav)" if source.kind == "sav" else "a Stata data file (.dta)"
    if not size_ok(source.path, label, issues, limits):
        return None
    try:
        _empty, meta = read(str(source.path), metadataonly=True)
        big = too_big(label, meta.number_rows or 0, meta.number_columns or 0, limits)
        if big:
            issues.append(big)
            return None
        df, meta = read(str(source.path), row_limit=limits.rows + 1, user_missing=False)
    except Exception as e:  # untrusted file: pyreadstat raises its own errors for a broken one
        issues.append(Issue(label, None, None, unreadable(what, e)))
        return None
    if len(df) > limits.rows:
        issues.append(too_big(label, len(df), 0, limits))
        return None
    numeric = _numeric_kind(source.name)
    types = getattr(meta, "readstat_variable_types", {}) or {}
    labels = {c: v for c, v in (meta.variable_value_labels or {}).items() if c in df.columns}
    header = [str(c).strip() for c in df.columns]
    cols = []
    for c in df.columns:
        text = column_text(df[c].to_numpy(), float32=types.get(c) == "float")
        if c in labels and not numeric(str(c).strip()):
            text = _labelled(text, labels[c])
        cols.append(text)
    index = np.arange(2, len(df) + 2, dtype=np.int64)
    cols, header, kept, index = drop_empty(cols, header, index)
    frame = text_frame(cols, header, index)

    def locate(row: int | None, column: str | None = None) -> Location:
        # SPSS's Data View and Stata's browser number records from 1 and show no header row
        return Location(label, None, None if row is None else int(row) - 1, column)

    return TableText(source.name, label, None, frame, header, locate, labels)


# --------------------------------------------------------------------------- reading a table


def read_source(
    source: Source, dialect: CsvDialect = DEFAULT_DIALECT, limits: Limits = DEFAULT_LIMITS
) -> tuple[TableText | None, list[Issue]]:
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


def read_table(
    folder: str | Path, name: str, dialect: CsvDialect = DEFAULT_DIALECT, limits: Limits = DEFAULT_LIMITS
) -> tuple[TableText | None, list[Issue]]:
    """Find table `name` in a study folder and read it as text (`find_table`, then `read_source`).

    Parameters
    ----------
    folder : str or pathlib.Path
        The study folder.
    name : str
        A table of the contract (``households``, ``reasons`` ...).
    dialect : CsvDialect
        For a CSV file (`dialect_from_meta` of study.yml).
    limits : Limits
        Bounds on the file.

    Returns
    -------
    table : TableText or None
        The table's cells as text; ``None`` when it cannot be read, or (with no issue) when the
        study does not give the table at all.
    issues : list of Issue
        Every problem found on the way.
    """
    source, issues = find_table(folder, name, limits)
    if source is None:
        return None, issues
    table, more = read_source(source, dialect, limits)
    return table, issues + more


def missing_issue(name: str, sheets: list[str] | None = None) -> Issue:
    """The issue for a required table given in no form.

    Parameters
    ----------
    name : str
        The table's name.
    sheets : list of str, optional
        The sheets of study.xlsx when there is one, to say none is named `name`.

    Returns
    -------
    Issue
        Located at ``<name>.csv``, naming every form the table may take.
    """
    msg = (
        f"the file is missing: every study folder needs {name}.csv. It may also be given as {name}.xlsx, "
        f"{name}.sav, {name}.dta or a sheet named {name} in {WORKBOOK}."
    )
    if sheets is not None:
        shown = ", ".join(sheets[:8]) + (", ..." if len(sheets) > 8 else "")
        msg += f" {WORKBOOK} has {'no sheet' if not sheets else 'the sheets ' + shown}, none named {name}."
    return Issue(f"{name}.csv", None, None, msg)


def read_tables(
    folder: str | Path,
    names: Iterable[str] | None = None,
    dialect: CsvDialect = DEFAULT_DIALECT,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[dict[str, TableText], list[Issue]]:
    """Every table of a study folder that is given, as text; study.xlsx is listed once.

    Parameters
    ----------
    folder : path
        The study folder.
    names : iterable of str, optional
        Tables to look for, in this order (default: every table of `schema.TABLES`).
    dialect : CsvDialect
        For CSV files (`dialect_from_meta` of study.yml).
    limits : Limits
        Bounds on each file.

    Returns
    -------
    (dict of name -> TableText, list of Issue)
        The tables read (absent ones are not in the dict), and every issue found, including
        `missing_issue` for a required table given nowhere.
    """
    names = list(schema.TABLES) if names is None else list(names)
    sheets, issues = workbook_sheets(folder, limits)
    book_unread = bool(issues)  # a table may be in a study.xlsx that cannot be read: not "missing"
    tables: dict[str, TableText] = {}
    for name in names:
        source, more = find_table(folder, name, limits, sheets=sheets)
        issues += more
        spec = schema.TABLES.get(name)
        if source is None and not more and not book_unread and spec is not None and spec.required:
            issues.append(missing_issue(name, sheets))
        if source is not None:
            table, more = read_source(source, dialect, limits)
            issues += more
            if table is not None:
                tables[name] = table
    return tables, issues


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


def stage_label_mismatches(table: TableText, stages: list[str], pattern: str = r"stage_\d+") -> list[Issue]:
    """Value labels of stage columns (SPSS/Stata) that name another stage than the ladder does.

    A stage column keeps its codes (the stage numbers); when the file also labels them, a label
    that differs from the ladder's name of that stage (NFC, case and surrounding spaces ignored)
    suggests the file and study.yml number the stages differently.

    Parameters
    ----------
    table : TableText
        A table read from a `.sav` or `.dta` file (others have no value labels).
    stages : list of str
        The ladder, lowest stage first.
    pattern : str
        Regular expression of the stage columns' names.

    Returns
    -------
    list of Issue
        One per column with such labels (file and column; no row), naming the first few.
    """
    issues = []
    rx = re.compile(pattern)
    for column, labels in table.value_labels.items():
        if not rx.fullmatch(str(column).strip()):
            continue
        wrong = []
        for code, label in sorted(labels.items(), key=lambda kv: str(kv[0])):
            try:
                n = float(code)
            except (TypeError, ValueError):
                continue
            if n == int(n) and 1 <= n <= len(stages) and _stage_key(str(label)) != _stage_key(stages[int(n) - 1]):
                wrong.append(f"{int(n)} = '{label}' (the ladder's stage {int(n)} is '{stages[int(n) - 1]}')")
        if wrong:
            shown = "; ".join(wrong[:3]) + ("; ..." if len(wrong) > 3 else "")
            loc = table.locate(None, str(column).strip())
            issues.append(
                Issue(
                    loc.file_label,
                    None,
                    loc.column_label,
                    f"the value labels of this column name other stages than study.yml: {shown}. "
                    "The stage numbers are read; check that the file and study.yml number the stages alike.",
                )
            )
    return issues
