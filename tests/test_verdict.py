"""Verdicts follow one rule everywhere: summary.csv, the page and the index."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from cba.analysis.verdict import option_verdicts, sanity_flags, verdict_of
from cba.appraisal import appraise
from cba.report import summary_html
from cba.vocab import BASE_RATE

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "fixtures" / "golden"


@pytest.mark.parametrize("run", ["deterministic", "mc200"])
def test_summary_verdicts_are_the_rule_applied_to_its_numbers(run):
    s = pd.read_csv(GOLDEN / run / "summary.csv")
    s = s[s["option_kind"] != "status_quo"]
    for r in s.itertuples():
        p = getattr(r, "p_npv_positive", None)
        want = verdict_of(r.npv, None if p is None or pd.isna(p) else p)
        assert r.verdict.removeprefix("best: ") == want, r
    for _key, g in s.groupby(["site", "rate_name"]):
        best = g[g["verdict"].str.startswith("best")]
        worth = g[g["verdict"].str.removeprefix("best: ") == "worth doing"]
        assert len(best) == (1 if len(worth) else 0)
        if len(best):
            assert best["npv"].iloc[0] == worth["npv"].max()
            assert best["npv"].iloc[0] > 0


def test_the_page_states_the_verdict_of_each_option(good_site):
    result = appraise(good_site, n_draws=100, seed=3)
    kinds = {oid: o.kind for oid, o in good_site.file.options.items()}
    v = option_verdicts(result.metrics, kinds)
    text = html.unescape(re.sub("<[^>]+>", "", summary_html(good_site, result)))
    for r in v.itertuples():
        name = good_site.file.options[r.option].name
        assert re.search(re.escape(name) + r": NPV [^—]*— " + r.verdict, text), text
    best = v[v["best"]]
    if len(best):
        assert (
            f"Recommended: {good_site.file.options[best['option'].iloc[0]].name}"
            in text
        )
    else:
        assert "Recommended: none" in text


def test_headline_is_central_and_draws_add_the_range(good_site, good_appraisal):
    mc = appraise(good_site, n_draws=100, seed=3)
    pd.testing.assert_series_equal(mc.metrics["npv"], good_appraisal.metrics["npv"])
    assert {"npv_mean", "npv_p50", "p_npv_positive"} <= set(mc.metrics.columns)
    pd.testing.assert_series_equal(
        mc.waits["wait_minutes"], good_appraisal.waits["wait_minutes"]
    )
    band = mc.waits.dropna(subset=["wait_minutes"])
    assert (band["wait_p05"] <= band["wait_p95"]).all()


def test_sanity_flags_speak_plainly():
    m = pd.DataFrame(
        {"option": ["a"], "rate_name": ["discount_rate_base"], "bcr": [80.0]}
    )
    w = pd.DataFrame({"option": ["status_quo"], "hour": [10], "wait_minutes": [240.0]})
    flags = sanity_flags(m, w, {"a": "Option A"}, measured=False, draft=True)
    assert len(flags) == 4
    assert "benefit-cost ratio of 80" in flags[0] and "240 minutes at 10:00" in flags[1]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_shipped_page_states_the_verdict_of_summary_csv(lang):
    """The first screen of every shipped site, in both languages, gives each
    option the verdict that summary.csv (the rule applied to its numbers) gives."""
    from cba.i18n import _, use_language
    from cba.params import load_site, localized

    s = pd.read_csv(GOLDEN / "deterministic" / "summary.csv")
    s = s[(s["rate_name"] == BASE_RATE) & (s["option_kind"] != "status_quo")]
    npv_word = {"en": "NPV", "es": "VPN"}[lang]
    for path in sorted((ROOT / "parameters" / "sites").glob("*.yaml")):
        site = load_site(path)
        result = appraise(site)
        shown = localized(site, lang)
        with use_language(lang):
            text = html.unescape(re.sub("<[^>]+>", "", summary_html(shown, result)))
            rows = s[s["site"] == site.id]
            assert len(rows) == len(site.file.options) - 1
            for r in rows.itertuples():
                name = shown.file.options[r.option].name
                verdict = _(r.verdict.removeprefix("best: "))
                pattern = re.escape(name) + f": {npv_word} [^—]*— " + re.escape(verdict)
                assert re.search(pattern, text), (site.id, r.option, lang)
                if r.verdict.startswith("best: "):
                    assert re.search(
                        r"(Recommended|Recomendada): " + re.escape(name), text
                    )
            if not rows["verdict"].str.startswith("best: ").any():
                assert re.search(r"(Recommended|Recomendada): (none|ninguna)", text)
