"""A provider rule (OpenRouter's 403 budget limit = billing) is judged only where the target's core classifier
implements it: from 2026.8.1 it lives in a bundled plugin the bridge does not load, so there it is n/a, never a
false red — and a Python driver that ignores the candidate's provider is still caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from simharness.explore.suite import run_suite
from simharness.model.kinds import PROVIDER_KINDS, PROVIDER_RULE_KINDS
from simharness.model.scenario import load_scenario
from simharness.targets import resolve_target
from simharness.targets.locate import locate

ROOT = Path(__file__).parents[1]
CACHE = Path.home() / ".cache/simharness/targets"

DRIVER = '''
from simharness.drivers import JSError, ends_the_call, failover_reason, is_coordination_error, live_switch_target, switch_index
{profile}
def run_with_model_fallback(ctx, candidates, run, on_error):
    attempts, last, i = [], None, 0
    while i < len(candidates):
        provider, model = candidates[i]
        try:
            return (yield from run(provider, model))
        except JSError as err:
            if is_coordination_error(err) or ends_the_call(err):
                raise
            target = live_switch_target(err)
            jump = None if target is None else switch_index(target, candidates, i)
            if jump is not None:
                i = jump
                continue
            attempts.append(f"{{provider}}/{{model}}: {{err.message}} ({{failover_reason(err)}})")  # no provider hint
            if target is None:
                on_error({{"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": len(candidates)}})
            last = err if target is None else JSError(err.message, name="FailoverError")
            i += 1
    if len(attempts) == 1:
        raise last
    raise JSError(f"All models failed ({{len(attempts)}}): " + " | ".join(attempts))
'''
NO_RULES = 'from simharness.drivers import PROVIDER_KINDS, Profile\nSIMHARNESS_PROFILE = Profile("no-rules", PROVIDER_KINDS)\n'


def _suite(tmp_path: Path, profile: str):  # type: ignore[no-untyped-def]
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(profile=profile), encoding="utf-8")
    scenario = load_scenario(ROOT / "scenarios/vocabulary.toml")
    return run_suite([scenario], resolve_target(f"py:{driver}:run_with_model_fallback"), seed=0, budget=80)


def test_a_driver_that_ignores_the_provider_is_caught_where_the_rule_applies(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "")
    verdict = suite.invariants["summary-honest"]
    assert verdict.violated > 0


def test_the_same_driver_is_not_applicable_not_green_where_the_profile_lacks_the_rule(tmp_path: Path) -> None:
    suite = _suite(tmp_path, NO_RULES)
    verdict = suite.invariants["summary-honest"]
    assert verdict.violated == 0 and verdict.not_applicable > 0


@pytest.mark.parametrize(("version", "has_rule"), [("2026.5.20", True), ("2026.8.2", False), ("2026.9.6", False)])
def test_the_profile_has_the_rule_only_where_the_core_classifier_implements_it(version: str, has_rule: bool) -> None:
    package = CACHE / f"openclaw@{version}" / "package"
    if not package.is_dir():
        if __import__("os").environ.get("CI"):
            pytest.fail(f"openclaw@{version} is not installed (CI installs it)")
        pytest.skip(f"openclaw@{version} not installed: simharness target install openclaw@{version}")
    kinds = locate(package, f"openclaw@{version}").profile().kinds
    assert (PROVIDER_RULE_KINDS <= kinds) is has_rule
    assert PROVIDER_KINDS <= kinds
