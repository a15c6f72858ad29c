"""Mutants of how a driver treats a Node network code without a status and an HTTP 400/422 with no body
(issue 15, `failover-advances`), kept out of mutants.py so that file's `at mutants.py:N` line numbers stay put;
registered by its `_later()`.

The contract (probes/network/, every release 2026.5.18–2026.9.6 alike; openclaw's tests "falls back on
ECONNREFUSED ..."): a network code is a timeout and falls back, ending the exhausted chain as a failover; a
bodiless 400/422 is unclassified, falls back while candidates remain and is rethrown as it is on the last.
Each mutant is the reference driver with one realistic bug:

- `stop-on-network`: "the network is down, another model will not help": the network error is rethrown at once
  (where the reference reports it to `onError` and goes on), the very error `run` raised.
- `stop-on-bodiless`: "a 4xx is the caller's fault, no model can fix it": a bodiless 400/422 ends the call the
  same way, with candidates left.
- `stop-on-timeout`: "a timed-out request may still be running: another model would be billed twice": a request
  or idle timeout ends the call with candidates left.
- `network-unclassified`: a classifier with no network-code table (a code is not a status): every code is an
  unknown failure, so on the last candidate the raw network error reaches the caller, unreported, instead of
  the timeout failover (it still falls back while candidates remain, as any unknown failure does).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn, reference
from simharness.drivers.mutants_shapes import remembering, stops_on

M = TypeVar("M")

#: Node's network error codes the mutants recognise (a driver sees `code`, never the world's `kind`).
NETWORK_CODES = frozenset({"ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"})


def is_network(err: JSError) -> bool:
    """A Node network error: a string `code` Node uses for a failed socket or lookup, and no HTTP status."""
    return isinstance(err.code, str) and err.code in NETWORK_CODES and err.status is None


def is_bodiless(err: JSError) -> bool:
    """An HTTP 400/422 whose message says the response had no body."""
    text = err.message.lower()
    return err.status in (400, 422) and ("no body" in text or "no response body" in text)


def is_timeout(err: JSError) -> bool:
    """A request or idle timeout as its top-level error tells it: a TimeoutError, or "timed out" / "idle timeout"
    in a message with no HTTP status."""
    text = err.message.lower()
    return err.status is None and (err.name == "TimeoutError" or "timed out" in text or "idle timeout" in text)


def network_unclassified(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Generator[Any, Any, Any]:
    """The reference with no network-code table: a network failure on the last candidate is an unknown error,
    rethrown raw and unreported (openclaw's rule for what it cannot classify), not a timeout failover."""
    last: list[JSError] = []

    def report(attempt: dict[str, Any]) -> None:
        if last and is_network(last[0]) and attempt.get("attempt") == attempt.get("total"):
            raise last[0]  # unclassified on the last candidate: rethrown as it is, before any report
        on_error(attempt)

    try:
        return (yield from reference.run_with_model_fallback(ctx, candidates, remembering(run, last), report))
    except JSError as err:
        if last and is_network(last[0]) and err is not last[0]:
            raise last[0] from None  # the summary (or coerced FailoverError) it would not have built
        raise


SPECS: tuple[tuple[str, str, DriverFn], ...] = (
    (
        "stop-on-network",
        (
            "takes a Node network code (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ENOTFOUND, ...) for an outage no other model can "
            "route around and rethrows it with candidates left (openclaw falls back: a timeout)"
        ),
        stops_on(is_network),
    ),
    (
        "stop-on-bodiless",
        (
            "takes an HTTP 400/422 with no body for the caller's own bad request and rethrows it with candidates left "
            "(openclaw falls back while candidates remain, and rethrows it raw only on the last)"
        ),
        stops_on(is_bodiless),
    ),
    (
        "stop-on-timeout",
        (
            "takes a request or idle timeout for a request that may still be running and rethrows it with candidates left, "
            '"so another model is not billed twice" (openclaw falls back on a timeout)'
        ),
        stops_on(is_timeout),
    ),
    (
        "network-unclassified",
        (
            "has no network-code table: a network failure is an unknown error, so on the last candidate the raw error reaches "
            "the caller instead of a timeout failover"
        ),
        network_unclassified,
    ),
)


#: The shipped scenario that exposes each mutant when it is not scenarios/vocabulary.toml (its network codes and
#: bodiless errors): the world's request and idle timeouts are mixed-faults'.
SCENARIOS = {"stop-on-timeout": "mixed-faults"}


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`)."""
    return {name: make(name, text, "failover-advances", SCENARIOS.get(name, "vocabulary"), driver) for name, text, driver in SPECS}
