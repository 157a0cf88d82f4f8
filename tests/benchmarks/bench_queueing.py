"""Benchmark: one million hourly queue evaluations with cba.queueing.hourly_waits.

``hourly_waits`` (``cba/queueing/timevarying.py``) checks and broadcasts the
inputs and calls the compiled kernel, ``fluid_queue`` in
``cba/queueing/_kernel.py``, with the default numerical settings
(``cba.queueing.DEFAULT_SETTINGS``). Both are timed: the whole call and the
kernel alone on the flattened (rows, hours) arrays.

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

Timing: ``time.perf_counter``, best of 3 runs, after one warm-up call. The
machine may be shared: compare ratios from one run rather than seconds across
runs.

Compile time: the hour-by-hour model runs a numba kernel, compiled on first
use and cached on disk. Two fresh Python processes are timed with an empty,
temporary numba cache directory (``NUMBA_CACHE_DIR``): the first compiles
(import, then the first call of ``hourly_waits`` on one day), the second
loads the machine code the first cached. The project's own cache is not
touched.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from cba.queueing import DEFAULT_SETTINGS, hourly_waits
from cba.queueing._kernel import fluid_queue

DRAWS = 10_000
HOURS = 24
SEED = 20250101
REPEATS = 3

# Run in a fresh process: import time and first-call time of hourly_waits.
_FIRST_CALL = """
import json, time
start = time.perf_counter()
import numpy as np
from cba.queueing import hourly_waits
imported = time.perf_counter()
hourly_waits(np.full(24, 1.0), np.ones(24), 2.0)
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "first_call_s": done - imported}))
"""


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


def _fresh_process_first_call(cache_dir: str) -> dict[str, float]:
    """Import and first-call times in a new interpreter using ``cache_dir``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    arrivals, servers, services, service_cv = _inputs()
    settings = DEFAULT_SETTINGS
    waits = hourly_waits(arrivals, servers, services, service_cv, settings=settings)
    n_evals = waits.size

    model_s = _best_of(
        lambda: hourly_waits(arrivals, servers, services, service_cv, settings=settings)
    )

    # the kernel alone, on the (rows, hours) arrays hourly_waits passes it
    shape = waits.shape
    lam, c, mu, cs = (
        np.ascontiguousarray(np.broadcast_to(v, shape).reshape(-1, HOURS), dtype=float)
        for v in (arrivals, servers, services, service_cv)
    )
    k = 0.5 * (1.0 + cs**2)
    kernel_waits = fluid_queue(lam, c, mu, k, settings).waits.reshape(shape)
    if not np.array_equal(kernel_waits, waits):
        raise AssertionError("the kernel alone does not reproduce hourly_waits")
    kernel_s = _best_of(lambda: fluid_queue(lam, c, mu, k, settings))

    a = np.ascontiguousarray(arrivals)
    b = np.ascontiguousarray(np.broadcast_to(servers, a.shape).astype(float))
    c = np.ascontiguousarray(np.broadcast_to(services, a.shape))
    floor_s = _best_of(lambda: a / (b * c - a))

    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache_dir:
        compiling = _fresh_process_first_call(cache_dir)
        cached = _fresh_process_first_call(cache_dir)

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"hourly evaluations: {n_evals:,} ({DRAWS:,} draws x 4 streams x {HOURS} hours)"
    )
    print(f"hourly_waits: {model_s:.3f} s (best of {REPEATS}, after a warm-up call)")
    print(
        f"kernel alone (cba.queueing._kernel.fluid_queue): {kernel_s:.3f} s; "
        f"{settings.substeps_per_hour} steps per hour"
    )
    print(f"numpy floor a/(b*c-a) on the same arrays: {floor_s * 1e3:.2f} ms")
    print(f"ratio to floor: {model_s / floor_s:.0f}x")
    print(f"target < 1 s: {'met' if model_s < 1.0 else 'NOT met'}")
    print(
        "fresh process, empty numba cache: import "
        f"{compiling['import_s']:.2f} s, first call (compiles) "
        f"{compiling['first_call_s']:.2f} s"
    )
    print(
        "fresh process, cached kernel: import "
        f"{cached['import_s']:.2f} s, first call {cached['first_call_s']:.2f} s"
    )
    print(
        f"max wait over draws: {np.max(waits) * 60:.1f} minutes; all finite: "
        f"{bool(np.all(np.isfinite(waits)))}"
    )


if __name__ == "__main__":
    main()
