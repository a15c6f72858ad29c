"""Recognizing errors the way a real driver can: by name, code and status, through every link, within openclaw's
depth limit — never by the world's `kind` labels.

These are the contract's predicates (DESIGN.md): the reference driver is built from them, and they are public
for your own driver (`from simharness.drivers import is_coordination_error, ...`). Mutants reuse them with a
parameter set wrong.
"""

from __future__ import annotations

import json
import re
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
            codes.add(str(sample.code))  # coordination codes are strings
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


def failover_reason(err: Any, provider: str | None = None) -> str:
    """The reason openclaw's classifier gives a candidate failure (`rate_limit`, `auth`, `billing`,
    `overloaded`, `timeout`, ...; `unknown` when it cannot tell): what a summary names per attempt. Pass the
    candidate's provider: some rules depend on it (an OpenRouter 403 budget limit is `billing`), as openclaw
    coerces each failure with its candidate's provider before recording it. With a provider it is the contract's
    reason: where 2026.5.20 leaves a shape unclassified that still names a provider failure (`contract_failover`:
    a status only in `response.status`, a plain body's code, "invalid x-api-key"), the reason that status names."""
    if provider is None or C.is_failover_error(err):
        return C.describe_failover(err)[1]
    reason = C.failover_reason(err, provider=provider)
    if reason is None and (known := contract_failover(err, provider, "")) is not None:
        reason = known.fields["reason"]
    return reason or "unknown"


def ends_the_call(err: Any) -> bool:
    """A context overflow (in the message or its causes), a user abort (an AbortError that is not a timeout), the
    command lane's own timeout, or a missing agent harness: no other model can do better, so it is rethrown, like
    openclaw does."""
    if is_command_lane_timeout(err) or is_missing_harness(err):
        return True
    if C.is_likely_context_overflow(format_error_message(err)):
        return True
    return C.should_rethrow_abort(err) and C.failover_reason(err) is None


# --- the driver loop's own signals (openclaw 2026.5.20's `runWithModelFallback`, dist/model-fallback-*.js) -------
# The real driver recognises these by `instanceof` (the command-lane timeout also by name). The bridge builds
# real instances of the release's classes by name, so a JSError that is an Error (not `plain`) with the class's
# name is what `instanceof` sees; a plain object with the same name is not.


def _is_error_named(err: Any, name: str) -> bool:
    return isinstance(err, JSError) and not err.plain and err.name == name


def is_command_lane_timeout(err: Any) -> bool:
    """`CommandLaneTaskTimeoutError`: the caller's own lane timeout ran out. Rethrown before it is classified."""
    return _is_error_named(err, "CommandLaneTaskTimeoutError")


def is_missing_harness(err: Any) -> bool:
    """`MissingAgentHarnessError`: the requested agent harness is not registered. The chain fails closed."""
    return _is_error_named(err, "MissingAgentHarnessError")


def live_switch_target(err: Any) -> tuple[str, str] | None:
    """A `LiveSessionModelSwitchError`'s requested selection `(provider, model)` (its own `provider`/`model`
    properties), or None when `err` is not one."""
    if not _is_error_named(err, "LiveSessionModelSwitchError"):
        return None
    provider, model = err.fields.get("provider"), err.fields.get("model")
    return (provider if isinstance(provider, str) else "", model if isinstance(model, str) else "")


def model_key(provider: str, model: str) -> str:
    """openclaw's `modelKey`: `provider/model`, unless the model id already starts with its provider."""
    p, m = provider.strip(), model.strip()
    if not p:
        return m
    if not m:
        return p
    return m if m.lower().startswith(f"{p.lower()}/") else f"{p}/{m}"


def switch_index(target: tuple[str, str], candidates: Sequence[tuple[str, str]], current: int) -> int | None:
    """`findLiveSessionModelSwitchRedirectIndex`: the first candidate after `current` with the target's key."""
    key = model_key(*target)
    for i in range(current + 1, len(candidates)):
        if model_key(*candidates[i]) == key:
            return i
    return None


def js_string(err: Any) -> str:
    """`String(err)`: `Name: message` for an Error, `[object Object]` for a plain object, the value of a primitive."""
    if not isinstance(err, JSError):
        return str(err)
    if err.is_primitive:
        value = err.value
        return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    if err.plain:
        return "[object Object]"
    name = err.name
    return err.message if not name else name if not err.message else f"{name}: {err.message}"


def format_error_message(err: Any) -> str:
    """`formatErrorMessage`: an Error's message (or name) joined with its `cause` chain's messages (` | `, each
    once; a string cause ends the chain), a primitive as a string, a plain object as its JSON. (The release also
    redacts secrets from it; no error the world builds holds one.)"""
    if not isinstance(err, JSError):
        return str(err)
    if err.is_primitive:
        return js_string(err)
    if err.plain:
        return json.dumps(_json_value(err, set()), separators=(",", ":"), ensure_ascii=False)
    formatted = err.message or err.name or "Error"
    seen: set[int] = {id(err)}
    messages = {formatted}
    cause = err.cause
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, JSError) and not cause.plain and not cause.is_primitive:
            if cause.message and cause.message not in messages:
                formatted += f" | {cause.message}"
                messages.add(cause.message)
            cause = cause.cause
        elif isinstance(cause, str) or (isinstance(cause, JSError) and isinstance(cause.value, str)):
            text = cause if isinstance(cause, str) else cause.value
            if text and text not in messages:
                formatted += f" | {text}"
            break
        else:
            break
    return formatted


def _json_value(value: Any, seen: set[int]) -> Any:
    """`JSON.stringify`'s view of a value: a plain object's own properties; an Error's enumerable ones only
    (its `name`/`message` are not); a primitive as itself. A cycle would throw in JS: it is cut here."""
    if not isinstance(value, JSError):
        return value
    if value.is_primitive:
        return value.value
    if id(value) in seen:
        return None
    seen = seen | {id(value)}
    out: dict[str, Any] = {}
    if value.plain:
        if value.name:
            out["name"] = value.name
        if value.message:
            out["message"] = value.message
    for key in ("code", "status"):
        if getattr(value, key) is not None:
            out[key] = getattr(value, key)
    out.update(value.fields)
    for link in ("error", "cause", "reason", "suppressed"):
        if getattr(value, link) is not None:
            out[link] = _json_value(getattr(value, link), seen)
    if value.errors:
        out["errors"] = [_json_value(e, seen) for e in value.errors]
    return out


# --- the contract's second decision: one provider failure, one decision, whatever the SDK's shape ------------------

#: Anthropic's own 401 text, which 2026.5.20's auth table (`/invalid[_ ]?api[_ ]?key/`) misses.
_ANTHROPIC_AUTH = re.compile(r"\binvalid x-api-key\b", re.IGNORECASE)


def hidden_status(err: Any) -> int | None:
    """An HTTP status an SDK put where openclaw 2026.5.20 does not look, through `error`/`cause`: axios's
    `response.status`, or the numeric `code` of a thrown plain body (Google's REST `{error: {code: 429}}`)."""
    for node in reachable(err, links=("error", "cause")):
        response = node.fields.get("response")
        if isinstance(response, dict):
            status = response.get("status")
            if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
                return status
        if node.plain and isinstance(node.code, int) and not isinstance(node.code, bool) and 100 <= node.code <= 599:
            return node.code
    return None


def contract_failover(err: Any, provider: str, model: str) -> JSError | None:
    """The FailoverError the contract makes of an error 2026.5.20's classifier leaves unclassified when its shape
    still names a provider failure (`hidden_status`, or Anthropic's "invalid x-api-key"): classified as that
    status would be. None when the shape names nothing (then the error stays unclassified, as in 5.20)."""
    message = C.error_message(err)
    status = hidden_status(err)
    if status is None and _ANTHROPIC_AUTH.search(message):
        status = 401
    reason = None if status is None else C.failover_reason(JSError(message, status=status))
    if reason is None:
        return None
    cause = err if isinstance(err, JSError) and not err.plain else None
    fields = {"reason": reason, "provider": provider, "model": model, "rawError": message}
    return JSError(message, name="FailoverError", status=status, cause=cause, kind="failover", fields=fields)
