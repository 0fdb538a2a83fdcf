"""The built site in a real browser: every page opens, no broken internal link, no missing
image, Table 3 shows the computed percentages, and screenshots of key pages are saved under
`_build/screenshots/` (JPEG, for a person to look at).

Chromium comes from the system (`apt-get install chromium`, Debian's package), driven by
Playwright with `executable_path`; Playwright's own browser download is never used. Without
Chromium the test is skipped locally but fails when the environment variable CI is set.

The book of the hostile study of `test_injection.py` is opened too: no payload from the data
may run (the payloads set `window.__pwned`) and no dialog may open.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socketserver
import threading
import urllib.parse
from pathlib import Path

import pytest
from conftest import ROOT, default_study_dir, toc_files

pytestmark = pytest.mark.slow  # every test here opens a built book

CHROMIUM = os.environ.get("SOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "_build" / "screenshots"
# screenshots are for a person to look at: JPEG encodes a 40,000 px tall page in half PNG's time
SHOT = {"type": "jpeg", "quality": 80}
KEY_PAGES = ["chapters/preface", "chapters/movements", "chapters/approach"]


def _chromium_or_skip():
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; CI must install it")
        pytest.skip(msg)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site(repo_book):
    """The repository's book (conftest's `repo_book`) served on localhost in a background thread."""
    _chromium_or_skip()
    assert repo_book.returncode == 0, "the book did not build; see test_book.py"
    html = repo_book.out
    handler = functools.partial(_Quiet, directory=str(html))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield {"base": base, "html": html}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _internal_targets(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for h in hrefs:
        if h.startswith(base):
            out.append(h)
    return out


def _target_exists(url: str, base: str, html: Path, ids_cache: dict) -> tuple[bool, str]:
    parts = urllib.parse.urlsplit(url)
    rel = urllib.parse.unquote(parts.path[len(urllib.parse.urlsplit(base).path) :])
    target = html / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    if not target.exists():
        return False, f"missing file {rel}"
    if parts.fragment and target.suffix == ".html":
        if target not in ids_cache:
            text = target.read_text(encoding="utf-8", errors="replace")
            ids_cache[target] = set(re.findall(r'\bid="([^"]+)"', text))
        if urllib.parse.unquote(parts.fragment) not in ids_cache[target]:
            return False, f"missing anchor #{parts.fragment} in {rel}"
    return True, ""


def test_pages_links_and_images(site, browser):
    """Open every toc page: images load, internal links (and their anchors) exist."""
    base, html = site["base"], site["html"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    ids_cache: dict = {}
    for f in toc_files():
        url = base + f + ".html"
        resp = page.goto(url, wait_until="load")
        assert resp is not None and resp.ok, f"{url}: HTTP {resp.status if resp else 'none'}"
        page.wait_for_load_state("load")
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.getAttribute('src'))"
        )
        problems += [f"{f}: image not loaded: {src}" for src in broken]
        for target in _internal_targets(page, base):
            ok, why = _target_exists(target, base, html, ids_cache)
            if not ok:
                problems.append(f"{f}: broken link {target} ({why})")
        alts = page.eval_on_selector_all(
            "main img", "els => els.filter(e => !e.getAttribute('alt')).map(e => e.getAttribute('src'))"
        )
        problems += [f"{f}: image without alt text: {src}" for src in alts]
    page.close()
    assert not problems, "\n".join(sorted(set(problems))[:50])


def test_table3_rendered_with_computed_numbers(site, browser):
    import stagesofprogress as sop

    chapter = ROOT / "chapters" / "movements.md"
    study = sop.load_study((chapter.parent / default_study_dir(chapter)).resolve())
    expected = []
    for a in study.time_points[:-1]:
        t = sop.movement_summary(study, a, study.survey_year)
        for g in t.index:
            expected += [f"{t.loc[g, c]:.1f}" for c in sop.CATEGORIES if t.loc[g, c] == t.loc[g, c]]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site["base"] + "chapters/movements.html", wait_until="load")
    table = page.locator("table#tbl-table3")
    assert table.count() == 1, "Table 3 not found on the movements page"
    text = table.inner_text()
    assert "Remained poor" in text and "Escaped poverty" in text
    cells = set(re.findall(r"-?\d+\.\d", text))
    missing = [v for v in expected if v not in cells]
    assert not missing, f"computed percentages missing from the rendered Table 3: {missing[:20]}"
    page.close()


def test_screenshots_of_key_pages(site, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, tag in ((1280, "desktop"), (390, "phone")):
        page = browser.new_page(viewport={"width": width, "height": 900})
        for f in KEY_PAGES:
            page.goto(site["base"] + f + ".html", wait_until="load")
            out = SCREENSHOTS / f"{f.split('/')[-1]}-{tag}.jpg"
            page.screenshot(path=str(out), full_page=(tag == "desktop"), **SHOT)
            assert out.stat().st_size > 10_000, out
        page.close()


# --------------------------------------------------------------------------- hostile study


@pytest.fixture(scope="module")
def hostile_site(hostile_books):
    """The book of the hostile study of test_injection.py (payloads in every text field), served."""
    _chromium_or_skip()
    info = hostile_books
    assert info["runs"][0].returncode == 0, info["runs"][0].stderr[-3000:]
    out = info["out"][0]
    handler = functools.partial(_Quiet, directory=str(out))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {"base": f"http://127.0.0.1:{server.server_address[1]}/", "out": out}
    finally:
        server.shutdown()
        server.server_close()


def test_no_payload_of_a_hostile_study_executes(hostile_site, browser):
    """Every page of the hostile book: no script from the data runs, no dialog opens, and the
    payload text is on the page as text."""
    base, out = hostile_site["base"], hostile_site["out"]
    pages = sorted(
        str(p.relative_to(out))
        for p in out.rglob("*.html")  # index.html only redirects
        if "_static" not in p.parts and "_sources" not in p.parts and p.name != "index.html"
    )
    assert any(p.startswith("chapters/") for p in pages)
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    problems, shown = [], 0
    for rel in pages:
        page.goto(base + rel, wait_until="load")
        page.wait_for_timeout(50)
        if page.evaluate("typeof window.__pwned") != "undefined":
            problems.append(f"{rel}: window.__pwned = {page.evaluate('window.__pwned')}")
        if page.locator("script:has-text('__pwned'), img[onerror]").count():
            problems.append(f"{rel}: a script or onerror element from the data is in the page")
        shown += (
            page.locator("main").inner_text().count("onerror=window.__pwned=1") if page.locator("main").count() else 0
        )
    page.close()
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)
    assert shown > 0, "the payload text is shown on no page"
