"""Fidelity: openclaw's own unit tests (`model-fallback.test.ts`, `failover-error.test.ts`) as data, run three
ways — the real release directly in Node, the real release through the bridge, and every Python port — and
compared case by case (`simharness fidelity openclaw@VERSION`).

- `cases.py`     the case files (`cases/*.json`), their checks, JS values -> `JSError` graphs
- `outcomes.py`  the outcome format every column shares; running a case on a Python port (or a driver target)
- `compare.py`   expectation and column comparison
- `runner.py`    the run: ports, probe, bridge
"""

from __future__ import annotations

from simharness.explore.fidelity.cases import Case, Suite, load
from simharness.explore.fidelity.compare import CaseResult
from simharness.explore.fidelity.runner import FidelityResult, Port, make_port, run_fidelity, shipped_port, which_versions

__all__ = ["Case", "CaseResult", "FidelityResult", "Port", "Suite", "load", "make_port", "run_fidelity", "shipped_port", "which_versions"]
