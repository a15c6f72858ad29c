"""openclaw 2026.5.20's message classification (`classifyFailoverClassificationFromMessage` and what it calls).

The tables are not typed here: they are derived from the 5.20 dist into `classifier_tables_2026_5_20.py`
(`simharness.targets.derive_tables`). This module holds the logic that reads them, ported in openclaw's order from
`failover-matches-*.js`, the pi-embedded-helpers `errors-*.js`, `live-model-errors-*.js`,
`oauth-refresh-failure-*.js` and `assistant-error-format-*.js`. Where a JS function mixes several literals of its
body, `T.FN_<name>[i]` is the i-th literal of that body (the generated file lists them in order).

JS string semantics that matter: `trim()` strips JS whitespace (`js_trim`), `.length` counts UTF-16 units
(`js_len`). The provider-plugin hooks of 5.20's `provider-error-patterns` resolve `../../plugins/provider-runtime.js`
relative to the bundled chunk, a path no install has, so they are always absent: only the fallback tables apply.

Drivers may use this module; invariants must not (they judge against the oracle, the world's ground truth).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from simharness.drivers import classifier_tables_2026_5_20 as T

#: A classification is a reason string, or this marker for a context overflow (openclaw's `{kind: ...}`).
CONTEXT_OVERFLOW = "<context_overflow>"

# Names older code and tests use for the main tables.
RATE_LIMIT = T.ERROR_PATTERNS_rateLimit
OVERLOADED = T.ERROR_PATTERNS_overloaded
SERVER_ERROR = T.ERROR_PATTERNS_serverError
TIMEOUT = T.ERROR_PATTERNS_timeout
BILLING = T.ERROR_PATTERNS_billing
AUTH_PERMANENT = T.ERROR_PATTERNS_authPermanent
AUTH = T.ERROR_PATTERNS_auth
FORMAT = T.ERROR_PATTERNS_format
CONTEXT_OVERFLOW_HINT = T.CONTEXT_OVERFLOW_HINT_RE
RATE_LIMIT_HINT = T.RATE_LIMIT_HINT_RE
HTTP_5XX = T.HTTP_5XX_STATUS_RE
ABORT_TIMEOUT = T.ABORT_TIMEOUT_RE


def js_trim(value: str) -> str:
    return value.strip(T.JS_WHITESPACE)


def js_len(value: str) -> int:
    """`String.prototype.length`: UTF-16 code units (a character outside the BMP counts twice)."""
    return len(value) if value.isascii() else len(value) + sum(1 for c in value if ord(c) > 0xFFFF)


def lower(value: Any) -> str:
    """`normalizeLowercaseStringOrEmpty`: trimmed and lower-cased, "" for a non-string."""
    return js_trim(value).lower() if isinstance(value, str) else ""


def _combine(patterns: tuple[Any, ...]) -> re.Pattern[str]:
    """One regex that matches where any entry would (substrings escaped, each pattern with its own case flag)."""
    parts = []
    for p in patterns:
        if isinstance(p, re.Pattern):
            parts.append(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})")
        else:
            parts.append(re.escape(p))
    return re.compile("|".join(parts), re.ASCII)


_COMBINED: dict[int, tuple[tuple[Any, ...], re.Pattern[str]]] = {}


def matches(raw: str | None, patterns: tuple[Any, ...]) -> bool:
    """`matchesErrorPatterns`: the message, trimmed and lower-cased, matches an entry of `patterns`."""
    if not raw:
        return False
    entry = _COMBINED.get(id(patterns))
    if entry is None or entry[0] is not patterns:
        entry = _COMBINED[id(patterns)] = (patterns, _combine(patterns))
    return entry[1].search(lower(raw)) is not None


# --- failover-matches ---------------------------------------------------------------------------------------


def is_rate_limit_message(raw: str) -> bool:
    return matches(raw, RATE_LIMIT)


def is_timeout_message(raw: str) -> bool:
    return matches(raw, TIMEOUT)


def is_overloaded_message(raw: str) -> bool:
    return matches(raw, OVERLOADED)


def is_auth_permanent_message(raw: str) -> bool:
    return matches(raw, AUTH_PERMANENT)


def is_auth_message(raw: str) -> bool:
    return matches(raw, AUTH)


def is_billing_message(raw: str) -> bool:
    value = lower(raw)
    if not value:
        return False
    if js_len(raw) > T.BILLING_ERROR_MAX_LENGTH:
        return bool(T.BILLING_ERROR_HARD_402_RE.search(value) or T.ZAI_BILLING_CODE_1311_RE.search(value))
    if matches(value, BILLING):
        return True
    if not T.BILLING_ERROR_HEAD_RE.search(raw):
        return False
    return any(word in value for word in T.FN_isBillingErrorMessage)


def is_server_error_message(raw: str) -> bool:
    value = lower(raw)
    if not value:
        return False
    if T.STATUS_INTERNAL_SERVER_ERROR_WITH_500_RE.search(value) or T.HTTP_5XX_STATUS_RE.search(value):
        return True
    scrubbed = js_trim(T.STATUS_INTERNAL_SERVER_ERROR_RE.sub("", value, count=1))
    return scrubbed == "" or matches(scrubbed, SERVER_ERROR)


# --- assistant-error-format, live-model-errors, oauth-refresh-failure ----------------------------------------


def leading_http_status(raw: str) -> tuple[int, str] | None:
    """`extractLeadingHttpStatus`: (code, rest) of "429: ...", "HTTP 503 ...", "402"."""
    m = T.HTTP_STATUS_CODE_PREFIX_RE.search(raw)
    return (int(m.group(1)), js_trim(m.group(2) or "")) if m else None


def strip_error_prefix(raw: str) -> str:
    return js_trim(T.FN_stripErrorPrefix[0].sub("", raw, count=1))


def _is_generic_provider_internal_error(raw: str) -> bool:
    trimmed = js_trim(raw)
    return bool(trimmed and T.GENERIC_PROVIDER_INTERNAL_ERROR_RE.search(trimmed) and (T.FN_isGenericProviderInternalError[0].search(trimmed) or T.SUPPORT_REQUEST_ID_RE.search(trimmed)))  # fmt: skip


def is_model_not_found_message(raw: str) -> bool:
    msg = js_trim(raw)
    if not msg:
        return False
    r = T.FN_isModelNotFoundErrorMessage

    def s(i: int) -> bool:
        return r[i].search(msg) is not None

    return (
        s(0) or s(1) or s(2) or s(3) or (s(4) and s(5)) or s(6) or (s(7) and s(8)) or s(9) or (s(10) and s(11))
        or (s(12) and s(13) and s(14)) or (s(15) and s(16)) or s(17) or (s(18) and not s(19))
    )  # fmt: skip


def _oauth_refresh_failure_reason(raw: str) -> bool:
    """`classifyOAuthRefreshFailure(raw)?.reason` is set (lower-cased, not trimmed, as openclaw does)."""
    low = raw.lower()
    return any(h in low for h in T.FN_isOAuthRefreshFailureMessage) and any(h in low for h in T.FN_classifyOAuthRefreshFailureReason)


# --- errors.ts: context overflow ----------------------------------------------------------------------------


def _is_reasoning_constraint(raw: str) -> bool:
    low, h = lower(raw), T.FN_isReasoningConstraintErrorMessage
    return h[0] in low or h[1] in low or h[2] in low or (h[3] in low and h[4] in low)


def _has_tpm_hint(raw: str) -> bool:
    low = lower(raw)
    return T.FN_hasRateLimitTpmHint[0].search(low) is not None or T.FN_hasRateLimitTpmHint[1] in low


def _matches_provider_context_overflow(msg: str) -> bool:
    if not (T.PROVIDER_CONTEXT_OVERFLOW_SIGNAL_RE.search(msg) and T.PROVIDER_CONTEXT_OVERFLOW_ACTION_RE.search(msg)):
        return False
    return any(p.search(msg) for p in T.PROVIDER_CONTEXT_OVERFLOW_PATTERNS)


@lru_cache(maxsize=4096)  # messages repeat across runs; the cache is bounded, so memory stays flat
def is_context_overflow_message(msg: str) -> bool:
    """`isContextOverflowError`."""
    if not msg:
        return False
    low = lower(msg)
    if _has_tpm_hint(msg) or _is_reasoning_constraint(msg):
        return False
    h = T.FN_isContextOverflowError

    def has(i: int) -> bool:
        return h[i] in low

    size_exceeds, window = has(0), has(1) or has(2) or has(3)
    return (
        has(4) or (has(5) and has(6)) or has(7) or has(8) or has(9) or has(10) or has(11) or has(12) or has(13)
        or (has(14) and has(15)) or (size_exceeds and window) or has(16) or has(17) or has(18)
        or (has(19) and has(20) and has(21)) or (has(22) and has(23) and has(24)) or (has(25) and has(26)) or has(27)
        or any(c in msg for c in h[28:]) or _matches_provider_context_overflow(msg)
    )  # fmt: skip


@lru_cache(maxsize=4096)
def is_likely_context_overflow(msg: str) -> bool:
    """`isLikelyContextOverflowError` (the driver asks it of the formatted message)."""
    if not msg or _has_tpm_hint(msg) or _is_reasoning_constraint(msg) or is_billing_message(msg):
        return False
    if T.CONTEXT_WINDOW_TOO_SMALL_RE.search(msg) or is_rate_limit_message(msg):
        return False
    if is_context_overflow_message(msg):
        return True
    if T.RATE_LIMIT_HINT_RE.search(msg):
        return False
    return T.CONTEXT_OVERFLOW_HINT_RE.search(msg) is not None


# --- errors.ts: 402 -----------------------------------------------------------------------------------------


def _any(text: str, hints: tuple[str, ...]) -> bool:
    return any(h in text for h in hints)


def _explicit_402_billing(text: str) -> bool:
    h = T.FN_hasExplicit402BillingSignal
    return (
        _any(text, T.BILLING_402_HINTS) or (_any(text, T.BILLING_402_PLAN_HINTS) and h[0] in text) or h[1] in text
        or h[2] in text or (h[3] in text and h[4] in text)
    )  # fmt: skip


def _quota_refresh_window(text: str) -> bool:
    h = T.FN_hasQuotaRefreshWindowSignal
    return h[0] in text and (h[1] in text or h[2] in text)


def _retryable_402(text: str) -> bool:
    h = T.FN_hasRetryable402TransientSignal
    periodic = _any(text, T.PERIODIC_402_HINTS)
    spend = h[0] in text or h[1] in text
    scoped = _any(text, T.RETRYABLE_402_SCOPED_HINTS)
    return (
        (_any(text, T.RETRYABLE_402_RETRY_HINTS) and _any(text, T.RETRYABLE_402_LIMIT_HINTS))
        or (periodic and (h[2] in text or spend)) or (periodic and h[3] in text and h[4] in text)
        or (scoped and h[5] in text and (spend or _any(text, T.RETRYABLE_402_SCOPED_RESULT_HINTS)))
    )  # fmt: skip


def _normalize_402(raw: str) -> str:
    return js_trim(T.LEADING_402_WRAPPER_RE.sub("", lower(raw), count=1))


def classify_402_message(message: str) -> str:
    normalized = _normalize_402(message)
    if not normalized:
        return "billing"
    if _quota_refresh_window(normalized):
        return "rate_limit"
    if _explicit_402_billing(normalized):
        return "billing"
    if is_rate_limit_message(normalized) or _retryable_402(normalized):
        return "rate_limit"
    return "billing"


def reason_from_402_text(raw: str) -> str | None:
    if T.RAW_402_MARKER_RE.search(raw):
        return classify_402_message(raw)
    if not T.BARE_LEADING_402_RE.search(raw):
        return None
    normalized = _normalize_402(raw)
    known = normalized and (
        _quota_refresh_window(normalized) or _explicit_402_billing(normalized) or is_rate_limit_message(normalized) or _retryable_402(normalized)
    )  # fmt: skip
    return classify_402_message(raw) if known else None


# --- errors.ts: the message classifier ----------------------------------------------------------------------


def is_provider(provider: str | None, match: str) -> bool:
    normalized = lower(provider)
    return bool(normalized and match in normalized)


def _is_transient_http(raw: str) -> bool:
    trimmed = js_trim(raw)
    status = leading_http_status(trimmed) if trimmed else None
    return bool(status and status[0] in T.TRANSIENT_HTTP_ERROR_CODES)


def _is_structured_server_error(raw: str) -> bool:
    low, h = lower(raw), T.FN_isStructuredServerErrorMessage
    return h[0] in low or h[1] in low


def _is_json_api_internal_server_error(raw: str) -> bool:
    if not raw or T.FN_isJsonApiInternalServerError[0] not in lower(raw):
        return False
    if is_billing_message(raw) or is_auth_message(raw) or is_auth_permanent_message(raw):
        return False
    return T.API_ERROR_TRANSIENT_SIGNALS_RE.search(raw) is not None


def _is_session_expired(raw: str) -> bool:
    return _any(lower(raw), T.FN_isCliSessionExpiredErrorMessage)


def _is_image_error(raw: str) -> bool:
    low = lower(raw)
    return T.FN_parseImageDimensionError[0] in low or (T.FN_parseImageSizeError[0] in low and T.FN_parseImageSizeError[1] in low)


def _provider_specific(raw: str) -> str | None:
    for test, reason in T.PROVIDER_SPECIFIC_PATTERNS:
        if test.search(raw):
            return reason
    return None


@lru_cache(maxsize=8192)
def classify_message(raw: str, provider: str | None = None) -> str | None:
    """`classifyFailoverClassificationFromMessage`: a reason, `CONTEXT_OVERFLOW`, or None."""
    if _is_image_error(raw):
        return None
    if _is_session_expired(raw):
        return "session_expired"
    if is_model_not_found_message(raw):
        return "model_not_found"
    if is_context_overflow_message(raw):
        return CONTEXT_OVERFLOW
    from_402 = reason_from_402_text(raw)
    if from_402:
        return from_402
    if is_provider(provider, T.FN_isOpenRouterKeyLimitExceededError[0]) and (
        T.FN_isOpenRouterKeyLimitExceededError[1].search(raw) or T.FN_isOpenRouterKeyBudgetLimitExceededError[1].search(raw)
    ):
        return "billing"
    if T.PERIODIC_USAGE_LIMIT_RE.search(raw):
        return "billing" if is_billing_message(raw) else "rate_limit"
    if is_rate_limit_message(raw):
        return "rate_limit"
    if is_overloaded_message(raw):
        return "overloaded"
    if _is_structured_server_error(raw) and not is_billing_message(raw) and not is_auth_permanent_message(raw) and not is_auth_message(raw):
        return "server_error"
    if _is_transient_http(raw):
        lead = leading_http_status(js_trim(raw))
        return "overloaded" if lead and lead[0] == 529 else "timeout"
    if _is_generic_provider_internal_error(raw):
        return "timeout"
    if is_billing_message(raw):
        return "billing"
    if _oauth_refresh_failure_reason(raw) or is_auth_permanent_message(raw):
        return "auth_permanent"
    if is_auth_message(raw):
        return "auth"
    if T.FN_isGenericUnknownStreamError[0].search(raw):
        return "timeout"
    if is_provider(provider, T.FN_isOpenRouterProviderReturnedError[0]) and T.FN_isOpenRouterProviderReturnedError[1] in lower(raw):
        return "timeout"
    if is_server_error_message(raw) or _is_json_api_internal_server_error(raw):
        return "timeout"
    if not T.FN_parseImageDimensionError[0] in lower(raw) and matches(raw, FORMAT):
        return "format"
    if lower(raw) == T.FN_isExactUnknownNoDetailsError[0]:
        return "no_error_details"
    if is_timeout_message(raw):
        return "timeout"
    return _provider_specific(raw)
