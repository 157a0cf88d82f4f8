"""Numerical settings of the hour-by-hour queueing models.

Model family: the hour-by-hour fluid queue of :mod:`cba.queueing.timevarying`.
:class:`QueueSettings` holds its numerical method choices (time step, closure
table, tolerances, periodicity iterations); :data:`DEFAULT_SETTINGS` is the
instance :func:`cba.queueing.hourly_waits`,
:func:`cba.queueing.daily_delay_vehicle_hours` and
:func:`cba.queueing.two_stage_hourly_waits` use when given ``settings=None``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from cba.exceptions import ModelDomainError

__all__ = ["QueueSettings", "DEFAULT_SETTINGS"]


@dataclasses.dataclass(frozen=True)
class QueueSettings:
    """Numerical settings of the hour-by-hour model.

    Numerical method choices, not model parameters (see the Notes of
    :func:`cba.queueing.hourly_waits`): refining them barely moves the
    results, which the tests check. The defaults are
    :data:`DEFAULT_SETTINGS`; refine a copy with :func:`dataclasses.replace`.

    Attributes
    ----------
    table_intervals : int, default 1024
        Intervals of the uniform utilisation grid on [0, 1] of the cubic
        table of :math:`\\rho C(c, c\\rho)` that the closure reads. [-]
    substeps_per_hour : int, default 6
        Exponential Euler time steps per hour of the fluid equations.
        [steps/hour]
    newton_tol : float, default 1e-13
        Absolute tolerance on the utilisation :math:`\\rho` when the closure
        is inverted at the start of an hour (safeguarded Newton). [-]
    newton_max_iter : int, default 100
        Iteration cap of that safeguarded Newton solve (its bisection
        guarantees convergence well before). [iterations]
    newton_per_substep : int, default 1
        Newton corrections after the first-order predictor of
        :math:`\\rho` in each sub-step. [iterations/step]
    rho_max : float, default 1 - 1e-12
        Utilisation cap of the closure, i.e. the largest queue it represents
        (about 1e12 vehicles). [-]
    periodic_tol : float, default 1e-9
        Relative change of the start state (mean and variance) between two
        runs of the period accepted as periodic. [-]
    max_passes : int, default 4
        Runs of the period at most to reach the periodic solution; a period
        that has not repeated itself by then (at or near its capacity)
        reports its last run, whatever its load, so that the result is
        continuous in the load. Unlike the other settings, this one is a
        modelling convention for days that do not settle (the day preceded by
        three like days), and it moves their results. [runs]
    var_floor : float, default 1e-12
        Lower bound of the variance state. [vehicles^2]
    cleared_vehicles : float, default 1e-6
        A cohort boundary counts as reached when entries into service are
        within this many vehicles of it. The fluid backlog drains towards
        zero asymptotically; without the allowance, rounding at the 1e-15
        level decides whether a vanishing backlog "clears", which moves the
        wait reported for hours without arrivals by whole hours. Effect on
        other hours: about this allowance over the hour's arrivals per hour,
        in hours (1e-6 / arrivals per hour by default). An hour whose
        arrivals are below the allowance reports the wait of a vehicle
        arriving at its start (its mean over so few vehicles would be
        rounding noise over next to nothing). [vehicles]

    Examples
    --------
    >>> import dataclasses
    >>> fine = dataclasses.replace(DEFAULT_SETTINGS, substeps_per_hour=48)
    >>> fine.substeps_per_hour, fine.table_intervals
    (48, 1024)
    """

    table_intervals: int = 1024
    substeps_per_hour: int = 6
    newton_tol: float = 1e-13
    newton_max_iter: int = 100
    newton_per_substep: int = 1
    rho_max: float = 1.0 - 1e-12
    periodic_tol: float = 1e-9
    max_passes: int = 4
    var_floor: float = 1e-12
    cleared_vehicles: float = 1e-6

    def __post_init__(self):
        for name in (
            "table_intervals",
            "substeps_per_hour",
            "newton_max_iter",
            "newton_per_substep",
            "max_passes",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ModelDomainError(f"{name} must be an integer; got {value!r}")
            if value < 1:
                raise ModelDomainError(f"{name} must be >= 1; got {value}")
        for name in ("newton_tol", "periodic_tol", "var_floor", "cleared_vehicles"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0.0):
                raise ModelDomainError(f"{name} must be a number > 0; got {value!r}")
        if not (isinstance(self.rho_max, int | float) and 0.0 < self.rho_max < 1.0):
            raise ModelDomainError(f"rho_max must be in (0, 1); got {self.rho_max!r}")


DEFAULT_SETTINGS = QueueSettings()
"""The default numerical settings of the hour-by-hour model."""
