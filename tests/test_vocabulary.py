"""The vocabulary is typed: every event the world or the harness records is an `EventKind`, and the enum's
values are the trace's bytes (the golden traces pin them)."""

from __future__ import annotations

import ast
from pathlib import Path

import simharness
from simharness.engine.runner import run_seed
from simharness.model.kinds import EventKind
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

PACKAGE = Path(simharness.__file__).resolve().parent


def test_every_recorded_event_kind_is_an_event_kind(scenarios_dir: Path) -> None:
    seen: set[str] = set()
    for scenario in collect_scenarios([scenarios_dir]):
        for seed in range(5):
            for event in run_seed(scenario, resolve_target("reference"), seed).trace:
                assert isinstance(event.kind, EventKind), (scenario.name, event.kind)
                seen.add(event.kind)
    assert {EventKind.CALL_START, EventKind.RUN_RAISE, EventKind.LOCK_ACQUIRE, EventKind.PROVIDER_FAULT} <= seen


def test_no_event_kind_is_spelled_as_a_string_in_the_package() -> None:
    values = {k.value for k in EventKind} - {"on_error", "tripwire"}  # also ordinary words (field names)
    spelled = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "kinds.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in values
    ]
    assert spelled == []


def test_event_kind_values_are_unique_and_render_as_their_value() -> None:
    assert len({k.value for k in EventKind}) == len(EventKind)
    assert f"{EventKind.CALL_START}" == str(EventKind.CALL_START) == "call.start"
