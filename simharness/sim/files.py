"""The simulated filesystem: session files and their `<session>.jsonl.lock` write locks, in virtual time.

A takeover is a change of a session file while its session released the lock for a prompt, so the file's
fingerprint (what openclaw's embedded attempt compares) and the lock's mechanics (polled acquire with
backoff, acquire timeout, stale and max-hold takeover, fencing by token) are modelled as openclaw has them.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import simpy

from simharness.model import errors as E
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario
from simharness.model.trace import Trace
from simharness.sim.env import SimEnvironment, duration_labels

DEV = 2049  # st_dev of the simulated filesystem
FINGERPRINT_FIELDS = ("dev", "ino", "size", "mtimeNs", "ctimeNs")


class LockWorld(Protocol):
    """What a lock needs of its world (`engine.world.World` is one): the clock, the scenario's lock timings,
    the trace it records into, the choices of its retry jitter, and error registration."""

    env: SimEnvironment
    scenario: Scenario
    trace: Trace
    choices: ChoiceSource

    def register(self, err: JSError) -> JSError: ...


class SessionFile:
    """A session's `.jsonl` file: what its fingerprint (dev, inode, size, mtime, ctime) shows, and its lock."""

    __slots__ = ("ctime_ns", "ino", "lock", "mtime_ns", "path", "size")

    def __init__(self, path: str, ino: int, world: LockWorld) -> None:
        self.path, self.ino = path, ino
        self.size = self.mtime_ns = self.ctime_ns = 0
        self.lock = WriteLock(world, self)

    def fingerprint(self, fields: tuple[str, ...] = FINGERPRINT_FIELDS) -> tuple[int, ...]:
        if fields is FINGERPRINT_FIELDS:
            return (DEV, self.ino, self.size, self.mtime_ns, self.ctime_ns)
        full = {"dev": DEV, "ino": self.ino, "size": self.size, "mtimeNs": self.mtime_ns, "ctimeNs": self.ctime_ns}
        return tuple(full[f] for f in fields)

    def write(self, now_ms: int, nbytes: int, *, rewrite: bool = False) -> None:
        """Append `nbytes`, or rewrite in place keeping the size (compaction); mtime/ctime move either way."""
        if not rewrite:
            self.size += nbytes
        self.mtime_ns = self.ctime_ns = max(now_ms * 1_000_000, self.mtime_ns + 1)


class WriteLock:
    """`<session>.jsonl.lock`: polled acquire with backoff, acquire timeout, stale and max-hold takeover."""

    __slots__ = ("file", "holder", "lane", "path", "since", "token", "world")

    def __init__(self, world: LockWorld, file: SessionFile) -> None:
        self.world, self.file = world, file
        self.path = file.path + ".lock"
        self.lane = "lock:" + file.path  # the trace lane of this lock
        self.holder: str | None = None
        self.token = 0
        self.since = 0

    def acquire(self, owner: str, timeout_ms: int) -> Generator[simpy.Event, Any, int]:
        """Poll until free (or stale), backing off 50 ms → 1000 ms; raise SessionWriteLockTimeoutError."""
        world = self.world
        env = world.env
        start = env.now
        delay = 50
        jitter = world.scenario.retry_jitter_ms
        while True:
            now = env.now
            if self.holder is None:
                return self._take(owner, now)
            age = now - self.since
            if age >= world.scenario.stale_ms or age >= world.scenario.max_hold_ms:
                world.trace.add(now, self.lane, EventKind.LOCK_STALE_TAKEOVER, owner=owner, previous=self.holder, age_ms=age)
                return self._take(owner, now)
            if now - start >= timeout_ms:
                world.trace.add(now, self.lane, EventKind.LOCK_TIMEOUT, owner=owner, holder=self.holder, waited_ms=now - start)
                raise world.register(E.session_write_lock_timeout(timeout_ms, f"pid={self.holder}", self.path))
            wait = delay
            if len(jitter) > 1:
                wait += jitter[world.choices.choose("lock.retry_jitter", duration_labels(jitter, "+", "ms"))]
            yield env.timeout(min(wait, start + timeout_ms - now))
            delay = min(delay * 2, 1000)

    def _take(self, owner: str, now: int) -> int:
        self.token += 1
        self.holder, self.since = owner, now
        self.world.trace.add(now, self.lane, EventKind.LOCK_ACQUIRE, owner=owner, token=self.token)
        return self.token

    def release(self, owner: str, token: int) -> None:
        """Release if still ours (fencing: a lock taken over from us is not released by us)."""
        lane = self.lane
        if self.holder == owner and self.token == token:
            self.holder = None
            self.world.trace.add(self.world.env.now, lane, EventKind.LOCK_RELEASE, owner=owner, token=token)
        else:  # taken over or broken meanwhile: the owner learns it no longer holds the lock
            self.world.trace.add(self.world.env.now, lane, EventKind.LOCK_RELEASE_FENCED, owner=owner, token=token)

    def holds(self, owner: str, token: int) -> bool:
        return self.holder == owner and self.token == token

    def break_lock(self, by: str) -> None:
        """Delete the lock file under its holder's feet (what a careless driver might do)."""
        if self.holder is not None:
            self.world.trace.add(self.world.env.now, self.lane, EventKind.LOCK_BROKEN, by=by, holder=self.holder)
            self.holder = None
