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

import json
from pathlib import Path

from sphinx.application import Sphinx

__all__ = ["NOTEBOOKS_BRANCH", "rewrite_launch_urls", "setup"]

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


def _page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not context.get("ipynb_source"):
        return
    import nbformat

    from stagesofprogress.downloads import reader_copy

    served = Path(app.outdir) / "_sources" / context["ipynb_source"]
    if served.is_file():
        nb = nbformat.read(served, as_version=4)
        options = app.config.html_theme_options or {}
        copy = reader_copy(nb, repository=options.get("repository_url"), title=app.config.project)
        text = json.dumps(copy, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        served.write_text(text, encoding="utf-8")
    branch = (app.config.html_theme_options or {}).get("repository_branch") or "main"
    rewrite_launch_urls(context.get("header_buttons", []), pagename, branch)


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _page, priority=900)  # after sphinx-book-theme's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
