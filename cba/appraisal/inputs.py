"""Typed model inputs of an appraisal, in report dollars, on the draw axis.

Two steps turn a validated :class:`~cba.params.Site` into the numbers the
models need:

1. :func:`draw_values` gives every parameter of the site (listed by
   :func:`cba.params.iter_params`) as an array on the draw axis: its central
   value, a Monte Carlo sample (seeded, optionally correlated), or an override.
   Money is converted here, once, to the site's report dollar-year (CPI-U;
   pesos at their own year's exchange rate first). The key paths are the
   user-facing addresses of parameters (overrides, correlations, the
   appendix); they stop here.
2. :func:`build_inputs` arranges those arrays into typed records: one
   :class:`StreamInputs` per traffic stream with its ordered list of queue
   :class:`Stage` s, one :class:`OptionInputs` per option, the shared
   :class:`EconomyInputs` and the :class:`DayType` s a year is made of.

Array shapes: ``D`` draws (1 for a deterministic run), ``H = 24`` hours. A
scalar parameter is an array of shape ``(D,)``; an hourly list is ``(H,)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import uncertainty, units
from ..exceptions import ParameterError
from ..params import (
    Param,
    Site,
    funding_owner,
    iter_params,
    option_parts,
    option_timing,
)
from ..params.checks import correlated_keys, correlation_matrix
from ..params.schema import short_repr
from ..vocab import DAYS_OF_WEEK, FUELS, POLLUTANTS, VALUE_OF_TIME_PARAMS

__all__ = [
    "Draws",
    "draw_values",
    "DayType",
    "AVERAGE_DAY",
    "Stage",
    "VolumeInputs",
    "StreamInputs",
    "SiblingInputs",
    "ChangeInputs",
    "CostInputs",
    "StaffingInputs",
    "OptionInputs",
    "EconomyInputs",
    "Inputs",
    "build_inputs",
]


# --------------------------------------------------------------------------- draws
@dataclass(frozen=True)
class Draws:
    """Every parameter of a site as an array on the draw axis, in report dollars.

    Attributes
    ----------
    n_draws : int
        Length of the draw axis (1 for a deterministic run).
    values : dict of str to ndarray
        Key path -> ``(D,)`` for scalars, ``(H,)`` for hourly lists.
    dollar_year : int
        The report dollar-year every money value is in.
    per_draw : frozenset of str
        Keys whose arrays run along the draw axis (scalars).
    """

    n_draws: int
    values: dict[str, np.ndarray]
    dollar_year: int
    per_draw: frozenset = frozenset()

    def slice(self, a: int, b: int) -> Draws:
        """Draws ``a`` to ``b`` (hourly lists are shared by every draw)."""
        if a == 0 and b == self.n_draws:
            return self
        vals = {
            k: (v[a:b] if k in self.per_draw else v) for k, v in self.values.items()
        }
        return Draws(
            n_draws=b - a,
            values=vals,
            dollar_year=self.dollar_year,
            per_draw=self.per_draw,
        )


def _money(site: Site, p: Param, x):
    """Convert a money value to the site's report dollar-year."""
    if not units.is_money(p.unit):
        return x
    to_year = site.info.report_dollar_year
    cpi = site.param("cpi_u").values
    if p.unit.startswith("MXN"):
        x = units.mxn_to_usd(x, p.dollar_year, site.param("mxn_per_usd").values)
    return units.to_dollar_year(x, p.dollar_year, to_year, cpi)


def _override(key: str, value: Any, p: Param, n: int) -> np.ndarray:
    """An override as an array: hourly lists keep their length, scalars fill the
    draw axis (or give one value per scenario)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"override {short_repr(value)} is not a number; allowed: a number, or an "
            "array of numbers",
            key_path=f"overrides.{key}",
        ) from None
    if not np.isfinite(arr).all():
        raise ParameterError(
            "override is not finite; allowed: finite numbers",
            key_path=f"overrides.{key}",
        )
    if isinstance(p.value, tuple):
        want = (len(p.value),)
        if arr.shape != want:
            raise ParameterError(
                f"override of shape {arr.shape} for an hourly value; allowed: an array "
                f"of shape {want} (one value per hour)",
                key_path=f"overrides.{key}",
            )
        return arr.copy()
    if arr.shape not in ((), (1,), (n,)):
        raise ParameterError(
            f"override of shape {arr.shape}; allowed: a number, or an array of shape "
            f"({n},) (one value per scenario)",
            key_path=f"overrides.{key}",
        )
    return np.broadcast_to(arr, (n,)).copy()


def _numeric(
    site: Site,
    p: Param,
    n: int,
    rng: np.random.Generator | None,
    key: str,
    overrides: dict[str, Any],
) -> np.ndarray:
    if key in overrides:
        raw = _override(key, overrides[key], p, n)
    elif isinstance(p.value, tuple):
        raw = np.asarray(p.value, dtype=float)
        return _money(site, p, raw)
    elif rng is not None and p.distribution is not None:
        raw = uncertainty.sample(p.distribution, n, rng)
    else:
        raw = np.full(n, float(p.value))
    return _money(site, p, raw)


def draw_values(
    site: Site,
    n_draws: int = 0,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    n_scenarios: int = 0,
) -> Draws:
    """Every parameter of a site on the draw axis, converted to the report dollar-year.

    Parameters
    ----------
    site : Site
        Validated site.
    n_draws : int
        0 for the deterministic run (central values); otherwise the number of
        Monte Carlo draws from each parameter's distribution.
    seed : int, optional
        Seed of the random generator (required when ``n_draws > 0``).
    overrides : dict, optional
        Key path -> value (e.g. ``{"common.vtts_personal": 25.0}``) in the
        parameter's own unit and dollar-year; used by sensitivity analyses. A
        value may be an array of length ``n_scenarios``.
    n_scenarios : int
        With ``n_draws == 0``: evaluate this many deterministic scenarios at once
        on the draw axis (central values except where ``overrides`` give arrays).

    Notes
    -----
    Keys are visited in sorted order, so the random stream a parameter gets
    does not depend on the order of the file. A correlated parameter gets the
    same uniforms it would get uncorrelated, transformed by the Gaussian copula.
    """
    overrides = dict(overrides or {})
    if n_draws > 0 and n_scenarios > 0:
        raise ParameterError(
            "give either n_draws or n_scenarios, not both", key_path="n_scenarios"
        )
    n = max(int(n_draws), int(n_scenarios), 1)
    rng = None
    if n_draws > 0:
        if seed is None:
            raise ParameterError("a Monte Carlo run needs a seed", key_path="seed")
        rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    known = set()
    per_draw = set()
    correlated = (
        set(correlated_keys(site.file.correlations)) if rng is not None else set()
    )
    uniforms: dict[str, np.ndarray] = {}
    params: dict[str, Param] = {}
    for key, p in sorted(iter_params(site), key=lambda kp: kp[0]):
        known.add(key)
        if key in correlated and key not in overrides:
            uniforms[key] = rng.random(
                n
            )  # the same uniforms the parameter gets uncorrelated
            params[key] = p
        else:
            values[key] = _numeric(site, p, n, rng, key, overrides)
        if not isinstance(p.value, tuple):
            per_draw.add(key)
    if uniforms:
        keys = list(uniforms)
        corr = correlation_matrix(site.file.correlations, keys)
        u = uncertainty.correlate_uniforms(
            np.column_stack([uniforms[k] for k in keys]), corr
        )
        for j, key in enumerate(keys):
            values[key] = _money(
                site,
                params[key],
                uncertainty.from_uniform(params[key].distribution, u[:, j]),
            )
    unknown = set(overrides) - known
    if unknown:
        raise ParameterError(
            f"unknown override key(s): {sorted(unknown)}", key_path="overrides"
        )
    return Draws(
        n_draws=n,
        values=values,
        dollar_year=site.info.report_dollar_year,
        per_draw=frozenset(per_draw),
    )


# -------------------------------------------------------------------- typed inputs
@dataclass(frozen=True)
class DayType:
    """A kind of day the year is made of (a season's day, a weekday, ...).

    Attributes
    ----------
    name : str
    weight : float
        Share of the year's operating days of this type; weights sum to 1. [/1]
    volume_factors : tuple of (stream id, factor)
        Each stream's traffic that day relative to its average day (streams not
        listed: 1); weighted by ``weight``, a stream's factors average to 1, so
        the year's volume is kept. [factor]
    months : tuple of int
        Calendar months (1-12) the day type stands for (empty: the whole year).

    A factor is a number, or an array over the draws ``(D,)`` where it comes
    from drawn inputs (the weekend ratios).
    """

    name: str
    weight: float = 1.0
    volume_factors: tuple[tuple[str, object], ...] = ()
    months: tuple[int, ...] = ()
    #: Booths open follow the day's traffic (rounded, within the lanes).
    staffing_follows: bool = False
    #: ``"weekday"``, ``"saturday"`` or ``"sunday"``; empty: any day.
    weekday: str = ""
    #: The days of the week it stands for (:data:`~cba.vocab.DAYS_OF_WEEK`);
    #: empty: those of ``weekday`` (every day when that is empty too).
    days: tuple[str, ...] = ()

    @property
    def week_days(self) -> tuple[str, ...]:
        """The days of the week the day type stands for."""
        if self.days:
            return self.days
        return {
            "weekday": DAYS_OF_WEEK[:5],
            "saturday": ("sat",),
            "sunday": ("sun",),
        }.get(self.weekday, DAYS_OF_WEEK)

    def factor(self, stream: str):
        """The stream's traffic relative to its average day, a number or (D,).
        [factor]"""
        return dict(self.volume_factors).get(stream, 1.0)

    def column(self, stream: str):
        """:meth:`factor` shaped to multiply ``(D, T)`` or ``(D, H)`` arrays."""
        f = self.factor(stream)
        return np.reshape(f, (-1, 1)) if np.ndim(f) else f


#: The average day of the year (a site whose streams have no monthly data).
AVERAGE_DAY = DayType("average", 1.0)


@dataclass(frozen=True)
class Stage:
    """One queue stage a stream passes through, in order (primary, secondary, ...).

    Attributes
    ----------
    name : str
        ``"mx_export"``, ``"mx_exam"``, ``"primary"``, ``"secondary"`` or
        ``"state_inspection"``.
    servers : ndarray
        Booths (or bays) open, ``(1, H)`` by hour or ``(D, 1)`` the same in
        every hour. [booths]
    minutes : ndarray
        Mean processing time, ``(D,)``. [minutes/vehicle]
    cv : ndarray or None
        Coefficient of variation of the processing time, ``(D,)``; None for
        exponential times. [/1]
    share : ndarray
        Share of the stream's vehicles that pass through this stage, ``(D,)``
        (1 for primary, the referral share for secondary). [/1]
    """

    name: str
    servers: np.ndarray
    minutes: np.ndarray
    cv: np.ndarray | None
    share: np.ndarray
    #: A side stage takes ``share`` of the vehicles of the main stage before it
    #: (an exam, a referral); every vehicle passes a main stage.
    side: bool = False


@dataclass(frozen=True)
class VolumeInputs:
    """Base-year traffic of a stream: a share of a BTS series, or a typed volume."""

    port_code: str | None
    measure: str | None
    share: np.ndarray | None  # (D,) [/1]
    annual: np.ndarray | None  # (D,) [vehicles/year]
    growth: np.ndarray | None  # (D,) [/1 a year]


@dataclass(frozen=True)
class SiblingInputs:
    """The crossing a stream's users divert to.

    See :class:`cba.params.schema.Sibling`.
    """

    name: str
    diverted_share: np.ndarray  # (D,) [/1]
    wait_minutes: np.ndarray  # (D,) [minutes]
    utilisation: np.ndarray  # (D,) [/1]


@dataclass(frozen=True)
class StreamInputs:
    """One traffic stream (direction x mode x lane programme)."""

    id: str
    description: str
    mode: str
    fuel: str
    value_of_time_class: str
    volume: VolumeInputs
    arrival_profile: np.ndarray  # (H,) share of the day's arrivals by hour [/1]
    stages: tuple[Stage, ...]
    lanes: np.ndarray  # (D,) primary lanes that exist [booths]
    export_lanes: np.ndarray | None  # (D,) Mexican export modules [booths]
    occupancy: np.ndarray  # (D,) [persons/vehicle]
    idle_fuel: np.ndarray | None  # (D,) [gal/vehicle-hour]
    cargo_value: np.ndarray | None  # (D,) [USD/loaded vehicle]
    users_us_share: np.ndarray  # (D,) [/1]
    #: Share of the vehicles that cross empty (D,); None: all loaded. [/1]
    empty_share: np.ndarray | None = None
    #: The owner's time-related cost of the vehicle per hour of delay, besides
    #: its driver and fuel (trucks: payments and insurance) (D,). [USD/vehicle-hour]
    vehicle_time_cost: np.ndarray | None = None
    sibling: SiblingInputs | None = None
    #: Saturday and Sunday traffic relative to a weekday, (D,) each; None:
    #: every day of the week alike.
    week: tuple[np.ndarray, np.ndarray] | None = None
    #: Free-flow time over the bridge between the Mexican and US stages, the
    #: same under every option (reported, not queued). (D,) [minutes]
    bridge_minutes: np.ndarray | None = None

    def open_days(self, n_draws: int) -> np.ndarray:
        """1 on the days of the week the stream's lanes open, 0 on the days
        its ``week`` ratio is 0 (closed), by draw. (D, 7) [/1]"""
        out = np.ones((n_draws, len(DAYS_OF_WEEK)))
        if self.week is not None:
            for k, ratio in zip((5, 6), self.week, strict=True):
                out[:, k] = np.broadcast_to(np.asarray(ratio) > 0, (n_draws,))
        return out

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)


@dataclass(frozen=True)
class ChangeInputs:
    """What an option changes for one stream."""

    extra_booths: np.ndarray | None  # (H,) [booths] bought (paid for)
    processing_factor: np.ndarray | None  # (D,) [factor]
    secondary_referral_factor: np.ndarray | None  # (D,) [factor]
    shift_share: np.ndarray | None  # (D,) [/1]
    shift_to: str | None
    #: The added booths are reimbursed officer-hours, of which a share may
    #: replace regular staffing (``EconomyInputs.staffing_substitution_share``).
    reimbursed: bool = False
    #: Multiplier of the Mexican export exam share. (D,) [factor]
    export_exam_factor: np.ndarray | None = None
    #: Primary lanes the option builds. (D,) [booths]
    extra_lanes: np.ndarray | None = None
    #: Booths bought on named days of the week only: (days, (H,) [booths]).
    windows: tuple[tuple[tuple[str, ...], np.ndarray], ...] = ()

    def booths_on(self, days: tuple[str, ...]) -> np.ndarray | None:
        """Booths added in each hour on the average of ``days`` (days of
        :data:`~cba.vocab.DAYS_OF_WEEK`): ``extra_booths`` plus the windows of
        those days; None when the change adds none on any of them. (H,)
        [booths]"""
        if not self.windows:
            return self.extra_booths
        total = None
        for w_days, booths in self.windows:
            n = sum(d in w_days for d in days)
            if n:
                add = booths * (n / len(days))
                total = add if total is None else total + add
        if self.extra_booths is None:
            return total
        return self.extra_booths if total is None else self.extra_booths + total

    def booth_hours_a_day(self, open_days=None):
        """Booth-hours bought on the average day of the week (positive
        additions only), on the days the stream is open: ``open_days`` (7,) or
        (D, 7) of 1 (open) and 0 (its lanes closed that day); None: every day.
        A number, or (D,) with ``open_days`` by draw. [booth-hours/day]"""
        booths = [self.booths_on((d,)) for d in DAYS_OF_WEEK]
        per_day = np.array(
            [0.0 if b is None else np.clip(b, 0, None).sum() for b in booths]
        )
        if open_days is None:
            return float(per_day.sum()) / len(DAYS_OF_WEEK)
        return (np.asarray(open_days, dtype=float) * per_day).sum(axis=-1) / len(
            DAYS_OF_WEEK
        )


@dataclass(frozen=True)
class CostInputs:
    """A cost item of an option."""

    description: str
    kind: str  # "capital" | "annual"
    payer: str
    amount: np.ndarray  # (D,) [USD] or [USD/year]
    asset_life_years: np.ndarray | None  # (D,) [years]
    year: int | None  # calendar year of a capital outlay


@dataclass(frozen=True)
class StaffingInputs:
    """Who pays for an option's added officer-hours, and at what rate."""

    payer: str
    overtime: bool
    reimbursed_to_cbp: bool


@dataclass(frozen=True)
class OptionInputs:
    """One option with its own changes and costs, its parts and its funding.

    ``parts`` lists the options whose changes and costs make it up, in order
    (itself only, for a plain option). ``funding_owner`` is the option whose
    toll applies to it (None: no toll).
    """

    id: str
    name: str
    kind: str
    parts: tuple[str, ...]
    start_year: int
    ramp_up_years: int
    changes: dict[str, ChangeInputs]
    costs: tuple[CostInputs, ...]
    staffing: StaffingInputs | None
    funding_owner: str | None
    toll_surcharge: np.ndarray | None  # (D,) [USD/vehicle], of its own funding block
    tolled_streams: tuple[str, ...]
    toll_recipient: str | None


@dataclass(frozen=True)
class EconomyInputs:
    """Shared unit values: time, fuel, emissions, officers, discounting."""

    value_of_time: dict[str, np.ndarray]  # class -> (D,) [USD/person-hour]
    fuel_price: dict[str, np.ndarray]  # fuel -> (D,) [USD/gal]
    emission_rate: dict[
        tuple[str, str], np.ndarray
    ]  # (pollutant, fuel) -> (D,) [g/gal]
    damage_cost: dict[str, np.ndarray]  # pollutant -> (D,) [USD/t]
    value_co2: np.ndarray  # (D,) switch [/1]
    emissions_us_share: np.ndarray  # (D,) [/1]
    inventory_carrying_rate: np.ndarray  # (D,) [/1 a year]
    officer_hourly_cost: np.ndarray  # (D,) [USD/hour]
    overtime_premium: np.ndarray  # (D,) [factor]
    officers_per_booth: np.ndarray  # (D,) [officers/booth]
    staffing_substitution_share: np.ndarray  # (D,) [/1]
    trips_lost_per_hour_of_delay: np.ndarray  # (D,) [/hour]
    peak_spread_share: np.ndarray  # (D,) [/1]
    #: Share of today's spare capacity re-timed trips may fill. (D,) [/1]
    peak_spread_fill: np.ndarray
    days_per_year: np.ndarray  # (D,) [days/year]
    discount_rates: tuple[tuple[str, float], ...]  # (name, rate), the base rate first


@dataclass(frozen=True)
class Inputs:
    """Everything one appraisal computes from, for a block of draws."""

    site_id: str
    base_year: int
    horizon_years: int
    dollar_year: int
    n_draws: int
    streams: dict[str, StreamInputs]
    options: dict[str, OptionInputs]
    economy: EconomyInputs
    day_types: tuple[DayType, ...] = (AVERAGE_DAY,)

    @property
    def years(self) -> np.ndarray:
        """Calendar years of the analysis, the base year first."""
        return np.arange(self.base_year, self.base_year + self.horizon_years + 1)


def _shared(site: Site, values: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A shared value, or the site's override of it."""
    key = f"site.{name}" if name in site.file.parameters else f"common.{name}"
    return values[key]


def _week(site: Site, values, p: str, mode: str):
    """A stream's (Saturday, Sunday) ratios to a weekday: its own, else its
    mode's shared ones, else None."""
    if p + "week.saturday" in values:
        return values[p + "week.saturday"], values[p + "week.sunday"]
    try:
        return (
            _shared(site, values, f"saturday_ratio_{mode}"),
            _shared(site, values, f"sunday_ratio_{mode}"),
        )
    except KeyError:
        return None


def _maybe(values: dict[str, np.ndarray], key: str) -> np.ndarray | None:
    return values.get(key)


def _discount_rates(
    site: Site, values: dict[str, np.ndarray]
) -> tuple[tuple[str, float], ...]:
    out = []
    for key, v in values.items():
        scope, name = key.split(".", 1)
        if not name.startswith("discount_rate"):
            continue
        if scope == "common" and f"site.{name}" not in values:
            out.append((name, float(v[0])))
        elif scope == "site":
            out.append((name, float(v[0])))
    out.sort(key=lambda nr: (nr[0] != "discount_rate_base", -nr[1]))
    return tuple(out)


def _stream(site: Site, values: dict[str, np.ndarray], sid: str) -> StreamInputs:
    s = site.file.streams[sid]
    p = f"streams.{sid}."
    # a lane programme carved out of another stream: that stream's series,
    # times its share (and the other keeps the rest)
    src_id, src = site.file.volume_source(sid)
    q = f"streams.{src_id}."
    factor = site.file.volume_factor(sid, lambda k: values[f"streams.{k}.volume.share"])

    def shared_or_none(name):
        try:
            return _shared(site, values, name)
        except KeyError:
            return None

    occupancy = values.get(p + "occupancy")
    if occupancy is None:
        occupancy = _shared(site, values, f"occupancy_{s.mode}")
    idle = values.get(p + "idle_fuel")
    if idle is None:
        idle = shared_or_none(f"idle_fuel_{s.mode}")
    stages = (
        Stage(
            "primary",
            values[p + "booths_open"][None, :],
            values[p + "processing_minutes"],
            values[p + "processing_cv"],
            np.ones_like(values[p + "processing_minutes"]),
        ),
        Stage(
            "secondary",
            values[p + "secondary_booths"][:, None],
            values[p + "secondary_minutes"],
            values.get(p + "secondary_cv"),
            values[p + "secondary_referral_share"],
            side=True,
        ),
    )
    if s.state_inspection is not None:
        d = p + "state_inspection."
        stages = stages + (
            Stage(
                "state_inspection",
                values[d + "positions"][:, None],
                values[d + "minutes"],
                values.get(d + "cv"),
                values[d + "share"],
                side=True,
            ),
        )
    if s.export is not None:
        e = p + "export."
        stages = (
            Stage(
                "mx_export",
                values[e + "booths_open"][None, :],
                values[e + "processing_minutes"],
                values[e + "processing_cv"],
                np.ones_like(values[e + "processing_minutes"]),
            ),
            Stage(
                "mx_exam",
                values[e + "exam_positions"][:, None],
                values[e + "exam_minutes"],
                values.get(e + "exam_cv"),
                values[e + "exam_share"],
                side=True,
            ),
            *stages,
        )
    return StreamInputs(
        id=sid,
        description=s.description,
        mode=s.mode,
        fuel=s.fuel,
        value_of_time_class=s.value_of_time_class,
        volume=VolumeInputs(
            src.port_code,
            src.measure,
            None if src.share is None else values[q + "volume.share"] * factor,
            None if src.annual is None else values[q + "volume.annual"] * factor,
            _maybe(values, q + "volume.growth"),
        ),
        arrival_profile=values[p + "arrival_profile"],
        stages=stages,
        lanes=values[p + "lanes"],
        export_lanes=values.get(p + "export.lanes"),
        occupancy=occupancy,
        idle_fuel=idle,
        cargo_value=_maybe(values, p + "cargo_value"),
        empty_share=_maybe(values, p + "empty_share"),
        vehicle_time_cost=shared_or_none(f"vehicle_time_cost_{s.mode}"),
        users_us_share=values[p + "users_us_share"],
        week=_week(site, values, p, s.mode),
        bridge_minutes=values.get(p + "bridge_minutes"),
        sibling=None
        if s.sibling is None
        else SiblingInputs(
            s.sibling.name,
            values[p + "sibling.diverted_share"],
            values[p + "sibling.wait_minutes"],
            values[p + "sibling.utilisation"],
        ),
    )


def _option(site: Site, values: dict[str, np.ndarray], oid: str) -> OptionInputs:
    options = site.file.options
    o = options[oid]
    base = f"options.{oid}."
    changes = {}
    reimbursed = o.staffing is not None and o.staffing.reimbursed_to_cbp
    for sid, ch in o.changes.items():
        c = f"{base}changes.{sid}."
        changes[sid] = ChangeInputs(
            extra_booths=_maybe(values, c + "extra_booths"),
            processing_factor=_maybe(values, c + "processing_factor"),
            secondary_referral_factor=_maybe(values, c + "secondary_referral_factor"),
            shift_share=_maybe(values, c + "shift_share"),
            shift_to=ch.shift_to,
            reimbursed=reimbursed,
            export_exam_factor=_maybe(values, c + "export_exam_factor"),
            extra_lanes=_maybe(values, c + "extra_lanes"),
            windows=tuple(
                (tuple(w.days), values[f"{c}windows[{i}].extra_booths"])
                for i, w in enumerate(ch.windows)
            ),
        )
    costs = tuple(
        CostInputs(
            c.description,
            c.kind,
            c.payer,
            values[f"{base}costs[{i}].amount"],
            _maybe(values, f"{base}costs[{i}].asset_life_years"),
            c.year,
        )
        for i, c in enumerate(o.costs)
    )
    staffing = (
        None
        if o.staffing is None
        else StaffingInputs(
            o.staffing.payer, o.staffing.pay == "overtime", o.staffing.reimbursed_to_cbp
        )
    )
    start, ramp = option_timing(options, oid, site.info.base_year)
    fund = o.funding
    return OptionInputs(
        id=oid,
        name=o.name,
        kind=o.kind,
        parts=tuple(option_parts(options, oid)),
        start_year=start,
        ramp_up_years=ramp,
        changes=changes,
        costs=costs,
        staffing=staffing,
        funding_owner=funding_owner(options, oid),
        toll_surcharge=_maybe(values, f"{base}funding.toll_surcharge"),
        tolled_streams=tuple(fund.tolled_streams) if fund is not None else (),
        toll_recipient=fund.recipient if fund is not None else None,
    )


def _economy(site: Site, values: dict[str, np.ndarray]) -> EconomyInputs:
    def g(name):
        return _shared(site, values, name)

    fuels = [f for f in FUELS if f != "none"]
    return EconomyInputs(
        value_of_time={cls: g(name) for cls, name in VALUE_OF_TIME_PARAMS.items()},
        fuel_price={f: g(f"fuel_price_{f}") for f in fuels},
        emission_rate={
            (pol, f): g(f"{pol}_per_gal_{f}")
            for pol in (*POLLUTANTS, "co2")
            for f in fuels
        },
        damage_cost={pol: g(f"damage_cost_{pol}") for pol in (*POLLUTANTS, "co2")},
        value_co2=g("value_co2"),
        emissions_us_share=g("emissions_us_share"),
        inventory_carrying_rate=g("inventory_carrying_rate"),
        officer_hourly_cost=g("officer_hourly_cost"),
        overtime_premium=g("overtime_premium"),
        officers_per_booth=g("officers_per_booth"),
        staffing_substitution_share=g("staffing_substitution_share"),
        trips_lost_per_hour_of_delay=g("trips_lost_per_hour_of_delay"),
        peak_spread_share=g("peak_spread_share"),
        peak_spread_fill=g("peak_spread_fill"),
        days_per_year=g("days_per_year"),
        discount_rates=_discount_rates(site, values),
    )


def build_inputs(site: Site, draws: Draws) -> Inputs:
    """Arrange a site's drawn values into typed inputs (see the module docstring)."""
    values = draws.values
    return Inputs(
        site_id=site.id,
        base_year=site.info.base_year,
        horizon_years=site.info.horizon_years,
        dollar_year=draws.dollar_year,
        n_draws=draws.n_draws,
        streams={sid: _stream(site, values, sid) for sid in site.file.streams},
        options={oid: _option(site, values, oid) for oid in site.file.options},
        economy=_economy(site, values),
    )
