"""Running one world: a run judged into verdicts, and its exact replay from a choice sequence."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from simharness.check.judge import check
from simharness.check.verdicts import Verdicts, Violation
from simharness.engine.world import World
from simharness.guard.contract import culprit, harness_control, text
from simharness.guard.exits import exit_attempts
from simharness.guard.live_run import live
from simharness.guard.settings import Guards
from simharness.guard.watchdog import culprit as looping_at
from simharness.model.choice import Choice, ChoiceSource, RandomChoices, ReplayChoices, derive_seed
from simharness.model.exceptions import LivenessError, ProcessExit, RunStalled, TargetError, TargetRunFailure, TripwireError
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario
from simharness.model.target import Target
from simharness.model.trace import Trace


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run: what was chosen, what happened, and what the invariants said."""

    scenario: Scenario
    target: str
    seed: int | None
    choices: tuple[Choice, ...]
    trace: Trace
    verdicts: Verdicts
    shrink_stopped: str | None = None  # why shrinking this counterexample stopped early (its wall-clock budget)

    @property
    def ok(self) -> bool:
        return self.verdicts.ok

    @property
    def trace_sha256(self) -> str:
        return self.trace.sha256()


def run_once(scenario: Scenario, target: Target, choices: ChoiceSource, seed: int | None = None) -> RunResult:
    """Play one world to its end and judge it. A run that never ends is a `terminates` violation."""
    world = World(scenario, target, choices)
    try:
        with live(world.env, stuck=lambda: _unstoppable(world, seed)):  # tripwires armed, watchdog watching the world's steps
            trace = world.run()
            verdicts = check(trace, target.profile)
            _judge_exits(world, verdicts)
    except RunStalled as exc:  # the driver looped without yielding: the watchdog stopped it
        # where the loop was caught varies from run to run: it goes in the message, never in the trace
        world.trace.add(
            world.env.now, "harness", EventKind.LIVENESS_EXCEEDED, reason="the driver never yielded to the simulation", watchdog=True
        )
        message = (
            f"the driver never yielded to the simulation: no step for {Guards.stall_seconds:g} s of wall time, looping at {looping_at(exc)}"
        )
        return _stopped(world, seed, Violation("terminates", message + "; stopped by the watchdog", world.env.now))
    except TripwireError as exc:
        if exc.in_harness:  # the harness itself broke determinism: a bug to fix, not a verdict
            raise
        world.trace.add(world.env.now, "harness", EventKind.TRIPWIRE, source=exc.source, where=f"{os.path.basename(exc.file)}:{exc.line}")
        result = _stopped(world, seed, Violation("deterministic", str(exc), world.env.now))
        result.verdicts.checked["deterministic"] += 1  # the tripwire checked this run: never more violated than checked
        return result
    except ProcessExit as exc:  # refused out of the world itself (a simpy process the driver started)
        for attempt in exit_attempts():
            attempt.judged = True
        at = exc.where or "?"
        message = f"the driver called {text(exc.source)}, which would have ended the harness's process, at {at}"
        return _crashed(world, seed, "ProcessExit", text(exc.source), at, message)
    except LivenessError as exc:
        world.trace.add(world.env.now, "harness", EventKind.LIVENESS_EXCEEDED, reason=str(exc))
        return _stopped(world, seed, Violation("terminates", str(exc), world.env.now))
    except TargetError as exc:  # the target itself broke (a real target's Node bridge died): keep the schedule
        raise TargetRunFailure(str(exc), _stopped(world, seed, Violation("terminates", str(exc), world.env.now))) from None
    except RecursionError:
        world.trace.add(world.env.now, "harness", EventKind.LIVENESS_EXCEEDED, reason="unbounded recursion in the driver")
        message = "the driver recursed without bound (a cycle walked without a seen-set?)"
        return _stopped(world, seed, Violation("terminates", message, world.env.now))
    except BaseException as exc:  # out of the world itself: a process the driver spawned failed, unwaited
        if harness_control(exc):
            raise
        where = _spawned_culprit(exc)
        if where is None:  # nothing of the driver's on the way: the harness broke, say so as it is
            raise
        message = f"a simpy process the driver started raised {type(exc).__name__}: {text(exc)} at {where}"
        return _crashed(world, seed, type(exc).__name__, text(exc), where, message)
    return RunResult(scenario, target.spec, seed, tuple(choices.record), trace, verdicts)


def _crashed(world: World, seed: int | None, kind: str, what: str, where: str, message: str) -> RunResult:
    """A run the driver ended from outside any call (an exit, a spawned process that failed): recorded in the
    trace as `driver.crash` and judged `driver-contract`."""
    world.trace.add(world.env.now, "harness", EventKind.DRIVER_CRASH, type=kind, message=what, where=where)
    result = _stopped(world, seed, Violation("driver-contract", message, world.env.now, event=len(world.trace) - 1))
    result.verdicts.checked["driver-contract"] += 1
    return result


def _judge_exits(world: World, verdicts: Verdicts) -> None:
    """A process exit the guard refused that no driver call's outcome recorded (made from a thread the driver
    started, or swallowed by the driver): the run is still judged, `driver-contract` at the driver's line."""
    unjudged = [attempt for attempt in exit_attempts() if not attempt.judged]
    if not unjudged:
        return
    for attempt in unjudged:
        attempt.judged = True
    first = unjudged[0]  # one verdict per run, like any breach: the first exit is the story
    where = first.where or "?"
    message = f"the driver called {text(first.source)}, which would have ended the harness's process, at {where}"
    world.trace.add(world.env.now, "harness", EventKind.DRIVER_CRASH, type="ProcessExit", message=text(first.source), where=where)
    verdicts.violations.append(Violation("driver-contract", message, world.env.now, event=len(world.trace) - 1))
    verdicts.checked["driver-contract"] = max(verdicts.checked["driver-contract"], 1)  # its calls were checked already


_INVALID_YIELD = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _spawned_culprit(exc: BaseException) -> str | None:
    """file:line of the driver code behind an exception that escaped the world (None: not the driver's)."""
    found, innermost = culprit(exc.__traceback__)
    if innermost == "driver":
        return found
    if isinstance(exc, RuntimeError) and "Invalid yield value" in str(exc):  # raised by simpy, from the world's step
        m = _INVALID_YIELD.search(str(exc))  # simpy names the generator that yielded it
        if m is not None:
            return f"{os.path.basename(m.group('file'))}:{m.group('line')}"
    return None  # the world's or the harness's own exception (a bug, Hypothesis's StopTest): raised as it is


def _unstoppable(world: World, seed: int | None) -> RunResult:
    """The run of a driver that swallowed the watchdog's interrupt (built by the last resort, off-thread)."""
    world.trace.add(
        world.env.now, "harness", EventKind.LIVENESS_EXCEEDED, reason="the driver never yielded and could not be stopped", watchdog=True
    )
    message = (
        f"the driver never yielded to the simulation and swallowed the watchdog's interrupt: no step for {Guards.stall_seconds:g} s "
        f"+ {Guards.grace_seconds:g} s of wall time; the process was ended"
    )
    return _stopped(world, seed, Violation("terminates", message, world.env.now))


def _stopped(world: World, seed: int | None, violation: Violation) -> RunResult:
    """A run the harness stopped: its calls did not end because we stopped them, so only `violation` says why."""
    verdicts = check(world.trace, world.target.profile)
    verdicts.violations[:] = [v for v in verdicts.violations if v.invariant != "terminates"] + [violation]
    return RunResult(world.scenario, world.target.spec, seed, tuple(world.choices.record), world.trace, verdicts)


def stalled(result: RunResult) -> bool:
    """The watchdog stopped this run (replaying it costs the stall time again: not worth shrinking)."""
    return any(e.kind == EventKind.LIVENESS_EXCEEDED and e.data.get("watchdog") for e in result.trace.events[-1:])


def replay(scenario: Scenario, target: Target, values: Sequence[int], seed: int | None = None) -> RunResult:
    return run_once(scenario, target, ReplayChoices(values), seed)


def run_seed(scenario: Scenario, target: Target, seed: int) -> RunResult:
    return run_once(scenario, target, RandomChoices(seed), seed)


def seeds_for(scenario: Scenario, master_seed: int, budget: int, shard: tuple[int, int] = (1, 1)) -> Iterator[int]:
    """The seeds of a scenario's runs. Shard i/n takes runs i-1, i-1+n, ... so shards partition the space."""
    index, count = shard
    for i in range(index - 1, budget, count):
        yield derive_seed(master_seed, scenario.name, i)
