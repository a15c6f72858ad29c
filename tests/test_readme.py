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


def test_the_tutorial_runs_as_written(tmp_path, scenarios_dir, monkeypatch, capsys):
    """The tutorial's buggy driver is caught with the exit code and message the README shows; its schedule
    replays; the template (the fix) holds on that same schedule."""
    from simharness.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("#### Tutorial") :]
    buggy = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]
    shown = re.search(r"```\n\$ (simharness run .*?)\n(.*?)```", section, re.DOTALL)
    assert shown is not None
    (tmp_path / "my_driver.py").write_text(buggy, encoding="utf-8")
    (tmp_path / "fixed.py").write_text(readme_template(), encoding="utf-8")
    (tmp_path / "scenarios").symlink_to(scenarios_dir)
    monkeypatch.chdir(tmp_path)

    assert main(shown.group(1).split()[1:]) == 1
    out = capsys.readouterr().out
    for line in shown.group(2).splitlines():
        if line.strip() and line.strip() != "...":
            assert line.strip() in out, line
    replay = re.search(r"reproduce: (simharness replay \S+) --target (\S+)", out)
    assert replay is not None
    assert main([*replay.group(1).split()[1:], "--target", replay.group(2)]) == 1
    assert main([*replay.group(1).split()[1:], "--target", "py:fixed.py:run_with_model_fallback"]) == 0
