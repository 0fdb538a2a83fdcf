"""The reproduction scorecard: its shape, every tolerance rule (passing and failing), errata,
stars, Table 1 ranks, text figures, and the fixture's deliberate misprints."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import stagesofprogress as sop
from stagesofprogress.outputs import compute_tables
from stagesofprogress.replication.kristjanson2007 import scorecard as sc
from stagesofprogress.replication.kristjanson2007.scorecard import (
    COLUMNS,
    Judgement,
    _judge,
    judge_abs,
    judge_bracket,
    judge_coef,
    judge_exact,
    judge_logit_cell,
    judge_printed,
    judge_rel,
    norm,
    scorecard_summary,
    stars_consistent,
)

FIXTURE = Path(__file__).parent / "studies" / "analyses"


@pytest.fixture(scope="module")
def study():
    return sop.load_study(FIXTURE)


@pytest.fixture(scope="module")
def card(study):
    return sc.scorecard(study)


# ---------------------------------------------------------------------------- shape


def test_exact_columns_and_one_row_per_published_cell(card):
    assert list(card.columns) == COLUMNS == ["table", "row", "column", "paper", "reproduced", "tolerance", "ok"]
    assert card["ok"].dtype == bool
    n = 0
    for t in ["table2", "table3", "table4", "table6", "table7"]:
        w = pd.read_csv(FIXTURE / "paper" / f"{t}.csv", dtype=str, keep_default_na=False)
        n += int((w.iloc[:, 1:] != "").to_numpy().sum())  # printed cells; headings have none
    text = pd.read_csv(FIXTURE / "paper" / "text_figures.csv")
    n_text = len(text) - 1  # the Aymara figure has no recipe: not scored
    n_sizes = len(pd.read_csv(FIXTURE / "paper" / "sample_sizes.csv"))
    assert len(card) == n + n_text + n_sizes
    assert (card["table"] == "Text").sum() == n_text
    assert "puno_aymara_communities" not in set(card["row"])
    assert not card.duplicated(["table", "row", "column"]).any()


def test_paper_is_the_printed_text_and_reproduced_is_computed(card, study):
    cell = card[
        (card["table"] == "Table 4") & (card["row"] == "Business gains") & (card["column"] == "Highland B")
    ].iloc[0]
    assert cell["paper"].endswith("**") and cell["paper"].startswith("1.7")
    fit = sop.fit_model(study, "escape")
    assert cell["reproduced"] == pytest.approx(fit.results["Highland"].coef["business"])
    t3 = card[
        (card["table"] == "Table 3")
        & (card["row"] == "Both Regions, 1979-2004")
        & (card["column"] == "Escaped Poverty")
    ]
    assert t3["reproduced"].iloc[0] == pytest.approx(sop.movement_summary(study, 1979, 2004).loc["All", "escaped"])


def test_summary_per_table_and_all(card):
    s = scorecard_summary(card)
    assert list(s.columns) == ["table", "cells", "ok", "share_ok"]
    assert list(s["table"]) == ["Table 2", "Table 3", "Table 4", "Table 6", "Table 7", "Text", "All"]
    assert s.set_index("table").loc["All", "cells"] == len(card)
    assert s.set_index("table").loc["All", "ok"] == int(card["ok"].sum())
    t3 = s.set_index("table").loc["Table 3"]
    assert (t3["cells"], t3["ok"]) == (38, 37)  # 36 printed cells and 2 header sizes; one misprint
    assert t3["share_ok"] == pytest.approx(37 / 38)


# ---------------------------------------------------------------------------- the fixture's misprints


def _cell(card, table, row, column):
    hit = card[(card["table"] == table) & (card["row"] == row) & (card["column"] == column)]
    assert len(hit) == 1, (table, row, column)
    return hit.iloc[0]


def test_misprint_fails_at_printed_precision(card):
    c = _cell(card, "Table 3", "Highland, 1979-2004", "Escaped Poverty")
    assert not c["ok"] and "printed precision" in c["tolerance"]


def test_errata_value_is_used_and_said(card):
    c = _cell(card, "Table 3", "Valley, 1994-2004", "Became Poor")
    assert c["ok"] and "errata" in c["tolerance"]
    assert abs(float(c["paper"]) - c["reproduced"]) > 9  # the printed value itself is far off


def test_logit_failures_se_and_n(card):
    assert not _cell(card, "Table 4", "Dairy cattle", "Highland SE")["ok"]
    n = _cell(card, "Table 4", "N", "Valley B")
    assert not n["ok"] and n["tolerance"] == "exact"


def test_stars_that_disagree_with_the_papers_b_and_se_are_not_judged(card):
    c = _cell(card, "Table 4", "Gender", "Valley B")
    assert c["paper"].endswith("***") and c["ok"] and "stars not judged" in c["tolerance"]
    assert "stars must match" in _cell(card, "Table 4", "Business gains", "Highland B")["tolerance"]


def test_spss_table_has_no_star_rule_and_judges_sig(card):
    t7 = card[card["table"] == "Table 7"]
    assert t7["ok"].all()
    assert "no stars printed" in _cell(card, "Table 7", "Gender", "B")["tolerance"]
    assert "bracket" in _cell(card, "Table 7", "Gender", "Sig.")["tolerance"]


def test_group_sizes_in_headers_are_exact_cells(card, study):
    sizes = card[card["row"] == "n"].set_index(["table", "column"])
    assert sizes.loc[("Table 3", "Highland"), "ok"]
    assert sizes.loc[("Table 3", "Highland"), "reproduced"] == (study.households["region"] == "Highland").sum()
    assert not sizes.loc[("Table 6", "Valley"), "ok"]  # the fixture's misprint


def test_text_figures(card):
    assert _cell(card, "Text", "n_stages", "All communities")["ok"]
    assert _cell(card, "Text", "escaped_25y_highland", "All households, Highland, 1979-2004")["ok"]
    bad = _cell(card, "Text", "poor_2004_both", "All households, both regions, 2004")
    assert not bad["ok"] and bad["tolerance"] == "within 1 (percent)"
    bound = _cell(card, "Text", "correctly_predicted_min", "Tables 4 and 5")
    assert bound["ok"] and "lower bound" in bound["tolerance"]


# ---------------------------------------------------------------------------- rules, by hand


def test_printed_precision():
    assert judge_printed(12.84, 12.8, 1).ok
    assert judge_printed(12.85, 12.8, 1).ok  # exactly half a unit: still rounds to it
    assert not judge_printed(12.86, 12.8, 1).ok
    assert judge_printed(2879.4, 2879, 0).ok and not judge_printed(2879.6, 2879, 0).ok
    assert not judge_printed(math.nan, 12.8, 1).ok
    # a printed "-": nothing to compare, the reproduced cell must be blank too
    assert judge_printed(math.nan, math.nan, None).ok and not judge_printed(2.0, math.nan, None).ok


def test_errata_consistent_value_replaces_printed():
    j = judge_printed(35.71, 25.7, 1, consistent=35.7)
    assert j.ok and "consistent value 35.7" in j.tolerance
    assert not judge_printed(25.7, 25.7, 1, consistent=35.7).ok


def test_judge_against_printed_or_errata_candidates():
    rep = {"value": 35.7}
    assert _judge("Table 3", "r", "c", "25.7", rep, None, set(), ["35.7", "36"]).ok
    assert not _judge("Table 3", "r", "c", "25.7", {"value": 30.0}, None, set(), ["35.7", "36"]).ok
    # consistent values are judged at the printed cell's precision (one decimal here), not their own
    assert not _judge("Table 3", "r", "c", "25.7", {"value": 35.9}, None, set(), ["35.7", "36"]).ok
    assert _judge("Table 3", "r", "c", "9.8", {"value": 9.9276}, None, set(), ["9.94"]).ok


def test_table1_rank_is_judged_in_the_same_cell():
    assert _judge("Table 1", "Crop", "Puno", "55 (3)", {"value": 55.0, "rank": 3}, None, set(), []).ok
    wrong = _judge("Table 1", "Crop", "Puno", "55 (3)", {"value": 55.0, "rank": 2}, None, set(), [])
    assert not wrong.ok and "rank (3)" in wrong.tolerance
    assert not _judge("Table 1", "Crop", "Puno", "55 (3)", {"value": 55.0, "rank": None}, None, set(), []).ok


def test_stars_consistency_by_hand():
    assert stars_consistent(2.51, 0.87, "***")  # z = 2.9, p = 0.004
    assert stars_consistent(0.36, 0.82, "")
    # the paper's own errata: 1.57/0.73 can only give **, -1.16/0.62 only *
    assert not stars_consistent(1.57, 0.73, "***") and stars_consistent(1.57, 0.73, "**")
    assert not stars_consistent(-1.16, 0.62, "**") and stars_consistent(-1.16, 0.62, "*")
    # near a threshold, rounding allows either level: 1.96 SE away
    assert stars_consistent(0.98, 0.50, "**") and stars_consistent(0.98, 0.50, "*")


def test_coefficient_rule():
    assert judge_coef(2.54, "***", 2.51, "***", 0.87).ok
    assert not judge_coef(2.57, "***", 2.51, "***", 0.87).ok  # B off by 0.06
    miss = judge_coef(2.51, "**", 2.51, "***", 0.87)
    assert not miss.ok and "stars must match (***)" in miss.tolerance
    # the paper's stars disagree with its B and SE: B alone decides
    j = judge_coef(1.57, "**", 1.57, "***", 0.73)
    assert j.ok and "not judged" in j.tolerance
    assert judge_coef(0.5, "***", 0.5, "", 0.2, stars_printed=False).ok


def test_relative_rules_and_their_floor():
    assert judge_rel(1.0, 0.87, 0.15, 2).ok  # 0.87 * 1.15 = 1.0005
    assert not judge_rel(1.01, 0.87, 0.15, 2).ok
    assert judge_rel(0.004, 0.00, 0.15, 2).ok  # a printed 0.00 allows half a unit
    assert not judge_rel(0.006, 0.00, 0.15, 2).ok
    assert judge_rel(107.5, 97.80, 0.10, 2).ok and not judge_rel(108.0, 97.80, 0.10, 2).ok


def test_fit_statistic_rules():
    cell = lambda row, v, target, d=2: judge_logit_cell(row, "Puno B", {"value": v}, target, "", d, None)  # noqa: E731
    assert (
        cell("Pseudo R-square (McFadden's)", 0.53, 0.50).ok and not cell("Pseudo R-square (McFadden's)", 0.54, 0.50).ok
    )
    assert cell("% Correctly Predicted: Escaping poverty", 87.6, 90.5, 1).ok
    assert not cell("% Correctly Predicted: Escaping poverty", 87.4, 90.5, 1).ok
    assert cell("Wald chi2", 88.1, 97.80).ok and not cell("Wald chi2", 87.9, 97.80).ok
    assert cell("N", 290, 290, 0).ok and not cell("N", 289, 290, 0).ok
    assert cell("Wald df", 27, 27, 0).ok and not cell("Wald df", 26, 27, 0).ok
    assert cell("Log pseudolikelihood", -89.9, -85.80).ok and not cell("Log pseudolikelihood", -90.2, -85.80).ok
    assert cell("Prob >chi2", 0.0004, 0.000, 3).ok and not cell("Prob >chi2", 0.002, 0.000, 3).ok


def test_other_logit_cells():
    c = lambda column, v, target, d=2: judge_logit_cell("Gender", column, {"value": v}, target, "", d, None)  # noqa: E731
    assert c("Puno Odds Ratio", 1.95, 1.86).ok and not c("Puno Odds Ratio", 1.96, 1.86).ok
    assert c("Sig.", 0.04, 0.0316, 4).ok and not c("Sig.", 0.06, 0.0316, 4).ok
    assert c("CI Upper", 2.9, 2.56).ok and not c("CI Upper", 3.0, 2.56).ok
    assert c("Wald", 3.9, 3.58).ok and not c("Wald", 4.0, 3.58).ok


def test_small_helpers():
    assert judge_exact(27.0, 27).ok and not judge_exact(27.4, 27).ok
    assert judge_bracket(0.009, 0.0045).ok and not judge_bracket(0.011, 0.0045).ok
    assert judge_abs(1.0, 1.03, 0.03).ok
    assert norm("Alpacas fiber prod lbs/yr") == norm("Alpaca fiber prod lbs/yr")
    assert isinstance(judge_abs(1, 1, 0), Judgement)


# ---------------------------------------------------------------------------- without a paper


def test_no_paper_raises_directly_and_produces_nothing(tmp_path):
    s = sop.load_study(Path(__file__).parents[1] / "data" / "example")
    with pytest.raises(KeyError, match="paper"):
        sc.scorecard(s)
    assert "scorecard.csv" not in compute_tables(s)


# ---------------------------------------------------------------------------- text figures' rules are data

PAPER = Path(__file__).resolve().parents[1] / "data" / "paper"
PERU = Path(__file__).resolve().parents[1] / "data" / "peru2004"


def test_text_rules_of_a_few_figures_are_written_in_the_transcription():
    from stagesofprogress.replication.kristjanson2007.text_scoring import RULE_COLUMNS, text_rules

    rules = text_rules(PAPER).set_index("id")[RULE_COLUMNS]
    blank = dict.fromkeys(RULE_COLUMNS, "")
    assert rules.loc["escaped_10y_puno"].to_dict() == {
        **blank,
        **{"measure": "movement", "region": "Puno", "category": "escaped", "period": "1994-2004"},
        **{"comparison": "equal", "tolerance": "1"},
    }
    assert rules.loc["newly_poor_share_of_poor_min"].to_dict() == {
        **blank,
        **{"measure": "newly_poor_share", "region": "all", "period": "1979-2004", "comparison": "at least"},
    }
    assert rules.loc["livestock_income_share_puno"].to_dict() == {
        **blank,
        **{"measure": "community_mean", "variable": "pct_income_livestock", "region": "Puno"},
        **{"comparison": "approximately", "tolerance": "5"},
    }
    assert rules.loc["or_gender_improved_breeds"].to_dict() == {
        **blank,
        **{"measure": "odds_ratio", "table": "Table 7", "variable": "male_head"},
        **{"comparison": "equal", "tolerance": "1"},
    }
    assert rules.loc["herd_llamas_2004_puno"].to_dict() == {
        **blank,
        **{"measure": "herd_mean", "variable": "llamas", "region": "Puno", "category": "escaped", "period": "2004"},
        **{"comparison": "equal", "tolerance": "1"},
    }
    assert rules.loc["puno_aymara_communities"].to_dict() == {
        **blank,
        "not_scored": "languages are not part of the contract",
    }
    # every figure is either scored by a rule or says why not
    assert ((rules["measure"] != "") ^ (rules["not_scored"] != "")).all()


def test_peru2004_text_verdicts_follow_the_written_rules():
    """The replica's text figures as judged before the rules became data (pinned on a few figures)."""
    from stagesofprogress.replication.kristjanson2007.text_scoring import text_cells

    cells = text_cells(sop.load_study(PERU), PAPER).set_index("row")
    assert len(cells) == len(pd.read_csv(PAPER / "text_figures.csv")) - 4  # four figures are not scored
    assert cells.loc["escaped_10y_puno", "tolerance"] == "within 1 (percent)" and cells.loc["escaped_10y_puno", "ok"]
    bound = cells.loc["newly_poor_share_of_poor_min"]
    assert bound["tolerance"] == "at least 33.3 (a lower bound)" and bound["ok"] and bound["reproduced"] > 33.3
    rough = cells.loc["livestock_income_share_puno"]
    assert rough["tolerance"] == "within 5 (percent; the text calls the figure approximate)" and rough["ok"]
    assert cells.loc["or_gender_improved_breeds", "tolerance"] == "within 1 (odds ratio)"
    assert not cells.loc["households_total", "ok"]  # the replica keeps Table 3's sizes, not the text's 3,817
    assert set(cells.index[~cells["ok"]]) == {"households_total", "households_sampled"}


def _paper_copy(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "paper"
    folder.mkdir()
    for f in FIXTURE.joinpath("paper").glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    t = pd.read_csv(folder / "text_figures.csv", dtype=str, keep_default_na=False)
    edit(t).to_csv(folder / "text_figures.csv", index=False)
    return folder


def test_the_rule_not_the_sentence_decides(tmp_path, study, card):
    def reword(t):
        t["statement"] = "more than roughly approximately"  # words that once changed the rule
        t.loc[t["id"] == "poor_2004_both", "comparison"] = "at least"
        t.loc[t["id"] == "poor_2004_both", "tolerance"] = ""
        return t

    got = sc.text_cells(study, _paper_copy(tmp_path, reword)).set_index("row")
    before = card[card["table"] == "Text"].set_index("row")
    assert got.loc["escaped_25y_highland", "tolerance"] == before.loc["escaped_25y_highland", "tolerance"]
    assert got.loc["n_stages", "tolerance"] == "within 1 (stages)"
    assert got.loc["poor_2004_both", "tolerance"] == "at least 99 (a lower bound)"
    assert not got.loc["poor_2004_both", "ok"]


def test_bad_rules_are_all_reported_with_row_and_column(tmp_path, study):
    from stagesofprogress.replication.kristjanson2007.text_scoring import TextRuleError

    def spoil(t):
        t.loc[0, "measure"] = "stage_count"
        t.loc[1, "region"] = ""
        t.loc[1, "period"] = "1979"
        t.loc[2, "comparison"] = "close to"
        t.loc[3, "comparison"] = "equal"
        t.loc[3, "tolerance"] = "-1"
        t.loc[4, "not_scored"] = ""
        return t

    with pytest.raises(TextRuleError) as err:
        sc.text_cells(study, _paper_copy(tmp_path, spoil))
    lines = str(err.value).splitlines()
    assert lines == [
        "text_figures.csv, row 2, column measure: unknown measure 'stage_count' (expected one of "
        + str(err.value).split("(expected one of ", 1)[1].split(")", 1)[0]
        + ")",
        "text_figures.csv, row 3, column region: measure movement needs a region",
        "text_figures.csv, row 3, column period: measure movement needs a period of two years such as 1994-2004, "
        "not '1979'",
        "text_figures.csv, row 4, column comparison: comparison 'close to' is not one of equal, approximately, at least",
        "text_figures.csv, row 5, column tolerance: comparison equal needs a tolerance >= 0, not '-1'",
        "text_figures.csv, row 6, column measure: no measure and no not_scored reason",
    ]


def test_text_figures_without_rule_columns_are_not_scored(tmp_path, study):
    folder = _paper_copy(tmp_path, lambda t: t[["id", "quote_location", "statement", "value", "unit", "scope"]])
    assert sc.text_cells(study, folder).empty
    card = sc.scorecard(study, folder)
    assert (card["table"] != "Text").all() and len(card)


def test_judge_text_by_hand():
    from stagesofprogress.replication.kristjanson2007.text_scoring import judge_text

    assert judge_text(19.6, 19, "equal", 1, "percent") == Judgement(True, "within 1 (percent)")
    assert not judge_text(20.2, 19, "equal", 1, "percent").ok
    assert judge_text(71, 75, "approximately", 5, "percent").ok
    assert not judge_text(69.9, 75, "approximately", 5, "percent").ok
    assert judge_text(33.3, 33.3, "at least", 0, "percent") == Judgement(True, "at least 33.3 (a lower bound)")
    assert not judge_text(33.2, 33.3, "at least", 0, "percent").ok
    assert not judge_text(math.nan, 1, "equal", 1, "ratio").ok and not judge_text(math.nan, 1, "at least", 0, "").ok
