#!/usr/bin/env python3
"""Build the book with every chapter executed afresh, or with the cache.

    python scripts/build_book.py            # = jupyter-book build . -W -n --keep-going (cached execution)
    python scripts/build_book.py --force    # re-execute every chapter (what CI and the tests do)
    python scripts/build_book.py --force --path-output /tmp/book   # build elsewhere

Why `--force` exists: jupyter-cache keys a chapter on its code cells only, so after a change
in lib/ or data/ a cached build would show stale outputs. `--force` passes jupyter-book a
temporary copy of `_config.yml` with `execute_notebooks: force` (via `--config`), so the
repository's configuration is never edited. Exit status is jupyter-book's; with -W any warning
(or a failing cell) makes it non-zero.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def forced_config(src: Path = ROOT / "_config.yml") -> dict:
    cfg = yaml.safe_load(src.read_text(encoding="utf-8"))
    cfg.setdefault("execute", {})["execute_notebooks"] = "force"
    return cfg


def build_command(force: bool, path_output: str | None, config_path: str | None) -> list[str]:
    cmd = [jupyter_book(), "build", str(ROOT), "-W", "-n", "--keep-going"]
    if path_output:
        cmd += ["--path-output", str(path_output)]
    if config_path:
        cmd += ["--config", str(config_path)]
    return cmd


KERNEL_CONFIG = (
    "# Written by scripts/build_book.py: keep the kernels' start-up log quiet, so the build log\n"
    "# shows only what chapters and Sphinx report (ipykernel 7 warns at INFO-free WARNING level\n"
    "# about its local TCP transport on every start).\n"
    "c.IPKernelApp.log_level = 'ERROR'\n"
)


def quiet_kernels(ipythondir: str | Path) -> None:
    """Write an ipython_kernel_config.py that silences kernel start-up warnings into `ipythondir`."""
    prof = Path(ipythondir) / "profile_default"
    prof.mkdir(parents=True, exist_ok=True)
    (prof / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")


def build(force: bool = False, path_output: str | None = None, env: dict | None = None,
          capture: bool = False) -> subprocess.CompletedProcess:
    """Run jupyter-book; with `force`, through a temporary config that forces execution.

    Without IPYTHONDIR in `env`, kernels get a temporary IPython folder whose only content is a
    config that silences their start-up warning (the caller's own IPython folder is untouched).
    """
    env = dict(env or os.environ)
    with tempfile.TemporaryDirectory(prefix="sop-book-config-") as tmp:
        if "IPYTHONDIR" not in env:
            env["IPYTHONDIR"] = str(Path(tmp) / "ipython")
            quiet_kernels(env["IPYTHONDIR"])
        config_path = None
        if force:
            config_path = Path(tmp) / "_config.yml"
            config_path.write_text(yaml.safe_dump(forced_config(), sort_keys=False), encoding="utf-8")
        cmd = build_command(force, path_output, config_path)
        return subprocess.run(cmd, cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE if capture else None,
                              stderr=subprocess.STDOUT if capture else None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="re-execute every chapter (ignore the cache)")
    ap.add_argument("--path-output", help="build into this folder (default: the repository root, _build/)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    proc = build(args.force, args.path_output)
    print(f"jupyter-book exited with {proc.returncode} after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
