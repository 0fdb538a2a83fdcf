"""Checking the replica: each model's data rebuilt from a study folder and refitted (used by
the tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stagesofprogress.study import Study

# =========================================================================== checking the replica


def model_data(study: Study, model: str, region: str) -> tuple[np.ndarray, pd.DataFrame]:
    """The outcome and design matrix of one of study.yml's models in one region, complete cases only.

    Built from the study's own tables (sample.csv, households.csv, reasons.csv), independently of
    the method's model code, as a cross-check.

    Parameters
    ----------
    study : Study
        The replica, loaded.
    model : str
        A key of study.yml's ``models:``.
    region : str
        The region whose sample is used.

    Returns
    -------
    y : numpy.ndarray
        The 0/1 outcome.
    X : pandas.DataFrame
        The predictors with a ``const`` column first, indexed by household.
    """
    spec = study.meta["models"][model]
    smp = study.table("sample").set_index("household_id")
    hh = study.households.set_index("household_id")
    smp = smp.join(hh[["region"]])
    smp = smp[smp["region"] == region]
    names = [v for g in spec["groups"] for v in g["variables"] if region in v.get("regions", [region])]
    if "period" in spec:
        a, b = spec["period"]
        p0 = hh.loc[smp.index, f"stage_{a}"] <= study.poverty_cutoff
        p1 = hh.loc[smp.index, f"stage_{b}"] <= study.poverty_cutoff
        catg = np.select(
            [p0 & p1, p0 & ~p1, ~p0 & p1], ["remained_poor", "escaped", "became_poor"], "remained_not_poor"
        )
        outc = {v: k for k, v in spec["outcome"].items()}
        keep = pd.Series(catg, index=smp.index).isin(outc)
        smp = smp[keep.to_numpy()]
        y = pd.Series(catg, index=keep.index)[keep].map(outc).astype(float)
        rs = study.table("reasons")
        rs = rs[(rs["start"] == a) & (rs["end"] == b)]
    else:
        y = smp[spec["outcome"]].astype(float)
        rs = study.table("reasons").iloc[:0]
    cols = {}
    for v in names:
        nm = v["name"]
        if nm in smp.columns:
            x = smp[nm].astype(float)
        else:
            x = pd.Series(smp.index.isin(rs.loc[rs["reason"] == nm, "household_id"]).astype(float), index=smp.index)
        if v.get("transform") == "log":
            x = np.log(x)
        elif v.get("transform") == "square":
            x = x**2
        cols[nm] = x
    X = pd.DataFrame(cols)
    ok = X.notna().all(axis=1) & y.notna()
    X = X[ok]
    X.insert(0, "const", 1.0)
    return y[ok].to_numpy(), X


def check_models(study: Study) -> pd.DataFrame:
    """Fit the published models on the replica with statsmodels, for comparison with the paper.

    Parameters
    ----------
    study : Study
        The replica, loaded.

    Returns
    -------
    pandas.DataFrame
        One row per model, region and term: model, region, name, B, SE (Stata's robust or the ML
        one, as the model says), N, llf, pseudo_r2, correct1 and correct0 (percent of each
        outcome class predicted correctly at 0.5).
    """
    from statsmodels.discrete.discrete_model import Logit  # not statsmodels.api: a second less to import

    rows = []
    for model, spec in study.meta["models"].items():
        regions = spec.get("regions") or [spec.get("filter", {}).get("region")]
        for region in regions:
            y, X = model_data(study, model, region)
            n = len(y)
            if spec.get("robust", True):
                res = Logit(y, X).fit(disp=0, cov_type="HC0", cov_kwds={"scaling_factor": n / (n - 1)})
            else:
                res = Logit(y, X).fit(disp=0)
            pi = res.predict(X)
            for name in X.columns:
                rows.append(
                    dict(
                        model=model,
                        region=region,
                        name=name,
                        B=res.params[name],
                        SE=res.bse[name],
                        N=n,
                        llf=res.llf,
                        pseudo_r2=res.prsquared,
                        correct1=100 * np.mean(pi[y == 1] >= 0.5),
                        correct0=100 * np.mean(pi[y == 0] < 0.5),
                    )
                )
    return pd.DataFrame(rows)
