"""The hypothesis strategy's example database keeps each (scenario, target, shard) apart.

Hypothesis keys saved examples by the test function, and the strategy's test function is the same for every
scenario and target: without a key of its own per exploration, a failure saved for one scenario would be
replayed first when exploring another.
"""

from __future__ import annotations

from pathlib import Path

from simharness.engine.runner import RunResult
from simharness.explore import resolve_strategy
from simharness.model.scenario import Scenario, load_scenario
from simharness.targets import Target, resolve_target

ROOT = Path(__file__).resolve().parent.parent
STORM = load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml")
MIXED = load_scenario(ROOT / "scenarios" / "mixed-faults.toml")
MISCOUNT = resolve_target("mutant:summary-miscount")
REFERENCE = resolve_target("reference")


def _explore(db: Path, scenario: Scenario, target: Target, *, seed: int, budget: int = 30) -> list[RunResult]:
    runs: list[RunResult] = []
    resolve_strategy("hypothesis", database=db).explore(
        scenario, target, seed=seed, budget=budget, shard=(1, 1), visit=lambda r: bool(runs.append(r) or not r.ok)
    )
    return runs


def _keys(db: Path) -> set[str]:
    return {p.name for p in db.iterdir()} if db.exists() else set()


def test_a_failure_saved_for_one_scenario_is_not_replayed_for_another(tmp_path: Path) -> None:
    clean = _explore(tmp_path / "clean", MIXED, REFERENCE, seed=5)

    shared = tmp_path / "shared"
    storm = _explore(shared, STORM, MISCOUNT, seed=3, budget=200)
    assert not storm[-1].ok and _keys(shared)  # the storm's failure is saved
    after = _explore(shared, MIXED, REFERENCE, seed=5)
    assert [r.trace_sha256 for r in after] == [r.trace_sha256 for r in clean]  # as if the database were empty


def test_each_scenario_target_and_shard_has_its_own_key(tmp_path: Path) -> None:
    db = tmp_path / "db"
    _explore(db, STORM, MISCOUNT, seed=3, budget=200)
    first = _keys(db)
    assert len(first) == 1
    _explore(db, STORM, MISCOUNT, seed=4, budget=200)  # the same exploration again: the same key
    assert _keys(db) == first
    _explore(db, STORM, resolve_target("mutant:canned-reply"), seed=3, budget=200)  # another target: another key
    assert len(_keys(db)) == 2 and first < _keys(db)


def test_the_saved_failure_is_replayed_first_for_its_own_scenario(tmp_path: Path) -> None:
    db = tmp_path / "db"
    _explore(db, STORM, MISCOUNT, seed=3, budget=200)
    again = _explore(db, STORM, MISCOUNT, seed=99, budget=200)
    assert len(again) == 1 and not again[0].ok


def test_importing_the_strategies_keeps_a_users_own_profile() -> None:
    import subprocess
    import sys

    code = (
        "from hypothesis import settings\n"
        "settings.register_profile('ci', max_examples=7)\n"
        "import simharness.explore.hypothesis, simharness.strategies\n"
        "simharness.strategies.register_profiles()\n"
        "print(settings.get_profile('ci').max_examples, settings.get_profile('nightly').max_examples)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["7", "2000"]
