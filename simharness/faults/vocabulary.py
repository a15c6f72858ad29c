"""Vocabulary faults: the provider faults that speak the rest of openclaw's error vocabulary (issue 15), each
opt-in (a scenario lists it under `[providers.X] faults`), so no existing scenario's draws move.

Some need the attempt's context: a live model switch names a candidate relative to the one being attempted
(later in the chain, the current one, an earlier one), a provider-dependent rule depends on the candidate's
provider. The variable parts are recorded choices (`vocabulary.*`, `shape.*`). `shaped` presents the world's one
provider failure (`shape.failure`, chosen once per world, at its first use) in a form chosen per attempt
(`shape.form`): the `same-failure-same-decision` invariant compares the driver's decisions across forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simharness.faults.swarm import Swarm, options
from simharness.model import vocabulary as V
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.scenario import Scenario


class VocabularyFaults:
    """The vocabulary fault injector of one world."""

    __slots__ = ("_failure", "_forms", "_network", "_switch", "choices", "failure_weights")

    def __init__(self, scenario: Scenario, swarm: Swarm, choices: ChoiceSource) -> None:
        self.choices = choices
        self._switch = options(scenario.switch_target)
        self._network = options(scenario.network_codes)
        self.failure_weights = options(scenario.shape_failure)
        self._forms = dict(scenario.shape_form)
        self._failure: str | None = None

    def failure(self) -> str:
        """The world's one shaped failure: chosen at its first use, then the same for every attempt."""
        if self._failure is None:
            names, weights = self.failure_weights
            self._failure = names[self.choices.choose("shape.failure", names, weights)]
        return self._failure

    def form(self, failure: str) -> str:
        """The form of one shaped attempt: among the scenario's forms that this failure can take."""
        names = tuple(f for f in V.forms_of(failure) if self._forms.get(f, 0.0) > 0)
        if not names:  # the scenario allows no form of this failure: its first form (always valid)
            names = V.forms_of(failure)[:1]
        weights = tuple(self._forms.get(f, 1.0) for f in names)
        return names[self.choices.choose("shape.form", names, weights)]

    def build(
        self, fault: str, chain: Sequence[tuple[str, str]], provider: str, model: str, timeout_ms: int
    ) -> tuple[JSError, dict[str, Any]]:
        """The error `fault` raises in an attempt of `provider/model` (of `chain`), and what the trace records
        about it beyond the fault's name (`{}` for most: the shaped failure's `failure` and `form`)."""
        choose = self.choices.choose
        if fault == "user_abort":
            return V.user_abort(), {}
        if fault == "provider_abort":
            return V.provider_abort(), {}
        if fault == "budget_abort":
            return V.budget_abort(timeout_ms), {}
        if fault == "command_lane_timeout":
            return V.command_lane_timeout("main", timeout_ms), {}
        if fault == "missing_harness":
            return V.missing_harness("codex"), {}
        if fault == "model_switch":
            return self._switch_to(chain, provider, model)
        if fault == "failover_thrown":
            return V.failover_thrown(provider, model), {}
        if fault == "plain_object":
            return V.plain_object(), {}
        if fault == "network":
            names, weights = self._network
            return V.network_error(names[choose("vocabulary.network", names, weights)]), {}
        if fault == "message_only":
            return V.message_only(V.MESSAGES[choose("vocabulary.message", V.MESSAGES)]), {}
        if fault == "provider_rule":
            return V.provider_rule(provider), {}
        if fault == "no_body":
            return V.no_body((400, 422)[choose("vocabulary.no_body", ("400", "422"))]), {}
        if fault == "overflow_cause":
            return V.overflow_cause(), {}
        if fault == "detail_code":
            return V.detail_code(choose("vocabulary.detail_code", ("plain", "with_status")) == 1), {}
        if fault == "shaped":
            failure = self.failure()
            form = self.form(failure)
            err = V.shaped(failure, form, timeout_ms=timeout_ms)
            err.truth = {"failure": failure, "form": form}  # for ground-truth drivers (`oracle.expected_reason`)
            return err, dict(err.truth)
        raise AssertionError(f"unknown vocabulary fault {fault}")

    def _switch_to(self, chain: Sequence[tuple[str, str]], provider: str, model: str) -> tuple[JSError, dict[str, Any]]:
        """A live model switch: its target (later, current, earlier) is a recorded choice among the targets the
        chain has from here (on the last candidate there is no later one; on the first, no earlier one)."""
        here = list(chain).index((provider, model)) if (provider, model) in chain else 0
        names, weights = self._switch
        have = {"later": here + 1 < len(chain), "current": True, "earlier": here > 0}
        kept = tuple((n, w) for n, w in zip(names, weights) if have[n] and w > 0) or (("current", 1.0),)
        which = kept[self.choices.choose("vocabulary.switch", tuple(n for n, _ in kept), tuple(w for _, w in kept))][0]
        if which == "later":  # the farthest later candidate: a jump over the ones between
            target = chain[-1]
        elif which == "earlier":
            target = chain[here - 1]
        else:
            target = (provider, model)
        truth: dict[str, Any] = {"switch": which, "target": f"{target[0]}/{target[1]}"}
        if here == len(chain) - 1:
            truth["last"] = True
        return V.model_switch(*target), truth
