"""Analysis modules (Tables 1, 4-9): hand-computed small studies and the synthetic fixture.

The tiny study below is small enough to check every number by hand; the fixture under
tests/studies/analyses (made by its make_study.py) exercises the models end to end.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
import stagesofprogress.schema  # noqa: F401  (sop.schema)
from stagesofprogress import communities as cm
from stagesofprogress import livestock as lv
from stagesofprogress import models as md
from stagesofprogress import reasons as rs
from stagesofprogress.outputs import compute_tables

FIXTURE = Path(__file__).parent / "studies" / "analyses"

# ---------------------------------------------------------------------------- a tiny study
#   stages 1..4, poor = 1..2; North: H1-H4, South: H5-H8, East (third region): H9
#   1979 -> 2004 categories: H1 escaped, H2 escaped, H3 remained_poor, H4 remained_not_poor,
#   H5 escaped, H6 became_poor, H7 remained_poor, H8 remained_not_poor, H9 escaped
HOUSEHOLDS = """\
household_id,community,region,stage_1979,stage_1994,stage_2004
H1,Alpha,North,1,2,3
H2,Alpha,North,2,3,4
H3,Beta,North,1,1,2
H4,Beta,North,3,3,4
H5,Gamma,South,2,2,3
H6,Gamma,South,3,2,1
H7,Gamma,South,1,2,2
H8,Gamma,South,4,4,4
H9,Delta,East,1,1,3
"""
STUDY_YML = """\
title: Tiny
time_points: [1979, 1994, 2004]
stages: [a, b, c, d]
poverty_cutoff: 2
reasons: {biz: Business gains, health: Health}
"""
SAMPLE = """\
household_id,male_head,age_head,land_ha,dairy_cattle,family_size,improved_breed
H1,1,30,1.0,2,4,1
H2,0,40,2.0,0,5,0
H3,1,50,0.5,1,6,0
H5,1,60,4.0,3,3,1
H6,0,35,1.0,0,7,0
H7,1,45,2.0,1,5,1
H9,0,25,1.5,2,2,0
"""
# reasons recorded per sub-period: 1979-2004 flags are their union
REASONS = """\
household_id,start,end,reason
H1,1979,1994,biz
H1,1994,2004,biz
H2,1994,2004,biz
H3,1979,1994,health
H5,1994,2004,biz
H5,1994,2004,health
H6,1979,1994,health
"""
LIVESTOCK = """\
household_id,year,species,breed,head
H1,1994,beef,indigenous,2
H1,2004,beef,indigenous,4
H1,2004,beef,improved,1
H2,2004,beef,indigenous,6
H3,1994,guinea_pigs,,10
H5,1994,beef,indigenous,3
H5,2004,guinea_pigs,,5
H9,2004,beef,indigenous,1
"""
PRODUCTION = """\
household_id,product,unit,year,quantity
H1,milk,litres/day,1994,0
H1,milk,litres/day,2004,3
H2,milk,litres/day,2004,2
H3,milk,litres/day,1994,1
H3,milk,litres/day,2004,1
H5,wool,lbs/yr,2004,8
H6,wool,lbs/yr,1994,4
"""
_ACTS = [
    "livestock_production",
    "crop_agriculture",
    "trade_livestock_products",
    "casual_labor",
    "handicrafts",
    "business",
    "livestock_trade",
]


def _communities() -> str:
    # ranks: Alpha cites livestock (1), crops (2); Beta crops (1); Gamma livestock (1), business (2);
    # Delta nothing but livestock (1)
    ranks = {
        "Alpha": {"livestock_production": 1, "crop_agriculture": 2},
        "Beta": {"crop_agriculture": 1},
        "Gamma": {"livestock_production": 1, "business": 2},
        "Delta": {"livestock_production": 1},
    }
    region = {"Alpha": "North", "Beta": "North", "Gamma": "South", "Delta": "East"}
    alt = {"Alpha": 3000, "Beta": 4000, "Gamma": 2000, "Delta": 3500}
    water = {"Alpha": 1, "Beta": 0, "Gamma": 1, "Delta": 0}
    head = [
        "community",
        "region",
        "altitude_m",
        "households_reported",
        "households_with_land",
        "households_without_land",
        "primary_schools",
        "dist_secondary_school_km",
        "dist_health_facility_km",
        "dist_trading_center_km",
        "area",
        "pct_income_livestock",
        "clean_water",
        "telephone",
        "electricity",
        "regular_transport",
        "veterinary",
        "road_months",
    ]
    head += [f"act_{a}" for a in _ACTS] + [f"rank_{a}" for a in _ACTS]
    lines = [",".join(head)]
    for c in ranks:
        row = [c, region[c], alt[c], 10, 8, 2, 1, 1.5, 2.5, 3.5, 100, 50, water[c], 0, 0, 1, 1, 12]
        row += [int(a in ranks[c]) for a in _ACTS] + [ranks[c].get(a, "") for a in _ACTS]
        lines.append(",".join(map(str, row)))
    return "\n".join(lines) + "\n"


def _complete(text: str, table: str) -> str:
    """Add the contract's other columns of `table`, blank (they are optional values)."""
    df = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    for c in sop.schema.TABLES[table].columns:
        if c.name not in df.columns:
            df[c.name] = ""
    return df.to_csv(index=False)


def tiny(tmp_path: Path, **overrides) -> sop.Study:
    files = {
        "study.yml": STUDY_YML,
        "households.csv": HOUSEHOLDS,
        "sample.csv": _complete(SAMPLE, "sample"),
        "reasons.csv": REASONS,
        "livestock.csv": LIVESTOCK,
        "production.csv": PRODUCTION,
        "communities.csv": _communities(),
    }
    files.update(overrides)
    for name, text in files.items():
        if text is not None:
            (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return sop.load_study(tmp_path)


@pytest.fixture
def study(tmp_path):
    return tiny(tmp_path)


@pytest.fixture(scope="module")
def fixture_study():
    return sop.load_study(FIXTURE)


# ---------------------------------------------------------------------------- reasons


def test_reason_flags_exact_period_and_union_of_sub_periods(study):
    f = rs.reason_flags(study, 1994, 2004)
    assert list(f.index) == ["H1", "H2", "H3", "H5", "H6", "H7", "H9"]  # sample.csv order
    assert list(f.columns) == ["biz", "health"]  # study.yml order
    assert f.loc["H1"].tolist() == [1, 0] and f.loc["H5"].tolist() == [1, 1] and f.loc["H7"].tolist() == [0, 0]
    # no 1979-2004 rows: a reason counts if cited in either sub-period, once
    u = rs.reason_flags(study, 1979, 2004)
    assert u.loc["H1"].tolist() == [1, 0] and u.loc["H3"].tolist() == [0, 1] and u.loc["H6"].tolist() == [0, 1]
    assert u.to_numpy().max() == 1


def test_reason_shares_hand_computed(study):
    t = rs.reason_shares(study, [(1979, 2004)])
    assert list(t.columns) == ["start", "end", "group", "category", "reason", "label", "households", "base", "percent"]
    assert list(pd.unique(t["group"])) == ["North", "South", "East", "All"]
    esc = t[(t["category"] == "escaped") & (t["reason"] == "biz")].set_index("group")
    # escaped & sampled: North H1, H2 (both biz); South H5 (biz); East H9 (none); All 4 -> 3
    assert esc.loc["North", ["households", "base"]].tolist() == [2, 2]
    assert esc.loc["All", "percent"] == pytest.approx(75.0)
    assert esc.loc["East", "percent"] == 0.0
    assert esc.loc["North", "label"] == "Business gains"
    assert rs.reason_share(study, "health", "remained_poor", 1979, 2004, "North") == pytest.approx(100.0)  # H3
    # categories absent from the sample do not appear (H4, H8 were not sampled)
    assert "remained_not_poor" not in set(t["category"])


def test_reasons_missing_table_raises_naming_the_file(tmp_path):
    s = tiny(tmp_path, **{"reasons.csv": None})
    with pytest.raises(KeyError, match="reasons.csv"):
        rs.reason_flags(s, 1979, 2004)


# ---------------------------------------------------------------------------- livestock


def test_holdings_counts_and_percent_of_sampled(study):
    h = lv.holdings(study).set_index(["group", "item", "year"])
    # sampled per region: North 3 (H1-H3), South 3 (H5-H7), East 1; items in order of appearance
    assert list(pd.unique(h.index.get_level_values("item"))) == ["Beef indigenous", "Beef improved", "Guinea pigs"]
    assert h.loc[("North", "Beef indigenous", 2004), "households"] == 2
    assert h.loc[("North", "Beef indigenous", 2004), "percent"] == pytest.approx(200 / 3)
    assert h.loc[("South", "Beef indigenous", 1994), "base"] == 3
    assert h.loc[("All", "Beef indigenous", 2004), "households"] == 3  # H1, H2, H9
    assert h.loc[("East", "Guinea pigs", 1994), "households"] == 0


def test_herd_sizes_of_escaped_households(study):
    # default period = the livestock years, 1994-2004 (poor = 1..2): H1 2->3, H5 2->3 and H9 1->3
    # escaped; H2 3->4 stayed not poor
    t = lv.herd_sizes(study).set_index(["group", "item", "year"])
    assert t.loc[("North", "Beef indigenous", 1994), ["mean", "valid_n", "n"]].tolist() == [2.0, 1, 1]
    assert t.loc[("North", "Beef indigenous", 2004), "mean"] == 4.0
    assert t.loc[("All", "Beef indigenous", 2004), "mean"] == pytest.approx(2.5)  # H1 4, H9 1
    assert (
        np.isnan(t.loc[("East", "Guinea pigs", 2004), "mean"]) and t.loc[("East", "Guinea pigs", 2004), "valid_n"] == 0
    )


def test_new_activities_hand_computed(study):
    t = lv.new_activities(study).set_index(["group", "label"])
    assert list(pd.unique(t.index.get_level_values("label"))) == ["Milk prod litres/day", "Wool prod lbs/yr"]
    # North milk now: H1 (new: 0 then), H2 (new: no row then), H3 (old) -> 2 of 3
    assert t.loc[("North", "Milk prod litres/day"), ["households", "valid_n"]].tolist() == [2, 3]
    assert t.loc[("North", "Milk prod litres/day"), "percent"] == pytest.approx(200 / 3)
    assert t.loc[("South", "Wool prod lbs/yr"), ["households", "valid_n"]].tolist() == [1, 1]
    assert np.isnan(t.loc[("East", "Wool prod lbs/yr"), "percent"])


def test_livestock_tables_follow_the_study_order(tmp_path):
    yml = (
        STUDY_YML
        + "livestock:\n  years: [1994, 2004]\n  items: [[guinea_pigs, ''], beef improved]\n  products: [wool]\n"
    )
    s = tiny(tmp_path, **{"study.yml": yml})
    h = lv.holdings(s)
    assert list(pd.unique(h["item"])) == ["Guinea pigs", "Beef improved", "Beef indigenous"]
    assert list(pd.unique(lv.new_activities(s)["product"])) == ["wool", "milk"]


# ---------------------------------------------------------------------------- communities


def test_communities_summary_means_percents_and_borda_ranks(study):
    s = cm.communities_summary(study)
    assert list(pd.unique(s["group"])) == ["North", "South", "East", "Both regions"]
    v = s.set_index(["label", "group"])
    assert v.loc[("Altitude (m)", "North"), "value"] == 3500
    assert v.loc[("Altitude (m)", "Both regions"), "value"] == 3125
    assert v.loc[("Access to clean water", "North"), "value"] == 50.0
    assert v.loc[("Access to clean water", "Both regions"), "printed"] == "50"
    # North: livestock score 7 (Alpha rank 1 -> 8-1), crops 6 + 7 = 13 -> crops (1), livestock (2)
    assert v.loc[("Crop agriculture", "North"), "rank"] == 1
    assert v.loc[("Livestock production", "North"), "rank"] == 2
    assert v.loc[("Livestock production", "North"), "printed"] == "50 (2)"
    # Both: livestock 3 x 7 = 21, crops 13, business 6
    assert v.loc[("Livestock production", "Both regions"), ["value", "rank"]].tolist() == [75.0, 1]
    assert v.loc[("Business", "Both regions"), "rank"] == 3
    # an activity nobody in the group cites: 0 percent, no rank, printed blank (as the paper)
    assert v.loc[("Business", "North"), "value"] == 0 and pd.isna(v.loc[("Business", "North"), "rank"])
    assert v.loc[("Business", "North"), "printed"] == ""


def test_activity_rank_ties_break_on_citing_then_column_order(tmp_path):
    s = tiny(tmp_path)
    r = cm.activity_ranks(s).set_index(["group", "activity"])
    # East: only livestock cited; every uncited activity has score 0 and no rank
    assert r.loc[("East", "livestock_production"), "rank"] == 1
    assert r.loc[("East", "handicrafts"), "rank"] is pd.NA


# ---------------------------------------------------------------------------- models


MODELS_YML = (
    STUDY_YML
    + """\
models:
  escape:
    table: Table 4
    period: [1979, 2004]
    outcome: {1: escaped, 0: remained_poor}
    by: region
    regions: [South, North]
    groups:
      - heading: Reasons
        variables:
          - {name: biz, label: Business gains, regions: [North]}
      - heading: Household
        variables:
          - {name: age_head, label: Age (squared), transform: square}
          - {name: land_ha, label: Land (log), transform: log}
"""
)


def test_design_matrix_outcome_transforms_and_regions(tmp_path):
    s = tiny(tmp_path, **{"study.yml": MODELS_YML})
    spec = md.model_specs(s)["escape"]
    d = md.design_matrix(s, spec)
    # poor in 1979 and sampled: H1 (esc), H2 (esc), H3 (stayed), H5 (esc), H7 (stayed), H9 (esc)
    assert list(d.index) == ["H1", "H2", "H3", "H5", "H7", "H9"]
    assert d.loc[["H1", "H3"], md.OUTCOME].tolist() == [1.0, 0.0]
    assert d.loc["H2", "age_head_squared"] == 1600
    assert d.loc["H3", "log_land_ha"] == pytest.approx(np.log(0.5))
    assert d.loc["H1", "biz"] == 1 and np.isnan(d.loc["H5", "biz"])  # biz only enters North's model


def test_outcome_forms():
    assert md._outcome({"outcome": "escaped"}) == ("category", "escaped", "remained_poor")
    assert md._outcome({"outcome": {1: "became_poor", 0: "remained_not_poor"}}) == (
        "category",
        "became_poor",
        "remained_not_poor",
    )
    assert md._outcome({"outcome": "improved_breed"}) == ("column", "improved_breed", None)
    with pytest.raises(ValueError, match="transform"):
        md.term_name("x", "cube")


def test_unknown_variable_is_named(tmp_path):
    yml = MODELS_YML.replace("name: biz", "name: bizz")
    # the gate refuses it before any model is designed, naming the line and the likely spelling
    with pytest.raises(sop.StudyError, match=r"the variable 'bizz' is neither a reason code.*misspelling of 'biz'"):
        tiny(tmp_path, **{"study.yml": yml})


def test_fixture_models_fit_per_region_in_declared_order(fixture_study):
    fits = md.fit_models(fixture_study)
    assert list(fits) == ["escape", "descent", "improved_breeds"]
    esc = fits["escape"]
    assert list(esc.results) == ["Highland", "Valley"]
    # off-farm diversification enters the Valley model only
    assert "offfarm_div" not in esc.results["Highland"].predictors
    assert "offfarm_div" in esc.results["Valley"].predictors
    # the result is the same as calling logit on the design matrix directly
    d = esc.data["Valley"]
    direct = sop.logit(d, md.OUTCOME, [c for c in d.columns if c != md.OUTCOME])
    assert np.allclose(direct.coef.to_numpy(), esc.results["Valley"].coef.to_numpy())
    from stagesofprogress.logit_report import fit_table

    t = fit_table(esc)
    assert ("Valley", "B") in t.columns and "Business gains" in t.index
    spss = fits["improved_breeds"]
    assert spss.layout == "spss" and list(spss.results) == ["Highland"]
    assert not spss.results["Highland"].robust
    assert list(fit_table(spss).columns)[:2] == ["B", "S.E."]


def test_generic_models_use_reasons_cited_by_five_percent(fixture_study, monkeypatch):
    meta = {k: v for k, v in fixture_study.meta.items() if k != "models"}
    monkeypatch.setattr(fixture_study, "meta", meta)
    specs = md.model_specs(fixture_study)
    assert list(specs) == ["escape", "descent"]
    names = {v["name"] for v in md.variables(specs["escape"])}
    assert {"business", "health"} <= names
    flags = rs.reason_flags(fixture_study, 1979, 2004)
    cat = sop.movement_categories(fixture_study, 1979, 2004).reindex(flags.index)
    region = fixture_study.households.set_index("household_id")["region"].reindex(flags.index)
    for v in md.variables(specs["escape"]):
        for g in v["regions"]:
            keep = cat.isin(["escaped", "remained_poor"]).to_numpy() & (region == g).to_numpy()
            assert flags.loc[keep, v["name"]].mean() >= 0.05


def test_models_without_sample_raise(tmp_path):
    s = tiny(tmp_path, **{"sample.csv": None, "reasons.csv": None, "livestock.csv": None, "production.csv": None})
    with pytest.raises(KeyError, match="sample.csv"):
        md.model_specs(s)


# ---------------------------------------------------------------------------- producers


def test_producers_write_every_analysis_table(fixture_study):
    tables = compute_tables(fixture_study)
    for name in [
        "communities_summary.csv",
        "reason_shares.csv",
        "livestock_holdings.csv",
        "herd_sizes.csv",
        "new_activities.csv",
        "scorecard.csv",
        "scorecard_summary.csv",
    ]:
        assert name in tables, name
    for m in ["escape", "descent", "improved_breeds"]:
        assert f"logit_{m}.csv" in tables and f"logit_{m}_paper.csv" in tables
    assert list(tables["scorecard.csv"].columns) == ["table", "row", "column", "paper", "reproduced", "tolerance", "ok"]


def test_producers_give_nothing_without_the_optional_tables():
    s = sop.load_study(Path(__file__).parents[1] / "data" / "example")
    tables = compute_tables(s)
    assert not any(
        n.startswith(("communities", "reason", "logit_", "livestock", "herd", "new_", "scorecard")) for n in tables
    )


# ---------------------------------------------------------------------------- vectorized = naive


def test_reason_shares_match_a_naive_count(fixture_study):
    s = fixture_study
    t = rs.reason_shares(s, [(1994, 2004)])
    flags = rs.reason_flags(s, 1994, 2004)
    cat = sop.movement_categories(s, 1994, 2004)
    region = s.households.set_index("household_id")["region"]
    for r in t.sample(25, random_state=0).itertuples():
        ids = [h for h in flags.index if cat[h] == r.category and (r.group == "All" or region[h] == r.group)]
        assert r.base == len(ids)
        assert r.households == sum(flags.loc[h, r.reason] for h in ids)


def test_holdings_and_herds_match_a_naive_count(fixture_study):
    s = fixture_study
    raw = s.table("livestock")
    region = s.households.set_index("household_id")["region"]
    sampled = set(s.table("sample")["household_id"])
    h = lv.holdings(s).set_index(["group", "item", "year"])
    for g, sp, br, y in [("Valley", "sheep", "indigenous", 1994), ("Highland", "alpacas", "", 2004)]:
        rows = raw[(raw["species"] == sp) & (raw["breed"].fillna("") == br) & (raw["year"] == y)]
        owners = {i for i in rows["household_id"] if i in sampled and region[i] == g}
        item = lv.display(sp) + (f" {br}" if br else "")
        assert h.loc[(g, item, y), "households"] == len(owners)
    cat = sop.movement_categories(s, 1994, 2004)
    esc = raw[
        raw["household_id"].map(lambda i: cat[i] == "escaped")
        & (raw["species"] == "beef")
        & (raw["breed"] == "improved")
    ]
    esc = esc[esc["household_id"].map(region) == "Valley"]
    t = lv.herd_sizes(s).set_index(["group", "item", "year"])
    for y in (1994, 2004):
        heads = esc[esc["year"] == y]["head"]
        assert t.loc[("Valley", "Beef improved", y), "valid_n"] == len(heads)
        assert t.loc[("Valley", "Beef improved", y), "mean"] == pytest.approx(heads.mean())
