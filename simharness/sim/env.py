"""The simulated clock: a simpy `Environment` whose same-instant ties are recorded choices.

Determinism is the product: a run is a pure function of (scenario, target, choice sequence). simpy orders
events due at the same (time, priority) by event id, that is by the order in which they happened to be
scheduled. Left alone, that order would decide every race between sessions, writers and providers, always
the same way, and no strategy could explore the other orders. `SimEnvironment.step` makes such a tie a call
on the run's `ChoiceSource` instead, so replay reproduces it and exploration varies it.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import lru_cache
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule

from simharness.model.choice import ChoiceSource

#: One entry of simpy's event queue, as `Environment.schedule` pushes it: (time, priority, event id, event).
QueueEntry = tuple[Any, Any, int, simpy.Event]


class SimEnvironment(simpy.Environment):
    """simpy with same-instant ties broken by the choice source instead of by event id.

    Time is integer milliseconds. Actors (`spawn`) are the processes whose order matters; `steps` counts the
    events processed, for the world's step bound and the watchdog."""

    def __init__(self, choices: ChoiceSource) -> None:
        super().__init__(0)
        self.choices = choices
        self.steps = 0

    @property
    def now(self) -> int:
        """Virtual milliseconds: always an integer, since every delay in the world is."""
        return self._now  # type: ignore[return-value]

    def spawn(self, generator: Generator[Any, Any, Any], actor: str) -> simpy.Process:
        """Start a process named `actor`: its events take part in ties as that actor's (see `step`)."""
        proc = self.process(generator)
        proc.actor = actor  # type: ignore[attr-defined]
        return proc

    def step(self) -> None:
        """Process the next event; when several are due at the same (time, priority), the choice source says which.

        Why: a run must be a pure function of its choice sequence, and a race between actors must be
        something a strategy can explore and a schedule file can replay, never simpy's event-id order.

        A fork of simpy 4.1.2's private `Environment.step` (pinned in pyproject.toml; tests/test_sim_env.py
        fails when the installed simpy's `step` changes, and checks this fork against it). Copied from
        upstream: pop the queue's head `(time, priority, event id, event)`, set `now` to its time, detach the
        event's callbacks and call each with the event, then fail the run if the event failed undefused
        (`_ok` false, no `_defused` attribute). It reads simpy's private `_queue`, `_now`, `_ok`, `_value`
        and `_defused`, which is why the version is pinned.

        Different on purpose:
        - a tie (another entry due at the head's time and priority) is decided by `_pick_tied`, never by
          event id. With a choice source that always answers 0 the events that resume actors come in
          upstream's order; only an event no actor waits on (a condition's member, a process nobody joins)
          runs first among those due with it, so a crash nobody waits on ends the run before the other
          actors' events of that instant;
        - an undefused failure is raised as itself, not as upstream's copy `type(e)(*e.args)`: the harness's
          own exceptions keep their attributes and constructors (`TargetRunFailure` takes two arguments);
        - 4.1.2's rescheduling of the remaining callbacks on `StopSimulation` is left out: the world steps
          until `EmptySchedule`. `run(until=...)` still works; only callbacks added to the `until` event after
          `run` was called would be dropped;
        - `steps` counts the events processed.
        """
        queue = self._queue
        if not queue:
            raise EmptySchedule
        self.steps += 1
        at, priority, _, _ = queue[0]
        # A heap's next-smallest entry is one of the head's children (index 1 or 2): the head has a tie iff
        # one of them is due at the same time and priority, where only the event id would separate them.
        tied = False
        size = len(queue)
        if size > 1:
            next_at, next_priority, _, _ = queue[1]
            tied = next_at == at and next_priority == priority
            if not tied and size > 2:
                next_at, next_priority, _, _ = queue[2]
                tied = next_at == at and next_priority == priority
        if tied:
            self._now, _, _, event = self._pick_tied(at, priority)
        else:
            self._now, _, _, event = heappop(queue)
        # Detach the callbacks first, as upstream does: an event is processed once.
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            raise event._value

    def _pick_tied(self, at: Any, priority: Any) -> QueueEntry:
        """Pop the entry to process among those due at (`at`, `priority`) and push the others back.

        One candidate per actor, its earliest entry: an actor's own events keep their causal (event-id)
        order, so only the order *between* actors is a choice (`ChoiceSource.pick_tie`, actors in event-id
        order, so index 0 is upstream's pick). An entry no actor waits on (a condition's bookkeeping) has no
        race to decide: the first such entry runs before the actors' entries."""
        queue = self._queue
        entries: list[QueueEntry] = []
        while queue:
            entry_at, entry_priority, _, _ = queue[0]
            if entry_at != at or entry_priority != priority:
                break
            entries.append(heappop(queue))
        firsts: dict[str, int] = {}
        for i, (_, _, _, event) in enumerate(entries):
            actor = _actor_of(event)
            if actor is None:  # internal bookkeeping (conditions): no race, run it first
                firsts = {"": i}
                break
            firsts.setdefault(actor, i)
        if len(firsts) > 1:
            actors = list(firsts)
            index = firsts[actors[self.choices.pick_tie(actors)]]
        else:
            index = next(iter(firsts.values()))
        chosen = entries.pop(index)
        for entry in entries:
            heappush(queue, entry)
        return chosen


def _actor_of(event: simpy.Event) -> str | None:
    """The actor a processed `event` resumes: the first of its callbacks bound to a spawned process."""
    for callback in event.callbacks or ():
        owner = getattr(callback, "__self__", None)
        actor = getattr(owner, "actor", None)
        if actor is not None:
            return str(actor)
    return None


@lru_cache(maxsize=1024)
def duration_labels(values: tuple[int, ...], prefix: str, suffix: str) -> tuple[str, ...]:
    """Option names of a choice over virtual durations (`300ms`, `+7ms`, `2s`), built once per process."""
    return tuple(f"{prefix}{v}{suffix}" for v in values)
