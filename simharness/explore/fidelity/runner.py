"""The fidelity run: every in-scope case three ways — the real release directly in Node (`targets/probe.mjs`),
the real release through the bridge (classifier cases as `probe` messages, driver cases as ordinary driver
calls), and each Python port — compared case by case.

A port is a driver target spec (`py:FILE:ATTR`, `mutant:NAME`, `reference`, or a shipped port's module) plus
the classifier that driver uses (`outcomes.classifier_of`). The reference is the contract, not a port: it is
reported separately, and may differ from the release only where DESIGN.md's contract decides differently —
the coordination decision, so only on cases whose input holds a coordination error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simharness.explore.fidelity.cases import Case, Suite, load, to_python
from simharness.explore.fidelity.compare import CaseResult
from simharness.explore.fidelity.outcomes import classifier_of, classify, describe, drive
from simharness.model.errors import JSError
from simharness.model.exceptions import ScenarioError, TargetError

REFERENCE = "reference"
#: The embedded takeover and the session write lock (recognize.py's own rules); the runtime's others come from
#: `runtime_coordination_marks`.
_EMBEDDED_MARKS = ("EmbeddedAttemptSessionTakeoverError", "SessionWriteLockTimeoutError", "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT")


@dataclass(slots=True)
class Port:
    label: str  # "5.20 port", "reference (contract)", "py:x.py:f"
    spec: str
    driver: Any
    classifier: Any
    reference: bool = False


def _shipped() -> dict[str, Any]:
    """The Python ports simharness ships, by the release they port (a fixed table: no module named by input)."""
    from simharness.drivers import openclaw_2026_5_18, openclaw_2026_5_20

    return {"openclaw@2026.5.18": openclaw_2026_5_18, "openclaw@2026.5.20": openclaw_2026_5_20}


def shipped_port(spec: str) -> str | None:
    """The shipped Python port of a release (`openclaw@2026.5.20` -> `simharness.drivers.openclaw_2026_5_20`)."""
    module = _shipped().get(spec)
    return module.__name__ if module is not None else None


def make_port(spec: str) -> Port:
    """A port from a target spec (`py:FILE:ATTR`, `mutant:NAME`, `reference`) or a shipped port's module name."""
    shipped = {m.__name__: (release, m) for release, m in _shipped().items()}
    if spec in shipped:
        release, module = shipped[spec]
        driver = module.run_with_model_fallback
        return Port(f"{release.removeprefix('openclaw@2026.')} port", spec, driver, classifier_of(driver))
    if spec.startswith(("openclaw@", "node-dist:")):
        raise TargetError(f"{spec}: --port takes a Python driver (py:FILE.py:FUNC, mutant:NAME or reference), not a release")
    from simharness.targets import resolve_target

    target = resolve_target(spec)
    driver = target.driver
    reference = spec == REFERENCE
    return Port("reference (contract)" if reference else spec, spec, driver, classifier_of(driver), reference=reference)


def contract_may_differ(case: Case) -> bool:
    """The case's input holds a coordination error (by name or code): where DESIGN.md's contract decides."""
    from simharness.drivers.recognize import runtime_coordination_marks

    names, codes = runtime_coordination_marks()
    text = json.dumps(case.args if case.kind == "classifier" else case.script)
    return any(f'"{mark}"' in text for mark in (*_EMBEDDED_MARKS, *names, *codes))


@dataclass(slots=True)
class FidelityResult:
    spec: str
    suite: Suite
    ports: list[Port]
    results: list[CaseResult]
    direct_hello: dict[str, Any] = field(default_factory=dict)
    bridge_hello: dict[str, Any] = field(default_factory=dict)
    bridge_problem: str = ""  # why the bridge column is empty, if it is
    versions_checked: list[str] = field(default_factory=list)  # other releases `which_versions` ran

    def disagreeing(self, port: Port) -> list[CaseResult]:
        return [r for r in self.results if r.port_agrees(port.label) is False]

    def unexplained(self, port: Port) -> list[CaseResult]:
        """Differences a port must not have: all of them, or for the reference those outside the contract."""
        return [r for r in self.disagreeing(port) if not (port.reference and contract_may_differ(r.case))]

    def bridge_disagreeing(self) -> list[CaseResult]:
        return [r for r in self.results if r.bridge_agrees is False]

    @property
    def failed(self) -> bool:
        return any(self.unexplained(p) for p in self.ports if not p.reference) or bool(self.bridge_disagreeing())


# --- the bridge column ---------------------------------------------------------------------------------


def _bridge_args(case: Case) -> list[Any]:
    from simharness.targets.bridge import UNDEFINED

    return [UNDEFINED if isinstance(a, dict) and a.get("undefined") is True else to_python(a) for a in case.args]


def _bridge_classify(bridge: Any, case: Case) -> dict[str, Any] | None:
    from simharness.model.graph import from_graph
    from simharness.targets.bridge import probe_value

    reply = bridge.probe(case.fn, *_bridge_args(case))
    if reply.get("missing"):
        return None  # the bridge does not offer this function: no bridge outcome (said in bridge_note)
    if not reply.get("ok"):
        return {"threw": describe(from_graph(reply["error"]), [])}
    value = probe_value(reply)
    if case.fn == "coerceToFailoverError":
        if not isinstance(value, JSError):
            return {"value": None}
        d = describe(value, [])
        return {"value": {k: d.get(k) for k in ("name", "reason", "status", "code", "provider", "model")}}
    if case.fn == "describeFailoverError":
        if not isinstance(value, JSError):
            return {"value": None}
        reason = value.reason if isinstance(value.reason, str) else None
        return {"value": {"message": value.message, "reason": reason}}
    return {"value": value if isinstance(value, (str, int, float, bool)) or value is None else None}


def _run_bridge(spec: str, cases: list[Case], results: dict[str, CaseResult], result: FidelityResult) -> None:
    from simharness.targets.node import NodeTarget

    target = NodeTarget(spec)
    try:
        bridge = target.bridge()
        result.bridge_hello = dict(bridge.hello)
        has_probe = bool(bridge.hello.get("probes")) and hasattr(bridge, "probe")
        for case in cases:
            r = results[case.id]
            if case.kind == "driver":
                r.bridge = drive(case, target.driver)
            elif has_probe and bridge.hello["probes"].get(case.fn):
                r.bridge = _bridge_classify(bridge, case)
                if r.bridge is None:
                    r.bridge_note = f"the bridge's probe does not offer {case.fn}"
            elif has_probe:
                r.bridge_note = f"the bridge's probe does not offer {case.fn}"
            else:
                r.bridge_note = "this bridge has no probe message"
    finally:
        target.close()


# --- the run ---------------------------------------------------------------------------------------------


def run_fidelity(
    spec: str,
    port_specs: list[str] | None = None,
    *,
    bridge: bool = True,
    direct: bool = True,
    reference: bool = True,
    only: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> FidelityResult:
    """Every in-scope case (or those whose id or test contains `only`) against `spec` (directly and through
    the bridge) and against each port."""
    say = progress or (lambda _msg: None)
    suite = load()
    cases = [c for c in suite.in_scope() if only is None or only in c.id or only in c.test]
    if not cases:
        raise ScenarioError(f"--case {only!r}: no in-scope fidelity case matches")
    specs = list(port_specs) if port_specs else [s for s in [shipped_port(spec)] if s]
    if reference and REFERENCE not in specs:
        specs.append(REFERENCE)
    ports = [make_port(s) for s in specs]
    results = {c.id: CaseResult(c) for c in cases}
    result = FidelityResult(spec, suite, ports, list(results.values()))
    for port in ports:
        say(f"fidelity: {len(cases)} cases on {port.label}")
        for case in cases:
            outcome = classify(case, port.classifier) if case.kind == "classifier" else drive(case, port.driver)
            results[case.id].ports[port.label] = outcome
    if direct:
        from simharness.targets.probe import run_probe

        say(f"fidelity: {len(cases)} cases on {spec} directly in Node (probe.mjs)")
        probed = run_probe(spec, [c.to_json() for c in cases])
        result.direct_hello = probed.hello
        for case in cases:
            got = probed.outcomes.get(case.id)
            r = results[case.id]
            if got is None:
                r.direct = {"probe_error": "no outcome"}
            else:
                r.direct = got["outcome"] if "outcome" in got else {"probe_error": got.get("error")}
                r.notes = list(got.get("notes") or [])
    if bridge:
        say(f"fidelity: {len(cases)} cases on {spec} through the bridge")
        try:
            _run_bridge(spec, cases, results, result)
        except TargetError as exc:
            result.bridge_problem = str(exc)
            for r in results.values():
                r.bridge_note = "the bridge failed"
    return result


def which_versions(result: FidelityResult, specs: list[str], progress: Callable[[str], None] | None = None) -> None:
    """Name the releases (among `specs`) whose own functions pass each test the release under check fails:
    a case of another openclaw version says which (directly in Node, one probe per release)."""
    from simharness.explore.fidelity.compare import meets_expectation
    from simharness.targets.probe import run_probe

    failing = [r for r in result.results if r.real_passes is False]
    for r in failing:
        r.passes_on = []
    if not failing:
        return
    for spec in specs:
        if spec == result.spec:
            continue
        if progress:
            progress(f"fidelity: {len(failing)} cases the release fails, on {spec}")
        try:
            probed = run_probe(spec, [r.case.to_json() for r in failing], progress=False)
        except TargetError as exc:
            if progress:
                progress(f"fidelity: {spec} skipped ({exc})")
            continue
        result.versions_checked.append(spec)
        for r in failing:
            got = probed.outcomes.get(r.case.id, {})
            if "outcome" in got and meets_expectation(r.case, got["outcome"]) and r.passes_on is not None:
                r.passes_on.append(spec)
