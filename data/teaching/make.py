#!/usr/bin/env python3
"""Regenerate the teaching study in this folder (fictional households, not field data).

    .venv/bin/python data/teaching/make.py          # rewrites study.yml and the CSV files here
    .venv/bin/python data/teaching/make.py --check  # exit 1 if the committed files differ

The same as `sop simulate --out data/teaching ...` with the parameters below, except that the
files are written one by one, so this script, README.md and datapackage.json stay in place.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stagesofprogress.simulation import simulate_files

HERE = Path(__file__).resolve().parent

PARAMS = dict(
    households=480,
    communities=9,
    regions=3,
    stages=10,
    cutoff=5,
    years=(2010, 2024),
    escape_rate=0.22,
    descent_rate=0.08,
    poor_start=0.55,
    seed=2024,
    with_reasons=True,
    sample_share=0.5,
    title="Teaching study: nine fictional Andean villages, 2010-2024 (invented data)",
    description=(
        "A small fictional study for the classroom: 480 invented households in nine villages of three "
        "regions, a ten-stage ladder with the poverty cutoff after stage 5, two time points, and a "
        "50% sample of each movement category with the reasons the community gave. Every name and "
        "number is made up; do not cite it as evidence about any real place."
    ),
)


def main(argv: list[str]) -> int:
    files = simulate_files(**PARAMS)
    if "--check" in argv:
        stale = [n for n, b in files.items() if not (HERE / n).exists() or (HERE / n).read_bytes() != b]
        if stale:
            print(f"data/teaching is out of date: {', '.join(stale)}. Run data/teaching/make.py.", file=sys.stderr)
            return 1
        print("data/teaching matches make.py.")
        return 0
    for name, data in sorted(files.items()):
        (HERE / name).write_bytes(data)
    print(f"Wrote {', '.join(sorted(files))} to {HERE}")
    # the data package descriptor, when the installed `sop` offers it
    sop = Path(sys.executable).with_name("sop")
    if sop.exists():
        has = subprocess.run([str(sop), "datapackage", "--help"], capture_output=True).returncode == 0
        if has:
            subprocess.run([str(sop), "datapackage", "--data", str(HERE)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
