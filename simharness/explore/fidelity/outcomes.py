"""Running a fidelity case on the Python side, and the outcome format every column shares.

An outcome is JSON, built the same way here and in `targets/probe.mjs`, so columns compare with `==`:

- classifier: `{"value": ...}` (`coerceToFailoverError`: null or {name, reason, status, code, provider,
  model}; `describeFailoverError`: {message, reason}); `{"threw": error}` when the function threw;
  `{"missing": fn}` when the port has no such function.
- driver: `{"runs": [[provider, model], ...], "onError": [{provider, model, attempt, total, error}],
  "result": {"ok": true, "value": v} | {"ok": false, "error": error}}`.
- an error: `{"ref": k, ...}` when it is the very object `run` threw at its k-th call, plus `name` and
  `message`; a FailoverError adds reason, status, code, provider and model; a primitive is `{"primitive": v}`.

Drivers run as they run in the world: a simpy process over a fresh environment, `run` a generator that
resolves or raises at once. The same routine drives a Python port and the real release through the bridge
(`NodeTarget.driver`), so the two differ only in the driver.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Generator
from types import ModuleType
from typing import Any

import simpy

from simharness.drivers import classifier as default_classifier
from simharness.explore.fidelity.cases import Case, thrown_value, to_python
from simharness.model.errors import JSError


def _num(x: Any) -> Any:
    return x if isinstance(x, (int, str)) and not isinstance(x, bool) else None


def describe(err: Any, thrown: list[Any]) -> dict[str, Any]:
    """An error as an outcome shows it (identity first: which `run` call threw this very object)."""
    out: dict[str, Any] = {}
    for i, t in enumerate(thrown):
        if t is err:
            out["ref"] = i
            break
    if not isinstance(err, JSError):
        return {**out, "primitive": err}
    if err.is_primitive:  # a thrown primitive (`throw "boom"`)
        return {**out, "primitive": err.value}
    out.update(name=err.name, message=err.message)
    if err.name == "FailoverError":
        # The reason is the `reason` link holding a string (as JS has it); older ports kept it in fields.
        out.update(
            reason=err.reason if isinstance(err.reason, str) else err.fields.get("reason"),
            status=_num(err.status),
            code=_num(err.code),
            provider=err.fields.get("provider"),
            model=err.fields.get("model"),
        )
    return out


# --- classifier cases ----------------------------------------------------------------------------------


def classifier_of(driver: Any) -> Any:
    """The classifier a Python driver uses: its module's `SIMHARNESS_CLASSIFIER`, else a module it imported
    that has `failover_reason` and `coerce_to_failover_error` (`from simharness.drivers import classifier as C`),
    else the shipped 2026.5.20 classifier."""
    module = sys.modules.get(getattr(driver, "__module__", "") or "")
    if module is not None:
        explicit = getattr(module, "SIMHARNESS_CLASSIFIER", None)
        if explicit is not None:
            return explicit
        for value in vars(module).values():
            if isinstance(value, ModuleType) and hasattr(value, "failover_reason") and hasattr(value, "coerce_to_failover_error"):
                return value
    return default_classifier


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _context(args: list[Any]) -> tuple[Any, Any]:
    """coerceToFailoverError's context; absent fields stay absent (JS: undefined), not ""."""
    ctx = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
    return ctx.get("provider"), ctx.get("model")


def classify(case: Case, c: Any) -> dict[str, Any]:
    """One classifier case against a Python classifier module `c`."""
    args = to_python(case.args)
    first = args[0] if args else None
    try:
        if case.fn == "resolveFailoverReasonFromError":
            hint = args[1] if len(args) > 1 else None
            if hint is not None and _accepts(c.failover_reason, "provider"):
                return {"value": c.failover_reason(first, provider=hint)}
            return {"value": c.failover_reason(first)}
        if case.fn == "isTimeoutError":
            return {"value": bool(c.is_timeout_error(first))}
        if case.fn == "isNonProviderRuntimeCoordinationError":
            return {"value": bool(c.is_coordination_error(first))}
        if case.fn == "resolveFailoverStatus":
            fn = getattr(c, "resolve_failover_status", None)
            if fn is not None:
                return {"value": fn(first)}
            table = getattr(c, "_STATUS_FOR_REASON", None)
            return {"value": table.get(first)} if isinstance(table, dict) else {"missing": case.fn}
        if case.fn == "coerceToFailoverError":
            provider, model = _context(args)
            made = c.coerce_to_failover_error(first, provider, model)
            if made is None:
                return {"value": None}
            d = describe(made, [])
            return {"value": {k: d.get(k) for k in ("name", "reason", "status", "code", "provider", "model")}}
        if case.fn == "describeFailoverError":
            full = getattr(c, "describe_failover_error", None)
            if full is not None:
                got = full(first)
                return {"value": {"message": got.get("message"), "reason": got.get("reason")}}
            text, reason = c.describe_failover(first)
            # The tuple API folds the driver's `?? "unknown"` in: undo it to compare with describeFailoverError.
            return {"value": {"message": text, "reason": None if reason == "unknown" else reason}}
    except AttributeError as exc:
        return {"missing": f"{case.fn} ({exc})"}
    except Exception as exc:  # noqa: BLE001 — the port crashed on this input: an outcome like any other
        return {"threw": {"name": type(exc).__name__, "message": str(exc)}}
    return {"missing": case.fn}


# --- driver cases --------------------------------------------------------------------------------------


class _Context:
    """The CallContext a fidelity call runs in: a fresh environment, no session state."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.session = "fidelity"
        self.call_id = 0

    def break_lock(self) -> None:
        pass


def drive(case: Case, driver: Any) -> dict[str, Any]:
    """One driver case through `driver` (a Python port, or a `NodeTarget.driver` for the bridge)."""
    env = simpy.Environment()
    runs: list[list[str]] = []
    on_error: list[dict[str, Any]] = []
    thrown: list[Any] = []
    built: dict[int, Any] = {}
    script = case.script
    calls = script.get("calls") or []
    by_candidate = script.get("by_candidate") or {}

    def action_for(provider: str, model: str, k: int) -> dict[str, Any] | None:
        key = f"{provider}/{model}"
        if key in by_candidate:
            return by_candidate[key]  # type: ignore[no-any-return]
        if k < len(calls):
            return calls[k]  # type: ignore[no-any-return]
        return script.get("otherwise")

    def run(provider: str, model: str) -> Generator[simpy.Event, Any, Any]:
        k = len(runs)
        runs.append([provider, model])
        action = action_for(provider, model, k)
        if False:  # a generator that never waits: the attempt's outcome is immediate
            yield env.timeout(0)
        if action is None:
            return None
        if "resolve" in action:
            return action["resolve"]
        if action.get("fresh") or id(action) not in built:
            built[id(action)] = thrown_value(action["throw"])
        err = built[id(action)]
        thrown.append(err)
        raise err

    def report(info: dict[str, Any]) -> None:
        on_error.append(
            {
                "provider": info.get("provider"),
                "model": info.get("model"),
                "attempt": info.get("attempt"),
                "total": info.get("total"),
                "error": describe(info.get("error"), thrown),
            }
        )

    outcome: dict[str, Any] = {}

    def main() -> Generator[simpy.Event, Any, None]:
        try:
            value = yield from driver(_Context(env), [(p, m) for p, m in case.chain], run, report)
        except JSError as err:
            outcome["result"] = {"ok": False, "error": describe(err, thrown)}
        except Exception as exc:  # noqa: BLE001 — the driver under test crashed (a Python bug in a port): its outcome
            outcome["result"] = {"ok": False, "crashed": f"{type(exc).__name__}: {exc}"}
        else:
            outcome["result"] = {"ok": True, "value": None if value is None else _plain(value)}

    env.process(main())
    env.run()
    return {
        "runs": runs,
        "onError": on_error,
        "result": outcome.get("result", {"ok": False, "error": {"name": "(the driver never finished)"}}),
    }


def _plain(value: Any) -> Any:
    """A returned value as JSON holds it (the world's MadeUpValue is a str)."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float, bool, list, dict)):
        return value
    return repr(value)
