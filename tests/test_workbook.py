"""The Excel workbook of a site's results (``cba.report.workbook``)."""

from __future__ import annotations

import dataclasses
import math

import openpyxl
import pandas as pd
import pytest

from cba.params import parameter_table
from cba.report import provenance
from cba.report import workbook as wbmod
from cba.report.workbook import write_workbook

SHEETS = [
    "Read me",
    "Inputs",
    "Metrics",
    "Yearly cash flows",
    "Stakeholders",
    "Cash flows",
]


def frame(ws) -> pd.DataFrame:
    """A data sheet read back as a table (header in row 1)."""
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def close(a, b) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@pytest.fixture(scope="module")
def written(good_site, good_appraisal, tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "results.xlsx"
    prov = provenance(good_site, good_appraisal.n_draws, 12345)
    out = write_workbook(good_site, good_appraisal, path, prov)
    return out, openpyxl.load_workbook(out)


def test_returns_the_path_and_sheets_in_order(written):
    out, wb = written
    assert out.name == "results.xlsx" and out.is_file()
    assert wb.sheetnames == SHEETS


def test_read_me(written, good_site, good_appraisal):
    _, wb = written
    ws = wb["Read me"]
    assert good_site.info.name in ws["A1"].value
    assert good_site.id in ws["A1"].value
    items = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert items["base year"] == good_appraisal.base_year
    assert items["horizon (years of operation)"] == good_site.info.horizon_years
    assert items["report dollar year"] == good_site.info.report_dollar_year
    assert items["Monte Carlo draws"] == good_appraisal.n_draws
    assert items["seed"] == 12345
    for name, _ in good_appraisal.discount_rates:
        assert name in items["discount rates"]
    for sheet in SHEETS:
        assert sheet in items  # one line per sheet


def test_metrics_npv(written, good_appraisal):
    _, wb = written
    got = frame(wb["Metrics"])
    m = good_appraisal.metrics
    assert len(got) == len(m)
    assert set(m.columns) <= set(got.columns)
    assert list(got["option"]) == list(m["option"])
    assert list(got["rate_name"]) == list(m["rate_name"])
    for a, b in zip(got["npv"], m["npv"], strict=True):
        assert isinstance(a, int | float)
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_inputs_rows_and_links(written, good_site):
    _, wb = written
    ws = wb["Inputs"]
    table = parameter_table(good_site)
    got = frame(ws)
    assert list(got["key"]) == list(table["key"])
    src = list(got.columns).index("source") + 1
    n_links = 0
    for i, href in enumerate(table["href"]):
        cell = ws.cell(i + 2, src)
        if href.startswith(("http://", "https://")):
            assert cell.hyperlink is not None and cell.hyperlink.target == href
            n_links += 1
        else:
            assert cell.hyperlink is None
    assert n_links > 0
    # Scalar values are numbers, not text.
    plain = table["value"].str.fullmatch(r"-?[0-9.e+-]+")
    for v in got["value"][plain.to_numpy()]:
        assert isinstance(v, int | float)


def test_yearly_sums_to_the_npv(written, good_appraisal):
    _, wb = written
    y = frame(wb["Yearly cash flows"])
    m = good_appraisal.metrics
    in_yearly = set(y["option"])
    checked = 0
    for r in m.itertuples():
        if r.option not in in_yearly:  # the status quo books no flows
            assert r.npv == 0
            continue
        rows = y[(y["option"] == r.option) & (y["rate_name"] == r.rate_name)]
        rows = rows.sort_values("year")
        assert close(float(rows["discounted_net"].sum()), r.npv)
        assert close(float(rows["cumulative_npv"].iloc[-1]), r.npv)
        checked += 1
    assert checked > 0


def test_stakeholders_and_cashflows(written, good_appraisal):
    _, wb = written
    s = frame(wb["Stakeholders"])
    assert len(s) == len(good_appraisal.stakeholders)
    assert close(
        float(s["pv_net"].sum()), float(good_appraisal.stakeholders["pv_net"].sum())
    )
    c = frame(wb["Cash flows"])
    assert len(c) == len(good_appraisal.cashflows)
    assert close(
        float(c["value"].sum()), float(good_appraisal.cashflows["value"].sum())
    )


def test_no_nan_and_layout(written):
    _, wb = written
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                assert not (isinstance(v, float) and not math.isfinite(v)), cell
                assert not (isinstance(v, str) and v.lower() in {"nan", "inf"}), cell
        if ws.title == "Read me":
            continue
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == ws.dimensions
        assert all(c.font.bold for c in ws[1])
        for dim in ws.column_dimensions.values():
            assert dim.width <= 60
    npv = list(frame(wb["Metrics"]).columns).index("npv") + 1
    assert "#,##0" in wb["Metrics"].cell(2, npv).number_format


def test_draws_and_formula_text(good_site, tmp_path):
    """A Monte Carlo run writes its extra columns without NaN, and a site name
    that looks like a formula stays text."""
    from cba.appraisal import appraise

    info = good_site.info.model_copy(update={"name": "=HYPERLINK(1)"})
    site = dataclasses.replace(
        good_site, file=good_site.file.model_copy(update={"site": info})
    )
    a = appraise(site, n_draws=20, seed=1)
    out = write_workbook(site, a, tmp_path)  # a folder: results.xlsx in it
    assert out == tmp_path / "results.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb["Read me"]["A1"].data_type == "s"
    assert wb["Read me"]["A1"].value.startswith("=HYPERLINK(1)")
    names = [c for c in wb["Read me"]["B"] if c.value == "=HYPERLINK(1)"]
    assert names and all(c.data_type == "s" for c in names)
    m = frame(wb["Metrics"])
    for col in ("npv_mean", "npv_p05", "npv_p95", "p_best"):
        assert m[col].notna().all()


def test_failed_write_leaves_nothing(good_site, good_appraisal, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError):
        write_workbook(good_site, good_appraisal, tmp_path / "missing" / "r.xlsx")
    assert list(tmp_path.iterdir()) == []

    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")

    def boom(self, filename):
        raise OSError("disk full")

    monkeypatch.setattr(wbmod.Workbook, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(good_site, good_appraisal, target)
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_bytes() == b"old"
