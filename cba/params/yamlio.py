"""Reading parameter files: strict YAML (no duplicate keys, dates kept as text).

Main functions: :func:`read_yaml`, :func:`file_sha256`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParameterError

__all__ = ["read_yaml", "file_sha256", "MAX_FILE_BYTES", "MAX_DEPTH", "MAX_NODES"]

#: Largest parameter file read (the shipped ones are under 30 kB). [bytes]
MAX_FILE_BYTES = 2_000_000
#: Deepest nesting of mappings and lists (the schema needs 6).
MAX_DEPTH = 20
#: Most values a document may expand to, aliases counted at every use.
MAX_NODES = 200_000


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
    if not path.exists():
        raise ParameterError("file not found", file=str(path))
    if not path.is_file():
        raise ParameterError(
            "not a regular file (a folder, device or pipe); allowed: a YAML file",
            file=str(path),
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ParameterError(
                f"file larger than {MAX_FILE_BYTES // 1_000_000} MB; allowed: "
                "parameter files of at most that size",
                file=str(path),
            )
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read file ({exc})", file=str(path)) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except RecursionError:
        raise ParameterError(
            f"nested too deeply; allowed: at most {MAX_DEPTH} levels", file=str(path)
        ) from None
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
    _check_size(data, str(path))
    if not isinstance(data, dict):
        raise ParameterError(
            f"the document is a {type(data).__name__}, not a mapping; a parameter "
            "file must be a mapping with keys such as 'schema_version' and "
            "'parameters'",
            file=str(path),
        )
    return data


def _check_size(data: Any, file: str) -> None:
    """Refuse documents nested deeper than MAX_DEPTH or expanding to more than
    MAX_NODES values (counting every use of a YAML alias, as validation does)."""
    count = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ParameterError(
                f"the document expands to more than {MAX_NODES:,} values (through YAML "
                "aliases?); allowed: at most that many",
                file=file,
            )
        if depth > MAX_DEPTH:
            raise ParameterError(
                f"nested too deeply; allowed: at most {MAX_DEPTH} levels", file=file
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (for provenance)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
