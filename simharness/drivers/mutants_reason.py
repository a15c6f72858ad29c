"""Mutants that fall back exactly as the reference does but name a wrong reason in the "All models failed"
summary (issue 15, `summary-honest` for openclaw's vocabulary), kept out of mutants.py so that file's
`at mutants.py:N` line numbers stay put; registered with one line at its end.

Every decision (which candidate runs, what `onError` hears, what the caller gets) is the reference's: only the
reason text of a summary entry changes, so no invariant but `summary-honest` can see them — the false green it
closes (README, "Known ways a wrong Python driver still gets a green"). The expected reasons are
`check.oracle.ACCEPTED_REASONS`, measured on every release 2026.5.18-2026.9.6 (probes/reason/).

- `reason-from-status-only`: the summary's reason is read from a top-level numeric `status` alone (429 rate_limit,
  401/403 auth, 402 billing, 529 overloaded, other 5xx timeout); every other shape is "unknown" — a 429 behind a
  `cause`, as a JSON body, a stream event, a plain object or openclaw's friendly text, a network code, a
  message-only failure.
- `network-reason`: Node network codes get a reason of their own, "network", which openclaw does not have (it
  names them `timeout`, and `timeout` is what cooldown and probe logic key on).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from simharness.drivers import CallContext, Candidate, DriverFn, JSError, OnErrorFn, RunFn, reference
from simharness.drivers.openclaw_2026_5_20 import summary_error

M = TypeVar("M")

#: A reason for the error `run` raised, or None to keep the reference's.
Rename = Callable[[JSError], str | None]

_BY_STATUS = {429: "rate_limit", 401: "auth", 403: "auth", 402: "billing", 529: "overloaded"}


def _status_only(err: JSError) -> str | None:
    status = err.status
    if isinstance(status, int) and not isinstance(status, bool):
        return _BY_STATUS.get(status, "timeout" if 500 <= status < 600 else "unknown")
    return "unknown"  # the bug: no status, no reason


def _network(err: JSError) -> str | None:
    code = err.code
    if isinstance(code, str) and code.startswith("E") and code.isupper() and err.status is None:
        return "network"  # the bug: a reason openclaw's vocabulary does not have
    return None


def _renaming(rename: Rename) -> DriverFn:
    """The reference, except that its summary is rebuilt with `rename`'s reason for each attempt it flags."""

    def run_with_model_fallback(
        ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[Any, Any, Any]:
        raised: dict[str, JSError] = {}

        def watched(provider: str, model: str, **options: Any) -> Generator[Any, Any, Any]:
            try:
                return (yield from run(provider, model, **options))
            except JSError as err:
                raised[f"{provider}/{model}"] = err
                raise

        try:
            return (yield from reference.run_with_model_fallback(ctx, candidates, watched, on_error))
        except JSError as err:
            records = err.fields.get("attempts") if err.name == "FallbackSummaryError" else None
            if not records:
                raise
            attempts = []
            for r in records:
                cause = raised.get(f"{r['provider']}/{r['model']}")
                reason = (rename(cause) if cause is not None else None) or r["reason"]
                attempts.append((r["provider"], r["model"], r["error"], reason, r.get("status"), r.get("code")))
            raise summary_error(attempts, err.cause, len(candidates)) from None

    return run_with_model_fallback


SPECS: tuple[tuple[str, str, str, Rename], ...] = (
    (
        "reason-from-status-only",
        (
            "names a summary entry's reason from a top-level status only: a 429 behind a cause, in a JSON body, a stream "
            "event, a plain object or friendly text is 'unknown' (it still falls back)"
        ),
        "same-failure-shapes",
        _status_only,
    ),
    (
        "network-reason",
        "names a Node network code's summary entry 'network', a reason openclaw does not have (it says 'timeout')",
        "vocabulary",
        _network,
    ),
)


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`)."""
    return {name: make(name, text, "summary-honest", scenario, _renaming(rename)) for name, text, scenario, rename in SPECS}
