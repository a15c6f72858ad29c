"""No vacuous pass: an invariant checked 0 times is never shown as held, and a suite that never exercised the
fallback contract never gets a green tick — in the CLI table and headline, report.json, summary.md,
report.html, junit.xml, `report merge` and the pytest plugin's summary."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from simharness.cli import main as cli
from simharness.report.document import finalize
from simharness.report.merge import combine
from simharness.report.status import BASELINE, STATUSES, headline, status
from simharness.report.write import write_docs

# One candidate whose provider always hangs until the idle timeout: every call ends in a timeout the driver
# rethrows as is. No contract invariant has anything to judge (no coordination error, no explicit metadata, no
# summary, no success); only the baseline ones (terminates, lock-exclusive, deterministic) are checked.
HANG = """
name = "hang-only"
description = "one candidate, its provider always hangs: nothing the fallback contract judges ever happens"
swarm = false

[world]
chain = ["a/x"]

[providers."*"]
faults = { hang = 1.0 }
"""

CONTRACT = ("coordination-single-run", "explicit-metadata-advances", "summary-honest", "success-stops", "no-idle-burn")


def _run(tmp_path: Path, *extra: str, scenario: str = HANG) -> tuple[int, str, str, Path]:
    path = tmp_path / "scenario.toml"
    path.write_text(scenario)
    out = tmp_path / "report"
    return (*_cli(["run", str(path), "--budget", "6", "--report-dir", str(out), *extra]), out)  # type: ignore[return-value]


def _cli(argv: list[str]) -> tuple[int, str, str]:
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli(argv)
    return code, stdout.getvalue(), stderr.getvalue()


def test_a_suite_that_never_exercised_the_contract_has_no_green_tick_anywhere(tmp_path: Path) -> None:
    code, stdout, stderr, out = _run(tmp_path)
    assert code == 0, stdout + stderr  # not a violation: the exit code does not change without --strict-coverage
    doc = json.loads((out / "report.json").read_text())
    assert doc["exercised"] is False and doc["ok"] is True
    assert doc["headline"]["level"] == "unexercised"
    statuses = {i["id"]: i["status"] for i in doc["invariants"]}
    for inv in CONTRACT:
        assert statuses[inv] == "not-checked", statuses
        assert doc["scenarios"][0]["invariants"][inv]["status"] == "not-checked"
    assert statuses["terminates"] == "held"  # baseline invariants are still reported for what they are

    # CLI: the table names the status, the headline is a warning, stderr says it is not a pass
    assert "✅" not in stdout and "all 9 invariants held" not in stdout and "invariants hold" not in stdout
    row = next(line for line in stdout.splitlines() if line.strip().startswith("coordination-single-run"))
    assert "not-checked" in row
    assert "⚠️ nothing the fallback contract judges was checked" in stdout
    assert "WARNING: no run checked an invariant of the fallback contract" in stderr

    md = (out / "summary.md").read_text()
    assert md.startswith("# simharness: ⚠️ nothing the fallback contract judges was checked") and "✅" not in md.splitlines()[0]
    assert "| ⚠️ | coordination-single-run | **not-checked** | 0 |" in md

    html = (out / "report.html").read_text()
    assert 'class="banner unexercised"' in html and "✓" not in html.split('id="verdict"')[1].split("</strong>")[0]
    assert "Every invariant holds" not in html and "all invariants hold" not in html
    assert 'data-status="not-checked"' in html and 'data-status="held"' in html

    root = ET.parse(out / "junit.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == "coordination-single-run")
    skipped = case.find("skipped")
    assert skipped is not None and (skipped.get("message") or "").startswith("not-checked")
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert (props["verdict"] or "").startswith("unexercised: ")


def test_strict_coverage_fails_a_suite_that_never_exercised_the_contract(tmp_path: Path) -> None:
    code, _, stderr, _ = _run(tmp_path, "--strict-coverage")
    assert code == 1
    assert "error: no run checked an invariant of the fallback contract" in stderr


def test_an_exercised_suite_names_what_it_did_not_check(scenarios_dir: Path, tmp_path: Path) -> None:
    code, stdout, _, out = _run(tmp_path, scenario=(scenarios_dir / "takeover-race.toml").read_text())
    assert code == 0
    doc = json.loads((out / "report.json").read_text())
    unchecked = [i["id"] for i in doc["invariants"] if i["checked"] == 0 and not i["violated"]]
    assert doc["headline"]["level"] == "ok"
    for inv in doc["invariants"]:
        assert inv["status"] == status(inv)
        assert (inv["status"] == "held") == (inv["checked"] > 0 and inv["violated"] == 0)
    if unchecked:  # whatever the world does: a not-checked invariant is named, and "all" is never said
        assert "all" not in doc["headline"]["text"] and all(i in doc["headline"]["text"] for i in unchecked[:3])
        assert "✅ all" not in stdout


# --- the vocabulary on crafted documents: any invariant id, any count -------------------------------------------


def _doc(counts: dict[str, tuple[int, int, int]], runs: int = 10) -> dict[str, Any]:
    invariants = [
        {"id": k, "description": k, "checked": c, "violated": v, "not_applicable": n, "counterexample": None}
        for k, (c, v, n) in counts.items()
    ]
    return {
        "tool": "simharness",
        "version": "0",
        "target": "t",
        "profile": "p",
        "strategy": "random",
        "seed": 0,
        "budget": runs,
        "shard": "1/1",
        "runs": runs,
        "ok": True,
        "complete": True,
        "invariants": invariants,
        "scenarios": [
            {
                "name": "s",
                "description": "",
                "path": None,
                "seed": 0,
                "runs": runs,
                "failed_runs": 0,
                "situations": {},
                "expect": [],
                "invariants": {i["id"]: {k: i[k] for k in ("checked", "violated", "not_applicable")} for i in invariants},
            }
        ],
        "sometimes": [],
        "unreached": [],
        "timing": {"wall_seconds": 0.1, "runs_per_second": 100.0},
    }


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0), "not-checked"),
        ((3, 0, 0), "held"),
        ((3, 1, 0), "violated"),
        ((0, 0, 4), "n/a"),
        ((2, 0, 4), "held"),
        ((0, 1, 0), "violated"),
    ],
)
def test_status_comes_from_the_counts(counts: tuple[int, int, int], expected: str) -> None:
    c, v, n = counts
    assert status({"checked": c, "violated": v, "not_applicable": n}) == expected
    assert expected in STATUSES


def test_headline_says_all_held_only_when_every_invariant_was_checked() -> None:
    every = {"coordination-single-run": (4, 0, 0), "terminates": (9, 0, 0), "driver-contract": (9, 0, 0)}
    assert headline(_doc(every)).text == "all 3 invariants held"
    some = {**every, "a-future-invariant": (0, 0, 0), "no-idle-burn": (0, 0, 3)}
    head = headline(_doc(some))
    assert head.level == "caveat" and "all" not in head.text  # n/a situations: never the green tick
    assert head.text == (
        "3 of 5 invariants held; 1 not checked (a-future-invariant); 1 n/a (no-idle-burn); "
        "3 situations n/a: fault kinds outside the target's profile " + str(_doc(some)["profile"])
    )
    baseline_only = {inv: (5, 0, 0) for inv in BASELINE} | {"coordination-single-run": (0, 0, 7), "a-future-invariant": (0, 0, 0)}
    head = headline(_doc(baseline_only))
    assert head.level == "unexercised" and head.icon == "⚠️"
    assert "not checked: a-future-invariant" in head.text and "n/a: coordination-single-run" in head.text
    assert headline(_doc(every, runs=0)).level == "unexercised"
    assert headline(_doc({**every, "driver-contract": (9, 2, 0)})).level == "bad"


def test_an_unknown_invariant_id_renders_in_every_report(tmp_path: Path) -> None:
    """Reports handle any invariant id generically (`driver-contract` and whatever comes after it)."""
    doc = _doc({"driver-contract": (0, 0, 0), "brand-new": (2, 0, 0), "terminates": (2, 0, 0)})
    write_docs(doc, tmp_path)
    assert [i["status"] for i in doc["invariants"]] == ["not-checked", "held", "held"]
    assert "brand-new" in (tmp_path / "summary.md").read_text() and "brand-new" in (tmp_path / "report.html").read_text()
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    assert cases["driver-contract"].find("skipped") is not None and cases["brand-new"].find("skipped") is None


def test_merged_documents_recompute_status_from_the_summed_counts() -> None:
    a = finalize(_doc({"success-stops": (0, 0, 0), "terminates": (5, 0, 0)}))
    b = copy.deepcopy(a)
    b["invariants"][0]["checked"] = 3
    b["scenarios"][0]["invariants"]["success-stops"]["checked"] = 3
    assert a["invariants"][0]["status"] == "not-checked" and a["headline"]["level"] == "unexercised"
    merged = finalize(combine([a, b]))
    assert merged["invariants"][0]["status"] == "held" and merged["scenarios"][0]["invariants"]["success-stops"]["status"] == "held"
    assert merged["headline"] == {"level": "ok", "text": "all 2 invariants held"}


def test_report_merge_prints_the_honest_headline(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(HANG)
    shards = [tmp_path / "s1", tmp_path / "s2"]
    for i, d in enumerate(shards, 1):
        assert _cli(["run", str(scenario), "--budget", "4", "--shard", f"{i}/2", "--report-dir", str(d)])[0] == 0
    code, stdout, _ = _cli(["report", "merge", *map(str, shards), "--out", str(tmp_path / "m")])
    assert code == 0 and "⚠️ nothing the fallback contract judges was checked" in stdout and "every invariant held" not in stdout
