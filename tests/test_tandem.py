"""Stages in series (a crossing's Mexican export, exam, US primary, secondary)
against the two-stage model and a discrete-event simulation (ciw)."""

from __future__ import annotations

import numpy as np
import pytest

from cba.exceptions import ModelDomainError
from cba.queueing import TandemStage, tandem_hourly_waits, two_stage_hourly_waits

from .test_queueing import _block, _ciw_servers, _ciw_service


def test_main_and_side_stage_equal_the_two_stage_model():
    lam = _block(30, h6_9=80, h9_15=110, h15_21=90)
    two = two_stage_hourly_waits(lam, np.full(24, 6), 20.0, 0.2, np.full(24, 3), 8.0)
    tandem = tandem_hourly_waits(
        lam,
        [
            TandemStage(np.full(24, 6), 20.0),
            TandemStage(np.full(24, 3), 8.0, share=0.2, side=True),
        ],
    )
    np.testing.assert_allclose(
        tandem.stage_waits[0], two.primary_wait_hours, rtol=1e-12
    )
    np.testing.assert_allclose(
        tandem.stage_waits[1], two.secondary_wait_hours, rtol=1e-12
    )
    np.testing.assert_allclose(tandem.mean_wait_hours, two.mean_wait_hours, rtol=1e-12)


def test_a_second_main_stage_sees_what_the_first_lets_through():
    lam = _block(10, h8_12=120)
    r = tandem_hourly_waits(
        lam, [TandemStage(np.full(24, 5), 20.0), TandemStage(np.full(24, 10), 20.0)]
    )
    # the first stage serves about 100 an hour at most (the fluid model's
    # entries into service can run 1 % over in the hour a backlog starts):
    # the second never sees the 120 arriving
    assert r.stage_arrivals[1].max() <= 101.0
    assert r.stage_arrivals[1].sum() == pytest.approx(lam.sum(), rel=1e-9)
    assert r.stage_waits[1].max() < 0.05  # the second stage has room


def test_tandem_domain_errors():
    with pytest.raises(ModelDomainError, match="must be a main stage"):
        tandem_hourly_waits(np.ones(24), [TandemStage(np.ones(24), 2.0, side=True)])
    with pytest.raises(ModelDomainError, match="share"):
        tandem_hourly_waits(
            np.ones(24),
            [TandemStage(np.ones(24), 2.0), TandemStage(1, 2.0, share=1.5, side=True)],
        )


# Over-saturated crossings: (booths, services per booth-hour, CV, share, side)
# for Mexican export modules, the export exam, US primary and US secondary.
TANDEM = {
    "export over capacity at the peak": dict(
        arrivals=_block(10, h6_9=60, h9_13=95, h13_20=60),
        stages=[
            (8, 10.0, 1.0, 1.0, False),
            (3, 2.0, 1.0, 0.1, True),
            (10, 12.0, 1.0, 1.0, False),
            (4, 3.0, 1.0, 0.15, True),
        ],
    ),
    "US primary over capacity at the peak": dict(
        arrivals=_block(10, h6_9=60, h9_13=100, h13_20=70),
        stages=[
            (10, 15.0, 1.0, 1.0, False),
            (3, 2.0, 1.0, 0.1, True),
            (7, 12.0, 1.0, 1.0, False),
            (4, 3.0, 1.0, 0.15, True),
        ],
    ),
    "both main stages over capacity, exam over capacity": dict(
        arrivals=_block(10, h6_9=60, h9_13=92, h13_20=66),
        stages=[
            (8, 11.0, 1.0, 1.0, False),
            (2, 2.0, 1.0, 0.08, True),
            (8, 11.5, 1.0, 1.0, False),
            (3, 3.0, 1.0, 0.1, True),
        ],
    ),
}


def _simulate_tandem(spec, days, seed):
    """Per (day, hour of arrival at the first stage): summed waits at every stage
    and vehicles arriving, after one warm-up day."""
    import ciw

    ciw.seed(seed)
    total = days + 1
    arrivals = ciw.dists.PoissonIntervals(
        [float(v) for v in spec["arrivals"]],
        [float(h + 1) for h in range(24)],
        max_sample_date=24.0 * total,
    )
    st = spec["stages"]
    p, q = float(st[1][3]), float(st[3][3])
    network = ciw.create_network(
        arrival_distributions=[arrivals, None, None, None],
        service_distributions=[_ciw_service(x[1], x[2]) for x in st],
        number_of_servers=[_ciw_servers(np.full(24, x[0])) for x in st],
        routing=[
            [0.0, p, 1.0 - p, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, q],
            [0.0, 0.0, 0.0, 0.0],
        ],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(24.0 * total + 48.0)
    records = [r for r in sim.get_all_records() if r.record_type == "service"]
    start = {r.id_number: r.arrival_date for r in records if r.node == 1}
    waits, count = np.zeros((days, 24)), np.zeros((days, 24))
    for r in records:
        t = start.get(r.id_number)
        if t is None:
            continue
        day, hour = int(t // 24) - 1, int(t % 24)
        if 0 <= day < days:
            waits[day, hour] += r.waiting_time
            count[day, hour] += r.node == 1
    return waits, count


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TANDEM))
def test_tandem_stages_against_simulation(name):
    """Daily vehicle-hours within 10 % and the peak hour's wait within 20 % of a
    ciw simulation of the same four-stage network (150 days)."""
    spec = TANDEM[name]
    stages = [
        TandemStage(np.full(24, c), mu, cv, s, side)
        for c, mu, cv, s, side in spec["stages"]
    ]
    r = tandem_hourly_waits(spec["arrivals"], stages)
    model_daily = sum(
        float((a * w).sum())
        for a, w in zip(r.stage_arrivals, r.stage_waits, strict=True)
    )
    peak = int(np.argmax(r.mean_wait_hours))
    waits, count = _simulate_tandem(spec, days=150, seed=20250101)
    sim_daily = waits.sum(axis=1).mean()
    sim_peak = waits[:, peak].sum() / count[:, peak].sum()
    assert model_daily == pytest.approx(sim_daily, rel=0.10)
    assert float(r.mean_wait_hours[peak]) == pytest.approx(sim_peak, rel=0.20)
