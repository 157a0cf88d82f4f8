"""The resumption page of a site: each emergency scenario, how the port
recovers, what it costs and which resumption options pay (from
:mod:`cba.resumption`; computes nothing of its own)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import N_, _, language
from ..params import Site
from .figures import plain, show_figure
from .tables import table_html
from .text import escape, fmt_num, fmt_pct, fmt_usd

__all__ = [
    "RESUMPTION_PAGE",
    "save_resumption",
    "resumption_title_html",
    "resumption_method_html",
    "resumption_page_name",
    "scenario_name",
    "scenario_html",
    "plot_recovery",
    "recovery_alt",
    "show_recovery",
    "resumption_link_html",
    "resilience_html",
]

#: The resumption page beside a site's report.
RESUMPTION_PAGE = "resumption.html"


def resumption_page_name(lang: str) -> str:
    """``resumption.html`` in English, ``resumption.es.html`` in Spanish."""
    return RESUMPTION_PAGE if lang == "en" else f"resumption.{lang}.html"


def scenario_name(scenario) -> str:
    """The scenario's name in the report language."""
    info = scenario.scenario
    return info.name_es if language() == "es" and info.name_es else info.name


def _description(scenario) -> str:
    info = scenario.scenario
    return (
        info.description_es
        if language() == "es" and info.description_es
        else info.description
    )


def _hours(x: float) -> str:
    if x is None or np.isnan(x):
        return _("not within the horizon")
    return _("{n} h").format(n=fmt_num(x, 0))


def scenario_html(site: Site, scenario, table: pd.DataFrame, base) -> str:
    """A scenario's description, what doing nothing costs, and its options
    (``table`` from :func:`cba.resumption.compare_options`, ``base`` the
    :func:`cba.resumption.recovery` of doing nothing)."""
    dy = site.info.report_dollar_year
    none = table[table.option == "none"].iloc[0]
    s = base["summary"]
    head = _(
        "Doing nothing, the crossing is back to normal waits {recovery} after the "
        "event ends; at the worst {queue} vehicles wait and the event costs {cost} "
        "(dollars of {year})."
    ).format(
        recovery=_hours(none.recovery_hours),
        queue=fmt_num(none.peak_queue, 0),
        cost=fmt_usd(none.event_cost),
        year=dy,
    )
    opts = table[table.option != "none"]
    worth = opts[opts.avoided > opts.option_cost]
    if not len(opts) and scenario.outcomes:
        head += " " + _(
            "The scenario prices no resumption option: it back-casts what happened."
        )
    elif len(worth):
        best = worth.loc[worth.avoided.idxmax()]
        head += " " + _(
            "The option that avoids most is {name}: {avoided} of the cost for {cost}."
        ).format(
            name=_option_name(scenario, best.option),
            avoided=fmt_usd(best.avoided),
            cost=fmt_usd(best.option_cost),
        )
    if opts.flagged.any():
        head += " " + _(
            "Ratios above 20 are flagged for review, not findings: doing nothing "
            "keeps the normal schedule for as long as the backlog lasts, which a port "
            "would not."
        )
    rows = []
    for r in table.itertuples():
        rows.append(
            {
                _("Option"): _("Do nothing")
                if r.option == "none"
                else _option_name(scenario, r.option),
                _("Recovery"): _hours(r.recovery_hours),
                _("Peak queue (vehicles)"): fmt_num(r.peak_queue, 0),
                _("Event cost"): fmt_usd(r.event_cost),
                _("Cost avoided"): "" if r.option == "none" else fmt_usd(r.avoided),
                _("Option cost"): "" if r.option == "none" else fmt_usd(r.option_cost),
                _("BCR"): ""
                if r.option == "none" or np.isnan(r.bcr)
                else fmt_num(r.bcr, 1) + (" *" if r.flagged else ""),
            }
        )
    streams = []
    for r in s.itertuples():
        streams.append(
            {
                _("Stream"): site.file.streams[r.stream].description,
                _("Deferred"): fmt_num(r.deferred, 0),
                _("Diverted"): fmt_num(r.diverted, 0),
                _("Abandoned"): fmt_num(r.abandoned, 0),
                _("Peak wait (hours)"): fmt_num(r.peak_wait_minutes / 60.0, 1),
                _("Vehicles served during the event, change"): fmt_pct(
                    r.throughput_change
                ),
                _("Added delay at the sibling (vehicle-hours)"): fmt_num(
                    r.sibling_delay_vehicle_hours, 0
                ),
                _("Recovery"): _hours(r.recovery_hours),
            }
        )
    cost = base["cost"].groupby("component", sort=False).usd.sum()
    cost_rows = [
        {_("Component"): _(COST_NAMES.get(k, k)), _("Cost"): fmt_usd(v)}
        for k, v in cost.items()
        if abs(v) > 0
    ]
    return (
        f"<h2>{escape(scenario_name(scenario))}</h2>"
        f"<p>{escape(_description(scenario))}</p>"
        f"<p>{escape(head)}</p>"
        + table_html(pd.DataFrame(rows), _("Resumption options"))
        + table_html(pd.DataFrame(streams), _("Users who met the event, by stream"))
        + table_html(pd.DataFrame(cost_rows), _("Cost of the event, doing nothing"))
    )


#: Names of the event's cost components (benefit components of the appraisal
#: and the event's own).
COST_NAMES = {
    "travel_time": N_("Travellers' and drivers' time"),
    "vehicle_time": N_("Truck time (carrier's costs)"),
    "cargo_time": N_("Cargo time"),
    "idle_fuel": N_("Idling fuel"),
    "emissions_air_quality": N_("Air pollution"),
    "emissions_co2": N_("CO2"),
    "spoilage": N_("Spoilage of perishable loads"),
    "detour": N_("Detours of diverted vehicles"),
    "deferred_time": N_("Time of users waiting for the reopening"),
    "trips_given_up": N_("Trips given up (rule of half)"),
}


def _option_name(scenario, oid: str) -> str:
    o = scenario.options[oid]
    return o.name_es if language() == "es" and o.name_es else o.name


def _most_hit(base) -> str:
    s = base["summary"]
    return str(s.loc[s.delay_vehicle_hours.idxmax(), "stream"])


def plot_recovery(site: Site, scenario, base, best=None):
    """Vehicles waiting hour by hour for the stream the event hits most: a
    normal week, the event doing nothing, and with the best option."""
    import matplotlib.pyplot as plt

    sid = _most_hit(base)
    h = base["hours"]
    h = h[h.stream == sid]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    x = h.hour.to_numpy() / 24.0
    ax.plot(x, h.queue_normal, color="#888888", lw=1, label=_("Normal days"))
    ax.plot(x, h.queue, color="#d62728", lw=1.6, label=_("Doing nothing"))
    if best is not None:
        b = best["hours"]
        b = b[b.stream == sid]
        ax.plot(
            b.hour.to_numpy() / 24.0,
            b.queue,
            color="#2ca02c",
            lw=1.6,
            label=_option_name(scenario, best["option"]),
        )
    ax.axvspan(base["start"] / 24.0, base["end"] / 24.0, color="#f2c4c4", alpha=0.5)
    ax.set_xlabel(_("Days from the day before the event"))
    ax.set_ylabel(_("Vehicles waiting"))
    ax.set_title(plain(site.file.streams[sid].description, 60))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xlim(0, min(x.max(), base["end"] / 24.0 + 14))
    fig.tight_layout()
    return fig


def recovery_alt(site: Site, scenario, base, best=None) -> str:
    """Alt text of :func:`plot_recovery`."""
    sid = _most_hit(base)
    s = base["summary"].set_index("stream").loc[sid]
    text = _(
        "Vehicles waiting hour by hour for {stream}: at most {queue} doing "
        "nothing, back to normal {recovery} after the event ends."
    ).format(
        stream=plain(site.file.streams[sid].description),
        queue=fmt_num(s.peak_queue, 0),
        recovery=_hours(s.recovery_hours),
    )
    if best is not None:
        b = best["summary"].set_index("stream").loc[sid]
        text += " " + _("With {name}: at most {queue}, back {recovery} after.").format(
            name=_option_name(scenario, best["option"]),
            queue=fmt_num(b.peak_queue, 0),
            recovery=_hours(b.recovery_hours),
        )
    return text


def show_recovery(site: Site, scenario, base, best=None) -> None:
    """The chart with its alt text."""
    show_figure(
        plot_recovery(site, scenario, base, best),
        recovery_alt(site, scenario, base, best),
    )


def resumption_link_html(site: Site, scenario_files: list[Path]) -> str:
    """A paragraph linking the site's resumption page ("" without scenarios)."""
    if not scenario_files:
        return ""
    return (
        "<p>"
        + escape(
            _(
                "How this crossing recovers from a closure or slowdown, what the "
                "event costs and which resumption options pay: "
            )
        )
        + f'<a href="{resumption_page_name(language())}">'
        + escape(_("recovery from emergencies"))
        + "</a>.</p>"
    )


def save_resumption(site: Site, runs: list, out_dir: str | Path) -> Path:
    """Write :data:`cba.resumption.RESULTS_FILE` into ``out_dir``: every
    scenario's options (:func:`cba.resumption.compare_options`) with the
    scenario's id and names, for the index. ``runs``: ``(scenario, table,
    ...)`` tuples. Written whole or not at all."""
    import os
    import tempfile

    from ..resumption import RESULTS_FILE

    cols = [
        "site",
        "scenario",
        "scenario_name",
        "scenario_name_es",
        "option",
        "name",
        "payer",
        "recovery_hours",
        "peak_queue",
        "event_cost",
        "avoided",
        "option_cost",
        "bcr",
        "flagged",
        "dollar_year",
    ]
    frames = [
        table.assign(
            site=site.id,
            scenario=scn.scenario.id,
            scenario_name=scn.scenario.name,
            scenario_name_es=scn.scenario.name_es or scn.scenario.name,
            dollar_year=site.info.report_dollar_year,
        )[cols]
        for scn, table, *_rest in runs
    ]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = Path(out_dir) / RESULTS_FILE
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".resumption.", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False, float_format="%.6g")
    os.replace(tmp, out)
    return out


def resumption_title_html(site: Site) -> str:
    """Heading and lead of the resumption page."""
    return (
        "<h1>"
        + escape(_("{site}: recovery from emergencies").format(site=site.info.name))
        + "</h1><p>"
        + escape(
            _(
                "What happens when the crossing is closed or slowed: how the queue "
                "builds and clears, what the event costs its users, and which "
                "resumption options shorten it for less than they save. Central "
                "values; the shares of users who defer, divert or give up are "
                "labelled assumptions with ranges in the scenario files."
            )
        )
        + "</p>"
    )


def resumption_method_html() -> str:
    """How the page is computed, and what it leaves out."""
    items = [
        _(
            "The crossing's own stage model of the site report (booths staffed for "
            "the kind of day, every stage in order) runs hour by hour from a normal "
            "day through the event and the days after it, until waits are back "
            "within 10 % (or a minute) of a normal day."
        ),
        _(
            "Users who meet the event defer their trip to the hours after it, drive "
            "to the sibling crossing (adding delay there) or give the trip up; the "
            "rest queue. Delay is valued with the report's values of time, truck "
            "time, cargo, idling fuel and emissions, plus spoilage of perishable "
            "loads and detours where the scenario gives them."
        ),
        _(
            "Users who defer their trip lose the time until the reopening; a trip "
            "given up loses on average half the time its user would have waited "
            "(the rule of half). Input-output losses of output or jobs are not "
            "costs in this sense and are not added."
        ),
        _(
            "Doing nothing keeps the normal schedule of booths while the backlog "
            "lasts; a port usually extends hours after a closure, which is what the "
            "surge option prices. Ratios above 20 are flagged for that reason."
        ),
    ]
    return (
        "<h2>"
        + escape(_("How this page is computed"))
        + "</h2><ul>"
        + "".join(f"<li>{escape(t)}</li>" for t in items)
        + "</ul>"
    )


def resilience_html(
    site: Site, summary: pd.DataFrame, appraisal, included: bool
) -> str:
    """What each option saves in emergencies (``summary`` from
    :func:`cba.resumption.resilience_summary`) beside its NPV; ``included``:
    whether the appraisal counts it (the report's switch)."""
    if summary is None or not len(summary):
        return ""
    from ..vocab import BASE_RATE

    m = appraisal.metrics
    npv = m[m.rate_name == BASE_RATE].set_index("option").npv
    rows = []
    for r in summary.itertuples():
        base = float(npv.get(r.option, float("nan")))
        without = base - r.pv if included else base
        rows.append(
            {
                _("Option"): site.file.options[r.option].name,
                _("Emergencies a year"): fmt_num(r.events_a_year, 2),
                _("Cost avoided a year"): fmt_usd(r.avoided_per_year),
                _("Present value"): fmt_usd(r.pv),
                _("NPV without it"): fmt_usd(without),
                _("NPV with it"): fmt_usd(without + r.pv),
            }
        )
    note = (
        _(
            "Included in this report's NPVs (the switch include_resilience is on); "
            "the Monte Carlo draws the emergencies a year from their ranges."
        )
        if included
        else _(
            "Shown beside the NPV, not included in it (the switch include_resilience "
            "is off, the default): how often crossings close is a labelled "
            "assumption."
        )
    )
    lead = _(
        "What each option saves when the crossing is closed (the emergency "
        "scenarios of the resumption page), times how often that happens: an "
        "option that speeds the crossing shortens the backlog; one that draws "
        "traffic from other crossings exposes more users to a closure here, and "
        "its value can be negative."
    )
    return (
        f"<p>{escape(lead)}</p>"
        + table_html(pd.DataFrame(rows), _("Resilience to emergencies"))
        + f"<p>{escape(note)}</p>"
    )
