"""`--jobs N`: N worker processes give the report one process gives, and keep the run command's guarantees.

Equality is checked on report.json (timing and the report directory's own path aside), the counterexample
schedule files byte for byte, stdout and the exit code. The guarantees (Ctrl-C, SIGTERM, a worker killed, a
driver that cannot be stopped, a driver that exits or stalls in a worker, bad input before any worker starts)
are checked on the process's exit and report, never on durations: the subprocess waits have generous
deadlines that only a hang would reach.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import require_release

from simharness.cli import main as cli
from simharness.explore.parallel import Workers, shard_of

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TWO = [str(SCENARIOS / "takeover-race.toml"), str(SCENARIOS / "rate-limit-nested-lock.toml")]


def _normalized(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "report.json").read_text().replace(out.as_posix(), "OUT"))
    doc.pop("timing")
    return doc


def _schedules(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "schedules").glob("*.json"))}


def _same_with_jobs(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str], jobs: str = "2") -> dict[str, Any]:
    """Run `args` with -j 1 and with -j `jobs`; assert the same exit code, report, schedules and stdout."""
    one, many = tmp_path / "one", tmp_path / "many"
    code_one = cli(["run", *args, "--report-dir", str(one)])
    said_one = capsys.readouterr().out.replace(one.as_posix(), "OUT")
    code_many = cli(["run", *args, "--report-dir", str(many), "-j", jobs])
    said_many = capsys.readouterr().out.replace(many.as_posix(), "OUT")
    assert code_many == code_one
    doc = _normalized(one)
    assert _normalized(many) == doc
    assert _schedules(many) == _schedules(one)
    strip = lambda text: [line for line in text.splitlines() if " runs in " not in line]
    assert strip(said_many) == strip(said_one)
    return doc


@pytest.mark.parametrize("strategy", ["random", "pct", "exhaustive", "hypothesis"])
def test_two_workers_write_the_report_one_process_writes(strategy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    depth = ["--depth", "1"] if strategy == "exhaustive" else []
    doc = _same_with_jobs(tmp_path, [*TWO, "--budget", "24", "--seed", "5", "--strategy", strategy, *depth], capsys)
    assert (
        doc["runs"] == (20 if strategy == "exhaustive" else 48) and doc["complete"] and doc["shard"] == "1/1"
    )  # depth 1: 10 schedules each


@pytest.mark.parametrize("strategy", ["random", "hypothesis"])
def test_a_failing_driver_gives_the_same_counterexamples_and_exit_code(
    strategy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*TWO, str(SCENARIOS / "rate-limit-storm.toml"), "--budget", "30", "--target", "mutant:legacy", "--check-determinism"]
    args += ["--strategy", strategy]
    doc = _same_with_jobs(tmp_path, args, capsys, jobs="3")
    found = [i for i in doc["invariants"] if i["counterexample"]]
    assert found and not doc["ok"]  # the counterexamples are the earliest runs', shrunk the same way, byte for byte
    assert all((tmp_path / "many" / i["counterexample"]["schedule"]).is_file() for i in found)


def test_exhaustive_completeness_and_distinct_traces_are_counted_as_one_process_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = tmp_path / "tiny.toml"
    tiny.write_text(
        'name = "tiny"\n[world]\nchain = ["openai/gpt-a"]\n[providers."*"]\nlatency_ms = [100, 200]\nfaults = { rate_limit = 0.5 }\n'
    )
    # the whole space within the bound, and beyond: complete (no shard alone can tell), distinct traces exact
    doc = _same_with_jobs(tmp_path, [str(tiny), "--strategy", "exhaustive", "--depth", "3", "--budget", "200"], capsys)
    ex = doc["scenarios"][0]["exploration"]
    assert ex["exhausted"] is True and ex["complete"] is True and ex["distinct_traces"] < ex["runs"] * 2


def test_jobs_split_a_shard_as_shards_split_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert shard_of((1, 1), 2, 2) == (2, 2) and shard_of((2, 3), 2, 2) == (5, 6)
    doc = _same_with_jobs(tmp_path, [*TWO, "--budget", "20", "--shard", "2/3", "--target", "mutant:legacy"], capsys)
    assert doc["shard"] == "2/3" and doc["runs"] == 2 * len(range(1, 20, 3))


def test_a_real_release_gives_the_same_report_with_two_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:

    require_release("2026.5.20")
    args = [str(SCENARIOS / "takeover-race.toml"), "--budget", "40", "--target", "openclaw@2026.5.20"]
    doc = _same_with_jobs(tmp_path, args, capsys)
    assert doc["runs"] == 40 and doc["target"] == "openclaw@2026.5.20"


# --- bad input: one line, exit 2, before any worker starts ---------------------------------------------------------


@pytest.fixture
def no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a worker was started for bad input")

    monkeypatch.setattr(Workers, "run", refuse)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--target", "py:/no/such/driver.py:f"], "driver.py"),
        (["--target", "openclaw@not-a-version"], "not-a-version"),
        (["--strategy", "exhaustive", "--depth", "9"], "exhaustive bound"),
        (["--report-dir", "/proc/simharness-cannot-write-here"], "simharness-cannot-write-here"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_worker_starts(
    extra: list[str], says: str, no_workers: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", *TWO, "--budget", "10", "-j", "2", "--report-dir", str(tmp_path / "out"), *extra]
    assert cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in err
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("value", ["0", "-1", "x", "513"])
def test_a_bad_jobs_value_is_one_line_and_exit_2(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli(["run", *TWO, f"--jobs={value}"])
    assert exc.value.code == 2 and "--jobs" in capsys.readouterr().err


def test_jobs_auto_is_one_worker_per_cpu_and_never_more_than_the_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simharness.cli.args import jobs
    from simharness.explore.parallel import jobs_for

    assert jobs("auto") == (os.cpu_count() or 1) and jobs_for(8, 3) == 3 and jobs_for(4, 0) == 1
    assert cli(["run", TWO[0], "--budget", "1", "-j", "auto", "--report-dir", str(tmp_path)]) == 0  # one run: one process


# --- drivers that crash, exit or stall in a worker ------------------------------------------------------------------

DRIVERS = """
import os
import sys
from simharness.drivers.reference import run_with_model_fallback as reference


def exits(ctx, candidates, run, on_error):
    if ctx.call_id == 2 and len(candidates) > 1:
        os._exit(0)
    return reference(ctx, candidates, run, on_error)


def sys_exits(ctx, candidates, run, on_error):
    if ctx.session.endswith("2"):
        sys.exit(0)
    return reference(ctx, candidates, run, on_error)


def crashes(ctx, candidates, run, on_error):
    if ctx.call_id == 2:
        raise ValueError("the driver's own bug")
    return reference(ctx, candidates, run, on_error)


def stalls(ctx, candidates, run, on_error):
    if ctx.call_id == 2:
        while True:  # never yields: the watchdog stops it
            pass
    return reference(ctx, candidates, run, on_error)
"""


@pytest.fixture
def drivers(tmp_path: Path) -> Path:
    path = tmp_path / "drivers.py"
    path.write_text(DRIVERS)
    return path


@pytest.mark.parametrize("name", ["exits", "sys_exits", "crashes"])
def test_a_driver_that_exits_or_crashes_in_a_worker_is_the_same_violation(
    name: str, drivers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _same_with_jobs(tmp_path, [*TWO, "--budget", "12", "--target", f"py:{drivers}:{name}"], capsys)
    contract = next(i for i in doc["invariants"] if i["id"] == "driver-contract")
    assert contract["violated"] and contract["counterexample"]


def test_a_driver_that_stalls_in_a_worker_is_the_same_earliest_counterexample(
    drivers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", TWO[0], "--budget", "4", "--target", f"py:{drivers}:stalls", "--stall-seconds", "0.3"]
    one, many = tmp_path / "one", tmp_path / "many"
    assert cli([*args, "--report-dir", str(one)]) == 1
    assert cli([*args, "--report-dir", str(many), "-j", "2"]) == 1
    a, b = (next(i for i in _normalized(d)["invariants"] if i["id"] == "terminates") for d in (one, many))
    # each worker stops at its own first stall (run counts may differ); the earliest stall is the counterexample
    assert a["counterexample"] == b["counterexample"] and b["violated"] >= 1


# --- signals, a dying worker, a driver that cannot be stopped (subprocesses) ----------------------------------------

SLOW = """
import os
from simharness.model.errors import JSError
from simharness.drivers.reference import run_with_model_fallback as reference

MARK = {mark!r}
STUCK = {stuck!r}
runs = 0


def drv(ctx, candidates, run, on_error):
    global runs
    if ctx.call_id == 1:
        runs += 1
        open(MARK + "." + str(os.getpid()), "w").close()  # tells the test this worker runs (and its pid)
    if runs == 10:
        open(MARK + "-judged." + str(os.getpid()), "w").close()  # ... and that it has judged some runs
    if STUCK and runs >= 12 and ctx.call_id == 2:  # after a few judged runs: the report has something to hold
        while True:  # swallows every interrupt, the watchdog's and the user's alike
            try:
                while True:
                    pass
            except BaseException:
                continue
    return reference(ctx, candidates, run, on_error)
"""


def _start(
    tmp_path: Path, *extra: str, stuck: bool = False, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    driver, mark, out, err = tmp_path / "slow.py", tmp_path / "started", tmp_path / "out", tmp_path / "stderr"
    driver.write_text(SLOW.format(mark=str(mark), stuck=stuck))
    cmd = [sys.executable, "-m", "simharness", "run", str(SCENARIOS / "mixed-faults.toml"), "--budget", "1000000", "-j", "2"]
    cmd += ["--target", f"py:{driver}:drv", "--report-dir", str(out), "--no-shrink", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err.open("wb"), cwd=tmp_path, env={**os.environ, **(env or {})})
    _wait_for(lambda: len(_workers(tmp_path)) == 2, proc)
    return proc, out, err


def _workers(tmp_path: Path) -> list[int]:
    return sorted(int(p.suffix[1:]) for p in tmp_path.glob("started.*"))


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert proc.poll() is None, "the run ended before the test could interrupt it"
        assert time.monotonic() < deadline, "condition never came true (hang?)"
        time.sleep(0.02)


def _finish(proc: subprocess.Popen[bytes]) -> int:
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("simharness did not exit: a stuck process") from None


def _incomplete(out: Path, err: Path) -> tuple[dict[str, Any], str]:
    stderr = err.read_text()
    assert "Traceback" not in stderr
    doc = json.loads((out / "report.json").read_text())
    assert doc["complete"] is False and doc["runs"] >= 1
    assert "INCOMPLETE" in (out / "summary.md").read_text()
    return doc, stderr


def _no_worker_left(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        # a zombie is gone for every purpose but its exit status; anything else is a leaked worker
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] if Path(f"/proc/{pid}/stat").exists() else "Z"
        assert state == "Z", f"worker {pid} outlived the run"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_stop_every_worker_and_write_an_incomplete_report(signum: int, code: int, tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path)
    _wait_for(lambda: len(list(tmp_path.glob("started-judged.*"))) == 2, proc)  # SIGTERM stops at once: let runs finish first
    proc.send_signal(signum)
    assert _finish(proc) == code
    doc, stderr = _incomplete(out, err)
    assert "worker" not in stderr or "stopping every worker" in stderr  # no worker died: they stopped
    assert doc["incomplete"]["reason"] == "interrupted" and doc["incomplete"]["planned_runs"] == 1_000_000
    summary = (out / "summary.md").read_text()  # never "N runs (1000000 per scenario)" as if complete
    assert "INCOMPLETE: interrupted" in summary and f"{doc['runs']} of 1000000 runs (1000000 per scenario)" in summary
    _no_worker_left(_workers(tmp_path))


def test_a_worker_killed_outright_is_one_line_and_never_a_green(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path)
    victim = _workers(tmp_path)[0]
    os.kill(victim, signal.SIGKILL)
    assert _finish(proc) == 128 + signal.SIGKILL
    doc, stderr = _incomplete(out, err)
    said = [line for line in stderr.splitlines() if "killed by SIGKILL" in line]
    assert len(said) == 1 and said[0].startswith("simharness: worker ") and "marked incomplete" in said[0]
    assert stderr.strip().splitlines() == said  # the one line the README promises, no "interrupted" line
    why = doc["incomplete"]  # which worker, which shard, how it died: not "interrupted"
    assert why["reason"] == "worker-died" and "killed by SIGKILL" in why["message"] and why["planned_runs"] == 1_000_000
    (dead,) = why["workers"]
    assert dead["share"] in ("shard 1/2", "shard 2/2") and dead["signal"] == "SIGKILL" and dead["exit_code"] == 137
    assert dead["share"] in why["message"]
    reports = [(out / name).read_text() for name in ("summary.md", "report.html", "junit.xml")]
    assert all("interrupted" not in text and "a worker died" in text and "killed by SIGKILL" in text for text in reports)
    assert f"{doc['runs']} of 1000000 runs" in reports[0] and f"{doc['runs']} of 1000000 runs" in reports[1]
    assert 'type="worker-died"' in reports[2]
    _no_worker_left(_workers(tmp_path))


def test_a_driver_that_cannot_be_stopped_in_a_worker_ends_with_exit_3_and_its_run_reported(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path, "--stall-seconds", "0.5", stuck=True, env={"SIMHARNESS_GRACE_SECONDS": "0.5"})
    assert _finish(proc) == 3
    doc, stderr = _incomplete(out, err)
    assert "could not be stopped" in stderr
    terminates = next(i for i in doc["invariants"] if i["id"] == "terminates")
    assert terminates["violated"] >= 1 and terminates["counterexample"] and not doc["ok"]


def test_a_second_ctrl_c_stops_a_stuck_driver_in_every_worker(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path, "--stall-seconds", "0", stuck=True, env={"SIMHARNESS_GRACE_SECONDS": "0.5"})
    _wait_for(lambda: len(list(tmp_path.glob("started-judged.*"))) == 2, proc)  # runs judged before they get stuck
    proc.send_signal(signal.SIGINT)
    _wait_for(lambda: "stopping every worker" in err.read_text(), proc)
    proc.send_signal(signal.SIGINT)
    assert _finish(proc) == 130
    _incomplete(out, err)
    _no_worker_left(_workers(tmp_path))


def test_a_hard_stop_is_relayed_as_sigterm_so_it_cannot_merge_with_the_first_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two SIGINTs pending at once are one signal to the kernel: relayed as such, a busy worker could see only the
    # first (stop after the run in flight) and a stuck driver would end by SIGKILL with its judged runs lost.
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr("simharness.explore.parallel._signal", lambda pid, signum: sent.append((pid, signum)))
    workers = Workers()
    workers._pids = [101, 102]
    workers._relay(signal.SIGINT, None)
    workers._relay(signal.SIGINT, None)
    assert sent == [(101, signal.SIGINT), (102, signal.SIGINT), (101, signal.SIGTERM), (102, signal.SIGTERM)]
    assert workers.signum == signal.SIGINT  # the exit code still says Ctrl-C: 130


# --- mutants and matrix -------------------------------------------------------------------------------------------


def test_the_kill_matrix_is_the_same_with_workers_hypothesis_included(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def matrix(jobs: str) -> tuple[int, dict[str, Any], dict[str, bytes]]:
        out = tmp_path / f"j{jobs}"
        args = ["mutants", "--scenarios", str(SCENARIOS), "--budget", "40", "--out", str(out), "-j", jobs]
        args += [x for m in ("legacy", "summary-miscount", "idle-burn") for x in ("--mutant", m)]
        args += [x for s in ("random", "pct", "hypothesis") for x in ("--strategy", s)]
        code = cli(args)
        doc = json.loads((out / "kill-matrix.json").read_text())
        for cell in doc["cells"]:
            cell.pop("seconds_to_kill")
        for totals in doc["totals"].values():
            totals.pop("seconds_total")
        return code, doc, _schedules(out)

    one, many = matrix("1"), matrix("2")
    assert many == one and one[0] == 0 and len(one[1]["cells"]) == 9


def test_the_release_matrix_is_the_same_with_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def matrix(jobs: str) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
        out = tmp_path / f"j{jobs}"
        args = ["matrix", "reference", "mutant:legacy", "mutant:idle-burn", "--budget", "8", "--report-dir", str(out), "-j", jobs]
        code = cli([*args, "--scenarios", *TWO])
        doc = json.loads((out / "matrix.json").read_text().replace(out.as_posix(), "OUT"))
        doc.pop("command")  # names the report dir
        return code, doc, [_normalized(out / name) for name in ("reference", "mutant-legacy", "mutant-idle-burn")]

    assert matrix("2") == matrix("1")


def test_the_progress_bar_adds_up_every_workers_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simharness.report import progress

    monkeypatch.setattr(progress, "is_tty", lambda stream: True)  # draw into the captured stderr
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli(["run", *TWO, "--budget", "30", "-j", "2", "--progress", "--report-dir", str(tmp_path)]) == 0
    drawn = [part for part in capsys.readouterr().err.split("\r") if " runs " in part]
    assert drawn and "60/60 runs" in drawn[-1]  # one bar for the whole run, every worker's runs in it
    assert all("\n" not in part.replace("\x1b[K", "").rstrip("\n") for part in drawn)  # one line, redrawn in place


def test_a_worker_that_exits_or_is_killed_is_an_outcome_that_says_how() -> None:
    import _signal
    import posix

    with Workers() as workers:
        exited, killed, fine = workers.run(_pick, [(posix._exit, 7), (_signal.raise_signal, signal.SIGKILL), (abs, -3)])
    assert (exited.died, exited.code, exited.value) == ("exited with code 7 without a result", 7, None)
    assert (killed.died, killed.code) == ("killed by SIGKILL", 128 + signal.SIGKILL)
    assert (fine.value, fine.died, fine.error) == (3, None, None)


def _pick(fn: Callable[[Any], Any], arg: Any) -> Any:  # a task run in a worker process (pickled by name)
    return fn(arg)


def test_the_bench_scaling_table_states_each_row_and_what_was_not_measured() -> None:
    from simharness.bench.jobs import jobs_table

    row = {"target": "reference", "measured": True, "scenarios": "all", "budget": 10, "runs": 140, "same_runs": True}
    row |= {"j1_seconds": 4.0, "jn_seconds": 2.5, "j1_cpu_seconds": 3.9, "jn_cpu_seconds": 4.4, "speedup": 1.6}
    missing = {"target": "openclaw@2026.5.20", "measured": False, "reason": "openclaw@2026.5.20 is not installed"}
    [(title, header, rows, notes)] = jobs_table({"jobs": {"measured": True, "jobs": 2, "cpus": 2, "rows": [row, missing]}})
    assert "-j 1 vs -j 2" in title and header[4] == "speedup"
    assert rows[0][:5] == ["reference", "140", "4.0 s", "2.5 s", "1.60×"] and rows[0][-1] == "same report"
    assert "not installed" in rows[1][-1] and "--budget 10" in notes[0]
    assert jobs_table({}) == []


def test_a_driver_signalling_the_parent_from_a_worker_is_a_contract_violation(tmp_path: Path) -> None:
    driver = tmp_path / "kills.py"
    driver.write_text(
        "import os, signal\nfrom simharness.drivers.reference import run_with_model_fallback as reference\n\n"
        "def drv(ctx, candidates, run, on_error):\n"
        "    if ctx.call_id == 2:\n        os.kill(os.getppid(), signal.SIGTERM)  # the harness's parent process, under -j\n"
        "    return reference(ctx, candidates, run, on_error)\n"
    )
    cmd = [sys.executable, "-m", "simharness", "run", TWO[0], "--budget", "4", "-j", "2", "--target", f"py:{driver}:drv"]
    proc = subprocess.run([*cmd, "--report-dir", str(tmp_path / "out")], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr  # a verdict, not an interrupted run (143)
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    contract = next(i for i in doc["invariants"] if i["id"] == "driver-contract")
    assert doc["complete"] and contract["violated"] >= 1 and "os.kill" in contract["counterexample"]["message"]


def test_the_whole_suite_with_a_failing_mutant_is_the_same_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _same_with_jobs(tmp_path, [str(SCENARIOS), "--budget", "40", "--target", "mutant:legacy", "--no-shrink"], capsys)
    assert not doc["ok"] and len(doc["scenarios"]) > 10


def test_merging_workers_adds_every_error_shape_before_cutting_to_the_listed_ones() -> None:
    from simharness.report.document import MAX_SHAPES, shapes_json
    from simharness.report.merge import merge_workers

    def part(shard: str, shapes: dict[str, int]) -> dict[str, Any]:
        inv = {"id": "summary-honest", "description": "", "checked": 9, "violated": 9, "not_applicable": 0, "counterexample": None}
        scenario = {"name": "s", "runs": 9, "failed_runs": 9, "situations": {}, "expect": []}
        doc = {"tool": "simharness", "version": "x", "target": "t", "profile": "p", "seed": 0, "budget": 18, "shard": shard}
        doc |= {"runs": 9, "complete": True, "scenarios": [scenario], "sometimes": [], "errors": []}
        return doc | {"invariants": [inv | {"shapes": [{"shape": k, "runs": v} for k, v in shapes.items()]}]}

    # each worker saw 45 shapes once (a worker lists them all: `judging.judge(every_shape=True)`); 40 are shared
    a = {f"shape-{i:02}": 1 for i in range(45)}
    b = {f"shape-{i:02}": 1 for i in range(5, 50)}
    merged = merge_workers([[part("1/2", a)], [part("2/2", b)]], (1, 1))
    total = {k: a.get(k, 0) + b.get(k, 0) for k in {*a, *b}}
    assert merged["invariants"][0]["shapes"] == shapes_json(total) and len(shapes_json(total)) == MAX_SHAPES
    assert merged["invariants"][0]["shapes"][0] == {"shape": "shape-05", "runs": 2} and merged["shard"] == "1/1"
