"""Mutant drivers: the reference driver with one realistic bug each — the harness's proof of strength.

Every invariant has at least one mutant that violates it; `simharness mutants` runs every strategy against
them and prints the kill matrix, and the test suite shows each one is caught. A mutant is a target like any
other: `--target mutant:NAME`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import simpy

from simharness import _classifier as C
from simharness._errors import JSError
from simharness.drivers import legacy, reference
from simharness.drivers.reference import summary_error
from simharness.targets._protocol import CallContext, Candidate, DriverFn, OnErrorFn, RunFn

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
    is_coordination: Callable[[Any], bool] = C.is_coordination_error
    coordination_first: bool = False  # check the raw error before classification (the PR's first version)
    on_error_before_rethrow: bool = False
    rethrow_copy: bool = False
    idle_before_rethrow_ms: int = 0
    break_lock_on_timeout: bool = False
    continue_after_success: bool = False
    coin_flip_on_error: bool = False
    wait_forever: bool = False
    summary_count_delta: int = 0
    max_depth: int = C.MAX_FAILOVER_CAUSE_DEPTH


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
                if k.coordination_first and (C.has_session_lock(raw) or C.has_nested(raw, C.is_takeover)):
                    raise
                if k.break_lock_on_timeout and C.is_session_write_lock_timeout(raw) and not broke_lock:
                    ctx.break_lock()  # "the lock must be stale": delete it and try again
                    broke_lock = True
                    continue
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
            if k.is_coordination(err):
                while k.wait_forever:  # "wait until the session is free again" — nothing ever says so
                    yield ctx.env.timeout(5_000)
                if k.on_error_before_rethrow:
                    on_error(report)
                if k.idle_before_rethrow_ms:
                    yield ctx.env.timeout(k.idle_before_rethrow_ms)
                if k.rethrow_copy:
                    raise JSError(err.message, name=err.name, code=err.code, cause=err, kind="wrapper")
                raise err
            if C.is_likely_context_overflow(err.message):
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
        summary = summary_error(attempts, last_error, total)
        if k.summary_count_delta and summary.name == "FallbackSummaryError":
            n = len(attempts)
            summary.message = summary.message.replace(f"({n})", f"({n + k.summary_count_delta})", 1)
        raise summary

    return run_with_model_fallback


# --- broken coordination predicates ----------------------------------------------------------------------


def _predicate(links: tuple[str, ...], *, lock_by_name: bool = False) -> Callable[[Any], bool]:
    is_lock = (
        (lambda e: isinstance(e, JSError) and e.name == "SessionWriteLockTimeoutError") if lock_by_name else C.is_session_write_lock_timeout
    )

    def is_coordination(err: Any) -> bool:
        if not C.has_nested(err, is_lock, links) and not C.has_nested(err, C.is_takeover, links):
            return False
        return not C.is_failover_error(err) and C.classify(err) is None

    return is_coordination


def _no_seen_set(err: Any) -> bool:
    """The predicate walks links without a seen-set: a cycle recurses until JavaScript's stack overflows."""

    def has(node: Any) -> bool:
        if C.is_session_write_lock_timeout(node) or C.is_takeover(node):
            return True
        if not isinstance(node, JSError):
            return False
        return has(node.cause) or has(node.error) or has(node.reason)

    try:
        found = has(err)
    except RecursionError:
        raise JSError("Maximum call stack size exceeded", name="RangeError", kind="plain") from None
    return found and not C.is_failover_error(err) and C.classify(err) is None


_SHORT = C.MAX_FAILOVER_CAUSE_DEPTH - 1  # depth-off-by-one's limit, in every classification it makes


def _all() -> dict[str, Mutant]:
    m = [
        Mutant(
            "legacy",
            "openclaw ≤ 2026.5.18: no coordination check, a takeover walks the whole chain",
            "coordination-single-run",
            "takeover-race",
            legacy.run_with_model_fallback,
        ),
        Mutant(
            "coordination-before-explicit",
            "checks for a nested lock before classification, so a 429 wrapping a lock aborts the chain (the reviewer's edge case)",
            "explicit-metadata-advances",
            "rate-limit-nested-lock",
            _driver(_Knobs(coordination_first=True)),
        ),
        Mutant(
            "no-cause-walk",
            "the coordination predicate does not follow `cause`",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(("error", "reason")))),
        ),
        Mutant(
            "lock-by-name-only",
            "recognizes a lock by its class name, missing code-only lock objects",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(("error", "cause", "reason"), lock_by_name=True))),
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
            _driver(_Knobs(is_coordination=partial(C.is_coordination_error, max_depth=_SHORT), max_depth=_SHORT)),
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
            "no-reason-walk",
            "the coordination predicate does not follow `reason`",
            "coordination-single-run",
            "nested-coordination",
            _driver(_Knobs(is_coordination=_predicate(("error", "cause")))),
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
    ]
    return {x.name: x for x in m}


MUTANTS: dict[str, Mutant] = _all()
