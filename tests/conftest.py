from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PARAMS = FIXTURES / "params"
COMMON = ROOT / "parameters" / "common"
SITES = ROOT / "parameters" / "sites"


@pytest.fixture(scope="session")
def good_site():
    from cba.params import load_site

    return load_site(PARAMS / "good_site.yaml", COMMON)


@pytest.fixture(scope="session")
def good_appraisal(good_site):
    from cba.evaluate import appraise

    return appraise(good_site)
