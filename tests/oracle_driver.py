"""A tiny driver that follows the oracle (ground truth) exactly: what a correct driver does on every shape.

It reads the world's `kind` labels through `category_of`, which no real driver can; it exists so the world,
scenarios and swarm can be tested against *a* correct driver while the reference is being rewritten.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from simharness.check.oracle import category_of, expected_reason
from simharness.model.errors import JSError


def oracle_driver(ctx: Any, candidates: Sequence[tuple[str, str]], run: Any, on_error: Any) -> Generator[Any, Any, Any]:
    attempts: list[str] = []
    last: JSError | None = None
    i = 0
    while i < len(candidates):
        provider, model = candidates[i]
        try:
            return (yield from run(provider, model))
        except JSError as err:
            category = category_of(err)
            if category in ("coordination", "terminal"):
                raise  # the same object, before any bookkeeping
            if category == "switch":  # a live model switch: to its target when it lies ahead, never onError
                target = (err.fields.get("provider"), err.fields.get("model"))
                ahead = [j for j in range(i + 1, len(candidates)) if tuple(candidates[j]) == target]
                if ahead:
                    i = ahead[0]
                    continue
                last = JSError(err.message, name="FailoverError", kind="summary")  # an unknown failure, not the switch
                attempts.append(f"{provider}/{model}: {err.message} (unknown)")
                i += 1
                continue
            if err.kind == "no_body" and i == len(candidates) - 1:
                raise  # unclassified on the last candidate: rethrown as it is (failover-advances)
            last = err
            attempts.append(f"{provider}/{model}: {err.message} ({expected_reason(err)})")
            on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)})
        i += 1
    if len(attempts) <= 1 and last is not None:
        raise last
    raise JSError(f"All models failed ({len(attempts)}): " + " | ".join(attempts), name="FallbackSummaryError", kind="summary")
