"""Write the hostile corpus, tests/studies/hostile/<case>/ (run from anywhere).

    .venv/bin/python tests/studies/make_hostile.py

Each case is a whole study folder (a small complete study: every optional table and
setting, then one hostile change) and `expect.yml`:

    exit: 0 or 1            # exit code of `sop validate`
    messages: [...]         # fragments `sop validate` must print on stderr (file, row, column, words)
    tables: true            # valid cases: `sop tables` must succeed on the study
    setup: ...              # a special file made at test time, which git cannot hold:
                            #   {fifo: NAME} {symlink_out: NAME} {symlink_in: NAME} {dangling: NAME}
                            #   {unreadable: NAME} {huge: NAME} {directory: NAME}

`tests/test_hostile.py` runs every case through the installed `sop`; `test_hostile_is_up_to_date`
checks the committed folders are what this script writes.
"""

from __future__ import annotations

import random
import shutil
import sys
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
YEARS = [1979, 1994, 2004]
COMMUNITIES = [("Alto", "North"), ("Bajo", "North"), ("Cerro", "South"), ("Duna", "South")]
N = 24

BASE_YML = """\
title: Hostile corpus base study
description: A small fictional study; each case of the corpus changes one thing in it.
country: Nowhere
source: tests/studies/make_hostile.py
licence: CC0-1.0
synthetic: true
time_points: [1979, 1994, 2004]
stages: [Food, Clothes, Housing, Animals, Land]
poverty_cutoff: 2
top_stage: 5
reasons:
  business: Business gains
  health: Health
  land_division: Land division
livestock:
  years: [1994, 2004]
  items: [[beef, indigenous], [beef, improved], [sheep, ""]]
  products: [milk, wool]
models:
  escape:
    table: Escape model
    title: Escape from poverty
    period: [1979, 2004]
    outcome: {1: escaped, 0: remained_poor}
    by: region
    regions: [North, South]
    robust: true
    class_labels: {1: Escaping poverty, 0: Staying poor}
    groups:
      - heading: Reasons cited
        variables:
          - {name: business, label: Business gains}
          - {name: health, label: Health}
      - heading: Household characteristics
        variables:
          - {name: male_head, label: Gender}
          - {name: age_head, label: Age (squared), transform: square}
          - {name: land_ha, label: Land (log), transform: log}
"""


def base_files() -> dict[str, str]:
    rng = random.Random(11)
    hh = ["household_id,community,region,stage_1979,stage_1994,stage_2004"]
    for i in range(N):
        c, r = COMMUNITIES[i % 4]
        s = [rng.randint(1, 5) for _ in YEARS]
        hh.append(f"H{i + 1:02d},{c},{r},{s[0]},{s[1]},{s[2]}")
    sample = ["household_id,male_head,age_head,education_level,above_primary,prop_children_school,relatives_outside,"
              "land_ha,beef_cattle,dairy_cattle,sheep,camelids,livestock_income_share,dependency_ratio,"
              "multiple_activities,family_size,improved_breed"]
    reasons = ["household_id,start,end,reason"]
    livestock = ["household_id,year,species,breed,head"]
    production = ["household_id,product,unit,year,quantity"]
    for i in range(0, N, 1):
        h = f"H{i + 1:02d}"
        if i % 3 == 2:
            continue
        sample.append(f"{h},{i % 2},{30 + i},{i % 4},{int(i % 4 >= 2)},0.5,{i % 2},{0.5 + i / 10:.1f},{i % 3},"
                      f"{i % 2},{i % 5},0,0.3,0.4,{(i // 3) % 2},{3 + i % 4},{(i // 2) % 2}")
        for code in ("business", "health", "land_division"):
            if rng.random() < 0.4:
                reasons.append(f"{h},1979,2004,{code}")
            if rng.random() < 0.3:
                reasons.append(f"{h},1979,1994,{code}")
        for y in (1994, 2004):
            livestock.append(f"{h},{y},beef,{'improved' if rng.random() < 0.3 else 'indigenous'},{rng.randint(1, 6)}")
            production.append(f"{h},milk,litres/day,{y},{rng.randint(0, 9)}")
    comm = ["community,region,altitude_m,households_reported,households_with_land,households_without_land,"
            "primary_schools,dist_secondary_school_km,dist_health_facility_km,dist_trading_center_km,area,"
            "pct_income_livestock,clean_water,telephone,electricity,regular_transport,veterinary,road_months,"
            "act_livestock_production,act_crop_agriculture,act_trade_livestock_products,act_casual_labor,"
            "act_handicrafts,act_business,act_livestock_trade"]
    for k, (c, r) in enumerate(COMMUNITIES):
        comm.append(f"{c},{r},{3000 + 100 * k},{50 + k},{40},{10 + k},1,{2 + k},{3},{4},{900 + k},{30 + k},"
                    f"1,0,1,0,1,{8 + k},1,1,0,{k % 2},0,1,0")
    return {
        "study.yml": BASE_YML,
        "households.csv": "\n".join(hh) + "\n",
        "sample.csv": "\n".join(sample) + "\n",
        "reasons.csv": "\n".join(reasons) + "\n",
        "communities.csv": "\n".join(comm) + "\n",
        "livestock.csv": "\n".join(livestock) + "\n",
        "production.csv": "\n".join(production) + "\n",
    }


BASE = base_files()
CASES: dict[str, dict] = {}


def case(name: str, exit: int, messages: list[str], files: dict | None = None, setup: dict | None = None,
         drop: tuple[str, ...] = ()) -> None:
    """Register a case: the base study with `files` replaced (str or bytes) and `drop` removed."""
    assert name not in CASES, name
    content = {k: v for k, v in BASE.items() if k not in drop}
    content.update(files or {})
    expect = {"exit": exit, "messages": messages}
    if exit == 0:
        expect["tables"] = True
    if setup:
        expect["setup"] = setup
    CASES[name] = {"files": content, "expect": expect}


def yml(old: str, new: str) -> str:
    assert old in BASE_YML, old
    return BASE_YML.replace(old, new, 1)


def hh_replace(old: str, new: str, count: int = 1, name: str = "households.csv") -> str:
    assert old in BASE[name], old
    return BASE[name].replace(old, new, count)


def hh_row(row: int, new: str, name: str = "households.csv") -> str:
    """households.csv with spreadsheet row `row` (header = 1) replaced by `new`."""
    lines = BASE[name].splitlines()
    lines[row - 1] = new
    return "\n".join(lines) + "\n"


# =========================================================================== injection payloads
# Text that would run, render or compute if anything parsed it: each must validate, and the
# tables must be computed with the text kept as data.
PAYLOADS = {
    "jinja": "{{ cycler.__init__.__globals__.os.system('touch /tmp/sop-pwned') }}",
    "html": "Villages <img src=x onerror=alert(1)>",
    "script": "<script>alert(document.domain)</script>",
    "formula": "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "latex": "$\\input{/etc/passwd}$ \\write18{id}",
    "myst": "{eval-rst}`x` ```{code-cell} python",
    "format": "%(x)s {0} ${HOME} $(id)",
}


def yq(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


for key in ("title", "description", "source", "licence", "country"):
    for pname in ("jinja", "html") if key != "title" else PAYLOADS:
        line = next(l for l in BASE_YML.splitlines() if l.startswith(key + ":"))
        case(f"inject_{key}_{pname}", 0, ["valid"], {"study.yml": yml(line, f"{key}: {yq(PAYLOADS[pname])}")})
case("inject_stage_names", 0, ["valid"],
     {"study.yml": yml("stages: [Food, Clothes, Housing, Animals, Land]",
                       "stages: [" + ", ".join(yq(p) for p in list(PAYLOADS.values())[:5]) + "]")})
for pname in ("jinja", "script", "formula"):
    p = PAYLOADS[pname].replace('"', "'")
    cell = '"' + p.replace('"', '""') + '"' if "," in p else p
    case(f"inject_region_{pname}", 0, ["valid"],
         {"households.csv": hh_replace(",North,", f",{cell},", 99),
          "communities.csv": hh_replace(",North,", f",{cell},", 99, name="communities.csv"),
          "study.yml": yml("regions: [North, South]", f"regions: [{yq(p)}, South]")})
    case(f"inject_community_{pname}", 0, ["valid"],
         {"households.csv": hh_replace(",Alto,", f",{cell},", 99),
          "communities.csv": hh_replace("Alto,", f"{cell},", 1, name="communities.csv")})
case("inject_household_id", 0, ["valid"],
     {f: hh_replace("H01,", '"<b>H01</b>{{x}}",', 99, name=f) for f in ("households.csv", "sample.csv", "reasons.csv",
                                                                  "livestock.csv", "production.csv")})
case("inject_reason_label", 0, ["valid"],
     {"study.yml": yml("health: Health", f"health: {yq(PAYLOADS['formula'] + ' ' + PAYLOADS['jinja'])}")})
case("inject_model_texts", 0, ["valid"],
     {"study.yml": yml("table: Escape model", f"table: {yq(PAYLOADS['html'])}")
                   .replace("title: Escape from poverty", f"title: {yq(PAYLOADS['jinja'])}")
                   .replace("heading: Reasons cited", f"heading: {yq(PAYLOADS['script'])}")
                   .replace("label: Business gains", f"label: {yq(PAYLOADS['latex'])}")
                   .replace("1: Escaping poverty", f"1: {yq(PAYLOADS['formula'])}")})
case("inject_model_name", 0, ["valid"], {"study.yml": yml("  escape:\n", f"  {yq(PAYLOADS['jinja'])}:\n")})
case("inject_livestock_products", 0, ["valid"],
     {"study.yml": yml("products: [milk, wool]", f"products: {{milk: {yq(PAYLOADS['html'])}, wool: {yq(PAYLOADS['jinja'])}}}")})
case("inject_extra_column", 0, ["valid"],
     {"households.csv": BASE["households.csv"].replace("stage_2004\n", 'stage_2004,"<script>x</script>{{y}}"\n', 1)
      .replace("\nH01,Alto,North,", "\nH01,Alto,North,", 1)})

# =========================================================================== paths and special files
case("fifo_households", 1, ["households.csv: is not a file: it is a named pipe (FIFO)"], setup={"fifo": "households.csv"})
case("fifo_study_yml", 1, ["study.yml: is not a file: it is a named pipe (FIFO)"], setup={"fifo": "study.yml"})
case("fifo_reasons", 1, ["reasons.csv: is not a file: it is a named pipe (FIFO)"], setup={"fifo": "reasons.csv"})
case("symlink_out_households", 1, ["households.csv: is a symbolic link to a file outside the study folder"],
     setup={"symlink_out": "households.csv"})
case("symlink_out_study_yml", 1, ["study.yml: is a symbolic link to a file outside the study folder"],
     setup={"symlink_out": "study.yml"})
case("symlink_out_sample", 1, ["sample.csv: is a symbolic link to a file outside the study folder"],
     setup={"symlink_out": "sample.csv"})
case("symlink_to_device", 1, ["communities.csv: is a symbolic link to a file outside the study folder"],
     setup={"symlink_out": "communities.csv", "target": "/dev/zero"})
case("symlink_inside_is_fine", 0, ["valid"], setup={"symlink_in": "households.csv"})
case("dangling_symlink", 1, ["livestock.csv: cannot be read"], setup={"dangling": "livestock.csv"})
case("directory_reasons", 1, ["reasons.csv: is not a file: it is a folder"], setup={"directory": "reasons.csv"})
case("unreadable_households", 1, ["households.csv: cannot be read: permission denied"], setup={"unreadable": "households.csv"})
case("unreadable_study_yml", 1, ["study.yml: cannot be read: permission denied"], setup={"unreadable": "study.yml"})
case("huge_households", 1, ["households.csv: is too large"], setup={"huge": "households.csv"})
case("huge_study_yml", 1, ["study.yml: is too large"], setup={"huge": "study.yml"})
case("paper_parent", 1, ["study.yml, line 39, column paper: paper must be a folder inside the study"],
     {"study.yml": BASE_YML + "paper: ../../../../etc\n"})
case("paper_absolute", 1, ["column paper: paper must be a folder inside the study"], {"study.yml": BASE_YML + "paper: /etc\n"})
case("paper_windows_absolute", 1, ["column paper: paper must be a folder inside the study"],
     {"study.yml": BASE_YML + "paper: 'C:\\Windows'\n"})
case("paper_missing_folder", 1, ["column paper: paper names the folder 'published', which does not exist"],
     {"study.yml": BASE_YML + "paper: published\n"})
case("paper_symlink_out", 1, ["column paper: paper 'published' is a symbolic link to a folder outside the study"],
     {"study.yml": BASE_YML + "paper: published\n"}, setup={"symlink_out": "published", "target": "/etc"})
case("paper_not_text", 1, ["column paper: paper must be the name of a folder"], {"study.yml": BASE_YML + "paper: [a, b]\n"})

# =========================================================================== YAML abuse
LAUGHS = "lol0: &a0 [lol]\n" + "".join(f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
case("yaml_alias_bomb", 1, ["study.yml, line 39: defines an anchor (&a0)"], {"study.yml": BASE_YML + LAUGHS})
case("yaml_alias_in_stages", 1, ["defines an anchor (&ladder)"],
     {"study.yml": yml("stages: [Food", "stages: &ladder [Food") + "other: *ladder\n"})
case("yaml_alias_only", 1, ["study.yml, line 39: uses an alias (*nowhere)"], {"study.yml": BASE_YML + "x: *nowhere\n"})
case("yaml_merge_key", 1, ["anchor"],
     {"study.yml": BASE_YML.replace("  escape:\n", "  base: &b {robust: true}\n  escape:\n    <<: *b\n", 1)})
case("yaml_duplicate_key", 1, ["study.yml, line 39: the key 'title' is given twice (lines 1 and 39)"],
     {"study.yml": BASE_YML + "title: Another title\n"})
case("yaml_duplicate_nested_key", 1, ["study.yml, line 14: the key 'health' is given twice (lines 13 and 14)"],
     {"study.yml": yml("  health: Health\n", "  health: Health\n  health: Sickness\n")})
case("yaml_duplicate_model", 1, ["the key 'escape' is given twice"],
     {"study.yml": BASE_YML + "  escape:\n    outcome: escaped\n"})
case("yaml_synthetic_string_false", 1, ["study.yml, line 6, column synthetic: synthetic must be true or false, written without quotes; got 'false'"],
     {"study.yml": yml("synthetic: true", "synthetic: 'false'")})
case("yaml_synthetic_number", 1, ["column synthetic: synthetic must be true or false"], {"study.yml": yml("synthetic: true", "synthetic: 0")})
case("yaml_robust_string", 1, ["column models.escape.robust: robust must be true or false"],
     {"study.yml": yml("robust: true", "robust: 'no'")})
case("yaml_country_norway", 1, ["column country: country must be a text; got False. Put it in quotes"],
     {"study.yml": yml("country: Nowhere", "country: NO")})
case("yaml_python_tag", 1, ["study.yml, line 39: is not valid YAML: could not determine a constructor"],
     {"study.yml": BASE_YML + "x: !!python/object/apply:os.system ['touch /tmp/sop-pwned']\n"})
case("yaml_deep_nesting", 1, ["nests more than 64 levels deep"], {"study.yml": BASE_YML + "x: " + "[" * 200 + "]" * 200 + "\n"})
case("yaml_huge_integer", 1, ["study.yml", "not valid YAML"], {"study.yml": yml("poverty_cutoff: 2", "poverty_cutoff: " + "9" * 5000)})
case("yaml_nul_escape_in_title", 1, ["column title: the text contains an invisible or control character (U+0000"],
     {"study.yml": yml("title: Hostile corpus base study", 'title: "Hostile\\0 corpus"')})
case("yaml_raw_control_character", 1, ["study.yml, line 1: contains a control character (U+001F), which YAML does not allow"],
     {"study.yml": yml("title: Hostile corpus", "title: Hostile\x1f corpus")})
case("yaml_zero_width_stage", 1, ["column stages.1: the text contains an invisible or control character (U+200B ZERO WIDTH SPACE)"],
     {"study.yml": yml("Clothes", "Clo\u200bthes")})
case("yaml_bidi_description", 1, ["column description: the text contains an invisible or control character (U+202E"],
     {"study.yml": yml("A small fictional study", "A small \u202efictional study")})
case("yaml_dates_as_time_points", 1, ["time_points must be a list of years"],
     {"study.yml": yml("time_points: [1979, 1994, 2004]", "time_points: [1979-01-01, 1994-01-01, 2004-01-01]")})
case("yaml_utf16", 1, ["study.yml: is UTF-16 text, not UTF-8"], {"study.yml": BASE_YML.encode("utf-16")})
case("yaml_tab_indent", 1, ["study.yml, line", "is not valid YAML"], {"study.yml": yml("  health: Health", "\thealth: Health")})
case("yaml_unknown_keys_warn", 0, ["warning: study.yml, line 39, column license: the key 'license' is not part of the data contract",
                                   "Is it a misspelling of 'licence'?"],
     {"study.yml": BASE_YML + "license: MIT\n"})
case("yaml_unknown_model_key_warn", 0, ["warning: study.yml, line 23, column models.escape.perod: the key 'perod'"],
     {"study.yml": yml("    period: [1979, 2004]", "    perod: [1979, 2004]")})
case("yaml_top_stage_bool", 1, ["column top_stage: top_stage must be a stage number"], {"study.yml": yml("top_stage: 5", "top_stage: true")})

# =========================================================================== malformed and look-alike CSV
case("ragged_rows_reported_all", 1, ["households.csv, row 3: has 7 cells but the header has 6 columns.",
                                     "households.csv, row 6: has 8 cells", "households.csv, row 9: has 7 cells"],
     {"households.csv": "\n".join(l + (",x" if i in (2, 8) else ",x,y" if i == 5 else "")
                                  for i, l in enumerate(BASE["households.csv"].splitlines())) + "\n"})
case("extra_cell_every_row", 1, ["households.csv, row 2: has 7 cells but the header has 6 columns.",
                                 "households.csv, row 21: has 7 cells",
                                 "households.csv: 4 more rows (up to row 25) have the same problem"],
     {"households.csv": "\n".join(l if i == 0 else l + ",1" for i, l in enumerate(BASE["households.csv"].splitlines())) + "\n"})
case("forgotten_first_header", 1, ["households.csv, row 2: has 6 cells but the header has 5 columns."],
     {"households.csv": BASE["households.csv"].replace("household_id,", "", 1)})
case("short_row_warns", 0, ["warning: households.csv, row 4: has 5 cells but the header has 6 columns"],
     {"households.csv": hh_row(4, BASE["households.csv"].splitlines()[3].rsplit(",", 1)[0])})
nfd = unicodedata.normalize("NFD", "Baños")
nfc = unicodedata.normalize("NFC", "Baños")
case("nfc_nfd_region_is_one_group", 0, ["valid"],
     {"households.csv": "\n".join(l.replace(",South,", f",{nfd if i % 2 else nfc},")
                                  for i, l in enumerate(BASE["households.csv"].splitlines())) + "\n",
      "communities.csv": BASE["communities.csv"].replace(",South,", f",{nfc},"),
      "study.yml": yml("regions: [North, South]", f"regions: [North, {nfd}]")})
case("nfc_nfd_duplicate_id", 1, [f"households.csv, row 3, column household_id: '{nfc}' is a duplicate: it already appears in row 2."],
     {f: BASE[f].replace("H01,", f"{nfc},").replace("H02,", f"{nfd},") for f in ("households.csv",)})
case("zero_width_region", 1, ["households.csv, row 2, column region: the cell contains an invisible or control character (U+200B ZERO WIDTH SPACE)"],
     {"households.csv": hh_replace("H01,Alto,North", "H01,Alto,Nor\u200bth")})
case("zero_width_duplicate_id", 1, ["households.csv, row 3, column household_id: the cell contains an invisible or control character (U+200B"],
     {"households.csv": hh_replace("H02,", "H01\u200b,")})
case("nul_in_community", 1, ["households.csv, row 2, column community: the cell contains an invisible or control character (U+0000 NUL)"],
     {"households.csv": hh_replace("H01,Alto", "H01,Al\x00to").encode()})
case("bidi_override_id", 1, ["households.csv, row 2, column household_id: the cell contains an invisible or control character (U+202E RIGHT-TO-LEFT OVERRIDE)"],
     {"households.csv": hh_replace("H01,", "\u202eH01,")})
case("c1_control_region", 1, ["column region: the cell contains an invisible or control character (U+0085"],
     {"households.csv": hh_replace("H01,Alto,North", "H01,Alto,North\u0085")})
case("soft_hyphen_community", 1, ["column community: the cell contains an invisible or control character (U+00AD SOFT HYPHEN)"],
     {"households.csv": hh_replace("H01,Alto", "H01,Al\u00adto")})
case("bom_inside_cell", 1, ["column region: the cell contains an invisible or control character (U+FEFF"],
     {"households.csv": hh_replace("H01,Alto,North", "H01,Alto,\ufeffNorth")})
case("tab_in_region", 1, ["households.csv, row 2, column region: the cell contains an invisible or control character (U+0009 TAB)"],
     {"households.csv": hh_replace("H01,Alto,North", 'H01,Alto,"No\trth"')})
case("newline_in_community", 1, ["households.csv, row 2, column community: the cell contains an invisible or control character (U+000A LINE FEED)"],
     {"households.csv": hh_replace("H01,Alto", 'H01,"Al\nto"')})
case("zero_width_header", 1, ["households.csv, row 1: the name of column 3 contains an invisible or control character (U+200B"],
     {"households.csv": hh_replace("region", "reg\u200bion")})
case("region_named_all", 1, ["households.csv, row 2, column region: 'All' is reserved"],
     {"households.csv": hh_replace(",North,", ",All,", 99), "communities.csv": hh_replace(",North,", ",All,", 99, name="communities.csv")})
case("community_named_all_lowercase", 1, ["households.csv, row 2, column community: 'aLL' is reserved"],
     {"households.csv": hh_replace(",Alto,", ", aLL ,", 99)})
case("communities_csv_all", 1, ["communities.csv, row 2, column community: 'ALL' is reserved"],
     {"communities.csv": hh_replace("Alto,", "ALL,", 1, name="communities.csv")})
case("utf16_households", 1, ["households.csv: is UTF-16 text, not UTF-8"], {"households.csv": BASE["households.csv"].encode("utf-16")})
case("empty_sample", 1, ["sample.csv: the file is empty"], {"sample.csv": ""})
case("header_only_reasons", 1, ["reasons.csv: has a header but no rows"], {"reasons.csv": "household_id,start,end,reason\n"})
case("stage_infinity", 1, ["households.csv, row 2, column stage_1979: stage inf is above the ladder"],
     {"households.csv": hh_row(2, "H01,Alto,North,inf,1,1")})
case("stage_hex", 1, ["households.csv, row 2, column stage_1979: '0x3' is neither a stage number nor a stage name."],
     {"households.csv": hh_row(2, "H01,Alto,North,0x3,1,1")})
case("long_cell_extra_column", 0, ["valid"],
     {"households.csv": "\n".join(l + (",notes" if i == 0 else "," + "x" * 200_000 if i == 1 else ",")
                                  for i, l in enumerate(BASE["households.csv"].splitlines())) + "\n"})
case("formula_cells_are_data", 0, ["valid"],
     {"households.csv": hh_replace(",Alto,", ",=1+1,", 99), "communities.csv": hh_replace("Alto,", "=1+1,", 1, name="communities.csv")})

# =========================================================================== optional settings
case("reasons_csv_year_not_time_point", 1, ["reasons.csv, row 2, column start: 1980 is not a time point of study.yml ([1979, 1994, 2004])."],
     {"reasons.csv": hh_row(2, BASE["reasons.csv"].splitlines()[1].replace("1979", "1980"), name="reasons.csv")})
case("reasons_csv_reversed_period", 1, ["reasons.csv, row 2, column start: the period 2004-1979 is reversed or empty"],
     {"reasons.csv": hh_row(2, BASE["reasons.csv"].splitlines()[1].replace("1979,2004", "2004,1979").replace("1979,1994", "2004,1979"),
                            name="reasons.csv")})
case("reasons_csv_unknown_code", 1, ["reasons.csv, row 2, column reason: the reason code 'witchcraft' is not in the vocabulary"],
     {"reasons.csv": hh_row(2, BASE["reasons.csv"].splitlines()[1].rsplit(",", 1)[0] + ",witchcraft", name="reasons.csv")})
case("reasons_as_list", 1, ["study.yml, line 11, column reasons: reasons must map each reason code to its label"],
     {"study.yml": yml("  business: Business gains\n  health: Health\n  land_division: Land division\n",
                       "  - business\n  - health\n  - land_division\n")})
case("reasons_code_not_snake_case", 1, ["column reasons.Health Problems: the reason code 'Health Problems' must be snake_case"],
     {"study.yml": yml("  health: Health", "  Health Problems: Health")})
case("reasons_label_not_text", 1, ["the label of reason 'health' must be a non-empty text"],
     {"study.yml": yml("  health: Health", "  health: [a, b]")})
case("livestock_years_not_time_points", 1, ["column livestock.years: livestock years [1990, 2004] uses 1990, which is not a time point"],
     {"study.yml": yml("years: [1994, 2004]", "years: [1990, 2004]")})
case("livestock_years_reversed", 1, ["livestock years [2004, 1994] is reversed or empty"],
     {"study.yml": yml("years: [1994, 2004]", "years: [2004, 1994]")})
case("livestock_years_text", 1, ["livestock years must be [start, end], two years"],
     {"study.yml": yml("years: [1994, 2004]", "years: ten years ago")})
case("livestock_is_a_list", 1, ["column livestock: livestock must be a mapping (years, items, products); got a list."],
     {"study.yml": yml("livestock:\n  years: [1994, 2004]\n  items: [[beef, indigenous], [beef, improved], [sheep, \"\"]]\n  products: [milk, wool]\n",
                       "livestock:\n  - [1994, 2004]\n")})
case("livestock_unknown_species", 1, ["column livestock.items.2: the species 'unicorn' is not one of"],
     {"study.yml": yml('[sheep, ""]', '[unicorn, ""]')})
case("livestock_unknown_breed", 1, ["the breed 'mutant' is not indigenous, improved or blank"],
     {"study.yml": yml("[beef, improved]", "[beef, mutant]")})
case("models_as_list", 1, ["column models: models must map each model name to its specification; got a list."],
     {"study.yml": BASE_YML.split("models:")[0] + "models:\n  - escape\n  - descent\n"})
case("model_spec_is_text", 1, ["column models.escape: the model 'escape' must be a mapping"],
     {"study.yml": BASE_YML.split("models:")[0] + "models:\n  escape: logit of everything\n"})
case("model_period_outside_time_points", 1, ["column models.escape.period: the period [1979, 2010] uses 2010, which is not a time point"],
     {"study.yml": yml("period: [1979, 2004]", "period: [1979, 2010]")})
case("model_period_reversed", 1, ["column models.escape.period: the period [2004, 1979] is reversed or empty"],
     {"study.yml": yml("period: [1979, 2004]", "period: [2004, 1979]")})
case("model_period_single_year", 1, ["the period must be [start, end], two years"], {"study.yml": yml("period: [1979, 2004]", "period: 1979")})
case("model_variable_missing", 1, ["column models.escape.groups.1.variables.2.name: the variable 'land_hectares' is neither a reason code",
                                   "Is it a misspelling of 'land_ha'?"],
     {"study.yml": yml("name: land_ha", "name: land_hectares")})
case("model_unknown_transform", 1, ["column models.escape.groups.1.variables.1.transform: the transform 'cube' is not one of: log, square."],
     {"study.yml": yml("transform: square", "transform: cube")})
case("model_unknown_outcome_category", 1, ["column models.escape.outcome: the outcome category 'escapd' is not one of"],
     {"study.yml": yml("outcome: {1: escaped, 0: remained_poor}", "outcome: {1: escapd, 0: remained_poor}")})
case("model_outcome_column_missing", 1, ["the outcome 'owns_tractor' is neither a movement category nor a column of sample.csv"],
     {"study.yml": yml("outcome: {1: escaped, 0: remained_poor}", "outcome: owns_tractor")})
case("model_outcome_bad_mapping", 1, ["outcome must be a movement category"],
     {"study.yml": yml("outcome: {1: escaped, 0: remained_poor}", "outcome: {yes: escaped}")})
case("model_by_unknown_column", 1, ["column models.escape.by: by names 'district', which is not a column of households.csv."],
     {"study.yml": yml("by: region", "by: district")})
case("model_unknown_region", 1, ["column models.escape.regions: the region 'Sooth' does not appear in households.csv."],
     {"study.yml": yml("regions: [North, South]", "regions: [North, Sooth]")})
case("model_variable_unknown_region", 1, ["the region 'Nowhere' does not appear in households.csv."],
     {"study.yml": yml("{name: health, label: Health}", "{name: health, label: Health, regions: [Nowhere]}")})
case("model_filter_unknown_column", 1, ["filter names 'district', a column of neither sample.csv nor households.csv."],
     {"study.yml": yml("by: region", "filter: {district: Alto}")})
case("model_class_labels_wrong_shape", 1, ["column models.escape.class_labels: class_labels must map 1 and 0 to texts"],
     {"study.yml": yml("class_labels: {1: Escaping poverty, 0: Staying poor}", "class_labels: [Escaping, Staying]")})
case("model_no_groups", 1, ["column models.escape.groups: groups must be a list of {heading, variables}"],
     {"study.yml": BASE_YML.split("    groups:")[0]})
case("model_layout_unknown", 1, ["layout must be spss or paper"], {"study.yml": yml("robust: true", "robust: true\n    layout: fancy")})
case("models_without_sample", 1, ["column models: models need sample.csv"], drop=("sample.csv",))
case("communities_missing_one", 1, ["communities.csv, row 5, column community: the community 'Duna' of households.csv (row 5) has no row here"],
     {"communities.csv": "\n".join(BASE["communities.csv"].splitlines()[:-1]) + "\n"})
case("communities_region_mismatch", 1, ["communities.csv, row 2, column region: the community 'Alto' is in region 'South' here but in 'North'"],
     {"communities.csv": hh_replace("Alto,North,", "Alto,South,", 1, name="communities.csv")})


# Field files (NAME.xlsx, .sav, .dta, study.xlsx): the same care as for a CSV.
XLSX = (HERE / "formats" / "xlsx" / "households.xlsx").read_bytes()
case("xlsx_symlink_out", 1, ["households.xlsx: is a symbolic link to a file outside the study folder"],
     {"households.xlsx": XLSX}, setup={"symlink_out": "households.xlsx"}, drop=("households.csv",))
case("xlsx_fifo", 1, ["households.xlsx: is not a file: it is a named pipe (FIFO), and it was not read"],
     {"households.xlsx": XLSX}, setup={"fifo": "households.xlsx"}, drop=("households.csv",))
case("workbook_not_a_zip", 1, ["study.xlsx: is not an Excel workbook (.xlsx)"], {"study.xlsx": b"PK not really a zip"})
case("sav_garbage", 1, ["households.sav: cannot be read as an SPSS data file (.sav)"],
     {"households.sav": b"$FL2 this is not SPSS data"}, drop=("households.csv",))
case("households_as_xls", 1, ["households.xls: the households table cannot be read from this file: it is an Excel "
                              "97-2003 workbook, which is not read; save it as households.xlsx"],
     {"households.xls": b"\xd0\xcf\x11\xe0 an old workbook"}, drop=("households.csv",))
case("table_given_twice", 1, ["the households table is given more than once: in households.csv and households.xlsx"],
     {"households.xlsx": XLSX})


def write_all(root: Path = HERE) -> Path:
    out = root / "hostile"
    if out.exists():
        shutil.rmtree(out)
    for name, c in CASES.items():
        d = out / name
        d.mkdir(parents=True)
        for fname, content in c["files"].items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (d / fname).write_bytes(data)
        (d / "expect.yml").write_text(yaml.safe_dump(c["expect"], sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(f"{len(CASES)} cases written to {write_all(target)}")
