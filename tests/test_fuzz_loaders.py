"""Fuzzing the loaders: any input is either a valid object or one `ScenarioError`/`ScheduleError` line.

Never another exception, never a traceback, never a partial report — checked in-process with hypothesis
(text, bytes, structured and mutated documents) and through the CLI for a sample of bad inputs.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simharness.engine.runner import run_seed
from simharness.engine.schedule import Schedule, integrity, load_schedule, save_schedule
from simharness.model.errors import JSError
from simharness.model.exceptions import ScenarioError, ScheduleError
from simharness.model.scenario import Scenario, load_scenario, parse_scenario
from simharness.targets import PythonTarget, resolve_target

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FUZZ = settings(  # 150 examples each, more under the `nightly` profile
    max_examples=max(150, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

KEYS = {
    "": ["name", "description", "world", "providers", "writers", "wrapping", "expect"],
    "world": [
        "sessions",
        "files",
        "turns",
        "chain",
        "session_start_ms",
        "lock_timeout_ms",
        "stale_ms",
        "max_hold_ms",
        "retry_jitter_ms",
        "request_timeout_ms",
        "idle_timeout_ms",
        "horizon_ms",
        "max_steps",
    ],
    "provider": ["latency_ms", "faults", "retry_after_s"],
    "writer": ["name", "count", "kind", "delay_ms", "hold_ms", "writes", "lock_timeout_ms"],
    "wrapping": ["coordination", "provider"],
    "expect": ["sometimes"],
}

ALL_KEYS = sorted({k for keys in KEYS.values() for k in keys})

# Values of every TOML/JSON type, the edges first: negative, zero, huge, NaN, infinities, bools, dates.
scalars = st.one_of(
    st.integers(),
    st.sampled_from([-1, 0, 1, 2**31, 2**63, -(2**63), 10**40, 86_400_001]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["openai/gpt-a", "a/b", "rate_limit", "cycle", "append", "takeover_detected", "", "/", "../../etc/x"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12) | st.sampled_from(ALL_KEYS), inner, max_size=5),
    max_leaves=20,
)


def _table(section: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(KEYS[section]) | st.text(max_size=8), values, max_size=6)


scenario_docs = st.fixed_dictionaries(
    {},
    optional={
        "name": values,
        "description": values,
        "world": _table("world") | values,
        "providers": st.dictionaries(st.text(max_size=8), _table("provider") | values, max_size=3) | values,
        "writers": st.lists(_table("writer") | values, max_size=3) | values,
        "wrapping": _table("wrapping") | values,
        "expect": _table("expect") | values,
    },
)


def _valid_sources() -> list[dict[str, Any]]:
    import tomllib

    return [tomllib.loads(p.read_text()) for p in sorted(SCENARIOS.glob("*.toml"))]


def _mutate(doc: Any, path: list[Any], value: Any) -> Any:
    """`doc` with the node at `path` (indices into sorted keys / list positions, wrapped) replaced by `value`."""
    if not path or not isinstance(doc, (dict, list)) or not doc:
        return value
    if isinstance(doc, dict):
        keys = sorted(doc)
        key = keys[path[0] % len(keys)]
        return {**doc, key: _mutate(doc[key], path[1:], value)}
    i = path[0] % len(doc)
    return [*doc[:i], _mutate(doc[i], path[1:], value), *doc[i + 1 :]]


def _parse_or_error(data: Any) -> Scenario | None:
    try:
        return parse_scenario(data, "fuzz.toml")
    except ScenarioError as exc:
        line = str(exc)
        assert line.startswith("fuzz.toml: ") and "\n" not in line, line
        return None


# --- the scenario loader -----------------------------------------------------------------------------------


@FUZZ
@given(scenario_docs)
def test_any_scenario_document_is_a_scenario_or_one_line(data: dict[str, Any]) -> None:
    _parse_or_error(data)


@FUZZ
@given(st.sampled_from(_valid_sources()), st.lists(st.integers(0, 50), min_size=1, max_size=4), values)
def test_a_shipped_scenario_with_any_one_value_changed_is_a_scenario_or_one_line(source: Any, path: list[int], value: Any) -> None:
    scenario = _parse_or_error(_mutate(source, path, value))
    if scenario is not None:  # whatever validates must also run: validation is the only gate before the world
        assert run_seed(scenario, resolve_target("reference"), 0).trace.events


def _damaged_text(text: str) -> st.SearchStrategy[str]:
    """A shipped scenario truncated, with a slice deleted or duplicated, or with junk spliced in."""
    n = len(text)
    cut = st.integers(0, n)
    return st.one_of(
        cut.map(lambda i: text[:i]),
        st.tuples(cut, cut).map(lambda ij: text[: min(ij)] + text[max(ij) :]),
        st.tuples(cut, cut).map(lambda ij: text[: max(ij)] + text[min(ij) :]),
        st.tuples(cut, st.text(min_size=1, max_size=12)).map(lambda it: text[: it[0]] + it[1] + text[it[0] :]),
    )


@FUZZ
@given(st.text(max_size=400) | st.sampled_from([p.read_text() for p in sorted(SCENARIOS.glob("*.toml"))]).flatmap(_damaged_text))
def test_any_toml_text_is_a_scenario_or_one_line(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates make invalid UTF-8: also a case
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)


def test_deeply_nested_and_non_utf8_scenario_files_are_one_line(tmp_path: Path) -> None:
    cases = {
        "deep.toml": ("x = " + "[" * 20_000 + "]" * 20_000).encode(),
        "binary.toml": b"\xff\xfe\x00name = 'x'",
        "bigint.toml": ("[world]\nsessions = " + "9" * 5000).encode(),
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_bytes(body)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


# --- the schedule loader ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schedule_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("sched") / "s.json"
    scenario = load_scenario(SCENARIOS / "mixed-faults.toml")
    save_schedule(path, run_seed(scenario, resolve_target("reference"), 1), invariant=None)
    doc: dict[str, Any] = json.loads(path.read_text())
    assert isinstance(load_schedule(path), Schedule)
    return doc


def _load_text(tmp_path_factory: pytest.TempPathFactory, body: bytes) -> Schedule | None:
    path = tmp_path_factory.getbasetemp() / "fuzz-schedule.json"
    path.write_bytes(body)
    try:
        return load_schedule(path)
    except ScheduleError as exc:
        assert str(exc).startswith(f"{path}") and "\n" not in str(exc), str(exc)
        return None


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_any_bytes_are_a_schedule_or_one_line(tmp_path_factory: pytest.TempPathFactory, body: bytes) -> None:
    _load_text(tmp_path_factory, body)


def _json_safe(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


@FUZZ
@given(st.lists(st.integers(0, 60), min_size=1, max_size=5), values, st.booleans())
def test_a_schedule_with_any_one_value_changed_is_refused_or_loads(
    tmp_path_factory: pytest.TempPathFactory, schedule_doc: dict[str, Any], path: list[int], value: Any, resealed: bool
) -> None:
    doc = _mutate(schedule_doc, path, _json_safe(value))
    assume(isinstance(doc, dict))
    if resealed:  # a well-formed file of a *valid* integrity: the field-by-field validation is the gate
        doc["integrity"] = integrity(doc)
    loaded = _load_text(tmp_path_factory, json.dumps(doc).encode())
    if not resealed and doc != schedule_doc:
        assert loaded is None  # edited without resealing: the integrity hash refuses it
    if loaded is not None:
        assert run_seed(loaded.scenario, resolve_target("reference"), 0).trace.events


def test_every_truncation_of_a_schedule_is_refused(tmp_path: Path, schedule_doc: dict[str, Any]) -> None:
    body = (json.dumps(schedule_doc, indent=1) + "\n").encode()
    path = tmp_path / "t.json"
    step = max(1, len(body) // 300)
    tried = 0
    for cut in range(0, len(body) - 1, step):  # every prefix short of the whole file (the newline is optional)
        path.write_bytes(body[:cut])
        with pytest.raises(ScheduleError):
            load_schedule(path)
        tried += 1
    assert tried >= 100


# --- the CLI: one line on stderr, exit 2, no report -------------------------------------------------------

GOOD = (SCENARIOS / "takeover-race.toml").read_text()


def _bad_cases(tmp: Path, schedule_doc: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """(label, argv after `simharness`, what the one line must mention)."""

    def scenario(name: str, text: str) -> str:
        path = tmp / f"{name}.toml"
        path.write_text(text)
        return str(path)

    def schedule(name: str, doc: Any, raw: str | None = None) -> str:
        path = tmp / f"{name}.json"
        path.write_text(raw if raw is not None else json.dumps(doc))
        return str(path)

    other_version = {**schedule_doc, "schema": "simharness/schedule/v0"}
    tampered = {**schedule_doc, "choices": [{**c, "value": 1} for c in schedule_doc["choices"]]}
    py_target = {**schedule_doc, "target": "py:/tmp/evil.py:run"}
    py_target["integrity"] = integrity(py_target)
    truncated = json.dumps(schedule_doc)[: len(json.dumps(schedule_doc)) // 2]
    run = ["run", "--budget", "2"]
    return [
        ("malformed TOML", [*run, scenario("malformed", "name = ")], "not valid TOML"),
        ("unknown key", [*run, scenario("unknown", GOOD + "\n[world2]\nx = 1\n")], "world2: unknown key"),
        ("wrong type", [*run, scenario("type", GOOD.replace("sessions = 2", "sessions = 'two'"))], "world.sessions: expected an integer"),
        ("negative", [*run, scenario("negative", "[world]\nlock_timeout_ms = -5\n")], "world.lock_timeout_ms: expected an integer from 1"),
        ("huge", [*run, scenario("huge", "[world]\nhorizon_ms = 99999999999999\n")], "world.horizon_ms: expected an integer"),
        ("huge list", [*run, scenario("hugelist", "[world]\nsession_start_ms = [" + "1," * 100 + "1]\n")], "list of 1-64"),
        ("missing file", [*run, str(tmp / "nope.toml")], "no such file"),
        ("unknown target", [*run, str(SCENARIOS / "takeover-race.toml"), "--target", "bogus@1"], "unknown target"),
        ("missing driver file", [*run, str(SCENARIOS / "takeover-race.toml"), "--target", "py:/nonexistent.py:f"], "no such file"),
        ("bad budget", ["run", "--budget", "-3", str(SCENARIOS)], "--budget"),
        ("bad shard", ["run", "--shard", "3/2", str(SCENARIOS)], "--shard"),
        ("other schema", ["replay", schedule("other", other_version)], "schema: expected 'simharness/schedule/v1'"),
        ("truncated schedule", ["replay", schedule("truncated", None, truncated)], "truncated?"),
        ("tampered schedule", ["replay", schedule("tampered", tampered)], "integrity"),
        ("py: target from a schedule", ["replay", schedule("pytarget", py_target)], "loads code"),
        ("missing schedule", ["replay", str(tmp / "nope.json")], "no such file"),
    ]


def test_bad_input_through_the_cli_is_one_line_exit_2_and_no_report(tmp_path: Path, schedule_doc: dict[str, Any]) -> None:
    cases = _bad_cases(tmp_path, schedule_doc)
    script = (
        "import sys, json, io, contextlib\nfrom simharness.cli import main\nout = []\n"
        "for argv in json.loads(sys.argv[1]):\n"
        "    err = io.StringIO(); std = io.StringIO()\n"
        "    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):\n"
        "        try:\n            code = main(argv)\n        except SystemExit as e:\n            code = e.code\n"
        "    out.append([code, err.getvalue(), std.getvalue()])\n"
        "print(json.dumps(out))\n"
    )
    report_dir = tmp_path / "report"
    argvs = [[*argv, "--report-dir", str(report_dir)] if argv[0] == "run" else argv for _, argv, _ in cases]
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(argvs)], capture_output=True, text=True, timeout=300, check=True)
    results = json.loads(proc.stdout)
    for (label, _, needle), (code, err, std) in zip(cases, results, strict=True):
        assert code == 2, (label, code, err)
        assert err.count("\n") == 1 and err.startswith("simharness: error: "), (label, err)
        assert "Traceback" not in err and needle in err, (label, err)
        assert std == "", (label, std)
    assert not (report_dir / "report.json").exists()  # nothing written for bad input
    for _, argv, needle in (cases[0], cases[-2]):  # and the real entry point, for a sample
        real = subprocess.run([sys.executable, "-m", "simharness", *argv], capture_output=True, text=True, timeout=120, check=False)
        assert real.returncode == 2 and real.stderr.count("\n") == 1 and needle in real.stderr and real.stdout == ""


@pytest.mark.parametrize("name", ["../../etc/x", "/etc/passwd", "..", "a/../../b", "C:\\x\\..\\y", "\x00x", "con"])
def test_scenario_names_cannot_steer_files_out_of_the_report_dir(tmp_path: Path, name: str) -> None:
    from simharness.explore.suite import run_suite
    from simharness.report.safe_text import safe_name
    from simharness.report.write import write_reports

    scenario = parse_scenario(
        {"name": name, "swarm": False, "world": {"chain": ["a/x"], "max_steps": 300}, "providers": {"a": {"faults": {"auth": 1.0}}}},
        "n.toml",
    )
    out = tmp_path / "deep" / "out"

    def retries_forever(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        while True:  # a `terminates` violation every run, so a schedule named after the scenario is written
            try:
                return (yield from run(*candidates[0]))
            except JSError:
                continue

    suite = run_suite([scenario], PythonTarget("py:retry", retries_forever), seed=0, budget=2, shrink=None)
    assert not suite.ok
    write_reports(suite, out)
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(out.resolve() in p.parents for p in written)
    assert "/" not in safe_name(name) and "\\" not in safe_name(name) and not safe_name(name).startswith(".")


# --- every read is bounded by the bytes actually read -------------------------------------------------------


def _limited(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI with its address space capped at 1 GiB: a loader that trusts `st_size` (0 for /dev/zero) and reads
    to the end dies of MemoryError (before: 8-15 GB and a traceback) instead of taking the machine with it."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "simharness", *argv], cwd=cwd, capture_output=True, text=True, timeout=120, preexec_fn=cap, check=False
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_inputs_are_refused_in_one_line_by_every_loader(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").symlink_to("/dev/zero")
    (tmp_path / "schedule.json").symlink_to("/dev/zero")
    (tmp_path / "shard").mkdir()
    (tmp_path / "shard" / "report.json").symlink_to("/dev/zero")
    cases = {
        "replay /dev/zero": (["replay", "/dev/zero"], "not a schedule (larger than 64 MiB)"),
        "replay a symlink": (["replay", "schedule.json"], "not a schedule (larger than 64 MiB)"),
        "run a symlink": (["run", "scenario.toml", "--report-dir", "out"], "not a scenario (larger than 4 MiB)"),
        "schedules a symlink": (["schedules", "scenario.toml", "--out", "out"], "not a scenario (larger than 4 MiB)"),
        "merge a symlink": (["report", "merge", "shard", "shard", "--out", "out"], "not a report (larger than 64 MiB)"),
    }
    for label, (argv, needle) in cases.items():
        done = _limited(argv, tmp_path)
        assert done.returncode == 2, (label, done.returncode, done.stderr[-500:])
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("simharness: error: ") and needle in done.stderr, (
            label,
            done.stderr,
        )
    assert not (tmp_path / "out").exists()


def test_a_bounded_read_reads_at_most_one_byte_past_its_limit(tmp_path: Path) -> None:
    import os
    import threading

    from simharness.model.exceptions import InputTooLarge
    from simharness.model.io import read_bounded

    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    written = []

    def feed() -> None:  # an endless writer: stops only when the reader closes the pipe
        try:
            with open(fifo, "wb", buffering=0) as pipe:
                while True:
                    pipe.write(b"x" * 4096)
                    written.append(4096)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(InputTooLarge, match="larger than 10,000 bytes"):
        read_bounded(fifo, 10_000, "scenario")
    writer.join(timeout=30)
    assert not writer.is_alive()
    (tmp_path / "small").write_bytes(b"y" * 10_000)
    assert read_bounded(tmp_path / "small", 10_000) == b"y" * 10_000  # exactly the limit is fine
