"""`no-silent-overwrite`: every foreign write inside a release window is detected as a takeover.

Decided as the events stream past: while a session's prompt-lock release window on a file is open
(`window.open` .. `window.close`), writes to that file by anyone else are collected. A window that closes with
foreign writes inside is checked, and is a violation unless the session noticed the change (`changed`).
"""

from __future__ import annotations

from typing import ClassVar

from simharness.check.calls import Handlers
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.trace import Event

INVARIANT = "no-silent-overwrite"


class NoSilentOverwrite:
    def __init__(self) -> None:
        self.open_windows: dict[tuple[str, str], tuple[int, list[Event]]] = {}  # (session, file) -> (call, foreign writes)
        self.checked = 0
        self.violations: list[Violation] = []

    def _write(self, index: int, e: Event) -> None:
        data = e.data
        for (session, file), (_, writes) in self.open_windows.items():
            if file == data["file"] and data["by"] != session:
                writes.append(e)

    def _open(self, index: int, e: Event) -> None:
        self.open_windows[(e.actor, e.data["file"])] = (e.data["call"], [])

    def _close(self, index: int, e: Event) -> None:
        data = e.data
        call, writes = self.open_windows.pop((e.actor, data["file"]), (None, []))
        if writes:
            self.checked += 1
            if not data["changed"]:
                w = writes[0]
                message = f"{w.data['by']} wrote {w.data['file']} at {w.t} ms inside {e.actor}'s release window and no takeover was detected"
                self.violations.append(Violation(INVARIANT, message, e.t, call))

    HANDLERS: ClassVar[Handlers] = {EventKind.FILE_WRITE: _write, EventKind.WINDOW_OPEN: _open, EventKind.WINDOW_CLOSE: _close}

    def verdict(self, v: Verdicts) -> None:
        v.checked[INVARIANT] += self.checked
        v.violations.extend(self.violations)
