"""The simulated world: sessions, session files, write locks, other writers and providers, in virtual time.

Time is integer milliseconds. Every decision that could go two ways is a call on the run's `ChoiceSource`,
including which of several events due at the same instant runs first (`SimEnvironment.step`): simpy's
event-id tie-break never decides a race.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule

from simharness.check.oracle import category_of, coordination_kinds, root_depth, root_kind
from simharness.faults.swarm import Swarm, choose_swarm
from simharness.guard.contract import caller, current_frame, drive, home_of, plain, read_attempt, shown, text
from simharness.model import errors as E
from simharness.model import kinds as K
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.exceptions import DriverContractError, LivenessError
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario
from simharness.model.target import Target
from simharness.model.trace import Trace

DEV = 2049  # st_dev of the simulated filesystem
FINGERPRINT_FIELDS = ("dev", "ino", "size", "mtimeNs", "ctimeNs")


class SimEnvironment(simpy.Environment):
    """simpy with same-instant ties broken by the choice source instead of by event id."""

    def __init__(self, choices: ChoiceSource) -> None:
        super().__init__(0)
        self.choices = choices
        self.steps = 0

    @property
    def now(self) -> int:
        """Virtual milliseconds: always an integer, since every delay in the world is."""
        return self._now  # type: ignore[return-value]

    def spawn(self, generator: Generator[Any, Any, Any], actor: str) -> simpy.Process:
        proc = self.process(generator)
        proc.actor = actor  # type: ignore[attr-defined]
        return proc

    def step(self) -> None:
        queue = self._queue
        if not queue:
            raise EmptySchedule
        self.steps += 1
        head = queue[0]
        tied = len(queue) > 1 and (
            (queue[1][0] == head[0] and queue[1][1] == head[1]) or (len(queue) > 2 and queue[2][0] == head[0] and queue[2][1] == head[1])
        )
        if tied:
            entry = self._pick_tied(head[0], head[1])
        else:
            entry = heappop(queue)
        self._now = entry[0]
        event = entry[3]
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            raise event._value

    def _pick_tied(self, t: Any, priority: Any) -> Any:
        queue = self._queue
        entries = []
        while queue and queue[0][0] == t and queue[0][1] == priority:
            entries.append(heappop(queue))
        # One candidate per actor: an actor's own events keep their causal (event-id) order.
        firsts: dict[str, int] = {}
        for i, entry in enumerate(entries):
            actor = _actor_of(entry[3])
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
    for callback in event.callbacks or ():
        owner = getattr(callback, "__self__", None)
        actor = getattr(owner, "actor", None)
        if actor is not None:
            return str(actor)
    return None


# --- session files and the session write lock -----------------------------------------------------------


class SessionFile:
    __slots__ = ("ctime_ns", "ino", "lock", "mtime_ns", "path", "size")

    def __init__(self, path: str, ino: int, world: World) -> None:
        self.path, self.ino = path, ino
        self.size = self.mtime_ns = self.ctime_ns = 0
        self.lock = WriteLock(world, self)

    def fingerprint(self, fields: tuple[str, ...] = FINGERPRINT_FIELDS) -> tuple[int, ...]:
        if fields is FINGERPRINT_FIELDS:
            return (DEV, self.ino, self.size, self.mtime_ns, self.ctime_ns)
        full = {"dev": DEV, "ino": self.ino, "size": self.size, "mtimeNs": self.mtime_ns, "ctimeNs": self.ctime_ns}
        return tuple(full[f] for f in fields)

    def write(self, now_ms: int, nbytes: int, *, rewrite: bool = False) -> None:
        """Append `nbytes`, or rewrite in place keeping the size (compaction); mtime/ctime move either way."""
        if not rewrite:
            self.size += nbytes
        self.mtime_ns = self.ctime_ns = max(now_ms * 1_000_000, self.mtime_ns + 1)


class WriteLock:
    """`<session>.jsonl.lock`: polled acquire with backoff, acquire timeout, stale and max-hold takeover."""

    __slots__ = ("file", "holder", "lane", "path", "since", "token", "world")

    def __init__(self, world: World, file: SessionFile) -> None:
        self.world, self.file = world, file
        self.path = file.path + ".lock"
        self.lane = "lock:" + file.path  # the trace lane of this lock
        self.holder: str | None = None
        self.token = 0
        self.since = 0

    def acquire(self, owner: str, timeout_ms: int) -> Generator[simpy.Event, Any, int]:
        """Poll until free (or stale), backing off 50 ms → 1000 ms; raise SessionWriteLockTimeoutError."""
        world = self.world
        env = world.env
        start = env.now
        delay = 50
        jitter = world.scenario.retry_jitter_ms
        while True:
            now = env.now
            if self.holder is None:
                return self._take(owner, now)
            age = now - self.since
            if age >= world.scenario.stale_ms or age >= world.scenario.max_hold_ms:
                world.trace.add(now, self.lane, EventKind.LOCK_STALE_TAKEOVER, owner=owner, previous=self.holder, age_ms=age)
                return self._take(owner, now)
            if now - start >= timeout_ms:
                world.trace.add(now, self.lane, EventKind.LOCK_TIMEOUT, owner=owner, holder=self.holder, waited_ms=now - start)
                raise world.register(E.session_write_lock_timeout(timeout_ms, f"pid={self.holder}", self.path))
            wait = delay
            if len(jitter) > 1:
                wait += jitter[world.choices.choose("lock.retry_jitter", world.labels(jitter, "+", "ms"))]
            yield env.timeout(min(wait, start + timeout_ms - now))
            delay = min(delay * 2, 1000)

    def _take(self, owner: str, now: int) -> int:
        self.token += 1
        self.holder, self.since = owner, now
        self.world.trace.add(now, self.lane, EventKind.LOCK_ACQUIRE, owner=owner, token=self.token)
        return self.token

    def release(self, owner: str, token: int) -> None:
        """Release if still ours (fencing: a lock taken over from us is not released by us)."""
        lane = self.lane
        if self.holder == owner and self.token == token:
            self.holder = None
            self.world.trace.add(self.world.env.now, lane, EventKind.LOCK_RELEASE, owner=owner, token=token)
        else:  # taken over or broken meanwhile: the owner learns it no longer holds the lock
            self.world.trace.add(self.world.env.now, lane, EventKind.LOCK_RELEASE_FENCED, owner=owner, token=token)

    def holds(self, owner: str, token: int) -> bool:
        return self.holder == owner and self.token == token

    def break_lock(self, by: str) -> None:
        """Delete the lock file under its holder's feet (what a careless driver might do)."""
        if self.holder is not None:
            self.world.trace.add(self.world.env.now, self.lane, EventKind.LOCK_BROKEN, by=by, holder=self.holder)
            self.holder = None


# --- one call of the driver ---------------------------------------------------------------------------


@dataclass(slots=True)
class CallState:
    call_id: int
    session: str
    file: SessionFile
    runs: int = 0
    in_flight: str | None = None  # the candidate whose attempt is running (`run` is never driven twice at once)
    breached: bool = False  # the driver broke the contract in a way that ends the call (recorded as driver.misuse)


class _CallContext:
    """What a driver sees of the world (the `CallContext` protocol)."""

    __slots__ = ("_state", "_world")

    def __init__(self, world: World, state: CallState) -> None:
        self._world, self._state = world, state

    @property
    def env(self) -> simpy.Environment:
        return self._world.env

    @property
    def session(self) -> str:
        return self._state.session

    @property
    def call_id(self) -> int:
        return self._state.call_id

    def break_lock(self) -> None:
        self._state.file.lock.break_lock(self._state.session)


class World:
    """One run's world. `run()` plays it to the end and returns the trace."""

    def __init__(self, scenario: Scenario, target: Target, choices: ChoiceSource) -> None:
        self.scenario, self.target, self.choices = scenario, target, choices
        self.env = SimEnvironment(choices)
        self.trace = Trace()
        self.errors: dict[int, tuple[int, JSError]] = {}  # id(obj) -> (uid, obj): keeps objects alive
        self.files = [SessionFile(f"sess-{chr(97 + i) if i < 26 else i}.jsonl", 1000 + i, self) for i in range(scenario.files)]
        self._next_call = 0
        # The takeover check belongs to the target's runtime (openclaw's embedded attempt), so a target may
        # narrow it; the shipped mutant that compares sizes only shows `no-silent-overwrite` can fail.
        fields: tuple[str, ...] = getattr(target, "fingerprint_fields", FINGERPRINT_FIELDS)
        self.fingerprint_fields = FINGERPRINT_FIELDS if fields == FINGERPRINT_FIELDS else fields  # the fast path
        # Swarm testing: before anything else the run chooses which fault kinds and wrappers are on (recorded).
        self.swarm = swarm = choose_swarm(scenario, choices)
        self._providers = _plans_of(scenario, swarm)
        self._runtime_plan = swarm.fault_options("runtime", "none", scenario.runtime_faults)  # `runtime.fault`
        self._wrap_coordination_plan = _options(swarm.wrapping("wrap.coordination", scenario.wrap_coordination))
        self._wrap_provider_plan = _options(swarm.wrapping("wrap.provider", scenario.wrap_provider))
        self._explicit_plans = (
            _options(swarm.shape("explicit.outer", scenario.explicit_outer)),
            _options(swarm.shape("explicit.inner", scenario.explicit_inner)),
            _options(swarm.shape("explicit.link", scenario.explicit_link)),
        )

    @staticmethod
    def labels(values: tuple[int, ...], prefix: str, suffix: str) -> tuple[str, ...]:
        """Option names of a choice over `values` (`300ms`, `+7ms`), built once per process."""
        return _labels(values, prefix, suffix)

    def _plan(self, provider: str) -> _ProviderPlan:
        plan = self._providers.get(provider)
        if plan is None:
            spec = self.scenario.provider(provider)
            kinds, weights = self.swarm.fault_options("fault", "success", spec.faults)
            plan = self._providers[provider] = _ProviderPlan(
                spec.latency_ms,
                spec.retry_after_s,
                kinds,
                weights,
                self.labels(spec.latency_ms, "", "ms"),
                self.labels(spec.retry_after_s, "", "s"),
                f"provider.{provider}.fault",
                f"provider.{provider}.latency",
                f"provider.{provider}.retry_after",
                "provider:" + provider,
            )
        return plan

    # errors get a uid when the world creates them, so identity survives into the trace
    def register(self, err: JSError) -> JSError:
        for node in E.walk(err):
            if id(node) not in self.errors:
                self.errors[id(node)] = (len(self.errors) + 1, node)
        return err

    def uid(self, err: Any) -> int | None:
        entry = self.errors.get(id(err))
        return entry[0] if entry is not None and entry[1] is err else None

    # --- actors -----------------------------------------------------------------------------------------

    def run(self) -> Trace:
        sc = self.scenario
        for i in range(sc.sessions):
            name = f"session-{i + 1}"
            self.env.spawn(self._session(name, self.files[i % len(self.files)]), name)
        for spec in sc.writers:
            for k in range(spec.count):
                name = f"writer:{spec.name}-{k + 1}"
                self.env.spawn(self._writer(name, spec), name)
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

    def _session(self, name: str, file: SessionFile) -> Generator[simpy.Event, Any, None]:
        sc = self.scenario
        for turn in range(sc.turns):
            start = sc.session_start_ms
            if len(start) > 1 or start[0]:
                yield self.env.timeout(start[self.choices.choose(f"{name}.start", self.labels(start, "", "ms"))])
            self._next_call += 1
            yield from self._call(CallState(self._next_call, name, file))

    def _call(self, state: CallState) -> Generator[simpy.Event, Any, None]:
        """One driver call. Whatever the driver does ends in a trace event `check()` judges (`drive`): a
        contract breach is recorded where it happens (`driver.misuse`) and the call ends (`call.crash`)."""
        trace, env, name, call = self.trace, self.env, state.session, state.call_id
        chain = self.scenario.chain
        trace.add(env.now, name, EventKind.CALL_START, call=call, chain=[f"{p}/{m}" for p, m in chain])
        ctx = _CallContext(self, state)
        produced: list[Any] = []  # what this call's `run` returned: the only values the call may return

        def breach(message: str, where: str | None) -> None:
            if not state.breached:  # the first breach is the story; the call ends at the driver's next step
                state.breached = True
                trace.add(env.now, name, EventKind.DRIVER_MISUSE, call=call, message=message, where=where)

        def run(provider: str, model: str) -> Generator[simpy.Event, Any, Any]:
            if not (isinstance(provider, str) and isinstance(model, str) and (provider, model) in chain):
                named = isinstance(provider, str) and isinstance(model, str)
                candidate = text(f"{provider}/{model}") if named else f"({shown(provider)}, {shown(model)})"
                given = " → ".join(f"{p}/{m}" for p, m in chain)
                breach(f"the driver ran {candidate}, which is not in its chain ({given})", caller(current_frame(1)))
                raise DriverContractError(f"{candidate} is not in the chain")
            if state.in_flight is not None:
                message = f"the driver started run({provider}/{model}) while run({state.in_flight}) was still in flight"
                breach(message, caller(current_frame(1)))
                raise DriverContractError("run driven twice at once")
            state.in_flight = f"{provider}/{model}"
            try:
                value = yield from self._attempt(state, provider, model)
            finally:
                state.in_flight = None
            produced.append(value)
            return value

        def on_error(attempt: dict[str, Any]) -> None:
            read = read_attempt(attempt)
            if isinstance(read, str):  # not an attempt record: judged, and the driver goes on
                trace.add(env.now, name, EventKind.DRIVER_MISUSE, call=call, message=read, where=caller(current_frame(1)))
                return
            trace.add(env.now, name, EventKind.ON_ERROR, call=call, candidate=read[0], err=self.uid(read[1]))

        target = self.target
        driver = target.driver
        home = home_of(driver, target.spec)
        outcome = yield from drive(driver, (ctx, list(chain), run, on_error), env, state, breach, home)
        if outcome.crash is not None:
            crash = outcome.crash
            flags = {"recursion": True} if crash.recursion else {}
            trace.add(env.now, name, EventKind.CALL_CRASH, call=call, type=crash.kind, message=crash.message, where=crash.where, **flags)
        elif outcome.raised is not None:
            err = outcome.raised
            uid = self.uid(err)
            extra: dict[str, Any] = {"where": home} if not state.runs else {}  # ended without running anything: `driver-contract`
            if uid is None:  # the driver's own error: which error of the world it wraps (`summary-honest` reads it)
                wrapped = next((u for u in map(self.uid, E.walk(err)) if u is not None), None)
                if wrapped is not None:
                    extra["wraps"] = wrapped
            trace.add(env.now, name, EventKind.CALL_RAISE, call=call, err=uid, name=plain(err.name), message=plain(err.message), **extra)
        else:
            value = outcome.value
            if any(value is v for v in produced):
                trace.add(env.now, name, EventKind.CALL_RETURN, call=call, value=plain(value))
            else:  # a result no run produced: made up, or a swallowed failure (`driver-contract`)
                trace.add(env.now, name, EventKind.CALL_RETURN, call=call, value=plain(value), fabricated=True, where=home)

    def _attempt(self, state: CallState, provider: str, model: str) -> Generator[simpy.Event, Any, str]:
        """One embedded attempt: lock, write prompt, release for the prompt, call the provider, reacquire."""
        sc, env, trace = self.scenario, self.env, self.trace
        actor, file, lock = state.session, state.file, state.file.lock
        state.runs += 1
        call = state.call_id
        trace.add(env.now, actor, EventKind.RUN_START, call=call, candidate=f"{provider}/{model}", n=state.runs)
        if sc.runtime_faults:  # a 2026.8+ runtime may refuse the attempt before it takes the lock
            kinds, weights = self._runtime_plan
            refused = kinds[self.choices.choose("runtime.fault", kinds, weights)]
            if refused != "none":
                trace.add(env.now, actor, EventKind.RUNTIME_REFUSED, call=call, fault=refused)
                detail = f"{actor} {file.path}"
                raise self._raise(state, self._wrap_coordination(self.register(E.coordination_error(refused, detail))))
        try:
            token = yield from lock.acquire(actor, sc.lock_timeout_ms)
        except JSError as err:
            raise self._raise(state, self._wrap_coordination(err))
        file.write(env.now, 200)
        trace.add(env.now, actor, EventKind.FILE_WRITE, file=file.path, by=actor, size=file.size)
        before = file.fingerprint(self.fingerprint_fields)
        lock.release(actor, token)
        trace.add(env.now, actor, EventKind.WINDOW_OPEN, call=call, file=file.path)

        provider_error: JSError | None = None
        try:
            value = yield from self._provider(state, provider, model)
        except JSError as err:
            provider_error = err

        reacquired: int | None = None
        try:
            reacquired = yield from lock.acquire(actor, sc.lock_timeout_ms)
        except JSError:
            pass  # a reacquire timeout is a takeover
        changed = file.fingerprint(self.fingerprint_fields) != before
        trace.add(env.now, actor, EventKind.WINDOW_CLOSE, call=call, file=file.path, changed=changed)
        takeover = changed or reacquired is None
        if takeover:
            trace.add(env.now, actor, EventKind.TAKEOVER_DETECTED, call=call, file=file.path)
        try:
            if provider_error is not None:  # the provider's error wins over a takeover seen on reacquire
                raise self._raise(state, provider_error)
            if takeover:
                raise self._raise(state, self._wrap_coordination(self.register(E.session_takeover(file.path))))
            file.write(env.now, 400)
            trace.add(env.now, actor, EventKind.FILE_WRITE, file=file.path, by=actor, size=file.size)
            trace.add(env.now, actor, EventKind.RUN_OK, call=call, value=value)
            return value
        finally:
            if reacquired is not None:
                lock.release(actor, reacquired)

    def _raise(self, state: CallState, err: JSError) -> JSError:
        category = category_of(err)
        self.trace.add(
            self.env.now,
            state.session,
            EventKind.RUN_RAISE,
            call=state.call_id,
            err=self.uid(err),
            category=category,
            root=root_kind(err),
            depth=root_depth(err),
            coord=sorted(coordination_kinds(err)),
            shape=E.describe(err),
            message=err.message,
        )
        return err

    def _wrap_coordination(self, err: JSError) -> JSError:
        """The runtime between the lock and the driver wraps errors the way openclaw's layers do."""
        names, weights = self._wrap_coordination_plan
        return self.register(_wrap(err, names[self.choices.choose("wrap.coordination", names, weights)]))

    def _provider(self, state: CallState, provider: str, model: str) -> Generator[simpy.Event, Any, str]:
        sc, env, choices = self.scenario, self.env, self.choices
        plan = self._plan(provider)
        lane = plan.lane
        kinds = plan.kinds
        fault = kinds[choices.choose(plan.fault_label, kinds, plan.weights)]
        delay = plan.latency[choices.choose(plan.latency_label, plan.latency_names)]
        self.trace.add(env.now, lane, EventKind.PROVIDER_REQUEST, call=state.call_id, model=model, fault=fault)
        if fault == "hang":
            yield env.timeout(sc.idle_timeout_ms)
            raise self.register(E.idle_timeout(sc.idle_timeout_ms))
        if fault == "timeout":
            yield env.timeout(sc.request_timeout_ms)
            raise self.register(E.request_timeout(sc.request_timeout_ms))
        yield env.timeout(delay)
        if fault == "success":
            self.trace.add(env.now, lane, EventKind.PROVIDER_REPLY, call=state.call_id, model=model)
            return f"reply:{provider}/{model}"
        retry_after = plan.retry_after[choices.choose(plan.retry_label, plan.retry_names)]
        if fault == "explicit_nested_coordination":
            err = self._explicit_nested(state, retry_after or None)
        else:
            err = _provider_error(fault, retry_after or None, state.file.lock.path)
        names, weights = self._wrap_provider_plan
        how = names[choices.choose("wrap.provider", names, weights)]
        self.trace.add(env.now, lane, EventKind.PROVIDER_FAULT, call=state.call_id, model=model, fault=fault)
        raise self.register(_wrap(err, how))

    def _explicit_nested(self, state: CallState, retry_after: int | None) -> JSError:
        """An explicit-metadata error (429/529/503) holding a coordination error of any kind behind a link:
        which outer, which inner kind and which link are recorded choices (index 0: the reviewer's case)."""
        choices = self.choices
        (outers, outer_w), (inners, inner_w), (links, link_w) = self._explicit_plans
        outer = outers[choices.choose("explicit.outer", outers, outer_w)]
        inner = inners[choices.choose("explicit.inner", inners, inner_w)]
        link = links[choices.choose("explicit.link", links, link_w)]
        return E.explicit_wrapping(outer, _coordination(inner, state), link, retry_after_s=retry_after if outer == "rate_limit" else None)

    def _writer(self, name: str, spec: Any) -> Generator[simpy.Event, Any, None]:
        env, choices, trace = self.env, self.choices, self.trace
        delay_label, delay_names = f"{name}.delay", self.labels(spec.delay_ms, "", "ms")
        file_label, paths = f"{name}.file", [f.path for f in self.files]
        hold_label, hold_names = f"{name}.hold", self.labels(spec.hold_ms, "", "ms")
        for _ in range(spec.writes):
            yield env.timeout(spec.delay_ms[choices.choose(delay_label, delay_names)])
            file = self.files[choices.choose(file_label, paths)]
            try:
                token = yield from file.lock.acquire(name, spec.lock_timeout_ms)
            except JSError:
                trace.add(env.now, name, EventKind.WRITER_GAVE_UP, file=file.path)
                continue
            file.write(env.now, 120, rewrite=spec.kind == "rewrite")
            trace.add(env.now, name, EventKind.FILE_WRITE, file=file.path, by=name, size=file.size)
            yield env.timeout(spec.hold_ms[choices.choose(hold_label, hold_names)])
            file.lock.release(name, token)


@lru_cache(maxsize=1024)
def _labels(values: tuple[int, ...], prefix: str, suffix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{v}{suffix}" for v in values)


#: (id(scenario), swarm) -> (scenario, provider plans): plans depend only on the scenario and the run's swarm,
#: so runs of one share them. The entry holds the scenario, so an id is never reused while its entry lives;
#: bounded, so memory is flat.
_PLANS: dict[tuple[int, Swarm], tuple[Scenario, dict[str, _ProviderPlan]]] = {}


def _plans_of(scenario: Scenario, swarm: Swarm) -> dict[str, _ProviderPlan]:
    key = (id(scenario), swarm)
    entry = _PLANS.get(key)
    if entry is None or entry[0] is not scenario:
        if len(_PLANS) >= 256:
            _PLANS.clear()
        entry = _PLANS[key] = (scenario, {})
    return entry[1]


def _options(weighted: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """A weighted table as the (names, weights) a choice point takes."""
    return tuple(o for o, _ in weighted), tuple(w for _, w in weighted)


def _coordination(kind: str, state: CallState) -> JSError:
    """A coordination error of `kind` as the runtime of `state`'s session would raise it."""
    if kind == "lock_timeout":
        return E.session_write_lock_timeout(60_000, "pid=gateway", state.file.lock.path)
    if kind == "takeover":
        return E.session_takeover(state.file.path)
    return E.coordination_error(kind, f"{state.session} {state.file.path}")


@dataclass(frozen=True, slots=True)
class _ProviderPlan:
    """A provider's choice points, resolved once per world (labels and options are what the trace records)."""

    latency: tuple[int, ...]
    retry_after: tuple[int, ...]
    kinds: tuple[str, ...]
    weights: tuple[float, ...]
    latency_names: tuple[str, ...]
    retry_names: tuple[str, ...]
    fault_label: str
    latency_label: str
    retry_label: str
    lane: str


def _provider_error(fault: str, retry_after: int | None, lock_path: str) -> JSError:
    if fault == "rate_limit":
        return E.rate_limit(retry_after_s=retry_after)
    if fault == "rate_limit_nested_lock":  # the reviewer's case: a 429 whose cause is a session lock
        return E.rate_limit(retry_after_s=retry_after, cause=E.session_write_lock_timeout(60_000, "pid=gateway", lock_path))
    if fault == "overloaded":
        return E.overloaded()
    if fault == "stream_overloaded":
        return E.stream_overloaded()
    if fault == "server_error":
        return E.server_error()
    if fault == "auth":
        return E.auth_error()
    if fault == "billing":
        return E.billing_error()
    if fault == "context_overflow":
        return E.context_overflow()
    raise AssertionError(f"unknown provider fault {fault}")


def _wrap(err: JSError, how: str) -> JSError:
    """Wrap `err` the way SDKs and runtime layers do; `how` is one of the scenario's wrapping options."""
    if how == "none":
        return err
    if how in ("cause", "error", "reason"):
        return E.wrap(err, link=how)
    if how == "abort":
        return E.abort_error(reason=err)
    if how == "deep":  # five `cause` levels, as layered runtimes produce
        for level in range(5):
            err = E.wrap(err, link="cause", message=f"layer {5 - level}: {err.message}")
        return err
    if how == "deep25":  # exactly openclaw's classifier depth limit (25), behind generic wrapper messages
        for level in range(25):
            err = E.wrap(err, link="cause", message=f"wrapped error (level {25 - level})")
        return err
    if how == "code_only":  # a plain Error whose `error` link holds a code-only object (no class, no name)
        if err.kind in K.CODE_RECOGNISED_KINDS and err.code is not None:  # elsewhere a nameless copy means nothing
            err = E.JSError(err.message, code=err.code, kind=err.kind, fields=err.fields)
        return E.wrap(err, link="error")
    if how == "cycle":  # a cause cycle that holds the error (SDKs that link request and response errors)
        outer = E.wrap(err, link="cause", message=f"request failed: {err.message}")
        middle = E.wrap(outer, link="cause", message="retry exhausted")
        outer.cause = middle
        middle.error = err
        return outer
    if how == "aggregate":
        return E.wrap(err, link="errors", message="multiple errors")
    if how == "suppressed":
        return E.wrap(err, link="suppressed", message="error during cleanup")
    raise AssertionError(f"unknown wrapping {how}")


def run_world(scenario: Scenario, target: Target, choices: ChoiceSource) -> Trace:
    return World(scenario, target, choices).run()


__all__: Sequence[str] = ("LivenessError", "SimEnvironment", "World", "run_world")
