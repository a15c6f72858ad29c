"""Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's VOPR; Antithesis): each run first chooses which
fault kinds and wrappers are on.

A scenario's probabilities mix every fault and wrapper into every run, so a combination that needs one
fault *without* the others (a runtime refusal that a provider 429 always pre-empts, an `abort` wrapper
among ten others) is rare however long one explores. A swarm run switches each feature off with
probability `OFF`; an off feature's probability goes to "success" (faults) or "none" (wrappers). Across
runs every subset of features gets its turn, so rare combinations become reachable without hand-tuning.

Each switch is a recorded choice (`swarm.<group>.<option>`, options `on`/`off`), made before anything else
in the run: replay reproduces it and index 0 is "on", so shrinking moves towards "everything enabled as the
scenario says". Only options the scenario gives a positive weight get a switch, always in the same order,
so a scenario's swarm choices are the same list in every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from simharness.model.choice import ChoiceSource
from simharness.model.kinds import PROVIDER_FAULTS, VOCABULARY_FAULTS
from simharness.model.scenario import Scenario, with_rest

#: Probability that a swarm run switches a feature off (Groce et al. use one half).
OFF = 0.5
_SWITCH = ("on", "off")
_SWITCH_WEIGHTS = (1.0 - OFF, OFF)

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Swarm:
    """The features one run switched off, as `(group, option)` pairs; empty: everything as the scenario says.

    A switched-off option gets weight 0 and the options left on keep theirs, so they — success or `none`
    included — share its probability in proportion to their own weights. (Giving it all to success/none was
    measured too: it only makes every fault rarer, and found nothing sooner; docs/swarm.md.)"""

    off: frozenset[tuple[str, str]] = frozenset()

    def fault_options(self, group: str, rest: str, faults: Weights) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """Options and weights of a fault choice: `rest` (success, none) first, with what the faults leave."""
        names, weights = with_rest(rest, faults)
        if not self.off:
            return names, weights
        kept = (weights[0],) + tuple(0.0 if (group, k) in self.off else w for k, w in zip(names[1:], weights[1:]))
        return names, kept if any(kept) else (1.0,) + kept[1:]  # every fault off and no rest: the rest it is

    def wrapping(self, group: str, options: Weights) -> Weights:
        """Wrapping options with the switched-off ones at weight 0. If none is left on, `none` takes all (added
        first when the scenario has no `none`: it is the simplest option)."""
        if not self.off or not any((group, o) in self.off for o, _ in options):
            return options
        kept = tuple((o, 0.0 if (group, o) in self.off else w) for o, w in options)
        if any(w > 0 for _, w in kept):
            return kept
        if any(o == "none" for o, _ in kept):
            return tuple((o, 1.0 if o == "none" else 0.0) for o, _ in kept)
        return (("none", 1.0),) + kept

    def shape(self, group: str, options: Weights) -> Weights:
        """Options of a shape choice with no neutral option (which outer, which inner kind, which link): the
        switched-off ones at weight 0 — unless that would leave none, then all stay on."""
        if not self.off:
            return options
        kept = tuple((o, 0.0 if (group, o) in self.off else w) for o, w in options)
        return kept if any(w > 0 for _, w in kept) else options


def options(weighted: Weights) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """A weighted table as the (names, weights) a choice point takes."""
    return tuple(o for o, _ in weighted), tuple(w for _, w in weighted)


def features(scenario: Scenario) -> tuple[tuple[str, str], ...]:
    """The `(group, option)` switches of a scenario, in a fixed order."""
    out: list[tuple[str, str]] = []
    faults = {k for _, spec in scenario.providers for k, p in spec.faults if p > 0}
    out.extend(("fault", k) for k in PROVIDER_FAULTS + VOCABULARY_FAULTS if k in faults)
    out.extend(("runtime", k) for k, p in scenario.runtime_faults if p > 0)
    out.extend(("wrap.coordination", o) for o, w in scenario.wrap_coordination if w > 0 and o != "none")
    out.extend(("wrap.provider", o) for o, w in scenario.wrap_provider if w > 0 and o != "none")
    if "explicit_nested_coordination" in faults:
        for group, options in (
            ("explicit.outer", scenario.explicit_outer),
            ("explicit.inner", scenario.explicit_inner),
            ("explicit.link", scenario.explicit_link),
        ):
            positive = [o for o, w in options if w > 0]
            if len(positive) > 1:
                out.extend((group, o) for o in positive)
    return tuple(out)


def choose_swarm(scenario: Scenario, choices: ChoiceSource) -> Swarm:
    """The run's swarm: one recorded on/off choice per feature (none when the scenario has swarm off)."""
    if not scenario.swarm:
        return Swarm()
    off = frozenset(f for f in features(scenario) if choices.choose(f"swarm.{f[0]}.{f[1]}", _SWITCH, _SWITCH_WEIGHTS) == 1)
    return Swarm(off)
