"""The hand probes (`probes/`) on the real releases installed here: evidence outside the bridge.

Each probe imports a release's dist directly and calls its `runWithModelFallback` with a `run` that throws a
given error graph. These tests pin what the probes report on DESIGN.md's ground truth and on the findings
of probes/README.md, so the evidence cannot rot silently.

Locally a missing release skips (install: `simharness target install openclaw@2026.5.18 openclaw@2026.5.20`);
under CI (`CI=true`) a missing 2026.5.18 or 2026.5.20 fails, like the other bridge tests.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_release

from simharness.targets import install as I

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("2026.5.18", "2026.5.20")


def _run_all() -> Any:
    spec = importlib.util.spec_from_file_location("probes_run_all", ROOT / "probes" / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


run_all = _run_all()


@cache
def _probed(package: str, node: str) -> tuple[dict[str, Any], ...]:
    return tuple(run_all.probe(package, node))  # once per release per session: each probe run starts Node


def _rows(version: str) -> dict[tuple[str, str], dict[str, Any]]:
    done = I.installed(version)
    if done is None:
        message = missing_release(f"openclaw@{version}")
        if os.environ.get("CI") == "true" and version in REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    rows = _probed(str(done.package), done.node.path)
    assert rows and all(r["version"] == version for r in rows)  # the dist's own package.json, read by the probe
    return {(r["kind"], r["shape"]): r for r in rows}


def test_5_18_walks_the_chain_on_every_coordination_error():
    rows = _rows("2026.5.18")
    for shape in ("bare", "cause", "reason", "deep5"):
        r = rows[("takeover", shape)]
        assert (r["runs"], r["onError"], r["same"]) == (3, 2, 2) and r["departure"]
    assert rows[("lock_timeout", "bare")]["departure"]


def test_5_20_reproduces_the_design_ground_truth():
    rows = _rows("2026.5.20")
    for kind in ("takeover", "lock_timeout"):
        for shape in ("bare", "cause", "error", "reason", "deep5"):
            r = rows[(kind, shape)]
            assert (r["runs"], r["onError"], r["same"], r["departure"]) == (1, 0, 0, None), (kind, shape)
        assert rows[(kind, "429/cause")]["runs"] == 3 and rows[(kind, "429/cause")]["departure"] is None
    assert rows[("lock_timeout", "abort")]["departure"] is None  # an AbortError whose reason is a lock: rethrown
    # Departures of 5.20 (probes/README.md): takeover behind an abort's reason, and AggregateError/suppressed.
    assert rows[("takeover", "abort")]["runs"] == 3 and rows[("takeover", "errors[]")]["runs"] == 3
    # GatewayDrainingError is defined from 5.18 on but no 5.x-7.x predicate knows it.
    assert rows[("gateway_draining", "bare")]["runs"] == 3
    assert rows[("(none)", "429 plain")]["runs"] == 3


def test_the_newest_release_departs_where_the_findings_say():
    rows = _rows("2026.9.6")
    # Explicit metadata loses to the name set (#83550's reviewer case, for every name-set error).
    for outer in ("429/cause", "503/cause", "529/cause"):
        r = rows[("active_turn_claim", outer)]
        assert (r["runs"], r["same"]) == (1, 0) and r["departure"]
    # `reason` is walked by no 2026.8+ name-set check; `suppressed` is (from 2026.9.5).
    assert rows[("active_turn_claim", "reason")]["runs"] == 3
    assert rows[("active_turn_claim", "suppressed")]["departure"] is None
    # AgentHarnessSessionSupersededError: instanceof on the root only.
    assert rows[("session_superseded", "bare")]["departure"] is None and rows[("session_superseded", "bare")]["how"] == "real"
    assert rows[("session_superseded", "cause")]["runs"] == 3


def test_the_markdown_names_first_and_last_release_of_each_departure():
    rows = []
    for version in REQUIRED:
        rows.extend({**r, "version": version} for r in _rows(version).values())
    text = run_all.markdown(rows, list(REQUIRED))
    line = next(x for x in text.splitlines() if x.startswith("| takeover | bare |"))
    assert "| 2026.5.18 | 2026.5.18 | 2026.5.18 | 2026.5.20 |" in line  # departs on, first, last, holds on
    line = next(x for x in text.splitlines() if x.startswith("| takeover | errors[] |"))
    assert "| 2026.5.18 – 2026.5.20 | 2026.5.18 | 2026.5.20 |" in line
