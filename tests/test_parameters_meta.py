"""Meta-tests over parameters/: every value has a unit and a source, money a
dollar-year, rates a basis; assumptions name an owner."""

import pytest

from cba.params import iter_params, load_common, load_site
from cba.units import MONEY_UNITS

from .conftest import COMMON, SITES

SITE_FILES = sorted(SITES.glob("*.yaml"))


def _all_params():
    common, _, _ = load_common(COMMON)
    for name, p in common.items():
        yield f"common.{name}", p
    for f in SITE_FILES:
        site = load_site(f)
        for key, p in iter_params(site):
            if not key.startswith("common."):
                yield f"{site.id}:{key}", p


ALL = list(_all_params())


@pytest.mark.parametrize("key, p", ALL, ids=[k for k, _ in ALL])
def test_money_has_dollar_year_and_sources_are_traceable(key, p):
    if p.unit in MONEY_UNITS:
        assert p.dollar_year is not None
    if p.source.is_assumption:
        assert p.source.owner and p.source.rationale
    else:
        assert p.source.href and p.source.title


def test_rates_have_a_basis():
    common, _, _ = load_common(COMMON)
    for name, p in common.items():
        if name.startswith("discount_rate"):
            assert p.basis == "real", name


def test_discount_rates_and_their_policy_sources():
    common, _, _ = load_common(COMMON)
    rates = {n: p for n, p in common.items() if n.startswith("discount_rate")}
    assert {p.value for p in rates.values()} == {0.07, 0.03, 0.02}
    assert "A-94" in rates["discount_rate_base"].source.title


def test_unverified_values_are_labelled():
    """[R]-tagged values may only be policy sensitivities, never model inputs."""
    for key, p in ALL:
        if p.source.tag == "R":
            assert (
                key.startswith("common.discount_rate")
                and key != "common.discount_rate_base"
            ), key


def test_co2_switch_off_by_default():
    common, _, _ = load_common(COMMON)
    assert common["value_co2"].value == 0.0
