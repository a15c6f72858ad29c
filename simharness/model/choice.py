"""The choice source: every nondeterministic decision of a run goes through one of these.

A run is a pure function of (scenario, target, choice sequence). A choice is an index into a list of named
options; the sequence of indices is what a schedule file stores and what replay feeds back. Index 0 is
always the *simplest* option (no fault, no delay, first in line), so a shorter or zeroed sequence is a
simpler run — the property shrinking relies on (the Hypothesis choice-sequence idea).

Strategies differ only in how they pick the next index (`_pick`); recording is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

_MASK = (1 << 64) - 1


def splitmix64(x: int) -> int:
    """One step of SplitMix64: a tiny, fully specified PRNG (identical on every machine and Python)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def derive_seed(*parts: int | str) -> int:
    """A stable 63-bit seed from parts (never Python's salted `hash`).

    Each byte of each part (a str's UTF-8, an int's 16 little-endian two's-complement bytes) is mixed in by
    one SplitMix64 step. Callers vary the last part (a run's index) under a fixed prefix (master seed,
    scenario name), so the prefix's state is cached: the same value, for a third of the work.
    """
    acc = 0x5EED
    for part in parts[:-1]:
        acc = _absorb(acc, part)
    return (_absorb_uncached(acc, parts[-1]) if parts else acc) & ((1 << 63) - 1)


def _absorb_uncached(acc: int, part: int | str) -> int:
    """`acc` after mixing in the bytes of `part` (`splitmix64(acc ^ byte)` per byte, inlined)."""
    data = part.encode() if isinstance(part, str) else part.to_bytes(16, "little", signed=True)
    for byte in data:
        x = ((acc ^ byte) + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        acc = x ^ (x >> 31)
    return acc


_absorb = lru_cache(maxsize=1024)(_absorb_uncached)


class Choice(NamedTuple):
    """One decision: which of `options` was taken at the point called `label` (immutable; cheap to build)."""

    label: str
    value: int
    options: tuple[str, ...]

    @property
    def taken(self) -> str:
        return self.options[self.value]


_new = tuple.__new__


class ChoiceSource:
    """Base class. Subclasses implement `_pick`; this class records every choice made."""

    def __init__(self) -> None:
        self.record: list[Choice] = []

    def choose(self, label: str, options: Sequence[str], weights: Sequence[float] | None = None) -> int:
        """Index of the option taken at `label`. Single-option points are not choices and are not recorded."""
        n = len(options)
        if n <= 1:
            return 0
        value = self._pick(label, n, weights)
        if not 0 <= value < n:
            value = 0  # a replayed or shrunk sequence may not fit a changed point: take the simplest option
        self.record.append(_new(Choice, (label, value, tuple(options))))
        return value

    def flip(self, label: str, p: float) -> bool:
        """True with probability `p`; the simplest answer (index 0) is False."""
        if p <= 0.0:
            return False
        return self.choose(label, ("no", "yes"), (1.0 - p, p)) == 1

    def pick_tie(self, actors: Sequence[str]) -> int:
        """Which of several events due at the same virtual instant runs first (one per actor)."""
        return self.choose("tie:" + "/".join(actors), actors)

    def values(self) -> list[int]:
        return [c.value for c in self.record]

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        raise NotImplementedError


class RandomChoices(ChoiceSource):
    """Seeded random walk: weighted picks from SplitMix64."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed
        self._state = seed & _MASK

    def _next_unit(self) -> float:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        return (splitmix64(self._state) >> 11) / float(1 << 53)

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        # `_next_unit()` inlined (the hot path of every seeded run); keep the two in step
        state = self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        x = (state + 0x9E3779B97F4A7C15) & _MASK  # splitmix64(state)
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        u = ((x ^ (x >> 31)) >> 11) / 9007199254740992.0  # 2**53
        if weights is None:
            return min(int(u * n), n - 1)
        total = 0.0
        for w in weights:  # left to right, never `sum()`: Python 3.12+ sums floats with compensation, so
            total += w  # `sum()` can differ in the last bit between Pythons, and with it a pick at a boundary
        if total <= 0:
            return 0
        acc = 0.0
        target = u * total
        for i, w in enumerate(weights):
            acc += w
            if target < acc:
                return i
        return n - 1


class ReplayChoices(ChoiceSource):
    """Feeds back a recorded sequence; past its end every point takes its simplest option."""

    def __init__(self, values: Sequence[int]) -> None:
        super().__init__()
        self._values = list(values)
        self._pos = 0

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        if self._pos >= len(self._values):
            return 0
        value = self._values[self._pos]
        self._pos += 1
        return value
