"""Ground truth about an error the world built, read from the `kind` labels the world attached.

This is the specification the invariants judge against (DESIGN.md, "Domain model"). It deliberately does
not reuse any driver's classifier: it knows what the world made, not what a driver can infer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simharness.model.errors import JSError, walk
from simharness.model.kinds import COORDINATION_KINDS, EXPLICIT_KINDS, VOCABULARY_CATEGORY

#: The reason a correct driver names for a root error of this kind in its "All models failed" summary.
EXPECTED_REASON = {
    "rate_limit": "rate_limit",
    "auth": "auth",
    "billing": "billing",
    "overloaded": "overloaded",
    "stream_overloaded": "overloaded",
    "timeout": "timeout",
    # provider-dependent: the same 403 "API key budget limit exceeded" (openclaw 2026.5.20, probed: billing only with
    # an OpenRouter candidate's provider as the classifier's hint)
    "provider_rule_billing": "billing",
    "provider_rule_auth": "auth",
}

#: openclaw's classifiers stop walking at this depth; the world never nests deeper.
MAX_DEPTH = 25

# --- the reason a summary entry owes each shape of openclaw's vocabulary (issue 15) --------------------------------
#
# Keyed by `reason_truth`: what the world built, never what a driver can infer. A set where the contract admits
# more than one name for the same failure (the releases renamed a reason, the decision is the same); the reference
# (`drivers/reference.py`) names one of each set, and a release naming none is a finding (probes/reason/).
# Evidence for every row: probes/reason/reasons.mjs (each release's own `coerceToFailoverError`, no bridge) and
# probes/reason/collect.py (the summary entries of the vocabulary scenarios through the bridge), 2026.5.18-9.6.

_5XX = frozenset({"timeout", "server_error"})  # 2026.5.18-9.5 name a 500 `timeout`; 9.6 `server_error` (from its status)

#: ground truth -> the reasons a correct driver may name in a summary entry for it
ACCEPTED_REASONS: dict[str, frozenset[str]] = {
    # `shaped`: one failure in every form (`model.vocabulary.shaped`); the form never changes the reason ...
    "shaped:rate_limit": frozenset({"rate_limit"}),  # 429
    "shaped:overloaded": frozenset({"overloaded"}),  # 529
    "shaped:auth": frozenset({"auth"}),  # 401 "invalid x-api-key"
    "shaped:billing": frozenset({"billing"}),  # 402
    "shaped:internal": _5XX,  # 500
    "shaped:unavailable": _5XX | {"overloaded"},  # 503: `timeout` to 7.35, `overloaded` from 8.1 (9.6: behind a cause `server_error`)
    "shaped:timeout": frozenset({"timeout"}),  # every timeout form, ETIMEDOUT and the idle watchdog included
    # ... but "Unhandled stop reason: error" (`finish_reason`) names no failure at all: what the text means
    "shaped:*:finish_reason": _5XX,
    "network": frozenset({"timeout"}),  # every Node network code the world throws (ENOTFOUND by its message)
    "abort_timeout": frozenset({"timeout"}),  # a provider abort with a string reason, the run's own deadline
    "failover": frozenset({"rate_limit"}),  # `failover_thrown`: its own `reason` (the world always builds rate_limit)
    "no_body": frozenset({"unknown"}),  # 400/422 "(no body)": unclassified, so openclaw records `unknown`
    "model_switch": frozenset({"unknown"}),  # a switch to the current or an earlier candidate: an unknown failure
    "detail_code:with_status": frozenset({"auth", "auth_permanent"}),  # a 403 + detail.code deactivated_workspace
    "detail_code:plain": frozenset({"unknown", "auth_permanent"}),  # read from 2026.5.22 on; 5.18-5.20 do not look
    "server_error": _5XX | {"overloaded"},  # the older `server_error` fault: "HTTP 503: service unavailable"
    # message-only failures (`model.vocabulary.MESSAGES`, from openclaw's model-fallback tests)
    "message:Rate limit exceeded": frozenset({"rate_limit"}),
    "message:Weekly quota exceeded": frozenset({"rate_limit"}),
    "message:Connection error.": frozenset({"timeout"}),
    "message:Unhandled stop reason: error": _5XX,
    "message:No API key found for profile openai.": frozenset({"auth"}),
    "message:Model not found: openai/gpt-6": frozenset({"model_not_found"}),
    "message:LLM request rejected: Your credit balance is too low to access the Anthropic API.": frozenset({"billing"}),
    **{kind: frozenset({reason}) for kind, reason in EXPECTED_REASON.items()},
}

#: ground truth -> why no reason is demanded of a summary entry for it (each one stated, never silently absent)
UNJUDGED_REASONS: dict[str, str] = {
    "abort": "a user abort ends the call: it is never a summary entry of a correct driver (terminal-stops judges it)",
    "context_overflow": "ends the call (terminal-stops); a summary entry for it is already a violation there",
    "overflow_cause": "ends the call (terminal-stops); a summary entry for it is already a violation there",
    "command_lane_timeout": "rethrown before classifying (terminal-stops); no entry to judge",
    "missing_harness": "fails closed (harness-fails-closed); no entry to judge",
    "wrapper": "a wrapper with no failure of its own inside the depth limit: nothing names a reason",
    "plain": "a plain error with no failure of its own: nothing names a reason",
    "message:*": "a message-only text outside `model.vocabulary.MESSAGES`: the world throws none",
    "failover:*": "a FailoverError neither `failover_thrown` nor a runner's refusal: its own reason is not recorded",
    **dict.fromkeys(COORDINATION_KINDS, "a coordination error is run once and rethrown (coordination-single-run)"),
}


def reason_truth(root: str, message: str = "", truth: Mapping[str, Any] | None = None) -> str:
    """The ground-truth key (`ACCEPTED_REASONS`, `UNJUDGED_REASONS`) of an attempt's error: its root kind
    (`run.raise` `root`), its top-level message (`run.raise` `message`) and what the world recorded about the
    attempt (`truth`: its `provider.fault` — a shaped failure's `failure` and `form`, the fault's name — or, in
    worlds with [auth], its `runner.refused`)."""
    truth = truth or {}
    if root == "shaped":
        return "shaped:*:finish_reason" if truth.get("form") == "finish_reason" else f"shaped:{truth.get('failure')}"
    if root == "failover":
        return "failover" if truth.get("fault") == "failover_thrown" else "failover:*"
    if root == "message_only":
        return f"message:{message}" if f"message:{message}" in ACCEPTED_REASONS else "message:*"
    if root == "detail_code":
        return "detail_code:with_status" if message else "detail_code:plain"
    return root


def accepted_reasons(root: str, message: str = "", truth: Mapping[str, Any] | None = None) -> frozenset[str] | None:
    """The reasons a summary entry may name for this attempt's error; None when it is not judged. A runner's
    refusal ([auth] worlds: `truth` is its `runner.refused`) owes the reason the runner refused with."""
    if truth is not None and isinstance(truth.get("refused"), str):
        return frozenset({truth["refused"]})
    return ACCEPTED_REASONS.get(reason_truth(root, message, truth))


def expected_reason(err: Any) -> str:
    """One reason a correct summary names for an error the world built (for drivers that read ground truth, as
    tests' oracle drivers do): the first of `accepted_reasons` in sorted order, `unknown` when unjudged."""
    if not isinstance(err, JSError):
        return "unknown"
    if err.kind == "failover":  # a FailoverError the world built carries its reason (`failover_thrown`, a refusal)
        own = err.reason if isinstance(err.reason, str) else err.fields.get("reason")
        return own if isinstance(own, str) else "unknown"
    accepted = accepted_reasons(root_kind(err), err.message, getattr(err, "truth", None))
    return min(accepted) if accepted else "unknown"


def category_of(err: Any) -> str:
    """One of: explicit, coordination, terminal, timeout, switch, unknown.

    The rest of openclaw's vocabulary (opt-in faults) has its ground truth in `model.kinds.VOCABULARY_CATEGORY`:
    a command-lane timeout, a missing harness and an overflow behind a cause are terminal, a live model switch
    is `switch`, aborts with a timeout inside and network codes are timeouts, a thrown FailoverError explicit.

    - terminal: context overflow, or a user abort with nothing coordination-like inside (rethrown, not advanced)
    - explicit: explicit provider metadata (429/5xx status, provider code) anywhere in the graph wins, even over a
      nested coordination error of any kind (the reviewer's case on PR #83550, for every kind and link)
    - coordination: any coordination kind (`COORDINATION_KINDS`: takeover, write lock, every runtime's own), bare
      or behind any link — cause, error, reason, an AbortError's reason, errors[], suppressed, cycles — within
      the classifier depth limit: run once, the same object rethrown
    """
    if not isinstance(err, JSError):
        return "unknown"
    if err.kind == "context_overflow":
        return "terminal"
    kinds = {node.kind for node in walk(err, max_depth=MAX_DEPTH)}
    if kinds & EXPLICIT_KINDS:
        return "explicit"
    if kinds & COORDINATION_KINDS:
        return "coordination"
    if err.kind == "abort":
        return "terminal"
    vocabulary = [VOCABULARY_CATEGORY[k] for k in (node.kind for node in walk(err, max_depth=MAX_DEPTH)) if k in VOCABULARY_CATEGORY]
    if vocabulary:  # the rest of openclaw's vocabulary (opt-in faults): the first such node's ground truth
        return vocabulary[0]
    if "timeout" in kinds:
        return "timeout"
    return "unknown"


def coordination_kinds(err: Any) -> frozenset[str]:
    """Which coordination kinds an error graph holds (for profile applicability)."""
    return frozenset(node.kind for node in walk(err, max_depth=MAX_DEPTH)) & COORDINATION_KINDS


def root_depth(err: Any) -> int:
    """How many `error`/`cause` links lie between `err` and its first non-wrapper node (-1: none, or only
    reachable through other links). Within `MAX_DEPTH`, a driver can and must classify the root's reason."""
    frontier: list[Any] = [err]
    seen: set[int] = set()
    depth = 0
    while frontier and depth <= MAX_DEPTH:
        nxt: list[Any] = []
        for node in frontier:
            if not isinstance(node, JSError) or id(node) in seen:
                continue
            seen.add(id(node))
            if node.kind not in ("wrapper", "plain"):
                return depth
            nxt.extend((node.error, node.cause))
        frontier, depth = nxt, depth + 1
    return -1


def root_kind(err: Any) -> str:
    """The kind that names the failure: the first non-wrapper node along the links."""
    for node in walk(err, max_depth=MAX_DEPTH):
        if node.kind not in ("wrapper", "plain"):
            return node.kind
    return "plain"


def switch_target(err: Any) -> str | None:
    """Where a live model switch asks to go (`provider/model`, the chain's candidate format), or None when `err`
    is not one. Ground truth from what the world built: the top-level `model_switch` error's own fields."""
    if not isinstance(err, JSError) or err.kind != "model_switch":
        return None
    return f"{err.fields.get('provider', '')}/{err.fields.get('model', '')}"
