"""`cba allocate`: bad input exits 2 with one line; a run prints the
allocation and writes its CSVs."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from cba.cli import cli


def test_unknown_site_and_bad_budget_exit_2():
    res = CliRunner().invoke(cli, ["allocate", "nowhere", "--budget", "1000"])
    assert res.exit_code == 2 and "unknown site 'nowhere'" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["allocate", "santa_teresa", "--budget", "-5"])
    assert res.exit_code == 2 and "budget" in res.output.lower()
    res = CliRunner().invoke(cli, ["allocate", "santa_teresa"])
    assert res.exit_code == 2 and "--budget" in res.output
    res = CliRunner().invoke(
        cli, ["allocate", "santa_teresa", "--budget", "1", "--target-minutes", "5"]
    )
    assert res.exit_code == 2 and "one of them" in res.output


def test_help_explains_the_method():
    res = CliRunner().invoke(cli, ["allocate", "--help"])
    assert res.exit_code == 0
    assert "integer program" in res.output and "--block-hours" in res.output


@pytest.mark.slow
def test_a_run_prints_the_allocation_and_writes_csvs(tmp_path):
    res = CliRunner().invoke(
        cli, ["allocate", "santa_teresa", "--budget", "200000", "--csv", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "santa_teresa: best use of 200,000 USD a year" in res.output
    assert "shipped sponsor_staffing" in res.output
    summary = pd.read_csv(tmp_path / "allocation_summary.csv")
    assert summary.annual_cost_usd.iloc[0] <= 200000 + 1e-6
    assert summary.npv_usd.iloc[0] >= 0
    alloc = pd.read_csv(tmp_path / "allocation.csv")
    assert set(alloc.columns) >= {"site", "stream", "kind", "hour", "booths"}
    marginal = pd.read_csv(tmp_path / "marginal.csv")
    assert {"increment", "increment_cost", "level"} <= set(marginal.columns)


@pytest.mark.slow
def test_a_service_level_run(tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "allocate",
            "brownsville_veterans",
            "--target-minutes",
            "30",
            "--csv",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "at or under 30 minutes" in res.output
    assert (tmp_path / "service_level.csv").exists()


def test_portfolio_needs_a_budget():
    res = CliRunner().invoke(
        cli, ["allocate", "--portfolio", "santa_teresa", "--target-minutes", "5"]
    )
    assert res.exit_code == 2 and "--portfolio" in res.output
    assert "Traceback" not in res.output


@pytest.mark.slow
def test_portfolio_splits_a_budget_across_sites(tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "allocate",
            "--portfolio",
            "santa_teresa",
            "laredo_airport",
            "--budget",
            "300000",
            "--csv",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "best split of 300,000 USD a year" in res.output
    assert "sites in the order they enter" in res.output
    front = pd.read_csv(tmp_path / "portfolio.csv")
    curves = pd.read_csv(tmp_path / "budget_curves.csv")
    assert set(curves.site) == {"santa_teresa", "laredo_airport"}
    at = front[front.budget == 300000]
    assert at.total_cost.iloc[0] <= 300000
    assert at.set_index("site").at["laredo_airport", "annual_cost"] == 0
