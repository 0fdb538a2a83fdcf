"""Markov mobility: every measure against PySAL giddy on the shipped studies, hand-computed
two-state chains, and stages no household occupied at the start."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
from stagesofprogress import homogeneity as hg
from stagesofprogress import mobility as mb
from stagesofprogress import movements as mv

DATA = Path(__file__).resolve().parents[1] / "data"
SHIPPED = ["peru2004", "teaching", "example"]
TOL = 1e-9


@pytest.fixture(scope="module")
def gd():
    """PySAL giddy's modules, imported by the first test that needs them (giddy pulls in numba:
    seconds of CPU that every pytest-xdist worker would otherwise pay while collecting).
    (Importing them with numba's compiler switched off, NUMBA_DISABLE_JIT, halves the import
    but broke a fresh clone's whole-suite run: numba later failed to compile its own sort.)"""
    pytest.importorskip("giddy")
    from giddy import ergodic, markov
    from giddy.mobility import markov_mobility

    return SimpleNamespace(ergodic=ergodic, markov=markov, markov_mobility=markov_mobility)


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    study = sop.load_study(DATA / request.param)
    return study, mb.chains(study)


def _pairs(study, r):
    """The households' (start, end) states of a chain result, as giddy's Markov wants them."""
    s0 = mv.stages(study, r.start).to_numpy(dtype=float, na_value=np.nan)
    s1 = mv.stages(study, r.end).to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(s0) | np.isnan(s1))
    if r.group != mv.ALL:
        keep &= (study.households["region"] == r.group).to_numpy()
    pairs = np.column_stack([s0[keep], s1[keep]]).astype(int)
    if r.chain == mb.POVERTY:
        return (pairs > study.poverty_cutoff).astype(int), np.array([0, 1])  # 0 = poor first
    return pairs, np.arange(1, study.n_stages + 1)


def test_counts_and_matrix_equal_giddy_markov(shipped, gd):
    study, results = shipped
    for r in results:
        pairs, classes = _pairs(study, r)
        m = gd.markov.Markov(pairs, classes=classes, summary=False)
        np.testing.assert_array_equal(r.counts.to_numpy(), m.transitions)
        ours = r.P.to_numpy()
        empty = np.isnan(ours).all(axis=1)
        assert [r.states[i] for i in np.flatnonzero(empty)] == r.empty
        np.testing.assert_allclose(ours[~empty], m.p[~empty], rtol=0, atol=TOL)
        assert (m.p[empty] == 0).all()  # giddy's zeros are exactly what we refuse to report


def _closed(r):
    idx = [r.states.index(s) for s in r.closed]
    return idx, r.P.to_numpy()[np.ix_(idx, idx)]


def test_indices_equal_giddy(shipped, gd):
    study, results = shipped
    checked = 0
    for r in results:
        idx, pc = _closed(r)
        if len(idx) < 2:
            assert all(np.isnan(v) for v in r.indices.values())
            continue
        ini = r.counts.to_numpy().sum(axis=1)[idx].astype(float)
        ini /= ini.sum()
        for measure in mb.MEASURES:
            ref = gd.markov_mobility(pc, measure=measure, ini=ini if measure in ("B1", "B2") else None)
            assert r.indices[measure] == pytest.approx(float(np.real(ref)), abs=TOL), (r.group, r.chain, measure)
        observed = ~np.isnan(r.P.to_numpy()).all(axis=1)
        np.testing.assert_allclose(
            r.prais.to_numpy()[observed], gd.markov.prais(np.nan_to_num(r.P.to_numpy()))[observed], atol=TOL
        )
        assert np.isnan(r.prais.to_numpy()[~observed]).all()
        checked += 1
    assert checked


def test_steady_state_equals_giddy(shipped, gd):
    study, results = shipped
    checked = 0
    for r in results:
        idx, pc = _closed(r)
        if not idx:
            assert np.isnan(r.steady_state).all() and np.isnan(r.steady_share_poor)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = np.atleast_2d(gd.ergodic.steady_state(pc))
        ours = r.steady_state.to_numpy()
        outside = np.ones(len(ours), dtype=bool)
        outside[idx] = False
        assert np.isnan(ours[outside]).all()
        if len(ref) == 1:
            np.testing.assert_allclose(ours[idx], ref[0], rtol=0, atol=TOL)
            assert r.steady_share_poor == pytest.approx(float(ours[idx][r.poor[idx]].sum()), abs=TOL)
            checked += 1
        else:  # several recurrent classes: no single steady state
            assert np.isnan(ours).all()
    assert checked


def test_first_passage_equals_giddy(shipped, gd):
    """Lump the stages across the line into one state: giddy's first passage time to it."""
    study, results = shipped
    checked = 0
    for r in results:
        p = r.P.to_numpy()
        for side in (True, False):  # from poor stages to the not-poor set, and back
            src = np.flatnonzero(r.poor == side)
            tgt = np.flatnonzero(r.poor != side)
            sub = p[src]
            if np.isnan(sub).any():
                continue  # rows on the starting side unobserved: checked by the empty-row tests
            lumped = np.zeros((len(src) + 1, len(src) + 1))
            lumped[:-1, :-1] = sub[:, src]
            lumped[:-1, -1] = sub[:, tgt].sum(axis=1)
            lumped[-1] = 1.0 / (len(src) + 1)  # any row: first passage into the lumped state ignores it
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = gd.ergodic.mfpt(lumped)[:-1, -1]
            ours = r.years_to_cross.to_numpy()[src] / r.years
            np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=TOL)
            checked += 1
    assert checked


def test_projection_is_survey_distribution_times_matrix(shipped):
    study, results = shipped
    for r in results:
        proj = r.projection
        assert proj["year"].tolist() == [
            study.survey_year,
            study.survey_year + r.years,
            study.survey_year + 2 * r.years,
        ]
        x = r.survey_share.to_numpy()
        assert proj["share_poor"].iloc[0] == pytest.approx(float(x[r.poor].sum()), abs=TOL)
        p = r.P.to_numpy()
        if np.isnan(p[x > 0]).any() or (x[[r.states.index(s) for s in r.states if s not in r.closed]] > 0).any():
            assert proj["share_poor"].iloc[1:].isna().all()
            continue
        x1 = x @ np.nan_to_num(p)
        x2 = x1 @ np.nan_to_num(p)
        assert proj["share_poor"].iloc[1] == pytest.approx(float(x1[r.poor].sum()), abs=TOL)
        assert proj["share_poor"].iloc[2] == pytest.approx(float(x2[r.poor].sum()), abs=TOL)


def test_homogeneity_equals_giddy(shipped, gd):
    study, _ = shipped
    tests = hg.homogeneity(study)
    assert len(tests) == 2 * len(study.periods())
    for h in tests:
        mats = [mv.transition_matrix(study, h.start, h.end, group=("region", g)).to_numpy() for g in study.regions]
        if h.chain == mb.POVERTY:
            mats = [mb._collapse(m, study.poverty_cutoff) for m in mats]
        ref = gd.markov.homogeneity([m.astype(float) for m in mats])
        assert h.dof == ref.dof
        for ours, theirs in ((h.Q, ref.Q), (h.LR, ref.LR), (h.Q_p, ref.Q_p_value), (h.LR_p, ref.LR_p_value)):
            assert ours == pytest.approx(float(theirs), rel=1e-9, abs=1e-12)


def test_sparse_warning_on_the_stage_ladder_not_on_the_poverty_chain():
    study = sop.load_study(DATA / "peru2004")
    tests = {(h.start, h.end, h.chain): h for h in hg.homogeneity(study)}
    stage = tests[(1979, 2004, mb.STAGES)]
    assert stage.sparse and (stage.expected_min < 1 or stage.expected_small_share > 0.2)
    poverty = tests[(1979, 2004, mb.POVERTY)]
    assert not poverty.sparse and poverty.expected_min >= 5


# --------------------------------------------------------------------------- hand-computed cases


def _households(rows, years=(2000, 2010)):
    head = "household_id,community,region," + ",".join(f"stage_{y}" for y in years)
    lines = [head] + [f"H{i:03d},{c},{g},{a},{b}" for i, (c, g, a, b) in enumerate(rows)]
    return "\n".join(lines) + "\n"


def _meta(n_stages, cutoff, years=(2000, 2010)):
    return {
        "title": "hand case",
        "time_points": list(years),
        "stages": [f"S{i}" for i in range(1, n_stages + 1)],
        "poverty_cutoff": cutoff,
    }


def _result(results, group=mv.ALL, chain=mb.POVERTY):
    return next(r for r in results if r.group == group and r.chain == chain)


def test_two_state_chain_by_hand(write_study):
    # 10 poor: 2 escape (e = 0.2); 20 not poor: 5 fall (d = 0.25); 10-year period
    rows = [("A", "R", 1, 2)] * 2 + [("A", "R", 1, 1)] * 8 + [("A", "R", 2, 1)] * 5 + [("A", "R", 2, 2)] * 15
    study = sop.load_study(write_study(_meta(2, 1), _households(rows)))
    results = mb.chains(study)
    e, d = 0.2, 0.25
    for chain in (mb.STAGES, mb.POVERTY):  # with two stages and cutoff 1 the chains coincide
        r = _result(results, chain=chain)
        np.testing.assert_allclose(r.P.to_numpy(), [[1 - e, e], [d, 1 - d]])
        assert r.steady_share_poor == pytest.approx(d / (e + d))
        assert r.steady_state.to_numpy() == pytest.approx([d / (e + d), e / (e + d)])
        assert r.years_to_cross.to_numpy() == pytest.approx([10 / e, 10 / d])  # 1/e periods of 10 years
        x0 = np.array([8 + 5, 2 + 15]) / 30  # survey year 2010: 13 poor, 17 not poor
        x1 = x0 @ r.P.to_numpy()
        x2 = x1 @ r.P.to_numpy()
        assert r.projection["year"].tolist() == [2010, 2020, 2030]
        assert r.projection["share_poor"].to_numpy() == pytest.approx([x0[0], x1[0], x2[0]])
        assert r.indices["P"] == pytest.approx(e + d)  # (2 - trace) / 1
        assert r.indices["D"] == pytest.approx(1 - abs((1 - e) * (1 - d) - e * d))
        assert r.indices["L2"] == pytest.approx(1 - abs(1 - e - d))
        assert r.prais.to_numpy() == pytest.approx([e, d])
        assert r.empty == [] and r.note == ""


def test_nobody_escapes_gives_infinite_passage(write_study):
    rows = [("A", "R", 1, 1)] * 4 + [("A", "R", 2, 1)] * 1 + [("A", "R", 2, 2)] * 3
    r = _result(mb.chains(sop.load_study(write_study(_meta(2, 1), _households(rows)))))
    assert r.years_to_cross.iloc[0] == np.inf  # never escapes
    assert r.years_to_cross.iloc[1] == pytest.approx(10 / 0.25)
    assert r.steady_share_poor == pytest.approx(1.0)  # poor is absorbing


def test_stage_nobody_started_from_is_nan_not_zero(write_study):
    # 3 stages, cutoff 1; nobody at stage 3 in 2000, but households reach it by 2010
    rows = (
        [("A", "R", 1, 1)] * 3
        + [("A", "R", 1, 2)] * 1
        + [("A", "R", 2, 2)] * 2
        + [("A", "R", 2, 3)] * 2
        + [("A", "R", 2, 1)] * 1
    )
    study = sop.load_study(write_study(_meta(3, 1), _households(rows)))
    r = _result(mb.chains(study), chain=mb.STAGES)
    p = r.P.to_numpy()
    assert r.empty == [3]
    assert np.isnan(p[2]).all() and not np.isnan(p[:2]).any()
    # stage 2 leads to the unobserved stage 3, and stage 1 to stage 2: no closed set remains
    assert r.closed == []
    assert np.isnan(r.steady_state).all() and np.isnan(r.steady_share_poor)
    assert all(np.isnan(v) for v in r.indices.values())
    assert "stage 3" in r.note and "not computed" in r.note
    assert r.projection["share_poor"].iloc[1:].isna().all()  # survey households sit at stage 3
    assert r.projection["share_poor"].iloc[0] == pytest.approx(4 / 9)
    # escape from stage 1 needs only the poor rows: 1 in 4 leave each period
    assert r.years_to_cross.iloc[0] == pytest.approx(10 * 4)
    assert np.isnan(r.years_to_cross.iloc[1:]).all()  # descent from 2 may pass through stage 3
    assert np.isnan(r.prais.iloc[2]) and r.prais.iloc[0] == pytest.approx(0.25)
    # the poverty chain is fully observed
    q = _result(mb.chains(study))
    assert q.empty == [] and not np.isnan(q.steady_share_poor)


def test_closed_subset_is_used_when_one_remains(write_study):
    # stage 1 <-> 2 closed; stage 3 observed but moves to empty stage 4
    rows = (
        [("A", "R", 1, 2)] * 1
        + [("A", "R", 1, 1)] * 1
        + [("A", "R", 2, 1)] * 1
        + [("A", "R", 2, 2)] * 3
        + [("A", "R", 3, 4)] * 2
    )
    study = sop.load_study(write_study(_meta(4, 2), _households(rows)))
    r = _result(mb.chains(study), chain=mb.STAGES)
    assert r.empty == [4] and r.closed == [1, 2]
    ss = r.steady_state.to_numpy()
    # P on {1, 2}: [[.5, .5], [.25, .75]] -> pi = (1/3, 2/3)
    assert ss[:2] == pytest.approx([1 / 3, 2 / 3]) and np.isnan(ss[2:]).all()
    assert r.steady_share_poor == pytest.approx(1.0)  # both closed stages are poor (cutoff 2)
    assert "closed set" in r.note


def test_tables_have_tidy_columns():
    study = sop.load_study(DATA / "teaching")
    tables = mb._tables(study)
    assert list(tables["mobility.csv"].columns) == ["start", "end", "group", "chain", "measure", "value"]
    assert list(tables["steady_state.csv"].columns) == ["start", "end", "group", "chain", "stage", "share"]
    assert list(tables["projection.csv"].columns) == ["start", "end", "group", "chain", "year", "share_poor"]
    ss = tables["steady_state.csv"]
    sums = ss.groupby(["start", "end", "group", "chain"])["share"].sum(min_count=1)
    assert np.allclose(sums.dropna(), 1.0)
    assert set(tables["mobility.csv"]["group"]) == set(study.regions) | {mv.ALL}


def test_sop_tables_writes_mobility_outputs_byte_identically(tmp_path, sop_main):
    names = ("mobility.csv", "steady_state.csv", "projection.csv", "movements_ci.csv")
    runs = []
    for out in ("one", "two"):
        code, _out, err = sop_main("tables", "--data", DATA / "example", "--out", tmp_path / out)
        assert code == 0, err
        runs.append({n: (tmp_path / out / n).read_bytes() for n in names})
    assert runs[0] == runs[1]
    for name in names:
        assert len(pd.read_csv(tmp_path / "one" / name)) > 0


def test_a_single_region_has_no_homogeneity_test(write_study):
    rows = [("A", "R", 1, 2), ("A", "R", 1, 1), ("B", "R", 2, 1), ("B", "R", 2, 2)]
    study = sop.load_study(write_study(_meta(2, 1), _households(rows)))
    assert hg.homogeneity(study) == []
    tables = mb._tables(study)
    assert not tables["mobility.csv"]["measure"].str.startswith("homogeneity").any()
    assert set(tables["mobility.csv"]["group"]) == {"R", mv.ALL}


@pytest.mark.parametrize("name", ["example", "peru2004"])
def test_figures_are_deterministic_titled_and_phone_sized(name):
    from stagesofprogress import book, mobility_plots, uncertainty

    study = sop.load_study(DATA / name)
    results = mb.chains(study)
    table = uncertainty.bootstrap_movements(study, replicates=200).table
    makers = {
        "movement_intervals": lambda: mobility_plots.movement_intervals(table),
        "projection_lines": lambda: mobility_plots.projection_lines(study, results),
    }
    for fig_name, make in makers.items():
        fig = make()
        assert fig._suptitle is not None and fig._suptitle.get_text().strip(), fig_name
        assert fig.get_size_inches()[0] <= 6.5, fig_name
        assert book.png_bytes(fig) == book.png_bytes(make()), f"{fig_name}: not deterministic"


def test_region_names_reach_figures_as_plain_text(write_study):
    rows = [("A", "$x^2$ {{ 1 }}", 1, 2), ("A", "$x^2$ {{ 1 }}", 2, 2), ("B", "Plain", 1, 1), ("B", "Plain", 2, 1)]
    study = sop.load_study(write_study(_meta(2, 1), _households(rows)))
    from stagesofprogress import mobility_plots, uncertainty

    fig = mobility_plots.movement_intervals(uncertainty.bootstrap_movements(study, replicates=50).table)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "$x^2$ {{ 1 }}" in labels  # shown as written: mathtext is off in the book's figures
    fig = mobility_plots.projection_lines(study, mb.chains(study))
    assert "$x^2$ {{ 1 }}" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert all(not t._parse_math for t in fig.axes[0].get_legend().get_texts())


def test_permutation_homogeneity_matches_exact_enumeration():
    # one starting stage, two regions: A ended [2, 0], B [0, 2]. Dealing the four end stages
    # (two of each) to A's two households gives [2, 0] with probability 1/6, [1, 1] 4/6 and
    # [0, 2] 1/6; only the two extreme tables have an LR as large, so the exact p is 1/3.
    m = np.array([[[2, 0]], [[0, 2]]])
    exact = 1 / 3
    perm = hg.permutation_test(m, permutations=4000, seed=5)
    assert perm["LR_p_perm"] == pytest.approx(exact, abs=0.03)
    assert perm["Q_p_perm"] == pytest.approx(exact, abs=0.03)
    assert perm == hg.permutation_test(m, permutations=4000, seed=5)  # deterministic
    # identical regions: the observed LR is zero, so every replicate is at least as large -> p = 1
    same = np.array([[[3, 1], [0, 2]], [[3, 1], [0, 2]]])
    assert hg.permutation_test(same, permutations=200)["LR_p_perm"] == 1.0


def test_permutation_replicates_keep_the_margins(monkeypatch):
    seen = []
    real = hg._statistics

    def spy(m, p0):
        seen.append(m)
        return real(m, p0)

    monkeypatch.setattr(hg, "_statistics", spy)
    study = sop.load_study(DATA / "teaching")
    _names, counts = mb.transition_counts(study, 2010, 2024)
    mats = counts[:-1]
    hg.permutation_test(mats, permutations=50)
    sims = seen[1]
    assert sims.shape == (50, *mats.shape)
    np.testing.assert_array_equal(sims.sum(axis=1), np.broadcast_to(mats.sum(axis=0), sims.sum(axis=1).shape))
    np.testing.assert_array_equal(sims.sum(axis=3), np.broadcast_to(mats.sum(axis=2), sims.sum(axis=3).shape))
    assert (sims >= 0).all()


def test_transition_counts_equal_movements_transition_matrix():
    study = sop.load_study(DATA / "example")
    for a, b in study.periods():
        names, counts = mb.transition_counts(study, a, b)
        assert names == [*study.regions, mv.ALL]
        for name, c in zip(names, counts):
            group = None if name == mv.ALL else ("region", name)
            np.testing.assert_array_equal(c, mv.transition_matrix(study, a, b, group=group).to_numpy())
