"""The mutant kill matrix: pct and hypothesis kill every shipped mutant within the default budget, the matrix
is written (JSON + markdown) with a replayable shrunk counterexample per kill, and survivors fail the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simharness.cli import main as cli
from simharness.drivers.mutants import MUTANTS
from simharness.engine.runner import replay
from simharness.engine.schedule import load_schedule
from simharness.explore.killmatrix import DEFAULT_BUDGET, kill, matrix_markdown, run_matrix, scenario_order
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = collect_scenarios([ROOT / "scenarios"])


@pytest.mark.parametrize("strategy", ["pct", "hypothesis"])
def test_every_mutant_dies_within_the_default_budget(strategy: str, tmp_path: Path) -> None:
    matrix = run_matrix(SCENARIOS, strategies=[strategy], budget=DEFAULT_BUDGET, out_dir=tmp_path)
    survivors = [c.mutant for c in matrix.cells if not c.killed]
    assert not survivors, f"{strategy} let these mutants survive {DEFAULT_BUDGET} runs per scenario: {survivors}"
    assert [c.mutant for c in matrix.cells] == list(MUTANTS)
    for cell in matrix.cells:
        assert cell.shrunk_size is not None and cell.original_size is not None
        assert cell.shrunk_size <= cell.original_size
        assert cell.schedule is not None and (tmp_path / cell.schedule).is_file()


def test_a_kill_replays_from_its_schedule(tmp_path: Path) -> None:
    cell = kill("lock-without-fencing", "pct", SCENARIOS, out_dir=tmp_path)
    assert cell.killed and "lock-exclusive" in cell.violated and cell.scenario == "lock-contention"
    assert cell.schedule is not None
    schedule = load_schedule(tmp_path / cell.schedule)
    result = replay(schedule.scenario, resolve_target("mutant:lock-without-fencing"), schedule.values, schedule.seed)
    assert result.trace_sha256 == schedule.trace_sha256
    assert any(v.invariant == "lock-exclusive" for v in result.verdicts.violations)
    assert replay(schedule.scenario, resolve_target("reference"), schedule.values, schedule.seed).ok  # the mutation is the cause


def test_the_mutants_own_scenario_is_tried_first() -> None:
    order = [s.name for s in scenario_order("rate-limit-storm", SCENARIOS)]
    assert order[0] == "rate-limit-storm" and sorted(order[1:]) == order[1:]
    assert [s.name for s in scenario_order(None, SCENARIOS)] == sorted(s.name for s in SCENARIOS)


def test_the_command_writes_the_matrix_and_exits_0_when_every_mutant_dies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["mutants", "--strategy", "pct", "--strategy", "random", "--mutant", "legacy", "--mutant", "idle-burn"]
    assert cli([*argv, "--scenarios", str(ROOT / "scenarios"), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "| `legacy` | coordination-single-run |" in printed
    doc = json.loads((tmp_path / "kill-matrix.json").read_text())
    assert doc["strategies"] == ["pct", "random"] and doc["survivors"] == [] and doc["ok"] is True
    assert {(c["mutant"], c["strategy"]) for c in doc["cells"]} == {(m, s) for m in ("legacy", "idle-burn") for s in ("pct", "random")}
    assert all(c["killed"] and c["runs_to_kill"] >= 1 and c["size"]["shrunk"] <= c["size"]["original"] for c in doc["cells"])
    assert (tmp_path / "kill-matrix.md").read_text() == matrix_markdown(doc)


def test_a_survivor_fails_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # two deviations from the simplest schedule, 3 runs per scenario: far too little to reach a 25-deep wrapper
    argv = ["mutants", "--strategy", "exhaustive", "--mutant", "depth-off-by-one", "--budget", "3"]
    assert cli([*argv, "--scenarios", str(ROOT / "scenarios"), "--out", str(tmp_path)]) == 1
    assert "survived every strategy: depth-off-by-one" in capsys.readouterr().err
    doc = json.loads((tmp_path / "kill-matrix.json").read_text())
    assert doc["survivors"] == ["depth-off-by-one"] and doc["cells"][0]["killed"] is False


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["mutants", "--mutant", "nope", "--out", str(tmp_path)]) == 2
    assert "nope: unknown mutant" in capsys.readouterr().err
    assert cli(["mutants", "--scenarios", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "kill-matrix.json").exists()
