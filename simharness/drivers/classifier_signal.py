"""openclaw 2026.5.20's `classifyFailoverSignal`: one signal (status, code, message, provider) to a classification.

Ported line by line from the pi-embedded-helpers `errors-B2I_76Bs.js` (`inferSignalStatus`,
`classifyFailoverClassificationFromHttpStatus`, `classifyFailoverReasonFromCode`, the HTML-page and no-body checks);
the message side is `classifier_patterns.py`, the error-graph side (which signal an error gives) `classifier.py`.
Numbers are JS numbers: an int or a float (NaN and infinities included), never a bool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simharness.drivers import classifier_tables_2026_5_20 as T
from simharness.drivers.classifier_patterns import (
    CONTEXT_OVERFLOW,
    classify_402_message,
    classify_message,
    is_auth_permanent_message,
    is_billing_message,
    is_provider,
    js_trim,
    leading_http_status,
    reason_from_402_text,
    strip_error_prefix,
)

_CODES = T.FN_classifyFailoverReasonFromCode  # the `case` labels: rate-limit codes, then the two overload codes
_RATE_LIMIT_CODES = frozenset(_CODES[:-2])
_OVERLOAD_CODES = frozenset(_CODES[-2:])
_STATUS_KEEPS_MESSAGE = ("session_expired", "billing", "auth_permanent", "auth")  # 410 and 404 keep these


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    return is_number(v) and math.isfinite(v)


@dataclass(frozen=True, slots=True)
class Signal:
    status: int | float | None
    code: str | None
    message: str | None
    provider: str | None = None


def infer_status(signal: Signal) -> int | float | None:
    """`inferSignalStatus`: a finite numeric status, else the message's leading HTTP status."""
    if _finite(signal.status):
        return signal.status
    lead = leading_http_status(strip_error_prefix(js_trim(signal.message or "")))
    return lead[0] if lead else None


def _explicit_no_body(raw: str | None, status: Any) -> bool:
    trimmed = js_trim(raw or "")
    if not trimmed:
        return False
    candidate = trimmed if leading_http_status(trimmed) else strip_error_prefix(trimmed)
    lead = leading_http_status(candidate)
    if lead:
        if is_number(status) and lead[0] != status:
            return False
        return T.NO_BODY_HTTP_WRAPPER_RE.search(lead[1]) is not None
    return T.NO_BODY_HTTP_WRAPPER_RE.search(candidate) is not None


def is_unclassified_no_body(signal: Signal) -> bool:
    """`isUnclassifiedNoBodyHttpSignal`: a 400/422 with no message, or only a "no body" wrapper."""
    status = infer_status(signal)
    if status != 400 and status != 422:
        return False
    message = js_trim(signal.message or "")
    return not message or _explicit_no_body(message, status)


def _is_html_error(raw: str, status: Any) -> bool:
    trimmed = js_trim(raw)
    if not trimmed:
        return False
    candidate = trimmed if leading_http_status(trimmed) else strip_error_prefix(trimmed)
    lead = leading_http_status(candidate)
    inferred = status if _finite(status) else (lead[0] if lead else None)
    if inferred is None or inferred < 400:
        return False
    rest = lead[1] if lead else candidate
    return bool(T.HTML_BODY_RE.search(rest) and T.HTML_CLOSE_RE.search(rest))


def _classify_status(status: Any, message: str | None, by_message: str | None, explicit: Any, provider: str | None) -> str | None:
    """`classifyFailoverClassificationFromHttpStatus`."""
    if not _finite(status):
        return None
    reason = None if by_message == CONTEXT_OVERFLOW else by_message
    if status == 402:
        if not message:
            return "billing"
        lead = leading_http_status(js_trim(message))
        if lead and lead[0] == 402:
            from_text = reason_from_402_text(message)
            if from_text:
                return from_text
            return classify_402_message(message) if is_number(explicit) else by_message
        return classify_402_message(message)
    if status == 429:
        if message and (is_provider(provider, "moonshot") or is_provider(provider, "kimi")) and is_billing_message(message):
            return "billing"
        return "rate_limit"
    if status in (401, 403):
        if message and is_auth_permanent_message(message):
            return "auth_permanent"
        return "billing" if reason == "billing" else "auth"
    if status == 408:
        return "timeout"
    if status == 410:
        return by_message if reason in _STATUS_KEEPS_MESSAGE else "timeout"
    if status == 404:
        return by_message if by_message == CONTEXT_OVERFLOW or reason in _STATUS_KEEPS_MESSAGE else "model_not_found"
    if status in (503, 499):
        return by_message if reason == "overloaded" else "timeout"
    if status in (500, 502, 504):
        return by_message if reason == "server_error" else "timeout"
    if status == 529:
        return "overloaded"
    if status in (400, 422):
        if by_message and reason != "server_error":
            return by_message
        return None if is_unclassified_no_body(Signal(status, None, message)) else "format"
    return None


def classify_code(code: str | None) -> str | None:
    """`classifyFailoverReasonFromCode`."""
    normalized = js_trim(code or "").upper()
    if not normalized:
        return None
    if normalized in _RATE_LIMIT_CODES:
        return "rate_limit"
    if normalized in _OVERLOAD_CODES:
        return "overloaded"
    return "timeout" if normalized in T.TIMEOUT_ERROR_CODES else None


def classify_signal(signal: Signal) -> str | None:
    """`classifyFailoverSignal`: HTML error pages, then status (with the message's view), code, message."""
    status = infer_status(signal)
    if signal.message and (status == 408 or status == 499 or (is_number(status) and 500 <= status < 600)) and _is_html_error(signal.message, status):  # type: ignore[operator]  # fmt: skip
        return "timeout"
    by_message = classify_message(signal.message, signal.provider) if signal.message else None
    by_status = _classify_status(status, signal.message, by_message, signal.status, signal.provider)
    if by_status:
        return by_status
    return classify_code(signal.code) or by_message
