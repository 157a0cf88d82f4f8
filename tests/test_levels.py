"""Calibration against measured levels (cba.analysis.levels) and the staffing
rule of hindcasts (booths that follow the year's traffic)."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from cba.analysis import cases, levels
from cba.exceptions import ParameterError
from cba.params import load_site

from .conftest import ROOT

SPECS = sorted((ROOT / "parameters" / "calibration").glob("*_levels.yaml"))
PHARR_SPEC = ROOT / "parameters" / "calibration" / "pharr_reynosa_trucks_levels.yaml"


# ------------------------------------------------------------------ the fit
def _fake(monkeypatch, model, feasible_up_to=math.inf):
    """Replace the site's model by ``model(factor)`` (minutes) for the fit."""

    def predicted(spec_path, factor, spec=None):
        if factor > feasible_up_to:
            raise ParameterError("cannot clear", key_path="x")
        return np.atleast_1d(model(factor))

    monkeypatch.setattr(levels, "predicted_levels", predicted)


def test_fit_recovers_a_power_law_and_its_interval(monkeypatch):
    # Pharr's spec has one strong observation (60 minutes, sigma 0.15). With
    # a model level = 20 k^3 the least-squares factor is (60/20)^(1/3) and the
    # Gauss-Newton standard error of log k is sigma / 3 (hand calculation).
    _fake(monkeypatch, lambda k: 20.0 * k**3)
    fit = levels.fit_levels(PHARR_SPEC)
    k = 3.0 ** (1 / 3)
    assert_allclose(fit.factor, k, rtol=2e-3)
    se = 0.15 / 3
    assert_allclose(
        fit.interval, (k * math.exp(-1.96 * se), k * math.exp(1.96 * se)), rtol=5e-3
    )
    assert fit.rms_log_error < 1e-3
    assert fit.table[0]["reported"] == 60.0 and fit.table[0]["sigma"] == 0.15


def test_fit_stays_where_every_day_clears(monkeypatch):
    # The level wants k = 3^(1/3) = 1.44, but beyond 1.2 the site's days do
    # not clear: the fit stops at the largest factor that clears.
    _fake(monkeypatch, lambda k: 20.0 * k**3, feasible_up_to=1.2)
    fit = levels.fit_levels(PHARR_SPEC)
    assert 1.19 < fit.max_feasible <= 1.2
    assert fit.factor <= fit.max_feasible + 1e-9
    assert fit.factor > 1.18
    assert fit.interval[1] <= fit.max_feasible + 1e-9


def test_weights_follow_strength():
    assert levels.STRENGTH_SIGMA["strong"] < levels.STRENGTH_SIGMA["moderate"]
    assert levels.STRENGTH_SIGMA["moderate"] < levels.STRENGTH_SIGMA["weak"]


# ------------------------------------------------------------- the specs
def _spec_copy(tmp_path, edit):
    shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    path = tmp_path / "parameters" / "calibration" / PHARR_SPEC.name
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize(
    "edit, where, words",
    [
        (lambda d: d.update(observations=["rfid_2099"]), "observations[0]", "not in"),
        (
            lambda d: d["scale_bounds"].update(low=1.5),
            "scale_bounds",
            "must enclose 1",
        ),
        (
            lambda d: d["targets"].update(
                {
                    "trucks_fast.processing_minutes": d["targets"][
                        "streams.trucks_fast.processing_minutes"
                    ]
                }
            ),
            "targets",
            "not a stream value",
        ),
    ],
)
def test_bad_spec_names_file_key_and_what_is_allowed(tmp_path, edit, where, words):
    path = _spec_copy(tmp_path, edit)
    with pytest.raises(ParameterError) as err:
        levels.fit_levels(path)
    assert where in str(err.value) and words in str(err.value)
    assert str(path) in str(err.value)


def test_bad_spec_exits_2_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from cba.cli import cli

    path = _spec_copy(tmp_path, lambda d: d.update(observations=["rfid_2099"]))
    res = CliRunner().invoke(cli, ["calibrate", str(path)])
    assert res.exit_code == 2
    assert "observations[0]" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_spec_and_observations_agree(spec):
    """Every observation a spec fits on says so (and names the spec); every
    observation that names a levels spec is in it."""
    doc = yaml.safe_load(spec.read_text())
    obs = yaml.safe_load(
        (ROOT / "parameters" / "observations" / f"{doc['site']}.yaml").read_text()
    )["observations"]
    rel = spec.relative_to(ROOT).as_posix()
    for oid in doc["observations"]:
        assert rel in (obs[oid].get("used_for_calibration") or ""), oid
    for oid, o in obs.items():
        if rel in (o.get("used_for_calibration") or ""):
            assert oid in doc["observations"]
    site = yaml.safe_load(
        (ROOT / "parameters" / "sites" / f"{doc['site']}.yaml").read_text()
    )
    for key in doc["targets"]:
        _, sid, field = key.split(".")
        assert field not in site["streams"][sid], f"{key} is in the site file too"


def test_calibrated_pharr_is_what_its_spec_gives():
    """The committed values come from the command (Pharr's spec, bytewise)."""
    from cba.analysis.calibration import calibrated_yaml

    out = ROOT / "parameters" / "calibrated" / "pharr_reynosa.yaml"
    committed = out.read_text(encoding="utf-8")
    day = yaml.safe_load(committed)["calibrated_on"]
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        doc, path = levels.level_calibrated_document(
            Path("parameters/calibration/pharr_reynosa_trucks_levels.yaml"), day
        )
    finally:
        os.chdir(old)
    assert path == out
    assert calibrated_yaml(doc) == committed


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_calibrated_values_carry_their_interval(spec):
    doc = yaml.safe_load(spec.read_text())
    cal = yaml.safe_load(
        (ROOT / "parameters" / "calibrated" / f"{doc['site']}.yaml").read_text()
    )
    site = load_site(ROOT / "parameters" / "sites" / f"{doc['site']}.yaml")
    for key, prior in doc["targets"].items():
        v = cal["values"][key]
        assert v["source"]["tag"] == "calibrated"
        assert spec.name in v["source"]["title"]
        d = v["distribution"]
        assert d["type"] == "triangular" and d["low"] <= v["value"] <= d["high"]
        assert d["low"] < d["high"]
        _, sid, field = key.split(".")
        assert getattr(site.file.streams[sid], field).value == v["value"]
        # One factor for all of a spec's targets.
        k = v["value"] / prior["value"]
        first = next(iter(doc["targets"]))
        k0 = cal["values"][first]["value"] / doc["targets"][first]["value"]
        assert_allclose(k, k0, rtol=0.01)


# ------------------------------------------------------- the staffing rule
def test_a_past_year_is_staffed_for_its_own_traffic():
    """With booths that follow traffic, a hindcast does not depend on how much
    traffic the year had: doubling it leaves the waits unchanged; with today's
    booth schedule it does not."""
    site = load_site(ROOT / "parameters" / "sites" / "pharr_reynosa.yaml")
    staffed = cases.staffed_for(site)
    streams = ["trucks_standard", "trucks_fast"]
    base = cases.period_site(site, 2012, streams=streams)
    data = base.file.model_dump(exclude_none=True)
    for sid in streams:
        data["streams"][sid]["volume"]["share"]["value"] *= 1.3
    import dataclasses

    from cba.params import SiteFile, parse

    busier = dataclasses.replace(base, file=parse(data, SiteFile, "x"))
    rule = [
        cases.period_results(v, [], staffed)["status_quo"]("wait", streams, [])
        for v in (base, busier)
    ]
    assert_allclose(rule[0], rule[1], rtol=1e-9)
    today = [
        cases.period_results(v, [])["status_quo"]("wait", streams, [])
        for v in (base, busier)
    ]
    assert today[1] > today[0] * 1.05


def test_calibration_table_lists_every_target_with_its_fit():
    table = levels.calibration_table(ROOT / "parameters")
    n = sum(len(yaml.safe_load(p.read_text())["targets"]) for p in SPECS)
    assert len(table) == n
    assert (table.low <= table.calibrated).all() and (
        table.calibrated <= table.high
    ).all()
    pharr = table[
        (table.site == "pharr_reynosa") & table.value.str.contains("standard")
    ]
    assert pharr.observations.iloc[0] == "rfid_2011"
    assert_allclose(pharr.factor.iloc[0], 2.431 / 2.06)
