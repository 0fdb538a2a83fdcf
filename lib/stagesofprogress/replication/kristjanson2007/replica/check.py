"""Checking the replica: each model's data rebuilt from a study folder and refitted (used by
the tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# =========================================================================== checking the replica


def model_data(study, model: str, region: str):
    """(y, X with a constant) of one of study.yml's models, complete cases, built from the study's tables."""
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


def check_models(study) -> pd.DataFrame:
    """Fit the published models on the replica: B, SE (Stata robust or SPSS), N, pseudo R2, % correct."""
    import statsmodels.api as sm

    rows = []
    for model, spec in study.meta["models"].items():
        regions = spec.get("regions") or [spec.get("filter", {}).get("region")]
        for region in regions:
            y, X = model_data(study, model, region)
            n = len(y)
            if spec.get("robust", True):
                res = sm.Logit(y, X).fit(disp=0, cov_type="HC0", cov_kwds={"scaling_factor": n / (n - 1)})
            else:
                res = sm.Logit(y, X).fit(disp=0)
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
