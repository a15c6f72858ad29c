"""The pre-fix driver under its old name: `openclaw_2026_5_18.py` (kept so existing commands and schedules work)."""

from simharness.drivers.openclaw_2026_5_18 import SIMHARNESS_PROFILE, run_with_model_fallback

__all__ = ["SIMHARNESS_PROFILE", "run_with_model_fallback"]
