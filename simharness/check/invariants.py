"""Invariants: pure functions over one run's trace.

Each invariant reports, per run, how many situations it checked, how many it found not applicable (the
target's profile does not know the fault kind involved) and the violations it found. The ids are stable:
reports, tests and other tools depend on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from simharness.check.oracle import EXPECTED_REASON
from simharness.model.kinds import INVARIANTS, EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event, Trace

_SUMMARY = re.compile(r"^All models failed \((\d+)\): (.*)$", re.DOTALL)
#: 2026.9.x appends an auth remedy to the last entry (`buildFailoverRemediationHint`): only that text is not an attempt.
_HINT = re.compile(r"^(.* \((?:auth|auth_permanent)\))\. (?:Re-authenticate with: |Authenticate in Gemini CLI directly).*$", re.DOTALL)
_PART = re.compile(r"^(?P<candidate>[^/\s]+/[^:\s]+): (?P<message>.*?)(?: \((?P<reason>[a-z_]+)\))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    message: str
    at: int  # virtual ms of the offending event
    call: int | None = None
    event: int | None = None  # index into the trace
    shape: str = ""  # the error graph it is about ("AbortError --reason--> ActiveTurnClaimError"): the departure's class


@dataclass(slots=True)
class Verdicts:
    """Outcome of checking one run: per-invariant counts, violations and situations reached."""

    checked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVARIANTS, 0))
    not_applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVARIANTS, 0))
    violations: list[Violation] = field(default_factory=list)
    situations: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(slots=True)
class _Call:
    call: int
    session: str
    start: Event
    runs: list[tuple[Event, Event | None]] = field(default_factory=list)  # (run.start, run.ok|run.raise)
    on_errors: list[Event] = field(default_factory=list)
    on_error_runs: list[int] = field(default_factory=list)  # how many runs had started when each onError came
    end: Event | None = None
    end_index: int | None = None
    misuse: tuple[int, Event] | None = None  # the first contract breach the world recorded (index, event)


def check(trace: Trace, profile: Profile) -> Verdicts:
    """Judge one run's trace against every invariant (except `deterministic`, which needs two runs).

    One pass over the trace gathers the calls and judges the lock and release-window invariants as it goes
    (the hot path of every run); violations are reported in a fixed order: per call, then locks, then windows.
    """
    v = Verdicts()
    checked = v.checked
    situations = v.situations
    calls: dict[int, _Call] = {}
    believed: dict[str, set[str]] = {}  # lock lane -> owners that believe they hold it
    open_windows: dict[tuple[str, str], tuple[int, list[Event]]] = {}  # (session, file) -> (call, foreign writes)
    lock_violations: list[Violation] = []
    window_violations: list[Violation] = []
    successes: list[Event] = []  # run.ok events with a value: `success_after_fallback` once calls are complete
    in_flight = 0
    for i, e in enumerate(trace.events):
        k = e.kind
        data = e.data
        call_id = data.get("call")
        if call_id is not None:  # gather the call's runs, onError calls and end
            if k == EventKind.CALL_START:
                calls[call_id] = _Call(call_id, e.actor, e)
            else:
                c = calls.get(call_id)
                if c is not None:
                    if k == EventKind.RUN_START:
                        c.runs.append((e, None))
                    elif k in (EventKind.RUN_OK, EventKind.RUN_RAISE) and c.runs:
                        c.runs[-1] = (c.runs[-1][0], e)
                    elif k == EventKind.ON_ERROR:
                        c.on_errors.append(e)
                        c.on_error_runs.append(len(c.runs))
                    elif k in (EventKind.CALL_RETURN, EventKind.CALL_RAISE, EventKind.CALL_CRASH):
                        c.end, c.end_index = e, i
                    elif k == EventKind.DRIVER_MISUSE and c.misuse is None:
                        c.misuse = (i, e)
        if k.startswith("lock."):
            # Staleness is judged by the world and recorded as `lock.stale_takeover` (the previous holder is
            # dropped); any other overlap is a violation.
            holders = believed.setdefault(e.actor, set())
            owner = str(data.get("owner"))
            if k == EventKind.LOCK_ACQUIRE:
                checked["lock-exclusive"] += 1
                others = sorted(holders - {owner})
                if others:
                    message = f"{e.actor[5:]}: {owner} acquired the lock while {others[0]} still held it"
                    lock_violations.append(Violation("lock-exclusive", message, e.t, None))
                holders.add(owner)
            elif k in (EventKind.LOCK_RELEASE, EventKind.LOCK_RELEASE_FENCED):
                holders.discard(owner)
            elif k == EventKind.LOCK_STALE_TAKEOVER:
                holders.discard(data["previous"])
                situations.add("stale_lock_takeover")
            elif k == EventKind.LOCK_TIMEOUT and data["owner"].startswith("session-"):
                situations.add("lock_timeout")
        elif k == EventKind.FILE_WRITE:
            for (session, file), (_, writes) in open_windows.items():
                if file == data["file"] and data["by"] != session:
                    writes.append(e)
        elif k == EventKind.WINDOW_OPEN:
            open_windows[(e.actor, data["file"])] = (data["call"], [])
        elif k == EventKind.WINDOW_CLOSE:
            call, writes = open_windows.pop((e.actor, data["file"]), (None, []))
            if writes:
                checked["no-silent-overwrite"] += 1
                if not data["changed"]:
                    w = writes[0]
                    message = (
                        f"{w.data['by']} wrote {w.data['file']} at {w.t} ms inside {e.actor}'s release window and no takeover was detected"
                    )
                    window_violations.append(Violation("no-silent-overwrite", message, e.t, call))
        elif k == EventKind.TAKEOVER_DETECTED:
            situations.add("takeover_detected")
        elif k == EventKind.PROVIDER_REQUEST:
            if data["fault"] == "hang":
                situations.add("provider_hang")
        elif k == EventKind.PROVIDER_FAULT:
            if data["fault"] == "rate_limit_nested_lock":
                situations.add("rate_limit_nested_lock")
        elif k == EventKind.WRITER_GAVE_UP:
            situations.add("writer_gave_up")
        elif k == EventKind.RUNTIME_REFUSED:
            situations.add("runtime_coordination")
        elif k == EventKind.RUN_RAISE:
            if data["category"] == "coordination" and "-->" in data["shape"]:
                situations.add("nested_coordination")
                if data["shape"].startswith("AbortError"):
                    situations.add("abort_wrapped_coordination")
                if set(data["coord"]) - {"takeover", "lock_timeout"}:
                    situations.add("runtime_coordination_wrapped")
            elif data["category"] == "explicit" and data["coord"]:
                situations.add("explicit_nested_coordination")
        elif k == EventKind.CALL_START:
            in_flight += 1
            if in_flight > 1:
                situations.add("concurrent_calls")
        elif k == EventKind.CALL_RETURN or k == EventKind.CALL_RAISE or k == EventKind.CALL_CRASH:
            in_flight -= 1
            if k == EventKind.CALL_RAISE and data.get("message", "").startswith("All models failed"):
                situations.add("chain_exhausted")
        elif k == EventKind.RUN_OK and data.get("value"):
            successes.append(e)
    call_list = list(calls.values())
    for c in call_list:
        _check_call(c, profile, v)
    v.violations.extend(lock_violations)
    v.violations.extend(window_violations)
    for e in successes:
        if _nth_run(call_list, e) > 1:
            situations.add("success_after_fallback")
            break
    for c in call_list:
        if c.end is not None and c.end.kind == EventKind.CALL_RAISE:
            uids = {o.data["err"] for _, o in c.runs if o is not None and o.kind == EventKind.RUN_RAISE and o.data["category"] == "coordination"}
            if c.end.data.get("err") in uids:
                situations.add("coordination_rethrown")
    return v


def _shape(outcome: Event) -> str:
    """The class of a departure: the error graph as `describe` draws it (which stops after a few links) and
    the kinds it holds, so a 25-deep wrapper of a takeover and of a lock are told apart."""
    data = outcome.data
    kinds = [data["root"], *(k for k in data["coord"] if k != data["root"])]
    return f"{data['shape']} [{' > '.join(kinds)}]"


def _fail(v: Verdicts, invariant: str, message: str, event: Event, call: int | None, shape: str = "") -> None:
    v.violations.append(Violation(invariant, message, event.t, call, shape=shape))


def _check_call(c: _Call, profile: Profile, v: Verdicts) -> None:
    end = c.end
    v.checked["terminates"] += 1
    if end is None:
        _fail(v, "terminates", f"call {c.call} of {c.session} never ended (the driver is stuck waiting)", c.start, c.call)
        if c.misuse is not None:  # the breach that left it stuck is a verdict of its own
            v.checked["driver-contract"] += 1
            _fail_at(v, "driver-contract", _misuse_message(c, c.misuse[1]), c.misuse, c.call)
        return
    _check_contract(c, v)
    if end.kind == EventKind.CALL_CRASH:
        return  # a crashed call has no outcome to judge further; its verdict is said
    chain: list[str] = c.start.data["chain"]
    raised_uid = end.data.get("err") if end.kind == EventKind.CALL_RAISE else None
    stop_at: int | None = None  # index of the run whose outcome must end the call
    coordination_stop = False

    for i, (start, outcome) in enumerate(c.runs):
        if outcome is None:
            continue
        if outcome.kind == EventKind.RUN_OK:
            stop_at = i
            v.checked["success-stops"] += 1
            later = c.runs[i + 1 :]
            if later:
                _fail(
                    v,
                    "success-stops",
                    f"call {c.call}: {later[0][0].data['candidate']} ran after {start.data['candidate']} succeeded",
                    later[0][0],
                    c.call,
                )
            elif end.kind != EventKind.CALL_RETURN or end.data.get("value") != outcome.data.get("value"):
                _fail(v, "success-stops", f"call {c.call}: success of {start.data['candidate']} was not returned", end, c.call)
            break
        category = outcome.data["category"]
        uid = outcome.data["err"]
        if category == "coordination":
            stop_at, coordination_stop = i, True
            if not set(outcome.data["coord"]) <= profile.kinds:
                v.not_applicable["coordination-single-run"] += 1
                v.not_applicable["no-idle-burn"] += 1
                break
            v.checked["coordination-single-run"] += 1
            v.checked["no-idle-burn"] += 1
            later = c.runs[i + 1 :]
            # any onError once the coordination attempt ran, whatever it carries (a copy, None, a string)
            reported = [e for e, runs in zip(c.on_errors, c.on_error_runs) if runs > i]
            shape = _shape(outcome)
            what = f"{outcome.data['shape']} from {start.data['candidate']}"
            if later:
                n = len(c.runs)
                _fail(
                    v,
                    "coordination-single-run",
                    f"call {c.call}: {what} did not stop the chain: run executed {n} times",
                    later[0][0],
                    c.call,
                    shape,
                )
            elif end.kind != EventKind.CALL_RAISE:
                _fail(v, "coordination-single-run", f"call {c.call}: {what} was swallowed (the call returned)", end, c.call, shape)
            elif raised_uid != uid:
                _fail(
                    v,
                    "coordination-single-run",
                    f"call {c.call}: {what} was not rethrown as the same object; caller got {end.data.get('name')}: {end.data.get('message')}",
                    end,
                    c.call,
                    shape,
                )
            elif reported:
                _fail(v, "coordination-single-run", f"call {c.call}: onError was called for {what}", reported[0], c.call, shape)
            if end.t != outcome.t:
                _fail(v, "no-idle-burn", f"call {c.call}: {what} at {outcome.t} ms, but the call ended at {end.t} ms", end, c.call, shape)
            break
        if category == "terminal":
            stop_at = i
            v.checked["terminal-stops"] += 1
            later = c.runs[i + 1 :]
            if later:
                message = f"call {c.call}: {outcome.data['shape']} from {start.data['candidate']} did not end the call: {later[0][0].data['candidate']} ran next"
                _fail(v, "terminal-stops", message, later[0][0], c.call, _shape(outcome))
            break
        if category == "explicit":
            v.checked["explicit-metadata-advances"] += 1
            if start.data["candidate"] != chain[i] if i < len(chain) else True:
                _fail(
                    v,
                    "explicit-metadata-advances",
                    f"call {c.call}: attempt {i + 1} ran {start.data['candidate']}, not {chain[i] if i < len(chain) else 'nothing'}",
                    start,
                    c.call,
                    _shape(outcome),
                )
            elif i + 1 < len(chain) and i + 1 >= len(c.runs):
                _fail(
                    v,
                    "explicit-metadata-advances",
                    f"call {c.call}: {outcome.data['shape']} from {start.data['candidate']} did not advance to {chain[i + 1]}",
                    end,
                    c.call,
                    _shape(outcome),
                )
            elif i + 1 < len(chain) and c.runs[i + 1][0].data["candidate"] != chain[i + 1]:
                nxt = c.runs[i + 1][0]
                _fail(
                    v,
                    "explicit-metadata-advances",
                    f"call {c.call}: after {start.data['candidate']} the driver ran {nxt.data['candidate']}, not {chain[i + 1]}",
                    nxt,
                    c.call,
                    _shape(outcome),
                )

    if end.kind == EventKind.CALL_RAISE:
        _check_summary(c, end, stop_at, v)
    if not coordination_stop:  # (after a coordination error any onError at all is coordination-single-run's)
        _check_on_error(c, end, v)


def _check_on_error(c: _Call, end: Event, v: Verdicts) -> None:
    """onError reports each failed attempt once, in order, naming its candidate — the attempt log a summary is
    built from. The last failure may go unreported when its own error is rethrown (openclaw rethrows an
    unclassified error on the last candidate, or a context overflow, before recording it)."""
    fails = [start.data["candidate"] for start, outcome in c.runs if outcome is not None and outcome.kind == EventKind.RUN_RAISE]
    if (not fails and not c.on_errors) or c.misuse is not None:  # a misused onError is driver-contract's verdict alone
        return
    told = [e.data.get("candidate") for e in c.on_errors]
    raw = end.kind == EventKind.CALL_RAISE and _SUMMARY.match(end.data.get("message", "")) is None
    held = told == fails or (raw and told == fails[:-1])
    if held and len(fails) < 2:
        return  # one failure reported or not: nothing a fallback decided, so not counted as a check
    v.checked["summary-honest"] += 1
    if held:
        return
    message = f"call {c.call}: onError reported {', '.join(map(str, told)) or 'nothing'} but the failed attempts were {', '.join(fails)}"
    _fail(v, "summary-honest", message, c.on_errors[0] if c.on_errors else end, c.call)


def _check_summary(c: _Call, end: Event, stop_at: int | None, v: Verdicts) -> None:
    message = end.data.get("message", "")
    failed = [(s, o) for s, o in c.runs if o is not None and o.kind == EventKind.RUN_RAISE]
    m = _SUMMARY.match(message)
    if m is None:
        # A raw error must be the last attempt's own error (with at most one attempt, or when rethrown).
        if failed and end.data.get("err") is not None:
            v.checked["summary-honest"] += 1
            if end.data["err"] != failed[-1][1].data["err"]:
                _fail(
                    v, "summary-honest", f"call {c.call}: the caller got the error of an earlier attempt, not of the last one", end, c.call
                )
        elif len(failed) >= 2:
            # After two or more failed attempts the caller gets the summary, or the last attempt's own error: as it
            # is, or as the driver's own error wrapping it or carrying its message (openclaw rethrows a context
            # overflow as its FailoverError). Anything else cannot be read as either.
            v.checked["summary-honest"] += 1
            last = failed[-1][1].data
            # The last error may come back dressed as the driver's own (openclaw's FailoverError around it) only when it
            # ended the call before the chain ran out — a context overflow, or what the driver took for coordination
            # (whether stopping was right is the other invariants' call); an exhausted chain owes a summary.
            chain = c.start.data["chain"]
            stopped_early = last.get("category") == "terminal" or last.get("root") == "context_overflow" or len(c.runs) < len(chain)
            dressed = stopped_early and (end.data.get("wraps") == last.get("err") or str(last.get("message", "")) in message)
            if not dressed:
                _fail(
                    v,
                    "summary-honest",
                    f"call {c.call}: after {len(failed)} failed attempts the driver threw {end.data.get('name')}: {message!r}, which is "
                    f"neither the last attempt's error nor a summary of the form 'All models failed (N): provider/model: message (reason) | …'",
                    end,
                    c.call,
                )
        return
    v.checked["summary-honest"] += 1
    n = int(m.group(1))
    if len(c.runs) == 1:  # one attempt: its own error, never a summary of one
        _fail(v, "summary-honest", f"call {c.call}: a summary of a single attempt instead of that attempt's own error", end, c.call)
        return
    parts = m.group(2).split(" | ")
    # 2026.9.x appends a remedy after the last reason ("… (auth). Re-authenticate with: …"): not an attempt
    parts[-1] = _HINT.sub(r"\1", parts[-1])
    if n != len(c.runs) or len(parts) != len(c.runs):
        _fail(
            v,
            "summary-honest",
            f"call {c.call}: summary says {n} attempts ({len(parts)} listed) but run executed {len(c.runs)} times",
            end,
            c.call,
        )
        return
    for k, (part, (start, outcome)) in enumerate(zip(parts, c.runs)):
        pm = _PART.match(part)
        if pm is None or pm.group("candidate") != start.data["candidate"]:
            _fail(
                v, "summary-honest", f"call {c.call}: summary entry {k + 1} {part!r} does not name {start.data['candidate']}", end, c.call
            )
            return
        if outcome is None or outcome.kind != EventKind.RUN_RAISE:
            continue
        if outcome.data["message"] not in pm.group("message"):
            _fail(
                v, "summary-honest", f"call {c.call}: summary entry {k + 1} misreports the error of {start.data['candidate']}", end, c.call
            )
            return
        if pm.group("reason") is None:
            _fail(v, "summary-honest", f"call {c.call}: summary entry {k + 1} {part!r} names no reason", end, c.call)
            return
        want = EXPECTED_REASON.get(outcome.data["root"])
        # the reason must be right when the failure is reachable through error/cause within openclaw's depth limit
        if want is not None and outcome.data.get("depth", -1) >= 0 and pm.group("reason") != want:
            _fail(
                v,
                "summary-honest",
                f"call {c.call}: summary gives reason {pm.group('reason')!r} for {start.data['candidate']}, expected {want!r}",
                end,
                c.call,
            )
            return


def _fail_at(v: Verdicts, invariant: str, message: str, at: tuple[int, Event], call: int | None) -> None:
    v.violations.append(Violation(invariant, message, at[1].t, call, at[0]))


def _misuse_message(c: _Call, e: Event) -> str:
    where = e.data.get("where")
    return f"call {c.call}: {e.data.get('message')}" + (f" at {where}" if where else "")


def _check_contract(c: _Call, v: Verdicts) -> bool:
    """`driver-contract` for one ended call; True when it held. One verdict per call: the first breach."""
    end = c.end
    assert end is not None and c.end_index is not None
    v.checked["driver-contract"] += 1
    at = (c.end_index, end)
    if c.misuse is not None:
        _fail_at(v, "driver-contract", _misuse_message(c, c.misuse[1]), c.misuse, c.call)
        return False
    data = end.data
    if end.kind == EventKind.CALL_CRASH:
        where = f" at {data.get('where')}" if data.get("where") else ""
        if data.get("recursion"):  # the cycle case: a walk with no end, which is what `terminates` is about
            message = f"call {c.call}: the driver recursed without bound{where} (a cycle walked without a seen-set?)"
            _fail_at(v, "terminates", message, at, c.call)
            return True
        kind, text = data.get("type"), data.get("message")
        if kind == "SystemExit":
            what = f"exited (SystemExit: {text})"
        elif kind == "KeyboardInterrupt":
            what = f"raised a KeyboardInterrupt of its own: {text!r}"
        else:
            what = f"raised {kind}: {text}" if text else f"raised {kind}"
        _fail_at(v, "driver-contract", f"call {c.call}: the driver {what}{where}", at, c.call)
        return False
    if not c.runs:
        outcome = f"returned {data.get('value')!r}" if end.kind == EventKind.CALL_RETURN else f"threw {data.get('name')}: {data.get('message')!r}"
        where = f" at {data.get('where')}" if data.get("where") else ""
        _fail_at(v, "driver-contract", f"call {c.call}: the driver{where} {outcome} without running any candidate", at, c.call)
        return False
    unfinished = next((start for start, outcome in c.runs if outcome is None), None)
    if unfinished is not None:
        message = (
            f"call {c.call}: the driver ended the call while run({unfinished.data['candidate']}) was unfinished (an abandoned attempt)"
        )
        _fail_at(v, "driver-contract", message, at, c.call)
        return False
    if data.get("fabricated"):
        made = [o.data.get("value") for _, o in c.runs if o is not None and o.kind == EventKind.RUN_OK]
        produced = " or ".join(repr(x) for x in made) if made else "nothing (every attempt failed)"
        where = f" at {data.get('where')}" if data.get("where") else ""
        message = f"call {c.call}: the driver{where} returned {data.get('value')!r}, which no run produced (run returned {produced})"
        _fail_at(v, "driver-contract", message, at, c.call)
        return False
    return True


def _nth_run(calls: Iterable[_Call], event: Event) -> int:
    for c in calls:
        if c.call == event.data["call"]:
            for n, (_, outcome) in enumerate(c.runs, 1):
                if outcome is event:
                    return n
    return 0


def describe_violations(violations: Iterable[Violation]) -> list[dict[str, Any]]:
    return [{"invariant": x.invariant, "message": x.message, "at_ms": x.at, "call": x.call} for x in violations]


Checker = Callable[[Trace, Profile], Verdicts]
