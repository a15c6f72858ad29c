"""Issue 14, item 5 (CLI and reports): each point a user tripped over, pinned by a test that fails without it."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from simharness.cli import main as cli
from simharness.report.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TAKEOVER = SCENARIOS / "takeover-race.toml"


def _run(*args: str, report: Path, target: str = "reference", budget: str = "4") -> list[str]:
    return ["run", *args, "--target", target, "--budget", budget, "--report-dir", str(report)]


# --- --help: exit codes, replay's argument ---------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_lists_the_exit_codes(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli(argv)
    out = capsys.readouterr().out
    assert done.value.code == 0
    codes = re.findall(r"^  (\d+) ", out.split("exit codes:")[1], re.MULTILINE)
    assert codes == ["0", "1", "2", "3", "130"], out


def test_run_help_says_seed_0_repeats_and_how_to_vary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "same schedules on every run" in out and "--seed random" in out


def test_replays_positional_argument_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(["replay", "--help"])
    out = capsys.readouterr().out
    block = out.split("positional arguments:")[1].split("options:")[0]
    assert re.search(r"SCHEDULE\s+\S", block) and "schedule file" in block, out


# --- files 0644, stale schedules ---------------------------------------------------------------------------


def test_reports_and_schedules_are_written_0644(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert cli(_run(str(TAKEOVER), report=tmp_path, target="mutant:legacy", budget="30")) == 1
    finally:
        os.umask(old)
    files = [tmp_path / n for n in ("report.json", "summary.md", "junit.xml", "report.html")]
    files += sorted((tmp_path / "schedules").glob("*.json"))
    assert len(files) > 4
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f


def test_the_mode_follows_the_umask(tmp_path: Path) -> None:
    from simharness.model.io import write_atomic

    old = os.umask(0o077)
    try:
        path = write_atomic(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_green_report_removes_the_stale_counterexample_schedules(tmp_path: Path) -> None:
    assert cli(_run(str(TAKEOVER), report=tmp_path, target="mutant:legacy", budget="30")) == 1
    stale = sorted((tmp_path / "schedules").glob("takeover-race--*.json"))
    assert stale
    keep = tmp_path / "schedules" / "mine.json"  # not a counterexample's name: never removed
    keep.write_text("{}")
    assert cli(_run(str(TAKEOVER), report=tmp_path)) == 0
    assert not any(p.exists() for p in stale)
    assert keep.exists()


# --- smallest counterexample first -------------------------------------------------------------------------


def test_the_smallest_worlds_counterexample_is_shown_sharded_or_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`a-big` sorts first (the old rule showed its counterexample); `b-small`'s world is the smaller one."""
    source = TAKEOVER.read_text()
    scen = tmp_path / "scen"
    scen.mkdir()
    (scen / "a-big.toml").write_text(source.replace('name = "takeover-race"', 'name = "a-big"').replace("sessions = 2", "sessions = 6"))
    (scen / "b-small.toml").write_text(source.replace('name = "takeover-race"', 'name = "b-small"'))
    assert cli(_run(str(scen), report=tmp_path / "whole", target="mutant:legacy", budget="40")) == 1
    doc = json.loads((tmp_path / "whole" / "report.json").read_text())
    single = next(i for i in doc["invariants"] if i["id"] == "coordination-single-run")
    assert {s["name"]: s["failed_runs"] > 0 for s in doc["scenarios"]} == {"a-big": True, "b-small": True}
    assert single["counterexample"]["scenario"] == "b-small" and single["counterexample"]["world"] == 2
    out = capsys.readouterr().out
    assert "coordination-single-run violated in b-small" in out
    for i in (1, 2):
        args = _run(str(scen), "--shard", f"{i}/2", report=tmp_path / f"s{i}", target="mutant:legacy", budget="40")
        assert cli(args) == 1
    assert cli(["report", "merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "merged")]) == 1
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    for inv, whole in zip(merged["invariants"], doc["invariants"]):
        ce, want = inv["counterexample"], whole["counterexample"]
        assert (ce and (ce["scenario"], ce["run"], ce["trace_sha256"])) == (want and (want["scenario"], want["run"], want["trace_sha256"]))


def test_counterexamples_print_smallest_first() -> None:
    from simharness.cli.run import _smallest_first

    invs = [
        {"id": "a", "counterexample": {"size": {"shrunk": 9}, "world": 2}},
        {"id": "b", "counterexample": {"size": {"shrunk": 3}, "world": 8}},
        {"id": "c", "counterexample": {"size": {"shrunk": 3}, "world": 2}},
    ]
    assert [i["id"] for i in sorted(invs, key=_smallest_first)] == ["c", "b", "a"]


# --- replay --trace marks the violating step ---------------------------------------------------------------


def test_replay_trace_marks_the_violating_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(_run(str(TAKEOVER), report=tmp_path, target="mutant:legacy", budget="30")) == 1
    schedule = next(iter(sorted((tmp_path / "schedules").glob("*coordination-single-run*.json"))))
    capsys.readouterr()
    assert cli(["replay", str(schedule), "--trace"]) == 1
    out = capsys.readouterr().out
    marked = [line for line in out.splitlines() if "◀ violates" in line]
    assert len(marked) == 1 and marked[0].startswith("✗"), out
    assert "VIOLATED coordination-single-run" in out
    assert cli(["replay", str(schedule), "--trace", "--target", "reference"]) == 0
    assert "◀" not in capsys.readouterr().out  # a replay that holds marks nothing


# --- report merge --strict-coverage -------------------------------------------------------------------------


def test_report_merge_strict_coverage_fails_an_unreached_expectation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "never.toml"  # expects a takeover it can never see: one session
    scen.write_text(TAKEOVER.read_text().replace("sessions = 2", "sessions = 1"))
    for i in (1, 2):
        assert cli(_run(str(scen), "--shard", f"{i}/2", report=tmp_path / f"s{i}", budget="4")) == 0
    shards = [str(tmp_path / "s1"), str(tmp_path / "s2")]
    assert cli(["report", "merge", *shards, "--out", str(tmp_path / "m1")]) == 0
    assert "warning:" in capsys.readouterr().out
    assert cli(["report", "merge", *shards, "--out", str(tmp_path / "m2"), "--strict-coverage"]) == 1
    assert "error:" in capsys.readouterr().out


def test_report_merge_strict_coverage_passes_a_covered_run(tmp_path: Path) -> None:
    for i in (1, 2):
        assert cli(_run(str(TAKEOVER), "--shard", f"{i}/2", report=tmp_path / f"s{i}", budget="30")) == 0
    shards = [str(tmp_path / "s1"), str(tmp_path / "s2")]
    assert cli(["report", "merge", *shards, "--out", str(tmp_path / "m"), "--strict-coverage"]) == 0


# --- bench --out -------------------------------------------------------------------------------------------


def test_bench_writes_outside_the_repository_by_default() -> None:
    from simharness.cli import build_parser

    out = build_parser().parse_args(["bench"]).out
    assert out == "simharness-bench" and not (ROOT / out).resolve().is_relative_to((ROOT / "reports").resolve())
    readme = (ROOT / "README.md").read_text()
    assert "writes reports/bench.json" not in readme and "simharness-bench/bench.json" in readme


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty scenario file"),
        ("# only a comment\n\n", "empty scenario file"),
        ("[world]\nsesions = 2\n", "did you mean 'sessions'?"),
        ("nmae = 'x'\n", "did you mean 'name'?"),
        ("[[writers]]\nkind = 'apend'\n", "did you mean 'append'?"),
        ("[providers.openai]\nfaults = {rate_limt = 0.2}\n", "did you mean 'rate_limit'?"),
        ("[expect]\nsometimes = ['takeover_detcted']\n", "did you mean 'takeover_detected'?"),
        ("[providers.openai]\nfaults = {rate_limit = 0.7, timeout = 0.6}\n", "they add up to 1.3"),
        ("[runtime]\nany = 0.5\nfaults = {lock_stale = 0.75}\n", "they sum to 1.25"),
    ],
)
def test_scenario_mistakes_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, says: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert cli(_run(str(bad), report=tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--target", "refrence"], "did you mean 'reference'?"),
        (["--target", "opnclaw@2026.9.1"], "did you mean 'openclaw@2026.9.1'?"),
        (["--target", "mutant:no-seen-sett"], "did you mean 'no-seen-set'?"),
        (["--strategy", "pc"], "did you mean 'pct'?"),
    ],
)
def test_misspelled_names_get_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    with pytest.raises(SystemExit) if argv[0] == "--strategy" else _no_exit() as done:
        code = cli(["run", str(TAKEOVER), *argv, "--budget", "1", "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert (done.value.code if done else code) == 2
    assert says in err and err.count("\n") == 1, err


def test_bisect_invariant_names_get_a_suggestion() -> None:
    from simharness.cli import with_suggestion

    line = "--invariant 'sucess-stops': unknown invariant (known: success-stops, terminates)"
    assert with_suggestion(line).endswith("; did you mean 'success-stops'?")
    assert with_suggestion("zzz: unknown mutant (known: legacy, idle-burn)") == "zzz: unknown mutant (known: legacy, idle-burn)"


class _no_exit:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize(
    "command",
    [
        ["run", str(TAKEOVER), "--report-dir"],
        ["report", "merge", "x", "--out"],
        ["bench", "--out"],
        ["matrix", "reference", "--report-dir"],
        ["bisect", "openclaw@2026.5.18..2026.5.20", "--report-dir"],
    ],
)
def test_an_empty_output_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        cli([*command, ""])
    assert done.value.code == 2 and "empty name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written into the current directory


# --- --seed random -----------------------------------------------------------------------------------------


def test_seed_random_is_chosen_printed_and_repeatable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(_run(str(TAKEOVER), "--seed", "random", report=tmp_path / "a")) == 0
    captured = capsys.readouterr()
    said = re.search(r"--seed random chose seed (\d+) \(repeat this run with --seed \1\)", captured.err)
    assert said, captured.err
    doc = json.loads((tmp_path / "a" / "report.json").read_text())
    assert doc["seed"] == int(said[1]) and f"seed {said[1]}," in captured.out
    assert cli(_run(str(TAKEOVER), "--seed", said[1], report=tmp_path / "b")) == 0
    again = json.loads((tmp_path / "b" / "report.json").read_text())
    assert {k: v for k, v in again.items() if k != "timing"} == {k: v for k, v in doc.items() if k != "timing"}


@pytest.mark.parametrize("command", ["schedules", "mutants", "matrix", "bisect"])
def test_every_seed_flag_takes_random(command: str) -> None:
    from simharness.cli import build_parser
    from simharness.cli.args import RandomSeed

    extra = {"schedules": ["x.toml", "--out", "o"], "bisect": ["x.json"], "matrix": ["reference"]}.get(command, [])
    args = build_parser().parse_args([command, *extra, "--seed", "random"])
    assert isinstance(args.seed, RandomSeed) and 0 <= args.seed < 1 << 63


def test_the_default_seed_says_it_repeats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(_run(str(TAKEOVER), report=tmp_path)) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "seed 0 (the default: the same schedules on every run; --seed random explores new ones)" in first


# --- target list -------------------------------------------------------------------------------------------


def test_table_columns_are_aligned() -> None:
    from simharness.cli.args import table_lines

    rows = [
        ("openclaw@2026.5.18", "installed", "light", "v22.23.5", "embedded-lock (no predicate)"),
        ("openclaw@2026.10.1", "broken", "full", "-", "runtime-coordination"),
    ]
    lines = table_lines(rows, ("target", "status", "install", "node", "profile"))
    starts = [[m.start() for m in re.finditer(r"(?<=  )\S", line)] for line in lines]
    assert starts[0] == starts[1] == starts[2], lines  # every text column starts where its header does
    numbers = table_lines([("a", 5, "1.5×"), ("bb", 120, "12.0×")], ("name", "runs", "speed"))
    assert numbers[1].endswith("    5   1.5×") and numbers[2].endswith("  120  12.0×"), numbers


# --- progress ----------------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_on_by_default_on_a_terminal_only_and_off_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert Progress(5, stream=_Terminal(), enabled=None).enabled
    assert not Progress(5, stream=io.StringIO(), enabled=None).enabled
    assert not Progress(5, stream=_Terminal(), enabled=False).enabled
    monkeypatch.setenv("CI", "true")
    assert not Progress(5, stream=_Terminal(), enabled=None).enabled
    assert Progress(5, stream=_Terminal(), enabled=True).enabled  # --progress asks for it even there


def test_run_defaults_to_auto_progress() -> None:
    from simharness.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run", "x"]).progress is None
    assert parser.parse_args(["run", "x", "--no-progress"]).progress is False
    assert parser.parse_args(["run", "x", "--progress"]).progress is True


def test_colour_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from simharness.report.progress import colour_enabled, paint

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert colour_enabled(_Terminal()) and not colour_enabled(io.StringIO())
    assert paint("ok", "\x1b[32m", _Terminal()) == "\x1b[32mok\x1b[0m"
    tty = _Terminal()
    _FakeRuns(Progress(3, stream=tty, interval=0)).run(violating=True)
    assert "\x1b[31m" in tty.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(_Terminal()) and paint("ok", "\x1b[32m", _Terminal()) == "ok"
    plain = _Terminal()
    _FakeRuns(Progress(3, stream=plain, interval=0)).run(violating=True)
    assert "\x1b[3" not in plain.getvalue() and "1/3 runs" in plain.getvalue()


class _FakeRuns:
    """Feeds a Progress fake run results on a fake clock."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def run(self, *, violating: bool = False) -> None:
        from types import SimpleNamespace

        violations = [SimpleNamespace(invariant="x")] if violating else []
        self.progress(SimpleNamespace(verdicts=SimpleNamespace(violations=violations), scenario=SimpleNamespace(name="s")))  # type: ignore[arg-type]


def _etas(run_seconds: list[float]) -> list[tuple[float, float | None]]:
    """(true seconds left, ETA shown) after every run, on a clock that advances by each run's cost."""
    now = [0.0]
    progress = Progress(len(run_seconds), stream=_Terminal(), interval=0.1, clock=lambda: now[0])
    shown = []
    for k, cost in enumerate(run_seconds):
        now[0] += cost
        _FakeRuns(progress).run()
        shown.append((sum(run_seconds[k + 1 :]), progress.eta(now[0])))
    return shown


def test_the_eta_forgets_a_slow_start() -> None:
    """A 30 s start (a bridge spawn, an import) then 10 ms runs: an average since the start would still say
    ~15 s left with 5 s to go; the estimate over recent runs says 5."""
    shown = _etas([30.0] + [0.01] * 2000)
    true_left, eta = shown[1500]
    assert true_left == pytest.approx(5.0, abs=0.02)
    assert eta is not None and eta == pytest.approx(true_left, rel=0.2), shown[1500]


def test_the_eta_counts_down_steadily_through_uneven_runs() -> None:
    import random

    rng = random.Random(4)
    costs = [rng.choice((0.002, 0.002, 0.002, 0.05)) for _ in range(3000)]  # every fourth run or so is slow
    shown = _etas(costs)
    later = [(left, eta) for left, eta in shown[300:-50] if eta is not None]
    assert len(later) == len(shown[300:-50])
    jumps = [b[1] - a[1] for a, b in itertools.pairwise(later)]
    assert max(jumps) < 0.25  # it may correct upwards, but never leaps
    assert all(abs(eta - left) <= 0.25 * left + 1.0 for left, eta in later)


# --- the CI example ----------------------------------------------------------------------------------------


def _ci_steps() -> list[str]:
    """The report job's steps of the sharded workflow in docs/ci.md, each as its YAML text (no YAML parser needed)."""
    text = (ROOT / "docs" / "ci.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "report merge" in b)
    job = block.split("\n  report:\n", 1)[1]
    return re.split(r"\n(?=      - )", job.split("    steps:\n", 1)[1])


def _merge_script() -> str:
    step = next(s for s in _ci_steps() if "name: merge" in s)
    body = step.split("run: |\n", 1)[1]
    return "\n".join(line[10:] for line in body.splitlines())


def test_the_ci_example_publishes_junit_whatever_happened() -> None:
    junit = [s for s in _ci_steps() if "junit" in s.split("\n")[0].lower()]
    assert junit and "\n        if: always()" in junit[0]
    paths = re.search(r"report_paths: (.*)", junit[0])
    assert paths and "report/junit.xml" in paths[1] and "simharness-shard-*/junit.xml" in paths[1]


@pytest.mark.parametrize("shards", [(1, 2), (1,)])
def test_the_ci_merge_step_writes_a_step_summary_even_with_a_shard_missing(tmp_path: Path, shards: tuple[int, ...]) -> None:
    script = _merge_script()
    assert "simharness report merge simharness-shard-* --out report" in script
    for i in shards:
        assert cli(_run(str(TAKEOVER), "--shard", f"{i}/2", report=tmp_path / f"simharness-shard-{i}", budget="6")) == 0
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    text = summary.read_text()
    if shards == (1, 2):
        assert done.returncode == 0, done.stderr
        assert text == (tmp_path / "report" / "summary.md").read_text()
    else:
        assert done.returncode == 2 and "shard 2/2 is missing" in done.stderr
        assert "no merged report (report merge exited 2)" in text
        assert "### simharness-shard-1" in text and (tmp_path / "simharness-shard-1" / "summary.md").read_text() in text
        assert "No such file" not in done.stderr


def test_more_workers_than_cpus_is_allowed_and_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """-j 99 on a 2-CPU machine ran 2.3x slower than -j 1 with nothing said (a reviewer's finding)."""
    from simharness.cli.args import jobs

    cpus = os.cpu_count() or 1
    assert jobs(str(cpus)) == cpus and capsys.readouterr().err == ""
    assert jobs(str(cpus + 1)) == cpus + 1
    (line,) = capsys.readouterr().err.splitlines()
    assert f"more workers than this machine's {cpus} CPUs" in line
