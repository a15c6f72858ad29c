"""Find `runWithModelFallback` and the error classes in an openclaw dist, and derive the target's profile.

openclaw's bundler names its chunks by content hash (`model-fallback-BoGT_OvT.js`), and the exported names
are minified aliases (`export { runWithModelFallback as r, ... }`). So nothing here knows a file name: every
top-level `dist/*.js|*.mjs` chunk is scanned for the *definition* of a symbol and the export clause that
aliases it. What was found decides the profile (which fault kinds the runtime can throw) and the generation
(which coordination predicate its driver applies) — never a table of version numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simharness.targets._protocol import PROVIDER_KINDS, Profile, TargetError

#: Symbols the bridge imports (class or function definitions, exported under some alias).
SYMBOLS = ("runWithModelFallback", "SessionWriteLockTimeoutError", "EmbeddedAttemptSessionTakeoverError", "FailoverError")
#: Optional: what the gateway calls once at startup to publish the plugin metadata snapshot. Without it every
#: model-ref lookup rescans the plugin directories (openclaw's own steady state has it published).
RUNTIME_SYMBOLS = ("loadPluginMetadataSnapshot", "setCurrentPluginMetadataSnapshot")
#: Coordination error names of the re-architected runtimes, and the fault kind the world calls them.
COORDINATION_NAMES = {
    "GatewayDrainingError": "gateway_draining",
    "WorkerRunnerUnavailableError": "worker_runner_unavailable",
    "WorkerRunnerCapacityError": "worker_runner_capacity",
    "ActiveTurnClaimError": "active_turn_claim",
    "AgentHarnessSessionSupersededError": "session_superseded",
}
TAKEOVER_NAME = "EmbeddedAttemptSessionTakeoverError"

_EXPORT = re.compile(r"export\s*\{([^}]*)\}")
_NAME_SET = re.compile(r"const\s+(\w*COORDINATION\w*)\s*=\s*(?:/\*[^*]*\*/\s*)?new Set\(\[([^\]]*)\]\)")


def _defines(source: str, name: str) -> bool:
    return bool(
        re.search(rf"(?:^|[\s;(])(?:async\s+)?function\s+{name}\s*\(", source, re.MULTILINE)
        or re.search(rf"(?:var|let|const)\s+{name}\s*=\s*class\b", source)
        or re.search(rf"(?:^|\s)class\s+{name}\b", source, re.MULTILINE)
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
    names: list[str] = field(default_factory=list)  # error names present as string literals or classes
    coordination_names: list[str] = field(default_factory=list)  # the runtime's coordination name set
    predicate: str = ""  # the coordination predicate the driver applies ("" = none: the pre-fix driver)

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
            list(doc.get("coordination_names", [])),
            doc.get("predicate", ""),
        )

    def profile(self) -> Profile:
        """The fault kinds this runtime can throw: from the classes and name sets found, nothing else."""
        kinds = set(PROVIDER_KINDS)
        if "SessionWriteLockTimeoutError" in self.names:
            kinds.add("lock_timeout")
        if TAKEOVER_NAME in self.names:
            kinds.add("takeover")
        kinds.update(COORDINATION_NAMES[n] for n in self.coordination_names if n in COORDINATION_NAMES)
        embedded = bool(kinds & {"takeover", "lock_timeout"})
        newer = bool(kinds & set(COORDINATION_NAMES.values()))
        name = "+".join(p for p, on in (("embedded-lock", embedded), ("coordination-set", newer)) if on) or "provider-only"
        generation = {
            "": "no coordination predicate (pre-#83550 driver)",
            "isNonProviderRuntimeCoordinationError": "isNonProviderRuntimeCoordinationError",
            "resolveModelFallbackError": "resolveModelFallbackError(err).kind === 'coordination'",
        }.get(self.predicate, self.predicate)
        return Profile(name, frozenset(kinds), f"openclaw {self.version}: {generation}")


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
    found = Located(str(dist), str(pkg.get("version", "unknown")), str(engines))
    names: set[str] = set()
    coordination: set[str] = set()
    candidates: dict[str, list[Symbol]] = {}
    watched = (*SYMBOLS, *RUNTIME_SYMBOLS, *COORDINATION_NAMES, "isNonProviderRuntimeCoordinationError", "resolveModelFallbackError")
    for chunk in chunks:
        try:
            source = chunk.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise TargetError(f"{label}: cannot read {chunk}: {exc.strerror}") from None
        present = [w for w in watched if w in source]
        if not present:
            continue
        exports = _exports(source)
        for sym in present:
            if (sym in SYMBOLS or sym in COORDINATION_NAMES) and (f'"{sym}"' in source or _defines(source, sym)):
                names.add(sym)
            if (sym in SYMBOLS or sym in RUNTIME_SYMBOLS) and sym in exports and _defines(source, sym):
                candidates.setdefault(sym, []).append(Symbol(chunk.name, exports[sym]))
        if "isNonProviderRuntimeCoordinationError" in present and _defines(source, "isNonProviderRuntimeCoordinationError"):
            if re.search(r"resolveModelFallbackError\([^)]*\)\.kind\s*===\s*\"coordination\"", source):
                found.predicate = "resolveModelFallbackError"
            elif found.predicate != "resolveModelFallbackError":
                found.predicate = "isNonProviderRuntimeCoordinationError"
        for _, items in _NAME_SET.findall(source):
            coordination.update(re.findall(r"\"(\w+)\"", items))
    for sym, options in candidates.items():
        found.symbols[sym] = options[0]  # sorted scan order: the same choice on every machine
    if "runWithModelFallback" not in found.symbols:
        raise TargetError(
            f"{label}: no exported definition of runWithModelFallback in {dist} "
            f"(scanned {len(chunks)} chunks; is this an openclaw build from before the model-fallback driver?)"
        )
    found.names = sorted(names)
    found.coordination_names = sorted(coordination)
    return found
