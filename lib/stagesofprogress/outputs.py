"""`sop tables`: every table a study allows, as CSV, written atomically.

Modules contribute tables by registering a producer: a function taking a `Study` and
returning {file name: DataFrame}, or {} when the study lacks what it needs. New tables
(logit, livestock) plug in without touching the command; tables from outside the method (a
replication's scorecard) come from the entry point group `stagesofprogress.tables`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import movements as mv
from . import outdir
from .safetext import FORMULA_PREFIXES, csv_cell
from .study import Study

__all__ = [
    "PRODUCERS",
    "producer",
    "to_csv_bytes",
    "TABLE_PLUGINS",
    "installed_plugins",
    "plugin_tables",
    "compute_tables",
    "swap_into",
    "write_atomically",
    "write_tables",
]

Producer = Callable[[Study], dict[str, pd.DataFrame]]
PRODUCERS: list[tuple[str, Producer]] = []


def producer(name: str) -> Callable[[Producer], Producer]:
    """Decorator: register a table producer under a short name (kept in registration order).

    A producer takes a `Study` and returns a dict of table name to DataFrame; registering a name
    again replaces the earlier producer in place.

    Parameters
    ----------
    name : str
        The producer's name.

    Returns
    -------
    Callable
        The decorator, which returns the function unchanged.
    """

    def deco(fn: Producer) -> Producer:
        for i, (n, _f) in enumerate(PRODUCERS):
            if n == name:
                PRODUCERS[i] = (name, fn)
                break
        else:
            PRODUCERS.append((name, fn))
        return fn

    return deco


_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _neutralise(values: pd.Series | pd.Index) -> pd.Series | pd.Index:
    """Text cells that a spreadsheet would read as a formula get a leading ``'`` (OWASP; see
    `safetext.csv_cell`). Numeric and boolean data are returned as they are, so -1.5 stays -1.5,
    and so is text that is nothing but a number ("-0.17" in a formatted table)."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values
    s = pd.Series(values, copy=False) if isinstance(values, pd.Index) else values
    try:
        risky = s.str.startswith(FORMULA_PREFIXES, na=False)
    except (AttributeError, TypeError):  # an object column without any text
        return values
    mask = risky.fillna(False).to_numpy(dtype=bool, copy=True)
    if mask.any():  # a plain number written as text ("-0.17") is no formula: leave it readable
        mask &= ~s.str.fullmatch(_NUMBER, na=False).fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        return values
    cells = s.to_numpy(dtype=object, copy=True)
    cells[mask] = [csv_cell(v) for v in cells[mask]]  # only the few risky cells
    if isinstance(values, pd.Index):
        return pd.Index(cells, name=values.name, dtype=object)
    return pd.Series(cells, index=s.index, name=s.name, dtype=object)


def to_csv_bytes(df: pd.DataFrame, index: bool = False) -> bytes:
    """Deterministic CSV: LF line ends, full float precision, UTF-8 without BOM.

    Safe to open in a spreadsheet: a text cell (or column name) beginning with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (`safetext.csv_cell`), so it
    is shown as text, never evaluated as a formula. Numeric columns, and text that is only a
    number such as "-0.17", are written unchanged.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (not modified).
    index : bool
        Whether to write the index.

    Returns
    -------
    bytes
        The file's content.
    """
    safe = df.copy(deep=False)
    for i in range(safe.shape[1]):
        col = safe.iloc[:, i]
        new = _neutralise(col)
        if new is not col:
            safe.isetitem(i, new)
    safe.columns = _neutralise(safe.columns) if not isinstance(safe.columns, pd.MultiIndex) else safe.columns
    if index and not isinstance(safe.index, pd.MultiIndex):
        safe.index = _neutralise(safe.index)
    return safe.to_csv(index=index, lineterminator="\n").encode("utf-8")


@producer("movements")
def _movements(study: Study) -> dict[str, pd.DataFrame]:
    # the same as mv.all_movements / mv.movement_summary, with regions coded and households
    # counted once per period for both tables
    groups = mv._group_values(study, "region")
    counts = {(a, b): mv._counts(study, a, b, groups) for a, b in study.periods()}
    out = {"movements.csv": pd.concat([mv._table(c, a, b) for (a, b), c in counts.items()], ignore_index=True)}
    summary = pd.concat([mv._summary(c, a, b) for (a, b), c in counts.items()]).reset_index()
    out["movement_summary.csv"] = summary
    out["poverty_rates.csv"] = mv.poverty_rates(study)
    for a, b in study.periods():
        m = mv.transition_matrix(study, a, b)
        long = m.stack().rename("households").reset_index()
        long.columns = ["stage_start", "stage_end", "households"]
        long.insert(0, "end", b)
        long.insert(0, "start", a)
        out[f"transitions_{a}_{b}.csv"] = long
    return out


@producer("assets_by_stage")
def _assets(study: Study) -> dict[str, pd.DataFrame]:
    if "assets" not in study.households.columns:
        return {}
    t = mv.mean_by_stage(study, "assets").reset_index()
    return {"assets_by_stage.csv": t}


# Analysis modules and what makes them relevant to a study: each registers its producers on
# import, and importing them loads scipy, so a study without their tables does not pay for it.
_ANALYSES = (
    ("communities", lambda s: s.has("communities")),
    ("reasons", lambda s: s.has("sample") or s.has("reasons")),
    ("models", lambda s: s.has("sample") or s.has("reasons")),
    ("livestock", lambda s: s.has("livestock") or s.has("production")),
    ("mobility", lambda s: True),
    (
        "status",
        lambda s: s.has_prosperity,
    ),  # status_movements.csv (poor, not poor, prosperous)  # mobility.csv, steady_state.csv, projection.csv, movements_ci.csv
)


def _register_analyses(study: Study) -> None:
    import importlib

    for module, relevant in _ANALYSES:
        if relevant(study):
            importlib.import_module(f".{module}", __package__)


#: Entry point group of table plug-ins (pyproject.toml): ``f(study) -> {file name: DataFrame}``.
TABLE_PLUGINS = "stagesofprogress.tables"


@functools.cache
def installed_plugins(group: str) -> tuple:
    """The entry points of `group`, in name order, looked up once per process (the lookup reads
    the metadata of every installed distribution: about 5 ms, on each `sop` command run in a
    notebook or a test).

    Parameters
    ----------
    group : str
        An entry point group, such as `TABLE_PLUGINS` or ``stagesofprogress.commands``.

    Returns
    -------
    tuple of importlib.metadata.EntryPoint
        Sorted by name.
    """
    from importlib.metadata import entry_points

    return tuple(sorted(entry_points(group=group), key=lambda e: e.name))


def plugin_tables(study: Study) -> dict[str, pd.DataFrame]:
    """Tables from installed plug-ins (e.g. a replication's scorecard), in entry point name order.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict of str to pandas.DataFrame
        Table name to table; a later plug-in's table replaces an earlier one of the same name.
    """
    tables: dict[str, pd.DataFrame] = {}
    for ep in installed_plugins(TABLE_PLUGINS):
        tables.update(ep.load()(study))
    return tables


def compute_tables(study: Study) -> dict[str, pd.DataFrame]:
    """Every table the study allows, computed in memory (what `write_tables` writes).

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).

    Returns
    -------
    dict of str to pandas.DataFrame
        Tidy tables by file stem (``"movements"``, ``"table3"``, ...), in a stable order: the
        library's own, then those of installed plug-ins (entry point group
        ``stagesofprogress.tables``).
    """
    _register_analyses(study)
    tables: dict[str, pd.DataFrame] = {}
    for _name, fn in PRODUCERS:
        tables.update(fn(study))
    tables.update(plugin_tables(study))
    return tables


def swap_into(out: Path, staged: Path) -> None:
    """Replace `out` by the finished folder `staged` (a sibling), atomically and under a lock.

    See `outdir.swap_into`.

    Parameters
    ----------
    out : pathlib.Path
        The output folder.
    staged : pathlib.Path
        The finished folder beside it.
    """
    outdir.swap_into(Path(out), Path(staged))


def write_atomically(
    out: Path,
    files: dict[str, bytes],
    command: str | None = None,
    *,
    study: str | Path | None = None,
    checked: bool = False,
) -> Path:
    """Write files into a temporary sibling folder, then swap it into place as `out`.

    Parameters
    ----------
    out : pathlib.Path
        A folder `sop` may replace (`outdir.check_out`: absent, empty or marked as written by sop).
    files : dict of str to bytes
        Relative file name to content.
    command : str, optional
        The sop command recorded in the folder's marker.
    study : str or pathlib.Path, optional
        The study folder recorded in the marker.
    checked : bool
        ``True`` when the caller already ran `outdir.check_out`.

    Returns
    -------
    pathlib.Path
        The output folder.

    Raises
    ------
    OutputError
        When `out` is a folder sop may not replace; nothing changes.
    """
    return outdir.write_folder(out, files, command, study=study, checked=checked)


def write_tables(study: Study, out: str | Path, *, checked: bool = False) -> dict[str, pd.DataFrame]:
    """Compute every table of `study` and write them as CSV files into the folder `out`.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    out : str or pathlib.Path
        The folder: new, empty or written by sop before; it is replaced in one step.
    checked : bool, default False
        `out` has already been checked by the caller (`outdir.check_out`).

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables written, as `compute_tables` returns them.

    Raises
    ------
    stagesofprogress.outdir.OutputError
        `out` is a folder sop must not replace; nothing is written.
    """
    tables = compute_tables(study)
    write_atomically(
        Path(out), {name: to_csv_bytes(df) for name, df in tables.items()}, "tables", study=study.path, checked=checked
    )
    return tables
