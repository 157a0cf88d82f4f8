"""Analyses built on the appraisal: sensitivity, calibration and real cases.

* :mod:`~cba.analysis.sensitivity` -- tornado, switching values, robustness
  sentences, and the range of processing times consistent with today's waits;
* :mod:`~cba.analysis.calibration` -- processing rates fitted to measured
  waits (statsmodels);
* :mod:`~cba.analysis.cases` -- the queue model against what real staffing
  changes did (El Paso's reimbursable-services agreement);
* :mod:`~cba.analysis.verdict` -- the stated rule behind every verdict;
* :func:`~cba.analysis.compare.compare` -- appraisals side by side.
"""

from __future__ import annotations

from . import calibration, cases, sensitivity, verdict
from .compare import COMPARE_COLUMNS, compare

__all__ = [
    "sensitivity",
    "calibration",
    "cases",
    "verdict",
    "compare",
    "COMPARE_COLUMNS",
]
