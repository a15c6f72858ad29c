"""The rest of openclaw's error vocabulary: constructors for every shape openclaw's own tests throw at its
fallback driver (`src/agents/model-fallback.test.ts`, `failover-error.test.ts`) beyond the ones in
`model.errors` — aborts told apart, the runtime's own errors, live model switches, FailoverErrors, plain objects,
network codes, message-only failures, provider-dependent rules, bodiless 400/422, an overflow behind a cause,
and one provider failure in many shapes (`shaped`).

A separate module because `model.errors` is at its size limit; `simharness.drivers` exports all of them. Each
shape is built as the SDK or runtime builds it (class names, messages and own properties read from the
2026.5.20 dist: `model-fallback-*.js`, `command-queue-*.js`, `failover-error-*.js`,
`sanitize-user-facing-text-*.js`). `kind` is the world's ground truth (`model.kinds.VOCABULARY_CATEGORY`).
"""

from __future__ import annotations

import json
from typing import Any

from simharness.model.errors import JSError, context_overflow
from simharness.model.kinds import HTTP_FORMS, TIMEOUT_FORMS


def user_abort() -> JSError:
    """The user stopped the run: an AbortError with nothing timeout-like in it, as openclaw's own test builds it
    ("does not fall back on user aborts": message "aborted"). Node's own `AbortController.abort()` message, "This
    operation was aborted", is not used: openclaw 2026.5.20 reads that message as a timeout (probes/shapes.mjs).
    The caller's signal fired (`caller_aborted`): openclaw >= 2026.6.34 tells a user abort by that signal alone."""
    err = JSError("aborted", name="AbortError", kind="abort")
    err.caller_aborted = True
    return err


def provider_abort(reason: str = "reason: abort") -> JSError:
    """A provider stream aborted with a string `reason` (openclaw's tests: "reason: abort", "reason: error",
    "deadline exceeded"): a timeout, so the chain falls back."""
    return JSError("aborted", name="AbortError", reason=reason, kind="abort_timeout")


def budget_abort(after_ms: int) -> JSError:
    """The run's own deadline fired: `AbortSignal.timeout()` aborts with a TimeoutError as the `reason`."""
    inner = JSError("The operation was aborted due to timeout", name="TimeoutError", kind="timeout", fields={"timeoutMs": after_ms})
    return JSError("This operation was aborted", name="AbortError", reason=inner, kind="abort_timeout")


def request_aborted() -> JSError:
    """An SDK's own abort on a dropped request ("Request was aborted"): a timeout."""
    return JSError("Request was aborted", name="AbortError", kind="abort_timeout")


def command_lane_timeout(lane: str, timeout_ms: int) -> JSError:
    """`new CommandLaneTaskTimeoutError(lane, timeoutMs)`: the driver rethrows it before classifying."""
    return JSError(
        f'Command lane "{lane}" task timed out after {timeout_ms}ms', name="CommandLaneTaskTimeoutError", kind="command_lane_timeout"
    )


def missing_harness(harness_id: str) -> JSError:
    """`new MissingAgentHarnessError(harnessId)`: the driver fails closed (rethrows, no other candidate)."""
    return JSError(
        f'Requested agent harness "{harness_id}" is not registered.',
        name="MissingAgentHarnessError",
        kind="missing_harness",
        fields={"harnessId": harness_id},
    )


def model_switch(provider: str, model: str) -> JSError:
    """`new LiveSessionModelSwitchError({provider, model})`: the user switched the live session's model. The driver
    jumps to that candidate when it lies ahead in the chain (no onError); else it records an unknown failure."""
    return JSError(
        f"Live session model switch requested: {provider}/{model}",
        name="LiveSessionModelSwitchError",
        kind="model_switch",
        fields={"provider": provider, "model": model},
    )


def failover_thrown(provider: str, model: str, reason: str = "rate_limit", status: int = 429) -> JSError:
    """A FailoverError `run` threw itself (an inner fallback layer already classified it). Its `reason` is a string
    in the `reason` slot (a primitive link, as the bridge carries an AbortError's string reason)."""
    return JSError(
        f"{provider}/{model}: rate limited by the provider",
        name="FailoverError",
        status=status,
        reason=reason,
        kind="failover",
        fields={"provider": provider, "model": model},
    )


def plain_object(status_text: str = "RESOURCE_EXHAUSTED", code: int = 429) -> JSError:
    """A thrown plain object, not an Error (Google's REST shape): `{error: {code: 429, status: "RESOURCE_EXHAUSTED",
    message}}`. Its `error` holds the provider's metadata."""
    inner = JSError(
        "Resource has been exhausted (e.g. check quota).",
        name="",
        code=code,
        status=status_text,
        kind="rate_limit",
        plain=True,
    )
    return JSError("", name="", error=inner, kind="wrapper", plain=True)


def network_error(code: str) -> JSError:
    """A Node network error: a message and a `code`, no status (`connect ECONNREFUSED`, `getaddrinfo ENOTFOUND`)."""
    syscall = "getaddrinfo" if code in ("ENOTFOUND", "EAI_AGAIN") else "read" if code in ("ECONNRESET", "ETIMEDOUT") else "connect"
    host = "api.provider.test" if syscall == "getaddrinfo" else "203.0.113.7:443"
    return JSError(f"{syscall} {code} {host}", code=code, kind="network", fields={"syscall": syscall, "errno": -104})


#: Failures only a message tells, from openclaw's tests (message-only classification).
MESSAGES = (
    "Rate limit exceeded",
    "Weekly quota exceeded",
    "Connection error.",
    "Unhandled stop reason: error",
    "No API key found for profile openai.",
    "Model not found: openai/gpt-6",
    "LLM request rejected: Your credit balance is too low to access the Anthropic API.",
)


def message_only(message: str) -> JSError:
    """A failure with a message and nothing else."""
    return JSError(message, kind="message_only")


def provider_rule(provider: str = "openrouter") -> JSError:
    """A 403 whose reason is the candidate's provider's rule: OpenRouter's "API key budget limit exceeded" is
    billing there (the classifier needs the candidate's provider as a hint: the error does not name it); from any
    other provider the same 403 is auth. The kind says which, for the oracle's expected reason."""
    kind = "provider_rule_billing" if provider == "openrouter" else "provider_rule_auth"
    return JSError("403 API key budget limit exceeded for this key", name="Error", status=403, kind=kind)


def no_body(status: int = 400) -> JSError:
    """HTTP 400/422 with no body, as the SDKs word it: unclassified (neither format nor failover)."""
    text = f"{status} status code (no body)" if status == 400 else f"{status} No response body"
    return JSError(text, name="APIError", status=status, kind="no_body")


def overflow_cause() -> JSError:
    """A context overflow found only behind a `cause` (openclaw checks the message joined with its causes)."""
    return JSError("LLM request failed", cause=context_overflow(), kind="overflow_cause")


def detail_code(with_status: bool) -> JSError:
    """A provider code only under `detail.code` (the Codex backend's deactivated workspace, openclaw's
    failover-error test): a thrown plain object `{detail: {code}}`, or an Error with a 403 status as well."""
    detail = {"code": "deactivated_workspace"}
    if with_status:
        return JSError("Forbidden", status=403, kind="detail_code", fields={"detail": detail})
    return JSError("", name="", kind="detail_code", plain=True, fields={"detail": detail})


# --- `shaped`: one provider failure, many shapes --------------------------------------------------------------

#: failure -> (HTTP status, Anthropic error type, provider message, openclaw's user-facing text)
FAILURES: dict[str, tuple[int, str, str, str]] = {
    "rate_limit": (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
        "⚠️ API rate limit reached. Please try again later.",
    ),
    "overloaded": (529, "overloaded_error", "Overloaded", "The AI service is temporarily overloaded. Please try again in a moment."),
    "unavailable": (503, "api_error", "Service Unavailable", "⚠️ Service Unavailable"),
    "internal": (500, "api_error", "Internal server error", "⚠️ Internal server error"),
    "auth": (401, "authentication_error", "invalid x-api-key", "⚠️ invalid x-api-key"),
    "billing": (
        402,
        "billing_error",
        "Your credit balance is too low to access the API",
        (
            "⚠️ API provider returned a billing error — your API key has run out of credits or has an insufficient balance. "
            "Check your provider's billing dashboard and top up or switch to a different API key."
        ),
    ),
}


#: failure -> the `status` text of Google's REST error body (google.rpc.Code names)
GOOGLE_STATUS = {
    "rate_limit": "RESOURCE_EXHAUSTED",
    "overloaded": "UNAVAILABLE",
    "unavailable": "UNAVAILABLE",
    "internal": "INTERNAL",
    "auth": "UNAUTHENTICATED",
    "billing": "FAILED_PRECONDITION",
}


def _body(failure: str) -> dict[str, Any]:
    _, kind, message, _ = FAILURES[failure]
    return {"type": "error", "error": {"type": kind, "message": message}}


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def shaped(failure: str, form: str, *, timeout_ms: int = 60_000) -> JSError:
    """The provider failure `failure` (`model.kinds.SHAPE_FAILURES`) as it reaches the driver in `form`
    (`HTTP_FORMS` for HTTP failures, `TIMEOUT_FORMS` for a timeout). Every node is kind `shaped`: which failure
    and form it is, the world records in its trace (`provider.fault`), never in the error a driver sees."""
    if failure == "timeout":
        return _timeout(form, timeout_ms)
    status, _, message, friendly = FAILURES[failure]
    body = _body(failure)
    k = "shaped"
    if form == "status":  # what the Anthropic SDK throws: `${status} ${body}` with the status
        return JSError(f"{status} {_text(body)}", name="APIError", status=status, kind=k)
    if form == "cause":
        inner = JSError(f"{status} {_text(body)}", name="APIError", status=status, kind=k)
        return JSError("LLM request failed", cause=inner, kind=k)
    if form == "response":  # axios-style: the status only under `response`
        return JSError(f"Request failed with status code {status}", kind=k, fields={"response": {"status": status, "data": body}})
    if form == "body":
        return JSError(_text(body), kind=k)
    if form == "stream":  # an `error` event after HTTP 200: no status, the parsed body as `error`
        detail = JSError(message, name="", kind=k, plain=True, fields={"type": body["error"]["type"]})
        return JSError(_text(body), kind=k, error=JSError("", name="", kind=k, plain=True, fields={"type": "error"}, error=detail))
    if form == "finish_reason":
        return JSError("Unhandled stop reason: error", kind=k)
    if form == "friendly":
        return JSError(friendly, kind=k)
    if form == "status_code":
        return JSError(message, kind=k, fields={"statusCode": status})
    if form == "status_string":
        return JSError(message, status=str(status), kind=k)
    if form == "plain":  # a thrown plain object, Google's REST shape: {error: {code: 429, status: "RESOURCE_EXHAUSTED", message}}
        inner = JSError(message, name="", code=status, status=GOOGLE_STATUS[failure], kind=k, plain=True)
        return JSError("", name="", kind=k, plain=True, error=inner)
    raise AssertionError(f"unknown form {form} for {failure}")


def _timeout(form: str, after_ms: int) -> JSError:
    k = "shaped"
    if form == "timeout_error":
        return JSError(f"Request timed out after {after_ms}ms", name="TimeoutError", kind=k)
    if form == "provider_abort":
        return JSError("aborted", name="AbortError", reason="deadline exceeded", kind=k)
    if form == "budget_abort":
        inner = JSError("The operation was aborted due to timeout", name="TimeoutError", kind=k)
        return JSError("This operation was aborted", name="AbortError", reason=inner, kind=k)
    if form == "request_aborted":
        return JSError("Request was aborted", name="AbortError", kind=k)
    if form == "etimedout":
        return JSError("read ETIMEDOUT", code="ETIMEDOUT", kind=k)
    if form == "idle":
        return JSError(f"LLM idle timeout ({after_ms // 1000}s): no response from model", kind=k)
    raise AssertionError(f"unknown form {form} for a timeout")


def forms_of(failure: str) -> tuple[str, ...]:
    """The forms a failure can take."""
    return TIMEOUT_FORMS if failure == "timeout" else HTTP_FORMS
