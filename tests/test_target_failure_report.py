"""A target that breaks mid-run (its Node bridge dies) loses nothing already judged, with `-j 1` and `-j N`.

The report of every run judged before the failure is written, marked incomplete, with the reason (the target
failed: the bridge's one line) in report.json, summary.md, report.html and junit.xml; the failed run's schedule
is saved; stderr has one line; the exit code is 2 (as for a target that cannot start). Checked with a dist
whose bridge exits after some calls, and with a real release whose Node process is SIGKILLed from outside.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import require_release

ROOT = Path(__file__).resolve().parent.parent
TAKEOVER = str(ROOT / "scenarios" / "takeover-race.toml")

#: A driver that runs the first candidate, in a bridge that exits (code 9) at its 61st driver call.
DIES_AT_CALL_61 = """
globalThis.calls = (globalThis.calls || 0) + 1;
if (globalThis.calls > 60) process.exit(9);
return {result: await params.run(params.provider, params.model)};
"""


def _fake_dist(root: Path, body: str) -> str:
    dist = root / "dist"
    dist.mkdir(parents=True)
    (dist / "model-fallback-Xy12.js").write_text(
        f"async function runWithModelFallback(params) {{\n{body}\n}}\nexport {{ runWithModelFallback as r }};\n"
    )
    (root / "package.json").write_text('{"name": "fake-openclaw", "version": "0.0.0", "type": "module"}')
    return f"node-dist:{root}"


def _incomplete_for_target(out: Path, stderr: str, code: int, planned: int) -> dict[str, Any]:
    """What every report and stderr must say about a run whose target failed after judging some runs."""
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "schedule saved" in lines[0] and "marked incomplete" in lines[0] and str(out / "report.html") in lines[0]
    doc: dict[str, Any] = json.loads((out / "report.json").read_text())
    assert doc["complete"] is False and doc["runs"] >= 1
    why = doc["incomplete"]
    assert why["reason"] == "target-failed" and why["planned_runs"] == planned and why["scenario"] == "takeover-race"
    assert "Node bridge: Node" in why["message"] and "takeover-race--target-failure.json" in why["message"]
    assert f"{doc['runs']} runs judged before it" in lines[0]
    summary = (out / "summary.md").read_text()
    assert "INCOMPLETE: the target failed" in summary and "takeover-race--target-failure.json" in summary and "interrupted" not in summary
    assert f"{doc['runs']} of {planned} runs" in summary
    html = (out / "report.html").read_text()
    assert "incomplete (the target failed)" in html and "Node bridge: Node" in html and "interrupted" not in html
    assert 'type="target-failed"' in (out / "junit.xml").read_text()
    assert (out / "schedules" / "takeover-race--target-failure.json").is_file()
    for inv in doc["invariants"]:  # every counterexample judged before the failure keeps its schedule
        if inv["counterexample"]:
            assert (out / inv["counterexample"]["schedule"]).is_file()
    return doc


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bridge_that_dies_mid_run_keeps_the_report_of_what_was_judged(jobs: str, tmp_path: Path) -> None:
    spec = _fake_dist(tmp_path / "pkg", DIES_AT_CALL_61)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "simharness", "run", TAKEOVER, "--target", spec, "--budget", "300", "--no-shrink"]
    done = subprocess.run([*cmd, "--report-dir", str(out), "-j", jobs], capture_output=True, text=True, cwd=ROOT, check=False, timeout=300)
    doc = _incomplete_for_target(out, done.stderr, done.returncode, 300)
    assert "exit code 9" in doc["incomplete"]["message"]
    assert f"{doc['runs']} of 300 runs" in done.stdout
    if jobs == "2":
        assert doc["incomplete"]["worker"] in (1, 2) and doc["incomplete"]["share"].startswith("shard ")


def _bridges_under(pid: int) -> list[int]:
    """Live Node bridge processes descended from `pid` (its own, or its workers')."""
    parents: dict[int, int] = {}
    bridges = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[1])
        if b"bridge.mjs" in cmdline and stat[0] != "Z":
            bridges.append(int(entry.name))

    def descends(p: int) -> bool:
        while p > 1:
            p = parents.get(p, 0)
            if p == pid:
                return True
        return False

    return [b for b in bridges if descends(b)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_real_release_whose_node_is_sigkilled_keeps_the_report(jobs: str, tmp_path: Path) -> None:

    require_release("2026.5.20")
    out, err = tmp_path / "out", tmp_path / "stderr"
    cmd = [sys.executable, "-m", "simharness", "run", TAKEOVER, "--target", "openclaw@2026.5.20", "--budget", "1000000"]
    with err.open("wb") as stderr:
        proc = subprocess.Popen([*cmd, "--report-dir", str(out), "-j", jobs, "--no-progress"], stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while len(_bridges_under(proc.pid)) < int(jobs):
            assert proc.poll() is None and time.monotonic() < deadline, "the bridges never started"
            time.sleep(0.05)
        time.sleep(2.0)  # some runs judged
        os.kill(_bridges_under(proc.pid)[0], signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    doc = _incomplete_for_target(out, err.read_text(), proc.returncode, 1_000_000)
    assert "exit code -9" in doc["incomplete"]["message"]
    assert "of 1000000 runs" in stdout.decode()


def test_report_merge_keeps_why_a_shard_is_incomplete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simharness.cli import main as cli
    from simharness.report.merge import merge_dirs
    from simharness.report.status import mark_incomplete

    for i in (1, 2):
        assert cli(["run", TAKEOVER, "--budget", "10", "--shard", f"{i}/2", "--report-dir", str(tmp_path / f"s{i}")]) == 0
    capsys.readouterr()
    second = tmp_path / "s2" / "report.json"
    doc = json.loads(second.read_text())
    mark_incomplete(doc, "target-failed", "openclaw@x: Node bridge: Node is gone (exit code -9)", 5)
    second.write_text(json.dumps(doc))
    merged = merge_dirs([tmp_path / "s1", tmp_path / "s2"], tmp_path / "all")
    assert merged["complete"] is False and merged["incomplete"]["reason"] == "target-failed"
    assert "s2" in merged["incomplete"]["message"] and "exit code -9" in merged["incomplete"]["message"]
    assert merged["incomplete"]["planned_runs"] == 10
    assert "10 of 10 runs" in (tmp_path / "all" / "summary.md").read_text()
