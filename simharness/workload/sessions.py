"""The sessions: each calls the driver under test (`runWithModelFallback`) once per turn, and every `run` the
driver makes is one embedded attempt against the session's file, lock and a provider.

This is where the world meets the driver. Whatever the driver does ends in a trace event `check()` judges:
a return, a raise, a crash, or a contract breach (`guard.contract.drive`). An attempt follows openclaw's
embedded runner: lock, write the prompt, release the lock for the provider call, reacquire, compare the
file's fingerprint (a change is a takeover), write the reply.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from simharness.check.oracle import category_of, coordination_kinds, root_depth, root_kind, switch_target
from simharness.faults.auth import Truth, retry_after_field
from simharness.faults.provider import ProviderFaults, provider_error
from simharness.faults.runtime import RuntimeFaults
from simharness.faults.vocabulary import VocabularyFaults
from simharness.faults.wrapping import Wrapping
from simharness.guard.contract import caller, current_frame, drive, home_of, plain, read_attempt, shown, text
from simharness.model import errors as E
from simharness.model.errors import JSError
from simharness.model.exceptions import DriverContractError
from simharness.model.kinds import VOCABULARY_FAULTS, EventKind
from simharness.model.target import Target
from simharness.sim.env import duration_labels
from simharness.sim.files import LockWorld, SessionFile
from simharness.sim.store import StoreSnapshot
from simharness.workload.runner import AuthWorld, NodeAuth, mark, refuse


class SessionWorld(LockWorld, Protocol):
    """What the sessions need of the world (`engine.world.World` is one), besides what its locks need."""

    target: Target
    fingerprint_fields: tuple[str, ...]  # what the runtime's takeover check compares
    calls: int  # the last call id handed out: ids count across sessions
    providers: ProviderFaults
    runtime: RuntimeFaults
    wrapping: Wrapping
    vocabulary: VocabularyFaults
    auth: AuthWorld | None  # the auth-profile store and the providers' truth ([auth] worlds only)
    run_state: dict[str, Any]  # `ctx.run_state`: fresh per run, shared by its sessions

    def uid(self, err: Any) -> int | None: ...


@dataclass(slots=True)
class CallState:
    call_id: int
    session: str
    file: SessionFile
    runs: int = 0
    in_flight: str | None = None  # the candidate whose attempt is running (`run` is never driven twice at once)
    breached: bool = False  # the driver broke the contract in a way that ends the call (recorded as driver.misuse)
    profile: str | None = None  # [auth] worlds: the key of the attempt in flight
    truths: dict[str, Truth] | None = None  # [auth] worlds: the last fault truth of this call, per key
    skips: int = 0  # candidates the driver said it skipped (`ctx.skip`)
    view: StoreSnapshot | None = None  # [auth] worlds: the store as the driver saw it at the call's start


class _CallContext:
    """What a driver sees of the world (the `CallContext` protocol)."""

    __slots__ = ("_state", "_store", "_world", "auth")

    def __init__(self, world: SessionWorld, state: CallState, auth: NodeAuth | None) -> None:
        self._world, self._state, self.auth = world, state, auth
        self._store = state.view = world.auth.store.snapshot(world.env.now) if world.auth is not None else None  # at call start

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

    @property
    def now(self) -> int:
        return int(self._world.env.now)

    @property
    def store(self) -> StoreSnapshot | None:
        return self._store

    @property
    def run_state(self) -> dict[str, Any]:
        return self._world.run_state

    def skip(self, provider: str, model: str, reason: str, message: str = "") -> None:
        world, state = self._world, self._state
        state.skips += 1
        candidate = f"{plain(provider)}/{plain(model)}"
        world.trace.add(
            world.env.now,
            state.session,
            EventKind.CANDIDATE_SKIP,
            call=state.call_id,
            candidate=candidate,
            reason=plain(reason),
            message=plain(message),
            **_cooling(world, state, provider, model),
        )


def session(world: SessionWorld, name: str, file: SessionFile) -> Generator[simpy.Event, Any, None]:
    """The session `name` writing `file`: one driver call per turn, each after its (chosen) start delay."""
    sc = world.scenario
    for _turn in range(sc.turns):
        start = sc.session_start_ms
        if len(start) > 1 or start[0]:
            yield world.env.timeout(start[world.choices.choose(f"{name}.start", duration_labels(start, "", "ms"))])
        world.calls += 1
        yield from _call(world, CallState(world.calls, name, file))


def _call(world: SessionWorld, state: CallState) -> Generator[simpy.Event, Any, None]:
    """One driver call. Whatever the driver does ends in a trace event `check()` judges (`drive`): a
    contract breach is recorded where it happens (`driver.misuse`) and the call ends (`call.crash`)."""
    trace, env, name, call = world.trace, world.env, state.session, state.call_id
    chain = world.scenario.chain
    trace.add(env.now, name, EventKind.CALL_START, call=call, chain=[f"{p}/{m}" for p, m in chain])
    node_auth: NodeAuth | None = None
    if world.auth is not None:
        state.truths = {}

        def refused(provider: str, model: str, reason: str, probe: bool) -> JSError:
            return _refused(world, state, provider, model, reason, probe)

        node_auth = NodeAuth(world, name, call, state.truths, refused)
    ctx = _CallContext(world, state, node_auth)
    produced: list[Any] = []  # what this call's `run` returned: the only values the call may return

    def breach(message: str, where: str | None) -> None:
        if not state.breached:  # the first breach is the story; the call ends at the driver's next step
            state.breached = True
            trace.add(env.now, name, EventKind.DRIVER_MISUSE, call=call, message=message, where=where)

    def run(provider: str, model: str, *, probe: bool = False, profile: str | None = None) -> Generator[simpy.Event, Any, Any]:
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
            if world.auth is None:
                value = yield from _attempt(world, state, provider, model)
            else:
                value = yield from _auth_attempt(world, world.auth, state, provider, model, probe is True, profile)
        finally:
            state.in_flight = None
            state.profile = None
        produced.append(value)
        return value

    def on_error(attempt: dict[str, Any]) -> None:
        read = read_attempt(attempt)
        if isinstance(read, str):  # not an attempt record: judged, and the driver goes on
            trace.add(env.now, name, EventKind.DRIVER_MISUSE, call=call, message=read, where=caller(current_frame(1)))
            return
        trace.add(env.now, name, EventKind.ON_ERROR, call=call, candidate=read[0], err=world.uid(read[1]))

    target = world.target
    driver = target.driver
    home = home_of(driver, target.spec)
    outcome = yield from drive(driver, (ctx, list(chain), run, on_error), env, state, breach, home)
    if outcome.crash is not None:
        crash = outcome.crash
        flags = {"recursion": True} if crash.recursion else {}
        trace.add(env.now, name, EventKind.CALL_CRASH, call=call, type=crash.kind, message=crash.message, where=crash.where, **flags)
    elif outcome.raised is not None:
        err = outcome.raised
        uid = world.uid(err)
        # ended without running (or skipping, with a reason) anything: `driver-contract`
        extra: dict[str, Any] = {"where": home} if not state.runs and not state.skips else {}
        if uid is None:  # the driver's own error: which error of the world it wraps (`summary-honest` reads it)
            wrapped = next((u for u in map(world.uid, E.walk(err)) if u is not None), None)
            if wrapped is not None:
                extra["wraps"] = wrapped
        trace.add(env.now, name, EventKind.CALL_RAISE, call=call, err=uid, name=plain(err.name), message=plain(err.message), **extra)
    else:
        value = outcome.value
        if any(value is v for v in produced):
            trace.add(env.now, name, EventKind.CALL_RETURN, call=call, value=plain(value))
        else:  # a result no run produced: made up, or a swallowed failure (`driver-contract`)
            trace.add(env.now, name, EventKind.CALL_RETURN, call=call, value=plain(value), fabricated=True, where=home)


def _auth_attempt(
    world: SessionWorld, auth: AuthWorld, state: CallState, provider: str, model: str, probe: bool, profile: str | None
) -> Generator[simpy.Event, Any, str]:
    """An attempt in an [auth] world (`workload.runner`): the runner picks a key (or the target's runtime did:
    `owns_store`), refuses when none is usable, attempts with the key and marks it afterwards."""
    flags: dict[str, Any] = {"probe": True} if probe else {}
    if auth.owns_store:
        state.profile = profile if isinstance(profile, str) else None
        start = {"profile": state.profile, **flags} if state.profile is not None else flags
        return (yield from _attempt(world, state, provider, model, start))
    if probe:
        flags.update(_cooling(world, state, provider, model))
    key = auth.pick(provider, model, world.env.now, probe)
    if key is None:
        raise _refused(world, state, provider, model, auth.unavailable_reason(provider, model, world.env.now), probe)
    state.profile = key.id
    return (yield from _attempt(world, state, provider, model, {"profile": key.id, **flags}, marks=True))


def _cooling(world: SessionWorld, state: CallState, provider: str, model: str) -> dict[str, Any]:
    """What the driver's snapshot said of each key of `provider` for `model`: its reason, None when usable. Recorded on a
    skip and a probe (the world's runner only: a release's own view is its own), so that `chain-accounted` and
    `no-attempt-before-deadline` can tell a skip or a probe the store justified from one it did not."""
    view, auth = state.view, world.auth
    if view is None or auth is None or auth.owns_store or not isinstance(provider, str) or not isinstance(model, str):
        return {}
    return {"cooling": {p: view.unavailable_reason(p, model) for p in view.profiles(provider)}}


def _refused(world: SessionWorld, state: CallState, provider: str, model: str, reason: str, probe: bool) -> JSError:
    """An attempt the runner refused (no usable key): its run.start (no key), `runner.refused`, its run.raise."""
    state.runs += 1
    flags = {"probe": True} if probe else {}
    world.trace.add(
        world.env.now, state.session, EventKind.RUN_START, call=state.call_id, candidate=f"{provider}/{model}", n=state.runs, **flags
    )
    return _raised(world, state, refuse(world, state.session, state.call_id, provider, model, reason))


def _attempt(
    world: SessionWorld, state: CallState, provider: str, model: str, start: dict[str, Any] | None = None, *, marks: bool = False
) -> Generator[simpy.Event, Any, str]:
    """One embedded attempt: lock, write prompt, release for the prompt, call the provider, reacquire.
    `start`: extra run.start fields ([auth] worlds); `marks`: the world's runner marks the key afterwards."""
    sc, env, trace = world.scenario, world.env, world.trace
    actor, file, lock = state.session, state.file, state.file.lock
    state.runs += 1
    call = state.call_id
    trace.add(env.now, actor, EventKind.RUN_START, call=call, candidate=f"{provider}/{model}", n=state.runs, **(start or {}))
    refused = world.runtime.refusal()  # a 2026.8+ runtime may refuse the attempt before it takes the lock
    if refused is not None:
        trace.add(env.now, actor, EventKind.RUNTIME_REFUSED, call=call, fault=refused)
        detail = f"{actor} {file.path}"
        raise _raised(world, state, _wrap_coordination(world, world.register(E.coordination_error(refused, detail))))
    try:
        token = yield from lock.acquire(actor, sc.lock_timeout_ms)
    except JSError as err:
        raise _raised(world, state, _wrap_coordination(world, err))
    file.write(env.now, 200)
    trace.add(env.now, actor, EventKind.FILE_WRITE, file=file.path, by=actor, size=file.size)
    before = file.fingerprint(world.fingerprint_fields)
    lock.release(actor, token)
    trace.add(env.now, actor, EventKind.WINDOW_OPEN, call=call, file=file.path)

    provider_failure: JSError | None = None
    try:
        value = yield from _provider(world, state, provider, model)
    except JSError as err:
        provider_failure = err

    reacquired: int | None = None
    try:
        reacquired = yield from lock.acquire(actor, sc.lock_timeout_ms)
    except JSError:
        pass  # a reacquire timeout is a takeover
    changed = file.fingerprint(world.fingerprint_fields) != before
    trace.add(env.now, actor, EventKind.WINDOW_CLOSE, call=call, file=file.path, changed=changed)
    takeover = changed or reacquired is None
    if takeover:
        trace.add(env.now, actor, EventKind.TAKEOVER_DETECTED, call=call, file=file.path)
    if marks and state.profile is not None and (provider_failure is not None or not takeover):
        truth = state.truths.get(state.profile) if state.truths is not None else None
        mark(world, actor, call, provider, model, state.profile, provider_failure, truth)
    try:
        if provider_failure is not None:  # the provider's error wins over a takeover seen on reacquire
            raise _raised(world, state, provider_failure)
        if takeover:
            raise _raised(world, state, _wrap_coordination(world, world.register(E.session_takeover(file.path))))
        file.write(env.now, 400)
        trace.add(env.now, actor, EventKind.FILE_WRITE, file=file.path, by=actor, size=file.size)
        trace.add(env.now, actor, EventKind.RUN_OK, call=call, value=value)
        return value
    finally:
        if reacquired is not None:
            lock.release(actor, reacquired)


def _raised(world: SessionWorld, state: CallState, err: JSError) -> JSError:
    """Record that the attempt raises `err` (`run.raise`, with what the oracle makes of it) and return it."""
    world.trace.add(
        world.env.now,
        state.session,
        EventKind.RUN_RAISE,
        call=state.call_id,
        err=world.uid(err),
        category=category_of(err),
        root=root_kind(err),
        depth=root_depth(err),
        coord=sorted(coordination_kinds(err)),
        shape=E.describe(err),
        message=err.message,
        **({"switch": t} if (t := switch_target(err)) is not None else {}),  # a live model switch's target
    )
    return err


def _wrap_coordination(world: SessionWorld, err: JSError) -> JSError:
    """The runtime between the lock and the driver wraps errors the way openclaw's layers do."""
    return world.register(world.wrapping.coordination(err))


def _provider(world: SessionWorld, state: CallState, provider: str, model: str) -> Generator[simpy.Event, Any, str]:
    """One provider request: which fault and latency are choices; a failure comes wrapped (`wrap.provider`)."""
    sc, env, choices = world.scenario, world.env, world.choices
    plan = world.providers.plan(provider)
    lane = plan.lane
    kinds = plan.kinds
    auth, profile = world.auth, state.profile
    block = auth.truth.blocked(provider, profile, model, env.now) if auth is not None and profile is not None else None
    fault = block.fault if block is not None else kinds[choices.choose(plan.fault_label, kinds, plan.weights)]
    delay = plan.latency[choices.choose(plan.latency_label, plan.latency_names)]
    world.trace.add(env.now, lane, EventKind.PROVIDER_REQUEST, call=state.call_id, model=model, fault=fault)
    if fault == "hang":
        yield env.timeout(sc.idle_timeout_ms)
        raise world.register(E.idle_timeout(sc.idle_timeout_ms))
    if fault == "timeout":
        yield env.timeout(sc.request_timeout_ms)
        raise world.register(E.request_timeout(sc.request_timeout_ms))
    yield env.timeout(delay)
    if fault == "success":
        world.trace.add(env.now, lane, EventKind.PROVIDER_REPLY, call=state.call_id, model=model)
        return f"reply:{provider}/{model}"
    if fault in _VOCABULARY:  # thrown as built: a wrapper would change what the shape is (no `wrap.provider`)
        err, truth = world.vocabulary.build(fault, sc.chain, provider, model, sc.request_timeout_ms)
        if auth is not None and profile is not None:
            truth = {**truth, **_truth(world, state, provider, profile, model, fault, 0).fields()}
        world.trace.add(env.now, lane, EventKind.PROVIDER_FAULT, call=state.call_id, model=model, fault=fault, **truth)
        raise world.register(err)
    if auth is not None and profile is not None:
        raise _auth_fault(world, state, provider, profile, model, fault, block.until if block is not None else None)
    retry_after = plan.retry_after[choices.choose(plan.retry_label, plan.retry_names)]
    if fault == "explicit_nested_coordination":
        err = world.runtime.explicit_nested(state.session, state.file, retry_after or None)
    else:
        err = provider_error(fault, retry_after or None, state.file.lock.path)
    wrapped = world.wrapping.provider(err)
    world.trace.add(env.now, lane, EventKind.PROVIDER_FAULT, call=state.call_id, model=model, fault=fault)
    raise world.register(wrapped)


def _truth(world: SessionWorld, state: CallState, provider: str, profile: str, model: str, fault: str, retry_after_ms: int) -> Truth:
    assert world.auth is not None and state.truths is not None
    truth = state.truths[profile] = world.auth.truth.record(provider, profile, model, fault, retry_after_ms, world.env.now)
    return truth


def _auth_fault(world: SessionWorld, state: CallState, provider: str, profile: str, model: str, fault: str, until: int | None) -> JSError:
    """A provider fault in an [auth] world: its Retry-After (the rest of a running block, else chosen) and truth."""
    assert world.auth is not None
    now = world.env.now
    if until is not None:
        retry_after_ms = math.ceil(until - now)  # the rest of the running block
    else:
        retry_after_ms = world.auth.truth.retry_after(provider, world.providers.plan(provider), fault)
    seconds = retry_after_field(retry_after_ms)
    whole = None if seconds is None else -(-retry_after_ms // 1000)
    if fault == "explicit_nested_coordination":
        err = world.runtime.explicit_nested(state.session, state.file, whole)
    else:
        err = provider_error(fault, whole, state.file.lock.path)
    if "retryAfter" not in err.fields:
        retry_after_ms = 0  # an error that carries no Retry-After (an explicit 529 or 503 outer) blocks nothing
    elif isinstance(seconds, float):
        err.fields["retryAfter"] = seconds  # a Retry-After of 59 999 ms stays 59.999 s
    truth = _truth(world, state, provider, profile, model, fault, retry_after_ms)
    wrapped = world.wrapping.provider(err)
    world.trace.add(
        now, world.providers.plan(provider).lane, EventKind.PROVIDER_FAULT, call=state.call_id, model=model, fault=fault, **truth.fields()
    )
    return world.register(wrapped)


_VOCABULARY = frozenset(VOCABULARY_FAULTS)
