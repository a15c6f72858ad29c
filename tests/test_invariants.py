"""Each invariant checker, judged directly on hand-written traces: one that breaks it and one that keeps it.

A `Story` writes one trace the way the world would (the same event kinds and fields), at virtual times the test
chooses; `check` judges it. The last tests pin what the judge adds on top: the order verdicts come in,
`not_applicable`, and the `sometimes` situations counted in the same pass.
"""

from __future__ import annotations

from typing import Any

from simharness.check.judge import check
from simharness.check.verdicts import Verdicts
from simharness.model.kinds import EventKind as K
from simharness.model.target import ALL_KINDS_PROFILE, EMBEDDED_LOCK_PROFILE, Profile
from simharness.model.trace import Trace

A, B, C = "openai/gpt-5", "anthropic/claude", "google/gemini"

#: What the world records for an attempt that fails with each kind (the fields of `run.raise`).
FAILURES: dict[str, dict[str, Any]] = {
    "rate_limit": {"category": "explicit", "root": "rate_limit", "coord": [], "shape": "RateLimitError", "message": "429 slow down"},
    "timeout": {"category": "timeout", "root": "timeout", "coord": [], "shape": "TimeoutError", "message": "timed out"},
    "takeover": {
        "category": "coordination",
        "root": "takeover",
        "coord": ["takeover"],
        "shape": "SessionTakeoverError",
        "message": "taken",
    },
    "active_turn_claim": {
        "category": "coordination",
        "root": "active_turn_claim",
        "coord": ["active_turn_claim"],
        "shape": "AbortError --reason--> ActiveTurnClaimError",
        "message": "turn claimed",
    },
    "context_overflow": {
        "category": "terminal",
        "root": "context_overflow",
        "coord": [],
        "shape": "ContextOverflowError",
        "message": "too long",
    },
}


class Story:
    """One session's driver calls, written event by event (call 1 unless told otherwise)."""

    def __init__(self, session: str = "session-1") -> None:
        self.trace = Trace()
        self.session = session
        self.t = 0
        self.errs = 0  # uids handed out to failures

    def at(self, t: int) -> Story:
        self.t = t
        return self

    def event(self, actor: str, kind: str, **data: Any) -> Story:
        self.trace.add(self.t, actor, kind, **data)
        return self

    def start(self, chain: tuple[str, ...] = (A, B, C), call: int = 1) -> Story:
        return self.event(self.session, K.CALL_START, call=call, chain=list(chain))

    def run(self, candidate: str, call: int = 1) -> Story:
        return self.event(self.session, K.RUN_START, call=call, candidate=candidate)

    def ok(self, value: str = "hi", call: int = 1) -> Story:
        return self.event(self.session, K.RUN_OK, call=call, value=value)

    def fails(self, kind: str, call: int = 1, depth: int = 0) -> Story:
        self.errs += 1
        return self.event(self.session, K.RUN_RAISE, call=call, err=self.errs, depth=depth, **FAILURES[kind])

    def on_error(self, candidate: str, call: int = 1) -> Story:
        return self.event(self.session, K.ON_ERROR, call=call, candidate=candidate, err=self.errs)

    def returns(self, value: str = "hi", call: int = 1, **extra: Any) -> Story:
        return self.event(self.session, K.CALL_RETURN, call=call, value=value, **extra)

    def rethrows(self, call: int = 1) -> Story:
        """The call throws the last failure's own error (the same uid and message)."""
        last = self.trace.of_kind(K.RUN_RAISE)[-1].data
        return self.event(self.session, K.CALL_RAISE, call=call, err=last["err"], name="Error", message=last["message"])

    def throws(self, message: str, err: int | None = None, name: str = "Error", call: int = 1) -> Story:
        """The call throws an error of the driver's own (`err` None) or the world error with uid `err`."""
        return self.event(self.session, K.CALL_RAISE, call=call, err=err, name=name, message=message)

    def crash(self, type_: str, message: str, call: int = 1, **flags: Any) -> Story:
        return self.event(self.session, K.CALL_CRASH, call=call, type=type_, message=message, where="driver.py:7", **flags)


def judged(story: Story, profile: Profile = ALL_KINDS_PROFILE) -> Verdicts:
    return check(story.trace, profile)


def said(v: Verdicts, invariant: str | None = None) -> list[str]:
    """The violation messages (of one invariant, or all as `invariant: message`), in verdict order."""
    if invariant is None:
        return [f"{x.invariant}: {x.message}" for x in v.violations]
    return [x.message for x in v.violations if x.invariant == invariant]


def fallback_then_success() -> Story:
    """The healthy case: a rate limit on A, onError for it, B succeeds and its value is returned."""
    return Story().start().run(A).at(5).fails("rate_limit").on_error(A).run(B).at(9).ok("B says hi").returns("B says hi")


def test_a_healthy_fallback_holds_every_invariant() -> None:
    v = judged(fallback_then_success())
    assert v.ok, said(v)
    counted = {k: n for k, n in v.checked.items() if n}
    assert counted == {"terminates": 1, "driver-contract": 1, "explicit-metadata-advances": 1, "success-stops": 1}


# --- terminates ------------------------------------------------------------------------------------------------


def test_terminates_a_call_that_never_ends() -> None:
    v = judged(Story().start().run(A))
    assert said(v) == ["terminates: call 1 of session-1 never ended (the driver is stuck waiting)"]
    assert v.checked["terminates"] == 1 and v.checked["driver-contract"] == 0


def test_terminates_a_crash_by_unbounded_recursion_points_at_the_crash() -> None:
    v = judged(Story().start().run(A).fails("takeover").crash("RecursionError", "maximum recursion depth", recursion=True))
    assert said(v) == ["terminates: call 1: the driver recursed without bound at driver.py:7 (a cycle walked without a seen-set?)"]
    assert v.violations[0].event == 3  # the call.crash
    assert v.checked["driver-contract"] == 1  # checked, held: the recursion is this invariant's verdict


def test_terminates_leaves_a_recursion_after_a_recorded_breach_to_driver_contract() -> None:
    story = Story().start().run(A).event("session-1", K.DRIVER_MISUSE, call=1, message="onError(None)", where="d.py:3")
    v = judged(story.crash("RecursionError", "maximum recursion depth", recursion=True))
    assert said(v) == ["driver-contract: call 1: onError(None) at d.py:3"]


def test_terminates_holds_for_a_call_that_ends() -> None:
    v = judged(Story().start().run(A).ok().returns())
    assert v.ok and v.checked["terminates"] == 1


# --- driver-contract -------------------------------------------------------------------------------------------


def test_driver_contract_an_exception_of_the_drivers_own() -> None:
    v = judged(Story().start().run(A).fails("rate_limit").crash("KeyError", "'reason'"))
    assert said(v) == ["driver-contract: call 1: the driver raised KeyError: 'reason' at driver.py:7"]
    assert v.violations[0].event == 3


def test_driver_contract_exit_abandoned_run_fabrication_and_no_run() -> None:
    assert said(judged(Story().start().crash("SystemExit", "2")), "driver-contract") == [
        "call 1: the driver exited (SystemExit: 2) at driver.py:7"
    ]
    assert said(judged(Story().start().run(A).returns("made up")), "driver-contract") == [
        f"call 1: the driver ended the call while run({A}) was unfinished (an abandoned attempt)"
    ]
    fabricated = Story().start().run(A).fails("rate_limit").returns("canned", fabricated=True, where="driver.py:9")
    assert said(judged(fabricated), "driver-contract") == [
        "call 1: the driver at driver.py:9 returned 'canned', which no run produced (run returned nothing (every attempt failed))"
    ]
    assert said(judged(Story().start().returns("x")), "driver-contract") == [
        "call 1: the driver returned 'x' without running any candidate"
    ]


def test_driver_contract_a_breach_the_world_recorded_even_when_the_call_never_ended() -> None:
    story = Story().start().run(A).fails("rate_limit").event("session-1", K.DRIVER_MISUSE, call=1, message="onError(None)", where="d.py:3")
    v = judged(story)
    assert said(v) == [
        "terminates: call 1 of session-1 never ended (the driver is stuck waiting)",
        "driver-contract: call 1: onError(None) at d.py:3",
    ]
    assert v.violations[1].event == 3 and v.checked["driver-contract"] == 1


def test_driver_contract_holds_when_the_driver_ran_its_chain() -> None:
    v = judged(fallback_then_success())
    assert said(v, "driver-contract") == [] and v.checked["driver-contract"] == 1


# --- explicit-metadata-advances --------------------------------------------------------------------------------


def test_explicit_metadata_advances_skipping_a_candidate() -> None:
    v = judged(Story().start().run(A).fails("rate_limit").on_error(A).run(C).ok().returns())
    assert said(v) == [f"explicit-metadata-advances: call 1: after {A} the driver ran {C}, not {B}"]
    assert v.violations[0].shape == "RateLimitError [rate_limit]"


def test_explicit_metadata_advances_stopping_instead_of_advancing() -> None:
    v = judged(Story().start().run(A).fails("rate_limit").rethrows())
    assert said(v, "explicit-metadata-advances") == [f"call 1: RateLimitError from {A} did not advance to {B}"]


def test_explicit_metadata_advances_running_the_wrong_candidate_first() -> None:
    v = judged(Story().start().run(B).fails("rate_limit").rethrows())
    assert said(v, "explicit-metadata-advances")[0] == f"call 1: attempt 1 ran {B}, not {A}"


def test_explicit_metadata_advances_holds_in_chain_order() -> None:
    v = judged(Story().start().run(A).fails("rate_limit").on_error(A).run(B).fails("rate_limit").on_error(B).run(C).ok().returns())
    assert said(v, "explicit-metadata-advances") == [] and v.checked["explicit-metadata-advances"] == 2


# --- success-stops ---------------------------------------------------------------------------------------------


def test_success_stops_a_candidate_ran_after_a_success() -> None:
    v = judged(Story().start().run(A).ok().run(B).ok().returns())
    assert said(v) == [f"success-stops: call 1: {B} ran after {A} succeeded"]


def test_success_stops_the_success_was_not_returned() -> None:
    v = judged(Story().start().run(A).ok("real").returns("other"))
    assert said(v, "success-stops") == [f"call 1: success of {A} was not returned"]


def test_success_stops_holds_when_the_first_success_is_returned() -> None:
    v = judged(fallback_then_success())
    assert said(v, "success-stops") == [] and v.checked["success-stops"] == 1


# --- coordination-single-run -----------------------------------------------------------------------------------


def test_coordination_single_run_fell_back_after_a_coordination_error() -> None:
    v = judged(Story().start().run(A).fails("takeover").run(B).ok().returns())
    assert said(v, "coordination-single-run") == [f"call 1: SessionTakeoverError from {A} did not stop the chain: run executed 2 times"]
    assert v.violations[0].shape == "SessionTakeoverError [takeover]"


def test_coordination_single_run_swallowed_rewrapped_or_reported() -> None:
    swallowed = judged(Story().start().run(A).fails("takeover").returns(""))
    assert said(swallowed, "coordination-single-run") == [f"call 1: SessionTakeoverError from {A} was swallowed (the call returned)"]
    rewrapped = judged(Story().start().run(A).fails("takeover").throws("wrapped", err=99, name="FailoverError"))
    assert said(rewrapped, "coordination-single-run") == [
        f"call 1: SessionTakeoverError from {A} was not rethrown as the same object; caller got FailoverError: wrapped"
    ]
    reported = judged(Story().start().run(A).fails("takeover").on_error(A).rethrows())
    assert said(reported, "coordination-single-run") == [f"call 1: onError was called for SessionTakeoverError from {A}"]


def test_coordination_single_run_holds_when_the_same_error_is_rethrown_at_once() -> None:
    v = judged(Story().start().run(A).at(4).fails("takeover").rethrows())
    assert v.ok and v.checked["coordination-single-run"] == 1


def test_coordination_invariants_do_not_apply_to_a_kind_the_profile_lacks() -> None:
    story = Story().start().run(A).fails("active_turn_claim").run(B).ok().returns()
    v = judged(story, EMBEDDED_LOCK_PROFILE)
    assert said(v, "coordination-single-run") == [] and said(v, "no-idle-burn") == []
    assert v.not_applicable["coordination-single-run"] == v.not_applicable["no-idle-burn"] == 1
    assert v.checked["coordination-single-run"] == 0
    assert said(judged(story), "coordination-single-run")  # a profile that knows the kind judges it


# --- no-idle-burn ----------------------------------------------------------------------------------------------


def test_no_idle_burn_a_coordination_error_followed_by_waiting() -> None:
    v = judged(Story().start().run(A).at(10).fails("takeover").at(510).rethrows())
    assert said(v) == [f"no-idle-burn: call 1: SessionTakeoverError from {A} at 10 ms, but the call ended at 510 ms"]
    assert v.violations[0].at == 510


def test_no_idle_burn_holds_when_the_call_ends_at_the_same_instant() -> None:
    v = judged(Story().start().run(A).at(10).fails("takeover").rethrows())
    assert said(v, "no-idle-burn") == [] and v.checked["no-idle-burn"] == 1


# --- terminal-stops --------------------------------------------------------------------------------------------


def test_terminal_stops_a_candidate_ran_after_a_context_overflow() -> None:
    v = judged(Story().start().run(A).fails("context_overflow").on_error(A).run(B).ok().returns())
    assert said(v) == [f"terminal-stops: call 1: ContextOverflowError from {A} did not end the call: {B} ran next"]
    assert v.violations[0].shape == "ContextOverflowError [context_overflow]"


def test_terminal_stops_holds_when_the_overflow_ends_the_call() -> None:
    v = judged(Story().start().run(A).fails("context_overflow").rethrows())
    assert v.ok and v.checked["terminal-stops"] == 1


# --- summary-honest --------------------------------------------------------------------------------------------


def two_failures() -> Story:
    return Story().start((A, B)).run(A).fails("rate_limit").on_error(A).run(B).fails("timeout").on_error(B)


SUMMARY = f"All models failed (2): {A}: 429 slow down (rate_limit) | {B}: timed out (timeout)"


def test_summary_honest_a_miscounted_summary() -> None:
    v = judged(two_failures().throws(SUMMARY.replace("(2)", "(3)")))
    assert said(v) == ["summary-honest: call 1: summary says 3 attempts (2 listed) but run executed 2 times"]


def test_summary_honest_a_wrong_reason_and_a_summary_of_one() -> None:
    v = judged(two_failures().throws(SUMMARY.replace("(rate_limit)", "(auth)")))
    assert said(v, "summary-honest") == [f"call 1: summary gives reason 'auth' for {A}, expected 'rate_limit'"]
    one = Story().start((A,)).run(A).fails("rate_limit").on_error(A).throws(f"All models failed (1): {A}: 429 slow down (rate_limit)")
    assert said(judged(one), "summary-honest") == ["call 1: a summary of a single attempt instead of that attempt's own error"]


def test_summary_honest_an_earlier_attempts_error_or_an_unreadable_one() -> None:
    earlier = judged(two_failures().throws("429 slow down", err=1))
    assert said(earlier, "summary-honest") == ["call 1: the caller got the error of an earlier attempt, not of the last one"]
    unreadable = judged(two_failures().throws("something broke"))
    assert said(unreadable, "summary-honest")[0].startswith(
        "call 1: after 2 failed attempts the driver threw Error: 'something broke', which is neither the last attempt's error nor a summary"
    )


def test_summary_honest_an_onerror_log_that_misses_an_attempt() -> None:
    story = Story().start((A, B)).run(A).fails("rate_limit").run(B).fails("timeout").on_error(B).throws(SUMMARY)
    assert said(judged(story)) == [f"summary-honest: call 1: onError reported {B} but the failed attempts were {A}, {B}"]


def test_summary_honest_leaves_the_onerror_log_of_a_coordination_stop_alone() -> None:
    """After a coordination error any onError question is coordination-single-run's, even a missing report for A."""
    v = judged(Story().start().run(A).fails("rate_limit").run(B).fails("takeover").rethrows())
    assert v.ok, said(v)
    assert v.checked["summary-honest"] == 1  # only the thrown error: B's own, as it should be


def test_summary_honest_holds_for_a_true_summary_and_log() -> None:
    v = judged(two_failures().throws(SUMMARY))
    assert v.ok, said(v)
    assert v.checked["summary-honest"] == 2  # the thrown summary, and the onError log


# --- lock-exclusive --------------------------------------------------------------------------------------------


def lock(story: Story, kind: str, owner: str, **data: Any) -> Story:
    return story.event("lock:sess-a.jsonl", kind, owner=owner, **data)


def test_lock_exclusive_two_holders_at_once() -> None:
    story = lock(lock(Story(), K.LOCK_ACQUIRE, "session-1"), K.LOCK_ACQUIRE, "session-2")
    v = judged(story)
    assert said(v) == ["lock-exclusive: sess-a.jsonl: session-2 acquired the lock while session-1 still held it"]
    assert v.checked["lock-exclusive"] == 2 and v.violations[0].call is None


def test_lock_exclusive_holds_after_a_release_or_a_stale_takeover() -> None:
    released = lock(lock(lock(Story(), K.LOCK_ACQUIRE, "session-1"), K.LOCK_RELEASE, "session-1"), K.LOCK_ACQUIRE, "session-2")
    assert judged(released).ok
    stale = lock(lock(Story(), K.LOCK_ACQUIRE, "session-1"), K.LOCK_STALE_TAKEOVER, "session-2", previous="session-1")
    v = judged(lock(stale, K.LOCK_ACQUIRE, "session-2"))
    assert v.ok and v.checked["lock-exclusive"] == 2 and "stale_lock_takeover" in v.situations


# --- no-silent-overwrite ---------------------------------------------------------------------------------------


def window(changed: bool, writer: str = "writer:gateway-1") -> Story:
    story = Story().at(3).event("session-1", K.WINDOW_OPEN, call=1, file="sess-a.jsonl")
    story.at(4).event(writer, K.FILE_WRITE, file="sess-a.jsonl", by=writer, size=10)
    return story.at(6).event("session-1", K.WINDOW_CLOSE, call=1, file="sess-a.jsonl", changed=changed)


def test_no_silent_overwrite_a_foreign_write_nobody_noticed() -> None:
    v = judged(window(changed=False))
    assert said(v) == [
        "no-silent-overwrite: writer:gateway-1 wrote sess-a.jsonl at 4 ms inside session-1's release window and no takeover was detected"
    ]
    assert (v.violations[0].at, v.violations[0].call) == (6, 1)


def test_no_silent_overwrite_holds_when_the_write_is_detected_or_the_sessions_own() -> None:
    noticed = judged(window(changed=True))
    assert noticed.ok and noticed.checked["no-silent-overwrite"] == 1
    own = judged(window(changed=False, writer="session-1"))
    assert own.ok and own.checked["no-silent-overwrite"] == 0  # nothing foreign inside: nothing to check


# --- the judge: order, one pass, situations --------------------------------------------------------------------


def test_verdicts_come_per_call_in_checker_order_then_locks_then_windows() -> None:
    story = window(changed=False)  # a window violation, written first in the trace
    lock(lock(story, K.LOCK_ACQUIRE, "session-1"), K.LOCK_ACQUIRE, "session-2")
    story.start(call=1).run(A, call=1).fails("rate_limit", call=1).on_error(A, call=1).run(C, call=1).fails("takeover", call=1)
    story.on_error(C, call=1).at(20).rethrows(call=1)
    story.start(call=2).run(A, call=2).ok("x", call=2).returns("y", call=2)
    assert [x.invariant for x in judged(story).violations] == [
        "explicit-metadata-advances",  # call 1: the fallback skipped B ...
        "coordination-single-run",  # ... then C's takeover was reported to onError ...
        "no-idle-burn",  # ... and rethrown 14 ms late
        "success-stops",  # call 2
        "lock-exclusive",
        "no-silent-overwrite",
    ]


def test_situations_are_counted_in_the_same_pass() -> None:
    story = two_failures().throws(SUMMARY)
    story.start(call=2).run(A, call=2).fails("rate_limit", call=2).run(B, call=2).ok("x", call=2).returns("x", call=2)
    story.start(call=3).run(A, call=3).fails("active_turn_claim", call=3).rethrows(call=3)
    assert judged(story).situations == {
        "chain_exhausted",
        "success_after_fallback",
        "coordination_rethrown",
        "nested_coordination",
        "abort_wrapped_coordination",
        "runtime_coordination_wrapped",
    }


def test_every_invariant_but_deterministic_has_its_own_checker_module() -> None:
    """`deterministic` compares two runs (explore.suite replays); every other id has a module named for it."""
    import pkgutil

    import simharness.check.invariants as package
    from simharness.check.judge import CALL_CHECKERS, EVENT_CHECKERS, LEDGER_CHECKERS
    from simharness.model.kinds import INVARIANTS

    modules = {m.name.replace("_", "-") for m in pkgutil.iter_modules(package.__path__)}
    assert modules == set(INVARIANTS) - {"deterministic"}
    assert len(CALL_CHECKERS) + len(EVENT_CHECKERS) + len(LEDGER_CHECKERS) == len(modules)
