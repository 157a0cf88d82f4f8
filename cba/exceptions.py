"""Exceptions raised by border-cba.

Every error the package raises on purpose derives from :class:`CBAError`, so
callers (the CLI, the batch runner) can tell bad input from a bug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CBAError",
    "ParameterError",
    "ModelDomainError",
    "ReportError",
    "did_you_mean",
]


class CBAError(Exception):
    """Base class of every error raised on purpose by border-cba."""


class ParameterError(CBAError):
    """A parameter file or value is invalid.

    Carries the file and the key path so the message can name the culprit.
    """

    def __init__(
        self, message: str, file: str | None = None, key_path: str | None = None
    ):
        self.file = file
        self.key_path = key_path
        self.reason = message
        prefix = ""
        if file:
            prefix = f"{file}: "
        if key_path:
            prefix += f"{key_path}: "
        super().__init__(prefix + message)


class ModelDomainError(CBAError, ValueError):
    """Model inputs outside the model's domain of validity (e.g. utilisation >= 1)."""


class ReportError(CBAError):
    """A batch run or report export failed."""


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``.

    Examples
    --------
    >>> did_you_mean("proccessing_minutes", ["processing_minutes", "occupancy"])
    " (did you mean 'processing_minutes'?)"
    >>> did_you_mean("zzz", ["a"])
    ''
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
