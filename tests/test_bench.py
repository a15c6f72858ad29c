"""`simharness bench`: the command runs and writes well-formed output. No timing is asserted here: numbers
belong in benchmarks, and a loaded CI machine must not fail a test."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import simpy
from conftest import require_release

from simharness.bench.baselines import Shape, bare_process, floor_model
from simharness.bench.budget import GROWTH_CHAINS, GROWTH_SESSIONS, QUICK
from simharness.bench.floor import floor_rows
from simharness.bench.node import measure_throughput
from simharness.bench.processes import memory
from simharness.bench.race import race_once
from simharness.bench.throughput import PHASES, race_row
from simharness.cli import main
from simharness.engine.runner import run_seed
from simharness.explore.base import Exploration, walk_seeds
from simharness.model.choice import derive_seed, splitmix64
from simharness.model.scenario import load_scenario
from simharness.model.trace import Event, Trace
from simharness.targets import resolve_target


def test_bench_quick_writes_json_markdown_and_svg(
    tmp_path: Path, scenarios_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("SIMHARNESS_CACHE", str(tmp_path / "empty-cache"))  # no Node target installed: no Node figure
    out = tmp_path / "reports"
    assert main(["bench", "--quick", "--out", str(out), "--scenarios", str(scenarios_dir)]) == 0
    printed = capsys.readouterr().out
    assert "Throughput" in printed and "Goals" in printed

    doc = json.loads((out / "bench.json").read_text())
    assert doc["kind"] == "bench" and doc["quick"] is True and doc["target"] == "reference"
    assert {r["scenario"] for r in doc["scenarios"]} >= {"takeover-race", "mixed-faults"}
    for row in doc["scenarios"]:
        assert row["runs"] >= 1 and row["runs_per_s"] > 0 and row["sim_events_per_run"] > 0
        assert row["floor"]["events_per_s"] > 0 and row["overhead"] > 0 and row["virtual_to_wall"] > 0
    assert doc["race"]["measured"] and doc["race"]["share"] > 0  # reference vs the hand-written simpy race
    assert list(doc["race"]["phases_us"]) == list(PHASES) and all(us > 0 for us in doc["race"]["phases_us"].values())
    assert doc["floor"]["rows"] and all(not r["measured"] and "not installed" in r["reason"] for r in doc["floor"]["rows"])
    for section in ("node", "kills", "xdist", "memory", "growth"):
        assert isinstance(doc[section]["measured"], bool), section
        if not doc[section]["measured"]:
            assert doc[section]["reason"], section
    assert doc["node"] == {"measured": False, "reason": doc["node"]["reason"]}  # never a made-up number
    assert "not installed" in doc["node"]["reason"] or "not available" in doc["node"]["reason"]
    assert len(doc["growth"]["cells"]) == len(GROWTH_SESSIONS) * len(GROWTH_CHAINS)
    if doc["memory"]["measured"]:
        assert [r["runs"] for r in doc["memory"]["rows"]] == [QUICK.memory_runs, 10 * QUICK.memory_runs]
    assert {g["goal"].split(":")[0] for g in doc["goals"]} >= {"takeover-race"}

    md = (out / "bench.md").read_text()
    for heading in (
        "## Throughput",
        "## Reference target vs the same race",
        "## Node bridge",
        "## Cost growth",
        "## Goals",
        "not measured: ",
    ):
        assert heading in md
    assert "(bench.svg)" in md

    svg = ET.fromstring((out / "bench.svg").read_text())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(svg.findall("{http://www.w3.org/2000/svg}polyline")) == 2 * len(GROWTH_CHAINS)
    assert not list(out.glob(".*.tmp"))  # written atomically: no temp files left behind


def test_the_floor_model_has_exactly_the_measured_number_of_simpy_events() -> None:
    shape = Shape(runs=1, processes=3, sim_events=17.4, trace_events=0, virtual_ms=0)
    events, per = floor_model(shape)
    assert events == 17 and len(per) == 3

    class Counting(simpy.Environment):
        steps = 0

        def step(self) -> None:
            super().step()
            self.steps += 1

    env = Counting()
    for i, timeouts in enumerate(per):
        env.process(bare_process(env, timeouts, 100 + i))
    env.run()
    assert env.steps == events


def test_bench_rejects_a_missing_scenario_directory(tmp_path: Path, capsys: Any) -> None:
    assert main(["bench", "--quick", "--scenarios", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such directory" in err


def test_the_memory_probe_runs_the_suite_in_a_fresh_process(scenarios_dir: Path) -> None:
    scenario = load_scenario(scenarios_dir / "takeover-race.toml")
    doc = memory(scenario, dataclasses.replace(QUICK, memory_runs=4), "reference")
    assert doc["measured"] is True, doc.get("reason")
    assert [r["runs"] for r in doc["rows"]] == [4, 40]
    for row in doc["rows"]:
        assert row["peak_rss_mb"] >= row["rss_after_import_mb"] > 0 and row["live_objects"] > 0


def test_the_memory_probe_failing_is_a_reason_not_a_number(scenarios_dir: Path) -> None:
    doc = memory(load_scenario(scenarios_dir / "takeover-race.toml"), QUICK, "mutant:no-such-mutant")
    assert doc["measured"] is False and "unknown mutant" in doc["reason"]


def test_measure_throughput_compares_a_spec_with_the_reference_on_the_same_seeds(scenarios_dir: Path) -> None:
    out = measure_throughput("mutant:legacy", str(scenarios_dir / "takeover-race.toml"), runs=3)
    assert out["scenario"] == "takeover-race" and out["runs"] == 3
    assert out["reference"]["spec"] == "reference" and out["target"]["spec"] == "mutant:legacy"
    for row in (out["reference"], out["target"]):
        assert row["runs_per_second"] > 0 and row["driver_calls_per_second"] > 0


def test_the_hand_written_race_is_deterministic_and_races(scenarios_dir: Path) -> None:
    outcomes = [tuple(race_once(seed)) for seed in range(300)]
    assert outcomes == [tuple(race_once(seed)) for seed in range(300)]  # random.Random(seed): replayable
    seen = {o for run in outcomes for o in run}
    assert {"takeover", "reply"} <= seen  # the race is actually run: the window is hit, and missed
    row = race_row(load_scenario(scenarios_dir / "takeover-race.toml"), resolve_target("reference"), QUICK)
    assert row["measured"] and len(row["shares"]) == 5 and row["reference_runs_per_s"] > 0 and row["race_runs_per_s"] > 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"call": 1, "chain": ["a/b", "c/d"], "z": None, "a": True},
        {"message": 'é \u2028 " \\ \x00 \U0001f600', "n": -0.0, "f": 1e100, "nested": {"b": [1, 2.5, {"y": 0, "x": 1}]}},
        {"inf": float("inf"), "nan": float("nan"), "big": 2**80},
    ],
)
def test_the_trace_hash_is_the_canonical_json_one(data: dict[str, Any]) -> None:
    def canonical_sha(events: list[Event]) -> str:  # what the hash has always been: json.dumps per event line
        digest = hashlib.sha256()
        for e in events:
            digest.update(f"{e.t} {e.actor} {e.kind} {json.dumps(e.data, sort_keys=True, separators=(',', ':'))}\n".encode())
        return digest.hexdigest()

    trace = Trace()
    trace.add(0, "session-1", "call.start", **data)
    assert trace.sha256() == canonical_sha(trace.events)
    assert trace.events[0].line() == f"0 session-1 call.start {json.dumps(data, sort_keys=True, separators=(',', ':'))}"
    trace.add(5, "lock:s.jsonl", "lock.acquire", owner="session-2")  # a trace only grows: the cached hash follows
    assert trace.sha256() == canonical_sha(trace.events)


def test_derive_seed_caches_the_prefix_without_changing_a_value() -> None:
    def reference(*parts: int | str) -> int:  # the definition: one SplitMix64 step per byte of every part
        acc = 0x5EED
        for part in parts:
            for byte in part.encode() if isinstance(part, str) else part.to_bytes(16, "little", signed=True):
                acc = splitmix64(acc ^ byte)
        return acc & ((1 << 63) - 1)

    cases: list[tuple[int | str, ...]] = [(), (0,), ("takeover-race",), (-1, "é", 2**100), (7, 8, "x", -5, "")]
    cases += [(master, name, i) for master in (0, 1, -3) for name in ("takeover-race", "mixed-faults") for i in range(200)]
    for parts in cases:
        assert derive_seed(*parts) == reference(*parts), parts


def test_random_does_not_hash_every_trace_but_pct_still_counts_distinct_ones(scenarios_dir: Path) -> None:
    scenario, target = load_scenario(scenarios_dir / "takeover-race.toml"), resolve_target("reference")
    counted = walk_seeds(Exploration("x"), range(20), lambda s: run_seed(scenario, target, s), lambda r: False)
    skipped = walk_seeds(Exploration("x"), range(20), lambda s: run_seed(scenario, target, s), lambda r: False, count_distinct=False)
    assert 1 < counted.distinct <= 20 and skipped.distinct is None and counted.runs == skipped.runs == 20


def test_the_pure_node_floor_replays_the_harness_calls_exactly(scenarios_dir: Path) -> None:
    require_release("2026.5.20")
    scenario = load_scenario(scenarios_dir / "mixed-faults.toml")  # errors of every shape reach the driver
    doc = floor_rows([scenario], dataclasses.replace(QUICK, node_runs=12, seconds=0.05))
    row = next(r for r in doc["rows"] if r["target"] == "openclaw@2026.5.20")
    assert row["measured"], row.get("reason")
    # the driver made, in the floor, exactly the runs it made in the harness (same outcomes, same decisions)
    assert row["floor_mismatched"] == 0 and row["calls"] >= 12 and row["attempts"] > row["calls"]
    for key in ("floor_calls_per_s", "bridge_calls_per_s", "harness_calls_per_s", "startup_seconds", "round_trip_us"):
        assert row[key] > 0, key
    # where a call's time goes: each part measured, and a call makes the start's round trip plus one per attempt
    assert all(v > 0 for v in row["us_per_call"].values()) and row["round_trips_per_call"] == 1 + row["attempts"] / row["calls"]


def test_the_benchs_time_to_kill_kills_by_the_kill_matrixs_rule(scenarios_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench used its own kill loop, without the replay: it called module-global-throttle (a driver that
    decides outside the choice source) a survivor under every strategy while `simharness mutants` kills it by
    `deterministic` in one run. It now times `explore.killmatrix.kill` itself (unshrunk)."""
    import simharness.drivers.mutants as M
    import simharness.explore as X
    from simharness.bench.time_to_kill import kills

    monkeypatch.setattr(M, "MUTANTS", {"module-global-throttle": M.MUTANTS["module-global-throttle"]})
    monkeypatch.setattr(X, "STRATEGIES", ("random",))
    scenarios = [load_scenario(p) for p in sorted(scenarios_dir.glob("*.toml"))]
    (row,) = kills(scenarios, dataclasses.replace(QUICK, kill_seeds=1, kill_budget=20), lambda _: None)["rows"]
    assert row["killed"] == 1 and row["runs_to_kill"] == 1, row
