"""The virtual clock: inside a run a driver's clock reads answer with the world's clock (2026-06-01T00:00:00Z +
env.now ms, the Node bridge's Date), the real clock everywhere else; randomness stays refused; `--no-virtual-clock`
(`--sim-no-virtual-clock`) refuses clocks too; the watchdog still stops a driver that never yields; and a driver
with a clock-based cooldown is deterministic and passes, while the mutant with a wall-clock cooldown is caught.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import simharness
from simharness.cli import main as cli
from simharness.drivers.mutants import MUTANTS
from simharness.engine.runner import replay, run_seed
from simharness.explore.suite import run_suite
from simharness.guard.clock import EPOCH_MS
from simharness.guard.live_run import live
from simharness.guard.settings import Guards
from simharness.model.exceptions import TripwireError
from simharness.model.scenario import collect_scenarios, parse_scenario
from simharness.targets import PythonTarget, resolve_target

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = collect_scenarios([ROOT / "scenarios"])
COOLDOWN = f"py:{ROOT / 'tests' / 'cooldown_driver.py'}:run_with_model_fallback"
#: Two calls per session, 429s with Retry-After: the cooldown driver waits, the clock is read at many instants.
SCENARIO = parse_scenario(
    {
        "name": "clocks",
        "world": {"sessions": 2, "turns": 2, "chain": ["a/x", "b/y"]},
        "providers": {"a": {"faults": {"rate_limit": 0.6}, "retry_after_s": [1, 3]}},
    }
)
EPOCH = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _virtual_clock_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Guards, "virtual_clock", True)  # the default; restored after a test flips it
    monkeypatch.setattr(Guards, "tripwires", True)
    yield


def _reads(into: list[tuple[float, dict[str, Any]]]) -> Any:
    def drv(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        for provider, model in candidates:
            seen = {
                "time": time.time(),
                "time_ns": time.time_ns(),
                "monotonic": time.monotonic(),
                "monotonic_ns": time.monotonic_ns(),
                "perf_counter": time.perf_counter(),
                "perf_counter_ns": time.perf_counter_ns(),
                "now": datetime.datetime.now(),
                "now_utc": datetime.datetime.now(datetime.UTC),
                "utcnow": datetime.datetime.utcnow(),  # noqa: DTZ003 — the API under test
                "today": datetime.datetime.today(),  # noqa: DTZ002 — the API under test
                "date_today": datetime.date.today(),
            }
            into.append((ctx.env.now, seen))
            try:
                return (yield from run(provider, model))
            except Exception as err:  # noqa: BLE001 — a test driver: every failure goes on
                on_error({"provider": provider, "model": model, "error": err})
        raise RuntimeError("All models failed")

    return drv


def test_inside_a_run_every_clock_reads_the_worlds_virtual_clock() -> None:
    seen: list[tuple[float, dict[str, Any]]] = []
    result = run_seed(SCENARIO, PythonTarget("py:clocks", _reads(seen)), 5)
    assert [v.invariant for v in result.verdicts.violations if v.invariant == "deterministic"] == []
    assert len({t for t, _ in seen}) > 1, "the clock was read at one instant only: the test would prove nothing"
    for t, s in seen:
        seconds = EPOCH_MS / 1000 + t / 1000
        assert s["time"] == pytest.approx(seconds, abs=1e-6) and s["monotonic"] == pytest.approx(seconds, abs=1e-6)
        assert s["perf_counter"] == pytest.approx(seconds, abs=1e-6)
        for ns in ("time_ns", "monotonic_ns", "perf_counter_ns"):
            assert s[ns] == pytest.approx(seconds * 1e9, abs=1e3)
        at = EPOCH + datetime.timedelta(milliseconds=t)
        assert s["now_utc"] == at and s["now"] == s["utcnow"] == s["today"] == at.replace(tzinfo=None)  # naive UTC
        assert s["date_today"] == at.date()
        assert type(s["now"]) is datetime.datetime and type(s["date_today"]) is datetime.date  # plain types in traces
    # it matches the Node bridge's virtual Date (bridge.mjs: EPOCH + the virtual ms)
    assert "const EPOCH = config.epoch ?? 1780272000000;" in (ROOT / "simharness" / "targets" / "bridge.mjs").read_text()
    assert EPOCH_MS == 1780272000000


def test_outside_a_run_other_threads_and_the_stdlib_read_the_real_clock() -> None:
    class Env:
        now = 0

    before = time.time()
    box: list[float] = []
    with live(Env()):
        virtual = time.time()
        worker = threading.Thread(target=lambda: box.append(time.time()))  # a progress bar, the watchdog
        worker.start()
        worker.join()
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)  # the stdlib stamps it
    after = time.time()
    assert virtual == EPOCH_MS / 1000
    assert before <= box[0] <= after and before <= record.created <= after
    assert time.time is not None and datetime.datetime.now() != datetime.datetime(2026, 6, 1)  # outside: untouched


def test_the_harness_reading_a_clock_on_the_live_thread_still_trips() -> None:
    harness_file = os.path.join(os.path.dirname(simharness.__file__), "engine", "clock_reader.py")
    code = compile("__import__('time').monotonic()", harness_file, "eval")
    with live(), pytest.raises(TripwireError) as info:
        eval(code)  # a frame whose file is simharness's own (not a bundled driver)
    assert info.value.in_harness


def test_nested_windows_and_a_tests_own_freezegun_are_left_alone() -> None:
    from freezegun import freeze_time

    run_seed(SCENARIO, resolve_target("reference"), 0)  # the stand-ins are built outside any freeze
    seen: list[tuple[float, dict[str, Any]]] = []
    with freeze_time("2020-02-02 12:00:00"):
        assert datetime.datetime.now() == datetime.datetime(2020, 2, 2, 12)
        run_seed(SCENARIO, PythonTarget("py:clocks", _reads(seen)), 5)
        assert datetime.datetime.now() == datetime.datetime(2020, 2, 2, 12)  # the test's freeze is back
    assert seen and all(s["time"] == pytest.approx(EPOCH_MS / 1000 + t / 1000) for t, s in seen)
    with live():
        with live():
            pass
        assert time.time() == EPOCH_MS / 1000  # the inner window did not take the clock off


RANDOM = {
    "random.random": lambda: __import__("random").random(),
    "uuid.uuid4": lambda: __import__("uuid").uuid4(),
    "uuid.uuid1": lambda: __import__("uuid").uuid1(),
    "os.urandom": lambda: __import__("os").urandom(4),
    "secrets.token_hex": lambda: __import__("secrets").token_hex(4),
}


def _first(before: Callable[[], Any]) -> Any:
    def drv(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        before()
        return (yield from run(*candidates[0]))

    return drv


@pytest.mark.parametrize("source", sorted(RANDOM))
def test_randomness_stays_refused_with_the_virtual_clock(source: str) -> None:
    result = run_seed(SCENARIO, PythonTarget("py:t", _first(RANDOM[source])), 3)
    assert [v.invariant for v in result.verdicts.violations] == ["deterministic"]
    assert result.verdicts.violations[0].message.startswith(f"{source} called during a live run at ")


def test_no_virtual_clock_refuses_the_clock_again(monkeypatch: pytest.MonkeyPatch) -> None:
    on = run_seed(SCENARIO, PythonTarget("py:t", _first(lambda: time.time())), 3)
    assert "deterministic" not in {v.invariant for v in on.verdicts.violations}
    monkeypatch.setattr(Guards, "virtual_clock", False)
    result = run_seed(SCENARIO, PythonTarget("py:t", _first(lambda: time.time())), 3)
    assert [v.invariant for v in result.verdicts.violations] == ["deterministic"]
    assert result.verdicts.violations[0].message.startswith("time.time called during a live run at ")


def test_the_cli_flag(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios" / "rate-limit-storm.toml")
    common = [scenario, "--target", COOLDOWN, "--budget", "5"]
    assert cli(["run", *common, "--report-dir", str(tmp_path / "on")]) == 0
    assert Guards.virtual_clock
    assert cli(["run", *common, "--no-virtual-clock", "--report-dir", str(tmp_path / "off")]) == 1
    assert not Guards.virtual_clock
    doc = json.loads((tmp_path / "off" / "report.json").read_text())
    inv = next(i for i in doc["invariants"] if i["id"] == "deterministic")
    assert inv["violated"] >= 1 and "time.monotonic called during a live run at " in inv["counterexample"]["message"]
    command = inv["counterexample"]["replay"].split()
    assert command[:2] == ["simharness", "replay"] and "--no-virtual-clock" in command  # replays only in the same mode
    assert cli(command[1:]) == 1 and not Guards.virtual_clock
    assert cli([arg for arg in command[1:] if arg != "--no-virtual-clock"]) == 0  # with the virtual clock: no violation


def test_the_pytest_flag(pytester: pytest.Pytester) -> None:
    (pytester.path / "storm.toml").write_text((ROOT / "scenarios" / "rate-limit-storm.toml").read_text())
    args = ["storm.toml", f"--sim-target={COOLDOWN}", "--sim-budget=5", "--sim-seed=1", "-p", "no:cacheprovider"]
    pytester.runpytest_inprocess(*args).assert_outcomes(passed=1)
    refused = pytester.runpytest_inprocess(*args, "--sim-no-virtual-clock")
    refused.assert_outcomes(failed=1)
    out = refused.stdout.str()
    assert "deterministic" in out and "--sim-no-virtual-clock" in out  # the rerun line keeps the flag


# --- the watchdog: its own reads are real, so a driver spinning on the (still) virtual clock is stopped -------


def _busy_waits_on_the_clock(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    until = time.monotonic() + 1.0  # "wait a second" without yielding: virtual time never moves
    for _ in range(300_000_000):  # finite, so a broken watchdog fails this test instead of hanging it
        if time.monotonic() >= until:
            break
    return (yield from run(*candidates[0]))


def test_the_watchdog_stops_a_driver_busy_waiting_on_the_virtual_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Guards, "stall_seconds", 0.3)
    # one session: a stall in two concurrent sessions is a separate, older limit of the watchdog (see the report)
    alone = parse_scenario({"name": "busy", "world": {"chain": ["a/x", "b/y"]}})
    result = run_seed(alone, PythonTarget("py:busy", _busy_waits_on_the_clock), 0)
    message = next(v.message for v in result.verdicts.violations if v.invariant == "terminates")
    assert "never yielded" in message and "stopped by the watchdog" in message and "test_virtual_clock.py:" in message


# --- a correct clock-based cooldown passes, deterministically; the wall-clock cooldown is caught -----------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_cooldown_driver_passes_every_shipped_scenario(scenario: Any) -> None:
    suite = run_suite([scenario], resolve_target(COOLDOWN), seed=0, budget=40)
    assert suite.ok, {k: v.violated for k, v in suite.invariants.items() if v.violated}


def test_the_cooldown_is_real_and_its_runs_are_byte_identical() -> None:
    cooldown, reference = resolve_target(COOLDOWN), resolve_target("reference")
    waited = 0
    for seed in range(20):
        first, second = run_seed(SCENARIO, cooldown, seed), run_seed(SCENARIO, cooldown, seed)
        assert first.ok and first.trace_sha256 == second.trace_sha256
        assert replay(SCENARIO, cooldown, [c.value for c in first.choices], seed).trace_sha256 == first.trace_sha256
        waited += first.trace_sha256 != run_seed(SCENARIO, reference, seed).trace_sha256
    assert waited, "the cooldown never changed a run: it did not read the clock, or the clock did not move"


def test_the_cooldown_driver_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    docs = []
    for hashseed in ("0", "4242"):
        out = tmp_path / hashseed
        cmd = [
            sys.executable,
            "-m",
            "simharness",
            "run",
            str(ROOT / "scenarios" / "mixed-faults.toml"),
            str(ROOT / "scenarios" / "rate-limit-storm.toml"),
        ]
        cmd += ["--target", COOLDOWN, "--budget", "15", "--check-determinism", "--report-dir", str(out)]
        done = subprocess.run(cmd, env=dict(os.environ, PYTHONHASHSEED=hashseed), capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        doc = json.loads((out / "report.json").read_text().replace(out.as_posix(), "OUT"))
        doc.pop("timing", None)
        docs.append(doc)
    assert docs[0] == docs[1]


def test_the_wall_clock_cooldown_mutant_is_caught_and_replays() -> None:
    mutant = MUTANTS["wall-clock-cooldown"]
    names = list(MUTANTS)  # added after the first registry (whose last is canned-reply): earlier mutants keep their line numbers
    assert names.index("wall-clock-cooldown") > names.index("canned-reply")
    scenario = next(s for s in SCENARIOS if s.name == mutant.scenario)
    suite = run_suite([scenario], resolve_target("mutant:wall-clock-cooldown"), seed=0, budget=60)
    ce = suite.invariants[mutant.invariant].counterexample
    assert ce is not None
    again = replay(ce.scenario, resolve_target("mutant:wall-clock-cooldown"), [c.value for c in ce.choices], ce.seed)
    assert again.trace_sha256 == ce.trace_sha256 and not again.ok


@pytest.mark.parametrize("binding", ["from time import monotonic", "from datetime import datetime", "from random import random"])
def test_a_driver_that_binds_a_clock_or_randomness_at_import_is_refused_in_one_line(tmp_path, binding: str) -> None:
    """A name bound at import escapes the tripwires and the virtual clock, so its verdicts would be a guess: refused."""
    from simharness.model.exceptions import TargetError
    from simharness.targets import resolve_target

    driver = tmp_path / "bound.py"
    driver.write_text(f"{binding}\n\ndef run_with_model_fallback(ctx, candidates, run, on_error):\n    return (yield from run(*candidates[0]))\n")
    with pytest.raises(TargetError, match="at import, which neither the tripwires nor the virtual clock can see"):
        resolve_target(f"py:{driver}:run_with_model_fallback")
