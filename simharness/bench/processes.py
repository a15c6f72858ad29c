"""Measurements that need fresh processes: the pytest plugin's wall time at `-n 0` and `-n 2` (pytest-xdist),
and the peak RSS of a new interpreter after N and 10·N runs (`memory_probe.py` is that interpreter's program):
an in-process figure would carry everything this process already allocated.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simharness.bench.budget import GOAL_RSS_GROWTH_MB, Budget, not_measured
from simharness.model.scenario import Scenario

#: The module a fresh interpreter runs for the memory figure (`python -m`).
PROBE = "simharness.bench.memory_probe"


def xdist(paths: Sequence[Path], budget: Budget, target_spec: str) -> dict[str, Any]:
    """Wall time of one fixed budget through the pytest plugin, in-process (-n 0) and on two workers (-n 2)."""
    if importlib.util.find_spec("xdist") is None:
        return not_measured("pytest-xdist is not installed")
    split = 2
    rows = {}
    with tempfile.TemporaryDirectory(prefix="simharness-bench-") as tmp:
        ini = Path(tmp) / "pytest.ini"  # an empty config: no project conftest, addopts or testpaths interfere
        ini.write_text("[pytest]\n", encoding="utf-8")
        for workers in (0, 2):
            cmd = [
                sys.executable, "-m", "pytest", "-q", "-c", str(ini), "-p", "no:cacheprovider", "-n", str(workers),
                *[str(p.resolve()) for p in paths],
                f"--sim-budget={budget.xdist_budget}", "--sim-seed=0", f"--sim-split={split}", f"--sim-target={target_spec}",
                f"--sim-report-dir={Path(tmp) / f'n{workers}'}",
            ]  # fmt: skip
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            if proc.returncode not in (0, 1):  # 1: some invariant failed, which is a verdict, not a broken run
                last = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or ["?"])[-1]
                return not_measured(f"pytest -n {workers} exited {proc.returncode}: {last}")
            rows[workers] = wall
    return {
        "measured": True,
        "items": f"{len(paths)} scenario {'file' if len(paths) == 1 else 'files'} x {split} splits",
        "runs": len(paths) * budget.xdist_budget,
        "n0_seconds": rows[0],
        "n2_seconds": rows[2],
        "speedup": rows[0] / rows[2] if rows[2] else None,
    }


def memory(scenario: Scenario, budget: Budget, target_spec: str) -> dict[str, Any]:
    """Peak RSS of a fresh process after N and 10·N runs of `run_suite` (the path `simharness run` takes)."""
    if sys.platform == "win32":
        return not_measured("peak RSS is read with resource.getrusage, which Windows lacks")
    rows = []
    for runs in (budget.memory_runs, budget.memory_runs * 10):
        cmd = [sys.executable, "-m", PROBE, str(Path(scenario.path).resolve()), target_spec, str(runs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return not_measured(f"the memory probe failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
        doc = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            {
                "runs": doc["runs"],
                "seconds": doc["seconds"],
                "peak_rss_mb": doc["peak_rss_kb"] / 1024,
                "rss_after_import_mb": doc["rss_before_kb"] / 1024,
                "rss_end_mb": doc["rss_end_kb"] / 1024 if doc["rss_end_kb"] is not None else None,
                "live_objects": doc["objects"],
            }
        )
    growth = rows[1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]
    ends = [r["rss_end_mb"] for r in rows]
    end_growth = ends[1] - ends[0] if None not in ends else None
    worst = max(growth, end_growth or 0.0)
    flat = worst <= max(GOAL_RSS_GROWTH_MB, 0.05 * rows[0]["peak_rss_mb"])
    return {"measured": True, "scenario": scenario.name, "rows": rows, "growth_mb": growth, "end_growth_mb": end_growth, "flat": flat}
