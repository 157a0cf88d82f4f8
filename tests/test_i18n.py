"""The Spanish catalogue is complete and consistent with the code, and a Spanish
report asks for no message the catalogue lacks."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from cba import i18n, report
from cba.i18n import _, missing_messages, use_language

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cba"
PO = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "cba.po"
POT = PACKAGE / "locale" / "cba.pot"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")
TAG = re.compile(r"</?[a-z]+>")


def _extracted() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    method_map = [("**.py", "python"), ("templates/**.j2", "jinja2")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    return {
        m[2] if isinstance(m[2], str) else m[2][0]
        for m in extract_from_dir(str(PACKAGE), method_map, options, keywords=keywords)
    }


def _catalogue(path):
    with open(path, "rb") as fh:
        return read_po(fh)


def test_every_message_of_the_code_has_spanish_text():
    cat = _catalogue(PO)
    have = {m.id: m for m in cat if m.id}
    missing = sorted(m for m in _extracted() if m not in have)
    assert not missing, f"run `make messages`, then translate: {missing[:10]}"
    empty = sorted(m.id for m in have.values() if not m.string or m.fuzzy)
    assert not empty, f"untranslated or fuzzy in {PO.name}: {empty[:10]}"


def test_catalogue_holds_no_message_the_code_no_longer_has():
    have = {m.id for m in _catalogue(PO) if m.id}
    assert have <= _extracted(), sorted(have - _extracted())[:10]
    assert {m.id for m in _catalogue(POT) if m.id} == _extracted(), (
        "cba/locale/cba.pot is stale: run `make messages`"
    )


def test_translations_keep_placeholders_and_markup():
    bad = []
    for m in _catalogue(PO):
        if not m.id:
            continue
        if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)):
            bad.append(("placeholders", m.id))
        if sorted(TAG.findall(m.id)) != sorted(TAG.findall(m.string)):
            bad.append(("markup", m.id))
        words = re.findall(r"[a-z]{3,}", PLACEHOLDER.sub(" ", m.id))
        if m.string.strip() == m.id.strip() and len(words) >= 3:
            bad.append(("copied", m.id))
    assert not bad, bad[:10]


def test_messages_are_literals_so_they_can_be_extracted():
    """``_()`` of an f-string or a variable cannot be extracted; module-level
    texts are marked with ``N_()`` and translated where shown (``_(NAMES[k])``),
    so only a call on a name or subscript whose values are marked may pass."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.JoinedStr):
                    bad.append(f"{path.name}:{node.lineno} f-string")
                elif node.func.id == "N_" and not isinstance(arg, ast.Constant):
                    bad.append(f"{path.name}:{node.lineno} N_ of a non-literal")
        for node in ast.walk(tree):  # Babel does not look inside f-strings
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Name)
                        and inner.func.id in ("_", "N_")
                        and inner.args
                        and isinstance(inner.args[0], ast.Constant)
                    ):
                        bad.append(f"{path.name}:{inner.lineno} literal in f-string")
    assert not bad, bad


def test_spanish_report_texts_all_found(good_site, good_appraisal):
    from cba.analysis import sensitivity

    before = missing_messages("es")
    with use_language("es"):
        report.title_html(good_site)
        for key, _t in report.SECTIONS:
            report.section_html(key)
        for key in report.SUBSECTIONS:
            report.section_html(key)
        report.summary_html(good_site, good_appraisal)
        for fn in (
            report.options_html,
            report.delay_html,
            report.stakeholder_html,
            report.sponsor_html,
            report.country_split_html,
            report.traffic_html,
            report.yearly_html,
        ):
            fn(good_site, good_appraisal)
        report.changes_html(good_site)
        report.appendix_html(good_site)
        report.assumptions_html(good_site)
        report.correlations_html(good_site)
        risk = sensitivity.risk_analysis(good_site, good_appraisal)
        for plot in (
            report.plot_waits,
            report.plot_components,
            report.plot_stakeholders,
            report.plot_cumulative_npv,
            report.plot_npv_distribution,
        ):
            plot(good_site, good_appraisal)
        report.plot_tornado(good_site, good_appraisal, risk["tornado"])
        report.waits_alt(good_site, good_appraisal)
        report.components_alt(good_site, good_appraisal)
        report.stakeholders_alt(good_site, good_appraisal)
        for v in ("worth doing", "not worth doing", "uncertain"):
            report.verdict_text(v)
        text = report.summary_html(good_site, good_appraisal)
    import matplotlib.pyplot as plt

    plt.close("all")
    assert missing_messages("es") - before == set()
    assert "VPN" in text and "NPV" not in text.replace("P(VPN", "")


def test_money_in_spanish_never_reads_as_pesos():
    with use_language("es"):
        assert report.fmt_usd(1.5e6) == "1.50 M USD"
        assert "$" not in report.fmt_usd(-2.5e9)
    assert report.fmt_usd(1.5e6) == "$1.50 M"


def test_unknown_language_is_the_packages_error():
    from cba.exceptions import ParameterError

    with pytest.raises(ParameterError, match="allowed: en, es"):
        i18n.set_language("fr")


def test_language_is_restored_after_a_block():
    with use_language("es"):
        assert _("worth doing") != "worth doing"
    assert i18n.language() == "en" and _("worth doing") == "worth doing"


def test_spanish_texts_of_a_site_file_replace_the_english_on_spanish_pages(
    tmp_path, good_appraisal
):
    from cba import params

    from .conftest import COMMON, PARAMS

    text = (PARAMS / "good_site.yaml").read_text()
    text = text.replace(
        "  description: A made-up crossing used by the test suite.\n",
        "  description: A made-up crossing used by the test suite.\n"
        "  description_es: Un cruce inventado para las pruebas.\n",
    ).replace(
        "    name: Sponsor-funded staffing\n",
        "    name: Sponsor-funded staffing\n"
        "    name_es: Personal financiado por un patrocinador\n",
    )
    path = tmp_path / "good_site.yaml"
    path.write_text(text)
    site = params.load_site(path, COMMON)
    es = params.localized(site, "es")
    assert params.localized(site, "en") is site
    assert es.file.options["sponsor_staffing"].name.startswith("Personal financiado")
    assert es.info.description == "Un cruce inventado para las pruebas."
    assert es.file.options["status_quo"].name == "Status quo"  # none given: English
    assert site.file.options["sponsor_staffing"].name == "Sponsor-funded staffing"
    with use_language("es"):
        html = report.summary_html(es, good_appraisal)
    assert "Personal financiado por un patrocinador" in html
    assert "Un cruce inventado" in html
    with use_language("es"):
        appendix = report.appendix_html(es)
    assert report.ENGLISH_ONLY in appendix  # parameter descriptions without Spanish
