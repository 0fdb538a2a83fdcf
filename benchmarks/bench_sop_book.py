"""Benchmark `sop book` end to end on every shipped study and a hand-written 11-stage study.

    .venv/bin/python benchmarks/bench_sop_book.py                 # all studies, writes sop_book_results.md
    .venv/bin/python benchmarks/bench_sop_book.py --jobs 1,2      # also compare 1 and 2 worker processes
    .venv/bin/python benchmarks/bench_sop_book.py data/teaching   # chosen studies only (other rows kept)
    .venv/bin/python benchmarks/bench_sop_book.py tests/studies/newuser --keep /tmp/book  # keep the book

Each run is the `sop` command as a subprocess (wall time, Python start-up included) into a
temporary folder; the split between executing chapters and building HTML comes from the
command's own summary line. Kernels and caches write to a temporary home. The load average
before each run is recorded: the machine may be shared, and timings scale with it.
Target: under 2 minutes per study on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOP = Path(sys.executable).with_name("sop")
TARGET_SECONDS = 120.0
NOTES = """Notes. Every run executes every chapter of the book through papermill, one Jupyter kernel per
worker process reset between chapters (kernel start-up and imports, about 3 s of CPU, are paid once
per worker, not once per chapter), then renders the executed notebooks with execution off; the
library's API reference is not part of a study's book. `--jobs 2` (the default) runs two chapters
at a time, which shortens the chapter phase when the cores are free but starts (and imports into)
two kernels; on a shared machine whose load average is already above the number of cores the two
workers compete with other work and the gain varies from run to run. The HTML phase (Sphinx) is
serial.
"""

STUDIES = [
    ("data/example", "shipped: example"),
    ("data/peru2004", "shipped: Peru 2004 replica"),
    ("data/teaching", "shipped: teaching"),
    ("tests/studies/good/eleven_stages_accented", "hand-written: 11 stages, cutoff 6, 2 time points, 2 regions"),
    ("tests/studies/newuser", "new user's study (issue 13's Done-when): one workbook, per-community ladders"),
]


def _secs(text: str) -> float:
    m = re.fullmatch(r"\s*(?:(\d+) min )?([\d.]+) s\s*", text)
    return (int(m.group(1) or 0) * 60 + float(m.group(2))) if m else float("nan")


def _describe(folder: Path) -> str:
    """What the study holds, read by the library (any format: CSV files or one study.xlsx)."""
    import stagesofprogress as sop

    study = sop.load_study(folder)
    optional = sorted(n for n in study.tables if n != "households")
    extra = []
    if (folder / "study.xlsx").exists():
        extra.append("one workbook")
    if study.ladders:
        extra.append(f"own ladders for {len(study.ladders)} communities")
    if study.has_prosperity:
        extra.append("a prosperity line")
    return (
        f"{len(study.households):,} households, {study.n_stages} stages (cutoff {study.poverty_cutoff}), "
        f"{len(study.time_points)} time points"
        + (f"; {', '.join(optional)}" if optional else "")
        + (f"; {', '.join(extra)}" if extra else "")
    )


def run(study: Path, jobs: int, env: dict, keep: Path | None = None) -> dict:
    out = keep if keep is not None else Path(tempfile.mkdtemp(prefix="bench-book-")) / "book"
    load = os.getloadavg()[0]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(
        [str(SOP), "book", "--data", str(study), "--out", str(out), "--quiet", "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if keep is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    row = {"wall": wall, "cpu": cpu, "load": load, "ok": proc.returncode == 0, "jobs": jobs}
    m = re.search(
        r"(\d+) pages from (\d+) executed chapters, built in (.+?) \(chapters (.+?), HTML (.+?)\)", proc.stdout
    )
    if m:
        row.update(pages=int(m.group(1)), chapters=int(m.group(2)), execute=_secs(m.group(4)), html=_secs(m.group(5)))
    else:
        row["error"] = (proc.stderr or proc.stdout).strip().splitlines()[:6]
    return row


def _kept_rows(run: set[str]) -> list[str]:
    """Rows of the previous results for studies not re-run this time (marked with their date)."""
    old = HERE / "sop_book_results.md"
    if not old.exists():
        return []
    text = old.read_text(encoding="utf-8")
    m = re.search(r"Python [\d.]+, (\d{4}-\d\d-\d\d)", text)
    when = m.group(1) if m else "earlier"
    kept = []
    for line in text.splitlines():
        m = re.match(r"\| `([^`]+)` \|", line)
        if m and m.group(1) not in run:
            kept.append(
                line
                if "(run of " in line
                else line.replace(f"`{m.group(1)}` |", f"`{m.group(1)}` (run of {when}) |", 1)
            )
    return kept


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", help="study folders (default: every shipped study and the 11-stage one)")
    ap.add_argument("--jobs", default="2", help="comma-separated worker counts to time (default 2)")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write sop_book_results.md")
    ap.add_argument("--keep", type=Path, help="build the (one) study's book into this new folder and keep it")
    args = ap.parse_args(argv)
    studies = [(s, s) for s in args.studies] or STUDIES
    jobs_list = [int(j) for j in args.jobs.split(",")]

    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = dict(os.environ)
    for var in (
        "IPYTHONDIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "MPLCONFIGDIR",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
    ):
        (home / var).mkdir()
        env[var] = str(home / var)

    rows = []
    for path, label in studies:
        folder = ROOT / path
        if not (folder / "study.yml").exists():
            print(f"skip {path}: no study.yml", file=sys.stderr)
            continue
        for jobs in jobs_list:
            print(f"sop book --data {path} --jobs {jobs} ...", file=sys.stderr, flush=True)
            r = run(folder, jobs, env, keep=args.keep)
            r.update(study=path, label=label, describe=_describe(folder))
            rows.append(r)
            status = f"{r['wall']:.1f} s" if r["ok"] else "FAILED: " + " / ".join(r.get("error", []))
            print(f"  {status} (load average {r['load']:.1f})", file=sys.stderr, flush=True)
    shutil.rmtree(home, ignore_errors=True)

    lines = [
        "# `sop book` benchmark",
        "",
        "Generated by `benchmarks/bench_sop_book.py`: the `sop book` command end to end as a subprocess "
        "(validate, execute every chapter with papermill, build the HTML with Jupyter Book, write the "
        "tables, swap into OUT), wall time of one run. *Chapters* and *HTML* are the command's own split; "
        "*CPU time* is user + system time of the command and every process it started (kernels, Sphinx), "
        "which depends little on how busy the machine is: on an idle 2-core machine the wall time is "
        "roughly CPU time / 2 for the chapters plus the HTML build.",
        "",
        f"Machine: {os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, {date.today()}. "
        "The load average (1 min) before each run is shown because the machine may be shared: on a busy "
        "machine kernels start slower and timings grow with the load.",
        "",
        "| study | what | jobs | chapters | pages | wall time | chapters | HTML | CPU time | load avg | < 2 min |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        if r["ok"] and "pages" in r:
            lines.append(
                f"| `{r['study']}` | {r['describe']} | {r['jobs']} | {r['chapters']} | {r['pages']} | "
                f"{r['wall']:.1f} s | {r['execute']:.1f} s | {r['html']:.1f} s | {r['cpu']:.1f} s | {r['load']:.1f} | "
                f"{'yes' if r['wall'] < TARGET_SECONDS else 'no'} |"
            )
        else:
            err = " / ".join(r.get("error", ["failed"])).replace("|", "\\|")
            lines.append(
                f"| `{r['study']}` | {r['describe']} | {r['jobs']} | | | failed | | | {r['cpu']:.1f} s | {r['load']:.1f} | no: {err} |"
            )
    lines += _kept_rows({r["study"] for r in rows})
    ok = [r for r in rows if r["ok"]]
    lines += [
        "",
        f"Target (each study < {TARGET_SECONDS:.0f} s on 2 cores): "
        + (
            "met."
            if ok and len(ok) == len(rows) and all(r["wall"] < TARGET_SECONDS for r in ok)
            else "not met for every run; see the table."
        ),
        "",
        NOTES,
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (HERE / "sop_book_results.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
