"""Checks that a validated site can be appraised: references and physical feasibility.

The parameter layer checks each file on its own; what needs the models is
checked here, before anything runs, by :func:`check_site` (``cba validate``,
``cba run`` and the batch call it):

* every data-based stream names a port and measure present in the shipped BTS
  data (the pseudo port ``"2402+2401"`` included);
* the status quo can clear its day: on the busiest day type of the base year
  (the average day, or the busy months' day with ``day_types: seasons``), at
  central values, the booths open can process the day's arrivals, and the
  secondary positions the referred vehicles;
* under every option some primary booth is open in some hour.

Every problem raises :class:`~cba.exceptions.ParameterError` naming the site
file and the key path.
"""

from __future__ import annotations

import numpy as np

from .. import demand
from ..exceptions import ParameterError, did_you_mean
from ..params import Site, option_parts
from ..params.checks import booth_pattern_key
from ..vocab import DAYS_OF_WEEK, HOURS, MINUTES_PER_HOUR
from .traffic import base_year_traffic, day_types_for, outlook_key, port_outlook

__all__ = ["check_site", "known_series"]


def known_series() -> dict[str, set[str]]:
    """Port code -> measures in the shipped BTS data (with the El Paso area)."""
    table = demand.available_series()
    out: dict[str, set[str]] = {}
    for port, measure in zip(table["port_code"], table["measure"], strict=True):
        out.setdefault(str(port), set()).add(str(measure))
    if "2402" in out:
        out.setdefault(demand.EL_PASO_AREA, set()).update(out["2402"])
    return out


def _fail(site: Site, key: str, message: str) -> None:
    raise ParameterError(message, file=str(site.path), key_path=key)


def _check_series(site: Site) -> None:
    series = known_series()
    for sid, s in site.file.streams.items():
        v = s.volume
        if v.port_code is None:
            continue
        base = f"streams.{sid}.volume"
        if v.port_code not in series:
            _fail(
                site,
                f"{base}.port_code",
                f"port {v.port_code!r} is not in the shipped BTS data"
                f"{did_you_mean(v.port_code, series)}; allowed: "
                + ", ".join(sorted(series)),
            )
        if v.measure not in series[v.port_code]:
            _fail(
                site,
                f"{base}.measure",
                f"measure {v.measure!r} is not in the data of port {v.port_code}"
                f"{did_you_mean(v.measure, series[v.port_code])}; allowed: "
                + ", ".join(sorted(series[v.port_code])),
            )


def _base_year_daily(site: Site) -> dict[str, float]:
    """Average-day arrivals of each stream in the base year at central values.

    A port series the demand model refuses (Ysleta 2401 alone, say) is reported
    at the stream that names it.
    """
    outlooks = {}
    for sid, s in site.file.streams.items():
        v = s.volume
        if v.port_code is None:
            continue
        try:
            outlooks[outlook_key(v.port_code, v.measure)] = port_outlook(
                v.port_code,
                v.measure,
                site.info.base_year,
                site.info.base_year + site.info.horizon_years,
            )
        except ParameterError as exc:
            _fail(site, f"streams.{sid}.volume.port_code", exc.reason)
    traffic = base_year_traffic(site, outlooks)
    return dict(zip(traffic["stream"], traffic["per_day"], strict=True))


def _per_day(positions, minutes) -> float:
    """Vehicles a day that positions staffed around the clock can serve at
    ``minutes`` each (both Params). [vehicles/day]"""
    return HOURS * float(positions.value) * MINUTES_PER_HOUR / float(minutes.value)


def _check_capacity(site: Site) -> None:
    average = _base_year_daily(site)
    y0 = site.info.base_year
    day_types = day_types_for(site)
    for sid, s in site.file.streams.items():
        base = f"streams.{sid}"
        per_booth = MINUTES_PER_HOUR / float(s.processing_minutes.value)
        busiest = max(day_types, key=lambda d: float(np.max(d.factor(sid))))
        f_busy = float(np.max(busiest.factor(sid)))
        booths = np.asarray(s.booths_open.value, dtype=float)
        if busiest.staffing_follows:  # booths follow the day's traffic, within lanes
            booths = np.minimum(float(s.lanes.value), np.round(booths * f_busy))
        capacity = float(np.sum(booths)) * per_booth
        daily = {sid: average[sid] * f_busy}
        which = (
            "the average day"
            if busiest.name.startswith("average")
            else f"a {busiest.name} (months {list(busiest.months)})"
            if busiest.weekday
            else f"a day of the {busiest.name} (months {list(busiest.months)})"
        )
        if daily[sid] > capacity:
            _fail(
                site,
                f"{base}.booths_open",
                f"the status quo cannot clear its day: {daily[sid]:,.0f} vehicles "
                f"arrive on {which} of {y0}, but the booths open process at "
                f"most {capacity:,.0f} ({float(np.sum(booths)):g} "
                f"booth-hours at {float(s.processing_minutes.value):g} minutes a "
                "vehicle); allowed: booths and processing times that serve the "
                "day's traffic",
            )
        e = s.export
        if e is not None:
            mods = np.asarray(e.booths_open.value, dtype=float)
            if busiest.staffing_follows:
                mods = np.minimum(float(e.lanes.value), np.round(mods * f_busy))
            modules = float(np.sum(mods)) * (
                MINUTES_PER_HOUR / float(e.processing_minutes.value)
            )
            exams = _per_day(e.exam_positions, e.exam_minutes)
            selected = daily[sid] * float(e.exam_share.value)
            if daily[sid] > modules:
                _fail(
                    site,
                    f"{base}.export.booths_open",
                    f"Mexican export processing cannot clear its day: "
                    f"{daily[sid]:,.0f} trucks arrive on {which} of {y0}, but the "
                    f"modules open process at most {modules:,.0f}; allowed: modules "
                    "and processing times that serve the day's traffic",
                )
            if selected > exams:
                _fail(
                    site,
                    f"{base}.export.exam_positions",
                    f"the Mexican export exam cannot clear its day: {selected:,.0f} "
                    f"trucks a day are selected, but {float(e.exam_positions.value):g} "
                    f"positions at {float(e.exam_minutes.value):g} minutes examine at "
                    f"most {exams:,.0f}; allowed: enough exam positions",
                )
        dps = s.state_inspection
        if dps is not None:
            inspected = daily[sid] * float(dps.share.value)
            bays = _per_day(dps.positions, dps.minutes)
            if inspected > bays:
                _fail(
                    site,
                    f"{base}.state_inspection.positions",
                    f"the state safety inspection cannot clear its day: "
                    f"{inspected:,.0f} trucks a day are inspected, but "
                    f"{float(dps.positions.value):g} bays at "
                    f"{float(dps.minutes.value):g} minutes inspect at most "
                    f"{bays:,.0f}; allowed: enough inspection bays",
                )
        referred = daily[sid] * float(s.secondary_referral_share.value)
        secondary = _per_day(s.secondary_booths, s.secondary_minutes)
        if referred > secondary:
            _fail(
                site,
                f"{base}.secondary_booths",
                f"secondary inspection cannot clear its day: {referred:,.0f} "
                f"vehicles a day are referred, but {float(s.secondary_booths.value):g}"
                f" positions at {float(s.secondary_minutes.value):g} minutes process "
                f"at most {secondary:,.0f}; allowed: enough secondary positions",
            )


def _closed_days(s) -> set[str]:
    """Days of the week a stream's lanes are closed (its ``week`` ratio 0)."""
    if s.week is None:
        return set()
    return {
        day
        for day, p in (("sat", s.week.saturday), ("sun", s.week.sunday))
        if float(p.value) == 0.0
        and (p.distribution is None or p.distribution.support()[1] == 0.0)
    }


def _check_options(site: Site) -> None:
    """No option closes every booth of a stream on a day its lanes open."""
    options = site.file.options
    for oid in options:
        for sid, s in site.file.streams.items():
            closed = _closed_days(s)
            for day in DAYS_OF_WEEK:
                if day in closed:
                    continue
                booths = np.asarray(s.booths_open.value, dtype=float)
                where, windowed = "extra_booths", False
                for part in option_parts(options, oid):
                    ch = options[part].changes.get(sid)
                    extra = None if ch is None else ch.booths_on(day)
                    if extra is not None:
                        booths = booths + np.asarray(extra, dtype=float)
                        where = f"options.{part}.changes.{sid}." + booth_pattern_key(
                            ch, day
                        )
                        windowed = windowed or bool(ch.windows)
                if np.maximum(booths, 0.0).sum() == 0:
                    when = f" on {day}" if windowed else ""
                    _fail(
                        site,
                        where
                        if where.startswith("options.")
                        else f"options.{oid}.changes.{sid}.extra_booths",
                        f"the option closes every booth of this stream in every hour"
                        f"{when}; allowed: at least one booth open in some hour of "
                        "each day the lanes open",
                    )


def check_site(site: Site) -> None:
    """Raise :class:`ParameterError` if the site cannot be appraised as it stands."""
    _check_series(site)
    _check_capacity(site)
    _check_options(site)
