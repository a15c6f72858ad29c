"""`summary-honest`: the final error names exactly the attempts made, in order, with their reasons and the
right N; onError reports each failed attempt once, in order.

Decided per call that returned or threw, in two parts:
- the error a call threw (`_judge_thrown`): an "All models failed (N): candidate: message (reason) | …" summary
  must list every attempt, in order, with its own message and a reason the oracle accepts for what the world
  built (`oracle.accepted_reasons`: the older kinds' one reason, and for openclaw's vocabulary — shaped failures
  in every form, network codes, plain objects, message-only and bodiless errors, thrown FailoverErrors, detail
  codes, provider rules, live switches — its table, a set where releases renamed a reason), and N must be the
  attempt count; a single attempt owes its own error, never a summary; a raw error must be
  the last attempt's own (or, when the driver stopped early, the driver's own error carrying it).
  In worlds with [auth] the attempts also hold each candidate the driver skipped (`candidate.skip`, in chain
  order: openclaw lists a skipped candidate with its reason), and a runner's refusal (`runner.refused`) owes the
  reason it refused with.
- the onError log (`_judge_reports`), unless the call stopped at a coordination error (any onError then is
  `coordination-single-run`'s verdict): each failed attempt once, in order, naming its candidate.
A call that met a provider rule the target's profile lacks (`PROVIDER_RULE_KINDS`) is not applicable.
"""

from __future__ import annotations

import re
from typing import Any

from simharness.check.calls import Call, jumped
from simharness.check.oracle import EXPECTED_REASON, accepted_reasons
from simharness.check.verdicts import Verdicts, fail
from simharness.model.kinds import PROVIDER_RULE_KINDS, EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

INVARIANT = "summary-honest"

_SUMMARY = re.compile(r"^All models failed \((\d+)\): (.*)$", re.DOTALL)
#: 2026.9.x appends an auth remedy to the last entry (`buildFailoverRemediationHint`): only that text is not an attempt.
_HINT = re.compile(r"^(.* \((?:auth|auth_permanent)\))\. (?:Re-authenticate with: |Authenticate in Gemini CLI directly).*$", re.DOTALL)
_PART = re.compile(r"^(?P<candidate>[^/\s]+/[^:\s]+): (?P<message>.*?)(?: \((?P<reason>[a-z_]+)\))?$", re.DOTALL)


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    if not c.has_outcome:
        return
    assert c.end is not None
    if any(o is not None and o.data.get("root") in PROVIDER_RULE_KINDS - profile.kinds for _, o in c.runs):
        v.not_applicable[INVARIANT] += 1  # a provider rule the target's core does not implement (a plugin's)
        return
    if c.end.kind == EventKind.CALL_RAISE:
        _judge_thrown(c, c.end, v)
    halt = c.halt
    if halt is None or halt.category != "coordination":
        _judge_reports(c, c.end, v)


def _judge_reports(c: Call, end: Event, v: Verdicts) -> None:
    """onError reports each failed attempt once, in order, naming its candidate — the attempt log a summary is
    built from. The last failure may go unreported when its own error is rethrown (openclaw rethrows an
    unclassified error on the last candidate, or a context overflow, before recording it)."""
    fails = [  # a live model switch is never reported (`switch-goes-to-target`)
        start.data["candidate"]
        for start, outcome in c.runs
        if outcome is not None and outcome.kind == EventKind.RUN_RAISE and "switch" not in outcome.data
    ]
    if (not fails and not c.on_errors) or c.misuse is not None:  # a misused onError is driver-contract's verdict alone
        return
    told = [e.data.get("candidate") for e in c.on_errors]
    raw = end.kind == EventKind.CALL_RAISE and _SUMMARY.match(end.data.get("message", "")) is None
    held = told == fails or (raw and told == fails[:-1])
    if held and len(fails) < 2:
        return  # one failure reported or not: nothing a fallback decided, so not counted as a check
    v.checked[INVARIANT] += 1
    if held:
        return
    if fails:
        were = f"the failed attempts were {', '.join(fails)}"
    else:  # only live model switches failed (or nothing did): say so, never a blank list
        switched = [s.data["candidate"] for s, o in c.runs if o is not None and o.kind == EventKind.RUN_RAISE]
        were = (
            f"no attempt failed but live model switches ({', '.join(switched)}), which onError never reports"
            if switched
            else "no attempt failed"
        )
    message = f"call {c.call}: onError reported {', '.join(map(str, told)) or 'nothing'} but {were}"
    fail(v, INVARIANT, message, c.on_errors[0] if c.on_errors else end, c.call)


def _judge_thrown(c: Call, end: Event, v: Verdicts) -> None:
    message = end.data.get("message", "")
    m = _SUMMARY.match(message)
    if m is None:
        _judge_raw(c, end, message, v)
        return
    v.checked[INVARIANT] += 1
    problem = _summary_problem(c, int(m.group(1)), m.group(2))
    if problem is not None:
        fail(v, INVARIANT, f"call {c.call}: {problem}", end, c.call)


def _judge_raw(c: Call, end: Event, message: str, v: Verdicts) -> None:
    """A raw error must be the last attempt's own error (with at most one attempt, or when rethrown)."""
    skip = jumped(c)  # live switches to a later candidate: not attempts
    failed = [o for i, (_, o) in enumerate(c.runs) if o is not None and o.kind == EventKind.RUN_RAISE and i not in skip]
    if failed and end.data.get("err") is not None:
        v.checked[INVARIANT] += 1
        if end.data["err"] != failed[-1].data["err"]:
            fail(v, INVARIANT, f"call {c.call}: the caller got the error of an earlier attempt, not of the last one", end, c.call)
    elif len(failed) >= 2:
        # After two or more failed attempts the caller gets the summary, or the last attempt's own error: as it
        # is, or as the driver's own error wrapping it or carrying its message (openclaw rethrows a context
        # overflow as its FailoverError). Anything else cannot be read as either.
        v.checked[INVARIANT] += 1
        last = failed[-1].data
        # The last error may come back dressed as the driver's own (openclaw's FailoverError around it) only when it
        # ended the call before the chain ran out — a context overflow, or what the driver took for coordination
        # (whether stopping was right is the other invariants' call); an exhausted chain owes a summary.
        chain = c.start.data["chain"]
        stopped_early = (
            last.get("category") == "terminal" or last.get("root") == "context_overflow" or len(c.runs) + len(c.skips) < len(chain)
        )
        dressed = stopped_early and (end.data.get("wraps") == last.get("err") or str(last.get("message", "")) in message)
        if not dressed:
            fail(
                v,
                INVARIANT,
                f"call {c.call}: after {len(failed)} failed attempts the driver threw {end.data.get('name')}: {message!r}, which is "
                f"neither the last attempt's error nor a summary of the form 'All models failed (N): provider/model: message (reason) | …'",
                end,
                c.call,
            )


def _entries(c: Call) -> list[tuple[int, Event, Event | None] | Event]:
    """The attempts a summary lists, in chain order: each run but a live switch to a later candidate, as
    (position, run.start, outcome), and in worlds with [auth] each candidate the driver skipped, as its
    candidate.skip. Ordered by chain position, not by trace order: a Node target's skips reach the trace only when
    its call has returned (`node.py` reads them off the release's `attempts`)."""
    skip = jumped(c)  # a live switch to a later candidate records no attempt
    runs: list[tuple[int, Event, Event | None] | Event] = [(i, s, o) for i, (s, o) in enumerate(c.runs) if i not in skip]
    if not c.skips:
        return runs
    chain: list[str] = list(c.start.data.get("chain", ()))
    keyed: list[tuple[int, int, int, tuple[int, Event, Event | None] | Event]] = []
    taken: set[int] = set()
    here = 0
    for n, entry in enumerate(runs):  # a run's chain position: its candidate's, at or after the previous run's
        assert not isinstance(entry, Event)
        candidate = entry[1].data.get("candidate")
        here = next((j for j in range(here, len(chain)) if chain[j] == candidate), here)
        taken.add(here)
        keyed.append((here, 1, n, entry))
    for n, e in enumerate(c.skips):  # a skip's: its candidate's, where no run was
        candidate = e.data.get("candidate")
        keyed.append((next((j for j, x in enumerate(chain) if x == candidate and j not in taken), len(chain)), 0, n, e))
    return [entry for *_, entry in sorted(keyed, key=lambda k: k[:3])]


def _summary_problem(c: Call, n: int, listed: str) -> str | None:
    """What is wrong with a summary claiming `n` attempts and listing `listed`: the first problem, or None."""
    entries = _entries(c)
    ran = sum(not isinstance(e, Event) for e in entries)  # (an Event is a NamedTuple: test for it, not for tuple)
    if len(entries) == 1 and ran == 1:  # one attempt: its own error, never a summary of one
        return "a summary of a single attempt instead of that attempt's own error"
    parts = listed.split(" | ")
    # 2026.9.x appends a remedy after the last reason ("… (auth). Re-authenticate with: …"): not an attempt
    parts[-1] = _HINT.sub(r"\1", parts[-1])
    if n != len(entries) or len(parts) != len(entries):
        skipped = f" and {len(entries) - ran} candidates were skipped" if ran < len(entries) else ""
        return f"summary says {n} attempts ({len(parts)} listed) but run executed {ran} times{skipped}"
    for k, (part, entry) in enumerate(zip(parts, entries)):
        pm = _PART.match(part)
        if isinstance(entry, Event):  # a skipped candidate: named with the skip's own reason (openclaw lists it)
            candidate, reason = entry.data["candidate"], entry.data.get("reason")
            if pm is None or pm.group("candidate") != candidate:
                return f"summary entry {k + 1} {part!r} does not name {candidate} (skipped)"
            if str(entry.data.get("message") or "") not in pm.group("message"):
                return f"summary entry {k + 1} misreports why {candidate} was skipped"
            if isinstance(reason, str) and reason and pm.group("reason") != reason:
                return f"summary gives reason {pm.group('reason')!r} for {candidate}, skipped for {reason!r}"
            continue
        position, start, outcome = entry
        candidate = start.data["candidate"]
        if pm is None or pm.group("candidate") != candidate:
            return f"summary entry {k + 1} {part!r} does not name {candidate}"
        if outcome is None or outcome.kind != EventKind.RUN_RAISE:
            continue
        if outcome.data["message"] not in pm.group("message"):
            return f"summary entry {k + 1} misreports the error of {candidate}"
        if pm.group("reason") is None:
            return f"summary entry {k + 1} {part!r} names no reason"
        fault = c.faults.get(position)
        truth: dict[str, Any] = {} if fault is None else dict(fault.data)
        if fault is not None and fault.kind == EventKind.RUNNER_REFUSED:
            truth = {"refused": fault.data.get("reason")}
        want = accepted_reasons(outcome.data["root"], str(outcome.data["message"]), truth)
        # the reason must be right when the failure is reachable through error/cause within openclaw's depth limit
        if want is not None and outcome.data.get("depth", -1) >= 0 and pm.group("reason") not in want:
            expected = " or ".join(repr(r) for r in sorted(want))
            what = "" if outcome.data["root"] in EXPECTED_REASON else f" ({_what(outcome, truth)})"  # older kinds: as before
            return f"summary gives reason {pm.group('reason')!r} for {candidate}{what}, expected {expected}"
    return None


def _what(outcome: Event, truth: dict[str, Any]) -> str:
    """What the world built for an attempt, in words a report reader knows: `a 429 as form 'body'`, ..."""
    if "refused" in truth:
        return f"the runner refused it for {truth['refused']!r}"
    if truth.get("fault") == "shaped":
        return f"the world's {truth.get('failure')} failure in form {truth.get('form')!r}"
    return f"the world's {outcome.data['root']} error {str(outcome.data['message'])[:60]!r}"
