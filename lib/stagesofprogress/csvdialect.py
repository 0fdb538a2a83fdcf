"""CSV files in the dialect study.yml declares, and hints when it declares none.

Spreadsheets in many locales save "CSV" with semicolons between cells and decimal commas.
`study.yml` may say so (``csv: {delimiter: ";", decimal: ","}``); `read_csv_table` then reads
such a file into the same `TableText` as any other format, turning decimal commas into points
in cells that are numbers (and only there). When study.yml says nothing, `detect_dialect`
says precisely what to add.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .fieldtext import (
    CsvDialect,
    Issue,
    Limits,
    TableText,
    drop_empty,
    size_ok,
    spreadsheet_locate,
    text_frame,
    too_big,
)

__all__ = ["dialect_from_meta", "detect_dialect", "read_csv_table"]


# the defaults of the readers' arguments (frozen dataclasses: one shared instance is safe)
DEFAULT_DIALECT = CsvDialect()
DEFAULT_LIMITS = Limits()

_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_DECIMAL_COMMA = re.compile(r"\s*[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?\s*")
_COMMA_NUMBER = re.compile(r"\s*[+-]?\d+,\d+\s*")
_PLAIN_INTEGER = re.compile(r"\s*[+-]?(?:\d+|\d+\.?\d*[eE][+-]?\d+)\s*")  # 2, 1e-05: no decimal mark


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
        return CsvDialect(), [
            Issue("study.yml", None, "csv", 'csv must be a mapping, e.g. csv: {delimiter: ";", decimal: ","}.')
        ]
    unknown = [str(k) for k in spec if k not in ("delimiter", "decimal")]
    if unknown:
        issues.append(
            Issue("study.yml", None, "csv", f"csv has unknown keys {', '.join(unknown)}: only delimiter and decimal.")
        )
    delim, dec = spec.get("delimiter"), spec.get("decimal")
    if delim is not None and delim not in _DELIMITERS:
        issues.append(Issue("study.yml", None, "csv", f'csv delimiter {delim!r} is not one of , ; | or a tab ("\\t").'))
        delim = None
    if dec is not None and dec not in (".", ","):
        issues.append(Issue("study.yml", None, "csv", f'csv decimal {dec!r} must be "." or ",".'))
        dec = None
    if delim is not None and delim == dec:
        issues.append(Issue("study.yml", None, "csv", "csv delimiter and decimal cannot be the same character."))
        dec = None
    return CsvDialect(delim, dec), issues


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text[: 1 << 16]), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def detect_dialect(text: str, label: str, dialect: CsvDialect = DEFAULT_DIALECT) -> list[Issue]:
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
        delimiter, hint = _delimiter_hint(text, label)
        issues += hint
    if dialect.decimal is None:
        frame = _parse_csv(text, delimiter)
        if isinstance(frame, pd.DataFrame):
            issues += _decimal_hints(frame, label)
    return issues


def _delimiter_hint(text: str, label: str) -> tuple[str, list[Issue]]:
    """The delimiter the header uses, and a hint when it is not a comma."""
    if len(_first_record(text, ",")) > 1:
        return ",", []
    counts = {d: len(_first_record(text, d)) for d in _DELIMITERS if d != ","}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] <= 1:
        return ",", []
    shown = "\\t" if best == "\t" else best
    return best, [
        Issue(
            label,
            1,
            None,
            f'the columns are separated by {_DELIMITERS[best]}, not commas; add `csv: {{delimiter: "{shown}"}}` '
            "to study.yml, or save the spreadsheet as 'CSV UTF-8 (comma delimited)'.",
        )
    ]


def _decimal_hints(frame: pd.DataFrame, label: str) -> list[Issue]:
    """One hint per column whose numbers are written with decimal commas."""
    issues: list[Issue] = []
    if not frame.size or "," not in "\n".join(map(str, frame.to_numpy(dtype=object).ravel())):
        return issues  # no comma in any cell: one search instead of one per column
    for column in frame.columns:
        row = _decimal_comma_row(frame[column])
        if row is not None:
            issues.append(
                Issue(
                    label,
                    row,
                    str(column),
                    f'decimal commas in column {column} (row {row}): add `decimal: ","` under '
                    '`csv:` in study.yml (e.g. `csv: {delimiter: ";", decimal: ","}`) or save '
                    "the numbers with decimal points.",
                )
            )
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


def _parse_csv(text: str, delimiter: str, nrows: int | None = None) -> pd.DataFrame | tuple[int | None, str]:
    """The records after the header as text, index = spreadsheet row; or what stops pandas."""
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            nrows=nrows,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        df = pd.DataFrame()
    except (pd.errors.ParserError, ValueError) as e:
        msg = str(e)
        if m := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg):
            return int(m.group(2)), f"has {m.group(3)} cells but the header has {m.group(1)} columns."
        if m := re.search(r"EOF inside string starting at row (\d+)", msg):
            return (
                int(m.group(1)) + 1,
                'a quotation mark (") opens a cell here that is never closed, '
                "so the rest of the file reads as one cell.",
            )
        return None, f"cannot be read as CSV: {msg.strip().splitlines()[0][:200] if msg.strip() else type(e).__name__}."
    if len(df.columns) == 0 or not any(str(c).strip() and not str(c).startswith("Unnamed:") for c in df.columns):
        # a blank header row: keep the records (without columns) so that the header is what is reported
        n = sum(1 for _ in csv.reader(io.StringIO(text), delimiter=delimiter)) - 1
        return pd.DataFrame(index=pd.RangeIndex(2, max(n, 0) + 2, name="row"))
    df.columns = [f"{i}" for i in range(len(df.columns))] if df.columns.duplicated().any() else df.columns
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    return df


def _decimal_points(cells: np.ndarray) -> np.ndarray:
    """Decimal commas turned into points, in cells that are numbers written so (once per value)."""
    codes, uniq = pd.factorize(cells)
    fixed = np.asarray([u.replace(",", ".") if _DECIMAL_COMMA.fullmatch(u) else u for u in uniq], dtype=object)
    return fixed[codes] if len(uniq) else cells


def read_csv_table(
    path: str | Path,
    name: str,
    dialect: CsvDialect = DEFAULT_DIALECT,
    label: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[TableText | None, list[Issue]]:
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
    if not path.is_file():
        return None, [Issue(label, None, None, "is not a file.")]
    if not size_ok(path, label, issues, limits):
        return None, issues
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        return None, [Issue(label, None, None, "the file is empty: it needs a header row and one row per record.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, [Issue(label, line, None, "is not UTF-8 text; export the spreadsheet as 'CSV UTF-8'.")]
    delimiter, issues = dialect.delimiter, []
    if delimiter is None:
        delimiter, issues = _delimiter_hint(text, label)
    frame = _parse_csv(text, delimiter, nrows=limits.rows + 1)
    if isinstance(frame, tuple):
        return None, issues + [Issue(label, frame[0], None, frame[1])]
    if dialect.decimal is None:
        issues += _decimal_hints(frame, label)
    if dialect.delimiter is None and delimiter != ",":
        return None, issues  # every column would be wrong: the hints are the answer
    header = [h.strip() for h in _first_record(text, delimiter)]
    big = too_big(label, len(frame), max(len(frame.columns), len(header)), limits)
    if big:
        return None, issues + [big]
    header += [""] * (len(frame.columns) - len(header))
    cols = [frame.iloc[:, i].to_numpy(dtype=object) for i in range(len(frame.columns))]
    if dialect.decimal == ",":
        cols = [_decimal_points(c) for c in cols]
    cols, header, kept, index = drop_empty(cols, header, frame.index.to_numpy())
    out = text_frame(cols, header, index)
    positions = {c: kept[i] for i, c in enumerate(out.columns)}
    return TableText(name, label, None, out, header, spreadsheet_locate(label, [(2, 0, None)], positions)), issues
