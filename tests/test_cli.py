"""The `cba` command: exit codes and one-line messages for bad input."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cba.cli import cli

from .conftest import PARAMS, ROOT


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_all_shipped_files_ok():
    res = _run("validate", "--params-dir", str(ROOT / "parameters"))
    assert res.exit_code == 0, res.output
    assert res.output.count("ok ") >= 8 + 4


def test_validate_good_fixture_ok(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = _run("validate", str(PARAMS / "good_site.yaml"))
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name", sorted(p.name for p in PARAMS.glob("bad_*.yaml")))
def test_validate_bad_file_exit_2_one_line(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(cli, ["validate", str(PARAMS / name)])
    assert res.exit_code == 2
    err = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and name in err[0]
    assert "Traceback" not in res.output


def test_run_unknown_site_exit_2(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(cli, ["run", "pharr_reynoza"])
    assert res.exit_code == 2
    assert "did you mean 'pharr_reynosa'" in res.output


def test_run_invalid_site_file_exit_2(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(
        cli, ["run", str(PARAMS / "bad_unit.yaml"), "--out", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "not a known unit" in res.output
    assert not any(tmp_path.iterdir())


def test_help_mentions_commands():
    res = _run("--help")
    assert res.exit_code == 0
    for word in ("run", "validate", "sites"):
        assert word in res.output


def test_console_script_exit_code_and_no_traceback():
    exe = Path(sys.executable).with_name("cba")
    proc = subprocess.run(
        [str(exe), "validate", str(PARAMS / "bad_syntax.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
