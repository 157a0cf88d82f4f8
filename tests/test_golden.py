"""Byte-identical results: every shipped site against the committed golden outputs.

The golden files (``tests/fixtures/golden/``) were written by ``python -m tests.golden``
from the shipped parameter files. A change that moves any number fails here; if the
move is intended, regenerate the files in a commit of its own that says which results
moved, by how much and why.
"""

from __future__ import annotations

import difflib

import pytest

from tests import golden

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("run", sorted(golden.RUNS))
def test_outputs_match_golden_byte_for_byte(run, tmp_path):
    n_draws, seed = golden.RUNS[run]
    expected_dir = golden.GOLDEN / run
    written = golden.write_outputs(tmp_path, n_draws, seed)
    got = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    want = sorted(
        p.relative_to(expected_dir).as_posix()
        for p in expected_dir.rglob("*")
        if p.is_file()
    )
    assert got == want, "the set of output files changed"
    for rel in want:
        a = (expected_dir / rel).read_bytes()
        b = (tmp_path / rel).read_bytes()
        if a != b:
            diff = "".join(
                list(
                    difflib.unified_diff(
                        a.decode().splitlines(True),
                        b.decode().splitlines(True),
                        fromfile=f"golden/{run}/{rel}",
                        tofile="now",
                        n=0,
                    )
                )[:40]
            )
            pytest.fail(f"{run}/{rel} differs from the golden output:\n{diff}")
