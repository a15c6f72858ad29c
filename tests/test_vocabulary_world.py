"""The world speaks openclaw's whole error vocabulary (issue 15, Build 3-4): every shape openclaw's own tests use is
an opt-in provider fault, old scenarios draw none of them, each new scenario reaches every shape it promises, and
`same-failure-same-decision` holds on a driver that decides by failure and catches one that decides by shape.

The last tests run the hand probe (`probes/shapes.mjs`) on the real 2026.5.20: the departures it documents are
the findings the invariant reports on real releases (skipped when 5.20 is not installed; failed under CI).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import require_release
from hypothesis import given, settings

from simharness.check.invariants.same_failure_same_decision import INVARIANT
from simharness.check.judge import check
from simharness.check.oracle import category_of
from simharness.drivers import CallContext, Candidate, JSError, OnErrorFn, RunFn
from simharness.explore.suite import run_suite
from simharness.faults.swarm import Swarm, features
from simharness.faults.vocabulary import VocabularyFaults
from simharness.model import vocabulary as V
from simharness.model.choice import RandomChoices
from simharness.model.errors import walk
from simharness.model.kinds import HTTP_FORMS, PROVIDER_FAULTS, SHAPE_FAILURES, VOCABULARY_FAULTS, EventKind
from simharness.model.scenario import collect_scenarios, parse_scenario
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.trace import Trace
from simharness.strategies import vocabulary_errors
from simharness.targets import resolve_target
from simharness.targets.python import PythonTarget

ROOT = Path(__file__).resolve().parent.parent
NEW_SCENARIOS = ("vocabulary", "model-switch", "same-failure-shapes")
CHAIN = (("openai", "gpt-a"), ("anthropic", "claude-b"), ("google", "gemini-c"))


# --- opt-in: nothing old moves ----------------------------------------------------------------------------------


def test_the_old_fault_table_is_untouched_and_the_vocabulary_is_apart():
    # `faults()` (the public strategy) and every existing scenario's swarm switches are drawn from PROVIDER_FAULTS
    assert PROVIDER_FAULTS == (
        "success", "rate_limit", "rate_limit_nested_lock", "overloaded", "stream_overloaded", "server_error", "auth",
        "billing", "timeout", "hang", "context_overflow", "explicit_nested_coordination",
    )  # fmt: skip
    assert not set(VOCABULARY_FAULTS) & set(PROVIDER_FAULTS)


def test_no_shipped_scenario_but_the_new_ones_draws_a_vocabulary_fault(scenarios_dir):
    for sc in collect_scenarios([scenarios_dir]):
        listed = {k for _, spec in sc.providers for k, p in spec.faults if p > 0}
        drawn = {option for group, option in features(sc) if group == "fault"}
        if sc.name in NEW_SCENARIOS:
            assert listed & set(VOCABULARY_FAULTS), sc.name
        else:
            assert not (listed | drawn) & set(VOCABULARY_FAULTS), sc.name


def test_a_scenario_asks_for_vocabulary_by_name_and_bad_names_are_one_line():
    sc = parse_scenario({"providers": {"*": {"faults": {"shaped": 0.5}}}, "shapes": {"failure": {"overloaded": 1}}})
    assert sc.shape_failure == (("overloaded", 1.0),)
    with pytest.raises(Exception, match=r"shapes\.form\.reponse: expected a known name .*did you mean"):
        parse_scenario({"shapes": {"form": {"reponse": 1}}})
    with pytest.raises(Exception, match=r"vocabulary\.switch_target: expected at least one positive weight"):
        parse_scenario({"vocabulary": {"switch_target": {"later": 0}}})


# --- the shapes, as openclaw's tests build them -----------------------------------------------------------------


def _built(fault: str, candidate: tuple[str, str] = CHAIN[0], seed: int = 1) -> tuple[JSError, dict[str, Any]]:
    sc = parse_scenario({"world": {"chain": [f"{p}/{m}" for p, m in CHAIN]}})
    return VocabularyFaults(sc, Swarm(), RandomChoices(seed)).build(fault, CHAIN, *candidate, 60_000)


#: fault -> (JS name, what the oracle says a correct driver does with it)
GROUND_TRUTH = {
    "user_abort": ("AbortError", "terminal"),
    "provider_abort": ("AbortError", "timeout"),
    "budget_abort": ("AbortError", "timeout"),
    "command_lane_timeout": ("CommandLaneTaskTimeoutError", "terminal"),
    "missing_harness": ("MissingAgentHarnessError", "terminal"),
    "model_switch": ("LiveSessionModelSwitchError", "switch"),
    "failover_thrown": ("FailoverError", "explicit"),
    "plain_object": ("", "explicit"),
    "network": ("Error", "timeout"),
    "message_only": ("Error", "unknown"),
    "provider_rule": ("Error", "explicit"),
    "no_body": ("APIError", "unknown"),
    "overflow_cause": ("Error", "terminal"),
    "detail_code": (None, "explicit"),  # a plain object (no name) or an Error with a 403: a recorded choice
}


@pytest.mark.parametrize("fault", sorted(GROUND_TRUTH))
def test_each_vocabulary_fault_has_its_js_shape_and_ground_truth(fault):
    err, _ = _built(fault)
    name, category = GROUND_TRUTH[fault]
    assert name is None or err.name == name
    assert category_of(err) == category


def test_the_shapes_carry_what_openclaw_reads():
    assert _built("provider_abort")[0].reason == "reason: abort"  # a string reason (the bridge used to drop it)
    budget = _built("budget_abort")[0]
    assert budget.reason.name == "TimeoutError"
    assert _built("missing_harness")[0].fields == {"harnessId": "codex"}
    assert _built("provider_rule", ("openrouter", "deepseek/r1"))[0].kind == "provider_rule_billing"  # the provider's rule
    assert _built("provider_rule", CHAIN[0])[0].kind == "provider_rule_auth"
    plain = _built("plain_object")[0]
    assert plain.plain and plain.error.plain and plain.error.code == 429 and plain.error.status == "RESOURCE_EXHAUSTED"
    network = _built("network")[0]
    assert network.status is None and network.code in ("ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH")
    overflow = _built("overflow_cause")[0]
    assert "context length exceeded" in overflow.cause.message and "context" not in overflow.message


def test_a_model_switch_names_its_target_relative_to_the_attempt():
    targets = {_built("model_switch", CHAIN[0], seed)[1]["switch"] for seed in range(40)}
    assert targets == {"later", "current"}  # nothing is earlier than the first candidate
    err, truth = next(
        _built("model_switch", CHAIN[2], s) for s in range(40) if _built("model_switch", CHAIN[2], s)[1]["switch"] == "earlier"
    )
    assert truth == {"switch": "earlier", "target": "anthropic/claude-b", "last": True}
    assert err.fields == {"provider": "anthropic", "model": "claude-b"}
    later = next(_built("model_switch", CHAIN[0], s) for s in range(40) if _built("model_switch", CHAIN[0], s)[1]["switch"] == "later")
    assert later[0].fields == {"provider": "google", "model": "gemini-c"}  # the farthest: a jump over claude-b


def _statuses(err: JSError) -> list[Any]:
    found = []
    for node in walk(err):
        # an HTTP status as openclaw reads one: a number, or a string of digits (`status: "RESOURCE_EXHAUSTED"` is a code)
        found += [s for s in (node.status, node.fields.get("statusCode")) if isinstance(s, int) or (isinstance(s, str) and s.isdigit())]
        found += [node.fields["response"]["status"]] if "response" in node.fields else []
        found += [node.code] if isinstance(node.code, int) else []
    return found


@pytest.mark.parametrize("failure", [f for f in SHAPE_FAILURES if f != "timeout"])
def test_each_http_form_holds_the_status_exactly_where_it_says(failure):
    status = V.FAILURES[failure][0]
    where = {
        "status": [status],
        "cause": [status],
        "response": [status],
        "status_code": [status],
        "status_string": [str(status)],
        "plain": [status],
    }
    for form in HTTP_FORMS:
        err = V.shaped(failure, form)
        assert _statuses(err) == where.get(form, []), form
        assert {n.kind for n in walk(err)} == {"shaped"}  # the failure is the world's secret, never a node's


# --- the invariant on hand-written traces -----------------------------------------------------------------------


def _trace(decisions: Sequence[tuple[str, str]]) -> Trace:
    """One call per (form, how it ends) of a 529 on the first candidate of a two-candidate chain... written the way
    the world writes it; `advance` runs the second candidate, `stop` rethrows the 529 at once."""
    t = Trace()
    chain = ["openai/gpt-a", "anthropic/claude-b"]
    for call, (form, how) in enumerate(decisions, 1):
        s = f"session-{call}"
        t.add(0, s, EventKind.CALL_START, call=call, chain=chain)
        t.add(0, s, EventKind.RUN_START, call=call, candidate=chain[0], n=1)
        t.add(1, "provider:openai", EventKind.PROVIDER_FAULT, call=call, model="gpt-a", fault="shaped", failure="overloaded", form=form)
        raise_data = {"category": "unknown", "root": "shaped", "depth": 0, "coord": [], "shape": "Error", "message": "m"}
        t.add(1, s, EventKind.RUN_RAISE, call=call, err=call, **raise_data)
        if how == "advance":
            t.add(1, s, EventKind.ON_ERROR, call=call, candidate=chain[0], err=call)
            t.add(1, s, EventKind.RUN_START, call=call, candidate=chain[1], n=2)
            t.add(2, s, EventKind.RUN_OK, call=call, value="ok")
            t.add(2, s, EventKind.CALL_RETURN, call=call, value="ok")
        else:
            t.add(1, s, EventKind.CALL_RAISE, call=call, err=call, name="Error", message="m")
    return t


def test_the_same_failure_stopping_in_one_shape_and_advancing_in_another_is_a_violation():
    v = check(_trace([("status", "advance"), ("response", "advance"), ("body", "stop")]), ALL_KINDS_PROFILE)
    found = [x for x in v.violations if x.invariant == INVARIANT]
    assert [x.message for x in found] == [
        (
            "call 3: the same overloaded failure got two decisions with candidates left: as `status` (call 1, openai/gpt-a) the "
            "driver advanced; as `body` (call 3, openai/gpt-a) it stopped the chain"
        )
    ]
    assert v.checked[INVARIANT] == 3


def test_one_decision_across_shapes_holds_and_one_shape_alone_is_not_a_check():
    v = check(_trace([("status", "advance"), ("response", "advance"), ("body", "advance")]), ALL_KINDS_PROFILE)
    assert v.checked[INVARIANT] == 3 and not [x for x in v.violations if x.invariant == INVARIANT]
    v = check(_trace([("status", "advance"), ("status", "stop")]), ALL_KINDS_PROFILE)
    assert v.checked[INVARIANT] == 0  # the same form twice compares nothing (another invariant's business)


# --- in the world: reached, held by a driver that decides by failure, broken by shape-deciding mutants -----------


def test_each_new_scenario_reaches_every_situation_it_promises(scenarios_dir):
    scenarios = collect_scenarios([scenarios_dir / f"{n}.toml" for n in NEW_SCENARIOS])
    suite = run_suite(scenarios, resolve_target("reference"), seed=0, budget=60)
    assert suite.unreached() == []


def by_failure(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Generator[Any, Any, Any]:
    """A driver that never looks at the shape: every failure falls back, the chain's end is always a summary."""
    failed = []
    for i, (provider, model) in enumerate(candidates):
        try:
            return (yield from run(provider, model))
        except JSError as err:
            failed.append(f"{provider}/{model}: {err.message} (unknown)")
            on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)})
    raise JSError(f"All models failed ({len(failed)}): " + " | ".join(failed))


def test_a_driver_that_decides_by_failure_holds_and_shape_deciding_mutants_do_not(scenarios_dir):
    scenario = collect_scenarios([scenarios_dir / "same-failure-shapes.toml"])[0]
    held = run_suite([scenario], PythonTarget("by-failure", by_failure), seed=0, budget=100)
    assert held.invariants[INVARIANT].checked > 0 and held.invariants[INVARIANT].violated == 0
    for mutant in ("json-body-stops", "every-abort-is-the-user"):
        caught = run_suite([scenario], resolve_target(f"mutant:{mutant}"), seed=0, budget=150)
        assert caught.invariants[INVARIANT].violated > 0, mutant


def test_aborts_are_told_apart_a_user_stop_from_a_provider_abort_and_the_runs_own_deadline():
    # a world whose one failure is a timeout: a provider abort and the run's deadline are that timeout (fall back)
    data = {
        "world": {"sessions": 3, "files": 3, "turns": 2, "chain": ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"]},
        "providers": {"*": {"faults": {"shaped": 0.9}}},
        "shapes": {"failure": {"timeout": 1}},
    }
    scenario = parse_scenario(data, "timeouts")
    assert run_suite([scenario], PythonTarget("by-failure", by_failure), seed=0, budget=80).invariants[INVARIANT].violated == 0
    caught = run_suite([scenario], resolve_target("mutant:every-abort-is-the-user"), seed=0, budget=80)
    assert caught.invariants[INVARIANT].violated > 0
    # ... and the user's own stop ends the call (`terminal-stops` on the reference, `user_abort` in vocabulary.toml)
    assert category_of(V.user_abort()) == "terminal" and category_of(V.budget_abort(1000)) == "timeout"


# --- the hand probe on the real release: what the findings rest on ----------------------------------------------


def _probe(version: str) -> list[dict[str, Any]]:
    require_release(version)
    from simharness.targets.nodejs import find_node

    node = find_node(">=22", f"openclaw@{version}").path
    dist = Path.home() / ".cache" / "simharness" / "targets" / f"openclaw@{version}" / "package"
    done = subprocess.run(
        [node, str(ROOT / "probes" / "shapes.mjs"), str(dist), "--json"], capture_output=True, text=True, timeout=300, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_the_hand_probe_shows_the_real_520_decides_by_shape():
    rows = {(r["failure"], r["shape"]): r for r in _probe("2026.5.20")}
    # a 529 with a top-level status ends in "All models failed"; the same 529 only in response.status is rethrown raw
    assert rows[("overloaded", "status")]["outcome"] == "summary"
    assert rows[("overloaded", "response")]["outcome"] == "raw"
    assert rows[("overloaded", "response")]["onError"] == ["raw", "raw"]  # and the last attempt is never reported
    # a user stop with Node's own AbortController message is read as a timeout: the chain falls back
    aborts = {k[1].split(" (")[0]: r["outcome"] for k, r in rows.items() if k[0] == "abort"}
    assert aborts["AbortError 'aborted'"] == "stops"
    assert aborts["DOMException AbortError"] == "falls back"


# --- the public strategy: every vocabulary shape, for users' own property tests ---------------------------------


@settings(max_examples=300, deadline=None)
@given(vocabulary_errors())
def test_every_vocabulary_error_is_judged_by_the_520_classifier_without_a_crash(err):
    from simharness.drivers import classifier as C

    assert isinstance(err, JSError) and err.kind != "plain"  # ground truth on every error the strategy draws
    C.failover_reason(err, provider="openrouter")
    C.describe_failover(err)
    assert category_of(err) in ("explicit", "timeout", "terminal", "switch", "unknown")


def _summarizing(hint: bool) -> Any:
    from simharness.drivers import classifier as C

    def driver(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Generator[Any, Any, Any]:
        failed = []
        for i, (provider, model) in enumerate(candidates):
            try:
                return (yield from run(provider, model))
            except JSError as err:
                reason = C.failover_reason(err, provider=provider if hint else None) or "unknown"
                failed.append(f"{provider}/{model}: {err.message} ({reason})")
                on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)})
        raise JSError(f"All models failed ({len(failed)}): " + " | ".join(failed))

    return driver


def test_a_provider_dependent_rule_needs_the_candidates_provider_as_the_hint():
    # the same 403 "API key budget limit exceeded" is billing from OpenRouter, auth elsewhere (probed on 2026.5.20)
    data = {
        "world": {"chain": ["openrouter/deepseek/deepseek-r1", "openai/gpt-a"]},
        "providers": {"*": {"faults": {"provider_rule": 1.0}}},
    }
    scenario = parse_scenario(data, "provider-rule")
    with_hint = run_suite([scenario], PythonTarget("hint", _summarizing(True)), seed=0, budget=10)
    assert with_hint.invariants["summary-honest"].checked > 0 and with_hint.ok
    blind = run_suite([scenario], PythonTarget("blind", _summarizing(False)), seed=0, budget=10)
    assert blind.invariants["summary-honest"].violated > 0


def test_a_world_has_one_shaped_failure_and_records_it_where_no_driver_looks(scenarios_dir):
    from simharness.engine.runner import run_seed

    scenario = collect_scenarios([scenarios_dir / "same-failure-shapes.toml"])[0]
    failures, forms = set(), set()
    for seed in range(20):
        faults = [e.data for e in run_seed(scenario, resolve_target("reference"), seed).trace.events if e.kind == EventKind.PROVIDER_FAULT]
        assert len({f["failure"] for f in faults}) == 1  # chosen once per world
        failures |= {f["failure"] for f in faults}
        forms |= {f["form"] for f in faults}
    assert len(failures) >= 4 and len(forms) >= 10  # across worlds: many failures, many forms


def test_the_harness_finds_the_same_departure_on_the_real_520_through_the_bridge(scenarios_dir):
    _probe("2026.5.20")  # skips (or fails under CI) when 5.20 is not installed
    scenario = collect_scenarios([scenarios_dir / "same-failure-shapes.toml"])[0]
    target = resolve_target("openclaw@2026.5.20")
    try:
        suite = run_suite([scenario], target, seed=0, budget=40)
    finally:
        target.close()
    found = suite.invariants[INVARIANT]
    assert found.violated > 0 and found.counterexample is not None
    message = next(v.message for v in found.counterexample.verdicts.violations if v.invariant == INVARIANT)
    assert any(f"`{form}`" in message for form in ("response", "friendly", "plain")), message  # the hand probe's shapes
