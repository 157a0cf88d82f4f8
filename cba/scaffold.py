"""Scaffold a new site file from the shipped BTS data.

Main function: :func:`new_site_document`.

The scaffold starts from ``cba/templates/new_site.yaml`` (a generic crossing
whose values are all labelled assumptions), points its streams at the port's
BTS series and drops the streams the port has no data for. The result is a
valid site file that an analyst then edits.
"""

from __future__ import annotations

import copy
from importlib import resources

import yaml

from . import demand
from .exceptions import ParameterError
from .vocab import is_slug

__all__ = ["new_site_document", "render_site_yaml"]

_STREAM_MEASURE = {
    "trucks_standard": "Trucks",
    "trucks_fast": "Trucks",
    "passenger_vehicles": "Personal Vehicles",
}


def _template() -> dict:
    text = (resources.files("cba") / "templates" / "new_site.yaml").read_text(
        encoding="utf-8"
    )
    return yaml.safe_load(text)


def new_site_document(site_id: str, port_code: str, name: str | None = None) -> dict:
    """A valid site document for ``port_code`` from the template and the data.

    Parameters
    ----------
    site_id : str
        Slug for the new site (lower-case letters, digits, ``_``).
    port_code : str
        BTS port code (or ``"2402+2401"`` for the El Paso area).
    name : str, optional
        Display name (default: the BTS port name).

    Raises
    ------
    ParameterError
        For a bad slug, an unknown port or a port without truck data.
    """
    if not is_slug(site_id):
        raise ParameterError(
            f"site id {site_id!r} must be a slug: lower-case letters, digits and '_'"
        )
    info = demand.scaffold_site(site_id, port_code)
    measures = {s["measure"]: s for s in info["streams"]}
    if "Trucks" not in measures or not measures["Trucks"].get("annual_volume"):
        raise ParameterError(
            f"port {port_code} has no truck data; the scaffold needs a truck stream"
        )
    doc = copy.deepcopy(_template())
    doc["site"]["id"] = site_id
    doc["site"]["name"] = name or f"{info['port_name']} (port {port_code})"
    doc["site"]["port_code"] = port_code
    for sid in list(doc["streams"]):
        measure = _STREAM_MEASURE.get(sid)
        if measure not in measures or not measures[measure].get("annual_volume"):
            del doc["streams"][sid]
            for opt in doc["options"].values():
                opt.get("changes", {}).pop(sid, None)
            continue
        doc["streams"][sid]["volume"]["port_code"] = port_code
    return doc


def render_site_yaml(doc: dict) -> str:
    """YAML text of a site document, with a header saying what to do next."""
    head = (
        "# Scaffolded by `cba new-site`. Volumes follow the port's BTS series; every\n"
        "# value sourced as an 'assumption' is a generic default: check and "
        "replace it,\n"
        "# then run `cba validate` on this file.\n"
    )
    return head + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
