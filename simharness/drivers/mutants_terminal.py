"""Mutants of how a terminal error reaches the caller (issue 15, `terminal-stops`): the reference driver, which
stops at the right place, with one realistic bug each in what it then hands on. Registered at the end of
`mutants.py` (whose line numbers are in its mutants' reports).

Each wraps the reference: it watches what `run` threw and, when the reference ends the call with a terminal
error it recognises (a user abort, the command lane's timeout, a context overflow in the message or its
causes) — that error itself, or the reference's own error carrying it — it changes only what happens next.
The real releases hand on the object itself (user abort, lane timeout) or an error whose `cause` it is
(context overflow), and never report it to `onError` (probes/terminal/).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

import simpy

from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn, reference
from simharness.drivers import classifier as C
from simharness.drivers.recognize import format_error_message, is_command_lane_timeout

M = TypeVar("M")


def _overflow(raw: JSError) -> bool:
    return C.is_likely_context_overflow(format_error_message(raw))


def _terminal(raw: JSError) -> bool:
    """A terminal error as the reference recognises it (a missing harness is another invariant's)."""
    return is_command_lane_timeout(raw) or C.should_rethrow_abort(raw) or _overflow(raw)


def _carries(out: Any, raw: JSError) -> bool:
    seen: set[int] = set()
    node = out
    while isinstance(node, JSError) and id(node) not in seen:  # `cause` links only: how openclaw wraps it
        if node is raw:
            return True
        seen.add(id(node))
        node = node.cause
    return False


def _copy(err: JSError) -> JSError:
    """A field-for-field copy: the same name, message, status, code, links and own properties; another object."""
    return JSError(
        err.message,
        name=err.name,
        code=err.code,
        status=err.status,
        cause=err.cause,
        error=err.error,
        reason=err.reason,
        errors=err.errors,
        suppressed=err.suppressed,
        fields=dict(err.fields),
        plain=err.plain,
    )


def driver(how: str) -> DriverFn:
    """`how`: "copy" rethrows a copy; "onerror" reports it to onError before rethrowing; "uncaused" rethrows a
    context overflow as a fresh FailoverError that does not carry it."""

    def run_with_model_fallback(
        ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[simpy.Event, Any, Any]:
        thrown: list[tuple[int, JSError]] = []  # (chain index, what run threw)
        index = {tuple(c): i for i, c in enumerate(candidates)}

        def watched(provider: str, model: str, *args: Any, **kwargs: Any) -> Generator[simpy.Event, Any, Any]:
            try:
                return (yield from run(provider, model, *args, **kwargs))
            except JSError as raw:
                thrown.append((index.get((provider, model), -1), raw))
                raise

        try:
            return (yield from reference.run_with_model_fallback(ctx, candidates, watched, on_error))
        except JSError as out:
            if not thrown:
                raise
            i, raw = thrown[-1]
            if not _terminal(raw) or not _carries(out, raw):
                raise
            if how == "copy":
                raise _copy(out) from None
            if how == "onerror":
                provider, model = candidates[i] if i >= 0 else ("", "")
                on_error({"provider": provider, "model": model, "error": out, "attempt": i + 1, "total": len(candidates)})
                raise
            if how == "uncaused" and _overflow(raw):
                provider, model = candidates[i] if i >= 0 else ("", "")
                fields = {"reason": "context_overflow", "provider": provider, "model": model}
                raise JSError(out.message, name="FailoverError", status=out.status, fields=fields) from None
            raise

    return run_with_model_fallback


#: (name, description, the shipped scenario that exposes it, how).
SPECS: tuple[tuple[str, str, str, str], ...] = (
    (
        "terminal-copy",
        "stops at a user abort, a lane timeout or a context overflow but rethrows a field-for-field copy of it",
        "vocabulary",
        "copy",
    ),
    (
        "terminal-onerror",
        "reports a user abort, a lane timeout or a context overflow to onError before rethrowing it",
        "vocabulary",
        "onerror",
    ),
    (
        "terminal-overflow-uncaused",
        "rethrows a context overflow as a fresh FailoverError (reason context_overflow) that does not carry it",
        "vocabulary",
        "uncaused",
    ),
)


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`, which
    registers these at its end)."""
    return {name: make(name, description, "terminal-stops", scenario, driver(how)) for name, description, scenario, how in SPECS}
