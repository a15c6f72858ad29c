"""Bisecting across releases: which published release changed the verdict of one invariant on one schedule.

A schedule replays byte for byte on any target, so "which release introduced this departure, which fixed it"
is a search over the published versions between two ends: replay the same world on a release, read the
invariant's verdict, halve the range. This module is the search and the verdict; the CLI (`cli/bisect.py`)
lists the versions (`targets.registry`) and writes the reports (`report/bisect.py`).

Verdicts, per tested release, for the chosen invariant:

- `violated`: the replay violated it (the narrative is its first violation's message);
- `held`: checked at least once, never violated, and every situation it would judge was applicable;
- `n/a`: some situation it would judge holds a fault kind the release's profile lacks (it cannot throw it,
  so it cannot be judged on it): never "held", whatever else held;
- `not-checked`: the replay never reached a situation it judges;
- `skipped`: the release could not be installed, loaded or run (TargetError), named with the reason.

Only `violated` and `held` decide the search; the other three sit between and are searched around, like
`git bisect skip`. A boundary is exact when nothing undecided sits between its two releases. Binary search
tests about log2(n) releases and, by construction, sees a single flip; `exhaustive` tests every release,
which is what makes a history that flips more than once visible (reported as such, never one boundary).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simharness import targets
from simharness.engine.runner import RunResult, replay, run_seed
from simharness.engine.schedule import Schedule
from simharness.model.exceptions import InputTooLarge, ScheduleError, TargetError
from simharness.model.io import MAX_SCHEDULE_BYTES, read_bounded
from simharness.model.kinds import INVARIANTS, EventKind
from simharness.model.scenario import Scenario
from simharness.model.target import Target

VIOLATED, HELD, NA, NOT_CHECKED, SKIPPED = "violated", "held", "n/a", "not-checked", "skipped"
DECISIVE = (VIOLATED, HELD)


@dataclass(frozen=True, slots=True)
class Subject:
    """What runs on every release: a schedule's choice values, or the run of a scenario with a seed."""

    scenario: Scenario
    values: tuple[int, ...] | None  # None: `run_seed(scenario, target, seed)` on each release
    seed: int | None
    source: str  # how the user named it, for the reports
    recorded_on: str | None = None  # the target a schedule was recorded on
    recorded_violations: tuple[str, ...] = ()  # the invariants it violated there, in order

    @classmethod
    def from_schedule(cls, schedule: Schedule, path: str | Path) -> Subject:
        recorded = _recorded_violations(path)
        if schedule.invariant:  # the invariant it was saved for comes first
            recorded = (schedule.invariant, *(i for i in recorded if i != schedule.invariant))
        return cls(schedule.scenario, schedule.values, schedule.seed, f"schedule {path}", schedule.target, recorded)

    @classmethod
    def from_seed(cls, scenario: Scenario, seed: int, path: str) -> Subject:
        return cls(scenario, None, seed, f"scenario {path} --seed {seed}")

    def run(self, target: Target) -> RunResult:
        if self.values is not None:
            return replay(self.scenario, target, self.values, self.seed)
        assert self.seed is not None
        return run_seed(self.scenario, target, self.seed)


def _recorded_violations(path: str | Path) -> tuple[str, ...]:
    """The invariants a schedule file says its run violated (load_schedule has checked the file already)."""
    try:
        doc = json.loads(read_bounded(Path(path), MAX_SCHEDULE_BYTES, "schedule").decode("utf-8"))
    except (OSError, ValueError, InputTooLarge):
        return ()
    listed = doc.get("violations") if isinstance(doc, dict) else None
    seen: list[str] = []
    for v in listed if isinstance(listed, list) else ():
        inv = v.get("invariant") if isinstance(v, dict) else None
        if isinstance(inv, str) and inv not in seen:
            seen.append(inv)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Tested:
    """One release's verdict on the invariant, and what the table shows of it."""

    version: str
    verdict: str
    runs: int | None  # `run.start` events in the replay (None: not run)
    narrative: str  # the violation's one line, "held (...)", why n/a, or why skipped
    profile: str | None = None
    order: int = 0  # 1 for the first release tested, 2 for the next, ...
    result: RunResult | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "verdict": self.verdict,
            "runs": self.runs,
            "narrative": self.narrative,
            "profile": self.profile,
            "tested": self.order,
        }


def verdict(result: RunResult, invariant: str, profile_kinds: frozenset[str]) -> tuple[str, str]:
    """(verdict, one-line narrative) of one replay for one invariant (see the module docstring)."""
    v = result.verdicts
    first = next((x for x in v.violations if x.invariant == invariant), None)
    if first is not None:
        return VIOLATED, first.message
    if v.not_applicable.get(invariant):
        lacks = sorted(
            {k for e in result.trace.events if e.kind == EventKind.RUN_RAISE for k in e.data.get("coord", ()) if k not in profile_kinds}
        )
        kinds = f" ({', '.join(lacks)})" if lacks else ""
        return NA, f"{v.not_applicable[invariant]} situation(s) hold a fault kind its profile lacks{kinds}"
    if v.checked.get(invariant):
        return HELD, f"held (checked {v.checked[invariant]})"
    return NOT_CHECKED, f"the run never reached a situation {invariant} judges"


def run_starts(result: RunResult) -> int:
    return sum(1 for e in result.trace.events if e.kind == EventKind.RUN_START)


Resolve = Callable[[str], Target]
Progress = Callable[[str], None]


def _resolve(spec: str) -> Target:
    return targets.resolve_target(spec)  # looked up when called: tests put fake releases there


class Tester:
    """Runs the subject on a release at most once (installing it on demand) and remembers the outcome."""

    def __init__(
        self, subject: Subject, *, package: str = "openclaw", resolve: Resolve = _resolve, progress: Progress | None = None
    ) -> None:
        self.subject, self.package, self.resolve, self.progress = subject, package, resolve, progress
        self.outcomes: dict[str, tuple[RunResult, str, frozenset[str]] | str] = {}  # version -> (result, profile, kinds) | why skipped

    def outcome(self, version: str) -> tuple[RunResult, str, frozenset[str]] | str:
        if version not in self.outcomes:
            spec = f"{self.package}@{version}"
            try:
                target = self.resolve(spec)
            except TargetError as exc:
                self.outcomes[version] = f"cannot install or load: {exc}"
            else:
                try:
                    self.outcomes[version] = (self.subject.run(target), target.profile.name, target.profile.kinds)
                except TargetError as exc:  # the release broke mid-run (its bridge died): skipped, like one that cannot load
                    self.outcomes[version] = f"failed while running: {exc}"
                finally:
                    target.close()
        return self.outcomes[version]

    def test(self, version: str, invariant: str, order: int) -> Tested:
        got = self.outcome(version)
        if isinstance(got, str):
            tested = Tested(version, SKIPPED, None, got, None, order)
        else:
            result, profile, kinds = got
            what, narrative = verdict(result, invariant, kinds)
            tested = Tested(version, what, run_starts(result), narrative, profile, order, result)
        if self.progress is not None:
            self.progress(f"{self.package}@{version}: {tested.verdict} — {tested.narrative}")
        return tested


def default_invariant(subject: Subject, tester: Tester, ends: Sequence[str]) -> str:
    """The invariant to bisect when none is named: the schedule's first violated one, else the first one the
    run violates at an end (in the order given: the --bad end first)."""
    if subject.recorded_violations:
        return check_invariant(subject.recorded_violations[0])
    for version in ends:
        got = tester.outcome(version)
        if not isinstance(got, str) and got[0].verdicts.violations:
            return got[0].verdicts.violations[0].invariant
    raise ScheduleError(f"{subject.source}: no invariant is violated at either end of the range; name one with --invariant")


def check_invariant(invariant: str) -> str:
    if invariant not in INVARIANTS:
        raise ScheduleError(f"--invariant {invariant!r}: unknown invariant (known: {', '.join(INVARIANTS)})")
    return invariant


#: How a bisection ended. Only `boundary` is a found release (exit 0); every other outcome says why not (exit 1).
OUTCOMES = {
    "boundary": "one release changed the verdict, and every release around it was decided",
    "ambiguous": "the verdict changed once, but releases next to the change could not be decided",
    "no-change": "both ends have the same verdict",
    "non-monotonic": "the verdict flips more than once among the tested releases",
    "undecided-end": "an end of the range is n/a or not checked, so the ends cannot decide",
    "ends-disagree": "--good does not hold or --bad does not violate the invariant",
}


@dataclass(slots=True)
class Bisection:
    """A finished search: every tested release's verdict, the flips among them, and what they add up to."""

    package: str
    invariant: str
    versions: tuple[str, ...]  # the range, oldest first
    exhaustive: bool
    good: str | None = None  # as the user claimed them (--good/--bad), else None
    bad: str | None = None
    tested: dict[str, Tested] = field(default_factory=dict)
    outcome: str = ""
    boundary: tuple[str, str] | None = None  # (last release with the older verdict, first with the newer one)
    older: str | None = None  # the verdict before the change: violated means a release fixed it
    between: tuple[str, ...] = ()  # undecided releases inside the boundary (then it is not exact)
    flips: list[tuple[str, str]] = field(default_factory=list)  # consecutive decided releases whose verdicts differ

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome == "boundary" else 1

    @property
    def direction(self) -> str | None:
        """`fixed` (violated, then held), `introduced` (held, then violated), or None without a single change."""
        if self.boundary is None:
            return None
        return "fixed" if self.older == VIOLATED else "introduced"

    def spec(self, version: str) -> str:
        return f"{self.package}@{version}"

    def in_order(self) -> list[Tested]:
        index = {v: i for i, v in enumerate(self.versions)}
        return sorted(self.tested.values(), key=lambda t: index[t.version])

    def first_bad(self) -> str | None:
        if self.boundary is None or self.outcome != "boundary":
            return None
        return self.boundary[1] if self.direction == "introduced" else None

    def first_good(self) -> str | None:
        if self.boundary is None or self.outcome != "boundary":
            return None
        return self.boundary[1] if self.direction == "fixed" else None

    def shown_bad(self) -> str | None:
        """The violating release whose replay the full reports show: the boundary's violating side, else the
        newest violating release tested."""
        if self.boundary is not None:
            return self.boundary[0] if self.direction == "fixed" else self.boundary[1]
        bad = [t.version for t in self.in_order() if t.verdict == VIOLATED]
        return bad[-1] if bad else None

    def conclusion(self) -> list[str]:
        """The result in a few plain lines (the CLI prints them; bisect.md and bisect.json carry them)."""
        ordered = self.in_order()
        lo, hi = ordered[0], ordered[-1]
        undecided = ", ".join(f"{self.spec(v)} ({self.tested[v].verdict})" for v in self.between)
        out: list[str]
        if self.outcome == "boundary" and self.boundary is not None:
            x, y = (self.spec(v) for v in self.boundary)
            if self.direction == "fixed":
                out = [f"first good release: {y} (last bad: {x}): {y} fixed {self.invariant} on this run"]
            else:
                out = [f"first bad release: {y} (last good: {x}): {y} introduced the {self.invariant} violation on this run"]
        elif self.outcome == "ambiguous" and self.boundary is not None:
            x, y = (self.spec(v) for v in self.boundary)
            newer = "held" if self.older == VIOLATED else "violated"
            out = [
                (
                    f"no exact boundary: {self.older} on {x}, {newer} on {y}, and between them {undecided} could not be decided: "
                    f"the change is in one of {', '.join([*(self.spec(v) for v in self.between), y])}"
                )
            ]
        elif self.outcome == "no-change":
            out = [f"no change in range: {self.invariant} is {lo.verdict} at both ends ({self.spec(lo.version)}, {self.spec(hi.version)})"]
            if not self.exhaustive:
                out.append("binary search tests only the ends here; --all tests every release (a fix undone later shows only there)")
        elif self.outcome == "non-monotonic":
            steps = ", ".join(f"{self.spec(a)} {self.tested[a].verdict} -> {self.spec(b)} {self.tested[b].verdict}" for a, b in self.flips)
            out = [f"the verdict flips {len(self.flips)} times among the tested releases ({steps}): no single release changed it"]
        elif self.outcome == "undecided-end":
            ends = [t for t in (lo, hi) if t.verdict not in DECISIVE]
            what = "; ".join(f"{self.spec(t.version)} is {t.verdict} ({t.narrative})" for t in ends)
            out = [f"the ends cannot decide: {what}; choose ends where {self.invariant} applies"]
            if self.flips:
                steps = ", ".join(
                    f"{self.spec(a)} {self.tested[a].verdict} -> {self.spec(b)} {self.tested[b].verdict}" for a, b in self.flips
                )
                out.append(f"among the decided releases the verdict changes at: {steps}")
        else:  # ends-disagree
            assert self.good is not None and self.bad is not None
            g, b = self.tested[self.good], self.tested[self.bad]
            out = [
                (
                    f"--good {self.spec(g.version)} is {g.verdict} and --bad {self.spec(b.version)} is {b.verdict} for {self.invariant} "
                    "on this run: nothing to bisect between them as claimed"
                )
            ]
        if self.outcome in ("boundary", "ambiguous") and not self.exhaustive:
            out.append(
                f"binary search tested {len(self.tested)} of {len(self.versions)} releases; a history that flips more than once "
                "shows only with --all"
            )
        skipped = [t for t in ordered if t.verdict == SKIPPED]
        if skipped:
            out.append("skipped (could not be tested): " + ", ".join(self.spec(t.version) for t in skipped))
        return out


def bisect(
    versions: Sequence[str],
    tester: Tester,
    invariant: str,
    *,
    good: str | None = None,
    bad: str | None = None,
    exhaustive: bool = False,
) -> Bisection:
    """Find the release in `versions` (oldest first; its two ends are the range's ends) where `invariant`'s
    verdict on the tester's subject changes. `good`/`bad`, when given, are the ends as the user claimed them.
    An end that cannot be tested at all raises TargetError: there is nothing to search from."""
    if len(versions) < 2:
        raise TargetError("the range holds fewer than two releases: nothing to bisect")
    b = Bisection(tester.package, invariant, tuple(versions), exhaustive, good, bad)

    def test(i: int) -> str:
        version = versions[i]
        if version not in b.tested:
            b.tested[version] = tester.test(version, invariant, len(b.tested) + 1)
        return b.tested[version].verdict

    last = len(versions) - 1
    for end in (last, 0) if bad == versions[last] else (0, last):  # the --bad end first, as default_invariant ran it
        if test(end) == SKIPPED:
            raise TargetError(f"{b.spec(versions[end])}: an end of the range cannot be tested ({b.tested[versions[end]].narrative})")
    if exhaustive:
        for i in range(1, last):
            test(i)
    elif test(0) in DECISIVE and test(last) in DECISIVE and test(0) != test(last):
        _halve(versions, test)
    _conclude(b)
    return b


def _halve(versions: Sequence[str], test: Callable[[int], str]) -> None:
    """Binary search between two decided ends with different verdicts; an undecided release is searched around."""
    lo, hi = 0, len(versions) - 1
    older = test(lo)
    tried: set[int] = {lo, hi}
    while True:
        left = [i for i in range(lo + 1, hi) if i not in tried]
        if not left:
            return
        middle = (lo + hi) / 2
        i = min(left, key=lambda k: (abs(k - middle), k))  # the middle, else the untested release nearest to it
        tried.add(i)
        got = test(i)
        if got == older:
            lo = i
        elif got in DECISIVE:
            hi = i


def _conclude(b: Bisection) -> None:
    ordered = b.in_order()
    decided = [t for t in ordered if t.verdict in DECISIVE]
    b.flips = [(p.version, q.version) for p, q in itertools.pairwise(decided) if p.verdict != q.verdict]
    lo, hi = ordered[0], ordered[-1]
    if lo.verdict not in DECISIVE or hi.verdict not in DECISIVE:
        b.outcome = "undecided-end"
    elif b.good is not None and b.bad is not None and (b.tested[b.good].verdict != HELD or b.tested[b.bad].verdict != VIOLATED):
        b.outcome = "ends-disagree"
    elif not b.flips:
        b.outcome = "no-change"
    elif len(b.flips) > 1:
        b.outcome = "non-monotonic"
    else:
        x, y = b.flips[0]
        b.boundary, b.older = (x, y), b.tested[x].verdict
        index = {v: i for i, v in enumerate(b.versions)}
        b.between = b.versions[index[x] + 1 : index[y]]
        b.outcome = "ambiguous" if b.between else "boundary"
