"""Benchmark of the staffing allocation (cba.allocation) at one site.

Run with `make bench` (or `python tests/benchmarks/bench_allocation.py`). Prints,
for Pharr: the marginal table (one appraisal of every candidate block), the
best use of 1 M USD a year (integer program, then rounds against the full
model) and the service level of 30 minutes for Brownsville's standard trucks,
each timed once after a warm-up appraisal; the national portfolio of the
eight shipped sites (each site's budget curve and the frontier); and the
time of one deterministic appraisal as the unit the others are made of.
Targets on this machine: one site's allocation within 10 s, the eight-site
portfolio within 60 s. Compare ratios within one run.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    from cba import allocation
    from cba.appraisal import appraise
    from cba.params import load_site

    warnings.filterwarnings("ignore")
    pharr = load_site(ROOT / "parameters" / "sites" / "pharr_reynosa.yaml")
    bville = load_site(ROOT / "parameters" / "sites" / "brownsville_veterans.yaml")
    appraise(pharr)
    t = time.perf_counter()
    appraise(pharr)
    one = time.perf_counter() - t
    t = time.perf_counter()
    table = allocation.marginal_values(pharr)
    marginal = time.perf_counter() - t
    t = time.perf_counter()
    res = allocation.allocate(pharr, 1_000_000.0)
    alloc = time.perf_counter() - t
    t = time.perf_counter()
    sl = allocation.service_level(bville, 30.0, streams=["trucks_standard"])
    service = time.perf_counter() - t
    print(f"one deterministic appraisal (Pharr): {one:.2f} s")
    print(
        f"marginal values (Pharr, {len(table)} block-levels in one appraisal): "
        f"{marginal:.2f} s = {marginal / one:.1f} appraisals"
    )
    print(
        f"best use of 1 M USD a year (Pharr): {alloc:.2f} s = {alloc / one:.1f} "
        f"appraisals, {res.iterations} rounds, NPV {res.npv / 1e6:.2f} M USD "
        f"(target 10 s)"
    )
    print(
        f"service level 30 min (Brownsville standard trucks): {service:.2f} s, "
        f"{sl.rounds} appraisals"
    )
    sites = [
        load_site(p) for p in sorted((ROOT / "parameters" / "sites").glob("*.yaml"))
    ]
    t = time.perf_counter()
    curves, front = allocation.national(sites)
    order = allocation.entry_order(curves)
    national = time.perf_counter() - t
    top = front[front.budget == front.budget.max()]
    print(
        f"national portfolio ({len(sites)} sites, curves, frontier and entry "
        f"order): {national:.2f} s (target 60 s); at "
        f"{top.budget.iloc[0] / 1e6:.0f} M USD a year total NPV "
        f"{top.total_npv.iloc[0] / 1e6:.0f} M USD; first to enter: "
        f"{order.site.iloc[0]}"
    )


if __name__ == "__main__":
    main()
