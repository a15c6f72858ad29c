"""The harness's own reliability: tripwires, the stall watchdog, Ctrl-C, a full disk, an unwritable report dir.

Liveness tests never assert on durations: a stalled driver must *end* (the subprocess waits have generous
deadlines that only a hang would reach) and be *reported*, with its schedule.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import simharness
from simharness.cli import main as cli
from simharness.engine.runner import replay, run_seed, stalled
from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.guard import live_thread as _live_thread
from simharness.guard import tripwire as _tripwire
from simharness.guard.live_run import live
from simharness.guard.settings import Guards
from simharness.model import errors as E
from simharness.model.exceptions import TripwireError
from simharness.model.scenario import parse_scenario
from simharness.targets import PythonTarget

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = parse_scenario({"name": "one", "world": {"chain": ["a/x", "b/y"]}, "providers": {"a": {"faults": {"rate_limit": 0.5}}}})


def _driver(before: Callable[[], Any]) -> Any:
    def drv(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        before()
        return (yield from run(*candidates[0]))

    return drv


# --- tripwires -------------------------------------------------------------------------------------------

SOURCES: dict[str, Callable[[], Any]] = {
    "time.time": lambda: __import__("time").time(),
    "time.monotonic": lambda: __import__("time").monotonic(),
    "time.perf_counter": lambda: __import__("time").perf_counter(),
    "time.perf_counter_ns": lambda: __import__("time").perf_counter_ns(),
    "datetime.datetime.now": lambda: __import__("datetime").datetime.now(),
    "datetime.datetime.utcnow": lambda: __import__("datetime").datetime.utcnow(),
    "datetime.date.today": lambda: __import__("datetime").date.today(),
    "random.random": lambda: __import__("random").random(),
    "random.choice": lambda: __import__("random").choice([1, 2]),
    "random.SystemRandom.random": lambda: __import__("random").SystemRandom().random(),
    "uuid.uuid4": lambda: __import__("uuid").uuid4(),
    "secrets.token_hex": lambda: __import__("secrets").token_hex(4),
    "os.urandom": lambda: __import__("os").urandom(4),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_driver_reading_the_clock_or_randomness_is_a_deterministic_violation_naming_the_line(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Guards, "virtual_clock", False)  # --no-virtual-clock: clocks refused too (tests/test_virtual_clock.py: on)
    line = SOURCES[source].__code__.co_firstlineno
    result = run_seed(SCENARIO, PythonTarget("py:t", _driver(SOURCES[source])), 3)
    assert [v.invariant for v in result.verdicts.violations] == ["deterministic"]
    message = result.verdicts.violations[0].message
    assert message.startswith(f"{source} called during a live run at ")
    assert message.split(" at ", 1)[1].startswith(f"tests{os.sep}test_reliability.py:{line}:") or f"test_reliability.py:{line}:" in message
    # the same seed trips at the same step: the verdict and its trace are deterministic, and replay agrees
    again = replay(SCENARIO, PythonTarget("py:t", _driver(SOURCES[source])), [c.value for c in result.choices], 3)
    assert again.trace_sha256 == result.trace_sha256


def test_tripwires_are_off_outside_a_run_and_in_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Guards, "virtual_clock", False)  # --no-virtual-clock: the clock trips on the live thread
    import datetime
    import random
    import threading
    import time
    import uuid

    originals = (time.time, time.monotonic, random.random, os.urandom, uuid.uuid4, datetime.datetime)
    with live():
        assert time.time is not originals[0] and datetime.datetime is not originals[5]
        assert isinstance(originals[5](2026, 1, 1), datetime.datetime)  # isinstance still works while armed
        box: list[float] = []
        worker = threading.Thread(target=lambda: box.append(time.time()))
        worker.start()
        worker.join()
        assert box  # another thread (a progress bar, pytest-timeout) passes through
        with pytest.raises(TripwireError):
            time.monotonic()
    assert (time.time, time.monotonic, random.random, os.urandom, uuid.uuid4, datetime.datetime) == originals
    time.time(), random.random(), datetime.datetime.now()  # outside a run: untouched


def test_the_standard_library_may_read_the_clock_for_its_own_bookkeeping() -> None:
    import logging

    def logs() -> None:
        logging.getLogger("simharness.test").debug("deciding")  # LogRecord stamps time.time(): not a decision

    assert run_seed(SCENARIO, PythonTarget("py:t", _driver(logs)), 0).ok


def test_harness_code_reading_the_clock_is_a_harness_bug_raised_not_a_verdict() -> None:
    import simharness.engine.world as world_module

    namespace: dict[str, Any] = {}
    code = compile("import time\ndef now():\n    return time.time()\n", world_module.__file__, "exec")  # code "in" the harness
    exec(code, namespace)  # noqa: S102 — a test fixture, compiled from a constant

    with pytest.raises(TripwireError) as info:
        run_seed(SCENARIO, PythonTarget("py:t", _driver(namespace["now"])), 0)
    assert info.value.in_harness and info.value.where.endswith("world.py:3")


def test_the_progress_bar_and_report_timing_stay_outside_the_tripwire_window(tmp_path: Path) -> None:
    import io

    from simharness.report.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with Progress(6, stream=stream, interval=0.0) as progress:  # reads time.monotonic after every run
        suite = run_suite([SCENARIO], PythonTarget("py:ok", _driver(lambda: None)), seed=0, budget=6, on_run=progress)
    assert suite.runs == 6 and suite.complete and "6/6 runs" in stream.getvalue()
    assert cli(["run", str(ROOT / "scenarios" / "takeover-race.toml"), "--budget", "3", "--report-dir", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "report.json").read_text())["timing"]["wall_seconds"] is not None


def test_trusted_machinery_can_suspend_the_tripwires_inside_a_run() -> None:
    import time

    def draws() -> None:
        with _live_thread.suspended():  # what the hypothesis strategy does around a draw
            time.perf_counter()
        assert _live_thread.is_live()

    assert run_seed(SCENARIO, PythonTarget("py:t", _driver(draws)), 0).ok


def test_tripwires_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Guards, "tripwires", False)
    assert run_seed(SCENARIO, PythonTarget("py:t", _driver(lambda: __import__("os").urandom(1))), 0).ok


def test_the_harness_binds_no_guarded_source_at_import_time() -> None:
    """A module-level `from time import monotonic` would slip past the tripwires: keep simharness free of them."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(simharness.__path__, "simharness."):
        if not info.name.endswith(("__main__", "pytest_plugin", "targets.node")):
            importlib.import_module(info.name)
    modules = {name: m for name, m in sys.modules.items() if name == "simharness" or name.startswith("simharness.")}
    assert _tripwire.modules_with_early_bound_sources(modules) == []


# --- liveness: the step budget and the watchdog ----------------------------------------------------------


#: Iterations standing in for "forever" in-process: seconds of pure Python, far past the 0.3 s watchdog, yet
#: finite, so a broken watchdog fails these tests (no `terminates` verdict) instead of hanging the suite.
SPIN = 300_000_000


@pytest.fixture
def quick_watchdog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Guards, "stall_seconds", 0.3)
    yield


def _spins_on_call(n: int) -> Any:
    def drv(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        if ctx.call_id == n:
            for _ in range(SPIN):  # a loop that never yields to simpy
                pass
        return (yield from run(*candidates[0]))

    return drv


def _walks_cycle_without_seen_set(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except E.JSError as err:
            node: Any = err
            for _ in range(SPIN):  # the bug: no seen-set, so a cause cycle is walked "forever"
                if node is None:
                    break
                if node.code == "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT":
                    raise
                node = node.cause or node.error
            on_error({"provider": provider, "model": model, "error": err})
    raise E.JSError("All models failed")


def test_a_driver_looping_without_yielding_is_stopped_and_reported_as_terminates(quick_watchdog: None) -> None:
    scenario = parse_scenario({"name": "spin", "world": {"sessions": 2, "chain": ["a/x"]}})
    suite = run_suite([scenario], PythonTarget("py:spin", _spins_on_call(2)), seed=0, budget=3, shrink=shrink)
    totals = suite.invariants["terminates"]
    # the first stall ends the scenario: the other runs would each wait out the watchdog again
    assert totals.violated == 1 and suite.complete and suite.scenarios[0].runs == 1 and suite.scenarios[0].skipped_after_stall == 2
    ce = totals.counterexample
    assert ce is not None and stalled(ce) and totals.shrunk is None  # a stall is reported as found, never re-run to shrink
    message = next(v.message for v in ce.verdicts.violations if v.invariant == "terminates")
    assert "never yielded" in message and "test_reliability.py:" in message
    # the run after a stall runs normally: the watchdog re-arms per run
    assert run_seed(scenario, PythonTarget("py:ok", _spins_on_call(99)), 0).ok


def test_a_cause_cycle_walked_without_a_seen_set_is_caught_with_its_schedule(quick_watchdog: None, tmp_path: Path) -> None:
    scenario = parse_scenario(
        {
            "name": "cycle",
            "world": {"sessions": 2, "chain": ["a/x", "b/y"], "lock_timeout_ms": 100},
            "writers": [{"name": "gw", "delay_ms": 0, "hold_ms": 5000}],
            "wrapping": {"coordination": {"cycle": 1.0}},
        }
    )
    target = PythonTarget("py:cycle", _walks_cycle_without_seen_set)
    suite = run_suite([scenario], target, seed=0, budget=2)
    assert suite.invariants["terminates"].violated >= 1
    from simharness.report.write import write_reports

    doc = write_reports(suite, tmp_path)
    ce = next(i["counterexample"] for i in doc["invariants"] if i["id"] == "terminates")
    assert (tmp_path / ce["schedule"]).is_file() and "never yielded" in ce["message"]


def test_unbounded_yielding_retry_hits_the_step_budget_deterministically() -> None:
    scenario = parse_scenario({"world": {"chain": ["a/x"], "max_steps": 500}, "providers": {"a": {"faults": {"rate_limit": 1.0}}}})

    def retries_forever(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        while True:
            try:
                return (yield from run(*candidates[0]))
            except E.JSError:
                pass

    a = run_seed(scenario, PythonTarget("py:r", retries_forever), 0)
    b = run_seed(scenario, PythonTarget("py:r", retries_forever), 0)
    assert [v.invariant for v in a.verdicts.violations] == ["terminates"] and a.trace_sha256 == b.trace_sha256


# --- the CLI under faults: Ctrl-C, full disk, unwritable dir ----------------------------------------------

SLOW_DRIVER = """
import os
from simharness.model.errors import JSError

MARK = {mark!r}
LOOP_AT = {loop_at!r}
runs = 0


def drv(ctx, candidates, run, on_error):
    global runs
    if ctx.call_id == 1:
        runs += 1
    if runs == 1:
        open(MARK, "w").close()  # tells the test that runs are in flight
    if runs == 10:
        open(MARK + ".10", "w").close()  # ... and that some have been judged
    if LOOP_AT is not None and runs >= LOOP_AT:
        open(MARK + ".loop", "w").close()
        while True:  # stuck for good: only a second Ctrl-C (or the watchdog) ends it
            pass
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except JSError as err:
            on_error({{"provider": provider, "model": model, "error": err}})
    raise JSError("All models failed")
"""


def _start(tmp_path: Path, loop_at: int | None, *extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    driver = tmp_path / "slow.py"
    mark = tmp_path / "started"
    driver.write_text(SLOW_DRIVER.format(mark=str(mark), loop_at=loop_at))
    out = tmp_path / "out"
    err = tmp_path / "stderr"
    cmd = [sys.executable, "-m", "simharness", "run", str(ROOT / "scenarios" / "mixed-faults.toml"), "--budget", "1000000"]
    cmd += ["--target", f"py:{driver}:drv", "--report-dir", str(out), "--no-shrink", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err.open("wb"), cwd=tmp_path)
    _wait_for(lambda: mark.exists(), proc)
    return proc, out, err


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
        raise AssertionError("simharness did not exit after SIGINT: a stuck process") from None


def _assert_incomplete_report(out: Path, err: Path) -> dict[str, Any]:
    stderr = err.read_text()
    assert "Traceback" not in stderr
    doc = json.loads((out / "report.json").read_text())  # parses: never a half-written report
    assert doc["complete"] is False and doc["runs"] >= 1
    assert not list(out.glob(".*.tmp"))
    assert "INCOMPLETE" in (out / "summary.md").read_text() and 'type="interrupted"' in (out / "junit.xml").read_text()
    assert (out / "report.html").read_text().rstrip().endswith("</html>")
    return doc


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_long_run_keeps_the_verdicts_and_marks_the_report_incomplete(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path, None)
    proc.send_signal(signal.SIGINT)
    assert _finish(proc) == 130
    doc = _assert_incomplete_report(out, err)
    assert doc["runs"] < 1_000_000
    assert sum(i["checked"] for i in doc["invariants"]) > 0  # completed verdicts are kept
    assert "stopping after the run in flight" in err.read_text()
    assert doc["incomplete"] == {"reason": "interrupted", "message": "stopped by Ctrl-C (SIGINT) before every run was made", "planned_runs": 1_000_000}
    summary = (out / "summary.md").read_text()  # how many of how many, never "(1000000 per scenario)" as if complete
    assert f"· {doc['runs']} of 1000000 runs (1000000 per scenario)" in summary and "INCOMPLETE: interrupted" in summary


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_second_ctrl_c_stops_a_driver_stuck_in_a_loop_at_once(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path, 40, "--stall-seconds", "0")  # watchdog off: only Ctrl-C can end it
    _wait_for(lambda: (tmp_path / "started.loop").exists(), proc)
    proc.send_signal(signal.SIGINT)
    _wait_for(lambda: "stopping after the run in flight" in err.read_text(), proc)
    proc.send_signal(signal.SIGINT)
    assert _finish(proc) == 130
    doc = _assert_incomplete_report(out, err)
    assert 30 <= doc["runs"] < 40  # the runs before the stuck one (replays count too), judged and kept


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_from_a_cancelled_ci_job_still_leaves_a_whole_incomplete_report(tmp_path: Path) -> None:
    proc, out, err = _start(tmp_path, None)
    _wait_for(lambda: (tmp_path / "started.10").exists(), proc)  # SIGTERM stops at once: let a few runs finish first
    proc.send_signal(signal.SIGTERM)
    assert _finish(proc) == 143
    _assert_incomplete_report(out, err)


def test_the_watchdog_ends_a_stuck_cli_run_with_a_violation_and_a_schedule(tmp_path: Path) -> None:
    proc, out, _ = _start(tmp_path, 5, "--stall-seconds", "0.3", "--budget", "8")
    assert _finish(proc) == 1
    doc = json.loads((out / "report.json").read_text())
    ce = next(i["counterexample"] for i in doc["invariants"] if i["id"] == "terminates")
    # the driver loops from its 5th call 1 on (the first run's determinism replay counts): runs 1-3 pass, run 4
    # stalls and ends the scenario, and runs 5-8 are skipped and counted, not each waited out
    assert doc["complete"] and doc["runs"] == 4 and doc["scenarios"][0]["skipped_after_stall"] == 4 and "never yielded" in ce["message"]
    assert (out / ce["schedule"]).is_file()


def _reports(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_a_full_disk_leaves_the_previous_reports_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    out = tmp_path / "out"
    args = ["run", str(ROOT / "scenarios" / "takeover-race.toml"), "--budget", "3", "--report-dir", str(out)]
    assert cli(args) == 0
    before = _reports(out)
    assert {"report.json", "summary.md", "junit.xml", "report.html"} <= set(before)
    capsys.readouterr()

    real_fsync = os.fsync
    calls = [0]

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] >= 3:  # the third report file no longer fits
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert cli([*args[:2], "--budget", "4", *args[4:]]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "No space left on device" in stderr and "Traceback" not in stderr
    assert _reports(out) == before  # nothing previously written changed: all four files or none
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_an_unwritable_report_dir_fails_before_running_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = subprocess.run(
        [sys.executable, "-m", "simharness", "run", str(ROOT / "scenarios"), "--report-dir", str(blocker / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and str(blocker / "out") in proc.stderr and "cannot write" in proc.stderr


def test_a_report_dir_that_turns_read_only_mid_run_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    import tempfile

    real = tempfile.mkstemp
    calls = [0]

    def mkstemp(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        if calls[0] > 1:  # the pre-flight probe passes; the report write meets a read-only dir
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real(*a, **k)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    out = tmp_path / "out"
    assert cli(["run", str(ROOT / "scenarios" / "takeover-race.toml"), "--budget", "2", "--report-dir", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "Permission denied" in stderr
    assert list(out.iterdir()) == []


def test_a_closed_stdout_is_not_a_traceback(tmp_path: Path) -> None:
    """`simharness run ... | head`: the reader went away before the table was printed."""
    cmd = [sys.executable, "-m", "simharness", "run", str(ROOT / "scenarios" / "takeover-race.toml"), "--budget", "2"]
    read, write = os.pipe()
    os.close(read)  # every write to stdout now fails with EPIPE
    try:
        proc = subprocess.run(
            [*cmd, "--report-dir", str(tmp_path / "out")], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120, check=False
        )
    finally:
        os.close(write)
    assert proc.stderr == "" and proc.returncode == 141
    assert json.loads((tmp_path / "out" / "report.json").read_text())["complete"]  # the reports were written first
