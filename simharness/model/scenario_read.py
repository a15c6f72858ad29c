"""Reading a scenario's TOML tables: typed getters that name the file and dotted key in every error.

Split from `model.scenario` (the records and the parser) so that each stays small; `scenario` uses these
helpers, nothing here knows the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from simharness.model.exceptions import ScenarioError
from simharness.model.suggest import did_you_mean

MAX_MS = 24 * 3600 * 1000  # one virtual day: anything longer is a typo, not a scenario


# --- the reader -----------------------------------------------------------------------------------------


class Reader:
    """Typed access to one TOML table; each getter names file and dotted key in its error."""

    def __init__(self, where: str, table: Mapping[str, Any], prefix: str = "") -> None:
        self.where, self.table, self.prefix = where, table, prefix
        self.used: set[str] = set()

    def fail(self, key: str, expected: str, got: Any = None) -> ScenarioError:
        shown = "" if got is None else f", got {show(got)}"
        return ScenarioError(f"{self.where}: {self.prefix}{key}: expected {expected}{shown}")

    def get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        return self.table.get(key, default)

    def integer(self, key: str, default: int, lo: int = 0, hi: int = MAX_MS) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(key, f"an integer from {lo} to {hi}", value)
        return value

    def integers(self, key: str, default: tuple[int, ...], lo: int = 0, hi: int = MAX_MS) -> tuple[int, ...]:
        value = self.get(key, list(default))
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        ok = isinstance(value, list) and 0 < len(value) <= 64
        if not ok or any(isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi for v in value):
            raise self.fail(key, f"an integer or a list of 1-64 integers from {lo} to {hi}", value)
        return tuple(value)

    def string(self, key: str, default: str, choices: Sequence[str] | None = None) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or (choices is not None and value not in choices):
            hint = did_you_mean(value, choices) if isinstance(value, str) and choices else ""
            raise ScenarioError(str(self.fail(key, "one of " + ", ".join(choices) if choices else "a string", value)) + hint)
        if len(value) > 2000:
            raise self.fail(key, "a string of at most 2000 characters")
        return value

    def weights(self, key: str, default: tuple[tuple[str, float], ...], allowed: Sequence[str]) -> tuple[tuple[str, float], ...]:
        value = self.get(key, None)
        if value is None:
            return default
        if not isinstance(value, dict) or not value:
            raise self.fail(key, "a table of {name = probability}", value)
        out = []
        for name, p in value.items():
            if name not in allowed:
                raise ScenarioError(
                    str(self.fail(f"{key}.{name}", "a known name (" + ", ".join(allowed) + ")")) + did_you_mean(name, allowed)
                )
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
                raise self.fail(f"{key}.{name}", "a probability from 0 to 1", p)
            out.append((name, float(p)))
        return tuple(out)

    def table_of(self, key: str) -> Mapping[str, Any]:
        value = self.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "a table", value)
        return value

    def reject_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            hint = did_you_mean(unknown[0], self.used)
            raise ScenarioError(f"{self.where}: {self.prefix}{unknown[0]}: unknown key{hint} (known: {', '.join(sorted(self.used))})")


def total_text(weights: Iterable[tuple[str, float]]) -> str:  # shown in an error; never decides a choice
    return f"{sum(p for _, p in weights):.6g}"


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def candidate(where: str, i: int, entry: Any) -> tuple[str, str]:
    # a model id may hold slashes of its own: OpenRouter's are `vendor/model` (openrouter/deepseek/deepseek-r1), and
    # releases from 2026.6 on prefix an OpenRouter id that has none with `openrouter/` before calling `run`
    if isinstance(entry, str) and "/" in entry and all(entry.split("/")):
        provider, model = entry.split("/", 1)
        return provider, model
    raise ScenarioError(f'{where}: world.chain[{i}]: expected "provider/model", got {show(entry)}')


def relative(r: Reader, key: str, default: tuple[tuple[str, float], ...], allowed: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """A table of relative weights (each 0-1) of which at least one is positive."""
    weights = r.weights(key, default, allowed)
    if not any(p > 0 for _, p in weights):
        raise r.fail(key, "at least one positive weight", dict(weights))
    return weights
