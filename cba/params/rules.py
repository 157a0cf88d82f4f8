"""Range rules of parameter values, by key name, checked after the schema.

A :class:`Rule` says which numbers (and units, and list lengths) a kind of
value accepts; :data:`STREAM_RULES` and :func:`rule_for` give the rule of a key;
:func:`check_param` raises :class:`~cba.exceptions.ParameterError` naming the key
path, the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..exceptions import ParameterError
from ..vocab import HOURS
from .schema import Param

__all__ = [
    "NAME_RULES",
    "MINUTES",
    "CV",
    "FACTOR",
    "MAX_BOOTHS",
    "Rule",
    "SHARE",
    "NONNEG",
    "POSITIVE",
    "RATE",
    "PROFILE",
    "BOOTHS24",
    "STREAM_RULES",
    "rule_for",
    "check_param",
]


@dataclass(frozen=True)
class Rule:
    """Numbers a kind of value accepts: bounds (open or closed), a list length,
    whole numbers only, and the units allowed (empty: any)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    length: int | None = None
    integer: bool = False
    units: tuple[str, ...] = ()

    def allowed(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        text = " and ".join(parts) or "any number"
        if self.integer:
            text = "whole numbers " + text
        return text

    def ok(self, x: float) -> bool:
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        if self.high is not None and (
            x >= self.high if self.high_open else x > self.high
        ):
            return False
        if self.integer and x != int(x):
            return False
        return True


SHARE = Rule(0.0, 1.0, units=("/1",))
NONNEG = Rule(0.0)
POSITIVE = Rule(0.0, low_open=True)
RATE = Rule(-1.0, 1.0, low_open=True, high_open=True, units=("/1",))
PROFILE = Rule(0.0, 1.0, length=HOURS, units=("/1",))
#: Booths a crossing can open: physical lanes number in the tens, never hundreds.
MAX_BOOTHS = 500.0
BOOTHS24 = Rule(0.0, MAX_BOOTHS, length=HOURS, integer=True, units=("booths",))
#: A vehicle is processed within a day. [minutes]
MINUTES = Rule(0.0, 1440.0, low_open=True)
#: Coefficients of variation of processing times. [/1]
CV = Rule(0.0, 10.0, low_open=True)
#: Multipliers an option applies. [factor]
FACTOR = Rule(0.0, 10.0, low_open=True)


#: Rules by key name, for values under streams / parameters / changes; each
#: bound is a physical or logical limit (units in the README glossary).
STREAM_RULES = {
    "arrival_profile": PROFILE,
    "booths_open": BOOTHS24,
    "lanes": Rule(1.0, MAX_BOOTHS, integer=True, units=("booths",)),
    "extra_lanes": Rule(0.0, MAX_BOOTHS, integer=True, units=("booths",)),
    "processing_minutes": MINUTES,
    "bridge_minutes": MINUTES,
    "processing_cv": CV,
    "secondary_referral_share": SHARE,
    "secondary_booths": Rule(0.0, MAX_BOOTHS, integer=True, units=("booths",)),
    "secondary_minutes": MINUTES,
    "secondary_cv": CV,
    "occupancy": Rule(0.0, 100.0),  # persons/vehicle (a bus at most)
    "idle_fuel": Rule(0.0, 10.0),  # gal/vehicle-hour (a heavy truck idles near 1)
    "users_us_share": SHARE,
    "share": SHARE,
    "annual": Rule(0.0, 1e9),  # vehicles/year (the busiest crossings carry ~1e7)
    "growth": RATE,
    "extra_booths": Rule(-MAX_BOOTHS, MAX_BOOTHS, length=HOURS, integer=True),
    "processing_factor": FACTOR,
    "secondary_referral_factor": Rule(0.0, 10.0),
    "export_exam_factor": Rule(0.0, 10.0),
    "exam_share": SHARE,
    "exam_positions": Rule(0.0, MAX_BOOTHS, integer=True, units=("booths",)),
    "exam_minutes": MINUTES,
    "exam_cv": CV,
    "positions": Rule(0.0, MAX_BOOTHS, integer=True, units=("booths",)),
    "minutes": MINUTES,
    "cv": CV,
    "shift_share": SHARE,
    "diverted_share": SHARE,
    "saturday": Rule(0.0, 3.0, units=("/1",)),
    "sunday": Rule(0.0, 3.0, units=("/1",)),
    "wait_minutes": Rule(0.0, 1440.0, units=("minutes",)),
    "utilisation": Rule(0.0, 1.0, high_open=True, units=("/1",)),
    "amount": NONNEG,
    "cargo_value": Rule(0.0, 1e9),  # USD/vehicle
    "empty_share": SHARE,
    "asset_life_years": Rule(0.0, 200.0, low_open=True),
    "toll_surcharge": Rule(0.0, 1000.0),  # USD/vehicle
}

#: Rules of shared (or site-level) parameters by name.
NAME_RULES = {
    "days_per_year": Rule(0.0, 366.0, low_open=True),
    "trips_lost_per_hour_of_delay": Rule(0.0, 10.0),
    "peak_spread_share": Rule(0.0, 1.0, units=("/1",)),
    "peak_spread_fill": Rule(0.0, 1.0, units=("/1",)),
    "saturday_ratio_truck": Rule(0.0, 3.0, units=("/1",)),
    "sunday_ratio_truck": Rule(0.0, 3.0, units=("/1",)),
    "saturday_ratio_passenger_vehicle": Rule(0.0, 3.0, units=("/1",)),
    "sunday_ratio_passenger_vehicle": Rule(0.0, 3.0, units=("/1",)),
    "value_co2": Rule(0.0, 1.0, integer=True),  # a switch: 0 or 1
    "officers_per_booth": Rule(0.0, 10.0, low_open=True),
    "staffing_substitution_share": Rule(0.0, 1.0, high_open=True),
    "overtime_premium": Rule(1.0, 5.0),
    "cpi_u": POSITIVE,
    "mxn_per_usd": POSITIVE,
}


def rule_for(name: str) -> Rule | None:
    """The rule of a value named ``name`` (by name, then by suffix)."""
    if name in NAME_RULES:
        return NAME_RULES[name]
    if name in STREAM_RULES:
        return STREAM_RULES[name]
    if name.startswith("discount_rate"):
        return RATE
    if name.endswith("_share") or name.endswith("_frac"):
        return SHARE
    return NONNEG


def check_param(p: Param, path: str, rule: Rule | None) -> None:
    """Raise :class:`ParameterError` at ``path`` if ``p`` breaks ``rule``."""
    if rule is None:
        return
    if rule.units and p.unit not in rule.units:
        raise ParameterError(
            f"unit '{p.unit}' is not allowed here; use " + " or ".join(rule.units),
            key_path=path + ".unit",
        )
    if rule.length is None and isinstance(p.value, tuple):
        raise ParameterError(
            f"value is a list of {len(p.value)} numbers; allowed: a single number",
            key_path=path + ".value",
        )
    if rule.length is not None:
        n = len(p.value) if isinstance(p.value, tuple) else 1
        if n != rule.length:
            raise ParameterError(
                f"value has {n} entries; allowed: a list of {rule.length} hourly "
                "values (hour 0 = midnight to 1 am)",
                key_path=path + ".value",
            )
    if p.distribution is not None:
        lo, hi = p.distribution.support()
        for bound, end, side in ((rule.low, lo, "lower"), (rule.high, hi, "upper")):
            if bound is not None and math.isinf(end):
                raise ParameterError(
                    f"the {p.distribution.type} distribution has no {side} bound, but "
                    f"the value must stay {rule.allowed()}; allowed: a distribution "
                    "bounded there (give 'low'/'high', or use triangular or pert)",
                    key_path=path + ".distribution",
                )
    for x in p.numbers():
        if not rule.ok(x):
            where = (
                f" (in {[f'{v:g}' for v in p.value]})"
                if isinstance(p.value, tuple)
                else ""
            )
            raise ParameterError(
                f"value {x:g} is out of range{where}; allowed: {rule.allowed()}",
                key_path=path + (".value" if p.values is None else ".values"),
            )
