"""Reports: junit.xml, summary.md and report.html from one document; shard merging; the progress bar."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main as cli
from simharness.engine.runner import seeds_for
from simharness.engine.shrink import shrink
from simharness.explore.suite import run_suite
from simharness.model.scenario import parse_scenario
from simharness.report.document import report_json
from simharness.report.html import timeline
from simharness.report.narrate import events_from_json, narrate
from simharness.report.write import write_reports
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

DRIVERS = '''
from simharness.model.errors import JSError
from simharness.check.oracle import EXPECTED_REASON, category_of, root_kind
from simharness.model.target import Profile
from simharness.model.kinds import PROVIDER_KINDS


def _fallback(candidates, run, on_error, *, stop, reason):
    attempts = []
    for i, (p, m) in enumerate(candidates):
        try:
            return (yield from run(p, m))
        except JSError as err:
            if category_of(err) in stop:
                raise
            attempts.append((p, m, err))
            on_error({"provider": p, "model": m, "error": err, "attempt": i + 1, "total": len(candidates)})
    if len(attempts) <= 1:
        raise attempts[-1][2]
    parts = " | ".join(f"{p}/{m}: {e.message} ({reason(e)})" for p, m, e in attempts)
    raise JSError(f"All models failed ({len(attempts)}): {parts}", kind="summary")


def good(ctx, candidates, run, on_error):
    return _fallback(candidates, run, on_error, stop=("coordination", "terminal"), reason=lambda e: EXPECTED_REASON.get(root_kind(e), "unknown"))


def wrong_reason(ctx, candidates, run, on_error):
    return _fallback(candidates, run, on_error, stop=("coordination", "terminal"), reason=lambda e: "x")


def legacy(ctx, candidates, run, on_error):
    """Before openclaw#83550: a takeover is an ordinary failure and walks the whole chain."""
    return _fallback(candidates, run, on_error, stop=("terminal",), reason=lambda e: EXPECTED_REASON.get(root_kind(e), "unknown"))


def hostile(ctx, candidates, run, on_error):
    return _fallback(candidates, run, on_error, stop=("coordination", "terminal"), reason=lambda e: "<script>alert('reason')</script>")
'''


@pytest.fixture(scope="module")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drivers") / "drivers.py"
    path.write_text(DRIVERS)
    return path


def _normalized(doc: dict[str, Any], out: Path) -> dict[str, Any]:
    """A report minus what legitimately differs between two runs: timing and where its files went."""
    doc = json.loads(json.dumps(doc).replace(out.as_posix(), "OUT"))
    doc.pop("timing")
    return doc


# --- escaping ---------------------------------------------------------------------------------------------

HOSTILE = {
    "name": "<script>alert('name')</script>",
    "description": "<img src=x onerror=alert('description')> & </table>",
    "world": {"sessions": 2, "chain": ["<script>evil/x<b>", "b|c/`d`"]},
    "providers": {"*": {"faults": {"rate_limit": 1.0}}},
    "writers": [{"name": "<script>w</script>", "delay_ms": [0, 100]}],
}


def test_hostile_names_descriptions_and_messages_are_escaped_in_every_report(drivers: Path, tmp_path: Path) -> None:
    scenario = parse_scenario(HOSTILE, "<script>where</script>.toml")
    target = resolve_target(f"py:{drivers}:hostile")
    suite = run_suite([scenario], target, seed=1, budget=5, shrink=shrink)
    assert not suite.ok  # the reason "<script>…" is no reason: summary-honest fails, so the text reaches every report
    doc = write_reports(suite, tmp_path)
    html = (tmp_path / "report.html").read_text()
    junit = (tmp_path / "junit.xml").read_text()
    md = (tmp_path / "summary.md").read_text()
    for text in (html, junit, md):
        assert "<script" not in text.lower()
        assert "<img" not in text.lower()
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html  # escaped, not dropped
    assert "provider:&lt;script&gt;evil" in html  # an actor lane of the timeline (the writer is shrunk away)
    assert "<svg" in html and "Content-Security-Policy" in html
    # junit.xml is well-formed and carries the text itself once parsed
    root = ET.fromstring(junit)
    failure = root.find(".//failure")
    assert failure is not None and "<script>alert('reason')</script>" in (failure.text or "")
    assert root.find(".//testcase").get("classname") == "simharness.<script>alert('name')</script>"
    assert "&lt;script&gt;" in md  # GitHub shows it as text
    assert doc["scenarios"][0]["name"] == HOSTILE["name"]  # report.json keeps the data as it is


# --- the reports' content ----------------------------------------------------------------------------------


def test_cli_writes_every_report_and_junit_has_one_testcase_per_scenario_and_invariant(drivers: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    code = cli(
        [
            "run",
            str(SCENARIOS / "rate-limit-storm.toml"),
            str(SCENARIOS / "takeover-race.toml"),
            "--target",
            f"py:{drivers}:wrong_reason",
            "--budget",
            "20",
            "--swarm",
            "off",  # every run of the storm meets its 429s
            "--report-dir",
            str(out),
        ]
    )
    assert code == 1
    assert {p.name for p in out.iterdir()} >= {"report.json", "summary.md", "junit.xml", "report.html", "schedules"}
    doc = json.loads((out / "report.json").read_text())
    root = ET.parse(out / "junit.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert ("simharness.rate-limit-storm", "summary-honest") in cases
    assert ("simharness.takeover-race", "coordination-single-run") in cases
    failed = cases[("simharness.rate-limit-storm", "summary-honest")].find("failure")
    assert failed is not None and "simharness replay" in (failed.text or "") and "◀ violates summary-honest" in (failed.text or "")
    assert int(root.get("failures") or 0) == sum(1 for c in cases.values() if c.find("failure") is not None) >= 1
    storm = next(s for s in doc["scenarios"] if s["name"] == "rate-limit-storm")
    assert 0 < storm["invariants"]["summary-honest"]["violated"] <= storm["runs"] == 20  # runs whose whole chain failed
    md = (out / "summary.md").read_text()
    assert md.startswith("# simharness: ❌ 1 invariant violated")
    assert "<details><summary>" in md and "simharness replay" in md


def test_not_applicable_invariants_are_skipped_in_junit_never_passed(tmp_path: Path) -> None:
    driver = tmp_path / "new_runtime.py"
    driver.write_text(
        DRIVERS + "\nSIMHARNESS_PROFILE = Profile('provider-only', PROVIDER_KINDS, 'test')\nrun_with_model_fallback = good\n",
    )
    suite = run_suite(
        [parse_scenario({"name": "race", "world": {"sessions": 2, "session_start_ms": [0, 100]}})],
        resolve_target(f"py:{driver}:good"),
        seed=0,
        budget=30,
    )
    write_reports(suite, tmp_path / "r")
    root = ET.parse(tmp_path / "r" / "junit.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == "coordination-single-run")
    skipped = case.find("skipped")
    assert skipped is not None and "not applicable" in (skipped.get("message") or "")
    html = (tmp_path / "r" / "report.html").read_text()
    assert ">n/a<" in html


def test_counterexample_carries_its_trace_run_index_and_the_violating_step(drivers: Path, tmp_path: Path) -> None:
    scenario = parse_scenario(json.loads(json.dumps(_toml(SCENARIOS / "takeover-race.toml"))), str(SCENARIOS / "takeover-race.toml"))
    suite = run_suite([scenario], resolve_target(f"py:{drivers}:legacy"), seed=3, budget=40, shrink=shrink)
    doc = report_json(suite, tmp_path)
    inv = next(i for i in doc["invariants"] if i["id"] == "coordination-single-run")
    ce = inv["counterexample"]
    original = suite.invariants["coordination-single-run"].counterexample
    assert original is not None
    assert list(seeds_for(scenario, 3, 40))[ce["run"]] == ce["seed"] == original.seed
    events = events_from_json(ce["trace"])
    step = events[ce["event"]]
    assert step.kind == "run.start" and step.data["call"] == ce["call"] and step.t == ce["at_ms"]  # the run that should not have happened
    marked = [line for line in ce["narrative"] if "◀ violates coordination-single-run" in line]
    assert len(marked) == 1 and marked[0].startswith("✗")
    tl = timeline(events, ce["event"], "coordination-single-run", ce["call"])
    kinds = [lane.kind for lane in tl.lanes]
    assert kinds == sorted(kinds, key=["session", "writer", "lock", "provider", "harness"].index)
    assert tl.violation is not None and tl.violation.label == "✗ coordination-single-run"
    assert any("takeover" == m.label for m in tl.marks)  # the fault is labelled


def test_narrative_keeps_the_violating_step_when_it_elides() -> None:
    from simharness.model.trace import Trace

    trace = Trace()
    for i in range(300):
        trace.add(i, "session-1", "run.start", call=1, candidate="a/b", n=i)
    lines = narrate(trace, limit=40, focus=250, mark="violates x")
    assert len(lines) <= 43
    assert any(line.startswith("✗") and line.endswith("◀ violates x") for line in lines)
    assert "more events" in "".join(lines)


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(path.read_text())


# --- merging shards ---------------------------------------------------------------------------------------


def _sharded(drivers: Path, tmp_path: Path, *extra: str) -> tuple[dict[str, Any], dict[str, Any], Path, Path]:
    # rate-limit-nested-lock violates in some runs only: its first counterexample is not in every shard
    paths = [str(SCENARIOS / f"{name}.toml") for name in ("takeover-race", "rate-limit-nested-lock", "rate-limit-storm", "lock-contention")]
    args = ["run", *paths, "--target", f"py:{drivers}:wrong_reason", "--budget", "24", "--seed", "11", *extra]
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    assert cli([*args, "--report-dir", str(whole)]) == 1
    shards = [tmp_path / f"shard{i}" for i in (1, 2, 3)]
    for i, d in enumerate(shards, 1):
        assert cli([*args, "--shard", f"{i}/3", "--report-dir", str(d)]) in (0, 1)
    assert cli(["report", "merge", *map(str, reversed(shards)), "--out", str(merged)]) == 1
    a = _normalized(json.loads((whole / "report.json").read_text()), whole)
    b = _normalized(json.loads((merged / "report.json").read_text()), merged)
    return a, b, whole, merged


def test_merged_shards_equal_the_unsharded_run(drivers: Path, tmp_path: Path) -> None:
    a, b, _, merged = _sharded(drivers, tmp_path, "--check-determinism")
    assert b == a
    for inv in b["invariants"]:  # the chosen counterexamples' schedules came along and replay
        if inv["counterexample"]:
            assert (merged / inv["counterexample"]["schedule"]).is_file()
            assert cli(["replay", str(merged / inv["counterexample"]["schedule"]), "--target", b["target"]]) == 1  # py: is never implicit
    assert (merged / "report.html").is_file() and (merged / "junit.xml").is_file()


def test_merged_shards_equal_the_unsharded_run_in_everything_but_determinism_checks(drivers: Path, tmp_path: Path) -> None:
    a, b, _, _ = _sharded(drivers, tmp_path)
    for doc in (a, b):
        for inv in doc["invariants"]:
            if inv["id"] == "deterministic":
                inv["checked"] = None
        for s in doc["scenarios"]:
            s["invariants"]["deterministic"]["checked"] = None
    assert b == a


def test_merged_shards_equal_the_unsharded_run_with_default_determinism_checks(drivers: Path, tmp_path: Path) -> None:
    a, b, _, _ = _sharded(drivers, tmp_path)
    assert b == a


def test_merge_rejects_reports_that_are_not_shards_of_one_run(drivers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["run", str(SCENARIOS / "takeover-race.toml"), "--target", f"py:{drivers}:good", "--budget", "4"]
    runs = {
        "s1": ["--shard", "1/2"],
        "s2": ["--shard", "2/2"],
        "s2seed": ["--shard", "2/2", "--seed", "9"],
        "s2budget": ["--shard", "2/2", "--budget", "5"],
        "s2of3": ["--shard", "2/3"],
    }
    for name, extra in runs.items():
        assert cli([*base, *extra, "--report-dir", str(tmp_path / name)]) == 0
    ref = f"py:{drivers}:legacy"
    assert (
        cli(
            [
                "run",
                str(SCENARIOS / "takeover-race.toml"),
                "--target",
                ref,
                "--budget",
                "4",
                "--shard",
                "2/2",
                "--report-dir",
                str(tmp_path / "s2target"),
            ]
        )
        == 1
    )
    capsys.readouterr()
    cases = {
        ("s1", "s2seed"): "different seed (0 vs 9)",
        ("s1", "s2budget"): "different budget (4 vs 5)",
        ("s1", "s2target"): "different target",
        ("s1", "s2of3"): "split the runs differently",
        ("s1", "s1"): "both are shard 1/2",
        ("s1",): "shard 2/2 is missing",
        ("s1", "nowhere"): "no such file",
    }
    for dirs, message in cases.items():
        code = cli(["report", "merge", *(str(tmp_path / d) for d in dirs), "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 2, dirs
        assert err.startswith("simharness: error: ") and err.count("\n") == 1 and message in err, err
    assert cli(["report", "merge", str(tmp_path / "s2"), str(tmp_path / "s1"), "--out", str(tmp_path / "out")]) == 0


# --- progress -----------------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_one_line_on_a_terminal_and_nothing_elsewhere(drivers: Path) -> None:
    from simharness.report.progress import Progress

    scenario = parse_scenario({**_toml(SCENARIOS / "rate-limit-storm.toml"), "swarm": False})
    target = resolve_target(f"py:{drivers}:wrong_reason")
    piped, tty = io.StringIO(), _Terminal()
    for stream in (piped, tty):
        with Progress(10, stream=stream, interval=0) as progress:
            run_suite([scenario], target, seed=0, budget=10, on_run=progress)
    assert piped.getvalue() == ""
    out = tty.getvalue()
    assert "\n" not in out and out.endswith("\r\x1b[K")
    last = out.split("\r")[-2]
    assert re.search(r"\] 10/10 runs +[\d,]+ runs/s +10 violating \(1 invariant\)", last), last


def test_cli_progress_stays_off_when_stderr_is_not_a_terminal(drivers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(
        [
            "run",
            str(SCENARIOS / "takeover-race.toml"),
            "--target",
            f"py:{drivers}:good",
            "--budget",
            "5",
            "--progress",
            "--report-dir",
            str(tmp_path),
        ]
    )
    assert "\r" not in capsys.readouterr().err


# --- merge compares scenario contents ---------------------------------------------------------------------------


def test_merge_refuses_shards_whose_same_named_scenarios_differ(drivers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (SCENARIOS / "takeover-race.toml").read_text()
    one, other = tmp_path / "one.toml", tmp_path / "other.toml"
    one.write_text(source)
    other.write_text(source.replace("latency_ms = [300, 800, 2500]", "latency_ms = [5, 10]"))  # same name, other race
    assert other.read_text() != source
    for i, path in ((1, one), (2, other)):
        args = ["run", str(path), "--target", f"py:{drivers}:good", "--budget", "4", "--shard", f"{i}/2"]
        assert cli([*args, "--report-dir", str(tmp_path / f"s{i}")]) == 0
    capsys.readouterr()
    code = cli(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "scenario 'takeover-race' has different contents" in err, err
    assert not (tmp_path / "out").exists()
    # the aggregation every path shares (CLI scenarios, pytest items, matrix) refuses them too
    from simharness.model.exceptions import MergeError
    from simharness.report.merge import combine, load_report

    with pytest.raises(MergeError, match="different contents"):
        combine([load_report(tmp_path / "s1"), load_report(tmp_path / "s2")])
    # the same contents merge: the digest is of the scenario, not of its file's path or name
    assert (
        cli(["run", str(one), "--target", f"py:{drivers}:good", "--budget", "4", "--shard", "2/2", "--report-dir", str(tmp_path / "s2b")])
        == 0
    )
    assert cli(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2b"), "--out", str(tmp_path / "out")]) == 0


# --- stale counterexamples do not outlive their report ---------------------------------------------------------


def test_a_new_report_removes_the_counterexample_schedules_it_does_not_reference(drivers: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    race = str(SCENARIOS / "takeover-race.toml")
    assert cli(["run", race, "--target", f"py:{drivers}:legacy", "--budget", "30", "--report-dir", str(out)]) == 1
    stale = sorted(p.name for p in (out / "schedules").glob("*--coordination-single-run--*.json"))
    assert stale
    keep = ["notes.json", "test-test_x--takeover-race--7.json", "takeover-race--differential--3.json", "takeover-race--target-failure.json"]
    for name in keep:  # the sim fixture's, differential and target-failure schedules, anything else: not ours to remove
        (out / "schedules" / name).write_text("{}")

    assert cli(["run", race, "--target", f"py:{drivers}:good", "--budget", "30", "--report-dir", str(out)]) == 0
    doc = json.loads((out / "report.json").read_text())
    assert doc["ok"] and not any(i["counterexample"] for i in doc["invariants"])
    assert sorted(p.name for p in (out / "schedules").iterdir()) == sorted(keep)

    # a red report keeps exactly the schedules it references
    assert cli(["run", race, "--target", f"py:{drivers}:legacy", "--budget", "30", "--report-dir", str(out)]) == 1
    doc = json.loads((out / "report.json").read_text())
    referenced = {Path(i["counterexample"]["schedule"]).name for i in doc["invariants"] if i["counterexample"]}
    assert referenced and {p.name for p in (out / "schedules").iterdir()} == referenced | set(keep)


# --- every report renders from the document alone ----------------------------------------------------------------


@pytest.mark.parametrize("renderer", ["markdown", "html", "junit", "status", "narrate"])
def test_the_renderers_need_only_the_document_and_the_vocabulary(renderer: str) -> None:
    """summary.md, report.html and junit.xml read a report.json document (merged shards, pytest items, older
    versions alike): importing a renderer loads no layer of simharness above `model/`, and never `report.write`,
    which composes them (so no renderer can import its way back into a cycle)."""
    code = (
        f"import sys, simharness.report.{renderer}; "
        "print(sorted(m for m in sys.modules if m.startswith('simharness.') and not m.startswith(('simharness.model', 'simharness.report'))"
        " or m in ('simharness.report.write', 'simharness.report.document')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
