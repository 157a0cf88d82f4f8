"""Loading a site: its file, the shared values, their hashes, and the key paths.

Main functions: :func:`load_site`, :func:`load_common`, :func:`validate_file`,
:func:`find_common_dir`, :func:`iter_params`, :func:`parameter_table`, and the
option structure: :func:`option_parts`, :func:`option_timing`,
:func:`funding_owner`, :func:`funding_of`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import units
from ..exceptions import ParameterError, did_you_mean
from .checks import check_correlations, parse
from .rules import check_param, rule_for
from .schema import (
    CalibratedFile,
    CalibrationSpec,
    CaseFile,
    CommonFile,
    LevelCalibrationSpec,
    ObservationsFile,
    Option,
    Param,
    ScenarioFile,
    SiteFile,
    SiteInfo,
    Stream,
    freeze,
    short_repr,
)
from .yamlio import file_sha256, read_yaml

__all__ = [
    "Site",
    "REQUIRED_COMMON",
    "find_common_dir",
    "load_common",
    "load_site",
    "site_document",
    "validate_file",
    "iter_params",
    "parameter_table",
    "distribution_text",
    "option_parts",
    "option_timing",
    "funding_owner",
    "funding_of",
    "localized",
]


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

    def __post_init__(self):
        # Read-only all the way down: the file's containers are frozen by the
        # schema, these by the site (a mutated site would reach appraise
        # unvalidated).
        for name in ("common", "files", "common_sources"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

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
                f"no parameter '{name}'{did_you_mean(name, self.common)}",
                file=str(self.path),
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


def load_common(
    common_dir: str | Path,
) -> tuple[dict[str, Param], dict[str, str], dict[str, str]]:
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
        raise ParameterError(
            "no *.yaml files in the shared folder", file=str(common_dir)
        )
    params: dict[str, Param] = {}
    hashes: dict[str, str] = {}
    origin: dict[str, str] = {}
    for f in files:
        model = parse(read_yaml(f), CommonFile, str(f))
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
    "staffing_substitution_share",
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
    "trips_lost_per_hour_of_delay",
    "peak_spread_share",
    "peak_spread_fill",
    "days_per_year",
)


def load_site(
    path: str | Path,
    common_dir: str | Path | None = None,
    *,
    fill: dict[str, dict] | None = None,
) -> Site:
    """Load and validate a site file with the shared values.

    Parameters
    ----------
    path : str or Path
        Site file (``parameters/sites/<id>.yaml``).
    common_dir : str or Path, optional
        Folder of shared values; found next to the site folder when omitted.
    fill : dict, optional
        Stream values to use instead of the site's or its calibrated file's,
        by key path (``streams.<id>.<field>`` -> the value as a file writes
        it): a calibration tries its candidates this way.

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
    calibrated = _merge_calibration(data, path, skip=set(fill or ()))
    for key, raw in (fill or {}).items():
        _, sid, fname = key.split(".")
        data["streams"][sid][fname] = raw
    model = parse(data, SiteFile, str(path))
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
                f"overrides the shared value of '{name}' without saying why; "
                "add 'note'",
                file=str(path),
                key_path=f"parameters.{name}",
            )
    hashes = {str(path): file_sha256(path), **calibrated, **hashes}
    site = Site(
        file=model, common=common, path=path, files=hashes, common_sources=origin
    )
    _check_tables(site, cdir)
    if model.correlations:
        try:
            check_correlations(model.correlations, dict(iter_params(site)))
        except ParameterError as exc:
            raise ParameterError(
                exc.reason, file=str(path), key_path=exc.key_path
            ) from None
    return site


def _check_tables(site: Site, common_dir: Path) -> None:
    """Every dollar-year a conversion needs is in the price and exchange-rate tables."""
    path = site.path

    def table(name):
        p = site.file.parameters.get(name) or site.common.get(name)
        return {} if p is None or p.values is None else p.values

    cpi, fx = table("cpi_u"), table("mxn_per_usd")
    if not cpi:
        raise ParameterError(
            "the price index 'cpi_u' has no yearly 'values'",
            file=str(path),
            key_path="parameters.cpi_u",
        )

    def covered(years):
        return f"{min(years)}-{max(years)}" if years else "no years"

    year = site.info.report_dollar_year
    if year not in cpi:
        raise ParameterError(
            f"report_dollar_year {year} is not in the price index cpi_u; allowed: a "
            f"year it covers ({covered(cpi)})",
            file=str(path),
            key_path="site.report_dollar_year",
        )
    for key, p in iter_params(site):
        if p.dollar_year is None or not units.is_money(p.unit):
            continue
        scope, name = key.split(".", 1)
        file, where = str(path), key
        if scope in ("site", "common"):  # a value of a file's `parameters`
            where = f"parameters.{name}"
            if scope == "common":
                file = str(common_dir / site.common_sources.get(name, ""))
        if p.dollar_year not in cpi:
            raise ParameterError(
                f"dollar_year {p.dollar_year} is not in the price index cpi_u; "
                f"allowed: a year it covers ({covered(cpi)})",
                file=file,
                key_path=f"{where}.dollar_year",
            )
        if p.unit.startswith("MXN") and p.dollar_year not in fx:
            raise ParameterError(
                f"dollar_year {p.dollar_year} is not in the exchange-rate table "
                f"mxn_per_usd; allowed: a year it covers ({covered(fx)})",
                file=file,
                key_path=f"{where}.dollar_year",
            )


def _merge_calibration(
    data: dict, path: Path, skip: set[str] = frozenset()
) -> dict[str, str]:
    """Fill the stream keys a site file leaves to its calibrated-values file
    (all but those in ``skip``).

    Returns the hash of the calibrated file by path (empty without one).
    """
    ref = data.get("calibration")
    if ref is None:
        return {}
    if not isinstance(ref, str):
        raise ParameterError(
            f"value {ref!r} is not allowed; allowed: the path of a calibrated-values "
            "file, relative to this file",
            file=str(path),
            key_path="calibration",
        )
    cpath = (path.parent / ref).resolve()
    if not cpath.is_file():
        raise ParameterError(
            f"calibrated-values file '{ref}' not found beside this file; allowed: "
            "a file written by `cba calibrate`",
            file=str(path),
            key_path="calibration",
        )
    raw = read_yaml(cpath)
    model = parse(raw, CalibratedFile, str(cpath))
    site_id = (
        (data.get("site") or {}).get("id")
        if isinstance(data.get("site"), dict)
        else None
    )
    if model.site != site_id:
        raise ParameterError(
            f"site id {short_repr(site_id)} does not match the calibrated file "
            f"'{ref}', which is for site '{model.site}'; allowed: the id the "
            "calibration was made for (or a calibrated file of this site)",
            file=str(path),
            key_path="site.id",
        )
    streams = data.get("streams") if isinstance(data.get("streams"), dict) else {}
    fields = [
        f
        for f, info in Stream.model_fields.items()
        if info.annotation in (Param, Param | None)
    ]
    for key in model.values:
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "streams" or parts[2] not in fields:
            raise ParameterError(
                f"key '{key}' is not a stream value; allowed: "
                "streams.<stream>.<field> with a field among " + ", ".join(fields),
                file=str(cpath),
                key_path=f"values.{key}",
            )
        sid, fname = parts[1], parts[2]
        if key in skip:
            continue
        if not isinstance(data.get("streams"), dict):
            break  # the site file's own error comes first (schema validation)
        if sid in streams and not isinstance(streams[sid], dict):
            break  # the stream itself is malformed: the schema says how
        if sid not in streams:
            raise ParameterError(
                f"the calibrated file '{ref}' sets {key}, but this site has no stream "
                f"'{sid}'{did_you_mean(sid, streams)}; allowed: streams the "
                "calibration was made for (run its `cba calibrate` again)",
                file=str(path),
                key_path="calibration",
            )
        if fname in streams[sid]:
            raise ParameterError(
                f"'{fname}' is given here and in the calibrated file '{ref}'; "
                "allowed: one of them (remove it here to use the calibration)",
                file=str(path),
                key_path=f"streams.{sid}.{fname}",
            )
        try:
            check_param(model.values[key], f"values.{key}", rule_for(fname))
        except ParameterError as exc:
            raise ParameterError(
                exc.reason, file=str(cpath), key_path=exc.key_path
            ) from None
        streams[sid][fname] = raw["values"][key]
    return {str(cpath): file_sha256(cpath)}


def site_document(path: str | Path) -> dict:
    """A site file's document with its calibrated values filled in and no
    ``calibration`` key: a copy of it loads on its own, wherever it is written
    (a notebook's or a test's variant of a shipped site)."""
    path = Path(path)
    data = read_yaml(path)
    _merge_calibration(data, path)
    data.pop("calibration", None)
    return data


def validate_file(path: str | Path, common_dir: str | Path | None = None) -> str:
    """Validate a parameter file; return its kind.

    ``"calibrated"`` (a file with ``command`` and ``values``), ``"calibration
    spec"`` (with ``target``), ``"case"`` (with ``case``), ``"observations"``
    (with ``observations``), ``"scenario"`` (with ``scenario`` and
    ``impacts``), ``"site"`` (with ``site`` or ``streams``), else
    ``"common"`` (shared values, or a case file of the same schema).
    """
    data = read_yaml(path)
    if "values" in data and "command" in data:
        parse(data, CalibratedFile, str(path))
        return "calibrated"
    if "target" in data:
        parse(data, CalibrationSpec, str(path))
        return "calibration spec"
    if data.get("kind") == "levels":
        parse(data, LevelCalibrationSpec, str(path))
        return "calibration spec"
    if "case" in data:
        parse(data, CaseFile, str(path))
        return "case"
    if "observations" in data:
        parse(data, ObservationsFile, str(path))
        return "observations"
    if "scenario" in data and "impacts" in data:
        parse(data, ScenarioFile, str(path))
        return "scenario"
    if "streams" in data or isinstance(data.get("site"), dict):
        load_site(path, common_dir)
        return "site"
    parse(data, CommonFile, str(path))
    return "common"


def iter_params(site: Site) -> Iterator[tuple[str, Param]]:
    """Yield ``(key path, Param)`` for every scalar or list value the appraisal uses.

    The key paths are the addresses users write in ``correlations`` and
    overrides and read in the report's appendix: ``common.<name>``,
    ``site.<name>``, ``streams.<id>.<field>``, ``streams.<id>.volume.<field>``,
    ``streams.<id>.export.<field>``, ``streams.<id>.sibling.<field>``,
    ``streams.<id>.week.<day>``,
    ``options.<id>.changes.<stream>.<lever>``,
    ``options.<id>.changes.<stream>.windows[<i>].extra_booths``,
    ``options.<id>.costs[<i>].amount``,
    ``options.<id>.costs[<i>].asset_life_years`` and
    ``options.<id>.funding.toll_surcharge``. Shared tables by year (price index,
    exchange rate) are not listed: they are not drawn.
    """
    f = site.file
    for name, p in sorted(site.common.items()):
        if p.values is None:
            yield f"common.{name}", p
    for name, p in f.parameters.items():
        yield f"site.{name}", p
    for sid, s in f.streams.items():
        for fname in type(s).model_fields:
            v = getattr(s, fname)
            if isinstance(v, Param):
                yield f"streams.{sid}.{fname}", v
        for fname in ("share", "annual"):
            v = getattr(s.volume, fname)
            if v is not None:
                yield f"streams.{sid}.volume.{fname}", v
        if s.volume.growth is not None:
            yield f"streams.{sid}.volume.growth", s.volume.growth
        for name, v in s.block_params():
            yield f"streams.{sid}.{name}", v
    for oid, o in f.options.items():
        for sid, ch in o.changes.items():
            for key, v in ch.lever_params():
                yield f"options.{oid}.changes.{sid}.{key}", v
        for i, c in enumerate(o.costs):
            yield f"options.{oid}.costs[{i}].amount", c.amount
            if c.asset_life_years is not None:
                yield f"options.{oid}.costs[{i}].asset_life_years", c.asset_life_years
        if o.funding is not None and o.funding.toll_surcharge is not None:
            yield f"options.{oid}.funding.toll_surcharge", o.funding.toll_surcharge


def parameter_table(site: Site) -> pd.DataFrame:
    """Every parameter the appraisal uses, with value, unit, source and labels."""
    rows = []
    for key, p in iter_params(site):
        if isinstance(p.value, tuple):
            shown = ", ".join(f"{x:g}" for x in p.value)
        else:
            shown = f"{p.value:g}"
        rows.append(
            {
                "key": key,
                "description": p.description,
                "value": shown,
                "unit": p.unit,
                "dollar_year": p.dollar_year,
                "source": p.source.label(),
                "href": p.source.href or "",
                "assumption": p.is_assumption,
                "distribution": distribution_text(p),
            }
        )
    for name, p in sorted(site.common.items()):
        if p.values is not None:
            yrs = sorted(p.values)
            rows.append(
                {
                    "key": f"common.{name}",
                    "description": p.description,
                    "value": f"{yrs[0]}-{yrs[-1]} table",
                    "unit": p.unit,
                    "dollar_year": None,
                    "source": p.source.label(),
                    "href": p.source.href or "",
                    "assumption": p.is_assumption,
                    "distribution": "",
                }
            )
    return pd.DataFrame(rows)


def distribution_text(p: Param) -> str:
    """A distribution as text, e.g. ``triangular(low=1, mode=2, high=3)``."""
    d = p.distribution
    if d is None:
        return ""
    fields = [
        f"{k}={getattr(d, k):g}"
        for k in ("low", "mode", "high", "mean", "sd", "median", "gsd")
        if getattr(d, k) is not None
    ]
    return f"{d.type}({', '.join(fields)})"


def option_parts(options: dict[str, Option], oid: str) -> list[str]:
    """Ids whose changes and costs make up option ``oid``, in order of application.

    A plain option is its own single part; a combined option is its listed
    parts followed by itself (for any changes or costs of its own).

    Examples
    --------
    >>> from cba.params import Option
    >>> o = {"a": Option(name="a", kind="trusted_traveler", description="d"),
    ...      "ab": Option(name="ab", kind="combined", description="d",
    ...                   combines=["a", "b"])}
    >>> option_parts(o, "ab"), option_parts(o, "a")
    (['a', 'b', 'ab'], ['a'])
    """
    opt = options[oid]
    return [*opt.combines, oid] if opt.combines else [oid]


def option_timing(
    options: dict[str, Option], oid: str, base_year: int
) -> tuple[int, int]:
    """Start year and ramp-up years of an option's effects.

    An option without a start year starts the year after the base year. A
    combined option without its own start year starts when its last part
    starts, and ramps up as slowly as its slowest part (unless it sets
    ``ramp_up_years`` above 1 itself).

    Examples
    --------
    >>> from cba.params import Option
    >>> o = {"a": Option(name="a", kind="trusted_traveler", description="d",
    ...                  start_year=2027),
    ...      "b": Option(name="b", kind="trusted_traveler", description="d",
    ...                  ramp_up_years=3),
    ...      "ab": Option(name="ab", kind="combined", description="d",
    ...                   combines=["a", "b"])}
    >>> option_timing(o, "ab", 2024), option_timing(o, "b", 2024)
    ((2027, 3), (2025, 3))
    """
    opt = options[oid]
    default = base_year + 1
    if not opt.combines:
        return (
            opt.start_year if opt.start_year is not None else default,
            opt.ramp_up_years,
        )
    start = (
        opt.start_year
        if opt.start_year is not None
        else max(option_timing(options, p, base_year)[0] for p in opt.combines)
    )
    ramp = (
        opt.ramp_up_years
        if opt.ramp_up_years > 1
        else max(options[p].ramp_up_years for p in opt.combines)
    )
    return start, ramp


def funding_owner(options: dict[str, Option], oid: str) -> str | None:
    """Id of the option whose funding block applies to ``oid``, or None.

    An option's own funding block applies; a combination without one takes
    the funding of its first funded part (a toll raised for that part keeps
    being raised when the part is combined with others).
    """
    opt = options[oid]
    if opt.funding is not None:
        return oid
    for p in opt.combines:
        if options[p].funding is not None:
            return p
    return None


def funding_of(options: dict[str, Option], oid: str):
    """The funding block that applies to an option (see :func:`funding_owner`)."""
    owner = funding_owner(options, oid)
    return None if owner is None else options[owner].funding


def localized(site: Site, lang: str) -> Site:
    """The same site with the texts of its file in ``lang`` where the file gives
    them (``name_es`` of options, ``description_es`` of the site, its streams and
    options); numbers and everything else unchanged. English is the site itself.

    Parameter descriptions stay as they are: the appendix shows their
    ``description_es`` itself and marks the ones that have none.
    """
    if lang == "en":
        return site
    if lang != "es":
        raise ParameterError(
            f"language {lang!r} is not a report language; allowed: en, es",
            key_path="language",
        )
    f = site.file

    def es(model, **fields):
        update = {k: getattr(model, v) for k, v in fields.items() if getattr(model, v)}
        return model.model_copy(update=update) if update else model

    file = f.model_copy(
        update={
            "site": es(f.site, description="description_es"),
            "streams": freeze(
                {
                    k: es(v, description="description_es").model_copy(
                        update={"sibling": es(v.sibling, name="name_es")}
                        if v.sibling is not None
                        else {}
                    )
                    for k, v in f.streams.items()
                }
            ),
            "options": freeze(
                {
                    k: es(v, name="name_es", description="description_es")
                    for k, v in f.options.items()
                }
            ),
        }
    )
    return dataclasses.replace(site, file=file)
