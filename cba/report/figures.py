"""Figures of the site reports, each shown with alt text generated from the results.

Charts plot what an :class:`~cba.appraisal.Appraisal` holds (waits by hour,
present values by component, stakeholders' net gains, NPV over draws, the
tornado) and the forecast chart data of :func:`cba.appraisal.forecast_chart`;
nothing is computed here. Colours follow the option's kind, the same on every
site.

Main functions: :func:`plot_waits`, :func:`plot_components`,
:func:`plot_stakeholders`, :func:`plot_forecasts`, :func:`plot_npv_distribution`,
:func:`plot_tornado`, :func:`show_figure` and the ``show_*`` helpers.
"""

from __future__ import annotations

import pandas as pd

from ..appraisal import Appraisal
from ..params import Site
from ..vocab import BASE_RATE, STAKEHOLDER_NAMES
from .tables import risk_table, switching_table, table_html
from .text import (
    base_rate_metrics,
    components_alt,
    escape,
    forecasts_alt,
    recommended_option,
    short_label,
    stakeholders_alt,
    waits_alt,
)


def plain(text) -> str:
    """Text from a parameter file as matplotlib shows it literally: a '$' is a
    dollar sign, never the start of mathematical notation."""
    return str(text).replace("$", r"\$")


__all__ = [
    "plain",
    "OPTION_PALETTE",
    "option_colors",
    "show_figure",
    "plot_waits",
    "show_waits",
    "plot_components",
    "show_components",
    "plot_stakeholders",
    "show_stakeholders",
    "plot_forecasts",
    "show_forecasts",
    "plot_npv_distribution",
    "plot_tornado",
    "show_risk",
    "plot_cumulative_npv",
    "show_cumulative_npv",
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


def show_figure(fig, alt: str) -> None:
    """Display a figure as an embedded PNG with alt text, then close it."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    display(
        Image(data=buf.getvalue(), format="png"), metadata={"image/png": {"alt": alt}}
    )


def plot_waits(site: Site, appraisal: Appraisal):
    """Mean wait by hour of arrival, status quo vs each option, one panel per stream.

    Lines are the central case; with Monte Carlo draws a shaded band shows where
    90 % of the draws fall (5th to 95th percentile) for each option.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    w = appraisal.waits.copy()
    names = {oid: plain(o.name) for oid, o in site.file.options.items()}
    palette = {names[k]: v for k, v in option_colors(site).items()}
    w["Option"] = w["option"].map(names)
    streams = list(site.file.streams)
    fig, axes = plt.subplots(
        1, len(streams), figsize=(5.2 * len(streams), 3.8), squeeze=False, sharey=False
    )
    for ax, sid in zip(axes[0], streams, strict=True):
        sub = w[w["stream"] == sid]
        sns.lineplot(
            data=sub,
            x="hour",
            y="wait_minutes",
            hue="Option",
            palette=palette,
            ax=ax,
            legend=(sid == streams[-1]),
        )
        if "wait_p05" in sub.columns:
            for oid, band in sub.groupby("option", sort=False):
                ax.fill_between(
                    band["hour"],
                    band["wait_p05"],
                    band["wait_p95"],
                    color=option_colors(site)[oid],
                    alpha=0.12,
                    lw=0,
                )
        ax.set_title(plain(site.file.streams[sid].description), fontsize=9, wrap=True)
        ax.set_xlabel("Hour of arrival")
        ax.set_ylabel("Mean wait (minutes)")
        ax.set_xticks(range(0, 24, 3))
    if len(streams):
        leg = axes[0][-1].get_legend()
        if leg is not None:
            leg.set_bbox_to_anchor((1.02, 1))
            leg.set_loc("upper left")
    fig.tight_layout()
    return fig


def show_waits(site: Site, appraisal: Appraisal) -> None:
    """Wait-profile chart with alt text."""
    show_figure(plot_waits(site, appraisal), waits_alt(site, appraisal))


def plot_components(site: Site, appraisal: Appraisal):
    """Present value of benefits and costs by component, per option, at base rate."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    g = appraisal.components
    g = g[g["rate_name"] == BASE_RATE].copy()
    r = float(base_rate_metrics(appraisal)["discount_rate"].iloc[0])
    names = {oid: plain(o.name) for oid, o in site.file.options.items()}
    g["Option"] = g["option"].map(names)
    g["PV (M$)"] = g["pv"] / 1e6
    fig, ax = plt.subplots(
        figsize=(9, 0.6 + 0.5 * max(len(g["Option"].unique()), 1) * 2)
    )
    if not g.empty:
        sns.barplot(data=g, y="Option", x="PV (M$)", hue="component", ax=ax, orient="h")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(
        f"Present value at {r:.0%} (M USD of {site.info.report_dollar_year}); "
        "costs negative"
    )
    ax.set_ylabel("")
    fig.tight_layout()
    return fig


def show_components(site: Site, appraisal: Appraisal) -> None:
    """Benefits-and-costs chart with alt text."""
    show_figure(plot_components(site, appraisal), components_alt(site, appraisal))


def plot_stakeholders(site: Site, appraisal: Appraisal):
    """Who pays, who gains: PV net gain by stakeholder per option (bars).

    At the base rate.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    s = appraisal.stakeholders
    s = s[(s["rate_name"] == BASE_RATE) & (s["option"] != "status_quo")].copy()
    names = {oid: plain(o.name) for oid, o in site.file.options.items()}
    s["Option"] = s["option"].map(names)
    s["Stakeholder"] = s["stakeholder"].map(STAKEHOLDER_NAMES)
    s["PV net gain (M$)"] = s["pv_net"] / 1e6
    n = max(s["Option"].nunique(), 1)
    fig, ax = plt.subplots(figsize=(9, 1.0 + 1.1 * n))
    if not s.empty:
        sns.barplot(
            data=s,
            y="Option",
            x="PV net gain (M$)",
            hue="Stakeholder",
            orient="h",
            ax=ax,
            hue_order=list(STAKEHOLDER_NAMES.values()),
            palette=["#1f4e79", "#2e7d32", "#b26a00", "#6baed6", "#81c784"],
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(
        "Present value of net gain at the base rate "
        f"(M USD of {site.info.report_dollar_year}); "
        "payers negative"
    )
    fig.tight_layout()
    return fig


def show_stakeholders(site: Site, appraisal: Appraisal) -> None:
    """Who-pays-who-gains chart with alt text."""
    show_figure(plot_stakeholders(site, appraisal), stakeholders_alt(site, appraisal))


def plot_forecasts(site: Site, chart: dict):
    """Monthly history and forecast with 80 % and 95 % bands for each port series used.

    ``chart`` is :func:`cba.appraisal.forecast_chart` of the site.
    """
    import matplotlib.pyplot as plt

    if not chart:
        return None
    fig, axes = plt.subplots(
        1, len(chart), figsize=(5.5 * len(chart), 3.6), squeeze=False
    )
    for ax, ((port, measure), data) in zip(axes[0], chart.items(), strict=True):
        h = data[data["basis"] == "observed"]
        fc = data[data["basis"] == "forecast"]
        ax.plot(
            h["month"], h["value"] / 1e3, color="#333333", lw=1, label="observed (BTS)"
        )
        ax.fill_between(
            fc["month"],
            fc["lower_95"] / 1e3,
            fc["upper_95"] / 1e3,
            color="#1f77b4",
            alpha=0.15,
            label="95 % interval",
        )
        ax.fill_between(
            fc["month"],
            fc["lower_80"] / 1e3,
            fc["upper_80"] / 1e3,
            color="#1f77b4",
            alpha=0.3,
            label="80 % interval",
        )
        ax.plot(
            fc["month"], fc["value"] / 1e3, color="#1f77b4", lw=1.5, label="forecast"
        )
        ax.set_title(plain(f"Port {port}: {measure} (inbound)"), fontsize=9)
        ax.set_ylabel("Thousands per month")
    axes[0][-1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def show_forecasts(site: Site, appraisal: Appraisal, chart: dict) -> None:
    """Forecast chart with alt text (nothing for a site without data-based streams)."""
    fig = plot_forecasts(site, chart)
    if fig is not None:
        show_figure(fig, forecasts_alt(site, appraisal))


def plot_npv_distribution(site: Site, appraisal: Appraisal):
    """Distribution of NPV over Monte Carlo draws, per option, at the base rate."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if appraisal.npv_draws is None:
        fig, ax = plt.subplots(figsize=(9, 1.2))
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            "No Monte Carlo draws in this run (use --draws N).",
            ha="center",
            va="center",
        )
        return fig
    d = appraisal.npv_draws
    d = d[d["rate_name"] == BASE_RATE].copy()
    opts = site.file.options
    d = d[d["option"].map(lambda o: opts[o].kind != "status_quo")]
    d["Option"] = d["option"].map(lambda o: plain(opts[o].name))
    d["NPV (M$)"] = d["npv"] / 1e6
    palette = {plain(opts[k].name): v for k, v in option_colors(site).items()}
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.9 * d["Option"].nunique()))
    sns.boxplot(
        data=d,
        y="Option",
        x="NPV (M$)",
        hue="Option",
        palette=palette,
        ax=ax,
        whis=(5, 95),
        showfliers=False,
        legend=False,
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(
        f"NPV at the base rate, M USD of {site.info.report_dollar_year} "
        "(box: 25-75 %, whiskers: 5-95 % of draws)"
    )
    fig.tight_layout()
    return fig


def plot_tornado(
    site: Site, appraisal: Appraisal, tornado_table: pd.DataFrame, n: int = 10
):
    """Tornado chart of the ``n`` most influential inputs for the recommended option."""
    import matplotlib.pyplot as plt

    oid = recommended_option(site, appraisal)
    t = tornado_table[tornado_table["option"] == oid].head(n).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.38 * max(len(t), 1)))
    if len(t):
        c = float(t["npv_central"].iloc[0]) / 1e6
        y = range(len(t))
        ax.barh(
            y,
            t["npv_low"] / 1e6 - c,
            left=c,
            color="#d62728",
            alpha=0.8,
            label="input at its 10th percentile",
        )
        ax.barh(
            y,
            t["npv_high"] / 1e6 - c,
            left=c,
            color="#1f77b4",
            alpha=0.8,
            label="input at its 90th percentile",
        )
        ax.set_yticks(list(y))
        ax.set_yticklabels(
            [plain(short_label(d)) for d in t["description"]], fontsize=8
        )
        ax.axvline(c, color="black", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel(
        plain(f"NPV of {site.file.options[oid].name} at the base rate (M USD)")
    )
    fig.tight_layout()
    return fig


def show_risk(site: Site, appraisal: Appraisal, risk: dict) -> None:
    """Risk section: distribution, P(NPV > 0), tornado, switching values, sentences."""
    from IPython.display import HTML, display

    sentences = "".join(f"<li>{escape(s)}</li>" for s in risk["sentences"].values())
    display(HTML(f"<ul>{sentences}</ul>"))
    if appraisal.npv_draws is not None and "p_npv_positive" in appraisal.metrics:
        display(
            HTML(
                table_html(
                    risk_table(site, appraisal), "Monte Carlo results at the base rate"
                )
            )
        )
        show_figure(
            plot_npv_distribution(site, appraisal),
            "Box plots of the NPV of each option over the Monte Carlo draws at "
            "the base rate; "
            + "; ".join(
                f"{r['Option']}: P(NPV > 0) {r['P(NPV > 0)']}"
                for _, r in risk_table(site, appraisal).iterrows()
            )
            + ".",
        )
    else:
        display(
            HTML(
                "<p>This run has no Monte Carlo draws (run with "
                "<code>--draws N</code> for the "
                "distribution of NPV and the probability that it is positive).</p>"
            )
        )
    t = risk["tornado"]
    if len(t):
        oid = recommended_option(site, appraisal)
        top = t[t["option"] == oid].head(3)["description"].str.lower().tolist()
        show_figure(
            plot_tornado(site, appraisal, t),
            f"Tornado chart for {site.file.options[oid].name}: NPV when each of "
            "the ten most influential inputs moves to its 10th or 90th "
            f"percentile; the largest swings come from {', '.join(top)}.",
        )
    if len(risk["switching"]):
        display(
            HTML(
                table_html(
                    switching_table(site, risk["switching"]),
                    "Switching values: the input value at which the option's NPV "
                    "is zero",
                )
            )
        )


def plot_cumulative_npv(site: Site, appraisal: Appraisal):
    """Cumulative NPV by year of each option at the base rate (where it crosses
    zero is the discounted payback)."""
    import matplotlib.pyplot as plt

    y = appraisal.yearly
    y = y[y["rate_name"] == BASE_RATE]
    colors = option_colors(site)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        g = y[y["option"] == oid]
        ax.plot(
            g["year"],
            g["cumulative_npv"] / 1e6,
            color=colors[oid],
            lw=1.8,
            label=plain(o.name),
        )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Year")
    ax.set_ylabel(f"Cumulative NPV (M USD of {site.info.report_dollar_year})")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


def show_cumulative_npv(site: Site, appraisal: Appraisal) -> None:
    """Cumulative NPV chart with alt text."""
    y = appraisal.yearly
    y = y[y["rate_name"] == BASE_RATE]
    parts = []
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        g = y[y["option"] == oid]
        positive = g[g["cumulative_npv"] > 0]
        when = (
            f"turns positive in {int(positive['year'].iloc[0])}"
            if len(positive)
            else "stays negative"
        )
        parts.append(f"{o.name}: {when}")
    show_figure(
        plot_cumulative_npv(site, appraisal),
        "Line chart of each option's cumulative net present value by year at "
        "the base rate. " + "; ".join(parts) + ".",
    )
