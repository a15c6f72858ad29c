"""The other writers: gateways, CLIs and compaction that take a session's lock and write its file.

They are what makes a takeover possible: a write to a session file while its session released the lock for
a provider call. When each one strikes, which file it writes and how long it holds the lock are choices.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import simpy

from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.kinds import EventKind
from simharness.model.scenario import WriterSpec
from simharness.model.trace import Trace
from simharness.sim.env import SimEnvironment, duration_labels
from simharness.sim.files import SessionFile


class WriterWorld(Protocol):
    """What a writer needs of the world (`engine.world.World` is one)."""

    env: SimEnvironment
    choices: ChoiceSource
    trace: Trace
    files: list[SessionFile]


def writer(world: WriterWorld, name: str, spec: WriterSpec) -> Generator[simpy.Event, Any, None]:
    """The writer `name`: `spec.writes` times, wait, lock a file, write it (or rewrite it: compaction), hold, release."""
    env, choices, trace = world.env, world.choices, world.trace
    delay_label, delay_names = f"{name}.delay", duration_labels(spec.delay_ms, "", "ms")
    file_label, paths = f"{name}.file", [f.path for f in world.files]
    hold_label, hold_names = f"{name}.hold", duration_labels(spec.hold_ms, "", "ms")
    for _ in range(spec.writes):
        yield env.timeout(spec.delay_ms[choices.choose(delay_label, delay_names)])
        file = world.files[choices.choose(file_label, paths)]
        try:
            token = yield from file.lock.acquire(name, spec.lock_timeout_ms)
        except JSError:
            trace.add(env.now, name, EventKind.WRITER_GAVE_UP, file=file.path)
            continue
        file.write(env.now, 120, rewrite=spec.kind == "rewrite")
        trace.add(env.now, name, EventKind.FILE_WRITE, file=file.path, by=name, size=file.size)
        yield env.timeout(spec.hold_ms[choices.choose(hold_label, hold_names)])
        file.lock.release(name, token)
