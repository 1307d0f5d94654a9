"""Gleaner: an offline archive for coding web articles."""
__version__ = "0.1.0"
