"""Execute the book's chapters: the one executor behind `sop book`, `tasks.py book` and the tests.

A chapter is a MyST notebook (or an ``.ipynb``). :func:`execute` runs a list of them in
parallel worker processes through papermill, in the chapter's folder, with optional parameters
injected after its ``parameters`` cell, and writes each executed notebook, tidied by
:func:`tidy_notebook`, where the caller asked.

Each worker keeps one Jupyter kernel for the chapters it runs (starting a kernel and importing
pandas, matplotlib, statsmodels and the library cost about 2.5 s, most of a short chapter's
time). Before each chapter a reset cell (:data:`RESET_CELL`, removed from the executed notebook)
clears the kernel's namespace and history (``%reset -f``, without its two full garbage
collections), closes every figure, restores matplotlib's settings and the warning filters to what
they were before the first chapter, forgets which warnings were shown, and moves to the chapter's
folder; the first chapter's reset cell imports matplotlib's pyplot and the library, so every
chapter, first or not, finds them imported.
Execution counts are renumbered from 1 in every tidied notebook. A chapter that fails (an error,
a timeout, a dead kernel) takes its kernel with it: the next chapter gets a new one. The chapters
hold no other global state; the test suite re-runs the default study's executed chapters under
nbval, each in a fresh kernel, and compares every output (``kernel_per_chapter=True`` gives each
chapter a fresh kernel here too).

Two readers give the notebook of a ``.md`` chapter:

- ``"jupytext"`` (``sop book``, the tests): what a reader downloads from the built book;
- ``"myst-nb"``: the notebook exactly as MyST-NB reads the page during ``jupyter-book build``,
  hence the same jupyter-cache key (the key is the code cells and the kernelspec only), so
  ``scripts/build_book.py`` can store the result in the book's jupyter-cache.

Process management: workers are spawned (no inherited zmq or asyncio state), ignore Ctrl-C
(the parent stops them), and put their temporary files (the kernels' connection files) in a
scratch folder the caller removes. On an interrupt, or when a worker dies, every worker and
every kernel it started is terminated at once (:func:`stop_pool`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from nbformat import NotebookNode

__all__ = [
    "Chapter",
    "ChapterRun",
    "ExecutionError",
    "execute",
    "neutral_study_name",
    "quiet_kernels",
    "read_chapter",
    "stop_pool",
    "tidy_notebook",
]

KERNEL_CONFIG = (
    "# Written by stagesofprogress.execute: keep the kernels' start-up log quiet, so a build log\n"
    "# shows only what chapters and Sphinx report (ipykernel 7 warns about its local TCP\n"
    "# transport every time a kernel starts).\n"
    "c.IPKernelApp.log_level = 'ERROR'\n"
)


#: The first cell of every chapter a reused kernel runs (removed from the executed notebook).
RESET_CELL = """\
import gc as _sop_gc
import os as _sop_os
import sys as _sop_sys

_sop_state = _sop_sys.modules.get("_sop_kernel_state")
if _sop_state is None:  # a new kernel: import what every chapter uses, note the settings to restore
    import types as _sop_types
    import warnings as _sop_warnings

    import matplotlib as _sop_mpl
    import matplotlib.pyplot as _sop_plt
    import stagesofprogress as _sop_lib  # noqa: F401

    _sop_state = _sop_types.ModuleType("_sop_kernel_state")
    _sop_state.mpl, _sop_state.plt, _sop_state.warnings = _sop_mpl, _sop_plt, _sop_warnings
    _sop_state.rc = dict(_sop_mpl.rcParams)
    _sop_state.filters = list(_sop_warnings.filters)
    _sop_sys.modules["_sop_kernel_state"] = _sop_state
else:  # a kernel an earlier chapter used: back to the state the first chapter found
    _sop_state.plt.close("all")
    dict.update(_sop_state.mpl.rcParams, _sop_state.rc)
    _sop_state.warnings.filters[:] = _sop_state.filters
    _sop_state.warnings.onceregistry.clear()
    _sop_state.warnings._filters_mutated()
    for _sop_module in list(_sop_sys.modules.values()):
        _sop_registry = getattr(_sop_module, "__warningregistry__", None)
        if isinstance(_sop_registry, dict):
            _sop_registry.clear()
_sop_os.chdir(@CWD@)
# %reset runs a full garbage collection twice, about 0.3 s in a kernel that holds pandas,
# matplotlib and statsmodels: the next automatic collection frees the same cycles
_sop_state.collect, _sop_gc.collect = _sop_gc.collect, lambda *args, **kwargs: 0
try:
    get_ipython().run_line_magic("reset", "-f")
finally:  # the namespace is empty now: reach the kept function through sys.modules
    __import__("gc").collect = __import__("_sop_kernel_state").collect
"""
RESET_TAG = "sop-kernel-reset"


class ExecutionError(RuntimeError):
    """The chapters could not be executed at all (a worker process died)."""


@dataclass(frozen=True)
class Chapter:
    """One chapter to execute.

    Attributes
    ----------
    name : str
        How reports name the chapter (its table-of-contents entry).
    source : Path
        The ``.md`` (MyST notebook) or ``.ipynb`` file; it runs in its own folder.
    output : Path
        Where the executed, tidied notebook is written.
    parameters : dict or None
        Values injected after the chapter's ``parameters`` cell (None: its own defaults).
    shown_dir : str or None
        How the tidied notebook names the study folder (see :func:`neutral_study_name`).
    reader : str
        ``"jupytext"`` or ``"myst-nb"`` (see the module docstring).
    """

    name: str
    source: Path
    output: Path
    parameters: dict | None = None
    shown_dir: str | None = None
    reader: str = "jupytext"


@dataclass
class ChapterRun:
    """The outcome of one chapter: its name, seconds taken and the error message (None if it ran)."""

    name: str
    seconds: float
    error: str | None = None


# --------------------------------------------------------------------------- reading


def read_chapter(path: str | Path, reader: str = "jupytext") -> NotebookNode | None:
    """The notebook of a chapter file, read by `reader`.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.ipynb`` file (read with nbformat) or a MyST Markdown chapter.
    reader : str
        ``jupytext`` or ``myst-nb`` (the book's own reader).

    Returns
    -------
    nbformat.NotebookNode or None
        An nbformat v4 notebook; ``None`` when MyST-NB does not read the file as a notebook.

    Raises
    ------
    ValueError
        For an unknown `reader`.
    """
    path = Path(path)
    if path.suffix == ".ipynb":
        import nbformat

        return nbformat.read(path, as_version=4)
    if reader == "myst-nb":
        from myst_nb.core.config import NbParserConfig
        from myst_nb.core.read import create_nb_reader
        from myst_parser.config.main import MdParserConfig

        text = path.read_text(encoding="utf-8")
        nb_reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
        return None if nb_reader is None else nb_reader.read(text)
    if reader != "jupytext":
        raise ValueError(f"unknown reader {reader!r}: 'jupytext' or 'myst-nb'")
    import jupytext

    return jupytext.read(path)


def quiet_kernels(ipythondir: str | Path) -> None:
    """Write an ``ipython_kernel_config.py`` that silences kernels' start-up warnings into `ipythondir`.

    Parameters
    ----------
    ipythondir : str or pathlib.Path
        The IPython folder of the run (its ``profile_default`` is created).
    """
    prof = Path(ipythondir) / "profile_default"
    prof.mkdir(parents=True, exist_ok=True)
    (prof / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")


# --------------------------------------------------------------------------- tidying


def neutral_study_name(shown_dir: str | None, study_dir: str | None = None) -> str:
    """How the book's sources name the study folder: as typed when relative, by its name when absolute.

    Parameters
    ----------
    shown_dir : str or None
        The folder as the user typed it; ``None`` to use `study_dir`.
    study_dir : str, optional
        The folder the chapters read.

    Returns
    -------
    str
        A relative path in POSIX form, or the folder's name (``study`` when there is none).
    """
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
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def tidy_notebook(
    ipynb: str | Path, shown_dir: str | None = None, *, study_dir: str | None = None, cwd: str | None = None
) -> None:
    """Make an executed chapter relocatable and identical on every run of the same inputs.

    papermill's ``injected-parameters`` cell holds a machine path: it is dropped, and, when a
    `study_dir` was injected, the chapter's own parameters cell names the study folder as the
    user typed it (or, for an absolute path, by the folder's name). Execution timestamps,
    durations and papermill's record of the run (paths, environment) are removed, consecutive
    stream outputs merged, cell ids and execution counts numbered from the top (the executor's
    reset cell, :data:`RESET_CELL`, is dropped like the parameters), and any remaining mention of
    the study's absolute path or of the chapter's folder is replaced by a neutral one. Idempotent.

    Parameters
    ----------
    ipynb : str or pathlib.Path
        The executed notebook, rewritten in place.
    shown_dir : str, optional
        The study folder as the user typed it.
    study_dir : str, optional
        The study folder injected into the chapter.
    cwd : str, optional
        The folder the chapter ran in, replaced by ``.``.
    """
    import nbformat

    nb = nbformat.read(ipynb, as_version=4)
    shown = neutral_study_name(shown_dir, study_dir)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or RESET_TAG in tags:
            continue
        if study_dir is not None and "parameters" in tags and cell.cell_type == "code":
            cell.source = re.sub(r"(?m)^(study_dir\s*=\s*).*$", lambda m: m.group(1) + repr(shown), cell.source)
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
        cells.append(cell)
    count = 0
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1  # as a fresh kernel would number them, whatever ran in it before
            cell["execution_count"] = count
            for out in cell.outputs:
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = count
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


# --------------------------------------------------------------------------- one chapter (in a worker)


def _failed_cell(ipynb: str, index: int) -> tuple[str, str]:
    """Where the chapter failed, as its reader counts ("code cell K" among the chapter's own code
    cells), and the first line of that cell's code.

    The executed notebook papermill writes has an error banner cell on top; the failed cell is the
    first with an error output (`index`, papermill's count, when none is found).
    """
    try:
        import nbformat

        cells = nbformat.read(ipynb, as_version=4).cells
    except Exception:
        return f"cell #{index + 1}", ""
    failed = next(
        (i for i, c in enumerate(cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None
    )
    if failed is None:
        return f"cell #{index + 1}", ""
    own = [
        c
        for c in cells[: failed + 1]
        if c.cell_type == "code" and not {RESET_TAG, "injected-parameters"} & set(c.metadata.get("tags", []))
    ]
    lines = [line for line in cells[failed].source.splitlines() if line.strip() and not line.startswith("#")]
    return f"code cell {len(own)}", lines[0][:120] if lines else ""


# One kernel per worker process, reused from chapter to chapter: (kernel name, kernel manager).
_KERNEL: list = []


def _stop_kernel() -> None:
    """Shut down this worker's kept kernel, if any (the next chapter starts a new one)."""
    while _KERNEL:
        _name, km = _KERNEL.pop()
        try:
            from jupyter_core.utils import run_sync

            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead: nothing to stop
            pass


def _kernel_for(name: str):
    """This worker's kernel manager for kernel `name` (its kernel started by the first chapter)."""
    if _KERNEL and _KERNEL[0][0] != name:
        _stop_kernel()
    if not _KERNEL:
        from multiprocessing import util

        from jupyter_client.manager import AsyncKernelManager

        _KERNEL.append((name, AsyncKernelManager(kernel_name=name)))
        util.Finalize(None, _stop_kernel, exitpriority=10)  # when the worker exits
    return _KERNEL[0][1]


def _with_reset_cell(nb: NotebookNode, cwd: Path) -> NotebookNode:
    import nbformat

    cell = nbformat.v4.new_code_cell(RESET_CELL.replace("@CWD@", repr(str(cwd))))
    cell.metadata["tags"] = [RESET_TAG]
    nb.cells.insert(0, cell)
    return nb


def _execute_one(chapter: Chapter, timeout: int | None, reuse: bool = True) -> tuple[float, str | None]:
    """Run one chapter (in a worker process). Returns (seconds, error message or None)."""
    import warnings

    warnings.filterwarnings("ignore")
    # The kernel inherits this worker's stderr and chats there (e.g. IPKernelApp's TCP notice):
    # keep the user's terminal for the progress bar and the caller's own messages.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    import papermill as pm

    t0 = time.perf_counter()
    src, out = Path(chapter.source), str(chapter.output)
    failed = True
    try:
        nb = read_chapter(src, chapter.reader)
        kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
        extra = {}
        if reuse:
            nb, extra = _with_reset_cell(nb, src.parent.resolve()), {"km": _kernel_for(kernel)}
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(
            nb,
            out,
            parameters=chapter.parameters,
            cwd=str(src.parent),
            kernel_name=kernel,
            progress_bar=False,
            log_output=False,
            # written once at the end (and on an error): papermill would rewrite the whole
            # notebook at every cell's start and end
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            **extra,
        )
        failed = False
    except pm.PapermillExecutionError as e:
        where, cell = _failed_cell(out, e.cell_index)
        msg = f"{where} raised {e.ename}: {e.evalue}"
        if cell:
            msg += "\n    cell begins: " + cell
        return time.perf_counter() - t0, msg
    except Exception as e:  # kernel died, timeout, missing kernel, unreadable page ...
        return time.perf_counter() - t0, f"{type(e).__name__}: {e}"
    finally:
        if failed or not reuse:  # a chapter that failed may have left its kernel in any state
            _stop_kernel()
    study_dir = (chapter.parameters or {}).get("study_dir")
    tidy_notebook(out, chapter.shown_dir, study_dir=None if study_dir is None else str(study_dir), cwd=str(src.parent))
    return time.perf_counter() - t0, None


def _worker_init(scratch: str) -> None:
    """In a chapter worker: Ctrl-C is the parent's to handle (it stops the workers itself), and
    temporary files (the kernels' connection files) go into the scratch folder, which the caller
    removes whatever happens, even when a killed kernel cannot remove its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch


# --------------------------------------------------------------------------- the pool


def stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Stop a process pool at once, with every process its workers started.

    What has not started is cancelled; every worker and every process a worker started (the
    Jupyter kernels, which run in sessions of their own) is terminated, and what is still alive
    after `grace` seconds is killed.

    Parameters
    ----------
    pool : concurrent.futures.ProcessPoolExecutor
        The pool.
    grace : float
        Seconds to wait after terminating before killing.
    """
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


def execute(
    chapters: Sequence[Chapter],
    *,
    jobs: int = 2,
    timeout: int | None = 600,
    scratch: str | Path | None = None,
    on_done: Callable[[ChapterRun], None] | None = None,
    kernel_per_chapter: bool = False,
) -> list[ChapterRun]:
    """Execute `chapters`, `jobs` at a time, one kernel per worker; return their runs in order.

    Parameters
    ----------
    chapters : sequence of Chapter
        What to run; the longest sources are started first so the workers stay busy.
    jobs : int
        Worker processes (at least one: each silences its own stderr).
    timeout : int or None
        Seconds a single cell may run.
    scratch : path, optional
        Folder in which the workers' temporary folder is made and removed after (default: the
        system's temporary folder).
    on_done : callable, optional
        Called with each ChapterRun as it finishes (progress reports).
    kernel_per_chapter : bool
        Start a fresh kernel for every chapter instead of keeping one per worker (see the module
        docstring); slower, for checking that no chapter depends on what ran before it.

    Returns
    -------
    list of ChapterRun
        In the order of `chapters`; a failed chapter carries its error message.

    Raises
    ------
    ExecutionError
        A worker process died (killed, out of memory); every other worker is stopped.
    """
    chapters = list(chapters)
    if not chapters:
        return []
    import multiprocessing as mp

    runs: dict[int, ChapterRun] = {}
    order = sorted(range(len(chapters)), key=lambda i: -Path(chapters[i].source).stat().st_size)
    with tempfile.TemporaryDirectory(prefix=".sop-execute-", dir=scratch, ignore_cleanup_errors=True) as tmp:
        pool = ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(chapters))),
            mp_context=mp.get_context("spawn"),
            initializer=_worker_init,
            initargs=(tmp,),
        )
        try:
            futs = {pool.submit(_execute_one, chapters[i], timeout, not kernel_per_chapter): i for i in order}
            for f in as_completed(futs):
                i = futs[f]
                runs[i] = ChapterRun(chapters[i].name, *f.result())
                if on_done is not None:
                    on_done(runs[i])
        except BaseException as e:  # an interrupt, or a worker that died: stop every worker and kernel now
            stop_pool(pool)
            if isinstance(e, BrokenProcessPool):
                raise ExecutionError(
                    "A chapter worker process died (killed, or out of memory); no chapter result was kept."
                ) from None
            raise
        pool.shutdown(wait=True)
    return [runs[i] for i in range(len(chapters))]
