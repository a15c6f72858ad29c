"""Each (mutant, strategy) entry of the kill matrix stands alone: it starts from a freshly loaded driver module, so
its result is the same whatever ran before it in the process (whatever `-j`, whatever subset); and an interrupted
`simharness mutants` keeps the entries finished so far, in a matrix marked incomplete."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main as cli
from simharness.drivers.mutants import MUTANTS
from simharness.explore.killmatrix import matrix_markdown, run_matrix
from simharness.explore.stopping import GracefulStop
from simharness.model.exceptions import TargetError
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target
from simharness.targets.python import fresh_module

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
STATEFUL = "module-global-throttle"  # keeps its probe throttle in a module global


#: Run in a new process: the given entries of the stateful mutant in order, each cell (wall seconds aside) and schedule.
ENTRIES = """
import json, sys
from pathlib import Path
from simharness.explore.killmatrix import kill
from simharness.model.scenario import collect_scenarios

scenarios = collect_scenarios([Path(sys.argv[1])])
out = {}
for strategy in sys.argv[3:]:
    cell = kill("module-global-throttle", strategy, scenarios, budget=10, out_dir=Path(sys.argv[2])).to_json()
    cell.pop("seconds_to_kill")
    out[strategy] = [cell, (Path(sys.argv[2]) / cell["schedule"]).read_text()]
print(json.dumps(out))
"""


def test_an_entry_of_a_stateful_mutant_is_the_same_whichever_entry_ran_before_it(tmp_path: Path) -> None:
    # each order in a process of its own: the first entry starts from a clean process, whatever this one ran before
    orders = (["random", "pct"], ["pct", "random"])
    procs = [
        subprocess.Popen([sys.executable, "-c", ENTRIES, str(SCENARIOS), str(tmp_path / str(i)), *order], stdout=subprocess.PIPE)
        for i, order in enumerate(orders)
    ]
    (one, _), (two, _) = (p.communicate(timeout=120) for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    first, second = json.loads(one), json.loads(two)
    assert first["pct"][0]["killed"] and first["random"][0]["killed"]
    assert first["pct"] == second["pct"]  # run second, then first
    assert first["random"] == second["random"]  # run first, then second


def test_every_mutant_target_has_its_own_fresh_driver_module() -> None:
    for name, mutant in MUTANTS.items():
        one, two = resolve_target(f"mutant:{name}"), resolve_target(f"mutant:{name}")
        assert one.driver.__qualname__ == mutant.driver.__qualname__, name
        globals_of = {id(getattr(d, "__globals__", None)) for d in (one.driver, two.driver, mutant.driver)}
        assert len(globals_of) == 3, f"{name}: its driver shares module state with another target"
        policy = getattr(mutant.driver, "SIMHARNESS_STORE_POLICY", None)
        assert type(one.store_policy).__name__ == type(policy).__name__, name


def test_a_fresh_load_keeps_the_import_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "clock_at_import.py").write_text("from time import monotonic\n\ndef drv(ctx, candidates, run, on_error):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("clock_at_import")  # a plain import has no check: the fresh load must make it
    with pytest.raises(TargetError, match=r"mutant:x: .*clock_at_import.py binds monotonic at import"):
        fresh_module("mutant:x", "clock_at_import")
    monkeypatch.delitem(sys.modules, "clock_at_import")


def _matrix(out: Path, jobs: str) -> tuple[int, dict[str, Any], dict[str, bytes]]:
    args = ["mutants", "--scenarios", str(SCENARIOS), "--budget", "10", "--out", str(out), "-j", jobs]
    args += [x for m in ("legacy", "no-throttle", STATEFUL) for x in ("--mutant", m)]
    code = cli([*args, "--strategy", "random", "--strategy", "pct"])
    doc = json.loads((out / "kill-matrix.json").read_text())
    for cell in doc["cells"]:
        cell.pop("seconds_to_kill")
    for totals in doc["totals"].values():
        totals.pop("seconds_total")
    return code, doc, {p.name: p.read_bytes() for p in sorted((out / "schedules").glob("*.json"))}


def test_two_workers_make_the_matrix_one_process_makes_with_a_stateful_mutant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # -j 1 runs the stateful mutant's pct entry right after its random one; -j 2 after another mutant's entry
    one, two = _matrix(tmp_path / "one", "1"), _matrix(tmp_path / "two", "2")
    assert two == one and one[0] == 0 and len(one[1]["cells"]) == 6


# --- interrupted ---------------------------------------------------------------------------------------------------


def test_a_stop_keeps_the_entries_finished_and_lists_the_others() -> None:
    stop = GracefulStop(quiet=True)

    def after_the_first(cell: Any) -> None:
        stop.requested = True  # as a Ctrl-C does

    scenarios = collect_scenarios([SCENARIOS / "takeover-race.toml"])
    matrix = run_matrix(
        scenarios, mutants=["legacy", "idle-burn"], strategies=["pct", "random"], budget=5, on_cell=after_the_first, stop=stop
    )
    assert [(c.mutant, c.strategy) for c in matrix.cells] == [("legacy", "pct")]
    assert matrix.missing == [("legacy", "random"), ("idle-burn", "pct"), ("idle-burn", "random")]
    doc = matrix.to_json()
    assert doc["complete"] is False and doc["ok"] is False and doc["survivors"] == []
    assert doc["missing"][0] == {"mutant": "legacy", "strategy": "random"}
    assert [m["name"] for m in doc["mutants"]] == ["legacy", "idle-burn"]
    md = matrix_markdown(doc)
    assert "**INCOMPLETE**" in md and "| `idle-burn` |  | *not run* | *not run* |" in md and "Every mutant was killed" not in md


def _interrupted(tmp_path: Path, jobs: str) -> tuple[int, dict[str, Any], str]:
    """`simharness mutants` with two quick kills and an entry that would run for hours, Ctrl-C'd after the kills."""
    scenarios, out, err = tmp_path / "scenarios", tmp_path / "out", tmp_path / "stderr"
    scenarios.mkdir(parents=True)
    for name in ("takeover-race", "rate-limit-storm"):  # no network failure: network-unclassified cannot die here
        (scenarios / f"{name}.toml").write_bytes((SCENARIOS / f"{name}.toml").read_bytes())
    cmd = [sys.executable, "-m", "simharness", "mutants", "--scenarios", str(scenarios), "--out", str(out), "-j", jobs]
    cmd += ["--budget", "1000000", "--strategy", "random"]
    cmd += [x for m in ("idle-burn", "summary-miscount", "network-unclassified") for x in ("--mutant", m)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err.open("wb"), cwd=tmp_path)
    deadline = time.monotonic() + 60
    while err.read_text().count("killed in") < 2:
        assert proc.poll() is None and time.monotonic() < deadline, err.read_text()
        time.sleep(0.05)
    time.sleep(0.3)  # the long entry is under way
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("simharness mutants did not stop after a Ctrl-C") from None
    doc = json.loads((out / "kill-matrix.json").read_text())
    assert not list(out.glob(".*.tmp")) and (out / "kill-matrix.md").read_text() == matrix_markdown(doc)
    for cell in doc["cells"]:
        assert (out / cell["schedule"]).is_file()  # nothing already written is lost
        cell.pop("seconds_to_kill")
    for totals in doc["totals"].values():
        totals.pop("seconds_total")
    return code, doc, err.read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_writes_the_entries_finished_so_far_marked_incomplete_the_same_whatever_jobs(tmp_path: Path) -> None:
    said = []
    docs = []
    for jobs in ("1", "2"):
        code, doc, stderr = _interrupted(tmp_path / f"j{jobs}", jobs)
        assert code == 130 and "Traceback" not in stderr, stderr
        assert doc["complete"] is False and doc["missing"] == [{"mutant": "network-unclassified", "strategy": "random"}]
        assert [(c["mutant"], c["killed"]) for c in doc["cells"]] == [("idle-burn", True), ("summary-miscount", True)]
        said.append(stderr.strip().splitlines()[-1])
        docs.append(doc)
    assert docs[0] == docs[1]
    assert (
        said[0]
        == said[1]
        == (
            "simharness: interrupted: the kill matrix holds the entries finished so far (2 of 3) and is marked incomplete; "
            "kill-matrix.json lists the missing ones"
        )
    )
