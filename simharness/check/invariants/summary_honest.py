"""`summary-honest`: the final error names exactly the attempts made, in order, with their reasons and the
right N; onError reports each failed attempt once, in order.

Decided per call that returned or threw, in two parts:
- the error a call threw (`_judge_thrown`): an "All models failed (N): candidate: message (reason) | …" summary
  must list every attempt, in order, with its own message and the reason the oracle expects (`EXPECTED_REASON`),
  and N must be the attempt count; a single attempt owes its own error, never a summary; a raw error must be
  the last attempt's own (or, when the driver stopped early, the driver's own error carrying it).
- the onError log (`_judge_reports`), unless the call stopped at a coordination error (any onError then is
  `coordination-single-run`'s verdict): each failed attempt once, in order, naming its candidate.
A call that met a provider rule the target's profile lacks (`PROVIDER_RULE_KINDS`) is not applicable.
"""

from __future__ import annotations

import re

from simharness.check.calls import Call, jumped
from simharness.check.oracle import EXPECTED_REASON
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
    message = f"call {c.call}: onError reported {', '.join(map(str, told)) or 'nothing'} but the failed attempts were {', '.join(fails)}"
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
        stopped_early = last.get("category") == "terminal" or last.get("root") == "context_overflow" or len(c.runs) < len(chain)
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


def _summary_problem(c: Call, n: int, listed: str) -> str | None:
    """What is wrong with a summary claiming `n` attempts and listing `listed`: the first problem, or None."""
    skip = jumped(c)  # a live switch to a later candidate records no attempt
    runs = [r for i, r in enumerate(c.runs) if i not in skip] if skip else c.runs
    if len(runs) == 1:  # one attempt: its own error, never a summary of one
        return "a summary of a single attempt instead of that attempt's own error"
    parts = listed.split(" | ")
    # 2026.9.x appends a remedy after the last reason ("… (auth). Re-authenticate with: …"): not an attempt
    parts[-1] = _HINT.sub(r"\1", parts[-1])
    if n != len(runs) or len(parts) != len(runs):
        return f"summary says {n} attempts ({len(parts)} listed) but run executed {len(runs)} times"
    for k, (part, (start, outcome)) in enumerate(zip(parts, runs)):
        candidate = start.data["candidate"]
        pm = _PART.match(part)
        if pm is None or pm.group("candidate") != candidate:
            return f"summary entry {k + 1} {part!r} does not name {candidate}"
        if outcome is None or outcome.kind != EventKind.RUN_RAISE:
            continue
        if outcome.data["message"] not in pm.group("message"):
            return f"summary entry {k + 1} misreports the error of {candidate}"
        if pm.group("reason") is None:
            return f"summary entry {k + 1} {part!r} names no reason"
        want = EXPECTED_REASON.get(outcome.data["root"])
        # the reason must be right when the failure is reachable through error/cause within openclaw's depth limit
        if want is not None and outcome.data.get("depth", -1) >= 0 and pm.group("reason") != want:
            return f"summary gives reason {pm.group('reason')!r} for {candidate}, expected {want!r}"
    return None
