"""The hostile corpus (tests/studies/hostile, written by make_hostile.py) through `sop`.

Each case gets exactly its expected outcome: `sop validate` exits with the expected code,
prints the expected fragments (file, row or line, column, words) and no traceback; a valid
case also gets its tables from `sop tables`; no case changes a byte of its study folder.
Special files git cannot hold (FIFOs, symbolic links, unreadable or huge files) are made in
a copy of the case at test time.

The first case of each kind (exit code; tables or not; which special files it needs) and every
case with an unreadable file or a FIFO run through the installed `sop` as a subprocess; the others run
`stagesofprogress.cli.main` in one Python process (each `sop` start-up costs about a second of
CPU), with stdout and stderr captured as bytes and decoded as the subprocess's are. In a
whole-suite session that process (`collect`, started by conftest's `hostile_cases`) runs in the
background while other tests run.
`test_in_process_runs_match_the_installed_sop` checks that both ways give the same exit code
and the same report on the representative cases.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import SOP, STUDIES, tree_digest
from conftest import sop_in_process as _in_process

HOSTILE = STUDIES / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir())
PWNED = Path("/tmp/sop-pwned")  # what the injection payloads would create if anything ran them
NOBODY = 65534


def expect(case: Path) -> dict:
    return yaml.safe_load((case / "expect.yml").read_text(encoding="utf-8"))


def _setup(folder: Path, setup: dict, outside: Path) -> None:
    """Make the special file a case needs inside its copy `folder`."""
    from stagesofprogress.studyfile import MAX_CSV_BYTES, MAX_YAML_BYTES

    for kind in ("fifo", "symlink_out", "symlink_in", "dangling", "directory", "unreadable", "huge"):
        if kind not in setup:
            continue
        name = setup[kind]
        p = folder / name
        if kind == "fifo":
            p.unlink()
            os.mkfifo(p)
        elif kind == "symlink_out":
            target = Path(setup.get("target") or outside / name)
            if not setup.get("target"):
                shutil.copyfile(p, target)
            if p.exists():
                p.unlink()
            p.symlink_to(target)
        elif kind == "symlink_in":
            (folder / "data").mkdir()
            p.rename(folder / "data" / name)
            p.symlink_to(Path("data") / name)
        elif kind == "dangling":
            p.unlink()
            p.symlink_to("nowhere.csv")
        elif kind == "directory":
            p.unlink()
            p.mkdir()
        elif kind == "unreadable":
            p.chmod(0)
        elif kind == "huge":  # sparse: the size is what counts, no disk is used
            with open(p, "r+b") as f:
                f.truncate((MAX_YAML_BYTES if name.endswith(".yml") else MAX_CSV_BYTES) + 1)


def _env(home: Path) -> dict:
    env = dict(os.environ)
    for k in (
        "HOME",
        "IPYTHONDIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "MPLCONFIGDIR",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
    ):
        env[k] = str(home)
    return env


def _sop(*args, env, user=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SOP), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        user=user,
        timeout=600,
        check=False,
    )


def through_subprocess(cases: list[Path]) -> set[str]:
    """The cases run through the installed `sop`: the first of each kind of outcome (exit code,
    tables, and which special files are made at test time), every case with an unreadable file
    (as root it runs as another user) and every one with a FIFO (were it ever opened, only a
    subprocess can be stopped by its timeout)."""
    chosen, kinds = set(), set()
    for case in cases:
        exp = expect(case)
        setup = exp.get("setup") or {}
        kind = (exp["exit"], bool(exp.get("tables")), frozenset(setup) - {"target"})
        if kind not in kinds or {"unreadable", "fifo"} & set(setup):
            chosen.add(case.name)
        kinds.add(kind)
    return chosen


def _run_case(case: Path, work: Path, subprocess_: bool = True) -> dict:
    exp = expect(case)
    setup = exp.get("setup") or {}
    folder = case
    user = None
    if setup:
        folder = work / "cases" / case.name
        shutil.copytree(case, folder, symlinks=True)
        outside = work / "outside" / case.name
        outside.mkdir(parents=True)
        _setup(folder, setup, outside)
        if "unreadable" in setup and os.geteuid() == 0:
            user = NOBODY  # root reads any file: run as a user the permission applies to
    home = work / "home" / case.name
    home.mkdir(parents=True)
    if user is not None:
        for d in (home, folder):
            os.chown(d, NOBODY, -1)
    before = tree_digest(folder) if "unreadable" not in setup else None
    env = _env(home)

    def sop(*args):
        return _sop(*args, env=env, user=user) if subprocess_ else _in_process(*args)

    res = {
        "exp": exp,
        "how": "subprocess" if subprocess_ else "in-process",
        "validate": sop("validate", "--data", folder),
    }
    if exp.get("tables"):
        out = work / "out" / ("subprocess" if subprocess_ else "in-process") / case.name
        res["tables"] = sop("tables", "--data", folder, "--out", out)
        res["out"] = sorted(p.name for p in out.glob("*.csv")) if out.is_dir() else []
    if "unreadable" in setup:
        (folder / setup["unreadable"]).chmod(0o644)
    res["changed"] = before is not None and tree_digest(folder) != before
    return res


def collect(wanted: list[str]) -> dict:
    """{"cases": {case name: results}, "compared": ...} of the cases named in `wanted`: those of
    `through_subprocess` as `sop` subprocesses, two at a time in threads, while the others run
    in-process one after the other in the calling thread; `compared` holds the in-process runs
    of the representatives. Run by conftest's `hostile_cases`."""
    sub = through_subprocess(CASES)
    wanted = set(wanted)
    chosen = [c for c in CASES if c.name in wanted]
    PWNED.unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sop-hostile-"))
    work.chmod(0o755)  # a case run as another user must reach its folder
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {c.name: pool.submit(_run_case, c, work) for c in chosen if c.name in sub}
            done = {c.name: _run_case(c, work, subprocess_=False) for c in chosen if c.name not in sub}
            compared = {
                c.name: _run_case(c, work / "compared", subprocess_=False)
                for c in CASES
                if c.name in sub and not expect(c).get("setup")
            }
            done.update({name: f.result() for name, f in futures.items()})
            return {"cases": done, "compared": compared}
    finally:
        for p in work.rglob("*"):
            if not p.is_symlink() and p.exists():
                p.chmod(stat.S_IRWXU | (p.stat().st_mode & 0o777))
        shutil.rmtree(work, ignore_errors=True)


def wanted_cases(items) -> list[str]:
    """The case names of the selected `test_hostile_case` items (what `collect` runs)."""
    return [
        item.callspec.params["case"].name
        for item in items
        if getattr(item, "originalname", "") == "test_hostile_case" and hasattr(item, "callspec")
    ]


@pytest.fixture(scope="module")
def results(hostile_cases):
    """`collect`'s results of the selected cases (conftest's `hostile_cases`: in the background
    in a whole-suite session, in this process in a pytest-xdist worker)."""
    return hostile_cases


def test_corpus_is_large_and_up_to_date(tmp_path):
    assert len(CASES) >= 80
    spec = importlib.util.spec_from_file_location("make_hostile", STUDIES / "make_hostile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_all(tmp_path)
    assert tree_digest(tmp_path / "hostile") == tree_digest(HOSTILE), (
        "tests/studies/hostile differs from make_hostile.py: run it and commit the result"
    )
    kinds = {expect(c)["exit"] for c in CASES}
    assert kinds == {0, 1}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case, results):
    r = results["cases"][case.name]
    exp, v = r["exp"], r["validate"]
    text = v.stdout + v.stderr
    assert "Traceback" not in text, text
    assert v.returncode == exp["exit"], f"exit {v.returncode}, expected {exp['exit']}:\n{text}"
    for fragment in exp["messages"]:
        assert fragment in text, f"missing {fragment!r} in:\n{text}"
    if exp["exit"] == 1:
        assert v.stdout == ""
    if exp.get("tables"):
        t = r["tables"]
        assert t.returncode == 0, t.stdout + t.stderr
        assert "Traceback" not in t.stderr
        assert "movement_counts.csv" in r["out"] or len(r["out"]) >= 3, r["out"]
    assert not r["changed"], "sop changed the study folder"
    assert not PWNED.exists(), "a payload ran"


def test_in_process_runs_match_the_installed_sop(results):
    """The representatives without special files, run both ways, give the same exit codes and
    reports (the study folder's path is the same; the tables' output folder is not)."""
    cases = results["cases"]
    kinds = {(r["exp"]["exit"], bool(r["exp"].get("tables"))) for r in results["compared"].values()}
    assert {(0, True), (1, False)} <= kinds, kinds
    assert all(cases[name]["how"] == "subprocess" for name in results["compared"] if name in cases)
    for name, mine in results["compared"].items():
        if name not in cases:
            continue
        theirs = cases[name]
        for step in ("validate", "tables"):
            if step not in theirs:
                continue
            a, b = mine[step], theirs[step]
            assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr) or (
                step == "tables"
                and a.returncode == b.returncode
                and a.stderr == b.stderr
                and a.stdout.replace("in-process", "subprocess").replace("/compared/", "/") == b.stdout
            ), f"{name} {step}: in-process {a!r} != subprocess {b!r}"
        assert mine.get("out") == theirs.get("out"), name
