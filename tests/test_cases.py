"""The El Paso reimbursable-services case and the new-site scaffold."""

import numpy as np
import pytest
from click.testing import CliRunner

from cba.analysis import cases
from cba.cli import cli
from cba.params import load_site

from .conftest import COMMON, ROOT, SITES

CASE = ROOT / "parameters" / "cases" / "el_paso_rsp_2014.yaml"


def test_spread_booth_hours_whole_booths():
    x = cases.spread_booth_hours(12.4, [11, 12, 13, 14, 10])
    assert x.sum() == 12 and (x == np.round(x)).all()
    assert x[11] == 3 and x[10] == 2


def test_el_paso_comparison_shape_and_direction():
    site = load_site(SITES / "el_paso_ysleta_zaragoza.yaml")
    t = cases.el_paso_rsp_comparison(site, cases.load_case(CASE)).set_index("group")
    assert list(t.index) == ["trucks", "personal vehicles"]
    assert (t["wait_after_minutes"] < t["wait_before_minutes"]).all()
    assert (t["predicted_reduction"] > 0).all()
    assert t.loc["trucks", "reported_reduction"] == 0.15
    # 29,000 hours over 2.5 years, half at Ysleta, one officer per booth, 365 days:
    # 15.9 booth-hours a day, half on trucks -> 8 whole booth-hours a day
    assert t.loc["trucks", "extra_booth_hours_per_day"] == 8


@pytest.mark.slow
def test_case_notebook_runs(tmp_path):
    import papermill

    out = tmp_path / "case.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "case_el_paso_rsp.ipynb"),
        str(out),
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    assert "times the reported effect" in out.read_text()


def test_new_site_scaffold_is_valid(tmp_path):
    (tmp_path / "common").symlink_to(COMMON)
    res = CliRunner().invoke(
        cli, ["new-site", "otay_mesa", "--port", "2506", "--params-dir", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    path = tmp_path / "sites" / "otay_mesa.yaml"
    site = load_site(path)
    assert site.info.port_code == "2506"
    assert {"trucks_standard", "trucks_fast", "passenger_vehicles"} == set(
        site.file.streams
    )
    assert len(site.file.options) >= 3
    # refuses to overwrite
    res2 = CliRunner().invoke(
        cli, ["new-site", "otay_mesa", "--port", "2506", "--params-dir", str(tmp_path)]
    )
    assert res2.exit_code == 2


def test_new_site_bad_port_exit_2(tmp_path):
    res = CliRunner().invoke(
        cli, ["new-site", "x", "--port", "9999", "--params-dir", str(tmp_path)]
    )
    assert res.exit_code == 2 and "valid port codes" in res.output
