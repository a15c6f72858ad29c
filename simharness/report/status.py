"""**No vacuous pass**: an invariant's status and the suite's headline, the same in every report and on the CLI.

Every invariant has one status, computed from its counts by `status()`:

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

Everything here reads a report.json document (a dict), so it works on merged and older documents alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


#: Why a report is incomplete (report.json's `incomplete.reason`) and the words the reports use for it. A
#: document without `incomplete` (older, or from the pytest plugin) was interrupted.
INCOMPLETE_REASONS = {
    "interrupted": "interrupted",
    "target-failed": "the target failed",
    "worker-died": "a worker died",
    "unstoppable": "a driver could not be stopped",
}


def mark_incomplete(doc: dict[str, Any], reason: str, message: str, planned_runs: int | None = None, **details: Any) -> None:
    """Mark `doc` incomplete, saying why: `reason` (a key of `INCOMPLETE_REASONS`), `message` (one line),
    `planned_runs` (the runs the command set out to make, so no report claims runs it does not have)."""
    doc["complete"] = False
    planned = {"planned_runs": planned_runs} if planned_runs is not None else {}
    doc["incomplete"] = {"reason": reason, "message": message, **planned, **details}


def incompleteness(doc: dict[str, Any]) -> tuple[str, str]:
    """(reason, one line) of an incomplete document: why it covers only some of its runs."""
    info = doc.get("incomplete") or {}
    reason = str(info.get("reason") or "interrupted")
    message = str(info.get("message") or "the run was interrupted")
    return INCOMPLETE_REASONS.get(reason, reason), message


def runs_text(doc: dict[str, Any]) -> str:
    """ "N runs", or "N of M runs" for an incomplete document that knows how many were planned."""
    planned = (doc.get("incomplete") or {}).get("planned_runs") if not doc.get("complete", True) else None
    return f"{doc['runs']} of {planned} runs" if planned is not None else f"{doc['runs']} runs"
