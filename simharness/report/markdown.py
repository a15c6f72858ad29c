"""summary.md: the verdicts as Markdown, for humans and `$GITHUB_STEP_SUMMARY`, rendered from a report.json document.

User text (scenario names, error messages, the narrative) is HTML-escaped and Markdown-escaped, so it can
neither inject markup nor break the tables.
"""

from __future__ import annotations

from typing import Any

from simharness.report.safe_text import html_text as _h
from simharness.report.safe_text import md_text as _md
from simharness.report.status import STATUS_TEXT, STATUSES, headline, incompleteness, runs_text, status

_MD_ICON = {"violated": "❌", "held": "✅", "n/a": "➖", "not-checked": "⚠️"}


def summary_md(doc: dict[str, Any]) -> str:
    """Markdown for humans and `$GITHUB_STEP_SUMMARY`. User text is HTML-escaped and Markdown-escaped."""
    violated = [i for i in doc["invariants"] if i["violated"]]
    head = headline(doc)
    verdict = f"{head.icon} {_md(head.text)}"
    if not doc["complete"]:
        verdict += f" (INCOMPLETE: {incompleteness(doc)[0]})"
    if doc["unreached"]:  # a passing suite that never raced proves nothing: say so where it is read first
        n = len(doc["unreached"])
        verdict += f" · ⚠️ {n} expected situation{'s' if n > 1 else ''} never reached"
    seconds = doc.get("timing", {}).get("wall_seconds")
    out = [
        f"# simharness: {verdict}",
        "",
        f"Target <code>{_h(doc['target'])}</code> (profile {_md(doc['profile'])}{_lacks_md(doc)}) · seed {doc['seed']} · {runs_text(doc)}"
        f" ({doc['budget']} per scenario) · shard {_md(doc['shard'])}" + (f" · {seconds:g} s" if seconds else ""),
        *_incomplete_md(doc),
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


def _incomplete_md(doc: dict[str, Any]) -> list[str]:
    """Why an incomplete report covers only some runs (a Ctrl-C, a worker that died, a target that failed)."""
    if doc["complete"]:
        return []
    return ["", f"**Incomplete** ({_md(incompleteness(doc)[0])}): {_md(incompleteness(doc)[1])}. Verdicts cover only the runs judged."]


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
