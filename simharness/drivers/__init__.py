"""Drivers: the public API for writing one, and the drivers simharness ships.

Write your own driver against this module alone (`--target py:path/to/file.py:run_with_model_fallback`):

    from simharness.drivers import JSError, is_coordination_error, failover_reason, ends_the_call

- the call's types: `CallContext` (`ctx.env`, `ctx.session`, `ctx.call_id`), `Candidate` (provider, model),
  `RunFn` (`yield from run(provider, model)`), `OnErrorFn`, `DriverFn`;
- the errors the world throws: `JSError` (name, message, code, status, links), and a constructor for every
  shape (`session_takeover`, `session_write_lock_timeout`, `coordination_error(kind, detail)`, `rate_limit`,
  `overloaded`, ... and the rest of openclaw's vocabulary: `user_abort`, `model_switch`, `missing_harness`,
  `shaped(failure, form)`, ...) for your own unit tests; `ERROR_NAMES` / `ERROR_CODES`: each coordination kind's JS class
  name and code, as the release that defines it builds it;
- the contract's recognizers: `is_coordination_error`, `has_explicit_metadata`, `failover_reason`,
  `ends_the_call`, `reachable`, and a live model switch's target (`live_switch_target`, `switch_index`: where
  in the chain it asks to go) (recognize.py), and openclaw 2026.5.20's failover classifier as `classifier`
  (the release's, departures included: `classifier.is_coordination_error` is not the contract's);
- profiles: `Profile` (declare `SIMHARNESS_PROFILE` in your module to say which kinds your runtime can throw),
  `ALL_KINDS_PROFILE` (the default for Python drivers), `EMBEDDED_LOCK_PROFILE`, and the kind sets.
- state between calls (worlds with an `[auth]` table): `ctx.store` (a `StoreView`: the auth-profile store as the
  call found it), `ctx.now`, `ctx.run_state`, `ctx.skip(...)`, `run(p, m, probe=True)`; the store's shape
  (`UsageStats`, `Entries`, `KEY_WIDE`) and its arithmetic, `StorePolicy`, with the contract's `ReferencePolicy`
  (the default; declare `SIMHARNESS_STORE_POLICY` in your module for your runtime's own).

Shipped drivers, each a module here: `reference` (the contract, the default target), faithful ports of
releases (`openclaw_2026_5_18`, alias `legacy`; `openclaw_2026_5_20`) and `mutants` (faulty on purpose).
They import what a user's driver would, from this module, plus the classifier.

Layer: drivers see only the vocabulary (`simharness.model`); nothing of the world, the engine or the checks.
"""

from __future__ import annotations

from simharness.drivers import classifier
from simharness.drivers.recognize import (
    ends_the_call,
    failover_reason,
    has_explicit_metadata,
    is_coordination_error,
    live_switch_target,
    reachable,
    switch_index,
)
from simharness.drivers.store_policy import ReferencePolicy
from simharness.model.errors import (
    JSError,
    abort_error,
    auth_error,
    billing_error,
    context_overflow,
    coordination_error,
    explicit_wrapping,
    idle_timeout,
    overloaded,
    rate_limit,
    request_timeout,
    server_error,
    session_takeover,
    session_write_lock_timeout,
    stream_overloaded,
    wrap,
)
from simharness.model.kinds import (
    COORDINATION_KINDS,
    COORDINATION_KINDS_IN_ORDER,
    EXPLICIT_KINDS,
    MECHANICS_KINDS,
    PROVIDER_KINDS,
    PROVIDER_RULE_KINDS,
)
from simharness.model.store import KEY_WIDE, Entries, StorePolicy, UsageStats
from simharness.model.target import (
    ALL_KINDS_PROFILE,
    EMBEDDED_LOCK_PROFILE,
    CallContext,
    Candidate,
    DriverFn,
    OnErrorFn,
    Profile,
    RunFn,
    StoreView,
)
from simharness.model.vocabulary import (
    budget_abort,
    command_lane_timeout,
    failover_thrown,
    message_only,
    missing_harness,
    model_switch,
    network_error,
    no_body,
    overflow_cause,
    plain_object,
    provider_abort,
    provider_rule,
    request_aborted,
    shaped,
    user_abort,
)


def _sample(kind: str) -> JSError:
    if kind == "takeover":
        return session_takeover("sess.jsonl")
    if kind == "lock_timeout":
        return session_write_lock_timeout(60000, "pid", "sess.jsonl.lock")
    return coordination_error(kind, "owner sess.jsonl")


#: Each coordination kind's JS error class name, as the release that defines it builds it.
ERROR_NAMES: dict[str, str] = {kind: _sample(kind).name for kind in COORDINATION_KINDS_IN_ORDER}
#: Each coordination kind's `code` (None: the class has none; it is recognised by name).
ERROR_CODES: dict[str, str | None] = {
    kind: None if (c := _sample(kind).code) is None else str(c) for kind in COORDINATION_KINDS_IN_ORDER
}

__all__ = [
    "ALL_KINDS_PROFILE",
    "COORDINATION_KINDS",
    "COORDINATION_KINDS_IN_ORDER",
    "EMBEDDED_LOCK_PROFILE",
    "ERROR_CODES",
    "ERROR_NAMES",
    "EXPLICIT_KINDS",
    "KEY_WIDE",
    "MECHANICS_KINDS",
    "PROVIDER_KINDS",
    "PROVIDER_RULE_KINDS",
    "CallContext",
    "Candidate",
    "DriverFn",
    "Entries",
    "JSError",
    "OnErrorFn",
    "Profile",
    "ReferencePolicy",
    "RunFn",
    "StorePolicy",
    "StoreView",
    "UsageStats",
    "abort_error",
    "auth_error",
    "billing_error",
    "budget_abort",
    "classifier",
    "command_lane_timeout",
    "context_overflow",
    "coordination_error",
    "ends_the_call",
    "explicit_wrapping",
    "failover_reason",
    "failover_thrown",
    "has_explicit_metadata",
    "idle_timeout",
    "is_coordination_error",
    "live_switch_target",
    "message_only",
    "missing_harness",
    "model_switch",
    "network_error",
    "no_body",
    "overflow_cause",
    "overloaded",
    "plain_object",
    "provider_abort",
    "provider_rule",
    "rate_limit",
    "reachable",
    "request_aborted",
    "request_timeout",
    "server_error",
    "session_takeover",
    "session_write_lock_timeout",
    "shaped",
    "stream_overloaded",
    "switch_index",
    "user_abort",
    "wrap",
]
