"""Stationary queueing models: waits at inspection booths in steady state.

Model family: multi-server queues in steady state (utilisation below 1), with
inspection booths (lanes) as servers and vehicles as customers:
:func:`erlang_c` (probability of waiting in M/M/c), :func:`mmc_mean_wait_hours`
(mean wait in queue, M/M/c) and :func:`allen_cunneen_wait_hours` (G/G/c
approximation for processing times that are not exponential). Hours at or
above capacity need the hour-by-hour models of :mod:`cba.queueing.timevarying`.

All functions are vectorised: numeric arguments broadcast against each other
with the usual numpy rules. Scalar inputs give a float, a Series input gives a
Series with the same index.

Glossary of argument names used here (units in brackets):

* ``arrivals_per_hour`` -- mean vehicle arrival rate [vehicles/hour]
* ``services_per_hour`` -- processing rate of one open booth, i.e. 60 divided by
  the mean processing time in minutes [vehicles/hour/booth]
* ``servers`` -- booths (lanes) open [booths]
* ``service_cv`` -- coefficient of variation of the processing time [-]
* ``arrival_cv`` -- coefficient of variation of the inter-arrival time [-]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from cba.exceptions import ModelDomainError

from ._erlang import erlang_b
from ._inputs import as_float_array, first_position, require

_Numeric = float | np.ndarray | pd.Series  # scalar in -> float, Series in -> Series

__all__ = [
    "erlang_c",
    "mmc_mean_wait_hours",
    "allen_cunneen_wait_hours",
    "external_delay_per_arrival_hours",
]


def _series_index(values: dict[str, object]) -> pd.Index | None:
    """Return the common index of the Series among ``values`` (or None)."""
    index = None
    first = None
    for name, value in values.items():
        if isinstance(value, pd.Series):
            if index is None:
                index, first = value.index, name
            elif not value.index.equals(index):
                raise ModelDomainError(
                    f"{name} and {first} are Series with different indexes; "
                    "align them first (e.g. with Series.reindex)"
                )
    return index


def _check_servers(servers: np.ndarray, minimum: int) -> None:
    require(servers == np.round(servers), servers, "servers", "whole numbers of booths")
    require(servers >= minimum, servers, "servers", f">= {minimum}")


def _wrap(result: np.ndarray, index: pd.Index | None, name: str):
    """Return a float for 0-d results, a Series if an input was a Series."""
    if index is not None:
        if result.ndim != 1 or result.shape[0] != len(index):
            raise ModelDomainError(
                f"a Series input gives a Series output, but the result has shape "
                f"{result.shape} for an index of length {len(index)}"
            )
        return pd.Series(result, index=index, name=name)
    if result.ndim == 0:
        return float(result)
    return result


def _stationary_inputs(arrivals_per_hour, services_per_hour, servers):
    index = _series_index(
        {
            "arrivals_per_hour": arrivals_per_hour,
            "services_per_hour": services_per_hour,
            "servers": servers,
        }
    )
    lam = as_float_array(arrivals_per_hour, "arrivals_per_hour")
    mu = as_float_array(services_per_hour, "services_per_hour")
    c = as_float_array(servers, "servers")
    require(lam >= 0, lam, "arrivals_per_hour", ">= 0 vehicles/hour")
    require(mu > 0, mu, "services_per_hour", "> 0 vehicles/hour per booth")
    _check_servers(c, 1)
    rho = lam / (c * mu)
    if not np.all(rho < 1):
        bad = np.broadcast_to(rho >= 1, rho.shape)
        pos = first_position(bad) if rho.ndim else ()
        lam_b, mu_b, c_b = np.broadcast_arrays(lam, mu, c)
        raise ModelDomainError(
            "utilisation arrivals_per_hour / (servers * services_per_hour) must be "
            f"< 1 for a steady state; got {rho[pos]:.6g} (arrivals_per_hour="
            f"{lam_b[pos]:g}, services_per_hour={mu_b[pos]:g}, servers={c_b[pos]:g})"
            + (f" at position {pos}" if rho.ndim else "")
            + "; use hourly_waits for over-saturated hours"
        )
    return lam, mu, c, rho, index


def _erlang_c_array(lam, mu, c, rho):
    b = erlang_b(lam / mu, c)
    return b / (1.0 - rho + rho * b)


def erlang_c(
    arrivals_per_hour: ArrayLike, services_per_hour: ArrayLike, servers: ArrayLike
) -> _Numeric:
    """Probability that an arriving vehicle has to wait (Erlang C, M/M/c).

    Parameters
    ----------
    arrivals_per_hour : numeric
        Mean arrival rate (Poisson arrivals). [vehicles/hour]
    services_per_hour : numeric
        Processing rate of one booth (exponential processing times), i.e. 60
        over the mean processing time in minutes. [vehicles/hour/booth]
    servers : numeric
        Booths open; whole numbers >= 1 (float arrays holding whole numbers are
        accepted). [booths]

    Returns
    -------
    float, ndarray or Series
        Probability that an arrival finds all booths busy. [-] A Series input
        gives a Series with the same index; scalar inputs give a float.

    Raises
    ------
    ModelDomainError
        If ``arrivals_per_hour`` < 0, ``services_per_hour`` <= 0, ``servers`` is
        not a whole number >= 1, an input is not finite, or the utilisation
        ``arrivals_per_hour / (servers * services_per_hour)`` is >= 1.

    Notes
    -----
    With offered load :math:`a = \\lambda/\\mu` and utilisation
    :math:`\\rho = a/c`, Erlang B is computed by the recursion
    :math:`B(0) = 1`, :math:`B(k) = a B(k-1) / (k + a B(k-1))`, and

    .. math:: C(c, a) = \\frac{B(c, a)}{1 - \\rho\\,(1 - B(c, a))}.

    The recursion involves no factorials or powers, so it neither overflows
    nor loses precision: results agree with 50-digit arithmetic to about
    1e-13 (relative) for 1 to 400+ booths and utilisation up to 0.999.
    Steady state is assumed (:math:`\\rho < 1`); zero arrivals give 0.

    References
    ----------
    .. [1] Cooper, R. B., *Introduction to Queueing Theory*, 2nd ed.,
       North Holland, 1981, sections 3.3-3.4 (Erlang B recursion, Erlang C).
       https://www.cse.fau.edu/~bob/publications/IntroToQueueingTheory_Cooper.pdf
    .. [2] Gross, D., Shortle, J. F., Thompson, J. M., Harris, C. M.,
       *Fundamentals of Queueing Theory*, 4th ed., Wiley, 2008, section 2.3
       (M/M/c). https://doi.org/10.1002/9781118625651

    Examples
    --------
    One booth (M/M/1): the probability of waiting equals the utilisation.

    >>> erlang_c(1.0, 2.0, 1)
    0.5

    Two booths, 10 vehicles/hour, 6 per hour per booth: a = 5/3, rho = 5/6,
    B = (25/18)/(1 + 5/3 + 25/18) = 25/73, C = 125/165 = 25/33.

    >>> round(erlang_c(10.0, 6.0, 2), 6)
    0.757576
    """
    lam, mu, c, rho, index = _stationary_inputs(
        arrivals_per_hour, services_per_hour, servers
    )
    return _wrap(_erlang_c_array(lam, mu, c, rho), index, "erlang_c")


def mmc_mean_wait_hours(
    arrivals_per_hour: ArrayLike, services_per_hour: ArrayLike, servers: ArrayLike
) -> _Numeric:
    """Mean wait in queue before reaching a booth, M/M/c steady state.

    Parameters
    ----------
    arrivals_per_hour : numeric
        Mean arrival rate (Poisson arrivals). [vehicles/hour]
    services_per_hour : numeric
        Processing rate of one booth (exponential processing times).
        [vehicles/hour/booth]
    servers : numeric
        Booths open; whole numbers >= 1. [booths]

    Returns
    -------
    float, ndarray or Series
        Mean wait in queue :math:`W_q`, excluding the processing time itself.
        [hours] A Series input gives a Series with the same index.

    Raises
    ------
    ModelDomainError
        As :func:`erlang_c`, in particular for utilisation >= 1.

    Notes
    -----
    :math:`W_q = C(c, a) / (c\\mu - \\lambda)` with :math:`C` from
    :func:`erlang_c`. Steady state (utilisation < 1) is assumed; for hours at
    or above capacity use :func:`hourly_waits`.

    References
    ----------
    .. [1] Gross, D., Shortle, J. F., Thompson, J. M., Harris, C. M.,
       *Fundamentals of Queueing Theory*, 4th ed., Wiley, 2008, eq. (2.34).
       https://doi.org/10.1002/9781118625651

    Examples
    --------
    M/M/1 with 1 arrival and 2 services per hour: Wq = rho/(mu - lambda) = 0.5 h.

    >>> mmc_mean_wait_hours(1.0, 2.0, 1)
    0.5

    Two booths, lambda = 10/h, mu = 6/h: Wq = (25/33)/(12 - 10) = 25/66 h.

    >>> round(mmc_mean_wait_hours(10.0, 6.0, 2), 6)
    0.378788
    """
    lam, mu, c, rho, index = _stationary_inputs(
        arrivals_per_hour, services_per_hour, servers
    )
    wq = _erlang_c_array(lam, mu, c, rho) / (c * mu - lam)
    return _wrap(wq, index, "mmc_mean_wait_hours")


def allen_cunneen_wait_hours(
    arrivals_per_hour: ArrayLike,
    services_per_hour: ArrayLike,
    servers: ArrayLike,
    service_cv: ArrayLike,
    arrival_cv: ArrayLike = 1.0,
) -> _Numeric:
    """Mean wait in queue for general processing times (Allen-Cunneen, G/G/c).

    Parameters
    ----------
    arrivals_per_hour : numeric
        Mean arrival rate. [vehicles/hour]
    services_per_hour : numeric
        Processing rate of one booth. [vehicles/hour/booth]
    servers : numeric
        Booths open; whole numbers >= 1. [booths]
    service_cv : numeric
        Coefficient of variation (standard deviation over mean) of the
        processing time; 1 for exponential, 0 for constant. [-]
    arrival_cv : numeric, default 1.0
        Coefficient of variation of the time between arrivals; 1 for Poisson
        arrivals. [-]

    Returns
    -------
    float, ndarray or Series
        Approximate mean wait in queue. [hours]

    Raises
    ------
    ModelDomainError
        As :func:`erlang_c`, and if ``service_cv`` or ``arrival_cv`` < 0.

    Notes
    -----
    .. math:: W_q \\approx W_q^{M/M/c} \\; \\frac{c_a^2 + c_s^2}{2}

    Exact for M/G/1 (Pollaczek-Khinchine) and for M/M/c; for M/G/c and G/G/c
    it is a heavy-traffic-motivated approximation, usually within about 10 %
    for moderate variability. Steady state (utilisation < 1) is assumed.

    References
    ----------
    .. [1] Allen, A. O., *Probability, Statistics, and Queueing Theory with
       Computer Science Applications*, 2nd ed., Academic Press, 1990,
       section 6.2 (Allen-Cunneen approximation).
       https://doi.org/10.1016/C2009-0-22103-7
    .. [2] Whitt, W., "Approximations for the GI/G/m queue", *Production and
       Operations Management* 2(2), 1993, 114-161.
       https://doi.org/10.1111/j.1937-5956.1993.tb00094.x

    Examples
    --------
    M/D/1 (constant processing time) waits half as long as M/M/1:

    >>> allen_cunneen_wait_hours(1.0, 2.0, 1, service_cv=0.0)
    0.25
    """
    index = _series_index(
        {
            "arrivals_per_hour": arrivals_per_hour,
            "services_per_hour": services_per_hour,
            "servers": servers,
            "service_cv": service_cv,
            "arrival_cv": arrival_cv,
        }
    )
    cs = as_float_array(service_cv, "service_cv")
    ca = as_float_array(arrival_cv, "arrival_cv")
    require(cs >= 0, cs, "service_cv", ">= 0")
    require(ca >= 0, ca, "arrival_cv", ">= 0")
    lam, mu, c, rho, _ = _stationary_inputs(
        arrivals_per_hour, services_per_hour, servers
    )
    wq = _erlang_c_array(lam, mu, c, rho) / (c * mu - lam) * (ca**2 + cs**2) / 2.0
    return _wrap(wq, index, "allen_cunneen_wait_hours")


def external_delay_per_arrival_hours(wait_minutes, utilisation):
    """Delay one more arrival adds to the other users of a congested queue [hours].

    A queue whose mean wait grows with its utilisation ``u`` as ``u / (1 - u)``
    (M/M/1, and the heavy-traffic form of every G/G/c approximation) has total
    delay ``lambda x W(lambda)``; one more arrival raises it by its own wait
    ``W`` plus ``lambda dW/dlambda = W / (1 - u)``. The second term is borne
    by the others (the delay a vehicle diverted to a sibling crossing adds to
    that crossing's own users).

    Parameters
    ----------
    wait_minutes : array_like
        Mean wait of the queue's users today. [minutes]
    utilisation : array_like
        Utilisation of its servers today, in [0, 1). [/1]

    Returns
    -------
    ndarray
        Added delay to others per added arrival. [hours]

    Examples
    --------
    >>> float(external_delay_per_arrival_hours(30.0, 0.5))
    1.0
    """
    w = np.asarray(wait_minutes, dtype=float) / 60.0
    u = np.asarray(utilisation, dtype=float)
    if np.any((u < 0) | (u >= 1)):
        raise ValueError("utilisation must lie in [0, 1)")
    return w / (1.0 - u)
