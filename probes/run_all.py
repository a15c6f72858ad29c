"""Run the hand probes (`probes/run.mjs`) on every installed openclaw release and print the departures from
the contract as a markdown table, with the first and last release where each one appears.

    python probes/run_all.py                      # every release in the simharness cache
    python probes/run_all.py 2026.5.20 2026.9.6   # just these (installed with `simharness target install`)
    python probes/run_all.py --dist PATH          # an unpacked package or dist/ (any Node on PATH)
    python probes/run_all.py --json rows.jsonl    # also keep every probe row

Each release runs under the Node its install chose (the `engines` range: 2026.9.3+ needs Node 24). The probes
import the dist directly; nothing here goes through the harness's bridge or simulation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RUN = HERE / "run.mjs"
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # probes run from a checkout; the harness's cache lookup comes from there

CONTRACT = {
    "coordination": "exactly one run, the same object rethrown, no onError",
    "advance": "every candidate runs once, in chain order",
}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("-")[0].split("."))


def targets(versions: Sequence[str], dists: Sequence[str]) -> list[tuple[str, str, str]]:
    """(label, dist, node) for each release asked for, or every installed one."""
    from simharness.targets import install as I

    out: list[tuple[str, str, str]] = []
    if not versions and not dists:
        versions = [r["spec"].split("@", 1)[1] for r in I.list_installed() if r["status"] == "installed"]
    for version in versions:
        done = I.installed(version)
        if done is None:
            raise SystemExit(f"openclaw@{version} is not installed (simharness target install openclaw@{version})")
        out.append((version, str(done.package), done.node.path))
    node = shutil.which("node") or "node"
    out.extend((Path(d).name, d, node) for d in dists)
    return sorted(out, key=lambda t: version_key(t[0]))


def probe(dist: str, node: str, only: str | None = None) -> list[dict[str, Any]]:
    """Every probe row of one dist (runs `node probes/run.mjs DIST --json`)."""
    cmd = [node, "--no-warnings", str(RUN), dist, "--json", *(["--only", only] if only else [])]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{dist}: probe failed (exit {done.returncode}): {tail}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _ranges(hits: list[str], order: list[str]) -> str:
    """`5.19–7.35` for hits contiguous in `order`, else the contiguous pieces joined by commas."""
    pieces: list[list[str]] = []
    for label in order:
        if label in hits:
            if pieces and order.index(pieces[-1][-1]) == order.index(label) - 1:
                pieces[-1].append(label)
            else:
                pieces.append([label])
    short = [(p[0] if len(p) == 1 else f"{p[0]} – {p[-1]}") for p in pieces]
    return ", ".join(short)


def departures(rows: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
    """One entry per (kind, shape) that departs on some release: where, first, last, and what it does."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["kind"], row["shape"]), []).append(row)
    out = []
    for (kind, shape), group in grouped.items():
        bad = [r for r in group if r["departure"]]
        if not bad:
            continue
        hits = sorted({r["version"] for r in bad}, key=version_key)
        behaviours = sorted({r["departure"] for r in bad})
        defined = sorted({r["version"] for r in group}, key=version_key)
        out.append(
            {
                "kind": kind,
                "shape": shape,
                "expect": group[0]["expect"],
                "first": hits[0],
                "last": hits[-1],
                "releases": _ranges(hits, order),
                "holds_on": _ranges([v for v in defined if v not in hits], order) or "-",
                "behaviour": "; ".join(behaviours),
            }
        )
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    return sorted(out, key=lambda d: (kinds.index(d["kind"]), shapes.index(d["shape"])))


def markdown(rows: list[dict[str, Any]], order: list[str]) -> str:
    lines = [
        (
            f"Probed releases: {', '.join(order)} ({len(rows)} probes). Contract: coordination error ⇒ "
            f"{CONTRACT['coordination']}; explicit metadata ⇒ {CONTRACT['advance']}."
        ),
        "",
        "| kind | shape | contract | departs on | first | last | holds on | what the release does |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in departures(rows, order):
        lines.append(
            f"| {d['kind']} | {d['shape']} | {d['expect']} | {d['releases']} | {d['first']} | {d['last']} | "
            f"{d['holds_on']} | {d['behaviour']} |"
        )
    lines += ["", "| release | probes | departures | kinds defined (class built as) |", "|---|---|---|---|"]
    for label in order:
        mine = [r for r in rows if r["version"] == label]
        kinds = dict.fromkeys(f"{r['kind']} ({r['how']})" for r in mine if r["kind"] != "(none)")
        lines.append(f"| {label} | {len(mine)} | {sum(1 for r in mine if r['departure'])} | {', '.join(kinds) or '-'} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("versions", nargs="*", help="installed releases (default: every one in the cache)")
    parser.add_argument("--dist", action="append", default=[], help="an unpacked openclaw package or its dist/")
    parser.add_argument("--only", help="only probes whose 'kind shape' contains this")
    parser.add_argument("--json", help="write every probe row here (JSON lines)")
    args = parser.parse_args(argv)
    found = targets(args.versions, args.dist)
    if not found:
        print("no openclaw release installed (simharness target install openclaw@2026.5.20)", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    for label, dist, node in found:
        for row in probe(dist, node, args.only):
            row["version"] = label
            rows.append(row)
    if args.json:
        Path(args.json).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(markdown(rows, [label for label, _, _ in found]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
