"""The results of a site as an Excel workbook, ``results.xlsx``.

The shape users of Cal-B/C and the USDOT BCA workbook expect: a "Read me" sheet
(the site, the run and what every sheet holds), then the inputs with their
sources, the metrics, the yearly cash flows, the stakeholders and the tidy cash
flows, one table a sheet with a bold, frozen header row and an autofilter.

Numbers are stored as numbers (money with thousands separators, rates as
percentages), missing values (NaN, infinities) as empty cells, and text that
starts with ``=`` as text, never as a formula. The workbook is written to a
temporary file in the target folder and moved onto the target, so a reader
never sees half a file.

Main function: :func:`write_workbook`. It formats; it computes nothing.
"""

from __future__ import annotations

import math
import numbers
import os
import secrets
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..appraisal import Appraisal
from ..params import Site, parameter_table
from ..vocab import STAKEHOLDER_NAMES

__all__ = ["write_workbook"]

#: File name used when ``path`` is a folder.
FILE_NAME = "results.xlsx"
#: Widest column, in characters.
MAX_WIDTH = 60
MIN_WIDTH = 6

MONEY = "#,##0;-#,##0"
MONEY_CENTS = "#,##0.00;-#,##0.00"
PERCENT = "0.0%"
PERCENT_FINE = "0.00%"
RATIO = "0.000"
FACTOR = "0.000000"
YEARS = "0.0"

#: Number format by column name (columns not listed get Excel's General).
FORMATS = {
    "pv_benefits": MONEY,
    "pv_costs": MONEY,
    "npv": MONEY,
    "first_year_benefits": MONEY,
    "npv_mean": MONEY,
    "npv_p05": MONEY,
    "npv_p50": MONEY,
    "npv_p95": MONEY,
    "benefits": MONEY,
    "costs": MONEY,
    "net": MONEY,
    "discounted_net": MONEY,
    "cumulative_npv": MONEY,
    "pv_net": MONEY,
    "breakeven_toll_usd": MONEY_CENTS,
    "discount_rate": PERCENT_FINE,
    "irr": PERCENT,
    "p_npv_positive": PERCENT,
    "p_best": PERCENT,
    "bcr": RATIO,
    "discount_factor": FACTOR,
    "payback_years": YEARS,
}

#: Columns of whole numbers (years), stored as integers.
INTEGERS = {"year", "dollar_year", "draw", "base_year"}

SHEETS = {
    "inputs": "Inputs",
    "metrics": "Metrics",
    "yearly": "Yearly cash flows",
    "stakeholders": "Stakeholders",
    "cashflows": "Cash flows",
}


def write_workbook(
    site: Site,
    appraisal: Appraisal,
    path: str | os.PathLike,
    provenance: dict | None = None,
) -> Path:
    """Write the results of ``appraisal`` for ``site`` as an Excel workbook.

    Parameters
    ----------
    site : Site
        The site appraised (its name, years and parameters with sources).
    appraisal : Appraisal
        Its results.
    path : path-like
        The file to write; a folder that exists means ``folder/results.xlsx``.
        The folder must exist.
    provenance : dict, optional
        What produced the results (:func:`cba.report.provenance`); its scalar
        items are listed on the "Read me" sheet.

    Returns
    -------
    Path
        The file written.

    Sheets, in order: "Read me", "Inputs" (:func:`cba.params.parameter_table`,
    sources linked), "Metrics" (``appraisal.metrics``), "Yearly cash flows"
    (``appraisal.yearly``), "Stakeholders" (``appraisal.stakeholders``) and
    "Cash flows" (``appraisal.cashflows``, the tidy table). Option and
    stakeholder names are added next to their ids.
    """
    target = Path(path)
    if target.is_dir():
        target = target / FILE_NAME
    tables = _tables(site, appraisal)

    wb = Workbook()
    readme = wb.active
    readme.title = "Read me"
    _read_me(readme, site, appraisal, provenance, tables)
    for key, df in tables.items():
        ws = wb.create_sheet(SHEETS[key])
        if key == "inputs":
            _table(ws, df, links=_links(df), numeric_text=("value",))
        else:
            _table(ws, df, money_by_unit=key == "cashflows")

    # A temporary file beside the target (same file system, so the move is
    # atomic), created like any other file (the umask applies, unlike mkstemp).
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    fh = open(tmp, "xb")  # outside the try: only a file made here is removed
    try:
        with fh:
            wb.save(fh)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _tables(site: Site, appraisal: Appraisal) -> dict[str, pd.DataFrame]:
    """The data sheets, by key of :data:`SHEETS`, in order."""
    options = site.file.options
    option_names = {oid: o.name for oid, o in options.items()}
    out = {
        "inputs": parameter_table(site),
        "metrics": appraisal.metrics,
        "yearly": appraisal.yearly,
        "stakeholders": appraisal.stakeholders,
    }
    cashflows = getattr(appraisal, "cashflows", None)
    if isinstance(cashflows, pd.DataFrame):
        out["cashflows"] = cashflows
    for key in list(out)[1:]:
        df = out[key].copy()
        df.columns.name = None
        if "option" in df.columns:
            names = df["option"].map(option_names).fillna(df["option"])
            df.insert(df.columns.get_loc("option") + 1, "option_name", names)
        if "stakeholder" in df.columns:
            names = df["stakeholder"].map(STAKEHOLDER_NAMES).fillna(df["stakeholder"])
            df.insert(df.columns.get_loc("stakeholder") + 1, "stakeholder_name", names)
        out[key] = df
    return out


def _links(df: pd.DataFrame) -> list[str | None]:
    """The web address of each row's source, or None."""
    if "href" not in df.columns:
        return [None] * len(df)
    return [
        h
        if isinstance(h, str) and h.lower().startswith(("http://", "https://"))
        else None
        for h in df["href"]
    ]


def _read_me(
    ws: Worksheet,
    site: Site,
    appraisal: Appraisal,
    provenance: dict | None,
    tables: dict[str, pd.DataFrame],
) -> None:
    info = site.info
    dollars = info.report_dollar_year
    rates = ", ".join(f"{name} = {r:.1%}" for name, r in appraisal.discount_rates)
    ws.append([f"{info.name} ({info.id}): cost-benefit analysis results"])
    ws["A1"].font = Font(bold=True, size=14)
    _as_text(ws["A1"])
    ws.append([])
    rows: list[tuple[str, object]] = [
        ("site", info.name),
        ("site id", info.id),
        ("base year", appraisal.base_year or info.base_year),
        ("horizon (years of operation)", info.horizon_years),
        ("report dollar year", dollars),
        ("discount rates", rates),
        ("Monte Carlo draws", appraisal.n_draws),
    ]
    if provenance:
        rows += [
            (str(k), v)
            for k, v in provenance.items()
            if v is None or isinstance(v, str | bool | numbers.Number)
        ]
    for label, value in rows:
        ws.append([label, _cell_value(value)])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        _as_text(ws.cell(ws.max_row, 2))
    ws.append([])
    ws.append(["sheet", "what it holds (units)"])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    usd = f"USD of {dollars}"
    about = {
        "inputs": (
            "every parameter the appraisal uses: key, value, unit, dollar year, "
            "source (linked where it is on the web), whether it is an assumption, "
            "its distribution; units as given in the unit column"
        ),
        "metrics": (
            f"per option and discount rate, at central values: PV of benefits and "
            f"costs, NPV, first-year benefits ({usd}, present values at the base "
            "year), BCR (ratio), IRR (per year), discounted payback (years), "
            "break-even toll (USD per vehicle); with draws, the NPV mean, "
            "percentiles and the chances of NPV > 0 and of being best"
        ),
        "yearly": (
            f"per option, year and rate: benefits, costs and net ({usd}, "
            "undiscounted), discount factor, discounted net and cumulative NPV "
            f"({usd}, PV at the base year); transfers left out; the last year's "
            "cumulative NPV is the option's NPV"
        ),
        "stakeholders": (
            f"per option and rate: PV of each stakeholder's net gain ({usd})"
        ),
        "cashflows": (
            "the tidy cash flows at central values: one row per option, year, "
            "side (benefit, cost, transfer), component and stakeholder; value "
            "in the unit and dollar year of its row"
        ),
    }
    ws.append(["Read me", "this sheet: the site, the run and the sheets"])
    for key in tables:
        ws.append([SHEETS[key], about[key]])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100


def _table(
    ws: Worksheet,
    df: pd.DataFrame,
    links: list[str | None] | None = None,
    numeric_text: tuple[str, ...] = (),
    money_by_unit: bool = False,
) -> None:
    """``df`` as a table from A1: bold frozen header, autofilter, fitted widths.

    ``links`` are web addresses for the ``source`` cell of each row;
    ``numeric_text`` names text columns whose numbers are stored as numbers;
    with ``money_by_unit`` a ``value`` in a row whose ``unit`` is USD gets the
    money format.
    """
    columns = [str(c) for c in df.columns]
    ws.append(columns)
    for c in ws[1]:
        c.font = Font(bold=True)
    widths = [len(c) for c in columns]
    formats = [FORMATS.get(c) for c in columns]
    source = columns.index("source") if "source" in columns else None
    unit = columns.index("unit") if money_by_unit and "unit" in columns else None
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        r = i + 2
        usd = unit is not None and row[unit] == "USD"
        for j, raw in enumerate(row):
            value = _cell_value(
                raw,
                numeric_text=columns[j] in numeric_text,
                integer=columns[j] in INTEGERS,
            )
            if value is None:
                continue
            cell = ws.cell(r, j + 1, value)
            _as_text(cell)
            if isinstance(value, float | int) and not isinstance(value, bool):
                fmt = MONEY if usd and columns[j] == "value" else formats[j]
                if fmt:
                    cell.number_format = fmt
                widths[j] = max(widths[j], _number_width(value, fmt))
            else:
                widths[j] = max(widths[j], len(str(value)))
        if links and source is not None and links[i]:
            cell = ws.cell(r, source + 1)
            if cell.value is None:
                cell.value = links[i]
            cell.hyperlink = links[i]
            cell.style = "Hyperlink"
    for j, w in enumerate(widths):
        letter = get_column_letter(j + 1)
        ws.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, w + 2))
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last}{max(1, len(df) + 1)}"


def _cell_value(raw, numeric_text: bool = False, integer: bool = False):
    """A value Excel stores: Python numbers, text or None for missing."""
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return None
    if hasattr(raw, "item") and not isinstance(raw, str):
        raw = raw.item()  # numpy scalar
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, numbers.Real):
        x = float(raw)
        if not math.isfinite(x):
            return None
        return int(x) if (numeric_text or integer) and x.is_integer() else x
    text = ILLEGAL_CHARACTERS_RE.sub("", str(raw))
    if numeric_text:
        try:
            x = float(text)
        except ValueError:
            return text or None
        if not math.isfinite(x):
            return None
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    return text or None


def _as_text(cell) -> None:
    """Keep text that looks like a formula as text."""
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _number_width(value: float | int, fmt: str | None) -> int:
    if fmt in (MONEY, MONEY_CENTS):
        return len(f"{value:,.{2 if fmt == MONEY_CENTS else 0}f}")
    if fmt in (PERCENT, PERCENT_FINE):
        return len(f"{value:.2%}")
    if isinstance(value, int):
        return len(str(value))
    return min(len(f"{value:.10g}"), 12)
