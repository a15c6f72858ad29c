"""The reports of `simharness bisect`: bisect.json, bisect.md, the terminal table, and the report.json document
of the replay on the violating release next to the change (rendered by `write.write_docs` like any run's).

Narratives are error messages from the code under test: escaped for Markdown, made visible for the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simharness.engine.runner import RunResult
from simharness.explore.bisect import OUTCOMES, Bisection
from simharness.explore.suite import ScenarioResult, SuiteResult, tally
from simharness.report.document import report_json
from simharness.report.safe_text import md_text, unicode_safe, visible

SCHEMA = "simharness/bisect/v1"
_ICON = {"violated": "❌", "held": "✅", "n/a": "➖", "not-checked": "⚠️", "skipped": "⏭️"}


def bisect_json(b: Bisection, *, command: str, subject: str, registry: dict[str, Any], report_of: str | None) -> dict[str, Any]:
    """The machine-readable result: every tested release in version order, the flips and the boundary."""
    return {
        "schema": SCHEMA,
        "command": command,
        "subject": subject,
        "invariant": b.invariant,
        "range": [b.spec(b.versions[0]), b.spec(b.versions[-1])],
        "versions": [b.spec(v) for v in b.versions],
        "claimed": {"good": b.spec(b.good) if b.good else None, "bad": b.spec(b.bad) if b.bad else None},
        "search": "every release (--all)" if b.exhaustive else "binary",
        "tested": [t.to_json() for t in b.in_order()],
        "flips": [{"from": b.spec(x), "to": b.spec(y), "verdicts": [b.tested[x].verdict, b.tested[y].verdict]} for x, y in b.flips],
        "outcome": b.outcome,
        "outcome_means": OUTCOMES[b.outcome],
        "direction": b.direction,
        "boundary": [b.spec(v) for v in b.boundary] if b.boundary else None,
        "undecided_between": [b.spec(v) for v in b.between],
        "first_bad": b.spec(v) if (v := b.first_bad()) else None,
        "first_good": b.spec(v) if (v := b.first_good()) else None,
        "skipped": [{"version": b.spec(t.version), "reason": t.narrative} for t in b.in_order() if t.verdict == "skipped"],
        "conclusion": b.conclusion(),
        "exit_code": b.exit_code,
        "report_of": report_of,
        "registry": registry,
    }


def table(doc: dict[str, Any]) -> list[str]:
    """The terminal table: version, verdict, runs of `run`, and the one-line narrative (left-aligned)."""
    rows = [("version", "verdict", "runs", "narrative")]
    rows += [(t["version"], t["verdict"], "-" if t["runs"] is None else str(t["runs"]), visible(t["narrative"])) for t in doc["tested"]]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(r[:3], widths)), r[3]]).rstrip() for r in rows]


def bisect_md(doc: dict[str, Any]) -> str:
    package = doc["range"][0].split("@", 1)[0]
    out = [
        f"# simharness bisect: {md_text(doc['invariant'])} on {md_text(doc['range'][0])} .. {md_text(doc['range'][1])}",
        "",
        *(f"**{md_text(line)}**" if i == 0 else md_text(line) for i, line in enumerate(doc["conclusion"])),
        "",
        (
            f"Subject: {md_text(doc['subject'])} · search: {doc['search']} · {len(doc['tested'])} of {len(doc['versions'])} "
            f"published releases tested · outcome `{doc['outcome']}` ({md_text(doc['outcome_means'])})"
        ),
        "",
        f"Regenerate: `{md_text(doc['command'])}`",
        "",
        "| release | verdict | runs of `run` | narrative |",
        "|---|---|---:|---|",
    ]
    for t in doc["tested"]:
        runs = "" if t["runs"] is None else t["runs"]
        out.append(f"| `{md_text(t['version'])}` | {_ICON[t['verdict']]} {t['verdict']} | {runs} | {md_text(t['narrative'])} |")
    untested = [v for v in doc["versions"] if v not in {f"{package}@{t['version']}" for t in doc["tested"]}]
    if untested:
        out += ["", f"Not tested (binary search did not need them): {md_text(', '.join(untested))}"]
    out += [
        "",
        (
            "➖ n/a: the release's profile lacks a fault kind this schedule's world throws, so the invariant cannot be judged "
            "there — never counted as held. ⏭️ skipped: the release could not be installed, loaded or run."
        ),
    ]
    if doc["report_of"]:
        out += [
            "",
            f"The full reports ([report.html](report.html), report.json, summary.md, junit.xml) are the replay on `{md_text(doc['report_of'])}`.",
        ]
    registry = doc["registry"]
    if registry.get("stale"):
        out += ["", f"⚠️ The {package} registry could not be reached: versions from the list cached at {md_text(registry.get('fetched'))}."]
    return "\n".join(out) + "\n"


def replay_document(result: RunResult, out_dir: Path, *, seed: int | None, profile: str, kinds: frozenset[str]) -> dict[str, Any]:
    """report.json of one replay, as a suite of one run (its violations become the report's counterexamples)."""
    suite = SuiteResult(result.target, profile, seed or 0, 1, (1, 1), profile_kinds=kinds)
    sr = ScenarioResult(result.scenario)
    suite.scenarios.append(sr)
    tally(suite, sr, result)
    return report_json(suite, out_dir)


def bisect_files(doc: dict[str, Any], out_dir: Path) -> dict[str | Path, str]:
    return {
        out_dir / "bisect.json": unicode_safe(json.dumps(doc, indent=1, ensure_ascii=False)) + "\n",
        out_dir / "bisect.md": visible(bisect_md(doc)),
    }
