"""`sop book`: re-run the whole book on any study and write it, with every table, into OUT.

1. The study is validated first; a broken study stops everything before anything is written.
2. The book sources (`_config.yml`, `_toc.yml`, `references.bib`, `chapters/` and any other
   page the table of contents names) are copied into a temporary folder.
3. Every MyST notebook page of the table of contents is read with jupytext and executed with
   papermill, `study_dir` injected as a parameter, cwd = the page's folder; the executed
   `.ipynb` replaces the `.md`. Chapters run in parallel across `jobs` processes.
4. The copied `_config.yml` gets the study's title and `execute_notebooks: "off"` (the notebooks
   already hold their outputs, glued values included), then `jupyter-book build -W -n
   --keep-going` turns them into HTML.
5. The HTML plus `tables/` (every CSV of `sop tables`) are swapped into OUT in one rename.
   OUT must be new, empty or an earlier output of sop (`outdir.check_out`); SIGINT/SIGTERM
   stop the chapter workers and their kernels and remove every temporary folder.

Any failure (invalid study, a chapter's cell raising, a Sphinx warning) raises `BookError`
with a message naming the cause, and leaves OUT untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import outdir
from .study import StudyError, validate

BOOK_ROOT = Path(__file__).resolve().parents[2]
BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")
BOOK_DIRS = ("chapters", "_static", "_ext", "images", "figures")
_IGNORE = shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__", ".jupyter_cache", ".*")


class BookError(RuntimeError):
    """The book could not be built; the message says which step failed and why."""


@dataclass
class ChapterRun:
    name: str  # path relative to the book root, without extension (as in _toc.yml)
    seconds: float
    error: str | None = None


@dataclass
class BookResult:
    out: Path
    title: str
    pages: int
    chapters: list[ChapterRun]
    tables: list[str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def first_page(self) -> Path:
        """The first page of the book (OUT/index.html is only a redirect to it)."""
        index = self.out / "index.html"
        if index.exists():
            m = re.search(r'url=([^"\']+)"', index.read_text(encoding="utf-8", errors="replace"))
            if m and (self.out / m.group(1)).exists():
                return self.out / m.group(1)
        return index


# --------------------------------------------------------------------------- sources


def toc_entries(toc: dict) -> list[str]:
    """Every `file:`/`root:` of a Jupyter Book table of contents, in reading order (shared by
    `sop book`, scripts/build_book.py and the book tests)."""
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    out.append(node[key])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return out


def _rewrite_toc(node, renamed: dict[str, str]):
    if isinstance(node, dict):
        new = {}
        for k, v in node.items():
            if k in ("root", "file") and isinstance(v, str) and v in renamed:
                new[k] = renamed[v]
            else:
                new[k] = _rewrite_toc(v, renamed)
        return new
    if isinstance(node, list):
        return [_rewrite_toc(v, renamed) for v in node]
    return node


def _resolve(root: Path, entry: str) -> Path | None:
    p = root / entry
    if p.suffix in (".md", ".ipynb") and p.exists():
        return p
    for ext in (".md", ".ipynb"):
        q = p.with_name(p.name + ext)
        if q.exists():
            return q
    return None


def _is_notebook_md(path: Path) -> bool:
    """A MyST notebook: a .md whose front matter declares a kernel (jupytext / myst-nb)."""
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:3000]
    if not head.startswith("---"):
        return False
    end = head.find("\n---", 3)
    front = head[3:end] if end > 0 else head
    return "kernelspec" in front or "format_name: myst" in front


def copy_sources(src: Path, dst: Path) -> list[str]:
    """Copy the book sources into `dst`; return the toc entries."""
    missing = [f for f in ("_config.yml", "_toc.yml") if not (src / f).is_file()]
    if missing:
        raise BookError(f"No book sources at {src}: {', '.join(missing)} not found.")
    for name in BOOK_FILES:
        if (src / name).is_file():
            shutil.copy2(src / name, dst / name)
    for name in BOOK_DIRS:
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, ignore=_IGNORE)
    toc = yaml.safe_load((src / "_toc.yml").read_text(encoding="utf-8"))
    entries = toc_entries(toc)
    for entry in entries:  # pages outside the copied folders (e.g. a root intro.md)
        p = _resolve(src, entry)
        if p is None:
            raise BookError(f"_toc.yml names '{entry}', but {src} has no {entry}.md or {entry}.ipynb.")
        target = dst / p.relative_to(src)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, target)
    return entries


def configure(dst: Path, title: str) -> None:
    """Book title = study title; no execution at build time (notebooks are executed already).

    The theme pastes the title into its page templates without escaping it everywhere (the
    navigation bar and a logo's ``alt="..."`` do not), so ``& < > "`` are written as HTML
    entities: the title reads as typed in the page and can never become markup or leave an
    attribute; the browser tab, which the templates escape again, shows those four entities.
    """
    from . import safetext

    cfg_path = dst / "_config.yml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    cfg["title"] = safetext.html(title).replace("&#x27;", "'")  # an apostrophe is harmless in "..."
    execute = cfg.get("execute") or {}
    execute["execute_notebooks"] = "off"
    cfg["execute"] = execute
    excl = list(cfg.get("exclude_patterns") or [])
    for pat in ("_build", ".*", "**.ipynb_checkpoints", "**/_exercises/*", "**/templates/*"):
        if pat not in excl:
            excl.append(pat)
    cfg["exclude_patterns"] = excl
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")


# --------------------------------------------------------------------------- execution


def _execute_one(md: str, ipynb: str, study_dir: str, timeout: int | None, shown_dir: str | None = None
                 ) -> tuple[float, str | None]:
    """Run one chapter (in a worker process). Returns (seconds, error message or None)."""
    import warnings

    warnings.filterwarnings("ignore")
    # The kernel inherits this worker's stderr and chats there (e.g. IPKernelApp's TCP notice):
    # keep the user's terminal for the progress bar and our own messages.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    import jupytext
    import papermill as pm

    t0 = time.perf_counter()
    nb = jupytext.read(md)
    try:
        pm.execute_notebook(
            nb,
            ipynb,
            parameters={"study_dir": study_dir},
            cwd=str(Path(md).parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
        )
    except pm.PapermillExecutionError as e:
        where = f"cell {e.exec_count}" if e.exec_count else f"cell #{e.cell_index + 1}"
        src = _cell_source(ipynb, e.cell_index)
        msg = f"{where} raised {e.ename}: {e.evalue}"
        if src:
            msg += "\n    cell begins: " + src
        return time.perf_counter() - t0, msg
    except Exception as e:  # kernel died, timeout, missing kernel ...
        return time.perf_counter() - t0, f"{type(e).__name__}: {e}"
    _hide_injected(ipynb, shown_dir, study_dir=study_dir, cwd=str(Path(md).parent))
    return time.perf_counter() - t0, None


def _cell_source(ipynb: str, index: int) -> str:
    try:
        import nbformat

        nb = nbformat.read(ipynb, as_version=4)
        lines = [l for l in nb.cells[index].source.splitlines() if l.strip() and not l.startswith("#")]
        return lines[0][:120] if lines else ""
    except Exception:
        return ""


def neutral_study_name(shown_dir: str | None, study_dir: str | None = None) -> str:
    """How the book's sources name the study folder: as typed when relative, by its name when absolute."""
    shown = shown_dir if shown_dir is not None else (study_dir or "")
    p = Path(shown)
    if not shown or p.is_absolute() or p.as_posix().startswith("~"):
        return Path(shown or study_dir or "study").name or "study"
    return p.as_posix()


def _scrub_paths(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old and old not in ("/", "."):
            text = text.replace(old, new)
    return text


def _merge_streams(outputs: list) -> list:
    """Consecutive stdout (or stderr) outputs as one: how a print is split depends on timing."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream"
                and prev.get("name") == out.get("name")):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def _hide_injected(ipynb: str, shown_dir: str | None = None, *, study_dir: str | None = None,
                   cwd: str | None = None) -> None:
    """Make an executed chapter relocatable and identical on every build of the same inputs.

    papermill's `injected-parameters` cell holds a machine path: it is dropped, and the chapter's
    own parameters cell names the study folder as the user typed it (or, for an absolute path,
    by the folder's name). Execution timestamps, durations and papermill's record of the run
    (paths, environment) are removed, cell ids are numbered, and any remaining mention of the
    study's absolute path or of the temporary build folder is replaced by a neutral one.
    """
    import json

    import nbformat

    nb = nbformat.read(ipynb, as_version=4)
    shown = neutral_study_name(shown_dir, study_dir)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if "parameters" in tags and cell.cell_type == "code":
            cell.source = re.sub(r"(?m)^(study_dir\s*=\s*).*$", lambda m: m.group(1) + repr(shown), cell.source)
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
        cells.append(cell)
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    nbformat.validate(nb)
    text = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    reps = []
    for folder, name in ((study_dir, shown), (cwd, ".")):
        if folder:
            for variant in {str(Path(folder).resolve()), str(Path(folder).absolute()), str(folder)}:
                if Path(variant).is_absolute():
                    # inside a JSON string: a path is written with "/" unchanged
                    reps.append((json.dumps(variant)[1:-1], json.dumps(name)[1:-1]))
    tmp = json.dumps(str(Path(tempfile.gettempdir()).resolve()))[1:-1]
    text = _scrub_paths(text, sorted(reps, key=lambda r: -len(r[0])))
    text = re.sub(re.escape(tmp) + r"/sop-book-[A-Za-z0-9_]+", ".", text)
    Path(ipynb).write_text(text, encoding="utf-8")


def _worker_init(scratch: str) -> None:
    """In a chapter worker: Ctrl-C is the parent's to handle (it stops the workers itself), and
    temporary files (the kernels' connection files) go into the build folder, which is removed
    whatever happens, even when a killed kernel cannot remove its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch


def stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Stop a process pool at once: cancel what has not started, terminate every worker and
    every process a worker started (the Jupyter kernels, which run in sessions of their own),
    kill what is still alive after `grace` seconds."""
    import psutil

    procs: list[psutil.Process] = []
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            p = psutil.Process(proc.pid)
            procs += [*p.children(recursive=True), p]
        except psutil.Error:
            continue
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


def execute_chapters(
    book: Path, entries: list[str], study_dir: Path, jobs: int = 2, progress: bool = True, timeout: int | None = 600,
    shown_dir: str | None = None,
) -> tuple[list[ChapterRun], dict[str, str]]:
    """Execute every MyST-notebook page of the toc in `book`; return runs and toc renames."""
    todo = []
    for entry in entries:
        p = _resolve(book, entry)
        if p is not None and _is_notebook_md(p):
            todo.append((entry, p, p.with_suffix(".ipynb")))
    runs: dict[str, ChapterRun] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="Running chapters", unit="chapter", file=sys.stderr, leave=True,
                   bar_format="{desc:<44} {n_fmt}/{total_fmt} |{bar:20}| {elapsed}")

    def done(entry, secs, err):
        runs[entry] = ChapterRun(entry, secs, err)
        if bar is not None:
            bar.set_description_str(f"{Path(entry).name}: {'FAILED' if err else 'done'} in {secs:.1f} s")
            bar.update(1)

    sd = str(Path(study_dir).resolve())
    try:
        if todo:
            import multiprocessing as mp

            # worker processes even for jobs=1: each silences its own stderr (see _execute_one);
            # spawn, not fork: no inherited zmq/asyncio state
            ctx = mp.get_context("spawn")
            scratch = Path(book) / ".scratch"  # hidden: Sphinx excludes ".*"
            scratch.mkdir(exist_ok=True)
            pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=ctx,
                                       initializer=_worker_init, initargs=(str(scratch),))
            try:
                futs = {pool.submit(_execute_one, str(md), str(nbp), sd, timeout, shown_dir): entry for entry, md, nbp in todo}
                for f in as_completed(futs):
                    done(futs[f], *f.result())
            except BaseException as e:  # an interrupt, or a worker that died: stop every worker and kernel now
                stop_pool(pool)
                if isinstance(e, BrokenProcessPool):
                    raise BookError("A chapter worker process died (killed, or out of memory); no chapter "
                                    "result was kept.") from None
                raise
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()
    ordered = [runs[e] for e, _m, _n in todo]
    failed = [r for r in ordered if r.error]
    if failed:
        lines = [f"{len(failed)} chapter{'s' if len(failed) != 1 else ''} failed on this study:"]
        for r in failed:
            lines.append(f"  - {r.name}: {r.error}")
        raise BookError("\n".join(lines))
    renamed = {}
    relink(book, {md for _e, md, _n in todo})
    for entry, md, nbp in todo:
        md.unlink()
        if entry.endswith(".md"):
            renamed[entry] = entry[:-3]
    return ordered, renamed


_MD_LINK = re.compile(r"(\]\()([^)\s#]+?)\.md((?:#[^)\s]*)?\))")


def _relink_text(text: str, here: Path, converted: set[Path]) -> str:
    """`[text](page.md)` -> `[text](page.ipynb)` when page.md became an executed notebook."""

    def sub(m):
        target = (here / (m.group(2) + ".md")).resolve()
        return f"{m.group(1)}{m.group(2)}.ipynb{m.group(3)}" if target in converted else m.group(0)

    return _MD_LINK.sub(sub, text)


def relink(book: Path, converted: set[Path]) -> None:
    """Links written to a chapter's .md file would dangle once the .md is replaced by its
    executed .ipynb: point them at the notebook, in prose and in Markdown the code displayed."""
    import nbformat

    converted = {p.resolve() for p in converted}
    for path in sorted(book.rglob("*")):
        if "_build" in path.parts or not path.is_file():
            continue
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            new = _relink_text(text, path.parent, converted)
            if new != text:
                path.write_text(new, encoding="utf-8")
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            changed = False
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    new = _relink_text(cell.source, path.parent, converted)
                    changed |= new != cell.source
                    cell.source = new
                for out in cell.get("outputs", []):
                    data = out.get("data", {})
                    if "text/markdown" in data:
                        md = data["text/markdown"]
                        md = "".join(md) if isinstance(md, list) else md
                        new = _relink_text(md, path.parent, converted)
                        changed |= new != md
                        data["text/markdown"] = new
            if changed:
                nbformat.write(nb, path)


# --------------------------------------------------------------------------- build


def _jupyter_book() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    return [sys.executable, "-m", "jupyter_book"]


def build_html(book: Path) -> Path:
    cmd = [*_jupyter_book(), "build", str(book), "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=book)
    html = book / "_build" / "html"
    if proc.returncode != 0 or not html.is_dir():
        text = re.sub(r"\x1b\[[0-9;]*m", "", (proc.stdout or "") + (proc.stderr or ""))
        lines = [l for l in text.splitlines() if "WARNING" in l or "ERROR" in l or "Error" in l]
        tail = "\n".join(f"    {l.replace(str(book) + os.sep, '')}" for l in (lines or text.splitlines())[-15:])
        raise BookError(f"jupyter-book build failed (exit {proc.returncode}):\n{tail}")
    return html


MARKER = outdir.MARKER  # left in OUT by every `sop book` (and by every other command that writes a folder)


def build_book(
    data: str | Path,
    out: str | Path,
    *,
    book: str | Path | None = None,
    jobs: int = 2,
    progress: bool = True,
    timeout: int | None = 600,
    keep_temp: bool = False,
) -> BookResult:
    """Execute every chapter on the study in `data` and write the HTML book and tables to `out`.

    Raises `StudyError` if the study is invalid, `outdir.OutputError` if `out` is a folder sop
    must not replace, and `BookError` if a chapter or the build fails; in every case (and on an
    I/O error or an interrupt) `out` is left as it was.
    """
    from .outputs import write_tables

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    data, out = Path(data), Path(out)
    src = Path(book) if book is not None else BOOK_ROOT
    problems, study = validate(data)
    if problems:
        raise StudyError(problems, data)
    timings["validate"] = time.perf_counter() - t0

    out_abs = outdir.check_out(out, "book", study=data, paper=outdir.paper_folder(study))
    work = Path(tempfile.mkdtemp(prefix="sop-book-"))
    try:
        with outdir.staging(out_abs, "book", checked=True) as staged:
            entries = copy_sources(src, work)
            t = time.perf_counter()
            runs, renamed = execute_chapters(work, entries, data, jobs=jobs, progress=progress, timeout=timeout,
                                             shown_dir=data.as_posix())
            timings["execute"] = time.perf_counter() - t
            if renamed:
                toc = yaml.safe_load((work / "_toc.yml").read_text(encoding="utf-8"))
                (work / "_toc.yml").write_text(yaml.safe_dump(_rewrite_toc(toc, renamed), sort_keys=False), encoding="utf-8")
            configure(work, study.title)
            t = time.perf_counter()
            if progress:
                print("Building the HTML book ...", file=sys.stderr, flush=True)
            html = build_html(work)
            timings["build"] = time.perf_counter() - t
            t = time.perf_counter()
            shutil.copytree(html, staged, dirs_exist_ok=True)
            tables = write_tables(study, staged / "tables")
            timings["tables"] = time.perf_counter() - t
            pages = sum(
                1 for p in staged.rglob("*.html")
                if p.name not in ("genindex.html", "search.html", "index.html") and "tables" not in p.parts
                and "_static" not in p.parts and "_sources" not in p.parts
            )
    finally:
        if not keep_temp:
            shutil.rmtree(work, ignore_errors=True)
    return BookResult(
        out=out_abs,
        title=study.title,
        pages=pages,
        chapters=runs,
        tables=sorted(tables),
        seconds=time.perf_counter() - t0,
        timings=timings,
    )


# --------------------------------------------------------------------------- command line


def _fmt_seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 90 else f"{int(s // 60)} min {s % 60:.0f} s"


def cmd_book(args) -> int:
    """`sop book`: print every problem / the failing chapter and return 1, or a summary and 0."""
    out = Path(args.out)
    try:
        result = build_book(args.data, out, book=args.book, jobs=args.jobs, progress=not args.quiet,
                            timeout=args.timeout)
    except StudyError as e:
        n = len(e.problems)
        print(f"{args.data}: {n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
        for p in e.problems:
            print(f"  - {p}", file=sys.stderr)
        print(f"Nothing was written to {out}. Fix the study, then check it with: sop validate --data {args.data}",
              file=sys.stderr)
        return 1
    except BookError as e:
        print(str(e), file=sys.stderr)
        print(f"Nothing was written to {out}.", file=sys.stderr)
        return 1
    first = result.first_page
    print(f"Book: {result.title}")
    print(f"  {result.pages} pages from {len(result.chapters)} executed chapters, built in "
          f"{_fmt_seconds(result.seconds)} (chapters {_fmt_seconds(result.timings.get('execute', 0))}, "
          f"HTML {_fmt_seconds(result.timings.get('build', 0))})")
    print(f"  open:   {first}")
    print(f"  tables: {result.out / 'tables'} ({len(result.tables)} CSV files)")
    return 0


def add_parser(sub) -> None:
    """Register `sop book` on the subparsers of the `sop` command."""
    b = sub.add_parser(
        "book",
        help="re-run every chapter on a study and write the HTML book and its tables",
        description="Validate the study, execute every chapter on it (papermill, study_dir injected), "
        "build the HTML book titled after the study, and write it with every table as CSV into OUT "
        "(replaced in one step; left untouched on any failure).",
    )
    b.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    b.add_argument("--out", type=Path, default=Path("book"), help="folder for the HTML book and tables/ (default: ./book)")
    b.add_argument("--jobs", type=int, default=2, help="chapters executed in parallel (default: 2)")
    b.add_argument("--timeout", type=int, default=600, help="seconds a single cell may run (default: 600)")
    b.add_argument("--book", type=Path, default=None, help=argparse_suppress())
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_book)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
