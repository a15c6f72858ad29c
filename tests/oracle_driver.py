"""A tiny driver that follows the oracle (ground truth) exactly: what a correct driver does on every shape.

It reads the world's `kind` labels through `category_of`, which no real driver can; it exists so the world,
scenarios and swarm can be tested against *a* correct driver while the reference is being rewritten.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from simharness.check.oracle import EXPECTED_REASON, category_of, root_kind
from simharness.model.errors import JSError


def oracle_driver(ctx: Any, candidates: Sequence[tuple[str, str]], run: Any, on_error: Any) -> Generator[Any, Any, Any]:
    attempts: list[str] = []
    last: JSError | None = None
    for i, (provider, model) in enumerate(candidates):
        try:
            return (yield from run(provider, model))
        except JSError as err:
            if category_of(err) in ("coordination", "terminal"):
                raise  # the same object, before any bookkeeping
            last = err
            attempts.append(f"{provider}/{model}: {err.message} ({EXPECTED_REASON.get(root_kind(err), 'unknown')})")
            on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)})
    if len(attempts) <= 1 and last is not None:
        raise last
    raise JSError(f"All models failed ({len(attempts)}): " + " | ".join(attempts), name="FallbackSummaryError", kind="summary")
