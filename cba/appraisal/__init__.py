"""The appraisal: every option of a site against its status quo, over draws.

:func:`appraise` draws the inputs (:mod:`~cba.appraisal.inputs`), projects the
traffic (:mod:`~cba.appraisal.traffic`), runs every queue in one vectorised
call (:mod:`~cba.appraisal.queue_jobs`), books the cash flows
(:mod:`~cba.appraisal.flows`) and reduces them block by block
(:mod:`~cba.appraisal.accumulate`) into an :class:`Appraisal`, which holds
everything a report shows. This layer maps parameters to model arguments and
orders the work; the arithmetic of each model lives in its own module
(:mod:`cba.queueing`, :mod:`cba.benefits`, :mod:`cba.costs`, ...).

Array shapes: ``D`` draws (1 for a deterministic run), ``T`` periods (the base
year is period 0, then ``horizon_years`` years of operation), ``H = 24`` hours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..params import Site
from ..vocab import CASHFLOW_COLUMNS, MC_COLUMNS, METRIC_COLUMNS
from .accumulate import (
    REDUCE_BLOCK,
    Accumulator,
    component_values,
    sponsor_view,
    yearly_flows,
)
from .flows import option_flows
from .inputs import Draws, Inputs, build_inputs, draw_values
from .queue_jobs import ANCHOR_STEP, anchor_periods
from .traffic import (
    base_year_traffic,
    day_types_for,
    forecast_chart,
    outlooks_for,
    volume_paths,
)

__all__ = [
    "Appraisal",
    "appraise",
    "draw_values",
    "build_inputs",
    "model_inputs",
    "Draws",
    "Inputs",
    "outlooks_for",
    "volume_paths",
    "base_year_traffic",
    "day_types_for",
    "forecast_chart",
    "anchor_periods",
    "ANCHOR_STEP",
    "CHUNK_DRAWS",
    "REDUCE_BLOCK",
    "CASHFLOW_COLUMNS",
    "METRIC_COLUMNS",
    "MC_COLUMNS",
]

#: Default number of draws evaluated at once (bounds memory for large runs).
CHUNK_DRAWS = 500


@dataclass(frozen=True)
class Appraisal:
    """Results of one site appraisal: everything a report shows.

    Attributes
    ----------
    site_id : str
    n_draws : int
        Monte Carlo draws (0 for a deterministic run).
    cashflows : DataFrame
        Tidy cash flows with :data:`cba.vocab.CASHFLOW_COLUMNS`, at central values.
    metrics : DataFrame
        One row per option x discount rate with :data:`cba.vocab.METRIC_COLUMNS`
        at central values (the headline), and with draws
        :data:`cba.vocab.MC_COLUMNS`: the mean NPV over draws, its 5th, 50th and
        95th percentiles, P(NPV > 0) and P(best).
    waits : DataFrame
        Mean wait by hour (minutes) per stream and option in the first year of
        operation, options at full effect, at central values; with draws also
        ``wait_p05`` and ``wait_p95``, the 5-95 % band over the draws.
    delay : DataFrame
        Daily vehicle-hours of delay per stream, option and year.
    responses : DataFrame
        Users who respond, per stream, option and year (a day): trips made
        here, trips lost to the crossing, vehicles diverted to the sibling
        crossing and the vehicle-hours of delay they add there (columns
        :data:`cba.appraisal.accumulate.RESPONSE_COLUMNS`).
    stage_waits : DataFrame
        Mean wait at each stage of each stream (``stage``: ``mx_export``,
        ``mx_exam``, ``primary``, ``secondary``) per option in the first year
        of operation, over the vehicles that reach the stage [minutes].
    stakeholders : DataFrame
        PV of each stakeholder's net gain per option and rate.
    traffic : DataFrame
        Base-year volume of each stream at central values, and its source.
    npv_draws : DataFrame or None
        NPV per draw (draw x option x rate) when ``n_draws > 0`` or scenarios.
    base_year : int
        Period 0 of the discounting.
    discount_rates : tuple of (name, rate)
        The rates the metrics are given at, the base rate first.
    components : DataFrame
        PV of benefits and costs by component per option and rate (costs
        negative, transfers left out); computed from ``cashflows`` when first
        read.
    sponsor : DataFrame
        The sponsor's financial view per option and rate; computed when first
        read.
    """

    site_id: str
    n_draws: int
    cashflows: pd.DataFrame
    metrics: pd.DataFrame
    waits: pd.DataFrame
    delay: pd.DataFrame
    stakeholders: pd.DataFrame
    traffic: pd.DataFrame
    npv_draws: pd.DataFrame | None = None
    base_year: int = 0
    discount_rates: tuple[tuple[str, float], ...] = ()
    responses: pd.DataFrame | None = None
    stage_waits: pd.DataFrame | None = None

    # Computed on first use (sensitivity analyses appraise a site many times and
    # never read them).
    @functools.cached_property
    def components(self) -> pd.DataFrame:
        """PV by component per option and rate (see the class docstring)."""
        return component_values(
            self.cashflows, list(self.discount_rates), self.base_year
        )

    @functools.cached_property
    def yearly(self) -> pd.DataFrame:
        """Benefits, costs and net by year, discounted and cumulative, per option
        and rate (see :func:`cba.appraisal.accumulate.yearly_flows`)."""
        return yearly_flows(self.cashflows, list(self.discount_rates), self.base_year)

    @functools.cached_property
    def sponsor(self) -> pd.DataFrame:
        """The sponsor's financial view per option and rate (see the class doc)."""
        return sponsor_view(
            self.cashflows, self.metrics, list(self.discount_rates), self.base_year
        )


def model_inputs(
    site: Site,
    n_draws: int = 0,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    n_scenarios: int = 0,
) -> Inputs:
    """Typed inputs of every draw at once.

    See :func:`draw_values`, :func:`build_inputs`.
    """
    return build_inputs(site, draw_values(site, n_draws, seed, overrides, n_scenarios))


def appraise(
    site: Site,
    n_draws: int = 0,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    outlooks: dict[str, pd.DataFrame] | None = None,
    n_scenarios: int = 0,
    chunk_size: int = CHUNK_DRAWS,
    reference: dict[str, float] | None = None,
    resilience: pd.DataFrame | None = None,
) -> Appraisal:
    """Appraise every option of a site against its status quo.

    Parameters
    ----------
    site : Site
        Validated site (:func:`cba.params.load_site`).
    n_draws : int
        0 = deterministic (central values); >0 = Monte Carlo draws.
    seed : int, optional
        Random seed (needed when ``n_draws > 0``).
    overrides : dict, optional
        Parameter overrides by key path (see :func:`draw_values`).
    outlooks : dict, optional
        Pre-computed demand outlooks by ``"port|measure"`` (saves refitting).
    n_scenarios : int
        Deterministic scenarios evaluated at once (see :func:`draw_values`);
        their NPVs are in ``npv_draws``.
    reference : dict, optional
        Base-year traffic of each stream that its booth schedule was set for
        (vehicles/year). Default: the site's own base-year volume at central
        values. A hindcast passes today's, so that a past year's queue is
        staffed for its own traffic as today's is for today's (see
        :func:`cba.analysis.cases.period_results`).
    resilience : DataFrame, optional
        What each option saves in emergencies
        (:func:`cba.resumption.resilience_values`): when given, booked as the
        benefit ``resilience`` from the option's start (with its ramp), the
        events a year drawn from each scenario's ``frequency`` in a Monte
        Carlo run. None (the default): not counted.
    chunk_size : int
        Draws evaluated at once, rounded up to a whole number of blocks of
        :data:`REDUCE_BLOCK` draws. All draws are sampled first and every
        sum over draws is taken block by block in a fixed order, so results
        do not depend on the chunk size (bit for bit); only peak memory does.

    Returns
    -------
    Appraisal
    """
    draws = draw_values(site, n_draws, seed, overrides, n_scenarios)
    inp = build_inputs(site, draws)
    outlooks = outlooks if outlooks is not None else outlooks_for(site)
    rng = (
        np.random.default_rng(None if seed is None else seed + 1)
        if n_draws > 0
        else None
    )
    vols = volume_paths(inp, outlooks, rng)
    # Base-year traffic the booth schedules were set for (central values): the
    # queue of every draw or scenario is scaled to it (see option_flows).
    if reference is not None:
        reference = {sid: float(reference[sid]) for sid in vols}
    elif n_draws > 0 or overrides or n_scenarios > 0:
        central = volume_paths(model_inputs(site), outlooks, None)
        reference = {sid: float(v[0, 0]) for sid, v in central.items()}
    resilience_draws = _resilience_draws(resilience, inp.n_draws, n_draws, seed)
    acc = Accumulator(inp, n_draws, inp.n_draws)
    step = max(-(-int(chunk_size) // REDUCE_BLOCK), 1) * REDUCE_BLOCK
    for a in range(0, inp.n_draws, step):
        b = min(a + step, inp.n_draws)
        part = build_inputs(site, draws.slice(a, b))
        part = replace(part, day_types=day_types_for(site, part))
        block = option_flows(part, {k: v[a:b] for k, v in vols.items()}, reference)
        if resilience_draws:
            block = _with_resilience(block, part, resilience_draws, a, b)
        acc.add(block, b - a)
    result = acc.result()
    if n_draws > 0:
        result = _central_with_draws(
            appraise(
                site,
                overrides=overrides,
                outlooks=outlooks,
                reference=reference,
                resilience=resilience,
            ),
            result,
        )
    return Appraisal(
        site_id=site.id,
        n_draws=int(n_draws),
        traffic=base_year_traffic(site, outlooks),
        **result,
    )


def _resilience_draws(table, n: int, n_draws: int, seed) -> dict:
    """(option, stream) -> what it saves in emergencies a year, by draw (n,)
    [USD/year]: each scenario's cost avoided an event times its events a
    year, drawn from the scenario's ``frequency`` in a Monte Carlo run (its
    own random stream, so the other draws do not move)."""
    from .. import uncertainty

    if table is None or not len(table):
        return {}
    freq = {}
    rng = np.random.default_rng(None if seed is None else seed + 2)
    for scn, g in table.groupby("scenario", sort=True):
        p = g.frequency_param.iloc[0]
        if n_draws > 0 and p.distribution is not None:
            freq[scn] = uncertainty.sample(p.distribution, n, rng)
        else:
            freq[scn] = np.full(n, float(p.value))
    out: dict = {}
    for r in table.itertuples():
        key = (r.option, r.stream)
        out[key] = out.get(key, 0.0) + r.avoided * freq[r.scenario]
    return out


def _with_resilience(block, inp, draws: dict, a: int, b: int):
    """The block's flows plus each option's resilience benefit (D, T), split
    between the countries' users as the stream's users are."""
    from .. import options as _options
    from .flows import Flow

    rows = list(block.flows)
    years = inp.years
    for (oid, sid), annual in draws.items():
        if oid not in inp.options:
            continue
        opt = inp.options[oid]
        ramp = _options.ramp_factor(years, opt.start_year, opt.ramp_up_years)[None, :]
        value = np.asarray(annual, dtype=float)[a:b, None] * ramp
        us = inp.streams[sid].users_us_share[:, None]
        rows.append(Flow(oid, "benefit", "resilience", "users_us", value * us))
        rows.append(Flow(oid, "benefit", "resilience", "users_mx", value * (1 - us)))
    return replace(block, flows=rows)


def _central_with_draws(central: Appraisal, draws: dict) -> dict:
    """A Monte Carlo result led by the central values.

    Headline metrics, cash flows, stakeholders, delay and waits are those of the
    deterministic run at central values; the draws add the mean NPV, its 5th,
    50th and 95th percentiles, P(NPV > 0), P(best) and the 5-95 % band of the
    waits by hour.
    """
    keys = ["option", "rate_name"]
    mc = draws["metrics"][keys + ["npv"]].rename(columns={"npv": "npv_mean"})
    mc = mc.merge(
        draws["metrics"][keys + [c for c in MC_COLUMNS if c != "npv_mean"]], on=keys
    )
    metrics = central.metrics.merge(mc, on=keys, how="left")
    band = draws["waits"][["option", "stream", "hour", "wait_p05", "wait_p95"]]
    waits = central.waits.merge(band, on=["option", "stream", "hour"], how="left")
    return {
        "cashflows": central.cashflows,
        "metrics": metrics[METRIC_COLUMNS + MC_COLUMNS],
        "waits": waits,
        "delay": central.delay,
        "responses": central.responses,
        "stage_waits": central.stage_waits,
        "stakeholders": central.stakeholders,
        "npv_draws": draws["npv_draws"],
        "base_year": central.base_year,
        "discount_rates": central.discount_rates,
    }
