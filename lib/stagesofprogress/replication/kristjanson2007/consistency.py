"""The paper's internal inconsistencies, derived from the transcription (``errata.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stagesofprogress.published import ERRATA_COLUMNS

from .checks_logit import check_logit, check_table7
from .checks_samples import check_sample_sizes
from .checks_tables import (
    check_percent_of_n,
    check_table1_both_regions,
    check_table1_land,
    check_table1_vs_sizes,
    check_table2_monotone,
    check_table3,
    check_table3_counts,
    check_table3_total,
)
from .checks_text import check_text_derived, check_text_vs_tables
from .transcription import (
    REGIONS_TABLES_4_9,
    TABLES,
    _table_number,
    data_dir,
    sample_sizes,
    text_figures,
    text_links,
    wide,
)

__all__ = ["check_consistency", "write_errata"]


def check_consistency(folder: Path | None = None) -> pd.DataFrame:
    """All internal inconsistencies of the paper, derived from the transcription.

    Columns exactly ``table,row,column,printed,consistent_value,explanation``; one row per
    failed check (a cell may fail more than one). Ordered by table number, then printed
    row and column order (header-level sample sizes first), then check order.
    """
    tables = {t: wide(t, folder) for t in TABLES}
    sizes = sample_sizes(folder)
    text = text_figures(folder)
    tv = dict(zip(text["id"], text["value"]))
    n3 = {r.group: r.n for r in sizes[sizes["table"] == "Table 3"].itertuples()}
    n6 = {r.group: r.n for r in sizes[sizes["table"] == "Table 6"].itertuples()}
    flags: list[dict] = []
    flags += check_table1_both_regions(tables["Table 1"], communities_per_region=tv["communities_per_region"])
    flags += check_table1_land(tables["Table 1"])
    flags += check_table1_vs_sizes(tables["Table 1"], sizes, tv["households_total"], tv["communities_per_region"])
    flags += check_table2_monotone(tables["Table 2"])
    flags += check_table3_total(sizes, tv["households_total"])
    t3_flags = check_table3(tables["Table 3"], n3)
    flags += t3_flags
    flags += check_table3_counts(tables["Table 3"], n3, already={(f["row"], f["column"]) for f in t3_flags})
    flags += check_logit(tables["Table 4"], "Table 4", tv.get("correctly_predicted_min"))
    flags += check_logit(tables["Table 5"], "Table 5", tv.get("correctly_predicted_min"))
    flags += check_table7(tables["Table 7"])
    flags += check_percent_of_n(
        tables["Table 6"],
        [
            (f"{g} {p} No. of hhs", f"{g} {p} Percent of hhs", n6[g])
            for g in REGIONS_TABLES_4_9
            for p in ("10 years ago", "Now")
        ],
        "Table 6",
    )
    flags += check_percent_of_n(
        tables["Table 9"], [(f"{g} No. of hhs", f"{g} Percent", f"{g} Valid N") for g in REGIONS_TABLES_4_9], "Table 9"
    )
    flags += check_sample_sizes(tables, sizes, text)
    flags += check_text_vs_tables(tables, text, sizes, text_links(folder))
    flags += check_text_derived(tables["Table 3"], text)
    for i, f in enumerate(flags):
        f["_sort"] = (_table_number(f["table"]), *f["_key"], i)
    flags.sort(key=lambda f: f["_sort"])
    return pd.DataFrame([{k: f[k] for k in ERRATA_COLUMNS} for f in flags], columns=ERRATA_COLUMNS)


def write_errata(path: str | Path | None = None, folder: Path | None = None) -> Path:
    """Write `check_consistency()` to ``data/paper/errata.csv`` (UTF-8, LF) so it can be reviewed and diffed."""
    path = Path(path) if path is not None else (folder or data_dir()) / "errata.csv"
    check_consistency(folder).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
