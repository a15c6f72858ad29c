"""junit.xml from a report.json document, for CI systems (GitHub, GitLab, Jenkins test tabs).

One testcase per scenario × invariant (classname `simharness.<scenario>`, name = invariant id): a violation
is a `<failure>` whose text is the narrated counterexample and the replay command; an invariant that no run
checked is `<skipped>`, with its status (`not-checked`, or `n/a` when the target's profile cannot produce the
fault kind) as the message: never a passing testcase. A document without per-scenario counts gets one
testcase per invariant. A scenario item that crashed instead of being judged (pytest plugin) is a
`<failure type="crash">` (pytest's junitxml reports an exception in a test the same way), so `failures`
counts it. xml.etree escapes; we also drop the characters XML 1.0 cannot carry at all.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from simharness.report.status import STATUS_TEXT, headline, incompleteness, status

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def junit_xml(doc: dict[str, Any]) -> str:
    invariants = {i["id"]: i for i in doc["invariants"]}
    suite = ET.Element("testsuite", name=_x(f"simharness {doc['target']}"))
    props = ET.SubElement(suite, "properties")
    for key in ("target", "profile", "seed", "budget", "shard", "runs", "version"):
        ET.SubElement(props, "property", name=key, value=_x(doc[key]))
    head = headline(doc)
    ET.SubElement(props, "property", name="verdict", value=_x(f"{head.level}: {head.text}"))
    for situation in doc.get("sometimes", []):  # coverage: every situation with its hits (0 = never reached)
        ET.SubElement(props, "property", name=f"sometimes.{situation['id']}", value=str(situation["hits"]))

    cases: list[tuple[str, str, dict[str, int], int]] = []  # (classname, invariant, counts, runs)
    for sc in doc["scenarios"]:
        for inv, counts in sc.get("invariants", {}).items():
            cases.append((f"simharness.{sc['name']}", inv, counts, sc["runs"]))
    if not any("invariants" in sc for sc in doc["scenarios"]):
        cases = [("simharness", i["id"], i, doc["runs"]) for i in doc["invariants"]]

    failures = skipped = 0
    for classname, inv, counts, runs in cases:
        case = ET.SubElement(suite, "testcase", classname=_x(classname), name=_x(inv), time="0")
        tally = f"{counts['checked']} checked, {counts['violated']} violated, {counts['not_applicable']} not applicable in {runs} runs"
        if counts["violated"]:
            failures += 1
            ce = invariants[inv]["counterexample"]
            if ce is not None and classname in ("simharness", f"simharness.{ce['scenario']}"):
                failure = ET.SubElement(case, "failure", message=_x(ce["message"]), type=_x(inv))
                failure.text = _x("\n".join([tally, f"reproduce: {ce['replay']}", "", *ce["narrative"]]))
            else:  # the suite kept one counterexample per invariant; it came from another scenario
                failure = ET.SubElement(case, "failure", message=_x(f"{inv} violated in {counts['violated']} of {runs} runs"), type=_x(inv))
                failure.text = _x(tally)
        elif not counts["checked"]:
            skipped += 1
            st = status(counts)
            ET.SubElement(case, "skipped", message=f"{st}: {STATUS_TEXT[st]}")
        ET.SubElement(case, "system-out").text = _x(tally)
    for error in doc.get("errors") or []:  # crashed items: failures, never dropped
        failures += 1
        case = ET.SubElement(suite, "testcase", classname=_x(f"simharness.{error.get('scenario')}"), name="crashed", time="0")
        failure = ET.SubElement(
            case,
            "failure",
            message=_x(str(error.get("message", "")).splitlines()[0][:500] if error.get("message") else "crashed"),
            type="crash",
        )
        failure.text = _x(f"{error.get('nodeid') or error.get('scenario')} raised instead of being judged:\n{error.get('message', '')}")
    if not doc["complete"]:
        case = ET.SubElement(suite, "testcase", classname="simharness", name="complete", time="0")
        why, message = incompleteness(doc)
        kind = str((doc.get("incomplete") or {}).get("reason") or "interrupted")
        ET.SubElement(case, "error", message=_x(f"incomplete ({why}): {message}; verdicts cover only the runs judged"), type=_x(kind))
    notes = [] if head.level == "ok" else [f"verdict: {head.text}"]
    notes += [f"{u['scenario']}: expected situation {u['situation']!r} was never reached" for u in doc["unreached"]]
    if notes:
        ET.SubElement(suite, "system-err").text = _x("\n".join(notes))

    tests = len(cases) + len(doc.get("errors") or []) + (0 if doc["complete"] else 1)
    seconds = f"{doc.get('timing', {}).get('wall_seconds') or 0:.3f}"
    errors = "0" if doc["complete"] else "1"
    suite.attrib.update(tests=str(tests), failures=str(failures), errors=errors, skipped=str(skipped), time=seconds)
    root = ET.Element(
        "testsuites", name="simharness", tests=str(tests), failures=str(failures), errors=errors, skipped=str(skipped), time=seconds
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
