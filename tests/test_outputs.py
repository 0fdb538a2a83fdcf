"""Output folders and output CSVs: `sop` replaces only what it wrote, atomically, safely.

Every `--out` case runs `sop` (HOME and the working folder are temporary folders) and checks
the exit code, the one-line reason and that nothing that was there changed. Most run
`stagesofprogress.cli.main` in this process; a representative few, and every test about the
process itself (concurrent runs, the umask), run the installed `sop` as a subprocess, and
`test_in_process_refusals_match_the_installed_sop` checks that both ways say the same. Then: concurrent runs on one OUT, SIGTERM/SIGINT during `sop book`, the umask, a full
disk, and formula-safe CSV cells.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import pathlib
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import SOP, sop_in_process, tree_digest
from stagesofprogress import outdir
from stagesofprogress.outputs import to_csv_bytes

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "studies" / "good"
STUDY = GOOD / "crlf"
MARK = outdir.MARKER


def _stray(folder: Path) -> list[str]:
    """Temporary or old copies left anywhere under `folder`."""
    return [
        str(p) for p in folder.rglob("*") if ".tmp-" in p.name or ".old-" in p.name or p.name.startswith("sop-book-")
    ]


@pytest.fixture
def scene(tmp_path):
    """tmp/home (HOME), tmp/work (cwd) holding proj/study, a thesis folder, notes.txt ..."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    (home / "diary.txt").write_text("mine\n")
    proj = work / "proj"
    shutil.copytree(STUDY, proj / "study")
    (proj / "study" / "notes.md").write_text("the study's own notes\n")
    (work / "thesis").mkdir(parents=True)
    (work / "thesis" / "thesis.docx").write_bytes(b"four years of work")
    (work / "notes.txt").write_text("a file\n")
    (work / "empty").mkdir()
    (work / "mine").mkdir()
    (work / "mine" / "keep.txt").write_text("keep\n")
    env = {**os.environ, "HOME": str(home)}

    def run(*args, cwd=work, subprocess_=False, **kw):
        """`sop ARGS` from `cwd` with HOME=home: in this process, or the installed `sop`."""
        if not subprocess_:
            assert not kw, kw
            return sop_in_process(*args, cwd=cwd, env={"HOME": home})
        return subprocess.run(
            [str(SOP), *map(str, args)], capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=env, **kw
        )

    return {"tmp": tmp_path, "home": home, "work": work, "proj": proj, "study": proj / "study", "run": run, "env": env}


def _marked(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARK).write_bytes(outdir.MARKER_TEXT)
    return folder


# (name, how to make --out from the scene, expected message); marked forbidden folders prove the
# rule is about the place, not the content
REFUSED = [
    ("thesis", lambda s: s["work"] / "thesis", "already holds files that sop did not write"),
    ("dot", lambda s: ".", "is the folder you are working in"),
    ("dotdot", lambda s: "..", "is the folder you are working in or holds it"),
    ("home", lambda s: _marked(s["home"]), "is your home folder"),
    ("root", lambda s: "/", "is the root of the filesystem"),
    ("study", lambda s: s["study"], "is the study folder"),
    ("study_marked", lambda s: _marked(s["study"]), "is the study folder"),
    ("inside_study", lambda s: s["study"] / "tables", "is inside the study folder"),
    ("holds_study", lambda s: _marked(s["proj"]), "is a folder holding the study"),
    ("file", lambda s: s["work"] / "notes.txt", "is a file, not a folder"),
    ("symlink", lambda s: _link(s["work"] / "link", s["work"] / "empty"), "is a symbolic link"),
    ("symlink_to_marked", lambda s: _link(s["work"] / "link", _marked(s["work"] / "old")), "is a symbolic link"),
    ("dangling_symlink", lambda s: _link(s["work"] / "link", s["work"] / "nowhere"), "is a symbolic link"),
    ("cwd_marked", lambda s: str(_marked(s["work"])), "is the folder you are working in"),
    ("other_files", lambda s: s["work"] / "mine", "already holds files that sop did not write"),
]


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target, target_is_directory=True)
    return link


# these refusals run through the installed `sop` (a subprocess), the others in this process
THROUGH_SUBPROCESS = {"dot", "root", "study", "file"}  # and thesis, home, symlink: both ways below


@pytest.mark.parametrize("name,make,message", REFUSED, ids=[c[0] for c in REFUSED])
def test_tables_refuses_an_out_it_did_not_write(scene, name, make, message):
    out = make(scene)
    before = tree_digest(scene["tmp"])
    listing = sorted(p.name for p in scene["tmp"].rglob("*"))
    root_listing = sorted(os.listdir("/"))
    p = scene["run"]("tables", "--data", scene["study"], "--out", out, subprocess_=name in THROUGH_SUBPROCESS)
    assert p.returncode == 1, p.stdout
    assert message in p.stderr
    assert f"Nothing was written to {out}." in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert tree_digest(scene["tmp"]) == before
    assert sorted(p.name for p in scene["tmp"].rglob("*")) == listing  # no folder made, none removed
    assert sorted(os.listdir("/")) == root_listing


@pytest.mark.parametrize("name", ["thesis", "home", "symlink"])
def test_in_process_refusals_match_the_installed_sop(scene, name):
    """The same refusal, run in this process and as the installed `sop`: same exit code, same words."""
    make = {c[0]: c[1] for c in REFUSED}[name]
    out = make(scene)
    a = scene["run"]("tables", "--data", scene["study"], "--out", out)
    b = scene["run"]("tables", "--data", scene["study"], "--out", out, subprocess_=True)
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
    assert a.returncode == 1


def test_the_papers_folder_of_the_study_is_refused(scene):
    """The default study names `paper: ../paper` (data/paper): it may never be --out."""
    paper = ROOT / "data" / "paper"
    before = tree_digest(paper)
    p = scene["run"]("tables", "--out", paper)
    assert p.returncode == 1
    assert "is the study's paper: folder" in p.stderr and "Traceback" not in p.stderr
    assert tree_digest(paper) == before


def test_paper_folder_is_refused_even_with_a_marker(tmp_path):
    paper = _marked(tmp_path / "paper")
    with pytest.raises(outdir.OutputError, match="paper: folder"):
        outdir.check_out(paper, "tables", study=tmp_path / "study", paper=paper)
    with pytest.raises(outdir.OutputError, match="paper: folder"):
        outdir.check_out(paper / "sub", "tables", study=tmp_path / "study", paper=paper)


@pytest.mark.parametrize("case", ["empty", "marked", "nested", "old_book_marker"])
def test_tables_writes_where_it_may(scene, case):
    work = scene["work"]
    out = {
        "empty": work / "empty",
        "marked": work / "prev",
        "nested": work / "a" / "b" / "c",
        "old_book_marker": work / "oldbook",
    }[case]
    if case == "marked":
        assert scene["run"]("tables", "--data", scene["study"], "--out", out).returncode == 0
        (out / "stale.csv").write_text("from before\n")
    if case == "old_book_marker":  # the marker of books written by earlier versions
        out.mkdir()
        (out / ".sop-book").write_text("old marker\n")
        (out / "index.html").write_text("old book\n")
    p = scene["run"]("tables", "--data", scene["study"], "--out", out)
    assert p.returncode == 0, p.stderr
    names = sorted(os.listdir(out))
    assert MARK in names and "movements.csv" in names
    assert "stale.csv" not in names and "index.html" not in names  # replaced whole, not merged
    assert (out / MARK).read_bytes() == outdir.MARKER_TEXT
    assert _stray(scene["tmp"]) == []
    assert (scene["study"] / "notes.md").exists()


def test_an_io_failure_on_the_way_is_a_plain_message(scene):
    """--out below a file: mkdir fails (ENOTDIR): one plain sentence, exit 1, nothing made."""
    before = tree_digest(scene["tmp"])
    p = scene["run"]("tables", "--data", scene["study"], "--out", scene["work"] / "notes.txt" / "out")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "Could not" in p.stderr and "Not a directory" in p.stderr
    assert tree_digest(scene["tmp"]) == before and _stray(scene["tmp"]) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_parent_is_a_plain_message(scene):
    parent = scene["work"] / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        p = scene["run"]("tables", "--data", scene["study"], "--out", parent / "out")
        assert p.returncode == 1 and "Traceback" not in p.stderr and "Permission denied" in p.stderr
        assert os.listdir(parent) == []
    finally:
        parent.chmod(0o755)


def test_simulate_and_replica_refuse_too(scene):
    before = tree_digest(scene["tmp"])
    for args in (["simulate", "--households", "50"], ["replica"]):
        for out in (".", scene["work"] / "thesis", scene["home"]):
            p = scene["run"](*args, "--out", out, subprocess_=out == "." and args[0] == "simulate")  # one by `sop`
            assert p.returncode == 1 and "Nothing was written" in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert tree_digest(scene["tmp"]) == before


def test_book_refuses_the_study_and_a_thesis(scene):
    before = tree_digest(scene["tmp"])
    for out, message in ((scene["study"], "is the study folder"), (scene["work"] / "thesis", "did not write")):
        p = scene["run"]("book", "--data", scene["study"], "--out", out, "--quiet")
        assert p.returncode == 1 and message in p.stderr and "Traceback" not in p.stderr
    assert tree_digest(scene["tmp"]) == before


def test_datapackage_replaces_only_its_own_file(scene):
    study = scene["study"]
    (study / "datapackage.json").write_text('{"my": "own descriptor"}\n')
    before = tree_digest(study)
    p = scene["run"]("datapackage", "--data", study)
    assert p.returncode == 1 and "was not written by sop" in p.stderr and "Traceback" not in p.stderr
    assert tree_digest(study) == before
    (study / "datapackage.json").unlink()
    assert scene["run"]("datapackage", "--data", study).returncode == 0
    assert scene["run"]("datapackage", "--data", study).returncode == 0  # its own file: replaced
    assert sorted(p.name for p in study.iterdir() if p.name.startswith(".")) == []


# --------------------------------------------------------------------------- concurrency, umask, disk


def test_concurrent_runs_on_one_out_all_finish_with_one_complete_output(scene):
    out = scene["work"] / "shared"
    study = GOOD / "four_time_points"
    ref = scene["work"] / "ref"
    assert scene["run"]("tables", "--data", study, "--out", ref).returncode == 0  # (in this process)
    expected = tree_digest(ref)
    for _round in range(2):
        procs = [
            subprocess.Popen(
                [str(SOP), "tables", "--data", str(study), "--out", str(out)],
                cwd=scene["work"],
                env=scene["env"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        for rc, _stdout, err in results:
            assert rc == 0 and "Traceback" not in err, err
        assert tree_digest(out) == expected
        assert _stray(scene["work"]) == []
        assert sorted(os.listdir(scene["work"])) == sorted(
            ["shared", "ref", "thesis", "notes.txt", "empty", "mine", "proj"]
        )


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_output_follows_the_umask(scene, umask):
    out = scene["work"] / "u"
    p = scene["run"](
        "tables", "--data", scene["study"], "--out", out, subprocess_=True, preexec_fn=lambda: os.umask(umask)
    )
    assert p.returncode == 0, p.stderr
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    for f in out.iterdir():
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask, f


def test_a_full_disk_leaves_the_previous_output(tmp_path, sop_main, monkeypatch):
    out = tmp_path / "out"
    assert sop_main("tables", "--data", STUDY, "--out", out)[0] == 0
    before = tree_digest(out)
    real = pathlib.Path.write_bytes

    def full(self, data):
        if ".tmp-" in str(self) and self.name == "movements.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    code, _stdout, err = sop_main("tables", "--data", GOOD / "four_time_points", "--out", out)
    assert code == 1
    assert "No space left on device" in err and "Traceback" not in err
    assert f"Nothing was written to {out}" in err
    assert tree_digest(out) == before
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_failed_swap_puts_the_old_output_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    outdir.write_folder(out, {"a.csv": b"1\n"}, "tables")
    before = tree_digest(out)
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the new folder into place
            raise OSError(errno.EIO, "I/O error", str(dst))
        return real(src, dst)

    monkeypatch.setattr(outdir.os, "replace", failing)
    with pytest.raises(OSError):
        outdir.write_folder(out, {"b.csv": b"2\n"}, "tables")
    assert tree_digest(out) == before and sorted(os.listdir(tmp_path)) == ["out"]


# --------------------------------------------------------------------------- interrupting sop book

TOY_CONFIG = """\
title: Toy
exclude_patterns: [_build, ".*"]
only_build_toc_files: true
execute: {execute_notebooks: force, raise_on_error: true}
"""
SLOW_CHAPTER = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# Slow %d

```{code-cell} ipython3
:tags: [parameters]
study_dir = "../data/example"
```

```{code-cell} ipython3
import time
time.sleep(300)
```
"""


def _kernels(pid: int):
    import psutil

    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return [], []
    kernels = []
    for k in kids:
        try:
            if "ipykernel" in " ".join(k.cmdline()):
                kernels.append(k)
        except psutil.Error:
            pass
    return kids, kernels


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupting_sop_book_cleans_up(tmp_path, sig):
    import psutil

    book = tmp_path / "src"
    (book / "chapters").mkdir(parents=True)
    (book / "_config.yml").write_text(TOY_CONFIG)
    toc = {"format": "jb-book", "root": "chapters/slow1", "chapters": [{"file": "chapters/slow2"}]}
    (book / "_toc.yml").write_text(yaml.safe_dump(toc))
    for i in (1, 2):
        (book / "chapters" / f"slow{i}.md").write_text(SLOW_CHAPTER % i)
    scratch, home, work = tmp_path / "tmp", tmp_path / "home", tmp_path / "work"
    for d in (scratch, home, work):
        d.mkdir()
    out = work / "book"
    _marked(out)
    (out / "index.html").write_text("an earlier book\n")
    before = tree_digest(out)
    env = {**os.environ, "TMPDIR": str(scratch), "HOME": str(home), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for var in ("IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "MPLCONFIGDIR"):
        env[var] = str(home / var.lower())
    proc = subprocess.Popen(
        [str(SOP), "book", "--data", str(STUDY), "--out", str(out), "--book", str(book), "--jobs", "2", "--quiet"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        kids, kernels = [], []
        while time.monotonic() < deadline and proc.poll() is None:
            kids, kernels = _kernels(proc.pid)
            if len(kernels) >= 1:
                break
            time.sleep(0.5)
        assert kernels, f"no kernel started: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
        time.sleep(2)  # let the kernels get into the sleeping cell
        kids, kernels = _kernels(proc.pid)
        proc.send_signal(sig)
        rc = proc.wait(timeout=120)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 128 + sig, err
    assert "Interrupted" in err and "Traceback" not in err
    _gone, alive = psutil.wait_procs(kids, timeout=15)
    assert [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    assert os.listdir(scratch) == []  # the build folder went
    assert sorted(os.listdir(work)) == ["book"]  # no staged copy beside OUT
    assert tree_digest(out) == before


# --------------------------------------------------------------------------- CSV injection


def test_formula_cells_are_neutralised_and_numbers_are_not():
    df = pd.DataFrame(
        {
            "label": ['=HYPERLINK("x")', "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@x", "\tt", "\rr", "plain", "-1.5"],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "count": [-1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    raw = to_csv_bytes(df).decode("utf-8")
    assert "\n'\rr," in raw  # (a bare CR is not quoted by the csv module; csv.reader would split there)
    rows = list(csv.reader(io.StringIO(raw.replace("\r", "<CR>"), newline="")))
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("x")',
        "'+SUM(A1)",
        "'-2+3+cmd|' /C calc'!A0",
        "'@x",
        "'\tt",
        "'<CR>r",
        "plain",
        "-1.5",
    ]
    assert [r[1] for r in rows[1:3]] == ["-1.5", "2.0"] and rows[1][2] == "-1"
    assert to_csv_bytes(pd.DataFrame({"=x": [1]})).startswith(b"'=x\n")  # a header too
    safe = pd.DataFrame({"a": ["x", "y"], "b": [-1.0, 1.0]})
    assert to_csv_bytes(safe) == safe.to_csv(index=False, lineterminator="\n").encode()  # unchanged otherwise


def test_a_formula_reason_label_lands_neutralised_in_reason_shares(tmp_path):
    from stagesofprogress.simulation import simulate

    study = tmp_path / "s"
    simulate(study, households=200, with_reasons=True, sample_share=0.5)
    meta = yaml.safe_load((study / "study.yml").read_text(encoding="utf-8"))
    code = next(iter(meta["reasons"]))
    meta["reasons"][code] = '=HYPERLINK("x")'
    (study / "study.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    p = sop_in_process("tables", "--data", study, "--out", out)
    assert p.returncode == 0, p.stderr
    t = pd.read_csv(out / "reason_shares.csv", keep_default_na=False)
    text = [c for c in t.columns if t[c].astype(str).str.contains("HYPERLINK").any()]
    assert text, t.head()
    cells = set(t[text[0]][t[text[0]].astype(str).str.contains("HYPERLINK")])
    assert cells == {'\'=HYPERLINK("x")'}
    numeric = t.select_dtypes("number")
    assert len(numeric.columns) >= 1  # the shares are still numbers
    assert not any(str(v).startswith("'") for v in t.drop(columns=text).astype(str).to_numpy().ravel())
