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

and the site-level results a report computes in every language it is written
in (the appraisal with its Monte Carlo, the allocation, the risk analysis, the
resilience values): :func:`reuse` keys each call by the function, its
arguments (the site object itself, hashed by content), the files it reads, the
package's own code and data (:func:`package_version`) and the numerical
libraries' versions, so the Spanish report reads what the English one computed.

Where it lives: ``$CBA_CACHE_DIR`` when set (``off`` or an empty value turns the
cache off), else ``$XDG_CACHE_HOME/border-cba``, else ``~/.cache/border-cba``.
``cba cache clear`` empties it; ``cba cache info`` says where it is and how much
it holds. Results never depend on it: a cleared cache refits and gives the same
bytes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path

__all__ = [
    "ENV",
    "cache_dir",
    "memory",
    "clear",
    "size",
    "reuse",
    "package_version",
    "library_versions",
]

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
    """Empty the on-disk cache; return the folder emptied (None when the
    cache is off). ``cba cache clear`` also empties the process's in-memory
    caches of fits (``cba.demand.clear_caches``)."""
    where = cache_dir()
    if where is not None and where.is_dir():
        shutil.rmtree(where)
    _memories.clear()
    return where


#: The libraries whose versions key :func:`reuse` (the numerical stack).
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "numpy_financial", "numba")


@functools.lru_cache(maxsize=1)
def package_version() -> str:
    """SHA-256 of every file of the installed package (code, data, message
    catalogues): any change to the package invalidates what :func:`reuse`
    stored."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(p.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


@functools.lru_cache(maxsize=8)
def library_versions(names: tuple[str, ...] = LIBRARIES) -> tuple[tuple[str, str], ...]:
    """``(name, installed version)`` of each library of ``names`` ("" when not
    installed): part of the keys of the cache."""
    import importlib.metadata as md

    out = []
    for name in names:
        try:
            out.append((name, md.version(name.replace("_", "-"))))
        except md.PackageNotFoundError:
            out.append((name, ""))
    return tuple(out)


def _library_versions() -> tuple[tuple[str, str], ...]:
    return library_versions()


def _file_digests(files) -> tuple[tuple[str, str], ...]:
    return tuple(
        (Path(f).name, hashlib.sha256(Path(f).read_bytes()).hexdigest())
        for f in sorted(files, key=str)
    )


def _language() -> str:
    from .i18n import language

    return language()


def _call(key, args, kwargs, fn):
    return fn(*args, **kwargs)


def reuse(fn, *args, reads=(), per_language=False, **kwargs):
    """``fn(*args, **kwargs)``, read from the on-disk cache when the same call
    was made before by any process: same function, same arguments (hashed by
    content, a site object included), same contents of ``reads`` (files the
    function reads beyond its arguments, such as a site's scenarios), same
    package (:func:`package_version`) and library versions, and with
    ``per_language`` the same report language (for functions that write
    translated text). With the cache off it simply calls ``fn``.

    For pure functions of their arguments and files only: the result must not
    depend on anything else (the clock, an unseeded random generator).
    """
    mem = memory()
    if getattr(mem, "location", None) is None:
        return fn(*args, **kwargs)
    key = (
        f"{fn.__module__}.{fn.__qualname__}",
        _file_digests(reads),
        package_version(),
        _library_versions(),
        _language() if per_language else None,
    )
    return mem.cache(_call, ignore=["fn"])(key, args, kwargs, fn)
