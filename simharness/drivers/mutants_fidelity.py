"""Mutants of openclaw's driver-loop signals (issue 15): the reference with one realistic bug each in how it
treats a user abort, a context overflow behind a cause, the command lane's timeout, a missing agent harness or
a live model switch. Registered at the end of `mutants.py` (whose line numbers are in its mutants' reports).

Each is the reference loop (`reference.py`) with one knob flipped; the bugs are the ones openclaw's tracker and
its tests' history show (#58466: the switch rethrown on the last candidate; a user stop read as a timeout).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import simpy

from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn, is_coordination_error
from simharness.drivers import classifier as C
from simharness.drivers.openclaw_2026_5_20 import Attempt, describe, summary_error, switch_failover
from simharness.drivers.recognize import (
    contract_failover,
    format_error_message,
    is_command_lane_timeout,
    is_missing_harness,
    live_switch_target,
    switch_index,
)

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Knobs:
    abort_is_timeout: bool = False  # every AbortError "must be a timeout": falls back on a user stop
    overflow_in_message_only: bool = False  # looks for a context overflow in the top message only
    classify_command_lane: bool = False  # no early rethrow: the lane's timeout reads as a provider timeout
    harness_is_failure: bool = False  # a missing harness is one more candidate failure
    switch_is_failure: bool = False  # a live switch is an ordinary (unknown) failure: onError, next, raw on last
    switch_ignores_target: bool = False  # a live switch goes to the next candidate, never to its target
    switch_rethrown_on_last: bool = False  # with nowhere to go on the last candidate, the switch itself is thrown


def driver(k: Knobs) -> DriverFn:
    def run_with_model_fallback(
        ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[simpy.Event, Any, Any]:
        attempts: list[Attempt] = []
        last_error: JSError | None = None
        total = len(candidates)
        i = 0
        while i < total:
            provider, model = candidates[i]
            try:
                result = yield from run(provider, model)
            except JSError as raw:
                if is_coordination_error(raw) or (is_command_lane_timeout(raw) and not k.classify_command_lane):
                    raise
                coerced = C.coerce_to_failover_error(raw, provider, model)
                if C.should_rethrow_abort(raw) and coerced is None and not k.abort_is_timeout:
                    raise
                err = coerced if coerced is not None else raw
                if not C.is_failover_error(err):
                    err = contract_failover(err, provider, model) or err  # the reference's contract decision
            else:
                return result
            overflow_text = err.message if k.overflow_in_message_only else format_error_message(err)
            if C.is_likely_context_overflow(overflow_text):
                raise err
            if is_missing_harness(err) and not k.harness_is_failure:
                raise err
            normalized = C.coerce_to_failover_error(err, provider, model) or err
            target = None if k.switch_is_failure else live_switch_target(err)
            if target is not None:
                jump = None if k.switch_ignores_target else switch_index(target, candidates, i)
                if jump is not None:
                    i = jump
                    continue
                if k.switch_rethrown_on_last and i == total - 1:
                    raise err
                last_error = switch_failover(err, provider, model)
                attempts.append(describe(provider, model, last_error))
                i += 1
                continue
            known = C.is_failover_error(normalized)
            if not known and i == total - 1:
                raise err
            last_error = normalized if known else err
            attempts.append(describe(provider, model, normalized))
            on_error({"provider": provider, "model": model, "error": last_error, "attempt": i + 1, "total": total})
            i += 1
        raise summary_error(attempts, last_error, total)

    return run_with_model_fallback


#: (name, description, invariant, the shipped scenario that exposes it, knobs).
SPECS: tuple[tuple[str, str, str, str, Knobs], ...] = (
    (
        "user-abort-falls-back",
        "reads every AbortError as a provider timeout: a user's stop falls back to the next model",
        "terminal-stops",
        "vocabulary",
        Knobs(abort_is_timeout=True),
    ),
    (
        "overflow-top-message-only",
        "looks for a context overflow in the error's own message only: an overflow behind a cause advances",
        "terminal-stops",
        "vocabulary",
        Knobs(overflow_in_message_only=True),
    ),
    (
        "command-lane-timeout-classified",
        "classifies the command lane's own task timeout as a provider timeout and tries the next model",
        "terminal-stops",
        "vocabulary",
        Knobs(classify_command_lane=True),
    ),
    (
        "missing-harness-falls-back",
        "treats a missing agent harness as a candidate failure and runs the next model under another runtime",
        "harness-fails-closed",
        "vocabulary",
        Knobs(harness_is_failure=True),
    ),
    (
        "switch-walks-chain",
        "treats a live model switch as an ordinary failure: onError, the next candidate, the switch itself on the last",
        "switch-goes-to-target",
        "model-switch",
        Knobs(switch_is_failure=True),
    ),
    (
        "switch-ignores-target",
        "moves to the next candidate on a live model switch instead of the candidate it names",
        "switch-goes-to-target",
        "model-switch",
        Knobs(switch_ignores_target=True),
    ),
    (
        "switch-rethrown-on-last",
        "rethrows a live model switch on the last candidate (before #58466): the outer loop restarts on the model that failed",
        "switch-goes-to-target",
        "model-switch",
        Knobs(switch_rethrown_on_last=True),
    ),
)


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`, which
    registers these with one line at its end)."""
    return {name: make(name, description, invariant, scenario, driver(knobs)) for name, description, invariant, scenario, knobs in SPECS}
