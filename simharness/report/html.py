"""report.html: one self-contained page (no scripts, no network assets) rendered from a report.json document.

The page holds the invariant table, the `sometimes` coverage and, per counterexample, an SVG swimlane
timeline: one lane per actor (sessions, other writers, session locks, providers), virtual time on the
x-axis. Events at the same virtual instant — the races — are spread out in the order they happened, and the
gaps between instants are compressed, so a 2-minute idle hang does not squash the interesting millisecond.
Faults are red, the violating step is marked by a red line across every lane.

This module only computes geometry; the markup is a Jinja2 template with autoescaping on, so every string
that reaches the page (scenario names, error messages, actor names) is escaped by the library. A
Content-Security-Policy forbids scripts and remote loads outright, should anything slip through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from simharness.model.kinds import EventKind
from simharness.model.trace import Event
from simharness.report.narrate import LOCK_NOISE, describe_event, events_from_json
from simharness.report.pages import fmt_ms, templates
from simharness.report.status import STATUS_TEXT, STATUSES, headline, incompleteness, runs_text, status

LABEL_W = 190  # lane names, drawn in their own (non-scrolling) SVG
LANE_H = 40
AXIS_H = 34
COL = 14  # one column per event (lock bookkeeping shares its neighbours' columns)
GAP = 16  # between two virtual instants
PAD = 12
ROW = 12  # one provider request row

_LANE_KINDS = ("session", "writer", "lock", "provider", "harness")
_FAULT_LABEL: dict[str, str] = {
    EventKind.LOCK_TIMEOUT: "lock timeout",
    EventKind.TAKEOVER_DETECTED: "takeover",
    EventKind.LOCK_STALE_TAKEOVER: "stale takeover",
    EventKind.LOCK_BROKEN: "lock broken",
    EventKind.WRITER_GAVE_UP: "gave up",
    EventKind.LIVENESS_EXCEEDED: "no end",
}
_GLYPH: dict[str, tuple[str, str]] = {  # kind -> (shape, css class)
    EventKind.CALL_START: ("triangle", "call"),
    EventKind.CALL_RETURN: ("square", "ok"),
    EventKind.CALL_RAISE: ("square", "bad"),
    EventKind.RUN_START: ("ring", "run"),
    EventKind.RUN_OK: ("circle", "ok"),
    EventKind.RUN_RAISE: ("circle", "warn"),
    EventKind.ON_ERROR: ("diamond", "warn"),
    EventKind.WINDOW_OPEN: ("bar", "run"),
    EventKind.WINDOW_CLOSE: ("bar", "run"),
    EventKind.FILE_WRITE: ("square", "write"),
    EventKind.TAKEOVER_DETECTED: ("triangle", "bad"),
    EventKind.PROVIDER_REQUEST: ("tick", "run"),
    EventKind.PROVIDER_REPLY: ("tick", "ok"),
    EventKind.PROVIDER_FAULT: ("circle", "bad"),
    EventKind.LOCK_TIMEOUT: ("circle", "bad"),
    EventKind.LOCK_STALE_TAKEOVER: ("diamond", "bad"),
    EventKind.LOCK_BROKEN: ("diamond", "bad"),
    EventKind.WRITER_GAVE_UP: ("circle", "bad"),
    EventKind.LIVENESS_EXCEEDED: ("square", "bad"),
    EventKind.DRIVER_MISUSE: ("diamond", "bad"),
    EventKind.CALL_CRASH: ("square", "bad"),
}


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    kind: str
    y: int
    h: int = LANE_H


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    y: float
    shape: str
    cls: str
    title: str
    label: str = ""
    label_dy: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    x1: float
    x2: float
    y: float
    h: float
    cls: str
    title: str
    label: str = ""


@dataclass(slots=True)
class Timeline:
    width: float
    height: float
    lanes: list[Lane] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    instants: list[float] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    violation: Mark | None = None
    hidden: int = 0  # events after the violating instant, not drawn

    @property
    def wide(self) -> bool:
        """Wider than the page: then it opens scrolled to its right end, where the violation is."""
        return self.width > 990


def lane_kind(actor: str) -> str:
    for kind in _LANE_KINDS:
        if actor.startswith(kind):
            return kind
    return "harness"


def _natural(text: str) -> list[Any]:
    # ASCII digits only: `\d` and str.isdigit() also match digits int() refuses (superscripts such as "¹")
    return [int(p) if p.isascii() and p.isdigit() else p for p in re.split(r"([0-9]+)", text)]


def timeline(events: Sequence[Event], violating: int | None = None, invariant: str = "", call: int | None = None) -> Timeline:
    """Geometry of the swimlane picture of one trace, drawn up to the instant of the violating step.

    What happens after that instant cannot explain the violation (except a call that never ends), so it is
    left out of the picture: a long trace stays readable and opens showing the violation.
    """
    hidden = 0
    if violating is not None and invariant != "terminates" and 0 <= violating < len(events):
        cut = next((i for i in range(violating, len(events)) if events[i].t > events[violating].t), len(events))
        events, hidden = events[:cut], len(events) - cut
    tl = Timeline(0, 0, hidden=hidden)
    xs = _columns(tl, events)
    edge = (xs[-1] if xs else 0) + COL  # what still goes on where the picture ends runs off this edge

    # provider requests overlap when calls run concurrently: each gets a row, and a lane grows to hold its rows
    requests = _requests(events, xs, edge)
    rows: dict[str, list[float]] = {}  # lane -> right end of each row
    row_of: dict[int, int] = {}  # request event -> row
    for start, x2 in requests:
        ends = rows.setdefault(events[start].actor, [])
        row = next((r for r, end in enumerate(ends) if end <= xs[start]), len(ends))
        ends[row : row + 1] = [x2]
        row_of[start] = row
    actors = sorted({e.actor for e in events}, key=lambda a: (_LANE_KINDS.index(lane_kind(a)), _natural(a)))
    y = AXIS_H
    for a in actors:
        h = max(LANE_H, 14 + ROW * len(rows.get(a, ())))
        tl.lanes.append(Lane(a, lane_kind(a), y, h))
        y += h
    tl.height = y + 8
    lane_y = {lane.name: lane.y for lane in tl.lanes}
    mark_y: dict[int, float] = {i: lane_y[e.actor] + 19 for i, e in enumerate(events)}
    for start, x2 in requests:
        e = events[start]
        top = lane_y[e.actor] + 7 + ROW * row_of[start]
        fault = e.data.get("fault", "success")
        cls = "request" + (" fault" if fault != "success" else "")
        tl.spans.append(Span(xs[start], x2, top, ROW - 2, cls, f"{e.data.get('model')} → {fault}", str(e.data.get("model"))))
        mark_y[start] = top + ROW / 2 - 1
        for j in range(start + 1, len(events)):  # its reply or fault sits on the same row
            if events[j].kind in (EventKind.PROVIDER_REPLY, EventKind.PROVIDER_FAULT) and events[j].data.get("call") == e.data.get("call"):
                mark_y[j] = mark_y[start]
                break

    _spans(tl, events, xs, lane_y, edge, call)
    last_label_x: dict[str, float] = {}
    for i, e in enumerate(events):
        glyph = _GLYPH.get(e.kind)
        if glyph is None:
            continue
        shape, cls = glyph
        label = _FAULT_LABEL.get(e.kind, "")
        if e.kind == EventKind.PROVIDER_FAULT or (e.kind == EventKind.PROVIDER_REQUEST and e.data.get("fault") in ("hang", "timeout")):
            cls, label = "bad", str(e.data.get("fault", ""))
        if e.kind == EventKind.FILE_WRITE and lane_kind(e.actor) == "writer":
            cls = "foreign"
        dy = 0
        if label:  # lift a label that would overlap its lane neighbour's
            if xs[i] - last_label_x.get(e.actor, -1e9) < 7 * len(label):
                dy = -9
            last_label_x[e.actor] = xs[i]
        tl.marks.append(Mark(xs[i], mark_y[i], shape, cls, f"{e.t} ms · {e.actor} · {describe_event(e)}", label, dy))
    if violating is not None and 0 <= violating < len(events):
        e = events[violating]
        tl.violation = Mark(
            xs[violating], mark_y[violating], "ring", "violation", f"violates {invariant}: {describe_event(e)}", f"✗ {invariant}"
        )
    return tl


def _columns(tl: Timeline, events: Sequence[Event]) -> list[float]:
    """x of every event: one column each, a gap between instants; lock bookkeeping sits between columns."""
    xs: list[float] = []
    x = float(PAD)
    last_t: int | None = None
    last_label = -1e9
    for e in events:
        if e.t != last_t:
            if last_t is not None:
                x += GAP
            tl.instants.append(x - GAP / 2 if last_t is not None else x)
            if x - last_label >= 64:
                tl.ticks.append((x, fmt_ms(e.t)))
                last_label = x
            last_t = e.t
        if e.kind in LOCK_NOISE:
            xs.append(x)
        else:
            xs.append(x + COL / 2)
            x += COL
    tl.width = x + PAD + 120  # room for the last labels
    return xs


def _requests(events: Sequence[Event], xs: list[float], edge: float) -> list[tuple[int, float]]:
    """(request event, x where it ended) of every provider request. A hang or a timeout has no reply event:
    its request ends when its session reacquires the lock."""
    open_: dict[Any, int] = {}  # call -> its outstanding request
    done = []
    for i, e in enumerate(events):
        call = e.data.get("call")
        if e.kind == EventKind.PROVIDER_REQUEST:
            open_[call] = i
        elif e.kind in (EventKind.PROVIDER_REPLY, EventKind.PROVIDER_FAULT, EventKind.WINDOW_CLOSE) and call in open_:
            done.append((open_.pop(call), xs[i]))
    return sorted(done + [(start, edge) for start in open_.values()])


def _spans(tl: Timeline, events: Sequence[Event], xs: list[float], lane_y: dict[str, int], edge: float, violating_call: int | None) -> None:
    """Durations on the session lanes (driver calls, prompt-lock release windows) and lock lanes (holds)."""
    calls: dict[int, int] = {}
    windows: dict[tuple[str, str], int] = {}
    holds: dict[str, tuple[int, str]] = {}
    owners = sorted({str(e.data.get("owner")) for e in events if e.kind == EventKind.LOCK_ACQUIRE}, key=_natural)

    def hold(lane: str, x2: float, until: str) -> None:
        start, owner = holds.pop(lane)
        cls = f"hold c{owners.index(owner) % 6}"
        tl.spans.append(
            Span(
                xs[start],
                max(x2, xs[start] + 3),
                lane_y[lane] + 9,
                20,
                cls,
                f"{owner} holds the lock from {events[start].t} ms {until}",
                owner,
            )
        )

    def call_span(call: int, start: int, x2: float, until: str) -> None:
        cls = "callspan violating" if call == violating_call else "callspan"
        tl.spans.append(Span(xs[start], x2, lane_y[events[start].actor] + 31, 4, cls, f"call {call}: from {events[start].t} ms {until}"))

    for i, e in enumerate(events):
        d = e.data
        if e.kind == EventKind.CALL_START:
            calls[d["call"]] = i
        elif e.kind in (EventKind.CALL_RETURN, EventKind.CALL_RAISE, EventKind.CALL_CRASH) and d.get("call") in calls:  # call.crash: engine
            call_span(d["call"], calls.pop(d["call"]), xs[i], f"to {e.t} ms")
        elif e.kind == EventKind.WINDOW_OPEN:
            windows[(e.actor, d["file"])] = i
        elif e.kind == EventKind.WINDOW_CLOSE and (e.actor, d["file"]) in windows:
            start = windows.pop((e.actor, d["file"]))
            cls = "window changed" if d.get("changed") else "window"
            what = "the file CHANGED meanwhile" if d.get("changed") else "the file is unchanged"
            tl.spans.append(
                Span(
                    xs[start],
                    xs[i],
                    lane_y[e.actor] + 8,
                    22,
                    cls,
                    f"lock released for the prompt on {d['file']}, {events[start].t}–{e.t} ms: {what}",
                )
            )
        elif e.kind == EventKind.LOCK_ACQUIRE:
            if e.actor in holds:
                hold(e.actor, xs[i], f"to {e.t} ms")
            holds[e.actor] = (i, str(d.get("owner")))
        elif e.kind in (EventKind.LOCK_RELEASE, EventKind.LOCK_STALE_TAKEOVER, EventKind.LOCK_BROKEN) and e.actor in holds:
            hold(e.actor, xs[i], f"to {e.t} ms")
    for lane in list(holds):
        hold(lane, edge, "on")
    for call, start in calls.items():
        call_span(call, start, edge, "on")
    for (actor, file), start in windows.items():
        tl.spans.append(
            Span(xs[start], edge, lane_y[actor] + 8, 22, "window", f"lock released for the prompt on {file} from {events[start].t} ms on")
        )


def involved(events: Sequence[Event], violating: int | None, call: int | None) -> set[str] | None:
    """The lanes of the actors in the violating call: its session, the actor of the violating step, what
    carries the call's id (the providers it called), the lock lanes of the files it wrote or released, and
    whoever wrote those files inside its release windows (who changed the file under it). `None`: no call
    is named, so every lane is involved."""
    if call is None or violating is None or not 0 <= violating < len(events):
        return None
    session = next((e.actor for e in events if e.kind == EventKind.CALL_START and e.data.get("call") == call), None)
    actors = {events[violating].actor} | ({session} if session else set())
    files: set[str] = set()
    open_windows: set[str] = set()
    for e in events[: violating + 1]:
        d = e.data
        if d.get("call") == call:
            actors.add(e.actor)
            if "file" in d:
                files.add(str(d["file"]))
            if e.kind == EventKind.WINDOW_OPEN:
                open_windows.add(str(d["file"]))
            elif e.kind == EventKind.WINDOW_CLOSE:
                open_windows.discard(str(d["file"]))
        elif e.kind == EventKind.FILE_WRITE and d.get("file") in open_windows and e.actor != session:
            actors.add(e.actor)  # a write inside the call's release window: the other side of the race
        if session and e.kind == EventKind.FILE_WRITE and d.get("by") == session:
            files.add(str(d.get("file")))
    actors.update(f"lock:{f}" for f in files if any(e.actor == f"lock:{f}" for e in events))
    return actors


def _counterexample_view(inv: dict[str, Any]) -> dict[str, Any]:
    ce = inv["counterexample"]
    view: dict[str, Any] = {"inv": inv, "ce": ce, "timeline": None, "full": None, "rows": []}
    if ce.get("trace"):
        events = events_from_json(ce["trace"])
        focus = ce.get("event")
        full = timeline(events, focus, inv["id"], ce.get("call"))
        lanes = involved(events, focus, ce.get("call"))
        if lanes is not None and focus is not None and len(lanes) < len(full.lanes):
            # the default picture: only the involved lanes; the full one is one click away (`full`)
            call = ce.get("call")  # a provider lane shows only this call's requests, not the other sessions'
            kept = [
                i for i, e in enumerate(events) if e.actor in lanes and (lane_kind(e.actor) != "provider" or e.data.get("call") == call)
            ]
            view["timeline"] = timeline([events[i] for i in kept], kept.index(focus), inv["id"], ce.get("call"))
            view["full"] = full
        else:
            view["timeline"] = full
        faulty = {EventKind.PROVIDER_FAULT, EventKind.TAKEOVER_DETECTED, *_FAULT_LABEL}
        view["rows"] = [
            {
                "t": e.t,
                "actor": e.actor,
                "text": describe_event(e),
                "cls": "violating" if i == focus else "fault" if e.kind in faulty else "noise" if e.kind in LOCK_NOISE else "",
            }
            for i, e in enumerate(events)
        ]
    return view


def report_html(doc: dict[str, Any]) -> str:
    template = templates().get_template("report.html.j2")
    max_hits = max((s["hits"] for s in doc["sometimes"]), default=0) or 1
    unreached: dict[str, list[str]] = {}
    for u in doc["unreached"]:
        unreached.setdefault(u["situation"], []).append(u["scenario"])
    return template.render(
        doc=doc,
        head=headline(doc),
        incomplete=incompleteness(doc),
        runs_text=runs_text(doc),
        status=status,
        STATUSES=STATUSES,
        STATUS_TEXT=STATUS_TEXT,
        counterexamples=[_counterexample_view(i) for i in doc["invariants"] if i["counterexample"]],
        violated=[i for i in doc["invariants"] if i["violated"]],
        max_hits=max_hits,
        unreached=unreached,
        LABEL_W=LABEL_W,
        AXIS_H=AXIS_H,
    )
