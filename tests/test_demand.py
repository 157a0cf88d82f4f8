"""Tests for cba.demand: data quirks, forecasts, annual outlook, sampling, caches,
forecast chart data.

Expected values come from the packaged BTS extract
(cba/data/bts_border_crossings_us_mexico.csv, rows quoted in comments) and from
hand calculations with the rules stated in the cba.demand docstrings.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.resources
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info, threadpool_limits

from cba import demand
from cba.demand import data
from cba.demand.outlook import forecast_chart_data
from cba.exceptions import CBAError, ModelDomainError, ParameterError

# The package attribute cba.demand.forecast is the function of that name; the
# module that holds it is reached through the import system.
forecast_module = importlib.import_module("cba.demand.forecast")

# Documented in cba/data/README.md.
DATA_SHA256 = "50629fb113fa939d384764bbe6b0991320a6e39aa3015e8369118d26821ddba1"


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def laredo_trucks() -> pd.Series:
    return demand.monthly_crossings("2304", "Trucks")


@pytest.fixture(scope="module")
def laredo_forecast(laredo_trucks) -> pd.DataFrame:
    return demand.forecast(laredo_trucks, 60)


@pytest.fixture(scope="module")
def laredo_outlook() -> pd.DataFrame:
    return demand.annual_outlook("2304", "Trucks", 2019, 2050)


# ---------------------------------------------------------------------- data


def test_packaged_data_matches_documented_checksum():
    resource = importlib.resources.files("cba") / "data" / data._DATA_FILE
    assert hashlib.sha256(resource.read_bytes()).hexdigest() == DATA_SHA256


def test_available_series_lists_ports_measures_and_gaps():
    table = demand.available_series()
    assert list(table.columns) == [
        "port_code",
        "port_name",
        "measure",
        "unit",
        "first_month",
        "last_month",
        "n_missing_months",
    ]
    real = table[table.port_code != demand.EL_PASO_AREA]
    # cba/data/README.md: 116 port x measure series, 26 of them with gaps.
    assert len(real) == 116
    assert int((real.n_missing_months > 0).sum()) == 26
    otay = table[(table.port_code == "2506") & (table.measure == "Trucks")].iloc[0]
    assert otay.n_missing_months == 1
    assert otay.first_month == pd.Timestamp("1996-01-01")
    assert otay.last_month == pd.Timestamp("2022-07-01")
    assert (table.port_code == demand.EL_PASO_AREA).any()


def test_monthly_series_is_complete_float_monthly(laredo_trucks):
    s = laredo_trucks
    assert s.dtype == np.float64
    assert s.index.freqstr == "MS"
    assert s.index[0] == pd.Timestamp("1996-01-01")
    assert s.index[-1] == pd.Timestamp("2022-07-01")
    assert len(s) == 319  # 1996-01 .. 2022-07
    assert not s.isna().any()
    assert s.name == "2304 Laredo: Trucks"
    assert s.attrs["unit"] == "trucks/month"
    assert s.attrs["filled_months"] == []


def test_otay_mesa_trucks_gap_2021_11_is_filled_by_seasonal_rule():
    s = demand.monthly_crossings("2506", "Trucks")
    gap = pd.Timestamp("2021-11-01")
    assert gap in s.attrs["missing_months"]
    assert s.attrs["filled_months"] == [gap]
    assert s.attrs["fill_methods"][gap] == "seasonal"
    # CSV rows, Otay Mesa Trucks: 2020-10 90,864; 2020-11 81,841; 2020-12 76,273;
    # 2021-10 89,279; 2021-12 80,681. One missing month, so w = 1/2:
    # y = y[2020-11] * sqrt((y[2021-10]/y[2020-10]) * (y[2021-12]/y[2020-12])).
    expected = 81841 * np.sqrt((89279 / 90864) * (80681 / 76273))
    assert_allclose(s[gap], expected, rtol=1e-12)
    assert_allclose(s[gap], 83435.3, atol=0.1)
    # Observed neighbours are untouched.
    assert s["2021-10-01"] == 89279
    assert s["2021-12-01"] == 80681


def test_fill_gaps_falls_back_to_log_linear_then_linear():
    months = pd.date_range("2000-01-01", periods=5, freq="MS")
    filled, methods = data._fill_gaps(
        pd.Series([100.0, np.nan, np.nan, 800.0, 0.0], index=months)
    )
    # No year-earlier values: log-linear, 100 -> 200 -> 400 -> 800.
    assert_allclose(filled.to_numpy()[:4], [100, 200, 400, 800])
    assert set(methods.values()) == {"log-linear"}
    filled, methods = data._fill_gaps(pd.Series([0.0, np.nan, 30.0], index=months[:3]))
    assert_allclose(filled.to_numpy(), [0.0, 15.0, 30.0])
    assert methods[months[1]] == "linear"


def test_el_paso_area_is_continuous_across_2020_03_split():
    combined = demand.monthly_crossings(demand.EL_PASO_AREA, "Trucks")
    # DATA README: 2019-06 trucks, BTS El Paso 63,190 (then incl. Ysleta).
    assert combined["2019-06-01"] == 63190
    # CSV: 2020-03 El Paso 13,506 + Ysleta 53,842; 2020-02 El Paso 62,892.
    assert combined["2020-03-01"] == 13506 + 53842
    assert 0.9 < combined["2020-03-01"] / combined["2020-02-01"] < 1.2
    assert combined.attrs["port_code"] == "2402+2401"
    assert combined.index.freqstr == "MS" and not combined.isna().any()
    # Default combine_el_paso=True: "2402" means the El Paso area.
    pd.testing.assert_series_equal(demand.monthly_crossings("2402", "Trucks"), combined)


def test_el_paso_raw_series_breaks_and_warns():
    with pytest.warns(UserWarning, match="2402\\+2401"):
        raw = demand.monthly_crossings("2402", "Trucks", combine_el_paso=False)
    assert raw.attrs["port_code"] == "2402"
    assert raw["2020-03-01"] / raw["2020-02-01"] < 0.25  # 13,506 / 62,892
    ysleta = demand.monthly_crossings("2401", "Trucks", combine_el_paso=False)
    assert ysleta.index[0] == pd.Timestamp("2020-03-01")
    assert ysleta["2020-03-01"] == 53842


def test_ysleta_alone_with_combine_raises_and_points_to_el_paso_area():
    with pytest.raises(ParameterError, match=r"2402\+2401"):
        demand.monthly_crossings("2401", "Trucks")


def test_laredo_pedestrians_2022_06_is_replaced_by_rule():
    s = demand.monthly_crossings("2304", "Pedestrians")
    month = pd.Timestamp("2022-06-01")
    assert s.attrs["outliers"] == {month: 1349.0}
    assert month in s.attrs["filled_months"]
    # Neighbours 206,326 and 203,388; CBP's bridge-level count is 194,802.
    assert 180_000 < s[month] < 230_000
    assert s["2022-05-01"] == 206326 and s["2022-07-01"] == 203388


def test_outlier_rule_flags_isolated_dips_and_spikes_not_sustained_falls():
    values = pd.Series([100.0, 5.0, 110.0, 2000.0, 120.0, 10.0, 9.0, 11.0])
    flags = data._isolated_outliers(values)
    # 5 (dip), 2000 (spike) flagged; 10, 9, 11 form a sustained fall.
    assert flags.tolist() == [False, True, False, True, False, False, False, False]
    # Isolated zero months in a large series are flagged too (Santa Teresa trucks).
    santa_teresa = demand.monthly_crossings("2408", "Trucks")
    assert pd.Timestamp("1998-03-01") in santa_teresa.attrs["outliers"]
    assert (santa_teresa > 0).all()


def test_leading_zeros_are_dropped_with_a_note():
    s = demand.monthly_crossings("2504", "Personal Vehicles")
    # CSV: San Ysidro Personal Vehicles are 0 from 1996-01 to 1997-02.
    assert s.index[0] == pd.Timestamp("1997-03-01")
    assert any("leading zero" in note for note in s.attrs["notes"])


def test_returned_series_is_a_copy():
    s = demand.monthly_crossings("2304", "Trucks")
    s.iloc[0] = -1.0
    s.attrs["filled_months"].append("x")
    fresh = demand.monthly_crossings("2304", "Trucks")
    assert fresh.iloc[0] > 0
    assert fresh.attrs["filled_months"] == []


@pytest.mark.parametrize(
    ("port", "measure", "expected"),
    [
        ("9999", "Trucks", ["2304 (Laredo)", "2506 (Otay Mesa)", "2402+2401"]),
        ("2304", "Lorries", ["Trucks", "Personal Vehicles", "Pedestrians"]),
        (2304, "Trucks", ["2304 (Laredo)"]),
    ],
)
def test_unknown_port_or_measure_lists_valid_values(port, measure, expected):
    with pytest.raises(ParameterError) as info:
        demand.monthly_crossings(port, measure)
    for text in expected:
        assert text in str(info.value)
    assert isinstance(info.value, CBAError)


def test_measure_not_reported_at_port_lists_reported_ones():
    with pytest.raises(ParameterError, match="measures reported there: .*Trucks"):
        demand.monthly_crossings("2401", "Buses", combine_el_paso=False)


# ------------------------------------------------------------------ forecast


def test_forecast_shape_index_and_nesting(laredo_forecast):
    fc = laredo_forecast
    assert list(fc.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert fc.index.freqstr == "MS"
    assert fc.index[0] == pd.Timestamp("2022-08-01")
    assert len(fc) == 60
    assert (fc.to_numpy() > 0).all() and np.isfinite(fc.to_numpy()).all()
    assert (fc.lower_95 <= fc.lower_80).all()
    assert (fc.lower_80 <= fc["mean"]).all()
    assert (fc["mean"] <= fc.upper_80).all()
    assert (fc.upper_80 <= fc.upper_95).all()


def test_forecast_intervals_widen_with_horizon(laredo_forecast):
    fc = laredo_forecast
    log_width_80 = np.log(fc.upper_80 / fc.lower_80).to_numpy()
    log_width_95 = np.log(fc.upper_95 / fc.lower_95).to_numpy()
    assert (np.diff(log_width_80) >= -1e-12).all()
    assert (np.diff(log_width_95) >= -1e-12).all()
    assert log_width_95[-1] > 2 * log_width_95[0]
    # Intervals are lognormal quantiles: the median is the geometric mid-point.
    median = np.sqrt(fc.lower_80 * fc.upper_80)
    assert_allclose(median, np.sqrt(fc.lower_95 * fc.upper_95), rtol=1e-10)
    sd = fc.attrs["log_sd"]
    assert_allclose(fc["mean"], median * np.exp(sd**2 / 2), rtol=1e-10)


def test_forecast_level_is_plausible(laredo_trucks, laredo_forecast):
    # First forecast year within +/- 25 % of the last 12 observed months.
    last_year = laredo_trucks.iloc[-12:].sum()
    assert 0.75 < laredo_forecast["mean"].iloc[:12].sum() / last_year < 1.25


def test_forecast_rejects_bad_input(laredo_trucks):
    with pytest.raises(ParameterError, match="horizon_months"):
        demand.forecast(laredo_trucks, 0)
    with pytest.raises(ParameterError, match="gaps"):
        demand.forecast(laredo_trucks.drop(pd.Timestamp("2010-05-01")), 12)
    with pytest.raises(ModelDomainError, match="positive"):
        demand.forecast(laredo_trucks.where(laredo_trucks.index.year != 2001, 0.0), 12)
    with pytest.raises(ModelDomainError, match="at least 48"):
        demand.forecast(laredo_trucks["2017-01":], 12)


def test_seasonal_naive_repeats_last_year(laredo_trucks):
    sn = demand.seasonal_naive(laredo_trucks, 25)
    assert_allclose(sn["mean"].iloc[:12], laredo_trucks.iloc[-12:].to_numpy())
    assert_allclose(sn["mean"].iloc[12:24], laredo_trucks.iloc[-12:].to_numpy())
    width = np.log(sn.upper_95 / sn.lower_95).to_numpy()
    # sigma * sqrt(k + 1): constant within a year, sqrt(2) and sqrt(3) times later.
    assert_allclose(width[12] / width[0], np.sqrt(2))
    assert_allclose(width[24] / width[0], np.sqrt(3))


def test_backtest_table(laredo_trucks):
    table = demand.backtest(laredo_trucks, ["2016-12"], horizons=(12, 24))
    assert list(table.columns) == [
        "method",
        "h_from",
        "h_to",
        "n",
        "mape",
        "mase",
        "cov80",
        "cov95",
    ]
    assert table.method.tolist() == ["forecast"] * 3 + ["seasonal_naive"] * 3
    assert table[["h_from", "h_to"]].values.tolist() == [[1, 12], [13, 24], [1, 24]] * 2
    assert table.n.tolist() == [12, 12, 24] * 2
    assert ((table.mape > 0) & (table.mape < 0.5)).all()
    assert table[["cov80", "cov95"]].apply(lambda c: c.between(0, 1)).all().all()


def test_backtest_skips_pandemic_months(laredo_trucks):
    table = demand.backtest(laredo_trucks, ["2018-12"], horizons=(12, 24))
    # 2019-01..2019-12 scored, then only 2020-01 and 2020-02.
    assert table.n.tolist()[:3] == [12, 2, 14]
    with pytest.raises(ParameterError, match="origin"):
        demand.backtest(laredo_trucks, ["1990-01"], horizons=(12,))


# ------------------------------------------------------------ annual outlook


def test_annual_outlook_columns_years_and_observed_years(laredo_outlook, laredo_trucks):
    out = laredo_outlook
    assert list(out.columns) == [
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
        "log_sd",
    ]
    assert out.index.tolist() == list(range(2019, 2051))
    assert out.index.dtype.kind == "i"
    # Observed years: the sum of the months, no uncertainty.
    # CSV: Laredo Trucks 2021 total 2,568,471.
    assert_allclose(out.loc[2021, "mean"], 2568471)
    assert_allclose(out.loc[2019, "mean"], laredo_trucks["2019"].sum())
    assert out.loc[[2019, 2020, 2021], "log_sd"].eq(0).all()
    assert out.attrs["basis"][2022] == "model"
    assert out.attrs["basis"][2028] == "long-run"
    assert out.attrs["model_last_year"] == 2027


def test_annual_outlook_intervals_nest_and_widen(laredo_outlook):
    out = laredo_outlook
    assert (out.lower_95 <= out.lower_80).all()
    assert (out.lower_80 <= out["mean"]).all()
    assert (out["mean"] <= out.upper_80).all()
    assert (out.upper_80 <= out.upper_95).all()
    future = out.loc[2022:, "log_sd"].to_numpy()
    assert (future > 0).all()
    assert (np.diff(future) > 0).all()


def test_annual_outlook_long_run_rule(laredo_outlook):
    out = laredo_outlook
    g_lr = out.attrs["long_run_growth"]
    # Laredo trucks grew 3.7 %/year 1996-2019 (1,016k -> 2,365k): capped at 3 %.
    assert g_lr == demand.LONG_RUN_GROWTH_CAP
    growth = out["mean"].pct_change()
    g_last = out.loc[2027, "mean"] / out.loc[2026, "mean"] - 1
    for k in (1, 2, 10):
        expected = g_lr + (g_last - g_lr) * demand.GROWTH_DECAY_PER_YEAR**k
        assert_allclose(growth.loc[2027 + k], expected, rtol=1e-10)
    # Random-walk variance growth beyond the model horizon.
    step = out.loc[2027, "log_sd"] ** 2 - out.loc[2026, "log_sd"] ** 2
    assert_allclose(
        out.loc[2050, "log_sd"] ** 2, out.loc[2027, "log_sd"] ** 2 + 23 * step
    )


def test_annual_outlook_input_errors():
    with pytest.raises(ModelDomainError, match="first complete"):
        demand.annual_outlook("2304", "Trucks", 1990, 2030)
    with pytest.raises(ParameterError, match="end_year"):
        demand.annual_outlook("2304", "Trucks", 2030, 2025)
    with pytest.raises(ParameterError, match="long_run_growth"):
        demand.annual_outlook("2304", "Trucks", 2025, 2030, long_run_growth=-1.5)
    with pytest.raises(ParameterError, match="valid measures"):
        demand.annual_outlook("2304", "Lorries", 2025, 2030)


# ------------------------------------------------------------------- sampling


def test_sample_annual_paths_shape_and_seeding(laredo_outlook):
    outlook = laredo_outlook.loc[2025:]
    a = demand.sample_annual_paths(outlook, 500, np.random.default_rng(7))
    b = demand.sample_annual_paths(outlook, 500, np.random.default_rng(7))
    c = demand.sample_annual_paths(outlook, 500, np.random.default_rng(8))
    assert a.shape == (500, len(outlook))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a > 0).all()


@pytest.mark.parametrize("dependence", ["random_walk", "perfect"])
def test_sample_annual_paths_match_interval_quantiles(laredo_outlook, dependence):
    outlook = laredo_outlook.loc[2025:]
    n = 40_000
    paths = demand.sample_annual_paths(
        outlook, n, np.random.default_rng(20250101), dependence=dependence
    )
    q10, q90 = np.quantile(paths, [0.10, 0.90], axis=0)
    q025, q975 = np.quantile(paths, [0.025, 0.975], axis=0)
    # Sampling error of a quantile at n = 40,000 is well below 2 %.
    assert_allclose(q10, outlook.lower_80, rtol=0.02)
    assert_allclose(q90, outlook.upper_80, rtol=0.02)
    assert_allclose(q025, outlook.lower_95, rtol=0.03)
    assert_allclose(q975, outlook.upper_95, rtol=0.03)
    assert_allclose(paths.mean(axis=0), outlook["mean"], rtol=0.02)


def test_sample_annual_paths_dependence_structure():
    outlook = pd.DataFrame({"mean": [100.0, 100.0, 100.0], "log_sd": [0.1, 0.2, 0.3]})
    rng = np.random.default_rng(3)
    perfect = np.log(
        demand.sample_annual_paths(outlook, 20_000, rng, dependence="perfect")
    )
    walk = np.log(demand.sample_annual_paths(outlook, 20_000, rng))
    assert_allclose(np.corrcoef(perfect.T)[0, 2], 1.0)
    # Random walk: corr(x1, x3) = sd1 / sd3 = 1/3.
    assert_allclose(np.corrcoef(walk.T)[0, 2], 1 / 3, atol=0.03)


def test_sample_annual_paths_input_errors(laredo_outlook):
    with pytest.raises(ParameterError, match="Generator"):
        demand.sample_annual_paths(laredo_outlook, 10, 42)
    with pytest.raises(ParameterError, match="n_draws"):
        demand.sample_annual_paths(laredo_outlook, 0, np.random.default_rng(1))
    with pytest.raises(ParameterError, match="dependence"):
        demand.sample_annual_paths(
            laredo_outlook, 10, np.random.default_rng(1), dependence="copula"
        )
    shrinking = pd.DataFrame({"mean": [1.0, 1.0], "log_sd": [0.2, 0.1]})
    with pytest.raises(ModelDomainError, match="non-decreasing"):
        demand.sample_annual_paths(shrinking, 10, np.random.default_rng(1))


# ---------------------------------------------------------------- chart data

SITE_FILES = sorted(
    (Path(__file__).resolve().parent.parent / "parameters" / "sites").glob("*.yaml")
)


@pytest.mark.slow
@pytest.mark.parametrize("site_file", SITE_FILES, ids=lambda p: p.stem)
def test_forecast_chart_data_is_what_the_report_chart_plots(site_file, monkeypatch):
    """Every number report.plot_forecasts draws comes from forecast_chart_data, and
    that is the forecast the report used to fit itself (from the data's end to three
    years past the base year)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    from cba.appraisal import forecast_chart
    from cba.params import load_site
    from cba.report import plot_forecasts

    drawn = []  # (axes, method, x, ys) for every plot and fill_between call
    for method in ("plot", "fill_between"):
        original = getattr(Axes, method)

        def record(ax, x, *ys, _original=original, _method=method, **kwargs):
            drawn.append((ax, _method, x, ys))
            return _original(ax, x, *ys, **kwargs)

        monkeypatch.setattr(Axes, method, record)
    site = load_site(site_file)
    fig = plot_forecasts(site, forecast_chart(site))
    if fig is None:
        pytest.skip("no data-based streams")
    try:
        for ax in fig.axes:
            port, measure = re.fullmatch(
                r"Port (\S+): (.+) \(inbound\)", ax.get_title()
            ).groups()
            chart = forecast_chart_data(port, measure, 2010, site.info.base_year + 3)
            observed = chart[chart.basis == "observed"]
            future = chart[chart.basis == "forecast"]
            # what the report computed before it stopped fitting forecasts itself
            hist = demand.monthly_crossings(port, measure)
            old = demand.forecast(hist, 12 * (site.info.base_year - 2022 + 3))
            np.testing.assert_array_equal(
                future["value"].to_numpy(), old["mean"].to_numpy()
            )
            np.testing.assert_array_equal(
                future["upper_95"].to_numpy(), old["upper_95"].to_numpy()
            )
            calls = [(m, x, ys) for a, m, x, ys in drawn if a is ax]
            expected = [
                ("plot", observed.month, (observed.value,)),
                ("fill_between", future.month, (future.lower_95, future.upper_95)),
                ("fill_between", future.month, (future.lower_80, future.upper_80)),
                ("plot", future.month, (future.value,)),
            ]
            assert [m for m, _, _ in calls] == [m for m, _, _ in expected]
            for (_, x, ys), (_, want_x, want_ys) in zip(calls, expected, strict=True):
                np.testing.assert_array_equal(
                    pd.DatetimeIndex(x).to_numpy(), want_x.to_numpy()
                )
                for y, want in zip(ys, want_ys, strict=True):
                    # The chart draws thousands; the same division, to the bit.
                    np.testing.assert_array_equal(
                        np.asarray(y, dtype=float), want.to_numpy() / 1e3
                    )
    finally:
        plt.close(fig)


def test_forecast_chart_data_reuses_the_outlook_fit_and_the_data_end():
    demand.clear_caches()
    demand.annual_outlook("2506", "Trucks", 2025, 2045)
    fits = forecast_module.cache_info()["fitted_params"].misses
    chart = forecast_chart_data("2506", "Trucks", 2015, 2030)
    assert forecast_module.cache_info()["fitted_params"].misses == fits
    series = demand.monthly_crossings("2506", "Trucks")
    observed = chart[chart.basis == "observed"]
    assert observed.month.iloc[0] == pd.Timestamp("2015-01-01")
    np.testing.assert_array_equal(observed.value, series["2015":].to_numpy())
    assert observed[["lower_80", "upper_95"]].isna().all().all()
    future = chart[chart.basis == "forecast"]
    # Counted from the data's last month (2022-07), whole years to 2030.
    assert chart.attrs["last_observed_month"] == series.index[-1]
    assert future.month.iloc[0] == series.index[-1] + pd.offsets.MonthBegin(1)
    assert len(future) == 12 * (2030 - series.index[-1].year)
    fc = demand.forecast(series, len(future))
    np.testing.assert_array_equal(future.value, fc["mean"].to_numpy())
    for bound in ("lower_80", "upper_80", "lower_95", "upper_95"):
        np.testing.assert_array_equal(future[bound], fc[bound].to_numpy())
    assert (future.lower_95 <= future.lower_80).all()
    assert (future.upper_80 <= future.upper_95).all()


def test_forecast_chart_data_input_errors():
    with pytest.raises(ParameterError, match="horizon_end_year"):
        forecast_chart_data("2304", "Trucks", 2010, 2022)
    with pytest.raises(ParameterError, match="history_start_year"):
        forecast_chart_data("2304", "Trucks", 2023, 2028)
    with pytest.raises(ParameterError, match="integer year"):
        forecast_chart_data("2304", "Trucks", "2010", 2028)
    with pytest.raises(ParameterError, match="valid port codes"):
        forecast_chart_data("0000", "Trucks", 2010, 2028)


# ------------------------------------------------------------------- scaffold


def test_scaffold_site_laredo():
    site = demand.scaffold_site("laredo", "2304")
    assert site["site_id"] == "laredo"
    assert site["port_code"] == "2304" and site["port_name"] == "Laredo"
    measures = [s["measure"] for s in site["streams"]]
    assert measures == ["Trucks", "Personal Vehicles", "Pedestrians", "Buses"]
    trucks = site["streams"][0]
    assert trucks["last_complete_year"] == 2021
    assert_allclose(trucks["annual_volume"], 2568471)  # CSV sum of 2021 rows
    assert_allclose(trucks["mean_daily_volume"], 2568471 / 365)
    assert trucks["unit"] == "trucks/year"
    # Trucks were exempt from the 2020-21 restrictions; personal vehicles were not.
    assert not any("COVID-19" in note for note in trucks["notes"])
    assert any("COVID-19" in note for note in site["streams"][1]["notes"])
    assert site["source"]["sha256"] == DATA_SHA256
    assert site["source"]["data_end"] == "2022-07"
    assert isinstance(trucks["annual_volume"], float)


def test_scaffold_site_el_paso_and_omitted_streams():
    el_paso = demand.scaffold_site("el_paso", "2402")
    assert el_paso["port_code"] == demand.EL_PASO_AREA
    # San Ysidro has Trucks rows, but all zero (no commercial lanes): left out.
    san_ysidro = demand.scaffold_site("san_ysidro", "2504")
    assert [s["measure"] for s in san_ysidro["streams"]] == [
        "Personal Vehicles",
        "Pedestrians",
        "Buses",
    ]
    otay = demand.scaffold_site("otay", "2506")
    trucks = next(s for s in otay["streams"] if s["measure"] == "Trucks")
    assert trucks["filled_months"] == ["2021-11"]
    with pytest.raises(ParameterError, match="site_id"):
        demand.scaffold_site("", "2304")
    with pytest.raises(ParameterError, match="valid port codes"):
        demand.scaffold_site("x", "0000")


# -------------------------------------------------------------------- caches


def test_clear_caches_empties_every_cache(laredo_trucks):
    demand.forecast(laredo_trucks, 12)
    assert data.cache_info()["packaged_data"].currsize == 1
    assert forecast_module.cache_info()["fitted_params"].currsize >= 1
    demand.clear_caches()
    assert data.cache_info()["packaged_data"].currsize == 0
    assert forecast_module.cache_info()["fitted_params"].currsize == 0


def test_packaged_data_cache_hit_equals_fresh_read():
    demand.clear_caches()
    fresh = demand.monthly_crossings("2506", "Trucks")  # reads the file
    misses = data.cache_info()["packaged_data"].misses
    cached = demand.monthly_crossings("2506", "Trucks")
    info = data.cache_info()["packaged_data"]
    assert info.misses == misses and info.hits > 0
    pd.testing.assert_series_equal(cached, fresh, check_exact=True)
    assert cached.attrs == fresh.attrs
    assert demand.scaffold_site("otay", "2506") == demand.scaffold_site("otay", "2506")


def _forecast_values(fc: pd.DataFrame) -> np.ndarray:
    return np.column_stack([fc.to_numpy(), fc.attrs["log_sd"]])


def test_fitted_params_cache_hit_equals_fresh_fit(laredo_trucks):
    demand.clear_caches()
    fresh = demand.forecast(laredo_trucks, 24)
    info = forecast_module.cache_info()["fitted_params"]
    assert (info.misses, info.currsize) == (1, 1)
    # The key is the data's content: an equal copy hits, a changed value misses.
    hit = demand.forecast(laredo_trucks.copy(), 24)
    info = forecast_module.cache_info()["fitted_params"]
    assert (info.hits, info.misses) == (1, 1)
    np.testing.assert_array_equal(_forecast_values(hit), _forecast_values(fresh))
    changed = laredo_trucks.copy()
    changed.iloc[0] += 1.0
    demand.forecast(changed, 24)
    assert forecast_module.cache_info()["fitted_params"].misses == 2
    # After clearing, a refit gives the same numbers to the last bit.
    demand.clear_caches()
    refit = demand.forecast(laredo_trucks, 24)
    assert forecast_module.cache_info()["fitted_params"].misses == 1
    np.testing.assert_array_equal(_forecast_values(refit), _forecast_values(fresh))


def test_cached_parameters_cannot_be_changed_by_callers(laredo_trucks):
    demand.clear_caches()
    before = demand.forecast(laredo_trucks, 12)
    # The months the Trucks fit is estimated on: those before the freight window.
    estimation = np.log(laredo_trucks[laredo_trucks.index < "2020-04-01"])
    for params in forecast_module._estimate_params(estimation):
        params[:] = 0.5  # a caller scribbling on what it was given
    assert forecast_module.cache_info()["fitted_params"].hits == 1
    after = demand.forecast(laredo_trucks, 12)
    np.testing.assert_array_equal(_forecast_values(after), _forecast_values(before))


def test_fits_run_with_single_threaded_blas(laredo_trucks, monkeypatch):
    seen = []
    fit = forecast_module._fit_params

    def recording_fit(log_y):
        seen.append(
            [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        )
        return fit(log_y)

    monkeypatch.setattr(forecast_module, "_fit_params", recording_fit)
    demand.clear_caches()
    demand.forecast(laredo_trucks, 12)
    demand.clear_caches()  # drop the fit made through the recording wrapper
    assert len(seen) == 1
    assert all(n == 1 for n in seen[0])


def test_single_threaded_blas_guard_restores_thread_setting():
    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    if not blas_threads():
        pytest.skip("no BLAS library found by threadpoolctl")
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        with forecast_module._single_threaded_blas():
            inside = blas_threads()
        after = blas_threads()
    assert inside == [1] * len(before)
    assert after == before


def test_streams_of_one_port_series_share_each_drawn_path():
    """Standard and FAST trucks are shares of the same port's BTS series: in
    every draw their traffic is high or low together (ratio fixed by the
    shares), not two independent forecasts."""
    from cba.appraisal.inputs import build_inputs, draw_values
    from cba.appraisal.traffic import volume_paths
    from cba.params import load_site

    site = load_site("parameters/sites/pharr_reynosa.yaml")
    inp = build_inputs(site, draw_values(site, 50, seed=3))
    vols = volume_paths(inp, rng=np.random.default_rng(3))
    a, b = (site.file.streams[s].volume for s in ("trucks_standard", "trucks_fast"))
    assert (a.port_code, a.measure) == (b.port_code, b.measure)
    ratio = vols["trucks_standard"] / vols["trucks_fast"]
    shares = (
        inp.streams["trucks_standard"].volume.share
        / inp.streams["trucks_fast"].volume.share
    )
    np.testing.assert_allclose(ratio, np.broadcast_to(shares[:, None], ratio.shape))
    # and the paths do vary between draws
    assert np.std(vols["trucks_standard"][:, -1] / a.share.value) > 0
