"""`sop validate` and `sop tables` end to end: output shape, households left out, atomic and
deterministic writing, and nothing touched when the data are invalid."""

from __future__ import annotations

import csv
import io
import os

import pandas as pd
import pytest
from conftest import STUDIES, tree_digest
from stagesofprogress import movements as mv

HEADER = b"start,end,group,category,households,percent\n"
GOOD = STUDIES / "good"
BAD = STUDIES / "bad"


def read_movements(out) -> pd.DataFrame:
    return pd.read_csv(out / "movements.csv", encoding="utf-8", keep_default_na=False, na_values=[""])


@pytest.mark.parametrize(
    "name, n_periods, groups",
    [
        ("four_time_points", 5, ["North", "South", "All"]),
        ("unknown_stages", 1, ["North", "South", "All"]),
        ("eleven_stages_accented", 1, ["Ñuñoa", "Cajamarca-Baños", "All"]),
        ("extra_columns", 1, ["North", "South", "All"]),
    ],
)
def test_tables_writes_movements_csv(name, n_periods, groups, tmp_path, sop_main):
    out = tmp_path / "out"
    code, stdout, err = sop_main("tables", "--data", GOOD / name, "--out", out)
    assert code == 0, err
    raw = (out / "movements.csv").read_bytes()
    assert raw.startswith(HEADER)
    assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    t = read_movements(out)
    assert len(t) == n_periods * len(groups) * 4
    assert list(dict.fromkeys(t["group"])) == groups
    assert t["category"].tolist() == mv.CATEGORIES * (n_periods * len(groups))
    # percent = 100 x count / households of the group known in both years, unrounded
    known = t.groupby(["start", "end", "group"], sort=False)["households"].transform("sum")
    ok = known > 0
    assert (t.loc[ok, "percent"] == 100.0 * t.loc[ok, "households"] / known[ok]).all()
    assert f"to {out}" in stdout


def test_periods_in_movements_csv(tmp_path, sop_main):
    out = tmp_path / "out"
    assert sop_main("tables", "--data", GOOD / "four_time_points", "--out", out)[0] == 0
    t = read_movements(out)
    assert list(dict.fromkeys(zip(t.start, t.end))) == [
        (1984, 2014),
        (1994, 2014),
        (2004, 2014),
        (1984, 1994),
        (1994, 2004),
    ]


def test_accented_study_counts(tmp_path, sop_main):
    out = tmp_path / "out"
    code, stdout, _ = sop_main("tables", "--data", GOOD / "eleven_stages_accented", "--out", out)
    assert code == 0
    t = read_movements(out).set_index(["group", "category"])
    # cutoff 6 of 11: Ñuñoa 1->7 escaped, 6->6 remained poor, 7->11 remained not poor, 8->3 became poor
    assert t.loc["Ñuñoa", "households"].tolist() == [1, 1, 1, 1]
    # Cajamarca-Baños: 2->2 RP, 5->9 ESC, 10->1 BP, 11->10 RNP; C04 has no 1995 stage
    assert t.loc["Cajamarca-Baños", "households"].tolist() == [1, 1, 1, 1]
    assert t.loc["All", "percent"].tolist() == [25.0] * 4
    assert "1995-2005: 1 household left out (stage unknown in 1995 or 2005)." in stdout


def test_tables_reports_households_left_out(tmp_path, sop_main):
    code, stdout, _ = sop_main("tables", "--data", GOOD / "unknown_stages", "--out", tmp_path / "o")
    assert code == 0
    # H1 unknown in 1994, H2 in 2004, H3 in both: 3 of 4 left out
    assert "1994-2004: 3 households left out (stage unknown in 1994 or 2004)." in stdout
    t = read_movements(tmp_path / "o")
    assert t.loc[t.group == "All", "households"].sum() == 1


def test_nothing_reported_when_every_stage_is_known(tmp_path, sop_main):
    code, stdout, _ = sop_main("tables", "--data", GOOD / "crlf", "--out", tmp_path / "o")
    assert code == 0 and "left out" not in stdout


def test_same_input_gives_byte_identical_outputs(tmp_path, sop_main):
    for out in ("a", "b"):
        assert sop_main("tables", "--data", GOOD / "four_time_points", "--out", tmp_path / out)[0] == 0
    a, b = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert a == b and "movements.csv" in a


def test_rerun_replaces_the_folder_atomically(tmp_path, sop_main):
    out = tmp_path / "out"
    assert sop_main("tables", "--data", GOOD / "crlf", "--out", out)[0] == 0  # sop's own folder (marked)
    (out / "stale.csv").write_text("old\n")
    assert sop_main("tables", "--data", GOOD / "bom", "--out", out)[0] == 0
    assert not (out / "stale.csv").exists() and (out / "movements.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary or old folders left


@pytest.mark.parametrize("case", ["several_problems", "stage_word", "missing_households_csv", "nonexistent_path"])
def test_invalid_data_leaves_an_existing_out_untouched(case, tmp_path, sop_main):
    out = tmp_path / "out"
    assert sop_main("tables", "--data", GOOD / "crlf", "--out", out)[0] == 0
    (out / "mine.txt").write_text("keep me\n")
    before = tree_digest(out)
    data = BAD / case
    if (data / "data.txt").exists():
        data = data / (data / "data.txt").read_text().strip()
    code, stdout, err = sop_main("tables", "--data", data, "--out", out)
    assert code == 1
    assert "problem" in err and f"Nothing was written to {out}." in err
    assert "Traceback" not in err
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_invalid_data_creates_no_out(tmp_path, sop_main):
    out = tmp_path / "new" / "out"
    code, _, err = sop_main("tables", "--data", BAD / "stage_above_ladder", "--out", out)
    assert code == 1 and "stage 6 is above the ladder" in err
    assert list(tmp_path.iterdir()) == []


def test_validate_default_study(sop_main):
    code, out, err = sop_main("validate")
    assert code == 0 and "valid" in out, err


def test_tables_subprocess_accented_and_invalid(tmp_path, sop_run):
    """The installed command, as a user runs it: UTF-8 study in, UTF-8 tables out; bad data, OUT kept."""
    out = tmp_path / "out"
    p = sop_run("validate", "--data", GOOD / "eleven_stages_accented")
    assert p.returncode == 0 and "11 stages, cutoff 6" in p.stdout
    p = sop_run("tables", "--data", GOOD / "eleven_stages_accented", "--out", out)
    assert p.returncode == 0, p.stderr
    rows = list(csv.reader(io.StringIO((out / "movements.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["start", "end", "group", "category", "households", "percent"]
    assert len(rows) == 1 + 3 * 4 and rows[5][2] == "Cajamarca-Baños"
    before = tree_digest(out)
    p = sop_run("tables", "--data", BAD / "ragged_row_too_many_cells", "--out", out)
    assert p.returncode == 1
    assert "households.csv, row 3: has 6 cells but the header has 5 columns." in p.stderr
    assert "Traceback" not in p.stderr
    assert tree_digest(out) == before


def test_out_inside_missing_parents_is_created(tmp_path, sop_main):
    out = tmp_path / "a" / "b" / "out"
    assert sop_main("tables", "--data", GOOD / "bom", "--out", out)[0] == 0
    assert (out / "movements.csv").read_bytes().startswith(HEADER)
    assert sorted(os.listdir(out.parent)) == ["out"]


@pytest.mark.parametrize("where", ["study", "parent", "cwd", "other_study", "file"])
def test_tables_refuses_an_out_it_would_destroy(where, tmp_path, sop_main, monkeypatch):
    """OUT is replaced whole, so it must not be (or hold) the study, the working folder or a file."""
    import shutil

    data = tmp_path / "proj" / "study"
    shutil.copytree(GOOD / "crlf", data)
    other = tmp_path / "proj" / "other"
    shutil.copytree(GOOD / "bom", other)
    (tmp_path / "proj" / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(tmp_path / "proj")
    out = {
        "study": data,
        "parent": data.parent,
        "cwd": tmp_path / "proj",
        "other_study": other,
        "file": tmp_path / "proj" / "notes.txt",
    }[where]
    before = tree_digest(tmp_path)
    code, _, err = sop_main("tables", "--data", data, "--out", out)
    assert code == 1
    assert "choose a new or empty folder" in err
    assert f"Nothing was written to {out}." in err
    assert tree_digest(tmp_path) == before


def test_plugins_are_looked_up_once_per_process_in_name_order():
    from importlib.metadata import entry_points

    from stagesofprogress import outputs

    found = outputs.installed_plugins(outputs.TABLE_PLUGINS)
    assert outputs.installed_plugins(outputs.TABLE_PLUGINS) is found  # cached: no second metadata scan
    assert [e.name for e in found] == sorted(e.name for e in entry_points(group=outputs.TABLE_PLUGINS))
    assert "kristjanson2007" in [e.name for e in found]
    commands = [e.name for e in outputs.installed_plugins("stagesofprogress.commands")]
    assert "replica" in commands and commands == sorted(commands)
