"""Public Hypothesis strategies for simharness data, and the Hypothesis profiles the project uses.

- `worlds()`       valid `Scenario`s: sessions, files, writers, provider faults, error wrapping
- `faults()`       a provider fault mix as a scenario's `faults` table: `{"rate_limit": 0.3, ...}`
- `error_graphs()` `JSError` graphs as SDKs and runtimes build them: `cause`/`error`/`reason` links,
                   AggregateError `errors[]`, SuppressedError, deep chains and cycles

    from hypothesis import given
    from simharness.strategies import error_graphs, worlds

    @given(error_graphs())
    def test_my_classifier_terminates(err): my_classify(err)

Profiles (`register_profiles()`, also run when this module is imported): `dev` (50 examples), `ci`
(derandomized, database off, deadline off), `nightly` (2000 examples, deadline off). Select one with
`settings.load_profile(name)` or pytest's `--hypothesis-profile=NAME`.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simharness.model import errors as E
from simharness.model.errors import JSError
from simharness.model.kinds import COORDINATION_WRAPS, PROVIDER_FAULTS, PROVIDER_WRAPS
from simharness.model.scenario import Scenario, parse_scenario

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {"max_examples": 50},
    "ci": {
        "max_examples": 100,
        "derandomize": True,
        "database": None,
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow],
    },
    "nightly": {"max_examples": 2000, "deadline": None},
}


def register_profiles() -> None:
    """Register the `dev`, `ci` and `nightly` Hypothesis profiles, each unless a profile of that name is already
    registered: importing simharness never replaces a user's own `ci` (idempotent)."""
    for name, options in PROFILES.items():
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(name, **options)


register_profiles()

_FAULTS = tuple(f for f in PROVIDER_FAULTS if f != "success")


def faults(*, kinds: tuple[str, ...] = _FAULTS, max_total: float = 1.0) -> st.SearchStrategy[dict[str, float]]:
    """A provider fault mix (at least one kind): fault kind -> probability per request, adding up to at most `max_total`."""

    @st.composite
    def mix(draw: st.DrawFn) -> dict[str, float]:
        chosen = draw(st.lists(st.sampled_from(kinds), unique=True, min_size=1, max_size=len(kinds)))
        weights = [draw(st.integers(1, 100)) for _ in chosen]
        total = draw(st.integers(0, 100)) / 100 * max_total
        scale = sum(weights) or 1
        return {k: math.floor(total * w / scale * 10_000) / 10_000 for k, w in zip(chosen, weights)}  # rounded down: sum <= total

    return mix()


def _weights(options: tuple[str, ...]) -> st.SearchStrategy[dict[str, float]]:
    return st.lists(st.sampled_from(options), unique=True, min_size=1, max_size=len(options)).map(
        lambda chosen: {k: round(1.0 / len(chosen), 4) for k in chosen}
    )


_MS = st.integers(0, 5_000)


@st.composite
def _world_data(draw: st.DrawFn, max_sessions: int) -> dict[str, Any]:
    sessions = draw(st.integers(1, max_sessions))
    files = draw(st.integers(1, sessions))
    chain = draw(st.lists(st.sampled_from(["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"]), unique=True, min_size=1))
    data: dict[str, Any] = {
        "name": "generated",
        "world": {
            "sessions": sessions,
            "files": files,
            "chain": chain,
            "session_start_ms": draw(st.lists(_MS, min_size=1, max_size=3)),
            "lock_timeout_ms": draw(st.sampled_from([3_000, 10_000, 60_000])),
            "max_steps": 20_000,
        },
        "providers": {"*": {"latency_ms": draw(st.lists(st.integers(1, 3_000), min_size=1, max_size=3)), "faults": draw(faults())}},
        "wrapping": {"coordination": draw(_weights(COORDINATION_WRAPS)), "provider": draw(_weights(PROVIDER_WRAPS))},
    }
    writers = draw(st.integers(0, 2))
    if writers:
        data["writers"] = [
            {
                "name": f"w{i + 1}",
                "kind": draw(st.sampled_from(["append", "rewrite"])),
                "delay_ms": draw(st.lists(_MS, min_size=1, max_size=3)),
                "hold_ms": draw(st.lists(st.integers(1, 15_000), min_size=1, max_size=2)),
                "writes": draw(st.integers(1, 3)),
            }
            for i in range(writers)
        ]
    return data


def worlds(*, max_sessions: int = 4) -> st.SearchStrategy[Scenario]:
    """Valid scenarios (small enough to run in milliseconds): what `simharness run` would accept from a file."""
    return _world_data(max_sessions).map(lambda data: parse_scenario(data, "<generated>"))


_LEAVES: dict[str, Any] = {
    "takeover": lambda: E.session_takeover("sess-a.jsonl"),
    "lock_timeout": lambda: E.session_write_lock_timeout(60_000, "pid=gateway", "sess-a.jsonl.lock"),
    "rate_limit": lambda: E.rate_limit(),
    "overloaded": E.overloaded,
    "stream_overloaded": E.stream_overloaded,
    "server_error": E.server_error,
    "auth": E.auth_error,
    "billing": E.billing_error,
    "timeout": lambda: E.request_timeout(60_000),
    "context_overflow": E.context_overflow,
    "plain": lambda: JSError("something went wrong"),
}
_LINKS = ("cause", "error", "reason", "errors", "suppressed", "abort")


@st.composite
def _graph(draw: st.DrawFn, leaves: tuple[str, ...], max_depth: int, cycles: bool) -> JSError:
    root: JSError = _LEAVES[draw(st.sampled_from(leaves))]()
    nodes = [root]
    for _ in range(draw(st.integers(0, max_depth))):
        link = draw(st.sampled_from(_LINKS))
        inner = nodes[-1]
        outer = E.abort_error(reason=inner) if link == "abort" else E.wrap(inner, link=link, message=f"layer: {inner.message}")
        nodes.append(outer)
    if cycles and len(nodes) > 1 and draw(st.booleans()):
        # close a cycle: a node deep down links back up (SDKs linking request and response errors)
        low = draw(st.integers(0, len(nodes) - 2))
        high = draw(st.integers(low + 1, len(nodes) - 1))
        link = draw(st.sampled_from(("cause", "error", "reason")))
        if getattr(nodes[low], link) is None:
            setattr(nodes[low], link, nodes[high])
    return nodes[-1]


def error_graphs(*, leaves: tuple[str, ...] = tuple(_LEAVES), max_depth: int = 30, cycles: bool = True) -> st.SearchStrategy[JSError]:
    """Error graphs: a leaf error (takeover, lock timeout, provider faults, ...) wrapped up to `max_depth`
    times by `cause`/`error`/`reason` links, AggregateErrors, SuppressedErrors and AbortErrors, with an
    optional back link that makes a cycle. The outermost error is drawn; `E.walk` visits every node."""
    unknown = [x for x in leaves if x not in _LEAVES]
    if unknown:
        raise ValueError(f"error_graphs: unknown leaf kinds {unknown} (known: {', '.join(_LEAVES)})")
    return _graph(tuple(leaves), max_depth, cycles)
