"""Calibration of a site's processing times against the levels measured there.

Model family: moment matching of a queue model to a handful of reported
levels (weighted nonlinear least squares in logs). Where a site has too few
measurements for a regression (one to three figures, often of different
kinds), one factor on the prior processing times of the measured streams is
chosen so the site's own model (:func:`cba.analysis.cases.level_comparison`:
the same stages, day types and responses as the appraisal, with booths that
follow the year's traffic) reproduces them as closely as their strengths
allow.

Main functions
--------------
load_level_spec
    A calibration spec of ``kind: levels`` (``parameters/calibration/``).
predicted_levels
    The model's value of each calibration observation at a factor.
fit_levels
    The factor, its 95 % interval and the fit statistics (:class:`LevelFit`).
level_calibrated_document
    The calibrated-values document ``cba calibrate`` writes for a spec.

Notes
-----
Each observation's log error is weighted by ``1 / sigma**2`` with ``sigma``
set by its strength (:data:`STRENGTH_SIGMA`): a strong (instrument-measured)
level is taken to be known within about 15 % (one standard error), a moderate
one within 30 %, a weak one within 50 %. These are stated judgements, not
estimates. The interval of the factor is the Gauss-Newton one from those
weights (``1.96`` standard errors of the log factor), clipped to the
search bounds and to the largest factor with which every day of the site's
horizon still clears (:func:`cba.appraisal.feasibility.check_site`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..exceptions import ParameterError
from ..params import LevelCalibrationSpec, load_site, parse, read_yaml
from . import cases
from .calibration import calibrated_file_document

__all__ = [
    "STRENGTH_SIGMA",
    "LevelFit",
    "load_level_spec",
    "predicted_levels",
    "fit_levels",
    "level_calibrated_document",
    "calibration_table",
]

#: Standard error of log(reported level) by the strength of the report. [/1]
STRENGTH_SIGMA = {"strong": 0.15, "moderate": 0.30, "weak": 0.50}
#: Two-sided 95 % normal quantile.
_Z95 = 1.959963984540054


class LevelFit(NamedTuple):
    """Result of :func:`fit_levels`.

    Attributes
    ----------
    factor : float
        Fitted factor on the prior processing times. [/1]
    interval : tuple of float
        95 % interval of the factor (clipped to bounds and feasibility). [/1]
    max_feasible : float
        Largest factor searched with which the site's days still clear. [/1]
    table : list of dict
        One row per observation: ``id, reported, prior, fitted, sigma``
        (minutes; the model at factor 1 and at the fitted factor).
    rms_log_error : float
        Root of the weighted mean squared log error at the fit. [/1]
    evaluations : int
        Model evaluations the fit took.
    """

    factor: float
    interval: tuple[float, float]
    max_feasible: float
    table: list
    rms_log_error: float
    evaluations: int


def load_level_spec(path) -> LevelCalibrationSpec:
    """Read and validate a ``kind: levels`` calibration spec."""
    path = Path(path)
    return parse(read_yaml(path), LevelCalibrationSpec, str(path))


def _site_path(spec_path: Path, spec: LevelCalibrationSpec) -> Path:
    return (spec_path.parent.parent / "sites" / f"{spec.site}.yaml").resolve()


def _observations(spec_path: Path, spec: LevelCalibrationSpec, every: bool = False):
    opath = spec_path.parent.parent / "observations" / f"{spec.site}.yaml"
    if not opath.is_file():
        raise ParameterError(
            f"no observations file for site '{spec.site}' ({opath.name} beside "
            "sites/); allowed: a site with measured levels",
            file=str(spec_path),
            key_path="site",
        )
    obs = cases.load_observations(opath)
    for i, oid in enumerate(spec.observations):
        if oid not in obs.observations:
            raise ParameterError(
                f"observation '{oid}' is not in {opath.name}; allowed: "
                + ", ".join(obs.observations),
                file=str(spec_path),
                key_path=f"observations[{i}]",
            )
    if every:
        return obs
    kept = {k: v for k, v in obs.observations.items() if k in spec.observations}
    return obs.model_copy(update={"observations": kept})


def _fill(spec: LevelCalibrationSpec, factor: float) -> dict[str, dict]:
    out = {}
    for key, p in spec.targets.items():
        raw = p.model_dump(exclude_none=True, mode="json")
        raw["value"] = float(p.value) * float(factor)
        dist = raw.get("distribution")
        if dist:  # the prior's spread, moved with it
            for k in ("low", "mode", "high"):
                if k in dist:
                    dist[k] = float(dist[k]) * float(factor)
        out[key] = raw
    return out


def predicted_levels(spec_path, factor: float, spec=None) -> np.ndarray:
    """The model's value of each of the spec's observations, with the targets
    at ``factor`` x their priors. [minutes]

    Raises
    ------
    ParameterError
        The site's model at that factor fails a check (a day that cannot
        clear, in the horizon or in an observation's year).
    """
    from ..appraisal.feasibility import check_site

    spec_path = Path(spec_path)
    spec = spec or load_level_spec(spec_path)
    site = load_site(_site_path(spec_path, spec), fill=_fill(spec, factor))
    check_site(site)
    # All the site's observations, so that each is computed with the same
    # streams (and so the same day types) as in the validation.
    table = cases.level_comparison(site, _observations(spec_path, spec, every=True))
    return (
        table.set_index("outcome")
        .loc[spec.observations, "predicted"]
        .to_numpy(dtype=float)
    )


def _check_targets(spec_path: Path, spec: LevelCalibrationSpec) -> None:
    for key, p in spec.targets.items():
        if not isinstance(p.value, (int, float)) or p.value <= 0:
            raise ParameterError(
                f"prior value {p.value!r} is not a positive number; allowed: a "
                "positive scalar (the factor multiplies it)",
                file=str(spec_path),
                key_path=f"targets.{key}.value",
            )


def fit_levels(spec_path) -> LevelFit:
    """Fit the spec's factor by weighted least squares on log levels.

    Returns
    -------
    LevelFit

    Raises
    ------
    ParameterError
        A bad spec, or no factor in the bounds with which the site clears.
    """
    from scipy.optimize import minimize_scalar

    spec_path = Path(spec_path)
    spec = load_level_spec(spec_path)
    _check_targets(spec_path, spec)
    obs = _observations(spec_path, spec)
    reported = np.array(
        [obs.observations[o].reported.central for o in spec.observations]
    )
    if np.any(reported <= 0):
        raise ParameterError(
            "an observation's reported level is 0; allowed: positive levels "
            "(the fit is on their logarithms)",
            file=str(spec_path),
            key_path="observations",
        )
    sigma = np.array(
        [STRENGTH_SIGMA[obs.observations[o].strength] for o in spec.observations]
    )
    weight = 1.0 / sigma**2
    cache: dict[float, np.ndarray | None] = {}

    def levels(u: float):
        u = round(float(u), 10)
        if u not in cache:
            try:
                cache[u] = predicted_levels(spec_path, math.exp(u), spec)
            except ParameterError:
                cache[u] = None
        return cache[u]

    lo, hi = math.log(spec.scale_bounds.low), math.log(spec.scale_bounds.high)
    if levels(0.0) is None:
        raise ParameterError(
            "the site's model does not clear its days at the prior values; "
            "allowed: priors the site runs with",
            file=str(spec_path),
            key_path="targets",
        )
    u_max = hi
    if levels(hi) is None:  # largest feasible factor, by bisection
        a, b = 0.0, hi
        for _ in range(12):
            m = 0.5 * (a + b)
            a, b = (m, b) if levels(m) is not None else (a, m)
        u_max = a

    def loss(u):
        p = levels(u)
        if p is None or np.any(~np.isfinite(p)) or np.any(p <= 0):
            return 1e12
        return float(np.sum(weight * (np.log(p) - np.log(reported)) ** 2))

    res = minimize_scalar(
        loss, bounds=(lo, u_max), method="bounded", options={"xatol": 1e-3}
    )
    u = float(res.x)
    # Gauss-Newton standard error of the log factor from the weights.
    h = 0.02
    ua, ub = max(lo, u - h), min(u_max, u + h)
    pa, pb = levels(ua), levels(ub)
    if pa is None or pb is None or ub <= ua:
        se = math.inf
    else:
        jac = (np.log(pb) - np.log(pa)) / (ub - ua)
        info = float(np.sum(weight * jac**2))
        se = 1.0 / math.sqrt(info) if info > 0 else math.inf
    ilo = max(lo, u - _Z95 * se) if math.isfinite(se) else lo
    ihi = min(u_max, u + _Z95 * se) if math.isfinite(se) else u_max
    prior = levels(0.0)
    fitted = levels(u)
    rows = [
        {
            "id": o,
            "reported": float(reported[i]),
            "prior": float(prior[i]),
            "fitted": float(fitted[i]),
            "sigma": float(sigma[i]),
        }
        for i, o in enumerate(spec.observations)
    ]
    rms = math.sqrt(
        float(
            np.sum(weight * (np.log(fitted) - np.log(reported)) ** 2) / np.sum(weight)
        )
    )
    return LevelFit(
        factor=math.exp(u),
        interval=(math.exp(ilo), math.exp(ihi)),
        max_feasible=math.exp(u_max),
        table=rows,
        rms_log_error=rms,
        evaluations=len(cache),
    )


def _writes_to(spec: Path, out_path: Path) -> bool:
    """Whether the spec at ``spec`` (still there) writes into ``out_path``."""
    try:
        output = read_yaml(spec).get("output")
    except Exception:  # noqa: BLE001 - a spec gone or unreadable writes nothing
        return False
    return bool(output) and (spec.parent / output).resolve() == out_path


def level_calibrated_document(spec_path, calibrated_on: str):
    """Run a levels calibration; the calibrated-values document and its path.

    The targets are written as ``prior x factor`` (rounded to ``decimals``),
    each with a triangular distribution over the factor's 95 % interval and
    a source naming the command, the date, the observations and the fit;
    the file's other values (from other specs) are kept.
    """
    spec_path = Path(spec_path)
    spec = load_level_spec(spec_path)
    fit = fit_levels(spec_path)
    obs = _observations(spec_path, spec)
    nd = spec.decimals
    k, (klo, khi) = fit.factor, fit.interval
    against = "; ".join(
        f"{r['id']} (reported {r['reported']:.1f}, model {r['prior']:.1f} before and "
        f"{r['fitted']:.1f} after)"
        for r in fit.table
    )
    sources = "; ".join(
        obs.observations[o].source.title or "" for o in spec.observations
    )
    first = obs.observations[spec.observations[0]]
    out_path = (spec_path.parent / spec.output).resolve()
    existing = read_yaml(out_path) if out_path.exists() else {}
    values = dict(existing.get("values") or {})
    for key, p in spec.targets.items():
        prior = float(p.value)
        value = round(prior * k, nd)
        values[key] = {
            "description": p.description,
            "value": value,
            "unit": p.unit,
            "source": {
                "title": (
                    f"Calibrated on {calibrated_on} by "
                    f"`cba calibrate {spec_path.as_posix()}` "
                    "(cba.analysis.levels.fit_levels): the prior "
                    f"{prior:g} {p.unit} x {k:.3f} (95 % interval "
                    f"{klo:.3f}-{khi:.3f}), fitted to {against} minutes"
                ),
                "href": first.source.href or "",
                "accessed": first.source.accessed or calibrated_on,
                "tag": "calibrated",
                "note": (
                    f"Weighted RMS log error {fit.rms_log_error:.2f} over "
                    f"{len(fit.table)} observation(s), weights 1/sigma^2 with sigma "
                    "0.15 (strong), 0.30 (moderate), 0.50 (weak); "
                    f"{fit.evaluations} model runs. Prior: "
                    f"{(p.source.title or p.source.assumption or '').rstrip('.')}. "
                    "Measurements: "
                    f"{sources}. The distribution spans the 95 % interval."
                ),
            },
            "distribution": {
                "type": "triangular",
                "low": round(prior * klo, nd),
                "mode": value,
                "high": round(prior * khi, nd),
            },
        }
    commands = {
        c
        for c in (existing.get("command") or "").removeprefix("cba calibrate ").split()
        if _writes_to(Path(c), out_path)
    }
    commands.add(spec_path.as_posix())
    command = "cba calibrate " + " ".join(sorted(c for c in commands if c))
    doc = calibrated_file_document(spec.site, command, calibrated_on, values)
    return doc, out_path


def calibration_table(params_dir="parameters"):
    """What each levels spec calibrated, on what, and the values it wrote.

    Returns
    -------
    DataFrame
        One row per target: ``site, spec, value (key path), prior, calibrated,
        low, high`` (the value's unit; low and high span the 95 % interval),
        ``factor`` and ``observations`` (the ids fitted on).
    """
    import pandas as pd

    params_dir = Path(params_dir)
    rows = []
    for path in sorted((params_dir / "calibration").glob("*.yaml")):
        raw = read_yaml(path) or {}
        if raw.get("kind") != "levels":
            continue
        spec = load_level_spec(path)
        out = (path.parent / spec.output).resolve()
        values = (read_yaml(out).get("values") or {}) if out.exists() else {}
        for key, p in spec.targets.items():
            v = values.get(key) or {}
            d = v.get("distribution") or {}
            cal = v.get("value", float("nan"))
            rows.append(
                {
                    "site": spec.site,
                    "spec": path.name,
                    "value": key,
                    "prior": float(p.value),
                    "calibrated": float(cal),
                    "low": float(d.get("low", float("nan"))),
                    "high": float(d.get("high", float("nan"))),
                    "factor": float(cal) / float(p.value),
                    "observations": ", ".join(spec.observations),
                }
            )
    return pd.DataFrame(rows)
