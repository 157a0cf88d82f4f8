"""Checks of a parsed parameter file that the schema alone cannot make.

Range rules with key paths (:mod:`cba.params.rules`), streams named by options,
the option catalogue (each kind pulls the levers it must, combinations name
real parts), the correlations between uncertain inputs, and the translation of
pydantic's errors into one line naming the key path, the value and what is
allowed. Every check raises :class:`~cba.exceptions.ParameterError`.

Main functions: :func:`parse`, :func:`semantic_checks`, :func:`check_option`,
:func:`check_correlations`.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from ..exceptions import ParameterError, did_you_mean
from ..vocab import DAYS_OF_WEEK, OPTION_KINDS, is_slug
from .rules import NONNEG, POSITIVE, RATE, SHARE, STREAM_RULES, check_param, rule_for
from .schema import CommonFile, Correlation, Option, Param, SiteFile, Stream, short_repr

__all__ = [
    "parse",
    "semantic_checks",
    "check_option",
    "check_lanes",
    "levers_used",
    "booth_pattern_key",
    "check_correlations",
    "correlated_keys",
    "correlation_matrix",
]


def semantic_checks(model: BaseModel) -> None:
    """Range rules and cross-field checks of a parsed site or shared-values file."""
    if not isinstance(model, (SiteFile, CommonFile)):
        return
    for name, p in model.parameters.items():
        check_param(p, f"parameters.{name}", rule_for(name))
    if isinstance(model, CommonFile):
        return
    for sid, s in model.streams.items():
        base = f"streams.{sid}"
        if not is_slug(sid):
            raise ParameterError(
                f"stream id {short_repr(sid)} must be a slug (lower-case letters, "
                "digits, '_', at most 63 characters)",
                key_path=base,
            )
        for fname in Stream.model_fields:
            val = getattr(s, fname)
            if isinstance(val, Param):
                check_param(val, f"{base}.{fname}", STREAM_RULES.get(fname, NONNEG))
        if s.volume.share is not None:
            check_param(s.volume.share, f"{base}.volume.share", SHARE)
        if s.volume.annual is not None:
            check_param(
                s.volume.annual, f"{base}.volume.annual", STREAM_RULES["annual"]
            )
        if s.volume.growth is not None:
            check_param(s.volume.growth, f"{base}.volume.growth", RATE)
        for name, val in s.block_params():
            field_name = name.split(".", 1)[1]
            check_param(val, f"{base}.{name}", STREAM_RULES.get(field_name, NONNEG))
        _check_part_of(model, sid, s)
        _check_capacity(s, base)
        total = sum(s.arrival_profile.value)
        if abs(total - 1.0) > 1e-3:
            raise ParameterError(
                f"hourly shares sum to {total:.4f}; allowed: a sum of 1 (within 0.001)",
                key_path=f"{base}.arrival_profile.value",
            )
    site = model.site
    for oid, opt in model.options.items():
        base = f"options.{oid}"
        if not is_slug(oid):
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
                f"ramp_up_years {opt.ramp_up_years} must be >= 1",
                key_path=f"{base}.ramp_up_years",
            )
        for sid, ch in opt.changes.items():
            if sid not in model.streams:
                raise ParameterError(
                    f"unknown stream '{sid}'{did_you_mean(sid, model.streams)}; "
                    "streams of this site: " + ", ".join(model.streams),
                    key_path=f"{base}.changes.{sid}",
                )
            for key, val in ch.lever_params():
                check_param(
                    val,
                    f"{base}.changes.{sid}.{key}",
                    STREAM_RULES[key.rsplit(".", 1)[-1]],
                )
            if ch.export_exam_factor is not None and model.streams[sid].export is None:
                raise ParameterError(
                    f"stream {sid} has no Mexican export stage for the export exam "
                    f"factor to act on; allowed: an 'export' block on streams.{sid}",
                    key_path=f"{base}.changes.{sid}.export_exam_factor",
                )
            if ch.shift_to is not None and ch.shift_to not in model.streams:
                raise ParameterError(
                    f"unknown stream '{ch.shift_to}'"
                    f"{did_you_mean(ch.shift_to, model.streams)}",
                    key_path=f"{base}.changes.{sid}.shift_to",
                )
            booths = model.streams[sid].booths_open.value
            for day in DAYS_OF_WEEK:
                extra = ch.booths_on(day)
                if extra is None:
                    continue
                for h, (b, e) in enumerate(zip(booths, extra, strict=True)):
                    if b + e < 0:
                        key = booth_pattern_key(ch, day)
                        when = f"{day}, " if ch.windows else ""
                        raise ParameterError(
                            f"{when}hour {h}: {b:g} booths open plus {e:g} extra "
                            "is negative; allowed: extra >= -booths open",
                            key_path=f"{base}.changes.{sid}.{key}.value",
                        )
        if opt.funding is not None:
            if opt.funding.toll_surcharge is not None:
                check_param(
                    opt.funding.toll_surcharge,
                    f"{base}.funding.toll_surcharge",
                    STREAM_RULES["toll_surcharge"],
                )
                if opt.funding.toll_surcharge.unit != "USD/vehicle":
                    raise ParameterError(
                        f"unit '{opt.funding.toll_surcharge.unit}' does not fit a "
                        "toll; use 'USD/vehicle'",
                        key_path=f"{base}.funding.toll_surcharge.unit",
                    )
            for j, sid in enumerate(opt.funding.tolled_streams):
                if sid not in model.streams:
                    raise ParameterError(
                        f"unknown stream '{sid}'{did_you_mean(sid, model.streams)}; "
                        "streams of this site: " + ", ".join(model.streams),
                        key_path=f"{base}.funding.tolled_streams[{j}]",
                    )
        for i, c in enumerate(opt.costs):
            check_param(c.amount, f"{base}.costs[{i}].amount", NONNEG)
            if c.asset_life_years is not None:
                check_param(
                    c.asset_life_years, f"{base}.costs[{i}].asset_life_years", POSITIVE
                )
            want = "USD" if c.kind == "capital" else "USD/year"
            if c.amount.unit not in (want, want.replace("USD", "MXN")):
                raise ParameterError(
                    f"unit '{c.amount.unit}' does not fit a {c.kind} cost; "
                    f"use '{want}'",
                    key_path=f"{base}.costs[{i}].amount.unit",
                )
    for oid, opt in model.options.items():
        check_option(oid, opt, model.options)
    if "status_quo" not in model.options:
        raise ParameterError(
            "missing the 'status_quo' option; every site compares its options with it",
            key_path="options",
        )
    check_lanes(model)


def _check_capacity(s: Stream, base: str) -> None:
    """Booths where vehicles arrive, and secondary positions where they are referred."""
    if sum(s.booths_open.value) == 0 and sum(s.arrival_profile.value) > 0:
        raise ParameterError(
            "no primary booth is open in any hour, but vehicles arrive; allowed: at "
            "least one booth open in some hour",
            key_path=f"{base}.booths_open.value",
        )
    referral = s.secondary_referral_share
    may_refer = referral.value > 0 or (
        referral.distribution is not None and referral.distribution.support()[1] > 0
    )
    if may_refer and s.secondary_booths.value == 0:
        raise ParameterError(
            "0 secondary booths, but vehicles are referred to secondary inspection; "
            "allowed: at least 1 secondary booth, or a referral share of 0",
            key_path=f"{base}.secondary_booths.value",
        )
    dps = s.state_inspection
    if dps is not None:
        may_inspect = dps.share.value > 0 or (
            dps.share.distribution is not None
            and dps.share.distribution.support()[1] > 0
        )
        if may_inspect and dps.positions.value == 0:
            raise ParameterError(
                "0 state inspection bays, but trucks are inspected; allowed: at "
                "least 1 bay, or an inspected share of 0",
                key_path=f"{base}.state_inspection.positions.value",
            )


def check_lanes(model: SiteFile) -> None:
    """No hour staffs more primary booths than the lanes that exist, in the status
    quo or under any option (its parts' extra booths on top of the status quo,
    within the lanes plus the lanes its parts build)."""
    for sid, s in model.streams.items():
        e = s.export
        if e is not None:
            for h, b in enumerate(float(x) for x in e.booths_open.value):
                if b > float(e.lanes.value):
                    raise ParameterError(
                        f"stream {sid}, Mexican export, hour {h:02d}: {b:g} modules "
                        f"staffed but {float(e.lanes.value):g} exist; allowed: at most "
                        f"the modules that exist (streams.{sid}.export.lanes)",
                        key_path=f"streams.{sid}.export.booths_open.value[{h}]",
                    )
        lanes = float(s.lanes.value)
        base = [float(b) for b in s.booths_open.value]
        for h, b in enumerate(base):
            if b > lanes:
                raise ParameterError(
                    f"stream {sid}, primary, hour {h:02d}: {b:g} booths staffed but "
                    f"{lanes:g} lanes exist; allowed: at most the lanes that exist "
                    f"(streams.{sid}.lanes)",
                    key_path=f"streams.{sid}.booths_open.value[{h}]",
                )
        for oid, opt in model.options.items():
            parts = [*opt.combines, oid] if opt.combines else [oid]
            changes = []
            built = 0.0
            for p in parts:
                ch = model.options[p].changes.get(sid) if p in model.options else None
                if ch is None:
                    continue
                if ch.extra_lanes is not None:
                    built += float(ch.extra_lanes.value)
                changes.append((p, ch))
            for day in DAYS_OF_WEEK:
                booths = list(base)
                where = None
                for p, ch in changes:
                    extra = ch.booths_on(day)
                    if extra is not None:
                        where = (
                            f"options.{p}.changes.{sid}.{booth_pattern_key(ch, day)}"
                        )
                        booths = [b + e for b, e in zip(booths, extra, strict=True)]
                when = f"{day}, " if any(ch.windows for _p, ch in changes) else ""
                for h, b in enumerate(booths):
                    if b > lanes + built:
                        raise ParameterError(
                            f"option {oid}, stream {sid}, primary, {when}hour "
                            f"{h:02d}: {b:g} booths staffed but {lanes + built:g} "
                            "lanes exist"
                            + (f" ({lanes:g} + {built:g} built)" if built else "")
                            + "; allowed: at most the lanes that exist",
                            key_path=f"{where}.value[{h}]"
                            if where
                            else f"options.{oid}",
                        )


def _check_part_of(model: SiteFile, sid: str, s) -> None:
    """A stream carved out of another (``volume.part_of``) names a stream of the
    site that is not itself carved; the parts of one stream leave it traffic
    in every draw (their shares' highest values sum to less than 1)."""
    parent = s.volume.part_of
    if parent is None:
        return
    key = f"streams.{sid}.volume.part_of"
    if parent not in model.streams or parent == sid:
        others = [k for k in model.streams if k != sid]
        raise ParameterError(
            f"unknown stream '{parent}'{did_you_mean(parent, others)}; allowed: "
            "another stream of this site: " + ", ".join(others),
            key_path=key,
        )
    if model.streams[parent].volume.part_of is not None:
        raise ParameterError(
            f"stream {parent} is itself part of "
            f"{model.streams[parent].volume.part_of}; allowed: a stream with its "
            "own volume",
            key_path=key,
        )
    parts = [k for k, o in model.streams.items() if o.volume.part_of == parent]
    highest = 0.0
    for k in parts:
        p = model.streams[k].volume.share
        highest += p.distribution.support()[1] if p.distribution else float(p.value)
    if highest >= 1.0:
        raise ParameterError(
            f"the streams carved out of {parent} ({', '.join(parts)}) may take "
            f"{highest:g} of its traffic at their shares' highest values; allowed: "
            "less than 1 in all",
            key_path=f"streams.{sid}.volume.share",
        )


def levers_used(opt: Option) -> set[str]:
    """Levers an option pulls itself (not through its parts).

    Examples
    --------
    >>> levers_used(Option(name="x", kind="status_quo", description="d"))
    set()
    """
    used = set()
    for ch in opt.changes.values():
        for key, _p in ch.lever_params():
            used.add(key.rsplit(".", 1)[-1])
    return used


def booth_pattern_key(ch, day: str) -> str:
    """Key (relative to the change) of the last set of booths ``ch`` adds on
    ``day``: a window of that day, else ``extra_booths``."""
    key = "extra_booths"
    for days, k, _p in ch.booth_patterns():
        if day in days:
            key = k
    return key


def check_option(oid: str, opt, options: dict) -> None:
    """Check an option against its catalogue entry; raise :class:`ParameterError`.

    ``options`` is the site's mapping of option id to option (for ``combines``).
    The error names the key path, the bad value and what is allowed.
    """
    base = f"options.{oid}"
    spec = OPTION_KINDS[opt.kind]
    used = levers_used(opt)
    if opt.kind == "status_quo":
        extra = (
            sorted(used)
            + (["costs"] if opt.costs else [])
            + (["staffing"] if opt.staffing else [])
            + (["funding"] if opt.funding else [])
            + (["combines"] if opt.combines else [])
        )
        if extra:
            raise ParameterError(
                "the status quo changes nothing and costs nothing, but has "
                f"{', '.join(extra)}; "
                "allowed: no changes, costs, staffing, funding or combines",
                key_path=base,
            )
        return
    if opt.kind == "combined":
        if len(opt.combines) < 2:
            raise ParameterError(
                f"a combined option lists {len(opt.combines)} option(s) in 'combines'; "
                "allowed: two or more ids of this site's other options",
                key_path=f"{base}.combines",
            )
        seen = set()
        for j, part in enumerate(opt.combines):
            path = f"{base}.combines[{j}]"
            if part not in options:
                raise ParameterError(
                    f"unknown option '{part}'{did_you_mean(part, options)}; "
                    "options of this site: " + ", ".join(options),
                    key_path=path,
                )
            kind = options[part].kind
            if part == oid or kind in ("status_quo", "combined"):
                raise ParameterError(
                    f"'{part}' is "
                    f"{'this option' if part == oid else 'of kind ' + kind}; allowed: "
                    "options other than the status quo and other combinations",
                    key_path=path,
                )
            if part in seen:
                raise ParameterError(
                    f"'{part}' is listed twice; allowed: each option once",
                    key_path=path,
                )
            seen.add(part)
        return
    if opt.combines:
        raise ParameterError(
            f"'combines' lists {opt.combines} but the kind is '{opt.kind}'; allowed: "
            "'combines' only with kind 'combined'",
            key_path=f"{base}.combines",
        )
    if spec.needs_any and not used & set(spec.needs_any):
        raise ParameterError(
            f"a {opt.kind} option must change "
            + " or ".join(spec.needs_any)
            + (
                " for at least one stream; it changes "
                f"{', '.join(sorted(used)) or 'nothing'}"
            ),
            key_path=f"{base}.changes",
        )
    if opt.kind == "sponsor_staffing":
        if opt.staffing is None or opt.staffing.payer != "sponsor":
            got = (
                "no staffing"
                if opt.staffing is None
                else f"payer '{opt.staffing.payer}'"
            )
            raise ParameterError(
                "sponsor-funded staffing needs 'staffing' paid by the sponsor; "
                f"got {got}; allowed: staffing.payer: sponsor",
                key_path=f"{base}.staffing",
            )
    net, at = [], ""
    for day in DAYS_OF_WEEK:
        added = [ch.booths_on(day) for ch in opt.changes.values()]
        by_day = [
            sum(hour)
            for hour in zip(*(b for b in added if b is not None), strict=False)
        ]
        if by_day and (not net or max(by_day) > max(net)):
            windowed = any(ch.windows for ch in opt.changes.values())
            net, at = by_day, f" on {day}" if windowed else ""
    if net and max(net) > 0 and opt.staffing is None:
        h = max(range(len(net)), key=net.__getitem__)
        raise ParameterError(
            f"the option opens {net[h]:g} more booth(s) net of conversions at hour "
            f"{h}{at} but says nobody staffs them; allowed: a 'staffing' block "
            "(payer us_federal, mx_federal or sponsor; pay overtime or "
            "straight_time), or booths converted between streams "
            "(extra booths summing to 0 or less in every hour)",
            key_path=f"{base}.staffing",
        )


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
    if origin in (typing.Union, types.UnionType):
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
    return short_repr(value)


def _pydantic_to_param_error(
    exc: ValidationError, schema: type[BaseModel], file: str
) -> ParameterError:
    errors = exc.errors(include_url=False)
    # An unknown key usually explains a missing one (a typo): report it first.
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(
        p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
    )
    etype = err["type"]
    path = _format_loc(loc)
    if etype == "extra_forbidden":
        allowed = _fields_at(schema, loc) or []
        key = loc[-1] if loc else "?"
        msg = f"unknown key '{key}'{did_you_mean(key, allowed)}"
        if allowed:
            msg += "; allowed keys here: " + ", ".join(allowed)
        return ParameterError(msg, file=file, key_path=path)
    if etype == "missing":
        return ParameterError("required key is missing", file=file, key_path=path)
    reason = err["msg"]
    if reason.startswith("Value error, "):
        reason = reason[len("Value error, ") :]
    if etype == "literal_error":
        reason = (
            f"value {_short(err.get('input'))} is not allowed; "
            f"{reason[0].lower()}{reason[1:]}"
        )
    elif etype not in ("value_error", "assertion_error"):
        reason = f"value {_short(err.get('input'))} is not allowed: {reason}"
    return ParameterError(reason, file=file, key_path=path)


def parse(data: dict, schema: type[BaseModel], file: str):
    """Validate ``data`` against ``schema`` and the semantic checks; one clear error."""
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_to_param_error(exc, schema, file) from None
    try:
        semantic_checks(model)
    except ParameterError as exc:
        raise ParameterError(exc.reason, file=file, key_path=exc.key_path) from None
    return model


def correlation_matrix(correlations: list[Correlation], keys: list[str]) -> np.ndarray:
    """Correlation matrix of ``keys`` (identity where no pair is given)."""
    pos = {k: i for i, k in enumerate(keys)}
    corr = np.eye(len(keys))
    for c in correlations:
        a, b = (pos.get(k) for k in c.between)
        if a is not None and b is not None:
            corr[a, b] = corr[b, a] = c.rho
    return corr


def correlated_keys(correlations: list[Correlation]) -> list[str]:
    """Key paths named in ``correlations``, in order of first mention."""
    keys: dict[str, int] = {}
    for c in correlations:
        for k in c.between:
            keys.setdefault(k, len(keys))
    return list(keys)


def check_correlations(
    correlations: list[Correlation], params: dict[str, Param]
) -> None:
    """Check a site's ``correlations``; raise :class:`ParameterError` naming the entry.

    ``params`` maps every key path of the site to its parameter (see
    :func:`cba.params.iter_params`). Each pair names two different uncertain
    parameters (with a distribution) of this site or the shared values, once;
    ``rho`` lies strictly between -1 and 1; together the pairs form a
    positive-definite correlation matrix.
    """
    seen = set()
    for i, c in enumerate(correlations):
        path = f"correlations[{i}]"
        for j, key in enumerate(c.between):
            if key not in params:
                raise ParameterError(
                    f"unknown parameter '{key}'{did_you_mean(key, params)}; "
                    "allowed: a key path listed in the report's parameter "
                    "appendix",
                    key_path=f"{path}.between[{j}]",
                )
            p = params[key]
            if p.distribution is None or isinstance(p.value, tuple):
                raise ParameterError(
                    f"'{key}' has no distribution, so it cannot be correlated; "
                    "allowed: parameters with a distribution",
                    key_path=f"{path}.between[{j}]",
                )
        a, b = c.between
        if a == b:
            raise ParameterError(
                f"'{a}' is correlated with itself; allowed: two different parameters",
                key_path=f"{path}.between",
            )
        pair = frozenset(c.between)
        if pair in seen:
            raise ParameterError(
                f"the pair {a}, {b} is listed twice; allowed: each pair once",
                key_path=f"{path}.between",
            )
        seen.add(pair)
        if not -1.0 < c.rho < 1.0:
            raise ParameterError(
                f"rho {c.rho:g} is out of range; allowed: > -1 and < 1",
                key_path=f"{path}.rho",
            )
    keys = correlated_keys(correlations)
    if keys:
        try:
            np.linalg.cholesky(correlation_matrix(correlations, keys))
        except np.linalg.LinAlgError:
            raise ParameterError(
                "the correlations are not consistent with each other (their matrix "
                "is not positive definite); allowed: a set of pairs that some joint "
                "distribution can have - lower the largest ones",
                key_path="correlations",
            ) from None
