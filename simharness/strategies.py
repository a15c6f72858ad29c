"""Public Hypothesis strategies for your own tests: `worlds()`, `faults()`, `error_graphs()`, and
`register_profiles()` (`dev`, `ci`, `nightly`). Exploration strategies (random, pct, ...) are `simharness.explore`."""

from simharness.explore.data import error_graphs, faults, register_profiles, worlds

__all__ = ["error_graphs", "faults", "register_profiles", "worlds"]
