"""A study's published tables: the folder `paper:` in study.yml names, read as printed.

Any study may declare a folder of tables published about it (`paper:`, relative to the
study folder). The method reads that folder generically: one CSV per printed table
(`table<N>.csv`, a `row` column and one string column per printed column), the group
sizes printed in headers (`sample_sizes.csv`), the numbers quoted in the prose
(`text_figures.csv`) and the misprints (`errata.csv`). Knowledge of one particular paper
(its table names, how each cell is judged) lives in its replication, not here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .study import Study

__all__ = [
    "ERRATA_COLUMNS",
    "bundled_paper_dir",
    "errata",
    "paper_folder",
    "sample_sizes",
    "table_file",
    "text_figures",
    "wide",
]

ERRATA_COLUMNS = ["table", "row", "column", "printed", "consistent_value", "explanation"]


def bundled_paper_dir() -> Path:
    """The transcription of Kristjanson et al. (2007) shipped with the compendium (``data/paper``).

    The default study declares it as ``paper: ../paper``; validation accepts that one folder
    outside a study (any other ``paper:`` must lie inside the study).

    Returns
    -------
    pathlib.Path
        The folder inside the installed package or the checkout.
    """
    from .resources import path

    return path("data/paper")


def paper_folder(study: Study) -> Path | None:
    """The folder of published tables the study declares, or None.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    pathlib.Path or None
        The resolved `paper:` folder; None when study.yml declares none or the folder
        does not exist.
    """
    rel = study.meta.get("paper")
    if not rel:
        return None
    path = (Path(study.path) / str(rel)).resolve()
    return path if path.is_dir() else None


def table_file(table: str | int, folder: Path) -> Path:
    """The CSV file of one printed table in `folder`.

    Parameters
    ----------
    table : str or int
        ``"Table 4"``, ``"table4"``, ``"4"`` or ``4``.
    folder : pathlib.Path
        A folder of published tables (a study's ``paper:`` folder, `paper_folder`).

    Returns
    -------
    pathlib.Path
        For example ``folder / "table4.csv"``.
    """
    m = re.fullmatch(r"(?i)\s*(?:table\s*)?(\d+)\s*", str(table))
    if not m:
        raise KeyError(f"not a table name: {table!r} (expected 'Table N' or N)")
    return Path(folder) / f"table{int(m.group(1))}.csv"


def wide(table: str | int, folder: Path) -> pd.DataFrame:
    """A published table in its printed layout.

    Parameters
    ----------
    table : str or int
        ``"Table 4"``, ``"table4"``, ``"4"`` or ``4``.
    folder : pathlib.Path
        A folder of published tables (a study's ``paper:`` folder, `paper_folder`).

    Returns
    -------
    pandas.DataFrame
        ``row`` plus one string column per printed column; heading rows are kept (every cell
        empty) so the table can be shown as printed.
    """
    return pd.read_csv(table_file(table, folder), dtype=str, keep_default_na=False, encoding="utf-8")


def sample_sizes(folder: Path) -> pd.DataFrame:
    """Group sizes printed in table headers or row labels (``sample_sizes.csv``).

    Parameters
    ----------
    folder : pathlib.Path
        A folder of published tables (a study's ``paper:`` folder, `paper_folder`).

    Returns
    -------
    pandas.DataFrame
        The rows of the file, ``n`` as integers.
    """
    df = pd.read_csv(Path(folder) / "sample_sizes.csv", dtype=str, keep_default_na=False)
    df["n"] = df["n"].astype(int)
    return df


def text_figures(folder: Path) -> pd.DataFrame:
    """Numbers quoted in the published prose (``text_figures.csv``).

    Parameters
    ----------
    folder : pathlib.Path
        A folder of published tables (a study's ``paper:`` folder, `paper_folder`).

    Returns
    -------
    pandas.DataFrame
        The rows of the file, ``value`` as floats.
    """
    df = pd.read_csv(Path(folder) / "text_figures.csv", dtype=str, keep_default_na=False)
    df["value"] = df["value"].astype(float)
    return df


def errata(folder: Path | None) -> pd.DataFrame:
    """The published misprints (``errata.csv``).

    Parameters
    ----------
    folder : pathlib.Path or None
        A folder of published tables, or None.

    Returns
    -------
    pandas.DataFrame
        The rows of the file, or an empty frame with the columns of `ERRATA_COLUMNS`.
    """
    if folder is None or not (Path(folder) / "errata.csv").exists():
        return pd.DataFrame(columns=ERRATA_COLUMNS)
    return pd.read_csv(Path(folder) / "errata.csv", dtype=str, keep_default_na=False)
