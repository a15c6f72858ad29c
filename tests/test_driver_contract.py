"""Every driver failure is a verdict: `driver-contract` (and `terminates`, `summary-honest`) through the CLI.

Each driver below is written to be wrong in one way. Through `simharness run` it must give exit 1, the exact
invariant with the driver's file:line in the message, the four reports, and a printed replay command that
reproduces the violation — never "all invariants hold", never a traceback.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main
from simharness.engine.runner import replay, run_seed
from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.guard import exits as _exits
from simharness.guard import interrupts as _interrupts
from simharness.model.kinds import INVARIANTS
from simharness.model.scenario import collect_scenarios
from simharness.targets import PythonTarget, resolve_target

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = """
name = "contract"
description = "two sessions on their own files, a three-model chain, providers that fail half the time"

[world]
sessions = 2
files = 2
chain = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"]

[providers."*"]
latency_ms = [100]
faults = { rate_limit = 0.5 }
"""

HEADER = """
import sys
from simharness import JSError


def _fallback(candidates, run, on_error):
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except JSError as err:
            last = err
            on_error({"provider": provider, "model": model, "error": err})
    raise last
"""

#: (case, driver body, invariant, message with `{at}` standing for the file:line of the line marked `# <-`)
CASES: list[tuple[str, str, str, str]] = [
    (
        "value-error",
        """
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(10)
            raise ValueError("boom")  # <-
        """,
        "driver-contract",
        "the driver raised ValueError: boom at {at}",
    ),
    (
        "key-error",
        """
        def drv(ctx, candidates, run, on_error):
            for provider, model in candidates:
                try:
                    return (yield from run(provider, model))
                except JSError as err:
                    retry = err.fields["retryAfter"]  # <-
        """,
        "driver-contract",
        "the driver raised KeyError: 'retryAfter' at {at}",
    ),
    (
        "type-error",
        """
        def drv(ctx, candidates, run, on_error):
            return (yield from run(candidates[0]))  # <-
        """,
        "driver-contract",
        "the driver raised TypeError: ",
    ),
    (
        "system-exit",
        """
        def drv(ctx, candidates, run, on_error):
            if ctx.call_id == 2:
                sys.exit(3)  # <-
            return (yield from _fallback(candidates, run, on_error))
        """,
        "driver-contract",
        "the driver exited (SystemExit: 3) at {at}",
    ),
    (
        "own-keyboard-interrupt",
        """
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(10)
            raise KeyboardInterrupt("the driver's own")  # <-
        """,
        "driver-contract",
        'the driver raised a KeyboardInterrupt of its own: "the driver\'s own" at {at}',
    ),
    (
        "generator-exit",
        """
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(10)
            raise GeneratorExit  # <-
        """,
        "driver-contract",
        "the driver raised GeneratorExit at {at}",
    ),
    (
        "negative-timeout",
        """
        def drv(ctx, candidates, run, on_error):
            yield ctx.env.timeout(-1)  # <-
        """,
        "driver-contract",
        "the driver raised ValueError: Negative delay -1 at {at}",
    ),
    (
        "recursion-error-by-hand",
        """
        def drv(ctx, candidates, run, on_error):
            raise RecursionError("too deep, says the driver")  # <-
            yield
        """,
        "driver-contract",
        "the driver raised RecursionError: too deep, says the driver at {at}",
    ),
    (
        "unbounded-recursion",
        """
        def walk(err):
            return walk(err)  # <-


        def drv(ctx, candidates, run, on_error):
            walk(None)
            yield
        """,
        "terminates",
        "the driver recursed without bound at {at} (a cycle walked without a seen-set?)",
    ),
    (
        "non-event-yield",
        """
        def drv(ctx, candidates, run, on_error):
            yield "not an event"  # <-
        """,
        "driver-contract",
        "the driver yielded 'not an event', not a simpy event at {at}",
    ),
    (
        "not-a-generator",
        """
        def drv(ctx, candidates, run, on_error):  # <-
            return "no generator at all"
        """,
        "driver-contract",
        "the driver is not a simpy generator function: calling it returned 'no generator at all' at {at}",
    ),
    (
        "never-runs",
        """
        def drv(ctx, candidates, run, on_error):  # <-
            return "an answer from nowhere"
            yield
        """,
        "driver-contract",
        "the driver at {at} returned 'an answer from nowhere' without running any candidate",
    ),
    (
        "outside-chain",
        """
        def drv(ctx, candidates, run, on_error):
            return (yield from run("openai", "gpt-4o-mini"))  # <-
        """,
        "driver-contract",
        "the driver ran openai/gpt-4o-mini, which is not in its chain (openai/gpt-a) at {at}",
    ),
    (
        "made-up-result",
        """
        def drv(ctx, candidates, run, on_error):  # <-
            try:
                return (yield from _fallback(candidates, run, on_error))
            except JSError:  # "degrades gracefully" when every candidate failed
                return "Sorry, I can't answer right now."
        """,
        "driver-contract",
        'the driver at {at} returned "Sorry, I can\'t answer right now.", which no run produced',
    ),
    (
        "on-error-misuse",
        """
        def drv(ctx, candidates, run, on_error):
            for provider, model in candidates:
                try:
                    return (yield from run(provider, model))
                except JSError as err:
                    last = err
                    on_error(err)  # <-
            raise last
        """,
        "driver-contract",
        "the driver called on_error with a JSError, not an attempt record (a mapping) at {at}",
    ),
    (
        "run-twice-at-once",
        """
        def drv(ctx, candidates, run, on_error):
            first, second = run(*candidates[0]), run(*candidates[1])
            event = next(first)
            next(second)  # <-
            yield event
        """,
        "driver-contract",
        "the driver started run(anthropic/claude-b) while run(openai/gpt-a) was still in flight at {at}",
    ),
]


def _write(tmp_path: Path, body: str) -> tuple[Path, str]:
    """The driver file and the file:line of its line marked `# <-`."""
    source = HEADER + textwrap.dedent(body)
    path = tmp_path / "drv.py"
    path.write_text(source)
    line = next((i for i, text in enumerate(source.splitlines(), 1) if "# <-" in text), 0)
    return path, f"drv.py:{line}"


def _scenario(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "contract.toml"
    path.write_text(text)
    return path


def _run(args: list[str], capsys: Any) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _check_cli(tmp_path: Path, capsys: Any, driver: Path, invariant: str, expected: str, *, scenario: Path | None = None) -> dict[str, Any]:
    """`simharness run` on a wrong driver: exit 1, the verdict, four reports, and a replay that reproduces it."""
    out = tmp_path / "report"
    target = f"py:{driver}:drv"
    args = [
        "run",
        str(scenario or _scenario(tmp_path)),
        "--target",
        target,
        "--budget",
        "6",
        "--report-dir",
        str(out),
        "--shrink-seconds",
        "5",
    ]
    code, stdout, stderr = _run(args, capsys)
    assert code == 1, stdout + stderr
    assert "Traceback" not in stderr
    for name in ("report.json", "summary.md", "junit.xml", "report.html"):
        assert (out / name).is_file(), name
    doc = json.loads((out / "report.json").read_text())
    inv = next(i for i in doc["invariants"] if i["id"] == invariant)
    assert inv["violated"] >= 1 and inv["counterexample"] is not None
    message = inv["counterexample"]["message"]
    assert expected in message, message
    assert f"{invariant} violated in contract: " in stdout
    # the printed replay command reproduces the very violation
    command = next(line.split("reproduce: ", 1)[1] for line in stdout.splitlines() if f"--{invariant}--" in line and "reproduce: " in line)
    argv = shlex.split(command)
    assert argv[:2] == ["simharness", "replay"]
    code, replayed, stderr = _run(argv[1:], capsys)
    assert code == 1 and "Traceback" not in stderr
    assert "trace identical to the recorded one" in replayed
    assert f"VIOLATED {invariant}: {message}" in replayed
    return doc


@pytest.mark.parametrize(("case", "body", "invariant", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_driver_failure_is_a_verdict_with_its_file_and_line(
    case: str, body: str, invariant: str, expected: str, tmp_path: Path, capsys: Any
) -> None:
    driver, at = _write(tmp_path, body)
    every_call_fails = _scenario(tmp_path, SCENARIO.replace("rate_limit = 0.5", "rate_limit = 1.0"))
    doc = _check_cli(
        tmp_path, capsys, driver, invariant, expected.format(at=at), scenario=every_call_fails if case == "made-up-result" else None
    )
    if invariant == "driver-contract" and "{at}" not in expected:  # the message names the line even when the text varies
        inv = next(i for i in doc["invariants"] if i["id"] == invariant)
        assert f" at {at}" in inv["counterexample"]["message"]
    # exactly one verdict for the call: no other invariant is blamed for what the driver did
    violated = {i["id"] for i in doc["invariants"] if i["violated"]}
    assert violated == {invariant}, violated


@pytest.mark.parametrize(
    "raised",
    [
        'JSError(f"All models failed [{len(failures) - 1}]: (none)")',
        'JSError("All models failed ...")',  # the README's own template once did this
        'JSError("no model could answer")',
    ],
)
def test_a_summary_that_cannot_be_read_after_two_attempts_violates_summary_honest(raised: str, tmp_path: Path, capsys: Any) -> None:
    body = f"""
    def drv(ctx, candidates, run, on_error):
        failures = []
        for provider, model in candidates:
            try:
                return (yield from run(provider, model))
            except JSError as err:
                failures.append(err)
                on_error({{"provider": provider, "model": model, "error": err}})
        raise {raised}  # <-
    """
    driver, _ = _write(tmp_path, body)
    scenario = _scenario(tmp_path, SCENARIO.replace("rate_limit = 0.5", "rate_limit = 1.0"))
    _check_cli(tmp_path, capsys, driver, "summary-honest", "which is neither the last attempt's error nor a summary", scenario=scenario)


def test_the_last_attempts_own_error_after_several_attempts_is_honest(tmp_path: Path) -> None:
    """The raw last error (5.18's behaviour) is not a summary, and is not a violation either."""
    driver, _ = _write(
        tmp_path, "\ndef drv(ctx, candidates, run, on_error):\n    return (yield from _fallback(candidates, run, on_error))\n"
    )
    target = resolve_target(f"py:{driver}:drv")
    scenario = collect_scenarios([_scenario(tmp_path, SCENARIO.replace("rate_limit = 0.5", "rate_limit = 1.0"))])[0]
    suite = run_suite([scenario], target, seed=0, budget=10)
    assert suite.invariants["summary-honest"].checked > 0 and suite.ok, {k: v.violated for k, v in suite.invariants.items() if v.violated}


def test_the_reference_driver_never_trips_driver_contract_on_any_shipped_scenario() -> None:
    scenarios = collect_scenarios([ROOT / "scenarios"])
    suite = run_suite(scenarios, resolve_target("reference"), seed=0, budget=60)
    totals = suite.invariants["driver-contract"]
    assert totals.checked > 0 and totals.violated == 0, totals.counterexample and totals.counterexample.verdicts.violations


def test_driver_contract_is_an_invariant_with_the_designs_wording() -> None:
    assert "no candidate outside the chain" in INVARIANTS["driver-contract"]


@pytest.mark.parametrize(
    "statement", ["import sys\nsys.exit(0)", "raise SystemExit(4)", "raise KeyboardInterrupt", "raise ValueError('x')"]
)
def test_a_driver_file_that_raises_at_import_time_is_one_line_and_exit_2(statement: str, tmp_path: Path, capsys: Any) -> None:
    driver = tmp_path / "broken.py"
    driver.write_text(f"x = 1\n{statement}\n")
    code, out, err = _run(["run", str(_scenario(tmp_path)), "--target", f"py:{driver}:drv", "--report-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "importing" in lines[0] and "failed at broken.py:" in lines[0], err


def test_a_user_interrupt_passes_through_the_driver_call_but_the_drivers_own_does_not(tmp_path: Path) -> None:
    scenario = collect_scenarios([_scenario(tmp_path)])[0]

    def interrupted(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        _interrupts.mark_user_interrupt()  # what the run command's SIGINT handler does before it raises
        raise KeyboardInterrupt
        yield

    with pytest.raises(KeyboardInterrupt):
        run_seed(scenario, PythonTarget("py:ctrl-c", interrupted), 0)

    def own(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        raise KeyboardInterrupt
        yield

    result = run_seed(scenario, PythonTarget("py:own", own), 0)
    assert {v.invariant for v in result.verdicts.violations} == {"driver-contract"}


def test_an_unwaited_process_the_driver_spawns_that_fails_is_a_verdict(tmp_path: Path) -> None:
    scenario = collect_scenarios([_scenario(tmp_path)])[0]

    def boom(env: Any) -> Any:
        yield env.timeout(1)
        raise ValueError("in a side process")

    def spawns(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        ctx.env.process(boom(ctx.env))
        return (yield from run(*candidates[0]))

    result = run_seed(scenario, PythonTarget("py:spawns", spawns), 0)
    [violation] = [v for v in result.verdicts.violations if v.invariant == "driver-contract"]
    assert "a simpy process the driver started raised ValueError: in a side process at test_driver_contract.py:" in violation.message


def test_the_differential_reports_a_crash_of_the_other_target(tmp_path: Path) -> None:
    from simharness.explore.differential import differential

    driver, _ = _write(
        tmp_path, '\ndef drv(ctx, candidates, run, on_error):\n    yield from run(*candidates[0])\n    raise ValueError("x")\n'
    )
    scenario = collect_scenarios([_scenario(tmp_path)])[0]
    runs, findings = differential(
        [scenario], resolve_target("reference"), resolve_target(f"py:{driver}:drv"), seed=0, budget=3, report_dir=tmp_path
    )
    assert runs == 3 and findings
    crashed = [f for f in findings if f.difference.get("driver_contract")]
    assert crashed and crashed[0].difference["driver_contract"]["side"] == "theirs", findings
    assert "the driver raised ValueError: x at drv.py:" in crashed[0].line("reference", "drv")


def test_shrinking_stops_at_its_wall_clock_budget_with_a_schedule_that_still_replays(tmp_path: Path) -> None:
    scenario = collect_scenarios([ROOT / "scenarios" / "rate-limit-storm.toml"])[0]
    target = resolve_target("mutant:summary-miscount")
    found = next(r for s in range(50) if not (r := run_seed(scenario, target, s)).ok)
    shrunk = shrink(found, target, "summary-honest", max_seconds=1e-9)
    assert shrunk.shrink_stopped is not None and "budget" in shrunk.shrink_stopped
    again = replay(scenario, target, [c.value for c in shrunk.choices], shrunk.seed)
    assert again.trace_sha256 == shrunk.trace_sha256 and any(v.invariant == "summary-honest" for v in again.verdicts.violations)
    unhurried = shrink(found, target, "summary-honest")
    assert unhurried.shrink_stopped is None


def test_a_counterexample_that_shrinks_slowly_is_reported_with_its_budget_note(tmp_path: Path, capsys: Any) -> None:
    """An endless zero-delay poll runs every replay to the step budget: shrinking stops on its wall-clock budget."""
    driver, _ = _write(
        tmp_path,
        """
        def drv(ctx, candidates, run, on_error):
            try:
                return (yield from _fallback(candidates, run, on_error))
            except JSError:
                while True:  # "wait until a model is free again", with nothing that ever says so
                    yield ctx.env.timeout(0)
        """,
    )
    scenario = _scenario(
        tmp_path, SCENARIO.replace("files = 2", "files = 2\nmax_steps = 3000").replace("rate_limit = 0.5", "rate_limit = 1.0")
    )
    out = tmp_path / "report"
    args = ["run", str(scenario), "--target", f"py:{driver}:drv", "--budget", "2", "--report-dir", str(out), "--shrink-seconds", "0"]
    code, _, stderr = _run(args, capsys)
    assert code == 1
    ce = next(i["counterexample"] for i in json.loads((out / "report.json").read_text())["invariants"] if i["id"] == "terminates")
    assert ce["shrink_stopped"] == "stopped at its wall-clock budget of 0 s"
    assert "shrinking the terminates counterexample stopped at its wall-clock budget" in stderr
    code, replayed, _ = _run(shlex.split(ce["replay"])[1:], capsys)
    assert code == 1 and "trace identical to the recorded one" in replayed and "VIOLATED terminates: no end after" in replayed


# --- the last resort: a driver that cannot be stopped ---------------------------------------------------

UNSTOPPABLE = """
import os
from simharness import JSError


def drv(ctx, candidates, run, on_error):
    if ctx.call_id == 2:
        while True:  # swallows the watchdog's interrupt, SIGTERM and every Ctrl-C
            try:
                open(os.environ["MARK"], "w").close()  # inside the guard: no signal can arrive before it swallows
                while True:
                    pass
            except BaseException:
                pass
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except JSError as err:
            last = err
            on_error({"provider": provider, "model": model, "error": err})
    raise last
"""


def _start_unstoppable(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    driver = tmp_path / "unstoppable.py"
    driver.write_text(UNSTOPPABLE)
    out, err = tmp_path / "out", tmp_path / "stderr"
    env = {**os.environ, "MARK": str(tmp_path / "looping"), "SIMHARNESS_GRACE_SECONDS": "0.5"}
    cmd = [sys.executable, "-m", "simharness", "run", str(_scenario(tmp_path)), "--target", f"py:{driver}:drv", "--budget", "4"]
    cmd += ["--report-dir", str(out), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err.open("wb"), cwd=tmp_path, env=env)
    return proc, out, err


def _wait(proc: subprocess.Popen[bytes], limit: float = 90.0) -> int:
    try:
        return proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("simharness never ended: the driver was not stopped") from None


def test_the_watchdog_ends_a_driver_that_swallows_its_interrupt_with_an_incomplete_report(tmp_path: Path) -> None:
    proc, out, err = _start_unstoppable(tmp_path, "--stall-seconds", "0.3")
    assert _wait(proc) == _exits.EXIT_UNSTOPPABLE
    stderr = err.read_text()
    assert "Traceback" not in stderr and "could not be stopped" in stderr and "marked incomplete" in stderr
    doc = json.loads((out / "report.json").read_text())
    assert doc["complete"] is False
    ce = next(i["counterexample"] for i in doc["invariants"] if i["id"] == "terminates")
    assert "swallowed the watchdog's interrupt" in ce["message"] and (out / ce["schedule"]).is_file()
    for name in ("summary.md", "junit.xml", "report.html"):
        assert (out / name).is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT)], ids=["sigterm", "two-ctrl-c"])
def test_an_interrupt_the_driver_swallows_still_ends_the_run_with_an_incomplete_report(
    signals: tuple[signal.Signals, ...], tmp_path: Path
) -> None:
    proc, out, err = _start_unstoppable(tmp_path, "--stall-seconds", "0")  # no watchdog: only the signals
    deadline = time.monotonic() + 60
    while not (tmp_path / "looping").exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    for signum in signals:
        proc.send_signal(signum)
        time.sleep(0.2)
    assert _wait(proc) == 128 + signals[-1]
    stderr = err.read_text()
    assert "Traceback" not in stderr and "would not let go of the interrupt" in stderr
    assert json.loads((out / "report.json").read_text())["complete"] is False
