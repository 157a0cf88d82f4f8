"""The words every layer shares, defined once.

Stakeholder accounts, option kinds and the levers each must pull, traffic
modes, fuels and value-of-time classes, the slug rule for ids, the hours of a
day and the column lists of the tidy outputs. Nothing here computes; the
parameter schema, the appraisal, the reports and the batch all import these
names instead of spelling them again.

Examples
--------
>>> sorted(OPTION_KINDS)[:3]
['combined', 'donated_infrastructure', 'pre_inspection']
>>> OPTION_KINDS["sponsor_staffing"].programme.split(" (")[0]
'CBP Reimbursable Services Program'
>>> is_slug("pharr_reynosa"), is_slug("Pharr"), is_slug("pharr\\n")
(True, False, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import N_

__all__ = [
    "HOURS",
    "MINUTES_PER_HOUR",
    "STAKEHOLDERS",
    "STAKEHOLDER_NAMES",
    "STAKEHOLDER_COUNTRY",
    "COMPONENTS",
    "COMPONENT_NAMES",
    "PAYERS",
    "STAFFING_PAYERS",
    "TOLL_RECIPIENTS",
    "OptionKind",
    "OPTION_KINDS",
    "LEVERS",
    "MODES",
    "FUELS",
    "POLLUTANTS",
    "VALUE_OF_TIME_PARAMS",
    "SLUG_PATTERN",
    "is_slug",
    "BASE_RATE",
    "SIDES",
    "CASHFLOW_COLUMNS",
    "METRIC_COLUMNS",
    "MC_COLUMNS",
    "SUMMARY_COLUMNS",
]

#: Hours of a day; hour 0 runs from midnight to 1 am.
HOURS = 24

#: The days of the week, as option windows name them (Monday first).
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_HOUR = 60.0

#: Stakeholder accounts every cash flow is booked to.
STAKEHOLDERS = ("us_federal", "mx_federal", "sponsor", "users_us", "users_mx")
#: Plain names of the stakeholder accounts.
STAKEHOLDER_NAMES = {
    "us_federal": N_("US federal government"),
    "mx_federal": N_("Mexican federal government"),
    "sponsor": N_("Sponsor (city, bridge or private)"),
    "users_us": N_("US users"),
    "users_mx": N_("Mexican users"),
}
#: Country of each account in the US / Mexico split (the sponsor, a city, bridge
#: authority or private firm on either side, is shown on its own).
STAKEHOLDER_COUNTRY = {
    "us_federal": N_("United States"),
    "users_us": N_("United States"),
    "mx_federal": N_("Mexico"),
    "users_mx": N_("Mexico"),
    "sponsor": N_("Sponsor"),
}
#: Components of the cash flows (the ``component`` column), in the order charts
#: list them, with their plain names.
COMPONENT_NAMES = {
    "travel_time": N_("Travel time"),
    "vehicle_time": N_("Truck time (carrier's costs)"),
    "cargo_time": N_("Cargo time"),
    "idle_fuel": N_("Idling fuel"),
    "emissions_air_quality": N_("Air quality"),
    "emissions_co2": N_("CO2"),
    "resilience": N_("Resilience (emergencies' cost avoided)"),
    "officer_time": N_("Officer time"),
    "capital": N_("Capital"),
    "operations": N_("Operations and upkeep"),
    "residual_value": N_("Residual value"),
    "staffing_reimbursement": N_("Staffing reimbursement (transfer)"),
    "toll_surcharge": N_("Toll surcharge (transfer)"),
}
COMPONENTS = tuple(COMPONENT_NAMES)
#: Who may pay a cost item.
PAYERS = STAKEHOLDERS
#: Who may pay for added officer-hours.
STAFFING_PAYERS = ("us_federal", "mx_federal", "sponsor")
#: Who may receive a toll surcharge.
TOLL_RECIPIENTS = ("sponsor", "us_federal", "mx_federal")

#: Levers an option can pull on a stream (keys of ``changes.<stream>``).
LEVERS = (
    "extra_booths",
    "extra_lanes",
    "processing_factor",
    "secondary_referral_factor",
    "export_exam_factor",
    "shift_share",
)


@dataclass(frozen=True)
class OptionKind:
    """One entry of the option catalogue.

    Attributes
    ----------
    label : str
        Plain-language name shown in reports.
    models : str
        What the option is, in one sentence.
    needs_any : tuple of str
        The option must pull at least one of these levers (empty: none needed).
    programme : str
        The legal or administrative vehicle, where there is one.
    """

    label: str
    models: str
    needs_any: tuple[str, ...]
    programme: str


#: The catalogue of option kinds, in the order reports list them.
OPTION_KINDS: dict[str, OptionKind] = {
    "status_quo": OptionKind(
        N_("Status quo"),
        "Today's staffing, lanes and processes, carried forward.",
        (),
        "",
    ),
    "sponsor_staffing": OptionKind(
        N_("Sponsor-funded staffing"),
        "A city, bridge authority or private sponsor pays CBP for officer overtime or "
        "added officers in chosen hours, opening more booths when queues are longest.",
        ("extra_booths",),
        "CBP Reimbursable Services Program (P.L. 113-6 s. 560, P.L. 113-76 s. 559; "
        "made permanent as HSA s. 481, 6 U.S.C. 301, by P.L. 114-279)",
    ),
    "donated_infrastructure": OptionKind(
        N_("Donated infrastructure"),
        "A non-federal partner builds and donates lanes, booths, exit booths or "
        "equipment; they add capacity or speed up processing once staffed.",
        ("extra_booths", "extra_lanes", "processing_factor"),
        "CBP/GSA Donations Acceptance Program (P.L. 113-76 s. 559(f); HSA s. 482, "
        "6 U.S.C. 301a)",
    ),
    "unified_processing": OptionKind(
        N_("Unified cargo processing"),
        "US and Mexican officers inspect together in one facility, so a shipment stops "
        "once instead of twice.",
        ("processing_factor", "secondary_referral_factor", "export_exam_factor"),
        "US-Mexico unified cargo processing pilots (CBP and SAT/ANAM)",
    ),
    "pre_inspection": OptionKind(
        N_("Pre-inspection away from the line"),
        "Cargo is inspected at a facility away from the border and arrives pre-cleared "
        "in a dedicated lane.",
        ("shift_share", "processing_factor"),
        "CBP-SAT joint pre-inspection (e.g. Laredo airport, San Jeronimo-Santa Teresa)",
    ),
    "trusted_traveler": OptionKind(
        N_("Trusted shipper / traveller expansion"),
        "More traffic enrols in FAST or SENTRI and uses the faster dedicated lanes (a "
        "traffic shift between streams), or, where the site has no separate trusted "
        "stream, lowers the stream's mean processing time; at an enrolment cost.",
        ("shift_share", "processing_factor"),
        "CBP trusted traveller and trader programmes (FAST, SENTRI)",
    ),
    "combined": OptionKind(
        N_("Combination of options"),
        "Two or more of the site's options carried out together.",
        (),
        "",
    ),
}

#: Traffic modes of a stream.
MODES = ("truck", "passenger_vehicle", "pedestrian", "air_cargo")
#: Fuels a stream's vehicles burn while idling ("none": pedestrians, air cargo).
FUELS = ("gasoline", "diesel", "none")
#: Pollutants valued as air-quality damage (CO2 is valued apart, behind a switch).
POLLUTANTS = ("nox", "pm25")
#: Value-of-time class of a stream -> the shared parameter holding its value.
VALUE_OF_TIME_PARAMS = {
    "personal": "vtts_personal",
    "business": "vtts_business",
    "truck_driver": "vtts_truck_driver",
    "walk_wait": "vtts_walk_wait",
}

#: Ids of sites, options and streams: lower-case letters, digits and '_'.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")


def is_slug(text: str) -> bool:
    """True if ``text`` is a valid id (lower-case letters, digits, '_', at most 63)."""
    return isinstance(text, str) and SLUG_PATTERN.fullmatch(text) is not None


#: Name of the base discount rate among the ``discount_rate_*`` parameters.
BASE_RATE = "discount_rate_base"
#: Sides of a cash flow.
SIDES = ("benefit", "cost", "transfer")

#: Columns of the tidy cash-flow table.
CASHFLOW_COLUMNS = [
    "site",
    "option",
    "draw",
    "year",
    "side",
    "component",
    "stakeholder",
    "value",
    "unit",
    "dollar_year",
]
#: Columns of the metrics table (one row per option and discount rate).
METRIC_COLUMNS = [
    "site",
    "option",
    "discount_rate",
    "rate_name",
    "pv_benefits",
    "pv_costs",
    "npv",
    "bcr",
    "irr",
    "payback_years",
    "first_year_benefits",
    "breakeven_toll_usd",
]
#: Extra metric columns of a Monte Carlo run (the metrics above stay central).
MC_COLUMNS = ["npv_mean", "npv_p05", "npv_p50", "npv_p95", "p_npv_positive", "p_best"]
#: Leading columns of ``reports/summary.csv`` (metric columns follow).
SUMMARY_COLUMNS = [
    "site",
    "site_name",
    "option",
    "option_name",
    "option_name_es",
    "option_kind",
    *METRIC_COLUMNS[2:11],  # discount_rate ... first_year_benefits
    "verdict",
    "status",
]
