"""Worlds with an [auth] table (issue 16): the auth-profile store that outlives calls, the providers' truth about
keys, the runner's key pick / refusal / marks, and the driver's snapshot of the store."""

from __future__ import annotations

from typing import Any

import pytest

from simharness.engine.runner import replay, run_seed
from simharness.engine.world import World
from simharness.model.choice import RandomChoices, ReplayChoices
from simharness.model.errors import JSError
from simharness.model.exceptions import ScenarioError
from simharness.model.scenario import load_scenario, parse_scenario
from simharness.model.store import KEY_WIDE, UsageStats
from simharness.targets import PythonTarget, resolve_target

AUTH_SCENARIOS = ("storm-429", "mixed-scope", "retry-after-caps", "long-run-expiry")


def world_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "auth-test",
        "world": {"sessions": 1, "turns": 2, "chain": ["openai/gpt-a", "openai/gpt-b"]},
        "auth": {"profiles": {"openai": ["k1", "k2"]}},
        "providers": {"openai": {"latency_ms": [100], "faults": {"rate_limit": 1.0}, "retry_after_ms": [600_000]}},
    }
    for key, value in over.items():
        doc[key] = value
    return doc


def run_with(doc: dict[str, Any], driver: Any, seed: int = 0, **attrs: Any) -> tuple[World, list[str]]:
    target = PythonTarget("py:test", driver)
    for k, v in attrs.items():
        setattr(target, k, v)
    world = World(parse_scenario(doc), target, RandomChoices(seed))
    world.run()
    return world, world.trace.lines()


def events(world: World, kind: str) -> list[Any]:
    return [e for e in world.trace if e.kind == kind]


# --- parsing ------------------------------------------------------------------------------------------------


def test_auth_table_parses_profiles_billing_and_seeds() -> None:
    doc = world_doc()
    doc["world"]["chain"] = ["openai/gpt-a", "anthropic/claude-b"]
    doc["auth"] = {
        "profiles": {"openai": ["k1", "k2"]},
        "billing_disabled": ["openai:k2"],
        "seed": {"openai:k1": {"errorCount": 2, "cooldownUntil": 30_000, "cooldownReason": "rate_limit"}},
    }
    doc["providers"]["openai"]["scope"] = "key"
    sc = parse_scenario(doc)
    assert sc.auth is not None
    assert [k.id for k in sc.auth.keys("openai")] == ["openai:k1", "openai:k2"]
    assert [k.id for k in sc.auth.keys("anthropic")] == ["anthropic:default"]  # a provider the table does not list
    assert sc.auth.keys("openai")[1].billing_disabled
    seeds = sc.auth.seed_entries(("openai", "anthropic"))
    assert seeds["openai:k1"][KEY_WIDE] == UsageStats(error_count=2, cooldown_until=30_000, cooldown_reason="rate_limit")
    assert seeds["openai:k2"][KEY_WIDE].disabled_reason == "billing"
    assert sc.provider("openai").scope == "key" and sc.provider("openai").retry_after_ms == (600_000,)


def test_no_auth_table_no_store() -> None:
    doc = world_doc()
    del doc["auth"]
    del doc["providers"]["openai"]["retry_after_ms"]
    seen: list[Any] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        seen.append(ctx.store)
        return (yield from run(*candidates[0]))

    doc["providers"]["openai"].pop("faults")
    world, lines = run_with(doc, driver)
    assert world.auth is None and seen == [None, None]
    assert not any(k in line for line in lines for k in ("store.write", "profile", "retry_after_ms"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["world"].__setitem__("chain", ["openrouter/x"]), "world.chain[0]: provider 'openrouter' is special"),
        (lambda d: d["auth"].__setitem__("profiles", {"kilocode": ["a"]}), "auth.profiles.kilocode: expected a provider not special"),
        (lambda d: d["auth"].__setitem__("profiles", {"openai": ["a:b"]}), "auth.profiles.openai: expected a list of 1-16 key names"),
        (lambda d: d["auth"].__setitem__("profiles", {"openai": ["a", "a"]}), "auth.profiles.openai: expected distinct key names"),
        (lambda d: d["auth"].__setitem__("billing_disabled", ["openai:k9"]), "auth.billing_disabled: expected profile ids of the world"),
        (lambda d: d["auth"].__setitem__("seed", {"openai:k1": {"errorCnt": 1}}), "auth.seed.openai:k1.errorCnt: expected a usage field"),
        (
            lambda d: d["auth"].__setitem__("seed", {"openai:k1": {"cooldownUntil": -1}}),
            "auth.seed.openai:k1.cooldownUntil: expected an integer",
        ),
        (lambda d: d["auth"].__setitem__("seed", {"openai:k7": {}}), "auth.seed.openai:k7: expected a profile id of the world"),
        (lambda d: d["auth"].__setitem__("rotate", True), "auth.rotate: unknown key"),
        (lambda d: d["providers"]["openai"].__setitem__("scope", "region"), "providers.openai.scope: expected one of model, key, provider"),
        (lambda d: d["providers"]["openai"].__setitem__("retry_after_ms", [-5]), "providers.openai.retry_after_ms: expected an integer"),
        (lambda d: d.pop("auth"), "providers.openai.retry_after_ms: only in a scenario with an [auth] table"),
    ],
)
def test_bad_auth_input_is_one_line(change: Any, message: str) -> None:
    doc = world_doc()
    change(doc)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "bad.toml")
    text = str(info.value)
    assert "\n" not in text and text.startswith("bad.toml: ") and message in text, text


# --- the store, the runner and the truth ----------------------------------------------------------------------


def test_failure_is_marked_by_the_runner_and_seen_only_by_the_next_call() -> None:
    seen: list[tuple[bool, bool]] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        before = ctx.store.in_cooldown("openai:k1", "gpt-a")
        try:
            return (yield from run("openai", "gpt-a"))
        except JSError:
            seen.append((before, ctx.store.in_cooldown("openai:k1", "gpt-a")))  # still the call-start snapshot
            raise

    doc = world_doc()
    doc["auth"] = {"profiles": {"openai": ["k1"]}}
    doc["world"]["turns"] = 1
    doc["world"]["sessions"] = 1
    world, _ = run_with(doc, driver)
    (write,) = events(world, "store.write")
    d = write.data
    assert (d["call"], d["profile"], d["provider"], d["cause"], d["reason"], d["model"], d["by"]) == (
        1,
        "openai:k1",
        "openai",
        "failure",
        "rate_limit",
        "gpt-a",
        "runner",
    )
    assert d["before"] == {} and d["retry_after_ms"] == 600_000
    assert d["after"]["gpt-a"]["cooldownUntil"] >= write.t + 600_000
    assert seen == [(False, False)]
    (start,) = events(world, "run.start")
    assert start.data["profile"] == "openai:k1" and "probe" not in start.data
    (fault,) = events(world, "provider.fault")
    assert (fault.data["profile"], fault.data["scope"], fault.data["retry_after_ms"]) == ("openai:k1", "model", 600_000)
    assert world.auth is not None and world.auth.store.entries("openai:k1") == {s: UsageStats.from_json(j) for s, j in d["after"].items()}


def test_second_call_sees_the_cooldown_and_the_runner_moves_to_the_next_key_then_refuses() -> None:
    log: list[Any] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        log.append((ctx.call_id, ctx.now, [ctx.store.in_cooldown(k, "gpt-a") for k in ctx.store.profiles("openai")]))
        try:
            return (yield from run("openai", "gpt-a"))
        except JSError as err:
            log.append((err.name, err.message, err.fields.get("reason"), err.status))
            raise

    doc = world_doc()
    doc["world"]["turns"] = 3
    world, _ = run_with(doc, driver)
    assert log[0] == (1, 0, [False, False])
    assert log[2][2] == [True, False]  # call 2: k1 cooling for gpt-a
    assert log[4][2] == [True, True]
    assert log[5] == ("FailoverError", "No available auth profile for openai (all in cooldown or unavailable).", "rate_limit", 429)
    starts = events(world, "run.start")
    assert [s.data.get("profile") for s in starts] == ["openai:k1", "openai:k2", None]
    (refused,) = events(world, "runner.refused")
    assert refused.data == {"call": 3, "candidate": "openai/gpt-a", "reason": "rate_limit"}
    kinds = [e.kind for e in world.trace if e.data.get("call") == 3]
    assert kinds[kinds.index("run.start") :][:3] == ["run.start", "runner.refused", "run.raise"]
    assert not [e for e in events(world, "provider.request") if e.data["call"] == 3]  # no provider request


def test_a_probe_uses_the_first_key_and_the_truth_keeps_answering_429() -> None:
    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        return (yield from run("openai", "gpt-a", probe=ctx.call_id > 1))

    doc = world_doc()
    doc["auth"] = {"profiles": {"openai": ["k1"]}}
    doc["providers"]["openai"]["faults"] = {"rate_limit": 0.5}  # the first request's fault is a choice (index 0: success)
    target = PythonTarget("py:test", driver)
    # choices: call 1's fault (rate_limit), then nothing: call 2 is blocked by the truth, so it makes no fault choice
    world = World(parse_scenario(doc), target, ReplayChoices([1]))
    world.run()
    faults = events(world, "provider.fault")
    assert [f.data["retry_after_ms"] for f in faults] == [600_000, 600_000 - (faults[1].t - faults[0].t)]
    starts = events(world, "run.start")
    assert starts[1].data == {
        "call": 2, "candidate": "openai/gpt-a", "n": 1, "profile": "openai:k1", "probe": True, "cooling": {"openai:k1": "rate_limit"}
    }  # fmt: skip
    assert [c.label for c in world.choices.record] == ["provider.openai.fault"]


def test_billing_disabled_key_is_seeded_passed_over_and_answers_402() -> None:
    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        return (yield from run("openai", "gpt-a", probe=True))

    doc = world_doc()
    doc["auth"] = {"profiles": {"openai": ["k1"]}, "billing_disabled": ["openai:k1"]}
    doc["providers"]["openai"].pop("faults")
    doc["world"]["turns"] = 1
    world, _ = run_with(doc, driver)
    seed, *_ = events(world, "store.write")
    assert (seed.t, seed.actor, seed.data["cause"], seed.data["call"], seed.data["profile"]) == (0, "store", "seed", 0, "openai:k1")
    assert seed.data["after"]["*"]["disabledReason"] == "billing"
    # a probe takes the first key, disabled or not: the provider answers 402
    fault = events(world, "provider.fault")[0]
    assert (fault.data["fault"], fault.data["profile"], fault.data["scope"]) == ("billing", "openai:k1", "key")

    def plain(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        return (yield from run("openai", "gpt-a"))

    world, _ = run_with(doc, plain)
    assert [e.kind for e in world.trace][-4:-2] == ["run.start", "runner.refused"]  # no probe: refused (billing)
    assert events(world, "runner.refused")[0].data["reason"] == "billing"
    doc["auth"] = {"profiles": {"openai": ["k1", "k2"]}, "billing_disabled": ["openai:k1"]}
    world, _ = run_with(doc, driver)
    assert [s.data["profile"] for s in events(world, "run.start")] == ["openai:k2"]  # a usable key: no probe needed


def test_skip_run_state_and_a_call_that_skips_everything() -> None:
    states: list[int] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        ctx.run_state["n"] = ctx.run_state.get("n", 0) + 1
        states.append(ctx.run_state["n"])
        for p, m in candidates:
            ctx.skip(p, m, "rate_limit", f"Provider {p} is in cooldown (rate_limit)")
        raise JSError("All models failed (2): skipped", name="FallbackSummaryError")
        yield

    doc = world_doc()
    doc["world"]["sessions"] = 2
    doc["world"]["turns"] = 1
    world, _ = run_with(doc, driver)
    assert states == [1, 2]  # shared by the run's sessions
    run_with(doc, driver)
    assert states == [1, 2, 1, 2]  # fresh per run
    skips = events(world, "candidate.skip")
    assert skips[0].data == {
        "call": 1,
        "candidate": "openai/gpt-a",
        "reason": "rate_limit",
        "message": "Provider openai is in cooldown (rate_limit)",
        "cooling": {"openai:k1": None, "openai:k2": None},  # what the driver's snapshot said: this test's skip is not true
    }
    assert all("where" not in e.data for e in events(world, "call.raise"))  # skipped with a reason: not "ran nothing"


def test_owns_store_targets_report_through_ctx_auth() -> None:
    indices: list[int] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        auth = ctx.auth
        indices.append(auth.run_index)
        assert [p.id for p in auth.profiles] == ["openai:k1", "openai:k2"]
        assert auth.seed_entries() == {}
        if ctx.call_id == 1:
            try:
                return (yield from run("openai", "gpt-a", profile="openai:k2"))
            except JSError:
                auth.write(
                    "openai:k2", "openai", "failure", "rate_limit", "gpt-a", {KEY_WIDE: UsageStats(error_count=1, cooldown_until=30_000)}
                )
                raise
        err = auth.refused("openai", "gpt-a", "rate_limit")
        assert err.name == "FailoverError"
        raise err

    doc = world_doc()
    world, _ = run_with(doc, driver, owns_store=True)
    start, refused_start = events(world, "run.start")
    assert start.data["profile"] == "openai:k2" and "profile" not in refused_start.data
    (write,) = events(world, "store.write")
    assert (write.data["by"], write.data["before"], write.data["retry_after_ms"]) == ("release", {}, 600_000)
    assert write.data["after"] == {"*": {"errorCount": 1, "cooldownUntil": 30_000}}
    assert [e.kind for e in world.trace if e.data.get("call") == 2][1:4] == ["run.start", "runner.refused", "run.raise"]
    run_with(doc, driver, owns_store=True)
    assert indices[2] > indices[0]  # a new run: the bridge re-seeds


# --- the shipped [auth] scenarios -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", AUTH_SCENARIOS)
def test_auth_scenarios_replay_and_reach_their_situations(scenarios_dir: Any, name: str) -> None:
    sc = load_scenario(scenarios_dir / f"{name}.toml")
    reference = resolve_target("reference")
    reached: set[str] = set()
    for seed in range(12):
        a = run_seed(sc, reference, seed)
        b = run_seed(sc, reference, seed)
        assert a.trace.lines() == b.trace.lines()
        assert replay(sc, reference, [c.value for c in a.choices]).trace_sha256 == a.trace_sha256
        reached |= a.verdicts.situations
    assert set(sc.expect_sometimes) <= reached, set(sc.expect_sometimes) - reached


def test_the_targets_own_policy_does_the_arithmetic_and_judges_the_snapshot() -> None:
    class NeverCools:
        def records(self, reason: str) -> str | None:
            return reason

        def mark_failure(self, entries: Any, now: int, reason: str, model: str, retry_after_ms: int | None) -> Any:
            return {KEY_WIDE: UsageStats(error_count=1, cooldown_until=now + 5)}

        def mark_success(self, entries: Any, now: int, model: str) -> Any:
            return {}

        def in_cooldown(self, entries: Any, now: int, model: str) -> bool:
            return False

        def unavailable_reason(self, entries: Any, now: int, model: str) -> str | None:
            return None

    seen: list[bool] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        seen.append(ctx.store.in_cooldown("openai:k1", "gpt-a"))
        return (yield from run("openai", "gpt-a"))

    doc = world_doc()
    doc["auth"] = {"profiles": {"openai": ["k1"]}}
    world, _ = run_with(doc, driver, store_policy=NeverCools())
    assert seen == [False, False] and not events(world, "runner.refused")
    first = events(world, "store.write")[0]
    assert first.data["after"]["*"]["cooldownUntil"] == first.t + 5


def test_snapshot_soonest_expiry_and_reasons() -> None:
    doc = world_doc()
    doc["auth"] = {
        "profiles": {"openai": ["k1", "k2"]},
        "seed": {
            "openai:k1": {"cooldownUntil": 50_000, "cooldownReason": "rate_limit", "cooldownModel": "gpt-a"},
            "openai:k2": {"cooldownUntil": 20_000, "cooldownReason": "rate_limit"},
        },
    }
    views: list[Any] = []

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        views.append(ctx.store)
        raise JSError("All models failed (0)", name="FallbackSummaryError")
        yield

    run_with(doc, driver)
    view = views[0]
    assert view.now == 0 and view.profiles("openai") == ["openai:k1", "openai:k2"]
    assert view.in_cooldown("openai:k1", "gpt-a") and not view.in_cooldown("openai:k1", "gpt-b")
    assert view.soonest_expiry("openai", "gpt-a") == 20_000  # k2 frees first
    assert view.soonest_expiry("openai", "gpt-b") == 20_000  # k2 cools key-wide (k1 is usable for gpt-b)
    assert view.soonest_expiry("anthropic", "claude") is None  # nothing cools
    assert view.unavailable_reason("openai:k2", "gpt-b") == "rate_limit" and view.unavailable_reason("openai:k1", "gpt-b") is None
    assert view.entries("openai:nobody") == {}


# --- the issue-16 situations, from hand-built events ---------------------------------------------------------


def _situations(*events: tuple[int, str, str, dict[str, Any]]) -> set[str]:
    from simharness.check.situations import SituationTally
    from simharness.model.trace import Event

    tally = SituationTally()
    for i, (t, actor, kind, data) in enumerate(events):
        handler = SituationTally.HANDLERS.get(kind)
        if handler is not None:
            handler(tally, i, Event(t, actor, kind, data))
    return tally.situations


def _write(
    t: int, actor: str, cause: str, model: str, before: dict[str, Any], after: dict[str, Any], **extra: Any
) -> tuple[int, str, str, dict[str, Any]]:
    data = {"call": 1, "profile": "openai:k1", "provider": "openai", "cause": cause, "reason": "rate_limit", "model": model}
    return (t, actor, "store.write", {**data, "before": before, "after": after, "by": "runner", **extra})


def test_store_situations_are_read_from_the_events() -> None:
    a = {"gpt-a": {"cooldownUntil": 30_000, "cooldownModel": "gpt-a", "errorCount": 1}}
    ab = {**a, "gpt-b": {"cooldownUntil": 29_000, "cooldownModel": "gpt-b", "errorCount": 1}}
    assert _situations(_write(0, "session-1", "failure", "gpt-a", {}, a), _write(0, "session-2", "failure", "gpt-b", a, ab)) == {
        "store_concurrent_write",
        "second_scoped_failure",
    }
    start = {"call": 2, "candidate": "openai/gpt-b", "n": 1, "profile": "openai:k1"}
    assert _situations(_write(0, "session-1", "failure", "gpt-a", {}, a), (5, "session-1", "run.start", start)) == {
        "sibling_after_scoped_failure"
    }
    assert _situations(
        _write(0, "session-1", "failure", "gpt-a", {}, a), (30_000, "session-1", "run.start", {**start, "candidate": "openai/gpt-a"})
    ) == {"cooldown_expired_retry"}
    long = {"gpt-a": {"cooldownUntil": 60_000 + 10, "cooldownModel": "gpt-a", "errorCount": 2}}
    assert _situations(_write(10, "session-1", "failure", "gpt-a", a, long)) == {"escalated_backoff"}
    assert _situations(_write(10, "session-1", "failure", "gpt-a", a, long, retry_after_ms=60_000)) == set()  # the Retry-After's
    fault = {"call": 1, "fault": "rate_limit", "model": "gpt-a", "profile": "openai:k1", "scope": "model", "retry_after_ms": 30_001}
    assert _situations((0, "provider:openai", "provider.fault", fault)) == {"retry_after_long"}
    refused = {"call": 1, "candidate": "openai/gpt-a", "reason": "billing"}
    assert _situations((0, "session-1", "runner.refused", refused)) == {"runner_refused", "billing_disabled_skip"}
    assert _situations((0, "session-1", "candidate.skip", {**refused, "reason": "rate_limit", "message": ""})) == {"cooldown_skip"}
    assert _situations((0, "session-1", "run.start", {**start, "probe": True})) == {"cooldown_probe"}
