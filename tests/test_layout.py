"""Layout of the built book in a real browser, at a desktop width (1,400 px) and a phone width
(390 px): no table, figure or code block is wider than the page's main column (a wide table
may scroll inside its own box, but the box stays in the column), the page itself never
scrolls sideways, wide tables keep their row labels in view, tables have no light slab in
dark mode, and equations render from the MathJax copy served with the book (no CDN).

The book is built once per session (`test_book.built_book()`, shared with test_book.py and
test_browser.py); Chromium and Playwright are found as in test_browser.py. Screenshots of
five key pages at both widths are saved under `_build/screenshots/`.
"""

from __future__ import annotations

import re

import pytest
from test_book import ROOT, toc_files
from test_browser import ARGS, CHROMIUM, SCREENSHOTS, SHOT, browser, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

WIDTHS = {"desktop": 1400, "phone": 390}
KEY_PAGES = [
    "chapters/movements",
    "chapters/escape-descent",
    "chapters/livestock",
    "chapters/appendix-scorecard",
    "chapters/intro",
]

# Every element that must stay inside the column. An element inside a box that scrolls or
# clips sideways is measured by that box (the nearest such ancestor inside the article).
_OVERFLOWS_JS = r"""
() => {
  const art = document.querySelector('article.bd-article');
  if (!art) return {error: 'no article.bd-article'};
  const cs = getComputedStyle(art), ar = art.getBoundingClientRect();
  const left = ar.left + parseFloat(cs.paddingLeft), right = ar.right - parseFloat(cs.paddingRight);
  const sel = 'table, img, svg, pre, div.highlight, figure, mjx-container[display="true"], .cell_output > .output, code';
  const boxOf = (el) => {
    for (let a = el; a && a !== art; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return a;
    }
    return el;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).join('.');
    const cap = el.querySelector && el.querySelector('caption');
    if (cap) s += ' "' + cap.textContent.trim().slice(0, 60) + '"';
    if (el.tagName === 'IMG') s += ' ' + (el.getAttribute('src') || '').split('/').pop();
    return s;
  };
  const bad = [];
  for (const el of art.querySelectorAll(sel)) {
    if (el.closest('mjx-container') && el.tagName !== 'MJX-CONTAINER') continue;
    const box = boxOf(el), r = box.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;          // not displayed (collapsed toggle)
    if (r.left < left - 1 || r.right > right + 1) {
      bad.push(`${name(el)}: box ${Math.round(r.left)}..${Math.round(r.right)} px, column ` +
               `${Math.round(left)}..${Math.round(right)} px` + (box !== el ? ` (in ${name(box)})` : ''));
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    bad.push(`page scrolls sideways: ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
  return {bad: bad, column: right - left};
}
"""

# For every table whose box scrolls sideways: is its first cell of each body row pinned?
_STICKY_JS = r"""
() => {
  const out = [];
  for (const t of document.querySelectorAll('article.bd-article table')) {
    let box = t.parentElement;
    while (box && getComputedStyle(box).overflowX !== 'auto' && getComputedStyle(box).overflowX !== 'scroll')
      box = box.parentElement;
    if (!box || box.scrollWidth <= box.clientWidth + 1 || t.getBoundingClientRect().width === 0) continue;
    const row = t.querySelector('tbody tr');
    if (!row || !row.cells.length) continue;
    const first = row.cells[0], before = first.getBoundingClientRect().left;
    box.scrollLeft = box.scrollWidth;
    const after = first.getBoundingClientRect().left;
    const bg = getComputedStyle(first).backgroundColor;
    box.scrollLeft = 0;
    const cap = t.querySelector('caption');
    out.push({table: t.id || (cap ? cap.textContent.trim().slice(0, 60) : t.className),
              moved: Math.round(before - after), background: bg});
  }
  return out;
}
"""

# Background colours a reader sees behind each table's cells (the first non-transparent one
# up the tree), with the text colour of the cell.
_DARK_JS = r"""
() => {
  const paint = (el) => {
    for (let a = el; a; a = a.parentElement) {
      const c = getComputedStyle(a).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  for (const t of document.querySelectorAll('article.bd-article table')) {
    if (t.getBoundingClientRect().width === 0) continue;
    for (const cell of Array.from(t.querySelectorAll('th, td')).slice(0, 60)) {
      if (!cell.textContent.trim()) continue;
      out.push({table: t.id || t.className, bg: paint(cell), fg: getComputedStyle(cell).color});
    }
  }
  return out;
}
"""


def _luminance(css: str) -> float:
    """Relative luminance (WCAG) of an `rgb(...)`/`rgba(...)` colour."""
    r, g, b = (int(v) for v in re.findall(r"[\d.]+", css)[:3])

    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture(scope="module")
def pages():
    return toc_files()


@pytest.fixture(scope="module")
def measured(site, browser, pages):  # noqa: F811
    """{width tag: {page: (overflows, pinned tables)}}: every page visited once per width, by the
    first test that needs that width (both checks run on the one visit)."""
    done = {}

    def at(tag: str) -> dict:
        if tag not in done:
            page = browser.new_page(viewport={"width": WIDTHS[tag], "height": 900})
            done[tag] = {}
            for f in pages:
                page.goto(site["base"] + f + ".html", wait_until="load")
                page.wait_for_timeout(150)  # let sop-tables.js wrap the tables
                done[tag][f] = (page.evaluate(_OVERFLOWS_JS), page.evaluate(_STICKY_JS))
            page.close()
        return done[tag]

    return at


@pytest.mark.parametrize("tag", list(WIDTHS))
def test_nothing_wider_than_the_column(measured, tag):
    """Every page at 1,400 and 390 px: tables, figures and code stay in the column."""
    problems = []
    for f, (res, _pinned) in measured(tag).items():
        assert "error" not in res, f"{f}: {res}"
        problems += [f"{f} at {WIDTHS[tag]} px: {b}" for b in res["bad"]]
    assert not problems, "\n".join(problems[:60])


def test_wide_tables_keep_row_labels_in_view(measured):
    """At 390 px, a table that scrolls in its box keeps its first column pinned, on an opaque
    background, so the row labels stay readable."""
    problems, scrolled = [], 0
    for f, (_res, pinned) in measured("phone").items():
        for t in pinned:
            scrolled += 1
            if abs(t["moved"]) > 1:
                problems.append(f"{f}: {t['table']}: row labels moved {t['moved']} px when scrolled")
            if t["background"] in ("rgba(0, 0, 0, 0)", "transparent"):
                problems.append(f"{f}: {t['table']}: pinned column has a transparent background")
    assert scrolled > 0, "no table scrolls at 390 px: the check would test nothing"
    assert not problems, "\n".join(problems[:60])


def test_tables_legible_in_dark_mode(site, browser):  # noqa: F811
    """In the theme's dark mode, table cells sit on a dark background with light text."""
    page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900}, color_scheme="dark")
    problems, seen = [], 0
    for f in ["chapters/movements", "chapters/escape-descent", "chapters/livestock", "chapters/appendix-scorecard"]:
        page.goto(site["base"] + f + ".html", wait_until="load")
        page.evaluate(
            "() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }"
        )
        page.wait_for_timeout(100)
        for c in page.evaluate(_DARK_JS):
            seen += 1
            if _luminance(c["bg"]) > 0.2:
                problems.append(f"{f}: {c['table']}: light background {c['bg']} in dark mode")
            elif _contrast(c["bg"], c["fg"]) < 4.5:
                problems.append(f"{f}: {c['table']}: text {c['fg']} on {c['bg']} below 4.5:1")
    page.close()
    assert seen > 0
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_maths_served_with_the_book_renders_offline(site, browser):  # noqa: F811
    """No page loads MathJax from the network; with every outside host unreachable, the
    equations of the logit chapter are typeset (no raw TeX left on the page)."""
    html = site["html"]
    remote = [
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if re.search(r"<script[^>]+src=\"https?://[^\"]*mathjax", p.read_text(encoding="utf-8"), re.I)
    ]
    assert not remote, f"pages loading MathJax from the network: {remote}"
    local = html / "_static" / "mathjax" / "tex-mml-chtml.js"
    assert local.is_file() and local.stat().st_size > 100_000, local
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    outside = []

    def block(route):
        url = route.request.url
        if url.startswith(site["base"]):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.goto(site["base"] + "chapters/logit-model.html", wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=20_000)
    page.wait_for_timeout(500)
    n = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    raw = page.evaluate(r"""() => Array.from(document.querySelectorAll('article .math'))
        .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))""")
    context.close()
    assert n > 0
    assert not raw, f"equations left as raw TeX: {raw[:5]}"
    assert not [u for u in outside if "mathjax" in u.lower()], outside


def test_screenshots_of_five_key_pages(site, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS.values():
        page = browser.new_page(viewport={"width": width, "height": 900})
        for f in KEY_PAGES:
            page.goto(site["base"] + f + ".html", wait_until="load")
            page.wait_for_timeout(300)
            out = SCREENSHOTS / f"layout-{f.split('/')[-1]}-{width}.jpg"
            page.screenshot(path=str(out), full_page=True, **SHOT)
            assert out.stat().st_size > 10_000, out
        page.close()
    assert ROOT.joinpath("_build", "screenshots").is_dir()
