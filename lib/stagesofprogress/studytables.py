"""Each table of a study, from whichever file holds it, as `Cells` the checks can read.

A table may be ``NAME.csv`` (read by `csvfile`, with every check of a CSV: ragged and short
rows, encodings, special files), ``NAME.xlsx``, ``NAME.sav``, ``NAME.dta`` or sheets of
``study.xlsx`` (read by `fieldfiles`). The checks of `study` and `checks` report problems
against the contract's file name (``households.csv``) and the row of the table's index;
`relocate` then says, for a table that came from another file, where the cell is as the
team's program shows it (file and sheet, spreadsheet row or case number, column letter).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from . import fieldfiles, schema
from .csvfile import Cells, read_table
from .fieldtext import CsvDialect, Issue, TableText
from .problem import Problem
from .studyfile import _kind, inside

__all__ = ["dialect_problems", "read_tables", "relocate"]


def _problem(i: Issue) -> Problem:
    return Problem(i.file, i.row, i.column, i.message, i.severity)


def dialect_problems(raw: dict | None, lines: dict) -> tuple[CsvDialect, list[Problem]]:
    """The ``csv:`` dialect of study.yml and the problems of its value (at the key's line).

    Parameters
    ----------
    raw : dict or None
        study.yml's ``csv:`` value; anything but a mapping gives the default dialect.
    lines : dict
        Key path to its line in study.yml.

    Returns
    -------
    dialect : CsvDialect
        The delimiter and decimal mark to read CSV files with.
    problems : list of Problem
        What is wrong with the value.
    """
    if not isinstance(raw, dict):
        return CsvDialect(), []
    dialect, issues = fieldfiles.dialect_from_meta(raw)
    line = lines.get(("csv",))
    return dialect, [Problem(i.file, line, i.column, i.message) for i in issues]


def _safe(folder: Path, path: Path, problems: list[Problem]) -> bool:
    """A workbook, SPSS or Stata file is read only when it is a regular file inside the study."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if not inside(path, folder):
                problems.append(
                    Problem(
                        path.name,
                        None,
                        None,
                        "is a symbolic link to a file outside the study folder; copy the file into the study instead.",
                    )
                )
                return False
            st = os.stat(path)
    except OSError as e:
        problems.append(Problem(path.name, None, None, f"cannot be read: {e.strerror or e}."))
        return False
    what = _kind(st.st_mode)
    if what:
        problems.append(Problem(path.name, None, None, f"{what}."))
        return False
    return True


def read_tables(folder: Path, dialect: CsvDialect, problems: list[Problem]) -> tuple[dict, dict]:
    """Every table the study gives, in any of its forms (CSV, .xlsx, .sav, .dta, a sheet of study.xlsx).

    Parameters
    ----------
    folder : pathlib.Path
        The study folder.
    dialect : CsvDialect
        For CSV files.
    problems : list of Problem
        Appended to, for every file that cannot be read.

    Returns
    -------
    cells : dict
        Table name to its `Cells`.
    located : dict
        Contract file name (``households.csv``) to the `TableText` of a table given in another
        form, so problems can name the real file (`relocate`).
    """
    folder = Path(folder)
    sheets = None
    book = folder / fieldfiles.WORKBOOK
    if os.path.lexists(book) and _safe(folder, book, problems):
        sheets, issues = fieldfiles.workbook_sheets(folder)
        problems += [_problem(i) for i in issues]
    book_unread = os.path.lexists(book) and sheets is None
    cells: dict[str, Cells] = {}
    located: dict[str, TableText] = {}
    for spec in schema.TABLES.values():
        csv_path = folder / spec.filename
        source, issues = fieldfiles.find_table(folder, spec.name, sheets=sheets)
        if os.path.lexists(csv_path):  # the CSV reader knows special files, encodings, ragged rows
            twice = [i for i in issues if "more than once" in i.message]
            if twice:
                problems += [_problem(i) for i in twice]
                continue
            got = read_table(folder, spec.filename, problems, dialect.delimiter, dialect.decimal)
            if got is not None:
                cells[spec.name] = got
            continue
        odd = [folder / f"{spec.name}{ext}" for ext in fieldfiles.FORMATS[1:]]
        odd = [q for q in odd if os.path.lexists(q) and not (q.is_file() and not q.is_symlink())]
        if odd:  # a FIFO, a device or a symbolic link where a table file is expected: never opened
            for q in odd:
                if _safe(folder, q, problems):
                    odd.remove(q)
            if odd:
                continue
        problems += [_problem(i) for i in issues]
        if source is None:
            if spec.required and not issues and not book_unread:
                problems.append(_problem(fieldfiles.missing_issue(spec.name, sheets)))
            continue
        if not _safe(folder, source.path, problems):
            continue
        table, issues = fieldfiles.read_source(source, dialect)
        problems += [_problem(i) for i in issues]
        if table is None:
            continue
        if not len(table.header) or not any(table.header):
            loc = table.locate(None)
            problems.append(
                Problem(loc.file_label, 1, None, "the first row is empty; it must hold the column names (the header).")
            )
            continue
        cells[spec.name] = Cells(table.frame, list(table.header))
        located[spec.filename] = table
    return cells, located


_IN_ROW = re.compile(r"\bin row (\d+)")
_FILE_ROW = re.compile(r"\b([a-z_]+\.csv) \(row (\d+)\)")


def _where(table: TableText, row: int | None, column: str | None):
    """(file label, row, column label) of a cell of `table` as its program shows it."""
    stats = table.source_file.endswith((".sav", ".dta"))
    if row is not None and row <= 1 and stats:  # SPSS and Stata show no header row
        row = None
    col = column if column in table.frame.columns else None
    loc = table.locate(row, col)
    return loc.file_label, loc.row, loc.column_label if col else column


def _row_ref(table: TableText, row: int) -> str:
    """'row 7' of the same sheet or file; 'row 3 of sheet households_b' for another stacked sheet."""
    file, r, _c = _where(table, row, None)
    return f"row {r} of sheet {file.split(', sheet ', 1)[1]}" if ", sheet " in file else f"row {r}"


def _cell_ref(table: TableText, row: int) -> str:
    file, r, _c = _where(table, row, None)
    return f"{file}, row {r}" if ", sheet " in file else f"{file} (row {r})"


def _file_ref(table: TableText) -> str:
    """How a message names another table: its file, and its sheets when it is part of study.xlsx."""
    if table.source_file != fieldfiles.WORKBOOK or not table.sheet:
        return table.source_file
    many = ", " in table.sheet
    return f"{table.source_file} (sheet{'s' if many else ''} {table.sheet})"


def relocate(problems: list[Problem], located: dict[str, TableText]) -> list[Problem]:
    """Problems with the file, sheet, row and column of the file each table was read from.

    Parameters
    ----------
    problems : list of Problem
        Problems located at the contract's CSV names.
    located : dict of str to TableText
        What `read_tables` returned as ``located``.

    Returns
    -------
    list of Problem
        The same problems, in order, relocated; unchanged when every table came from a CSV.
    """
    if not located:
        return problems
    out = []
    for p in problems:
        msg = p.message
        table = located.get(p.file)
        if table is not None:
            msg = _IN_ROW.sub(lambda m, t=table: "in " + _row_ref(t, int(m.group(1))), msg)

        def file_row(m):
            t = located.get(m.group(1))
            return _cell_ref(t, int(m.group(2))) if t is not None else m.group(0)

        msg = _FILE_ROW.sub(file_row, msg)
        for fname, t in located.items():
            if fname in msg:
                msg = re.sub(rf"\b{re.escape(fname)}\b", lambda m, t=t: _file_ref(t), msg)
        if table is not None:
            file, row, column = _where(table, p.row, p.column)
            out.append(Problem(file, row, column, msg, p.severity))
        else:
            out.append(Problem(p.file, p.row, p.column, msg, p.severity))
    return out
