"""Find `runWithModelFallback` and the error classes in an openclaw dist, and derive the target's profile.

openclaw's bundler names its chunks by content hash (`model-fallback-BoGT_OvT.js`), and the exported names
are minified aliases (`export { runWithModelFallback as r, ... }`). So nothing here knows a file name: every
top-level `dist/*.js|*.mjs` chunk is scanned for the *definition* of a symbol and the export clause that
aliases it.

The profile (which fault kinds the runtime can throw) comes from the error classes, `name` values and error
codes the dist *defines*, mapped to the world's kinds by the world's own constructors. It never reads the
runtime's classification sets or predicates: a coordination error the runtime defines but leaves out of its
own set must be judged (and fail), not excused as "not applicable" — that is the #83510 bug's shape. The
predicate found is kept only as an informational "generation" label. No table of version numbers anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from simharness.model import errors as E
from simharness.model import kinds as K
from simharness.model.exceptions import TargetError
from simharness.model.kinds import PROVIDER_KINDS, PROVIDER_RULE_KINDS
from simharness.model.target import Profile

#: Symbols the bridge imports (class or function definitions, exported under some alias).
SYMBOLS = ("runWithModelFallback", "SessionWriteLockTimeoutError", "EmbeddedAttemptSessionTakeoverError", "FailoverError")
#: Optional: what the gateway calls once at startup to publish the plugin metadata snapshot. Without it every
#: model-ref lookup rescans the plugin directories (openclaw's own steady state has it published).
RUNTIME_SYMBOLS = ("loadPluginMetadataSnapshot", "setCurrentPluginMetadataSnapshot")
TAKEOVER_NAME = "EmbeddedAttemptSessionTakeoverError"
#: The auth-profile store and the runner's auth loop, for [auth] worlds (issue 16; docs/cooldowns-design.md 2.4).
#: 9.x destructures the store functions from `nativePluginBindings.authStore` (`const { ..., name, ... } =`).
STORE_SYMBOLS = (
    "markAuthProfileFailure", "markAuthProfileSuccess", "saveAuthProfileStore", "ensureAuthProfileStore",
    "loadAuthProfileStoreForRuntime", "resolveAuthProfileOrder", "isProfileInCooldown",
    "resolveProfilesUnavailableReason", "clearRuntimeAuthProfileStoreSnapshots", "describeFailoverError",
    "coerceToFailoverError", "resolveFailoverStatus",
)  # fmt: skip
#: Optional store symbols: 8.1+ export a close for an agent's databases; the bridge calls it when present.
STORE_OPTIONAL = ("closeOpenClawAgentDatabasesForTest",)
#: Functions of the embedded runner the bridge evaluates from their source text (not exported): name -> defining
#: chunk. The runner's failure filter; its cooldown-probe rules (every release defines both predicates; 8.1+ put
#: the per-key probe policy in its own function, which `SOURCE_OPTIONAL` names).
SOURCE_SYMBOLS = ("resolveAuthProfileFailureReason", "shouldAllowCooldownProbeForReason", "shouldUseTransientCooldownProbeSlot")
SOURCE_OPTIONAL = ("resolveEmbeddedAuthCooldownProbePolicy",)
#: The driver's probe throttle, as its chunk states it (profile data: "the runtime's stated probe"; the bridge's
#: per-run epoch shift must outlast PROBE_STATE_TTL_MS).
PROBE_CONSTANTS = ("MIN_PROBE_INTERVAL_MS", "PROBE_MARGIN_MS", "PROBE_STATE_TTL_MS")
_NUMBER = r"\d+(?:\.\d+)?(?:e\d+)?"
#: Optional, for the bridge: classes its driver tests with `instanceof` (built as the release's own when exported)
#: and the classifier functions the bridge's `probe` message calls (docs: /work/notes/protocol15.md, bridge.mjs).
BRIDGE_CLASSES = (
    "LiveSessionModelSwitchError", "MissingAgentHarnessError", "CommandLaneTaskTimeoutError", "FallbackSummaryError",
    "AgentRunTerminalOutcomeError", "SandboxProvisioningError",  # 9.x: recognised by instanceof only
)  # fmt: skip
PROBE_SYMBOLS = (
    "resolveFailoverReasonFromError", "coerceToFailoverError", "isTimeoutError", "resolveFailoverStatus",
    "describeFailoverError", "isFailoverError", "isLikelyContextOverflowError", "classifyFailoverReason",
    "classifyFailoverSignal", "isFallbackSummaryError", "isCommandLaneTaskTimeoutError", "isMissingAgentHarnessError",
    "isNonProviderRuntimeCoordinationError", "resolveModelFallbackError",
)  # fmt: skip
#: JavaScript's own error names: a runtime "defining" one of these says nothing about its kinds.
GENERIC_NAMES = frozenset({"Error", "AbortError", "TypeError", "RangeError", "AggregateError", "SuppressedError", ""})
#: Bump when what a scan records changes; cached installs with another value are scanned again.
LOCATE_SCHEMA = 9
#: Provider rules and the function that implements each in the core classifier (absent: a plugin's, not judged).
RULE_FUNCTIONS = {"provider_rule_billing": "isOpenRouterKeyBudgetLimitExceededError"}


@cache
def coordination_marks() -> tuple[dict[str, str], dict[str, str]]:
    """(class/`name` -> kind, code -> kind) for every coordination kind the world builds, read from the
    world's own constructors (`simharness.model.errors`), so a kind added there is detected here too."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for kind in sorted(K.COORDINATION_KINDS):
        if kind == "takeover":
            sample = E.session_takeover("s.jsonl")
        elif kind == "lock_timeout":
            sample = E.session_write_lock_timeout(1, "o", "s.jsonl.lock")
        else:
            sample = E.coordination_error(kind, "session s.jsonl")
        if sample.name not in GENERIC_NAMES:
            names.setdefault(sample.name, kind)
        if sample.code:
            codes.setdefault(str(sample.code), kind)
    return names, codes


def scan_key() -> str:
    """What a cached scan must match to be reused: the schema and the marks it looked for."""
    names, codes = coordination_marks()
    digest = hashlib.sha256(json.dumps([sorted(names.items()), sorted(codes.items())]).encode()).hexdigest()[:12]
    return f"{LOCATE_SCHEMA}:{digest}"


_EXPORT = re.compile(r"export\s*\{([^}]*)\}")
_NAME_SET = re.compile(r"const\s+(\w*COORDINATION\w*)\s*=\s*(?:/\*[^*]*\*/\s*)?new Set\(\[([^\]]*)\]\)")
#: What defines an error: `var X = class`, `class X extends`, an assigned `name = "X"` (not `===`), and an
#: assigned code (`this.code = "X"`, `const X_CODE = "X"`).
_CLASS_DEF = re.compile(r"(?:\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*class\b|\bclass\s+([A-Za-z_$][\w$]*)\s+extends\b)")
_NAME_ASSIGN = re.compile(r"\bname\s*=(?!=)\s*[\"']([A-Za-z_$][\w$]*)[\"']")
_CODE_ASSIGN = re.compile(r"\b(?:code|[A-Z][A-Z0-9_]*_CODE)\s*=(?!=)\s*[\"']([\w.:-]+)[\"']")
_IMPORT_FROM = re.compile(r"""\bfrom\s*["'](\.{1,2}/[^"']+)["']|\bimport\s*["'](\.{1,2}/[^"']+)["']""")


def defined_errors(source: str) -> tuple[set[str], set[str]]:
    """(error classes and `name` values, error codes) a chunk defines."""
    names = {a or b for a, b in _CLASS_DEF.findall(source)}
    names.update(_NAME_ASSIGN.findall(source))
    return names, set(_CODE_ASSIGN.findall(source))


def _defines(source: str, name: str, *, destructured: bool = False) -> bool:
    return bool(
        re.search(rf"(?:^|[\s;(])(?:async\s+)?function\s+{name}\s*\(", source, re.MULTILINE)
        or re.search(rf"(?:var|let|const)\s+{name}\s*=\s*class\b", source)
        or re.search(rf"(?:^|\s)class\s+{name}\b", source, re.MULTILINE)
        or (destructured and re.search(rf"const\s*\{{[^}}]*\b{name}\b[^}}]*\}}\s*=", source))
    )


def _exports(source: str) -> dict[str, str]:
    """local name -> exported alias, from every `export { a as b, c }` clause of a chunk."""
    out: dict[str, str] = {}
    for clause in _EXPORT.findall(source):
        for item in clause.split(","):
            parts = item.split()
            if len(parts) == 3 and parts[1] == "as":
                out.setdefault(parts[0], parts[2])
            elif len(parts) == 1:
                out.setdefault(parts[0], parts[0])
    return out


@dataclass(frozen=True, slots=True)
class Symbol:
    file: str  # path relative to the dist directory
    export: str  # the alias it is exported under


@dataclass(slots=True)
class Located:
    """What a dist contains. Serializable, so an installed target caches it next to the package."""

    dist: str
    version: str
    engines: str
    symbols: dict[str, Symbol] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # coordination error classes / `name` values the dist defines
    codes: list[str] = field(default_factory=list)  # coordination error codes the dist defines
    #: Informational only (never read for the profile): the names in the runtime's own coordination set.
    coordination_names: list[str] = field(default_factory=list)
    predicate: str = ""  # informational: the coordination predicate the driver applies ("" = none)
    rules: list[str] = field(default_factory=list)  # provider rules its core classifier implements (RULE_FUNCTIONS)
    sources: dict[str, str] = field(default_factory=dict)  # SOURCE_SYMBOLS -> the chunk defining it
    constants: dict[str, int] = field(default_factory=dict)  # PROBE_CONSTANTS the driver's chunk defines, in ms
    schema: str = ""  # `scan_key()` of the scan that made this; another value means: scan again

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Located:
        symbols = {k: Symbol(**v) for k, v in doc.get("symbols", {}).items()}
        return cls(
            doc["dist"],
            doc["version"],
            doc["engines"],
            symbols,
            list(doc.get("names", [])),
            list(doc.get("codes", [])),
            list(doc.get("coordination_names", [])),
            doc.get("predicate", ""),
            list(doc.get("rules", [])),
            dict(doc.get("sources", {})),
            {str(k): int(v) for k, v in dict(doc.get("constants", {})).items()},
            str(doc.get("schema", "")),
        )

    @property
    def current(self) -> bool:
        """Made by a scan like today's (an older cache may lack kinds added since, or the real-class symbols)."""
        return self.schema == scan_key()

    def store_missing(self) -> list[str]:
        """The auth-profile store symbols this dist lacks ([auth] worlds need all of them), in a stable order."""
        missing = [n for n in STORE_SYMBOLS if n not in self.symbols]
        if "markAuthProfileSuccess" in missing and "markAuthProfileGood" in self.symbols:
            missing.remove("markAuthProfileSuccess")  # the older name of the same function
        return missing + [n for n in SOURCE_SYMBOLS if n not in self.sources]

    def kinds(self) -> frozenset[str]:
        """The coordination kinds this runtime can throw: the classes, names and codes it defines."""
        by_name, by_code = coordination_marks()
        found = {by_name[n] for n in self.names if n in by_name}
        found.update(by_code[c] for c in self.codes if c in by_code)
        return frozenset(found)

    def profile(self) -> Profile:
        """The fault kinds this runtime can throw: what it defines, never how it classifies."""
        coordination = self.kinds()
        embedded = bool(coordination & {"takeover", "lock_timeout"})
        newer = bool(coordination - {"takeover", "lock_timeout"})
        parts = (("embedded-lock", embedded), ("runtime-coordination", newer))
        name = "+".join(p for p, on in parts if on) or "provider-only"
        generation = {
            "": "no coordination predicate (pre-#83550 driver)",
            "isNonProviderRuntimeCoordinationError": "isNonProviderRuntimeCoordinationError",
            "resolveModelFallbackError": "resolveModelFallbackError(err).kind === 'coordination'",
        }.get(self.predicate, self.predicate)
        rules = PROVIDER_RULE_KINDS & set(self.rules)
        return Profile(name, frozenset(PROVIDER_KINDS | rules | coordination), f"openclaw {self.version}: {generation}")


def probe_constants(source: str) -> dict[str, int]:
    """PROBE_CONSTANTS a chunk defines as a product of numbers (`const PROBE_MARGIN_MS = 120 * 1e3`), in ms."""
    out: dict[str, int] = {}
    for name in PROBE_CONSTANTS:
        m = re.search(rf"\bconst\s+{name}\s*=\s*({_NUMBER}(?:\s*\*\s*{_NUMBER})*)\s*[;,\n]", source)
        if m:
            value = 1.0
            for factor in m.group(1).split("*"):
                value *= float(factor)
            out[name] = int(value)
    return out


def dist_dir(path: Path) -> Path:
    """Accept a package directory (with `dist/`) or the dist directory itself."""
    if (path / "dist").is_dir():
        return path / "dist"
    return path


def _package_json(dist: Path) -> dict[str, Any]:
    for candidate in (dist.parent / "package.json", dist / "package.json"):
        try:
            doc = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict):
            return doc
    return {}


def _reachable(start: str, imports: dict[str, set[str]]) -> set[str]:
    """Chunk names reachable from `start` through relative static imports (itself included)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        chunk = stack.pop()
        if chunk not in seen:
            seen.add(chunk)
            stack.extend(imports.get(chunk, ()))
    return seen


def locate(path: Path, label: str) -> Located:
    """Scan a dist; raise `TargetError` (one line) if it has no usable `runWithModelFallback`."""
    dist = dist_dir(path)
    if not dist.is_dir():
        raise TargetError(f"{label}: {path} is not a directory")
    chunks = sorted(p for p in dist.iterdir() if p.suffix in (".js", ".mjs") and p.is_file())
    if not chunks:
        raise TargetError(f"{label}: {dist} holds no .js or .mjs chunks (expected an openclaw package or its dist/)")
    pkg = _package_json(dist)
    engines = pkg.get("engines", {}).get("node", "") if isinstance(pkg.get("engines"), dict) else ""
    found = Located(str(dist), str(pkg.get("version", "unknown")), str(engines), schema=scan_key())
    by_name, by_code = coordination_marks()
    # The bridge builds every coordination class as the release's own (instanceof matters), so those are symbols too.
    classes = sorted(set(by_name) | {TAKEOVER_NAME})
    names: set[str] = set()
    codes: set[str] = set()
    coordination: set[str] = set()
    rules: set[str] = set()
    candidates: dict[str, list[Symbol]] = {}
    imports: dict[str, set[str]] = {}
    store_imports: dict[str, set[str]] = {}  # the same graph over chunks holding store symbols too
    marks = (*by_name, *by_code)
    classes += [c for c in BRIDGE_CLASSES if c not in classes]
    store = (*STORE_SYMBOLS, *STORE_OPTIONAL, "markAuthProfileGood")
    importable = (*SYMBOLS, *RUNTIME_SYMBOLS, *PROBE_SYMBOLS, *classes, *(s for s in store if s not in PROBE_SYMBOLS))
    older = (*SYMBOLS, *RUNTIME_SYMBOLS, *PROBE_SYMBOLS, *classes)  # the coordination predicates are probe symbols too
    watched = (*importable, *SOURCE_SYMBOLS, *SOURCE_OPTIONAL)
    for chunk in chunks:
        try:
            source = chunk.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise TargetError(f"{label}: cannot read {chunk}: {exc.strerror}") from None
        present = [w for w in watched if w in source]
        rules.update(rule for rule, fn in RULE_FUNCTIONS.items() if fn in source and _defines(source, fn))
        if any(m in source for m in marks):
            defined_names, defined_codes = defined_errors(source)
            names.update(n for n in defined_names if n in by_name)
            codes.update(c for c in defined_codes if c in by_code)
        if not present:
            continue
        store_imports[chunk.name] = {Path(a or b).name for a, b in _IMPORT_FROM.findall(source)}
        if any(w in older for w in present):  # the older symbols' choice stays what it was before the store ones
            imports[chunk.name] = store_imports[chunk.name]
        exports = _exports(source)
        for sym in present:
            if sym in importable and sym in exports and _defines(source, sym, destructured=sym in store):
                candidates.setdefault(sym, []).append(Symbol(chunk.name, exports[sym]))
            if sym in (*SOURCE_SYMBOLS, *SOURCE_OPTIONAL) and sym not in found.sources and _defines(source, sym):
                found.sources[sym] = chunk.name
        if "isNonProviderRuntimeCoordinationError" in present and _defines(source, "isNonProviderRuntimeCoordinationError"):
            if re.search(r"resolveModelFallbackError\([^)]*\)\.kind\s*===\s*\"coordination\"", source):
                found.predicate = "resolveModelFallbackError"
            elif found.predicate != "resolveModelFallbackError":
                found.predicate = "isNonProviderRuntimeCoordinationError"
        for _, items in _NAME_SET.findall(source):
            coordination.update(re.findall(r"\"(\w+)\"", items))
    driver = candidates.get("runWithModelFallback")
    if not driver:
        raise TargetError(
            f"{label}: no exported definition of runWithModelFallback in {dist} "
            f"(scanned {len(chunks)} chunks; is this an openclaw build from before the model-fallback driver?)"
        )
    # A class defined twice: take the copy the driver's own modules import (its instanceof checks use that one).
    near = _reachable(driver[0].file, imports)
    store_near = _reachable(driver[0].file, store_imports)
    for sym, options in candidates.items():
        close = store_near if sym in store else near
        found.symbols[sym] = next((o for o in options if o.file in close), options[0])  # sorted scan order: stable
    found.names = sorted(names)
    found.codes = sorted(codes)
    found.coordination_names = sorted(coordination)
    found.rules = sorted(rules)
    try:
        found.constants = probe_constants((dist / driver[0].file).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        pass
    return found
