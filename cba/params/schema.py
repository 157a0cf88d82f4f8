"""The schema of parameter files: typed, frozen pydantic models.

A parameter file is YAML (see the README's "Adding a site" and glossary). Every
leaf value is a :class:`Param` record with its unit and source; a site file
(:class:`SiteFile`) holds the site, its traffic streams, its options and the
correlations between uncertain inputs; a shared-values file
(:class:`CommonFile`) holds parameters only. Range rules and cross-field checks
that need the key path for their message live in :mod:`cba.params.rules` and
:mod:`cba.params.checks`.
"""

from __future__ import annotations

import math
import reprlib
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from ..exceptions import did_you_mean
from ..units import MONEY_UNITS, UNITS
from ..vocab import (
    DAYS_OF_WEEK,
    FUELS,
    LEVERS,
    MODES,
    OPTION_KINDS,
    PAYERS,
    STAFFING_PAYERS,
    TOLL_RECIPIENTS,
    VALUE_OF_TIME_PARAMS,
    is_slug,
)

__all__ = [
    "SCHEMA_VERSION",
    "LevelCalibrationSpec",
    "FrozenDict",
    "FrozenList",
    "freeze",
    "Source",
    "Distribution",
    "Param",
    "Volume",
    "ExportStage",
    "Stream",
    "StreamChange",
    "Window",
    "CostItem",
    "Staffing",
    "Funding",
    "Option",
    "SiteInfo",
    "Correlation",
    "SiteFile",
    "CommonFile",
    "CalibratedFile",
    "CalibrationSpec",
    "Assumed",
    "STRENGTHS",
    "METHODS",
    "METRICS",
    "Reported",
    "Band",
    "Observation",
    "ObservationsFile",
    "Outcome",
    "CaseInfo",
    "CaseFile",
]

SCHEMA_VERSION = 1

#: Largest magnitude any number in a parameter file may have: far above every
#: real value (the largest are money totals of ~1e9 USD), far below overflow.
MAX_MAGNITUDE = 1e15
#: Longest text of any free-text field (descriptions, sources, notes). [characters]
MAX_TEXT = 2000
#: Years a parameter file may name (base years, dollar-years, table years).
YEAR_RANGE = (1900, 2200)

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = 6
_SHORT.maxdict = 4
_SHORT.maxlevel = 2


def short_repr(value: Any) -> str:
    """A bounded repr of any value, for messages (never builds the whole repr)."""
    return _SHORT.repr(value)


def _number(x: Any, what: str = "value") -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{what} {short_repr(x)} is not a number")
    try:
        f = float(x)
    except OverflowError:
        raise ValueError(
            f"{what} {short_repr(x)} is too large; allowed: numbers of "
            f"magnitude at most {MAX_MAGNITUDE:g}"
        ) from None
    if not math.isfinite(f):
        raise ValueError(
            f"{what} {f!r} is not a finite number; allowed: finite numbers"
        )
    if abs(f) > MAX_MAGNITUDE:
        raise ValueError(
            f"{what} {f:g} is too large; allowed: numbers of magnitude at "
            f"most {MAX_MAGNITUDE:g}"
        )
    return f


def _whole(x: Any) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError(f"{short_repr(x)} is not a whole number")
    return x


#: Bidirectional-override and invisible formatting characters that could make
#: text read differently on a page than in the file.
_HIDDEN = {"Cc", "Cf", "Co", "Cs"}


def _text(x: Any) -> str:
    if not isinstance(x, str):
        raise ValueError(f"{short_repr(x)} is not text")
    if len(x) > MAX_TEXT:
        raise ValueError(
            f"text of {len(x):,} characters; allowed: at most {MAX_TEXT:,}"
        )
    for i, ch in enumerate(x):
        if ch not in "\n\t" and unicodedata.category(ch) in _HIDDEN:
            raise ValueError(
                f"control or formatting character U+{ord(ch):04X} at position "
                f"{i}; allowed: printable text"
            )
    return x


#: A finite number (int or float in the file, never a bool or a string).
Number = Annotated[float, BeforeValidator(_number)]
#: A whole number (never a bool, a float or a string).
WholeNumber = Annotated[int, BeforeValidator(_whole)]
#: A calendar year within :data:`YEAR_RANGE`.
Year = Annotated[
    int, BeforeValidator(_whole), Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
]
#: Free text of bounded length without control or bidirectional characters.
Text = Annotated[str, BeforeValidator(_text)]


def _strict_bool(x: Any) -> bool:
    if not isinstance(x, bool):
        raise ValueError(f"{short_repr(x)} is not true or false")
    return x


class FrozenDict(dict):
    """A dict that refuses changes: the containers of a validated file are
    read-only, so a loaded site cannot be edited into an unvalidated state."""

    def _read_only(self, *args, **kwargs):
        raise TypeError(
            "a validated parameter file is read-only; change the YAML, or pass "
            "overrides to cba.appraisal.appraise"
        )

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


class FrozenList(list):
    """A list that refuses changes (see :class:`FrozenDict`)."""

    _read_only = FrozenDict._read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __reduce__(self):
        return (FrozenList, (list(self),))


def freeze(value):
    """``value`` with its dicts and lists made read-only (one level)."""
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return FrozenDict(value)
    if isinstance(value, list) and not isinstance(value, FrozenList):
        return FrozenList(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _freeze_containers(self):
        for name, value in self.__dict__.items():
            frozen = freeze(value)
            if frozen is not value:
                object.__setattr__(self, name, frozen)
        return self


class Source(_Strict):
    """Where a value comes from: a document, or a labelled judgement."""

    title: Text | None = None
    href: Text | None = None
    accessed: Text | None = None
    tag: Literal["V", "S", "D", "R", "assumption", "calibrated"] | None = None
    note: Text | None = None
    assumption: Text | None = None
    rationale: Text | None = None
    owner: Text | None = None

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
    low: Number | None = None
    mode: Number | None = None
    high: Number | None = None
    mean: Number | None = None
    sd: Number | None = None
    median: Number | None = None
    gsd: Number | None = None

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

    description: Text
    #: The description in Spanish, shown in Spanish reports (English when absent).
    description_es: Text | None = None
    value: Any = None
    values: dict[Year, Number] | None = None
    unit: Text
    dollar_year: Year | None = None
    basis: Literal["real", "nominal"] | None = None
    source: Source
    distribution: Distribution | None = None
    note: Text | None = None

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
            hint = did_you_mean(v, UNITS)
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


class Volume(_Strict):
    """Base-year volume of a stream: from the shipped BTS data, a typed value,
    or a share of another stream's traffic (``part_of``: a lane programme such
    as SENTRI or Ready lanes carved out of a crossing's passenger vehicles;
    that stream keeps the rest)."""

    port_code: Text | None = None
    measure: Text | None = None
    share: Param | None = None
    annual: Param | None = None
    growth: Param | None = None
    #: Id of the stream whose traffic this one is a ``share`` of (of all of
    #: it, before its parts are carved out).
    part_of: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _form(self):
        data = self.port_code is not None or self.measure is not None
        if self.part_of is not None:
            if data or self.annual is not None or self.growth is not None:
                raise ValueError(
                    "a volume that is 'part_of' another stream takes only 'share' "
                    "(its port series and growth are that stream's)"
                )
            if self.share is None:
                raise ValueError(
                    "a volume that is 'part_of' another stream needs 'share'"
                )
            return self
        if data and self.annual is not None:
            raise ValueError(
                "give either {port_code, measure, share} or 'annual', not both"
            )
        if data and (
            self.port_code is None or self.measure is None or self.share is None
        ):
            raise ValueError(
                "a data-based volume needs 'port_code', 'measure' and 'share'"
            )
        if not data and self.annual is None:
            raise ValueError("give {port_code, measure, share} or 'annual'")
        if data and self.growth is not None:
            raise ValueError(
                "'growth' applies to a typed 'annual' volume; "
                "data-based volumes grow with the forecast"
            )
        return self


class ExportStage(_Strict):
    """Mexican export customs (SAT/ANAM) a northbound truck passes before the
    bridge: modules where every truck is processed, and a physical exam for the
    share the automated selection picks (the red light)."""

    description: Text
    description_es: Text | None = None
    #: Export modules that exist; no hour may staff more. [booths]
    lanes: Param
    #: Modules staffed in each hour (24 values). [booths]
    booths_open: Param
    processing_minutes: Param
    processing_cv: Param
    #: Share of trucks selected for a physical exam. [/1]
    exam_share: Param
    #: Exam positions staffed. [booths]
    exam_positions: Param
    exam_minutes: Param
    exam_cv: Param | None = None


class StateInspection(_Strict):
    """A state safety inspection after CBP (Texas DPS at its border safety
    inspection facilities): a share of the trucks is inspected in bays."""

    description: Text
    description_es: Text | None = None
    #: Share of the trucks inspected. [/1]
    share: Param
    #: Inspection bays staffed. [booths]
    positions: Param
    minutes: Param
    cv: Param | None = None


class Sibling(_Strict):
    """The nearby crossing a stream's users turn to when waits here grow.

    Diverted vehicles join the sibling's queue: the delay they add to its own
    users is, per vehicle, ``wait / (1 - utilisation)`` (the rise of a queue's
    total delay with one more arrival, less the arrival's own wait, when the
    wait grows as ``u / (1 - u)``)."""

    name: Text
    name_es: Text | None = None
    #: Share of the trips lost to this crossing that cross at the sibling
    #: (the others are forgone). [/1]
    diverted_share: Param
    #: Mean wait of the sibling's users today. [minutes]
    wait_minutes: Param
    #: Utilisation of the sibling's booths by its own traffic today. [/1]
    utilisation: Param
    #: Booths the sibling opens for this kind of traffic in its busiest hours:
    #: what bounds the vehicles it can take when this crossing closes (a
    #: resumption scenario's diverted vehicles beyond its spare capacity
    #: queue there). [booths]
    booths: Param | None = None


class Week(_Strict):
    """A stream's traffic on Saturdays and Sundays relative to a weekday's (0 on
    a day the port does not serve it)."""

    saturday: Param
    sunday: Param


class Stream(_Strict):
    """One traffic stream (direction x mode x lane program) at a site."""

    description: Text
    #: The description in Spanish (Spanish reports; English when absent).
    description_es: Text | None = None
    mode: Literal[MODES]
    value_of_time_class: Literal[tuple(VALUE_OF_TIME_PARAMS)]
    fuel: Literal[FUELS]
    volume: Volume
    arrival_profile: Param
    booths_open: Param
    #: Primary lanes (booths) that physically exist for this stream; no hour of
    #: the status quo or of an option may staff more. [booths]
    lanes: Param
    processing_minutes: Param
    processing_cv: Param
    secondary_referral_share: Param
    secondary_booths: Param
    secondary_minutes: Param
    secondary_cv: Param | None = None
    occupancy: Param | None = None
    idle_fuel: Param | None = None
    cargo_value: Param | None = None
    #: Share of the stream's trucks that cross empty (no cargo time is
    #: valued for them). [/1]
    empty_share: Param | None = None
    users_us_share: Param
    #: Mexican export processing before the bridge (northbound trucks).
    export: ExportStage | None = None
    #: The crossing this stream's users divert to when waits grow.
    sibling: Sibling | None = None
    #: Saturday and Sunday traffic relative to a weekday (default: the shared
    #: ratios of the stream's mode).
    week: Week | None = None
    #: Free-flow time to cross the bridge between the Mexican and the US
    #: stages: a fixed time, the same under every option. [minutes]
    bridge_minutes: Param | None = None
    #: State safety inspection after CBP (Texas DPS), for a share of trucks.
    state_inspection: StateInspection | None = None

    def block_params(self):
        """``(block.field, Param)`` of the stream's optional blocks (``export``,
        ``sibling``, ``week``, ``state_inspection``) that it declares."""
        for block in ("export", "sibling", "week", "state_inspection"):
            b = getattr(self, block)
            if b is None:
                continue
            for fname in type(b).model_fields:
                v = getattr(b, fname)
                if isinstance(v, Param):
                    yield f"{block}.{fname}", v


class Window(_Strict):
    """Booths an option adds on some days of the week only, as agreements
    state their windows (e.g. Thursday-Friday 16-22 h): the days, and the
    booths added in each hour of those days (24 values)."""

    days: Annotated[list[Literal[DAYS_OF_WEEK]], Field(min_length=1)]
    extra_booths: Param

    @model_validator(mode="after")
    def _unique(self):
        if len(set(self.days)) != len(self.days):
            raise ValueError(
                f"a window names a day twice: {', '.join(self.days)}; allowed: "
                f"each of {', '.join(DAYS_OF_WEEK)} at most once"
            )
        return self


class StreamChange(_Strict):
    """What an option changes for one stream (each key optional)."""

    #: Booths added in each hour of every day (24 values). [booths]
    extra_booths: Param | None = None
    #: Booths added on named days of the week only, on top of ``extra_booths``.
    windows: list[Window] = []
    #: Primary lanes the option builds (donated infrastructure). [booths]
    extra_lanes: Param | None = None
    processing_factor: Param | None = None
    secondary_referral_factor: Param | None = None
    #: Multiplier of the share of trucks given the Mexican export exam (unified
    #: cargo processing: participants have one joint exam, at US secondary). [factor]
    export_exam_factor: Param | None = None
    shift_share: Param | None = None
    shift_to: Text | None = None

    @model_validator(mode="after")
    def _shift(self):
        if (self.shift_share is None) != (self.shift_to is None):
            raise ValueError("'shift_share' and 'shift_to' go together")
        return self

    def booth_patterns(self):
        """``(days, key, Param)`` of each set of added booths: ``extra_booths``
        on every day, then each window on its days (``key`` relative to the
        change, e.g. ``windows[0].extra_booths``)."""
        if self.extra_booths is not None:
            yield DAYS_OF_WEEK, "extra_booths", self.extra_booths
        for i, w in enumerate(self.windows):
            yield tuple(w.days), f"windows[{i}].extra_booths", w.extra_booths

    def booths_on(self, day: str) -> list[float] | None:
        """Booths added in each hour of ``day`` (None: the change adds none)."""
        out = None
        for days, _key, p in self.booth_patterns():
            if day in days:
                v = [float(x) for x in p.value]
                out = v if out is None else [a + b for a, b in zip(out, v, strict=True)]
        return out

    def lever_params(self):
        """``(key, Param)`` of every lever the change pulls, windows included
        (``key`` relative to the change)."""
        for fname in LEVERS:
            v = getattr(self, fname)
            if v is not None:
                yield fname, v
        for i, w in enumerate(self.windows):
            yield f"windows[{i}].extra_booths", w.extra_booths


class CostItem(_Strict):
    """A cost of an option: a one-off capital outlay or a yearly amount."""

    description: Text
    kind: Literal["capital", "annual"]
    amount: Param
    payer: Literal[PAYERS]
    asset_life_years: Param | None = None
    year: Year | None = None

    @model_validator(mode="after")
    def _life(self):
        if self.kind == "capital" and self.asset_life_years is None:
            raise ValueError("a capital cost needs 'asset_life_years'")
        return self


class Staffing(_Strict):
    """Who pays for the officer-hours an option adds, and how they are paid."""

    payer: Literal[STAFFING_PAYERS]
    pay: Literal["overtime", "straight_time"]
    reimbursed_to_cbp: Annotated[bool, BeforeValidator(_strict_bool)] = False


class Funding(_Strict):
    """How an option's sponsor recovers its outlay: a toll surcharge per crossing."""

    toll_surcharge: Param | None = None
    tolled_streams: list[str] = []
    recipient: Literal[TOLL_RECIPIENTS] = "sponsor"

    @model_validator(mode="after")
    def _streams(self):
        if self.toll_surcharge is not None and not self.tolled_streams:
            raise ValueError("a toll surcharge needs 'tolled_streams'")
        return self


class Option(_Strict):
    """A pre-clearance alternative: changes to the baseline plus costs and timing."""

    name: Text
    #: The name and description in Spanish (Spanish reports; English when absent).
    name_es: Text | None = None
    kind: Literal[tuple(OPTION_KINDS)]
    description: Text
    description_es: Text | None = None
    start_year: Year | None = None
    ramp_up_years: Annotated[WholeNumber, Field(ge=1, le=100)] = 1
    changes: dict[str, StreamChange] = {}
    costs: list[CostItem] = []
    staffing: Staffing | None = None
    funding: Funding | None = None
    combines: list[str] = []
    source_note: Text | None = None


def _slug(v: str, what: str) -> str:
    """``v`` if it is a slug, else a ValueError naming ``what``."""
    if not is_slug(v):
        raise ValueError(
            f"{what} {v!r} must be a slug: lower-case letters, digits and '_', "
            "starting with a letter or digit"
        )
    return v


class SiteInfo(_Strict):
    id: Text
    name: Text
    port_code: Text | None = None
    description: Text
    #: The description in Spanish (Spanish reports; English when absent).
    description_es: Text | None = None
    base_year: Annotated[Year, Field(ge=1996, le=2100)]
    horizon_years: WholeNumber
    report_dollar_year: Year
    #: The days a year is evaluated on: a weekday, a Saturday and a Sunday of
    #: each season (quiet, middle and busy months from the monthly BTS series;
    #: staffing follows each day's traffic within the lanes that exist), one
    #: day per season, or the average day.
    day_types: Literal["seasons_and_weekdays", "seasons", "average"] = (
        "seasons_and_weekdays"
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, v):
        return _slug(v, "site id")

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
    rho: Number
    source: Source


class SiteFile(_Strict):
    """Schema of a site file (``parameters/sites/<id>.yaml``).

    ``calibration`` names a calibrated-values file (path relative to the site
    file) whose values fill stream keys the site file leaves out; see
    :class:`CalibratedFile`.
    """

    schema_version: Literal[1]
    calibration: Text | None = None
    site: SiteInfo
    parameters: dict[str, Param] = {}
    streams: dict[str, Stream]
    options: dict[str, Option]
    correlations: list[Correlation] = []

    def volume_source(self, sid: str) -> tuple[str, Volume]:
        """The stream whose volume block stream ``sid``'s traffic comes from
        (its own, or the one it is ``part_of``), and that block."""
        parent = self.streams[sid].volume.part_of
        own = sid if parent is None else parent
        return own, self.streams[own].volume

    def volume_parts(self, sid: str) -> list[str]:
        """Streams carved out of stream ``sid`` (``volume.part_of: sid``)."""
        return [k for k, s in self.streams.items() if s.volume.part_of == sid]

    def volume_factor(self, sid: str, value=None) -> object:
        """Stream ``sid``'s traffic relative to that of its volume source:
        its share for a part, one less its parts' shares otherwise.
        ``value(k)`` gives stream ``k``'s ``volume.share`` (a number or draws);
        by default its central value."""
        if value is None:

            def value(k):
                return self.streams[k].volume.share.value

        if self.streams[sid].volume.part_of is not None:
            return value(sid)
        parts = self.volume_parts(sid)
        if not parts:
            return 1.0
        return 1.0 - sum(value(k) for k in parts)


class CommonFile(_Strict):
    """Schema of a shared-values file (``parameters/common/*.yaml``)."""

    schema_version: Literal[1]
    description: Text
    parameters: dict[str, Param]


class CalibratedFile(_Strict):
    """Schema of a calibrated-values file (``parameters/calibrated/<site>.yaml``).

    Written by ``cba calibrate`` from a calibration spec, never by hand:
    ``command`` regenerates it. ``values`` maps stream key paths
    (``streams.<id>.<field>``) to the values the calibration found.
    """

    schema_version: Literal[1]
    description: Text
    site: Text
    command: Text
    calibrated_on: Text
    values: dict[str, Param]


class Assumed(_Strict):
    """A labelled assumption of a calibration: its value, why, and whose call it is."""

    value: Number
    rationale: Text
    owner: Text


class CalibrationSpec(_Strict):
    """Schema of a calibration spec (``parameters/calibration/*.yaml``).

    What to fit (a processing rate of one lane from CBP's posted waits), on
    which observations and volumes, with which labelled assumptions, and where
    the result goes (``output``, relative to the spec; ``target``, the key
    path it fills; ``decimals``, the rounding of the value written).
    """

    schema_version: Literal[1]
    description: Text
    site: Text
    output: Text
    target: Text
    decimals: Annotated[WholeNumber, Field(ge=0, le=6)] = 2
    crossing_name: Text
    lane_type: Literal["commercial", "passenger", "pedestrian"]
    lane_category: Literal["standard", "FAST", "SENTRI", "Ready"]
    observations_href: Text
    observations_accessed: Text
    bts_port_code: Text
    bts_measure: Text
    reference_month: Text
    error_scale: Literal["minutes", "log1p"] = "minutes"
    #: How the day's volume is spread over the hours: by the site's arrival
    #: profile of the target stream over the open hours, or in proportion to
    #: the lanes open (circular: kept to compare).
    arrivals: Literal["site_profile", "lanes"] = "site_profile"
    crossing_share: Assumed
    lane_share: Assumed
    growth_factor: Assumed
    service_cv: Assumed


class ScaleBounds(_Strict):
    """The range a calibration may search (a factor on the prior values)."""

    low: Annotated[Number, Field(gt=0)]
    high: Annotated[Number, Field(gt=0)]

    @model_validator(mode="after")
    def _order(self):
        if not self.low < 1.0 < self.high:
            raise ValueError(
                f"low {self.low:g} and high {self.high:g} must enclose 1 (the prior)"
            )
        return self


class LevelCalibrationSpec(_Strict):
    """Schema of a calibration against a site's measured levels
    (``parameters/calibration/<site>_levels.yaml``, ``kind: levels``).

    ``targets`` are stream values the site file leaves to its calibrated file,
    each given here with its prior (the value, unit and source it would have
    without calibration). One factor, common to the targets, is fitted so the
    site's model reproduces the ``observations`` (ids in
    ``observations/<site>.yaml``), weighted by their strength; the values
    written are the priors times the factor (``decimals``).
    """

    schema_version: Literal[1]
    kind: Literal["levels"]
    description: Text
    site: Text
    output: Text
    observations: Annotated[list[Text], Field(min_length=1)]
    targets: Annotated[dict[Text, Param], Field(min_length=1)]
    scale_bounds: ScaleBounds
    decimals: Annotated[WholeNumber, Field(ge=0, le=6)] = 2

    @field_validator("targets")
    @classmethod
    def _stream_keys(cls, v):
        for key in v:
            parts = key.split(".")
            if len(parts) != 3 or parts[0] != "streams":
                raise ValueError(
                    f"target '{key}' is not a stream value; allowed: "
                    "streams.<stream>.<field>"
                )
        return v


#: How strong a measurement or report is: official statistics or measured data,
#: reputable press quoting agencies or operators, one report or an estimate.
STRENGTHS = ("strong", "moderate", "weak")
#: How an observation was made. CBP's posted waits are officer estimates, not
#: measurements (GAO-13-603), so they never grade above ``moderate``.
METHODS = {
    "rfid": "measured with RFID readers (travel time between two points)",
    "bluetooth": "measured with Bluetooth or GPS probes",
    "cbp_posted": "CBP posted wait estimates (officer estimates)",
    "agency_report": "reported by an agency or a study for it",
    "press": "press report quoting officials, operators or drivers",
}
#: What an observation or a case outcome measures. ``crossing_time`` is the
#: mean time from joining the first queue to leaving the last stage (queues,
#: processing and the bridge); ``wait`` the mean time queueing at the listed
#: stages (all stages if none are listed); ``peak_wait`` the busiest hour's
#: wait on the busiest day type; ``wait_reduction`` the share of the wait a
#: change removes; ``minutes_saved`` the wait it removes per vehicle;
#: ``peak_wait_ratio`` the busiest hour's wait with the change over without.
#: All but the two reductions and the ratio are in minutes. [minutes], [/1]
METRICS = {
    "crossing_time": "minutes",
    "wait": "minutes",
    "peak_wait": "minutes",
    "wait_reduction": "/1",
    "minutes_saved": "minutes",
    "peak_wait_ratio": "/1",
}
#: The metrics that are levels (measured under one staffing, not a change).
LEVEL_METRICS = ("crossing_time", "wait", "peak_wait")
#: The statistic an observation reports.
STATISTICS = ("mean", "monthly_mean_range", "typical_range", "peak")


class Reported(_Strict):
    """A reported figure: one value, or a range (``low``-``high``) whose
    midpoint stands for it."""

    value: Number | None = None
    low: Number | None = None
    high: Number | None = None

    @model_validator(mode="after")
    def _form(self):
        if (self.value is None) == (self.low is None and self.high is None):
            raise ValueError(
                "give either 'value' or both 'low' and 'high' of the reported figure"
            )
        if (self.low is None) != (self.high is None):
            raise ValueError("'low' and 'high' go together")
        if self.low is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self

    @property
    def central(self) -> float:
        """The value, or the range's midpoint."""
        if self.value is not None:
            return float(self.value)
        return 0.5 * (float(self.low) + float(self.high))


class Band(_Strict):
    """The acceptance band of a prediction, in the metric's unit, and the rule
    it follows (e.g. "the reported reduction +/- 50 %")."""

    low: Number
    high: Number
    rule: Text

    @model_validator(mode="after")
    def _order(self):
        if self.low > self.high:
            raise ValueError(f"band low {self.low:g} is above high {self.high:g}")
        return self


class Measured(_Strict):
    """What was measured or reported, by whom, how, and how strong it is."""

    description: Text
    description_es: Text | None = None
    #: The streams the figure covers (traffic-weighted where several).
    streams: Annotated[list[Text], Field(min_length=1)]
    #: The stages whose queues count (``wait`` and ``peak_wait``; all if empty).
    stages: list[
        Literal["mx_export", "mx_exam", "primary", "secondary", "state_inspection"]
    ] = []
    metric: Literal[tuple(METRICS)]
    statistic: Literal[STATISTICS] = "mean"
    reported: Reported
    method: Literal[tuple(METHODS)]
    strength: Literal[STRENGTHS]
    #: The crossing that was measured, when it is not the modelled one (a
    #: neighbouring bridge of the same port standing in for it).
    measured_at: Text | None = None
    source: Source

    @model_validator(mode="after")
    def _posted_is_an_estimate(self):
        if self.method == "cbp_posted" and self.strength == "strong":
            raise ValueError(
                "CBP posted waits are officer estimates (GAO-13-603); allowed "
                "strength: moderate or weak"
            )
        return self


class Observation(Measured):
    """A measured level at a site under the staffing of its time."""

    #: Calendar year whose traffic the model is run at for the comparison.
    year: Year
    #: Months the figure covers (1-12; all months when empty).
    months: list[Annotated[int, Field(ge=1, le=12)]] = []
    band: Band
    #: What was fitted or chosen to come close to this level, when something
    #: was: the observation is then "used for calibration", not evidence.
    used_for_calibration: Text | None = None
    #: Why the model misses this level, when it does (tested as a strict
    #: expected failure, so that a fix is noticed).
    known_miss: Text | None = None

    @model_validator(mode="after")
    def _a_level(self):
        if self.metric not in LEVEL_METRICS:
            raise ValueError(
                f"metric '{self.metric}' is a change, not a level; allowed for an "
                "observation: " + ", ".join(LEVEL_METRICS)
            )
        return self


class ObservationsFile(_Strict):
    """Schema of a site's measured levels (``parameters/observations/<site>.yaml``)."""

    schema_version: Literal[1]
    site: Text
    description: Text
    observations: Annotated[dict[Text, Observation], Field(min_length=1)]


class Outcome(Measured):
    """A reported outcome of a case and the band its prediction must fall in.

    Level metrics (``crossing_time``, ``wait``, ``peak_wait``) are taken
    ``under`` the status quo of the period or with the case's changes."""

    under: Literal["status_quo", "changed"] = "changed"
    band: Band
    #: Why the model misses this outcome, when it does (the test then expects
    #: the miss, strictly, so that a fix is noticed).
    known_miss: Text | None = None


class OfficerShift(_Strict):
    """Officers added (or withdrawn, when negative) for a shift of ``hours``
    consecutive hours on ``days``, placed at each site where the stream's
    traffic is busiest: the block of hours with the most arrivals in hours
    where a lane is free (added) or a booth is open (withdrawn). An officer
    opens a booth only in the hours of the block where a lane is free."""

    stream: Text
    officers: Number
    hours: Annotated[WholeNumber, Field(ge=1, le=24)]
    days: Annotated[list[Literal[DAYS_OF_WEEK]], Field(min_length=1)]
    source: Source


class CaseInfo(_Strict):
    id: Text
    name: Text
    name_es: Text | None = None
    description: Text
    description_es: Text | None = None
    #: The shipped site whose model is run.
    site: Text
    #: Calendar year whose traffic stands for the period.
    year: Year
    #: Months of the period (1-12; all months when empty); the traffic is
    #: scaled to their mean month.
    months: list[Annotated[int, Field(ge=1, le=12)]] = []
    #: Other shipped sites where the same changes are computed and shown (not
    #: tested against the band: they are not where it was reported).
    compare_at: list[Text] = []
    #: Key paths of values fitted on this case; empty when it is out of sample.
    calibrated_on_this: list[Text] = []
    #: A shift of officers placed at each site's busiest hours (added to
    #: ``changes``), for cases stated in officers rather than booths.
    shift: OfficerShift | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, v):
        return _slug(v, "case id")


class CaseFile(_Strict):
    """Schema of a hindcast case (``parameters/cases/*.yaml``): a site, a
    period, changes to its status quo (as an option's ``changes``, booths
    bought or withdrawn on windows, lanes, processing), and what was reported,
    each with its band. ``parameters`` holds the sourced facts the changes are
    derived from."""

    schema_version: Literal[1]
    case: CaseInfo
    changes: dict[Text, StreamChange] = {}
    parameters: dict[Text, Param] = {}
    outcomes: Annotated[dict[Text, Outcome], Field(min_length=1)]


class StageImpact(_Strict):
    """What an emergency does to one stage of one stream while it lasts:
    ``closed`` (no booth open), ``capacity_share`` (each booth clears this
    share of its normal rate: a slowed process), ``throughput_share`` (the
    stage lets through at most this share of a normal day's traffic, evenly
    over the hours it is open that day: an added inspection with a stated
    throughput, such as a state safety check of every truck behind the
    federal booths, whose queue backs up through them) or
    ``booths_withdrawn`` (officers taken away: that many booths fewer, at
    least none). Exactly one of the four."""

    stream: Text
    stage: Text = "primary"
    closed: bool | None = None
    capacity_share: Param | None = None
    #: [/1 of a normal day's vehicles]
    throughput_share: Param | None = None
    booths_withdrawn: Param | None = None
    #: Hours of the day it applies in, ``[start, end)`` (all day when
    #: absent): a shift of officers withdrawn, say.
    hours_of_day: (
        Annotated[
            list[Annotated[int, Field(ge=0, le=24)]], Field(min_length=2, max_length=2)
        ]
        | None
    ) = None
    #: Kinds of day it applies on (all when empty).
    days: list[Literal["weekday", "saturday", "sunday"]] = []

    @model_validator(mode="after")
    def _one(self):
        given = [
            x is not None and x is not False
            for x in (
                self.closed,
                self.capacity_share,
                self.throughput_share,
                self.booths_withdrawn,
            )
        ]
        if sum(given) != 1:
            raise ValueError(
                "give exactly one of 'closed: true', 'capacity_share', "
                "'throughput_share' or 'booths_withdrawn'"
            )
        return self


class Responses(_Strict):
    """How a stream's users respond to the trips that meet the event: shares
    of the arrivals during it that are ``deferred`` (made after the
    reopening, over the next ``defer_hours`` hours, in the proportion of a
    normal day's traffic), ``diverted`` (to the stream's sibling crossing) or
    ``abandoned`` (not made at all); the rest join the queue. Each share is a
    sourced value or a labelled assumption with its range."""

    deferred: Param | None = None
    diverted: Param | None = None
    abandoned: Param | None = None
    defer_hours: Annotated[WholeNumber, Field(ge=1, le=168)] = 24
    #: Extra distance a diverted vehicle drives (there and back to the
    #: sibling), valued at ``detour_cost``. [km], [USD/vehicle]
    detour_cost: Param | None = None


class ResumptionOption(_Strict):
    """A way to shorten the recovery, with its cost and who pays.

    ``surge_staffing``: ``extra_booths`` more booths at ``stage`` for
    ``hours`` hours from the reopening, within the lanes that exist (officers
    on temporary duty or overtime, paid by ``payer`` at the site's overtime
    cost of an officer-hour); ``joint_reopening``: both countries' stages
    reopen in step, ``hours_earlier`` than one after the other;
    ``reroute_precleared``: the ``precleared_share`` of the streams'
    vehicles, pre-inspected or pre-cleared, pass around the closed stage;
    ``trusted_first``: from the reopening, ``extra_booths`` of the
    ``from_stream``'s booths clear the trusted ``streams`` (FAST / C-TPAT)
    first, until the trusted backlog is back to normal or ``hours`` have
    passed (no officer is added: the other stream waits longer);
    ``sibling_staffing``: ``extra_booths`` more booths at the streams' sibling
    crossing (beside the ``booths`` of its site entry) for ``hours`` from the
    start of the event, announced so that ``diverted_share`` of the vehicles meeting
    the event cross there (the rise taken from those who would have deferred,
    then from those who would have queued)."""

    kind: Literal[
        "surge_staffing",
        "joint_reopening",
        "reroute_precleared",
        "trusted_first",
        "sibling_staffing",
    ]
    name: Text
    name_es: Text | None = None
    description: Text
    streams: Annotated[list[Text], Field(min_length=1)]
    stage: Text = "primary"
    extra_booths: Param | None = None
    hours: Annotated[WholeNumber, Field(ge=1, le=336)] = 24
    #: For ``joint_reopening``: hours earlier the stage reopens, since both
    #: countries' stages reopen in step.
    hours_earlier: Param | None = None
    #: For ``reroute_precleared``: the share of the stream's trucks that are
    #: pre-cleared and pass around the closed stage.
    precleared_share: Param | None = None
    #: For ``trusted_first``: the stream whose booths serve the trusted
    #: streams first.
    from_stream: Text | None = None
    #: For ``sibling_staffing``: the share of the vehicles meeting the event
    #: that cross at the sibling with the option. [/1]
    diverted_share: Param | None = None
    payer: Literal["cbp", "sponsor", "sat", "shared"] = "cbp"
    #: A fixed cost of standing the option up for the event (a joint
    #: protocol's coordination, a route's signs). [USD]
    fixed_cost: Param | None = None

    @model_validator(mode="after")
    def _needs(self):
        need = {
            "surge_staffing": ("extra_booths",),
            "joint_reopening": ("hours_earlier",),
            "reroute_precleared": ("precleared_share",),
            "trusted_first": ("extra_booths", "from_stream"),
            "sibling_staffing": ("extra_booths", "diverted_share"),
        }[self.kind]
        for key in need:
            if getattr(self, key) is None:
                raise ValueError(f"a '{self.kind}' option needs '{key}'")
        if self.kind == "trusted_first" and self.from_stream in self.streams:
            raise ValueError(
                f"'from_stream' ({self.from_stream}) must not be one of the "
                "trusted 'streams'"
            )
        return self


class EventOutcome(_Strict):
    """A reported outcome of a real event, back-cast by its scenario, and the
    band the model's figure must fall in. ``peak_wait``: the longest time at
    the crossing of the stream's vehicles during the event and its recovery
    [minutes]; ``throughput_change``: the vehicles the stream's primary stage
    served during the event against a normal day's in the same hours, minus
    one [/1]; ``recovery_hours``: hours from the event's end until waits are
    back to normal."""

    description: Text
    description_es: Text | None = None
    stream: Text
    metric: Literal["peak_wait", "throughput_change", "recovery_hours"]
    reported: Reported
    method: Literal[tuple(METHODS)]
    strength: Literal[STRENGTHS]
    measured_at: Text | None = None
    source: Source
    band: Band
    known_miss: Text | None = None
    #: The scenario's values named in ``calibrated_on_this`` were fitted to
    #: this outcome (shown "used for calibration", not "out of sample").
    calibrated: bool = False


class ScenarioInfo(_Strict):
    id: Text
    name: Text
    name_es: Text | None = None
    description: Text
    description_es: Text | None = None
    #: The shipped site whose model is run.
    site: Text
    #: The kind of day the event starts on.
    day: Literal["weekday", "saturday", "sunday"] = "weekday"
    #: Hour of the day it starts (0-23).
    start_hour: Annotated[WholeNumber, Field(ge=0, le=23)] = 6
    #: How long the stage is closed or slowed. [hours]
    duration_hours: Annotated[float, Field(ge=0, le=24 * 60)]
    #: Normal days modelled after the event (more are added while the queue
    #: has not recovered, up to 60).
    days_after: Annotated[WholeNumber, Field(ge=1, le=60)] = 5
    source: Source
    #: Key paths of values fitted on this event's outcomes; empty when the
    #: back-cast is out of sample.
    calibrated_on_this: list[Text] = []
    #: How often events like this one happen at the site, for the resilience
    #: value of its options (none: not counted). [events/year]
    frequency: Param | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, v):
        return _slug(v, "scenario id")


class ScenarioFile(_Strict):
    """Schema of a disruption scenario (``parameters/scenarios/*.yaml``): a
    site, a start, a duration, the stages closed or slowed, the users'
    responses by stream, and the resumption options to compare."""

    schema_version: Literal[1]
    scenario: ScenarioInfo
    impacts: Annotated[list[StageImpact], Field(min_length=1)]
    #: Perishable loads: the share of loaded trucks that carry them and the
    #: share of their value lost per hour of added delay. [/1], [/hour]
    perishable_share: Param | None = None
    spoilage_per_hour: Param | None = None
    responses: dict[Text, Responses] = {}
    options: dict[Text, ResumptionOption] = {}
    #: What was reported after a real event the scenario back-casts.
    outcomes: dict[Text, EventOutcome] = {}

    @model_validator(mode="after")
    def _calibration_named(self):
        fitted = [k for k, o in self.outcomes.items() if o.calibrated]
        if fitted and not self.scenario.calibrated_on_this:
            raise ValueError(
                f"outcome '{fitted[0]}' is marked calibrated, but "
                "'scenario.calibrated_on_this' names no fitted value"
            )
        if self.scenario.calibrated_on_this and not fitted:
            raise ValueError(
                "'scenario.calibrated_on_this' names fitted values, but no "
                "outcome is marked 'calibrated: true'"
            )
        return self
