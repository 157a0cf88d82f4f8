"""Option catalogue: kind checks, composition identities and descriptions."""

import copy

import numpy as np
import pytest
import yaml

from cba.appraisal import appraise
from cba.exceptions import ParameterError
from cba.params import load_site, option_timing, read_yaml
from cba.report.text import changes_table, describe_option
from cba.vocab import OPTION_KINDS

from .conftest import COMMON, PARAMS, SITES

SRC = {"assumption": "Test", "rationale": "Test", "owner": "test author"}


def _write(tmp_path, doc, name="site.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture()
def doc():
    return copy.deepcopy(read_yaml(PARAMS / "good_site.yaml"))


def _load(tmp_path, doc):
    return load_site(_write(tmp_path, doc), COMMON)


def _npv(site, option, rate="discount_rate_base"):
    m = appraise(site).metrics
    return float(m[(m.option == option) & (m.rate_name == rate)].npv.iloc[0])


def _booths(values):
    return {
        "description": "Extra booths by hour",
        "value": values,
        "unit": "booths",
        "source": SRC,
    }


def _factor(x):
    return {
        "description": "Processing time relative to today",
        "value": x,
        "unit": "factor",
        "source": SRC,
    }


# ----------------------------------------------------------------------------- checks
CHECKS = [
    (
        "sponsor staffing paid by CBP",
        lambda d: d["options"]["sponsor_staffing"].update(
            staffing={"payer": "us_federal", "pay": "overtime"}
        ),
        "options.sponsor_staffing.staffing",
        "got payer 'us_federal'",
    ),
    (
        "sponsor staffing without booths",
        lambda d: d["options"]["sponsor_staffing"]["changes"].update(
            trucks={"processing_factor": _factor(0.9)}
        ),
        "options.sponsor_staffing.changes",
        "must change extra_booths for at least one stream; "
        "it changes processing_factor",
    ),
    (
        "booths nobody staffs",
        lambda d: d["options"]["donated_lanes"].pop("staffing"),
        "options.donated_lanes.staffing",
        "nobody staffs them",
    ),
    (
        "status quo with a cost",
        lambda d: d["options"]["status_quo"].update(
            costs=copy.deepcopy(d["options"]["donated_lanes"]["costs"])
        ),
        "options.status_quo",
        "has costs",
    ),
    (
        "combination of one option",
        lambda d: d["options"].update(
            both={
                "name": "x",
                "kind": "combined",
                "description": "x",
                "combines": ["donated_lanes"],
            }
        ),
        "options.both.combines",
        "lists 1 option",
    ),
    (
        "combination of an unknown option",
        lambda d: d["options"].update(
            both={
                "name": "x",
                "kind": "combined",
                "description": "x",
                "combines": ["donated_lanes", "sponsor_stafing"],
            }
        ),
        "options.both.combines[1]",
        "did you mean 'sponsor_staffing'",
    ),
    (
        "combination with the status quo",
        lambda d: d["options"].update(
            both={
                "name": "x",
                "kind": "combined",
                "description": "x",
                "combines": ["donated_lanes", "status_quo"],
            }
        ),
        "options.both.combines[1]",
        "of kind status_quo",
    ),
    (
        "combines on a plain option",
        lambda d: d["options"]["donated_lanes"].update(combines=["sponsor_staffing"]),
        "options.donated_lanes.combines",
        "only with kind 'combined'",
    ),
]


@pytest.mark.parametrize("label, edit, key, text", CHECKS, ids=[c[0] for c in CHECKS])
def test_catalogue_checks_give_one_clear_line(tmp_path, doc, label, edit, key, text):
    edit(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(ParameterError) as info:
        load_site(path, COMMON)
    msg = str(info.value)
    assert info.value.key_path == key, msg
    assert text in msg and msg.startswith(str(path)) and "\n" not in msg


def test_booth_conversion_between_streams_needs_no_staffing(tmp_path, doc):
    """Moving a booth from one stream to another adds no officer-hours."""
    doc["options"]["donated_lanes"].pop("staffing")
    ch = doc["options"]["donated_lanes"]["changes"]
    ch["cars"] = {"extra_booths": _booths([0] * 8 + [-1] * 10 + [0] * 6)}
    site = _load(tmp_path, doc)
    assert "donated_lanes" in site.file.options


def test_every_shipped_option_kind_is_in_the_catalogue():
    kinds = {
        o.kind for p in SITES.glob("*.yaml") for o in load_site(p).file.options.values()
    }
    assert kinds <= set(OPTION_KINDS)
    assert {
        "sponsor_staffing",
        "donated_infrastructure",
        "unified_processing",
        "pre_inspection",
        "trusted_traveler",
        "combined",
    } <= kinds


# ----------------------------------------------------------------------- composition
def _add(doc, oid, **fields):
    doc["options"][oid] = {"name": oid, "description": oid, **fields}


def test_parts_on_separate_streams_add_up_exactly(tmp_path, doc):
    """Two options acting on different streams: the combination's NPV is the sum.

    The queues of the two streams do not interact, so benefits add, and each part
    keeps its own costs: NPV(A + B) = NPV(A) + NPV(B) to rounding.
    """
    _add(
        doc,
        "faster_cars",
        kind="unified_processing",
        start_year=2026,
        changes={"cars": {"processing_factor": _factor(0.8)}},
        costs=[
            {
                "description": "Equipment",
                "kind": "annual",
                "payer": "us_federal",
                "amount": {
                    "description": "Yearly cost",
                    "value": 50000,
                    "unit": "USD/year",
                    "dollar_year": 2024,
                    "source": SRC,
                },
            }
        ],
    )
    _add(doc, "both", kind="combined", combines=["donated_lanes", "faster_cars"])
    site = _load(tmp_path, doc)
    for rate in ("discount_rate_base", "discount_rate_low"):
        a, b, ab = (
            _npv(site, o, rate) for o in ("donated_lanes", "faster_cars", "both")
        )
        assert ab == pytest.approx(a + b, rel=1e-12, abs=1e-3)
        assert abs(a) > 1e5 and abs(b) > 1e5  # both parts matter


def test_booths_of_parts_on_one_stream_add_like_one_option(tmp_path, doc):
    """Two booth options on one stream = one option with summed booths, both costs."""
    _add(doc, "both", kind="combined", combines=["sponsor_staffing", "donated_lanes"])
    sponsor = doc["options"]["sponsor_staffing"]
    lanes = doc["options"]["donated_lanes"]
    summed = [
        a + b
        for a, b in zip(
            sponsor["changes"]["trucks"]["extra_booths"]["value"],
            lanes["changes"]["trucks"]["extra_booths"]["value"],
            strict=True,
        )
    ]
    # The hand-built equivalent: sponsor booths at overtime, donated booths at
    # straight time. Staffing is one block per option, so the equivalent sums
    # two one-part options' costs; the queue sees the summed booths.
    # Without substitution (tested on its own below), so that the reimbursed
    # sponsor booths always open like the donated ones.
    no_sub = {"common.staffing_substitution_share": 0.0}
    site = _load(tmp_path, doc)
    res = appraise(site, overrides=no_sub)
    cf = res.cashflows
    base = cf[
        cf.option.isin(["sponsor_staffing", "donated_lanes"]) & (cf.side == "cost")
    ]
    both = cf[(cf.option == "both") & (cf.side == "cost")]
    assert both.value.sum() == pytest.approx(base.value.sum(), rel=1e-12)
    # queue effect: the combined option's wait equals a single option with summed booths
    single = copy.deepcopy(doc)
    single["options"]["summed"] = copy.deepcopy(lanes)
    single["options"]["summed"]["changes"]["trucks"]["extra_booths"]["value"] = summed
    one = appraise(_load(tmp_path, single), overrides=no_sub)
    w_both = res.waits[
        (res.waits.option == "both") & (res.waits.stream == "trucks")
    ].wait_minutes
    w_one = one.waits[
        (one.waits.option == "summed") & (one.waits.stream == "trucks")
    ].wait_minutes
    np.testing.assert_allclose(w_both.to_numpy(), w_one.to_numpy(), rtol=1e-12)
    # diminishing returns: together they save less than the two apart
    tb = (
        res.metrics[res.metrics.rate_name == "discount_rate_base"]
        .set_index("option")
        .pv_benefits
    )
    assert tb["both"] < tb["sponsor_staffing"] + tb["donated_lanes"]
    assert tb["both"] > max(tb["sponsor_staffing"], tb["donated_lanes"])


def test_combination_keeps_the_stakeholder_identity_and_the_toll(tmp_path, doc):
    _add(doc, "both", kind="combined", combines=["sponsor_staffing", "donated_lanes"])
    res = appraise(_load(tmp_path, doc))
    s = res.stakeholders.groupby(["option", "rate_name"]).pv_net.sum()
    m = res.metrics.set_index(["option", "rate_name"]).npv
    np.testing.assert_allclose(
        s.loc[m.index].to_numpy(), m.to_numpy(), rtol=1e-9, atol=1e-3
    )
    cf = res.cashflows
    tolls = cf[(cf.option == "both") & (cf.component == "toll_surcharge")]
    assert (
        tolls[tolls.stakeholder == "sponsor"].value.sum() > 0
    )  # the part's toll still flows
    be = res.metrics.set_index(["option", "rate_name"]).breakeven_toll_usd
    assert (
        be[("both", "discount_rate_base")]
        > be[("sponsor_staffing", "discount_rate_base")]
    )


def test_combination_starts_with_its_last_part(tmp_path, doc):
    doc["options"]["donated_lanes"]["start_year"] = 2028
    doc["options"]["sponsor_staffing"]["ramp_up_years"] = 2
    _add(doc, "both", kind="combined", combines=["sponsor_staffing", "donated_lanes"])
    site = _load(tmp_path, doc)
    assert option_timing(site.file.options, "both", site.info.base_year) == (2028, 2)
    cf = appraise(site).cashflows
    ben = cf[(cf.option == "both") & (cf.side == "benefit")].groupby("year").value.sum()
    assert ben.loc[:2027].abs().sum() == 0 and ben.loc[2028] > 0
    assert ben.loc[2029] > ben.loc[2028]  # half effect in 2028, full from 2029


# ----------------------------------------------------------------------- description
def test_description_names_changes_costs_and_funding(good_site):
    d = describe_option(good_site, "sponsor_staffing")
    assert (
        "up to 2 more booth(s) open in 09:00-17:00 (16 booth-hours a day)"
        in d["changes"]
    )
    assert (
        "overtime, paid by Sponsor (city, bridge or private) (reimbursed to CBP)"
        in d["costs"]
    )
    assert d["funding"].startswith("Toll surcharge of $0.50 per crossing")
    lanes = describe_option(good_site, "donated_lanes")
    assert "$2.0 M once in 2026 (20-year life), paid by Sponsor" in lanes["costs"]
    table = changes_table(good_site)
    assert list(table["Option"]) == [o.name for o in good_site.file.options.values()]


def test_shipped_combinations_describe_their_parts():
    site = load_site(SITES / "pharr_reynosa.yaml")
    d = describe_option(site, "donated_lanes_with_rsp")
    assert d["kind"].startswith("Combination of options: Donated lanes")
    assert "[Donated lanes (Donations Acceptance)]" in d["costs"]


# ----------------------------------------------------------------------- report views
def test_sponsor_view_matches_the_sponsor_account(good_site, good_appraisal):
    """Financial NPV in the sponsor table = sponsor's pv_net; break-even closes it."""
    from cba import report

    t = report.sponsor_table(good_site, good_appraisal).set_index("Option")
    st = good_appraisal.stakeholders
    st = st[
        (st.rate_name == "discount_rate_base") & (st.stakeholder == "sponsor")
    ].set_index("option")
    for oid in ("sponsor_staffing", "donated_lanes"):
        row = t.loc[good_site.file.options[oid].name]
        assert row["Sponsor financial NPV (M$)"] == pytest.approx(
            st.loc[oid, "pv_net"] / 1e6, abs=0.006
        )
        assert row["Sponsor pays (PV, M$)"] > 0
    # the tolled option's sponsor recovers its outlay at the break-even toll:
    # revenue scales linearly with the toll, so revenue x (break-even / toll) = outlay
    row = t.loc[good_site.file.options["sponsor_staffing"].name]
    be = float(row["Break-even toll (USD/crossing)"])
    toll = float(
        good_site.file.options["sponsor_staffing"].funding.toll_surcharge.value
    )
    assert row["Toll revenue (PV, M$)"] * be / toll == pytest.approx(
        row["Sponsor pays (PV, M$)"], abs=0.02
    )


def test_country_split_adds_up_to_npv(good_site, good_appraisal):
    from cba import report

    t = report.country_split_table(good_site, good_appraisal)
    parts = t[["United States", "Mexico", "Sponsor"]].sum(axis=1)
    np.testing.assert_allclose(
        parts.to_numpy(), t["Total (= NPV)"].to_numpy(), atol=0.02
    )
    m = good_appraisal.metrics
    m = m[(m.rate_name == "discount_rate_base") & (m.option != "status_quo")]
    np.testing.assert_allclose(
        t["Total (= NPV)"].to_numpy(), (m.npv / 1e6).round(2).to_numpy(), atol=0.011
    )
    alt = report.stakeholders_alt(good_site, good_appraisal)
    assert "gain most" in alt and "Sponsor-funded staffing" in alt


def test_reimbursed_hours_that_replace_regular_ones_add_no_booth(good_site):
    """On the share of days that reimbursed officer-hours replace regular ones,
    the bought booths add nothing: a pure sponsor option's benefits scale by one
    less the substitution share, its costs (the hours bought) do not."""

    def pv(result, side):
        cf = result.cashflows
        sel = (cf.option == "sponsor_staffing") & (cf.side == side)
        return cf[sel].value.sum()

    none = appraise(good_site, overrides={"common.staffing_substitution_share": 0.0})
    some = appraise(good_site, overrides={"common.staffing_substitution_share": 0.3})
    assert pv(some, "benefit") == pytest.approx(0.7 * pv(none, "benefit"), rel=1e-9)
    assert pv(some, "cost") == pytest.approx(pv(none, "cost"), rel=1e-12)
    assert pv(none, "benefit") > 0
    # options without reimbursed hours are untouched
    cf0, cf1 = none.cashflows, some.cashflows
    donated = (cf0.option == "donated_lanes") & (cf0.side == "benefit")
    assert cf1[donated].value.sum() == pytest.approx(cf0[donated].value.sum(), 1e-12)
