"""Write one small fictional study in every format a table may be given in (not field data).

    python tests/studies/formats/make_formats.py

`csv/` is the study as CSV; `semicolon/` the same CSV with semicolons and decimal commas (and
`csv: {delimiter: ";", decimal: ","}` in its study.yml); `xlsx/` has one workbook per table, `sav/` SPSS files and `dta/`
Stata files (community, region and reason as value-labelled codes; in SPSS the stage columns
carry the ladder's names as value labels); `workbook/` holds every table in one `study.xlsx`,
the households on one sheet per village. Every folder reads to the same text cells, so the
same `sop tables` output is expected from each. (Numbers have at most 16 significant digits:
openpyxl writes floats with `%.16g`, so a 17-digit value would change in `xlsx/`.)
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat

HERE = Path(__file__).resolve().parent

STUDY_YML = """\
# Written by make_formats.py: one fictional study, given as CSV, XLSX, SAV, DTA and one workbook.
title: "Formats fixture: two fictional villages"
time_points: [1990, 2000, 2010]
stages: [Food, Clothes, Roof, Small animals, Land, Cattle]
poverty_cutoff: 3
synthetic: true
reasons:
  health: Health
  business: Business gains
  land_division: Land division
"""

HOUSEHOLDS = """\
household_id,community,region,stage_1990,stage_2000,stage_2010,assets
K01,Kabuchai,Bungoma,1,2,4,2
K02,Kabuchai,Bungoma,2,2,2,1
K03,Kabuchai,Bungoma,4,3,2,3
K04,Kabuchai,Bungoma,5,5,6,7
K05,Kabuchai,Bungoma,,1,3,0
K06,Kabuchai,Bungoma,3,4,5,4
L01,Lugarí,Kakamega (Magharibi),1,1,1,0
L02,Lugarí,Kakamega (Magharibi),2,4,4,5
L03,Lugarí,Kakamega (Magharibi),6,4,3,2
L04,Lugarí,Kakamega (Magharibi),3,3,,1
L05,Lugarí,Kakamega (Magharibi),1,2,5,6
L06,Lugarí,Kakamega (Magharibi),4,5,5,8
"""

_SAMPLE_COLUMNS = ("household_id,male_head,age_head,education_level,above_primary,prop_children_school,"
                   "relatives_outside,land_ha,beef_cattle,dairy_cattle,sheep,camelids,livestock_income_share,"
                   "dependency_ratio,multiple_activities,family_size,improved_breed")
SAMPLE = _SAMPLE_COLUMNS + """
K01,1,52,1,0,0.3333333333333333,0,1.25,2,1,0,0,0.4,0.5,1,6,0
K03,0,61,0,0,0.5,1,0.8,0,1,3,0,0.25,0.4285714285714285,0,7,0
K04,1,45,2,1,1,0,3.65,4,2,5,0,0.12,0.2,1,5,1
L02,1,,1,0,0.75,1,2,1,0,2,0,0.3,0.6666666666666666,1,4,0
L03,0,38,3,1,0.28,0,0.5,0,0,0,0,0.05,0.1,0,3,0
L05,1,70,0,0,0,1,1e-05,3,3,1,0,0.9,0.75,1,8,1
"""

REASONS = """\
household_id,start,end,reason
K01,1990,2010,business
K03,1990,2010,health
K03,1990,2010,land_division
K04,2000,2010,business
L02,1990,2010,business
L03,1990,2010,health
L05,1990,2010,business
L05,2000,2010,health
"""

TABLES = {"households": HOUSEHOLDS, "sample": SAMPLE, "reasons": REASONS}
SUBFOLDERS = ("csv", "semicolon", "xlsx", "sav", "dta", "workbook")
SEMICOLON_YML = 'csv: {delimiter: ";", decimal: ","}\n'
STAGES = ["Food", "Clothes", "Roof", "Small animals", "Land", "Cattle"]
LABELLED = ("community", "region", "reason")  # text columns stored as value-labelled codes


def frames() -> dict[str, pd.DataFrame]:
    """The tables as typed columns: numbers where every filled cell is one, else text."""
    out = {}
    for name, text in TABLES.items():
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        typed = {}
        for c in raw.columns:
            num = pd.to_numeric(raw[c].replace("", np.nan), errors="coerce")
            if c != "household_id" and num.notna().sum() == (raw[c] != "").sum():
                typed[c] = num.astype("int64") if num.notna().all() and (num == num.round()).all() else num
            else:
                typed[c] = raw[c]
        out[name] = pd.DataFrame(typed)
    return out


def coded(df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Text columns of LABELLED as integer codes 1..k with their value labels."""
    df = df.copy()
    labels = {}
    for c in LABELLED:
        if c in df.columns:
            codes, uniq = pd.factorize(df[c])
            df[c] = (codes + 1).astype("int32")
            labels[c] = {i + 1: str(u) for i, u in enumerate(uniq)}
    return df, labels


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, df in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) or v == "" else
                       (int(v) if isinstance(v, (np.integer,)) else float(v) if isinstance(v, np.floating) else v)
                       for v in row])
    wb.save(path)


def semicolon_csv(text: str) -> str:
    """The CSV as a spreadsheet in a decimal-comma locale saves it: semicolons, decimal commas."""
    number = re.compile(r"[+-]?\d+\.\d+(?:[eE][+-]?\d+)?")
    return "\n".join(";".join(c.replace(".", ",") if number.fullmatch(c) else c for c in line.split(","))
                     for line in text.split("\n"))


def main(out: Path = HERE) -> None:
    """Write the six folders under `out` (default: beside this script)."""
    out = Path(out)
    typed = frames()
    for sub in SUBFOLDERS:
        d = out / sub
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
        (d / "study.yml").write_text(STUDY_YML + (SEMICOLON_YML if sub == "semicolon" else ""), encoding="utf-8")
    for name, text in TABLES.items():
        (out / "csv" / f"{name}.csv").write_text(text, encoding="utf-8")
        (out / "semicolon" / f"{name}.csv").write_text(semicolon_csv(text), encoding="utf-8")
        write_xlsx(out / "xlsx" / f"{name}.xlsx", {name: typed[name]})
        df, labels = coded(typed[name])
        spss_labels = dict(labels)
        if name == "households":
            spss_labels.update({c: {i + 1: s for i, s in enumerate(STAGES)} for c in df.columns if c.startswith("stage_")})
        pyreadstat.write_sav(df, out / "sav" / f"{name}.sav", variable_value_labels=spss_labels)
        pyreadstat.write_dta(df, out / "dta" / f"{name}.dta", variable_value_labels=labels)
    hh = typed["households"]
    sheets = {f"households_{v}": hh[hh["community"] == v] for v in pd.unique(hh["community"])}
    sheets.update({"sample": typed["sample"], "reasons": typed["reasons"]})
    write_xlsx(out / "workbook" / "study.xlsx", sheets)


if __name__ == "__main__":
    main()
