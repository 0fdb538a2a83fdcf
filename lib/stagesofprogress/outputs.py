"""`sop tables`: every table a study allows, as CSV, written atomically.

Modules contribute tables by registering a producer: a function taking a `Study` and
returning {file name: DataFrame}, or {} when the study lacks what it needs. New tables
(logit, livestock) plug in without touching the command; tables from outside the method (a
replication's scorecard) come from the entry point group `stagesofprogress.tables`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from . import movements as mv
from .study import Study

Producer = Callable[[Study], dict[str, pd.DataFrame]]
PRODUCERS: list[tuple[str, Producer]] = []


def producer(name: str):
    """Decorator: register a table producer under a short name (kept in registration order)."""

    def deco(fn: Producer) -> Producer:
        for i, (n, _f) in enumerate(PRODUCERS):
            if n == name:
                PRODUCERS[i] = (name, fn)
                break
        else:
            PRODUCERS.append((name, fn))
        return fn

    return deco


def to_csv_bytes(df: pd.DataFrame, index: bool = False) -> bytes:
    """Deterministic CSV: LF line ends, full float precision, UTF-8 without BOM."""
    return df.to_csv(index=index, lineterminator="\n").encode("utf-8")


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
)


def _register_analyses(study: Study) -> None:
    import importlib

    for module, relevant in _ANALYSES:
        if relevant(study):
            importlib.import_module(f".{module}", __package__)


#: Entry point group of table plug-ins (pyproject.toml): ``f(study) -> {file name: DataFrame}``.
TABLE_PLUGINS = "stagesofprogress.tables"


def plugin_tables(study: Study) -> dict[str, pd.DataFrame]:
    """Tables from installed plug-ins (e.g. a replication's scorecard), in entry point name order."""
    from importlib.metadata import entry_points

    tables: dict[str, pd.DataFrame] = {}
    for ep in sorted(entry_points(group=TABLE_PLUGINS), key=lambda e: e.name):
        tables.update(ep.load()(study))
    return tables


def compute_tables(study: Study) -> dict[str, pd.DataFrame]:
    _register_analyses(study)
    tables: dict[str, pd.DataFrame] = {}
    for _name, fn in PRODUCERS:
        tables.update(fn(study))
    tables.update(plugin_tables(study))
    return tables


def swap_into(out: Path, staged: Path) -> None:
    """Replace `out` by the finished folder `staged` (a sibling): two renames, the old copy removed last."""
    out = Path(out)
    old = None
    if out.exists():
        old = out.resolve().parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(staged, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_atomically(out: Path, files: dict[str, bytes]) -> None:
    """Write files into a temporary sibling folder, then swap it into place as `out`."""
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        for name, data in sorted(files.items()):
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        swap_into(out, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_tables(study: Study, out: str | Path) -> dict[str, pd.DataFrame]:
    tables = compute_tables(study)
    write_atomically(Path(out), {name: to_csv_bytes(df) for name, df in tables.items()})
    return tables
