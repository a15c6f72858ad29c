"""Comparing fidelity outcomes: a test's expectation against an outcome (what the test asserts, nothing more),
and one column against another (the whole outcome, so a port that gets the reason right but the status
wrong still differs)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simharness.explore.fidelity.cases import Case


def _partial(want: Any, got: Any) -> bool:
    if isinstance(want, dict) and isinstance(got, dict):
        return all(_partial(v, got.get(k)) for k, v in want.items())
    return bool(want == got)


def _error_matches(want: dict[str, Any], got: Any) -> bool:
    if not isinstance(got, dict):
        return False
    for key, value in want.items():
        if key == "message_contains":
            if value not in str(got.get("message", "")):
                return False
        elif got.get(key) != value:
            return False
    return True


def meets_expectation(case: Case, outcome: dict[str, Any] | None) -> bool | None:
    """Does `outcome` pass what the test asserts? None when the case states no expectation or there is no outcome."""
    expect = case.expect
    if expect is None or outcome is None:
        return None
    if case.kind == "classifier":
        return "value" in outcome and _partial(expect.get("value"), outcome["value"])
    if "runs" in expect and outcome.get("runs") != expect["runs"]:
        return False
    want, got = expect.get("result"), outcome.get("result") or {}
    if want is not None:
        if bool(got.get("ok")) != bool(want.get("ok")):
            return False
        if want.get("ok") and "value" in want and got.get("value") != want["value"]:
            return False
        if not want.get("ok") and not _error_matches(want.get("error", {}), got.get("error")):
            return False
    if "onError" in expect:
        seen = outcome.get("onError") or []
        if len(seen) != len(expect["onError"]):
            return False
        for w, g in zip(expect["onError"], seen, strict=True):
            if any(g.get(k) != w[k] for k in ("provider", "model", "attempt", "total") if k in w):
                return False
            if "error" in w and not _error_matches(w["error"], g.get("error")):
                return False
    return True


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool | None:
    """Two columns agree on a case (None: one of them has no outcome)."""
    if a is None or b is None:
        return None
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def short(outcome: dict[str, Any] | None, limit: int = 70) -> str:
    """An outcome in one table cell."""
    if outcome is None:
        return "-"
    if "probe_error" in outcome:
        return f"(case failed to run) {str(outcome['probe_error'])[:limit]}"
    if "value" in outcome:
        text = json.dumps(outcome["value"], ensure_ascii=False)
    elif "threw" in outcome:
        text = "threw " + json.dumps(outcome["threw"], ensure_ascii=False)
    elif "missing" in outcome:
        text = f"missing {outcome['missing']}"
    else:
        runs = "→".join(f"{p}/{m}" for p, m in outcome.get("runs", []))
        res = outcome.get("result", {})
        if res.get("ok"):
            end = f"ok {json.dumps(res.get('value'))}"
        elif "crashed" in res:
            end = f"CRASHED {res['crashed']}"
        else:
            err = res.get("error", {})
            end = f"throws #{err['ref']}" if "ref" in err else f"throws {err.get('name') or err.get('primitive')}"
            if err.get("reason") is not None:
                end += f"({err['reason']})"
        text = f"{runs} {end} onError×{len(outcome.get('onError', []))}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expected_text(case: Case, limit: int = 60) -> str:
    if case.expect is None:
        return "(derived: the release decides)"
    if case.kind == "classifier":
        text = json.dumps(case.expect.get("value"), ensure_ascii=False)
    else:
        res = case.expect.get("result") or {}
        text = ("ok " + json.dumps(res.get("value"))) if res.get("ok") else "throws " + json.dumps(res.get("error"), ensure_ascii=False)
        if "runs" in case.expect:
            text = f"{len(case.expect['runs'])} run(s), " + text
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class CaseResult:
    case: Case
    direct: dict[str, Any] | None = None  # the release run by probe.mjs
    bridge: dict[str, Any] | None = None  # the release through the bridge (None: not run)
    bridge_note: str = ""  # why there is no bridge outcome
    ports: dict[str, dict[str, Any]] = field(default_factory=dict)  # port label -> outcome
    notes: list[str] = field(default_factory=list)  # the probe's constructor checks
    passes_on: list[str] | None = None  # when the release fails the test: the other releases that pass it

    @property
    def real(self) -> dict[str, Any] | None:
        return self.direct if self.direct is not None else self.bridge

    @property
    def applies(self) -> bool:
        """False when the release does not export the function the case calls (a case of another version)."""
        real = self.real
        return real is not None and "missing" not in real

    @property
    def real_passes(self) -> bool | None:
        return meets_expectation(self.case, self.real) if self.applies else None

    @property
    def bridge_agrees(self) -> bool | None:
        return same(self.direct, self.bridge)

    def port_agrees(self, label: str) -> bool | None:
        return same(self.ports.get(label), self.real) if self.applies else None

    def to_json(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id,
            "test": c.test,
            "source": c.source,
            "kind": c.kind,
            "expect": c.expect,
            "real_passes_test": self.real_passes,
            "direct": self.direct,
            "bridge": self.bridge,
            "bridge_note": self.bridge_note or None,
            "bridge_agrees": self.bridge_agrees,
            "ports": {label: {"outcome": o, "agrees": self.port_agrees(label)} for label, o in self.ports.items()},
            "notes": self.notes,
            "passes_on": self.passes_on,
            "version": c.version or None,
            "note": c.note or None,
        }
