"""Users who respond (instead of a cap on the traffic a queue sees), staffing
that grows with workload within the lanes, and the rule of half."""

from __future__ import annotations

import numpy as np
import pytest

from cba.appraisal.flows import _over_day_types
from cba.appraisal.inputs import DayType
from cba.appraisal.queue_jobs import (
    RESPONSE_TOLERANCE,
    QueueJob,
    StageQueue,
    StreamQueue,
    run_queue_jobs,
)

from .test_queueing import _block


def _queue(booths, lanes=None, grown=True):
    prof = _block(0.2, h6_20=1.0)
    prof = prof / prof.sum()
    servers = np.asarray(booths, dtype=float).reshape(1, 1, -1)
    lane = None if lanes is None else np.full((1, 1, 1), float(lanes))
    return StreamQueue(
        profile=prof[None, None, :],
        stages=(
            StageQueue(
                "primary",
                servers,
                np.full((1, 1, 1), 12.0),
                None,
                np.ones((1, 1, 1)),
                grown=servers if (grown and lanes is not None) else None,
                lanes=lane,
            ),
            StageQueue(
                "secondary",
                np.full((1, 1, 1), 20.0),
                np.full((1, 1, 1), 6.0),
                None,
                np.full((1, 1, 1), 0.05),
                side=True,
            ),
        ),
    )


def _growing(daily, years=10, rate=0.06):
    return (daily * (1 + rate) ** np.arange(years))[None, :]


def test_no_response_every_trip_is_made():
    job = QueueJob(_queue(np.full(24, 4), lanes=4), _growing(600.0))
    ((delay, _w, trips, _lost, _s),) = run_queue_jobs(
        [job], np.array([0, 3, 6, 9]), 10, None
    )
    np.testing.assert_allclose(trips, _growing(600.0), rtol=1e-12)


def test_trips_made_are_the_fixed_point_of_the_response_and_never_exceed_demand():
    """Lanes full from the start: traffic growth lengthens queues and users give
    up trips; at every anchor the share made is exp(-b (T - T0)) of its own
    time T (to the solver's tolerance), and made + given up = demand."""
    demand = _growing(600.0)
    anchors = np.array([0, 3, 6, 9])
    beta = np.array([0.3])
    job = QueueJob(_queue(np.full(24, 4), lanes=4), demand)
    ((delay, _w, trips, lost, _s),) = run_queue_jobs([job], anchors, 10, beta)
    made = trips / demand
    assert made[0, 0] == pytest.approx(1.0, abs=1e-12)  # the base year is today
    assert (made <= 1.0 + 1e-12).all() and made[0, -1] < 0.9
    np.testing.assert_allclose(trips + lost, demand, rtol=0, atol=1e-9)
    # the fixed point at the anchors: time per trip made from delay / trips
    t = delay[0, anchors] / trips[0, anchors]
    np.testing.assert_allclose(
        made[0, anchors], np.exp(-0.3 * np.maximum(t - t[0], 0.0)), atol=1e-6
    )
    # no response: every trip made and longer times
    ((delay0, _w0, trips0, _l0, _s0),) = run_queue_jobs([job], anchors, 10, None)
    assert (delay0[0, anchors] / trips0[0, anchors] >= t - 1e-9).all()
    assert RESPONSE_TOLERANCE <= 1e-6


def test_staffing_grows_with_workload_within_the_lanes():
    """With free lanes the schedule's booths grow with traffic and the time per
    trip stays about today's; with every lane staffed it grows."""
    demand = _growing(600.0)
    anchors = np.array([0, 3, 6, 9])
    free = QueueJob(_queue(np.full(24, 4), lanes=12), demand)
    full = QueueJob(_queue(np.full(24, 4), lanes=4), demand)
    (d_free, _a, v_free, _lf, _sf), (d_full, _b, v_full, _lu, _su) = run_queue_jobs(
        [free, full], anchors, 10, None
    )
    t_free = d_free[0, anchors] / v_free[0, anchors]
    t_full = d_full[0, anchors] / v_full[0, anchors]
    assert t_free[0] == pytest.approx(t_full[0], rel=1e-12)
    assert t_full[-1] > 2 * t_free[-1]
    assert t_free[-1] < 1.5 * t_free[0]


def test_rule_of_half_against_a_hand_calculation():
    """Status quo: 100 trips of 1 hour; option: 120 trips of 0.5 hour (20 more
    made). Time saved = (100 + 120) / 2 x (1 - 0.5) = 55 vehicle-hours a day."""

    class Inp:
        day_types = (DayType("average", 1.0),)
        streams = {"s": None}

    one = np.ones((1, 1))
    raw = {
        (0, "status_quo", "s"): (
            100.0 * one,
            np.full((1, 24), 1.0),
            100.0 * one,
            30.0 * one,
            {"primary": np.array([0.9])},
        ),
        (0, "opt", "s"): (
            60.0 * one,
            np.full((1, 24), 0.5),
            120.0 * one,
            10.0 * one,
            {"primary": np.array([0.4])},
        ),
    }
    out = _over_day_types(Inp(), raw)
    delay, _shown, _peak, saved, trips, lost, stages, _p95 = out[("opt", "s")]
    assert float(stages["primary"][0]) == pytest.approx(0.4)
    assert float(saved[0, 0]) == pytest.approx(55.0, abs=1e-12)
    assert float(trips[0, 0]) == 120.0 and float(delay[0, 0]) == 60.0
    assert float(lost[0, 0]) == 10.0
    assert float(out[("status_quo", "s")][3][0, 0]) == 0.0


def test_spread_trips_move_to_quiet_hours_and_every_vehicle_is_accounted_for():
    """With peak spreading, a share of the trips that leave their hour cross at
    a quieter one: more trips are made here than without it, the trips made and
    lost add up to demand (to 1e-9), and the spread trips shorten no queue."""
    demand = _growing(600.0)
    anchors = np.array([0, 3, 6, 9])
    beta = np.array([0.3])
    # a peaked day: lanes full at the peak, spare capacity at night
    plain = QueueJob(_queue(np.full(24, 4), lanes=4), demand)
    half = np.full((1, 1), 0.5)
    spread = QueueJob(
        _queue(np.full(24, 4), lanes=4), demand, spread=half, spread_fill=half
    )
    # re-timed trips may fill no spare capacity: as without spreading
    none = QueueJob(
        _queue(np.full(24, 4), lanes=4),
        demand,
        spread=half,
        spread_fill=np.zeros((1, 1)),
    )
    (d0, _w0, v0, x0, _s0), (d1, _w1, v1, x1, _s1), (d2, *_r2) = run_queue_jobs(
        [plain, spread, none], anchors, 10, beta
    )
    np.testing.assert_allclose(d2, d0, rtol=1e-12)
    np.testing.assert_allclose(v1 + x1, demand, rtol=0, atol=1e-9)
    np.testing.assert_allclose(v0 + x0, demand, rtol=0, atol=1e-9)
    assert (v1[0, 1:] > v0[0, 1:]).all() and (x1[0, 1:] < x0[0, 1:]).all()
    assert (d1 >= d0 - 1e-9).all()


def test_diverted_and_forgone_trips_add_up_to_demand_on_a_shipped_site():
    """Every stream and option of a site with siblings: trips made here +
    diverted to the sibling + forgone = the daily volume, to 1e-9."""
    from cba.appraisal import model_inputs
    from cba.appraisal.flows import _diverted, queue_under, within_lanes
    from cba.appraisal.queue_jobs import anchor_periods, stream_queue
    from cba.appraisal.traffic import volume_paths
    from cba.params import load_site

    site = load_site("parameters/sites/pharr_reynosa.yaml")
    inp = model_inputs(site)
    vols = volume_paths(inp)
    days = inp.economy.days_per_year[:, None]
    T = len(inp.years)
    for sid, stream in inp.streams.items():
        assert stream.sibling is not None
        for oid in inp.options:
            q = stream_queue(stream)
            if oid != "status_quo":
                q = within_lanes(inp, oid, sid, queue_under(inp, oid, sid, q))
            job = QueueJob(
                q,
                vols[sid] / days,
                spread=inp.economy.peak_spread_share[:, None],
                spread_fill=inp.economy.peak_spread_fill[:, None],
            )
            ((_d, _w, made, lost, _s),) = run_queue_jobs(
                [job],
                anchor_periods(T),
                T,
                inp.economy.trips_lost_per_hour_of_delay,
            )
            diverted, _added = _diverted(stream, lost)
            forgone = lost - diverted
            assert (forgone >= -1e-12).all()
            np.testing.assert_allclose(
                made + diverted + forgone, vols[sid] / days, rtol=0, atol=1e-9
            )


def test_a_stage_that_cannot_clear_its_day_does_not_run_away():
    """Secondary inspection (1 booth, 6 an hour, 5 % referred) can serve 144
    referrals a day, i.e. 2,880 trips; demand grows past that. The response
    settles with a time per trip of hours, not the runaway queue of a day
    that cannot clear, and every vehicle is accounted for."""
    demand = _growing(2600.0, rate=0.08)
    anchors = np.array([0, 3, 6, 9])
    q = _queue(np.full(24, 30), lanes=40)
    sec = q.stage("secondary")
    from dataclasses import replace as _replace

    q = q.with_stage(_replace(sec, servers=np.full((1, 1, 1), 1.0)))
    job = QueueJob(
        q, demand, spread=np.full((1, 1), 0.3), spread_fill=np.full((1, 1), 0.5)
    )
    ((delay, _w, trips, lost, _s),) = run_queue_jobs(
        [job], anchors, 10, np.array([0.1])
    )
    per_trip = delay[0, anchors] / trips[0, anchors]
    assert (per_trip < 24.0).all(), per_trip
    assert lost[0, -1] > 0
    np.testing.assert_allclose(trips + lost, demand, rtol=0, atol=1e-9)


@pytest.mark.parametrize("site_id", ["pharr_reynosa", "nogales_mariposa"])
def test_stage_waits_add_up_to_the_time_at_the_crossing(site_id):
    """Per stage and end to end agree: in the first year of operation, the
    waits at each stage plus its processing (side stages times their share)
    add up to the mean time per vehicle at the crossing (delay / trips)."""
    from cba.appraisal import appraise, model_inputs
    from cba.params import load_site

    site = load_site(f"parameters/sites/{site_id}.yaml")
    a = appraise(site)
    inp = model_inputs(site)
    year = site.info.base_year + 1
    for oid in ("status_quo",):
        for sid, stream in inp.streams.items():
            w = a.stage_waits
            w = w[(w.option == oid) & (w.stream == sid)].set_index("stage")
            total = 0.0
            for st in stream.stages:
                t = float(w.loc[st.name, "wait_minutes"]) + float(st.minutes[0])
                total += float(st.share[0]) * t if st.side else t
            d = a.delay
            d = d[(d.option == oid) & (d.stream == sid) & (d.year == year)]
            r = a.responses
            r = r[(r.option == oid) & (r.stream == sid) & (r.year == year)]
            per = (
                60.0
                * float(d.delay_vehicle_hours_per_day.iloc[0])
                / float(r.trips_made_per_day.iloc[0])
            )
            assert total == pytest.approx(per, rel=2e-3), (sid, total, per)


def test_a_job_that_spreads_trips_must_say_how_much_spare_capacity_they_fill():
    with pytest.raises(ValueError, match="spread_fill"):
        QueueJob(
            _queue(np.full(24, 4), lanes=4), _growing(600.0), spread=np.ones((1, 1))
        )
