"""The world of one run: the simulator that composes the simulated machine, the fault injectors and the
workload, in virtual time (TigerBeetle's `src/testing/` shape: each part a separate module, composed here).

- `sim/`: the clock whose same-instant ties are choices (`SimEnvironment`), the session files and locks;
- `faults/`: the run's swarm (which faults and wrappers are on), provider faults, runtime refusals and
  coordination errors, wrapping;
- `workload/`: the sessions that call the driver, and the other writers.

The world holds the state they share: the scenario, the target, the choices, the trace, the files and the
errors it created (each gets a uid when the world creates it, so identity survives into the trace). Every
decision that could go two ways is a call on the run's `ChoiceSource`; time is integer milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simpy.core import EmptySchedule

from simharness.faults.provider import ProviderFaults
from simharness.faults.runtime import RuntimeFaults
from simharness.faults.swarm import choose_swarm
from simharness.faults.vocabulary import VocabularyFaults
from simharness.faults.wrapping import Wrapping
from simharness.model import errors as E
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.exceptions import LivenessError
from simharness.model.scenario import Scenario
from simharness.model.target import Target
from simharness.model.trace import Trace
from simharness.sim.env import SimEnvironment
from simharness.sim.files import FINGERPRINT_FIELDS, SessionFile
from simharness.workload.runner import AuthWorld
from simharness.workload.sessions import session
from simharness.workload.writers import writer


class World:
    """One run's world. `run()` plays it to the end and returns the trace.

    It is the `SessionWorld`, `WriterWorld` and `LockWorld` its parts are written against."""

    def __init__(self, scenario: Scenario, target: Target, choices: ChoiceSource) -> None:
        self.scenario, self.target, self.choices = scenario, target, choices
        self.env = SimEnvironment(choices)
        self.trace = Trace()
        self.errors: dict[int, tuple[int, JSError]] = {}  # id(obj) -> (uid, obj): keeps objects alive
        self.files = [SessionFile(f"sess-{chr(97 + i) if i < 26 else i}.jsonl", 1000 + i, self) for i in range(scenario.files)]
        self.calls = 0  # the last call id handed out
        # The takeover check belongs to the target's runtime (openclaw's embedded attempt), so a target may
        # narrow it; the shipped mutant that compares sizes only shows `no-silent-overwrite` can fail.
        fields: tuple[str, ...] = getattr(target, "fingerprint_fields", FINGERPRINT_FIELDS)
        self.fingerprint_fields = FINGERPRINT_FIELDS if fields == FINGERPRINT_FIELDS else fields  # the fast path
        # Swarm testing: before anything else the run chooses which fault kinds and wrappers are on (recorded).
        self.swarm = swarm = choose_swarm(scenario, choices)
        self.providers = ProviderFaults(scenario, swarm)
        self.runtime = RuntimeFaults(scenario, swarm, choices)
        self.wrapping = Wrapping(scenario, swarm, choices)
        self.vocabulary = VocabularyFaults(scenario, swarm, choices)  # opt-in faults of openclaw's whole vocabulary
        # State between calls (issue 16), only with an [auth] table: the auth-profile store its sessions share
        # (seeded now, at t=0) and the providers' truth about keys. Without one: no store, today's traces.
        self.auth = AuthWorld(scenario, target, choices, self.trace) if scenario.auth is not None else None
        self.run_state: dict[str, Any] = {}  # `ctx.run_state`: fresh per run, shared by the run's sessions

    # errors get a uid when the world creates them, so identity survives into the trace
    def register(self, err: JSError) -> JSError:
        for node in E.walk(err):
            if id(node) not in self.errors:
                self.errors[id(node)] = (len(self.errors) + 1, node)
        return err

    def uid(self, err: Any) -> int | None:
        entry = self.errors.get(id(err))
        return entry[0] if entry is not None and entry[1] is err else None

    def run(self) -> Trace:
        sc = self.scenario
        for i in range(sc.sessions):
            name = f"session-{i + 1}"
            self.env.spawn(session(self, name, self.files[i % len(self.files)]), name)
        for spec in sc.writers:
            for k in range(spec.count):
                name = f"writer:{spec.name}-{k + 1}"
                self.env.spawn(writer(self, name, spec), name)
        env = self.env
        step, max_steps, horizon = env.step, sc.max_steps, sc.horizon_ms
        try:
            while True:
                if env.steps >= max_steps or env._now > horizon:
                    raise LivenessError(f"no end after {env.steps} steps and {env.now} ms of virtual time")
                step()
        except EmptySchedule:
            pass
        self._drop_cycles()
        return self.trace

    def _drop_cycles(self) -> None:
        """A finished world is freed by reference counting instead of the cycle collector (10-15 % of a run):
        registered errors drop their tracebacks (frames of finished actors, which hold the world) and locks
        their back-reference to the world. Only after the schedule is empty: nothing runs in it any more."""
        for _, err in self.errors.values():
            err.__traceback__ = None
        for file in self.files:
            file.lock.world = None  # type: ignore[assignment]


def run_world(scenario: Scenario, target: Target, choices: ChoiceSource) -> Trace:
    return World(scenario, target, choices).run()


__all__: Sequence[str] = ("World", "run_world")
