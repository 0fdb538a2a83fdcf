"""The transcription of Kristjanson et al. (2007) and the errata derived from it."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from stagesofprogress.replication.kristjanson2007 import paper


def frame(columns, rows):
    """A small wide table of printed strings, as `paper.wide` returns."""
    return pd.DataFrame(rows, columns=["row", *columns], dtype=str)


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed, value, stars, decimals",
    [
        ("2.51***", 2.51, 3, 2),
        ("-3.00**", -3.0, 2, 2),
        ("0.92*", 0.92, 1, 2),
        ("0.000", 0.0, 0, 3),
        ("-56.5", -56.5, 0, 1),
        ("0.2500", 0.25, 0, 4),
        ("698.921", 698.921, 0, 3),
        ("290", 290.0, 0, 0),
        ("100 (1)", 100.0, 0, 0),
        ("67.5", 67.5, 0, 1),
    ],
)
def test_parse_printed(printed, value, stars, decimals):
    assert paper.parse_printed(printed) == (value, stars, decimals)


@pytest.mark.parametrize("printed", ["", "-", "  "])
def test_parse_blank(printed):
    v, s, d = paper.parse_printed(printed)
    assert math.isnan(v) and s == 0 and d is None


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        paper.parse_printed("97.80 (27) x")


def test_published_hand_examples():
    p = paper.published().set_index(["table", "row", "column"])
    cell = p.loc[("Table 4", "Improved livestock quality", "Puno B")]
    assert (cell.printed, cell.value, cell.stars, cell.decimals) == ("2.51***", 2.51, 3, 2)
    cell = p.loc[("Table 5", "Age (squared)", "Puno B")]
    assert (cell.printed, cell.value, cell.stars, cell.decimals) == ("0.00***", 0.0, 3, 2)
    assert p.loc[("Table 4", "Wald chi2", "Puno B")].printed == "97.80"
    assert p.loc[("Table 4", "Wald df", "Puno B")].value == 27
    assert p.loc[("Table 5", "Wald df", "Cajamarca B")].value == 23
    assert p.loc[("Table 4", "Log pseudolikelihood", "Cajamarca B")].decimals == 1
    cell = p.loc[("Table 8", "Beef improved", "Cajamarca 10 years ago Mean Herd Size")]
    assert cell.printed == "-" and math.isnan(cell.value)
    cell = p.loc[("Table 4", "Private job", "Cajamarca B")]
    assert cell.printed == "" and math.isnan(cell.value)
    assert p.loc[("Table 3", "Cajamarca, 1994-2004", "Poor at the Start of the Period")].printed == "25.7"
    assert p.loc[("Table 7", "Gender", "Sig.")].decimals == 4
    assert p.index.is_unique


def test_published_columns_and_filter():
    p = paper.published("table 7")
    assert list(p.columns) == ["table", "row", "column", "printed", "value", "stars", "decimals"]
    assert set(p["table"]) == {"Table 7"}
    with pytest.raises(KeyError):
        paper.published("Table 10")


# --- transcription shape ---------------------------------------------------------------


def _nonblank(table):
    p = paper.published(table)
    return p[p["printed"] != ""]


def test_table_columns_fixed_names():
    assert list(paper.wide("Table 4").columns) == [
        "row",
        "Puno B",
        "Puno Odds Ratio",
        "Puno SE",
        "Cajamarca B",
        "Cajamarca Odds Ratio",
        "Cajamarca SE",
    ]
    assert list(paper.wide("Table 5").columns) == list(paper.wide("Table 4").columns)
    assert list(paper.wide("Table 7").columns) == [
        "row",
        "B",
        "S.E.",
        "Wald",
        "Sig.",
        "Odds Ratio",
        "CI Lower",
        "CI Upper",
    ]
    assert "Puno 10 years ago No. of hhs" in paper.wide("Table 6").columns
    assert "Cajamarca Now Valid n" in paper.wide("Table 8").columns


def test_table3_cells():
    w = paper.wide("Table 3")
    data = w[w.iloc[:, 1:].ne("").any(axis=1)]
    assert list(data["row"]) == [
        f"{g}, {p}" for p in ("1994-2004", "1979-2004") for g in ("Cajamarca", "Puno", "Both Regions")
    ]
    assert len(_nonblank("Table 3")) == 36


def test_table4_cells():
    w = paper.wide("Table 4")
    rows = list(w["row"])
    variables = rows[: rows.index("Wald chi2")]
    headings = [r for r in variables if (w.set_index("row").loc[r] == "").all()]
    assert len(headings) == 4
    assert len(variables) - len(headings) == 29  # Constant + 28 explanatory variables
    # Puno lacks 'Lack of/no inheritance'; Cajamarca lacks private job, health and camelids.
    assert len(_nonblank("Table 4")) == 28 * 3 + 26 * 3 + 8 * 2
    assert rows[rows.index("Wald chi2") :] == [
        "Wald chi2",
        "Wald df",
        "Prob >chi2",
        "Log pseudolikelihood",
        "Pseudo R-square (McFadden's)",
        "N",
        "% Correctly Predicted:",
        "% Correctly Predicted: Escaping poverty",
        "% Correctly Predicted: Staying poor",
    ]


def test_table5_cells():
    w = paper.wide("Table 5")
    rows = list(w["row"])
    variables = rows[: rows.index("Wald chi2")]
    headings = [r for r in variables if (w.set_index("row").loc[r] == "").all()]
    assert len(variables) - len(headings) == 26
    assert len(_nonblank("Table 5")) == 19 * 3 + 24 * 3 + 8 * 2
    assert "% Correctly Predicted: Falling into poverty" in rows


def test_table7_cells():
    assert len(_nonblank("Table 7")) == 5 + 8 * 7 + 3
    assert list(paper.wide("Table 7")["row"])[-3:] == ["-2 Log Likelihood", "Pseudo R square", "N"]


def test_other_tables_shape():
    assert paper.wide("Table 1").shape == (25, 4)
    assert paper.wide("Table 2").shape == (12, 2)
    assert paper.wide("Table 6").shape == (11, 9)
    assert paper.wide("Table 8").shape == (11, 9)
    assert paper.wide("Table 9").shape == (13, 7)


def test_files_are_utf8_lf():
    for f in sorted(paper.data_dir().glob("*.csv")):
        raw = f.read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw, f


def test_text_figures():
    t = paper.text_figures()
    from stagesofprogress.replication.kristjanson2007.text_scoring import RULE_COLUMNS

    assert list(t.columns) == ["id", "quote_location", "statement", "value", "unit", "scope", *RULE_COLUMNS]
    assert t["id"].is_unique and t["id"].str.fullmatch(r"[a-z0-9_]+").all()
    v = t.set_index("id")["value"]
    assert v["households_total"] == 3817 and v["households_sampled"] == 1041
    assert v["escapes_business_cajamarca"] == 27 and v["escapes_business_puno"] == 22
    assert v["herd_dairy_improved_2004_puno"] == 10.4


# --- checks on hand-built inputs --------------------------------------------------------


T3COLS = [
    "Remained Poor",
    "Escaped Poverty",
    "Became Poor",
    "Remained Not Poor",
    "Poor at the Start of the Period",
    "Poor at the End of the Period",
]


def t3(caj, puno, both):
    return frame(
        T3COLS, [["Cajamarca, 1994-2004", *caj], ["Puno, 1994-2004", *puno], ["Both Regions, 1994-2004", *both]]
    )


GOOD3 = (
    ["22.9", "12.8", "10.9", "53.4", "35.7", "33.8"],
    ["16.1", "24.5", "5.4", "54.0", "40.6", "21.5"],
    ["19.5", "18.6", "8.1", "53.7", "38.1", "27.6"],
)


def test_table3_consistent_input_not_flagged():
    assert paper.check_table3(t3(*GOOD3), {"Cajamarca": 1948, "Puno": 1920}) == []


def test_table3_start_flagged():
    caj = list(GOOD3[0])
    caj[4] = "25.7"
    flags = paper.check_table3(t3(caj, *GOOD3[1:]), {"Cajamarca": 1948, "Puno": 1920})
    cells = {(f["row"], f["column"]) for f in flags}
    assert ("Cajamarca, 1994-2004", "Poor at the Start of the Period") in cells
    assert ("Both Regions, 1994-2004", "Poor at the Start of the Period") in cells


def test_table3_sum_and_end_flagged():
    puno = list(GOOD3[1])
    puno[3] = "55.0"  # categories now sum to 101
    puno[5] = "22.0"  # end no longer = 16.1 + 5.4
    flags = paper.check_table3(t3(GOOD3[0], puno, GOOD3[2]), {"Cajamarca": 1948, "Puno": 1920})
    cols = {f["column"] for f in flags if f["row"] == "Puno, 1994-2004"}
    assert {"Remained Not Poor", "Poor at the End of the Period"} <= cols


def test_table3_sum_within_rounding_not_flagged():
    caj = ["18.7", "17.1", "15.1", "49.2", "35.8", "33.8"]  # sums to 100.1: rounding
    assert not [
        f
        for f in paper.check_table3(t3(caj, *GOOD3[1:]), {"Cajamarca": 1948, "Puno": 1920})
        if f["row"].startswith("Cajamarca")
    ]


def test_table3_counts_row_needing_fractional_households_flagged():
    # 18.7/17.1/15.1 of 1,948 need at least 364 + 333 + 294 households, leaving 957 = 49.13%,
    # which does not round to 49.2 (sum 100.1 passes the percent check above, not this one)
    caj = ["18.7", "17.1", "15.1", "49.2", "35.8", "33.8"]
    flags = paper.check_table3_counts(t3(caj, *GOOD3[1:]), {"Cajamarca": 1948, "Puno": 1920})
    row = [f for f in flags if f["row"] == "Cajamarca, 1994-2004"]
    assert len(row) == 1 and row[0]["column"] == "Remained Not Poor" and row[0]["consistent_value"] == "49.13"


def test_table3_counts_pooled_cell_flagged_and_achievable_one_not():
    # 33.8% of 1,948 and 21.5% of 1,920 are 658-659 and 412-413 households: 1,070-1,072 of 3,868,
    # 27.66-27.71 percent, so a pooled 27.6 is impossible while 27.7 is fine; 8.1 became poor is
    # reachable (212 + 103 = 315 households, 8.14 percent)
    n = {"Cajamarca": 1948, "Puno": 1920}
    flags = paper.check_table3_counts(t3(*GOOD3), n)
    assert [(f["row"], f["column"], f["consistent_value"]) for f in flags] == [
        ("Both Regions, 1994-2004", "Poor at the End of the Period", "27.66")
    ]
    both = list(GOOD3[2])
    both[5] = "27.7"
    assert paper.check_table3_counts(t3(GOOD3[0], GOOD3[1], both), n) == []
    # a cell check_table3 already flagged is not flagged twice
    assert (
        paper.check_table3_counts(t3(*GOOD3), n, already={("Both Regions, 1994-2004", "Poor at the End of the Period")})
        == []
    )


def test_table3_total():
    sizes = pd.DataFrame({"table": ["Table 3", "Table 3"], "group": ["Cajamarca", "Puno"], "n": [1948, 1920]})
    assert len(paper.check_table3_total(sizes, 3817)) == 1
    assert paper.check_table3_total(sizes, 3868) == []


LOGIT_COLS = ["Puno B", "Puno Odds Ratio", "Puno SE", "Cajamarca B", "Cajamarca Odds Ratio", "Cajamarca SE"]


def logit(rows, df=("1", "1")):
    fit = [
        ["Wald chi2", "9.00", "", "", "9.00", "", ""],
        ["Wald df", df[0], "", "", df[1], "", ""],
        ["Prob >chi2", "0.003", "", "", "0.003", "", ""],
    ]
    return frame(LOGIT_COLS, [["Constant", "0.10", "1.11", "1.00", "0.10", "1.11", "1.00"], *rows, *fit])


def test_logit_consistent_not_flagged():
    t = logit([["x", "1.57**", "4.81", "0.73", "-1.16*", "0.31", "0.62"]])
    assert paper.check_logit(t, "Table X") == []


def test_logit_stars_flagged():
    t = logit([["x", "1.57***", "4.81", "0.73", "-1.16**", "0.31", "0.62"]])
    flags = paper.check_logit(t, "Table X")
    assert {(f["row"], f["column"], f["consistent_value"]) for f in flags} == {
        ("x", "Puno B", "1.57**"),
        ("x", "Cajamarca B", "-1.16*"),
    }


def test_logit_stars_borderline_not_flagged():
    # -2.51/0.97 gives p = 0.0097 (***), but B = -2.505, SE = 0.975 gives p = 0.0102 (**).
    t = logit([["x", "-2.51**", "0.08", "0.97", "0.00***", "1.00", "0.00"]])
    assert paper.check_logit(t, "Table X") == []


def test_logit_odds_ratio():
    ok = logit([["x", "0.38", "1.47", "0.79", "-1.33**", "0.27", "0.59"]])  # exp(0.385) = 1.4696, exp(-1.325) = 0.2658
    assert paper.check_logit(ok, "Table X") == []
    bad = logit([["x", "0.38", "1.49", "0.79", "-1.33**", "0.27", "0.59"]])
    assert [(f["row"], f["column"]) for f in paper.check_logit(bad, "Table X")] == [("x", "Puno Odds Ratio")]


def test_logit_df_and_p():
    t = logit([["x", "0.38", "1.47", "0.79", "-1.33**", "0.27", "0.59"]], df=("2", "1"))
    flags = paper.check_logit(t, "Table X")
    assert ("Wald df", "Puno B") in {(f["row"], f["column"]) for f in flags}
    # chi2 = 9 on 2 df has p = 0.011, not 0.003
    assert ("Prob >chi2", "Puno B") in {(f["row"], f["column"]) for f in flags}


def test_logit_correctly_predicted_and_mcfadden():
    t = logit([["x", "0.38", "1.47", "0.79", "-1.33**", "0.27", "0.59"]])
    extra = frame(
        LOGIT_COLS,
        [
            ["Log pseudolikelihood", "-85.80", "", "", "-85.80", "", ""],
            ["Pseudo R-square (McFadden's)", "0.50", "", "", "0.70", "", ""],
            ["N", "290", "", "", "100", "", ""],
            ["% Correctly Predicted: Escaping poverty", "90.5", "", "", "70.0", "", ""],
        ],
    )
    both = pd.concat([t, extra], ignore_index=True)
    flags = paper.check_logit(both, "Table X", correctly_predicted_min=75)
    got = {(f["row"], f["column"]) for f in flags}
    # without the text's figure the classification claim is not checked
    assert {(f["row"], f["column"]) for f in paper.check_logit(both, "Table X")} == got - {
        ("% Correctly Predicted: Escaping poverty", "Cajamarca B")
    }
    # Cajamarca: |LL0| >= 85.8 / 0.305 = 281 > 100 ln 2; and 70 percent is not over 75.
    assert got == {
        ("Pseudo R-square (McFadden's)", "Cajamarca B"),
        ("% Correctly Predicted: Escaping poverty", "Cajamarca B"),
    }


T7COLS = ["B", "S.E.", "Wald", "Sig.", "Odds Ratio", "CI Lower", "CI Upper"]


def test_table7_consistent_not_flagged():
    t = frame(
        T7COLS,
        [
            ["Constant", "-0.86", "0.74", "1.32", "0.2500", "0.42", "", ""],
            ["Gender", "0.46", "0.24", "3.58", "0.0584", "1.59", "0.98", "2.56"],
            ["Age squared", "0.00", "0.00", "0.07", "0.7935", "1.00", "1.00", "1.00"],
        ],
    )
    assert paper.check_table7(t) == []


def test_table7_each_relation_flags():
    t = frame(T7COLS, [["Gender", "0.46", "0.24", "4.58", "0.0584", "1.69", "0.90", "2.56"]])
    got = {f["column"] for f in paper.check_table7(t)}
    # Wald != (B/SE)^2; Sig. != p(Wald = 4.58); OR != exp(B); lower CI != exp(B - 1.96 SE)
    assert got == {"Wald", "Sig.", "Odds Ratio", "CI Lower"}


def test_percent_of_n():
    t = frame(["No", "Pct", "N"], [["a", "34", "24.3", "140"], ["b", "31", "81.6", "38"]])
    assert paper.check_percent_of_n(t, [("No", "Pct", "N")], "Table 9") == []
    t.loc[1, "Pct"] = "80.6"
    assert [f["row"] for f in paper.check_percent_of_n(t, [("No", "Pct", "N")], "Table 9")] == ["b"]
    t6 = frame(["No", "Pct"], [["a", "296", "55"], ["b", "62", "12"]])
    assert paper.check_percent_of_n(t6, [("No", "Pct", 538)], "Table 6") == []
    assert len(paper.check_percent_of_n(t6, [("No", "Pct", 505)], "Table 6")) == 1  # 296/505 = 58.6


def test_table1_checks():
    t = frame(
        ["Cajamarca", "Puno", "Both regions"],
        [
            ["No. of households", "100", "106", "103"],
            ["No. of households with land", "90", "101", "96"],
            ["No. of households without land", "11", "6", "8"],
            ["Percent of communities with:", "", "", ""],
            ["Access to electricity", "15", "10", "12.5"],
            ["Access to clean water", "90", "35", "67.5"],
            ["Livestock trade", "", "25 (6)", "12.5"],
        ],
    )
    assert [f["row"] for f in paper.check_table1_both_regions(t)] == ["Access to clean water"]
    assert paper.check_table1_land(t) == []
    t.loc[2, "Both regions"] = "9"
    t.loc[1, "Both regions"] = "97"  # 97 + 9 = 106 vs 103
    assert [f["column"] for f in paper.check_table1_land(t)] == ["Both regions"]
    sizes = pd.DataFrame({"table": ["Table 3"] * 2, "group": ["Cajamarca", "Puno"], "n": [2000, 1920]})
    got = [f["column"] for f in paper.check_table1_vs_sizes(t, sizes, 4120, 20)]
    assert got == ["Puno"]


def test_table2_monotone():
    ok = frame(["Average number of assets"], [["1", "1.33"], ["2", "1.90"], ["3", "2.37"]])
    assert paper.check_table2_monotone(ok) == []
    bad = frame(["Average number of assets"], [["1", "1.33"], ["2", "1.20"]])
    assert len(paper.check_table2_monotone(bad)) == 1


def test_sample_sizes_checks():
    sizes = pd.DataFrame({"table": ["Table 6", "Table 6"], "group": ["Puno", "Cajamarca"], "n": [538, 505]})
    text = pd.DataFrame({"id": ["households_sampled"], "value": [1041.0]})
    flags = paper.check_sample_sizes({}, sizes, text)
    assert [(f["table"], f["printed"]) for f in flags] == [("Table 6", "538 + 505 = 1043")]
    text["value"] = 1043.0
    assert paper.check_sample_sizes({}, sizes, text) == []
    t7 = frame(T7COLS, [["N", "600", "", "", "", "", "", ""]])
    assert [f["table"] for f in paper.check_sample_sizes({"Table 7": t7}, sizes, text)] == ["Table 7"]


def test_logit_samples_about_the_texts_share_of_each_group():
    sizes = pd.DataFrame(
        {"table": ["Table 3", "Table 6"], "group": ["Puno", "Puno"], "n": [1000, 600]}
    )  # 40 percent poor in 1979: 400 poor, 600 not poor
    t3 = frame(T3COLS, [["Puno, 1979-2004", "10.0", "30.0", "5.0", "55.0", "40.0", "15.0"]])
    t4 = frame(LOGIT_COLS, [["N", "50", "", "", "", "", ""]])  # 12.5 percent of the 400 poor
    t5 = frame(LOGIT_COLS, [["N", "150", "", "", "", "", ""]])  # 25 percent of the 600 not poor
    tables = {"Table 3": t3, "Table 4": t4, "Table 5": t5}
    text = pd.DataFrame({"id": ["sample_fraction_per_category"], "value": [25.0]})
    flags = paper.check_sample_sizes(tables, sizes, text)
    assert [(f["table"], f["row"], f["column"], f["consistent_value"]) for f in flags] == [
        ("Table 4", "N", "Puno B", "about 100")
    ]
    text["value"] = 20.0  # "about" follows the text's share; the accepted band does not move
    assert [f["consistent_value"] for f in paper.check_sample_sizes(tables, sizes, text)] == ["about 80"]
    assert paper.check_sample_sizes(tables, sizes, text.iloc[:0]) == []  # no figure in the text: no check


def test_text_vs_tables():
    tables = {"Table 3": frame(T3COLS, [["Puno, 1994-2004", "16.1", "24.5", "5.4", "54.0", "40.6", "21.5"]])}
    links = [
        ("a", "Table 3", "Puno, 1994-2004", "Poor at the Start of the Period", None),
        ("b", "Table 3", "Puno, 1994-2004", "Escaped Poverty", None),
    ]
    text = pd.DataFrame(
        {"id": ["a", "b"], "quote_location": ["x", "y"], "value": [41.0, 24.0], "unit": ["percent", "percent"]}
    )
    assert paper.check_text_vs_tables(tables, text, links=links) == []  # 24.5 may be 24.45
    text.loc[0, "value"] = 40.0
    assert [f["consistent_value"] for f in paper.check_text_vs_tables(tables, text, links=links)] == ["40"]


# --- the paper's errata ------------------------------------------------------------------


@pytest.fixture(scope="module")
def errata():
    return paper.check_consistency()


def test_errata_columns(errata):
    assert list(errata.columns) == ["table", "row", "column", "printed", "consistent_value", "explanation"]
    assert errata["explanation"].str.len().gt(20).all()


def test_known_erratum_cajamarca_start(errata):
    hit = errata[
        (errata["table"] == "Table 3")
        & (errata["row"] == "Cajamarca, 1994-2004")
        & (errata["column"] == "Poor at the Start of the Period")
    ]
    assert "25.7" in set(hit["printed"]) and "35.7" in set(hit["consistent_value"])


def test_known_erratum_household_total(errata):
    hit = errata[(errata["table"] == "Table 3") & errata["printed"].str.contains("3868")]
    assert list(hit["consistent_value"]) == ["3817"]


def test_other_errata(errata):
    keys = set(zip(errata["table"], errata["row"], errata["column"]))
    assert ("Table 5", "Marriage expenses", "Cajamarca B") in keys
    assert ("Table 5", "Influence of relatives working outside the community", "Puno B") in keys
    assert ("Table 6", "(n)", "Puno + Cajamarca") in keys
    assert ("Table 7", "Log of land owned", "Odds Ratio") in keys
    # Rounding alone never produces an erratum: no odds ratio of Table 4 is flagged.
    assert not any(t == "Table 4" for t, _, _ in keys)


def test_errata_ordered_by_table(errata):
    nums = [int(t.split()[-1]) for t in errata["table"]]
    assert nums == sorted(nums)


def test_committed_errata_up_to_date(errata, tmp_path):
    committed = pd.read_csv(paper.data_dir() / "errata.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(committed, errata.astype(str))
    out = paper.write_errata(tmp_path / "errata.csv")
    assert out.read_bytes() == (paper.data_dir() / "errata.csv").read_bytes()


def test_text_derived():
    t = frame(
        T3COLS,
        [
            ["Both Regions, 1994-2004", "19.5", "18.6", "8.1", "53.7", "38.1", "27.6"],
            ["Both Regions, 1979-2004", "17.8", "29.4", "9.8", "43.1", "47.2", "27.6"],
        ],
    )
    text = pd.DataFrame(
        {
            "id": ["poverty_fall_10y_both", "poverty_fall_25y_both", "newly_poor_share_of_poor_min"],
            "quote_location": ["x"] * 3,
            "value": [10.0, 19.0, 33.3],
            "unit": ["points"] * 3,
        }
    )
    assert paper.check_text_derived(t, text) == []
    text.loc[1, "value"] = 21.0
    text.loc[2, "value"] = 40.0
    got = {(f["row"], f["column"]) for f in paper.check_text_derived(t, text)}
    assert got == {
        ("Both Regions, 1979-2004", "Poor at the Start of the Period"),
        ("Both Regions, 1979-2004", "Became Poor"),
    }


def test_the_papers_regions_in_the_order_of_its_tables():
    t1 = paper.wide(1)
    assert tuple(c for c in t1.columns[1:] if c != "Both regions") == paper.REGIONS_TABLES_1_3
    t3_regions = [r.rsplit(",", 1)[0] for r in paper.wide(3)["row"] if "," in r]
    assert tuple(dict.fromkeys(g for g in t3_regions if g != "Both Regions")) == paper.REGIONS_TABLES_1_3
    for n in (4, 5, 6, 8, 9):
        cols = paper.wide(n).columns[1:]
        assert tuple(dict.fromkeys(c.split()[0] for c in cols)) == paper.REGIONS_TABLES_4_9, n
    assert sorted(paper.REGIONS_TABLES_1_3) == sorted(paper.REGIONS_TABLES_4_9)


def test_every_text_link_names_a_printed_cell_and_a_text_figure():
    links = paper.text_links()
    assert list(links.columns) == ["id", "table", "row", "column", "percent_of"]
    ids = set(paper.text_figures()["id"])
    sizes = {(r.table, r.group) for r in paper.sample_sizes().itertuples()}
    assert links["id"].is_unique and set(links["id"]) <= ids
    for r in links.itertuples(index=False):
        w = paper.wide(r.table)
        assert r.column in w.columns and (w["row"] == r.row).sum() == 1, r
        assert paper.parse_printed(w.loc[w["row"] == r.row, r.column].iloc[0])[2] is not None, r
        assert not r.percent_of or (r.table, r.percent_of) in sizes, r
    # the file is what the errata are checked with: without it, no text-versus-table erratum
    text, tables = paper.text_figures(), {t: paper.wide(t) for t in paper.TABLES}
    with_links = paper.check_text_vs_tables(tables, text, paper.sample_sizes(), links)
    assert with_links and paper.check_text_vs_tables(tables, text, paper.sample_sizes(), links.iloc[:0]) == []
