"""Differential runs: the same schedules through two targets; any difference a caller could observe is a finding.

The primary target runs each seed; its recorded choice sequence is replayed on the other target. Per driver
call the observable outcome is: which candidates `run` executed (in order), how many times `onError` was
called, and how the call ended — the returned value, or the thrown error's name and message and whether it was
the very object a given attempt threw (by attempt index, so it compares across processes and targets).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.engine.runner import RunResult, replay, run_seed, seeds_for, stalled
from simharness.model.io import write_atomic
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario
from simharness.model.target import Target
from simharness.model.trace import Trace

#: The fields of one call's observation, in the order a finding names them. A call that crashed (a
#: `driver-contract` violation) ends in "crash", its name the exception type, its message what and where.
FIELDS = ("runs", "on_error", "ends", "value", "value_from_run", "name", "message", "same_object_as_attempt")


def observe(trace: Trace) -> list[dict[str, Any]]:
    """One record per driver call, in the order calls started."""
    calls: dict[int, dict[str, Any]] = {}
    raised: dict[int, list[int | None]] = {}
    for e in trace.events:
        call = e.data.get("call")
        if call is None:
            continue
        if e.kind == EventKind.CALL_START:
            calls[call] = {"call": call, "session": e.actor, "runs": [], "on_error": 0, "ends": None}
            raised[call] = []
            continue
        c = calls.get(call)
        if c is None:
            continue
        if e.kind == EventKind.RUN_START:
            c["runs"].append(e.data.get("candidate"))
        elif e.kind == EventKind.RUN_RAISE:
            raised[call].append(e.data.get("err"))
        elif e.kind == EventKind.ON_ERROR:
            c["on_error"] += 1
        elif e.kind == EventKind.CALL_RETURN:
            c.update(ends="return", value=e.data.get("value"))
        elif e.kind == EventKind.CALL_RAISE:
            uid = e.data.get("err")
            same = raised[call].index(uid) + 1 if uid is not None and uid in raised[call] else None
            c.update(ends="raise", name=e.data.get("name"), message=e.data.get("message"), same_object_as_attempt=same)
        elif e.kind == EventKind.DRIVER_MISUSE:  # a contract breach: what the driver did, and where
            c.setdefault("breach", f"{e.data.get('message')} at {e.data.get('where')}")
        elif e.kind == EventKind.CALL_CRASH:  # the driver broke (`driver-contract`): a caller would see it crash
            message = c.get("breach") or f"{e.data.get('type')}: {e.data.get('message')} at {e.data.get('where')}"
            c.update(ends="crash", name=e.data.get("type"), message=message)
        if e.kind == EventKind.CALL_RETURN and e.data.get("fabricated"):
            c["value_from_run"] = False
    return list(calls.values())


def first_difference(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, Any] | None:
    for a, b in zip(ours, theirs, strict=False):
        for key in FIELDS:
            if a.get(key) != b.get(key):
                return {"call": a["call"], "session": a["session"], "field": key, "ours": a.get(key), "theirs": b.get(key)}
    if len(ours) != len(theirs):
        return {"call": None, "session": None, "field": "calls", "ours": len(ours), "theirs": len(theirs)}
    return None


@dataclass(frozen=True, slots=True)
class Finding:
    scenario: str
    seed: int
    difference: dict[str, Any]
    schedule: str | None  # path of the saved schedule (the first finding per scenario)

    def line(self, ours: str, theirs: str) -> str:
        d = self.difference
        where = f"call {d['call']} ({d['session']})" if d["call"] is not None else "the run"
        line = f"{self.scenario} seed {self.seed}: {where}: {d['field']}: {ours} {d['ours']!r} vs {theirs} {d['theirs']!r}"
        broke = d.get("driver_contract")
        if broke:
            line += f" [driver-contract violated on {ours if broke['side'] == 'ours' else theirs}: {broke['message']}]"
        return line


def differential(
    scenarios: Sequence[Scenario],
    target: Target,
    other: Target,
    *,
    seed: int,
    budget: int,
    report_dir: Path,
    on_run: Callable[[RunResult], None] | None = None,
) -> tuple[int, list[Finding]]:
    """Run every seed on `target`, replay its choices on `other`; returns (runs compared, findings). A stall on
    either side is one finding and ends that scenario (every further seed would wait out the watchdog again)."""
    findings: list[Finding] = []
    runs = 0
    for scenario in scenarios:
        saved = False
        for run_seed_value in seeds_for(scenario, seed, budget):
            ours = run_seed(scenario, target, run_seed_value)
            theirs = replay(scenario, other, [c.value for c in ours.choices], run_seed_value)
            runs += 1
            if on_run is not None:
                on_run(ours)
            diff = first_difference(observe(ours.trace), observe(theirs.trace))
            if stalled(ours) or stalled(theirs):  # a stalling driver stalls again on every seed: one is the finding
                diff = diff or {"call": None, "session": None, "field": "stalled", "ours": stalled(ours), "theirs": stalled(theirs)}
                findings.append(Finding(scenario.name, run_seed_value, diff, _save(report_dir, scenario, run_seed_value, ours)))
                break
            if diff is None:
                continue
            broke = [
                (side, v)
                for side, r in (("ours", ours), ("theirs", theirs))
                for v in r.verdicts.violations
                if v.invariant == "driver-contract"
            ]
            if broke:  # a side whose driver broke the contract: the finding says so, with the driver's file:line
                diff["driver_contract"] = {"side": broke[0][0], "message": broke[0][1].message}
            path: str | None = None
            if not saved:
                path = _save(report_dir, scenario, run_seed_value, ours)
                saved = True
            findings.append(Finding(scenario.name, run_seed_value, diff, path))
    return runs, findings


def _save(report_dir: Path, scenario: Scenario, run_seed_value: int, result: RunResult) -> str:
    from simharness.engine.schedule import save_schedule

    where = report_dir / "schedules" / f"{scenario.name}--differential--{run_seed_value}.json"
    return str(save_schedule(where, result))


def write_findings(report_dir: Path, target: str, other: str, runs: int, findings: list[Finding]) -> Path:
    doc = {
        "schema": "simharness/differential/v1",
        "target": target,
        "other": other,
        "runs": runs,
        "findings": [{"scenario": f.scenario, "seed": f.seed, "schedule": f.schedule, **f.difference} for f in findings],
    }
    return write_atomic(report_dir / "differential.json", json.dumps(doc, indent=1) + "\n")
