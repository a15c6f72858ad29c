"""report.json: the machine-readable verdicts of a suite, and the one source every other report renders from.

Every report is rendered from the report.json document alone (`write.write_docs`), so a merged document —
shards (`simharness report merge`), pytest items, xdist workers — renders exactly like a single run's. For that
the document carries each counterexample's trace (the SVG timeline needs it) and the index of the run that
found it (merging picks the counterexample an unsharded run would have found: the smallest world, then the
earliest scenario, then the lowest run index). Building a document saves each counterexample's schedule under `schedules/`; a schedule's name is
derived from data we control (scenario names are sanitized), so it cannot escape the report dir.
`finalize` completes a document (statuses, headline, `ok`; strings UTF-8-safe) before it is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simharness.engine.runner import RunResult, seeds_for
from simharness.engine.schedule import replay_command, save_schedule
from simharness.engine.shrink_world import world_summary
from simharness.explore.suite import SuiteResult
from simharness.model.kinds import INVARIANTS, SITUATIONS
from simharness.model.scenario import Scenario
from simharness.model.target import ALL_KINDS_PROFILE
from simharness.model.version import VERSION as __version__
from simharness.report.narrate import narrate, violating_event
from simharness.report.safe_text import safe_name, unicode_safe
from simharness.report.status import exercised, headline, status


def _run_index(suite: SuiteResult, result: RunResult) -> int | None:
    """Which run of its scenario (0-based, unsharded numbering) a result was: the key merges order by."""
    if result.seed is None:
        return None
    index, count = suite.shard
    for k, seed in enumerate(seeds_for(result.scenario, suite.seed, suite.budget, suite.shard)):
        if seed == result.seed:
            return index - 1 + k * count
    return None


def _counterexample(suite: SuiteResult, inv: str, out_dir: Path) -> dict[str, Any] | None:
    totals = suite.invariants[inv]
    if totals.counterexample is None:
        return None
    original = totals.counterexample
    shown: RunResult = totals.shrunk or original
    name = f"{safe_name(shown.scenario.name)}--{inv}--{original.seed}.json"
    save_schedule(out_dir / "schedules" / name, shown, invariant=inv, original=original if totals.shrunk else None)
    first = next(v for v in shown.verdicts.violations if v.invariant == inv)
    event = violating_event(shown.trace.events, first)
    return {
        "scenario": shown.scenario.name,
        "seed": original.seed,
        "run": _run_index(suite, original),
        "world": world_size(original.scenario),  # the scenario's, even if shrinking made the shown world smaller
        "message": first.message,
        "at_ms": first.at,
        "call": first.call,
        "event": event,
        "schedule": f"schedules/{name}",
        "replay": replay_command(f"{out_dir.as_posix()}/schedules/{name}", shown.target),
        "choices": {"original": len(original.choices), "shrunk": len(shown.choices)},
        "size": {"original": sum(1 for c in original.choices if c.value), "shrunk": sum(1 for c in shown.choices if c.value)},
        "world_counts": {"original": world_summary(original.scenario), "shrunk": world_summary(shown.scenario)},  # shrink_world
        "trace_sha256": shown.trace_sha256,
        **({"shrink_stopped": shown.shrink_stopped} if shown.shrink_stopped else {}),  # engine: shrinking hit its time budget
        "narrative": narrate(shown.trace, focus=event, mark=f"violates {inv}"),
        "trace": shown.trace.to_json(),
    }


def world_size(scenario: Scenario) -> int:
    """How big a scenario's world is: its session turns plus its writers' writes. Of two scenarios' counterexamples
    for one invariant the smaller world's is shown (`merge.combine`): fewer actors to read. A property of the
    scenario, not of a run, so shards and the unsharded run pick the same one."""
    return scenario.sessions * scenario.turns + sum(w.count * w.writes for w in scenario.writers)


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of a scenario's contents (its parsed source): shards and items are merged only when it agrees."""
    body = json.dumps(scenario.source, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


#: How many distinct error shapes an invariant lists (the rest are counted in `runs`, not named).
MAX_SHAPES = 40


def shapes_json(shapes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Every error shape that violated an invariant, most runs first: the departures, not just the first one."""
    ranked = sorted(shapes.items(), key=lambda item: (-item[1], item[0]))
    return [{"shape": shape, "runs": runs} for shape, runs in ranked[:MAX_SHAPES]]


def report_json(suite: SuiteResult, out_dir: Path) -> dict[str, Any]:
    situations = suite.situation_totals()
    single = len(suite.scenarios) == 1  # then the suite's totals are the scenario's own
    invariants: list[dict[str, Any]] = [
        {
            "id": inv,
            "description": INVARIANTS.get(inv, inv),
            "checked": t.checked,
            "violated": t.violated,
            "not_applicable": t.not_applicable,
            "counterexample": _counterexample(suite, inv, out_dir),
            **({"shapes": shapes_json(t.shapes)} if t.shapes else {}),
        }
        for inv, t in suite.invariants.items()
    ]
    return {
        "tool": "simharness",
        "version": __version__,
        "target": suite.target,
        "profile": suite.profile,
        **({"profile_lacks": profile_lacks(suite.profile_kinds)} if suite.profile_kinds is not None else {}),
        "strategy": suite.strategy,
        "seed": suite.seed,
        "budget": suite.budget,
        "shard": f"{suite.shard[0]}/{suite.shard[1]}",
        "runs": suite.runs,
        "ok": suite.ok,
        "complete": suite.complete,
        "invariants": invariants,
        "errors": [],  # items that crashed instead of being judged (pytest plugin): each fails the document
        "scenarios": [
            {
                "name": s.scenario.name,
                "description": s.scenario.description,
                "path": s.scenario.path,
                "digest": scenario_digest(s.scenario),
                "seed": suite.seed,
                "runs": s.runs,
                "failed_runs": s.failed_runs,
                "situations": {k: s.situations[k] for k in SITUATIONS if s.situations[k]},
                "expect": list(s.scenario.expect_sometimes),
                **({"skipped_after_stall": s.skipped_after_stall} if s.skipped_after_stall else {}),  # engine: runs not made after a stall
                **({"exploration": s.exploration.to_json()} if s.exploration is not None and s.exploration.strategy != "random" else {}),
                **(
                    {
                        "invariants": {
                            inv: {"checked": t.checked, "violated": t.violated, "not_applicable": t.not_applicable}
                            for inv, t in suite.invariants.items()
                        }
                    }
                    if single
                    else {}
                ),
            }
            for s in suite.scenarios
        ],
        "sometimes": [{"id": k, "description": SITUATIONS[k], "hits": situations[k]} for k in SITUATIONS],
        "unreached": [{"scenario": sc, "situation": sit} for sc, sit in suite.unreached()],
        "timing": timing(suite.runs, suite.wall_seconds),
    }


def profile_lacks(kinds: Iterable[str]) -> list[str]:
    """The fault kinds the world builds that a profile lacks: what its n/a verdicts stand for."""
    return sorted(ALL_KINDS_PROFILE.kinds - set(kinds))


def timing(runs: int, wall_seconds: float) -> dict[str, Any]:
    return {"wall_seconds": round(wall_seconds, 3), "runs_per_second": round(runs / wall_seconds, 1) if wall_seconds else None}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return unicode_safe(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def finalize(doc: dict[str, Any]) -> dict[str, Any]:
    """Complete a document in place before it is written: every string UTF-8-safe, every invariant's status
    (suite-wide and per scenario), whether the contract was exercised, the headline, and `ok` (no violation,
    no crashed item). Idempotent; works on documents merged from shards or pytest items, and on older ones."""
    cleaned = _clean(doc)
    doc.clear()
    doc.update(cleaned)
    doc.setdefault("errors", [])
    for inv in doc["invariants"]:
        inv["status"] = status(inv)
    for s in doc["scenarios"]:
        for counts in (s.get("invariants") or {}).values():
            counts["status"] = status(counts)
    doc["exercised"] = exercised(doc)
    doc["ok"] = all(not i["violated"] for i in doc["invariants"]) and not doc["errors"]
    head = headline(doc)
    doc["headline"] = {"level": head.level, "text": head.text}
    return doc
