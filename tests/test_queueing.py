"""Tests for cba.queueing: stationary formulas, the hour-by-hour model and a
discrete-event simulation check with ciw.

The simulation tests are marked ``slow``; they run in about 30-40 s on two
cores (a process pool of two workers).
"""

from __future__ import annotations

import dataclasses
import doctest
import math
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cba.queueing
from cba.exceptions import ModelDomainError
from cba.queueing import (
    DEFAULT_SETTINGS,
    QueueSettings,
    _kernel,
    allen_cunneen_wait_hours,
    daily_delay_vehicle_hours,
    erlang_c,
    hourly_waits,
    mmc_mean_wait_hours,
    two_stage_hourly_waits,
)
from tests.queueing_reference import fluid_queue_reference

# ---------------------------------------------------------------------------
# Erlang C pinned to high-precision values
# ---------------------------------------------------------------------------

# (servers, utilisation, Erlang C). Computed with mpmath 1.4.1 at 50 significant
# digits from the exact formula with factorials,
#   C = [a^c/c! * c/(c - a)] / [sum_{k<c} a^k/k! + a^c/c! * c/(c - a)],
# with a = c * utilisation (services_per_hour = 1), rounded to 17 digits.
ERLANG_C_REFERENCE = [
    (1, 0.5, 0.5),
    (1, 0.9, 0.9),
    (1, 0.99, 0.99),
    (1, 0.999, 0.999),
    (2, 0.5, 0.33333333333333333),
    (2, 0.9, 0.85263157894736842),
    (2, 0.99, 0.9850251256281407),
    (2, 0.999, 0.99850025012506253),
    (5, 0.5, 0.13037129745515227),
    (5, 0.9, 0.76249322073293562),
    (5, 0.99, 0.97502671862606631),
    (5, 0.999, 0.99749090261541104),
    (10, 0.5, 0.036105359158320186),
    (10, 0.9, 0.668731524107697),
    (10, 0.99, 0.9637384203876213),
    (10, 0.999, 0.9963431823647697),
    (50, 0.5, 0.0000072043267219506592),
    (50, 0.9, 0.36386446720698839),
    (50, 0.99, 0.91685907393425666),
    (50, 0.999, 0.99147985015755448),
    (150, 0.5, 0.000000000000017030992227680348),
    (150, 0.9, 0.14030863610349426),
    (150, 0.99, 0.85723643166387313),
    (150, 0.999, 0.98505076111594073),
    (200, 0.5, 0.00000000000000000094339412055852348),
    (200, 0.9, 0.094471218177590817),
    (200, 0.99, 0.83613376825646414),
    (200, 0.999, 0.98270411438405531),
    (400, 0.5, 1.1161375078909475e-35),
    (400, 0.9, 0.02328667577045944),
    (400, 0.99, 0.77330105769866372),
    (400, 0.999, 0.97547337731663657),
]


@pytest.mark.parametrize(("servers", "utilisation", "expected"), ERLANG_C_REFERENCE)
def test_erlang_c_matches_50_digit_reference(servers, utilisation, expected):
    arrivals = servers * utilisation
    assert_allclose(erlang_c(arrivals, 1.0, servers), expected, rtol=1e-9, atol=0)


def test_erlang_c_vectorised_equals_scalar_reference():
    c = np.array([r[0] for r in ERLANG_C_REFERENCE], dtype=float)
    rho = np.array([r[1] for r in ERLANG_C_REFERENCE])
    expected = np.array([r[2] for r in ERLANG_C_REFERENCE])
    # rates in vehicles/hour: 30 services per booth-hour (2-minute processing)
    assert_allclose(erlang_c(c * rho * 30.0, 30.0, c), expected, rtol=1e-9, atol=0)


def test_textbook_two_booths():
    # Hand calculation, c = 2, lambda = 10/h, mu = 6/h: a = 5/3, rho = 5/6,
    # B(2, a) = (a^2/2)/(1 + a + a^2/2) = 25/73, C = B/(1 - rho(1 - B)) = 25/33,
    # Wq = C/(c mu - lambda) = 25/66 h, Lq = lambda Wq = 125/33.
    assert_allclose(erlang_c(10.0, 6.0, 2), 25.0 / 33.0, rtol=1e-14)
    assert_allclose(mmc_mean_wait_hours(10.0, 6.0, 2), 25.0 / 66.0, rtol=1e-14)


def test_mm1_closed_forms():
    # M/M/1: C = rho, Wq = rho/(mu - lambda)
    lam = np.array([0.5, 1.0, 1.9])
    assert_allclose(erlang_c(lam, 2.0, 1), lam / 2.0, rtol=1e-14)
    assert_allclose(
        mmc_mean_wait_hours(lam, 2.0, 1), (lam / 2.0) / (2.0 - lam), rtol=1e-14
    )


def test_scalar_in_gives_float_out():
    assert isinstance(erlang_c(1.0, 2.0, 1), float)
    assert isinstance(mmc_mean_wait_hours(1.0, 2.0, 1), float)
    assert isinstance(allen_cunneen_wait_hours(1.0, 2.0, 1, 1.0), float)


def test_series_in_gives_series_out_with_index_kept():
    index = pd.Index([3, 7, 11], name="draw")
    lam = pd.Series([10.0, 20.0, 30.0], index=index)
    c = erlang_c(lam, 6.0, 6)
    w = mmc_mean_wait_hours(lam, 6.0, 6)
    ac = allen_cunneen_wait_hours(lam, 6.0, 6, service_cv=0.5)
    for result in (c, w, ac):
        assert isinstance(result, pd.Series)
        assert result.index.equals(index)
    assert_allclose(w.to_numpy(), mmc_mean_wait_hours(lam.to_numpy(), 6.0, 6))


def test_series_with_different_indexes_rejected():
    a = pd.Series([1.0, 2.0], index=[0, 1])
    b = pd.Series([6.0, 6.0], index=[1, 2])
    with pytest.raises(ModelDomainError, match="different indexes"):
        erlang_c(a, b, 1)


def test_zero_arrivals_give_zero():
    assert erlang_c(0.0, 6.0, 3) == 0.0
    assert mmc_mean_wait_hours(0.0, 6.0, 3) == 0.0
    assert allen_cunneen_wait_hours(0.0, 6.0, 3, 2.0) == 0.0


def test_wait_rises_with_arrivals():
    lam = np.linspace(0.0, 59.9, 400)
    w = mmc_mean_wait_hours(lam, 6.0, 10)
    assert np.all(np.diff(w) > 0)
    assert np.all(np.diff(erlang_c(lam, 6.0, 10)) > 0)


def test_utilisation_just_below_one_is_finite_and_large():
    w = mmc_mean_wait_hours(59.999, 6.0, 10)
    assert np.isfinite(w) and w > 100.0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((60.0, 6.0, 10), "utilisation .* must be < 1"),
        ((70.0, 6.0, 10), "got 1.16667"),
        ((-1.0, 6.0, 10), "arrivals_per_hour must be >= 0"),
        ((1.0, 0.0, 10), "services_per_hour must be > 0"),
        ((1.0, -6.0, 10), "services_per_hour must be > 0"),
        ((1.0, 6.0, 0), "servers must be >= 1"),
        ((1.0, 6.0, 2.5), "servers must be whole numbers"),
        ((np.nan, 6.0, 2), "arrivals_per_hour must be finite"),
        ((1.0, np.inf, 2), "services_per_hour must be finite"),
    ],
)
def test_stationary_domain_errors(args, match):
    for func in (erlang_c, mmc_mean_wait_hours):
        with pytest.raises(ModelDomainError, match=match):
            func(*args)


def test_domain_error_names_position():
    with pytest.raises(ModelDomainError, match=r"at position \(1,\)"):
        erlang_c(np.array([1.0, 70.0]), 6.0, 10)


def test_float_servers_holding_integers_accepted():
    assert erlang_c(10.0, 6.0, np.float64(2.0)) == erlang_c(10.0, 6.0, 2)


def test_allen_cunneen():
    # M/D/1 is half M/M/1 (Pollaczek-Khinchine); cv = 1 gives M/M/c exactly
    assert_allclose(allen_cunneen_wait_hours(1.0, 2.0, 1, 0.0), 0.25, rtol=1e-14)
    assert_allclose(
        allen_cunneen_wait_hours(10.0, 6.0, 2, 1.0),
        mmc_mean_wait_hours(10.0, 6.0, 2),
        rtol=1e-14,
    )
    # (ca^2 + cs^2)/2 scaling
    assert_allclose(
        allen_cunneen_wait_hours(10.0, 6.0, 2, 2.0, arrival_cv=0.5),
        mmc_mean_wait_hours(10.0, 6.0, 2) * (0.25 + 4.0) / 2.0,
        rtol=1e-14,
    )
    with pytest.raises(ModelDomainError, match="service_cv must be >= 0"):
        allen_cunneen_wait_hours(1.0, 2.0, 1, -0.1)


def test_module_doctests():
    attempted = 0
    for module in (
        cba.queueing.stationary,
        cba.queueing.timevarying,
        cba.queueing._settings,
    ):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0
        attempted += result.attempted
    assert attempted >= 8


def test_public_names():
    assert set(cba.queueing.__all__) == {
        "erlang_c",
        "mmc_mean_wait_hours",
        "allen_cunneen_wait_hours",
        "hourly_waits",
        "daily_delay_vehicle_hours",
        "two_stage_hourly_waits",
        "TwoStageWaits",
        "tandem_hourly_waits",
        "TandemStage",
        "TandemWaits",
        "external_delay_per_arrival_hours",
        "QueueSettings",
        "DEFAULT_SETTINGS",
    }


# ---------------------------------------------------------------------------
# Hour-by-hour model
# ---------------------------------------------------------------------------

HOURS = np.arange(24)


def _two_peak_profile(peak):
    profile = (
        0.3
        + 0.7 * np.exp(-0.5 * ((HOURS - 10) / 2.5) ** 2)
        + 0.5 * np.exp(-0.5 * ((HOURS - 17) / 2.0) ** 2)
    )
    return peak * profile / profile.max()


@pytest.mark.parametrize(
    ("arrivals", "services", "servers", "cv"),
    [
        (1.0, 2.0, 1, 1.0),
        (300.0, 60.0, 10, 1.0),
        (570.0, 60.0, 10, 1.0),
        (40.0, 10.0, 6, 0.5),
        (52.0, 10.0, 6, 2.0),
        (1080.0, 10.0, 120, 1.0),
    ],
)
def test_constant_load_equals_stationary(arrivals, services, servers, cv):
    w = hourly_waits(np.full(24, arrivals), np.full(24, servers), services, cv)
    expected = allen_cunneen_wait_hours(arrivals, services, servers, cv)
    assert_allclose(w, expected, rtol=1e-6)


def test_single_hour_period_is_stationary():
    assert_allclose(hourly_waits([10.0], [2], 6.0), [25.0 / 66.0], rtol=1e-6)


def test_finite_and_growing_when_over_saturated():
    arrivals = np.full(24, 300.0)
    arrivals[8:11] = 900.0  # capacity 600/hour
    w = hourly_waits(arrivals, np.full(24, 10), 60.0)
    assert np.all(np.isfinite(w))
    assert w[8] < w[9] < w[10]
    # fluid check: the backlog grows by 300 vehicles an hour to 900 at 11:00, so
    # hourly mean waits are about 0.25, 0.75 and 1.25 h (plus a stochastic part)
    assert_allclose(w[8:11], [0.25, 0.75, 1.25], atol=0.06)
    # the backlog drains (300 vehicles/hour) and waits return to the stationary value
    stationary = mmc_mean_wait_hours(300.0, 60.0, 10)
    assert w[11] > w[12] > w[13]
    assert_allclose(w[16:], stationary, rtol=1e-3)


def test_zero_booths_hold_arrivals_until_opening():
    # lanes closed 0:00-6:00 with 10 arrivals an hour; 1 booth, 60/hour after
    arrivals = np.full(24, 10.0)
    servers = np.where(HOURS < 6, 0, 1)
    w = hourly_waits(arrivals, servers, 60.0)
    assert np.all(np.isfinite(w))
    # fluid: a vehicle arriving at t < 6 has 10 t vehicles ahead and starts
    # service at 6 + 10 t / 60, so it waits 6 - 5 t / 6 hours; hourly means:
    expected = 6.0 - 5.0 / 6.0 * (np.arange(6) + 0.5)
    assert_allclose(w[:6], expected, atol=0.05)
    assert w[23] < 0.05


def test_no_booth_ever_open_is_an_error():
    with pytest.raises(ModelDomainError, match="servers is 0 in every hour"):
        hourly_waits(np.full(24, 1.0), np.zeros(24), 6.0)


def test_over_saturated_day_is_finite():
    # daily demand above daily capacity: no periodic solution, still finite
    w = hourly_waits(np.full(24, 70.0), np.full(24, 1), 60.0)
    assert np.all(np.isfinite(w)) and np.all(w > 1.0)


def test_a_backlog_of_days_gives_the_deterministic_queue_waits():
    """Arrivals at 1.5 times capacity all day: the reported day is the fourth
    of four like days, the first starting empty, so it starts with the backlog
    of three days, 36 hours of work, and a vehicle arriving at t waits
    36 + 0.5 t hours (the deterministic fluid queue, Newell 1982: the variance
    is small beside a backlog this size). Vehicles whose wait outlasts the
    day are followed through the days after it, taken equal to it; they used
    to be given waits 12 hours short and, in one hour, 284 hours."""
    booths, rate = 4, 10.0
    w = hourly_waits(np.full(24, 1.5 * booths * rate), np.full(24, booths), rate)
    fluid = 36.0 + 0.5 * (np.arange(24) + 0.5)
    assert_allclose(w, fluid, atol=0.1)
    assert (np.diff(w) > 0).all()


def test_a_backlog_of_days_varies_continuously_with_the_load():
    """Near and over capacity the mean wait rises smoothly with the load, also
    where vehicles wait more than a day: no jump as cohorts' waits cross whole
    days."""
    prof = _block(0.3, h6_20=1.0)
    prof = prof / prof.sum()
    booths, rate = 3.0, 12.0
    capacity = booths * rate * 24
    loads = np.linspace(0.95, 1.6, 131)
    lam = loads[:, None] * capacity * prof[None, :]
    w = hourly_waits(lam, np.full(lam.shape, booths), np.full(lam.shape, rate))
    mean = (lam * w).sum(axis=1) / lam.sum(axis=1)
    step = np.diff(mean)
    assert (step > 0).all(), mean
    # smooth: no step more than twice its neighbours' mean (over capacity the
    # mean wait grows about linearly, 3 days x 24 h x the excess load)
    inner = step[1:-1]
    assert (inner < 2.0 * 0.5 * (step[:-2] + step[2:])).all(), step


def test_leading_axes_broadcast_equal_per_row():
    rng = np.random.default_rng(7)
    draws = 5
    arrivals = rng.uniform(0.6, 1.2, size=(draws, 3, 1)) * _two_peak_profile(600.0)
    servers = np.array([10, 12, 14])[:, None] * np.ones(24, dtype=int)
    services = rng.uniform(50.0, 70.0, size=(draws, 1, 1))
    cv = np.array([0.5, 1.0, 2.0])[:, None]
    w = hourly_waits(arrivals, servers, services, cv)
    assert w.shape == (draws, 3, 24)
    for d in range(draws):
        for s in range(3):
            row = hourly_waits(arrivals[d, s], servers[s], services[d, 0, 0], cv[s, 0])
            assert_allclose(w[d, s], row, rtol=1e-9, atol=1e-12)


def test_dataframe_in_dataframe_out():
    frame = pd.DataFrame(
        [_two_peak_profile(500.0), _two_peak_profile(650.0)],
        index=pd.Index(["a", "b"], name="stream"),
        columns=pd.RangeIndex(24, name="hour"),
    )
    w = hourly_waits(frame, 10, 60.0)
    assert isinstance(w, pd.DataFrame)
    assert w.index.equals(frame.index) and w.columns.equals(frame.columns)
    total = daily_delay_vehicle_hours(frame, 10, 60.0)
    assert isinstance(total, pd.Series) and total.index.equals(frame.index)
    assert_allclose(total.to_numpy(), (w.to_numpy() * frame.to_numpy()).sum(axis=1))


def test_week_of_168_hours():
    day = _two_peak_profile(640.0)
    week = np.tile(day, 7)
    week[24 * 5 :] *= 0.5  # quieter weekend
    w = hourly_waits(week, 10, 60.0)
    assert w.shape == (168,)
    assert np.all(np.isfinite(w))
    assert w[:120].max() > w[120:].max()


def test_waits_rise_with_arrivals_and_fall_with_booths():
    base = _two_peak_profile(640.0)
    scale = np.linspace(0.5, 1.2, 8)[:, None]
    total = daily_delay_vehicle_hours(scale * base, 10, 60.0)
    assert np.all(np.diff(total) > 0)
    more_booths = daily_delay_vehicle_hours(base, np.arange(11, 16)[:, None], 60.0)
    assert np.all(np.diff(more_booths) < 0)


def test_daily_delay_counts_backlog_after_midnight():
    # evening peak that spills over midnight: the whole wait counts
    arrivals = np.full(24, 20.0)
    arrivals[20:24] = 90.0  # capacity 60/hour
    total = daily_delay_vehicle_hours(arrivals, np.ones(24), 60.0)
    # fluid lower bound: backlog grows 30/h for 4 h (triangle 4 h x 120 / 2) and
    # drains at 40/h for 3 h (triangle 3 h x 120 / 2): 420 vehicle-hours
    assert 420.0 < total < 470.0
    waits = hourly_waits(arrivals, np.ones(24), 60.0)
    assert_allclose(total, np.sum(waits * arrivals))
    assert waits[0] > 1.0  # vehicles after midnight queue behind the backlog


def test_scalar_delay_is_float():
    assert isinstance(
        daily_delay_vehicle_hours(np.full(24, 1.0), np.ones(24), 2.0), float
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"arrivals_per_hour": -1.0}, "arrivals_per_hour must be >= 0"),
        ({"servers": 1.5}, "servers must be whole numbers"),
        ({"servers": -1}, "servers must be >= 0"),
        ({"services_per_hour": 0.0}, "services_per_hour must be > 0"),
        ({"service_cv": -0.5}, "service_cv must be >= 0"),
        ({"arrivals_per_hour": np.nan}, "arrivals_per_hour must be finite"),
        ({"servers": np.ones((2, 5))}, "do not broadcast"),
    ],
)
def test_hourly_domain_errors(kwargs, match):
    args = {
        "arrivals_per_hour": np.full(24, 10.0),
        "servers": np.full(24, 2),
        "services_per_hour": 6.0,
        "service_cv": 1.0,
    }
    for key, value in kwargs.items():
        args[key] = np.full(24, value) if np.ndim(value) == 0 else value
    with pytest.raises(ModelDomainError, match=match):
        hourly_waits(**args)


def test_scalar_inputs_need_an_hour_axis():
    with pytest.raises(ModelDomainError, match="last axis is the hour"):
        hourly_waits(10.0, 2, 6.0)


def test_numerics_converged():
    # refining the time step (and the closure table) barely moves the results
    arrivals = np.stack([_two_peak_profile(700.0), _two_peak_profile(110.0)])
    servers = np.array([[10], [1]]) * np.ones(24, dtype=int)
    services = np.array([[60.0], [100.0]])
    base = daily_delay_vehicle_hours(arrivals, servers, services)
    refined = dataclasses.replace(
        DEFAULT_SETTINGS,
        substeps_per_hour=48,
        table_intervals=4096,
        newton_per_substep=3,
    )
    fine = daily_delay_vehicle_hours(arrivals, servers, services, settings=refined)
    assert_allclose(base, fine, rtol=0.03)
    assert not np.array_equal(base, fine)  # the refined settings were used


def test_settings_are_passed_down():
    # each hour-by-hour function takes the numerical settings; None = defaults
    arrivals = _two_peak_profile(700.0)
    servers = np.full(24, 10)
    default = hourly_waits(arrivals, servers, 60.0)
    np.testing.assert_array_equal(
        hourly_waits(arrivals, servers, 60.0, settings=QueueSettings()), default
    )
    coarse = dataclasses.replace(DEFAULT_SETTINGS, substeps_per_hour=2)
    other = hourly_waits(arrivals, servers, 60.0, settings=coarse)
    assert not np.array_equal(other, default)
    assert daily_delay_vehicle_hours(
        arrivals, servers, 60.0, settings=coarse
    ) == pytest.approx(float((other * arrivals).sum()), rel=1e-14)
    two = two_stage_hourly_waits(
        arrivals, servers, 60.0, 0.2, np.full(24, 2), 6.0, settings=coarse
    )
    np.testing.assert_array_equal(two.primary_wait_hours, other)
    with pytest.raises(ModelDomainError, match="settings must be a QueueSettings"):
        hourly_waits(arrivals, servers, 60.0, settings={"substeps_per_hour": 2})
    with pytest.raises(ModelDomainError, match="substeps_per_hour must be >= 1"):
        QueueSettings(substeps_per_hour=0)
    with pytest.raises(ModelDomainError, match="rho_max must be in"):
        QueueSettings(rho_max=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.substeps_per_hour = 48


def test_two_stage_light_load_equals_two_stationary_queues():
    r = two_stage_hourly_waits(
        np.full(24, 1.0), np.ones(24), 2.0, 1.0, np.ones(24), 4.0
    )
    assert_allclose(r.primary_wait_hours, 0.5, rtol=1e-6)
    assert_allclose(r.secondary_wait_hours, (0.25 / 3.0), rtol=1e-6)  # rho/(mu - lam)
    assert_allclose(r.mean_wait_hours, 0.5 + 0.25 / 3.0, rtol=1e-6)
    assert_allclose(r.secondary_arrivals_per_hour, 1.0, rtol=1e-6)


def test_two_stage_secondary_fed_by_primary_throughput():
    arrivals = np.full(24, 40.0)
    arrivals[8:11] = (
        90.0  # primary capacity 60/hour: throughput capped, backlog served later
    )
    r = two_stage_hourly_waits(
        arrivals,
        np.ones(24),
        60.0,
        0.25,
        np.full(24, 3),
        6.0,
        service_cv=0.5,
        secondary_cv=1.5,
    )
    # entries into primary service per hour: at most capacity, plus the booth
    # filling up at the start of the peak
    assert np.all(r.secondary_arrivals_per_hour <= 0.25 * (60.0 + 1.0))
    assert r.secondary_arrivals_per_hour[9] > 0.25 * 59.9
    assert_allclose(
        r.secondary_arrivals_per_hour.sum(), 0.25 * arrivals.sum(), rtol=1e-6
    )
    assert np.all(r.mean_wait_hours >= r.primary_wait_hours)
    no_referral = two_stage_hourly_waits(
        arrivals, np.ones(24), 60.0, 0.0, np.ones(24), 6.0, service_cv=0.5
    )
    assert_allclose(
        no_referral.mean_wait_hours, hourly_waits(arrivals, np.ones(24), 60.0, 0.5)
    )


def test_two_stage_domain_errors():
    with pytest.raises(ModelDomainError, match="referral_share must be in"):
        two_stage_hourly_waits(
            np.full(24, 1.0), np.ones(24), 2.0, 1.2, np.ones(24), 4.0
        )
    with pytest.raises(ModelDomainError, match="secondary_servers is 0 in every hour"):
        two_stage_hourly_waits(
            np.full(24, 1.0), np.ones(24), 2.0, 0.5, np.zeros(24), 4.0
        )


# ---------------------------------------------------------------------------
# Discrete-event simulation check (ciw), test-only helpers
# ---------------------------------------------------------------------------


def _block(base, **spans):
    """24 hourly values: `base`, with h<start>_<end>=value overrides."""
    values = np.full(24, float(base))
    for key, value in spans.items():
        start, end = map(int, key[1:].split("_"))
        values[start:end] = value
    return values


# Each scenario: hourly arrivals [vehicles/hour], booths, services per booth-hour,
# processing-time CV (gamma distribution), simulated days, optional secondary
# inspection (referral share, bays by hour, services per bay-hour, CV).
SCENARIOS = {
    "light load (1 booth, rho <= 0.55)": dict(
        arrivals=_block(5, h6_9=30, h9_18=33, h18_22=20),
        servers=np.full(24, 1),
        mu=60.0,
        cv=1.0,
        days=250,
    ),
    "utilisation 0.95 for 8 hours": dict(
        arrivals=_block(36, h6_8=84, h8_16=114, h16_20=84),
        servers=np.full(24, 10),
        mu=12.0,
        cv=1.0,
        days=100,
    ),
    "3-hour peak at 125% of capacity": dict(
        arrivals=_block(30, h6_9=90, h9_12=150, h12_22=90),
        servers=np.full(24, 8),
        mu=15.0,
        cv=1.0,
        days=40,
    ),
    "120 booths, 2 hours at 115% of capacity": dict(
        arrivals=_block(40, h8_9=330, h9_11=552, h11_14=432),
        servers=np.full(24, 120),
        mu=4.0,
        cv=1.0,
        days=60,
    ),
    "processing CV 0.5": dict(
        arrivals=_block(20, h6_8=40, h8_14=55, h14_20=45),
        servers=np.full(24, 6),
        mu=10.0,
        cv=0.5,
        days=100,
    ),
    "processing CV 2": dict(
        arrivals=_block(20, h6_8=40, h8_14=52, h14_20=45),
        servers=np.full(24, 6),
        mu=10.0,
        cv=2.0,
        days=200,
    ),
    "booths varying by hour": dict(
        arrivals=_block(12, h6_10=70, h10_16=55, h16_20=65),
        servers=_block(2, h6_10=6, h10_16=5, h16_20=6, h20_22=4).astype(int),
        mu=12.0,
        cv=1.0,
        days=80,
    ),
    "secondary inspection (20% referred)": dict(
        arrivals=_block(30, h6_9=80, h9_15=110, h15_21=90),
        servers=np.full(24, 6),
        mu=20.0,
        cv=1.0,
        days=60,
        secondary=dict(share=0.2, servers=np.full(24, 3), mu=8.0, cv=1.0),
    ),
}
SIM_SEED = 20250101
SYNTHETIC_DAYS = 4000  # days drawn to estimate the control variate's mean


def _ciw_service(mu, cv):
    import ciw

    if cv == 1.0:
        return ciw.dists.Exponential(mu)
    shape = 1.0 / cv**2
    return ciw.dists.Gamma(shape, 1.0 / (mu * shape))


def _ciw_arrivals(per_hour, days):
    """Poisson arrivals at the given rate in each hour of the day, repeated for
    ``days`` days."""
    import ciw

    return ciw.dists.PoissonIntervals(
        [float(v) for v in per_hour],
        [float(h + 1) for h in range(24)],
        max_sample_date=24.0 * days,
    )


def _ciw_servers(servers):
    """Constant booths, or a daily schedule with one shift per change.

    Pre-emption 'resume' keeps the capacity exact at a change: in-service
    vehicles are handed to the new set of booths and finish their remaining
    time (ciw's default lets off-duty servers finish on top of the new shift's
    servers, which adds capacity at every change).
    """
    import ciw

    servers = [int(v) for v in servers]
    if len(set(servers)) == 1:
        return servers[0]
    counts, ends = [], []
    for hour, value in enumerate(servers):
        if counts and counts[-1] == value:
            ends[-1] = float(hour + 1)
        else:
            counts.append(value)
            ends.append(float(hour + 1))
    return ciw.Schedule(
        numbers_of_servers=counts, shift_end_dates=ends, preemption="resume"
    )


def _simulate(name, days, seed):
    """Simulate `days` consecutive days after one warm-up day.

    Returns per (day, hour of arrival at primary) sums: primary waits W1,
    arrivals N1, primary work S1 (sum of processing times), and for secondary
    inspection the waits W2 and work S2 of referred vehicles, by the hour in
    which they arrived at primary.
    """
    import ciw

    s = SCENARIOS[name]
    ciw.seed(seed)
    total_days = days + 1
    arrivals = _ciw_arrivals(s["arrivals"], total_days)
    sec = s.get("secondary")
    if sec is None:
        network = ciw.create_network(
            arrival_distributions=[arrivals],
            service_distributions=[_ciw_service(s["mu"], s["cv"])],
            number_of_servers=[_ciw_servers(s["servers"])],
        )
    else:
        network = ciw.create_network(
            arrival_distributions=[arrivals, None],
            service_distributions=[
                _ciw_service(s["mu"], s["cv"]),
                _ciw_service(sec["mu"], sec["cv"]),
            ],
            number_of_servers=[
                _ciw_servers(s["servers"]),
                _ciw_servers(sec["servers"]),
            ],
            routing=[[0.0, sec["share"]], [0.0, 0.0]],
        )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(24.0 * total_days + 48.0)  # let the last day clear
    first = {}  # first service record per (vehicle, node): wait, full service time
    for rec in sim.get_all_records():
        if rec.record_type not in ("service", "interrupted service"):
            continue
        key = (rec.id_number, rec.node)
        if key not in first or rec.service_start_date < first[key].service_start_date:
            first[key] = rec
    out = {k: np.zeros((days, 24)) for k in ("W1", "N1", "S1", "W2", "S2")}
    for (vehicle, node), rec in first.items():
        t = first[(vehicle, 1)].arrival_date
        day, hour = int(t // 24) - 1, int(t % 24)
        if not 0 <= day < days:
            continue
        out[f"W{node}"][day, hour] += rec.waiting_time
        out[f"S{node}"][day, hour] += rec.service_time
        if node == 1:
            out["N1"][day, hour] += 1
    return name, out


def _model_hourly_delay(name, work1, work2=None):
    """Model vehicle-hours of delay by hour, fed with work rates (vehicles/hour).

    With the scenario's mean rates this is the analytic prediction; with a
    simulated day's realised work (processing time x services_per_hour) it is
    the control variate for that day.
    """
    s = SCENARIOS[name]
    primary = hourly_waits(work1, s["servers"], s["mu"], s["cv"]) * work1
    sec = s.get("secondary")
    if sec is None:
        return primary, primary
    if work2 is None:  # analytic prediction
        r = two_stage_hourly_waits(
            work1,
            s["servers"],
            s["mu"],
            sec["share"],
            sec["servers"],
            sec["mu"],
            s["cv"],
            sec["cv"],
        )
        lam2 = r.secondary_arrivals_per_hour
        return primary + hourly_waits(
            lam2, sec["servers"], sec["mu"], sec["cv"]
        ) * lam2, r.mean_wait_hours * work1
    secondary = hourly_waits(work2, sec["servers"], sec["mu"], sec["cv"]) * work2
    return primary + secondary, primary + secondary


def _synthetic_work(name, rng, n):
    """Hourly work rates of `n` independent days drawn from the scenario's laws."""
    s = SCENARIOS[name]
    counts = rng.poisson(s["arrivals"], size=(n, 24))
    shape = 1.0 / s["cv"] ** 2
    work1 = rng.gamma(np.maximum(counts * shape, 1e-300), 1.0 / shape) * (counts > 0)
    sec = s.get("secondary")
    if sec is None:
        return work1, None
    referred = rng.binomial(counts, sec["share"])
    shape2 = 1.0 / sec["cv"] ** 2
    work2 = rng.gamma(np.maximum(referred * shape2, 1e-300), 1.0 / shape2) * (
        referred > 0
    )
    return work1, work2


def _control_variate_estimate(y, control, control_mean, control_mean_se):
    """E[y] from daily values with one control of estimated mean; 95% t-interval.

    Regression (control-variate) estimator, e.g. Law & Kelton, *Simulation
    Modeling and Analysis*, 3rd ed., section 11.4; the error of the estimated
    control mean is added to the variance.
    """
    from scipy import stats

    n = y.size
    design = np.column_stack([np.ones(n), control - control_mean])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = n - 2
    cov = (resid @ resid / dof) * np.linalg.inv(design.T @ design)
    se = math.sqrt(cov[0, 0] + (coef[1] * control_mean_se) ** 2)
    half = stats.t.ppf(0.975, dof) * se
    return coef[0], coef[0] - half, coef[0] + half


def _plain_estimate(y):
    from scipy import stats

    half = stats.t.ppf(0.975, y.size - 1) * y.std(ddof=1) / math.sqrt(y.size)
    return y.mean(), y.mean() - half, y.mean() + half


def _compare(name, sim):
    s = SCENARIOS[name]
    sec = s.get("secondary")
    lam = s["arrivals"]
    model_total_by_hour, model_mean_by_hour = _model_hourly_delay(name, lam)
    peak = int(np.argmax(model_mean_by_hour / lam))
    # simulated days
    w_all = sim["W1"] + (sim["W2"] if sec else 0.0)
    work1 = sim["S1"] * s["mu"]
    work2 = sim["S2"] * sec["mu"] if sec else None
    control_total, _ = _model_hourly_delay(name, work1, work2)
    # control means from synthetic days
    rng = np.random.default_rng(SIM_SEED)
    syn1, syn2 = _synthetic_work(name, rng, SYNTHETIC_DAYS)
    syn_total, _ = _model_hourly_delay(name, syn1, syn2)
    rows = []
    for label, y, control, syn, model in (
        (
            "daily delay [veh-h]",
            w_all.sum(axis=1),
            control_total.sum(axis=1),
            syn_total.sum(axis=1),
            model_total_by_hour.sum(),
        ),
        (
            f"peak-hour wait [min] (h{peak})",
            w_all[:, peak],
            control_total[:, peak],
            syn_total[:, peak],
            model_mean_by_hour[peak],
        ),
    ):
        est = _control_variate_estimate(
            y, control, syn.mean(), syn.std(ddof=1) / math.sqrt(syn.size)
        )
        plain = _plain_estimate(y)
        if label.startswith("peak"):  # per vehicle: divide by the mean arrivals (exact)
            est = tuple(v / lam[peak] * 60.0 for v in est)
            plain = tuple(v / lam[peak] * 60.0 for v in plain)
            model = model / lam[peak] * 60.0
        rows.append(
            dict(
                scenario=name,
                measure=label,
                model=model,
                sim=est[0],
                low=est[1],
                high=est[2],
                plain_low=plain[1],
                plain_high=plain[2],
                rel_error=model / est[0] - 1.0,
                days=y.size,
            )
        )
    return rows


@pytest.fixture(scope="module")
def simulation_table():
    pytest.importorskip("ciw")
    tasks = []
    for i, (name, s) in enumerate(SCENARIOS.items()):
        half = s["days"] // 2  # two chunks per scenario, to balance two workers
        tasks += [
            (name, half, SIM_SEED + 2 * i),
            (name, s["days"] - half, SIM_SEED + 2 * i + 1),
        ]
    # longest first (simulated vehicles), so the two workers finish together
    tasks.sort(key=lambda t: -t[1] * SCENARIOS[t[0]]["arrivals"].sum())
    workers = min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_simulate, *zip(*tasks, strict=True)))
    merged = {}
    for name, out in results:
        if name in merged:
            merged[name] = {k: np.concatenate([merged[name][k], out[k]]) for k in out}
        else:
            merged[name] = out
    rows = [row for name in SCENARIOS for row in _compare(name, merged[name])]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(
            "\nhourly_waits vs ciw simulation (95% CI: control-variate estimator;"
            " plain CI for reference)"
        )
        print(table.round(3).to_string(index=False))
    return table


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_daily_delay_matches_simulation(simulation_table, name):
    row = simulation_table[
        (simulation_table.scenario == name)
        & simulation_table.measure.str.startswith("daily")
    ].iloc[0]
    # the simulation must be precise enough for the check to mean something
    assert (row.high - row.low) / 2 < 0.06 * row.sim, row.to_dict()
    assert abs(row.rel_error) <= 0.10, row.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_peak_hour_wait_matches_simulation(simulation_table, name):
    row = simulation_table[
        (simulation_table.scenario == name)
        & simulation_table.measure.str.startswith("peak")
    ].iloc[0]
    assert (row.high - row.low) / 2 < 0.12 * row.sim, row.to_dict()
    assert abs(row.rel_error) <= 0.20, row.to_dict()


def test_series_of_hours_in_series_out():
    hours = pd.RangeIndex(24, name="hour")
    arrivals = pd.Series(_two_peak_profile(500.0), index=hours)
    w = hourly_waits(arrivals, 10, 60.0)
    assert isinstance(w, pd.Series) and w.index.equals(hours)
    assert_allclose(w.to_numpy(), hourly_waits(arrivals.to_numpy(), 10, 60.0))
    assert isinstance(daily_delay_vehicle_hours(arrivals, 10, 60.0), float)


def test_closed_and_empty_night_hours():
    # lanes closed at night with no arrivals (x = 0, c = 0): finite results; an
    # hour without arrivals reports the wait a vehicle arriving at mid-hour would
    # have, here until the lanes open at 8:00
    arrivals = np.where((HOURS >= 8), 44.7, 0.0)
    lanes = np.where(HOURS >= 8, 2, 0)
    w = hourly_waits(arrivals, lanes, np.array([[25.0], [30.0], [60.0]]))
    assert np.all(np.isfinite(w))
    assert_allclose(w[2, :8], 8.0 - (HOURS[:8] + 0.5), atol=0.01)
    assert np.all(np.diff(w[:, 12]) < 0)
    total = daily_delay_vehicle_hours(
        arrivals, lanes, np.array([[25.0], [30.0], [60.0]])
    )
    assert np.all(np.diff(total) < 0) and np.all(np.isfinite(total))


# ---------------------------------------------------------------------------
# Compiled kernel (numba) against the vectorised numpy reference
# ---------------------------------------------------------------------------


def _random_hourly_rows(rng, rows, hours):
    """Random (rows, hours) inputs covering the model's regimes.

    Light and over-saturated hours, hours without arrivals, booths closed in
    some hours, booth counts changing by hour in some rows only (so the hour
    flags of the batch matter), more booths in the last hour than the first
    (booths closing at the start of the period), periods whose arrivals exceed
    their capacity (no periodic solution), and CV from 0 to 2.
    """
    t = np.arange(hours)
    profile = 0.3 + np.exp(-0.5 * ((t % 24 - 10) / 2.5) ** 2)
    booths = rng.integers(1, 13, size=(rows, 1)) * np.ones(hours)
    mu = rng.uniform(20.0, 80.0, size=(rows, 1)) * np.ones(hours)
    # peak utilisation from 0.3 to 1.6
    peak = rng.uniform(0.3, 1.6, size=(rows, 1)) * booths[:, :1] * mu[:, :1]
    arrivals = peak * profile / profile.max()
    varying = rng.random(rows) < 0.4
    booths[varying] += rng.integers(-2, 3, size=(int(varying.sum()), hours))
    booths = np.maximum(booths, 0.0)
    closed = (rng.random(rows) < 0.3)[:, None] & (t % 24 < 5)
    booths[closed] = 0.0
    quiet = (rng.random(rows) < 0.3)[:, None] & (t % 24 < 3)
    arrivals[quiet] = 0.0
    booths[rng.random(rows) < 0.2, -1] += 3.0  # last hour: more booths
    swamped = rng.random(rows) < 0.1
    arrivals[swamped] *= 3.0  # arrivals above the period's capacity
    booths[booths.max(axis=1) == 0.0, :] = 1.0  # some booth open in each row
    service_cv = rng.uniform(0.0, 2.0, size=(rows, 1)) * np.ones(hours)
    return arrivals, booths, mu, service_cv


def _assert_waits_match(compiled, reference, arrivals, settings=DEFAULT_SETTINGS):
    """Compiled and reference hourly waits agree (rtol 1e-9).

    Waits are differences of crossing times of up to the period length, hence
    an absolute rounding floor of 1e-13 h per hour of period. Two kinds of
    hour are ill-conditioned in the model itself (in the reference too, where
    they also depend on which rows share the batch), so they are held to
    looser checks:

    * hours without arrivals report the wait of a vehicle arriving at
      mid-hour, i.e. when the backlog ahead of it is gone; when it drains to
      zero within the hour, rounding decides the sub-step at which the queue
      first reaches exactly 0: checked to one sub-step;
    * rounding-level flows (below 1e-9 vehicles/hour, e.g. referrals from
      closed booths) divide rounding noise by a tiny cohort: checked to be
      finite and >= 0.
    """
    hours = arrivals.shape[-1]
    some = arrivals > 1e-9
    assert_allclose(compiled[some], reference[some], rtol=1e-9, atol=1e-13 * hours)
    none = arrivals == 0.0
    step = 1.0 / settings.substeps_per_hour
    assert_allclose(compiled[none], reference[none], rtol=0, atol=step * 1.0001)
    assert np.all(np.isfinite(compiled)) and np.all(compiled >= 0.0)


@pytest.mark.parametrize(
    ("rows", "hours", "seed"), [(120, 24, 1), (33, 24, 4), (9, 1, 2), (12, 168, 3)]
)
def test_compiled_kernel_matches_numpy_reference(rows, hours, seed):
    # fluid_queue (numba) against fluid_queue_reference (numpy, the
    # vectorised implementation it replaced), on one batch of rows
    rng = np.random.default_rng(seed)
    lam, c, mu, cs = _random_hourly_rows(rng, rows, hours)
    k = 0.5 * (1.0 + cs**2)
    compiled = _kernel.fluid_queue(lam, c, mu, k, DEFAULT_SETTINGS)
    reference = fluid_queue_reference(lam, c, mu, k, DEFAULT_SETTINGS)
    _assert_waits_match(compiled.waits, reference.waits, lam)
    assert_allclose(compiled.throughput, reference.throughput, rtol=1e-9, atol=1e-9)
    # the regimes were drawn
    assert (lam > c * mu).any() and (lam == 0).any()
    if hours > 1:
        assert (c == 0).any() and (np.diff(c, axis=1) != 0).any()
    if hours == 24:
        assert (lam.sum(axis=1) >= (c * mu).sum(axis=1)).any()


def test_compiled_kernel_matches_reference_through_public_functions():
    # leading axes (draws x streams x hours) through hourly_waits and
    # two_stage_hourly_waits, against the numpy reference on the same rows
    rng = np.random.default_rng(11)
    lam, c, mu, cs = _random_hourly_rows(rng, 4 * 6, 24)
    shape = (4, 6, 24)
    w = hourly_waits(*(v.reshape(shape) for v in (lam, c, mu, cs)))
    assert w.shape == shape
    reference = fluid_queue_reference(lam, c, mu, 0.5 * (1.0 + cs**2), DEFAULT_SETTINGS)
    _assert_waits_match(w.reshape(-1, 24), reference.waits, lam)
    r = two_stage_hourly_waits(
        lam.reshape(shape),
        c.reshape(shape),
        mu.reshape(shape),
        0.3,
        np.full(shape, 2),
        6.0,
        service_cv=cs.reshape(shape),
        secondary_cv=1.5,
    )
    _assert_waits_match(r.primary_wait_hours.reshape(-1, 24), reference.waits, lam)
    lam2 = r.secondary_arrivals_per_hour.reshape(-1, 24)
    assert_allclose(
        lam2, 0.3 * np.maximum(reference.throughput, 0.0), rtol=1e-9, atol=1e-9
    )
    # the secondary stage on the same (compiled) referral flows: hours with
    # next to no referrals (rounding-level flows) have ill-conditioned waits
    second = fluid_queue_reference(
        lam2,
        np.full((24, 24), 2.0),
        np.full((24, 24), 6.0),
        np.full((24, 24), 1.625),
        DEFAULT_SETTINGS,
    )
    _assert_waits_match(r.secondary_wait_hours.reshape(-1, 24), second.waits, lam2)


def test_compiled_kernel_follows_numerical_settings():
    # the settings are read at call time, not frozen into the compiled code
    rng = np.random.default_rng(5)
    lam, c, mu, cs = _random_hourly_rows(rng, 10, 24)
    k = 0.5 * (1.0 + cs**2)
    other = dataclasses.replace(
        DEFAULT_SETTINGS, substeps_per_hour=17, newton_per_substep=2
    )
    compiled = _kernel.fluid_queue(lam, c, mu, k, other)
    reference = fluid_queue_reference(lam, c, mu, k, other)
    _assert_waits_match(compiled.waits, reference.waits, lam, other)
    default = _kernel.fluid_queue(lam, c, mu, k, DEFAULT_SETTINGS)
    assert not np.allclose(default.waits, compiled.waits, rtol=1e-6, atol=0)


def test_compiled_elementary_functions_match_numpy_and_scipy():
    # the kernel's own exp, expm1 and normal CDF/density (written out so that
    # they vectorise) against numpy and scipy
    from scipy import special

    x = -np.concatenate([np.geomspace(1e-300, 800.0, 400), [0.0, 0.3, 745.0]])
    exp_nb = np.array([_kernel.nb_exp(v) for v in x])
    expm1_nb = np.array([_kernel.nb_expm1(v) for v in x])
    normal = np.exp(x) > 1e-300
    assert_allclose(exp_nb[normal], np.exp(x[normal]), rtol=5e-16, atol=0)
    assert_allclose(exp_nb[~normal], np.exp(x[~normal]), rtol=0, atol=1e-300)
    assert_allclose(expm1_nb, np.expm1(x), rtol=5e-16, atol=0)
    z = np.concatenate([np.linspace(-40.0, 40.0, 801), [-37.5, -8.3, 0.0, 1e-9]])
    pairs = [_kernel.nb_ndtr_pdf_pair(a, b) for a, b in zip(z, z[::-1], strict=True)]
    cdf = np.array([p[0] for p in pairs])
    pdf = np.array([p[1] for p in pairs])
    cdf_mirror = np.array([p[2] for p in pairs])[::-1]
    for values in (cdf, cdf_mirror):
        # relative accuracy in the far lower tail too (the closure uses
        # ratios of small CDF values); 0 below the double range
        assert_allclose(values, special.ndtr(z), rtol=5e-13, atol=1e-300)
    assert_allclose(
        pdf, np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi), rtol=1e-15, atol=1e-300
    )


def test_identical_rows_solved_once_give_the_same_results():
    # Monte Carlo batches often repeat rows; the kernel solves each distinct
    # row once. Every row of the batch below is also in the batch without
    # repeats; rows are independent of their batch, so results are bit-for-bit.
    rng = np.random.default_rng(8)
    lam, c, mu, cs = _random_hourly_rows(rng, 20, 24)
    k = 0.5 * (1.0 + cs**2)
    pick = np.concatenate([np.arange(20), rng.integers(0, 20, size=30)])
    rng.shuffle(pick)
    repeated = _kernel.fluid_queue(
        lam[pick], c[pick], mu[pick], k[pick], DEFAULT_SETTINGS
    )
    once = _kernel.fluid_queue(lam, c, mu, k, DEFAULT_SETTINGS)
    np.testing.assert_array_equal(repeated.waits, once.waits[pick])
    np.testing.assert_array_equal(repeated.throughput, once.throughput[pick])
    reference = fluid_queue_reference(
        lam[pick], c[pick], mu[pick], k[pick], DEFAULT_SETTINGS
    )
    _assert_waits_match(repeated.waits, reference.waits, lam[pick])
    first, kind = _kernel.distinct_rows(lam[pick], c[pick], mu[pick], k[pick])
    assert first.size == 20
    assert_allclose(lam[pick][first][kind], lam[pick], rtol=0, atol=0)


def test_a_row_does_not_depend_on_its_batch():
    """Each row gives the same waits alone as in any batch (bit for bit in
    the compiled kernel that the appraisal uses).

    Monte Carlo results must not change with the chunk size or the number of
    parallel jobs, and an option's waits must not change because another
    option or stream shares the queue call.
    """
    rng = np.random.default_rng(21)
    lam, c, mu, cs = _random_hourly_rows(rng, 150, 24)
    k = 0.5 * (1.0 + cs**2)
    batch = _kernel.fluid_queue(lam, c, mu, k, DEFAULT_SETTINGS)
    reference = fluid_queue_reference(lam, c, mu, k, DEFAULT_SETTINGS)
    for i in range(0, 150, 7):
        one = _kernel.fluid_queue(
            lam[i : i + 1], c[i : i + 1], mu[i : i + 1], k[i : i + 1], DEFAULT_SETTINGS
        )
        np.testing.assert_array_equal(one.waits[0], batch.waits[i])
        np.testing.assert_array_equal(one.throughput[0], batch.throughput[i])
        ref_one = fluid_queue_reference(
            lam[i : i + 1], c[i : i + 1], mu[i : i + 1], k[i : i + 1], DEFAULT_SETTINGS
        )
        # numpy's reference may round differently by array length (SIMD
        # paths), so it is held to the tolerances of the kernel comparison
        _assert_waits_match(ref_one.waits[0], reference.waits[i], lam[i])
    _assert_waits_match(batch.waits, reference.waits, lam)


def test_external_delay_per_arrival_is_the_derivative_of_total_delay_in_mm1():
    """M/M/1: total wait L(lambda) = lambda Wq(lambda); one more arrival adds
    dL/dlambda = Wq + lambda dWq/dlambda, of which all but its own Wq falls on
    the others, = Wq / (1 - rho) (numerical derivative against the formula)."""
    from cba.queueing import external_delay_per_arrival_hours, mmc_mean_wait_hours

    mu = 12.0
    for rho in (0.3, 0.7, 0.9):
        lam = rho * mu
        h = 1e-5
        wq = float(mmc_mean_wait_hours(lam, mu, 1))
        d = (
            (lam + h) * float(mmc_mean_wait_hours(lam + h, mu, 1))
            - (lam - h) * float(mmc_mean_wait_hours(lam - h, mu, 1))
        ) / (2 * h)
        assert d - wq == pytest.approx(
            float(external_delay_per_arrival_hours(wq * 60.0, rho)), rel=1e-6
        )
    with pytest.raises(ValueError):
        external_delay_per_arrival_hours(30.0, 1.0)


def test_the_mean_wait_does_not_fall_as_the_day_load_crosses_capacity():
    """Every day that does not repeat itself reports the same run (the
    fourth), so the mean wait rises continuously as the day's load crosses
    its capacity. (When a day just below capacity reported its fourth run
    and a day at capacity its second, the mean wait fell from 4.17 h to
    3.78 h here, and the users' response fixed point had two roots on some
    draws.)"""
    prof = _block(0.2, h6_20=1.0)
    prof = prof / prof.sum()
    booths, rate = 4.0, 12.0
    capacity = booths * rate * 24  # vehicles a day
    loads = np.array([0.9, 0.95, 0.99, 0.995, 0.999, 1.0, 1.001, 1.005, 1.01, 1.05])
    lam = loads[:, None] * capacity * prof[None, :]
    waits = hourly_waits(lam, np.full(lam.shape, booths), np.full(lam.shape, rate))
    mean = (lam * waits).sum(axis=1) / lam.sum(axis=1)
    assert (np.diff(mean) >= 0.0).all(), mean
    # continuous: 0.1 % more load, well under 1 % more wait, across capacity
    at = int(np.flatnonzero(loads == 1.0)[0])
    assert mean[at] - mean[at - 1] < 0.01 * mean[at - 1], mean
