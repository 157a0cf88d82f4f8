"""User benefits of shorter waits: travel time and idle fuel.

Main functions: :func:`time_savings_usd`, :func:`fuel_savings_usd`.

All functions take plain numbers or arrays (leading draw axes broadcast) and
return money in the dollar-year of their money inputs.
"""

from __future__ import annotations

__all__ = [
    "HOURS_PER_YEAR",
    "time_savings_usd",
    "fuel_savings_usd",
    "fuel_saved_gal",
    "cargo_time_savings_usd",
]

#: Hours in a (non-leap) year, to turn an annual carrying rate into an hourly one.
HOURS_PER_YEAR = 8760.0


def time_savings_usd(vehicle_hours_saved, occupancy, value_of_time_usd_per_person_hour):
    """Value of person-hours no longer spent waiting.

    Parameters
    ----------
    vehicle_hours_saved : numeric
        Reduction in vehicle-hours of delay (negative = more delay). [vehicle-hours]
    occupancy : numeric
        Persons per vehicle. [persons/vehicle]
    value_of_time_usd_per_person_hour : numeric
        Value of travel time for the stream's class. [USD/person-hour]

    Returns
    -------
    numeric
        ``vehicle_hours_saved * occupancy * value_of_time``. [USD]

    Notes
    -----
    Existing traffic only (no rule-of-half for induced trips): wait changes
    here do not change the number of crossings.

    References
    ----------
    USDOT, Benefit-Cost Analysis Guidance for Discretionary Grant Programs (2025).

    Examples
    --------
    >>> time_savings_usd(1000.0, 1.5, 20.0)
    30000.0
    """
    return vehicle_hours_saved * occupancy * value_of_time_usd_per_person_hour


def fuel_saved_gal(vehicle_hours_saved, idle_fuel_gal_per_vehicle_hour):
    """Fuel not burned idling in the queue.

    Parameters
    ----------
    vehicle_hours_saved : numeric
        Reduction in vehicle-hours of delay. [vehicle-hours]
    idle_fuel_gal_per_vehicle_hour : numeric
        Idle fuel burn. [gal/vehicle-hour]

    Returns
    -------
    numeric
        Gallons saved. [gal]

    Examples
    --------
    >>> fuel_saved_gal(1000.0, 0.5)
    500.0
    """
    return vehicle_hours_saved * idle_fuel_gal_per_vehicle_hour


def fuel_savings_usd(
    vehicle_hours_saved, idle_fuel_gal_per_vehicle_hour, fuel_price_usd_per_gal
):
    """Resource value of idle fuel saved (fuel price net of taxes).

    Parameters
    ----------
    vehicle_hours_saved : numeric
        Reduction in vehicle-hours of delay. [vehicle-hours]
    idle_fuel_gal_per_vehicle_hour : numeric
        Idle fuel burn. [gal/vehicle-hour]
    fuel_price_usd_per_gal : numeric
        Fuel resource cost excluding taxes (taxes are transfers). [USD/gal]

    Returns
    -------
    numeric
        Value of fuel saved. [USD]

    Examples
    --------
    >>> fuel_savings_usd(1000.0, 0.5, 3.0)
    1500.0
    """
    return (
        fuel_saved_gal(vehicle_hours_saved, idle_fuel_gal_per_vehicle_hour)
        * fuel_price_usd_per_gal
    )


def cargo_time_savings_usd(
    vehicle_hours_saved, cargo_value_usd_per_vehicle, carrying_rate_per_year
):
    """Inventory carrying cost saved when cargo spends less time waiting.

    Parameters
    ----------
    vehicle_hours_saved : numeric
        Reduction in vehicle-hours (or shipment-hours) of delay. [vehicle-hours]
    cargo_value_usd_per_vehicle : numeric
        Value of the goods on one vehicle or in one shipment. [USD/vehicle]
    carrying_rate_per_year : numeric
        Annual inventory carrying rate. [/1 per year]

    Returns
    -------
    numeric
        ``hours * value * rate / 8760``. [USD]

    Notes
    -----
    A simple method (value x carrying rate / hours per year); it leaves out the
    reliability premium of just-in-time flows, which may be larger.

    Examples
    --------
    >>> cargo_time_savings_usd(8760.0, 100000.0, 0.15)
    15000.0
    """
    return (
        vehicle_hours_saved
        * cargo_value_usd_per_vehicle
        * carrying_rate_per_year
        / HOURS_PER_YEAR
    )
