"""The world: deterministic, choice-driven races, faithful lock and takeover mechanics."""

import os
import subprocess
import sys

import pytest
import simpy
from oracle_driver import oracle_driver

from simharness.engine.runner import replay, run_seed
from simharness.model import errors as E
from simharness.model import kinds as K
from simharness.model.choice import RandomChoices, ReplayChoices
from simharness.model.graph import from_graph, to_graph
from simharness.model.kinds import COORDINATION_WRAPS
from simharness.model.scenario import collect_scenarios, parse_scenario
from simharness.targets import PythonTarget, resolve_target


@pytest.fixture(scope="module")
def reference():
    return resolve_target("reference")


def _first(scenario, target, predicate, tries=400):
    for seed in range(tries):
        result = run_seed(scenario, target, seed)
        if predicate(result):
            return result
    raise AssertionError(f"no seed in {tries} reached the situation")


def test_same_seed_same_trace_for_every_shipped_scenario(scenarios_dir, reference):
    for scenario in collect_scenarios([scenarios_dir]):
        for seed in (0, 1, 99):
            a = run_seed(scenario, reference, seed)
            b = run_seed(scenario, reference, seed)
            assert a.trace.lines() == b.trace.lines(), scenario.name
            c = replay(scenario, reference, [ch.value for ch in a.choices])
            assert c.trace_sha256 == a.trace_sha256, scenario.name


def test_trace_hash_ignores_pythonhashseed(scenarios_dir):
    script = (
        "import sys; from simharness import *; "
        "s = load_scenario(sys.argv[1]); t = resolve_target('reference'); "
        "print(','.join(run_seed(s, t, k).trace_sha256 for k in range(5)))"
    )
    outs = set()
    for hashseed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        proc = subprocess.run(
            [sys.executable, "-c", script, str(scenarios_dir / "mixed-faults.toml")], env=env, capture_output=True, text=True, check=True
        )
        outs.add(proc.stdout.strip())
    assert len(outs) == 1


def test_same_instant_ties_are_choices_not_event_ids(reference):
    scenario = parse_scenario({"world": {"sessions": 2, "files": 1, "chain": ["a/x"]}})
    orders = set()
    for first in (0, 1):
        result = replay(scenario, reference, [first])
        ties = [c for c in result.choices if c.label.startswith("tie:")]
        assert ties and ties[0].label == "tie:session-1/session-2"
        starts = [e.actor for e in result.trace if e.kind == "call.start"]
        orders.add(tuple(starts))
    assert orders == {("session-1", "session-2"), ("session-2", "session-1")}


def test_takeover_race_detects_the_foreign_write(scenarios_dir, reference):
    scenario = collect_scenarios([scenarios_dir / "takeover-race.toml"])[0]
    result = _first(scenario, reference, lambda r: "takeover_detected" in r.verdicts.situations)
    kinds = [e.kind for e in result.trace]
    opened = kinds.index("window.open")
    detected = kinds.index("takeover.detected")
    window = result.trace.events[opened:detected]
    assert any(e.kind == "file.write" and e.data["by"] != result.trace.events[opened].actor for e in window)
    raised = [e for e in result.trace if e.kind == "run.raise" and "Takeover" in e.data["shape"]]
    assert raised and raised[0].data["message"].startswith("session file changed while embedded prompt lock was released: sess-a.jsonl")
    assert result.ok


def test_lock_timeout_error_shape(scenarios_dir, reference):
    scenario = collect_scenarios([scenarios_dir / "lock-contention.toml"])[0]

    # a timeout on the first acquire raises the lock error itself (one on reacquire is a takeover)
    def first_acquire_timed_out(r):
        return any(e.kind == "run.raise" and "SessionWriteLockTimeoutError" in e.data["shape"] for e in r.trace)

    result = _first(scenario, reference, first_acquire_timed_out)
    raised = [e for e in result.trace if e.kind == "run.raise" and "SessionWriteLockTimeoutError" in e.data["shape"]]
    assert raised[0].data["message"].startswith("session file locked (timeout 10000ms): pid=writer:compaction-1 sess-a.jsonl.lock")
    timeouts = [e for e in result.trace if e.kind == "lock.timeout" and e.data["owner"].startswith("session-")]
    assert timeouts[0].data["waited_ms"] == 10000


def test_backoff_doubles_to_one_second():
    env_events = []
    scenario = parse_scenario({"world": {"chain": ["a/x"], "lock_timeout_ms": 5000}, "writers": [{"hold_ms": 60000}]})

    def driver(ctx, candidates, run, on_error):
        yield ctx.env.timeout(1)  # let the writer take the lock first
        try:
            return (yield from run(*candidates[0]))
        except E.JSError:
            env_events.append(ctx.env.now)
            raise

    result = replay(scenario, PythonTarget("py:test", driver), [])
    assert env_events == [5001]
    assert [e.kind for e in result.trace].count("lock.timeout") == 1


def test_fingerprint_changes_on_same_size_rewrite():
    from simharness.engine.world import World
    from simharness.sim.files import SessionFile

    world = World(parse_scenario({}), resolve_target("reference"), ReplayChoices([]))
    f = SessionFile("s.jsonl", 1, world)
    f.write(10, 100)
    before = f.fingerprint()
    f.write(10, 100, rewrite=True)  # compaction: same size, same millisecond
    assert f.size == 100 and f.fingerprint() != before


def test_driver_that_never_returns_is_a_liveness_violation():
    scenario = parse_scenario({"world": {"chain": ["a/x"], "max_steps": 1000}})

    def spinning(ctx, candidates, run, on_error):
        while True:  # retries forever without giving up
            try:
                return (yield from run(*candidates[0]))
            except E.JSError:
                pass

    stuck = parse_scenario({"world": {"chain": ["a/x"], "max_steps": 1000}, "providers": {"a": {"faults": {"rate_limit": 1.0}}}})
    result = run_seed(stuck, PythonTarget("py:spin", spinning), 0)
    assert {v.invariant for v in result.verdicts.violations} == {"terminates"}

    def waits_forever(ctx, candidates, run, on_error):
        yield simpy.Event(ctx.env)  # never triggered: the schedule empties with the call still open

    result = replay(scenario, PythonTarget("py:wait", waits_forever), [])
    assert {v.invariant for v in result.verdicts.violations} == {"terminates"}


def test_random_and_replay_agree(reference, scenarios_dir):
    scenario = collect_scenarios([scenarios_dir / "mixed-faults.toml"])[0]
    src = RandomChoices(5)
    from simharness.engine.runner import run_once

    a = run_once(scenario, reference, src)
    b = replay(scenario, reference, src.values())
    assert a.trace_sha256 == b.trace_sha256 and len(a.choices) > 20


def test_newer_runtime_coordination_errors_are_judged_by_the_targets_profile(scenarios_dir):
    from simharness.drivers import legacy
    from simharness.explore.suite import run_suite
    from simharness.model.errors import walk
    from simharness.model.target import EMBEDDED_LOCK_PROFILE

    scenario = collect_scenarios([scenarios_dir / "runtime-coordination.toml"])[0]
    samples = [E.coordination_error(kind, "") for kind in K.RUNTIME_FAULTS]
    names = {e.name for e in samples if e.kind not in K.CODE_RECOGNISED_KINDS}
    codes = {e.code for e in samples if e.kind in K.CODE_RECOGNISED_KINDS}

    def by_name(ctx, candidates, run, on_error):  # a 2026.8+-style driver: by name (or code), every link
        for i, (p, m) in enumerate(candidates):
            try:
                return (yield from run(p, m))
            except E.JSError as err:
                if any(node.name in names or node.code in codes for node in walk(err)) or i == len(candidates) - 1:
                    raise
                on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})

    # a runtime that cannot throw the 2026.8+ kinds is "not applicable" on them, never counted as passed
    older = run_suite([scenario], PythonTarget("py:legacy", legacy.run_with_model_fallback, EMBEDDED_LOCK_PROFILE), seed=0, budget=60)
    assert older.invariants["coordination-single-run"].checked == 0
    assert older.invariants["coordination-single-run"].not_applicable > 0

    walks = run_suite([scenario], PythonTarget("py:legacy", legacy.run_with_model_fallback), seed=0, budget=60)
    assert walks.invariants["coordination-single-run"].violated > 0

    fixed = run_suite([scenario], PythonTarget("py:by-name", by_name), seed=0, budget=60)
    assert fixed.invariants["coordination-single-run"].checked > 0 and fixed.ok


# --- every shape for every kind, whatever a target handles ------------------------------------------------

ORACLE = PythonTarget("py:oracle", oracle_driver)


def _raised(result):
    return [e for e in result.trace if e.kind == "run.raise"]


@pytest.mark.parametrize("kind", K.COORDINATION_KINDS_IN_ORDER)
def test_every_coordination_kind_behind_every_wrapper_is_coordination(kind):
    from simharness.check.oracle import category_of, coordination_kinds
    from simharness.engine.world import World
    from simharness.faults.runtime import coordination
    from simharness.faults.wrapping import wrap
    from simharness.sim.files import SessionFile

    world = World(parse_scenario({}), ORACLE, ReplayChoices([]))
    file = SessionFile("sess-a.jsonl", 1000, world)
    for how in COORDINATION_WRAPS:
        err = wrap(coordination(kind, "session-1", file), how)
        assert category_of(err) == "coordination", (kind, how, E.describe(err))
        assert coordination_kinds(err) == {kind}, (kind, how)
        assert category_of(from_graph(to_graph(err))) == "coordination", (kind, how)  # as the bridge sends it
        if how == "code_only" and kind in K.CODE_RECOGNISED_KINDS:  # recognised by its code alone: no class, no name
            assert err.error.name == "Error" and err.error.code and err.error.kind == kind


@pytest.mark.parametrize("how", COORDINATION_WRAPS)
def test_the_world_delivers_every_runtime_kind_behind_every_wrapper(how):
    for kind in K.RUNTIME_FAULTS:
        scenario = parse_scenario({"runtime": {"faults": {kind: 1.0}}, "wrapping": {"coordination": {how: 1.0}}, "swarm": False})
        raised = _raised(replay(scenario, ORACLE, [1]))  # the runtime refuses the first attempt
        assert len(raised) == 1 and raised[0].data["category"] == "coordination" and raised[0].data["coord"] == [kind], (kind, how)
        assert ("-->" in raised[0].data["shape"]) == (how != "none")


def test_the_world_delivers_takeover_and_lock_behind_every_wrapper(scenarios_dir):
    scenario = collect_scenarios([scenarios_dir / "nested-coordination.toml"], swarm=False)[0]
    seen = set()
    for seed in range(400):
        result = run_seed(scenario, ORACLE, seed)
        wraps = [c.taken for c in result.choices if c.label == "wrap.coordination"]
        for how, e in zip(wraps, (e for e in _raised(result) if e.data["category"] == "coordination")):
            seen.add((tuple(e.data["coord"]), how))
        if len(seen) == 2 * len(COORDINATION_WRAPS):
            break
    assert seen == {(k, how) for k in (("lock_timeout",), ("takeover",)) for how in COORDINATION_WRAPS}


@pytest.mark.parametrize("outer", K.EXPLICIT_OUTERS)
def test_every_explicit_outer_holding_every_kind_behind_every_link_is_explicit(outer):
    for inner in K.COORDINATION_KINDS_IN_ORDER:
        for link in K.EXPLICIT_LINKS:
            scenario = parse_scenario(
                {
                    "providers": {"*": {"faults": {"explicit_nested_coordination": 1.0}}},
                    "explicit": {"outer": {outer: 1.0}, "inner": {inner: 1.0}, "link": {link: 1.0}},
                    "swarm": False,
                }
            )
            (raised,) = _raised(replay(scenario, ORACLE, [1]))  # the first request fails so
            assert raised.data["category"] == "explicit" and raised.data["coord"] == [inner], (outer, inner, link)
            assert raised.data["shape"].startswith(f"APIError --{link}{'[0]' if link == 'errors' else ''}--> "), raised.data["shape"]
            assert raised.data["root"] == outer


def test_explicit_nested_coordination_choices_start_with_the_reviewers_case():
    scenario = parse_scenario({"providers": {"*": {"faults": {"explicit_nested_coordination": 1.0}}}, "swarm": False})
    result = replay(scenario, ORACLE, [1])  # then every choice its simplest option: a 429 whose cause is the session lock
    assert [c.label for c in result.choices][1:4] == ["explicit.outer", "explicit.inner", "explicit.link"]
    assert _raised(result)[0].data["shape"] == "APIError --cause--> SessionWriteLockTimeoutError"


# --- a green verdict is a promise: drivers written to be wrong are caught by the shipped suite -------------


def _suite_fails(scenarios_dir, names, driver, invariant, budget=150):
    from simharness.explore.suite import run_suite

    scenarios = [s for s in collect_scenarios([scenarios_dir]) if s.name in names]
    assert len(scenarios) == len(names)
    suite = run_suite(scenarios, PythonTarget("py:wrong", driver), seed=0, budget=budget)
    return suite.invariants[invariant].violated > 0


def _driver_with(is_coordination):
    def driver(ctx, candidates, run, on_error):
        for i, (p, m) in enumerate(candidates):
            try:
                return (yield from run(p, m))
            except E.JSError as err:
                if is_coordination(err) or i == len(candidates) - 1:
                    raise
                on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})

    return driver


def _has(err, pred, links):
    return any(pred(n) for n in E.walk(err, links=links))


def _coord(n):
    return n.kind in K.COORDINATION_KINDS


def test_a_driver_that_walks_only_cause_and_error_is_caught_on_2026_8_kinds(scenarios_dir):
    # 2026.8's shape: it walks error/cause/errors[], not reason or suppressed or an abort's reason
    walks_some = _driver_with(
        lambda e: _has(e, _coord, ("cause", "error", "errors")) and not _has(e, lambda n: n.status, ("cause", "error"))
    )
    assert _suite_fails(scenarios_dir, {"runtime-coordination"}, walks_some, "coordination-single-run")


def test_a_driver_that_lets_any_nested_coordination_win_over_explicit_metadata_is_caught(scenarios_dir):
    coordination_first = _driver_with(lambda e: _has(e, _coord, K.LINKS + ("errors",)))
    assert _suite_fails(scenarios_dir, {"explicit-wraps-coordination"}, coordination_first, "explicit-metadata-advances")


def test_a_driver_that_treats_an_abort_as_terminal_first_is_caught_by_the_shipped_suite(scenarios_dir):
    # 2026.5.20's departure: an AbortError is a timeout failover before the coordination check runs
    def abort_first(err):
        return err.name != "AbortError" and _has(err, _coord, K.LINKS + ("errors",)) and not _has(err, lambda n: n.status, K.LINKS)

    assert _suite_fails(scenarios_dir, {"abort-wrapped-takeover"}, _driver_with(abort_first), "coordination-single-run", budget=20)
    assert _suite_fails(scenarios_dir, {"nested-coordination"}, _driver_with(abort_first), "coordination-single-run")
