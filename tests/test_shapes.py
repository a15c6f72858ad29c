"""A report names every departure, not only the first: each violated coordination or explicit-metadata
invariant lists the error shapes that broke it, with how many runs each — the same list whether the run
was sharded or not."""

from __future__ import annotations

import json
from pathlib import Path

from simharness.cli import main as cli

ROOT = Path(__file__).parents[1]
PORT_5_20 = f"py:{ROOT / 'simharness' / 'drivers' / 'openclaw_2026_5_20.py'}:run_with_model_fallback"
SCENARIOS = [str(ROOT / "scenarios" / f"{name}.toml") for name in ("abort-wrapped-takeover", "nested-coordination", "runtime-coordination")]


def _shapes(report_dir: Path) -> dict[str, dict[str, int]]:
    doc = json.loads((report_dir / "report.json").read_text())
    return {i["id"]: {x["shape"]: x["runs"] for x in i.get("shapes") or []} for i in doc["invariants"]}


def test_every_departure_of_the_5_20_port_is_named_with_its_runs(tmp_path: Path) -> None:
    assert cli(["run", *SCENARIOS, "--target", PORT_5_20, "--budget", "80", "--report-dir", str(tmp_path / "r")]) == 1
    shapes = _shapes(tmp_path / "r")["coordination-single-run"]
    kinds = " ".join(shapes)
    # the port's three departures, each a class of its own (the hand probes confirm them on the real 2026.5.20)
    assert "AbortError --reason--> EmbeddedAttemptSessionTakeoverError [abort > takeover]" in shapes
    assert "[gateway_draining]" in kinds  # defined by 5.x, never recognized
    assert any(s.startswith(("AggregateError", "SuppressedError")) for s in shapes)  # errors[] / suppressed not walked
    # the port declares 5.x's profile: kinds 5.x cannot throw are n/a, never a departure and never "held"
    assert "[active_turn_claim]" not in kinds
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    assert next(i for i in doc["invariants"] if i["id"] == "coordination-single-run")["not_applicable"] > 0
    summary = (tmp_path / "r" / "summary.md").read_text()
    assert "error shapes (runs)" in summary and "AbortError --reason--&gt; EmbeddedAttemptSessionTakeoverError" in summary


def test_sharded_runs_merge_to_the_same_shapes(tmp_path: Path) -> None:
    args = ["run", *SCENARIOS, "--target", PORT_5_20, "--budget", "30", "--seed", "5"]
    assert cli([*args, "--report-dir", str(tmp_path / "whole")]) == 1
    for i in (1, 2):
        cli([*args, "--shard", f"{i}/2", "--report-dir", str(tmp_path / f"s{i}")])
    assert cli(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "merged")]) == 1
    assert _shapes(tmp_path / "merged") == _shapes(tmp_path / "whole") != {}


def test_the_reference_has_no_departures(tmp_path: Path) -> None:
    assert cli(["run", *SCENARIOS, "--budget", "80", "--report-dir", str(tmp_path / "r")]) == 0
    assert all(not shapes for shapes in _shapes(tmp_path / "r").values())
