"""The reason tables of the escape and descent chapter (`layouts.reason_periods_table`): the
period the models weigh comes first, the sub-periods follow, and a study that declares its
paper shows the shares the paper quotes beside the book's."""

from __future__ import annotations

import shutil
from pathlib import Path

import stagesofprogress as sop
from stagesofprogress import layouts
from stagesofprogress import reasons as rs

ROOT = Path(__file__).resolve().parents[1]
PERU = ROOT / "data" / "peru2004"
TEACHING = ROOT / "data" / "teaching"


def test_the_models_period_leads_then_the_sub_periods():
    study = sop.load_study(PERU)
    assert layouts.model_periods(study, "escaped") == [(1979, 2004)]
    assert layouts.reason_table_periods(study, "escaped") == [(1979, 2004), (1979, 1994), (1994, 2004)]
    assert layouts.reason_periods(study) == [(1979, 1994), (1994, 2004)]  # the trend sentences' periods
    t = layouts.reason_periods_table(study, "escaped")
    assert list(dict.fromkeys(t.index.get_level_values(0))) == ["1979–2004", "1979–1994", "1994–2004"]


def test_book_shares_are_the_computed_ones_and_the_quotes_the_papers():
    study = sop.load_study(PERU)
    t = layouts.reason_periods_table(study, "escaped")
    shares = rs.reason_shares(study, [(1979, 2004)])
    row = shares[
        (shares["category"] == "escaped") & (shares["group"] == "Cajamarca") & (shares["reason"] == "business_gains")
    ].iloc[0]
    cell = t.loc[("1979–2004", row["label"]), "Cajamarca"]
    book, quote = cell.split(" (")
    assert book == f"{row['percent']:.1f}"
    quoted = layouts.quoted_reason_shares(study, "escaped")
    assert quote.rstrip(")") == quoted[(1979, 2004, "Cajamarca", "business_gains")]
    # every quote of the paper for this category has its cell, in its period and region
    for (a, b, region, code), value in quoted.items():
        label = shares.loc[shares["reason"] == code, "label"].iloc[0]
        assert t.loc[(layouts.period_name(a, b), label), region].endswith(f"({value})")


def test_no_paper_no_quotes(tmp_path):
    copy = tmp_path / "peru"
    shutil.copytree(PERU, copy)
    text = (copy / "study.yml").read_text(encoding="utf-8")
    (copy / "study.yml").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("paper:")) + "\n", encoding="utf-8"
    )
    study = sop.load_study(copy)
    assert layouts.quoted_reason_shares(study, "escaped") == {}
    t = layouts.reason_periods_table(study, "escaped")
    assert not t.apply(lambda c: c.str.contains(r"\(", regex=True)).any().any()


def test_a_study_without_models_shows_its_recorded_periods():
    study = sop.load_study(TEACHING)
    lead = layouts.model_periods(study, "escaped")
    periods = layouts.reason_table_periods(study, "escaped")
    assert periods[: len(lead)] == [p for p in lead if p in set(rs.recorded_periods(study))]
    assert sorted(periods) == sorted(set(periods))  # each period once
    assert set(periods) <= set(rs.recorded_periods(study))


def test_the_note_says_what_the_blocks_and_brackets_are(tmp_path):
    from stagesofprogress import findings

    study = sop.load_study(PERU)
    note = str(findings.reason_table_note(study, "escaped"))
    assert "opens with 1979–2004" in note and "the model weighs" in note and "in brackets" in note
    copy = tmp_path / "peru"
    shutil.copytree(PERU, copy)
    text = (copy / "study.yml").read_text(encoding="utf-8")
    (copy / "study.yml").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("paper:")) + "\n", encoding="utf-8"
    )
    assert "brackets" not in str(findings.reason_table_note(sop.load_study(copy), "escaped"))
