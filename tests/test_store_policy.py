"""The store policies: the contract's arithmetic (`ReferencePolicy`) and openclaw 2026.5.20's, ported
(`Openclaw520Policy`), the latter checked case by case against what the real 5.20 dist computed
(tests/data/store_2026_5_20_cases.json, made by probes/cooldown/p12_store_arithmetic.mjs; re-run live when the
release is installed)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from simharness.drivers import KEY_WIDE, ReferencePolicy, StorePolicy, UsageStats
from simharness.drivers.openclaw_2026_5_20_store import Openclaw520Policy, profiles_unavailable_reason, soonest_cooldown_expiry
from simharness.drivers.store_policy import cooldown_backoff_ms, disabled_backoff_ms
from simharness.model.store import Entries

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "data" / "store_2026_5_20_cases.json").read_text())
S, MIN, H = 1_000, 60_000, 3_600_000
REF = ReferencePolicy()


def _policies() -> tuple[StorePolicy, ...]:
    return (REF, Openclaw520Policy())  # both satisfy the protocol the world's runner calls (mypy checks this line)


# --- ReferencePolicy: the contract ------------------------------------------------------------------------


def test_records_key_and_model_faults_but_not_transient_or_request_failures():
    for reason in ("rate_limit", "overloaded", "model_not_found", "auth", "auth_permanent", "billing"):
        assert REF.records(reason) == reason
    for reason in ("timeout", "server_error", "format", "empty_response", "context_overflow", "unknown", ""):
        assert REF.records(reason) is None


def test_a_model_scoped_failure_writes_the_models_own_entry_and_never_blocks_a_sibling():
    e = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    assert set(e) == {"m1"} and e["m1"].cooldown_until == 30 * S and e["m1"].cooldown_model == "m1"
    assert REF.in_cooldown(e, 1, "m1") and not REF.in_cooldown(e, 1, "m2")
    for reason in ("overloaded", "model_not_found"):
        assert not REF.in_cooldown(REF.mark_failure({}, 0, reason, "m1", None), 1, "m2")


def test_a_second_models_failure_never_widens_the_first():
    e = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    e = REF.mark_failure(e, 5 * S, "rate_limit", "m2", None)
    assert set(e) == {"m1", "m2"}
    assert e["m1"].cooldown_until == 30 * S and e["m2"].cooldown_until == 35 * S
    assert not REF.in_cooldown(e, 6 * S, "m3")


def test_a_key_fault_blocks_every_model_of_the_key():
    e = REF.mark_failure({}, 0, "auth", "m1", None)
    assert set(e) == {KEY_WIDE} and e[KEY_WIDE].cooldown_model is None
    assert REF.in_cooldown(e, 1, "m9") and REF.unavailable_reason(e, 1, "m9") == "auth"
    assert not REF.in_cooldown(e, 30 * S, "m9") and REF.unavailable_reason(e, 30 * S, "m9") is None


def test_backoff_steps_30s_60s_5min_inside_the_window_and_restarts_after_it():
    assert [cooldown_backoff_ms(n) for n in (1, 2, 3, 7)] == [30 * S, MIN, 5 * MIN, 5 * MIN]
    e = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    e = REF.mark_failure(e, 10 * S, "rate_limit", "m1", None)
    assert (e["m1"].error_count, e["m1"].cooldown_until) == (2, 10 * S + MIN)
    e = REF.mark_failure(e, 20 * S, "rate_limit", "m1", None)
    assert (e["m1"].error_count, e["m1"].cooldown_until) == (3, 20 * S + 5 * MIN)
    e = REF.mark_failure(e, 20 * S + 5 * MIN, "rate_limit", "m1", None)  # the window has passed: counts start again
    assert (e["m1"].error_count, e["m1"].count("rate_limit"), e["m1"].cooldown_until) == (1, 1, 20 * S + 5 * MIN + 30 * S)


def test_retry_after_is_kept_and_never_shortened():
    e = REF.mark_failure({}, 0, "rate_limit", "m1", 600 * S)
    assert e["m1"].cooldown_until == 600 * S
    e = REF.mark_failure(e, 10 * S, "rate_limit", "m1", 1 * S)  # a later, shorter one
    assert e["m1"].cooldown_until == 600 * S
    e = REF.mark_failure(e, 20 * S, "rate_limit", "m1", 900 * S)  # a later, longer one extends the window
    assert e["m1"].cooldown_until == 920 * S
    assert REF.mark_failure({}, 0, "rate_limit", "m1", 0)["m1"].cooldown_until == 30 * S  # 0 = none given
    capped = ReferencePolicy(retry_after_cap_ms=60 * S)
    assert capped.mark_failure({}, 0, "rate_limit", "m1", 600 * S)["m1"].cooldown_until == 60 * S


def test_billing_disables_the_key_for_hours():
    assert [disabled_backoff_ms("billing", n) for n in (1, 2, 3, 9)] == [5 * H, 10 * H, 20 * H, 24 * H]
    assert [disabled_backoff_ms("auth_permanent", n) for n in (1, 2, 3, 4)] == [10 * MIN, 20 * MIN, 40 * MIN, 60 * MIN]
    e = REF.mark_failure({}, 0, "billing", "m1", None)
    assert e[KEY_WIDE].disabled_until == 5 * H and e[KEY_WIDE].disabled_reason == "billing"
    assert REF.unavailable_reason(e, H, "m2") == "billing"
    e = REF.mark_failure(e, H, "billing", "m1", None)
    assert e[KEY_WIDE].disabled_until == H + 10 * H and e[KEY_WIDE].count("billing") == 2


def test_a_success_clears_its_model_and_the_key_wide_entry_nothing_else():
    e = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    e = REF.mark_failure(e, 0, "overloaded", "m2", None)
    e = REF.mark_failure(e, 0, "auth", "m2", None)
    after = REF.mark_success(e, 1 * S, "m2")
    assert set(after) == {"m1", KEY_WIDE}
    assert after["m1"] == e["m1"]  # m1's cooldown survives a sibling's success
    assert after[KEY_WIDE].error_count == 0 and after[KEY_WIDE].failure_counts == () and after[KEY_WIDE].until() is None
    assert REF.in_cooldown(after, 2 * S, "m1") and not REF.in_cooldown(after, 2 * S, "m2")
    again = REF.mark_failure(after, 3 * S, "rate_limit", "m2", None)
    assert again["m2"].error_count == 1 and again["m2"].cooldown_until == 33 * S  # counts reset by the success


def test_entries_are_never_mutated():
    e: Entries = {"m1": UsageStats(error_count=1, cooldown_until=30 * S, cooldown_model="m1")}
    frozen = dict(e)
    REF.mark_failure(e, 1, "rate_limit", "m1", 600 * S)
    REF.mark_success(e, 2, "m1")
    assert e == frozen


def test_an_openclaw_shaped_key_wide_entry_is_read_as_openclaw_reads_it():
    seeded: Entries = {KEY_WIDE: UsageStats(cooldown_until=30 * S, cooldown_reason="rate_limit", cooldown_model="m1")}
    assert REF.in_cooldown(seeded, 1, "m1") and not REF.in_cooldown(seeded, 1, "m2")
    assert REF.unavailable_reason(seeded, 1, "m1") == "rate_limit"
    assert REF.until(seeded, 1, "m1") == 30 * S and REF.until(seeded, 1, "m2") is None


# --- Openclaw520Policy: the port, against the real dist ------------------------------------------------------


def _port_results(cases: dict[str, list[list[Any]]]) -> dict[str, list[dict[str, Any]]]:
    p = Openclaw520Policy()
    out: dict[str, list[dict[str, Any]]] = {}
    for name, ops in cases.items():
        entries: Entries = {}
        rows: list[dict[str, Any]] = []
        for op in ops:
            if op[0] == "fail":
                recorded = p.records(op[2])
                if recorded:
                    entries = p.mark_failure(entries, op[1], recorded, op[3], 600 * S)  # a Retry-After it must ignore
                rows.append({"recorded": recorded, "stats": entries[KEY_WIDE].to_json() if KEY_WIDE in entries else None})
            elif op[0] == "success":
                entries = p.mark_success(entries, op[1], "m-any")
                rows.append({"stats": entries[KEY_WIDE].to_json()})
            else:
                t, model = op[1], op[2]
                cleared = p.clear_expired(entries, t)
                rows.append(
                    {
                        "inCooldown": p.in_cooldown(entries, t, model),
                        "reason": profiles_unavailable_reason([entries], t),
                        "soonest": soonest_cooldown_expiry([entries], t, model),
                        "cleared": cleared[KEY_WIDE].to_json() if KEY_WIDE in cleared else None,
                    }
                )
        out[name] = rows
    return out


def _normalized(results: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The dist's JSON in UsageStats' shape (errorCount 0 and empty counts left out, as `to_json` does)."""

    def stats(d: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if d is None else UsageStats.from_json(d).to_json()

    return {
        name: [{k: stats(v) if k in ("stats", "cleared") else v for k, v in row.items()} for row in rows] for name, rows in results.items()
    }


def test_the_5_20_port_computes_what_the_real_dist_computed():
    want = _normalized(CASES["results"])
    got = _port_results(CASES["cases"])
    for name in CASES["cases"]:
        assert got[name] == want[name], name


def test_the_5_20_port_shows_the_releases_departures():
    p = Openclaw520Policy()
    e = p.mark_failure({}, 0, "rate_limit", "m1", 600 * S)
    assert e[KEY_WIDE].cooldown_until == 30 * S  # Retry-After ignored (#24810)
    e = p.mark_failure(e, 5 * S, "rate_limit", "m2", None)
    assert p.in_cooldown(e, 6 * S, "m3")  # a second model's failure widens to the key (#141255)
    assert p.in_cooldown(p.mark_failure({}, 0, "overloaded", "m1", None), 1, "m2")  # overload is key-wide (#56112)
    assert p.records("timeout") is None and p.records("overloaded") == "overloaded"


def _installed_node() -> tuple[str, str] | None:
    from simharness.targets import install as I

    done = I.installed(CASES["release"])
    return None if done is None else (str(done.node.path), CASES["release"])


def test_the_recorded_cases_are_what_the_installed_release_computes_today():
    found = _installed_node()
    if found is None:
        pytest.skip(f"openclaw@{CASES['release']} is not installed")
    node, version = found
    probe = ROOT / "probes" / "cooldown" / "p12_store_arithmetic.mjs"
    done = subprocess.run(
        [node, "--no-warnings", str(probe), version],
        input=json.dumps(CASES["cases"]),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == CASES["results"]


# --- the 5.20 port's cooldown decision, against the real 5.20 (probes/cooldown/p05_chain_coverage.mjs) -------------


class _Ctx:
    """A call context with a store snapshot (what the world gives a driver in an [auth] world)."""

    def __init__(self, env: Any, snapshot: Any) -> None:
        self.env, self.store, self.run_state = env, snapshot, {}
        self.session, self.call_id = "s1", 1
        self.recorded: list[str] = []

    @property
    def now(self) -> int:
        return int(self.env.now)

    def skip(self, provider: str, model: str, reason: str, message: str = "") -> None:
        self.recorded.append(f"{provider}/{model}:{reason}")

    def break_lock(self) -> None:  # pragma: no cover - not used here
        raise AssertionError


def _drive_port(
    chain: list[tuple[str, str]], live: dict[str, Entries], now: int, outcome: dict[str, str], run_state: dict[str, Any]
) -> tuple[Any, list[str], list[str]]:
    """One call of the 5.20 port at `now` over a store (`live`, one key per provider, mutated by the marks), with a
    Python copy of lib.mjs's runner stand-in (`makeRun`): `outcome[provider]` is "ok", "rate_limit" or
    "overloaded". Returns (value, run() calls, the attempts recorded: skips and onError reports, in order)."""
    import simpy

    from simharness.drivers import JSError, overloaded, rate_limit
    from simharness.drivers import openclaw_2026_5_20 as port
    from simharness.model.store import AuthProfile
    from simharness.sim.store import StoreSnapshot
    from simharness.workload.runner import refusal_error

    policy = port.SIMHARNESS_STORE_POLICY

    def keys(provider: str) -> tuple[AuthProfile, ...]:
        return (AuthProfile(f"{provider}:k", provider),)

    env = simpy.Environment(initial_time=now)
    ctx = _Ctx(env, StoreSnapshot(now, {k: dict(v) for k, v in live.items()}, keys, policy))
    ctx.run_state = run_state
    calls: list[str] = []

    def run(provider: str, model: str, *, probe: bool = False) -> Any:
        yield env.timeout(0)
        key, t = f"{provider}:k", int(env.now)
        if not probe and policy.in_cooldown(live.get(key, {}), t, model):
            reason = policy.unavailable_reason(live.get(key, {}), t, model) or "unknown"
            calls.append(f"{provider}/{model}=refused({reason})")
            raise refusal_error(provider, model, reason)
        result = outcome[provider]
        calls.append(f"{provider}/{model}={result}" + ("[probe]" if probe else ""))
        if result == "ok":
            live[key] = policy.mark_success(live.get(key, {}), t, model)
            return f"{provider}/{model}"
        live[key] = policy.mark_failure(live.get(key, {}), t, result, model, None)
        raise overloaded(503) if result == "overloaded" else rate_limit()

    def on_error(report: dict[str, Any]) -> None:
        p, m = report["provider"], report["model"]
        ctx.recorded.append(f"{p}/{m}:{port.describe(p, m, report['error'])[3]}")

    def call() -> Any:
        try:
            return (yield from port.run_with_model_fallback(ctx, chain, run, on_error))
        except JSError as err:
            return err  # what the caller got

    proc = env.process(call())
    env.run()
    return proc.value, calls, ctx.recorded


def _cooling(reason: str, model: str | None = None) -> Entries:
    return {KEY_WIDE: UsageStats(1, ((reason, 1),), cooldown_until=60 * S, cooldown_reason=reason, cooldown_model=model, last_failure_at=0)}


def test_the_5_20_port_skips_and_probes_as_the_real_5_20_does_on_p05():
    """p05 "last healthy" on the real 5.20 (probes/cooldown/results/p05_chain_coverage.txt): at t=10 s prov-1..3 are
    cooling (seeded), prov-4 fails live, prov-5 serves."""
    from simharness.drivers import openclaw_2026_5_20 as port

    chain = [("prov-1", "a"), ("prov-2", "a"), ("prov-2", "b"), ("prov-3", "a"), ("prov-3", "b"), ("prov-4", "a"), ("prov-4", "b"), ("prov-1", "b"), ("prov-5", "last")]  # fmt: skip
    live = {"prov-1:k": _cooling("rate_limit"), "prov-2:k": _cooling("rate_limit"), "prov-3:k": _cooling("overloaded")}
    outcome = {"prov-1": "rate_limit", "prov-2": "rate_limit", "prov-3": "rate_limit", "prov-4": "overloaded", "prov-5": "ok"}
    run_state: dict[str, Any] = {}
    value, calls, recorded = _drive_port(chain, live, 10 * S, outcome, run_state)
    assert value == "prov-5/last"
    assert calls == ["prov-1/a=rate_limit[probe]", "prov-2/a=rate_limit[probe]", "prov-3/a=rate_limit[probe]", "prov-4/a=overloaded", "prov-4/b=refused(overloaded)", "prov-5/last=ok"]  # fmt: skip
    assert recorded == [
        "prov-1/a:rate_limit", "prov-2/a:rate_limit", "prov-2/b:rate_limit", "prov-3/a:rate_limit", "prov-3/b:overloaded",
        "prov-4/a:overloaded", "prov-4/b:overloaded", "prov-1/b:rate_limit",
    ]  # fmt: skip
    assert run_state[port._THROTTLE] == {"prov-1": 10 * S}  # only the primary's probe is throttled


def test_the_5_20_port_throttles_the_primary_probe_per_run_as_the_real_5_20_does_on_p07():
    """p07 on the real 5.20: prov-a/m1 cooling (rate_limit, scoped to m1) until +60 s; a call at +10 s probes the
    primary; the same call again with the same agentDir (one run: one throttle) skips it; a new run probes again."""
    chain = [("prov-a", "m1"), ("prov-b", "m2")]
    outcome = {"prov-a": "ok", "prov-b": "ok"}
    run_state: dict[str, Any] = {}
    first = _drive_port(chain, {"prov-a:k": _cooling("rate_limit", "m1")}, 10 * S, outcome, run_state)
    again = _drive_port(chain, {"prov-a:k": _cooling("rate_limit", "m1")}, 10 * S, outcome, run_state)
    new_run = _drive_port(chain, {"prov-a:k": _cooling("rate_limit", "m1")}, 10 * S, outcome, {})
    assert first[:2] == ("prov-a/m1", ["prov-a/m1=ok[probe]"])
    assert again[:2] == ("prov-b/m2", ["prov-b/m2=ok"]) and again[2] == ["prov-a/m1:rate_limit"]
    assert new_run[:2] == ("prov-a/m1", ["prov-a/m1=ok[probe]"])


def test_the_5_20_port_judged_in_the_world_fails_and_holds_what_the_real_releases_do(scenarios_dir):
    """docs/cooldowns-design.md 6b: sibling-not-blocked, no-attempt-before-deadline and retry-after-kept fail;
    chain-accounted, success-resets-errors and cooldown-survives-failure hold."""
    from simharness.explore.suite import run_suite
    from simharness.model.scenario import collect_scenarios
    from simharness.targets import resolve_target

    target = resolve_target(f"py:{ROOT / 'simharness/drivers/openclaw_2026_5_20.py'}:run_with_model_fallback")
    assert isinstance(target.store_policy, Openclaw520Policy)  # type: ignore[attr-defined]
    suite = run_suite(collect_scenarios([scenarios_dir / "mixed-scope.toml"]), target, seed=0, budget=20)
    violated = {k for k, v in suite.invariants.items() if v.violated}
    assert {"sibling-not-blocked", "no-attempt-before-deadline", "retry-after-kept"} <= violated
    assert not violated & {"chain-accounted", "success-resets-errors", "cooldown-survives-failure"}


# --- the reference driver's cooldown decision (reference.cooldown_decision) ------------------------------------------


def _view(entries: dict[str, Entries], now: int, keys: dict[str, list[str]] | None = None) -> Any:
    from simharness.model.store import AuthProfile
    from simharness.sim.store import StoreSnapshot

    by_provider = keys or {"p": ["p:k1"]}
    return StoreSnapshot(now, entries, lambda provider: tuple(AuthProfile(k, provider) for k in by_provider.get(provider, [])), REF)


def test_the_reference_attempts_a_usable_candidate_and_skips_or_probes_a_cooling_one():
    from simharness.drivers.reference import cooldown_decision

    cooling = REF.mark_failure({}, 0, "rate_limit", "m1", None)  # until 30 s
    state: dict[str, Any] = {}
    view = _view({"p:k1": cooling}, 1 * S)
    assert cooldown_decision(view, state, 1 * S, "p", "m2", primary=True) is None  # a sibling model: usable
    assert cooldown_decision(view, state, 1 * S, "p", "m1", primary=False) == ("skip", "rate_limit", "Provider p is in cooldown for m1")
    assert cooldown_decision(view, state, 1 * S, "p", "m1", primary=True) == ("probe", "rate_limit", "")
    assert cooldown_decision(view, state, 2 * S, "p", "m1", primary=True)[0] == "skip"  # throttled: one probe per 30 s per run
    assert cooldown_decision(view, {}, 2 * S, "p", "m1", primary=True)[0] == "probe"  # another run: its own throttle
    assert cooldown_decision(view, state, 31 * S, "p", "m1", primary=True) is None  # the window ended during the call


def test_the_reference_probes_only_transient_windows_ending_within_two_minutes():
    from simharness.drivers.reference import cooldown_decision

    long = REF.mark_failure({}, 0, "rate_limit", "m1", 600 * S)
    assert cooldown_decision(_view({"p:k1": long}, 1 * S), {}, 1 * S, "p", "m1", primary=True)[0] == "skip"
    assert cooldown_decision(_view({"p:k1": long}, 481 * S), {}, 481 * S, "p", "m1", primary=True)[0] == "probe"
    billing = REF.mark_failure({}, 0, "billing", "m1", None)
    assert cooldown_decision(_view({"p:k1": billing}, 1 * S), {}, 1 * S, "p", "m1", primary=True)[:2] == ("skip", "billing")
    auth = REF.mark_failure({}, 0, "auth", "m1", None)
    assert cooldown_decision(_view({"p:k1": auth}, 1 * S), {}, 1 * S, "p", "m1", primary=True) == (
        "skip",
        "auth",
        "Provider p has auth issue (skipping all models)",
    )


def test_the_reference_needs_every_key_of_the_provider_cooling_and_names_the_strongest_reason():
    from simharness.drivers.reference import cooldown_decision

    keys = {"p": ["p:k1", "p:k2"]}
    limited = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    disabled = REF.mark_failure({}, 0, "billing", "m1", None)
    assert cooldown_decision(_view({"p:k1": limited}, 1 * S, keys), {}, 1 * S, "p", "m1", primary=True) is None  # k2 is free
    both = _view({"p:k1": limited, "p:k2": disabled}, 1 * S, keys)
    # one key disabled: no probe, and the skip names billing
    assert cooldown_decision(both, {}, 1 * S, "p", "m1", primary=True)[:2] == ("skip", "billing")
    assert cooldown_decision(_view({}, 1 * S, {}), {}, 1 * S, "p", "m1", primary=True) is None  # a provider without keys


def test_the_5_20_port_summarizes_skips_as_the_real_5_20_does_on_p05_all_fail():
    """p05 "all fail" on the real 5.20: `All models failed (9)`, the skipped candidates listed with their reasons."""
    from simharness.drivers import JSError

    chain = [("prov-1", "a"), ("prov-2", "a"), ("prov-2", "b"), ("prov-3", "a"), ("prov-3", "b"), ("prov-4", "a"), ("prov-4", "b"), ("prov-1", "b"), ("prov-5", "last")]  # fmt: skip
    live = {"prov-1:k": _cooling("rate_limit"), "prov-2:k": _cooling("rate_limit"), "prov-3:k": _cooling("overloaded")}
    outcome = {"prov-1": "rate_limit", "prov-2": "rate_limit", "prov-3": "rate_limit", "prov-4": "overloaded", "prov-5": "overloaded"}
    summary, _, _ = _drive_port(chain, live, 10 * S, outcome, {})
    assert (
        isinstance(summary, JSError)
        and summary.name == "FallbackSummaryError"
        and summary.message.startswith("All models failed (9): prov-1/a: ")
    )
    assert "prov-2/b: Provider prov-2 is in cooldown (probe already attempted this run) (rate_limit)" in summary.message
    records = [f"{a['provider']}/{a['model']}:{a['reason']}" for a in summary.fields["attempts"]]
    assert records == [
        "prov-1/a:rate_limit", "prov-2/a:rate_limit", "prov-2/b:rate_limit", "prov-3/a:rate_limit", "prov-3/b:overloaded",
        "prov-4/a:overloaded", "prov-4/b:overloaded", "prov-1/b:rate_limit", "prov-5/last:overloaded",
    ]  # fmt: skip


def test_the_5_20_runner_refuses_with_the_reason_scored_over_every_key():
    # found by the differential on mixed-scope: k1 cooling after a 401, k2 a disabled billing key; the real 5.20
    # refuses with "billing" (resolveProfilesUnavailableReason weighs a disabled key 1000), not the first key's "auth"
    policy = Openclaw520Policy()
    k1 = policy.mark_failure({}, 0, "auth", "gpt-a", None)
    k2 = {KEY_WIDE: UsageStats(error_count=1, failure_counts=(("billing", 1),), disabled_until=5 * 3_600_000, disabled_reason="billing")}
    assert policy.unavailable_reason(k1, 1_000, "gpt-b") == "auth"
    assert policy.refusal_reason([k1, k2], 1_000, "gpt-b") == "billing"


def test_the_5_20_runner_tries_keys_least_recently_used_first_and_cooling_keys_last():
    # found by the differential on storm-429 (two keys): the world's runner tried keys in scenario order where 5.20's
    # resolveAuthProfileOrder (orderProfilesByMode) rotates to the least recently used key; 98 of 100 schedules differed
    policy = Openclaw520Policy()
    used = {KEY_WIDE: UsageStats(last_used=5_000)}
    fresh = {KEY_WIDE: UsageStats(last_used=1_000)}
    assert policy.order([("k1", used), ("k2", fresh)], 6_000) == ["k2", "k1"]
    cooling_late = policy.mark_failure({}, 0, "auth", "gpt-a", None)
    cooling_soon = {KEY_WIDE: UsageStats(error_count=1, cooldown_until=10_000, cooldown_reason="overloaded")}
    assert policy.order([("k1", cooling_late), ("k2", cooling_soon), ("k3", used)], 6_000) == ["k3", "k2", "k1"]
