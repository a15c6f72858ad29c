"""A baseline for the reference target that does the same job without the harness: the takeover race written
directly on simpy, the way someone would write it by hand to test one driver once.

Two sessions share one session file, a write lock (`simpy.Resource`) and a fallback chain of three candidates.
Each session starts after a delay picked from the scenario's, then walks the chain; an attempt takes the lock,
writes its prompt, notes the file's fingerprint (size, mtime, inode), releases the lock for the provider call
(a latency and, one time in ten, a rate limit), takes the lock back and compares the fingerprint: a change is a
takeover, which stops the session's call (the rethrow a correct driver does); a rate limit moves on to the next
candidate; otherwise the reply is written. The run ends with a check that every session ended in one of
those ways and that no write was lost. Randomness is `random.Random(seed)`.

It is `takeover-race.toml` (sessions, file, chain, start delays, latencies, fault rate) without what the harness
adds: recorded choices, the trace, fault swarms, error graphs and the classifier, the driver guard and the
invariants. `simharness bench` measures it in the same process and minute as the reference target.
"""

from __future__ import annotations

import random
import time
from collections.abc import Generator
from typing import Any

import simpy

START_MS = (0, 100, 350, 900)
LATENCY_MS = (300, 800, 2500)
CHAIN = ("openai/gpt-a", "anthropic/claude-b", "google/gemini-c")
RATE_LIMIT = 0.1
MODEL = "2 sessions on 1 file, a simpy.Resource lock, 3 candidates, fingerprint check on reacquire"


class _File:
    __slots__ = ("mtime", "size", "writes")

    def __init__(self) -> None:
        self.size = self.mtime = self.writes = 0

    def write(self, now: float, nbytes: int) -> None:
        self.size += nbytes
        self.mtime = int(now)
        self.writes += 1


def _session(
    env: simpy.Environment, rng: random.Random, lock: simpy.Resource, file: _File, outcomes: list[str]
) -> Generator[simpy.Event, Any, None]:
    start = rng.choice(START_MS)
    if start:
        yield env.timeout(start)
    for _candidate in CHAIN:
        with lock.request() as req:
            yield req
            file.write(env.now, 200)
            before = (file.size, file.mtime, 1000)
        failed = rng.random() < RATE_LIMIT
        yield env.timeout(rng.choice(LATENCY_MS))
        with lock.request() as req:
            yield req
            if (file.size, file.mtime, 1000) != before:
                outcomes.append("takeover")  # rethrown at once: the call ends
                return
            if failed:
                continue  # next candidate
            file.write(env.now, 400)
            outcomes.append("reply")
            return
    outcomes.append("exhausted")


def race_once(seed: int) -> list[str]:
    """One run of the race: how each session's call ended."""
    env = simpy.Environment()
    rng = random.Random(seed)
    lock = simpy.Resource(env, capacity=1)
    file = _File()
    outcomes: list[str] = []
    for _ in range(2):
        env.process(_session(env, rng, lock, file, outcomes))
    env.run()
    if len(outcomes) != 2 or file.writes < 2:  # the run's own check: both calls ended, every write landed
        raise AssertionError(f"race {seed}: {outcomes}, {file.writes} writes")
    return outcomes


def pure_race(seconds: float, min_runs: int) -> dict[str, Any]:
    """Runs per CPU second of the hand-written race (time box in wall seconds, at least `min_runs` runs)."""
    n = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        race_once(n)
        n += 1
        wall = time.perf_counter() - started
        if n >= min_runs and wall >= seconds:
            break
    cpu = max(time.process_time() - cpu_started, 1e-9)
    return {"model": MODEL, "runs": n, "runs_per_s": n / cpu, "wall_runs_per_s": n / wall}
