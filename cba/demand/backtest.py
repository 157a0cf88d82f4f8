"""Rolling-origin backtest of the demand forecast against seasonal-naive.

Main functions
--------------
backtest
    Fits `cba.demand.forecast.forecast` and `cba.demand.forecast.seasonal_naive`
    at each forecast origin on the data up to that origin and scores both on the
    months that follow: MAPE, MASE and the coverage of the 80 % and 95 %
    intervals, by horizon bucket and overall.

Method
------
Each origin is a month of the series; both methods see only the months up to it.
The point forecast is the ``mean`` column. ``MAPE = mean(|y - yhat| / y)``;
``MASE = mean(|y - yhat|) / q`` with ``q`` the in-sample mean absolute 12-month
difference up to the origin (Hyndman & Koehler 2006), computed per origin.
Target months in the COVID-19 restrictions (`cba.demand.data.PANDEMIC_FIRST_MONTH`
to `cba.demand.data.PANDEMIC_LAST_MONTH`) are not scored unless asked for, for
every measure: no model could foresee the collapse, and it would swamp the
comparison. The design and results of the model-selection runs are in the
`cba.demand.forecast` module docstring; ``tests/benchmarks/
bench_demand_backtest.py`` reproduces them.

References
----------
Hyndman, R.J. and Koehler, A.B., "Another look at measures of forecast
accuracy", International Journal of Forecasting 22(4), 679-688, 2006,
https://doi.org/10.1016/j.ijforecast.2006.03.001

Hyndman, R.J. and Athanasopoulos, G., "Forecasting: Principles and Practice",
3rd ed., OTexts, 2021, https://otexts.com/fpp3/ (MASE, time series
cross-validation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cba.demand.data import MONTHS_PER_YEAR, PANDEMIC_FIRST_MONTH, PANDEMIC_LAST_MONTH
from cba.demand.forecast import (
    check_horizon,
    check_monthly_series,
    forecast,
    seasonal_naive,
)
from cba.exceptions import ParameterError

__all__ = ["backtest"]


def backtest(
    series: pd.Series,
    origins: Sequence,
    horizons: Sequence[int] = (12, 24, 36),
    *,
    score_pandemic: bool = False,
) -> pd.DataFrame:
    """Rolling-origin backtest of `forecast` against `seasonal_naive`.

    Parameters
    ----------
    series : pandas.Series
        Positive monthly counts without gaps, e.g. from `monthly_crossings`.
        [crossings/month]
    origins : sequence of str or Timestamp
        Forecast origins: the last month each forecast may use (e.g.
        ``"2018-12"``). Each must be a month of `series`. [-]
    horizons : sequence of int, default (12, 24, 36)
        Increasing upper bounds of the horizon buckets: (12, 24, 36) scores
        months 1-12, 13-24 and 25-36 after each origin. [months]
    score_pandemic : bool, default False
        If False, target months from 2020-03 to 2021-12 are not scored: no model
        could foresee the COVID-19 collapse, and it would swamp the comparison. [-]

    Returns
    -------
    pandas.DataFrame
        One row per method (``"forecast"``, ``"seasonal_naive"``) and horizon
        bucket, plus (if there are several buckets) a row per method over all
        horizons, with columns ``method``,
        ``h_from``, ``h_to`` [months], ``n`` (number of scored forecasts) [-],
        ``mape`` (mean absolute percentage error, as a fraction) [1], ``mase``
        (mean absolute scaled error) [1], ``cov80`` and ``cov95`` (share of actual
        values inside the 80 % and 95 % intervals) [1]. Buckets without scored
        months have ``n = 0`` and NaN scores.

    Raises
    ------
    ParameterError
        An origin is not a month of `series`, or bad `horizons`.
    ModelDomainError
        Too little history before an origin.

    Notes
    -----
    For each origin ``o`` both methods are fitted on ``series[:o]`` and scored on
    the observed months after ``o`` up to ``o + max(horizons)``. The point
    forecast is ``mean``. ``MAPE = mean(|y - yhat| / y)``. ``MASE = mean(|y -
    yhat|) / q`` with ``q`` the in-sample mean absolute 12-month difference up to
    the origin (Hyndman & Koehler 2006), computed per origin. Horizons beyond the
    end of the data are not scored.

    Examples
    --------
    >>> from cba.demand import monthly_crossings
    >>> s = monthly_crossings("2304", "Trucks")
    >>> table = backtest(s, ["2017-12"], horizons=(12,))
    >>> table[["method", "h_from", "h_to", "n"]].values.tolist()
    [['forecast', 1, 12, 12], ['seasonal_naive', 1, 12, 12]]
    """
    values = check_monthly_series(series)
    if isinstance(horizons, (int, np.integer)):
        horizons = (horizons,)
    bounds = [check_horizon(h, "horizons") for h in horizons]
    if any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
        raise ParameterError(
            f"horizons must be strictly increasing, got {list(horizons)}",
            key_path="horizons",
        )
    max_h = bounds[-1]
    edges = [0, *bounds]
    records = []
    for origin in origins:
        try:
            stamp = pd.Timestamp(origin).to_period("M").to_timestamp()
        except (ValueError, TypeError) as exc:
            raise ParameterError(
                f"origin {origin!r} is not a month", key_path="origins"
            ) from exc
        if stamp not in series.index:
            raise ParameterError(
                f"origin {origin!r} is not a month of the series "
                f"({series.index[0]:%Y-%m} to {series.index[-1]:%Y-%m})",
                key_path="origins",
            )
        position = series.index.get_loc(stamp)
        train = series.iloc[: position + 1]
        actual = values[position + 1 : position + 1 + max_h]
        if actual.size == 0:
            continue
        months = series.index[position + 1 : position + 1 + actual.size]
        scored = np.ones(actual.size, dtype=bool)
        if not score_pandemic:
            scored = ~(
                (months >= PANDEMIC_FIRST_MONTH) & (months <= PANDEMIC_LAST_MONTH)
            )
        train_values = train.to_numpy(dtype=float)
        scale = np.mean(
            np.abs(train_values[MONTHS_PER_YEAR:] - train_values[:-MONTHS_PER_YEAR])
        )
        steps = np.arange(1, actual.size + 1)
        for method, frame in (
            ("forecast", forecast(train, max_h)),
            ("seasonal_naive", seasonal_naive(train, max_h)),
        ):
            fc = frame.iloc[: actual.size]
            error = np.abs(actual - fc["mean"].to_numpy())
            records.append(
                pd.DataFrame(
                    {
                        "method": method,
                        "h": steps,
                        "scored": scored,
                        "ape": error / actual,
                        "ase": error / scale,
                        "in80": (actual >= fc["lower_80"].to_numpy())
                        & (actual <= fc["upper_80"].to_numpy()),
                        "in95": (actual >= fc["lower_95"].to_numpy())
                        & (actual <= fc["upper_95"].to_numpy()),
                    }
                )
            )
    columns = ["method", "h_from", "h_to", "n", "mape", "mase", "cov80", "cov95"]
    if not records:
        return pd.DataFrame(columns=columns)
    detail = pd.concat(records, ignore_index=True)
    detail = detail[detail["scored"]]
    rows = []
    for method in ("forecast", "seasonal_naive"):
        part = detail[detail["method"] == method]
        spans = list(zip(edges[:-1], edges[1:], strict=True))
        if len(spans) > 1:
            spans.append((0, max_h))
        for lo, hi in spans:
            cell = part[(part["h"] > lo) & (part["h"] <= hi)]
            rows.append(
                (
                    method,
                    lo + 1,
                    hi,
                    len(cell),
                    cell["ape"].mean() if len(cell) else np.nan,
                    cell["ase"].mean() if len(cell) else np.nan,
                    cell["in80"].mean() if len(cell) else np.nan,
                    cell["in95"].mean() if len(cell) else np.nan,
                )
            )
    return pd.DataFrame(rows, columns=columns)
