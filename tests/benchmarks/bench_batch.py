"""Benchmark of `cba run` for every shipped site against its floor.

The floor is as many papermill runs, at the same number of parallel jobs, of a
notebook that only imports the stack (cba, pandas, seaborn) as the batch executes
notebooks (a report per language, and a resumption page per language for a site
with scenarios): the cost of starting one kernel per notebook. The batch runs
three times with a cache of its own: empty (every fit and appraisal computed);
full, into a new folder (every notebook runs, reading what it computes from the
cache); and again into the first folder with nothing changed (what ``make
reports`` does the second time: every published report is kept). Prints the
times and the ratios to the floor (target <= 1.5).
``BENCH_DRAWS`` sets the draws (default: cba run's). Run with `make bench`.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _floor_one(args):
    import papermill

    nb, out = args
    papermill.execute_notebook(nb, out, kernel_name="python3", progress_bar=False)


def main() -> None:
    from cba import resumption

    jobs = os.cpu_count() or 1
    sites = sorted((ROOT / "parameters" / "sites").glob("*.yaml"))
    languages = 2
    scenarios = ROOT / "parameters" / "scenarios"
    notebooks = sum(
        languages * (1 + bool(resumption.scenario_files(s.stem, scenarios)))
        for s in sites
    )
    draws = os.environ.get("BENCH_DRAWS")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(
                "import cba.appraisal, cba.report, pandas, seaborn, matplotlib"
            )
        ]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        floor_nb = tmp / "floor.ipynb"
        nbformat.write(nb, floor_nb)
        t = time.perf_counter()
        with cf.ProcessPoolExecutor(jobs) as ex:
            list(
                ex.map(
                    _floor_one,
                    [
                        (str(floor_nb), str(tmp / f"f{i}.ipynb"))
                        for i in range(notebooks)
                    ],
                )
            )
        floor = time.perf_counter() - t
        env = dict(os.environ, CBA_CACHE_DIR=str(tmp / "cache"))
        cmd = [sys.executable, "-m", "cba.cli", "run", "--quiet", "--jobs", str(jobs)]
        if draws:
            cmd += ["--draws", draws]
        runs = []
        for i in (0, 1, 0):
            t = time.perf_counter()
            subprocess.run(
                cmd + ["--out", str(tmp / f"reports{i}")],
                cwd=ROOT,
                env=env,
                check=False,
            )
            runs.append(time.perf_counter() - t)
    print(
        f"{len(sites)} sites, {notebooks} notebooks, {jobs} jobs, "
        f"draws {draws or 'default'}"
    )
    print(
        f"floor ({notebooks} papermill runs of an import-only notebook): {floor:.1f} s"
    )
    print(
        f"cba run, empty cache: {runs[0]:.1f} s  ratio {runs[0] / floor:.2f} "
        "(target <= 1.5)"
    )
    print(
        f"cba run, full cache, new folder (every notebook runs): {runs[1]:.1f} s  "
        f"ratio {runs[1] / floor:.2f}"
    )
    print(
        f"cba run, nothing changed, same folder (reports kept): {runs[2]:.1f} s  "
        f"ratio {runs[2] / floor:.2f}"
    )


if __name__ == "__main__":
    main()
