"""Targets: the fallback drivers simharness can judge, named by a spec string.

- `reference`                      the embedded Python model of openclaw 2026.5.20 (the default)
- `py:PATH/TO/FILE.py:ATTR`        any Python file exposing a driver (see `_protocol.py` for the protocol)
- `mutant:NAME`                    one of the shipped faulty drivers (`simharness mutants` lists them)
- `openclaw@VERSION`               a published openclaw release, installed from npm, run by Node
- `node-dist:PATH`                 an unpacked openclaw package or dist directory (a user's own build)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from simharness._tripwire import user_interrupted
from simharness.targets._protocol import (
    ALL_KINDS_PROFILE,
    CallContext,
    DriverFn,
    Profile,
    Target,
    TargetError,
)

__all__ = ["CallContext", "DriverFn", "Profile", "PythonTarget", "Target", "TargetError", "resolve_target"]


class PythonTarget:
    """A driver written in Python, run in-process as a simpy generator."""

    def __init__(self, spec: str, driver: DriverFn, profile: Profile = ALL_KINDS_PROFILE) -> None:
        self.spec, self._driver, self.profile = spec, driver, profile
        self.fingerprint_fields: tuple[str, ...] = ("dev", "ino", "size", "mtimeNs", "ctimeNs")

    @property
    def driver(self) -> DriverFn:
        return self._driver

    def close(self) -> None:
        pass


def _load_python(spec: str) -> PythonTarget:
    body = spec[len("py:") :]
    path_text, sep, attr = body.rpartition(":")
    if not sep or not path_text or not attr:
        raise TargetError(f"{spec}: expected py:PATH/TO/FILE.py:FUNCTION")
    path = Path(path_text)
    if not path.is_file():
        raise TargetError(f"{spec}: no such file {path}")
    module_name = f"simharness_target_{abs(hash(str(path.resolve()))) & 0xFFFFFFFF:x}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise TargetError(f"{spec}: cannot import {path}")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException as exc:  # even SystemExit: the user's file failed to import, say so in one line
        del sys.modules[module_name]
        if isinstance(exc, KeyboardInterrupt) and user_interrupted():
            raise
        raise TargetError(f"{spec}: importing {path} failed{_at(exc, path)}: {type(exc).__name__}: {_one_line(exc)}") from None
    driver: Any = getattr(module, attr, None)
    if not callable(driver):
        raise TargetError(f"{spec}: {path} has no callable {attr!r}")
    profile = getattr(module, "SIMHARNESS_PROFILE", ALL_KINDS_PROFILE)
    return PythonTarget(spec, driver, profile)


def _at(exc: BaseException, path: Path) -> str:
    """` at FILE:LINE`: the innermost line of the user's file in the traceback (or nothing)."""
    found = ""
    tb = exc.__traceback__
    try:
        mine = path.resolve()
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename).resolve() == mine:
                found = f" at {path.name}:{tb.tb_lineno}"
            tb = tb.tb_next
    except OSError:
        pass
    if not found and isinstance(exc, SyntaxError) and exc.lineno:
        found = f" at {path.name}:{exc.lineno}"
    return found


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"


def resolve_target(spec: str) -> Target:
    """Turn a target spec into a ready target; unknown specs raise `TargetError`."""
    if spec == "reference":
        from simharness.drivers.reference import run_with_model_fallback

        return PythonTarget("reference", run_with_model_fallback)
    if spec.startswith("py:"):
        return _load_python(spec)
    if spec.startswith("mutant:"):
        from simharness.drivers.mutants import MUTANTS

        name = spec[len("mutant:") :]
        if name not in MUTANTS:
            raise TargetError(f"{spec}: unknown mutant (known: {', '.join(MUTANTS)})")
        mutant = MUTANTS[name]
        target = PythonTarget(spec, mutant.driver)
        if mutant.fingerprint_fields is not None:  # the mutant narrows the runtime's takeover check
            target.fingerprint_fields = mutant.fingerprint_fields
        return target
    if spec.startswith(("openclaw@", "node-dist:")):
        from simharness.targets.node import NodeTarget

        return NodeTarget(spec)
    raise TargetError(f"{spec}: unknown target (expected reference, py:FILE.py:FUNC, mutant:NAME, openclaw@VERSION or node-dist:PATH)")
