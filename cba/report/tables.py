"""Display tables of the site reports (DataFrames and escaped HTML tables).

Every table formats what an :class:`~cba.appraisal.Appraisal` (or the site's
parameters) already holds: money in million dollars, rates and shares in
per cent; nothing is computed here.

Main functions: :func:`options_table`, :func:`stakeholder_table`,
:func:`country_split_table`, :func:`sponsor_table`, :func:`traffic_table`,
:func:`appendix_table`, :func:`risk_table`, :func:`table_html`.
"""

from __future__ import annotations

import pandas as pd

from ..appraisal import Appraisal
from ..params import Site, iter_params, parameter_table
from ..vocab import BASE_RATE, STAKEHOLDER_COUNTRY, STAKEHOLDER_NAMES
from .text import (
    base_rate_metrics,
    changes_table,
    escape,
    fmt_irr,
    fmt_num,
    fmt_payback,
    sig3,
)

__all__ = [
    "table_html",
    "options_table",
    "stakeholder_table",
    "country_split_table",
    "sponsor_table",
    "appendix_table",
    "assumptions_table",
    "range_text",
    "traffic_table",
    "risk_table",
    "switching_table",
    "options_html",
    "delay_html",
    "stakeholder_html",
    "changes_html",
    "sponsor_html",
    "country_split_html",
    "appendix_html",
    "SOURCE_TAGS",
    "assumptions_html",
    "correlations_html",
    "traffic_html",
    "yearly_table",
    "yearly_html",
]


def table_html(df: pd.DataFrame, caption: str, index: bool = False) -> str:
    """A DataFrame as an escaped HTML table with a caption."""
    body = df.to_html(
        index=index, escape=True, border=0, classes="cba-table", na_rep=""
    )
    start = body.index(">", body.index("<table")) + 1
    return body[:start] + f"<caption>{escape(caption)}</caption>" + body[start:]


def options_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Options compared at each discount rate (display table, money in M USD)."""
    m = appraisal.metrics.copy()
    names = {oid: o.name for oid, o in site.file.options.items()}
    out = pd.DataFrame(
        {
            "Option": m["option"].map(names),
            "Discount rate": m["discount_rate"].map(lambda r: f"{r:.0%}"),
            "PV benefits (M$)": (m["pv_benefits"] / 1e6).map(sig3),
            "PV costs (M$)": (m["pv_costs"] / 1e6).map(sig3),
            "NPV (M$)": (m["npv"] / 1e6).map(sig3),
            "BCR": m["bcr"].map(lambda x: fmt_num(x, 1)),
            "IRR": m["irr"].map(fmt_irr),
            "Payback (years)": m["payback_years"].map(fmt_payback),
        }
    )
    return out


def stakeholder_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Who pays and who gains: PV net by stakeholder and option at the base rate."""
    s = appraisal.stakeholders
    s = s[s["rate_name"] == BASE_RATE]
    names = {oid: o.name for oid, o in site.file.options.items()}
    t = s.pivot_table(
        index="option",
        columns="stakeholder",
        values="pv_net",
        aggfunc="sum",
        sort=False,
    )
    t = (t / 1e6).round(2)
    t["Total (= NPV)"] = t.sum(axis=1).round(2)
    t.index = t.index.map(names)
    t.index.name = "Option (PV net, M$)"
    return t.rename(columns=STAKEHOLDER_NAMES)


def country_split_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Net benefits by country (US, Mexico, sponsor) per option at base rate (M$)."""
    s = appraisal.stakeholders
    s = s[s["rate_name"] == BASE_RATE].copy()
    s["country"] = s["stakeholder"].map(STAKEHOLDER_COUNTRY)
    t = s.pivot_table(
        index="option", columns="country", values="pv_net", aggfunc="sum", sort=False
    )
    t = t.reindex(columns=["United States", "Mexico", "Sponsor"], fill_value=0.0)
    t = t[[o != "status_quo" for o in t.index]]
    total = t.sum(axis=1)
    out = (t / 1e6).round(2)
    out["Total (= NPV)"] = (total / 1e6).round(2)
    share = t["United States"] / total.where(total != 0)
    out["US share of net gain"] = share.map(
        lambda x: "n/a" if pd.isna(x) else f"{x:.0%}"
    )
    out.index = out.index.map({oid: o.name for oid, o in site.file.options.items()})
    out.index.name = "Option (PV net, M$)"
    return out


def sponsor_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """The sponsor's financial view per option at the base rate.

    PV of what the sponsor pays (officer-time reimbursements, capital net of
    residual value, upkeep), PV of toll revenue, the sponsor's financial NPV
    and the break-even toll surcharge per crossing. Only options with a sponsor.
    """
    cols = [
        "Option",
        "Sponsor pays (PV, M$)",
        "Toll revenue (PV, M$)",
        "Sponsor financial NPV (M$)",
        "Break-even toll (USD/crossing)",
    ]
    sp = appraisal.sponsor
    sp = sp[sp["rate_name"] == BASE_RATE]
    if sp.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in sp.itertuples():
        be = r.breakeven_toll_usd
        rows.append(
            {
                "Option": site.file.options[r.option].name,
                "Sponsor pays (PV, M$)": round(r.pays_pv / 1e6, 2),
                "Toll revenue (PV, M$)": round(r.toll_revenue_pv / 1e6, 2),
                "Sponsor financial NPV (M$)": round(r.financial_npv / 1e6, 2),
                "Break-even toll (USD/crossing)": "n/a" if pd.isna(be) else f"{be:.2f}",
            }
        )
    return pd.DataFrame(rows, columns=cols)


def appendix_table(site: Site) -> pd.DataFrame:
    """Every parameter used: value, unit, source and whether it is an assumption."""
    t = parameter_table(site)
    t["dollar_year"] = t["dollar_year"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    t["assumption"] = t["assumption"].map({True: "yes", False: ""})
    return t[
        [
            "key",
            "description",
            "value",
            "unit",
            "dollar_year",
            "source",
            "assumption",
            "distribution",
        ]
    ]


def assumptions_table(site: Site) -> pd.DataFrame:
    """The labelled assumptions only, with their rationale and owner."""
    rows = []
    for key, p in iter_params(site):
        if p.is_assumption:
            rows.append(
                {
                    "key": key,
                    "assumption": p.source.assumption,
                    "rationale": p.source.rationale,
                    "owner": p.source.owner,
                    "range": range_text(p),
                }
            )
    return pd.DataFrame(
        rows, columns=["key", "assumption", "rationale", "owner", "range"]
    )


def range_text(p) -> str:
    """The support of a parameter's distribution as text (empty when fixed)."""
    d = p.distribution
    if d is None:
        return ""
    lo, hi = d.support()
    return f"{lo:g} to {hi:g}"


def traffic_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Base-year volume of each stream and where it comes from."""
    y0 = site.info.base_year
    rows = []
    for r in appraisal.traffic.itertuples():
        v = site.file.streams[r.stream].volume
        if r.port_code is not None:
            src = (
                f"BTS port {r.port_code} '{r.measure}' forecast for {y0} "
                f"({r.port_total:,.0f}) x share {r.share:g}: {v.share.source.label()}"
            )
            band = f"{r.lower_80:,.0f} to {r.upper_80:,.0f}"
        else:
            src = v.annual.source.label()
            band = ""
        rows.append(
            {
                "Stream": r.description,
                f"Volume in {y0} (per year)": f"{r.volume:,.0f}",
                "Per average day": f"{r.per_day:,.0f}",
                "80 % interval": band,
                "Source": src,
            }
        )
    return pd.DataFrame(rows)


def risk_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Monte Carlo summary per option at the base rate."""
    m = base_rate_metrics(appraisal)
    opts = site.file.options
    m = m[m["option"].map(lambda o: opts[o].kind != "status_quo")]
    return pd.DataFrame(
        {
            "Option": m["option"].map(lambda o: opts[o].name),
            "Central NPV (M$)": (m["npv"] / 1e6).round(2),
            "Mean over draws (M$)": (m["npv_mean"] / 1e6).round(2),
            "NPV 5th pct (M$)": (m["npv_p05"] / 1e6).round(2),
            "NPV median (M$)": (m["npv_p50"] / 1e6).round(2),
            "NPV 95th pct (M$)": (m["npv_p95"] / 1e6).round(2),
            "P(NPV > 0)": m["p_npv_positive"].map(lambda x: f"{x:.0%}"),
            "P(best option)": m["p_best"].map(lambda x: f"{x:.0%}"),
        }
    )


def switching_table(site: Site, switching: pd.DataFrame) -> pd.DataFrame:
    """Switching values as a display table."""
    opts = site.file.options
    return pd.DataFrame(
        {
            "Option": switching["option"].map(lambda o: opts[o].name),
            "Input": switching["key"],
            "Central value": switching["central"].map(lambda x: f"{x:.4g}"),
            "NPV = 0 at": [
                ("none within the support" if pd.isna(v) else f"{v:.4g}")
                for v in switching["switching_value"]
            ],
            "Support searched": [
                f"{lo:.4g} to {hi:.4g}"
                for lo, hi in zip(switching["low"], switching["high"], strict=True)
            ],
        }
    )


def options_html(site: Site, appraisal: Appraisal) -> str:
    """The options table as HTML."""
    return table_html(
        options_table(site, appraisal), "Options compared at each discount rate"
    )


def delay_html(site: Site, appraisal: Appraisal) -> str:
    """Daily vehicle-hours of delay, first year of operation, by stream and option."""
    d = appraisal.delay
    first = site.info.base_year + 1
    d = d[d["year"] == first]
    names = {oid: o.name for oid, o in site.file.options.items()}
    t = d.pivot_table(
        index="stream",
        columns="option",
        values="delay_vehicle_hours_per_day",
        aggfunc="sum",
        sort=False,
    ).round(1)
    t.columns = [names[c] for c in t.columns]
    t.index = [site.file.streams[s].description for s in t.index]
    return table_html(
        t, f"Vehicle-hours of delay per average day in {first}", index=True
    )


def stakeholder_html(site: Site, appraisal: Appraisal) -> str:
    """Who pays, who gains, as HTML."""
    return table_html(
        stakeholder_table(site, appraisal),
        "Present value of net gain by stakeholder (M$)",
        index=True,
    )


def changes_html(site: Site) -> str:
    """What each option changes, costs and how it is funded, as HTML."""
    return table_html(
        changes_table(site), "What each option changes, what it costs and who pays"
    )


def sponsor_html(site: Site, appraisal: Appraisal) -> str:
    """The sponsor's financial view as HTML (a sentence if no option has a sponsor)."""
    t = sponsor_table(site, appraisal)
    if t.empty:
        return "<p>No option of this site has a sponsor.</p>"
    return table_html(
        t,
        "The sponsor's financial view at the base rate; the break-even toll is the "
        "surcharge per tolled crossing that makes the sponsor's financial NPV zero",
    )


def country_split_html(site: Site, appraisal: Appraisal) -> str:
    """Net benefits by country as HTML."""
    return table_html(
        country_split_table(site, appraisal),
        "Net gain by country at the base rate (M$); the sponsor is shown on its own",
        index=True,
    )


#: What the confidence tag of a documented source says.
SOURCE_TAGS = {
    "V": "read in the primary document, or in an official or news page that reports "
    "it directly",
    "S": "secondary: a third party that cites the primary document",
    "D": "derived from tagged inputs; the arithmetic is stated",
    "R": "recalled or unverified: check before relying on it",
    "calibrated": "set by calibration against measurements at the crossing",
    "assumption": "a labelled judgement, with its rationale and owner",
}


def _source_cell(label: str, href: str) -> str:
    text = escape(label)
    if href.startswith(("https://", "http://")):
        return f'<a href="{escape(href)}" rel="noopener">{text}</a>'
    return text + (f" ({escape(href)})" if href else "")


def appendix_html(site: Site) -> str:
    """Parameter appendix as HTML, folded, with sources as links and tags explained."""
    t = appendix_table(site)
    hrefs = parameter_table(site)["href"].fillna("").astype(str)
    cells = t.map(lambda x: escape("" if pd.isna(x) else x))
    cells["source"] = [
        _source_cell(str(label), href)
        for label, href in zip(t["source"], hrefs, strict=True)
    ]
    body = cells.to_html(index=False, escape=False, border=0, classes="cba-table")
    start = body.index(">", body.index("<table")) + 1
    table = body[:start] + "<caption>Every parameter used</caption>" + body[start:]
    legend = "; ".join(
        f"<strong>[{k}]</strong> {escape(v)}"
        if k not in ("calibrated", "assumption")
        else f"<strong>{k}</strong>: {escape(v)}"
        for k, v in SOURCE_TAGS.items()
    )
    return (
        f"<details><summary>Every parameter used ({len(t)}), with its value, unit "
        f"and source (click to open)</summary><p>Source tags: {legend}.</p>"
        f"{table}</details>"
    )


def assumptions_html(site: Site) -> str:
    """Labelled assumptions as HTML."""
    return table_html(
        assumptions_table(site), "Labelled assumptions (judgement calls, with ranges)"
    )


def correlations_html(site: Site) -> str:
    """Correlations between uncertain inputs used in the Monte Carlo, as HTML."""
    rows = [
        {
            "Input": c.between[0],
            "Correlated with": c.between[1],
            "rho (normal scores)": f"{c.rho:g}",
            "Source": c.source.label(),
        }
        for c in site.file.correlations
    ]
    if not rows:
        return "<p>All uncertain inputs are drawn independently of each other.</p>"
    return table_html(
        pd.DataFrame(rows),
        "Correlations between uncertain inputs in the Monte Carlo "
        "(Gaussian copula; every other input is drawn independently)",
    )


def traffic_html(site: Site, appraisal: Appraisal) -> str:
    """Base-year traffic table as HTML."""
    return table_html(
        traffic_table(site, appraisal),
        f"Traffic in the base year {site.info.base_year}",
    )


def yearly_table(site: Site, appraisal: Appraisal, option: str) -> pd.DataFrame:
    """One option's benefits, costs and net by year at the base rate (M$), with the
    discounted net and the cumulative NPV, as spreadsheet tools show them."""
    y = appraisal.yearly
    y = y[(y["rate_name"] == BASE_RATE) & (y["option"] == option)]
    return pd.DataFrame(
        {
            "Year": y["year"].astype(int),
            "Benefits (M$)": (y["benefits"] / 1e6).map(sig3),
            "Costs (M$)": (y["costs"] / 1e6).map(sig3),
            "Net (M$)": (y["net"] / 1e6).map(sig3),
            "Discount factor": y["discount_factor"].map(lambda x: f"{x:.3f}"),
            "Discounted net (M$)": (y["discounted_net"] / 1e6).map(sig3),
            "Cumulative NPV (M$)": (y["cumulative_npv"] / 1e6).map(sig3),
        }
    )


def yearly_html(site: Site, appraisal: Appraisal) -> str:
    """The yearly cash-flow table of every option, each folded under its name."""
    parts = []
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        t = table_html(
            yearly_table(site, appraisal, oid),
            f"{o.name}: cash flows by year at the base rate",
        )
        parts.append(f"<details><summary>{escape(o.name)}</summary>{t}</details>")
    return "".join(parts) or "<p>No options other than the status quo.</p>"
