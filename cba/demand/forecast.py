"""Monthly forecasts of crossing volumes with 80 % and 95 % prediction intervals.

Main functions
--------------
forecast
    Monthly forecast with 80 % and 95 % prediction intervals (statsmodels).
seasonal_naive
    The benchmark forecast: repeat the last 12 observed months.
log_forecast
    The model behind `forecast` in logs: mean vector and covariance matrix of the
    log forecast, with the pandemic treatment selectable (used by
    `cba.demand.outlook` and by the backtest benchmark).
check_monthly_series, check_horizon
    Input checks shared with `cba.demand.backtest`.
clear_caches, cache_info
    Empty and inspect the fitted-parameters cache (see Caches).

Forecast model
--------------
`forecast` works on the natural log of the monthly series (so intervals stay
positive) and averages two state-space models fitted by maximum likelihood with
statsmodels:

* ETS(A,Ad,A): exponential smoothing with additive damped trend and additive
  monthly seasonality (``statsmodels.tsa.statespace.exponential_smoothing``);
  it follows the recent level and lets the local trend die out.
* SARIMA(1,0,1)(0,1,1)[12] with a constant: the 12-month log growth is an
  ARMA(1,1) process around a constant mean, so forecasts return to the series'
  average historical growth.

The log forecasts are averaged with equal weights. The combined standard
deviation at each month is the average of the two models' standard deviations
(their errors are treated as perfectly correlated, which is conservative), and
the correlation between months is the average of the two models' correlation
matrices. The model was chosen by the rolling-origin backtest in
``tests/benchmarks/bench_demand_backtest.py`` (`cba.demand.backtest.backtest`,
origins 2007-12 to 2018-12, horizons 1-36 months, six main ports). For Trucks its
MAPE was 7.2 % against 10.0 % for seasonal-naive, lower at each of the six ports
and in every horizon bucket, with 80 % / 95 % intervals covering 89 % / 97 % of
the outcomes. In the model-selection runs with the same design, ETS(A,Ad,A) alone
scored 8.0 %, the SARIMA alone 7.9 % and the airline model
SARIMA(0,1,1)(0,1,1)[12] 8.7 %. For Personal Vehicles no candidate clearly beat
seasonal-naive; the combination scores 13.1 % against 12.4 % (coverage 84 % /
92 %).

The fits run with BLAS limited to one thread (``threadpoolctl``): the Kalman
filter multiplies small matrices millions of times, and on a busy machine BLAS
worker threads make that 10-30 times slower, not faster.

**Pandemic.** COVID-19 months are treated as *missing observations*. Which
months depends on the measure (taken from ``series.attrs["measure"]``; the
windows are defined in `cba.demand.data`):

* travel measures (personal vehicles, pedestrians, buses, passengers):
  ``PANDEMIC_FIRST_MONTH`` to ``PANDEMIC_LAST_MONTH``, 2020-03 to 2021-12 (the
  restrictions on non-essential crossings lasted from 21 March 2020 to
  8 November 2021; December 2021 is the re-opening month);
* freight measures (`FREIGHT_MEASURES`: trucks, containers, trains), which were
  exempt from the restrictions: ``FREIGHT_PANDEMIC_FIRST_MONTH`` to
  ``FREIGHT_PANDEMIC_LAST_MONTH``, 2020-04 to 2020-06, when much of North
  American manufacturing was shut and truck counts fell by a quarter to a half;
* a series without a ``measure`` attribute gets the longer, travel window.

Model parameters are estimated on the months before the window only; the
Kalman filter then carries the state through the masked months and updates it
with every later observation. So the collapse neither distorts the seasonal
pattern, the growth rate and the error variance, nor sets the level: the level
comes from the months after the window. The benchmark checks this on the only
post-pandemic data there are (2022-01 to 2022-07, origins 2021-06, 2021-09,
2021-12): for Personal Vehicles MAPE 6.6 % with the window masked against
16.6 % when the collapse is fitted as ordinary data (whose 80 % intervals then
cover only 59 %); for Trucks the freight window gives 15.7 %, fitting the data
as they are 15.4 % and masking the long travel window 17.0 % (2022 trucks had
shocks of their own, such as the Texas state truck inspections of April 2022).

Caches
------
**Fitted-parameters cache** (``_fitted_params``, a ``functools.lru_cache``).
Maps the estimation data of a fit to the maximum-likelihood parameters of the
two components. A fit takes about half a second, filtering with known
parameters a tenth of that; the cache lets a report fit each port series once
even when it asks for an annual outlook and a monthly forecast chart of the same
series, and sites appraised in one process that share a port series fit it
once.

* Key: the estimation months' first and last month, their number and the
  SHA-256 digest of their log values (the bytes of the float64 array), i.e. the
  data's content, not the identity of the Series object.
* Size bound: `FITTED_PARAMS_CACHE_SIZE` (256) fits, least recently used
  dropped first; an entry is two parameter vectors (4 and 5 values) plus its
  key, which holds the estimation series (a few kB).
* Never stale within a process: a fit is a pure function of its data (the model
  specification is fixed in this module, BLAS runs single-threaded, the
  libraries cannot change in a running process), and callers receive copies of
  the cached arrays.
* Backed by the on-disk cache (`cba.cache`, a ``joblib.Memory``), keyed by the
  same digest of the data, `code_version` (the SHA-256 of `_fit_params`'s
  source and `FIT_SPEC_VERSION`) and `library_versions` (numpy, scipy,
  statsmodels): a fit made by one process, one notebook or one ``make reports``
  is read by the next, and a change of data, code or library refits.

`clear_caches` empties it (``cba.demand.clear_caches`` empties every cache of
the package); `cache_info` reports hits, misses and size.

References
----------
Hyndman, R.J. and Athanasopoulos, G., "Forecasting: Principles and Practice",
3rd ed., OTexts, 2021, https://otexts.com/fpp3/ (seasonal naive, ETS,
prediction intervals).

Bates, J.M. and Granger, C.W.J., "The combination of forecasts", Operational
Research Quarterly 20(4), 451-468, 1969, https://doi.org/10.2307/3008764
"""

from __future__ import annotations

import functools
import hashlib
import warnings

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from cba.demand.data import (
    FREIGHT_MEASURES,
    FREIGHT_PANDEMIC_FIRST_MONTH,
    FREIGHT_PANDEMIC_LAST_MONTH,
    MONTHS_PER_YEAR,
    PANDEMIC_FIRST_MONTH,
    PANDEMIC_LAST_MONTH,
)
from cba.exceptions import ModelDomainError, ParameterError

__all__ = [
    "Z80",
    "Z95",
    "forecast",
    "seasonal_naive",
    "log_forecast",
    "check_monthly_series",
    "check_horizon",
    "FITTED_PARAMS_CACHE_SIZE",
    "clear_caches",
    "cache_info",
]

#: Standard normal quantile at 0.90: half-width of the central 80 % interval in
#: standard deviations. [1]
Z80 = 1.2815515655446004

#: Standard normal quantile at 0.975: half-width of the central 95 % interval in
#: standard deviations. [1]
Z95 = 1.959963984540054

#: Months before the pandemic window needed to estimate the models. [months]
_MIN_FIT_MONTHS = 48

#: Number of fits the fitted-parameters cache keeps (least recently used dropped
#: first). [-]
FITTED_PARAMS_CACHE_SIZE = 256


def check_monthly_series(series: pd.Series, name: str = "series") -> np.ndarray:
    """Check that `series` is a gap-free, positive monthly series; return its values.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month starts, e.g. from `monthly_crossings`.
        [crossings/month]
    name : str, default "series"
        Name of the argument, used in error messages and ``key_path``. [-]

    Returns
    -------
    numpy.ndarray
        The values as float64. [crossings/month]

    Raises
    ------
    ParameterError
        Not a Series with a DatetimeIndex, or not one row per month start
        without gaps.
    ModelDomainError
        Empty, or a value that is not finite and positive (the model works in
        logs).
    """
    if not isinstance(series, pd.Series) or not isinstance(
        series.index, pd.DatetimeIndex
    ):
        raise ParameterError(
            f"{name} must be a pandas Series with a DatetimeIndex of month starts, "
            "e.g. from monthly_crossings()",
            key_path=name,
        )
    if len(series) == 0:
        raise ModelDomainError(f"{name} is empty")
    expected = pd.date_range(series.index[0], periods=len(series), freq="MS")
    if not series.index.equals(expected):
        raise ParameterError(
            f"{name} must have one row per month at month starts (freq 'MS') with "
            f"no gaps, from {series.index[0]:%Y-%m}; fill gaps first "
            "(monthly_crossings does)",
            key_path=name,
        )
    values = series.to_numpy(dtype=float)
    bad = series.index[~(np.isfinite(values) & (values > 0))]
    if len(bad):
        raise ModelDomainError(
            f"{name} must be finite and positive (the model works in logs); "
            f"{len(bad)} month(s) are not, first {bad[0]:%Y-%m} = "
            f"{float(series[bad[0]]):g}"
        )
    return values


def _pandemic_window(series: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Months treated as missing: freight window if attrs name a freight measure."""
    if series.attrs.get("measure") in FREIGHT_MEASURES:
        return FREIGHT_PANDEMIC_FIRST_MONTH, FREIGHT_PANDEMIC_LAST_MONTH
    return PANDEMIC_FIRST_MONTH, PANDEMIC_LAST_MONTH


def _component_models(log_y: pd.Series) -> list:
    ets = ExponentialSmoothing(
        log_y,
        trend=True,
        damped_trend=True,
        seasonal=MONTHS_PER_YEAR,
        initialization_method="concentrated",
    )
    sarima = SARIMAX(
        log_y, order=(1, 0, 1), seasonal_order=(0, 1, 1, MONTHS_PER_YEAR), trend="c"
    )
    return [ets, sarima]


class _EstimationData:
    """The log series a fit is estimated on, compared and hashed by its content.

    The key of the fitted-parameters cache (module docstring): two Series with
    the same months and the same values are the same key, whatever their
    identity.
    """

    __slots__ = ("key", "log_y")

    def __init__(self, log_y: pd.Series) -> None:
        values = np.ascontiguousarray(log_y.to_numpy(dtype=float))
        self.log_y = log_y
        self.key = (
            str(log_y.index[0]),
            str(log_y.index[-1]),
            len(values),
            hashlib.sha256(values.tobytes()).hexdigest(),
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EstimationData) and self.key == other.key


@functools.lru_cache(maxsize=FITTED_PARAMS_CACHE_SIZE)
def _fitted_params(data: _EstimationData) -> tuple[np.ndarray, ...]:
    """The fitted-parameters cache (module docstring) around `_fit_params`,
    backed by the on-disk cache (:mod:`cba.cache`)."""
    from .. import cache

    fit = cache.memory().cache(_fit_on_disk, ignore=["log_y"])
    return tuple(fit(data.key, code_version(), library_versions(), data.log_y))


def _fit_on_disk(data_key, code, libraries, log_y) -> tuple[np.ndarray, ...]:
    """`_fit_params` as the on-disk cache stores it: keyed by the data's digest,
    the fitting code's version and the libraries' versions (the series itself
    is not hashed again)."""
    return tuple(_fit_params(log_y))


def library_versions() -> tuple[tuple[str, str], ...]:
    """The versions of the libraries a fit depends on (part of the on-disk
    cache's key)."""
    from .. import cache

    return cache.library_versions(("numpy", "scipy", "statsmodels"))


#: Bumped by hand when a fit changes without its source changing (a constant
#: it reads from elsewhere, say); part of :func:`code_version`.
FIT_SPEC_VERSION = 1


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 of the fitting code's source and :data:`FIT_SPEC_VERSION` (part
    of the on-disk cache's key: a change to the code refits)."""
    import inspect

    text = inspect.getsource(_fit_params) + f"\nspec={FIT_SPEC_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()


def _estimate_params(log_y: pd.Series) -> list[np.ndarray]:
    """Maximum-likelihood parameters of the two components (cached by data)."""
    return [p.copy() for p in _fitted_params(_EstimationData(log_y))]


def _fit_params(log_y: pd.Series) -> list[np.ndarray]:
    """Maximum-likelihood parameters of the two components, in the order of
    `_component_models`. The ETS part is estimated with the fast innovations-form
    ``ETSModel`` (same smoothing parameters as the state-space form); the SARIMA
    part with simple differencing (same parameters, faster)."""
    ets = ETSModel(
        log_y,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=MONTHS_PER_YEAR,
    ).fit(disp=False)
    fitted = dict(
        zip(ets.param_names, np.asarray(ets.params, dtype=float), strict=True)
    )
    ets_params = np.array(
        [
            fitted["smoothing_level"],
            fitted["smoothing_trend"],
            fitted["smoothing_seasonal"],
            fitted["damping_trend"],
        ]
    )
    sarima = SARIMAX(
        log_y,
        order=(1, 0, 1),
        seasonal_order=(0, 1, 1, MONTHS_PER_YEAR),
        trend="c",
        simple_differencing=True,
    ).fit(disp=False, cov_type="none", maxiter=200)
    return [ets_params, np.asarray(sarima.params, dtype=float)]


def _state_space_moments(results, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and covariance matrix of the next `horizon` observations."""
    fr = results.filter_results
    design = fr.design[:, :, -1]
    transition = fr.transition[:, :, -1]
    selection = fr.selection[:, :, -1]
    state_cov = fr.state_cov[:, :, -1]
    obs_cov = float(fr.obs_cov[0, 0, -1])
    state_intercept = fr.state_intercept[:, -1]
    obs_intercept = float(fr.obs_intercept[0, -1])
    state = fr.predicted_state[:, -1].copy()
    state_var = fr.predicted_state_cov[:, :, -1].copy()
    rqr = selection @ state_cov @ selection.T
    mean = np.empty(horizon)
    gains = []
    for h in range(horizon):
        mean[h] = obs_intercept + (design @ state).item()
        gains.append(state_var @ design.T)
        state = transition @ state + state_intercept
        state_var = transition @ state_var @ transition.T + rqr
    cov = np.empty((horizon, horizon))
    for i in range(horizon):
        vec = gains[i]
        for j in range(i, horizon):
            cov[i, j] = cov[j, i] = (design @ vec).item()
            vec = transition @ vec
        cov[i, i] += obs_cov
    # With a concentrated scale statsmodels has already rescaled these matrices.
    return mean, cov


def clear_caches() -> None:
    """Empty the fitted-parameters cache; the next forecast of a series refits it.

    ``cba.demand.clear_caches`` empties every cache of the package.

    Examples
    --------
    >>> clear_caches()
    >>> cache_info()["fitted_params"].currsize
    0
    """
    _fitted_params.cache_clear()
    code_version.cache_clear()


def cache_info() -> dict:
    """Hits, misses, size bound and current size of this module's cache.

    Returns
    -------
    dict
        ``{"fitted_params": CacheInfo(hits, misses, maxsize, currsize)}``, the
        ``functools.lru_cache`` statistics of the fitted-parameters cache. [-]
    """
    return {"fitted_params": _fitted_params.cache_info()}


def _single_threaded_blas() -> threadpool_limits:
    """Context manager: BLAS single-threaded inside, previous setting restored after.

    The Kalman filter multiplies small matrices millions of times; on a busy
    machine OpenBLAS worker threads make that 10-30 times slower, not faster.
    ``threadpoolctl`` finds every BLAS library loaded in the process (the OpenBLAS
    copies bundled with numpy and scipy, MKL, ...). The limit is process-wide
    while the block runs: fits running at the same time in several threads of one
    process share it (`cba.batch` runs sites in separate processes).
    """
    return threadpool_limits(limits=1, user_api="blas")


def log_forecast(
    series: pd.Series,
    horizon: int,
    mask_pandemic: bool = True,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Combined log forecast: future months, mean vector and covariance matrix.

    The model of `forecast` (see the module docstring) before it is turned into
    intervals; `cba.demand.outlook` aggregates it to annual totals.

    Parameters
    ----------
    series : pandas.Series
        Positive monthly counts at month starts without gaps, e.g. from
        `monthly_crossings`. [crossings/month]
    horizon : int
        Number of months after the last month of `series`. [months]
    mask_pandemic : bool, default True
        If True, estimate on the months before the pandemic window and treat the
        window's months as missing; if False, fit every month as ordinary data.
        [-]
    window : tuple of pandas.Timestamp, optional
        First and last month of the pandemic window. Default: chosen from
        ``series.attrs["measure"]`` as in `forecast`. [-]

    Returns
    -------
    future : pandas.DatetimeIndex
        The `horizon` months after the last month of `series` (``freq="MS"``).
    mean : numpy.ndarray
        Mean of the log forecast per month, shape ``(horizon,)``. [log crossings]
    cov : numpy.ndarray
        Covariance matrix of the log forecast, shape ``(horizon, horizon)``. [1]

    Raises
    ------
    ParameterError
        Bad `series` layout or `horizon`.
    ModelDomainError
        Non-positive values, or fewer than 48 months for estimation.

    Notes
    -----
    `mask_pandemic` and `window` exist so that the backtest benchmark can compare
    pandemic treatments; `forecast` and `annual_outlook` use the defaults.
    """
    horizon = check_horizon(horizon, "horizon")
    values = check_monthly_series(series)
    index = pd.DatetimeIndex(series.index, freq="MS")
    log_y = pd.Series(np.log(values), index=index)
    first, last = _pandemic_window(series) if window is None else window
    if mask_pandemic:
        fit_mask = np.asarray(index < first) | (index[-1] < first)
    else:
        fit_mask = np.ones(len(index), dtype=bool)
    if fit_mask.sum() < _MIN_FIT_MONTHS:
        raise ModelDomainError(
            f"series has {int(fit_mask.sum())} months usable for estimation (months "
            f"before {first:%Y-%m}); at least {_MIN_FIT_MONTHS} are needed"
        )
    masked = log_y.copy()
    if mask_pandemic:
        masked[(index >= first) & (index <= last)] = np.nan
    estimation = log_y[fit_mask]
    means, sds, corrs = [], [], []
    with warnings.catch_warnings(), _single_threaded_blas():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=".*[Nn]on-(stationary|invertible).*")
        warnings.filterwarnings("ignore", message=".*[Mm]aximum [Ll]ikelihood.*")
        for params, model in zip(
            _estimate_params(estimation), _component_models(masked), strict=True
        ):
            mean, cov = _state_space_moments(model.filter(params), horizon)
            sd = np.sqrt(np.diag(cov))
            means.append(mean)
            sds.append(sd)
            corrs.append(cov / np.outer(sd, sd))
    mean = np.mean(means, axis=0)
    sd = np.mean(sds, axis=0)
    cov = np.outer(sd, sd) * np.mean(corrs, axis=0)
    future = pd.date_range(
        index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS"
    )
    return future, mean, cov


def check_horizon(horizon_months: int, name: str = "horizon_months") -> int:
    """Check a forecast horizon and return it as ``int``.

    Parameters
    ----------
    horizon_months : int
        Number of months, >= 1 (``bool`` is rejected). [months]
    name : str, default "horizon_months"
        Name of the argument, used in error messages and ``key_path``. [-]

    Returns
    -------
    int
        `horizon_months`. [months]

    Raises
    ------
    ParameterError
        Not an integer, or < 1.
    """
    if isinstance(horizon_months, bool) or not isinstance(
        horizon_months, (int, np.integer)
    ):
        raise ParameterError(
            f"{name} must be a positive integer number of months, got "
            f"{horizon_months!r}",
            key_path=name,
        )
    if horizon_months < 1:
        raise ParameterError(
            f"{name} must be >= 1 month, got {horizon_months}", key_path=name
        )
    return int(horizon_months)


def _interval_frame(
    index: pd.DatetimeIndex, log_mean: np.ndarray, log_sd: np.ndarray, mean: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "mean": mean,
            "lower_80": np.exp(log_mean - Z80 * log_sd),
            "upper_80": np.exp(log_mean + Z80 * log_sd),
            "lower_95": np.exp(log_mean - Z95 * log_sd),
            "upper_95": np.exp(log_mean + Z95 * log_sd),
        },
        index=pd.DatetimeIndex(index, freq="MS", name="month"),
    )
    return frame


def forecast(series: pd.Series, horizon_months: int) -> pd.DataFrame:
    """Monthly forecast with 80 % and 95 % prediction intervals.

    Parameters
    ----------
    series : pandas.Series
        Positive monthly counts at month starts without gaps, e.g. from
        `monthly_crossings` (its ``attrs["measure"]`` selects the pandemic
        window); at least 48 months before that window are needed.
        [crossings/month]
    horizon_months : int
        Number of months to forecast after the last month of `series`. [months]

    Returns
    -------
    pandas.DataFrame
        Indexed by month start (``freq="MS"``, named ``month``), starting the
        month after the last observation, with columns ``mean`` (expected value),
        ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95`` (central
        prediction intervals). ``attrs`` holds ``model``, ``pandemic_months``
        (first and last month treated as missing), ``log_sd`` (ndarray: standard
        deviation of the log forecast per month) and ``unit``.
        [crossings/month]

    Raises
    ------
    ParameterError
        `series` is not a monthly Series without gaps, or `horizon_months` is not
        a positive integer.
    ModelDomainError
        `series` has non-positive values or too few months for estimation.

    Notes
    -----
    Equal-weight average, in logs, of ETS(A,Ad,A) and SARIMA(1,0,1)(0,1,1)[12]
    with a constant (see the module docstring). Parameters are estimated on the
    months before the pandemic window; the window's months are then treated as
    missing when the state is filtered to the end of the series. The window is
    2020-04 to 2020-06 if ``series.attrs["measure"]`` is in `FREIGHT_MEASURES`,
    else 2020-03 to 2021-12; ``attrs["pandemic_months"]`` of the result records
    it. With log-forecast mean
    ``m_h`` and standard deviation ``s_h`` at horizon ``h``:

    * ``mean = exp(m_h + s_h**2 / 2)`` (mean of a lognormal),
    * ``lower_p, upper_p = exp(m_h -/+ z_p s_h)``, ``z_80 = 1.2816``,
      ``z_95 = 1.9600``.

    So ``lower_95 <= lower_80 <= median <= upper_80 <= upper_95`` always, and
    ``mean <= upper_80`` whenever ``s_h < 2.56``. The relative width
    ``upper/lower`` grows with the horizon (``s_h`` is non-decreasing); the
    absolute width also follows the seasonal level. Parameter uncertainty is not
    included. One forecast takes well under 2 s.

    Examples
    --------
    >>> from cba.demand import monthly_crossings
    >>> fc = forecast(monthly_crossings("2304", "Trucks"), 12)
    >>> fc.shape, str(fc.index[0].date())
    ((12, 5), '2022-08-01')
    >>> bool((fc.lower_95 <= fc.lower_80).all() and (fc.upper_80 <= fc.upper_95).all())
    True
    """
    horizon = check_horizon(horizon_months)
    index, log_mean, log_cov = log_forecast(series, horizon)
    log_sd = np.sqrt(np.diag(log_cov))
    frame = _interval_frame(index, log_mean, log_sd, np.exp(log_mean + log_sd**2 / 2))
    frame.attrs = {
        "model": "mean of ETS(A,Ad,A) and SARIMA(1,0,1)(0,1,1)[12]+c, in logs",
        "pandemic_months": _pandemic_window(series),
        "log_sd": log_sd,
        "unit": series.attrs.get("unit", "crossings/month"),
    }
    return frame


def seasonal_naive(series: pd.Series, horizon_months: int) -> pd.DataFrame:
    """Seasonal-naive forecast: repeat the last 12 observed months.

    Parameters
    ----------
    series : pandas.Series
        Positive monthly counts at month starts without gaps; at least 24 months.
        [crossings/month]
    horizon_months : int
        Number of months to forecast. [months]

    Returns
    -------
    pandas.DataFrame
        Same layout as `forecast`: columns ``mean`` (the point forecast, i.e. the
        value observed 12, 24, ... months earlier), ``lower_80``, ``upper_80``,
        ``lower_95``, ``upper_95``. [crossings/month]

    Raises
    ------
    ParameterError
        Bad `series` layout or `horizon_months`.
    ModelDomainError
        Non-positive values or fewer than 24 months.

    Notes
    -----
    ``yhat[T+h] = y[T+h-12(k+1)]`` with ``k = floor((h-1)/12)``. Intervals are
    computed in logs, ``exp(log yhat -/+ z sigma sqrt(k+1))``, where ``sigma`` is
    the root mean square of the in-sample 12-month log differences
    (Hyndman & Athanasopoulos 2021, section 5.5).

    Examples
    --------
    >>> from cba.demand import monthly_crossings
    >>> s = monthly_crossings("2304", "Trucks")
    >>> sn = seasonal_naive(s, 13)
    >>> bool(sn["mean"].iloc[0] == s.iloc[-12] and sn["mean"].iloc[12] == s.iloc[-12])
    True
    """
    horizon = check_horizon(horizon_months)
    values = check_monthly_series(series)
    if values.size < 2 * MONTHS_PER_YEAR:
        raise ModelDomainError(
            f"seasonal_naive needs at least {2 * MONTHS_PER_YEAR} months, "
            f"got {values.size}"
        )
    log_y = np.log(values)
    sigma = np.sqrt(np.mean((log_y[MONTHS_PER_YEAR:] - log_y[:-MONTHS_PER_YEAR]) ** 2))
    steps = np.arange(1, horizon + 1)
    k = (steps - 1) // MONTHS_PER_YEAR
    point = values[-MONTHS_PER_YEAR:][(steps - 1) % MONTHS_PER_YEAR]
    log_sd = sigma * np.sqrt(k + 1)
    index = pd.date_range(
        series.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS"
    )
    frame = _interval_frame(index, np.log(point), log_sd, point)
    frame.attrs = {"model": "seasonal naive", "log_sd": log_sd}
    return frame
