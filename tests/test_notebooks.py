"""Notebooks: stored without outputs; the report renders through papermill to HTML;
the batch publishes atomically and keeps the last good report when a run fails."""

import json

import nbformat
import pandas as pd
import pytest

from cba import batch

from .conftest import PARAMS, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_committed_without_outputs(nb):
    data = json.loads(nb.read_text())
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, nb
    assert data["metadata"]["kernelspec"]["name"] == "python3"


def test_report_has_tagged_parameters_cell():
    import papermill

    declared = papermill.inspect_notebook(str(ROOT / "notebooks" / "site_report.ipynb"))
    assert {"site_file", "n_draws", "seed", "results_dir", "common_dir"} <= set(
        declared
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    res = batch.run_site(
        PARAMS / "good_site.yaml", out, ROOT / "notebooks" / "site_report.ipynb"
    )
    return out, res


@pytest.mark.slow
def test_site_report_renders_to_html(rendered):
    out, res = rendered
    assert res.ok, res.message
    html = (out / "good_site" / "report.html").read_text()
    assert "Example Crossing" in html
    assert "Who pays, who gains" in html
    assert "load_site" not in html and "import " not in html  # code hidden
    assert "data:image/png;base64" in html  # figures embedded
    for name in ("report.ipynb", "results.csv", "metrics.csv", "stakeholders.csv"):
        assert (out / "good_site" / name).exists()
    cf = pd.read_csv(out / "good_site" / "results.csv", comment="#")
    assert {
        "site",
        "option",
        "draw",
        "year",
        "side",
        "component",
        "value",
        "unit",
        "dollar_year",
    } <= set(cf.columns)
    assert not list(out.glob(".*tmp"))


@pytest.mark.slow
def test_failed_run_keeps_last_good_report(rendered, tmp_path):
    out, res = rendered
    before = (out / "good_site" / "report.html").read_bytes()
    broken = tmp_path / "broken.ipynb"
    nb = nbformat.read(ROOT / "notebooks" / "site_report.ipynb", as_version=4)
    nb.cells.insert(
        4, nbformat.v4.new_code_cell("raise RuntimeError('injected failure')")
    )
    nbformat.write(nb, broken)
    res2 = batch.run_site(PARAMS / "good_site.yaml", out, broken)
    assert not res2.ok and "injected failure" in res2.message
    assert (out / "good_site" / "report.html").read_bytes() == before
    assert (out / "good_site" / "report.failed.ipynb").exists()
    assert not list(out.glob(".*tmp"))


def test_unknown_injected_parameter_refused(tmp_path):
    with pytest.raises(Exception, match="unknown notebook parameter"):
        batch._check_injected(
            ROOT / "notebooks" / "site_report.ipynb", {"site_fille": "x"}
        )


@pytest.mark.slow
def test_shipped_site_report_shows_forecast(tmp_path):
    """A data-based site renders with its traffic table and forecast chart."""
    res = batch.run_site(
        ROOT / "parameters" / "sites" / "santa_teresa.yaml",
        tmp_path,
        ROOT / "notebooks" / "site_report.ipynb",
    )
    assert res.ok, res.message
    html = (tmp_path / "santa_teresa" / "report.html").read_text()
    assert "Traffic in the base year" in html
    assert (
        "forecast and its 80 % and 95 % intervals" in html
    )  # alt text of the forecast chart
