"""The site reports: tables, figures, plain-language text and provenance.

A report reads an :class:`~cba.appraisal.Appraisal` (and the site's parameters)
and formats it; it computes nothing of its own.

* :mod:`~cba.report.text` -- the summary, headings, option descriptions, alt texts;
* :mod:`~cba.report.tables` -- display tables and their escaped HTML;
* :mod:`~cba.report.figures` -- charts, each shown with alt text;
* :mod:`~cba.report.workbook` -- ``results.xlsx`` for spreadsheet users;
* :mod:`~cba.report.pdf` -- printing a finished report to PDF with Chromium;
* :mod:`~cba.report.provenance` -- what produced a report, and its CSV files
  (``report.provenance`` is its function of that name; the module is also
  ``report.provenance_files``).

Every public name of those modules is available here (``report.summary_html``,
``report.show_waits``, ...), as the notebooks use them.
"""

from __future__ import annotations

from . import figures, pdf, recovery, tables, text, workbook
from . import provenance as provenance_files
from .figures import *  # noqa: F403 - the report API, listed in each module's __all__
from .provenance import *  # noqa: F403
from .recovery import *  # noqa: F403
from .tables import *  # noqa: F403
from .text import *  # noqa: F403
from .workbook import write_workbook

__all__ = [
    "text",
    "tables",
    "figures",
    "provenance_files",
    "pdf",
    "recovery",
    "workbook",
    "write_workbook",
    *text.__all__,
    *tables.__all__,
    *figures.__all__,
    *provenance_files.__all__,
    *recovery.__all__,
]
