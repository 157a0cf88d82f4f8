"""What a hostile input or a fault does: one clear line and exit 2, or a clean
failure; never a traceback, a half-written report or a clash between runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cba import appraisal, batch
from cba.cli import cli
from cba.exceptions import ReportError

from .conftest import NOTEBOOK, PARAMS, ROOT


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "--draws", "10000000000"], "--draws"),
        (["run", "--seed", "-1"], "--seed"),
        (["run", "--jobs", "0"], "--jobs"),
    ],
)
def test_bad_arguments_exit_2_with_one_message(args, words):
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output


def test_an_output_folder_that_cannot_be_made_exits_2(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    res = CliRunner().invoke(
        cli, ["run", str(PARAMS / "good_site.yaml"), "--out", str(blocker / "reports")]
    )
    assert res.exit_code == 2, res.output
    assert "cannot write to the output folder" in res.output
    assert "Traceback" not in res.output


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "reports"
    fd = batch.prepare_out(out)
    try:
        with pytest.raises(ReportError, match="another cba run is writing"):
            batch.run_batch([PARAMS / "good_site.yaml"], out, NOTEBOOK, progress=False)
    finally:
        os.close(fd)
    os.close(batch.prepare_out(out))  # released: the next run may start


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path):
    out = tmp_path / "reports"
    (out / ".good_site.abc123.tmp").mkdir(parents=True)
    (out / ".good_site.abc123.tmp" / "report.ipynb").write_text("{}")
    (out / ".good_site.old-4242").mkdir()
    (out / ".index.html.4242.tmp").write_text("half")
    (out / "good_site").mkdir()
    os.close(batch.prepare_out(out))
    assert sorted(p.name for p in out.iterdir()) == [batch.LOCK_NAME, "good_site"]


def test_published_folders_get_the_users_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        tmp = Path(tempfile.mkdtemp(dir=tmp_path))
        (tmp / "report.html").write_text("x")
        batch._publish(tmp, tmp_path / "site")
    finally:
        os.umask(old)
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_a_stopped_batch_publishes_nothing_later(tmp_path, sig):
    """SIGTERM or SIGKILL to the main process only (what timeout, systemd and CI
    send): the worker and its kernel stop with it, and no report appears later."""
    out = tmp_path / "reports"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cba.cli",
            "run",
            str(PARAMS / "good_site.yaml"),
            "--out",
            str(out),
            "--notebook",
            str(NOTEBOOK),
            "-q",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob(".good_site.*.tmp")):
        time.sleep(0.2)
    assert list(out.glob(".good_site.*.tmp")), "the site never started rendering"
    time.sleep(2.0)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    time.sleep(25)  # a surviving worker would publish within about 20 s
    assert not (out / "good_site" / "report.html").exists()
    assert not list(out.glob(".good_site.*.tmp"))
    # and no worker is left behind, asleep (Linux: every process's command line)
    left = []
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmd.read_bytes():
                left.append(cmd.parent.name)
        except OSError:
            pass
    assert not left, f"processes left running: {left}"


def test_dollar_signs_in_names_are_drawn_literally(tmp_path, good_site):
    """'$x^$' in a description was parsed as chart maths and failed the report."""
    import io

    import matplotlib
    import yaml

    matplotlib.use("Agg")
    from cba import report
    from cba.appraisal import appraise
    from cba.params import load_site

    from .conftest import COMMON

    doc = yaml.safe_load((PARAMS / "good_site.yaml").read_text())
    doc["streams"]["trucks"]["description"] = "Trucks $x^$ at $5"
    doc["options"]["sponsor_staffing"]["name"] = "Sponsor $y_$ staffing"
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc))
    site = load_site(path, COMMON)
    result = appraise(site)
    for plot in (report.plot_waits, report.plot_components, report.plot_stakeholders):
        fig = plot(site, result)
        fig.savefig(io.BytesIO(), format="png")
    assert report.plain("a $b$") == "a \\$b\\$"


@pytest.mark.parametrize(
    "override, words",
    [
        ({"streams.trucks.booths_open": 3}, "shape () for an hourly value"),
        ({"streams.trucks.booths_open": [1] * 23}, "allowed: an array of shape (24,)"),
        ({"common.vtts_personal": "thirty"}, "'thirty' is not a number"),
        ({"common.vtts_personal": float("nan")}, "not finite"),
        ({"common.vtts_personal": [1.0, 2.0, 3.0]}, "override of shape (3,)"),
    ],
)
def test_bad_overrides_give_the_packages_error(good_site, override, words):
    from cba.appraisal import appraise
    from cba.exceptions import ParameterError

    with pytest.raises(ParameterError) as info:
        appraise(good_site, overrides=override)
    assert words in str(info.value)
    assert info.value.key_path == "overrides." + next(iter(override))


def test_an_hourly_override_of_the_right_shape_is_used(good_site, good_appraisal):
    from cba.appraisal import appraise

    more = appraise(good_site, overrides={"streams.trucks.booths_open": [8] * 24})
    sq = more.waits.query("option == 'status_quo' and stream == 'trucks'")
    base = good_appraisal.waits.query("option == 'status_quo' and stream == 'trucks'")
    assert sq["wait_minutes"].max() < base["wait_minutes"].max()


def test_every_plot_works_on_a_deterministic_run(good_site, good_appraisal):
    import matplotlib

    matplotlib.use("Agg")
    from cba import report

    assert report.plot_npv_distribution(good_site, good_appraisal) is not None


def test_package_lists_its_api():
    import cba

    assert {"params", "appraisal", "report", "analysis"} <= set(cba.__all__)


def test_an_unknown_site_outside_the_project_names_the_folder(tmp_path):
    res = CliRunner().invoke(
        cli, ["run", "pharr_reynosa", "--params-dir", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "--params-dir" in res.output or "no site files" in res.output


def test_a_loaded_site_is_read_only_all_the_way_down(good_site, good_appraisal):
    import dataclasses

    import pydantic

    sq = good_site.file.options["status_quo"]
    attempts = [
        lambda: good_site.common.__setitem__("vtts_personal", 5),
        lambda: good_site.file.options.pop("status_quo"),
        lambda: good_site.file.streams.clear(),
        lambda: good_site.file.correlations.append(None),
        lambda: good_site.file.options["sponsor_staffing"].costs.append(None),
        lambda: good_site.files.update({"x": "y"}),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError, match="read-only"):
            attempt()
    with pytest.raises(pydantic.ValidationError):
        sq.name = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        good_site.path = None
    # still a plain mapping for readers, copies and pickles
    import copy
    import pickle

    again = pickle.loads(pickle.dumps(good_site))
    assert again.file == good_site.file and copy.deepcopy(good_site).id == "good_site"
    assert good_site.file.model_dump()["site"]["id"] == "good_site"
    assert appraisal.appraise(again).metrics.equals(good_appraisal.metrics)
