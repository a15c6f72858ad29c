"""The bridge gives openclaw a real auth-profile store (issue 16, docs/cooldowns-design.md section 2), against REAL
releases (2026.5.20 and 2026.9.6).

The JS side is driven message by message (no world): `begin_run` seeds the store, the runner stand-in picks a key
and marks it with the release's own functions, and the real `runWithModelFallback` takes its skip and probe
branches; the findings of docs/cooldowns-findings.md come back through the protocol (Retry-After 600 s stored
as 30 s, #141255's widened cooldown refusing a healthy third model). Then whole [auth] worlds: the trace carries
the release's writes (`by: "release"`), its probes and skips, and a run replays to the same trace.

Locally a missing release skips (install: `simharness target install openclaw@2026.5.20 openclaw@2026.9.6`);
under CI (`CI=true`) it fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import require_release

from simharness.engine.runner import run_seed, seeds_for
from simharness.model import errors as E
from simharness.model.exceptions import TargetError
from simharness.model.graph import to_graph
from simharness.model.kinds import EventKind
from simharness.model.scenario import load_scenario
from simharness.targets.bridge import run_shift_ms
from simharness.targets.locate import SOURCE_SYMBOLS, STORE_SYMBOLS, Located, _defines, probe_constants
from simharness.targets.node import NodeTarget

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("2026.5.20", "2026.9.6")
CHAIN = [["prov-a", "m1"], ["prov-b", "m9"]]
PROFILES = [["prov-a:k1", "prov-a"], ["prov-b:k1", "prov-b"]]


@pytest.fixture(scope="module")
def real() -> dict[str, NodeTarget]:
    targets: dict[str, NodeTarget] = {}
    for version in VERSIONS:
        require_release(version)
        targets[version] = NodeTarget(f"openclaw@{version}", progress=False)
    yield targets
    for t in targets.values():
        t.close()


def _begin(target: NodeTarget, profiles: list[list[str]], stats: dict[str, Any] | None = None) -> dict[str, Any]:
    bridge = target.bridge()
    call = bridge.new_call()
    return bridge.request(call, {"t": "begin_run", "call": call, "profiles": profiles, "usageStats": stats or {}})


def _call(target: NodeTarget, chain: list[list[str]], now: int, failing: set[str], *, auth: bool = True) -> list[dict[str, Any]]:
    """One driver call; a candidate "p/m" in `failing` answers a 429 with Retry-After 600 s. Every message Node sent."""
    bridge = target.bridge()
    call = bridge.new_call()
    start: dict[str, Any] = {"t": "start", "call": call, "chain": chain, "now": now}
    if auth:
        start["auth"] = True
    msg = bridge.request(call, start)
    seen = [msg]
    while msg["t"] != "done":
        if msg["t"] == "run":
            if f"{msg['provider']}/{msg['model']}" in failing:
                reply = {"ok": False, "error": to_graph(E.rate_limit(retry_after_s=600))}
            else:
                reply = {"ok": True, "value": f"reply:{msg['provider']}/{msg['model']}"}
            msg = bridge.request(call, {"t": "result", "call": call, "now": now, **reply})
        elif msg["t"] == "refused":
            msg = bridge.request(call, {"t": "result", "call": call, "ok": False, "error": msg["error"], "now": now})
        else:
            msg = bridge.next_for(call)
        seen.append(msg)
    return seen


def _runs(seen: list[dict[str, Any]]) -> list[tuple[str, str | None, bool]]:
    return [(f"{m['provider']}/{m['model']}", m.get("profileId"), m.get("probe")) for m in seen if m["t"] == "run"]


def _stores(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in seen if m["t"] == "store"]


# --- locating the store ---------------------------------------------------------------------------------------


def test_destructured_store_functions_are_definitions_only_where_asked():
    src = "const { loadAuthProfileStore, saveAuthProfileStore, ensureAuthProfileStore } = nativePluginBindings.authStore;"
    assert _defines(src, "saveAuthProfileStore", destructured=True)
    assert not _defines(src, "saveAuthProfileStore")  # the older symbols keep the older rule
    assert not _defines(src, "markAuthProfileFailure", destructured=True)


def test_the_throttle_constants_are_read_as_the_dist_states_them_and_the_run_shift_outlasts_the_ttl():
    src = "const MIN_PROBE_INTERVAL_MS = 3e4;\nconst PROBE_MARGIN_MS = 120 * 1e3;\nconst PROBE_STATE_TTL_MS = 1440 * 60 * 1e3;\n"
    assert probe_constants(src) == {"MIN_PROBE_INTERVAL_MS": 30_000, "PROBE_MARGIN_MS": 120_000, "PROBE_STATE_TTL_MS": 86_400_000}
    located = Located("/nowhere", "0", "", constants=probe_constants(src))
    assert run_shift_ms(located) == 25 * 3600 * 1000
    located.constants["PROBE_STATE_TTL_MS"] = 48 * 3600 * 1000  # a release that keeps its throttle longer
    assert run_shift_ms(located) == 49 * 3600 * 1000


def test_a_dist_without_the_store_names_what_it_lacks():
    bare = Located("/nowhere", "0", "")
    assert bare.store_missing() == [*STORE_SYMBOLS, *SOURCE_SYMBOLS]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_store_symbol_is_located(real, version):
    located = real[version].located
    assert located.store_missing() == []
    assert "resolveAuthProfileFailureReason" in located.sources
    assert located.constants == {"MIN_PROBE_INTERVAL_MS": 30_000, "PROBE_MARGIN_MS": 120_000, "PROBE_STATE_TTL_MS": 86_400_000}


def test_auth_worlds_are_refused_with_one_line_when_the_store_is_missing(real):
    target = NodeTarget.__new__(NodeTarget)
    target.spec = "openclaw@0.0.0"
    target.located = Located("/nowhere", "0", "")
    target._auth_run = None

    class Auth:
        run_index = 1

    with pytest.raises(TargetError, match=r"^openclaw@0\.0\.0: \[auth\] scenarios need .*lacks markAuthProfileFailure, "):
        target._begin_run(real["2026.5.20"].bridge(), Auth())


# --- the stand-in and the real driver's branches, message by message ---------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_429_is_marked_by_the_release_and_retry_after_600_s_is_stored_as_30_s(real, version):
    assert _begin(real[version], PROFILES)["ok"] is True
    seen = _call(real[version], CHAIN, 0, {"prov-a/m1"})
    assert _runs(seen) == [("prov-a/m1", "prov-a:k1", False), ("prov-b/m9", "prov-b:k1", False)]
    failure, success = _stores(seen)
    assert failure["cause"] == "failure" and failure["reason"] == "rate_limit" and failure["profileId"] == "prov-a:k1"
    stats = failure["stats"]
    assert (stats["cooldownUntil"], stats["cooldownModel"], stats["errorCount"]) == (30_000, "m1", 1)  # not 600 000: p01
    assert success["cause"] == "success" and success["profileId"] == "prov-b:k1" and success["stats"].get("errorCount", 0) == 0
    done = seen[-1]
    assert done["ok"] is True and [(a["provider"], a["model"], a["reason"]) for a in done["attempts"]] == [("prov-a", "m1", "rate_limit")]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_real_driver_probes_then_skips_a_cooling_primary(real, version):
    target = real[version]
    _begin(target, PROFILES)
    _call(target, CHAIN, 0, {"prov-a/m1"})
    probe = _call(target, CHAIN, 10_000, {"prov-a/m1"})
    assert _runs(probe)[0] == ("prov-a/m1", "prov-a:k1", True)  # the probe branch: allowTransientCooldownProbe
    skip = _call(target, CHAIN, 20_000, {"prov-a/m1"})
    assert _runs(skip) == [("prov-b/m9", "prov-b:k1", False)]  # the skip branch: the throttle holds the primary
    (entry,) = skip[-1]["attempts"]
    assert (entry["provider"], entry["model"], entry["reason"]) == ("prov-a", "m1", "rate_limit")
    assert "in cooldown" in entry["error"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_second_scoped_failure_widens_and_the_runner_refuses_a_healthy_third_model(real, version):
    target = real[version]
    _begin(target, [["prov-a:k1", "prov-a"], ["prov-b:k1", "prov-b"]])
    chain = [["prov-a", "m1"], ["prov-a", "m2"], ["prov-a", "m3"], ["prov-b", "m9"]]
    seen = _call(target, chain, 0, {"prov-a/m1", "prov-a/m2"})
    refused = [m for m in seen if m["t"] == "refused"]
    assert [(m["provider"], m["model"], m["reason"]) for m in refused] == [("prov-a", "m3", "rate_limit")]  # #141255
    assert refused[0]["error"]["nodes"][0]["message"] == "No available auth profile for prov-a (all in cooldown or unavailable)."
    widened = _stores(seen)[1]["stats"]
    assert "cooldownModel" not in widened and widened["errorCount"] == 2
    assert _runs(seen)[-1] == ("prov-b/m9", "prov-b:k1", False) and seen[-1]["ok"] is True


@pytest.mark.parametrize("version", VERSIONS)
def test_each_run_starts_afresh_the_epoch_shift_kills_the_previous_runs_throttle(real, version):
    target = real[version]

    def one_run() -> list[Any]:
        _begin(target, PROFILES)
        return [_call(target, CHAIN, t, {"prov-a/m1"}) for t in (0, 10_000, 20_000, 45_000)]

    def strip(calls: list[Any]) -> list[Any]:  # call ids differ from run to run; everything else must not
        return [[{k: v for k, v in m.items() if k != "call"} for m in c] for c in calls]

    first, second = one_run(), one_run()
    assert strip(first) == strip(second)
    assert any(r[2] for c in first for r in _runs(c))  # it did probe: the throttle was in play


@pytest.mark.parametrize("version", VERSIONS)
def test_the_seed_reaches_the_release_in_the_runs_virtual_time(real, version):
    target = real[version]
    _begin(
        target,
        PROFILES,
        {"prov-a:k1": {"errorCount": 1, "failureCounts": {"billing": 1}, "disabledUntil": 3_600_000, "disabledReason": "billing"}},
    )
    seen = _call(target, [["prov-a", "m1"], ["prov-b", "m9"]], 1_000, set())
    assert _runs(seen) == [("prov-b/m9", "prov-b:k1", False)]
    (entry,) = seen[-1]["attempts"]
    assert (entry["provider"], entry["model"], entry["reason"]) == ("prov-a", "m1", "billing")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_call_without_auth_speaks_the_old_protocol(real, version):
    target = real[version]
    _begin(target, PROFILES)
    _call(target, CHAIN, 0, {"prov-a/m1"})
    seen = _call(target, CHAIN, 1_000, {"prov-a/m1"}, auth=False)  # the store is cooling prov-a, but unused here
    assert [m["t"] for m in seen if m["t"] != "onError"] == ["run", "run", "done"]
    assert all("profileId" not in m and "probe" not in m for m in seen if m["t"] == "run")
    assert "attempts" not in seen[-1]


# --- whole [auth] worlds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_an_auth_world_records_the_releases_writes_probes_and_skips_and_replays(real, version):
    sc = load_scenario(ROOT / "scenarios" / "storm-429.toml")
    seeds = list(seeds_for(sc, 0, 2))
    results = [run_seed(sc, real[version], s) for s in seeds]
    events = [e for r in results for e in r.trace]
    writes = [e for e in events if e.kind == EventKind.STORE_WRITE and e.data.get("cause") != "seed"]
    assert writes and all(e.data["by"] == "release" for e in writes)
    assert any(e.kind == EventKind.CANDIDATE_SKIP for e in events)
    assert any(e.kind == EventKind.RUN_START and e.data.get("probe") for e in events)
    assert all(e.data.get("profile") for e in events if e.kind == EventKind.RUN_START and e.data.get("probe"))
    again = run_seed(sc, real[version], seeds[0])  # a later run of the same bridge: same trace
    assert again.trace.sha256() == results[0].trace.sha256()


#: storm-429 (eight sessions, two keys) seeds where the stand-in used to probe the first key of the order although
#: another key was usable for the model, so the real 5.20 ran more of the chain than its port (5 of 200 schedules).
STORM_SEEDS = (7335573514101818649, 4363537017083029064, 5410911767173879537, 3371116048908912050, 6997642988311470182)


def _calls_seen(trace: Any) -> dict[int, tuple[list[str], int]]:
    """Per call: the candidates run (in order) and the onError count: what the differential compares."""
    out: dict[int, tuple[list[str], int]] = {}
    for e in trace.events:
        if e.kind in (EventKind.RUN_START, EventKind.ON_ERROR):
            runs, errors = out.setdefault(e.data["call"], ([], 0))
            out[e.data["call"]] = (runs + [e.data["candidate"]], errors) if e.kind == EventKind.RUN_START else (runs, errors + 1)
    return out


def test_the_runner_probes_only_when_every_key_cools_for_the_model_as_openclaws_does(real):
    """The embedded runner (initializeAuthProfile, 5.18-9.6) spends a probe the driver grants on a cooling key only
    when no key is usable for the model; a key usable for it goes first. The stand-in used to take the first key of
    the order whenever the driver asked for a probe: on these storm-429 schedules the real 5.20 then ran candidates
    its port does not. Now the release and the port agree call by call."""
    from simharness.targets import resolve_target

    scenario = load_scenario(ROOT / "scenarios" / "storm-429.toml")
    port = resolve_target("py:simharness/drivers/openclaw_2026_5_20.py:run_with_model_fallback")
    for seed in STORM_SEEDS:
        assert _calls_seen(run_seed(scenario, real["2026.5.20"], seed).trace) == _calls_seen(run_seed(scenario, port, seed).trace), seed
