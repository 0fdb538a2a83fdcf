"""Community-cluster bootstrap of the movement percentages: deterministic, sensible, hand-checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
from stagesofprogress import movements as mv
from stagesofprogress import uncertainty as un
from stagesofprogress.outputs import to_csv_bytes

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("name", ["peru2004", "teaching", "example"])
def test_intervals_byte_identical_and_contain_the_estimate(name):
    study = sop.load_study(DATA / name)
    first = un.bootstrap_movements(study)
    second = un.bootstrap_movements(study)
    assert to_csv_bytes(first.table) == to_csv_bytes(second.table)
    t = first.table
    assert list(t.columns) == [
        "start",
        "end",
        "group",
        "category",
        "percent",
        "ci_low",
        "ci_high",
        "replicates",
        "seed",
    ]
    assert (t["replicates"] == un.REPLICATES).all() and (t["seed"] == un.SEED).all()
    # same rows, same order and same point estimates as movements.csv
    ref = mv.all_movements(study)
    pd.testing.assert_frame_equal(
        t[["start", "end", "group", "category", "percent"]], ref[["start", "end", "group", "category", "percent"]]
    )
    ok = t["percent"].notna()
    assert (t.loc[ok, "ci_low"] <= t.loc[ok, "percent"] + 1e-9).all()
    assert (t.loc[ok, "ci_high"] >= t.loc[ok, "percent"] - 1e-9).all()
    assert (t["ci_low"] >= 0).all() and (t["ci_high"] <= 100).all()


def test_another_seed_changes_the_intervals_but_not_the_estimates():
    study = sop.load_study(DATA / "teaching")
    a = un.bootstrap_movements(study, replicates=300, seed=1).table
    b = un.bootstrap_movements(study, replicates=300, seed=2).table
    assert (a["percent"] == b["percent"]).all()
    assert not np.allclose(a["ci_low"], b["ci_low"])


def _households(rows):
    lines = ["household_id,community,region,stage_2000,stage_2010"]
    lines += [f"H{i:03d},{c},{g},{s0},{s1}" for i, (c, g, s0, s1) in enumerate(rows)]
    return "\n".join(lines) + "\n"


META = {"title": "tiny", "time_points": [2000, 2010], "stages": ["a", "b"], "poverty_cutoff": 1}


def test_two_communities_by_hand(write_study):
    # region R: community A's only household escaped, community B's remained poor. A replicate
    # draws two communities with replacement: AA (escaped 100 %, p = 1/4), AB or BA (50 %,
    # p = 1/2), BB (0 %, p = 1/4). The 95 % percentile interval is therefore [0, 100].
    study = sop.load_study(write_study(META, _households([("A", "R", 1, 2), ("B", "R", 1, 1)])))
    res = un.bootstrap_movements(study, replicates=4000, seed=3)
    t = res.table.set_index(["group", "category"])
    assert t.loc[("R", "escaped"), "percent"] == 50
    assert t.loc[("R", "escaped"), ["ci_low", "ci_high"]].tolist() == [0.0, 100.0]
    esc = res.samples[0, :, 0, mv.CATEGORIES.index("escaped")]
    freq = np.array([(esc == v).mean() for v in (0.0, 50.0, 100.0)])
    assert set(np.unique(esc)) == {0.0, 50.0, 100.0}
    np.testing.assert_allclose(freq, [0.25, 0.5, 0.25], atol=0.03)
    assert (t.loc[("R", "became_poor"), ["ci_low", "ci_high"]] == 0).all()


def test_stratified_by_region_and_equal_to_a_plain_loop(write_study):
    # region R1 has three communities of different sizes, R2 one community: R2's interval has
    # zero width (it always draws its only community), and All mixes both.
    rows = (
        [("A", "R1", 1, 2)] * 3
        + [("A", "R1", 1, 1)]
        + [("B", "R1", 1, 1)] * 2
        + [("C", "R1", 2, 1)]
        + [("C", "R1", 2, 2)]
        + [("D", "R2", 1, 2), ("D", "R2", 2, 2)]
    )
    study = sop.load_study(write_study(META, _households(rows)))
    reps, seed = 50, 11
    res = un.bootstrap_movements(study, replicates=reps, seed=seed)
    assert res.communities.to_dict() == {"R1": 3, "R2": 1}
    t = res.table.set_index(["group", "category"])
    assert (t.loc["R2", "ci_low"] == t.loc["R2", "percent"]).all()
    assert (t.loc["R2", "ci_high"] == t.loc["R2", "percent"]).all()
    # the same draws, replayed household by household with Python loops
    rng = np.random.default_rng(seed)
    communities = {"R1": ["A", "B", "C"], "R2": ["D"]}
    draws = {g: un.community_weights(rng, len(c), reps) for g, c in communities.items()}
    cats = mv.movement_categories(study, 2000, 2010).to_numpy()
    hh = study.households
    for rep in range(reps):
        totals = {g: dict.fromkeys(mv.CATEGORIES, 0) for g in ("R1", "R2", mv.ALL)}
        for g, names in communities.items():
            for j, name in enumerate(names):
                for i in range(len(hh)):
                    if hh["community"].iloc[i] == name and hh["region"].iloc[i] == g:
                        for grp in (g, mv.ALL):
                            totals[grp][cats[i]] += int(draws[g][rep, j])
        for gi, grp in enumerate(("R1", "R2", mv.ALL)):
            n = sum(totals[grp].values())
            expect = [100.0 * totals[grp][c] / n for c in mv.CATEGORIES]
            np.testing.assert_allclose(res.samples[0, rep, gi], expect, rtol=0, atol=1e-12)
    lo, hi = np.percentile(res.samples[0], [2.5, 97.5], axis=0)
    np.testing.assert_allclose(t["ci_low"].to_numpy(), lo.ravel())
    np.testing.assert_allclose(t["ci_high"].to_numpy(), hi.ravel())


def test_unknown_stages_are_left_out(write_study):
    rows = [("A", "R", 1, 2), ("A", "R", 1, ""), ("B", "R", 1, 1)]
    study = sop.load_study(write_study(META, _households(rows)))
    t = un.bootstrap_movements(study, replicates=200).table.set_index(["group", "category"])
    assert t.loc[("R", "escaped"), "percent"] == 50
    assert t["ci_low"].notna().all()
