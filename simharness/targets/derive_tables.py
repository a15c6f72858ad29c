"""Derive the failover classifier's pattern tables from a release's dist, as a generated Python module.

openclaw's classifier is mostly data: regex literals, substring lists and code sets in a handful of chunks
(`failover-matches-*.js`, the pi-embedded-helpers `errors-*.js`, `assistant-error-format-*.js`, ...). Retyping them
drifts; this module reads them from the dist instead. The chunks are found from the one that defines
`resolveFailoverReasonFromError` and the chunks it imports (two levels); inside them only the named
`//#region src/...` sources below are read, so nothing depends on content-hashed file names.

What is derived: the top-level `const` tables in `CONSTS` (regex literals, strings, numbers, arrays with spreads and
references, `new Set([...])`, objects, `new RegExp(`...${X.source}...`, flags)`), and, for the functions in
`FUNCTIONS`, the string and regex literals of the body in source order (the hand-ported logic indexes them; the
generated file shows each one's JS text, and the regeneration test notices when a release moves them). Regexes are
translated by `jsregex.translate`, which refuses what it cannot translate faithfully.

  python -m simharness.targets.derive_tables openclaw@2026.5.20 > simharness/drivers/classifier_tables_2026_5_20.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from simharness.model.exceptions import TargetError
from simharness.targets.jsregex import JS_WHITESPACE, translate
from simharness.targets.jssource import Token, cook, regions, tokenize

#: region (TS source in the `//#region` marker) -> the top-level consts the port reads from it.
CONSTS: dict[str, tuple[str, ...]] = {
    "src/agents/failover-error.ts": ("ABORT_TIMEOUT_RE", "MAX_FAILOVER_CAUSE_DEPTH"),
    "src/agents/pi-embedded-helpers/failover-matches.ts": (
        "PERIODIC_USAGE_LIMIT_RE", "HIGH_CONFIDENCE_AUTH_PERMANENT_PATTERNS", "AMBIGUOUS_AUTH_ERROR_PATTERNS",
        "COMMON_AUTH_ERROR_PATTERNS", "CJK_AUTH_ERROR_PATTERNS", "ZAI_BILLING_CODE_1311_RE", "ZAI_AUTH_ERROR_PATTERNS",
        "STATUS_INTERNAL_SERVER_ERROR_RE", "STATUS_INTERNAL_SERVER_ERROR_WITH_500_RE", "HTTP_5XX_STATUS_RE", "ERROR_PATTERNS",
        "BILLING_ERROR_HEAD_RE", "BILLING_ERROR_HARD_402_RE", "BILLING_ERROR_MAX_LENGTH",
    ),
    "src/agents/pi-embedded-helpers/provider-error-patterns.ts": (
        "PROVIDER_CONTEXT_OVERFLOW_PATTERNS", "PROVIDER_SPECIFIC_PATTERNS", "PROVIDER_CONTEXT_OVERFLOW_SIGNAL_RE",
        "PROVIDER_CONTEXT_OVERFLOW_ACTION_RE",
    ),
    "src/agents/pi-embedded-helpers/errors.ts": (
        "CONTEXT_WINDOW_TOO_SMALL_RE", "CONTEXT_OVERFLOW_HINT_RE", "RATE_LIMIT_HINT_RE", "TRANSIENT_HTTP_ERROR_CODES",
        "BILLING_402_HINTS", "BILLING_402_PLAN_HINTS", "PERIODIC_402_HINTS", "RETRYABLE_402_RETRY_HINTS",
        "RETRYABLE_402_LIMIT_HINTS", "RETRYABLE_402_SCOPED_HINTS", "RETRYABLE_402_SCOPED_RESULT_HINTS", "RAW_402_MARKER_RE",
        "BARE_LEADING_402_RE", "LEADING_402_WRAPPER_RE", "TIMEOUT_ERROR_CODES", "HTML_BODY_RE", "HTML_CLOSE_RE",
        "NO_BODY_HTTP_WRAPPER_RE", "API_ERROR_TRANSIENT_SIGNALS_RE", "IMAGE_DIMENSION_ERROR_RE", "IMAGE_SIZE_ERROR_RE",
    ),
    "src/shared/assistant-error-format.ts": ("HTTP_STATUS_CODE_PREFIX_RE", "GENERIC_PROVIDER_INTERNAL_ERROR_RE", "SUPPORT_REQUEST_ID_RE"),
}  # fmt: skip
#: region -> functions whose body literals (strings and regexes, in source order) the port reads.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "src/agents/failover-error.ts": ("readDirectStatusCode",),
    "src/agents/pi-embedded-helpers/errors.ts": (
        "isReasoningConstraintErrorMessage", "hasRateLimitTpmHint", "isContextOverflowError", "stripErrorPrefix",
        "hasExplicit402BillingSignal", "hasQuotaRefreshWindowSignal", "hasRetryable402TransientSignal",
        "classifyFailoverReasonFromCode", "isGenericUnknownStreamError", "isOpenRouterProviderReturnedError",
        "isOpenRouterKeyLimitExceededError", "isOpenRouterKeyBudgetLimitExceededError", "isExactUnknownNoDetailsError",
        "classifyFailoverClassificationFromHttpStatus", "isJsonApiInternalServerError", "isStructuredServerErrorMessage",
        "parseImageDimensionError", "parseImageSizeError", "isCliSessionExpiredErrorMessage",
    ),
    "src/agents/pi-embedded-helpers/failover-matches.ts": ("isBillingErrorMessage",),
    "src/shared/assistant-error-format.ts": ("isGenericProviderInternalError",),
    "src/agents/live-model-errors.ts": ("isModelNotFoundErrorMessage",),
    "src/agents/auth-profiles/oauth-refresh-failure.ts": ("isOAuthRefreshFailureMessage", "classifyOAuthRefreshFailureReason"),
}  # fmt: skip
ENTRY = "resolveFailoverReasonFromError"

class _Parser:
    def __init__(self, tokens: list[Token], known: dict[str, Any]) -> None:
        self.t, self.i, self.known = tokens, 0, known

    def peek(self, k: int = 0) -> Token:
        return self.t[self.i + k] if self.i + k < len(self.t) else ("eof", None)

    def take(self, value: str) -> None:
        if self.peek()[1] != value:
            raise ValueError(f"expected {value!r}, got {self.peek()!r}")
        self.i += 1

    def value(self) -> Any:
        kind, v = self.peek()
        self.i += 1
        if kind in ("re", "str", "num"):
            return (kind, v) if kind == "re" else v
        if v == "[":
            return self.items("]")
        if v == "{":
            obj: dict[str, Any] = {}
            while self.peek()[1] != "}":
                key = self.peek()[1]
                self.i += 1
                self.take(":")
                obj[key] = self.value()
                if self.peek()[1] == ",":
                    self.i += 1
            self.i += 1
            return obj
        if v == "new" and self.peek()[1] == "Set":
            self.i += 1
            self.take("(")
            items = self.value()
            self.take(")")
            return ("set", items)
        if v == "new" and self.peek()[1] == "RegExp":
            self.i += 2
            kind2, tpl = self.peek()
            if kind2 not in ("tpl", "str"):
                raise ValueError(f"new RegExp of a {kind2}, not a literal")
            self.i += 1
            self.take(",")
            flags = self.value()
            self.take(")")
            return ("re", (self.template(tpl) if kind2 == "tpl" else tpl, flags))
        if kind == "id" and v in self.known:
            return ("ref", v)
        raise ValueError(f"unsupported value {v!r}")

    def items(self, close: str) -> list[Any]:
        out: list[Any] = []
        while self.peek()[1] != close:
            if self.peek()[1] == "...":
                self.i += 1
                name = self.peek()[1]
                self.i += 1
                out.append(("spread", name))
            else:
                out.append(self.value())
            if self.peek()[1] == ",":
                self.i += 1
        self.i += 1
        return out

    def template(self, raw: str) -> str:
        def sub(m: re.Match[str]) -> str:
            ref = self.known.get(m.group(1))
            if not (isinstance(ref, tuple) and ref[0] == "re"):
                raise ValueError(f"template reads ${{{m.group(1)}.source}}, not a known regex")
            return str(ref[1][0])

        if re.search(r"\$\{(?![A-Za-z_$][\w$]*\.source\})", raw):
            raise ValueError(f"template interpolation other than X.source: {raw!r}")
        return cook(re.sub(r"\$\{([A-Za-z_$][\w$]*)\.source\}", lambda m: sub(m).replace("\\", "\\\\"), raw))


def consts(tokens: list[Token]) -> dict[str, Any]:
    """Every top-level `const NAME = value;` whose value is data; others are skipped (resolved lazily)."""
    known: dict[str, Any] = {}
    depth = 0
    i = 0
    while i < len(tokens):
        v = tokens[i][1]
        if v in ("{", "(", "["):
            depth += 1
        elif v in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and v == "const" and tokens[i + 2][1] == "=":
            p = _Parser(tokens, known)
            p.i = i + 3
            try:
                value = p.value()
                if p.peek()[1] != ";":  # `const X = /a/.source + ...`: more than a literal
                    raise ValueError(f"{tokens[i + 1][1]} is an expression, not data")
                known[tokens[i + 1][1]] = value
                i = p.i
                continue
            except (ValueError, IndexError):
                pass
        i += 1
    return known


#: String literals in a function body that are patterns: arguments of these calls, `case` labels, `===` operands.
_PATTERN_CALLS = {"includes", "isProvider", "startsWith", "endsWith"}
_TYPEOF_NAMES = {"object", "string", "number", "boolean", "bigint", "symbol", "function", "undefined"}


def function_literals(tokens: list[Token], name: str) -> list[Any]:
    """The regex literals and pattern strings of `function name`'s body, in source order."""
    for i in range(len(tokens) - 2):
        if tokens[i] == ("id", "function") and tokens[i + 1] == ("id", name):
            j = i + 2
            while tokens[j][1] != "{":
                j += 1
            depth, out, calls = 0, [], [""]
            for k in range(j, len(tokens)):
                kind, v = tokens[k]
                depth += (v == "{") - (v == "}")
                if v == "(":
                    calls.append(str(tokens[k - 1][1]) if tokens[k - 1][0] == "id" else "")
                elif v == ")":
                    calls.pop()
                if kind == "tpl":
                    raise TargetError(f"{name}: a template literal in the body; port it by hand")
                prev = tokens[k - 1][1]
                if kind == "re":
                    out.append((kind, v))
                elif kind == "str" and (
                    prev == "case" or (prev in ("===", "!==") and v not in _TYPEOF_NAMES) or (prev in ("(", ",") and calls[-1] in _PATTERN_CALLS)
                ):
                    out.append(v)
                if depth == 0:
                    return out
    raise TargetError(f"function {name} not found")


def chunks(dist: Path) -> list[Path]:
    """The chunk defining `ENTRY`, and the chunks it imports (two levels)."""
    entry = next((p for p in sorted(dist.glob("failover-error-*.js")) if f"function {ENTRY}(" in p.read_text()), None)
    entry = entry or next((p for p in sorted(dist.glob("*.js")) if f"function {ENTRY}(" in p.read_text()), None)
    if entry is None:
        raise TargetError(f"{dist}: no chunk defines {ENTRY}")
    found, frontier = [entry], [entry]
    for _ in range(2):
        nxt = []
        for p in frontier:
            for rel in re.findall(r'^import [^;]*?from "\./([^"]+)";', p.read_text(), re.MULTILINE):
                q = dist / rel
                if q.exists() and q not in found:
                    found.append(q)
                    nxt.append(q)
        frontier = nxt
    return found


def derive(dist: Path, label: str) -> str:
    """The generated module's text for the dist at `dist` (`label` names the release in its header)."""
    by_region: dict[str, tuple[str, list[Token]]] = {}
    for path in chunks(dist):
        for region, body in regions(path.read_text()).items():
            if region in CONSTS or region in FUNCTIONS:
                by_region[region] = (path.name, tokenize(body))
    missing = sorted((set(CONSTS) | set(FUNCTIONS)) - set(by_region))
    if missing:
        raise TargetError(f"{dist}: regions not found: {missing}")
    out = [
        f'r"""GENERATED from openclaw@{label.removeprefix("openclaw@")} by simharness.targets.derive_tables; do not edit.',
        "",
        "Read from dist/ (region: chunk): " + "; ".join(f"{r}: {by_region[r][0]}" for r in sorted(by_region)) + ".",
        "Regenerate: SIMHARNESS_REGEN_TABLES=1 pytest tests/test_classifier_tables.py",
        "(or: python -m simharness.targets.derive_tables openclaw@VERSION > this file). JS regexes are translated by",
        'simharness.targets.jsregex (re.ASCII; \\s, "." and "$" spelled out); each line shows the JS literal."""',
        "",
        "# fmt: off",
        "import re",
        "",
        "_A = re.ASCII",
        "_AI = re.ASCII | re.IGNORECASE",
        f"JS_WHITESPACE = {JS_WHITESPACE!r}",
    ]
    emitted: set[str] = set()
    for region in sorted(by_region):
        fname, tokens = by_region[region]
        table = consts(tokens)
        out.append(f"\n# --- {region} ({fname})")
        for name in CONSTS.get(region, ()):
            if name not in table:
                raise TargetError(f"{fname}: const {name} not found or not data")
            _emit(out, name, table[name], table, emitted)
        for fn in FUNCTIONS.get(region, ()):
            _emit(out, f"FN_{fn}", function_literals(tokens, fn), table, emitted)
    return "\n".join(out) + "\n"


def _emit(out: list[str], name: str, value: Any, table: dict[str, Any], emitted: set[str]) -> None:
    for ref in _refs(value):  # references first, so the module reads top to bottom
        if ref not in emitted:
            _emit(out, ref, table[ref], table, emitted)
    if name in emitted:
        return
    emitted.add(name)
    if isinstance(value, list):
        out.append(f"{name} = (")
        line = ""
        for v in value:  # strings packed several to a line, anything else one to a line with its JS text
            if isinstance(v, str) and len(line) + len(_py(v)) < 110:
                line += f"{_py(v)}, "
                continue
            if line:
                out.append(f"    {line.rstrip()}")
                line = ""
            if isinstance(v, str):
                line = f"{_py(v)}, "
            else:
                out.append(f"    {_py(v)},{_js(v)}")
        if line:
            out.append(f"    {line.rstrip()}")
        out.append(")")
    elif isinstance(value, dict):
        for key, v in value.items():
            _emit(out, f"{name}_{key}", v, table, emitted)
    else:
        out.append(f"{name} = {_py(value)}{_js(value)}")


def _refs(value: Any) -> list[str]:
    if isinstance(value, tuple) and value[0] in ("ref", "spread"):
        return [value[1]]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    return []


def _py(v: Any) -> str:
    if isinstance(v, tuple) and v[0] == "re":
        src, flags = v[1]
        pattern, py_flags = translate(src, flags)
        text = f"r'{pattern}'" if "'" not in pattern and "\n" not in pattern and not pattern.endswith("\\") else repr(pattern)
        return f"re.compile({text}, {'_AI' if py_flags & re.IGNORECASE else '_A'})"
    if isinstance(v, tuple) and v[0] in ("ref", "spread"):
        return ("*" if v[0] == "spread" else "") + str(v[1])
    if isinstance(v, tuple) and v[0] == "set":
        return "frozenset({" + ", ".join(_py(x) for x in v[1]) + "})"
    if isinstance(v, dict):
        return "(" + ", ".join(_py(x) for x in v.values()) + ",)"
    if isinstance(v, (str, int, float)):
        return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)
    if isinstance(v, list):
        return "(" + ", ".join(_py(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    raise TargetError(f"cannot emit {v!r}")


def _js(v: Any) -> str:
    """A trailing comment with the JS text of the regexes in `v` (and an object's keys), for the reader."""
    if isinstance(v, tuple) and v[0] == "re":
        return f"  # /{v[1][0]}/{v[1][1]}"
    if isinstance(v, dict):
        return f"  # ({', '.join(v)})" + "".join(_js(x).replace("  #", ";", 1) for x in v.values())
    return ""


def main(argv: list[str]) -> int:
    from simharness.targets.cache import cache_root

    if len(argv) != 1:
        print("usage: python -m simharness.targets.derive_tables openclaw@VERSION", file=sys.stderr)
        return 2
    label = argv[0] if argv[0].startswith("openclaw@") else f"openclaw@{argv[0]}"
    dist = cache_root() / label / "package" / "dist"
    if not dist.is_dir():
        print(f"{label} is not installed (simharness target install {label})", file=sys.stderr)
        return 2
    sys.stdout.write(derive(dist, label))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
