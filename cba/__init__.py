"""border-cba: cost-benefit analysis of pre-clearance options at land ports of entry."""

__version__ = "0.1.0"
