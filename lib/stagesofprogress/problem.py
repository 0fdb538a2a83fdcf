"""What is wrong with a study: `Problem` (located by file, row and column) and `StudyError`.

Shared by the readers of study files (`yamlfile`, `csvfile`, `studyfile`), the checks of
the contract (`checks`) and `study.validate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MAX_ROWS_PER_CHECK", "Problem", "StudyError", "report_rows", "rows_of", "warning"]

# Past this many rows with the same problem in one column, the rest are summarised.
MAX_ROWS_PER_CHECK = 20


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a study, located as a spreadsheet user would look for it.

    `severity` is "error" (the study is refused) or "warning" (reported, the study is
    still valid: an unknown key of study.yml, a short row read as blank cells).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            # a spreadsheet has rows (header = row 1); study.yml has lines
            where.append(f"{'line' if self.file.endswith(('.yml', '.yaml')) else 'row'} {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        head = "warning: " if self.severity == "warning" else ""
        return f"{head}{', '.join(where)}: {self.message}"


def warning(file: str, row: int | None, column: str | None, message: str) -> Problem:
    """A `Problem` that does not make the study invalid.

    Parameters
    ----------
    file : str
        The file (and sheet) concerned.
    row : int or None
        The spreadsheet row, or None for the whole file.
    column : str or None
        The column, or None.
    message : str
        What is odd, as a sentence.

    Returns
    -------
    Problem
        With severity ``warning``.
    """
    return Problem(file, row, column, message, "warning")


class StudyError(ValueError):
    """Raised when a study folder breaks the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem], path: Path | str | None = None):
        self.problems = list(problems)
        self.path = path
        n = len(self.problems)
        head = f"The study at {path} is not valid" if path else "The study is not valid"
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''} found."]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def rows_of(mask: np.ndarray, rownums: np.ndarray) -> np.ndarray:
    """Spreadsheet rows where `mask` is true.

    Parameters
    ----------
    mask : numpy.ndarray
        One boolean per row (anything numpy turns into booleans).
    rownums : numpy.ndarray
        The spreadsheet row numbers of the table.

    Returns
    -------
    numpy.ndarray
        The selected row numbers, in order.
    """
    return rownums[np.asarray(mask, dtype=bool)]


def report_rows(
    problems: list[Problem],
    fname: str,
    column: str | None,
    rows: Iterable[int],
    message_for_row: Callable[[int], str],
    summary: str,
    severity: str = "error",
) -> None:
    """One problem per row for the first `MAX_ROWS_PER_CHECK` rows, then one line for the rest.

    Parameters
    ----------
    problems : list of Problem
        Appended to.
    fname : str
        The file concerned.
    column : str or None
        The column concerned.
    rows : iterable of int
        The spreadsheet rows with the problem.
    message_for_row : Callable
        Row number to the sentence for that row.
    summary : str
        What the remaining rows have, for the closing line ("an invisible character").
    severity : str
        ``error`` or ``warning``.
    """
    rows = list(rows)
    for r in rows[:MAX_ROWS_PER_CHECK]:
        problems.append(Problem(fname, int(r), column, message_for_row(r), severity))
    if len(rows) > MAX_ROWS_PER_CHECK:
        more = len(rows) - MAX_ROWS_PER_CHECK
        problems.append(
            Problem(
                fname,
                None,
                column,
                f"{more:,} more rows (up to row {int(rows[-1])}) have the same problem: {summary}",
                severity,
            )
        )
