"""Write the new-user test study into this folder (run from anywhere).

    .venv/bin/python tests/studies/newuser/make_study.py

The study a new team might type from the documentation: a Western-Kenya-like study (invented
names, invented households) of 12 villages in two regions with accented names, 900 households,
four time points (1990, 2000, 2010, 2024), a 9-stage ladder written in Swahili and English with
the poverty cutoff at stage 4 and a prosperity line at stage 8, a quarter of the households
sampled with the reasons for their trajectory in each period (households of every category cite
reasons), and no livestock, production or community tables. Four villages' meetings drew their
own ladders (`ladders` sheet): three of Kakamega Kâti a 7-stage ladder with the poverty line at 3
and the prosperity line at 6, and Sireme the study's stages with its poverty line at 5.

It is delivered as a team delivers it: ONE workbook, `study.xlsx`, with one sheet per village of
households (stacked by sop), and the sheets `sample`, `reasons` and `ladders`, beside study.yml.
`write_form` writes the same study as CSV, per-table XLSX, SAV or DTA files (the test of
byte-identical `sop tables` output across formats). It is not the paper's study and declares no
paper, so its book must show nothing of the paper. The draws are seeded and the workbook's
timestamps fixed: running this script again writes the same bytes.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261201
YEARS = [1990, 2000, 2010, 2024]
STAGES = [
    "Chakula (food)",
    "Mavazi (clothes)",
    "Kurekebisha nyumba (repairing the house)",
    "Karo ya shule (school fees for the children)",
    "Kuku na mbuzi (chickens and goats)",
    "Ng'ombe wa kienyeji (a local cow)",
    "Shamba zaidi (more land)",
    "Nyumba ya bati (iron-roofed house)",
    "Biashara ndogo (small business)",
]
CUTOFF = 4
PROSPERITY = 8
#: Villages whose meeting drew its own ladder: village -> (stage names, poverty cutoff, prosperity line).
OWN_STAGES = [
    "Chakula (food)",
    "Mavazi na viatu (clothes and shoes)",
    "Paa la bati (an iron roof)",
    "Karo ya shule (school fees)",
    "Ng'ombe (a cow)",
    "Shamba la kukodi (land rented in)",
    "Gari au pikipiki (a vehicle)",
]
LADDERS = {
    "Shianda": (OWN_STAGES, 3, 6),
    "Ikolomani": (OWN_STAGES, 3, 6),
    "Lurambi": (OWN_STAGES, 3, 6),
    "Sireme": (STAGES, 5, None),
}
REGIONS = {
    "Région Lac": ["Ébwali", "Nyangori", "Mûsaga", "Luanda Kotieno", "Sireme", "Kôdiaga"],
    "Kakamega Kâti": ["Shianda", "Ikolomani", "Malava Kâti", "Lurambi", "Shinyalu", "Muraka"],
}
REASONS = {
    "new_crop": "Ilianza zao jipya (new cash crop)",
    "small_business": "Biashara ndogo (small business)",
    "salaried_job": "Kazi ya mshahara (salaried job)",
    "remittances": "Msaada wa ndugu mjini (help from relatives in town)",
    "ill_health": "Ugonjwa na gharama za matibabu (illness and its costs)",
    "funeral_costs": "Gharama za mazishi (funeral costs)",
    "land_division": "Kugawanya shamba (land divided among heirs)",
    "drought": "Ukame (drought and poor harvests)",
}
UP = ["new_crop", "small_business", "salaried_job", "remittances"]
DOWN = ["ill_health", "funeral_costs", "land_division", "drought"]


def households(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    sizes = rng.multinomial(900 - 12 * 40, [1 / 12] * 12) + 40  # every village has 40 or more
    k = 0
    for r_i, (region, villages) in enumerate(REGIONS.items()):
        drift = (0.35, 0.15)[r_i]
        for village in villages:
            n = sizes[k]
            k += 1
            top = len(LADDERS[village][0]) if village in LADDERS else len(STAGES)
            s = rng.integers(1, top, size=n).astype(float)  # the top rung is reached later
            cols = [s.copy()]
            for _ in YEARS[1:]:
                step = rng.choice([-2, -1, 0, 1, 2], size=n, p=[0.08, 0.17, 0.35, 0.25, 0.15]) + (rng.random(n) < drift)
                s = np.clip(s + step, 1, top)
                cols.append(s.copy())
            for i in range(n):
                rows.append((village, region, *[int(c[i]) for c in cols]))
    df = pd.DataFrame(rows, columns=["community", "region", *[f"stage_{y}" for y in YEARS]])
    df.insert(0, "household_id", [f"KE{i + 1:04d}" for i in range(len(df))])
    # a few households that did not exist yet in 1990 (stage unknown)
    df["stage_1990"] = df["stage_1990"].astype("Int64")
    df.loc[rng.choice(len(df), size=15, replace=False), "stage_1990"] = pd.NA
    return df


def sample_and_reasons(hh: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = np.sort(rng.choice(hh.index.to_numpy(), size=len(hh) // 4, replace=False))
    s = hh.loc[ids]
    sample = pd.DataFrame(
        {
            "household_id": s["household_id"].to_numpy(),
            "male_head": (rng.random(len(s)) < 0.7).astype(int),
            "age_head": rng.integers(22, 80, size=len(s)),
            "education_level": rng.integers(0, 4, size=len(s)),
            "family_size": rng.integers(1, 12, size=len(s)),
            "land_ha": np.round(rng.gamma(2.0, 0.6, size=len(s)) + 0.1, 2),
        }
    )
    rows = []
    cut = s["community"].map(lambda c: LADDERS[c][1] if c in LADDERS else CUTOFF)  # each village's own line
    for a, b in zip(YEARS, YEARS[1:]):
        s0, s1 = s[f"stage_{a}"].astype("Float64"), s[f"stage_{b}"].astype("Float64")
        for hid, x0, x1, c in zip(s["household_id"], s0, s1, cut):
            if pd.isna(x0):
                continue
            up = x0 <= c < x1
            down = x0 > c >= x1
            # every category may cite reasons: households that moved cite more of them
            p_up = 0.55 if up else 0.12
            p_down = 0.5 if down else 0.1
            for code in UP:
                if rng.random() < p_up * (1.3 if code == UP[0] else 0.8):
                    rows.append((hid, a, b, code))
            for code in DOWN:
                if rng.random() < p_down * (1.3 if code == DOWN[0] else 0.8):
                    rows.append((hid, a, b, code))
    reasons = pd.DataFrame(rows, columns=["household_id", "start", "end", "reason"])
    return sample, reasons


def study_yml() -> str:
    lines = [
        "# A new user's study, typed from the documentation (invented villages and households).",
        'title: "Western Kenya villages, 1990-2024 (test study)"',
        "synthetic: true",
        "description: >",
        "  Nine hundred invented households of twelve villages in two regions, written to test",
        "  that the book tells the truth about a study that is not the paper's.",
        f"time_points: [{', '.join(map(str, YEARS))}]",
        "stages:",
        *[f'  - "{s}"' for s in STAGES],
        f"poverty_cutoff: {CUTOFF}",
        f"prosperity_cutoff: {PROSPERITY}",
        "reasons:",
        *[f'  {k}: "{v}"' for k, v in REASONS.items()],
    ]
    return "\n".join(lines) + "\n"


def ladders() -> pd.DataFrame:
    """The ladders sheet: one row per village and stage of the villages with their own ladder."""
    rows = []
    for village, (stages, cut, line) in LADDERS.items():
        for k, name in enumerate(stages, start=1):
            rows.append((village, k, name, int(k <= cut), int(line is not None and k >= line)))
    return pd.DataFrame(rows, columns=["community", "stage", "name", "poor", "prosperous"])


def tables() -> dict[str, pd.DataFrame]:
    """Every table of the study (households, sample, reasons, ladders), drawn from the seed."""
    rng = np.random.default_rng(SEED)
    hh = households(rng)
    sample, reasons = sample_and_reasons(hh, rng)
    return {"households": hh, "sample": sample, "reasons": reasons, "ladders": ladders()}


def _cell(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


FIXED_TIME = (2026, 12, 1, 0, 0, 0)


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """A workbook with one sheet per frame, written with fixed timestamps (same bytes every time)."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, df in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    wb.properties.creator = "make_study.py"
    wb.properties.created = wb.properties.modified = dt.datetime(*FIXED_TIME)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    stamp = b"2026-12-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            if name == "docProps/core.xml":  # openpyxl stamps the time of saving as modified
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, data)
            out.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)


def write_workbook(folder: Path, t: dict[str, pd.DataFrame]) -> None:
    """study.xlsx as a team keeps it: one households sheet per village, then sample, reasons, ladders."""
    hh = t["households"]
    sheets = {f"households_{v}": hh[hh["community"] == v] for v in pd.unique(hh["community"])}
    sheets.update({"sample": t["sample"], "reasons": t["reasons"], "ladders": t["ladders"]})
    write_xlsx(folder / "study.xlsx", sheets)


def write_form(folder: Path, form: str) -> None:
    """The same study in one file per table: form 'csv', 'xlsx', 'sav' or 'dta' (and study.yml)."""
    import pyreadstat

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.yml").write_text(study_yml(), encoding="utf-8", newline="\n")
    for name, df in tables().items():
        if form == "csv":
            df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        elif form == "xlsx":
            write_xlsx(folder / f"{name}.xlsx", {name: df})
        else:
            plain = df.copy()
            for c in plain.columns:
                if str(plain[c].dtype) == "Int64":
                    plain[c] = plain[c].astype("float64")  # missing stages as system-missing
            writer = pyreadstat.write_sav if form == "sav" else pyreadstat.write_dta
            writer(plain, folder / f"{name}.{form}")


def main(folder: Path = HERE) -> None:
    """Write study.yml and study.xlsx into `folder` (default: beside this script)."""
    folder = Path(folder)
    (folder / "study.yml").write_text(study_yml(), encoding="utf-8", newline="\n")
    write_workbook(folder, tables())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
