"""Scenario files: TOML data (never code) describing a world, validated into frozen records.

Every user mistake ends in one `ScenarioError` line naming the file, the key and what was expected.
See scenarios/README.md for the format.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simharness.model.exceptions import ScenarioError
from simharness.model.kinds import (
    COORDINATION_WRAPS,
    EXPLICIT_INNERS,
    EXPLICIT_LINKS,
    EXPLICIT_OUTERS,
    NETWORK_CODES,
    PROVIDER_FAULTS,
    PROVIDER_WRAPS,
    RUNTIME_FAULTS,
    SHAPE_FAILURES,
    SHAPE_FORMS,
    SITUATIONS,
    SWITCH_TARGETS,
    VOCABULARY_FAULTS,
    WRITER_KINDS,
)
from simharness.model.scenario_auth import SCOPES, AuthSpec, check_provider_options, parse_auth
from simharness.model.scenario_read import Reader, candidate, relative, total_text
from simharness.model.suggest import did_you_mean

#: Swarm testing (each run first chooses which fault kinds and wrappers are on) when neither the scenario
#: (`swarm = true`) nor the CLI (`--swarm on`) asks for it: off, because on the shipped mutants and the real
#: releases it found departures later, not sooner (runs-to-first-kill; scenarios/README.md "Swarm testing").
SWARM_DEFAULT = False


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    latency_ms: tuple[int, ...] = (400,)
    faults: tuple[tuple[str, float], ...] = ()  # (kind, probability); "success" takes the rest
    retry_after_s: tuple[int, ...] = (0,)
    # [auth] scenarios only: which keys a fault blocks ("" = by kind) and its Retry-After in ms (() = retry_after_s)
    scope: str = ""
    retry_after_ms: tuple[int, ...] = ()

    def outcome_weights(self) -> tuple[tuple[str, ...], tuple[float, ...]]:
        return with_rest("success", self.faults)


def with_rest(name: str, faults: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Options and weights: `name` takes the probability the faults leave. Summed left to right, never with
    `sum()` (Python 3.12+ compensates float sums, so the rest could differ in the last bit between Pythons)."""
    total = 0.0
    for _, p in faults:
        total += p
    return (name,) + tuple(k for k, _ in faults), (max(0.0, 1.0 - total),) + tuple(p for _, p in faults)


@dataclass(frozen=True, slots=True)
class WriterSpec:
    name: str
    count: int = 1
    kind: str = "append"  # append: a session/gateway/CLI write; rewrite: compaction keeps the size
    delay_ms: tuple[int, ...] = (0,)
    hold_ms: tuple[int, ...] = (50,)
    writes: int = 1
    lock_timeout_ms: int = 60_000


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str = ""
    path: str = "<inline>"
    sessions: int = 1
    files: int = 1
    turns: int = 1
    chain: tuple[tuple[str, str], ...] = (("openai", "gpt-a"),)
    session_start_ms: tuple[int, ...] = (0,)
    lock_timeout_ms: int = 60_000
    stale_ms: int = 30 * 60_000
    max_hold_ms: int = 5 * 60_000
    retry_jitter_ms: tuple[int, ...] = (0,)
    request_timeout_ms: int = 60_000
    idle_timeout_ms: int = 120_000
    horizon_ms: int = 3_600_000
    max_steps: int = 200_000
    providers: tuple[tuple[str, ProviderSpec], ...] = ()
    writers: tuple[WriterSpec, ...] = ()
    wrap_coordination: tuple[tuple[str, float], ...] = (("none", 1.0),)
    wrap_provider: tuple[tuple[str, float], ...] = (("none", 1.0),)
    runtime_faults: tuple[tuple[str, float], ...] = ()  # (kind, probability per attempt); none takes the rest
    # provider fault explicit_nested_coordination: relative weights of the outer error, inner kind and link
    explicit_outer: tuple[tuple[str, float], ...] = tuple((o, 1.0) for o in EXPLICIT_OUTERS)
    explicit_inner: tuple[tuple[str, float], ...] = tuple((k, 1.0) for k in EXPLICIT_INNERS)
    explicit_link: tuple[tuple[str, float], ...] = tuple((k, 1.0) for k in EXPLICIT_LINKS)
    # vocabulary faults (opt-in provider faults): a model switch's target, a network error's code ([vocabulary])
    switch_target: tuple[tuple[str, float], ...] = tuple((t, 1.0) for t in SWITCH_TARGETS)
    network_codes: tuple[tuple[str, float], ...] = tuple((c, 1.0) for c in NETWORK_CODES)
    # provider fault `shaped`: the world's one failure and the forms it takes ([shapes])
    shape_failure: tuple[tuple[str, float], ...] = tuple((f, 1.0) for f in SHAPE_FAILURES)
    shape_form: tuple[tuple[str, float], ...] = tuple((f, 1.0) for f in SHAPE_FORMS)
    swarm: bool = SWARM_DEFAULT
    expect_sometimes: tuple[str, ...] = ()
    auth: AuthSpec | None = None  # the [auth] table: a store of auth profiles that outlives calls (None: no store)
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def provider(self, name: str) -> ProviderSpec:
        for key, spec in self.providers:
            if key == name:
                return spec
        for key, spec in self.providers:
            if key == "*":
                return spec
        return ProviderSpec()

    @property
    def digest(self) -> str:
        """Identity of the scenario's content (schedules remember which scenario they belong to)."""
        return hashlib.sha256(json.dumps(self.source, sort_keys=True).encode()).hexdigest()[:16]


def parse_scenario(data: Mapping[str, Any], where: str = "<inline>") -> Scenario:
    """Validate a scenario's TOML data (also the copy embedded in schedule files)."""
    top = Reader(where, data)
    name = top.string("name", Path(where).stem)
    description = top.string("description", "")

    w = Reader(where, top.table_of("world"), "world.")
    sessions = w.integer("sessions", 1, 1, 512)
    files = w.integer("files", 1, 1, 512)
    turns = w.integer("turns", 1, 1, 100)
    raw_chain = w.get("chain", ["openai/gpt-a"])
    if not isinstance(raw_chain, list) or not 1 <= len(raw_chain) <= 32:
        raise w.fail("chain", 'a list of 1-32 "provider/model" strings', raw_chain)
    chain = tuple(candidate(where, i, c) for i, c in enumerate(raw_chain))
    if len(set(chain)) != len(chain):
        raise w.fail("chain", "distinct candidates", raw_chain)
    session_start = w.integers("session_start_ms", (0,))
    lock_timeout = w.integer("lock_timeout_ms", 60_000, 1)
    stale = w.integer("stale_ms", 30 * 60_000, 1)
    max_hold = w.integer("max_hold_ms", 5 * 60_000, 1)
    jitter = w.integers("retry_jitter_ms", (0,), 0, 10_000)
    request_timeout = w.integer("request_timeout_ms", 60_000, 1)
    idle_timeout = w.integer("idle_timeout_ms", 120_000, 1)
    horizon = w.integer("horizon_ms", 3_600_000, 1)
    max_steps = w.integer("max_steps", 200_000, 100, 50_000_000)
    w.reject_unknown()
    auth = parse_auth(where, top.table_of("auth"), chain) if "auth" in top.table else None

    providers = []
    for pname, ptable in top.table_of("providers").items():
        if not isinstance(ptable, dict):
            raise top.fail(f"providers.{pname}", "a table", ptable)
        p = Reader(where, ptable, f"providers.{pname}.")
        check_provider_options(where, pname, ptable, auth is not None)
        spec = ProviderSpec(
            latency_ms=p.integers("latency_ms", (400,)),
            faults=p.weights("faults", (), PROVIDER_FAULTS[1:] + VOCABULARY_FAULTS),
            retry_after_s=p.integers("retry_after_s", (0,), 0, 3600),
            scope=p.string("scope", "", SCOPES) if "scope" in ptable else "",
            retry_after_ms=p.integers("retry_after_ms", (0,)) if "retry_after_ms" in ptable else (),
        )
        if sum(weight for _, weight in spec.faults) > 1.0 + 1e-9:
            raise p.fail("faults", f"probabilities that add up to at most 1; they add up to {total_text(spec.faults)}", dict(spec.faults))
        p.reject_unknown()
        providers.append((pname, spec))

    writers = []
    raw_writers = top.get("writers", [])
    if not isinstance(raw_writers, list):
        raise top.fail("writers", "an array of tables ([[writers]])", raw_writers)
    for i, wtable in enumerate(raw_writers):
        if not isinstance(wtable, dict):
            raise top.fail(f"writers[{i}]", "a table", wtable)
        r = Reader(where, wtable, f"writers[{i}].")
        writers.append(
            WriterSpec(
                name=r.string("name", f"writer{i + 1}"),
                count=r.integer("count", 1, 1, 256),
                kind=r.string("kind", "append", WRITER_KINDS),
                delay_ms=r.integers("delay_ms", (0,)),
                hold_ms=r.integers("hold_ms", (50,)),
                writes=r.integer("writes", 1, 1, 1000),
                lock_timeout_ms=r.integer("lock_timeout_ms", 60_000, 1),
            )
        )
        r.reject_unknown()

    wr = Reader(where, top.table_of("wrapping"), "wrapping.")
    wrap_coordination = wr.weights("coordination", (("none", 1.0),), COORDINATION_WRAPS)
    wrap_provider = wr.weights("provider", (("none", 1.0),), PROVIDER_WRAPS)
    wr.reject_unknown()

    rt = Reader(where, top.table_of("runtime"), "runtime.")
    runtime_faults = rt.weights("faults", (), RUNTIME_FAULTS)
    spread = rt.get("any", 0.0)  # a refusal of any kind, split evenly: kinds the world learns later join in
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not 0.0 <= float(spread) <= 1.0:
        raise rt.fail("any", "a probability from 0 to 1", spread)
    if spread:
        share = float(spread) / len(RUNTIME_FAULTS)
        listed = dict(runtime_faults)
        runtime_faults = tuple(runtime_faults) + tuple((k, share) for k in RUNTIME_FAULTS if k not in listed)
        runtime_faults = tuple((k, p + share if k in listed else p) for k, p in runtime_faults)
    if sum(p for _, p in runtime_faults) > 1.0 + 1e-9:  # validation only: never decides a choice
        raise rt.fail(
            "faults",
            f"probabilities that sum to at most 1{' (with any)' if spread else ''}; they sum to {total_text(runtime_faults)}",
            dict(runtime_faults),
        )
    rt.reject_unknown()

    xp = Reader(where, top.table_of("explicit"), "explicit.")
    explicit = tuple(
        relative(xp, key, tuple((name, 1.0) for name in names), names)
        for key, names in (("outer", EXPLICIT_OUTERS), ("inner", EXPLICIT_INNERS), ("link", EXPLICIT_LINKS))
    )
    xp.reject_unknown()

    vo = Reader(where, top.table_of("vocabulary"), "vocabulary.")
    switch_target = relative(vo, "switch_target", tuple((t, 1.0) for t in SWITCH_TARGETS), SWITCH_TARGETS)
    network_codes = relative(vo, "network", tuple((c, 1.0) for c in NETWORK_CODES), NETWORK_CODES)
    vo.reject_unknown()
    sh = Reader(where, top.table_of("shapes"), "shapes.")
    shape_failure = relative(sh, "failure", tuple((f, 1.0) for f in SHAPE_FAILURES), SHAPE_FAILURES)
    shape_form = relative(sh, "form", tuple((f, 1.0) for f in SHAPE_FORMS), SHAPE_FORMS)
    sh.reject_unknown()

    swarm = top.get("swarm", SWARM_DEFAULT)
    if not isinstance(swarm, bool):
        raise top.fail("swarm", "true or false", swarm)

    ex = Reader(where, top.table_of("expect"), "expect.")
    sometimes = ex.get("sometimes", [])
    if not isinstance(sometimes, list) or not all(isinstance(s, str) for s in sometimes):
        raise ex.fail("sometimes", "a list of situation names", sometimes)
    for s in sometimes:
        if s not in SITUATIONS:
            raise ScenarioError(
                str(ex.fail("sometimes", "known situations (" + ", ".join(SITUATIONS) + ")", s)) + did_you_mean(s, SITUATIONS)
            )
    ex.reject_unknown()
    top.reject_unknown()

    return Scenario(
        name=name,
        description=description,
        path=where,
        sessions=sessions,
        files=files,
        turns=turns,
        chain=chain,
        session_start_ms=session_start,
        lock_timeout_ms=lock_timeout,
        stale_ms=stale,
        max_hold_ms=max_hold,
        retry_jitter_ms=jitter,
        request_timeout_ms=request_timeout,
        idle_timeout_ms=idle_timeout,
        horizon_ms=horizon,
        max_steps=max_steps,
        providers=tuple(providers),
        writers=tuple(writers),
        wrap_coordination=wrap_coordination,
        wrap_provider=wrap_provider,
        runtime_faults=runtime_faults,
        explicit_outer=explicit[0],
        explicit_inner=explicit[1],
        explicit_link=explicit[2],
        switch_target=switch_target,
        network_codes=network_codes,
        shape_failure=shape_failure,
        shape_form=shape_form,
        swarm=swarm,
        expect_sometimes=tuple(sometimes),
        auth=auth,
        # the swarm setting is pinned in the source, so a schedule replays the same way whatever the default
        source={**data, "swarm": swarm},
    )


def with_swarm(scenario: Scenario, on: bool) -> Scenario:
    """`scenario` with swarm testing switched on or off (the CLI's `--swarm`); pinned in its source too."""
    if scenario.swarm == on:
        return scenario
    return replace(scenario, swarm=on, source={**scenario.source, "swarm": on})


def load_scenario(path: str | Path) -> Scenario:
    from simharness.model.exceptions import InputTooLarge
    from simharness.model.io import MAX_SCENARIO_BYTES, read_bounded

    path = Path(path)
    try:  # bounded by the bytes read, not st_size: /dev/zero or a FIFO would otherwise fill memory
        text = read_bounded(path, MAX_SCENARIO_BYTES, "scenario").decode("utf-8")
    except InputTooLarge as exc:
        raise ScenarioError(str(exc)) from None
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise ScenarioError(f"{path}: not valid TOML: {str(exc).splitlines()[0][:80]}") from None
    if not data:  # empty, or comments only: it would run the default world and pass, surely not what was meant
        raise ScenarioError(f"{path}: empty scenario file: no keys (see scenarios/README.md for the format)")
    return parse_scenario(data, str(path))


def collect_scenarios(paths: Sequence[str | Path], *, swarm: bool | None = None) -> list[Scenario]:
    """Scenario files named directly or found (sorted) in directories; `swarm` overrides their setting."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(sorted(p.glob("*.toml")))
        elif p.exists() or p.suffix == ".toml":
            found.append(p)
        else:
            raise ScenarioError(f"{p}: no such file or directory")
    if not found:
        raise ScenarioError(f"{', '.join(map(str, paths))}: no scenario files (*.toml) found")
    scenarios = [load_scenario(p) for p in found]
    if swarm is not None:
        scenarios = [with_swarm(s, swarm) for s in scenarios]
    names = [s.name for s in scenarios]
    for n in names:
        if names.count(n) > 1:
            raise ScenarioError(f"{n}: two scenarios share this name")
    return scenarios
