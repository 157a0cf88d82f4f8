"""Benchmark of `cba run` for every shipped site against its floor.

The floor is the same number of papermill runs, at the same number of parallel
jobs, of a notebook that only imports the stack (cba, pandas, seaborn): the cost
of starting one kernel per report. Prints both times and their ratio (target
<= 1.5). Run with `make bench`.
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
    jobs = os.cpu_count() or 1
    sites = sorted((ROOT / "parameters" / "sites").glob("*.yaml"))
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
                        for i in range(len(sites))
                    ],
                )
            )
        floor = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cba.cli",
                "run",
                "--quiet",
                "--jobs",
                str(jobs),
                "--out",
                str(tmp / "reports"),
            ],
            cwd=ROOT,
            check=False,
        )
        run = time.perf_counter() - t
    print(f"{len(sites)} sites, {jobs} jobs")
    print(f"floor (papermill runs of an import-only notebook): {floor:.1f} s")
    print(f"cba run: {run:.1f} s")
    print(f"ratio cba run / floor: {run / floor:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
