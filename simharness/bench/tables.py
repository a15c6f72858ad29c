"""The benchmark document as titled tables (title, header, rows, notes): one rendering shared by the terminal
(`simharness bench` prints them) and `bench.md`, so both always say the same thing.
"""

from __future__ import annotations

from typing import Any

from simharness.bench.jobs import jobs_table


def _f(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], list[str]]]:
    """(title, header, rows, notes) for each section: the same content for the terminal and bench.md."""
    out: list[tuple[str, list[str], list[list[str]], list[str]]] = []
    out.append(
        (
            f"Throughput: target {doc['target']} vs bare simpy (rates per CPU second of one process: per core)",
            [
                "scenario",
                "runs/s",
                "5 boxes: median / best",
                "wall runs/s",
                "simpy events/run",
                "simpy events/s",
                "floor events/s",
                "overhead",
                "trace events/run",
                "virtual s/wall s",
            ],
            [
                [
                    r["scenario"],
                    _f(r["runs_per_s"]),
                    f"{_f(r['median_runs_per_s'])} / {_f(r['best_runs_per_s'])}",
                    _f(r["wall_runs_per_s"]),
                    _f(r["sim_events_per_run"], 1),
                    _f(r["sim_events_per_s"]),
                    _f(r["floor"]["events_per_s"]),
                    f"{r['overhead']:.1f}x" if r["overhead"] else "–",
                    _f(r["trace_events_per_run"], 1),
                    _f(r["virtual_to_wall"]),
                ]
                for r in doc["scenarios"]
            ],
            [
                (
                    "floor: bare simpy running, per run, as many processes and exactly as many simpy events as the scenario "
                    "(plain timeouts); overhead = floor events/s ÷ target simpy events/s."
                ),
                (
                    "runs/s and events/s are per CPU second of the measuring process (per core); wall runs/s also "
                    "counts time lost to other processes on a shared machine (see the load average above)."
                ),
                "virtual s/wall s: seconds of simulated time per wall-clock second.",
            ],
        )
    )
    node = doc["node"]
    if node.get("measured"):
        out.append(
            (
                f"Node bridge: {node['target']} vs reference on the same {node['runs']} schedules of {node['scenario']}",
                ["target", "wall runs/s", "slowdown", "identical traces"],
                [
                    ["reference", _f(node["reference_runs_per_s"]), "1.0x", ""],
                    [node["target"], _f(node["node_runs_per_s"]), f"{node['slowdown']:.1f}x", node["identical_traces"]],
                ],
                [
                    (
                        "Wall time for both (the Node process's CPU time is not this process's); identical traces: the "
                        f"same schedule gave byte-identical traces on both targets (the first {node['identical_traces'].split('/')[-1]} schedules)."
                    )
                ],
            )
        )
    else:
        out.append(("Node bridge", ["result"], [[f"not measured: {node['reason']}"]], []))
    race = doc.get("race", {})
    if race.get("measured"):
        out.append(
            (
                f"Reference target vs the same race written by hand on simpy ({race['scenario']})",
                ["", "runs/s", "share"],
                [
                    ["reference target, through run_suite", _f(race["reference_runs_per_s"]), f"{race['share']:.2f}"],
                    [f"hand-written simpy race: {race['model']}", _f(race["race_runs_per_s"]), "1.00"],
                ],
                [
                    (
                        "Per CPU second, in 5 alternating time boxes; share = reference ÷ race, the median of the 5 pairs "
                        f"({', '.join(f'{x:.2f}' for x in race['shares'])})."
                    ),
                    "The race has no recorded choices, trace, fault swarm, error graphs, classifier, driver guard or invariants.",
                    *(
                        [
                            "One reference run, in µs of CPU: "
                            + ", ".join(f"{name} {us:.0f}" for name, us in race["phases_us"].items())
                            + f" (the race: {1e6 / race['race_runs_per_s']:.0f} in all)."
                        ]
                        if race.get("phases_us")
                        else []
                    ),
                ],
            )
        )
    floor = doc.get("floor", {})
    if floor.get("rows"):
        rows = []
        for f in floor["rows"]:
            if not f.get("measured"):
                rows.append([f["target"], f"not measured: {f['reason']}", "", "", "", ""])
                continue
            rows += [
                [
                    f"{f['target']} (Node {f['node']})",
                    "pure-Node floor",
                    _f(f["floor_calls_per_s"]),
                    "1.00",
                    _f(f["floor_cpu_calls_per_s"]),
                    "1.00",
                ],
                [
                    "",
                    "bridge, no world",
                    _f(f["bridge_calls_per_s"]),
                    f"{f['bridge_vs_floor']:.2f}",
                    _f(f["bridge_cpu_calls_per_s"]),
                    f"{f['bridge_cpu_vs_floor']:.2f}",
                ],
                [
                    "",
                    "harness: world + bridge",
                    _f(f["harness_calls_per_s"]),
                    f"{f['harness_vs_floor']:.2f}",
                    _f(f["harness_cpu_calls_per_s"]),
                    f"{f['harness_cpu_vs_floor']:.2f}",
                ],
                ["", f"bridge start-up: {f['startup_seconds']:.1f} s", "", "", "", ""],
            ]
        measured = [f for f in floor["rows"] if f.get("measured")]
        out.append(
            (
                f"Node bridge vs a pure-Node floor: the same driver calls of {floor['scenario']}",
                ["release", "how", "calls/s", "share", "calls per CPU s", "share"],
                rows,
                [
                    (
                        f"{measured[0]['calls'] if measured else 0} driver calls recorded from {measured[0]['runs'] if measured else 0} "
                        "seeded runs; floor: the recorded outcomes (error graphs built as the bridge builds them) replayed straight "
                        "into the release's runWithModelFallback in a Node loop; bridge: the same calls through the Python driver "
                        "and the bridge, `run` answering at once; harness: the runs themselves."
                    ),
                    "calls per CPU s counts both processes (Python and Node); calls/s is wall time.",
                ],
            )
        )
        if any("us_per_call" in f for f in measured):
            out.append(_bridge_split([f for f in measured if "us_per_call" in f]))
    k = doc["kills"]
    if k.get("measured"):
        by_mutant: dict[str, dict[str, dict[str, Any]]] = {}
        for r in k["rows"]:
            by_mutant.setdefault(r["mutant"], {})[r["strategy"]] = r

        def cell(r: dict[str, Any] | None) -> str:
            if r is None:
                return "–"
            if not r.get("measured"):
                return f"not measured: {r['reason']}"
            if not r["killed"]:
                return f"survived {_count(r['seeds'], 'seed')}"
            return f"{_runs(r['runs_to_kill'])}, {_duration(r['seconds_to_kill'])}" + (
                f" ({r['killed']}/{_count(r['seeds'], 'seed')})" if r["killed"] < r["seeds"] else ""
            )

        out.append(
            (
                f"Runs and wall seconds to first kill (median over {_count(k['seeds'], 'seed')}, budget {k['budget']} runs per scenario)",
                ["mutant", *k["strategies"]],
                [[m, *[cell(by.get(s)) for s in k["strategies"]]] for m, by in by_mutant.items()],
                ["Scenarios are tried with the mutant's own scenario first, then the others by name; runs count across them."],
            )
        )
    else:
        out.append(("Runs to first kill", ["result"], [[f"not measured: {k['reason']}"]], []))
    x = doc["xdist"]
    if x.get("measured"):
        out.append(
            (
                f"pytest-xdist: {x['runs']:,} runs ({x['items']}) through the pytest plugin",
                ["workers", "wall s", "speed-up"],
                [["-n 0", _f(x["n0_seconds"], 2), "1.0x"], ["-n 2", _f(x["n2_seconds"], 2), f"{x['speedup']:.2f}x"]],
                ["Wall time includes pytest start-up and, at -n 2, starting the workers."],
            )
        )
    else:
        out.append(("pytest-xdist", ["result"], [[f"not measured: {x['reason']}"]], []))
    m = doc["memory"]
    if m.get("measured"):
        out.append(
            (
                f"Memory: peak RSS of a fresh process running {m['scenario']} through run_suite",
                ["runs", "wall s", "peak RSS after imports MB", "peak RSS MB", "RSS at end MB", "live objects at end"],
                [
                    [
                        _f(r["runs"]),
                        _f(r["seconds"], 1),
                        _f(r["rss_after_import_mb"], 1),
                        _f(r["peak_rss_mb"], 1),
                        _f(r.get("rss_end_mb"), 1),
                        _f(r.get("live_objects")),
                    ]
                    for r in m["rows"]
                ],
                [
                    f"growth: peak {m['growth_mb']:+.1f} MB, at end "
                    + (f"{m['end_growth_mb']:+.1f} MB" if m.get("end_growth_mb") is not None else "unknown")
                    + (": flat" if m["flat"] else ": GROWS with the run count"),
                    "Passing runs are dropped once judged; a retained trace per run would show as live objects growing 10x.",
                ],
            )
        )
    else:
        out.append(("Memory", ["result"], [[f"not measured: {m['reason']}"]], []))
    g = doc["growth"]
    out.append(
        (
            "Cost growth: runs/s by concurrent sessions (columns) and chain length (rows)",
            ["chain \\ sessions", *[str(s) for s in g["sessions"]]],
            [
                [
                    str(c),
                    *[f"{_f(x['runs_per_s'])} ({_f(x['sim_events_per_run'])} ev)" for x in g["cells"] if x["chain"] == c],
                ]
                for c in g["chains"]
            ],
            [
                (
                    "The takeover race scaled: two sessions per session file, providers fail 50 % of the time (rate limit, "
                    "overload) so long chains are walked; (N ev) = simpy events per run."
                )
            ],
        )
    )
    out.extend(jobs_table(doc))  # -j 1 vs -j N (bench/jobs.py)
    out.append(
        (
            "Goals",
            ["goal", "wanted", "measured", "met"],
            [[x["goal"], x["wanted"], x["measured"], "–" if doc.get("quick") else "yes" if x["met"] else "NO"] for x in doc["goals"]],
            ["--quick: tiny budgets, so no goal is judged."] if doc.get("quick") else [],
        )
    )
    return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _runs(n: float) -> str:
    return f"{n:g} run" if n == 1 else f"{n:,g} runs"


def _duration(seconds: float) -> str:
    if seconds < 0.001:
        return "<1 ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _bridge_split(rows: list[dict[str, Any]]) -> tuple[str, list[str], list[list[str]], list[str]]:
    """Where a bridged driver call's time goes, per release: what `floor` measured of each process."""
    header = ["release", "openclaw's own (floor CPU)", "bridge: Node CPU", "bridge: Python CPU", "bridge: wall", "round trips per call"]
    header.append("one empty round trip, after Node idled 0 / 100 / 1000 µs")
    body = [
        [
            f["target"],
            f"{f['us_per_call']['floor']:.0f}",
            f"{f['us_per_call']['bridge_node']:.0f}",
            f"{f['us_per_call']['bridge_python']:.0f}",
            f"{f['us_per_call']['bridge_wall']:.0f}",
            f"{f['round_trips_per_call']:.2f}",
            " / ".join(f"{us:.0f}" for us in f.get("round_trip_after_idle_us", {"0": f["round_trip_us"]}).values()),
        ]
        for f in rows
    ]
    note = (
        "Node CPU is openclaw's work plus the bridge's own (parsing, building the error graphs, encoding the replies, "
        "the event loop); Python CPU is the driver's side (graphs, JSON, the pipe). A round trip is the start or one "
        "attempt's result and Node's answer; the empty one is a ping and its pong. Waking a process that has slept "
        "longer costs more (its CPU has gone idle; on a virtual machine that wake-up is costly), and between a call's "
        "messages each side waits while the other works."
    )
    return ("Where a bridged driver call's time goes (µs per call, no world)", header, body, [note])
