"""Idling emissions avoided and their damage costs.

Main functions: :func:`emissions_t`, :func:`damage_usd`.

Emissions are computed from fuel saved times grams per gallon; damage costs are
dollars per metric ton. CO2 is valued only when the caller's switch is on
(USDOT guidance has not monetised CO2 since May 2025).
"""

from __future__ import annotations

__all__ = ["GRAMS_PER_TONNE", "emissions_t", "damage_usd"]

#: Grams per metric ton (a unit fact, not a parameter).
GRAMS_PER_TONNE = 1_000_000.0


def emissions_t(fuel_gal, grams_per_gal):
    """Mass emitted by burning ``fuel_gal`` gallons.

    Parameters
    ----------
    fuel_gal : numeric
        Fuel burned. [gal]
    grams_per_gal : numeric
        Emission rate. [g/gal]

    Returns
    -------
    numeric
        Emissions. [metric tons]

    Examples
    --------
    >>> emissions_t(1000.0, 10180.0)
    10.18
    """
    return fuel_gal * grams_per_gal / GRAMS_PER_TONNE


def damage_usd(tonnes, damage_cost_usd_per_t):
    """Monetised damage of emissions.

    Parameters
    ----------
    tonnes : numeric
        Emissions. [metric tons]
    damage_cost_usd_per_t : numeric
        Damage cost. [USD/t]

    Returns
    -------
    numeric
        Damage. [USD]

    Examples
    --------
    >>> damage_usd(2.0, 8000.0)
    16000.0
    """
    return tonnes * damage_cost_usd_per_t
