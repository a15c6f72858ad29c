"""Runtime coordination errors: what openclaw's runtime raises about the session rather than the model.

A 2026.8+ runtime may refuse an attempt before it takes the session lock (`runtime.fault`: one of the
scenario's runtime kinds, or none), and a provider error with explicit metadata (429/529/503) may hold a
coordination error of any kind behind a link (`explicit_nested_coordination`). `coordination` is the pure
builder of one such error; `RuntimeFaults` is the injector that makes the choices.
"""

from __future__ import annotations

from simharness.faults.swarm import Swarm, options
from simharness.model import errors as E
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.scenario import Scenario
from simharness.sim.files import SessionFile


def coordination(kind: str, session: str, file: SessionFile) -> JSError:
    """A coordination error of `kind` as the runtime of `session`, writing `file`, would raise it."""
    if kind == "lock_timeout":
        return E.session_write_lock_timeout(60_000, "pid=gateway", file.lock.path)
    if kind == "takeover":
        return E.session_takeover(file.path)
    return E.coordination_error(kind, f"{session} {file.path}")


class RuntimeFaults:
    """The runtime fault injector of one world: the scenario's options with the weights the swarm left on."""

    __slots__ = ("_explicit", "_refusals", "choices")

    def __init__(self, scenario: Scenario, swarm: Swarm, choices: ChoiceSource) -> None:
        self.choices = choices
        self._refusals = swarm.fault_options("runtime", "none", scenario.runtime_faults) if scenario.runtime_faults else None
        self._explicit = (
            options(swarm.shape("explicit.outer", scenario.explicit_outer)),
            options(swarm.shape("explicit.inner", scenario.explicit_inner)),
            options(swarm.shape("explicit.link", scenario.explicit_link)),
        )

    def refusal(self) -> str | None:
        """The coordination kind with which the runtime refuses an attempt (`runtime.fault`), or None: it
        lets the attempt through. No choice point when the scenario has no runtime faults."""
        if self._refusals is None:
            return None
        kinds, weights = self._refusals
        refused = kinds[self.choices.choose("runtime.fault", kinds, weights)]
        return None if refused == "none" else refused

    def explicit_nested(self, session: str, file: SessionFile, retry_after: int | None) -> JSError:
        """An explicit-metadata error (429/529/503) holding a coordination error of any kind behind a link:
        which outer, which inner kind and which link are recorded choices (index 0: the reviewer's case)."""
        choose = self.choices.choose
        (outers, outer_w), (inners, inner_w), (links, link_w) = self._explicit
        outer = outers[choose("explicit.outer", outers, outer_w)]
        inner = inners[choose("explicit.inner", inners, inner_w)]
        link = links[choose("explicit.link", links, link_w)]
        retry_after_s = retry_after if outer == "rate_limit" else None
        return E.explicit_wrapping(outer, coordination(inner, session, file), link, retry_after_s=retry_after_s)
