"""Benchmark: one million hourly queue evaluations with cba.queueing.hourly_waits.

Run as a plain script (not collected by pytest)::

    python tests/benchmarks/bench_queueing.py

Workload: 10,000 Monte Carlo draws x 4 traffic streams x 24 hours = 960,000
hourly evaluations ("one million"), with a two-peak daily arrival profile that
over-saturates some draws at the peaks (utilisation up to about 2.4), draw-wise
arrival and processing-rate multipliers, and 3 to 25 booths per stream.

Floor: the same number of elementwise evaluations of the simplest queue-like
expression, ``a / (b * c - a)`` (one multiply, one subtract, one divide) on
arrays of identical shape: what numpy needs just to touch the data a few
times. The ratio says how many such array passes the hour-by-hour model costs.

Timing: ``time.perf_counter``, best of 3 runs, after one warm-up call.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from cba.queueing import hourly_waits

DRAWS = 10_000
HOURS = 24
SEED = 20250101
REPEATS = 3


def _inputs():
    rng = np.random.default_rng(SEED)
    hour = np.arange(HOURS)
    # two peaks (late morning, late afternoon) on a night-time base
    profile = (
        0.3
        + 0.7 * np.exp(-0.5 * ((hour - 10) / 2.5) ** 2)
        + 0.5 * np.exp(-0.5 * ((hour - 17) / 2.0) ** 2)
    )
    peak_arrivals = np.array([700.0, 300.0, 1500.0, 80.0])[:, None]  # vehicles/hour
    arrivals = rng.lognormal(0.0, 0.15, size=(DRAWS, 1, 1)) * peak_arrivals * profile
    servers = np.array([10, 6, 25, 3])[:, None] * np.ones(HOURS, dtype=int)
    services = np.array([60.0, 45.0, 60.0, 30.0])[:, None] * rng.lognormal(
        0.0, 0.1, size=(DRAWS, 4, 1)
    )
    service_cv = np.array([1.0, 0.5, 1.0, 2.0])[:, None]
    return arrivals, servers, services, service_cv


def _best_of(func, repeats=REPEATS):
    func()  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    arrivals, servers, services, service_cv = _inputs()
    waits = hourly_waits(arrivals, servers, services, service_cv)
    n_evals = waits.size

    model_s = _best_of(lambda: hourly_waits(arrivals, servers, services, service_cv))

    a = np.ascontiguousarray(arrivals)
    b = np.ascontiguousarray(np.broadcast_to(servers, a.shape).astype(float))
    c = np.ascontiguousarray(np.broadcast_to(services, a.shape))
    floor_s = _best_of(lambda: a / (b * c - a))

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"hourly evaluations: {n_evals:,} ({DRAWS:,} draws x 4 streams x {HOURS} hours)"
    )
    print(f"hourly_waits: {model_s:.3f} s (best of {REPEATS})")
    print(f"numpy floor a/(b*c-a) on the same arrays: {floor_s * 1e3:.2f} ms")
    print(f"ratio to floor: {model_s / floor_s:.0f}x")
    print(f"target < 1 s: {'met' if model_s < 1.0 else 'NOT met'}")
    print(
        f"max wait over draws: {np.max(waits) * 60:.1f} minutes; all finite: "
        f"{bool(np.all(np.isfinite(waits)))}"
    )


if __name__ == "__main__":
    main()
