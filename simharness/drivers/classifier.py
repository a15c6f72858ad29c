"""A Python port of openclaw 2026.5.20's failover classifier (`dist/failover-error-*.js`, `dist/errors-*.js`).

Structure, precedence and link-walking are ported line by line; the message patterns are the subset of
openclaw's tables that matter for the errors the simulated world and common SDKs produce (rate limit,
overload, 5xx, auth, billing, timeout, context overflow), kept as data in `classifier_patterns.py`. The
real classifier is judged directly through the Node bridge; differential mode (`--differential reference`)
keeps this port honest against it.

It is the release's classifier, departures included: its `is_coordination_error` is 2026.5.20's, not the contract's
(`simharness.drivers.is_coordination_error`). Drivers may use this module; invariants must not (they judge against
`check/oracle.py`, the world's ground truth).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from simharness.drivers.classifier_patterns import (
    ABORT_TIMEOUT,
    AUTH,
    AUTH_PERMANENT,
    BILLING,
    CONTEXT_OVERFLOW_HINT,
    CONTEXT_OVERFLOW_MESSAGES,
    ERROR_PREFIX,
    HTTP_5XX,
    HTTP_STATUS_PREFIX,
    OVERLOADED,
    RATE_LIMIT,
    RATE_LIMIT_HINT,
    SERVER_ERROR,
    TIMEOUT,
    matches,
)
from simharness.model.errors import JSError

MAX_FAILOVER_CAUSE_DEPTH = 25
SESSION_WRITE_LOCK_TIMEOUT_CODE = "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT"

_TRANSIENT_HTTP = frozenset({499, 500, 502, 503, 504, 521, 522, 523, 524, 529})
_TIMEOUT_CODES = frozenset({"ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNRESET", "ECONNABORTED", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "EHOSTDOWN", "ENETRESET", "EPIPE", "EAI_AGAIN"})  # fmt: skip
_RATE_LIMIT_CODES = frozenset({"RESOURCE_EXHAUSTED", "RATE_LIMIT", "RATE_LIMITED", "RATE_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS", "THROTTLED", "THROTTLING", "THROTTLINGEXCEPTION", "THROTTLING_EXCEPTION"})  # fmt: skip

#: A classification is a reason string, or this marker for a context overflow (openclaw's `{kind: ...}`).
CONTEXT_OVERFLOW = "<context_overflow>"


def leading_http_status(raw: str) -> tuple[int, str] | None:
    m = HTTP_STATUS_PREFIX.match(raw)
    return (int(m.group(1)), (m.group(2) or "").strip()) if m else None


def is_context_overflow_message(raw: str) -> bool:
    return matches(raw, CONTEXT_OVERFLOW_MESSAGES)


@lru_cache(maxsize=4096)  # messages repeat across runs; the cache is bounded, so memory stays flat
def is_likely_context_overflow(raw: str) -> bool:
    if not raw or matches(raw, BILLING) or matches(raw, RATE_LIMIT):
        return False
    if is_context_overflow_message(raw):
        return True
    if RATE_LIMIT_HINT.search(raw):
        return False
    return bool(CONTEXT_OVERFLOW_HINT.search(raw))


@lru_cache(maxsize=4096)
def _classify_message(raw: str) -> str | None:
    if is_context_overflow_message(raw):
        return CONTEXT_OVERFLOW
    if matches(raw, RATE_LIMIT):
        return "rate_limit"
    if matches(raw, OVERLOADED):
        return "overloaded"
    lead = leading_http_status(raw.strip())
    if lead and lead[0] in _TRANSIENT_HTTP:
        return "overloaded" if lead[0] == 529 else "timeout"
    if matches(raw, BILLING):
        return "billing"
    if matches(raw, AUTH_PERMANENT):
        return "auth_permanent"
    if matches(raw, AUTH):
        return "auth"
    if HTTP_5XX.search(raw) or matches(raw, SERVER_ERROR):
        return "timeout"
    if matches(raw, TIMEOUT):
        return "timeout"
    return None


def _classify_status(status: int | None, message: str | None, by_message: str | None) -> str | None:
    if status is None:
        return None
    reason = None if by_message == CONTEXT_OVERFLOW else by_message
    if status == 402:
        return "billing"
    if status == 429:
        return "rate_limit"
    if status in (401, 403):
        if message and matches(message, AUTH_PERMANENT):
            return "auth_permanent"
        return "billing" if reason == "billing" else "auth"
    if status == 408:
        return "timeout"
    if status == 404:
        return by_message if by_message in (CONTEXT_OVERFLOW, "billing", "auth_permanent", "auth") else "model_not_found"
    if status in (503, 499):
        return by_message if reason == "overloaded" else "timeout"
    if status in (500, 502, 504):
        return by_message if reason == "server_error" else "timeout"
    if status == 529:
        return "overloaded"
    if status in (400, 422):
        if by_message and reason != "server_error":
            return by_message
        return "format" if message and message.strip() else None
    return None


def _classify_code(code: str | None) -> str | None:
    normalized = (code or "").strip().upper()
    if not normalized:
        return None
    if normalized in _RATE_LIMIT_CODES:
        return "rate_limit"
    if normalized in ("OVERLOADED", "OVERLOADED_ERROR"):
        return "overloaded"
    return "timeout" if normalized in _TIMEOUT_CODES else None


@dataclass(frozen=True, slots=True)
class Signal:
    status: int | None
    code: str | None
    message: str | None


def infer_status(signal: Signal) -> int | None:
    if signal.status is not None:
        return signal.status
    lead = leading_http_status(ERROR_PREFIX.sub("", (signal.message or "").strip()).strip())
    return lead[0] if lead else None


def classify_signal(signal: Signal) -> str | None:
    """`classifyFailoverSignal`: status first, then provider code, then message."""
    by_message = _classify_message(signal.message) if signal.message else None
    by_status = _classify_status(infer_status(signal), signal.message, by_message)
    if by_status:
        return by_status
    return _classify_code(signal.code) or by_message


# --- reading properties through the error graph (findErrorProperty walks `error`, then `cause`) ------------


def _find(err: Any, reader: Any, seen: set[int] | None = None) -> Any:
    """The first property `reader` finds, depth first: a node, then its `error` subtree, then its `cause`."""
    seen = set() if seen is None else seen
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


def _direct_status(err: Any) -> int | None:
    return err.status if isinstance(err, JSError) and isinstance(err.status, int) else None


def _direct_code(err: Any) -> str | None:
    if isinstance(err, JSError) and isinstance(err.code, str):
        return err.code.strip() or None
    return None


def _direct_message(err: Any) -> str | None:
    if isinstance(err, JSError):
        return err.message or None
    if isinstance(err, str):
        return err or None
    return None


def error_message(err: Any) -> str:
    return _find(err, _direct_message) or ""


def signal_of(err: Any) -> Signal:
    return Signal(_find(err, _direct_status), _find(err, _direct_code), error_message(err) or None)


# --- coordination errors ---------------------------------------------------------------------------------


def is_session_write_lock_timeout(err: Any) -> bool:
    """By class or by code, never by name alone (`isSessionWriteLockTimeoutError`)."""
    return isinstance(err, JSError) and err.code == SESSION_WRITE_LOCK_TIMEOUT_CODE


def is_takeover(err: Any) -> bool:
    """By name: openclaw avoids an import cycle with the embedded runner (`isEmbeddedAttemptSessionTakeover`)."""
    return isinstance(err, JSError) and err.name == "EmbeddedAttemptSessionTakeoverError"


def has_nested(err: Any, predicate: Any, links: tuple[str, ...] = ("error", "cause", "reason"), seen: set[int] | None = None) -> bool:
    """`hasSessionWriteLockTimeout` / `hasEmbeddedAttemptSessionTakeover`: walk links with a seen-set."""
    if predicate(err):
        return True
    if not isinstance(err, JSError):
        return False
    seen = set() if seen is None else seen
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


def is_failover_error(err: Any) -> bool:
    return isinstance(err, JSError) and err.name == "FailoverError" and isinstance(err.fields.get("reason"), str)


def _has_timeout_hint(err: Any, lock_free: bool = False) -> bool:
    if err is None or (not lock_free and has_session_lock(err)):
        return False
    if isinstance(err, JSError) and err.name == "TimeoutError":
        return True
    return _is_timeout_message(error_message(err))


@lru_cache(maxsize=4096)
def _is_timeout_message(raw: str) -> bool:
    return matches(raw, TIMEOUT)


def is_timeout_error(err: Any) -> bool:
    """A lock error never counts as a timeout, even inside an AbortError."""
    return _is_timeout_error(err, False)


def _is_timeout_error(err: Any, lock_free: bool) -> bool:
    """`lock_free`: the caller knows no session lock is reachable from `err` (it skips those walks)."""
    if _has_timeout_hint(err, lock_free):
        return True
    if not isinstance(err, JSError) or err.name != "AbortError" or (not lock_free and has_session_lock(err)):
        return False
    if ABORT_TIMEOUT.search(error_message(err)):
        return True
    return _has_timeout_hint(err.cause, lock_free) or _has_timeout_hint(err.reason, lock_free)


def _nested(err: Any) -> list[Any]:
    if not isinstance(err, JSError):
        return []
    return [c for c in (err.error, err.cause) if c is not None and c is not err]


def classify(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> str | None:
    """`resolveFailoverClassificationFromError`: a reason, `CONTEXT_OVERFLOW`, or None (unclassified)."""
    return _classify_root(err, max_depth)[0]


def _classify_root(err: Any, max_depth: int) -> tuple[str | None, Signal]:
    """The classification and the root's signal, which the classification had to read anyway."""
    facts = _Facts.of(err)
    return _classify(err, set(), 0, max_depth, facts), facts.root_signal


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one `classify()` call learns once at the root and what holds, therefore, at every node it visits.

    The recursion only follows `error`/`cause` links, and every walk below follows a subset of the links the
    root's walks followed, so a property absent from everything reachable from the root is absent from every
    visited node's reachable graph too. This keeps a deep wrapper chain linear instead of re-walking the rest
    of the chain at every level; the answers are those of the plain recursion.
    """

    root: Any
    root_signal: Signal
    lock_free: bool  # no session write-lock timeout reachable through error/cause/reason
    status_free: bool  # no numeric status reachable through error/cause
    code_free: bool  # no provider code reachable through error/cause

    @staticmethod
    def of(err: Any) -> _Facts:
        signal = signal_of(err)
        return _Facts(err, signal, not has_session_lock(err), signal.status is None, signal.code is None)

    def signal(self, err: Any) -> Signal:
        if err is self.root:
            return self.root_signal
        status = None if self.status_free else _find(err, _direct_status)
        code = None if self.code_free else _find(err, _direct_code)
        return Signal(status, code, error_message(err) or None)


def _classify(err: Any, seen: set[int], depth: int, max_depth: int, facts: _Facts) -> str | None:
    if depth > max_depth:
        return None
    if isinstance(err, JSError):
        if id(err) in seen:
            return None
        seen.add(id(err))
    if is_failover_error(err):
        reason: str = err.fields["reason"]
        return reason
    signal = facts.signal(err)
    code_reason = _classify_code(signal.code) if signal.code else None
    explicit = infer_status(signal) is not None or (code_reason is not None and code_reason != "timeout")
    session_lock = False if facts.lock_free else has_session_lock(err)
    classification = classify_signal(signal)
    if classification is None or classification == CONTEXT_OVERFLOW:
        for candidate in _nested(err):
            nested = _classify(candidate, seen, depth + 1, max_depth, facts)
            if nested:
                return None if session_lock and not explicit else nested
    if classification:
        return None if session_lock and not explicit else classification
    if session_lock:
        return None
    return "timeout" if _is_timeout_error(err, facts.lock_free) else None


def failover_reason(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> str | None:
    """`resolveFailoverReasonFromError`: the reason, or None (context overflow is not a reason)."""
    c = classify(err, max_depth=max_depth)
    return None if c == CONTEXT_OVERFLOW else c


def is_coordination_error(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> bool:
    """`isNonProviderRuntimeCoordinationError` (2026.5.19+): a lock or takeover anywhere, and nothing else."""
    if not has_session_lock(err) and not has_nested(err, is_takeover):
        return False
    if is_failover_error(err):
        return False
    return classify(err, max_depth=max_depth) is None


_STATUS_FOR_REASON = {"billing": 402, "server_error": 500, "rate_limit": 429, "overloaded": 503, "auth": 401, "auth_permanent": 403, "timeout": 408, "format": 400, "model_not_found": 404}  # fmt: skip


def coerce_to_failover_error(err: Any, provider: str, model: str, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> JSError | None:
    """`coerceToFailoverError`: a new FailoverError whose `cause` is the original, or None when unclassified."""
    if is_failover_error(err):
        return err  # type: ignore[no-any-return]
    reason, signal = _classify_root(err, max_depth)
    if not reason or reason == CONTEXT_OVERFLOW:
        return None
    message = signal.message or str(err)
    status = signal.status if signal.status is not None else _STATUS_FOR_REASON.get(reason)
    return JSError(
        message,
        name="FailoverError",
        status=status,
        code=signal.code,
        cause=err if isinstance(err, JSError) else None,
        kind="failover",
        fields={"reason": reason, "provider": provider, "model": model, "rawError": message},
    )


def describe_failover(err: Any, *, max_depth: int = MAX_FAILOVER_CAUSE_DEPTH) -> tuple[str, str]:
    """(error text, reason) as `describeFailoverError` records an attempt."""
    if is_failover_error(err):
        return err.fields.get("rawError") or err.message, err.fields["reason"]
    return signal_of(err).message or str(err), failover_reason(err, max_depth=max_depth) or "unknown"


def should_rethrow_abort(err: Any) -> bool:
    """A user abort (name AbortError, not a timeout) ends the call; openclaw never treats it as a candidate failure."""
    return isinstance(err, JSError) and err.name == "AbortError" and not is_failover_error(err) and not is_timeout_error(err)
