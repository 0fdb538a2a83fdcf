"""Loading and validating a study folder.

A study is a folder holding `study.yml`, `households.csv` and any optional tables of
the contract (`schema.TABLES`). Every problem is collected before anything is computed,
so a user fixes their spreadsheet once, not one error at a time.
"""

from __future__ import annotations

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
            where.append(f"row {self.row}")
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


def _check_study_yml(folder: Path, problems: list[Problem]) -> dict | None:
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
        problems.append(Problem(f, None, None, f"is not UTF-8 text (byte {e.start}); save it as UTF-8."))
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

    stages = meta.get("stages")
    if "stages" in meta:
        if not isinstance(stages, list) or not all(isinstance(s, str) and s.strip() for s in stages):
            bad("stages", "stages must be a list of stage names (texts), lowest stage first.")
        elif len(stages) < 2:
            bad("stages", f"stages needs at least two stages; it has {len(stages)}.")

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


def _read_csv(path: Path, fname: str, problems: list[Problem]) -> pd.DataFrame | None:
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
        else:
            problems.append(Problem(fname, None, None, f"cannot be read as CSV: {msg}"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(fname, None, None, "the file is empty: it needs a header row and one row per record."))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    # spreadsheet rows: the header is row 1
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    # rows where every cell is blank (spreadsheet exports often end with some) are ignored
    if len(df):
        blank = (df == "").all(axis=1)
        if blank.any():
            df = df[~blank]
    return df


def _check_columns(df, table: schema.Table, years, fname, problems) -> list[schema.Column]:
    present = list(df.columns)
    dups = sorted({c for c in present if present.count(c) > 1 or c.endswith(".1") and c[:-2] in present})
    for c in dups:
        problems.append(Problem(fname, 1, c, "this column name appears more than once in the header."))
    if any(c == "" or c.startswith("Unnamed:") for c in present):
        problems.append(Problem(fname, 1, None, "the header has a column without a name."))
    expected = table.expanded_columns(years)
    usable = []
    names = [c.name for c in expected]
    for col in expected:
        if col.name in df.columns:
            usable.append(col)
        elif col.required:
            spare = [c for c in present if c not in names]
            close = difflib.get_close_matches(col.name, spare, n=1, cutoff=0.6)
            hint = f" The header has '{close[0]}': is it misspelled?" if close else ""
            problems.append(Problem(fname, 1, col.name, f"the required column '{col.name}' is missing.{hint}"))
    return usable


def _check_values(df, col: schema.Column, fname, problems, n_stages=None, stages_label=""):
    s = df[col.name].str.strip()
    rownums = df.index.to_numpy()
    blank = (s == "").to_numpy()
    if not col.blank_ok and blank.any():
        _report(problems, fname, col.name, _rows(blank, rownums), lambda r: "this cell is empty; a value is required.", "empty cell")
    filled = ~blank
    if col.kind in ("integer", "number", "flag", "stage"):
        num = pd.to_numeric(s.where(filled, None), errors="coerce").to_numpy(dtype=float)
        notnum = filled & np.isnan(num)
        if notnum.any():
            vals = s.to_numpy()
            what = {"stage": "a stage number", "flag": "0 or 1", "integer": "a whole number", "number": "a number"}[col.kind]
            _report(problems, fname, col.name, _rows(notnum, rownums),
                    lambda r, vals=vals, rn=rownums: f"'{vals[np.searchsorted(rn, r)]}' is not {what}.", f"not {what}")
        isnum = filled & ~np.isnan(num)
        if col.kind in ("integer", "flag", "stage"):
            frac = isnum & (np.floor(num) != num)
            if frac.any():
                _report(problems, fname, col.name, _rows(frac, rownums),
                        lambda r, rn=rownums: f"{num[np.searchsorted(rn, r)]:g} is not a whole number.",
                        "not a whole number")
            isnum = isnum & ~frac
        lo, hi = col.minimum, col.maximum
        if col.kind == "flag":
            lo, hi = 0, 1
        if col.kind == "stage":
            lo, hi = 1, n_stages
        if lo is not None:
            below = isnum & (num < lo)
            if below.any():
                msg = (lambda r, rn=rownums: f"stage {num[np.searchsorted(rn, r)]:g} is below the ladder: stages run from 1 to {n_stages}.") if col.kind == "stage" else \
                      (lambda r, rn=rownums: f"{num[np.searchsorted(rn, r)]:g} is below the smallest allowed value, {lo:g}.")
                _report(problems, fname, col.name, _rows(below, rownums), msg, f"below {lo:g}")
        if hi is not None:
            above = isnum & (num > hi)
            if above.any():
                msg = (lambda r, rn=rownums: f"stage {num[np.searchsorted(rn, r)]:g} is above the ladder: it has only {n_stages} stages.") if col.kind == "stage" else \
                      (lambda r, rn=rownums: f"{num[np.searchsorted(rn, r)]:g} is above the largest allowed value, {hi:g}.")
                _report(problems, fname, col.name, _rows(above, rownums), msg, f"above {hi:g}")
    if col.choices is not None:
        bad = filled & ~s.isin(col.choices).to_numpy()
        if bad.any():
            vals = s.to_numpy()
            allowed = ", ".join(col.choices)
            _report(problems, fname, col.name, _rows(bad, rownums),
                    lambda r, rn=rownums: f"'{vals[np.searchsorted(rn, r)]}' is not one of: {allowed}.", "not an allowed value")
    if col.unique:
        dup = s.duplicated(keep=False).to_numpy() & filled
        if dup.any():
            first = s[dup].groupby(s[dup], sort=False).transform(lambda g: g.index[0])
            firstmap = dict(zip(first.index, first.to_numpy()))
            vals = s.to_numpy()
            rows_ = [r for r in _rows(dup, rownums) if firstmap[r] != r]
            _report(problems, fname, col.name, rows_,
                    lambda r, rn=rownums: f"'{vals[np.searchsorted(rn, r)]}' is a duplicate: it already appears in row {firstmap[r]}.",
                    "duplicate identifier")


def _typed(df: pd.DataFrame, cols: list[schema.Column]) -> pd.DataFrame:
    """Convert validated text columns to their kinds; guess numeric extra columns."""
    out = {}
    kinds = {c.name: c.kind for c in cols}
    for name in df.columns:
        s = df[name].str.strip()
        kind = kinds.get(name)
        if kind in ("stage", "integer", "flag"):
            out[name] = pd.to_numeric(s.replace("", None), errors="coerce").astype("Int64")
        elif kind == "number":
            out[name] = pd.to_numeric(s.replace("", None), errors="coerce").astype(float)
        elif kind == "string":
            out[name] = s
        else:  # extra column: numbers if every filled cell is a number
            filled = s != ""
            num = pd.to_numeric(s.where(filled, None), errors="coerce")
            if filled.any() and num[filled].notna().all():
                out[name] = num.astype(float)
            else:
                out[name] = s.where(filled, None)
    return pd.DataFrame(out, index=df.index)


def _check_references(tables: dict, problems: list[Problem]):
    for name, (df, cols, spec) in tables.items():
        for col in cols:
            if not col.references:
                continue
            ref_table, ref_col = col.references.split(".")
            if ref_table not in tables or ref_col not in tables[ref_table][0].columns:
                continue
            known = tables[ref_table][0][ref_col].str.strip()
            s = df[col.name].str.strip()
            bad = (s != "") & ~s.isin(known)
            if bad.any():
                vals = s.to_numpy()
                rn = df.index.to_numpy()
                _report(problems, spec.filename, col.name, _rows(bad, rn),
                        lambda r, rn=rn: f"'{vals[np.searchsorted(rn, r)]}' does not appear in {schema.TABLES[ref_table].filename} ({ref_col}).",
                        f"unknown {ref_col}")


def validate(path: str | Path) -> tuple[list[Problem], Study | None]:
    """Check a study folder against the contract; return every problem and, if none, the study."""
    folder = Path(path)
    problems: list[Problem] = []
    if not folder.exists():
        return [Problem(str(folder), None, None, "no such folder.")], None
    if not folder.is_dir():
        return [Problem(str(folder), None, None, "is a file, not a study folder: point --data at the folder that holds study.yml and households.csv.")], None
    meta = _check_study_yml(folder, problems)
    years = meta["time_points"] if meta else []
    n_stages = len(meta["stages"]) if meta else None

    read: dict[str, tuple[pd.DataFrame, list[schema.Column], schema.Table]] = {}
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
        if spec.per_year and meta is None:
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
