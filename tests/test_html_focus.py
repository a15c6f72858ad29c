"""The report's timeline shows the violating call's actors by default, the rest one click away (no script): which
lanes are involved, and that the page carries both pictures only when they differ (the browser check is in
test_html_browser.py)."""

from __future__ import annotations

from typing import Any

from simharness.model.kinds import EventKind as K
from simharness.model.trace import Event
from simharness.report.html import involved, timeline


def _ev(t: int, actor: str, kind: str, **data: Any) -> Event:
    return Event(t, actor, kind, data)


#: Two sessions on two files, a writer on each file, two providers: call 2 (session-2 on sess-b) is the violating one.
EVENTS = [
    _ev(0, "session-1", K.CALL_START, call=1, chain=["a/x"]),
    _ev(0, "session-2", K.CALL_START, call=2, chain=["a/x", "b/y"]),
    _ev(0, "lock:sess-a.jsonl", K.LOCK_ACQUIRE, owner="session-1", token=1),
    _ev(0, "session-1", K.FILE_WRITE, file="sess-a.jsonl", by="session-1", size=200),
    _ev(0, "lock:sess-a.jsonl", K.LOCK_RELEASE, owner="session-1", token=1),
    _ev(0, "lock:sess-b.jsonl", K.LOCK_ACQUIRE, owner="session-2", token=2),
    _ev(0, "session-2", K.FILE_WRITE, file="sess-b.jsonl", by="session-2", size=200),
    _ev(0, "lock:sess-b.jsonl", K.LOCK_RELEASE, owner="session-2", token=2),
    _ev(0, "session-2", K.WINDOW_OPEN, call=2, file="sess-b.jsonl"),
    _ev(0, "provider:a", K.PROVIDER_REQUEST, call=1, model="x", fault="success"),
    _ev(0, "provider:b", K.PROVIDER_REQUEST, call=2, model="y", fault="success"),
    _ev(5, "writer:cli-1", K.FILE_WRITE, file="sess-a.jsonl", by="writer:cli-1", size=220),  # another file
    _ev(6, "writer:gw-1", K.FILE_WRITE, file="sess-b.jsonl", by="writer:gw-1", size=220),  # under call 2's window
    _ev(9, "provider:b", K.PROVIDER_REPLY, call=2, model="y"),
    _ev(9, "session-2", K.WINDOW_CLOSE, call=2, file="sess-b.jsonl", changed=True),
    _ev(9, "writer:late-1", K.FILE_WRITE, file="sess-b.jsonl", by="writer:late-1", size=240),  # after the window
    _ev(9, "session-2", K.RUN_OK, call=2, value="r"),
]
VIOLATING = len(EVENTS) - 1


def test_the_involved_lanes_are_the_calls_session_lock_provider_and_who_wrote_under_it() -> None:
    assert involved(EVENTS, VIOLATING, 2) == {"session-2", "lock:sess-b.jsonl", "provider:b", "writer:gw-1"}


def test_without_a_violating_call_every_lane_is_involved() -> None:
    assert involved(EVENTS, VIOLATING, None) is None and involved(EVENTS, None, 2) is None


def test_the_page_draws_the_few_lanes_first_and_all_of_them_behind_a_link() -> None:
    from simharness.report.html import _counterexample_view

    trace = [{"t": e.t, "actor": e.actor, "kind": e.kind, "data": e.data} for e in EVENTS]
    view = _counterexample_view({"id": "no-silent-overwrite", "counterexample": {"trace": trace, "event": VIOLATING, "call": 2}})
    assert [lane.name for lane in view["timeline"].lanes] == ["session-2", "writer:gw-1", "lock:sess-b.jsonl", "provider:b"]
    assert len(view["full"].lanes) == len(timeline(EVENTS, VIOLATING, "no-silent-overwrite", 2).lanes) == 9
    assert view["timeline"].violation is not None  # the violating step is still marked in the few lanes
    alone = _counterexample_view({"id": "x", "counterexample": {"trace": trace, "event": VIOLATING, "call": None}})
    assert alone["full"] is None and len(alone["timeline"].lanes) == 9
