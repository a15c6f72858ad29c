"""Golden traces: performance work (or any refactoring) must not change a single trace.

Traces are byte-compared for determinism and schedule files replay choice sequences, so a change in what a
run records — its trace, its choice points, or the verdicts judged from it — breaks every schedule users
have saved. This test pins the SHA-256 of the trace, a digest of the choice record and a digest of the
verdicts for 50 seeds of every shipped scenario (plus a few inline worlds that reach the rarer wrappings),
against the reference target and the pre-fix legacy driver.

The scenarios are pinned too (their sources are stored next to the hashes), so editing a shipped scenario
file does not trip this test: it guards the code that turns a scenario into a trace, not the data.

If you changed the world, a driver or an invariant *on purpose* and the new traces are right, regenerate
the pinned hashes and commit them together with the change (and say so in the commit message):

    SIMHARNESS_REGEN_GOLDEN=1 pytest tests/test_trace_golden.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from simharness.engine.runner import RunResult, run_seed
from simharness.model.choice import derive_seed
from simharness.model.scenario import Scenario, collect_scenarios, parse_scenario
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden_traces.json")
SEEDS = 50
TARGETS = ("reference", "py:simharness/drivers/legacy.py:run_with_model_fallback")

#: Inline worlds that reach code the shipped scenarios do not: every wrapping, ties between many actors,
#: jittered lock retries, short stale windows.
INLINE: dict[str, dict[str, Any]] = {
    "golden-every-wrapping": {
        "name": "golden-every-wrapping",
        "world": {
            "sessions": 4,
            "files": 2,
            "turns": 2,
            "chain": ["openai/gpt-a", "anthropic/claude-b"],
            "session_start_ms": [0, 50],
            "lock_timeout_ms": 4000,
            "max_hold_ms": 5000,
            "retry_jitter_ms": [0, 13],
        },
        "providers": {"*": {"latency_ms": [100, 900], "faults": {"rate_limit": 0.2, "rate_limit_nested_lock": 0.1, "hang": 0.05}}},
        "writers": [{"name": "gw", "count": 2, "delay_ms": [0, 400], "hold_ms": [50, 6000], "writes": 2}],
        "wrapping": {
            "coordination": {
                "none": 0.2,
                "cause": 0.1,
                "error": 0.1,
                "reason": 0.1,
                "abort": 0.1,
                "deep": 0.1,
                "cycle": 0.1,
                "aggregate": 0.1,
                "suppressed": 0.1,
            },
            "provider": {"none": 0.4, "cause": 0.2, "error": 0.2, "deep": 0.2},
        },
    },
    "golden-crowd": {
        "name": "golden-crowd",
        "world": {"sessions": 12, "files": 2, "chain": ["a/x", "b/y", "c/z"], "session_start_ms": [0]},
        "providers": {"*": {"latency_ms": [100, 100, 200], "faults": {"overloaded": 0.2, "auth": 0.1}}},
    },
}


def shipped_sources() -> dict[str, Any]:
    """The sources to pin when regenerating: every shipped scenario file as it is now, plus `INLINE`."""
    shipped = collect_scenarios([ROOT / "scenarios"])
    return {s.name: dict(s.source) for s in shipped} | INLINE


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


#: The invariant ids the pinned verdict digests cover. An id added later adds a zero-count key to every run's
#: verdicts; it is left out of the digest, and named beside it if it ever counts anything on a pinned world.
PINNED_INVARIANTS = (
    "coordination-single-run", "explicit-metadata-advances", "summary-honest", "success-stops", "no-idle-burn",
    "lock-exclusive", "no-silent-overwrite", "deterministic", "terminates", "driver-contract", "terminal-stops",
)


def fingerprint(result: RunResult) -> dict[str, str]:
    v = result.verdicts
    later = [k for k in v.checked if k not in PINNED_INVARIANTS and (v.checked[k] or v.not_applicable[k])]
    verdicts = {
        "checked": {k: v.checked[k] for k in PINNED_INVARIANTS},
        "not_applicable": {k: v.not_applicable[k] for k in PINNED_INVARIANTS},
        "violations": [[x.invariant, x.message, x.at, x.call] for x in v.violations],
        "situations": sorted(v.situations),
    }
    choices = [[c.label, c.value, list(c.options)] for c in result.choices]
    digest = _digest(verdicts) + ("+" + ",".join(later) if later else "")
    return {"trace": result.trace_sha256, "choices": _digest(choices), "verdicts": digest}


def compute(sources: dict[str, Any]) -> dict[str, dict[str, list[dict[str, str]]]]:
    scenarios: list[Scenario] = [parse_scenario(doc, f"<golden:{name}>") for name, doc in sorted(sources.items())]
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    old_cwd = os.getcwd()
    os.chdir(ROOT)  # the legacy target spec is a path relative to the repository
    try:
        for spec in TARGETS:
            target = resolve_target(spec)
            out[spec] = {s.name: [fingerprint(run_seed(s, target, derive_seed(0, s.name, i))) for i in range(SEEDS)] for s in scenarios}
    finally:
        os.chdir(old_cwd)
    return out


def regenerate(sources: dict[str, Any]) -> None:
    doc = {"scenarios": sources, "runs": compute(sources)}
    GOLDEN.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def test_traces_match_the_pinned_hashes() -> None:
    if os.environ.get("SIMHARNESS_REGEN_GOLDEN"):
        regenerate(shipped_sources())
        pytest.skip(f"regenerated {GOLDEN.name}; review the diff and commit it with the change that altered traces")
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    expected = pinned["runs"]
    actual = compute(pinned["scenarios"])
    problems: list[str] = []
    for spec, per in expected.items():
        for name, rows in per.items():
            got = actual.get(spec, {}).get(name)
            if got is None:
                problems.append(f"{spec} {name}: scenario no longer exists")
                continue
            for i, (want, have) in enumerate(zip(rows, got)):
                diff = [k for k in want if want[k] != have.get(k)]
                if diff:
                    problems.append(f"{spec} {name} run {i} (seed derive_seed(0, {name!r}, {i})): {', '.join(diff)} changed")
    assert not problems, (
        f"{len(problems)} runs no longer match the pinned golden traces (first: {problems[:5]}).\n"
        "If the change was deliberate, regenerate with: SIMHARNESS_REGEN_GOLDEN=1 pytest tests/test_trace_golden.py"
    )
