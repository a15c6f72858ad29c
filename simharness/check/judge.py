"""Judging one run: one pass over its trace feeds every checker, then the verdicts are collected in a fixed order.

The checkers, one module per invariant in `check/invariants/` (ids in `model.kinds.INVARIANTS`):

- per call, in this order (`CALL_CHECKERS`): terminates, driver-contract, explicit-metadata-advances,
  success-stops, coordination-single-run, no-idle-burn, terminal-stops, summary-honest, harness-fails-closed,
  switch-goes-to-target, failover-advances;
- across calls, fed each event of the kinds they subscribe to (`EVENT_CHECKERS`): lock-exclusive, then
  no-silent-overwrite, then same-failure-same-decision (one world's shaped failures, compared across calls).
- state between calls (issue 16; `LEDGER_CHECKERS`), judged only when the run wrote the auth-profile store, on
  the one `CooldownLedger` the same pass builds: sibling-not-blocked, cooldown-survives-failure,
  no-attempt-before-deadline, chain-accounted, retry-after-kept, success-resets-errors.
- `deterministic` needs two runs of the same seed: `explore.suite` judges it by replay, not here.

Violations come out per call (calls in the order they started, each call's verdicts in checker order), then
lock-exclusive's, then no-silent-overwrite's, then the store invariants' (in `LEDGER_CHECKERS` order). Reports,
shrinking and the kill matrix depend on that order. The `sometimes` situations (`model.kinds.SITUATIONS`) are
counted in the same pass. The pass is the hot path of every run: each event goes only to the subscribers of its kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simharness.check.calls import CallLog
from simharness.check.checker import CallChecker, Subscriber
from simharness.check.cooldown_ledger import CooldownLedger, LedgerChecker
from simharness.check.invariants import (
    chain_accounted,
    cooldown_survives_failure,
    coordination_single_run,
    driver_contract,
    explicit_metadata_advances,
    failover_advances,
    harness_fails_closed,
    no_attempt_before_deadline,
    no_idle_burn,
    retry_after_kept,
    sibling_not_blocked,
    success_resets_errors,
    success_stops,
    summary_honest,
    switch_goes_to_target,
    terminal_stops,
    terminates,
)
from simharness.check.invariants.lock_exclusive import LockExclusive
from simharness.check.invariants.no_silent_overwrite import NoSilentOverwrite
from simharness.check.invariants.same_failure_same_decision import SameFailureSameDecision
from simharness.check.situations import SituationTally
from simharness.check.verdicts import Verdicts
from simharness.model.target import Profile
from simharness.model.trace import Event, Trace

#: Per-call checkers, in the order their verdicts on one call are listed.
CALL_CHECKERS: tuple[CallChecker, ...] = (
    terminates.judge,
    driver_contract.judge,
    explicit_metadata_advances.judge,
    success_stops.judge,
    coordination_single_run.judge,
    no_idle_burn.judge,
    terminal_stops.judge,
    summary_honest.judge,
    harness_fails_closed.judge,
    switch_goes_to_target.judge,
    failover_advances.judge,
)
#: Checkers that follow state across calls, in the order their verdicts are listed (after every call's).
EVENT_CHECKERS = (LockExclusive, NoSilentOverwrite, SameFailureSameDecision)
#: The store invariants (issue 16), judged on the run's `CooldownLedger` when it is active, in this order (last).
LEDGER_CHECKERS: tuple[LedgerChecker, ...] = (
    sibling_not_blocked.judge,
    cooldown_survives_failure.judge,
    no_attempt_before_deadline.judge,
    chain_accounted.judge,
    retry_after_kept.judge,
    success_resets_errors.judge,
)


def check(trace: Trace, profile: Profile) -> Verdicts:
    """Judge one run's trace against every invariant (except `deterministic`, which needs two runs)."""
    log = CallLog()
    tally = SituationTally()
    event_checkers = [make() for make in EVENT_CHECKERS]
    ledger = CooldownLedger()
    _one_pass(trace, (log, *event_checkers, tally, ledger))
    log.finish()
    v = Verdicts()
    for c in log.calls.values():
        for judge in CALL_CHECKERS:
            judge(c, profile, v)
    for checker in event_checkers:
        checker.verdict(v)
    if ledger.active:
        for store_judge in LEDGER_CHECKERS:
            store_judge(ledger, log.calls, profile, v)
    tally.verdict(log.calls.values(), v)
    return v


#: kind -> (position in `(CallLog, *EVENT_CHECKERS, SituationTally, CooldownLedger)`, handler) for each subscriber that wants it,
#: in that order: the same for every trace, so worked out once (the pass is the hot path of every run).
_ROUTES: dict[str, tuple[tuple[int, Callable[[Any, int, Event], None]], ...]] = {}
_SUBSCRIBERS: tuple[type[Subscriber], ...] = (CallLog, *EVENT_CHECKERS, SituationTally, CooldownLedger)
for _position, _subscriber in enumerate(_SUBSCRIBERS):
    for _kind, _handler in _subscriber.HANDLERS.items():
        _ROUTES[_kind] = (*_ROUTES.get(_kind, ()), (_position, _handler))


def _one_pass(trace: Trace, subscribers: tuple[Subscriber, ...]) -> None:
    """Hand each event, with its index, to the subscribers of its kind (in the order they are listed)."""
    routes = _ROUTES
    for i, e in enumerate(trace.events):
        for position, handle in routes.get(e.kind, ()):
            handle(subscribers[position], i, e)
