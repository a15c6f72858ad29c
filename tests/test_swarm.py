"""Swarm testing: each run first chooses which fault kinds and wrappers are on — recorded, replayed, shrunk."""

import json
import subprocess
import sys

import pytest
from oracle_driver import oracle_driver

from simharness.engine.runner import replay, run_once, run_seed
from simharness.engine.schedule import load_schedule, save_schedule
from simharness.engine.shrink import shrink
from simharness.faults.swarm import features
from simharness.model import errors as E
from simharness.model.choice import RandomChoices
from simharness.model.scenario import collect_scenarios, parse_scenario, with_swarm
from simharness.targets import PythonTarget

ORACLE = PythonTarget("py:oracle", oracle_driver)

SCENARIO = parse_scenario(
    {
        "swarm": True,
        "world": {"sessions": 2, "files": 1, "chain": ["a/x", "b/y", "c/z"], "session_start_ms": [0, 150]},
        "providers": {"*": {"latency_ms": [300, 900], "faults": {"rate_limit": 0.3, "overloaded": 0.2, "auth": 0.1}}},
        "runtime": {"faults": {"active_turn_claim": 0.2, "gateway_draining": 0.1}},
        "wrapping": {"coordination": {"none": 0.4, "cause": 0.3, "reason": 0.3}, "provider": {"cause": 1.0}},
    }
)


def _swarm_choices(result):
    return [c for c in result.choices if c.label.startswith("swarm.")]


def test_swarm_switches_are_the_first_choices_one_per_feature_in_a_fixed_order():
    want = [f"swarm.{g}.{o}" for g, o in features(SCENARIO)]
    assert want == [
        "swarm.fault.rate_limit",
        "swarm.fault.overloaded",
        "swarm.fault.auth",
        "swarm.runtime.active_turn_claim",
        "swarm.runtime.gateway_draining",
        "swarm.wrap.coordination.cause",
        "swarm.wrap.coordination.reason",
        "swarm.wrap.provider.cause",
    ]
    offs = set()
    for seed in range(30):
        result = run_seed(SCENARIO, ORACLE, seed)
        assert [c.label for c in result.choices[: len(want)]] == want  # first, before anything else
        assert all(c.options == ("on", "off") for c in result.choices[: len(want)])
        offs.add(tuple(c.value for c in result.choices[: len(want)]))
    assert len(offs) > 10  # different runs switch different subsets


def test_swarm_off_makes_no_switches_and_the_scenario_setting_is_pinned_in_its_source():
    off = with_swarm(SCENARIO, False)
    assert off.source["swarm"] is False and SCENARIO.source["swarm"] is True and off.digest != SCENARIO.digest
    assert not _swarm_choices(run_seed(off, ORACLE, 3))
    assert parse_scenario({}).source["swarm"] is parse_scenario({}).swarm  # the default is pinned too


def test_a_switched_off_feature_never_happens_and_its_probability_goes_to_success_or_none():
    seen_off = 0
    for seed in range(60):
        result = run_seed(SCENARIO, ORACLE, seed)
        off = {c.label.removeprefix("swarm.") for c in _swarm_choices(result) if c.taken == "off"}
        faults = {e.data["fault"] for e in result.trace if e.kind == "provider.request"}
        refused = {e.data["fault"] for e in result.trace if e.kind == "runtime.refused"}
        assert not {f"fault.{f}" for f in faults} & off
        assert not {f"runtime.{f}" for f in refused} & off
        for c in result.choices:
            if c.label == "wrap.provider":
                # the scenario wraps every provider error in `cause`; switched off, `none` takes its weight
                assert c.options == (("none", "cause") if "wrap.provider.cause" in off else ("cause",)) or c.taken == "none"
        seen_off += bool(off)
    assert seen_off > 40


def test_swarm_runs_replay_byte_for_byte_and_through_a_schedule_file(tmp_path):
    for seed in range(10):
        a = run_once(SCENARIO, ORACLE, RandomChoices(seed))
        b = replay(SCENARIO, ORACLE, [c.value for c in a.choices])
        assert a.trace.lines() == b.trace.lines() and a.choices == b.choices
    path = save_schedule(tmp_path / "s.json", a)
    schedule = load_schedule(path)
    assert schedule.scenario.swarm is True
    again = replay(schedule.scenario, ORACLE, schedule.values)
    assert again.trace_sha256 == a.trace_sha256


def test_shrinking_moves_the_swarm_towards_everything_enabled():
    def walks_on_coordination(ctx, candidates, run, on_error):  # the #83510 bug: coordination errors walk the chain
        for i, (p, m) in enumerate(candidates):
            try:
                return (yield from run(p, m))
            except E.JSError as err:
                if i == len(candidates) - 1:
                    raise
                on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})

    target = PythonTarget("py:walks", walks_on_coordination)
    failing = next(
        r for seed in range(200) if not (r := run_seed(SCENARIO, target, seed)).ok and sum(c.value for c in _swarm_choices(r)) >= 2
    )
    shrunk = shrink(failing, target, "coordination-single-run")
    assert shrunk.verdicts.violations and sum(c.value for c in _swarm_choices(shrunk)) == 0


def test_swarm_reaches_a_combination_the_scenario_makes_rare():
    # Three explicit-wrapped coordination errors in a row (10 % each) while a context overflow (terminal: the call
    # ends) and a rate limit take the rest: one run in a thousand mixes them so. Swarm runs that switch the
    # other two off give the rare fault every request, without anyone tuning a probability.
    data = {
        "world": {"chain": ["a/x", "b/y", "c/z"]},
        "providers": {"*": {"faults": {"context_overflow": 0.45, "rate_limit": 0.45, "explicit_nested_coordination": 0.1}}},
    }

    def reached(swarm: bool) -> int:
        scenario = parse_scenario(data | {"swarm": swarm})
        runs = (run_seed(scenario, ORACLE, s) for s in range(400))
        return sum([bool(e.data["coord"]) for e in r.trace if e.kind == "run.raise"] == [True] * 3 for r in runs)

    assert reached(True) > 10 * max(1, reached(False))


def test_every_shipped_scenario_passes_an_oracle_driver_with_and_without_swarm(scenarios_dir):
    for swarm in (True, False):
        for scenario in collect_scenarios([scenarios_dir], swarm=swarm):
            for seed in range(25):
                result = run_seed(scenario, ORACLE, seed)
                assert result.ok, (scenario.name, seed, result.verdicts.violations)


@pytest.mark.parametrize("command", ["run scenarios", "mutants"])
def test_cli_swarm_flag_parses_on_and_off(command):
    from simharness.cli import build_parser

    for flag, want in (("on", True), ("off", False), (None, None)):
        argv = command.split() + (["--swarm", flag] if flag else [])
        assert build_parser().parse_args(argv).swarm is want


def test_cli_swarm_flag_reaches_the_runs_and_a_bad_value_is_one_line_exit_2(tmp_path, scenarios_dir):
    def run(flag):
        cmd = ["run", str(scenarios_dir / "rate-limit-storm.toml"), "--budget", "2", "--swarm", flag, "--report-dir", str(tmp_path / flag)]
        return subprocess.run([sys.executable, "-m", "simharness", *cmd], check=False, capture_output=True, text=True)

    from simharness.report.document import scenario_digest

    assert run("off").returncode == 0
    doc = json.loads((tmp_path / "off" / "report.json").read_text())
    scenario = collect_scenarios([scenarios_dir / "rate-limit-storm.toml"])[0]
    assert doc["scenarios"][0]["digest"] == scenario_digest(with_swarm(scenario, False))  # the runs ran with swarm off
    assert scenario_digest(with_swarm(scenario, True)) != scenario_digest(with_swarm(scenario, False))  # never merged
    bad = run("maybe")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "expected on or off" in bad.stderr


@pytest.mark.parametrize("text", ["swarm = 3", "[explicit]\nlink = { teleport = 1.0 }", "[runtime]\nany = -1"])
def test_a_bad_new_key_is_one_line_and_exit_2(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "simharness", "run", str(path), "--report-dir", str(tmp_path / "r")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and str(path) in proc.stderr, proc.stderr


def test_a_switched_off_option_is_shared_by_the_options_left_on():
    from simharness.faults.swarm import Swarm

    swarm = Swarm(frozenset({("fault", "rate_limit"), ("wrap.coordination", "cause"), ("wrap.coordination", "abort")}))
    names, weights = swarm.fault_options("fault", "success", (("rate_limit", 0.5), ("auth", 0.3)))
    assert names == ("success", "rate_limit", "auth") and weights == pytest.approx((0.2, 0.0, 0.3))  # auth now 60 %
    assert swarm.fault_options("fault", "success", (("rate_limit", 1.0),))[1] == (1.0, 0.0)  # nothing left: success
    assert swarm.wrapping("wrap.coordination", (("none", 0.5), ("cause", 0.3), ("reason", 0.2))) == (
        ("none", 0.5),
        ("cause", 0.0),
        ("reason", 0.2),
    )
    assert swarm.wrapping("wrap.coordination", (("abort", 1.0),)) == (("none", 1.0), ("abort", 0.0))
    assert swarm.shape("fault", (("rate_limit", 1.0),)) == (("rate_limit", 1.0),)  # never leaves a shape choice empty
