"""The HTML reports in a real browser: offline, no console errors, no failed
requests, links resolve, text from parameter files is escaped."""

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("CBA_SKIP_BROWSER") == "1":
        pytest.skip("CBA_SKIP_BROWSER=1")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium not found: `make test` installs the Debian package 'chromium'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    """Open a file offline; return the page, console errors and failed requests."""
    ctx = browser.new_context(offline=True)
    page = ctx.new_page()
    errors, failed, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return ctx, page, errors, failed, dialogs


def test_batch_rendered_both_sites(rendered_batch):
    out, outcomes = rendered_batch
    assert all(o.ok for o in outcomes), [o.message for o in outcomes]


def _english_fragments() -> set[str]:
    """Runs of four or more words of every English message that has a different
    Spanish text (markup and placeholders cut out): none may show on a Spanish
    page."""
    import re

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "cba/locale/es/LC_MESSAGES/cba.po"
    with open(po, "rb") as fh:
        cat = read_po(fh)
    out = set()
    for m in cat:
        if not m.id or m.string == m.id:
            continue
        text = re.sub(r"<[^>]+>|&[a-z]+;", " ", m.id)
        for part in re.split(r"\{[a-z_]+\}|%\([a-z_]+\)s|[;:()]", text):
            words = part.split()
            if len(words) >= 4:
                out.add(" ".join(words))
    return out


def _untranslated(page) -> list[str]:
    text = " ".join(page.inner_text("body").split())
    return sorted(f for f in _english_fragments() if f in text)


@pytest.mark.parametrize("index", ["index.html", "index.es.html"])
def test_index_offline_and_links_resolve(browser, rendered_batch, index):
    out, _ = rendered_batch
    ctx, page, errors, failed, _ = _open(browser, out / index)
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    assert errors == [] and failed == []
    assert page.locator("h1").count() == 1
    report = "report.html" if index == "index.html" else "report.es.html"
    other = "index.es.html" if index == "index.html" else "index.html"
    assert {f"good_site/{report}", f"markup_site/{report}", other} <= set(hrefs)
    if index == "index.es.html":
        assert page.get_attribute("html", "lang") == "es"
        assert _untranslated(page) == []
    for h in hrefs:
        target = (out / h).resolve()
        assert target.exists(), h
        c2, p2, e2, f2, _ = _open(browser, target)
        assert e2 == [] and f2 == [], h
        c2.close()
    ctx.close()


@pytest.mark.parametrize("name", ["report.html", "report.es.html"])
@pytest.mark.parametrize("site", ["good_site", "markup_site"])
def test_site_report_offline_accessible_small(
    browser, rendered_batch, site, name, tmp_path
):
    out, _ = rendered_batch
    path = out / site / name
    assert path.stat().st_size < MAX_BYTES
    html = path.read_text()
    for bad in (
        'src="http',
        "src='http",
        '<link rel="stylesheet" href="http',
        "@import url(http",
    ):
        assert bad not in html
    ctx, page, errors, failed, dialogs = _open(browser, path)
    assert errors == [] and failed == [] and dialogs == []
    assert page.locator("h1").count() == 1
    alts = page.eval_on_selector_all(
        "img", "els => els.map(e => e.getAttribute('alt') || '')"
    )
    assert alts and all(len(a) > 20 for a in alts)
    assert (
        page.locator(".jp-CodeCell .jp-InputArea, .highlight").count() == 0
    )  # no code shown
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    for h in hrefs:
        if h.startswith("#"):
            assert page.evaluate(
                "h => document.getElementById(h.slice(1)) !== null", h
            ), h
        elif not h.startswith(("http://", "https://")):
            assert (path.parent / h).resolve().exists(), h  # back link, language
    other = "report.es.html" if name == "report.html" else "report.html"
    assert other in hrefs  # the language switch
    if name == "report.es.html":
        assert page.get_attribute("html", "lang") == "es"
        assert _untranslated(page) == []
        assert "conviene" in page.inner_text("body") or "incierto" in page.inner_text(
            "body"
        )
    shot = tmp_path / "summary.png"
    page.screenshot(path=str(shot))
    from PIL import Image

    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100  # not blank
    ctx.close()


def test_markup_in_site_name_is_text(rendered_batch):
    out, _ = rendered_batch
    html = (out / "markup_site" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    index = (out / "index.html").read_text()
    assert "<script>alert(1)</script>" not in index


def test_report_contents_back_link_and_folded_appendix(browser, rendered_batch):
    """Every in-page link of the contents reaches a heading; the link back to the
    index resolves; the appendix is folded and its sources are links."""
    out, _ = rendered_batch
    path = out / "good_site" / "report.html"
    ctx, page, errors, failed, _ = _open(browser, path)
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    anchors = [h for h in hrefs if h.startswith("#")]
    assert len(anchors) >= 8
    for h in anchors:
        found = page.evaluate(
            "h => document.getElementById(decodeURIComponent(h.slice(1))) !== null", h
        )
        assert found, h
    assert (
        "../index.html" in hrefs and (path.parent / "../index.html").resolve().exists()
    )
    assert page.locator("details summary").count() >= 1
    assert not page.locator("details table").first.is_visible()  # folded
    ctx.close()


@pytest.mark.parametrize("name", ["report.pdf", "report.es.pdf"])
def test_pdf_prints_the_summary_within_twelve_a4_pages(rendered_batch, name):
    """`cba run --pdf` (the batch with pdf=True): the report prints on A4 in at
    most 12 pages with the appendix folded, and its text layer has the verdict."""
    from pypdf import PdfReader

    out, _ = rendered_batch
    reader = PdfReader(out / "good_site" / name)
    assert 2 <= len(reader.pages) <= 12
    assert abs(float(reader.pages[0].mediabox.width) - 595.3) < 2  # A4
    first = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[:2])
    words = ("Recommended", "worth doing")
    if name == "report.es.pdf":
        words = ("Recomendada", "conviene")
    assert all(w in first for w in words), first[:500]


def test_reports_carry_no_python_warnings(rendered_batch):
    """Warnings are for logs: none is printed into a report."""
    out, _ = rendered_batch
    for name in ("report.html", "report.es.html"):
        text = (out / "good_site" / name).read_text(encoding="utf-8")
        assert "Warning:" not in text, name
