"""Hindcasts and measured levels: the model run on a real period, against
what was measured or reported there.

Main functions: :func:`load_case`, :func:`run_case`, :func:`load_observations`,
:func:`level_comparison`, :func:`period_site`.

A *case* (``parameters/cases/*.yaml``) names a shipped site, a period (a year,
optionally some of its months), changes to the status quo of that period
(booths bought or withdrawn on windows, lanes, processing: the same
``changes`` an option makes) and the outcomes that were reported, each with
an acceptance band. :func:`run_case` runs the site's appraisal model on the
traffic of the period, without and with the changes, and reads each outcome
off it: waits stage by stage, the time at the crossing, the busiest hour.

*Observations* (``parameters/observations/<site>.yaml``) are levels measured
under the staffing of their time (RFID crossing times, reported waits);
:func:`level_comparison` runs the status quo at each one's year.

Nothing is fitted here: a value fitted on a case is listed in the case file
(``calibrated_on_this``), and the case is then labelled "used for
calibration" instead of "out of sample".
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from .. import demand
from ..exceptions import ParameterError
from ..params import (
    CaseFile,
    ObservationsFile,
    Option,
    Site,
    SiteFile,
    Staffing,
    StreamChange,
    levers_used,
    load_site,
    parse,
    read_yaml,
)
from ..params.schema import METRICS
from ..vocab import DAYS_OF_WEEK, OPTION_KINDS

__all__ = [
    "CASE_COLUMNS",
    "OUT_OF_SAMPLE",
    "USED_FOR_CALIBRATION",
    "load_case",
    "load_observations",
    "period_site",
    "period_results",
    "run_case",
    "level_comparison",
    "booth_hours_a_year",
    "shift_change",
    "run_files",
    "site_levels",
    "observations_path",
    "MEASURED_METHODS",
    "verdict",
    "case_table_lines",
]

OUT_OF_SAMPLE = "out of sample"
USED_FOR_CALIBRATION = "used for calibration"

#: Columns of :func:`run_case` and :func:`level_comparison`.
CASE_COLUMNS = [
    "case",
    "site",
    "outcome",
    "description",
    "description_es",
    "metric",
    "unit",
    "statistic",
    "year",
    "reported",
    "reported_low",
    "reported_high",
    "band_low",
    "band_high",
    "band_rule",
    "predicted",
    "status_quo",
    "changed",
    "in_band",
    "tested",
    "known_miss",
    "sample",
    "method",
    "strength",
    "measured_at",
    "source",
    "href",
]

#: Id of the option that carries a case's changes in the period's model.
CASE_OPTION = "case"


def load_case(path: str | Path) -> CaseFile:
    """Read and validate a case file; :class:`ParameterError` names the file,
    key path, value and what is allowed."""
    path = Path(path)
    return parse(read_yaml(path), CaseFile, str(path))


def load_observations(path: str | Path) -> ObservationsFile:
    """Read and validate a site's observations file."""
    path = Path(path)
    return parse(read_yaml(path), ObservationsFile, str(path))


def booth_hours_a_year(changes: dict[str, StreamChange], weeks: float = 52.0):
    """Booth-hours a year the changes add (negative: withdraw), by stream.

    Each day of the week counts ``weeks`` times; ``extra_booths`` apply on
    every day, a window on its days. [booth-hours/year]

    Examples
    --------
    >>> from cba.params import Param, Source, Window
    >>> src = Source(assumption="a", rationale="r", owner="o")
    >>> p = Param(description="d", value=[1] * 8 + [0] * 16, unit="booths", source=src)
    >>> ch = StreamChange(windows=[Window(days=["mon", "tue"], extra_booths=p)])
    >>> booth_hours_a_year({"trucks": ch})
    {'trucks': 832.0}
    """
    out = {}
    for sid, ch in changes.items():
        total = 0.0
        for day in DAYS_OF_WEEK:
            b = ch.booths_on(day)
            if b is not None:
                total += sum(b)
        out[sid] = total * weeks
    return out


def shift_change(site: Site, shift, existing: StreamChange | None = None):
    """The booths a case's officer shift opens (or closes) at one site.

    The block of ``shift.hours`` consecutive hours is the one with the most
    arrivals (the stream's hourly profile) in hours where the shift can act:
    a lane free of a booth when officers are added, a booth open beyond the
    first when they are withdrawn. In those hours the shift opens (closes)
    ``officers / officers_per_booth`` booths, as many as the lanes allow.

    Returns
    -------
    StreamChange
        ``existing`` (or an empty change) with one more window.
    """
    from ..params import Param, Window

    st = site.file.streams.get(shift.stream)
    if st is None:
        return None
    lanes = float(st.lanes.value)
    open_ = np.asarray(st.booths_open.value, dtype=float)
    profile = np.asarray(st.arrival_profile.value, dtype=float)
    per_booth = float(site.param("officers_per_booth").value)
    k = float(shift.officers) / per_booth
    room = (
        np.minimum(k, lanes - open_)
        if k > 0
        else -np.minimum(-k, np.maximum(open_ - 1.0, 0.0))
    )
    n = int(shift.hours)
    # arrivals the shift can act on, summed over each block of n hours (the
    # first block wins a tie)
    start = int(np.argmax(np.convolve(profile * np.abs(room), np.ones(n), "valid")))
    booths = np.zeros(24)
    booths[start : start + n] = room[start : start + n]
    p = Param(
        description=f"Booths the case's shift opens at {site.info.id}",
        value=[float(x) for x in booths],
        unit="booths",
        source=shift.source,
    )
    base = existing or StreamChange()
    return base.model_copy(
        update={
            "windows": [*base.windows, Window(days=list(shift.days), extra_booths=p)]
        }
    )


def _kind_for(changes: dict[str, StreamChange]) -> str:
    """An option kind whose levers include those the changes pull."""
    probe = Option(name="x", kind="combined", description="x", changes=changes)
    used = levers_used(probe)
    for kind, spec in OPTION_KINDS.items():
        if spec.needs_any and used & set(spec.needs_any) and kind != "sponsor_staffing":
            return kind
    return "donated_infrastructure"


def period_site(
    site: Site,
    year: int,
    changes: dict[str, StreamChange] | None = None,
    *,
    streams: list[str] | None = None,
    label: str | None = None,
) -> Site:
    """The site's model for one calendar year, with or without changes.

    ``streams`` keeps only those streams (with the streams their traffic is
    shared with, and those the changes name): a truck measurement of 2001 is
    then not refused because today's car booths could not clear 2001's cars.

    The appraisal runs over ``year - 1`` (its base year) and ``year``, the
    first year of operation whose waits the appraisal reports; the only
    option besides the status quo is :data:`CASE_OPTION`, carrying
    ``changes`` from ``year`` on at full effect. Added booths are staffed at
    straight time by CBP (the cost does not enter any case outcome).

    Raises
    ------
    ParameterError
        The changes name an unknown stream, or the period's model fails a
        check (booths beyond the lanes that exist, a stage that cannot clear
        its day); the message names ``label`` (the case file).
    """
    data = site.file.model_dump(exclude_none=True)
    data["site"]["base_year"] = int(year) - 1
    data["site"]["horizon_years"] = 1
    data["correlations"] = []
    if streams is not None:
        keep = set(streams) | set(changes or {})
        f = site.file
        for sid in list(keep):
            src, _v = f.volume_source(sid)
            keep |= {src, *f.volume_parts(src)}
        for ch in (changes or {}).values():
            if ch.shift_to:
                keep.add(ch.shift_to)
        data["streams"] = {k: v for k, v in data["streams"].items() if k in keep}
    sq = [k for k, o in site.file.options.items() if o.kind == "status_quo"]
    options = {k: data["options"][k] for k in sq}
    if changes:
        unknown = [s for s in changes if s not in site.file.streams]
        if unknown:
            raise ParameterError(
                f"stream '{unknown[0]}' is not a stream of site '{site.info.id}'; "
                "allowed: " + ", ".join(site.file.streams),
                file=label,
                key_path=f"changes.{unknown[0]}",
            )
        opt = {
            "name": "Case",
            "kind": _kind_for(changes),
            "description": "Changes of a hindcast case",
            "start_year": int(year),
            "changes": {
                k: ch.model_dump(exclude_none=True) for k, ch in changes.items()
            },
        }
        opt["staffing"] = Staffing(payer="us_federal", pay="straight_time").model_dump()
        options[CASE_OPTION] = opt
    data["options"] = options
    try:
        file = parse(data, SiteFile, label or str(site.path))
        variant = dataclasses.replace(site, file=file)
        from ..appraisal.feasibility import check_site

        check_site(variant)
    except ParameterError as exc:
        key = exc.key_path or ""
        prefix = f"options.{CASE_OPTION}."
        if key.startswith(prefix):
            key = key[len(prefix) :]
        raise ParameterError(
            f"{exc.reason} (in the model of {site.info.id} for {year})",
            file=label or exc.file,
            key_path=key or None,
        ) from None
    return variant


def _month_factor(site: Site, months: list[int]) -> dict[str, float]:
    """Overrides scaling each data-based volume to the months' mean month:
    ``streams.<id>.volume.share`` -> share x (months' mean / year's mean).

    The months' traffic comes from the year's data where the year is observed
    in full, else from the series' month factors (its last three years)."""
    if not months:
        return {}
    f = site.file
    year = str(f.site.base_year + 1)
    out = {}
    for sid, s in f.streams.items():
        v = s.volume
        if v.part_of is not None or v.port_code is None or v.share is None:
            continue
        series = demand.monthly_crossings(v.port_code, v.measure)
        y = series[series.index.year == int(year)]
        if len(y) == 12:
            ratio = float(y[y.index.month.isin(months)].mean() / y.mean())
        else:
            factors = demand.month_factors(series)
            ratio = float(np.mean([factors[m - 1] for m in months]) / np.mean(factors))
        out[f"streams.{sid}.volume.share"] = float(v.share.value) * ratio
    return out


def staffed_for(site: Site) -> dict[str, float]:
    """Today's base-year traffic of each stream (central values), the traffic
    its booth schedule was set for. [vehicles/year]"""
    from ..appraisal import model_inputs
    from ..appraisal.traffic import outlooks_for, volume_paths

    vols = volume_paths(model_inputs(site), outlooks_for(site), None)
    return {sid: float(v[0, 0]) for sid, v in vols.items()}


def period_results(
    site: Site,
    months: list[int] | None = None,
    staffed: dict[str, float] | None = None,
) -> dict:
    """Outcome readers of a period's model (from :func:`period_site`).

    ``staffed``: the traffic each stream's booth schedule was set for
    (:func:`staffed_for` of today's site). With it, the period's booths are
    taken to have followed its traffic as the appraisal's follow growth (CBP
    sizes staff from workload): its queue runs at the utilisation today's
    schedule gives today's traffic, scaled by the months' share of the year.
    Without it, today's schedule serves the period's traffic.

    Returns a mapping of option id -> function ``(metric, streams, stages)``
    giving the level metrics of that option in the period's year
    (``crossing_time``, ``wait`` and ``peak_wait``, minutes).
    """
    from ..appraisal import appraise, model_inputs

    overrides = _month_factor(site, months or [])
    reference = None
    if staffed is not None:
        # The queue scales every year's traffic by reference / base-year
        # traffic; the period's year (base + 1) is to see today's traffic, in
        # the months' proportion to the year.
        from ..appraisal.traffic import outlooks_for, volume_paths

        vols = volume_paths(model_inputs(site), outlooks_for(site), None)
        reference = {}
        for sid, s in site.file.streams.items():
            key = f"streams.{sid}.volume.share"
            ratio = 1.0
            if key in overrides:
                ratio = overrides[key] / float(s.volume.share.value)
            base, this = (float(x) for x in vols[sid][0, :2])
            growth = this / base if base > 0 else 1.0
            reference[sid] = staffed[sid] * ratio / growth
    a = appraise(site, overrides=overrides or None, reference=reference)
    inp = model_inputs(site)
    year = site.info.base_year + 1
    resp = a.responses[a.responses.year == year]
    delay = a.delay[a.delay.year == year]

    def reader(oid):
        def read(metric, streams, stages):
            trips = np.array(
                [
                    float(
                        resp[
                            (resp.option == oid) & (resp.stream == s)
                        ].trips_made_per_day.iloc[0]
                    )
                    for s in streams
                ]
            )
            vals = []
            for s in streams:
                w = a.stage_waits
                w = w[(w.option == oid) & (w.stream == s)].set_index("stage")
                if metric == "crossing_time":
                    d = float(
                        delay[
                            (delay.option == oid) & (delay.stream == s)
                        ].delay_vehicle_hours_per_day.iloc[0]
                    )
                    t = float(trips[streams.index(s)])
                    bridge = float(w.wait_minutes.get("bridge", 0.0))
                    vals.append(60.0 * d / t + bridge if t > 0 else np.nan)
                elif metric == "wait":
                    total = 0.0
                    for st in inp.streams[s].stages:
                        if stages and st.name not in stages:
                            continue
                        x = float(w.loc[st.name, "wait_minutes"])
                        total += float(st.share[0]) * x if st.side else x
                    vals.append(total)
                elif metric == "peak_wait":
                    h = a.waits[(a.waits.option == oid) & (a.waits.stream == s)]
                    vals.append(float(np.nanmax(h.wait_busiest_minutes)))
                else:  # pragma: no cover - the schema allows only these
                    raise ValueError(metric)
            vals = np.asarray(vals)
            if metric == "peak_wait":
                return float(np.nanmax(vals))
            return float(np.sum(vals * trips) / np.sum(trips))

        return read

    return {oid: reader(oid) for oid in site.file.options}


def _predict(metric: str, sq, changed):
    """The predicted value of an outcome from the two readers' levels."""
    if metric == "wait_reduction":
        return 1.0 - changed / sq if sq > 0 else np.nan
    if metric == "minutes_saved":
        return sq - changed
    if metric == "peak_wait_ratio":
        return changed / sq if sq > 0 else np.nan
    return None


def _level_of(metric: str) -> str:
    return {
        "wait_reduction": "wait",
        "minutes_saved": "wait",
        "peak_wait_ratio": "peak_wait",
    }.get(metric, metric)


def _row(case_id, site_id, oid, m, year, sq, changed, predicted, tested, sample):
    rep = m.reported
    inb = (
        bool(m.band.low <= predicted <= m.band.high)
        if np.isfinite(predicted)
        else False
    )
    return {
        "case": case_id,
        "site": site_id,
        "outcome": oid,
        "description": m.description,
        "description_es": m.description_es or m.description,
        "metric": m.metric,
        "unit": METRICS[m.metric],
        "statistic": m.statistic,
        "year": int(year),
        "reported": rep.central,
        "reported_low": rep.low if rep.low is not None else np.nan,
        "reported_high": rep.high if rep.high is not None else np.nan,
        "band_low": float(m.band.low),
        "band_high": float(m.band.high),
        "band_rule": m.band.rule,
        "predicted": float(predicted),
        "status_quo": sq,
        "changed": changed,
        "in_band": inb,
        "tested": tested,
        "known_miss": getattr(m, "known_miss", None) or "",
        "sample": sample,
        "method": m.method,
        "strength": m.strength,
        "measured_at": m.measured_at or "",
        "source": m.source.title or m.source.assumption or "",
        "href": m.source.href or "",
    }


def run_case(
    case: CaseFile | str | Path,
    params_dir: str | Path = "parameters",
    *,
    label: str | None = None,
) -> pd.DataFrame:
    """Run a case: predicted against reported, per outcome (and per
    ``compare_at`` site, untested).

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS`: one row per outcome and site. ``status_quo`` and
        ``changed`` are the levels behind a reduction or ratio (the wait or
        busiest-hour wait, minutes); ``in_band`` says whether ``predicted``
        lies in the band; ``tested`` is true at the case's own site only.
    """
    if not isinstance(case, CaseFile):
        label = label or str(case)
        case = load_case(case)
    info = case.case
    params_dir = Path(params_dir)
    sample = USED_FOR_CALIBRATION if info.calibrated_on_this else OUT_OF_SAMPLE
    rows = []
    for site_id in [info.site, *info.compare_at]:
        path = params_dir / "sites" / f"{site_id}.yaml"
        if not path.is_file():
            key = "case.site" if site_id == info.site else "case.compare_at"
            raise ParameterError(
                f"no site file for '{site_id}' in {params_dir / 'sites'}",
                file=label,
                key_path=key,
            )
        site = load_site(path)
        changes = dict(case.changes)
        if info.shift is not None:
            ch = shift_change(site, info.shift, changes.get(info.shift.stream))
            if ch is None:
                if site_id == info.site:
                    raise ParameterError(
                        f"stream '{info.shift.stream}' is not a stream of site "
                        f"'{site_id}'; allowed: " + ", ".join(site.file.streams),
                        file=label,
                        key_path="case.shift.stream",
                    )
                continue
            changes[info.shift.stream] = ch
        variant = period_site(site, info.year, changes, label=label)
        read = period_results(variant, list(info.months), staffed_for(site))
        for oid, m in case.outcomes.items():
            streams = [s for s in m.streams if s in variant.file.streams]
            if not streams:
                if site_id == info.site:
                    raise ParameterError(
                        f"stream '{m.streams[0]}' is not a stream of site "
                        f"'{site_id}'; allowed: " + ", ".join(variant.file.streams),
                        file=label,
                        key_path=f"outcomes.{oid}.streams",
                    )
                continue
            level = _level_of(m.metric)
            stages = list(m.stages)
            sq = read["status_quo"](level, streams, stages)
            ch = (
                read[CASE_OPTION](level, streams, stages) if CASE_OPTION in read else sq
            )
            pred = _predict(m.metric, sq, ch)
            if pred is None:
                pred = sq if m.under == "status_quo" else ch
            rows.append(
                _row(
                    info.id,
                    site_id,
                    oid,
                    m,
                    info.year,
                    sq,
                    ch,
                    pred,
                    site_id == info.site,
                    sample,
                )
            )
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def _observed(observations: ObservationsFile, key) -> list[str]:
    """Streams of the observations made in one (year, months) period."""
    out = []
    for m in observations.observations.values():
        if (m.year, tuple(m.months)) == key:
            out += [s for s in m.streams if s not in out]
    return out


def level_comparison(
    site: Site, observations: ObservationsFile, *, label: str | None = None
) -> pd.DataFrame:
    """The status quo of each observation's year against the observation.

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS`, ``case`` = ``"levels"``, one row per observation.
    """
    rows = []
    runs = {}
    staffed = staffed_for(site)
    for oid, m in observations.observations.items():
        key = (m.year, tuple(m.months))
        if key not in runs:
            variant = period_site(
                site, m.year, streams=_observed(observations, key), label=label
            )
            runs[key] = period_results(variant, list(m.months), staffed)["status_quo"]
        streams = [s for s in m.streams if s in site.file.streams]
        if len(streams) != len(m.streams):
            bad = next(s for s in m.streams if s not in site.file.streams)
            raise ParameterError(
                f"stream '{bad}' is not a stream of site '{site.info.id}'; "
                "allowed: " + ", ".join(site.file.streams),
                file=label,
                key_path=f"observations.{oid}.streams",
            )
        v = runs[key](_level_of(m.metric), streams, list(m.stages))
        sample = USED_FOR_CALIBRATION if m.used_for_calibration else OUT_OF_SAMPLE
        rows.append(_row("levels", site.info.id, oid, m, m.year, v, v, v, True, sample))
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def run_files(paths, params_dir: str | Path = "parameters") -> pd.DataFrame:
    """Run case and observations files; one table of :data:`CASE_COLUMNS`.

    Raises
    ------
    ParameterError
        A missing or invalid file (named, with the key path and what is allowed).
    """
    from .. import cache

    frames = []
    # every parameter file may feed a case (its site, the shared values, the
    # calibrated ones): a change to any runs the cases again
    reads = sorted(Path(params_dir).rglob("*.yaml"))
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise ParameterError(
                "file not found; allowed: a case file (parameters/cases/*.yaml) or "
                "an observations file (parameters/observations/*.yaml)",
                file=str(p),
            )
        frames.append(
            cache.reuse(_run_file, str(p), str(params_dir), reads=[p, *reads])
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=CASE_COLUMNS)
    )


def _run_file(path: str, params_dir: str) -> pd.DataFrame:
    """:func:`run_files` of one file."""
    p = Path(path)
    data = read_yaml(p)
    if isinstance(data, dict) and "observations" in data:
        obs = parse(data, ObservationsFile, str(p))
        site_path = Path(params_dir) / "sites" / f"{obs.site}.yaml"
        if not site_path.is_file():
            raise ParameterError(
                f"no site file for '{obs.site}' in {Path(params_dir) / 'sites'}",
                file=str(p),
                key_path="site",
            )
        return level_comparison(load_site(site_path), obs, label=str(p))
    return run_case(parse(data, CaseFile, str(p)), params_dir, label=str(p))


def verdict(row) -> str:
    """``IN BAND``, ``KNOWN MISS``, ``MISS`` or ``shown`` (an untested site)."""
    if not row["tested"]:
        return "shown"
    if row["in_band"]:
        return "IN BAND" if not row["known_miss"] else "IN BAND (marked as a miss)"
    return "KNOWN MISS" if row["known_miss"] else "MISS"


def _fmt(x, unit):
    if unit == "/1":
        return f"{100 * x:.3g} %"
    return f"{x:.1f} min"


def case_table_lines(table: pd.DataFrame) -> list[str]:
    """Plain lines of a case table, one per row, for the terminal."""
    out = []
    for _, r in table.iterrows():
        u = r["unit"]
        out.append(
            f"{verdict(r):10s} {r['case']}/{r['site']}/{r['outcome']}: reported "
            f"{_fmt(r['reported'], u)}, predicted {_fmt(r['predicted'], u)} "
            f"(band {_fmt(r['band_low'], u)} to {_fmt(r['band_high'], u)}; "
            f"{r['sample']})"
        )
    n = table["tested"].sum() if len(table) else 0
    hit = (table["tested"] & table["in_band"]).sum() if len(table) else 0
    out.append(f"{hit} of {n} tested outcomes in their bands")
    return out


#: Methods that measure (or an agency reports) rather than estimate or quote.
MEASURED_METHODS = ("rfid", "bluetooth", "agency_report")


def observations_path(site: Site) -> Path:
    """Where the site's measured levels are: ``observations/<site id>.yaml``
    beside its ``sites/`` folder (the file may not exist)."""
    return Path(site.path).parent.parent / "observations" / f"{site.info.id}.yaml"


def site_levels(site: Site) -> pd.DataFrame:
    """The site's status quo against its measured levels, from
    :func:`observations_path` (an empty table of :data:`CASE_COLUMNS` when the
    site has none)."""
    path = observations_path(site)
    if not path.is_file():
        return pd.DataFrame(columns=CASE_COLUMNS)
    return level_comparison(site, load_observations(path), label=str(path))
