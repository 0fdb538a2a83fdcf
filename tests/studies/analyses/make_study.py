"""Write the small synthetic study used by tests/test_analyses.py and tests/test_scorecard.py.

Deterministic (fixed seed); rerun with `python tests/studies/analyses/make_study.py` after
changing the contract. Two regions with made-up names (so nothing assumes Peru), 3 time
points, 9 stages with a cutoff at 4, a 50% sample with reasons, livestock and production.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20070118)

REGIONS = {"Highland": ["Ayllu Norte", "Ayllu Sur"], "Valley": ["Rio Bajo", "Loma Alta", "El Llano"]}
N_PER_COMMUNITY = 70
STAGES = 9
CUTOFF = 4
REASONS = {
    "business": "Business gains",
    "livestock_div": "Livestock diversification",
    "offfarm_div": "Non-agricultural/off-farm diversification",
    "health": "Health",
    "land_division": "Land division",
    "rare_event": "A rarely cited reason",
}


def households() -> pd.DataFrame:
    rows = []
    k = 0
    for region, comms in REGIONS.items():
        for c in comms:
            for _ in range(N_PER_COMMUNITY):
                k += 1
                s79 = int(RNG.integers(1, STAGES + 1))
                s94 = int(np.clip(s79 + RNG.integers(-2, 4), 1, STAGES))
                s04 = int(np.clip(s94 + RNG.integers(-2, 4), 1, STAGES))
                rows.append((f"H{k:04d}", c, region, s79, s94, s04, max(0, s04 // 2 + int(RNG.integers(-1, 2)))))
    df = pd.DataFrame(rows, columns=["household_id", "community", "region", "stage_1979", "stage_1994", "stage_2004", "assets"])
    df.loc[[3, 17], "stage_1979"] = pd.NA  # two unknown stages, as in real studies
    return df


STUDY_YML = """\
# Written by make_study.py: a small synthetic study for the analysis tests (not field data).
title: "Analyses fixture: five fictional villages in two regions"
time_points: [1979, 1994, 2004]
stages: [Food, Clothes, Roof, Small animals, School, Land, Cattle, Shop, Town house]
poverty_cutoff: 4
synthetic: true
top_stage: 8
reasons:
  business: Business gains
  livestock_div: Livestock diversification
  offfarm_div: Non-agricultural/off-farm diversification
  health: Health
  land_division: Land division
  rare_event: A rarely cited reason
livestock:
  years: [1994, 2004]
  items: [beef indigenous, beef improved, sheep indigenous, alpacas, guinea_pigs]
  products: [milk, wool, eggs]
models:
  escape:
    table: Table 4
    period: [1979, 2004]
    outcome: escaped
    by: region
    class_labels: {1: Escaping poverty, 0: Staying poor}
    groups:
      - heading: Factors (reasons) that increase the probability of escape from poverty
        variables:
          - {name: business, label: Business gains}
          - {name: livestock_div, label: Livestock diversification}
          - {name: offfarm_div, label: Non-agricultural/off-farm diversification, regions: [Valley]}
      - heading: Factors (reasons) that decrease the probability of escape from poverty
        variables:
          - {name: health, label: Health}
      - heading: Household characteristics
        variables:
          - {name: male_head, label: Gender}
          - {name: age_head, label: Age (squared), transform: square}
          - {name: land_ha, label: Household landholdings (log), transform: log}
          - {name: dairy_cattle, label: Dairy cattle}
  descent:
    table: Table 5
    period: [1979, 2004]
    outcome: became_poor
    by: region
    class_labels: {1: Falling into poverty, 0: Staying non-poor}
    groups:
      - heading: Factors (reasons) that increase the probability of falling into poverty
        variables:
          - {name: health, label: Health}
          - {name: land_division, label: Land division}
      - heading: Household characteristics
        variables:
          - {name: male_head, label: Gender}
          - {name: beef_cattle, label: Beef cattle}
  improved_breeds:
    table: Table 7
    outcome: improved_breed
    filter: {region: Highland}
    groups:
      - heading: ""
        variables:
          - {name: male_head, label: Gender}
          - {name: above_primary, label: "Education (1 if above primary level; 0 otherwise)"}
          - {name: multiple_activities, label: Involvement in multiple income generating activities}
          - {name: land_ha, label: Log of land owned, transform: log}
paper: paper
"""


def main() -> None:
    (HERE / "study.yml").write_text(STUDY_YML, encoding="utf-8")
    hh = households()
    hh.to_csv(HERE / "households.csv", index=False)
    poor = lambda s: s <= CUTOFF  # noqa: E731
    sample = hh.sample(frac=0.5, random_state=7).sort_values("household_id")
    sid = sample["household_id"].to_numpy()
    n = len(sample)
    esc_25 = (poor(sample["stage_1979"]) & ~poor(sample["stage_2004"])).to_numpy(dtype=bool)
    fell_25 = (~poor(sample["stage_1979"].fillna(9)) & poor(sample["stage_2004"])).to_numpy(dtype=bool)
    smp = pd.DataFrame(
        {
            "household_id": sid,
            "male_head": RNG.integers(0, 2, n),
            "age_head": RNG.integers(20, 80, n),
            "education_level": RNG.integers(0, 4, n),
            "prop_children_school": np.round(RNG.uniform(0, 1, n), 2),
            "relatives_outside": RNG.integers(0, 2, n),
            "land_ha": np.round(RNG.gamma(2.0, 1.0, n) + 0.1, 2),
            "beef_cattle": RNG.poisson(2, n),
            "dairy_cattle": RNG.poisson(2 + 2 * esc_25, n),
            "sheep": RNG.poisson(8, n),
            "camelids": RNG.poisson(5, n),
            "livestock_income_share": np.round(RNG.uniform(0, 1, n), 2),
            "dependency_ratio": np.round(RNG.uniform(0, 1, n), 2),
            "multiple_activities": RNG.integers(0, 2, n),
            "family_size": RNG.integers(1, 10, n),
        }
    )
    smp["above_primary"] = (smp["education_level"] >= 2).astype(int)
    smp.loc[5, "age_head"] = pd.NA  # one incomplete case: models use complete cases
    smp["improved_breed"] = (RNG.uniform(size=n) < 0.2 + 0.3 * smp["multiple_activities"]).astype(int)
    smp.to_csv(HERE / "sample.csv", index=False)

    # reasons per sub-period, linked to movements so the logits have something to find
    rows = []
    for a, b, col_a, col_b in [(1979, 1994, "stage_1979", "stage_1994"), (1994, 2004, "stage_1994", "stage_2004")]:
        up = (sample[col_b].fillna(0) > sample[col_a].fillna(99)).to_numpy()
        down = (sample[col_b].fillna(99) < sample[col_a].fillna(0)).to_numpy()
        for i, h in enumerate(sid):
            probs = {
                "business": 0.35 if up[i] else 0.08,
                "livestock_div": 0.45 if up[i] else 0.15,
                "offfarm_div": 0.30 if up[i] else 0.12,
                "health": 0.55 if down[i] else 0.12,
                "land_division": 0.30 if down[i] else 0.10,
                "rare_event": 0.01,
            }
            for code, p in probs.items():
                if RNG.uniform() < p:
                    rows.append((h, a, b, code))
    pd.DataFrame(rows, columns=["household_id", "start", "end", "reason"]).to_csv(HERE / "reasons.csv", index=False)

    # livestock: item order as the study lists it
    items = [("beef", "indigenous"), ("beef", "improved"), ("sheep", "indigenous"), ("alpacas", ""), ("guinea_pigs", "")]
    rows = []
    for h in sid:
        for year in (1994, 2004):
            for sp, br in items:
                if RNG.uniform() < 0.5:
                    rows.append((h, year, sp, br, int(RNG.integers(1, 12))))
    pd.DataFrame(rows, columns=["household_id", "year", "species", "breed", "head"]).to_csv(HERE / "livestock.csv", index=False)

    prods = [("milk", "litres/day"), ("wool", "lbs/yr"), ("eggs", "no/wk")]
    rows = []
    for h in sid:
        for pr, unit in prods:
            for year in (1994, 2004):
                if RNG.uniform() < 0.6:
                    rows.append((h, pr, unit, year, int(RNG.integers(0, 6))))
    pd.DataFrame(rows, columns=["household_id", "product", "unit", "year", "quantity"]).to_csv(HERE / "production.csv", index=False)

    comms = []
    acts = ["livestock_production", "crop_agriculture", "trade_livestock_products", "casual_labor",
            "handicrafts", "business", "livestock_trade", "other"]
    for region, cs in REGIONS.items():
        for c in cs:
            row = {
                "community": c,
                "region": region,
                "altitude_m": int(RNG.integers(2500, 4500)),
                "households_reported": N_PER_COMMUNITY + int(RNG.integers(-5, 6)),
                "households_with_land": int(RNG.integers(40, 70)),
                "households_without_land": int(RNG.integers(0, 10)),
                "primary_schools": int(RNG.integers(0, 3)),
                "dist_secondary_school_km": round(float(RNG.uniform(0, 10)), 1),
                "dist_health_facility_km": round(float(RNG.uniform(0, 10)), 1),
                "dist_trading_center_km": round(float(RNG.uniform(1, 20)), 1),
                "area": int(RNG.integers(500, 4000)),
                "pct_income_livestock": int(RNG.integers(30, 90)),
                "clean_water": int(RNG.integers(0, 2)),
                "telephone": int(RNG.integers(0, 2)),
                "electricity": int(RNG.integers(0, 2)),
                "regular_transport": int(RNG.integers(0, 2)),
                "veterinary": int(RNG.integers(0, 2)),
                "road_months": int(RNG.integers(6, 13)),
            }
            cited = [a for a in acts if RNG.uniform() < 0.5] or ["livestock_production"]
            order = list(RNG.permutation(cited))
            for a in acts:
                row[f"act_{a}"] = int(a in cited)
            for a in acts:
                row[f"rank_{a}"] = order.index(a) + 1 if a in cited else None
            comms.append(row)
    comms = pd.DataFrame(comms)
    for a in acts:
        comms[f"rank_{a}"] = comms[f"rank_{a}"].astype("Int64")
    pd.DataFrame(comms).to_csv(HERE / "communities.csv", index=False)


if __name__ == "__main__":
    main()
