"""Which npm packages an openclaw release needs for what the bridge runs, read from its chunks' import graph.

A release declares 60+ dependencies, and a full install is ~450 MB; the driver's chunks use a fraction of them.
The set is derived, never listed by version: starting from the chunks the bridge loads (the files `locate.py`
found the symbols in, plus the auth-profile store's chunks), every edge a chunk can take to another chunk of the
dist is followed, transitively:

- static `import ... from "./x.js"`, `import "./x.js"`, `export ... from "./x.js"`;
- dynamic `import("./x.js")` with a string literal (lazy paths the driver may take at run time);

and every bare specifier those chunks name, in the same forms or in `require("pkg")` /
`createRequire(import.meta.url)("pkg")` (2026.8.x loads `@openclaw/fs-safe/temp` that way), becomes a package
name: `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; `node:` and bare Node builtins are dropped.
Versions come from the release's own package.json `dependencies`; npm installs what those packages need.

The scan reads source text with regular expressions, so it may over-approximate (a specifier inside a string
costs a few MB); it can miss only specifiers computed at run time, which is what the installer's smoke call and
its full-install fallback are for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Chunks the bridge may load beyond `Located.symbols`: the auth-profile store (issue 16) and its writers. A
#: missing one is fine (older releases); each present one is another start of the walk.
STORE_SYMBOLS = (
    "ensureAuthProfileStore", "saveAuthProfileStore", "loadAuthProfileStoreForRuntime", "markAuthProfileFailure",
    "markAuthProfileSuccess", "markAuthProfileGood", "resolveAuthProfileOrder", "isProfileInCooldown",
    "clearRuntimeAuthProfileStoreSnapshots", "resolveProfilesUnavailableReason",
)  # fmt: skip

#: Node's builtin modules importable without `node:` (`require("crypto")`); never npm packages.
NODE_BUILTINS = frozenset((
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
    "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector", "module", "net",
    "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream", "string_decoder",
    "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
))  # fmt: skip

_JS = (".js", ".mjs", ".cjs")
_Q = r"""["']([^"'\s]+)["']"""
#: `import x from "s"`, `export {a} from "s"`, `export * from "s"`, `import "s"` (not `foo.import`, `x_from`).
_STATIC = re.compile(rf"(?<![\w$.])(?:from|import)\s*{_Q}")
#: `import("s")`, `import("s", {with: ...})`.
_DYNAMIC = re.compile(rf"(?<![\w$.])import\s*\(\s*{_Q}\s*[,)]")
#: `require("s")` and `createRequire(import.meta.url)("s")`: packages only (never a chunk edge here).
_REQUIRE = re.compile(rf"(?:(?<![\w$.])require|\))\s*\(\s*{_Q}\s*\)")
#: `const requireUndici = createRequire(import.meta.url)`: 2026.9.x then calls `requireUndici("undici/index.js")`.
_REQUIRE_NAME = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*(?:[\w$]+\.)?createRequire\s*\(")
_PACKAGE = re.compile(r"^(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImportGraph:
    """What the walk reached: dist-relative chunk paths, and bare package names with one chunk that names each."""

    chunks: frozenset[str]
    packages: Mapping[str, str]


def package_name(specifier: str) -> str | None:
    """The npm package a bare specifier names (`@a/b/c` -> `@a/b`), or None for builtins, URLs and relative paths."""
    if specifier.startswith((".", "/", "#", "node:")) or ":" in specifier:
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    if name in NODE_BUILTINS or not _PACKAGE.match(name) or (name.startswith("@") and len(parts) < 2):
        return None
    return name


def _chunk_path(dist: Path, chunk: str, specifier: str) -> str | None:
    """A relative specifier from `chunk` as a dist-relative path, if it names a JS file inside the dist."""
    target = os.path.normpath(os.path.join(os.path.dirname(chunk), specifier.split("?")[0].split("#")[0]))
    if target.startswith("..") or os.path.isabs(target) or not target.endswith(_JS):
        return None
    return target if (dist / target).is_file() else None


def _named_requires(source: str) -> list[str]:
    """Specifiers passed to a local name bound to `createRequire(...)` in this chunk."""
    names = {n for n in _REQUIRE_NAME.findall(source) if n != "require"}
    if not names:
        return []
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.findall(rf"(?<![\w$.])(?:{alternatives})\s*\(\s*{_Q}\s*\)", source)


def walk(dist: Path, entries: Iterable[str], *, dynamic: bool = True) -> ImportGraph:
    """Follow static and (unless `dynamic` is false) literal dynamic imports from `entries` (dist-relative) over
    the dist's own chunks. Without the dynamic edges the set is what loading the entries needs (2026.9.6: 22
    packages, 45 with them): smaller, but blind to the lazy paths a call may take."""
    seen: set[str] = set()
    packages: dict[str, str] = {}
    queue = [e for e in entries if (dist / e).is_file()]
    while queue:
        chunk = queue.pop()
        if chunk in seen:
            continue
        seen.add(chunk)
        try:
            source = (dist / chunk).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        edges = [*_STATIC.findall(source), *(_DYNAMIC.findall(source) if dynamic else ())]
        for specifier in edges:
            if specifier.startswith("."):
                target = _chunk_path(dist, chunk, specifier)
                if target is not None and target not in seen:
                    queue.append(target)
        for specifier in (*edges, *_REQUIRE.findall(source), *_named_requires(source)):
            name = package_name(specifier)
            if name is not None:
                packages.setdefault(name, chunk)
    return ImportGraph(frozenset(seen), dict(sorted(packages.items())))


def _defines(source: str, name: str) -> bool:
    return bool(
        re.search(rf"(?:^|[\s;(])(?:async\s+)?function\s+{name}\s*\(", source, re.MULTILINE)
        or re.search(rf"(?:var|let|const)\s+{name}\s*=", source)
    )


def store_chunks(dist: Path, names: Iterable[str] = STORE_SYMBOLS) -> list[str]:
    """Top-level chunks that define and export one of `names` (the auth-profile store, for the bridge)."""
    wanted = tuple(names)
    found: list[str] = []
    for chunk in sorted(p for p in dist.iterdir() if p.suffix in (".js", ".mjs") and p.is_file()):
        try:
            source = chunk.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        present = [n for n in wanted if n in source]
        if present and "export" in source and any(_defines(source, n) for n in present):
            found.append(chunk.name)
    return found


def needed(dist: Path, entries: Iterable[str], dependencies: Mapping[str, str], *, dynamic: bool = True) -> dict[str, str]:
    """name -> version range, for each package the walk reached that the release declares as a dependency."""
    graph = walk(dist, [*entries, *store_chunks(dist)], dynamic=dynamic)
    return {name: dependencies[name] for name in graph.packages if name in dependencies}
