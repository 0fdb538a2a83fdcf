"""Write the new-user test study into this folder (run from anywhere).

    .venv/bin/python tests/studies/newuser/make_study.py

The study a new team might type from the documentation: a Western-Kenya-like study (invented
names, invented households) of 12 villages in two regions with accented names, 900 households,
four time points (1990, 2000, 2010, 2024), a 9-stage ladder written in Swahili and English with
the poverty cutoff at stage 4, a quarter of the households sampled with the reasons for their
trajectory in each period, and no livestock, production or community tables. It is not the
paper's study and declares no paper, so its book must show nothing of the paper. The draws are
seeded: running this script again writes the same bytes.
"""

from __future__ import annotations

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
            s = rng.integers(1, 7, size=n).astype(float)
            cols = [s.copy()]
            for _ in YEARS[1:]:
                step = rng.choice([-2, -1, 0, 1, 2], size=n, p=[0.08, 0.17, 0.35, 0.25, 0.15]) + (rng.random(n) < drift)
                s = np.clip(s + step, 1, len(STAGES))
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
    sample = pd.DataFrame({
        "household_id": s["household_id"].to_numpy(),
        "male_head": (rng.random(len(s)) < 0.7).astype(int),
        "age_head": rng.integers(22, 80, size=len(s)),
        "education_level": rng.integers(0, 4, size=len(s)),
        "family_size": rng.integers(1, 12, size=len(s)),
        "land_ha": np.round(rng.gamma(2.0, 0.6, size=len(s)) + 0.1, 2),
    })
    rows = []
    for a, b in zip(YEARS, YEARS[1:]):
        s0, s1 = s[f"stage_{a}"].astype("Float64"), s[f"stage_{b}"].astype("Float64")
        for hid, x0, x1 in zip(s["household_id"], s0, s1):
            if pd.isna(x0):
                continue
            up = x0 <= CUTOFF < x1
            down = x0 > CUTOFF >= x1
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
        "reasons:",
        *[f'  {k}: "{v}"' for k, v in REASONS.items()],
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    rng = np.random.default_rng(SEED)
    hh = households(rng)
    sample, reasons = sample_and_reasons(hh, rng)
    for col in ["beef_cattle", "dairy_cattle", "sheep", "camelids", "above_primary", "prop_children_school",
                "relatives_outside", "livestock_income_share", "dependency_ratio", "multiple_activities",
                "improved_breed"]:
        sample[col] = pd.NA  # the current contract asks for these columns; this study leaves them blank
    (HERE / "study.yml").write_text(study_yml(), encoding="utf-8", newline="\n")
    hh.to_csv(HERE / "households.csv", index=False, lineterminator="\n")
    sample.to_csv(HERE / "sample.csv", index=False, lineterminator="\n")
    reasons.to_csv(HERE / "reasons.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
