"""The Node bridge against a pure-Node floor: the same driver calls, measured three ways in one invocation.

- **harness**: seeded runs of `takeover-race` on the real release (world, bridge, Node), driver calls per wall second;
- **bridge**: the calls those runs made, replayed through the same Python driver and bridge with no world (each
  `run` answers at once with the outcome recorded in the harness run): what the process boundary costs;
- **floor**: the same calls replayed inside Node with no bridge (`bridge.mjs`'s `floor` mode): the recorded error
  graphs thrown at the release's own `runWithModelFallback` in a loop. That is openclaw's own work per call.

Bridge start-up (importing the release's chunks, publishing the plugin snapshot) is timed apart. Node's CPU time
is not this process's, so the rates are per wall second; the report records the load average.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from simharness.bench.budget import FLOOR_SPECS, GOAL_SCENARIO, Budget, not_measured
from simharness.engine.runner import run_seed
from simharness.model.choice import derive_seed
from simharness.model.scenario import Scenario
from simharness.targets.bridge import Bridge
from simharness.targets.install import installed
from simharness.targets.node import NodeTarget


def floor_rows(scenarios: Sequence[Scenario], budget: Budget) -> dict[str, Any]:
    """harness vs bridge vs floor for each of `FLOOR_SPECS` that is installed (never installs anything)."""
    scenario = next((s for s in scenarios if s.name == GOAL_SCENARIO), scenarios[0])
    rows = [_row(spec, scenario, budget) for spec in FLOOR_SPECS]
    return {"measured": any(r.get("measured") for r in rows), "scenario": scenario.name, "rows": rows}


def _row(spec: str, scenario: Scenario, budget: Budget) -> dict[str, Any]:
    if installed(spec.split("@", 1)[1]) is None:
        return {**not_measured(f"{spec} is not installed (run: simharness target install {spec})"), "target": spec}
    seeds = [derive_seed(0, scenario.name, i) for i in range(budget.node_runs)]
    try:
        began = time.perf_counter()
        target = NodeTarget(spec, progress=False)
        startup = time.perf_counter() - began
    except Exception as exc:  # noqa: BLE001 — a broken install is a reason, not a crash of the benchmark
        return {**not_measured(f"{spec} could not be started: {type(exc).__name__}: {exc}"), "target": spec}
    try:
        for seed in seeds[:10]:  # warm up (V8's JIT, openclaw's lazy imports) outside the timing
            run_seed(scenario, target, seed)
        recorded: list[dict[str, Any]] = []
        target.recording = recorded
        began, cpu_began, node_began = time.perf_counter(), time.process_time(), node_cpu(target)
        for seed in seeds:
            run_seed(scenario, target, seed)
        harness = time.perf_counter() - began
        harness_cpu = time.process_time() - cpu_began + node_cpu(target) - node_began
        target.recording = None
        bridge, bridge_python, bridge_node = replay(target, recorded)
        bridge_cpu = bridge_python + bridge_node
        ping = {gap: round_trip(target, max(budget.node_runs * 2, 50), gap) for gap in IDLE_GAPS_US}
        floor = pure_node(target, recorded, budget.seconds)
    except Exception as exc:  # noqa: BLE001
        return {**not_measured(f"{spec} failed during the benchmark: {type(exc).__name__}: {exc}"), "target": spec}
    finally:
        target.close()
    calls = len(recorded)
    out: dict[str, Any] = {
        "measured": True,
        "target": spec,
        "node": target.node.version,
        "startup_seconds": startup,
        "runs": len(seeds),
        "calls": calls,
        "attempts": sum(len(c["results"]) for c in recorded),  # runs the driver made
        "harness_calls_per_s": calls / harness,
        "harness_cpu_calls_per_s": calls / max(harness_cpu, 1e-9),
        "bridge_calls_per_s": calls / bridge,
        "bridge_cpu_calls_per_s": calls / max(bridge_cpu, 1e-9),
        "floor_calls_per_s": floor["calls"] / floor["seconds"],
        "floor_cpu_calls_per_s": floor["calls"] / max(floor["cpuSeconds"], 1e-9),
        "floor_mismatched": floor["mismatched"],
        # where a bridged call's time goes, in µs per call (no world): each process's CPU, the wall time, openclaw's
        # own work (the floor's CPU per call); the round trips a call makes and one empty message's
        "us_per_call": {
            "floor": 1e6 * floor["cpuSeconds"] / max(floor["calls"], 1),
            "bridge_python": 1e6 * bridge_python / calls,
            "bridge_node": 1e6 * bridge_node / calls,
            "bridge_wall": 1e6 * bridge / calls,
        },
        "round_trips_per_call": 1 + sum(len(c["results"]) for c in recorded) / calls,  # start, then one per attempt
        "round_trip_us": ping[0],
        "round_trip_after_idle_us": {str(gap): us for gap, us in ping.items()},
    }
    for kind in ("harness", "bridge"):
        out[f"{kind}_vs_floor"] = out[f"{kind}_calls_per_s"] / out["floor_calls_per_s"]
        out[f"{kind}_cpu_vs_floor"] = out[f"{kind}_cpu_calls_per_s"] / out["floor_cpu_calls_per_s"]
    return out


def node_cpu(target: NodeTarget) -> float:
    """CPU seconds (user + system) the target's Node process has used so far (Linux's /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{target.bridge()._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: How long Node sits idle before each empty round trip (µs): a process woken after a longer sleep costs more.
IDLE_GAPS_US = (0, 100, 1000)


def round_trip(target: NodeTarget, n: int, idle_us: int = 0) -> float:
    """µs of wall time for one empty message to Node and its answer (`ping`/`pong`): the process boundary's own
    price, paid by every message a driver call exchanges; with `idle_us`, after Node has waited that long (this
    process spins meanwhile), as it waits while the world or openclaw works between a call's messages."""
    bridge = target.bridge()
    for _ in range(max(n // 10, 10)):  # warm up
        bridge.ping()
    total = 0.0
    for _ in range(n):
        until = time.perf_counter() + idle_us / 1e6
        while time.perf_counter() < until:
            pass
        began = time.perf_counter()
        bridge.ping()
        total += time.perf_counter() - began
    return 1e6 * total / n


def replay(target: NodeTarget, recorded: list[dict[str, Any]], rounds: int = 1) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process, CPU seconds of Node) of the recorded calls through the Python
    driver and the bridge, with no world."""
    env = SimpleNamespace(now=0)
    ctx = SimpleNamespace(env=env, session="bench", call_id=0, break_lock=lambda: None)
    began, cpu_began, node_began = time.perf_counter(), time.process_time(), node_cpu(target)
    for _ in range(rounds):
        for c in recorded:
            outcomes = iter(c["results"])
            env.now = c["now"]

            def run(provider: str, model: str, outcomes: Any = outcomes) -> Generator[Any, Any, Any]:
                reply, value = next(outcomes)
                env.now = reply["now"]
                if not reply["ok"]:
                    raise value
                return value
                yield  # a generator, as the world's `run` is; it answers at once

            call = target.driver(ctx, [tuple(x) for x in c["chain"]], run, lambda attempt: None)
            try:
                next(call)
            except StopIteration:
                pass
            except Exception:  # noqa: BLE001, S110 — the driver threw: an outcome like any other
                pass
    wall = time.perf_counter() - began
    return wall / rounds, (time.process_time() - cpu_began) / rounds, (node_cpu(target) - node_began) / rounds


def pure_node(target: NodeTarget, recorded: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The floor: `bridge.mjs` in `floor` mode replays `recorded` inside Node for `seconds` (after one warm-up pass)."""
    calls = [
        {
            "chain": c["chain"],
            "now": c["now"],
            "results": [{k: v for k, v in reply.items() if k not in ("t", "call")} for reply, _ in c["results"]],
        }
        for c in recorded
    ]
    with tempfile.TemporaryDirectory(prefix="simharness-floor-") as tmp:
        path = Path(tmp) / "calls.json"
        path.write_text(json.dumps(calls), encoding="utf-8")
        bridge = Bridge(
            target.spec,
            target.located,
            target.node,
            timeout=max(60.0, seconds * 10),
            extra={"floor": {"calls": str(path), "seconds": seconds}},
        )
        try:
            msg = bridge.next_for(0)
        finally:
            bridge.close()
    if msg.get("t") != "floor":
        raise RuntimeError(f"expected the floor's result, got {Bridge.short(msg)}")
    return msg
