"""The on-disk cache of demand fits (cba.cache): a fit is read back by the next
process, and a change of data, fitting code or library version refits."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from cba import cache, demand

forecast = importlib.import_module("cba.demand.forecast")


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache of the test's own, and a counter of real fits."""
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    cache.clear()
    fits = []
    real = forecast.SARIMAX

    class Counting(real):
        def fit(self, *a, **k):
            fits.append(1)
            return super().fit(*a, **k)

    monkeypatch.setattr(forecast, "SARIMAX", Counting)
    yield fits
    cache.clear()


def _series():
    return np.log(demand.monthly_crossings("2305", "Trucks").loc[:"2019-12"])


def _params(log_y):
    demand.clear_caches()  # this process forgets; only the disk remembers
    return forecast._estimate_params(log_y)


def test_a_fit_is_read_back_from_disk_bit_for_bit(fresh):
    y = _series()
    first = _params(y)
    assert len(fresh) == 1 and cache.size()[0] > 0
    again = _params(y)
    assert len(fresh) == 1  # not refitted
    for a, b in zip(first, again, strict=True):
        assert a.tobytes() == b.tobytes()


def test_changed_data_refits(fresh):
    y = _series()
    _params(y)
    z = y.copy()
    z.iloc[-1] += 1e-9
    _params(z)
    assert len(fresh) == 2


def test_changed_code_refits(fresh, monkeypatch):
    y = _series()
    _params(y)
    monkeypatch.setattr(forecast, "FIT_SPEC_VERSION", forecast.FIT_SPEC_VERSION + 1)
    _params(y)
    assert len(fresh) == 2


def test_a_changed_library_version_refits(fresh, monkeypatch):
    y = _series()
    _params(y)
    old = forecast.library_versions()
    monkeypatch.setattr(
        forecast, "library_versions", lambda: old[:-1] + (("statsmodels", "9.9"),)
    )
    _params(y)
    assert len(fresh) == 2


def test_the_code_version_follows_the_source(monkeypatch):
    v = forecast.code_version()
    assert len(v) == 64
    monkeypatch.setattr(forecast, "FIT_SPEC_VERSION", forecast.FIT_SPEC_VERSION + 1)
    forecast.code_version.cache_clear()
    assert forecast.code_version() != v
    monkeypatch.undo()
    forecast.code_version.cache_clear()
    assert forecast.code_version() == v
    import inspect

    assert "SARIMAX" in inspect.getsource(forecast._fit_params)


def test_a_cache_turned_off_still_fits(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    assert cache.cache_dir() is None
    demand.clear_caches()
    p = forecast._estimate_params(_series())
    assert len(p) == 2 and cache.size() == (0, 0)


def test_cba_cache_clear_empties_it(fresh):
    from click.testing import CliRunner

    from cba.cli import cli

    _params(_series())
    assert cache.size()[0] > 0
    info = CliRunner().invoke(cli, ["cache", "info"])
    assert info.exit_code == 0 and "files" in info.output
    res = CliRunner().invoke(cli, ["cache", "clear"])
    assert res.exit_code == 0 and "emptied" in res.output
    assert cache.size() == (0, 0)
    _params(_series())
    assert len(fresh) == 2  # refitted after the clear


def test_a_batch_fits_each_port_series_once_before_the_notebooks(fresh, tmp_path):
    """A site and a broken file: prefit fits the site's series and skips the
    broken file; a later process (here: this one with its in-memory caches
    emptied) building the site's outlook and forecast chart fits nothing."""
    from cba import batch
    from cba.appraisal import traffic
    from cba.params import load_site

    from .conftest import SITES

    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\n")
    files = [SITES / "laredo_world_trade_bridge.yaml", broken]
    assert batch.prefit(files) >= 1
    n = len(fresh)
    assert n >= 1
    demand.clear_caches()
    traffic.port_outlook.cache_clear()
    traffic._month_factors.cache_clear()
    site = load_site(SITES / "laredo_world_trade_bridge.yaml")
    traffic.outlooks_for(site)
    traffic.forecast_chart(site)
    assert len(fresh) == n


CALLS = []


def _work(x, scale=1.0):
    CALLS.append(x)
    return np.arange(3) * x * scale


def test_reuse_computes_once_for_the_same_call_and_again_for_another(fresh, tmp_path):
    from cba import i18n

    CALLS.clear()
    f = tmp_path / "read.yaml"
    f.write_text("a: 1\n")
    a = cache.reuse(_work, 2.0, reads=[f])
    b = cache.reuse(_work, 2.0, reads=[f])
    assert CALLS == [2.0] and a.tobytes() == b.tobytes()
    cache.reuse(_work, 2.0, scale=3.0, reads=[f])  # other arguments
    f.write_text("a: 2\n")
    cache.reuse(_work, 2.0, reads=[f])  # a file it reads changed
    assert len(CALLS) == 3
    cache.reuse(_work, 2.0, reads=[f], per_language=True)
    with i18n.use_language("es"):
        cache.reuse(_work, 2.0, reads=[f], per_language=True)
        cache.reuse(_work, 2.0, reads=[f])  # not per language: shared
    assert len(CALLS) == 5


def test_reuse_keys_on_the_package_and_the_libraries(fresh, monkeypatch):
    assert len(cache.package_version()) == 64
    CALLS.clear()
    cache.reuse(_work, 1.0)
    monkeypatch.setattr(cache, "package_version", lambda: "changed")
    cache.reuse(_work, 1.0)
    monkeypatch.setattr(cache, "_library_versions", lambda: (("numpy", "0"),))
    cache.reuse(_work, 1.0)
    assert len(CALLS) == 3


def test_reuse_of_a_site_appraisal_is_the_appraisal(fresh):
    from cba.appraisal import appraise
    from cba.params import load_site

    from .conftest import SITES

    site = load_site(SITES / "santa_teresa.yaml")
    direct = appraise(site, n_draws=20, seed=3)
    first = cache.reuse(appraise, site, n_draws=20, seed=3)
    again = cache.reuse(
        appraise, load_site(SITES / "santa_teresa.yaml"), n_draws=20, seed=3
    )
    for r in (first, again):
        assert r.metrics.to_csv() == direct.metrics.to_csv()


def test_with_the_cache_off_reuse_just_calls(monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    CALLS.clear()
    cache.reuse(_work, 1.0)
    cache.reuse(_work, 1.0)
    assert CALLS == [1.0, 1.0]


# -- in memory: the queue jobs of an appraisal solved once per process --------


def _count_calls(monkeypatch, module, name) -> list:
    """A list that grows by one at each call of ``module.name`` (still called)."""
    calls = []
    real = getattr(module, name)

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_content_key_tells_values_shapes_types_and_fields_apart():
    from dataclasses import dataclass

    @dataclass
    class Box:
        a: np.ndarray
        b: float | None

    x = np.arange(6.0)
    key = cache.content_key(Box(x, 1.0))
    assert key == cache.content_key(Box(x.copy(), 1.0))
    assert key != cache.content_key(Box(x.reshape(2, 3), 1.0))  # same bytes
    assert key != cache.content_key(Box(x.astype(np.float32), 1.0))
    y = x.copy()
    y[3] = np.nextafter(y[3], 10.0)  # one bit
    assert key != cache.content_key(Box(y, 1.0))
    assert key != cache.content_key(Box(x, None))
    assert cache.content_key((1, 2)) != cache.content_key([1, 2])
    with pytest.raises(TypeError):
        cache.content_key(object())


def test_recent_computes_once_hands_out_copies_and_keeps_nothing_too_large(
    monkeypatch,
):
    calls = []

    def compute():
        calls.append(1)
        return [(np.zeros(4), {"w": np.ones(2)})]

    key = cache.content_key("test_recent", 1)
    first = cache.recent(key, compute)
    first[0][0][:] = 7.0  # a caller changes what it got
    second = cache.recent(key, compute)
    assert len(calls) == 1
    assert (second[0][0] == 0.0).all() and (second[0][1]["w"] == 1.0).all()
    monkeypatch.setattr(cache, "RECENT_BYTES", 16)  # smaller than the result
    big = cache.content_key("test_recent", 2)
    cache.recent(big, compute)
    cache.recent(big, compute)
    assert len(calls) == 3


def test_an_appraisal_after_a_change_no_queue_sees_reads_its_queues_back(
    monkeypatch,
):
    """The value of time changes no queue input: the second appraisal solves no
    queue, and its results are the bytes of one computed from scratch; a
    processing time does change them, and they are solved again."""
    from cba.appraisal import appraise, outlooks_for, queue_jobs
    from cba.params import load_site

    from .golden import SITES

    site = load_site(SITES / "santa_teresa.yaml")
    outlooks = outlooks_for(site)
    appraise(site, outlooks=outlooks)
    solved = _count_calls(monkeypatch, queue_jobs, "_run_queue_jobs")
    vtts = {"common.vtts_personal": 21.0}
    again = appraise(site, outlooks=outlooks, overrides=vtts)
    assert solved == []
    cache.clear_recent()  # forget the queues: compute everything
    fresh = appraise(site, outlooks=outlooks, overrides=vtts)
    assert len(solved) >= 1
    pd.testing.assert_frame_equal(again.metrics, fresh.metrics, check_exact=True)
    n = len(solved)
    appraise(
        site,
        outlooks=outlooks,
        overrides={"streams.trucks_standard.processing_minutes": 2.5},
    )
    assert len(solved) > n


def test_cases_are_read_back_until_a_parameter_file_changes(tmp_path, monkeypatch):
    """cba case reuses a file's results while no parameter file changes; a byte
    changed in any (a shared value's comment here) runs it again."""
    import shutil

    from cba.analysis import cases

    from .golden import ROOT

    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    runs = _count_calls(monkeypatch, cases, "level_comparison")
    obs = params / "observations" / "santa_teresa.yaml"
    first = cases.run_files([obs], params)
    again = cases.run_files([obs], params)
    assert len(runs) == 1
    pd.testing.assert_frame_equal(first, again)
    common = sorted((params / "common").glob("*.yaml"))[0]
    common.write_text(common.read_text() + "\n# edited\n")
    cases.run_files([obs], params)
    assert len(runs) == 2
