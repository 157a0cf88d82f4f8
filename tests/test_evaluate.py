"""Wiring of the appraisal: identities, signs and hand-checkable cases."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cba import discounting
from cba.appraisal import CASHFLOW_COLUMNS, METRIC_COLUMNS, appraise

from .conftest import COMMON, PARAMS


def test_tidy_columns(good_appraisal):
    assert list(good_appraisal.cashflows.columns) == CASHFLOW_COLUMNS
    assert list(good_appraisal.metrics.columns) == METRIC_COLUMNS
    assert set(good_appraisal.cashflows["side"]) <= {"benefit", "cost", "transfer"}
    assert (good_appraisal.cashflows["dollar_year"] == 2024).all()


def test_three_rates_per_option(good_appraisal):
    m = good_appraisal.metrics
    assert sorted(m["discount_rate"].unique()) == [0.02, 0.03, 0.07]
    assert len(m) == 3 * 3


def test_status_quo_is_zero(good_appraisal):
    sq = good_appraisal.metrics.query("option == 'status_quo'")
    assert (sq[["pv_benefits", "pv_costs", "npv"]] == 0).all().all()


def test_npv_equals_pv_of_cashflows(good_appraisal):
    cf = good_appraisal.cashflows
    for (opt, rate), row in good_appraisal.metrics.set_index(
        ["option", "discount_rate"]
    ).iterrows():
        sub = cf[(cf.option == opt) & (cf.side != "transfer")]
        signed = np.where(sub.side == "benefit", sub.value, -sub.value)
        pv = (signed * discounting.discount_factors(rate, sub.year - 2025)).sum()
        assert_allclose(pv, row["npv"], rtol=1e-9, atol=1e-6)


def test_stakeholders_sum_to_npv(good_appraisal):
    s = good_appraisal.stakeholders.groupby(["option", "discount_rate"])["pv_net"].sum()
    m = good_appraisal.metrics.set_index(["option", "discount_rate"])["npv"]
    assert_allclose(s.loc[m.index].to_numpy(), m.to_numpy(), rtol=1e-9, atol=1e-6)


def test_transfers_cancel(good_appraisal):
    t = good_appraisal.cashflows.query("side == 'transfer'")
    assert len(t) > 0
    assert_allclose(
        t.groupby(["option", "year"])["value"].sum().to_numpy(), 0.0, atol=1e-6
    )


def test_reimbursement_equals_officer_cost_hand(good_appraisal):
    # 2 booths x 8 hours = 16 booth-hours a day x 365 x 1 officer x 95 $ x 1.5
    cf = good_appraisal.cashflows
    officer = cf.query(
        "option == 'sponsor_staffing' and component == 'officer_time' and year == 2027"
    )
    assert_allclose(officer["value"].sum(), 16 * 365 * 95.0 * 1.5)
    sponsor = cf.query(
        "option == 'sponsor_staffing' and component == 'staffing_reimbursement' "
        "and stakeholder == 'sponsor' and year == 2027"
    )
    assert_allclose(sponsor["value"].sum(), -16 * 365 * 95.0 * 1.5)


def test_toll_revenue_hand(good_appraisal):
    # 0.50 $ x 365,000 trucks a year
    cf = good_appraisal.cashflows
    toll = cf.query(
        "option == 'sponsor_staffing' and component == 'toll_surcharge' "
        "and stakeholder == 'sponsor' and year == 2030"
    )
    assert_allclose(toll["value"].sum(), 0.5 * 365000)


def test_capital_and_residual(good_appraisal):
    cf = good_appraisal.cashflows.query("option == 'donated_lanes'")
    cap = cf.query("component == 'capital'").set_index("year")["value"]
    assert cap.loc[2026] == 2_000_000 and cap.drop(2026).abs().sum() == 0
    # bought 2026, 20-year life, analysis ends 2035 after 10 years of service
    # -> half left
    res = cf.query("component == 'residual_value'").set_index("year")["value"]
    assert_allclose(res.loc[2035], -1_000_000)


def test_more_booths_means_less_delay(good_appraisal):
    d = good_appraisal.delay.query("year == 2027 and stream == 'trucks'").set_index(
        "option"
    )
    base = d.loc["status_quo", "delay_vehicle_hours_per_day"]
    assert d.loc["sponsor_staffing", "delay_vehicle_hours_per_day"] < base
    assert d.loc["donated_lanes", "delay_vehicle_hours_per_day"] < base
    b = good_appraisal.metrics.query("option != 'status_quo'")["pv_benefits"]
    assert (b > 0).all()


def test_overrides_move_results(good_site, good_appraisal):
    hi = appraise(good_site, overrides={"common.vtts_truck_driver": 71.40})
    m0 = good_appraisal.metrics.set_index(["option", "discount_rate"])
    m1 = hi.metrics.set_index(["option", "discount_rate"])
    assert (
        m1.loc["sponsor_staffing", "pv_benefits"]
        > m0.loc["sponsor_staffing", "pv_benefits"]
    ).all()


def test_monte_carlo_without_distributions_equals_deterministic(good_site):
    """A run with every distribution removed equals the deterministic run."""
    from dataclasses import replace

    def strip(model):
        data = model.model_dump()

        def walk(x):
            if isinstance(x, dict):
                if "distribution" in x:
                    x["distribution"] = None
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(data)
        return type(model).model_validate(data)

    fixed = replace(
        good_site,
        file=strip(good_site.file),
        common={k: strip(v) for k, v in good_site.common.items()},
    )
    det = appraise(fixed)
    mc = appraise(fixed, n_draws=50, seed=3)
    assert_allclose(mc.metrics["npv"], det.metrics["npv"], rtol=1e-9)


def test_monte_carlo_is_seeded(good_site):
    a = appraise(good_site, n_draws=30, seed=11)
    b = appraise(good_site, n_draws=30, seed=11)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert a.npv_draws["npv"].std() > 0


def test_breakeven_toll_hand(good_appraisal):
    # Sponsor reimburses 16 booth-hours x 365 days x 95 $ x 1.5 = 832,200 $ a year from
    # 2026; tolled crossings are 365,000 trucks a year over the same years, so the
    # break-even surcharge is 832,200 / 365,000 = 2.28 $ at any discount rate.
    m = good_appraisal.metrics.query("option == 'sponsor_staffing'")
    assert_allclose(m["breakeven_toll_usd"], 832200 / 365000, rtol=1e-9)
    # donated lanes: sponsor pays capital and upkeep and every stream could be tolled
    d = good_appraisal.metrics.query("option == 'donated_lanes'")
    assert (d["breakeven_toll_usd"] > 0).all()
    assert (
        good_appraisal.metrics.query("option == 'status_quo'")["breakeven_toll_usd"]
        .isna()
        .all()
    )


def test_monte_carlo_summary_columns(good_site):
    mc = appraise(good_site, n_draws=40, seed=5)
    m = mc.metrics
    for col in ("npv_p05", "npv_p50", "npv_p95", "p_npv_positive", "p_best"):
        assert col in m.columns
    assert (m["npv_p05"] <= m["npv_p50"]).all() and (m["npv_p50"] <= m["npv_p95"]).all()
    assert_allclose(m.groupby("rate_name")["p_best"].sum(), 1.0)


def test_queue_keeps_base_year_traffic_at_the_level_booths_were_set_for(good_site):
    """A scenario with 20 % more base-year traffic has the same waits (the booth
    schedule reproduces today's waits at today's traffic) and 20 % more vehicles
    saving time: PV benefits scale by exactly 1.2, costs do not move."""
    import numpy as np

    from cba.appraisal import appraise

    base = (
        appraise(good_site)
        .metrics.query("rate_name == 'discount_rate_base'")
        .set_index("option")
    )
    key = "streams.trucks.volume.annual"
    res = appraise(
        good_site, overrides={key: np.array([365000.0, 365000.0 * 1.2])}, n_scenarios=2
    )
    npv = res.npv_draws.query(
        "rate_name == 'discount_rate_base' and option == 'donated_lanes'"
    )["npv"]
    b, c = (
        base.loc["donated_lanes", "pv_benefits"],
        base.loc["donated_lanes", "pv_costs"],
    )
    assert npv.iloc[0] == pytest.approx(b - c, rel=1e-9)
    assert npv.iloc[1] == pytest.approx(1.2 * b - c, rel=1e-9)


def _with_secondary_cv(tmp_path, cv):
    import yaml

    from cba.params import load_site

    doc = yaml.safe_load((PARAMS / "good_site.yaml").read_text())
    for s in doc["streams"].values():
        s["secondary_cv"] = {
            "description": "CV of secondary inspection time",
            "value": cv,
            "unit": "/1",
            "source": {"assumption": "a", "rationale": "r", "owner": "site analyst"},
        }
    path = tmp_path / f"cv_{cv}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_site(path, COMMON)


def test_secondary_cv_flows_from_the_file_to_the_queue(tmp_path, good_appraisal):
    """A per-stream parameter needs only its schema field and its use: a CV of 1
    is the exponential default (same numbers), a larger one lengthens secondary
    waits."""
    same = appraise(_with_secondary_cv(tmp_path, 1.0))
    pd.testing.assert_frame_equal(same.metrics, good_appraisal.metrics)
    pd.testing.assert_frame_equal(same.waits, good_appraisal.waits)
    more = appraise(_with_secondary_cv(tmp_path, 2.0))

    def sq_delay(a):
        return a.delay.query("option == 'status_quo'")[
            "delay_vehicle_hours_per_day"
        ].sum()

    assert sq_delay(more) > sq_delay(good_appraisal)
    from cba.params import iter_params

    keys = {k for k, _ in iter_params(_with_secondary_cv(tmp_path, 2.0))}
    assert any(k.startswith("streams.") and k.endswith(".secondary_cv") for k in keys)


def test_cumulative_npv_ends_at_the_npv(good_appraisal):
    """The yearly table is the spreadsheet view of the same numbers: its last
    cumulative NPV is the option's NPV at every rate."""
    y = good_appraisal.yearly
    last = y.groupby(["option", "rate_name"])["cumulative_npv"].last()
    m = good_appraisal.metrics.query("option != 'status_quo'")
    m = m.set_index(["option", "rate_name"])["npv"]
    assert_allclose(last.loc[m.index].to_numpy(), m.to_numpy(), rtol=1e-12, atol=1e-6)
    assert_allclose(y["net"], y["benefits"] - y["costs"])


def test_compare_puts_appraisals_side_by_side(good_site, good_appraisal):
    import math

    from cba.analysis import COMPARE_COLUMNS, compare
    from cba.exceptions import ParameterError

    kinds = {good_site.id: {o: x.kind for o, x in good_site.file.options.items()}}
    slow = appraise(good_site, overrides={"streams.trucks.processing_minutes": 3.5})
    t = compare(base=good_appraisal, slow=slow, kinds=kinds)
    assert list(t.columns) == COMPARE_COLUMNS
    assert list(t["label"].unique()) == ["base", "slow"]
    base = t[t["label"] == "base"].set_index("option")
    other = t[t["label"] == "slow"].set_index("option")
    m = good_appraisal.metrics
    m = m[m["rate_name"] == "base"].set_index("option")
    for oid in m.index:  # central values, the change against the first
        assert base.loc[oid, "npv"] == m.loc[oid, "npv"]
        assert base.loc[oid, "npv_change"] == 0
        assert math.isclose(
            other.loc[oid, "npv_change"], other.loc[oid, "npv"] - m.loc[oid, "npv"]
        )
    assert base.loc["status_quo", "verdict"] == ""
    assert (t["verdict"].str.len() > 0).sum() >= 2
    pair = compare(good_appraisal, good_appraisal)
    assert list(pair["label"].unique()) == ["good_site", "good_site#2"]
    with pytest.raises(ParameterError, match="not an Appraisal"):
        compare(base=good_site)
    with pytest.raises(ParameterError, match="no discount rate named 'nope'"):
        compare(good_appraisal, rate_name="nope")
