"""wirewatch: tells new stories from rewrites and finds newly attributed quotes."""

__version__ = "0.1.0"
