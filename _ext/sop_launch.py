"""The notebooks a reader downloads or launches: copies that run on their own.

sphinx-book-theme's download button serves the executed notebook of each MyST page (copied to
``_sources/<page>.ipynb`` while the page is written), and its Colab and Binder buttons open the
page's source in the repository: a MyST ``.md`` file Colab cannot read. This extension, run
after the theme on every page:

* rewrites the served notebook with `stagesofprogress.downloads.reader_copy` (an install cell,
  the shipped study found away from the repository, glued values written out, MyST reduced to
  plain Markdown);
* points the Colab and Binder buttons at ``<page>.ipynb`` on the ``notebooks`` branch, which
  the publishing workflow (``.github/workflows/book.yml``) fills with exactly these served
  notebooks, so the chapters are kept once, in ``chapters/``.

It writes only inside the output folder, and the same build gives the same bytes.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from sphinx.application import Sphinx

__all__ = ["NOTEBOOKS_BRANCH", "citations", "rewrite_launch_urls", "setup", "targets"]

#: The branch that holds the runnable copies of the chapters.
NOTEBOOKS_BRANCH = "notebooks"


def rewrite_launch_urls(buttons: list, pagename: str, branch: str) -> None:
    """Point the Colab and Binder links of the header buttons at the notebooks branch, in place."""
    for button in buttons:
        if button.get("type") == "group":
            rewrite_launch_urls(button.get("buttons", []), pagename, branch)
            continue
        url = button.get("url")
        if button.get("text") not in ("Colab", "Binder") or not isinstance(url, str):
            continue
        for ext in (".md", ".md.txt"):
            if url.endswith(f"{pagename}{ext}"):
                url = url[: -len(ext)] + ".ipynb"
        url = url.replace(f"/blob/{branch}/", f"/blob/{NOTEBOOKS_BRANCH}/")
        url = url.replace(f"/{branch}?urlpath=", f"/{NOTEBOOKS_BRANCH}?urlpath=")
        button["url"] = url


def citations(bibfiles: list[Path]) -> dict[str, tuple[str, str]]:
    """Authors and year of each entry of the book's bibliography, as the text cites them."""
    from pybtex.database import parse_file

    out: dict[str, tuple[str, str]] = {}
    for bib in bibfiles:
        for key, entry in parse_file(str(bib), bib_format="bibtex").entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
            if not names:
                who = entry.fields.get("organization", entry.fields.get("institution", key)).strip("{}")
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            out[key] = (who, entry.fields.get("year", ""))
    return out


def targets(app: Sphinx) -> dict[str, str]:
    """The title of each page (by its name, e.g. ``logit-model``) and each labelled section or figure."""
    out = {}
    for label, (_doc, _anchor, name) in app.env.domaindata.get("std", {}).get("labels", {}).items():
        if name:
            out[label] = name
    for docname, title in sorted(app.env.titles.items()):
        out[docname.rsplit("/", 1)[-1]] = title.astext()
    return out


@functools.lru_cache(maxsize=4)
def _citations(bibfiles: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    return citations([Path(b) for b in bibfiles])


def _page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not context.get("ipynb_source"):
        return
    import nbformat
    from stagesofprogress.downloads import read_glue_json, reader_copy

    served = Path(app.outdir) / "_sources" / context["ipynb_source"]
    if served.is_file():
        nb = nbformat.read(served, as_version=4)
        options = app.config.html_theme_options or {}
        title = getattr(app.config, "html_title", None) or app.config.project
        glued = read_glue_json(Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.glue.json")
        cited = _citations(tuple(str(Path(app.srcdir) / b) for b in app.config.bibtex_bibfiles))
        copy = reader_copy(
            nb,
            repository=options.get("repository_url"),
            title=title,
            glued=glued,
            citations=cited,
            titles=targets(app),
        )
        text = json.dumps(copy, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        served.write_text(text, encoding="utf-8")
    branch = (app.config.html_theme_options or {}).get("repository_branch") or "main"
    rewrite_launch_urls(context.get("header_buttons", []), pagename, branch)


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _page, priority=900)  # after sphinx-book-theme's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
