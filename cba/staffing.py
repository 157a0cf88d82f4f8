"""Officer hours and the cost of staffing extra booth-hours.

Main functions: :func:`officer_hours_per_year`, :func:`staffing_cost_usd`.
"""

from __future__ import annotations

__all__ = ["officer_hours_per_year", "staffing_cost_usd"]


def officer_hours_per_year(
    extra_booth_hours_per_day, officers_per_booth, days_per_year
):
    """Officer-hours a year needed to open extra booth-hours.

    Parameters
    ----------
    extra_booth_hours_per_day : numeric
        Booth-hours added per day (sum over hours of extra booths open).
        [booth-hours/day]
    officers_per_booth : numeric
        Officers per open booth. [officers/booth]
    days_per_year : numeric
        Operating days. [days/year]

    Returns
    -------
    numeric
        Officer-hours per year. [officer-hours/year]

    Examples
    --------
    >>> officer_hours_per_year(10.0, 1.0, 365.0)
    3650.0
    """
    return extra_booth_hours_per_day * officers_per_booth * days_per_year


def staffing_cost_usd(officer_hours, hourly_cost_usd, overtime_premium=1.0):
    """Cost of officer-hours at a loaded hourly cost, with an overtime multiplier.

    Parameters
    ----------
    officer_hours : numeric
        Officer-hours. [officer-hours]
    hourly_cost_usd : numeric
        Loaded straight-time cost of one officer-hour. [USD/hour]
    overtime_premium : numeric
        1 for straight time; e.g. 1.5 for overtime. [factor]

    Returns
    -------
    numeric
        Cost. [USD]

    Examples
    --------
    >>> staffing_cost_usd(1000.0, 100.0, 1.5)
    150000.0
    """
    return officer_hours * hourly_cost_usd * overtime_premium
