"""A Python port of openclaw 2026.5.20's failover classifier (`dist/failover-error-*.js`, `dist/errors-*.js`).

Structure, precedence and link-walking are ported line by line from `failover-error-DxhbBerW.js` and
`classifyFailoverSignal` / `classifyFailoverClassificationFromHttpStatus` of the pi-embedded-helpers
`errors-B2I_76Bs.js`; the message classifier is `classifier_patterns.py`, over tables derived from the dist
(`classifier_tables_2026_5_20.py`). Values are read as JS reads them (COMMON15 representation): `status ??
statusCode` as a number or a digit string, a non-numeric string `status` as the provider code, `provider` from the
error graph or the candidate's provider as a hint, string links (an AbortError's `reason`), plain objects.

It is the release's classifier, departures included: its `is_coordination_error` is 2026.5.20's, not the contract's
(`simharness.drivers.is_coordination_error`). Drivers may use this module; invariants must not (they judge against
`check/oracle.py`, the world's ground truth).
"""

from __future__ import annotations

import math
from typing import Any

from simharness.drivers import classifier_tables_2026_5_20 as T
from simharness.drivers.classifier_patterns import (
    CONTEXT_OVERFLOW,
    is_context_overflow_message,
    is_likely_context_overflow,
    is_timeout_message,
    js_trim,
    leading_http_status,
)
from simharness.drivers.classifier_signal import Signal, classify_code, classify_signal, infer_status, is_unclassified_no_body
from simharness.model.errors import JSError

__all__ = ["CONTEXT_OVERFLOW", "Signal", "classify_code", "classify_signal", "infer_status", "is_context_overflow_message", "is_likely_context_overflow", "leading_http_status"]

MAX_FAILOVER_CAUSE_DEPTH: int = T.MAX_FAILOVER_CAUSE_DEPTH
SESSION_WRITE_LOCK_TIMEOUT_CODE = "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT"
_RATE_LIMIT_CODES = frozenset(T.FN_classifyFailoverReasonFromCode[:-2])  # the `case` labels before the two overload codes
_STATUS_FOR_REASON = {"billing": 402, "server_error": 500, "rate_limit": 429, "overloaded": 503, "auth": 401, "auth_permanent": 403, "timeout": 408, "format": 400, "model_not_found": 404, "session_expired": 410}  # fmt: skip


def js_value(err: Any) -> Any:
    """The JS value a Python error stands for: a thrown primitive (`JSError.primitive`) is its `.value`."""
    return err.value if isinstance(err, JSError) and getattr(err, "is_primitive", False) else err


# --- reading properties through the error graph (findErrorProperty walks `error`, then `cause`) ------------


def _find(err: Any, reader: Any) -> Any:
    """The first value `reader` finds, depth first: a node, then its `error` subtree, then its `cause`."""
    seen: set[int] = set()
    stack = [err]  # iterative preorder, `error` popped before `cause`: the order of the recursive original
    while stack:
        node = stack.pop()
        direct = reader(node)
        if direct is not None:
            return direct
        if not isinstance(node, JSError) or id(node) in seen:
            continue
        seen.add(id(node))
        stack.append(node.cause)
        stack.append(node.error)
    return None


def _direct_status(err: Any) -> int | float | None:
    """`readDirectStatusCode`: `status ?? statusCode`, a number or an all-digits string."""
    if not isinstance(err, JSError):
        return None
    value = err.status if err.status is not None else err.fields.get("statusCode")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and T.FN_readDirectStatusCode[0].search(value):
        return int(value)
    return None


def _direct_code(err: Any) -> str | None:
    """`readDirectErrorCode`: a string `code`, else a non-numeric string `status` (Google's "RESOURCE_EXHAUSTED")."""
    if not isinstance(err, JSError):
        return None
    if isinstance(err.code, str):
        return js_trim(err.code) or None
    status = err.status
    if not isinstance(status, str) or T.FN_readDirectStatusCode[0].search(status):
        return None
    return js_trim(status) or None


def _direct_provider(err: Any) -> str | None:
    provider = err.fields.get("provider") if isinstance(err, JSError) else None
    return (js_trim(provider) or None) if isinstance(provider, str) else None


def js_number(value: float) -> str:
    """`String(n)` for the numbers error graphs carry."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _direct_message(err: Any) -> str | None:
    """`readDirectErrorMessage`: an Error's or object's string `message`, a string itself, a number's text."""
    if isinstance(err, JSError):
        return err.message if isinstance(err.message, str) and err.message else None
    if isinstance(err, str):
        return err or None
    if isinstance(err, bool):
        return "true" if err else "false"
    if isinstance(err, (int, float)):
        return js_number(err)
    return None


def error_message(err: Any) -> str:
    return _find(js_value(err), _direct_message) or ""


def signal_of(err: Any, provider_hint: str | None = None) -> Signal:
    """`normalizeErrorSignal`."""
    err = js_value(err)
    message = error_message(err) or None
    provider = _find(err, _direct_provider) or provider_hint
    return Signal(_find(err, _direct_status), _find(err, _direct_code), message, provider)


def _direct_signal(err: Any) -> Signal:
    return Signal(_direct_status(err), _direct_code(err), _direct_message(err), _direct_provider(err))


# --- coordination errors, names ------------------------------------------------------------------------------


def _name(err: Any) -> str:
    """`readErrorName`."""
    return err.name if isinstance(err, JSError) and isinstance(err.name, str) else ""


def is_session_write_lock_timeout(err: Any) -> bool:
    """By class or by code, never by name alone (`isSessionWriteLockTimeoutError`)."""
    return isinstance(err, JSError) and err.code == SESSION_WRITE_LOCK_TIMEOUT_CODE


def is_takeover(err: Any) -> bool:
    """By name: openclaw avoids an import cycle with the embedded runner (`isEmbeddedAttemptSessionTakeover`)."""
    return _name(err) == "EmbeddedAttemptSessionTakeoverError"


def has_nested(err: Any, predicate: Any, links: tuple[str, ...] = ("error", "cause", "reason")) -> bool:
    """`hasSessionWriteLockTimeout` / `hasEmbeddedAttemptSessionTakeover`: walk links with a seen-set."""
    if predicate(err):
        return True
    if not isinstance(err, JSError):
        return False
    seen: set[int] = set()
    stack = [err]  # iterative: no Python recursion or generator per node on the hot path
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for link in links:
            child = getattr(node, link)
            if predicate(child):
                return True
            if isinstance(child, JSError) and id(child) not in seen:
                stack.append(child)
    return False


def has_session_lock(err: Any) -> bool:
    return has_nested(err, is_session_write_lock_timeout)


def _failover_reason_field(err: Any) -> Any:
    """A FailoverError's own `reason` (the link slot holds it when the graph came from JS; `fields` otherwise)."""
    return err.reason if isinstance(err.reason, str) else err.fields.get("reason")


def is_failover_error(err: Any) -> bool:
    return isinstance(err, JSError) and err.name == "FailoverError" and isinstance(_failover_reason_field(err), str)


def _truthy(v: Any) -> bool:
    """JS truthiness of the values a graph holds."""
    if isinstance(v, JSError):
        return True
    if isinstance(v, float) and math.isnan(v):
        return False
    return bool(v)


def _has_timeout_hint(err: Any) -> bool:
    if not _truthy(err) or has_session_lock(err):
        return False
    if _name(err) == "TimeoutError":
        return True
    message = error_message(err)
    return bool(message) and is_timeout_message(message)


def is_timeout_error(err: Any) -> bool:
    """`isTimeoutError`. A lock error never counts as a timeout, even inside an AbortError."""
    err = js_value(err)
    if _has_timeout_hint(err):
        return True
    if not isinstance(err, JSError) or _name(err) != "AbortError" or has_session_lock(err):
        return False
    message = error_message(err)
    if message and T.ABORT_TIMEOUT_RE.search(message):
        return True
    return _has_timeout_hint(err.cause) or _has_timeout_hint(err.reason)


# --- resolveFailoverClassificationFromError ------------------------------------------------------------------


def _nested(err: Any) -> list[Any]:
    """`getNestedErrorCandidates`: `error` and `cause` when set (primitives included) and not the error itself."""
    if not isinstance(err, JSError):
        return []
    return [c for c in (err.error, err.cause) if c is not None and c is not err]


def _nested_format_override(candidate: Any, inherited: Any, seen: set[int], depth: int) -> bool | None:
    """`decideNestedFormatOverride`: True clears an outer "format" (a no-body 400/422 below), False keeps it."""
    if depth > MAX_FAILOVER_CAUSE_DEPTH:
        return None
    if isinstance(candidate, JSError):
        if id(candidate) in seen:
            return None
        seen.add(id(candidate))
    direct = _direct_signal(candidate)
    nested = _nested(candidate)
    status = direct.status if direct.status is not None else inherited
    has_message = bool(js_trim(direct.message or ""))
    if has_message and is_unclassified_no_body(Signal(status, direct.code, direct.message, direct.provider)):
        return True
    if has_message and (not nested or classify_signal(direct)):
        return False
    for child in nested:
        decision = _nested_format_override(child, status, seen, depth + 1)
        if decision is not None:
            return decision
    return None


def classify(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH, provider: str | None = None) -> str | None:
    """`resolveFailoverClassificationFromError`: a reason, `CONTEXT_OVERFLOW`, or None (unclassified)."""
    return _classify(js_value(err), set(), 0, max_depth, provider)


def _classify(err: Any, seen: set[int], depth: int, max_depth: int, hint: str | None) -> str | None:
    if depth > max_depth:
        return None
    if isinstance(err, JSError):
        if id(err) in seen:
            return None
        seen.add(id(err))
    if is_failover_error(err):
        reason: str = _failover_reason_field(err)
        return reason
    signal = signal_of(err, hint)
    code_reason = classify_code(signal.code) if signal.code else None
    explicit = infer_status(signal) is not None or (code_reason is not None and code_reason != "timeout")
    session_lock = has_session_lock(err)
    classification = classify_signal(signal)
    nested = _nested(err)
    if classification is None or classification == CONTEXT_OVERFLOW:
        for candidate in nested:
            found = _classify(candidate, seen, depth + 1, max_depth, hint)
            if found:
                return None if session_lock and not explicit else found
    if classification == "format":
        for candidate in nested:
            clear = _nested_format_override(candidate, signal.status, seen, depth + 1)
            if clear is True:
                return None
            if clear is False:
                break
    if classification:
        return None if session_lock and not explicit else classification
    if session_lock:
        return None
    return "timeout" if is_timeout_error(err) else None


def failover_reason(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH, provider: str | None = None) -> str | None:
    """`resolveFailoverReasonFromError`: the reason, or None (context overflow is not a reason)."""
    c = classify(err, max_depth=max_depth, provider=provider)
    return None if c == CONTEXT_OVERFLOW else c


def failover_status(reason: str | None) -> int | None:
    """`resolveFailoverStatus`."""
    return _STATUS_FOR_REASON.get(reason or "")


def is_coordination_error(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> bool:
    """`isNonProviderRuntimeCoordinationError` (2026.5.19+): a lock or takeover anywhere, and nothing else."""
    err = js_value(err)
    if not has_session_lock(err) and not has_nested(err, is_takeover):
        return False
    if is_failover_error(err):
        return False
    return classify(err, max_depth=max_depth) is None


def js_string(err: Any) -> str:
    """`String(err)` for the values a graph holds (Error.prototype.toString for errors)."""
    if isinstance(err, JSError):
        if getattr(err, "plain", False):
            return "[object Object]"
        name, message = err.name if isinstance(err.name, str) else "Error", err.message or ""
        return f"{name}: {message}" if name and message else name or message
    if err is None:
        return "undefined"
    return _direct_message(err) or ("" if isinstance(err, str) else str(err))


def coerce_to_failover_error(err: Any, provider: str, model: str, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> JSError | None:
    """`coerceToFailoverError`: a new FailoverError whose `cause` is the original, or None when unclassified.
    The candidate's `provider` is also the classifier's provider hint, as in openclaw."""
    if is_failover_error(err):
        return err  # type: ignore[no-any-return]
    err = js_value(err)
    reason = failover_reason(err, max_depth=max_depth, provider=provider)
    if not reason:
        return None
    signal = signal_of(err)
    message = signal.message if signal.message is not None else js_string(err)
    status = signal.status if signal.status is not None else failover_status(reason)
    is_error = isinstance(err, JSError) and not getattr(err, "plain", False)
    return JSError(
        message,
        name="FailoverError",
        status=status,  # type: ignore[arg-type]
        code=signal.code,
        cause=err if is_error else None,
        kind="failover",
        fields={"reason": reason, "provider": provider or signal.provider, "model": model, "rawError": message},
    )


def describe_failover(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> tuple[str, str]:
    """(error text, reason) as `describeFailoverError` records an attempt (no provider hint there)."""
    if is_failover_error(err):
        return err.fields.get("rawError") or err.message, _failover_reason_field(err)
    err = js_value(err)
    message = signal_of(err).message
    return (message if message is not None else js_string(err)), failover_reason(err, max_depth=max_depth) or "unknown"


def should_rethrow_abort(err: Any) -> bool:
    """A user abort (name AbortError, not a timeout) ends the call; openclaw never treats it as a candidate failure."""
    return isinstance(err, JSError) and err.name == "AbortError" and not is_failover_error(err) and not is_timeout_error(err)
