"""Paper-layout tables, the SPSS table, CSV/HTML export and the forest plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import stagesofprogress as sop
from stagesofprogress.logit import logit
from stagesofprogress.logit_report import (
    SPSS_COLUMNS,
    forest_plot,
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
    assert len(axes) == 2 and fig.get_size_inches()[0] == 7
    assert [a.get_title() for a in axes] == ["Puno", "Cajamarca"]
    assert all(a.get_xscale() == "log" for a in axes)
    # reference line at 1 on every panel
    assert all(any(np.allclose(l.get_xdata(), 1) for l in a.get_lines()) for a in axes)

    def markers(a):
        return sum(len(l.get_xdata()) for l in a.get_lines() if l.get_marker() == "o")

    assert markers(axes[0]) == 3  # GPA, TUCE, PSI
    assert markers(axes[1]) == 2  # GPA, PSI; private_job dropped, TUCE absent
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert ticks == ["Grade point average", "TUCE", "PSI"]  # private_job estimated nowhere
    filled = [l for l in axes[0].get_lines() if l.get_label() == "p < 0.1"][0]
    np.testing.assert_allclose(filled.get_xdata(), np.exp([2.826113, 2.378688]), rtol=1e-5)


def test_forest_plot_into_given_axes(results):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert forest_plot({"Puno": results["Puno"]}, ax=ax) is fig
    with pytest.raises(ValueError, match="needs 2 Axes"):
        forest_plot(results, ax=ax)
