"""The house rules a reviewer would otherwise check by eye (issue 12, habits).

* no module of the library is over 800 lines;
* `ruff check` and `ruff format --check` pass over the repository, with the ruff that
  requirements.txt and .pre-commit-config.yaml pin;
* no function of the paper's replica generator is over 90 lines.

All of it reads files or runs ruff (well under a second): no study is loaded, no book is built.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"
REPLICATION = LIB / "stagesofprogress" / "replication"
REPLICA = REPLICATION / "kristjanson2007" / "replica"

MAX_MODULE_LINES = 800
MAX_REPLICA_FUNCTION_LINES = 90


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _long_functions(path: Path, limit: int) -> list[str]:
    """'name (N lines)' for every function or method of `path` longer than `limit` lines (decorators excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{node.name} (line {node.lineno}, {node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit
    ]


def _module_params() -> list:
    params = []
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        params.append(pytest.param(path, id=rel))
    return params


def _replica_params() -> list:
    params = []
    for path in sorted(REPLICA.rglob("*.py")):
        params.append(pytest.param(path, id=path.relative_to(REPLICA).as_posix()))
    return params


# --------------------------------------------------------------------------- size


def test_the_size_checks_see_the_library():
    """The parametrized tests below have something to check (a moved folder would silently pass them)."""
    assert (LIB / "stagesofprogress" / "study.py").is_file()
    assert len(_module_params()) > 50 and len(_replica_params()) >= 5


@pytest.mark.parametrize("path", _module_params())
def test_no_module_is_over_800_lines(path):
    n = _lines(path)
    assert n <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {n} lines; split it by concern"


@pytest.mark.parametrize("path", _replica_params())
def test_no_replica_function_is_over_90_lines(path):
    long = _long_functions(path, MAX_REPLICA_FUNCTION_LINES)
    assert long == [], f"{path.relative_to(ROOT)}: {', '.join(long)}; split into named steps"


def test_long_function_finder_counts_lines(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(95))
    f = tmp_path / "m.py"
    f.write_text(
        f"def short():\n    return 1\n\n\n@staticmethod\ndef long():\n{body}\n    return 0\n", encoding="utf-8"
    )
    assert _long_functions(f, 90) == ["long (line 6, 97 lines)"]
    assert _long_functions(f, 97) == []


# --------------------------------------------------------------------------- ruff

_HAS_RUFF = importlib.util.find_spec("ruff") is not None
needs_ruff = pytest.mark.skipif(
    not _HAS_RUFF, reason="ruff is not installed in this environment (requirements.txt pins it: pip install -r)"
)


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@needs_ruff
def test_ruff_check_is_clean():
    proc = _ruff("check", "--output-format", "concise")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@needs_ruff
def test_ruff_format_is_clean():
    proc = _ruff("format", "--check")
    assert proc.returncode == 0, "run `ruff format` on:\n" + proc.stdout[-4000:] + proc.stderr[-2000:]


def test_one_ruff_version_everywhere():
    """requirements.txt (what CI installs), .pre-commit-config.yaml and the installed ruff agree."""
    pinned = re.findall(r"^ruff==(\S+)\s*$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert len(pinned) == 1, "requirements.txt pins ruff exactly once (ruff==X.Y.Z)"
    hooks = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    rev = re.search(r"ruff-pre-commit\s*\n\s*rev:\s*v?(\S+)", hooks)
    assert rev and rev.group(1) == pinned[0], "the pre-commit ruff hooks use another version"
    assert re.search(r"id:\s*ruff-check\b", hooks) and re.search(r"id:\s*ruff-format\b", hooks)
    if _HAS_RUFF:
        out = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, timeout=60)
        assert out.stdout.split() == ["ruff", pinned[0]], out.stdout
