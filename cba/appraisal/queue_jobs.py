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

from .. import options, queueing
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
    """The queue inputs of a stream's status quo."""
    prof = stream.arrival_profile
    prof = prof / prof.sum()
    stages = tuple(
        StageQueue(
            name=st.name,
            servers=st.servers[:, None, :],
            services_per_hour=(MINUTES_PER_HOUR / st.minutes)[:, None, None],
            cv=None if st.cv is None else st.cv[:, None, None],
            share=st.share[:, None, None],
            side=st.side,
        )
        for st in stream.stages
    )
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


def _cv(stage: StageQueue):
    return 1.0 if stage.cv is None else stage.cv


def run_queue_jobs(
    jobs: list[QueueJob],
    anchors: np.ndarray,
    n_periods: int,
    volume_cap: np.ndarray | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Evaluate several streams/options in one vectorised queue call.

    The queue runs at the anchor periods only; daily delay at other periods is
    interpolated linearly in time (volumes change smoothly from year to year).

    ``volume_cap`` (D, 1) limits the traffic the queue sees to that multiple of
    the job's base-period volume: beyond it base staffing is assumed to grow
    with workload, so the time per vehicle stays at its capped level while the
    number of vehicles keeps growing.

    Returns
    -------
    list of (delay (D, T), shown wait (D, H) in the first year of operation)
        Delay in vehicle-hours per day; shown wait = mean time at the crossing
        per vehicle by arrival hour [hours], NaN in hours with no arrivals.
    """
    if not jobs:
        return []
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
        part = _run_group([jobs[j] for j in idx], anchors, n_periods, volume_cap)
        for j, res in zip(idx, part, strict=True):
            out[j] = res
    return out


def _run_group(jobs, anchors, n_periods, volume_cap):
    """:func:`run_queue_jobs` for jobs whose streams have the same stages."""
    scaled = [
        (
            job.queue,
            job.daily_volume * job.scale if job.scale is not None else job.daily_volume,
            job.daily_volume,
        )
        for job in jobs
    ]
    if volume_cap is not None:
        seen = [
            (st, np.minimum(q, volume_cap * q[:, :1]), vol) for st, q, vol in scaled
        ]
    else:
        seen = scaled
    shape = (len(seen),) + seen[0][1][:, anchors].shape + (HOURS,)

    def stack(fn):
        return np.stack(
            [np.broadcast_to(fn(st, vol), shape[1:]) for st, vol, _ in seen]
        )

    arrivals = stack(lambda st, vol: vol[:, anchors, None] * st.profile)
    n_stages = len(seen[0][0].stages)
    stages, mus, shares = [], [], []
    for i in range(n_stages):
        side = seen[0][0].stages[i].side
        mu = stack(lambda st, vol, i=i: st.stages[i].services_per_hour)
        share = stack(lambda st, vol, i=i: st.stages[i].share)
        stages.append(
            queueing.TandemStage(
                stack(lambda st, vol, i=i: st.stages[i].servers),
                mu,
                stack(lambda st, vol, i=i: _cv(st.stages[i])),
                share,
                side,
            )
        )
        mus.append(mu)
        shares.append(share)
    res = queueing.tandem_hourly_waits(arrivals, stages)
    time_per_vehicle = 0.0
    for i, st in enumerate(stages):
        t = res.stage_waits[i] + 1.0 / mus[i]
        time_per_vehicle = time_per_vehicle + (shares[i] * t if st.side else t)
    delay_a = (arrivals * time_per_vehicle).sum(axis=-1)  # (J, D, A)
    shown = np.where(arrivals > 0, time_per_vehicle, np.nan)
    first = int(np.searchsorted(anchors, min(1, n_periods - 1)))
    t = np.arange(n_periods)
    out = []
    for j in range(len(seen)):
        queued, actual = seen[j][1], seen[j][2]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_vehicle = np.where(
                queued[:, anchors] > 0, delay_a[j] / queued[:, anchors], 0.0
            )
        d = per_vehicle
        full = np.empty((d.shape[0], n_periods))
        for k in range(len(anchors) - 1):  # a loop over a handful of year segments
            a0, a1 = anchors[k], anchors[k + 1]
            w = (t[a0 : a1 + 1] - a0) / (a1 - a0)
            full[:, a0 : a1 + 1] = d[:, k : k + 1] * (1 - w) + d[:, k + 1 : k + 2] * w
        if len(anchors) == 1:
            full[:] = d[:, :1]
        out.append((full * actual, shown[j][:, first, :]))
    return out
