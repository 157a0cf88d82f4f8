"""Real cases to check the models against what was reported.

Main functions: :func:`load_case`, :func:`staffing_wait_effect`,
:func:`el_paso_rsp_comparison`.

The El Paso reimbursable-services agreement (2014-2016) bought about 29,000
officer-hours for about 3.1 M USD; the city reported waits 15 % shorter for
trucks and 14 % shorter for cars. :func:`el_paso_rsp_comparison` spreads the
hours over the Ysleta-Zaragoza booths in the busy hours, runs the queue model
on the traffic of the agreement period, and puts the predicted reductions
beside the reported ones.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import demand
from ..appraisal import model_inputs
from ..appraisal.queue_jobs import (
    QueueJob,
    anchor_periods,
    run_queue_jobs,
    stream_queue,
)
from ..params import CommonFile, Param, Site, parse, read_yaml
from ..vocab import HOURS

__all__ = [
    "load_case",
    "staffing_wait_effect",
    "el_paso_rsp_comparison",
    "el_paso_rsp_sensitivity",
    "comparison_sentences",
    "spread_booth_hours",
]


def load_case(path: str | Path) -> dict[str, Param]:
    """Load a case file (same schema as a shared-values file)."""
    return dict(parse(read_yaml(path), CommonFile, str(path)).parameters)


def spread_booth_hours(booth_hours_per_day: float, hours: list[int]) -> np.ndarray:
    """Spread whole booth-hours a day over the given hours, busiest first.

    The daily total is rounded to whole booth-hours; one extra booth is opened
    in each listed hour in turn (a second one after all hours have one, ...).

    Examples
    --------
    >>> spread_booth_hours(5.2, [10, 11, 12]).tolist()[10:13]
    [2.0, 2.0, 1.0]
    """
    out = np.zeros(HOURS)
    for k in range(int(round(booth_hours_per_day))):
        out[hours[k % len(hours)]] += 1.0
    return out


def staffing_wait_effect(
    site: Site, annual_volumes: dict[str, float], extra_booths: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Mean queue wait per vehicle with and without extra booths, by stream.

    Parameters
    ----------
    site : Site
        Site whose streams (profiles, booths, processing) are used.
    annual_volumes : dict
        Stream id -> vehicles a year. [vehicles/year]
    extra_booths : dict
        Stream id -> 24 hourly booth additions (may be fractional). [booths]

    Returns
    -------
    DataFrame
        ``stream, wait_before_minutes, wait_after_minutes, reduction`` where the
        wait is the daily mean of queueing time (at every stage, without
        processing) per vehicle.
    """
    inp = model_inputs(site)
    days = float(inp.economy.days_per_year[0])
    rows = []
    for sid, vol in annual_volumes.items():
        st = stream_queue(inp.streams[sid])
        primary = st.stage("primary")
        daily = np.array([[vol / days]])
        extra = extra_booths.get(sid, np.zeros(HOURS))[None, None, :]
        after = st.with_stage(replace(primary, servers=primary.servers + extra))
        (d0, *_r0), (d1, *_r1) = run_queue_jobs(
            [QueueJob(st, daily), QueueJob(after, daily)], anchor_periods(1), 1
        )
        # processing at every stage (side stages for their share): what is
        # left of the time at the crossing is queueing
        service = float(
            sum(
                np.mean((stage.share if stage.side else 1.0) / stage.services_per_hour)
                for stage in st.stages
            )
        )
        w0 = d0.item() / (vol / days) - service
        w1 = d1.item() / (vol / days) - service
        rows.append(
            {
                "stream": sid,
                "wait_before_minutes": 60 * w0,
                "wait_after_minutes": 60 * w1,
                "reduction": 1 - w1 / w0 if w0 > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


#: Hours in which the extra booths are assumed to open, busiest first.
TRUCK_HOURS = [11, 12, 13, 14, 10, 15, 9, 16, 8, 17]
CAR_HOURS = [16, 17, 8, 15, 18, 7, 9, 6]


def el_paso_rsp_comparison(site: Site, case: dict[str, Param]) -> pd.DataFrame:
    """Predicted vs reported wait reductions of the El Paso agreement.

    Returns
    -------
    DataFrame
        One row per stream group (trucks, cars): traffic of the case year,
        extra booth-hours a day, modelled wait before and after (weighted by
        each stream's traffic), predicted and reported reduction.

    The reimbursed hours open booths of the group's first stream (standard
    trucks; the general car lanes, the Ready and SENTRI lanes keeping their
    own booths): no split of the hours by lane is published.
    """
    v = {k: p.value for k, p in case.items()}
    hours_per_year = v["case_officer_hours"] / v["case_years"]
    days = site.param("days_per_year").value
    officers = site.param("officers_per_booth").value
    ysleta_booth_hours = hours_per_year * v["case_ysleta_share"] / officers / days
    year = int(v["case_year"])
    streams = site.file.streams
    vols = {}
    for sid in streams:
        _src, vol = site.file.volume_source(sid)
        series = demand.monthly_crossings(vol.port_code, vol.measure)
        vols[sid] = (
            float(series[str(year)].sum())
            * vol.share.value
            * site.file.volume_factor(sid)
        )
    truck_ids = [sid for sid, s in streams.items() if s.mode == "truck"]
    car_ids = [sid for sid, s in streams.items() if s.mode == "passenger_vehicle"]
    extra = {
        truck_ids[0]: spread_booth_hours(
            ysleta_booth_hours * v["case_truck_share"], TRUCK_HOURS
        ),
        car_ids[0]: spread_booth_hours(
            ysleta_booth_hours * (1 - v["case_truck_share"]), CAR_HOURS
        ),
    }
    eff = staffing_wait_effect(site, vols, extra).set_index("stream")
    out = []
    for group, ids, reported in (
        ("trucks", truck_ids, v["case_reported_truck_reduction"]),
        ("personal vehicles", car_ids, v["case_reported_car_reduction"]),
    ):
        w = np.array([vols[i] for i in ids])
        before = float((eff.loc[ids, "wait_before_minutes"] * w).sum() / w.sum())
        after = float((eff.loc[ids, "wait_after_minutes"] * w).sum() / w.sum())
        out.append(
            {
                "group": group,
                "case_year_volume": float(w.sum()),
                "extra_booth_hours_per_day": float(
                    sum(extra.get(i, np.zeros(HOURS)).sum() for i in ids)
                ),
                "wait_before_minutes": before,
                "wait_after_minutes": after,
                "predicted_reduction": 1 - after / before if before > 0 else np.nan,
                "reported_reduction": reported,
            }
        )
    return pd.DataFrame(out)


def el_paso_rsp_sensitivity(site: Site, case: dict[str, Param]) -> pd.DataFrame:
    """Predicted reductions as the assumed hour splits move over their ranges."""
    rows = []
    for key in ("case_ysleta_share", "case_truck_share", "case_years"):
        p = case[key]
        lo, hi = p.distribution.support()
        for label, x in (("low", lo), ("high", hi)):
            c = dict(case)
            c[key] = p.model_copy(update={"value": float(x), "distribution": None})
            t = el_paso_rsp_comparison(site, c).set_index("group")[
                "predicted_reduction"
            ]
            rows.append(
                {
                    "assumption": key,
                    "case": label,
                    "value": x,
                    "trucks": float(t["trucks"]),
                    "personal vehicles": float(t["personal vehicles"]),
                }
            )
    return pd.DataFrame(rows)


def comparison_sentences(table: pd.DataFrame) -> list[str]:
    """Plain sentences putting predicted beside reported reductions."""
    out = []
    for _, r in table.iterrows():
        ratio = r["predicted_reduction"] / r["reported_reduction"]
        out.append(
            f"For {r['group']}, the model predicts waits "
            f"{r['predicted_reduction']:.0%} shorter "
            f"({r['wait_before_minutes']:.1f} to {r['wait_after_minutes']:.1f} "
            "minutes of queueing "
            f"on an average day) against {r['reported_reduction']:.0%} reported: "
            f"{ratio:.1f} times the reported effect."
        )
    return out
