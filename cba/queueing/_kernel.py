"""Compiled kernel (numba) of the hour-by-hour fluid queue model.

Model family: the pointwise-stationary fluid flow approximation (PSFFA) with a
variance correction of :func:`cba.queueing.hourly_waits` (see its Notes for
the method). Main function: :func:`fluid_queue`, the periodic solution on 2-D
(rows, hours) arrays of arrivals, booths, processing rates and Allen-Cunneen
factors with a :class:`cba.queueing.QueueSettings`, returning a
:class:`FluidResult` (mean waits by hour of arrival and entries into service).
It reads the closure table (numpy,
:func:`cba.queueing._erlang.closure_coefficients`) and runs the compiled
code; identical rows are solved once.

The compiled code uses explicit loops: over blocks of rows, hours and
sub-steps, and within a sub-step over the rows of the block. The rows of a
block move in lockstep (hours and sub-steps in step; each row decides for
itself whether its state carries over an hour boundary), so the per-row
arithmetic of a sub-step runs as one loop over the block, which the compiler
turns into SIMD instructions. Hence the elementary functions are written out
(:func:`nb_exp`, :func:`nb_expm1` and the normal CDF through a polynomial
erfcx, accurate to about 1e-15, 1e-15 and 1e-13 relative): calls into libm
would stop that. Per-row bookkeeping (crossing times, Newton solves at booth
changes) stays scalar. Numerical settings are arguments (a named tuple built
from the QueueSettings), not globals: numba freezes globals when it compiles.
Inlined helpers take scalars only: an array argument is reference-counted
inside the SIMD loop, which stops vectorisation.

Measured, not assumed: on the queue benchmark
(``tests/benchmarks/bench_queueing.py``, 960,000 hourly evaluations; 2-core
AMD EPYC with AVX-512, numba 0.68 without SVML), ``hourly_waits`` took 0.160
to 0.165 s with the hand-written functions and 0.72 to 0.75 s with numba's
``math.exp``, ``math.expm1`` and ``math.erfc`` (CDF as erfc(-z/sqrt 2)/2) in
their place, 4.4 to 4.5 times as long (best of 5, the two kernels timed
alternately in one process, three runs; the benchmark script itself gave
0.19 to 0.26 s against 0.67 to 0.73 s, 67 to 92 times against 191 to 228
times its numpy floor). With numba's exp and expm1 alone it was 4.2 to 4.5
times as long. numba's versions also change results in the last bits (up to
3.5e-13 hours in 6 % of the benchmark's hourly waits; the golden outputs of
the shipped sites move), so the hand-written functions are kept.

The kernel replaced a vectorised numpy implementation, kept for the tests in
``tests/queueing_reference.py``: each step here mirrors the function of that
module named in its docstring or comment, and results agree with it to about
1e-12 hours (``tests/test_queueing.py``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numba.extending
import numpy as np
from scipy import special

from ._erlang import closure_coefficients
from ._settings import QueueSettings

__all__ = [
    "FluidResult",
    "fluid_queue",
    "distinct_rows",
    "nb_exp",
    "nb_expm1",
    "nb_ndtr_pdf_pair",
    "INV_SQRT_2PI",
]

_JIT = {"cache": True, "error_model": "numpy"}  # x/0 gives inf/nan, as in numpy
_JIT_INLINE = {**_JIT, "inline": "always"}  # small helpers inside SIMD loops
_JIT_FMA = {**_JIT, "fastmath": {"contract"}}  # a * b + c may fuse (FMA)
_BLOCK_ROWS = 32  # rows integrated in lockstep (a few SIMD vectors)
_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2)
INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi), standard normal density at 0
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two (Cody-Waite reduction):
_LN2_LO = 1.90821492927058770002e-10  # _LN2_HI has trailing zero bits
_INV_LN2 = 1.4426950408889634  # 1/ln 2
# Taylor coefficients 1/i! of e^r - 1, i = 1..13: truncation error below
# 1e-17 for |r| <= ln(2)/2
_EXPM1_TAYLOR = tuple(1.0 / math.factorial(i) for i in range(1, 14))
# erfcx(a) = exp(a^2) erfc(a) as one polynomial in y = 4/(4 + a) (the variable
# of Johnson's Faddeeva package), interpolated at Chebyshev points on
# [_ERFCX_Y0, 1]: relative error about 3e-14 for 0 <= a <= 4/_ERFCX_Y0 - 4 = 29.3,
# beyond the clip of the normal argument at 40 / sqrt(2) = 28.3. One
# polynomial, not a table of pieces: table look-ups would stop SIMD.
_ERFCX_Y0 = 0.12
_ERFCX_DEGREE = 21  # _nb_erfcx_poly is written out for this degree
_ERFCX_T_SCALE = 2.0 / (1.0 - _ERFCX_Y0)  # t = y * scale - shift in [-1, 1]
_ERFCX_T_SHIFT = (1.0 + _ERFCX_Y0) / (1.0 - _ERFCX_Y0)


def _erfcx_coefficients() -> np.ndarray:
    """Monomial coefficients in t of the erfcx interpolant (lowest power first).

    erfcx(4 / y - 4) ~ sum_p coef[p] t^p with y = (t + shift) / scale,
    interpolated at Chebyshev points from scipy.special.erfcx.
    """

    def erfcx_of_t(t):
        y = (t + _ERFCX_T_SHIFT) / _ERFCX_T_SCALE
        return special.erfcx(4.0 / y - 4.0)

    cheb = np.polynomial.chebyshev.chebinterpolate(erfcx_of_t, _ERFCX_DEGREE)
    poly = np.polynomial.chebyshev.cheb2poly(cheb)  # trailing zeros trimmed
    coef = np.zeros(_ERFCX_DEGREE + 1)
    coef[: poly.size] = poly
    return coef


# A global array: numba compiles it in as a constant. (Arrays passed into the
# small inlined helpers would be reference-counted inside the SIMD loops,
# which stops vectorisation.)
_ERFCX_COEF = _erfcx_coefficients()


@numba.extending.intrinsic
def _nb_int_as_float(typingctx, bits):
    """The float64 whose IEEE 754 bit pattern is the int64 ``bits``."""
    sig = numba.types.float64(numba.types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(numba.types.float64))

    return sig, codegen


@numba.njit(**_JIT_INLINE)
def _nb_exp_parts(x):
    """2^n and e^r - 1 with x = n ln 2 + r, |r| <= ln(2)/2, for x <= 0.

    exp(x) = 2^n (1 + (e^r - 1)); expm1(x) = 2^n (e^r - 1) + (2^n - 1).
    2^n is built from its bits as 2^(n - n // 2) 2^(n // 2), both factors
    normal, so that results in the subnormal range round correctly without a
    branch. Arguments below -1000 are taken as -1000 (exp underflows to 0).
    """
    x = max(x, -1000.0)
    nf = math.floor(x * _INV_LN2 + 0.5)
    r = (x - nf * _LN2_HI) - nf * _LN2_LO
    # Estrin's scheme (short dependency chains) for sum_i r^i / (i + 1)!
    c = _EXPM1_TAYLOR
    r2 = r * r
    r4 = r2 * r2
    s0 = (c[0] + c[1] * r) + (c[2] + c[3] * r) * r2
    s1 = (c[4] + c[5] * r) + (c[6] + c[7] * r) * r2
    s2 = (c[8] + c[9] * r) + (c[10] + c[11] * r) * r2
    p = (s0 + s1 * r4) + (s2 + c[12] * r4) * (r4 * r4)
    n = int(nf)
    half = n >> 1
    two_n = _nb_int_as_float((n - half + 1023) << 52) * _nb_int_as_float(
        (half + 1023) << 52
    )
    return two_n, p * r


@numba.njit(**_JIT_INLINE)
def nb_exp(x):
    """exp(x) for x <= 0."""
    two_n, em = _nb_exp_parts(x)
    return two_n + two_n * em


@numba.njit(**_JIT_INLINE)
def nb_expm1(x):
    """exp(x) - 1 for x <= 0, accurate for small |x|."""
    two_n, em = _nb_exp_parts(x)
    return two_n * em + (two_n - 1.0)


@numba.njit(**_JIT_INLINE)
def _nb_erfcx_poly(t):
    """The erfcx polynomial at t (degree 21) by Estrin's scheme."""
    c = _ERFCX_COEF
    t2 = t * t
    t4 = t2 * t2
    t8 = t4 * t4
    r0 = (c[0] + c[1] * t) + (c[2] + c[3] * t) * t2
    r1 = (c[4] + c[5] * t) + (c[6] + c[7] * t) * t2
    r2 = (c[8] + c[9] * t) + (c[10] + c[11] * t) * t2
    r3 = (c[12] + c[13] * t) + (c[14] + c[15] * t) * t2
    r4 = (c[16] + c[17] * t) + (c[18] + c[19] * t) * t2
    r5 = c[20] + c[21] * t
    return ((r0 + r1 * t4) + (r2 + r3 * t4) * t8) + (r4 + r5 * t4) * (t8 * t8)


@numba.njit(**_JIT_INLINE)
def _nb_ndtr_pdf(z, y):
    """Standard normal CDF and density at z, |z| <= 40 (scipy.special.ndtr).

    ``y`` is 4 / (4 + |z| / sqrt 2) (see nb_ndtr_pdf_pair). The tail is
    0.5 erfc(|z| / sqrt 2) = 0.5 exp(-z^2 / 2) erfcx(|z| / sqrt 2), with
    erfcx from its polynomial in y (_erfcx_coefficients): relative error
    below 1e-13 (3e-13 near |z| = 40, from rounding z^2 / 2).
    """
    e = nb_exp(-0.5 * z * z)
    p = _nb_erfcx_poly(y * _ERFCX_T_SCALE - _ERFCX_T_SHIFT)
    tail = 0.5 * e * p
    cdf = 1.0 - tail if z > 0.0 else tail
    return cdf, INV_SQRT_2PI * e


@numba.njit(**_JIT_INLINE)
def nb_ndtr_pdf_pair(z1, z2):
    """_nb_ndtr_pdf at two points, sharing one division."""
    d1 = 4.0 + abs(z1) * _SQRT1_2
    d2 = 4.0 + abs(z2) * _SQRT1_2
    inv = 4.0 / (d1 * d2)
    cdf1, pdf1 = _nb_ndtr_pdf(z1, d2 * inv)
    cdf2, pdf2 = _nb_ndtr_pdf(z2, d1 * inv)
    return cdf1, pdf1, cdf2, pdf2


@numba.njit(**_JIT_INLINE)
def _nb_table(rho, base, n, table):
    """f(rho) and df/drho from the closure table (_table_evaluate).

    ``table`` holds the coefficients a0, a1, a2, a3 of each interval as a row.
    """
    u = rho * n
    i = min(int(u), n - 1)
    s = u - i
    j = base + i
    b1, b2, b3 = table[j, 1], table[j, 2], table[j, 3]
    f = ((b3 * s + b2) * s + b1) * s + table[j, 0]
    fp = ((3.0 * b3 * s + 2.0 * b2) * s + b1) * n
    return f, fp


@numba.njit(**_JIT)
def _nb_solve_utilisation(
    x, c, k, base, n, table, rho_max, rho_start, newton_tol, max_iter
):
    """Safeguarded Newton for rho(x), as _solve_utilisation (one row)."""
    inv_c = 1.0 / c if c > 0.0 else 0.0
    hi = min(x * inv_c, rho_max)
    lo = 0.0
    rho = min(max(rho_start, lo), hi)
    for _ in range(max_iter):
        f, fp = _nb_table(rho, base, n, table)
        free = x - c * rho
        h = (1.0 - rho) * free - k * f
        dh = -free - c * (1.0 - rho) - k * fp
        if h > 0.0:
            lo = rho
        else:
            hi = rho
        new = rho - h / dh
        if not (new >= lo and new <= hi):  # also for NaN
            new = 0.5 * (lo + hi)
        done = abs(new - rho) <= newton_tol
        rho = new
        if done:
            break
    f, fp = _nb_table(rho, base, n, table)
    return rho, f, fp


@numba.njit(**_JIT_INLINE)
def _nb_c_minus_1_over_c(c):
    """(c - 1) / c, 0 when c = 0 (constant within an hour)."""
    return (c - 1.0) / c if c > 0.0 else 0.0


@numba.njit(**_JIT_INLINE)
def _nb_stationary_variance(rho, f, c, k, c_minus_1_over_c):
    """Variance of N in the stationary reference family (_stationary_variance).

    1/rho and 1/(1 - rho) come from one division (divisions are the slowest
    SIMD operations here).
    """
    one_minus = 1.0 - rho
    rho_pos = max(rho, 1e-300)
    inv_both = 1.0 / (rho_pos * one_minus)
    inv_rho = one_minus * inv_both
    inv_one_minus = rho_pos * inv_both
    erl_c = f * inv_rho
    lq = f * inv_one_minus
    p_c1 = erl_c * one_minus * inv_rho
    p_c2 = p_c1 * c_minus_1_over_c * inv_rho
    three_plus = 1.0 if c >= 3.0 else 0.0
    below3 = max(1.0 - erl_c - p_c1 - p_c2, 0.0) * three_plus
    a = c * rho
    var_s = max(a * a * (below3 - 1.0) + a + erl_c * (c * c - c), 0.0)
    var_q = lq * (1.0 + rho) * inv_one_minus - lq * lq
    return var_s + (k * k) * var_q + 2.0 * k * lq * c * one_minus


@numba.njit(**_JIT_INLINE)
def _nb_closure(x, var, relax, rho, f, c, mu, k, var_floor, c_minus_1_over_c):
    """Variance, departures, queue, Cov and dCov/dvar, as _closure."""
    var_ref = _nb_stationary_variance(rho, f, c, k, c_minus_1_over_c)
    var = max(var_ref + relax * (var - var_ref), var_floor)
    gap = c - x
    sd_v = math.sqrt(var)
    sd_r = math.sqrt(max(var_ref, var_floor))
    gap_over_both = gap / (sd_v * sd_r)
    z_v = min(max(gap_over_both * sd_r, -40.0), 40.0)
    z_r = min(max(gap_over_both * sd_v, -40.0), 40.0)
    cdf_v, pdf_v, cdf_r, pdf_r = nb_ndtr_pdf_pair(z_v, z_r)
    idle_v = gap * cdf_v + sd_v * pdf_v
    idle_r = gap * cdf_r + sd_r * pdf_r
    idle = (c - c * rho) * idle_v / max(idle_r, 1e-300)
    busy = min(max(c - idle, 0.0), min(x, c))
    scale = (c * k) * rho / max(var_ref * cdf_r, 1e-300)
    return (
        var,
        mu * busy,
        x - busy,
        scale * var * cdf_v,
        scale * (cdf_v - 0.5 * z_v * pdf_v),
    )


@numba.njit(**_JIT)
def _nb_closure_queue(x, var, rho, f, c, mu, k, var_floor):
    """Queue of _nb_closure without relaxation (scalar; not inlined)."""
    cm1c = _nb_c_minus_1_over_c(c)
    return _nb_closure(x, var, 1.0, rho, f, c, mu, k, var_floor, cm1c)[2]


# Rows of the per-row state of a block (_nb_run_block's ``state``).
(
    _S_X,  # mean number in system [vehicles]
    _S_VAR,  # its variance [vehicles^2]
    _S_RHO,  # utilisation rho(x) of the closure
    _S_F,  # f(rho) = rho C(c, c rho)
    _S_FP,  # df/drho (at the last Newton point)
    _S_SLOPE,  # dx/drho at the start of the sub-step
    _S_DEP,  # closure: departures [vehicles/hour]
    _S_QUEUE,  # closure: queue [vehicles]
    _S_COV,  # closure: Cov(N, min(N, c))
    _S_DCOV,  # closure: dCov/dvar
    _S_SERVED,  # E(t), cumulative entries into service [vehicles]
    _S_SERVED_START,  # E at the start of the period
    _S_SERVED_HOUR,  # E at the start of the hour
    _S_AREA,  # integral of E over time [vehicle-hours]
    _S_ARRIVED,  # cumulative arrivals [vehicles]
    _S_NEXT,  # next target of E not yet reached [vehicles]
    _S_W,  # w = c mu dt / slope, the PSFFA relaxation rate x step
    _S_EXPM1,  # expm1(-w)
    _S_INV_C,  # 1 / c (0 when c = 0), constant within the hour
    _S_CM1C,  # (c - 1) / c, constant within the hour
    _S_ROWS,
) = range(21)


@numba.njit(**_JIT)
def _nb_record(
    b, hour, dt, e_points, area_points, targets, cross_time, cross_area, pointer, state
):
    """Record when E first reaches each target within one hour (``record``).

    Row ``b`` of the block; E and its integral at the sub-step ends are in
    column b of ``e_points`` and ``area_points``, E linear in between.
    """
    steps = e_points.shape[0] - 1
    e_last = e_points[steps, b]
    ptr = pointer[b]
    tgt = state[_S_NEXT, b]
    j = 0
    while tgt <= e_last:
        while e_points[j, b] < tgt:  # j: first point >= target (E rises)
            j += 1
        j0 = max(j - 1, 0)
        e0 = e_points[j0, b]
        rise = e_points[j, b] - e0
        frac = min(max((tgt - e0) / max(rise, 1e-300), 0.0), 1.0)
        if j == 0:
            frac = 0.0
        cross_time[b, ptr] = hour + (j0 + frac) * dt
        cross_area[b, ptr] = area_points[j0, b] + (frac * dt) * (e0 + 0.5 * frac * rise)
        ptr += 1
        tgt = targets[b, ptr]
    pointer[b] = ptr
    state[_S_NEXT, b] = tgt


@numba.njit(**_JIT)
def _nb_later_crossing(b, target, gain, hours, dt, traj_e, traj_a, area):
    """When E first reaches ``target`` after the period (see _nb_finish_row).

    The periods that follow are taken equal to this one, E(t + H) = E(t) +
    ``gain``: the target is reached in the k-th period after this one (k >= 1,
    the least with target - k gain within this period's E) at the time this
    period's E reaches target - k gain. Returns that time and the integral of
    E up to it, both from this period's start.
    """
    steps = traj_e.shape[1] - 1
    e_last = traj_e[hours - 1, steps, b]
    k = 1.0
    if target - gain > e_last:
        k = math.ceil((target - e_last) / gain)
        while target - k * gain > e_last:  # rounding
            k += 1.0
    tgt = target - k * gain
    tau = 0.0
    a_tau = 0.0
    if tgt > traj_e[0, 0, b]:
        h = 0
        while traj_e[h, steps, b] < tgt:
            h += 1
        j = 0
        while traj_e[h, j, b] < tgt:
            j += 1
        j0 = max(j - 1, 0)
        e0 = traj_e[h, j0, b]
        rise = traj_e[h, j, b] - e0
        frac = min(max((tgt - e0) / max(rise, 1e-300), 0.0), 1.0)
        if j == 0:
            frac = 0.0
        tau = h + (j0 + frac) * dt
        a_tau = traj_a[h, j0, b] + (frac * dt) * (e0 + 0.5 * frac * rise)
    t_cross = k * hours + tau
    a_cross = k * area + gain * hours * (k * (k - 1.0) * 0.5) + a_tau + k * gain * tau
    return t_cross, a_cross


@numba.njit(**_JIT)
def _nb_finish_row(
    b,
    r,
    hours,
    dt,
    settled,
    cleared,
    bounds,
    targets,
    cross_time,
    cross_area,
    traj_e,
    traj_a,
    pointer,
    state,
    waits,
):
    """Cohort waits of row ``r`` from the crossing times (end of _run_period).

    A cohort boundary E has not reached within the period is reached in a
    later one, taken equal to this period (_nb_later_crossing): E gains the
    period's arrivals in each when the period settled (periodic solution:
    the crossings of the previous period's boundaries recorded this period),
    and what it gained this period when it did not (a period at or near its
    capacity, whose backlog may outlast one or more periods).
    """
    served = state[_S_SERVED, b]
    area = state[_S_AREA, b]
    total = bounds[b, hours]
    ptr = pointer[b]
    gain = total if settled else max(served - state[_S_SERVED_START, b], 1e-300)
    t_prev = 0.0
    a_prev = 0.0
    for j in range(hours + 1):
        # reached this period, or (periodic) the previous period's boundary
        # reached this period, or reached in a later period
        if ptr > hours + j:
            t_cross = cross_time[b, hours + j]
            a_cross = cross_area[b, hours + j]
        elif settled and ptr > j:
            t_cross = hours + cross_time[b, j]
            a_cross = area + cross_area[b, j] + total * cross_time[b, j]
        else:
            t_cross, a_cross = _nb_later_crossing(
                b, targets[b, hours + j], gain, hours, dt, traj_e, traj_a, area
            )
        if j > 0:
            h = j - 1
            cohort = bounds[b, j] - bounds[b, h]
            entry = bounds[b, j] * t_cross - bounds[b, h] * t_prev
            entry -= a_cross - a_prev
            mid = h + 0.5
            # a cohort below the allowance (about 1e-6 vehicles) waits until
            # its boundary is reached: its entries, differences of crossing
            # times and areas of the size of the period, would be rounding
            # noise divided by next to nothing
            if cohort > cleared:
                wait = entry / cohort - mid
            else:
                wait = t_prev - mid
            waits[r, h] = max(wait, 0.0)
        t_prev = t_cross
        a_prev = a_cross


@numba.njit(**_JIT_FMA)
def _nb_run_block(
    rows,
    lam,
    c,
    mu,
    k,
    same,
    closing,
    n,
    table,
    slots,
    settings,
    x_start,
    var_start,
    x_end,
    var_end,
    waits,
    thru,
    work,
):
    """One period of the rows ``rows`` of a block (as _run_period).

    Row b of the block is input row ``rows[b]``; its start state is read from
    ``x_start``/``var_start`` and its end state written to ``x_end``/``var_end``
    (indexed by input row), its waits and entries into service to ``waits``
    and ``thru``. ``work`` is the scratch space of _nb_fluid_queue.
    """
    steps = settings.substeps_per_hour
    newton = settings.newton_per_substep
    newton_tol = settings.newton_tol
    max_iter = settings.newton_max_iter
    rho_max = settings.rho_max
    var_floor = settings.var_floor
    cleared = settings.cleared_vehicles
    (
        state,
        pointer,
        lam_b,
        c_b,
        mu_b,
        k_b,
        base_b,
        bounds,
        targets,
        cross_time,
        cross_area,
        traj_e,
        traj_a,
    ) = work
    nb = rows.shape[0]
    hours = lam.shape[1]
    dt = 1.0 / steps
    x, var, rho, f, fp = (
        state[_S_X],
        state[_S_VAR],
        state[_S_RHO],
        state[_S_F],
        state[_S_FP],
    )
    slope, dep, queue, cov, dcov = (
        state[_S_SLOPE],
        state[_S_DEP],
        state[_S_QUEUE],
        state[_S_COV],
        state[_S_DCOV],
    )
    served, area, arrived = state[_S_SERVED], state[_S_AREA], state[_S_ARRIVED]
    for b in range(nb):
        r = rows[b]
        for h in range(hours):
            lam_b[h, b] = lam[r, h]
            c_b[h, b] = c[r, h]
            mu_b[h, b] = mu[r, h]
            k_b[h, b] = k[r, h]
            base_b[h, b] = slots[int(c[r, h])]
        # cohort boundaries n_0..n_H, then the sorted targets of E: the
        # previous period's boundaries n_j - N, then n_1..n_H, then +inf
        bounds[b, 0] = 0.0
        for h in range(hours):
            bounds[b, h + 1] = bounds[b, h] + lam[r, h]
        total = bounds[b, hours]
        for j in range(hours + 1):
            targets[b, j] = bounds[b, j] - total - cleared
        for j in range(hours):
            targets[b, hours + 1 + j] = bounds[b, j + 1] - cleared
        targets[b, 2 * hours + 1] = np.inf
        # targets already reached at the start are reached at time 0, area 0
        cross_time[b, :] = 0.0
        cross_area[b, :] = 0.0
        x[b] = x_start[r]
        var[b] = var_start[r]
        rho[b] = 0.0
        area[b] = 0.0
        arrived[b] = 0.0

    w, em1 = state[_S_W], state[_S_EXPM1]
    inv_c, cm1c = state[_S_INV_C], state[_S_CM1C]
    for h in range(hours):
        lam_h, c_h, mu_h, k_h, base_h = lam_b[h], c_b[h], mu_b[h], k_b[h], base_b[h]
        for b in range(nb):  # constants of the hour
            inv_c[b] = 1.0 / c_h[b] if c_h[b] > 0.0 else 0.0
            cm1c[b] = _nb_c_minus_1_over_c(c_h[b])
        # rows whose booths changed re-solve rho(x) (scalar per row); booths
        # closing first finish their vehicles (see _run_period)
        hb = h - 1 if h > 0 else hours - 1
        for b in range(nb):
            if same[rows[b], h]:
                continue
            if closing[rows[b], h]:
                c_before = c_b[hb, b]
                if h == 0:
                    rho_b, f_b, _ = _nb_solve_utilisation(
                        x[b],
                        c_before,
                        k_b[hb, b],
                        base_b[hb, b],
                        n,
                        table,
                        rho_max,
                        rho[b],
                        newton_tol,
                        max_iter,
                    )
                    queue_before = _nb_closure_queue(
                        x[b],
                        var[b],
                        rho_b,
                        f_b,
                        c_before,
                        mu_b[hb, b],
                        k_b[hb, b],
                        var_floor,
                    )
                    busy_before = x[b] - queue_before
                else:
                    busy_before = x[b] - queue[b]
                x[b] = x[b] - max(busy_before - c_h[b], 0.0)
            rho[b], f[b], fp[b] = _nb_solve_utilisation(
                x[b],
                c_h[b],
                k_h[b],
                base_h[b],
                n,
                table,
                rho_max,
                rho[b],
                newton_tol,
                max_iter,
            )
        for sub in range(steps + 1):
            # closure at the current point (or, at the start of an hour with
            # unchanged booths, the end state of the previous hour with this
            # hour's mu), then E and its integral
            for b in range(nb):
                one_minus = 1.0 - rho[b]
                sl = c_h[b] + k_h[b] * (fp[b] * one_minus + f[b]) / (
                    one_minus * one_minus
                )
                slope[b] = max(sl, 1e-300)
            # w: PSFFA relaxation rate x step; exp(-w) relaxes the variance
            # and expm1(-w) is used by the step
            if sub == 0:
                # start of the hour: rows whose booths are unchanged carry the
                # previous hour's end state (with this hour's mu), the others
                # evaluate the closure (a per-row branch, once an hour)
                for b in range(nb):
                    wb = max(c_h[b] * mu_h[b] * dt / slope[b], 1e-300)
                    if same[rows[b], h]:
                        dep[b] = dep[b] * (mu_h[b] / mu_b[h - 1, b])
                        w[b] = wb
                        em1[b] = nb_expm1(-wb)
                    else:
                        two_n, em = _nb_exp_parts(-wb)
                        w[b] = wb
                        em1[b] = two_n * em + (two_n - 1.0)
                        var[b], dep[b], queue[b], cov[b], dcov[b] = _nb_closure(
                            x[b],
                            var[b],
                            two_n + two_n * em,
                            rho[b],
                            f[b],
                            c_h[b],
                            mu_h[b],
                            k_h[b],
                            var_floor,
                            cm1c[b],
                        )
            else:
                for b in range(nb):  # branch-free: one SIMD loop over the block
                    wb = max(c_h[b] * mu_h[b] * dt / slope[b], 1e-300)
                    two_n, em = _nb_exp_parts(-wb)
                    w[b] = wb
                    em1[b] = two_n * em + (two_n - 1.0)
                    var[b], dep[b], queue[b], cov[b], dcov[b] = _nb_closure(
                        x[b],
                        var[b],
                        two_n + two_n * em,
                        rho[b],
                        f[b],
                        c_h[b],
                        mu_h[b],
                        k_h[b],
                        var_floor,
                        cm1c[b],
                    )
            if h == 0 and sub == 0:
                for b in range(nb):
                    served[b] = -queue[b]
                    state[_S_SERVED_START, b] = served[b]
                    state[_S_SERVED_HOUR, b] = served[b]
                    # targets already reached at the start: never recorded
                    ptr = 0
                    for j in range(2 * hours + 2):
                        ptr += targets[b, j] <= served[b]
                    pointer[b] = ptr
                    state[_S_NEXT, b] = targets[b, ptr]
            else:
                if sub == 0:
                    for b in range(nb):
                        state[_S_SERVED_HOUR, b] = served[b]
                for b in range(nb):
                    # E = A - queue, kept non-decreasing
                    e_new = max(served[b], arrived[b] - queue[b])
                    if sub > 0:
                        area[b] = area[b] + (0.5 * dt) * (served[b] + e_new)
                    served[b] = e_new
            for b in range(nb):
                traj_e[h, sub, b] = served[b]
                traj_a[h, sub, b] = area[b]
            if sub == steps:
                break
            # exponential Euler step, each equation linearised in its own
            # state; then rho(x) by predictor and Newton (_track_utilisation)
            for b in range(nb):
                lam_dt = lam_h[b] * dt
                cmu_dt = c_h[b] * mu_h[b] * dt
                x_old = x[b]
                x_new = x_old + (lam_dt - dep[b] * dt) * (-em1[b] / w[b])
                x_new = max(x_new, max(x_old + lam_dt - cmu_dt, 0.0))
                wv = max((2.0 * dt) * mu_h[b] * dcov[b], 1e-300)
                cs2 = 2.0 * k_h[b] - 1.0
                rate_v = lam_h[b] + dep[b] * cs2 - 2.0 * mu_h[b] * cov[b]
                var[b] = max(var[b] + rate_v * dt * (-nb_expm1(-wv) / wv), var_floor)
                hi = min(x_new * inv_c[b], rho_max)
                rho[b] = min(max(rho[b] + (x_new - x_old) / slope[b], 0.0), hi)
                x[b] = x_new
                arrived[b] = arrived[b] + lam_dt
            for _ in range(newton):
                for b in range(nb):  # table look-ups (scalar: no SIMD gathers)
                    f[b], fp[b] = _nb_table(rho[b], base_h[b], n, table)
                for b in range(nb):
                    xb = x[b]
                    free = xb - c_h[b] * rho[b]
                    one_minus = 1.0 - rho[b]
                    h_val = one_minus * free - k_h[b] * f[b]
                    dh = free + c_h[b] * one_minus + k_h[b] * fp[b]
                    hi = min(xb * inv_c[b], rho_max)
                    new = min(max(rho[b] + h_val / max(dh, 1e-300), 0.0), hi)
                    f[b] = f[b] + fp[b] * (new - rho[b])
                    rho[b] = new
        for b in range(nb):
            _nb_record(
                b,
                h,
                dt,
                traj_e[h],
                traj_a[h],
                targets,
                cross_time,
                cross_area,
                pointer,
                state,
            )
            thru[rows[b], h] = served[b] - state[_S_SERVED_HOUR, b]

    tol = settings.periodic_tol
    for b in range(nb):
        r = rows[b]
        x0, v0 = x_start[r], var_start[r]
        settled = abs(x[b] - x0) <= tol * (1.0 + x0) and abs(var[b] - v0) <= tol * (
            1.0 + v0
        )
        _nb_finish_row(
            b,
            r,
            hours,
            dt,
            settled,
            cleared,
            bounds,
            targets,
            cross_time,
            cross_area,
            traj_e,
            traj_a,
            pointer,
            state,
            waits,
        )
        x_end[r] = x[b]
        var_end[r] = var[b]


@numba.njit(**_JIT)
def _nb_fluid_queue(
    lam,
    c,
    mu,
    k,
    n,
    table,
    slots,
    settings,
    block_rows,
):
    """Periodic solution of the fluid model (as fluid_queue_reference).

    Rows are independent: each row's result is the same whichever rows
    share its batch or block (tested bit for bit).
    """
    steps = settings.substeps_per_hour
    var_floor = settings.var_floor
    periodic_tol = settings.periodic_tol
    passes = settings.max_passes
    rows, hours = lam.shape
    last = hours - 1
    waits = np.empty((rows, hours))
    thru = np.empty((rows, hours))
    x_start = np.empty(rows)
    var_start = np.empty(rows)
    x_end = np.empty(rows)
    var_end = np.empty(rows)
    for r in range(rows):
        # start: the stationary state of the last hour when below capacity
        c_last = c[r, last]
        rho0 = lam[r, last] / (c_last * mu[r, last])
        if not (c_last > 0.0 and rho0 < 1.0):
            rho0 = 0.0
        f0 = _nb_table(rho0, slots[int(c_last)], n, table)[0]
        lq0 = f0 / (1.0 - rho0)
        x_start[r] = c_last * rho0 + k[r, last] * lq0
        var_start[r] = max(
            _nb_stationary_variance(
                rho0, f0, c_last, k[r, last], _nb_c_minus_1_over_c(c_last)
            ),
            var_floor,
        )
    bsz = block_rows
    work = (
        np.empty((_S_ROWS, bsz)),  # state
        np.empty(bsz, dtype=np.int64),  # pointer: next target of E
        np.empty((hours, bsz)),  # inputs by hour: arrivals
        np.empty((hours, bsz)),  # booths
        np.empty((hours, bsz)),  # services per booth-hour
        np.empty((hours, bsz)),  # Allen-Cunneen factor
        np.empty((hours, bsz), dtype=np.int64),  # closure table offset
        np.empty((bsz, hours + 1)),  # cohort boundaries
        np.empty((bsz, 2 * hours + 2)),  # targets of E
        np.empty((bsz, 2 * hours + 1)),  # crossing times
        np.empty((bsz, 2 * hours + 1)),  # areas under E at the crossings
        np.empty((hours, steps + 1, bsz)),  # E at the sub-step ends of each hour
        np.empty((hours, steps + 1, bsz)),  # its integral
    )
    todo = np.arange(rows)
    n_todo = rows
    # Hour flags of each row: booths (and CV) as in the previous hour (the
    # state carries over), booths closing (vehicles in excess finish first).
    same = np.zeros((rows, hours), dtype=np.bool_)
    closing = np.zeros((rows, hours), dtype=np.bool_)
    for r in range(rows):
        for h in range(hours):
            hb = h - 1 if h > 0 else last
            same[r, h] = h > 0 and c[r, h] == c[r, hb] and k[r, h] == k[r, hb]
            closing[r, h] = c[r, h] < c[r, hb]
    for _ in range(passes):
        for start in range(0, n_todo, bsz):
            _nb_run_block(
                todo[start : min(start + bsz, n_todo)],
                lam,
                c,
                mu,
                k,
                same,
                closing,
                n,
                table,
                slots,
                settings,
                x_start,
                var_start,
                x_end,
                var_end,
                waits,
                thru,
                work,
            )
        n_again = 0
        for i in range(n_todo):
            r = todo[i]
            x0, v0 = x_start[r], var_start[r]
            settled = abs(x_end[r] - x0) <= periodic_tol * (1.0 + x0) and abs(
                var_end[r] - v0
            ) <= periodic_tol * (1.0 + v0)
            # a period that has not repeated itself runs again, up to
            # max_passes runs in all; the last run is reported
            if not settled:
                todo[n_again] = r
                n_again += 1
                x_start[r] = x_end[r]
                var_start[r] = var_end[r]
        n_todo = n_again
        if n_todo == 0:
            break
    return waits, thru


class _KernelSettings(NamedTuple):
    """The settings the compiled kernel reads, by name (see QueueSettings).

    A named tuple of plain ints and floats, which numba passes by value.
    """

    substeps_per_hour: int
    newton_per_substep: int
    newton_tol: float
    newton_max_iter: int
    rho_max: float
    var_floor: float
    cleared_vehicles: float
    periodic_tol: float
    max_passes: int


def _kernel_settings(settings: QueueSettings) -> _KernelSettings:
    """The kernel's view of ``settings`` (one numba type whatever the input)."""
    return _KernelSettings(
        substeps_per_hour=int(settings.substeps_per_hour),
        newton_per_substep=int(settings.newton_per_substep),
        newton_tol=float(settings.newton_tol),
        newton_max_iter=int(settings.newton_max_iter),
        rho_max=float(settings.rho_max),
        var_floor=float(settings.var_floor),
        cleared_vehicles=float(settings.cleared_vehicles),
        periodic_tol=float(settings.periodic_tol),
        max_passes=int(settings.max_passes),
    )


def _readonly_view(values: np.ndarray) -> np.ndarray:
    """C-contiguous float64 read-only view (copy only if needed).

    The kernel sees one array type whatever the caller passes (numba
    compiles, and caches, one version per argument type).
    """
    view = np.ascontiguousarray(values, dtype=np.float64).view()
    view.flags.writeable = False
    return view


def distinct_rows(*arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows that are bit-for-bit identical in every (rows, hours) array.

    Returns ``first``, the row numbers of one row of each distinct kind, and
    ``kind``, the position in ``first`` of each row's kind. Rows are hashed,
    sorted by hash, and a row joins its predecessor's kind only if all its
    values are equal to it (a hash collision merely leaves rows apart).
    """
    bits = [a.view(np.uint64) for a in arrays]
    rows, hours = bits[0].shape
    hashes = np.zeros(rows, dtype=np.uint64)
    for i, words in enumerate(bits):
        # multiplicative hash, wrapping modulo 2^64 (unsigned integer
        # arithmetic): a distinct odd multiplier for each column
        odd = np.arange(2 * i * hours + 1, 2 * (i + 1) * hours, 2, dtype=np.uint64)
        hashes += words @ (odd * np.uint64(0x9E3779B97F4A7C15))
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    same_as_previous = np.zeros(rows, dtype=bool)
    same_as_previous[1:] = sorted_hashes[1:] == sorted_hashes[:-1]
    (candidates,) = np.nonzero(same_as_previous)
    for words in bits:
        same_as_previous[candidates] &= np.all(
            words[order[candidates]] == words[order[candidates - 1]], axis=1
        )
    kind = np.empty(rows, dtype=np.intp)
    kind[order] = np.cumsum(~same_as_previous) - 1
    return order[~same_as_previous], kind


class FluidResult(NamedTuple):
    """Result of :func:`fluid_queue` (arrays shaped (rows, hours))."""

    waits: np.ndarray  # (rows, hours) mean wait of each hour's arrivals [hours]
    throughput: np.ndarray  # (rows, hours) entries into service in each hour [vehicles]


def fluid_queue(lam, c, mu, k, settings: QueueSettings) -> FluidResult:
    """Periodic solution of the fluid model on 2-D (rows, hours) arrays.

    ``lam``, ``c``, ``mu`` and ``k`` are arrivals [vehicles/hour], booths
    [booths], processing rates [vehicles/hour/booth] and Allen-Cunneen
    factors (1 + cs^2)/2 [-]; ``settings`` is a QueueSettings. Builds the
    closure table (numpy) and runs the compiled kernel
    :func:`_nb_fluid_queue`; same results as the numpy reference
    (``fluid_queue_reference``) to about 1e-12. Identical rows (Monte Carlo
    draws that share all queue inputs, say) are solved once: the result of a
    row does not depend on the other rows of the batch.
    """
    lam, c, mu, k = (_readonly_view(v) for v in (lam, c, mu, k))
    first, kind = distinct_rows(lam, c, mu, k)
    if first.size == kind.size:
        return _fluid_queue_distinct(lam, c, mu, k, settings)
    distinct = _fluid_queue_distinct(
        *(_readonly_view(v[first]) for v in (lam, c, mu, k)), settings
    )
    return FluidResult(distinct.waits[kind], distinct.throughput[kind])


def _fluid_queue_distinct(lam, c, mu, k, settings):
    """:func:`fluid_queue` on read-only float arrays (see _readonly_view)."""
    open_counts = np.flatnonzero(np.bincount(c.astype(np.intp).ravel())[1:]) + 1
    table, slots = closure_coefficients(
        open_counts if open_counts.size else np.array([1]), settings.table_intervals
    )
    waits, throughput = _nb_fluid_queue(
        lam,
        c,
        mu,
        k,
        int(settings.table_intervals),
        table,
        slots,
        _kernel_settings(settings),
        int(_BLOCK_ROWS),
    )
    return FluidResult(waits, throughput)
