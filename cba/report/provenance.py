"""What produced a report, and the result files it leaves behind.

Main functions: :func:`provenance` (package version, git commit, hashes of the
parameter and data files, seed, draws, time), :func:`save_results` (the CSVs
of a site), :func:`provenance_table`, :func:`provenance_html`.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from babel.dates import format_datetime

from .. import __version__
from ..analysis.verdict import option_verdicts
from ..appraisal import Appraisal
from ..i18n import _, locale
from ..params import Site, file_sha256
from .tables import table_html
from .workbook import write_workbook

__all__ = [
    "data_files",
    "provenance",
    "provenance_table",
    "provenance_html",
    "save_results",
]


def data_files() -> dict[str, str]:
    """SHA-256 of the package data files the models read."""
    from importlib import resources

    out = {}
    root = resources.files("cba") / "data"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            with resources.as_file(entry) as path:
                out[f"cba/data/{entry.name}"] = file_sha256(path)
    return out


def _git_state() -> tuple[str, bool | None]:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if commit.returncode != 0:
            return "unknown", None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return commit.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def provenance(
    site: Site, n_draws: int, seed: int, injected: dict | None = None
) -> dict:
    """What produced a report: versions, commit, file hashes, seed, draws, time."""
    commit, dirty = _git_state()
    return {
        "package_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "parameter_files": {_rel(k): v for k, v in site.files.items()},
        "data_files": data_files(),
        "seed": seed,
        "n_draws": n_draws,
        "run_time_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "injected_parameters": {
            k: (_rel(v) if k == "site_file" else v) for k, v in (injected or {}).items()
        },
    }


def _rel(path: str) -> str:
    p = Path(path).resolve()
    parts = p.parts
    if "parameters" in parts:
        return "/".join(parts[parts.index("parameters") :])
    return p.name


def provenance_table(prov: dict) -> pd.DataFrame:
    """Provenance as a two-column display table."""
    rows = []
    for k, v in prov.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                rows.append((f"{k}: {kk}", str(vv)))
        else:
            rows.append((k, str(v)))
    return pd.DataFrame(rows, columns=["item", "value"])


def provenance_html(prov: dict) -> str:
    """Provenance as HTML, headers in the report language and the run time as a
    date of its locale (Babel)."""
    t = provenance_table(prov)
    when = prov.get("run_time_utc")
    if when:
        try:
            stamp = dt.datetime.fromisoformat(str(when).replace("Z", "+00:00"))
            shown = format_datetime(stamp, "long", tzinfo=dt.UTC, locale=locale())
            t.loc[t["item"] == "run_time_utc", "value"] = shown
        except ValueError:
            pass
    t.columns = [_("Item"), _("Value")]
    return table_html(t, _("What produced this report"))


def save_results(
    site: Site, appraisal: Appraisal, out_dir: str | Path, prov: dict
) -> None:
    """Write ``results.csv`` (tidy cash flows then metrics), ``metrics.csv``,
    ``stakeholders.csv``, ``waits.csv``, ``stage_waits.csv`` (mean wait at each
    stage), ``responses.csv`` (trips made, lost and diverted by year),
    ``provenance.json`` and ``results.xlsx``
    (:func:`cba.report.workbook.write_workbook`) into ``out_dir``.

    ``results.csv`` starts with ``#`` comment lines holding the provenance, so
    ``pandas.read_csv(path, comment="#")`` reads it.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # The run time stays in provenance.json: same inputs and seed, same bytes.
    header = "".join(
        f"# {k}: {json.dumps(v, sort_keys=True)}\n"
        for k, v in prov.items()
        if k != "run_time_utc"
    )
    metrics = appraisal.metrics
    long_metrics = metrics.melt(
        id_vars=["site", "option", "discount_rate", "rate_name"],
        var_name="component",
        value_name="value",
    )
    long_metrics["side"] = "metric"
    body = pd.concat(
        [appraisal.cashflows.assign(discount_rate=np.nan, rate_name=""), long_metrics],
        ignore_index=True,
        sort=False,
    )
    with open(out / "results.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        body.to_csv(fh, index=False, float_format="%.6g")
    opts = site.file.options
    kinds = {oid: o.kind for oid, o in opts.items()}
    verdict = {}
    for rate in metrics["rate_name"].unique():
        for r in option_verdicts(metrics, kinds, rate).itertuples():
            verdict[(r.option, rate)] = "best: " + r.verdict if r.best else r.verdict
    named = metrics.assign(
        site_name=site.info.name,
        option_name=metrics["option"].map(lambda o: opts[o].name),
        option_name_es=metrics["option"].map(lambda o: opts[o].name_es or opts[o].name),
        option_kind=metrics["option"].map(lambda o: opts[o].kind),
        verdict=[
            verdict.get((o, r), "")
            for o, r in zip(metrics["option"], metrics["rate_name"], strict=True)
        ],
    )
    named.to_csv(out / "metrics.csv", index=False, float_format="%.10g")
    appraisal.stakeholders.to_csv(
        out / "stakeholders.csv", index=False, float_format="%.10g"
    )
    appraisal.waits.to_csv(out / "waits.csv", index=False, float_format="%.6g")
    if appraisal.stage_waits is not None:
        appraisal.stage_waits.to_csv(
            out / "stage_waits.csv", index=False, float_format="%.6g"
        )
    if appraisal.responses is not None:
        appraisal.responses.to_csv(
            out / "responses.csv", index=False, float_format="%.6g"
        )
    (out / "provenance.json").write_text(
        json.dumps(prov, indent=2, sort_keys=True), encoding="utf-8"
    )
    write_workbook(site, appraisal, out / "results.xlsx", prov)
