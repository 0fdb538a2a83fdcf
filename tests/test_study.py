"""The study contract: every malformed fixture is reported (file, row, column, plain sentence),
every valid one loads, and validation never touches the files it reads.

Fixtures live in tests/studies/{bad,good}/ and are written by tests/studies/make_fixtures.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import STUDIES, tree_digest
from stagesofprogress import Problem, StudyError, load_study, periods, validate
from stagesofprogress.study import MAX_ROWS_PER_CHECK

BAD = sorted(p for p in (STUDIES / "bad").iterdir() if p.is_dir())
GOOD = sorted(p for p in (STUDIES / "good").iterdir() if p.is_dir())


def data_path(case: Path) -> Path:
    """The --data argument of a case: the folder, or the path named in its data.txt."""
    f = case / "data.txt"
    return case / f.read_text(encoding="utf-8").strip() if f.exists() else case


def expected(case: Path) -> list[str]:
    return [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_is_large_enough():
    assert len(BAD) >= 30
    assert len(GOOD) >= 9
    for case in BAD:
        assert expected(case), f"{case.name}/expected.txt lists no fragment"


def test_fixtures_are_up_to_date(tmp_path):
    """The committed fixtures are exactly what make_fixtures.py writes."""
    spec = importlib.util.spec_from_file_location("make_fixtures", STUDIES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_all(tmp_path)
    for kind in ("bad", "good"):
        assert tree_digest(tmp_path / kind) == tree_digest(STUDIES / kind), (
            f"tests/studies/{kind} differs from make_fixtures.py: run it and commit the result"
        )


# --------------------------------------------------------------------------- bad studies


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_bad_study_in_process(case, sop_main):
    before = tree_digest(case)
    code, out, err = sop_main("validate", "--data", data_path(case))
    assert code == 1
    for fragment in expected(case):
        assert fragment in err, f"missing {fragment!r} in:\n{err}"
    assert "Traceback" not in out + err
    assert out == ""
    assert tree_digest(case) == before, "validation modified the study's files"


# Each `sop` process pays the package's import time (pandas, scipy, statsmodels), so the installed
# command runs, in parallel, on a sample covering every kind of problem; every case runs in-process above.
SUBPROCESS_BAD = ["nonexistent_path", "broken_yaml", "latin1_csv", "misspelled_column", "several_problems"]
SUBPROCESS_GOOD = ["bom_crlf", "eleven_stages_accented"]


@pytest.fixture(scope="module")
def subprocess_results():
    """{case name: CompletedProcess} of `sop validate` on the sampled cases, run concurrently."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    from conftest import SOP

    cases = [STUDIES / "bad" / n for n in SUBPROCESS_BAD] + [STUDIES / "good" / n for n in SUBPROCESS_GOOD]
    before = {c.name: tree_digest(c) for c in cases}

    def run(case):
        return subprocess.run(
            [str(SOP), "validate", "--data", str(data_path(case))], capture_output=True, text=True, encoding="utf-8"
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip([c.name for c in cases], pool.map(run, cases)))
    for c in cases:
        assert tree_digest(c) == before[c.name], f"validation modified {c}"
    return results


@pytest.mark.parametrize("name", SUBPROCESS_BAD)
def test_bad_study_subprocess(name, subprocess_results):
    case = STUDIES / "bad" / name
    p = subprocess_results[name]
    assert p.returncode == 1, p.stdout + p.stderr
    for fragment in expected(case):
        assert fragment in p.stderr, f"missing {fragment!r} in:\n{p.stderr}"
    assert "Traceback" not in p.stdout + p.stderr


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_load_study_raises_with_the_same_problems(case):
    problems, study = validate(data_path(case))
    assert problems and study is None
    assert all(isinstance(p, Problem) for p in problems)
    with pytest.raises(StudyError) as e:
        load_study(data_path(case))
    assert e.value.problems == problems
    message = str(e.value)
    for fragment in expected(case):
        assert fragment in message
    assert f"{len(problems)} problem" in message


def test_every_problem_is_a_plain_sentence():
    for case in BAD:
        problems, _ = validate(data_path(case))
        for p in problems:
            assert p.message.endswith((".", "?", ")")) or "problem:" in p.message, p
            assert p.row is None or p.row >= 1
            assert "Traceback" not in p.message and "Error" not in p.message, p


def test_several_problems_are_all_reported_in_one_run():
    problems, _ = validate(STUDIES / "bad" / "several_problems")
    assert {p.file for p in problems} == {"study.yml", "households.csv"}
    assert len(problems) == 6


def test_rows_beyond_the_limit_are_summarised():
    problems, _ = validate(STUDIES / "bad" / "many_bad_rows")
    rows = [p.row for p in problems if p.row is not None]
    assert rows == list(range(2, 2 + MAX_ROWS_PER_CHECK))
    assert problems[-1].row is None and "5 more rows" in problems[-1].message


# --------------------------------------------------------------------------- good studies


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_good_study_in_process(case, sop_main):
    before = tree_digest(case)
    code, out, err = sop_main("validate", "--data", case)
    assert code == 0, err
    assert "valid" in out
    # a good study may draw warnings (a short row is read with blank cells), never problems
    assert all(line.startswith("  - warning: ") for line in err.splitlines()), err
    assert ("warning" in err) == (case.name == "short_row_blank_stage")
    assert tree_digest(case) == before


@pytest.mark.parametrize("name", SUBPROCESS_GOOD)
def test_good_study_subprocess(name, subprocess_results):
    p = subprocess_results[name]
    assert p.returncode == 0, p.stderr
    assert "valid" in p.stdout and "Traceback" not in p.stderr


@pytest.mark.parametrize("name", ["bom", "crlf", "bom_crlf", "trailing_blank_lines", "trailing_empty_column"])
def test_encodings_and_line_ends_read_the_same(name):
    plain = load_study(STUDIES / "good" / "crlf").households  # CRLF alone is the reference
    study = load_study(STUDIES / "good" / name)
    assert list(study.households.columns) == ["household_id", "community", "region", "stage_1994", "stage_2004"]
    pd.testing.assert_frame_equal(study.households, plain)
    assert study.title == "Fixture study"
    assert not any("\r" in v or "\ufeff" in v for v in study.households["household_id"])


def test_extra_columns_are_kept_and_typed():
    hh = load_study(STUDIES / "good" / "extra_columns").households
    assert list(hh.columns)[-3:] == ["assets", "notes", "stage_1990"]
    assert hh["assets"].dtype == float and hh["assets"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert hh["notes"].isna().tolist() == [False, True, False, True]
    assert hh["stage_1990"].isna().all()


def test_cells_are_stripped():
    hh = load_study(STUDIES / "good" / "whitespace_padded_cells").households
    assert hh["household_id"].tolist() == ["H1", "H2"]
    assert hh["community"].tolist() == ["Alto", "Alto"]
    assert hh["region"].tolist() == ["North", "North"]
    assert hh["stage_1994"].tolist() == [1, 2] and hh["stage_2004"].tolist() == [2, 4]


def test_short_row_reads_as_unknown_stage():
    hh = load_study(STUDIES / "good" / "short_row_blank_stage").households
    assert hh.loc[3, "stage_2004"] is pd.NA  # spreadsheet row 3
    assert hh.index.tolist() == [2, 3, 4, 5]


def test_unknown_stages_are_missing_values():
    hh = load_study(STUDIES / "good" / "unknown_stages").households
    assert str(hh["stage_1994"].dtype) == "Int64"
    assert hh["stage_1994"].isna().tolist() == [True, False, True, False]
    assert hh["stage_2004"].isna().tolist() == [False, True, True, False]


def test_eleven_stages_accented_regions():
    s = load_study(STUDIES / "good" / "eleven_stages_accented")
    assert s.n_stages == 11 and s.poverty_cutoff == 6 and s.time_points == [1995, 2005]
    assert s.regions == ["Ñuñoa", "Cajamarca-Baños"]
    assert s.households["household_id"].iloc[0] == "Ñ01"
    assert s.periods() == [(1995, 2005)]
    assert s.meta["country"] == "Perú"


def test_four_time_points():
    s = load_study(STUDIES / "good" / "four_time_points")
    assert s.periods() == [(1984, 2014), (1994, 2014), (2004, 2014), (1984, 1994), (1994, 2004)]
    assert s.survey_year == 2014


def test_optional_keys():
    s = load_study(STUDIES / "good" / "optional_keys")
    assert s.synthetic is True and s.meta["top_stage"] == 4


def test_typed_frame_dtypes(write_study):
    folder = write_study(
        {"title": " T ", "time_points": [2000, 2010], "stages": [" a ", "b", "c"], "poverty_cutoff": 1},
        "household_id,community,region,stage_2000,stage_2010,income,label\n"
        "1,c,r,1,3.0,12.5,x\n2,c,r,,2,,\n3,c,r,2, 1 ,7,y\n",
    )
    s = load_study(folder)
    hh = s.households
    assert s.title == "T" and s.stages == ["a", "b", "c"]
    assert hh["household_id"].tolist() == ["1", "2", "3"]  # identifiers stay text
    assert str(hh["stage_2010"].dtype) == "Int64" and hh["stage_2010"].tolist() == [3, 2, 1]
    assert hh["income"].dtype == float and np.isnan(hh["income"].iloc[1])
    assert hh["label"].tolist()[0] == "x" and pd.isna(hh["label"].iloc[1])
    assert hh.index.name == "row" and hh.index.tolist() == [2, 3, 4]


# --------------------------------------------------------------------------- small pieces


def test_problem_location_wording():
    assert str(Problem("households.csv", 4, "stage_2004", "x.")) == "households.csv, row 4, column stage_2004: x."
    assert str(Problem("study.yml", 3, None, "x.")) == "study.yml, line 3: x."
    assert str(Problem("households.csv", None, None, "x.")) == "households.csv: x."


def test_study_error_message_lists_every_problem():
    e = StudyError([Problem("a.csv", 2, "c", "one."), Problem("a.csv", 3, "c", "two.")], "here")
    assert str(e).splitlines() == [
        "The study at here is not valid: 2 problems found.",
        "  - a.csv, row 2, column c: one.",
        "  - a.csv, row 3, column c: two.",
    ]


@pytest.mark.parametrize(
    "years, expected",
    [
        ([1994, 2004], [(1994, 2004)]),
        ([1979, 1994, 2004], [(1979, 2004), (1994, 2004), (1979, 1994)]),
        ([1, 2, 3, 4], [(1, 4), (2, 4), (3, 4), (1, 2), (2, 3)]),
    ],
)
def test_periods(years, expected):
    assert periods(years) == expected


def test_large_file_many_problems_is_quick(write_study):
    """Thousands of duplicate ids and bad stages are reported without a loop over rows."""
    n = 20_000
    ids = np.arange(n) % 1000
    body = "\n".join(f"H{i},c,r,{'x' if i % 2 else 9},1" for i in ids)
    folder = write_study(
        {"title": "t", "time_points": [1, 2], "stages": ["a", "b"], "poverty_cutoff": 1},
        "household_id,community,region,stage_1,stage_2\n" + body + "\n",
    )
    problems, study = validate(folder)
    assert study is None
    dup = [p for p in problems if p.column == "household_id"]
    assert dup[0] == Problem(
        "households.csv", 1002, "household_id", "'H0' is a duplicate: it already appears in row 2."
    )
    assert "18,980 more rows (up to row 20001)" in dup[-1].message


# --------------------------------------------------------------------------- parsing that cannot be fooled

_YML4 = {"title": "t", "time_points": [1994, 2004], "stages": ["a", "b", "c"], "poverty_cutoff": 1}


def test_nfc_and_nfd_spellings_are_one_region(write_study):
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", "Baños"), unicodedata.normalize("NFD", "Baños")
    assert nfc != nfd
    rows = "\n".join(f"H{i},C,{nfc if i % 2 else nfd},1,2" for i in range(6))
    study = load_study(write_study(_YML4, "household_id,community,region,stage_1994,stage_2004\n" + rows + "\n"))
    assert study.regions == [nfc]


def test_short_rows_are_warnings_and_long_rows_errors(write_study):
    from stagesofprogress.study import check

    head = "household_id,community,region,stage_1994,stage_2004\n"
    r = check(write_study(_YML4, head + "H1,C,R,1,2\nH2,C,R,1\n"))
    assert r.valid and [str(w) for w in r.warnings] == [
        "warning: households.csv, row 3: has 4 cells but the header has 5 columns; the missing cells at the end "
        "are read as blank."
    ]
    assert r.study.warnings == r.warnings
    r = check(write_study(_YML4, head + "".join(f"H{i},C,R,1,2,9\n" for i in range(30)), name="long"))
    assert not r.valid and r.study is None
    assert len(r.problems) == MAX_ROWS_PER_CHECK + 1
    assert str(r.problems[-1]).startswith("households.csv: 10 more rows (up to row 31) have the same problem")


def test_file_size_bound(write_study, monkeypatch):
    from stagesofprogress import csvfile

    folder = write_study(_YML4, "household_id,community,region,stage_1994,stage_2004\nH1,C,R,1,2\n")
    monkeypatch.setattr(csvfile, "MAX_CSV_BYTES", 20)
    problems, _ = validate(folder)
    assert [str(p) for p in problems] == [
        "households.csv: is too large (63 bytes); the limit for this file is 20 bytes."
    ]


def test_fifo_is_never_opened(write_study):
    import os

    folder = write_study(_YML4, "household_id,community,region,stage_1994,stage_2004\nH1,C,R,1,2\n")
    (folder / "sample.csv").unlink(missing_ok=True)
    os.mkfifo(folder / "sample.csv")  # opening it for reading would block this test for ever
    problems, _ = validate(folder)
    assert [str(p) for p in problems] == ["sample.csv: is not a file: it is a named pipe (FIFO), and it was not read."]


def test_warning_severity_keeps_problem_compatible():
    p = Problem("study.yml", 3, "x", "y.")
    assert p.severity == "error" and str(p) == "study.yml, line 3, column x: y."
    from stagesofprogress.problem import warning

    assert str(warning("a.csv", 2, None, "z.")) == "warning: a.csv, row 2: z."


@pytest.mark.parametrize("content", [b"", "household_id,community\n".encode("utf-16")], ids=["empty", "utf16"])
def test_datapackage_gives_the_validator_report(content, write_study, sop_main):
    folder = write_study(_YML4, content)
    before = tree_digest(folder)
    code, out, err = sop_main("datapackage", "--data", folder)
    problems, _ = validate(folder)
    assert code == 1 and problems and "Traceback" not in err
    for p in problems:
        assert f"  - {p}" in err
    assert tree_digest(folder) == before and not (folder / "datapackage.json").exists()


def test_yaml_refuses_aliases_and_duplicate_keys(write_study):
    head = "household_id,community,region,stage_1994,stage_2004\nH1,C,R,1,2\n"
    bomb = "".join(f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    problems, _ = validate(write_study("a0: &a0 [x]\n" + bomb, head))
    assert [str(p) for p in problems] == [
        "study.yml, line 1: defines an anchor (&a0); write the values out in full (anchors and aliases are not "
        "accepted in study.yml)."
    ]
    text = "title: t\ntime_points: [1994, 2004]\nstages: [a, b, c]\npoverty_cutoff: 1\ntitle: u\n"
    problems, _ = validate(write_study(text, head, name="dup"))
    assert [str(p) for p in problems] == [
        "study.yml, line 5: the key 'title' is given twice (lines 1 and 5); keep one of them."
    ]
