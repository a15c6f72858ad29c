"""Schedule files: a run's choice sequence plus everything needed to replay it anywhere.

A schedule embeds its scenario (as data), so it replays without the original file, on any target:
`simharness replay FILE [--target T]`. The schema is versioned; files from another version, truncated or
tampered files are rejected with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.check.verdicts import describe_violations
from simharness.engine.runner import RunResult
from simharness.model.exceptions import InputTooLarge, ScenarioError, ScheduleError, TargetError, TargetRunFailure
from simharness.model.io import MAX_SCHEDULE_BYTES, read_bounded, write_atomic
from simharness.model.scenario import Scenario, parse_scenario

SCHEMA = "simharness/schedule/v1"
MAX_BYTES = MAX_SCHEDULE_BYTES  # a schedule is a few KiB; anything this large is not one


@dataclass(frozen=True, slots=True)
class Schedule:
    scenario: Scenario
    target: str
    seed: int | None
    values: tuple[int, ...]
    trace_sha256: str | None
    invariant: str | None
    labels: tuple[str, ...] = ()  # the recorded choice labels (replay on another target says where it diverges)


def save_failed_run(failure: TargetRunFailure, report_dir: str | Path) -> TargetError:
    """Save the schedule of the run a target broke in under `report_dir/schedules/`; the one-line error that
    says where (a real target's Node bridge crashed, hung or spoke garbage mid-run)."""
    result = failure.result
    path = Path(report_dir) / "schedules" / f"{result.scenario.name}--target-failure.json"
    try:
        save_schedule(path, result)
    except OSError as exc:
        return TargetError(f"{failure} (scenario {result.scenario.name}; its schedule could not be saved: {exc})")
    return TargetError(f"{failure} (scenario {result.scenario.name}; schedule saved: simharness replay {path} --target {result.target})")


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
    doc = schedule_json(result, **kwargs)
    doc["integrity"] = integrity(doc)
    return write_atomic(path, json.dumps(doc, indent=1) + "\n")


def integrity(doc: dict[str, Any]) -> str:
    """sha256 of the schedule's canonical JSON (all but this field): an edited or damaged file is refused.

    It detects accidents (truncation, a hand edit, a bad merge), not an adversary — anyone can recompute it;
    what keeps a schedule from running code is that it cannot choose a code-loading target (`replay_target`).
    """
    body = {k: v for k, v in doc.items() if k != "integrity"}
    return "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def replay_command(path: str, target: str) -> str:
    """The command that replays a schedule file recorded on `target` (naming the target when it loads code)."""
    from simharness.guard.settings import Guards  # found with --no-virtual-clock: replays only with it

    command = f"simharness replay {shlex.quote(path)}" + ("" if Guards.virtual_clock else " --no-virtual-clock")
    return command + f" --target {shlex.quote(target)}" if target.startswith(CODE_LOADING_TARGETS) else command


#: Target specs that load code from a path: only the user names them (`--target`), never a schedule file.
CODE_LOADING_TARGETS = ("py:", "node-dist:")


def replay_target(schedule: Schedule, explicit: str | None, where: str | Path = "schedule") -> str:
    """The target to replay `schedule` on: `explicit` if given, else the recorded one unless it loads code."""
    if explicit:
        return explicit
    if schedule.target.startswith(CODE_LOADING_TARGETS):
        raise ScheduleError(
            f"{where}: target: {schedule.target!r} loads code, so a schedule file cannot choose it; "
            f"pass --target {schedule.target} yourself to replay on it (or --target reference)"
        )
    return schedule.target


def load_schedule(path: str | Path) -> Schedule:
    path = Path(path)
    try:  # bounded by the bytes read, not st_size (which /dev/zero and FIFOs report as 0)
        doc = json.loads(read_bounded(path, MAX_BYTES, "schedule").decode("utf-8"))
    except InputTooLarge as exc:
        raise ScheduleError(str(exc)) from None
    except FileNotFoundError:
        raise ScheduleError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ScheduleError(f"{path}: not a schedule (invalid JSON at line {exc.lineno}; truncated?)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        raise ScheduleError(f"{path}: not a schedule (invalid JSON: {str(exc).splitlines()[0][:80]})") from None
    if not isinstance(doc, dict):
        raise ScheduleError(f"{path}: not a schedule (expected a JSON object)")
    schema = doc.get("schema")
    if schema != SCHEMA:
        shown = schema if isinstance(schema, str) and len(schema) < 80 else type(schema).__name__
        raise ScheduleError(f"{path}: schema: expected {SCHEMA!r}, got {shown!r} (written by another simharness version?)")
    recorded = doc.get("integrity")
    if not isinstance(recorded, str):
        raise ScheduleError(f"{path}: integrity: missing (every schedule simharness writes has one; regenerate it)")
    if recorded != integrity(doc):
        raise ScheduleError(f"{path}: integrity: the content does not match its sha256 (edited or damaged; regenerate it)")
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
