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
from ..i18n import N_, _, language
from ..params import Site, iter_params, parameter_table
from ..vocab import BASE_RATE, DAYS_OF_WEEK, STAKEHOLDER_COUNTRY, STAKEHOLDER_NAMES
from .text import (
    SECTION_TEXT,
    STAGE_NAMES,
    base_rate_metrics,
    changes_table,
    escape,
    fmt_irr,
    fmt_num,
    fmt_payback,
    fmt_pct,
    fmt_usd,
    sig3,
)

__all__ = [
    "allocation_html",
    "DAY_KIND_NAMES",
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
    "stage_waits_html",
    "responses_table",
    "responses_html",
    "stakeholder_html",
    "changes_html",
    "method_html",
    "sponsor_html",
    "country_split_html",
    "appendix_html",
    "SOURCE_TAGS",
    "ENGLISH_ONLY",
    "assumptions_html",
    "correlations_html",
    "traffic_html",
    "yearly_table",
    "yearly_html",
    "measurement_html",
    "METHOD_NAMES",
]

#: Plain names of how an observation was made.
METHOD_NAMES = {
    "rfid": N_("measured (RFID readers)"),
    "bluetooth": N_("measured (Bluetooth or GPS probes)"),
    "cbp_posted": N_("CBP posted estimate"),
    "agency_report": N_("agency report"),
    "press": N_("press report"),
}
#: Plain names of the strength grades.
STRENGTH_NAMES = {
    "strong": N_("strong"),
    "moderate": N_("moderate"),
    "weak": N_("weak"),
}


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
            _("Option"): m["option"].map(names),
            _("Discount rate"): m["discount_rate"].map(fmt_pct),
            _("PV benefits (M$)"): (m["pv_benefits"] / 1e6).map(sig3),
            _("PV costs (M$)"): (m["pv_costs"] / 1e6).map(sig3),
            _("NPV (M$)"): (m["npv"] / 1e6).map(sig3),
            _("BCR"): m["bcr"].map(lambda x: fmt_num(x, 1)),
            _("IRR"): m["irr"].map(fmt_irr),
            _("Payback (years)"): m["payback_years"].map(fmt_payback),
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
    t[_("Total (= NPV)")] = t.sum(axis=1).round(2)
    t.index = t.index.map(names)
    t.index.name = _("Option (PV net, M$)")
    return t.rename(columns={k: _(v) for k, v in STAKEHOLDER_NAMES.items()})


def country_split_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Net benefits by country (US, Mexico, sponsor) per option at base rate (M$)."""
    s = appraisal.stakeholders
    s = s[s["rate_name"] == BASE_RATE].copy()
    s["country"] = s["stakeholder"].map(STAKEHOLDER_COUNTRY)
    t = s.pivot_table(
        index="option", columns="country", values="pv_net", aggfunc="sum", sort=False
    )
    t = t.reindex(
        columns=[N_("United States"), N_("Mexico"), N_("Sponsor")], fill_value=0.0
    )
    t = t[[o != "status_quo" for o in t.index]]
    total = t.sum(axis=1)
    out = (t / 1e6).round(2)
    out[_("Total (= NPV)")] = (total / 1e6).round(2)
    share = t["United States"] / total.where(total != 0)
    out[_("US share of net gain")] = share.map(fmt_pct)
    out = out.rename(columns={c: _(c) for c in ("United States", "Mexico", "Sponsor")})
    out.index = out.index.map({oid: o.name for oid, o in site.file.options.items()})
    out.index.name = _("Option (PV net, M$)")
    return out


def sponsor_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """The sponsor's financial view per option at the base rate.

    PV of what the sponsor pays (officer-time reimbursements, capital net of
    residual value, upkeep), PV of toll revenue, the sponsor's financial NPV
    and the break-even toll surcharge per crossing. Only options with a sponsor.
    """
    cols = [
        _("Option"),
        _("Sponsor pays (PV, M$)"),
        _("Toll revenue (PV, M$)"),
        _("Sponsor financial NPV (M$)"),
        _("Break-even toll (USD/crossing)"),
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
                _("Option"): site.file.options[r.option].name,
                _("Sponsor pays (PV, M$)"): round(r.pays_pv / 1e6, 2),
                _("Toll revenue (PV, M$)"): round(r.toll_revenue_pv / 1e6, 2),
                _("Sponsor financial NPV (M$)"): round(r.financial_npv / 1e6, 2),
                _("Break-even toll (USD/crossing)"): fmt_num(be, 2),
            }
        )
    return pd.DataFrame(rows, columns=cols)


#: Marks a parameter description shown in English on a Spanish page.
ENGLISH_ONLY = "[EN]"


def appendix_table(site: Site) -> pd.DataFrame:
    """Every parameter used: value, unit, source and whether it is an assumption.

    On a Spanish page a description comes from the parameter's
    ``description_es``; where a file has none, the English shows, marked
    :data:`ENGLISH_ONLY`.
    """
    t = parameter_table(site)
    if language() == "es":
        spanish = {k: p.description_es for k, p in iter_params(site)}
        t["description"] = [
            spanish.get(k) or f"{d} {ENGLISH_ONLY}"
            for k, d in zip(t["key"], t["description"], strict=True)
        ]
    t["dollar_year"] = t["dollar_year"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    t["assumption"] = t["assumption"].map({True: _("yes"), False: ""})
    cols = {
        "key": N_("Key"),
        "description": N_("Description"),
        "value": N_("Value"),
        "unit": N_("Unit"),
        "dollar_year": N_("Dollar year"),
        "source": N_("Source"),
        "assumption": N_("Assumption"),
        "distribution": N_("Distribution"),
    }
    return t[list(cols)].rename(columns={k: _(v) for k, v in cols.items()})


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
    cols = {
        "key": N_("Key"),
        "assumption": N_("Assumption"),
        "rationale": N_("Rationale"),
        "owner": N_("Owner"),
        "range": N_("Range"),
    }
    t = pd.DataFrame(rows, columns=list(cols))
    return t.rename(columns={k: _(v) for k, v in cols.items()})


def range_text(p) -> str:
    """The support of a parameter's distribution as text (empty when fixed)."""
    d = p.distribution
    if d is None:
        return ""
    lo, hi = d.support()
    return _("{low} to {high}").format(low=f"{lo:g}", high=f"{hi:g}")


def traffic_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Base-year volume of each stream and where it comes from."""
    y0 = site.info.base_year
    rows = []
    for r in appraisal.traffic.itertuples():
        own = site.file.streams[r.stream].volume
        _src, v = site.file.volume_source(r.stream)
        if r.port_code is not None:
            src = _(
                "BTS port {port} '{measure}' forecast for {year} ({total}) x share "
                "{share}: {source}"
            ).format(
                port=r.port_code,
                measure=r.measure,
                year=y0,
                total=f"{r.port_total:,.0f}",
                share=f"{r.share:g}",
                source=v.share.source.label(),
            )
            band = _("{low} to {high}").format(
                low=f"{r.lower_80:,.0f}", high=f"{r.upper_80:,.0f}"
            )
        else:
            src = v.annual.source.label()
            band = ""
        if own.part_of is not None:
            src += "; " + _(
                "lane programme, {share} of the traffic of {stream} with its lane "
                "programmes: {source}"
            ).format(
                share=f"{own.share.value:g}",
                stream=site.file.streams[own.part_of].description,
                source=own.share.source.label(),
            )
        elif site.file.volume_parts(r.stream):
            src += "; " + _("less its lane programmes: {streams}").format(
                streams=", ".join(
                    site.file.streams[k].description
                    for k in site.file.volume_parts(r.stream)
                )
            )
        rows.append(
            {
                _("Stream"): r.description,
                _("Volume in {year} (per year)").format(year=y0): f"{r.volume:,.0f}",
                _("Per average day"): f"{r.per_day:,.0f}",
                _("80 % interval"): band,
                _("Source"): src,
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
            _("Option"): m["option"].map(lambda o: opts[o].name),
            _("Central NPV (M$)"): (m["npv"] / 1e6).round(2),
            _("Mean over draws (M$)"): (m["npv_mean"] / 1e6).round(2),
            _("NPV 5th pct (M$)"): (m["npv_p05"] / 1e6).round(2),
            _("NPV median (M$)"): (m["npv_p50"] / 1e6).round(2),
            _("NPV 95th pct (M$)"): (m["npv_p95"] / 1e6).round(2),
            _("P(NPV > 0)"): m["p_npv_positive"].map(fmt_pct),
            _("P(best option)"): m["p_best"].map(fmt_pct),
        }
    )


def switching_table(site: Site, switching: pd.DataFrame) -> pd.DataFrame:
    """Switching values as a display table."""
    opts = site.file.options
    return pd.DataFrame(
        {
            _("Option"): switching["option"].map(lambda o: opts[o].name),
            _("Input"): switching["key"],
            _("Central value"): switching["central"].map(lambda x: f"{x:.4g}"),
            _("NPV = 0 at"): [
                (_("none within the support") if pd.isna(v) else f"{v:.4g}")
                for v in switching["switching_value"]
            ],
            _("Support searched"): [
                _("{low} to {high}").format(low=f"{lo:.4g}", high=f"{hi:.4g}")
                for lo, hi in zip(switching["low"], switching["high"], strict=True)
            ],
        }
    )


def options_html(site: Site, appraisal: Appraisal) -> str:
    """The options table as HTML."""
    return table_html(
        options_table(site, appraisal), _("Options compared at each discount rate")
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
        t,
        _("Vehicle-hours of delay per average day in {year}").format(year=first),
        index=True,
    )


def stage_waits_html(site: Site, appraisal: Appraisal) -> str:
    """Mean wait at each stage of each stream, first year of operation, by option
    (minutes, over the vehicles that reach the stage)."""
    w = appraisal.stage_waits
    if w is None or w.empty:
        return ""
    names = {oid: o.name for oid, o in site.file.options.items()}
    t = w.pivot_table(
        index=["stream", "stage"],
        columns="option",
        values="wait_minutes",
        aggfunc="sum",
        sort=False,
    )
    t = t.map(lambda x: fmt_num(x, 1))
    t.columns = [names[c] for c in t.columns]
    t.index = [
        f"{site.file.streams[s].description}: {_(STAGE_NAMES.get(g, g))}"
        for s, g in t.index
    ]
    return table_html(
        t,
        _(
            "Mean wait at each stage in {year}, over the vehicles that reach it "
            "(minutes)"
        ).format(year=site.info.base_year + 1),
        index=True,
    )


def responses_table(site: Site, appraisal: Appraisal, year: int) -> pd.DataFrame:
    """Users who respond in ``year``: per stream and option, the trips lost to
    the crossing a day, the vehicles diverted to the sibling crossing and the
    delay they add to its users (vehicle-hours a day)."""
    r = appraisal.responses
    if r is None or r.empty:
        return pd.DataFrame()
    r = r[r["year"] == year]
    names = {oid: o.name for oid, o in site.file.options.items()}
    rows = []
    for row in r.itertuples(index=False):
        stream = site.file.streams[row.stream]
        sib = stream.sibling
        rows.append(
            {
                _("Stream"): stream.description,
                _("Option"): names[row.option],
                _("Trips made here a day"): fmt_num(row.trips_made_per_day, 0),
                _("Trips lost to the crossing a day"): fmt_num(
                    row.trips_lost_per_day, 0
                ),
                _("Diverted to"): sib.name if sib is not None else _("(none named)"),
                _("Vehicles diverted a day"): fmt_num(row.diverted_per_day, 0),
                _("Delay added there (vehicle-hours a day)"): fmt_num(
                    row.sibling_delay_vehicle_hours_per_day, 0
                ),
            }
        )
    return pd.DataFrame(rows)


def responses_html(site: Site, appraisal: Appraisal) -> str:
    """The users' response in the middle and last years of the horizon."""
    if appraisal.responses is None or appraisal.responses.empty:
        return ""
    years = sorted(appraisal.responses["year"].unique())
    out = []
    for year in (years[len(years) // 2], years[-1]):
        out.append(
            table_html(
                responses_table(site, appraisal, year),
                _("Users who respond in {year}").format(year=year),
            )
        )
    return "".join(out)


def stakeholder_html(site: Site, appraisal: Appraisal) -> str:
    """Who pays, who gains, as HTML."""
    return table_html(
        stakeholder_table(site, appraisal),
        _("Present value of net gain by stakeholder (M$)"),
        index=True,
    )


def changes_html(site: Site) -> str:
    """What each option changes, costs and how it is funded, as HTML."""
    return table_html(
        changes_table(site),
        _("What each option changes, what it costs and who pays"),
    )


def sponsor_html(site: Site, appraisal: Appraisal) -> str:
    """The sponsor's financial view as HTML (a sentence if no option has a sponsor)."""
    t = sponsor_table(site, appraisal)
    if t.empty:
        return "<p>" + _("No option of this site has a sponsor.") + "</p>"
    return table_html(
        t,
        _(
            "The sponsor's financial view at the base rate; the break-even toll is "
            "the surcharge per tolled crossing that makes the sponsor's financial "
            "NPV zero"
        ),
    )


def country_split_html(site: Site, appraisal: Appraisal) -> str:
    """Net benefits by country as HTML."""
    return table_html(
        country_split_table(site, appraisal),
        _("Net gain by country at the base rate (M$); the sponsor is shown on its own"),
        index=True,
    )


#: What the confidence tag of a documented source says.
SOURCE_TAGS = {
    "V": N_(
        "read in the primary document, or in an official or news page that reports "
        "it directly"
    ),
    "S": N_("secondary: a third party that cites the primary document"),
    "D": N_("derived from tagged inputs; the arithmetic is stated"),
    "R": N_("recalled or unverified: check before relying on it"),
    "calibrated": N_("set by calibration against measurements at the crossing"),
    "assumption": N_("a labelled judgement, with its rationale and owner"),
}


#: The tag words shown in the legend, for the catalogue.
TAG_WORDS = (N_("calibrated"), N_("assumption"))


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
    src = _("Source")
    cells[src] = [
        _source_cell(str(label), href)
        for label, href in zip(t[src], hrefs, strict=True)
    ]
    body = cells.to_html(index=False, escape=False, border=0, classes="cba-table")
    start = body.index(">", body.index("<table")) + 1
    caption = "<caption>" + escape(_("Every parameter used")) + "</caption>"
    table = body[:start] + caption + body[start:]
    legend = "; ".join(
        f"<strong>[{k}]</strong> {escape(_(v))}"
        if k not in ("calibrated", "assumption")
        else f"<strong>{escape(_(k))}</strong>: {escape(_(v))}"
        for k, v in SOURCE_TAGS.items()
    )
    summary = _(
        "Every parameter used ({n}), with its value, unit and source (click to open)"
    ).format(n=len(t))
    if language() == "es":
        legend += (
            "; <strong>"
            + ENGLISH_ONLY
            + "</strong> "
            + escape(_("description available in English only"))
        )
    return (
        f"<details><summary>{summary}</summary><p>"
        + _("Source tags:")
        + f" {legend}.</p>{table}</details>"
    )


def assumptions_html(site: Site) -> str:
    """Labelled assumptions as HTML."""
    return table_html(
        assumptions_table(site),
        _("Labelled assumptions (judgement calls, with ranges)"),
    )


def correlations_html(site: Site) -> str:
    """Correlations between uncertain inputs used in the Monte Carlo, as HTML."""
    rows = [
        {
            _("Input"): c.between[0],
            _("Correlated with"): c.between[1],
            _("rho (normal scores)"): f"{c.rho:g}",
            _("Source"): c.source.label(),
        }
        for c in site.file.correlations
    ]
    if not rows:
        return (
            "<p>"
            + _("All uncertain inputs are drawn independently of each other.")
            + "</p>"
        )
    return table_html(
        pd.DataFrame(rows),
        _(
            "Correlations between uncertain inputs in the Monte Carlo "
            "(Gaussian copula; every other input is drawn independently)"
        ),
    )


def traffic_html(site: Site, appraisal: Appraisal) -> str:
    """Base-year traffic table as HTML."""
    return table_html(
        traffic_table(site, appraisal),
        _("Traffic in the base year {year}").format(year=site.info.base_year),
    )


def yearly_table(site: Site, appraisal: Appraisal, option: str) -> pd.DataFrame:
    """One option's benefits, costs and net by year at the base rate (M$), with the
    discounted net and the cumulative NPV, as spreadsheet tools show them."""
    y = appraisal.yearly
    y = y[(y["rate_name"] == BASE_RATE) & (y["option"] == option)]
    return pd.DataFrame(
        {
            _("Year"): y["year"].astype(int),
            _("Benefits (M$)"): (y["benefits"] / 1e6).map(sig3),
            _("Costs (M$)"): (y["costs"] / 1e6).map(sig3),
            _("Net (M$)"): (y["net"] / 1e6).map(sig3),
            _("Discount factor"): y["discount_factor"].map(lambda x: f"{x:.3f}"),
            _("Discounted net (M$)"): (y["discounted_net"] / 1e6).map(sig3),
            _("Cumulative NPV (M$)"): (y["cumulative_npv"] / 1e6).map(sig3),
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
            _("{option}: cash flows by year at the base rate").format(option=o.name),
        )
        parts.append(f"<details><summary>{escape(o.name)}</summary>{t}</details>")
    return "".join(parts) or (
        "<p>" + _("No options other than the status quo.") + "</p>"
    )


def _stage_lines(site: Site, sid: str) -> str:
    """The stages a stream passes, in order, with the figures that size them."""
    s = site.file.streams[sid]
    v = float
    parts = []
    e = s.export
    if e is not None:
        parts.append(
            _("Mexican export ({n} modules, {m} min a vehicle)").format(
                n=f"{v(e.lanes.value):g}", m=f"{v(e.processing_minutes.value):g}"
            )
        )
        parts.append(
            _("Mexican export exam ({share} of the trucks, {m} min each)").format(
                share=fmt_pct(v(e.exam_share.value)), m=f"{v(e.exam_minutes.value):g}"
            )
        )
    if s.bridge_minutes is not None:
        parts.append(
            _("bridge ({m} min at free flow)").format(
                m=f"{v(s.bridge_minutes.value):g}"
            )
        )
    parts.append(
        _("CBP primary ({n} lanes, {m} min a vehicle)").format(
            n=f"{v(s.lanes.value):g}", m=f"{v(s.processing_minutes.value):g}"
        )
    )
    parts.append(
        _("CBP secondary ({share} referred, {n} positions, {m} min each)").format(
            share=fmt_pct(v(s.secondary_referral_share.value), 1),
            n=f"{v(s.secondary_booths.value):g}",
            m=f"{v(s.secondary_minutes.value):g}",
        )
    )
    d = s.state_inspection
    if d is not None:
        parts.append(
            _("state safety inspection ({share} of the trucks, {m} min each)").format(
                share=fmt_pct(v(d.share.value), 1), m=f"{v(d.minutes.value):g}"
            )
        )
    line = " → ".join(parts) + "."
    if s.volume.part_of is not None:
        line += " " + _(
            "(A lane programme: {share} of the vehicles of {stream} and its lane "
            "programmes together.)"
        ).format(
            share=fmt_pct(v(s.volume.share.value)),
            stream=site.file.streams[s.volume.part_of].description,
        )
    if s.sibling is not None:
        line += " " + _("Users who give up a trip here may cross at {sibling}.").format(
            sibling=s.sibling.name
        )
    return line


def method_html(site: Site) -> str:
    """How the crossing is modelled, for this site: each stream's stages in
    order, the kinds of day the year is evaluated on, and how users respond."""
    from ..appraisal import day_types_for

    items = "".join(
        f"<li><strong>{escape(s.description)}</strong>: "
        f"{escape(_stage_lines(site, sid))}</li>"
        for sid, s in site.file.streams.items()
    )
    dts = day_types_for(site)
    kind = site.info.day_types
    if len(dts) == 1:
        days = _("The year is evaluated on its average day.")
    elif kind == "seasons":
        days = _(
            "The year is evaluated on {n} kinds of day, weighted by how often they "
            "occur: a day of the quiet, the middle and the busy months (from the "
            "port's monthly counts)."
        ).format(n=len(dts))
    else:
        days = _(
            "The year is evaluated on {n} kinds of day, weighted by how often they "
            "occur: a weekday, a Saturday and a Sunday in each of the quiet, middle "
            "and busy months (from the port's monthly counts)."
        ).format(n=len(dts))
        split = sorted(
            {d.days for d in dts if d.days}, key=lambda g: DAYS_OF_WEEK.index(g[0])
        )
        if split:
            days += " " + _(
                "Weekdays are split where an option's staffing window covers some "
                "of them ({groups})."
            ).format(groups="; ".join("-".join(g) for g in split))
    return (
        f"<ul>{items}</ul>"
        f"<p>{escape(days)}</p>"
        f"<p>{escape(_(SECTION_TEXT['method']))}</p>"
    )


def measurement_html(site: Site, levels: pd.DataFrame) -> str:
    """ "Model against measurement": each observation of the site (what, by
    whom, how strong), the status quo's figure for the same year, and whether
    it falls in its band; a sentence when no observation is stronger than a
    press report or a posted estimate. ``levels`` is
    :func:`cba.analysis.cases.site_levels`."""
    from ..analysis.cases import MEASURED_METHODS, OUT_OF_SAMPLE

    if levels is None or levels.empty:
        return (
            "<p><strong>"
            + escape(
                _(
                    "Nothing measured or reported at this crossing has been found to "
                    "check the model against: its waits are not validated."
                )
            )
            + "</strong></p>"
        )
    es = language() == "es"
    rows = []
    for _i, r in levels.iterrows():
        unit = _("minutes")
        rep = (
            f"{fmt_num(r['reported_low'], 0)}-{fmt_num(r['reported_high'], 0)}"
            if r["reported_low"] == r["reported_low"]
            else fmt_num(r["reported"], 1)
        )
        verdict = _("within its band") if r["in_band"] else _("outside its band")
        sample = (
            _("out of sample")
            if r["sample"] == OUT_OF_SAMPLE
            else _("used for calibration")
        )
        where = f" ({escape(r['measured_at'])})" if r["measured_at"] else ""
        src = escape(r["source"])
        if r["href"]:
            src = f'<a href="{escape(r["href"])}">{src}</a>'
        cls = "cba-ok" if r["in_band"] else "cba-miss"
        rows.append(
            "<tr>"
            f"<td>{escape(r['description_es'] if es else r['description'])}{where}</td>"
            f"<td>{int(r['year'])}</td>"
            f"<td>{escape(_(METHOD_NAMES[r['method']]))}; "
            f"{escape(_(STRENGTH_NAMES[r['strength']]))}</td>"
            f"<td>{rep} {unit}</td>"
            f"<td>{fmt_num(r['predicted'], 1)} {unit}</td>"
            f'<td class="{cls}">{escape(verdict)} '
            f"({fmt_num(r['band_low'], 0)}-{fmt_num(r['band_high'], 0)}); "
            f"{escape(sample)}</td>"
            f"<td>{src}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in (
            _("What was measured"),
            _("Year"),
            _("How, and how strong"),
            _("Reported"),
            _("Model (status quo)"),
            _("Verdict"),
            _("Source"),
        )
    )
    out = [
        '<table class="cba-table"><caption>'
        + escape(_("The status quo against what was measured or reported"))
        + f"</caption><thead><tr>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    ]
    measured = levels["method"].isin(MEASURED_METHODS).any()
    n_out = int((levels["sample"] == OUT_OF_SAMPLE).sum())
    n_hit = int(((levels["sample"] == OUT_OF_SAMPLE) & levels["in_band"]).sum())
    out.append(
        "<p>"
        + escape(
            _("{hit} of {n} out-of-sample comparisons fall in their bands.").format(
                hit=n_hit, n=n_out
            )
        )
        + "</p>"
    )
    if not measured:
        out.append(
            "<p><strong>"
            + escape(
                _(
                    "No measurement stronger than a press report or a CBP posted "
                    "estimate exists for this crossing: its modelled waits rest on "
                    "assumptions."
                )
            )
            + "</strong></p>"
        )
    return "\n".join(out)


#: Kinds of day of an allocation, as the report names them.
DAY_KIND_NAMES = {
    "weekday": N_("Weekdays"),
    "saturday": N_("Saturdays"),
    "sunday": N_("Sundays"),
}


def allocation_html(site: Site, result, comparison: dict | None, budget: float) -> str:
    """The best use of an overtime budget at the site (``result`` from
    :func:`cba.allocation.allocate`), the hours it buys, and the site's
    shipped sponsor option at the same budget (``comparison`` from
    :func:`cba.allocation.sponsor_comparison`)."""
    from ..allocation import hour_spans

    dy = site.info.report_dollar_year
    t = result.table
    if t.empty:
        return (
            "<p>"
            + escape(
                _(
                    "No added booth-hour is worth its cost at this crossing: with "
                    "{budget} a year the best use buys nothing."
                ).format(budget=fmt_usd(budget))
            )
            + "</p>"
        )
    head = _(
        "The best use of {budget} a year of overtime buys the hours below for "
        "{cost} a year, with a net present value of {npv} (dollars of {year})."
    ).format(
        budget=fmt_usd(budget),
        cost=fmt_usd(result.annual_cost),
        npv=fmt_usd(result.npv),
        year=dy,
    )
    if comparison is not None:
        better = result.npv >= comparison["scaled_npv"] - 1e-6 * abs(comparison["npv"])
        if better:
            tail = _(
                "The shipped sponsor-staffing option gives {npv} for {cost} a year, "
                "{scaled} at this budget."
            )
        else:
            tail = _(
                "The shipped sponsor-staffing option gives {npv} for {cost} a year, "
                "{scaled} at this budget: more than this allocation, which changes one "
                "block of hours at a time from the hours that are best one by one and "
                "can stop short of a package bought whole."
            )
        head += " " + tail.format(
            npv=fmt_usd(comparison["npv"]),
            cost=fmt_usd(comparison["annual_cost"]),
            scaled=fmt_usd(comparison["scaled_npv"]),
        )
    if not result.converged:
        head += " " + _(
            "The search reached its limit of rounds while changes still improved the "
            "allocation."
        )
    rows = []
    for (sid, kind), g in t.groupby(["stream", "kind"], sort=True):
        rows.append(
            {
                _("Stream"): site.file.streams[sid].description,
                _("Days"): _(DAY_KIND_NAMES[kind]),
                _("Hours and booths added"): hour_spans(g),
            }
        )
    table = table_html(
        pd.DataFrame(rows),
        _("Where {budget} a year buys booths").format(budget=fmt_usd(budget)),
    )
    return f"<p>{escape(head)}</p>" + table
