"""Stages in series (a crossing's Mexican export, exam, US primary, secondary)
against the two-stage model and a discrete-event simulation (ciw)."""

from __future__ import annotations

import numpy as np
import pytest

from cba.exceptions import ModelDomainError
from cba.queueing import TandemStage, tandem_hourly_waits, two_stage_hourly_waits

from .test_queueing import _block, _ciw_arrivals, _ciw_servers, _ciw_service


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
    arrivals = _ciw_arrivals(spec["arrivals"], total)
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


# ---------------------------------------------------------------------------
# The Mexican export stage in an appraisal
# ---------------------------------------------------------------------------


def _export_doc(positions=4, modules=None):
    import yaml

    from .conftest import PARAMS

    doc = yaml.safe_load((PARAMS / "good_site.yaml").read_text())
    trucks = doc["streams"]["trucks"]
    booths = list(trucks["booths_open"]["value"])
    src = {"assumption": "Test", "rationale": "Test", "owner": "test author"}

    def p(value, unit, **kw):
        return {"description": "x", "value": value, "unit": unit, "source": src, **kw}

    trucks["export"] = {
        "description": "Mexican export customs",
        "lanes": p(max(booths) if modules is None else modules, "booths"),
        "booths_open": p(booths, "booths"),
        "processing_minutes": p(1.0, "minutes/vehicle"),
        "processing_cv": p(1.0, "/1"),
        "exam_share": p(0.1, "/1"),
        "exam_positions": p(positions, "booths"),
        "exam_minutes": p(60.0, "minutes/vehicle"),
    }
    doc["options"]["joint_exam"] = {
        "name": "Joint exam",
        "kind": "unified_processing",
        "description": "Half the trucks skip the Mexican export exam.",
        "changes": {"trucks": {"export_exam_factor": p(0.5, "factor")}},
    }
    return doc


def _load_doc(tmp_path, doc):
    import yaml

    from cba import params

    from .conftest import COMMON

    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return params.load_site(path, COMMON)


def test_export_stage_adds_its_wait_and_a_joint_exam_removes_part_of_it(
    tmp_path, good_site, good_appraisal
):
    from cba.appraisal import appraise

    site = _load_doc(tmp_path, _export_doc())
    res = appraise(site)
    d = res.delay[(res.delay.option == "status_quo") & (res.delay.stream == "trucks")]
    d0 = good_appraisal.delay[
        (good_appraisal.delay.option == "status_quo")
        & (good_appraisal.delay.stream == "trucks")
    ]
    # every truck now also spends the module time, a tenth the exam: more delay
    assert (
        d.delay_vehicle_hours_per_day.to_numpy()
        > d0.delay_vehicle_hours_per_day.to_numpy()
    ).all()
    m = res.metrics[res.metrics.rate_name == "discount_rate_base"].set_index("option")
    assert m.loc["joint_exam", "pv_benefits"] > 0
    # US booths still pay, but less: the export modules meter the trucks that
    # reach US primary in the morning ramp, so its queue is shorter
    m0 = good_appraisal.metrics
    m0 = m0[m0.rate_name == "discount_rate_base"].set_index("option")
    assert 0 < m.loc["sponsor_staffing", "pv_benefits"]
    assert (
        m.loc["sponsor_staffing", "pv_benefits"]
        < m0.loc["sponsor_staffing", "pv_benefits"]
    )


def test_export_stage_is_checked_like_the_others(tmp_path):
    from cba.appraisal.feasibility import check_site
    from cba.exceptions import ParameterError

    doc = _export_doc(modules=2)
    with pytest.raises(
        ParameterError, match="Mexican export, hour 07: 3 modules staffed but 2 exist"
    ):
        _load_doc(tmp_path, doc)
    doc = _export_doc()
    doc["options"]["joint_exam"]["changes"] = {
        "cars": doc["options"]["joint_exam"]["changes"]["trucks"]
    }
    with pytest.raises(ParameterError, match="no Mexican export stage"):
        _load_doc(tmp_path, doc)
    with pytest.raises(ParameterError, match="export exam cannot clear its day"):
        check_site(_load_doc(tmp_path, _export_doc(positions=0)))


@pytest.mark.parametrize("site_id", ["nogales_mariposa", "colombia_solidarity"])
def test_unified_processing_acts_on_the_mexican_export_exam_only(site_id):
    """Unified cargo processing replaces the participants' Mexican export exam
    by the joint exam at US secondary: under the option the share of trucks
    sent to the Mexican exam is today's times the share that does not take
    part, and the US stages are as they were; the report names the stage."""
    from cba.appraisal import model_inputs
    from cba.appraisal.flows import queue_under
    from cba.appraisal.queue_jobs import stream_queue
    from cba.params import load_site
    from cba.report.text import describe_option

    site = load_site(f"parameters/sites/{site_id}.yaml")
    inp = model_inputs(site)
    stream = inp.streams["trucks_standard"]
    base = stream_queue(stream)
    ucp = queue_under(inp, "unified_processing", "trucks_standard", base)
    factor = (
        site.file.options["unified_processing"]
        .changes["trucks_standard"]
        .export_exam_factor.value
    )
    np.testing.assert_allclose(
        ucp.stage("mx_exam").share, base.stage("mx_exam").share * factor
    )
    for name in ("mx_export", "primary", "secondary"):
        b, u = base.stage(name), ucp.stage(name)
        np.testing.assert_array_equal(u.servers, b.servers)
        np.testing.assert_array_equal(u.services_per_hour, b.services_per_hour)
        np.testing.assert_array_equal(np.asarray(u.share), np.asarray(b.share))
    assert describe_option(site, "unified_processing")["stages"] == (
        "Mexican export exam (trucks examined)"
    )


def test_a_fixed_bridge_time_is_reported_and_changes_no_result():
    """El Paso's trucks cross the bridge in 7.6 minutes at free flow (FHWA
    2002): the stage table shows it for every option, and a longer bridge
    time moves no benefit, cost or NPV (it is the same under every option)."""
    from cba.appraisal import appraise
    from cba.params import load_site

    site = load_site("parameters/sites/el_paso_ysleta_zaragoza.yaml")
    key = "streams.trucks_standard.bridge_minutes"
    base = appraise(site, overrides={key: 7.6})
    longer = appraise(site, overrides={key: 30.0})
    for a, minutes in ((base, 7.6), (longer, 30.0)):
        w = a.stage_waits
        bridge = w[(w.stream == "trucks_standard") & (w.stage == "bridge")]
        assert set(bridge.option) == set(site.file.options)
        np.testing.assert_allclose(bridge.wait_minutes, minutes)
        stages = list(w[(w.stream == "trucks_standard")].stage.unique())
        assert stages == [
            "mx_export",
            "mx_exam",
            "bridge",
            "primary",
            "secondary",
            "state_inspection",
        ]
    cols = ["pv_benefits", "pv_costs", "npv"]
    np.testing.assert_allclose(
        longer.metrics[cols].to_numpy(), base.metrics[cols].to_numpy(), rtol=1e-12
    )


def test_the_method_section_lists_each_stream_s_stages_in_order():
    """The report's method section names every stage a stream passes, in the
    order the queue takes them, with the figures that size it."""
    from cba.params import load_site
    from cba.report import method_html

    site = load_site("parameters/sites/nogales_mariposa.yaml")
    html = method_html(site)
    line = html.split("<li>")[1]  # standard trucks
    order = [
        "Mexican export (7 modules",
        "Mexican export exam (8",
        "CBP primary (7 lanes",
        "CBP secondary (15",
    ]
    at = [line.index(x) for x in order]
    assert at == sorted(at)
    assert "weekday, a Saturday and a Sunday" in html
    paso = method_html(load_site("parameters/sites/el_paso_ysleta_zaragoza.yaml"))
    assert "bridge (7.6 min" in paso and "state safety inspection (2" in paso
    assert "covers some of them (mon-tue-wed; thu-fri)" in paso.replace("&#x27;", "'")
    assert "A lane programme: 15%" in paso
