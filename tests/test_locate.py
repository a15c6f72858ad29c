"""Profiles come from what a dist DEFINES, never from how it classifies (issue 11, Build 1).

Fake dists written here are fixtures of the scanner: small chunks shaped like openclaw's bundler output
(hashed names, `var X = class extends Error`, minified export aliases), not stand-ins for openclaw.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import missing_release

from simharness.model import kinds as K
from simharness.targets import install as I
from simharness.targets.cache import MARKER, MARKER_SCHEMA
from simharness.targets.locate import LOCATE_SCHEMA, coordination_marks, defined_errors, locate, scan_key

DRIVER = "async function runWithModelFallback(params) {\n  return params.run(params.provider, params.model);\n}\nexport { runWithModelFallback as r };\n"


def _dist(root: Path, chunks: dict[str, str], version: str = "2026.99.1") -> Path:
    dist = root / "package" / "dist"
    dist.mkdir(parents=True)
    (dist / "model-fallback-Ab12.js").write_text(DRIVER)
    for name, body in chunks.items():
        (dist / name).write_text(body)
    (root / "package" / "package.json").write_text(json.dumps({"name": "openclaw", "version": version, "type": "module"}))
    return root / "package"


def _class(name: str, alias: str = "t", *, code: str | None = None) -> str:
    extra = f'\n\t\tthis.code = "{code}";' if code else ""
    return (
        f"var {name} = class extends Error {{\n\tconstructor(sessionId) {{\n\t\tsuper(`Session ${{sessionId}}`);{extra}\n"
        f'\t\tthis.name = "{name}";\n\t}}\n}};\nexport {{ {name} as {alias} }};\n'
    )


#: A runtime whose coordination set leaves out a class it defines: the #83510 shape.
NAME_SET = 'const RUNTIME_COORDINATION_ERROR_NAMES = /* @__PURE__ */ new Set([\n\t"GatewayDrainingError"\n]);\n'
PREDICATE = (
    "function hasRuntimeCoordinationFailure(err) {\n\treturn RUNTIME_COORDINATION_ERROR_NAMES.has(err?.name)"
    ' || err?.name === "WorkerRunnerCapacityError";\n}\nexport { hasRuntimeCoordinationFailure as h };\n'
)


def test_a_class_the_runtime_defines_but_leaves_out_of_its_name_set_is_in_the_profile(tmp_path):
    pkg = _dist(tmp_path, {"placement-turn-claims-Zz9.js": _class("ActiveTurnClaimError"), "failover-error-Q1.js": NAME_SET + PREDICATE})
    found = locate(pkg, "fake")
    assert "active_turn_claim" in found.profile().kinds  # defined, missing from the set: judged, not "n/a"
    # Named only inside the set or a comparison, defined nowhere: not a kind this runtime can throw.
    assert "gateway_draining" not in found.profile().kinds and "worker_runner_capacity" not in found.profile().kinds
    assert found.coordination_names == ["GatewayDrainingError"]  # read, but only as information


def test_the_profile_does_not_depend_on_the_name_set(tmp_path):
    chunks = {"a-1.js": _class("ActiveTurnClaimError"), "b-2.js": _class("GatewayDrainingError")}
    with_set = locate(_dist(tmp_path / "x", {**chunks, "failover-error-Q1.js": NAME_SET}), "x").profile()
    without = locate(_dist(tmp_path / "y", chunks), "y").profile()
    assert with_set.kinds == without.kinds and {"active_turn_claim", "gateway_draining"} <= without.kinds


def test_unexported_classes_code_only_errors_and_name_assignments_are_detected(tmp_path):
    chunks = {
        # defined, never exported (the bridge builds it by name)
        "selection-Q.js": _class("EmbeddedAttemptSessionTakeoverError").replace(
            "export { EmbeddedAttemptSessionTakeoverError as t };\n", ""
        ),
        # no class at all: an AbortError recognised by its code (openclaw's stale lifecycle error)
        "agent-events-R.js": 'const AGENT_RUN_STALE_LIFECYCLE_ERROR_CODE = "ERR_STALE_GATEWAY_LIFECYCLE";\n',
        # a class of another name whose instances are named as a coordination error
        "cleanup-S.js": 'var PromptCleanupError = class extends Error {\n\tconstructor() {\n\t\tsuper("x");\n'
        '\t\tthis.name = "SessionTranscriptWriterClaimReboundError";\n\t}\n};\n',
        "lock-T.js": _class("SessionWriteLockStaleError", code="OPENCLAW_SESSION_WRITE_LOCK_STALE"),
    }
    found = locate(_dist(tmp_path, chunks), "fake")
    assert {"takeover", "stale_lifecycle", "transcript_claim_rebound", "lock_stale"} <= found.profile().kinds
    assert "EmbeddedAttemptSessionTakeoverError" not in found.symbols  # nothing to import
    assert found.symbols["SessionWriteLockStaleError"].export == "t"  # the bridge imports the real class


def test_a_dist_with_no_coordination_class_is_provider_only(tmp_path):
    profile = locate(_dist(tmp_path, {"x-1.js": _class("SomethingElseError")}), "fake").profile()
    assert profile.name == "provider-only" and not profile.kinds & K.COORDINATION_KINDS


def test_comparisons_are_not_definitions():
    names, codes = defined_errors('if (err.name === "ActiveTurnClaimError" || e.code === "ERR_STALE_GATEWAY_LIFECYCLE") x();')
    assert not names and not codes
    names, codes = defined_errors('e.name = "ActiveTurnClaimError"; e.code = "ERR_STALE_GATEWAY_LIFECYCLE";')
    assert names == {"ActiveTurnClaimError"} and codes == {"ERR_STALE_GATEWAY_LIFECYCLE"}


def test_every_coordination_kind_the_world_builds_is_detectable():
    """Each kind maps from a class/name or a code, read from the world's own constructors."""
    by_name, by_code = coordination_marks()
    assert set(by_name.values()) | set(by_code.values()) == set(K.COORDINATION_KINDS)
    assert "AbortError" not in by_name  # generic JS names never decide a kind


def test_a_cache_scanned_by_an_older_simharness_is_scanned_again(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMHARNESS_CACHE", str(tmp_path / "cache"))
    directory = tmp_path / "cache" / "openclaw@2026.99.1"
    pkg = _dist(directory, {"placement-turn-claims-Zz9.js": _class("ActiveTurnClaimError"), "failover-error-Q1.js": NAME_SET})
    old = {  # what the previous scanner cached: the name set as the profile, no schema
        "dist": str(pkg / "dist"),
        "version": "2026.99.1",
        "engines": "",
        "symbols": {"runWithModelFallback": {"file": "model-fallback-Ab12.js", "export": "r"}},
        "names": [],
        "coordination_names": ["GatewayDrainingError"],
        "predicate": "resolveModelFallbackError",
    }
    marker = {"spec": "openclaw@2026.99.1", "mode": "light", "located": old, "node": {"path": "/usr/bin/node", "version": "v22.23.0"}}
    (directory / MARKER).write_text(json.dumps({"schema": MARKER_SCHEMA, **marker}))
    done = I.installed("2026.99.1")
    assert done is not None and done.located.current
    assert "active_turn_claim" in done.located.profile().kinds and "gateway_draining" not in done.located.profile().kinds
    kept = json.loads((directory / MARKER).read_text())
    assert kept["located"]["schema"] == scan_key() and kept["mode"] == "light"  # renewed in place, install kept
    assert scan_key().startswith(f"{LOCATE_SCHEMA}:")
    assert not list(directory.glob("*.tmp"))


@pytest.mark.parametrize("version", ["2026.5.18", "2026.5.20", "2026.8.2", "2026.9.6"])
def test_real_releases_profiles(version):
    """On the real dists (when installed): the kinds follow the classes each release defines."""
    done = I.installed(version)
    if done is None:
        pytest.skip(missing_release(f"openclaw@{version}"))
    kinds = done.located.profile().kinds
    if version.startswith("2026.5."):
        # GatewayDrainingError is defined from 5.18 on, though only 8.x+ treat it as coordination.
        assert {"takeover", "lock_timeout", "gateway_draining"} <= kinds and "active_turn_claim" not in kinds
    else:
        assert {"active_turn_claim", "session_superseded", "worker_workspace_reconciliation", "stale_lifecycle"} <= kinds
        assert not {"takeover", "lock_timeout"} & kinds
