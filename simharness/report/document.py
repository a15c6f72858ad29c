"""Reports: report.json (machine-readable verdicts), summary.md ($GITHUB_STEP_SUMMARY), junit.xml, report.html.

Every report is rendered from the report.json document alone (`write_docs`), so a merged document — shards
(`simharness report merge`), pytest items, xdist workers — renders exactly like a single run's. For that the
document carries each counterexample's trace (the SVG timeline needs it) and the index of the run that found
it (merging picks the counterexample an unsharded run would have found: the lowest scenario, then run index).

Written atomically. Counterexample schedules are written next to them under `schedules/`; a schedule's
name is derived from data we control (scenario names are sanitized), so it cannot escape the report dir.
Writing a report removes the counterexample schedules there that the new report does not reference (an
earlier run's), so a stale counterexample never sits beside a green report.

**No vacuous pass.** Every invariant has one status, computed from its counts by `status()` and shown the
same way in every report and on the CLI:

- `held`: checked at least once, never violated;
- `violated`: at least one run violated it;
- `not-checked`: no run reached a situation it judges (0 checks): never shown as held;
- `n/a`: only situations whose fault kind the target's profile cannot throw.

The headline (`headline()`) says "all invariants held" only when every one of them was checked and held; else
it names what was and was not checked. When any situation was n/a (the target's profile lacks its fault kind,
listed in report.json as `profile_lacks`), the headline says so with the kinds, at level `caveat` (⚠️, never
the green tick); the exit code is unchanged. A suite in which no *contract* invariant (one that judges how the
driver handles what `run` does: every invariant not in `BASELINE`) was checked at all is `unexercised`, and
no report shows it with a green tick. Exit codes: `not-checked` and `unexercised` do not change the exit
code by themselves (0); `--strict-coverage` makes an unexercised suite exit 1. Items that crashed (pytest
plugin) are listed under `errors` and fail the document (`ok: false`).

**Any string survives.** Error messages come from the code under test (through the Node bridge: a lone UTF-16
surrogate from JS `.slice` on an emoji, control characters, NUL). `write_docs` first turns lone surrogates
into U+FFFD (report.json stays valid UTF-8, other control characters are JSON-escaped, so kept); summary.md
and report.html show control characters as visible symbols; junit.xml drops what XML 1.0 cannot carry.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.check.invariants import Violation
from simharness.engine.runner import RunResult, seeds_for
from simharness.engine.schedule import replay_command, save_schedule
from simharness.explore.suite import SuiteResult
from simharness.model.io import write_atomic_many
from simharness.model.kinds import INVARIANTS, SITUATIONS, EventKind
from simharness.model.scenario import Scenario
from simharness.model.trace import Event, Trace
from simharness.model.version import VERSION as __version__

_NOISE = {EventKind.LOCK_ACQUIRE, EventKind.LOCK_RELEASE, EventKind.LOCK_RELEASE_FENCED}

#: Which event an invariant's violation points at, most specific first (matched at the violation's time and call).
_VIOLATING_KINDS: dict[str, tuple[str, ...]] = {
    "coordination-single-run": (EventKind.RUN_START, EventKind.ON_ERROR, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
    "explicit-metadata-advances": (EventKind.RUN_START, EventKind.CALL_RAISE, EventKind.CALL_RETURN),
    "summary-honest": (EventKind.CALL_RAISE,),
    "success-stops": (EventKind.RUN_START, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
    "no-idle-burn": (EventKind.CALL_RAISE, EventKind.CALL_RETURN),
    "lock-exclusive": (EventKind.LOCK_ACQUIRE,),
    "no-silent-overwrite": (EventKind.WINDOW_CLOSE,),
    "terminates": (EventKind.LIVENESS_EXCEEDED, EventKind.CALL_START),
    "driver-contract": (EventKind.DRIVER_MISUSE, EventKind.CALL_CRASH, EventKind.DRIVER_CRASH, EventKind.CALL_RETURN, EventKind.CALL_RAISE),
}


def safe_name(text: str) -> str:
    """A file-name fragment from user text: no separators, no dots at the start, bounded length."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned[:60] or "scenario"


def narrate(trace: Trace | Sequence[Event], *, limit: int = 80, locks: bool = False, focus: int | None = None, mark: str = "") -> list[str]:
    """The trace as lines a human reads top to bottom.

    `focus` is the index of the event to point at (the violating step): its line ends in `◀ mark`, and when
    the story is longer than `limit` lines, the lines kept are the start and the stretch leading up to it.
    Lines are `visible`: safe to print whatever text the driver put in its errors.
    """
    events = trace.events if isinstance(trace, Trace) else trace
    lines: list[str] = []
    focus_line: int | None = None
    for i, e in enumerate(events):
        if not locks and e.kind in _NOISE and i != focus:
            continue
        line = visible(f"{e.t:>9} ms  {e.actor:<22} {describe_event(e)}")
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
    if k == EventKind.CALL_START:
        return f"calls the driver (call {d['call']}) with chain {' → '.join(d['chain'])}"
    if k == EventKind.RUN_START:
        return f"run #{d['n']}: {d['candidate']}"
    if k == EventKind.RUN_RAISE:
        return f"run raises {d['shape']} [{d['category']}] “{d['message']}”"
    if k == EventKind.RUN_OK:
        return f"run succeeds: {d['value']}"
    if k == EventKind.ON_ERROR:
        return f"driver calls onError for {d['candidate']}"
    if k == EventKind.CALL_RAISE:
        return f"driver throws {d.get('name')}: “{d.get('message')}”" + (" (same object run threw)" if d.get("err") else "")
    if k == EventKind.CALL_RETURN:
        return f"driver returns {d['value']}"
    if k == EventKind.WINDOW_OPEN:
        return f"releases the lock for the prompt on {d['file']}"
    if k == EventKind.WINDOW_CLOSE:
        return f"reacquires {d['file']}: " + ("file CHANGED" if d["changed"] else "unchanged")
    if k == EventKind.FILE_WRITE:
        return f"writes {d['file']} (size {d['size']})"
    if k == EventKind.TAKEOVER_DETECTED:
        return f"detects a takeover of {d['file']}"
    if k == EventKind.PROVIDER_REQUEST:
        return f"request for {d['model']} → {d['fault']}"
    if k == EventKind.PROVIDER_FAULT:
        return f"answers {d['fault']}"
    if k == EventKind.PROVIDER_REPLY:
        return f"replies for {d['model']}"
    if k == EventKind.LOCK_ACQUIRE:
        return f"{d['owner']} acquires the lock (token {d['token']})"
    if k == EventKind.LOCK_RELEASE:
        return f"{d['owner']} releases the lock"
    if k == EventKind.LOCK_RELEASE_FENCED:
        return f"{d['owner']} no longer holds the lock (fenced)"
    if k == EventKind.LOCK_TIMEOUT:
        return f"{d['owner']} times out waiting for the lock (held by {d['holder']})"
    if k == EventKind.LOCK_BROKEN:
        return f"{d['by']} deletes the lock held by {d['holder']}"
    if k == EventKind.LOCK_STALE_TAKEOVER:
        return f"{d['owner']} takes over a stale lock from {d['previous']}"
    if k == EventKind.WRITER_GAVE_UP:
        return f"gives up waiting for the lock on {d['file']}"
    if k == EventKind.LIVENESS_EXCEEDED:
        return f"stops the run: {d.get('reason')}"
    if k in (EventKind.DRIVER_MISUSE, EventKind.CALL_CRASH, EventKind.DRIVER_CRASH):  # engine: `driver-contract` events
        at = f" at {d['where']}" if d.get("where") else ""
        if k == EventKind.DRIVER_MISUSE:
            return f"breaks the driver contract: {d.get('message')}{at}"
        if d.get("type") == "contract":
            return f"the call ends: the driver broke its contract{at}"
        return f"driver crashes: {d.get('type')}: “{d.get('message')}”{at}"
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
        **({"shrink_stopped": shown.shrink_stopped} if shown.shrink_stopped else {}),  # engine: shrinking hit its time budget
        "narrative": narrate(shown.trace, focus=event, mark=f"violates {inv}"),
        "trace": shown.trace.to_json(),
    }


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of a scenario's contents (its parsed source): shards and items are merged only when it agrees."""
    body = json.dumps(scenario.source, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


#: How many distinct error shapes an invariant lists (the rest are counted in `runs`, not named).
MAX_SHAPES = 40


def shapes_json(shapes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Every error shape that violated an invariant, most runs first: the departures, not just the first one."""
    ranked = sorted(shapes.items(), key=lambda item: (-item[1], item[0]))
    return [{"shape": shape, "runs": runs} for shape, runs in ranked[:MAX_SHAPES]]


def report_json(suite: SuiteResult, out_dir: Path) -> dict[str, Any]:
    situations = suite.situation_totals()
    single = len(suite.scenarios) == 1  # then the suite's totals are the scenario's own
    invariants: list[dict[str, Any]] = [
        {
            "id": inv,
            "description": INVARIANTS.get(inv, inv),
            "checked": t.checked,
            "violated": t.violated,
            "not_applicable": t.not_applicable,
            "counterexample": _counterexample(suite, inv, out_dir),
            **({"shapes": shapes_json(t.shapes)} if t.shapes else {}),
        }
        for inv, t in suite.invariants.items()
    ]
    return {
        "tool": "simharness",
        "version": __version__,
        "target": suite.target,
        "profile": suite.profile,
        **({"profile_lacks": profile_lacks(suite.profile_kinds)} if suite.profile_kinds is not None else {}),
        "strategy": suite.strategy,
        "seed": suite.seed,
        "budget": suite.budget,
        "shard": f"{suite.shard[0]}/{suite.shard[1]}",
        "runs": suite.runs,
        "ok": suite.ok,
        "complete": suite.complete,
        "invariants": invariants,
        "errors": [],  # items that crashed instead of being judged (pytest plugin): each fails the document
        "scenarios": [
            {
                "name": s.scenario.name,
                "description": s.scenario.description,
                "path": s.scenario.path,
                "digest": scenario_digest(s.scenario),
                "seed": suite.seed,
                "runs": s.runs,
                "failed_runs": s.failed_runs,
                "situations": {k: s.situations[k] for k in SITUATIONS if s.situations[k]},
                "expect": list(s.scenario.expect_sometimes),
                **({"skipped_after_stall": s.skipped_after_stall} if s.skipped_after_stall else {}),  # engine: runs not made after a stall
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


def profile_lacks(kinds: Iterable[str]) -> list[str]:
    """The fault kinds the world builds that a profile lacks: what its n/a verdicts stand for."""
    from simharness.model.target import ALL_KINDS_PROFILE

    return sorted(ALL_KINDS_PROFILE.kinds - set(kinds))


def timing(runs: int, wall_seconds: float) -> dict[str, Any]:
    return {"wall_seconds": round(wall_seconds, 3), "runs_per_second": round(runs / wall_seconds, 1) if wall_seconds else None}


# --- summary.md ---------------------------------------------------------------------------------------


#: An invariant's status, from its counts (see the module docstring), in the order reports explain them.
STATUSES = ("held", "violated", "not-checked", "n/a")
STATUS_TEXT = {
    "held": "checked and never violated",
    "violated": "violated in at least one run",
    "not-checked": "no run reached a situation it judges (0 checks): not a pass",
    "n/a": "not applicable: the target's profile cannot throw the fault kind involved; never counted as passed",
}

#: Invariants that judge every run or driver call whatever it injects (or judge the simulated world, not the
#: driver): their checks alone do not mean the driver's handling of coordination and provider errors was
#: tested. Any other id, including one added later, is a contract invariant.
BASELINE = frozenset({"deterministic", "terminates", "driver-contract", "lock-exclusive", "no-silent-overwrite"})


def status(inv: dict[str, Any]) -> str:
    """held | violated | not-checked | n/a, from an invariant's counts (works on documents of any version)."""
    if inv.get("violated"):
        return "violated"
    if inv.get("checked"):
        return "held"
    return "n/a" if inv.get("not_applicable") else "not-checked"


def exercised(doc: dict[str, Any]) -> bool:
    """Was any contract invariant checked? If not, the target's fallback handling was never tested."""
    return any(i.get("checked") or i.get("violated") for i in doc["invariants"] if i["id"] not in BASELINE)


@dataclass(frozen=True, slots=True)
class Headline:
    """The verdict in one line: `level` is ok | caveat | unexercised | bad; `text` carries no icon (renderers
    add theirs). `caveat`: nothing violated, but some situations were n/a (kinds outside the target's profile)."""

    level: str
    text: str

    @property
    def icon(self) -> str:
        return {"ok": "✅", "caveat": "⚠️", "unexercised": "⚠️", "bad": "❌"}[self.level]


def _ids(items: Sequence[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def headline(doc: dict[str, Any]) -> Headline:
    """What the document proves, honestly: never "all invariants held" for invariants no run checked."""
    by_status: dict[str, list[str]] = {st: [] for st in STATUSES}
    for inv in doc["invariants"]:
        by_status[status(inv)].append(str(inv["id"]))
    errors = doc.get("errors") or []
    held, violated, unchecked, na = (by_status[st] for st in STATUSES)
    total = len(doc["invariants"])
    if violated or errors:
        parts = [f"{len(violated)} invariant{'s' if len(violated) != 1 else ''} violated ({_ids(violated)})"] if violated else []
        if errors:
            parts.append(f"{len(errors)} scenario item{'s' if len(errors) != 1 else ''} crashed instead of being judged")
        return Headline("bad", "; ".join(parts))
    if not doc.get("runs") or not exercised(doc):
        what = "no runs" if not doc.get("runs") else f"{len(held)} baseline invariant{'s' if len(held) != 1 else ''} held ({_ids(held)})"
        rest = ([f"not checked: {_ids(unchecked)}"] if unchecked else []) + ([f"n/a: {_ids(na)}"] if na else [])
        return Headline("unexercised", "nothing the fallback contract judges was checked: " + "; ".join([what, *rest]))
    skipped = _not_applicable(doc)
    if len(held) == total:
        if skipped:  # held, but not on every situation the world built: never a plain green "all held"
            return Headline("caveat", f"all {total} invariants held where applicable; {skipped}")
        return Headline("ok", f"all {total} invariants held")
    rest = ([f"{len(unchecked)} not checked ({_ids(unchecked)})"] if unchecked else []) + ([f"{len(na)} n/a ({_ids(na)})"] if na else [])
    if skipped:
        rest.append(skipped)
    return Headline("caveat" if skipped else "ok", f"{len(held)} of {total} invariants held; " + "; ".join(rest))


def _not_applicable(doc: dict[str, Any]) -> str:
    """ "N situations n/a: kinds outside the target's profile (k, ...)" when any invariant skipped situations
    as not applicable, else ""."""
    n = sum(int(i.get("not_applicable") or 0) for i in doc["invariants"])
    if not n:
        return ""
    lacks = doc.get("profile_lacks")
    kinds = f" ({_ids(lacks)})" if lacks else ""
    return f"{n} situation{'s' if n != 1 else ''} n/a: fault kinds outside the target's profile {doc.get('profile')}{kinds}"


_MD_ICON = {"violated": "❌", "held": "✅", "n/a": "➖", "not-checked": "⚠️"}


def summary_md(doc: dict[str, Any]) -> str:
    """Markdown for humans and `$GITHUB_STEP_SUMMARY`. User text is HTML-escaped and Markdown-escaped."""
    violated = [i for i in doc["invariants"] if i["violated"]]
    head = headline(doc)
    verdict = f"{head.icon} {_md(head.text)}"
    if not doc["complete"]:
        verdict += " (INCOMPLETE: interrupted)"
    if doc["unreached"]:  # a passing suite that never raced proves nothing: say so where it is read first
        n = len(doc["unreached"])
        verdict += f" · ⚠️ {n} expected situation{'s' if n > 1 else ''} never reached"
    seconds = doc.get("timing", {}).get("wall_seconds")
    out = [
        f"# simharness: {verdict}",
        "",
        f"Target <code>{_h(doc['target'])}</code> (profile {_md(doc['profile'])}{_lacks_md(doc)}) · seed {doc['seed']} · {doc['runs']} runs"
        f" ({doc['budget']} per scenario) · shard {_md(doc['shard'])}" + (f" · {seconds:g} s" if seconds else ""),
        *_strategy_md(doc),
        "",
        "| | invariant | status | checked | violated | n/a |",
        "|---|---|---|---:|---:|---:|",
    ]
    for inv in doc["invariants"]:
        st = status(inv)
        shown = f"**{st}**" if st in ("violated", "not-checked") else st
        out.append(f"| {_MD_ICON[st]} | {_md(inv['id'])} | {shown} | {inv['checked']} | {inv['violated']} | {inv['not_applicable']} |")
    out += ["", " · ".join(f"{_MD_ICON[st]} {st}: {STATUS_TEXT[st]}" for st in STATUSES)]
    errors = doc.get("errors") or []
    if errors:
        out += ["", f"## ❌ {len(errors)} crashed", "", "These items raised instead of being judged: they count as failures.", ""]
        out += [f"- {_md(e.get('nodeid') or e.get('scenario'))}: {_md(e.get('message'))}" for e in errors]
    for inv in violated:
        ce = inv["counterexample"]
        out += ["", f"## ❌ {_md(inv['id'])}: {inv['violated']} violating runs", "", f"> {_md(inv['description'])}", ""]
        shapes = inv.get("shapes") or []
        if shapes:
            out += [f"Violated by {len(shapes)} error shape{'s' if len(shapes) != 1 else ''} (runs):", ""]
            out += [f"- <code>{_h(x['shape'])}</code> ({x['runs']})" for x in shapes]
            out += [""]
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


def _lacks_md(doc: dict[str, Any]) -> str:
    lacks = doc.get("profile_lacks")
    return f"; lacks {_md(', '.join(lacks))}: their situations are n/a" if lacks else ""


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


_C0 = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def visible(text: str) -> str:
    """Text for a human-read page or terminal: lone surrogates become U+FFFD, control characters (but tab,
    newline) their visible Unicode symbols (NUL ␀, ESC ␛), so no escape sequence reaches a terminal."""
    return _C0.sub(_picture, unicode_safe(text))


def _picture(m: re.Match[str]) -> str:
    c = ord(m.group())
    return chr(0x2400 + c) if c < 0x20 else "\u2421" if c == 0x7F else "\ufffd"


def unicode_safe(text: str) -> str:
    """`text` encodable as UTF-8: a surrogate pair becomes its character, a lone surrogate U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return unicode_safe(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def finalize(doc: dict[str, Any]) -> dict[str, Any]:
    """Complete a document in place before it is written: every string UTF-8-safe, every invariant's status
    (suite-wide and per scenario), whether the contract was exercised, the headline, and `ok` (no violation,
    no crashed item). Idempotent; works on documents merged from shards or pytest items, and on older ones."""
    cleaned = _clean(doc)
    doc.clear()
    doc.update(cleaned)
    doc.setdefault("errors", [])
    for inv in doc["invariants"]:
        inv["status"] = status(inv)
    for s in doc["scenarios"]:
        for counts in (s.get("invariants") or {}).values():
            counts["status"] = status(counts)
    doc["exercised"] = exercised(doc)
    doc["ok"] = all(not i["violated"] for i in doc["invariants"]) and not doc["errors"]
    head = headline(doc)
    doc["headline"] = {"level": head.level, "text": head.text}
    return doc


#: A counterexample schedule's file name as `_counterexample` makes it: <scenario>--<invariant>--<seed>.json
_SCHEDULE_NAME = re.compile(r"(?P<scenario>[A-Za-z0-9_][A-Za-z0-9_-]{0,59})--(?P<invariant>[a-z][a-z0-9-]*)--(?:\d+|None)\.json")


def prune_schedules(doc: dict[str, Any], out_dir: str | Path, keep: Iterable[str] = ()) -> list[Path]:
    """Remove the counterexample schedules in `out_dir/schedules` that `doc` does not reference (nor `keep`).

    Only files named as simharness names counterexamples (<scenario>--<invariant id>--<seed>.json) go; the
    `sim` fixture's `test-…` schedules, differential and target-failure schedules, and anything else stay."""
    directory = Path(out_dir) / "schedules"
    keep = {Path(str(name)).name for name in keep}
    keep |= {Path(str(i["counterexample"]["schedule"])).name for i in doc["invariants"] if i.get("counterexample")}
    ids = set(INVARIANTS) | {str(i["id"]) for i in doc["invariants"]}
    removed: list[Path] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        m = _SCHEDULE_NAME.fullmatch(path.name)
        invariant = m and next((inv for inv in ids if path.name[: -len(".json")].rsplit("--", 1)[0].endswith("--" + inv)), None)
        if not m or invariant is None or path.name in keep or path.name.startswith("test-") or not path.is_file():
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:  # read-only, or gone already: a stale file left behind is no reason to fail the run
            pass
    return removed


def write_docs(doc: dict[str, Any], out_dir: str | Path, *, keep_schedules: Iterable[str] = ()) -> dict[str, Any]:
    """Write every report of a report.json document: report.json, summary.md, junit.xml, report.html.

    The document is completed in place first (`finalize`), so what a caller prints from it afterwards is what
    the reports say, and safe to print. Then the counterexample schedules it does not reference are removed
    (`prune_schedules`), but for `keep_schedules` (those the pytest plugin's failed items point at)."""
    from simharness.report.html import report_html
    from simharness.report.junit import junit_xml

    out = Path(out_dir)
    finalize(doc)
    write_atomic_many(  # all four or none: a full disk never leaves new and old reports mixed
        {
            out / "report.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
            out / "summary.md": visible(summary_md(doc)),
            out / "junit.xml": junit_xml(doc),
            out / "report.html": visible(report_html(doc)),
        }
    )
    prune_schedules(doc, out, keep_schedules)
    return doc


def write_reports(suite: SuiteResult, out_dir: str | Path) -> dict[str, Any]:
    return write_docs(report_json(suite, Path(out_dir)), out_dir)
