"""Benchmark `sop tables` end to end on generated studies of 10k, 100k and 1M households.

    .venv/bin/python benchmarks/bench_tables.py            # all sizes, writes benchmarks/results.md
    .venv/bin/python benchmarks/bench_tables.py 10000      # chosen sizes only (results.md untouched)

Studies are generated with a fixed seed and vectorized numpy (no Python loop over
households) into a temporary folder: 3 time points, a 13-stage ladder, cutoff 7,
6 regions of 50 communities, about 1% unknown stages and an `assets` column.
Each size is timed as a subprocess (wall time, best of 3) with its CPU time (user + system);
peak memory (max resident set size) comes from `/usr/bin/time -v` when present, else from
`getrusage(RUSAGE_CHILDREN)`. On a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SOP = Path(sys.executable).with_name("sop")
SIZES = [10_000, 100_000, 1_000_000]
TIME_POINTS = [1979, 1994, 2004]
N_STAGES = 13
CUTOFF = 7
REPEATS = 3
TARGET_SECONDS = 5.0
TARGET_BYTES = 2 * 1024**3

STAGE_NAMES = [f"Stage {i}" for i in range(1, N_STAGES + 1)]


NOTES = """
## Where the time goes (1M households, profiled in-process on a quiet moment)

- fixed cost, whatever the size (the whole cost at 10k households): Python and
  `import stagesofprogress` (pandas, yaml; about 0.5 s), then the analysis producers that
  `compute_tables` registers on first use, whose modules import scipy (`scorecard`, and `models`
  through `logit`) even when the study has no table for them (about 0.8 s).
- `pd.read_csv(dtype=str)`: about 0.45 s.
- validation: each column is factorized once (`_Cells.coded`); stripping, blank tests and the
  numeric conversion then run on the distinct values only, not on every cell (about 0.45 s,
  mostly hashing the million distinct household ids for the uniqueness check).
- typing the frame (nullable integer stages) about 0.1 s; every table (movements, summary,
  poverty rates, transitions, assets by stage) about 0.5 s, counts by `np.bincount`.

Before this work the same 1M run spent about 4 s in per-cell `.str.strip()` and
`pd.to_numeric` on strings (validation and `_typed` each did both).
"""


def _join(*cols: np.ndarray) -> np.ndarray:
    out = cols[0]
    for c in cols[1:]:
        out = np.char.add(np.char.add(out, ","), c)
    return out


def generate(folder: Path, n: int, seed: int = 20070601) -> Path:
    """Write study.yml and households.csv for `n` households into `folder` (deterministic)."""
    rng = np.random.default_rng(seed + n)
    folder.mkdir(parents=True, exist_ok=True)
    stages_yaml = "\n".join(f"  - {s}" for s in STAGE_NAMES)
    (folder / "study.yml").write_text(
        f"title: Benchmark study of {n:,} synthetic households\n"
        f"time_points: [{', '.join(map(str, TIME_POINTS))}]\n"
        f"stages:\n{stages_yaml}\n"
        f"poverty_cutoff: {CUTOFF}\nsynthetic: true\n",
        encoding="utf-8",
    )
    ids = np.char.add("H", np.char.zfill(np.arange(1, n + 1).astype("U7"), 7))
    regions = np.array([f"Region {c}" for c in "ABCDEF"])[rng.integers(0, 6, n)]
    communities = np.char.add(np.char.add(regions, " village "), rng.integers(1, 51, n).astype("U2"))
    # a random walk on the ladder, so movements look like movements
    s = rng.integers(1, N_STAGES + 1, n)
    stage_cols = []
    for _ in TIME_POINTS:
        s = np.clip(s + rng.integers(-2, 3, n), 1, N_STAGES)
        col = s.astype("U2")
        col[rng.random(n) < 0.01] = ""  # unknown stage
        stage_cols.append(col)
    assets = np.maximum(0, s // 2 + rng.integers(-1, 2, n)).astype("U2")
    header = ",".join(["household_id", "community", "region"] + [f"stage_{y}" for y in TIME_POINTS] + ["assets"])
    lines = _join(ids, communities, regions, *stage_cols, assets)
    with open(folder / "households.csv", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n")
        fh.write("\n".join(lines.tolist()))
        fh.write("\n")
    return folder


def run_once(cmd: list[str]) -> tuple[float, float, int | None]:
    """Wall seconds, CPU seconds (user + system) and peak resident bytes of one command."""
    timev = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([timev, "-v", *cmd] if timev else cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = None
    if timev:
        for line in p.stderr.splitlines():
            if "Maximum resident set size" in line:
                peak = int(line.split(":")[1]) * 1024
    if peak is None:
        # ru_maxrss of children is the largest child so far: an upper bound for this run
        peak = after.ru_maxrss * (1 if platform.system() == "Darwin" else 1024)
    return wall, cpu, peak


def best_of(cmd: list[str]) -> tuple[list[float], float, int | None]:
    runs = [run_once(cmd) for _ in range(REPEATS)]
    peaks = [r[2] for r in runs if r[2] is not None]
    return [r[0] for r in runs], min(r[1] for r in runs), max(peaks) if peaks else None


def main(argv: list[str]) -> int:
    sizes = [int(a.replace("_", "")) for a in argv] or SIZES
    rows = []
    walls, cpu, peak = best_of([str(SOP), "--version"])
    rows.append(("start-up only (`sop --version`)", "", min(walls), cpu, peak))
    print(f"start-up (sop --version): best {min(walls):.2f} s, CPU {cpu:.2f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="sop-bench-") as tmp:
        tmp = Path(tmp)
        for n in sizes:
            t0 = time.perf_counter()
            data = generate(tmp / f"study_{n}", n)
            gen = time.perf_counter() - t0
            size_mb = (data / "households.csv").stat().st_size / 1e6
            walls, cpu, peak = best_of([str(SOP), "tables", "--data", str(data), "--out", str(tmp / f"out_{n}")])
            rows.append((f"{n:,}", f"{size_mb:.1f} MB", min(walls), cpu, peak))
            mem = f"{peak / 2**20:.0f} MiB" if peak else "n/a"
            print(
                f"{n:>9,} households ({size_mb:.1f} MB, generated in {gen:.1f} s): best "
                f"{min(walls):.2f} s of {', '.join(f'{w:.2f}' for w in walls)}; CPU {cpu:.2f} s; peak {mem}",
                flush=True,
            )
    table = [
        "| households | households.csv | wall time (best of 3) | CPU time, user+sys (best of 3) | peak memory |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, mb, wall, cpu, peak in rows:
        mem = f"{peak / 2**20:,.0f} MiB" if peak else "n/a"
        table.append(f"| {n} | {mb} | {wall:.2f} s | {cpu:.2f} s | {mem} |")
    md = "\n".join(table)
    load = os.getloadavg()[0]
    print()
    print(md)
    verdict = ""
    big = [r for r in rows if r[0] == "1,000,000"]
    if big:
        _n, _mb, wall, cpu, peak = big[0]
        ok = wall < TARGET_SECONDS and (peak is None or peak < TARGET_BYTES)
        verdict = (
            f"\nTarget (1M households < {TARGET_SECONDS:g} s wall, peak < 2 GB): "
            f"{'met' if ok else 'NOT met'} (wall {wall:.2f} s, CPU {cpu:.2f} s, "
            f"load average {load:.1f} on {os.cpu_count()} CPUs).\n"
        )
        print(verdict)
    if sorted(sizes) == SIZES:
        cpu_name = platform.processor() or platform.machine()
        (HERE / "results.md").write_text(
            "# `sop tables` benchmark\n\n"
            "Generated by `benchmarks/bench_tables.py` (deterministic seed; 3 time points, 13 stages, "
            "6 regions, ~1% unknown stages, an `assets` column). End-to-end `sop tables` as a "
            "subprocess, including Python start-up and the package's imports; CPU time is user + "
            "system of the process; peak memory is its maximum resident set size.\n\n"
            f"Machine: {os.cpu_count()} CPUs ({cpu_name}), Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load:.1f} at the end of "
            "the run (the machine was shared with other work, so wall times are inflated; "
            "CPU times are the steadier figure).\n\n" + md + "\n" + verdict + NOTES,
            encoding="utf-8",
        )
        print(f"Wrote {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
