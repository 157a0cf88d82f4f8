"""Tables, charts, plain-language text and provenance for the site reports.

Notebooks call these helpers and show what they return; every number in a
report's prose comes from here, never typed by hand. Text that comes from
parameter files (names, descriptions, sources) is HTML-escaped.

Main functions: :func:`summary_html`, :func:`options_table`, :func:`plot_waits`,
:func:`plot_components`, :func:`stakeholder_table`, :func:`appendix_table`,
:func:`provenance`, :func:`save_results`.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .evaluate import Appraisal, parameter_table
from .params import Site, file_sha256

__all__ = [
    "OPTION_PALETTE",
    "option_colors",
    "fmt_usd",
    "summary_html",
    "options_table",
    "plot_waits",
    "plot_components",
    "stakeholder_table",
    "appendix_table",
    "assumptions_table",
    "provenance",
    "provenance_table",
    "save_results",
    "data_files",
    "title_html",
    "options_html",
    "delay_html",
    "stakeholder_html",
    "appendix_html",
    "assumptions_html",
    "provenance_html",
    "table_html",
    "plot_npv_distribution",
    "risk_table",
    "plot_tornado",
    "switching_table",
    "show_risk",
    "traffic_table",
    "traffic_html",
    "plot_forecasts",
    "show_forecasts",
    "show_figure",
    "show_waits",
    "show_components",
    "show_stakeholders",
    "correlations_html",
    "changes_html",
    "sponsor_html",
    "country_split_html",
    "sponsor_table",
    "country_split_table",
    "waits_alt",
    "components_alt",
]

#: Colours by option kind, shared by every report so options read alike across sites.
OPTION_PALETTE = {
    "status_quo": "#7f7f7f",
    "sponsor_staffing": "#1f77b4",
    "donated_infrastructure": "#2ca02c",
    "unified_processing": "#9467bd",
    "pre_inspection": "#ff7f0e",
    "trusted_traveler": "#17becf",
    "combined": "#d62728",
}


def option_colors(site: Site) -> dict[str, str]:
    """Colour of each option id of a site, by its kind."""
    return {oid: OPTION_PALETTE[o.kind] for oid, o in site.file.options.items()}


def fmt_usd(x: float) -> str:
    """Format dollars compactly: 1.2 M USD, 350 k USD.

    Examples
    --------
    >>> fmt_usd(1234567.0)
    '$1.23 M'
    >>> fmt_usd(-5300.0)
    '-$5.3 k'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e9:
        return f"{sign}${a / 1e9:.2f} B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:.2f} M"
    if a >= 1e3:
        return f"{sign}${a / 1e3:.1f} k"
    return f"{sign}${a:.0f}"


def _e(text) -> str:
    return html.escape(str(text))


def _base(appraisal: Appraisal) -> pd.DataFrame:
    m = appraisal.metrics
    return m[m["rate_name"] == "discount_rate_base"]


def summary_html(site: Site, appraisal: Appraisal) -> str:
    """One-screen plain-language summary, generated from the results."""
    base = _base(appraisal)
    opts = site.file.options
    cand = base[base["option"].map(lambda o: opts[o].kind != "status_quo")]
    rate = float(base["discount_rate"].iloc[0]) if len(base) else float("nan")
    dy = site.info.report_dollar_year
    lines = [f"<p><strong>{_e(site.info.name)}</strong>. {_e(site.info.description)}</p>"]
    if cand.empty:
        lines.append("<p>No options other than the status quo are defined.</p>")
        return "\n".join(lines)
    best = cand.sort_values("npv", ascending=False).iloc[0]
    bname = _e(opts[best["option"]].name)
    if best["npv"] > 0:
        lines.append(
            f"<p><strong>Recommended: {bname}.</strong> Its net present value is "
            f"<strong>{fmt_usd(best['npv'])}</strong> ({dy} dollars, {rate:.0%} real discount rate over "
            f"{site.info.horizon_years} years), the highest of the {len(cand)} options compared, "
            f"with a benefit-cost ratio of <strong>{best['bcr']:.1f}</strong>.</p>"
        )
    else:
        lines.append(
            f"<p><strong>No option pays for itself</strong> at the {rate:.0%} base rate: the best, "
            f"{bname}, has a net present value of {fmt_usd(best['npv'])} ({dy} dollars).</p>"
        )
    items = []
    for _, r in cand.sort_values("npv", ascending=False).iterrows():
        o = opts[r["option"]]
        verdict = "worth doing" if r["npv"] > 0 else "not worth doing on these numbers"
        items.append(
            f"<li><strong>{_e(o.name)}</strong>: NPV {fmt_usd(r['npv'])}, BCR "
            f"{_fmt_num(r['bcr'], 1)} &mdash; {verdict}.</li>"
        )
    lines.append("<ul>" + "".join(items) + "</ul>")
    if appraisal.npv_draws is not None:
        d = appraisal.npv_draws
        p = d[(d["rate_name"] == "discount_rate_base") & (d["option"] == best["option"])]["npv"]
        q05, q50, q95 = (float(x) for x in np.percentile(p, [5, 50, 95]))
        skew = ""
        if q50 > 0 and float(p.mean()) > 1.5 * q50:
            skew = (" The average is well above the median because queues grow much faster than "
                    "traffic near capacity: a few draws with slow processing or fast traffic growth carry "
                    "very large savings. Read the median as the typical outcome.")
        lines.append(
            f"<p><strong>How sure are we?</strong> In {len(p):,} Monte Carlo draws the "
            f"recommended option's NPV was positive in {float((p > 0).mean()):.0%} of cases; "
            f"median {fmt_usd(q50)}, and 90 % of draws between {fmt_usd(q05)} and "
            f"{fmt_usd(q95)} (the NPVs above are averages over the draws).{skew}</p>"
        )
    else:
        lines.append(
            "<p><strong>How sure are we?</strong> This is a deterministic run at central "
            "values; many inputs are labelled assumptions (see the appendix), so treat the "
            "ranking as indicative.</p>"
        )
    n_assump = int(parameter_table(site)["assumption"].sum())
    lines.append(
        f"<p><strong>Main caveat:</strong> {n_assump} of the inputs are labelled assumptions "
        "(processing times, booth schedules and lane shares are not published per crossing); "
        "waits are modelled for an average day, which understates weekday peaks.</p>"
    )
    return "\n".join(lines)


def _fmt_num(x, nd=1):
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "n/a"
    return f"{x:.{nd}f}"


def options_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Options compared at each discount rate (display table, money in M USD)."""
    m = appraisal.metrics.copy()
    names = {oid: o.name for oid, o in site.file.options.items()}
    out = pd.DataFrame({
        "Option": m["option"].map(names),
        "Discount rate": m["discount_rate"].map(lambda r: f"{r:.0%}"),
        "PV benefits (M$)": (m["pv_benefits"] / 1e6).round(2),
        "PV costs (M$)": (m["pv_costs"] / 1e6).round(2),
        "NPV (M$)": (m["npv"] / 1e6).round(2),
        "BCR": m["bcr"].map(lambda x: _fmt_num(x, 2)),
        "IRR": m["irr"].map(lambda x: "none" if pd.isna(x) else f"{x:.1%}"),
        "Payback (years)": m["payback_years"].map(lambda x: "none" if pd.isna(x) else f"{x:.1f}"),
    })
    return out


def plot_waits(site: Site, appraisal: Appraisal):
    """Mean wait by hour of arrival, status quo vs each option, one panel per stream."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    w = appraisal.waits.copy()
    names = {oid: o.name for oid, o in site.file.options.items()}
    palette = {names[k]: v for k, v in option_colors(site).items()}
    w["Option"] = w["option"].map(names)
    streams = list(site.file.streams)
    fig, axes = plt.subplots(1, len(streams), figsize=(5.2 * len(streams), 3.8), squeeze=False, sharey=False)
    for ax, sid in zip(axes[0], streams):
        sub = w[w["stream"] == sid]
        sns.lineplot(data=sub, x="hour", y="wait_minutes", hue="Option", palette=palette, ax=ax,
                     legend=(sid == streams[-1]))
        ax.set_title(site.file.streams[sid].description, fontsize=9, wrap=True)
        ax.set_xlabel("Hour of arrival")
        ax.set_ylabel("Mean wait (minutes)")
        ax.set_xticks(range(0, 24, 3))
    if len(streams):
        leg = axes[0][-1].get_legend()
        if leg is not None:
            leg.set_bbox_to_anchor((1.02, 1))
            leg._loc = 2
    fig.tight_layout()
    return fig


def plot_components(site: Site, appraisal: Appraisal):
    """Present value of benefits and costs by component, per option, at the base rate."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .discounting import discount_factors

    cf = appraisal.cashflows
    cf = cf[cf["side"] != "transfer"].copy()
    base = _base(appraisal)
    r = float(base["discount_rate"].iloc[0])
    cf["pv"] = cf["value"] * discount_factors(r, cf["year"] - site.info.base_year)
    cf.loc[cf["side"] == "cost", "pv"] *= -1
    g = cf.groupby(["option", "component"], as_index=False)["pv"].sum()
    names = {oid: o.name for oid, o in site.file.options.items()}
    g["Option"] = g["option"].map(names)
    g["PV (M$)"] = g["pv"] / 1e6
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.5 * max(len(g["Option"].unique()), 1) * 2))
    if not g.empty:
        sns.barplot(data=g, y="Option", x="PV (M$)", hue="component", ax=ax, orient="h")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"Present value at {r:.0%} (M USD of {site.info.report_dollar_year}); costs negative")
    ax.set_ylabel("")
    fig.tight_layout()
    return fig


def stakeholder_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Who pays and who gains: PV net by stakeholder and option at the base rate."""
    s = appraisal.stakeholders
    s = s[s["rate_name"] == "discount_rate_base"]
    names = {oid: o.name for oid, o in site.file.options.items()}
    t = s.pivot_table(index="option", columns="stakeholder", values="pv_net", aggfunc="sum", sort=False)
    t = (t / 1e6).round(2)
    t["Total (= NPV)"] = t.sum(axis=1).round(2)
    t.index = t.index.map(names)
    t.index.name = "Option (PV net, M$)"
    return t


#: Country of each stakeholder account in the US / Mexico split (the sponsor is
#: shown on its own: a city, bridge authority or private firm, on either side).
STAKEHOLDER_COUNTRY = {"us_federal": "United States", "users_us": "United States",
                       "mx_federal": "Mexico", "users_mx": "Mexico", "sponsor": "Sponsor"}

#: Plain names of the stakeholder accounts.
STAKEHOLDER_NAMES = {"us_federal": "US federal government", "mx_federal": "Mexican federal government",
                     "sponsor": "Sponsor (city, bridge or private)", "users_us": "US users",
                     "users_mx": "Mexican users"}


def country_split_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Net benefits by country (US, Mexico, sponsor) per option at the base rate (M$)."""
    s = appraisal.stakeholders
    s = s[s["rate_name"] == "discount_rate_base"].copy()
    s["country"] = s["stakeholder"].map(STAKEHOLDER_COUNTRY)
    t = s.pivot_table(index="option", columns="country", values="pv_net", aggfunc="sum", sort=False)
    t = t.reindex(columns=["United States", "Mexico", "Sponsor"], fill_value=0.0)
    t = t[[o != "status_quo" for o in t.index]]
    total = t.sum(axis=1)
    out = (t / 1e6).round(2)
    out["Total (= NPV)"] = (total / 1e6).round(2)
    share = t["United States"] / total.where(total != 0)
    out["US share of net gain"] = share.map(lambda x: "n/a" if pd.isna(x) else f"{x:.0%}")
    out.index = out.index.map({oid: o.name for oid, o in site.file.options.items()})
    out.index.name = "Option (PV net, M$)"
    return out


def sponsor_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """The sponsor's financial view per option at the base rate.

    PV of what the sponsor pays (officer-time reimbursements, capital net of
    residual value, upkeep), PV of toll revenue, the sponsor's financial NPV
    and the break-even toll surcharge per crossing. Only options with a sponsor.
    """
    from .discounting import discount_factors

    cf = appraisal.cashflows
    cf = cf[cf["stakeholder"] == "sponsor"].copy()
    base = _base(appraisal).set_index("option")
    if cf.empty:
        return pd.DataFrame(columns=["Option", "Sponsor pays (PV, M$)", "Toll revenue (PV, M$)",
                                     "Sponsor financial NPV (M$)", "Break-even toll (USD/crossing)"])
    r = float(base["discount_rate"].iloc[0])
    cf["pv"] = cf["value"] * discount_factors(r, cf["year"] - site.info.base_year)
    rows = []
    for oid, g in cf.groupby("option", sort=False):
        toll = g.loc[g["component"] == "toll_surcharge", "pv"].sum()
        pays = g.loc[g["side"] == "cost", "pv"].sum() - g.loc[
            (g["side"] == "transfer") & (g["component"] != "toll_surcharge"), "pv"].sum()
        be = base.loc[oid, "breakeven_toll_usd"] if oid in base.index else float("nan")
        rows.append({"Option": site.file.options[oid].name,
                     "Sponsor pays (PV, M$)": round(pays / 1e6, 2),
                     "Toll revenue (PV, M$)": round(toll / 1e6, 2),
                     "Sponsor financial NPV (M$)": round((toll - pays) / 1e6, 2),
                     "Break-even toll (USD/crossing)": "n/a" if pd.isna(be) else f"{be:.2f}"})
    return pd.DataFrame(rows)


def plot_stakeholders(site: Site, appraisal: Appraisal):
    """Who pays, who gains: PV net gain by stakeholder per option (bars), at the base rate."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    s = appraisal.stakeholders
    s = s[(s["rate_name"] == "discount_rate_base") & (s["option"] != "status_quo")].copy()
    names = {oid: o.name for oid, o in site.file.options.items()}
    s["Option"] = s["option"].map(names)
    s["Stakeholder"] = s["stakeholder"].map(STAKEHOLDER_NAMES)
    s["PV net gain (M$)"] = s["pv_net"] / 1e6
    n = max(s["Option"].nunique(), 1)
    fig, ax = plt.subplots(figsize=(9, 1.0 + 1.1 * n))
    if not s.empty:
        sns.barplot(data=s, y="Option", x="PV net gain (M$)", hue="Stakeholder", orient="h", ax=ax,
                    hue_order=list(STAKEHOLDER_NAMES.values()),
                    palette=["#1f4e79", "#2e7d32", "#b26a00", "#6baed6", "#81c784"])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(f"Present value of net gain at the base rate (M USD of {site.info.report_dollar_year}); "
                  "payers negative")
    fig.tight_layout()
    return fig


def stakeholders_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the who-pays-who-gains chart, generated from the results."""
    s = appraisal.stakeholders
    s = s[(s["rate_name"] == "discount_rate_base") & (s["option"] != "status_quo")]
    parts = []
    for oid, g in s.groupby("option", sort=False):
        g = g.set_index("stakeholder")["pv_net"]
        gain, pay = g.idxmax(), g.idxmin()
        text = f"{site.file.options[oid].name}: {STAKEHOLDER_NAMES[gain]} gain most ({fmt_usd(g[gain])})"
        if g[pay] < 0:
            text += f", {STAKEHOLDER_NAMES[pay]} pays most ({fmt_usd(g[pay])})"
        parts.append(text)
    return "Horizontal bar chart of each stakeholder's net gain per option at the base rate. " + "; ".join(parts) + "."


def show_stakeholders(site: Site, appraisal: Appraisal) -> None:
    """Who-pays-who-gains chart with alt text."""
    show_figure(plot_stakeholders(site, appraisal), stakeholders_alt(site, appraisal))


def changes_html(site: Site) -> str:
    """What each option changes, costs and how it is funded, as HTML."""
    from .options import changes_table

    return table_html(changes_table(site), "What each option changes, what it costs and who pays")


def sponsor_html(site: Site, appraisal: Appraisal) -> str:
    """The sponsor's financial view as HTML (a sentence when no option has a sponsor)."""
    t = sponsor_table(site, appraisal)
    if t.empty:
        return "<p>No option of this site has a sponsor.</p>"
    return table_html(t, "The sponsor's financial view at the base rate; the break-even toll is the "
                         "surcharge per tolled crossing that makes the sponsor's financial NPV zero")


def country_split_html(site: Site, appraisal: Appraisal) -> str:
    """Net benefits by country as HTML."""
    return table_html(country_split_table(site, appraisal),
                      "Net gain by country at the base rate (M$); the sponsor is shown on its own", index=True)


def appendix_table(site: Site) -> pd.DataFrame:
    """Every parameter used, with value, unit, source and whether it is an assumption."""
    t = parameter_table(site)
    t["dollar_year"] = t["dollar_year"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    t["assumption"] = t["assumption"].map({True: "yes", False: ""})
    return t[["key", "description", "value", "unit", "dollar_year", "source", "assumption", "distribution"]]


def assumptions_table(site: Site) -> pd.DataFrame:
    """The labelled assumptions only, with their rationale and owner."""
    rows = []
    from .evaluate import _walk_params

    for key, p in _walk_params(site):
        if p.is_assumption:
            rows.append({"key": key, "assumption": p.source.assumption,
                         "rationale": p.source.rationale, "owner": p.source.owner,
                         "range": _range_text(p)})
    return pd.DataFrame(rows, columns=["key", "assumption", "rationale", "owner", "range"])


def _range_text(p) -> str:
    d = p.distribution
    if d is None:
        return ""
    lo, hi = d.support()
    return f"{lo:g} to {hi:g}"


def data_files() -> dict[str, str]:
    """SHA-256 of the package data files the models read."""
    from importlib import resources

    out = {}
    root = resources.files("cba") / "data"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            with resources.as_file(entry) as path:
                out[f"cba/data/{entry.name}"] = file_sha256(path)
    return out


def _git_state() -> tuple[str, bool | None]:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10)
        if commit.returncode != 0:
            return "unknown", None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
        return commit.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def provenance(site: Site, n_draws: int, seed: int, injected: dict | None = None) -> dict:
    """What produced a report: versions, commit, file hashes, seed, draws, time."""
    commit, dirty = _git_state()
    return {
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "parameter_files": {_rel(k): v for k, v in site.files.items()},
        "data_files": data_files(),
        "seed": seed,
        "n_draws": n_draws,
        "run_time_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "injected_parameters": {k: (_rel(v) if k == "site_file" else v)
                                for k, v in (injected or {}).items()},
    }


def _rel(path: str) -> str:
    p = Path(path).resolve()
    parts = p.parts
    if "parameters" in parts:
        return "/".join(parts[parts.index("parameters"):])
    return p.name


def provenance_table(prov: dict) -> pd.DataFrame:
    """Provenance as a two-column display table."""
    rows = []
    for k, v in prov.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                rows.append((f"{k}: {kk}", str(vv)))
        else:
            rows.append((k, str(v)))
    return pd.DataFrame(rows, columns=["item", "value"])


def save_results(site: Site, appraisal: Appraisal, out_dir: str | Path, prov: dict) -> None:
    """Write ``results.csv`` (tidy cash flows then metrics), ``metrics.csv``,
    ``stakeholders.csv``, ``waits.csv`` and ``provenance.json`` into ``out_dir``.

    ``results.csv`` starts with ``#`` comment lines holding the provenance, so
    ``pandas.read_csv(path, comment="#")`` reads it.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# {k}: {json.dumps(v, sort_keys=True)}\n" for k, v in prov.items())
    metrics = appraisal.metrics
    long_metrics = metrics.melt(id_vars=["site", "option", "discount_rate", "rate_name"],
                                var_name="component", value_name="value")
    long_metrics["side"] = "metric"
    body = pd.concat([appraisal.cashflows.assign(discount_rate=np.nan, rate_name=""),
                      long_metrics], ignore_index=True, sort=False)
    with open(out / "results.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        body.to_csv(fh, index=False, float_format="%.6g")
    opts = site.file.options
    named = metrics.assign(
        site_name=site.info.name,
        option_name=metrics["option"].map(lambda o: opts[o].name),
        option_kind=metrics["option"].map(lambda o: opts[o].kind),
    )
    named.to_csv(out / "metrics.csv", index=False, float_format="%.10g")
    appraisal.stakeholders.to_csv(out / "stakeholders.csv", index=False, float_format="%.10g")
    appraisal.waits.to_csv(out / "waits.csv", index=False, float_format="%.6g")
    (out / "provenance.json").write_text(json.dumps(prov, indent=2, sort_keys=True), encoding="utf-8")


def table_html(df: pd.DataFrame, caption: str, index: bool = False) -> str:
    """A DataFrame as an escaped HTML table with a caption."""
    body = df.to_html(index=index, escape=True, border=0, classes="cba-table", na_rep="")
    start = body.index(">", body.index("<table")) + 1
    return body[:start] + f"<caption>{_e(caption)}</caption>" + body[start:]


def title_html(site: Site) -> str:
    """Site heading and key facts (escaped)."""
    i = site.info
    return (f"<h2>{_e(i.name)}</h2><p>Site id <code>{_e(i.id)}</code>; base year {i.base_year}; "
            f"{i.horizon_years}-year analysis; money in {i.report_dollar_year} US dollars.</p>")


def options_html(site: Site, appraisal: Appraisal) -> str:
    """The options table as HTML."""
    return table_html(options_table(site, appraisal), "Options compared at each discount rate")


def delay_html(site: Site, appraisal: Appraisal) -> str:
    """Daily vehicle-hours of delay in the first year of operation, by stream and option."""
    d = appraisal.delay
    first = site.info.base_year + 1
    d = d[d["year"] == first]
    names = {oid: o.name for oid, o in site.file.options.items()}
    t = d.pivot_table(index="stream", columns="option", values="delay_vehicle_hours_per_day",
                      aggfunc="sum", sort=False).round(1)
    t.columns = [names[c] for c in t.columns]
    t.index = [site.file.streams[s].description for s in t.index]
    return table_html(t, f"Vehicle-hours of delay per average day in {first}", index=True)


def stakeholder_html(site: Site, appraisal: Appraisal) -> str:
    """Who pays, who gains, as HTML."""
    return table_html(stakeholder_table(site, appraisal), "Present value of net gain by stakeholder (M$)", index=True)


def appendix_html(site: Site) -> str:
    """Parameter appendix as HTML."""
    return table_html(appendix_table(site), "Every parameter used")


def assumptions_html(site: Site) -> str:
    """Labelled assumptions as HTML."""
    return table_html(assumptions_table(site), "Labelled assumptions (judgement calls, with ranges)")


def correlations_html(site: Site) -> str:
    """Correlations between uncertain inputs used in the Monte Carlo, as HTML."""
    rows = [{"Input": c.between[0], "Correlated with": c.between[1], "rho (normal scores)": f"{c.rho:g}",
             "Source": c.source.label()}
            for c in site.file.correlations]
    if not rows:
        return "<p>All uncertain inputs are drawn independently of each other.</p>"
    return table_html(pd.DataFrame(rows), "Correlations between uncertain inputs in the Monte Carlo "
                                          "(Gaussian copula; every other input is drawn independently)")


def provenance_html(prov: dict) -> str:
    """Provenance as HTML."""
    return table_html(provenance_table(prov), "What produced this report")


def show_figure(fig, alt: str) -> None:
    """Display a figure as an embedded PNG with alt text, then close it."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"), metadata={"image/png": {"alt": alt}})


def waits_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the wait-profile chart, generated from the results."""
    w = appraisal.waits
    sq = w[w["option"] == "status_quo"]
    if sq.empty:
        return "Chart of mean time at the crossing by hour of arrival."
    top = sq.loc[sq["wait_minutes"].idxmax()]
    stream = site.file.streams[top["stream"]].description
    parts = [f"Line charts of the mean time at the crossing by hour of arrival, one per traffic "
             f"stream, status quo against each option. Under the status quo the longest is "
             f"{top['wait_minutes']:.0f} minutes for {stream.lower()} arriving at "
             f"{int(top['hour']):02d}:00."]
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        sub = w[(w["option"] == oid) & (w["stream"] == top["stream"]) & (w["hour"] == top["hour"])]
        if len(sub):
            parts.append(f"With {o.name.lower()}: {float(sub['wait_minutes'].iloc[0]):.0f} minutes.")
    return " ".join(parts)


def components_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the benefits-and-costs chart, generated from the results."""
    base = _base(appraisal)
    items = []
    for _, r in base.iterrows():
        o = site.file.options[r["option"]]
        if o.kind == "status_quo":
            continue
        items.append(f"{o.name}: benefits {fmt_usd(r['pv_benefits'])}, costs {fmt_usd(r['pv_costs'])}")
    return ("Horizontal bar chart of present values by component at the base discount rate. "
            + "; ".join(items) + ".")


def show_waits(site: Site, appraisal: Appraisal) -> None:
    """Wait-profile chart with alt text."""
    show_figure(plot_waits(site, appraisal), waits_alt(site, appraisal))


def show_components(site: Site, appraisal: Appraisal) -> None:
    """Benefits-and-costs chart with alt text."""
    show_figure(plot_components(site, appraisal), components_alt(site, appraisal))


def traffic_table(site: Site) -> pd.DataFrame:
    """Base-year volume of each stream and where it comes from."""
    from .evaluate import outlooks_for

    outlooks = outlooks_for(site)
    y0 = site.info.base_year
    rows = []
    for sid, s in site.file.streams.items():
        v = s.volume
        if v.port_code is not None:
            ol = outlooks[f"{v.port_code}|{v.measure}"]
            port_total = float(ol.loc[y0, "mean"])
            vol = port_total * v.share.value
            src = (f"BTS port {v.port_code} '{v.measure}' forecast for {y0} "
                   f"({port_total:,.0f}) x share {v.share.value:g}: {v.share.source.label()}")
            band = f"{ol.loc[y0, 'lower_80'] * v.share.value:,.0f} to {ol.loc[y0, 'upper_80'] * v.share.value:,.0f}"
        else:
            vol = v.annual.value
            src = v.annual.source.label()
            band = ""
        rows.append({"Stream": s.description, f"Volume in {y0} (per year)": f"{vol:,.0f}",
                     "Per average day": f"{vol / site.param('days_per_year').value:,.0f}",
                     "80 % interval": band, "Source": src})
    return pd.DataFrame(rows)


def traffic_html(site: Site) -> str:
    """Base-year traffic table as HTML."""
    return table_html(traffic_table(site), f"Traffic in the base year {site.info.base_year}")


def plot_forecasts(site: Site):
    """Monthly history and forecast with 80 % and 95 % bands for each port series used."""
    import matplotlib.pyplot as plt

    from . import demand

    keys = []
    for s in site.file.streams.values():
        v = s.volume
        if v.port_code is not None and (v.port_code, v.measure) not in keys:
            keys.append((v.port_code, v.measure))
    if not keys:
        return None
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 3.6), squeeze=False)
    horizon = 12 * (site.info.base_year - 2022 + 3)
    for ax, (port, measure) in zip(axes[0], keys):
        hist = demand.monthly_crossings(port, measure)
        fc = demand.forecast(hist, horizon)
        h = hist[hist.index >= "2010-01-01"]
        ax.plot(h.index, h.values / 1e3, color="#333333", lw=1, label="observed (BTS)")
        ax.fill_between(fc.index, fc["lower_95"] / 1e3, fc["upper_95"] / 1e3, color="#1f77b4", alpha=0.15, label="95 % interval")
        ax.fill_between(fc.index, fc["lower_80"] / 1e3, fc["upper_80"] / 1e3, color="#1f77b4", alpha=0.3, label="80 % interval")
        ax.plot(fc.index, fc["mean"] / 1e3, color="#1f77b4", lw=1.5, label="forecast")
        ax.set_title(f"Port {port}: {measure} (inbound)", fontsize=9)
        ax.set_ylabel("Thousands per month")
    axes[0][-1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def forecasts_alt(site: Site) -> str:
    """Alt text of the forecast chart."""
    t = traffic_table(site)
    parts = [f"{r['Stream']}: {r[t.columns[1]]} a year" for _, r in t.iterrows()]
    return ("Line charts of monthly inbound crossings since 2010 from BTS data, with the statsmodels "
            "forecast and its 80 % and 95 % intervals. Base-year volumes: " + "; ".join(parts) + ".")


def show_forecasts(site: Site) -> None:
    """Forecast chart with alt text (nothing for a site without data-based streams)."""
    fig = plot_forecasts(site)
    if fig is not None:
        show_figure(fig, forecasts_alt(site))


def plot_npv_distribution(site: Site, appraisal: Appraisal):
    """Distribution of NPV over Monte Carlo draws, per option, at the base rate."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = appraisal.npv_draws
    d = d[d["rate_name"] == "discount_rate_base"].copy()
    opts = site.file.options
    d = d[d["option"].map(lambda o: opts[o].kind != "status_quo")]
    d["Option"] = d["option"].map(lambda o: opts[o].name)
    d["NPV (M$)"] = d["npv"] / 1e6
    palette = {opts[k].name: v for k, v in option_colors(site).items()}
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.9 * d["Option"].nunique()))
    sns.boxplot(data=d, y="Option", x="NPV (M$)", hue="Option", palette=palette, ax=ax,
                whis=(5, 95), showfliers=False, legend=False)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(f"NPV at the base rate, M USD of {site.info.report_dollar_year} "
                  "(box: 25-75 %, whiskers: 5-95 % of draws)")
    fig.tight_layout()
    return fig


def risk_table(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """Monte Carlo summary per option at the base rate."""
    m = _base(appraisal)
    opts = site.file.options
    m = m[m["option"].map(lambda o: opts[o].kind != "status_quo")]
    return pd.DataFrame({
        "Option": m["option"].map(lambda o: opts[o].name),
        "Mean NPV (M$)": (m["npv"] / 1e6).round(2),
        "NPV 5th pct (M$)": (m["npv_p05"] / 1e6).round(2),
        "NPV median (M$)": (m["npv_p50"] / 1e6).round(2),
        "NPV 95th pct (M$)": (m["npv_p95"] / 1e6).round(2),
        "P(NPV > 0)": m["p_npv_positive"].map(lambda x: f"{x:.0%}"),
        "P(best option)": m["p_best"].map(lambda x: f"{x:.0%}"),
    })


def plot_tornado(site: Site, appraisal: Appraisal, tornado_table: pd.DataFrame, n: int = 10):
    """Tornado chart of the ``n`` most influential inputs for the recommended option."""
    import matplotlib.pyplot as plt

    oid = _recommended(site, appraisal)
    t = tornado_table[tornado_table["option"] == oid].head(n).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.38 * max(len(t), 1)))
    if len(t):
        c = float(t["npv_central"].iloc[0]) / 1e6
        y = range(len(t))
        ax.barh(y, t["npv_low"] / 1e6 - c, left=c, color="#d62728", alpha=0.8, label="input at its 10th percentile")
        ax.barh(y, t["npv_high"] / 1e6 - c, left=c, color="#1f77b4", alpha=0.8, label="input at its 90th percentile")
        ax.set_yticks(list(y))
        ax.set_yticklabels([_short_label(d) for d in t["description"]], fontsize=8)
        ax.axvline(c, color="black", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel(f"NPV of {site.file.options[oid].name} at the base rate (M USD)")
    fig.tight_layout()
    return fig


def _short_label(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _recommended(site: Site, appraisal: Appraisal) -> str:
    base = _base(appraisal)
    cand = base[base["option"].map(lambda o: site.file.options[o].kind != "status_quo")]
    return str(cand.sort_values("npv", ascending=False)["option"].iloc[0])


def switching_table(site: Site, switching: pd.DataFrame) -> pd.DataFrame:
    """Switching values as a display table."""
    opts = site.file.options
    return pd.DataFrame({
        "Option": switching["option"].map(lambda o: opts[o].name),
        "Input": switching["key"],
        "Central value": switching["central"].map(lambda x: f"{x:.4g}"),
        "NPV = 0 at": [("none within the support" if pd.isna(v) else f"{v:.4g}")
                       for v in switching["switching_value"]],
        "Support searched": [f"{lo:.4g} to {hi:.4g}" for lo, hi in zip(switching["low"], switching["high"])],
    })


def show_risk(site: Site, appraisal: Appraisal, risk: dict) -> None:
    """The risk section: distribution, P(NPV > 0), tornado, switching values, sentences."""
    from IPython.display import HTML, display

    sentences = "".join(f"<li>{_e(s)}</li>" for s in risk["sentences"].values())
    display(HTML(f"<ul>{sentences}</ul>"))
    if appraisal.npv_draws is not None and "p_npv_positive" in appraisal.metrics:
        display(HTML(table_html(risk_table(site, appraisal), "Monte Carlo results at the base rate")))
        show_figure(plot_npv_distribution(site, appraisal),
                    "Box plots of the NPV of each option over the Monte Carlo draws at the base rate; "
                    + "; ".join(f"{r['Option']}: P(NPV > 0) {r['P(NPV > 0)']}"
                                for _, r in risk_table(site, appraisal).iterrows()) + ".")
    else:
        display(HTML("<p>This run has no Monte Carlo draws (run with <code>--draws N</code> for the "
                     "distribution of NPV and the probability that it is positive).</p>"))
    t = risk["tornado"]
    if len(t):
        oid = _recommended(site, appraisal)
        top = t[t["option"] == oid].head(3)["description"].str.lower().tolist()
        show_figure(plot_tornado(site, appraisal, t),
                    f"Tornado chart for {site.file.options[oid].name}: NPV when each of the ten most "
                    f"influential inputs moves to its 10th or 90th percentile; the largest swings come "
                    f"from {', '.join(top)}.")
    if len(risk["switching"]):
        display(HTML(table_html(switching_table(site, risk["switching"]),
                                "Switching values: the input value at which the option's NPV is zero")))
