"""Number every table the chapters display, and make each one referable.

The chapters show tables as HTML cell outputs (``book.table()``, ``logit_report.to_html``),
which Sphinx's ``numfig`` does not see: only a docutils table node gets a number. This
extension reads those outputs instead, without touching a chapter:

* while a page is read, every ``<table>`` with a ``<caption>`` in an HTML output gets an id
  if it has none (``tbl-table4`` for a caption "Table 4. ...", else ``tbl-`` and a slug of
  the caption, as ``book.table`` does) and is registered as a Sphinx label under that id, so
  ``{ref}`tbl-table3``` links to it from any page (with -n, a wrong name is reported); a
  table whose caption starts "Table N." is also reachable as ``tbl-tableN``, whatever its id;
* once every page is read and the sections are numbered, each table whose caption does not
  already carry the paper's number gets the book's number, chapter first, as figures do
  ("Table 7.2"; unnumbered appendices take letters, "Table B.1"), and a reference shows that
  number ("Table 7.2"), as ``{numref}`` does for figures;
* when the page is written, the number is put in front of the caption.

A caption that starts "Table N." keeps the paper's numbering (Tables 1-9 are the paper's and
are compared with it) and is not numbered again. ``{numref}`` cannot point at these tables
(Sphinx numbers only its own table nodes); use ``{ref}``.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.application import Sphinx

__all__ = ["setup", "caption_of", "paper_number", "slug"]

_TABLE = re.compile(r"<table\b([^>]*)>", re.I)
_CAPTION = re.compile(r"(<caption\b[^>]*>)(.*?)(</caption>)", re.I | re.S)
_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""", re.I)
_TAGS = re.compile(r"<[^>]+>")
_PAPER = re.compile(r"^\s*Table\s+(\d+)\b")
ENV_KEY = "sop_tables"  # docname -> [(id, caption text, paper number or None)]


def slug(text: str) -> str:
    """The slug `book.table` makes of a caption (same rule, so ids agree)."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)[:40]
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "table"


def caption_of(fragment: str) -> str:
    """Plain text of a table's caption (tags dropped, entities decoded)."""
    m = _CAPTION.search(fragment)
    return " ".join(html.unescape(_TAGS.sub("", m.group(2))).split()) if m else ""


def paper_number(caption: str) -> str | None:
    """'4' for a caption "Table 4. ...", else None."""
    m = _PAPER.match(caption)
    return m.group(1) if m else None


def _tables(text: str):
    """(start, end, open-tag attributes) of each top-level <table> element in `text`."""
    pos = 0
    while True:
        m = _TABLE.search(text, pos)
        if not m:
            return
        depth, i = 1, m.end()
        while depth and i < len(text):
            nxt = re.search(r"<(/?)table\b", text[i:], re.I)
            if not nxt:
                i = len(text)
                break
            depth += -1 if nxt.group(1) else 1
            i += nxt.end()
        end = text.find(">", i) + 1 if depth == 0 else len(text)
        yield m.start(), end, m.group(1)
        pos = end


def _html_outputs(doctree: nodes.Node):
    for node in doctree.findall(nodes.raw):
        if "html" in node.get("format", "").split() and "<table" in node.astext().lower():
            yield node


def _replace(node: nodes.raw, text: str) -> None:
    new = nodes.raw(text, text, format=node["format"], classes=node.get("classes", []))
    node.replace_self(new)


def _doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    labels = env.domaindata["std"]["labels"]
    anon = env.domaindata["std"]["anonlabels"]
    found = []
    for node in list(_html_outputs(doctree)):
        text, pieces, last = node.astext(), [], 0
        for start, end, attrs in _tables(text):
            frag = text[start:end]
            cap = caption_of(frag)
            if not cap:
                continue
            m = _ID.search(attrs)
            if m:
                tid = m.group(1)
            else:
                num = paper_number(cap)
                tid = f"tbl-table{num}" if num else f"tbl-{slug(cap)}"
                frag = frag.replace("<table", f'<table id="{html.escape(tid)}"', 1)
            pieces += [text[last:start], frag]
            last = end
            if tid in labels and labels[tid][0] != docname:
                continue  # the first page with this id keeps the name
            num = paper_number(cap)
            labels[tid] = (docname, tid, f"Table {num}" if num else cap)
            anon[tid] = (docname, tid)
            alias = f"tbl-table{num}"
            if num and alias != tid and (alias not in labels or labels[alias][0] == docname):
                labels[alias] = (docname, tid, f"Table {num}")  # the paper's tables by number
                anon[alias] = (docname, tid)
            found.append((tid, cap, num))
        if pieces:
            _replace(node, "".join(pieces) + text[last:])
    getattr(env, ENV_KEY, None) or setattr(env, ENV_KEY, {})
    getattr(env, ENV_KEY)[docname] = found


def _doc_order(env) -> list[str]:
    out, seen = [], set()

    def walk(doc):
        if doc in seen:
            return
        seen.add(doc)
        out.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return out


def _numbers(env) -> dict[str, dict[str, str]]:
    """docname -> {table id -> "7.2"} for the tables without the paper's number."""
    tables = getattr(env, ENV_KEY, {})
    out, letter = {}, 0
    for doc in _doc_order(env):
        mine = [t for t in tables.get(doc, []) if t[2] is None]
        if not mine:
            continue
        sec = env.toc_secnumbers.get(doc, {}).get("")
        if sec:
            prefix = ".".join(map(str, sec))
        else:
            prefix, letter = chr(ord("A") + letter), letter + 1
        out[doc] = {tid: f"{prefix}.{k}" for k, (tid, _, _) in enumerate(mine, 1)}
    return out


def _env_updated(app: Sphinx, env) -> list[str]:
    """Number the tables; return the pages whose numbers changed (Sphinx rewrites them)."""
    numbers = _numbers(env)
    old = getattr(env, "sop_table_numbers", {})
    changed = sorted(d for d in set(old) | set(numbers) if old.get(d) != numbers.get(d))
    labels = env.domaindata["std"]["labels"]
    for doc, ids in numbers.items():
        for tid, num in ids.items():
            if tid in labels and labels[tid][0] == doc:
                labels[tid] = (doc, tid, f"Table {num}")
    env.sop_table_numbers = numbers
    return changed


def _doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    ids = getattr(app.env, "sop_table_numbers", {}).get(docname)
    if not ids:
        return
    for node in list(_html_outputs(doctree)):
        text, pieces, last = node.astext(), [], 0
        for start, end, attrs in _tables(text):
            m = _ID.search(attrs)
            if not m or m.group(1) not in ids or "sop-table-number" in text[start:end]:
                continue
            num = html.escape(ids[m.group(1)])
            frag = _CAPTION.sub(
                lambda c, num=num: (
                    f'{c.group(1)}<span class="sop-table-number">Table {num}.</span> {c.group(2)}{c.group(3)}'
                ),
                text[start:end],
                count=1,
            )
            pieces += [text[last:start], frag]
            last = end
        if pieces:
            _replace(node, "".join(pieces) + text[last:])


def _purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, ENV_KEY, {}).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    mine = getattr(env, ENV_KEY, None) or {}
    mine.update({d: v for d, v in getattr(other, ENV_KEY, {}).items() if d in docnames})
    setattr(env, ENV_KEY, mine)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", _doctree_read)
    # after the toctree collector has numbered the sections (it listens at priority 500),
    # before the environment is pickled and references are resolved
    app.connect("env-get-updated", _env_updated, priority=900)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
