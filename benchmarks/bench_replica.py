"""Benchmark `sop replica`: generating the synthetic Peru study (target: under 60 s on 2 cores).

    .venv/bin/python benchmarks/bench_replica.py             # 2 runs, writes replica_results.md
    .venv/bin/python benchmarks/bench_replica.py --runs 3

Each run is the `sop` command as a subprocess into a temporary folder (wall time, Python start-up
included); CPU time and peak memory are those of the command and its worker processes (the four
logit models of Tables 4 and 5 are designed two at a time). Every run's files are compared byte for
byte with the committed data/peru2004. The load average before each run is recorded: the machine
may be shared, and wall time scales with it.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOP = Path(sys.executable).with_name("sop")
TARGET_SECONDS = 60.0


def run_once(out: Path) -> dict:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([str(SOP), "replica", "--out", str(out)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    committed = ROOT / "data" / "peru2004"
    names = sorted(p.name for p in committed.iterdir() if p.is_file())
    same = sorted(p.name for p in out.iterdir()) == names and all(
        filecmp.cmp(out / n, committed / n, shallow=False) for n in names
    )
    # ru_maxrss of children is the largest single process (KiB on Linux)
    return {"wall": wall, "cpu": cpu, "peak_mib": after.ru_maxrss / 1024, "load": load, "identical": same}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "replica_results.md")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            r = run_once(Path(tmp) / f"run{i}")
            rows.append(r)
            print(
                f"run {i + 1}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak {r['peak_mib']:.0f} MiB, "
                f"load {r['load']:.2f}, identical to data/peru2004: {r['identical']}",
                flush=True,
            )
    best = min(r["wall"] for r in rows)
    lines = [
        "# `sop replica` benchmark",
        "",
        f"{date.today().isoformat()} · Python {platform.python_version()} · {os.cpu_count()} cores · "
        f"target under {TARGET_SECONDS:.0f} s",
        "",
        "| run | wall (s) | CPU (s) | peak memory of one process (MiB) | load average before | identical to data/peru2004 |",
        "|---:|---:|---:|---:|---:|:---|",
    ]
    lines += [
        f"| {i + 1} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak_mib']:.0f} | {r['load']:.2f} | "
        f"{'yes' if r['identical'] else 'NO'} |"
        for i, r in enumerate(rows)
    ]
    lines += ["", f"Fastest run: {best:.1f} s ({'within' if best < TARGET_SECONDS else 'OVER'} the target).", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
