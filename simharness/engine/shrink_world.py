"""Smaller worlds for the shrinker: the same scenario with sessions, turns, writers, files or chain candidates
taken away, and the failing run's choices carried over to it.

Shrinking the choices alone leaves a counterexample from a crowded world crowded: sixteen sessions, three
writers and four locks on the timeline where one session and one lock matter. The shrinker's world passes
(`engine.shrink`: `fewer_sessions`, `fewer_turns`, `fewer_writers`, `fewer_files`, `shorter_chain`) try the
worlds this module builds and keep one only if the same invariant is still violated.

A smaller world is an edit of the scenario's *source* (the TOML data), parsed again by `parse_scenario`, so
the result is a scenario like any other: a schedule file embeds that source and `simharness replay FILE`
rebuilds exactly the shrunk world. The edits pin what the removal would otherwise shift (a writer's default
name depends on its position), and never touch anything else.

Removing an actor renumbers the ones after it (`session-5` becomes `session-4`), so `carry` renames their
choice labels and rewrites tie choices (which actor of those due at one instant goes first) to the same
actor in the shorter list; a replay aligned by label then keeps the rest of the schedule what it was.
Many labels name no actor (`provider.openai.fault` is asked by whichever session calls openai), so a gone
actor's choices are found by replaying the run once with `Attributing`, which notes the actor running when
each choice is made; without that, the k-th openai fault would slide to another session's request.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from simharness.engine.runner import RunResult
from simharness.model.choice import Choice, ChoiceSource, ReplayChoices
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario, parse_scenario


@dataclass(frozen=True, slots=True)
class SmallerWorld:
    """A smaller scenario, and what became of the old world's actors (renamed, or `None`: gone)."""

    scenario: Scenario
    actors: Mapping[str, str | None]


def world_size(scenario: Scenario) -> int:
    """How much world a reader has to take in; every edit here makes it strictly smaller."""
    writers = sum(w.count * w.writes for w in scenario.writers)
    return scenario.sessions * scenario.turns + writers + scenario.files + len(scenario.chain)


def world_summary(scenario: Scenario) -> dict[str, int]:
    """The counts a report shows: sessions, turns, writer processes, files (each has its lock), chain length."""
    return {
        "sessions": scenario.sessions,
        "turns": scenario.turns,
        "writers": sum(w.count for w in scenario.writers),
        "files": scenario.files,
        "chain": len(scenario.chain),
    }


def _rebuild(scenario: Scenario, data: dict[str, Any], actors: Mapping[str, str | None]) -> SmallerWorld:
    # the shrunk source keeps the name the scenario had (a source without one takes it from its path)
    data["name"] = scenario.name
    return SmallerWorld(parse_scenario(data, scenario.path), actors)


def _source(scenario: Scenario) -> dict[str, Any]:
    data = copy.deepcopy(dict(scenario.source))
    data["world"] = dict(data.get("world", {}))
    return data


def _session(i: int) -> str:
    return f"session-{i + 1}"


def without_sessions(scenario: Scenario, gone: Sequence[int]) -> SmallerWorld | None:
    """The world without the sessions at 0-based indexes `gone` (at least one session stays)."""
    kept = [i for i in range(scenario.sessions) if i not in set(gone)]
    if not kept or len(kept) == scenario.sessions:
        return None
    data = _source(scenario)
    data["world"]["sessions"] = len(kept)
    actors: dict[str, str | None] = {_session(i): None for i in gone}
    actors.update({_session(old): _session(new) for new, old in enumerate(kept) if old != new})
    return _rebuild(scenario, data, actors)


def sessions_of_file(scenario: Scenario, session: int) -> SmallerWorld | None:
    """The world of one file: only the sessions that shared `session`'s file (session i writes file i mod
    files), which becomes the only file, so they still share it and nothing else moves."""
    if scenario.files <= 1 or not 0 <= session < scenario.sessions:
        return None
    smaller = without_sessions(scenario, [i for i in range(scenario.sessions) if i % scenario.files != session % scenario.files])
    base = smaller.scenario if smaller is not None else scenario
    data = _source(base)
    data["world"]["files"] = 1
    return _rebuild(base, data, smaller.actors if smaller is not None else {})


def with_turns(scenario: Scenario, turns: int) -> SmallerWorld | None:
    """The world with fewer turns per session (later turns' choices simply go unasked)."""
    if not 1 <= turns < scenario.turns:
        return None
    data = _source(scenario)
    data["world"]["turns"] = turns
    return _rebuild(scenario, data, {})


def with_files(scenario: Scenario, files: int) -> SmallerWorld | None:
    """The world with fewer session files (and locks); a writer's recorded file past the end takes the first."""
    if not 1 <= files < scenario.files:
        return None
    data = _source(scenario)
    data["world"]["files"] = files
    return _rebuild(scenario, data, {})


def without_candidate(scenario: Scenario, index: int) -> SmallerWorld | None:
    """The world whose fallback chain lacks the candidate at `index` (at least one stays)."""
    if len(scenario.chain) <= 1 or not 0 <= index < len(scenario.chain):
        return None
    data = _source(scenario)
    data["world"]["chain"] = [f"{p}/{m}" for k, (p, m) in enumerate(scenario.chain) if k != index]
    return _rebuild(scenario, data, {})


def _writer_actor(name: str, k: int) -> str:
    return f"writer:{name}-{k + 1}"


def _writers_source(scenario: Scenario) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = _source(scenario)
    tables = [dict(t) for t in data.get("writers", [])]
    for table, spec in zip(tables, scenario.writers, strict=True):
        table["name"] = spec.name  # pinned: a default name depends on the writer's position
    data["writers"] = tables
    return data, tables


def without_writers(scenario: Scenario, spec: int, gone: Sequence[int]) -> SmallerWorld | None:
    """The world without instances `gone` (0-based) of the writer `spec`; without it altogether if none stay."""
    if not 0 <= spec < len(scenario.writers):
        return None
    w = scenario.writers[spec]
    kept = [k for k in range(w.count) if k not in set(gone)]
    if len(kept) == w.count:
        return None
    data, tables = _writers_source(scenario)
    actors: dict[str, str | None] = {_writer_actor(w.name, k): None for k in gone}
    if kept:
        tables[spec]["count"] = len(kept)
        actors.update({_writer_actor(w.name, old): _writer_actor(w.name, new) for new, old in enumerate(kept) if old != new})
    else:
        del tables[spec]
    if not tables:
        del data["writers"]
    return _rebuild(scenario, data, actors)


def with_writes(scenario: Scenario, spec: int, writes: int) -> SmallerWorld | None:
    """The world where writer `spec` writes fewer times."""
    if not 0 <= spec < len(scenario.writers) or not 1 <= writes < scenario.writers[spec].writes:
        return None
    data, tables = _writers_source(scenario)
    tables[spec]["writes"] = writes
    return _rebuild(scenario, data, {})


class Attributing(ReplayChoices):
    """Replays a recorded sequence and notes, per recorded choice, the actor that made it (`owners`; `None`
    for the scheduler's own tie choices). The actor is the simpy process being resumed, found on the stack:
    only the shrinker uses this, on one replay per world pass, never an exploring run."""

    def __init__(self, values: Sequence[int]) -> None:
        super().__init__(values)
        self.owners: list[str | None] = []

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        self.owners.append(_running_actor())
        return super()._pick(label, n, weights)


def _running_actor() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "_resume":
            proc = frame.f_locals.get("self")
            if isinstance(proc, simpy.Process):
                actor = getattr(proc, "actor", None)
                return actor if isinstance(actor, str) else None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def gist(message: str) -> str:
    """A violation message without what a smaller world renames: numbers, call ids, actors, files, candidates
    and chains (every word with a digit, `/`, `.`, `-` or `:`), so `call 7: session-12 ...` of a crowded world
    and `call 1: session-1 ...` of its one-session version read the same, and another failure does not."""
    return _VOLATILE.sub("#", _CHAIN.sub(" ", message)).replace("# #", "#")


_CHAIN = re.compile(r"\s*→\s*")
_VOLATILE = re.compile(r"[^\s]*[0-9/.:\-][^\s]*(?:\s+[^\s]*[0-9/.:\-][^\s]*)*")


def violating_session(result: RunResult, invariant: str) -> int | None:
    """The 0-based index of the session whose call violated `invariant`, if the violation names a call."""
    call = next((v.call for v in result.verdicts.violations if v.invariant == invariant), None)
    if call is None:
        return None
    for e in result.trace.events:
        if e.kind == EventKind.CALL_START and e.data.get("call") == call and e.actor.startswith("session-"):
            index = e.actor.removeprefix("session-")
            return int(index) - 1 if index.isdigit() else None
    return None


# the writer passes' views of writer `spec` (by index: the passes go over the writers last first)


def writer_count(spec: int) -> Callable[[Scenario], int]:
    return lambda sc: sc.writers[spec].count


def writer_writes(spec: int) -> Callable[[Scenario], int]:
    return lambda sc: sc.writers[spec].writes


def some_instances(spec: int) -> Callable[[Scenario, list[int]], SmallerWorld | None]:
    """Removing some of writer `spec`'s instances, never all (tried first, and it would shift the index)."""
    return lambda sc, gone: without_writers(sc, spec, gone) if len(gone) < sc.writers[spec].count else None


def fewer_writes(spec: int) -> Callable[[Scenario, int], SmallerWorld | None]:
    return lambda sc, n: with_writes(sc, spec, n)


class LabelAligned(ChoiceSource):
    """Replays recorded choices matched by (label, occurrence) rather than by position; unmatched: 0."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        super().__init__()
        self._by_label: dict[tuple[str, int], int] = {}
        seen: dict[str, int] = {}
        for c in choices:
            k = seen.get(c.label, 0)
            seen[c.label] = k + 1
            self._by_label[(c.label, k)] = c.value
        self._asked: dict[str, int] = {}

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        k = self._asked.get(label, 0)
        self._asked[label] = k + 1
        return self._by_label.get((label, k), 0)


def carry(choices: Sequence[Choice], actors: Mapping[str, str | None], owners: Sequence[str | None] = ()) -> list[Choice]:
    """`choices` as the smaller world would record them: a gone actor's choices dropped (by label, or by
    `owners`, the actor that made each choice), a renamed actor's relabelled, and a tie decided for the same
    actor among those left (not a choice if one is left)."""
    if not actors:
        return list(choices)
    out: list[Choice] = []
    for i, c in enumerate(choices):
        if i < len(owners) and owners[i] is not None and actors.get(owners[i] or "", "") is None:
            continue  # made by an actor that is gone
        if c.label.startswith("tie:"):
            taken = actors.get(c.options[c.value], c.options[c.value])
            left = [n for n in (actors.get(a, a) for a in c.options) if n is not None]
            if taken is not None and len(left) > 1:
                out.append(Choice("tie:" + "/".join(left), left.index(taken), tuple(left)))
            continue
        owner, dot, rest = c.label.rpartition(".")
        if dot and owner in actors:
            renamed = actors[owner]
            if renamed is not None:
                out.append(Choice(f"{renamed}.{rest}", c.value, c.options))
            continue
        out.append(c)
    return out
