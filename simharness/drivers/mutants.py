"""Mutant drivers: the reference driver with one realistic bug each — the harness's proof of strength.

Every invariant and every wrapper shape the world builds has at least one mutant that it catches; `simharness
mutants` runs every strategy against them and prints the kill matrix, and the test suite shows each one is
caught. A mutant is a target like any other: `--target mutant:NAME`.
"""

from __future__ import annotations  # noqa: I001 — the import block keeps its six lines (see below)

import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import simpy

# Line numbers here are in every mutant's report (`at mutants.py:N`): keep this block at six lines.
from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn
from simharness.drivers import classifier as C
from simharness.drivers import openclaw_2026_5_18, openclaw_2026_5_20, recognize, reference
from simharness.drivers.openclaw_2026_5_20 import summary_error
from simharness.drivers.recognize import LINKS, is_coordination_node, reachable

Gen = Generator[simpy.Event, Any, Any]


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    description: str
    invariant: str  # the invariant this mutant violates (the one its kill is judged by)
    scenario: str  # the shipped scenario that exposes it
    driver: DriverFn
    fingerprint_fields: tuple[str, ...] | None = None  # a narrowed takeover check in the runtime


# --- a configurable copy of the reference loop: each mutant flips one knob ------------------------------


@dataclass(frozen=True, slots=True)
class _Knobs:
    is_coordination: Callable[[Any], bool] = recognize.is_coordination_error  # asked of the raw error
    on_error_before_rethrow: bool = False
    rethrow_copy: bool = False
    idle_before_rethrow_ms: int = 0
    break_lock_on_timeout: bool = False
    continue_after_success: bool = False
    coin_flip_on_error: bool = False
    wait_forever: bool = False
    summary_count_delta: int = 0
    max_depth: int = C.MAX_FAILOVER_CAUSE_DEPTH
    retry_after_of_every_error: bool = False  # reads a 429's Retry-After from every error (KeyError elsewhere)
    outside_chain_last_resort: Candidate | None = None  # a hard-coded model tried when the chain is exhausted
    made_up_when_exhausted: str | None = None  # "degrades gracefully" with a canned reply
    advance_on_context_overflow: bool = False  # "a bigger model may take it": goes on to the next candidate


def _driver(k: _Knobs) -> DriverFn:
    def run_with_model_fallback(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Gen:
        attempts: list[tuple[str, str, str, str]] = []
        last_error: JSError | None = None
        first_success: Any = None
        succeeded = False
        total = len(candidates)
        i = 0
        broke_lock = False
        while i < total:
            provider, model = candidates[i]
            try:
                result = yield from run(provider, model)
            except JSError as raw:
                if k.retry_after_of_every_error:
                    _ = raw.fields["retryAfter"]  # only rate limits carry one: any other error is a KeyError
                if k.break_lock_on_timeout and C.is_session_write_lock_timeout(raw) and not broke_lock:
                    ctx.break_lock()  # "the lock must be stale": delete it and try again
                    broke_lock = True
                    continue
                report = {"provider": provider, "model": model, "error": raw, "attempt": i + 1, "total": total}
                if k.is_coordination(raw):
                    while k.wait_forever:  # "wait until the session is free again" — nothing ever says so
                        yield ctx.env.timeout(5_000)
                    if k.on_error_before_rethrow:
                        on_error(report)
                    if k.idle_before_rethrow_ms:
                        yield ctx.env.timeout(k.idle_before_rethrow_ms)
                    if k.rethrow_copy:
                        raise JSError(raw.message, name=raw.name, code=raw.code, cause=raw, kind="wrapper") from None
                    raise
                coerced = C.coerce_to_failover_error(raw, provider, model, max_depth=k.max_depth)
                if C.should_rethrow_abort(raw) and coerced is None:
                    raise
                err = coerced if coerced is not None else raw
            else:
                if not k.continue_after_success:
                    return result
                if not succeeded:
                    first_success, succeeded = result, True
                i += 1
                continue
            report = {"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": total}
            if C.is_likely_context_overflow(err.message) and not k.advance_on_context_overflow:
                raise err
            known = C.is_failover_error(err)
            if not known and i == total - 1:
                if succeeded:
                    return first_success
                raise err
            last_error = err
            text, reason = C.describe_failover(err, max_depth=k.max_depth)
            attempts.append((provider, model, text, reason))
            if k.coin_flip_on_error and os.urandom(1)[0] & 1:  # nondeterminism the choice source never sees
                on_error(report)
            on_error(report)
            i += 1
        if succeeded:
            return first_success
        if k.outside_chain_last_resort is not None:
            return (yield from run(*k.outside_chain_last_resort))
        if k.made_up_when_exhausted is not None:
            return k.made_up_when_exhausted
        summary = summary_error(attempts, last_error, total)
        if k.summary_count_delta and summary.name == "FallbackSummaryError":
            n = len(attempts)
            summary.message = summary.message.replace(f"({n})", f"({n + k.summary_count_delta})", 1)
        raise summary

    return run_with_model_fallback


# --- broken coordination predicates (each one link, rule or name short of the contract's) ------------------


def _predicate(
    links: Sequence[str] = LINKS,
    *,
    lock_by_name: bool = False,
    max_depth: int = recognize.MAX_DEPTH,
    drop_name: str | None = None,
    direct_only: str | None = None,
    runtime_before_explicit: bool = False,
) -> Callable[[Any], bool]:
    names, _ = recognize.runtime_coordination_marks()
    known = names - {drop_name, direct_only}

    def coordination(node: JSError) -> bool:
        return is_coordination_node(node, lock_by_name=lock_by_name, names=known)

    def is_coordination(err: Any) -> bool:
        graph = reachable(err, links=links, max_depth=max_depth)
        if runtime_before_explicit and any(node.name in names for node in graph):
            return True  # the runtime's own coordination names, checked before any provider metadata
        found = any(coordination(node) for node in graph) or (isinstance(err, JSError) and err.name == direct_only)
        return found and not any(recognize.has_explicit_metadata(node) for node in reachable(err))

    return is_coordination


def _no_seen_set(err: Any) -> bool:
    """The predicate walks links without a seen-set: a cycle recurses until JavaScript's stack overflows."""

    def has(node: Any) -> bool:
        if not isinstance(node, JSError):
            return False
        if is_coordination_node(node):
            return True
        return has(node.cause) or has(node.error) or has(node.reason) or has(node.suppressed) or any(has(e) for e in node.errors or ())

    try:
        found = has(err)
    except RecursionError:
        raise JSError("Maximum call stack size exceeded", name="RangeError", kind="plain") from None
    return found and not any(recognize.has_explicit_metadata(node) for node in reachable(err))


def no(link: str) -> tuple[str, ...]:
    """Every link but one."""
    return tuple(x for x in LINKS if x != link)


_SHORT = C.MAX_FAILOVER_CAUSE_DEPTH - 1  # depth-off-by-one's limit, in every classification it makes


def _all() -> dict[str, Mutant]:
    m = [
        Mutant(
            "legacy",
            "openclaw ≤ 2026.5.18: no coordination check, a takeover walks the whole chain",
            "coordination-single-run",
            "takeover-race",
            openclaw_2026_5_18.run_with_model_fallback,
        ),
        Mutant(
            "timeout-before-coordination",
            "openclaw 2026.5.20: coerces an AbortError to a timeout before the coordination check, so a takeover behind its `reason` walks the chain",
            "coordination-single-run",
            "nested-coordination",
            openclaw_2026_5_20.run_with_model_fallback,
        ),
        Mutant(
            "coordination-before-explicit",
            "ignores explicit provider metadata when a lock is nested, so a 429 wrapping a lock aborts the chain (the reviewer's edge case)",
            "explicit-metadata-advances",
            "rate-limit-nested-lock",
            _driver(_Knobs(is_coordination=partial(recognize.is_coordination_error, explicit_wins=False))),
        ),
        Mutant(
            "runtime-before-explicit",
            "checks the runtime's coordination names before provider metadata (openclaw 2026.8+): a 429 wrapping an ActiveTurnClaimError stops the chain",
            "explicit-metadata-advances",
            "explicit-wraps-coordination",
            _driver(_Knobs(is_coordination=_predicate(runtime_before_explicit=True))),
        ),
        Mutant(
            "no-cause-walk",
            "the coordination predicate does not follow `cause`",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(no("cause")))),
        ),
        Mutant(
            "no-reason-walk",
            "the coordination predicate does not follow `reason`",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(no("reason")))),
        ),
        Mutant(
            "no-error-walk",
            "the coordination predicate does not follow `error` (the link SDKs use for a wrapped response error)",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(no("error")))),
        ),
        Mutant(
            "no-aggregate-walk",
            "the coordination predicate does not look inside an AggregateError's `errors[]`",
            "coordination-single-run",
            "runtime-coordination",
            _driver(_Knobs(is_coordination=_predicate(no("errors")))),
        ),
        Mutant(
            "no-suppressed-walk",
            "the coordination predicate does not look inside a SuppressedError's `suppressed`",
            "coordination-single-run",
            "runtime-coordination",
            _driver(_Knobs(is_coordination=_predicate(no("suppressed")))),
        ),
        Mutant(
            "lock-by-name-only",
            "recognizes a lock by its class name, missing code-only lock objects",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(lock_by_name=True))),
        ),
        Mutant(
            "superseded-direct-only",
            "recognizes AgentHarnessSessionSupersededError only when it is thrown bare (`instanceof`, openclaw 2026.8+), not when wrapped",
            "coordination-single-run",
            "runtime-coordination",
            _driver(_Knobs(is_coordination=_predicate(direct_only="AgentHarnessSessionSupersededError"))),
        ),
        Mutant(
            "name-set-incomplete",
            "the runtime's coordination name set leaves out ActiveTurnClaimError (the #83510 shape: a coordination error treated as a provider failure)",
            "coordination-single-run",
            "runtime-coordination",
            _driver(_Knobs(is_coordination=_predicate(drop_name="ActiveTurnClaimError"))),
        ),
        Mutant(
            "no-seen-set",
            "walks error links without a seen-set: a cause cycle overflows the stack",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_no_seen_set)),
        ),
        Mutant(
            "depth-off-by-one",
            "the classifier stops one level short of openclaw's depth limit (24, not 25)",
            "summary-honest",
            "sdk-wrapped-faults",
            _driver(_Knobs(is_coordination=_predicate(max_depth=_SHORT), max_depth=_SHORT)),
        ),
        Mutant(
            "onError-before-rethrow",
            "reports the coordination error to onError before rethrowing it",
            "coordination-single-run",
            "takeover-race",
            _driver(_Knobs(on_error_before_rethrow=True)),
        ),
        Mutant(
            "wrapped-copy",
            "rethrows a wrapped copy of the coordination error (identity lost)",
            "coordination-single-run",
            "takeover-race",
            _driver(_Knobs(rethrow_copy=True)),
        ),
        Mutant(
            "success-not-stopping",
            "forgets to return on success and tries the remaining candidates",
            "success-stops",
            "success-after-rate-limit",
            _driver(_Knobs(continue_after_success=True)),
        ),
        Mutant(
            "lock-without-fencing",
            "on a write-lock timeout, deletes the lock as stale and retries",
            "lock-exclusive",
            "lock-contention",
            _driver(_Knobs(break_lock_on_timeout=True)),
        ),
        Mutant(
            "summary-miscount",
            "counts the attempts by the last candidate's index: `All models failed (N-1)`",
            "summary-honest",
            "rate-limit-storm",
            _driver(_Knobs(summary_count_delta=-1)),
        ),
        Mutant(
            "idle-burn",
            "waits out the LLM idle timeout (120 s) before rethrowing a coordination error",
            "no-idle-burn",
            "takeover-race",
            _driver(_Knobs(idle_before_rethrow_ms=120_000)),
        ),
        Mutant(
            "size-only-fingerprint",
            "the runtime's takeover check compares file sizes only: a compaction rewrite goes unseen",
            "no-silent-overwrite",
            "mixed-faults",
            reference.run_with_model_fallback,
            ("size",),
        ),
        Mutant(
            "nondeterministic",
            "decides with os.urandom, outside the choice source",
            "deterministic",
            "rate-limit-storm",
            _driver(_Knobs(coin_flip_on_error=True)),
        ),
        Mutant(
            "wait-forever",
            "after a coordination error, polls for the session to become free with no deadline",
            "terminates",
            "takeover-race",
            _driver(_Knobs(wait_forever=True)),
        ),
        Mutant(
            "advance-on-context-overflow",
            'treats a context overflow as a candidate failure and tries the next model ("a bigger context window may take it")',
            "terminal-stops",
            "mixed-faults",
            _driver(_Knobs(advance_on_context_overflow=True)),
        ),
        Mutant(
            "retry-after-keyerror",
            "reads every error's Retry-After field, which only rate limits carry: any other error crashes the driver (KeyError)",
            "driver-contract",
            "takeover-race",
            _driver(_Knobs(retry_after_of_every_error=True)),
        ),
        Mutant(
            "last-resort-outside-chain",
            "when every candidate failed, tries a hard-coded default model that is not in the chain",
            "driver-contract",
            "rate-limit-storm",
            _driver(_Knobs(outside_chain_last_resort=("openai", "gpt-4o-mini"))),
        ),
        Mutant(
            "canned-reply",
            '"degrades gracefully": when every candidate failed, returns a canned reply that no model produced',
            "driver-contract",
            "rate-limit-storm",
            _driver(_Knobs(made_up_when_exhausted="Sorry, I can't answer right now.")),
        ),
    ]
    return {x.name: x for x in m}


MUTANTS: dict[str, Mutant] = _all()


def _later() -> dict[str, Mutant]:
    """Mutants added after the registry above, so that every earlier one keeps its `at mutants.py:N`."""
    from simharness.drivers import mutants_cooldown, mutants_network, mutants_reason, mutants_shapes, mutants_terminal
    from simharness.drivers.mutants_clock import WALL_CLOCK_COOLDOWN, wall_clock_cooldown
    from simharness.drivers.mutants_fidelity import registered  # issue 15's driver-loop signals

    m = Mutant("wall-clock-cooldown", WALL_CLOCK_COOLDOWN, "explicit-metadata-advances", "mixed-faults", wall_clock_cooldown)
    later = {m.name: m} | registered(Mutant)
    for topic in (mutants_shapes, mutants_terminal, mutants_network, mutants_reason, mutants_cooldown):  # issues 15, 16
        later |= topic.registered(Mutant)
    return later


MUTANTS.update(_later())
