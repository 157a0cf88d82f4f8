"""Rolling-origin backtest of cba.demand.forecast against seasonal-naive.

Run from the repository root::

    python tests/benchmarks/bench_demand_backtest.py

Design
------
* Ports: 2304 Laredo, 2305 Hidalgo, 2402+2401 El Paso area, 2604 Nogales,
  2408 Santa Teresa, 2301 Brownsville. Measures: Trucks, Personal Vehicles.
* Origins: December 2007, 2008, ..., 2018 (12 origins; the forecasts start in
  January 2008, ..., 2019). Each forecast may use the data up to its origin only.
* Horizons: 1-36 months, reported in buckets 1-12, 13-24, 25-36 and overall.
* Pandemic: target months 2020-03 to 2021-12 are not scored (no model could
  foresee the COVID-19 closure; scoring it would measure luck, not skill). The
  origins 2017-12 and 2018-12, whose 36-month horizon reaches into 2020-21, are
  therefore scored only on their months up to 2020-02 (26 and 14 months). No
  origin is dropped.
* A second, small check compares pandemic treatments on the only
  post-pandemic months the data have (2022-01 to 2022-07), from origins 2021-06,
  2021-09 and 2021-12: the shipped one (months treated as missing: 2020-04 to
  2020-06 for freight, 2020-03 to 2021-12 for travel), the long window for
  trucks too, and fitting the collapse as ordinary data.

Prints the tables and the run time only (the README quotes them).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from cba import demand
from cba.demand.forecast import Z80, Z95, log_forecast

PORTS = ["2304", "2305", demand.EL_PASO_AREA, "2604", "2408", "2301"]
MEASURES = ["Trucks", "Personal Vehicles"]
ORIGINS = [f"{year}-12" for year in range(2007, 2019)]
HORIZONS = (12, 24, 36)
PANDEMIC_CHECK_ORIGINS = ["2021-06", "2021-09", "2021-12"]


def run_backtests() -> pd.DataFrame:
    frames = []
    for measure in MEASURES:
        for port in PORTS:
            series = demand.monthly_crossings(port, measure)
            table = demand.backtest(series, ORIGINS, HORIZONS)
            table.insert(0, "measure", measure)
            table.insert(0, "port", f"{port} {series.attrs['port_name']}")
            frames.append(table)
    return pd.concat(frames, ignore_index=True)


def treatments(measure: str) -> list[tuple[str, bool, tuple | None]]:
    """Pandemic treatments compared: (label, mask months?, window or default)."""
    long_window = (demand.PANDEMIC_FIRST_MONTH, demand.PANDEMIC_LAST_MONTH)
    shipped = [("masked, shipped window", True, None)]
    if measure in demand.FREIGHT_MEASURES:
        shipped.append(("masked 2020-03..2021-12", True, long_window))
    return [*shipped, ("fitted as ordinary data", False, None)]


def pandemic_check() -> pd.DataFrame:
    """Score 2022-01..2022-07 from late-2021 origins, masked vs not masked."""
    rows = []
    for measure in MEASURES:
        for port in PORTS:
            series = demand.monthly_crossings(port, measure)
            for origin in PANDEMIC_CHECK_ORIGINS:
                train = series[:origin]
                horizon = len(series) - len(train)
                actual = series.iloc[len(train) :]
                keep = actual.index > demand.PANDEMIC_LAST_MONTH
                for label, mask, window in treatments(measure):
                    _, mean, cov = log_forecast(train, horizon, mask, window)
                    sd = np.sqrt(np.diag(cov))
                    point = np.exp(mean + sd**2 / 2)
                    y = actual.to_numpy()
                    z = np.abs(np.log(y) - mean) / sd
                    rows.append(
                        pd.DataFrame(
                            {
                                "measure": measure,
                                "treatment": label,
                                "ape": (np.abs(y - point) / y)[keep],
                                "in80": (z <= Z80)[keep],
                                "in95": (z <= Z95)[keep],
                            }
                        )
                    )
    detail = pd.concat(rows, ignore_index=True)
    return detail.groupby(["measure", "treatment"], sort=False).agg(
        n=("ape", "size"),
        MAPE=("ape", "mean"),
        cov80=("in80", "mean"),
        cov95=("in95", "mean"),
    )


def main() -> None:
    started = time.perf_counter()
    results = run_backtests()
    overall = results[(results.h_from == 1) & (results.h_to == HORIZONS[-1])]
    table = overall.assign(
        MAPE=lambda t: (100 * t.mape).round(1),
        MASE=lambda t: t.mase.round(2),
        cov80=lambda t: t.cov80.round(2),
        cov95=lambda t: t.cov95.round(2),
    )[["port", "measure", "method", "n", "MAPE", "MASE", "cov80", "cov95"]]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    print(
        f"Rolling-origin backtest, origins {ORIGINS[0]}..{ORIGINS[-1]} (yearly), "
        f"horizons 1-{HORIZONS[-1]} months, target months 2020-03..2021-12 not "
        "scored. MAPE in %, cov80/cov95 = share of actuals inside the intervals."
    )
    print(table.to_string(index=False))

    by_bucket = (
        results.assign(
            horizon=lambda t: t.h_from.astype(str) + "-" + t.h_to.astype(str),
            err=lambda t: t.mape * t.n,
            scaled=lambda t: t.mase * t.n,
            c80=lambda t: t.cov80 * t.n,
            c95=lambda t: t.cov95 * t.n,
        )
        .groupby(["measure", "method", "horizon"], sort=False)[
            ["n", "err", "scaled", "c80", "c95"]
        ]
        .sum()
    )
    summary = pd.DataFrame(
        {
            "n": by_bucket.n,
            "MAPE": (100 * by_bucket.err / by_bucket.n).round(1),
            "MASE": (by_bucket.scaled / by_bucket.n).round(2),
            "cov80": (by_bucket.c80 / by_bucket.n).round(2),
            "cov95": (by_bucket.c95 / by_bucket.n).round(2),
        }
    )
    print("\nPooled over the six ports, by horizon bucket and overall:")
    print(summary.to_string())

    wins = overall.pivot_table(
        index=["measure", "port"], columns="method", values="mape"
    )
    wins["forecast_beats_naive"] = wins["forecast"] < wins["seasonal_naive"]
    wins[["forecast", "seasonal_naive"]] = (
        100 * wins[["forecast", "seasonal_naive"]]
    ).round(1)
    print("\nMAPE %, forecast vs seasonal-naive (overall 1-36 months):")
    print(wins.to_string())

    check = pandemic_check()
    check["MAPE"] = (100 * check["MAPE"]).round(1)
    print(
        "\nPandemic treatment, scored on 2022-01..2022-07 from origins "
        f"{', '.join(PANDEMIC_CHECK_ORIGINS)} (six ports):"
    )
    print(check.round(2).to_string())
    print(f"\nRun time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
