"""The literature table: it loads, cites only works in references.bib, and its numbers are sane."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import stagesofprogress as sop
from stagesofprogress import literature as lit_mod

ROOT = Path(__file__).resolve().parents[1]
CSV, BIB = lit_mod.data_paths()


@pytest.fixture(scope="module")
def lit() -> pd.DataFrame:
    return lit_mod.load_studies()


def test_paths_are_the_repository_files():
    assert CSV == ROOT / "data" / "literature" / "studies.csv"
    assert BIB == ROOT / "references.bib"


def test_loads_with_the_documented_columns(lit):
    assert list(lit.columns) == lit_mod.COLUMNS
    assert len(lit) >= 5
    for col in lit_mod.INTEGERS:
        assert str(lit[col].dtype) == "Int64"
    for col in lit_mod.SHARES:
        assert lit[col].dtype == float


def test_the_studies_the_issue_asks_for_are_present(lit):
    names = " ".join(lit["study"])
    for place in ["Rajasthan", "Gujarat", "Andhra Pradesh", "Kenya", "Uganda"]:
        assert place in names


def test_every_source_is_a_key_of_references_bib(lit):
    keys = lit_mod.bib_keys(BIB)
    assert set(lit["source"]) <= keys
    # independent of the module's parser: each key appears as an entry head in the file
    text = BIB.read_text(encoding="utf-8")
    for key in set(lit["source"]):
        assert f"{{{key}," in text


def test_every_row_says_where_its_figures_are(lit):
    assert (lit["where"].str.len() > 0).all()


def test_shares_are_percentages(lit):
    shares = lit[lit_mod.SHARES].to_numpy(float)
    given = shares[~np.isnan(shares)]
    assert ((given >= 0) & (given <= 100)).all()
    assert lit["escaped"].notna().all() and lit["became_poor"].notna().all()


def test_four_categories_add_up_to_about_100_where_all_are_given(lit):
    full = lit.dropna(subset=lit_mod.SHARES)
    assert len(full) > 0
    np.testing.assert_allclose(full[lit_mod.SHARES].sum(axis=1), 100, atol=0.5)


def test_counts_are_positive_whole_numbers(lit):
    for col in ["communities", "households", "years"]:
        given = lit[col].dropna()
        assert (given > 0).all(), col
    assert lit["communities"].notna().all()
    span = lit.dropna(subset=["start", "end"])
    assert (span["end"] - span["start"] == span["years"]).all()


def test_raw_file_is_plain_csv_with_one_cell_per_column():
    with CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == lit_mod.COLUMNS
    assert {len(r) for r in rows} == {len(lit_mod.COLUMNS)}


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    p = tmp_path / "studies.csv"
    pd.DataFrame(rows, columns=lit_mod.COLUMNS).to_csv(p, index=False)
    return p


GOOD = dict(
    study="X",
    country="Y",
    communities="3",
    households="100",
    start="1990",
    end="2000",
    years="10",
    escaped="10",
    became_poor="5",
    remained_poor="20",
    remained_not_poor="65",
    source="krishna2004escaping",
    where="Table 1",
    note="",
)


def test_a_valid_file_loads(tmp_path):
    out = lit_mod.load_studies(_write(tmp_path, [GOOD]), BIB)
    assert out.loc[0, "households"] == 100 and out.loc[0, "escaped"] == 10.0


def test_every_problem_is_reported_at_once_with_row_and_column(tmp_path):
    bad = [
        GOOD,
        {**GOOD, "study": "A", "escaped": "120", "source": "nobody2099"},
        {**GOOD, "study": "B", "households": "12.5", "communities": "-1"},
        {**GOOD, "study": "C", "remained_not_poor": "50"},
        {**GOOD, "study": "D", "years": "7"},
        {**GOOD, "study": "E", "became_poor": "many", "where": ""},
        GOOD,
    ]
    with pytest.raises(lit_mod.LiteratureError) as err:
        lit_mod.load_studies(_write(tmp_path, bad), BIB)
    text = str(err.value)
    for expected in [
        "row 3, column escaped: a share must lie between 0 and 100",
        "row 3, column source: not a key of references.bib",
        "row 3, column remained_not_poor: the four categories must add up to about 100",
        "row 3, column became_poor: escaped and became_poor add up to more than 100",
        "row 4, column households: not a positive whole number",
        "row 4, column communities: not a positive whole number",
        "row 5, column remained_not_poor: the four categories must add up to about 100",
        "row 6, column years: end minus start must equal years",
        "row 7, column became_poor: not a number",
        "row 7, column where: a value is required",
        "row 8, column study: the same study and period appear twice",
    ]:
        assert expected in text, expected
    assert len(err.value.problems) == 11
    rows = [int(p.split(",")[0].split()[1]) for p in err.value.problems]
    assert rows == sorted(rows)


def test_missing_and_unknown_columns_are_named(tmp_path):
    p = tmp_path / "studies.csv"
    pd.DataFrame([{"study": "X", "colour": "red"}]).to_csv(p, index=False)
    with pytest.raises(lit_mod.LiteratureError) as err:
        lit_mod.load_studies(p, BIB)
    assert "missing column(s): country" in str(err.value)
    assert "unknown column(s): colour" in str(err.value)


def test_bib_keys_skips_comments_and_strings(tmp_path):
    b = tmp_path / "x.bib"
    b.write_text(
        "@string{wd = {World Development}}\n@comment{not a key}\n@Article{ key1 ,\n title={T}}\n"
        "@misc(key2, title={U})\n",
        encoding="utf-8",
    )
    assert lit_mod.bib_keys(b) == {"key1", "key2"}


def test_own_points_match_the_movement_summary():
    study = sop.load_study(ROOT / "data" / "example")
    tp = study.time_points
    own = lit_mod.own_points(study, [(tp[0], tp[-1])])
    summ = sop.movement_summary(study, tp[0], tp[-1])
    assert list(own["group"]) == [str(g) for g in summ.index]
    np.testing.assert_allclose(own["escaped"], summ["escaped"])
    np.testing.assert_allclose(own["became_poor"], summ["became_poor"])
    assert (own["years"] == tp[-1] - tp[0]).all()


def test_figure_labels_study_text_safely(lit):
    own = pd.DataFrame(
        {
            "group": ["$x^2$ region"],
            "start": [1990],
            "end": [2000],
            "years": [10],
            "households": [5],
            "escaped": [10.0],
            "became_poor": [5.0],
            "remained_poor": [20.0],
            "remained_not_poor": [65.0],
        }
    )
    fig = lit_mod.escape_descent_figure(lit, own)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert r"\$x^2\$ region (10 y)" in texts
    assert len(texts) == len(lit) + 1


def test_figure_is_deterministic_and_labels_stay_inside(lit):
    from stagesofprogress import book

    own = lit_mod.own_points(sop.load_study(ROOT / "data" / "example"))
    figs = [lit_mod.escape_descent_figure(lit, own) for _ in range(2)]
    assert book.png_bytes(figs[0]) == book.png_bytes(figs[1])
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = figs[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes)


def test_ragged_rows_are_reported_not_shifted(tmp_path):
    p = tmp_path / "studies.csv"
    header = ",".join(lit_mod.COLUMNS)
    good = ",".join(str(GOOD[c]) for c in lit_mod.COLUMNS)
    p.write_text(f"{header}\n{good}\n{good},extra\n{good.rsplit(',', 2)[0]}\n", encoding="utf-8")
    with pytest.raises(lit_mod.LiteratureError) as err:
        lit_mod.load_studies(p, BIB)
    assert err.value.problems == [
        f"row 3: {len(lit_mod.COLUMNS) + 1} cells, the header has {len(lit_mod.COLUMNS)}",
        f"row 4: {len(lit_mod.COLUMNS) - 2} cells, the header has {len(lit_mod.COLUMNS)}",
    ]
