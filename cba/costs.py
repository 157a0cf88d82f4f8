"""Capital and operating cost streams.

Main functions: :func:`capital_flows`, :func:`residual_value`, :func:`annual_flows`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["residual_value", "capital_flows", "annual_flows"]


def residual_value(amount_usd, asset_life_years, years_in_service):
    """Straight-line residual value of an asset at the end of the analysis.

    Parameters
    ----------
    amount_usd : numeric
        Capital cost. [USD]
    asset_life_years : numeric
        Service life. [years]
    years_in_service : numeric
        Years of service within the analysis period. [years]

    Returns
    -------
    numeric
        ``amount * max(0, 1 - years_in_service / life)``. [USD]

    Examples
    --------
    >>> residual_value(1000.0, 40.0, 20.0)
    500.0
    >>> residual_value(1000.0, 10.0, 20.0)
    0.0
    """
    frac = np.clip(1.0 - np.divide(years_in_service, asset_life_years), 0.0, 1.0)
    out = amount_usd * frac
    return float(out) if np.ndim(out) == 0 else out


def capital_flows(amount_usd, asset_life_years, spend_period: int, n_periods: int):
    """Capital outlay, renewals within the horizon, and residual value.

    The asset is bought in ``spend_period`` and renewed every ``asset_life_years``
    (rounded up to whole years) while the analysis runs; the last asset's
    residual value is credited in the final period as a negative cost.

    Parameters
    ----------
    amount_usd : numeric
        Capital cost of one asset. [USD]
    asset_life_years : numeric
        Service life. [years]
    spend_period : int
        Period of the first outlay (0 = base year).
    n_periods : int
        Number of periods including period 0.

    Returns
    -------
    outlay, residual : ndarray
        Arrays with the period axis last; ``residual`` is positive (subtract it). [USD]

    Examples
    --------
    >>> o, r = capital_flows(100.0, 10.0, 1, 6)
    >>> o.tolist(), r.tolist()
    ([0.0, 100.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 50.0])
    """
    amount = np.asarray(amount_usd, dtype=float)[..., None]
    life = np.asarray(asset_life_years, dtype=float)[..., None]
    t = np.arange(n_periods, dtype=float)
    age = t - spend_period
    life_whole = np.maximum(np.ceil(life), 1.0)
    renew = (age >= 0) & (np.mod(age, life_whole) == 0)
    outlay = np.where(renew, amount, 0.0)
    # service years of the asset in place at the end (the final period counts)
    last = n_periods - 1
    in_service = np.mod(last - spend_period, life_whole) + 1.0
    resid = residual_value(amount, life, in_service)
    residual = (
        np.where(t == last, resid, 0.0)
        if last >= spend_period
        else np.zeros_like(outlay)
    )
    return outlay + 0.0 * amount, residual + 0.0 * amount


def annual_flows(amount_usd_per_year, ramp):
    """Yearly amount scaled by a ramp (0 before start, rising to 1).

    Examples
    --------
    >>> annual_flows(10.0, np.array([0.0, 0.5, 1.0])).tolist()
    [0.0, 5.0, 10.0]
    """
    return np.multiply(np.asarray(amount_usd_per_year, dtype=float)[..., None], ramp)
