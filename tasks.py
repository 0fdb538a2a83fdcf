#!/usr/bin/env python3
"""The two commands of the README, for a fresh machine with Python 3.11 and pip.

    python3 tasks.py book    # set everything up, build the book into _build/html
                             # (chapters re-run when their code, lib/ or data/ changed)
    python3 tasks.py test    # set everything up, run the whole test suite
    python3 tasks.py test --fast   # everything but the book builds and the replica regeneration
                                   # (pytest -m "not slow", on two cores: -n 2 --dist loadfile,
                                   # a quarter of the property tests' examples);
                                   # other arguments go to pytest

Setting up means: a virtual environment in .venv with every pinned requirement and the
stagesofprogress library installed (editable). It is redone only when requirements.txt
or pyproject.toml change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".requirements.sha256"


def _digest() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def setup() -> None:
    # tasks.py may run under an older python3 than the venv's py311 (ruff's target), so the check stays
    if sys.version_info[:2] < (3, 11):  # noqa: UP036
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = _digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    print("Installing the pinned requirements (a minute or two the first time) ...", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], cwd=ROOT, check=True)
    STAMP.write_text(digest + "\n")


def command_env() -> dict:
    """The environment `book` and `test` run in: the virtual environment first on PATH, a fixed
    hash seed, and Python's own bytecode cache (`__pycache__`, git-ignored) even where the
    machine sets PYTHONDONTWRITEBYTECODE: the suite starts hundreds of interpreters (`sop`,
    kernels, Sphinx, pytest-xdist workers), and each would otherwise compile the library again
    and pytest rewrite every test module's asserts again (about 6 s of CPU per pytest process)."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.setdefault("PYTHONHASHSEED", "0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _inputs_digest() -> str:
    """What the chapters read besides their own code: the library and the data.

    Jupyter Book's cache is keyed by a chapter's code cells only, so a change here must force
    every chapter to run again, or the book would show results of the old library or data.
    """
    h = hashlib.sha256()
    for folder in ("lib", "data"):
        for p in sorted((ROOT / folder).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc"):
                h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def book(extra: list[str]) -> int:
    setup()
    stamp = ROOT / "_build" / ".inputs.sha256"
    digest = _inputs_digest()
    force = "--force" in extra or not stamp.exists() or stamp.read_text().strip() != digest
    args = [a for a in extra if a != "--force"] + (["--force"] if force else [])
    cmd = [str(PY), "scripts/build_book.py", *args]
    print("$", " ".join(cmd), flush=True)
    rc = subprocess.run(cmd, cwd=ROOT, env=command_env()).returncode
    if rc == 0:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest + "\n")
        first = ROOT / "_build" / "html" / "chapters" / "preface.html"
        print(f"The book is in {first.parent.parent} (open {first}).")
    return rc


def pytest_args(extra: list[str]) -> list[str]:
    """pytest's arguments for `tasks.py test EXTRA` (benchmarks/bench_tests.py runs the same).

    The whole suite runs in one process: conftest.py builds the books in the background while
    the other tests run, which keeps both cores busy. `--fast` leaves out the tests marked slow
    (they build books or regenerate the replica), runs the property tests with a quarter of their
    examples (Hypothesis profile `sop-fast`) and, unless `-n` is given, shares the files
    between two pytest-xdist workers (`--dist loadfile` keeps each file's module fixtures in one
    worker)."""
    if "--fast" not in extra:
        return list(extra)
    rest = [a for a in extra if a != "--fast"]
    workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in rest) else FAST_WORKERS
    return ["-m", "not slow", *workers, *FAST_HYPOTHESIS, *rest]


FAST_WORKERS = ["-n", "2", "--dist", "loadfile"]
FAST_HYPOTHESIS = ["--hypothesis-profile=sop-fast"]  # a quarter of each property's examples (tests/conftest.py)


def test(extra: list[str]) -> int:
    setup()
    cmd = [str(PY), "-m", "pytest", *pytest_args(extra)]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=command_env()).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("book", "test", "setup"):
        print(__doc__)
        return 2
    if argv[0] == "setup":
        setup()
        return 0
    return {"book": book, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
