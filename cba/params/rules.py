"""Range rules of parameter values, by key name, checked after the schema.

A :class:`Rule` says which numbers (and units, and list lengths) a kind of
value accepts; :data:`STREAM_RULES` and :func:`rule_for` give the rule of a key;
:func:`check_param` raises :class:`~cba.exceptions.ParameterError` naming the key
path, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import ParameterError
from ..vocab import HOURS
from .schema import Param

__all__ = [
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
BOOTHS24 = Rule(0.0, length=HOURS, integer=True, units=("booths",))


# Rules by key name, for values under streams / parameters / changes.
STREAM_RULES = {
    "arrival_profile": PROFILE,
    "booths_open": BOOTHS24,
    "processing_minutes": POSITIVE,
    "processing_cv": POSITIVE,
    "secondary_referral_share": SHARE,
    "secondary_booths": Rule(0.0, integer=True),
    "secondary_minutes": POSITIVE,
    "secondary_cv": POSITIVE,
    "occupancy": NONNEG,
    "idle_fuel": NONNEG,
    "users_us_share": SHARE,
    "share": SHARE,
    "annual": NONNEG,
    "extra_booths": Rule(None, length=HOURS, integer=True),
    "processing_factor": POSITIVE,
    "secondary_referral_factor": NONNEG,
    "shift_share": SHARE,
    "amount": NONNEG,
    "cargo_value": NONNEG,
    "asset_life_years": POSITIVE,
}


def rule_for(name: str) -> Rule | None:
    """The rule of a value named ``name`` (stream keys by name, then by suffix)."""
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
    if rule.length is not None:
        n = len(p.value) if isinstance(p.value, tuple) else 1
        if n != rule.length:
            raise ParameterError(
                f"value has {n} entries; allowed: a list of {rule.length} hourly "
                "values (hour 0 = midnight to 1 am)",
                key_path=path + ".value",
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
