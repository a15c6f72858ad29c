"""Drive a driver directly, without the world: `run` fails or succeeds as a script says (the ground-truth
experiments of DESIGN.md, the same shape as openclaw's own model-fallback tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simpy

from simharness.model.errors import JSError

CHAIN = [("openai", "gpt-a"), ("anthropic", "claude-b"), ("google", "gemini-c")]


@dataclass
class Outcome:
    runs: list[tuple[str, str]] = field(default_factory=list)
    on_errors: list[dict[str, Any]] = field(default_factory=list)
    value: Any = None
    error: JSError | None = None
    ended_at: float = 0


class _Ctx:
    def __init__(self, env: simpy.Environment) -> None:
        self.env, self.session, self.call_id = env, "session-1", 1

    def break_lock(self) -> None:
        pass


def drive(driver: Callable[..., Any], script: Callable[[int], Any] | Any, chain: list[tuple[str, str]] = CHAIN) -> Outcome:
    """`script(n)` gives the outcome of the n-th run (1-based): an exception is raised, anything else returned."""
    env = simpy.Environment()
    out = Outcome()

    def run(provider: str, model: str) -> Any:
        out.runs.append((provider, model))
        yield env.timeout(10)
        result = script(len(out.runs)) if callable(script) else script
        if isinstance(result, BaseException):
            raise result
        return result

    def call() -> Any:
        try:
            out.value = yield from driver(_Ctx(env), chain, run, out.on_errors.append)
        except JSError as err:
            out.error = err
        out.ended_at = env.now

    env.process(call())
    env.run()
    return out
