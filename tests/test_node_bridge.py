"""The Node bridge against REAL openclaw releases (2026.5.18 and 2026.5.20, installed from npm).

DESIGN.md's ground-truth table is reproduced through the bridge: the real `runWithModelFallback`, real
`SessionWriteLockTimeoutError` instances, identity by reference across the process boundary, onError counts,
many calls in flight at once. The failure tests use small fake `node-dist:` directories whose module exits,
hangs or prints garbage: fixtures of the bridge's failure handling, not stand-ins for openclaw.

Locally a missing release skips (install: `simharness target install openclaw@2026.5.18 openclaw@2026.5.20`);
under CI (`CI=true`) it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import simpy
from conftest import missing_release, require_release
from drive import CHAIN, drive

from simharness.drivers import openclaw_2026_5_18, openclaw_2026_5_20
from simharness.engine.runner import replay, run_seed, seeds_for
from simharness.explore.differential import first_difference, observe
from simharness.faults.wrapping import wrap as _wrap
from simharness.model import errors as E
from simharness.model.exceptions import BridgeError, TargetError
from simharness.model.scenario import load_scenario
from simharness.targets import install as I
from simharness.targets import resolve_target
from simharness.targets.cache import MARKER
from simharness.targets.node import NodeTarget
from simharness.targets.nodejs import satisfies

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("2026.5.18", "2026.5.20")


@pytest.fixture(scope="module")
def real() -> dict[str, NodeTarget]:
    targets: dict[str, NodeTarget] = {}
    for version in VERSIONS:
        require_release(version)
        targets[version] = NodeTarget(f"openclaw@{version}", progress=False)
    yield targets
    for t in targets.values():
        t.close()


def lock() -> E.JSError:
    return E.session_write_lock_timeout(60_000, "pid=123", "/s/sess.jsonl.lock")


def takeover() -> E.JSError:
    return E.session_takeover("/s/sess.jsonl")


COORDINATION = {
    "takeover (name-matched)": takeover,
    "write-lock timeout (class)": lock,
    "plain Error whose error link holds a code-only lock": lambda: E.wrap(
        E.JSError("locked", code="OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT"), link="error"
    ),
    "takeover behind cause": lambda: E.wrap(takeover()),
    "takeover behind reason of a plain Error": lambda: E.wrap(takeover(), link="reason"),
    "lock five cause levels deep": lambda: _wrap(lock(), "deep"),
    "cause cycle holding a takeover": lambda: _wrap(takeover(), "cycle"),
}


# --- the ground-truth table (DESIGN.md), through the bridge -----------------------------------------------


@pytest.mark.parametrize("case", list(COORDINATION))
def test_5_20_runs_a_coordination_error_once_and_rethrows_the_same_object(real, case):
    err = COORDINATION[case]()
    out = drive(real["2026.5.20"].driver, err)
    assert out.runs == CHAIN[:1]
    assert out.error is err  # the very Python object run() raised, across the process boundary
    assert out.on_errors == []


@pytest.mark.parametrize("case", list(COORDINATION))
def test_5_18_walks_the_whole_chain_on_a_coordination_error(real, case):
    err = COORDINATION[case]()
    out = drive(real["2026.5.18"].driver, err)
    assert out.runs == CHAIN
    assert len(out.on_errors) == 2
    assert out.error is err  # unclassified on the last candidate: the raw error, rethrown as it was


@pytest.mark.parametrize("version", VERSIONS)
def test_abort_whose_reason_is_a_lock_is_rethrown_after_one_run(real, version):
    err = E.abort_error(reason=lock())
    out = drive(real[version].driver, err)
    assert out.runs == CHAIN[:1] and out.error is err and out.on_errors == []


@pytest.mark.parametrize("version", VERSIONS)
def test_429_wrapping_a_lock_advances_through_the_whole_chain(real, version):
    out = drive(real[version].driver, lambda n: E.rate_limit(cause=lock()))
    assert out.runs == CHAIN
    assert out.error is not None
    assert out.error.message.startswith("All models failed (3): openai/gpt-a: HTTP 429: RESOURCE_EXHAUSTED")
    assert out.error.message.count("(rate_limit)") == 3


def test_5_20_reports_every_429_failure_to_on_error_as_a_failover_error(real):
    out = drive(real["2026.5.20"].driver, lambda n: E.rate_limit(cause=lock()))
    assert [e["attempt"] for e in out.on_errors] == [1, 2, 3]
    assert all(e["error"].name == "FailoverError" for e in out.on_errors)


@pytest.mark.parametrize("version", VERSIONS)
def test_plain_429_gives_the_summary_error(real, version):
    out = drive(real[version].driver, lambda n: E.rate_limit())
    assert out.runs == CHAIN
    assert out.error is not None and out.error.message.startswith("All models failed (3)")


# --- the Python models agree with the releases they model -------------------------------------------------

CASES = {
    **COORDINATION,
    "abort with a lock as reason": lambda: E.abort_error(reason=lock()),
    "429 wrapping a lock": lambda: E.rate_limit(cause=lock()),
    "plain 429": lambda: E.rate_limit(),
    "overloaded": lambda: E.overloaded(),
    "auth": lambda: E.auth_error(),
    "idle timeout": lambda: E.idle_timeout(120_000),
    "context overflow": lambda: E.context_overflow(),
    "takeover in an AggregateError": lambda: _wrap(takeover(), "aggregate"),
}


def _seen(out):
    error = out.error
    return {
        "runs": out.runs,
        "on_error": [(e["provider"], e["model"], e["attempt"], e["error"].name) for e in out.on_errors],
        "value": out.value,
        "error": None if error is None else (error.name, error.message),
    }


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("version", "model"), [("2026.5.20", openclaw_2026_5_20), ("2026.5.18", openclaw_2026_5_18)])
def test_python_port_matches_the_real_release(real, case, version, model):
    """Each faithful port (simharness/drivers/openclaw_*.py) does what its release does, departures included."""
    make = CASES[case]
    assert _seen(drive(real[version].driver, lambda n: make())) == _seen(drive(model.run_with_model_fallback, lambda n: make()))


@pytest.mark.parametrize("version", VERSIONS)
def test_success_after_a_failure_returns_the_value_and_stops(real, version):
    out = drive(real[version].driver, lambda n: E.rate_limit() if n == 1 else f"reply-{n}")
    assert out.runs == CHAIN[:2]
    assert out.value == "reply-2"
    assert len(out.on_errors) == 1


def test_fresh_error_objects_keep_their_identity_per_attempt(real):
    made: list[E.JSError] = []

    def script(n):
        made.append(takeover())
        return made[-1]

    out = drive(real["2026.5.18"].driver, script)
    assert len(made) == 3 and out.error is made[2] and out.error is not made[0]


def test_a_new_error_object_is_not_mistaken_for_a_thrown_one(real):
    made: list[E.JSError] = []

    def script(n):
        made.append(E.rate_limit())
        return made[-1]

    out = drive(real["2026.5.20"].driver, script)
    assert out.error is not None and all(out.error is not m for m in made)  # openclaw's own summary: rebuilt
    assert all(e["error"] is not m for e in out.on_errors for m in made)  # onError gets FailoverErrors, not ours


# --- many calls in flight ---------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, env, session, call_id):
        self.env, self.session, self.call_id = env, session, call_id

    def break_lock(self):
        pass


def test_concurrent_calls_interleave_and_each_gets_its_own_outcome(real):
    """Eight calls in flight on one bridge; their runs interleave in virtual time."""
    target = real["2026.5.20"]
    env = simpy.Environment()
    log: list[tuple[int, int, str]] = []
    results: dict[int, object] = {}
    errors = {i: (takeover() if i % 4 == 1 else E.rate_limit()) for i in range(8)}

    def make_run(i):
        def run(provider, model):
            log.append((env.now, i, provider))
            yield env.timeout(10 + i)
            if i % 4 == 3 and provider == "google":
                return f"ok-{i}"
            raise errors[i]

        return run

    def call(i):
        try:
            results[i] = yield from target.driver(_Ctx(env, f"s{i}", i), CHAIN, make_run(i), lambda a: None)
        except E.JSError as err:
            results[i] = err

    for i in range(8):
        env.process(call(i))
    env.run()
    assert len({i for _, i, _ in log[:8]}) == 8  # every call started before any finished its first run
    for i in range(8):
        ran = [p for _, j, p in log if j == i]
        if i % 4 == 1:
            assert results[i] is errors[i] and ran == ["openai"]  # coordination: once, the same object
        elif i % 4 == 3:
            assert results[i] == f"ok-{i}" and ran == ["openai", "anthropic", "google"]
        else:
            assert isinstance(results[i], E.JSError) and results[i].message.startswith("All models failed (3)")
            assert ran == ["openai", "anthropic", "google"]


PORT_5_20 = f"py:{ROOT / 'simharness' / 'drivers' / 'openclaw_2026_5_20.py'}:run_with_model_fallback"


@pytest.mark.parametrize("scenario", ["takeover-race", "mixed-faults"])
def test_real_5_20_and_its_port_agree_on_whole_worlds(real, scenario):
    """The same schedules through the real release and its port: the same observations and the same verdicts
    (the shape-complete world finds 5.20's real departures; the port must have exactly those)."""
    sc = load_scenario(ROOT / "scenarios" / f"{scenario}.toml")
    port = resolve_target(PORT_5_20)
    concurrent = 0
    for s in seeds_for(sc, 7, 6):
        ours = run_seed(sc, real["2026.5.20"], s)
        theirs = replay(sc, port, [c.value for c in ours.choices], s)
        assert first_difference(observe(ours.trace), observe(theirs.trace)) is None
        concurrent += "concurrent_calls" in ours.verdicts.situations
        assert sorted(v.invariant for v in ours.verdicts.violations) == sorted(v.invariant for v in theirs.verdicts.violations)
    assert concurrent  # the bridge really had several calls in flight


def test_a_real_run_replays_byte_identically(real):
    sc = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
    first = run_seed(sc, real["2026.5.18"], 11)
    again = replay(sc, real["2026.5.18"], [c.value for c in first.choices], 11)
    assert again.trace_sha256 == first.trace_sha256


def test_5_18_fails_the_takeover_race_and_5_20_holds(real):
    sc = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
    bad = [run_seed(sc, real["2026.5.18"], s) for s in seeds_for(sc, 0, 10)]
    good = [run_seed(sc, real["2026.5.20"], s) for s in seeds_for(sc, 0, 10)]
    assert any(v.invariant == "coordination-single-run" for r in bad for v in r.verdicts.violations)
    assert all(r.ok for r in good)


# --- profiles detected from the dist --------------------------------------------------------------------------


def test_profiles_are_detected_from_the_dist(real):
    old, new = real["2026.5.18"].profile, real["2026.5.20"].profile
    assert {"takeover", "lock_timeout"} <= old.kinds and {"takeover", "lock_timeout"} <= new.kinds
    assert "no coordination predicate" in old.generation
    assert "isNonProviderRuntimeCoordinationError" in new.generation
    assert real["2026.5.20"].located.symbols["SessionWriteLockTimeoutError"].file.startswith("session-write-lock-error-")


def test_bundled_plugins_do_not_change_what_the_driver_does(real, monkeypatch):
    """The bridge disables openclaw's bundled plugins by default (speed); with them on, nothing observable differs."""
    monkeypatch.setenv("SIMHARNESS_OPENCLAW_PLUGINS", "bundled")
    with_plugins = NodeTarget("openclaw@2026.5.20", progress=False)
    try:
        assert with_plugins.bridge().hello["bundledPlugins"] is True
        assert real["2026.5.20"].bridge().hello["bundledPlugins"] is False
        for case in ("takeover (name-matched)", "429 wrapping a lock", "auth", "idle timeout", "cause cycle holding a takeover"):
            make = CASES[case]
            assert _seen(drive(with_plugins.driver, lambda n, make=make: make())) == _seen(
                drive(real["2026.5.20"].driver, lambda n, make=make: make())
            ), case
    finally:
        with_plugins.close()


# --- failure handling: fake dists whose module exits, hangs or prints garbage ----------------------------------


def _fake_dist(tmp_path: Path, body: str) -> str:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "model-fallback-Xy12.js").write_text(
        f"import fs from 'node:fs';\nasync function runWithModelFallback(params) {{\n{body}\n}}\nexport {{ runWithModelFallback as r }};\n"
    )
    (tmp_path / "package.json").write_text('{"name": "fake-openclaw", "version": "0.0.0", "type": "module"}')
    return f"node-dist:{tmp_path}"


def _calls_bridge(spec: str) -> BaseException:
    target = NodeTarget(spec, progress=False)
    try:
        with pytest.raises(BridgeError) as info:
            drive(target.driver, lambda n: takeover())
        return info.value
    finally:
        target.close()
        assert target._bridge is None


def test_a_crashing_bridge_is_a_clear_error(tmp_path):
    err = _calls_bridge(_fake_dist(tmp_path, "process.exit(7);"))
    assert "Node exited unexpectedly (exit code 7)" in str(err) and "node-dist:" in str(err)


def test_a_hanging_bridge_times_out(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMHARNESS_BRIDGE_TIMEOUT", "1")
    err = _calls_bridge(_fake_dist(tmp_path, "await new Promise(() => setInterval(() => {}, 1000));"))
    assert "no answer within 1 s (hung?)" in str(err)


def test_a_hang_inside_a_live_run_is_the_bridge_timeout_not_a_driver_stall(tmp_path):
    """The stall watchdog (1 s) fires while we wait on Node; the bridge's own timeout (2 s) still decides."""
    (tmp_path / "pkg").mkdir()
    spec = _fake_dist(tmp_path / "pkg", "await new Promise(() => setInterval(() => {}, 1000));")
    args = ("run", "scenarios/takeover-race.toml", "--target", spec, "--budget", "1", "--stall-seconds", "1")
    done = _cli(*args, "--report-dir", str(tmp_path / "out"), env={"SIMHARNESS_BRIDGE_TIMEOUT": "2"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no answer within 2 s (hung?)" in done.stderr and "schedule saved" in done.stderr


def test_garbage_on_the_protocol_is_a_clear_error(tmp_path):
    err = _calls_bridge(_fake_dist(tmp_path, "fs.writeSync(1, 'this is not json\\n'); await new Promise(() => {});"))
    assert "protocol error" in str(err) and "this is not json" in str(err)


def test_the_node_process_is_gone_after_close(tmp_path):
    target = NodeTarget(_fake_dist(tmp_path, "return {result: 'x'};"), progress=False)
    proc = target.bridge()._proc
    assert drive(target.driver, "ignored").value == "x"
    target.close()
    assert proc.poll() is not None


def test_the_bridge_reads_virtual_time(tmp_path):
    spec = _fake_dist(
        tmp_path, "await params.run('p', 'm'); return {result: `${Date.now()} ${new Date().getTime()} ${new Date(5).getTime()}`};"
    )
    target = NodeTarget(spec, progress=False)
    try:
        epoch = 1780272000000
        assert drive(target.driver, "x").value == f"{epoch + 10} {epoch + 10} 5"  # run() took 10 virtual ms
    finally:
        target.close()


def test_a_dist_without_the_driver_is_rejected_in_one_line(tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "x-1.js").write_text("export const y = 1;\n")
    with pytest.raises(TargetError, match="no exported definition of runWithModelFallback"):
        NodeTarget(f"node-dist:{tmp_path}", progress=False)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simharness", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_a_bridge_crash_mid_run_exits_2_naming_scenario_and_saved_schedule(tmp_path):
    (tmp_path / "pkg").mkdir()
    spec = _fake_dist(tmp_path / "pkg", "process.exit(9);")
    done = _cli("run", "scenarios/takeover-race.toml", "--target", spec, "--budget", "2", "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "exit code 9" in lines[0] and "takeover-race" in lines[0] and "schedule saved" in lines[0]
    saved = list((tmp_path / "out" / "schedules").glob("takeover-race--target-failure.json"))
    assert saved and json.loads(saved[0].read_text())["target"] == spec


def test_differential_cli_finds_the_5_18_bug_and_no_difference_on_5_20(real, tmp_path):
    bad = _cli(
        "run",
        "scenarios/takeover-race.toml",
        "--target",
        "openclaw@2026.5.18",
        "--differential",
        "reference",
        "--budget",
        "4",
        "--report-dir",
        str(tmp_path / "bad"),
    )
    assert bad.returncode == 1, bad.stderr
    doc = json.loads((tmp_path / "bad" / "differential.json").read_text())
    assert doc["findings"] and doc["findings"][0]["field"] == "runs" and doc["findings"][0]["schedule"]
    assert Path(doc["findings"][0]["schedule"]).is_file()
    good = _cli(
        "run",
        "scenarios/takeover-race.toml",
        "--target",
        "openclaw@2026.5.20",
        "--differential",
        "reference",
        "--budget",
        "4",
        "--report-dir",
        str(tmp_path / "good"),
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert json.loads((tmp_path / "good" / "differential.json").read_text())["findings"] == []


def test_matrix_cli_judges_each_release_by_its_profile(real, tmp_path):
    done = _cli(
        "matrix",
        "openclaw@2026.5.18",
        "openclaw@2026.5.20",
        "--scenarios",
        "scenarios/takeover-race.toml",
        "--budget",
        "5",
        "--report-dir",
        str(tmp_path),
    )
    assert done.returncode == 1, done.stderr  # 5.18 has the bug
    m = json.loads((tmp_path / "matrix.json").read_text())
    old, new = m["targets"]
    assert old["invariants"]["coordination-single-run"]["status"] == "violated"
    assert new["invariants"]["coordination-single-run"]["status"] == "held" and new["ok"]
    replay_cmd = old["invariants"]["coordination-single-run"]["counterexample"]["replay"]
    assert replay_cmd.startswith("simharness replay ") and "openclaw-2026-5-18/schedules/" in replay_cmd
    assert (tmp_path / "openclaw-2026-5-18" / "report.html").is_file() and "Regenerate: `simharness matrix" in (
        tmp_path / "matrix.md"
    ).read_text()


# --- the install cache ---------------------------------------------------------------------------------------


def test_an_interrupted_install_is_detected_and_redone(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMHARNESS_CACHE", str(tmp_path))
    half = tmp_path / "openclaw@2026.5.20"
    (half / "package" / "dist").mkdir(parents=True)  # what an install killed before its marker leaves
    assert I.installed("2026.5.20") is None
    assert I.list_installed()[0]["status"] == "incomplete"
    said: list[str] = []

    def offline(label, args, cwd):
        assert not (half / "package").exists()  # the half-written install was removed before redoing it
        raise TargetError(f"{label}: cannot reach the npm registry (no network?)")

    monkeypatch.setattr(I, "run_npm", offline)
    with pytest.raises(TargetError, match="no network"):
        I.install("2026.5.20", said.append)
    assert any("incomplete install found" in s for s in said)


def test_a_complete_install_has_its_marker_written_last(real):
    done = I.installed("2026.5.20")
    assert done is not None and (done.directory / MARKER).is_file()
    assert not list(done.directory.glob(f"{MARKER}*.tmp"))


@pytest.mark.parametrize("spec", ["openclaw@latest", "openclaw@5.20", "openclaw@"])
def test_bad_versions_are_one_line_exit_2(spec):
    done = _cli("target", "install", spec)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "expected an exact release version" in done.stderr


def test_missing_npm_is_one_line_exit_2(tmp_path):
    done = _cli("target", "install", "openclaw@2026.1.1", env={"PATH": str(tmp_path), "SIMHARNESS_CACHE": str(tmp_path / "c")})
    assert done.returncode == 2 and "npm not found" in done.stderr and done.stderr.count("\n") == 1


def test_no_network_is_one_line_exit_2(tmp_path):
    env = {"SIMHARNESS_CACHE": str(tmp_path), "npm_config_registry": "http://127.0.0.1:9/", "npm_config_fetch_retries": "0"}
    done = _cli("target", "install", "openclaw@2026.5.19", env=env)
    assert done.returncode == 2 and "simharness: error: openclaw@2026.5.19: cannot reach the npm registry (no network?)" in done.stderr
    assert not (tmp_path / "openclaw@2026.5.19").exists()  # nothing half-written is left behind


def test_engines_ranges():
    assert satisfies("v22.23.3", ">=22.19.0")
    assert not satisfies("v20.20.2", ">=22.19.0")
    assert satisfies("v24.21.0", ">=24.16.0 <25 || >=26.1.0")
    assert not satisfies("v25.1.0", ">=24.16.0 <25 || >=26.1.0")
    assert satisfies("v26.2.0", ">=24.16.0 <25 || >=26.1.0")
    assert satisfies("v22.23.0", ">=22.13.0 || >=24")
    assert satisfies("v22.1.0", "^22") and not satisfies("v23.0.0", "^22")


# --- a harness killed outright leaves no Node behind ----------------------------------------------------------


def _node_children(marker: str) -> list[int]:
    """Pids of live bridge processes whose command line names `marker` (a test's own dist path)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "bridge.mjs" in cmdline and marker in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def _wait_for(predicate, what: str, seconds: float = 60.0) -> None:
    """Poll until `predicate()` holds; the limit only bounds a broken run (nothing asserts how fast)."""
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


HARNESS_IN_A_THREAD = """
import sys, threading, time
from drive import drive
from simharness.targets.node import NodeTarget
def go():
    target = NodeTarget(sys.argv[1], progress=False)
    drive(target.driver, "x")
threading.Thread(target=go, daemon=True).start()
time.sleep(3600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("started_from", ["main thread (PR_SET_PDEATHSIG)", "worker thread (the bridge's parent watch)"])
def test_a_sigkilled_harness_leaves_no_node_child(tmp_path, started_from):
    """The target spins forever (it never reads stdin again); the harness is SIGKILLed; Node must go too."""
    busy = tmp_path / "busy"
    spec = _fake_dist(tmp_path, f"fs.writeFileSync({json.dumps(str(busy))}, 'spinning');\nfor (;;) {{}}")
    env = {**os.environ, "SIMHARNESS_BRIDGE_TIMEOUT": "600", "PYTHONPATH": str(ROOT / "tests")}
    if started_from.startswith("main"):
        args = [sys.executable, "-m", "simharness", "run", "scenarios/takeover-race.toml", "--target", spec, "--budget", "1"]
        args += ["--report-dir", str(tmp_path / "out")]
    else:
        args = [sys.executable, "-c", HARNESS_IN_A_THREAD, spec]
    harness = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(busy.exists, "the target to start spinning")
        children = _node_children(str(tmp_path))
        assert len(children) == 1
    finally:
        harness.kill()  # SIGKILL: no atexit, no finalizer, no cleanup of ours runs
        harness.wait()
    _wait_for(lambda: not _node_children(str(tmp_path)), "the Node child to end after its harness was SIGKILLed")


# --- coordination errors arrive as the release's own classes; values keep their identity ------------------------


def _dist_with_classes(tmp_path: Path, driver_body: str) -> str:
    """A fake dist: one exported coordination class, one defined but unexported, and a driver that reports
    what it received (fixtures of the bridge's class building, not stand-ins for openclaw)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "placement-turn-claims-Q1.js").write_text(
        "var ActiveTurnClaimError = class extends Error {\n\tconstructor(sessionId) {\n"
        '\t\tsuper(`Session ${sessionId} already has an active turn claim`);\n\t\tthis.name = "ActiveTurnClaimError";\n\t}\n};\n'
        "export { ActiveTurnClaimError as t };\n"
    )
    (dist / "tunnel-R2.js").write_text(
        "var WorkerRunnerCapacityError = class extends Error {\n\tconstructor() {\n\t\tsuper('full');\n"
        '\t\tthis.name = "WorkerRunnerCapacityError";\n\t}\n};\nexport const unrelated = 1;\n'
    )
    (dist / "model-fallback-Xy12.js").write_text(
        "import { t as ActiveTurnClaimError } from './placement-turn-claims-Q1.js';\n"
        f"async function runWithModelFallback(params) {{\n{driver_body}\n}}\nexport {{ runWithModelFallback as r }};\n"
    )
    (tmp_path / "package.json").write_text('{"name": "fake-openclaw", "version": "0.0.0", "type": "module"}')
    return f"node-dist:{tmp_path}"


def test_coordination_errors_are_built_as_the_releases_own_classes(tmp_path):
    spec = _dist_with_classes(
        tmp_path,
        "try { await params.run('p', 'm'); } catch (err) {\n"
        "  return {result: [err instanceof ActiveTurnClaimError, err instanceof Error, err.name, err.constructor.name,\n"
        "    err.message, String(err.code), Object.prototype.hasOwnProperty.call(err, 'name')].join('|')};\n}",
    )
    target = NodeTarget(spec, progress=False)
    try:
        assert target.bridge().hello["classes"]["ActiveTurnClaimError"] == "real"
        assert target.bridge().hello["classes"]["WorkerRunnerCapacityError"] == "by name"  # defined, not exported
        real = drive(target.driver, lambda n: E.coordination_error("active_turn_claim", "sess-a /s/a.jsonl")).value
        assert real == "true|true|ActiveTurnClaimError|ActiveTurnClaimError|Session sess-a already has an active turn claim|undefined|true"
        named = drive(target.driver, lambda n: E.coordination_error("worker_runner_capacity", "sess-a /s/a.jsonl")).value
        assert named.split("|") == ["false", "true", "WorkerRunnerCapacityError", "WorkerRunnerCapacityError",
                                    "device worker capacity remained full", "WORKER_CAPACITY_EXHAUSTED", "true"]  # fmt: skip
    finally:
        target.close()


def test_the_very_value_run_produced_comes_back_as_the_worlds_own_object(tmp_path):
    target = NodeTarget(_fake_dist(tmp_path, "const v = await params.run('p', 'm'); return {result: v};"), progress=False)
    try:
        produced = "reply:" + "p/m"  # built at run time: a str object of its own, never interned by the compiler
        out = drive(target.driver, lambda n: produced)
        assert out.value is produced
    finally:
        target.close()


@pytest.mark.parametrize("made_up", ["'reply:p/m'", "'something else'", "{text: 'reply:p/m'}"])
def test_a_made_up_value_comes_back_as_another_object(tmp_path, made_up):
    target = NodeTarget(_fake_dist(tmp_path, f"await params.run('p', 'm'); return {{result: {made_up}}};"), progress=False)
    try:
        produced = "reply:" + "p/m"
        out = drive(target.driver, lambda n: produced)
        assert out.value is not produced
    finally:
        target.close()


def test_a_one_character_made_up_value_is_not_the_one_run_produced(tmp_path):
    """CPython shares one-character strings: an equal made-up one must still come back as another object."""
    target = NodeTarget(_fake_dist(tmp_path, "await params.run('p', 'm'); return {result: 'x'};"), progress=False)
    try:
        out = drive(target.driver, lambda n: "x")
        assert out.value == "x" and out.value is not "x"  # noqa: F632 — identity is the point
    finally:
        target.close()


NEWER = ("2026.8.2", "2026.9.6")


@pytest.mark.parametrize("version", NEWER)
def test_a_real_release_recognises_the_superseded_error_the_bridge_builds(version):
    """2026.8+ recognise AgentHarnessSessionSupersededError by instanceof only: a name-alike would walk the chain."""
    if I.installed(version) is None:
        pytest.skip(missing_release(f"openclaw@{version}"))
    target = NodeTarget(f"openclaw@{version}", progress=False)
    try:
        assert target.bridge().hello["classes"]["AgentHarnessSessionSupersededError"] == "real"
        err = E.coordination_error("session_superseded", "sess-a /s/a.jsonl")
        out = drive(target.driver, err)
        assert out.runs == CHAIN[:1] and out.error is err and out.on_errors == []
    finally:
        target.close()


@pytest.mark.parametrize(("returns", "fabricated"), [("v", False), ("'reply:' + params.provider + '/' + params.model", True)])
def test_a_node_driver_that_makes_up_its_result_is_caught_even_with_the_same_text(tmp_path, returns, fabricated):
    """`reply:p/m` typed by the driver equals what run produced, but is not it: the world flags it."""
    body = f"const v = await params.run(params.provider, params.model);\nreturn {{result: {returns}}};"
    target = NodeTarget(_fake_dist(tmp_path, body), progress=False)
    try:
        sc = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
        returns_seen = [e for s in seeds_for(sc, 3, 6) for e in run_seed(sc, target, s).trace.events if e.kind == "call.return"]
        assert returns_seen and all(bool(e.data.get("fabricated")) is fabricated for e in returns_seen)
    finally:
        target.close()


@pytest.mark.parametrize("in_its_set", [False, True])
def test_a_kind_a_runtime_defines_but_leaves_out_of_its_set_is_judged_not_excused(tmp_path, in_its_set):
    """The #83510 shape on a 2026.8-style runtime: ActiveTurnClaimError is defined, the driver's name set omits
    it. Its profile still holds the kind, so the shipped suite finds the violation instead of saying n/a."""
    names = '"GatewayDrainingError", "ActiveTurnClaimError"' if in_its_set else '"GatewayDrainingError"'
    spec = _dist_with_classes(
        tmp_path,
        f"const names = new Set([{names}]);\n"
        "const chain = [[params.provider, params.model], ...params.fallbacksOverride.map((s) => s.split('/'))];\n"
        "const seen = new Set();\n"
        "const hit = (e) => !!e && typeof e === 'object' && !seen.has(e) && (seen.add(e), names.has(e.name)\n"
        "  || [e.cause, e.error, e.reason, e.suppressed, ...(Array.isArray(e.errors) ? e.errors : [])].some(hit));\n"
        "let last;\n"
        "for (const [p, m] of chain) {\n"
        "  try { return {result: await params.run(p, m)}; } catch (err) {\n"
        "    seen.clear(); if (hit(err)) throw err;\n"
        "    last = err; await params.onError?.({provider: p, model: m, error: err, attempt: 1, total: chain.length});\n"
        "  }\n"
        "}\nthrow last;",
    )
    target = NodeTarget(spec, progress=False)
    try:
        assert "active_turn_claim" in target.profile.kinds  # from the class it defines, whatever its set says
        sc = load_scenario(ROOT / "scenarios" / "runtime-coordination.toml")
        results = [run_seed(sc, target, s) for s in seeds_for(sc, 0, 12)]
        violated = {v.invariant for r in results for v in r.verdicts.violations}
        assert ("coordination-single-run" in violated) is not in_its_set
    finally:
        target.close()


# --- protocol 2: hello's class and probe tables (tests/test_bridge_graphs.py has the graphs) ----------------------


def test_hello_says_which_classes_are_the_releases_own_and_which_functions_it_can_probe(real):
    for version, target in real.items():
        hello = target.bridge().hello
        assert hello["bridge"] == 2
        for name in ("FailoverError", "LiveSessionModelSwitchError", "MissingAgentHarnessError", "SessionWriteLockTimeoutError"):
            assert hello["classes"][name] == "real", (version, name)  # exported by 5.18-5.20: instanceof holds
        assert hello["classes"]["CommandLaneTaskTimeoutError"] == "by name"  # defined, never exported
        assert hello["probes"]["resolveFailoverReasonFromError"] and hello["probes"]["coerceToFailoverError"]
    assert real["2026.5.20"].bridge().hello["probes"]["isNonProviderRuntimeCoordinationError"] is True
    assert real["2026.5.18"].bridge().hello["probes"]["isNonProviderRuntimeCoordinationError"] is False  # before #83550
