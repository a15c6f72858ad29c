"""Public Hypothesis strategies for your own tests: `worlds()`, `faults()`, `error_graphs()`, `vocabulary_errors()`
and `register_profiles()` (`dev`, `ci`, `nightly`). Exploration strategies (random, pct, ...) are `simharness.explore`."""

from collections.abc import Callable

from hypothesis import strategies as st

from simharness.explore.data import error_graphs, faults, register_profiles, worlds
from simharness.model import vocabulary as V
from simharness.model.errors import JSError
from simharness.model.kinds import NETWORK_CODES, SHAPE_FAILURES

#: One builder per vocabulary shape that needs no context (a model switch names a candidate: drawn separately).
_BUILDERS: tuple[Callable[[], JSError], ...] = (
    V.user_abort,
    V.provider_abort,
    lambda: V.budget_abort(60_000),
    V.request_aborted,
    lambda: V.command_lane_timeout("main", 60_000),
    lambda: V.missing_harness("codex"),
    lambda: V.failover_thrown("openai", "gpt-a"),
    V.plain_object,
    V.provider_rule,
    lambda: V.provider_rule("openai"),
    V.no_body,
    lambda: V.no_body(422),
    V.overflow_cause,
    lambda: V.detail_code(False),
    lambda: V.detail_code(True),
)


def vocabulary_errors() -> st.SearchStrategy[JSError]:
    """Errors of openclaw's whole vocabulary (`simharness.model.vocabulary`), each drawn as a fresh object: aborts
    told apart, runtime errors, FailoverErrors, plain objects, network codes, message-only failures, provider rules,
    bodiless 400/422, an overflow behind a cause, live model switches, and every provider failure in every shape."""
    return st.one_of(
        st.sampled_from(_BUILDERS).map(lambda build: build()),
        st.sampled_from(NETWORK_CODES).map(V.network_error),
        st.sampled_from(V.MESSAGES).map(V.message_only),
        st.tuples(st.sampled_from(("openai", "anthropic", "openrouter")), st.sampled_from(("gpt-a", "claude-b"))).map(
            lambda pm: V.model_switch(*pm)
        ),
        st.sampled_from(SHAPE_FAILURES).flatmap(lambda f: st.sampled_from(V.forms_of(f)).map(lambda form: V.shaped(f, form))),
    )


__all__ = ["error_graphs", "faults", "register_profiles", "vocabulary_errors", "worlds"]
