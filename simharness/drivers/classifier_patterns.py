"""openclaw 2026.5.20's message patterns (`dist/errors-*.js`), and one compiled search per table.

The subset of openclaw's tables that matter for the errors the simulated world and common SDKs produce (rate
limit, overload, 5xx, auth, billing, timeout, context overflow), as data: strings match as substrings of the
lower-cased message, compiled patterns as written. The functions that read them, in openclaw's precedence,
are the classifier's (`classifier.py`); this module only answers "does this message match that table".

Drivers may use this module; invariants must not (they judge against the oracle, the world's ground truth).
"""

from __future__ import annotations

import re
from typing import Any

RATE_LIMIT = (
    re.compile(r"rate[_ ]limit|too many requests|429"),
    re.compile(r"too many (?:concurrent )?requests"),
    re.compile(r"throttling(?:exception)?"),
    "model_cooldown", "exceeded your current quota", "resource has been exhausted", "quota exceeded",
    "resource_exhausted", "throttled", "usage limit", re.compile(r"\btpm\b"), "tokens per minute", "tokens per day",
)  # fmt: skip
OVERLOADED = (
    re.compile(r'overloaded_error|"type"\s*:\s*"overloaded_error"'),
    "overloaded",
    re.compile(r"\b(?:selected\s+)?model\s+(?:is\s+)?at capacity\b"),
    "high demand",
    "high load",
)
SERVER_ERROR = (
    "an error occurred while processing", "internal server error", "internal_error", "server_error",
    "service temporarily unavailable", "service_unavailable", "bad gateway", "gateway timeout", "upstream error",
    "upstream connect error", "connection reset",
)  # fmt: skip
TIMEOUT = (
    "timeout", "timed out", "service unavailable", "deadline exceeded", "connection error", "network error",
    "network request failed", "fetch failed", "socket hang up",
    re.compile(r"\beconn(?:refused|reset|aborted)\b"), re.compile(r"\betimedout\b"),
    re.compile(r"\boperation was aborted\b"), re.compile(r"\bstream (?:was )?(?:closed|aborted)\b"),
    re.compile(r"^terminated$"), re.compile(r"^request failed$"),
)  # fmt: skip
BILLING = (
    re.compile(r"[\"']?(?:status|code)[\"']?\s*[:=]\s*402\b|\bhttp\s*402\b|\berror(?:\s+code)?\s*[:=]?\s*402\b|^\s*402\s+payment"),
    "payment required", "insufficient credits", re.compile(r"insufficient[_ ]quota"), "credit balance",
    "plans & billing", re.compile(r"insufficient[_ ]balance"),
)  # fmt: skip
AUTH_PERMANENT = (
    re.compile(r"api[_ ]?key[_ ]?(?:revoked|deactivated|deleted)"), "key has been disabled", "key has been revoked",
    "account has been deactivated", "not allowed for this organization",
)  # fmt: skip
AUTH = (
    re.compile(r"invalid[_ ]?api[_ ]?key"), "permission_error", "incorrect api key", "invalid token", "authentication",
    "unauthorized", "forbidden", "access denied", "expired", re.compile(r"\b401\b"), re.compile(r"\b403\b"),
    "invalid x-api-key",
)  # fmt: skip
CONTEXT_OVERFLOW_MESSAGES = (
    "request_too_large", "request exceeds the maximum size", "context length exceeded", "maximum context length",
    "prompt is too long", "prompt too long", "exceeds model context window", "model token limit", "context overflow:",
    "exceed context limit", "context_window_exceeded",
)  # fmt: skip
CONTEXT_OVERFLOW_HINT = re.compile(
    r"context.*overflow|context window.*(too (?:large|long)|exceed|over|limit|max(?:imum)?|requested|sent|tokens)"
    r"|prompt.*(too (?:large|long)|exceed|over|limit|max(?:imum)?)"
    r"|(?:request|input).*(?:context|window|length|token).*(too (?:large|long)|exceed|over|limit|max(?:imum)?)",
    re.IGNORECASE,
)
RATE_LIMIT_HINT = re.compile(
    r"rate limit|too many requests|requests per (?:minute|hour|day)|quota|throttl|429\b|tokens per day", re.IGNORECASE
)
HTTP_STATUS_PREFIX = re.compile(r"^(?:http\s*)?(\d{3})(?:(?:\s*:\s*|\s+)([\s\S]+))?$", re.IGNORECASE)
ERROR_PREFIX = re.compile(r"^error:\s*", re.IGNORECASE)
HTTP_5XX = re.compile(r"\bhttp\s+5\d\d\b", re.IGNORECASE)
ABORT_TIMEOUT = re.compile(r"request was aborted|request aborted", re.IGNORECASE)


def _combine(patterns: tuple[Any, ...]) -> re.Pattern[str]:
    """One regex that matches where any entry of a table would (substrings escaped, patterns as written)."""
    return re.compile("|".join(f"(?:{p.pattern if isinstance(p, re.Pattern) else re.escape(p)})" for p in patterns))


#: Each table compiled once into a single alternation: one C-level search instead of a Python loop.
_COMBINED: dict[int, tuple[tuple[Any, ...], re.Pattern[str]]] = {
    id(t): (t, _combine(t))
    for t in (RATE_LIMIT, OVERLOADED, SERVER_ERROR, TIMEOUT, BILLING, AUTH_PERMANENT, AUTH, CONTEXT_OVERFLOW_MESSAGES)
}


def matches(raw: str | None, patterns: tuple[Any, ...]) -> bool:
    """Does the message, stripped and lower-cased, match any entry of `patterns` (one of the tables above)?"""
    if not raw:
        return False
    entry = _COMBINED.get(id(patterns))
    combined = entry[1] if entry is not None and entry[0] is patterns else _combine(patterns)
    return combined.search(raw.strip().lower()) is not None
