"""The pytest plugin: what it collects, how items fail, seeds across xdist workers, the `sim` fixture."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main as cli
from simharness.model.choice import derive_seed

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

DRIVERS = """
from simharness.model.errors import JSError
from simharness.check.oracle import EXPECTED_REASON, category_of, root_kind


def _fallback(candidates, run, on_error, reason):
    attempts = []
    for i, (p, m) in enumerate(candidates):
        try:
            return (yield from run(p, m))
        except JSError as err:
            if category_of(err) in ("coordination", "terminal"):
                raise
            attempts.append((p, m, err))
            on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})
    if len(attempts) <= 1:
        raise attempts[-1][2]
    parts = " | ".join(f"{p}/{m}: {e.message} ({reason(e)})" for p, m, e in attempts)
    raise JSError(f"All models failed ({len(attempts)}): {parts}", kind="summary")


def good(ctx, candidates, run, on_error):
    return _fallback(candidates, run, on_error, lambda e: EXPECTED_REASON.get(root_kind(e), "unknown"))


def wrong_reason(ctx, candidates, run, on_error):
    return _fallback(candidates, run, on_error, lambda e: "x")
"""


STORM = """
name = "storm"
description = "every provider answers 429: every call exhausts the chain"
swarm = false

[world]
sessions = 2
chain = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"]
session_start_ms = [0, 50]

[providers."*"]
latency_ms = [100, 150]
faults = { rate_limit = 1.0 }
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with two scenarios (one a wrong-reason driver always fails), drivers, and an ordinary test."""
    pytester.makepyfile(drivers=DRIVERS)
    scenarios = pytester.mkdir("scenarios")
    # the race without its background rate limits: a wrong summary reason must fail storm only, whatever the world does
    race = (SCENARIOS / "takeover-race.toml").read_text()
    (scenarios / "takeover-race.toml").write_text(re.sub(r"(?m)^faults = .*\n", "", race))
    (scenarios / "success-after-rate-limit.toml").write_text((SCENARIOS / "success-after-rate-limit.toml").read_text())
    (scenarios / "storm.toml").write_text(STORM)
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    return pytester


def _target(p: pytest.Pytester, name: str) -> str:
    return f"--sim-target=py:{p.path / 'drivers.py'}:{name}"


def _doc(path: Path) -> dict[str, Any]:
    """A report minus what legitimately differs between two sessions: timing and where its files went."""
    doc: dict[str, Any] = json.loads((path / "report.json").read_text())
    doc.pop("timing")
    for inv in doc["invariants"]:
        if inv["counterexample"]:
            inv["counterexample"]["replay"] = inv["counterexample"]["replay"].replace(f" {path.name}/", " OUT/")
    return doc


# --- collection ------------------------------------------------------------------------------------------


def _collected(result: pytest.RunResult) -> list[str]:
    return sorted(line.split("::")[0] for line in result.stdout.lines if ".toml::" in line)


THREE = ["scenarios/storm.toml", "scenarios/success-after-rate-limit.toml", "scenarios/takeover-race.toml"]


def test_scenarios_are_collected_only_where_configured(project: pytest.Pytester) -> None:
    plain = project.runpytest_inprocess("--collect-only", "-q")  # testpaths = tests: the scenarios were not named
    assert "test_plain.py::test_plain" in plain.stdout.str() and ".toml" not in plain.stdout.str()
    assert ".toml" not in project.runpytest_inprocess("--collect-only", "-q", "tests").stdout.str()
    # a directory NAMED on the command line is walked for scenarios (before: exit 5, "no tests ran")
    named_dir = project.runpytest_inprocess("--collect-only", "-q", "scenarios/")
    assert named_dir.ret == 0 and _collected(named_dir) == THREE
    walked = project.runpytest_inprocess("--collect-only", "-q", ".")  # the rootdir named: its scenarios and its tests
    assert _collected(walked) == THREE and "test_plain.py::test_plain" in walked.stdout.str()
    named = project.runpytest_inprocess("--collect-only", "-q", "scenarios/takeover-race.toml")  # a file named on the command line
    named.stdout.fnmatch_lines(["scenarios/takeover-race.toml::takeover-race"])
    option = project.runpytest_inprocess("--collect-only", "-q", "--sim-scenarios=scenarios", "tests")
    assert _collected(option) == [] and "test_plain" in option.stdout.str()  # the option says where, the arguments what
    option = project.runpytest_inprocess("--collect-only", "-q", "--sim-scenarios=scenarios", ".")
    assert _collected(option) == THREE
    project.makeini("[pytest]\ntestpaths = tests\nsimharness_scenarios = scenarios\n")
    ini = project.runpytest_inprocess("--collect-only", "-q", "tests", "scenarios")
    assert _collected(ini) == THREE and "test_plain" in ini.stdout.str()
    default = project.runpytest_inprocess("--collect-only", "-q")  # testpaths do not walk the scenarios: not collected
    assert ".toml" not in default.stdout.str()
    project.makeini("[pytest]\ntestpaths = tests scenarios\n")  # unless testpaths name them and the ini option says so
    assert ".toml" not in project.runpytest_inprocess("--collect-only", "-q").stdout.str()
    project.makeini("[pytest]\ntestpaths = tests scenarios\nsimharness_scenarios = scenarios\n")
    assert _collected(project.runpytest_inprocess("--collect-only", "-q")) == THREE


#: TOML files that are not scenarios, written to fool a "collect every *.toml under the directory" rule.
NOT_SCENARIOS = {
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n[tool.demo]\nworld = "hello"\n[tool.demo.providers]\nx = 1\n',
    "scenarios/pyproject.toml": "[world]\nsessions = 2\n",  # never, even with a scenario's table
    "config/app.toml": '[build]\nruntime = "python"\nexpect = 3\nworld = "x"\n',  # scenario words, but keys of other tables
    "config/world.toml": "[tool.world]\nsessions = 2\n[worlds]\nn = 1\n",
    "config/empty.toml": "",
    "config/broken.toml": "this is = = not toml [",
}


def test_only_scenarios_are_collected_from_a_named_directory(project: pytest.Pytester) -> None:
    """`pytest .` in a project: pyproject.toml and other TOML files are left alone, scenarios are collected, and
    a scenario with a typo or a syntax error is a collection error rather than silently dropped."""
    for name, text in NOT_SCENARIOS.items():
        (project.path / name).parent.mkdir(exist_ok=True)
        (project.path / name).write_text(text)
    walked = project.runpytest_inprocess("--collect-only", "-q", ".")
    assert walked.ret == 0, walked.stdout.str()
    assert _collected(walked) == THREE
    for name in NOT_SCENARIOS:
        assert name not in walked.stdout.str()
    (project.path / "scenarios" / "typo.toml").write_text('name = "typo"\n[world]\nsesions = 2\n')
    (project.path / "scenarios" / "syntax.toml").write_text('name = "syntax"\n[world]\nsessions = 2\n[providers."*"\n')
    (project.path / "scenarios" / "dotted.toml").write_text('name = "dotted"\nworld.sessions = 2\n')  # no [world] header
    walked = project.runpytest_inprocess("--collect-only", "-q", ".")
    assert walked.ret == pytest.ExitCode.INTERRUPTED  # collection errors stop the session
    out = walked.stdout.str()
    assert "typo.toml: world.sesions" in out and "syntax.toml: not valid TOML" in out
    assert "scenarios/dotted.toml::dotted" in out


def test_the_projects_own_pytest_run_collects_no_scenarios_and_not_pyproject() -> None:
    """This repository: the README's `pytest -n 2` (testpaths) runs tests only; `pytest .` and `pytest scenarios/`
    collect every shipped scenario and never pyproject.toml."""
    shipped = sorted(f"scenarios/{p.name}" for p in SCENARIOS.glob("*.toml"))

    def collect(*args: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", *args], check=False, cwd=ROOT, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout + run.stderr
        return sorted({line.split("::")[0] for line in run.stdout.splitlines() if "::" in line and line.split("::")[0].endswith(".toml")})

    assert collect() == []
    assert collect("scenarios/") == shipped
    assert collect(".") == shipped  # pyproject.toml is not among them


def test_a_bad_scenario_is_one_line_collection_error(project: pytest.Pytester) -> None:
    (project.path / "scenarios" / "broken.toml").write_text('name = "broken"\n[world]\nsessions = "two"\n')
    result = project.runpytest_inprocess("--sim-scenarios=scenarios", "scenarios")
    result.stdout.fnmatch_lines(["*broken.toml: world.sessions: expected an integer from 1 to 512, got 'two'*"])
    assert "Traceback" not in result.stdout.str()


def test_usage_errors_are_one_line(project: pytest.Pytester) -> None:
    for args, message in [
        (["--sim-strategy=bogus"], "--sim-strategy bogus: unknown strategy (available: random, pct, exhaustive, hypothesis)"),
        (["--sim-budget=0"], "--sim-budget: expected an integer from 1 to 100000000, got 0"),
        (["--sim-seed=abc"], "--sim-seed: expected an integer, got 'abc'"),
        (["--sim-strategy=pct", "--sim-depth=0"], "--sim-depth: expected an integer from 1 to 10, got 0"),  # the CLI's ranges
        (["--sim-strategy=exhaustive", "--sim-depth=9"], "--sim-depth: expected an integer from 0 to 8, got 9"),
    ]:
        result = project.runpytest_inprocess(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert message in result.stderr.str()


def test_sim_depth_reaches_the_strategy() -> None:
    from simharness.pytest_plugin.runs import explorer

    assert explorer("pct", None, 5).keywords["strategy"].depth == 5  # type: ignore[attr-defined]
    assert explorer("exhaustive", None, 0).keywords["strategy"].bound == 0  # type: ignore[attr-defined]


# --- items: verdicts, failures, seeds ----------------------------------------------------------------------


def test_items_pass_and_fail_with_a_narrated_shrunk_schedule_and_the_replay_command(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess(
        "--sim-scenarios=scenarios",
        "scenarios",
        _target(project, "wrong_reason"),
        "--sim-budget=30",
        "--sim-seed=5",
        "--sim-report-dir=out",
    )
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "simharness: session seed 5 (rerun with --sim-seed=5)" in out
    result.stdout.fnmatch_lines(
        [
            "*scenario storm: 1 invariant violated in 30 of 30 runs against py:*",
            "✗ summary-honest: 30 violating runs*",
            "*summary gives reason 'x' for *",
            "*shrunk from * to * non-trivial choices; what happened:",
            "*driver throws Error: “All models failed (*): *◀ violates summary-honest",
            "  replay:  simharness replay out/schedules/storm--summary-honest--*.json --target py:*",
            "rerun this test:  pytest scenarios/storm.toml::storm --sim-seed=5 --sim-target=py:* --sim-budget=30",
            "the same runs:    simharness run */scenarios/storm.toml --target py:* --seed * --budget 30",
        ]
    )
    schedule = re.search(r"simharness replay (out/schedules/\S+\.json) --target (\S+)", out)  # a py: target is named
    assert schedule is not None
    assert cli(["replay", str(project.path / schedule.group(1)), "--target", schedule.group(2)]) == 1  # it replays the counterexample
    seed = int(re.search(r"--seed (\d+) --budget 30", out).group(1))  # type: ignore[union-attr]
    assert seed == derive_seed(5, "scenarios/storm.toml::storm")
    doc = json.loads((project.path / "out" / "report.json").read_text())
    assert doc["seed"] == 5 and doc["runs"] == 90 and not doc["ok"]
    assert {p.name for p in (project.path / "out").iterdir()} >= {"report.html", "junit.xml", "summary.md"}
    assert "report: out/report.html" in out


def test_xdist_workers_find_the_same_verdicts_and_counterexamples(project: pytest.Pytester) -> None:
    docs = []
    for workers in ("0", "2"):
        result = project.runpytest_subprocess(
            "-n",
            workers,
            "--sim-scenarios=scenarios",
            "scenarios",
            _target(project, "wrong_reason"),
            "--sim-budget=40",
            "--sim-seed=77",
            f"--sim-report-dir=r{workers}",
        )
        result.assert_outcomes(passed=2, failed=1)
        docs.append(_doc(project.path / f"r{workers}"))
    assert docs[0] == docs[1]
    assert any(i["counterexample"] for i in docs[0]["invariants"])


def test_split_scenarios_report_like_whole_ones(project: pytest.Pytester) -> None:
    args = ["--sim-scenarios=scenarios", "scenarios", _target(project, "wrong_reason"), "--sim-budget=30", "--sim-seed=3"]
    whole = project.runpytest_inprocess(*args, "--sim-report-dir=whole")
    whole.assert_outcomes(passed=2, failed=1)
    split = project.runpytest_subprocess("-n", "2", *args, "--sim-split=3", "--sim-report-dir=split", "-v")
    split.assert_outcomes(passed=6, failed=3)
    split.stdout.fnmatch_lines(["*scenarios/storm.toml::storm[[]2/3[]] *"])
    assert "every scenario split in 3 items" in split.stdout.str()
    a, b = _doc(project.path / "whole"), _doc(project.path / "split")
    for doc in (a, b):  # each part replays its own first run for the determinism check (see test_reports.py)
        next(i for i in doc["invariants"] if i["id"] == "deterministic")["checked"] = None
        for s in doc["scenarios"]:
            s["invariants"]["deterministic"]["checked"] = None
    assert a == b


def test_the_controller_hands_its_random_seed_to_the_workers(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-n", "2", "--sim-scenarios=scenarios", "scenarios", _target(project, "good"), "--sim-budget=5", "--sim-report-dir=r"
    )
    result.assert_outcomes(passed=3)
    seed = int(re.search(r"simharness: session seed (\d+)", result.stdout.str()).group(1))  # type: ignore[union-attr]
    doc = json.loads((project.path / "r" / "report.json").read_text())
    assert doc["seed"] == seed
    for scenario in doc["scenarios"]:  # every worker derived its items' seeds from the controller's seed
        assert scenario["seed"] == derive_seed(seed, scenario["nodeid"])


# --- the sim fixture -----------------------------------------------------------------------------------------


def test_sim_fixture(project: pytest.Pytester) -> None:
    drivers = project.path / "drivers.py"
    project.makepyfile(
        test_sim=f"""
        GOOD = "py:{drivers}:good"
        WRONG = "py:{drivers}:wrong_reason"

        def test_one_run(sim):
            result = sim.run("scenarios/takeover-race.toml", seed=3, target=GOOD)
            assert result.ok and result.seed == 3 and result.violated == set()
            again = sim.run("scenarios/takeover-race.toml", seed=3, target=GOOD)
            assert again.trace.sha256() == result.trace.sha256()

        def test_default_seed_is_the_tests_own(sim):
            assert sim.run("scenarios/takeover-race.toml", target=GOOD).seed == sim.seed

        def test_inline_scenario_and_explore(sim):
            storm = {{"name": "storm", "swarm": False, "world": {{"chain": ["a/x", "b/y"]}}, "providers": {{"*": {{"faults": {{"rate_limit": 1.0}}}}}}}}
            found = sim.explore(storm, budget=10, target=WRONG)
            assert not found.ok and found.violated == {{"summary-honest": 10}} and found.runs == 10
            shrunk = found.counterexamples["summary-honest"]
            assert "summary-honest" in shrunk.violated and "◀ violates summary-honest" in shrunk.narrative()
            assert sim.explore(storm, budget=10, target=GOOD).ok

        def test_failing_property(sim):
            assert sim.run("scenarios/storm.toml", seed=1, target=WRONG).ok
        """
    )
    result = project.runpytest_inprocess("test_sim.py", "--sim-report-dir=out")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*assert False*",
            "*where False = <SimRun storm seed=1 target=py:*: violates summary-honest>.ok*",
            "*- simharness -*",
            "*◀ violates summary-honest",
            "VIOLATED summary-honest: *",
            "replay:  simharness replay out/schedules/test-test_failing_property--storm--1.json --target py:*",
        ]
    )
    assert (project.path / "out" / "schedules" / "test-test_failing_property--storm--1.json").is_file()
    assert not (project.path / "out" / "report.json").exists()  # fixture runs are the test's business, not the suite report's


def test_a_failed_fixture_test_shows_its_seed_the_rerun_line_and_one_narrative_per_run(project: pytest.Pytester) -> None:
    """Under -q too; a test that failed without violating runs still gets the seed and rerun line; an exploration
    whose counterexamples for two invariants are the same run narrates it once (before: once per invariant)."""
    project.makepyfile(
        test_fx="""
        def test_legacy(sim):
            found = sim.explore("scenarios/takeover-race.toml", target="mutant:legacy", budget=20, shrink=False)
            assert len(found.counterexamples) == 2   # coordination-single-run and no-idle-burn ...
            assert len({c.trace.sha256() for c in found.counterexamples.values()}) == 1   # ... found by the same run
            assert found.ok

        def test_plain_failure(sim):
            assert sim.run("scenarios/takeover-race.toml").ok
            assert 1 == 2
        """
    )
    result = project.runpytest_inprocess("-q", "test_fx.py", "--sim-seed=9", "--sim-report-dir=out")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    for test in ("test_legacy", "test_plain_failure"):
        seed = derive_seed(9, f"test_fx.py::{test}")
        result.stdout.fnmatch_lines(
            [
                f"simharness: session seed 9, this test's seed {seed} (derived from the session seed and the node id)",
                f"rerun this test:  pytest test_fx.py::{test} --sim-seed=9 --sim-target=reference --sim-budget=200",
            ]
        )
    legacy = out[out.index("_ test_legacy _") : out.index("_ test_plain_failure _")]
    assert legacy.count("◀ violates") == 1 and legacy.count("<SimRun takeover-race") == 1
    assert "VIOLATED coordination-single-run" in legacy and "VIOLATED no-idle-burn" in legacy  # both named, once
    assert len(list((project.path / "out" / "schedules").glob("test-test_legacy--*.json"))) == 1
    # the session's own line, also under -q (where pytest hides the header that names the seed)
    result.stdout.fnmatch_lines(["session seed 9; rerun this session:  pytest -q test_fx.py --sim-report-dir=out --sim-seed=9"])


def test_a_passing_session_without_simharness_says_nothing(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("-q")
    result.assert_outcomes(passed=1)
    assert "session seed" not in result.stdout.str() and "- simharness -" not in result.stdout.str()


def test_pytest_scenarios_dir_with_xdist_and_q(project: pytest.Pytester) -> None:
    """The issue's command: `pytest scenarios/ -n 2` (no --sim-scenarios, no ini option), quiet, seed shown."""
    result = project.runpytest_subprocess("scenarios/", "-n", "2", "-q", _target(project, "good"), "--sim-budget=5", "--sim-report-dir=r")
    result.assert_outcomes(passed=3)
    seed = int(
        re.search(r"^session seed (\d+); rerun this session:  pytest .*scenarios/ -n 2 -q ", result.stdout.str(), re.MULTILINE).group(1)
    )  # type: ignore[union-attr]
    assert json.loads((project.path / "r" / "report.json").read_text())["seed"] == seed
    assert "3 scenarios, 15 runs against py:" in result.stdout.str()


def test_one_narrative_per_counterexample_in_a_failed_item() -> None:
    """Two invariants whose shrunk counterexamples are the same run: narrated once, both named, both replayable."""
    from types import SimpleNamespace

    from simharness.pytest_plugin.collect import failure_text
    from simharness.pytest_plugin.options import Settings

    def inv(id_: str, sha: str, mark: str) -> dict[str, Any]:
        ce = {
            "message": f"{id_} broke",
            "trace_sha256": sha,
            "size": {"original": 9, "shrunk": 1},
            "narrative": ["0 ms  session-1  calls the driver", f"✗ 5 ms  session-1  throws   ◀ violates {mark}"],
            "replay": f"simharness replay out/schedules/s--{id_}--1.json",
        }
        return {"id": id_, "violated": 3, "description": f"{id_} holds", "counterexample": ce}

    doc = {
        "scenarios": [{"name": "s", "failed_runs": 3, "runs": 5}],
        "invariants": [inv("a", "X", "a"), inv("b", "X", "b"), inv("c", "Y", "c"), {"id": "d", "violated": 0}],
        "target": "reference",
        "seed": 11,
        "budget": 5,
        "shard": "1/1",
    }
    item = SimpleNamespace(shard=(1, 1), nodeid="scenarios/s.toml::s", path=Path("scenarios/s.toml"))
    settings = Settings(7, "reference", "pct", 5, 1, Path("out"), (), (), 3)
    text = failure_text(doc, item, settings)  # type: ignore[arg-type]
    assert text.count("calls the driver") == 2  # X once, Y once
    assert "◀ violates a" in text and "◀ violates b" not in text and "◀ violates c" in text
    assert "  the same counterexample as a above" in text
    for id_ in "abc":
        assert f"✗ {id_}: 3 violating runs" in text and f"{id_} broke" in text and f"s--{id_}--1.json" in text
    assert "✗ d" not in text
    # the rerun line carries every setting the seed and the runs depend on
    assert (
        "rerun this test:  pytest scenarios/s.toml::s --sim-seed=7 --sim-target=reference --sim-budget=5 --sim-strategy=pct --sim-depth=3"
        in text
    )


def test_every_real_release_skip_says_how_to_unskip_and_the_summary_counts_them(tmp_path: Path) -> None:
    """With no real release installed, the README's test command says how many tests it skipped and the command."""
    import os

    from conftest import INSTALL_REAL

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["SIMHARNESS_CACHE"] = str(tmp_path / "empty-cache")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "tests/test_locate.py", "-k", "real_releases"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skips) == 4 and all(line.endswith(f"to run this test: {INSTALL_REAL}") for line in skips)
    summary = [line for line in run.stdout.splitlines() if "tests skipped: real openclaw releases" in line]
    assert summary == [
        f"4 tests skipped: real openclaw releases are not installed in {tmp_path / 'empty-cache'}; "
        + f"to run them (~20-60 s per release from npm): {INSTALL_REAL}"
    ]
    assert "tests skipped: real openclaw" not in subprocess.run(  # nothing said when nothing was skipped for it
        [sys.executable, "-m", "pytest", "-q", "tests/test_locate.py", "-k", "not real_releases"],
        check=False, cwd=ROOT, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip


#: What `import simharness.pytest_plugin` must not load: the reports, the simulation, targets, jinja2, simpy.
HEAVY = ("jinja2", "simpy", "simharness.report", "simharness.engine", "simharness.sim", "simharness.targets", "simharness.check")


def test_the_plugin_is_cheap_when_unused() -> None:
    code = (
        "import sys, simharness.pytest_plugin; "
        f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith(tuple(h + '.' for h in {HEAVY!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    # every module of the plugin's package is loaded by that import: the hooks pytest needs are all there
    code = "import sys, simharness.pytest_plugin; print(sorted(m for m in sys.modules if m.startswith('simharness.pytest_plugin.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str([f"simharness.pytest_plugin.{m}" for m in ("collect", "fixture", "options", "runs", "session")])


# --- crashed items are failures in every report -----------------------------------------------------------------

CRASHING_CONFTEST = '''
import simharness.pytest_plugin.collect as collect

_explore = collect.explore_scenarios


def _crashing(s, scenarios, *args, **kwargs):
    """The harness itself breaks on one scenario (not a driver failure: those are verdicts)."""
    if scenarios[0].name == "storm":
        raise RuntimeError("the harness broke on \\ud83d \\x1b[31m here")
    return _explore(s, scenarios, *args, **kwargs)


collect.explore_scenarios = _crashing
'''


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_crashed_item_is_a_failure_in_every_report(project: pytest.Pytester, workers: str) -> None:
    """Before: the crashed item was dropped; report.json said ok, junit failures="0", the summary "every invariant held"."""
    (project.path / "conftest.py").write_text(CRASHING_CONFTEST)
    result = project.runpytest_subprocess(
        "-n", workers, "--sim-scenarios=scenarios", "scenarios", _target(project, "good"), "--sim-budget=10", "--sim-report-dir=out"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*3 scenarios, 20 runs against py:*: ❌ 1 scenario item crashed instead of being judged",
            "crashed: scenarios/storm.toml::storm: RuntimeError: the harness broke on \ufffd ␛[31m here",
        ]
    )
    assert "every invariant held" not in result.stdout.str() and "all 9 invariants held" not in result.stdout.str()
    out = project.path / "out"
    doc = json.loads((out / "report.json").read_text())
    assert doc["ok"] is False and doc["headline"]["level"] == "bad"
    assert [e["nodeid"] for e in doc["errors"]] == ["scenarios/storm.toml::storm"]
    assert "RuntimeError: the harness broke on \ufffd" in doc["errors"][0]["message"]
    assert {s["name"]: s["runs"] for s in doc["scenarios"]}["storm"] == 0
    root = ET.parse(out / "junit.xml").getroot()
    assert int(root.get("failures") or 0) >= 1
    crash = next(c for c in root.iter("testcase") if c.get("name") == "crashed")
    assert crash.get("classname") == "simharness.storm" and crash.find("failure").get("type") == "crash"  # type: ignore[union-attr]
    assert "❌ 1 crashed" in (out / "summary.md").read_text()
    assert "Crashed" in (out / "report.html").read_text() and 'class="banner bad"' in (out / "report.html").read_text()


def test_a_session_where_every_item_crashed_still_writes_a_failing_report(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess(
        "--sim-scenarios=scenarios", "scenarios", f"--sim-target=py:{project.path / 'missing.py'}:f", "--sim-report-dir=out"
    )
    result.assert_outcomes(failed=3)
    doc = json.loads((project.path / "out" / "report.json").read_text())  # before: no report at all
    assert doc["ok"] is False and len(doc["errors"]) == 3 and doc["runs"] == 0
    root = ET.parse(project.path / "out" / "junit.xml").getroot()
    assert root.get("failures") == "3"


# --- docs/pytest.md: its examples run -----------------------------------------------------------------------------


def test_the_examples_of_docs_pytest_md_pass(pytester: pytest.Pytester) -> None:
    """Every ```python block of docs/pytest.md is a test file; they all pass, in a project with the shipped scenarios."""
    text = (ROOT / "docs" / "pytest.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 4
    (pytester.path / "scenarios").mkdir()
    for path in SCENARIOS.glob("*.toml"):
        (pytester.path / "scenarios" / path.name).write_text(path.read_text())
    for i, block in enumerate(blocks):
        (pytester.path / f"test_doc_{i}.py").write_text(block)
    tests = sum(len(re.findall(r"^def test_", block, re.MULTILINE)) for block in blocks)
    result = pytester.runpytest_inprocess("-q", "--sim-report-dir=out")
    result.assert_outcomes(passed=tests)
    result.stdout.fnmatch_lines(["session seed *; rerun this session:  pytest -q --sim-report-dir=out --sim-seed=*"])
