"""Measure docstrings and type hints on the method's public API (stdlib `ast` only).

    python scripts/api_coverage.py            # summary
    python scripts/api_coverage.py --list     # every public function that lacks something

A public function is a top-level function or a method of a public class, in a public module of
`lib/stagesofprogress` (the replication subpackage excluded: it is not the method), whose name
does not start with ``_``. It is *documented* when its docstring has a numpydoc ``Parameters``
section (if it takes parameters) and a ``Returns``/``Yields`` section (if it returns something);
*typed* when every parameter and the return value are annotated.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "stagesofprogress"


def _section(doc: str, name: str) -> bool:
    lines = [line.strip() for line in doc.splitlines()]
    return any(a == name and b.startswith("---") for a, b in zip(lines, lines[1:]))


def _params(fn: ast.FunctionDef, method: bool) -> list[ast.arg]:
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs] + [x for x in (a.vararg, a.kwarg) if x]
    if method and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    return params


def _returns_value(fn: ast.FunctionDef) -> bool:
    if isinstance(fn.returns, ast.Constant) and fn.returns.value is None:
        return False
    for node in ast.walk(fn):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, ast.Return) and node.value is not None:
            return True
    return False


def public_functions(lib: Path = LIB):
    """Yield (qualified name, documented, typed) for every public function of the method."""
    for path in sorted(lib.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        items = [(n, False, "") for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")):
            items += [
                (n, True, cls.name + ".") for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
        for fn, method, prefix in items:
            if fn.name.startswith("_"):
                continue
            params = _params(fn, method)
            doc = ast.get_docstring(fn) or ""
            documented = (
                bool(doc)
                and (not params or _section(doc, "Parameters"))
                and (not _returns_value(fn) or _section(doc, "Returns") or _section(doc, "Yields"))
            )
            is_property = any(
                isinstance(d, ast.Name) and d.id in ("property", "cached_property") for d in fn.decorator_list
            )
            if is_property:  # a property: a one-line docstring and a return annotation
                documented = bool(doc)
            typed = all(p.annotation is not None for p in params) and fn.returns is not None
            yield f"{path.stem}.{prefix}{fn.name}", documented, typed


def main(argv: list[str]) -> int:
    rows = list(public_functions())
    n = len(rows)
    doc = sum(d for _, d, _ in rows)
    typ = sum(t for _, _, t in rows)
    both = sum(d and t for _, d, t in rows)
    print(
        f"{n} public functions: numpydoc {doc} ({doc / n:.0%}), typed {typ} ({typ / n:.0%}), both {both} ({both / n:.0%})"
    )
    if "--list" in argv:
        for name, d, t in rows:
            if not (d and t):
                print(f"  {name}: {'' if d else 'docstring '}{'' if t else 'hints'}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
