"""openclaw's own unit tests as data: loading, checking and turning their JS values into `JSError` graphs.

The cases live in `cases/*.json`, one file per openclaw test file (`failover-error.test.ts`,
`model-fallback.test.ts`), each case naming its test, its source version (`sources`: which stored copy of the
test file, by commit where the index gives one) and whether it is in scope (`scope: "out"` carries a one-line
`why`; nothing is skipped silently; a test 2026.5.20 fails carries `version`: the installed releases that pass
it, as `simharness fidelity openclaw@2026.5.20 --versions installed` measured them). Two kinds:

- `classifier`: `fn` (a failover-error export) applied to `args`; `expect` is `{"value": ...}` (a dict value
  is matched on the keys the test asserts).
- `driver`: `runWithModelFallback` over `chain`, with `run` scripted (`script`: `calls` by call index,
  `by_candidate` by "provider/model", else `otherwise`; an action is `{"resolve": v}` or `{"throw": value}`,
  `fresh` to build a new object per call as `mockImplementation` does); `expect` holds the outcome the test
  asserts (`result`, `runs`, `onError`), or null for a derived case whose outcome only the release decides.

Value notation (JSON), read identically by `targets/probe.mjs`: primitives; `{"undefined": true}`;
`{"object": {...}}` a plain JS object (a `JSError(plain=True)` node); `{"new": "Error", "message", "props"}`
`Object.assign(new Error(message), props)`; `{"new": CLASS, "args", "props"}` an instance of the release's
class (`props`: the own properties its constructor sets); `{"$id": k}` / `{"$ref": k}` for cycles; any other
dict is JSON data (a coerce context, a `detail` field).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from simharness.model.errors import JSError
from simharness.model.exceptions import ScenarioError

CASES_DIR = Path(__file__).with_name("cases")
FILES = ("failover_error.json", "model_fallback.json")
#: The failover-error exports a classifier case may call (and the probe and the ports answer).
FUNCTIONS = (
    "resolveFailoverReasonFromError",
    "isTimeoutError",
    "coerceToFailoverError",
    "describeFailoverError",
    "resolveFailoverStatus",
    "isNonProviderRuntimeCoordinationError",
)
#: Own properties that are links of the error graph (the rest of a node's properties are `fields`).
LINKS = ("cause", "error", "reason", "suppressed")
_MARKS = ("object", "new", "$ref", "undefined")


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    test: str
    source: str
    kind: str  # "classifier" | "driver"
    scope: str  # "in" | "out"
    why: str = ""
    fn: str = ""
    args: list[Any] = field(default_factory=list)
    chain: list[list[str]] = field(default_factory=list)
    script: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] | None = None
    note: str = ""
    file: str = ""
    version: str = ""  # for a test the release fails: which releases pass it (measured, see the data's header)

    @property
    def in_scope(self) -> bool:
        return self.scope == "in"

    def to_json(self) -> dict[str, Any]:
        """The case as probe.mjs reads it."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.kind == "classifier":
            out.update(fn=self.fn, args=self.args)
        else:
            out.update(chain=self.chain, script=self.script)
        return out


@dataclass(frozen=True, slots=True)
class Suite:
    cases: tuple[Case, ...]
    sources: dict[str, dict[str, Any]]

    def in_scope(self) -> list[Case]:
        return [c for c in self.cases if c.in_scope]


def _bad(where: str, what: str) -> ScenarioError:
    return ScenarioError(f"{where}: {what}")


def _check_value(v: Any, where: str) -> None:
    if isinstance(v, list):
        for x in v:
            _check_value(x, where)
        return
    if not isinstance(v, dict):
        return
    if "new" in v:
        if not isinstance(v["new"], str):
            raise _bad(where, "`new` must name a class")
        if v["new"] != "Error" and not isinstance(v.get("props", {}).get("message"), str):
            raise _bad(where, f"{v['new']}: props must list the message its constructor builds")
    inner = v.get("object") if "object" in v else v.get("props", {})
    for x in (inner or {}).values():
        _check_value(x, where)


def _case(raw: dict[str, Any], file: str, sources: dict[str, Any]) -> Case:
    where = f"{file}: case {raw.get('id', '?')}"
    for key in ("id", "test", "source", "kind", "scope"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _bad(where, f"missing {key}")
    if raw["source"] not in sources:
        raise _bad(where, f"unknown source {raw['source']!r}")
    if raw["scope"] not in ("in", "out"):
        raise _bad(where, "scope must be in or out")
    if raw["kind"] not in ("classifier", "driver"):
        raise _bad(where, "kind must be classifier or driver")
    if raw["scope"] == "out":
        if not raw.get("why"):
            raise _bad(where, "an out-of-scope case says why")
    elif raw["kind"] == "classifier":
        if raw.get("fn") not in FUNCTIONS:
            raise _bad(where, f"fn must be one of {', '.join(FUNCTIONS)}")
        if not isinstance(raw.get("args"), list):
            raise _bad(where, "args must be a list")
        _check_value(raw["args"], where)
    else:
        chain = raw.get("chain")
        if not isinstance(chain, list) or not chain or not all(isinstance(c, list) and len(c) == 2 for c in chain):
            raise _bad(where, "chain must be a non-empty list of [provider, model]")
        if not isinstance(raw.get("script"), dict):
            raise _bad(where, "script must be an object")
    expect = raw.get("expect")
    if raw["scope"] == "in" and expect is not None and not isinstance(expect, dict):
        raise _bad(where, "expect must be an object or null")
    return Case(
        id=raw["id"],
        test=raw["test"],
        source=raw["source"],
        kind=raw["kind"],
        scope=raw["scope"],
        why=raw.get("why", ""),
        fn=raw.get("fn", ""),
        args=raw.get("args", []),
        chain=raw.get("chain", []),
        script=raw.get("script", {}),
        expect=expect,
        note=raw.get("note", ""),
        file=file,
        version=raw.get("version", ""),
    )


@cache
def load(directory: Path = CASES_DIR) -> Suite:
    """Every case file, checked (ids unique, sources named, out-of-scope cases with a reason)."""
    cases: list[Case] = []
    sources: dict[str, dict[str, Any]] = {}
    for name in FILES:
        path = directory / name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"{path}: cannot read the fidelity cases: {exc}") from None
        file_sources = doc.get("sources", {})
        sources.update(file_sources)
        cases.extend(_case(raw, doc.get("file", name), file_sources) for raw in doc.get("cases", []))
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ScenarioError(f"fidelity cases: duplicate ids {', '.join(dupes[:5])}")
    return Suite(tuple(cases), sources)


# --- JS values -> Python ---------------------------------------------------------------------------------


def _jserror(message: Any, props: dict[str, Any], *, plain: bool, default_name: str) -> JSError:
    name = props.get("name", default_name)
    return JSError(
        message if isinstance(message, str) else "",
        name=name if isinstance(name, str) else str(name),
        code=props.get("code"),
        status=props.get("status"),
        fields={k: v for k, v in props.items() if k not in (*LINKS, "errors", "name", "message", "code", "status")},
        plain=plain,
    )


def to_python(value: Any, ids: dict[Any, Any] | None = None) -> Any:
    """A case's JS value as the Python ports see it: errors and plain objects become `JSError` nodes (links
    resolved, cycles kept), primitives stay primitives, data dicts stay dicts."""
    ids = {} if ids is None else ids
    if isinstance(value, list):
        return [to_python(v, ids) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("undefined") is True:
        return None
    if "$ref" in value:
        return ids[value["$ref"]]
    if "object" in value or "new" in value:
        plain = "object" in value
        props: dict[str, Any] = dict(value["object"] if plain else value.get("props", {}))
        message = props.get("message", "") if plain or value["new"] != "Error" else value.get("message", "")
        default = "" if plain else ("Error" if value["new"] == "Error" else value["new"])
        err = _jserror(message, props, plain=plain, default_name=default)
        if "$id" in value:
            ids[value["$id"]] = err
        for link in LINKS:
            if link in props:
                setattr(err, link, to_python(props[link], ids))
        if "errors" in props:
            err.errors = to_python(props["errors"], ids)
        return err
    return json.loads(json.dumps(value))  # data: a fresh copy


def thrown_value(value: Any) -> JSError:
    """What a Python `run` raises for a case's thrown value: the error itself, or a thrown primitive
    (`throw "boom"`) as `JSError.primitive`."""
    made = to_python(value)
    return made if isinstance(made, JSError) else JSError.primitive(made)
