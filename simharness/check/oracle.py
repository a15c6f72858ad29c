"""Ground truth about an error the world built, read from the `kind` labels the world attached.

This is the specification the invariants judge against (DESIGN.md, "Domain model"). It deliberately does
not reuse any driver's classifier: it knows what the world made, not what a driver can infer.
"""

from __future__ import annotations

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
