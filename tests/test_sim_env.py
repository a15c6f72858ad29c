"""`SimEnvironment.step` against the simpy it forks (simpy 4.1.2's private `Environment.step`).

- simpy programs (timeouts, processes waiting on each other, conditions, failures and defused events,
  interrupts, resources, `run(until=...)`) run under the fork as under plain `simpy.Environment`: event for
  event without actors; with actors and a choice source that always answers 0, every process sees the same
  values in the same order, and only an event no actor waits on may run earlier (pinned by its own test).
- The installed simpy's `step` (and the queue layout it reads) is the one forked: an upgrade is a conscious act.
- Ties between actors are decided by the choice source, never by event id.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy
from simpy.core import EmptySchedule

from simharness.model.choice import ReplayChoices
from simharness.sim.env import SimEnvironment

Log = list[tuple[Any, ...]]
Start = Callable[[simpy.Environment, Generator[Any, Any, Any], str], simpy.Process]
Program = Callable[[simpy.Environment, Start, Log], None]

# --- simpy programs: each starts processes that log what they see ----------------------------------------


def timeouts(env: simpy.Environment, start: Start, log: Log) -> None:
    def sleeper(name: str, delays: tuple[int, ...]) -> Generator[Any, Any, str]:
        for delay in delays:
            value = yield env.timeout(delay, value=f"{name}+{delay}")
            log.append((env.now, name, value))
        return name

    for name, delays in (("a", (0, 5, 5)), ("b", (5, 0, 5)), ("c", (10,)), ("d", (0, 0, 10)), ("e", (5, 5))):
        start(env, sleeper(name, delays), name)


def interplay(env: simpy.Environment, start: Start, log: Log) -> None:
    gate = env.event()

    def child(name: str, delay: int) -> Generator[Any, Any, int]:
        yield env.timeout(delay)
        log.append((env.now, name, "done"))
        return delay * 10

    def parent(name: str) -> Generator[Any, Any, None]:
        kids = [start(env, child(f"{name}.{k}", k % 2), f"{name}.{k}") for k in range(3)]
        for kid in kids:
            log.append((env.now, name, "joined", (yield kid)))
        log.append((env.now, name, "gate", (yield gate)))

    def opener() -> Generator[Any, Any, None]:
        yield env.timeout(1)
        gate.succeed("open")
        log.append((env.now, "opener", "opened"))

    start(env, parent("p"), "p")
    start(env, parent("q"), "q")
    start(env, opener(), "opener")


def conditions(env: simpy.Environment, start: Start, log: Log) -> None:
    def both(name: str) -> Generator[Any, Any, None]:
        a, b = env.timeout(2, value="a"), env.timeout(2, value="b")
        done = yield a & b
        log.append((env.now, name, sorted(done.todict().values())))

    def either(name: str) -> Generator[Any, Any, None]:
        fast, slow = env.timeout(1, value="fast"), env.timeout(3, value="slow")
        done = yield env.any_of([slow, fast])
        log.append((env.now, name, list(done.todict().values())))
        log.append((env.now, name, (yield slow)))

    def nested(name: str) -> Generator[Any, Any, None]:
        done = yield (env.timeout(1, "x") | env.timeout(2, "y")) & env.timeout(2, "z")
        log.append((env.now, name, sorted(done.todict().values())))

    def empty(name: str) -> Generator[Any, Any, None]:
        log.append((env.now, name, (yield env.all_of([])).todict()))

    for name, body in (("both", both), ("either", either), ("nested", nested), ("empty", empty), ("both2", both)):
        start(env, body(name), name)


def failures(env: simpy.Environment, start: Start, log: Log) -> None:
    failing = env.event()
    defused = env.event()

    def waiter(name: str) -> Generator[Any, Any, None]:
        try:
            yield failing
        except ValueError as err:
            log.append((env.now, name, "caught", err.args))

    def failer() -> Generator[Any, Any, None]:
        yield env.timeout(2)
        failing.fail(ValueError("boom", 2))
        defused.fail(KeyError("nobody waits"))
        defused.defused = True  # failed, but nobody needs to know: the run goes on
        log.append((env.now, "failer", "failed"))

    def crashing_child() -> Generator[Any, Any, None]:
        yield env.timeout(1)
        raise RuntimeError("child crashed")

    def guardian() -> Generator[Any, Any, None]:
        try:
            yield start(env, crashing_child(), "child")
        except RuntimeError as err:
            log.append((env.now, "guardian", "child failed", err.args))

    for name in ("w1", "w2"):
        start(env, waiter(name), name)
    start(env, failer(), "failer")
    start(env, guardian(), "guardian")


def crash(env: simpy.Environment, start: Start, log: Log) -> None:
    """A process fails and nobody waits on it: the run stops with its exception."""

    def bystander() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(1)
            log.append((env.now, "bystander"))

    def crasher() -> Generator[Any, Any, None]:
        yield env.timeout(3)
        raise LookupError("crashed", 3)

    start(env, bystander(), "bystander")
    start(env, crasher(), "crasher")


def interrupts(env: simpy.Environment, start: Start, log: Log) -> None:
    def sleeper(name: str) -> Generator[Any, Any, None]:
        while True:
            try:
                yield env.timeout(10)
                log.append((env.now, name, "slept"))
                return
            except simpy.Interrupt as why:
                log.append((env.now, name, "interrupted", why.cause))

    def waker(name: str, victims: list[simpy.Process], at: int) -> Generator[Any, Any, None]:
        yield env.timeout(at)
        for victim in victims:
            if victim.is_alive:
                victim.interrupt(f"{name}@{env.now}")
        log.append((env.now, name, "woke"))

    s1, s2 = start(env, sleeper("s1"), "s1"), start(env, sleeper("s2"), "s2")
    start(env, waker("w1", [s1, s2], 3), "w1")
    start(env, waker("w2", [s2, s1], 3), "w2")
    start(env, waker("w3", [s1], 20), "w3")


def resources(env: simpy.Environment, start: Start, log: Log) -> None:
    lock = simpy.Resource(env, capacity=1)
    store = simpy.Store(env)

    def user(name: str, hold: int) -> Generator[Any, Any, None]:
        with lock.request() as req:
            yield req
            log.append((env.now, name, "holds"))
            yield env.timeout(hold)
        yield store.put(name)

    def consumer() -> Generator[Any, Any, None]:
        for _ in range(3):
            log.append((env.now, "consumer", (yield store.get())))

    for name, hold in (("u1", 2), ("u2", 0), ("u3", 2)):
        start(env, user(name, hold), name)
    start(env, consumer(), "consumer")


PROGRAMS: dict[str, Program] = {p.__name__: p for p in (timeouts, interplay, conditions, failures, crash, interrupts, resources)}

# --- running a program under each environment ----------------------------------------------------------


def _process(env: simpy.Environment, generator: Generator[Any, Any, Any], name: str) -> simpy.Process:
    """Plain simpy: a process named only for this test's bookkeeping (no `spawn` upstream)."""
    proc = env.process(generator)
    proc.actor = name  # type: ignore[attr-defined]
    return proc


def _spawn(env: simpy.Environment, generator: Generator[Any, Any, Any], name: str) -> simpy.Process:
    assert isinstance(env, SimEnvironment)
    return env.spawn(generator, name)


def _anonymous(env: simpy.Environment, generator: Generator[Any, Any, Any], name: str) -> simpy.Process:
    return env.process(generator)


def _resumes(event: simpy.Event) -> str | None:
    """The actor a processed event resumes, if any: a callback bound to a named process."""
    owners = (getattr(getattr(callback, "__self__", None), "actor", None) for callback in event.callbacks or ())
    return next((str(owner) for owner in owners if owner is not None), None)


def _play(env: simpy.Environment, program: Program, start: Start) -> dict[str, Any]:
    """Step `program` to its end, recording every processed event as (time, priority, event id, type, actor)."""
    log: Log = []
    program(env, start, log)
    order: list[tuple[Any, ...]] = []
    failure = None
    while True:
        before = {eid: (at, priority, eid, type(event).__name__, _resumes(event)) for at, priority, eid, event in env._queue}
        try:
            env.step()
        except EmptySchedule:
            break
        except Exception as exc:  # noqa: BLE001 — the program's crash is a result to compare
            failure = (type(exc), exc.args)
        after = {eid for _, _, eid, _ in env._queue}
        (processed,) = [entry for eid, entry in before.items() if eid not in after]
        order.append(processed)
        if failure is not None:
            break
    return {"log": log, "order": order, "now": env.now, "failure": failure}


def _upstream() -> simpy.Environment:
    return simpy.Environment(0)


def _forked() -> SimEnvironment:
    return SimEnvironment(ReplayChoices([]))  # every choice its index 0


@pytest.mark.parametrize("name", PROGRAMS)
def test_without_actors_the_fork_processes_events_exactly_as_simpy_does(name: str) -> None:
    """Nothing to choose: the fork's pop, callbacks, failure and defusing are upstream's, event for event."""
    program = PROGRAMS[name]
    expected = _play(_upstream(), program, _anonymous)
    assert expected["order"] and expected["log"]
    forked = _forked()
    assert _play(forked, program, _anonymous) == expected
    assert forked.choices.record == [] and forked.steps == len(expected["order"])


WITHOUT_RACING_CRASH = [name for name in PROGRAMS if name != "crash"]


@pytest.mark.parametrize("name", WITHOUT_RACING_CRASH)
def test_with_actors_and_every_choice_at_index_0_the_fork_is_simpy(name: str) -> None:
    """Ties between actors are choices, and index 0 is simpy's pick: every process sees what it sees under
    simpy, and the events that resume actors come in simpy's order. Only an event no actor waits on (a
    condition's member, a process nobody joins) may run earlier among those due with it (`_pick_tied`)."""
    program = PROGRAMS[name]
    expected = _play(_upstream(), program, _process)
    forked = _forked()
    got = _play(forked, program, _spawn)
    assert forked.choices.record and all(c.label.startswith("tie:") and c.value == 0 for c in forked.choices.record)
    assert (got["log"], got["now"], got["failure"]) == (expected["log"], expected["now"], expected["failure"])
    assert [e for e in got["order"] if e[4] is not None] == [e for e in expected["order"] if e[4] is not None]
    assert sorted(got["order"], key=repr) == sorted(expected["order"], key=repr)


def test_an_event_no_actor_waits_on_runs_first_among_those_due_with_it() -> None:
    """The one difference in order, pinned: a process that crashes with nobody joining it stops the run before
    the other actors' events of that instant (simpy would run the bystander's first: lower event id)."""
    expected = _play(_upstream(), crash, _process)
    got = _play(_forked(), crash, _spawn)
    assert expected["log"] == [(1, "bystander"), (2, "bystander"), (3, "bystander")]
    assert got["log"] == [(1, "bystander"), (2, "bystander")]
    assert got["failure"] == expected["failure"] == (LookupError, ("crashed", 3)) and got["now"] == expected["now"] == 3


@pytest.mark.parametrize("until", [4, 20])
def test_run_until_a_time_matches_simpy(until: int) -> None:
    for name in WITHOUT_RACING_CRASH:
        program = PROGRAMS[name]
        results = []
        for env, start in ((_upstream(), _process), (_forked(), _spawn)):
            log: Log = []
            program(env, start, log)
            results.append((log, env.run(until=until), env.now))
        assert results[0] == results[1], name


def test_run_until_an_event_matches_simpy() -> None:
    results = []
    for env, start in ((_upstream(), _process), (_forked(), _spawn)):
        log: Log = []
        interplay(env, start, log)
        done = env.timeout(1, value="stop")
        results.append((env.run(until=done), env.now, log))
        env.run()  # and the rest of the program runs as before
        results.append((env.now, log))
    assert results[:2] == results[2:]


def test_an_undefused_failure_is_raised_as_itself_not_as_simpys_copy() -> None:
    """The one deliberate difference in results: simpy raises `type(e)(*e.args)`, which would lose the harness's
    own exceptions' attributes (and cannot even rebuild one whose constructor takes other arguments)."""

    class Carrying(Exception):
        def __init__(self, message: str, payload: object) -> None:
            super().__init__(message)
            self.payload = payload

    raised = Carrying("stop", payload={"run": 1})
    for env in (_upstream(), _forked()):

        def fails(env: simpy.Environment = env) -> Generator[Any, Any, None]:
            yield env.timeout(1)
            raise raised

        env.process(fails())
        with pytest.raises(BaseException) as info:
            env.run()
        if isinstance(env, SimEnvironment):
            assert info.value is raised and info.value.payload == {"run": 1}
        else:
            assert isinstance(info.value, TypeError)  # simpy's copy cannot call Carrying("stop")


# --- the simpy it forks --------------------------------------------------------------------------------

#: sha256 of `inspect.getsource` of simpy 4.1.2's `Environment.step` and `Environment.schedule` (the queue
#: entry layout `(time, priority, event id, event)` the fork unpacks).
FORKED = {
    "step": "8fea2b488c8ad7faecfa46ea6759b01821dce350cd54301caac0cbe0f13185a0",
    "schedule": "d77e268cd77bd92126143b4fc3513fcca9a352c0ed50c7d4958f63b4d4fed615",
}


@pytest.mark.parametrize("method", FORKED)
def test_the_installed_simpy_is_the_one_forked(method: str) -> None:
    source = inspect.getsource(getattr(simpy.Environment, method))
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == FORKED[method], (
        f"the installed simpy ({simpy.__version__}) has another Environment.{method} than simpy 4.1.2, whose "
        "step simharness/sim/env.py's SimEnvironment.step forks (it reads _queue, _now, _ok, _value, _defused). "
        "Compare the sources, port what matters into SimEnvironment.step, check the golden traces, then update "
        f"FORKED[{method!r}] here and the simpy bound in pyproject.toml. The installed source:\n{source}"
    )


# --- ties are choices ----------------------------------------------------------------------------------


def _racers(env: SimEnvironment, log: list[str], names: tuple[str, ...] = ("a", "b", "c")) -> None:
    def racer(name: str) -> Generator[Any, Any, None]:
        yield env.timeout(5)
        log.append(name)

    for name in names:
        env.spawn(racer(name), name)


@pytest.mark.parametrize(("values", "order"), [([0, 0], "abc"), ([1, 0], "bac"), ([2, 1], "cba"), ([2, 0], "cab")])
def test_same_instant_ties_between_actors_are_decided_by_the_choice_source(values: list[int], order: str) -> None:
    env = SimEnvironment(ReplayChoices([0, 0, *values]))  # the first two ties: which process starts first
    log: list[str] = []
    _racers(env, log)
    env.run()
    assert "".join(log) == order
    # each tie offers the actors still waiting, in event-id order (index 0: simpy's own pick)
    first = "abc"
    second = first.replace(order[0], "")
    ties = [(c.label, c.value) for c in env.choices.record]
    assert ties == [("tie:a/b/c", 0), ("tie:b/c", 0), (f"tie:{'/'.join(first)}", values[0]), (f"tie:{'/'.join(second)}", values[1])]


def test_different_priorities_at_one_instant_are_no_tie() -> None:
    env = SimEnvironment(ReplayChoices([0, 1]))
    log: list[str] = []

    def waits(name: str, event: simpy.Event) -> Generator[Any, Any, None]:
        yield event
        log.append(name)

    urgent = env.event()
    urgent._ok, urgent._value = True, None
    env.schedule(urgent, simpy.core.URGENT, 5)  # type: ignore[attr-defined]
    env.spawn(waits("normal", env.timeout(5)), "normal")
    env.spawn(waits("urgent", urgent), "urgent")
    env.run()
    assert log == ["urgent", "normal"]
    assert [c.label for c in env.choices.record] == ["tie:normal/urgent"]  # which process starts first; none at 5 ms


def test_a_tie_is_seen_at_either_child_of_the_heaps_head() -> None:
    """The next-smallest entry of a heap is at index 1 or 2: here the tie of `a` sits at 2, behind a later event at 1."""
    env = SimEnvironment(ReplayChoices([0, 0, 1]))  # start a, late, b in that order; then b wins the tie at 5 ms
    log: list[str] = []

    def sleeper(name: str, delay: int) -> Generator[Any, Any, None]:
        yield env.timeout(delay)
        log.append(name)

    for name, delay in (("a", 5), ("late", 9), ("b", 5)):
        env.spawn(sleeper(name, delay), name)
    env.step(), env.step(), env.step()  # the three starts
    assert [(at, event.callbacks[0].__self__.actor) for at, _, _, event in env._queue] == [(5, "a"), (9, "late"), (5, "b")]
    env.run()
    assert log == ["b", "a", "late"]
    assert [c.label for c in env.choices.record][-1] == "tie:a/b"
