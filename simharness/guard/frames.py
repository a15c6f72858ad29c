"""Whose code a frame is: the standard library's, the harness's, or the code under test's.

The tripwires let a call made directly by the standard library pass (`logging` stamping a record is not a
decision of the code under test), and the exit guards blame the nearest frame of code under test, not the
harness or an installed package. Both ask here.
"""

from __future__ import annotations

import os
import sysconfig
from types import FrameType

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # simharness/, from simharness/guard/
_DRIVERS = os.path.join(_PACKAGE, "drivers")
STDLIB_DIRS = tuple(os.path.normcase(os.path.abspath(p)) + os.sep for p in {sysconfig.get_paths()["stdlib"], os.path.dirname(os.__file__)})


def in_stdlib(filename: str) -> bool:
    """Is `filename` the standard library's own (frozen modules included, installed packages not)?"""
    if filename.startswith("<frozen"):
        return True
    path = os.path.normcase(filename)
    return path.startswith(STDLIB_DIRS) and "-packages" + os.sep not in path


def from_stdlib(frame: FrameType) -> bool:
    return in_stdlib(frame.f_code.co_filename)


def driver_frame(frame: FrameType | None) -> FrameType | None:
    """The nearest frame of code under test: not the standard library, not an installed package, not the harness."""
    while frame is not None:
        name = os.path.normcase(os.path.abspath(frame.f_code.co_filename)) if not frame.f_code.co_filename.startswith("<") else ""
        harness = name.startswith(_PACKAGE + os.sep) and not name.startswith(_DRIVERS + os.sep)
        if name and not harness and not from_stdlib(frame) and "-packages" + os.sep not in name:
            return frame
        frame = frame.f_back
    return None
