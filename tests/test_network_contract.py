"""`failover-advances` (issue 15, false green 3): Node network codes and bodiless HTTP 400/422.

The contract comes from the hand probes in probes/network/ (results/ holds what 2026.5.18, 5.20, 6.35, 7.35,
8.2 and 9.6 did, alike) and openclaw's own tests ("falls back on ECONNREFUSED ..."): a network code falls back
and ends an exhausted chain as a timeout failover; a bodiless 400/422 falls back while candidates remain and
is rethrown as it is on the last. These tests pin the checker on hand-written traces, the recorded probe
results, the reference and the ports holding it on scenarios/vocabulary.toml, and the four mutants it kills.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from simharness.check.judge import check
from simharness.check.verdicts import Verdicts
from simharness.drivers.mutants import MUTANTS
from simharness.explore.suite import run_suite
from simharness.model.kinds import INVARIANTS
from simharness.model.kinds import EventKind as K
from simharness.model.scenario import collect_scenarios
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.trace import Trace
from simharness.targets import resolve_target

INVARIANT = "failover-advances"
A, B, C = "openai/gpt-a", "anthropic/claude-b", "google/gemini-c"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "probes" / "network" / "results"

FAILURES: dict[str, dict[str, Any]] = {
    "network": {"category": "timeout", "root": "network", "coord": [], "shape": "Error", "message": "connect ECONNREFUSED 203.0.113.7:443"},
    "no_body": {"category": "unknown", "root": "no_body", "coord": [], "shape": "APIError", "message": "422 No response body"},
    "timeout": {
        "category": "timeout",
        "root": "timeout",
        "coord": [],
        "shape": "TimeoutError",
        "message": "Request timed out after 30000ms",
    },
    "rate_limit": {"category": "explicit", "root": "rate_limit", "coord": [], "shape": "RateLimitError", "message": "429"},
}


class Call:
    """One driver call written the way the world records it."""

    def __init__(self, chain: tuple[str, ...] = (A, B, C)) -> None:
        self.trace = Trace()
        self.t = 0
        self.errs = 0
        self._add(K.CALL_START, chain=list(chain))

    def _add(self, kind: str, **data: Any) -> Call:
        self.t += 1
        self.trace.add(self.t, "session-1", kind, call=1, **data)
        return self

    def run(self, candidate: str) -> Call:
        return self._add(K.RUN_START, candidate=candidate)

    def fails(self, kind: str, depth: int = 0) -> Call:
        self.errs += 1
        return self._add(K.RUN_RAISE, err=self.errs, depth=depth, **FAILURES[kind])

    def ok(self) -> Call:
        return self._add(K.RUN_OK, value="hi")

    def on_error(self, candidate: str) -> Call:
        return self._add(K.ON_ERROR, candidate=candidate, err=self.errs)

    def skip(self, candidate: str) -> Call:
        return self._add(K.CANDIDATE_SKIP, candidate=candidate, reason="rate_limit", message="in cooldown")

    def returns(self) -> Call:
        return self._add(K.CALL_RETURN, value="hi")

    def rethrows(self) -> Call:
        last = self.trace.of_kind(K.RUN_RAISE)[-1].data
        return self._add(K.CALL_RAISE, err=last["err"], name="Error", message=last["message"])

    def throws(self, message: str, name: str = "FailoverError") -> Call:
        return self._add(K.CALL_RAISE, err=None, name=name, message=message)


def judged(call: Call) -> Verdicts:
    return check(call.trace, ALL_KINDS_PROFILE)


def said(v: Verdicts) -> list[str]:
    return [x.message for x in v.violations if x.invariant == INVARIANT]


def test_the_invariant_is_registered_with_a_stable_id() -> None:
    assert INVARIANT in INVARIANTS


@pytest.mark.parametrize("kind", ["network", "no_body", "timeout"])
def test_stopping_with_candidates_left_is_a_violation(kind: str) -> None:
    v = judged(Call().run(A).fails(kind).rethrows())
    assert said(v) == [f"call 1: {FAILURES[kind]['shape']} from {A} ended the call; {B} never ran"]


@pytest.mark.parametrize("kind", ["network", "no_body", "timeout"])
def test_skipping_the_next_candidate_is_a_violation(kind: str) -> None:
    v = judged(Call().run(A).fails(kind).on_error(A).run(C).ok().returns())
    assert said(v) == [f"call 1: after {FAILURES[kind]['shape']} from {A} the driver ran {C}, not {B}"]


@pytest.mark.parametrize("kind", ["network", "no_body", "timeout"])
def test_a_candidate_skipped_with_a_record_is_passed_over(kind: str) -> None:
    # [auth] worlds: B skipped (cooling down) after A's failure; C is the next candidate (a Node target's skips reach
    # the trace after its runs, so the position counts, not the order)
    assert said(judged(Call().run(A).fails(kind).on_error(A).skip(B).run(C).ok().returns())) == []
    assert said(judged(Call().run(A).fails(kind).on_error(A).run(C).ok().skip(B).returns())) == []
    v = judged(Call().run(A).fails(kind).on_error(A).skip(B).returns())
    assert said(v) == [f"call 1: {FAILURES[kind]['shape']} from {A} ended the call; {C} never ran"]


@pytest.mark.parametrize("kind", ["network", "no_body", "timeout"])
def test_falling_back_holds(kind: str) -> None:
    v = judged(Call().run(A).fails(kind).on_error(A).run(B).ok().returns())
    assert said(v) == [] and v.checked[INVARIANT] == 1


def test_a_network_code_on_the_last_candidate_must_not_reach_the_caller_raw() -> None:
    v = judged(Call((A,)).run(A).fails("network").rethrows())
    assert said(v) == [f"call 1: Error from {A} on the last candidate reached the caller raw, not as a timeout failover"]
    held = judged(Call((A,)).run(A).fails("network").on_error(A).throws("connect ECONNREFUSED 203.0.113.7:443"))
    assert said(held) == [] and held.checked[INVARIANT] == 1


def test_a_timeout_on_the_last_candidate_is_left_to_summary_honest() -> None:
    """A one-candidate world that only hangs must exercise no contract invariant (test_no_vacuous_pass)."""
    v = judged(Call((A, B)).run(A).fails("timeout").on_error(A).run(B).fails("timeout").rethrows())
    assert said(v) == [] and v.checked[INVARIANT] == 1  # the fallback from A only


def test_an_exhausted_chain_of_network_codes_ends_in_a_summary() -> None:
    call = Call((A, B)).run(A).fails("network").on_error(A).run(B).fails("network").on_error(B)
    summary = (
        f"All models failed (2): {A}: connect ECONNREFUSED 203.0.113.7:443 (timeout) | {B}: connect ECONNREFUSED 203.0.113.7:443 (timeout)"
    )
    assert said(judged(call.throws(summary, name="FallbackSummaryError"))) == []
    raw = Call((A, B)).run(A).fails("network").on_error(A).run(B).fails("network").rethrows()
    assert len(said(judged(raw))) == 1


def test_a_bodiless_error_on_the_last_candidate_may_be_rethrown_or_summarized() -> None:
    # every release rethrows it as it is, but that is openclaw's choice, not a promise: a driver that reports the
    # attempt in its own error breaks nothing here (summary-honest judges that error)
    assert said(judged(Call((A,)).run(A).fails("no_body").rethrows())) == []
    assert said(judged(Call((A,)).run(A).fails("no_body").on_error(A).throws("422 No response body"))) == []


def test_behind_a_wrapper_only_the_fallback_is_judged() -> None:
    """A wrapped root on the last candidate: how a classifier reads the wrapper is not this invariant's call."""
    v = judged(Call((A,)).run(A).fails("network", depth=1).rethrows())
    assert said(v) == [] and v.checked[INVARIANT] == 0


def test_other_failures_are_not_judged_here() -> None:
    v = judged(Call().run(A).fails("rate_limit").rethrows())
    assert v.checked[INVARIANT] == 0


def test_a_failure_after_the_attempt_that_ended_the_call_is_not_judged() -> None:
    """A stop (a success here) ends what this invariant decides: the attempts before it only."""
    v = judged(Call().run(A).ok().run(B).fails("network").returns())
    assert v.checked[INVARIANT] == 0


# --- the evidence: what the real releases did (probes/network/results, written by probes/network/run.sh) --------

RELEASES = ("2026.5.18", "2026.5.20", "2026.6.35", "2026.7.35", "2026.8.2", "2026.9.6")
NETWORK = ("ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH")
BODILESS = ("400 status code (no body)", "422 No response body", "HTTP 422: No response body (openclaw test)")
TIMEOUTS = (
    "TimeoutError: Request timed out after 60000ms",
    "LLM idle timeout (120s)",
    "request timeout behind a cause",
    "request timeout 25 causes deep (generic wrappers)",
)


def _plays(version: str) -> dict[str, dict[str, str]]:
    """{error: {first|all|last: the line}} from one release's recorded probe output."""
    out: dict[str, dict[str, str]] = {}
    current = ""
    for line in (RESULTS / f"{version}.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^  (first|all|last):\s+(.*)$", line)
        if m is None:
            current = line
            out[current] = {}
        else:
            out[current][m.group(1)] = m.group(2)
    return out


@pytest.mark.parametrize("version", RELEASES)
def test_every_probed_release_keeps_the_contract(version: str) -> None:
    plays = _plays(version)
    for code in NETWORK + TIMEOUTS:
        p = plays[code]
        assert p["first"] == 'runs=2 onError=1 returned "ok"', (version, code)
        assert re.match(
            r"runs=3 onError=3 threw \w+(\(reason=timeout\))?: All models failed \(3\).* reasons=timeout,timeout,timeout$", p["all"]
        )
        assert p["last"].startswith("runs=1 onError=1 threw FailoverError(reason=timeout)") and "[raw" not in p["last"], (version, code)
    for shape in BODILESS:
        p = plays[shape]
        assert p["first"] == 'runs=2 onError=1 returned "ok"', (version, shape)
        assert p["all"].startswith("runs=3 onError=2 threw") and p["all"].endswith("[raw: the very error run threw]"), (version, shape)
        assert p["last"].startswith("runs=1 onError=0 threw") and p["last"].endswith("[raw: the very error run threw]"), (version, shape)


# --- the world: the reference and the ports hold it, the mutants do not ----------------------------------------

BUDGET = 60


@pytest.mark.parametrize(
    "target",
    [
        "reference",
        "py:simharness/drivers/openclaw_2026_5_20.py:run_with_model_fallback",
        "py:simharness/drivers/openclaw_2026_5_18.py:run_with_model_fallback",
    ],
)
def test_the_reference_and_the_ports_hold_it_on_the_vocabulary(target: str, scenarios_dir: Path) -> None:
    scenario = collect_scenarios([scenarios_dir / "vocabulary.toml"])[0]
    spec = target if not target.startswith("py:") else f"py:{ROOT / target[3:]}"
    suite = run_suite([scenario], resolve_target(spec), seed=0, budget=BUDGET)
    totals = suite.invariants[INVARIANT]
    assert totals.checked > 0 and totals.violated == 0, (totals.checked, totals.violated)
    assert suite.ok, {k: t.violated for k, t in suite.invariants.items() if t.violated}


@pytest.mark.parametrize("name", ["stop-on-network", "stop-on-bodiless", "network-unclassified", "stop-on-timeout"])
def test_each_network_mutant_is_killed_by_this_invariant_alone(name: str, scenarios_dir: Path) -> None:
    """The gap was real: before this invariant no other verdict caught them (summary-honest accepts a raw last error)."""
    scenario = collect_scenarios([scenarios_dir / f"{MUTANTS[name].scenario}.toml"])[0]
    suite = run_suite([scenario], resolve_target(f"mutant:{name}"), seed=0, budget=BUDGET)
    assert {k for k, t in suite.invariants.items() if t.violated} == {INVARIANT}
