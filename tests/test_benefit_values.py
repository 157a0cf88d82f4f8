"""The values that drive truck benefits: the carrier's truck time, cargo per
loaded truck and the share of trucks crossing empty, checked against their
sources (ATRI's cost split, the shipped BTS counts) by hand calculation."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose

from cba.appraisal import appraise, model_inputs
from cba.params import load_site

from .conftest import ROOT

SITES = ROOT / "parameters" / "sites"
BTS = ROOT / "cba" / "data" / "bts_border_crossings_us_mexico.csv"


def test_truck_time_cost_is_atri_payments_and_insurance_per_hour():
    """(0.390 + 0.099) USD a mile x 40.2 mph (ATRI's 90.89 USD an hour over its
    2.260 USD a mile) = 19.7 USD an hour; it leaves out the driver's pay, which
    the driver's value of time holds, and the fuel, counted while idling."""
    doc = yaml.safe_load(
        (ROOT / "parameters" / "common" / "values_of_time.yaml").read_text()
    )
    p = doc["parameters"]["vehicle_time_cost_truck"]
    speed = 90.89 / 2.260
    assert_allclose(p["value"], (0.390 + 0.099) * speed, atol=0.05)
    assert p["value"] + 40.0 + 11.0 < 71.57 + 1.0  # within ATRI's total without fuel
    assert p["unit"] == "USD/vehicle-hour" and p["dollar_year"] == 2024


def test_truck_benefits_split_by_hand():
    """At the World Trade Bridge (trucks only) the carrier's truck time is the
    driver's time x cost / value of time, and cargo time is the loaded trucks'
    hours x value x carrying rate / 8,760, for every year of an option."""
    site = load_site(SITES / "laredo_world_trade_bridge.yaml")
    a = appraise(site)
    inp = model_inputs(site)
    cf = a.cashflows[a.cashflows.option == "sponsor_staffing"]
    by = cf.pivot_table(
        index="year", columns="component", values="value", aggfunc="sum"
    )
    s = inp.streams["trucks_standard"]
    assert_allclose(inp.streams["trucks_fast"].empty_share, s.empty_share)
    vot = float(inp.economy.value_of_time["truck_driver"][0]) * float(s.occupancy[0])
    cost = float(s.vehicle_time_cost[0])
    assert by["travel_time"].abs().sum() > 0
    assert_allclose(by["vehicle_time"], by["travel_time"] * cost / vot, rtol=1e-9)
    per_hour = (
        (1 - float(s.empty_share[0]))
        * float(s.cargo_value[0])
        * float(inp.economy.inventory_carrying_rate[0])
        / 8760.0
    )
    assert_allclose(by["cargo_time"], by["travel_time"] / vot * per_hour, rtol=1e-9)


def _bts_empty_share(port: str, year: int) -> float:
    d = pd.read_csv(BTS, dtype={"port_code": str})
    d = d[(d.port_code == port) & d.date.str.startswith(str(year))]
    v = d.groupby("measure").value.sum()
    return float(
        v["Truck Containers Empty"]
        / (v["Truck Containers Empty"] + v["Truck Containers Loaded"])
    )


def _empty_params():
    for path in sorted(SITES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for sid, s in doc["streams"].items():
            if "empty_share" in s:
                yield pytest.param(
                    path.stem, sid, s["empty_share"], id=f"{path.stem}-{sid}"
                )


@pytest.mark.parametrize("site, sid, p", list(_empty_params()))
def test_empty_share_is_the_bts_count(site, sid, p):
    """Every empty share taken from the BTS counts equals the shipped data's
    empty / (empty + loaded) containers of its port and year; the others are
    labelled assumptions."""
    title = p["source"].get("title")
    if title is None:
        assert p["source"]["assumption"] and "distribution" in p
        return
    port, year = re.search(r"port (\d{4}) .*?(\d{4})", title).groups()
    assert_allclose(p["value"], _bts_empty_share(port, int(year)), atol=5e-4)


def test_every_truck_stream_has_its_empty_share_and_cargo_value():
    for path in sorted(SITES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for sid, s in doc["streams"].items():
            if s["mode"] == "truck":
                assert "empty_share" in s and "cargo_value" in s, (path.stem, sid)
                assert "loaded" in s["cargo_value"]["description"]
