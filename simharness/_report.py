"""Reports: report.json (machine-readable verdicts), summary.md ($GITHUB_STEP_SUMMARY), junit.xml, report.html.

Every report is rendered from the report.json document alone (`write_docs`), so a merged document — shards
(`simharness report merge`), pytest items, xdist workers — renders exactly like a single run's. For that the
document carries each counterexample's trace (the SVG timeline needs it) and the index of the run that found
it (merging picks the counterexample an unsharded run would have found: the lowest scenario, then run index).

Written atomically. Counterexample schedules are written next to them under `schedules/`; a schedule's
name is derived from data we control (scenario names are sanitized), so it cannot escape the report dir.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simharness import __version__
from simharness._invariants import INVARIANTS, SITUATIONS, Violation
from simharness._io import write_atomic_many
from simharness._runner import RunResult, SuiteResult, seeds_for
from simharness._schedule import replay_command, save_schedule
from simharness._trace import Event, Trace

_NOISE = {"lock.acquire", "lock.release", "lock.release_fenced"}

#: Which event an invariant's violation points at, most specific first (matched at the violation's time and call).
_VIOLATING_KINDS: dict[str, tuple[str, ...]] = {
    "coordination-single-run": ("run.start", "on_error", "call.return", "call.raise"),
    "explicit-metadata-advances": ("run.start", "call.raise", "call.return"),
    "summary-honest": ("call.raise",),
    "success-stops": ("run.start", "call.return", "call.raise"),
    "no-idle-burn": ("call.raise", "call.return"),
    "lock-exclusive": ("lock.acquire",),
    "no-silent-overwrite": ("window.close",),
    "terminates": ("liveness.exceeded", "call.start"),
}


def safe_name(text: str) -> str:
    """A file-name fragment from user text: no separators, no dots at the start, bounded length."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned[:60] or "scenario"


def narrate(trace: Trace | Sequence[Event], *, limit: int = 80, locks: bool = False, focus: int | None = None, mark: str = "") -> list[str]:
    """The trace as lines a human reads top to bottom.

    `focus` is the index of the event to point at (the violating step): its line ends in `◀ mark`, and when
    the story is longer than `limit` lines, the lines kept are the start and the stretch leading up to it.
    """
    events = trace.events if isinstance(trace, Trace) else trace
    lines: list[str] = []
    focus_line: int | None = None
    for i, e in enumerate(events):
        if not locks and e.kind in _NOISE and i != focus:
            continue
        line = f"{e.t:>9} ms  {e.actor:<22} {describe_event(e)}"
        if i == focus:  # marked at both ends: long lines wrap
            focus_line = len(lines)
            line = ("✗" + line[1:] if line.startswith(" ") else line) + (f"   ◀ {mark}" if mark else "   ◀")
        lines.append(line)
    if len(lines) <= limit:
        return lines
    head = limit // 8 if focus_line is not None else limit // 2
    end = min(len(lines), focus_line + 6) if focus_line is not None else len(lines)
    keep = set(range(head)) | set(range(max(head, end - (limit - head)), end))
    return _elide(lines, keep)


def _elide(lines: list[str], keep: set[int]) -> list[str]:
    out: list[str] = []
    skipped = 0
    for i, line in enumerate(lines):
        if i in keep:
            if skipped:
                out.append(f"          … {skipped} more events …")
                skipped = 0
            out.append(line)
        else:
            skipped += 1
    if skipped:
        out.append(f"          … {skipped} more events …")
    return out


def describe_event(e: Event) -> str:
    """One event in words (the narrative's and the timeline tooltips' text)."""
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
    if k == "lock.acquire":
        return f"{d['owner']} acquires the lock (token {d['token']})"
    if k == "lock.release":
        return f"{d['owner']} releases the lock"
    if k == "lock.release_fenced":
        return f"{d['owner']} no longer holds the lock (fenced)"
    if k == "lock.timeout":
        return f"{d['owner']} times out waiting for the lock (held by {d['holder']})"
    if k == "lock.broken":
        return f"{d['by']} deletes the lock held by {d['holder']}"
    if k == "lock.stale_takeover":
        return f"{d['owner']} takes over a stale lock from {d['previous']}"
    if k == "writer.gave_up":
        return f"gives up waiting for the lock on {d['file']}"
    if k == "liveness.exceeded":
        return f"stops the run: {d.get('reason')}"
    return f"{k} {json.dumps(d, sort_keys=True)}"


def events_from_json(items: Iterable[dict[str, Any]]) -> list[Event]:
    """Events back from `Trace.to_json()` (as stored in report.json)."""
    return [Event(int(x["t"]), str(x["actor"]), str(x["kind"]), dict(x.get("data") or {})) for x in items]


def violating_event(events: Sequence[Event], violation: Violation) -> int | None:
    """Index of the event a violation is about: its own `event` if the invariant set it, else the best match
    at the violation's virtual time (and call)."""
    if violation.event is not None:
        return violation.event
    kinds = _VIOLATING_KINDS.get(violation.invariant)
    if kinds is None:
        return None
    best: tuple[int, int] | None = None
    for i, e in enumerate(events):
        if e.t != violation.at or e.kind not in kinds or (violation.call is not None and e.data.get("call") != violation.call):
            continue
        rank = (kinds.index(e.kind), i)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[1]


def _run_index(suite: SuiteResult, result: RunResult) -> int | None:
    """Which run of its scenario (0-based, unsharded numbering) a result was: the key merges order by."""
    if result.seed is None:
        return None
    index, count = suite.shard
    for k, seed in enumerate(seeds_for(result.scenario, suite.seed, suite.budget, suite.shard)):
        if seed == result.seed:
            return index - 1 + k * count
    return None


def _counterexample(suite: SuiteResult, inv: str, out_dir: Path) -> dict[str, Any] | None:
    totals = suite.invariants[inv]
    if totals.counterexample is None:
        return None
    original = totals.counterexample
    shown: RunResult = totals.shrunk or original
    name = f"{safe_name(shown.scenario.name)}--{inv}--{original.seed}.json"
    save_schedule(out_dir / "schedules" / name, shown, invariant=inv, original=original if totals.shrunk else None)
    first = next(v for v in shown.verdicts.violations if v.invariant == inv)
    event = violating_event(shown.trace.events, first)
    return {
        "scenario": shown.scenario.name,
        "seed": original.seed,
        "run": _run_index(suite, original),
        "message": first.message,
        "at_ms": first.at,
        "call": first.call,
        "event": event,
        "schedule": f"schedules/{name}",
        "replay": replay_command(f"{out_dir.as_posix()}/schedules/{name}", shown.target),
        "choices": {"original": len(original.choices), "shrunk": len(shown.choices)},
        "size": {"original": sum(1 for c in original.choices if c.value), "shrunk": sum(1 for c in shown.choices if c.value)},
        "trace_sha256": shown.trace_sha256,
        "narrative": narrate(shown.trace, focus=event, mark=f"violates {inv}"),
        "trace": shown.trace.to_json(),
    }


def report_json(suite: SuiteResult, out_dir: Path) -> dict[str, Any]:
    situations = suite.situation_totals()
    single = len(suite.scenarios) == 1  # then the suite's totals are the scenario's own
    return {
        "tool": "simharness",
        "version": __version__,
        "target": suite.target,
        "profile": suite.profile,
        "strategy": suite.strategy,
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
                "description": s.scenario.description,
                "path": s.scenario.path,
                "seed": suite.seed,
                "runs": s.runs,
                "failed_runs": s.failed_runs,
                "situations": {k: s.situations[k] for k in SITUATIONS if s.situations[k]},
                "expect": list(s.scenario.expect_sometimes),
                **({"exploration": s.exploration.to_json()} if s.exploration is not None and s.exploration.strategy != "random" else {}),
                **(
                    {
                        "invariants": {
                            inv: {"checked": t.checked, "violated": t.violated, "not_applicable": t.not_applicable}
                            for inv, t in suite.invariants.items()
                        }
                    }
                    if single
                    else {}
                ),
            }
            for s in suite.scenarios
        ],
        "sometimes": [{"id": k, "description": SITUATIONS[k], "hits": situations[k]} for k in SITUATIONS],
        "unreached": [{"scenario": sc, "situation": sit} for sc, sit in suite.unreached()],
        "timing": timing(suite.runs, suite.wall_seconds),
    }


def timing(runs: int, wall_seconds: float) -> dict[str, Any]:
    return {"wall_seconds": round(wall_seconds, 3), "runs_per_second": round(runs / wall_seconds, 1) if wall_seconds else None}


# --- summary.md ---------------------------------------------------------------------------------------


def status(inv: dict[str, Any]) -> str:
    """violated | holds | n/a (the target's profile cannot produce the fault) | unchecked (never exercised)."""
    if inv["violated"]:
        return "violated"
    if inv["checked"]:
        return "holds"
    return "n/a" if inv["not_applicable"] else "unchecked"


_MD_ICON = {"violated": "❌", "holds": "✅", "n/a": "➖", "unchecked": "⚠️"}


def summary_md(doc: dict[str, Any]) -> str:
    """Markdown for humans and `$GITHUB_STEP_SUMMARY`. User text is HTML-escaped and Markdown-escaped."""
    violated = [i for i in doc["invariants"] if i["violated"]]
    verdict = "✅ all invariants hold" if not violated else f"❌ {len(violated)} invariant{'s' if len(violated) > 1 else ''} violated"
    if not doc["complete"]:
        verdict += " (INCOMPLETE: interrupted)"
    if doc["unreached"]:  # a passing suite that never raced proves nothing: say so where it is read first
        n = len(doc["unreached"])
        verdict += f" · ⚠️ {n} expected situation{'s' if n > 1 else ''} never reached"
    seconds = doc.get("timing", {}).get("wall_seconds")
    out = [
        f"# simharness: {verdict}",
        "",
        f"Target <code>{_h(doc['target'])}</code> (profile {_md(doc['profile'])}) · seed {doc['seed']} · {doc['runs']} runs"
        f" ({doc['budget']} per scenario) · shard {_md(doc['shard'])}" + (f" · {seconds:g} s" if seconds else ""),
        *_strategy_md(doc),
        "",
        "| | invariant | checked | violated | n/a |",
        "|---|---|---:|---:|---:|",
    ]
    for inv in doc["invariants"]:
        out.append(f"| {_MD_ICON[status(inv)]} | {_md(inv['id'])} | {inv['checked']} | {inv['violated']} | {inv['not_applicable']} |")
    out += ["", "✅ holds · ❌ violated · ➖ not applicable to this target's profile · ⚠️ never exercised"]
    for inv in violated:
        ce = inv["counterexample"]
        out += ["", f"## ❌ {_md(inv['id'])}: {inv['violated']} violating runs", "", f"> {_md(inv['description'])}", ""]
        if ce is None:
            continue
        run = f", run {ce['run']}" if ce.get("run") is not None else ""
        out += [
            f"First found in scenario **{_md(ce['scenario'])}** (seed {ce['seed']}{run}): {_md(ce['message'])}",
            "",
            f"Shrunk from {ce['size']['original']} to {ce['size']['shrunk']} non-trivial choices. Reproduce: <code>{_h(ce['replay'])}</code>",
            "",
            "<details><summary>What happened (the shrunk schedule, narrated)</summary>",
            "",
            "<pre>",
            *(_h(line) for line in ce["narrative"]),
            "</pre>",
            "",
            "</details>",
        ]
    out += ["", "## Coverage (`sometimes`)", "", "| situation | hits |", "|---|---:|"]
    out += [f"| {'⚠️ ' if not s['hits'] else ''}{_md(s['id'])} | {s['hits']} |" for s in doc["sometimes"]]
    if doc["unreached"]:
        out += ["", "**Never reached** (a passing verdict there proves less than it seems):", ""]
        out += [f"- {_md(u['scenario'])}: {_md(u['situation'])}" for u in doc["unreached"]]
    return "\n".join(out) + "\n"


def _strategy_md(doc: dict[str, Any]) -> list[str]:
    """The strategy, and per scenario what it reports (PCT's detection bound, whether exhaustive finished)."""
    lines = ["", f"Strategy **{_md(doc.get('strategy', 'random'))}**."]
    for s in doc["scenarios"]:
        ex = s.get("exploration") or {}
        bits = [f"{ex['distinct_traces']} distinct traces"] if "distinct_traces" in ex else []
        if ex.get("bound"):
            bits.append(f"detection bound {_md(ex['bound'])}")
        if "exhausted" in ex:
            done = "space exhausted" + (", complete" if ex.get("complete") else " within the bound")
            bits.append(done if ex["exhausted"] else "not exhausted")
        if bits and ex.get("strategy") != "random":
            lines.append(f"- {_md(s['name'])}: {', '.join(bits)}")
    return lines


def _h(text: object) -> str:
    return html.escape(str(text), quote=False)


def _md(text: object) -> str:
    """Plain text inside Markdown: no HTML, no emphasis, links, code spans or table breaks."""
    return re.sub(r"([\\`*_{}\[\]()#|~!])", r"\\\1", _h(text)).replace("\n", " ")


# --- writing ----------------------------------------------------------------------------------------------


def write_docs(doc: dict[str, Any], out_dir: str | Path) -> dict[str, Any]:
    """Write every report of a report.json document: report.json, summary.md, junit.xml, report.html."""
    from simharness._html import report_html
    from simharness._junit import junit_xml

    out = Path(out_dir)
    write_atomic_many(  # all four or none: a full disk never leaves new and old reports mixed
        {
            out / "report.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
            out / "summary.md": summary_md(doc),
            out / "junit.xml": junit_xml(doc),
            out / "report.html": report_html(doc),
        }
    )
    return doc


def write_reports(suite: SuiteResult, out_dir: str | Path) -> dict[str, Any]:
    return write_docs(report_json(suite, Path(out_dir)), out_dir)
