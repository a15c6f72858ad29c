"""Determinism audit: the same suite gives the same report under any PYTHONHASHSEED, any xdist worker count and
any shard split (timing and output paths aside), and `--check-determinism` catches a target that is not a
pure function of its choices — including a counterexample schedule that would not replay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.model import errors as E
from simharness.model.scenario import parse_scenario
from simharness.targets import PythonTarget

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SUITE = [str(SCENARIOS / "takeover-race.toml"), str(SCENARIOS / "mixed-faults.toml")]
ARGS = ["--target", "mutant:legacy", "--seed", "11", "--budget", "24", "--check-determinism"]


def _simharness(*args: str, hashseed: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    return subprocess.run(
        [sys.executable, "-m", "simharness", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def _normalized(out: Path) -> dict[str, Any]:
    """report.json minus what may differ between identical runs: durations and where the files went."""
    doc: dict[str, Any] = json.loads((out / "report.json").read_text().replace(out.as_posix(), "OUT"))
    doc.pop("timing", None)
    return doc


def _schedules(out: Path) -> dict[str, str]:
    """The schedule files the report hands out (byte for byte: the choices, the trace hash, the integrity)."""
    doc = json.loads((out / "report.json").read_text())
    return {i["id"]: (out / i["counterexample"]["schedule"]).read_text() for i in doc["invariants"] if i["counterexample"]}


def test_reports_are_identical_across_hash_seeds_and_shard_splits(tmp_path: Path) -> None:
    runs: dict[str, Path] = {}
    for hashseed in ("0", "98765"):
        out = tmp_path / f"whole-{hashseed}"
        done = _simharness("run", *SUITE, *ARGS, "--report-dir", str(out), hashseed=hashseed, cwd=tmp_path)
        assert done.returncode == 1, done.stderr  # the legacy driver violates: counterexamples and schedules are compared too
        runs[f"whole, PYTHONHASHSEED={hashseed}"] = out
    shards = []
    for i, hashseed in zip((1, 2, 3), ("1", "2", "31337"), strict=True):  # every shard under another hash seed
        out = tmp_path / f"shard{i}"
        done = _simharness("run", *SUITE, *ARGS, "--shard", f"{i}/3", "--report-dir", str(out), hashseed=hashseed, cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
        shards.append(str(out))
    merged = tmp_path / "merged"
    done = _simharness("report", "merge", *shards, "--out", str(merged), hashseed="7", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    runs["3 shards merged, 4 hash seeds"] = merged

    docs = {label: _normalized(out) for label, out in runs.items()}
    first_label, first = next(iter(docs.items()))
    assert first["runs"] == 48 and not first["ok"] and first["complete"]
    for label, doc in docs.items():
        assert doc == first, f"{label} differs from {first_label}"
        assert _schedules(runs[label]) == _schedules(runs[first_label]), label


def _project(tmp: Path) -> Path:
    project = tmp / "project"
    (project / "scenarios").mkdir(parents=True)
    for path in SUITE:
        (project / "scenarios" / Path(path).name).write_text(Path(path).read_text())
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return project


def test_plugin_reports_are_identical_across_worker_counts_and_hash_seeds(tmp_path: Path) -> None:
    project = _project(tmp_path)
    docs = {}
    for workers, hashseed in (("0", "0"), ("3", "4242")):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        cmd = [sys.executable, "-m", "pytest", "scenarios", "-q", "-n", workers, "--sim-scenarios=scenarios", "--sim-target=mutant:legacy"]
        cmd += ["--sim-seed=5", "--sim-budget=20", f"--sim-report-dir=r{workers}"]
        done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # legacy fails takeover-race
        docs[workers] = _normalized(project / f"r{workers}")
        for inv in docs[workers]["invariants"]:
            if inv["counterexample"]:
                inv["counterexample"]["replay"] = inv["counterexample"]["replay"].replace(f"r{workers}/", "OUT/")
    assert docs["0"] == docs["3"]
    assert any(i["counterexample"] for i in docs["0"]["invariants"])


# --- --check-determinism catches what it should ------------------------------------------------------------

CALLS = [0]


def _drifting(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    """Decides from hidden state that outlives a run (a module-level counter): not a function of its choices."""
    CALLS[0] += 1
    for i, (provider, model) in enumerate(candidates):
        try:
            return (yield from run(provider, model))
        except E.JSError as err:
            if CALLS[0] % 3 == 0:
                raise  # every third call gives up early: summary and advance invariants notice
            on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)})
    raise E.JSError("All models failed")


def test_check_determinism_replays_every_run_and_every_counterexample_schedule() -> None:
    scenario = parse_scenario(
        {"name": "drift", "world": {"chain": ["a/x", "b/y"]}, "providers": {"*": {"faults": {"rate_limit": 0.7}, "latency_ms": [10, 20]}}}
    )
    target = PythonTarget("py:drift", _drifting)
    default = run_suite([scenario], target, seed=1, budget=30)
    audited = run_suite([scenario], target, seed=1, budget=30, check_determinism=True, shrink=shrink)
    assert default.invariants["deterministic"].checked == 1  # by default only each scenario's first run
    assert audited.invariants["deterministic"].checked == 30  # --check-determinism: every run
    assert audited.invariants["deterministic"].violated > default.invariants["deterministic"].violated
    ce = audited.invariants["deterministic"].counterexample
    assert ce is not None
    messages = [v.message for v in ce.verdicts.violations if v.invariant == "deterministic"]
    assert any("gave a different trace" in m or "does not replay" in m for m in messages)
