"""The batch runner: any executor (Dask), failure isolation, summary and index."""

from pathlib import Path

import pandas as pd
import pytest

from cba import batch

from .conftest import NOTEBOOK, PARAMS

pytestmark = pytest.mark.slow


def test_summary_and_index(rendered_batch):
    out, _ = rendered_batch
    s = pd.read_csv(out / "summary.csv")
    for col in (
        "site",
        "option",
        "discount_rate",
        "pv_benefits",
        "pv_costs",
        "npv",
        "bcr",
        "irr",
        "payback_years",
        "breakeven_toll_usd",
    ):
        assert col in s.columns
    assert set(s["site"]) == {"good_site", "markup_site"}
    st = pd.read_csv(out / "stakeholders.csv")
    tot = st.groupby(["site", "option", "discount_rate"])["pv_net"].sum()
    npv = s.set_index(["site", "option", "discount_rate"])["npv"]
    pd.testing.assert_series_equal(
        tot.sort_index(),
        npv.loc[tot.index].sort_index(),
        check_names=False,
        rtol=1e-8,
        atol=1e-3,
    )
    index = (out / "index.html").read_text()
    assert "<svg" in index
    assert ('class="best"' in index) == bool((s["npv"] > 0).any())
    # Each report wrote its NPV against budget; the index splits a national
    # budget across them.
    for sid in ("good_site", "markup_site"):
        curve = pd.read_csv(out / sid / "allocation_curve.csv")
        assert curve.npv.is_monotonic_increasing
    assert 'id="portfolio"' in index and (out / "portfolio.csv").is_file()
    assert 'id="portfolio"' in (out / "index.es.html").read_text()


def _curve(site, costs, npvs):
    return pd.DataFrame(
        {
            "site": site,
            "point": range(len(costs) + 1),
            "budget": [0.0, *costs],
            "annual_cost": [0.0, *costs],
            "npv": [0.0, *npvs],
            "pv_benefits": [0.0, *npvs],
        }
    )


def test_index_splits_a_national_budget_across_sites(tmp_path):
    for sid, name, costs, npvs in (
        ("a_site", "Alpha", [50e3, 100e3, 400e3], [20e6, 30e6, 35e6]),
        ("b_site", "Beta", [50e3, 200e3], [5e6, 40e6]),
        ("c_site", "Gamma", [], []),
    ):
        d = tmp_path / sid
        d.mkdir()
        pd.DataFrame(
            {
                "site": sid,
                "option": ["status_quo", "a"],
                "discount_rate": 0.07,
                "rate_name": "discount_rate_base",
                "pv_benefits": [0, 1e6],
                "pv_costs": [0, 3e6],
                "npv": [0, -2e6],
                "bcr": [float("nan"), 0.33],
                "site_name": name,
                "option_name": ["Status quo", "A"],
                "option_kind": ["status_quo", "pre_inspection"],
            }
        ).to_csv(d / "metrics.csv", index=False)
        _curve(sid, costs, npvs).to_csv(d / "allocation_curve.csv", index=False)
    batch.write_summary(tmp_path)
    html = batch.write_index(tmp_path).read_text()
    assert 'id="portfolio"' in html
    front = pd.read_csv(tmp_path / "portfolio.csv")
    at = front[front.budget == 250e3].set_index("site")
    # 250 k: Alpha's 50 k point (20 M) and Beta's 200 k point (40 M), not
    # Alpha's 100 k (30 M) with Beta's 50 k (5 M).
    assert at.at["a_site", "annual_cost"] == 50e3
    assert at.at["b_site", "annual_cost"] == 200e3
    assert at.total_npv.iloc[0] == 60e6
    assert (front.total_cost <= front.budget + 1e-6).all()
    # Alpha enters first, Gamma never.
    order = html[html.index('id="portfolio"') :]
    assert order.index("Alpha") < order.index("Beta") < order.index("Gamma")
    assert "no added booth-hour is worth its cost" in order


def _failing_notebook(tmp_path, when: str) -> Path:
    """The report notebook with a cell that fails for sites whose file names
    contain ``when`` (a fault in the middle of a render, after validation)."""
    import nbformat

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    at = next(
        i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])
    )
    nb.cells.insert(
        at + 2,
        nbformat.v4.new_code_cell(
            f"if {when!r} in site_file:\n"
            "    raise RuntimeError('simulated fault while rendering')"
        ),
    )
    path = tmp_path / "site_report.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_failure_mid_batch_keeps_others_and_says_so(tmp_path):
    bad = tmp_path / "broken_site.yaml"
    text = (
        (PARAMS / "good_site.yaml")
        .read_text()
        .replace("id: good_site", "id: broken_site")
    )
    bad.write_text(text)
    out = tmp_path / "reports"
    notebook = _failing_notebook(tmp_path, "broken_site")
    outcomes = batch.run_batch(
        [PARAMS / "good_site.yaml", bad], out, notebook, jobs=2, progress=False
    )
    status = {o.site: o.ok for o in outcomes}
    assert status == {"good_site": True, "broken_site": False}
    assert "simulated fault" in next(o.message for o in outcomes if not o.ok)
    assert (out / "good_site" / "report.html").exists()
    assert not (out / "broken_site" / "report.html").exists()
    assert (out / "broken_site" / "report.failed.ipynb").exists()
    assert "broken_site" in (out / "index.html").read_text()
    assert not list(out.glob(".*tmp"))


def test_a_site_that_cannot_be_appraised_fails_before_rendering(tmp_path):
    bad = tmp_path / "no_booths.yaml"
    text = (
        (PARAMS / "good_site.yaml")
        .read_text()
        .replace("id: good_site", "id: no_booths")
    )
    text = text.replace(
        "value: [2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, "
        "4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 2]",
        "value: [" + ", ".join(["0"] * 24) + "]",
    )
    bad.write_text(text)
    res = batch.run_site(bad, tmp_path / "reports", NOTEBOOK)
    assert not res.ok and "no primary booth is open" in res.message
    assert not (tmp_path / "reports" / "no_booths").exists()


def test_dask_executor_runs_the_same_batch(tmp_path):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        outcomes = batch.run_batch(
            [PARAMS / "good_site.yaml"],
            tmp_path,
            NOTEBOOK,
            executor=client.get_executor(),
            progress=False,
        )
    assert [o.ok for o in outcomes] == [True], [o.message for o in outcomes]
    assert (tmp_path / "good_site" / "report.html").exists()
    assert (tmp_path / "summary.csv").exists()


def test_index_highlights_best_positive_option(tmp_path):
    site = tmp_path / "x_site"
    site.mkdir()
    pd.DataFrame(
        {
            "site": "x_site",
            "option": ["status_quo", "a", "b"],
            "discount_rate": 0.07,
            "rate_name": "discount_rate_base",
            "pv_benefits": [0, 5e6, 9e6],
            "pv_costs": [0, 1e6, 2e6],
            "npv": [0, 4e6, 7e6],
            "bcr": [float("nan"), 5, 4.5],
            "irr": float("nan"),
            "payback_years": float("nan"),
            "first_year_benefits": 0,
            "breakeven_toll_usd": float("nan"),
            "site_name": "X <b>",
            "option_name": ["Status quo", "A", "B"],
            "option_kind": ["status_quo", "sponsor_staffing", "pre_inspection"],
        }
    ).to_csv(site / "metrics.csv", index=False)
    batch.write_summary(tmp_path)
    html = batch.write_index(tmp_path).read_text()
    best = [line for line in html.splitlines() if 'class="best"' in line]
    assert len(best) == 1 and ">B<" in best[0]
    assert "X &lt;b&gt;" in html and "X <b>" not in html


def test_index_never_calls_a_negative_option_best(tmp_path):
    site = tmp_path / "y_site"
    site.mkdir()
    pd.DataFrame(
        {
            "site": "y_site",
            "option": ["status_quo", "a"],
            "discount_rate": 0.07,
            "rate_name": "discount_rate_base",
            "pv_benefits": [0, 1e6],
            "pv_costs": [0, 3e6],
            "npv": [0, -2e6],
            "bcr": [float("nan"), 0.33],
            "site_name": "Y",
            "option_name": ["Status quo", "A"],
            "option_kind": ["status_quo", "pre_inspection"],
            "verdict": ["", "not worth doing"],
        }
    ).to_csv(site / "metrics.csv", index=False)
    batch.write_summary(tmp_path)
    html = batch.write_index(tmp_path).read_text()
    assert 'class="best"' not in html
    assert "none worth doing" in html


def _interrupting(monkeypatch):
    """papermill that writes part of a notebook, then is interrupted (Ctrl-C)."""
    import papermill

    def execute(src, dst, **kwargs):
        Path(dst).write_text("{half a notebook")
        Path(kwargs["parameters"]["results_dir"], "results.csv").write_text("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", execute)


def _published(out):
    (out / "good_site").mkdir(parents=True)
    (out / "good_site" / "report.html").write_text("last good report")
    (out / "summary.csv").write_text("last good summary")


def test_ctrl_c_leaves_no_half_written_report(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    _published(out)
    _interrupting(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        batch.run_site(PARAMS / "good_site.yaml", out, NOTEBOOK)
    assert (out / "good_site" / "report.html").read_text() == "last good report"
    assert sorted(p.name for p in (out / "good_site").iterdir()) == ["report.html"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_ctrl_c_mid_batch_keeps_summary_and_index(tmp_path, monkeypatch, capsys):
    from concurrent.futures import ThreadPoolExecutor

    out = tmp_path / "reports"
    _published(out)
    _interrupting(monkeypatch)
    with ThreadPoolExecutor(1) as ex, pytest.raises(KeyboardInterrupt):
        batch.run_batch(
            [PARAMS / "good_site.yaml"], out, NOTEBOOK, executor=ex, progress=False
        )
    assert (out / "summary.csv").read_text() == "last good summary"
    assert not (out / "index.html").exists() and not (out / "status.json").exists()
    assert (out / "good_site" / "report.html").read_text() == "last good report"
    assert "no report is half-written" in capsys.readouterr().err


def test_failed_rerun_keeps_the_last_good_report(tmp_path):
    """A site that rendered once and then fails keeps its report; summary says stale."""
    out = tmp_path / "reports"
    site = tmp_path / "good_site.yaml"
    good = (PARAMS / "good_site.yaml").read_text()
    site.write_text(good)
    assert [
        o.ok for o in batch.run_batch([site], out, NOTEBOOK, jobs=1, progress=False)
    ] == [True]
    before = (out / "good_site" / "report.html").read_bytes()
    failing = _failing_notebook(tmp_path, "good_site")
    outcomes = batch.run_batch([site], out, failing, jobs=1, progress=False)
    assert [o.ok for o in outcomes] == [False]
    assert (out / "good_site" / "report.html").read_bytes() == before
    assert (out / "good_site" / "report.failed.ipynb").exists()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["status"]) == {"stale"}
    index = (out / "index.html").read_text()
    assert "good_site" in index and "failed" in index.lower()


def test_same_seed_same_bytes_whatever_the_jobs(tmp_path):
    """Monte Carlo summary and stakeholder CSVs are byte-identical at --jobs 1 and 2."""
    sites = [PARAMS / "good_site.yaml", tmp_path / "other_site.yaml"]
    sites[1].write_text(
        (PARAMS / "good_site.yaml")
        .read_text()
        .replace("id: good_site", "id: other_site")
    )
    out = {}
    for jobs in (1, 2):
        out[jobs] = tmp_path / f"jobs{jobs}"
        outcomes = batch.run_batch(
            sites, out[jobs], NOTEBOOK, jobs=jobs, n_draws=120, seed=7, progress=False
        )
        assert all(o.ok for o in outcomes), [o.message for o in outcomes]
    for name in (
        "summary.csv",
        "stakeholders.csv",
        "good_site/metrics.csv",
        "other_site/waits.csv",
    ):
        assert (out[1] / name).read_bytes() == (out[2] / name).read_bytes(), name
    assert "p_npv_positive" in (out[1] / "summary.csv").read_text()


def test_a_report_made_from_the_same_inputs_is_kept_and_any_change_renders_it(
    tmp_path, monkeypatch
):
    """The second run with nothing changed runs no notebook and leaves the
    published report as it was; a changed site file, other draws or --force
    run the notebooks again."""
    out = tmp_path / "reports"
    site = tmp_path / "good_site.yaml"
    good = (PARAMS / "good_site.yaml").read_text()
    site.write_text(good)
    first = batch.run_site(site, out, NOTEBOOK, languages=("en",))
    assert first.ok, first.message
    published = {p.name: p.read_bytes() for p in (out / "good_site").iterdir()}
    assert batch.INPUTS_NAME in published

    def executed(*a, **k):
        raise AssertionError("the notebook ran")

    monkeypatch.setattr(batch, "_execute", executed)
    again = batch.run_site(site, out, NOTEBOOK, languages=("en",))
    assert again.ok and again.message.startswith("unchanged"), again.message
    assert {p.name: p.read_bytes() for p in (out / "good_site").iterdir()} == published
    for kwargs in ({"force": True}, {"n_draws": 20}, {"languages": ("en", "es")}):
        redo = batch.run_site(site, out, NOTEBOOK, **{"languages": ("en",), **kwargs})
        assert not redo.ok and "the notebook ran" in redo.message, kwargs
    site.write_text(good.replace("name: Example Crossing", "name: Example Bridge"))
    redo = batch.run_site(site, out, NOTEBOOK, languages=("en",))
    assert not redo.ok and "the notebook ran" in redo.message
    # the failed runs kept the last good report
    assert (out / "good_site" / "report.html").read_bytes() == published["report.html"]
