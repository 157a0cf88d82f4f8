"""Business resumption after emergencies: the backlog a closure or slowdown
leaves, how long it takes to clear, what it costs and what shortens it.

Model family: the appraisal's own stage model (:mod:`cba.appraisal`: each
stream's ordered stages, booths staffed for the kind of day, the fluid queue
of :func:`cba.queueing.tandem_hourly_waits`) run hour by hour over several
days instead of one periodic day. The horizon is a sequence of days of the
week, starting with a normal day before the event; the queue's periodic
solution over the whole horizon starts from the normal state as long as the
backlog clears before the horizon ends (checked, and days are added until it
does), so the run is "normal, the event, the recovery, normal again".

A scenario (``parameters/scenarios/*.yaml``, :class:`cba.params.ScenarioFile`)
closes or slows stages for some hours; the users who meet it defer, divert
to the stream's sibling crossing or abandon their trips (shares by stream);
the rest queue. The cost of the event is valued with the appraisal's values
(:func:`cba.appraisal.flows.delay_values`), in its report dollars. Resumption
options (surge staffing within the lanes, both countries reopening in step,
pre-cleared traffic routed around the closed stage) are compared by the cost
of the event they avoid against their own cost.

Main functions
--------------
load_scenario
    Read and validate a scenario file.
recovery
    The event hour by hour, the baseline without it, and their summary.
compare_options
    Every option of the scenario against doing nothing: recovery time, event
    cost, the cost avoided, the option's cost and its benefit-cost ratio.

Units: vehicles, hours, USD of the site's report dollar-year.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis.cases import OUT_OF_SAMPLE, USED_FOR_CALIBRATION
from .analysis.verdict import MAX_PLAUSIBLE_BCR
from .exceptions import ParameterError
from .params import ScenarioFile, Site, parse
from .params.yamlio import read_yaml
from .vocab import HOURS

__all__ = [
    "WEEK",
    "RECOVERY_TOLERANCE",
    "RECOVERY_FLOOR_MINUTES",
    "BCR_FLAG",
    "RESULTS_FILE",
    "load_scenario",
    "scenario_files",
    "scenarios_beside",
    "Recovery",
    "recovery",
    "compare_options",
    "backcast",
    "resilience_values",
    "resilience_summary",
    "summary_lines",
]

#: The days of a week, from the Tuesday a weekday event starts on (a Saturday
#: or Sunday event starts on that day). A horizon runs through them in turn.
WEEK = ("weekday", "weekday", "weekday", "weekday", "saturday", "sunday", "weekday")
#: Waits are back to normal when within this share of the normal day's. [/1]
RECOVERY_TOLERANCE = 0.10
#: ... or within this many minutes of it (a quiet hour's normal wait is
#: near zero, and 10 % of nothing is no test). [minutes]
RECOVERY_FLOOR_MINUTES = 1.0
#: A benefit-cost ratio above this is flagged for review, not reported as a
#: finding: the site reports' plausibility limit (doing nothing also keeps the
#: normal schedule for as long as the backlog lasts, which a port would not).
BCR_FLAG = MAX_PLAUSIBLE_BCR
#: The file a site's resumption page writes for the index.
RESULTS_FILE = "resumption.csv"
#: Most days after the event the run extends to while the queue has not
#: recovered.
MAX_DAYS_AFTER = 60


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario file; :class:`ParameterError` names the
    file, the key path, the value and what is allowed."""
    path = Path(path)
    return parse(read_yaml(path), ScenarioFile, str(path))


def scenario_files(site_id: str, scenarios_dir: str | Path) -> list[Path]:
    """The scenario files of a site in ``scenarios_dir`` (sorted by name)."""
    d = Path(scenarios_dir)
    if not d.is_dir():
        return []
    return [
        p
        for p in sorted(d.glob("*.yaml"))
        if read_yaml(p).get("scenario", {}).get("site") == site_id
    ]


def scenarios_beside(site_file: str | Path) -> Path:
    """The scenarios folder of a site file's parameter folder
    (``parameters/sites/x.yaml`` -> ``parameters/scenarios``)."""
    return Path(site_file).resolve().parent.parent / "scenarios"


def _value(p) -> float:
    return 0.0 if p is None else float(p.value)


def _usd(site: Site, p, where: str) -> float:
    """A money value of a scenario, which must be in the site's report
    dollars (the scenario is read beside that site)."""
    if p is None:
        return 0.0
    dy = site.info.report_dollar_year
    if p.dollar_year != dy:
        raise ParameterError(
            f"{where}: dollar_year {p.dollar_year}; allowed: the site's report "
            f"dollar year, {dy}",
            key_path=where,
        )
    return float(p.value)


@dataclass(frozen=True)
class _Stream:
    """A stream's normal-day queue over the horizon (arrays (1, H·days))."""

    sid: str
    arrivals: np.ndarray  # vehicles/hour
    stages: tuple  # queue_jobs.StageQueue with horizon-long servers
    lanes: dict  # stage name -> lanes that exist (None: no limit)


class Recovery(dict):
    """Result of :func:`recovery` (a mapping, so it prints and tests plainly).

    Keys: ``hours`` (DataFrame, one row per stream and hour of the horizon:
    ``stream, hour, day, arrivals, arrivals_normal, queue, queue_normal,
    wait_minutes, wait_normal_minutes`` and one ``wait_<stage>_minutes``
    column per stage), ``summary`` (one row per stream: ``arrived``
    (the traffic that meant to cross over the horizon), ``served``,
    ``deferred``, ``diverted``, ``abandoned``, ``still_queued``,
    ``peak_queue``, ``peak_wait_minutes``, ``throughput_change`` (vehicles
    the primary stage served during the event against normal, minus one),
    ``recovery_hours`` (from the end
    of the event until waits stay within :data:`RECOVERY_TOLERANCE` of
    normal; NaN if not within the horizon), ``delay_vehicle_hours`` (added by
    the event), ``sibling_delay_vehicle_hours``), ``cost`` (one row per
    stream and component, USD), ``start`` (hour of the horizon the event
    starts), ``end``, ``days``.
    """


def _inputs(site: Site):
    from .appraisal import model_inputs
    from .appraisal.traffic import day_types_for, outlooks_for, volume_paths

    inp = model_inputs(site)
    inp = replace(inp, day_types=day_types_for(site, inp))
    vols = volume_paths(inp, outlooks_for(site), None)
    return inp, vols


def _day_type(inp, kind: str):
    """The day type of that kind with the most days (the site's average day
    where it has no weekdays)."""
    cand = [dt for dt in inp.day_types if dt.weekday == kind]
    if not cand:
        cand = list(inp.day_types)
    return max(cand, key=lambda dt: dt.weight)


def _normal(
    site: Site, inp, vols, days: list[str], under: str | None = None
) -> dict[str, _Stream]:
    """Every stream's normal traffic and booths over the days of the horizon;
    with ``under``, those of the site's option of that id at full effect
    (its booths, processing and traffic shifts)."""
    from .appraisal.flows import (
        option_volumes,
        queue_under,
        staffed_for_day,
        within_lanes,
    )
    from .appraisal.queue_jobs import stream_queue

    out = {}
    per_year = float(inp.economy.days_per_year[0])
    if under is not None:
        vols = option_volumes(inp, under, vols)
    for sid, s in inp.streams.items():
        base = stream_queue(s)
        arr, stage_cols = [], {st.name: [] for st in base.stages}
        for kind in days:
            dt = _day_type(inp, kind)
            q = staffed_for_day(dt, s, base)
            if under is not None:
                q = within_lanes(
                    inp, under, sid, queue_under(inp, under, sid, q, days=dt.week_days)
                )
                # the lanes that exist with those the option builds
                primary_lanes = float(
                    np.asarray(q.stage("primary").lanes, dtype=float).reshape(-1)[0]
                )
            f = np.asarray(dt.column(sid), dtype=float).reshape(-1)[0]
            daily = float(vols[sid][0, 0]) * f / per_year
            arr.append(daily * np.asarray(q.profile, dtype=float).reshape(HOURS))
            for st in q.stages:
                stage_cols[st.name].append(
                    np.broadcast_to(st.servers, (1, 1, HOURS)).reshape(HOURS)
                )
        stages = tuple(
            replace(
                st,
                servers=np.concatenate(stage_cols[st.name])[None, :],
                services_per_hour=np.asarray(st.services_per_hour).reshape(-1)[
                    :1, None
                ],
                cv=None if st.cv is None else np.asarray(st.cv).reshape(-1)[:1, None],
                share=np.asarray(st.share).reshape(-1)[:1, None],
                grown=None,
                lanes=None,
            )
            for st in base.stages
        )
        lanes = {
            "primary": float(s.lanes[0]) if under is None else primary_lanes,
            "mx_export": None if s.export_lanes is None else float(s.export_lanes[0]),
        }
        out[sid] = _Stream(sid, np.concatenate(arr)[None, :], stages, lanes)
    return out


def _solve(stream: _Stream, arrivals, stages):
    from . import queueing

    res = queueing.tandem_hourly_waits(
        arrivals,
        [
            queueing.TandemStage(
                st.servers,
                st.services_per_hour,
                1.0 if st.cv is None else st.cv,
                st.share,
                st.side,
            )
            for st in stages
        ],
    )
    time_per_vehicle = 0.0
    for st, w in zip(stages, res.stage_waits, strict=True):
        t = w + 1.0 / st.services_per_hour
        time_per_vehicle = time_per_vehicle + (st.share * t if st.side else t)
    # Vehicles waiting at each stage at the end of each hour: the running sum
    # of its arrivals less its entries into service, from the start's backlog
    # (the periodic state; each stage's emptiest moment of the horizon taken
    # as empty), summed over the stages.
    q = 0.0
    for a, x in zip(res.stage_arrivals, res.stage_throughput, strict=True):
        run = np.cumsum(np.asarray(a) - np.asarray(x), axis=-1)
        q = q + run - run.min(axis=-1, keepdims=True)
    return res, np.asarray(time_per_vehicle), np.asarray(q)


def _event_hours(info, days_before: int) -> tuple[int, int]:
    start = HOURS * days_before + int(info.start_hour)
    return start, start + int(round(float(info.duration_hours)))


def _impact_hours(imp, start: int, end: int, days: list[str]) -> np.ndarray:
    """Hours of the horizon an impact applies in: those of the event, within
    its hours of the day and on its kinds of day."""
    h = np.arange(start, end)
    if imp.hours_of_day is not None:
        a, b = imp.hours_of_day
        h = h[(h % HOURS >= a) & (h % HOURS < b)]
    if imp.days:
        h = h[np.isin(np.asarray(days)[h // HOURS], imp.days)]
    return h


def _apply(
    scn: ScenarioFile,
    sid: str,
    stages,
    start: int,
    end: int,
    days,
    option=None,
    arrivals=None,
    today=None,
):
    """The stream's stages with the event's impacts between ``start`` and
    ``end`` (hours of the horizon) and, with ``option``, its changes
    (``arrivals``: the stream's on a normal day, and ``today``: the stream
    with today's booths, the basis of a throughput cap)."""
    out = []
    for st in stages:
        c = np.array(st.servers, dtype=float)
        mu = np.broadcast_to(st.services_per_hour, c.shape).astype(float).copy()
        e = _end_with(option, sid, start, end)
        for imp in scn.impacts:
            if imp.stream != sid or imp.stage != st.name:
                continue
            sl = (slice(None), _impact_hours(imp, start, e, days))
            if imp.closed:
                c[sl] = 0.0
            elif imp.capacity_share is not None:
                mu[sl] = mu[sl] * _value(imp.capacity_share)
            elif imp.throughput_share is not None:
                # At most that share of a normal day's vehicles leave the
                # stage, evenly over its open hours of the day: each open
                # booth's rate cut to its part of the hour's cap. The share
                # is of the stream's vehicles at this crossing (an option that
                # moves trucks between lanes moves their part of the cap), its
                # hours today's (those of the inspection the event adds, not
                # of booths an option opens).
                h = sl[1]
                base = next(x for x in today.stages if x.name == st.name)
                a = np.asarray(arrivals, dtype=float)[0].reshape(-1, HOURS)
                a = a * (float(np.asarray(st.share).reshape(-1)[0]) if st.side else 1.0)
                open_ = (np.asarray(base.servers)[0] > 0).reshape(-1, HOURS)
                per_hour = a.sum(axis=1) / np.maximum(open_.sum(axis=1), 1)
                cap = _value(imp.throughput_share) * per_hour[h // HOURS]
                mu[sl] = np.minimum(mu[sl], cap / np.where(c[sl] > 0, c[sl], 1.0))
            else:
                c[sl] = np.maximum(c[sl] - _value(imp.booths_withdrawn), 0.0)
        if option is not None and option.kind == "surge_staffing":
            if sid in option.streams and st.name == option.stage:
                sl = (slice(None), slice(e, e + int(option.hours)))
                c[sl] = c[sl] + _value(option.extra_booths)
        out.append(replace(st, servers=c, services_per_hour=mu))
    return tuple(out)


def _end_with(option, sid: str, start: int, end: int) -> int:
    """The hour the event ends for stream ``sid`` with ``option``: earlier
    with a joint reopening (both countries' stages reopen in step)."""
    if option is not None and option.kind == "joint_reopening":
        if sid in option.streams:
            return max(start, end - int(round(_value(option.hours_earlier))))
    return end


def _within(stages, lanes: dict):
    out = []
    for st in stages:
        lim = lanes.get(st.name)
        c = st.servers if lim is None else np.minimum(st.servers, max(lim, 0.0))
        out.append(replace(st, servers=c))
    return tuple(out)


def _moved(stages, stage: str, start: int, booths):
    """The stages with ``booths`` more (or, negative, fewer, at least none)
    at ``stage`` in the hours from ``start`` (an array, one per hour): booths
    lent by one stream's lanes to another, on top of the lanes' limit."""
    booths = np.asarray(booths, dtype=float)
    stop = start + len(booths)
    out = []
    for st in stages:
        if st.name == stage and stop > start:
            c = np.array(st.servers, dtype=float)
            c[:, start:stop] = np.maximum(c[:, start:stop] + booths, 0.0)
            st = replace(st, servers=c)
        out.append(st)
    return tuple(out)


def _lent(res, stages, stage: str, end: int, hours: int, booths: float):
    """Booths a trusted stream borrows, hour by hour from ``end`` for at most
    ``hours``: as many of ``booths`` as it takes, on top of its own, to clear
    its backlog and arrivals at ``stage`` (a fluid queue served first), from
    its run without them. Returns an array over those hours (fractions of
    a booth: see :func:`_whole`). [booths]"""
    names = [st.name for st in stages]
    k = names.index(stage)
    st = stages[k]
    a = np.asarray(res.stage_arrivals[k], dtype=float)[0]
    x = np.asarray(res.stage_throughput[k], dtype=float)[0]
    # The queue at the reopening: arrived less served, from the hour it was
    # last empty before it (its lowest point so far).
    run = np.concatenate([[0.0], np.cumsum(a - x)])
    q = float(run[end] - run[: end + 1].min())
    c = np.asarray(st.servers, dtype=float)[0]
    mu = np.broadcast_to(st.services_per_hour, np.shape(st.servers)).astype(float)[0]
    stop = min(end + hours, len(a))
    out = np.zeros(stop - end)
    for i, h in enumerate(range(end, stop)):
        if mu[h] <= 0:
            continue
        out[i] = min(max((q + a[h]) / mu[h] - c[h], 0.0), booths)
        q = max(q + a[h] - (c[h] + out[i]) * mu[h], 0.0)
    return out


def _whole(lent, up: bool) -> np.ndarray:
    """Booths lent in an hour, in whole booths: the trusted stream has every
    booth it uses any of (``up``); a booth it uses for part of an hour
    serves the other stream the rest, so that stream goes without it only
    where the trusted use more than half of it."""
    lent = np.asarray(lent, dtype=float)
    return np.ceil(lent - 1e-9) if up else np.floor(lent + 0.5)


def _responses(scn, sid, arrivals, start, end, option=None):
    """Arrivals with the users' responses: of the vehicles arriving during
    the event, the deferred come over ``defer_hours`` after it in proportion
    to normal traffic, the diverted and abandoned do not come. Returns
    ``(arrivals, deferred, diverted, abandoned)`` (vehicles) and the hours
    the deferred and the abandoned would have waited for the reopening,
    summed over them (vehicle-hours)."""
    r = scn.responses.get(sid)
    a = np.array(arrivals, dtype=float)
    end = _end_with(option, sid, start, end)
    if r is None or end <= start:
        return a, 0.0, 0.0, 0.0, (0.0, 0.0)
    hit = a[:, start:end].sum()
    pre = 0.0
    if option is not None and option.kind == "reroute_precleared":
        if sid in option.streams:
            pre = _value(option.precleared_share)
    d, v, ab = (_value(x) * (1.0 - pre) for x in (r.deferred, r.diverted, r.abandoned))
    if option is not None and option.kind == "sibling_staffing":
        if sid in option.streams:
            # The announced sibling takes more of them: first those who would
            # have waited for the reopening elsewhere, then those who queued.
            v2 = min(max(v, _value(option.diverted_share) * (1.0 - pre)), 1.0 - ab)
            d = max(d - (v2 - v), 0.0)
            v = v2
            d = min(d, 1.0 - ab - v)
    a[:, start:end] *= 1.0 - (d + v + ab)
    w = np.array(arrivals[:, end : end + r.defer_hours], dtype=float)
    if w.sum() > 0:
        a[:, end : end + w.shape[1]] += d * hit * w / w.sum()
    # Hours from each vehicle's arrival (mid-hour) to the reopening, summed
    # over the vehicles that met the event.
    until = float((arrivals[0, start:end] * (end - np.arange(start, end) - 0.5)).sum())
    return a, d * hit, v * hit, ab * hit, (d * until, ab * until)


#: Most steps, and the tolerance on the share of a day's trips made, of the
#: users' day-by-day response to delay.
RESPONSE_STEPS, RESPONSE_TOL = 60, 1e-7


def _responding(stream: _Stream, arrivals, stages, t_normal, beta: float):
    """The event's queue with users who give up trips as delay grows, day by
    day, as in the appraisal: the share of a day's trips made is
    ``exp(-beta x max(0, T - T0))``, with ``T`` that day's mean time at the
    crossing and ``T0`` a normal day's (``beta``: the appraisal's
    ``trips_lost_per_hour_of_delay``). Solved as a damped fixed point over the
    days of the horizon. Returns ``(arrivals, result, time per vehicle,
    queue, trips lost)``."""
    days = arrivals.shape[1] // HOURS

    def daily_time(a, t):
        a = a.reshape(days, HOURS)
        n = a.sum(axis=1)
        return np.where(
            n > 0,
            (a * t.reshape(days, HOURS)).sum(axis=1) / np.where(n > 0, n, 1.0),
            0.0,
        )

    t0 = daily_time(stream.arrivals[0], t_normal[0])
    made = np.ones(days)
    for _ in range(RESPONSE_STEPS):
        a = arrivals * np.repeat(made, HOURS)[None, :]
        res, t, q = _solve(stream, a, stages)
        target = np.exp(-beta * np.maximum(daily_time(a[0], t[0]) - t0, 0.0))
        if np.max(np.abs(target - made)) <= RESPONSE_TOL:
            break
        made = 0.5 * made + 0.5 * target
    lost = float((arrivals - a).sum())
    # Rule of half: a trip given up for extra time dT loses between nothing
    # and dT of its value, on average half. [vehicle-hours]
    extra = np.maximum(daily_time(a[0], t[0]) - t0, 0.0)
    given_up = float(
        0.5 * ((arrivals - a)[0].reshape(days, HOURS).sum(axis=1) * extra).sum()
    )
    return a, res, t, q, lost, given_up


def _recovered_after(t_event, t_normal, end: int, open_hours) -> float:
    """Hours from ``end`` until the time at the crossing, in the hours with
    normal traffic (``open_hours``), stays within the tolerance of normal
    (NaN: not within the horizon)."""
    tol = np.maximum(RECOVERY_TOLERANCE * t_normal, RECOVERY_FLOOR_MINUTES / 60.0)
    bad = (np.abs(t_event - t_normal) > tol) & open_hours
    bad[:end] = False
    if not bad.any():
        return 0.0
    last = int(np.nonzero(bad)[0].max())
    if last >= len(t_event) - HOURS:
        return float("nan")  # still off normal on the horizon's last day
    return float(last + 1 - end)


def recovery(
    site: Site,
    scenario: ScenarioFile,
    option: str | None = None,
    _prepared=None,
    under: str | None = None,
) -> Recovery:
    """The scenario hour by hour at ``site``, with resumption ``option`` (an
    id of ``scenario.options``) or none.

    The horizon starts with one normal day, then the event's days and
    ``days_after`` more, extended (up to :data:`MAX_DAYS_AFTER`) until the
    waits are back to normal on its last day. With ``under`` (an option id
    of the site), the crossing is the one that option builds, at full
    effect. Returns a :class:`Recovery`.
    """
    info = scenario.scenario
    if info.site != site.id:
        raise ParameterError(
            f"scenario '{info.id}' is for site '{info.site}', not '{site.id}'",
            key_path="scenario.site",
        )
    opt = None
    if option is not None:
        if option not in scenario.options:
            raise ParameterError(
                f"option '{option}' is not an option of scenario '{info.id}'; "
                "allowed: " + ", ".join(scenario.options),
                key_path="options",
            )
        opt = scenario.options[option]
        if opt.kind == "sibling_staffing":
            for sid in opt.streams:
                _check_stage(site, sid, opt.stage, f"options.{option}.streams")
                sib = site.file.streams[sid].sibling
                if sib is None or sib.booths is None:
                    raise ParameterError(
                        f"option '{option}' staffs the sibling of stream '{sid}', "
                        f"but site '{site.id}' gives that stream no sibling with "
                        "booths; allowed: a stream whose 'sibling' has 'booths'",
                        key_path=f"streams.{sid}.sibling.booths",
                    )
    for imp in scenario.impacts:
        _check_stage(site, imp.stream, imp.stage, "impacts")
    inp, vols = _prepared if _prepared is not None else _inputs(site)
    first = WEEK.index(info.day) if info.day != "weekday" else 0
    event_days = int(np.ceil((info.start_hour + info.duration_hours) / HOURS))
    after = info.days_after
    while True:
        n = 1 + max(event_days, 1) + after
        days = [info.day] + [WEEK[(first + k) % len(WEEK)] for k in range(n - 1)]
        normal = _normal(site, inp, vols, days, under)
        start, end = _event_hours(info, 1)
        today = normal
        if under is not None and any(
            i.throughput_share is not None for i in scenario.impacts
        ):
            today = _normal(site, inp, vols, days)
        out = _run(site, inp, scenario, normal, start, end, opt, days, today)
        if np.isfinite(out["summary"].recovery_hours).all() or after >= MAX_DAYS_AFTER:
            break
        after = min(MAX_DAYS_AFTER, after * 2)
    out.update(start=start, end=end, days=n, option=option)
    return out


def _check_stage(site: Site, sid: str, stage: str, where: str) -> None:
    streams = site.file.streams
    if sid not in streams:
        raise ParameterError(
            f"stream '{sid}' is not a stream of site '{site.id}'; allowed: "
            + ", ".join(streams),
            key_path=where,
        )


def _run(site, inp, scn, normal, start, end, opt, days, today) -> Recovery:
    from .appraisal.flows import delay_values

    rows, summary, cost = [], [], []
    trusted = opt is not None and opt.kind == "trusted_first"
    order = list(normal)
    if trusted:
        # The trusted streams first: how long they borrow the other stream's
        # booths decides how long that stream is without them.
        order = [x for x in order if x in opt.streams] + [
            x for x in order if x not in opt.streams
        ]
        if opt.from_stream not in normal:
            _check_stage(site, opt.from_stream, opt.stage, "options.from_stream")
    # Booths are lent from the scheduled reopening (a trusted-first option
    # keeps the event's length) for as long as the trusted backlog lasts.
    lent, e_opt = np.zeros(0), end
    for sid in order:
        s = normal[sid]
        stages_n = normal[sid].stages
        base_res, t_n, q_n = _solve(s, s.arrivals, stages_n)
        arr, deferred, diverted, abandoned, (held, forgone) = _responses(
            scn, sid, s.arrivals, start, end, opt
        )
        stages_e = _within(
            _apply(scn, sid, stages_n, start, end, days, opt, s.arrivals, today[sid]),
            s.lanes,
        )
        stream = inp.streams[sid]
        beta = float(inp.economy.trips_lost_per_hour_of_delay[0])
        if trusted and sid in opt.streams:
            alone = _responding(s, arr, stages_e, t_n, beta)
            need = _lent(
                alone[1],
                stages_e,
                opt.stage,
                e_opt,
                int(opt.hours),
                _value(opt.extra_booths),
            )
            lent = need if not len(lent) else lent + need
            stages_e = _moved(stages_e, opt.stage, e_opt, _whole(need, True))
        elif trusted and sid == opt.from_stream:
            stages_e = _moved(stages_e, opt.stage, e_opt, -_whole(lent, False))
        came = arr
        arr, res, t_e, q_e, lost, given_up = _responding(s, arr, stages_e, t_n, beta)
        share = (
            0.0 if stream.sibling is None else float(stream.sibling.diverted_share[0])
        )
        diverted += share * lost
        abandoned += (1.0 - share) * lost
        # The vehicles that did not come took no time here; the event's delay
        # is that of the vehicles that crossed, against what the same vehicles
        # would have spent on a normal day.
        delay = float((arr * (t_e - t_n)).sum())
        sib, sib_q = 0.0, 0.0
        if stream.sibling is not None and diverted > 0:
            from . import queueing

            wait = float(stream.sibling.wait_minutes[0])
            u = float(stream.sibling.utilisation[0])
            staffed = (
                opt is not None
                and opt.kind == "sibling_staffing"
                and sid in opt.streams
            )
            if staffed:
                wait, u = _sibling_staffed(wait, u, opt, site.file.streams[sid])
            per = queueing.external_delay_per_arrival_hours(wait, u)
            sib = float(diverted * per)
            booths = site.file.streams[sid].sibling.booths
            if booths is not None:
                # Hour by hour, the vehicles sent to the sibling: those who
                # met the event (in proportion to normal traffic) and those
                # who gave up trips here as delay grew.
                e_s = _end_with(opt, sid, start, end)
                to_sib = share * (came - arr)[0]
                hit = float(s.arrivals[0, start:e_s].sum())
                if hit > 0:
                    to_sib[start:e_s] += (
                        (diverted - share * lost) * s.arrivals[0, start:e_s] / hit
                    )
                extra = np.zeros_like(to_sib)
                if staffed:
                    extra[start : start + int(opt.hours)] = _value(opt.extra_booths)
                mu = _rate(stages_n, "primary")
                n_sib = _value(booths) + extra
                q_sib, refused = _sibling_backlog(
                    to_sib,
                    _value(booths),
                    float(stream.sibling.utilisation[0]),
                    extra,
                    mu,
                    s.arrivals[0] > 0,
                    np.maximum(t_e[0] - t_n[0], 0.0) * n_sib * mu,
                )
                # Those the sibling's queue turned back give the trip up.
                diverted -= float(refused.sum())
                abandoned += float(refused.sum())
                sib += float(q_sib.sum())
                sib_q = float(q_sib.max(initial=0.0))
        busy = s.arrivals[0] > 0
        # From the end of the event as scheduled: the same clock for every
        # option.
        rec = _recovered_after(t_e[0], t_n[0], end, busy)
        served = float(res.stage_throughput[0].sum())
        names = [st.name for st in stages_e]
        k = names.index("primary") if "primary" in names else 0
        e_sl = slice(start, max(end, start + 1))
        primary_n = float(base_res.stage_throughput[k][0, e_sl].sum())
        primary_e = float(res.stage_throughput[k][0, e_sl].sum())
        arrived = float(s.arrivals.sum())
        summary.append(
            {
                "stream": sid,
                "arrived": arrived,
                "served": served,
                "deferred": deferred,
                "diverted": diverted,
                "abandoned": abandoned,
                "still_queued": arrived - served - diverted - abandoned,
                "peak_queue": float(q_e.max()),
                "peak_wait_minutes": float(np.max(t_e[0][arr[0] > 0], initial=0.0))
                * 60.0,
                "recovery_hours": rec,
                "throughput_change": primary_e / primary_n - 1.0
                if primary_n > 0
                else 0.0,
                "delay_vehicle_hours": delay,
                "sibling_delay_vehicle_hours": sib,
                "sibling_peak_queue": sib_q,
            }
        )
        vals = delay_values(inp, sid)
        for comp, v in vals.items():
            cost.append(
                {"stream": sid, "component": comp, "usd": float(v[0]) * (delay + sib)}
            )
        # Time lost away from the queue, valued as time (no idling): the
        # deferred wait for the reopening, the trips given up lose half the
        # time they would have waited (rule of half).
        per_hour = sum(
            float(vals[c][0])
            for c in ("travel_time", "vehicle_time", "cargo_time")
            if c in vals
        )
        cost.append(
            {"stream": sid, "component": "deferred_time", "usd": per_hour * held}
        )
        cost.append(
            {
                "stream": sid,
                "component": "trips_given_up",
                "usd": per_hour * (0.5 * forgone + given_up),
            }
        )
        loaded = (
            1.0 if stream.empty_share is None else 1.0 - float(stream.empty_share[0])
        )
        if stream.cargo_value is not None and scn.perishable_share is not None:
            extra = np.maximum(t_e - t_n, 0.0)
            truck_hours = float((arr * extra).sum()) * loaded
            cost.append(
                {
                    "stream": sid,
                    "component": "spoilage",
                    "usd": truck_hours
                    * _value(scn.perishable_share)
                    * _value(scn.spoilage_per_hour)
                    * float(stream.cargo_value[0]),
                }
            )
        r = scn.responses.get(sid)
        if r is not None and r.detour_cost is not None and diverted > 0:
            cost.append(
                {
                    "stream": sid,
                    "component": "detour",
                    "usd": diverted
                    * _usd(site, r.detour_cost, f"responses.{sid}.detour_cost"),
                }
            )
        H = arr.shape[1]
        frame = {
            "stream": sid,
            "hour": np.arange(H),
            "day": np.arange(H) // HOURS,
            "arrivals": arr[0],
            "arrivals_normal": s.arrivals[0],
            "queue": q_e[0],
            "queue_normal": q_n[0],
            "wait_minutes": t_e[0] * 60.0,
            "wait_normal_minutes": t_n[0] * 60.0,
        }
        for st, w in zip(stages_e, res.stage_waits, strict=True):
            frame[f"wait_{st.name}_minutes"] = np.asarray(w)[0] * 60.0
        rows.append(pd.DataFrame(frame))
    rank = {k: i for i, k in enumerate(normal)}
    rows.sort(key=lambda f: rank[f.stream.iloc[0]])
    summary.sort(key=lambda r: rank[r["stream"]])
    cost.sort(key=lambda r: rank[r["stream"]])
    return Recovery(
        hours=pd.concat(rows, ignore_index=True),
        summary=pd.DataFrame(summary),
        cost=pd.DataFrame(cost, columns=["stream", "component", "usd"]),
    )


def _sibling_staffed(wait: float, u: float, opt, stream) -> tuple[float, float]:
    """The sibling's wait and utilisation with the option's booths added:
    its own traffic over more booths, the wait scaled as ``u / (1 - u)``
    (the sibling's delay model). [minutes], [/1]"""
    booths = stream.sibling.booths
    n = _value(booths) if booths is not None else 0.0
    u2 = u * n / (n + _value(opt.extra_booths)) if n > 0 else u
    if u <= 0:
        return wait, u
    return wait * (u2 / (1.0 - u2)) / (u / (1.0 - u)), u2


def _rate(stages, name: str) -> float:
    """A booth's mean rate at stage ``name`` over its open hours (the first
    stage without it). [vehicles/hour]"""
    st = next((x for x in stages if x.name == name), stages[0])
    c = np.asarray(st.servers, dtype=float)[0]
    mu = np.broadcast_to(st.services_per_hour, np.shape(st.servers)).astype(float)[0]
    return float(mu[c > 0].mean()) if (c > 0).any() else float(mu.mean())


def _sibling_backlog(sent, booths, u, extra, mu, open_hours, limit):
    """The queue the vehicles ``sent`` to the sibling build there, hour by
    hour: a fluid queue whose spare capacity is what its ``booths`` (plus
    ``extra``, an array) clear beyond its own traffic (``u`` of them), in the
    hours it is open (``open_hours``, those of this crossing), at ``mu`` a
    booth. Below its spare capacity it stays empty (the queueing formula of
    :class:`Sibling` prices that delay). Users go there only while it is no
    slower than staying: its backlog never holds more than ``limit`` (an
    array, the hour's extra time here times the sibling's rate); those sent
    beyond it do not go (``refused``). Returns ``(queue, refused)``; the
    queue's area is the vehicle-hours every user of the sibling, its own and
    the diverted, waits beyond normal. [vehicles]"""
    sent = np.asarray(sent, dtype=float)
    spare = np.where(open_hours, (booths * (1.0 - u) + np.asarray(extra)) * mu, 0.0)
    q = np.zeros_like(sent)
    refused = np.zeros_like(sent)
    level = 0.0
    for h in range(len(sent)):
        level = max(level + sent[h] - spare[h], 0.0)
        if level > limit[h]:
            refused[h] = min(level - limit[h], sent[h])
            level -= refused[h]
        q[h] = level
    return q, refused


def _option_cost(site: Site, inp, opt) -> float:
    """What a resumption option costs for the event: its officer time at
    the overtime rate plus its fixed cost. [USD]"""
    eco = inp.economy
    fixed = _usd(site, opt.fixed_cost, "options.fixed_cost")
    if opt.kind not in ("surge_staffing", "sibling_staffing"):
        return fixed
    hours = float(opt.hours) * _value(opt.extra_booths) * len(opt.streams)
    rate = float(eco.officer_hourly_cost[0] * eco.overtime_premium[0])
    return fixed + hours * float(eco.officers_per_booth[0]) * rate


def compare_options(site: Site, scenario: ScenarioFile) -> pd.DataFrame:
    """Doing nothing and every resumption option of the scenario.

    Returns
    -------
    DataFrame
        One row per option (``none`` first): ``option, name, payer,
        recovery_hours`` (the longest over the streams), ``peak_queue`` (the
        largest), ``event_cost`` (USD), ``avoided`` (USD, against doing
        nothing), ``option_cost`` (USD) and ``bcr`` (avoided / cost; NaN for
        doing nothing or a free option), ``flagged`` (a BCR above
        :data:`BCR_FLAG`: for review, not a finding).
    """
    prepared = _inputs(site)
    inp = prepared[0]
    base = recovery(site, scenario, None, prepared)
    rows = [_row("none", "Do nothing", "", base, None, 0.0)]
    for oid, opt in scenario.options.items():
        r = recovery(site, scenario, oid, prepared)
        rows.append(
            _row(oid, opt.name, opt.payer, r, base, _option_cost(site, inp, opt))
        )
    return pd.DataFrame(rows)


def _row(oid, name, payer, r, base, cost) -> dict:
    total = float(r["cost"].usd.sum())
    avoided = 0.0 if base is None else float(base["cost"].usd.sum()) - total
    s = r["summary"]
    return {
        "option": oid,
        "name": name,
        "payer": payer,
        "recovery_hours": float(s.recovery_hours.max()),
        "peak_queue": float(s.peak_queue.max()),
        "event_cost": total,
        "avoided": avoided,
        "option_cost": cost,
        "bcr": avoided / cost if base is not None and cost > 0 else float("nan"),
        "flagged": bool(base is not None and cost > 0 and avoided / cost > BCR_FLAG),
    }


def summary_lines(site: Site, scenario: ScenarioFile, table: pd.DataFrame) -> list:
    """Plain-text lines of :func:`compare_options` for the terminal."""
    info = scenario.scenario
    lines = [
        f"{site.id}: {info.name} ({info.duration_hours:g} h from "
        f"{info.start_hour:02d} h on a {info.day})"
    ]
    for r in table.itertuples():
        rec = (
            "not within the horizon"
            if np.isnan(r.recovery_hours)
            else (f"{r.recovery_hours:.0f} h")
        )
        line = (
            f"  {r.name}: recovery {rec}, peak queue {r.peak_queue:,.0f} vehicles, "
            f"event cost {r.event_cost / 1e6:,.2f} M USD"
        )
        if r.option != "none":
            bcr = "n/a" if np.isnan(r.bcr) else f"{r.bcr:.1f}"
            line += (
                f"; avoids {r.avoided / 1e6:,.2f} M USD for {r.option_cost:,.0f} USD "
                f"(BCR {bcr})"
            )
            if r.flagged:
                line += (
                    f" [flagged: a BCR above {BCR_FLAG:g} rests on doing nothing "
                    "keeping the normal schedule while the backlog lasts]"
                )
        lines.append(line)
    return lines


def backcast(site: Site, scenario: ScenarioFile) -> pd.DataFrame:
    """The scenario's reported outcomes (a real event) against the model's.

    Returns
    -------
    DataFrame
        One row per outcome: ``outcome, description, stream, metric,
        reported, reported_low, reported_high, modelled, band_low,
        band_high, in_band, known_miss, sample`` ("out of sample" unless the
        scenario names values fitted on it), ``strength, method,
        measured_at, source, href``. Minutes for ``peak_wait``, a share for
        ``throughput_change``, hours for ``recovery_hours``.
    """
    if not scenario.outcomes:
        return pd.DataFrame()
    r = recovery(site, scenario)
    s = r["summary"].set_index("stream")
    column = {
        "peak_wait": "peak_wait_minutes",
        "throughput_change": "throughput_change",
        "recovery_hours": "recovery_hours",
    }
    rows = []
    for oid, o in scenario.outcomes.items():
        _check_stage(site, o.stream, "primary", f"outcomes.{oid}.stream")
        m = float(s.loc[o.stream, column[o.metric]])
        rows.append(
            {
                "outcome": oid,
                "description": o.description,
                "stream": o.stream,
                "metric": o.metric,
                "reported": o.reported.central,
                "reported_low": o.reported.low,
                "reported_high": o.reported.high,
                "modelled": m,
                "band_low": float(o.band.low),
                "band_high": float(o.band.high),
                "in_band": bool(o.band.low <= m <= o.band.high),
                "known_miss": o.known_miss,
                "sample": USED_FOR_CALIBRATION if o.calibrated else OUT_OF_SAMPLE,
                "strength": o.strength,
                "method": o.method,
                "measured_at": o.measured_at,
                "source": o.source.title,
                "href": o.source.href,
            }
        )
    return pd.DataFrame(rows)


def resilience_values(site: Site, files: list[Path] | None = None) -> pd.DataFrame:
    """What each of the site's options saves in emergencies, a year.

    For every scenario of the site with a ``frequency`` (``files``: its
    scenario files, default those beside it), the event's cost doing nothing
    at today's crossing and at the crossing each option builds (its booths,
    processing and traffic shifts at full effect); the difference times the
    events a year is the option's expected saving a year.

    Returns
    -------
    DataFrame
        One row per option, scenario and stream: ``option, scenario, stream,
        cost_without, cost_with`` (USD an event), ``avoided`` (USD an
        event), ``frequency`` (events/year, central), ``annual`` (USD/year),
        ``frequency_param`` (the scenario's sourced value, for the draws).
    """
    files = (
        files
        if files is not None
        else scenario_files(site.id, scenarios_beside(site.path))
    )
    prepared = _inputs(site)
    rows = []
    options = [o for o, x in site.file.options.items() if x.kind != "status_quo"]
    for f in files:
        scn = load_scenario(f)
        if scn.scenario.frequency is None:
            continue
        freq = _value(scn.scenario.frequency)
        base = recovery(site, scn, None, prepared)["cost"].groupby("stream").usd.sum()
        for oid in options:
            with_ = recovery(site, scn, None, prepared, under=oid)["cost"]
            with_ = with_.groupby("stream").usd.sum()
            for sid in site.file.streams:
                a, b = float(base.get(sid, 0.0)), float(with_.get(sid, 0.0))
                rows.append(
                    {
                        "option": oid,
                        "scenario": scn.scenario.id,
                        "stream": sid,
                        "cost_without": a,
                        "cost_with": b,
                        "avoided": a - b,
                        "frequency": freq,
                        "annual": (a - b) * freq,
                        "frequency_param": scn.scenario.frequency,
                    }
                )
    cols = [
        "option",
        "scenario",
        "stream",
        "cost_without",
        "cost_with",
        "avoided",
        "frequency",
        "annual",
        "frequency_param",
    ]
    return pd.DataFrame(rows, columns=cols)


def resilience_summary(site: Site, table: pd.DataFrame) -> pd.DataFrame:
    """Each option's resilience value (:func:`resilience_values`) over the
    site's horizon: ``option, events_a_year`` (summed over the scenarios),
    ``avoided_per_year`` (USD/year at full effect) and ``pv`` (USD at the base
    rate, with the option's start and ramp, discounted as the appraisal
    discounts: what including it adds to the option's NPV)."""
    from . import discounting, options
    from .appraisal import model_inputs

    cols = ["option", "events_a_year", "avoided_per_year", "pv"]
    if table is None or not len(table):
        return pd.DataFrame(columns=cols)
    inp = model_inputs(site)
    rate = inp.economy.discount_rates[0][1]
    years = inp.years
    df = discounting.discount_factors(rate, years - inp.base_year)
    rows = []
    for oid, g in table.groupby("option", sort=False):
        opt = inp.options[oid]
        ramp = options.ramp_factor(years, opt.start_year, opt.ramp_up_years)
        annual = float(g.annual.sum())
        events = float(g.drop_duplicates("scenario").frequency.sum())
        rows.append(
            {
                "option": oid,
                "events_a_year": events,
                "avoided_per_year": annual,
                "pv": float((annual * ramp * df).sum()),
            }
        )
    return pd.DataFrame(rows, columns=cols)
