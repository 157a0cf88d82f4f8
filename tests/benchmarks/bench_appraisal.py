"""Benchmark of one site's appraisal: deterministic, Monte Carlo scaling and memory.

Run with `make bench` (or `python tests/benchmarks/bench_appraisal.py`). Prints:
- deterministic appraisal of one site (demand outlooks fitted beforehand, as in a
  notebook that appraises a site repeatedly), best of 5, three ways: a value no
  queue sees changed each time (the value of time: the queues are read back from
  memory, ``cba.cache.recent``), a queue input changed each time (primary
  processing time: every queue solved), and the first appraisal in a process
  with the fits on disk (what a notebook's first run costs);
- Monte Carlo time at 1,000 / 10,000 / 100,000 draws and the time per draw (a size
  whose time, estimated from the last one, exceeds ``CBA_BENCH_BUDGET`` seconds,
  600 by default, is skipped and the estimate printed);
- peak resident memory of a fresh process running 100,000 draws.
Compare ratios within one run: the machine is shared and absolute times vary.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "parameters" / "sites" / "pharr_reynosa.yaml"

CHILD = """
import resource, sys, time
from cba.params import load_site
from cba.appraisal import appraise, outlooks_for
site = load_site(sys.argv[1]); ol = outlooks_for(site)
appraise(site, outlooks=ol)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter(); appraise(site, n_draws=int(sys.argv[2]), seed=1, outlooks=ol)
dt = time.perf_counter() - t
print(before / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, dt)
"""

FIRST = """
import sys, time
from cba.params import load_site
from cba.appraisal import appraise, outlooks_for
site = load_site(sys.argv[1])
t = time.perf_counter(); appraise(site, outlooks=outlooks_for(site))
print(time.perf_counter() - t)
"""


def main() -> None:
    from cba.appraisal import appraise, outlooks_for
    from cba.params import load_site

    site = load_site(SITE)
    t0 = time.perf_counter()
    ol = outlooks_for(site)
    fit = time.perf_counter() - t0
    appraise(site, outlooks=ol)  # warm-up (compiles the queue kernel)
    vtts, minutes = "common.vtts_personal", "streams.trucks_standard.processing_minutes"
    econ = min(
        _time(lambda i=i: appraise(site, outlooks=ol, overrides={vtts: 19.0 + i / 10}))
        for i in range(5)
    )
    queue = min(
        _time(
            lambda i=i: appraise(site, outlooks=ol, overrides={minutes: 2.40 + i / 100})
        )
        for i in range(5)
    )
    first = [  # the first run writes the fits and compiled kernel if missing
        float(
            subprocess.run(
                [sys.executable, "-c", FIRST, str(SITE)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
        )
        for _ in range(2)
    ][-1]
    print(f"site: {site.id}; demand outlooks fitted once in {fit:.2f} s")
    print(
        f"deterministic appraisal, a value of time changed: {econ * 1000:.1f} ms "
        "(target < 50 ms)"
    )
    print(
        f"deterministic appraisal, a processing time changed: {queue * 1000:.1f} ms "
        "(target < 50 ms)"
    )
    print(
        f"deterministic appraisal, first in a new process (fits on disk): "
        f"{first * 1000:.0f} ms"
    )
    per = {}
    budget = float(os.environ.get("CBA_BENCH_BUDGET", "600"))
    for n in (1_000, 10_000, 100_000):
        if per:
            last = max(per)
            estimate = per[last] / last * n
            if estimate > budget:
                print(
                    f"Monte Carlo {n:>7,} draws: skipped, estimated {estimate:,.0f} s "
                    f"at {per[last] / last * 1e3:.1f} ms per draw (over the "
                    f"CBA_BENCH_BUDGET of {budget:,.0f} s; set it higher to run)"
                )
                continue
        if n < 100_000:
            dt = _time(lambda n=n: appraise(site, n_draws=n, seed=1, outlooks=ol))
            per[n] = dt
            print(
                f"Monte Carlo {n:>7,} draws: {dt:7.2f} s  "
                f"({dt / n * 1e6:6.1f} us per draw)"
            )
            continue
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(SITE), str(n)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        base_mb, peak_mb, dt = (float(x) for x in out)
        per[n] = dt
        print(
            f"Monte Carlo {n:,} draws: {dt:7.2f} s  ({dt / n * 1e6:6.1f} us per draw); "
            f"peak memory {peak_mb:.0f} MB (process before the run: {base_mb:.0f} MB; "
            "target < 1 GB)"
        )
    sizes = sorted(per)
    for a, b in zip(sizes, sizes[1:], strict=False):
        print(f"scaling {a:,} -> {b:,}: x{per[b] / per[a]:.1f} (linear = x{b // a})")
    print("targets: 10,000 draws < 3 s; 100,000 draws < 30 s within 1 GB")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
