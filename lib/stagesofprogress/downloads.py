"""The copy of a chapter that a reader downloads from the book or opens in Colab or Binder.

A chapter is a MyST notebook written for the book: its text holds myst-nb's ``{glue:text}``
placeholders, MyST roles and directives, and its parameters cell names the study as a path in
the repository (``"../data/peru2004"``). Opened on its own, in an empty folder or in Colab,
such a notebook would show raw placeholders and fail on the missing folder. `reader_copy`
turns the executed chapter into a notebook that works where it is opened:

* a first Markdown cell says what the copy is;
* a first code cell installs the library when it is missing (from the repository the book
  names in ``_config.yml``; nothing is installed when it is already there);
* right after the parameters cell, `stagesofprogress.resources.study_folder` replaces a
  repository path that does not exist by the copy of the same study shipped with the library
  (a folder that is not a shipped study is left as it is, so ``load_study`` reports it);
* in the text, every glued value is written out as the build computed it (escaped through
  `stagesofprogress.safetext`), and MyST roles and directives become plain Markdown that any
  notebook viewer shows.

The function is pure (a notebook in, a new notebook out) and deterministic. The book's Sphinx
extension ``_ext/sop_launch.py`` applies it to the notebooks the download button serves, which
are also what the publishing workflow pushes to the ``notebooks`` branch that the Colab and
Binder buttons open: the chapters are kept once, in ``chapters/``.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .safetext import markdown as _escape

if TYPE_CHECKING:  # annotations only
    from nbformat import NotebookNode

__all__ = [
    "INSTALL_MARKER",
    "STUDY_MARKER",
    "glue_bundles",
    "glued_text",
    "glued_values",
    "myst_to_markdown",
    "read_glue_json",
    "reader_copy",
]

#: The first line of the code cell that installs the library when it is missing.
INSTALL_MARKER = "# Added to this copy of the chapter: install the library if it is missing."
#: The first line of the code cell that finds the shipped study away from the repository.
STUDY_MARKER = "# Added to this copy of the chapter: away from the repository, use the study shipped with the library."

_GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([A-Za-z_][\w]*)(?::[^`]*)?`")
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S
)
_GLUE_FIGURE = re.compile(r"^(?:`{3,}|:{3,})\{glue:figure\}[ \t]*([A-Za-z_]\w*)", re.M)
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]*)`")
_TITLE_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "hint": "Hint",
    "seealso": "See also",
    "admonition": "",
    "exercise": "Exercise",
    "solution": "Solution",
    "epigraph": "",
    "margin": "",
    "sidebar": "",
}


def glue_bundles(nb: NotebookNode) -> dict[str, dict]:
    """The values glued by an executed chapter whose outputs still hold them.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook whose code cells called myst-nb's ``glue`` (before myst-nb took
        the glued outputs out; after a book build they are in ``<page>.glue.json``, read by
        `read_glue_json`).

    Returns
    -------
    dict of str to dict
        Each glued name and its MIME bundle (``{"text/plain": ..., "image/png": ...}``), the
        prefix myst-nb adds to hidden values removed.
    """
    bundles: dict[str, dict] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            meta = (out.get("metadata") or {}).get("scrapbook", {})
            if meta.get("name"):
                prefix = len(meta.get("mime_prefix", ""))
                bundles[meta["name"]] = {k[prefix:]: v for k, v in (out.get("data") or {}).items()}
    return bundles


def read_glue_json(path: str | Path) -> dict[str, dict]:
    """The glued values myst-nb stored for a page (``_build/jupyter_execute/<page>.glue.json``).

    Parameters
    ----------
    path : str or pathlib.Path
        The file; a missing file means the page glued nothing.

    Returns
    -------
    dict of str to dict
        Each glued name and its MIME bundle, as `glue_bundles` gives them.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: dict(out.get("data") or {}) for name, out in sorted(data.items()) if isinstance(out, dict)}


def glued_text(bundle: dict) -> str | None:
    """The text the book shows for a glued value.

    Parameters
    ----------
    bundle : dict
        A glued value's MIME bundle.

    Returns
    -------
    str or None
        Its ``text/plain`` form (a glued string without its quotes); None when it has none.
    """
    text = bundle.get("text/plain")
    if text is None:
        return None
    text = "".join(text) if isinstance(text, list) else str(text)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else text


def glued_values(nb: NotebookNode) -> dict[str, str]:
    """The text of every value glued by an executed chapter (see `glue_bundles`).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook with its glue outputs.

    Returns
    -------
    dict of str to str
        Each glued name with a text form and that text; figures are left out.
    """
    return {k: t for k, b in glue_bundles(nb).items() if (t := glued_text(b)) is not None}


def _role(match: re.Match, citations: dict[str, tuple[str, str]], titles: dict[str, str]) -> str:
    name, text = match.group("name"), match.group("text")
    if name.startswith("cite"):
        keys = [k.strip() for k in text.split(",") if k.strip()]
        found = [citations.get(k, (k, "")) for k in keys]
        if name in ("cite:t", "cite:ts"):
            return "; ".join(f"{who} ({year})" if year else who for who, year in found)
        return "(" + "; ".join(f"{who} {year}".strip() for who, year in found) + ")"
    if name in ("math",):
        return f"${text}$"
    titled = _TITLE_TARGET.match(text)
    if titled and titled.group("title"):
        return titled.group("title")
    if name in ("numref", "ref", "doc", "eq", "prf:ref", "term", "download"):
        target = text.lstrip("~/").rsplit("/", 1)[-1]
        return titles.get(target, target)
    return text


def _directive(match: re.Match, attached: set[str], citations: dict, titles: dict) -> str:
    name, arg, body = match.group("name"), match.group("arg").strip(), match.group("body")
    lines = body.splitlines()
    options, rest = {}, []
    for i, line in enumerate(lines):
        m = re.match(r"^:([\w-]+):\s*(.*)$", line)
        if m and not rest:
            options[m.group(1)] = m.group(2)
            continue
        rest = lines[i:]
        break
    text = myst_to_markdown("\n".join(rest).strip("\n"), citations=citations, titles=titles)
    if name == "glue:figure":
        if arg in attached:
            alt = options.get("alt", arg).replace("]", ")").replace("[", "(")
            return f"![{alt}](attachment:{arg}.png)\n\n*{text}*"
        return f"*Figure ({arg}): {text}* The figure is drawn by the code cell that computes it."
    if name in ("figure", "image"):
        return f"*Figure: {text}*" if text else ""
    if name == "math":
        return f"$$\n{text}\n$$"
    if name in ("code", "code-block"):
        return f"```{arg}\n{text}\n```"
    if name in _ADMONITIONS or name.startswith("prf:"):
        title = arg if name in ("admonition", "exercise", "solution") and arg else _ADMONITIONS.get(name, name)
        quoted = "\n".join("> " + line if line else ">" for line in text.splitlines())
        head = f"> **{title}.**\n>\n" if title else ""
        return head + quoted
    if name in ("bibliography", "tableofcontents", "toctree"):
        return ""
    return text


def myst_to_markdown(
    text: str,
    glued: dict[str, str] | None = None,
    figures: list[str] | None = None,
    citations: dict[str, tuple[str, str]] | None = None,
    titles: dict[str, str] | None = None,
) -> str:
    """MyST Markdown as the Markdown a notebook viewer shows.

    Parameters
    ----------
    text : str
        The source of a Markdown cell of a chapter.
    glued : dict of str to str, optional
        Values for ``{glue:text}`` placeholders (from `glued_values`); each is escaped for
        Markdown. A placeholder without a value is written as its name in code quotes.
    figures : list of str, optional
        Glued figures attached to the cell as ``NAME.png``: their ``glue:figure`` directive
        shows the attachment above its caption.
    citations : dict of str to (str, str), optional
        Authors and year of each bibliography key (``{cite:p}`` becomes "(Authors year)",
        ``{cite:t}`` "Authors (year)"); a key not given is written as itself.
    titles : dict of str to str, optional
        The title of each page and labelled section or figure, for a ``{doc}``, ``{ref}`` or
        ``{numref}`` without its own text; a target not given is written as its name.

    Returns
    -------
    str
        The text with glued values written out, roles reduced to their text (citations to
        their keys in parentheses) and directives to plain Markdown (admonitions as quotes,
        figures as their captions). Labels ``(name)=`` and comments ``%`` are dropped.
    """
    glued = glued or {}

    def glue(m: re.Match) -> str:
        name = m.group(1)
        return _escape(glued[name]) if name in glued else f"`{name}`"

    text = _GLUE_ROLE.sub(glue, text)
    attached = set(figures or ())
    previous = None
    while previous != text:  # nested directives: the innermost first, until nothing changes
        previous = text
        text = _FENCE.sub(lambda m: _directive(m, attached, citations or {}, titles or {}), text)
    text = _ROLE.sub(lambda m: _role(m, citations or {}, titles or {}), text)
    text = re.sub(r"(?m)^\([\w:-]+\)=[ \t]*\n", "", text)
    text = re.sub(r"(?m)^%[^\n]*\n?", "", text)
    return text


def _code_cell(source: str, nbformat):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["added-to-copy"]
    return cell


def reader_copy(
    nb: NotebookNode,
    *,
    repository: str | None,
    title: str,
    glued: dict[str, dict] | None = None,
    citations: dict[str, tuple[str, str]] | None = None,
    titles: dict[str, str] | None = None,
) -> NotebookNode:
    """The copy of an executed chapter that runs wherever a reader opens it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed chapter (myst-nb's notebook, outputs included).
    repository : str or None
        The URL of the repository the library is installed from when it is missing (the
        ``repository.url`` of ``_config.yml``); None leaves the install cell out.
    title : str
        The book's title, named in the first cell.
    glued : dict of str to dict, optional
        The page's glued values as MIME bundles (`read_glue_json`); by default those still in
        the notebook's outputs (`glue_bundles`). Glued figures are attached to the Markdown
        cell that shows them.
    citations : dict of str to (str, str), optional
        Authors and year of each bibliography key, for `myst_to_markdown`.
    titles : dict of str to str, optional
        Titles of pages and labelled targets, for `myst_to_markdown`.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook: the added cells described in this module's docstring, then the
        chapter's cells with their Markdown converted by `myst_to_markdown`. Cell ids are
        numbered in order, so the copy of the same notebook is always the same.
    """
    import nbformat

    bundles = glue_bundles(nb) if glued is None else glued
    texts = {k: t for k, b in bundles.items() if (t := glued_text(b)) is not None}
    out = copy.deepcopy(nb)
    intro = nbformat.v4.new_markdown_cell(
        f"*A copy of a chapter of the book {_escape(title)}, made to run on its own. The numbers in the "
        "text are those the book computed; the code cells compute them again. Two cells, marked as added, "
        "install the library if it is missing and find the study the chapter reads.*"
    )
    intro.metadata["tags"] = ["added-to-copy"]
    cells = [intro]
    if repository:
        spec = f"stagesofprogress[book] @ git+{repository.rstrip('/')}"
        cells.append(
            _code_cell(
                f"{INSTALL_MARKER}\n"
                "import importlib.util\nimport subprocess\nimport sys\n\n"
                'if importlib.util.find_spec("stagesofprogress") is None:\n'
                f'    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", {spec!r}])',
                nbformat,
            )
        )
    has_parameters = False
    for cell in out.cells:
        if cell.get("cell_type") == "markdown":
            figures = [n for n in _GLUE_FIGURE.findall(cell.source) if "image/png" in bundles.get(n, {})]
            cell.source = myst_to_markdown(cell.source, texts, figures=figures, citations=citations, titles=titles)
            if figures:
                cell["attachments"] = {f"{n}.png": {"image/png": bundles[n]["image/png"]} for n in figures}
        cells.append(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags and not has_parameters:
            has_parameters = True
            if re.search(r"(?m)^study_dir\s*=", cell.source):
                cells.append(
                    _code_cell(
                        f"{STUDY_MARKER}\n"
                        "from stagesofprogress.resources import study_folder\n\n"
                        "study_dir = study_folder(study_dir)",
                        nbformat,
                    )
                )
    out.cells = cells
    for i, cell in enumerate(out.cells):
        cell["id"] = f"cell-{i:03d}"
    return out
