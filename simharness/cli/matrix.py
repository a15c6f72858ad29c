"""`simharness matrix TARGET... [--scenarios PATHS] [--budget N]`: the scenarios against several targets, one
combined report (`matrix.md`, `matrix.json`) plus each target's full report in its own directory.

Every target is judged by its own profile: an invariant whose fault kind a release's runtime does not have is
*not applicable* there, never "passed". For those kinds the matrix also says what the release actually did
with such errors (how many candidates ran), because "not applicable" should not hide behaviour.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

from simharness.cli.args import positive, print_table, seed
from simharness.model.kinds import EventKind
from simharness.report.status import status

MARK = {"violated": "❌ violated", "held": "✅ held", "n/a": "➖ n/a", "not-checked": "⚠️ not checked"}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    matrix = sub.add_parser(
        "matrix",
        help="run the scenarios against several targets (e.g. openclaw releases) and write one combined report",
        description="Run the same scenarios and seeds against each target; write DIR/matrix.md, DIR/matrix.json and "
        "each target's own report under DIR/<target>/. Exit 0 when every target held every applicable invariant.",
    )
    matrix.add_argument("targets", nargs="+", metavar="TARGET", help="openclaw@VERSION | node-dist:PATH | reference | py:... | mutant:...")
    matrix.add_argument(
        "--scenarios", nargs="+", default=["scenarios"], metavar="PATH", help="scenario files or directories (default: scenarios)"
    )
    matrix.add_argument("--seed", type=seed, default=0, help="master seed (default 0)")
    matrix.add_argument("--budget", type=positive, default=100, help="runs per scenario and target (default 100)")
    matrix.add_argument("--report-dir", default="simharness-matrix", help="where the combined and per-target reports go")
    return matrix  # type: ignore[no-any-return]


class _Behaviour:
    """What a target did with coordination errors whose kind its profile does not know."""

    def __init__(self, kinds: frozenset[str]) -> None:
        self.kinds = kinds
        self.runs: Counter[int] = Counter()  # candidates executed -> calls
        self.seen: Counter[str] = Counter()

    def __call__(self, result: Any) -> None:
        calls: dict[int, list[Any]] = {}
        first_raise: dict[int, Any] = {}
        for e in result.trace.events:
            call = e.data.get("call")
            if call is None:
                continue
            if e.kind == EventKind.RUN_START:
                calls.setdefault(call, []).append(e)
            elif e.kind == EventKind.RUN_RAISE and call not in first_raise:
                first_raise[call] = e
        for call, e in first_raise.items():
            foreign = [k for k in e.data.get("coord", ()) if k not in self.kinds]
            if foreign and e.data.get("category") == "coordination":
                self.seen.update(foreign)
                self.runs[len(calls.get(call, ()))] += 1

    def describe(self) -> str | None:
        if not self.runs:
            return None
        total = sum(self.runs.values())
        walked = sum(n for runs, n in self.runs.items() if runs > 1)
        kinds = ", ".join(sorted(self.seen))
        spread = ", ".join(f"{n} call(s) ran {runs} candidate(s)" for runs, n in sorted(self.runs.items()))
        return (
            f"its runtime has no {kinds} error (not in its profile), so those invariants are not applicable; observed: of "
            f"{total} calls whose first attempt raised one, {walked} went on to later candidates ({spread})"
        )


def main(args: argparse.Namespace) -> int:
    from simharness.engine.schedule import save_failed_run
    from simharness.engine.shrink import shrink
    from simharness.explore.suite import run_suite
    from simharness.model.exceptions import TargetRunFailure
    from simharness.model.io import ensure_writable_dir, write_atomic
    from simharness.model.scenario import collect_scenarios
    from simharness.report.document import report_json, timing
    from simharness.report.merge import combine
    from simharness.report.safe_text import safe_name
    from simharness.report.write import write_docs
    from simharness.targets import resolve_target

    scenarios = collect_scenarios(args.scenarios)
    out = ensure_writable_dir(args.report_dir)
    columns: list[dict[str, Any]] = []
    for spec in args.targets:
        target = resolve_target(spec)
        directory = out / safe_name(spec)
        behaviour = _Behaviour(target.profile.kinds)
        docs = []
        started = time.perf_counter()  # report timing only
        try:
            for scenario in scenarios:
                began = time.perf_counter()
                suite = run_suite([scenario], target, seed=args.seed, budget=args.budget, shrink=shrink, on_run=behaviour)
                suite.wall_seconds = time.perf_counter() - began
                docs.append(report_json(suite, directory))
        except TargetRunFailure as exc:
            raise save_failed_run(exc, directory) from None
        finally:
            target.close()
        doc = combine(docs)
        doc["timing"] = timing(doc["runs"], time.perf_counter() - started)
        write_docs(doc, directory)
        profile = target.profile
        columns.append(
            {
                "target": spec,
                "profile": profile.name,
                "generation": profile.generation,
                "kinds": sorted(profile.kinds),
                "runs": doc["runs"],
                "ok": doc["ok"],
                "report": f"{safe_name(spec)}/report.html",
                "invariants": {
                    i["id"]: {
                        "status": status(i),
                        "checked": i["checked"],
                        "violated": i["violated"],
                        "not_applicable": i["not_applicable"],
                        **({"counterexample": _counterexample(i["counterexample"])} if i["counterexample"] else {}),
                        **({"shapes": i["shapes"]} if i.get("shapes") else {}),
                    }
                    for i in doc["invariants"]
                },
                "not_applicable_behaviour": behaviour.describe(),
                "unreached": doc["unreached"],
            }
        )
        print(
            f"{spec}: {doc['runs']} runs, profile {profile.name} — " + ("every applicable invariant held" if doc["ok"] else "VIOLATIONS"),
            file=sys.stderr,
        )
    matrix = {
        "schema": "simharness/matrix/v1",
        "command": "simharness matrix "
        + " ".join(args.targets)
        + f" --scenarios {' '.join(args.scenarios)} --seed {args.seed} --budget {args.budget}"
        f" --report-dir {args.report_dir}",
        "scenarios": [s.name for s in scenarios],
        "seed": args.seed,
        "budget": args.budget,
        "targets": columns,
    }
    write_atomic(out / "matrix.json", json.dumps(matrix, indent=1) + "\n")
    write_atomic(out / "matrix.md", matrix_md(matrix))
    invariants = list(columns[0]["invariants"]) if columns else []
    print_table(
        [(inv, *(MARK[c["invariants"][inv]["status"]] for c in columns)) for inv in invariants],
        ("invariant", *(c["target"] for c in columns)),
    )
    print(f"\nmatrix: {out / 'matrix.md'} (also matrix.json; each target's report under {out}/<target>/)")
    return 0 if all(c["ok"] for c in columns) else 1


def _counterexample(ce: dict[str, Any]) -> dict[str, Any]:
    return {k: ce[k] for k in ("scenario", "seed", "message", "schedule", "replay", "size") if k in ce}


def matrix_md(m: dict[str, Any]) -> str:
    cols = m["targets"]
    lines = [
        "# simharness matrix",
        "",
        f"Scenarios: {', '.join(m['scenarios'])} · seed {m['seed']} · {m['budget']} runs per scenario and target.",
        "",
        f"Regenerate: `{m['command']}`",
        "",
        "| target | profile (detected from its dist) | runs | verdict |",
        "|---|---|---|---|",
    ]
    for c in cols:
        verdict = "every applicable invariant held" if c["ok"] else "**violations**"
        lines.append(f"| [`{c['target']}`]({c['report']}) | {c['profile']}: {c['generation']} | {c['runs']} | {verdict} |")
    lines += ["", "| invariant | " + " | ".join(f"`{c['target']}`" for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for inv in cols[0]["invariants"] if cols else []:
        cells = []
        for c in cols:
            v = c["invariants"][inv]
            detail = {
                "violated": f"{v['violated']} of {v['checked']} runs",
                "held": f"checked {v['checked']}",
                "n/a": f"{v['not_applicable']} situations",
                "not-checked": "never exercised",
            }[v["status"]]
            cells.append(f"{MARK[v['status']]} ({detail})")
        lines.append(f"| `{inv}` | " + " | ".join(cells) + " |")
    lines += ["", "➖ n/a: the target's runtime cannot throw that fault kind — judged by its own profile, never counted as passed.", ""]
    for c in cols:
        notes = []
        for inv, v in c["invariants"].items():
            shapes = v.get("shapes") or []
            if shapes:
                notes.append(f"- `{inv}` violated by {len(shapes)} error shape{'s' if len(shapes) != 1 else ''} (violating runs):")
                notes += [f"  - `{x['shape']}` ({x['runs']})" for x in shapes]
            ce = v.get("counterexample")
            if ce:
                size = ce.get("size", {})
                notes.append(
                    f"- `{inv}` violated in `{ce['scenario']}`: {ce['message']}  \n"
                    f"  shrunk to {size.get('shrunk', '?')} non-trivial choices (from {size.get('original', '?')}); replay: `{ce['replay']}`"
                )
        if c["not_applicable_behaviour"]:
            notes.append(f"- {c['not_applicable_behaviour']}")
        for u in c["unreached"]:
            notes.append(f"- ⚠️ `{u['scenario']}` never reached `{u['situation']}`")
        if notes:
            lines += [f"## `{c['target']}`", "", *notes, ""]
    return "\n".join(lines) + "\n"
