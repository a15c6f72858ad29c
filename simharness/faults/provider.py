"""Provider faults: what a model provider answers an attempt with (success, a 429, an overload, a hang...).

Each provider of a scenario has a plan: its fault kinds with the weights the run's swarm left on, its
latencies and retry-after values, and the labels its choice points record. The sessions' provider calls
(`workload.sessions`) make the choices; `provider_error` builds the error a chosen fault raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from simharness.faults.swarm import Swarm
from simharness.model import errors as E
from simharness.model.errors import JSError
from simharness.model.scenario import Scenario
from simharness.sim.env import duration_labels


@dataclass(frozen=True, slots=True)
class ProviderPlan:
    """A provider's choice points, resolved once per world (labels and options are what the trace records)."""

    latency: tuple[int, ...]
    retry_after: tuple[int, ...]
    kinds: tuple[str, ...]
    weights: tuple[float, ...]
    latency_names: tuple[str, ...]
    retry_names: tuple[str, ...]
    fault_label: str
    latency_label: str
    retry_label: str
    lane: str


class ProviderFaults:
    """The provider fault injector of one world: a plan per provider, made on the provider's first request."""

    __slots__ = ("_plans", "scenario", "swarm")

    def __init__(self, scenario: Scenario, swarm: Swarm) -> None:
        self.scenario, self.swarm = scenario, swarm
        self._plans = _plans_of(scenario, swarm)

    def plan(self, provider: str) -> ProviderPlan:
        plan = self._plans.get(provider)
        if plan is None:
            spec = self.scenario.provider(provider)
            kinds, weights = self.swarm.fault_options("fault", "success", spec.faults)
            plan = self._plans[provider] = ProviderPlan(
                spec.latency_ms,
                spec.retry_after_s,
                kinds,
                weights,
                duration_labels(spec.latency_ms, "", "ms"),
                duration_labels(spec.retry_after_s, "", "s"),
                f"provider.{provider}.fault",
                f"provider.{provider}.latency",
                f"provider.{provider}.retry_after",
                "provider:" + provider,
            )
        return plan


#: (id(scenario), swarm) -> (scenario, provider plans): plans depend only on the scenario and the run's swarm,
#: so runs of one share them. The entry holds the scenario, so an id is never reused while its entry lives;
#: bounded, so memory is flat.
_PLANS: dict[tuple[int, Swarm], tuple[Scenario, dict[str, ProviderPlan]]] = {}


def _plans_of(scenario: Scenario, swarm: Swarm) -> dict[str, ProviderPlan]:
    key = (id(scenario), swarm)
    entry = _PLANS.get(key)
    if entry is None or entry[0] is not scenario:
        if len(_PLANS) >= 256:
            _PLANS.clear()
        entry = _PLANS[key] = (scenario, {})
    return entry[1]


def provider_error(fault: str, retry_after: int | None, lock_path: str) -> JSError:
    """The error a provider `fault` raises (`retry_after` seconds on a 429; `lock_path`: the session's lock)."""
    if fault == "rate_limit":
        return E.rate_limit(retry_after_s=retry_after)
    if fault == "rate_limit_nested_lock":  # the reviewer's case: a 429 whose cause is a session lock
        return E.rate_limit(retry_after_s=retry_after, cause=E.session_write_lock_timeout(60_000, "pid=gateway", lock_path))
    if fault == "overloaded":
        return E.overloaded()
    if fault == "stream_overloaded":
        return E.stream_overloaded()
    if fault == "server_error":
        return E.server_error()
    if fault == "auth":
        return E.auth_error()
    if fault == "billing":
        return E.billing_error()
    if fault == "context_overflow":
        return E.context_overflow()
    raise AssertionError(f"unknown provider fault {fault}")
