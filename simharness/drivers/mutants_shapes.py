"""Mutants that decide by an error's shape instead of its failure (`same-failure-same-decision`), kept out of
mutants.py so that file's `at mutants.py:N` line numbers stay put; registered with one line at its end.

Each is the reference driver with one realistic shape-dependent bug from openclaw's tracker: a status-less JSON
body taken for a failure no other model can fix (Anthropic-shaped bodies classifying as null), and every
AbortError taken for the user's stop (a provider's abort or the run's own deadline is a timeout: fall back).
The bug stops the chain where the reference would fall back: the flagged error is rethrown in place of the
`onError` report that precedes the next candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn, reference

M = TypeVar("M")


def _json_body(err: JSError) -> bool:
    return err.message.lstrip().startswith("{")  # the bug: "a bare JSON body is a malformed request"


def _any_abort(err: JSError) -> bool:
    return err.name == "AbortError"  # the bug: every abort is the user's


def remembering(run: RunFn, last: list[JSError]) -> RunFn:
    """`run`, keeping in `last` the failure of the latest attempt (empty after a success)."""

    def watched(provider: str, model: str, **options: Any) -> Generator[Any, Any, Any]:
        last.clear()
        try:
            return (yield from run(provider, model, **options))
        except JSError as err:
            last.append(err)
            raise

    return watched


def stops_on(flagged: Callable[[JSError], bool]) -> DriverFn:
    """The reference, except that a flagged failure is rethrown where the reference would report it and go on."""

    def run_with_model_fallback(
        ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[Any, Any, Any]:
        last: list[JSError] = []

        def report(attempt: dict[str, Any]) -> None:
            if last and flagged(last[0]):
                raise last[0]  # stops the chain: the very error `run` raised reaches the caller
            on_error(attempt)

        return (yield from reference.run_with_model_fallback(ctx, candidates, remembering(run, last), report))

    return run_with_model_fallback


SPECS: tuple[tuple[str, str, Callable[[JSError], bool]], ...] = (
    (
        "json-body-stops",
        (
            "takes a status-less JSON error body for a request no model can serve and stops the chain (the same failure with a "
            "status falls back)"
        ),
        _json_body,
    ),
    (
        "every-abort-is-the-user",
        (
            "takes every AbortError for the user's stop: a provider's abort or the run's own deadline ends the chain (the "
            "same timeout as a TimeoutError falls back)"
        ),
        _any_abort,
    ),
)


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`)."""
    return {name: make(name, text, "same-failure-same-decision", "same-failure-shapes", stops_on(flag)) for name, text, flag in SPECS}
