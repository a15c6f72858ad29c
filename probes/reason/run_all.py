"""Run probes/reason/reasons.mjs on every installed release and compare each reason with the oracle's table.

    python probes/reason/run_all.py            # prints departures with their first and last release
    python probes/reason/run_all.py --write    # also stores every release's answers in probes/reason/results.json

Each release runs under its own Node (`simharness.targets.install.node_release`). A departure is a case whose
reason is not in `check.oracle.ACCEPTED_REASONS` for its ground truth: a finding about that release, never a
reason to loosen the table (tests/test_summary_reason.py pins the stored answers to the table).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from simharness.check.oracle import ACCEPTED_REASONS
from simharness.targets.install import node_release

HERE = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "simharness" / "targets"


def truth_key(case: str) -> str:
    """The oracle key of a probe case name (`shaped:auth:friendly`, `network:ENOTFOUND`, `message_only:...`)."""
    kind, _, rest = case.partition(":")
    if kind == "shaped":
        failure, _, form = rest.partition(":")
        return "shaped:*:finish_reason" if form == "finish_reason" else f"shaped:{failure}"
    if kind == "message_only":
        return f"message:{rest}"
    if kind == "plain_object":
        return rest  # the world's plain object holds a rate_limit body
    if kind == "detail_code":
        return case
    return kind


def version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def probe(version: str) -> dict[str, str]:
    release = node_release(f"openclaw@{version}")
    wanted = ("FailoverError", "coerceToFailoverError")
    symbols = {n: [s.file, s.export] for n, s in release.located.symbols.items() if n in wanted}
    command = [release.node.path, str(HERE / "reasons.mjs"), release.located.dist, "--json", json.dumps(symbols)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    versions = sorted((p.name.split("@", 1)[1] for p in CACHE.glob("openclaw@*") if (p / "package" / "dist").is_dir()), key=version_key)
    results = {v: probe(v) for v in versions}
    departures: dict[tuple[str, str], list[str]] = {}
    for v, answers in results.items():
        for case, reason in answers.items():
            accepted = ACCEPTED_REASONS.get(truth_key(case))
            if accepted is not None and reason not in accepted:
                departures.setdefault((case, reason), []).append(v)
    for (case, reason), vs in sorted(departures.items()):
        print(f"{case:40s} {reason:14s} {vs[0]} .. {vs[-1]} ({len(vs)} of {len(versions)} releases)")
    if "--write" in sys.argv:
        (HERE / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
