"""`simharness bench`: the command runs and writes well-formed output. No timing is asserted here: numbers
belong in benchmarks, and a loaded CI machine must not fail a test."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import simpy

from simharness.bench.baselines import Shape, bare_process, floor_model
from simharness.bench.budget import GROWTH_CHAINS, GROWTH_SESSIONS, QUICK
from simharness.bench.node import measure_throughput
from simharness.bench.processes import memory
from simharness.cli import main
from simharness.model.scenario import load_scenario


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
    for heading in ("## Throughput", "## Node bridge", "## Cost growth", "## Goals", "not measured: "):
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
