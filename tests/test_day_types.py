"""Days that differ: seasons from the monthly data, weighted to the year."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import yaml

from cba import appraisal, demand, params
from cba.appraisal import day_types_for
from cba.appraisal.flows import option_flows
from cba.appraisal.inputs import DayType
from cba.exceptions import ParameterError

from .conftest import COMMON, SITES


def _site(tmp_path, name, edit=None, day_types="seasons"):
    doc = params.site_document(SITES / f"{name}.yaml")
    doc["site"]["day_types"] = day_types
    if edit:
        edit(doc)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return params.load_site(path, COMMON)


@pytest.mark.parametrize(
    "port, measure",
    [("2305", "Trucks"), ("2604", "Trucks"), ("2305", "Personal Vehicles")],
)
def test_month_factors_keep_each_years_volume(port, measure):
    s = demand.monthly_crossings(port, measure)
    f = demand.month_factors(s)
    assert f.shape == (12,)
    # weighted by the days of each month they average to one: the year's volume
    assert (f * demand.seasons.DAYS_IN_MONTH).sum() / 365.25 == pytest.approx(1, 1e-12)
    # a hand check of one factor: last complete years, July's mean daily over the year's
    years = sorted({d.year for d in s.index if (s.index.year == d.year).sum() == 12})[
        -3:
    ]
    july = np.mean([(s[f"{y}-07-01"] / 31) / (s[str(y)].sum() / 365.25) for y in years])
    assert f[6] == pytest.approx(july, rel=1e-12)


def test_seasons_weights_sum_to_the_year_and_keep_volumes(tmp_path):
    site = _site(tmp_path, "pharr_reynosa")
    dts = day_types_for(site)
    assert [d.name for d in dts] == ["quiet months", "middle months", "busy months"]
    assert sum(d.weight for d in dts) == pytest.approx(1.0, abs=1e-12)
    assert sorted(m for d in dts for m in d.months) == list(range(1, 13))
    for sid in site.file.streams:
        assert sum(d.weight * d.factor(sid) for d in dts) == pytest.approx(1, abs=1e-12)
    lead = [d.factor("trucks_standard") for d in dts]
    assert lead == sorted(lead)  # quietest first, by the lead (truck) stream


def test_a_site_without_seasons_is_evaluated_on_its_average_day(good_site, tmp_path):
    assert day_types_for(good_site) == (appraisal.inputs.AVERAGE_DAY,)
    assert day_types_for(_site(tmp_path, "pharr_reynosa", day_types="average")) == (
        appraisal.inputs.AVERAGE_DAY,
    )


def test_day_types_that_are_all_average_give_the_average_day(good_site):
    inp = appraisal.model_inputs(good_site)
    vols = appraisal.volume_paths(inp)
    one = option_flows(inp, vols)
    two = option_flows(
        replace(inp, day_types=(DayType("a", 0.25), DayType("b", 0.75))), vols
    )
    for f1, f2 in zip(one.flows, two.flows, strict=True):
        np.testing.assert_allclose(f2.value, f1.value, rtol=1e-12, atol=1e-9)


def test_busy_and_quiet_days_cost_more_delay_than_the_average_day(tmp_path):
    """Queues are convex in traffic: a year of quiet and busy days has more
    delay than as many average days (and the busy months' wait is longer)."""
    site = _site(tmp_path, "pharr_reynosa")
    avg = _site(tmp_path, "pharr_reynosa", day_types="average")
    seasons, average = appraisal.appraise(site), appraisal.appraise(avg)
    d_s = seasons.delay[
        seasons.delay.option == "status_quo"
    ].delay_vehicle_hours_per_day
    d_a = average.delay[
        average.delay.option == "status_quo"
    ].delay_vehicle_hours_per_day
    assert d_s.sum() > d_a.sum()
    w = seasons.waits[seasons.waits.option == "status_quo"]
    assert (w.wait_busiest_minutes.fillna(0) >= w.wait_minutes.fillna(0) - 1e-9).all()
    assert "wait_busiest_minutes" not in average.waits.columns


def test_a_status_quo_that_cannot_clear_its_busy_months_is_refused(tmp_path):
    """Nogales' busy (produce) months carry about 1.25 times the average day's
    trucks: where every lane is already staffed at the peak (staffing cannot
    follow the season), a schedule that clears the average day but not those
    days is refused with seasons and accepted without."""
    base = _site(tmp_path, "nogales_mariposa", day_types="average")
    daily = float(
        appraisal.base_year_traffic(base, appraisal.outlooks_for(base))
        .set_index("stream")
        .loc["trucks_standard", "per_day"]
    )
    booth_hours = float(np.sum(base.file.streams["trucks_standard"].booths_open.value))
    minutes = booth_hours * 60.0 / (daily * 1.1)  # capacity 1.1 x the average day

    def slow(doc):
        stream = doc["streams"]["trucks_standard"]
        stream["processing_minutes"]["value"] = minutes
        stream["processing_minutes"].pop("distribution")
        # every lane already staffed at the peak: staffing cannot follow the season
        stream["lanes"]["value"] = max(stream["booths_open"]["value"])
        doc["options"] = {"status_quo": doc["options"]["status_quo"]}

    from cba.appraisal.feasibility import check_site

    check_site(_site(tmp_path, "nogales_mariposa", slow, day_types="average"))
    with pytest.raises(ParameterError, match=r"busy months \(months \[2, 3, 4, 5\]\)"):
        check_site(_site(tmp_path, "nogales_mariposa", slow))


def test_staffing_follows_the_season_within_the_lanes(tmp_path):
    from cba.appraisal.flows import staffed_for_day
    from cba.appraisal.queue_jobs import stream_queue

    site = _site(tmp_path, "nogales_mariposa")
    inp = replace(appraisal.model_inputs(site), day_types=day_types_for(site))
    stream = inp.streams["trucks_standard"]
    base = stream_queue(stream)
    lanes = float(site.file.streams["trucks_standard"].lanes.value)
    booths = np.asarray(site.file.streams["trucks_standard"].booths_open.value, float)
    for dt in inp.day_types:
        got = staffed_for_day(dt, stream, base).stage("primary").servers.ravel()
        want = np.minimum(lanes, np.round(booths * dt.factor("trucks_standard")))
        np.testing.assert_array_equal(got, want)
    busy = inp.day_types[-1]
    assert busy.factor("trucks_standard") > 1.2  # the produce months
    assert (
        staffed_for_day(busy, stream, base).stage("primary").servers.max()
        > booths.max()
    )


def test_weekdays_saturdays_and_sundays_weigh_to_the_year_and_keep_volumes():
    """Every shipped site with data: 9 day types (3 seasons x weekday,
    Saturday, Sunday; 12 at El Paso, whose Thursday-Friday staffing window
    splits each weekday into Monday-Wednesday and Thursday-Friday) whose
    weights sum to the year and whose factors keep each stream's volume; the
    same with drawn weekend ratios (per draw)."""
    for path in sorted(SITES.glob("*.yaml")):
        site = params.load_site(path, COMMON)
        dts = day_types_for(site)
        if dts == (appraisal.inputs.AVERAGE_DAY,):
            continue
        n = {"el_paso_ysleta_zaragoza": 12}.get(path.stem, 9)
        assert len(dts) == n and {d.weekday for d in dts} == {
            "weekday",
            "saturday",
            "sunday",
        }
        assert sum(d.weight for d in dts) == pytest.approx(1.0, abs=1e-12)
        for sid in site.file.streams:
            kept = sum(d.weight * np.asarray(d.factor(sid)) for d in dts)
            np.testing.assert_allclose(kept, 1.0, atol=1e-12)
        inp = appraisal.model_inputs(site, n_draws=50, seed=3)
        drawn = day_types_for(site, inp)
        for sid in site.file.streams:
            kept = sum(d.weight * np.asarray(d.factor(sid)) for d in drawn)
            np.testing.assert_allclose(kept, np.ones(50), atol=1e-12)


def test_weekday_factors_by_hand():
    """Trucks with a Saturday at half a weekday and a Sunday at a fifth carry
    7 / 5.7 of the average day on a weekday; Santa Teresa's commercial lanes
    close at weekends, so its weekday carries 7/5 of its average day."""
    from cba.appraisal.traffic import with_weekdays

    class S:
        def __init__(self, week):
            self.week = week

    class Inp:
        streams = {"t": S((np.array([0.5]), np.array([0.2]))), "c": S(None)}

    (wk, sat, sun) = with_weekdays((DayType("all", 1.0),), Inp())
    assert float(wk.factor("t")[0]) == pytest.approx(7 / 5.7, rel=1e-12)
    assert float(sat.factor("t")[0]) == pytest.approx(0.5 * 7 / 5.7, rel=1e-12)
    assert float(sun.factor("t")[0]) == pytest.approx(0.2 * 7 / 5.7, rel=1e-12)
    assert wk.factor("c") == 1.0 and (wk.weight, sat.weight) == (5 / 7, 1 / 7)
    st = params.load_site(SITES / "santa_teresa.yaml", COMMON)
    for d in day_types_for(st):
        season = {"weekday": 7 / 5, "saturday": 0.0, "sunday": 0.0}[d.weekday]
        base = [x for x in day_types_for(_plain(st)) if x.months == d.months][0]
        f = float(np.asarray(d.factor("trucks_standard")).ravel()[0])
        assert f == pytest.approx(season * base.factor("trucks_standard"), rel=1e-12)


def _plain(site):
    """The same site evaluated on seasons only."""
    info = site.info.model_copy(update={"day_types": "seasons"})
    file = site.file.model_copy(update={"site": info})
    return replace(site, file=file)


def test_weighted_quantile_of_days_by_hand():
    """The 95th percentile over days: the smallest wait whose share of days at
    or below it reaches 95 %; days without traffic (NaN) take no weight."""
    from cba.uncertainty import weighted_quantile

    w = [0.9, 0.06, 0.04]
    assert float(weighted_quantile([1.0, 2.0, 3.0], w, 0.95)) == 2.0
    assert float(weighted_quantile([3.0, 2.0, 1.0], [0.04, 0.06, 0.9], 0.95)) == 2.0
    assert float(weighted_quantile([1.0, 2.0, 3.0], [0.9, 0.04, 0.06], 0.95)) == 3.0
    assert float(weighted_quantile([np.nan, 2.0, 3.0], w, 0.95)) == 3.0
    assert np.isnan(weighted_quantile([np.nan, np.nan], [0.5, 0.5], 0.95))
    out = weighted_quantile(np.arange(12.0).reshape(3, 2, 2), w, 0.5)
    np.testing.assert_array_equal(out, [[0.0, 1.0], [2.0, 3.0]])


def test_reports_show_the_95th_percentile_wait_of_the_years_days(monkeypatch):
    """Every hour's 95th-percentile wait over the year's days is one of the day
    types' waits at that hour (a quantile of days picks a day), so it lies
    between the shortest and the longest of them; it is at or above the mean
    wait somewhere in the day, and the report's table carries it."""
    from cba.appraisal import flows

    seen = {}
    over = flows._over_day_types

    def spy(inp, raw):
        out = over(inp, raw)
        seen.update(inp=inp, raw=raw, out=out)
        return out

    monkeypatch.setattr(flows, "_over_day_types", spy)
    site = params.load_site(SITES / "pharr_reynosa.yaml", COMMON)
    w = appraisal.appraise(site).waits
    inp, raw, out = seen["inp"], seen["raw"], seen["out"]
    sid = "trucks_standard"
    by_day = np.stack(
        [raw[(k, "status_quo", sid)][1][0] for k in range(len(inp.day_types))]
    )  # (day types, H) [hours]
    p95 = out[("status_quo", sid)][7][0]
    hours = ~np.isnan(p95)
    assert hours.sum() >= 12  # the truck lanes open most of the day
    lo, hi = np.nanmin(by_day, axis=0), np.nanmax(by_day, axis=0)
    assert np.all(p95[hours] >= lo[hours] - 1e-12)
    assert np.all(p95[hours] <= hi[hours] + 1e-12)
    assert all(np.any(np.isclose(by_day[:, h], p95[h])) for h in np.flatnonzero(hours))
    sq = w[(w.option == "status_quo") & (w.stream == sid)]
    np.testing.assert_allclose(
        sq.wait_days_p95_minutes.to_numpy()[hours], 60 * p95[hours], rtol=1e-9
    )
    assert (sq.wait_days_p95_minutes >= sq.wait_minutes - 1e-9).any()
    assert sq.wait_days_p95_minutes.max() >= sq.wait_minutes.max() - 1e-9


def test_weighted_quantile_agrees_with_numpy_nanquantile_on_random_inputs():
    """The vectorised weighted quantile (zero weight on NaN) equals numpy's
    nanquantile with the same weights, slice by slice, NaN slices included."""
    import warnings

    from cba.uncertainty import weighted_quantile

    rng = np.random.default_rng(11)
    for _ in range(200):
        k = int(rng.integers(1, 13))
        extra = rng.integers(1, 5, size=int(rng.integers(0, 3)))
        shape = (k, *(int(x) for x in extra))
        v = rng.random(shape)
        v[rng.random(shape) < 0.3] = np.nan
        w = rng.random(k)
        q = float(rng.choice([0.05, 0.5, 0.95, 1.0]))
        wb = np.broadcast_to(w.reshape((-1,) + (1,) * (v.ndim - 1)), v.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
            expected = np.nanquantile(v, q, axis=0, weights=wb, method="inverted_cdf")
        np.testing.assert_array_equal(weighted_quantile(v, w, q), expected)
    with pytest.raises(ValueError, match="must be in"):
        weighted_quantile([1.0, 2.0], [0.5, 0.5], 0.0)
