"""Print a finished HTML report to PDF with the system Chromium.

nbconvert's ``webpdf`` exporter launches playwright's own browser download, which
is not there offline, and cannot be pointed at another executable; this module
drives playwright the same way (print media, ``page.pdf``) with the Chromium of
the system (the Debian package ``chromium``, or ``$CBA_CHROMIUM``).

* :data:`PAPER` -- the paper sizes by name (``letter``, ``a4``);
* :data:`PRINT_CSS` -- the ``@media print`` rules a report includes so that it
  prints cleanly on either paper (prompts and navigation hidden, full page width,
  tables that fit, closed ``<details>`` left folded);
* :func:`chromium_path` -- the Chromium executable, or ``None``;
* :func:`write_pdf` -- ``report.html`` to ``report.pdf``, written atomically.

The page is opened offline: a report is self-contained, and nothing it prints may
come from the network.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..exceptions import ReportError, did_you_mean

__all__ = ["PAPER", "PRINT_CSS", "chromium_path", "write_pdf"]

#: Paper names accepted by :func:`write_pdf`, and playwright's name of each.
PAPER = {"letter": "Letter", "a4": "A4"}

#: Environment variable naming the Chromium executable (checked first).
ENV_CHROMIUM = "CBA_CHROMIUM"

#: Command-line switches of the headless browser (as in ``tests/test_browser.py``).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Page margins of the PDF; the bottom one holds the page footer.
MARGIN = {"top": "12mm", "right": "12mm", "bottom": "12mm", "left": "12mm"}

#: Footer of every page ("page 3 of 11"); Chromium fills the two spans.
FOOTER = (
    '<div style="width:100%;font-size:7.5pt;color:#555;text-align:center;'
    'font-family:sans-serif;">page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)
#: No header (Chromium's default one prints the date and the title).
HEADER = "<span></span>"

#: Milliseconds allowed for loading the report and for printing it.
TIMEOUT_MS = 120_000

#: The print rules of a report (a ``<style>`` of the exported HTML).
PRINT_CSS = """\
@media print {
  @page { size: auto; margin: 12mm; }
  html, body, body.jp-Notebook, .jp-Notebook {
    max-width: none; width: auto; margin: 0; padding: 0;
    background: #fff; overflow: visible;
  }
  body { font-size: 10.5pt; line-height: 1.35; }
  .jp-RenderedHTMLCommon {
    --jp-content-font-size1: 10.5pt; font-size: 10.5pt; line-height: 1.35;
  }
  main, .jp-Cell, .jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-InputArea,
  .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output,
  :root .jp-Cell .jp-RenderedHTMLCommon, :root .jp-Cell .jp-MarkdownOutput {
    display: block; width: auto; max-width: none; margin: 0; padding: 0;
    overflow: visible; break-inside: auto;
  }
  .jp-InputPrompt, .jp-OutputPrompt, .jp-OutputArea-prompt, .jp-Collapser,
  .jp-CellHeader, .jp-CellFooter, .cba-nav, .cba-lang, a.anchor-link {
    display: none !important;
  }
  h1, :root .jp-RenderedHTMLCommon h1 { font-size: 17pt; margin: 0 0 4pt; }
  h2, :root .jp-RenderedHTMLCommon h2 { font-size: 13.5pt; margin: 12pt 0 4pt; }
  h3, :root .jp-RenderedHTMLCommon h3 { font-size: 11.5pt; margin: 9pt 0 3pt; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  h2 { page-break-before: auto; }
  .jp-MarkdownCell { break-after: avoid; page-break-after: avoid; }
  p, li { orphans: 3; widows: 3; }
  p, :root .jp-RenderedHTMLCommon p { margin: 0 0 6pt; }
  table, :root .jp-RenderedHTMLCommon table {
    width: 100%; max-width: 100%; table-layout: auto; font-size: 8.5pt;
    line-height: 1.25; word-break: break-word; overflow-wrap: anywhere;
    margin: 3pt 0 8pt;
  }
  th, td, :root .jp-RenderedHTMLCommon th, :root .jp-RenderedHTMLCommon td {
    padding: 1.5pt 4pt; min-width: 6em; line-height: 1.25;
  }
  caption { break-inside: avoid; break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; break-after: avoid; }
  tbody > tr:first-child { break-before: avoid; page-break-before: avoid; }
  tr, img, figure { break-inside: avoid; page-break-inside: avoid; }
  img, :root .jp-RenderedImage img {
    max-width: 100% !important; height: auto; page-break-inside: avoid;
    max-height: 125mm; width: auto; object-fit: contain;
    display: block; margin: 2pt auto;
  }
  details:not([open]) > *:not(summary) { display: none !important; }
  details > summary { list-style: none; font-style: italic; }
  details > summary::-webkit-details-marker { display: none; }
  a, :root .jp-RenderedHTMLCommon a { color: inherit; text-decoration: none; }
  .cba-sanity { break-inside: avoid; }
}
"""


def chromium_path() -> str | None:
    """The Chromium executable to print with, or ``None`` when there is none.

    ``$CBA_CHROMIUM`` first (only if it names an executable file), then
    ``chromium`` and ``chromium-browser`` on the ``PATH``, then
    ``/usr/bin/chromium``.
    """
    env = os.environ.get(ENV_CHROMIUM)
    if env:
        return env if _executable(env) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if _executable("/usr/bin/chromium") else None


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _browser_or_raise() -> str:
    exe = chromium_path()
    if exe is not None:
        return exe
    env = os.environ.get(ENV_CHROMIUM)
    if env:
        raise ReportError(
            f"{ENV_CHROMIUM}={env} is not an executable Chromium: point it at one "
            "or install the Debian package 'chromium'"
        )
    raise ReportError(
        "Chromium not found for the PDF: install the Debian package 'chromium' "
        f"(apt-get install chromium) or set {ENV_CHROMIUM} to its path"
    )


def write_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    paper: str = "letter",
) -> Path:
    """Print ``html_path`` to ``pdf_path`` on ``paper`` (a key of :data:`PAPER`).

    The page is opened offline with print media emulated, printed with its
    backgrounds, 12 mm margins and a "page X of Y" footer, and written through
    a temporary file in the same folder, so ``pdf_path`` is either the old file
    or the whole new one. Returns ``pdf_path`` as a :class:`~pathlib.Path`.

    Raises :class:`~cba.exceptions.ReportError` for an unknown paper, a missing
    HTML file, a missing Chromium or playwright, or a failed print.
    """
    if paper not in PAPER:
        allowed = ", ".join(PAPER)
        raise ReportError(
            f"unknown paper {paper!r}: use one of {allowed}"
            + did_you_mean(str(paper).lower(), PAPER)
        )
    html = Path(html_path).resolve()
    out = Path(pdf_path)
    if not html.is_file():
        raise ReportError(f"{html}: no such report to print")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ReportError(
            "playwright is not installed: pip install playwright "
            "(or the 'notebooks' extra of border-cba)"
        ) from None
    exe = _browser_or_raise()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".tmp", dir=out.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)  # mkstemp makes it private; the report folder is published
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=exe, args=LAUNCH_ARGS, timeout=TIMEOUT_MS
            )
            try:
                context = browser.new_context(offline=True)
                page = context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.emulate_media(media="print")
                page.goto(html.as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.pdf(
                    path=str(tmp),
                    format=PAPER[paper],
                    print_background=True,
                    margin=MARGIN,
                    display_header_footer=True,
                    header_template=HEADER,
                    footer_template=FOOTER,
                )
            finally:
                browser.close()
        if tmp.stat().st_size == 0:
            raise ReportError(f"{out}: Chromium printed an empty PDF")
        os.replace(tmp, out)
    except PlaywrightError as exc:
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise ReportError(f"{out}: printing {html.name} failed: {first}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return out
