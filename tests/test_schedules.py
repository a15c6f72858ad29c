"""Race schedules: `simharness schedules` writes distinct schedule files that `simharness replay` re-executes
exactly (same trace hash), on the target they were made on or another; determinism across PYTHONHASHSEED;
`run --strategy`; coverage warnings and `--strict-coverage`; bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simharness.cli import main as cli
from simharness.engine.runner import replay
from simharness.engine.schedule import load_schedule
from simharness.explore import STRATEGIES
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
TAKEOVER = ROOT / "scenarios" / "takeover-race.toml"


def _schedules(out: Path) -> list[Path]:
    return sorted(out.glob("*.json"))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_generated_schedules_are_distinct_and_replay_to_the_same_trace(
    strategy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sched"
    assert cli(["schedules", str(TAKEOVER), "--strategy", strategy, "--count", "6", "--out", str(out)]) == 0
    files = _schedules(out)
    assert len(files) == 6
    docs = [json.loads(f.read_text()) for f in files]
    assert len({d["trace_sha256"] for d in docs}) == 6  # distinct behaviours, not only distinct sequences
    assert all(d["schema"] == "simharness/schedule/v1" and d["strategy"] == strategy for d in docs)
    for f, d in zip(files, docs):
        schedule = load_schedule(f)
        result = replay(schedule.scenario, resolve_target("reference"), schedule.values, schedule.seed)
        assert result.trace_sha256 == d["trace_sha256"], f.name
        assert [c.label for c in result.choices] == list(schedule.labels)
    capsys.readouterr()
    assert cli(["replay", str(files[-1])]) == 0
    printed = capsys.readouterr().out
    assert "trace identical to the recorded one" in printed and "every invariant held" in printed


def test_schedule_choices_are_human_readable(tmp_path: Path) -> None:
    out = tmp_path / "sched"
    assert cli(["schedules", str(TAKEOVER), "--strategy", "pct", "--count", "8", "--out", str(out)]) == 0
    choices = [c for f in _schedules(out) for c in json.loads(f.read_text())["choices"]]
    labels = {c["label"] for c in choices}
    assert "tie:session-1/session-2" in labels and "provider.openai.fault" in labels
    tie = next(c for c in choices if c["label"] == "tie:session-1/session-2")
    assert tie["taken"] in ("session-1", "session-2")


def test_a_schedule_made_on_one_target_replays_on_another(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sched"
    assert cli(["schedules", str(TAKEOVER), "--strategy", "exhaustive", "--count", "10", "--out", str(out)]) == 0
    outcomes = []
    for f in _schedules(out):
        capsys.readouterr()
        code = cli(["replay", str(f), "--target", "mutant:legacy"])
        printed = capsys.readouterr().out
        assert "recorded on reference" in printed
        outcomes.append((code, "trace DIFFERS" in printed))
    assert (1, True) in outcomes  # the pre-fix driver walks the chain on some takeover race: a differential finding
    assert all(differs for code, differs in outcomes if code == 1)


def test_schedules_do_not_depend_on_pythonhashseed(tmp_path: Path) -> None:
    script = (
        "import sys\nfrom simharness.cli import main\n"
        "for s in ('random', 'pct', 'exhaustive', 'hypothesis'):\n"
        "    assert main(['schedules', sys.argv[1], '--strategy', s, '--count', '4', '--seed', '3', '--out', sys.argv[2]]) == 0\n"
    )
    outputs = []
    for hashseed in ("1", "4242"):
        out = tmp_path / hashseed
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(TAKEOVER), str(out)], check=False, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        outputs.append({f.name: f.read_bytes() for f in _schedules(out)})
    assert len(outputs[0]) == 16 and outputs[0] == outputs[1]


def test_bad_input_is_one_line_exit_2_and_nothing_is_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["schedules", str(tmp_path / "missing.toml"), "--count", "2", "--out", str(tmp_path / "o")]) == 2
    assert "missing.toml" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    assert cli(["schedules", str(TAKEOVER), "--count", "2", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "a-file" in err
    assert blocker.read_text() == "keep me"
    with pytest.raises(SystemExit) as exit_info:
        cli(["schedules", str(TAKEOVER), "--count", "0", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        cli(["run", str(TAKEOVER), "--strategy", "bogus"])
    assert exit_info.value.code == 2


def test_run_with_pct_states_its_bound_in_every_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(TAKEOVER), "--strategy", "pct", "--budget", "20", "--report-dir", str(tmp_path)]) == 0
    assert "detection bound 1/(n·k^(d−1))" in capsys.readouterr().out
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["strategy"] == "pct"
    exploration = doc["scenarios"][0]["exploration"]
    assert exploration["detection_bound"] > 0 and exploration["params"]["depth"] == 3
    assert "detection bound" in (tmp_path / "summary.md").read_text()
    assert "strategy <b>pct</b> · takeover-race: detection bound 1/(n·k^(d−1))" in (tmp_path / "report.html").read_text()


def test_an_expected_situation_never_reached_warns_and_fails_when_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "never-hangs.toml"
    scenario.write_text('name = "never-hangs"\n[expect]\nsometimes = ["provider_hang"]\n')
    assert cli(["run", str(scenario), "--budget", "5", "--report-dir", str(tmp_path / "r1")]) == 0
    captured = capsys.readouterr()
    assert "WARNING: 1 expected situation was never reached" in captured.err and "never-hangs: provider_hang" in captured.err
    assert "provider_hang 0 ⚠" in captured.out  # the coverage line lists every situation with its hits
    assert cli(["run", str(scenario), "--budget", "5", "--strict-coverage", "--report-dir", str(tmp_path / "r2")]) == 1
    doc = json.loads((tmp_path / "r2" / "report.json").read_text())
    assert doc["ok"] is True and doc["unreached"] == [{"scenario": "never-hangs", "situation": "provider_hang"}]
    assert {s["id"]: s["hits"] for s in doc["sometimes"]}["provider_hang"] == 0
    assert "⚠️ 1 expected situation never reached" in (tmp_path / "r2" / "summary.md").read_text().splitlines()[0]
    assert '<property name="sometimes.provider_hang" value="0" />' in (tmp_path / "r2" / "junit.xml").read_text()
    assert "⚠ 1 expected situation never reached" in (tmp_path / "r2" / "report.html").read_text()
