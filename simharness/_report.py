"""Reports: report.json (machine-readable verdicts) and summary.md (for humans and $GITHUB_STEP_SUMMARY).

Written atomically. Counterexample schedules are written next to them under `schedules/`; a schedule's
name is derived from data we control (scenario names are sanitized), so it cannot escape the report dir.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from simharness import __version__
from simharness._invariants import INVARIANTS, SITUATIONS
from simharness._io import write_atomic
from simharness._runner import RunResult, SuiteResult
from simharness._schedule import save_schedule
from simharness._trace import Event, Trace

_NOISE = {"lock.acquire", "lock.release", "lock.release_fenced"}


def safe_name(text: str) -> str:
    """A file-name fragment from user text: no separators, no dots at the start, bounded length."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned[:60] or "scenario"


def narrate(trace: Trace, *, limit: int = 80, locks: bool = False) -> list[str]:
    """The trace as lines a human reads top to bottom."""
    lines = []
    for e in trace.events:
        if not locks and e.kind in _NOISE:
            continue
        lines.append(f"{e.t:>9} ms  {e.actor:<22} {_say(e)}")
    if len(lines) > limit:
        lines = lines[: limit // 2] + [f"          … {len(lines) - limit} more events …"] + lines[-limit // 2 :]
    return lines


def _say(e: Event) -> str:
    d = e.data
    k = e.kind
    if k == "call.start":
        return f"calls the driver (call {d['call']}) with chain {' → '.join(d['chain'])}"
    if k == "run.start":
        return f"run #{d['n']}: {d['candidate']}"
    if k == "run.raise":
        return f"run raises {d['shape']} [{d['category']}] “{d['message']}”"
    if k == "run.ok":
        return f"run succeeds: {d['value']}"
    if k == "on_error":
        return f"driver calls onError for {d['candidate']}"
    if k == "call.raise":
        return f"driver throws {d.get('name')}: “{d.get('message')}”" + (" (same object run threw)" if d.get("err") else "")
    if k == "call.return":
        return f"driver returns {d['value']}"
    if k == "window.open":
        return f"releases the lock for the prompt on {d['file']}"
    if k == "window.close":
        return f"reacquires {d['file']}: " + ("file CHANGED" if d["changed"] else "unchanged")
    if k == "file.write":
        return f"writes {d['file']} (size {d['size']})"
    if k == "takeover.detected":
        return f"detects a takeover of {d['file']}"
    if k == "provider.request":
        return f"request for {d['model']} → {d['fault']}"
    if k == "provider.fault":
        return f"answers {d['fault']}"
    if k == "provider.reply":
        return f"replies for {d['model']}"
    if k == "lock.timeout":
        return f"{d['owner']} times out waiting for the lock (held by {d['holder']})"
    if k == "lock.broken":
        return f"{d['by']} deletes the lock held by {d['holder']}"
    if k == "lock.stale_takeover":
        return f"{d['owner']} takes over a stale lock from {d['previous']}"
    return f"{k} {json.dumps(d, sort_keys=True)}"


def _counterexample(suite: SuiteResult, inv: str, out_dir: Path) -> dict[str, Any] | None:
    totals = suite.invariants[inv]
    if totals.counterexample is None:
        return None
    original = totals.counterexample
    shown: RunResult = totals.shrunk or original
    name = f"{safe_name(shown.scenario.name)}--{inv}--{original.seed}.json"
    save_schedule(out_dir / "schedules" / name, shown, invariant=inv, original=original if totals.shrunk else None)
    first = next(v for v in shown.verdicts.violations if v.invariant == inv)
    return {
        "scenario": shown.scenario.name,
        "seed": original.seed,
        "message": first.message,
        "at_ms": first.at,
        "schedule": f"schedules/{name}",
        "replay": f"simharness replay {out_dir.as_posix()}/schedules/{name}",
        "choices": {"original": len(original.choices), "shrunk": len(shown.choices)},
        "size": {"original": sum(1 for c in original.choices if c.value), "shrunk": sum(1 for c in shown.choices if c.value)},
        "trace_sha256": shown.trace_sha256,
        "narrative": narrate(shown.trace),
    }


def report_json(suite: SuiteResult, out_dir: Path) -> dict[str, Any]:
    situations = suite.situation_totals()
    return {
        "tool": "simharness",
        "version": __version__,
        "target": suite.target,
        "profile": suite.profile,
        "seed": suite.seed,
        "budget": suite.budget,
        "shard": f"{suite.shard[0]}/{suite.shard[1]}",
        "runs": suite.runs,
        "ok": suite.ok,
        "complete": suite.complete,
        "invariants": [
            {
                "id": inv,
                "description": INVARIANTS[inv],
                "checked": t.checked,
                "violated": t.violated,
                "not_applicable": t.not_applicable,
                "counterexample": _counterexample(suite, inv, out_dir),
            }
            for inv, t in suite.invariants.items()
        ],
        "scenarios": [
            {
                "name": s.scenario.name,
                "path": s.scenario.path,
                "runs": s.runs,
                "failed_runs": s.failed_runs,
                "situations": {k: s.situations[k] for k in SITUATIONS if s.situations[k]},
            }
            for s in suite.scenarios
        ],
        "sometimes": [{"id": k, "description": SITUATIONS[k], "hits": situations[k]} for k in SITUATIONS],
        "unreached": [{"scenario": sc, "situation": sit} for sc, sit in suite.unreached()],
        "timing": {"wall_seconds": round(suite.wall_seconds, 3), "runs_per_second": round(suite.runs / suite.wall_seconds, 1) if suite.wall_seconds else None},
    }


def summary_md(doc: dict[str, Any]) -> str:
    verdict = "✅ all invariants hold" if doc["ok"] else "❌ invariant violated"
    if not doc["complete"]:
        verdict += " (INCOMPLETE: interrupted)"
    out = [
        f"# simharness: {verdict}",
        "",
        f"Target `{doc['target']}` (profile {doc['profile']}), seed {doc['seed']}, {doc['runs']} runs, shard {doc['shard']}.",
        "",
        "| invariant | checked | violated | n/a |",
        "|---|---:|---:|---:|",
    ]
    for inv in doc["invariants"]:
        mark = "❌ " if inv["violated"] else ""
        out.append(f"| {mark}`{inv['id']}` | {inv['checked']} | {inv['violated']} | {inv['not_applicable']} |")
    for inv in doc["invariants"]:
        ce = inv["counterexample"]
        if ce is None:
            continue
        out += [
            "",
            f"## `{inv['id']}` violated in `{ce['scenario']}`",
            "",
            f"{_md_escape(ce['message'])}",
            "",
            f"Shrunk from {ce['size']['original']} to {ce['size']['shrunk']} non-trivial choices. Reproduce: `{ce['replay']}`",
            "",
            "```",
            *ce["narrative"],
            "```",
        ]
    out += ["", "## Coverage (`sometimes`)", "", "| situation | hits |", "|---|---:|"]
    out += [f"| {s['id']} | {s['hits']} |" for s in doc["sometimes"]]
    if doc["unreached"]:
        out += ["", "**Never reached** (a passing verdict here proves less than it seems):", ""]
        out += [f"- `{u['scenario']}`: {u['situation']}" for u in doc["unreached"]]
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


def write_reports(suite: SuiteResult, out_dir: str | Path) -> dict[str, Any]:
    out = Path(out_dir)
    doc = report_json(suite, out)
    write_atomic(out / "report.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(out / "summary.md", summary_md(doc))
    return doc
