"""`simharness run -j 1` against `-j N` (N worker processes, `--jobs`), on the reference and on a real release.

Each side is one `simharness run` in a fresh process, measured end to end (interpreter start, worker spawn,
each worker's own Node bridge start-up, the runs, merging, the reports): what a user waits for. The CPU
seconds of the process and all its children (workers, bridges) are recorded too, so a ratio can be read
against the work the machine did. The two sides run one after the other in the same invocation; the
machine's load average is in the benchmark's environment section.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simharness.bench.budget import NODE_SPEC, Log, not_measured

#: Runs per scenario: the whole shipped suite on the reference, the PR's race on a release (issue 17's figures).
REFERENCE_BUDGET, NODE_BUDGET = 2000, 1000
QUICK_BUDGET = 10
NODE_SCENARIO = "takeover-race"


def scaling(scenario_dir: Path, jobs: int, *, quick: bool, log: Log = lambda _: None) -> dict[str, Any]:
    """The `-j 1` vs `-j jobs` rows: the reference on every scenario in `scenario_dir`, and `NODE_SPEC` on the
    race when it is installed (a row saying how to install it otherwise)."""
    from simharness.targets.install import installed

    rows = []
    log(f"-j 1 vs -j {jobs}: reference")
    rows.append(_row("reference", [scenario_dir], QUICK_BUDGET if quick else REFERENCE_BUDGET, jobs))
    race = scenario_dir / f"{NODE_SCENARIO}.toml"
    if installed(NODE_SPEC.partition("@")[2]) is None:
        rows.append({"target": NODE_SPEC, **not_measured(f"{NODE_SPEC} is not installed (simharness target install {NODE_SPEC})")})
    elif not race.is_file():
        rows.append({"target": NODE_SPEC, **not_measured(f"no {race}")})
    else:
        log(f"-j 1 vs -j {jobs}: {NODE_SPEC}")
        rows.append(_row(NODE_SPEC, [race], QUICK_BUDGET if quick else NODE_BUDGET, jobs))
    return {"measured": True, "jobs": jobs, "cpus": os.cpu_count(), "rows": rows}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _row(target: str, paths: Sequence[Path], budget: int, jobs: int) -> dict[str, Any]:
    sides: dict[int, dict[str, Any]] = {}
    for j in (1, jobs):
        with tempfile.TemporaryDirectory(prefix="simharness-bench-jobs-") as tmp:
            cmd = [sys.executable, "-m", "simharness", "run", *map(str, paths), "--target", target, "--seed", "0"]
            cmd += ["--budget", str(budget), "--report-dir", tmp, "--no-progress", "-j", str(j)]
            cpu, started = _children_cpu(), time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
            if proc.returncode not in (0, 1):  # 1: a violation, a verdict; anything else is a broken run
                last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                return {"target": target, **not_measured(f"-j {j} exited {proc.returncode}: {last}")}
            doc = json.loads((Path(tmp) / "report.json").read_text(encoding="utf-8"))
            sides[j] = {"seconds": wall, "cpu_seconds": cpu, "runs": doc["runs"], "verdict": doc["headline"]["text"]}
    one, many = sides[1], sides[jobs]
    return {
        "target": target,
        "measured": True,
        "scenarios": len(paths) if paths[0].is_file() else "all",
        "budget": budget,
        "runs": one["runs"],
        "same_runs": one["runs"] == many["runs"] and one["verdict"] == many["verdict"],
        "j1_seconds": one["seconds"],
        "jn_seconds": many["seconds"],
        "j1_cpu_seconds": one["cpu_seconds"],
        "jn_cpu_seconds": many["cpu_seconds"],
        "speedup": one["seconds"] / many["seconds"] if many["seconds"] else None,
    }


def jobs_table(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], list[str]]]:
    """The section as a titled table for `bench.tables` (nothing when the document has no such section)."""
    section = doc.get("jobs")
    if not section or not section.get("measured"):
        return []
    n = section["jobs"]
    rows = []
    for r in section["rows"]:
        if not r.get("measured"):
            rows.append([r["target"], "–", "–", "–", "–", "–", r.get("reason", "")])
            continue
        rows.append(
            [
                r["target"],
                f"{r['runs']:,}",
                f"{r['j1_seconds']:.1f} s",
                f"{r['jn_seconds']:.1f} s",
                f"{r['speedup']:.2f}×" if r["speedup"] else "–",
                f"{r['j1_cpu_seconds']:.1f} / {r['jn_cpu_seconds']:.1f}",
                "same report" if r["same_runs"] else "DIFFERENT runs or verdict",
            ]
        )
    title = f"Scaling: simharness run -j 1 vs -j {n} ({section['cpus']} CPUs; wall time end to end, one run each)"
    header = ["target", "runs", "-j 1", f"-j {n}", "speedup", "CPU s (-j 1 / -j N)", "check"]
    notes = [
        "; ".join(
            f"{r['target']}: {'every shipped scenario' if r['scenarios'] == 'all' else NODE_SCENARIO} at --budget {r['budget']}"
            for r in section["rows"]
            if r.get("measured")
        )
        + " (--seed 0); each side a fresh `simharness run` process, N workers each starting its own target (its own Node bridge).",
        "CPU s: the process and all its children (workers, Node bridges); speedup = wall(-j 1) ÷ wall(-j N).",
    ]
    return [(title, header, rows, notes)]
