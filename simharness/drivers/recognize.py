"""Recognizing errors the way a real driver can: by name, code and status, through every link, within openclaw's
depth limit — never by the world's `kind` labels.

These are the contract's predicates (DESIGN.md): the reference driver is built from them, and they are public
for your own driver (`from simharness.drivers import is_coordination_error, ...`). Mutants reuse them with a
parameter set wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from simharness.drivers import classifier as C
from simharness.model import errors as E
from simharness.model import kinds as K
from simharness.model.errors import JSError

#: Every link SDKs and runtimes wrap errors with.
LINKS = ("cause", "error", "reason", "errors", "suppressed")
#: openclaw's classifiers stop walking at this depth.
MAX_DEPTH = C.MAX_FAILOVER_CAUSE_DEPTH
#: HTTP statuses that carry explicit failover metadata (a 400/422 is a request problem, not a provider state).
_EXPLICIT_STATUS = frozenset({401, 402, 403, 408, 429}) | frozenset(range(500, 600))
_EXPLICIT_CODES = frozenset({"OVERLOADED", "OVERLOADED_ERROR"}) | C._RATE_LIMIT_CODES


#: JavaScript's own error names: they say nothing about which error it is.
_GENERIC_NAMES = frozenset({"", "Error", "AbortError", "TypeError", "RangeError", "TimeoutError", "AggregateError", "SuppressedError"})


@cache
def runtime_coordination_marks() -> tuple[frozenset[str], frozenset[str]]:
    """(names, codes) of the runtimes' own coordination errors: every kind the world knows, read from the
    constructors a runtime's errors are built with (the takeover and lock have rules of their own)."""
    names: set[str] = set()
    codes: set[str] = set()
    for kind in sorted(K.COORDINATION_KINDS - {"takeover", "lock_timeout"}):
        sample = E.coordination_error(kind, "probe")
        if sample.name not in _GENERIC_NAMES:  # e.g. the stale-lifecycle error is an "AbortError": its code says it
            names.add(sample.name)
        if sample.code:
            codes.add(sample.code)
    return frozenset(names), frozenset(codes)


def is_coordination_node(node: JSError, *, lock_by_name: bool = False, names: frozenset[str] | None = None) -> bool:
    """One node of the graph is a coordination error: a takeover (by name, as openclaw matches it), a
    session write-lock timeout (by code or class, never by name alone) or a runtime coordination error."""
    if node.name == "EmbeddedAttemptSessionTakeoverError":
        return True
    if lock_by_name:
        if node.name == "SessionWriteLockTimeoutError":
            return True
    elif node.code == C.SESSION_WRITE_LOCK_TIMEOUT_CODE:
        return True
    runtime_names, runtime_codes = runtime_coordination_marks()
    return node.name in (runtime_names if names is None else names) or (node.code is not None and node.code in runtime_codes)


def has_explicit_metadata(node: JSError) -> bool:
    """A numeric provider status or a non-timeout provider code: the provider said what happened."""
    if node.status is not None and node.status in _EXPLICIT_STATUS:
        return True
    return bool(node.code) and str(node.code).strip().upper() in _EXPLICIT_CODES


def reachable(err: Any, *, links: Sequence[str] = LINKS, max_depth: int = MAX_DEPTH, seen_set: bool = True) -> list[JSError]:
    """Every error reachable from `err` through `links`, breadth by depth, each once, at most `max_depth` deep."""
    out: list[JSError] = []
    seen: set[int] = set()
    frontier: list[Any] = [err]
    for _ in range(max_depth + 1):
        nxt: list[Any] = []
        for node in frontier:
            if not isinstance(node, JSError) or (seen_set and id(node) in seen):
                continue
            seen.add(id(node))
            out.append(node)
            for link in links:
                child = getattr(node, link, None)
                if link == "errors":
                    nxt.extend(child or ())
                elif child is not None:
                    nxt.append(child)
        if not nxt:
            break
        frontier = nxt
    return out


def is_coordination_error(err: Any, *, links: Sequence[str] = LINKS, max_depth: int = MAX_DEPTH, explicit_wins: bool = True) -> bool:
    """The contract's predicate: a coordination error anywhere in the graph, and no explicit provider metadata."""
    graph = reachable(err, links=links, max_depth=max_depth)
    if not any(is_coordination_node(node) for node in graph):
        return False
    return not (explicit_wins and any(has_explicit_metadata(node) for node in reachable(err)))


def failover_reason(err: Any) -> str:
    """The reason openclaw's classifier gives a candidate failure (`rate_limit`, `auth`, `billing`,
    `overloaded`, `timeout`, ...; `unknown` when it cannot tell): what a summary names per attempt."""
    return C.describe_failover(err)[1]


def ends_the_call(err: Any) -> bool:
    """A context overflow or a user abort (an AbortError that is not a timeout): no other model can do better,
    so it is rethrown as it is, like openclaw does."""
    if C.is_likely_context_overflow(C.error_message(err)):
        return True
    return C.should_rethrow_abort(err) and C.failover_reason(err) is None
