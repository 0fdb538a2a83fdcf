"""Households' own stories, tied to the households of a study that followed the same path.

A Stages-of-Progress report tells a few households' stories in their own words (the paper's
Boxes 1 and 2). A story fixes a path over the study's time points (poor, then poor, then not
poor ...), and `path_matches` counts the study's households that followed that path: in the
storyteller's community, in the region, and in the whole study. `status_paths` tabulates
every path, so a reader sees how common the story's path is.

A path is a sequence with one entry per time point: ``True`` (poor), ``False`` (not poor) or
``None`` (either). Households whose stage is unknown at a time point a path fixes are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import figstyle as fs
from . import movements as mv
from .safetext import MD, md, md_join
from .study import Study

__all__ = ["path_label", "status_paths", "path_matches", "matches_text"]

ARROW = " \u2192 "


def path_label(path: Sequence[bool | None]) -> str:
    """A path in words.

    Parameters
    ----------
    path : sequence of bool or None
        True (poor), False (not poor) or None (either), one per time point.

    Returns
    -------
    str
        For example 'poor → poor → not poor' (``None``: 'poor or not').
    """
    words = {True: "poor", False: "not poor", None: "poor or not"}
    return ARROW.join(words[None if p is None else bool(p)] for p in path)


def status_paths(study: Study, by: str | None = "region") -> pd.DataFrame:
    """Households by their poverty path over all the study's time points.

    Parameters
    ----------
    study : Study
        A loaded study.
    by : str or None, default "region"
        A household column to group by (``None``: all households only).

    Returns
    -------
    pandas.DataFrame
        ``group, path, households, percent`` (of the group's households whose status is known at
        every time point); groups in order of appearance then ``All``, paths by decreasing count.
    """
    st = mv.poverty_status(study)
    known = st.notna().all(axis=1).to_numpy()
    poor = st.to_numpy(dtype=float, na_value=np.nan)[known] > 0.5
    words = np.where(poor, "poor", "not poor")
    paths = pd.Series([ARROW.join(row) for row in words], dtype=object)
    groups = study.households[by].astype(str).to_numpy()[known] if by else np.full(len(paths), mv.ALL)
    df = pd.DataFrame({"group": groups, "path": paths.to_numpy()})
    if by:
        df = pd.concat([df, df.assign(group=mv.ALL)], ignore_index=True)
    counts = df.groupby(["group", "path"], sort=False).size().rename("households").reset_index()
    total = counts.groupby("group", sort=False)["households"].transform("sum")
    counts["percent"] = 100.0 * counts["households"] / total
    order = {g: i for i, g in enumerate(pd.unique(counts["group"]))}
    counts = counts.sort_values(["group", "households", "path"], ascending=[True, False, True],
                                key=lambda s: s.map(order) if s.name == "group" else s)  # fmt: skip
    return counts.reset_index(drop=True)


def path_matches(
    study: Study, path: Sequence[bool | None], region: str | None = None, community: str | None = None
) -> pd.DataFrame:
    """How many households followed `path`, in `community`, in `region` and in the study.

    Parameters
    ----------
    study : Study
        A loaded study.
    path : sequence of bool or None
        One entry per time point of the study (True: poor, False: not poor, None: either).
    region, community : str, optional
        The storyteller's region and community (matched exactly); a scope the study lacks is
        left out of the result.

    Returns
    -------
    pandas.DataFrame
        ``scope, name, households`` (following the path), ``base`` (status known at the path's
        fixed time points), ``percent``: rows for the community, the region and the study.
    """
    tp = study.time_points
    if len(path) != len(tp):
        raise ValueError(f"A path needs one entry per time point ({len(tp)}: {tp}); got {len(path)}.")
    st = mv.poverty_status(study)
    fixed = [(y, bool(p)) for y, p in zip(tp, path) if p is not None]
    known = np.ones(len(st), dtype=bool)
    match = np.ones(len(st), dtype=bool)
    for y, p in fixed:
        col = st[y].to_numpy(dtype=float, na_value=np.nan)
        known &= ~np.isnan(col)
        match &= (col > 0.5) == p
    match &= known
    hh = study.households
    scopes = []
    if community is not None and "community" in hh.columns:
        scopes.append(("community", community, hh["community"].astype(str).to_numpy() == str(community)))
    if region is not None and "region" in hh.columns:
        scopes.append(("region", region, hh["region"].astype(str).to_numpy() == str(region)))
    scopes.append(("study", mv.ALL, np.ones(len(hh), dtype=bool)))
    rows = []
    for scope, name, inside in scopes:
        if not inside.any():
            continue
        n, base = int((match & inside).sum()), int((known & inside).sum())
        rows.append({"scope": scope, "name": str(name), "households": n, "base": base,
                     "percent": 100.0 * n / base if base else np.nan})  # fmt: skip
    return pd.DataFrame(rows, columns=["scope", "name", "households", "base", "percent"])


def matches_text(
    study: Study, path: Sequence[bool | None], region: str | None = None, community: str | None = None
) -> MD:
    """How many of the study's households followed `path`, in words.

    Parameters
    ----------
    study : Study
        A loaded study.
    path : sequence of bool or None
        As for `path_matches`.
    region, community : str, optional
        The storyteller's region and community.

    Returns
    -------
    MD
        One sentence from the community outwards (`path_matches`), marked *synthetic* on a
        synthetic study; study names escaped.
    """
    m = path_matches(study, path, region, community)
    where = {"community": "of {name}", "region": "of the region of {name}", "study": "of the whole study"}
    parts = [
        md(
            f"{{n}} of the {{base}} households {where[r.scope]} ({{pct}}%)",
            n=f"{r.households:,}",
            base=f"{r.base:,}",
            pct=f"{r.percent:.1f}",
            name=r.name,
        )  # fmt: skip
        for r in m.itertuples()
    ]
    head = md("In this study the path {label} ({years}) was followed by ", label=path_label(path),
              years=", ".join(str(y) for y in study.time_points))  # fmt: skip
    text = MD(head + md_join("; ", parts) + ".")
    if getattr(study, "synthetic", False):
        text = MD(text + md(" *({mark}: the study's households are invented)*", mark=fs.SYNTHETIC_LABEL))
    return text
