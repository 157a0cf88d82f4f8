"""One-at-a-time sensitivity: tornado and switching values.

Main functions: :func:`uncertain_parameters`, :func:`tornado`,
:func:`switching_values`, :func:`robustness_sentences`.

Tornado: every parameter with a distribution is set to its P10 and then its
P90 while all others stay at their central values; the change in each
option's NPV at the base discount rate is recorded. All 2K + 1 scenarios are
evaluated in one call on the draw axis.

Switching value: the value of a parameter at which an option's NPV crosses
zero, found by bracketing on a grid over the parameter's support and then
solving with Brent's method (:func:`scipy.optimize.brentq`); "none within the
support" when the NPV keeps one sign.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from .. import uncertainty
from ..appraisal import appraise, outlooks_for
from ..i18n import _
from ..params import Site, iter_params
from ..vocab import BASE_RATE

__all__ = [
    "uncertain_parameters",
    "tornado",
    "switching_values",
    "robustness_sentences",
    "risk_numbers",
    "risk_analysis",
    "status_quo_peak_wait",
    "wait_consistent_range",
]

#: Quantiles of the tornado's low and high cases.
TORNADO_QUANTILES = (0.10, 0.90)


def uncertain_parameters(site: Site) -> pd.DataFrame:
    """Parameters with a distribution: key, description, central value, P10, P90."""
    rows = []
    for key, p in iter_params(site):
        if p.distribution is None:
            continue
        lo, hi = (
            float(uncertainty.quantile(p.distribution, q)) for q in TORNADO_QUANTILES
        )
        rows.append(
            {
                "key": key,
                "description": p.description,
                "unit": p.unit,
                "central": float(p.value),
                "p10": lo,
                "p90": hi,
            }
        )
    return pd.DataFrame(
        rows, columns=["key", "description", "unit", "central", "p10", "p90"]
    )


def _npv_by_scenario(
    site: Site, overrides: dict, n: int, outlooks=None
) -> pd.DataFrame:
    res = appraise(site, overrides=overrides, n_scenarios=n, outlooks=outlooks)
    d = res.npv_draws if res.npv_draws is not None else res.metrics.assign(draw=0)
    d = d[d["rate_name"] == BASE_RATE]
    return d.pivot(index="draw", columns="option", values="npv")


def tornado(site: Site, outlooks=None) -> pd.DataFrame:
    """NPV at P10 and P90 of each uncertain parameter, per option (base rate).

    Returns
    -------
    DataFrame
        Columns ``option, key, description, low_value, high_value, npv_low,
        npv_high, npv_central, swing`` sorted by swing (largest first) within
        each option. [USD]
    """
    params = uncertain_parameters(site)
    k = len(params)
    n = 2 * k + 1
    overrides = {}
    for i, r in enumerate(params.itertuples()):
        arr = np.full(n, r.central)
        arr[1 + 2 * i] = r.p10
        arr[2 + 2 * i] = r.p90
        overrides[r.key] = arr
    npv = _npv_by_scenario(site, overrides, n, outlooks)
    rows = []
    for option in npv.columns:
        if site.file.options[option].kind == "status_quo":
            continue
        central = float(npv.loc[0, option])
        for i, r in enumerate(params.itertuples()):
            lo, hi = (
                float(npv.loc[1 + 2 * i, option]),
                float(npv.loc[2 + 2 * i, option]),
            )
            rows.append(
                {
                    "option": option,
                    "key": r.key,
                    "description": r.description,
                    "low_value": r.p10,
                    "high_value": r.p90,
                    "npv_low": lo,
                    "npv_high": hi,
                    "npv_central": central,
                    "swing": abs(hi - lo),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values(["option", "swing"], ascending=[True, False]).reset_index(
        drop=True
    )


def switching_values(
    site: Site, keys: list[str] | None = None, grid: int = 17, outlooks=None
) -> pd.DataFrame:
    """Value of each parameter at which each option's NPV (base rate) is zero.

    Parameters
    ----------
    site : Site
    keys : list of str, optional
        Parameter keys to examine (default: every uncertain parameter).
    grid : int
        Points on the support used to bracket the root before Brent's method.

    Returns
    -------
    DataFrame
        ``option, key, central, switching_value, low, high, note``; the
        switching value is NaN with note "none within the support" when the NPV
        keeps one sign between the support's ends (P0.5 and P99.5 for unbounded
        distributions).
    """
    params = uncertain_parameters(site).set_index("key")
    dists = {
        key: p.distribution
        for key, p in iter_params(site)
        if p.distribution is not None
    }
    keys = list(params.index) if keys is None else keys
    rows = []
    for key in keys:
        d = dists[key]
        lo, hi = d.support()
        if not math.isfinite(lo):
            lo = float(uncertainty.quantile(d, 0.005))
        if not math.isfinite(hi):
            hi = float(uncertainty.quantile(d, 0.995))
        xs = np.linspace(lo, hi, grid)
        npv = _npv_by_scenario(site, {key: xs}, grid, outlooks)
        for option in npv.columns:
            if site.file.options[option].kind == "status_quo":
                continue
            y = npv[option].to_numpy()
            sign = np.sign(y)
            idx = np.nonzero(sign[:-1] * sign[1:] <= 0)[0]
            central = float(params.loc[key, "central"])
            if idx.size == 0:
                rows.append(
                    {
                        "option": option,
                        "key": key,
                        "central": central,
                        "switching_value": np.nan,
                        "low": lo,
                        "high": hi,
                        "note": "none within the support",
                    }
                )
                continue
            # the crossing nearest the central value
            j = idx[np.argmin(np.abs(xs[idx] - central))]
            a, b = xs[j], xs[j + 1]
            if y[j] == 0:
                root = a
            elif y[j + 1] == 0:
                root = b
            else:

                def f(x, option=option, key=key):
                    return float(
                        _npv_by_scenario(site, {key: np.array([x])}, 1, outlooks).loc[
                            0, option
                        ]
                    )

                root = brentq(
                    f, a, b, xtol=1e-6 * max(1.0, abs(b)), rtol=1e-6, maxiter=60
                )
            rows.append(
                {
                    "option": option,
                    "key": key,
                    "central": central,
                    "switching_value": float(root),
                    "low": lo,
                    "high": hi,
                    "note": "",
                }
            )
    return pd.DataFrame(
        rows,
        columns=["option", "key", "central", "switching_value", "low", "high", "note"],
    )


def robustness_sentences(
    site: Site,
    metrics: pd.DataFrame,
    tornado_table: pd.DataFrame,
    switching: pd.DataFrame,
) -> dict[str, str]:
    """One plain sentence per option on how robust its verdict is."""
    out = {}
    base = metrics[metrics["rate_name"] == BASE_RATE].set_index("option")
    for oid, opt in site.file.options.items():
        if opt.kind == "status_quo":
            continue
        npv = float(base.loc[oid, "npv"])
        t = tornado_table[tornado_table["option"] == oid]
        flips = t[
            (np.sign(t["npv_low"]) != np.sign(npv))
            | (np.sign(t["npv_high"]) != np.sign(npv))
        ]
        sw = switching[
            (switching["option"] == oid) & switching["switching_value"].notna()
        ]
        top = t.iloc[0]["description"] if len(t) else _("no parameter")
        if flips.empty:
            text = (
                _(
                    "{option}: the NPV stays positive when any single uncertain "
                    "input moves to its 10th or 90th percentile; the most "
                    "influential input is {top}."
                )
                if npv > 0
                else _(
                    "{option}: the NPV stays negative when any single uncertain "
                    "input moves to its 10th or 90th percentile; the most "
                    "influential input is {top}."
                )
            ).format(option=opt.name, top=top.lower())
        else:
            names = ", ".join(flips["description"].str.lower().head(3))
            text = (
                _(
                    "{option}: the NPV is positive at central values but changes "
                    "sign when one of these inputs moves to its 10th or 90th "
                    "percentile: {inputs}."
                )
                if npv > 0
                else _(
                    "{option}: the NPV is negative at central values but changes "
                    "sign when one of these inputs moves to its 10th or 90th "
                    "percentile: {inputs}."
                )
            ).format(option=opt.name, inputs=names)
        if len(sw):
            r = sw.iloc[0]
            described = dict(zip(t["key"], t["description"], strict=True))
            text += " " + _(
                "It breaks even when {input} is {value} (central {central})."
            ).format(
                input=str(described.get(r["key"], r["key"])).lower(),
                value=f"{r['switching_value']:.4g}",
                central=f"{r['central']:.4g}",
            )
        out[oid] = text
    return out


def risk_numbers(site: Site, top: int = 5, outlooks=None) -> dict:
    """Tornado for every option and switching values for each option's ``top``
    most influential parameters: the numbers of :func:`risk_analysis`, the
    same in every report language.

    Returns
    -------
    dict
        ``{"tornado": DataFrame, "switching": DataFrame}``
    """
    outlooks = outlooks if outlooks is not None else outlooks_for(site)
    t = tornado(site, outlooks=outlooks)
    keys = [] if t.empty else list(dict.fromkeys(t.groupby("option").head(top)["key"]))
    sw = (
        switching_values(site, keys=keys, outlooks=outlooks)
        if keys
        else pd.DataFrame(
            columns=[
                "option",
                "key",
                "central",
                "switching_value",
                "low",
                "high",
                "note",
            ]
        )
    )
    if not sw.empty and not t.empty:
        wanted = set(
            map(tuple, t.groupby("option").head(top)[["option", "key"]].to_numpy())
        )
        sw = sw[
            [(o, k) in wanted for o, k in zip(sw["option"], sw["key"], strict=True)]
        ].reset_index(drop=True)
    return {"tornado": t, "switching": sw}


def risk_analysis(
    site: Site, appraisal, top: int = 5, outlooks=None, numbers: dict | None = None
) -> dict:
    """Tornado for every option, switching values for each option's ``top``
    most influential parameters, and one sentence per option in the report
    language (``numbers``: :func:`risk_numbers` already computed, e.g. read
    from the cache by a report in another language).

    Returns
    -------
    dict
        ``{"tornado": DataFrame, "switching": DataFrame, "sentences": dict}``
    """
    if numbers is None:
        numbers = risk_numbers(site, top=top, outlooks=outlooks)
    t, sw = numbers["tornado"], numbers["switching"]
    return {
        "tornado": t,
        "switching": sw,
        "sentences": robustness_sentences(site, appraisal.metrics, t, sw),
    }


def status_quo_peak_wait(
    site: Site, stream: str, factor: float = 1.0, outlooks=None
) -> float:
    """Longest status-quo mean wait by hour of one stream [minutes].

    In the first year of operation, with the stream's mean processing time
    multiplied by ``factor``."""
    key = f"streams.{stream}.processing_minutes"
    central = float(site.file.streams[stream].processing_minutes.value)
    w = appraise(site, outlooks=outlooks, overrides={key: central * factor}).waits
    w = w[(w["option"] == "status_quo") & (w["stream"] == stream)]
    return float(np.nanmax(w["wait_minutes"]))


def wait_consistent_range(
    site: Site,
    stream: str,
    tolerance: float = 2.0,
    span: tuple[float, float] = (0.70, 1.30),
    step: float = 0.025,
    min_half_width: float = 0.025,
    outlooks=None,
) -> tuple[float, float]:
    """Range of a stream's mean processing time that stays consistent with its waits.

    A site's booth schedule is set so that, at the central processing time,
    the modelled status-quo waits reproduce the reported ones. A mean
    processing time far from the central value would then imply waits far
    from those reported, so the uncertainty left about the mean is the range
    of multipliers (on a grid of ``step`` within ``span``, moving out from 1)
    over which the status-quo peak-hour wait stays within a factor
    ``tolerance`` of its central value. At least ``min_half_width`` either side.

    Returns
    -------
    (low, high) : multipliers of the central processing time
    """
    outlooks = outlooks if outlooks is not None else outlooks_for(site)
    base = status_quo_peak_wait(site, stream, 1.0, outlooks)

    def ok(m):
        p = status_quo_peak_wait(site, stream, m, outlooks)
        return base / tolerance <= p <= base * tolerance

    n_lo = int(round((1.0 - span[0]) / step))
    n_hi = int(round((span[1] - 1.0) / step))
    lo = hi = 1.0
    for i in range(1, n_lo + 1):
        m = round(1.0 - i * step, 10)
        if not ok(m):
            break
        lo = m
    for i in range(1, n_hi + 1):
        m = round(1.0 + i * step, 10)
        if not ok(m):
            break
        hi = m
    return min(lo, 1.0 - min_half_width), max(hi, 1.0 + min_half_width)
