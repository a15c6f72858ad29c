import os
from pathlib import Path

import pytest
from hypothesis import settings

from simharness.strategies import register_profiles

register_profiles()  # the package's `dev`, `ci` and `nightly` profiles (simharness/explore/data.py)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS
