"""Sampling parameter distributions (seeded, vectorised).

Main functions: :func:`sample`, :func:`quantile`.

Every draw comes from a :class:`numpy.random.Generator` passed in by the caller
(no global random state). ``sample`` returns an array of shape ``(n,)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .exceptions import ModelDomainError

__all__ = ["sample", "quantile", "pert_alpha_beta"]


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
    >>> x = sample(Distribution(type="uniform", low=0.0, high=1.0), 4, np.random.default_rng(1))
    >>> x.shape
    (4,)
    """
    if n < 1:
        raise ModelDomainError(f"number of draws {n} must be >= 1")
    u = rng.random(n)
    return np.asarray(_frozen(dist).ppf(u), dtype=float)
