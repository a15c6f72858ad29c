"""The classifier port against the cases of openclaw PR #83550 (failover-error.test.ts) and DESIGN.md."""

from __future__ import annotations

import pytest

from simharness.drivers import classifier as C
from simharness.drivers import classifier_patterns as P
from simharness.model import errors as E


def lock() -> E.JSError:
    return E.session_write_lock_timeout(60_000, "pid=123", "/s/sess.jsonl.lock")


def takeover() -> E.JSError:
    return E.session_takeover("/s/sess.jsonl")


# --- isNonProviderRuntimeCoordinationError (the PR's unit tests) -----------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lock, id="direct SessionWriteLockTimeoutError"),
        pytest.param(takeover, id="direct EmbeddedAttemptSessionTakeoverError (by name)"),
        pytest.param(lambda: E.wrap(lock()), id="lock via cause"),
        pytest.param(lambda: E.wrap(takeover()), id="takeover via cause"),
        pytest.param(lambda: E.wrap(takeover(), link="reason"), id="takeover via reason"),
        pytest.param(lambda: E.wrap(lock(), link="error"), id="lock via error"),
        pytest.param(lambda: E.wrap(E.JSError("locked", code=C.SESSION_WRITE_LOCK_TIMEOUT_CODE), link="error"), id="code-only lock object"),
    ],
)
def test_coordination_errors_are_recognized(make):
    assert C.is_coordination_error(make())


@pytest.mark.parametrize(
    "err",
    [
        pytest.param(E.JSError("Request timed out", name="TimeoutError"), id="plain TimeoutError"),
        pytest.param(E.rate_limit(), id="HTTP 429 provider error"),
        pytest.param(E.rate_limit(cause=lock()), id="429 RESOURCE_EXHAUSTED wrapping a lock (explicit metadata wins)"),
        pytest.param(None, id="nullish input"),
        pytest.param(E.JSError("x", name="SessionWriteLockTimeoutError"), id="lock by name only is not a lock"),
    ],
)
def test_non_coordination_errors_are_not(err):
    assert not C.is_coordination_error(err)


def test_a_lock_never_counts_as_a_timeout_even_inside_an_abort():
    assert not C.is_timeout_error(lock())
    assert not C.is_timeout_error(E.abort_error(reason=lock()))
    assert C.classify(lock()) is None  # its message says "timeout", the nested lock suppresses it
    assert C.should_rethrow_abort(E.abort_error(reason=lock()))


def test_explicit_metadata_is_status_or_non_timeout_code():
    bare = E.JSError("HTTP 429: slow down")  # status parsed from the message prefix
    assert C.classify(E.wrap(lock(), message="HTTP 429: slow down")) == "rate_limit"
    assert C.classify(bare) == "rate_limit"
    coded = E.JSError("quota", code="RESOURCE_EXHAUSTED", cause=lock())
    assert C.classify(coded) == "rate_limit"
    timeout_code = E.JSError("socket", code="ETIMEDOUT", cause=lock())
    assert C.classify(timeout_code) is None  # a timeout code is not explicit: the lock wins


def test_seen_set_makes_cycles_terminate():
    a = E.JSError("a")
    b = E.JSError("b", cause=a)
    a.cause, a.error = b, b
    assert C.classify(a) is None
    assert not C.is_coordination_error(a)
    a.reason = takeover()
    assert C.is_coordination_error(a)


def test_depth_limit_is_25_levels():
    def nest(err, levels):
        for k in range(levels):
            err = E.wrap(err, message=f"wrapped error (level {k})")
        return err

    assert C.classify(nest(E.stream_overloaded(), 25)) == "overloaded"
    assert C.classify(nest(E.stream_overloaded(), 26)) is None
    assert C.classify(nest(E.stream_overloaded(), 25), max_depth=24) is None


@pytest.mark.parametrize(
    ("err", "reason"),
    [
        (E.rate_limit(), "rate_limit"),
        (E.overloaded(), "overloaded"),
        (E.server_error(), "timeout"),  # openclaw treats a bare 503 as a transient timeout
        (E.auth_error(), "auth"),
        (E.billing_error(), "billing"),
        (E.request_timeout(60_000), "timeout"),
        (E.idle_timeout(120_000), "timeout"),
        (E.stream_overloaded(), "overloaded"),
        (E.context_overflow(), C.CONTEXT_OVERFLOW),
        (takeover(), None),
    ],
)
def test_reasons_of_the_world_errors(err, reason):
    assert C.classify(err) == reason


def test_coerce_keeps_the_original_as_cause():
    raw = E.rate_limit()
    fe = C.coerce_to_failover_error(raw, "openai", "gpt-a")
    assert fe is not None and fe.name == "FailoverError" and fe.cause is raw
    assert fe.fields["reason"] == "rate_limit" and fe.status == 429
    assert C.coerce_to_failover_error(takeover(), "openai", "gpt-a") is None


# --- the message tables (`classifier_patterns.py`) ------------------------------------------------------

TABLES = {
    "rate_limit": P.RATE_LIMIT,
    "overloaded": P.OVERLOADED,
    "server_error": P.SERVER_ERROR,
    "timeout": P.TIMEOUT,
    "billing": P.BILLING,
    "auth_permanent": P.AUTH_PERMANENT,
    "auth": P.AUTH,
    "context_overflow": P.CONTEXT_OVERFLOW_MESSAGES,
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_substring_entry_matches_its_table_whatever_its_case_and_surroundings(name):
    table = TABLES[name]
    for entry in (e for e in table if isinstance(e, str)):
        assert P.matches(f"  Error: {entry.upper()} (from upstream)  ", table), entry


def test_no_message_matches_nothing_and_a_table_of_ones_own_is_compiled_when_asked():
    assert not P.matches(None, P.RATE_LIMIT) and not P.matches("", P.RATE_LIMIT)
    mine = ("custom fault", P.HTTP_5XX)
    assert P.matches("A Custom Fault", mine) and P.matches("http 503 from proxy", mine) and not P.matches("fine", mine)


def test_the_names_drivers_use_stay_on_the_classifier():
    for name in (
        "CONTEXT_OVERFLOW", "MAX_FAILOVER_CAUSE_DEPTH", "SESSION_WRITE_LOCK_TIMEOUT_CODE", "_RATE_LIMIT_CODES", "classify",
        "coerce_to_failover_error", "describe_failover", "error_message", "failover_reason", "is_coordination_error",
        "is_failover_error", "is_likely_context_overflow", "is_session_write_lock_timeout", "is_timeout_error", "should_rethrow_abort",
    ):  # fmt: skip
        assert hasattr(C, name), name
