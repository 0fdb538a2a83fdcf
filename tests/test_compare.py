"""`sop compare`: several studies side by side, as CSV and one HTML page, into a new folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data"


def test_compare_two_shipped_studies(tmp_path, sop_main):
    out = tmp_path / "cmp"
    code, stdout, err = sop_main("compare", "--data", DATA / "teaching", "--data", DATA / "example", "--out", out)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [".sop-output", "compare.html", "mobility.csv", "movements.csv"]
    mov = pd.read_csv(out / "movements.csv")
    assert list(mov.columns[:4]) == ["study", "start", "end", "group"]
    assert list(pd.unique(mov["study"])) == ["teaching", "example"]
    import stagesofprogress as sop

    ref = sop.all_movements(sop.load_study(DATA / "teaching"))
    got = mov[mov["study"] == "teaching"].drop(columns="study").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)
    mob = pd.read_csv(out / "mobility.csv")
    row = mob[(mob["study"] == "teaching") & (mob["group"] == "All")].iloc[0]
    e, d = row["escape"], row["descent"]
    assert abs(row["steady_share_poor"] - d / (e + d)) < 1e-9
    assert "<table>" in (out / "compare.html").read_text(encoding="utf-8")


def test_shared_reasons_only_codes_every_study_uses(tmp_path, sop_main):
    out = tmp_path / "cmp"
    code, _o, err = sop_main("compare", "--data", DATA / "peru2004", "--data", DATA / "teaching", "--out", out)
    assert code == 0, err
    r = pd.read_csv(out / "reasons.csv")
    import stagesofprogress as sop

    codes = [set(sop.reason_shares(sop.load_study(DATA / n), by=None)["reason"]) for n in ("peru2004", "teaching")]
    assert set(r["reason"]) == codes[0] & codes[1]
    assert (r["group"] == "All").all()


def test_refuses_existing_folder_and_bad_study(tmp_path, sop_main, write_study):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    code, _o, err = sop_main("compare", "--data", DATA / "teaching", "--data", DATA / "example", "--out", out)
    assert code == 1 and "sop did not write" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    bad = write_study(
        {"title": "bad", "time_points": [2000, 2010], "stages": ["a", "b"], "poverty_cutoff": 1},
        "household_id,community,region,stage_2000,stage_2010\nH1,A,R,1,9\n",
    )
    new = tmp_path / "new"
    code, _o, err = sop_main("compare", "--data", DATA / "teaching", "--data", bad, "--out", new)
    assert code == 1 and "households.csv" in err and "Traceback" not in err
    assert not new.exists()


def test_study_text_is_escaped_in_the_page(tmp_path, sop_main, write_study):
    meta = {
        "title": "<script>alert(1)</script> & {{ 7*7 }}",
        "time_points": [2000, 2010],
        "stages": ["a", "b"],
        "poverty_cutoff": 1,
    }
    rows = "household_id,community,region,stage_2000,stage_2010\nH1,A,<img src=x onerror=alert(2)>,1,2\nH2,A,R,2,1\n"
    one = write_study(meta, rows, name="one")
    two = write_study(meta, rows, name="two")
    out = tmp_path / "cmp"
    code, _o, err = sop_main("compare", "--data", one, "--data", two, "--out", out)
    assert code == 0, err
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
