"""oncall: plan fair on-call rotations and look after the people who carry the pager."""

__version__ = "0.1.0"
