"""Plain-language text of the site reports: sentences, headings, alt texts.

Every number in a report's prose comes from an :class:`~cba.appraisal.Appraisal`
(or the site's parameters), formatted here, never typed by hand. Text that
comes from parameter files (names, descriptions, sources) is HTML-escaped.

Main functions: :func:`summary_html`, :func:`title_html`, :func:`describe_option`,
:func:`changes_table`, :func:`fmt_usd`, and the alt texts of the figures.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from ..analysis.verdict import NOT_WORTH_P, WORTH_DOING_P, option_verdicts, sanity_flags
from ..appraisal import Appraisal
from ..params import (
    Site,
    funding_of,
    iter_params,
    option_parts,
    option_timing,
    parameter_table,
)
from ..vocab import BASE_RATE, OPTION_KINDS, STAKEHOLDER_NAMES

__all__ = [
    "escape",
    "fmt_usd",
    "sig3",
    "fmt_irr",
    "fmt_payback",
    "fmt_num",
    "short_label",
    "base_rate_metrics",
    "recommended_option",
    "summary_html",
    "verdicts",
    "sanity_html",
    "title_html",
    "SECTIONS",
    "describe_option",
    "changes_table",
    "waits_alt",
    "components_alt",
    "stakeholders_alt",
    "forecasts_alt",
]


def escape(text) -> str:
    """Text from a parameter file, safe inside HTML."""
    return html.escape(str(text))


def fmt_usd(x: float) -> str:
    """Format dollars for people: three significant figures, k / M / B.

    Examples
    --------
    >>> fmt_usd(1234567.0), fmt_usd(165_380_000.0), fmt_usd(1.8153e9)
    ('$1.23 M', '$165 M', '$1.82 B')
    >>> fmt_usd(-5300.0), fmt_usd(640.0)
    ('-$5.30 k', '$640')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    for scale, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if a >= scale:
            return f"{sign}${sig3(a / scale)}{suffix}"
    return f"{sign}${a:.0f}"


def sig3(x: float) -> str:
    """A number to three significant figures, with thousands separators.

    Examples
    --------
    >>> sig3(158.76), sig3(15.41), sig3(1.234), sig3(1815.3), sig3(0.0)
    ('159', '15.4', '1.23', '1,820', '0')
    """
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = 3 - 1 - math.floor(math.log10(abs(x)))
    r = round(x, digits)
    return f"{r:,.{max(digits, 0)}f}"


def fmt_irr(x) -> str:
    """IRR for people: "none" where none exists, "> 100 %" above 100 %.

    Examples
    --------
    >>> fmt_irr(0.0834), fmt_irr(3.23), fmt_irr(float("nan"))
    ('8.3%', '> 100 %', 'none')
    """
    if x is None or pd.isna(x):
        return "none"
    return "> 100 %" if x > 1 else f"{x:.1%}"


def fmt_payback(years) -> str:
    """Discounted payback for people: "within the first year" below one year.

    Examples
    --------
    >>> fmt_payback(0.0), fmt_payback(3.26), fmt_payback(float("nan"))
    ('within the first year', '3.3', 'none')
    """
    if years is None or pd.isna(years):
        return "none"
    return "within the first year" if years <= 1 else f"{years:.1f}"


def fmt_num(x, nd=1):
    """A number with ``nd`` decimals, or "n/a" for None, NaN and infinity."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "n/a"
    return f"{x:.{nd}f}"


def short_label(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."


def base_rate_metrics(appraisal: Appraisal) -> pd.DataFrame:
    """The metrics rows at the base discount rate."""
    m = appraisal.metrics
    return m[m["rate_name"] == BASE_RATE]


def recommended_option(site: Site, appraisal: Appraisal) -> str:
    """Id of the option (not the status quo) with the highest NPV at the base rate."""
    base = base_rate_metrics(appraisal)
    cand = base[base["option"].map(lambda o: site.file.options[o].kind != "status_quo")]
    return str(cand.sort_values("npv", ascending=False)["option"].iloc[0])


def verdicts(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """The verdict of each option at the base rate (:mod:`cba.analysis.verdict`)."""
    kinds = {oid: o.kind for oid, o in site.file.options.items()}
    return option_verdicts(appraisal.metrics, kinds)


def _measured(site: Site) -> bool:
    return site.file.calibration is not None or any(
        p.source.tag == "calibrated" for _, p in iter_params(site)
    )


def _draft(site: Site) -> bool:
    return any(
        p.is_assumption and "Scaffold default" in (p.source.rationale or "")
        for _, p in iter_params(site)
    )


def sanity_html(site: Site, appraisal: Appraisal) -> str:
    """A boxed list of what deserves a second look (empty when nothing does)."""
    names = {
        oid: o.name for oid, o in site.file.options.items() if o.kind != "status_quo"
    }
    flags = sanity_flags(
        appraisal.metrics,
        appraisal.waits,
        names,
        measured=_measured(site),
        draft=_draft(site),
    )
    if not flags:
        return ""
    items = "".join(f"<li>{escape(f)}</li>" for f in flags)
    return (
        '<div class="cba-sanity" role="note"><p><strong>Read with care:</strong>'
        f"</p><ul>{items}</ul></div>"
    )


def summary_html(site: Site, appraisal: Appraisal) -> str:
    """One-screen plain-language summary, generated from the results.

    The headline numbers are the central (deterministic) values; with Monte Carlo
    draws, the median, the 5-95 % range and P(NPV > 0) say how sure they are,
    and the verdicts follow :mod:`cba.analysis.verdict`.
    """
    base = base_rate_metrics(appraisal).set_index("option")
    opts = site.file.options
    rate = float(base["discount_rate"].iloc[0]) if len(base) else float("nan")
    dy = site.info.report_dollar_year
    lines = [
        f"<p><strong>{escape(site.info.name)}</strong>. "
        f"{escape(site.info.description)}</p>",
        sanity_html(site, appraisal),
    ]
    v = verdicts(site, appraisal)
    if v.empty:
        lines.append("<p>No options other than the status quo are defined.</p>")
        return "\n".join(x for x in lines if x)
    drawn = appraisal.n_draws > 0 and "p_npv_positive" in base.columns
    when = (
        f"({dy} dollars, {rate:.0%} real discount rate over "
        f"{site.info.horizon_years} years, central values)"
    )
    best = v[v["best"]]
    if len(best):
        b = best.iloc[0]
        r = base.loc[b["option"]]
        text = (
            f"<p><strong>Recommended: {escape(opts[b['option']].name)}.</strong> "
            f"Its net present value is <strong>{fmt_usd(r['npv'])}</strong> {when}, "
            f"with a benefit-cost ratio of <strong>{fmt_num(r['bcr'], 1)}</strong>"
        )
        if drawn:
            text += (
                f"; its NPV was positive in {float(r['p_npv_positive']):.0%} of draws"
            )
        text += "."
        if b["near_tie_with"]:
            text += (
                f" It is a near tie with {escape(opts[b['near_tie_with']].name)}: "
                f"it came out best in only {float(r['p_best']):.0%} of draws."
            )
        lines.append(text + "</p>")
    else:
        lines.append(
            "<p><strong>Recommended: none.</strong> No option is worth doing on these "
            f"numbers {when}"
            + ("; the draws leave some uncertain (below)." if drawn else ".")
            + "</p>"
        )
    items = []
    for row in v.sort_values("npv", ascending=False).itertuples():
        r = base.loc[row.option]
        text = (
            f"<li><strong>{escape(opts[row.option].name)}</strong>: NPV "
            f"{fmt_usd(r['npv'])}, BCR {fmt_num(r['bcr'], 1)}"
        )
        if drawn:
            text += (
                f"; in {appraisal.n_draws:,} draws median {fmt_usd(r['npv_p50'])}, "
                f"90 % between {fmt_usd(r['npv_p05'])} and {fmt_usd(r['npv_p95'])}, "
                f"P(NPV &gt; 0) {float(r['p_npv_positive']):.0%}"
            )
        items.append(text + f" &mdash; <strong>{row.verdict}</strong>.</li>")
    lines.append("<ul>" + "".join(items) + "</ul>")
    if drawn:
        lines.append(
            "<p><strong>How sure are we?</strong> The NPVs above are at central "
            "values. An option is <em>worth doing</em> when that NPV is positive "
            "and at least "
            f"{WORTH_DOING_P:.0%} of the Monte Carlo draws agree; <em>not worth "
            f"doing</em> when it is not positive and at most {NOT_WORTH_P:.0%} of the "
            "draws are; otherwise <em>uncertain</em>. Queues grow faster than traffic "
            "near capacity, so the mean over draws can sit far above the median.</p>"
        )
    else:
        lines.append(
            "<p><strong>How sure are we?</strong> This is a deterministic run at "
            "central values; many inputs are labelled assumptions (see the "
            "appendix), so treat the ranking as indicative. A run with draws "
            "(<code>--draws 1000</code>) adds how often each NPV is positive.</p>"
        )
    n_assump = int(parameter_table(site)["assumption"].sum())
    lines.append(
        f"<p><strong>Main caveat:</strong> {n_assump} of the inputs are labelled "
        "assumptions (processing times, booth schedules and lane shares are not "
        "published per crossing); waits are modelled for an average day, which "
        "understates weekday peaks.</p>"
    )
    return "\n".join(x for x in lines if x)


#: Sections of the site report (headings of notebooks/site_report.ipynb) and the
#: anchors the HTML export gives them.
SECTIONS = [
    ("Summary", "Summary"),
    ("The site and its traffic", "The-site-and-its-traffic"),
    ("Options compared", "Options-compared"),
    ("Wait times by hour", "Wait-times-by-hour"),
    ("Benefits and costs by component", "Benefits-and-costs-by-component"),
    ("Year by year", "Year-by-year"),
    ("Who pays, who gains", "Who-pays,-who-gains"),
    ("How sure are we", "How-sure-are-we"),
    ("Appendix", "Appendix:-every-parameter-used,-with-its-source"),
]


def title_html(site: Site) -> str:
    """Site heading, key facts, a link back to all sites and the contents (escaped)."""
    i = site.info
    toc = " &middot; ".join(
        f'<a href="#{escape(a)}">{escape(t)}</a>' for t, a in SECTIONS
    )
    return (
        '<p class="cba-nav"><a href="../index.html">&larr; All sites</a></p>'
        f"<h2>{escape(i.name)}</h2><p>Site id <code>{escape(i.id)}</code>; "
        f"base year {i.base_year}; {i.horizon_years}-year analysis; money in "
        f"{i.report_dollar_year} US dollars.</p>"
        f'<nav aria-label="Contents"><p><strong>Contents:</strong> {toc}</p></nav>'
    )


def _hours_text(hours: list[int]) -> str:
    """'6-9, 14' style list of hour ranges (hour h = h:00 to h+1:00)."""
    if not hours:
        return ""
    runs, start, prev = [], hours[0], hours[0]
    for h in hours[1:] + [None]:
        if h is not None and h == prev + 1:
            prev = h
            continue
        runs.append(f"{start:02d}:00-{prev + 1:02d}:00")
        if h is not None:
            start = prev = h
    return ", ".join(runs)


def _money_short(x: float) -> str:
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f} M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f} k"
    return f"${x:,.0f}"


def _change_lines(site, opt) -> list[str]:
    out = []
    for sid, ch in opt.changes.items():
        stream = site.file.streams[sid].description
        if ch.extra_booths is not None:
            extra = list(ch.extra_booths.value)
            added = [h for h, e in enumerate(extra) if e > 0]
            cut = [h for h, e in enumerate(extra) if e < 0]
            if added:
                most = max(extra)
                out.append(
                    f"{stream}: up to {most:g} more booth(s) open in "
                    f"{_hours_text(added)} "
                    f"({sum(e for e in extra if e > 0):g} booth-hours a day)"
                )
            if cut:
                out.append(
                    f"{stream}: {-sum(e for e in extra if e < 0):g} fewer booth-hours "
                    f"a day in {_hours_text(cut)}"
                )
        if ch.processing_factor is not None:
            f = float(ch.processing_factor.value)
            out.append(f"{stream}: processing time x {f:.2f} ({(f - 1) * 100:+.0f} %)")
        if ch.secondary_referral_factor is not None:
            f = float(ch.secondary_referral_factor.value)
            out.append(
                f"{stream}: referrals to secondary inspection x {f:.2f} "
                f"({(f - 1) * 100:+.0f} %)"
            )
        if ch.shift_share is not None:
            to = site.file.streams[ch.shift_to].description
            out.append(
                f"{float(ch.shift_share.value):.0%} of {stream.lower()} moves to "
                f"{to.lower()}"
            )
    return out


def _cost_lines(opt, start: int) -> list[str]:
    out = []
    for c in opt.costs:
        amount = float(c.amount.value)
        if c.kind == "capital":
            life = float(c.asset_life_years.value)
            out.append(
                f"{c.description}: {_money_short(amount)} once in {c.year or start} "
                f"({life:g}-year life), paid by {c.payer}"
            )
        else:
            out.append(
                f"{c.description}: {_money_short(amount)} a year, paid by {c.payer}"
            )
    if opt.staffing is not None:
        how = "overtime" if opt.staffing.pay == "overtime" else "straight time"
        line = (
            f"Officer time for added booth-hours at {how}, paid by {opt.staffing.payer}"
        )
        if opt.staffing.reimbursed_to_cbp:
            line += " (reimbursed to CBP)"
        out.append(line)
    return out


def describe_option(site: Site, oid: str) -> dict[str, str]:
    """Plain-language description of what an option changes and costs.

    Returns a dict with keys ``option``, ``kind``, ``timing``, ``changes``,
    ``costs`` and ``funding`` (text; lines joined by "; ").
    """
    options = site.file.options
    opt = options[oid]
    start, ramp = option_timing(options, oid, site.info.base_year)
    changes, costs = [], []
    for p in option_parts(options, oid):
        part = options[p]
        prefix = f"[{part.name}] " if p != oid else ""
        p_start = option_timing(options, p, site.info.base_year)[0]
        changes += [prefix + x for x in _change_lines(site, part)]
        costs += [prefix + x for x in _cost_lines(part, p_start)]
    fund = funding_of(options, oid)
    if fund is not None and fund.toll_surcharge is not None:
        streams = ", ".join(
            site.file.streams[s].description.lower() for s in fund.tolled_streams
        )
        fund_text = (
            f"Toll surcharge of ${float(fund.toll_surcharge.value):.2f} per "
            f"crossing on {streams}, paid to {fund.recipient}"
        )
    elif any(
        options[p].staffing is not None and options[p].staffing.payer == "sponsor"
        for p in option_parts(options, oid)
    ):
        fund_text = (
            "Sponsor pays from its own budget (no toll); "
            "break-even toll in the sponsor table"
        )
    else:
        fund_text = ""
    if opt.kind == "status_quo":
        when = ""
    else:
        when = f"from {start}" + (
            f", full effect after {ramp} years" if ramp > 1 else ""
        )
    kind = OPTION_KINDS[opt.kind].label
    if opt.combines:
        kind += ": " + " + ".join(options[p].name for p in opt.combines)
    return {
        "option": opt.name,
        "kind": kind,
        "timing": when,
        "changes": "; ".join(changes) or "nothing",
        "costs": "; ".join(costs) or "none",
        "funding": fund_text,
    }


def changes_table(site: Site) -> pd.DataFrame:
    """What each option changes, costs and how it is funded (display table)."""
    rows = [describe_option(site, oid) for oid in site.file.options]
    t = pd.DataFrame(rows)
    t.columns = [
        "Option",
        "Kind",
        "When",
        "What changes",
        "Costs and who pays",
        "Funding",
    ]
    return t


def waits_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the wait-profile chart, generated from the results."""
    w = appraisal.waits
    sq = w[w["option"] == "status_quo"]
    if sq.empty:
        return "Chart of mean time at the crossing by hour of arrival."
    top = sq.loc[sq["wait_minutes"].idxmax()]
    stream = site.file.streams[top["stream"]].description
    parts = [
        "Line charts of the mean time at the crossing by hour of arrival, one per "
        "traffic stream, status quo against each option. Under the status quo the "
        f"longest is {top['wait_minutes']:.0f} minutes for {stream.lower()} "
        f"arriving at {int(top['hour']):02d}:00."
    ]
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        sub = w[
            (w["option"] == oid)
            & (w["stream"] == top["stream"])
            & (w["hour"] == top["hour"])
        ]
        if len(sub):
            parts.append(
                f"With {o.name.lower()}: "
                f"{float(sub['wait_minutes'].iloc[0]):.0f} minutes."
            )
    return " ".join(parts)


def components_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the benefits-and-costs chart, generated from the results."""
    base = base_rate_metrics(appraisal)
    items = []
    for _, r in base.iterrows():
        o = site.file.options[r["option"]]
        if o.kind == "status_quo":
            continue
        items.append(
            f"{o.name}: benefits {fmt_usd(r['pv_benefits'])}, "
            f"costs {fmt_usd(r['pv_costs'])}"
        )
    return (
        "Horizontal bar chart of present values by component at the base "
        "discount rate. " + "; ".join(items) + "."
    )


def stakeholders_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the who-pays-who-gains chart, generated from the results."""
    s = appraisal.stakeholders
    s = s[(s["rate_name"] == BASE_RATE) & (s["option"] != "status_quo")]
    parts = []
    for oid, g in s.groupby("option", sort=False):
        g = g.set_index("stakeholder")["pv_net"]
        gain, pay = g.idxmax(), g.idxmin()
        text = (
            f"{site.file.options[oid].name}: {STAKEHOLDER_NAMES[gain]} gain most "
            f"({fmt_usd(g[gain])})"
        )
        if g[pay] < 0:
            text += f", {STAKEHOLDER_NAMES[pay]} pays most ({fmt_usd(g[pay])})"
        parts.append(text)
    return (
        "Horizontal bar chart of each stakeholder's net gain per option at the "
        "base rate. " + "; ".join(parts) + "."
    )


def forecasts_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the forecast chart."""
    parts = [
        f"{r.description}: {r.volume:,.0f} a year"
        for r in appraisal.traffic.itertuples()
    ]
    return (
        "Line charts of monthly inbound crossings since 2010 from BTS data, with "
        "the statsmodels forecast and its 80 % and 95 % intervals. "
        "Base-year volumes: " + "; ".join(parts) + "."
    )
