"""Traffic of an appraisal: each stream's annual volume over the analysis period.

A stream's volume is either a share of a port's BTS series, following that
series' annual outlook (:func:`cba.demand.annual_outlook`; Monte Carlo draws
paths from it with :func:`cba.demand.sample_annual_paths`), or a typed annual
volume with its own growth rate.

Main functions: :func:`outlooks_for`, :func:`volume_paths`, :func:`forecast_chart`,
:func:`base_year_traffic`.

Cache: :func:`port_outlook` keeps the outlooks of the last 64 (port, measure,
years) it was asked for, in this process. An outlook depends only on the
shipped data file and the forecasting code, neither of which changes while a
process runs; ``port_outlook.cache_clear()`` empties it.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd

from .. import demand
from ..i18n import N_
from ..params import Site
from .inputs import AVERAGE_DAY, DayType, Inputs, build_inputs, draw_values

__all__ = [
    "port_outlook",
    "outlook_key",
    "outlooks_for",
    "volume_paths",
    "base_year_traffic",
    "forecast_chart",
    "SEASON_NAMES",
    "day_types_for",
    "with_weekdays",
    "split_for_windows",
    "window_days",
    "WEEK_DAYS",
]


@functools.lru_cache(maxsize=64)
def port_outlook(port_code: str, measure: str, start: int, end: int) -> pd.DataFrame:
    """Annual outlook of one port series (cached; do not mutate the result)."""
    return demand.annual_outlook(port_code, measure, start, end)


def outlook_key(port_code: str, measure: str) -> str:
    """Key of a port series in the outlooks mapping: ``"port|measure"``."""
    return f"{port_code}|{measure}"


def outlooks_for(site: Site) -> dict[str, pd.DataFrame]:
    """Demand outlook of every data-based stream of a site.

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
            key = outlook_key(v.port_code, v.measure)
            if key not in out:
                out[key] = port_outlook(
                    v.port_code,
                    v.measure,
                    info.base_year,
                    info.base_year + info.horizon_years,
                ).copy()
    return out


def volume_paths(
    inp: Inputs,
    outlooks: dict[str, pd.DataFrame] | None = None,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Annual volume of each stream, shape (D, T). [vehicles/year]

    Data-based streams follow their port's outlook (its mean at central
    values; a drawn path per draw when ``rng`` is given, one for all the
    streams that share a port series: its standard and FAST lanes carry the
    same port's traffic, high or low together); typed volumes grow at their
    own rate from the base year.
    """
    years = inp.years
    out = {}
    drawn: dict[str, np.ndarray] = {}
    for sid, s in inp.streams.items():
        vol = s.volume
        if vol.annual is not None:
            base = vol.annual[:, None]
            growth = 0.0 if vol.growth is None else vol.growth[:, None]
            out[sid] = base * (1.0 + growth) ** (years - inp.base_year)[None, :]
            continue
        key = outlook_key(vol.port_code, vol.measure)
        ol = (outlooks or {}).get(key)
        if ol is None:
            ol = port_outlook(vol.port_code, vol.measure, int(years[0]), int(years[-1]))
        share = vol.share[:, None]
        if rng is not None and inp.n_draws > 1:
            if key not in drawn:
                drawn[key] = demand.sample_annual_paths(ol.loc[years], inp.n_draws, rng)
            paths = drawn[key]
        else:
            paths = np.broadcast_to(
                ol.loc[years, "mean"].to_numpy(dtype=float), (inp.n_draws, len(years))
            )
        out[sid] = share * paths
    return out


def base_year_traffic(site: Site, outlooks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Base-year volume of each stream at central values, and where it comes from.

    Columns ``stream, description, port_code, measure, port_total, share,
    volume, lower_80, upper_80, per_day`` (port totals and bands are NaN for a
    typed volume). [vehicles/year], [vehicles/day]
    """
    y0 = site.info.base_year
    days = site.param("days_per_year").value
    rows = []
    for sid, s in site.file.streams.items():
        _src, v = site.file.volume_source(sid)
        factor = site.file.volume_factor(sid)
        if v.port_code is not None:
            ol = outlooks[outlook_key(v.port_code, v.measure)]
            port_total = float(ol.loc[y0, "mean"])
            share = v.share.value * factor
            vol = port_total * share
            lo, hi = ol.loc[y0, "lower_80"] * share, ol.loc[y0, "upper_80"] * share
        else:
            port_total = share = lo = hi = float("nan")
            vol = v.annual.value * factor
        rows.append(
            {
                "stream": sid,
                "description": s.description,
                "port_code": v.port_code,
                "measure": v.measure,
                "port_total": port_total,
                "share": share,
                "volume": vol,
                "lower_80": lo,
                "upper_80": hi,
                "per_day": vol / days,
            }
        )
    return pd.DataFrame(rows)


def forecast_chart(
    site: Site, history_start_year: int = 2010
) -> dict[tuple[str, str], pd.DataFrame]:
    """Monthly history and forecast of every port series a site uses, for its chart.

    The forecast runs from the data's last month to three years past the site's
    base year (at least one year), with 80 % and 95 % intervals
    (:func:`cba.demand.forecast_chart_data`).

    Returns
    -------
    dict
        ``(port_code, measure)`` -> tidy monthly frame (``month, basis, value,
        lower_80, upper_80, lower_95, upper_95``), in the order the streams name
        the series. [crossings/month]
    """
    out: dict[tuple[str, str], pd.DataFrame] = {}
    for s in site.file.streams.values():
        v = s.volume
        if v.port_code is None or (v.port_code, v.measure) in out:
            continue
        last_year = int(demand.monthly_crossings(v.port_code, v.measure).index[-1].year)
        end = max(site.info.base_year + 3, last_year + 1)
        start = min(history_start_year, last_year)
        out[(v.port_code, v.measure)] = demand.forecast_chart_data(
            v.port_code, v.measure, start, end
        )
    return out


#: Names of the seasons a year is cut into, quietest first.
SEASON_NAMES = (N_("quiet months"), N_("middle months"), N_("busy months"))


@functools.lru_cache(maxsize=256)
def _month_factors(port_code: str, measure: str) -> tuple[float, ...]:
    return tuple(
        float(x)
        for x in demand.month_factors(demand.monthly_crossings(port_code, measure))
    )


def day_types_for(site: Site, inp: Inputs | None = None) -> tuple[DayType, ...]:
    """The days a site's year is evaluated on: its average day; with
    ``site.day_types: seasons`` one per season of equal length
    (:data:`SEASON_NAMES`), from the monthly BTS series of its streams; with
    ``seasons_and_weekdays`` (the default) a weekday, a Saturday and a Sunday
    of each season (:func:`with_weekdays`, the weekend ratios of ``inp``, or
    of the site's central values when None).

    The months are ranked by the lead stream's traffic (its first data-based
    truck stream, else its first data-based stream) and cut into seasons; every
    data-based stream's factor for a season is its own mean daily traffic in
    those months relative to its year (:mod:`cba.demand.seasons`); streams with
    a typed annual volume keep factor 1. A site without data-based streams is
    evaluated on its average day.
    """
    return split_for_windows(_day_types(site, inp), window_days(site))


def _day_types(site: Site, inp: Inputs | None) -> tuple[DayType, ...]:
    data = {
        sid: site.file.volume_source(sid)[1] for sid in site.file.streams
    }  # a lane programme carved out of a stream follows that stream's months
    data = {sid: v for sid, v in data.items() if v.port_code is not None}
    if not data or site.info.day_types == "average":
        return (AVERAGE_DAY,)
    seasons = _seasons(site, data)
    if site.info.day_types == "seasons":
        return seasons
    if inp is None:
        inp = build_inputs(site, draw_values(site, 0))
    return with_weekdays(seasons, inp)


def window_days(site: Site) -> tuple[tuple[str, ...], ...]:
    """The sets of days of the week the options' staffing windows name."""
    return tuple(
        dict.fromkeys(
            tuple(w.days)
            for o in site.file.options.values()
            for ch in o.changes.values()
            for w in ch.windows
        )
    )


def split_for_windows(
    day_types: tuple[DayType, ...], day_sets: tuple[tuple[str, ...], ...]
) -> tuple[DayType, ...]:
    """Each day type split into the groups of its days that the same windows
    cover (a weekday becomes Monday-Wednesday and Thursday-Friday for a window
    on Thursdays and Fridays), each with its share of the weight; traffic is
    that of the day type. Without windows, the day types as they are.

    Examples
    --------
    >>> parts = split_for_windows((DayType("weekday", 1.0, weekday="weekday"),),
    ...                           (("thu", "fri"),))
    >>> [(p.days, round(p.weight, 2)) for p in parts]
    [(('mon', 'tue', 'wed'), 0.6), (('thu', 'fri'), 0.4)]
    """
    if not day_sets:
        return day_types
    out = []
    for dt in day_types:
        groups: dict[tuple[bool, ...], list[str]] = {}
        for d in dt.week_days:
            groups.setdefault(tuple(d in s for s in day_sets), []).append(d)
        if len(groups) == 1:
            out.append(dt)
            continue
        n = len(dt.week_days)
        for days in groups.values():
            out.append(
                replace(
                    dt,
                    name=f"{dt.name} ({'-'.join(days)})",
                    weight=dt.weight * len(days) / n,
                    days=tuple(days),
                )
            )
    return tuple(out)


#: The days of a week each kind of day stands for.
WEEK_DAYS = (("weekday", 5), ("saturday", 1), ("sunday", 1))


def with_weekdays(seasons: tuple[DayType, ...], inp: Inputs) -> tuple[DayType, ...]:
    """Each day type split into a weekday, a Saturday and a Sunday.

    A stream with weekend ratios ``(s, u)`` to a weekday carries, relative to
    its average day, ``7 / (5 + s + u)`` on a weekday, ``s`` times that on a
    Saturday and ``u`` times that on a Sunday (so its week keeps its volume);
    weights are 5/7, 1/7 and 1/7 of the season's. Streams without ratios are
    alike on every day. Without any ratios the seasons are returned as they are.
    """
    weeks = {sid: s.week for sid, s in inp.streams.items() if s.week is not None}
    if not weeks:
        return seasons
    out = []
    for season in seasons:
        for kind, n_days in WEEK_DAYS:
            factors = []
            for sid in inp.streams:
                f = season.factor(sid)
                if sid in weeks:
                    sat, sun = (np.asarray(x, dtype=float) for x in weeks[sid])
                    per_weekday = 7.0 / (5.0 + sat + sun)
                    f = (
                        f
                        * {
                            "weekday": per_weekday,
                            "saturday": sat * per_weekday,
                            "sunday": sun * per_weekday,
                        }[kind]
                    )
                factors.append((sid, f))
            out.append(
                DayType(
                    f"{kind} of the {season.name}",
                    season.weight * n_days / 7.0,
                    tuple(factors),
                    season.months,
                    staffing_follows=True,
                    weekday=kind,
                )
            )
    return tuple(out)


def _seasons(site: Site, data: dict) -> tuple[DayType, ...]:
    """One day type per season (see :func:`day_types_for`)."""
    trucks = [sid for sid in data if site.file.streams[sid].mode == "truck"]
    lead = (trucks or list(data))[0]
    factors = {
        sid: np.array(_month_factors(v.port_code, v.measure)) for sid, v in data.items()
    }
    out = []
    for name, months in zip(
        SEASON_NAMES,
        demand.season_months(factors[lead], len(SEASON_NAMES)),
        strict=True,
    ):
        out.append(
            DayType(
                name,
                demand.season_weight(months),
                tuple(
                    (sid, demand.season_factor(f, months)) for sid, f in factors.items()
                ),
                tuple(int(m) + 1 for m in months),
                staffing_follows=True,
            )
        )
    return tuple(out)
