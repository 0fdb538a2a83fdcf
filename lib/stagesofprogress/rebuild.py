"""`sop book`: re-run the whole book on any study and write it, with every table, into OUT.

1. The study is validated first; a broken study stops everything before anything is written.
2. The book sources (`_config.yml`, `_toc.yml`, `references.bib`, `chapters/` and any other
   page the table of contents names) are copied into a temporary folder, without the sections
   whose ``% sop:requires`` marker the study does not meet (`sections`; a chapter with nothing
   left becomes one paragraph saying what it would need).
3. Every MyST notebook page of the table of contents is executed by `execute.execute` (the
   book's one executor: jupytext, papermill, `study_dir` injected as a parameter, cwd = the
   page's folder, `jobs` chapters in parallel); the executed, tidied `.ipynb` replaces the `.md`.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import outdir, resources
from .execute import (  # noqa: F401  (_hide_injected, _merge_streams, neutral_study_name: also used by the tests)
    Chapter,
    ChapterRun,
    ExecutionError,
    _merge_streams,
    execute,
    neutral_study_name,
)
from .execute import tidy_notebook as _hide_injected  # noqa: F401
from .study import Study, StudyError, validate

if TYPE_CHECKING:  # annotations only
    import argparse

__all__ = [
    "BOOK_ROOT",
    "BookError",
    "BookResult",
    "build_book",
    "build_html",
    "configure",
    "copy_sources",
    "drop_missing_sections",
    "execute_chapters",
    "leave_out_library_pages",
    "relink",
    "toc_entries",
]

BOOK_ROOT = resources.path("_toc.yml", check=False).parent  # the book sources, in a checkout or a wheel
BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")
BOOK_DIRS = ("chapters", "_static", "_ext", "images", "figures")
_IGNORE = shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__", ".jupyter_cache", ".*")
#: Pages that document the library, not a study: the same for every study (the published book has
#: them), so the book `sop book` builds for one study leaves them out. The API reference's autodoc
#: pass was about half of the time Sphinx spent on a study's book.
LIBRARY_PAGES = ("chapters/api",)


class BookError(RuntimeError):
    """The book could not be built; the message says which step failed and why."""


@dataclass
class BookResult:
    out: Path
    title: str
    pages: int
    chapters: list[ChapterRun]
    tables: list[str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)  # toc entry -> sections the study lacks

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
    """Every ``file:``/``root:`` of a Jupyter Book table of contents, in reading order.

    Shared by ``sop book``, scripts/build_book.py and the book tests.

    Parameters
    ----------
    toc : dict
        _toc.yml as parsed.

    Returns
    -------
    list of str
        The entries as written (paths without their suffix, relative to the book).
    """
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
    """Copy the book sources (configuration, chapters, static files, extensions) into `dst`.

    Parameters
    ----------
    src : pathlib.Path
        The book's folder (with _config.yml and _toc.yml).
    dst : pathlib.Path
        The working folder of the build.

    Returns
    -------
    list of str
        The toc entries (`toc_entries`).

    Raises
    ------
    BookError
        When `src` has no _config.yml or _toc.yml.
    """
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


def _drop_toc_entries(node, drop: set[str]):
    if isinstance(node, dict):
        return {k: _drop_toc_entries(v, drop) for k, v in node.items()}
    if isinstance(node, list):
        return [_drop_toc_entries(v, drop) for v in node if not (isinstance(v, dict) and v.get("file") in drop)]
    return node


def leave_out_library_pages(dst: Path, entries: list[str]) -> list[str]:
    """Take the `LIBRARY_PAGES` out of a study's book: out of its _toc.yml and its copied sources.

    Parameters
    ----------
    dst : pathlib.Path
        The working folder of the build (`copy_sources` wrote it).
    entries : list of str
        The toc entries.

    Returns
    -------
    list of str
        The entries left.
    """
    drop = {e for e in entries if e in LIBRARY_PAGES}
    if not drop:
        return entries
    toc = yaml.safe_load((dst / "_toc.yml").read_text(encoding="utf-8"))
    (dst / "_toc.yml").write_text(yaml.safe_dump(_drop_toc_entries(toc, drop), sort_keys=False), encoding="utf-8")
    for entry in drop:
        page = _resolve(dst, entry)
        if page is not None:
            page.unlink()  # a copy in the build's own working folder
    return [e for e in entries if e not in drop]


def configure(dst: Path, title: str) -> None:
    """Set the book's title to the study's and turn off execution at build time (chapters run first).

    The theme pastes the title into its page templates without escaping it everywhere (the
    navigation bar and a logo's ``alt="..."`` do not), so ``& < > "`` are written as HTML
    entities: the title reads as typed in the page and can never become markup or leave an
    attribute; the browser tab, which the templates escape again, shows those four entities.

    Parameters
    ----------
    dst : pathlib.Path
        The working folder of the build; its _config.yml is rewritten.
    title : str
        The study's title (study text).
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


def drop_missing_sections(book: Path, entries: list[str], study: Study) -> dict[str, list[str]]:
    """Drop from the copied chapters every section the study lacks the data for (`sections`).

    Each MyST page of the toc is read (our own sources, never a study's file); a section whose
    ``% sop:requires`` marker the study does not meet is removed, and a chapter whose title's
    marker it does not meet becomes a one-paragraph page saying what it would need.

    Parameters
    ----------
    book : pathlib.Path
        The working folder of the build; pages are rewritten in place.
    entries : list of str
        The toc entries (`toc_entries`).
    study : Study
        The study the book is built for.

    Returns
    -------
    dict of str to list of str
        Toc entry to the titles of the sections dropped from it (only pages that lost some).

    Raises
    ------
    BookError
        When a marker names neither a table nor a condition.
    """
    from . import sections

    out: dict[str, list[str]] = {}
    for entry in entries:
        p = _resolve(book, entry)
        if p is None or p.suffix != ".md":
            continue
        text = p.read_text(encoding="utf-8")
        try:
            new, dropped = sections.prepare_chapter(text, study)
        except ValueError as e:
            raise BookError(f"{entry}: {e}") from None
        if dropped:
            p.write_text(new, encoding="utf-8")
            out[entry] = [s.title for s in dropped]
    return out


# --------------------------------------------------------------------------- execution


def execute_chapters(
    book: Path,
    entries: list[str],
    study_dir: Path,
    jobs: int = 2,
    progress: bool = True,
    timeout: int | None = 600,
    shown_dir: str | None = None,
) -> tuple[list[ChapterRun], dict[str, str]]:
    """Execute every MyST-notebook page of the toc on the study and replace it by its executed notebook.

    Chapters run through `execute.execute` with `study_dir` injected, `jobs` at a time.

    Parameters
    ----------
    book : pathlib.Path
        The working folder of the build.
    entries : list of str
        The toc entries (`toc_entries`).
    study_dir : pathlib.Path
        The study folder the chapters read.
    jobs : int
        Chapters executed in parallel.
    progress : bool
        Show a progress bar.
    timeout : int or None
        Seconds a single cell may run; ``None`` for no limit.
    shown_dir : str, optional
        The study folder as the user typed it, for the executed notebooks.

    Returns
    -------
    runs : list of ChapterRun
        One per chapter executed, in toc order.
    renames : dict of str to str
        Toc entry to its executed notebook's entry.

    Raises
    ------
    BookError
        When a chapter fails; the message names it and its error.
    """
    todo = []
    sd = str(Path(study_dir).resolve())
    for entry in entries:
        p = _resolve(book, entry)
        if p is not None and _is_notebook_md(p):
            todo.append(Chapter(entry, p, p.with_suffix(".ipynb"), {"study_dir": sd}, shown_dir))
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(
            total=len(todo),
            desc="Running chapters",
            unit="chapter",
            file=sys.stderr,
            leave=True,
            bar_format="{desc:<44} {n_fmt}/{total_fmt} |{bar:20}| {elapsed}",
        )

    def done(run: ChapterRun) -> None:
        if bar is not None:
            bar.set_description_str(
                f"{Path(run.name).name}: {'FAILED' if run.error else 'done'} in {run.seconds:.1f} s"
            )
            bar.update(1)

    try:
        runs = execute(todo, jobs=jobs, timeout=timeout, scratch=book, on_done=done)
    except ExecutionError as e:
        raise BookError(str(e)) from None
    finally:
        if bar is not None:
            bar.close()
    failed = [r for r in runs if r.error]
    if failed:
        lines = [f"{len(failed)} chapter{'s' if len(failed) != 1 else ''} failed on this study:"]
        for r in failed:
            lines.append(f"  - {r.name}: {r.error}")
        raise BookError("\n".join(lines))
    renamed = {}
    relink(book, {c.source for c in todo})
    for c in todo:
        c.source.unlink()
        if c.name.endswith(".md"):
            renamed[c.name] = c.name[:-3]
    return runs, renamed


_MD_LINK = re.compile(r"(\]\()([^)\s#]+?)\.md((?:#[^)\s]*)?\))")


def _relink_text(text: str, here: Path, converted: set[Path]) -> str:
    """`[text](page.md)` -> `[text](page.ipynb)` when page.md became an executed notebook."""

    def sub(m):
        target = (here / (m.group(2) + ".md")).resolve()
        return f"{m.group(1)}{m.group(2)}.ipynb{m.group(3)}" if target in converted else m.group(0)

    return _MD_LINK.sub(sub, text)


def relink(book: Path, converted: set[Path]) -> None:
    """Point links at a chapter's executed .ipynb instead of its .md file, in prose and displayed Markdown.

    Links written to a chapter's .md file would dangle once the .md is replaced by its notebook.

    Parameters
    ----------
    book : pathlib.Path
        The working folder of the build; files are rewritten in place.
    converted : set of pathlib.Path
        The .md chapters replaced by notebooks.
    """
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
    # jupyter_book has no __main__ module: call its command line from this interpreter
    return [
        sys.executable,
        "-c",
        "import sys; from jupyter_book.cli.main import main; sys.argv[0] = 'jupyter-book'; sys.exit(main())",
    ]


def build_html(book: Path) -> Path:
    """Build the HTML book from executed chapters, strictly (``-W -n --keep-going``).

    Parameters
    ----------
    book : pathlib.Path
        The working folder of the build.

    Returns
    -------
    pathlib.Path
        The HTML folder (``_build/html``).

    Raises
    ------
    BookError
        When jupyter-book fails or warns; the message holds the last warnings and errors.
    """
    cmd = [*_jupyter_book(), "build", str(book), "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=book)
    html = book / "_build" / "html"
    if proc.returncode != 0 or not html.is_dir():
        text = re.sub(r"\x1b\[[0-9;]*m", "", (proc.stdout or "") + (proc.stderr or ""))
        lines = [ln for ln in text.splitlines() if "WARNING" in ln or "ERROR" in ln or "Error" in ln]
        tail = "\n".join(f"    {ln.replace(str(book) + os.sep, '')}" for ln in (lines or text.splitlines())[-15:])
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

    In every case of failure (and on an I/O error or an interrupt) `out` is left as it was.

    Parameters
    ----------
    data : str or pathlib.Path
        The study folder.
    out : str or pathlib.Path
        The output folder: absent, empty or written by sop before (replaced in one step).
    book : str or pathlib.Path, optional
        Other book sources; ``None`` for the compendium's own.
    jobs : int
        Chapters executed in parallel.
    progress : bool
        Show a progress bar.
    timeout : int or None
        Seconds a single cell may run.
    keep_temp : bool
        Keep the working folder (for debugging).

    Returns
    -------
    BookResult
        The title, pages, chapters, tables written and timings.

    Raises
    ------
    StudyError
        When the study is invalid.
    OutputError
        When `out` is a folder sop must not replace.
    BookError
        When a chapter or the build fails.
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
            entries = leave_out_library_pages(work, copy_sources(src, work))
            t = time.perf_counter()
            dropped = drop_missing_sections(work, entries, study)  # sections the study has no data for
            runs, renamed = execute_chapters(
                work, entries, data, jobs=jobs, progress=progress, timeout=timeout, shown_dir=data.as_posix()
            )
            timings["execute"] = time.perf_counter() - t
            if renamed:
                toc = yaml.safe_load((work / "_toc.yml").read_text(encoding="utf-8"))
                (work / "_toc.yml").write_text(
                    yaml.safe_dump(_rewrite_toc(toc, renamed), sort_keys=False), encoding="utf-8"
                )
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
                1
                for p in staged.rglob("*.html")
                if p.name not in ("genindex.html", "search.html", "index.html")
                and "tables" not in p.parts
                and "_static" not in p.parts
                and "_sources" not in p.parts
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
        dropped=dropped,
    )


# --------------------------------------------------------------------------- command line


def _fmt_seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 90 else f"{int(s // 60)} min {s % 60:.0f} s"


def cmd_book(args: argparse.Namespace) -> int:
    """``sop book``: build the book, then print a summary, or every problem or the failing chapter.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``data``, ``out``, ``jobs``, ``timeout``, ``book``, ``quiet``).

    Returns
    -------
    int
        The exit code: 0 built, 1 when the study or a chapter fails (nothing is written).
    """
    out = Path(args.out)
    try:
        result = build_book(
            args.data, out, book=args.book, jobs=args.jobs, progress=not args.quiet, timeout=args.timeout
        )
    except StudyError as e:
        n = len(e.problems)
        print(f"{args.data}: {n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
        for p in e.problems:
            print(f"  - {p}", file=sys.stderr)
        print(
            f"Nothing was written to {out}. Fix the study, then check it with: sop validate --data {args.data}",
            file=sys.stderr,
        )
        return 1
    except BookError as e:
        print(str(e), file=sys.stderr)
        print(f"Nothing was written to {out}.", file=sys.stderr)
        return 1
    first = result.first_page
    print(f"Book: {result.title}")
    print(
        f"  {result.pages} pages from {len(result.chapters)} executed chapters, built in "
        f"{_fmt_seconds(result.seconds)} (chapters {_fmt_seconds(result.timings.get('execute', 0))}, "
        f"HTML {_fmt_seconds(result.timings.get('build', 0))})"
    )
    print(f"  open:   {first}")
    print(f"  tables: {result.out / 'tables'} ({len(result.tables)} CSV files)")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``sop book`` on the subparsers of the ``sop`` command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``sop`` parser.
    """
    b = sub.add_parser(
        "book",
        help="re-run every chapter on a study and write the HTML book and its tables",
        description="Validate the study, execute every chapter on it (papermill, study_dir injected), "
        "build the HTML book titled after the study, and write it with every table as CSV into OUT "
        "(replaced in one step; left untouched on any failure).",
    )
    b.add_argument("--data", type=Path, default=None, help="study folder (default: the embedded default study)")
    b.add_argument(
        "--out", type=Path, default=Path("book"), help="folder for the HTML book and tables/ (default: ./book)"
    )
    b.add_argument("--jobs", type=int, default=2, help="chapters executed in parallel (default: 2)")
    b.add_argument("--timeout", type=int, default=600, help="seconds a single cell may run (default: 600)")
    b.add_argument("--book", type=Path, default=None, help=argparse_suppress())
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_book)


def argparse_suppress() -> str:
    """The value that hides an option from ``--help`` (``argparse.SUPPRESS``), with argparse imported late.

    Returns
    -------
    str
        ``argparse.SUPPRESS``.
    """
    import argparse

    return argparse.SUPPRESS
