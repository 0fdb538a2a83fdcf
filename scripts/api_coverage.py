"""Measure numpydoc docstrings and type hints on the library's public functions (stdlib `ast` only).

    python scripts/api_coverage.py                  # summary: the method, then the replication
    python scripts/api_coverage.py --list           # every public function of the method that lacks something
    python scripts/api_coverage.py --replication    # the same list for `stagesofprogress.replication`

A public function is a top-level function or a method of a public class, in a public module of
`lib/stagesofprogress`, whose name does not start with ``_``. The *method* is the package's own
modules; the *replication* is the subpackage `stagesofprogress.replication` (counted apart: it is
not the method). A function is *documented* when its docstring starts with a one-line summary,
has a numpydoc ``Parameters`` section naming every parameter and no other (if it takes any) and a
``Returns``/``Yields`` section (if it returns something); a property needs only a docstring.
It is *typed* when every parameter and the return value are annotated.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "stagesofprogress"


def _section(doc: str, name: str) -> bool:
    lines = [line.strip() for line in doc.splitlines()]
    return any(a == name and b.startswith("---") for a, b in zip(lines, lines[1:]))


def _documented_names(doc: str) -> set[str]:
    """Parameter names listed in the docstring's ``Parameters`` section (``a, b : int`` lists two)."""
    lines = doc.splitlines()
    names: set[str] = set()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "Parameters" and lines[i + 1].strip().startswith("---"):
            indent = len(line) - len(line.lstrip())
            body = lines[i + 2 :]
            for k, entry in enumerate(body):
                text = entry.strip()
                if not text:
                    continue
                depth = len(entry) - len(entry.lstrip())
                if depth > indent:
                    continue  # a description line
                underlined = k + 1 < len(body) and body[k + 1].strip().startswith("---")
                if depth < indent or underlined:
                    break  # the next section's title
                head = text.split(" : ")[0] if " : " in text else text.rstrip(":")
                names |= {n.strip().lstrip("*") for n in head.split(",")}
            break
    return names


def _params(fn: ast.FunctionDef, method: bool) -> list[ast.arg]:
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs] + [x for x in (a.vararg, a.kwarg) if x]
    if method and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    return params


def _returns_value(fn: ast.FunctionDef) -> bool:
    if isinstance(fn.returns, ast.Constant) and fn.returns.value is None:
        return False
    todo = list(fn.body)
    while todo:  # the function's own statements: a nested function's returns are not its result
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _modules(lib: Path, replication: bool) -> list[Path]:
    """The public modules of the method (``lib/*.py``) or of the replication subpackage."""
    paths = sorted(lib.glob("replication/**/*.py")) if replication else sorted(lib.glob("*.py"))
    return [p for p in paths if not p.name.startswith("_")]


def public_functions(lib: Path = LIB, replication: bool = False):
    """Yield (qualified name, documented, typed) for every public function of the method or the replication.

    Parameters
    ----------
    lib : pathlib.Path
        The package folder, ``lib/stagesofprogress``.
    replication : bool
        ``False`` for the method's modules, ``True`` for those of ``stagesofprogress.replication``.

    Yields
    ------
    tuple of (str, bool, bool)
        The dotted name relative to the package (``movements.stages``, ``study.Study.cutoffs``),
        whether the docstring is numpydoc-complete and whether every hint is there.
    """
    for path in _modules(lib, replication):
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
            summary = doc.splitlines()[0].strip() if doc else ""
            listed = _documented_names(doc)
            documented = (
                bool(summary)
                and (not params or (_section(doc, "Parameters") and listed == {p.arg for p in params}))
                and (not _returns_value(fn) or _section(doc, "Returns") or _section(doc, "Yields"))
            )
            is_property = any(
                isinstance(d, ast.Name) and d.id in ("property", "cached_property") for d in fn.decorator_list
            )
            if is_property:  # a property: a one-line docstring and a return annotation
                documented = bool(doc)
            typed = all(p.annotation is not None for p in params) and fn.returns is not None
            module = ".".join(path.relative_to(lib).with_suffix("").parts)
            yield f"{module}.{prefix}{fn.name}", documented, typed


def _summary(label: str, rows: list[tuple[str, bool, bool]]) -> str:
    n = len(rows) or 1
    doc = sum(d for _, d, _ in rows)
    typ = sum(t for _, _, t in rows)
    both = sum(d and t for _, d, t in rows)
    return (
        f"{label}: {len(rows)} public functions: numpydoc {doc} ({doc / n:.0%}), typed {typ} ({typ / n:.0%}), "
        f"both {both} ({both / n:.0%})"
    )


def missing(rows: list[tuple[str, bool, bool]]) -> list[str]:
    """One line per function that lacks a numpydoc docstring or hints, e.g. ``study.load_study: docstring``.

    Parameters
    ----------
    rows : list of tuple of (str, bool, bool)
        What `public_functions` yields.

    Returns
    -------
    list of str
        In the order of `rows`; empty when everything is documented and typed.
    """
    return [
        f"{name}: {'' if d else 'docstring '}{'' if t else 'hints'}".rstrip() for name, d, t in rows if not (d and t)
    ]


def main(argv: list[str]) -> int:
    method = list(public_functions())
    replication = list(public_functions(replication=True))
    print(_summary("method", method))
    print(_summary("replication", replication))
    if "--list" in argv:
        print("\n".join(f"  {line}" for line in missing(method)))
    if "--replication" in argv:
        print("\n".join(f"  {line}" for line in missing(replication)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
