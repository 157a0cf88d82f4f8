"""Queueing models: waits at primary and secondary inspection booths."""

from .timevarying import (
    DEFAULT_SETTINGS,
    QueueSettings,
    TwoStageWaits,
    allen_cunneen_wait_hours,
    daily_delay_vehicle_hours,
    erlang_c,
    hourly_waits,
    mmc_mean_wait_hours,
    two_stage_hourly_waits,
)

__all__ = [
    "erlang_c",
    "mmc_mean_wait_hours",
    "allen_cunneen_wait_hours",
    "hourly_waits",
    "daily_delay_vehicle_hours",
    "two_stage_hourly_waits",
    "TwoStageWaits",
    "QueueSettings",
    "DEFAULT_SETTINGS",
]
