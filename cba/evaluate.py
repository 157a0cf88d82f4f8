"""Orchestration: validated parameters -> model calls -> tidy results.

This is the only module that knows both the parameter objects and the model
functions. It adds no maths of its own: it maps named parameters to function
arguments (converting money once to the report dollar-year), calls the models on
arrays with a leading draw axis, and assembles tidy tables.

Main functions: :func:`appraise`, :func:`model_inputs`, :func:`parameter_table`.

Array shapes: ``D`` draws (1 for a deterministic run), ``T`` periods (the base
year is period 0, then ``horizon_years`` years of operation), ``H = 24`` hours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import benefits, costs, discounting, emissions, funding, options, queueing, staffing, uncertainty, units
from .exceptions import ParameterError
from .params import Param, Site

__all__ = [
    "Appraisal",
    "appraise",
    "model_inputs",
    "outlooks_for",
    "volume_paths",
    "anchor_periods",
    "parameter_table",
    "CASHFLOW_COLUMNS",
    "METRIC_COLUMNS",
]

CASHFLOW_COLUMNS = [
    "site",
    "option",
    "draw",
    "year",
    "side",
    "component",
    "stakeholder",
    "value",
    "unit",
    "dollar_year",
]
METRIC_COLUMNS = [
    "site",
    "option",
    "discount_rate",
    "rate_name",
    "pv_benefits",
    "pv_costs",
    "npv",
    "bcr",
    "irr",
    "payback_years",
    "first_year_benefits",
    "breakeven_toll_usd",
]
#: Extra metric columns of a Monte Carlo run.
MC_COLUMNS = ["npv_p05", "npv_p50", "npv_p95", "p_npv_positive", "p_best"]
HOURS = 24
MINUTES_PER_HOUR = 60.0
#: Years between the periods at which the queue model runs (see :func:`anchor_periods`).
ANCHOR_STEP = 3
_VOT = {
    "personal": "vtts_personal",
    "business": "vtts_business",
    "truck_driver": "vtts_truck_driver",
    "walk_wait": "vtts_walk_wait",
}


# --------------------------------------------------------------------------- inputs
@dataclass
class Inputs:
    """Numeric model inputs in report dollars, each scalar an array of shape (D,)."""

    n_draws: int
    values: dict[str, np.ndarray]
    dollar_year: int
    per_draw: frozenset = frozenset()


def _money(site: Site, p: Param, x):
    """Convert a money value to the site's report dollar-year."""
    if not units.is_money(p.unit):
        return x
    to_year = site.info.report_dollar_year
    cpi = site.param("cpi_u").values
    if p.unit.startswith("MXN"):
        x = units.mxn_to_usd(x, p.dollar_year, site.param("mxn_per_usd").values)
    return units.to_dollar_year(x, p.dollar_year, to_year, cpi)


def _numeric(site: Site, p: Param, n: int, rng: np.random.Generator | None, key: str,
             overrides: dict[str, Any]) -> np.ndarray:
    if key in overrides:
        raw = np.broadcast_to(np.asarray(overrides[key], dtype=float), (n,)).copy()
    elif isinstance(p.value, tuple):
        raw = np.asarray(p.value, dtype=float)
        return _money(site, p, raw)
    elif rng is not None and p.distribution is not None:
        raw = uncertainty.sample(p.distribution, n, rng)
    else:
        raw = np.full(n, float(p.value))
    return _money(site, p, raw)


def _walk_params(site: Site):
    """Yield (key, Param) for every scalar or list value the appraisal uses."""
    f = site.file
    for name, p in sorted(site.common.items()):
        if p.values is None:
            yield f"common.{name}", p
    for name, p in f.parameters.items():
        yield f"site.{name}", p
    for sid, s in f.streams.items():
        for fname in type(s).model_fields:
            v = getattr(s, fname)
            if isinstance(v, Param):
                yield f"streams.{sid}.{fname}", v
        for fname in ("share", "annual"):
            v = getattr(s.volume, fname)
            if v is not None:
                yield f"streams.{sid}.volume.{fname}", v
        if s.volume.growth is not None:
            yield f"streams.{sid}.volume.growth", s.volume.growth
    for oid, o in f.options.items():
        for sid, ch in o.changes.items():
            for fname in ("extra_booths", "processing_factor", "secondary_referral_factor", "shift_share"):
                v = getattr(ch, fname)
                if v is not None:
                    yield f"options.{oid}.changes.{sid}.{fname}", v
        for i, c in enumerate(o.costs):
            yield f"options.{oid}.costs[{i}].amount", c.amount
            if c.asset_life_years is not None:
                yield f"options.{oid}.costs[{i}].asset_life_years", c.asset_life_years
        if o.funding is not None and o.funding.toll_surcharge is not None:
            yield f"options.{oid}.funding.toll_surcharge", o.funding.toll_surcharge


def _correlated_keys(site: Site) -> dict[str, int]:
    keys: dict[str, int] = {}
    for c in site.file.correlations:
        for k in c.between:
            keys.setdefault(k, len(keys))
    return keys


def _correlation_matrix(site: Site, keys: list[str]) -> np.ndarray:
    pos = {k: i for i, k in enumerate(keys)}
    corr = np.eye(len(keys))
    for c in site.file.correlations:
        a, b = (pos.get(k) for k in c.between)
        if a is not None and b is not None:
            corr[a, b] = corr[b, a] = c.rho
    return corr


def check_correlations(site: Site) -> None:
    """Check the site's ``correlations``; raise :class:`ParameterError` naming the entry.

    Each pair names two different uncertain parameters (with a distribution)
    of this site or the shared values, once; ``rho`` lies strictly between -1
    and 1; together the pairs form a positive-definite correlation matrix.
    """
    from .params import _hint

    params = dict(_walk_params(site))
    seen = set()
    for i, c in enumerate(site.file.correlations):
        path = f"correlations[{i}]"
        for j, key in enumerate(c.between):
            if key not in params:
                raise ParameterError(f"unknown parameter '{key}'{_hint(key, params)}; allowed: a key path listed "
                                     "in the report's parameter appendix", key_path=f"{path}.between[{j}]")
            p = params[key]
            if p.distribution is None or isinstance(p.value, tuple):
                raise ParameterError(f"'{key}' has no distribution, so it cannot be correlated; "
                                     "allowed: parameters with a distribution", key_path=f"{path}.between[{j}]")
        a, b = c.between
        if a == b:
            raise ParameterError(f"'{a}' is correlated with itself; allowed: two different parameters",
                                 key_path=f"{path}.between")
        pair = frozenset(c.between)
        if pair in seen:
            raise ParameterError(f"the pair {a}, {b} is listed twice; allowed: each pair once",
                                 key_path=f"{path}.between")
        seen.add(pair)
        if not -1.0 < c.rho < 1.0:
            raise ParameterError(f"rho {c.rho:g} is out of range; allowed: > -1 and < 1", key_path=f"{path}.rho")
    keys = list(_correlated_keys(site))
    if keys:
        try:
            np.linalg.cholesky(_correlation_matrix(site, keys))
        except np.linalg.LinAlgError:
            raise ParameterError(
                "the correlations are not consistent with each other (their matrix is not positive "
                "definite); allowed: a set of pairs that some joint distribution can have - lower "
                "the largest ones", key_path="correlations") from None


def model_inputs(site: Site, n_draws: int = 0, seed: int | None = None,
                 overrides: dict[str, Any] | None = None, n_scenarios: int = 0) -> Inputs:
    """Numeric inputs for :func:`appraise`, converted to the report dollar-year.

    Parameters
    ----------
    site : Site
        Validated site.
    n_draws : int
        0 for the deterministic run (central values); otherwise the number of
        Monte Carlo draws from each parameter's distribution.
    seed : int, optional
        Seed of the random generator (required when ``n_draws > 0``).
    overrides : dict, optional
        Key path -> value (e.g. ``{"common.vtts_personal": 25.0}``) in the
        parameter's own unit and dollar-year; used by sensitivity analyses. A
        value may be an array of length ``n_scenarios``.
    n_scenarios : int
        With ``n_draws == 0``: evaluate this many deterministic scenarios at once
        on the draw axis (central values except where ``overrides`` give arrays).
    """
    overrides = dict(overrides or {})
    if n_draws > 0 and n_scenarios > 0:
        raise ParameterError("give either n_draws or n_scenarios, not both", key_path="n_scenarios")
    n = max(int(n_draws), int(n_scenarios), 1)
    rng = None
    if n_draws > 0:
        if seed is None:
            raise ParameterError("a Monte Carlo run needs a seed", key_path="seed")
        rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    known = set()
    # Sort keys so the random stream a parameter gets does not depend on file order.
    per_draw = set()
    correlated = _correlated_keys(site) if rng is not None else {}
    uniforms: dict[str, np.ndarray] = {}
    params: dict[str, Param] = {}
    for key, p in sorted(_walk_params(site), key=lambda kp: kp[0]):
        known.add(key)
        if key in correlated and key not in overrides:
            uniforms[key] = rng.random(n)  # the same uniforms the parameter gets uncorrelated
            params[key] = p
        else:
            values[key] = _numeric(site, p, n, rng, key, overrides)
        if not isinstance(p.value, tuple):
            per_draw.add(key)
    if uniforms:
        keys = list(uniforms)
        corr = _correlation_matrix(site, keys)
        u = uncertainty.correlate_uniforms(np.column_stack([uniforms[k] for k in keys]), corr)
        for j, key in enumerate(keys):
            values[key] = _money(site, params[key], uncertainty.from_uniform(params[key].distribution, u[:, j]))
    unknown = set(overrides) - known
    if unknown:
        raise ParameterError(f"unknown override key(s): {sorted(unknown)}", key_path="overrides")
    return Inputs(n_draws=n, values=values, dollar_year=site.info.report_dollar_year,
                  per_draw=frozenset(per_draw))


def _common(inp: Inputs, site: Site, name: str) -> np.ndarray:
    key = f"site.{name}" if name in site.file.parameters else f"common.{name}"
    return inp.values[key]


# --------------------------------------------------------------------------- volumes
@functools.lru_cache(maxsize=64)
def _cached_outlook(port_code: str, measure: str, start: int, end: int) -> pd.DataFrame:
    from . import demand

    return demand.annual_outlook(port_code, measure, start, end)


def outlooks_for(site: Site) -> dict[str, pd.DataFrame]:
    """Demand outlook of every data-based stream of a site (fitted once per process).

    Returns
    -------
    dict
        ``"port|measure"`` -> annual outlook (see :func:`cba.demand.annual_outlook`).
    """
    info = site.info
    out = {}
    for s in site.file.streams.values():
        v = s.volume
        if v.port_code is not None:
            key = f"{v.port_code}|{v.measure}"
            if key not in out:
                out[key] = _cached_outlook(v.port_code, v.measure, info.base_year,
                                           info.base_year + info.horizon_years).copy()
    return out


def volume_paths(site: Site, inp: Inputs, outlooks: dict[str, pd.DataFrame] | None = None,
                 rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """Annual volume of each stream, shape (D, T). [vehicles/year]"""
    from . import demand

    info = site.info
    years = np.arange(info.base_year, info.base_year + info.horizon_years + 1)
    out = {}
    for sid, s in site.file.streams.items():
        vol = s.volume
        if vol.annual is not None:
            base = inp.values[f"streams.{sid}.volume.annual"][:, None]
            g = inp.values.get(f"streams.{sid}.volume.growth")
            growth = 0.0 if g is None else g[:, None]
            out[sid] = base * (1.0 + growth) ** (years - info.base_year)[None, :]
            continue
        key = f"{vol.port_code}|{vol.measure}"
        ol = (outlooks or {}).get(key)
        if ol is None:
            ol = _cached_outlook(vol.port_code, vol.measure, int(years[0]), int(years[-1]))
        share = inp.values[f"streams.{sid}.volume.share"][:, None]
        if rng is not None and inp.n_draws > 1:
            paths = demand.sample_annual_paths(ol.loc[years], inp.n_draws, rng)
        else:
            paths = np.broadcast_to(ol.loc[years, "mean"].to_numpy(dtype=float), (inp.n_draws, len(years)))
        out[sid] = share * paths
    return out


# --------------------------------------------------------------------------- queue
@dataclass
class StreamState:
    """Per-stream hourly queue inputs, shape (D, 1, H) or broadcastable."""

    profile: np.ndarray
    booths: np.ndarray
    services_per_hour: np.ndarray
    cv: np.ndarray
    referral: np.ndarray
    secondary_booths: np.ndarray
    secondary_services_per_hour: np.ndarray


def _stream_state(site: Site, inp: Inputs, sid: str) -> StreamState:
    v = inp.values
    p = f"streams.{sid}."
    prof = v[p + "arrival_profile"]
    prof = prof / prof.sum()
    return StreamState(
        profile=prof[None, None, :],
        booths=v[p + "booths_open"][None, None, :],
        services_per_hour=(MINUTES_PER_HOUR / v[p + "processing_minutes"])[:, None, None],
        cv=v[p + "processing_cv"][:, None, None],
        referral=v[p + "secondary_referral_share"][:, None, None],
        secondary_booths=v[p + "secondary_booths"][:, None, None],
        secondary_services_per_hour=(MINUTES_PER_HOUR / v[p + "secondary_minutes"])[:, None, None],
    )


def anchor_periods(n_periods: int, step: int = ANCHOR_STEP) -> np.ndarray:
    """Periods at which the queue is evaluated; delay in between is interpolated.

    Periods 0, 1, 2 and then every ``step`` years, plus the last period.

    Examples
    --------
    >>> anchor_periods(21).tolist()
    [0, 1, 2, 5, 8, 11, 14, 17, 20]
    """
    pts = set(range(0, min(3, n_periods))) | set(range(2, n_periods, step)) | {n_periods - 1}
    return np.array(sorted(pts))


def _queue_jobs(jobs: list[tuple[StreamState, np.ndarray]], anchors: np.ndarray, n_periods: int,
                volume_cap=None):
    """Evaluate several streams/options in one vectorised queue call.

    Each job is a stream state and its daily volumes (D, T). The queue runs at
    the anchor periods only; daily delay at other periods is interpolated
    linearly in time (volumes change smoothly from year to year).

    ``volume_cap`` (D, 1) limits the traffic the queue sees to that multiple of
    the job's base-period volume: beyond it base staffing is assumed to grow
    with workload, so the time per vehicle stays at its capped level while the
    number of vehicles keeps growing.

    A job may carry a third item, ``scale`` (D, 1): the queue sees the volumes
    times ``scale`` (then capped), while delay is charged to the actual number
    of vehicles. Monte Carlo uses it to keep each draw's base-year traffic at
    the level the booth schedule was set for (see :func:`_flows`).

    Returns
    -------
    list of (delay (D, T), shown wait (D, H) in the first year of operation)
        Delay in vehicle-hours per day; shown wait = mean time at the crossing
        per vehicle by arrival hour [hours], NaN in hours with no arrivals.
    """
    if not jobs:
        return []
    scaled = [(job[0], job[1] * job[2] if len(job) > 2 else job[1], job[1]) for job in jobs]
    if volume_cap is not None:
        jobs = [(st, np.minimum(q, volume_cap * q[:, :1]), vol) for st, q, vol in scaled]
    else:
        jobs = scaled
    shape = (len(jobs),) + jobs[0][1][:, anchors].shape + (HOURS,)

    def stack(fn):
        return np.stack([np.broadcast_to(fn(st, vol), shape[1:]) for st, vol, _ in jobs])

    arrivals = stack(lambda st, vol: vol[:, anchors, None] * st.profile)
    mu = stack(lambda st, vol: st.services_per_hour)
    referral = stack(lambda st, vol: st.referral)
    mu2 = stack(lambda st, vol: st.secondary_services_per_hour)
    res = queueing.two_stage_hourly_waits(
        arrivals,
        stack(lambda st, vol: st.booths),
        mu,
        referral,
        stack(lambda st, vol: st.secondary_booths),
        mu2,
        service_cv=stack(lambda st, vol: st.cv),
    )
    time_per_vehicle = (res.primary_wait_hours + 1.0 / mu
                        + referral * (res.secondary_wait_hours + 1.0 / mu2))
    delay_a = (arrivals * time_per_vehicle).sum(axis=-1)  # (J, D, A)
    shown = np.where(arrivals > 0, time_per_vehicle, np.nan)
    first = int(np.searchsorted(anchors, min(1, n_periods - 1)))
    t = np.arange(n_periods)
    out = []
    for j in range(len(jobs)):
        queued, actual = jobs[j][1], jobs[j][2]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_vehicle = np.where(queued[:, anchors] > 0, delay_a[j] / queued[:, anchors], 0.0)
        d = per_vehicle
        full = np.empty((d.shape[0], n_periods))
        for k in range(len(anchors) - 1):  # a loop over a handful of year segments
            a0, a1 = anchors[k], anchors[k + 1]
            w = (t[a0:a1 + 1] - a0) / (a1 - a0)
            full[:, a0:a1 + 1] = d[:, k:k + 1] * (1 - w) + d[:, k + 1:k + 2] * w
        if len(anchors) == 1:
            full[:] = d[:, :1]
        out.append((full * actual, shown[j][:, first, :]))
    return out


def _apply_changes(state: StreamState, inp: Inputs, oid: str, sid: str, site: Site) -> StreamState:
    """A stream's queue inputs under option ``oid`` (each of its parts in turn)."""
    changed = [p for p in options.parts(site.file.options, oid)
               if sid in site.file.options[p].changes]
    if not changed:
        return state
    v = inp.values
    booths = state.booths
    services = state.services_per_hour
    referral = state.referral
    for part in changed:
        ch = site.file.options[part].changes[sid]
        p = f"options.{part}.changes.{sid}."
        if ch.extra_booths is not None:
            booths = booths + v[p + "extra_booths"][None, None, :]
        if ch.processing_factor is not None:
            services = services / v[p + "processing_factor"][:, None, None]
        if ch.secondary_referral_factor is not None:
            referral = np.clip(referral * v[p + "secondary_referral_factor"][:, None, None], 0.0, 1.0)
    booths = np.maximum(booths, 0.0)  # combined conversions cannot close more booths than exist
    return StreamState(state.profile, booths, services, state.cv, referral,
                       state.secondary_booths, state.secondary_services_per_hour)


def _option_volumes(site: Site, inp: Inputs, oid: str, vols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stream volumes under option ``oid``: traffic shifts of each part, in order."""
    out = {k: v.copy() for k, v in vols.items()}
    for part in options.parts(site.file.options, oid):
        before = {k: v.copy() for k, v in out.items()}
        for sid, ch in site.file.options[part].changes.items():
            if ch.shift_to is not None:
                moved = before[sid] * inp.values[f"options.{part}.changes.{sid}.shift_share"][:, None]
                out[sid] = out[sid] - moved
                out[ch.shift_to] = out[ch.shift_to] + moved
    return out


def _ramp(site: Site, oid: str, years: np.ndarray) -> np.ndarray:
    start, ramp_up = options.timing(site.file.options, oid, site.info.base_year)
    return np.clip((years - start + 1) / ramp_up, 0.0, 1.0)


# --------------------------------------------------------------------------- results
@dataclass
class Appraisal:
    """Results of one site appraisal.

    Attributes
    ----------
    cashflows : DataFrame
        Tidy cash flows with :data:`CASHFLOW_COLUMNS` (the mean over draws when
        ``n_draws > 0``; the draw column is then ``-1``).
    metrics : DataFrame
        One row per option x discount rate with :data:`METRIC_COLUMNS`.
    waits : DataFrame
        Mean wait by hour (minutes) per stream and option in the first year of
        operation, options at full effect.
    delay : DataFrame
        Daily vehicle-hours of delay per stream, option and year.
    npv_draws : DataFrame
        NPV per draw (draw x option x rate) when ``n_draws > 0``.
    """

    site_id: str
    cashflows: pd.DataFrame
    metrics: pd.DataFrame
    waits: pd.DataFrame
    delay: pd.DataFrame
    stakeholders: pd.DataFrame
    npv_draws: pd.DataFrame | None = None


def _book(rows: list, oid: str, side: str, component: str, stakeholder: str, arr: np.ndarray):
    rows.append((oid, side, component, stakeholder, np.asarray(arr, dtype=float)))


#: Default number of draws evaluated at once (bounds memory for large runs).
CHUNK_DRAWS = 500

#: Sums over draws are taken in fixed blocks of this many draws, and chunks
#: are whole blocks, so every total is added up in the same order whatever the
#: chunk size: same seed, same numbers, bit for bit.
REDUCE_BLOCK = 50


def appraise(site: Site, n_draws: int = 0, seed: int | None = None,
             overrides: dict[str, Any] | None = None,
             outlooks: dict[str, pd.DataFrame] | None = None,
             n_scenarios: int = 0, chunk_size: int = CHUNK_DRAWS) -> Appraisal:
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
        Parameter overrides by key path (see :func:`model_inputs`).
    outlooks : dict, optional
        Pre-computed demand outlooks by ``"port|measure"`` (saves refitting).
    n_scenarios : int
        Deterministic scenarios evaluated at once (see :func:`model_inputs`);
        their NPVs are in ``npv_draws``.
    chunk_size : int
        Draws evaluated at once, rounded up to a whole number of blocks of
        :data:`REDUCE_BLOCK` draws. All draws are sampled first and every
        sum over draws is taken block by block in a fixed order, so results
        do not depend on the chunk size (bit for bit); only peak memory does.

    Returns
    -------
    Appraisal
    """
    inp = model_inputs(site, n_draws, seed, overrides, n_scenarios)
    info = site.info
    T = info.horizon_years + 1
    years = np.arange(info.base_year, info.base_year + T)
    rng = np.random.default_rng(None if seed is None else seed + 1) if n_draws > 0 else None
    vols = volume_paths(site, inp, outlooks, rng)
    # Base-year traffic the booth schedules were set for (central values): the
    # queue of every draw or scenario is scaled to it (see _flows).
    if n_draws > 0 or overrides or n_scenarios > 0:
        central = volume_paths(site, model_inputs(site), outlooks, None)
        reference = {sid: float(v[0, 0]) for sid, v in central.items()}
    else:
        reference = None
    acc = _Accumulator(site, inp, years, n_draws)
    step = max(-(-int(chunk_size) // REDUCE_BLOCK), 1) * REDUCE_BLOCK
    for a in range(0, inp.n_draws, step):
        b = min(a + step, inp.n_draws)
        part = _slice_inputs(inp, a, b)
        acc.add(*_flows(site, part, {k: v[a:b] for k, v in vols.items()}, years, reference), b - a)
    return acc.result()


def _slice_inputs(inp: Inputs, a: int, b: int) -> Inputs:
    if a == 0 and b == inp.n_draws:
        return inp
    vals = {k: (v[a:b] if k in inp.per_draw else v) for k, v in inp.values.items()}
    return Inputs(n_draws=b - a, values=vals, dollar_year=inp.dollar_year, per_draw=inp.per_draw)


def _flows(site: Site, inp: Inputs, vols: dict[str, np.ndarray], years: np.ndarray,
           reference: dict[str, float] | None = None):
    """Cash-flow rows (D, T) for every option, plus waits and delay for display.

    ``reference``: base-year volume of each stream at central values. Booth
    schedules are set so that the status quo reproduces today's reported waits
    at that traffic; a draw whose base-year traffic is higher (or lower) would
    have had correspondingly more (or fewer) booths open to produce those same
    waits. So each draw's queue sees its traffic scaled to the reference in the
    base year (its growth from there still lengthens queues, up to the volume
    cap), while time savings are counted for the draw's actual vehicles.
    """
    days = _common(inp, site, "days_per_year")[:, None]
    D = inp.n_draws
    base_states = {sid: _stream_state(site, inp, sid) for sid in site.file.streams}
    T = len(years)
    anchors = anchor_periods(T)
    scale = {}
    for sid in site.file.streams:
        if reference is None:
            scale[sid] = np.ones((D, 1))
        else:
            base = vols[sid][:, :1]
            scale[sid] = np.where(base > 0, reference[sid] / np.where(base > 0, base, 1.0), 1.0)
    # Every queue evaluation of the site (status quo and each option) in one call.
    jobs, keys = [], []
    option_inputs = {}
    for sid, st in base_states.items():
        jobs.append((st, vols[sid] / days, scale[sid]))
        keys.append(("status_quo", sid))
    for oid, opt in site.file.options.items():
        if opt.kind == "status_quo":
            continue
        ovols = _option_volumes(site, inp, oid, vols)
        option_inputs[oid] = ovols
        for sid in site.file.streams:
            st = _apply_changes(base_states[sid], inp, oid, sid, site)
            if st is not base_states[sid] or not np.array_equal(ovols[sid], vols[sid]):
                jobs.append((st, ovols[sid] / days, scale[sid]))
                keys.append((oid, sid))
    cap = _common(inp, site, "queue_volume_cap_factor")[:, None]
    results = dict(zip(keys, _queue_jobs(jobs, anchors, T, cap)))
    base_delay = {sid: results[("status_quo", sid)][0] for sid in base_states}
    base_wait = {sid: results[("status_quo", sid)][1] for sid in base_states}
    wait_rows, delay_rows = [], []
    for sid in base_states:
        wait_rows.append(("status_quo", sid, base_wait[sid]))
        delay_rows.append(("status_quo", sid, base_delay[sid]))

    value_co2 = _common(inp, site, "value_co2")[:, None]
    us_emissions_share = _common(inp, site, "emissions_us_share")[:, None]
    rows: list = []
    crossings: dict[str, np.ndarray] = {}
    for oid, opt in site.file.options.items():
        if opt.kind == "status_quo":
            continue
        ramp = _ramp(site, oid, years)[None, :]
        ovols = option_inputs[oid]
        for sid, s in site.file.streams.items():
            odelay, w = results.get((oid, sid), (base_delay[sid], base_wait[sid]))
            wait_rows.append((oid, sid, w))
            # Delay with the ramp: the option's effect phases in linearly.
            saved_per_day = (base_delay[sid] - odelay) * ramp
            delay_rows.append((oid, sid, base_delay[sid] - saved_per_day))
            vh_saved = saved_per_day * days
            occ_key = f"streams.{sid}.occupancy"
            occ = inp.values[occ_key][:, None] if occ_key in inp.values else _common(inp, site, f"occupancy_{s.mode}")[:, None]
            fuel_key = f"streams.{sid}.idle_fuel"
            idle = inp.values[fuel_key][:, None] if fuel_key in inp.values else _common(inp, site, f"idle_fuel_{s.mode}")[:, None]
            vot = _common(inp, site, _VOT[s.value_of_time_class])[:, None]
            us = inp.values[f"streams.{sid}.users_us_share"][:, None]
            time_b = benefits.time_savings_usd(vh_saved, occ, vot)
            _book(rows, oid, "benefit", "travel_time", "users_us", time_b * us)
            _book(rows, oid, "benefit", "travel_time", "users_mx", time_b * (1 - us))
            cargo_key = f"streams.{sid}.cargo_value"
            if cargo_key in inp.values:
                cargo_b = benefits.cargo_time_savings_usd(
                    vh_saved, inp.values[cargo_key][:, None],
                    _common(inp, site, "inventory_carrying_rate")[:, None])
                _book(rows, oid, "benefit", "cargo_time", "users_us", cargo_b * us)
                _book(rows, oid, "benefit", "cargo_time", "users_mx", cargo_b * (1 - us))
            if s.fuel != "none":
                price = _common(inp, site, f"fuel_price_{s.fuel}")[:, None]
                gal = benefits.fuel_saved_gal(vh_saved, idle)
                fuel_b = gal * price
                _book(rows, oid, "benefit", "idle_fuel", "users_us", fuel_b * us)
                _book(rows, oid, "benefit", "idle_fuel", "users_mx", fuel_b * (1 - us))
                emis = 0.0
                for pol in ("nox", "pm25"):
                    t = emissions.emissions_t(gal, _common(inp, site, f"{pol}_per_gal_{s.fuel}")[:, None])
                    emis = emis + emissions.damage_usd(t, _common(inp, site, f"damage_cost_{pol}")[:, None])
                t_co2 = emissions.emissions_t(gal, _common(inp, site, f"co2_per_gal_{s.fuel}")[:, None])
                co2 = emissions.damage_usd(t_co2, _common(inp, site, "damage_cost_co2")[:, None]) * value_co2
                _book(rows, oid, "benefit", "emissions_air_quality", "users_us", emis * us_emissions_share)
                _book(rows, oid, "benefit", "emissions_air_quality", "users_mx", emis * (1 - us_emissions_share))
                _book(rows, oid, "benefit", "emissions_co2", "users_us", co2 * us_emissions_share)
                _book(rows, oid, "benefit", "emissions_co2", "users_mx", co2 * (1 - us_emissions_share))
        # Each part of the option (the option itself unless it is a combination)
        # books its own officer time and costs with its own payers.
        for part_id in options.parts(site.file.options, oid):
            part = site.file.options[part_id]
            _book_part_costs(rows, site, inp, oid, part_id, part, ramp, days, T)
        owner = options.funding_owner(site.file.options, oid)
        fund = None if owner is None else site.file.options[owner].funding
        tolled = (fund.tolled_streams if fund is not None and fund.tolled_streams
                  else list(site.file.streams))
        crossings[oid] = sum(ovols[sid] for sid in tolled) * (ramp > 0)
        if fund is not None and fund.toll_surcharge is not None:
            toll = inp.values[f"options.{owner}.funding.toll_surcharge"][:, None]
            for sid in fund.tolled_streams:
                us = inp.values[f"streams.{sid}.users_us_share"][:, None]
                revenue = funding.toll_revenue_usd(toll, ovols[sid]) * (ramp > 0)
                _book(rows, oid, "transfer", "toll_surcharge", fund.recipient, revenue)
                _book(rows, oid, "transfer", "toll_surcharge", "users_us", -revenue * us)
                _book(rows, oid, "transfer", "toll_surcharge", "users_mx", -revenue * (1 - us))
    return rows, wait_rows, delay_rows, crossings


def _book_part_costs(rows, site: Site, inp: Inputs, oid: str, part_id: str, part, ramp, days, T) -> None:
    """Officer time for a part's added booth-hours, and the part's own costs, booked to ``oid``."""
    booth_hours_added = 0.0
    for sid, ch in part.changes.items():
        if ch.extra_booths is not None:
            extra = inp.values[f"options.{part_id}.changes.{sid}.extra_booths"]
            booth_hours_added = booth_hours_added + np.clip(extra, 0, None).sum()
    if part.staffing is not None and booth_hours_added > 0:
        hours = staffing.officer_hours_per_year(
            np.full((inp.n_draws, 1), booth_hours_added),
            _common(inp, site, "officers_per_booth")[:, None], days) * ramp
        premium = _common(inp, site, "overtime_premium")[:, None] if part.staffing.pay == "overtime" else 1.0
        cost = staffing.staffing_cost_usd(hours, _common(inp, site, "officer_hourly_cost")[:, None], premium)
        if part.staffing.reimbursed_to_cbp:
            _book(rows, oid, "cost", "officer_time", "us_federal", cost)
            _book(rows, oid, "transfer", "staffing_reimbursement", "us_federal", cost)
            _book(rows, oid, "transfer", "staffing_reimbursement", part.staffing.payer, -cost)
        else:
            _book(rows, oid, "cost", "officer_time", part.staffing.payer, cost)
    start = options.timing(site.file.options, part_id, site.info.base_year)[0]
    for i, c in enumerate(part.costs):
        amount = inp.values[f"options.{part_id}.costs[{i}].amount"]
        if c.kind == "capital":
            spend = (c.year if c.year is not None else start) - site.info.base_year
            life = inp.values[f"options.{part_id}.costs[{i}].asset_life_years"]
            outlay, resid = costs.capital_flows(amount, life, spend, T)
            _book(rows, oid, "cost", "capital", c.payer, outlay)
            _book(rows, oid, "cost", "residual_value", c.payer, -resid)
        else:
            _book(rows, oid, "cost", "operations", c.payer, costs.annual_flows(amount, ramp[0]))


def _rates(site: Site, inp: Inputs) -> list[tuple[str, float]]:
    out = []
    for key, v in inp.values.items():
        name = key.split(".", 1)[1]
        if name.startswith("discount_rate") and key.startswith("common."):
            if f"site.{name}" in inp.values:
                continue
            out.append((name, float(v[0])))
        elif name.startswith("discount_rate") and key.startswith("site."):
            out.append((name, float(v[0])))
    out.sort(key=lambda nr: (nr[0] != "discount_rate_base", -nr[1]))
    return out


_SIGN = {"benefit": 1.0, "cost": -1.0, "transfer": 1.0}
_STAKEHOLDERS = ("us_federal", "mx_federal", "sponsor", "users_us", "users_mx")


class _Accumulator:
    """Reduces chunks of draws to present values per draw and mean flows."""

    def __init__(self, site: Site, inp: Inputs, years: np.ndarray, n_draws: int):
        self.site, self.years, self.n_draws = site, years, n_draws
        self.periods = years - site.info.base_year
        self.rates = _rates(site, inp)
        self.options = list(site.file.options)
        self.total = inp.n_draws
        self.pv: dict[tuple, list] = {}       # (kind, option, rate_name[, who]) -> [arrays (Dc,)]
        # Sums over draws, kept as block sums (see REDUCE_BLOCK) until the end.
        self.blocks: dict[tuple, list] = {}

    def _pv(self, key, arr):
        self.pv.setdefault(key, []).append(arr)

    def _sum(self, key, arr, n):
        """Record the sums over draws of ``arr`` (n, ...) in blocks of REDUCE_BLOCK draws."""
        arr = np.asarray(arr)
        full = n // REDUCE_BLOCK * REDUCE_BLOCK
        parts = []
        if full:
            parts.append(arr[:full].reshape((full // REDUCE_BLOCK, REDUCE_BLOCK) + arr.shape[1:]).sum(axis=1))
        if full < n:
            parts.append(arr[full:].sum(axis=0)[None])
        self.blocks.setdefault(key, []).extend(parts)

    def _totals(self, kind):
        """(key without kind, total) for every recorded sum of one kind, in insertion order."""
        return [(k[1:], self._total(k)) for k in self.blocks if k[0] == kind]

    def _total(self, key):
        """Sum over all draws: block sums added in draw order."""
        return np.concatenate(self.blocks[key]).sum(axis=0)

    def add(self, rows, wait_rows, delay_rows, crossings, n):
        T = len(self.years)
        agg = {o: {"benefit": np.zeros((n, T)), "cost": np.zeros((n, T))} for o in self.options}
        stake: dict[tuple, np.ndarray] = {}
        sponsor_no_toll: dict[str, np.ndarray] = {}
        seen: dict[tuple, np.ndarray] = {}
        for oid, side, comp, who, arr in rows:
            arr = np.broadcast_to(arr, (n, T))
            if side in agg[oid]:
                agg[oid][side] = agg[oid][side] + arr
            stake[(oid, who)] = stake.get((oid, who), 0.0) + _SIGN[side] * arr
            if who == "sponsor" and comp != "toll_surcharge":
                sponsor_no_toll[oid] = sponsor_no_toll.get(oid, 0.0) + _SIGN[side] * arr
            key = ("flow", oid, side, comp, who)
            seen[key] = seen[key] + arr if key in seen else arr
        for key, arr in seen.items():
            self._sum(key, arr, n)

        def pv(arr, df):
            # row by row (not a BLAS product), so a draw's PV never depends on
            # how many draws share the chunk
            return (np.broadcast_to(arr, (n, T)) * df).sum(axis=1)

        for oid in self.options:
            b, c = agg[oid]["benefit"], agg[oid]["cost"]
            self._sum(("net", oid), b - c, n)
            self._sum(("benefit", oid), b, n)
            for name, r in self.rates:
                df = discounting.discount_factors(r, self.periods)
                self._pv(("b", oid, name), pv(b, df))
                self._pv(("c", oid, name), pv(c, df))
                for who in _STAKEHOLDERS:
                    arr = stake.get((oid, who))
                    self._pv(("s", oid, name, who), np.zeros(n) if arr is None else pv(arr, df))
                if oid in sponsor_no_toll:
                    self._pv(("sp", oid, name), pv(sponsor_no_toll[oid], df))
                if oid in crossings:
                    self._pv(("q", oid, name), pv(crossings[oid], df))
        for o, sid, w in wait_rows:
            self._sum(("wait", o, sid), np.broadcast_to(w, (n,) + np.shape(w)[-1:]), n)
        for o, sid, d in delay_rows:
            self._sum(("delay", o, sid), np.broadcast_to(d, (n,) + np.shape(d)[-1:]), n)

    def _get(self, key):
        parts = self.pv.get(key)
        return None if parts is None else np.concatenate(parts)

    def result(self) -> Appraisal:
        site, info, N = self.site, self.site.info, self.total
        T = len(self.years)
        metrics_rows, npv_rows, stake_rows = [], [], []
        for name, r in self.rates:
            npv_all = {}
            for oid in self.options:
                pvb, pvc = self._get(("b", oid, name)), self._get(("c", oid, name))
                npv_d = pvb - pvc
                npv_all[oid] = npv_d
                net_mean = self._total(("net", oid)) / N
                is_sq = site.file.options[oid].kind == "status_quo"
                sp, q = self._get(("sp", oid, name)), self._get(("q", oid, name))
                be = (funding.breakeven_toll_usd(float(np.mean(sp)), float(np.mean(q)))
                      if sp is not None and q is not None else float("nan"))
                metrics_rows.append({
                    "site": info.id, "option": oid, "discount_rate": r, "rate_name": name,
                    "pv_benefits": float(np.mean(pvb)), "pv_costs": float(np.mean(pvc)),
                    "npv": float(np.mean(npv_d)),
                    "bcr": float(discounting.benefit_cost_ratio(np.mean(pvb), np.mean(pvc))),
                    "irr": (np.nan if is_sq else _none_nan(discounting.irr(net_mean))),
                    "payback_years": (np.nan if is_sq else float(discounting.discounted_payback(net_mean, r))),
                    "first_year_benefits": float(self._total(("benefit", oid))[min(1, T - 1)] / N),
                    "breakeven_toll_usd": be,
                })
                if N > 1:
                    npv_rows.append(pd.DataFrame({"option": oid, "rate_name": name, "discount_rate": r,
                                                  "draw": np.arange(N), "npv": npv_d}))
                for who in _STAKEHOLDERS:
                    stake_rows.append({"site": info.id, "option": oid, "discount_rate": r,
                                       "rate_name": name, "stakeholder": who,
                                       "pv_net": float(np.mean(self._get(("s", oid, name, who))))})
            if self.n_draws > 0:
                stack = np.stack([npv_all[o] for o in self.options])  # (options, N)
                best = np.argmax(stack, axis=0)
                for i, oid in enumerate(self.options):
                    row = next(m for m in metrics_rows if m["option"] == oid and m["rate_name"] == name)
                    q = np.percentile(stack[i], [5, 50, 95])
                    row.update({"npv_p05": float(q[0]), "npv_p50": float(q[1]), "npv_p95": float(q[2]),
                                "p_npv_positive": float(np.mean(stack[i] > 0)),
                                "p_best": float(np.mean(best == i))})
        extra = MC_COLUMNS if self.n_draws > 0 else []
        metrics = pd.DataFrame(metrics_rows, columns=METRIC_COLUMNS + extra)
        waits = pd.DataFrame(
            [(info.id, o, s, h, float(w[h]) / N * MINUTES_PER_HOUR)
             for (o, s), w in self._totals("wait") for h in range(HOURS)],
            columns=["site", "option", "stream", "hour", "wait_minutes"],
        )
        delay = pd.DataFrame(
            [(info.id, o, s, int(y), float(d[i]) / N)
             for (o, s), d in self._totals("delay") for i, y in enumerate(self.years)],
            columns=["site", "option", "stream", "year", "delay_vehicle_hours_per_day"],
        )
        parts = [(k[0], k[1], k[2], k[3], v / N) for k, v in self._totals("flow")]
        return Appraisal(
            site_id=info.id,
            cashflows=_cashflow_frame(site, self.years, parts, self.n_draws),
            metrics=metrics,
            waits=waits,
            delay=delay,
            stakeholders=pd.DataFrame(stake_rows),
            npv_draws=pd.concat(npv_rows, ignore_index=True) if npv_rows else None,
        )


def _none_nan(x):
    return np.nan if x is None else x


def _cashflow_frame(site, years, parts, n_draws) -> pd.DataFrame:
    info = site.info
    frames = []
    draw = -1 if n_draws > 0 else 0
    for oid, side, comp, who, arr in parts:
        frames.append(pd.DataFrame({
            "site": info.id, "option": oid, "draw": draw, "year": years, "side": side,
            "component": comp, "stakeholder": who, "value": arr,
        }))
    if not frames:
        return pd.DataFrame(columns=CASHFLOW_COLUMNS)
    cf = pd.concat(frames, ignore_index=True)
    cf = cf.groupby(["site", "option", "draw", "year", "side", "component", "stakeholder"],
                    as_index=False, sort=False)["value"].sum()
    cf["unit"] = "USD"
    cf["dollar_year"] = info.report_dollar_year
    return cf[CASHFLOW_COLUMNS]


# --------------------------------------------------------------------------- appendix
def parameter_table(site: Site) -> pd.DataFrame:
    """Every parameter the appraisal uses, with value, unit, source and labels."""
    rows = []
    for key, p in _walk_params(site):
        if isinstance(p.value, tuple):
            shown = ", ".join(f"{x:g}" for x in p.value)
        else:
            shown = f"{p.value:g}"
        rows.append({
            "key": key,
            "description": p.description,
            "value": shown,
            "unit": p.unit,
            "dollar_year": p.dollar_year,
            "source": p.source.label(),
            "href": p.source.href or "",
            "assumption": p.is_assumption,
            "distribution": _dist_text(p),
        })
    for name, p in sorted(site.common.items()):
        if p.values is not None:
            yrs = sorted(p.values)
            rows.append({
                "key": f"common.{name}", "description": p.description,
                "value": f"{yrs[0]}-{yrs[-1]} table", "unit": p.unit, "dollar_year": None,
                "source": p.source.label(), "href": p.source.href or "",
                "assumption": p.is_assumption, "distribution": "",
            })
    return pd.DataFrame(rows)


def _dist_text(p: Param) -> str:
    d = p.distribution
    if d is None:
        return ""
    fields = [f"{k}={getattr(d, k):g}" for k in ("low", "mode", "high", "mean", "sd", "median", "gsd")
              if getattr(d, k) is not None]
    return f"{d.type}({', '.join(fields)})"
