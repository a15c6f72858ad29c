"""A counterexample in words: each trace event described, the trace narrated top to bottom, the violating step found.

The narrative is what summary.md, junit.xml, a failed pytest item and `simharness replay` print; the event
descriptions are also report.html's timeline tooltips and table rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from simharness.model.kinds import EventKind
from simharness.model.trace import Event, Trace
from simharness.report.safe_text import visible

if TYPE_CHECKING:  # only its fields are read, so the renderers load no layer but the model
    from simharness.check.verdicts import Violation

#: Lock bookkeeping: left out of a narrative (unless it is the violating step) and drawn faint in report.html.
LOCK_NOISE = {EventKind.LOCK_ACQUIRE, EventKind.LOCK_RELEASE, EventKind.LOCK_RELEASE_FENCED}

#: Which event an invariant's violation points at, most specific first (matched at the violation's time and call).
_VIOLATING_KINDS: dict[str, tuple[str, ...]] = {
    "coordination-single-run": (EventKind.RUN_START, EventKind.ON_ERROR, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
    "explicit-metadata-advances": (EventKind.RUN_START, EventKind.CALL_RAISE, EventKind.CALL_RETURN),
    "summary-honest": (EventKind.CALL_RAISE,),
    "success-stops": (EventKind.RUN_START, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
    "no-idle-burn": (EventKind.CALL_RAISE, EventKind.CALL_RETURN),
    "lock-exclusive": (EventKind.LOCK_ACQUIRE,),
    "no-silent-overwrite": (EventKind.WINDOW_CLOSE,),
    "terminates": (EventKind.LIVENESS_EXCEEDED, EventKind.CALL_START),
    "driver-contract": (EventKind.DRIVER_MISUSE, EventKind.CALL_CRASH, EventKind.DRIVER_CRASH, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
}


def narrate(trace: Trace | Sequence[Event], *, limit: int = 80, locks: bool = False, focus: int | None = None, mark: str = "") -> list[str]:
    """The trace as lines a human reads top to bottom.

    `focus` is the index of the event to point at (the violating step): its line ends in `◀ mark`, and when
    the story is longer than `limit` lines, the lines kept are the start and the stretch leading up to it.
    Lines are `visible`: safe to print whatever text the driver put in its errors.
    """
    events = trace.events if isinstance(trace, Trace) else trace
    lines: list[str] = []
    focus_line: int | None = None
    for i, e in enumerate(events):
        if not locks and e.kind in LOCK_NOISE and i != focus:
            continue
        line = visible(f"{e.t:>9} ms  {e.actor:<22} {describe_event(e)}")
        if i == focus:  # marked at both ends: long lines wrap
            focus_line = len(lines)
            line = ("✗" + line[1:] if line.startswith(" ") else line) + (f"   ◀ {mark}" if mark else "   ◀")
        lines.append(line)
    if len(lines) <= limit:
        return lines
    head = limit // 8 if focus_line is not None else limit // 2
    end = min(len(lines), focus_line + 6) if focus_line is not None else len(lines)
    keep = set(range(head)) | set(range(max(head, end - (limit - head)), end))
    return _elide(lines, keep)


def _elide(lines: list[str], keep: set[int]) -> list[str]:
    out: list[str] = []
    skipped = 0
    for i, line in enumerate(lines):
        if i in keep:
            if skipped:
                out.append(f"          … {skipped} more events …")
                skipped = 0
            out.append(line)
        else:
            skipped += 1
    if skipped:
        out.append(f"          … {skipped} more events …")
    return out


def describe_event(e: Event) -> str:
    """One event in words (the narrative's and the timeline tooltips' text)."""
    d = e.data
    k = e.kind
    if k == EventKind.CALL_START:
        return f"calls the driver (call {d['call']}) with chain {' → '.join(d['chain'])}"
    if k == EventKind.RUN_START:
        return f"run #{d['n']}: {d['candidate']}"
    if k == EventKind.RUN_RAISE:
        return f"run raises {d['shape']} [{d['category']}] “{d['message']}”"
    if k == EventKind.RUN_OK:
        return f"run succeeds: {d['value']}"
    if k == EventKind.ON_ERROR:
        return f"driver calls onError for {d['candidate']}"
    if k == EventKind.CALL_RAISE:
        return f"driver throws {d.get('name')}: “{d.get('message')}”" + (" (same object run threw)" if d.get("err") else "")
    if k == EventKind.CALL_RETURN:
        return f"driver returns {d['value']}"
    if k == EventKind.WINDOW_OPEN:
        return f"releases the lock for the prompt on {d['file']}"
    if k == EventKind.WINDOW_CLOSE:
        return f"reacquires {d['file']}: " + ("file CHANGED" if d["changed"] else "unchanged")
    if k == EventKind.FILE_WRITE:
        return f"writes {d['file']} (size {d['size']})"
    if k == EventKind.TAKEOVER_DETECTED:
        return f"detects a takeover of {d['file']}"
    if k == EventKind.PROVIDER_REQUEST:
        return f"request for {d['model']} → {d['fault']}"
    if k == EventKind.PROVIDER_FAULT:
        return f"answers {d['fault']}"
    if k == EventKind.PROVIDER_REPLY:
        return f"replies for {d['model']}"
    if k == EventKind.LOCK_ACQUIRE:
        return f"{d['owner']} acquires the lock (token {d['token']})"
    if k == EventKind.LOCK_RELEASE:
        return f"{d['owner']} releases the lock"
    if k == EventKind.LOCK_RELEASE_FENCED:
        return f"{d['owner']} no longer holds the lock (fenced)"
    if k == EventKind.LOCK_TIMEOUT:
        return f"{d['owner']} times out waiting for the lock (held by {d['holder']})"
    if k == EventKind.LOCK_BROKEN:
        return f"{d['by']} deletes the lock held by {d['holder']}"
    if k == EventKind.LOCK_STALE_TAKEOVER:
        return f"{d['owner']} takes over a stale lock from {d['previous']}"
    if k == EventKind.WRITER_GAVE_UP:
        return f"gives up waiting for the lock on {d['file']}"
    if k == EventKind.LIVENESS_EXCEEDED:
        return f"stops the run: {d.get('reason')}"
    if k in (EventKind.DRIVER_MISUSE, EventKind.CALL_CRASH, EventKind.DRIVER_CRASH):  # engine: `driver-contract` events
        at = f" at {d['where']}" if d.get("where") else ""
        if k == EventKind.DRIVER_MISUSE:
            return f"breaks the driver contract: {d.get('message')}{at}"
        if d.get("type") == "contract":
            return f"the call ends: the driver broke its contract{at}"
        return f"driver crashes: {d.get('type')}: “{d.get('message')}”{at}"
    return f"{k} {json.dumps(d, sort_keys=True)}"


def events_from_json(items: Iterable[dict[str, Any]]) -> list[Event]:
    """Events back from `Trace.to_json()` (as stored in report.json)."""
    return [Event(int(x["t"]), str(x["actor"]), str(x["kind"]), dict(x.get("data") or {})) for x in items]


def violating_event(events: Sequence[Event], violation: Violation) -> int | None:
    """Index of the event a violation is about: its own `event` if the invariant set it, else the best match
    at the violation's virtual time (and call)."""
    if violation.event is not None:
        return violation.event
    kinds = _VIOLATING_KINDS.get(violation.invariant)
    if kinds is None:
        return None
    best: tuple[int, int] | None = None
    for i, e in enumerate(events):
        if e.t != violation.at or e.kind not in kinds or (violation.call is not None and e.data.get("call") != violation.call):
            continue
        rank = (kinds.index(e.kind), i)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[1]
