"""Wrapping: the shapes in which SDKs and runtime layers hand an error on (a `cause` chain, an AbortError's
`reason`, an AggregateError, a cause cycle, a code-only copy...).

A driver must recognise every error kind behind every shape, so the world wraps what it raises: errors of
the runtime between the lock and the driver (`wrap.coordination`) and errors of providers (`wrap.provider`),
each shape a recorded choice. `wrap` is the pure builder; `Wrapping` is the injector that makes the choices.
"""

from __future__ import annotations

from simharness.faults.swarm import Swarm, options
from simharness.model import errors as E
from simharness.model import kinds as K
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.scenario import Scenario


class Wrapping:
    """The wrapping injector of one world: the scenario's shapes with the weights the run's swarm left on."""

    __slots__ = ("_coordination", "_provider", "choices")

    def __init__(self, scenario: Scenario, swarm: Swarm, choices: ChoiceSource) -> None:
        self.choices = choices
        self._coordination = options(swarm.wrapping("wrap.coordination", scenario.wrap_coordination))
        self._provider = options(swarm.wrapping("wrap.provider", scenario.wrap_provider))

    def coordination(self, err: JSError) -> JSError:
        """`err` wrapped the way openclaw's layers between the lock and the driver do (`wrap.coordination`)."""
        names, weights = self._coordination
        return wrap(err, names[self.choices.choose("wrap.coordination", names, weights)])

    def provider(self, err: JSError) -> JSError:
        """`err` wrapped the way a provider's SDK does (`wrap.provider`)."""
        names, weights = self._provider
        return wrap(err, names[self.choices.choose("wrap.provider", names, weights)])


def wrap(err: JSError, how: str) -> JSError:
    """Wrap `err` the way SDKs and runtime layers do; `how` is one of the scenario's wrapping options."""
    if how == "none":
        return err
    if how in ("cause", "error", "reason"):
        return E.wrap(err, link=how)
    if how == "abort":
        return E.abort_error(reason=err)
    if how == "deep":  # five `cause` levels, as layered runtimes produce
        for level in range(5):
            err = E.wrap(err, link="cause", message=f"layer {5 - level}: {err.message}")
        return err
    if how == "deep25":  # exactly openclaw's classifier depth limit (25), behind generic wrapper messages
        for level in range(25):
            err = E.wrap(err, link="cause", message=f"wrapped error (level {25 - level})")
        return err
    if how == "code_only":  # a plain Error whose `error` link holds a code-only object (no class, no name)
        if err.kind in K.CODE_RECOGNISED_KINDS and err.code is not None:  # elsewhere a nameless copy means nothing
            err = E.JSError(err.message, code=err.code, kind=err.kind, fields=err.fields)
        return E.wrap(err, link="error")
    if how == "cycle":  # a cause cycle that holds the error (SDKs that link request and response errors)
        outer = E.wrap(err, link="cause", message=f"request failed: {err.message}")
        middle = E.wrap(outer, link="cause", message="retry exhausted")
        outer.cause = middle
        middle.error = err
        return outer
    if how == "aggregate":
        return E.wrap(err, link="errors", message="multiple errors")
    if how == "suppressed":
        return E.wrap(err, link="suppressed", message="error during cleanup")
    raise AssertionError(f"unknown wrapping {how}")
