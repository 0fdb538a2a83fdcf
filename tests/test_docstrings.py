"""Every public function of the method has a numpydoc docstring and type hints (issue 12).

`scripts/api_coverage.py` (stdlib `ast`, no import of the library) decides what counts: a
one-line summary, a ``Parameters`` section naming every parameter and no other, a ``Returns``/``Yields``
section when the function returns something, and annotations on every parameter and the
return value. The replication subpackage is not the method and is only measured, not required.
The ``Examples`` sections of the most-used functions run here as doctests on the shipped
example study ``data/example``.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "scripts" / "api_coverage.py")
api_coverage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_coverage)

#: modules whose docstrings have examples (cheap ones: the example study, no book, no figure)
DOCTEST_MODULES = [
    "stagesofprogress.study",
    "stagesofprogress.movements",
    "stagesofprogress.status",
    "stagesofprogress.display",
    "stagesofprogress.narrative",
    "stagesofprogress.safetext",
    "stagesofprogress.fieldtext",
]


def test_every_public_function_of_the_method_is_documented_and_typed():
    rows = list(api_coverage.public_functions())
    assert len(rows) > 300  # the scan found the library
    lacking = api_coverage.missing(rows)
    assert not lacking, "public functions without numpydoc sections or type hints:\n" + "\n".join(lacking)


def _one(tmp_path: Path, source: str) -> tuple[str, bool, bool]:
    (tmp_path / "mod.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (row,) = api_coverage.public_functions(tmp_path)
    return row


def test_the_coverage_check_is_strict(tmp_path):
    # a summary alone is not enough for a function with parameters and a result
    assert _one(tmp_path, 'def f(a: int) -> int:\n    """Twice a."""\n    return 2 * a\n') == ("mod.f", False, True)
    # a Parameters section that forgets a parameter is not enough
    src = '''
    def f(a: int, b: int) -> int:
        """Sum.

        Parameters
        ----------
        a : int
            First.

        Returns
        -------
        int
            The sum.
        """
        return a + b
    '''
    assert _one(tmp_path, src)[1] is False
    # both listed (``a, b : int``), a result described, every hint: documented and typed
    assert _one(tmp_path, src.replace("a : int", "a, b : int")) == ("mod.f", True, True)
    # a name that is not a parameter (left over from a rename) is not enough either
    assert _one(tmp_path, src.replace("a : int", "a, c : int"))[1] is False
    # a missing hint is reported as such
    assert _one(tmp_path, src.replace("a, b", "a").replace("b: int", "b"))[2] is False
    # a nested function's return is not the function's result
    src2 = '''
    def f(a: int) -> None:
        """Print twice a.

        Parameters
        ----------
        a : int
            The number.
        """

        def g() -> int:
            return 2 * a

        print(g())
    '''
    assert _one(tmp_path, src2) == ("mod.f", True, True)
    # no parameters, no result: the summary is enough
    assert _one(tmp_path, 'def f() -> None:\n    """Nothing."""\n') == ("mod.f", True, True)


def test_private_names_and_private_modules_are_not_counted(tmp_path):
    (tmp_path / "_hidden.py").write_text("def f(a):\n    return a\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text("def _f(a):\n    return a\n\nclass _C:\n    def g(self, a):\n        return a\n")
    assert list(api_coverage.public_functions(tmp_path)) == []


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples load "data/example"
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{name} has no docstring example left: take it off DOCTEST_MODULES"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
