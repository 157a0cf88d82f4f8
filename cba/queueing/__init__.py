"""Queueing models: waits at primary and secondary inspection booths.

Model family: multi-server queues, with inspection booths (lanes) as servers and
vehicles as customers. Two kinds of model are provided:

* **Stationary models** (steady state, utilisation below 1):
  :func:`erlang_c` (probability of waiting in M/M/c), :func:`mmc_mean_wait_hours`
  (mean wait in queue, M/M/c) and :func:`allen_cunneen_wait_hours` (G/G/c
  approximation for processing times that are not exponential).
* **Hour-by-hour models** with the backlog carried from hour to hour, valid for
  any utilisation, including over-saturated peaks: :func:`hourly_waits`,
  :func:`daily_delay_vehicle_hours` and :func:`two_stage_hourly_waits`
  (primary plus secondary inspection). They use a pointwise-stationary fluid
  flow approximation with a variance correction (see :func:`hourly_waits`),
  exact in steady state and checked against discrete-event simulation.
  Their numerical settings are a :class:`QueueSettings` (``settings=``,
  default :data:`DEFAULT_SETTINGS`).

All functions are vectorised: numeric arguments broadcast against each other
with the usual numpy rules. For the hour-by-hour models the **last axis is the
hour of the day (or week)** and any leading axes (draws, years, options,
streams) are carried through.

Glossary of argument names used here (units in brackets):

* ``arrivals_per_hour`` -- mean vehicle arrival rate [vehicles/hour]
* ``services_per_hour`` -- processing rate of one open booth, i.e. 60 divided by
  the mean processing time in minutes [vehicles/hour/booth]
* ``servers`` -- booths (lanes) open [booths]
* ``service_cv`` -- coefficient of variation of the processing time [-]
* ``arrival_cv`` -- coefficient of variation of the inter-arrival time [-]

Modules:

* :mod:`cba.queueing.stationary` -- the stationary models.
* :mod:`cba.queueing.timevarying` -- the hour-by-hour models, their input
  handling and :class:`QueueSettings`.
* ``_kernel`` (private) -- the compiled (numba) integration of the hour-by-hour
  model; ``_erlang`` and ``_inputs`` (private) -- the Erlang B recursion and
  closure table, and the input checks, shared by both kinds of model.
"""

from .stationary import (
    allen_cunneen_wait_hours,
    erlang_c,
    external_delay_per_arrival_hours,
    mmc_mean_wait_hours,
)
from .timevarying import (
    DEFAULT_SETTINGS,
    QueueSettings,
    TandemStage,
    TandemWaits,
    TwoStageWaits,
    daily_delay_vehicle_hours,
    hourly_waits,
    tandem_hourly_waits,
    two_stage_hourly_waits,
)

__all__ = [
    "erlang_c",
    "mmc_mean_wait_hours",
    "allen_cunneen_wait_hours",
    "external_delay_per_arrival_hours",
    "hourly_waits",
    "daily_delay_vehicle_hours",
    "two_stage_hourly_waits",
    "TwoStageWaits",
    "tandem_hourly_waits",
    "TandemStage",
    "TandemWaits",
    "QueueSettings",
    "DEFAULT_SETTINGS",
]
