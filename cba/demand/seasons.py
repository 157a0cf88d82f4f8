"""Seasons from the monthly data: which months are busy, and by how much.

A year is not one average day: border traffic peaks in some months (produce
seasons, the run-up to holidays) and slackens in others. From a port's cleaned
monthly BTS series (:func:`cba.demand.monthly_crossings`) this module takes
each calendar month's mean daily crossings relative to the year's over the last
complete years, and groups the months into seasons of equal length, from the
quietest to the busiest. Because queues are convex in traffic, a busy month
adds more delay than a quiet month saves, so the appraisal evaluates each
season's day and weights it by its share of the year.

Examples
--------
>>> f = np.array([0.9] * 4 + [1.0] * 4 + [1.1] * 4)
>>> [g.tolist() for g in season_months(f, 3)]
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
>>> round(sum(season_weight(g) for g in season_months(f, 3)), 12)
1.0
>>> round(season_factor(f, season_months(f, 3)[2]), 6)
1.1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_IN_MONTH",
    "month_factors",
    "season_months",
    "season_weight",
    "season_factor",
]

#: Mean days in each calendar month (February 28.25: a leap year in four).
DAYS_IN_MONTH = np.array(
    [31.0, 28.25, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0]
)


def month_factors(monthly: pd.Series, years: int = 3) -> np.ndarray:
    """Mean daily crossings of each calendar month relative to the year's mean
    daily crossings, averaged over the last ``years`` complete calendar years of
    ``monthly`` (crossings a month, indexed by month start). [factor], (12,)

    The factors weighted by :data:`DAYS_IN_MONTH` average to 1 in each year, so
    seasons built from them keep the annual volume.
    """
    s = monthly.dropna()
    by_year = s.groupby(s.index.year)
    full = [y for y, g in by_year if len(g) == 12]
    if not full:
        return np.ones(12)
    rows = []
    for y in full[-years:]:
        g = by_year.get_group(y).sort_index().to_numpy(dtype=float)
        total = g.sum()
        if total <= 0:
            continue
        daily = g / DAYS_IN_MONTH
        rows.append(daily / (total / DAYS_IN_MONTH.sum()))
    return np.mean(rows, axis=0) if rows else np.ones(12)


def season_months(factors: np.ndarray, n_seasons: int = 3) -> list[np.ndarray]:
    """Calendar months (0 = January) of each season, quietest first: the months
    ranked by ``factors`` and cut into ``n_seasons`` groups of equal size."""
    order = np.argsort(np.asarray(factors, dtype=float), kind="stable")
    return [np.sort(g) for g in np.array_split(order, n_seasons)]


def season_weight(months: np.ndarray) -> float:
    """Share of the year's days in ``months``. [/1]"""
    return float(DAYS_IN_MONTH[months].sum() / DAYS_IN_MONTH.sum())


def season_factor(factors: np.ndarray, months: np.ndarray) -> float:
    """Mean daily traffic of ``months`` relative to the year's. [factor]"""
    f = np.asarray(factors, dtype=float)
    d = DAYS_IN_MONTH[months]
    return float((f[months] * d).sum() / d.sum())
