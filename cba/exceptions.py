"""Exceptions raised by border-cba.

Every error the package raises on purpose derives from :class:`CBAError`, so
callers (the CLI, the batch runner) can tell bad input from a bug.
"""

from __future__ import annotations

__all__ = ["CBAError", "ParameterError", "ModelDomainError", "ReportError"]


class CBAError(Exception):
    """Base class of every error raised on purpose by border-cba."""


class ParameterError(CBAError):
    """A parameter file or value is invalid.

    Carries the file and the key path so the message can name the culprit.
    """

    def __init__(self, message: str, file: str | None = None, key_path: str | None = None):
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
    """Model inputs lie outside the model's domain of validity (e.g. utilisation >= 1)."""


class ReportError(CBAError):
    """A batch run or report export failed."""
