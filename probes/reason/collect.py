"""Hand probe: which reason each target names in its "All models failed" summary for each vocabulary shape.

Runs a scenario through the harness's world (any target: `reference`, `openclaw@VERSION`, `py:...`) and tallies,
for every failed attempt listed in a summary, (the world's ground truth for it) -> (the reason the summary gave).
Ground truth is what the world built: `run.raise`'s `root` kind, plus the detail that names the shape (a shaped
failure's failure/form from `provider.fault`, a network code, a message-only text, a bodiless status, ...).

    python probes/reason/collect.py TARGET SCENARIO.toml [BUDGET]

Prints one line per (truth, given reason) with its count; JSON with --json.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from simharness.explore.suite import run_suite
from simharness.model.kinds import EventKind
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

_SUMMARY = re.compile(r"^All models failed \((\d+)\): (.*)$", re.DOTALL)
_PART = re.compile(r"^(?P<candidate>[^/\s]+/[^:\s]+): (?P<message>.*?)(?: \((?P<reason>[a-z_]+)\))?$", re.DOTALL)
_HINT = re.compile(r"^(.* \((?:auth|auth_permanent)\))\. (?:Re-authenticate with: |Authenticate in Gemini CLI directly).*$", re.DOTALL)


def truth(fault: dict[str, Any], raise_: dict[str, Any]) -> str:
    root = raise_.get("root")
    msg = str(raise_.get("message", ""))
    if fault.get("fault") == "model_switch":
        return f"model_switch:{fault.get('switch')}{':last' if fault.get('last') else ''}"
    if fault.get("fault") == "shaped":
        return f"shaped:{fault.get('failure')}:{fault.get('form')}"
    if root == "network":
        return f"network:{msg.split()[1] if len(msg.split()) > 1 else msg}"
    if root == "message_only":
        return f"message_only:{msg}"
    if root == "no_body":
        return f"no_body:{msg[:3]}"
    if root == "abort_timeout":
        return f"abort_timeout:{fault.get('fault')}"
    if root == "detail_code":
        return f"detail_code:{'with_status' if msg else 'plain'}"
    return f"{root}:{fault.get('fault')}"


def collect(target_spec: str, scenario_path: str, budget: int) -> Counter[tuple[str, str]]:
    target = resolve_target(target_spec)
    tally: Counter[tuple[str, str]] = Counter()

    def on_run(result) -> None:  # type: ignore[no-untyped-def]
        calls: dict[int, list[list[dict[str, Any]]]] = {}
        ends: dict[int, dict[str, Any]] = {}
        for e in result.trace:
            c = e.data.get("call")
            if e.kind == EventKind.RUN_START:
                calls.setdefault(c, []).append([dict(e.data), {}, {}])
            elif e.kind == EventKind.PROVIDER_FAULT and calls.get(c):
                calls[c][-1][1] = dict(e.data)
            elif e.kind == EventKind.RUN_RAISE and calls.get(c):
                calls[c][-1][2] = dict(e.data)
            elif e.kind == EventKind.CALL_RAISE:
                ends[c] = dict(e.data)
        for c, end in ends.items():
            m = _SUMMARY.match(str(end.get("message", "")))
            if m is None:
                continue
            # a live switch to a later candidate records no attempt (it jumps); one to the current or an earlier does
            raised = [r for r in calls.get(c, []) if r[2] and r[1].get("switch") != "later"]
            parts = m.group(2).split(" | ")
            parts[-1] = _HINT.sub(r"\1", parts[-1])
            if len(parts) != len(raised):
                continue
            for part, (start, fault, rr) in zip(parts, raised):
                pm = _PART.match(part)
                if pm is None or pm.group("candidate") != start.get("candidate"):
                    continue
                tally[(truth(fault, rr), pm.group("reason") or "-")] += 1

    scenarios = collect_scenarios([Path(scenario_path)])
    try:
        run_suite(scenarios, target, seed=0, budget=budget, on_run=on_run)
    finally:
        close = getattr(target, "close", None)
        if close is not None:
            close()
    return tally


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--json"]
    budget = int(args[2]) if len(args) > 2 else 200
    got = collect(args[0], args[1], budget)
    if "--json" in sys.argv:
        print(json.dumps(sorted([[k, r, n] for (k, r), n in got.items()])))
    else:
        for (k, r), n in sorted(got.items()):
            print(f"{k:60s} {r:16s} {n}")
