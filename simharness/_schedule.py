"""Schedule files: a run's choice sequence plus everything needed to replay it anywhere.

A schedule embeds its scenario (as data), so it replays without the original file, on any target:
`simharness replay FILE [--target T]`. The schema is versioned; files from another version, truncated or
tampered files are rejected with one clear line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness._invariants import describe_violations
from simharness._io import write_atomic
from simharness._runner import RunResult
from simharness._scenario import Scenario, ScenarioError, parse_scenario

SCHEMA = "simharness/schedule/v1"


class ScheduleError(ValueError):
    """A schedule file is unusable. str() is the one line to print."""


@dataclass(frozen=True, slots=True)
class Schedule:
    scenario: Scenario
    target: str
    seed: int | None
    values: tuple[int, ...]
    trace_sha256: str | None
    invariant: str | None
    labels: tuple[str, ...] = ()  # the recorded choice labels (replay on another target says where it diverges)


def schedule_json(
    result: RunResult, *, invariant: str | None = None, original: RunResult | None = None, strategy: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "scenario": {"name": result.scenario.name, "path": result.scenario.path, "source": result.scenario.source},
        "target": result.target,
        "seed": result.seed,
        "invariant": invariant,
        "choices": [{"label": c.label, "value": c.value, "taken": c.taken} for c in result.choices],
        "trace_sha256": result.trace_sha256,
        "violations": describe_violations(result.verdicts.violations),
    }
    if strategy is not None:
        doc["strategy"] = strategy
    if original is not None:
        doc["shrunk_from"] = {"choices": len(original.choices), "nonzero": sum(1 for c in original.choices if c.value)}
    return doc


def save_schedule(path: str | Path, result: RunResult, **kwargs: Any) -> Path:
    return write_atomic(path, json.dumps(schedule_json(result, **kwargs), indent=1) + "\n")


def load_schedule(path: str | Path) -> Schedule:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ScheduleError(f"{path}: not a schedule (invalid JSON at line {exc.lineno}; truncated?)") from None
    if not isinstance(doc, dict):
        raise ScheduleError(f"{path}: not a schedule (expected a JSON object)")
    schema = doc.get("schema")
    if schema != SCHEMA:
        raise ScheduleError(f"{path}: schema: expected {SCHEMA!r}, got {schema!r}")
    scenario_doc = doc.get("scenario")
    if not isinstance(scenario_doc, dict) or not isinstance(scenario_doc.get("source"), dict):
        raise ScheduleError(f"{path}: scenario: expected an object with the scenario's source")
    try:
        scenario = parse_scenario(scenario_doc["source"], f"{path}#scenario")
    except ScenarioError as exc:
        raise ScheduleError(str(exc)) from None
    choices = doc.get("choices")
    if not isinstance(choices, list) or not all(
        isinstance(c, dict) and isinstance(c.get("value"), int) and not isinstance(c.get("value"), bool) and 0 <= c["value"] < 1 << 16
        for c in choices
    ):
        raise ScheduleError(f"{path}: choices: expected a list of {{label, value}} with small non-negative integer values")
    target = doc.get("target")
    if not isinstance(target, str) or not target:
        raise ScheduleError(f"{path}: target: expected a target spec string")
    seed = doc.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ScheduleError(f"{path}: seed: expected an integer or null")
    digest = doc.get("trace_sha256")
    if digest is not None and not (isinstance(digest, str) and len(digest) == 64):
        raise ScheduleError(f"{path}: trace_sha256: expected a 64-character hex digest")
    invariant = doc.get("invariant")
    labels = tuple(str(c.get("label", "")) for c in choices)
    return Schedule(
        scenario, target, seed, tuple(c["value"] for c in choices), digest, invariant if isinstance(invariant, str) else None, labels
    )
