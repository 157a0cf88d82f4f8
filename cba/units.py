"""Unit vocabulary and dollar-year conversion.

Every parameter file value carries a unit from the closed list :data:`UNITS`.
Money is converted once, when an appraisal draws its inputs
(:func:`cba.appraisal.inputs.draw_values`), to the report dollar-year with
:func:`to_dollar_year` (a price-index ratio) and, for pesos, :func:`mxn_to_usd`;
the parameter objects keep the values as written, in their own dollar-year.

Main functions: :func:`to_dollar_year`, :func:`mxn_to_usd`, :func:`is_money`.

Convention
----------
Values in Mexican pesos are first converted to US dollars at the annual-average
exchange rate of their own dollar-year, then moved to the report year with the
US price index (convert, then deflate). The other order (deflate with INPC in
pesos, then convert at the report year's rate) gives a different answer when
relative inflation differs from exchange-rate movements; we use one order
everywhere and state it here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .exceptions import ModelDomainError

__all__ = [
    "UNITS",
    "MONEY_UNITS",
    "is_money",
    "to_dollar_year",
    "mxn_to_usd",
    "index_value",
]

#: Closed list of units accepted in parameter files, with a one-line meaning.
UNITS: dict[str, str] = {
    "/1": "dimensionless fraction or ratio",
    "factor": "dimensionless multiplier",
    "/hour": "share per hour (e.g. of trips given up per hour of added delay)",
    "years": "years",
    "days/year": "operating days per year",
    "hours": "hours",
    "minutes": "minutes",
    "minutes/vehicle": "mean processing time per vehicle",
    "vehicles/year": "vehicles per year",
    "vehicles/day": "vehicles per day",
    "vehicles/hour": "vehicles per hour",
    "booths": "inspection booths (servers) open",
    "officers/booth": "officers needed to staff one open booth",
    "persons/vehicle": "occupants per vehicle",
    "gal/vehicle-hour": "US gallons of fuel burned per vehicle-hour of idling",
    "g/gal": "grams emitted per US gallon of fuel burned",
    "USD": "US dollars",
    "MXN": "Mexican pesos",
    "USD/year": "US dollars per year",
    "USD/hour": "US dollars per hour (e.g. per officer-hour)",
    "USD/person-hour": "US dollars per person-hour (value of time)",
    "USD/vehicle-hour": "US dollars per vehicle-hour (a vehicle's time cost)",
    "USD/gal": "US dollars per US gallon",
    "USD/vehicle": "US dollars per vehicle crossing",
    "USD/tCO2": "US dollars per metric ton of CO2",
    "USD/t": "US dollars per metric ton of pollutant",
    "index": "price index level (base period = 100)",
    "MXN/USD": "Mexican pesos per US dollar",
    "officer-hours/year": "officer-hours per year",
    "officer-hours": "officer-hours (a total)",
    "events/year": "expected events a year (disruptions of a kind)",
    "calendar year": "a calendar year, e.g. 2015",
}

#: Units that are money and therefore need a ``dollar_year``.
MONEY_UNITS = frozenset(
    u for u in UNITS if u.startswith("USD") or u.startswith("MXN") and u != "MXN/USD"
)

#: Units of rates that need a ``basis`` (real or nominal).
RATE_UNITS = frozenset({"/1"})


def is_money(unit: str) -> bool:
    """Return True if ``unit`` is a money unit (needs a dollar-year).

    Examples
    --------
    >>> is_money("USD/hour"), is_money("minutes")
    (True, False)
    """
    return unit in MONEY_UNITS


def index_value(
    table: Mapping[int, float], year: int, name: str = "price index"
) -> float:
    """Return the value of a yearly table for ``year``.

    Raises
    ------
    ModelDomainError
        If the table has no value for that year (no silent extrapolation).
    """
    try:
        return float(table[int(year)])
    except KeyError:
        years = sorted(table)
        raise ModelDomainError(
            f"{name} has no value for {year}; it covers {years[0]}-{years[-1]}"
        ) from None


def to_dollar_year(value, from_year: int, to_year: int, index: Mapping[int, float]):
    """Convert money from ``from_year`` dollars to ``to_year`` dollars.

    Parameters
    ----------
    value : numeric
        Amount in ``from_year`` dollars. [USD]
    from_year, to_year : int
        Dollar-years.
    index : mapping of int to float
        Annual price-index levels (e.g. CPI-U annual averages). [index]

    Returns
    -------
    numeric
        Amount in ``to_year`` dollars,
        ``value * index[to_year] / index[from_year]``. [USD]

    Examples
    --------
    >>> to_dollar_year(100.0, 2020, 2024, {2020: 100.0, 2024: 120.0})
    120.0
    """
    if from_year == to_year:
        return value
    ratio = index_value(index, to_year) / index_value(index, from_year)
    return value * ratio


def mxn_to_usd(value_mxn, year: int, mxn_per_usd: Mapping[int, float]):
    """Convert pesos to US dollars of the same year at the annual-average rate.

    Parameters
    ----------
    value_mxn : numeric
        Amount in Mexican pesos of ``year``. [MXN]
    year : int
        Year of the amount and of the exchange rate.
    mxn_per_usd : mapping of int to float
        Annual-average exchange rates. [MXN/USD]

    Returns
    -------
    numeric
        Amount in US dollars of ``year``. [USD]

    Examples
    --------
    >>> mxn_to_usd(200.0, 2024, {2024: 20.0})
    10.0
    """
    rate = index_value(mxn_per_usd, year, "MXN/USD rate")
    return (
        np.divide(value_mxn, rate) if not np.isscalar(value_mxn) else value_mxn / rate
    )
