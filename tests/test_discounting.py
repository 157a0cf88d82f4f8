"""Discounting and metrics pinned to spreadsheet values and hand calculations."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cba import discounting as d
from cba.exceptions import ModelDomainError


def test_excel_npv_example_first_flow_one_period_out():
    # Microsoft Excel NPV() help, example 1: rate 10 %, flows -10000, 3000, 4200, 6800
    # at the ends of years 1-4 -> 1,188.44. Our period 0 is the base year, so the
    # spreadsheet's first flow sits in period 1.
    assert_allclose(
        d.present_value([0, -10000, 3000, 4200, 6800], 0.10), 1188.44, atol=0.005
    )


def test_excel_npv_example_with_initial_investment():
    # Excel NPV() help, example 2: rate 8 %, investment 40,000 at the start, then
    # 8000, 9200, 10000, 12000, 14500 -> 1,922.06; with a loss of 9,000 in year 6
    # -> -3,749.47.
    flows = [-40000, 8000, 9200, 10000, 12000, 14500]
    assert_allclose(d.present_value(flows, 0.08), 1922.06, atol=0.005)
    assert_allclose(d.present_value(flows + [-9000], 0.08), -3749.47, atol=0.005)


def test_excel_irr_example():
    # Excel IRR() help: -70,000 then 12,000 15,000 18,000 21,000 26,000 -> 8.66 %;
    # the first four years only -> -2.12 %.
    assert_allclose(
        d.irr([-70000, 12000, 15000, 18000, 21000, 26000]), 0.0866, atol=5e-5
    )
    assert_allclose(d.irr([-70000, 12000, 15000, 18000, 21000]), -0.0212, atol=5e-5)


def test_irr_hand_calculation_two_years():
    # 60x^2 + 60x - 100 = 0 with x = 1/(1+r) -> x = 0.884437, r = 0.130662
    assert_allclose(d.irr([-100, 60, 60]), 0.1306623863, rtol=1e-9)


@pytest.mark.parametrize("flows", [[100, 50], [-100, -5], [0, 0, 0]])
def test_irr_none_where_no_sign_change(flows):
    assert d.irr(flows) is None


def test_pv_falls_as_rate_rises():
    flows = np.r_[-100.0, np.full(20, 15.0)]
    pvs = [d.present_value(flows, r) for r in (0.0, 0.02, 0.03, 0.07, 0.1)]
    assert all(a > b for a, b in zip(pvs, pvs[1:], strict=False))


def test_timing_conventions():
    assert_allclose(d.discount_factors(0.1, [1], "end"), [1 / 1.1])
    assert_allclose(d.discount_factors(0.1, [1], "mid"), [1 / 1.1**0.5])
    assert_allclose(d.discount_factors(0.1, [1], "begin"), [1.0])


def test_rate_outside_domain():
    with pytest.raises(ModelDomainError, match=r"\(-1, 1\)"):
        d.present_value([1, 2], 1.5)


def test_payback_hand_calculation():
    # -100 then 30 a year at 0 %: cumulative -70, -40, -10, +20 -> 3 + 10/30
    assert_allclose(d.discounted_payback([-100, 30, 30, 30, 30], 0.0), 3 + 10 / 30)
    assert np.isnan(d.discounted_payback([-100, 10, 10], 0.05))
    assert d.discounted_payback([0, 5, 5], 0.07) == 0.0


def test_payback_broadcasts_over_draws():
    flows = np.array([[-100, 30, 30, 30, 30], [-100, 60, 60, 0, 0]], dtype=float)
    assert_allclose(d.discounted_payback(flows, 0.0), [3 + 10 / 30, 1 + 40 / 60])


def test_bcr_nan_without_costs():
    assert np.isnan(d.benefit_cost_ratio(10.0, 0.0))
