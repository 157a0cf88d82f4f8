"""report.pdf with the system Chromium: folded appendix not printed, paper sizes,
clear errors when Chromium or playwright is missing, no temp file left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cba.exceptions import ReportError
from cba.report import pdf

pytestmark = pytest.mark.slow

if os.environ.get("CBA_SKIP_BROWSER") == "1":
    pytest.skip("CBA_SKIP_BROWSER=1", allow_module_level=True)

HEADING = "Folded appendix check"
ROWS = 500


@pytest.fixture(scope="module")
def chromium():
    exe = pdf.chromium_path()
    if exe is None:
        pytest.fail(
            "Chromium not found: `make test` installs the Debian package 'chromium'"
        )
    return exe


def _html(folder: Path, *, open_details: bool = False) -> Path:
    rows = "".join(
        f"<tr><td>row {i}</td><td>value {i}</td><td>source {i}</td></tr>"
        for i in range(ROWS)
    )
    details = "<details open>" if open_details else "<details>"
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>t</title><style>{pdf.PRINT_CSS}</style></head><body>"
        '<p class="cba-nav"><a href="../index.html">All sites</a></p>'
        f"<h2>{HEADING}</h2><p>Recommended: none.</p>"
        f"{details}<summary>Every parameter used ({ROWS})</summary>"
        f"<table><thead><tr><th>key</th><th>value</th><th>source</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></body></html>"
    )
    name = "open.html" if open_details else "report.html"
    path = folder / name
    path.write_text(page, encoding="utf-8")
    return path


def _reader(path: Path):
    from pypdf import PdfReader

    return PdfReader(path)


def test_closed_details_not_printed(chromium, tmp_path):
    out = pdf.write_pdf(_html(tmp_path), tmp_path / "report.pdf")
    assert out == tmp_path / "report.pdf" and out.read_bytes()[:5] == b"%PDF-"
    reader = _reader(out)
    assert len(reader.pages) <= 2
    text = reader.pages[0].extract_text()
    assert HEADING in text and "Recommended" in text
    assert "Every parameter used" in text  # the summary line prints
    assert "row 499" not in text and "All sites" not in text  # folded; nav hidden
    assert "page 1 of" in text  # the footer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]


def test_open_details_do_print(chromium, tmp_path):
    reader = _reader(
        pdf.write_pdf(_html(tmp_path, open_details=True), tmp_path / "o.pdf")
    )
    assert len(reader.pages) > 5
    assert "row 499" in reader.pages[-1].extract_text()


@pytest.mark.parametrize(("paper", "width"), [("letter", 612.0), ("a4", 595.3)])
def test_paper_sizes(chromium, tmp_path, paper, width):
    out = pdf.write_pdf(_html(tmp_path), tmp_path / f"{paper}.pdf", paper=paper)
    box = _reader(out).pages[0].mediabox
    assert float(box.width) == pytest.approx(width, abs=1.0)
    assert float(box.height) > float(box.width)


def test_unknown_paper(tmp_path):
    with pytest.raises(ReportError, match="letter, a4") as err:
        pdf.write_pdf(_html(tmp_path), tmp_path / "x.pdf", paper="legal")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "x.pdf").exists()


def test_missing_html(tmp_path):
    with pytest.raises(ReportError, match="no such report"):
        pdf.write_pdf(tmp_path / "absent.html", tmp_path / "x.pdf")


def test_missing_chromium_env(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.ENV_CHROMIUM, str(tmp_path / "no-such-chromium"))
    assert pdf.chromium_path() is None
    with pytest.raises(ReportError) as err:
        pdf.write_pdf(_html(tmp_path), tmp_path / "x.pdf")
    message = str(err.value)
    assert "chromium" in message.lower() and "\n" not in message
    assert "Debian package 'chromium'" in message
    assert not (tmp_path / "x.pdf").exists()


def test_missing_chromium_everywhere(monkeypatch, tmp_path):
    monkeypatch.delenv(pdf.ENV_CHROMIUM, raising=False)
    monkeypatch.setattr(pdf, "chromium_path", lambda: None)
    with pytest.raises(ReportError, match="install the Debian package 'chromium'"):
        pdf.write_pdf(_html(tmp_path), tmp_path / "x.pdf")


def test_env_chromium_wins(monkeypatch, chromium):
    monkeypatch.setenv(pdf.ENV_CHROMIUM, chromium)
    assert pdf.chromium_path() == chromium


def test_missing_playwright(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    with pytest.raises(ReportError, match="playwright is not installed"):
        pdf.write_pdf(_html(tmp_path), tmp_path / "x.pdf")


def test_failed_print_leaves_old_file_and_no_temp(monkeypatch, tmp_path):
    """A browser that dies at launch: a one-line ReportError, the previous PDF
    kept as it was, and no temporary file in the folder."""
    false = "/bin/false" if Path("/bin/false").exists() else "/usr/bin/false"
    monkeypatch.setenv(pdf.ENV_CHROMIUM, false)
    html = _html(tmp_path)
    old = tmp_path / "report.pdf"
    old.write_bytes(b"old")
    with pytest.raises(ReportError, match="printing report.html failed") as err:
        pdf.write_pdf(html, old)
    assert "\n" not in str(err.value)
    assert old.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]


def test_print_css_rules():
    css = pdf.PRINT_CSS
    assert css.lstrip().startswith("@media print")
    for rule in (
        "@page { size: auto; margin: 12mm; }",
        "details:not([open]) > *:not(summary)",
        ".cba-nav",
        ".cba-lang",
        ".jp-OutputPrompt",
        ".jp-InputPrompt",
        "max-width: 100% !important",
    ):
        assert rule in css, rule
    assert css.count("{") == css.count("}")
