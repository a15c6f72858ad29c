"""The light install's package set comes from the dist's import graph (issue 17, Build 4); no network here.

The fake dists are fixtures of the walker: chunks shaped like openclaw's bundler output (hashed names, relative
`./x-Hash.js` specifiers, `createRequire(import.meta.url)("pkg/sub")` as 2026.8.x writes it), not stand-ins for
openclaw. The install flow is driven with npm, Node and the smoke call replaced, to show which packages reach npm
and when the full-install fallback is taken.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from simharness.model.exceptions import TargetError
from simharness.targets import install as I
from simharness.targets.deps import needed, package_name, store_chunks, walk
from simharness.targets.nodejs import NodeBinary

DRIVER = (
    'import { t as tag } from "./tags-Aa1.js";\n'
    'export { helper } from "./helper-Bb2.js";\n'
    'import "./side-Cc3.js";\n'
    "async function runWithModelFallback(params) {\n"
    '  const { loadLazy } = await import("./lazy-Dd4.js");\n'
    "  return params.run(params.provider, params.model);\n"
    "}\n"
    "export { runWithModelFallback as r };\n"
)
CHUNKS = {
    "model-fallback-Ab12.js": DRIVER,
    "tags-Aa1.js": 'import fs from "node:fs";\nimport chalk from "chalk";\nimport "./model-fallback-Ab12.js";\nexport const t = 1;\n',
    "helper-Bb2.js": (
        'import { x } from "@scope/kit/sub/path";\nconst c = require("crypto");\nexport const helper = 2;\n'
        'const requireUndici$1 = createRequire(import.meta.url);\nlet m; const load = () => m ??= requireUndici$1("ws/index.js");\n'
    ),
    "side-Cc3.js": (
        'import moduleNamespace from "node:module";\n'
        'const temp = moduleNamespace.createRequire(import.meta.url)("@openclaw/fs-safe/temp");\n'
        'import pkg from "../package.json" with { type: "json" };\n'
    ),
    "lazy-Dd4.js": 'export async function loadLazy() { return import("undici", { with: {} }); }\nimport("./gone-Zz9.js");\n',
    # Reachable from nothing the bridge loads: its packages must stay out.
    "cli-Ee5.js": 'import typescript from "typescript";\nimport("./lazy-Dd4.js");\n',
    # Text that only looks like an import: a property access and an identifier ending in `from`.
    "store-Ff6.js": (
        'import { a } from "./store-util-Gg7.js";\n'
        "function ensureAuthProfileStore(dir) { return a(dir); }\n"
        'const y = obj.import("not-a-dep"); const xfrom = "also-not";\n'
        "export { ensureAuthProfileStore as e };\n"
    ),
    "store-util-Gg7.js": 'import Database from "kysely";\nexport const a = (d) => d;\n',
}
DEPS = {
    "chalk": "^5.0.0", "@scope/kit": "1.2.3", "@openclaw/fs-safe": "0.5.6", "undici": "^7", "typescript": "^5",
    "kysely": "^0.28", "ws": "^8", "not-a-dep": "1", "also-not": "1", "unused": "9",
}  # fmt: skip


def _dist(root: Path, chunks: dict[str, str] = CHUNKS) -> Path:
    dist = root / "package" / "dist"
    dist.mkdir(parents=True)
    for name, body in chunks.items():
        (dist / name).write_text(body)
    manifest = {"name": "openclaw", "version": "2026.99.1", "type": "module", "dependencies": DEPS, "engines": {"node": ">=22"}}
    (root / "package" / "package.json").write_text(json.dumps(manifest))
    return dist


def test_walk_follows_static_dynamic_and_reexports_but_not_strangers(tmp_path: Path) -> None:
    graph = walk(_dist(tmp_path), ["model-fallback-Ab12.js"])
    assert graph.chunks == {"model-fallback-Ab12.js", "tags-Aa1.js", "helper-Bb2.js", "side-Cc3.js", "lazy-Dd4.js"}
    # node: and bare builtins dropped, subpaths cut to the package, createRequire(...)("x") and dynamic import seen.
    assert dict(graph.packages) == {
        "@openclaw/fs-safe": "side-Cc3.js", "@scope/kit": "helper-Bb2.js", "chalk": "tags-Aa1.js", "undici": "lazy-Dd4.js",
        "ws": "helper-Bb2.js",
    }  # fmt: skip


def test_walk_without_the_dynamic_edge_misses_the_lazy_package(tmp_path: Path) -> None:
    """The dynamic `import("./lazy-Dd4.js")` is the only way to `undici`: drop it and the package goes too."""
    chunks = {**CHUNKS, "model-fallback-Ab12.js": DRIVER.replace('await import("./lazy-Dd4.js")', "{}")}
    graph = walk(_dist(tmp_path, chunks), ["model-fallback-Ab12.js"])
    assert "lazy-Dd4.js" not in graph.chunks and "undici" not in graph.packages


def test_walk_static_only_stops_at_dynamic_imports(tmp_path: Path) -> None:
    static = walk(_dist(tmp_path), ["model-fallback-Ab12.js"], dynamic=False)
    assert static.chunks == {"model-fallback-Ab12.js", "tags-Aa1.js", "helper-Bb2.js", "side-Cc3.js"}
    assert "undici" not in static.packages and "@openclaw/fs-safe" in static.packages


def test_needed_adds_the_store_chunks_and_takes_versions_from_the_release(tmp_path: Path) -> None:
    dist = _dist(tmp_path)
    assert store_chunks(dist) == ["store-Ff6.js"]
    assert needed(dist, ["model-fallback-Ab12.js"], DEPS) == {
        "@openclaw/fs-safe": "0.5.6", "@scope/kit": "1.2.3", "chalk": "^5.0.0", "kysely": "^0.28", "undici": "^7",
        "ws": "^8",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("specifier", "name"),
    [
        ("@openclaw/fs-safe/temp", "@openclaw/fs-safe"),
        ("@scope/name", "@scope/name"),
        ("json5/lib/register", "json5"),
        ("ipaddr.js", "ipaddr.js"),
        ("node:fs", None),
        ("crypto", None),
        ("fs/promises", None),
        ("./x.js", None),
        ("#internal", None),
        ("https://example.com/x.js", None),
        ("@scope", None),
        ("Not A Package", None),
    ],
)
def test_package_name(specifier: str, name: str | None) -> None:
    assert package_name(specifier) == name


def test_missing_package_reads_both_node_messages() -> None:
    assert I._missing_package("Error: Cannot find module '@openclaw/fs-safe/temp' imported from /x/dist/tmp.js") == "@openclaw/fs-safe"
    assert I._missing_package("Cannot find package '@earendil-works/pi-ai' imported from /x.js") == "@earendil-works/pi-ai"
    assert I._missing_package("Cannot find module './gone.js'") is None
    assert I._missing_package(None) is None


class _FakeWorld:
    """npm pack writes the fake package; npm install records what it was asked for; smoke calls follow a script."""

    def __init__(self, root: Path, smoke: list[str | None]) -> None:
        self.source = _dist(root / "src").parent
        self.smoke = smoke
        self.installs: list[dict[str, str]] = []

    def run_npm(self, label: str, args: list[str], cwd: Path) -> str:
        if args[0] == "pack":
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz") as tar:
                tar.add(self.source, arcname="package")
            (cwd / "openclaw-2026.99.1.tgz").write_bytes(buf.getvalue())
        else:
            self.installs.append(json.loads((cwd / "package.json").read_text())["dependencies"])
        return ""

    def smoke_test(self, *args: Any) -> str | None:
        return self.smoke.pop(0)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    def make(smoke: list[str | None]) -> _FakeWorld:
        fake = _FakeWorld(tmp_path, smoke)
        monkeypatch.setenv("SIMHARNESS_CACHE", str(tmp_path / "cache"))
        monkeypatch.setattr(I, "npm", lambda: "npm")
        monkeypatch.setattr(I, "run_npm", fake.run_npm)
        monkeypatch.setattr(I, "smoke_test", fake.smoke_test)
        monkeypatch.setattr(I, "find_node", lambda *a: NodeBinary("/bin/node", "v22.0.0"))
        return fake

    return make


def test_light_install_asks_npm_for_the_graph_only(world: Any) -> None:
    fake = world([None])
    done = I.install("2026.99.1", lambda s: None)
    assert done.mode == "light"
    assert fake.installs == [
        {"@openclaw/fs-safe": "0.5.6", "@scope/kit": "1.2.3", "chalk": "^5.0.0", "kysely": "^0.28", "undici": "^7", "ws": "^8"}
    ]


def test_a_module_the_graph_missed_is_added_then_the_fallback_is_said(world: Any) -> None:
    """`Cannot find module 'pkg/sub'` adds `pkg` (a declared dependency); an undeclared one falls back to full."""
    fake = world(["Cannot find module 'typescript/lib/x.js' imported from /d.js", "Cannot find package 'nowhere'", None])
    said: list[str] = []
    done = I.install("2026.99.1", said.append)
    assert done.mode == "full"
    assert "typescript" in fake.installs[1] and "typescript" not in fake.installs[0]
    assert fake.installs[2] == DEPS
    assert sum("falling back to a full install" in s for s in said) == 1


def test_a_driver_that_never_runs_is_an_error_not_a_green_install(world: Any) -> None:
    world(["Cannot find package 'nowhere'", "SyntaxError: nope"])
    with pytest.raises(TargetError, match="does not run"):
        I.install("2026.99.1", lambda s: None)
    assert I.installed("2026.99.1") is None
