"""Demand data: the packaged BTS monthly crossing counts, cleaned and gap-free.

Main functions
--------------
available_series
    The port x measure series in the packaged data, with first and last month.
monthly_crossings
    A cleaned, gap-free monthly series [crossings/month] for one port and measure.
scaffold_site
    Streams and base-year volumes of a port, for building a site parameter file.
clear_caches, cache_info
    Empty and inspect the packaged-data cache (see Caches).

The module also defines the constants the other modules of `cba.demand` share:
the El Paso area pseudo port code `EL_PASO_AREA`; the COVID-19 windows
`PANDEMIC_FIRST_MONTH`, `PANDEMIC_LAST_MONTH` (travel), and
`FREIGHT_PANDEMIC_FIRST_MONTH`, `FREIGHT_PANDEMIC_LAST_MONTH` for the
`FREIGHT_MEASURES`; and `MONTHS_PER_YEAR`.

Data
----
The package ships ``cba/data/bts_border_crossings_us_mexico.csv``: BTS Border
Crossing Entry Data (inbound crossings by port and month, 1996-01 to 2022-07) for
ten US-Mexico ports; see ``cba/data/README.md`` for provenance. It is read once per
process (see Caches).

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

Caches
------
**Packaged-data cache** (``_load_data``, a ``functools.lru_cache``). The parsed
CSV (a DataFrame of 33,188 rows, about 9 MB) and the SHA-256 digest of the file's
bytes, so that the file is read and parsed once per process instead of several
times per call.

* Key: none; the one entry is the file shipped inside the package.
* Size bound: 1 entry.
* Never stale within a process: the file is package data, installed with the
  code and never written by it. Functions of this module only read the cached
  frame; every Series, table and dict they return is built anew from it, so a
  caller cannot change the cache by changing a result. A process that replaces
  the installed file must call `clear_caches` (or ``cba.demand.clear_caches``).

Cleaned series are not cached: `monthly_crossings` builds each one from the
cached frame in a few milliseconds.

References
----------
U.S. DOT Bureau of Transportation Statistics, "Border Crossing Entry Data",
dataset keg4-3bc2,
https://data.bts.gov/Research-and-Statistics/Border-Crossing-Entry-Data/keg4-3bc2
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import io
import warnings

import numpy as np
import pandas as pd

from cba.exceptions import ParameterError

__all__ = [
    "EL_PASO_AREA",
    "PANDEMIC_FIRST_MONTH",
    "PANDEMIC_LAST_MONTH",
    "FREIGHT_PANDEMIC_FIRST_MONTH",
    "FREIGHT_PANDEMIC_LAST_MONTH",
    "FREIGHT_MEASURES",
    "OUTLIER_FACTOR",
    "STREAM_MEASURES",
    "MONTHS_PER_YEAR",
    "available_series",
    "monthly_crossings",
    "scaffold_site",
    "clear_caches",
    "cache_info",
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

#: The traffic streams `scaffold_site` reports.
STREAM_MEASURES = ("Trucks", "Personal Vehicles", "Pedestrians", "Buses")

#: Months per calendar year, the seasonal period of the monthly series. [months]
MONTHS_PER_YEAR = 12

_DATA_FILE = "bts_border_crossings_us_mexico.csv"
_DATA_COLUMNS = ("port_name", "state", "port_code", "date", "measure", "value")

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


# -------------------------------------------------------------------------- caches


def clear_caches() -> None:
    """Empty the packaged-data cache; the next call reads the CSV file again.

    ``cba.demand.clear_caches`` empties every cache of the package.

    Examples
    --------
    >>> clear_caches()
    >>> cache_info()["packaged_data"].currsize
    0
    """
    _load_data.cache_clear()


def cache_info() -> dict:
    """Hits, misses, size bound and current size of this module's cache.

    Returns
    -------
    dict
        ``{"packaged_data": CacheInfo(hits, misses, maxsize, currsize)}``, the
        ``functools.lru_cache`` statistics of the packaged-data cache. [-]
    """
    return {"packaged_data": _load_data.cache_info()}


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=1)
def _load_data() -> tuple[pd.DataFrame, str]:
    """Read the packaged BTS CSV; return (frame, sha256).

    The packaged-data cache (module docstring): callers must not modify the frame.
    """
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
        needed = [
            a,
            b,
            a - MONTHS_PER_YEAR,
            b - MONTHS_PER_YEAR,
            *(block - MONTHS_PER_YEAR),
        ]
        seasonal_ok = min(needed) >= 0 and all(
            np.isfinite(y[i]) and y[i] > 0 for i in needed
        )
        if seasonal_ok:
            g_a = np.log(y[a] / y[a - MONTHS_PER_YEAR])
            g_b = np.log(y[b] / y[b - MONTHS_PER_YEAR])
            y[block] = y[block - MONTHS_PER_YEAR] * np.exp((1.0 - w) * g_a + w * g_b)
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


def _clean_series(port_code: str, measure: str) -> pd.Series:
    """Cleaned series for an existing (port_code, measure), built anew each call."""
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
    return _clean_series(code, measure)


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
        complete = counts[counts == MONTHS_PER_YEAR].index
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
