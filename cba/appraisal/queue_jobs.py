"""Queue evaluations of an appraisal: every stream and option in one vectorised call.

A stream's queue is its arrival profile and its ordered stages (primary
inspection, secondary inspection); an option changes a stage's servers,
processing rate or referral share (:func:`apply_changes`). :func:`run_queue_jobs`
evaluates many (stream, option) queues at once with
:func:`cba.queueing.two_stage_hourly_waits` at anchor years
(:func:`anchor_periods`) and interpolates the daily delay in between.

Array shapes: ``J`` jobs, ``D`` draws, ``A`` anchor periods, ``T`` periods,
``H = 24`` hours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import cache, options, queueing
from ..exceptions import ModelDomainError
from ..vocab import HOURS, MINUTES_PER_HOUR
from .inputs import ChangeInputs, StreamInputs

__all__ = [
    "ANCHOR_STEP",
    "StageQueue",
    "StreamQueue",
    "stream_queue",
    "apply_changes",
    "anchor_periods",
    "QueueJob",
    "run_queue_jobs",
]

#: Years between the periods at which the queue model runs (see :func:`anchor_periods`).
ANCHOR_STEP = 3


@dataclass(frozen=True)
class StageQueue:
    """Queue inputs of one stage, each broadcastable to ``(D, 1, H)``.

    ``servers`` [booths], ``services_per_hour`` (60 / processing minutes)
    [vehicles/hour/booth], ``cv`` (None: exponential) [/1], ``share`` of
    the vehicles of its main stage that reach a ``side`` stage [/1].
    """

    name: str
    servers: np.ndarray
    services_per_hour: np.ndarray
    cv: np.ndarray | None
    share: np.ndarray
    side: bool = False
    #: Booths of the status quo's schedule that grow with workload (within
    #: ``lanes``) as traffic grows from the base period; None: fixed.
    grown: np.ndarray | None = None
    #: Lanes that exist for this stage, ``(D, 1, 1)``; None: no limit.
    lanes: np.ndarray | None = None


@dataclass(frozen=True)
class StreamQueue:
    """A stream's arrival profile ``(1, 1, H)`` (sums to 1) and its stages in order."""

    profile: np.ndarray
    stages: tuple[StageQueue, ...]

    def stage(self, name: str) -> StageQueue:
        """The stage called ``name``."""
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def with_stage(self, stage: StageQueue) -> StreamQueue:
        """The same queue with the stage of that name replaced."""
        return StreamQueue(
            self.profile,
            tuple(stage if s.name == stage.name else s for s in self.stages),
        )


def stream_queue(stream: StreamInputs) -> StreamQueue:
    """The queue inputs of a stream's status quo (its primary booths, and Mexican
    export modules, grow with workload within the lanes that exist)."""
    prof = stream.arrival_profile
    prof = prof / prof.sum()
    lanes = {"primary": stream.lanes, "mx_export": stream.export_lanes}

    def stage(st):
        servers = st.servers[:, None, :]
        limit = lanes.get(st.name)
        return StageQueue(
            name=st.name,
            servers=servers,
            services_per_hour=(MINUTES_PER_HOUR / st.minutes)[:, None, None],
            cv=None if st.cv is None else st.cv[:, None, None],
            share=st.share[:, None, None],
            side=st.side,
            grown=servers if limit is not None else None,
            lanes=None if limit is None else limit[:, None, None],
        )

    stages = tuple(stage(st) for st in stream.stages)
    return StreamQueue(profile=prof[None, None, :], stages=stages)


def apply_changes(queue: StreamQueue, changes: list[ChangeInputs]) -> StreamQueue:
    """A stream's queue under an option's changes, applied in turn.

    Extra booths add to primary, processing factors divide its rate, referral
    factors multiply the secondary share (see :func:`cba.options.changed_stage`).
    """
    if not changes:
        return queue
    primary, secondary = queue.stage("primary"), queue.stage("secondary")
    booths, services, referral = options.changed_stage(
        primary.servers,
        primary.services_per_hour,
        secondary.share,
        extra_booths=[ch.extra_booths for ch in changes],
        processing_factors=[ch.processing_factor for ch in changes],
        referral_factors=[ch.secondary_referral_factor for ch in changes],
    )
    out = queue.with_stage(
        replace(primary, servers=booths, services_per_hour=services)
    ).with_stage(replace(secondary, share=referral))
    factors = [
        ch.export_exam_factor for ch in changes if ch.export_exam_factor is not None
    ]
    if factors:
        exam = out.stage("mx_exam")
        share = exam.share
        for f in factors:
            share = np.clip(share * f[:, None, None], 0.0, 1.0)
        out = out.with_stage(replace(exam, share=share))
    return out


def anchor_periods(n_periods: int, step: int = ANCHOR_STEP) -> np.ndarray:
    """Periods at which the queue is evaluated; delay in between is interpolated.

    Periods 0, 1, 2 and then every ``step`` years, plus the last period.

    Examples
    --------
    >>> anchor_periods(21).tolist()
    [0, 1, 2, 5, 8, 11, 14, 17, 20]
    """
    pts = (
        set(range(0, min(3, n_periods)))
        | set(range(2, n_periods, step))
        | {n_periods - 1}
    )
    return np.array(sorted(pts))


@dataclass(frozen=True)
class QueueJob:
    """One queue to evaluate: a stream's queue and its daily volumes ``(D, T)``.

    ``scale`` ``(D, 1)``, optional: the queue sees the volumes times ``scale``
    (then capped), while delay is charged to the actual number of vehicles.
    """

    queue: StreamQueue
    daily_volume: np.ndarray
    scale: np.ndarray | None = None
    #: Index (in the job list) of the job whose base-period time per vehicle
    #: is this job's reference for users' response (the status quo of the same
    #: stream and day); None: the job itself.
    reference: int | None = None
    #: Share of the trips not made at their usual hour that are made at a
    #: quieter hour of the same day (peak spreading), ``(D, 1)``; None: none.
    spread: np.ndarray | None = None
    #: Share of today's spare capacity the re-timed trips may fill, ``(D, 1)``;
    #: needed with ``spread``.
    spread_fill: np.ndarray | None = None

    def __post_init__(self):
        if self.spread is not None and self.spread_fill is None:
            raise ValueError("a queue job with 'spread' needs 'spread_fill'")


def _cv(stage: StageQueue):
    return 1.0 if stage.cv is None else stage.cv


def run_queue_jobs(
    jobs: list[QueueJob],
    anchors: np.ndarray,
    n_periods: int,
    response: np.ndarray | None = None,
) -> list[tuple]:
    """Evaluate several streams/options in one vectorised queue call.

    The queue runs at the anchor periods only; daily delay at other periods is
    interpolated linearly in time (volumes change smoothly from year to year).

    ``response`` (D, 1): users who respond. The share ``m`` of a day's trips
    made at their usual hour is ``exp(-response x max(0, T - T0))``, with ``T``
    the mean time per vehicle at the crossing [hours] and ``T0`` the reference
    job's in the base period. Of the others, the job's ``spread`` share
    crosses at a quieter hour of the same day (spread over the hours in
    proportion to the spare capacity of the reference's first main stage in
    the base period, filling at most the job's ``spread_fill`` of it) and the rest
    are lost to this crossing (diverted to another or forgone; the caller
    splits them). Solved as a fixed point (regula falsi, Illinois variant, on
    ``m``) at every anchor. None: every trip is made as usual.

    Returns
    -------
    list of (delay (D, T), shown wait (D, H) in the first year of operation,
    trips made (D, T), trips lost (D, T), stage waits {stage: (D,)})
        Delay in vehicle-hours per day of the trips made here; shown wait =
        mean time at the crossing per vehicle by arrival hour [hours], NaN in
        hours with no arrivals; trips made here a day (at their usual hour or
        a quieter one) and trips lost to the crossing a day (the two add up to
        the daily volume); each stage's mean wait in the first year of
        operation over the vehicles that reach it [hours].
    """
    if not jobs:
        return []
    # the same queues asked again in this process (an appraisal repeated
    # after a change that no queue sees) are read back, not solved again
    key = cache.content_key(
        "run_queue_jobs", jobs, np.asarray(anchors), int(n_periods), response
    )
    return cache.recent(
        key, lambda: _run_queue_jobs(jobs, anchors, n_periods, response)
    )


def _run_queue_jobs(jobs, anchors, n_periods, response):
    """:func:`run_queue_jobs`, computed."""
    out: list = [None] * len(jobs)
    groups: dict[tuple, list[int]] = {}
    for j, job in enumerate(jobs):
        names = tuple((s.name, s.side) for s in job.queue.stages)
        if not names or names[0][1] or "primary" not in [n for n, _ in names]:
            raise ModelDomainError(
                "a stream's stages start with a main stage and include primary; got "
                f"{[s.name for s in job.queue.stages]}"
            )
        groups.setdefault(names, []).append(j)
    for idx in groups.values():
        local = {j: i for i, j in enumerate(idx)}
        refs = [
            local.get(jobs[j].reference, i) if jobs[j].reference is not None else i
            for i, j in enumerate(idx)
        ]
        part = _run_group([jobs[j] for j in idx], anchors, n_periods, response, refs)
        for j, res in zip(idx, part, strict=True):
            out[j] = res
    return out


#: Most steps of the users' response fixed point, and its tolerance (on
#: ``m - exp(-b (T - T0))``, or the width of the bracket on the share made).
RESPONSE_ITERATIONS, RESPONSE_TOLERANCE = 40, 1e-6


def _run_group(jobs, anchors, n_periods, response, refs):
    """:func:`run_queue_jobs` for jobs whose streams have the same stages."""
    seen = [
        (
            job.queue,
            job.daily_volume * job.scale if job.scale is not None else job.daily_volume,
            job.daily_volume,
        )
        for job in jobs
    ]
    shape = (len(seen),) + seen[0][1][:, anchors].shape + (HOURS,)

    def stack(fn):
        return np.stack(
            [np.broadcast_to(fn(st, vol), shape[1:]) for st, vol, _ in seen]
        )

    demand = stack(lambda st, vol: vol[:, anchors, None] * st.profile)  # (J,D,A,H)
    # Workload growth from the base period of the reference (status-quo) job:
    # the schedule's booths grow with it, rounded, within the lanes.
    volume = demand.sum(axis=-1)  # (J, D, A)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref_volume = volume[refs]
        growth = np.where(
            ref_volume[:, :, :1] > 0,
            ref_volume / np.where(ref_volume[:, :, :1] > 0, ref_volume[:, :, :1], 1.0),
            1.0,
        )[..., None]  # (J, D, A, 1)

    def servers_of(st, i, j):
        stage = st.stages[i]
        c = np.broadcast_to(stage.servers, shape[1:])
        if stage.grown is None or stage.lanes is None:
            return c
        extra = np.round(np.broadcast_to(stage.grown, shape[1:]) * (growth[j] - 1.0))
        grown = c + np.maximum(extra, 0.0)
        return np.minimum(grown, np.maximum(np.broadcast_to(stage.lanes, shape[1:]), c))

    n_stages = len(seen[0][0].stages)
    stages, mus, shares = [], [], []
    for i in range(n_stages):
        side = seen[0][0].stages[i].side
        mu = stack(lambda st, vol, i=i: st.stages[i].services_per_hour)
        share = stack(lambda st, vol, i=i: st.stages[i].share)
        stages.append(
            queueing.TandemStage(
                np.stack([servers_of(st, i, j) for j, (st, _v, _a) in enumerate(seen)]),
                mu,
                stack(lambda st, vol, i=i: _cv(st.stages[i])),
                share,
                side,
            )
        )
        mus.append(mu)
        shares.append(share)

    servers = [np.asarray(st.servers, dtype=float) for st in stages]
    cvs = [np.asarray(st.cv, dtype=float) for st in stages]

    spread = np.stack(
        [
            np.broadcast_to(
                0.0 if job.spread is None else np.asarray(job.spread, dtype=float),
                (shape[1], 1),
            )
            for job in jobs
        ]
    )  # (J, D, 1)
    spread = np.broadcast_to(spread, shape[:-1])
    fill = np.stack(
        [
            np.broadcast_to(
                0.0
                if job.spread_fill is None
                else np.asarray(job.spread_fill, dtype=float),
                (shape[1], 1),
            )
            for job in jobs
        ]
    )  # (J, D, 1)
    # Where spread trips go: the hours with spare capacity at the first main
    # stage of the reference job in the base period (its demand otherwise).
    cap = (servers[0] * mus[0])[refs][:, :, :1]  # (J, D, 1, H)
    spare = np.maximum(cap - demand[refs][:, :, :1], 0.0)
    total_spare = spare.sum(axis=-1, keepdims=True)
    profile = demand[refs][:, :, :1]
    profile_total = profile.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        quiet = np.where(
            total_spare > 0,
            spare / np.where(total_spare > 0, total_spare, 1.0),
            profile / np.where(profile_total > 0, profile_total, 1.0),
        )
    quiet = np.broadcast_to(quiet, shape)
    # Trips re-timed fill at most the share ``fill`` of today's spare capacity:
    # the quiet hours stay quiet (the others are lost to the crossing).
    room = np.broadcast_to(fill * total_spare[..., 0], shape[:-1])

    def moved(made, sel):
        """Trips a day re-timed to quieter hours, on the rows ``sel``."""
        return np.minimum(spread[sel] * (1.0 - made[sel]) * volume[sel], room[sel])

    def solve(made, rows=None, full=False):
        """Time per vehicle by hour with the share ``made`` of trips made at
        their usual hour, on the (job, draw, anchor) rows given (all when None);
        with ``full`` also the stage-by-stage result."""
        if rows is None:
            sel = (slice(None),) * 3
        else:
            sel = rows
        arrivals = (
            demand[sel] * made[sel][..., None]
            + moved(made, sel)[..., None] * quiet[sel]
        )
        res = queueing.tandem_hourly_waits(
            arrivals,
            [
                queueing.TandemStage(c[sel], mu[sel], cv[sel], sh[sel], st.side)
                for c, mu, cv, sh, st in zip(
                    servers, mus, cvs, shares, stages, strict=True
                )
            ],
        )
        tpv = 0.0
        for i, st in enumerate(stages):
            t = res.stage_waits[i] + 1.0 / mus[i][sel]
            tpv = tpv + (shares[i][sel] * t if st.side else t)
        if full:
            return arrivals, tpv, res
        return arrivals, tpv

    mus = [np.broadcast_to(m, shape) for m in mus]
    shares = [np.broadcast_to(x, shape) for x in shares]
    servers = [np.broadcast_to(c, shape) for c in servers]
    cvs = [np.broadcast_to(c, shape) for c in cvs]
    made = np.ones(shape[:-1])  # share of trips made at their usual hour, (J, D, A)
    arrivals, time_per_vehicle = solve(made)
    arrivals, time_per_vehicle = np.array(arrivals), np.array(time_per_vehicle)
    if response is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_t = np.where(
                volume > 0, (demand * time_per_vehicle).sum(axis=-1) / volume, 0.0
            )
        t0 = mean_t[refs][:, :, :1]  # (J, D, 1): the reference's base period
        beta = np.broadcast_to(
            np.asarray(response, dtype=float).reshape(1, -1, 1), made.shape
        )
        t0 = np.broadcast_to(t0, made.shape)
        # f(m) = m - exp(-b max(0, T(m) - T0)) rises with the share made m
        # (more trips, longer times: every day that does not settle reports
        # the same run, so T is continuous and does not fall as a stage's day
        # reaches its capacity; tests/test_queueing.py), is -exp(...) < 0 at
        # m = 0 (about -1: no queue) and >= 0 at m = 1: the root is bracketed
        # and unique. The Anderson-Bjorck
        # variant of regula falsi keeps the bracket and converges in a few
        # steps where bisection needs fourteen (and in fewer than the Illinois
        # variant); rows stop when |f| is within the tolerance.
        target = np.exp(-beta * np.maximum(mean_t - t0, 0.0))
        lo = np.zeros(made.shape)
        hi = np.ones(made.shape)
        f_lo = np.full(made.shape, -1.0)
        f_hi = 1.0 - target
        last = np.zeros(made.shape, dtype=np.int8)  # end kept last time: -1 lo, 1 hi
        active = f_hi > RESPONSE_TOLERANCE
        trial = made.copy()
        taken = ~active
        for _ in range(RESPONSE_ITERATIONS):
            if not active.any():
                break
            rows = np.nonzero(active)
            a, b, fa, fb = lo[rows], hi[rows], f_lo[rows], f_hi[rows]
            m = np.clip(b - fb * (b - a) / (fb - fa), a, b)
            trial[rows] = m
            a_rows, t_rows = solve(trial, rows)
            v = a_rows.sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                m_t = np.where(v > 0, (a_rows * t_rows).sum(axis=-1) / v, 0.0)
            fm = m - np.exp(-beta[rows] * np.maximum(m_t - t0[rows], 0.0))
            above = fm >= 0.0
            # The result kept is the last point at or below the root (or one
            # within the tolerance): where the time jumps at a share made
            # (a stage that can no longer clear its day), the root is that
            # share, and the side of it that clears is the one that happens.
            take = ~above | (np.abs(fm) <= RESPONSE_TOLERANCE)
            if take.any():
                sub = tuple(r[take] for r in rows)
                made[sub] = m[take]
                arrivals[sub] = a_rows[take]
                time_per_vehicle[sub] = t_rows[take]
                taken[sub] = True
            keep = last[rows]
            # the new point replaces the end of its sign; the end kept twice in
            # a row has its value scaled down (Anderson-Bjorck: by 1 - fm / f
            # of the end replaced, or by half when that is not positive), so
            # that end moves next
            with np.errstate(invalid="ignore", divide="ignore"):
                g_hi = 1.0 - fm / fb  # the lo end kept: its partner fb replaced
                g_lo = 1.0 - fm / fa
            g_hi = np.where(g_hi > 0.0, g_hi, 0.5)
            g_lo = np.where(g_lo > 0.0, g_lo, 0.5)
            hi[rows] = np.where(above, m, b)
            f_hi[rows] = np.where(above, fm, np.where(keep == 1, g_lo * fb, fb))
            lo[rows] = np.where(above, a, m)
            f_lo[rows] = np.where(above, np.where(keep == -1, g_hi * fa, fa), fm)
            last[rows] = np.where(above, -1, 1)
            active[rows] = (np.abs(fm) > RESPONSE_TOLERANCE) & (
                (hi[rows] - lo[rows]) > RESPONSE_TOLERANCE
            )
        # Rows never evaluated below their root (every trial overflowed a
        # stage): all trips but the bracket's lower end are lost.
        if not taken.all():
            rows = np.nonzero(~taken)
            made[rows] = lo[rows]
            a_rows, t_rows = solve(made, rows)
            arrivals[rows] = a_rows
            time_per_vehicle[rows] = t_rows
    delay_a = (arrivals * time_per_vehicle).sum(axis=-1)  # (J, D, A)
    shown = np.where(arrivals > 0, time_per_vehicle, np.nan)
    first = int(np.searchsorted(anchors, min(1, n_periods - 1)))
    # Each stage's mean wait in the first year of operation, over the
    # vehicles that reach it, by the hour they arrive at the crossing (as the
    # time per vehicle adds them up; one more queue call, at that anchor only).
    a_first, _t, res = solve(
        made, (slice(None), slice(None), slice(first, first + 1)), True
    )
    reach = a_first[:, :, 0, :]
    n_reach = reach.sum(axis=-1)
    stage_waits = []
    for i in range(n_stages):
        with np.errstate(invalid="ignore", divide="ignore"):
            stage_waits.append(
                np.where(
                    n_reach > 0,
                    (reach * res.stage_waits[i][:, :, 0, :]).sum(axis=-1)
                    / np.where(n_reach > 0, n_reach, 1.0),
                    0.0,
                )
            )  # (J, D)
    names = [s.name for s in seen[0][0].stages]
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = made + np.where(
            volume > 0,
            moved(made, (slice(None),) * 3) / np.where(volume > 0, volume, 1.0),
            0.0,
        )  # share of the trips made here, at their hour or a quieter one
    # Linear interpolation in time between anchors: period t lies in segment
    # k (anchors[k] <= t < anchors[k + 1]; the last period in the last one)
    # at weight w, and gets d[k] (1 - w) + d[k + 1] w.
    t = np.arange(n_periods)
    if len(anchors) == 1:

        def interpolate(d):
            return np.repeat(d[:, :1], n_periods, axis=1)

    else:
        seg = np.clip(
            np.searchsorted(anchors, t, side="right") - 1, 0, len(anchors) - 2
        )
        w = (t - anchors[seg]) / (anchors[seg + 1] - anchors[seg])

        def interpolate(d):
            return d[:, seg] * (1 - w) + d[:, seg + 1] * w

    out = []
    for j in range(len(seen)):
        actual = seen[j][2]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_vehicle = np.where(
                arrivals[j].sum(axis=-1) > 0,
                delay_a[j] / arrivals[j].sum(axis=-1),
                0.0,
            )
        trips = interpolate(kept[j]) * actual
        lost = interpolate(1.0 - kept[j]) * actual
        out.append(
            (
                interpolate(per_vehicle) * trips,
                shown[j][:, first, :],
                trips,
                lost,
                {name: w[j] for name, w in zip(names, stage_waits, strict=True)},
            )
        )
    return out
