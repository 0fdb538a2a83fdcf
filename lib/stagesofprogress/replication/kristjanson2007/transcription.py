"""The transcription of Kristjanson et al. (2007), PPLPI Working Paper 39: reading it.

Tables 1-9 are transcribed as printed (``data/paper/tableN.csv``); this module reads them and
parses the printed strings (stars, printed decimals) into a tidy frame a replica can be scored
against. The consistency checks that derive the errata live in the ``checks_*`` modules.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from stagesofprogress import published as _published

__all__ = [
    "TABLES",
    "REGIONS_TABLES_1_3",
    "REGIONS_TABLES_4_9",
    "data_dir",
    "parse_printed",
    "wide",
    "published",
    "text_figures",
    "sample_sizes",
    "text_links",
]

TABLES = [f"Table {i}" for i in range(1, 10)]
#: The paper's two regions in the order of Table 1's columns and Table 3's rows (Cajamarca first).
REGIONS_TABLES_1_3 = ("Cajamarca", "Puno")
#: The same regions in the order of the column groups of Tables 4 to 9 (Puno first).
REGIONS_TABLES_4_9 = ("Puno", "Cajamarca")

_CELL = re.compile(r"^(-?\d+(?:\.(\d+))?)(\*{0,3})(?:\s*\(\d+\))?$")


# --------------------------------------------------------------------------------------
# Loading


def data_dir() -> Path:
    """Folder with the transcription (``data/paper``, shipped with the library)."""
    from stagesofprogress import resources

    return resources.path("data/paper")


def _table_name(table: str | int) -> str:
    """Accept ``"Table 4"``, ``"table4"``, ``"4"`` or ``4``; return ``"Table 4"``."""
    m = re.fullmatch(r"(?i)\s*(?:table\s*)?(\d)\s*", str(table))
    if not m or f"Table {m.group(1)}" not in TABLES:
        raise KeyError(f"no published table {table!r}; expected one of {TABLES}")
    return f"Table {m.group(1)}"


def _table_number(table: str) -> int:
    return int(table.split()[-1])


def wide(table: str | int, folder: Path | None = None) -> pd.DataFrame:
    """The table in its printed layout: ``row`` plus one string column per printed column.

    Heading rows are kept (all cells empty) so the table can be re-rendered as printed.
    """
    return _published.wide(_table_name(table), folder or data_dir())


def parse_printed(s: str) -> tuple[float, int, int | None]:
    """``(value, stars, decimals)`` of one printed cell.

    ``"2.51***"`` -> ``(2.51, 3, 2)``; ``"100 (1)"`` -> ``(100.0, 0, 0)`` (a bracketed rank
    is kept only in the printed string); blank or ``"-"`` -> ``(nan, 0, None)``.
    """
    s = (s or "").strip()
    if s in ("", "-"):
        return math.nan, 0, None
    m = _CELL.match(s)
    if not m:
        raise ValueError(f"cannot parse printed cell {s!r}")
    return float(m.group(1)), len(m.group(3)), len(m.group(2) or "")


def _is_heading(row: pd.Series) -> bool:
    return all(str(v).strip() == "" for v in row.iloc[1:])


def published(table: str | int | None = None, folder: Path | None = None) -> pd.DataFrame:
    """Tidy long view of the printed tables, the key a replica is scored against.

    Columns: ``table`` (``"Table 4"``), ``row``, ``column``, ``printed`` (string as printed),
    ``value`` (float; NaN if blank or ``-``), ``stars`` (0-3), ``decimals`` (printed
    decimals, <NA> for blanks). Heading rows are dropped; blank cells of data rows are kept
    so that "the paper prints nothing here" is explicit. Ordered as printed.
    """
    names = TABLES if table is None else [_table_name(table)]
    parts = []
    for name in names:
        w = wide(name, folder)
        recs = []
        for _, r in w.iterrows():
            if _is_heading(r):
                continue
            for col in w.columns[1:]:
                v, st, d = parse_printed(r[col])
                recs.append((name, r["row"], col, r[col], v, st, d))
        parts.append(pd.DataFrame(recs, columns=["table", "row", "column", "printed", "value", "stars", "decimals"]))
    out = pd.concat(parts, ignore_index=True)
    out["stars"] = out["stars"].astype(int)
    out["decimals"] = out["decimals"].astype("Int64")
    return out


def text_figures(folder: Path | None = None) -> pd.DataFrame:
    """Numbers quoted in the paper's prose (``text_figures.csv``), value as float."""
    return _published.text_figures(folder or data_dir())


def sample_sizes(folder: Path | None = None) -> pd.DataFrame:
    """Group sizes printed in table headers or row labels (``sample_sizes.csv``)."""
    return _published.sample_sizes(folder or data_dir())


TEXT_LINK_COLUMNS = ["id", "table", "row", "column", "percent_of"]


def text_links(folder: Path | None = None) -> pd.DataFrame:
    """Which table cell each text figure restates (``text_links.csv``), all columns strings.

    ``percent_of`` names a group whose size printed for the same table (``sample_sizes.csv``)
    turns a count into the text's percent; blank when the text quotes the cell itself. A
    folder without the file gives an empty frame (nothing to compare).
    """
    path = (folder or data_dir()) / "text_links.csv"
    if not path.exists():
        return pd.DataFrame(columns=TEXT_LINK_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)[TEXT_LINK_COLUMNS]
