"""Write the fixture studies under tests/studies/{bad,good}/ (run from anywhere).

    .venv/bin/python tests/studies/make_fixtures.py

Every fixture is written here byte for byte, because several are about bytes (BOM,
CRLF, latin-1). The generated folders are committed; the tests read the committed
files, and `test_fixtures_are_up_to_date` checks they match this script.

A bad case is a folder holding the study files and `expected.txt`: one fragment per line
that `sop validate` must print on stderr. An optional `data.txt` names the path, relative
to the case folder, to pass as `--data` (default: the case folder itself).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

YML = (
    "title: Fixture study\n"
    "time_points: [1994, 2004]\n"
    "stages: [Food, Clothes, Housing, Animals, Land]\n"
    "poverty_cutoff: 2\n"
)
HEADER = "household_id,community,region,stage_1994,stage_2004"
ROWS = [  # spreadsheet rows 2..5
    "H1,Alto,North,1,2",
    "H2,Alto,North,2,4",
    "H3,Bajo,South,3,3",
    "H4,Bajo,South,4,1",
]


def csv(header: str = HEADER, rows: list[str] = ROWS, nl: str = "\n") -> str:
    return nl.join([header, *rows]) + nl


def yml(**changes) -> str:
    """The base study.yml with some top-level lines replaced (value None drops the key)."""
    lines = YML.splitlines()
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        if key in changes:
            if changes[key] is not None:
                out.append(f"{key}: {changes.pop(key)}")
            else:
                changes.pop(key)
        else:
            out.append(line)
    out += [f"{k}: {v}" for k, v in changes.items() if v is not None]
    return "\n".join(out) + "\n"


def with_row(i: int, row: str) -> list[str]:
    """ROWS with spreadsheet row `i` (2..5) replaced."""
    rows = list(ROWS)
    rows[i - 2] = row
    return rows


# name -> (files {relative path: str | bytes | None (a folder)}, expected fragments, data path or None)
BAD: dict[str, tuple[dict, list[str], str | None]] = {}


def bad(name, files, expected, data=None):
    BAD[name] = (files, expected, data)


# ---- the folder itself
bad("missing_study_yml", {"households.csv": csv()},
    ["study.yml: the file is missing: every study folder needs a study.yml."])
bad("missing_households_csv", {"study.yml": YML},
    ["households.csv: the file is missing: every study folder needs households.csv."])
bad("path_is_a_file", {"study.yml": YML, "households.csv": csv()},
    ["households.csv: is a file, not a study folder"], data="households.csv")
bad("nonexistent_path", {"study.yml": YML, "households.csv": csv()},
    ["no-such-study: no such folder."], data="no-such-study")
bad("study_yml_is_a_folder", {"study.yml/": None, "households.csv": csv()},
    ["study.yml: is not a file"])
bad("households_csv_is_a_folder", {"study.yml": YML, "households.csv/": None},
    ["households.csv: is not a file"])

# ---- study.yml
bad("broken_yaml", {"study.yml": YML.replace("[1994, 2004]", "[1994, 2004"), "households.csv": csv()},
    ["study.yml, line 3: is not valid YAML"])
bad("broken_yaml_indentation",
    {"study.yml": "title: Fixture study\ntime_points: [1994, 2004]\n  stages: [Food, Clothes]\npoverty_cutoff: 1\n",
     "households.csv": csv()},
    ["study.yml, line 3: is not valid YAML"])
bad("study_yml_not_a_mapping", {"study.yml": "- title\n- time_points\n", "households.csv": csv()},
    ["study.yml: must be a mapping of keys (title, time_points, stages, poverty_cutoff)."])
bad("empty_study_yml", {"study.yml": "", "households.csv": csv()},
    ["study.yml: is empty: it must set title, time_points, stages and poverty_cutoff."])
bad("comments_only_study_yml", {"study.yml": "# nothing here yet\n", "households.csv": csv()},
    ["study.yml: is empty"])
bad("missing_title", {"study.yml": yml(title=None), "households.csv": csv()},
    ["study.yml, column title: the required key 'title' is missing."])
bad("empty_title", {"study.yml": yml(title="''"), "households.csv": csv()},
    ["study.yml, line 1, column title: title must be a non-empty text."])
bad("misspelled_key", {"study.yml": yml(poverty_cutoff=None, poverty_cuttoff=2), "households.csv": csv()},
    ["column poverty_cutoff: the required key 'poverty_cutoff' is missing (is 'poverty_cuttoff' a misspelling of it?)."])
bad("latin1_study_yml", {"study.yml": YML.replace("Fixture study", "Estudio de Ñuñoa").encode("latin-1"),
                         "households.csv": csv()},
    ["study.yml, line 1: is not UTF-8 text; save it as UTF-8."])
bad("cutoff_zero", {"study.yml": yml(poverty_cutoff=0), "households.csv": csv()},
    ["study.yml, line 4, column poverty_cutoff: poverty_cutoff is 0, but with 5 stages it must be between 1 and 4"])
bad("cutoff_equals_number_of_stages", {"study.yml": yml(poverty_cutoff=5), "households.csv": csv()},
    ["study.yml, line 4, column poverty_cutoff: poverty_cutoff is 5, but with 5 stages it must be between 1 and 4"])
bad("cutoff_not_an_integer", {"study.yml": yml(poverty_cutoff=2.5), "households.csv": csv()},
    ["study.yml, line 4, column poverty_cutoff: poverty_cutoff must be a whole number; got 2.5."])
bad("cutoff_text", {"study.yml": yml(poverty_cutoff="two"), "households.csv": csv()},
    ["poverty_cutoff must be a whole number; got 'two'."])
bad("time_points_not_ascending", {"study.yml": yml(time_points="[2004, 1994]"), "households.csv": csv()},
    ["study.yml, line 2, column time_points: time_points must be strictly ascending (earliest first); got [2004, 1994]."])
bad("time_points_repeated", {"study.yml": yml(time_points="[1994, 1994, 2004]"), "households.csv": csv()},
    ["time_points must be strictly ascending"])
bad("one_time_point", {"study.yml": yml(time_points="[2004]"), "households.csv": csv()},
    ["study.yml, line 2, column time_points: time_points needs at least two years; it has 1."])
bad("time_points_as_text", {"study.yml": yml(time_points='["1994", "2004"]'), "households.csv": csv()},
    ["time_points must be a list of years written as whole numbers"])
bad("one_stage", {"study.yml": yml(stages="[Food]", poverty_cutoff=1), "households.csv": csv()},
    ["study.yml, line 3, column stages: stages needs at least two stages; it has 1."])
bad("top_stage_out_of_range", {"study.yml": yml(top_stage=9), "households.csv": csv()},
    ["study.yml, line 5, column top_stage: top_stage must be a stage number between 1 and 5; got 9."])

# ---- households.csv as a file
bad("empty_csv", {"study.yml": YML, "households.csv": ""},
    ["households.csv: the file is empty: it needs a header row and one row per record."])
bad("blank_lines_only_csv", {"study.yml": YML, "households.csv": "\n\r\n  \n"},
    ["households.csv: the file is empty"])
bad("header_only_csv", {"study.yml": YML, "households.csv": HEADER + "\n"},
    ["households.csv: has a header but no rows: it needs one row per record."])
bad("header_and_blank_rows_csv", {"study.yml": YML, "households.csv": HEADER + "\n,,,,\n\n"},
    ["households.csv: has a header but no rows"])
bad("ragged_row_too_many_cells", {"study.yml": YML, "households.csv": csv(rows=with_row(3, "H2,Alto,North,2,4,7"))},
    ["households.csv, row 3: has 6 cells but the header has 5 columns."])
bad("latin1_csv", {"study.yml": YML,
                   "households.csv": csv(rows=with_row(4, "H3,Ñuñoa,South,3,3")).encode("latin-1")},
    ["households.csv, row 4: is not UTF-8 text; export the spreadsheet as 'CSV UTF-8'."])
bad("duplicate_column_name", {"study.yml": YML,
                              "households.csv": csv(HEADER + ",stage_2004", [r + ",1" for r in ROWS])},
    ["households.csv, row 1, column stage_2004: this column name appears more than once in the header."])
bad("column_without_name", {"study.yml": YML, "households.csv": csv(HEADER + ",", [r + ",x" for r in ROWS])},
    ["households.csv, row 1: the header has a column without a name."])

bad("semicolon_separated", {"study.yml": YML, "households.csv": csv(HEADER.replace(",", ";"), [r.replace(",", ";") for r in ROWS])},
    ["households.csv, row 1: the columns are separated by semicolons, not commas; add `csv: {delimiter: \";\"}` to study.yml, or save the spreadsheet as 'CSV UTF-8 (comma delimited)'.",
     "1 problem found."])
bad("tab_separated", {"study.yml": YML, "households.csv": csv(HEADER.replace(",", "\t"), [r.replace(",", "\t") for r in ROWS])},
    ["households.csv, row 1: the columns are separated by tabs, not commas"])

bad("unclosed_quote", {"study.yml": YML, "households.csv": csv(rows=with_row(3, 'H2,"Alto,North,2,4'))},
    ["households.csv, row 3: a quotation mark (\") opens a cell here that is never closed"])
bad("blank_first_row", {"study.yml": YML, "households.csv": "\n" + csv()},
    ["households.csv, row 1: the first row is empty; it must hold the column names (the header).",
     "1 problem found."])

# ---- columns
bad("missing_column", {"study.yml": YML,
                       "households.csv": csv("household_id,community,stage_1994,stage_2004",
                                             ["H1,Alto,1,2", "H2,Alto,2,4"])},
    ["households.csv, row 1, column region: the required column 'region' is missing."])
bad("misspelled_column", {"study.yml": YML, "households.csv": csv(HEADER.replace("region", "regoin"))},
    ["households.csv, row 1, column region: the required column 'region' is missing.",
     "The header has 'regoin': is it misspelled?"])
bad("stage_column_for_a_year_not_in_time_points",
    {"study.yml": YML, "households.csv": csv(HEADER.replace("stage_1994", "stage_1990"))},
    ["households.csv, row 1, column stage_1994: the required column 'stage_1994' is missing.",
     "The header has 'stage_1990', for a year that is not in time_points of study.yml"])
bad("missing_year_column",
    {"study.yml": yml(time_points="[1994, 2004, 2014]"), "households.csv": csv()},
    ["households.csv, row 1, column stage_2014: the required column 'stage_2014' is missing."])

# ---- cells
bad("duplicate_ids", {"study.yml": YML, "households.csv": csv(rows=with_row(5, "H2,Bajo,South,4,1"))},
    ["households.csv, row 5, column household_id: 'H2' is a duplicate: it already appears in row 3."])
bad("duplicate_ids_after_stripping", {"study.yml": YML, "households.csv": csv(rows=with_row(5, " H2 ,Bajo,South,4,1"))},
    ["households.csv, row 5, column household_id: 'H2' is a duplicate: it already appears in row 3."])
bad("stage_zero", {"study.yml": YML, "households.csv": csv(rows=with_row(4, "H3,Bajo,South,3,0"))},
    ["households.csv, row 4, column stage_2004: stage 0 is below the ladder: stages run from 1 to 5."])
bad("stage_negative", {"study.yml": YML, "households.csv": csv(rows=with_row(2, "H1,Alto,North,-1,2"))},
    ["households.csv, row 2, column stage_1994: stage -1 is below the ladder"])
bad("stage_above_ladder", {"study.yml": YML, "households.csv": csv(rows=with_row(4, "H3,Bajo,South,3,6"))},
    ["households.csv, row 4, column stage_2004: stage 6 is above the ladder: it has only 5 stages."])
bad("stage_not_whole", {"study.yml": YML, "households.csv": csv(rows=with_row(4, "H3,Bajo,South,3,3.5"))},
    ["households.csv, row 4, column stage_2004: 3.5 is not a whole number."])
bad("stage_word", {"study.yml": YML, "households.csv": csv(rows=with_row(4, "H3,Bajo,South,3,three"))},
    ["households.csv, row 4, column stage_2004: 'three' is neither a stage number nor a stage name."])
bad("stage_nan_text", {"study.yml": YML, "households.csv": csv(rows=with_row(4, "H3,Bajo,South,NA,3"))},
    ["households.csv, row 4, column stage_1994: 'NA' is neither a stage number nor a stage name."])
bad("blank_line_before_bad_row",
    {"study.yml": YML, "households.csv": csv(rows=["H1,Alto,North,1,2", "", "H2,Alto,North,2,9", "H3,Bajo,South,3,3"])},
    ["households.csv, row 4, column stage_2004: stage 9 is above the ladder"])
bad("bom_crlf_bad_row",
    {"study.yml": "\ufeff" + YML.replace("\n", "\r\n"),
     "households.csv": "\ufeff" + csv(rows=with_row(3, "H2,Alto,North,2,9"), nl="\r\n")},
    ["households.csv, row 3, column stage_2004: stage 9 is above the ladder"])
bad("blank_community", {"study.yml": YML, "households.csv": csv(rows=with_row(3, "H2,,North,2,4"))},
    ["households.csv, row 3, column community: this cell is empty; a value is required."])
bad("whitespace_community", {"study.yml": YML, "households.csv": csv(rows=with_row(3, "H2,   ,North,2,4"))},
    ["households.csv, row 3, column community: this cell is empty; a value is required."])
bad("blank_household_id", {"study.yml": YML, "households.csv": csv(rows=with_row(2, ",Alto,North,1,2"))},
    ["households.csv, row 2, column household_id: this cell is empty; a value is required."])
bad("short_row_missing_region", {"study.yml": YML, "households.csv": csv(rows=with_row(3, "H2,Alto"))},
    ["households.csv, row 3, column region: this cell is empty; a value is required."])
bad("many_bad_rows",
    {"study.yml": YML, "households.csv": csv(rows=[f"H{i},Alto,North,9,1" for i in range(1, 26)])},
    ["households.csv, row 2, column stage_1994: stage 9 is above the ladder",
     "households.csv, row 21, column stage_1994: stage 9 is above the ladder",
     "households.csv, column stage_1994: 5 more rows (up to row 26) have the same problem: above 5"])
bad("several_problems",
    {"study.yml": yml(poverty_cutoff=7),
     "households.csv": csv(HEADER.replace("community", "comunity"),
                           ["H1,Alto,North,1,2", "H2,Alto,,2,9", "H1,Bajo,South,x,3", "H4,Bajo,South,4,1"])},
    ["study.yml, line 4, column poverty_cutoff: poverty_cutoff is 7",
     "households.csv, row 1, column community: the required column 'community' is missing.",
     "The header has 'comunity': is it misspelled?",
     "households.csv, row 3, column region: this cell is empty; a value is required.",
     "households.csv, row 4, column household_id: 'H1' is a duplicate: it already appears in row 2.",
     "households.csv, row 3, column stage_2004: stage 9 is above the ladder: it has only 5 stages.",
     "households.csv, row 4, column stage_1994: 'x' is neither a stage number nor a stage name.",
     "6 problems found."])
bad("several_problems_stage_checks",
    {"study.yml": YML,
     "households.csv": csv(rows=["H1,Alto,North,0,2", "H2,Alto,North,2,4.5", "H3,Bajo,South,3,6", "H4,Bajo,South,tres,1"])},
    ["households.csv, row 2, column stage_1994: stage 0 is below the ladder",
     "households.csv, row 3, column stage_2004: 4.5 is not a whole number.",
     "households.csv, row 4, column stage_2004: stage 6 is above the ladder",
     "households.csv, row 5, column stage_1994: 'tres' is neither a stage number nor a stage name.",
     "4 problems found."])

# ---- valid studies: name -> files
GOOD: dict[str, dict] = {}

GOOD["bom"] = {"study.yml": "\ufeff" + YML, "households.csv": ("\ufeff" + csv()).encode("utf-8")}
GOOD["crlf"] = {"study.yml": YML.replace("\n", "\r\n"), "households.csv": csv(nl="\r\n")}
GOOD["bom_crlf"] = {"study.yml": "\ufeff" + YML.replace("\n", "\r\n"), "households.csv": "\ufeff" + csv(nl="\r\n")}
GOOD["trailing_blank_lines"] = {"study.yml": YML, "households.csv": csv() + "\n\n,,,,\n , ,,,\r\n\n"}
GOOD["extra_columns"] = {
    "study.yml": yml(description="'Extra columns are kept.'", country="Nowhere"),
    "households.csv": csv(HEADER + ",assets,notes,stage_1990",
                          [r + f",{i},{'' if i % 2 else 'some text'}," for i, r in enumerate(ROWS)]),
}
GOOD["whitespace_padded_cells"] = {"study.yml": YML,
                                   "households.csv": csv(" household_id , community,region ,stage_1994,stage_2004",
                                                         ["H1 , Alto,North , 1 ,2", "H2,Alto,North,2, 4 "])}
GOOD["trailing_empty_column"] = {"study.yml": YML, "households.csv": csv(HEADER + ",", [r + "," for r in ROWS], nl="\r\n")}
GOOD["short_row_blank_stage"] = {"study.yml": YML, "households.csv": csv(rows=with_row(3, "H2,Alto,North,2"))}
ELEVEN = ["Food", "Clothes", "Roof repairs", "Small animals", "School fees", "Small plot", "Cattle",
          "Larger plot", "Improved house", "Dairy cows", "Town plot"]
GOOD["eleven_stages_accented"] = {
    "study.yml": (
        "title: Estudio de Ñuñoa y Cajamarca-Baños\n"
        "time_points: [1995, 2005]\n"
        "stages:\n" + "".join(f"  - {s}\n" for s in ELEVEN) + "poverty_cutoff: 6\ncountry: Perú\n"
    ),
    "households.csv": csv(
        "household_id,community,region,stage_1995,stage_2005",
        ["Ñ01,Pampa Señal,Ñuñoa,1,7", "Ñ02,Pampa Señal,Ñuñoa,6,6", "Ñ03,Llallahua,Ñuñoa,7,11",
         "Ñ04,Llallahua,Ñuñoa,8,3", "C01,Baños del Inca,Cajamarca-Baños,2,2", "C02,Baños del Inca,Cajamarca-Baños,11,10",
         "C03,Otuzco,Cajamarca-Baños,5,9", "C04,Otuzco,Cajamarca-Baños,,4", "C05,Otuzco,Cajamarca-Baños,10,1"]),
}
GOOD["four_time_points"] = {
    "study.yml": yml(time_points="[1984, 1994, 2004, 2014]"),
    "households.csv": csv(
        "household_id,community,region,stage_1984,stage_1994,stage_2004,stage_2014",
        ["H1,Alto,North,1,1,2,3", "H2,Alto,North,2,4,5,5", "H3,Bajo,South,3,3,2,1", "H4,Bajo,South,5,4,1,1"]),
}
GOOD["unknown_stages"] = {
    "study.yml": YML,
    "households.csv": csv(rows=["H1,Alto,North,,2", "H2,Alto,North,2,", "H3,Bajo,South,,", "H4,Bajo,South,4,1"]),
}
GOOD["optional_keys"] = {"study.yml": yml(synthetic="true", top_stage=4, source="'Typed by hand'"),
                         "households.csv": csv()}


def _write(folder: Path, files: dict) -> None:
    for rel, content in files.items():
        p = folder / rel.rstrip("/")
        if content is None:
            p.mkdir(parents=True, exist_ok=True)
            (p / ".gitkeep").write_bytes(b"")  # git keeps no empty folders
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        p.write_bytes(data)


def write_all(root: Path = HERE) -> None:
    for kind in ("bad", "good"):
        shutil.rmtree(root / kind, ignore_errors=True)
    for name, (files, expected, data) in BAD.items():
        folder = root / "bad" / name
        _write(folder, files)
        (folder / "expected.txt").write_text("\n".join(expected) + "\n", encoding="utf-8")
        if data is not None:
            (folder / "data.txt").write_text(data + "\n", encoding="utf-8")
    for name, files in GOOD.items():
        _write(root / "good" / name, files)


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"Wrote {len(BAD)} bad and {len(GOOD)} good studies under {HERE}")
