"""The driver loop of openclaw 2026.5.20 as its ports reproduce it, and the contract's invariants about its
signals (issue 15): the command lane's timeout, a missing agent harness, a live model switch, a context
overflow behind a cause, a user abort, and the summary's attempts.

Ground truth for the driver cases is the real 2026.5.20 (and 5.18, whose loop is the same but for the
coordination check), probed directly in Node without the bridge: /work/notes/driver-probe/probe.mjs in the
session notes, summarised in each test's docstring. The invariant checkers are judged on hand-written traces
(tests/test_invariants.py's `Story`), one holding and one violating trace each.
"""

from __future__ import annotations

from typing import Any

import pytest
from drive import CHAIN, drive
from test_invariants import A, B, C, Story, judged, said

from simharness.drivers import openclaw_2026_5_18 as port_5_18
from simharness.drivers import openclaw_2026_5_20 as port_5_20
from simharness.drivers import reference
from simharness.drivers.recognize import ends_the_call, format_error_message, model_key
from simharness.model import vocabulary as V
from simharness.model.errors import JSError
from simharness.model.kinds import EventKind as K

DRIVERS = [
    pytest.param(port_5_20.run_with_model_fallback, id="5.20-port"),
    pytest.param(port_5_18.run_with_model_fallback, id="5.18-port"),
    pytest.param(reference.run_with_model_fallback, id="reference"),
]


# --- the driver loop's signals, on every shipped driver (they agree on all of these) ---------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: V.command_lane_timeout("main", 1000), id="command-lane timeout"),
        pytest.param(lambda: V.missing_harness("codex"), id="missing harness"),
        pytest.param(lambda: JSError("aborted", name="AbortError"), id="user abort"),
    ],
)
def test_rethrown_as_it_is_after_one_run(driver: Any, make: Any) -> None:
    """Real 5.20 and 5.18: 1 run, no onError, the very same object thrown."""
    err = make()
    out = drive(driver, err)
    assert out.runs == CHAIN[:1] and out.on_errors == [] and out.error is err


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("reason", ["deadline exceeded", "reason: abort", "reason: error"])
def test_an_abort_with_a_string_timeout_reason_falls_back(driver: Any, reason: str) -> None:
    """Real 5.20: `Object.assign(new Error("aborted"), {name: "AbortError", reason})` is a timeout: 2 runs, the
    second candidate's value returned, onError once with a FailoverError."""
    out = drive(driver, lambda n: JSError("aborted", name="AbortError", reason=reason) if n == 1 else "ok")
    assert out.runs == CHAIN[:2] and out.value == "ok"
    assert [e["error"].name for e in out.on_errors] == ["FailoverError"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_422_without_a_body_on_the_last_candidate_is_rethrown_raw(driver: Any) -> None:
    """Real 5.20: `Object.assign(new Error("422 status code (no body)"), {status: 422})` is unclassified: the
    chain is walked (onError with the raw error) and the last candidate's error is rethrown as it is."""
    out = drive(driver, lambda n: JSError("422 status code (no body)", status=422))
    assert out.runs == CHAIN and [e["error"].name for e in out.on_errors] == ["Error", "Error"]
    assert out.error is not None and out.error.message == "422 status code (no body)" and out.error.name == "Error"


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_same_named_plain_object_is_not_a_missing_harness(driver: Any) -> None:
    """`instanceof` is false for a plain object: real 5.20 walks the chain (a same-named Error built without the
    class walks it too; the bridge builds the release's own class for a non-plain JSError)."""
    err = JSError('Requested agent harness "codex" is not registered.', name="MissingAgentHarnessError", plain=True)
    out = drive(driver, err)
    assert out.runs == CHAIN and len(out.on_errors) == 2 and out.error is err


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_switch_to_a_later_candidate_jumps_there_without_on_error(driver: Any) -> None:
    """Real 5.20: runs openai/gpt-a then google/gemini-c, no onError, returns gemini's value, no attempts."""
    out = drive(driver, lambda n: V.model_switch("google", "gemini-c") if n == 1 else "ok")
    assert out.runs == [CHAIN[0], CHAIN[2]] and out.on_errors == [] and out.value == "ok"


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_switch_to_the_current_candidate_is_an_unknown_failure_without_on_error(driver: Any) -> None:
    """Real 5.20: 3 runs, 0 onError, `All models failed (3): openai/gpt-a: Live session model switch requested:
    openai/gpt-a (unknown) | ...`, attempts without status or code."""
    out = drive(driver, lambda n: V.model_switch("openai", "gpt-a"))
    assert out.runs == CHAIN and out.on_errors == []
    assert out.error is not None and out.error.name == "FallbackSummaryError"
    text = "Live session model switch requested: openai/gpt-a"
    assert out.error.message == "All models failed (3): " + " | ".join(f"{p}/{m}: {text} (unknown)" for p, m in CHAIN)
    assert out.error.fields["attempts"][0] == {"provider": "openai", "model": "gpt-a", "error": text, "reason": "unknown"}


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_switch_on_the_last_candidate_throws_an_unknown_failover_error_not_the_switch(driver: Any) -> None:
    """Real 5.20 (#58466): 1 run, no onError, a FailoverError with reason unknown and the switch's message."""
    switch = V.model_switch("x", "y")
    out = drive(driver, switch, chain=CHAIN[:1])
    assert out.on_errors == [] and out.error is not None and out.error is not switch
    assert out.error.name == "FailoverError" and out.error.fields["reason"] == "unknown"
    assert out.error.message == switch.message and out.error.status is None and out.error.code is None


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_overflow_only_in_the_cause_chain_ends_the_call(driver: Any) -> None:
    """Real 5.20: `new Error("request failed", {cause: overflow})` runs once and throws (the message joined with
    its causes holds the overflow)."""
    out = drive(driver, lambda n: JSError("request failed", cause=JSError("context length exceeded: prompt is too long")))
    assert out.runs == CHAIN[:1] and out.on_errors == []


@pytest.mark.parametrize("driver", DRIVERS)
def test_summary_attempts_carry_status_and_code_only_where_the_error_had_them(driver: Any) -> None:
    """Real 5.20: a 429 with code `rate_limit_exceeded` records `status: 429, code: "rate_limit_exceeded"`; an
    unknown failure records neither."""
    out = drive(driver, lambda n: JSError("bad request") if n == 2 else JSError("rate limited", status=429, code="rate_limit_exceeded"))
    assert out.error is not None and out.error.name == "FallbackSummaryError"
    first, second, _ = out.error.fields["attempts"]
    assert first == {"provider": "openai", "model": "gpt-a", "error": "rate limited", "reason": "rate_limit", "status": 429, "code": "rate_limit_exceeded"}
    assert second == {"provider": "anthropic", "model": "claude-b", "error": "bad request", "reason": "unknown"}


def test_the_summary_cause_is_the_last_error_only_when_it_is_an_error() -> None:
    """`lastError instanceof Error ? lastError : undefined`: a plain object is never the summary's cause."""
    obj = JSError("not an error", name="", plain=True)
    summary = port_5_20.summary_error([("a", "x", "t", "unknown"), ("b", "y", "t", "unknown")], obj, 2)
    assert summary.cause is None
    err = JSError("an error")
    assert port_5_20.summary_error([("a", "x", "t", "unknown"), ("b", "y", "t", "unknown")], err, 2).cause is err


def test_format_error_message_joins_causes_once_and_stops_at_a_string() -> None:
    err = JSError("outer", cause=JSError("inner", cause=JSError("outer", cause="because")))
    assert format_error_message(err) == "outer | inner | because"
    assert format_error_message(JSError("", name="TypeError")) == "TypeError"
    assert format_error_message(JSError.primitive("boom")) == "boom"
    plain = JSError("", name="", plain=True, error=JSError("", name="", code=429, plain=True, fields={"type": "rate"}))
    assert format_error_message(plain) == '{"error":{"code":429,"type":"rate"}}'
    cycle = JSError("a")
    cycle.cause = JSError("b", cause=cycle)
    assert format_error_message(cycle) == "a | b"


def test_model_key_matches_openclaw() -> None:
    assert model_key(" openai ", "gpt-5 ") == "openai/gpt-5"
    assert model_key("openrouter", "OpenRouter/deepseek") == "OpenRouter/deepseek"
    assert model_key("", "gpt-5") == "gpt-5" and model_key("openai", "") == "openai"


def test_ends_the_call_knows_every_terminal_signal() -> None:
    assert ends_the_call(V.command_lane_timeout("main", 10)) and ends_the_call(V.missing_harness("codex"))
    assert ends_the_call(JSError("aborted", name="AbortError")) and ends_the_call(JSError("x", cause=JSError("context length exceeded")))
    assert not ends_the_call(V.model_switch("a", "b")) and not ends_the_call(V.provider_abort())


# --- harness-fails-closed --------------------------------------------------------------------------------------

HARNESS = {
    "category": "terminal",
    "root": "missing_harness",
    "coord": [],
    "shape": "MissingAgentHarnessError",
    "message": 'Requested agent harness "codex" is not registered.',
}


def missing_harness(story: Story) -> Story:
    story.errs += 1
    return story.event(story.session, K.RUN_RAISE, call=1, err=story.errs, depth=0, **HARNESS)


def test_harness_fails_closed_holds_when_the_error_is_rethrown_after_one_run() -> None:
    v = judged(missing_harness(Story().start().run(A)).rethrows())
    assert v.ok, said(v)
    assert v.checked["harness-fails-closed"] == 1


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (lambda s: s.on_error(A).run(B).ok().returns(), f"did not fail closed: {B} ran next"),
        (lambda s: s.on_error(A).rethrows(), "onError was called for MissingAgentHarnessError"),
        (lambda s: s.throws("All models failed (1): ..."), "was not rethrown as it is"),
        (lambda s: s.returns("made up"), "was swallowed"),
    ],
    ids=["advanced", "on-error", "wrapped", "swallowed"],
)
def test_harness_fails_closed_violations(tail: Any, message: str) -> None:
    v = judged(tail(missing_harness(Story().start().run(A))))
    found = said(v, "harness-fails-closed")
    assert len(found) == 1 and message in found[0], said(v)


# --- switch-goes-to-target -------------------------------------------------------------------------------------


def switch(story: Story, target: str) -> Story:
    story.errs += 1
    data = {"category": "switch", "root": "model_switch", "coord": [], "shape": "LiveSessionModelSwitchError"}
    return story.event(story.session, K.RUN_RAISE, call=1, err=story.errs, depth=0, switch=target, message=f"switch to {target}", **data)


def test_switch_holds_when_the_driver_jumps_to_a_later_target() -> None:
    v = judged(switch(Story().start().run(A), C).run(C).ok().returns())
    assert v.ok, said(v)
    assert v.checked["switch-goes-to-target"] == 1


def test_switch_to_the_current_candidate_goes_on_to_the_next_without_on_error() -> None:
    story = switch(Story().start().run(A), A).run(B).fails("rate_limit").on_error(B).run(C).ok().returns()
    v = judged(story)
    assert v.ok, said(v)
    assert v.checked["switch-goes-to-target"] == 1 and v.checked["explicit-metadata-advances"] == 1


def test_switch_jump_moves_the_chain_positions_other_invariants_judge() -> None:
    """After a jump from A to B (chain A, B, C), B's 429 advances to C: explicit-metadata-advances holds."""
    story = switch(Story().start().run(A), B).run(B).fails("rate_limit").on_error(B).run(C).ok().returns()
    v = judged(story)
    assert v.ok, said(v)


def test_switch_on_the_last_candidate_ends_with_an_error_of_the_drivers_own() -> None:
    story = Story().start((A, B)).run(A).fails("rate_limit").on_error(A).run(B)
    v = judged(switch(story, A).throws(f"All models failed (2): {A}: 429 slow down (rate_limit) | {B}: switch to {A} (unknown)"))
    assert v.ok, said(v)
    assert v.checked["summary-honest"] == 1  # the summary (one reported failure: the onError log is not counted)


@pytest.mark.parametrize(
    ("story", "message"),
    [
        (lambda: switch(Story().start().run(A), C).on_error(A).run(C).ok().returns(), "onError was called for a live switch"),
        (lambda: switch(Story().start().run(A), C).run(B).ok().returns(), f"the driver ran {B}, not {C}"),
        (lambda: switch(Story().start().run(A), A).run(C).ok().returns(), f"the driver ran {C}, not {B}"),
        (lambda: switch(Story().start().run(A), C).rethrows(), f"ended the call; {C} should have run next"),
        (lambda: switch(Story().start((A,)).run(A), "x/y").rethrows(), "on the last candidate reached the caller as it is"),
    ],
    ids=["on-error", "ignored-target", "jumped-wrongly", "stopped", "rethrown-on-last"],
)
def test_switch_goes_to_target_violations(story: Any, message: str) -> None:
    v = judged(story())
    found = said(v, "switch-goes-to-target")
    assert len(found) == 1 and message in found[0], said(v)


# --- the contract's second decision: a status the SDK's shape hid from 2026.5.20 -----------------------------------


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda: JSError("Request failed with status code 503", fields={"response": {"status": 503}}), "timeout", id="response.status"),
        pytest.param(
            lambda: JSError("", name="", plain=True, error=JSError("invalid x-api-key", name="", code=401, plain=True)), "auth", id="plain body code"
        ),
        pytest.param(lambda: JSError("⚠️ invalid x-api-key"), "auth", id="anthropic auth text"),
    ],
)
def test_the_reference_classifies_a_status_the_shape_hid(make: Any, reason: str) -> None:
    """The real 5.20 (and its port) leaves these unclassified and rethrows them raw on the last candidate; the
    contract classifies them as their status (same-failure-same-decision)."""
    err = make()
    assert drive(port_5_20.run_with_model_fallback, err, chain=CHAIN[:1]).error is err
    out = drive(reference.run_with_model_fallback, err, chain=CHAIN[:1])
    assert out.error is not None and out.error.name == "FailoverError" and out.error.fields["reason"] == reason


def test_the_reference_leaves_an_error_whose_shape_names_nothing_unclassified() -> None:
    err = JSError("something weird", fields={"response": {"status": "teapot"}})
    assert drive(reference.run_with_model_fallback, err, chain=CHAIN[:1]).error is err


def test_the_fidelity_mutants_are_the_reference_with_one_knob_flipped(scenarios_dir: Any) -> None:
    """With no knob set, the loop the issue-15 mutants share holds every invariant on the shipped suite, as the
    reference does: each mutant is then exactly one bug, and its kill says something about that bug."""
    from simharness.drivers.mutants_fidelity import Knobs, driver
    from simharness.explore.suite import run_suite
    from simharness.model.scenario import collect_scenarios
    from simharness.targets.python import PythonTarget

    target = PythonTarget("knob-free", driver(Knobs()))
    suite = run_suite(collect_scenarios([scenarios_dir]), target, seed=0, budget=60)
    assert suite.ok, {k: v.violated for k, v in suite.invariants.items() if v.violated}
