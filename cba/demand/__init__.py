"""Demand: inbound crossing volumes from BTS data, forecasts with intervals.

Model family: traffic demand at a land port of entry, by traffic stream
(BTS "measure": Trucks, Personal Vehicles, Pedestrians, Buses, ...).

Main functions
--------------
available_series
    The port x measure series in the packaged data, with first and last month.
monthly_crossings
    A cleaned, gap-free monthly series [crossings/month] for one port and measure.
forecast
    Monthly forecast with 80 % and 95 % prediction intervals (statsmodels).
seasonal_naive
    The benchmark forecast: repeat the last 12 observed months.
backtest
    Rolling-origin backtest of `forecast` against `seasonal_naive`.
annual_outlook
    Annual totals [crossings/year] for the cost-benefit model, observed where the
    data has them, forecast (and extended by a long-run rule) otherwise.
sample_annual_paths
    Monte Carlo draws of annual traffic paths consistent with the outlook.
scaffold_site
    Streams and base-year volumes of a port, for building a site parameter file.
clear_caches
    Empty every cache of the package (see Caches).

Modules
-------
`cba.demand.data`
    The packaged BTS Border Crossing Entry Data (1996-01 to 2022-07, ten
    US-Mexico ports) and how its quirks are handled: leading zeros, isolated
    implausible months, missing months (seasonal interpolation), the El Paso /
    Ysleta split of 2020-03; the COVID-19 windows. `available_series`,
    `monthly_crossings`, `scaffold_site`.
`cba.demand.forecast`
    The forecast model (equal-weight mean, in logs, of ETS(A,Ad,A) and
    SARIMA(1,0,1)(0,1,1)[12] with a constant), why it was chosen, and how the
    pandemic months are treated as missing observations. `forecast`,
    `seasonal_naive`.
`cba.demand.backtest`
    `backtest`: MAPE, MASE and interval coverage by horizon bucket.
`cba.demand.outlook`
    `annual_outlook` (observed, model and long-run years; the long-run growth
    rule) and `sample_annual_paths`.

Caches
------
Two caches keep repeated calls fast; each is documented in its module's
docstring (key, size bound, why it cannot be stale) and reported by that
module's ``cache_info()``:

* packaged-data cache (`cba.demand.data`): the parsed CSV file, one entry;
* fitted-parameters cache (`cba.demand.forecast`): the maximum-likelihood
  parameters of a forecast, keyed on the content of the data they were fitted
  on, at most 256 fits.

Neither changes any result: `clear_caches` empties both, and the next calls
recompute the same numbers.

Each module's docstring documents its rules and references. The names above are
importable from ``cba.demand``; helpers shared by the modules (such as
`cba.demand.forecast.log_forecast`) are public in the module that owns them and
imported from there. Note that the attributes ``cba.demand.forecast`` and
``cba.demand.backtest`` are the functions of those names, not the modules;
``from cba.demand.forecast import log_forecast`` imports from the module.
"""

from cba.demand.backtest import backtest
from cba.demand.data import (
    EL_PASO_AREA,
    FREIGHT_MEASURES,
    FREIGHT_PANDEMIC_FIRST_MONTH,
    FREIGHT_PANDEMIC_LAST_MONTH,
    OUTLIER_FACTOR,
    PANDEMIC_FIRST_MONTH,
    PANDEMIC_LAST_MONTH,
    STREAM_MEASURES,
    available_series,
    monthly_crossings,
    scaffold_site,
)
from cba.demand.data import clear_caches as _clear_data_caches
from cba.demand.forecast import clear_caches as _clear_forecast_caches
from cba.demand.forecast import forecast, seasonal_naive
from cba.demand.outlook import (
    GROWTH_DECAY_PER_YEAR,
    LONG_RUN_GROWTH_CAP,
    MODEL_HORIZON_YEARS,
    annual_outlook,
    forecast_chart_data,
    sample_annual_paths,
)
from cba.demand.seasons import (
    month_factors,
    season_factor,
    season_months,
    season_weight,
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
    "forecast_chart_data",
    "scaffold_site",
    "month_factors",
    "season_months",
    "season_weight",
    "season_factor",
    "clear_caches",
]


def clear_caches() -> None:
    """Empty every cache of `cba.demand`: the packaged data and the fitted parameters.

    Results do not depend on the caches; after clearing, the next calls read the
    data file and fit the models again and return the same numbers.

    Examples
    --------
    >>> clear_caches()
    """
    _clear_data_caches()
    _clear_forecast_caches()
