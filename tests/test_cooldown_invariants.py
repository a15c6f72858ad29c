"""The six store invariants (issue 16), judged directly on hand-written traces of worlds with an auth-profile store.

An `AuthStory` writes the events the world writes in an `[auth]` world (the trace contract in the issue's notes):
`run.start` with the key used (`profile`) and `probe`, the provider's answer with the world's truth (`profile`,
`scope`, `retry_after_ms`), the store's writes (`store.write` with the entries after, in openclaw's JSON shape),
the runner's refusals and the driver's skips. Each invariant gets a trace that keeps it and one that breaks it,
plus the edge cases its checker decides.
"""

from __future__ import annotations

from typing import Any

from simharness.check.cooldown_ledger import PROBE_INTERVAL_MS
from simharness.check.judge import check
from simharness.check.verdicts import Verdicts
from simharness.model.kinds import EventKind as K
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.trace import Trace

A, A2, B = "openai/gpt-a", "openai/gpt-b", "anthropic/claude-c"
A3 = "openai/gpt-c"
K1, K2 = "openai:k1", "openai:k2"
STORE = (
    "sibling-not-blocked",
    "cooldown-survives-failure",
    "no-attempt-before-deadline",
    "chain-accounted",
    "retry-after-kept",
    "success-resets-errors",
)

#: `run.raise` fields of a failed attempt, by the provider's fault.
RAISED: dict[str, dict[str, Any]] = {
    "rate_limit": {"category": "explicit", "root": "rate_limit", "coord": [], "shape": "RateLimitError", "message": "429 slow down"},
    "auth": {"category": "explicit", "root": "auth", "coord": [], "shape": "AuthenticationError", "message": "401 bad key"},
    "refused": {
        "category": "explicit",
        "root": "rate_limit",
        "coord": [],
        "shape": "FailoverError",
        "message": "No available auth profile for openai (all in cooldown or unavailable).",
    },
    "takeover": {
        "category": "coordination",
        "root": "takeover",
        "coord": ["takeover"],
        "shape": "SessionTakeoverError",
        "message": "taken",
    },
}


def cooling(until: int, model: str | None = None, reason: str = "rate_limit", errors: int = 1) -> dict[str, Any]:
    """openclaw's one key-wide entry, cooling down until `until` (for `model` only when given)."""
    entry: dict[str, Any] = {"errorCount": errors, "failureCounts": {reason: errors}, "cooldownUntil": until, "cooldownReason": reason}
    if model is not None:
        entry["cooldownModel"] = model
    return entry


class AuthStory:
    """Driver calls in a world with a store, written event by event at virtual times the test chooses."""

    def __init__(self) -> None:
        self.trace = Trace()
        self.t = 0
        self.errs = 0
        self.session = "session-1"

    def at(self, t: int) -> AuthStory:
        self.t = t
        return self

    def by(self, session: str) -> AuthStory:
        self.session = session
        return self

    def event(self, actor: str, kind: str, **data: Any) -> AuthStory:
        self.trace.add(self.t, actor, kind, **data)
        return self

    def start(self, call: int, chain: tuple[str, ...] = (A, A2, B)) -> AuthStory:
        return self.event(self.session, K.CALL_START, call=call, chain=list(chain))

    def run(
        self, call: int, candidate: str, profile: str | None = K1, probe: bool = False, cooling: dict[str, str | None] | None = None
    ) -> AuthStory:
        extra: dict[str, Any] = {} if profile is None else {"profile": profile}
        if probe:
            extra["probe"] = True
        if cooling is not None:
            extra["cooling"] = cooling
        return self.event(self.session, K.RUN_START, call=call, candidate=candidate, **extra)

    def answers(
        self, call: int, candidate: str, fault: str = "success", profile: str = K1, scope: str = "model", retry_after_ms: int = 0
    ) -> AuthStory:
        provider, model = candidate.split("/")
        self.event(f"provider:{provider}", K.PROVIDER_REQUEST, call=call, model=model, fault=fault)
        if fault == "success":
            return self.event(f"provider:{provider}", K.PROVIDER_REPLY, call=call, model=model)
        truth = {"profile": profile, "scope": scope, "retry_after_ms": retry_after_ms}
        return self.event(f"provider:{provider}", K.PROVIDER_FAULT, call=call, model=model, fault=fault, **truth)

    def write(
        self,
        call: int,
        cause: str,
        model: str | None,
        after: dict[str, Any],
        profile: str = K1,
        reason: str | None = None,
        retry_after_ms: int | None = None,
        by: str = "runner",
    ) -> AuthStory:
        provider = profile.split(":")[0]
        extra = {} if retry_after_ms is None else {"retry_after_ms": retry_after_ms}
        data = {"profile": profile, "provider": provider, "cause": cause, "reason": reason, "model": model, "before": {}, "after": after}
        return self.event(self.session, K.STORE_WRITE, call=call, **data, **extra, by=by)

    def fails(self, call: int, kind: str = "rate_limit") -> AuthStory:
        self.errs += 1
        return self.event(self.session, K.RUN_RAISE, call=call, err=self.errs, depth=0, **RAISED[kind])

    def ok(self, call: int, value: str = "hi") -> AuthStory:
        return self.event(self.session, K.RUN_OK, call=call, value=value)

    def refused(self, call: int, candidate: str, reason: str = "rate_limit") -> AuthStory:
        self.run(call, candidate, profile=None)
        self.event(self.session, K.RUNNER_REFUSED, call=call, candidate=candidate, reason=reason)
        return self.fails(call, "refused")

    def skip(self, call: int, candidate: str, reason: str = "rate_limit", cooling: dict[str, str | None] | None = None) -> AuthStory:
        message = f"Provider {candidate.split('/')[0]} is in cooldown" if reason else ""
        extra = {} if cooling is None else {"cooling": cooling}
        return self.event(self.session, K.CANDIDATE_SKIP, call=call, candidate=candidate, reason=reason, message=message, **extra)

    def on_error(self, call: int, candidate: str) -> AuthStory:
        return self.event(self.session, K.ON_ERROR, call=call, candidate=candidate, err=self.errs)

    def returns(self, call: int, value: str = "hi") -> AuthStory:
        return self.event(self.session, K.CALL_RETURN, call=call, value=value)

    def throws(self, call: int, message: str) -> AuthStory:
        return self.event(self.session, K.CALL_RAISE, call=call, err=None, name="FailoverError", message=message)

    # --- whole attempts, the way the world's runner writes them ------------------------------------------------

    def limited(self, call: int, candidate: str, after: dict[str, Any], profile: str = K1, retry_after_ms: int = 0) -> AuthStory:
        """An attempt on `profile` that the provider answers with a 429 scoped to the model; the runner marks it."""
        self.run(call, candidate, profile).answers(call, candidate, "rate_limit", profile, "model", retry_after_ms)
        ra = retry_after_ms or None
        return self.write(call, "failure", candidate.split("/")[1], after, profile, "rate_limit", ra).fails(call)

    def succeeds(self, call: int, candidate: str, after: dict[str, Any] | None = None, profile: str = K1) -> AuthStory:
        self.run(call, candidate, profile).answers(call, candidate, "success", profile)
        return self.write(
            call, "success", candidate.split("/")[1], after if after is not None else {"*": {"lastUsed": self.t}}, profile
        ).ok(call)


def judged(story: AuthStory) -> Verdicts:
    return check(story.trace, ALL_KINDS_PROFILE)


def said(v: Verdicts, invariant: str) -> list[str]:
    return [x.message for x in v.violations if x.invariant == invariant]


def store_verdicts(v: Verdicts) -> dict[str, tuple[int, int]]:
    """(checked, not applicable) of each store invariant that has either."""
    return {i: (v.checked[i], v.not_applicable[i]) for i in STORE if v.checked[i] or v.not_applicable[i]}


# --- the gate: no store, no store verdicts ----------------------------------------------------------------------


def test_a_run_without_store_writes_is_not_judged_by_the_store_invariants() -> None:
    story = AuthStory().start(1).run(1, A, profile=None).ok(1).returns(1)
    story.start(2).skip(2, A, reason="").run(2, A2, profile=None).ok(2).returns(2)  # a skip, but no store: not judged
    v = judged(story)
    assert store_verdicts(v) == {} and v.ok


def test_a_healthy_store_world_holds_every_invariant() -> None:
    """A 429 on A cools A only (its own entry); the next call skips A with a reason and B succeeds on the key."""
    story = AuthStory().start(1).limited(1, A, {"gpt-a": cooling(30_000, "gpt-a")}).on_error(1, A)
    story.at(10).succeeds(1, A2, {"gpt-a": cooling(30_000, "gpt-a"), "*": {"lastUsed": 10}})
    story.returns(1).at(1_000).start(2).skip(2, A).succeeds(2, A2, {"gpt-a": cooling(30_000, "gpt-a"), "*": {"lastUsed": 1_000}}).returns(2)
    v = judged(story)
    assert v.ok, [f"{x.invariant}: {x.message}" for x in v.violations]
    assert store_verdicts(v) == {
        "sibling-not-blocked": (1, 0),
        "cooldown-survives-failure": (1, 0),
        "no-attempt-before-deadline": (3, 0),
        "chain-accounted": (2, 0),
        "success-resets-errors": (4, 0),
    }


# --- sibling-not-blocked ----------------------------------------------------------------------------------------


def widened() -> AuthStory:
    """openclaw's #141255: a 429 on A, then one on A2 while A's window runs: the key-wide entry loses its model."""
    story = AuthStory().start(1, (A, A2, A3)).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    story.at(1_000).limited(1, A2, {"*": cooling(30_000, errors=2)}).at(1_000).refused(1, A3)
    return story.throws(1, "All models failed (3): …")


def test_sibling_not_blocked_a_second_scoped_failure_widens_to_the_key() -> None:
    v = judged(widened())
    assert said(v, "sibling-not-blocked") == [
        (
            "call 1: openai/gpt-c was refused by the runner at 1000 ms although key openai:k1 was blocked for it only by a failure "
            "of openai/gpt-b (rate_limit at 1000 ms, scoped to that model)"
        )
    ]
    assert [x.invariant for x in v.violations if x.invariant in STORE] == ["sibling-not-blocked"]


def test_sibling_not_blocked_holds_for_the_models_own_cooldown_and_a_key_scoped_failure() -> None:
    own = AuthStory().start(1).limited(1, A, {"gpt-a": cooling(30_000, "gpt-a")}).returns(1)
    own.at(2_000).start(2).skip(2, A).at(2_000).succeeds(2, A2).returns(2)
    v = judged(own)
    assert said(v, "sibling-not-blocked") == [] and v.checked["sibling-not-blocked"] == 1
    key = AuthStory().start(1, (A, A2))
    key.run(1, A).answers(1, A, "auth", scope="key").write(1, "failure", "gpt-a", {"*": cooling(30_000, reason="auth")}, reason="auth")
    key.fails(1, "auth").refused(1, A2, "auth").throws(1, "All models failed (2): …")
    v = judged(key)
    assert said(v, "sibling-not-blocked") == [] and v.checked["sibling-not-blocked"] == 1


def test_sibling_not_blocked_another_usable_key_makes_a_refusal_wrong_and_a_success_clears_the_blame() -> None:
    """k2 carries its own 429 on A2; k1 was blocked for A2 only by A's 429: a refusal of A2 is wrong. After a
    success of A through k1, A's failure no longer explains anything (and blames nothing)."""
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    story.limited(1, A2, {"*": cooling(30_000, "gpt-b")}, profile=K2).refused(1, A2).throws(1, "All models failed (2): …")
    assert len(said(judged(story), "sibling-not-blocked")) == 1
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    story.at(31_000).succeeds(1, A).returns(1).start(2, (A2,)).refused(2, A2).throws(2, "No available auth profile")
    assert said(judged(story), "sibling-not-blocked") == []


def test_sibling_not_blocked_a_failure_the_world_gave_no_scope_excuses_the_key() -> None:
    """A timeout carries no `provider.fault` truth: the runtime may have cooled the whole key for it."""
    story = AuthStory().start(1, (A, A2, A3)).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    story.run(1, A2).event("provider:openai", K.PROVIDER_REQUEST, call=1, model="gpt-b", fault="timeout")
    story.write(1, "failure", "gpt-b", {"*": cooling(30_000, reason="timeout", errors=2)}, reason="timeout").fails(1)
    story.refused(1, A3).throws(1, "All models failed (3): …")
    assert said(judged(story), "sibling-not-blocked") == []


def test_sibling_not_blocked_judges_a_skip_on_the_calls_snapshot_too() -> None:
    """The driver skipped A2 on the store it read at call start, when a 429 on A2 still stood; a success of A2
    by another session during the call does not make the skip wrong."""
    story = AuthStory().start(1, (A2,)).limited(1, A2, {"*": cooling(30_000, "gpt-b")}).throws(1, "x")
    story.at(5_000).limited(1, A, {"*": cooling(35_000, "gpt-a")})  # A's own 429 (call 1, after its end: harmless)
    story.at(10_000).start(2, (A2, B)).by("session-2").start(3, (A2,)).succeeds(3, A2).returns(3)
    story.by("session-1").skip(2, A2).run(2, B, profile=None).ok(2).returns(2)
    assert said(judged(story), "sibling-not-blocked") == []


# --- cooldown-survives-failure ----------------------------------------------------------------------------------


def marked_good_after_failure(by: str = "runner") -> AuthStory:
    """openclaw's #84457: the runner marks the failed key failed, then good."""
    story = AuthStory().start(1, (A,)).run(1, A).answers(1, A, "rate_limit")
    story.write(1, "failure", "gpt-a", {"*": cooling(30_000, "gpt-a")}, reason="rate_limit", by=by)
    return story.write(1, "success", "gpt-a", {"*": {"lastUsed": 0}}, by=by).fails(1).throws(1, "429 slow down")


def test_cooldown_survives_failure_a_failed_key_marked_good() -> None:
    v = judged(marked_good_after_failure())
    assert said(v, "cooldown-survives-failure") == [
        "call 1: the attempt of openai/gpt-a on key openai:k1 marked failed (rate_limit), then the key was marked good at 0 ms, wiping the cooldown"
    ]


def test_cooldown_survives_failure_holds_and_is_not_applicable_to_a_releases_marks() -> None:
    story = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "429 slow down")
    v = judged(story)
    assert said(v, "cooldown-survives-failure") == [] and v.checked["cooldown-survives-failure"] == 1
    v = judged(marked_good_after_failure(by="release"))
    assert said(v, "cooldown-survives-failure") == []
    assert (v.checked["cooldown-survives-failure"], v.not_applicable["cooldown-survives-failure"]) == (0, 1)


def test_cooldown_survives_failure_a_success_after_a_takeover_is_not_a_failure() -> None:
    """The provider answered; only the reacquire found a takeover: a success mark is right."""
    story = AuthStory().start(1, (A,)).run(1, A).answers(1, A, "success").write(1, "success", "gpt-a", {"*": {"lastUsed": 0}})
    v = judged(story.fails(1, "takeover").throws(1, "taken"))
    assert said(v, "cooldown-survives-failure") == [] and v.checked["cooldown-survives-failure"] == 0


# --- no-attempt-before-deadline ---------------------------------------------------------------------------------


def sibling_success_wipes() -> AuthStory:
    """p04 (ii): a 429 on A cools A for 30 s; a success on A2 through the key resets the whole entry (openclaw)."""
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    return story.at(10).succeeds(1, A2, {"*": {"lastUsed": 10}}).returns(1)


def test_no_attempt_before_deadline_a_sibling_success_does_not_erase_the_models_deadline() -> None:
    story = sibling_success_wipes().at(5_000).start(2, (A,)).succeeds(2, A).returns(2)
    assert said(judged(story), "no-attempt-before-deadline") == [
        (
            "call 2: openai/gpt-a ran on key openai:k1 at 5000 ms, before the deadline the runtime wrote for it (until 30000 ms, rate_limit), "
            "and not as a probe"
        )
    ]


def test_no_attempt_before_deadline_one_probe_per_interval_and_per_call() -> None:
    story = sibling_success_wipes()
    story.at(5_000).start(2, (A,)).limited(2, A, {"*": cooling(30_000, "gpt-a", errors=2)}).throws(2, "x")  # not a probe
    story.at(6_000).start(3, (A, A)).run(3, A, probe=True).answers(3, A, "rate_limit")  # a probe: allowed
    story.write(3, "failure", "gpt-a", {"*": cooling(60_000, "gpt-a", errors=3)}, reason="rate_limit").fails(3)
    story.run(3, A, probe=True).answers(3, A, "rate_limit").fails(3).throws(3, "x")  # the same call again
    story.at(6_000 + PROBE_INTERVAL_MS - 1).start(4, (A,)).run(4, A, probe=True).answers(4, A, "rate_limit").fails(4).throws(4, "x")
    story.at(6_000 + 2 * PROBE_INTERVAL_MS).start(5, (A,)).run(5, A, probe=True).answers(5, A, "rate_limit").fails(5).throws(5, "x")
    v = judged(story)
    assert said(v, "no-attempt-before-deadline") == [
        (
            "call 2: openai/gpt-a ran on key openai:k1 at 5000 ms, before the deadline the runtime wrote for it (until 30000 ms, rate_limit), "
            "and not as a probe"
        ),
        (
            "call 3: openai/gpt-a ran on key openai:k1 at 6000 ms, before the deadline the runtime wrote for it (until 60000 ms, rate_limit): "
            "a second probe of openai in one call"
        ),
        (
            "call 4: openai/gpt-a ran on key openai:k1 at 35999 ms, before the deadline the runtime wrote for it (until 60000 ms, rate_limit): "
            "a probe of the primary only 29999 ms after call 3's (at most one per 30000 ms)"
        ),
    ]  # call 5's probe at 66000 ms comes 30001 ms after call 4's: past the deadline anyway, and allowed


def test_no_attempt_before_deadline_a_cooling_fallback_gets_one_probe_per_call_without_the_time_throttle() -> None:
    # openclaw's transient probe slot: a fallback candidate (not the chain's primary) is probed once per provider per
    # call; two calls a second apart may each probe it
    story = sibling_success_wipes()
    story.at(5_000).start(2, (A2, A)).limited(2, A2, {"*": cooling(40_000, "gpt-b")})
    story.run(2, A, probe=True).answers(2, A, "rate_limit").fails(2).throws(2, "x")
    story.at(6_000).start(3, (A2, A)).skip(3, A2, "rate_limit").run(3, A, probe=True).answers(3, A, "rate_limit").fails(3).throws(3, "x")
    assert said(judged(story), "no-attempt-before-deadline") == []


def test_no_attempt_before_deadline_holds_for_a_probe_an_expired_window_and_another_key() -> None:
    story = sibling_success_wipes().at(5_000).start(2, (A,)).run(2, A, probe=True).answers(2, A, "success")
    story.write(2, "success", "gpt-a", {"*": {"lastUsed": 5_000}}).ok(2).returns(2)
    story.at(6_000).start(3, (A,)).succeeds(3, A).returns(3)  # the probe's success cleared A's deadline
    v = judged(story)
    assert said(v, "no-attempt-before-deadline") == []
    other = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x")
    other.at(1_000).start(2, (A,)).succeeds(2, A, profile=K2).returns(2).at(30_000).start(3, (A,)).succeeds(3, A).returns(3)
    v = judged(other)
    assert said(v, "no-attempt-before-deadline") == [] and v.checked["no-attempt-before-deadline"] == 3


def test_no_attempt_before_deadline_a_billing_seed_disables_the_key() -> None:
    seed = {"*": {"disabledUntil": 18_000_000, "disabledReason": "billing"}}
    story = AuthStory().event(
        "store",
        K.STORE_WRITE,
        call=0,
        profile=K1,
        provider="openai",
        cause="seed",
        reason=None,
        model=None,
        before={},
        after=seed,
        by="runner",
    )
    story.start(1, (A,)).succeeds(1, A).returns(1)
    assert said(judged(story), "no-attempt-before-deadline") == [
        (
            "call 1: openai/gpt-a ran on key openai:k1 at 0 ms, before the deadline the runtime wrote for it (until 18000000 ms, billing), "
            "and not as a probe"
        )
    ]


# --- chain-accounted --------------------------------------------------------------------------------------------


def test_chain_accounted_a_candidate_dropped_without_a_record() -> None:
    """8.1+ after a tls_certificate failure: A2 is neither attempted nor skipped, the summary counts 2 of 3."""
    story = AuthStory().start(1).limited(1, A, {"*": cooling(30_000, "gpt-a")})
    story.run(1, B, profile="anthropic:k1").answers(1, B, "rate_limit", profile="anthropic:k1")
    story.fails(1).throws(
        1, "All models failed (2): openai/gpt-a: 429 slow down (rate_limit) | anthropic/claude-c: 429 slow down (rate_limit)"
    )
    assert said(judged(story), "chain-accounted") == [
        "call 1: openai/gpt-b was neither attempted nor skipped with a reason before the call threw (3 of 3 candidates owed an account)"
    ]


def test_chain_accounted_a_skip_needs_a_reason_and_a_skip_is_not_also_an_attempt() -> None:
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x").start(2, (A, A2))
    story.skip(2, A, reason="").at(1).succeeds(2, A2).returns(2)
    assert said(judged(story), "chain-accounted") == [
        "call 2: openai/gpt-a was skipped without a recorded reason before the call returned (2 of 2 candidates owed an account)"
    ]
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x").start(2, (A, A2))
    story.skip(2, A).at(1).run(2, A, probe=True).answers(2, A, "success").write(2, "success", "gpt-a", {}).ok(2).returns(2)
    assert said(judged(story), "chain-accounted") == [
        "call 2: openai/gpt-a was both skipped (rate_limit) and attempted before the call returned (1 of 2 candidates owed an account)"
    ]


def test_chain_accounted_holds_for_skips_refusals_and_where_the_call_stopped() -> None:
    story = AuthStory().start(1, (A, A2, B)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x")
    story.start(2).skip(2, A).refused(2, A2).succeeds(2, B, profile="anthropic:k1").returns(2)  # up to B: all accounted
    story.start(3).run(3, A, profile=K2).answers(3, A, "success", profile=K2).fails(3, "takeover").throws(3, "taken")  # stopped at A
    story.start(4).skip(4, A).skip(4, A2).refused(4, B, "rate_limit").throws(4, "All models failed (3): …")
    v = judged(story)
    assert said(v, "chain-accounted") == [] and v.checked["chain-accounted"] == 4


# --- retry-after-kept -------------------------------------------------------------------------------------------


def test_retry_after_kept_a_retry_after_the_store_ignores() -> None:
    """#24810 / #111072: the provider says 600 s, the store keeps the runtime's own 30 s."""
    story = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}, retry_after_ms=600_000).throws(1, "x")
    assert said(judged(story), "retry-after-kept") == [
        (
            "call 1: after the rate_limit of openai/gpt-a on key openai:k1 at 0 ms the store keeps a deadline of 30000 ms for gpt-a, "
            "but the Retry-After of 600000 ms given at 0 ms runs to 600000 ms"
        )
    ]


def test_retry_after_kept_a_re_cool_that_keeps_the_first_shorter_window() -> None:
    """LiteLLM #40130: a second 429 with a longer Retry-After, and the active 30 s window is kept."""
    story = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}, retry_after_ms=1_000).throws(1, "x")
    story.at(10_000).by("session-2").start(2, (A,)).run(2, A, probe=True).answers(2, A, "rate_limit", retry_after_ms=600_000)
    story.write(2, "failure", "gpt-a", {"*": cooling(30_000, "gpt-a", errors=2)}, reason="rate_limit", retry_after_ms=600_000).fails(2)
    v = judged(story.throws(2, "x"))
    assert [m.split(" the store ")[1] for m in said(v, "retry-after-kept")] == [
        "keeps a deadline of 30000 ms for gpt-a, but the Retry-After of 600000 ms given at 10000 ms runs to 610000 ms"
    ]
    assert v.checked["retry-after-kept"] == 4  # two writes covering a running Retry-After, two rate limits recorded


def test_retry_after_kept_holds_when_kept_and_a_success_or_an_unrecorded_failure_sets_nothing() -> None:
    story = AuthStory().start(1, (A,)).limited(1, A, {"gpt-a": cooling(600_000, "gpt-a")}, retry_after_ms=600_000).throws(1, "x")
    story.at(700_000).start(2, (A,)).succeeds(2, A).returns(2)
    story.at(700_001).start(3, (A,)).limited(3, A, {"gpt-a": cooling(730_001, "gpt-a")}).throws(3, "x")  # R reset by the success
    story.start(4, (A,)).run(4, A).answers(4, A, "server_error", retry_after_ms=900_000)
    story.write(4, "failure", "gpt-a", {"gpt-a": cooling(730_001, "gpt-a")}, reason=None, retry_after_ms=900_000).fails(4).throws(4, "x")
    v = judged(story)
    assert said(v, "retry-after-kept") == [] and v.checked["retry-after-kept"] == 2  # the write at 600 s; call 1's 429 recorded


def test_retry_after_kept_a_rate_limit_the_store_never_records_drops_its_retry_after() -> None:
    # red-team: a policy that never records 429s kept no Retry-After at all, and nothing was left to judge
    story = AuthStory().start(1, (A,)).run(1, A).answers(1, A, "rate_limit", retry_after_ms=600_000)
    story.write(1, "failure", "gpt-a", {}, reason=None, retry_after_ms=600_000).fails(1).throws(1, "x")
    assert said(judged(story), "retry-after-kept") == [
        ("call 1: the rate_limit of openai/gpt-a on key openai:k1 at 0 ms came with a Retry-After of 600000 ms, but the store "
        "recorded no failure for it: nothing keeps the key off until 600000 ms")
    ]


# --- success-resets-errors --------------------------------------------------------------------------------------


def test_success_resets_errors_counts_kept_after_a_success() -> None:
    story = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x")
    story.at(40_000).start(2, (A,)).succeeds(2, A, {"*": {"failureCounts": {"rate_limit": 1}, "lastUsed": 40_000}}).returns(2)
    assert said(judged(story), "success-resets-errors") == [
        (
            "call 2: after a success of openai/gpt-a on key openai:k1 at 40000 ms the entry '*' keeps its error counts "
            "(errorCount 0, failureCounts rate_limit: 1)"
        )
    ]


def test_success_resets_errors_a_success_never_written_or_a_cooldown_left_running() -> None:
    story = AuthStory().start(1, (A,)).run(1, A).answers(1, A, "success").ok(1).returns(1)
    story.write(0, "seed", None, {})  # the store exists
    story.start(2, (A,)).succeeds(2, A, {"gpt-a": cooling(30_000, "gpt-a", errors=0)}).returns(2)
    assert said(judged(story), "success-resets-errors") == [
        "call 1: openai/gpt-a succeeded on key openai:k1 at 0 ms but no success was written on the key before the call ended",
        "call 2: after a success of openai/gpt-a on key openai:k1 at 0 ms the key is still cooling down for gpt-a until 30000 ms",
    ]


def test_success_resets_errors_holds_when_another_models_entry_survives() -> None:
    """The reference shape: a success of A2 resets the key-wide entry and A2's own; A's scoped entry may stay."""
    story = AuthStory().start(1, (A, A2)).limited(1, A, {"gpt-a": cooling(30_000, "gpt-a")})
    story.succeeds(1, A2, {"gpt-a": cooling(30_000, "gpt-a"), "*": {"lastUsed": 0}}).returns(1)
    v = judged(story)
    assert said(v, "success-resets-errors") == [] and v.checked["success-resets-errors"] == 2


# --- what the world recorded of the driver's snapshot (red-team: skips and probes the store did not justify) ------


def test_chain_accounted_a_skip_must_be_one_the_store_justified() -> None:
    def story(cooling: dict[str, str | None], reason: str = "rate_limit") -> AuthStory:
        s = AuthStory().start(1, (A, B)).skip(1, A, reason, cooling=cooling)
        return s.succeeds(1, B, profile="anthropic:default").returns(1)

    assert said(judged(story({K1: "rate_limit", K2: "rate_limit"})), "chain-accounted") == []
    assert said(judged(story({K1: "rate_limit", K2: None})), "chain-accounted") == [
        ("call 1: openai/gpt-a was skipped (rate_limit) although key openai:k2 was usable for it at the call's start "
        "before the call returned (2 of 2 candidates owed an account)")
    ]
    assert said(judged(story({K1: "rate_limit", K2: "rate_limit"}, reason="billing")), "chain-accounted") == [
        ("call 1: openai/gpt-a was skipped as billing, but the store said openai:k1: rate_limit, openai:k2: rate_limit "
        "before the call returned (2 of 2 candidates owed an account)")
    ]


def test_no_attempt_before_deadline_a_probe_needs_every_key_cooling() -> None:
    story = AuthStory().start(1, (A,)).limited(1, A, {"*": cooling(30_000, "gpt-a")}).throws(1, "x")
    story.at(1_000).start(2, (A,)).run(2, A, probe=True, cooling={K1: "rate_limit", K2: None}).answers(2, A).ok(2).returns(2)
    assert said(judged(story), "no-attempt-before-deadline") == [
        "call 2: openai/gpt-a was probed at 1000 ms although key openai:k2 was usable for it at the call's start"
    ]
