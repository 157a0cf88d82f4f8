"""Appraisals side by side: the same site under other assumptions, or several sites.

Example (in a notebook)::

    from cba import appraisal, params
    from cba.analysis import compare

    site = params.load_site("parameters/sites/pharr_reynosa.yaml")
    base = appraisal.appraise(site)
    slow = appraisal.appraise(
        site, overrides={"streams.trucks_standard.processing_minutes": 3.0}
    )
    compare(base=base, slow_trucks=slow)

One row per appraisal and option at one discount rate: central NPV, BCR, IRR and
payback, the Monte Carlo median and P(NPV > 0) where the appraisal has draws, the
verdict of :mod:`cba.analysis.verdict`, and the change in NPV against the first
appraisal given for the same site and option.
"""

from __future__ import annotations

import pandas as pd

from ..appraisal import Appraisal
from ..exceptions import ParameterError
from ..vocab import BASE_RATE
from .verdict import option_verdicts

__all__ = ["compare", "COMPARE_COLUMNS"]

#: Columns of :func:`compare` (money in the appraisals' report dollars).
COMPARE_COLUMNS = [
    "label",
    "site",
    "option",
    "npv",
    "npv_change",
    "bcr",
    "irr",
    "payback_years",
    "npv_p50",
    "p_npv_positive",
    "verdict",
]


def compare(
    *appraisals: Appraisal,
    kinds: dict[str, dict[str, str]] | None = None,
    rate_name: str = BASE_RATE,
    **named: Appraisal,
) -> pd.DataFrame:
    """Appraisals side by side at one discount rate (see the module docstring).

    Parameters
    ----------
    *appraisals : Appraisal
        Labelled by their site id (``pharr_reynosa``, ``pharr_reynosa#2``, ...).
    kinds : dict, optional
        Option kinds by site id (``{site: {option: kind}}``), so the status quo
        gets no verdict; by default an option named ``status_quo`` is the status
        quo.
    rate_name : str
        Which discount rate (``"base"`` unless told).
    **named : Appraisal
        Appraisals labelled by the keyword (``base=..., high_growth=...``).

    Returns
    -------
    DataFrame with :data:`COMPARE_COLUMNS`, in the order given.
    """
    items: list[tuple[str, Appraisal]] = []
    seen: dict[str, int] = {}
    for a in appraisals:
        seen[a.site_id] = seen.get(a.site_id, 0) + 1
        n = seen[a.site_id]
        items.append((a.site_id if n == 1 else f"{a.site_id}#{n}", a))
    items += list(named.items())
    if not items:
        raise ParameterError("compare needs at least one appraisal", key_path="compare")
    rows = []
    first: dict[tuple[str, str], float] = {}
    for label, a in items:
        if not isinstance(a, Appraisal):
            raise ParameterError(
                f"{label} is a {type(a).__name__}, not an Appraisal; allowed: the "
                "results of cba.appraisal.appraise",
                key_path="compare",
            )
        m = a.metrics[a.metrics["rate_name"] == rate_name]
        if m.empty:
            rates = sorted(a.metrics["rate_name"].unique())
            raise ParameterError(
                f"{label} has no discount rate named {rate_name!r}; allowed: "
                + ", ".join(rates),
                key_path="compare.rate_name",
            )
        site_kinds = (kinds or {}).get(a.site_id) or {
            o: ("status_quo" if o == "status_quo" else "option") for o in m["option"]
        }
        v = option_verdicts(m, site_kinds, rate_name).set_index("option")
        for r in m.itertuples():
            key = (a.site_id, r.option)
            first.setdefault(key, float(r.npv))
            verdict = ""
            if r.option in v.index:
                verdict = v.loc[r.option, "verdict"]
                if v.loc[r.option, "best"]:
                    verdict = "best: " + verdict
            rows.append(
                {
                    "label": label,
                    "site": a.site_id,
                    "option": r.option,
                    "npv": float(r.npv),
                    "npv_change": float(r.npv) - first[key],
                    "bcr": float(r.bcr),
                    "irr": float(r.irr),
                    "payback_years": float(r.payback_years),
                    "npv_p50": float(getattr(r, "npv_p50", float("nan"))),
                    "p_npv_positive": float(getattr(r, "p_npv_positive", float("nan"))),
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)
