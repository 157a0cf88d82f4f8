import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PARAMS = FIXTURES / "params"
COMMON = ROOT / "parameters" / "common"
SITES = ROOT / "parameters" / "sites"

_CACHE = None


def pytest_configure(config):
    """The tests use a cache of demand fits of their own, empty at the start
    (the notebooks they run inherit it), never the user's."""
    global _CACHE
    import tempfile

    _CACHE = tempfile.mkdtemp(prefix="cba-test-cache-")
    os.environ["CBA_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config):
    import shutil

    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def good_site():
    from cba.params import load_site

    return load_site(PARAMS / "good_site.yaml", COMMON)


@pytest.fixture(scope="session")
def good_appraisal(good_site):
    from cba.appraisal import appraise

    return appraise(good_site)


NOTEBOOK = ROOT / "notebooks" / "site_report.ipynb"


@pytest.fixture(scope="session")
def rendered_batch(tmp_path_factory):
    """The batch run on the fixture site plus a site whose name is markup."""
    from cba import batch

    out = tmp_path_factory.mktemp("reports")
    src = tmp_path_factory.mktemp("sites")
    text = (PARAMS / "good_site.yaml").read_text()
    text = text.replace("id: good_site", "id: markup_site").replace(
        "name: Example Crossing", 'name: "<script>alert(1)</script> Crossing"'
    )
    (src / "markup_site.yaml").write_text(text)
    outcomes = batch.run_batch(
        [PARAMS / "good_site.yaml", src / "markup_site.yaml"],
        out,
        NOTEBOOK,
        jobs=2,
        progress=False,
        pdf=os.environ.get("CBA_SKIP_BROWSER") != "1",
        paper="a4",
    )
    return out, outcomes
