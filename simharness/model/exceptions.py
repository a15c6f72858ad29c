"""Every exception simharness raises, in one place.

Two families:
- **User errors**: bad input a user can fix (a scenario, a schedule, a target, a strategy option, a report
  directory). `str()` is one line; the CLI prints it and exits 2 (`USER_ERRORS`).
- **Run signals**: how a run is ended from inside (a budget exceeded, the watchdog, an exit the harness
  intercepted, a driver that broke the contract, a tripwire). Those that a driver must not be able to swallow
  with `except Exception` are `BaseException`s; `args` keep every field, because simpy copies a failed
  process's exception as `type(e)(*e.args)`.

(`JSError`, the simulated JavaScript error a provider or runtime throws, is a value of the world, not a harness
exception: it lives in `errors.py`.)
"""

from __future__ import annotations

import os
from typing import Any

#: simharness/ on disk; bundled drivers under drivers/ are code under test, not the harness.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DRIVERS = os.path.join(_PACKAGE, "drivers")


def one_line(text: str) -> str:
    """User text (keys, names, paths) inside an error message: control characters shown escaped, never a line break."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def harness_file(path: str) -> bool:
    """`path` is simharness's own code (not a bundled driver, which is code under test)."""
    path = os.path.abspath(path)
    return path.startswith(_PACKAGE + os.sep) and not path.startswith(_DRIVERS + os.sep)


def short_path(path: str) -> str:
    """`path` relative to the working directory, unless that climbs out of it by more than one level."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(".." + os.sep + "..") else rel


# --- user errors (one line, exit code 2) ---------------------------------------------------------------------


class ScenarioError(ValueError):
    """A scenario file a user wrote is wrong. str() is the one line to print."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class ScheduleError(ValueError):
    """A schedule file is unusable. str() is the one line to print."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class TargetError(Exception):
    """A target cannot be resolved, installed or started. str() is one line for the user (exit code 2)."""


class TargetRunFailure(TargetError):
    """The target itself broke in the middle of a run (a real target's Node bridge crashed, hung or spoke
    garbage). `result` is the run up to that point, so its schedule can be saved and replayed."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class BridgeError(TargetError):
    """The Node bridge crashed, hung or spoke garbage. str() is one line naming the target."""


class StrategyError(ValueError):
    """An unknown strategy or a bad strategy option. str() is the one line to print (exit code 2)."""


class OutputError(OSError):
    """A report or schedule could not be written (unwritable dir, disk full). str() is one line."""


class InputTooLarge(ValueError):
    """A file holds more than a loader accepts. str() is one line."""


class MergeError(ValueError):
    """Reports that cannot be merged. str() is the one line to print (exit code 2)."""


#: What the CLI turns into one line on stderr and exit code 2.
USER_ERRORS: tuple[type[Exception], ...] = (ScenarioError, ScheduleError, TargetError, StrategyError, OutputError, InputTooLarge, MergeError)


# --- run signals ---------------------------------------------------------------------------------------------


class LivenessError(Exception):
    """The run exceeded its step or virtual-time budget: something never returns."""


class RunStalled(BaseException):
    """Raised by the watchdog inside a world that stopped taking simpy steps (a loop that never yields)."""


class DriverContractError(BaseException):
    """Raised into a driver that broke the contract (ran a candidate outside its chain, drove `run` twice at
    once). A `BaseException`, so `except Exception` in the driver does not hide it; the call ends either way."""


class ProcessExit(SystemExit):
    """Raised instead of ending the process: code under test called `os._exit`, `os.abort` or sent a signal to
    its own process while the harness owned it (a live run, or the shutdown after the reports).

    A `SystemExit`, so a driver's `except Exception` cannot swallow it and a thread it kills dies quietly;
    `args` = (source, where) so simpy's copy of a failed process's exception keeps every field."""

    def __init__(self, source: str, where: str | None) -> None:
        super().__init__(source, where)
        self.source, self.where = source, where

    def __str__(self) -> str:
        return f"{self.source} would have ended the harness's process"


class TripwireError(BaseException):
    """Code read the wall clock or OS randomness during a live run.

    A `BaseException`, so a driver's `except Exception` cannot swallow it. `args` = (source, file, line) so
    simpy's copy of a failed process's exception (`type(e)(*e.args)`) keeps every field.
    """

    def __init__(self, source: str, file: str, line: int) -> None:
        super().__init__(source, file, line)
        self.source, self.file, self.line = source, file, line

    @property
    def where(self) -> str:
        return f"{short_path(self.file)}:{self.line}"

    @property
    def in_harness(self) -> bool:
        """The culprit is simharness's own code (a harness bug), not a driver under test."""
        return harness_file(self.file)

    def __str__(self) -> str:
        return (
            f"{self.source} called during a live run at {self.where}: a run must take every decision from its choice "
            "source (use ctx.env.now for time)"
        )
