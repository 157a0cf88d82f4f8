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

import textwrap

import pandas as pd

from ..appraisal import Appraisal
from ..i18n import _
from ..params import Site
from ..vocab import BASE_RATE, COMPONENT_NAMES, STAKEHOLDER_NAMES, STAKEHOLDERS
from .tables import risk_table, switching_table, table_html
from .text import (
    base_rate_metrics,
    components_alt,
    escape,
    fmt_num,
    fmt_pct,
    forecasts_alt,
    recommended_option,
    short_label,
    stakeholders_alt,
    waits_alt,
)


def plain(text, width: int | None = None) -> str:
    """Text from a parameter file as matplotlib shows it literally: a '$' is a
    dollar sign, never the start of mathematical notation; wrapped to ``width``
    characters a line when given (long names must not squash the plot)."""
    text = str(text)
    if width:
        text = textwrap.fill(text, width, break_long_words=False)
    return text.replace("$", r"\$")


__all__ = [
    "plot_marginal",
    "show_marginal",
    "marginal_alt",
    "plain",
    "OPTION_PALETTE",
    "COMPONENT_PALETTE",
    "STAKEHOLDER_PALETTE",
    "option_colors",
    "legend_beside",
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


#: Colours by cash-flow component, the same on every site: benefits in blues,
#: greens and teal, costs in reds and browns, transfers in greys.
COMPONENT_PALETTE = {
    "travel_time": "#1f77b4",
    "vehicle_time": "#08519c",
    "cargo_time": "#6baed6",
    "idle_fuel": "#2ca02c",
    "emissions_air_quality": "#98df8a",
    "emissions_co2": "#17becf",
    "resilience": "#9467bd",
    "officer_time": "#d62728",
    "capital": "#8c564b",
    "operations": "#e377c2",
    "residual_value": "#c49c94",
    "staffing_reimbursement": "#7f7f7f",
    "toll_surcharge": "#bcbd22",
}

#: Colours by stakeholder account, the same on every site.
STAKEHOLDER_PALETTE = {
    "us_federal": "#1f4e79",
    "mx_federal": "#2e7d32",
    "sponsor": "#b26a00",
    "users_us": "#6baed6",
    "users_mx": "#81c784",
}


def legend_beside(ax, title: str | None = None, fontsize: float = 8) -> None:
    """The axes' legend to the right of the plot, where it never covers data."""
    ax.legend(
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=fontsize,
        frameon=False,
    )


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
    names = {oid: plain(o.name, 40) for oid, o in site.file.options.items()}
    palette = {names[k]: v for k, v in option_colors(site).items()}
    w[_("Option")] = w["option"].map(names)
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
            hue=_("Option"),
            palette=palette,
            ax=ax,
            legend=(sid == streams[-1]),
        )
        if "wait_p05" in sub.columns:
            drawn: list = []
            for oid, band in sub.groupby("option", sort=False):
                # An option that leaves this stream as it is shares its band with
                # the status quo: shade each distinct band once, not darker.
                top = band["wait_p95"].fillna(0.0).to_numpy()
                if any(
                    len(d) == len(top)
                    and abs(d - top).max(initial=0.0) <= 0.05 * max(top.max(), 1.0)
                    for d in drawn
                ):
                    continue
                drawn.append(top)
                ax.fill_between(
                    band["hour"],
                    band["wait_p05"],
                    band["wait_p95"],
                    color=option_colors(site)[oid],
                    alpha=0.15,
                    lw=0,
                )
        if "wait_days_p95_minutes" in sub.columns:
            for oid, g in sub.groupby("option", sort=False):
                ax.plot(
                    g["hour"],
                    g["wait_days_p95_minutes"],
                    color=option_colors(site)[oid],
                    lw=1.0,
                    ls="--",
                )
        ax.set_title(plain(site.file.streams[sid].description, 42), fontsize=9)
        ax.set_xlabel(_("Hour of arrival"))
        ax.set_ylabel(_("Mean wait (minutes)"))
        ax.set_xticks(range(0, 24, 3))
    if len(streams):
        leg = axes[0][-1].get_legend()
        if leg is not None:
            leg.set_bbox_to_anchor((1.02, 1))
            leg.set_loc("upper left")
        if "wait_days_p95_minutes" in w.columns:
            fig.text(
                0.01,
                -0.02,
                _(
                    "Solid: mean over the year's vehicles; dashed: the wait exceeded "
                    "on 5 % of the year's days at that hour."
                ),
                fontsize=8,
            )
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
    names = {oid: plain(o.name, 34) for oid, o in site.file.options.items()}
    option, value, component = _("Option"), _("PV (M USD)"), _("Component")
    g[option] = g["option"].map(names)
    g[value] = g["pv"] / 1e6
    g[component] = g["component"].map(lambda c: _(COMPONENT_NAMES.get(c, c)))
    order = [c for c in COMPONENT_NAMES if c in set(g["component"])]
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.5 * max(len(g[option].unique()), 1) * 2))
    if not g.empty:
        sns.barplot(
            data=g,
            y=option,
            x=value,
            hue=component,
            hue_order=[_(COMPONENT_NAMES[c]) for c in order],
            palette={_(COMPONENT_NAMES[c]): COMPONENT_PALETTE[c] for c in order},
            ax=ax,
            orient="h",
        )
        legend_beside(ax, title=component)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(
        _("Present value at {rate} (M USD of {dollar_year}); costs negative").format(
            rate=fmt_pct(r), dollar_year=site.info.report_dollar_year
        )
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
    names = {oid: plain(o.name, 34) for oid, o in site.file.options.items()}
    option, value, who = _("Option"), _("PV net gain (M USD)"), _("Stakeholder")
    s[option] = s["option"].map(names)
    s[who] = s["stakeholder"].map(lambda k: _(STAKEHOLDER_NAMES[k]))
    s[value] = s["pv_net"] / 1e6
    n = max(s[option].nunique(), 1)
    fig, ax = plt.subplots(figsize=(9, 1.0 + 1.1 * n))
    if not s.empty:
        sns.barplot(
            data=s,
            y=option,
            x=value,
            hue=who,
            orient="h",
            ax=ax,
            hue_order=[_(STAKEHOLDER_NAMES[k]) for k in STAKEHOLDERS],
            palette={
                _(STAKEHOLDER_NAMES[k]): STAKEHOLDER_PALETTE[k] for k in STAKEHOLDERS
            },
        )
        legend_beside(ax, title=who)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(
        _(
            "Present value of net gain at the base rate (M USD of {dollar_year}); "
            "payers negative"
        ).format(dollar_year=site.info.report_dollar_year)
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
            h["month"],
            h["value"] / 1e3,
            color="#333333",
            lw=1,
            label=_("observed (BTS)"),
        )
        ax.fill_between(
            fc["month"],
            fc["lower_95"] / 1e3,
            fc["upper_95"] / 1e3,
            color="#1f77b4",
            alpha=0.15,
            label=_("95 % interval"),
        )
        ax.fill_between(
            fc["month"],
            fc["lower_80"] / 1e3,
            fc["upper_80"] / 1e3,
            color="#1f77b4",
            alpha=0.3,
            label=_("80 % interval"),
        )
        ax.plot(
            fc["month"], fc["value"] / 1e3, color="#1f77b4", lw=1.5, label=_("forecast")
        )
        ax.set_title(
            plain(
                _("Port {port}: {measure} (inbound)").format(port=port, measure=measure)
            ),
            fontsize=9,
        )
        ax.set_ylabel(_("Thousands per month"))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
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
            _("No Monte Carlo draws in this run (use --draws N)."),
            ha="center",
            va="center",
        )
        return fig
    d = appraisal.npv_draws
    d = d[d["rate_name"] == BASE_RATE].copy()
    opts = site.file.options
    d = d[d["option"].map(lambda o: opts[o].kind != "status_quo")]
    option, value = _("Option"), _("NPV (M USD)")
    d[option] = d["option"].map(lambda o: plain(opts[o].name, 34))
    d[value] = d["npv"] / 1e6
    palette = {plain(opts[k].name, 34): v for k, v in option_colors(site).items()}
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.9 * d[option].nunique()))
    sns.boxplot(
        data=d,
        y=option,
        x=value,
        hue=option,
        palette=palette,
        ax=ax,
        whis=(5, 95),
        showfliers=False,
        legend=False,
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylabel("")
    ax.set_xlabel(
        _(
            "NPV at the base rate, M USD of {dollar_year} (box: 25-75 %, whiskers: "
            "5-95 % of draws)"
        ).format(dollar_year=site.info.report_dollar_year)
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
            label=_("input at its 10th percentile"),
        )
        ax.barh(
            y,
            t["npv_high"] / 1e6 - c,
            left=c,
            color="#1f77b4",
            alpha=0.8,
            label=_("input at its 90th percentile"),
        )
        ax.set_yticks(list(y))
        ax.set_yticklabels(
            [plain(short_label(d)) for d in t["description"]], fontsize=8
        )
        ax.axvline(c, color="black", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        legend_beside(ax, fontsize=7)
    ax.set_xlabel(
        plain(
            _("NPV of {option} at the base rate (M USD)").format(
                option=site.file.options[oid].name
            )
        )
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
                    risk_table(site, appraisal),
                    _("Monte Carlo results at the base rate"),
                )
            )
        )
        option, p = _("Option"), _("P(NPV > 0)")
        show_figure(
            plot_npv_distribution(site, appraisal),
            _(
                "Box plots of the NPV of each option over the Monte Carlo draws at "
                "the base rate;"
            )
            + " "
            + "; ".join(
                f"{r[option]}: {p} {r[p]}"
                for _i, r in risk_table(site, appraisal).iterrows()
            )
            + ".",
        )
    else:
        display(
            HTML(
                "<p>"
                + _(
                    "This run has no Monte Carlo draws (run with <code>--draws "
                    "N</code> for the distribution of NPV and the probability that "
                    "it is positive)."
                )
                + "</p>"
            )
        )
    t = risk["tornado"]
    if len(t):
        oid = recommended_option(site, appraisal)
        top = t[t["option"] == oid].head(3)["description"].str.lower().tolist()
        show_figure(
            plot_tornado(site, appraisal, t),
            _(
                "Tornado chart for {option}: NPV when each of the ten most "
                "influential inputs moves to its 10th or 90th percentile; the "
                "largest swings come from {inputs}."
            ).format(option=site.file.options[oid].name, inputs=", ".join(top)),
        )
    if len(risk["switching"]):
        display(
            HTML(
                table_html(
                    switching_table(site, risk["switching"]),
                    _(
                        "Switching values: the input value at which the option's "
                        "NPV is zero"
                    ),
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
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(
        _("Cumulative NPV (M USD of {dollar_year})").format(
            dollar_year=site.info.report_dollar_year
        )
    )
    legend_beside(ax)
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
            _("turns positive in {year}").format(year=int(positive["year"].iloc[0]))
            if len(positive)
            else _("stays negative")
        )
        parts.append(f"{o.name}: {when}")
    show_figure(
        plot_cumulative_npv(site, appraisal),
        _(
            "Line chart of each option's cumulative net present value by year at "
            "the base rate."
        )
        + " "
        + "; ".join(parts)
        + ".",
    )


def _marginal_first(marginal: pd.DataFrame) -> pd.DataFrame:
    """The first added booth of each one-hour block (NPV, M USD)."""
    if marginal is None or marginal.empty:
        return pd.DataFrame(columns=["stream", "kind", "start", "musd"])
    m = marginal[(marginal.level == 1) & (marginal.hours == 1)]
    return m.assign(musd=m.increment / 1e6)[["stream", "kind", "start", "musd"]]


def plot_marginal(site: Site, marginal: pd.DataFrame):
    """Heat map of the NPV of one more booth: a row per stream and kind of day,
    a column per hour."""
    import matplotlib.pyplot as plt
    import numpy as np
    import seaborn as sns

    from .tables import DAY_KIND_NAMES

    m = _marginal_first(marginal)
    rows, labels = [], []
    for sid in site.file.streams:
        g = m[m.stream == sid]
        for kind in DAY_KIND_NAMES:
            k = g[g.kind == kind]
            if k.empty:
                continue
            rows.append(k.set_index("start").musd.reindex(range(24)).to_numpy())
            labels.append(
                plain(site.file.streams[sid].description, 38)
                + " / "
                + _(DAY_KIND_NAMES[kind]).lower()
            )
    n = max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(10, 0.8 + 0.34 * n))
    if rows:
        grid = pd.DataFrame(np.vstack(rows), index=labels, columns=range(24))
        lim = float(np.nanmax(np.abs(grid.to_numpy())))
        sns.heatmap(
            grid,
            ax=ax,
            cmap="RdBu",
            center=0.0,
            vmin=-lim,
            vmax=lim,
            cbar_kws={"label": _("NPV, M USD")},
            linewidths=0.3,
            linecolor="white",
        )
        ax.tick_params(axis="y", labelsize=7)
    else:
        ax.axis("off")
    ax.set_xlabel(_("Hour of the day (blank: no free lane, or lanes closed)"))
    ax.set_ylabel("")
    fig.tight_layout()
    return fig


def marginal_alt(site: Site, marginal: pd.DataFrame) -> str:
    """Alt text of the heat map: where one more booth pays most."""
    from .tables import DAY_KIND_NAMES

    m = _marginal_first(marginal)
    if m.empty:
        return _("No hour has a free lane to add a booth to.")
    best = m.loc[m.musd.idxmax()]
    return _(
        "Heat map of the net present value of one more booth by hour, a row per "
        "stream and kind of day; it pays most for {stream} on {kind} at {hour}:00 "
        "({value} M USD)."
    ).format(
        stream=plain(site.file.streams[best.stream].description),
        kind=_(DAY_KIND_NAMES[best.kind]).lower(),
        hour=f"{int(best.start):02d}",
        value=fmt_num(best.musd, 1),
    )


def show_marginal(site: Site, marginal: pd.DataFrame) -> None:
    """The heat map with its alt text."""
    show_figure(plot_marginal(site, marginal), marginal_alt(site, marginal))
