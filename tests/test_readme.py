"""The README's driver template is a driver that passes: a newcomer who copies it starts from green."""

from __future__ import annotations

import re
from pathlib import Path

from simharness.explore.suite import run_suite
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

ROOT = Path(__file__).parents[1]


def readme_template() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Writing a driver") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_the_readme_driver_template_holds_every_invariant_on_the_shipped_suite(tmp_path, scenarios_dir):
    driver = tmp_path / "my_driver.py"
    driver.write_text(readme_template(), encoding="utf-8")
    target = resolve_target(f"py:{driver}:run_with_model_fallback")
    suite = run_suite(collect_scenarios([scenarios_dir]), target, seed=0, budget=60)
    assert suite.ok, {
        k: (v.violated, v.counterexample and v.counterexample.verdicts.violations[:1]) for k, v in suite.invariants.items() if v.violated
    }
    assert suite.invariants["coordination-single-run"].checked > 0
    assert suite.invariants["summary-honest"].checked > 0
