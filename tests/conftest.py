"""Shared test helpers: where the fixture studies live, writing a small study, running `sop`,
and the books of the session (one fixture per study, built once)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parent
STUDIES = TESTS / "studies"
SOP = Path(sys.executable).with_name("sop")  # the venv's console script


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (relative path -> digest); {} when it does not exist."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def write_study(tmp_path):
    """Factory: write study.yml (a dict or text) and households.csv (text or bytes); return the folder."""

    def write(meta: dict | str, households: str | bytes, name: str = "study", **other_files) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        text = meta if isinstance(meta, str) else yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        (folder / "study.yml").write_text(text, encoding="utf-8")
        data = households if isinstance(households, bytes) else households.encode("utf-8")
        (folder / "households.csv").write_bytes(data)
        for fname, content in other_files.items():
            (folder / fname).write_text(content, encoding="utf-8")
        return folder

    return write


@pytest.fixture
def sop_main(capsys):
    """Run `sop` in-process: sop_main("validate", "--data", path) -> (exit code, stdout, stderr)."""
    from stagesofprogress import cli

    def run(*args) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def sop_run():
    """Run the installed `sop` command as a subprocess -> CompletedProcess (text)."""

    def run(*args, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([str(SOP), *map(str, args)], capture_output=True, text=True, encoding="utf-8", **kw)

    return run


# =========================================================================== books, once per session
#
# Every whole book the suite needs is made once per test session by one fixture per study
# below, with the library's one executor (`stagesofprogress.execute`, through
# scripts/build_book.py or `sop book`), kernels, Jupyter and matplotlib pointed at a temporary
# home, and everything under pytest's temporary folder (no module-level state, no atexit).
# The tests that use them are marked `slow` (`tasks.py test --fast` leaves them out).

ROOT = TESTS.parent
DATA = ROOT / "data"
EXAMPLE = DATA / "example"
TEACHING = DATA / "teaching"
SMALL_TITLE = "Tiny fictional study for a summary: only study.yml and households.csv"
SMALL_SIM = dict(households=300, communities=4, regions=2, years=(1984, 1994, 2004, 2014), stages=8, cutoff=4,
                 title=SMALL_TITLE)


def isolated_env(base: Path) -> dict:
    """A copy of os.environ with Jupyter, IPython, matplotlib and XDG folders under `base`."""
    from stagesofprogress.execute import quiet_kernels

    env = os.environ.copy()
    for var, sub in [
        ("IPYTHONDIR", "ipython"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("MPLCONFIGDIR", "matplotlib"),
        ("XDG_CONFIG_HOME", "xdg-config"),
        ("XDG_CACHE_HOME", "xdg-cache"),
    ]:
        path = Path(base) / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    quiet_kernels(env["IPYTHONDIR"])
    env["PYTHONHASHSEED"] = "0"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextlib.contextmanager
def environ(env: dict):
    """os.environ = `env` inside the block (for builds run in-process: their workers inherit it)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in set(os.environ) - set(env):
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        yield


def toc_files() -> list[str]:
    """Every page of _toc.yml (root first), as paths relative to the book root, no extension."""
    from stagesofprogress.rebuild import toc_entries

    return toc_entries(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))


def notebook_pages() -> list[Path]:
    """Toc pages that are MyST notebooks (they have code cells)."""
    pages = []
    for f in toc_files():
        p = ROOT / f"{f}.md"
        if p.exists() and "```{code-cell}" in p.read_text(encoding="utf-8"):
            pages.append(p)
    return pages


def default_study_dir(chapter: Path) -> str:
    """The study folder a chapter's parameters cell names (relative to the chapter)."""
    m = re.search(r'^study_dir\s*=\s*"([^"]+)"', chapter.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else ""


@dataclass
class Book:
    """A book built for the tests: where it is, and what its build said."""

    study: Path
    out: Path  # the folder the HTML pages are in
    returncode: int
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def book_env(tmp_path_factory) -> dict:
    """The environment every book of the session is built in (a temporary home)."""
    return isolated_env(tmp_path_factory.mktemp("book-home"))


@pytest.fixture(scope="session")
def repo_book(tmp_path_factory, book_env) -> Book:
    """The repository's book on its default study (data/peru2004) as `tasks.py book` builds it:
    scripts/build_book.py --force (every chapter executed), `-W -n --keep-going`, built into a
    temporary --path-output. `out` is the HTML; `extra["build"]` the build folder, and
    `extra["executed"]` a folder with the executed chapters exactly as the executor stored them in
    the build's jupyter-cache (`chapters/*.ipynb`, with a `data` link beside them, so that they
    re-run there under nbval with their own relative study paths; MyST-NB's copies in
    `jupyter_execute/` lack the glue outputs)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import build_book

    out = tmp_path_factory.mktemp("repo-book")
    t0 = time.perf_counter()
    proc = build_book.build(force=True, path_output=str(out), env=book_env, capture=True)
    build = out / "_build"
    executed = out / "executed"
    if (build / ".jupyter_cache").is_dir():
        import nbformat
        from jupyter_cache import get_cache

        cache = get_cache(str(build / ".jupyter_cache"))
        for record in cache.list_cache_records():
            target = executed / Path(record.uri).relative_to(ROOT).with_suffix(".ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(cache.get_cache_bundle(record.pk).nb, target)
        (executed / "data").symlink_to(DATA, target_is_directory=True)
    return Book(DATA / "peru2004", build / "html", proc.returncode, proc.stdout or "",
                seconds=time.perf_counter() - t0, extra={"build": build, "executed": executed})


@pytest.fixture(scope="session")
def example_chapters(tmp_path_factory, book_env) -> Book:
    """Every chapter executed (not built into HTML) on data/example, a study without optional
    tables, by the one executor, `study_dir` injected; `out` holds the tidied notebooks and
    `extra["runs"]` the ChapterRun of each."""
    from stagesofprogress.execute import Chapter, execute

    out = tmp_path_factory.mktemp("example-chapters")
    todo = [Chapter(p.stem, p, out / f"{p.stem}.ipynb", {"study_dir": str(EXAMPLE)}) for p in notebook_pages()]
    t0 = time.perf_counter()
    with environ(book_env):
        runs = execute(todo, jobs=2, timeout=600)
    return Book(EXAMPLE, out, int(any(r.error for r in runs)), seconds=time.perf_counter() - t0,
                extra={"runs": {r.name: r for r in runs}})


def _sop_book(args: list[str], env: dict, cwd: Path | None = None) -> tuple[int, str, str, float]:
    """`sop book ARGS` in-process (as a user runs it from `cwd`): (exit code, stdout, stderr, seconds)."""
    from stagesofprogress import cli

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    t0 = time.perf_counter()
    with environ(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if cwd is not None:
                os.chdir(cwd)
            rc = cli.main(["book", *map(str, args)])
        finally:
            os.chdir(here)
    return rc, out.getvalue(), err.getvalue(), time.perf_counter() - t0


@pytest.fixture(scope="session")
def teaching_book(tmp_path_factory, book_env) -> Book:
    """`sop book --data data/teaching` (typed relative to the repository root): 10 stages, 2 time points."""
    out = tmp_path_factory.mktemp("teaching") / "book"
    rc, so, se, secs = _sop_book(["--data", "data/teaching", "--out", out, "--quiet"], book_env, cwd=ROOT)
    return Book(TEACHING, out, rc, so, se, secs)


@pytest.fixture(scope="session")
def small_book(tmp_path_factory, book_env) -> Book:
    """`sop book` (with its progress bar) on a simulated study that has only the two required
    files, four time points and 8 stages (cutoff 4)."""
    from stagesofprogress.simulate import simulate

    base = tmp_path_factory.mktemp("small")
    study, out = base / "study", base / "out"
    simulate(study, **SMALL_SIM)
    files = sorted(p.name for p in study.iterdir())
    rc, so, se, secs = _sop_book(["--data", study, "--out", out], book_env)
    return Book(study, out, rc, so, se, secs, extra={"files_before": files})


@pytest.fixture(scope="session")
def eleven_book(tmp_path_factory, book_env) -> Book:
    """`sop book` on the hand-written study tests/studies/good/eleven_stages_accented."""
    study = STUDIES / "good" / "eleven_stages_accented"
    out = tmp_path_factory.mktemp("eleven") / "out"
    rc, so, se, secs = _sop_book(["--data", study, "--out", out, "--quiet"], book_env)
    return Book(study, out, rc, so, se, secs)


@pytest.fixture(scope="session")
def hostile_books(tmp_path_factory) -> dict:
    """The book of test_injection's hostile study (a payload in every text field), built twice by
    the installed `sop book` as two concurrent processes (one chapter at a time each: both cores
    stay busy through the HTML builds too). Returns tmp, canary, study, payloads, runs, out."""
    from test_injection import make_hostile

    tmp = tmp_path_factory.mktemp("sop-hostile-")
    canary = tmp / "PWNED"
    study = tmp / "S"
    payloads = make_hostile(study, str(canary))
    env = isolated_env(tmp / "home")
    procs = [subprocess.Popen(["nice", "-n", "10", str(SOP), "book", "--data", str(study), "--out", str(tmp / name),
                               "--jobs", "1"], cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for name in ("B1", "B2")]
    runs = []
    for p in procs:
        so, se = p.communicate(timeout=3600)
        runs.append(subprocess.CompletedProcess(p.args, p.returncode, so, se))
    return {"tmp": tmp, "canary": canary, "study": study, "payloads": payloads, "runs": runs,
            "out": [tmp / "B1", tmp / "B2"]}


@pytest.fixture(scope="session")
def replica_regenerated(tmp_path_factory) -> Path:
    """`sop replica --out DIR` once per session (about 40 s): the folder it wrote."""
    from stagesofprogress.cli import main

    out = tmp_path_factory.mktemp("replica") / "peru2004"
    assert main(["replica", "--out", str(out)]) == 0
    return out
