"""Loading and validating a study folder.

A study is a folder holding `study.yml`, `households.csv` and any optional tables of
the contract (`schema.TABLES`). Every problem is collected before anything is computed,
so a user fixes their spreadsheet once, not one error at a time.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import schema

# Past this many rows with the same problem in one column, the rest are summarised.
MAX_ROWS_PER_CHECK = 20


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a study, located as a spreadsheet user would look for it."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            # a spreadsheet has rows (header = row 1); study.yml has lines
            where.append(f"{'line' if self.file.endswith(('.yml', '.yaml')) else 'row'} {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


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

    @property
    def survey_year(self) -> int:
        return self.time_points[-1]

    @property
    def n_stages(self) -> int:
        return len(self.stages)

    @property
    def regions(self) -> list[str]:
        """Regions in order of first appearance in households.csv (stable, data-driven)."""
        return list(pd.unique(self.households["region"]))

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    def stage_column(self, year: int) -> str:
        return f"stage_{year}"

    def has(self, table: str) -> bool:
        return table in self.tables

    def table(self, name: str) -> pd.DataFrame:
        if name == "households":
            return self.households
        if name not in self.tables:
            spec = schema.TABLES.get(name)
            fname = spec.filename if spec else name
            raise KeyError(f"This study has no {fname}.")
        return self.tables[name]

    def periods(self) -> list[tuple[int, int]]:
        """Every earlier time point to the survey, then every consecutive pair not already listed."""
        return periods(self.time_points)

    def __repr__(self) -> str:
        return (
            f"Study({self.title!r}, {len(self.households):,} households, "
            f"time points {self.time_points}, {self.n_stages} stages, cutoff {self.poverty_cutoff})"
        )


def periods(time_points: list[int]) -> list[tuple[int, int]]:
    last = time_points[-1]
    out = [(y, last) for y in time_points[:-1]]
    for a, b in zip(time_points[:-1], time_points[1:]):
        if (a, b) not in out:
            out.append((a, b))
    return out


# --------------------------------------------------------------------------- study.yml


def _yaml_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key, so problems in study.yml can point at it."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            lines[str(k.value)] = k.start_mark.line + 1
    return lines


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_study_yml(folder: Path, problems: list[Problem], valid: dict | None = None) -> dict | None:
    """The settings of study.yml when all are valid, else None; `valid` receives the keys that are."""
    valid = {} if valid is None else valid
    f = "study.yml"
    p = folder / f
    if not p.exists():
        problems.append(Problem(f, None, None, "the file is missing: every study folder needs a study.yml."))
        return None
    if not p.is_file():
        problems.append(Problem(f, None, None, "is not a file."))
        return None
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = p.read_bytes()[: e.start].count(b"\n") + 1
        problems.append(Problem(f, line, None, "is not UTF-8 text; save it as UTF-8."))
        return None
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        what = getattr(e, "problem", None) or "cannot be read"
        problems.append(Problem(f, row, None, f"is not valid YAML: {what}."))
        return None
    if meta is None:
        problems.append(Problem(f, None, None, "is empty: it must set title, time_points, stages and poverty_cutoff."))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(f, None, None, "must be a mapping of keys (title, time_points, stages, poverty_cutoff)."))
        return None
    lines = _yaml_lines(text)
    ok = True

    def bad(key, msg):
        nonlocal ok
        ok = False
        problems.append(Problem(f, lines.get(key), key, msg))

    known = {k.name for k in schema.STUDY_KEYS}
    for k in schema.STUDY_KEYS:
        if k.required and k.name not in meta:
            close = difflib.get_close_matches(k.name, [str(x) for x in meta if x not in known], n=1)
            hint = f" (is '{close[0]}' a misspelling of it?)" if close else ""
            bad(k.name, f"the required key '{k.name}' is missing{hint}.")

    title = meta.get("title")
    if "title" in meta and (not isinstance(title, str) or not title.strip()):
        bad("title", "title must be a non-empty text.")

    years = meta.get("time_points")
    if "time_points" in meta:
        if not isinstance(years, list) or not all(_is_int(y) for y in years):
            bad("time_points", "time_points must be a list of years written as whole numbers, e.g. [1994, 2004].")
        elif len(years) < 2:
            bad("time_points", f"time_points needs at least two years; it has {len(years)}.")
        elif any(b <= a for a, b in zip(years[:-1], years[1:])):
            bad("time_points", f"time_points must be strictly ascending (earliest first); got {years}.")
        else:
            valid["time_points"] = years

    stages = meta.get("stages")
    if "stages" in meta:
        if not isinstance(stages, list) or not all(isinstance(s, str) and s.strip() for s in stages):
            bad("stages", "stages must be a list of stage names (texts), lowest stage first.")
        elif len(stages) < 2:
            bad("stages", f"stages needs at least two stages; it has {len(stages)}.")
        else:
            valid["stages"] = stages

    cutoff = meta.get("poverty_cutoff")
    if "poverty_cutoff" in meta:
        if not _is_int(cutoff):
            bad("poverty_cutoff", f"poverty_cutoff must be a whole number; got {cutoff!r}.")
        elif isinstance(stages, list) and len(stages) >= 2 and not (1 <= cutoff < len(stages)):
            bad(
                "poverty_cutoff",
                f"poverty_cutoff is {cutoff}, but with {len(stages)} stages it must be between 1 and "
                f"{len(stages) - 1} (at least one poor and one non-poor stage).",
            )
    top = meta.get("top_stage")
    if top is not None and isinstance(stages, list) and (not _is_int(top) or not 1 <= top <= len(stages)):
        bad("top_stage", f"top_stage must be a stage number between 1 and {len(stages)}; got {top!r}.")
    return meta if ok else None


# --------------------------------------------------------------------------- CSV tables


def _rows(mask: np.ndarray | pd.Series, rownums: np.ndarray) -> np.ndarray:
    return rownums[np.asarray(mask, dtype=bool)]


def _report(problems, fname, column, rows, message_for_row, summary):
    rows = list(rows)
    for r in rows[:MAX_ROWS_PER_CHECK]:
        problems.append(Problem(fname, int(r), column, message_for_row(r)))
    if len(rows) > MAX_ROWS_PER_CHECK:
        more = len(rows) - MAX_ROWS_PER_CHECK
        problems.append(
            Problem(fname, None, column, f"{more:,} more rows (up to row {int(rows[-1])}) have the same problem: {summary}")
        )


# A column is handled as codes into its distinct values (one hash pass in C): stripping,
# blank tests and numeric conversion then run once per distinct value, not once per cell.
_TEXT = np.dtypes.StringDType()


def _to_numbers(values: np.ndarray) -> np.ndarray:
    """Float value of every stripped text; NaN where blank or not a number (as `pd.to_numeric`)."""
    out = np.full(len(values), np.nan)
    filled = values != ""
    if filled.any():
        out[filled] = pd.to_numeric(
            pd.Series(np.asarray(values[filled], dtype=object), dtype=object), errors="coerce"
        ).to_numpy(dtype=float, na_value=np.nan)
    return out


class _Cells:
    """A CSV table read as text, indexed by spreadsheet row; each column's cells stripped once."""

    def __init__(self, df: pd.DataFrame, header: list[str] | None = None):
        self.df = df
        self.header = header or [str(c) for c in df.columns]  # as written (duplicates not renamed)
        self.rownums = df.index.to_numpy()
        self._coded: dict[str, tuple[np.ndarray, np.ndarray, bool]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._series: dict[str, pd.Series] = {}

    @property
    def columns(self):
        return self.df.columns

    def __len__(self) -> int:
        return len(self.df)

    def coded(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, values): cell i holds the stripped text values[codes[i]]; values are distinct."""
        if name not in self._coded:
            codes, uniq = pd.factorize(self.df[name].to_numpy(dtype=object))
            raw = np.asarray(uniq, dtype=object).astype(_TEXT)
            values = np.strings.strip(raw)
            changed = bool((values != raw).any())
            if changed:  # ' a' and 'a' are the same value once stripped
                c2, u2 = pd.factorize(np.asarray(values, dtype=object))
                codes, values = c2[codes], np.asarray(u2, dtype=object).astype(_TEXT)
            self._coded[name] = (codes, values, changed)
        codes, values, _changed = self._coded[name]
        return codes, values

    def subset(self, keep: np.ndarray) -> "_Cells":
        out = _Cells(self.df[keep], self.header)
        out._coded = {k: (c[keep], v, ch) for k, (c, v, ch) in self._coded.items()}
        return out

    def blank(self, name: str) -> np.ndarray:
        codes, values = self.coded(name)
        return (values == "")[codes]

    def text(self, name: str, row: int) -> str:
        """Stripped text of the cell in spreadsheet row `row`."""
        codes, values = self.coded(name)
        return str(values[codes[np.searchsorted(self.rownums, row)]])

    def numbers(self, name: str) -> np.ndarray:
        if name not in self._numbers:
            codes, values = self.coded(name)
            self._numbers[name] = _to_numbers(values)[codes]
        return self._numbers[name]

    def series(self, name: str) -> pd.Series:
        """The stripped cells as a pandas text column (the original one when nothing needed stripping)."""
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


def _header(raw: bytes) -> list[str]:
    """Column names exactly as written in the header (pandas renames duplicates to 'x.1')."""
    head = raw[: 1 << 16].decode("utf-8-sig", errors="replace")
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(head)))]
    except (StopIteration, csv.Error):
        return []


def _read_csv(path: Path, fname: str, problems: list[Problem]) -> _Cells | None:
    if not path.is_file():
        problems.append(Problem(fname, None, None, "is not a file."))
        return None
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        problems.append(Problem(fname, None, None, "the file is empty: it needs a header row and one row per record."))
        return None
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(
            Problem(fname, line, None, "is not UTF-8 text; export the spreadsheet as 'CSV UTF-8'.")
        )
        return None
    try:
        df = pd.read_csv(
            io.BytesIO(raw),
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as e:
        msg = str(e)
        row = None
        m = re.search(r"line (\d+), saw (\d+)", msg)
        if m:
            row = int(m.group(1))
            exp = re.search(r"Expected (\d+) fields", msg)
            n_exp = exp.group(1) if exp else "as many"
            problems.append(
                Problem(fname, row, None, f"has {m.group(2)} cells but the header has {n_exp} columns.")
            )
        elif m2 := re.search(r"EOF inside string starting at row (\d+)", msg):
            problems.append(Problem(fname, int(m2.group(1)) + 1, None,
                                    "a quotation mark (\") opens a cell here that is never closed, "
                                    "so the rest of the file reads as one cell."))
        else:
            problems.append(Problem(fname, None, None, f"cannot be read as CSV: {msg}"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(fname, None, None, "the file is empty: it needs a header row and one row per record."))
        return None
    header = _header(raw)
    names: list[str] = []
    for c in (str(c).strip() for c in df.columns):
        base, k = c, 0
        while c in names:  # ' a' and 'a' are the same name once stripped: rename like pandas does
            k += 1
            c = f"{base}.{k}"
        names.append(c)
    df.columns = names
    # spreadsheet rows: the header is row 1
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    # missing trailing cells of a short row read as "" (na_filter=False), i.e. blank
    cells = _Cells(df, header)
    # a column with neither a name nor a value (a spreadsheet's trailing empty column) is ignored
    if len(header) == len(df.columns):
        empty = [i for i, h in enumerate(header) if h == "" and cells.blank(df.columns[i]).all()]
        if empty:
            keep_cols = [c for i, c in enumerate(df.columns) if i not in empty]
            df = df[keep_cols]
            header = [h for i, h in enumerate(header) if i not in empty]
            cells = _Cells(df, header)
    # rows where every cell is blank (spreadsheet exports often end with some) are ignored
    if len(df) and len(df.columns):
        blank = np.logical_and.reduce([cells.blank(c) for c in df.columns])
        if blank.any():
            cells = cells.subset(~blank)
    return cells


def _check_columns(cells: _Cells, table: schema.Table, years, fname, problems) -> list[schema.Column]:
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
                problems.append(Problem(fname, 1, None, f"the columns are separated by {name}, not commas; "
                                        "save the spreadsheet as 'CSV UTF-8 (comma delimited)'."))
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
                hint = (f" The header has {listed}, for a year that is not in time_points of study.yml: "
                        f"correct the year in the header or in study.yml.")
            else:
                close = difflib.get_close_matches(col.name, spare, n=1, cutoff=0.6)
                hint = f" The header has '{close[0]}': is it misspelled?" if close else ""
            problems.append(Problem(fname, 1, col.name, f"the required column '{col.name}' is missing.{hint}"))
    return usable


def _check_values(cells: _Cells, col: schema.Column, fname, problems, n_stages=None, stages_label=""):
    rownums = cells.rownums
    blank = cells.blank(col.name)
    if not col.blank_ok and blank.any():
        _report(problems, fname, col.name, _rows(blank, rownums), lambda r: "this cell is empty; a value is required.", "empty cell")
    filled = ~blank

    def val(r):
        return cells.text(col.name, r)

    if col.kind in ("integer", "number", "flag", "stage"):
        num = cells.numbers(col.name)

        def nval(r):
            return num[np.searchsorted(rownums, r)]

        notnum = filled & np.isnan(num)
        if notnum.any():
            what = {"stage": "a stage number", "flag": "0 or 1", "integer": "a whole number", "number": "a number"}[col.kind]
            _report(problems, fname, col.name, _rows(notnum, rownums), lambda r: f"'{val(r)}' is not {what}.", f"not {what}")
        isnum = filled & ~np.isnan(num)
        if col.kind in ("integer", "flag", "stage"):
            with np.errstate(invalid="ignore"):
                frac = isnum & (np.floor(num) != num)
            if frac.any():
                _report(problems, fname, col.name, _rows(frac, rownums),
                        lambda r: f"{nval(r):g} is not a whole number.", "not a whole number")
            isnum = isnum & ~frac
        lo, hi = col.minimum, col.maximum
        if col.kind == "flag":
            lo, hi = 0, 1
        if col.kind == "stage":
            lo, hi = 1, n_stages
        if lo is not None:
            below = isnum & (num < lo)
            if below.any():
                msg = (lambda r: f"stage {nval(r):g} is below the ladder: stages run from 1 to {n_stages}.") if col.kind == "stage" else \
                      (lambda r: f"{nval(r):g} is below the smallest allowed value, {lo:g}.")
                _report(problems, fname, col.name, _rows(below, rownums), msg, f"below {lo:g}")
        if hi is not None:
            above = isnum & (num > hi)
            if above.any():
                msg = (lambda r: f"stage {nval(r):g} is above the ladder: it has only {n_stages} stages.") if col.kind == "stage" else \
                      (lambda r: f"{nval(r):g} is above the largest allowed value, {hi:g}.")
                _report(problems, fname, col.name, _rows(above, rownums), msg, f"above {hi:g}")
    if col.choices is not None:
        codes, values = cells.coded(col.name)
        bad = filled & ~np.isin(values, np.asarray(col.choices, dtype=_TEXT))[codes]
        if bad.any():
            allowed = ", ".join(col.choices)
            _report(problems, fname, col.name, _rows(bad, rownums),
                    lambda r: f"'{val(r)}' is not one of: {allowed}.", "not an allowed value")
    if col.unique:
        codes, values = cells.coded(col.name)
        dup = filled & (np.bincount(codes, minlength=len(values)) > 1)[codes]
        if dup.any():
            # row of each value's first appearance; every later appearance is reported against it
            # (factorize numbers values in order of first appearance)
            first_of_code = np.full(len(values), -1, dtype=np.int64)
            _u, first_pos = np.unique(codes, return_index=True)
            first_of_code[_u] = rownums[first_pos]
            first_row = first_of_code[codes]
            later = dup & (first_row != rownums)
            _report(problems, fname, col.name, _rows(later, rownums),
                    lambda r: f"'{val(r)}' is a duplicate: it already appears in row {first_row[np.searchsorted(rownums, r)]}.",
                    "duplicate identifier")


def _typed(cells: _Cells, cols: list[schema.Column]) -> pd.DataFrame:
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
    for name, (cells, cols, spec) in tables.items():
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
                _report(problems, spec.filename, col.name, _rows(bad, cells.rownums),
                        lambda r, cells=cells, col=col: f"'{cells.text(col.name, r)}' does not appear in {schema.TABLES[ref_table].filename} ({ref_col}).",
                        f"unknown {ref_col}")


def validate(path: str | Path) -> tuple[list[Problem], Study | None]:
    """Check a study folder against the contract; return every problem and, if none, the study."""
    folder = Path(path)
    problems: list[Problem] = []
    if not folder.exists():
        return [Problem(str(folder), None, None, "no such folder.")], None
    if not folder.is_dir():
        return [Problem(str(folder), None, None, "is a file, not a study folder: point --data at the folder that holds study.yml and households.csv.")], None
    valid: dict = {}
    meta = _check_study_yml(folder, problems, valid)
    # stage columns are checked whenever time_points (and stages) are valid, even if other keys are not
    years = valid.get("time_points", [])
    n_stages = len(valid["stages"]) if "stages" in valid else None

    read: dict[str, tuple[_Cells, list[schema.Column], schema.Table]] = {}
    for spec in schema.TABLES.values():
        p = folder / spec.filename
        if not p.exists():
            if spec.required:
                problems.append(Problem(spec.filename, None, None, f"the file is missing: every study folder needs {spec.filename}."))
            continue
        df = _read_csv(p, spec.filename, problems)
        if df is None:
            continue
        if len(df) < spec.min_rows:
            problems.append(Problem(spec.filename, None, None, "has a header but no rows: it needs one row per record."))
            continue
        if spec.per_year and not years:
            # stage columns cannot be checked without valid time points; check the rest
            cols = _check_columns(df, schema.Table(spec.name, spec.filename, spec.description, spec.columns), [], spec.filename, problems)
        else:
            cols = _check_columns(df, spec, years, spec.filename, problems)
        for col in cols:
            _check_values(df, col, spec.filename, problems, n_stages=n_stages)
        read[spec.name] = (df, cols, spec)
    _check_references(read, problems)
    if problems or meta is None:
        return problems, None
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
    )
    return [], study


def load_study(path: str | Path) -> Study:
    """Load a study folder; raise `StudyError` listing every problem if it breaks the contract."""
    problems, study = validate(path)
    if problems:
        raise StudyError(problems, path)
    return study
