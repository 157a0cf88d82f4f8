"""Where the next officer-hour pays most: marginal values and budget allocation.

Model family: marginal analysis of a convex queue, with an exact integer
program where shifts make the problem discrete. Every value comes from the
site's own appraisal (:func:`cba.appraisal.appraise`: the same day types,
stages and user responses, the appraisal's values of time and discounting);
a candidate is one more staffed booth for a block of consecutive hours on one
kind of day (weekdays, Saturdays or Sundays), bought as overtime.

Main functions
--------------
units
    The candidate blocks of a site: hours with a free lane on days the lanes open.
marginal_values
    The net present value of adding 1, 2, ... booths in each block (one
    appraisal for all of them), and the increments between levels.
greedy, integer_program, brute_force
    The allocation of an annual budget over the increments of a separable
    table: by ratio, exactly with ``scipy.optimize.milp`` (HiGHS), and by
    enumeration (tiny tables).
allocate
    The best use of a budget at one site: the integer program on the
    separable table, then iterated against the full time-varying model (the
    hours interact through the backlog) until no single addition, removal or
    swap improves it.
budget_curve, portfolio, frontier, national
    Across sites: each site's NPV against its budget in the full model, and
    the split of a national budget that maximises the summed NPV (an exact
    multiple-choice knapsack over the curves' points).

Units: money in the site's report dollar-year (USD), NPV at the site's base
discount rate over its horizon, budgets and costs in USD a year, booth-hours
a year.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .exceptions import ParameterError
from .params import Site, SiteFile, parse
from .vocab import DAYS_OF_WEEK, HOURS

__all__ = [
    "DAY_KINDS",
    "Unit",
    "units",
    "marginal_values",
    "greedy",
    "integer_program",
    "brute_force",
    "evaluate",
    "allocate",
    "AllocationResult",
    "ServiceLevel",
    "service_level",
    "site_room",
    "sponsor_comparison",
    "summary_lines",
    "hour_spans",
    "CURVE_BUDGETS",
    "FRONTIER_BUDGETS",
    "budget_curve",
    "portfolio",
    "frontier",
    "entry_order",
    "national",
]

#: The kinds of day an allocation buys on, with their days of the week.
DAY_KINDS = {
    "weekday": DAYS_OF_WEEK[:5],
    "saturday": ("sat",),
    "sunday": ("sun",),
}
#: Weeks a year (a day of the week recurs this often). [weeks/year]
WEEKS = 52.0
#: Blocks tried for addition or swap in each round against the full model.
TRIES = 8
#: Chosen blocks (the weakest by separable value) tried for a swap each round.
SWAPS = 4
_SOURCE = {
    "assumption": "Booths a staffing allocation adds.",
    "rationale": "Computed by cba.allocation.",
    "owner": "allocation",
}


@dataclass(frozen=True)
class Unit:
    """One more staffed booth for ``hours`` hours from ``start`` on ``kind`` days."""

    stream: str
    kind: str
    start: int
    hours: int = 1

    @property
    def key(self) -> str:
        return f"{self.stream}|{self.kind}|{self.start:02d}+{self.hours}"

    def booths(self) -> np.ndarray:
        """The booths it adds in each hour (24 values). [booths]"""
        out = np.zeros(HOURS)
        out[self.start : self.start + self.hours] = 1.0
        return out

    def booth_hours_a_year(self) -> float:
        return float(self.hours * len(DAY_KINDS[self.kind]) * WEEKS)


#: An allocation: booths added by (stream, day kind), 24 values each.
Allocation = dict


def _room(site: Site, sid: str) -> tuple[np.ndarray, np.ndarray]:
    s = site.file.streams[sid]
    booths = np.asarray(s.booths_open.value, dtype=float)
    lanes = float(s.lanes.value)
    return booths, np.where(booths > 0, lanes - booths, 0.0)


def _open_kinds(site: Site, sid: str) -> list[str]:
    """Day kinds the stream's lanes open (a week ratio of 0 closes a day)."""
    w = site.file.streams[sid].week
    closed = set()
    if w is not None:
        if float(w.saturday.value) <= 0:
            closed.add("saturday")
        if float(w.sunday.value) <= 0:
            closed.add("sunday")
    return [k for k in DAY_KINDS if k not in closed]


def units(
    site: Site,
    block_hours: int = 1,
    streams: list[str] | None = None,
    allocation: Allocation | None = None,
) -> list[Unit]:
    """The candidate blocks: ``block_hours`` consecutive staffed hours, each
    with a lane free (after ``allocation``), on each kind of day the stream's
    lanes open. Hours the schedule leaves closed are not opened."""
    if not 1 <= int(block_hours) <= HOURS:
        raise ParameterError(
            f"block of {block_hours} hours; allowed: 1 to {HOURS}",
            key_path="block_hours",
        )
    out = []
    for sid in streams or list(site.file.streams):
        if sid not in site.file.streams:
            raise ParameterError(
                f"stream '{sid}' is not a stream of site '{site.id}'; allowed: "
                + ", ".join(site.file.streams),
                key_path="streams",
            )
        _, room = _room(site, sid)
        for kind in _open_kinds(site, sid):
            used = (allocation or {}).get((sid, kind), np.zeros(HOURS))
            free = room - used
            for start in range(HOURS - block_hours + 1):
                if np.all(free[start : start + block_hours] >= 1):
                    out.append(Unit(sid, kind, start, block_hours))
    return out


def _option(name: str, alloc: Allocation, start_year: int) -> dict:
    changes: dict = {}
    for (sid, kind), booths in alloc.items():
        b = np.asarray(booths, dtype=float)
        if not np.any(b):
            continue
        changes.setdefault(sid, {"windows": []})["windows"].append(
            {
                "days": list(DAY_KINDS[kind]),
                "extra_booths": {
                    "description": "Booths the allocation adds",
                    "value": [float(x) for x in b],
                    "unit": "booths",
                    "source": _SOURCE,
                },
            }
        )
    return {
        "name": name,
        "kind": "sponsor_staffing",
        "description": "A staffing allocation",
        "start_year": start_year,
        "ramp_up_years": 1,
        "changes": changes,
        "staffing": {"payer": "sponsor", "pay": "overtime", "reimbursed_to_cbp": True},
    }


def evaluate(
    site: Site,
    allocations: dict[str, Allocation],
    overrides: dict | None = None,
    waits: bool = False,
):
    """NPV of each named allocation against the status quo, in one appraisal.

    Returns
    -------
    DataFrame
        Indexed by name: ``pv_benefits, pv_costs, npv`` (USD, the base rate)
        and ``annual_cost`` (officer time a year at full effect, USD/year).
        An empty allocation has all zeros. With ``waits``, also a mapping of
        name -> DataFrame ``stream, hour, wait_minutes, p95_minutes`` (the
        first year of operation; the 95th percentile over the year's days).
    """
    from .appraisal import appraise

    data = site.file.model_dump(exclude_none=True)
    start = site.info.base_year + 1
    opts = {k: v for k, v in data["options"].items() if v["kind"] == "status_quo"}
    names = {}
    for i, (name, alloc) in enumerate(allocations.items()):
        if any(np.any(np.asarray(b)) for b in alloc.values()):
            names[name] = f"alloc_{i}"
            opts[f"alloc_{i}"] = _option(name, alloc, start)
    data["options"] = opts
    data["correlations"] = []
    rows = {
        n: dict(pv_benefits=0.0, pv_costs=0.0, npv=0.0, annual_cost=0.0)
        for n in allocations
    }
    if not names and not waits:
        return pd.DataFrame.from_dict(rows, orient="index")
    variant = dataclasses.replace(site, file=parse(data, SiteFile, str(site.path)))
    with warnings.catch_warnings():
        # The IRR of a candidate is not used; its uniqueness warning is noise.
        warnings.filterwarnings("ignore", message="net flows change sign")
        a = appraise(variant, overrides=overrides)
    m = _base_metrics(a)
    cost = _officer_cost_a_year(a)
    for name, oid in names.items():
        rows[name] = dict(
            pv_benefits=float(m.loc[oid, "pv_benefits"]),
            pv_costs=float(m.loc[oid, "pv_costs"]),
            npv=float(m.loc[oid, "npv"]),
            annual_cost=float(cost.get(oid, 0.0)),
        )
    table = pd.DataFrame.from_dict(rows, orient="index")
    if not waits:
        return table
    w = a.waits.rename(columns={"wait_days_p95_minutes": "p95_minutes"})
    cols = ["stream", "hour", "wait_minutes", "p95_minutes"]
    by = {
        name: w[w.option == names.get(name, "status_quo")][cols].reset_index(drop=True)
        for name in allocations
    }
    return table, by


def _base_metrics(a) -> pd.DataFrame:
    """An appraisal's metrics at its base discount rate, by option."""
    m = a.metrics
    return m[m.discount_rate == m.discount_rate.iloc[0]].set_index("option")


def _officer_cost_a_year(a) -> pd.Series:
    """Officer time each option costs in the last year (full effect), by
    option. [USD/year]"""
    cf = a.cashflows
    last = cf[
        (cf.side == "cost")
        & (cf.component == "officer_time")
        & (cf.year == cf.year.max())
    ]
    return last.groupby("option").value.sum()


def _unit(r) -> Unit:
    """The block a row of a marginal table stands for."""
    return Unit(r.stream, r.kind, int(r.start), int(r.hours))


def _plus(alloc: Allocation, unit: Unit, n: float = 1.0) -> Allocation:
    out = {k: np.asarray(v, dtype=float).copy() for k, v in alloc.items()}
    key = (unit.stream, unit.kind)
    out[key] = out.get(key, np.zeros(HOURS)) + n * unit.booths()
    return out


def marginal_values(
    site: Site,
    block_hours: int = 1,
    streams: list[str] | None = None,
    max_level: int | None = None,
    overrides: dict | None = None,
) -> pd.DataFrame:
    """The value of 1, 2, ... more booths in every candidate block
    (``overrides``: parameter values by key path, as for
    :func:`cba.appraisal.appraise`).

    Returns
    -------
    DataFrame
        One row per block and level: ``key, stream, kind, start, hours,
        level`` (booths added), ``booth_hours_a_year``, ``npv``,
        ``pv_benefits`` and ``annual_cost`` of that level, and ``increment``
        (NPV of level ``j`` minus level ``j - 1``) and ``increment_cost``
        (USD/year). Levels go up to the lanes free in every hour of the
        block (at most ``max_level``).
    """
    cand = units(site, block_hours, streams)
    allocs, meta = {}, []
    for u in cand:
        booths, room = _room(site, u.stream)
        top = int(np.min(room[u.start : u.start + u.hours]))
        if max_level is not None:
            top = min(top, int(max_level))
        for j in range(1, top + 1):
            name = f"{u.key}#{j}"
            allocs[name] = _plus({}, u, j)
            meta.append((name, u, j))
    values = evaluate(site, allocs, overrides)
    rows = []
    for name, u, j in meta:
        v = values.loc[name]
        rows.append(
            {
                "key": u.key,
                "stream": u.stream,
                "kind": u.kind,
                "start": u.start,
                "hours": u.hours,
                "level": j,
                "booth_hours_a_year": j * u.booth_hours_a_year(),
                "npv": float(v.npv),
                "pv_benefits": float(v.pv_benefits),
                "annual_cost": float(v.annual_cost),
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df.assign(increment=[], increment_cost=[])
    df = df.sort_values(["key", "level"]).reset_index(drop=True)
    prev = df.groupby("key")[["npv", "annual_cost"]].shift(1).fillna(0.0)
    df["increment"] = df.npv - prev.npv
    df["increment_cost"] = df.annual_cost - prev.annual_cost
    return df


# ------------------------------------------------------------ the selection
def _hours_of(table: pd.DataFrame) -> list[tuple]:
    """(stream, kind, hour) each row's block occupies."""
    return [
        [(r.stream, r.kind, h) for h in range(int(r.start), int(r.start + r.hours))]
        for r in table.itertuples()
    ]


def _room_of(site_room: dict | None, table: pd.DataFrame) -> dict:
    """Lanes free by (stream, kind, hour): from the site, or the largest level
    a block reaches in the table when no site is given."""
    if site_room is not None:
        return site_room
    room: dict = {}
    for r in table.itertuples():
        for h in range(int(r.start), int(r.start + r.hours)):
            k = (r.stream, r.kind, h)
            room[k] = max(room.get(k, 0), int(r.level))
    return room


def greedy(table: pd.DataFrame, budget: float, room: dict | None = None) -> list[int]:
    """Rows chosen by NPV increment per USD of annual cost, best first, while
    the budget, the lanes and the order of levels allow and the increment
    adds value. Returns the table's row labels."""
    room = dict(_room_of(room, table))
    order = sorted(
        table.index,
        key=lambda i: (
            -table.at[i, "increment"] / max(table.at[i, "increment_cost"], 1e-9)
        ),
    )
    taken: set = set()
    levels: dict = {}
    spent = 0.0
    hours = dict(zip(table.index, _hours_of(table), strict=True))
    for i in order:
        r = table.loc[i]
        if r.increment <= 0:
            break
        if levels.get(r.key, 0) != r.level - 1:
            continue
        if spent + r.increment_cost > budget + 1e-6:
            continue
        if any(room.get(k, 0) < 1 for k in hours[i]):
            continue
        for k in hours[i]:
            room[k] -= 1
        spent += r.increment_cost
        levels[r.key] = int(r.level)
        taken.add(i)
    return sorted(taken)


def integer_program(
    table: pd.DataFrame, budget: float, room: dict | None = None
) -> list[int]:
    """The rows that maximise the summed NPV increments within the budget and
    the lanes, levels in order, exactly (``scipy.optimize.milp``)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    if table.empty:
        return []
    room = _room_of(room, table)
    idx = list(table.index)
    pos = {i: n for n, i in enumerate(idx)}
    n = len(idx)
    cons_rows, lo, hi = [], [], []
    # budget
    cons_rows.append({pos[i]: float(table.at[i, "increment_cost"]) for i in idx})
    lo.append(-np.inf)
    hi.append(float(budget))
    # lanes, hour by hour
    cover: dict = {}
    for i, hs in zip(idx, _hours_of(table), strict=True):
        for k in hs:
            cover.setdefault(k, []).append(pos[i])
    for k, cols in cover.items():
        cons_rows.append({c: 1.0 for c in cols})
        lo.append(-np.inf)
        hi.append(float(room.get(k, 0)))
    # level j only with level j - 1
    by_key = table.reset_index().set_index(["key", "level"])["index"]
    for (key, level), i in by_key.items():
        if level > 1:
            cons_rows.append({pos[i]: 1.0, pos[by_key[(key, level - 1)]]: -1.0})
            lo.append(-np.inf)
            hi.append(0.0)
    a = lil_matrix((len(cons_rows), n))
    for r, row in enumerate(cons_rows):
        for c, v in row.items():
            a[r, c] = v
    res = milp(
        c=-table.loc[idx, "increment"].to_numpy(dtype=float),
        constraints=LinearConstraint(a.tocsr(), lo, hi),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    if res.x is None:  # pragma: no cover - the empty allocation is feasible
        raise RuntimeError(f"the integer program failed: {res.message}")
    return [idx[j] for j in range(n) if res.x[j] > 0.5]


def brute_force(
    table: pd.DataFrame, budget: float, room: dict | None = None
) -> list[int]:
    """Every subset of rows (tiny tables only, at most 16 rows)."""
    if len(table) > 16:
        raise ValueError("brute force is for tables of at most 16 rows")
    room = _room_of(room, table)
    idx = list(table.index)
    hours = dict(zip(idx, _hours_of(table), strict=True))
    best, best_v = [], 0.0
    for r in range(1, len(idx) + 1):
        for combo in itertools.combinations(idx, r):
            sub = table.loc[list(combo)]
            if sub.increment_cost.sum() > budget + 1e-6:
                continue
            levels = sub.groupby("key")["level"].agg(["max", "count"])
            if (levels["max"] != levels["count"]).any():
                continue
            use: dict = {}
            for i in combo:
                for k in hours[i]:
                    use[k] = use.get(k, 0) + 1
            if any(v > room.get(k, 0) for k, v in use.items()):
                continue
            v = float(sub.increment.sum())
            if v > best_v + 1e-9:
                best, best_v = list(combo), v
    return sorted(best)


def site_room(site: Site) -> dict:
    """Lanes free by (stream, day kind, hour) on the site's schedule."""
    out = {}
    for sid in site.file.streams:
        _, room = _room(site, sid)
        for kind in _open_kinds(site, sid):
            for h in range(HOURS):
                out[(sid, kind, h)] = int(room[h])
    return out


def _allocation_of(table: pd.DataFrame, rows: list[int]) -> Allocation:
    return _allocation_from([_unit(r) for r in table.loc[rows].itertuples()])


class AllocationResult(NamedTuple):
    """Result of :func:`allocate`.

    Attributes
    ----------
    allocation : dict
        Booths added by (stream, day kind), 24 values each. [booths]
    table : DataFrame
        The allocation as rows: ``stream, kind, hour, booths``.
    npv : float
        NPV of the allocation in the full model. [USD]
    annual_cost : float
        Its officer time a year. [USD/year]
    separable_npv : dict
        Sum of the chosen increments of the separable table by method
        (``greedy``, ``integer_program``). [USD]
    iterations : int
        Rounds against the full model (each evaluates its moves in one
        appraisal, of the group states not valued before).
    converged : bool
        Whether the last round found no single addition, removal or swap that
        improves the allocation (False: ``max_iterations`` was reached).
    marginal : DataFrame
        The separable table (:func:`marginal_values`).
    """

    allocation: dict
    table: pd.DataFrame
    npv: float
    annual_cost: float
    separable_npv: dict
    iterations: int
    converged: bool
    marginal: pd.DataFrame


def _as_rows(alloc: Allocation) -> pd.DataFrame:
    rows = []
    for (sid, kind), b in sorted(alloc.items()):
        for h in range(HOURS):
            if b[h] > 0:
                rows.append(
                    {"stream": sid, "kind": kind, "hour": h, "booths": int(b[h])}
                )
    return pd.DataFrame(rows, columns=["stream", "kind", "hour", "booths"])


def allocate(
    site: Site,
    budget: float,
    block_hours: int = 1,
    streams: list[str] | None = None,
    max_iterations: int = 30,
) -> AllocationResult:
    """The best use of ``budget`` USD a year of overtime at one site.

    The integer program picks blocks from the separable table; then, since a
    booth in one hour shortens the queue of the next, the allocation is
    checked against the full model: each round evaluates, in one appraisal,
    the allocation with each candidate block added and each chosen block
    removed or swapped for another, and applies the best improving change
    within the budget, until none improves it (or ``max_iterations``).
    Streams and kinds of day are separate queues, so a move is valued by
    the group it changes: each round appraises only the group states it has
    not valued before (:class:`_GroupValues`).
    """
    if not np.isfinite(budget) or budget < 0:
        raise ParameterError(
            f"budget {budget!r}; allowed: a number of USD a year >= 0",
            key_path="budget",
        )
    table = marginal_values(site, block_hours, streams)
    room = site_room(site)
    g = greedy(table, budget, room) if not table.empty else []
    ip = integer_program(table, budget, room) if not table.empty else []
    sep = {
        "greedy": float(table.loc[g, "increment"].sum()) if g else 0.0,
        "integer_program": float(table.loc[ip, "increment"].sum()) if ip else 0.0,
    }
    chosen = [_unit(r) for r in table.loc[ip].itertuples()]
    cost_of = {
        r.key: float(r.increment_cost) for r in table[table.level == 1].itertuples()
    }
    alloc = _allocation_from(chosen)
    value = _GroupValues(site)
    current = value({"now": alloc}).loc["now"]
    # The blocks worth trying to add or swap in: the best by separable value
    # per USD of cost.
    first = table[table.level == 1].copy()
    first["ratio"] = first.increment / first.increment_cost.clip(lower=1e-9)
    ranked = [
        _unit(r)
        for r in first.sort_values("ratio", ascending=False).itertuples()
        if r.increment > 0
    ]
    iterations, converged = 0, False
    for _ in range(max_iterations):
        iterations += 1
        moves = _moves(
            site, chosen, alloc, current, budget, cost_of, ranked, block_hours, streams
        )
        if not moves:
            converged = True
            break
        names = {f"m{i}": m for i, m in enumerate(moves)}
        vals = value({n: moves[m] for n, m in names.items()})
        vals = vals[vals.annual_cost <= budget + 1e-6]
        gain = 1e-6 * max(1.0, abs(float(current.npv)))
        if vals.empty or vals.npv.max() <= current.npv + gain:
            converged = True
            break
        # Queues of different streams and kinds of day do not share a
        # backlog: the best add or drop of each such group is applied at
        # once when the combination, checked in the full model, beats the
        # best single change; else the best single change is.
        best = vals.npv.idxmax()
        combo = _combined(names, vals, current, chosen, cost_of, budget, gain)
        if combo is not None:
            c_chosen = list(chosen)
            for kind, c, u in combo:
                if kind == "drop":
                    c_chosen.remove(c)
                else:
                    c_chosen.append(u)
            c_alloc = _allocation_from(c_chosen)
            c_val = value({"combo": c_alloc}).loc["combo"]
            if c_val.annual_cost <= budget + 1e-6 and c_val.npv > vals.loc[best, "npv"]:
                chosen, alloc, current = c_chosen, c_alloc, c_val
                continue
        kind, c, u = names[best]
        alloc = moves[names[best]]
        if kind in ("drop", "swap"):
            chosen.remove(c)
        if kind in ("add", "swap"):
            chosen.append(u)
        current = vals.loc[best]
    return AllocationResult(
        allocation=alloc,
        table=_as_rows(alloc),
        npv=float(current.npv),
        annual_cost=float(current.annual_cost),
        separable_npv=sep,
        iterations=iterations,
        converged=converged,
        marginal=table,
    )


class _GroupValues:
    """Full-model values of allocations, from a memo of each (stream, kind of
    day) group's booths.

    Streams and kinds of day are separate queues (no backlog, trip or cost
    is shared between them), so an allocation's NPV is the sum over its
    groups of the NPV of that group's booths alone (checked in the tests to
    1e-9 of the NPV). Each call evaluates, in one appraisal, only the group
    states not seen before: a round of the search re-evaluates just the
    moves that touch the group the last round changed.
    """

    COLUMNS = ("pv_benefits", "pv_costs", "npv", "annual_cost")

    def __init__(self, site: Site):
        self.site = site
        self.memo: dict = {}
        self.appraisals = 0

    @staticmethod
    def _key(group, booths) -> tuple:
        return (group, np.asarray(booths, dtype=float).tobytes())

    def __call__(self, allocations: dict[str, Allocation]) -> pd.DataFrame:
        todo = {}
        for alloc in allocations.values():
            for g, b in alloc.items():
                if not np.any(np.asarray(b)):
                    continue
                k = self._key(g, b)
                if k not in self.memo and k not in todo:
                    todo[k] = {g: np.asarray(b, dtype=float)}
        if todo:
            names = {f"s{i}": k for i, k in enumerate(todo)}
            vals = evaluate(self.site, {n: todo[k] for n, k in names.items()})
            self.appraisals += 1
            for n, k in names.items():
                self.memo[k] = vals.loc[n, list(self.COLUMNS)].to_numpy(dtype=float)
        rows = {}
        for name, alloc in allocations.items():
            total = np.zeros(len(self.COLUMNS))
            for g, b in alloc.items():
                if np.any(np.asarray(b)):
                    total = total + self.memo[self._key(g, b)]
            rows[name] = dict(zip(self.COLUMNS, total, strict=True))
        return pd.DataFrame.from_dict(rows, orient="index")


def _order(u: Unit):
    return (u.stream, u.kind, u.start, u.hours)


def _allocation_from(chosen: list[Unit]) -> Allocation:
    alloc: Allocation = {}
    for u in chosen:
        alloc = _plus(alloc, u)
    return alloc


def _combined(names, vals, current, chosen, cost_of, budget, gain):
    """The best improving add or drop of each (stream, kind of day), when
    there are two or more and they fit the budget together; else None."""
    best: dict = {}
    for n, row in vals.iterrows():
        kind, c, u = names[n]
        if kind == "swap" or row.npv <= current.npv + gain:
            continue
        unit = c if kind == "drop" else u
        group = (unit.stream, unit.kind)
        if group not in best or row.npv > best[group][0]:
            best[group] = (float(row.npv), (kind, c, u))
    if len(best) < 2:
        return None
    spend = float(current.annual_cost)
    for _, (kind, c, u) in best.values():
        spend += cost_of[u.key] if kind == "add" else -cost_of[c.key]
    if spend > budget + 1e-6:
        return None
    return [m for _, m in best.values()]


def _moves(site, chosen, alloc, current, budget, cost_of, ranked, block_hours, streams):
    """Single changes of an allocation to try against the full model: add one
    of the best free blocks, drop a chosen block, or swap a chosen block for
    one of the best free blocks; all within the budget."""
    moves = {}
    free = set(units(site, block_hours, streams, alloc))
    tries = [u for u in ranked if u in free][:TRIES]
    for u in tries:
        if current.annual_cost + cost_of[u.key] <= budget + 1e-6:
            moves[("add", None, u)] = _plus(alloc, u)
    rank = {u: n for n, u in enumerate(ranked)}
    weakest = sorted(set(chosen), key=lambda c: -rank.get(c, len(rank)))[:SWAPS]
    for c in sorted(set(chosen), key=_order):
        less = _plus(alloc, c, -1.0)
        moves[("drop", c, None)] = less
        if c not in weakest:
            continue
        free_less = set(units(site, block_hours, streams, less))
        for u in [x for x in ranked if x in free_less and x != c][:TRIES]:
            spend = current.annual_cost - cost_of[c.key] + cost_of[u.key]
            if spend <= budget + 1e-6:
                moves[("swap", c, u)] = _plus(less, u)
    return moves


def sponsor_comparison(site: Site, budget: float, appraisal=None) -> dict | None:
    """The site's shipped sponsor-staffing option at the same budget.

    Returns ``None`` where the site has no such option, else ``option``,
    ``npv`` and ``annual_cost`` of the option as shipped and ``scaled_npv``:
    its NPV per USD of officer time times ``min(budget, annual_cost)`` (the
    option bought in proportion when it costs more than the budget, as it is
    when it costs less); ``appraisal``: the site's deterministic appraisal
    when already computed. [USD], [USD/year]
    """
    from .appraisal import appraise

    ids = [k for k, o in site.file.options.items() if o.kind == "sponsor_staffing"]
    if not ids:
        return None
    oid = ids[0]
    a = appraisal if appraisal is not None else appraise(site)
    cost = float(_officer_cost_a_year(a).get(oid, 0.0))
    npv = float(_base_metrics(a).loc[oid, "npv"])
    scaled = npv * min(budget, cost) / cost if cost > 0 else npv
    return {"option": oid, "npv": npv, "annual_cost": cost, "scaled_npv": scaled}


def summary_lines(site: Site, result: AllocationResult, budget: float) -> list[str]:
    """Plain-text lines of an allocation for the terminal."""
    lines = [
        f"{site.id}: best use of {budget:,.0f} USD a year of overtime",
        f"  NPV {result.npv / 1e6:,.2f} M USD for {result.annual_cost:,.0f} USD a year "
        f"({result.iterations} round(s) against the full model"
        + ("" if result.converged else ", not converged")
        + ")",
    ]
    t = result.table
    if t.empty:
        lines.append("  nothing: no added booth-hour is worth its cost")
    for (sid, kind), g in t.groupby(["stream", "kind"], sort=True):
        lines.append(f"  {sid}, {kind}: {hour_spans(g)}")
    return lines


def hour_spans(g: pd.DataFrame) -> str:
    """Consecutive hours with the same booths added, as ranges ("18-21 h +2")."""
    out: list = []
    for r in g.sort_values("hour").itertuples():
        h, b = int(r.hour), int(r.booths)
        if out and out[-1][1] == h and out[-1][2] == b:
            out[-1][1] = h + 1
        else:
            out.append([h, h + 1, b])
    return ", ".join(f"{a:02d}-{e:02d} h +{b}" for a, e, b in out)


class ServiceLevel(NamedTuple):
    """Result of :func:`service_level`.

    Attributes
    ----------
    allocation : dict
        Booths added by (stream, day kind), 24 values each. [booths]
    table : DataFrame
        The allocation as rows: ``stream, kind, hour, booths``.
    annual_cost : float
        Officer time a year. [USD/year]
    npv : float
        NPV of the added staffing. [USD]
    p95 : DataFrame
        ``stream, hour, p95_minutes`` with the allocation (first year of
        operation).
    unmet : list
        ``(stream, hour)`` still above the target where no lane is left.
    rounds : int
        Appraisals the search took.
    """

    allocation: dict
    table: pd.DataFrame
    annual_cost: float
    npv: float
    p95: pd.DataFrame
    unmet: list
    rounds: int


def _excess(p95: pd.DataFrame, target: float, streams) -> float:
    x = p95[p95.stream.isin(streams)].p95_minutes.fillna(0.0)
    return float(np.maximum(x - target, 0.0).sum())


def _no_worse(new: pd.DataFrame, now: pd.DataFrame, target: float, streams) -> bool:
    """No hour goes above the target, and none already above it gets worse."""
    a = new[new.stream.isin(streams)].set_index(["stream", "hour"]).p95_minutes
    b = now[now.stream.isin(streams)].set_index(["stream", "hour"]).p95_minutes
    a, b = a.fillna(0.0), b.reindex(a.index).fillna(0.0)
    return bool((a <= np.maximum(b, target) + 1e-6).all())


def _violations(p95: pd.DataFrame, target: float, streams) -> list[tuple[str, int]]:
    x = p95[p95.stream.isin(streams) & (p95.p95_minutes > target + 1e-9)]
    return [(r.stream, int(r.hour)) for r in x.itertuples()]


def service_level(
    site: Site,
    target_minutes: float,
    streams: list[str] | None = None,
    max_rounds: int = 40,
) -> ServiceLevel:
    """The cheapest added staffing that keeps the 95th-percentile wait of
    every hour (over the year's days, first year of operation) at or under
    ``target_minutes`` for each stream, within the lanes that exist.

    Each round evaluates, in one appraisal, one more booth in each hour above
    the target on each kind of day with a free lane, and keeps the one that
    cuts the summed excess over the target most per USD; once no hour is
    above it (or none can be helped), booths whose removal keeps every hour
    within the target are removed, the dearest first, so that removing any
    one of those left breaks it. Hours that stay above the target with every
    lane staffed are reported in ``unmet``.
    """
    if not np.isfinite(target_minutes) or target_minutes <= 0:
        raise ParameterError(
            f"target of {target_minutes!r} minutes; allowed: a number > 0",
            key_path="target_minutes",
        )
    streams = list(streams or site.file.streams)
    for sid in streams:
        if sid not in site.file.streams:
            raise ParameterError(
                f"stream '{sid}' is not a stream of site '{site.id}'; allowed: "
                + ", ".join(site.file.streams),
                key_path="streams",
            )
    chosen: list[Unit] = []
    alloc: Allocation = {}
    vals, w = evaluate(site, {"now": alloc}, waits=True)
    current, p95 = vals.loc["now"], w["now"]
    rounds = 1
    cost_of: dict = {}
    while rounds < max_rounds:
        bad = _violations(p95, target_minutes, streams)
        if not bad:
            break
        free = set(units(site, 1, streams, alloc))
        tries = {
            f"t{i}": u
            for i, u in enumerate(
                sorted(
                    (u for u in free if (u.stream, u.start) in set(bad)),
                    key=_order,
                )
            )
        }
        if not tries:
            break
        tv, tw = evaluate(
            site, {n: _plus(alloc, u) for n, u in tries.items()}, waits=True
        )
        rounds += 1
        before = _excess(p95, target_minutes, streams)
        best, best_gain = None, 0.0
        for n, u in tries.items():
            extra = float(tv.loc[n, "annual_cost"] - current.annual_cost)
            cost_of[u] = max(extra, 1e-9)
            gain = (before - _excess(tw[n], target_minutes, streams)) / cost_of[u]
            if gain > best_gain + 1e-12:
                best, best_gain = n, gain
        if best is None:
            break
        u = tries[best]
        chosen.append(u)
        alloc = _plus(alloc, u)
        current, p95 = tv.loc[best], tw[best]
    unmet = _violations(p95, target_minutes, streams)
    # Prune: drop what the target does not need, dearest first.
    while chosen and rounds < max_rounds:
        runs = {f"d{i}": _plus(alloc, c, -1.0) for i, c in enumerate(chosen)}
        dv, dw = evaluate(site, runs, waits=True)
        rounds += 1
        keep_ok = [
            (cost_of.get(c, 0.0), i)
            for i, c in enumerate(chosen)
            if _no_worse(dw[f"d{i}"], p95, target_minutes, streams)
        ]
        if not keep_ok:
            break
        _cost, i = max(keep_ok)
        c = chosen.pop(i)
        alloc = _plus(alloc, c, -1.0)
        current, p95 = dv.loc[f"d{i}"], dw[f"d{i}"]
    return ServiceLevel(
        allocation=alloc,
        table=_as_rows(alloc),
        annual_cost=float(current.annual_cost),
        npv=float(current.npv),
        p95=p95[p95.stream.isin(streams)][["stream", "hour", "p95_minutes"]],
        unmet=unmet,
        rounds=rounds,
    )


# ------------------------------------------------------- across sites
#: Annual budgets at which a site's curve of NPV against budget is evaluated
#: (then capped at what its worthwhile blocks cost in all). [USD/year]
CURVE_BUDGETS = (
    50e3,
    100e3,
    200e3,
    350e3,
    500e3,
    750e3,
    1e6,
    1.5e6,
    2e6,
    3e6,
    4e6,
    6e6,
    8e6,
)
#: National budgets of the frontier shown on the index. [USD/year]
FRONTIER_BUDGETS = (0.25e6, 0.5e6, 1e6, 2e6, 3e6, 5e6, 7.5e6, 10e6, 15e6, 20e6)
CURVE_COLUMNS = ["site", "point", "budget", "annual_cost", "npv", "pv_benefits"]


def budget_curve(
    site: Site,
    budgets: tuple[float, ...] = CURVE_BUDGETS,
    table: pd.DataFrame | None = None,
    block_hours: int = 1,
) -> pd.DataFrame:
    """A site's NPV against its annual overtime budget, in the full model.

    At each budget the greedy allocation of the separable table
    (:func:`marginal_values`, or ``table`` when already computed) is
    evaluated in the full time-varying model, all budgets in one appraisal;
    the site then keeps, at each budget, the best point that costs no more
    (spending more never lowers its NPV: it need not spend it). Budgets above
    what every worthwhile block costs in all are replaced by that total.

    Returns
    -------
    DataFrame
        ``site, point, budget, annual_cost, npv, pv_benefits``: one row per
        point, point 0 the status quo (all zeros); ``annual_cost`` is the
        officer time a year of the allocation kept (<= budget). [USD/year],
        [USD]
    """
    if table is None:
        table = marginal_values(site, block_hours)
    room = site_room(site)
    worth = table[table.increment > 0] if not table.empty else table
    total = float(worth.increment_cost.sum()) if len(worth) else 0.0
    levels = sorted({min(float(b), total) for b in budgets if b > 0} - {0.0})
    allocs, spends = {}, {}
    for i, b in enumerate(levels):
        rows = greedy(table, b, room)
        if rows:
            allocs[f"p{i}"] = _allocation_of(table, rows)
            spends[f"p{i}"] = b
    vals = evaluate(site, allocs) if allocs else pd.DataFrame()
    out = [
        {
            "site": site.id,
            "point": 0,
            "budget": 0.0,
            "annual_cost": 0.0,
            "npv": 0.0,
            "pv_benefits": 0.0,
        }
    ]
    best = out[0]
    for i, b in enumerate(levels):
        name = f"p{i}"
        if name in allocs:
            v = vals.loc[name]
            if v.annual_cost <= b + 1e-6 and v.npv > best["npv"]:
                best = {
                    "annual_cost": float(v.annual_cost),
                    "npv": float(v.npv),
                    "pv_benefits": float(v.pv_benefits),
                }
        out.append(
            {
                "site": site.id,
                "point": i + 1,
                "budget": b,
                "annual_cost": best["annual_cost"],
                "npv": best["npv"],
                "pv_benefits": best["pv_benefits"],
            }
        )
    return pd.DataFrame(out, columns=CURVE_COLUMNS)


def portfolio(curves: pd.DataFrame, budget: float) -> pd.DataFrame:
    """The split of a national ``budget`` (USD a year) across sites that
    maximises their summed NPV: one point of each site's curve
    (:func:`budget_curve`), exactly (``scipy.optimize.milp``; a
    multiple-choice knapsack on the points' annual costs).

    Returns
    -------
    DataFrame
        One row per site: ``site, annual_cost, npv, pv_benefits`` of the
        point chosen (zeros for a site that gets nothing). [USD/year], [USD]
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not np.isfinite(budget) or budget < 0:
        raise ParameterError(
            f"budget {budget!r}; allowed: a number of USD a year >= 0",
            key_path="budget",
        )
    sites = sorted(curves.site.unique())
    out = pd.DataFrame(
        {"site": sites, "annual_cost": 0.0, "npv": 0.0, "pv_benefits": 0.0}
    )
    # Each site's distinct points in order of cost, as steps from the one
    # before (a step only with the one before it): the problem's variables.
    steps = []
    for s in sites:
        c = curves[curves.site == s].sort_values("annual_cost")
        c = c.drop_duplicates("annual_cost")
        prev = None
        for r in c.itertuples():
            if r.annual_cost > 0:
                steps.append((s, r, prev))
            prev = r if r.annual_cost > 0 else None
    if not steps:
        return out
    n = len(steps)
    cost = np.array(
        [r.annual_cost - (p.annual_cost if p else 0.0) for _s, r, p in steps]
    )
    gain = np.array([r.npv - (p.npv if p else 0.0) for _s, r, p in steps])
    # Costs and gains scaled to order one: the solver's tolerances are
    # absolute.
    cs = max(float(cost.max()), 1e-300)
    gs = max(float(np.abs(gain).max()), 1e-300)
    a = np.zeros((n, n))
    a[0] = cost / cs
    hi = [float(budget) / cs * (1.0 + 1e-12)]
    for k in range(1, n):
        if steps[k][0] == steps[k - 1][0]:
            a[len(hi), k], a[len(hi), k - 1] = 1.0, -1.0
            hi.append(0.0)
    a = a[: len(hi)]
    res = milp(
        c=-gain / gs,
        constraints=LinearConstraint(a, -np.inf, np.array(hi)),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    if res.x is None:  # pragma: no cover - nothing chosen is feasible
        raise RuntimeError(f"the portfolio's integer program failed: {res.message}")
    last = {}
    for k, (s, r, _p) in enumerate(steps):
        if res.x[k] > 0.5:
            last[s] = r
    chosen = pd.DataFrame(
        [
            {
                "site": s,
                "annual_cost": r.annual_cost,
                "npv": r.npv,
                "pv_benefits": r.pv_benefits,
            }
            for s, r in last.items()
        ],
        columns=["site", "annual_cost", "npv", "pv_benefits"],
    ).set_index("site")
    for col in ("annual_cost", "npv", "pv_benefits"):
        out[col] = [
            float(chosen.at[s, col]) if s in chosen.index else 0.0 for s in sites
        ]
    return out


def frontier(
    curves: pd.DataFrame, budgets: tuple[float, ...] = FRONTIER_BUDGETS
) -> pd.DataFrame:
    """Total NPV of the best split (:func:`portfolio`) at each national budget.

    Returns
    -------
    DataFrame
        One row per budget and site: ``budget, site, annual_cost, npv``, and
        ``total_cost``, ``total_npv`` of the budget's split. [USD/year], [USD]
    """
    frames = []
    for b in budgets:
        p = portfolio(curves, b)
        frames.append(
            p.assign(
                budget=float(b),
                total_cost=float(p.annual_cost.sum()),
                total_npv=float(p.npv.sum()),
            )
        )
    cols = ["budget", "site", "annual_cost", "npv", "total_cost", "total_npv"]
    return pd.concat(frames, ignore_index=True)[cols]


def entry_order(curves: pd.DataFrame, step: float = 50e3) -> pd.DataFrame:
    """Sites in the order they enter the best split as the national budget
    rises in steps of ``step`` USD a year (:func:`portfolio` at each step, up
    to what every site's curve can use): the smallest budget at which each
    gets a share, ties by its NPV there; sites never funded come last, with
    NaN. Columns ``site, enters_at, npv_there``. [USD/year], [USD]"""
    top = float(curves.groupby("site").annual_cost.max().sum())
    fundable = curves[curves.npv > 0].site.nunique()
    rows: dict = {}
    b = step
    while b <= top + step and len(rows) < fundable:
        p = portfolio(curves, b)
        for r in p[p.annual_cost > 0].sort_values("npv", ascending=False).itertuples():
            rows.setdefault(r.site, (b, float(r.npv)))
        b += step
    out = sorted(rows.items(), key=lambda kv: (kv[1][0], -kv[1][1]))
    table = [{"site": s, "enters_at": v[0], "npv_there": v[1]} for s, v in out]
    for s in sorted(set(curves.site) - set(rows)):
        table.append({"site": s, "enters_at": np.nan, "npv_there": 0.0})
    return pd.DataFrame(table, columns=["site", "enters_at", "npv_there"])


def national(
    sites: list[Site],
    budgets: tuple[float, ...] = FRONTIER_BUDGETS,
    block_hours: int = 1,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The curves of every site (:func:`budget_curve`) and their frontier
    (:func:`frontier`): ``(curves, frontier)``."""
    curves = []
    it = sites
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(sites, desc="sites", unit="site")
    for site in it:
        curves.append(budget_curve(site, block_hours=block_hours))
    c = pd.concat(curves, ignore_index=True)
    return c, frontier(c, budgets)
