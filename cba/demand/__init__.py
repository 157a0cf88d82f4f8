"""Demand: inbound crossing volumes from BTS data, forecasts with intervals.

The implementation lives in `cba.demand.data` for now; this package re-exports its
public API so that ``cba.demand.<name>`` keeps working while it is split up.
"""

from cba.demand.data import (
    EL_PASO_AREA,
    FREIGHT_MEASURES,
    FREIGHT_PANDEMIC_FIRST_MONTH,
    FREIGHT_PANDEMIC_LAST_MONTH,
    GROWTH_DECAY_PER_YEAR,
    LONG_RUN_GROWTH_CAP,
    MODEL_HORIZON_YEARS,
    OUTLIER_FACTOR,
    PANDEMIC_FIRST_MONTH,
    PANDEMIC_LAST_MONTH,
    STREAM_MEASURES,
    annual_outlook,
    available_series,
    backtest,
    forecast,
    monthly_crossings,
    sample_annual_paths,
    scaffold_site,
    seasonal_naive,
)

__all__ = [
    "EL_PASO_AREA",
    "PANDEMIC_FIRST_MONTH",
    "PANDEMIC_LAST_MONTH",
    "FREIGHT_PANDEMIC_FIRST_MONTH",
    "FREIGHT_PANDEMIC_LAST_MONTH",
    "FREIGHT_MEASURES",
    "OUTLIER_FACTOR",
    "MODEL_HORIZON_YEARS",
    "LONG_RUN_GROWTH_CAP",
    "GROWTH_DECAY_PER_YEAR",
    "STREAM_MEASURES",
    "available_series",
    "monthly_crossings",
    "forecast",
    "seasonal_naive",
    "backtest",
    "annual_outlook",
    "sample_annual_paths",
    "scaffold_site",
]
