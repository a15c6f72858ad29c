"""The matrix: one scenario suite run against several targets (openclaw releases). Its document (matrix.json), its
renderings (matrix.md and the index page report.html) and what they share: a column per target, the findings
with the first and last release they appear in, and the bisect results that pin those releases exactly.

It lives here, not in the CLI, so that every rendering reads the same document and escapes the same way:
matrix.md escapes user text with `safe_text.md_text` (as summary.md does); report.html is a Jinja2 template
with autoescaping on (as the per-target report is), so a driver's message can neither inject markup nor
break a table.

A target that could not be installed, loaded or run is a column with an `error` and no invariants: it is
shown in every rendering ("could not run: ..."), never dropped and never counted as held.

Bisect results (`bisect.json`, written by `simharness bisect`, schema in `report.bisect`) are read by
`load_bisects`: `invariant`, `first_bad`, `first_good`, `direction` (see `BISECT_FIELDS`), and when present
`boundary`, `outcome`, `conclusion`, `subject`; a hand-written file with the first four is enough.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simharness.model.exceptions import MergeError
from simharness.model.io import MAX_REPORT_BYTES, read_bounded
from simharness.model.kinds import EventKind
from simharness.report.pages import templates
from simharness.report.safe_text import md_text as _md
from simharness.report.safe_text import visible
from simharness.report.status import STATUS_TEXT, STATUSES, status

SCHEMA = "simharness/matrix/v1"
MARK = {"violated": "❌ violated", "held": "✅ held", "n/a": "➖ n/a", "not-checked": "⚠️ not checked"}
#: What the matrix reads from a bisect result; the rest of the file is ignored. `first_bad` / `first_good` may
#: be null (no such release, or no single change); `direction` is "introduced" (held, then violated), "fixed"
#: (violated, then held) or null. Optional: `boundary` [last release before the change, first after it],
#: `outcome` (boundary | ambiguous | no-change | non-monotonic | ...), `conclusion` (lines), `subject`.
BISECT_FIELDS = ("invariant", "first_bad", "first_good", "direction")
_BISECT_OPTIONAL = ("outcome", "subject")


class NotApplicableBehaviour:
    """An `on_run` observer: what a target did with coordination errors whose kind its profile does not know.
    "Not applicable" must not hide behaviour, so the matrix says how many candidates such calls ran."""

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


def column(spec: str, profile: Any, doc: dict[str, Any], report: str, behaviour: str | None) -> dict[str, Any]:
    """One target's column of matrix.json, from its combined report.json document."""
    return {
        "target": spec,
        "profile": profile.name,
        "generation": profile.generation,
        "kinds": sorted(profile.kinds),
        "runs": doc["runs"],
        "ok": doc["ok"],
        "report": report,
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
        "not_applicable_behaviour": behaviour,
        "unreached": doc["unreached"],
    }


def failed_column(spec: str, error: str) -> dict[str, Any]:
    """The column of a target that could not be installed, loaded or run: judged on nothing, so not ok."""
    unknown = dict.fromkeys(("profile", "generation", "report", "not_applicable_behaviour"))
    return {"target": spec, "error": error, "runs": 0, "ok": False, "invariants": {}, "kinds": [], "unreached": [], **unknown}


def _counterexample(ce: dict[str, Any]) -> dict[str, Any]:
    return {k: ce[k] for k in ("scenario", "seed", "message", "schedule", "replay", "size") if k in ce}


def invariant_ids(m: dict[str, Any]) -> list[str]:
    """Every invariant any column judged, in the order the reports list them."""
    seen: dict[str, None] = {}
    for c in m["targets"]:
        seen.update(dict.fromkeys(c["invariants"]))
    return list(seen)


def _release_key(spec: str) -> tuple[int, Any]:
    """openclaw releases by release number, then every other target in the order given."""
    from simharness.targets.registry import version_key

    if spec.startswith("openclaw@"):
        try:
            return 0, version_key(spec.partition("@")[2])
        except ValueError:
            pass
    return 1, ()


def _ordered(cols: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(cols, key=lambda c: _release_key(c["target"]))


def findings(m: dict[str, Any], bisects: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Each invariant violated anywhere (or bisected), with the first and last release of this matrix that violate
    it (releases ordered by release number), every error shape likewise, and the bisect results on it."""
    cols = [c for c in _ordered(m["targets"]) if "error" not in c]
    out = []
    for inv in dict.fromkeys([*invariant_ids(m), *(b["invariant"] for b in bisects)]):
        bad = [c["target"] for c in cols if c["invariants"].get(inv, {}).get("status") == "violated"]
        runs = [c["target"] for c in cols if inv in c["invariants"]]
        shapes: dict[str, list[str]] = {}
        for c in cols:
            for x in c["invariants"].get(inv, {}).get("shapes") or ():
                shapes.setdefault(str(x["shape"]), []).append(c["target"])
        mine = [b for b in bisects if b["invariant"] == inv]
        if not bad and not mine:
            continue
        out.append(
            {
                "invariant": inv,
                "violated_in": bad,
                "judged_in": runs,
                "first": bad[0] if bad else None,
                "last": bad[-1] if bad else None,
                "shapes": [{"shape": s, "first": t[0], "last": t[-1], "targets": len(t)} for s, t in shapes.items()],
                "bisect": _bisected(mine, bad),
            }
        )
    return out


def _bisected(results: Sequence[dict[str, Any]], violated_in: Sequence[str]) -> list[dict[str, Any]]:
    """The bisect results on one invariant, grouped by the schedule they bisected. A bisect pins the departure of
    its schedule, not every way the invariant can fail: `first` is the release that introduced it, `last` the
    release before the one that fixed it, and `later` the releases of this matrix, from that fix on, that still
    violate the invariant (through other schedules), so a fix is never read as the end of the finding."""
    groups: dict[str, dict[str, Any]] = {}
    for b in results:
        g = groups.setdefault(
            b["subject"] or b["source"], {"subject": b["subject"] or b["source"], "first": None, "last": None, "results": []}
        )
        g["results"].append({**b, "text": _bisect_text(b)})
        if b["direction"] == "introduced" and b["first_bad"]:
            g["first"] = b["first_bad"]
        if b["direction"] == "fixed" and b["boundary"]:
            g["last"] = b["boundary"][0]
            if b["first_good"]:
                fix = _release_key(_spec(b["first_good"]))
                g["later"] = [t for t in violated_in if _release_key(t)[0] == 0 and _release_key(t) >= fix]
    return list(groups.values())


def _spec(release: str) -> str:
    """A bisect names releases as specs (openclaw@V); a hand-written file may give bare versions."""
    return release if "@" in release else f"openclaw@{release}"


def load_bisects(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Bisect results from `bisect.json` files (or directories holding one). A file holds one result, a list of
    them, or `{"results": [...]}`. A bad file: MergeError (one line, exit 2)."""
    found: list[dict[str, Any]] = []
    files: dict[Path, Path] = {}  # one file named twice (a directory and its bisect.json) is read once
    for raw in paths:
        path = Path(raw) / "bisect.json" if Path(raw).is_dir() else Path(raw)
        files.setdefault(path.resolve(), path)
    for path in files.values():
        try:
            doc = json.loads(read_bounded(path, MAX_REPORT_BYTES, "bisect result"))
        except OSError as exc:
            raise MergeError(f"{path}: cannot read bisect result: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise MergeError(f"{path}: not a bisect result (not JSON: {exc})") from None
        items = doc.get("results", doc) if isinstance(doc, dict) else doc
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, dict) or not isinstance(item.get("invariant"), str):
                raise MergeError(f"{path}: not a bisect result (expected an object with {', '.join(BISECT_FIELDS)})")
            for key in (*BISECT_FIELDS[1:], *_BISECT_OPTIONAL):
                if item.get(key) is not None and not isinstance(item[key], str):
                    raise MergeError(f"{path}: bisect result field {key!r} must be a string or null")
            boundary, conclusion = item.get("boundary"), item.get("conclusion") or []
            if boundary is not None and not (
                isinstance(boundary, list) and len(boundary) == 2 and all(isinstance(v, str) for v in boundary)
            ):
                raise MergeError(f"{path}: bisect result field 'boundary' must be two releases or null")
            if not isinstance(conclusion, list) or not all(isinstance(line, str) for line in conclusion):
                raise MergeError(f"{path}: bisect result field 'conclusion' must be a list of lines")
            read = {k: item.get(k) for k in (*BISECT_FIELDS, *_BISECT_OPTIONAL)}
            found.append({**read, "boundary": boundary, "conclusion": conclusion, "source": str(path)})
    return found


def verdict(m: dict[str, Any]) -> tuple[str, str]:
    """(level, text) of the whole matrix: bad when any target violated, caveat when one could not run."""
    cols = m["targets"]
    bad = [c["target"] for c in cols if "error" not in c and not c["ok"]]
    failed = [c["target"] for c in cols if "error" in c]
    parts = [f"{len(cols)} target{'s' if len(cols) != 1 else ''}"]
    if bad:
        parts.append(f"{len(bad)} with violations ({', '.join(bad)})")
    if failed:
        parts.append(f"{len(failed)} could not be run ({', '.join(failed)})")
    if not bad and not failed:
        parts.append("every applicable invariant held on every target")
    return ("bad" if bad else "caveat" if failed else "ok"), "; ".join(parts)


def matrix_md(m: dict[str, Any], bisects: Sequence[dict[str, Any]] = ()) -> str:
    """matrix.md. Every string that came from a target or a user is Markdown- and HTML-escaped."""
    cols = m["targets"]
    level, text = verdict(m)
    icon = {"ok": "✅", "caveat": "⚠️", "bad": "❌"}[level]
    lines = [
        "# simharness matrix",
        "",
        f"{icon} {_md(text)}",
        "",
        f"Scenarios: {_md(', '.join(m['scenarios']))} · seed {m['seed']} · {m['budget']} runs per scenario and target.",
        *([f"Releases chosen: {_md(m['selection']['text'])}"] if m.get("selection") else []),
        "",
        f"Regenerate: {_code(m['command'])}",
        "",
        "| target | profile (detected from its dist) | runs | verdict |",
        "|---|---|---|---|",
    ]
    for c in cols:
        name = f"[{_md(c['target'])}]({c['report']})" if c["report"] else _md(c["target"])
        if "error" in c:
            lines.append(f"| {name} | — | 0 | ⚠️ **could not run**: {_md(c['error'])} |")
            continue
        verdict_text = "every applicable invariant held" if c["ok"] else "**violations**"
        lines.append(f"| {name} | {_md(c['profile'])}: {_md(c['generation'])} | {c['runs']} | {verdict_text} |")
    lines += ["", "| invariant | " + " | ".join(_md(c["target"]) for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for inv in invariant_ids(m):
        cells = []
        for c in cols:
            v = c["invariants"].get(inv)
            if v is None:
                cells.append("—")
                continue
            detail = {
                "violated": f"{v['violated']} of {v['checked']} runs",
                "held": f"checked {v['checked']}",
                "n/a": f"{v['not_applicable']} situations",
                "not-checked": "never exercised",
            }[v["status"]]
            cells.append(f"{MARK[v['status']]} ({detail})")
        lines.append(f"| {_md(inv)} | " + " | ".join(cells) + " |")
    lines += ["", "➖ n/a: the target's runtime cannot throw that fault kind — judged by its own profile, never counted as passed.", ""]
    lines += _findings_md(findings(m, bisects))
    for c in cols:
        notes = _notes_md(c)
        if notes:
            lines += [f"## {_md(c['target'])}", "", *notes, ""]
    return "\n".join(lines) + "\n"


def _findings_md(found: list[dict[str, Any]]) -> list[str]:
    if not found:
        return []
    lines = ["## Findings", "", "| invariant | first violated | last violated | bisect |", "|---|---|---|---|"]
    for f in found:
        bis = "; ".join(_group_text(g) for g in f["bisect"]) or "—"
        lines.append(f"| {_md(f['invariant'])} | {_md(f['first'] or '—')} | {_md(f['last'] or '—')} | {_md(bis)} |")
    lines += [
        "",
        (
            "First and last among the releases of this matrix (releases between them that are not in it were not run); "
            "a bisect pins the exact release for the schedule it bisected."
        ),
        "",
    ]
    return lines


def _code(text: str) -> str:
    """A Markdown code span that holds any text literally (copy-pasteable): its fence is longer than any run of
    backticks inside. Only for text outside tables (a pipe would still end a table cell)."""
    text = visible(text).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _group_text(g: dict[str, Any]) -> str:
    pinned = [f"first appears in {g['first']}"] if g["first"] else []
    pinned += [f"last appears in {g['last']}"] if g["last"] else []
    later = f"; still violated in this matrix by other schedules: {', '.join(g['later'])}" if g.get("later") else ""
    return f"on {g['subject']}: " + ", ".join([*pinned, *(r["text"] for r in g["results"])]) + later


def _bisect_text(b: dict[str, Any]) -> str:
    """One line: the release that introduced or fixed it (and the one before), or why there is no such release."""
    before = b["boundary"][0] if b.get("boundary") else None
    if b.get("direction") == "fixed" and b.get("first_good"):
        return f"fixed in {b['first_good']}" + (f" (last bad: {before})" if before else "")
    if b.get("direction") == "introduced" and b.get("first_bad"):
        return f"introduced in {b['first_bad']}" + (f" (last good: {before})" if before else "")
    if b.get("conclusion"):
        return f"{b.get('outcome') or 'no single change'}: {b['conclusion'][0]}"
    return f"{b.get('outcome') or b.get('direction') or 'no single change'}: first bad {b.get('first_bad') or 'none'}, first good {b.get('first_good') or 'none'}"


def _notes_md(c: dict[str, Any]) -> list[str]:
    notes = []
    for inv, v in c["invariants"].items():
        shapes = v.get("shapes") or []
        if shapes:
            notes.append(f"- {_md(inv)} violated by {len(shapes)} error shape{'s' if len(shapes) != 1 else ''} (violating runs):")
            notes += [f"  - <code>{_md(x['shape'])}</code> ({x['runs']})" for x in shapes]
        ce = v.get("counterexample")
        if ce:
            size = ce.get("size", {})
            notes.append(
                f"- {_md(inv)} violated in {_md(ce['scenario'])}: {_md(ce['message'])}  \n"
                f"  shrunk to {size.get('shrunk', '?')} non-trivial choices (from {size.get('original', '?')}); "
                f"replay: {_code(ce['replay'])}"
            )
    if c["not_applicable_behaviour"]:
        notes.append(f"- {_md(c['not_applicable_behaviour'])}")
    for u in c["unreached"]:
        notes.append(f"- ⚠️ {_md(u['scenario'])} never reached {_md(u['situation'])}")
    return notes


def matrix_html(m: dict[str, Any], bisects: Sequence[dict[str, Any]] = ()) -> str:
    """The index page (report.html at the matrix's root): targets × invariants, each cell linking to that
    target's own report.html; the profiles; the findings. Autoescaped, no scripts, no remote assets."""
    level, text = verdict(m)
    return templates().get_template("matrix.html.j2").render(
        m=m,
        level=level,
        verdict=text,
        invariants=invariant_ids(m),
        findings=findings(m, bisects),
        STATUSES=STATUSES,
        STATUS_TEXT=STATUS_TEXT,
    )
