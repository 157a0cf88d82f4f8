"""Staffing windows on named days of the week (an agreement's Thursday-Friday
evening and Saturday windows): day types split where windows differ, the
booths a window opens on its days only, and costs of its days only."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from cba import appraisal, params
from cba.appraisal import day_types_for
from cba.appraisal.inputs import ChangeInputs
from cba.vocab import DAYS_OF_WEEK

from .conftest import COMMON, SITES

SITE = "el_paso_ysleta_zaragoza"
#: Two booths 08-18 (the pattern the shipped option used before its windows).
DAYTIME = [0] * 8 + [2] * 10 + [0] * 6


def _site(tmp_path, windows=None, extra=None, name="x", edit=None):
    """El Paso with its sponsor option's truck booths replaced: ``windows`` a
    list of (days, 24 values); ``extra`` 24 values on every day; ``edit``
    changes the file's document first."""
    doc = params.site_document(SITES / f"{SITE}.yaml")
    if edit is not None:
        edit(doc)
    ch = doc["options"]["sponsor_staffing"]["changes"]["trucks_standard"]
    ch.pop("windows", None)
    ch.pop("extra_booths", None)
    src = {"assumption": "Test pattern", "rationale": "Test", "owner": "test author"}

    def booths(v):
        return {"description": "Booths", "value": v, "unit": "booths", "source": src}

    if extra is not None:
        ch["extra_booths"] = booths(extra)
    if windows:
        ch["windows"] = [{"days": d, "extra_booths": booths(v)} for d, v in windows]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return params.load_site(path, COMMON)


def _component(a, oid, component):
    cf = a.cashflows
    sel = (
        (cf.option == oid)
        & (cf.component == component)
        & (cf.side == "cost")
        & (cf.draw == 0)
    )
    return float(cf[sel].value.sum())


def test_the_shipped_windows_split_each_weekday_into_their_days():
    site = params.load_site(SITES / f"{SITE}.yaml", COMMON)
    dts = day_types_for(site)
    assert sum(d.weight for d in dts) == pytest.approx(1.0, abs=1e-12)
    # every day of the week is in exactly one day type of each season
    seasons = {d.name.split(" of the ")[1].split(" (")[0] for d in dts}
    for season in seasons:
        days = [day for d in dts if f"of the {season}" in d.name for day in d.week_days]
        assert sorted(days) == sorted(DAYS_OF_WEEK)
    split = [d for d in dts if d.weekday == "weekday"]
    assert [d.days for d in split[:2]] == [("mon", "tue", "wed"), ("thu", "fri")]
    # Monday-Wednesday weighs 3/2 of Thursday-Friday, with the same traffic
    a, b = split[:2]
    assert a.weight / b.weight == pytest.approx(1.5, rel=1e-12)
    for sid in site.file.streams:
        assert np.all(np.asarray(a.factor(sid)) == np.asarray(b.factor(sid)))


def test_booths_on_a_day_type_average_its_days_windows():
    ch = ChangeInputs(
        extra_booths=np.ones(24),
        processing_factor=None,
        secondary_referral_factor=None,
        shift_share=None,
        shift_to=None,
        windows=((("thu", "fri"), np.full(24, 3.0)), (("sat",), np.full(24, 2.0))),
    )
    assert ch.booths_on(("thu", "fri"))[0] == 4.0
    assert ch.booths_on(("sat",))[0] == 3.0
    assert ch.booths_on(("sun",))[0] == 1.0
    # a weekday not split by the windows averages them: 1 + 3 x 2/5
    assert ch.booths_on(DAYS_OF_WEEK[:5])[0] == pytest.approx(2.2, rel=1e-12)
    # booth-hours of the average day of the week: (7 + 3 x 2 + 2) x 24 / 7
    assert ch.booth_hours_a_day() == pytest.approx(15 * 24 / 7, rel=1e-12)


def test_a_window_on_every_day_is_the_same_as_extra_booths(tmp_path):
    every = appraisal.appraise(_site(tmp_path, extra=DAYTIME, name="every"))
    window = appraisal.appraise(
        _site(tmp_path, windows=[(list(DAYS_OF_WEEK), DAYTIME)], name="window")
    )
    m0 = every.metrics.set_index(["option", "rate_name"])
    m1 = window.metrics.set_index(["option", "rate_name"])
    for col in ("pv_benefits", "pv_costs", "npv"):
        np.testing.assert_allclose(m1[col], m0[col], rtol=1e-12, atol=1e-6)


def test_a_window_costs_its_days_only_and_helps_only_on_them(tmp_path):
    """Officer time of a Thursday-Friday window is 2/6 of the same booths
    every day (hand calculation: booth-hours x officers x days / 7 x 2, against
    x 6 for every day the truck lanes open: Ysleta's are closed on Sundays, and
    no booth is bought on a closed day); its benefits are positive and smaller
    than every day's."""
    every = appraisal.appraise(_site(tmp_path, extra=DAYTIME, name="every"))
    thu_fri = appraisal.appraise(
        _site(tmp_path, windows=[(["thu", "fri"], DAYTIME)], name="thu_fri")
    )
    c0 = _component(every, "sponsor_staffing", "officer_time")
    c1 = _component(thu_fri, "sponsor_staffing", "officer_time")
    assert c0 > 0
    # the passenger booths (every day) are in both: take them out by a third
    # run without truck booths at all
    cars = appraisal.appraise(_site(tmp_path, name="cars"))
    c_cars = _component(cars, "sponsor_staffing", "officer_time")
    assert (c1 - c_cars) == pytest.approx((c0 - c_cars) * 2 / 6, rel=1e-9)

    def benefits(a):
        m = a.metrics
        return float(m[(m.option == "sponsor_staffing")].pv_benefits.iloc[0])

    assert benefits(cars) < benefits(thu_fri) < benefits(every)


def test_no_booth_is_bought_on_a_day_the_lanes_are_closed(tmp_path):
    """The same booths every day cost 6/7 as much when the stream's lanes close
    on Sundays (``week.sunday: 0``) as when they open every day."""

    def sunday(value):
        def edit(doc):
            for sid in ("trucks_standard", "trucks_fast"):
                day = doc["streams"][sid]["week"]["sunday"]
                day["value"] = value
                day.pop("distribution", None)

        return edit

    def officer_time(**kw):
        a = appraisal.appraise(_site(tmp_path, **kw))
        return _component(a, "sponsor_staffing", "officer_time")

    cars = officer_time(name="cars")
    closed = officer_time(extra=DAYTIME, name="closed", edit=sunday(0.0))
    open_ = officer_time(extra=DAYTIME, name="open", edit=sunday(0.2))
    assert closed - cars == pytest.approx((open_ - cars) * 6 / 7, rel=1e-9)
