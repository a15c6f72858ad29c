"""`terminal-stops` judges what a terminal error hands the caller, per kind, as the real releases do (issue 15).

Three layers:
- the checker on hand-written traces: the very object, the driver's own error carrying it, a copy, a made-up
  error, a swallowed error, an onError report;
- the rule against the evidence: probes/terminal/results (29 releases, three chain positions) must agree with
  `CALLER_GETS` and with "never onError", and the probe run now on an installed release must still say so;
- the mutants that broke only this promise are killed on vocabulary.toml, each by the departure it makes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_release

from simharness.check.invariants.terminal_stops import CALLER_GETS, INVARIANT
from simharness.check.judge import check
from simharness.explore.suite import run_suite
from simharness.model.kinds import EventKind as K
from simharness.model.scenario import collect_scenarios
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.trace import Trace
from simharness.targets import install as I
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "probes" / "terminal" / "results"
A, B, C = "openai/gpt-a", "anthropic/claude-b", "google/gemini-c"

#: run.raise fields of each terminal kind, as the world records them (uid 2: attempt 2's error).
TERMINAL: dict[str, dict[str, Any]] = {
    "abort": {"shape": "AbortError", "message": "aborted"},
    "command_lane_timeout": {"shape": "CommandLaneTaskTimeoutError", "message": 'Command lane "main" task timed out after 60000ms'},
    "context_overflow": {"shape": "APIError", "message": "context length exceeded"},
    "overflow_cause": {"shape": "Error --cause--> APIError", "message": "LLM request failed"},
    "missing_harness": {"shape": "MissingAgentHarnessError", "message": 'Requested agent harness "codex" is not registered.'},
}


def story(root: str, *, report: bool = False, later: bool = False) -> Trace:
    """A 429 on A (reported), then the terminal error `root` on B (uid 2); the call's end is added by the test."""
    t = Trace()
    t.add(0, "s", K.CALL_START, call=1, chain=[A, B, C])
    t.add(0, "s", K.RUN_START, call=1, candidate=A)
    t.add(
        5, "s", K.RUN_RAISE, call=1, err=1, category="explicit", root="rate_limit", depth=0, coord=[], shape="RateLimitError", message="429"
    )
    t.add(5, "s", K.ON_ERROR, call=1, candidate=A, err=1)
    t.add(5, "s", K.RUN_START, call=1, candidate=B)
    fields = TERMINAL[root]
    t.add(9, "s", K.RUN_RAISE, call=1, err=2, category="terminal", root=root, depth=0, coord=[], **fields)
    if report:
        t.add(9, "s", K.ON_ERROR, call=1, candidate=B, err=2)
    if later:
        t.add(9, "s", K.RUN_START, call=1, candidate=C)
        t.add(12, "s", K.RUN_OK, call=1, value="hi")
    return t


def said(t: Trace) -> list[str]:
    v = check(t, ALL_KINDS_PROFILE)
    assert v.checked[INVARIANT] == 1
    return [x.message for x in v.violations if x.invariant == INVARIANT]


def raised(t: Trace, *, err: int | None, name: str, message: str, wraps: int | None = None) -> Trace:
    t.add(9, "s", K.CALL_RAISE, call=1, err=err, name=name, message=message, **({} if wraps is None else {"wraps": wraps}))
    return t


# --- the checker ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("root", ["abort", "command_lane_timeout", "context_overflow", "overflow_cause"])
def test_the_very_same_error_holds_for_every_kind(root: str) -> None:
    assert said(raised(story(root), err=2, name="X", message=TERMINAL[root]["message"])) == []


@pytest.mark.parametrize("root", ["abort", "command_lane_timeout"])
def test_a_user_abort_or_a_lane_timeout_must_be_the_object_itself(root: str) -> None:
    shape, message = TERMINAL[root]["shape"], TERMINAL[root]["message"]
    copy = said(raised(story(root), err=None, name=shape, message=message))  # a copy: same name and message
    assert copy == [f"call 1: {shape} from {B} was not rethrown as it is; the caller got {shape}: {message!r}"]
    wrapped = said(raised(story(root), err=None, name="FailoverError", message=message, wraps=2))  # carrying it: still not it
    assert wrapped and "was not rethrown as it is" in wrapped[0]


@pytest.mark.parametrize("root", ["context_overflow", "overflow_cause"])
def test_a_context_overflow_may_come_back_inside_the_drivers_own_error(root: str) -> None:
    message = TERMINAL[root]["message"]
    assert (
        said(raised(story(root), err=None, name="FailoverError", message=message, wraps=2)) == []
    )  # 7.1+, and every release's overflow_cause
    copy = said(raised(story(root), err=None, name="FailoverError", message=message))  # carries nothing
    assert copy and "was neither rethrown nor carried by the driver's error" in copy[0]
    inner = said(raised(story(root), err=None, name="Error", message=message, wraps=1))  # carries another error of the world
    assert inner and "neither rethrown nor carried" in inner[0]
    other = said(raised(story(root), err=1, name="APIError", message="429"))  # an earlier attempt's error
    assert other and "neither rethrown nor carried" in other[0]


def test_the_terminal_error_must_not_reach_onerror() -> None:
    assert said(raised(story("abort", report=True), err=2, name="AbortError", message="aborted")) == [
        f"call 1: onError was called for AbortError from {B}, which ended the call"
    ]


def test_a_swallowed_terminal_error_and_a_later_run() -> None:
    t = story("command_lane_timeout")
    t.add(9, "s", K.CALL_RETURN, call=1, value="made up", fabricated=True)
    assert said(t) == [f"call 1: CommandLaneTaskTimeoutError from {B} was swallowed (the call returned)"]
    t = story("context_overflow", later=True, report=True)
    t.add(12, "s", K.CALL_RETURN, call=1, value="hi")
    assert said(t) == [f"call 1: APIError from {B} did not end the call: {C} ran next"]  # the first departure only


def test_a_missing_harness_past_the_stop_is_harness_fails_closed_s_verdict() -> None:
    t = raised(story("missing_harness", report=True), err=None, name="Error", message="copy")
    v = check(t, ALL_KINDS_PROFILE)
    assert INVARIANT not in {x.invariant for x in v.violations} and "harness-fails-closed" in {x.invariant for x in v.violations}


# --- the rule against the evidence ---------------------------------------------------------------------------

#: probe kind -> the root kind the world records for that shape (probes/terminal/terminal.mjs builds the world's).
PROBED = {
    "user_abort": "abort",
    "command_lane_timeout": "command_lane_timeout",
    "context_overflow": "context_overflow",
    "overflow_cause": "overflow_cause",
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def _agrees(row: dict[str, Any]) -> str | None:
    """What in one probe row contradicts the checker's rule for its kind (None: it agrees)."""
    position = {"first": 1, "second": 2, "last": 3}[row["position"]]
    if row["runs"] != position or row["outcome"] != "threw":
        return f"did not stop at attempt {position}: {row['runs']} runs, {row['outcome']}"
    if row["onErrorTerminal"] or row["onError"] != position - 1:
        return f"onError {row['onError']} times, terminal at {row['onErrorTerminal']}"
    rule = CALLER_GETS.get(PROBED.get(row["kind"], ""), "carried")
    if row["same"] or (rule == "carried" and row["chain"] is not None):
        return None
    return f"caller got {row['name']} (terminal at {row['chain']}), rule {rule}"


def test_the_recorded_probes_of_every_release_agree_with_the_rule() -> None:
    files = sorted(RESULTS.glob("*.jsonl"))
    assert len(files) >= 6, "probes/terminal/run.sh has not been run"
    checked = 0
    for path in files:
        for row in _rows(path):
            if row["kind"] in PROBED or row["kind"] == "missing_harness":
                assert _agrees(row) is None, f"{path.stem} {row['kind']} {row['position']}: {_agrees(row)}"
                checked += 1
    assert checked >= 6 * 5 * 3


def test_the_rule_is_as_strict_as_every_release_allows() -> None:
    """`same` where no release ever carried the error in its own; `carried` only where one did."""
    carried_somewhere = {
        PROBED[r["kind"]] for path in RESULTS.glob("*.jsonl") for r in _rows(path) if r["kind"] in PROBED and not r["same"] and r["chain"]
    }
    assert carried_somewhere == {root for root, rule in CALLER_GETS.items() if rule == "carried"}


@pytest.mark.parametrize("version", ["2026.5.20", "2026.9.6"])
def test_the_probe_still_says_so_on_an_installed_release(version: str) -> None:
    done = I.installed(version)
    if done is None:
        pytest.skip(missing_release(f"openclaw@{version}"))
    probe = ROOT / "probes" / "terminal" / "terminal.mjs"
    out = subprocess.run(
        [done.node.path, "--no-warnings", str(probe), str(done.package), "--json"], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert rows and all(r["version"] == version for r in rows)
    recorded = {(r["kind"], r["position"]): r for r in _rows(RESULTS / f"{version}.jsonl")}
    for row in rows:
        if row["kind"] in PROBED or row["kind"] == "missing_harness":
            assert _agrees(row) is None, f"{row['kind']} {row['position']}: {_agrees(row)}"
            assert {k: row[k] for k in ("runs", "same", "name", "chain")} == {
                k: recorded[row["kind"], row["position"]][k] for k in ("runs", "same", "name", "chain")
            }


# --- the mutants ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutant", "departure"),
    [
        ("terminal-copy", "was not rethrown as it is"),
        ("terminal-onerror", "onError was called for"),
        ("terminal-overflow-uncaused", "was neither rethrown nor carried by the driver's error"),
    ],
)
def test_each_terminal_mutant_dies_of_its_own_departure(mutant: str, departure: str, scenarios_dir: Path) -> None:
    scenario = collect_scenarios([scenarios_dir / "vocabulary.toml"])[0]
    suite = run_suite([scenario], resolve_target(f"mutant:{mutant}"), seed=0, budget=150)
    found = suite.invariants[INVARIANT].counterexample
    assert found is not None, f"{mutant} survived"
    assert any(departure in x.message for x in found.verdicts.violations if x.invariant == INVARIANT)
    # the false green this closes: before issue 15's rule, nothing else saw these departures
    assert {name for name, t in suite.invariants.items() if t.violated} == {INVARIANT}
