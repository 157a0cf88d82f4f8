"""Load and validate parameter files into frozen, typed objects.

Parameter files are YAML (see ``STYLE.md`` §7 and the glossary in ``README.md``).
Shared values live in ``parameters/common/*.yaml``; each port of entry has one
file in ``parameters/sites/``. Every leaf value is a :class:`Param` record with
its unit and source.

Main functions: :func:`load_site`, :func:`load_common`, :func:`validate_file`,
:func:`read_yaml`.

Every problem with a file raises :class:`~cba.exceptions.ParameterError` whose
message names the file, the key path, the offending value and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .exceptions import ParameterError
from .units import MONEY_UNITS, UNITS

__all__ = [
    "Source",
    "Distribution",
    "Param",
    "Stream",
    "Option",
    "CostItem",
    "Funding",
    "SiteFile",
    "CommonFile",
    "Site",
    "STAKEHOLDERS",
    "OPTION_KINDS",
    "read_yaml",
    "load_common",
    "load_site",
    "validate_file",
    "find_common_dir",
    "file_sha256",
]

SCHEMA_VERSION = 1
HOURS_PER_DAY = 24
#: Stakeholder accounts every cash flow is booked to.
STAKEHOLDERS = ("us_federal", "mx_federal", "sponsor", "users_us", "users_mx")
#: Kinds of pre-clearance option a site may carry.
OPTION_KINDS = (
    "status_quo",
    "sponsor_staffing",
    "donated_infrastructure",
    "unified_processing",
    "pre_inspection",
    "trusted_traveler",
    "combined",
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")


# --------------------------------------------------------------------------- YAML
class _Loader(yaml.SafeLoader):
    """Safe loader that rejects duplicate keys and keeps dates as strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as written: drop the implicit timestamp resolver.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: str | Path) -> dict:
    """Read one YAML file that must hold a mapping.

    Raises
    ------
    ParameterError
        If the file is missing, is not valid YAML, has duplicate keys or is not
        a mapping at the top level.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read file ({exc})", file=str(path)) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(
            f"invalid YAML at {where}: {problem}; fix the syntax (two-space indent, "
            "'key: value' pairs)",
            file=str(path),
        ) from None
    if not isinstance(data, dict):
        raise ParameterError(
            f"the document is a {type(data).__name__}, not a mapping; a parameter "
            "file must be a mapping with keys such as 'schema_version' and 'parameters'",
            file=str(path),
        )
    return data


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (for provenance)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- models
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _number(x: Any, what: str = "value") -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{what} {x!r} is not a number")
    return float(x)


class Source(_Strict):
    """Where a value comes from: a document, or a labelled judgement."""

    title: str | None = None
    href: str | None = None
    accessed: str | None = None
    tag: Literal["V", "S", "D", "R", "assumption", "calibrated"] | None = None
    note: str | None = None
    assumption: str | None = None
    rationale: str | None = None
    owner: str | None = None

    @model_validator(mode="after")
    def _one_form(self):
        doc = self.title is not None
        assumption = self.assumption is not None
        if doc == assumption:
            raise ValueError(
                "a source is either {title, href, accessed} or {assumption, rationale, "
                "owner}"
            )
        if doc and not self.href:
            raise ValueError("a document source needs 'href' (a URL or document id)")
        if assumption and not (self.rationale and self.owner):
            raise ValueError("an assumption needs 'rationale' and 'owner' (a role)")
        return self

    @property
    def is_assumption(self) -> bool:
        return self.assumption is not None

    def label(self) -> str:
        if self.is_assumption:
            return f"Assumption ({self.owner}): {self.assumption}"
        parts = [self.title or ""]
        if self.tag:
            parts.append(f"[{self.tag}]")
        return " ".join(parts)


_DIST_FIELDS = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "gsd"),
}


class Distribution(_Strict):
    """Uncertainty on a parameter (omitted means fixed)."""

    type: Literal["uniform", "triangular", "pert", "normal", "lognormal"]
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    gsd: float | None = None

    @model_validator(mode="after")
    def _fields(self):
        needed = _DIST_FIELDS[self.type]
        optional = ("low", "high") if self.type == "normal" else ()
        for name in ("low", "mode", "high", "mean", "sd", "median", "gsd"):
            given = getattr(self, name) is not None
            if name in needed and not given:
                raise ValueError(f"a {self.type} distribution needs '{name}'")
            if given and name not in needed and name not in optional:
                raise ValueError(
                    f"'{name}' is not used by a {self.type} distribution; it takes "
                    + ", ".join(needed + optional)
                )
        if self.type in ("uniform", "triangular", "pert") and not (
            self.low < self.high
            and (self.mode is None or self.low <= self.mode <= self.high)
        ):
            raise ValueError("needs low <= mode <= high and low < high")
        if self.type == "normal" and self.sd <= 0:
            raise ValueError(f"sd {self.sd} must be > 0")
        if self.type == "lognormal" and (self.median <= 0 or self.gsd <= 1):
            raise ValueError("needs median > 0 and gsd > 1")
        return self

    def support(self) -> tuple[float, float]:
        """Lower and upper bound of the distribution (may be infinite)."""
        inf = float("inf")
        if self.type in ("uniform", "triangular", "pert"):
            return self.low, self.high
        if self.type == "normal":
            return (
                self.low if self.low is not None else -inf,
                self.high if self.high is not None else inf,
            )
        return 0.0, inf

    def central(self) -> float:
        return {
            "uniform": lambda: (self.low + self.high) / 2,
            "triangular": lambda: self.mode,
            "pert": lambda: self.mode,
            "normal": lambda: self.mean,
            "lognormal": lambda: self.median,
        }[self.type]()


class Param(_Strict):
    """One sourced value: ``value`` (scalar or list) or ``values`` by year."""

    description: str
    value: Any = None
    values: dict[int, float] | None = None
    unit: str
    dollar_year: int | None = None
    basis: Literal["real", "nominal"] | None = None
    source: Source
    distribution: Distribution | None = None
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _value(cls, v):
        if v is None:
            return v
        if isinstance(v, (list, tuple)):
            if not v:
                raise ValueError("an empty list is not a value")
            return tuple(_number(x, "list item") for x in v)
        return _number(v)

    @field_validator("unit")
    @classmethod
    def _unit(cls, v):
        if v not in UNITS:
            close = difflib.get_close_matches(v, list(UNITS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(
                f"unit '{v}' is not a known unit{hint}; use one of: " + ", ".join(UNITS)
            )
        return v

    @model_validator(mode="after")
    def _consistency(self):
        if (self.value is None) == (self.values is None):
            raise ValueError("give exactly one of 'value' or 'values' (by year)")
        if self.unit in MONEY_UNITS and self.dollar_year is None:
            raise ValueError(f"money in '{self.unit}' needs 'dollar_year'")
        if self.distribution is not None:
            if self.values is not None or isinstance(self.value, tuple):
                raise ValueError("a distribution applies to a single scalar 'value'")
            lo, hi = self.distribution.support()
            if not lo <= self.value <= hi:
                raise ValueError(
                    f"value {self.value} lies outside its distribution's support "
                    f"[{lo}, {hi}]"
                )
        return self

    @property
    def is_assumption(self) -> bool:
        return self.source.is_assumption

    def numbers(self) -> list[float]:
        """All numbers this record holds (for range checks)."""
        if self.values is not None:
            return list(self.values.values())
        if isinstance(self.value, tuple):
            return list(self.value)
        out = [self.value]
        if self.distribution is not None:
            out += [b for b in self.distribution.support() if abs(b) != float("inf")]
        return out


# Range-constrained parameter kinds. ``_check`` runs after the model is built so
# the message can carry the key path.
@dataclass(frozen=True)
class _Rule:
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
        if self.high is not None and (x >= self.high if self.high_open else x > self.high):
            return False
        if self.integer and x != int(x):
            return False
        return True


SHARE = _Rule(0.0, 1.0, units=("/1",))
NONNEG = _Rule(0.0)
POSITIVE = _Rule(0.0, low_open=True)
RATE = _Rule(-1.0, 1.0, low_open=True, high_open=True, units=("/1",))
PROFILE = _Rule(0.0, 1.0, length=HOURS_PER_DAY, units=("/1",))
BOOTHS24 = _Rule(0.0, length=HOURS_PER_DAY, integer=True, units=("booths",))


class Volume(_Strict):
    """Base-year volume of a stream: from the shipped BTS data, or a typed value."""

    port_code: str | None = None
    measure: str | None = None
    share: Param | None = None
    annual: Param | None = None
    growth: Param | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _form(self):
        data = self.port_code is not None or self.measure is not None
        if data and self.annual is not None:
            raise ValueError("give either {port_code, measure, share} or 'annual', not both")
        if data and (self.port_code is None or self.measure is None or self.share is None):
            raise ValueError("a data-based volume needs 'port_code', 'measure' and 'share'")
        if not data and self.annual is None:
            raise ValueError("give {port_code, measure, share} or 'annual'")
        if data and self.growth is not None:
            raise ValueError("'growth' applies to a typed 'annual' volume; data-based volumes grow with the forecast")
        return self


class Stream(_Strict):
    """One traffic stream (direction x mode x lane program) at a site."""

    description: str
    mode: Literal["truck", "passenger_vehicle", "pedestrian", "air_cargo"]
    value_of_time_class: Literal["personal", "business", "truck_driver", "walk_wait"]
    fuel: Literal["gasoline", "diesel", "none"]
    volume: Volume
    arrival_profile: Param
    booths_open: Param
    processing_minutes: Param
    processing_cv: Param
    secondary_referral_share: Param
    secondary_booths: Param
    secondary_minutes: Param
    occupancy: Param | None = None
    idle_fuel: Param | None = None
    cargo_value: Param | None = None
    users_us_share: Param


class StreamChange(_Strict):
    """What an option changes for one stream (each key optional)."""

    extra_booths: Param | None = None
    processing_factor: Param | None = None
    secondary_referral_factor: Param | None = None
    shift_share: Param | None = None
    shift_to: str | None = None

    @model_validator(mode="after")
    def _shift(self):
        if (self.shift_share is None) != (self.shift_to is None):
            raise ValueError("'shift_share' and 'shift_to' go together")
        return self


class CostItem(_Strict):
    """A cost of an option: a one-off capital outlay or a yearly amount."""

    description: str
    kind: Literal["capital", "annual"]
    amount: Param
    payer: Literal["us_federal", "mx_federal", "sponsor", "users_us", "users_mx"]
    asset_life_years: Param | None = None
    year: int | None = None

    @model_validator(mode="after")
    def _life(self):
        if self.kind == "capital" and self.asset_life_years is None:
            raise ValueError("a capital cost needs 'asset_life_years'")
        return self


class Staffing(_Strict):
    """Who pays for the officer-hours an option adds, and how they are paid."""

    payer: Literal["us_federal", "mx_federal", "sponsor"]
    pay: Literal["overtime", "straight_time"]
    reimbursed_to_cbp: bool = False


class Funding(_Strict):
    """How an option's sponsor recovers its outlay: a toll surcharge per crossing."""

    toll_surcharge: Param | None = None
    tolled_streams: list[str] = []
    recipient: Literal["sponsor", "us_federal", "mx_federal"] = "sponsor"

    @model_validator(mode="after")
    def _streams(self):
        if self.toll_surcharge is not None and not self.tolled_streams:
            raise ValueError("a toll surcharge needs 'tolled_streams'")
        return self


class Option(_Strict):
    """A pre-clearance alternative: changes to the baseline plus costs and timing."""

    name: str
    kind: Literal[
        "status_quo",
        "sponsor_staffing",
        "donated_infrastructure",
        "unified_processing",
        "pre_inspection",
        "trusted_traveler",
        "combined",
    ]
    description: str
    start_year: int | None = None
    ramp_up_years: int = 1
    changes: dict[str, StreamChange] = {}
    costs: list[CostItem] = []
    staffing: Staffing | None = None
    funding: Funding | None = None
    combines: list[str] = []
    source_note: str | None = None


class SiteInfo(_Strict):
    id: str
    name: str
    port_code: str | None = None
    description: str
    base_year: int
    horizon_years: int
    report_dollar_year: int

    @field_validator("id")
    @classmethod
    def _slug(cls, v):
        if not _SLUG.match(v):
            raise ValueError(
                f"site id {v!r} must be a slug: lower-case letters, digits and '_', "
                "starting with a letter or digit"
            )
        return v

    @field_validator("horizon_years")
    @classmethod
    def _horizon(cls, v):
        if not 1 <= v <= 100:
            raise ValueError(f"horizon_years {v} must lie in 1..100")
        return v


class Correlation(_Strict):
    """Rank correlation between two uncertain parameters in the Monte Carlo.

    ``between`` names two key paths as they appear in the parameter appendix
    (``common.vtts_truck_driver``, ``streams.trucks.processing_minutes``, ...);
    ``rho`` is the correlation of their normal scores (Gaussian copula).
    """

    between: tuple[str, str]
    rho: float
    source: Source


class SiteFile(_Strict):
    """Schema of a site file (``parameters/sites/<id>.yaml``)."""

    schema_version: Literal[1]
    site: SiteInfo
    parameters: dict[str, Param] = {}
    streams: dict[str, Stream]
    options: dict[str, Option]
    correlations: list[Correlation] = []


class CommonFile(_Strict):
    """Schema of a shared-values file (``parameters/common/*.yaml``)."""

    schema_version: Literal[1]
    description: str
    parameters: dict[str, Param]


# Rules by key name, for values under streams / parameters / changes.
_STREAM_RULES = {
    "arrival_profile": PROFILE,
    "booths_open": BOOTHS24,
    "processing_minutes": POSITIVE,
    "processing_cv": POSITIVE,
    "secondary_referral_share": SHARE,
    "secondary_booths": _Rule(0.0, integer=True),
    "secondary_minutes": POSITIVE,
    "occupancy": NONNEG,
    "idle_fuel": NONNEG,
    "users_us_share": SHARE,
    "share": SHARE,
    "annual": NONNEG,
    "extra_booths": _Rule(None, length=HOURS_PER_DAY, integer=True),
    "processing_factor": POSITIVE,
    "secondary_referral_factor": NONNEG,
    "shift_share": SHARE,
    "amount": NONNEG,
    "cargo_value": NONNEG,
    "asset_life_years": POSITIVE,
}


def _rule_for(name: str) -> _Rule | None:
    if name in _STREAM_RULES:
        return _STREAM_RULES[name]
    if name.startswith("discount_rate"):
        return RATE
    if name.endswith("_share") or name.endswith("_frac"):
        return SHARE
    return NONNEG


def _check_param(p: Param, path: str, rule: _Rule | None) -> None:
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
                f"value has {n} entries; allowed: a list of {rule.length} hourly values "
                "(hour 0 = midnight to 1 am)",
                key_path=path + ".value",
            )
    for x in p.numbers():
        if not rule.ok(x):
            where = f" (in {[f'{v:g}' for v in p.value]})" if isinstance(p.value, tuple) else ""
            raise ParameterError(
                f"value {x:g} is out of range{where}; allowed: {rule.allowed()}",
                key_path=path + (".value" if p.values is None else ".values"),
            )


def _semantic_checks(model: SiteFile | CommonFile) -> None:
    for name, p in model.parameters.items():
        _check_param(p, f"parameters.{name}", _rule_for(name))
    if isinstance(model, CommonFile):
        return
    for sid, s in model.streams.items():
        base = f"streams.{sid}"
        for fname in Stream.model_fields:
            val = getattr(s, fname)
            if isinstance(val, Param):
                _check_param(val, f"{base}.{fname}", _STREAM_RULES.get(fname, NONNEG))
        if s.volume.share is not None:
            _check_param(s.volume.share, f"{base}.volume.share", SHARE)
        if s.volume.annual is not None:
            _check_param(s.volume.annual, f"{base}.volume.annual", NONNEG)
        if s.volume.growth is not None:
            _check_param(s.volume.growth, f"{base}.volume.growth", RATE)
        total = sum(s.arrival_profile.value)
        if abs(total - 1.0) > 1e-3:
            raise ParameterError(
                f"hourly shares sum to {total:.4f}; allowed: a sum of 1 (within 0.001)",
                key_path=f"{base}.arrival_profile.value",
            )
    site = model.site
    for oid, opt in model.options.items():
        base = f"options.{oid}"
        if not _SLUG.match(oid):
            raise ParameterError(
                f"option id {oid!r} must be a slug (lower-case letters, digits, '_')",
                key_path=base,
            )
        if opt.start_year is not None and not (
            site.base_year <= opt.start_year <= site.base_year + site.horizon_years
        ):
            raise ParameterError(
                f"start_year {opt.start_year} lies outside the analysis period "
                f"{site.base_year}..{site.base_year + site.horizon_years}",
                key_path=f"{base}.start_year",
            )
        if opt.ramp_up_years < 1:
            raise ParameterError(
                f"ramp_up_years {opt.ramp_up_years} must be >= 1", key_path=f"{base}.ramp_up_years"
            )
        for sid, ch in opt.changes.items():
            if sid not in model.streams:
                raise ParameterError(
                    f"unknown stream '{sid}'{_hint(sid, model.streams)}; streams of this "
                    "site: " + ", ".join(model.streams),
                    key_path=f"{base}.changes.{sid}",
                )
            for fname in ("extra_booths", "processing_factor", "secondary_referral_factor", "shift_share"):
                val = getattr(ch, fname)
                if val is not None:
                    _check_param(val, f"{base}.changes.{sid}.{fname}", _STREAM_RULES[fname])
            if ch.shift_to is not None and ch.shift_to not in model.streams:
                raise ParameterError(
                    f"unknown stream '{ch.shift_to}'{_hint(ch.shift_to, model.streams)}",
                    key_path=f"{base}.changes.{sid}.shift_to",
                )
            if ch.extra_booths is not None:
                booths = model.streams[sid].booths_open.value
                for h, (b, e) in enumerate(zip(booths, ch.extra_booths.value)):
                    if b + e < 0:
                        raise ParameterError(
                            f"hour {h}: {b:g} booths open plus {e:g} extra is negative; "
                            "allowed: extra >= -booths open",
                            key_path=f"{base}.changes.{sid}.extra_booths.value",
                        )
        if opt.funding is not None:
            if opt.funding.toll_surcharge is not None:
                _check_param(opt.funding.toll_surcharge, f"{base}.funding.toll_surcharge", NONNEG)
                if opt.funding.toll_surcharge.unit != "USD/vehicle":
                    raise ParameterError(
                        f"unit '{opt.funding.toll_surcharge.unit}' does not fit a toll; use 'USD/vehicle'",
                        key_path=f"{base}.funding.toll_surcharge.unit",
                    )
            for j, sid in enumerate(opt.funding.tolled_streams):
                if sid not in model.streams:
                    raise ParameterError(
                        f"unknown stream '{sid}'{_hint(sid, model.streams)}; streams of this "
                        "site: " + ", ".join(model.streams),
                        key_path=f"{base}.funding.tolled_streams[{j}]",
                    )
        for i, c in enumerate(opt.costs):
            _check_param(c.amount, f"{base}.costs[{i}].amount", NONNEG)
            if c.asset_life_years is not None:
                _check_param(c.asset_life_years, f"{base}.costs[{i}].asset_life_years", POSITIVE)
            want = "USD" if c.kind == "capital" else "USD/year"
            if c.amount.unit not in (want, want.replace("USD", "MXN")):
                raise ParameterError(
                    f"unit '{c.amount.unit}' does not fit a {c.kind} cost; use '{want}'",
                    key_path=f"{base}.costs[{i}].amount.unit",
                )
    from .options import check_option

    for oid, opt in model.options.items():
        check_option(oid, opt, model.options)
    if "status_quo" not in model.options:
        raise ParameterError(
            "missing the 'status_quo' option; every site compares its options with it",
            key_path="options",
        )


def _hint(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- turn pydantic errors into one clear line -----------------------------------
def _fields_at(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names of the model that owns the last element of ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        current = _step(current, part)
        if current is None:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _unwrap(tp):
    origin = typing.get_origin(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                return _unwrap(arg)
    return tp


def _step(tp, part):
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        f = tp.model_fields.get(part)
        return f.annotation if f else None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is dict:
        return args[1]
    if origin in (list, tuple):
        return args[0]
    return None


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _pydantic_to_param_error(exc: ValidationError, schema: type[BaseModel], file: str) -> ParameterError:
    errors = exc.errors(include_url=False)
    # An unknown key usually explains a missing one (a typo): report it first.
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    etype = err["type"]
    path = _format_loc(loc)
    if etype == "extra_forbidden":
        allowed = _fields_at(schema, loc) or []
        key = loc[-1] if loc else "?"
        msg = f"unknown key '{key}'{_hint(key, allowed)}"
        if allowed:
            msg += "; allowed keys here: " + ", ".join(allowed)
        return ParameterError(msg, file=file, key_path=path)
    if etype == "missing":
        return ParameterError("required key is missing", file=file, key_path=path)
    reason = err["msg"]
    if reason.startswith("Value error, "):
        reason = reason[len("Value error, "):]
    if etype == "literal_error":
        reason = f"value {_short(err.get('input'))} is not allowed; {reason[0].lower()}{reason[1:]}"
    elif etype not in ("value_error", "assertion_error"):
        reason = f"value {_short(err.get('input'))} is not allowed: {reason}"
    return ParameterError(reason, file=file, key_path=path)


def _parse(data: dict, schema: type[BaseModel], file: str):
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_to_param_error(exc, schema, file) from None
    try:
        _semantic_checks(model)
    except ParameterError as exc:
        raise ParameterError(exc.reason, file=file, key_path=exc.key_path) from None
    return model


# --------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class Site:
    """A validated site with the shared values it uses.

    Attributes
    ----------
    file : SiteFile
        The validated site file.
    common : dict of str to Param
        All shared values, by name.
    path : Path
        Where the site file was read from.
    files : dict of str to str
        SHA-256 of every parameter file read, by path (for provenance).
    """

    file: SiteFile
    common: dict[str, Param]
    path: Path
    files: dict[str, str] = field(default_factory=dict)
    common_sources: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.file.site.id

    @property
    def info(self) -> SiteInfo:
        return self.file.site

    def param(self, name: str) -> Param:
        """A site-level parameter if the site overrides it, else the shared one."""
        if name in self.file.parameters:
            return self.file.parameters[name]
        try:
            return self.common[name]
        except KeyError:
            raise ParameterError(
                f"no parameter '{name}'{_hint(name, self.common)}", file=str(self.path)
            ) from None


def find_common_dir(site_path: str | Path) -> Path:
    """Locate ``common/`` for a site file: a sibling of the file's folder.

    ``parameters/sites/x.yaml`` uses ``parameters/common``; a file elsewhere uses
    ``common/`` beside it, then the nearest ``parameters/common`` in a folder
    above it, then ``parameters/common`` under the working folder.
    """
    site_path = Path(site_path).resolve()
    cands = [site_path.parent.parent / "common", site_path.parent / "common"]
    cands += [a / "parameters" / "common" for a in site_path.parents]
    cands.append(Path.cwd() / "parameters" / "common")
    for cand in cands:
        if cand.is_dir():
            return cand
    raise ParameterError(
        "cannot find the shared 'common/' parameter folder beside this file or under "
        "./parameters; pass common_dir explicitly",
        file=str(site_path),
    )


def load_common(common_dir: str | Path) -> tuple[dict[str, Param], dict[str, str], dict[str, str]]:
    """Load every ``*.yaml`` in ``common_dir``.

    Returns
    -------
    params : dict of str to Param
    hashes : dict of str to str
        SHA-256 by file path.
    origin : dict of str to str
        File name each parameter came from.
    """
    common_dir = Path(common_dir)
    files = sorted(common_dir.glob("*.yaml"))
    if not files:
        raise ParameterError("no *.yaml files in the shared folder", file=str(common_dir))
    params: dict[str, Param] = {}
    hashes: dict[str, str] = {}
    origin: dict[str, str] = {}
    for f in files:
        model = _parse(read_yaml(f), CommonFile, str(f))
        hashes[str(f)] = file_sha256(f)
        for name, p in model.parameters.items():
            if name in params:
                raise ParameterError(
                    f"parameter '{name}' is also defined in {origin[name]}; names must "
                    "be unique across common files",
                    file=str(f),
                    key_path=f"parameters.{name}",
                )
            params[name] = p
            origin[name] = f.name
    return params, hashes, origin


REQUIRED_COMMON = (
    "discount_rate_base",
    "cpi_u",
    "mxn_per_usd",
    "vtts_personal",
    "vtts_business",
    "vtts_truck_driver",
    "vtts_walk_wait",
    "officer_hourly_cost",
    "overtime_premium",
    "officers_per_booth",
    "fuel_price_gasoline",
    "fuel_price_diesel",
    "co2_per_gal_gasoline",
    "co2_per_gal_diesel",
    "nox_per_gal_gasoline",
    "nox_per_gal_diesel",
    "pm25_per_gal_gasoline",
    "pm25_per_gal_diesel",
    "damage_cost_nox",
    "damage_cost_pm25",
    "damage_cost_co2",
    "value_co2",
    "emissions_us_share",
    "inventory_carrying_rate",
    "queue_volume_cap_factor",
    "days_per_year",
)


def load_site(path: str | Path, common_dir: str | Path | None = None) -> Site:
    """Load and validate a site file with the shared values.

    Parameters
    ----------
    path : str or Path
        Site file (``parameters/sites/<id>.yaml``).
    common_dir : str or Path, optional
        Folder of shared values; found next to the site folder when omitted.

    Returns
    -------
    Site

    Raises
    ------
    ParameterError
        With file, key path, value and what is allowed, for any invalid input.
    """
    path = Path(path)
    data = read_yaml(path)
    model = _parse(data, SiteFile, str(path))
    cdir = Path(common_dir) if common_dir is not None else find_common_dir(path)
    common, hashes, origin = load_common(cdir)
    for name in REQUIRED_COMMON:
        if name not in common and name not in model.parameters:
            raise ParameterError(
                f"shared parameter '{name}' is missing from {cdir} and the site file",
                file=str(path),
                key_path=f"parameters.{name}",
            )
    for name, p in model.parameters.items():
        if name in common and not p.note:
            raise ParameterError(
                f"overrides the shared value of '{name}' without saying why; add 'note'",
                file=str(path),
                key_path=f"parameters.{name}",
            )
    hashes = {str(path): file_sha256(path), **hashes}
    site = Site(file=model, common=common, path=path, files=hashes, common_sources=origin)
    if model.correlations:
        from .evaluate import check_correlations

        try:
            check_correlations(site)
        except ParameterError as exc:
            raise ParameterError(exc.reason, file=str(path), key_path=exc.key_path) from None
    return site


def validate_file(path: str | Path, common_dir: str | Path | None = None) -> str:
    """Validate a site or common file; return ``"site"`` or ``"common"``.

    A file with a top-level ``site`` key is a site file; otherwise a common file.
    """
    data = read_yaml(path)
    if "site" in data or "streams" in data:
        load_site(path, common_dir)
        return "site"
    _parse(data, CommonFile, str(path))
    return "common"
