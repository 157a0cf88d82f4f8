"""Calibration of the queue model against observed CBP wait times.

Model family: estimation of queue-model parameters from data. The processing
rate of one inspection lane (services per lane-hour) is estimated so that
:func:`cba.queueing.hourly_waits`, fed with observed lanes open and with
truck volumes from the BTS data, reproduces the wait times CBP published for
the crossing.

Main functions
--------------
load_observed_waits
    CBP Border Wait Times observations for one crossing and lane type, from the
    packaged ``cba/data/cbp_wait_times_us_mexico.csv``.
observation_panel
    Lanes open and observed delay on a day x hour grid.
daily_volume, arrivals_by_lanes
    Monthly crossings turned into hourly arrivals at one lane type.
modelled_waits_minutes
    The queue model's wait at each clock hour, for the panel's lanes.
fit_processing_rate
    Maximum-likelihood (nonlinear least-squares) estimate of the processing
    rate with standard errors (statsmodels), plus fit statistics.
summary_table
    Estimates and fit statistics of one or more fits, side by side.
calibrated_document, calibrated_yaml
    Run the calibration a spec (``parameters/calibration/*.yaml``) describes and
    write its result as a calibrated-values file that the site file refers to
    (``cba calibrate SPEC``); no value is copied by hand.

Data
----
``cba/data/cbp_wait_times_us_mexico.csv`` holds observations of the CBP Border
Wait Times feed for Brownsville, 2026-08-11 to 2026-08-22 (public domain;
provenance in ``cba/data/README.md``). CBP's delay is an officer's estimate of the
wait to reach primary inspection, in minutes, updated about hourly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..exceptions import ModelDomainError, ParameterError
from ..queueing import hourly_waits

__all__ = [
    "load_observed_waits",
    "observation_panel",
    "daily_volume",
    "arrivals_by_lanes",
    "arrivals_by_profile",
    "modelled_waits_minutes",
    "fit_processing_rate",
    "summary_table",
    "calibrated_document",
    "calibrated_file_document",
    "calibrated_yaml",
    "ObservationPanel",
    "ProcessingRateFit",
    "WAIT_TIMES_FILE",
]

WAIT_TIMES_FILE = "cbp_wait_times_us_mexico.csv"  # packaged data file (cba/data)
_MINUTES_PER_HOUR = 60.0  # unit conversion
_HOURS_PER_DAY = 24  # clock hours of the day grid
_Z_95 = 1.959963984540054  # standard normal 97.5 % quantile (two-sided 95 % intervals)


# --------------------------------------------------------------------------
# Observed waits
# --------------------------------------------------------------------------


def load_observed_waits(
    crossing_name: str = "Veterans International",
    lane_type: str = "commercial",
    lane_category: str = "standard",
) -> pd.DataFrame:
    """CBP wait-time observations for one crossing, lane type and category.

    Parameters
    ----------
    crossing_name : str, default "Veterans International"
        Crossing as in the data's ``crossing_name`` column. [-]
    lane_type : str, default "commercial"
        ``commercial``, ``passenger`` or ``pedestrian``. [-]
    lane_category : str, default "standard"
        ``standard``, ``FAST``, ``SENTRI`` or ``Ready``. [-]

    Returns
    -------
    DataFrame
        One row per observation, sorted by time, with columns
        ``observed_local`` (Timestamp, local time), ``date``, ``hour`` (0-23),
        ``open`` (bool), ``delay_minutes`` (NaN when closed) [minutes] and
        ``lanes_open`` (0 when closed) [lanes]; ``attrs`` records the file
        and the selection.

    Raises
    ------
    ParameterError
        If no row matches; the message lists the combinations in the data.
    """
    path = resources.files("cba").joinpath("data", WAIT_TIMES_FILE)
    with resources.as_file(path) as file:
        data = pd.read_csv(file)
    rows = data[
        (data["crossing_name"] == crossing_name)
        & (data["lane_type"] == lane_type)
        & (data["lane_category"] == lane_category)
    ]
    if rows.empty:
        combos = data[["crossing_name", "lane_type", "lane_category"]].drop_duplicates()
        listed = "; ".join(" / ".join(r) for r in combos.astype(str).to_numpy())
        raise ParameterError(
            f"no observations for {crossing_name!r} / {lane_type!r} / "
            f"{lane_category!r}; the data has: {listed}",
            file=f"cba/data/{WAIT_TIMES_FILE}",
        )
    time = pd.to_datetime(rows["observed_local"])
    is_open = rows["operational_status"].eq("open").to_numpy()
    out = pd.DataFrame(
        {
            "observed_local": time.to_numpy(),
            "date": time.dt.normalize().to_numpy(),
            "hour": time.dt.hour.to_numpy(),
            "open": is_open,
            "delay_minutes": np.where(
                is_open, rows["delay_minutes"].to_numpy(float), np.nan
            ),
            "lanes_open": np.where(is_open, rows["lanes_open"].to_numpy(float), 0.0),
        }
    ).sort_values("observed_local", ignore_index=True)
    out.attrs.update(
        file=f"cba/data/{WAIT_TIMES_FILE}",
        crossing_name=crossing_name,
        lane_type=lane_type,
        lane_category=lane_category,
    )
    return out


class ObservationPanel(NamedTuple):
    """Observations on a day x hour grid (rows: dates, columns: hours 0-23).

    Attributes
    ----------
    lanes : DataFrame
        Lanes open; observed where there is an observation in that hour,
        otherwise the typical value for the hour. [lanes]
    delay_minutes : DataFrame
        Observed delay where the lanes were open, NaN elsewhere. [minutes]
    typical_lanes : Series
        Median lanes open by hour over the days observed (0 when closed).
        [lanes]
    """

    lanes: pd.DataFrame
    delay_minutes: pd.DataFrame
    typical_lanes: pd.Series


def observation_panel(observations: pd.DataFrame) -> ObservationPanel:
    """Arrange observations on a day x hour grid, filling lanes in unobserved hours.

    Parameters
    ----------
    observations : DataFrame
        As returned by :func:`load_observed_waits`.

    Returns
    -------
    ObservationPanel
        Lanes open and observed delay by date and hour. [lanes], [minutes]

    Notes
    -----
    Several observations in one clock hour are averaged. Hours without an
    observation take the median, over the days with an observation at that
    hour, of the lanes open (closed = 0), rounded down to whole lanes; an hour
    never observed is taken as closed. CBP's feed gives the operating hours
    only as text, so the lanes by hour are read from the data.
    """
    hours = pd.RangeIndex(_HOURS_PER_DAY, name="hour")
    grouped = observations.groupby(["date", "hour"])
    lanes_obs = grouped["lanes_open"].mean().unstack("hour").reindex(columns=hours)
    delay = grouped["delay_minutes"].mean().unstack("hour").reindex(columns=hours)
    typical = np.floor(lanes_obs.median(axis=0, skipna=True)).fillna(0.0)
    lanes = lanes_obs.fillna(typical)
    lanes.index.name = delay.index.name = "date"
    typical.name = "typical_lanes"
    return ObservationPanel(lanes, delay, typical)


# --------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------


def daily_volume(
    monthly_vehicles, days_in_month, crossing_share, lane_share, growth_factor=1.0
):
    """Daily arrivals at one crossing and lane category from a monthly port total.

    Parameters
    ----------
    monthly_vehicles : float
        Inbound crossings at the port in the reference month (e.g. BTS
        ``Trucks`` for port 2301). [vehicles/month]
    days_in_month : int
        Days in the reference month. [days]
    crossing_share : float
        Share of the port's volume using this crossing (bridge), in [0, 1].
        [-]
    lane_share : float
        Share of the crossing's volume using this lane category (e.g. standard
        rather than FAST lanes), in [0, 1]. [-]
    growth_factor : float, default 1.0
        Volume ratio between the period of the wait observations and the
        reference month. [-]

    Returns
    -------
    float
        Mean daily arrivals. [vehicles/day]

    Raises
    ------
    ModelDomainError
        Shares outside [0, 1], negative volume or growth, or non-positive days.

    Examples
    --------
    30,000 trucks in a 30-day month, 3/4 at this bridge, 4/5 of those in
    standard lanes:

    >>> daily_volume(30000, 30, 0.75, 0.8)
    600.0
    """
    for name, value in (("crossing_share", crossing_share), ("lane_share", lane_share)):
        if not 0.0 <= float(value) <= 1.0:
            raise ModelDomainError(f"{name} must be in [0, 1]; got {value}")
    if float(monthly_vehicles) < 0 or float(growth_factor) < 0:
        raise ModelDomainError(
            f"monthly_vehicles and growth_factor must be >= 0; got {monthly_vehicles}, "
            f"{growth_factor}"
        )
    if float(days_in_month) <= 0:
        raise ModelDomainError(f"days_in_month must be > 0; got {days_in_month}")
    return float(
        monthly_vehicles / days_in_month * crossing_share * lane_share * growth_factor
    )


def arrivals_by_lanes(daily_vehicles: float, panel: ObservationPanel) -> pd.DataFrame:
    """Spread daily arrivals over the hours in proportion to the lanes open.

    Parameters
    ----------
    daily_vehicles : float
        Mean daily arrivals on a typical day (:func:`daily_volume`).
        [vehicles/day]
    panel : ObservationPanel
        Lanes open by day and hour (:func:`observation_panel`).

    Returns
    -------
    DataFrame
        Arrivals by day and hour, ``daily_vehicles x lanes[d, h] /
        sum(typical_lanes)``: on a day with the typical lanes the day's total is
        ``daily_vehicles``. [vehicles/hour]

    Raises
    ------
    ModelDomainError
        If ``daily_vehicles`` < 0 or the panel has no open lane-hour.

    Notes
    -----
    The hourly profile of truck arrivals is not observed. This takes CBP's
    lanes open as the profile: CBP opens lanes for the traffic it expects, so
    arrivals per open lane are taken as constant over the day, and no trucks
    arrive while the lanes are closed (e.g. weekend afternoons). It is an
    assumption; utilisation then differs between hours only through the
    number of lanes (1, 2, 3).

    Examples
    --------
    >>> import pandas as pd
    >>> lanes = pd.DataFrame([[0] * 12 + [2] * 12], index=["d"], columns=range(24))
    >>> panel = ObservationPanel(lanes, lanes * float("nan"), lanes.iloc[0])
    >>> float(arrivals_by_lanes(480.0, panel).iloc[0, 12])  # 480 / 24 lane-hours x 2
    40.0
    """
    if float(daily_vehicles) < 0:
        raise ModelDomainError(f"daily_vehicles must be >= 0; got {daily_vehicles}")
    lane_hours = float(panel.typical_lanes.sum())
    if lane_hours <= 0:
        raise ModelDomainError(
            "the panel has no open lane-hour (typical lanes are all 0)"
        )
    return panel.lanes * (float(daily_vehicles) / lane_hours)


def arrivals_by_profile(
    daily_vehicles: float, profile: ArrayLike, panel: ObservationPanel
) -> pd.DataFrame:
    """Spread daily arrivals over the open hours of each day by an hourly profile.

    Parameters
    ----------
    daily_vehicles : float
        Mean daily arrivals (:func:`daily_volume`). [vehicles/day]
    profile : array_like
        Share of the day's arrivals in each clock hour (24 values, e.g. the
        site's ``arrival_profile``). [/1]
    panel : ObservationPanel
        Lanes open by day and hour (:func:`observation_panel`).

    Returns
    -------
    DataFrame
        Arrivals by day and hour: ``daily_vehicles x profile[h]``, rescaled
        on each day over the hours its lanes are open, so every day carries
        ``daily_vehicles``. [vehicles/hour]

    Raises
    ------
    ModelDomainError
        Negative volume, a profile that is not 24 non-negative values, or a
        day whose open hours carry none of the profile.

    Notes
    -----
    Unlike :func:`arrivals_by_lanes`, arrivals do not follow the lanes CBP
    opens (which would make the fit circular: more lanes, more trucks, the
    same utilisation); the lanes open only set which hours are served.

    Examples
    --------
    >>> import pandas as pd
    >>> lanes = pd.DataFrame([[0] * 12 + [2] * 12], index=["d"], columns=range(24))
    >>> panel = ObservationPanel(lanes, lanes * float("nan"), lanes.iloc[0])
    >>> prof = [1 / 24] * 24
    >>> float(arrivals_by_profile(480.0, prof, panel).iloc[0, 12])  # 480 / 12 hours
    40.0
    """
    if float(daily_vehicles) < 0:
        raise ModelDomainError(f"daily_vehicles must be >= 0; got {daily_vehicles}")
    prof = np.asarray(profile, dtype=float)
    if prof.shape != (24,) or np.any(prof < 0) or not np.all(np.isfinite(prof)):
        raise ModelDomainError("profile must be 24 non-negative finite values")
    open_ = (panel.lanes.to_numpy(dtype=float) > 0).astype(float)
    mass = open_ @ prof
    if np.any(mass <= 0):
        raise ModelDomainError(
            "a day's open hours carry none of the arrival profile; allowed: a "
            "profile with arrivals in the hours the lanes are open"
        )
    arr = float(daily_vehicles) * open_ * prof[None, :] / mass[:, None]
    return pd.DataFrame(arr, index=panel.lanes.index, columns=panel.lanes.columns)


# --------------------------------------------------------------------------
# Model and estimation
# --------------------------------------------------------------------------


def modelled_waits_minutes(
    arrivals_per_hour: ArrayLike,
    lanes: ArrayLike,
    services_per_hour: ArrayLike,
    service_cv: ArrayLike = 1.0,
) -> np.ndarray:
    """Modelled wait at each clock hour h:00, on the panel's day x hour grid.

    Parameters
    ----------
    arrivals_per_hour : array_like
        Arrivals by clock hour when the lanes are open (24 values, or days x
        24). [vehicles/hour]
    lanes : DataFrame or array_like
        Lanes open, days x 24 (e.g. ``ObservationPanel.lanes``). [lanes]
    services_per_hour : float or array_like
        Processing rate of one lane; an array with a trailing (1, 1) shape
        evaluates several rates at once. [vehicles/hour/lane]
    service_cv : float, default 1.0
        Coefficient of variation of the processing time. [-]

    Returns
    -------
    ndarray
        Wait of a vehicle arriving at h:00, shape
        ``broadcast(services_per_hour, lanes)``. [minutes]

    Notes
    -----
    Arrivals are set to zero in the hours a day's lanes are closed (trucks
    are not admitted to the commercial lanes then). CBP's figure at h:00 is
    the wait of a vehicle arriving then, so it is compared with the
    arrival-weighted mean of the model's cohort waits of the hours before and
    after h:00 (the hour after alone if no vehicle arrives in the hour
    before). Each day is solved as a periodic day with its own lanes (see
    :func:`cba.queueing.hourly_waits`).
    """
    lanes = np.asarray(lanes, dtype=float)
    arrivals = np.asarray(arrivals_per_hour, dtype=float) * (lanes > 0)
    waits = hourly_waits(arrivals, lanes, services_per_hour, service_cv)
    before_arr, before_wait = np.roll(arrivals, 1, axis=-1), np.roll(waits, 1, axis=-1)
    weight = before_arr + arrivals
    mixed = (before_arr * before_wait + arrivals * waits) / np.where(
        weight > 0, weight, 1.0
    )
    at_clock_hour = np.where(weight > 0, mixed, waits)
    return at_clock_hour * _MINUTES_PER_HOUR


class ProcessingRateFit(NamedTuple):
    """Result of :func:`fit_processing_rate`.

    Attributes
    ----------
    services_per_hour : float
        Estimated processing rate of one lane. [vehicles/hour/lane]
    std_error : float
        Its standard error (delta method on the log scale), cluster-robust by
        day. [vehicles/hour/lane]
    conf_int : tuple of float
        95 % confidence interval, exp(log estimate +/- 1.96 se). [vehicles/hour/lane]
    std_error_nonrobust : float
        Standard error from the inverse Hessian alone. [vehicles/hour/lane]
    minutes_per_vehicle : float
        60 / services_per_hour. [minutes]
    sigma_minutes : float
        Estimated standard deviation of the errors, on the ``error_scale``.
        [minutes, or log(1 + minutes)]
    statistics : dict
        ``n_obs``, ``n_days``, ``loglike``, ``aic``, ``bic``, ``rmse_minutes``,
        ``mae_minutes``, ``mean_residual_minutes``, ``r_squared`` (1 - SSE/SST),
        ``correlation``, ``converged``.
    observations : DataFrame
        One row per observation used: ``date``, ``hour``, ``lanes``,
        ``observed_minutes``, ``modelled_minutes``, ``residual_minutes``.
    by_hour : DataFrame
        Mean observed and modelled delay and observation count by hour. [minutes]
    results : statsmodels results
        The ``GenericLikelihoodModelResults`` (parameters on the log scale).
    """

    services_per_hour: float
    std_error: float
    conf_int: tuple
    std_error_nonrobust: float
    minutes_per_vehicle: float
    sigma_minutes: float
    statistics: dict
    observations: pd.DataFrame
    by_hour: pd.DataFrame
    results: object


_LOG_STEP = 1e-4  # step in log(rate) for the derivative of modelled waits


def _delay_model_class():
    """statsmodels model: g(observed) ~ Normal(g(modelled(mu)), sigma^2).

    Parameters are (log mu, log sigma). The score is analytic given the
    derivative of the modelled waits with respect to log mu (a central
    difference, computed in the same vectorised call as the waits), and the
    Hessian is the expected (Gauss-Newton) information, as usual for
    nonlinear least squares.
    """
    from statsmodels.base.model import GenericLikelihoodModel

    class DelayModel(GenericLikelihoodModel):
        def __init__(
            self, endog, arrivals, lanes, cells, service_cv, transform, derivative
        ):
            super().__init__(
                endog,
                exog=np.ones((len(endog), 1)),
                extra_params_names=["log_sigma_minutes"],
            )
            self.exog_names[0] = "log_services_per_hour"
            self.k_extra = 1
            self.nparams = 2
            self.k_constant = 0  # the ones column only carries log mu
            self.df_model = 1
            self.df_resid = len(endog) - 2
            self._arrivals, self._lanes, self._cells, self._cv = (
                arrivals,
                lanes,
                cells,
                service_cv,
            )
            self._transform, self._derivative = transform, derivative
            self._cache = {}

        def _waits(self, log_mu):
            key = float(log_mu)
            if key not in self._cache:
                rates = np.exp(key + np.array([-_LOG_STEP, 0.0, _LOG_STEP]))[
                    :, None, None
                ]
                waits = modelled_waits_minutes(
                    self._arrivals, self._lanes, rates, self._cv
                )
                waits = waits[:, self._cells]
                self._cache = {
                    key: (waits[1], (waits[2] - waits[0]) / (2.0 * _LOG_STEP))
                }
            return self._cache[key]

        def predict(self, params, exog=None, *args, **kwargs):
            return self._waits(params[0])[0]

        def _parts(self, params):
            waits, d_waits = self._waits(params[0])
            sigma = np.exp(params[1])
            resid = self._transform(self.endog) - self._transform(waits)
            d_pred = self._derivative(waits) * d_waits  # d g(W) / d log mu
            return resid, d_pred, sigma

        def loglikeobs(self, params):
            resid, _, sigma = self._parts(params)
            return (
                -0.5 * np.log(2.0 * np.pi) - np.log(sigma) - 0.5 * (resid / sigma) ** 2
            )

        def score_obs(self, params):
            resid, d_pred, sigma = self._parts(params)
            return np.column_stack(
                [resid * d_pred / sigma**2, (resid / sigma) ** 2 - 1.0]
            )

        def score(self, params):
            return self.score_obs(params).sum(axis=0)

        def hessian(self, params):
            _, d_pred, sigma = self._parts(params)
            info_mu = float((d_pred**2).sum()) / sigma**2
            return -np.diag([info_mu, 2.0 * len(self.endog)])

    return DelayModel


_ERROR_SCALES = {  # g and its derivative g'
    "minutes": (lambda v: v, lambda v: np.ones_like(v)),
    "log1p": (np.log1p, lambda v: 1.0 / (1.0 + v)),
}


def fit_processing_rate(
    panel: ObservationPanel,
    arrivals_per_hour: ArrayLike,
    service_cv: float = 1.0,
    error_scale: str = "minutes",
    rate_grid: ArrayLike | None = None,
) -> ProcessingRateFit:
    """Estimate the processing rate of one lane from observed waits.

    Parameters
    ----------
    panel : ObservationPanel
        Observed lanes and delays (:func:`observation_panel`).
    arrivals_per_hour : array_like or DataFrame
        Arrivals by day and hour (days x 24, e.g. from
        :func:`arrivals_by_lanes`) or by hour (24 values). [vehicles/hour]
    service_cv : float, default 1.0
        Coefficient of variation of the processing time, held fixed. [-]
    error_scale : {"minutes", "log1p"}, default "minutes"
        Scale on which errors are taken as normal: ``"minutes"`` is nonlinear
        least squares on the delay; ``"log1p"`` uses log(1 + minutes), which
        weighs the long tail of CBP's figures (up to 120 minutes) less. [-]
    rate_grid : array_like, optional
        Candidate rates for the starting value (the grid point with the
        smallest squared error starts the optimiser). Default: 80 values
        log-spaced from just above the smallest rate that keeps the busiest
        day's arrivals within its lane capacity, to 20 times that.
        [vehicles/hour/lane]

    Returns
    -------
    ProcessingRateFit
        Estimate, standard errors, 95 % interval, fit statistics and the
        observed-versus-modelled tables.

    Raises
    ------
    ModelDomainError
        If the panel has fewer than 3 observed delays, ``error_scale`` is not
        one of the allowed values, or inputs are invalid for
        :func:`cba.queueing.hourly_waits`.

    Notes
    -----
    Model: ``g(observed_dh) = g(W_dh(mu)) + e_dh``, ``e_dh ~ N(0, sigma^2)``,
    with g the identity or log(1 + x) (``error_scale``), where
    ``W_dh`` is :func:`modelled_waits_minutes` for day d and clock hour h with
    the observed lanes, so maximum likelihood is nonlinear least squares in
    ``mu``. It is fitted with ``statsmodels`` (``GenericLikelihoodModel``,
    Newton's method with the analytic score and the expected information)
    with parameters ``log mu`` and ``log sigma`` so both stay positive.
    Standard errors are cluster-robust by day (the errors of one day's hours
    are correlated); with about ten days they are
    indicative. Only the processing rate is estimated: arrivals (volume,
    shares, hourly profile) are inputs, and a different volume gives a
    different rate, roughly in proportion at high utilisation. The starting
    value comes from a grid search over ``rate_grid`` (one vectorised call of
    the queue model).

    References
    ----------
    .. [1] Seabold, S., Perktold, J., "statsmodels: Econometric and statistical
       modeling with Python", *Proceedings of the 9th Python in Science
       Conference*, 2010. https://doi.org/10.25080/Majora-92bf1922-011
    .. [2] Cameron, A. C., Miller, D. L., "A practitioner's guide to
       cluster-robust inference", *Journal of Human Resources* 50(2), 2015,
       317-372. https://doi.org/10.3368/jhr.50.2.317
    """
    if error_scale not in _ERROR_SCALES:
        raise ModelDomainError(
            f"error_scale must be one of {sorted(_ERROR_SCALES)}; got {error_scale!r}"
        )
    transform, derivative = _ERROR_SCALES[error_scale]
    arrivals = np.asarray(arrivals_per_hour, dtype=float)
    lanes = panel.lanes.to_numpy(dtype=float)
    delay = panel.delay_minutes.to_numpy(dtype=float)
    cells = np.isfinite(delay)
    n_obs = int(cells.sum())
    if n_obs < 3:
        raise ModelDomainError(f"need at least 3 observed delays to fit; got {n_obs}")
    observed = delay[cells]
    days = np.broadcast_to(np.arange(lanes.shape[0])[:, None], lanes.shape)[cells]

    if rate_grid is None:
        # lowest rate at which every day's arrivals fit within its lane-hours
        open_arrivals = np.broadcast_to(arrivals, lanes.shape) * (lanes > 0)
        lane_hours = lanes.sum(axis=1)
        busy = lane_hours > 0
        floor = float(np.max(open_arrivals.sum(axis=1)[busy] / lane_hours[busy]))
        rate_grid = np.geomspace(floor * 1.01, floor * 20.0, 80)
    grid = np.asarray(rate_grid, dtype=float)
    grid_waits = modelled_waits_minutes(
        arrivals, lanes, grid[:, None, None], service_cv
    )
    sse = ((transform(grid_waits[:, cells]) - transform(observed)) ** 2).sum(axis=1)
    best = int(np.argmin(sse))
    start = np.array([np.log(grid[best]), np.log(np.sqrt(sse[best] / n_obs) + 1e-9)])

    model = _delay_model_class()(
        observed, arrivals, lanes, cells, service_cv, transform, derivative
    )
    results = model.fit(
        start_params=start,
        method="newton",
        maxiter=100,
        disp=False,
        cov_type="cluster",
        cov_kwds={"groups": days},
    )
    cov_nonrobust = np.linalg.inv(-model.hessian(results.params))
    log_mu, log_sigma = (float(v) for v in results.params)
    se_log = float(results.bse[0])
    mu = float(np.exp(log_mu))
    modelled = model.predict(results.params)
    resid = observed - modelled
    sst = float(((observed - observed.mean()) ** 2).sum())
    stats = {
        "n_obs": n_obs,
        "n_days": int(np.unique(days).size),
        "loglike": float(results.llf),
        "aic": float(results.aic),
        "bic": float(results.bic),
        "rmse_minutes": float(np.sqrt(np.mean(resid**2))),
        "mae_minutes": float(np.mean(np.abs(resid))),
        "mean_residual_minutes": float(resid.mean()),
        "r_squared": float(1.0 - (resid**2).sum() / sst) if sst > 0 else float("nan"),
        "correlation": float(np.corrcoef(observed, modelled)[0, 1])
        if n_obs > 2
        else float("nan"),
        "converged": bool(results.mle_retvals.get("converged", False)),
        "error_scale": error_scale,
    }
    rows, cols = np.nonzero(cells)
    table = pd.DataFrame(
        {
            "date": panel.delay_minutes.index[rows],
            "hour": panel.delay_minutes.columns[cols],
            "lanes": lanes[cells],
            "observed_minutes": observed,
            "modelled_minutes": modelled,
            "residual_minutes": resid,
        }
    )
    by_hour = table.groupby("hour").agg(
        observed_minutes=("observed_minutes", "mean"),
        modelled_minutes=("modelled_minutes", "mean"),
        lanes=("lanes", "mean"),
        n=("observed_minutes", "size"),
    )
    return ProcessingRateFit(
        services_per_hour=mu,
        std_error=mu * se_log,
        conf_int=(
            float(np.exp(log_mu - _Z_95 * se_log)),
            float(np.exp(log_mu + _Z_95 * se_log)),
        ),
        std_error_nonrobust=mu * float(np.sqrt(cov_nonrobust[0, 0])),
        minutes_per_vehicle=_MINUTES_PER_HOUR / mu,
        sigma_minutes=float(np.exp(log_sigma)),
        statistics=stats,
        observations=table,
        by_hour=by_hour,
        results=results,
    )


def summary_table(fits: dict[str, ProcessingRateFit]) -> pd.DataFrame:
    """Estimates and fit statistics of several fits, one column per fit.

    Parameters
    ----------
    fits : dict of str to ProcessingRateFit
        Fits by label (e.g. ``{"minutes": fit, "log1p": fit_log}``).

    Returns
    -------
    DataFrame
        Rows: processing rate [vehicles/hour/lane], its standard errors and
        95 % interval, minutes per vehicle [minutes], sigma, observations,
        days, log-likelihood, AIC, RMSE and MAE [minutes], mean residual
        [minutes], R^2 and correlation of observed with modelled delay.
    """
    columns = {}
    for label, fit in fits.items():
        st = fit.statistics
        columns[label] = {
            "services_per_hour [vehicles/hour/lane]": fit.services_per_hour,
            "std_error, cluster-robust by day": fit.std_error,
            "std_error, non-robust": fit.std_error_nonrobust,
            "95% CI low": fit.conf_int[0],
            "95% CI high": fit.conf_int[1],
            "minutes_per_vehicle [minutes]": fit.minutes_per_vehicle,
            "sigma (error scale)": fit.sigma_minutes,
            "observations": st["n_obs"],
            "days": st["n_days"],
            "log-likelihood": st["loglike"],
            "AIC": st["aic"],
            "RMSE [minutes]": st["rmse_minutes"],
            "MAE [minutes]": st["mae_minutes"],
            "mean residual [minutes]": st["mean_residual_minutes"],
            "R^2 (minutes)": st["r_squared"],
            "correlation observed/modelled": st["correlation"],
            "converged": st["converged"],
        }
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------
# From a calibration spec to a calibrated-values file
# --------------------------------------------------------------------------


#: Stands in for the value being calibrated while the site is read for its
#: other inputs (the arrival profile); never used in a result.
_PLACEHOLDER = {
    "description": "Mean primary processing time per vehicle",
    "value": 1.0,
    "unit": "minutes/vehicle",
    "source": {"assumption": "placeholder", "rationale": "read", "owner": "none"},
}


def calibrated_document(spec_path, calibrated_on: str) -> tuple[dict, Path]:
    """Run the calibration a spec describes; the calibrated-values document, its path.

    Parameters
    ----------
    spec_path : path
        A calibration spec (``parameters/calibration/*.yaml``, schema
        :class:`cba.params.CalibrationSpec`).
    calibrated_on : str
        ISO date recorded in the document (the day the command runs).

    Returns
    -------
    (dict, Path)
        The document of a calibrated-values file (schema
        :class:`cba.params.CalibratedFile`) holding the spec's target, merged
        with the other values already in the output file, and the output path.

    Notes
    -----
    The value written is the mean processing time ``60 / rate`` rounded to
    ``decimals``; its distribution is triangular over the 95 % confidence
    interval of the rate, with the estimate as its mode.
    """
    from .. import demand
    from ..params import CalibrationSpec, parse, read_yaml

    spec_path = Path(spec_path)
    spec = parse(read_yaml(spec_path), CalibrationSpec, str(spec_path))
    observations = load_observed_waits(
        spec.crossing_name, spec.lane_type, spec.lane_category
    )
    panel = observation_panel(observations)
    monthly = demand.monthly_crossings(spec.bts_port_code, spec.bts_measure)
    month = pd.Timestamp(spec.reference_month)
    daily = daily_volume(
        monthly.loc[month],
        month.days_in_month,
        spec.crossing_share.value,
        spec.lane_share.value,
        spec.growth_factor.value,
    )
    if spec.arrivals == "site_profile":
        from ..params import load_site

        site_path = spec_path.parent.parent / "sites" / f"{spec.site}.yaml"
        stream = spec.target.split(".")[1]
        site = load_site(site_path, fill={spec.target: _PLACEHOLDER})
        profile = site.file.streams[stream].arrival_profile.value
        arrivals = arrivals_by_profile(daily, profile, panel)
        how = f"the site's arrival profile of {stream} over the hours lanes are open"
    else:
        arrivals = arrivals_by_lanes(daily, panel)
        how = "arrivals in proportion to the lanes open"
    fit = fit_processing_rate(
        panel,
        arrivals,
        spec.service_cv.value,
        error_scale=spec.error_scale,
    )
    nd = spec.decimals
    lo, hi = fit.conf_int
    value = round(_MINUTES_PER_HOUR / fit.services_per_hour, nd)
    st = fit.statistics
    dates = observations["date"]
    period = f"{dates.min():%d %b %Y} to {dates.max():%d %b %Y}"
    entry = {
        "description": "Mean primary processing time per vehicle",
        "value": value,
        "unit": "minutes/vehicle",
        "source": {
            "title": (
                f"Calibrated on {calibrated_on} by "
                f"`cba calibrate {spec_path.as_posix()}` "
                "(cba.analysis.calibration.fit_processing_rate) on CBP Border Wait "
                f"Times at {spec.crossing_name}, {spec.lane_type} "
                f"{spec.lane_category} lanes, {st['n_obs']} observations, "
                f"{period}: {fit.services_per_hour:.2f} vehicles "
                f"per lane-hour (SE {fit.std_error:.2f}, 95 % CI {lo:.2f}-{hi:.2f})"
            ),
            "href": spec.observations_href,
            "accessed": spec.observations_accessed,
            "tag": "calibrated",
            "note": (
                f"{'Weak fit' if st['r_squared'] < 0.3 else 'Fit'}: "
                f"RMSE {st['rmse_minutes']:.0f} minutes, "
                f"R^2 {st['r_squared']:.2f}, "
                f"correlation {st['correlation']:.2f}. Only the average level of "
                "posted waits pins the rate; the volume behind it is an assumed share "
                f"({spec.crossing_share.value:g} x {spec.lane_share.value:g}) "
                f"of BTS port {spec.bts_port_code} {spec.bts_measure}, spread by "
                f"{how}, "
                "and CBP's posted waits are "
                "officers' estimates. The distribution spans the 95 % interval."
            ),
        },
        "distribution": {
            "type": "triangular",
            "low": round(_MINUTES_PER_HOUR / hi, nd),
            "mode": value,
            "high": round(_MINUTES_PER_HOUR / lo, nd),
        },
    }
    out_path = (spec_path.parent / spec.output).resolve()
    values = {}
    if out_path.exists():
        values = dict(read_yaml(out_path).get("values") or {})
    values[spec.target] = entry
    command = f"cba calibrate {spec_path.as_posix()}"
    return calibrated_file_document(spec.site, command, calibrated_on, values), out_path


def calibrated_file_document(site: str, command: str, calibrated_on: str, values):
    """The document of a calibrated-values file (schema
    :class:`cba.params.CalibratedFile`): its site, the command that writes it,
    the date and the values by key path (sorted)."""
    return {
        "schema_version": 1,
        "description": (
            f"Values of site {site} set by calibration against what was "
            "measured there. Written by `cba calibrate`; do not edit by hand."
        ),
        "site": site,
        "command": command,
        "calibrated_on": calibrated_on,
        "values": dict(sorted(values.items())),
    }


def calibrated_yaml(doc: dict) -> str:
    """YAML text of a calibrated-values document, with a header naming its command."""
    import yaml

    head = (
        f"# Written by `{doc['command']}` on {doc['calibrated_on']}; "
        "do not edit by hand:\n"
        "# change the spec and run the command again.\n"
    )
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
