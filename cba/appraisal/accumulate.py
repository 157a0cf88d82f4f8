"""Reducing blocks of draws to an appraisal's results.

Each block of draws (see :mod:`cba.appraisal.flows`) adds its present values
per draw and its sums over draws; :meth:`Accumulator.result` turns them into
the metrics (PV benefits and costs, NPV, BCR, IRR, payback, first-year
benefits, break-even toll, Monte Carlo percentiles), the stakeholder account,
the mean cash flows, waits and delay. :func:`component_values` and
:func:`sponsor_view` turn the mean cash flows into the present value by
component and the sponsor's financial view that the reports show.

Sums over draws are taken in fixed blocks of :data:`REDUCE_BLOCK` draws and in
draw order, so totals do not depend on how many draws are evaluated at once:
same seed, same numbers, bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import discounting, funding
from ..vocab import (
    CASHFLOW_COLUMNS,
    HOURS,
    MC_COLUMNS,
    METRIC_COLUMNS,
    MINUTES_PER_HOUR,
    STAKEHOLDERS,
)
from .flows import FlowBlock
from .inputs import Inputs

__all__ = [
    "REDUCE_BLOCK",
    "SIGN",
    "Accumulator",
    "cashflow_frame",
    "component_values",
    "sponsor_view",
    "yearly_flows",
]

#: Sums over draws are taken in fixed blocks of this many draws, and chunks
#: are whole blocks, so every total is added up in the same order whatever the
#: chunk size: same seed, same numbers, bit for bit.
REDUCE_BLOCK = 50

#: Columns of :attr:`cba.appraisal.Appraisal.responses`, in the order of
#: :attr:`cba.appraisal.flows.FlowBlock.responses` (all a day).
RESPONSE_COLUMNS = (
    "trips_made_per_day",
    "trips_lost_per_day",
    "diverted_per_day",
    "sibling_delay_vehicle_hours_per_day",
)

#: Sign of each side of a cash flow in a stakeholder's net gain.
SIGN = {"benefit": 1.0, "cost": -1.0, "transfer": 1.0}


class Accumulator:
    """Reduces blocks of draws to present values per draw and mean flows.

    Keys of the present values: ``("benefit" | "cost", option, rate)``,
    ``("stakeholder", option, rate, who)``, ``("sponsor_outlay", option,
    rate)`` (the sponsor's net flows without tolls) and ``("tolled_crossings",
    option, rate)``.
    """

    def __init__(self, inp: Inputs, n_draws: int, total_draws: int):
        self.site_id, self.years, self.n_draws = inp.site_id, inp.years, n_draws
        self.base_year, self.dollar_year = inp.base_year, inp.dollar_year
        self.periods = self.years - inp.base_year
        self.rates = list(inp.economy.discount_rates)
        self.options = list(inp.options)
        self.status_quo = {
            oid for oid, o in inp.options.items() if o.kind == "status_quo"
        }
        self.total = total_draws
        self.pv: dict[tuple, list] = {}  # key -> [arrays (Dc,)]
        # Sums over draws, kept as block sums (see REDUCE_BLOCK) until the end.
        self.blocks: dict[tuple, list] = {}
        # Monte Carlo: each draw's wait by hour, for the band around the central case.
        self.wait_draws: dict[tuple, list] = {}

    def _pv(self, key, arr):
        self.pv.setdefault(key, []).append(arr)

    def _sum(self, key, arr, n):
        """Record the sums over draws of ``arr`` (n, ...).

        In blocks of REDUCE_BLOCK draws.
        """
        arr = np.asarray(arr)
        full = n // REDUCE_BLOCK * REDUCE_BLOCK
        parts = []
        if full:
            parts.append(
                arr[:full]
                .reshape((full // REDUCE_BLOCK, REDUCE_BLOCK) + arr.shape[1:])
                .sum(axis=1)
            )
        if full < n:
            parts.append(arr[full:].sum(axis=0)[None])
        self.blocks.setdefault(key, []).extend(parts)

    def _totals(self, kind):
        """(key without kind, total) for every recorded sum of one kind.

        In insertion order.
        """
        return [(k[1:], self._total(k)) for k in self.blocks if k[0] == kind]

    def _total(self, key):
        """Sum over all draws: block sums added in draw order."""
        return np.concatenate(self.blocks[key]).sum(axis=0)

    def add(self, block: FlowBlock, n: int) -> None:
        """Add one block of ``n`` draws."""
        T = len(self.years)
        agg = {
            o: {"benefit": np.zeros((n, T)), "cost": np.zeros((n, T))}
            for o in self.options
        }
        stake: dict[tuple, np.ndarray] = {}
        sponsor_no_toll: dict[str, np.ndarray] = {}
        seen: dict[tuple, np.ndarray] = {}
        for f in block.flows:
            oid, side, comp, who = f.option, f.side, f.component, f.stakeholder
            arr = np.broadcast_to(f.value, (n, T))
            if side in agg[oid]:
                agg[oid][side] = agg[oid][side] + arr
            stake[(oid, who)] = stake.get((oid, who), 0.0) + SIGN[side] * arr
            if who == "sponsor" and comp != "toll_surcharge":
                sponsor_no_toll[oid] = sponsor_no_toll.get(oid, 0.0) + SIGN[side] * arr
            key = ("flow", oid, side, comp, who)
            seen[key] = seen[key] + arr if key in seen else arr
        for key, arr in seen.items():
            self._sum(key, arr, n)

        def pv(arr, df):
            # row by row (not a BLAS product), so a draw's PV never depends on
            # how many draws share the chunk
            return (np.broadcast_to(arr, (n, T)) * df).sum(axis=1)

        for oid in self.options:
            b, c = agg[oid]["benefit"], agg[oid]["cost"]
            self._sum(("net", oid), b - c, n)
            self._sum(("benefit", oid), b, n)
            for name, r in self.rates:
                df = discounting.discount_factors(r, self.periods)
                self._pv(("benefit", oid, name), pv(b, df))
                self._pv(("cost", oid, name), pv(c, df))
                for who in STAKEHOLDERS:
                    arr = stake.get((oid, who))
                    self._pv(
                        ("stakeholder", oid, name, who),
                        np.zeros(n) if arr is None else pv(arr, df),
                    )
                if oid in sponsor_no_toll:
                    self._pv(
                        ("sponsor_outlay", oid, name), pv(sponsor_no_toll[oid], df)
                    )
                if oid in block.crossings:
                    self._pv(
                        ("tolled_crossings", oid, name), pv(block.crossings[oid], df)
                    )
        for o, sid, w in block.waits:
            w = np.broadcast_to(w, (n,) + np.shape(w)[-1:])
            self._sum(("wait", o, sid), w, n)
            if self.n_draws > 0:
                self.wait_draws.setdefault((o, sid), []).append(np.array(w))
        for o, sid, w in block.peak_waits:
            w = np.broadcast_to(w, (n,) + np.shape(w)[-1:])
            self._sum(("wait_peak", o, sid), w, n)
        for o, sid, w in block.days_p95_waits:
            w = np.broadcast_to(w, (n,) + np.shape(w)[-1:])
            self._sum(("wait_days_p95", o, sid), w, n)
        for o, sid, d in block.delay:
            self._sum(("delay", o, sid), np.broadcast_to(d, (n,) + np.shape(d)[-1:]), n)
        for o, sid, name, w in block.stage_waits:
            self._sum(("stage_wait", o, sid, name), np.broadcast_to(w, (n,)), n)
        for o, sid, *parts in block.responses:
            for name, d in zip(RESPONSE_COLUMNS, parts, strict=True):
                self._sum(
                    ("response", o, sid, name),
                    np.broadcast_to(d, (n,) + np.shape(d)[-1:]),
                    n,
                )

    def _get(self, key):
        parts = self.pv.get(key)
        return None if parts is None else np.concatenate(parts)

    def result(self) -> dict:
        """Metrics, stakeholders, NPV draws, cash flows, waits, delay (DataFrames)."""
        N = self.total
        T = len(self.years)
        metrics_rows, npv_rows, stake_rows = [], [], []
        for name, r in self.rates:
            npv_all = {}
            for oid in self.options:
                pvb, pvc = (
                    self._get(("benefit", oid, name)),
                    self._get(("cost", oid, name)),
                )
                npv_d = pvb - pvc
                npv_all[oid] = npv_d
                net_mean = self._total(("net", oid)) / N
                is_sq = oid in self.status_quo
                sp = self._get(("sponsor_outlay", oid, name))
                q = self._get(("tolled_crossings", oid, name))
                be = (
                    funding.breakeven_toll_usd(float(np.mean(sp)), float(np.mean(q)))
                    if sp is not None and q is not None
                    else float("nan")
                )
                metrics_rows.append(
                    {
                        "site": self.site_id,
                        "option": oid,
                        "discount_rate": r,
                        "rate_name": name,
                        "pv_benefits": float(np.mean(pvb)),
                        "pv_costs": float(np.mean(pvc)),
                        "npv": float(np.mean(npv_d)),
                        "bcr": float(
                            discounting.benefit_cost_ratio(np.mean(pvb), np.mean(pvc))
                        ),
                        "irr": (
                            np.nan if is_sq else _none_nan(discounting.irr(net_mean))
                        ),
                        "payback_years": (
                            np.nan
                            if is_sq
                            else float(discounting.discounted_payback(net_mean, r))
                        ),
                        "first_year_benefits": float(
                            self._total(("benefit", oid))[min(1, T - 1)] / N
                        ),
                        "breakeven_toll_usd": be,
                    }
                )
                if N > 1:
                    npv_rows.append(
                        pd.DataFrame(
                            {
                                "option": oid,
                                "rate_name": name,
                                "discount_rate": r,
                                "draw": np.arange(N),
                                "npv": npv_d,
                            }
                        )
                    )
                for who in STAKEHOLDERS:
                    stake_rows.append(
                        {
                            "site": self.site_id,
                            "option": oid,
                            "discount_rate": r,
                            "rate_name": name,
                            "stakeholder": who,
                            "pv_net": float(
                                np.mean(self._get(("stakeholder", oid, name, who)))
                            ),
                        }
                    )
            if self.n_draws > 0:
                stack = np.stack([npv_all[o] for o in self.options])  # (options, N)
                best = np.argmax(stack, axis=0)
                for i, oid in enumerate(self.options):
                    row = next(
                        m
                        for m in metrics_rows
                        if m["option"] == oid and m["rate_name"] == name
                    )
                    q = np.percentile(stack[i], [5, 50, 95])
                    row.update(
                        {
                            "npv_p05": float(q[0]),
                            "npv_p50": float(q[1]),
                            "npv_p95": float(q[2]),
                            "p_npv_positive": float(np.mean(stack[i] > 0)),
                            "p_best": float(np.mean(best == i)),
                        }
                    )
        extra = [c for c in MC_COLUMNS if c != "npv_mean"] if self.n_draws > 0 else []
        metrics = pd.DataFrame(metrics_rows, columns=METRIC_COLUMNS + extra)
        waits = pd.DataFrame(
            [
                (self.site_id, o, s, h, float(w[h]) / N * MINUTES_PER_HOUR)
                for (o, s), w in self._totals("wait")
                for h in range(HOURS)
            ],
            columns=["site", "option", "stream", "hour", "wait_minutes"],
        )

        def by_hour(values, per=1):
            """A column of ``waits`` from (option, stream) -> (H,) hours
            (divided by ``per``), in minutes."""
            return [
                float(values[(o, s)][h]) / per * MINUTES_PER_HOUR
                for o, s, h in zip(
                    waits["option"], waits["stream"], waits["hour"], strict=True
                )
            ]

        for kind, column in (
            ("wait_peak", "wait_busiest_minutes"),
            ("wait_days_p95", "wait_days_p95_minutes"),
        ):
            sums = dict(self._totals(kind))
            if sums:
                waits[column] = by_hour(sums, N)
        if self.wait_draws:
            bands = {k: np.concatenate(v) for k, v in self.wait_draws.items()}
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore", RuntimeWarning
                )  # hours without arrivals
                q = {k: np.nanpercentile(a, [5, 95], axis=0) for k, a in bands.items()}
            waits["wait_p05"] = by_hour({k: v[0] for k, v in q.items()})
            waits["wait_p95"] = by_hour({k: v[1] for k, v in q.items()})
        delay = pd.DataFrame(
            [
                (self.site_id, o, s, int(y), float(d[i]) / N)
                for (o, s), d in self._totals("delay")
                for i, y in enumerate(self.years)
            ],
            columns=["site", "option", "stream", "year", "delay_vehicle_hours_per_day"],
        )
        resp = {k: v for k, v in self._totals("response")}
        responses = pd.DataFrame(
            [
                (self.site_id, o, s, int(y))
                + tuple(float(resp[(o, s, c)][i]) / N for c in RESPONSE_COLUMNS)
                for (o, s, c) in resp
                if c == RESPONSE_COLUMNS[0]
                for i, y in enumerate(self.years)
            ],
            columns=["site", "option", "stream", "year", *RESPONSE_COLUMNS],
        )
        stage_waits = pd.DataFrame(
            [
                (self.site_id, o, s, name, float(w) / N * MINUTES_PER_HOUR)
                for (o, s, name), w in self._totals("stage_wait")
            ],
            columns=["site", "option", "stream", "stage", "wait_minutes"],
        )
        parts = [(k[0], k[1], k[2], k[3], v / N) for k, v in self._totals("flow")]
        cashflows = cashflow_frame(
            self.site_id, self.dollar_year, self.years, parts, self.n_draws
        )
        return {
            "cashflows": cashflows,
            "metrics": metrics,
            "waits": waits,
            "delay": delay,
            "responses": responses,
            "stage_waits": stage_waits,
            "stakeholders": pd.DataFrame(stake_rows),
            "npv_draws": pd.concat(npv_rows, ignore_index=True) if npv_rows else None,
            "base_year": self.base_year,
            "discount_rates": tuple(self.rates),
        }


def _none_nan(x):
    return np.nan if x is None else x


def cashflow_frame(
    site_id: str, dollar_year: int, years: np.ndarray, parts: list, n_draws: int
) -> pd.DataFrame:
    """Tidy cash flows with :data:`cba.vocab.CASHFLOW_COLUMNS` from (option, side,
    component, stakeholder, values by year) tuples; draw -1 for a Monte Carlo mean."""
    if not parts:
        return pd.DataFrame(columns=CASHFLOW_COLUMNS)
    draw = -1 if n_draws > 0 else 0
    n = len(years)
    # One frame from the parts laid end to end (one small frame per part
    # costs more than the appraisal's arithmetic).
    labels = np.array([p[:4] for p in parts], dtype=object)
    cf = pd.DataFrame(
        {
            "site": site_id,
            "option": np.repeat(labels[:, 0], n),
            "draw": draw,
            "year": np.tile(np.asarray(years), len(parts)),
            "side": np.repeat(labels[:, 1], n),
            "component": np.repeat(labels[:, 2], n),
            "stakeholder": np.repeat(labels[:, 3], n),
            "value": np.concatenate(
                [np.broadcast_to(np.asarray(p[4], dtype=float), (n,)) for p in parts]
            ),
        }
    )
    cf = cf.groupby(
        ["site", "option", "draw", "year", "side", "component", "stakeholder"],
        as_index=False,
        sort=False,
    )["value"].sum()
    cf["unit"] = "USD"
    cf["dollar_year"] = dollar_year
    return cf[CASHFLOW_COLUMNS]


def component_values(
    cashflows: pd.DataFrame, rates: list[tuple[str, float]], base_year: int
) -> pd.DataFrame:
    """Present value of each option's benefits and costs by component, at every rate.

    Transfers are left out (they cancel); costs are negative. Columns
    ``option, component, rate_name, discount_rate, pv`` [USD].
    """
    cf = cashflows[cashflows["side"] != "transfer"]
    frames = []
    for name, r in rates:
        c = cf.copy()
        c["pv"] = c["value"] * discounting.discount_factors(r, c["year"] - base_year)
        c.loc[c["side"] == "cost", "pv"] *= -1
        g = c.groupby(["option", "component"], as_index=False)["pv"].sum()
        frames.append(g.assign(rate_name=name, discount_rate=r))
    cols = ["option", "component", "rate_name", "discount_rate", "pv"]
    return (
        pd.concat(frames, ignore_index=True)[cols]
        if frames
        else pd.DataFrame(columns=cols)
    )


def yearly_flows(
    cashflows: pd.DataFrame, rates: list[tuple[str, float]], base_year: int
) -> pd.DataFrame:
    """Each option's benefits, costs and net benefit by year, undiscounted and
    discounted, with the cumulative NPV, at every rate.

    Columns ``option, year, rate_name, discount_rate, benefits, costs, net,
    discount_factor, discounted_net, cumulative_npv`` [USD]; transfers cancel and
    are left out. The last year's ``cumulative_npv`` is the option's NPV.
    """
    cf = cashflows[cashflows["side"] != "transfer"]
    wide = cf.pivot_table(
        index=["option", "year"],
        columns="side",
        values="value",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
    for side in ("benefit", "cost"):
        if side not in wide.columns:
            wide[side] = 0.0
    frames = []
    for name, r in rates:
        w = wide.rename(columns={"benefit": "benefits", "cost": "costs"}).copy()
        w["net"] = w["benefits"] - w["costs"]
        w["discount_factor"] = discounting.discount_factors(r, w["year"] - base_year)
        w["discounted_net"] = w["net"] * w["discount_factor"]
        w["cumulative_npv"] = w.groupby("option", sort=False)["discounted_net"].cumsum()
        frames.append(w.assign(rate_name=name, discount_rate=r))
    cols = [
        "option",
        "year",
        "rate_name",
        "discount_rate",
        "benefits",
        "costs",
        "net",
        "discount_factor",
        "discounted_net",
        "cumulative_npv",
    ]
    return (
        pd.concat(frames, ignore_index=True)[cols]
        if frames
        else pd.DataFrame(columns=cols)
    )


def sponsor_view(
    cashflows: pd.DataFrame,
    metrics: pd.DataFrame,
    rates: list[tuple[str, float]],
    base_year: int,
) -> pd.DataFrame:
    """The sponsor's financial view of each option that has a sponsor, at every rate.

    Columns ``option, rate_name, discount_rate, pays_pv`` (officer-time
    reimbursements, capital net of residual value, upkeep), ``toll_revenue_pv``,
    ``financial_npv`` (revenue minus outlay) and ``breakeven_toll_usd``. [USD]
    """
    cols = [
        "option",
        "rate_name",
        "discount_rate",
        "pays_pv",
        "toll_revenue_pv",
        "financial_npv",
        "breakeven_toll_usd",
    ]
    cf = cashflows[cashflows["stakeholder"] == "sponsor"]
    if cf.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for name, r in rates:
        c = cf.copy()
        c["pv"] = c["value"] * discounting.discount_factors(r, c["year"] - base_year)
        m = metrics[metrics["rate_name"] == name].set_index("option")
        for oid, g in c.groupby("option", sort=False):
            toll = g.loc[g["component"] == "toll_surcharge", "pv"].sum()
            pays = (
                g.loc[g["side"] == "cost", "pv"].sum()
                - g.loc[
                    (g["side"] == "transfer") & (g["component"] != "toll_surcharge"),
                    "pv",
                ].sum()
            )
            be = m.loc[oid, "breakeven_toll_usd"] if oid in m.index else float("nan")
            rows.append(
                {
                    "option": oid,
                    "rate_name": name,
                    "discount_rate": r,
                    "pays_pv": float(pays),
                    "toll_revenue_pv": float(toll),
                    "financial_npv": float(toll - pays),
                    "breakeven_toll_usd": float(be),
                }
            )
    return pd.DataFrame(rows, columns=cols)
