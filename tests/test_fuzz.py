"""Validate or render: generated mutations of the shipped site files.

For every mutation (a number replaced by NaN, infinity, a negative, a huge
value or a wrong type; a key deleted or misspelt; a reference broken), either
validation refuses the file with one line naming the file and the key path --
``cba validate`` then exits 2 -- or the file renders: the appraisal and every
report table and sentence are produced. ``make test`` runs a few dozen cases;
``make fuzz`` runs 2,000 (``CBA_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cba import report
from cba.appraisal import appraise, forecast_chart
from cba.batch import load_checked_site
from cba.exceptions import ParameterError

from .conftest import ROOT

SITES = sorted((ROOT / "parameters" / "sites").glob("*.yaml"))
DOCS = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SITES}
EXAMPLES = int(os.environ.get("CBA_FUZZ_EXAMPLES", "30"))
BAD_VALUES = [
    float("nan"),
    float("inf"),
    -float("inf"),
    -1.0,
    0.0,
    1e20,
    1e300,
    10**400,
    -(10**12),
    "text",
    True,
    None,
    [],
    {},
    [1, 2],
    "2025",
]
COUNTS = {"refused": 0, "rendered": 0}


def _paths(node, prefix=()):
    """Every path to a leaf or a mapping entry of a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


PATHS = {name: list(_paths(doc)) for name, doc in DOCS.items()}


def _parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(sorted(DOCS)))
    doc = copy.deepcopy(DOCS[name])
    path = draw(st.sampled_from(PATHS[name]))
    parent, key = _parent(doc, path), path[-1]
    kind = draw(
        st.sampled_from(
            [
                "value",
                "value",
                "scale",
                "scale",
                "delete",
                "rename",
                "reference",
                "year",
            ]
        )
    )
    if kind == "value":
        parent[key] = draw(st.sampled_from(BAD_VALUES))
    elif (
        kind == "scale"
        and isinstance(parent[key], (int, float))
        and not isinstance(parent[key], bool)
    ):
        parent[key] = parent[key] * draw(st.sampled_from([0, 0.5, 2, 10, 100]))
    elif kind == "delete" and isinstance(parent, dict):
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        parent[f"{key}x"] = parent.pop(key)
    elif kind == "year":
        doc["site"]["base_year"] = draw(
            st.sampled_from([1996, 2005, 2015, 2022, 2023, 2040, 2080])
        )
        doc["site"]["horizon_years"] = draw(st.sampled_from([1, 5, 20, 60]))
    elif kind == "reference" and isinstance(parent[key], str):
        parent[key] = parent[key] + "_missing"
    else:
        parent[key] = draw(st.sampled_from(BAD_VALUES))
    return name, path, kind, doc


def _renders(site) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    from cba.analysis.sensitivity import risk_analysis

    result = appraise(site)
    m = result.metrics
    assert np.isfinite(m[["pv_benefits", "pv_costs", "npv"]].to_numpy()).all(), m
    report.summary_html(site, result)
    report.options_table(site, result)
    report.stakeholder_table(site, result)
    report.country_split_table(site, result)
    report.sponsor_table(site, result)
    report.traffic_table(site, result)
    report.appendix_table(site)
    report.changes_table(site)
    report.waits_alt(site, result)
    report.plot_forecasts(site, forecast_chart(site))
    risk = risk_analysis(site, result)
    report.switching_table(site, risk["switching"])
    for plot in (report.plot_waits, report.plot_components, report.plot_stakeholders):
        fig = plot(site, result)
        fig.savefig(io.BytesIO(), format="png", dpi=40)
        plt.close(fig)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations())
def test_a_mutated_site_file_is_refused_or_renders(tmp_path_factory, case):
    name, path, kind, doc = case
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "sites").mkdir()
    os.symlink(ROOT / "parameters" / "common", folder / "common")
    if (ROOT / "parameters" / "calibrated").exists():
        os.symlink(ROOT / "parameters" / "calibrated", folder / "calibrated")
    file = folder / "sites" / name
    file.write_text(
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    try:
        site = load_checked_site(file)
    except ParameterError as exc:
        msg = str(exc)
        assert msg.startswith(str(file)), (path, kind, msg)
        assert "\n" not in msg and len(msg) < 2000, (path, kind, msg)
        COUNTS["refused"] += 1
        return
    _renders(site)
    COUNTS["rendered"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    """After the generated cases: print how many were refused and rendered, and
    check that both outcomes occurred (a generator that only ever produced
    refusals, or only valid files, would test half the promise)."""
    yield
    total = COUNTS["refused"] + COUNTS["rendered"]
    print(f"\nfuzz: {COUNTS['refused']} refused, {COUNTS['rendered']} rendered")
    if total >= 30:
        assert COUNTS["refused"] > 0 and COUNTS["rendered"] > 0, COUNTS
