"""Targets: the fallback drivers simharness can judge, named by a spec string.

- `reference`                      the contract as a correct driver (`simharness/drivers/reference.py`, the default)
- `py:PATH/TO/FILE.py:ATTR`        any Python file exposing a driver (written against `simharness.drivers`)
- `mutant:NAME`                    one of the shipped faulty drivers (`simharness mutants` lists them), from a fresh
                                   copy of its module each time
- `openclaw@VERSION`               a published openclaw release, installed from npm, run by Node
- `node-dist:PATH`                 an unpacked openclaw package or dist directory (a user's own build)
"""

from __future__ import annotations

from simharness.model.exceptions import TargetError
from simharness.model.target import CallContext, DriverFn, Profile, Target
from simharness.targets.python import PythonTarget, fresh_driver, load_python

__all__ = ["CallContext", "DriverFn", "Profile", "PythonTarget", "Target", "TargetError", "resolve_target"]


def resolve_target(spec: str) -> Target:
    """Turn a target spec into a ready target; unknown specs raise `TargetError`."""
    if spec == "reference":
        from simharness.drivers.reference import run_with_model_fallback

        return PythonTarget("reference", run_with_model_fallback)
    if spec.startswith("py:"):
        return load_python(spec)
    if spec.startswith("mutant:"):
        from simharness.drivers.mutants import MUTANTS

        name = spec[len("mutant:") :]
        if name not in MUTANTS:
            raise TargetError(f"{spec}: unknown mutant (known: {', '.join(MUTANTS)})")
        mutant = MUTANTS[name]
        driver = fresh_driver(spec, name, mutant.driver)  # its module run anew: no state left by an earlier target
        target = PythonTarget(spec, driver)
        target.store_policy = getattr(driver, "SIMHARNESS_STORE_POLICY", None)  # a cooldown mutant's faulty store arithmetic
        if mutant.fingerprint_fields is not None:  # the mutant narrows the runtime's takeover check
            target.fingerprint_fields = mutant.fingerprint_fields
        return target
    if spec.startswith(("openclaw@", "node-dist:")):
        from simharness.targets.node import NodeTarget

        return NodeTarget(spec)
    raise TargetError(f"{spec}: unknown target (expected reference, py:FILE.py:FUNC, mutant:NAME, openclaw@VERSION or node-dist:PATH)")
