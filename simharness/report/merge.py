"""Combining report.json documents: shards of one run, the scenarios of a CLI run, the items of a pytest session.

One aggregation serves all three, so their verdicts agree by construction. Counts add up; `sometimes` hits
add up; `unreached` is recomputed from the merged hits. Of several counterexamples for one invariant the one
from the smallest world wins (`document.world_size`: the fewest actors to read), then the earliest scenario
(in the order scenarios first appear), then the lowest run index: the same choice whether the runs were
sharded or not. Shrinking is a deterministic function of that run, so the merged
counterexample is the unsharded run's, byte for byte.

Scenarios are matched by name, and merged only when their contents agree (`digest`, the sha256 of the parsed
scenario): two shards that ran different versions of one scenario are refused, not added up. Crashed items
(`errors`) carry over; statuses and the headline
are recomputed from the merged counts when the document is written (`document.finalize`).
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simharness.engine.schedule import replay_command
from simharness.model.exceptions import InputTooLarge, MergeError
from simharness.model.io import MAX_REPORT_BYTES, read_bounded
from simharness.report.document import shapes_json, timing
from simharness.report.write import write_docs

Doc = dict[str, Any]
_SAME = ("tool", "version", "target", "profile", "strategy", "seed", "budget")


_COUNTS = ("checked", "violated", "not_applicable")


def _add(into: dict[str, int], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, int) and not isinstance(value, bool):  # counts add; a status is recomputed
            into[key] = into.get(key, 0) + value


def _same_contents(merged: Doc, more: Doc, where: str = "") -> None:
    a, b = merged.get("digest"), more.get("digest")
    if a is not None and b is not None and a != b:
        prefix = f"{where}: " if where else ""
        raise MergeError(
            f"{prefix}scenario {more['name']!r} has different contents in two reports ({str(a)[:19]}… vs {str(b)[:19]}…): "
            "they ran different versions of it; rerun every shard on the same scenario files"
        )


def combine(docs: Sequence[Doc]) -> Doc:
    """One document from several with the same target and budget (the caller checks what else must agree)."""
    if not docs:
        raise MergeError("nothing to merge")
    first = docs[0]
    scenarios: dict[str, Doc] = {}
    for doc in docs:
        for s in doc["scenarios"]:
            merged = scenarios.get(s["name"])
            if merged is None:
                scenarios[s["name"]] = copy.deepcopy(s)
                for counts in scenarios[s["name"]].get("invariants", {}).values():
                    counts.pop("status", None)
                continue
            _same_contents(merged, s)
            merged["runs"] += s["runs"]
            merged["failed_runs"] += s["failed_runs"]
            if s.get("skipped_after_stall"):  # engine: runs not made after a stall add up like runs do
                merged["skipped_after_stall"] = merged.get("skipped_after_stall", 0) + s["skipped_after_stall"]
            _add(merged["situations"], s["situations"])
            if "exploration" in s and "exploration" in merged:  # shards of one strategy
                _add_exploration(merged["exploration"], s["exploration"])
            for inv, counts in s.get("invariants", {}).items():
                _add(merged.setdefault("invariants", {}).setdefault(inv, {}), counts)
    position = {name: i for i, name in enumerate(scenarios)}

    def first_found(ce: Doc) -> tuple[float, float, float, int]:
        # the smallest world first (a property of the scenario, so shards agree with the unsharded run), then
        # the one a sequential run finds first; documents without `world` (older versions) come last
        run, world = ce.get("run"), ce.get("world")
        return (
            math.inf if world is None else world,
            position.get(ce["scenario"], math.inf),
            math.inf if run is None else run,
            ce.get("seed") or 0,
        )

    invariants = []
    for inv in first["invariants"]:
        parts = [_invariant(doc, inv["id"]) for doc in docs]
        found = [p["counterexample"] for p in parts if p["counterexample"]]
        invariants.append(
            {
                "id": inv["id"],
                "description": inv["description"],
                "checked": sum(p["checked"] for p in parts),
                "violated": sum(p["violated"] for p in parts),
                "not_applicable": sum(p["not_applicable"] for p in parts),
                "counterexample": min(found, key=first_found) if found else None,
            }
        )
        shapes: dict[str, int] = {}
        for part in parts:
            _add(shapes, {x["shape"]: x["runs"] for x in part.get("shapes") or []})
        if shapes:
            invariants[-1]["shapes"] = shapes_json(shapes)
    hits: dict[str, int] = {}
    for doc in docs:
        _add(hits, {s["id"]: s["hits"] for s in doc["sometimes"]})
    runs = sum(doc["runs"] for doc in docs)
    errors = [e for doc in docs for e in doc.get("errors") or []]
    judged = next((doc for doc in docs if doc["runs"]), first)  # a crashed item's document may not know the profile
    return {
        **{key: first[key] for key in ("tool", "version", "target", "seed", "budget", "shard")},
        "profile": judged["profile"],
        **({"profile_lacks": judged["profile_lacks"]} if "profile_lacks" in judged else {}),
        "strategy": first.get("strategy", "random"),
        "runs": runs,
        "ok": all(i["violated"] == 0 for i in invariants) and not errors,
        "complete": all(doc["complete"] for doc in docs),
        "invariants": invariants,
        "errors": errors,
        "scenarios": list(scenarios.values()),
        "sometimes": [{**s, "hits": hits[s["id"]]} for s in first["sometimes"]],
        "unreached": [
            {"scenario": s["name"], "situation": sit}
            for s in scenarios.values()
            for sit in s.get("expect", [])
            if not s["situations"].get(sit)
        ],
        "timing": timing(runs, sum(doc.get("timing", {}).get("wall_seconds") or 0.0 for doc in docs)),
    }


def _add_exploration(ex: Doc, more: Doc) -> None:
    """Shards of one strategy's exploration: counts add, `exhausted` must hold in every shard. A shard of
    `exhaustive` cannot tell "complete" (it ran only its share of the last level), so it leaves it out; one
    that saw a schedule beyond the bound says False, and that holds for the whole run."""
    ex["runs"] += more["runs"]
    ex["distinct_traces"] += more["distinct_traces"]  # an upper bound: shards may share a trace (-j counts exactly)
    if "exhausted" in ex:
        ex["exhausted"] = bool(ex["exhausted"] and more.get("exhausted"))
    mine, theirs = ex.get("complete"), more.get("complete")
    if mine is False or theirs is False:
        ex["complete"] = False
    elif mine or theirs:
        ex["complete"] = True


def _complete_whole(doc: Doc) -> None:
    """Every shard of a whole run is merged: an exhausted `exhaustive` exploration that no shard found
    incomplete is complete (no shard saw a schedule beyond the bound, and together they ran every one)."""
    for s in doc["scenarios"]:
        ex = s.get("exploration")
        if ex and ex.get("strategy") == "exhaustive" and ex.get("exhausted") and "complete" not in ex:
            ex["complete"] = True


def merge_workers(parts: Sequence[Sequence[Doc]], shard: tuple[int, int], traces: Mapping[str, Sequence[str]] | None = None) -> Doc:
    """The report of `--jobs N`: each worker's per-scenario documents (worker j ran shard `parallel.shard_of`)
    merged into the document `-j 1` writes for `shard`. Every worker walks the scenarios in the same order, so
    its k-th document is the k-th scenario; each scenario's parts are combined (the workers list every error
    shape: `run.judge(every_shape=True)`), then the scenarios, in the order a single process reports them in. `traces`: scenario -> the trace hashes its runs produced in every worker, for the exact
    count of distinct traces (adding the workers' counts would count a trace two workers share twice)."""
    # scenario by scenario first, as `-j 1` makes one document per scenario (whose error shapes are cut to the
    # top MAX_SHAPES before the scenarios are combined), then the scenarios, as `-j 1` combines them
    scenarios = [combine([docs[k] for docs in parts if k < len(docs)]) for k in range(max((len(d) for d in parts), default=0))]
    merged = combine(scenarios)
    merged["shard"] = f"{shard[0]}/{shard[1]}"
    for s in merged["scenarios"]:
        if "exploration" in s and traces is not None and s["name"] in traces:
            s["exploration"]["distinct_traces"] = len(set(traces[s["name"]]))
    if shard[1] == 1:
        _complete_whole(merged)
    return merged


def _invariant(doc: Doc, inv: str) -> Doc:
    for entry in doc["invariants"]:
        if entry["id"] == inv:
            return dict(entry)
    raise MergeError(f"a report has no verdict for invariant {inv!r} (made by another simharness version?)")


def _shard(text: Any, where: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise MergeError(f"{where}: shard: expected I/N, got {text!r}") from None
    return index, count


def merge_shards(reports: Sequence[tuple[str, Doc]]) -> Doc:
    """Merge the shard reports of one run (`--shard i/n`, every i once) into the report of the whole run."""
    if not reports:
        raise MergeError("nothing to merge")
    where0, doc0 = reports[0]
    for where, doc in reports[1:]:
        for key in _SAME:
            if doc.get(key) != doc0.get(key):
                raise MergeError(f"cannot merge {where0} and {where}: different {key} ({doc0.get(key)!r} vs {doc.get(key)!r})")
        if [s["name"] for s in doc["scenarios"]] != [s["name"] for s in doc0["scenarios"]]:
            raise MergeError(f"cannot merge {where0} and {where}: they ran different scenarios")
        for mine, theirs in zip(doc0["scenarios"], doc["scenarios"]):
            _same_contents(mine, theirs, f"cannot merge {where0} and {where}")
    shards = sorted(((_shard(doc["shard"], where), where, doc) for where, doc in reports), key=lambda x: x[0])
    count = shards[0][0][1]
    seen: dict[int, str] = {}
    for (index, n), where, _ in shards:
        if n != count:
            raise MergeError(
                f"cannot merge {shards[0][1]} and {where}: shard {shards[0][0][0]}/{count} and {index}/{n} split the runs differently"
            )
        if index in seen:
            raise MergeError(f"cannot merge {seen[index]} and {where}: both are shard {index}/{count}")
        seen[index] = where
    missing = [i for i in range(1, count + 1) if i not in seen]
    if missing:
        raise MergeError(f"shard {missing[0]}/{count} is missing ({len(seen)} of {count} shards given)")
    docs = [doc for _, _, doc in shards]
    merged = combine(docs)
    merged["shard"] = "1/1"
    _complete_whole(merged)
    whys = [(where, doc["incomplete"]) for _, where, doc in shards if isinstance(doc.get("incomplete"), dict)]
    if whys:  # why a shard is incomplete stays said in the whole run's report
        planned = [doc["incomplete"].get("planned_runs") if doc.get("incomplete") else doc["runs"] for doc in docs]
        merged["incomplete"] = {
            "reason": whys[0][1].get("reason", "interrupted"),
            "message": "; ".join(f"{where}: {why.get('message')}" for where, why in whys),
            **({"planned_runs": sum(planned)} if all(isinstance(p, int) for p in planned) else {}),
        }
    # the shards ran side by side: the merged run took as long as the slowest one
    merged["timing"] = timing(merged["runs"], max(doc.get("timing", {}).get("wall_seconds") or 0.0 for doc in docs))
    return merged


def load_report(directory: str | Path) -> Doc:
    path = Path(directory) / "report.json"
    try:  # bounded by the bytes read: a report.json that is a symlink to /dev/zero is refused, not read forever
        doc = json.loads(read_bounded(path, MAX_REPORT_BYTES, "report").decode("utf-8"))
    except InputTooLarge as exc:
        raise MergeError(str(exc)) from None
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file (is {directory} a simharness report directory?)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MergeError(f"{path}: not a report (invalid JSON at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        raise MergeError(f"{path}: not a report (invalid JSON: {str(exc).splitlines()[0][:80]})") from None
    if not isinstance(doc, dict) or doc.get("tool") != "simharness" or not isinstance(doc.get("invariants"), list):
        raise MergeError(f"{path}: not a simharness report")
    return doc


def merge_dirs(directories: Sequence[str | Path], out_dir: str | Path) -> Doc:
    """Merge shard report directories into `out_dir`: every report, plus the chosen counterexamples' schedules."""
    reports = [(str(Path(d) / "report.json"), load_report(d)) for d in directories]
    source = {
        id(inv["counterexample"]): Path(d)
        for d, (_, doc) in zip(directories, reports)
        for inv in doc["invariants"]
        if inv["counterexample"]
    }
    merged = merge_shards(reports)
    out = Path(out_dir)
    for inv in merged["invariants"]:
        ce = inv["counterexample"]
        if ce is None:
            continue
        src, dst = source[id(ce)] / ce["schedule"], out / ce["schedule"]
        if src.resolve() != dst.resolve():
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(src, dst)
            except OSError as exc:
                raise MergeError(f"{src}: cannot copy the counterexample's schedule: {exc.strerror or exc}") from None
        ce["replay"] = replay_command(f"{out.as_posix()}/{ce['schedule']}", str(merged["target"]))
    return write_docs(merged, out)
