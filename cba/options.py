"""Pre-clearance options as changes to a crossing's baseline: the arithmetic.

An option in a site file is a set of changes to the site's baseline (booths
open by hour, processing time, secondary referrals, traffic moved between
lanes) plus its costs, its timing (start year, ramp-up) and who pays. The
catalogue of option kinds and the levers each must pull is
:data:`cba.vocab.OPTION_KINDS` (checked on load by :mod:`cba.params.checks`);
the structure of combinations (parts, timing, funding) is read by
:func:`cba.params.option_parts` and :func:`cba.params.option_timing`. This
module holds what the options do to numbers:

* :func:`changed_stage` -- booths, processing rate and referral share after a
  list of changes applied in turn (booths add, processing factors divide the
  rate, referral factors multiply the share, which stays in [0, 1]);
* :func:`shift_traffic` -- volumes after shares of streams move to others, in
  the order the parts of an option list them;
* :func:`ramp_factor` -- the share of an option's effect in each year.

A combined option applies each part's changes in turn and books each part's
costs with that part's payers; a part's uncertain values are the same draws in
the part and in the combination, so the two are compared on equal terms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["changed_stage", "shift_traffic", "ramp_factor"]


def changed_stage(
    booths: np.ndarray,
    services_per_hour: np.ndarray,
    referral_share: np.ndarray,
    extra_booths: Sequence[np.ndarray | None],
    processing_factors: Sequence[np.ndarray | None],
    referral_factors: Sequence[np.ndarray | None],
):
    """Primary booths and rate and the secondary referral share after changes in turn.

    Parameters
    ----------
    booths : ndarray
        Booths open, broadcastable to ``(D, 1, H)``. [booths]
    services_per_hour : ndarray
        Processing rate of one booth, ``(D, 1, 1)``. [vehicles/hour/booth]
    referral_share : ndarray
        Share referred to secondary, ``(D, 1, 1)``. [/1]
    extra_booths : sequence of ndarray (H,) or (D, H), or None
        Booths each change adds (negative: converted away) by hour, the same in
        every draw or per draw. [booths]
    processing_factors : sequence of ndarray (D,) or None
        Multipliers of the processing time. [factor]
    referral_factors : sequence of ndarray (D,) or None
        Multipliers of the referral share. [factor]

    Returns
    -------
    booths, services_per_hour, referral_share
        Booths never below zero (combined conversions cannot close more booths
        than exist); the referral share clipped to [0, 1].

    Examples
    --------
    >>> b, s, r = changed_stage(np.array([[[2.0, 3.0]]]), np.array([[[10.0]]]),
    ...                         np.array([[[0.5]]]), [np.array([1.0, -4.0])],
    ...                         [np.array([0.8])], [np.array([3.0])])
    >>> b.tolist(), s.tolist(), r.tolist()
    ([[[3.0, 0.0]]], [[[12.5]]], [[[1.0]]])
    """
    for extra, pf, rf in zip(
        extra_booths, processing_factors, referral_factors, strict=True
    ):
        if extra is not None:
            extra = np.asarray(extra, dtype=float)
            booths = booths + (
                extra[:, None, :] if extra.ndim == 2 else extra[None, None, :]
            )
        if pf is not None:
            services_per_hour = services_per_hour / pf[:, None, None]
        if rf is not None:
            referral_share = np.clip(referral_share * rf[:, None, None], 0.0, 1.0)
    return np.maximum(booths, 0.0), services_per_hour, referral_share


def shift_traffic(
    volumes: dict[str, np.ndarray],
    shifts: Sequence[Sequence[tuple[str, str, np.ndarray]]],
) -> dict[str, np.ndarray]:
    """Stream volumes after traffic shifts, part by part.

    Parameters
    ----------
    volumes : dict of str to ndarray (D, T)
        Annual volume of each stream. [vehicles/year]
    shifts : sequence of sequences of (from, to, share (D,))
        For each part of an option in order, the shares of streams it moves.
        Within one part every share applies to the volumes before that part.

    Examples
    --------
    >>> v = {"std": np.array([[100.0]]), "fast": np.array([[50.0]])}
    >>> out = shift_traffic(v, [[("std", "fast", np.array([0.2]))]])
    >>> float(out["std"][0, 0]), float(out["fast"][0, 0])
    (80.0, 70.0)
    """
    out = {k: v.copy() for k, v in volumes.items()}
    for part in shifts:
        before = {k: v.copy() for k, v in out.items()}
        for source, target, share in part:
            moved = before[source] * share[:, None]
            out[source] = out[source] - moved
            out[target] = out[target] + moved
    return out


def ramp_factor(years: np.ndarray, start_year: int, ramp_up_years: int) -> np.ndarray:
    """Share of an option's full effect in each year: linear from its start year.

    Examples
    --------
    >>> ramp_factor(np.arange(2024, 2029), 2025, 3).round(3).tolist()
    [0.0, 0.333, 0.667, 1.0, 1.0]
    """
    return np.clip((years - start_year + 1) / ramp_up_years, 0.0, 1.0)
