"""Rendering a fidelity run (`explore.fidelity`): the case table, the one-line summaries, fidelity.json and
fidelity.md (which also lists every out-of-scope case with its reason), and the to-do list the port's
maintainers work from (one line per disagreeing case: its input, the release's outcome, the port's)."""

from __future__ import annotations

import json
from typing import Any

from simharness.drivers import classifier as default_classifier
from simharness.explore.fidelity import FidelityResult, Port
from simharness.explore.fidelity.compare import CaseResult, expected_text, short


def _cell(r: CaseResult, outcome: dict[str, Any] | None, agrees: bool | None, note: str = "") -> str:
    if agrees is True:
        return "="
    if outcome is None:
        return f"n/a ({note})" if note else "-"
    return "≠ " + short(outcome, 48)


def rows(result: FidelityResult, *, differences_only: bool = False) -> tuple[list[str], list[list[str]]]:
    header = ["case", "source test", "expected", "real(direct)", "real(bridge)", *(p.label for p in result.ports)]
    out: list[list[str]] = []
    for r in result.results:
        interesting = r.bridge_agrees is False or any(r.port_agrees(p.label) is False for p in result.ports) or r.real_passes is False
        if differences_only and not interesting:
            continue
        passes = {True: "", False: " ✗", None: ""}[r.real_passes]
        if r.passes_on:
            passes += (
                " (passes on " + ", ".join(v.removeprefix("openclaw@") for v in r.passes_on[:3]) + ("…)" if len(r.passes_on) > 3 else ")")
            )
        elif r.passes_on == [] and r.real_passes is False:
            passes += " (no checked release passes)"
        out.append(
            [
                r.case.id,
                r.case.test[:44],
                expected_text(r.case, 34),
                short(r.direct, 40) + passes,
                _cell(r, r.bridge, r.bridge_agrees, r.bridge_note),
                *(_cell(r, r.ports.get(p.label), r.port_agrees(p.label)) for p in result.ports),
            ]
        )
    return header, out


def port_summary(result: FidelityResult, port: Port) -> str:
    ran = [r for r in result.results if r.port_agrees(port.label) is not None]
    differ = result.disagreeing(port)
    passing = [r for r in differ if r.real_passes]
    line = f"{port.label}: {len(ran) - len(differ)}/{len(ran)} agree with {result.spec}; {len(differ)} differ"
    if differ:
        line += f" ({len(passing)} of them on cases the real release passes)"
    if port.classifier is default_classifier and not port.reference and port.spec.startswith(("py:", "mutant:")):
        # said, not hidden: a driver that names no classifier module is judged on the shipped one for those cases
        line += "; its classifier cases ran on the shipped 2026.5.20 classifier (the driver names none of its own: set SIMHARNESS_CLASSIFIER)"
    if port.reference:
        allowed = len(differ) - len(result.unexplained(port))
        line += f"; {allowed} where the contract decides coordination differently, {len(result.unexplained(port))} unexplained"
    return line


def summaries(result: FidelityResult) -> list[str]:
    suite = result.suite
    cases = [r.case for r in result.results]
    out_of_scope = sum(not c.in_scope for c in suite.cases)
    kinds = {k: sum(c.kind == k for c in cases) for k in ("classifier", "driver")}
    passes = sum(r.real_passes is True for r in result.results)
    fails = [r for r in result.results if r.real_passes is False]
    derived = sum(r.case.expect is None for r in result.results)
    absent = sorted({r.case.fn for r in result.results if r.real is not None and not r.applies})
    lines = [
        (
            f"{result.spec}: {len(cases)} in-scope cases ({kinds['classifier']} classifier, {kinds['driver']} driver) from openclaw's "
            f"model-fallback.test.ts and failover-error.test.ts; {out_of_scope} out of scope (each with its reason in fidelity.md)"
        ),
        (
            f"the real release passes {passes} of the tests' expectations and fails {len(fails)} (tests of another openclaw version, "
            f"or departures: --versions installed shows which releases pass them); {derived} derived (no expectation)"
        ),
    ]
    if not any(not p.reference for p in result.ports):
        lines.append(f"no Python port of {result.spec} ships: only the reference (the contract) was compared; its differences are shown, not judged")
    if absent:
        n = sum(1 for r in result.results if r.real is not None and not r.applies)
        lines.append(f"{n} cases do not apply: this release does not export {', '.join(absent)}")
    if result.versions_checked:
        elsewhere = sum(bool(r.passes_on) for r in fails)
        lines.append(
            f"of the {len(fails)} cases the release fails, {elsewhere} pass on another of the {len(result.versions_checked)} releases checked; "
            f"{len(fails) - elsewhere} pass on none of them"
        )
    bridged = [r for r in result.results if r.bridge_agrees is not None]
    if result.bridge_problem:
        lines.append(f"bridge: not run ({result.bridge_problem})")
    elif bridged or any(r.bridge_note for r in result.results):
        bad = result.bridge_disagreeing()
        missing = sum(1 for r in result.results if r.bridge is None and r.applies)
        line = f"bridge: {len(bridged) - len(bad)}/{len(bridged)} agree with the direct run"
        if bad:
            line += f"; {len(bad)} DIFFER (the bridge hands the release something else than the release's own objects)"
        if missing:
            line += f"; {missing} not run through the bridge"
        lines.append(line)
    lines.extend(port_summary(result, p) for p in result.ports)
    return lines


def todo_lines(result: FidelityResult, port: Port) -> list[str]:
    """One line per case where `port` differs from the release: what goes in, what each side does."""
    out = []
    for r in result.disagreeing(port):
        c = r.case
        given = json.dumps(c.args if c.kind == "classifier" else {"chain": c.chain, "script": c.script}, ensure_ascii=False)
        what = f"{c.fn}" if c.kind == "classifier" else "runWithModelFallback"
        out.append(f"- {c.id} [{c.test}] {what} {given[:400]} => real: {short(r.real, 160)} | port: {short(r.ports.get(port.label), 160)}")
    return out


def fidelity_json(result: FidelityResult) -> dict[str, Any]:
    return {
        "spec": result.spec,
        "summary": summaries(result),
        "ports": [{"label": p.label, "spec": p.spec, "reference": p.reference} for p in result.ports],
        "direct": result.direct_hello,
        "bridge": {k: v for k, v in result.bridge_hello.items() if k != "t"},
        "bridge_problem": result.bridge_problem or None,
        "sources": result.suite.sources,
        "cases": [r.to_json() for r in result.results],
        "out_of_scope": [{"id": c.id, "test": c.test, "source": c.source, "why": c.why} for c in result.suite.cases if not c.in_scope],
        "versions_checked": result.versions_checked,
        "failed": result.failed,
    }


def fidelity_markdown(result: FidelityResult) -> str:
    from simharness.report.safe_text import md_text

    lines = [f"# Fidelity: openclaw's own tests against {result.spec}", ""]
    lines += [f"- {s}" for s in summaries(result)]
    lines += ["", "## Sources", ""]
    for key, src in result.suite.sources.items():
        where = src.get("commit") or f"stored copy id {src.get('stored_id', '?')}"
        lines.append(f"- `{key}`: {src.get('file')} — {src.get('repo')} @ {where}: {src.get('note', '')}")
    header, body = rows(result)
    lines += ["", "## Cases", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_text(x) for x in row) + " |" for row in body]
    for port in result.ports:
        todo = todo_lines(result, port)
        if todo:
            lines += ["", f"## Where {port.label} differs", "", *todo]
    lines += ["", "## Out of scope", ""]
    lines += [f"- {c.id} [{c.source}] {c.test}: {c.why}" for c in result.suite.cases if not c.in_scope]
    return "\n".join(lines) + "\n"
