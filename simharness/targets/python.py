"""Python drivers as targets: `py:PATH/TO/FILE.py:ATTR` loaded from a user's file, and the wrapper the
embedded reference and the shipped mutants run in; a mutant's driver is made anew from a fresh copy of its module
for each target (`fresh_driver`), so no module-level state carries from one target to the next.

Loading a user's file is where their mistakes surface, so each becomes one line naming the spec, the file
and the line (`TargetError`), never a traceback: a failed import (even `SystemExit`), a missing or
uncallable driver, or a `SIMHARNESS_PROFILE` that would crash the runner mid-suite or lie in a report.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from simharness.guard.exits import install_exit_guards
from simharness.guard.interrupts import user_interrupted
from simharness.guard.tripwire import modules_with_early_bound_sources
from simharness.model.exceptions import TargetError
from simharness.model.target import ALL_KINDS_PROFILE, EMBEDDED_LOCK_PROFILE, DriverFn, Profile


class PythonTarget:
    """A driver written in Python, run in-process as a simpy generator."""

    def __init__(self, spec: str, driver: DriverFn, profile: Profile = ALL_KINDS_PROFILE) -> None:
        self.spec, self._driver, self.profile = spec, driver, profile
        self.fingerprint_fields: tuple[str, ...] = ("dev", "ino", "size", "mtimeNs", "ctimeNs")
        self.store_policy: Any = None  # a module's SIMHARNESS_STORE_POLICY ([auth] worlds); None: ReferencePolicy

    @property
    def driver(self) -> DriverFn:
        return self._driver

    def close(self) -> None:
        pass


def load_python(spec: str) -> PythonTarget:
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
        _execute(spec, path, module)
    except BaseException:
        del sys.modules[module_name]
        raise
    driver: Any = getattr(module, attr, None)
    if not callable(driver):
        raise TargetError(f"{spec}: {path} has no callable {attr!r}")
    profile = getattr(module, "SIMHARNESS_PROFILE", ALL_KINDS_PROFILE)
    problem = _profile_problem(profile)
    if problem is not None:
        raise TargetError(f"{spec}: SIMHARNESS_PROFILE in {path} {problem}")
    if isinstance(profile.kinds, set):  # a set is accepted as written; the profile is frozen like any other
        profile = Profile(profile.name, frozenset(profile.kinds), profile.generation)
    target = PythonTarget(spec, driver, profile)
    target.store_policy = getattr(module, "SIMHARNESS_STORE_POLICY", None)
    return target


def _execute(spec: str, path: Path, module: ModuleType) -> None:
    """Run a driver module's code (`module`, made from `path`) with the checks every driver gets at import: a failed
    import is one `TargetError` line, and so is a clock or randomness source bound at import."""
    install_exit_guards()  # before the import: a driver's `from os import _exit` binds the guard, not the exit
    try:
        assert module.__spec__ is not None and module.__spec__.loader is not None
        module.__spec__.loader.exec_module(module)
    except BaseException as exc:  # even SystemExit: the user's file failed to import, say so in one line
        if isinstance(exc, KeyboardInterrupt) and user_interrupted():
            raise
        raise TargetError(f"{spec}: importing {path} failed{_at(exc, path)}: {type(exc).__name__}: {_one_line(exc)}") from None
    bound = [name.rsplit(".", 1)[1] for name in modules_with_early_bound_sources({module.__name__: module})]
    if bound:  # a name bound at import escapes the tripwires and the virtual clock: a green would be a guess
        raise TargetError(
            f"{spec}: {path} binds {', '.join(bound)} at import, which neither the tripwires nor the virtual clock can see: "
            "call through the module instead (`import time` ... `time.monotonic()`; `import datetime` ... `datetime.datetime.now()`)"
        )


def fresh_module(spec: str, name: str) -> ModuleType:
    """A copy of the loaded module `name` (a driver's home: never a name from data) run anew from its file: its
    module-level state starts fresh, whatever earlier targets did to the shared copy. It keeps its name (its
    functions' `__module__` still finds the shared copy's imports) but is not put in `sys.modules`; the import
    checks of `py:` files apply."""
    shared = sys.modules.get(name)
    path = Path(getattr(shared, "__file__", None) or "")
    loader_spec = importlib.util.spec_from_file_location(name, path) if path.is_file() else None
    if loader_spec is None or loader_spec.loader is None:
        raise TargetError(f"{spec}: cannot load a fresh copy of {name}")
    module = importlib.util.module_from_spec(loader_spec)
    _execute(spec, path, module)
    return module


def fresh_driver(spec: str, name: str, driver: DriverFn) -> DriverFn:
    """Mutant `name`'s driver (the shared one: `driver`) made anew from a fresh copy of the module its code is in
    (`fresh_module`), so a driver keeping state in a module global starts each target as in a new process. Built as
    that module registers it (`MUTANTS[name]` in mutants.py, `registered(make)[name]` in a topic module), else the
    same code and closure with the fresh module's globals."""
    home = str(getattr(driver, "__module__", "") or "")
    module = fresh_module(spec, home)
    table = getattr(module, "MUTANTS", None)
    found: Any = table[name].driver if isinstance(table, dict) and name in table else None
    if found is None and callable(getattr(module, "registered", None)):
        found = module.registered(lambda *fields: fields[4]).get(name)
    if getattr(found, "__code__", None) is not None and found.__code__.co_qualname == driver.__code__.co_qualname:
        return found  # type: ignore[no-any-return]
    code = getattr(driver, "__code__", None)
    if not isinstance(driver, FunctionType) or code is None:
        raise TargetError(f"{spec}: cannot make its driver anew from a fresh copy of {home}")
    again = FunctionType(code, vars(module), driver.__name__, driver.__defaults__, driver.__closure__)
    again.__kwdefaults__, again.__qualname__, again.__module__ = driver.__kwdefaults__, driver.__qualname__, driver.__module__
    again.__dict__.update(driver.__dict__)
    return again


def _profile_problem(profile: object) -> str | None:
    """What is wrong with a module's declared profile (it would crash the runner mid-suite, or lie in the
    report's header), or None."""
    if not isinstance(profile, Profile):
        return f"is {_shown(profile)}, not a simharness.Profile"
    if not isinstance(profile.name, str) or not profile.name:
        return f"has name {_shown(profile.name)}: expected a non-empty string"
    if not isinstance(profile.kinds, (set, frozenset)):
        return f"has kinds of type {type(profile.kinds).__name__}: expected a frozenset of fault-kind names"
    odd = sorted(repr(k) for k in profile.kinds if not isinstance(k, str))
    if odd:
        return f"has kinds that are not strings: {', '.join(odd[:5])}"
    unknown = sorted(profile.kinds - ALL_KINDS_PROFILE.kinds)
    if unknown:  # a typo would quietly excuse the driver from the kind it meant
        return f"names unknown fault kinds {', '.join(map(repr, unknown[:5]))} (known: {', '.join(sorted(ALL_KINDS_PROFILE.kinds))})"
    if not isinstance(profile.generation, str):
        return f"has generation {_shown(profile.generation)}: expected a string"
    builtin = BUILTIN_PROFILES.get(profile.name)
    if builtin is not None and frozenset(profile.kinds) != builtin.kinds:  # the report's header would vouch for kinds it lacks
        lacks = sorted(builtin.kinds - profile.kinds)
        extra = sorted(profile.kinds - builtin.kinds)
        diff = "; ".join(([f"lacks {', '.join(lacks)}"] if lacks else []) + ([f"adds {', '.join(extra)}"] if extra else []))
        return f"is named {profile.name!r} like the built-in profile but has other kinds ({diff}): give it a name of its own"
    return None


#: Profiles simharness defines: a declared profile may not borrow one's name for other kinds.
BUILTIN_PROFILES = {p.name: p for p in (ALL_KINDS_PROFILE, EMBEDDED_LOCK_PROFILE)}


def _shown(value: object) -> str:
    if value is None or isinstance(value, (str, int, float, bool)):
        text = repr(value)
        return text if len(text) <= 80 else text[:79] + "…"
    return f"a {type(value).__name__}"


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
