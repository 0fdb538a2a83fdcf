#!/usr/bin/env python3
"""Build the book: execute its chapters in parallel into the jupyter-cache, then let
`jupyter-book build . -W -n --keep-going` render them.

    python scripts/build_book.py            # incremental: only chapters whose code changed run
    python scripts/build_book.py --force    # every chapter executed afresh (CI and the tests)
    python scripts/build_book.py --force --path-output /tmp/book   # build elsewhere

How it works. `_config.yml` sets `execute_notebooks: cache`, and MyST-NB executes the
chapters one after the other, keyed in jupyter-cache by their code cells only. This script
first executes, two at a time, every chapter of `_toc.yml` that the cache does not hold yet
with the library's one executor (`stagesofprogress.execute`, the same that `sop book` and the
tests use; each page read exactly as MyST-NB reads it, so the cache keys match), then runs
jupyter-book, which finds them all cached. If a chapter fails here it is simply not cached:
jupyter-book then executes it itself and reports the error the usual way.

`--force` removes the build's jupyter-cache and Sphinx environment first, so nothing computed
before a change in lib/ or data/ (which the cache key cannot see) survives. The configuration
is the same in both modes, so a later plain build reuses the forced build's cache.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "lib") not in sys.path:  # the library of this checkout, installed or not
    sys.path.insert(0, str(ROOT / "lib"))

from stagesofprogress.execute import quiet_kernels  # noqa: E402


def jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def toc_pages(root: Path = ROOT) -> list[Path]:
    """Source files of every page of _toc.yml, root first."""
    from stagesofprogress.rebuild import toc_entries

    files = toc_entries(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")))
    out = []
    for f in files:
        stem = re.sub(r"\.(md|ipynb)$", "", f)
        for ext in (".md", ".ipynb"):
            if (root / f"{stem}{ext}").exists():
                out.append(root / f"{stem}{ext}")
                break
    return out


def unmet_sections(root: Path = ROOT) -> list[str]:
    """Sections of the toc's chapters whose ``% sop:requires`` marker the default study does not meet.

    `sop book` drops such sections for a study that lacks their data (`stagesofprogress.sections`);
    this build renders the sources as they are, on the default study, so it stops instead of
    showing a heading over nothing when the default study lacks what a section needs.
    """
    import stagesofprogress as sop
    from stagesofprogress import sections
    from stagesofprogress.cli import DEFAULT_STUDY

    study = sop.load_study(DEFAULT_STUDY)
    problems = []
    for page in toc_pages(root):
        if page.suffix != ".md":
            continue
        for s in sections.parse_sections(page.read_text(encoding="utf-8")):
            if s.requires and not sections.requirement_met(s.requires, study):
                rel = page.relative_to(root)
                problems.append(f"{rel}: '{s.title}' needs {sections.describe(s.requires)}")
    return problems


def prime_cache(cache_dir: Path, jobs: int = 2, timeout: int = 120) -> dict[str, float]:
    """Execute, `jobs` at a time, every toc notebook the jupyter-cache at `cache_dir` lacks.

    The chapters run through the library's one executor (`stagesofprogress.execute`), read the
    way MyST-NB reads them ("myst-nb" reader: same notebook, same cache key) and on their own
    default study; each executed notebook is stored in the cache. A chapter that fails here is
    simply not cached: jupyter-book then executes it itself and reports the error the usual way.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from stagesofprogress.execute import Chapter, execute, read_chapter

    cache = get_cache(str(cache_dir))
    todo = []
    with tempfile.TemporaryDirectory(prefix="sop-book-prime-") as tmp:
        for page in toc_pages():
            nb = read_chapter(page, "myst-nb")
            if nb is None or not any(c.cell_type == "code" for c in nb.cells):
                continue
            try:
                cache.match_cache_notebook(nb)
            except KeyError:
                rel = page.relative_to(ROOT)
                todo.append(
                    Chapter(str(rel.with_suffix("")), page, Path(tmp) / rel.with_suffix(".ipynb"), reader="myst-nb")
                )

        def done(run) -> None:
            print(f"[build_book] executed {Path(run.name).name} in {run.seconds:.2f} s", file=sys.stderr)
            if run.error is not None:
                print(
                    f"[build_book] {Path(run.name).name} failed here; jupyter-book will report it: {run.error}",
                    file=sys.stderr,
                )

        runs = execute(todo, jobs=jobs, timeout=timeout, on_done=done)
        for chapter, run in zip(todo, runs):
            if run.error is None:
                executed = nbformat.read(chapter.output, as_version=4)
                # the cache key hashes every code cell's metadata: papermill adds `tags: []` to cells
                # without tags, which made every primed chapter miss and run a second time
                own = [c for c in read_chapter(chapter.source, "myst-nb").cells if c.cell_type == "code"]
                ran = [c for c in executed.cells if c.cell_type == "code"]
                if [c.source for c in own] == [c.source for c in ran]:
                    for src, cell in zip(own, ran):
                        cell.metadata = src.metadata
                cache.cache_notebook_bundle(
                    CacheBundleIn(
                        executed,
                        str(chapter.source),
                        data={"execution_seconds": run.seconds},
                    ),
                    check_validity=False,
                    overwrite=True,
                )
    return {str(c.source): r.seconds for c, r in zip(todo, runs)}


def build(
    force: bool = False, path_output: str | None = None, env: dict | None = None, capture: bool = False, jobs: int = 2
) -> subprocess.CompletedProcess:
    """Prime the cache in parallel, then run `jupyter-book build . -W -n --keep-going`.

    Without IPYTHONDIR in `env`, kernels get a temporary IPython folder whose only content is a
    config that silences their start-up warning (the caller's own IPython folder is untouched).
    The returned process's stdout holds both steps' output when `capture` is true.
    """
    env = dict(env or os.environ)
    build_dir = Path(path_output or ROOT) / "_build"
    with tempfile.TemporaryDirectory(prefix="sop-book-") as tmp:
        if "IPYTHONDIR" not in env:
            env["IPYTHONDIR"] = str(Path(tmp) / "ipython")
            quiet_kernels(env["IPYTHONDIR"])
        if force:
            for sub in (".jupyter_cache", ".doctrees"):
                shutil.rmtree(build_dir / sub, ignore_errors=True)
        build_dir.mkdir(parents=True, exist_ok=True)
        out = subprocess.PIPE if capture else None
        err = subprocess.STDOUT if capture else None
        prime = subprocess.run(
            [sys.executable, __file__, "--prime-only", str(build_dir / ".jupyter_cache"), "--jobs", str(jobs)],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=out,
            stderr=err,
        )
        cmd = [jupyter_book(), "build", str(ROOT), "-W", "-n", "--keep-going"]
        if path_output:
            cmd += ["--path-output", str(path_output)]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True, stdout=out, stderr=err)
        if proc.returncode == 0:
            number_cells(build_dir / "jupyter_execute")
        if capture:
            proc.stdout = (prime.stdout or "") + (proc.stdout or "")
        return proc


def number_cells(folder: Path) -> int:
    """Give the cells of every executed notebook under `folder` stable ids (cell-000, cell-001 ...).

    MyST-NB reads each `.md` chapter into a notebook whose cells get random ids, so the copies
    it writes to `_build/jupyter_execute` would differ on every build; numbered ids make two
    builds of the same sources byte-identical. Returns the number of notebooks rewritten.
    """
    import nbformat

    n = 0
    for path in sorted(Path(folder).rglob("*.ipynb")) if Path(folder).is_dir() else []:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:03d}"
        text = nbformat.writes(nb)
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="execute every chapter afresh (drop cache and environment)")
    ap.add_argument("--path-output", help="build into this folder (default: the repository root, _build/)")
    ap.add_argument("--jobs", type=int, default=2, help="chapters executed at once (default 2)")
    ap.add_argument("--prime-only", metavar="CACHE", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.prime_only:
        times = prime_cache(Path(args.prime_only), jobs=args.jobs)
        if times:
            print(
                f"[build_book] executed {len(times)} chapters in parallel ({args.jobs} at a time) in "
                f"{time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
        return 0
    unmet = unmet_sections()
    if unmet:
        print("[build_book] the default study lacks what these sections need:", file=sys.stderr)
        for line in unmet:
            print(f"  - {line}", file=sys.stderr)
        return 1
    proc = build(args.force, args.path_output, jobs=args.jobs)
    print(
        f"[build_book] jupyter-book exited with {proc.returncode} after {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
