"""Erlang B recursion and the Erlang C closure table of the queueing models.

Model family: the stationary M/M/c queue. :func:`erlang_b` computes Erlang B by
its recursion; it underlies the stationary formulas of
:mod:`cba.queueing.stationary` and :class:`ClosureTable`, the cubic table of
:math:`\\rho C(c, c\\rho)` that the compiled kernel of the hour-by-hour model
reads (``cba.queueing._kernel``).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["erlang_b", "ClosureTable", "closure_coefficients"]


def erlang_b(offered_load: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """Erlang B by the recursion B(0)=1, B(k)=a B(k-1)/(k + a B(k-1)).

    ``servers`` holds whole numbers >= 0; the loop runs over the server count
    (up to its maximum), never over draws.
    """
    a, c = np.broadcast_arrays(offered_load, servers)
    b = np.ones(a.shape)
    if b.size == 0:
        return b
    c_max = int(c.max())
    uniform = bool(np.all(c == c_max))
    for k in range(1, c_max + 1):
        ab = a * b
        new = ab / (k + ab)
        if uniform:
            b = new
        else:
            np.copyto(b, new, where=k <= c)
    return b


class ClosureTable:
    """Cubic table of f(rho) = rho * C(c, c rho) on [0, 1] for given booth counts.

    The stationary M/M/c queue length is Lq = f(rho) / (1 - rho). f is smooth
    and bounded (f(0) = 0, f(1) = 1), so a cubic Hermite table on a uniform
    grid in rho is accurate to about 1e-9 (relative) for up to 400 booths;
    values and slopes at the nodes are exact (Erlang B recursion and
    dB/da = B (c/a - 1 + B)).
    """

    def __init__(self, booth_counts: np.ndarray, intervals: int):
        n = int(intervals)
        self.intervals = n
        self.counts = np.unique(np.asarray(booth_counts, dtype=np.int64))
        rho = np.linspace(0.0, 1.0, n + 1)
        c = self.counts[:, None].astype(float)
        a = c * rho
        b = erlang_b(a, c)
        denom = 1.0 - rho + rho * b
        erl_c = b / denom
        with np.errstate(divide="ignore", invalid="ignore"):
            db = b * (c / a - 1.0 + b)
        db[:, 0] = 0.0
        d_denom = (b - 1.0) / c + rho * db
        d_erl_c = (db * denom - b * d_denom) / denom**2
        f = rho * erl_c
        fp = erl_c + rho * c * d_erl_c  # df/drho
        f[:, 0] = 0.0
        fp[:, 0] = 0.0
        f0, f1 = f[:, :-1], f[:, 1:]
        m0, m1 = fp[:, :-1] / n, fp[:, 1:] / n
        self.a0 = np.ascontiguousarray(f0).ravel()
        self.a1 = np.ascontiguousarray(m0).ravel()
        self.a2 = np.ascontiguousarray(3.0 * (f1 - f0) - 2.0 * m0 - m1).ravel()
        self.a3 = np.ascontiguousarray(2.0 * (f0 - f1) + m0 + m1).ravel()

    def slots(self) -> np.ndarray:
        """Offset of each booth count's block, indexed by the booth count.

        Counts not in the table (and 0) get offset 0.
        """
        slots = np.zeros(int(self.counts[-1]) + 1, dtype=np.int64)
        slots[self.counts] = np.arange(self.counts.size) * self.intervals
        return slots


@functools.lru_cache(maxsize=1024)
def _count_block(count: int, intervals: int) -> np.ndarray:
    """The (intervals, 4) cubic coefficients of one booth count, read-only.

    Each count's block is computed alone, as in a table of several counts
    (the Erlang B recursion of one count does not depend on the others').
    """
    table = ClosureTable(np.array([count]), intervals)
    block = np.stack([table.a0, table.a1, table.a2, table.a3], axis=1)
    block.flags.writeable = False
    return block


def closure_coefficients(
    booth_counts: np.ndarray, intervals: int
) -> tuple[np.ndarray, np.ndarray]:
    """The closure table's coefficients ``(counts x intervals, 4)`` and slots.

    The same numbers as :class:`ClosureTable` (columns a0 to a3, and its
    :meth:`ClosureTable.slots`), assembled from blocks computed once per
    booth count and interval count in a process: the hour-by-hour model
    asks for the same few counts in every call.
    """
    counts = np.unique(np.asarray(booth_counts, dtype=np.int64))
    return _assembled(tuple(int(c) for c in counts), int(intervals))


@functools.lru_cache(maxsize=256)
def _assembled(counts: tuple[int, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`closure_coefficients` of sorted distinct counts (read-only arrays)."""
    coefficients = np.concatenate([_count_block(c, n) for c in counts])
    slots = np.zeros(counts[-1] + 1, dtype=np.int64)
    slots[list(counts)] = np.arange(len(counts)) * n
    for a in (coefficients, slots):
        a.flags.writeable = False
    return coefficients, slots
