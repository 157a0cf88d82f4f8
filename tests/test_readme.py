"""The library example in the README runs as written."""

from __future__ import annotations

import os
import re

from .conftest import ROOT


def test_readme_library_example_runs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Library use") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    old = os.getcwd()
    os.chdir(ROOT / "notebooks")  # the example's paths are relative to the notebooks
    try:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.chdir(old)
    result = namespace["result"]
    assert {"npv", "bcr"} <= set(result.metrics.columns)
    assert len(namespace["site"].file.options) == result.metrics["option"].nunique()
