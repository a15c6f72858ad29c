"""`summary-honest` judges the reason of every summary entry for openclaw's whole vocabulary (issue 15, false green 2).

The oracle's table (`check.oracle.ACCEPTED_REASONS`) states a reason set for every shape the world builds, or says
why not (`UNJUDGED_REASONS`); it is pinned to what every probed release's own code says (probes/reason/results.json,
from `python probes/reason/run_all.py --write`): each release names a reason in the set, except the findings listed
here. The reference names one of each set; the reason mutants, which decide exactly as the reference does, are
caught by `summary-honest` alone.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import require_release

from simharness.check.invariants.summary_honest import INVARIANT
from simharness.check.judge import check
from simharness.check.oracle import ACCEPTED_REASONS, UNJUDGED_REASONS, accepted_reasons, expected_reason, reason_truth, root_kind
from simharness.drivers import mutants_reason
from simharness.explore.suite import run_suite
from simharness.faults.provider import provider_error
from simharness.faults.swarm import Swarm
from simharness.faults.vocabulary import VocabularyFaults
from simharness.model import errors as E
from simharness.model import vocabulary as V
from simharness.model.choice import RandomChoices
from simharness.model.kinds import PROVIDER_FAULTS, SHAPE_FAILURES, VOCABULARY_FAULTS, EventKind
from simharness.model.scenario import collect_scenarios, parse_scenario
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.trace import Trace
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
CHAIN = (("openai", "gpt-a"), ("anthropic", "claude-b"), ("google", "gemini-c"))

#: What releases say that the table does not accept: findings (README, Findings), each with its first and last
#: release among those probed. Not a list to grow to make a release green: a new entry needs a probe and a finding.
FINDINGS = {
    # an axios-style `response.status` is never read (probes/fidelity/hidden_status.mjs; a 429 and a 401 there are
    # still named by their message)
    ("shaped:billing:response", "unknown"): ("2026.5.18", "2026.9.6"),
    ("shaped:internal:response", "unknown"): ("2026.5.18", "2026.9.6"),
    ("shaped:overloaded:response", "unknown"): ("2026.5.18", "2026.9.6"),
    ("shaped:unavailable:response", "unknown"): ("2026.5.18", "2026.9.6"),
    # Anthropic's 401 text "invalid x-api-key" (here in openclaw's own friendly rendering) is unclassified
    ("shaped:auth:friendly", "unknown"): ("2026.5.18", "2026.9.6"),
    # Google's plain `{error: {code: 401, status: "UNAUTHENTICATED"}}` (probes/shapes.mjs)
    ("shaped:auth:plain", "unknown"): ("2026.5.18", "2026.6.6"),
}


def _run_all() -> Any:
    spec = importlib.util.spec_from_file_location("reason_run_all", ROOT / "probes" / "reason" / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the table: every shape stated, judged or not, never silently absent -------------------------------------------


def _vocabulary_errors() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for seed in range(40):
        faults = VocabularyFaults(parse_scenario({}), Swarm(), RandomChoices(seed))
        for fault in VOCABULARY_FAULTS:
            err, _ = faults.build(fault, CHAIN, *CHAIN[seed % 3], 60_000)
            out.append((fault, err))
    for failure in SHAPE_FAILURES:
        for form in V.forms_of(failure):
            err = V.shaped(failure, form)
            err.truth = {"failure": failure, "form": form}
            out.append(("shaped", err))
    return out


def _truth_of(fault: str, err: Any) -> str:
    return reason_truth(root_kind(err), err.message, err.truth or {"fault": fault})


def test_every_shape_the_world_builds_has_a_stated_reason_or_a_stated_reason_not_to_judge() -> None:
    built = _vocabulary_errors()
    for fault in PROVIDER_FAULTS:
        if fault not in ("success", "hang", "timeout", "explicit_nested_coordination"):  # the world builds those itself
            built.append((fault, provider_error(fault, None, "/s/lock")))
    built += [("timeout", E.request_timeout(60_000)), ("hang", E.idle_timeout(120_000))]
    assert not set(ACCEPTED_REASONS) & set(UNJUDGED_REASONS)
    stated = set(ACCEPTED_REASONS) | set(UNJUDGED_REASONS)
    missing = {(fault, _truth_of(fault, err)) for fault, err in built if _truth_of(fault, err) not in stated}
    assert missing == set()
    # every message-only text and every shaped failure is judged, not waved through as `message:*`
    judged = {_truth_of(fault, err) for fault, err in built if fault in ("message_only", "shaped", "network", "no_body", "failover_thrown")}
    assert judged <= set(ACCEPTED_REASONS), judged - set(ACCEPTED_REASONS)
    assert {f"message:{m}" for m in V.MESSAGES} <= set(ACCEPTED_REASONS)


def test_a_ground_truth_driver_reads_one_accepted_reason_from_the_error_the_world_built() -> None:
    faults = VocabularyFaults(parse_scenario({}), Swarm(), RandomChoices(3))
    err, truth = faults.build("shaped", CHAIN, *CHAIN[0], 60_000)
    assert err.truth == {"failure": truth["failure"], "form": truth["form"]}
    accepted = accepted_reasons("shaped", err.message, truth)
    assert accepted is not None and expected_reason(err) in accepted
    assert expected_reason(V.network_error("ENOTFOUND")) == "timeout"
    assert expected_reason(V.no_body(422)) == "unknown"
    assert expected_reason(V.user_abort()) == "unknown"  # unjudged: a user abort is never a summary entry


def test_the_table_holds_what_every_probed_release_says_but_the_findings() -> None:
    results = json.loads((ROOT / "probes" / "reason" / "results.json").read_text())
    run_all = _run_all()
    versions = sorted(results, key=run_all.version_key)
    assert versions[0] == "2026.5.18" and versions[-1] == "2026.9.6" and len(versions) >= 11
    departures: dict[tuple[str, str], list[str]] = {}
    for version in versions:
        for case, reason in results[version].items():
            accepted = ACCEPTED_REASONS.get(run_all.truth_key(case))
            assert accepted is not None, case  # every probed case is a judged row
            if reason not in accepted:
                departures.setdefault((case, reason), []).append(version)
    assert {k: (v[0], v[-1]) for k, v in departures.items()} == FINDINGS
    # where the table accepts more than one name, it is because the releases use more than one (never for slack)
    for key, accepted in ACCEPTED_REASONS.items():
        if len(accepted) > 1 and key.startswith(("shaped:", "message:", "detail_code")):
            said = {results[v][c] for v in versions for c in results[v] if run_all.truth_key(c) == key}
            assert said & accepted, key


# --- summary-honest on traces written by hand --------------------------------------------------------------------


def _trace(reasons: list[str], faults: list[dict[str, Any]], raises: list[dict[str, Any]], chain: tuple[str, ...]) -> Trace:
    t = Trace()
    t.add(0, "s", EventKind.CALL_START, call=1, chain=list(chain))
    parts = []
    for i, (candidate, reason, fault, raised) in enumerate(zip(chain, reasons, faults, raises)):
        t.add(i, "s", EventKind.RUN_START, call=1, candidate=candidate, n=i + 1)
        if fault:
            t.add(i, "lane", EventKind.PROVIDER_FAULT, call=1, model=candidate.split("/", 1)[1], **fault)
        data = {"category": "unknown", "coord": [], "depth": 0, "shape": "Error"} | raised
        t.add(i, "s", EventKind.RUN_RAISE, call=1, err=i + 1, **data)
        t.add(i, "s", EventKind.ON_ERROR, call=1, candidate=candidate, err=i + 1)
        parts.append(f"{candidate}: {raised['message']} ({reason})")
    t.add(9, "s", EventKind.CALL_RAISE, call=1, message=f"All models failed ({len(parts)}): " + " | ".join(parts), name="Error", err=99)
    return t


def _shaped(failure: str, form: str, message: str = "x") -> tuple[dict[str, Any], dict[str, Any]]:
    return {"fault": "shaped", "failure": failure, "form": form}, {"root": "shaped", "message": message}


def _summary_violations(trace: Trace) -> list[str]:
    return [v.message for v in check(trace, ALL_KINDS_PROFILE).violations if v.invariant == INVARIANT]


@pytest.mark.parametrize(
    ("failure", "form", "reason", "held"),
    [
        ("rate_limit", "body", "rate_limit", True),
        ("rate_limit", "friendly", "unknown", False),  # the false green this closes: a shaped 429 named unknown
        ("internal", "status", "timeout", True),  # 2026.5.x's name for a 500
        ("internal", "status", "server_error", True),  # 2026.9.6's
        ("internal", "status", "rate_limit", False),
        ("auth", "finish_reason", "timeout", True),  # "Unhandled stop reason: error" names no failure
        ("auth", "finish_reason", "auth", False),
        ("unavailable", "body", "overloaded", True),
    ],
)
def test_a_shaped_failure_owes_its_failure_s_reason_whatever_the_form(failure: str, form: str, reason: str, held: bool) -> None:
    fault, raised = _shaped(failure, form)
    other_fault, other = _shaped(failure, "status", "y")
    want = sorted(accepted_reasons("shaped", "y", other_fault) or ())
    trace = _trace([reason, want[0]], [fault, other_fault], [raised, other], ("openai/gpt-a", "anthropic/claude-b"))
    found = _summary_violations(trace)
    assert (found == []) is held, found
    if not held:
        assert f"form {form!r}" in found[0] and repr(reason) in found[0]


def test_vocabulary_entries_are_judged_by_their_ground_truth() -> None:
    chain = ("openai/gpt-a", "anthropic/claude-b")
    network = {"root": "network", "message": "getaddrinfo ENOTFOUND api.provider.test"}
    message = {"root": "message_only", "message": "Weekly quota exceeded"}
    assert _summary_violations(_trace(["timeout", "rate_limit"], [{}, {}], [network, message], chain)) == []
    found = _summary_violations(_trace(["network", "rate_limit"], [{}, {}], [network, message], chain))
    assert len(found) == 1 and "'network'" in found[0] and "expected 'timeout'" in found[0]
    found = _summary_violations(_trace(["timeout", "timeout"], [{}, {}], [network, message], chain))
    assert len(found) == 1 and "Weekly quota exceeded" in found[0]
    # unjudged truths stay unjudged: any reason passes for a message the table does not know
    odd = {"root": "message_only", "message": "something else"}
    assert _summary_violations(_trace(["timeout", "whatever"], [{}, {}], [network, odd], chain)) == []


def _auth_trace(entries: list[str], refused: str = "billing", skip_reason: str = "rate_limit", node: bool = False) -> Trace:
    """[auth]: openai/gpt-a skipped (cooling), anthropic/claude-b refused by the runner, google/gemini-c a network error."""
    a, b, c = "openai/gpt-a", "anthropic/claude-b", "google/gemini-c"
    skipped = "Provider openai is in cooldown (all profiles unavailable)"
    no_key = "No available auth profile for anthropic (all in cooldown or unavailable)."
    t = Trace()
    t.add(0, "s", EventKind.CALL_START, call=1, chain=[a, b, c])
    if not node:  # a Python driver's ctx.skip comes in chain order; node.py records the release's skips at the end
        t.add(0, "s", EventKind.CANDIDATE_SKIP, call=1, candidate=a, reason=skip_reason, message=skipped)
    t.add(0, "s", EventKind.RUN_START, call=1, candidate=b, n=1)
    t.add(0, "s", EventKind.RUNNER_REFUSED, call=1, candidate=b, reason=refused)
    root = refused if refused in ("billing", "auth", "rate_limit") else "failover"
    base = {"coord": [], "depth": 0, "shape": "Error"}
    t.add(0, "s", EventKind.RUN_RAISE, call=1, err=1, category="explicit", root=root, message=no_key, **base)
    t.add(0, "s", EventKind.ON_ERROR, call=1, candidate=b, err=1)
    t.add(0, "s", EventKind.RUN_START, call=1, candidate=c, n=2)
    t.add(5, "lane", EventKind.PROVIDER_FAULT, call=1, model="gemini-c", fault="network")
    network = "getaddrinfo ENOTFOUND api.provider.test"
    t.add(5, "s", EventKind.RUN_RAISE, call=1, err=2, category="timeout", root="network", message=network, **base)
    t.add(5, "s", EventKind.ON_ERROR, call=1, candidate=c, err=2)
    texts = {a: skipped, b: no_key, c: network}
    parts = [f"{e.split(' ', 1)[0]}: {texts[e.split(' ', 1)[0]]} ({e.split(' ', 1)[1]})" for e in entries]
    t.add(5, "s", EventKind.CALL_RAISE, call=1, message=f"All models failed ({len(parts)}): " + " | ".join(parts), name="Error", err=9)
    if node:
        t.add(5, "s", EventKind.CANDIDATE_SKIP, call=1, candidate=a, reason=skip_reason, message=skipped)
    return t


def test_with_auth_a_skipped_candidate_is_an_entry_with_its_skip_reason_and_a_refusal_owes_its_own() -> None:
    a, b, c = "openai/gpt-a", "anthropic/claude-b", "google/gemini-c"
    assert _summary_violations(_auth_trace([f"{a} rate_limit", f"{b} billing", f"{c} timeout"])) == []
    assert _summary_violations(_auth_trace([f"{a} rate_limit", f"{b} billing", f"{c} timeout"], node=True)) == []
    found = _summary_violations(_auth_trace([f"{a} unknown", f"{b} billing", f"{c} timeout"]))
    assert found == [f"call 1: summary gives reason 'unknown' for {a}, skipped for 'rate_limit'"]
    found = _summary_violations(_auth_trace([f"{a} rate_limit", f"{b} rate_limit", f"{c} timeout"], refused="model_not_found"))
    assert len(found) == 1 and "refused it for 'model_not_found'" in found[0] and "expected 'model_not_found'" in found[0]
    found = _summary_violations(_auth_trace([f"{b} billing", f"{c} timeout"]))
    assert found == ["call 1: summary says 2 attempts (2 listed) but run executed 2 times and 1 candidates were skipped"]


def test_onError_reports_with_only_live_switches_failed_say_what_failed() -> None:
    t = Trace()
    t.add(0, "s", EventKind.CALL_START, call=1, chain=["openai/gpt-a", "anthropic/claude-b"])
    t.add(0, "s", EventKind.RUN_START, call=1, candidate="openai/gpt-a", n=1)
    switch = {"category": "switch", "root": "model_switch", "coord": [], "depth": 0, "shape": "LiveSessionModelSwitchError"}
    t.add(
        1,
        "s",
        EventKind.RUN_RAISE,
        call=1,
        err=1,
        message="Live session model switch requested: openai/gpt-a",
        switch="openai/gpt-a",
        **switch,
    )
    t.add(1, "s", EventKind.ON_ERROR, call=1, candidate="openai/gpt-a", err=1)
    t.add(1, "s", EventKind.RUN_START, call=1, candidate="anthropic/claude-b", n=2)
    t.add(2, "s", EventKind.RUN_OK, call=1, value="hi")
    t.add(2, "s", EventKind.CALL_RETURN, call=1, value="hi")
    found = _summary_violations(t)
    assert len(found) == 1
    assert found[0].endswith("but no attempt failed but live model switches (openai/gpt-a), which onError never reports")
    assert not found[0].rstrip().endswith("were")


# --- the reference and the mutants on the shipped scenarios -----------------------------------------------------


def _scenario(name: str) -> Any:
    return collect_scenarios([ROOT / "scenarios" / f"{name}.toml"])


@pytest.mark.parametrize("name", ["vocabulary", "same-failure-shapes", "model-switch"])
def test_the_reference_names_an_accepted_reason_for_every_entry(name: str) -> None:
    suite = run_suite(_scenario(name), resolve_target("reference"), seed=0, budget=60)
    assert suite.invariants[INVARIANT].checked > 20
    assert suite.invariants[INVARIANT].violated == 0


@pytest.mark.parametrize(("name", "scenario"), [(name, scenario) for name, _, scenario, _ in mutants_reason.SPECS])
def test_each_reason_mutant_is_caught_by_summary_honest_alone(name: str, scenario: str) -> None:
    suite = run_suite(_scenario(scenario), resolve_target(f"mutant:{name}"), seed=0, budget=60)
    violated = {k for k, t in suite.invariants.items() if t.violated}
    assert violated == {INVARIANT}


# --- the hand probe on the real releases: what the table rests on ----------------------------------------------


@pytest.mark.parametrize("version", ["2026.5.20", "2026.9.6"])
def test_the_stored_probe_answers_are_what_the_release_says_today(version: str) -> None:

    require_release(version)
    stored = json.loads((ROOT / "probes" / "reason" / "results.json").read_text())[version]
    assert _run_all().probe(version) == stored
