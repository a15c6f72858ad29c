r"""GENERATED from openclaw@2026.5.20 by simharness.targets.derive_tables; do not edit.

Read from dist/ (region: chunk): src/agents/auth-profiles/oauth-refresh-failure.ts: oauth-refresh-failure-szcD_aib.js; src/agents/failover-error.ts: failover-error-DxhbBerW.js; src/agents/live-model-errors.ts: live-model-errors-BmBrfiMl.js; src/agents/pi-embedded-helpers/errors.ts: errors-B2I_76Bs.js; src/agents/pi-embedded-helpers/failover-matches.ts: failover-matches-BiyHIrZb.js; src/agents/pi-embedded-helpers/provider-error-patterns.ts: errors-B2I_76Bs.js; src/shared/assistant-error-format.ts: assistant-error-format-CuUvHfKt.js.
Regenerate: SIMHARNESS_REGEN_TABLES=1 pytest tests/test_classifier_tables.py
(or: python -m simharness.targets.derive_tables openclaw@VERSION > this file). JS regexes are translated by
simharness.targets.jsregex (re.ASCII; \s, "." and "$" spelled out); each line shows the JS literal."""

# fmt: off
import re

_A = re.ASCII
_AI = re.ASCII | re.IGNORECASE
JS_WHITESPACE = '\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'

# --- src/agents/auth-profiles/oauth-refresh-failure.ts (oauth-refresh-failure-szcD_aib.js)
FN_isOAuthRefreshFailureMessage = (
    "oauth token refresh failed", "access token could not be refreshed",
    "authentication session could not be refreshed automatically",
)
FN_classifyOAuthRefreshFailureReason = (
    "refresh_token_reused", "invalid_grant", "signing in again", "sign in again", "invalid refresh token",
    "expired or revoked", "revoked",
)

# --- src/agents/failover-error.ts (failover-error-DxhbBerW.js)
ABORT_TIMEOUT_RE = re.compile(r'request was aborted|request aborted', _AI)  # /request was aborted|request aborted/i
MAX_FAILOVER_CAUSE_DEPTH = 25
FN_readDirectStatusCode = (
    re.compile(r'^\d+\Z', _A),  # /^\d+$/
)

# --- src/agents/live-model-errors.ts (live-model-errors-BmBrfiMl.js)
FN_isModelNotFoundErrorMessage = (
    re.compile(r'no endpoints found for', _AI),  # /no endpoints found for/i
    re.compile(r'\brouter not found\b', _AI),  # /\brouter not found\b/i
    re.compile(r'unknown model', _AI),  # /unknown model/i
    re.compile(r'model(?:[_\-\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?not(?:[_\-\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?found', _AI),  # /model(?:[_\-\s])?not(?:[_\-\s])?found/i
    re.compile(r'\b404\b', _A),  # /\b404\b/
    re.compile(r'not(?:[_\-\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?found', _AI),  # /not(?:[_\-\s])?found/i
    re.compile(r'not_found_error', _AI),  # /not_found_error/i
    re.compile(r'model:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*[a-z0-9._/-]+', _AI),  # /model:\s*[a-z0-9._/-]+/i
    re.compile(r'not(?:[_\-\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff])?found', _AI),  # /not(?:[_\-\s])?found/i
    re.compile(r'models\/[^\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+ is not found', _AI),  # /models\/[^\s]+ is not found/i
    re.compile(r'model', _AI),  # /model/i
    re.compile(r'does not exist', _AI),  # /does not exist/i
    re.compile(r'model', _AI),  # /model/i
    re.compile(r'deprecated', _AI),  # /deprecated/i
    re.compile(r'(upgrade|transition) to', _AI),  # /(upgrade|transition) to/i
    re.compile(r'stealth model', _AI),  # /stealth model/i
    re.compile(r'find it here', _AI),  # /find it here/i
    re.compile(r'is not a valid model id', _AI),  # /is not a valid model id/i
    re.compile(r'invalid model', _AI),  # /invalid model/i
    re.compile(r'invalid model reference', _AI),  # /invalid model reference/i
)

# --- src/agents/pi-embedded-helpers/errors.ts (errors-B2I_76Bs.js)
CONTEXT_WINDOW_TOO_SMALL_RE = re.compile(r'context window[^\n\r\u2028\u2029]*(too small|minimum is)', _AI)  # /context window.*(too small|minimum is)/i
CONTEXT_OVERFLOW_HINT_RE = re.compile(r'context[^\n\r\u2028\u2029]*overflow|context window[^\n\r\u2028\u2029]*(too (?:large|long)|exceed|over|limit|max(?:imum)?|requested|sent|tokens)|prompt[^\n\r\u2028\u2029]*(too (?:large|long)|exceed|over|limit|max(?:imum)?)|(?:request|input)[^\n\r\u2028\u2029]*(?:context|window|length|token)[^\n\r\u2028\u2029]*(too (?:large|long)|exceed|over|limit|max(?:imum)?)', _AI)  # /context.*overflow|context window.*(too (?:large|long)|exceed|over|limit|max(?:imum)?|requested|sent|tokens)|prompt.*(too (?:large|long)|exceed|over|limit|max(?:imum)?)|(?:request|input).*(?:context|window|length|token).*(too (?:large|long)|exceed|over|limit|max(?:imum)?)/i
RATE_LIMIT_HINT_RE = re.compile(r'rate limit|too many requests|requests per (?:minute|hour|day)|quota|throttl|429\b|tokens per day', _AI)  # /rate limit|too many requests|requests per (?:minute|hour|day)|quota|throttl|429\b|tokens per day/i
TRANSIENT_HTTP_ERROR_CODES = frozenset({499, 500, 502, 503, 504, 521, 522, 523, 524, 529})
BILLING_402_HINTS = (
    "insufficient credits", "insufficient quota", "credit balance", "insufficient balance", "plans & billing",
    "add more credits", "top up",
)
BILLING_402_PLAN_HINTS = (
    "upgrade your plan", "upgrade plan", "current plan", "subscription",
)
PERIODIC_402_HINTS = (
    "daily", "weekly", "monthly",
)
RETRYABLE_402_RETRY_HINTS = (
    "try again", "retry", "temporary", "cooldown",
)
RETRYABLE_402_LIMIT_HINTS = (
    "usage limit", "rate limit", "organization usage",
)
RETRYABLE_402_SCOPED_HINTS = (
    "organization", "workspace",
)
RETRYABLE_402_SCOPED_RESULT_HINTS = (
    "billing period", "exceeded", "reached", "exhausted",
)
RAW_402_MARKER_RE = re.compile('["\']?(?:status|code)["\']?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\bhttp[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\berror(?:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+code)?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=]?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\b(?:got|returned|received)[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+(?:a[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+)?402\\b|^[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+(?:payment required\\b|[^\\n\\r\\u2028\\u2029]*used up your points\\b|no available asset for api access\\b)', _AI)  # /["']?(?:status|code)["']?\s*[:=]\s*402\b|\bhttp\s*402\b|\berror(?:\s+code)?\s*[:=]?\s*402\b|\b(?:got|returned|received)\s+(?:a\s+)?402\b|^\s*402\s+(?:payment required\b|.*used up your points\b|no available asset for api access\b)/i
BARE_LEADING_402_RE = re.compile(r'^[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*402\b', _AI)  # /^\s*402\b/i
LEADING_402_WRAPPER_RE = re.compile(r'^(?:error[:\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+)?(?:(?:http[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?402(?:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+payment required)?|payment required)(?:[:\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+|\Z)', _AI)  # /^(?:error[:\s-]+)?(?:(?:http\s*)?402(?:\s+payment required)?|payment required)(?:[:\s-]+|$)/i
TIMEOUT_ERROR_CODES = frozenset({"ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNRESET", "ECONNABORTED", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "EHOSTDOWN", "ENETRESET", "EPIPE", "EAI_AGAIN"})
HTML_BODY_RE = re.compile(r'^[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:<!doctype[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+html\b|<html\b)', _AI)  # /^\s*(?:<!doctype\s+html\b|<html\b)/i
HTML_CLOSE_RE = re.compile(r'<\/html>', _AI)  # /<\/html>/i
NO_BODY_HTTP_WRAPPER_RE = re.compile(r'^(?:no body(?: response)?|no response body|status code \(no body\))\Z', _AI)  # /^(?:no body(?: response)?|no response body|status code \(no body\))$/i
API_ERROR_TRANSIENT_SIGNALS_RE = re.compile(r'internal server error|overload|temporarily unavailable|service unavailable|unknown error|server error|bad gateway|gateway timeout|upstream error|backend error|try again later|temporarily[^\n\r\u2028\u2029]+unable|unexpected error', _AI)  # /internal server error|overload|temporarily unavailable|service unavailable|unknown error|server error|bad gateway|gateway timeout|upstream error|backend error|try again later|temporarily.+unable|unexpected error/i
IMAGE_DIMENSION_ERROR_RE = re.compile(r'image dimensions exceed max allowed size for many-image requests:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(\d+)[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*pixels', _AI)  # /image dimensions exceed max allowed size for many-image requests:\s*(\d+)\s*pixels/i
IMAGE_SIZE_ERROR_RE = re.compile(r'image exceeds[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(\d+(?:\.\d+)?)[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*mb', _AI)  # /image exceeds\s*(\d+(?:\.\d+)?)\s*mb/i
FN_isReasoningConstraintErrorMessage = (
    "reasoning is mandatory", "reasoning is required", "requires reasoning", "reasoning", "cannot be disabled",
)
FN_hasRateLimitTpmHint = (
    re.compile(r'\btpm\b', _AI),  # /\btpm\b/i
    "tokens per minute",
)
FN_isContextOverflowError = (
    "request size exceeds", "context window", "context length", "maximum context length", "request_too_large",
    "invalid_argument", "maximum number of tokens", "request exceeds the maximum size", "context length exceeded",
    "maximum context length", "prompt is too long", "prompt too long", "exceeds model context window",
    "model token limit", "input exceeds", "maximum number of tokens", "context overflow:", "exceed context limit",
    "exceeds the model's maximum context", "max_tokens", "exceed", "context", "input length", "exceed", "context",
    "413", "too large", "context_window_exceeded", "上下文过长", "上下文超出", "上下文长度超", "超出最大上下文", "请压缩上下文",
)
FN_stripErrorPrefix = (
    re.compile(r'^error:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*', _AI),  # /^error:\s*/i
)
FN_hasExplicit402BillingSignal = (
    "limit", "billing hard limit", "hard limit reached", "maximum allowed", "limit",
)
FN_hasQuotaRefreshWindowSignal = (
    "subscription quota limit", "automatic quota refresh", "rolling time window",
)
FN_hasRetryable402TransientSignal = (
    "spend limit", "spending limit", "usage limit", "limit", "reset", "limit",
)
FN_classifyFailoverReasonFromCode = (
    "RESOURCE_EXHAUSTED", "RATE_LIMIT", "RATE_LIMITED", "RATE_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS", "THROTTLED",
    "THROTTLING", "THROTTLINGEXCEPTION", "THROTTLING_EXCEPTION", "OVERLOADED", "OVERLOADED_ERROR",
)
FN_isGenericUnknownStreamError = (
    re.compile(r'^[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*an unknown error occurred\.?[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*\Z', _AI),  # /^\s*an unknown error occurred\.?\s*$/i
)
FN_isOpenRouterProviderReturnedError = (
    "openrouter", "provider returned error",
)
FN_isOpenRouterKeyLimitExceededError = (
    "openrouter",
    re.compile(r'\bkey[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+limit[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:exceeded|reached|hit)\b', _AI),  # /\bkey\s+limit\s*(?:exceeded|reached|hit)\b/i
)
FN_isOpenRouterKeyBudgetLimitExceededError = (
    "openrouter",
    re.compile(r'\bapi[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+key[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+budget[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+limit[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:exceeded|reached|hit)\b', _AI),  # /\bapi\s+key\s+budget\s+limit\s*(?:exceeded|reached|hit)\b/i
)
FN_isExactUnknownNoDetailsError = (
    "unknown error (no error details in response)",
)
FN_classifyFailoverClassificationFromHttpStatus = (
    "moonshot", "kimi", "billing", "session_expired", "billing", "auth_permanent", "auth", "context_overflow",
    "session_expired", "billing", "auth_permanent", "auth", "overloaded", "overloaded", "server_error",
    "server_error",
)
FN_isJsonApiInternalServerError = (
    "\"type\":\"api_error\"",
)
FN_isStructuredServerErrorMessage = (
    "\"type\":\"server_error\"", "\"code\":\"server_error\"",
)
FN_parseImageDimensionError = (
    "image dimensions exceed max allowed size",
)
FN_parseImageSizeError = (
    "image exceeds", "mb",
)
FN_isCliSessionExpiredErrorMessage = (
    "session not found", "session does not exist", "session expired", "session invalid", "conversation not found",
    "no conversation found", "conversation does not exist", "conversation expired", "conversation invalid",
    "no such session", "invalid session", "session id not found", "conversation id not found",
)

# --- src/agents/pi-embedded-helpers/failover-matches.ts (failover-matches-BiyHIrZb.js)
PERIODIC_USAGE_LIMIT_RE = re.compile(r'\b(?:daily|weekly|monthly)(?:\/(?:daily|weekly|monthly))* (?:usage )?limit(?:s)?(?: (?:exhausted|reached|exceeded))?\b', _AI)  # /\b(?:daily|weekly|monthly)(?:\/(?:daily|weekly|monthly))* (?:usage )?limit(?:s)?(?: (?:exhausted|reached|exceeded))?\b/i
HIGH_CONFIDENCE_AUTH_PERMANENT_PATTERNS = (
    re.compile(r'api[_ ]?key[_ ]?(?:revoked|deactivated|deleted)', _AI),  # /api[_ ]?key[_ ]?(?:revoked|deactivated|deleted)/i
    "key has been disabled", "key has been revoked", "account has been deactivated",
    "not allowed for this organization",
)
AMBIGUOUS_AUTH_ERROR_PATTERNS = (
    re.compile(r'invalid[_ ]?api[_ ]?key', _A),  # /invalid[_ ]?api[_ ]?key/
    re.compile(r'could not (?:authenticate|validate)[^\n\r\u2028\u2029]*(?:api[_ ]?key|credentials)', _AI),  # /could not (?:authenticate|validate).*(?:api[_ ]?key|credentials)/i
    "permission_error",
)
COMMON_AUTH_ERROR_PATTERNS = (
    "incorrect api key", "invalid token", "authentication", "re-authenticate", "oauth token refresh failed",
    "unauthorized", "forbidden", "access denied", "insufficient permissions", "insufficient permission",
    re.compile(r'missing scopes?:', _AI),  # /missing scopes?:/i
    "expired", "token has expired",
    re.compile(r'\b401\b', _A),  # /\b401\b/
    re.compile(r'\b403\b', _A),  # /\b403\b/
    "no credentials found", "no api key found",
    re.compile(r'\bfailed to (?:extract|parse|validate|decode)\b[^\n\r\u2028\u2029]*\btoken\b', _A),  # /\bfailed to (?:extract|parse|validate|decode)\b.*\btoken\b/
)
CJK_AUTH_ERROR_PATTERNS = (
    "无权访问", "认证失败", "鉴权失败", "密钥无效", "apikey 无效",
)
ZAI_BILLING_CODE_1311_RE = re.compile(r'"code"[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*1311\b', _A)  # /"code"\s*:\s*1311\b/
ZAI_AUTH_CODE_1113_RE = re.compile(r'"code"[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*1113\b', _A)  # /"code"\s*:\s*1113\b/
ZAI_AUTH_ERROR_PATTERNS = (
    ZAI_AUTH_CODE_1113_RE,
)
STATUS_INTERNAL_SERVER_ERROR_RE = re.compile(r'\bstatus:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*internal server error\b', _AI)  # /\bstatus:\s*internal server error\b/i
STATUS_INTERNAL_SERVER_ERROR_WITH_500_RE = re.compile('^(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*\\bstatus:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*internal server error\\b)(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*\\bcode["\']?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*500\\b)', _AI)  # /^(?=[\s\S]*\bstatus:\s*internal server error\b)(?=[\s\S]*\bcode["']?\s*[:=]\s*500\b)/i
HTTP_5XX_STATUS_RE = re.compile(r'\bHTTP[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+5\d\d\b', _AI)  # /\bHTTP\s+5\d\d\b/i
ERROR_PATTERNS_rateLimit = (
    re.compile(r'rate[_ ]limit|too many requests|429', _A),  # /rate[_ ]limit|too many requests|429/
    re.compile(r'too many (?:concurrent )?requests', _AI),  # /too many (?:concurrent )?requests/i
    re.compile(r'throttling(?:exception)?', _AI),  # /throttling(?:exception)?/i
    "model_cooldown", "exceeded your current quota", "resource has been exhausted", "quota exceeded",
    "resource_exhausted", "throttlingexception", "throttling_exception", "throttled", "throttling", "usage limit",
    re.compile(r'\btpm\b', _AI),  # /\btpm\b/i
    "tokens per minute", "tokens per day", "请求过于频繁", "调用频率", "频率限制", "配额不足", "配额已用尽", "额度不足", "额度已用尽",
)
ERROR_PATTERNS_overloaded = (
    re.compile(r'overloaded_error|"type"[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*"overloaded_error"', _AI),  # /overloaded_error|"type"\s*:\s*"overloaded_error"/i
    "overloaded",
    re.compile(r'\b(?:selected[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)?model[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+(?:is[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)?at capacity\b', _AI),  # /\b(?:selected\s+)?model\s+(?:is\s+)?at capacity\b/i
    re.compile(r'service[_ ]unavailable[^\n\r\u2028\u2029]*(?:overload|capacity|high[_ ]demand)|(?:overload|capacity|high[_ ]demand)[^\n\r\u2028\u2029]*service[_ ]unavailable', _AI),  # /service[_ ]unavailable.*(?:overload|capacity|high[_ ]demand)|(?:overload|capacity|high[_ ]demand).*service[_ ]unavailable/i
    "high demand", "high load", "服务过载", "当前负载过高",
)
ERROR_PATTERNS_serverError = (
    "an error occurred while processing", "internal server error", "internal_error", "server_error",
    "service temporarily unavailable", "service_unavailable", "bad gateway", "gateway timeout", "upstream error",
    "upstream connect error", "connection reset", "内部错误", "服务器错误", "服务器内部错误", "系统错误", "系统繁忙", "系统异常",
)
ERROR_PATTERNS_timeout = (
    "timeout", "timed out", "service unavailable", "deadline exceeded", "context deadline exceeded",
    re.compile('^(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*\\bgot status:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*internal\\b)(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*\\bcode["\']?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*500\\b)', _AI),  # /^(?=[\s\S]*\bgot status:\s*internal\b)(?=[\s\S]*\bcode["']?\s*[:=]\s*500\b)/i
    re.compile('^(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*["\']status["\'][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*["\']internal["\'])(?=[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\x00-\\x08\\x0e-\\x1f\\x21-\\x9f\\xa1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\U0010ffff]*["\']code["\'][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*500\\b)', _AI),  # /^(?=[\s\S]*["']status["']\s*:\s*["']internal["'])(?=[\s\S]*["']code["']\s*:\s*500\b)/i
    "connection error", "network error", "network request failed", "fetch failed", "socket hang up", "网络错误",
    "网络异常", "服务暂时不可用", "服务繁忙", "请求超时", "连接超时", "连接错误",
    re.compile(r'\beconn(?:refused|reset|aborted)\b', _AI),  # /\beconn(?:refused|reset|aborted)\b/i
    re.compile(r'\benetunreach\b', _AI),  # /\benetunreach\b/i
    re.compile(r'\behostunreach\b', _AI),  # /\behostunreach\b/i
    re.compile(r'\behostdown\b', _AI),  # /\behostdown\b/i
    re.compile(r'\benetreset\b', _AI),  # /\benetreset\b/i
    re.compile(r'\betimedout\b', _AI),  # /\betimedout\b/i
    re.compile(r'\besockettimedout\b', _AI),  # /\besockettimedout\b/i
    re.compile(r'\bepipe\b', _AI),  # /\bepipe\b/i
    re.compile(r'\benotfound\b', _AI),  # /\benotfound\b/i
    re.compile(r'\beai_again\b', _AI),  # /\beai_again\b/i
    re.compile(r'without sending (?:any )?chunks?', _AI),  # /without sending (?:any )?chunks?/i
    re.compile(r'\bstop reason:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:abort|error|malformed_response|network_error)\b', _AI),  # /\bstop reason:\s*(?:abort|error|malformed_response|network_error)\b/i
    re.compile(r'\breason:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:abort|error|malformed_response|network_error)\b', _AI),  # /\breason:\s*(?:abort|error|malformed_response|network_error)\b/i
    re.compile(r'\bunhandled stop reason:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:abort|error|malformed_response|network_error)\b', _AI),  # /\bunhandled stop reason:\s*(?:abort|error|malformed_response|network_error)\b/i
    re.compile(r'\bfinish_reason:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*(?:abort|error|malformed_response|network_error)\b', _AI),  # /\bfinish_reason:\s*(?:abort|error|malformed_response|network_error)\b/i
    re.compile(r'\boperation was aborted\b', _AI),  # /\boperation was aborted\b/i
    re.compile(r'\bstream (?:was )?(?:closed|aborted)\b', _AI),  # /\bstream (?:was )?(?:closed|aborted)\b/i
    re.compile(r'^terminated\Z', _AI),  # /^terminated$/i
    re.compile(r'^stream_read_error\Z', _AI),  # /^stream_read_error$/i
    re.compile(r'\bund_err_(?:socket|connect|headers?|body|req_content_length_mismatch|aborted|closed)\b', _AI),  # /\bund_err_(?:socket|connect|headers?|body|req_content_length_mismatch|aborted|closed)\b/i
    re.compile(r'^request failed\Z', _AI),  # /^request failed$/i
    re.compile(r'\brequest failed after repeated internal retries\b', _AI),  # /\brequest failed after repeated internal retries\b/i
)
ERROR_PATTERNS_billing = (
    re.compile('["\']?(?:status|code)["\']?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\bhttp[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\berror(?:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+code)?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=]?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\b(?:got|returned|received)[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+(?:a[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+)?402\\b|^[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+payment', _AI),  # /["']?(?:status|code)["']?\s*[:=]\s*402\b|\bhttp\s*402\b|\berror(?:\s+code)?\s*[:=]?\s*402\b|\b(?:got|returned|received)\s+(?:a\s+)?402\b|^\s*402\s+payment/i
    "payment required", "insufficient credits",
    re.compile(r'used[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+all[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+available[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+credits', _AI),  # /used\s+all\s+available\s+credits/i
    re.compile(r'(?:monthly[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)?spend(?:ing)?[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+limit', _AI),  # /(?:monthly\s+)?spend(?:ing)?\s+limit/i
    re.compile(r'insufficient[_ ]quota', _AI),  # /insufficient[_ ]quota/i
    "credit balance", "plans & billing",
    re.compile(r'insufficient[_ ]balance', _AI),  # /insufficient[_ ]balance/i
    re.compile(r'\binsufficient[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+\w+[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+balance\b', _AI),  # /\binsufficient\s+\w+\s+balance\b/i
    "insufficient usd or diem balance",
    re.compile(r'requires?[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+more[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+credits', _AI),  # /requires?\s+more\s+credits/i
    re.compile(r'out of extra usage', _AI),  # /out of extra usage/i
    re.compile(r'draw from your extra usage', _AI),  # /draw from your extra usage/i
    re.compile(r'extra usage is required(?: for long context requests)?', _AI),  # /extra usage is required(?: for long context requests)?/i
    "余额不足", "账户余额不足", "欠费", "账户已欠费",
    ZAI_BILLING_CODE_1311_RE,
)
ERROR_PATTERNS_authPermanent = HIGH_CONFIDENCE_AUTH_PERMANENT_PATTERNS
ERROR_PATTERNS_auth = (
    *AMBIGUOUS_AUTH_ERROR_PATTERNS,
    *COMMON_AUTH_ERROR_PATTERNS,
    *ZAI_AUTH_ERROR_PATTERNS,
    *CJK_AUTH_ERROR_PATTERNS,
)
ERROR_PATTERNS_format = (
    "string should match pattern", "tool_use.id", "tool_use_id", "messages.1.content.1.tool_use.id",
    "invalid request format",
    re.compile(r'tool call id was[^\n\r\u2028\u2029]*must be', _AI),  # /tool call id was.*must be/i
    "does not support assistant message prefill", "conversation must end with a user message",
)
BILLING_ERROR_HEAD_RE = re.compile(r'^(?:error[:\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+)?billing(?:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+error)?(?:[:\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+|\Z)|^(?:error[:\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+)?(?:credit balance|insufficient credits?|payment required|http[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*402\b)', _AI)  # /^(?:error[:\s-]+)?billing(?:\s+error)?(?:[:\s-]+|$)|^(?:error[:\s-]+)?(?:credit balance|insufficient credits?|payment required|http\s*402\b)/i
BILLING_ERROR_HARD_402_RE = re.compile('["\']?(?:status|code)["\']?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=][\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\bhttp[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|\\berror(?:[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+code)?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[:=]?[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402\\b|^[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*402[\\t-\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+payment', _AI)  # /["']?(?:status|code)["']?\s*[:=]\s*402\b|\bhttp\s*402\b|\berror(?:\s+code)?\s*[:=]?\s*402\b|^\s*402\s+payment/i
BILLING_ERROR_MAX_LENGTH = 512
FN_isBillingErrorMessage = (
    "upgrade", "credits", "payment", "purchase", "subscription", "plan",
)

# --- src/agents/pi-embedded-helpers/provider-error-patterns.ts (errors-B2I_76Bs.js)
PROVIDER_CONTEXT_OVERFLOW_PATTERNS = (
    re.compile(r'\binput token count exceeds the maximum number of input tokens\b', _AI),  # /\binput token count exceeds the maximum number of input tokens\b/i
    re.compile(r'\binput is too long for this model\b', _AI),  # /\binput is too long for this model\b/i
    re.compile(r'\binput exceeds the maximum number of tokens\b', _AI),  # /\binput exceeds the maximum number of tokens\b/i
    re.compile(r'\bollama error:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*context length exceeded(?:,[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*too many tokens)?\b', _AI),  # /\bollama error:\s*context length exceeded(?:,\s*too many tokens)?\b/i
    re.compile("\\btotal tokens?[^\\n\\r\\u2028\\u2029]*exceeds? (?:the )?(?:model(?:'s)? )?(?:max|maximum|limit)", _AI),  # /\btotal tokens?.*exceeds? (?:the )?(?:model(?:'s)? )?(?:max|maximum|limit)/i
    re.compile(r'\b(?:request|prompt) \(\d[\d,]*[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*tokens?\) exceeds (?:the )?available context size\b', _AI),  # /\b(?:request|prompt) \(\d[\d,]*\s*tokens?\) exceeds (?:the )?available context size\b/i
    re.compile(r'\binput (?:is )?too long for (?:the )?model\b', _AI),  # /\binput (?:is )?too long for (?:the )?model\b/i
)
PROVIDER_SPECIFIC_PATTERNS = (
    (re.compile(r'\bthrottlingexception\b', _AI), "rate_limit",),  # (test, reason); /\bthrottlingexception\b/i
    (re.compile(r'\bconcurrency limit(?: has been)? reached\b', _AI), "rate_limit",),  # (test, reason); /\bconcurrency limit(?: has been)? reached\b/i
    (re.compile(r'\bworkers_ai\b[^\n\r\u2028\u2029]*\bquota limit exceeded\b', _AI), "rate_limit",),  # (test, reason); /\bworkers_ai\b.*\bquota limit exceeded\b/i
    (re.compile(r'\bmodelnotreadyexception\b', _AI), "overloaded",),  # (test, reason); /\bmodelnotreadyexception\b/i
    (re.compile(r'model(?:_is)?_deactivated|model has been deactivated', _AI), "model_not_found",),  # (test, reason); /model(?:_is)?_deactivated|model has been deactivated/i
)
PROVIDER_CONTEXT_OVERFLOW_SIGNAL_RE = re.compile(r'\b(?:context|window|prompt|token|tokens|input|request|model)\b', _AI)  # /\b(?:context|window|prompt|token|tokens|input|request|model)\b/i
PROVIDER_CONTEXT_OVERFLOW_ACTION_RE = re.compile(r'\b(?:too[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+(?:large|long|many)|exceed(?:s|ed|ing)?|overflow|limit|maximum|max)\b', _AI)  # /\b(?:too\s+(?:large|long|many)|exceed(?:s|ed|ing)?|overflow|limit|maximum|max)\b/i

# --- src/shared/assistant-error-format.ts (assistant-error-format-CuUvHfKt.js)
HTTP_STATUS_CODE_PREFIX_RE = re.compile(r'^(?:http[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?(\d{3})(?:(?:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*:[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*|[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+)([\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\x00-\x08\x0e-\x1f\x21-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\U0010ffff]+))?\Z', _AI)  # /^(?:http\s*)?(\d{3})(?:(?:\s*:\s*|\s+)([\s\S]+))?$/i
GENERIC_PROVIDER_INTERNAL_ERROR_RE = re.compile(r'an error occurred while processing your request', _AI)  # /an error occurred while processing your request/i
SUPPORT_REQUEST_ID_RE = re.compile(r'(?:request[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff_-]*id)[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*[:#]?[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*([a-z0-9][a-z0-9_-]{6,}[a-z0-9])', _AI)  # /(?:request[\s_-]*id)\s*[:#]?\s*([a-z0-9][a-z0-9_-]{6,}[a-z0-9])/i
FN_isGenericProviderInternalError = (
    re.compile(r'help\.openai\.com', _AI),  # /help\.openai\.com/i
)
