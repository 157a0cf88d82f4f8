"""Annual traffic outlook, Monte Carlo traffic paths and forecast chart data.

Main functions
--------------
annual_outlook
    Annual totals [crossings/year] for the cost-benefit model, observed where the
    data has them, forecast (and extended by a long-run rule) otherwise.
sample_annual_paths
    Monte Carlo draws of annual traffic paths consistent with the outlook.
forecast_chart_data
    The observed months and the monthly forecast with its 80 % and 95 % bands,
    as a tidy table for a history-and-forecast chart (the report's forecast
    chart), with the years counted from the data's own last month.

Annual outlook
--------------
A year of the outlook is one of three kinds (``attrs["basis"]``):

1. **observed**: all 12 months in the cleaned data (`cba.demand.data`); the
   total is their sum, without uncertainty;
2. **model**: from the year of the last observation to December of the
   `MODEL_HORIZON_YEARS`-th (5th) year after it, observed months plus the
   monthly `cba.demand.forecast.forecast` months, aggregated exactly under their
   joint lognormal distribution and approximated as lognormal (Fenton 1960);
3. **long-run**: later years, whose growth decays from the model's last-year
   growth towards a long-run rate at `GROWTH_DECAY_PER_YEAR` per year, with
   uncertainty growing like a random walk.

**Long-run growth rule.** Unless the caller gives a rate, the long-run rate is
the series' own compound annual growth over its complete years 1996-2019 (at
least 11 of them, ending in 2019, so the pandemic years do not count), bounded to
+/- `LONG_RUN_GROWTH_CAP` (3 %/year). ``attrs["long_run_growth_basis"]`` says
how the rate was set. The formulas are in `annual_outlook`.

**Monte Carlo.** `sample_annual_paths` draws lognormal annual paths whose every
year has the outlook's mean and its 80 % / 95 % bounds as quantiles; the
deviations persist from year to year as a random walk, or are perfectly
correlated.

References
----------
Fenton, L.F., "The sum of log-normal probability distributions in scatter
transmission systems", IRE Transactions on Communications Systems 8(1), 57-67,
1960, https://doi.org/10.1109/TCOM.1960.1097606
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cba.demand.data import MONTHS_PER_YEAR, monthly_crossings
from cba.demand.forecast import Z80, Z95, forecast, log_forecast
from cba.exceptions import ModelDomainError, ParameterError

__all__ = [
    "MODEL_HORIZON_YEARS",
    "LONG_RUN_GROWTH_CAP",
    "GROWTH_DECAY_PER_YEAR",
    "annual_outlook",
    "sample_annual_paths",
    "forecast_chart_data",
]

#: The statsmodels forecast covers every month up to December of the fifth
#: calendar year after the last observed month. [years]
MODEL_HORIZON_YEARS = 5

#: Bound on the magnitude of the long-run growth rate taken from a series' own
#: history (assumption: decades of growth faster than 3 %/year at one port are not
#: a reasonable default; pass ``long_run_growth`` to override). [1/year]
LONG_RUN_GROWTH_CAP = 0.03

#: Share of the gap between last model-year growth and long-run growth that is
#: left after each further year (the gap halves in about two years). [1]
GROWTH_DECAY_PER_YEAR = 0.7

_LONG_RUN_FIRST_YEAR = 1996
_LONG_RUN_LAST_YEAR = 2019
_MIN_LONG_RUN_YEARS = 10


def _long_run_growth(series: pd.Series) -> tuple[float, str]:
    years = series.groupby(series.index.year).agg(["sum", "size"])
    full = years[(years["size"] == MONTHS_PER_YEAR)]
    in_window = (full.index >= _LONG_RUN_FIRST_YEAR) & (
        full.index <= _LONG_RUN_LAST_YEAR
    )
    full = full[in_window]
    if len(full) < _MIN_LONG_RUN_YEARS + 1 or full.index[-1] != _LONG_RUN_LAST_YEAR:
        raise ModelDomainError(
            f"the series has {len(full)} complete calendar years in "
            f"{_LONG_RUN_FIRST_YEAR}-{_LONG_RUN_LAST_YEAR}; at least "
            f"{_MIN_LONG_RUN_YEARS + 1} ending in {_LONG_RUN_LAST_YEAR} are needed to "
            "estimate long-run growth; pass long_run_growth explicitly"
        )
    first, last = int(full.index[0]), int(full.index[-1])
    cagr = (full["sum"].iloc[-1] / full["sum"].iloc[0]) ** (1.0 / (last - first)) - 1
    capped = float(np.clip(cagr, -LONG_RUN_GROWTH_CAP, LONG_RUN_GROWTH_CAP))
    note = f"CAGR {first}-{last} = {cagr:.4f}/year"
    if capped != cagr:
        note += f", capped at {capped:+.4f}/year"
    return capped, note


def _check_year(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(
            f"{name} must be an integer year, got {value!r}", key_path=name
        )
    return int(value)


def annual_outlook(
    port_code: str,
    measure: str,
    start_year: int,
    end_year: int,
    *,
    long_run_growth: float | None = None,
) -> pd.DataFrame:
    """Annual crossing totals with prediction intervals, for the CBA horizon.

    Parameters
    ----------
    port_code : str
        Port code as in `monthly_crossings` (``"2402"`` means the El Paso area). [-]
    measure : str
        BTS measure, e.g. ``"Trucks"``. [-]
    start_year, end_year : int
        First and last calendar year of the outlook (inclusive). `start_year` may
        not precede the first complete year of data. [year]
    long_run_growth : float, optional
        Long-run growth rate of annual traffic used beyond the model horizon, as a
        fraction per year (0.02 = 2 %/year), > -1. Default: the series' own
        compound annual growth rate over its complete years 1996-2019, bounded to
        +/- `LONG_RUN_GROWTH_CAP` (3 %/year). [1/year]

    Returns
    -------
    pandas.DataFrame
        Indexed by integer ``year``, columns ``mean`` (expected annual total),
        ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95`` [crossings/year]
        and ``log_sd``, the standard deviation of the log annual total (0 for
        fully observed years) [1]. ``attrs`` records ``port_code``, ``measure``,
        ``unit``, ``last_observed_month``, ``model_last_year``,
        ``long_run_growth`` and how it was set, and ``basis`` per year
        (``"observed"``, ``"model"``, ``"long-run"``).

    Raises
    ------
    ParameterError
        Bad port, measure, years or `long_run_growth`.
    ModelDomainError
        `start_year` before the first complete year of data, or too little
        history to estimate the model or the long-run growth.

    Notes
    -----
    Years are built in three ways:

    1. **Observed** (all 12 months in the data, after filling gaps): the sum of
       the months, ``log_sd = 0``.
    2. **Model** (the year of the last observation to December of
       ``MODEL_HORIZON_YEARS`` (5) years later; data end 2022-07, so 2022-2027):
       observed months plus the `forecast` months. With the joint lognormal
       distribution of the monthly forecasts, the annual total's mean and
       variance are exact; it is then approximated as lognormal with the same
       mean and variance (Fenton 1960):
       ``log_sd**2 = log(1 + Var / mean**2)``.
    3. **Long-run** (later years): growth ``g`` starts from the model's last-year
       growth ``g_last = mean[Y_H] / mean[Y_H - 1] - 1`` and decays towards the
       long-run rate ``g_LR``: ``g[Y_H + k] = g_LR + (g_last - g_LR) * d**k``,
       ``d = GROWTH_DECAY_PER_YEAR`` (0.7), ``mean[Y] = mean[Y - 1] * (1 +
       g[Y])``. Uncertainty keeps growing like a random walk at the pace of the
       model's last year: ``log_sd[Y_H + k]**2 = log_sd[Y_H]**2 + k * (log_sd[Y_H]**2
       - log_sd[Y_H - 1]**2)``.

    The bounds are lognormal quantiles around ``mean``:
    ``exp(log(mean) - log_sd**2 / 2 -/+ z log_sd``). Pandemic months are treated
    as in `forecast`.

    Examples
    --------
    >>> out = annual_outlook("2304", "Trucks", 2025, 2050)
    >>> list(out.columns)
    ['mean', 'lower_80', 'upper_80', 'lower_95', 'upper_95', 'log_sd']
    >>> years = out.index.tolist()
    >>> years[0], years[-1], len(years)
    (2025, 2050, 26)
    """
    start = _check_year(start_year, "start_year")
    end = _check_year(end_year, "end_year")
    if end < start:
        raise ParameterError(
            f"end_year {end} is before start_year {start}", key_path="end_year"
        )
    if long_run_growth is not None:
        if isinstance(long_run_growth, bool) or not isinstance(
            long_run_growth, (int, float, np.integer, np.floating)
        ):
            raise ParameterError(
                f"long_run_growth must be a number (fraction per year), got "
                f"{long_run_growth!r}",
                key_path="long_run_growth",
            )
        if not np.isfinite(long_run_growth) or long_run_growth <= -1:
            raise ParameterError(
                f"long_run_growth must be finite and > -1 (fraction per year, e.g. "
                f"0.02), got {long_run_growth!r}",
                key_path="long_run_growth",
            )
    series = monthly_crossings(port_code, measure)
    index = series.index
    first_full_year = index[0].year + (index[0].month != 1)
    if start < first_full_year:
        raise ModelDomainError(
            f"start_year {start} is before {first_full_year}, the first complete "
            f"year of {series.name}"
        )
    last = index[-1]
    model_last_year = last.year + MODEL_HORIZON_YEARS
    if long_run_growth is None:
        g_lr, g_note = _long_run_growth(series)
    else:
        g_lr, g_note = float(long_run_growth), "given by caller"

    horizon = (model_last_year - last.year) * MONTHS_PER_YEAR + (
        MONTHS_PER_YEAR - last.month
    )
    future, log_mean, log_cov = log_forecast(series, horizon)
    sd = np.sqrt(np.diag(log_cov))
    # Joint lognormal moments of the monthly values.
    month_mean = np.exp(log_mean + sd**2 / 2)
    month_cov = np.outer(month_mean, month_mean) * np.expm1(log_cov)
    rows: dict[int, tuple[float, float, str]] = {}
    observed = series.groupby(index.year).agg(["sum", "size"])
    for year, (total, size) in observed.iterrows():
        if size == MONTHS_PER_YEAR:
            rows[int(year)] = (float(total), 0.0, "observed")
    for year in range(last.year, model_last_year + 1):
        in_year = future.year == year
        if not in_year.any():  # the data end in December: year fully observed
            continue
        known = float(observed["sum"].get(year, 0.0)) if year == last.year else 0.0
        mean = known + month_mean[in_year].sum()
        var = month_cov[np.ix_(in_year, in_year)].sum()
        rows[year] = (mean, float(np.sqrt(np.log1p(var / mean**2))), "model")
    mean_h, sd_h, _ = rows[model_last_year]
    mean_prev, sd_prev, _ = rows[model_last_year - 1]
    g_last = mean_h / mean_prev - 1.0
    var_step = max(sd_h**2 - sd_prev**2, 0.0)
    mean = mean_h
    for k in range(1, max(end - model_last_year, 0) + 1):
        growth = g_lr + (g_last - g_lr) * GROWTH_DECAY_PER_YEAR**k
        mean *= 1.0 + growth
        rows[model_last_year + k] = (
            mean,
            float(np.sqrt(sd_h**2 + k * var_step)),
            "long-run",
        )
    years = list(range(start, end + 1))
    means = np.array([rows[y][0] for y in years])
    log_sd = np.array([rows[y][1] for y in years])
    mu = np.log(means) - log_sd**2 / 2
    known = log_sd == 0  # observed years: bounds equal the total exactly

    def bound(z: float) -> np.ndarray:
        return np.where(known, means, np.exp(mu + z * log_sd))

    out = pd.DataFrame(
        {
            "mean": means,
            "lower_80": bound(-Z80),
            "upper_80": bound(Z80),
            "lower_95": bound(-Z95),
            "upper_95": bound(Z95),
            "log_sd": log_sd,
        },
        index=pd.Index(years, name="year"),
    )
    out.attrs = {
        "port_code": series.attrs["port_code"],
        "measure": measure,
        "unit": series.attrs["unit"].replace("/month", "/year"),
        "last_observed_month": last,
        "model_last_year": model_last_year,
        "long_run_growth": g_lr,
        "long_run_growth_basis": g_note,
        "basis": {y: rows[y][2] for y in years},
    }
    return out


def sample_annual_paths(
    outlook: pd.DataFrame,
    n_draws: int,
    rng: np.random.Generator,
    *,
    dependence: str = "random_walk",
) -> np.ndarray:
    """Draw annual traffic paths consistent with an `annual_outlook`.

    Parameters
    ----------
    outlook : pandas.DataFrame
        Output of `annual_outlook` (columns ``mean`` and ``log_sd`` are used),
        rows in increasing year order. [crossings/year], [1]
    n_draws : int
        Number of paths. [-]
    rng : numpy.random.Generator
        Seeded generator, e.g. ``numpy.random.default_rng(20250101)``. [-]
    dependence : {"random_walk", "perfect"}, default "random_walk"
        How deviations are linked across years. ``"random_walk"``: the log
        deviation is a sum of independent yearly increments with variance
        ``log_sd[t]**2 - log_sd[t-1]**2``, so a shock persists in later years.
        ``"perfect"``: one standard normal per draw scales every year (a path is
        high or low throughout; the widest spread of totals over the period). [-]

    Returns
    -------
    numpy.ndarray
        Shape ``(n_draws, n_years)``: ``exp(log(mean) - log_sd**2/2 + log_sd Z)``
        with ``Z`` standard normal in every year for both choices, so each
        year's draws have the outlook's mean and its 80 %/95 % bounds as
        quantiles. [crossings/year]

    Raises
    ------
    ParameterError
        Missing columns, bad `n_draws`, `rng` or `dependence`.
    ModelDomainError
        ``"random_walk"`` with ``log_sd`` decreasing from one year to the next.

    Examples
    --------
    >>> outlook = pd.DataFrame({"mean": [100.0, 110.0], "log_sd": [0.1, 0.2]})
    >>> paths = sample_annual_paths(outlook, 1000, np.random.default_rng(1))
    >>> paths.shape
    (1000, 2)
    """
    if not isinstance(outlook, pd.DataFrame) or not {"mean", "log_sd"} <= set(
        outlook.columns
    ):
        raise ParameterError(
            "outlook must be a DataFrame with columns 'mean' and 'log_sd' "
            "(the output of annual_outlook)",
            key_path="outlook",
        )
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)):
        raise ParameterError(
            f"n_draws must be a positive integer, got {n_draws!r}", key_path="n_draws"
        )
    if n_draws < 1:
        raise ParameterError(f"n_draws must be >= 1, got {n_draws}", key_path="n_draws")
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(
            "rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(seed)",
            key_path="rng",
        )
    if dependence not in ("random_walk", "perfect"):
        raise ParameterError(
            f"dependence must be 'random_walk' or 'perfect', got {dependence!r}",
            key_path="dependence",
        )
    mean = outlook["mean"].to_numpy(dtype=float)
    log_sd = outlook["log_sd"].to_numpy(dtype=float)
    if not (np.all(mean > 0) and np.all(log_sd >= 0) and np.all(np.isfinite(log_sd))):
        raise ModelDomainError("outlook needs mean > 0 and finite log_sd >= 0")
    mu = np.log(mean) - log_sd**2 / 2
    if dependence == "perfect":
        deviation = rng.standard_normal((n_draws, 1)) * log_sd[None, :]
    else:
        variance = log_sd**2
        increments = np.diff(variance, prepend=0.0)
        if np.any(increments < -1e-12):
            raise ModelDomainError(
                "dependence='random_walk' needs log_sd non-decreasing over the years; "
                "use dependence='perfect'"
            )
        steps = rng.standard_normal((n_draws, mean.size)) * np.sqrt(
            np.clip(increments, 0.0, None)
        )
        deviation = np.cumsum(steps, axis=1)
    return np.exp(mu[None, :] + deviation)


# -------------------------------------------------------------------- chart data


def forecast_chart_data(
    port_code: str,
    measure: str,
    history_start_year: int,
    horizon_end_year: int,
) -> pd.DataFrame:
    """Observed months and the monthly forecast with its bands, for a chart.

    Everything a history-and-forecast chart of one port series draws, so that a
    report neither fits a model nor needs to know where the data end: the years
    are counted from the data's own last month.

    Parameters
    ----------
    port_code : str
        Port code as in `monthly_crossings` (``"2402"`` means the El Paso area). [-]
    measure : str
        BTS measure, e.g. ``"Trucks"``. [-]
    history_start_year : int
        First calendar year of observed months to include (from January; the
        series' first month if it starts later). At most the year of the last
        observation. [year]
    horizon_end_year : int
        Last year of the forecast, after the year of the last observation. The
        forecast covers the ``12 * (horizon_end_year - last_year)`` months after
        the last observation, so it ends in the same calendar month as the data
        (2028-07 for data ending 2022-07 and ``horizon_end_year=2028``). [year]

    Returns
    -------
    pandas.DataFrame
        One row per month, observed months first, then forecast months, with a
        RangeIndex and columns ``month`` (Timestamp, first day of the month),
        ``basis`` (``"observed"`` or ``"forecast"``), ``value`` (the cleaned
        observed count, or the forecast mean), ``lower_80``, ``upper_80``,
        ``lower_95``, ``upper_95`` (prediction interval bounds of the forecast;
        NaN on observed rows). [crossings/month]

        ``attrs`` holds ``port_code`` (the code actually used), ``measure``,
        ``unit``, ``last_observed_month``, ``horizon_months``, ``model`` and
        ``pandemic_months``, as in `forecast`.

    Raises
    ------
    ParameterError
        Bad port, measure or years.
    ModelDomainError
        Too little history to estimate the model.

    Notes
    -----
    The numbers are those of `monthly_crossings` and `forecast` for the series
    (the forecast's parameters come from the fitted-parameters cache when
    `annual_outlook` or another forecast of the same series has fitted them).
    For annual totals with intervals use `annual_outlook`.

    Examples
    --------
    >>> chart = forecast_chart_data("2304", "Trucks", 2010, 2028)
    >>> list(chart.columns)
    ['month', 'basis', 'value', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
    >>> future = chart[chart.basis == "forecast"].month
    >>> str(future.iloc[0].date()), str(future.iloc[-1].date()), len(future)
    ('2022-08-01', '2028-07-01', 72)
    >>> str(chart.month.iloc[0].date())
    '2010-01-01'
    """
    start = _check_year(history_start_year, "history_start_year")
    end = _check_year(horizon_end_year, "horizon_end_year")
    series = monthly_crossings(port_code, measure)
    last = series.index[-1]
    if start > last.year:
        raise ParameterError(
            f"history_start_year {start} is after {last.year}, the year of the last "
            f"observation of {series.name}",
            key_path="history_start_year",
        )
    if end <= last.year:
        raise ParameterError(
            f"horizon_end_year {end} must be after {last.year}, the year of the last "
            f"observation of {series.name}",
            key_path="horizon_end_year",
        )
    horizon = MONTHS_PER_YEAR * (end - last.year)
    fc = forecast(series, horizon)
    observed = series[series.index >= pd.Timestamp(year=start, month=1, day=1)]
    blank = np.full(len(observed), np.nan)
    columns = {
        "month": np.concatenate([observed.index.to_numpy(), fc.index.to_numpy()]),
        "basis": ["observed"] * len(observed) + ["forecast"] * len(fc),
        "value": np.concatenate([observed.to_numpy(), fc["mean"].to_numpy()]),
    }
    for bound in ("lower_80", "upper_80", "lower_95", "upper_95"):
        columns[bound] = np.concatenate([blank, fc[bound].to_numpy()])
    out = pd.DataFrame(columns)
    out.attrs = {
        "port_code": series.attrs["port_code"],
        "measure": measure,
        "unit": series.attrs["unit"],
        "last_observed_month": last,
        "horizon_months": horizon,
        "model": fc.attrs["model"],
        "pandemic_months": fc.attrs["pandemic_months"],
    }
    return out
