"""Gleaner's Qt window: a thin layer of widgets over `gleaner.core`."""
