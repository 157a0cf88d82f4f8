"""Discounting and appraisal metrics.

Main functions: :func:`discount_factors`, :func:`present_value`, :func:`npv`,
:func:`benefit_cost_ratio`, :func:`irr`, :func:`discounted_payback`.

Timing convention
-----------------
Period 0 is the site's ``base_year``. A flow booked to period ``t`` is discounted
by ``(1 + r) ** -t`` with ``timing="end"`` (the default: flows occur at the end of
each year, so period-0 flows are not discounted), ``(1 + r) ** -(t - 0.5)`` with
``timing="mid"`` and ``(1 + r) ** -(t - 1)`` with ``timing="begin"``. Note that
spreadsheet ``NPV()`` discounts its first cell one period, while
``numpy_financial.npv`` treats it as period 0, like our ``timing="end"``.

All flows are in constant (real) dollars of one dollar-year; rates are real.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import numpy_financial as npf

from .exceptions import ModelDomainError

__all__ = [
    "discount_factors",
    "present_value",
    "npv",
    "benefit_cost_ratio",
    "irr",
    "discounted_payback",
]

_SHIFT = {"end": 0.0, "mid": 0.5, "begin": 1.0}


def _check_rate(rate) -> np.ndarray:
    r = np.asarray(rate, dtype=float)
    if np.any(r <= -1) or np.any(r >= 1):
        raise ModelDomainError(f"discount rate {rate} must lie in (-1, 1)")
    return r


def discount_factors(rate, periods, timing: Literal["end", "mid", "begin"] = "end"):
    """Discount factors for periods counted from the base year.

    Parameters
    ----------
    rate : float or ndarray
        Real discount rate per year. [/1]
    periods : array_like of int
        Periods (years after the base year; 0 = base year).
    timing : {"end", "mid", "begin"}
        When within each year the flows occur (see module notes).

    Returns
    -------
    ndarray
        ``(1 + rate) ** -(periods - shift)``; broadcast of ``rate`` and
        ``periods``. [/1]

    Examples
    --------
    >>> discount_factors(0.10, [0, 1, 2]).round(4)
    array([1.    , 0.9091, 0.8264])
    """
    if timing not in _SHIFT:
        raise ModelDomainError(f"timing {timing!r} must be one of {list(_SHIFT)}")
    r = _check_rate(rate)
    t = np.asarray(periods, dtype=float) - _SHIFT[timing]
    return (1.0 + r) ** -np.maximum(t, 0.0) if timing != "end" else (1.0 + r) ** -t


def present_value(
    flows, rate, periods=None, timing: Literal["end", "mid", "begin"] = "end"
):
    """Present value of flows along the last axis.

    Parameters
    ----------
    flows : array_like
        Flows by period on the last axis; leading axes (draws, options) broadcast. [USD]
    rate : float
        Real discount rate. [/1]
    periods : array_like of int, optional
        Period of each column; defaults to ``0, 1, ..., n-1``.
    timing : {"end", "mid", "begin"}

    Returns
    -------
    ndarray or float
        Sum of discounted flows. [USD]

    Examples
    --------
    >>> round(float(present_value([-100.0, 60.0, 60.0], 0.10)), 4)
    4.1322
    """
    f = np.asarray(flows, dtype=float)
    if periods is None:
        periods = np.arange(f.shape[-1])
    df = discount_factors(rate, periods, timing)
    out = (f * df).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def npv(
    benefits, costs, rate, periods=None, timing: Literal["end", "mid", "begin"] = "end"
):
    """Net present value, PV(benefits) - PV(costs).

    Examples
    --------
    >>> round(float(npv([0, 60, 60], [100, 0, 0], 0.10)), 4)
    4.1322
    """
    b = np.asarray(benefits, dtype=float)
    c = np.asarray(costs, dtype=float)
    return present_value(b - c, rate, periods, timing)


def benefit_cost_ratio(pv_benefits, pv_costs):
    """PV(benefits) / PV(costs); NaN where PV(costs) is zero.

    Examples
    --------
    >>> float(benefit_cost_ratio(150.0, 100.0))
    1.5
    """
    b = np.asarray(pv_benefits, dtype=float)
    c = np.asarray(pv_costs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(c > 0, b / np.where(c > 0, c, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def irr(net_flows) -> float | None:
    """Internal rate of return of yearly net flows (period 0 first), or None.

    Returns ``None`` where no IRR exists: all flows of one sign, or no real root
    in (-1, inf). Where the flows change sign more than once several IRRs may
    exist; numpy-financial 1.0.0 (pinned) returns the real root closest to zero
    and we pass it on with a warning, because NPV is the decision rule.

    Parameters
    ----------
    net_flows : array_like
        Net flows (benefits - costs) by year, base year first. [USD]

    Returns
    -------
    float or None
        IRR per year. [/1]

    Examples
    --------
    >>> round(irr([-100.0, 60.0, 60.0]), 6)
    0.130662
    >>> irr([100.0, 50.0]) is None
    True
    """
    f = np.asarray(net_flows, dtype=float)
    if not np.all(np.isfinite(f)):
        raise ModelDomainError(
            "net flows contain NaN or infinite values; no IRR can be computed"
        )
    nz = f[np.abs(f) > 1e-9 * max(1.0, np.abs(f).max(initial=0.0))]
    if nz.size == 0 or np.all(nz > 0) or np.all(nz < 0):
        return None
    changes = int(np.sum(np.diff(np.sign(nz)) != 0))
    with np.errstate(all="ignore"):
        value = npf.irr(f)
    if value is None or not np.isfinite(value):
        return None
    if changes > 1:
        warnings.warn(
            f"net flows change sign {changes} times: the IRR may not be unique",
            stacklevel=2,
        )
    return float(value)


def discounted_payback(net_flows, rate, timing: Literal["end", "mid", "begin"] = "end"):
    """Years until cumulative discounted net flows turn non-negative for good.

    Linear interpolation within the year of the crossing. ``NaN`` where the
    cumulative discounted net never becomes (and stays) non-negative within the
    horizon. Works along the last axis; leading axes broadcast.

    Parameters
    ----------
    net_flows : array_like
        Net flows by year, base year (period 0) first. [USD]
    rate : float
        Real discount rate. [/1]

    Returns
    -------
    float or ndarray
        Payback in years after the base year. [years]

    Examples
    --------
    >>> float(discounted_payback([-100.0, 50.0, 50.0, 50.0], 0.0))
    2.0
    >>> float(discounted_payback([-100.0, 110.0], 0.10))
    1.0
    """
    f = np.asarray(net_flows, dtype=float)
    n = f.shape[-1]
    disc = f * discount_factors(rate, np.arange(n), timing)
    cum = np.cumsum(disc, axis=-1)
    tol = 1e-9 * np.maximum(1.0, np.abs(disc).max(axis=-1, keepdims=True))
    neg = cum < -tol
    # last period with a negative cumulative; payback happens in the next one
    any_neg = neg.any(axis=-1)
    last_neg = np.where(any_neg, n - 1 - np.argmax(neg[..., ::-1], axis=-1), -1)
    never = last_neg >= n - 1
    k = np.clip(last_neg + 1, 0, n - 1)
    prev = np.take_along_axis(cum, np.clip(last_neg, 0, n - 1)[..., None], axis=-1)[
        ..., 0
    ]
    step = np.take_along_axis(disc, k[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(step > 0, -prev / step, 1.0)
    years = np.where(any_neg, last_neg + np.clip(frac, 0.0, 1.0), 0.0)
    years = np.where(never, np.nan, years)
    return float(years) if np.ndim(years) == 0 else years
