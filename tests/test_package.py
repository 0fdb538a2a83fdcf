"""The package as a user installs it: its namespace, its version, its shipped files, its wheel.

The slow test builds the wheel, installs it into a fresh virtual environment (dependencies
reached through a path file pointing at this interpreter's site-packages, so no network is
needed), and runs `sop validate`, `sop tables` and `sop book` in an empty folder outside the
repository.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import types
import zipfile
from importlib.metadata import version as metadata_version
from pathlib import Path

import pytest
import stagesofprogress as sop
import yaml
from stagesofprogress import resources

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "stagesofprogress"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(LIB)], prefix="stagesofprogress."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


# --------------------------------------------------------------------------- namespace


def test_each_import_gives_what_it_says():
    logistic = importlib.import_module("stagesofprogress.logistic")
    simulation = importlib.import_module("stagesofprogress.simulation")
    assert isinstance(logistic, types.ModuleType) and isinstance(simulation, types.ModuleType)
    assert sop.logistic is logistic and sop.simulation is simulation  # set by the imports above
    assert sop.logit is logistic.logit and callable(sop.logit)
    assert sop.simulate is simulation.simulate and callable(sop.simulate)
    assert type(sop) is types.ModuleType  # no module subclass
    assert not hasattr(sop, "_FUNCTIONS_NAMED_LIKE_MODULES")


def test_no_public_name_of_the_package_is_also_a_module_name():
    """`sop.X` is never a function while `stagesofprogress.X` is a module (the old trap)."""
    modules = {name.rsplit(".", 1)[1] for name in _public_modules() if name.count(".") == 1}
    clashes = sorted(n for n in sop.__all__ if n in modules and not isinstance(getattr(sop, n), types.ModuleType))
    assert clashes == []


def test_package_all_lists_only_what_exists():
    assert len(sop.__all__) == len(set(sop.__all__))
    missing = [n for n in sop.__all__ if not hasattr(sop, n)]
    assert missing == []


# Modules still waiting for their `__all__` (none left: issue 12's habits item gave every module one).
PENDING_ALL: set[str] = set()


@pytest.mark.parametrize("name", [m for m in _public_modules() if "replication" not in m])
def test_every_public_module_declares_all(name):
    if name in PENDING_ALL:
        pytest.skip("__all__ comes with the module's reorganisation (issue 12, items 3 and 6)")
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what it does not define: {missing}"


#: Command-line plumbing: each `sop` subcommand's parser and handler, reached through `sop`.
_COMMAND_PLUMBING = re.compile(r"^(cmd_\w+|add_parser|add_plugin_parsers|argparse_suppress|main)$")


@pytest.mark.parametrize("name", [m for m in _public_modules() if "replication" not in m])
def test_all_lists_every_public_function_and_class(name):
    """A public function or class defined in a module is either in its __all__ or named with a `_`."""
    module = importlib.import_module(name)
    defined = [
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and (inspect.isfunction(v) or inspect.isclass(v))
        and getattr(v, "__module__", None) == name
        and not _COMMAND_PLUMBING.match(n)
    ]
    missing = sorted(set(defined) - set(getattr(module, "__all__", [])))
    assert missing == [], f"{name} defines public names its __all__ leaves out: {missing}"


# --------------------------------------------------------------------------- version


def test_version_single_sourced():
    declared = PYPROJECT["project"]["version"]
    assert sop.__version__ == metadata_version("stagesofprogress")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) == declared, "CITATION.cff's version differs from pyproject.toml's"
    # nowhere else in the library is a version typed
    typed = [
        p.name for p in LIB.rglob("*.py") if re.search(r'__version__\s*=\s*["\']\d', p.read_text(encoding="utf-8"))
    ]
    assert typed == []


def test_version_fallback_reads_pyproject(tmp_path):
    from stagesofprogress import _version

    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\n\n[project]\nname = "x"\nversion = "9.8.7"\n'
    )
    assert _version._from_pyproject(tmp_path / "pyproject.toml") == "9.8.7"
    assert _version._from_pyproject(tmp_path / "missing.toml") is None


# --------------------------------------------------------------------------- shipped files


def test_no_module_finds_files_by_climbing_folders():
    offenders = [
        str(p.relative_to(LIB))
        for p in LIB.rglob("*.py")
        if p.name != "resources.py" and re.search(r"parents\[\d\]", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("relative", resources.SHIPPED)
def test_every_shipped_entry_exists_in_the_checkout(relative):
    p = resources.path(relative)
    assert p.exists() and p == ROOT / relative


def test_resource_paths_are_checked():
    assert resources.path("data/peru2004/study.yml").is_file()
    for bad in ("../etc/passwd", "/etc/passwd", "data/../../x", "lib/stagesofprogress/cli.py", ""):
        with pytest.raises(ValueError):
            resources.path(bad)
    with pytest.raises(resources.ResourceError):
        resources.path("data/peru2004/no-such-file.csv")
    assert resources.path("data/peru2004/no-such-file.csv", check=False).name == "no-such-file.csv"
    assert issubclass(resources.ResourceError, FileNotFoundError)


def test_the_defaults_come_from_resources():
    from stagesofprogress import cli, literature, rebuild
    from stagesofprogress.replication.kristjanson2007 import paper

    assert cli.DEFAULT_STUDY == resources.path("data/peru2004")
    assert literature.data_paths() == (resources.path("data/literature/studies.csv"), resources.path("references.bib"))
    assert rebuild.BOOK_ROOT == resources.root()
    assert paper.data_dir() == resources.path("data/paper")


def test_manifest_carries_what_the_wheel_ships():
    """The source distribution (MANIFEST.in) holds every shipped entry, so a wheel built from it has them."""
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for entry in resources.SHIPPED:
        assert entry in manifest, f"MANIFEST.in does not include {entry}"


def test_setup_copies_exactly_the_shipped_entries():
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert 'runpy.run_path(str(HERE / "lib" / "stagesofprogress" / "resources.py"))' in setup
    tree = ast.parse((LIB / "resources.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names), "setup.py runs resources.py with the standard library only"


# --------------------------------------------------------------------------- declared dependencies

# distribution name -> module it is imported as
IMPORT_NAMES = {
    "pyyaml": "yaml",
    "jupyter-book": "jupyter_book",
    "myst-nb": "myst_nb",
    "beautifulsoup4": "bs4",
    "sphinx-exercise": "sphinx_exercise",
    "sphinxcontrib-bibtex": "sphinxcontrib.bibtex",
    "django-static-mathjax": "mathjax",
    "jupyter-cache": "jupyter_cache",
    "pre-commit": None,
    "ruff": None,
    "nbval": None,
    "ipykernel": None,
}
# what is used without an import statement: a tool on the command line, a pytest plug-in, the kernel
USED_OTHERWISE = {
    "jupyter-book": "rebuild.py runs its command line",
    "nbval": "pytest --nbval",
    "pytest-xdist": "pytest -n (tasks.py test --fast)",
    "ipykernel": "the chapters' kernel",
    "ruff": "ruff check",
    "pre-commit": ".pre-commit-config.yaml",
    "sphinx-exercise": "_config.yml",
    "sphinxcontrib-bibtex": "_config.yml (bibtex_bibfiles)",
    "django-static-mathjax": "_ext/sop_offline_maths.py (importlib.util.find_spec)",
}
# every declared dependency is used (seaborn draws the statistical figures since the extras work)
PENDING_USE: set[str] = set()


def _declared() -> list[str]:
    reqs = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        reqs += extra
    names = [re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in reqs]
    return sorted({n for n in names if n != "stagesofprogress"})


def _sources() -> str:
    texts = []
    for folder in ("lib", "tests", "chapters", "scripts", "_ext", "benchmarks"):
        for p in (ROOT / folder).rglob("*"):
            if p.suffix in (".py", ".md") and "studies" not in p.parts:
                texts.append(p.read_text(encoding="utf-8", errors="replace"))
    texts.append((ROOT / "tasks.py").read_text(encoding="utf-8"))
    return "\n".join(texts)


@pytest.mark.parametrize("dist", _declared())
def test_every_declared_dependency_is_used(dist):
    if dist in PENDING_USE:
        pytest.skip(f"{dist}: used once the figures work lands (see the reason in pyproject.toml)")
    if dist in USED_OTHERWISE:
        return
    module = IMPORT_NAMES.get(dist, dist.replace("-", "_"))
    pattern = rf"^\s*(import|from)\s+{re.escape(module)}\b"
    assert re.search(pattern, _sources(), re.MULTILINE), f"{dist} is declared but nothing imports {module}"


def test_great_tables_is_gone():
    assert "great-tables" not in (ROOT / "requirements.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the wheel

_COPY_IGNORE = shutil.ignore_patterns(
    ".*", "_build", "build", "dist", "*.egg-info", "__pycache__", "out", "_resources", "node_modules"
)


def checked(cmd, returncode: int, stdout: str, stderr: str) -> subprocess.CompletedProcess:
    """A finished command of `wheel_check`, asserted to have succeeded."""
    assert returncode == 0, f"{cmd} failed ({returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)


@pytest.mark.slow
def test_wheel_installed_elsewhere_runs_the_three_commands(wheel_checked):
    """`wheel_check`, run in the background while other tests run (conftest's `wheel_checked`):
    its failures are this test's."""
    assert sorted(p.name for p in wheel_checked.iterdir()) == ["b", "t"]  # nothing else written where it ran


def wheel_check(tmp_path: Path, run) -> Path:
    """Build the wheel, install it into a fresh virtual environment and run `sop validate`, `sop
    tables` and `sop book` in an empty folder outside the repository; returns that folder.
    `run(cmd, **kw)` runs a command and returns it `checked`."""
    # 1. build the wheel from a copy of the sources (keeps build/ out of the checkout)
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=_COPY_IGNORE)
    dist = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
        env=env,
    )
    wheels = list(dist.glob("stagesofprogress-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as z:
        names = set(z.namelist())
    for entry in (
        "data/peru2004/study.yml",
        "data/paper",
        "_toc.yml",
        "_config.yml",
        "chapters/intro.md",
        "_ext/sop_table_numbers.py",
        "data/literature/studies.csv",
        "references.bib",
    ):
        assert any(n.startswith(f"stagesofprogress/_resources/{entry}") for n in names), entry

    # 2. a fresh virtual environment; its dependencies are this interpreter's (a path file, whose
    #    own path files are not processed), so nothing comes from an index, and the wheel's
    #    stagesofprogress comes first on sys.path
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env)
    py = venv / "bin" / "python"
    purelib = Path(
        run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env).stdout.strip()
    )
    (purelib / "_outer_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # --ignore-installed: the outer environment's own stagesofprogress (seen through the path
    # file) must neither satisfy the request nor be uninstalled; --no-deps: the dependencies are
    # the outer ones, which the three commands below exercise
    run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(dist),
            "--ignore-installed",
            "--no-deps",
            "stagesofprogress",
        ],
        env=env,
    )
    sop_exe = venv / "bin" / "sop"
    assert sop_exe.exists()

    # 3. the three commands in an empty folder outside the repository
    work = tmp_path / "empty"
    work.mkdir()
    home = tmp_path / "home"
    env_run = dict(
        env,
        PATH=f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        HOME=str(home),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_CONFIG_DIR=str(home / "jupyter"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        MPLCONFIGDIR=str(home / "mpl"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONHASHSEED="0",
    )
    where = run(
        [
            str(py),
            "-c",
            "import stagesofprogress as s, stagesofprogress.resources as r; "
            "print(s.__file__); print(r.root()); print(s.__version__)",
        ],
        cwd=work,
        env=env_run,
    ).stdout.split()
    assert str(venv) in where[0] and str(venv) in where[1] and where[1].endswith("_resources")
    assert where[2] == PYPROJECT["project"]["version"]

    validated = run([str(sop_exe), "validate"], cwd=work, env=env_run)
    assert "valid" in validated.stdout
    run([str(sop_exe), "tables", "--out", "t"], cwd=work, env=env_run)
    assert (work / "t" / "movements.csv").is_file() and (work / "t" / "scorecard.csv").is_file()
    # the book of a class study typed into the workbook template (tests/test_contract.py): a
    # teacher's study from the spreadsheet template, built by the package installed elsewhere
    from test_contract import _class_study

    study = tmp_path / "class"
    study.mkdir()
    _class_study(study)
    run([str(sop_exe), "book", "--data", str(study), "--out", "b", "--quiet"], cwd=work, env=env_run)
    assert (work / "b" / "index.html").is_file() and (work / "b" / "tables" / "movements.csv").is_file()
    pages = [p.read_text(encoding="utf-8") for p in (work / "b" / "chapters").glob("*.html")]
    assert pages and all("Class study: three villages" in page for page in pages)
    return work
