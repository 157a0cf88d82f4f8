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
    doc = yaml.safe_load((SITES / f"{name}.yaml").read_text())
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
    from cba.appraisal.flows import _staffed_for
    from cba.appraisal.queue_jobs import stream_queue

    site = _site(tmp_path, "nogales_mariposa")
    inp = replace(appraisal.model_inputs(site), day_types=day_types_for(site))
    stream = inp.streams["trucks_standard"]
    base = stream_queue(stream)
    lanes = float(site.file.streams["trucks_standard"].lanes.value)
    booths = np.asarray(site.file.streams["trucks_standard"].booths_open.value, float)
    for dt in inp.day_types:
        got = _staffed_for(dt, stream, base).stage("primary").servers.ravel()
        want = np.minimum(lanes, np.round(booths * dt.factor("trucks_standard")))
        np.testing.assert_array_equal(got, want)
    busy = inp.day_types[-1]
    assert busy.factor("trucks_standard") > 1.2  # the produce months
    assert (
        _staffed_for(busy, stream, base).stage("primary").servers.max() > booths.max()
    )
