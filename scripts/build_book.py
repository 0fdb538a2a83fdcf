#!/usr/bin/env python3
"""Build the book: execute its chapters in parallel into the jupyter-cache, then let
`jupyter-book build . -W -n --keep-going` render them.

    python scripts/build_book.py            # incremental: only chapters whose code changed run
    python scripts/build_book.py --force    # every chapter executed afresh (CI and the tests)
    python scripts/build_book.py --force --path-output /tmp/book   # build elsewhere

How it works. `_config.yml` sets `execute_notebooks: cache`, and MyST-NB executes the
chapters one after the other, keyed in jupyter-cache by their code cells only. This script
first executes, two at a time, every chapter of `_toc.yml` that the cache does not hold yet
(reading each page exactly as MyST-NB does, so the cache keys match), then runs jupyter-book,
which finds them all cached. If a chapter fails here it is simply not cached: jupyter-book
then executes it itself and reports the error the usual way.

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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

KERNEL_CONFIG = (
    "# Written by scripts/build_book.py: keep the kernels' start-up log quiet, so the build log\n"
    "# shows only what chapters and Sphinx report (ipykernel 7 warns about its local TCP\n"
    "# transport every time a kernel starts).\n"
    "c.IPKernelApp.log_level = 'ERROR'\n"
)


def jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def quiet_kernels(ipythondir: str | Path) -> None:
    """Write an ipython_kernel_config.py that silences kernel start-up warnings into `ipythondir`."""
    prof = Path(ipythondir) / "profile_default"
    prof.mkdir(parents=True, exist_ok=True)
    (prof / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")


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


def _read(path: Path):
    """Read a page the way MyST-NB does (same notebook, hence the same jupyter-cache key)."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
    if reader is None:
        return None
    return reader.read(text)


def _execute(path_str: str, timeout: int) -> tuple[str, str | None, float, str | None]:
    """Execute one page in its folder; return (path, executed notebook JSON or None, seconds, error)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path_str)
    nb = _read(path)
    result = single_nb_execution(nb, cwd=str(path.parent), allow_errors=False, timeout=timeout, meta_override=True)
    if result.err is not None:
        return path_str, None, result.time, f"{type(result.err).__name__}: {result.err}"
    return path_str, nbformat.writes(nb), result.time, None


def prime_cache(cache_dir: Path, jobs: int = 2, timeout: int = 120) -> dict[str, float]:
    """Execute, `jobs` at a time, every toc notebook the jupyter-cache at `cache_dir` lacks."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    todo = []
    for page in toc_pages():
        nb = _read(page)
        if nb is None or not any(c.cell_type == "code" for c in nb.cells):
            continue
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(page)
    times: dict[str, float] = {}
    if not todo:
        return times
    # longest chapters first keeps both workers busy until the end
    todo.sort(key=lambda p: -p.stat().st_size)
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_execute, str(p), timeout) for p in todo]
        for fut in futures:
            path_str, nb_json, seconds, err = fut.result()
            times[path_str] = seconds
            print(f"[build_book] executed {Path(path_str).name} in {seconds:.2f} s", file=sys.stderr)
            if err is None:
                cache.cache_notebook_bundle(
                    CacheBundleIn(nbformat.reads(nb_json, as_version=4), path_str,
                                  data={"execution_seconds": seconds}),
                    check_validity=False, overwrite=True)
            else:
                print(f"[build_book] {Path(path_str).name} failed here; jupyter-book will report it: {err}",
                      file=sys.stderr)
    return times


def build(force: bool = False, path_output: str | None = None, env: dict | None = None,
          capture: bool = False, jobs: int = 2) -> subprocess.CompletedProcess:
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
        prime = subprocess.run([sys.executable, __file__, "--prime-only", str(build_dir / ".jupyter_cache"),
                                "--jobs", str(jobs)], cwd=ROOT, env=env, text=True, stdout=out, stderr=err)
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
            print(f"[build_book] executed {len(times)} chapters in parallel ({args.jobs} at a time) in "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return 0
    proc = build(args.force, args.path_output, jobs=args.jobs)
    print(f"[build_book] jupyter-book exited with {proc.returncode} after {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
