#!/usr/bin/env python3
"""Benchmark the two test lanes: the whole suite and the fast lane.

    python benchmarks/bench_tests.py                  # both lanes, best of 2; writes benchmarks/tests_results.md
    python benchmarks/bench_tests.py --lanes fast --repeat 3

Each lane runs as `python -m pytest` in a subprocess from the repository root, with the
arguments `tasks.py test` (full: one process) and `tasks.py test --fast` (`-m "not slow"`, two
pytest-xdist workers) give it (`tasks.pytest_args`). For every run the
script records the wall time, the CPU time of the process tree, the pytest outcome line and the
load average before it; the table keeps the best wall time of the lane's runs and lists them
all. Targets: full < 180 s, fast < 45 s on 2 cores. Other work on the machine inflates wall
times: the load average is written beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "tests_results.md"
LANES = {"full": ([], 180.0), "fast": (["--fast"], 45.0)}  # arguments of `tasks.py test`, target in seconds
sys.path.insert(0, str(ROOT))
from tasks import command_env, pytest_args  # noqa: E402 - the lanes run exactly as `tasks.py test` runs them


@dataclass
class Run:
    wall: float
    cpu: float
    outcome: str
    load: str
    slowest: list[str]
    failed: list[str] = field(default_factory=list)
    load_after: str = ""
    builds: list[str] = field(default_factory=list)  # background builds: "name: start -> end s"
    reference: float = 0.0  # CPU seconds of REFERENCE_CODE just before the run (0: not measured)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


# A fixed piece of the suite's own work, timed in a fresh interpreter before each run: machines
# of one kind differ by half or more from session to session, and the lanes' CPU times are only
# comparable across sessions as multiples of it.
REFERENCE_CODE = (
    "import stagesofprogress as sop, stagesofprogress.cli as cli; "
    "s = sop.load_study(cli.default_study()); "
    "[sop.compute_tables(s) for _ in range(2)]"
)


def reference_seconds() -> float:
    """CPU seconds (user + system) of `REFERENCE_CODE` in a new interpreter: import the library,
    load the shipped replica, compute every table twice."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", REFERENCE_CODE], cwd=ROOT, env=command_env(), check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_lane(args: list[str]) -> Run:
    """One run of pytest with `args`: wall and CPU seconds, outcome line, slowest tests."""
    reference = reference_seconds()
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=8", *pytest_args(args)]
    load = load_average()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="sop-bench-") as tmp:
        timeline = Path(tmp) / "timeline.tsv"  # tests/conftest.py writes it
        env = dict(command_env(), SOP_TEST_TIMELINE=str(timeline))
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True)
        wall = time.perf_counter() - t0
        builds = background_builds(timeline)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = load_average()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = proc.stdout.splitlines()
    outcome = next(
        (line.strip("= ") for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)", line)),
        f"exit {proc.returncode}",
    )
    outcome = re.sub(r" in [\d.]+s.*$", "", outcome)
    slowest = [line.strip() for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)]
    failed = [line.split()[1] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return Run(wall, cpu, outcome, load, slowest, failed, load_after, builds, reference)


def background_builds(timeline: Path) -> list[str]:
    """The session's background builds from conftest's timeline file, in the order they started:
    "name: start -> end s" (seconds since the session began); [] without a file."""
    if not timeline.is_file():
        return []
    start: dict[str, float] = {}
    out = []
    for line in timeline.read_text(encoding="utf-8").splitlines():
        kind, name, t = line.split("\t")
        if kind == "build":
            start[name] = float(t)
        elif kind == "built" and name in start:
            out.append((start[name], f"{name}: {start[name]:.0f} -> {float(t):.0f} s ({float(t) - start[name]:.0f} s)"))
    return [text for _t, text in sorted(out)]


def report(results: dict[str, list[Run]]) -> str:
    lines = [
        "# Test-suite benchmark",
        "",
        "Generated by `benchmarks/bench_tests.py`: each lane runs `python -m pytest` in a subprocess from the",
        "repository root with the arguments `tasks.py test` gives it (full: one process, books built in the",
        'background; fast: `tasks.py test --fast`, i.e. `-m "not slow" -n 2 --dist loadfile',
        "--hypothesis-profile=sop-fast`). Wall time is the best of the runs; CPU time is that of the whole process",
        "tree (pytest and its workers, `sop`, kernels, Sphinx, Chromium).",
        "",
        f"Machine: {os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, {date.today()}.",
        "Other work on the machine inflates wall times: the load average (1 / 5 / 15 min) before (and after) each run",
        "is given. The CPU time does not depend on the load: below about 330 s the full lane can meet its target.",
        "Machines of one kind differ from session to session: the reference workload (a new interpreter imports",
        "the library, loads the shipped replica and computes every table twice; CPU seconds, timed before each",
        "run) measures this one, and a lane's CPU time divided by it compares across sessions.",
        "",
        "| lane | best wall time | CPU time (best run) | reference workload (best run) | target "
        "| every run (wall, load before -> after) | outcome (best run) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for lane, runs in results.items():
        best = min(runs, key=lambda r: r.wall)
        target = LANES[lane][1]
        every = "; ".join(f"{r.wall:.1f} s ({r.load}{' -> ' + r.load_after if r.load_after else ''})" for r in runs)
        met = "met" if best.wall < target else "NOT met"
        ref = f"{best.reference:.2f} s (CPU time = {best.cpu / best.reference:.0f} x)" if best.reference else "n/a"
        lines.append(
            f"| {lane} | {best.wall:.1f} s | {best.cpu:.1f} s | {ref} | < {target:.0f} s ({met}) | {every} "
            f"| {best.outcome} |"
        )
    lines.append("")
    for lane, runs in results.items():
        best = min(runs, key=lambda r: r.wall)
        if best.slowest:
            lines += [f"Slowest steps of the best {lane} run:", "", *[f"- `{s}`" for s in best.slowest], ""]
        if best.builds:
            lines += [
                f"Background builds of the best {lane} run (seconds since the session began; two at a time):",
                "",
                *[f"- {b}" for b in best.builds],
                "",
            ]
        if best.failed:
            lines += [f"Tests that failed in the best {lane} run:", "", *[f"- `{s}`" for s in best.failed], ""]
    data = {lane: [asdict(r) for r in runs] for lane, runs in results.items()}
    lines += [f"<!-- bench_tests data: {json.dumps(data)} -->", ""]
    return "\n".join(lines)


def earlier(path: Path) -> dict[str, list[Run]]:
    """The runs stored in an earlier report at `path` ({} if none)."""
    if not path.exists():
        return {}
    m = re.search(r"<!-- bench_tests data: (.*) -->", path.read_text(encoding="utf-8"))
    if not m:
        return {}
    return {lane: [Run(**r) for r in runs] for lane, runs in json.loads(m.group(1)).items() if lane in LANES}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lanes", default="fast,full", help="comma-separated lanes to run (default: fast,full)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per lane; the best is kept (default 2)")
    ap.add_argument(
        "--out", type=Path, default=OUT, help="Markdown file to write (default: benchmarks/tests_results.md)"
    )
    args = ap.parse_args(argv)
    lanes = [name.strip() for name in args.lanes.split(",") if name.strip()]
    unknown = [name for name in lanes if name not in LANES]
    if unknown:
        ap.error(f"unknown lane(s) {', '.join(unknown)}: choose from {', '.join(LANES)}")
    results: dict[str, list[Run]] = {lane: runs for lane, runs in earlier(args.out).items() if lane not in lanes}
    for lane in lanes:
        for i in range(max(1, args.repeat)):
            run = run_lane(LANES[lane][0])
            print(
                f"{lane} run {i + 1}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, load {run.load} -> {run.load_after}: "
                f"{run.outcome}",
                file=sys.stderr,
                flush=True,
            )
            results.setdefault(lane, []).append(run)
    text = report({lane: results[lane] for lane in LANES if lane in results})
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
