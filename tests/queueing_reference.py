"""Numpy reference implementation of the hour-by-hour fluid queue (tests only).

Model family: the pointwise-stationary fluid flow approximation (PSFFA) with a
variance correction of :func:`cba.queueing.hourly_waits`, written as
vectorised numpy over all rows at once. It is the implementation the compiled
kernel (``cba.queueing``'s numba kernel) replaced, kept so that tests can
check the kernel against an independent formulation of the same model.

Main function: :func:`fluid_queue_reference`, with the same arguments and
result as the kernel's ``fluid_queue``: 2-D (rows, hours) arrays of arrivals,
booths, processing rates and Allen-Cunneen factors, and a
:class:`cba.queueing.QueueSettings`. The kernel's docstrings and comments name
the function of this module each of its steps mirrors.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special

from cba.queueing._erlang import ClosureTable
from cba.queueing._kernel import INV_SQRT_2PI, FluidResult


def _table_base(table, servers: np.ndarray) -> np.ndarray:
    """Offset of each booth count's block in the flattened closure table."""
    pos = np.searchsorted(table.counts, np.maximum(servers, 1).astype(np.int64))
    return pos * table.intervals


def _table_evaluate(table, rho: np.ndarray, base: np.ndarray):
    """Return f(rho) and df/drho from the closure table, for 0 <= rho <= 1."""
    n = table.intervals
    u = rho * n
    i = np.minimum(u.astype(np.intp), n - 1)
    s = u - i
    j = base + i
    a1, a2, a3 = table.a1.take(j), table.a2.take(j), table.a3.take(j)
    f = ((a3 * s + a2) * s + a1) * s + table.a0.take(j)
    fp = ((3.0 * a3 * s + 2.0 * a2) * s + a1) * n
    return f, fp


def _utilisation_cap(x, inv_c, settings):
    """Upper end of the bracket of rho: min(x / c, rho_max); 0 when c = 0."""
    return np.minimum(x * inv_c, settings.rho_max)


def _solve_utilisation(x, c, inv_c, k, base, table, rho_start, settings):
    """Invert x = c rho + k f(rho) / (1 - rho) for rho, to full precision.

    Safeguarded Newton on h(rho) = (1 - rho)(x - c rho) - k f(rho), which is
    strictly decreasing on the bracket [0, min(1, x/c)] and changes sign on
    it; a step leaving the bracket is replaced by bisection. Rows with c = 0
    get rho = 0. Returns rho, f(rho) and f'(rho).
    """
    hi = _utilisation_cap(x, inv_c, settings)
    lo = np.zeros_like(hi)
    rho = np.clip(rho_start, lo, hi)
    for _ in range(settings.newton_max_iter):
        f, fp = _table_evaluate(table, rho, base)
        free = x - c * rho
        h = (1.0 - rho) * free - k * f
        dh = -free - c * (1.0 - rho) - k * fp
        above = h > 0.0
        lo = np.where(above, rho, lo)
        hi = np.where(above, hi, rho)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = rho - h / dh
        inside = (new >= lo) & (new <= hi)  # False for NaN
        new = np.where(inside, new, 0.5 * (lo + hi))
        done = np.max(np.abs(new - rho), initial=0.0) <= settings.newton_tol
        rho = new
        if done:
            break
    f, fp = _table_evaluate(table, rho, base)
    return rho, f, fp


def _track_utilisation(
    x, x_old, rho_old, slope_old, c, inv_c, k, base, table, settings
):
    """rho(x) from a nearby solved point: first-order predictor, then Newton.

    ``slope_old`` is dx/drho at ``rho_old``. Used within an hour, where x moves
    little between calls, so each Newton step roughly squares the error.
    Returns rho, and f, f' linearly extrapolated from the last Newton point.
    """
    hi = np.minimum(x * inv_c, settings.rho_max)
    rho = np.minimum(np.maximum(rho_old + (x - x_old) / slope_old, 0.0), hi)
    for _ in range(settings.newton_per_substep):
        f, fp = _table_evaluate(table, rho, base)
        free = x - c * rho
        one_minus = 1.0 - rho
        h_val = one_minus * free - k * f
        dh = free + c * one_minus + k * fp  # = -h'(rho) > 0 (0 only when x = c = 0)
        new = np.minimum(np.maximum(rho + h_val / np.maximum(dh, 1e-300), 0.0), hi)
        f += fp * (new - rho)
        rho = new
    return rho, f, fp


class _Hour(NamedTuple):
    """Per-row constants of one hour (booths, rates, variability)."""

    c: np.ndarray  # booths
    mu: np.ndarray  # services per booth-hour
    k: np.ndarray  # Allen-Cunneen factor (1 + cs^2) / 2
    c_sq: np.ndarray  # c^2
    c_minus_1_over_c: np.ndarray  # (c - 1)/c, 0 when c = 0
    three_plus: np.ndarray  # 1.0 where c >= 3, else 0.0
    k_sq: np.ndarray  # k^2
    ck: np.ndarray  # c k


def _hour_constants(c, mu, k):
    return _Hour(
        c,
        mu,
        k,
        c * c,
        np.divide(c - 1.0, c, out=np.zeros_like(c), where=c > 0),
        (c >= 3.0).astype(float),
        k * k,
        c * k,
    )


def _stationary_variance(rho, f, hour):
    """Variance of the number in system of the stationary reference family.

    The family is the stationary M/M/c distribution with its queue part
    scaled by the Allen-Cunneen factor k: N = S + k Q with S = min(N, c) and
    Q = (N - c)^+ of M/M/c at utilisation rho, f = rho C(c, c rho). Closed
    form in Erlang C: P(N = c) = C (1 - rho), P(N = c - 1) = P(c)/rho,
    P(N = c - 2) = P(c - 1)(c - 1)/(c rho), E[S(S - 1)] = a^2 P(N <= c - 3),
    E[Q^2] = C rho (1 + rho)/(1 - rho)^2, Cov(S, Q) = c (1 - rho) Lq.
    """
    c = hour.c
    one_minus = 1.0 - rho
    inv_rho = 1.0 / np.maximum(rho, 1e-300)
    erl_c = f * inv_rho
    lq = f / one_minus
    p_c1 = erl_c * one_minus * inv_rho
    p_c2 = p_c1 * hour.c_minus_1_over_c * inv_rho
    below3 = np.maximum(1.0 - erl_c - p_c1 - p_c2, 0.0) * hour.three_plus
    a = c * rho
    var_s = np.maximum(a * a * (below3 - 1.0) + a + erl_c * (hour.c_sq - c), 0.0)
    var_q = f * (1.0 + rho) / (one_minus * one_minus) - lq * lq
    return var_s + hour.k_sq * var_q + 2.0 * hour.k * lq * c * one_minus


class _Closure(NamedTuple):
    var: np.ndarray  # variance of N used (after relaxation to the reference)
    departures: np.ndarray  # mu E[min(N, c)] [vehicles/hour]
    queue: np.ndarray  # x - E[min(N, c)] [vehicles]
    cov: np.ndarray  # Cov(N, min(N, c)) [vehicles^2]
    dcov_dvar: np.ndarray  # d cov / d var [-]


def _closure(x, var, relax, rho, f, hour, var_floor):
    """Busy booths and Cov(N, min(N, c)) from the mean and variance of N.

    PSFFA reads the expected idle booths c (1 - rho(x)) off the stationary
    family with mean x. Here that value is multiplied by the ratio of idle
    booths of a normal distribution with the actual variance to one with the
    stationary family's variance at the same mean; the covariance is scaled
    likewise from its stationary value c k rho. At the stationary variance
    the ratios are 1, so stationary results are exact; a narrower
    distribution (a queue building up, or an over-saturated backlog) has
    fewer idle booths, a wider one (a backlog draining) more.

    ``relax`` in [0, 1] first pulls the variance towards the reference:
    var_ref + relax (var - var_ref). It is exp(-w), w being the PSFFA
    relaxation rate times the step, so the variance is slaved to its
    stationary value where the queue settles within a step (stiff, lightly
    loaded rows, where the correction does not matter) and free where it
    does not (heavy traffic).
    """
    c = hour.c
    var_ref = _stationary_variance(rho, f, hour)
    var = np.maximum(var_ref + relax * (var - var_ref), var_floor)
    gap = c - x
    sd_v = np.sqrt(var)
    sd_r = np.sqrt(np.maximum(var_ref, var_floor))
    z_v = np.clip(gap / sd_v, -40.0, 40.0)  # Phi and phi saturate well before
    z_r = np.clip(gap / sd_r, -40.0, 40.0)
    cdf_v = special.ndtr(z_v)
    cdf_r = special.ndtr(z_r)
    pdf_v = INV_SQRT_2PI * np.exp(-0.5 * z_v * z_v)
    pdf_r = INV_SQRT_2PI * np.exp(-0.5 * z_r * z_r)
    idle_v = gap * cdf_v + sd_v * pdf_v  # E[(c - N)^+], N normal
    idle_r = gap * cdf_r + sd_r * pdf_r
    idle = (c - c * rho) * idle_v / np.maximum(idle_r, 1e-300)
    # physical bounds: 0 <= busy booths <= min(x, c)
    busy = np.clip(c - idle, 0.0, np.minimum(x, c))
    scale = hour.ck * rho / np.maximum(var_ref * cdf_r, 1e-300)
    return _Closure(
        var,
        hour.mu * busy,
        x - busy,
        scale * var * cdf_v,
        scale * (cdf_v - 0.5 * z_v * pdf_v),
    )


class _PeriodResult(NamedTuple):
    x_end: np.ndarray  # mean number in system at the end of the period
    var_end: np.ndarray  # its variance
    waits: np.ndarray  # (rows, hours) [hours]
    throughput: np.ndarray  # (rows, hours) entries into service in each hour [vehicles]


def _later_crossing(target, gain, e, a, area, dt):
    """When E first reaches ``target`` after the period, with E(t + H) =
    E(t) + ``gain`` in the periods that follow: the k-th period after this one
    (the least k >= 1 with target - k gain within this period's E), at the
    time this period's E (``e``, ``a``: its values and integral, (hours,
    steps + 1)) reaches target - k gain. Returns that time and the integral of
    E up to it from the period's start."""
    hours = e.shape[0]
    e_last = e[-1, -1]
    k = 1.0
    if target - gain > e_last:
        k = float(np.ceil((target - e_last) / gain))
        while target - k * gain > e_last:
            k += 1.0
    tgt = target - k * gain
    tau, a_tau = 0.0, 0.0
    if tgt > e[0, 0]:
        h = int(np.argmax(e[:, -1] >= tgt))
        j = int(np.argmax(e[h] >= tgt))
        j0 = max(j - 1, 0)
        e0, rise = e[h, j0], e[h, j] - e[h, j0]
        frac = 0.0 if j == 0 else min(max((tgt - e0) / max(rise, 1e-300), 0.0), 1.0)
        tau = h + (j0 + frac) * dt
        a_tau = a[h, j0] + (frac * dt) * (e0 + 0.5 * frac * rise)
    t_cross = k * hours + tau
    a_cross = k * area + gain * hours * (k * (k - 1.0) * 0.5) + a_tau + k * gain * tau
    return t_cross, a_cross


def _run_period(lam, c, mu, k, table, x_start, var_start, settings):
    """One period of the fluid model on 2-D (rows, hours) arrays.

    Also records when the cumulative entries into service E(t) first reach
    each cohort boundary, for this period's cohorts and, shifted by one
    period's arrivals, the previous period's; the latter give the crossings
    in the following period when the solution is periodic.
    """
    rows, hours = lam.shape
    steps = settings.substeps_per_hour
    var_floor = settings.var_floor
    dt = 1.0 / steps
    bounds = np.zeros((rows, hours + 1))
    np.cumsum(lam, axis=1, out=bounds[:, 1:])
    total = bounds[:, -1:]
    # Targets, sorted: previous period's boundaries n_j - N, then n_1 .. n_H.
    n_targets = 2 * hours + 1
    targets = (
        np.concatenate(
            [bounds - total, bounds[:, 1:], np.full((rows, 1), np.inf)], axis=1
        )
        - settings.cleared_vehicles
    )
    cross_time = np.zeros((rows, n_targets))
    cross_area = np.zeros((rows, n_targets))
    pointer = np.zeros(rows, dtype=np.intp)
    next_target = targets[:, 0].copy()

    def record(t_start, e_points, area_points):
        """Record when E first reaches each target within one hour.

        ``e_points`` and ``area_points`` (rows, steps + 1) hold E and its time
        integral at the sub-step ends of the hour starting at ``t_start``; E
        is linear in between. Targets at or below E's first point are
        reached at ``t_start``.
        """
        e_last = e_points[:, -1]
        while True:
            hit = next_target <= e_last
            if not hit.any():
                return
            idx = np.flatnonzero(hit)
            e_hit, tgt, ptr = e_points[idx], next_target[idx], pointer[idx]
            j = np.count_nonzero(e_hit < tgt[:, None], axis=1)  # first point >= tgt
            j0 = np.maximum(j - 1, 0)
            e0 = e_hit[np.arange(idx.size), j0]
            rise = e_hit[np.arange(idx.size), j] - e0
            frac = np.clip((tgt - e0) / np.maximum(rise, 1e-300), 0.0, 1.0)
            frac[j == 0] = 0.0
            cross_time[idx, ptr] = t_start + (j0 + frac) * dt
            cross_area[idx, ptr] = area_points[idx, j0] + (frac * dt) * (
                e0 + 0.5 * frac * rise
            )
            ptr += 1
            pointer[idx] = ptr
            next_target[idx] = targets[idx, ptr]

    # Hour-major copies: contiguous per-hour slices.
    lam_t, c_t, mu_t, k_t = (np.ascontiguousarray(v.T) for v in (lam, c, mu, k))
    throughput = np.empty((hours, rows))
    traj_e = np.empty((hours, rows, steps + 1))  # E at each hour's sub-step ends
    traj_a = np.empty((hours, rows, steps + 1))  # its integral
    x = x_start.copy()
    var = var_start.copy()
    rho = np.zeros(rows)
    f = np.zeros(rows)  # closure table value and slope at rho (set in hour 0)
    fp = np.zeros(rows)
    state = None  # closure at the current point (carried over hour boundaries)
    served = None  # E(t), cumulative entries into service since period start
    area = np.zeros(rows)  # integral of E over time since period start
    arrived = np.zeros(rows)
    for h in range(hours):
        lam_h, c_h, mu_h, k_h = lam_t[h], c_t[h], mu_t[h], k_t[h]
        inv_c = np.divide(1.0, c_h, out=np.zeros(rows), where=c_h > 0)
        cs2 = 2.0 * k_h - 1.0  # squared CV of processing time (Poisson arrivals)
        cmu_dt = c_h * mu_h * dt
        lam_dt = lam_h * dt
        base = _table_base(table, c_h)
        hour = _hour_constants(c_h, mu_h, k_h)
        # Rows whose booths (and processing CV) are as in the previous hour
        # carry their state over the hour boundary; the others re-solve it.
        # Decided row by row, so a row's result never depends on the other
        # rows of the batch.
        if h > 0:
            same_rows = (c_h == c_t[h - 1]) & (k_h == k_t[h - 1])
        else:
            same_rows = np.zeros(rows, dtype=bool)
        if not same_rows.all():
            # Booths closing finish the vehicles they are serving: those in
            # excess of the new booth count leave the system now (the queue
            # is unchanged). At the start of the period the previous hour is
            # the last hour of the (identical) previous period.
            c_before = c_t[h - 1]
            closing_rows = c_h < c_before
            if np.any(closing_rows):
                if h == 0:
                    hour_before = _hour_constants(c_before, mu_t[-1], k_t[-1])
                    inv_before = np.divide(
                        1.0, c_before, out=np.zeros(rows), where=c_before > 0
                    )
                    rho_b, f_b, _ = _solve_utilisation(
                        x,
                        c_before,
                        inv_before,
                        k_t[-1],
                        _table_base(table, c_before),
                        table,
                        rho,
                        settings,
                    )
                    queue_before = _closure(
                        x, var, 1.0, rho_b, f_b, hour_before, var_floor
                    ).queue
                    busy_before = x - queue_before
                else:
                    busy_before = x - state.queue
                x = np.where(closing_rows, x - np.maximum(busy_before - c_h, 0.0), x)
            rho_new, f_new, fp_new = _solve_utilisation(
                x, c_h, inv_c, k_h, base, table, rho, settings
            )
            if same_rows.any():
                rho = np.where(same_rows, rho, rho_new)
                f = np.where(same_rows, f, f_new)
                fp = np.where(same_rows, fp, fp_new)
            else:
                rho, f, fp = rho_new, f_new, fp_new
        served_hour_start = served
        for sub in range(steps + 1):
            one_minus = 1.0 - rho
            slope = c_h + k_h * (fp * one_minus + f) / (
                one_minus * one_minus
            )  # dx/drho
            slope = np.maximum(slope, 1e-300)
            w = cmu_dt / slope  # PSFFA relaxation rate x step
            if sub == 0 and same_rows.any():
                # the end-of-hour state of the previous hour, with this hour's mu
                carried = state._replace(
                    departures=state.departures * (mu_h / mu_t[h - 1])
                )
                if same_rows.all():
                    state = carried
                else:
                    fresh = _closure(x, var, np.exp(-w), rho, f, hour, var_floor)
                    state = _Closure(
                        *(
                            np.where(same_rows, a, b)
                            for a, b in zip(carried, fresh, strict=True)
                        )
                    )
            else:
                state = _closure(x, var, np.exp(-w), rho, f, hour, var_floor)
            var = state.var
            # cumulative entries into service E = A - queue, kept non-decreasing
            if served is None:
                served = -state.queue
                served_start = served
                # targets already reached at the start (vehicles of the
                # previous period that are in service): never needed
                pointer[:] = np.count_nonzero(targets <= served[:, None], axis=1)
                next_target[:] = targets[np.arange(rows), pointer]
            else:
                e_new = np.maximum(served, arrived - state.queue)
                if sub > 0:
                    area = area + (0.5 * dt) * (served + e_new)
                served = e_new
            traj_e[h, :, sub] = served
            traj_a[h, :, sub] = area
            if sub == steps:
                break
            # exponential Euler step, each equation linearised in its own
            # state (x with the PSFFA rate c mu / (dx/drho), var with 2 mu dcov/dvar)
            w = np.maximum(w, 1e-300)
            x_new = x + (lam_dt - state.departures * dt) * (-np.expm1(-w) / w)
            # departures cannot exceed capacity, nor arrivals be negative
            x_new = np.maximum(x_new, np.maximum(x + lam_dt - cmu_dt, 0.0))
            wv = np.maximum((2.0 * dt) * mu_h * state.dcov_dvar, 1e-300)
            rate_v = lam_h + state.departures * cs2 - 2.0 * mu_h * state.cov
            var = np.maximum(var + rate_v * dt * (-np.expm1(-wv) / wv), var_floor)
            rho, f, fp = _track_utilisation(
                x_new, x, rho, slope, c_h, inv_c, k_h, base, table, settings
            )
            x = x_new
            arrived = arrived + lam_dt
        record(float(h), traj_e[h], traj_a[h])
        throughput[h] = served - (
            served_start if served_hour_start is None else served_hour_start
        )
    throughput = throughput.T

    # Cohort boundaries n_0 .. n_H sit at target indices H .. 2H.
    crossed_now = pointer[:, None] > np.arange(hours, n_targets)
    crossed_prev = pointer[:, None] > np.arange(0, hours + 1)
    t_prev, a_prev = cross_time[:, : hours + 1], cross_area[:, : hours + 1]
    t_now, a_now = cross_time[:, hours:], cross_area[:, hours:]
    # Not reached within the period: reached in a later period, taken equal to
    # this one. E gains the period's arrivals N in each when the period
    # settled (the periodic solution: the previous period's boundaries reached
    # this period give the next period's crossings), and what it gained this
    # period when it did not.
    tol = settings.periodic_tol
    settled = (np.abs(x - x_start) <= tol * (1.0 + x_start)) & (
        np.abs(var - var_start) <= tol * (1.0 + var_start)
    )
    t_next = hours + t_prev
    a_next = area[:, None] + a_prev + total * t_prev
    use_next = settled[:, None] & crossed_prev
    t_cross = np.where(crossed_now, t_now, np.where(use_next, t_next, 0.0))
    a_cross = np.where(crossed_now, a_now, np.where(use_next, a_next, 0.0))
    gain = np.where(settled, total[:, 0], np.maximum(served - served_start, 1e-300))
    targets_now = targets[:, hours:]
    for r, j in zip(*np.nonzero(~crossed_now & ~use_next), strict=True):
        t_cross[r, j], a_cross[r, j] = _later_crossing(
            targets_now[r, j], gain[r], traj_e[:, r], traj_a[:, r], area[r], dt
        )

    cohort = np.diff(bounds, axis=1)
    entry = bounds[:, 1:] * t_cross[:, 1:] - bounds[:, :-1] * t_cross[:, :-1]
    entry -= np.diff(a_cross, axis=1)
    mid = np.arange(hours) + 0.5
    # a cohort below the allowance waits until its boundary is reached (its
    # entries would be rounding noise divided by next to nothing)
    has = cohort > settings.cleared_vehicles
    waits = np.where(
        has, entry / np.where(has, cohort, 1.0) - mid, t_cross[:, :-1] - mid
    )
    return _PeriodResult(x, var, np.maximum(waits, 0.0), throughput)


def fluid_queue_reference(lam, c, mu, k, settings):
    """Periodic solution of the fluid model on 2-D (rows, hours) arrays, in numpy.

    The vectorised numpy implementation of the compiled kernel's
    ``fluid_queue``, the reference the kernel is tested against.
    ``settings`` is a :class:`cba.queueing.QueueSettings`.
    """
    rows, hours = lam.shape
    open_counts = np.unique(c[c > 0])
    table = ClosureTable(
        open_counts if open_counts.size else np.array([1]), settings.table_intervals
    )
    # Start: the stationary state of the last hour (the state the period is
    # expected to end in) when that hour is below capacity, else empty.
    c_last, mu_last, k_last = c[:, -1], mu[:, -1], k[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rho0 = lam[:, -1] / (c_last * mu_last)
    rho0 = np.where((c_last > 0) & (rho0 < 1.0), rho0, 0.0)
    f0, _ = _table_evaluate(table, rho0, _table_base(table, c_last))
    lq0 = f0 / (1.0 - rho0)
    x_start = c_last * rho0 + k_last * lq0
    var_start = np.maximum(
        _stationary_variance(rho0, f0, _hour_constants(c_last, mu_last, k_last)),
        settings.var_floor,
    )
    waits = np.empty((rows, hours))
    throughput = np.empty((rows, hours))
    todo = np.arange(rows)
    tol = settings.periodic_tol
    for _ in range(settings.max_passes):
        sub = (lam[todo], c[todo], mu[todo], k[todo])
        res = _run_period(*sub, table, x_start, var_start, settings)
        waits[todo] = res.waits
        throughput[todo] = res.throughput
        settled = (np.abs(res.x_end - x_start) <= tol * (1.0 + x_start)) & (
            np.abs(res.var_end - var_start) <= tol * (1.0 + var_start)
        )
        # A period that has not repeated itself runs again, up to max_passes
        # runs in all; the last run is reported.
        again = ~settled
        if not again.any():
            break
        todo, x_start, var_start = todo[again], res.x_end[again], res.var_end[again]
    return FluidResult(waits, throughput)
