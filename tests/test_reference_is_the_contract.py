"""The reference target is the contract: every coordination kind, bare or behind every wrapper the world
builds, runs once and is rethrown as the same object; inside an explicit-metadata error it advances through
the whole chain. The world's ground truth (the oracle) agrees on every shape — so a green reference run means
the suite's shapes are judged the way DESIGN.md states, and the faithful ports of real releases are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from drive import CHAIN, drive

from simharness.check.oracle import category_of
from simharness.drivers import openclaw_2026_5_20 as port_5_20
from simharness.drivers import reference
from simharness.faults.wrapping import wrap as _wrap
from simharness.model import errors as E
from simharness.model import kinds as K

WRAPPERS = ("none", "cause", "error", "reason", "abort", "deep", "deep25", "cycle", "code_only", "aggregate", "suppressed")


def coordination(kind: str) -> E.JSError:
    if kind == "takeover":
        return E.session_takeover("/s/sess-a.jsonl")
    if kind == "lock_timeout":
        return E.session_write_lock_timeout(60_000, "pid=7", "/s/sess-a.jsonl.lock")
    return E.coordination_error(kind, "session-1 /s/sess-a.jsonl")


def explicit_outers() -> dict[str, Callable[[E.JSError], E.JSError]]:
    def status(make: Callable[[], E.JSError]) -> Callable[[E.JSError], E.JSError]:
        def outer(inner: E.JSError) -> E.JSError:
            err = make()
            err.cause = inner
            return err

        return outer

    return {
        "429 RESOURCE_EXHAUSTED": lambda inner: E.rate_limit(cause=inner),
        "529 overloaded": status(E.overloaded),
        "503 with a status": status(E.server_error),
    }


KINDS = sorted(K.COORDINATION_KINDS)


@pytest.mark.parametrize("how", WRAPPERS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_coordination_kind_behind_every_wrapper_runs_once(kind, how):
    err = _wrap(coordination(kind), how)
    assert category_of(err) == "coordination"
    out = drive(reference.run_with_model_fallback, err)
    assert out.runs == CHAIN[:1]
    assert out.error is err
    assert out.on_errors == []


@pytest.mark.parametrize("outer", sorted(explicit_outers()))
@pytest.mark.parametrize("kind", KINDS)
def test_explicit_metadata_wrapping_any_coordination_kind_advances(kind, outer):
    wrap = explicit_outers()[outer]
    errors: list[E.JSError] = []

    def script(n: int) -> E.JSError:
        errors.append(wrap(coordination(kind)))
        return errors[-1]

    assert category_of(wrap(coordination(kind))) == "explicit"
    out = drive(reference.run_with_model_fallback, script)
    assert out.runs == CHAIN
    assert len(out.on_errors) == 3
    assert out.error is not None and out.error.message.startswith("All models failed (3): openai/gpt-a: ")


def test_the_faithful_2026_5_20_port_departs_where_the_real_release_does():
    """A port is a release's behaviour, departures included: its verdicts are the release's, not the contract's."""
    abort_takeover = drive(port_5_20.run_with_model_fallback, lambda n: E.abort_error(reason=coordination("takeover")))
    assert len(abort_takeover.runs) == 3
    unknown_kind = drive(port_5_20.run_with_model_fallback, lambda n: coordination("active_turn_claim"))
    assert len(unknown_kind.runs) == 3


def test_the_contract_recognizes_errors_as_a_real_driver_can_never_by_the_worlds_labels():
    err = coordination("active_turn_claim")
    err.kind = "plain"  # the label is the world's ground truth; a driver must not read it
    out = drive(reference.run_with_model_fallback, err)
    assert out.runs == CHAIN[:1] and out.error is err
