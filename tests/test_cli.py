"""The issue's acceptance, end to end through the CLI as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LEGACY = "py:" + str(Path(__file__).parents[1] / "simharness" / "drivers" / "legacy.py") + ":run_with_model_fallback"


def simharness(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simharness", *args], check=False, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_shipped_scenarios_pass_on_the_reference(scenarios_dir, tmp_path):
    done = simharness("run", str(scenarios_dir), "--budget", "20", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert {"target", "seed", "runs", "ok", "invariants"} <= set(report)
    assert report["ok"] is True and report["target"] == "reference"
    for entry in report["invariants"]:
        assert {"id", "checked", "violated", "not_applicable", "counterexample"} <= set(entry)
    assert (tmp_path / "summary.md").read_text().strip()


def test_pre_fix_driver_fails_and_replay_reproduces_it(scenarios_dir, tmp_path):
    done = simharness("run", str(scenarios_dir / "takeover-race.toml"), "--target", LEGACY, "--budget", "30", "--report-dir", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    single = next(i for i in report["invariants"] if i["id"] == "coordination-single-run")
    assert single["violated"] > 0
    schedules = sorted((tmp_path / "schedules").glob("*coordination-single-run*.json"))
    assert schedules

    again = simharness("replay", str(schedules[0]), "--target", LEGACY)  # a py: target is never taken from the file
    assert again.returncode == 1
    assert "trace identical to the recorded one" in again.stdout
    assert "VIOLATED coordination-single-run" in again.stdout

    fixed = simharness("replay", str(schedules[0]), "--target", "reference")  # the same race, the fixed driver
    assert fixed.returncode == 0, fixed.stdout
    assert "every invariant held" in fixed.stdout


def test_same_seed_same_report_twice(scenarios_dir, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert (
            simharness(
                "run", str(scenarios_dir / "mixed-faults.toml"), "--budget", "15", "--seed", "7", "--report-dir", str(out)
            ).returncode
            == 0
        )
    strip = lambda d: {k: v for k, v in d.items() if k != "timing"}
    assert strip(json.loads((a / "report.json").read_text())) == strip(json.loads((b / "report.json").read_text()))


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[world]\nsessions = -3\n")
    done = simharness("run", str(bad), "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "sessions" in done.stderr
    assert not (tmp_path / "out" / "report.json").exists()
    unknown = simharness("run", str(bad), "--target", "nope")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


@pytest.mark.parametrize(("strategy", "depth", "says"), [("pct", "0", "pct depth: expected 1 to 10, got 0"), ("exhaustive", "9", "exhaustive bound: expected 0 to 8")])
def test_a_depth_the_strategy_refuses_is_one_line_and_exit_2(tmp_path, scenarios_dir, capsys, strategy, depth, says):
    from simharness.cli import main

    code = main(["run", str(scenarios_dir / "takeover-race.toml"), "--strategy", strategy, "--depth", depth, "--budget", "2", "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_every_user_error_is_in_the_clis_list():
    from simharness.model import exceptions

    users = {c for c in vars(exceptions).values() if isinstance(c, type) and issubclass(c, Exception) and c.__doc__ and "one line" in c.__doc__}
    assert users <= {c for c in users if issubclass(c, exceptions.USER_ERRORS)}
