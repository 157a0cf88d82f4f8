"""Private-sector funding of staffing and facilities: tolls and transfers.

Main functions: :func:`breakeven_toll_usd`, :func:`toll_revenue_usd`.

A toll surcharge moves money from users to the sponsor; a reimbursement moves
money from the sponsor to CBP. Both are transfers: they decide each party's
financial result but cancel in the economic NPV.
"""

from __future__ import annotations

import numpy as np

__all__ = ["toll_revenue_usd", "breakeven_toll_usd"]


def toll_revenue_usd(surcharge_usd_per_vehicle, crossings_per_year):
    """Yearly revenue of a toll surcharge.

    Parameters
    ----------
    surcharge_usd_per_vehicle : numeric
        Surcharge per crossing. [USD/vehicle]
    crossings_per_year : numeric
        Tolled crossings. [vehicles/year]

    Returns
    -------
    numeric
        Revenue. [USD/year]

    Examples
    --------
    >>> toll_revenue_usd(0.5, 1_000_000.0)
    500000.0
    """
    return surcharge_usd_per_vehicle * crossings_per_year


def breakeven_toll_usd(pv_sponsor_net_without_toll, pv_tolled_crossings):
    """Smallest toll surcharge that brings the sponsor's financial NPV to zero.

    The sponsor's NPV is linear in the surcharge ``s``:
    ``NPV(s) = NPV(0) + s * PV(crossings)``, so the break-even surcharge is
    ``max(0, -NPV(0) / PV(crossings))`` (solved, not searched).

    Parameters
    ----------
    pv_sponsor_net_without_toll : numeric
        Present value of the sponsor's net flows without any toll (usually
        negative: reimbursements and capital it pays). [USD]
    pv_tolled_crossings : numeric
        Present value of the tolled crossings, i.e. crossings discounted like
        money. [vehicles]

    Returns
    -------
    numeric
        Surcharge per crossing; 0 where the sponsor breaks even without a toll,
        NaN where nothing is tolled. [USD/vehicle]

    Examples
    --------
    >>> breakeven_toll_usd(-1_000_000.0, 2_000_000.0)
    0.5
    >>> breakeven_toll_usd(50.0, 10.0)
    0.0
    """
    npv0 = np.asarray(pv_sponsor_net_without_toll, dtype=float)
    q = np.asarray(pv_tolled_crossings, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(q > 0, np.maximum(0.0, -npv0 / np.where(q > 0, q, 1.0)), np.nan)
    return float(out) if out.ndim == 0 else out
