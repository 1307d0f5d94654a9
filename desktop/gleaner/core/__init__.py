"""Gleaner's core library: storage, capture, extraction and anchoring, with no Qt in sight.

The desktop UI (`gleaner.ui`) and the command line (`gleaner.cli`) are both thin layers over
these modules, in the way Anki's Qt front end sits over its collection library.
"""
