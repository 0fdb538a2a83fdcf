"""Ladders per community (ladders.csv) and a prosperity line: validation, status, movements."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import stagesofprogress.movements as mv
from conftest import STUDIES, sop_in_process
from stagesofprogress import status
from stagesofprogress.study import check

BASE = STUDIES / "formats" / "csv"
# Lugarí's meeting drew its own 7-stage ladder: poor up to stage 2, prosperous from stage 6.
LUGARI = """community,stage,name,poor,prosperous
Lugarí,1,Chakula,1,0
Lugarí,2,Nguo,1,0
Lugarí,3,Paa,0,0
Lugarí,4,Kuku,0,0
Lugarí,5,Shamba,0,0
Lugarí,6,Ng'ombe,0,1
Lugarí,7,Gari,0,1
"""


def study_with(tmp_path, ladders: str | None = LUGARI, yml_extra: str = "", edit=None):
    folder = tmp_path / "study"
    shutil.copytree(BASE, folder)
    if ladders is not None:
        (folder / "ladders.csv").write_text(ladders, encoding="utf-8")
    if yml_extra:
        with open(folder / "study.yml", "a", encoding="utf-8") as f:
            f.write(yml_extra)
    if edit:
        hh = (folder / "households.csv").read_text(encoding="utf-8")
        (folder / "households.csv").write_text(edit(hh), encoding="utf-8")
    return folder


def messages(report) -> list[str]:
    return [str(p) for p in report.problems]


def test_each_community_uses_its_own_poverty_line(tmp_path):
    r = check(study_with(tmp_path))
    assert r.valid, messages(r)
    s = r.study
    assert s.cutoffs().tolist() == [3.0] * 6 + [2.0] * 6
    cat = mv.movement_categories(s, 1990, 2010)
    # Lugarí (cutoff 2): L03 6 -> 3 stays not poor (with study.yml's cutoff 3 it would become poor)
    assert cat["L03"] == "remained_not_poor"
    assert cat["L02"] == "escaped" and cat["L01"] == "remained_poor" and pd.isna(cat["L04"])
    # Kabuchai keeps study.yml's cutoff 3: K03 4 -> 2 became poor
    assert cat["K03"] == "became_poor"
    rates = mv.poverty_rates(s)
    lug = rates[(rates["year"] == 1990) & (rates["group"] == "Kakamega (Magharibi)")].iloc[0]
    assert lug["percent_poor"] == pytest.approx(100 * 3 / 6)  # stages 1, 2, 1 of 1,2,6,3,1,4


def test_stages_are_checked_against_each_communitys_ladder(tmp_path):
    def edit(hh):
        hh = hh.replace("L06,Lugarí,Kakamega (Magharibi),4,5,5", "L06,Lugarí,Kakamega (Magharibi),4,5,7")
        return hh.replace("K04,Kabuchai,Bungoma,5,5,6", "K04,Kabuchai,Bungoma,5,5,7")

    r = check(study_with(tmp_path, edit=edit))
    msgs = messages(r)
    assert msgs == [
        "households.csv, row 5, column stage_2010: stage 7 is above the ladder of study.yml: it has only 6 stages."
    ], msgs


def test_stage_cells_may_hold_names_of_the_communitys_own_ladder(tmp_path):
    def edit(hh):
        return hh.replace(
            "L02,Lugarí,Kakamega (Magharibi),2,4,4", "L02,Lugarí,Kakamega (Magharibi), nguo ,Kuku,4"
        ).replace("K02,Kabuchai,Bungoma,2,2,2", "K02,Kabuchai,Bungoma,Clothes,2,2")

    r = check(study_with(tmp_path, edit=edit))
    assert r.valid, messages(r)
    hh = r.study.households.set_index("household_id")
    assert hh.loc["L02", "stage_1990"] == 2 and hh.loc["L02", "stage_2000"] == 4 and hh.loc["K02", "stage_1990"] == 2
    # a name of Lugarí's ladder is not a stage of Kabuchai's
    r = check(
        study_with(tmp_path / "b", edit=lambda hh: hh.replace("K02,Kabuchai,Bungoma,2,", "K02,Kabuchai,Bungoma,Nguo,"))
    )
    assert messages(r) == [
        "households.csv, row 3, column stage_1990: 'Nguo' is neither a stage number nor a stage name."
    ]


@pytest.mark.parametrize(
    "rows, words",
    [
        (
            LUGARI.replace("Lugarí,3,Paa", "Lugarí,9,Paa"),
            "must number its stages 1, 2, 3 ... without gaps; stages 3, 8 are missing",
        ),
        (
            LUGARI.replace("Lugarí,3,Paa,0", "Lugarí,3,Paa,1").replace("Lugarí,2,Nguo,1", "Lugarí,2,Nguo,0"),
            "poor must be 1 for the stages of community 'Lugarí' at or below its poverty line",
        ),
        (
            LUGARI.replace("Lugarí,2,Nguo,1,0", "Lugarí,2,Nguo,1,1")
            .replace("Lugarí,3,Paa,0,0", "Lugarí,3,Paa,0,1")
            .replace("Lugarí,4,Kuku,0,0", "Lugarí,4,Kuku,0,1")
            .replace("Lugarí,5,Shamba,0,0", "Lugarí,5,Shamba,0,1"),
            "the line must be above the poverty line (stage 2)",
        ),
        (LUGARI.replace("Lugarí", "Lugari"), "the community 'Lugari' does not appear in households.csv"),
        (LUGARI + "Lugarí,7,Gari,0,1\n", "stage 7 of community 'Lugarí' is listed twice"),
    ],
)
def test_a_community_ladder_that_is_not_a_ladder_is_refused(tmp_path, rows, words):
    r = check(study_with(tmp_path, ladders=rows))
    assert not r.valid
    assert any(words in m and m.startswith("ladders.csv, row") for m in messages(r)), messages(r)


def test_stage_tables_keep_to_one_ladder(tmp_path):
    s = check(study_with(tmp_path)).study
    assert not s.one_ladder
    m = mv.transition_matrix(s, 1990, 2010)
    assert int(m.to_numpy().sum()) == 5  # Kabuchai's households known at both dates; Lugarí's ladder differs
    same = check(study_with(tmp_path / "same", ladders=None)).study
    assert same.one_ladder and int(mv.transition_matrix(same, 1990, 2010).to_numpy().sum()) == 10


def test_prosperity_line_of_study_yml_gives_three_statuses(tmp_path):
    s = check(study_with(tmp_path, ladders=None, yml_extra="prosperity_cutoff: 5\n")).study
    assert s.has_prosperity
    codes = status.status_codes(s, 2010)
    # stages 2010: 4 2 2 6 3 5 | 1 4 3 . 5 5  with poor <= 3, prosperous >= 5
    assert codes.tolist() == [1, 0, 0, 2, 0, 2, 0, 1, 0, -1, 2, 2]
    t = status.status_movements(s, [(1990, 2010)])
    assert list(t.columns) == ["start", "end", "group", "from_status", "to_status", "households", "percent"]
    assert len(t) == 9 * 3  # two regions and All
    allt = t[t["group"] == "All"].set_index(["from_status", "to_status"])
    # 1990 -> 2010 (10 households known at both): poor->poor K02 K03? K03 is 4 (not poor) in 1990
    assert allt["households"].sum() == 10
    assert allt.loc[("poor", "prosperous"), "households"] == 2  # K06 3->5, L05 1->5
    assert allt.loc[("prosperous", "prosperous"), "households"] == 1  # K04 5->6
    assert allt.loc[("prosperous", "poor"), "households"] == 1  # L03 6->3
    assert allt["percent"].sum() == pytest.approx(100)
    nine = status.nine_cell_table(s, 1990, 2010)
    assert nine.shape == (3, 3) and nine.loc["Poor", "Prosperous"] == pytest.approx(20)


def test_prosperity_line_of_a_community_ladder_only(tmp_path):
    s = check(study_with(tmp_path)).study
    assert s.has_prosperity and s.prosperity_cutoff is None
    codes = status.status_codes(s, 1990)
    # Kabuchai has no prosperity line: never prosperous; Lugarí's L03 (stage 6) is
    assert codes.tolist() == [0, 0, 1, 1, -1, 0, 0, 0, 2, 1, 0, 1]


def test_no_prosperity_line_no_status_table(tmp_path):
    s = check(study_with(tmp_path, ladders=None)).study
    assert not s.has_prosperity
    with pytest.raises(ValueError, match="no prosperity line"):
        status.status_movements(s)


@pytest.mark.parametrize(
    "value, words",
    [
        ("3", "must be above poverty_cutoff (3)"),
        ("7", "at most the number of stages (6)"),
        ("high", "must be a whole number"),
    ],
)
def test_prosperity_cutoff_is_checked(tmp_path, value, words):
    r = check(study_with(tmp_path, ladders=None, yml_extra=f"prosperity_cutoff: {value}\n"))
    assert any(words in m and "prosperity_cutoff" in m for m in messages(r)), messages(r)


def test_sop_tables_writes_status_movements(tmp_path):
    folder = study_with(tmp_path, yml_extra="prosperity_cutoff: 5\n")
    out = tmp_path / "out"
    run = sop_in_process("tables", "--data", folder, "--out", out)
    assert run.returncode == 0, run.stderr
    t = pd.read_csv(out / "status_movements.csv")
    assert set(t["from_status"]) == {"poor", "not_poor", "prosperous"}
    sums = t.groupby(["start", "end", "group"])["percent"].sum()
    assert np.allclose(sums.dropna(), 100)
    plain = tmp_path / "plain"
    assert sop_in_process("tables", "--data", study_with(tmp_path / "p", ladders=None), "--out", plain).returncode == 0
    assert not (plain / "status_movements.csv").exists()


# --------------------------------------------------------------------------- ladders in the book


def _text(md) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", str(md))


def test_distinct_ladders_name_their_communities(tmp_path):
    from stagesofprogress import ladders

    s = check(study_with(tmp_path)).study
    groups = ladders.distinct(s)
    assert [(lad.n_stages, lad.poverty_cutoff, lad.prosperity_cutoff, comms) for lad, comms in groups] == [
        (6, 3, None, ["Kabuchai"]),
        (7, 2, 6, ["Lugarí"]),
    ]
    plain = check(study_with(tmp_path / "plain", ladders=None)).study
    assert [comms for _, comms in ladders.distinct(plain)] == [["Kabuchai", "Lugarí"]]
    assert ladders.left_out_text(plain, "the maps") == "" and ladders.ladders_text(plain) == ""


def test_stage_level_results_say_which_communities_they_leave_out(tmp_path):
    from stagesofprogress import ladders

    s = check(study_with(tmp_path)).study
    out = _text(ladders.left_out_text(s, "the stage-to-stage transition maps"))
    assert out == (
        "The stage-to-stage transition maps use the ladder of study.yml only: Lugarí has its own ladder or "
        "poverty line (the ladders table), and stages are pooled only where they are the same rungs under the "
        "same line, so the 6 households of that community are left out here. Poverty status, which each "
        "community's own line decides, counts them."
    )
    # the matrices the maps draw do leave them out: Kabuchai's households known at both dates only
    kab = (s.households["community"] == "Kabuchai").to_numpy()
    known = (mv.stages(s, 1990).notna() & mv.stages(s, 2010).notna()).to_numpy()
    assert int(mv.transition_matrix(s, 1990, 2010).to_numpy().sum()) == int((kab & known).sum()) == 5
    desc = _text(ladders.ladders_text(s))
    assert desc.startswith("That is the ladder of study.yml, which 1 of the 2 communities use.")
    assert (
        "Lugarí uses a ladder of 7 stages with the poverty line after stage 2, *Nguo* and the prosperity line at stage 6, *Ng'ombe*"
        in desc
    )


def test_ladder_figure_has_one_panel_per_ladder(tmp_path):
    import stagesofprogress as sop

    s = check(study_with(tmp_path)).study
    fig = sop.plots.ladder(s)
    axes = [ax for sf in fig.subfigs for ax in sf.axes]
    assert len(fig.subfigs) == 2 and len(axes) == 2
    assert [len(ax.get_yticks()) for ax in axes] == [6, 7]  # each panel its own rungs
    titles = [sf._suptitle.get_text() for sf in fig.subfigs]
    assert titles == ["study.yml's ladder: Kabuchai", "Own ladder: Lugarí"]
    # each panel's bars are shares of its own ladder's households in the survey year
    for ax in axes:
        assert sum(p.get_width() for p in ax.patches) == pytest.approx(100.0)
    one = sop.plots.ladder(check(study_with(tmp_path / "plain", ladders=None)).study)
    assert not one.subfigs and len(one.axes) == 1


def test_median_move_of_escapers_uses_each_communitys_line(tmp_path):
    from stagesofprogress import mobility

    s = check(study_with(tmp_path)).study
    cat = mv.movement_categories(s, s.time_points[0], s.survey_year)
    m = mobility.mobility_facts(s)
    s0 = mv.stages(s, s.time_points[0]).astype(float)
    s1 = mv.stages(s, s.survey_year).astype(float)
    esc = (cat == "escaped").to_numpy()
    assert m["escape_steps"] == f"{float(np.median((s1 - s0).to_numpy()[esc])):.0f}"
