"""Input checks shared by the stationary and hour-by-hour queueing models.

No model of its own: :func:`as_float_array` (numeric and finite),
:func:`require` (a condition on every element, naming the first offending
value and its position) and :func:`first_position`. Errors are
:class:`cba.exceptions.ModelDomainError`.
"""

from __future__ import annotations

import numpy as np

from cba.exceptions import ModelDomainError

__all__ = ["as_float_array", "first_position", "require"]


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert a numeric argument to a float ndarray and check it is finite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelDomainError(f"{name} must be numeric; got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        pos = first_position(~np.isfinite(arr))
        raise ModelDomainError(
            f"{name} must be finite; got {arr[pos]!r} at position {pos}"
        )
    return arr


def first_position(mask: np.ndarray) -> tuple[int, ...]:
    """Index tuple of the first True element of ``mask``."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(mask), mask.shape))


def require(ok: np.ndarray, arr: np.ndarray, name: str, allowed: str) -> None:
    """Raise ModelDomainError naming the first element of ``arr`` not ``ok``."""
    ok = np.asarray(ok)
    if not np.all(ok):
        bad = np.broadcast_to(~ok, np.broadcast_shapes(ok.shape, arr.shape))
        pos = first_position(bad)
        value = np.broadcast_to(arr, bad.shape)[pos]
        where = f" at position {pos}" if bad.ndim else ""
        raise ModelDomainError(f"{name} must be {allowed}; got {value:g}{where}")
