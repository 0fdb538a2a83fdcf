"""Loading and validating a study folder.

A study is a folder holding `study.yml`, `households.csv` and any optional tables of
the contract (`schema.TABLES`). Every problem is collected before anything is computed,
so a user fixes their spreadsheet once, not one error at a time.

Reading is split by concern: `studyfile` (opening a file of the folder without trusting
it), `yamlfile` (study.yml without aliases or duplicate keys), `csvfile` (tables as text,
every row counted, names NFC-normalised, invisible characters reported), `checks`
(every key of study.yml and its cross-references to the tables). This module checks the
columns and values of each table against `schema` and builds the `Study`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import ladders, schema, studycache
from .checks import check_keys, check_tables
from .csvfile import Cells, check_text
from .fieldfiles import stage_codes
from .problem import MAX_ROWS_PER_CHECK, Problem, StudyError, report_rows, rows_of
from .studyfile import MAX_YAML_BYTES, read_bytes
from .studytables import dialect_problems, read_tables, relocate
from .yamlfile import YamlRefused
from .yamlfile import load as load_yaml

__all__ = [
    "MAX_ROWS_PER_CHECK",
    "Problem",
    "Report",
    "Study",
    "StudyError",
    "check",
    "load_study",
    "periods",
    "validate",
]

_TEXT = np.dtypes.StringDType()


@dataclass
class Study:
    """A validated study: its settings from study.yml and its tables as DataFrames."""

    path: Path
    title: str
    time_points: list[int]
    stages: list[str]
    poverty_cutoff: int
    households: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    #: Communities with a ladder of their own (ladders.csv): community -> `ladders.Ladder`.
    ladders: dict = field(default_factory=dict)
    #: study.yml's prosperity line (stages from it up are prosperous), or None.
    prosperity_cutoff: int | None = None

    @property
    def ladder(self) -> ladders.Ladder:
        """The ladder of study.yml, which every community without its own uses."""
        return ladders.Ladder(tuple(self.stages), self.poverty_cutoff, self.prosperity_cutoff)

    def cutoffs(self) -> np.ndarray:
        """Each household's poverty cutoff: its community's (ladders.csv), else study.yml's.

        A household whose stage is at or below its cutoff is poor.

        Returns
        -------
        numpy.ndarray
            Floats, one per row of `households`, in the same order.

        Examples
        --------
        >>> study = load_study("data/example")
        >>> study.cutoffs()[:3]
        array([7., 7., 7.])
        """
        if not self.ladders:
            return np.full(len(self.households), float(self.poverty_cutoff))
        return ladders.per_household(self.households["community"], self.ladders, self.ladder, "poverty_cutoff")

    def prosperity_lines(self) -> np.ndarray:
        """Each household's prosperity line: its community's (ladders.csv), else study.yml's.

        Returns
        -------
        numpy.ndarray
            Floats, one per row of `households`; NaN where the household's ladder draws no prosperity line.
        """
        if not self.ladders:
            line = np.nan if self.prosperity_cutoff is None else float(self.prosperity_cutoff)
            return np.full(len(self.households), line)
        return ladders.per_household(self.households["community"], self.ladders, self.ladder, "prosperity_cutoff")

    @property
    def has_prosperity(self) -> bool:
        """True when study.yml or a community's ladder draws a prosperity line."""
        return self.prosperity_cutoff is not None or any(lad.prosperity_cutoff for lad in self.ladders.values())

    @property
    def one_ladder(self) -> bool:
        """True when every household is placed on the same ladder (stage numbers compare across communities)."""
        used = set(pd.unique(self.households["community"])) if self.ladders else set()
        return all(self.ladders[c] == self.ladder for c in used if c in self.ladders)

    def on_study_ladder(self) -> np.ndarray:
        """Which households are placed on study.yml's ladder rather than a community ladder of their own.

        Returns
        -------
        numpy.ndarray
            Booleans, one per row of `households`; all ``True`` when the study has no ladders.csv.
        """
        if not self.ladders:
            return np.ones(len(self.households), dtype=bool)
        other = [c for c, lad in self.ladders.items() if lad != self.ladder]
        return ~self.households["community"].isin(other).to_numpy()

    @property
    def survey_year(self) -> int:
        """The last time point, the year of the survey."""
        return self.time_points[-1]

    @property
    def n_stages(self) -> int:
        """The number of stages on study.yml's ladder."""
        return len(self.stages)

    @property
    def regions(self) -> list[str]:
        """Regions in order of first appearance in households.csv (stable, data-driven)."""
        return list(pd.unique(self.households["region"]))

    @property
    def synthetic(self) -> bool:
        """True when study.yml says ``synthetic: true`` (simulated or invented households, not field data)."""
        return self.meta.get("synthetic", False) is True

    def stage_column(self, year: int) -> str:
        """Name of the households.csv column that holds the stages of one year.

        Parameters
        ----------
        year : int
            A time point of the study.

        Returns
        -------
        str
            ``stage_<year>``, e.g. ``stage_1979``.
        """
        return f"stage_{year}"

    def has(self, table: str) -> bool:
        """Whether the study folder has one of the optional tables.

        Parameters
        ----------
        table : str
            A table name of the contract (``reasons``, ``assets``, ``livestock`` ...), not a file name.

        Returns
        -------
        bool
            ``True`` when the file was there and valid. households.csv is not counted: it is always there.
        """
        return table in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """One table of the study, by its name in the contract.

        Parameters
        ----------
        name : str
            ``households`` or the name of an optional table (``reasons``, ``assets`` ...).

        Returns
        -------
        pandas.DataFrame
            The typed table, as validated (one row per row of the file).

        Raises
        ------
        KeyError
            When the study folder has no such file; the message names the file.
        """
        if name == "households":
            return self.households
        if name not in self.tables:
            spec = schema.TABLES.get(name)
            fname = spec.filename if spec else name
            raise KeyError(f"This study has no {fname}.")
        return self.tables[name]

    def periods(self) -> list[tuple[int, int]]:
        """The periods the analyses report, as pairs of time points.

        Every earlier time point to the survey year first, then each consecutive pair not already listed
        (see `periods`).

        Returns
        -------
        list of tuple of (int, int)
            ``(start, end)`` pairs, start before end.

        Examples
        --------
        >>> load_study("data/example").periods()
        [(1979, 2004), (1994, 2004), (1979, 1994)]
        """
        return periods(self.time_points)

    def __repr__(self) -> str:
        return (
            f"Study({self.title!r}, {len(self.households):,} households, "
            f"time points {self.time_points}, {self.n_stages} stages, cutoff {self.poverty_cutoff})"
        )


def periods(time_points: list[int]) -> list[tuple[int, int]]:
    """The periods of a study: each earlier time point to the last one, then consecutive pairs.

    Parameters
    ----------
    time_points : list of int
        The study's time points in increasing order (study.yml's ``time_points``).

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` pairs; a consecutive pair that already ends at the last time point is
        listed once.

    Examples
    --------
    >>> periods([1979, 1994, 2004])
    [(1979, 2004), (1994, 2004), (1979, 1994)]
    >>> periods([2000, 2010])
    [(2000, 2010)]
    """
    last = time_points[-1]
    out = [(y, last) for y in time_points[:-1]]
    for a, b in zip(time_points[:-1], time_points[1:]):
        if (a, b) not in out:
            out.append((a, b))
    return out


# --------------------------------------------------------------------------- study.yml


def _check_study_yml(folder: Path, problems: list[Problem], valid: dict) -> tuple[dict | None, dict]:
    """(settings, lines) of study.yml: settings are None unless every key is valid;
    `valid` receives the keys that are, so the tables can still be checked (and the mapping
    as read, under "_raw", for the settings the readers of the tables need)."""
    f = "study.yml"
    p = folder / f
    if not p.exists() and not p.is_symlink():
        problems.append(Problem(f, None, None, "the file is missing: every study folder needs a study.yml."))
        return None, {}
    raw = read_bytes(folder, f, MAX_YAML_BYTES, problems)
    if raw is None:
        return None, {}
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        problems.append(Problem(f, None, None, "is UTF-16 text, not UTF-8; save it as UTF-8."))
        return None, {}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(f, line, None, "is not UTF-8 text; save it as UTF-8."))
        return None, {}
    try:
        meta, lines = load_yaml(text)
    except YamlRefused as e:
        problems.append(Problem(f, e.line, None, e.message))
        return None, {}
    if meta is None:
        problems.append(Problem(f, None, None, "is empty: it must set title, time_points, stages and poverty_cutoff."))
        return None, {}
    if not isinstance(meta, dict):
        problems.append(
            Problem(f, None, None, "must be a mapping of keys (title, time_points, stages, poverty_cutoff).")
        )
        return None, {}
    valid["_raw"] = meta
    ok = check_keys(meta, lines, folder, problems, valid)
    return (meta if ok else None), lines


# --------------------------------------------------------------------------- CSV tables


def _check_columns(cells: Cells, table: schema.Table, years, fname, problems) -> list[schema.Column]:
    present = list(cells.columns)
    header = cells.header
    if not any(header):
        problems.append(Problem(fname, 1, None, "the first row is empty; it must hold the column names (the header)."))
        return []
    if len(header) == 1 and table.columns:
        # spreadsheets in many locales save "CSV" with semicolons (or tabs): say so once,
        # rather than reporting every column as missing
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if header[0].count(sep) >= 1 and header[0] not in [c.name for c in table.columns]:
                shown = "\\t" if sep == "\t" else sep
                problems.append(
                    Problem(
                        fname,
                        1,
                        None,
                        f"the columns are separated by {name}, not commas; add "
                        f'`csv: {{delimiter: "{shown}"}}` to study.yml, or save the spreadsheet '
                        "as 'CSV UTF-8 (comma delimited)'.",
                    )
                )
                return []
    seen: set[str] = set()
    dups = []
    for c in header:
        if c in seen and c not in dups and c != "":
            dups.append(c)
        seen.add(c)
    for c in dups:
        problems.append(Problem(fname, 1, c, "this column name appears more than once in the header."))
    if any(c == "" for c in header) or any(c.startswith("Unnamed:") for c in present):
        problems.append(Problem(fname, 1, None, "the header has a column without a name."))
    expected = table.expanded_columns(years)
    usable = []
    names = [c.name for c in expected]
    spare = [c for c in present if c not in names]
    per_year = [c.name for c in table.per_year]
    for col in expected:
        if col.name in present:
            usable.append(col)
        elif col.required:
            hint = ""
            # a stage column for a year study.yml does not list: say so rather than guess a misspelling
            year_cols = []
            for pattern in per_year:
                rx = re.escape(pattern).replace(re.escape("{year}"), r"(\d+)")
                if re.fullmatch(rx.replace(r"(\d+)", r"\d+"), col.name):
                    year_cols += [c for c in spare if re.fullmatch(rx, c)]
            if year_cols:
                listed = ", ".join(f"'{c}'" for c in year_cols)
                hint = (
                    f" The header has {listed}, for a year that is not in time_points of study.yml: "
                    f"correct the year in the header or in study.yml."
                )
            else:
                close = difflib.get_close_matches(col.name, spare, n=1, cutoff=0.6)
                hint = f" The header has '{close[0]}': is it misspelled?" if close else ""
            problems.append(Problem(fname, 1, col.name, f"the required column '{col.name}' is missing.{hint}"))
    return usable


def _stage_numbers(cells: Cells, name: str, stages: list[str], own) -> np.ndarray | None:
    """Read a stage column's names as numbers (each community's ladder when `own`); the
    number of stages of each row's ladder when communities have their own, else None."""
    if not own:
        cells._numbers[name] = stage_codes(cells.series(name), stages)[0].to_numpy()
        return None
    community, lads = own
    cells._numbers[name] = ladders.stage_numbers(cells, name, community, lads, stages)
    return ladders.per_household(community, lads, ladders.Ladder(tuple(stages), 1), "n_stages")


def _not_numbers(cells: Cells, col: schema.Column, fname, problems, filled, stages) -> None:
    """Filled cells of a numeric column that are not numbers (nor, in a stage column, stage names)."""
    num = cells.numbers(col.name)
    notnum = filled & np.isnan(num)
    if not notnum.any():
        return
    named = col.kind == "stage" and bool(stages)
    what = {
        "stage": "a stage number" if not stages else "neither a stage number nor a stage name",
        "flag": "0 or 1",
        "integer": "a whole number",
        "number": "a number",
    }[col.kind]
    verb = "is" if named else "is not"

    def say(r):
        return f"'{cells.text(col.name, r)}' {verb} {what}."

    report_rows(problems, fname, col.name, rows_of(notnum, cells.rownums), say, what if named else f"not {what}")


def _whole_numbers(cells: Cells, col: schema.Column, fname, problems, isnum: np.ndarray) -> np.ndarray:
    """Report fractions in a whole-number column; return the cells that are numbers and whole."""
    if col.kind not in ("integer", "flag", "stage"):
        return isnum
    num, rownums = cells.numbers(col.name), cells.rownums
    with np.errstate(invalid="ignore"):
        frac = isnum & (np.floor(num) != num)
    if frac.any():
        report_rows(
            problems,
            fname,
            col.name,
            rows_of(frac, rownums),
            lambda r: f"{num[np.searchsorted(rownums, r)]:g} is not a whole number.",
            "not a whole number",
        )
    return isnum & ~frac


def _below(cells: Cells, col: schema.Column, fname, problems, isnum, lo, n_stages) -> None:
    num, rownums = cells.numbers(col.name), cells.rownums
    below = isnum & (num < lo)
    if not below.any():
        return

    def msg(r):
        x = num[np.searchsorted(rownums, r)]
        if col.kind == "stage":
            return f"stage {x:g} is below the ladder: stages run from 1 to {n_stages}."
        return f"{x:g} is below the smallest allowed value, {lo:g}."

    report_rows(problems, fname, col.name, rows_of(below, rownums), msg, f"below {lo:g}")


def _above_own_ladder(cells: Cells, col: schema.Column, fname, problems, isnum, row_max, own) -> None:
    """Stages above the ladder each household's community uses (`row_max`: its number of stages)."""
    num, rownums = cells.numbers(col.name), cells.rownums
    above = isnum & (num > row_max)
    if not above.any():
        return

    def msg(r):
        i = np.searchsorted(rownums, r)
        c = str(own[0][i])
        whose = f"the ladder of community '{c}'" if c in own[1] else "the ladder of study.yml"
        return f"stage {num[i]:g} is above {whose}: it has only {row_max[i]:g} stages."

    report_rows(problems, fname, col.name, rows_of(above, rownums), msg, "above the community's ladder")


def _above(cells: Cells, col: schema.Column, fname, problems, isnum, hi, n_stages) -> None:
    num, rownums = cells.numbers(col.name), cells.rownums
    above = isnum & (num > hi)
    if not above.any():
        return

    def msg(r):
        x = num[np.searchsorted(rownums, r)]
        if col.kind == "stage":
            return f"stage {x:g} is above the ladder: it has only {n_stages} stages."
        return f"{x:g} is above the largest allowed value, {hi:g}."

    report_rows(problems, fname, col.name, rows_of(above, rownums), msg, f"above {hi:g}")


def _check_numbers(cells: Cells, col: schema.Column, fname, problems, filled, n_stages, stages, own, row_max):
    """A numeric column: numbers, whole where they must be, within the column's (or the ladder's) range."""
    _not_numbers(cells, col, fname, problems, filled, stages)
    isnum = _whole_numbers(cells, col, fname, problems, filled & ~np.isnan(cells.numbers(col.name)))
    lo, hi = {"flag": (0, 1), "stage": (1, n_stages)}.get(col.kind, (col.minimum, col.maximum))
    if lo is not None:
        _below(cells, col, fname, problems, isnum, lo, n_stages)
    if row_max is not None:
        _above_own_ladder(cells, col, fname, problems, isnum, row_max, own)
    elif hi is not None:
        _above(cells, col, fname, problems, isnum, hi, n_stages)


def _check_choices(cells: Cells, col: schema.Column, fname, problems, filled) -> None:
    codes, values = cells.coded(col.name)
    bad = filled & ~np.isin(values, np.asarray(col.choices, dtype=_TEXT))[codes]
    if bad.any():
        allowed = ", ".join(col.choices)
        report_rows(
            problems,
            fname,
            col.name,
            rows_of(bad, cells.rownums),
            lambda r: f"'{cells.text(col.name, r)}' is not one of: {allowed}.",
            "not an allowed value",
        )


def _check_unique(cells: Cells, col: schema.Column, fname, problems, filled) -> None:
    """Every later appearance of a value is reported against the row of its first appearance."""
    rownums = cells.rownums
    codes, values = cells.coded(col.name)
    dup = filled & (np.bincount(codes, minlength=len(values)) > 1)[codes]
    if not dup.any():
        return
    # factorize numbers values in order of first appearance
    first_of_code = np.full(len(values), -1, dtype=np.int64)
    _u, first_pos = np.unique(codes, return_index=True)
    first_of_code[_u] = rownums[first_pos]
    first_row = first_of_code[codes]
    later = dup & (first_row != rownums)
    report_rows(
        problems,
        fname,
        col.name,
        rows_of(later, rownums),
        lambda r: (
            f"'{cells.text(col.name, r)}' is a duplicate: it already appears in row "
            f"{first_row[np.searchsorted(rownums, r)]}."
        ),
        "duplicate identifier",
    )


def _check_values(cells: Cells, col: schema.Column, fname, problems, n_stages=None, stages=None, own=None):
    """Check every cell of a column; `own` = (community per row, ladders) when communities have their own."""
    row_max = None
    if col.kind == "stage" and stages:  # a stage cell may hold the stage's name as the ladder writes it
        row_max = _stage_numbers(cells, col.name, stages, own)
    blank = cells.blank(col.name)
    if not col.blank_ok and blank.any():
        report_rows(
            problems,
            fname,
            col.name,
            rows_of(blank, cells.rownums),
            lambda r: "this cell is empty; a value is required.",
            "empty cell",
        )
    filled = ~blank
    if col.kind in ("integer", "number", "flag", "stage"):
        _check_numbers(cells, col, fname, problems, filled, n_stages, stages, own, row_max)
    if col.choices is not None:
        _check_choices(cells, col, fname, problems, filled)
    if col.unique:
        _check_unique(cells, col, fname, problems, filled)


def _typed(cells: Cells, cols: list[schema.Column]) -> pd.DataFrame:
    """Convert validated text columns to their kinds; guess numeric extra columns."""
    out = {}
    kinds = {c.name: c.kind for c in cols}
    for name in cells.columns:
        kind = kinds.get(name)
        if kind in ("stage", "integer", "flag"):
            num = cells.numbers(name)
            missing = np.isnan(num)
            out[name] = pd.arrays.IntegerArray(np.where(missing, 0, num).astype(np.int64), missing)
        elif kind == "number":
            out[name] = cells.numbers(name)
        elif kind == "string":
            out[name] = cells.series(name)
        else:  # extra column: numbers if every filled cell is a number
            filled = ~cells.blank(name)
            num = cells.numbers(name)
            if filled.any() and not np.isnan(num[filled]).any():
                out[name] = num
            else:
                out[name] = cells.series(name).where(filled, None)
    return pd.DataFrame(out, index=cells.df.index)


def _check_references(tables: dict, problems: list[Problem]):
    for cells, cols, spec in tables.values():
        for col in cols:
            if not col.references:
                continue
            ref_table, ref_col = col.references.split(".")
            if ref_table not in tables or ref_col not in tables[ref_table][0].columns:
                continue
            known = tables[ref_table][0].series(ref_col)
            s = cells.series(col.name)
            bad = ~cells.blank(col.name) & ~s.isin(known).to_numpy()
            if bad.any():
                report_rows(
                    problems,
                    spec.filename,
                    col.name,
                    rows_of(bad, cells.rownums),
                    lambda r, cells=cells, col=col, where=schema.TABLES[ref_table].filename, ref_col=ref_col: (
                        f"'{cells.text(col.name, r)}' does not appear in {where} ({ref_col})."
                    ),
                    f"unknown {ref_col}",
                )


@dataclass
class Report:
    """What `check` found: `problems` (errors: the study is refused), `warnings`, and the study."""

    problems: list[Problem]
    warnings: list[Problem]
    study: Study | None

    @property
    def valid(self) -> bool:
        """True when no problem was found (warnings do not count)."""
        return not self.problems


def _name_columns() -> dict[str, set[str]]:
    """Text columns of each table whose cells are names or codes (no tabs or line breaks in them)."""
    return {t.name: {c.name for c in t.columns if c.kind == "string"} for t in schema.TABLES.values()}


def _read_tables(folder: Path, years, stages, valid: dict, lines: dict, problems) -> tuple[dict, dict]:
    """Every table given, checked column by column: (name -> (Cells, columns, spec), located)."""
    read: dict[str, tuple[Cells, list[schema.Column], schema.Table]] = {}
    names = _name_columns()
    dialect, bad = dialect_problems(valid.get("_raw"), lines)
    problems += bad
    cells_of, located = read_tables(folder, dialect, problems)
    n_stages = len(stages) if stages else None
    own = None
    order = sorted(schema.TABLES.values(), key=lambda t: t.name != "ladders")  # ladders first: stages need them
    for spec in order:
        if spec.name == "households" and "ladders" in read and stages:
            hh = cells_of.get("households")
            comms = set(hh.series("community")) if hh is not None and "community" in hh.columns else None
            lads = ladders.parse(read["ladders"][0], comms, problems)
            valid["ladders"] = lads
            if lads and comms is not None:
                own = (hh.series("community").to_numpy(dtype=object), lads)
        df = cells_of.get(spec.name)
        if df is None:
            continue
        if len(df) < spec.min_rows:
            problems.append(
                Problem(spec.filename, None, None, "has a header but no rows: it needs one row per record.")
            )
            continue
        check_text(df, spec.filename, names[spec.name], problems)
        if spec.per_year and not years:
            # stage columns cannot be checked without valid time points; check the rest
            cols = _check_columns(
                df, schema.Table(spec.name, spec.filename, spec.description, spec.columns), [], spec.filename, problems
            )
        else:
            cols = _check_columns(df, spec, years, spec.filename, problems)
        for col in cols:
            _check_values(
                df,
                col,
                spec.filename,
                problems,
                n_stages=n_stages,
                stages=stages,
                own=own if spec.name == "households" else None,
            )
        read[spec.name] = (df, cols, spec)
    read = {name: read[name] for name in schema.TABLES if name in read}
    return read, located


def check(path: str | Path) -> Report:
    """Check a study folder against the data contract and collect everything found.

    Nothing in the folder is modified, and reading stops at the contract's size limits.

    Parameters
    ----------
    path : str or pathlib.Path
        The study folder, which holds study.yml and households.csv.

    Returns
    -------
    Report
        Every problem (errors, which refuse the study), every warning, and the loaded `Study` when
        there is no problem (``None`` otherwise). A missing folder, a file given for a folder or a
        read error is a problem too, never an exception.

    Notes
    -----
    A folder checked before in this process and unchanged since (see `studycache`) is not read
    again: its report is copied.
    """
    return studycache.cached(path, _check)


def _check(path: str | Path) -> Report:
    folder = Path(path)
    found: list[Problem] = []
    try:
        if not folder.exists():
            return Report([Problem(str(folder), None, None, "no such folder.")], [], None)
        if not folder.is_dir():
            return Report(
                [
                    Problem(
                        str(folder),
                        None,
                        None,
                        "is a file, not a study folder: point --data at the "
                        "folder that holds study.yml and households.csv.",
                    )
                ],
                [],
                None,
            )
        valid: dict = {}
        meta, lines = _check_study_yml(folder, found, valid)
        # stage columns are checked whenever time_points (and stages) are valid, even if other keys are not
        years = valid.get("time_points", [])
        stages = [str(x) for x in valid["stages"]] if "stages" in valid else None
        read, located = _read_tables(folder, years, stages, valid, lines, found)
        _check_references(read, found)
        check_tables(meta or {}, lines, read, valid, found)
        found = relocate(found, located)
    except OSError as e:  # a folder that cannot be listed, a disk that fails while reading
        found.append(Problem(str(folder), None, None, f"cannot be read: {e.strerror or e}."))
        meta = None
    problems = [p for p in found if p.severity != "warning"]
    warnings = [p for p in found if p.severity == "warning"]
    if problems or meta is None:
        return Report(problems, warnings, None)
    frames = {name: _typed(df, cols) for name, (df, cols, _spec) in read.items()}
    households = frames.pop("households")
    study = Study(
        path=folder,
        title=meta["title"].strip(),
        time_points=list(meta["time_points"]),
        stages=[s.strip() for s in meta["stages"]],
        poverty_cutoff=int(meta["poverty_cutoff"]),
        households=households,
        tables=frames,
        meta=meta,
        warnings=warnings,
        ladders=valid.get("ladders") or {},
        prosperity_cutoff=meta.get("prosperity_cutoff"),
    )
    return Report([], warnings, study)


def validate(path: str | Path) -> tuple[list[Problem], Study | None]:
    """Check a study folder against the contract; return every problem and, if none, the study.

    Warnings (unknown keys, short rows) are not problems: they are on `Study.warnings`, and
    `check` returns them whether or not the study is valid.

    Parameters
    ----------
    path : str or pathlib.Path
        The study folder.

    Returns
    -------
    problems : list of Problem
        Every breach of the contract, each with its file, row and column; empty when valid.
    study : Study or None
        The loaded study, or ``None`` when there is a problem.

    Examples
    --------
    >>> problems, study = validate("data/example")
    >>> problems, len(study.households)
    ([], 40)
    """
    r = check(path)
    return r.problems, r.study


def load_study(path: str | Path) -> Study:
    """Load a study folder that follows the data contract (data/README.md).

    Parameters
    ----------
    path : str or pathlib.Path
        The study folder, which holds study.yml, households.csv and any optional tables.

    Returns
    -------
    Study
        Settings from study.yml and the tables as typed DataFrames.

    Raises
    ------
    StudyError
        When the folder breaks the contract; the error lists every problem at once, each with its
        file, row and column.

    Examples
    --------
    >>> study = load_study("data/example")
    >>> study.time_points, study.n_stages, study.poverty_cutoff
    ([1979, 1994, 2004], 13, 7)
    >>> len(study.households)
    40
    """
    problems, study = validate(path)
    if problems:
        raise StudyError(problems, path)
    return study
