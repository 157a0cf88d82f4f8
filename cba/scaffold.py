"""Scaffold a new site file from the shipped BTS data.

Main function: :func:`new_site_document`.

The scaffold starts from ``cba/templates/new_site.yaml`` (a generic crossing
whose values are all labelled assumptions), points its streams at the port's
BTS series and drops the streams the port has no data for. The result is a
valid site file that an analyst then edits.
"""

from __future__ import annotations

import copy
import math
from importlib import resources

import yaml

from . import demand
from .exceptions import ParameterError
from .vocab import is_slug

__all__ = [
    "new_site_document",
    "render_site_yaml",
    "busiest_day_factor",
    "SCAFFOLD_UTILISATION",
]

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


def new_site_document(
    site_id: str,
    port_code: str,
    name: str | None = None,
    days_per_year: float = 365.0,
    weekend: dict[str, tuple[float, float]] | None = None,
) -> dict:
    """A valid site document for ``port_code`` from the template and the data.

    Parameters
    ----------
    site_id : str
        Slug for the new site (lower-case letters, digits, ``_``).
    port_code : str
        BTS port code (or ``"2402+2401"`` for the El Paso area).
    name : str, optional
        Display name (default: the BTS port name).
    days_per_year : float
        Operating days a year (the shared ``days_per_year``), to size booths on
        the average day. [days/year]
    weekend : dict, optional
        Mode -> (Saturday, Sunday) traffic relative to a weekday (the shared
        ``saturday_ratio_<mode>``, ``sunday_ratio_<mode>``), to size lanes and
        secondary positions for the busiest day. [/1]

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
        busy = busiest_day_factor(
            port_code, measure, (weekend or {}).get(doc["streams"][sid]["mode"])
        )
        _size_booths(
            doc["streams"][sid],
            port_code,
            measure,
            doc["site"]["base_year"],
            days_per_year,
            busy,
        )
        _size_lanes(doc, sid, busy)
    return doc


def busiest_day_factor(
    port_code: str, measure: str, weekend: tuple[float, float] | None
) -> float:
    """Traffic of the busiest day relative to the average day: the busiest
    month's mean day in the port's BTS series (recent complete years), times a
    weekday's share of the week, ``7 / (5 + saturday + sunday)``. [factor]"""
    months = demand.month_factors(demand.monthly_crossings(port_code, measure))
    week = 1.0 if weekend is None else 7.0 / (5.0 + weekend[0] + weekend[1])
    return float(max(months)) * week


def _size_lanes(doc: dict, sid: str, busy: float = 1.0) -> None:
    """Lanes of a scaffold stream: the most booths any hour of the status quo
    staffs on its busiest day (the schedule grows with the day's traffic,
    ``busy`` times the average day's) or an option staffs (less the lanes the
    option builds), a labelled assumption to replace with the lanes that exist."""
    stream = doc["streams"][sid]
    base = [float(b) for b in stream["booths_open"]["value"]]
    most = math.ceil(max(base) * busy)
    for opt in doc["options"].values():
        ch = opt.get("changes", {}).get(sid, {})
        extra = ch.get("extra_booths", {}).get("value")
        built = float(ch.get("extra_lanes", {}).get("value", 0))
        if extra:
            most = max(
                most, max(b + e for b, e in zip(base, extra, strict=True)) - built
            )
    stream["lanes"] = {
        **stream["lanes"],
        "value": max(int(math.ceil(most)), 1),
        "source": {
            "assumption": "Lanes: the most booths the scaffold's status quo opens "
            "in any hour of its busiest day, or an option opens.",
            "rationale": "Scaffold default; replace with the lanes that exist at the "
            "crossing (they bound every hour's staffing).",
            "owner": "site analyst",
        },
    }


#: Highest utilisation of the booths a scaffold opens in any hour. [/1]
SCAFFOLD_UTILISATION = 0.85


def _size_booths(
    stream: dict,
    port_code: str,
    measure: str,
    base_year: int,
    days_per_year: float,
    busy: float = 1.0,
) -> None:
    """Open enough booths, hour by hour, for the base-year forecast of the stream.

    A template's booth counts are generic; a busy port would get queues that
    never clear. The scaffold sizes primary booths so that no hour runs above
    :data:`SCAFFOLD_UTILISATION` at the base-year volume (forecast mean x share
    over the operating days), and secondary positions likewise over the
    busiest day (``busy`` times the average day; secondary staffing does not
    follow the day's traffic). Both are labelled assumptions to replace with
    the lanes that exist and the crossing's staffing.
    """
    outlook = demand.annual_outlook(port_code, measure, base_year, base_year)
    daily = float(outlook.loc[base_year, "mean"]) * stream["volume"]["share"]["value"]
    daily /= days_per_year
    profile = stream["arrival_profile"]["value"]
    minutes = stream["processing_minutes"]["value"]
    booths = [
        max(b, math.ceil(daily * share * minutes / 60.0 / SCAFFOLD_UTILISATION))
        if share > 0
        else b
        for b, share in zip(stream["booths_open"]["value"], profile, strict=True)
    ]
    note = (
        f"sized by `cba new-site` so that no hour runs above "
        f"{SCAFFOLD_UTILISATION:.0%} utilisation at the {base_year} forecast volume"
    )
    stream["booths_open"] = {
        **stream["booths_open"],
        "value": booths,
        "source": {
            "assumption": f"Booths open by hour {note}.",
            "rationale": "Scaffold default; replace with the lanes that exist "
            "and the crossing's staffing by hour.",
            "owner": "site analyst",
        },
    }
    referred = daily * busy * stream["secondary_referral_share"]["value"]
    sec_minutes = stream["secondary_minutes"]["value"]
    needed = math.ceil(referred * sec_minutes / 60.0 / 24.0 / SCAFFOLD_UTILISATION)
    if needed > stream["secondary_booths"]["value"]:
        stream["secondary_booths"] = {
            **stream["secondary_booths"],
            "value": needed,
            "source": {
                "assumption": f"Secondary positions {note}.",
                "rationale": "Scaffold default; replace with the crossing's "
                "staffed secondary positions.",
                "owner": "site analyst",
            },
        }


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
