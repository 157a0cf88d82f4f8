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

In memory, for the life of a process, :func:`recent` keeps the latest results
of one expensive pure function of arrays, the queue jobs of an appraisal
(:func:`cba.appraisal.queue_jobs.run_queue_jobs`), keyed by the bytes of every
input (:func:`content_key`) in a ``cachetools.LRUCache`` bounded in bytes
(:data:`RECENT_BYTES`): an economist who edits a value of time, a cost or the
discount rate and appraises again does not solve the same queues again.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import os
import shutil
from pathlib import Path

import cachetools
import numpy as np

__all__ = [
    "ENV",
    "cache_dir",
    "memory",
    "clear",
    "size",
    "reuse",
    "package_version",
    "library_versions",
    "RECENT_BYTES",
    "content_key",
    "recent",
    "clear_recent",
    "file_digests",
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
    caches of fits (``cba.demand.clear_caches``). The in-memory results of
    :func:`recent` are emptied too."""
    where = cache_dir()
    if where is not None and where.is_dir():
        shutil.rmtree(where)
    _memories.clear()
    clear_recent()
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


def file_digests(files) -> tuple[tuple[str, str], ...]:
    """(name, SHA-256) of each file; "absent" for one that does not exist (a
    file that appears later changes the key)."""
    return tuple(
        (
            Path(f).name,
            hashlib.sha256(Path(f).read_bytes()).hexdigest()
            if Path(f).is_file()
            else "absent",
        )
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
        file_digests(reads),
        package_version(),
        _library_versions(),
        _language() if per_language else None,
    )
    return mem.cache(_call, ignore=["fn"])(key, args, kwargs, fn)


#: Bytes of results :func:`recent` keeps in memory at most, least recently
#: used first out: a deterministic appraisal's queue jobs take about 50 kB
#: (Pharr-Reynosa), a block of 500 Monte Carlo draws about 25 MB, so a few
#: hundred deterministic appraisals or two blocks of draws.
RECENT_BYTES = 64 * 2**20


def _nbytes(value) -> int:
    """Bytes of the arrays in a nested result (tuples, lists, dicts)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple | list):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 64


_recent = cachetools.LRUCache(maxsize=RECENT_BYTES, getsizeof=_nbytes)


def content_key(*parts) -> str:
    """A digest (BLAKE2b) of nested inputs by content: arrays by dtype, shape
    and bytes; dataclasses field by field; tuples, lists and dicts item by
    item; numbers, strings and None by their repr. Two inputs with the same
    key hold the same values bit for bit. Not ``joblib.hash``: it pickles every
    field, 22 ms for a deterministic appraisal's queue jobs, against about 2 ms
    here.

    Examples
    --------
    >>> import numpy as np
    >>> content_key(np.zeros(3), 1) == content_key(np.zeros(3), 1)
    True
    >>> content_key(np.zeros(3)) == content_key(np.zeros((3, 1)))
    False
    """
    h = hashlib.blake2b(digest_size=20)

    def add(v):
        if isinstance(v, np.ndarray):
            h.update(f"a{v.dtype.str}{v.shape}".encode())
            h.update(np.ascontiguousarray(v).view(np.uint8).data)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            h.update(f"d{type(v).__qualname__}(".encode())
            for f in dataclasses.fields(v):
                h.update(f.name.encode())
                add(getattr(v, f.name))
            h.update(b")")
        elif isinstance(v, tuple | list):
            h.update(f"{type(v).__name__}{len(v)}[".encode())
            for x in v:
                add(x)
            h.update(b"]")
        elif isinstance(v, dict):
            h.update(f"m{len(v)}{{".encode())
            for k, x in v.items():
                add(k)
                add(x)
            h.update(b"}")
        elif v is None or isinstance(v, bool | int | float | str | np.generic):
            h.update(f"s{type(v).__name__}:{v!r};".encode())
        else:
            raise TypeError(f"content_key cannot hash a {type(v).__name__}")

    for p in parts:
        add(p)
    return h.hexdigest()


def recent(key: str, compute):
    """``compute()``, or a copy of what it returned for the same ``key``
    earlier in this process (see the module docstring). A copy: callers may
    change what they get. Results larger than :data:`RECENT_BYTES` are not
    kept."""
    try:
        value = _recent[key]
    except KeyError:
        value = compute()
        if _nbytes(value) <= RECENT_BYTES:
            _recent[key] = value
    return copy.deepcopy(value)


def clear_recent() -> None:
    """Forget the in-memory results of :func:`recent` (the disk is untouched)."""
    _recent.clear()
