"""Correlated Monte Carlo draws (Gaussian copula): identities, closed form, checks."""

import copy

import numpy as np
import pytest
import yaml
from scipy import stats

from cba import uncertainty
from cba.appraisal import appraise, draw_values
from cba.exceptions import ModelDomainError, ParameterError
from cba.params import Distribution, load_site, read_yaml

from .conftest import COMMON, PARAMS
from .test_sensitivity import _only

SRC = {"assumption": "Test", "rationale": "Test", "owner": "test author"}
A, B = "streams.trucks.processing_minutes", "streams.trucks.volume.annual"


def _site(tmp_path, pairs):
    doc = copy.deepcopy(read_yaml(PARAMS / "good_site.yaml"))
    doc["correlations"] = [
        {"between": list(k), "rho": r, "source": SRC} for k, r in pairs
    ]
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_site(path, COMMON), path


def test_zero_correlation_equals_independent_draws(tmp_path, good_site):
    site, _ = _site(tmp_path, [((A, B), 0.0)])
    a = draw_values(good_site, n_draws=500, seed=3).values
    b = draw_values(site, n_draws=500, seed=3).values
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, err_msg=key)


def test_rank_correlation_and_marginals(tmp_path, good_site):
    """Spearman of a Gaussian copula is (6/pi) asin(rho/2); marginals are unchanged."""
    rho, n = 0.7, 20000
    site, _ = _site(tmp_path, [((A, B), rho)])
    v = draw_values(site, n_draws=n, seed=11).values
    r = stats.spearmanr(v[A], v[B]).statistic
    expected = 6 / np.pi * np.arcsin(rho / 2)
    assert abs(r - expected) < 4 * (1 - expected**2) / np.sqrt(n - 1)
    ind = draw_values(good_site, n_draws=n, seed=11).values
    for key in (A, B):  # same distribution: two-sample KS does not reject
        assert stats.ks_2samp(v[key], ind[key]).pvalue > 0.001
    # every other parameter draws exactly as without the correlation
    for key in ind:
        if key not in (A, B):
            np.testing.assert_array_equal(v[key], ind[key])


def test_correlated_normal_inputs_give_the_closed_form_npv_spread(good_site):
    """NPV is linear in two inputs; with both normal and correlated rho, the NPV is
    normal with sd^2 = b1^2 s1^2 + b2^2 s2^2 + 2 rho b1 b2 s1 s2."""
    k1, k2 = "common.vtts_truck_driver", "common.fuel_price_diesel"
    m1, s1 = 35.7, 6.0
    base = _only(good_site, k1, Distribution(type="normal", mean=m1, sd=s1))
    m2 = float(base.common["fuel_price_diesel"].value)

    def npv(site, **over):
        m = appraise(site, overrides=over).metrics
        return m.query(
            "option == 'donated_lanes' and rate_name == 'discount_rate_base'"
        )["npv"].item()

    c = npv(base, **{k1: m1, k2: m2})
    b1 = npv(base, **{k1: m1 + 1, k2: m2}) - c
    b2 = npv(base, **{k1: m1, k2: m2 + 1}) - c
    assert abs(b1) > 0 and abs(b2) > 0
    # the fuel price's spread is chosen so that both inputs move the NPV alike
    # (the model is linear in it; the value itself is only a test device)
    s2 = abs(b1) * s1 / abs(b2)
    rho = 0.6
    from dataclasses import replace

    from cba.params import Correlation, Source

    common = dict(base.common)
    common["fuel_price_diesel"] = common["fuel_price_diesel"].model_copy(
        update={"distribution": Distribution(type="normal", mean=m2, sd=s2)}
    )
    file = base.file.model_copy(
        update={
            "correlations": [
                Correlation(between=(k1, k2), rho=rho, source=Source(**SRC))
            ]
        }
    )
    site = replace(base, common=common, file=file)
    sd = np.sqrt(b1**2 * s1**2 + b2**2 * s2**2 + 2 * rho * b1 * b2 * s1 * s2)
    sd_independent = np.sqrt(b1**2 * s1**2 + b2**2 * s2**2)
    assert sd > 1.2 * sd_independent  # the correlation matters in this test
    n = 20000
    x = (
        appraise(site, n_draws=n, seed=5)
        .npv_draws.query(
            "option == 'donated_lanes' and rate_name == 'discount_rate_base'"
        )["npv"]
        .to_numpy()
    )
    assert abs(x.mean() - c) < 4 * sd / np.sqrt(n)
    assert abs(x.std(ddof=1) / sd - 1) < 4 / np.sqrt(2 * n)


BAD = [
    (
        [((A, "streams.trucks.procesing_minutes"), 0.5)],
        "correlations[0].between[1]",
        "did you mean 'streams.trucks.processing_minutes'",
    ),
    (
        [((A, "common.discount_rate_base"), 0.5)],
        "correlations[0].between[1]",
        "has no distribution",
    ),
    ([((A, A), 0.5)], "correlations[0].between", "correlated with itself"),
    (
        [((A, B), 1.0)],
        "correlations[0].rho",
        "rho 1 is out of range; allowed: > -1 and < 1",
    ),
    ([((A, B), 0.5), ((B, A), 0.2)], "correlations[1].between", "listed twice"),
    (
        [
            ((A, B), 0.9),
            ((A, "common.vtts_truck_driver"), 0.9),
            ((B, "common.vtts_truck_driver"), -0.9),
        ],
        "correlations",
        "not positive definite",
    ),
]


@pytest.mark.parametrize(
    "pairs, key, text", BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD]
)
def test_bad_correlations_give_one_clear_line(tmp_path, pairs, key, text):
    with pytest.raises(ParameterError) as info:
        _site(tmp_path, pairs)
    msg = str(info.value)
    assert info.value.key_path == key and text in msg and "\n" not in msg
    assert msg.startswith(str(tmp_path / "site.yaml"))


def test_correlate_uniforms_rejects_inconsistent_matrices():
    u = np.full((3, 2), 0.5)
    with pytest.raises(ModelDomainError):
        uncertainty.correlate_uniforms(u, np.array([[1.0, 0.5], [0.4, 1.0]]))
    with pytest.raises(ModelDomainError):
        uncertainty.correlate_uniforms(
            np.full((3, 3), 0.5),
            np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1.0]]),
        )


def test_report_lists_correlations(tmp_path):
    from cba import report

    site, _ = _site(tmp_path, [((A, B), 0.4)])
    html = report.correlations_html(site)
    assert A in html and B in html and "<td>0.4</td>" in html
