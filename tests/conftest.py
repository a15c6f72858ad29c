"""The suite's shared set-up: Hypothesis profiles, the scenarios directory, and the tests that need REAL openclaw
releases from npm.

Those tests (the Node bridge, the probes, the located profiles, the real bisect) skip when a release is not
installed, and every such skip says the one command that un-skips them (`INSTALL_REAL`); under CI (`CI` set)
they fail instead. So that a run of the README's `pytest -n 2` cannot look complete while it skipped them, the
terminal summary ends with one line: how many tests were skipped for want of real releases, and the command.
Nothing is installed behind the user's back: installing takes ~20-60 s per release from npm.
"""

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from simharness.strategies import register_profiles
from simharness.targets.cache import cache_root

register_profiles()  # the package's `dev`, `ci` and `nightly` profiles (simharness/explore/data.py)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: tests/data holds inputs of tests (a crowded scenario, schedules), not tests: `pytest tests/` walks past it,
#: although the plugin collects scenario files under a directory named on the command line.
collect_ignore = ["data"]

#: Every real release a test of this suite runs against; `INSTALL_REAL` un-skips all of them.
REAL_RELEASES = ("2026.5.18", "2026.5.19", "2026.5.20", "2026.8.2", "2026.9.6")
INSTALL_REAL = "simharness target install " + " ".join(f"openclaw@{v}" for v in REAL_RELEASES)


def missing_release(what: str) -> str:
    """The skip (or, under CI, failure) message of a test whose real release `what` is not installed."""
    return f"{what} is not installed in {cache_root()}; to run this test: {INSTALL_REAL}"


def require_release(version: str) -> Any:
    """The installed openclaw `version` (`targets.install.installed`); when it is not installed the test skips,
    saying the command that installs it, and under CI (`CI=true`) it fails instead."""
    from simharness.targets.install import installed

    done = installed(version)
    if done is None:
        message = missing_release(f"openclaw@{version}")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return done


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


def _skip_reason(report: Any) -> str:
    longrepr = getattr(report, "longrepr", None)
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line: the tests skipped for want of real releases (counted from their skip messages) and the command."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if INSTALL_REAL in _skip_reason(r)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped: real openclaw releases are not installed in {cache_root()}; "
            f"to run them (~20-60 s per release from npm): {INSTALL_REAL}",
            yellow=True,
        )
