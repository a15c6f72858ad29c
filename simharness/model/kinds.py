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
    "harness-fails-closed": "a missing agent harness ends the call at once: no later candidate runs, no onError, "
    "and the very same error reaches the caller",
    "same-failure-same-decision": "within one world, one provider failure presented in different shapes (status, cause, "
    "response.status, JSON body, stream error, finish_reason, friendly text, ...) gets the same fallback decision",
    "switch-goes-to-target": "a live model switch runs its target next when the target lies ahead in the chain (else the "
    "next candidate), reports no onError, and never reaches the caller itself",
    "failover-advances": "a timeout, a Node network code or a bodiless HTTP 400/422 with candidates left advances to the next "
    "candidate; on the last candidate a network code ends as a failover and a bodiless 400/422 is rethrown as it is",
    # state between calls (issue 16): judged only in worlds with an auth-profile store (a scenario's [auth] table)
    "sibling-not-blocked": "a model-scoped failure never blocks a sibling model: no candidate is skipped or refused "
    "because of failures the world scoped to other models",
    "cooldown-survives-failure": "a cooldown that a failed attempt sets survives that attempt (no \"mark good\" after a failure)",
    "no-attempt-before-deadline": "no candidate is attempted before the cooldown deadline the runtime itself wrote, "
    "except the runtime's stated probe",
    "chain-accounted": "every candidate up to where the call ended was attempted, or skipped or refused with a recorded reason",
    "retry-after-kept": "a provider's Retry-After is kept: the stored deadline is never shorter than the longest "
    "Retry-After still running (nor shortened by a later, shorter one)",
    "success-resets-errors": "a success resets the key's error counts and the cooldown that covered the succeeding model",
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
    # openclaw's whole vocabulary (opt-in provider faults, `VOCABULARY_FAULTS`)
    "user_abort": "a user abort (an AbortError with nothing timeout-like inside) reached the driver",
    "timeout_abort": "a provider abort with a string reason, or the run's own deadline (an AbortError around a TimeoutError), reached the driver",
    "command_lane_timeout": "a CommandLaneTaskTimeoutError reached the driver",
    "missing_harness": "a MissingAgentHarnessError reached the driver",
    "model_switch_later": "a live model switch to a later candidate reached the driver",
    "model_switch_current": "a live model switch to the candidate being attempted reached the driver",
    "model_switch_on_last": "a live model switch reached the driver from the chain's last candidate",
    "failover_thrown": "`run` threw a FailoverError of its own",
    "plain_object": "`run` threw a plain object that is not an Error",
    "network_error": "a Node network error with a code and no status (ECONNRESET, ENOTFOUND, ...) reached the driver",
    "message_only": "a failure only its message names reached the driver",
    "provider_rule": "a failure whose reason depends on the candidate's provider (OpenRouter's 403 budget limit) reached the driver",
    "no_body": "an HTTP 400/422 with no body reached the driver",
    "overflow_cause": "a context overflow behind a cause reached the driver",
    "detail_code": "a provider code only in `detail.code` reached the driver",
    "shapes_compared": "one world presented its provider failure in two or more shapes (`same-failure-same-decision` compared them)",
    # state between calls (issue 16): worlds with an [auth] table
    "cooldown_skip": "the driver skipped a candidate whose keys were cooling down",
    "cooldown_probe": "the driver probed a cooling-down candidate (openclaw's allowTransientCooldownProbe)",
    "runner_refused": "the runner refused an attempt: every key of the provider was cooling down for the model",
    "store_concurrent_write": "two sessions wrote one key's entry at the same virtual instant",
    "retry_after_long": "a provider answered with a Retry-After longer than the runtime's first backoff step (30 s)",
    "sibling_after_scoped_failure": "a sibling model of one key was attempted while another model of it was cooling down",
    "second_scoped_failure": "a key failed on a second model while a model-scoped cooldown on another model was active",
    "billing_disabled_skip": "a billing-disabled key was skipped or refused",
    "cooldown_expired_retry": "a key was used again after its cooldown expired",
    "escalated_backoff": "a key's cooldown grew past the runtime's first backoff step (error counts escalating)",
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
    # the auth-profile store (issue 16; only in worlds with an [auth] table)
    STORE_WRITE = "store.write"
    CANDIDATE_SKIP = "candidate.skip"
    RUNNER_REFUSED = "runner.refused"
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
#: Classification rules a runtime may ship in a provider plugin instead of its core classifier: from 2026.8.1
#: openclaw's OpenRouter budget rule lives in `extensions/openrouter`, which the bridge does not load (bundled
#: plugins are off). A target is judged on such a rule only where its profile has it (detected from the dist).
PROVIDER_RULE_KINDS = frozenset({"provider_rule_billing"})
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

# --- openclaw's whole error vocabulary (issue 15): opt-in, a scenario asks for each by name -------------------

#: Provider faults beyond `PROVIDER_FAULTS`, kept apart so that nothing drawn from that table (the public
#: `faults()` strategy, swarm switches of existing scenarios) moves: each is a shape openclaw's own tests use.
VOCABULARY_FAULTS = (
    "user_abort",  # AbortError, nothing timeout-like inside: the user stopped the run (ends the call)
    "provider_abort",  # AbortError with a string `reason` ("reason: abort", "deadline exceeded"): a timeout
    "budget_abort",  # the run's own deadline: AbortError whose `reason` is a TimeoutError (AbortSignal.timeout)
    "command_lane_timeout",  # CommandLaneTaskTimeoutError: the command lane's task deadline (ends the call)
    "missing_harness",  # MissingAgentHarnessError: the requested agent harness is not registered (fails closed)
    "model_switch",  # LiveSessionModelSwitchError naming a target candidate ([vocabulary] switch_target)
    "failover_thrown",  # a FailoverError `run` threw itself (reason, status, provider, model)
    "plain_object",  # a thrown plain non-Error object: {error: {code: 429, status: "RESOURCE_EXHAUSTED"}}
    "network",  # a Node network error with a code and no status (ECONNRESET, ETIMEDOUT, ENOTFOUND, EAI_AGAIN...)
    "message_only",  # a failure only its message tells (no status, no code)
    "provider_rule",  # a 403 whose reason depends on the candidate's provider (OpenRouter: budget limit = billing)
    "no_body",  # HTTP 400/422 with no body: unclassified
    "overflow_cause",  # a context overflow found only behind a `cause` (ends the call)
    "shaped",  # one provider failure of the world in one of many shapes ([shapes]; `same-failure-same-decision`)
    "detail_code",  # a provider code only in `detail.code` (Codex: {detail: {code: "deactivated_workspace"}})
)

#: The situation each vocabulary fault marks when it reaches the driver (`check.situations`).
VOCABULARY_SITUATIONS: dict[str, str] = {
    "user_abort": "user_abort",
    "provider_abort": "timeout_abort",
    "budget_abort": "timeout_abort",
    "command_lane_timeout": "command_lane_timeout",
    "missing_harness": "missing_harness",
    "failover_thrown": "failover_thrown",
    "plain_object": "plain_object",
    "network": "network_error",
    "message_only": "message_only",
    "provider_rule": "provider_rule",
    "no_body": "no_body",
    "overflow_cause": "overflow_cause",
    "detail_code": "detail_code",
}
#: The target of a live model switch, relative to the candidate whose attempt throws it.
SWITCH_TARGETS = ("later", "current", "earlier")
#: Node network error codes without an HTTP status.
NETWORK_CODES = ("ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH")

#: `shaped`: the provider failures the world presents in many shapes (one per world: a recorded choice).
SHAPE_FAILURES = ("rate_limit", "overloaded", "unavailable", "internal", "auth", "billing", "timeout")
#: How an HTTP failure reaches the driver. `status`: the SDK's error with a top-level status; `cause`: behind a
#: generic wrapper's cause; `response`: only `response.status` (axios-style); `body`: the status-less JSON body
#: as the message; `stream`: an error event after HTTP 200 (no status; the body also under `error`);
#: `finish_reason`: the stream ended with finish_reason "error"; `friendly`: openclaw's user-facing text;
#: `status_code`: `statusCode` instead of `status`; `status_string`: the status as a string; `plain`: a thrown
#: plain object (not an Error) holding the body.
HTTP_FORMS = ("status", "cause", "response", "body", "stream", "finish_reason", "friendly", "status_code", "status_string", "plain")
#: How a timeout reaches the driver: a TimeoutError, a provider abort with a string reason, the run's own deadline
#: (an AbortError whose reason is a TimeoutError), an AbortError saying "Request was aborted", a network code,
#: the idle watchdog's message.
TIMEOUT_FORMS = ("timeout_error", "provider_abort", "budget_abort", "request_aborted", "etimedout", "idle")
SHAPE_FORMS = HTTP_FORMS + TIMEOUT_FORMS

#: Ground truth of the vocabulary's kinds (`check.oracle.category_of`): what openclaw's contract does with each.
#: terminal: ends the call, rethrown as it is; explicit: provider metadata, advance; timeout: a provider timeout,
#: advance; switch: a live model switch (go to its target); unknown: a provider failure no metadata names.
VOCABULARY_CATEGORY: dict[str, str] = {
    "command_lane_timeout": "terminal",
    "missing_harness": "terminal",
    "overflow_cause": "terminal",
    "abort_timeout": "timeout",
    "network": "timeout",
    "model_switch": "switch",
    "failover": "explicit",
    "message_only": "unknown",
    "no_body": "unknown",
    "provider_rule_billing": "explicit",  # the 403 on an OpenRouter candidate: billing (its budget limit)
    "provider_rule_auth": "explicit",  # the same 403 on any other provider's candidate: auth
    "shaped": "unknown",
    "detail_code": "explicit",  # a provider code: 2026.9.x reads it (auth_permanent), 2026.5.20 does not look there
}
