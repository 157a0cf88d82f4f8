"""Cash flows of every option of a site, for one block of draws.

For each option the queue gives the daily delay with and without it; the
delay saved, phased in by the option's ramp, is valued as travel time
(occupants x value of time), cargo inventory time, idle fuel at its resource
cost and idle emissions (air quality; CO2 behind its switch), split between US
and Mexican users. Each part of an option books its officer time and its own
costs with its own payers; a toll surcharge is a transfer from users to its
recipient. Every flow is a :class:`Flow` of shape ``(D, T)``.

Main function: :func:`option_flows`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import (
    benefits,
    costs,
    emissions,
    funding,
    options,
    queueing,
    staffing,
    uncertainty,
)
from ..vocab import DAYS_OF_WEEK, POLLUTANTS
from .inputs import Inputs, OptionInputs
from .queue_jobs import (
    QueueJob,
    anchor_periods,
    apply_changes,
    run_queue_jobs,
    stream_queue,
)

__all__ = [
    "Flow",
    "FlowBlock",
    "option_volumes",
    "option_flows",
    "staffed_for_day",
    "within_lanes",
    "queue_under",
    "delay_values",
]

#: Quantile of the year's days shown beside the mean wait by hour.
DAYS_QUANTILE = 0.95

#: Key prefix of an option's queue on days its reimbursed hours are displaced.
DISPLACED = "displaced:"


@dataclass(frozen=True)
class Flow:
    """A booked cash flow: option, side, component, stakeholder, value (D, T) [USD]."""

    option: str
    side: str
    component: str
    stakeholder: str
    value: np.ndarray


@dataclass(frozen=True)
class FlowBlock:
    """What one block of draws adds to an appraisal.

    ``flows``: booked cash flows; ``waits``: (option, stream, shown wait (D, H)
    [hours]); ``delay``: (option, stream, daily delay (D, T) [vehicle-hours]);
    ``crossings``: option -> tolled crossings a year (D, T) [vehicles];
    ``peak_waits``: as ``waits``, on the busiest day type; ``responses``:
    (option, stream, trips made here, trips lost to the crossing, vehicles
    diverted to the sibling crossing (all a day, (D, T) [vehicles]), delay
    they add there a day (D, T) [vehicle-hours]).
    """

    flows: list[Flow]
    waits: list[tuple[str, str, np.ndarray]]
    delay: list[tuple[str, str, np.ndarray]]
    crossings: dict[str, np.ndarray]
    peak_waits: list[tuple[str, str, np.ndarray]] = ()
    responses: tuple[tuple, ...] = ()
    #: (option, stream, stage, mean wait at the stage (D,) [hours]) in the first
    #: year of operation, options at full effect, over the year's vehicles.
    stage_waits: tuple[tuple, ...] = ()
    #: (option, stream, wait by hour exceeded on 5 % of the year's days (D, H)
    #: [hours]), as ``waits``.
    days_p95_waits: tuple[tuple, ...] = ()


def _book(
    rows: list, oid: str, side: str, component: str, stakeholder: str, arr
) -> None:
    rows.append(Flow(oid, side, component, stakeholder, np.asarray(arr, dtype=float)))


def option_volumes(
    inp: Inputs, oid: str, vols: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Stream volumes under option ``oid``: traffic shifts of each part, in order."""
    shifts = []
    for part in inp.options[oid].parts:
        shifts.append(
            [
                (sid, ch.shift_to, ch.shift_share)
                for sid, ch in inp.options[part].changes.items()
                if ch.shift_to is not None
            ]
        )
    return options.shift_traffic(vols, shifts)


def queue_under(
    inp: Inputs,
    oid: str,
    sid: str,
    queue,
    displaced: bool = False,
    days: tuple[str, ...] = DAYS_OF_WEEK,
):
    """The stream's queue under option ``oid`` on ``days`` (the booths its
    windows add on them); with ``displaced``, on a day when its reimbursed
    officer-hours replace regular ones (their booths not added)."""
    changes = [
        replace(
            ch,
            extra_booths=None if displaced and ch.reimbursed else ch.booths_on(days),
            windows=(),
        )
        for p in inp.options[oid].parts
        if (ch := inp.options[p].changes.get(sid)) is not None
    ]
    return apply_changes(queue, changes)


def staffed_for_day(dt, stream, queue):
    """The stream's status-quo queue on day type ``dt``: with staffing that
    follows the season, each hour's booths (primary, and Mexican export
    modules) scale with the day's traffic, rounded, within the lanes that
    exist; otherwise the schedule as given."""
    f = dt.factor(stream.id)
    if not dt.staffing_follows or np.all(np.asarray(f) == 1.0):
        return queue
    f = np.reshape(f, (-1, 1, 1)) if np.ndim(f) else f
    out = queue
    for name, lanes in (("primary", stream.lanes), ("mx_export", stream.export_lanes)):
        if lanes is None or name not in [s.name for s in queue.stages]:
            continue
        st = out.stage(name)
        # Hours the schedule staffs keep at least one booth on a day with
        # traffic (a quiet Sunday's rounding must not close the port).
        booths = np.where(
            (st.servers > 0) & (np.asarray(f) > 0),
            np.maximum(np.round(st.servers * f), 1.0),
            0.0,
        )
        booths = np.minimum(lanes[:, None, None], booths)
        out = out.with_stage(replace(st, servers=booths, grown=booths))
    return out


def within_lanes(inp: Inputs, oid: str, sid: str, queue):
    """An option's queue with its primary booths within the lanes that exist
    plus those its parts build."""
    stream = inp.streams[sid]
    built = 0.0
    for p in inp.options[oid].parts:
        ch = inp.options[p].changes.get(sid)
        if ch is not None and ch.extra_lanes is not None:
            built = built + ch.extra_lanes
    lanes = (stream.lanes + built)[:, None, None]
    st = queue.stage("primary")
    return queue.with_stage(
        replace(st, servers=np.minimum(st.servers, lanes), lanes=lanes)
    )


def _same_queue(a, b) -> bool:
    """Whether two stream queues have the same inputs, value for value (False
    when in doubt: a shape that differs is solved, not assumed equal)."""
    if a is b:
        return True

    def same(x, y):
        if x is None or y is None:
            return x is None and y is None
        return np.shape(x) == np.shape(y) and np.array_equal(x, y)

    if not same(a.profile, b.profile) or len(a.stages) != len(b.stages):
        return False
    fields = ("servers", "services_per_hour", "cv", "share", "grown", "lanes")
    return all(
        s.name == t.name
        and s.side == t.side
        and all(same(getattr(s, f), getattr(t, f)) for f in fields)
        for s, t in zip(a.stages, b.stages, strict=True)
    )


def delay_values(inp: Inputs, sid: str) -> dict[str, np.ndarray]:
    """What one vehicle-hour of delay of stream ``sid`` costs, by benefit
    component, with the appraisal's values (the formulas of
    :func:`option_flows` applied to one vehicle-hour): ``travel_time``,
    ``vehicle_time``, ``cargo_time`` (loaded trucks only), ``idle_fuel``,
    ``emissions_air_quality``, ``emissions_co2``. Components a stream does not
    have are left out. [USD/vehicle-hour], each of shape (D,)."""
    eco, s = inp.economy, inp.streams[sid]
    one = np.ones(inp.n_draws)
    out = {
        "travel_time": benefits.time_savings_usd(
            one, s.occupancy, eco.value_of_time[s.value_of_time_class]
        )
    }
    if s.vehicle_time_cost is not None:
        out["vehicle_time"] = one * s.vehicle_time_cost
    if s.cargo_value is not None:
        loaded = 1.0 if s.empty_share is None else 1.0 - s.empty_share
        out["cargo_time"] = benefits.cargo_time_savings_usd(
            one * loaded, s.cargo_value, eco.inventory_carrying_rate
        )
    if s.fuel != "none":
        gal = benefits.fuel_saved_gal(one, s.idle_fuel)
        out["idle_fuel"] = gal * eco.fuel_price[s.fuel]
        emis = 0.0
        for pol in POLLUTANTS:
            t = emissions.emissions_t(gal, eco.emission_rate[(pol, s.fuel)])
            emis = emis + emissions.damage_usd(t, eco.damage_cost[pol])
        out["emissions_air_quality"] = emis
        t_co2 = emissions.emissions_t(gal, eco.emission_rate[("co2", s.fuel)])
        out["emissions_co2"] = (
            emissions.damage_usd(t_co2, eco.damage_cost["co2"]) * eco.value_co2
        )
    return out


def _displaceable(inp: Inputs, oid: str, sid: str) -> bool:
    return any(
        ch.reimbursed and ch.booth_hours_a_day() > 0
        for p in inp.options[oid].parts
        for s, ch in inp.options[p].changes.items()
        if s == sid
    )


def option_flows(
    inp: Inputs, vols: dict[str, np.ndarray], reference: dict[str, float] | None = None
) -> FlowBlock:
    """Cash flows (D, T) of every option, plus waits and delay for display.

    ``vols``: annual volume of each stream (D, T). ``reference``: base-year
    volume of each stream at central values. Booth schedules are set so that
    the status quo reproduces today's reported waits at that traffic; a draw
    whose base-year traffic is higher (or lower) would have had
    correspondingly more (or fewer) booths open to produce those same waits.
    So each draw's queue sees its traffic scaled to the reference in the base
    year (its growth from there is met by booths that grow with workload until
    the lanes are full, then by longer queues and users who give up trips),
    while time savings are counted for the draw's actual vehicles, by the rule
    of half over the trips made with and without the option.
    """
    eco = inp.economy
    days = eco.days_per_year[:, None]
    D = inp.n_draws
    years = inp.years
    base_queues = {sid: stream_queue(s) for sid, s in inp.streams.items()}
    T = len(years)
    anchors = anchor_periods(T)
    scale = {}
    for sid in inp.streams:
        if reference is None:
            scale[sid] = np.ones((D, 1))
        else:
            base = vols[sid][:, :1]
            scale[sid] = np.where(
                base > 0, reference[sid] / np.where(base > 0, base, 1.0), 1.0
            )
    # Every queue evaluation of the site (status quo and each option, on each
    # day type) in one call; each day type's traffic is its factor times the
    # average day's.
    changed: dict[tuple[str, str], object] = {}
    option_vols = {}
    for oid, opt in inp.options.items():
        if opt.kind == "status_quo":
            continue
        ovols = option_volumes(inp, oid, vols)
        option_vols[oid] = ovols
        for sid in inp.streams:
            q = queue_under(inp, oid, sid, base_queues[sid])
            if q is not base_queues[sid] or not np.array_equal(ovols[sid], vols[sid]):
                changed[(oid, sid)] = q
            if _displaceable(inp, oid, sid):
                changed[(DISPLACED + oid, sid)] = queue_under(
                    inp, oid, sid, base_queues[sid], displaced=True
                )
    jobs, keys = [], []
    same: dict[tuple, tuple] = {}
    order = [
        (k, oid, sid)
        for k in range(len(inp.day_types))
        for oid, sid in [("status_quo", s) for s in base_queues] + list(changed)
    ]
    for k, dt in enumerate(inp.day_types):
        staffed = {
            sid: staffed_for_day(dt, inp.streams[sid], q)
            for sid, q in base_queues.items()
        }
        reference = {}
        for sid, q in staffed.items():
            f = dt.column(sid)
            reference[sid] = len(jobs)
            jobs.append(QueueJob(q, vols[sid] * f / days, scale[sid]))
            keys.append((k, "status_quo", sid))
        for oid, sid in changed:
            f = dt.column(sid)
            name = oid.removeprefix(DISPLACED)
            q = queue_under(
                inp, name, sid, staffed[sid], oid != name, days=dt.week_days
            )
            q = within_lanes(inp, name, sid, q)
            ov = option_vols[name][sid]
            if np.array_equal(ov, vols[sid]) and _same_queue(q, staffed[sid]):
                # Nothing changes on this day type (a window on other days):
                # the status quo's result is this job's, not solved again.
                same[(k, oid, sid)] = (k, "status_quo", sid)
                continue
            jobs.append(QueueJob(q, ov * f / days, scale[sid], reference[sid]))
            keys.append((k, oid, sid))
    response = eco.trips_lost_per_hour_of_delay
    spread = eco.peak_spread_share[:, None]
    fill = eco.peak_spread_fill[:, None]
    jobs = [replace(job, spread=spread, spread_fill=fill) for job in jobs]
    solved = dict(zip(keys, run_queue_jobs(jobs, anchors, T, response), strict=True))
    # In the order the day types and options were listed (the sums over day
    # types below add them in that order).
    raw = {key: solved[same.get(key, key)] for key in order}
    results = _over_day_types(inp, raw)
    # Reimbursed officer-hours replace regular ones on a share of the days
    # (the substitution share): on those days the bought booths add nothing.
    sub = eco.staffing_substitution_share[:, None]
    for (oid, sid), displaced in [
        (k, v) for k, v in results.items() if k[0].startswith(DISPLACED)
    ]:
        key = (oid.removeprefix(DISPLACED), sid)
        results[key] = tuple(
            {n: (1.0 - sub[:, 0]) * a[n] + sub[:, 0] * b[n] for n in a}
            if isinstance(a, dict)
            else (1.0 - sub) * a + sub * b
            for a, b in zip(results[key], displaced, strict=True)
        )
        del results[(oid, sid)]
    base_delay = {sid: results[("status_quo", sid)][0] for sid in base_queues}
    base_wait = {sid: results[("status_quo", sid)][1] for sid in base_queues}
    base_peak = {sid: results[("status_quo", sid)][2] for sid in base_queues}
    base_trips = {sid: results[("status_quo", sid)][4] for sid in base_queues}
    base_lost = {sid: results[("status_quo", sid)][5] for sid in base_queues}
    base_stages = {sid: results[("status_quo", sid)][6] for sid in base_queues}
    stage_rows = [
        ("status_quo", sid, name, w)
        for sid in base_queues
        for name, w in base_stages[sid].items()
    ]
    wait_rows, delay_rows, peak_rows, response_rows = [], [], [], []
    days_rows = [
        ("status_quo", sid, results[("status_quo", sid)][7]) for sid in base_queues
    ]
    for sid in base_queues:
        wait_rows.append(("status_quo", sid, base_wait[sid]))
        peak_rows.append(("status_quo", sid, base_peak[sid]))
        delay_rows.append(("status_quo", sid, base_delay[sid]))
        response_rows.append(
            (
                "status_quo",
                sid,
                base_trips[sid],
                base_lost[sid],
                *_diverted(inp.streams[sid], base_lost[sid]),
            )
        )

    value_co2 = eco.value_co2[:, None]
    us_emissions_share = eco.emissions_us_share[:, None]
    rows: list[Flow] = []
    crossings: dict[str, np.ndarray] = {}
    for oid, opt in inp.options.items():
        if opt.kind == "status_quo":
            continue
        ramp = options.ramp_factor(years, opt.start_year, opt.ramp_up_years)[None, :]
        made: dict[str, np.ndarray] = {}  # trips made a day under the option
        for sid, s in inp.streams.items():
            odelay, w, peak, saved, trips, lost, st_waits, p95 = results.get(
                (oid, sid),
                (
                    base_delay[sid],
                    base_wait[sid],
                    base_peak[sid],
                    0.0,
                    base_trips[sid],
                    base_lost[sid],
                    base_stages[sid],
                    results[("status_quo", sid)][7],
                ),
            )
            days_rows.append((oid, sid, p95))
            stage_rows.extend((oid, sid, name, x) for name, x in st_waits.items())
            wait_rows.append((oid, sid, w))
            peak_rows.append((oid, sid, peak))
            # The option's effect phases in linearly (the ramp). Time saved is
            # valued by the rule of half over the trips made with and without
            # it, plus the delay that fewer (or more) diverted vehicles add to
            # the users of the sibling crossing.
            lost = base_lost[sid] + (lost - base_lost[sid]) * ramp
            diverted, sibling_delay = _diverted(s, lost)
            _d0, sibling_delay0 = _diverted(s, base_lost[sid])
            made[sid] = base_trips[sid] + (trips - base_trips[sid]) * ramp
            response_rows.append((oid, sid, made[sid], lost, diverted, sibling_delay))
            saved_per_day = saved * ramp + (sibling_delay0 - sibling_delay)
            delay_rows.append(
                (oid, sid, base_delay[sid] + (odelay - base_delay[sid]) * ramp)
            )
            vh_saved = saved_per_day * days
            occ = s.occupancy[:, None]
            vot = eco.value_of_time[s.value_of_time_class][:, None]
            us = s.users_us_share[:, None]
            time_b = benefits.time_savings_usd(vh_saved, occ, vot)
            _book(rows, oid, "benefit", "travel_time", "users_us", time_b * us)
            _book(rows, oid, "benefit", "travel_time", "users_mx", time_b * (1 - us))
            if s.vehicle_time_cost is not None:
                veh_b = vh_saved * s.vehicle_time_cost[:, None]
                _book(rows, oid, "benefit", "vehicle_time", "users_us", veh_b * us)
                _book(
                    rows, oid, "benefit", "vehicle_time", "users_mx", veh_b * (1 - us)
                )
            if s.cargo_value is not None:
                loaded = 1.0 if s.empty_share is None else 1.0 - s.empty_share[:, None]
                cargo_b = benefits.cargo_time_savings_usd(
                    vh_saved * loaded,
                    s.cargo_value[:, None],
                    eco.inventory_carrying_rate[:, None],
                )
                _book(rows, oid, "benefit", "cargo_time", "users_us", cargo_b * us)
                _book(
                    rows, oid, "benefit", "cargo_time", "users_mx", cargo_b * (1 - us)
                )
            if s.fuel != "none":
                price = eco.fuel_price[s.fuel][:, None]
                gal = benefits.fuel_saved_gal(vh_saved, s.idle_fuel[:, None])
                fuel_b = gal * price
                _book(rows, oid, "benefit", "idle_fuel", "users_us", fuel_b * us)
                _book(rows, oid, "benefit", "idle_fuel", "users_mx", fuel_b * (1 - us))
                emis = 0.0
                for pol in POLLUTANTS:
                    t = emissions.emissions_t(
                        gal, eco.emission_rate[(pol, s.fuel)][:, None]
                    )
                    emis = emis + emissions.damage_usd(t, eco.damage_cost[pol][:, None])
                t_co2 = emissions.emissions_t(
                    gal, eco.emission_rate[("co2", s.fuel)][:, None]
                )
                co2 = (
                    emissions.damage_usd(t_co2, eco.damage_cost["co2"][:, None])
                    * value_co2
                )
                _book(
                    rows,
                    oid,
                    "benefit",
                    "emissions_air_quality",
                    "users_us",
                    emis * us_emissions_share,
                )
                _book(
                    rows,
                    oid,
                    "benefit",
                    "emissions_air_quality",
                    "users_mx",
                    emis * (1 - us_emissions_share),
                )
                _book(
                    rows,
                    oid,
                    "benefit",
                    "emissions_co2",
                    "users_us",
                    co2 * us_emissions_share,
                )
                _book(
                    rows,
                    oid,
                    "benefit",
                    "emissions_co2",
                    "users_mx",
                    co2 * (1 - us_emissions_share),
                )
        # Each part of the option (the option itself unless it is a combination)
        # books its own officer time and costs with its own payers.
        for part_id in opt.parts:
            _book_part_costs(rows, inp, oid, inp.options[part_id], ramp, days, T)
        owner = None if opt.funding_owner is None else inp.options[opt.funding_owner]
        tolled = (
            owner.tolled_streams
            if owner is not None and owner.tolled_streams
            else list(inp.streams)
        )
        crossings[oid] = sum(made[sid] * days for sid in tolled) * (ramp > 0)
        if owner is not None and owner.toll_surcharge is not None:
            toll = owner.toll_surcharge[:, None]
            for sid in owner.tolled_streams:
                us = inp.streams[sid].users_us_share[:, None]
                revenue = funding.toll_revenue_usd(toll, made[sid] * days) * (ramp > 0)
                _book(
                    rows,
                    oid,
                    "transfer",
                    "toll_surcharge",
                    owner.toll_recipient,
                    revenue,
                )
                _book(
                    rows, oid, "transfer", "toll_surcharge", "users_us", -revenue * us
                )
                _book(
                    rows,
                    oid,
                    "transfer",
                    "toll_surcharge",
                    "users_mx",
                    -revenue * (1 - us),
                )
    if len(inp.day_types) == 1:
        peak_rows = days_rows = []  # one day type: its waits are the year's
    return FlowBlock(
        rows,
        wait_rows,
        delay_rows,
        crossings,
        peak_rows,
        tuple(response_rows),
        tuple(stage_rows),
        tuple(days_rows),
    )


def _diverted(stream, lost):
    """Vehicles a day diverted to the stream's sibling crossing out of the
    ``lost`` trips (D, T), and the delay they add there to its own users
    [vehicles/day], [vehicle-hours/day]: per diverted vehicle,
    ``wait / (1 - utilisation)`` (zero without a sibling)."""
    sib = stream.sibling
    if sib is None:
        zero = np.zeros_like(np.asarray(lost, dtype=float))
        return zero, zero
    diverted = sib.diverted_share[:, None] * lost
    per_vehicle = queueing.external_delay_per_arrival_hours(
        sib.wait_minutes[:, None], sib.utilisation[:, None]
    )
    return diverted, diverted * per_vehicle


def _with_bridge(stream, stages: dict) -> dict:
    """The stage waits with the stream's fixed bridge time (``bridge``, the
    same under every option) between the Mexican and the US stages. [hours]"""
    minutes = getattr(stream, "bridge_minutes", None)
    if minutes is None:
        return stages
    out = {n: w for n, w in stages.items() if n.startswith("mx_")}
    out["bridge"] = minutes / 60.0
    out.update((n, w) for n, w in stages.items() if not n.startswith("mx_"))
    return out


def _over_day_types(inp: Inputs, raw: dict) -> dict:
    """Each (option, stream) over the year: its daily delay on the average day
    (the day types' delays weighted by their shares of the year), its shown
    wait by hour (the mean over the year's vehicles), the wait on the busiest
    day type, the time saved against the status quo a day (rule of half: half
    the trips made with and without the option times the time each saves, day
    type by day type), the trips made a day, the trips lost to the crossing a
    day and each stage's mean wait over the year's vehicles.
    [vehicle-hours/day], [hours], [hours], [vehicle-hours/day], [vehicles/day],
    [vehicles/day], {stage: [hours]}; and by hour the wait exceeded on 5 % of
    the year's days (:data:`DAYS_QUANTILE` over the day types weighted by
    their days) [hours]."""
    out = {}
    busiest = max(
        range(len(inp.day_types)),
        key=lambda k: float(
            np.mean(sum(inp.day_types[k].factor(s) for s in inp.streams))
        ),
    )

    def per_trip(d, v):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(v > 0, d / np.where(v > 0, v, 1.0), 0.0)

    for k0, oid, sid in raw:
        if k0 != 0:
            continue
        delay = saved = trips = lost = wsum = wts = 0.0
        by_day = []
        stage_sum: dict = {}
        stage_weight = 0.0
        for k, dt in enumerate(inp.day_types):
            d, w, v, x, sw = raw[(k, oid, sid)]
            d0, _w0, v0, _x0, _s0 = raw[(k, "status_quo", sid)]
            delay = delay + dt.weight * d
            trips = trips + dt.weight * v
            lost = lost + dt.weight * x
            # the stage waits are of the first year of operation: weighted by
            # that year's trips made, as the delay per trip is
            share = dt.weight * v[..., min(1, v.shape[-1] - 1)]
            stage_weight = stage_weight + share
            for name, wait in sw.items():
                stage_sum[name] = stage_sum.get(name, 0.0) + share * wait
            saved = saved + dt.weight * 0.5 * (v0 + v) * (
                per_trip(d0, v0) - per_trip(d, v)
            )
            by_day.append(w)
            vw = dt.weight * dt.column(sid)
            wsum = wsum + vw * np.nan_to_num(w)
            wts = wts + vw * ~np.isnan(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            shown = np.where(wts > 0, wsum / np.where(wts > 0, wts, 1.0), np.nan)
        out[(oid, sid)] = (
            delay,
            shown,
            raw[(busiest, oid, sid)][1],
            saved,
            trips,
            lost,
            _with_bridge(
                inp.streams[sid], {n: w / stage_weight for n, w in stage_sum.items()}
            ),
            uncertainty.weighted_quantile(
                by_day, [dt.weight for dt in inp.day_types], DAYS_QUANTILE
            ),
        )
    return out


def _book_part_costs(
    rows: list, inp: Inputs, oid: str, part: OptionInputs, ramp, days, T: int
) -> None:
    """Officer time for a part's added booth-hours, and the part's own costs.

    Both are booked to ``oid``.
    """
    eco = inp.economy
    # booths are bought on the days the stream's lanes open (none on a day
    # its week closes them)
    booth_hours_added = sum(
        ch.booth_hours_a_day(inp.streams[sid].open_days(inp.n_draws))
        for sid, ch in part.changes.items()
    )
    if part.staffing is not None and np.any(booth_hours_added > 0):
        hours = (
            staffing.officer_hours_per_year(
                np.broadcast_to(booth_hours_added, (inp.n_draws,))[:, None],
                eco.officers_per_booth[:, None],
                days,
            )
            * ramp
        )
        premium = eco.overtime_premium[:, None] if part.staffing.overtime else 1.0
        cost = staffing.staffing_cost_usd(
            hours, eco.officer_hourly_cost[:, None], premium
        )
        if part.staffing.reimbursed_to_cbp:
            _book(rows, oid, "cost", "officer_time", "us_federal", cost)
            _book(rows, oid, "transfer", "staffing_reimbursement", "us_federal", cost)
            _book(
                rows,
                oid,
                "transfer",
                "staffing_reimbursement",
                part.staffing.payer,
                -cost,
            )
        else:
            _book(rows, oid, "cost", "officer_time", part.staffing.payer, cost)
    for c in part.costs:
        if c.kind == "capital":
            spend = (c.year if c.year is not None else part.start_year) - inp.base_year
            outlay, resid = costs.capital_flows(c.amount, c.asset_life_years, spend, T)
            _book(rows, oid, "cost", "capital", c.payer, outlay)
            _book(rows, oid, "cost", "residual_value", c.payer, -resid)
        else:
            _book(
                rows,
                oid,
                "cost",
                "operations",
                c.payer,
                costs.annual_flows(c.amount, ramp[0]),
            )
