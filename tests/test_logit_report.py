"""Paper-layout tables, the SPSS table, CSV/HTML export and the forest plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
import statsmodels.api as sm
import yaml
from stagesofprogress import logit_report as lr
from stagesofprogress import models as md
from stagesofprogress.forest import forest_plot
from stagesofprogress.logistic import logit
from stagesofprogress.logit_report import (
    SPSS_COLUMNS,
    long_table,
    paper_table,
    spss_table,
    to_html,
    write_logit_csv,
)

GROUPS = {
    "Scores (expected sign positive)": ["GPA", "TUCE"],
    "Teaching": ["PSI", "private_job"],
}
LABELS = {"GPA": "Grade point average", "private_job": "Private job"}
CLASSES = {1: "Improved", 0: "Not improved"}


@pytest.fixture(scope="module")
def results():
    d = sm.datasets.spector.load_pandas().data.assign(private_job=0.0)
    return {
        "Puno": logit(d, "GRADE", ["GPA", "TUCE", "PSI"]),
        "Cajamarca": logit(d, "GRADE", ["GPA", "PSI", "private_job"]),  # private_job constant -> dropped
    }


@pytest.fixture(scope="module")
def table(results):
    return paper_table(results, GROUPS, LABELS, CLASSES)


def test_paper_table_layout(table):
    assert table.columns.tolist() == [
        (region, stat) for region in ["Puno", "Cajamarca"] for stat in ["B", "Odds Ratio", "Robust Std. Err."]
    ]
    assert table.index.tolist() == [
        "Constant",
        "Scores (expected sign positive)",
        "Grade point average",
        "TUCE",
        "Teaching",
        "PSI",
        "Wald chi2 (df)",
        "Prob > chi2",
        "Log pseudolikelihood",
        "Pseudo R-square (McFadden's)",
        "N",
        "% Correctly Predicted:",
        "Improved",
        "Not improved",
    ]
    assert table.attrs["row_kinds"][:2] == ["constant", "heading"]


def test_paper_table_cells(table):
    puno = table["Puno"]
    # Stata: gpa 2.826113 (robust SE 1.287828, p 0.028): two stars
    assert puno.loc["Grade point average"].tolist() == ["2.83**", "16.88", "1.29"]
    assert puno.loc["TUCE"].tolist() == ["0.10", "1.10", "0.12"]
    assert puno.loc["Constant"].tolist() == ["-13.02**", "0.00", "5.28"]
    assert puno.loc["Wald chi2 (df)"].tolist() == ["9.36 (3)", "", ""]
    assert puno.loc["Prob > chi2", "B"] == "0.025"
    assert puno.loc["Log pseudolikelihood", "B"] == "-12.89"
    assert puno.loc["Pseudo R-square (McFadden's)", "B"] == "0.37"
    assert puno.loc["N", "B"] == "32"
    assert puno.loc["Improved", "B"] == "72.7" and puno.loc["Not improved", "B"] == "85.7"
    # heading rows and variables that do not apply or were dropped are blank
    assert (table.loc["Teaching"] == "").all()
    assert "Private job" not in table.index  # estimated in no block: no empty row
    assert (table.loc["TUCE", "Cajamarca"] == "").all()
    assert table.loc["N", ("Cajamarca", "B")] == "32"


def test_paper_table_without_groups_and_unplaced_variables(results):
    plain = paper_table(results)
    assert plain.index.tolist()[:5] == ["Constant", "GPA", "TUCE", "PSI", "Wald chi2 (df)"]
    assert plain.loc["Outcome = 1", ("Puno", "B")] == "72.7"
    partial = paper_table(results, {"Scores": ["GPA"]})
    assert "Other predictors" in partial.index
    with pytest.raises(ValueError, match="more than one heading"):
        paper_table(results, {"A": ["GPA"], "B": ["GPA"]})


def test_no_negative_zero():
    d = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0, 1, 0], "x": [1e4, 2e4, 3e4, 2.5e4, 1.5e4, 2.2e4, 2.8e4, 1.1e4]})
    r = logit(d, "y", ["x"])
    assert -0.005 < r.coef["x"] < 0.005
    cell = paper_table({"m": r}).loc["x", ("m", "B")]
    assert cell.startswith("0.00") and not cell.startswith("-")


def test_non_robust_label(results):
    d = sm.datasets.spector.load_pandas().data
    t = paper_table({"m": logit(d, "GRADE", ["GPA"], robust=False)})
    assert t.columns.get_level_values(1).tolist() == ["B", "Odds Ratio", "Std. Err."]
    assert "Log likelihood" in t.index


def test_spss_table(results):
    r = results["Puno"]
    t = spss_table(r, labels={"GPA": "Grade point average"})
    assert t.columns.tolist() == SPSS_COLUMNS
    gpa = t.loc["Grade point average"]
    assert gpa["B"] == "2.83"
    assert gpa["S.E."] == "1.26"  # model-based SE, Stata's plain logit: 1.26294
    assert gpa["Wald"] == f"{(2.82611297201 / 1.26294114526) ** 2:.2f}" == "5.01"
    assert gpa["Sig."] == "0.0252"
    lo, hi = np.exp(2.82611297201 + np.array([-1, 1]) * 1.959963985 * 1.26294114526)
    assert (gpa["95% C.I. Lower"], gpa["95% C.I. Upper"]) == (f"{lo:.2f}", f"{hi:.2f}")
    assert t.loc["Constant", "95% C.I. Lower"] == "" and t.loc["Constant", "Exp(B)"] == "0.00"
    assert t.loc["-2 Log Likelihood", "B"] == "25.779"
    assert t.loc["Pseudo R square (Nagelkerke)", "B"] == f"{r.nagelkerke_r2:.3f}" == "0.528"
    assert t.loc["N", "B"] == "32"
    cs = spss_table(r, r2="cox_snell")
    assert cs.loc["Pseudo R square (Cox & Snell)", "B"] == "0.382"
    dropped = spss_table(results["Cajamarca"])
    assert (dropped.loc["private_job"] == "").all()


def test_paper_table7_pseudo_r2_is_nagelkerke():
    """Table 7 prints -2LL 698.921, N 529 and "Pseudo R square 0.084". With roughly half the
    Puno households adopting (the text says about 50 percent), -2LL0 = 2 * 529 * ln 2, and
    only Nagelkerke's formula lands on 0.084 (Cox & Snell gives 0.063, McFadden 0.047)."""
    n, m2ll1 = 529, 698.921
    m2ll0 = 2 * n * np.log(2)
    cox_snell = 1 - np.exp((m2ll1 - m2ll0) / n)
    nagelkerke = cox_snell / (1 - np.exp(-m2ll0 / n))
    assert round(nagelkerke, 3) == 0.084
    assert round(cox_snell, 3) != 0.084 and round(1 - m2ll1 / m2ll0, 3) != 0.084


def test_long_table(results):
    lt = long_table(results)
    assert lt.columns.tolist() == ["group", "variable", "statistic", "value"]
    puno = lt[lt.group == "Puno"].set_index(["variable", "statistic"])["value"]
    assert puno[("GPA", "coef")] == pytest.approx(2.826113, abs=1e-5)
    assert puno[("GPA", "se")] == pytest.approx(1.287828, abs=1e-5)
    assert puno[("(model)", "wald_chi2")] == pytest.approx(9.360531, abs=1e-5)
    assert puno[("(model)", "nobs")] == 32
    caj = lt[lt.group == "Cajamarca"].set_index(["variable", "statistic"])["value"]
    assert np.isnan(caj[("private_job", "coef")])
    assert ("TUCE", "coef") not in caj.index
    assert lt["value"].dtype == float


def test_write_logit_csv_deterministic(results, tmp_path):
    a = write_logit_csv(results, tmp_path / "a", groups=GROUPS, labels=LABELS, class_labels=CLASSES)
    b = write_logit_csv(results, tmp_path / "b", groups=GROUPS, labels=LABELS, class_labels=CLASSES)
    assert [p.name for p in a] == ["logit_long.csv", "logit_paper.csv"]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
        assert b"\r\n" not in pa.read_bytes()
    wide = pd.read_csv(a[1], keep_default_na=False, dtype=str)
    assert wide.columns[:3].tolist() == ["row", "row_kind", "Puno: B"]
    row = wide.set_index("row").loc["Grade point average"]
    assert row["Puno: B"] == "2.83**" and row["row_kind"] == "variable"
    assert wide.set_index("row").loc["Teaching", "row_kind"] == "heading"
    long = pd.read_csv(a[0])
    pd.testing.assert_frame_equal(long, long_table(results), check_exact=False, rtol=1e-12)


def test_to_html(table, results):
    h = to_html(table, caption="Table 4 <replica>")
    assert h == to_html(table, caption="Table 4 <replica>")
    assert "http" not in h and "<script" not in h and "@import" not in h
    assert "Table 4 &lt;replica&gt;" in h
    assert '<th colspan="3">Puno</th>' in h and '<th colspan="3">Cajamarca</th>' in h
    assert '<tr class="heading"><th scope="row">Teaching</th>' in h
    assert "<td>2.83**</td>" in h
    assert "Significant at 0.1" in h
    s = to_html(spss_table(results["Puno"]), footnote=None)
    assert "<th>S.E.</th>" in s and "<tfoot>" not in s
    assert sop.logit_html is to_html


def test_forest_plot(results):
    fig = forest_plot(results, labels=LABELS, groups=GROUPS)
    axes = fig.axes
    assert len(axes) == 2 and fig.get_size_inches()[0] == 6
    assert [a.get_title() for a in axes] == ["Puno", "Cajamarca"]
    assert all(a.get_xscale() == "log" for a in axes)
    # reference line at 1 on every panel
    assert all(any(np.allclose(ln.get_xdata(), 1) for ln in a.get_lines()) for a in axes)

    def markers(a):
        return sum(len(ln.get_xdata()) for ln in a.get_lines() if ln.get_marker() == "o")

    assert markers(axes[0]) == 3  # GPA, TUCE, PSI
    assert markers(axes[1]) == 2  # GPA, PSI; private_job dropped, TUCE absent
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert ticks == ["Grade point average", "TUCE", "PSI"]  # private_job estimated nowhere
    filled = [ln for ln in axes[0].get_lines() if ln.get_label() == "p < 0.1"][0]
    np.testing.assert_allclose(filled.get_xdata(), np.exp([2.826113, 2.378688]), rtol=1e-5)


def test_forest_plot_into_given_axes(results):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert forest_plot({"Puno": results["Puno"]}, ax=ax) is fig
    with pytest.raises(ValueError, match="needs 2 Axes"):
        forest_plot(results, ax=ax)


# --------------------------------------------------------------------------- diagnostics


TRICKY_REGION = "Kusini <b>{{ 7*7 }}</b> *x*"


def _fallers_only_study(folder, region_b="Kaskazini"):
    """Issue 13's case: every reason is cited only by households that fell, so each reason
    predicts the descent perfectly and is dropped with its observations (no `models:`: the
    generic escape and descent models)."""
    import stagesofprogress.schema  # noqa: F401

    rows, reasons = [], []
    for region, comms in ((TRICKY_REGION, ["Ka", "Kb", "Kc"]), (region_b, ["Na", "Nb", "Nc"])):
        for i in range(24):
            hid = f"{comms[0]}{i:02d}"
            cat = i % 4  # escaped, remained_poor, became_poor, remained_not_poor
            s0, s1 = {0: (1, 3), 1: (1, 1), 2: (3, 1), 3: (3, 4)}[cat]
            rows.append(
                {"household_id": hid, "community": comms[i % 3], "region": region, "stage_2000": s0, "stage_2024": s1}
            )
            if cat == 2 and i < 20:  # three of the region's six fallers cite nothing
                reasons.append(
                    {"household_id": hid, "start": 2000, "end": 2024, "reason": "illness" if i % 8 == 2 else "drought"}
                )
                if i % 3 == 0:
                    reasons.append({"household_id": hid, "start": 2000, "end": 2024, "reason": "funeral"})
    folder.mkdir(parents=True, exist_ok=True)
    hh = pd.DataFrame(rows)
    hh.to_csv(folder / "households.csv", index=False)
    sample = pd.DataFrame({"household_id": hh["household_id"]})
    for c in sop.schema.TABLES["sample"].columns:
        if c.name not in sample.columns:
            sample[c.name] = ""
    sample.to_csv(folder / "sample.csv", index=False)
    pd.DataFrame(reasons).to_csv(folder / "reasons.csv", index=False)
    meta = {
        "title": "Fallers only",
        "time_points": [2000, 2024],
        "stages": ["a", "b", "c", "d"],
        "poverty_cutoff": 2,
        "reasons": {"illness": "Ill <i>health</i>", "drought": "Drought", "funeral": "Funeral costs"},
    }
    (folder / "study.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def fallers(tmp_path):
    return sop.load_study(_fallers_only_study(tmp_path / "fallers"))


def test_descent_model_with_only_fallers_citing_is_unsupported_and_says_why(fallers):
    fit = md.fit_model(fallers, "descent")
    assert fit.results == {} and not fit.supported
    assert list(fit.all_results) == [TRICKY_REGION, "Kaskazini"]
    for g, r in fit.all_results.items():
        assert not r.supported and r.estimated == ["Constant"]
        assert sorted(r.dropped) == ["drought", "funeral", "illness"]
        assert fit.errors[g].startswith("the data cannot support this model: every one of the 3 predictors was dropped")
    d = fit.diagnostics()
    assert d.columns.tolist() == [*md.NOTES_COLUMNS, "value"]
    drops = d[d["kind"] == "dropped_perfect_prediction"]
    assert len(drops) == 6
    assert set(drops["message"]) == {f"{v} != 0 predicts success perfectly" for v in ("drought", "funeral", "illness")}
    assert (d[d["kind"] == "perfect_prediction_obs"]["message"].str.match(r"\w+ dropped and \d+ obs not used")).all()
    assert (d.groupby("group", sort=False)["kind"].last() == "unsupported").all()
    # nothing empty is shown: no table, no plot
    from stagesofprogress.logit_report import fit_long_table, fit_table

    with pytest.raises(ValueError, match="could not be fitted"):
        fit_table(fit)
    with pytest.raises(ValueError, match="cannot support"):
        paper_table(fit.all_results)
    with pytest.raises(ValueError, match="cannot support"):
        forest_plot(fit.all_results)
    assert fit_long_table(fit).empty and fit.margins().empty
    # the escape model has no reason at all to work with: unsupported, with the reason
    esc = md.fit_model(fallers, "escape")
    assert not esc.supported and all("no explanatory variable" in e for e in esc.errors.values())
    assert esc.diagnostics()["kind"].tolist() == ["unsupported", "unsupported"]


def test_diagnostics_block_escapes_study_text(fallers):
    fit = md.fit_model(fallers, "descent")
    h = lr.diagnostics_html(fit)
    assert h == lr.diagnostics_html(fit)  # deterministic
    assert "<b>" not in h and "<i>" not in h and "<script" not in h
    assert "Kusini &lt;b&gt;{{ 7*7 }}&lt;/b&gt; *x*" in h  # HTML output is not parsed as Markdown
    assert "Ill &lt;i&gt;health&lt;/i&gt;: illness != 0 predicts success perfectly" in h
    assert h.count('class="unsupported"') == 2 and "Not shown: The data cannot support this model" in h
    # unsupported first in each group
    first = h.split("<ul>")[1].split("</li>")[0]
    assert "unsupported" in first
    md_text = lr.diagnostics_markdown(fit)
    assert "{{" not in md_text and "\\{\\{" in md_text and "\\<b\\>" in md_text
    assert md_text.count("- **Not shown:") == 2
    block = lr.diagnostics_block(fit)
    assert block._repr_html_() == h and "Kaskazini:" in repr(block)


def test_diagnostics_block_for_a_supported_model(results):
    h = lr.diagnostics_html(results, labels=LABELS)
    assert "Private job: private_job omitted because of collinearity (always 0)" in h
    assert "11 observations with GRADE = 1 and 21 with GRADE = 0 for 4 parameters" in h
    assert "Not shown" not in h
    one = lr.diagnostics_frame(results["Puno"])
    assert one["group"].unique().tolist() == [""]


def test_partly_supported_model_shows_only_the_supported_blocks(results, spector_unsupported):
    mixed = {"Puno": results["Puno"], "Tiny": spector_unsupported}
    t = paper_table(mixed)
    assert t.columns.get_level_values(0).unique().tolist() == ["Puno"]
    assert [a.get_title() for a in forest_plot(mixed).axes] == ["Puno"]


@pytest.fixture
def spector_unsupported():
    d = sm.datasets.spector.load_pandas().data.assign(k=1.0)
    return logit(d, "GRADE", ["k"])  # the only predictor is constant: dropped


def test_sop_tables_writes_logit_notes_for_every_model(fallers, tmp_path, sop_main):
    out = tmp_path / "out"
    code, _, err = sop_main("tables", "--data", tmp_path / "fallers", "--out", out)
    assert code == 0, err
    notes = pd.read_csv(out / "logit_notes.csv", keep_default_na=False)
    assert notes.columns.tolist() == ["model", "group", "variable", "kind", "message"]
    assert notes["model"].unique().tolist() == ["escape", "descent"]
    desc = notes[notes["model"] == "descent"]
    assert (desc["kind"] == "dropped_perfect_prediction").sum() == 6
    assert (notes["kind"] == "unsupported").sum() == 4
    assert not (out / "logit_descent_paper.csv").exists() and not (out / "margins_descent.csv").exists()
    again = tmp_path / "again"
    sop_main("tables", "--data", tmp_path / "fallers", "--out", again)
    assert (again / "logit_notes.csv").read_bytes() == (out / "logit_notes.csv").read_bytes()


def test_notes_csv_cells_cannot_be_formulas(tmp_path, sop_main):
    folder = _fallers_only_study(tmp_path / "f", region_b="=HYPERLINK(1)")
    code, _, err = sop_main("tables", "--data", folder, "--out", tmp_path / "out")
    assert code == 0, err
    notes = pd.read_csv(tmp_path / "out" / "logit_notes.csv", keep_default_na=False)
    assert "'=HYPERLINK(1)" in set(notes["group"]) and "=HYPERLINK(1)" not in set(notes["group"])


# --------------------------------------------------------------------------- clustered errors and margins per model

FIXTURE = Path(__file__).parent / "studies" / "analyses"


@pytest.fixture(scope="module")
def fixture_study():
    return sop.load_study(FIXTURE)


def test_fit_model_clustered_by_community(fixture_study):
    base = md.fit_model(fixture_study, "escape")
    cl = md.fit_model(fixture_study, "escape", cluster="community")
    hh = fixture_study.households
    assert cl.cluster == "community" and base.cluster == ""
    for g, r in cl.results.items():
        b = base.results[g]
        assert r.vce == "cluster" and r.cluster_name == "community"
        ids = base.data[g].index
        expected = hh.set_index(hh["household_id"].astype(str)).loc[ids, "community"].nunique()
        assert r.n_clusters == expected
        np.testing.assert_allclose(r.coef.to_numpy(), b.coef.to_numpy(), atol=1e-10)
        assert not np.allclose(r.se[r.estimated].to_numpy(), b.se[b.estimated].to_numpy())
    comp = md.cluster_comparison(fixture_study, "escape")
    assert comp.columns.tolist() == ["model", "group", "variable", "label", *lr.COMPARE_COLUMNS[2:]]
    g0 = next(iter(cl.results))
    row = comp[(comp["group"] == g0) & (comp["variable"] == "Constant")].iloc[0]
    assert row["se_cluster"] == pytest.approx(cl.results[g0].se["Constant"])
    assert row["se"] == pytest.approx(base.results[g0].se["Constant"]) and row["vce"] == "robust"
    with pytest.raises(KeyError, match="Cluster column 'nope'"):
        md.fit_model(fixture_study, "escape", cluster="nope")


def test_margins_table_and_outputs(fixture_study):
    from stagesofprogress.outputs import compute_tables

    fit = md.fit_model(fixture_study, "escape")
    m = md.margins_table(fit)
    assert m.columns.tolist() == [
        "model",
        "group",
        "term",
        "label",
        "effect",
        "dydx",
        "se",
        "z",
        "pvalue",
        "ci_low",
        "ci_high",
    ]
    g0 = next(iter(fit.results))
    dydx = m[(m["group"] == g0) & (m["effect"] == "dydx")]
    np.testing.assert_allclose(dydx["dydx"].to_numpy(), fit.results[g0].margins()["dydx"].to_numpy())
    disc = m[(m["group"] == g0) & (m["effect"] == "discrete")]
    assert set(disc["term"]) == set(fit.results[g0].margins(discrete=True).attrs["discrete"])
    tables = compute_tables(fixture_study)
    for name in md.model_specs(fixture_study):
        assert f"margins_{name}.csv" in tables and f"logit_{name}_cluster.csv" in tables
    assert set(tables["logit_notes.csv"]["model"]) == set(md.model_specs(fixture_study))


def test_long_table_has_the_likelihood_ratio_test(results):
    lt = long_table(results)
    puno = lt[lt.group == "Puno"].set_index(["variable", "statistic"])["value"]
    assert puno[("(model)", "lr_chi2")] == pytest.approx(results["Puno"].lr_chi2)
    assert puno[("(model)", "lr_df")] == 3 and puno[("(model)", "lr_p")] == pytest.approx(results["Puno"].lr_pvalue)


def test_margins_wide_in_percentage_points(results, spector_unsupported):
    t = lr.margins_wide({**results, "Tiny": spector_unsupported}, labels=LABELS, groups=GROUPS)
    assert t.columns.tolist() == [(g, s) for g in ["Puno", "Cajamarca"] for s in ["AME (points)", "Std. Err."]]
    assert t.index.tolist() == ["Grade point average", "TUCE", "PSI"]  # private_job estimated nowhere
    m = results["Puno"].margins(discrete=True).set_index("term")
    star = sop.significance_stars(float(m.loc["PSI", "pvalue"]))
    assert t.loc["PSI", ("Puno", "AME (points)")] == f"{100 * m.loc['PSI', 'dydx']:.1f}{star}"
    assert t.loc["PSI", ("Puno", "Std. Err.")] == f"{100 * m.loc['PSI', 'se']:.1f}"
    assert t.loc["TUCE", ("Cajamarca", "AME (points)")] == ""  # not in that model


def test_compare_errors_keeps_common_groups_in_base_order(results):
    d = sm.datasets.spector.load_pandas().data.assign(cl=np.arange(32) % 8)
    clustered = {"Puno": logit(d, "GRADE", ["GPA", "TUCE", "PSI"], cluster="cl")}
    t = lr.compare_errors(results, clustered)
    assert t.columns.tolist() == lr.COMPARE_COLUMNS
    assert t["group"].unique().tolist() == ["Puno"] and t["variable"].tolist() == ["Constant", "GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(t["se_cluster"], clustered["Puno"].se.to_numpy())
    np.testing.assert_allclose(t["se"], results["Puno"].se.to_numpy())
    assert (t["n_clusters"] == 8).all() and (t["vce"] == "robust").all()
