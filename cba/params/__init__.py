"""Parameters: load and validate parameter files into frozen, typed objects.

Parameter files are YAML. Shared values live in ``parameters/common/*.yaml``;
each port of entry has one file in ``parameters/sites/``. Every leaf value is a
:class:`Param` record with its unit and source. Every problem with a file
raises :class:`~cba.exceptions.ParameterError` whose message names the file, the
key path, the offending value and what is allowed.

The package is the only place that validates:

* :mod:`~cba.params.yamlio` reads strict YAML;
* :mod:`~cba.params.schema` is the typed schema (pydantic);
* :mod:`~cba.params.rules` holds the range rules by key;
* :mod:`~cba.params.checks` holds the cross-field checks (streams named by
  options, the option catalogue, correlations) and the error messages;
* :mod:`~cba.params.site` loads a site with its shared values and lists its
  key paths (:func:`iter_params`).

Main functions: :func:`load_site`, :func:`load_common`, :func:`validate_file`,
:func:`read_yaml`, :func:`iter_params`.
"""

from __future__ import annotations

from .checks import check_correlations, check_option, levers_used, parse
from .schema import (
    SCHEMA_VERSION,
    Assumed,
    CalibratedFile,
    CalibrationSpec,
    CaseFile,
    CommonFile,
    Correlation,
    CostItem,
    Distribution,
    Funding,
    LevelCalibrationSpec,
    ObservationsFile,
    Option,
    Param,
    ScenarioFile,
    SiteFile,
    SiteInfo,
    Source,
    Staffing,
    Stream,
    StreamChange,
    Volume,
    Window,
)
from .site import (
    REQUIRED_COMMON,
    Site,
    distribution_text,
    find_common_dir,
    funding_of,
    funding_owner,
    iter_params,
    load_common,
    load_site,
    localized,
    option_parts,
    option_timing,
    parameter_table,
    site_document,
    validate_file,
)
from .yamlio import file_sha256, read_yaml

__all__ = [
    "SCHEMA_VERSION",
    "Source",
    "Distribution",
    "Param",
    "Volume",
    "Stream",
    "StreamChange",
    "Window",
    "CostItem",
    "Staffing",
    "Funding",
    "Option",
    "SiteInfo",
    "Correlation",
    "SiteFile",
    "CommonFile",
    "CalibratedFile",
    "CalibrationSpec",
    "LevelCalibrationSpec",
    "CaseFile",
    "ScenarioFile",
    "ObservationsFile",
    "Assumed",
    "Site",
    "REQUIRED_COMMON",
    "read_yaml",
    "file_sha256",
    "parse",
    "load_common",
    "load_site",
    "site_document",
    "validate_file",
    "find_common_dir",
    "iter_params",
    "parameter_table",
    "distribution_text",
    "check_option",
    "check_correlations",
    "levers_used",
    "option_parts",
    "option_timing",
    "funding_owner",
    "funding_of",
    "localized",
]
