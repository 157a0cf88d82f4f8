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

Data
----
The package ships ``cba/data/bts_border_crossings_us_mexico.csv``: BTS Border
Crossing Entry Data (inbound crossings by port and month, 1996-01 to 2022-07) for
ten US-Mexico ports; see ``cba/data/README.md`` for provenance. It is read once per
process (``functools.lru_cache``).

How data quirks are handled (all of it is recorded in ``Series.attrs``)
-----------------------------------------------------------------------
1. **Leading zeros.** A run of zero months at the start of a series (the port or
   stream was not reported yet, e.g. Calexico East 2507 in 1996, San Ysidro 2504
   Personal Vehicles until 1997-02) is dropped: the series starts at its first
   positive month. A series that is zero throughout (San Ysidro Trucks) is kept.
2. **Isolated implausible months.** A month whose value is more than
   ``OUTLIER_FACTOR`` (10) times below, or above, *both* neighbouring observed
   months (compared as ``value + 1`` to cope with zeros) is treated as missing.
   The rule looks only at one-month spikes or dips, so a sustained fall (the 2020
   pandemic) is never flagged. It catches Laredo 2304 Pedestrians 2022-06
   (1,349 between 206,326 and 203,388; CBP's own figure is 194,802) and a few
   isolated zero months (e.g. Santa Teresa 2408 Trucks 1998-03, 1999-02, 1999-08).
   It does not flag smaller jumps such as El Paso Buses 2022-04 (x 8.6).
3. **Missing months.** BTS omits rows instead of writing zeros (e.g. Otay Mesa
   2506 Trucks has no row for 2021-11). Each series is reindexed to a complete
   monthly range from its first to its last month, and every missing or
   implausible month is filled by *seasonal interpolation*: for a run of missing
   months between observed months ``a`` and ``b``, the year-on-year log growth
   is interpolated linearly in time between ``log(y[a]/y[a-12])`` and
   ``log(y[b]/y[b-12])`` and applied to the same month one year earlier:
   ``y[t] = y[t-12] * exp((1-w) g_a + w g_b)`` with ``w = (t-a)/(b-a)``. Where a
   value that rule needs is missing or not positive, log-linear interpolation
   between ``y[a]`` and ``y[b]`` is used, and linear interpolation if either of
   them is zero. Months after a series' last row are not filled: the series
   ends at its own last month.
4. **El Paso / Ysleta.** BTS port El Paso 2402 includes Ysleta until 2020-02;
   from 2020-03 Ysleta is reported separately as port 2401. The pseudo port code
   ``"2402+2401"`` (``EL_PASO_AREA``) gives the consistent "El Paso area" series:
   2402 plus 2401, with 2401 counted as zero before its first reported month.
   With ``combine_el_paso=True`` (the default) a request for ``"2402"`` returns
   this combined series (``attrs["port_code"]`` says so) and a request for
   ``"2401"`` raises `ParameterError`, because Ysleta alone does not exist in the
   data before 2020-03. With ``combine_el_paso=False`` the series are returned as
   published: 2402 with its break in 2020-03, 2401 from 2020-03 only.

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
``tests/benchmarks/bench_demand_backtest.py`` (origins 2007-12 to 2018-12,
horizons 1-36 months, six main ports). For Trucks its MAPE was 7.2 % against
10.0 % for seasonal-naive, lower at each of the six ports and in every horizon
bucket, with 80 % / 95 % intervals covering 89 % / 97 % of the outcomes. In the
model-selection runs with the same design, ETS(A,Ad,A) alone scored 8.0 %, the
SARIMA alone 7.9 % and the airline model SARIMA(0,1,1)(0,1,1)[12] 8.7 %. For
Personal Vehicles no candidate clearly beat seasonal-naive; the combination
scores 13.1 % against 12.4 % (coverage 84 % / 92 %).

**Pandemic.** COVID-19 months are treated as *missing observations*. Which
months depends on the measure (taken from ``series.attrs["measure"]``):

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

References
----------
U.S. DOT Bureau of Transportation Statistics, "Border Crossing Entry Data",
dataset keg4-3bc2,
https://data.bts.gov/Research-and-Statistics/Border-Crossing-Entry-Data/keg4-3bc2

Hyndman, R.J. and Athanasopoulos, G., "Forecasting: Principles and Practice",
3rd ed., OTexts, 2021, https://otexts.com/fpp3/ (seasonal naive, ETS, MASE,
prediction intervals).

Hyndman, R.J. and Koehler, A.B., "Another look at measures of forecast
accuracy", International Journal of Forecasting 22(4), 679-688, 2006,
https://doi.org/10.1016/j.ijforecast.2006.03.001

Bates, J.M. and Granger, C.W.J., "The combination of forecasts", Operational
Research Quarterly 20(4), 451-468, 1969, https://doi.org/10.2307/3008764

Fenton, L.F., "The sum of log-normal probability distributions in scatter
transmission systems", IRE Transactions on Communications Systems 8(1), 57-67,
1960, https://doi.org/10.1109/TCOM.1960.1097606
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import io
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from cba.exceptions import ModelDomainError, ParameterError

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

#: Pseudo port code of the consistent El Paso area series (El Paso 2402 + Ysleta 2401).
EL_PASO_AREA = "2402+2401"
_EL_PASO = "2402"
_YSLETA = "2401"

#: First and last month of the COVID-19 restrictions on non-essential crossings
#: (2020-03-21 to 2021-11-08, plus the re-opening month). `forecast` treats them as
#: missing for travel measures; `backtest` does not score them for any measure.
PANDEMIC_FIRST_MONTH = pd.Timestamp("2020-03-01")
PANDEMIC_LAST_MONTH = pd.Timestamp("2021-12-01")

#: Freight was exempt from the restrictions and fell only while much of North
#: American manufacturing was shut (2020-04 to 2020-06); `forecast` treats these
#: months as missing for the measures in `FREIGHT_MEASURES`.
FREIGHT_PANDEMIC_FIRST_MONTH = pd.Timestamp("2020-04-01")
FREIGHT_PANDEMIC_LAST_MONTH = pd.Timestamp("2020-06-01")

#: Measures that use the freight pandemic window.
FREIGHT_MEASURES = (
    "Trucks",
    "Truck Containers Loaded",
    "Truck Containers Empty",
    "Trains",
    "Rail Containers Loaded",
    "Rail Containers Empty",
)

#: A month more than this factor below or above both observed neighbours is
#: treated as an implausible value. [1]
OUTLIER_FACTOR = 10.0

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

#: The traffic streams `scaffold_site` reports.
STREAM_MEASURES = ("Trucks", "Personal Vehicles", "Pedestrians", "Buses")

_DATA_FILE = "bts_border_crossings_us_mexico.csv"
_DATA_COLUMNS = ("port_name", "state", "port_code", "date", "measure", "value")
_LONG_RUN_FIRST_YEAR = 1996
_LONG_RUN_LAST_YEAR = 2019
_MIN_LONG_RUN_YEARS = 10
_MIN_FIT_MONTHS = 48
_Z80 = 1.2815515655446004  # standard normal quantile at 0.90
_Z95 = 1.959963984540054  # standard normal quantile at 0.975
_SEASON = 12  # months per year

_MEASURE_UNITS = {
    "Trucks": "trucks",
    "Truck Containers Loaded": "containers",
    "Truck Containers Empty": "containers",
    "Personal Vehicles": "vehicles",
    "Personal Vehicle Passengers": "persons",
    "Pedestrians": "persons",
    "Buses": "buses",
    "Bus Passengers": "persons",
    "Trains": "trains",
    "Train Passengers": "persons",
    "Rail Containers Loaded": "containers",
    "Rail Containers Empty": "containers",
}

_SOURCE = {
    "title": "Border Crossing Entry Data (BTS dataset keg4-3bc2), US-Mexico extract",
    "publisher": "U.S. DOT Bureau of Transportation Statistics; counts by U.S. CBP",
    "href": (
        "https://data.bts.gov/Research-and-Statistics/Border-Crossing-Entry-Data/"
        "keg4-3bc2"
    ),
    "file": f"cba/data/{_DATA_FILE}",
    "licence": "public domain (work of the U.S. federal government, 17 U.S.C. 105)",
}


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=1)
def _load_data() -> tuple[pd.DataFrame, str]:
    """Read the packaged BTS CSV once per process; return (frame, sha256)."""
    resource = importlib.resources.files("cba") / "data" / _DATA_FILE
    raw = resource.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    frame = pd.read_csv(
        io.BytesIO(raw),
        dtype={"port_name": str, "state": str, "port_code": str, "measure": str},
    )
    missing = [c for c in _DATA_COLUMNS if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"columns {missing} are missing; expected {list(_DATA_COLUMNS)}",
            file=_SOURCE["file"],
        )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    frame["value"] = frame["value"].astype("int64")
    return frame, sha256


def _port_names() -> dict[str, str]:
    frame, _ = _load_data()
    names = frame.drop_duplicates("port_code").set_index("port_code")["port_name"]
    return dict(sorted(names.items()))


def _valid_ports_text() -> str:
    ports = [f"{code} ({name})" for code, name in _port_names().items()]
    ports.append(f"{EL_PASO_AREA} (El Paso area)")
    return ", ".join(ports)


def _raw_series(port_code: str, measure: str) -> pd.Series:
    frame, _ = _load_data()
    rows = frame[(frame["port_code"] == port_code) & (frame["measure"] == measure)]
    return pd.Series(
        rows["value"].to_numpy(dtype=float),
        index=pd.DatetimeIndex(rows["date"].to_numpy()),
    ).sort_index()


def _combined_el_paso_raw(measure: str) -> pd.Series:
    el_paso = _raw_series(_EL_PASO, measure)
    ysleta = _raw_series(_YSLETA, measure)
    if ysleta.empty or el_paso.empty:
        return el_paso
    months = pd.date_range(
        min(el_paso.index.min(), ysleta.index.min()),
        max(el_paso.index.max(), ysleta.index.max()),
        freq="MS",
    )
    ysleta_full = ysleta.reindex(months)
    ysleta_full[months < ysleta.index.min()] = 0.0
    # A month missing from either port stays missing and is filled later.
    return (el_paso.reindex(months) + ysleta_full).dropna()


def _isolated_outliers(observed: pd.Series) -> np.ndarray:
    v = np.log(observed.to_numpy(dtype=float) + 1.0)
    flag = np.zeros(v.size, dtype=bool)
    if v.size >= 3:
        d_prev = v[1:-1] - v[:-2]
        d_next = v[1:-1] - v[2:]
        same_side = np.sign(d_prev) == np.sign(d_next)
        jump = np.minimum(np.abs(d_prev), np.abs(d_next))
        flag[1:-1] = same_side & (jump > np.log(OUTLIER_FACTOR))
    return flag


def _fill_gaps(values: pd.Series) -> tuple[pd.Series, dict[pd.Timestamp, str]]:
    """Fill NaN runs by seasonal, else log-linear, else linear interpolation."""
    y = values.to_numpy(dtype=float).copy()
    methods: dict[pd.Timestamp, str] = {}
    missing = np.flatnonzero(np.isnan(y))
    if missing.size == 0:
        return values.copy(), methods
    blocks = np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1)
    for block in blocks:
        a, b = block[0] - 1, block[-1] + 1
        w = (block - a) / (b - a)
        needed = [a, b, a - _SEASON, b - _SEASON, *(block - _SEASON)]
        seasonal_ok = min(needed) >= 0 and all(
            np.isfinite(y[i]) and y[i] > 0 for i in needed
        )
        if seasonal_ok:
            g_a = np.log(y[a] / y[a - _SEASON])
            g_b = np.log(y[b] / y[b - _SEASON])
            y[block] = y[block - _SEASON] * np.exp((1.0 - w) * g_a + w * g_b)
            method = "seasonal"
        elif y[a] > 0 and y[b] > 0:
            y[block] = np.exp((1.0 - w) * np.log(y[a]) + w * np.log(y[b]))
            method = "log-linear"
        else:
            y[block] = (1.0 - w) * y[a] + w * y[b]
            method = "linear"
        for i in block:
            methods[values.index[i]] = method
    return pd.Series(y, index=values.index), methods


@functools.lru_cache(maxsize=256)
def _clean_series(port_code: str, measure: str) -> pd.Series:
    """Cleaned series for an existing (port_code, measure); cached, do not mutate."""
    notes: list[str] = []
    if port_code == EL_PASO_AREA:
        raw = _combined_el_paso_raw(measure)
        port_name = "El Paso area"
        notes.append(
            "El Paso area = El Paso 2402 + Ysleta 2401; 2401 is counted as zero "
            "before its first reported month because 2402 included it until 2020-02"
        )
    else:
        raw = _raw_series(port_code, measure)
        port_name = _port_names()[port_code]
    positive = np.flatnonzero(raw.to_numpy() > 0)
    if positive.size and positive[0] > 0:
        notes.append(
            f"{positive[0]} leading zero months before "
            f"{raw.index[positive[0]]:%Y-%m} dropped (not yet reported)"
        )
        raw = raw.iloc[positive[0] :]
    flags = _isolated_outliers(raw)
    outliers = {month: float(raw[month]) for month in raw.index[flags]}
    months = pd.date_range(raw.index.min(), raw.index.max(), freq="MS")
    missing = [month for month in months if month not in raw.index]
    filled, methods = _fill_gaps(raw.where(~flags).reindex(months))
    filled.index.freq = "MS"
    unit = f"{_MEASURE_UNITS[measure]}/month"
    filled.name = f"{port_code} {port_name}: {measure}"
    filled.attrs = {
        "port_code": port_code,
        "port_name": port_name,
        "measure": measure,
        "unit": unit,
        "filled_months": sorted(methods),
        "missing_months": missing,
        "outliers": outliers,
        "fill_methods": methods,
        "notes": notes,
        "source": f"{_SOURCE['title']}; {_SOURCE['file']}",
    }
    return filled


def _resolve_port(port_code: str, combine_el_paso: bool) -> str:
    if not isinstance(port_code, str):
        raise ParameterError(
            f"port_code must be a string such as '2304', got "
            f"{type(port_code).__name__} {port_code!r}; valid port codes: "
            f"{_valid_ports_text()}",
            key_path="port_code",
        )
    if port_code != EL_PASO_AREA and port_code not in _port_names():
        raise ParameterError(
            f"unknown port_code {port_code!r}; valid port codes: {_valid_ports_text()}",
            key_path="port_code",
        )
    if combine_el_paso and port_code == _YSLETA:
        raise ParameterError(
            "port_code '2401' (Ysleta) is reported separately only from 2020-03; "
            "before that it is inside El Paso 2402. Use port_code "
            f"'{EL_PASO_AREA}' for the consistent El Paso area series, or "
            "combine_el_paso=False for the Ysleta-only series from 2020-03",
            key_path="port_code",
        )
    if combine_el_paso and port_code == _EL_PASO:
        return EL_PASO_AREA
    return port_code


def _check_measure(measure: str) -> None:
    if not isinstance(measure, str) or measure not in _MEASURE_UNITS:
        raise ParameterError(
            f"unknown measure {measure!r}; valid measures: "
            f"{', '.join(sorted(_MEASURE_UNITS))}",
            key_path="measure",
        )


def _port_measures(port_code: str) -> list[str]:
    frame, _ = _load_data()
    codes = [_EL_PASO, _YSLETA] if port_code == EL_PASO_AREA else [port_code]
    return sorted(frame.loc[frame["port_code"].isin(codes), "measure"].unique())


def available_series() -> pd.DataFrame:
    """List the port x measure series in the packaged BTS data.

    Returns
    -------
    pandas.DataFrame
        One row per series, sorted by port code and measure, with columns
        ``port_code`` (str; includes the pseudo code ``"2402+2401"`` for the
        El Paso area), ``port_name`` (str), ``measure`` (str), ``unit`` (str, e.g.
        ``"trucks/month"``), ``first_month`` and ``last_month`` (Timestamp, first
        day of the first and last month with a row in the source; for the El Paso
        area, of either port) and ``n_missing_months`` (int, months without a row
        between the first and last month). [-]

    Notes
    -----
    ``first_month`` and ``last_month`` describe the raw data; `monthly_crossings`
    may start later (leading zeros dropped). The data end in 2022-07, some series
    earlier (e.g. San Ysidro Trucks end 2016-07).

    Examples
    --------
    >>> table = available_series()
    >>> row = table[(table.port_code == "2506") & (table.measure == "Trucks")]
    >>> int(row.n_missing_months.iloc[0])
    1
    """
    frame, _ = _load_data()
    rows = []
    groups = frame.groupby(["port_code", "port_name", "measure"], sort=True)
    for (code, name, measure), group in groups:
        first, last = group["date"].min(), group["date"].max()
        n_months = (last.year - first.year) * 12 + last.month - first.month + 1
        rows.append((code, name, measure, first, last, n_months - len(group)))
    for measure in _port_measures(EL_PASO_AREA):
        months = _combined_el_paso_raw(measure).index
        if months.empty:
            continue
        full = pd.date_range(months.min(), months.max(), freq="MS")
        rows.append(
            (
                EL_PASO_AREA,
                "El Paso area",
                measure,
                months.min(),
                months.max(),
                len(full) - len(months),
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "port_code",
            "port_name",
            "measure",
            "first_month",
            "last_month",
            "n_missing_months",
        ],
    )
    table.insert(3, "unit", table["measure"].map(_MEASURE_UNITS) + "/month")
    return table.sort_values(["port_code", "measure"], ignore_index=True)


def monthly_crossings(
    port_code: str, measure: str, *, combine_el_paso: bool = True
) -> pd.Series:
    """Cleaned, gap-free monthly inbound crossings for one port and measure.

    Parameters
    ----------
    port_code : str
        Four-digit CBP port code as text (e.g. ``"2304"`` Laredo), or
        ``"2402+2401"`` (`EL_PASO_AREA`) for El Paso 2402 plus Ysleta 2401. [-]
    measure : str
        BTS measure, e.g. ``"Trucks"``, ``"Personal Vehicles"``,
        ``"Pedestrians"``, ``"Buses"``. [-]
    combine_el_paso : bool, default True
        If True, ``"2402"`` returns the consistent El Paso area series
        (``"2402+2401"``) and ``"2401"`` raises `ParameterError`. If False, both
        are returned as published (2402 breaks in 2020-03; 2401 starts
        2020-03). [-]

    Returns
    -------
    pandas.Series
        Float counts indexed by the first day of each month (``freq="MS"``),
        complete from the first positive month to the last month in the data,
        without NaN. ``name`` is ``"<port_code> <port_name>: <measure>"``.
        [crossings/month, e.g. trucks/month]

        ``attrs`` holds: ``port_code`` (the code actually used), ``port_name``,
        ``measure``, ``unit``, ``filled_months`` (sorted list of Timestamps of
        every month whose value was filled in), ``missing_months`` (months
        without a row in the source), ``outliers`` (dict month -> published value
        replaced as implausible), ``fill_methods`` (dict month -> ``"seasonal"``,
        ``"log-linear"`` or ``"linear"``), ``notes`` (list of str) and
        ``source``.

    Raises
    ------
    ParameterError
        Unknown port code or measure (the message lists the valid values), a
        measure the port does not report (the message lists those it does), or
        ``"2401"`` with ``combine_el_paso=True``.

    Warns
    -----
    UserWarning
        ``"2402"`` with ``combine_el_paso=False``: the series has a structural
        break in 2020-03.

    Notes
    -----
    See the module docstring for the cleaning rules: leading zero months are
    dropped; a month more than ``OUTLIER_FACTOR`` times below or above both
    observed neighbours is replaced; missing and replaced months are filled by
    seasonal interpolation ``y[t] = y[t-12] * exp((1-w) g_a + w g_b)`` (g = 12-month
    log growth at the observed months a and b around the gap, ``w = (t-a)/(b-a)``),
    falling back to log-linear, then linear, interpolation. Months after the last
    row of a series are not filled.

    Examples
    --------
    >>> trucks = monthly_crossings("2402", "Trucks")
    >>> trucks.attrs["port_code"], trucks.index.freqstr
    ('2402+2401', 'MS')
    >>> float(trucks["2019-06-01"])  # before the split: El Paso incl. Ysleta
    63190.0
    >>> pd.Timestamp("2021-11-01") in monthly_crossings("2506", "Trucks").attrs[
    ...     "filled_months"]
    True
    """
    _check_measure(measure)
    code = _resolve_port(port_code, combine_el_paso)
    available = _port_measures(code)
    if measure not in available:
        raise ParameterError(
            f"port {code} has no data for measure {measure!r}; measures reported "
            f"there: {', '.join(available)}",
            key_path="measure",
        )
    if code == _EL_PASO:
        warnings.warn(
            "El Paso 2402 as published includes Ysleta until 2020-02 and excludes "
            f"it from 2020-03; use port_code '{EL_PASO_AREA}' for a consistent "
            "series",
            UserWarning,
            stacklevel=2,
        )
    series = _clean_series(code, measure).copy(deep=True)
    series.attrs = _copy_attrs(_clean_series(code, measure).attrs)
    return series


def _copy_attrs(attrs: dict) -> dict:
    return {
        key: (value.copy() if isinstance(value, (list, dict)) else value)
        for key, value in attrs.items()
    }


# ----------------------------------------------------------------------- forecast


def _check_series(series: pd.Series, name: str = "series") -> np.ndarray:
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
        seasonal=_SEASON,
        initialization_method="concentrated",
    )
    sarima = SARIMAX(
        log_y, order=(1, 0, 1), seasonal_order=(0, 1, 1, _SEASON), trend="c"
    )
    return [ets, sarima]


#: Fitted parameters by the data they were fitted on (a fit is a pure function
#: of the data): a report fits each port series once even when it asks for an
#: annual outlook and a monthly forecast chart of the same series.
_PARAMS_CACHE: dict[tuple, list[np.ndarray]] = {}
_PARAMS_CACHE_MAX = 256


def _estimate_params(log_y: pd.Series) -> list[np.ndarray]:
    """Maximum-likelihood parameters of the two components (cached by data)."""
    values = np.ascontiguousarray(log_y.to_numpy(dtype=float))
    key = (str(log_y.index[0]), str(log_y.index[-1]), len(values),
           hashlib.sha256(values.tobytes()).hexdigest())
    hit = _PARAMS_CACHE.get(key)
    if hit is None:
        hit = _fit_params(log_y)
        if len(_PARAMS_CACHE) >= _PARAMS_CACHE_MAX:
            _PARAMS_CACHE.pop(next(iter(_PARAMS_CACHE)))
        _PARAMS_CACHE[key] = hit
    return [p.copy() for p in hit]


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
        seasonal_periods=_SEASON,
    ).fit(disp=False)
    fitted = dict(zip(ets.param_names, np.asarray(ets.params, dtype=float)))
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
        seasonal_order=(0, 1, 1, _SEASON),
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


def _single_threaded_blas() -> threadpool_limits:
    """Context manager: BLAS single-threaded inside, previous setting restored after.

    The Kalman filter multiplies small matrices millions of times; on a busy
    machine OpenBLAS worker threads make that 10-30 times slower, not faster.
    ``threadpoolctl`` finds every BLAS library loaded in the process (the OpenBLAS
    copies bundled with numpy and scipy, MKL, ...); the limit is process-wide
    while the block runs.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _log_forecast(
    series: pd.Series,
    horizon: int,
    mask_pandemic: bool = True,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Combined log forecast: index, mean vector and covariance matrix.

    `mask_pandemic` and `window` exist so that the benchmark can compare pandemic
    treatments; the public functions use the defaults.
    """
    values = _check_series(series)
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


def _check_horizon(horizon_months: int, name: str = "horizon_months") -> int:
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
            "lower_80": np.exp(log_mean - _Z80 * log_sd),
            "upper_80": np.exp(log_mean + _Z80 * log_sd),
            "lower_95": np.exp(log_mean - _Z95 * log_sd),
            "upper_95": np.exp(log_mean + _Z95 * log_sd),
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
    >>> fc = forecast(monthly_crossings("2304", "Trucks"), 12)
    >>> fc.shape, str(fc.index[0].date())
    ((12, 5), '2022-08-01')
    >>> bool((fc.lower_95 <= fc.lower_80).all() and (fc.upper_80 <= fc.upper_95).all())
    True
    """
    horizon = _check_horizon(horizon_months)
    index, log_mean, log_cov = _log_forecast(series, horizon)
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
    >>> s = monthly_crossings("2304", "Trucks")
    >>> sn = seasonal_naive(s, 13)
    >>> bool(sn["mean"].iloc[0] == s.iloc[-12] and sn["mean"].iloc[12] == s.iloc[-12])
    True
    """
    horizon = _check_horizon(horizon_months)
    values = _check_series(series)
    if values.size < 2 * _SEASON:
        raise ModelDomainError(
            f"seasonal_naive needs at least {2 * _SEASON} months, got {values.size}"
        )
    log_y = np.log(values)
    sigma = np.sqrt(np.mean((log_y[_SEASON:] - log_y[:-_SEASON]) ** 2))
    steps = np.arange(1, horizon + 1)
    k = (steps - 1) // _SEASON
    point = values[-_SEASON:][(steps - 1) % _SEASON]
    log_sd = sigma * np.sqrt(k + 1)
    index = pd.date_range(
        series.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS"
    )
    frame = _interval_frame(index, np.log(point), log_sd, point)
    frame.attrs = {"model": "seasonal naive", "log_sd": log_sd}
    return frame


# ----------------------------------------------------------------------- backtest


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
    >>> s = monthly_crossings("2304", "Trucks")
    >>> table = backtest(s, ["2017-12"], horizons=(12,))
    >>> table[["method", "h_from", "h_to", "n"]].values.tolist()
    [['forecast', 1, 12, 12], ['seasonal_naive', 1, 12, 12]]
    """
    values = _check_series(series)
    if isinstance(horizons, (int, np.integer)):
        horizons = (horizons,)
    bounds = [_check_horizon(h, "horizons") for h in horizons]
    if any(b <= a for a, b in zip(bounds, bounds[1:])):
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
        scale = np.mean(np.abs(train_values[_SEASON:] - train_values[:-_SEASON]))
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
        spans = list(zip(edges[:-1], edges[1:]))
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


# ----------------------------------------------------------------- annual outlook


def _long_run_growth(series: pd.Series) -> tuple[float, str]:
    years = series.groupby(series.index.year).agg(["sum", "size"])
    full = years[(years["size"] == _SEASON)]
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

    horizon = (model_last_year - last.year) * _SEASON + (_SEASON - last.month)
    future, log_mean, log_cov = _log_forecast(series, horizon)
    sd = np.sqrt(np.diag(log_cov))
    # Joint lognormal moments of the monthly values.
    month_mean = np.exp(log_mean + sd**2 / 2)
    month_cov = np.outer(month_mean, month_mean) * np.expm1(log_cov)
    rows: dict[int, tuple[float, float, str]] = {}
    observed = series.groupby(index.year).agg(["sum", "size"])
    for year, (total, size) in observed.iterrows():
        if size == _SEASON:
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
            "lower_80": bound(-_Z80),
            "upper_80": bound(_Z80),
            "lower_95": bound(-_Z95),
            "upper_95": bound(_Z95),
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


# ----------------------------------------------------------------------- scaffold


def scaffold_site(site_id: str, port_code: str) -> dict:
    """Describe a port's traffic streams and base-year volumes for a new site.

    Parameters
    ----------
    site_id : str
        Identifier of the site file to be created, e.g. ``"laredo_wtb"``. [-]
    port_code : str
        Port code as in `monthly_crossings` (``"2402"`` means the El Paso area). [-]

    Returns
    -------
    dict
        Plain Python types, ready for YAML::

            {"site_id", "port_code", "port_name",
             "streams": [{"measure", "unit", "last_complete_year",
                          "annual_volume", "mean_daily_volume",
                          "filled_months", "notes"}],
             "source": {"title", "publisher", "href", "file", "sha256",
                        "licence", "data_end"}}

        ``annual_volume`` is the total of the last complete calendar year of the
        cleaned series [crossings/year]; ``mean_daily_volume`` is that total
        divided by the days of that year [crossings/day]; ``filled_months``
        lists (``YYYY-MM``) the filled months of that year.

    Raises
    ------
    ParameterError
        Empty `site_id` or unknown port.

    Notes
    -----
    Streams are the measures in `STREAM_MEASURES` (Trucks, Personal Vehicles,
    Pedestrians, Buses) that the port reports with a positive total in their
    last complete year. The data end in 2022-07, so the last complete year is
    2021 for most streams: a year inside the COVID-19 restrictions for personal
    vehicles, pedestrians and buses. The stream's ``notes`` say so; use
    `annual_outlook` for the volume in the analysis base year.

    Examples
    --------
    >>> site = scaffold_site("laredo", "2304")
    >>> [s["measure"] for s in site["streams"]]
    ['Trucks', 'Personal Vehicles', 'Pedestrians', 'Buses']
    >>> site["streams"][0]["last_complete_year"]
    2021
    """
    if not isinstance(site_id, str) or not site_id.strip():
        raise ParameterError(
            f"site_id must be a non-empty string, got {site_id!r}", key_path="site_id"
        )
    code = _resolve_port(port_code, combine_el_paso=True)
    _, sha256 = _load_data()
    frame, _ = _load_data()
    streams = []
    port_name = None
    for measure in STREAM_MEASURES:
        if measure not in _port_measures(code):
            continue
        series = _clean_series(code, measure)
        port_name = series.attrs["port_name"]
        counts = series.groupby(series.index.year).size()
        complete = counts[counts == _SEASON].index
        if len(complete) == 0:
            continue
        year = int(complete.max())
        in_year = series[series.index.year == year]
        total = float(in_year.sum())
        if total <= 0:
            continue
        days = 366 if pd.Timestamp(year=year, month=1, day=1).is_leap_year else 365
        notes = list(series.attrs["notes"])
        if measure not in FREIGHT_MEASURES and year in (2020, 2021):
            notes.append(
                f"{year} lies in the COVID-19 restrictions on non-essential "
                f"crossings ({PANDEMIC_FIRST_MONTH:%Y-%m} to "
                f"{PANDEMIC_LAST_MONTH:%Y-%m}): the volume is depressed; use "
                "annual_outlook for the base year"
            )
        streams.append(
            {
                "measure": measure,
                "unit": f"{_MEASURE_UNITS[measure]}/year",
                "last_complete_year": year,
                "annual_volume": total,
                "mean_daily_volume": total / days,
                "filled_months": [
                    f"{month:%Y-%m}"
                    for month in series.attrs["filled_months"]
                    if month.year == year
                ],
                "notes": notes,
            }
        )
    if port_name is None:
        port_name = "El Paso area" if code == EL_PASO_AREA else _port_names()[code]
    return {
        "site_id": site_id,
        "port_code": code,
        "port_name": port_name,
        "streams": streams,
        "source": {
            **_SOURCE,
            "sha256": sha256,
            "data_end": f"{frame['date'].max():%Y-%m}",
        },
    }
