"""The vocabulary every layer shares: invariant ids, the situations a suite can promise to reach, the event
kinds of a trace (`EventKind`) and every kind set (faults, coordination errors, wrappers, links, writers).

The ids are stable: reports, tests and other tools depend on them.
"""

from __future__ import annotations

from enum import StrEnum

INVARIANTS: dict[str, str] = {
    "coordination-single-run": "a pure coordination error runs `run` once and rethrows the very same error; no onError, no summary",
    "explicit-metadata-advances": "an error with explicit provider metadata advances through the chain in order, each candidate once, "
    "even when a coordination error is nested inside",
    "summary-honest": "the final error names exactly the attempts made, in order, with their reasons and the right N; "
    "onError reports each failed attempt once, in order",
    "success-stops": "the first success is returned and no later candidate runs",
    "no-idle-burn": "a coordination error costs no more virtual time than the attempt that raised it",
    "lock-exclusive": "at no virtual instant do two non-stale holders own one session lock",
    "no-silent-overwrite": "every foreign write inside a release window is detected as a takeover",
    "deterministic": "the same (scenario, target, seed) yields a byte-identical trace",
    "terminates": "every driver call ends within the step and virtual-time budget",
    "driver-contract": "the driver ran the chain it was given: no exception or exit of its own, no result that `run` did not produce, "
    "no candidate outside the chain",
    "terminal-stops": "a context overflow or a user abort ends the call at once: no later candidate runs",
}

#: `sometimes` assertions: situations a suite must reach for its passing verdict to mean something.
SITUATIONS: dict[str, str] = {
    "takeover_detected": "a foreign write inside a release window was detected on reacquire",
    "lock_timeout": "a session's write-lock acquire timed out",
    "stale_lock_takeover": "a stale (or over-held) lock was taken over",
    "rate_limit_nested_lock": "a 429 wrapping a nested session lock reached the driver",
    "nested_coordination": "a coordination error reached the driver wrapped (cause/reason/error/abort/cycle)",
    "coordination_rethrown": "a coordination error reached the caller",
    "chain_exhausted": "every candidate failed and the driver summarized",
    "success_after_fallback": "a later candidate succeeded after an earlier one failed",
    "provider_hang": "a provider hung until the idle timeout",
    "concurrent_calls": "two driver calls were in flight at the same virtual instant",
    "runtime_coordination": "a 2026.8+ runtime refused an attempt with its own coordination error (active turn claim, draining, ...)",
    "writer_gave_up": "another writer timed out on the session lock",
    "explicit_nested_coordination": "an explicit-metadata error (429/529/503) wrapping a coordination error of any kind reached the driver",
    "abort_wrapped_coordination": "a coordination error reached the driver as the reason of an AbortError",
    "runtime_coordination_wrapped": "a runtime's own coordination error (not the lock or takeover) reached the driver behind a wrapper",
}


class EventKind(StrEnum):
    """What a trace event records. The values are the trace's bytes (`Event.line`): never rename one."""

    # a driver call and the attempts inside it (lane: the session)
    CALL_START = "call.start"
    CALL_RETURN = "call.return"
    CALL_RAISE = "call.raise"
    CALL_CRASH = "call.crash"
    RUN_START = "run.start"
    RUN_OK = "run.ok"
    RUN_RAISE = "run.raise"
    ON_ERROR = "on_error"
    DRIVER_MISUSE = "driver.misuse"
    DRIVER_CRASH = "driver.crash"
    # providers and the runtime in front of them
    PROVIDER_REQUEST = "provider.request"
    PROVIDER_REPLY = "provider.reply"
    PROVIDER_FAULT = "provider.fault"
    RUNTIME_REFUSED = "runtime.refused"
    # session files, write locks, prompt-lock release windows, other writers
    LOCK_ACQUIRE = "lock.acquire"
    LOCK_RELEASE = "lock.release"
    LOCK_RELEASE_FENCED = "lock.release_fenced"
    LOCK_TIMEOUT = "lock.timeout"
    LOCK_STALE_TAKEOVER = "lock.stale_takeover"
    LOCK_BROKEN = "lock.broken"
    WINDOW_OPEN = "window.open"
    WINDOW_CLOSE = "window.close"
    TAKEOVER_DETECTED = "takeover.detected"
    FILE_WRITE = "file.write"
    WRITER_GAVE_UP = "writer.gave_up"
    # the harness stepping in (lane: harness)
    LIVENESS_EXCEEDED = "liveness.exceeded"
    TRIPWIRE = "tripwire"


# --- fault kinds: what the world can throw at a driver -------------------------------------------------------

#: What a provider's answer can be ([providers.X] faults).
PROVIDER_FAULTS = (
    "success",
    "rate_limit",
    "rate_limit_nested_lock",
    "overloaded",
    "stream_overloaded",
    "server_error",
    "auth",
    "billing",
    "timeout",
    "hang",
    "context_overflow",
    # an explicit-metadata error (429/529/503) holding any coordination error: shaped by [explicit]
    "explicit_nested_coordination",
)
#: Kinds every runtime can meet: provider faults and SDK wrappers.
PROVIDER_KINDS = frozenset(
    {"rate_limit", "overloaded", "server_error", "auth", "billing", "timeout", "context_overflow", "abort", "wrapper", "plain"}
)
#: Provider failures that carry explicit failover metadata (a numeric HTTP status or provider code).
EXPLICIT_KINDS = frozenset({"rate_limit", "overloaded", "server_error", "auth", "billing"})

#: Fault kinds that are local runtime coordination errors (not provider/model failures).
COORDINATION_KINDS = frozenset(
    {
        "takeover",
        "lock_timeout",
        # coordination kinds of the re-architected 2026.8+ runtimes
        "gateway_draining",
        "worker_runner_unavailable",
        "worker_runner_capacity",
        "active_turn_claim",
        "session_superseded",
        # every other coordination error class a published release defines (docs/coordination-errors.md)
        "worker_workspace_reconciliation",
        "transcript_claim_rebound",
        "stale_lifecycle",
        "harness_preflight",
        "lock_stale",
        "session_file_owner_timeout",
    }
)
#: Coordination kinds the world's own mechanics raise (the embedded attempt's lock and takeover check);
#: every other coordination kind is a runtime's refusal (`[runtime] faults`).
MECHANICS_KINDS = ("lock_timeout", "takeover")
#: The coordination kinds a runtime refuses an attempt with before it starts, in a fixed order (never set
#: order, which `PYTHONHASHSEED` would decide): every kind added to `COORDINATION_KINDS` flows in (so does `any`).
RUNTIME_FAULTS = tuple(sorted(COORDINATION_KINDS - set(MECHANICS_KINDS)))
#: Every coordination kind, the world's mechanics first (the simplest: the reviewer's lock), then the rest;
#: also what [explicit] can wrap.
COORDINATION_KINDS_IN_ORDER = MECHANICS_KINDS + RUNTIME_FAULTS
EXPLICIT_INNERS = COORDINATION_KINDS_IN_ORDER
#: Coordination kinds a runtime recognises by `code` alone (class or code): only for these does a code-only
#: object (no class, no name) still mean the error, so only these get the `code_only` wrapper's bare copy.
CODE_RECOGNISED_KINDS = frozenset({"lock_timeout", "lock_stale", "stale_lifecycle"})

# --- shapes: how an error reaches the driver -----------------------------------------------------------------

#: Links openclaw's classifiers may follow, in the order a graph is serialized.
LINKS: tuple[str, ...] = ("cause", "error", "reason", "suppressed")
#: How a coordination error can be wrapped ([coordination] wrap).
COORDINATION_WRAPS = ("none", "cause", "error", "reason", "abort", "deep", "deep25", "cycle", "code_only", "aggregate", "suppressed")
#: How a provider error can be wrapped by an SDK ([providers.X] wrap).
PROVIDER_WRAPS = ("none", "cause", "error", "deep", "deep25")
#: Explicit-metadata errors that can wrap a coordination error: 429 RESOURCE_EXHAUSTED, 529 overloaded, 503.
EXPLICIT_OUTERS = ("rate_limit", "overloaded", "server_error")
#: The links by which an explicit-metadata error holds what caused it (`errors` is its `errors[]`).
EXPLICIT_LINKS = ("cause", "error", "reason", "errors")

# --- other writers -------------------------------------------------------------------------------------------

#: How another writer touches a session file.
WRITER_KINDS = ("append", "rewrite")
