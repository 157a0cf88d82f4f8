"""Verdicts: what each option's numbers say, by one stated rule, on every page.

The headline of an option is its central (deterministic) NPV; with Monte Carlo
draws the verdict also asks how often the NPV is positive:

* **worth doing** -- central NPV > 0 and, with draws, P(NPV > 0) >= 0.8;
* **not worth doing** -- central NPV <= 0 and, with draws, P(NPV > 0) <= 0.2;
* **uncertain** -- the draws disagree with each other or with the central value
  (anything else).

The **best** option of a site is the worth-doing option with the highest central
NPV; when none is worth doing the site has none (a negative option is never
best). With draws, a best option whose P(best) is below 0.6 while another
option is also worth doing is a **near tie** with it.

Main functions: :func:`option_verdicts`, :func:`sanity_flags`.
"""

from __future__ import annotations

import math

import pandas as pd

from ..i18n import N_, _
from ..vocab import BASE_RATE

__all__ = [
    "WORTH_DOING_P",
    "NOT_WORTH_P",
    "NEAR_TIE_P",
    "WORTH",
    "NOT_WORTH",
    "UNCERTAIN",
    "option_verdicts",
    "verdict_of",
    "sanity_flags",
    "MAX_PLAUSIBLE_BCR",
    "MAX_PLAUSIBLE_WAIT_MINUTES",
]

#: P(NPV > 0) at or above which a positive central NPV is "worth doing".
WORTH_DOING_P = 0.8
#: P(NPV > 0) at or below which a non-positive central NPV is "not worth doing".
NOT_WORTH_P = 0.2
#: P(best) below which the best option is a near tie with the runner-up.
NEAR_TIE_P = 0.6
WORTH, NOT_WORTH, UNCERTAIN = N_("worth doing"), N_("not worth doing"), N_("uncertain")
#: Above this benefit-cost ratio a result is flagged for a second look.
MAX_PLAUSIBLE_BCR = 20.0
#: Above this status-quo wait (minutes) a result is flagged for a second look.
MAX_PLAUSIBLE_WAIT_MINUTES = 180.0


def verdict_of(npv: float, p_positive: float | None) -> str:
    """The verdict of one option (see the module docstring).

    Examples
    --------
    >>> verdict_of(5.0, None), verdict_of(5.0, 0.9), verdict_of(5.0, 0.5)
    ('worth doing', 'worth doing', 'uncertain')
    >>> verdict_of(-1.0, 0.1), verdict_of(-1.0, 0.52), verdict_of(-1.0, None)
    ('not worth doing', 'uncertain', 'not worth doing')
    """
    drawn = p_positive is not None and not math.isnan(p_positive)
    if npv > 0 and (not drawn or p_positive >= WORTH_DOING_P):
        return WORTH
    if npv <= 0 and (not drawn or p_positive <= NOT_WORTH_P):
        return NOT_WORTH
    return UNCERTAIN


def option_verdicts(
    metrics: pd.DataFrame, kinds: dict[str, str], rate_name: str = BASE_RATE
) -> pd.DataFrame:
    """Verdict, best option and near tie of each option at one discount rate.

    Parameters
    ----------
    metrics : DataFrame
        An appraisal's metrics (central ``npv``; ``p_npv_positive`` and
        ``p_best`` with draws).
    kinds : dict
        Option id -> kind (the status quo gets no verdict).

    Returns
    -------
    DataFrame
        ``option, npv, verdict, best`` (bool), ``near_tie_with`` (option id or
        "").
    """
    m = metrics[metrics["rate_name"] == rate_name]
    rows = []
    for r in m.itertuples():
        if kinds[r.option] == "status_quo":
            continue
        p = getattr(r, "p_npv_positive", None)
        rows.append(
            {
                "option": r.option,
                "npv": float(r.npv),
                "verdict": verdict_of(float(r.npv), None if p is None else float(p)),
                "p_best": float(getattr(r, "p_best", float("nan"))),
                "best": False,
                "near_tie_with": "",
            }
        )
    out = pd.DataFrame(
        rows, columns=["option", "npv", "verdict", "p_best", "best", "near_tie_with"]
    )
    worth = out[out["verdict"] == WORTH].sort_values("npv", ascending=False)
    if len(worth):
        top = worth.index[0]
        out.loc[top, "best"] = True
        if len(worth) > 1 and out.loc[top, "p_best"] < NEAR_TIE_P:
            out.loc[top, "near_tie_with"] = worth.iloc[1]["option"]
    return out.drop(columns="p_best")


def sanity_flags(
    metrics: pd.DataFrame,
    waits: pd.DataFrame,
    names: dict[str, str],
    measured: bool,
    draft: bool,
    misses: tuple[int, int] | None = None,
) -> list[str]:
    """Plain sentences on anything in a result that deserves a second look.

    A benefit-cost ratio above :data:`MAX_PLAUSIBLE_BCR`, a status-quo wait above
    :data:`MAX_PLAUSIBLE_WAIT_MINUTES`, a draft site file, or a site with no
    measurement to compare its modelled waits with.
    """
    out = []
    base = metrics[metrics["rate_name"] == BASE_RATE]
    for r in base.itertuples():
        if r.option in names and math.isfinite(r.bcr) and r.bcr > MAX_PLAUSIBLE_BCR:
            out.append(
                _(
                    "{option} has a benefit-cost ratio of {bcr}: few public "
                    "investments reach 20, so check the queue behind it (booths, "
                    "processing times, traffic) before relying on it."
                ).format(option=names[r.option], bcr=f"{r.bcr:.0f}")
            )
    sq = waits[waits["option"] == "status_quo"]
    if len(sq) and sq["wait_minutes"].max() > MAX_PLAUSIBLE_WAIT_MINUTES:
        top = sq.loc[sq["wait_minutes"].idxmax()]
        out.append(
            _(
                "The modelled status-quo wait reaches {minutes} minutes at {hour}, "
                "more than three hours: check that the booths and processing times "
                "match the crossing."
            ).format(
                minutes=f"{top['wait_minutes']:.0f}",
                hour=f"{int(top['hour']):02d}:00",
            )
        )
    if draft:
        out.append(
            _(
                "This site file is a scaffold draft: its values are generic "
                "assumptions, not this crossing's."
            )
        )
    if misses is not None and misses[0] > 0:
        out.append(
            _(
                "The modelled status quo falls outside the band of {miss} of {n} "
                "out-of-sample measurements at this crossing (see Model against "
                "measurement): its waits, and the staffing results that rest on "
                "them, are not yet confirmed by what was measured."
            ).format(miss=misses[0], n=misses[1])
        )
    if not measured:
        out.append(
            _(
                "No measurement of this crossing (waits, crossing times or "
                "throughput) has been compared with the model yet, so its "
                "status-quo waits are not checked against reality."
            )
        )
    return out
