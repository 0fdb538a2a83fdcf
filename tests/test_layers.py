"""The method never imports the replication: walk the AST of every module outside `replication/`."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "stagesofprogress"
REPLICATION = LIB / "replication"
METHOD_MODULES = sorted(p for p in LIB.rglob("*.py") if REPLICATION not in p.parents)


def imports_of(text: str, package: list[str]) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of everything a module's text imports.

    `from .x import y` inside package ``a.b`` gives ``a.b.x`` and ``a.b.x.y`` (y may be a
    submodule); a call ``import_module("...")`` with a literal name counts too.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, mod))
            found += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
        elif (
            isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
        ):
            found += [
                (node.lineno, a.value)
                for a in node.args[:1]
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return found


def is_replication(name: str) -> bool:
    return "replication" in name.split(".")


def _package(path: Path) -> list[str]:
    return ["stagesofprogress", *path.relative_to(LIB).parent.parts]


def test_the_method_modules_are_found():
    names = {p.name for p in METHOD_MODULES}
    assert {"__init__.py", "cli.py", "outputs.py", "book.py", "published.py"} <= names
    assert all(REPLICATION not in p.parents for p in METHOD_MODULES)


@pytest.mark.parametrize("path", METHOD_MODULES, ids=lambda p: str(p.relative_to(LIB)))
def test_no_method_module_imports_the_replication(path):
    bad = [(line, n) for line, n in imports_of(path.read_text(encoding="utf-8"), _package(path)) if is_replication(n)]
    assert not bad, f"{path.relative_to(LIB)} imports the replication: {bad}"


@pytest.mark.parametrize(
    "text",
    [
        "from .replication.kristjanson2007 import scorecard",
        "from . import replication",
        "import stagesofprogress.replication.kristjanson2007.paper as paper",
        "from stagesofprogress.replication import kristjanson2007",
        "def f():\n    from ..replication import x",
        "import importlib\nm = importlib.import_module('stagesofprogress.replication.kristjanson2007.replica')",
    ],
)
def test_the_check_catches_every_form_of_import(text):
    assert any(is_replication(n) for _line, n in imports_of(text, ["stagesofprogress", "sub"]))


def test_the_check_lets_the_method_import_itself():
    text = "from . import movements as mv\nfrom .published import paper_folder\nimport numpy as np"
    assert not any(is_replication(n) for _line, n in imports_of(text, ["stagesofprogress"]))


def test_plugins_are_declared_as_entry_points():
    eps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert eps["stagesofprogress.tables"]["kristjanson2007"].startswith("stagesofprogress.replication.kristjanson2007.")
    assert eps["stagesofprogress.commands"]["replica"].startswith("stagesofprogress.replication.kristjanson2007.")


def test_validation_imports_no_computation_stack(tmp_path):
    """`sop validate` reads and checks a study with pandas alone: the logit engine, scipy,
    statsmodels and matplotlib stay unloaded (each would add to every start-up)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from stagesofprogress import cli\n"
        f"assert cli.main(['validate', '--data', {str(ROOT / 'data' / 'peru2004')!r}]) == 0\n"
        "heavy = ('scipy', 'statsmodels', 'matplotlib', 'stagesofprogress.logistic', 'stagesofprogress.models')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
