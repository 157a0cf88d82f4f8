"""The catalogue of pre-clearance options, their checks, composition and description.

Main objects: :data:`CATALOGUE`, :func:`check_option`, :func:`parts`,
:func:`timing`, :func:`describe`, :func:`changes_table`.

An option in a site file is a set of changes to the site's baseline (booths
open by hour, processing time, secondary referrals, traffic moved between
lanes) plus its costs, its timing (start year, ramp-up) and who pays. Every
option has a *kind* from the catalogue below; the kind says which levers the
option must pull, so that a "sponsor-funded staffing" option that adds no
booth-hours, say, is caught when the file is read rather than producing a
silent zero.

Options compose: an option of kind ``combined`` lists the ids of other options
of the same site in ``combines`` (for example donated lanes plus
sponsor-funded staffing of those lanes). The combined option applies each
part's changes in turn (booths add up, processing factors multiply, traffic
shifts apply in the order listed), books each part's costs with that part's
payers, and may add changes and costs of its own (coordination, say). A
part's uncertain values are the same draws in the part and in the
combination, so the two are compared on equal terms.

Examples
--------
>>> sorted(CATALOGUE)[:3]
['combined', 'donated_infrastructure', 'pre_inspection']
>>> CATALOGUE["sponsor_staffing"].programme
'CBP Reimbursable Services Program (P.L. 113-6 s. 560, P.L. 113-76 s. 559; made permanent as HSA s. 481, 6 U.S.C. 301, by P.L. 114-279)'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .exceptions import ParameterError

__all__ = ["OptionKind", "CATALOGUE", "LEVERS", "check_option", "parts", "timing",
           "levers_used", "funding_owner", "funding_of", "describe", "changes_table"]

#: Levers an option can pull on a stream (keys of ``changes.<stream>``).
LEVERS = ("extra_booths", "processing_factor", "secondary_referral_factor", "shift_share")


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


CATALOGUE: dict[str, OptionKind] = {
    "status_quo": OptionKind(
        "Status quo", "Today's staffing, lanes and processes, carried forward.", (), ""),
    "sponsor_staffing": OptionKind(
        "Sponsor-funded staffing",
        "A city, bridge authority or private sponsor pays CBP for officer overtime or added "
        "officers in chosen hours, opening more booths when queues are longest.",
        ("extra_booths",),
        "CBP Reimbursable Services Program (P.L. 113-6 s. 560, P.L. 113-76 s. 559; made permanent as HSA s. 481, 6 U.S.C. 301, by P.L. 114-279)"),
    "donated_infrastructure": OptionKind(
        "Donated infrastructure",
        "A non-federal partner builds and donates lanes, booths, exit booths or equipment; "
        "they add capacity or speed up processing once staffed.",
        ("extra_booths", "processing_factor"),
        "CBP/GSA Donations Acceptance Program (P.L. 113-76 s. 559(f); HSA s. 482, 6 U.S.C. 301a)"),
    "unified_processing": OptionKind(
        "Unified cargo processing",
        "US and Mexican officers inspect together in one facility, so a shipment stops once "
        "instead of twice.",
        ("processing_factor", "secondary_referral_factor"),
        "US-Mexico unified cargo processing pilots (CBP and SAT/ANAM)"),
    "pre_inspection": OptionKind(
        "Pre-inspection away from the line",
        "Cargo is inspected at a facility away from the border and arrives pre-cleared in a "
        "dedicated lane.",
        ("shift_share", "processing_factor"),
        "CBP-SAT joint pre-inspection (e.g. Laredo airport, San Jeronimo-Santa Teresa)"),
    "trusted_traveler": OptionKind(
        "Trusted shipper / traveller expansion",
        "More traffic enrols in FAST or SENTRI and uses the faster dedicated lanes (a traffic "
        "shift between streams), or, where the site has no separate trusted stream, lowers the "
        "stream's mean processing time; at an enrolment cost.",
        ("shift_share", "processing_factor"),
        "CBP trusted traveller and trader programmes (FAST, SENTRI)"),
    "combined": OptionKind(
        "Combination of options",
        "Two or more of the site's options carried out together.",
        (),
        ""),
}


def levers_used(opt) -> set[str]:
    """Levers an option pulls itself (not through its parts).

    Examples
    --------
    >>> from cba.params import Option
    >>> levers_used(Option(name="x", kind="status_quo", description="d"))
    set()
    """
    used = set()
    for ch in opt.changes.values():
        for lever in LEVERS:
            if getattr(ch, lever) is not None:
                used.add(lever)
    return used


def check_option(oid: str, opt, options: dict) -> None:
    """Check an option against its catalogue entry; raise :class:`ParameterError`.

    ``options`` is the site's mapping of option id to option (for ``combines``).
    The error names the key path, the bad value and what is allowed.
    """
    base = f"options.{oid}"
    spec = CATALOGUE[opt.kind]
    used = levers_used(opt)
    if opt.kind == "status_quo":
        extra = sorted(used) + (["costs"] if opt.costs else []) + (
            ["staffing"] if opt.staffing else []) + (["funding"] if opt.funding else []) + (
            ["combines"] if opt.combines else [])
        if extra:
            raise ParameterError(
                f"the status quo changes nothing and costs nothing, but has {', '.join(extra)}; "
                "allowed: no changes, costs, staffing, funding or combines",
                key_path=base)
        return
    if opt.kind == "combined":
        if len(opt.combines) < 2:
            raise ParameterError(
                f"a combined option lists {len(opt.combines)} option(s) in 'combines'; "
                "allowed: two or more ids of this site's other options",
                key_path=f"{base}.combines")
        seen = set()
        for j, part in enumerate(opt.combines):
            path = f"{base}.combines[{j}]"
            if part not in options:
                from .params import _hint

                raise ParameterError(
                    f"unknown option '{part}'{_hint(part, options)}; options of this site: "
                    + ", ".join(options),
                    key_path=path)
            kind = options[part].kind
            if part == oid or kind in ("status_quo", "combined"):
                raise ParameterError(
                    f"'{part}' is {'this option' if part == oid else 'of kind ' + kind}; allowed: "
                    "options other than the status quo and other combinations",
                    key_path=path)
            if part in seen:
                raise ParameterError(f"'{part}' is listed twice; allowed: each option once",
                                     key_path=path)
            seen.add(part)
        return
    if opt.combines:
        raise ParameterError(
            f"'combines' lists {opt.combines} but the kind is '{opt.kind}'; allowed: "
            "'combines' only with kind 'combined'",
            key_path=f"{base}.combines")
    if spec.needs_any and not used & set(spec.needs_any):
        raise ParameterError(
            f"a {opt.kind} option must change " + " or ".join(spec.needs_any)
            + f" for at least one stream; it changes {', '.join(sorted(used)) or 'nothing'}",
            key_path=f"{base}.changes")
    if opt.kind == "sponsor_staffing":
        if opt.staffing is None or opt.staffing.payer != "sponsor":
            got = "no staffing" if opt.staffing is None else f"payer '{opt.staffing.payer}'"
            raise ParameterError(
                f"sponsor-funded staffing needs 'staffing' paid by the sponsor; got {got}; "
                "allowed: staffing.payer: sponsor",
                key_path=f"{base}.staffing")
    net = [sum(hour) for hour in zip(*(ch.extra_booths.value for ch in opt.changes.values()
                                        if ch.extra_booths is not None))]
    if net and max(net) > 0 and opt.staffing is None:
        h = max(range(len(net)), key=net.__getitem__)
        raise ParameterError(
            f"the option opens {net[h]:g} more booth(s) net of conversions at hour {h} but says "
            "nobody staffs them; allowed: a 'staffing' block (payer us_federal, mx_federal or "
            "sponsor; pay overtime or straight_time), or booths converted between streams "
            "(extra booths summing to 0 or less in every hour)",
            key_path=f"{base}.staffing")


def parts(options: dict, oid: str) -> list[str]:
    """Ids whose changes and costs make up option ``oid``, in order of application.

    A plain option is its own single part; a combined option is its listed
    parts followed by itself (for any changes or costs of its own).

    Examples
    --------
    >>> from cba.params import Option
    >>> o = {"a": Option(name="a", kind="trusted_traveler", description="d"),
    ...      "ab": Option(name="ab", kind="combined", description="d", combines=["a", "b"])}
    >>> parts(o, "ab"), parts(o, "a")
    (['a', 'b', 'ab'], ['a'])
    """
    opt = options[oid]
    return [*opt.combines, oid] if opt.combines else [oid]


def timing(options: dict, oid: str, base_year: int) -> tuple[int, int]:
    """Start year and ramp-up years of an option's effects.

    An option without a start year starts the year after the base year. A
    combined option without its own start year starts when its last part
    starts, and ramps up as slowly as its slowest part (unless it sets
    ``ramp_up_years`` above 1 itself).

    Examples
    --------
    >>> from cba.params import Option
    >>> o = {"a": Option(name="a", kind="trusted_traveler", description="d", start_year=2027),
    ...      "b": Option(name="b", kind="trusted_traveler", description="d", ramp_up_years=3),
    ...      "ab": Option(name="ab", kind="combined", description="d", combines=["a", "b"])}
    >>> timing(o, "ab", 2024), timing(o, "b", 2024)
    ((2027, 3), (2025, 3))
    """
    opt = options[oid]
    default = base_year + 1
    if not opt.combines:
        return (opt.start_year if opt.start_year is not None else default, opt.ramp_up_years)
    start = opt.start_year if opt.start_year is not None else max(
        timing(options, p, base_year)[0] for p in opt.combines)
    ramp = opt.ramp_up_years if opt.ramp_up_years > 1 else max(
        options[p].ramp_up_years for p in opt.combines)
    return start, ramp


def funding_owner(options: dict, oid: str) -> str | None:
    """Id of the option whose funding block applies to ``oid``, or None.

    An option's own funding block applies; a combination without one takes
    the funding of its first funded part (a toll raised for that part keeps
    being raised when the part is combined with others).
    """
    opt = options[oid]
    if opt.funding is not None:
        return oid
    for p in opt.combines:
        if options[p].funding is not None:
            return p
    return None


def funding_of(options: dict, oid: str):
    """The funding block that applies to an option (see :func:`funding_owner`)."""
    owner = funding_owner(options, oid)
    return None if owner is None else options[owner].funding


# --------------------------------------------------------------------------- description
def _hours_text(hours: list[int]) -> str:
    """'6-9, 14' style list of hour ranges (hour h = h:00 to h+1:00)."""
    if not hours:
        return ""
    runs, start, prev = [], hours[0], hours[0]
    for h in hours[1:] + [None]:
        if h is not None and h == prev + 1:
            prev = h
            continue
        runs.append(f"{start:02d}:00-{prev + 1:02d}:00")
        if h is not None:
            start = prev = h
    return ", ".join(runs)


def _money(x: float) -> str:
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f} M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f} k"
    return f"${x:,.0f}"


def _change_lines(site, opt) -> list[str]:
    out = []
    for sid, ch in opt.changes.items():
        stream = site.file.streams[sid].description
        if ch.extra_booths is not None:
            extra = list(ch.extra_booths.value)
            added = [h for h, e in enumerate(extra) if e > 0]
            cut = [h for h, e in enumerate(extra) if e < 0]
            if added:
                most = max(extra)
                out.append(f"{stream}: up to {most:g} more booth(s) open in "
                           f"{_hours_text(added)} ({sum(e for e in extra if e > 0):g} booth-hours a day)")
            if cut:
                out.append(f"{stream}: {-sum(e for e in extra if e < 0):g} fewer booth-hours a day in "
                           f"{_hours_text(cut)}")
        if ch.processing_factor is not None:
            f = float(ch.processing_factor.value)
            out.append(f"{stream}: processing time x {f:.2f} ({(f - 1) * 100:+.0f} %)")
        if ch.secondary_referral_factor is not None:
            f = float(ch.secondary_referral_factor.value)
            out.append(f"{stream}: referrals to secondary inspection x {f:.2f} ({(f - 1) * 100:+.0f} %)")
        if ch.shift_share is not None:
            to = site.file.streams[ch.shift_to].description
            out.append(f"{float(ch.shift_share.value):.0%} of {stream.lower()} moves to "
                       f"{to.lower()}")
    return out


def _cost_lines(opt, start: int) -> list[str]:
    out = []
    for c in opt.costs:
        amount = float(c.amount.value)
        if c.kind == "capital":
            life = float(c.asset_life_years.value)
            out.append(f"{c.description}: {_money(amount)} once in {c.year or start} "
                       f"({life:g}-year life), paid by {c.payer}")
        else:
            out.append(f"{c.description}: {_money(amount)} a year, paid by {c.payer}")
    if opt.staffing is not None:
        how = "overtime" if opt.staffing.pay == "overtime" else "straight time"
        line = f"Officer time for added booth-hours at {how}, paid by {opt.staffing.payer}"
        if opt.staffing.reimbursed_to_cbp:
            line += " (reimbursed to CBP)"
        out.append(line)
    return out


def describe(site, oid: str) -> dict[str, str]:
    """Plain-language description of what an option changes and costs.

    Returns a dict with keys ``option``, ``kind``, ``timing``, ``changes``,
    ``costs`` and ``funding`` (text; lines joined by "; ").
    """
    options = site.file.options
    opt = options[oid]
    start, ramp = timing(options, oid, site.info.base_year)
    changes, costs = [], []
    for p in parts(options, oid):
        part = options[p]
        prefix = f"[{part.name}] " if p != oid else ""
        p_start = timing(options, p, site.info.base_year)[0]
        changes += [prefix + x for x in _change_lines(site, part)]
        costs += [prefix + x for x in _cost_lines(part, p_start)]
    fund = funding_of(options, oid)
    if fund is not None and fund.toll_surcharge is not None:
        streams = ", ".join(site.file.streams[s].description.lower() for s in fund.tolled_streams)
        fund_text = (f"Toll surcharge of ${float(fund.toll_surcharge.value):.2f} per crossing on "
                     f"{streams}, paid to {fund.recipient}")
    elif any(options[p].staffing is not None and options[p].staffing.payer == "sponsor"
             for p in parts(options, oid)):
        fund_text = "Sponsor pays from its own budget (no toll); break-even toll in the sponsor table"
    else:
        fund_text = ""
    if opt.kind == "status_quo":
        when = ""
    else:
        when = f"from {start}" + (f", full effect after {ramp} years" if ramp > 1 else "")
    kind = CATALOGUE[opt.kind].label
    if opt.combines:
        kind += ": " + " + ".join(options[p].name for p in opt.combines)
    return {
        "option": opt.name,
        "kind": kind,
        "timing": when,
        "changes": "; ".join(changes) or "nothing",
        "costs": "; ".join(costs) or "none",
        "funding": fund_text,
    }


def changes_table(site) -> pd.DataFrame:
    """What each option of a site changes, costs and how it is funded (display table)."""
    rows = [describe(site, oid) for oid in site.file.options]
    t = pd.DataFrame(rows)
    t.columns = ["Option", "Kind", "When", "What changes", "Costs and who pays", "Funding"]
    return t
