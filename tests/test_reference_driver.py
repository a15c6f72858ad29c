"""The faithful ports of openclaw 2026.5.20 and 2026.5.18 (and the reference contract, where they agree) against
DESIGN.md's ground truth, measured on the real releases: `run` always throws, chain openai/gpt-a →
anthropic/claude-b → google/gemini-c."""

from __future__ import annotations

import pytest
from drive import CHAIN, drive

from simharness.drivers import openclaw_2026_5_18 as legacy
from simharness.drivers import openclaw_2026_5_20 as port_5_20
from simharness.drivers import reference
from simharness.faults.wrapping import wrap as _wrap
from simharness.model import errors as E


def lock() -> E.JSError:
    return E.session_write_lock_timeout(60_000, "pid=123", "/s/sess.jsonl.lock")


def takeover() -> E.JSError:
    return E.session_takeover("/s/sess.jsonl")


def code_only_lock() -> E.JSError:
    return E.wrap(E.JSError("locked", code="OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT"), link="error")


def cycle_with_takeover() -> E.JSError:
    return _wrap(takeover(), "cycle")


COORDINATION = [
    pytest.param(takeover, id="takeover (name-matched)"),
    pytest.param(lock, id="write-lock timeout (class)"),
    pytest.param(code_only_lock, id="plain Error whose error link holds a code-only lock"),
    pytest.param(lambda: E.wrap(takeover()), id="takeover behind cause"),
    pytest.param(lambda: E.wrap(takeover(), link="reason"), id="takeover behind reason"),
    pytest.param(lambda: _wrap(lock(), "deep"), id="lock five cause levels deep"),
    pytest.param(cycle_with_takeover, id="cause cycle holding a takeover"),
]


@pytest.mark.parametrize("driver", [port_5_20.run_with_model_fallback, reference.run_with_model_fallback])
@pytest.mark.parametrize("make", COORDINATION)
def test_fixed_driver_runs_once_and_rethrows_the_same_object(make, driver):
    err = make()
    out = drive(driver, err)
    assert out.runs == CHAIN[:1]
    assert out.error is err
    assert out.on_errors == []


@pytest.mark.parametrize("make", COORDINATION)
def test_legacy_driver_walks_the_whole_chain(make):
    err = make()
    out = drive(legacy.run_with_model_fallback, err)
    assert out.runs == CHAIN
    assert len(out.on_errors) == 2
    assert out.error is err  # unclassified on the last candidate: the raw error


@pytest.mark.parametrize("driver", [legacy.run_with_model_fallback, port_5_20.run_with_model_fallback, reference.run_with_model_fallback])
def test_abort_whose_reason_is_a_lock_is_rethrown_after_one_run(driver):
    err = E.abort_error(reason=lock())
    out = drive(driver, err)
    assert len(out.runs) == 1 and out.error is err


@pytest.mark.parametrize("driver", [legacy.run_with_model_fallback, port_5_20.run_with_model_fallback, reference.run_with_model_fallback])
def test_429_wrapping_a_lock_advances_through_the_chain(driver):
    out = drive(driver, lambda n: E.rate_limit(cause=lock()))
    assert out.runs == CHAIN
    assert out.error is not None and out.error.name == "FallbackSummaryError"
    assert out.error.message.startswith("All models failed (3): openai/gpt-a: HTTP 429: RESOURCE_EXHAUSTED")
    assert out.error.message.count("(rate_limit)") == 3


def test_429_wrapping_a_lock_reports_every_failure_to_on_error():
    out = drive(reference.run_with_model_fallback, lambda n: E.rate_limit(cause=lock()))
    assert [e["attempt"] for e in out.on_errors] == [1, 2, 3]
    assert all(e["error"].name == "FailoverError" for e in out.on_errors)


def test_single_attempt_throws_the_failover_error_not_a_summary():
    out = drive(reference.run_with_model_fallback, lambda n: E.rate_limit(), chain=CHAIN[:1])
    assert out.error is not None and out.error.name == "FailoverError" and out.error.fields["reason"] == "rate_limit"


def test_success_stops_the_chain():
    out = drive(reference.run_with_model_fallback, lambda n: E.rate_limit() if n == 1 else f"reply {n}")
    assert out.runs == CHAIN[:2] and out.value == "reply 2" and len(out.on_errors) == 1


def test_context_overflow_is_rethrown_not_advanced():
    err = E.context_overflow()
    out = drive(reference.run_with_model_fallback, err)
    assert len(out.runs) == 1 and out.error is err


def test_known_finding_abort_wrapped_takeover_walks_the_chain_in_2026_5_20():
    """Confirmed on the real 2026.5.20 through node: 3 runs, `All models failed (3): ... (timeout)`."""
    out = drive(port_5_20.run_with_model_fallback, lambda n: E.abort_error(reason=takeover()))
    assert len(out.runs) == 3
    assert out.error is not None and out.error.message.startswith("All models failed (3)")
    assert "This operation was aborted (timeout)" in out.error.message
