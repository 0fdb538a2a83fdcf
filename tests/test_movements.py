"""Every core computation checked against numbers worked out by hand on a tiny study.

The study (stages 1..5, poverty cutoff 2: stages 1-2 are poor; "" = unknown):

    id  region  2000  2005  2010  assets      poor?  2000  2005  2010
    N1  North    1     2     3     1                 P     P     N
    N2  North    2     1     1     0                 P     P     P
    N3  North    3     4     5     4                 N     N     N
    N4  North    4     2     -     2                 N     P     ?
    S1  South    -     3     2     3                 ?     N     P
    S2  South    1     1     1     0                 P     P     P
    S3  South    5     3     2     5                 N     N     P
    S4  South    2     5     4     6                 P     N     N

Periods: 2000-2010 and 2005-2010 (every earlier point to the survey), then 2000-2005.
Categories, in the paper's order: remained poor (RP), escaped (ESC), became poor (BP),
remained not poor (RNP).

2000 -> 2010:  N1 ESC, N2 RP, N3 RNP, N4 ?, S1 ?, S2 RP, S3 BP, S4 ESC
    North RP 1 ESC 1 BP 0 RNP 1 (known 3, unknown 1)
    South RP 1 ESC 1 BP 1 RNP 0 (known 3, unknown 1)
    All   RP 2 ESC 2 BP 1 RNP 1 (known 6, unknown 2): 33.3 / 33.3 / 16.7 / 16.7 %
          poor at start (RP+ESC) 4/6 = 66.7 %, poor at end (RP+BP) 3/6 = 50 %
2005 -> 2010:  N1 ESC, N2 RP, N3 RNP, N4 ?, S1 BP, S2 RP, S3 BP, S4 RNP
    North 1 1 0 1 (known 3, unknown 1);  South 1 0 2 1 (known 4);  All 2 1 2 2 (known 7, unknown 1)
2000 -> 2005:  N1 RP, N2 RP, N3 RNP, N4 BP, S1 ?, S2 RP, S3 RNP, S4 ESC
    North 2 0 1 1 (known 4);  South 1 1 0 1 (known 3, unknown 1);  All 3 1 1 2 (known 7, unknown 1)
"""

from __future__ import annotations

import pandas as pd
import pytest
import stagesofprogress as sop
from stagesofprogress import movements as mv

RP, ESC, BP, RNP = mv.CATEGORIES

HOUSEHOLDS = """household_id,community,region,stage_2000,stage_2005,stage_2010,assets
N1,Alto,North,1,2,3,1
N2,Alto,North,2,1,1,0
N3,Bajo,North,3,4,5,4
N4,Bajo,North,4,2,,2
S1,Rio,South,,3,2,3
S2,Rio,South,1,1,1,0
S3,Mar,South,5,3,2,5
S4,Mar,South,2,5,4,6
"""
META = {
    "title": "Hand study",
    "time_points": [2000, 2005, 2010],
    "stages": ["a", "b", "c", "d", "e"],
    "poverty_cutoff": 2,
}


@pytest.fixture
def study(write_study):
    return sop.load_study(write_study(META, HOUSEHOLDS))


def test_categories_are_in_the_papers_order():
    assert mv.CATEGORIES == ["remained_poor", "escaped", "became_poor", "remained_not_poor"]
    assert set(mv.CATEGORY_LABELS) == set(mv.CATEGORIES)


def test_periods_order(study):
    assert study.periods() == [(2000, 2010), (2005, 2010), (2000, 2005)]
    assert study.regions == ["North", "South"]


def test_poverty_status_with_unknown_stages(study):
    st = sop.poverty_status(study)
    assert st.index.tolist() == ["N1", "N2", "N3", "N4", "S1", "S2", "S3", "S4"]
    assert st.columns.tolist() == [2000, 2005, 2010]
    assert all(str(t) == "boolean" for t in st.dtypes)
    P, N, U = True, False, None
    expected = {
        "N1": [P, P, N],
        "N2": [P, P, P],
        "N3": [N, N, N],
        "N4": [N, P, U],
        "S1": [U, N, P],
        "S2": [P, P, P],
        "S3": [N, N, P],
        "S4": [P, N, N],
    }
    for hid, row in expected.items():
        got = [None if pd.isna(v) else bool(v) for v in st.loc[hid]]
        assert got == row, hid
    assert int(st.isna().sum().sum()) == 2


def test_poverty_status_cutoff_is_inclusive(write_study):
    s = sop.load_study(write_study({**META, "poverty_cutoff": 3}, HOUSEHOLDS))
    # with cutoff 3, N1 (stage 3 in 2010) and S1 (stage 3 in 2005) are poor
    st = sop.poverty_status(s)
    assert bool(st.loc["N1", 2010]) is True and bool(st.loc["S1", 2005]) is True
    assert bool(st.loc["N3", 2000]) is True and bool(st.loc["N3", 2005]) is False


def test_movement_categories(study):
    c = sop.movement_categories(study, 2000, 2010)
    assert c.name == "movement_2000_2010"
    assert list(c.cat.categories) == mv.CATEGORIES
    got = [None if pd.isna(v) else v for v in c]
    assert got == [ESC, RP, RNP, None, None, RP, BP, ESC]
    assert c.index.tolist() == ["N1", "N2", "N3", "N4", "S1", "S2", "S3", "S4"]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (2000, 2010, {"North": [1, 1, 0, 1, 1], "South": [1, 1, 1, 0, 1], "All": [2, 2, 1, 1, 2]}),
        (2005, 2010, {"North": [1, 1, 0, 1, 1], "South": [1, 0, 2, 1, 0], "All": [2, 1, 2, 2, 1]}),
        (2000, 2005, {"North": [2, 0, 1, 1, 0], "South": [1, 1, 0, 1, 1], "All": [3, 1, 1, 2, 1]}),
    ],
)
def test_movement_counts(study, start, end, expected):
    c = sop.movement_counts(study, start, end)
    assert c.index.tolist() == ["North", "South", "All"]
    assert c.columns.tolist() == mv.CATEGORIES + ["unknown"]
    assert {g: c.loc[g].tolist() for g in c.index} == expected


def test_movement_counts_without_groups(study):
    c = sop.movement_counts(study, 2000, 2010, by=None)
    assert c.index.tolist() == ["All"]
    assert c.loc["All"].tolist() == [2, 2, 1, 1, 2]


def test_movement_counts_by_community(study):
    c = sop.movement_counts(study, 2000, 2010, by="community")
    assert c.index.tolist() == ["Alto", "Bajo", "Rio", "Mar", "All"]
    # Alto: N1 ESC, N2 RP; Bajo: N3 RNP, N4 ?; Rio: S1 ?, S2 RP; Mar: S3 BP, S4 ESC
    assert c.loc["Alto"].tolist() == [1, 1, 0, 0, 0]
    assert c.loc["Bajo"].tolist() == [0, 0, 0, 1, 1]
    assert c.loc["Rio"].tolist() == [1, 0, 0, 0, 1]
    assert c.loc["Mar"].tolist() == [0, 1, 1, 0, 0]


def test_movement_table(study):
    t = sop.movement_table(study, 2000, 2010)
    assert t.columns.tolist() == ["start", "end", "group", "category", "households", "percent"]
    assert t["group"].tolist() == ["North"] * 4 + ["South"] * 4 + ["All"] * 4
    assert t["category"].tolist() == mv.CATEGORIES * 3
    assert (t["start"] == 2000).all() and (t["end"] == 2010).all()
    assert t["households"].tolist() == [1, 1, 0, 1, 1, 1, 1, 0, 2, 2, 1, 1]
    # percent of the households known in both years, unrounded: North 3, South 3, All 6
    expected = [100 / 3, 100 / 3, 0, 100 / 3] + [100 / 3, 100 / 3, 100 / 3, 0] + [200 / 6, 200 / 6, 100 / 6, 100 / 6]
    assert t["percent"].tolist() == pytest.approx(expected, rel=1e-15)
    assert t.loc[t.group == "All", "percent"].iloc[2] == 100.0 * 1 / 6  # exactly, not rounded


def test_movement_table_percent_of_an_empty_group_is_missing(write_study):
    # region East's only household has an unknown stage: no percent can be given
    s = sop.load_study(write_study(META, HOUSEHOLDS + "E1,Ost,East,,1,1,0\n"))
    t = sop.movement_table(s, 2000, 2010)
    east = t[t.group == "East"]
    assert east["households"].tolist() == [0, 0, 0, 0]
    assert east["percent"].isna().all()


def test_all_movements(study):
    t = sop.all_movements(study)
    assert len(t) == 3 * 3 * 4  # periods x (2 regions + All) x categories
    assert list(dict.fromkeys(zip(t.start, t.end))) == [(2000, 2010), (2005, 2010), (2000, 2005)]
    last = t[(t.start == 2000) & (t.end == 2005) & (t.group == "South")]
    assert last["households"].tolist() == [1, 1, 0, 1]
    assert last["percent"].tolist() == pytest.approx([100 / 3, 100 / 3, 0, 100 / 3])
    sub = sop.all_movements(study, periods=[(2005, 2010)])
    pd.testing.assert_frame_equal(sub, sop.movement_table(study, 2005, 2010))


def test_movement_summary(study):
    s = sop.movement_summary(study, 2000, 2010)
    assert s.index.tolist() == ["North", "South", "All"]
    assert s.columns.tolist() == [
        "start",
        "end",
        *mv.CATEGORIES,
        "poor_at_start",
        "poor_at_end",
        "households",
        "unknown",
    ]
    a = s.loc["All"]
    assert a[mv.CATEGORIES].tolist() == pytest.approx([100 * 2 / 6, 100 * 2 / 6, 100 / 6, 100 / 6])
    assert a["poor_at_start"] == pytest.approx(100 * 4 / 6)  # N1 N2 S2 S4 of 6 known
    assert a["poor_at_end"] == pytest.approx(50.0)  # N2 S2 S3
    assert a["households"] == 6 and a["unknown"] == 2
    south = sop.movement_summary(study, 2005, 2010).loc["South"]
    # South 2005-2010: RP S2, BP S1 S3, RNP S4 -> poor at start 1/4, at end 3/4
    assert south["poor_at_start"] == pytest.approx(25.0)
    assert south["poor_at_end"] == pytest.approx(75.0)
    assert south["households"] == 4 and south["unknown"] == 0


def test_transition_matrix(study):
    # known in 2000 and 2010: N1 1->3, N2 2->1, N3 3->5, S2 1->1, S3 5->2, S4 2->4
    m = sop.transition_matrix(study, 2000, 2010)
    assert m.index.name == "stage_2000" and m.columns.name == "stage_2010"
    assert m.index.tolist() == [1, 2, 3, 4, 5] and m.columns.tolist() == [1, 2, 3, 4, 5]
    assert m.to_numpy().tolist() == [
        [1, 0, 1, 0, 0],
        [1, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0],
    ]
    # quadrants (cutoff 2) are the movement counts of All
    v = m.to_numpy()
    assert [v[:2, :2].sum(), v[:2, 2:].sum(), v[2:, :2].sum(), v[2:, 2:].sum()] == [2, 2, 1, 1]


def test_transition_matrix_normalized_and_by_group(study):
    m = sop.transition_matrix(study, 2000, 2010, normalize=True)
    assert m.loc[1].tolist() == [0.5, 0, 0.5, 0, 0]
    assert m.loc[5].tolist() == [0, 1, 0, 0, 0]
    assert m.loc[4].isna().all()  # nobody at stage 4 in 2000 with a known 2010 stage
    south = sop.transition_matrix(study, 2000, 2010, group=("region", "South"))
    # S2 1->1, S3 5->2, S4 2->4 (S1 unknown in 2000)
    assert south.to_numpy().tolist() == [
        [1, 0, 0, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0],
    ]


def test_poverty_rates(study):
    r = sop.poverty_rates(study)
    assert r.columns.tolist() == ["year", "group", "households", "percent_poor"]
    assert list(zip(r.year, r.group)) == [(y, g) for y in (2000, 2005, 2010) for g in ("North", "South", "All")]
    # 2000: North 2/4 poor, South 2/3 (S1 unknown), All 4/7
    # 2005: North 3/4, South 1/4, All 4/8;   2010: North 1/3 (N4 unknown), South 3/4, All 4/7
    assert r.households.tolist() == [4, 3, 7, 4, 4, 8, 3, 4, 7]
    assert r.percent_poor.tolist() == pytest.approx([50, 200 / 3, 400 / 7, 75, 25, 50, 100 / 3, 75, 400 / 7])


def test_mean_by_stage(study):
    t = sop.mean_by_stage(study, "assets")  # survey year 2010
    # 2010 stage: assets -> 1: N2 0, S2 0; 2: S1 3, S3 5; 3: N1 1; 4: S4 6; 5: N3 4 (N4 unknown)
    assert t.index.name == "stage" and t.index.tolist() == [1, 2, 3, 4, 5]
    assert t.label.tolist() == ["1", "2", "3", "4", "5"]
    assert t.households.tolist() == [2, 2, 1, 1, 1]
    assert t["mean"].tolist() == [0, 4, 1, 6, 4]
    t2000 = sop.mean_by_stage(study, "assets", year=2000)
    # 2000: 1: N1 1, S2 0; 2: N2 0, S4 6; 3: N3 4; 4: N4 2; 5: S3 5 (S1 unknown)
    assert t2000["mean"].tolist() == [0.5, 3, 4, 2, 5]
    top = sop.mean_by_stage(study, "assets", top=3)
    # 3 and higher: N1 1, S4 6, N3 4
    assert top.label.tolist() == ["1", "2", "3 and higher"]
    assert top.households.tolist() == [2, 2, 3]
    assert top["mean"].iloc[2] == pytest.approx(11 / 3)
    with pytest.raises(KeyError, match="no column 'income'"):
        sop.mean_by_stage(study, "income")


def test_mean_by_stage_top_coded_at_twelve(write_study):
    """The paper's Table 2 pools the top of a 13-stage ladder as '12 and higher'."""
    meta = {
        "title": "t",
        "time_points": [1994, 2004],
        "stages": [f"s{i}" for i in range(1, 14)],
        "poverty_cutoff": 7,
        "top_stage": 12,
    }
    rows = ["A,c,r,1,11,2", "B,c,r,1,12,4", "C,c,r,1,13,6", "D,c,r,1,13,8", "E,c,r,1,1,1", "F,c,r,1,,9"]
    s = sop.load_study(
        write_study(meta, "household_id,community,region,stage_1994,stage_2004,assets\n" + "\n".join(rows) + "\n")
    )
    t = sop.mean_by_stage(s, "assets")
    assert len(t) == 12
    assert t.label.iloc[-1] == "12 and higher" and t.label.iloc[-2] == "11"
    assert t.households.tolist() == [1] + [0] * 9 + [1, 3]
    assert t["mean"].iloc[-1] == 6 and t["mean"].iloc[-2] == 2 and t["mean"].iloc[0] == 1
    assert t["mean"].iloc[1:10].isna().all()
    # the same from an explicit top, without top_stage in study.yml
    del s.meta["top_stage"]
    assert sop.mean_by_stage(s, "assets").label.iloc[-1] == "13"
    pd.testing.assert_frame_equal(sop.mean_by_stage(s, "assets", top=12), t)


def test_unknown_stages_never_count_as_poor_or_not(study):
    # N4 is unknown in 2010: it is in no category of any period ending in 2010
    for a, b in [(2000, 2010), (2005, 2010)]:
        c = sop.movement_categories(study, a, b)
        assert pd.isna(c["N4"])
    assert sop.movement_categories(study, 2000, 2005)["N4"] == BP


def test_a_region_named_all_is_refused(write_study):
    """`All` is the total's name in every table: a group of that name is refused by the gate."""
    problems, study = sop.validate(write_study(META, HOUSEHOLDS.replace(",South,", ",All,")))
    assert study is None
    assert problems and all(p.column == "region" and "'All' is reserved" in p.message for p in problems)
