"""Languages of the reports: English (the source language) and Spanish.

Every generated sentence, heading, table header and chart label of a report goes
through :func:`gettext` (imported as ``_``). The Spanish texts live in a gettext
catalogue, ``cba/locale/es/LC_MESSAGES/cba.po``, read with Babel; ``make
messages`` extracts the English strings from the code into ``cba/locale/cba.pot``
and merges them into the catalogue, and ``tests/test_i18n.py`` fails when a
string has no Spanish text. Numbers and dates are formatted by Babel for the
language's locale (``en_US``, ``es_MX``).

The language is a context variable: :func:`set_language` for a notebook or a
process, :func:`use_language` for a block::

    >>> from cba.i18n import _, use_language
    >>> with use_language("es"):
    ...     _("worth doing")
    'conviene hacerlo'
    >>> _("worth doing")
    'worth doing'

Module-level strings are marked with :func:`N_` (extracted, not translated when
defined) and translated where they are shown.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from importlib import resources

from .exceptions import ParameterError

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "DEFAULT_LANGUAGE",
    "gettext",
    "_",
    "N_",
    "language",
    "locale",
    "set_language",
    "use_language",
    "catalogue",
    "missing_messages",
    "check_language",
]

#: Report languages and the Babel locale of each.
LANGUAGES = {"en": "en_US", "es": "es_MX"}
#: Each language's name in itself (for the language switch).
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "cba_language", default=DEFAULT_LANGUAGE
)
_missing: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}


def check_language(lang: str) -> str:
    """``lang`` if it is a report language, else a ParameterError naming them."""
    if lang not in LANGUAGES:
        raise ParameterError(
            f"language {lang!r} is not a report language; allowed: "
            + ", ".join(LANGUAGES),
            key_path="language",
        )
    return lang


def language() -> str:
    """The current report language (``"en"`` unless set)."""
    return _current.get()


def locale() -> str:
    """The Babel locale of the current language (``"en_US"``, ``"es_MX"``)."""
    return LANGUAGES[language()]


def set_language(lang: str) -> None:
    """Set the report language for this context (a notebook, a process)."""
    _current.set(check_language(lang))


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Use ``lang`` inside a ``with`` block, then restore the previous language."""
    token = _current.set(check_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The translated messages of ``lang`` (msgid -> text; fuzzy and empty left out)."""
    check_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return {}
    from babel.messages.pofile import read_po

    po = resources.files("cba") / "locale" / lang / "LC_MESSAGES" / "cba.po"
    with po.open("rb") as fh:
        cat = read_po(fh, locale=LANGUAGES[lang])
    return {
        m.id: m.string
        for m in cat
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def gettext(message: str) -> str:
    """``message`` in the current language (the English text when it has none;
    such misses are recorded, see :func:`missing_messages`)."""
    lang = _current.get()
    if lang == DEFAULT_LANGUAGE:
        return message
    text = catalogue(lang).get(message)
    if text is None:
        _missing[lang].add(message)
        return message
    return text


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def missing_messages(lang: str = "es") -> set[str]:
    """Messages asked for in ``lang`` in this process that have no translation."""
    return set(_missing[check_language(lang)])
