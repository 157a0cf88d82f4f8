"""Sampling parameter distributions (seeded, vectorised).

Main functions: :func:`sample`, :func:`quantile`.

Every draw comes from a :class:`numpy.random.Generator` passed in by the caller
(no global random state). ``sample`` returns an array of shape ``(n,)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .exceptions import ModelDomainError

__all__ = [
    "weighted_quantile",
    "sample",
    "quantile",
    "pert_alpha_beta",
    "from_uniform",
    "correlate_uniforms",
]


def weighted_quantile(values, weights, q: float):
    """The ``q`` quantile over the first axis of ``values`` with ``weights``.

    The smallest value whose weighted share of values at or below it reaches
    ``q`` in (0, 1] (numpy's ``inverted_cdf`` method); NaN values take no weight (NaN
    where all are NaN). ``values`` ``(K, ...)``, ``weights`` ``(K,)``; returns
    ``values.shape[1:]``.

    Examples
    --------
    >>> float(weighted_quantile([1.0, 2.0, 3.0], [0.9, 0.06, 0.04], 0.95))
    2.0
    """
    if not 0.0 < q <= 1.0:
        raise ValueError(f"quantile {q!r} must be in (0, 1]")
    v = np.asarray(values, dtype=float)
    w = np.broadcast_to(
        np.asarray(weights, dtype=float).reshape((-1,) + (1,) * (v.ndim - 1)), v.shape
    )
    # NaN values get no weight: numpy's quantile with zero weights on them
    # (never the chosen value for q > 0) is the same as nanquantile, and is
    # vectorised where nanquantile loops over every slice. A slice of NaN only
    # gets a dummy weight and then NaN.
    nan = np.isnan(v)
    w = np.where(nan, 0.0, w)
    empty = w.sum(axis=0) <= 0
    first = np.zeros(v.shape, dtype=bool)
    first[:1] = True
    w = np.where(first & empty, 1.0, w)
    out = np.quantile(
        np.where(nan, 0.0, v), q, axis=0, weights=w, method="inverted_cdf"
    )
    return np.where(empty, np.nan, out)


def pert_alpha_beta(low: float, mode: float, high: float, lamb: float = 4.0):
    """Beta shape parameters of a PERT distribution.

    Examples
    --------
    >>> pert_alpha_beta(0.0, 0.5, 1.0)
    (3.0, 3.0)
    """
    span = high - low
    a = 1.0 + lamb * (mode - low) / span
    b = 1.0 + lamb * (high - mode) / span
    return a, b


def _frozen(dist):
    t = dist.type
    if t == "uniform":
        return stats.uniform(loc=dist.low, scale=dist.high - dist.low)
    if t == "triangular":
        span = dist.high - dist.low
        return stats.triang(c=(dist.mode - dist.low) / span, loc=dist.low, scale=span)
    if t == "pert":
        a, b = pert_alpha_beta(dist.low, dist.mode, dist.high)
        return stats.beta(a, b, loc=dist.low, scale=dist.high - dist.low)
    if t == "normal":
        lo = -np.inf if dist.low is None else (dist.low - dist.mean) / dist.sd
        hi = np.inf if dist.high is None else (dist.high - dist.mean) / dist.sd
        if np.isinf(lo) and np.isinf(hi):
            return stats.norm(loc=dist.mean, scale=dist.sd)
        return stats.truncnorm(lo, hi, loc=dist.mean, scale=dist.sd)
    if t == "lognormal":
        return stats.lognorm(s=np.log(dist.gsd), scale=dist.median)
    raise ModelDomainError(f"unknown distribution type {t!r}")


def quantile(dist, q):
    """Quantile(s) ``q`` of a parameter distribution.

    Examples
    --------
    >>> from cba.params import Distribution
    >>> float(quantile(Distribution(type="uniform", low=0.0, high=10.0), 0.1))
    1.0
    """
    return _frozen(dist).ppf(q)


def sample(dist, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values from a parameter distribution by inverse transform.

    Inverse-transform sampling uses exactly ``n`` uniforms per parameter, so the
    draws of one parameter do not depend on which other parameters are uncertain.

    Examples
    --------
    >>> from cba.params import Distribution
    >>> x = sample(Distribution(type="uniform", low=0.0, high=1.0), 4,
    ...            np.random.default_rng(1))
    >>> x.shape
    (4,)
    """
    if n < 1:
        raise ModelDomainError(f"number of draws {n} must be >= 1")
    u = rng.random(n)
    return np.asarray(_frozen(dist).ppf(u), dtype=float)


def from_uniform(dist, u: np.ndarray) -> np.ndarray:
    """Values of a parameter distribution at uniforms ``u`` (inverse transform).

    ``sample(dist, n, rng)`` equals ``from_uniform(dist, rng.random(n))``.

    Examples
    --------
    >>> from cba.params import Distribution
    >>> from_uniform(Distribution(type="uniform", low=0.0, high=10.0), np.array([0.5]))
    array([5.])
    """
    return np.asarray(_frozen(dist).ppf(u), dtype=float)


def correlate_uniforms(u: np.ndarray, corr: np.ndarray) -> np.ndarray:
    """Impose a Gaussian-copula correlation on independent uniforms.

    ``u`` has shape ``(n, k)`` (draws x parameters), ``corr`` is a ``(k, k)``
    correlation matrix of the normal scores. Each column is mapped to normal
    scores, mixed with the Cholesky factor of ``corr`` and mapped back, so every
    column stays uniform (each parameter keeps its own distribution) while the
    normal scores get correlation ``corr``. With ``corr`` the identity the
    uniforms come back unchanged.

    Raises
    ------
    ModelDomainError
        If ``corr`` is not a valid (symmetric, positive definite) correlation matrix.

    Examples
    --------
    >>> u = np.array([[0.1, 0.7], [0.5, 0.5]])
    >>> bool(np.allclose(correlate_uniforms(u, np.eye(2)), u))
    True
    """
    corr = np.asarray(corr, dtype=float)
    if not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
        raise ModelDomainError(
            "a correlation matrix must be symmetric with ones on the diagonal"
        )
    try:
        chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        raise ModelDomainError(
            "the correlations are not consistent with each other (the matrix is not "
            "positive definite); lower some of them"
        ) from None
    z = stats.norm.ppf(u) @ chol.T
    return stats.norm.cdf(z)
