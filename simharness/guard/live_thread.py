"""Which thread runs a live world: the one fact every guard reads.

A tripwire trips, and an exit guard refuses, only while a world is live (`guard.live_run.live`), and a
tripwire only on the thread running it. `suspended` lets trusted machinery read the clock inside a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class LiveThread:
    """Process-wide: the ident of the thread running a live world; 0 when none."""

    ident: int = 0


@contextmanager
def suspended() -> Iterator[None]:
    """Let trusted machinery read the clock inside a live run (Hypothesis timing its own draws); the run stays
    live and the tripwires come back on leaving."""
    saved = LiveThread.ident
    LiveThread.ident = 0
    try:
        yield
    finally:
        LiveThread.ident = saved


def is_live() -> bool:
    return LiveThread.ident != 0
