"""Shared test helpers: where the fixture studies live, writing a small study, running `sop`,
and the books of the session (one fixture per study, built once)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

TESTS = Path(__file__).resolve().parent
STUDIES = TESTS / "studies"
SOP = Path(sys.executable).with_name("sop")  # the venv's console script

# Hypothesis: the same examples on every run (derandomized, no example database). The whole
# suite runs each property with the number of examples its test names; the fast lane
# (`tasks.py test --fast` passes `--hypothesis-profile=sop-fast`) runs a quarter of them, at least
# FAST_MIN_EXAMPLES, drawn by the same strategies (see `examples`).
settings.register_profile("sop-full", derandomize=True, database=None, deadline=None)
settings.register_profile("sop-fast", parent=settings.get_profile("sop-full"))
settings.load_profile("sop-full")  # `--hypothesis-profile` loads its profile after this file
FAST_MIN_EXAMPLES = 5


def examples(n: int) -> int:
    """How many examples a property test runs: `n` in the whole suite, n // 4 (at least
    `FAST_MIN_EXAMPLES`) under the fast lane's Hypothesis profile ``sop-fast``."""
    if settings.get_current_profile_name() == "sop-fast":
        return max(FAST_MIN_EXAMPLES, n // 4)
    return n


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


def sop_in_process(*args, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`sop ARGS` through `stagesofprogress.cli.main` in this process, reported as a subprocess of
    the installed `sop` is (`sop_run`): exit code, stdout and stderr (written as UTF-8 bytes and
    decoded with undecodable bytes replaced). `cwd` is the working folder and `env` the variables
    (for example HOME) set during the run, both restored afterwards. An exception that escapes
    `main` is printed with its traceback and exits 1, as the interpreter would. Each `sop` start-up
    costs about half a second of CPU: tests that are not about the process itself run this way."""
    from stagesofprogress import cli

    argv = [str(a) for a in args]
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="replace", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="replace", write_through=True)
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        if cwd is not None:
            mp.chdir(cwd)
        for key, value in (env or {}).items():
            mp.setenv(key, str(value))
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse, or a command's sys.exit
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if e.code is not None and not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - reported as the interpreter would, then judged by the test
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    decode = lambda b: b.decode("utf-8", errors="replace")  # noqa: E731
    return subprocess.CompletedProcess(["sop", *argv], code, decode(out.getvalue()), decode(err.getvalue()))


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
SMALL_SIM = dict(
    households=300, communities=4, regions=2, years=(1984, 1994, 2004, 2014), stages=8, cutoff=4, title=SMALL_TITLE
)


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


class Prebuilds:
    """The session's whole books (and the replica), built in the background while other tests run.

    When the first test starts, the builds the selected tests need are queued in the order those
    tests come, and `THREADS` threads take them from the queue one at a time (each build a
    subprocess: `sop book --jobs 1`, scripts/build_book.py, `sop replica`), so the builds overlap
    with each other and with the single-core work of the fast tests. A fixture asks for its build
    with `get(name)`: it waits for the queued build, or makes an unqueued one itself. At the end
    of the session any build still running is stopped (its own process group only).
    """

    THREADS = 2

    def __init__(self, jobs: dict, queued: list[str]):
        self.jobs, self.results, self.procs = jobs, {}, []
        self.ready = {name: threading.Event() for name in queued}
        self.stopping = False
        self.queue = list(queued)
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._work, name=f"sop-prebuilds-{i}", daemon=True) for i in range(self.THREADS)
        ]
        for thread in self.threads:
            thread.start()

    def _next(self) -> str | None:
        with self.lock:
            return self.queue.pop(0) if self.queue else None

    def _work(self) -> None:
        while (name := self._next()) is not None:
            TIMELINE.append(("build", name, time.monotonic()))
            try:
                self.results[name] = (
                    (None, RuntimeError("the test session ended")) if self.stopping else (self.jobs[name](self), None)
                )
            except BaseException as e:  # handed to the fixture that asks for it
                self.results[name] = (None, e)
            TIMELINE.append(("built", name, time.monotonic()))
            self.ready[name].set()

    def run(self, cmd: list[str], stderr_to_stdout: bool = False, **kw) -> subprocess.Popen:
        """Start `cmd` in a process group of its own (so it can be stopped with its children)."""
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr_to_stdout else subprocess.PIPE,
            start_new_session=True,
            **kw,
        )
        self.procs.append(proc)
        return proc

    def get(self, name: str):
        if name in self.ready:
            self.ready[name].wait()
        elif name not in self.results:
            self.results[name] = (self.jobs[name](self), None)
        value, error = self.results[name]
        if error is not None:
            raise error
        return value

    def stop(self) -> None:
        self.stopping = True
        with self.lock:
            self.queue.clear()
        for proc in list(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for thread in self.threads:
            thread.join(timeout=60)


def _communicate(proc: subprocess.Popen, timeout: float = 3600) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _job_repo_book(base: Path, env: dict):
    """The repository's book as `tasks.py book` builds it (scripts/build_book.py --force)."""

    def job(pb: Prebuilds) -> Book:
        t0 = time.perf_counter()
        rc, out, err = _communicate(
            pb.run(
                [sys.executable, ROOT / "scripts" / "build_book.py", "--force", "--path-output", base],
                cwd=ROOT,
                env=env,
            )
        )
        build = base / "_build"
        executed = base / "executed"
        if (build / ".jupyter_cache").is_dir():
            import nbformat
            from jupyter_cache import get_cache

            cache = get_cache(str(build / ".jupyter_cache"))
            for record in cache.list_cache_records():
                target = executed / Path(record.uri).relative_to(ROOT).with_suffix(".ipynb")
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(cache.get_cache_bundle(record.pk).nb, target)
            (executed / "data").symlink_to(DATA, target_is_directory=True)
        return Book(
            DATA / "peru2004",
            build / "html",
            rc,
            out + err,
            err,
            time.perf_counter() - t0,
            extra={"build": build, "executed": executed},
        )

    return job


def _job_sop_book(study: Path | str, out: Path, env: dict, *options, cwd: Path | None = None, make=None):
    """`sop book --data STUDY --out OUT --jobs 1 OPTIONS` as a user runs it from `cwd`; `make()`, when
    given, writes the study first and returns what the tests learn from it (`Book.extra`)."""

    def job(pb: Prebuilds) -> Book:
        extra = dict(make()) if make is not None else {}
        t0 = time.perf_counter()
        rc, so, se = _communicate(
            # one chapter at a time: the session runs two builds side by side (`Prebuilds.THREADS`),
            # and one kernel imports the libraries once where two would import them twice
            pb.run(
                [SOP, "book", "--data", study, "--out", out, "--jobs", "1", *options], cwd=cwd or out.parent, env=env
            )
        )
        return Book(Path(cwd or ".") / study, out, rc, so, se, time.perf_counter() - t0, extra=extra)

    return job


def _job_hostile(tmp: Path, env: dict):
    """test_injection's hostile study (a payload in every text field), its book built twice by the
    installed `sop book`, as two concurrent processes of one chapter at a time each."""

    def job(pb: Prebuilds) -> dict:
        from test_injection import make_hostile

        canary, study = tmp / "PWNED", tmp / "S"
        payloads = make_hostile(study, str(canary))
        procs = [
            pb.run(
                ["nice", "-n", "10", SOP, "book", "--data", study, "--out", tmp / name, "--jobs", "1"], cwd=tmp, env=env
            )
            for name in ("B1", "B2")
        ]
        runs = [subprocess.CompletedProcess(p.args, *_communicate(p)) for p in procs]
        return {
            "tmp": tmp,
            "canary": canary,
            "study": study,
            "payloads": payloads,
            "runs": runs,
            "out": [tmp / "B1", tmp / "B2"],
        }

    return job


def _job_nbval(env: dict):
    """test_book's nbval check of the repository's executed chapters: two nbval processes side
    by side, started as soon as the book (`repo_book`) is built."""

    def job(pb: Prebuilds) -> dict:
        from test_book import nbval_commands

        book = pb.get("repo_book")
        if book.returncode != 0:
            raise RuntimeError("the book did not build; see test_book.py:\n" + book.stdout[-6000:])
        executed = book.extra["executed"]
        missing, commands = nbval_commands(executed)
        procs = [pb.run(cmd, cwd=executed, env=env, stderr_to_stdout=True) for cmd in commands]
        runs = [_communicate(p, timeout=900)[:2] for p in procs]
        return {"missing": missing, "runs": runs, "notebooks": len(notebook_pages())}

    return job


def _job_wheel(tmp: Path):
    """test_package's check of the wheel installed elsewhere, its commands run as builds are."""

    def job(pb: Prebuilds) -> Path:
        from test_package import checked, wheel_check

        return wheel_check(tmp, lambda cmd, **kw: checked(cmd, *_communicate(pb.run(cmd, **kw), timeout=900)))

    return job


def _job_hostile_cases(tmp: Path, wanted: list[str]):
    """test_hostile's corpus run through `sop` (`test_hostile.collect`): in a Python process of
    its own when it runs in the background (so that its minute of work overlaps with the tests;
    `collect` redirects this process's stdout, which a thread beside the tests must not), in this
    process when a test asks for it in the main thread (a pytest-xdist worker: nothing would
    overlap, and the worker has the library imported already)."""

    def job(pb: Prebuilds) -> dict:
        import pickle

        if threading.current_thread() is threading.main_thread():
            from test_hostile import collect

            return collect(wanted)
        (tmp / "wanted.json").write_text(json.dumps(wanted), encoding="utf-8")
        code = (
            "import json, pickle, sys\n"
            f"sys.path.insert(0, {str(TESTS)!r})\n"
            "import test_hostile\n"
            "wanted = json.loads(open(sys.argv[1], encoding='utf-8').read())\n"
            "with open(sys.argv[2], 'wb') as f:\n"
            "    pickle.dump(test_hostile.collect(wanted), f)\n"
        )
        rc, out, err = _communicate(
            pb.run([sys.executable, "-c", code, tmp / "wanted.json", tmp / "results.pickle"], cwd=tmp)
        )
        if rc != 0:
            raise RuntimeError(f"test_hostile.collect failed ({rc}):\n{out[-3000:]}{err[-3000:]}")
        with open(tmp / "results.pickle", "rb") as f:
            return pickle.load(f)  # (written by this test session's own child process)

    return job


def _job_replica(out: Path, env: dict):
    """`sop replica` once, under other floating-point arithmetic than the committed files were
    made with (test_replica's OTHER_ARITHMETIC): the same bytes must come out, so one
    regeneration checks both that the replica regenerates and that it does on other machines."""

    def job(pb: Prebuilds) -> Path:
        from test_replica import OTHER_ARITHMETIC

        rc, so, se = _communicate(
            pb.run([SOP, "replica", "--out", out], cwd=out.parent, env={**env, **OTHER_ARITHMETIC})
        )
        assert rc == 0, se[-3000:]
        return out

    return job


@pytest.fixture(scope="session")
def book_env(tmp_path_factory) -> dict:
    """The environment every book of the session is built in (a temporary home)."""
    return isolated_env(tmp_path_factory.mktemp("book-home"))


@pytest.fixture(scope="session", autouse=True)
def prebuilds(request, tmp_path_factory, book_env):
    """Queue, at the first test, the builds the selected tests need (see Prebuilds)."""
    from stagesofprogress.simulation import simulate
    from test_hostile import wanted_cases

    def tmp(name: str) -> Path:
        return tmp_path_factory.mktemp(name)

    small = tmp("small")

    def make_small() -> dict:
        simulate(small / "study", **SMALL_SIM)
        return {"files_before": sorted(p.name for p in (small / "study").iterdir())}

    accepted = tmp("accepted")

    def make_accepted() -> dict:
        from test_properties import write_accepted_mutations

        return write_accepted_mutations(accepted / "study")

    hostile = tmp("sop-hostile-")
    jobs = {
        "repo_book": _job_repo_book(tmp("repo-book"), book_env),
        "teaching_book": _job_sop_book("data/teaching", tmp("teaching") / "book", book_env, "--quiet", cwd=ROOT),
        "small_book": _job_sop_book(small / "study", small / "out", book_env, make=make_small),
        "eleven_book": _job_sop_book(
            STUDIES / "good" / "eleven_stages_accented", tmp("eleven") / "out", book_env, "--quiet"
        ),
        "hostile_books": _job_hostile(hostile, isolated_env(hostile / "home")),
        "newuser_book": _job_sop_book(STUDIES / "newuser", tmp("newuser") / "book", book_env, "--quiet"),
        "accepted_book": _job_sop_book(accepted / "study", accepted / "book", book_env, make=make_accepted),
        "replica_regenerated": _job_replica(tmp("replica") / "peru2004", book_env),
        "nbval_runs": _job_nbval(book_env),
        "wheel_checked": _job_wheel(tmp("wheel")),
        "hostile_cases": _job_hostile_cases(tmp("hostile-cases"), wanted_cases(request.session.items)),
    }
    queued = []
    for item in request.session.items:  # fixtures by name, or by a parameter (request.getfixturevalue)
        params = getattr(getattr(item, "callspec", None), "params", {}).values()
        wanted = [*getattr(item, "fixturenames", ()), *(v for v in params if isinstance(v, str))]
        queued += [name for name in wanted if name in jobs and name not in queued]
    # the longest builds first (the repository's book is also the one most slow tests need);
    # nbval waits for the repository's book: queued after the two longest builds, it goes to the
    # thread that finishes first, usually the book's; then the hostile corpus, whose tests run
    # last of the fast ones (pytest_collection_modifyitems)
    first = ("replica_regenerated", "repo_book", "nbval_runs", "hostile_cases", "hostile_books")
    queued = [n for n in first if n in queued] + [n for n in queued if n not in first]
    if os.environ.get("PYTEST_XDIST_WORKER"):  # a worker runs only some of the items it collected:
        queued = []  # it builds what its tests ask for, when they ask
    pb = Prebuilds(jobs, queued)
    yield pb
    pb.stop()


# Where the session's time goes (opt-in; benchmarks/bench_tests.py sets it): with
# SOP_TEST_TIMELINE=FILE, each background build's and each test's start and end (seconds since the
# session began) are written to FILE as tab-separated lines (FILE.gwN for a pytest-xdist worker).
TIMELINE: list[tuple[str, str, float]] = []


def pytest_runtest_logstart(nodeid, location):
    TIMELINE.append(("test", nodeid, time.monotonic()))


def pytest_runtest_logfinish(nodeid, location):
    TIMELINE.append(("tested", nodeid, time.monotonic()))


def pytest_sessionstart(session):
    TIMELINE.append(("session", "", time.monotonic()))


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("SOP_TEST_TIMELINE")
    if not target or not TIMELINE:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    target = f"{target}.{worker}" if worker else target
    t0 = TIMELINE[0][2]
    lines = [f"{kind}\t{name}\t{t - t0:.2f}" for kind, name, t in TIMELINE]
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


# Fast tests whose fixture is made in the background (Prebuilds) in a whole-suite session.
BACKGROUND_FAST = {"hostile_cases"}


def pytest_collection_modifyitems(config, items):
    """Slow tests last (stable order otherwise): the fast ones run while the books are built.

    The fast tests of `BACKGROUND_FAST` go last of the fast ones in a whole-suite session (their
    fixture is made meanwhile) and first in a pytest-xdist worker (the longest file first, so that
    it does not end the lane alone on one worker)."""
    slow = [i for i in items if i.get_closest_marker("slow") is not None]
    fast = [i for i in items if i.get_closest_marker("slow") is None]
    waits = [i for i in fast if BACKGROUND_FAST & set(getattr(i, "fixturenames", ()))]
    rest = [i for i in fast if i not in waits]
    items[:] = (waits + rest if os.environ.get("PYTEST_XDIST_WORKER") else rest + waits) + slow


@pytest.fixture(scope="session")
def repo_book(prebuilds) -> Book:
    """The repository's book on its default study (data/peru2004) as `tasks.py book` builds it:
    scripts/build_book.py --force (every chapter executed), `-W -n --keep-going`, built into a
    temporary --path-output. `out` is the HTML; `extra["build"]` the build folder, and
    `extra["executed"]` a folder with the executed chapters exactly as the executor stored them in
    the build's jupyter-cache (`chapters/*.ipynb`, with a `data` link beside them, so that they
    re-run there under nbval with their own relative study paths; MyST-NB's copies in
    `jupyter_execute/` lack the glue outputs)."""
    return prebuilds.get("repo_book")


@pytest.fixture(scope="session")
def teaching_book(prebuilds) -> Book:
    """`sop book --data data/teaching` (typed relative to the repository root): 10 stages, 2 time points."""
    return prebuilds.get("teaching_book")


@pytest.fixture(scope="session")
def small_book(prebuilds) -> Book:
    """`sop book` (with its progress bar) on a simulated study that has only the two required
    files, four time points and 8 stages (cutoff 4); `extra["files_before"]` lists the study."""
    return prebuilds.get("small_book")


@pytest.fixture(scope="session")
def eleven_book(prebuilds) -> Book:
    """`sop book` on the hand-written study tests/studies/good/eleven_stages_accented."""
    return prebuilds.get("eleven_book")


@pytest.fixture(scope="session")
def hostile_books(prebuilds) -> dict:
    """The hostile study's two books: tmp, canary, study, payloads, runs, out (see _job_hostile)."""
    return prebuilds.get("hostile_books")


@pytest.fixture(scope="session")
def newuser_book(prebuilds) -> Book:
    """`sop book --quiet` on tests/studies/newuser (a study unlike the paper's)."""
    return prebuilds.get("newuser_book")


@pytest.fixture(scope="session")
def accepted_book(prebuilds) -> Book:
    """`sop book` on a small study carrying every change `validate` accepts that
    test_properties.py checks a book survives (`extra`: what write_accepted_mutations returned)."""
    return prebuilds.get("accepted_book")


@pytest.fixture(scope="session")
def nbval_runs(prebuilds) -> dict:
    """test_book's nbval runs of the repository's executed chapters: {"missing": chapters not
    executed, "runs": [(exit code, output)], "notebooks": how many chapters the book executes}."""
    return prebuilds.get("nbval_runs")


@pytest.fixture(scope="session")
def wheel_checked(prebuilds) -> Path:
    """test_package's `wheel_check` (the wheel installed elsewhere runs the three commands),
    run in the background: the folder the commands ran in."""
    return prebuilds.get("wheel_checked")


@pytest.fixture(scope="session")
def hostile_cases(prebuilds) -> dict:
    """`test_hostile.collect` of the selected hostile cases, run in the background."""
    return prebuilds.get("hostile_cases")


@pytest.fixture(scope="session")
def replica_regenerated(prebuilds) -> Path:
    """`sop replica --out DIR` once per session (about 40 s): the folder it wrote."""
    return prebuilds.get("replica_regenerated")
