"""The trace: the ordered events of one run, stamped with virtual time (integer milliseconds).

Events are plain tuples on the hot path; `lines()` renders the canonical text form whose SHA-256 is the
run's identity (the `deterministic` invariant compares these hashes, and every run's hash is counted into its
scenario's distinct traces). The canonical form is `json.dumps(data, sort_keys=True, separators=(",", ":"))`;
it is rendered with one encoder built once per process (`_canonical`), since building a new encoder for each
event was a quarter of a `takeover-race` run.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple


def _canonical_encoder() -> Callable[[Any], str]:
    """`json.dumps(obj, sort_keys=True, separators=(",", ":"))`, the same text, without the per-call set-up.

    The C encoder that `json.dumps` itself builds on every call, built once. Only the circular-reference check
    is left out (trace data are JSON values, never cyclic: a cycle would end in RecursionError instead of
    ValueError). Where the C encoder is missing (another Python), `JSONEncoder.encode` with the same options.
    """
    options = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has _json
        return options.encode
    # (markers, default, encoder, indent, key separator, item separator, sort_keys, skipkeys, allow_nan)
    encode = make(None, options.default, json.encoder.encode_basestring_ascii, None, ":", ",", True, False, True)

    def canonical(obj: Any) -> str:
        return "".join(encode(obj, 0))  # the encoder returns its text in chunks (one, on CPython 3.11)

    return canonical


_canonical = _canonical_encoder()


class Event(NamedTuple):
    """One trace event. A named tuple: immutable, and about four times cheaper to build than a frozen dataclass."""

    t: int  # virtual milliseconds
    actor: str  # lane: session-1, writer:gateway-1, lock:sess-a.jsonl, provider:openai
    kind: str  # call.start, run.raise, lock.acquire, ...
    data: dict[str, Any]

    def line(self) -> str:
        return f"{self.t} {self.actor} {self.kind} {_canonical(self.data)}"


_new = tuple.__new__


class Trace:
    __slots__ = ("_digest", "events")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._digest: tuple[int, str] | None = None  # (events hashed, SHA-256): a trace only ever grows

    def add(self, t: int, actor: str, kind: str, **data: Any) -> None:
        self.events.append(_new(Event, (t, actor, kind, data)))

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def lines(self) -> list[str]:
        return [e.line() for e in self.events]

    def sha256(self) -> str:
        """SHA-256 of the lines, each ending in a newline; computed once per trace (until an event is added)."""
        events = self.events
        cached = self._digest
        if cached is not None and cached[0] == len(events):
            return cached[1]
        enc = _canonical
        text = "".join([f"{t} {actor} {kind} {enc(data)}\n" for t, actor, kind, data in events])
        digest = hashlib.sha256(text.encode()).hexdigest()
        self._digest = (len(events), digest)
        return digest

    def of_kind(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e.kind in kinds]

    def to_json(self) -> list[dict[str, Any]]:
        return [{"t": e.t, "actor": e.actor, "kind": e.kind, **({"data": e.data} if e.data else {})} for e in self.events]
