"""JS-like error objects: the currency between the world, drivers and invariants.

A `JSError` mirrors a JavaScript value as openclaw's classifier sees it: `name`, `message`, optional
`code`/`status`, and the links SDKs use to wrap errors (`cause`, `error`, `reason`, `errors[]` of an
AggregateError, `suppressed` of a SuppressedError). Links may form cycles. Identity matters (the driver must
rethrow *the very same object*), so equality is identity.

JS allows any value anywhere, and real SDK errors use that (`code: 429`, `status: "RESOURCE_EXHAUSTED"`):
- `code` is `str | int | None`, `status` is `int | str | None`;
- every other own property of the JS object lives in `fields` as JSON values (`statusCode`, `provider`,
  `model`, `detail`, `retryAfter`, ...; a registered symbol key `Symbol.for("k")` is the field "Symbol.for(k)");
- a link (`cause`, `error`, `reason`, `suppressed`, an `errors[]` entry) holds a JSError or a primitive (an
  AbortError's string `reason`, a number);
- a JS plain object that is not an Error instance (`{error: {code: 429}}`) is `plain=True` (`instanceof
  Error` is false for it); its `name`/`message` are "" when the literal had none;
- a thrown primitive (`throw "boom"`) is `JSError.primitive("boom")`: Python can only raise exceptions, so the
  thrown value travels in `.value`; the bridge throws the primitive itself.

`kind` is ground truth the world attaches when it builds an error ("takeover", "lock_timeout",
"rate_limit", ...). Drivers must never read it (real drivers cannot); invariants and the oracle do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simharness.model.kinds import LINKS

#: A JS primitive as JSON carries it (`undefined` is absence: None).
Primitive = str | int | float | bool | None

_NO_VALUE: Any = object()  # `JSError.value` of every object that is not a thrown primitive


class JSError(Exception):
    """A JavaScript-style error (or plain object, or thrown primitive). Raise it from `run`; drivers catch
    and rethrow it."""

    #: The caller's abort signal fired before this error reached the driver (a user stopped the run). Not a
    #: property of the JS object: the Node bridge aborts the `abortSignal` it gave `runWithModelFallback` (openclaw
    #: >= 2026.6.34 tells a user abort by that signal, not by the error). Like `kind`, the world's to set.
    caller_aborted: bool = False
    #: What the world built beyond `kind`, as its `provider.fault` records it (a shaped failure's `failure` and
    #: `form`): ground truth for `check.oracle.expected_reason`, never part of the JS object. The world's to set.
    truth: dict[str, Any] | None = None

    # Not slotted: Exception subclasses keep a __dict__ anyway, and tests attach extra fields.
    def __init__(
        self,
        message: str = "",
        *,
        name: str = "Error",
        code: str | int | None = None,
        status: int | str | None = None,
        cause: Any = None,
        error: Any = None,
        reason: Any = None,
        errors: list[Any] | None = None,
        suppressed: Any = None,
        kind: str = "plain",
        fields: dict[str, Any] | None = None,
        plain: bool = False,
    ) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.code = code
        self.status = status
        self.cause = cause
        self.error = error
        self.reason = reason
        self.errors = errors
        self.suppressed = suppressed
        self.kind = kind
        self.fields: dict[str, Any] = dict(fields or {})
        self.plain = plain
        self.value: Any = _NO_VALUE

    @classmethod
    def primitive(cls, value: Primitive, *, kind: str = "plain") -> JSError:
        """A thrown non-Error value (`throw "boom"`, `throw 42`): no name, no message (JS reads `undefined`
        there), `plain` (not an Error instance), the thrown value in `.value`."""
        err = cls("", name="", kind=kind, plain=True)
        err.value = value
        return err

    @property
    def is_primitive(self) -> bool:
        """True for a thrown primitive (`JSError.primitive`): the JS value is `.value`, not an object."""
        return self.value is not _NO_VALUE

    # Identity semantics: Exception already hashes/compares by identity; say so explicitly.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        if self.is_primitive:
            return f"<thrown {self.value!r}>"
        extra = "".join(f" {k}={v!r}" for k, v in (("code", self.code), ("status", self.status)) if v is not None)
        label = f"{self.name or 'Object'} (plain)" if self.plain else self.name
        return f"<{label}{extra}: {self.message}>"

    def __str__(self) -> str:
        return str(self.value) if self.is_primitive else self.message

    def links(self) -> Iterator[tuple[str, Any]]:
        """(link, target) pairs in a fixed order; `errors[]` entries are named `errors[i]`. Targets may be
        JSErrors or primitives."""
        for link in LINKS:
            target = getattr(self, link)
            if target is not None:
                yield link, target
        for i, target in enumerate(self.errors or ()):
            yield f"errors[{i}]", target


def walk(err: Any, *, links: tuple[str, ...] = LINKS + ("errors",), max_depth: int | None = None) -> Iterator[JSError]:
    """Every JSError reachable from `err` (depth-first, each once, cycle-safe).

    Plain objects (`plain=True`) are yielded: they are nodes of the graph a JS classifier walks (`err.error`
    of an SDK error is often a plain `{code, message}`). Primitives (a string `reason`) are not: they are
    leaves with no links; read them from their parent's link.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(err, 0)]
    direct = [link for link in LINKS if link in links]  # the children `node.links()` would give, in its order
    with_errors = "errors" in links
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, JSError) or id(node) in seen:
            continue
        if max_depth is not None and depth > max_depth:
            continue
        seen.add(id(node))
        yield node
        children = [t for t in [getattr(node, link) for link in direct] if t is not None]
        if with_errors and node.errors:
            children.extend(node.errors)
        stack.extend((child, depth + 1) for child in reversed(children))


# --- constructors: the error shapes of openclaw and the SDKs it wraps -----------------------------------


def session_write_lock_timeout(timeout_ms: int, owner: str, lock_path: str) -> JSError:
    return JSError(
        f"session file locked (timeout {timeout_ms}ms): {owner} {lock_path}",
        name="SessionWriteLockTimeoutError",
        code="OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT",
        kind="lock_timeout",
        fields={"timeoutMs": timeout_ms, "owner": owner, "lockPath": lock_path},
    )


def session_takeover(session_file: str) -> JSError:
    return JSError(
        f"session file changed while embedded prompt lock was released: {session_file}",
        name="EmbeddedAttemptSessionTakeoverError",
        kind="takeover",
        fields={"sessionFile": session_file},
    )


def rate_limit(*, body: str = "RESOURCE_EXHAUSTED", retry_after_s: int | None = None, cause: Any = None) -> JSError:
    """HTTP 429 as Google/OpenAI SDKs raise it (`HTTP 429:` prefix, status and provider code)."""
    fields = {"retryAfter": retry_after_s} if retry_after_s is not None else {}
    code = "RESOURCE_EXHAUSTED" if body == "RESOURCE_EXHAUSTED" else "rate_limit_exceeded"
    return JSError(
        f"HTTP 429: {body}: quota exceeded, retry later",
        name="APIError",
        status=429,
        code=code,
        cause=cause,
        kind="rate_limit",
        fields=fields,
    )


def stream_overloaded() -> JSError:
    """An overload reported inside a streaming response: message only, no status, no code (no explicit metadata)."""
    return JSError('stream error: {"type":"overloaded_error","message":"Overloaded"}', kind="stream_overloaded")


def overloaded(status: int = 529) -> JSError:
    return JSError(f"HTTP {status}: overloaded_error: Overloaded", name="APIError", status=status, kind="overloaded")


def server_error(status: int = 503) -> JSError:
    return JSError(f"HTTP {status}: service unavailable", name="APIError", status=status, kind="server_error")


def auth_error(status: int = 401) -> JSError:
    return JSError(f"HTTP {status}: invalid x-api-key", name="AuthenticationError", status=status, kind="auth")


def billing_error() -> JSError:
    return JSError(
        "HTTP 402: insufficient credits, please check your plan and billing details",
        name="APIError",
        status=402,
        kind="billing",
    )


def request_timeout(after_ms: int) -> JSError:
    return JSError(f"Request timed out after {after_ms}ms", name="TimeoutError", kind="timeout")


def idle_timeout(after_ms: int) -> JSError:
    return JSError(f"LLM idle timeout ({after_ms // 1000}s): no response from model", name="Error", kind="timeout")


def context_overflow() -> JSError:
    return JSError(
        "context length exceeded: prompt is too long: 212000 tokens > 200000 maximum",
        name="APIError",
        status=400,
        kind="context_overflow",
    )


def abort_error(reason: Any = None) -> JSError:
    return JSError("This operation was aborted", name="AbortError", reason=reason, kind="abort")


def coordination_error(kind: str, detail: str) -> JSError:
    """A runtime coordination error as the release that defines it builds it: its `name`, message and `code`
    (`detail` fills the message's variable part). Shapes from the published dists (docs/coordination-errors.md)."""
    owner, _, path = detail.partition(" ")
    # kind -> (name, message, code, fields)
    names: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
        "gateway_draining": ("GatewayDrainingError", "Gateway is draining; new tasks are not accepted", None, {}),
        "worker_runner_unavailable": (
            "WorkerRunnerUnavailableError",
            "The device runner is offline. Reconnect it, retry later, or bring the session back to this gateway.",
            "runner-offline",
            {},
        ),
        "worker_runner_capacity": ("WorkerRunnerCapacityError", "device worker capacity remained full", "WORKER_CAPACITY_EXHAUSTED", {}),
        "active_turn_claim": ("ActiveTurnClaimError", f"Session {owner} already has an active turn claim", None, {}),
        "session_superseded": ("AgentHarnessSessionSupersededError", f"agent harness session superseded: {detail}", None, {}),
        "worker_workspace_reconciliation": (
            "WorkerWorkspaceReconciliationError",
            f"Cloud worker workspace recovery could not complete: {detail}",
            None,
            {},
        ),
        "transcript_claim_rebound": (
            "SessionTranscriptWriterClaimReboundError",
            "session writer claim changed before transcript persistence",
            None,
            {},
        ),
        # No class: openclaw builds an Error named AbortError and recognises it by code alone.
        "stale_lifecycle": ("AbortError", "Agent run belongs to a stale gateway lifecycle", "ERR_STALE_GATEWAY_LIFECYCLE", {}),
        "harness_preflight": (
            "AgentHarnessPreflightError",
            (
                "The pinned runtime's native session ownership is unavailable. "
                "Reattach the original native session instead of starting a replacement model run."
            ),
            None,
            {},
        ),
        "lock_stale": (
            "SessionWriteLockStaleError",
            f"session file lock stale (dead-pid): {owner} {path}.lock",
            "OPENCLAW_SESSION_WRITE_LOCK_STALE",
            {"owner": owner, "lockPath": f"{path}.lock", "staleReasons": ["dead-pid"]},
        ),
        "session_file_owner_timeout": (
            "EmbeddedAttemptSessionFileOwnerTimeoutError",
            f"timed out waiting for embedded session file owner after 60000ms: {path or detail}",
            None,
            {"sessionFile": path or detail, "timeoutMs": 60000},
        ),
    }
    name, message, code, fields = names[kind]
    return JSError(message, name=name, code=code, kind=kind, fields=fields)


def explicit_wrapping(outer: str, inner: JSError, link: str, *, retry_after_s: int | None = None) -> JSError:
    """An explicit-metadata provider error holding `inner` (any coordination error) behind `link`: the
    reviewer's case on PR #83550 (`rate_limit_nested_lock`) generalised to every outer, kind and link."""
    if outer == "rate_limit":
        err = rate_limit(retry_after_s=retry_after_s)
    elif outer == "overloaded":
        err = overloaded()
    elif outer == "server_error":
        err = server_error()
    else:
        raise AssertionError(f"unknown explicit outer {outer}")
    if link == "errors":
        err.errors = [inner]
    elif link in ("cause", "error", "reason"):
        setattr(err, link, inner)
    else:
        raise AssertionError(f"unknown explicit link {link}")
    return err


def wrap(inner: Any, *, link: str = "cause", message: str | None = None, name: str = "Error") -> JSError:
    """A plain wrapper error as runtimes and SDKs add them (`new Error(msg, {cause})`, `{error}`, `{reason}`)."""
    text = message if message is not None else f"embedded run failed: {getattr(inner, 'message', inner)}"
    if link == "errors":
        return JSError(text, name="AggregateError", errors=[inner], kind="wrapper")
    if link == "suppressed":
        return JSError(text, name="SuppressedError", suppressed=inner, kind="wrapper")
    return JSError(text, name=name, kind="wrapper", **{link: inner})


def describe(err: Any, *, limit: int = 6) -> str:
    """One line a human can read: `AbortError ⟶reason SessionWriteLockTimeoutError`."""
    if not isinstance(err, JSError) or err.is_primitive:
        return repr(err)
    parts = [err.name]
    node: Any = err
    seen = {id(err)}
    for _ in range(limit):
        nxt = next(((name, t) for name, t in node.links() if isinstance(t, JSError)), None)
        if nxt is None:
            break
        name, node = nxt
        if id(node) in seen:
            parts.append(f"--{name}--> (cycle)")
            break
        seen.add(id(node))
        parts.append(f"--{name}--> {node.name}")
    return " ".join(parts)
