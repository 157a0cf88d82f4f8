"""border-cba: cost-benefit analysis of pre-clearance options at land ports of entry."""

__version__ = "0.1.0"

#: The subpackages and modules of the public API (import them as ``cba.<name>``).
__all__ = [
    "__version__",
    "vocab",
    "units",
    "exceptions",
    "params",
    "queueing",
    "demand",
    "benefits",
    "costs",
    "staffing",
    "funding",
    "emissions",
    "discounting",
    "uncertainty",
    "options",
    "appraisal",
    "analysis",
    "report",
    "batch",
    "cli",
]
