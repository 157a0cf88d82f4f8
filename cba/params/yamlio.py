"""Reading parameter files: strict YAML (no duplicate keys, dates kept as text).

Main functions: :func:`read_yaml`, :func:`file_sha256`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParameterError

__all__ = ["read_yaml", "file_sha256"]


class _Loader(yaml.SafeLoader):
    """Safe loader that rejects duplicate keys and keeps dates as strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
# Keep dates as written: drop the implicit timestamp resolver.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: str | Path) -> dict:
    """Read one YAML file that must hold a mapping.

    Raises
    ------
    ParameterError
        If the file is missing, is not valid YAML, has duplicate keys or is not
        a mapping at the top level.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read file ({exc})", file=str(path)) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = (
            f"line {mark.line + 1}, column {mark.column + 1}"
            if mark
            else "unknown place"
        )
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(
            f"invalid YAML at {where}: {problem}; fix the syntax (two-space indent, "
            "'key: value' pairs)",
            file=str(path),
        ) from None
    if not isinstance(data, dict):
        raise ParameterError(
            f"the document is a {type(data).__name__}, not a mapping; a parameter "
            "file must be a mapping with keys such as 'schema_version' and "
            "'parameters'",
            file=str(path),
        )
    return data


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (for provenance)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
