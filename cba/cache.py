"""The on-disk cache of results that are slow to compute and pure functions of
their inputs: today the maximum-likelihood demand fits (:mod:`cba.demand.forecast`).

A fit takes about half a second per port series and every process of a batch,
every notebook and every ``make reports`` would otherwise repeat it. The cache is
a ``joblib.Memory`` store; each entry is keyed by everything the result depends
on, so a stale entry cannot be read:

* the SHA-256 of the data fitted (the estimation months' log values, which change
  whenever the data file's rows for that series change),
* the version of the fitting code (the SHA-256 of its source and of the model
  specification, :func:`cba.demand.forecast.code_version`),
* the versions of statsmodels, numpy and scipy.

Where it lives: ``$CBA_CACHE_DIR`` when set (``off`` or an empty value turns the
cache off), else ``$XDG_CACHE_HOME/border-cba``, else ``~/.cache/border-cba``.
``cba cache clear`` empties it; ``cba cache info`` says where it is and how much
it holds. Results never depend on it: a cleared cache refits and gives the same
bytes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["ENV", "cache_dir", "memory", "clear", "size"]

#: The environment variable that moves (or, ``off``, disables) the cache.
ENV = "CBA_CACHE_DIR"

_memories: dict[str, object] = {}


def cache_dir() -> Path | None:
    """Where the cache lives, or None when it is turned off (see the module
    docstring)."""
    value = os.environ.get(ENV)
    if value is not None:
        if value.strip().lower() in ("", "off", "none", "0"):
            return None
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "border-cba"


def memory():
    """The ``joblib.Memory`` of :func:`cache_dir` (one per location and
    process; caching nothing when the cache is off)."""
    import joblib

    where = cache_dir()
    key = "" if where is None else str(where)
    if key not in _memories:
        _memories[key] = joblib.Memory(
            None if where is None else str(where / "joblib"), verbose=0
        )
    return _memories[key]


def size() -> tuple[int, int]:
    """Files and bytes the cache holds (0, 0 when off or empty)."""
    where = cache_dir()
    if where is None or not where.is_dir():
        return 0, 0
    files = [p for p in where.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def clear() -> Path | None:
    """Empty the on-disk cache and this process's in-memory caches; return the
    folder emptied (None when the cache is off)."""
    from . import demand

    demand.clear_caches()
    where = cache_dir()
    if where is not None and where.is_dir():
        shutil.rmtree(where)
    _memories.clear()
    return where
