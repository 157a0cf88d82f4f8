"""Small model families pinned to hand calculations."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cba import benefits, costs, emissions, staffing, uncertainty, units
from cba.exceptions import ModelDomainError
from cba.params import Distribution


def test_time_savings_hand():
    # 1,000 vehicle-hours x 1.52 persons x 19.40 $/person-hour = 29,488 $
    assert_allclose(benefits.time_savings_usd(1000.0, 1.52, 19.40), 29488.0)


def test_time_savings_keeps_series_index():
    s = pd.Series([10.0, 20.0], index=pd.Index([3, 7], name="draw"))
    out = benefits.time_savings_usd(s, 1.0, 2.0)
    assert list(out.index) == [3, 7] and out.tolist() == [20.0, 40.0]


def test_fuel_and_emissions_hand():
    # 1,000 truck-hours at 0.49 gal/h -> 490 gal; at 3.10 $/gal -> 1,519 $;
    # CO2 490 x 10,180 g = 4.9882 t; NOx 490 x 50 g = 0.0245 t -> x 7,974 $/t = 195.36 $
    gal = benefits.fuel_saved_gal(1000.0, 0.49)
    assert_allclose(gal, 490.0)
    assert_allclose(benefits.fuel_savings_usd(1000.0, 0.49, 3.10), 1519.0)
    assert_allclose(emissions.emissions_t(gal, 10180.0), 4.9882)
    assert_allclose(
        emissions.damage_usd(emissions.emissions_t(gal, 50.0), 7974.0), 195.363
    )


def test_cargo_time_hand():
    # a year of truck-hours (8,760) for a 100,000 $ load at 15 %/yr = 15,000 $
    assert_allclose(benefits.cargo_time_savings_usd(8760.0, 1e5, 0.15), 15000.0)


def test_staffing_cost_hand():
    # 2 booths x 8 h a day x 365 days x 1 officer = 5,840 officer-hours; x 95 $ x 1.5
    hours = staffing.officer_hours_per_year(16.0, 1.0, 365.0)
    assert hours == 5840.0
    assert_allclose(staffing.staffing_cost_usd(hours, 95.0, 1.5), 832200.0)


def test_capital_renewal_and_residual():
    # 100 bought in period 1, life 4, horizon periods 0..10: renewals at 5 and 9;
    # the asset bought at 9 has served 2 of 4 years at period 10 -> residual 50
    outlay, resid = costs.capital_flows(100.0, 4.0, 1, 11)
    assert outlay.tolist() == [0, 100, 0, 0, 0, 100, 0, 0, 0, 100, 0]
    assert resid.tolist() == [0] * 10 + [50.0]


def test_cpi_conversion_hand():
    cpi = {2015: 237.017, 2024: 313.689}
    # 107 $ of 2015 -> 107 x 313.689 / 237.017 = 141.6131 $ of 2024
    assert_allclose(units.to_dollar_year(107.0, 2015, 2024, cpi), 141.61315, rtol=1e-6)
    with pytest.raises(ModelDomainError, match="no value for 2030"):
        units.to_dollar_year(1.0, 2030, 2024, cpi)


def test_mxn_conversion():
    assert_allclose(units.mxn_to_usd(183.062, 2024, {2024: 18.3062}), 10.0)


@pytest.mark.parametrize(
    "dist",
    [
        Distribution(type="uniform", low=1.0, high=3.0),
        Distribution(type="triangular", low=1.0, mode=1.5, high=3.0),
        Distribution(type="pert", low=1.0, mode=1.5, high=3.0),
        Distribution(type="normal", mean=2.0, sd=0.3),
        Distribution(type="normal", mean=2.0, sd=0.5, low=1.0, high=3.0),
        Distribution(type="lognormal", median=2.0, gsd=1.3),
    ],
)
def test_sampling_matches_distribution(dist):
    x = uncertainty.sample(dist, 200_000, np.random.default_rng(7))
    lo, hi = dist.support()
    assert x.min() >= lo and x.max() <= hi
    # sample quantiles within 0.01 of the exact ones
    for q in (0.1, 0.5, 0.9):
        assert abs(np.quantile(x, q) - float(uncertainty.quantile(dist, q))) < 0.01


def test_sampling_is_seeded():
    d = Distribution(type="uniform", low=0.0, high=1.0)
    a = uncertainty.sample(d, 5, np.random.default_rng(3))
    b = uncertainty.sample(d, 5, np.random.default_rng(3))
    assert (a == b).all()


def test_table_html_escapes_and_captions():
    from cba.report import table_html

    html = table_html(pd.DataFrame({"name": ["<b>x</b>"]}), "A <caption>")
    assert "<caption>A &lt;caption&gt;</caption>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
