"""Lane programmes carved out of a crossing's passenger vehicles (SENTRI, Ready
Lanes): each a share of the stream it is ``part_of``, which keeps the rest, so
the crossing's traffic is kept in every draw."""

from __future__ import annotations

import numpy as np
import pytest

from cba import appraisal, params
from cba.appraisal import day_types_for
from cba.appraisal.inputs import build_inputs, draw_values
from cba.appraisal.traffic import (
    base_year_traffic,
    outlook_key,
    outlooks_for,
    volume_paths,
)

from .conftest import COMMON, PARAMS, SITES

EL_PASO = SITES / "el_paso_ysleta_zaragoza.yaml"
CARS = ("passenger_vehicles", "passenger_ready", "passenger_sentri")


def _programme_site(tmp_path):
    """The test site with half its cars (a drawn share) in a SENTRI stream."""
    text = (PARAMS / "bad_parts_take_all.yaml").read_text()
    text = text.replace(
        "distribution: {type: triangular, low: 0.2, mode: 0.5, high: 1.0}",
        "distribution: {type: triangular, low: 0.2, mode: 0.5, high: 0.8}",
    )
    path = tmp_path / "programmes.yaml"
    path.write_text(text)
    return params.load_site(path, COMMON)


def test_a_part_and_its_stream_keep_the_typed_volume_in_every_draw(tmp_path, good_site):
    site = _programme_site(tmp_path)
    inp = build_inputs(site, draw_values(site, 40, seed=5))
    vols = volume_paths(inp)
    whole = volume_paths(build_inputs(good_site, draw_values(good_site, 40, seed=5)))
    np.testing.assert_allclose(
        vols["cars"] + vols["cars_sentri"], whole["cars"], rtol=1e-12
    )
    share = inp.streams["cars_sentri"].volume.annual / whole["cars"][:, 0]
    assert np.std(share) > 0.01  # the share is drawn
    np.testing.assert_allclose(
        vols["cars_sentri"], share[:, None] * whole["cars"], rtol=1e-12
    )


def test_el_paso_programmes_add_up_to_the_bridge_s_cars_in_every_draw():
    """General + Ready + SENTRI = 0.29 of the El Paso area's personal vehicles
    (Ysleta's share), draw by draw, with the drawn programme shares."""
    site = params.load_site(EL_PASO, COMMON)
    inp = build_inputs(site, draw_values(site, 40, seed=9))
    vols = volume_paths(inp, outlooks_for(site))
    total = sum(vols[s] for s in CARS)
    port = site.file.streams["passenger_vehicles"].volume
    ol = outlooks_for(site)[outlook_key(port.port_code, port.measure)]
    expected = port.share.value * ol.loc[inp.years, "mean"].to_numpy()
    np.testing.assert_allclose(
        total, np.broadcast_to(expected, total.shape), rtol=1e-12
    )
    ready = vols["passenger_ready"] / total
    assert ready.min() >= 0.25 - 1e-12 and ready.max() <= 0.55 + 1e-12
    table = base_year_traffic(site, outlooks_for(site)).set_index("stream")
    assert table.loc[list(CARS), "share"].sum() == pytest.approx(0.29, abs=1e-12)
    assert table.loc["passenger_sentri", "share"] == pytest.approx(0.29 * 0.15)


def test_a_programme_follows_its_stream_s_months_and_days():
    site = params.load_site(EL_PASO, COMMON)
    for dt in day_types_for(site):
        for sid in CARS[1:]:
            assert np.all(
                np.asarray(dt.factor(sid)) == np.asarray(dt.factor(CARS[0]))
            ), (dt.name, sid)


def test_trusted_travellers_move_from_the_general_lanes_to_sentri():
    """The trusted-traveller option shifts 15 % of the general lanes' traffic
    to the SENTRI lanes (at full effect): trips in the SENTRI lanes rise by
    what the general lanes lose, and the general lanes' peak wait falls."""
    site = params.load_site(EL_PASO, COMMON)
    a = appraisal.appraise(site)
    r = a.responses
    last = r.year.max()
    row = r[r.year == last].set_index(["option", "stream"])
    sq, tt = "status_quo", "trusted_traveler"
    moved = (
        row.loc[(tt, "passenger_sentri"), "trips_made_per_day"]
        - row.loc[(sq, "passenger_sentri"), "trips_made_per_day"]
    )
    lost = (
        row.loc[(sq, "passenger_vehicles"), "trips_made_per_day"]
        - row.loc[(tt, "passenger_vehicles"), "trips_made_per_day"]
    )
    assert moved > 0
    assert moved == pytest.approx(lost, rel=0.05)
    w = a.waits
    peak = {
        o: w[(w.option == o) & (w.stream == "passenger_vehicles")].wait_minutes.max()
        for o in (sq, tt)
    }
    assert peak[tt] < peak[sq]
