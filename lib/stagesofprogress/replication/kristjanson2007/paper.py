"""The published numbers of Kristjanson et al. (2007), PPLPI Working Paper 39, as data.

One import for the transcription and its consistency checks, which live in modules of their own:

* `transcription`: reading Tables 1-9 as printed (``data/paper/tableN.csv``), parsing the printed
  strings (stars, printed decimals) into the tidy frame a replica is scored against, the text's
  figures and the printed sample sizes, and the paper's regions in the order of its tables;
* `checks_tables`, `checks_logit`, `checks_samples`, `checks_text`: the paper's figures against
  each other (`intervals` holds the rounding-interval arithmetic they share);
* `consistency`: all checks at once, the errata (``errata.csv``) derived from the transcription
  itself, so that they are reproducible rather than a hand-typed list.

Every comparison respects printed rounding: a printed number ``x`` with ``d`` decimals stands
for the interval ``x ± 0.5·10^-d``, and a check flags only when no values inside those
intervals could satisfy the relation the paper implies.
"""

from __future__ import annotations

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
from .consistency import check_consistency, write_errata
from .transcription import (
    REGIONS_TABLES_1_3,
    REGIONS_TABLES_4_9,
    TABLES,
    data_dir,
    parse_printed,
    published,
    sample_sizes,
    text_figures,
    text_links,
    wide,
)

__all__ = [
    "TABLES",
    "REGIONS_TABLES_1_3",
    "REGIONS_TABLES_4_9",
    "ERRATA_COLUMNS",
    "data_dir",
    "parse_printed",
    "wide",
    "published",
    "text_figures",
    "sample_sizes",
    "text_links",
    "check_consistency",
    "check_table1_both_regions",
    "check_table1_land",
    "check_table1_vs_sizes",
    "check_table2_monotone",
    "check_table3",
    "check_table3_counts",
    "check_table3_total",
    "check_logit",
    "check_table7",
    "check_percent_of_n",
    "check_sample_sizes",
    "check_text_vs_tables",
    "check_text_derived",
    "write_errata",
]
