"""Golden outputs: every shipped site appraised deterministically and with a
fixed-seed Monte Carlo, written with the product's own writers.

``python -m tests.golden`` rewrites ``tests/fixtures/golden/``; the test
``tests/test_golden.py`` regenerates the outputs into a temporary folder and
compares them byte for byte. Regenerate only in a commit that says which
results moved, by how much and why (CHANGELOG.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
SITES = ROOT / "parameters" / "sites"
#: The runs kept: folder name -> (draws, seed).
RUNS = {"deterministic": (0, None), "mc200": (200, 20250101)}


def write_outputs(out_dir: Path, n_draws: int, seed: int | None) -> list[Path]:
    """Appraise every shipped site; write its CSVs and summaries into ``out_dir``."""
    import pandas as pd

    from cba import batch
    from cba.analysis.sensitivity import risk_analysis
    from cba.appraisal import appraise
    from cba.params import load_site
    from cba.report import save_results

    out_dir.mkdir(parents=True, exist_ok=True)
    exact = []
    for f in sorted(SITES.glob("*.yaml")):
        site = load_site(f)
        result = appraise(site, n_draws=n_draws, seed=seed)
        save_results(site, result, out_dir / site.id, prov={})
        (out_dir / site.id / "provenance.json").unlink()
        # The workbook is a zip stamped with the time of writing; its numbers are
        # these CSVs' (tests/test_workbook.py checks that they agree).
        (out_dir / site.id / "results.xlsx").unlink()
        exact.append(result.metrics)
        if n_draws == 0:
            risk = risk_analysis(site, result)
            risk["tornado"].to_csv(
                out_dir / site.id / "tornado.csv", index=False, float_format="%.17g"
            )
            risk["switching"].to_csv(
                out_dir / site.id / "switching.csv", index=False, float_format="%.17g"
            )
            (out_dir / site.id / "sentences.txt").write_text(
                "".join(f"{k}: {v}\n" for k, v in risk["sentences"].items()),
                encoding="utf-8",
            )
    batch.write_summary(out_dir)
    # Every metric to the last bit, beside the product's rounded files.
    pd.concat(exact, ignore_index=True).to_csv(
        out_dir / "metrics_exact.csv", index=False, float_format="%.17g"
    )
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


def main() -> int:
    for name, (n, seed) in RUNS.items():
        files = write_outputs(GOLDEN / name, n, seed)
        print(f"{name}: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
